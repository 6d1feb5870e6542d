import pytest

from helpers.evaluation import (
    EvalSettings,
    Generation,
    evaluate,
    evaluate_model,
    evaluate_splits,
    generate,
    generation_budget,
)
from helpers.prompts import render_prompt
from helpers.results import ResultsFile
from helpers.statistics import mcnemar, summarise, wilson_interval
from helpers.tasks import Task
from helpers.tasks.inequalities import INEQUALITIES


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


def test_the_notices_our_settings_decide_are_not_printed_once_a_batch(tiny, val_rows, capfd):
    """On a GPU every batch printed "Both `max_new_tokens` ... and `max_length`(=4096)": the
    model's max_length met ours (max_new_tokens wins, as we want). Only that notice goes."""
    import copy
    import logging

    model, tokenizer = tiny
    long_limit = copy.deepcopy(model)
    long_limit.generation_config.max_length = 4096  # as the GPU run's model carried
    prompts = [render_prompt(tokenizer, row["question"]) for row in val_rows[:2]]
    capfd.readouterr()
    assert generate(long_limit, tokenizer, prompts, max_new_tokens=8) == generate(
        model, tokenizer, prompts, max_new_tokens=8
    )
    assert "Both `max_new_tokens`" not in capfd.readouterr().err
    log = logging.getLogger("transformers.generation.utils")
    other = log.makeRecord(log.name, logging.WARNING, __file__, 1, "another warning", (), None)
    assert all(f.filter(other) for f in log.filters)  # every other warning still shows


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


def fake_generate(model, tokenizer, prompts, max_new_tokens):
    """Answers with the prompt's length modulo 102 and the budget: deterministic, and every
    setting that reaches the model shows in its output."""
    return [Generation(f"{max_new_tokens}: \\boxed{{{len(p) % 102}}}", 5, False) for p in prompts]


def test_resumed_evaluation_writes_no_duplicates(tiny, val_rows, tmp_path, monkeypatch):
    import helpers.evaluation

    model, tokenizer = tiny
    settings = EvalSettings(batch_size=8, progress=False)
    monkeypatch.setattr(helpers.evaluation, "generate", fake_generate)
    straight = ResultsFile.keyed(tmp_path / "straight", {})
    evaluate(model, tokenizer, INEQUALITIES, val_rows, straight, settings)

    calls = []

    def crash_on_third_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("Colab disconnected")
        return fake_generate(*args, **kwargs)

    crashed = ResultsFile.keyed(tmp_path / "crashed", {})
    monkeypatch.setattr(helpers.evaluation, "generate", crash_on_third_batch)
    with pytest.raises(RuntimeError):
        evaluate(model, tokenizer, INEQUALITIES, val_rows, crashed, settings)
    assert len(crashed.read()) == 16
    monkeypatch.setattr(helpers.evaluation, "generate", fake_generate)
    records = evaluate(model, tokenizer, INEQUALITIES, val_rows, crashed, settings)
    assert crashed.path.read_bytes() == straight.path.read_bytes()
    assert [r["id"] for r in records] == [row["id"] for row in val_rows]


def test_records_hold_what_error_analysis_needs(tiny, val_rows, tmp_path):
    model, tokenizer = tiny
    results = ResultsFile.keyed(tmp_path / "r", {})
    settings = EvalSettings(max_new_tokens=4, progress=False)
    [record] = evaluate(model, tokenizer, INEQUALITIES, val_rows[:1], results, settings)
    saved = {"id", "question", "response", "tokens", "truncated", "prompt"}
    assert set(record) == saved | {"gold", "extracted", "correct", "error", "math_verify"}
    assert record["prompt"] == render_prompt(tokenizer, val_rows[0]["question"])
    assert record["tokens"] <= 4
    [line] = results.read()
    assert set(line) == saved  # the file holds generations; grading happens on reading


def test_generate_leaves_the_callers_padding_side_alone(tiny, val_rows):
    model, tokenizer = tiny
    prompts = [render_prompt(tokenizer, row["question"]) for row in val_rows[:3]]
    tokenizer.padding_side = "right"  # as a trainer leaves it
    try:
        left = generate(model, tokenizer, prompts, max_new_tokens=6)
        assert tokenizer.padding_side == "right"
    finally:
        tokenizer.padding_side = "left"
    assert left == generate(model, tokenizer, prompts, max_new_tokens=6)


