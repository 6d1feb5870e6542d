import json

import pytest

from helpers.evaluation import (
    Generation,
    classify_inequality_error,
    evaluate,
    generate,
    generation_budget,
    read_records,
    summarise,
    wilson_interval,
)
from helpers.prompts import render_prompt

ROW = {"answer": 30, "lo": -50, "hi": 50}  # 101 integers: the complement holds 71


def test_batched_greedy_generation_equals_one_at_a_time(tiny, val_rows):
    model, tokenizer = tiny
    prompts = [render_prompt(tokenizer, row["question"]) for row in val_rows[:12]]
    batched = generate(model, tokenizer, prompts, max_new_tokens=24)
    single = [generate(model, tokenizer, [p], max_new_tokens=24)[0] for p in prompts]
    assert batched == single
    assert len({g.text for g in batched}) > 1  # prompts of different lengths, outputs differ


def test_greedy_output_ignores_the_checkpoints_sampling_defaults(tiny, val_rows):
    import copy

    model, tokenizer = tiny
    prompts = [render_prompt(tokenizer, row["question"]) for row in val_rows[:6]]
    plain = generate(model, tokenizer, prompts, max_new_tokens=24)
    shipped = copy.deepcopy(model)  # what Qwen2.5-Instruct's generation_config.json carries
    shipped.generation_config.update(
        do_sample=True, temperature=0.7, top_p=0.8, top_k=20, repetition_penalty=1.3
    )
    shipped.generation_config.no_repeat_ngram_size = 2
    assert generate(shipped, tokenizer, prompts, max_new_tokens=24) == plain


def test_generation_budget_keeps_prompt_and_answer_inside_the_models_positions(tiny):
    _, tokenizer = tiny
    prompts = ["1 2 3 4 5 6 7 8 9", "1 2"]  # one token per digit, one per space
    longest = len(tokenizer(prompts[0], add_special_tokens=False).input_ids)
    assert generation_budget(tokenizer, prompts, 4000, positions=4010) == (4010 - longest, longest)
    assert generation_budget(tokenizer, prompts, 4000, positions=4096) == (4000, longest)
    with pytest.raises(ValueError, match="shorten the prompts"):
        generation_budget(tokenizer, prompts, 100, positions=longest)


def test_generation_stops_at_the_end_of_the_turn(tiny):
    model, tokenizer = tiny
    end = tokenizer.convert_tokens_to_ids("<|im_end|>")

    class Scripted:  # a model that says "7" then ends its turn
        device = model.device

        def generate(self, input_ids, **kwargs):
            import torch

            seven = tokenizer.convert_tokens_to_ids("7")
            tail = torch.tensor([[seven, end, seven]] * len(input_ids))
            return torch.cat([input_ids, tail], dim=1)

    [gen] = generate(Scripted(), tokenizer, ["<|im_start|>user\nQ"], max_new_tokens=3)
    assert gen == Generation(text="7", tokens=2, truncated=False)


@pytest.mark.parametrize(
    ("extracted", "truncated", "error"),
    [
        (30, False, None),
        (None, False, "format"),
        (None, True, "truncated"),
        (29, False, "off_by_one"),
        (31, True, "off_by_one"),
        (71, False, "direction"),
        (17, False, "other"),
    ],
)
def test_error_taxonomy(extracted, truncated, error):
    assert classify_inequality_error(extracted, ROW, truncated) == error


def fake_generate(model, tokenizer, prompts, max_new_tokens):
    """Answers every question with its length modulo 102: deterministic, sometimes right."""
    return [Generation(f"\\boxed{{{len(p) % 102}}}", 5, False) for p in prompts]


def test_resumed_evaluation_writes_no_duplicates(tiny, val_rows, tmp_path):
    model, tokenizer = tiny
    straight = tmp_path / "straight.jsonl"
    evaluate(model, tokenizer, val_rows, straight, batch_size=8, generate_fn=fake_generate)

    calls = []

    def crash_on_third_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("Colab disconnected")
        return fake_generate(*args, **kwargs)

    crashed = tmp_path / "crashed.jsonl"
    with pytest.raises(RuntimeError):
        evaluate(
            model, tokenizer, val_rows, crashed, batch_size=8, generate_fn=crash_on_third_batch
        )
    assert len(read_records(crashed)) == 16
    records = evaluate(model, tokenizer, val_rows, crashed, batch_size=8, generate_fn=fake_generate)
    assert crashed.read_bytes() == straight.read_bytes()
    assert [r["id"] for r in records] == [row["id"] for row in val_rows]


def test_records_hold_what_error_analysis_needs(tiny, val_rows, tmp_path):
    model, tokenizer = tiny
    [record] = evaluate(
        model, tokenizer, val_rows[:1], tmp_path / "r.jsonl", max_new_tokens=4, progress=False
    )
    assert set(record) == {
        "id",
        "gold",
        "extracted",
        "correct",
        "error",
        "tokens",
        "truncated",
        "response",
        "prompt",
    }
    assert record["prompt"] == render_prompt(tokenizer, val_rows[0]["question"])
    assert record["tokens"] <= 4
    assert json.loads((tmp_path / "r.jsonl").read_text()) == record


def test_wilson_interval_matches_known_values():
    assert wilson_interval(20, 40) == pytest.approx((0.3520, 0.6480), abs=1e-4)
    assert wilson_interval(0, 30) == pytest.approx((0.0, 0.1135), abs=1e-4)
    assert wilson_interval(30, 30)[1] == 1.0
    low, high = wilson_interval(330, 400)
    assert high - low < 0.08  # 400 items: about +-4 points


def test_summary_counts_accuracy_and_errors():
    records = [
        {"correct": True, "error": None, "truncated": False, "tokens": 10},
        {"correct": False, "error": "format", "truncated": False, "tokens": 20},
        {"correct": False, "error": "off_by_one", "truncated": False, "tokens": 30},
        {"correct": True, "error": None, "truncated": False, "tokens": 40},
    ]
    summary = summarise(records)
    assert (summary.n, summary.correct, summary.accuracy) == (4, 2, 0.5)
    assert summary.errors == {"format": 1, "off_by_one": 1}
    assert summary.mean_tokens == 25
    assert str(summary).startswith("accuracy 0.500 [")


def test_evaluate_model_loads_nothing_when_the_results_are_complete(
    smoke, val_rows, tmp_path, monkeypatch
):
    import helpers.evaluation

    path = tmp_path / "base.jsonl"
    first = helpers.evaluation.evaluate_model(smoke, val_rows[:4], path, max_new_tokens=4)

    def no_loading(*args, **kwargs):
        raise AssertionError("the model was loaded again")

    monkeypatch.setattr(helpers.evaluation, "loaded_model", no_loading)
    assert helpers.evaluation.evaluate_model(smoke, val_rows[:4], path) == first
