"""Hayes et al.'s runs as notebook 04 uses them: run 9's dropout 1.0 trains nothing, the run
table marks our own choices, the full plan fits a T4 in two hours and evaluates each run with
its own prompt at the plan's sizes, and the 4-bit checkpoints Unsloth loads for the report's
model ids."""

from dataclasses import replace
from pathlib import Path

import pytest

from helpers.evaluation import evaluate_model
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
from helpers.plans.gsm8k_safety import MEASURED_TOKENS, SIZES
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


def total(budget) -> float:
    return budget.loc["total", "T4 minutes (estimate)"]


def test_full_plan_fits_two_t4_hours_and_the_reports_run_4_does_not():
    plan = SIZES["full"]
    assert [run.name for run in plan.experiments()] == ["run 5", "run 6", RUN_2_ON_15B.name]
    assert 60 < total(plan.budget()) <= 120
    run_4 = hayes_run("4", exemplars_in_training=True)  # 3 epochs, 8 exemplars in training
    assert plan.costs(run_4, MEASURED_TOKENS, rows=7473)["train"] > 240


def test_exemplars_in_training_cost_more_and_the_budget_says_so():
    plan = SIZES["full"]
    assert total(plan.budget(exemplars_in_training=True)) > total(plan.budget()) + 10
    assert all(run.exemplars_in_training for run in plan.experiments(exemplars_in_training=True))


def test_class_is_full_run_2_star_on_fulls_split_rows_and_prompts():
    full, lab = SIZES["full"], SIZES["class"]
    assert lab.experiments() == (RUN_2_ON_15B,)
    same = ("train_rows", "validation", "safety_prompts", "batch_size", "math_tokens")
    assert all(getattr(lab, knob) == getattr(full, knob) for knob in same)  # its run is full's
    assert lab.pool == full.pool and lab.test < full.test


def test_the_base_model_is_evaluated_once_for_each_distinct_prompt():
    plan = replace(SIZES["full"], runs=("5", "6", "2*", "7", "1"))
    prompts = [(r.model_name, r.shots) for r in plan.base_prompts()]
    assert prompts == [(QWEN_15B, 0), (QWEN_15B, 5), (QWEN_7B, 5)]
    with pytest.raises(ValueError, match="unknown run .11.: choose one of"):
        replace(plan, runs=("5", "11"))


def test_tables_name_the_base_model_once_for_safety_and_once_a_prompt_for_math():
    run_6 = hayes_run("6")
    assert (run_6.base_model, run_6.base_name) == ("base 1.5B", "base 1.5B, 5 shots")
    assert hayes_run("1").base_model == "base 7B"
    assert hayes_run("2*").base_name == "base 1.5B, 0 shots"


def test_the_check_size_caps_every_answer_and_full_keeps_each_runs_budget():
    run_4 = hayes_run("4")
    full, check = SIZES["full"].math_settings(run_4), SIZES["check"].math_settings(run_4)
    assert (full.max_new_tokens, full.batch_size) == (1024, 32)
    assert (check.max_new_tokens, check.batch_size) == (16, 8)
    assert full.max_seq_length == check.max_seq_length == run_4.max_seq_length + 1024


def test_the_plan_evaluates_a_run_with_its_own_exemplars_at_its_sizes(smoke, tmp_path):
    train = load_gsm8k("train", FIXTURE["train"])
    exemplars, rows = few_shot_exemplars(train, 8), train[8:10]
    run, plan = hayes_run("6"), SIZES["check"]
    records = plan.evaluate(smoke, run, exemplars, rows, tmp_path / "val")
    prompt = records[0]["prompt"]
    assert all(question in prompt for question, _ in exemplars[:5])
    assert exemplars[5][0] not in prompt  # the sixth exemplar: run 6 shows five
    assert all(record["tokens"] <= 16 for record in records)  # the check size's budget
    task, settings = gsm8k_task("strict", exemplars=exemplars[:5]), plan.math_settings(run)
    again = evaluate_model(smoke, task, rows, tmp_path / "val", settings, run.model_name)
    assert again == records and len(list(tmp_path.glob("val.*.jsonl"))) == 1  # the same key


def test_run_table_prices_every_run_with_7b_runs_dearer():
    plan = replace(SIZES["full"], runs=("5",))
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


def test_the_reports_points_are_table_3s_numbers_with_the_7b_runs_marked():
    from helpers.hayes import QWEN_15B, hayes_points

    every, small = hayes_points(), hayes_points(QWEN_15B)
    assert len(every) == len(HAYES_RUNS) and len(small) == 7  # runs 4 to 10 are 1.5B
    assert small["run 6"] == (0.45, 0.89) and every["run 1 (7B)"] == (0.81, 0.88)
    assert every["run 6"] == small["run 6"]