def test_changed_budget_prompt_or_exemplars_never_return_the_old_records(
    smoke, val_rows, tmp_path, monkeypatch
):
    import helpers.evaluation

    monkeypatch.setattr(helpers.evaluation, "generate", fake_generate)
    rows, stem = val_rows[:4], tmp_path / "eval" / "baseline.val"

    def responses(task, max_new_tokens):
        settings = EvalSettings(max_new_tokens=max_new_tokens, progress=False)
        records = evaluate_model(smoke, task, rows, stem, settings)
        return [(r["prompt"], r["response"]) for r in records]

    first = responses(INEQUALITIES, 24)
    assert responses(INEQUALITIES, 24) == first
    assert all(r.startswith("48:") for _, r in responses(INEQUALITIES, 48))
    system = INEQUALITIES.with_prompt(system="The answer is an integer.")
    assert all("The answer is an integer." in p for p, _ in responses(system, 24))
    shots = INEQUALITIES.with_prompt(exemplars=[("1 + 1?", "\\boxed{2}")])
    assert all("1 + 1?" in p for p, _ in responses(shots, 24))
    assert len(list(stem.parent.glob("*.jsonl"))) == 4  # one file per setting, none lost
    assert responses(INEQUALITIES, 24) == first


def test_an_adapter_retrained_in_the_same_folder_is_evaluated_afresh(
    smoke, val_rows, tmp_path, monkeypatch
):
    import helpers.evaluation

    adapter = tmp_path / "model_a" / "adapter"
    adapter.mkdir(parents=True)
    (adapter / "adapter_config.json").write_text("{}")
    (adapter / "adapter_model.safetensors").write_bytes(b"first weights")
    served = []

    class Loaded:  # stands in for loading the base model with the adapter
        def __init__(self, profile, model_name, adapter_dir, max_seq_length):
            served.append((adapter_dir / "adapter_model.safetensors").read_bytes())

        def __enter__(self):
            return None, None

        def __exit__(self, *exc):
            return False

    def answer(model, tokenizer, prompts, max_new_tokens):
        return [Generation(served[-1].decode(), 2, False) for _ in prompts]

    monkeypatch.setattr(helpers.evaluation, "loaded_model", Loaded)
    monkeypatch.setattr(helpers.evaluation, "generate", answer)
    monkeypatch.setattr(Task, "prompt", lambda self, tokenizer, q: q)
    settings = EvalSettings(progress=False)
    stem = tmp_path / "model_a.val"
    first = evaluate_model(smoke, INEQUALITIES, val_rows[:2], stem, settings, adapter_dir=adapter)
    (adapter / "adapter_model.safetensors").write_bytes(b"retrained weights")
    second = evaluate_model(smoke, INEQUALITIES, val_rows[:2], stem, settings, adapter_dir=adapter)
    assert [r["response"] for r in first] == ["first weights"] * 2
    assert [r["response"] for r in second] == ["retrained weights"] * 2


def test_wilson_interval_matches_known_values():
    assert wilson_interval(20, 40) == pytest.approx((0.3520, 0.6480), abs=1e-4)
    assert wilson_interval(0, 30) == pytest.approx((0.0, 0.1135), abs=1e-4)
    assert wilson_interval(30, 30)[1] == 1.0
    low, high = wilson_interval(330, 400)
    assert high - low < 0.08  # 400 items: about +-4 points


def test_summary_counts_accuracy_and_errors():
    records = [
        {"correct": True, "error": None, "truncated": False, "tokens": 10, "math_verify": True},
        {"correct": False, "error": "format", "truncated": False, "tokens": 20, "math_verify": 0},
        {"correct": False, "error": "off_by_one", "truncated": False, "tokens": 30},
        {"correct": True, "error": None, "truncated": False, "tokens": 40, "math_verify": False},
    ]
    records[2]["math_verify"] = True
    summary = summarise(records)
    assert (summary.n, summary.correct, summary.accuracy) == (4, 2, 0.5)
    assert summary.errors == {"format": 1, "off_by_one": 1}
    assert summary.mean_tokens == 25 and summary.math_verify_agrees == 2
    assert str(summary).startswith("accuracy 0.500 [")
    assert str(summary).endswith("(2/4; math-verify agrees on 2)")


