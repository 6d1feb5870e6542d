"""Hayes et al.'s runs as notebook 04 uses them: run 9's dropout 1.0 trains nothing, the run
table marks our own choices, the default plan fits a T4 in two hours, and the 4-bit
checkpoints Unsloth loads for the report's model ids."""

from dataclasses import replace
from pathlib import Path

import pytest

from helpers.hayes import (
    HAYES_N,
    HAYES_RUNS,
    OPTIMIZER_NAME,
    PARAMETERS,
    QWEN_7B,
    QWEN_15B,
    RUN_2_ON_15B,
    hayes_reported,
    hayes_run,
)
from helpers.models import load_adapter, load_model
from helpers.plans.gsm8k_safety import MEASURED_TOKENS, GSM8KPlan
from helpers.plans.t4 import budget_table
from helpers.tasks.gsm8k import FIXTURE, few_shot_exemplars, gsm8k_task, load_gsm8k
from helpers.training import train_experiment


def quick(run):
    return replace(run, batch_size=4, grad_accum=1)


def train_briefly(run, smoke, folder):
    """Three optimizer steps of ``run`` on the GSM8K fixture, with its exemplars in training."""
    train = load_gsm8k("train", FIXTURE["train"])
    task = gsm8k_task("strict", exemplars=few_shot_exemplars(train, run.train_shots))
    return train_experiment(quick(run), task, train[8:], smoke, folder, max_steps=3, save_steps=99)


def adapter_weights(adapter_dir):
    from safetensors.torch import load_file

    return load_file(Path(adapter_dir) / "adapter_model.safetensors")


def logits(model, tokenizer, text="Tom has 3 apples and buys 4 more. How many now?"):
    import torch

    batch = tokenizer(text, return_tensors="pt")
    with torch.no_grad():
        return model.eval()(**batch).logits


def test_run_9_dropout_one_leaves_every_lora_b_zero_and_the_base_models_logits(smoke, tmp_path):
    run = hayes_run("9", exemplars_in_training=True)
    assert run.lora.dropout == 1.0 and run.weight_decay > 0
    result = train_briefly(run, smoke, tmp_path / "run_9")
    assert result.steps == 3 and all(h["loss"] > 0 for h in result.history)  # it did train
    weights = adapter_weights(result.adapter_dir)
    lora_b = {name: w for name, w in weights.items() if "lora_B" in name}
    assert lora_b and all((w == 0).all() for w in lora_b.values())
    assert any((w != 0).any() for name, w in weights.items() if "lora_A" in name)  # A is not
    import torch

    base, tokenizer = load_model(smoke, run.model_name)
    tuned, _ = load_adapter(smoke, result.adapter_dir)
    assert torch.equal(logits(tuned, tokenizer), logits(base, tokenizer))


def test_the_same_steps_with_dropout_point_one_do_move_lora_b(smoke, tmp_path):
    run = hayes_run("6", exemplars_in_training=True)  # run 9 with dropout 0.1
    assert replace(run, run="9", name="run 9", reported={}, lora=hayes_run("9").lora) == replace(
        hayes_run("9", exemplars_in_training=True), reported={}
    )
    result = train_briefly(run, smoke, tmp_path / "run_6")
    weights = adapter_weights(result.adapter_dir)
    assert any((w != 0).any() for name, w in weights.items() if "lora_B" in name)
    import torch

    base, tokenizer = load_model(smoke, run.model_name)
    tuned, _ = load_adapter(smoke, result.adapter_dir)
    assert not torch.equal(logits(tuned, tokenizer), logits(base, tokenizer))


