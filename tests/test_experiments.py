from dataclasses import replace

from helpers.checkpoints import LoraSettings
from helpers.experiments import (
    INEQUALITY_EXPERIMENTS,
    MODEL_A,
    MODEL_B,
    MODEL_C,
    MODEL_D,
    format_table,
)


def test_models_carry_the_seeds_hyperparameters():
    assert (MODEL_A.train_size, MODEL_A.epochs, MODEL_A.lora) == (400, 3, LoraSettings(64, 128))
    assert (MODEL_A.batch_size, MODEL_A.grad_accum, MODEL_A.learning_rate) == (2, 4, 2e-4)
    assert MODEL_B == replace(MODEL_A, name="Model B", train_size=2000, epochs=2)
    assert (MODEL_C.lora.r, MODEL_C.lora.alpha, MODEL_C.learning_rate) == (32, 64, 1e-4)
    assert MODEL_C.lora.dropout > 0 and (MODEL_C.train_size, MODEL_C.epochs) == (2000, 2)
    assert all(e.scheduler == "linear" for e in INEQUALITY_EXPERIMENTS)


def test_model_d_is_model_c_trained_on_worked_solutions():
    assert MODEL_D.target == "solution" and MODEL_C.target == "boxed_answer"
    assert replace(MODEL_D, name="Model C", target="boxed_answer") == MODEL_C


def test_seed_numbers_travel_with_the_runs():
    assert [e.reported.get("val_accuracy") for e in INEQUALITY_EXPERIMENTS] == [
        0.50,
        0.725,
        0.80,
        None,
    ]
    assert MODEL_C.reported["test_accuracy"] == 0.825


def test_table_has_one_aligned_row_per_run():
    lines = format_table([e.table_row() for e in INEQUALITY_EXPERIMENTS]).splitlines()
    assert len(lines) == 2 + len(INEQUALITY_EXPERIMENTS)
    assert lines[2].startswith("Model A | 400  | boxed_answer | 3")
    assert len({line.index("|") for line in lines}) == 1


def test_the_long_chain_of_thought_runs_differ_only_in_their_target():
    from dataclasses import asdict

    from helpers.hayes import LONG_COT_RUNS, RUN_2_ON_15B

    varied = {"name", "run", "target", "data"}
    knobs = [{k: v for k, v in asdict(run).items() if k not in varied} for run in LONG_COT_RUNS]
    assert knobs[0] == knobs[1] == knobs[2]  # one variable: the target (and its problems)
    assert [(r.target, r.data) for r in LONG_COT_RUNS] == [
        ("final", "gsm8k"), ("target", "gsm8k"), ("target", "long_cot")
    ]  # fmt: skip
    for knob in ("learning_rate", "lora", "weight_decay", "warmup_ratio", "model_name"):
        assert getattr(LONG_COT_RUNS[0], knob) == getattr(RUN_2_ON_15B, knob), knob


def test_only_the_full_and_check_sizes_train_models_b_and_d():
    from helpers.plans.inequality_sft import SIZES

    # notebook 02's exercises 2 and 3 need Models B and D: they say so, and skip at "class"
    assert [e.name for e in SIZES["class"].experiments] == ["Model A", "Model C"]
    assert SIZES["full"].experiments == SIZES["check"].experiments == list(INEQUALITY_EXPERIMENTS)