def test_evaluate_model_loads_nothing_when_the_results_are_complete(
    smoke, val_rows, tmp_path, monkeypatch
):
    import helpers.evaluation

    stem, settings = tmp_path / "base", EvalSettings(max_new_tokens=4, progress=False)
    first = evaluate_model(smoke, INEQUALITIES, val_rows[:4], stem, settings)

    def no_loading(*args, **kwargs):
        raise AssertionError("the model was loaded again")

    monkeypatch.setattr(helpers.evaluation, "loaded_model", no_loading)
    assert evaluate_model(smoke, INEQUALITIES, val_rows[:4], stem, settings) == first


def test_splits_are_evaluated_with_one_load_into_the_files_evaluate_model_writes(
    smoke, val_rows, tmp_path, monkeypatch
):
    import helpers.evaluation

    loads, real = [], helpers.evaluation.loaded_model

    def counted(*args, **kwargs):
        loads.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(helpers.evaluation, "loaded_model", counted)
    settings = EvalSettings(max_new_tokens=4, progress=False)
    splits = {"val": val_rows[:3], "val_novel": val_rows[3:6]}
    records = evaluate_splits(smoke, INEQUALITIES, splits, tmp_path / "base", settings)
    assert len(loads) == 1 and [len(r) for r in records.values()] == [3, 3]
    for name, rows in splits.items():  # evaluate_model finds them complete: no second load
        assert (
            evaluate_model(smoke, INEQUALITIES, rows, tmp_path / f"base.{name}", settings)
            == (records[name])
        )
    assert len(loads) == 1


def test_bad_rows_and_settings_stop_before_any_model_loads(smoke, val_rows, tmp_path, monkeypatch):
    import helpers.evaluation

    def no_loading(*args, **kwargs):
        raise AssertionError("a model was loaded for bad input")

    monkeypatch.setattr(helpers.evaluation, "loaded_model", no_loading)
    stem = tmp_path / "base"
    bad_rows = {
        "question=NoneType None": [*val_rows[:2], {**val_rows[2], "question": None}],
        "has answer '51'": [{**val_rows[0], "answer": "51"}],
        "share the id": [val_rows[0], val_rows[0]],
    }
    for message, rows in bad_rows.items():
        with pytest.raises(ValueError, match=message):
            evaluate_model(smoke, INEQUALITIES, rows, stem)
    with pytest.raises(ValueError, match="max_new_tokens=0: use a whole number"):
        EvalSettings(max_new_tokens=0)
    assert not list(tmp_path.iterdir())


def test_mcnemar_counts_discordant_items_and_matches_the_binomial_tail():
    from fractions import Fraction
    from itertools import product

    first = [{"id": i, "correct": c} for i, c in enumerate([True] * 10 + [False] * 5)]
    second = [{"id": i, "correct": c} for i, c in enumerate([False] * 8 + [True] * 7)]
    result = mcnemar(first, second)
    assert (result.only_first, result.only_second, result.both, result.neither) == (8, 5, 2, 0)
    outcomes = list(product((0, 1), repeat=13))  # every way 13 discordant items could fall
    as_extreme = sum(min(sum(o), 13 - sum(o)) <= 5 for o in outcomes)
    assert result.p_value == pytest.approx(float(Fraction(as_extreme, len(outcomes))))
    assert mcnemar(first, first).p_value == 1.0
    with pytest.raises(ValueError, match="not the same items in the same order"):
        mcnemar(first, second[::-1])


def test_ask_puts_one_question_to_each_model_and_reads_its_answer(smoke):
    from helpers.evaluation import ask
    from helpers.tasks.inequalities import INEQUALITIES

    question = "For how many integers x in [-5, 5] is 2x > 1?"
    answers = ask(smoke, INEQUALITIES, question, {"base": None}, max_new_tokens=4)
    assert [a["model"] for a in answers] == ["base"]
    assert answers[0]["answer"] == INEQUALITIES.read(answers[0]["response"])
    assert 1 <= answers[0]["tokens"] <= 4
    with pytest.raises(ValueError, match="the question is empty"):
        ask(smoke, INEQUALITIES, "  ", {"base": None})