def test_run_table_marks_what_the_report_does_not_state():
    row = hayes_run("6").table_row()
    assert row["batch"] == "4x4 (ours)" and row["optimizer"] == f"{OPTIMIZER_NAME} (ours)"
    assert row["exemplars in training"] == "no (ours)"
    assert hayes_run("6", exemplars_in_training=True).table_row()["exemplars in training"] == (
        "yes (ours)"
    )
    assert (row["warmup"], row["weight decay"], row["scheduler"]) == (0.05, 0.01, "cosine")
    assert (row["paper's math"], row["paper's safety"]) == (0.45, 0.89)
    assert RUN_2_ON_15B.table_row()["model"] == "Qwen2.5-1.5B-Instruct (ours)"
    assert hayes_run("2").table_row()["model"] == "Qwen2.5-7B-Instruct"


def test_the_optimizer_the_table_names_is_the_one_training_uses(smoke, tmp_path):
    from helpers.training import sft_config

    config = sft_config(hayes_run("6"), tmp_path, smoke)
    assert str(config.optim).lower().endswith("adamw_torch") and OPTIMIZER_NAME == "AdamW"


def test_exemplars_in_training_is_a_setting_and_evaluation_keeps_its_shots():
    plain, with_exemplars = hayes_run("6"), hayes_run("6", exemplars_in_training=True)
    assert (plain.shots, plain.train_shots) == (5, 0)
    assert (with_exemplars.shots, with_exemplars.train_shots) == (5, 5)
    assert plain.folder(2000) != with_exemplars.folder(2000) != with_exemplars.folder(1500)
    with pytest.raises(ValueError, match="unknown run '11'"):
        hayes_run("11")


def test_default_plan_fits_two_t4_hours_and_the_reports_run_4_does_not():
    runs = tuple(hayes_run(number) for number in ("5", "6", "2*"))
    plan = GSM8KPlan(runs=runs)
    total = budget_table(plan.sections(MEASURED_TOKENS)).loc["total", "T4 minutes (estimate)"]
    assert 60 < total <= 120
    run_4 = hayes_run("4", exemplars_in_training=True)  # 3 epochs, 8 exemplars in training
    assert GSM8KPlan(runs=(run_4,)).costs(run_4, MEASURED_TOKENS, rows=7473)["train"] > 240


def test_the_base_model_is_evaluated_once_for_each_distinct_prompt():
    plan = GSM8KPlan(runs=tuple(hayes_run(n) for n in ("5", "6", "2*", "7", "1")))
    prompts = [(r.model_name, r.shots) for r in plan.base_prompts()]
    assert prompts == [(QWEN_15B, 0), (QWEN_15B, 5), (QWEN_7B, 5)]


def test_run_table_prices_every_run_with_7b_runs_dearer():
    plan = GSM8KPlan(runs=(hayes_run("5"),))
    table = plan.run_table([*HAYES_RUNS, RUN_2_ON_15B], MEASURED_TOKENS)
    assert list(table.index) == [*(str(n) for n in range(1, 11)), "2*"]
    assert table.loc["1", "run total"] > 3 * table.loc["6", "run total"]
    assert (table["... exemplars in training"] >= table[f"train {plan.train_rows} rows"]).all()
    assert table.loc["1", "4-bit weights GiB"] == 3.5


def test_the_budgets_1_5b_parameter_count_is_the_real_architectures():
    """Qwen2.5-Math-1.5B's exact configuration, counted by PEFT's counter on weightless meta
    tensors (no download), holds the parameters the 1.5B runs are priced by."""
    from helpers.checkpoints import LoraSettings
    from helpers.local.qwen_offline import qwen25_math_config
    from helpers.models import lora_parameter_counts

    _, base = lora_parameter_counts(qwen25_math_config(), LoraSettings(8, 16))
    assert PARAMETERS[QWEN_15B] == pytest.approx(base, rel=0.01)


def test_reported_numbers_carry_the_n_of_the_reports_code():
    math = hayes_reported(hayes_run("9"), "math", "base: math")
    assert (math.value, math.n) == (0.43, HAYES_N["math"]) == (0.43, 100)
    safety = hayes_reported(hayes_run("9"), "safety", "base: safety")
    assert (safety.value, safety.n) == (0.68, 80)
    assert hayes_reported(RUN_2_ON_15B, "math", "2*").value is None
