import json
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from helpers.hayes import LONG_COT_RUNS
from helpers.models import load_tokenizer
from helpers.plans.long_cot import EXAMPLE_TOKENS, SIZES
from helpers.tasks.gsm8k import GSM8K, extract_strict, gsm8k_task, load_gsm8k, split_train
from helpers.tasks.long_cot import (
    DROP_REASONS,
    FIXTURE,
    LONG_COT_SOURCE,
    MAX_TOKENS,
    load_long_cot,
    select,
    to_row,
)

REAL_GSM8K = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "gsm8k"
MATH = "Return your final response within \\boxed{{}}. "
EXPECTED = {  # id: answer, the fixture's math records with one boxed integer
    "sky-t1-00000": 336,
    "sky-t1-00002": 1250,  # boxed as 1{,}250
    "sky-t1-00003": -11,
    "sky-t1-00005": 90,
    "sky-t1-00007": 61,  # its solution has "#### 1. Adult tickets" headings
    "sky-t1-00009": 9,
    "sky-t1-00010": 55,
}


def record(question: str, answer: str) -> dict:
    return {
        "system": "...",
        "conversations": [
            {"from": "user", "value": question},
            {"from": "assistant", "value": answer},
        ],
    }


def write_json(path, records) -> str:
    path.write_text(json.dumps(records), encoding="utf-8")
    return str(path)


class WordTokenizer:
    """A stand-in tokenizer: one token a word; the chat template joins the turns' texts."""

    def apply_chat_template(self, messages, tokenize=False):
        return "\n".join(message["content"] for message in messages)

    def __call__(self, text, add_special_tokens=False):
        return SimpleNamespace(input_ids=text.split())


# Words of GSM8K's system prompt and the question "q": what every stand-in count starts from.
PROMPT_WORDS = GSM8K.example_tokens(WordTokenizer(), "q", "")


def test_fixture_is_an_array_of_records_in_sky_t1_format():
    records = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert 8 <= len(records) <= 12
    assert {frozenset(r) for r in records} == {frozenset({"system", "conversations"})}
    assert len({r["system"] for r in records}) == 1  # one system prompt for every record
    for r in records:
        assert [turn["from"] for turn in r["conversations"]] == ["user", "assistant"]
        trace = r["conversations"][1]["value"]
        assert trace.startswith("<|begin_of_thought|>")
        assert trace.rstrip().endswith("<|end_of_solution|>")


def test_fixture_loads_to_its_math_rows_with_integer_answers():
    rows, _ = load_long_cot(FIXTURE)
    assert {row["id"]: row["answer"] for row in rows} == EXPECTED
    assert rows[0]["question"].startswith("A bakery sells muffins")  # the instruction is gone
    assert all(set(row) == {"id", "question", "answer", "target"} for row in rows)


def test_every_target_ends_in_the_one_hash_line_that_strict_reading_finds():
    rows, _ = load_long_cot(FIXTURE)
    for row in rows:
        assert row["target"].splitlines()[-1] == f"#### {row['answer']}"
        assert row["target"].count("####") == 1  # the "#### 1." headings became "###"
        assert extract_strict(row["target"]) == row["answer"]


def test_targets_keep_the_reasoning_and_lose_the_markers():
    rows, _ = load_long_cot(FIXTURE)
    for row in rows:
        assert "<|" not in row["target"] and "|>" not in row["target"]
        assert "\n\n\n" not in row["target"]
    bakery = rows[0]["target"]
    assert bakery.startswith("Okay, so I need to find the total money")
    assert "Wait, let me re-check the cookie count" in bakery
    assert bakery.index("Wait, let me re-check") < bakery.index("The bakery sold $2 \\times 48")


def test_dropped_records_are_counted_by_reason():
    rows, dropped = load_long_cot(FIXTURE)
    assert dropped == {"not math": 2, "empty": 0, "no boxed answer": 1, "not an integer": 1}
    assert len(rows) + sum(dropped.values()) == len(json.loads(FIXTURE.read_text()))


def test_limit_reads_only_the_first_records():
    rows, dropped = load_long_cot(FIXTURE, limit=3)
    assert [row["id"] for row in rows] == ["sky-t1-00000", "sky-t1-00002"]
    assert dropped == dict.fromkeys(DROP_REASONS, 0) | {"not math": 1}


@pytest.mark.parametrize("instruction", [MATH, "Return your final response within \\boxed{}. "])
def test_both_brace_forms_of_the_math_instruction_mark_math(instruction):
    row = to_row(0, instruction + "What is 6 x 7?", "6 x 7 = 42. \\boxed{42}")
    assert row["question"] == "What is 6 x 7?" and row["answer"] == 42


@pytest.mark.parametrize(
    ("question", "trace"),
    [(MATH, "So \\boxed{4}."), (MATH + "2 + 2?", "<|begin_of_thought|> <|end_of_thought|>")],
)
def test_an_empty_question_or_trace_is_dropped_as_empty(question, trace):
    assert to_row(0, question, trace) == "empty"


def test_slow_thought_markers_are_removed_too():
    trace = "<|begin_of_slow_thought|>\n\nHmm.\n\n<|end_of_slow_thought|>\n\n\\boxed{3}"
    assert to_row(0, MATH + "1 + 2?", trace)["target"] == "Hmm.\n\n\\boxed{3}\n#### 3"


def test_a_jsonl_copy_loads_like_the_hub_array(tmp_path):
    records = json.loads(FIXTURE.read_text(encoding="utf-8"))
    copy = tmp_path / "sky.jsonl"
    copy.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert load_long_cot(copy) == load_long_cot(FIXTURE)


def test_a_hub_id_is_loaded_with_datasets(monkeypatch):
    calls = []

    def fake_load_dataset(name, split):
        calls.append((name, split))
        return [record(MATH + "1 + 1?", "\\boxed{2}")]

    monkeypatch.setitem(sys.modules, "datasets", ModuleType("datasets"))
    monkeypatch.setattr(sys.modules["datasets"], "load_dataset", fake_load_dataset, raising=False)
    rows, _ = load_long_cot(LONG_COT_SOURCE)
    assert calls == [(LONG_COT_SOURCE, "train")]
    assert rows[0]["target"] == "\\boxed{2}\n#### 2"


@pytest.mark.parametrize(
    "bad",
    [
        {"system": "...", "messages": []},
        {"conversations": [{"from": "human", "value": "1 + 1?"}, {"from": "gpt", "value": "2"}]},
        {"conversations": [{"from": "user", "value": "1 + 1?"}]},
        {"conversations": [{"from": "user", "value": "1 + 1?"}, {"from": "assistant"}]},
        "not a record",
    ],
)
def test_a_record_without_user_and_assistant_turns_names_the_record_and_the_fix(tmp_path, bad):
    source = write_json(tmp_path / "sky.json", [record(MATH + "1 + 1?", "\\boxed{2}"), bad])
    with pytest.raises(ValueError, match=r"sky\.json, record 1 .*Fix or delete that record"):
        load_long_cot(source)


def test_a_file_that_is_not_an_array_says_what_the_hub_file_is(tmp_path):
    source = write_json(tmp_path / "sky.json", record(MATH + "1 + 1?", "\\boxed{2}"))
    with pytest.raises(ValueError, match=r"JSON array of records expected, got dict"):
        load_long_cot(source)


def test_a_cut_off_file_names_the_line_and_the_fix(tmp_path):
    source = tmp_path / "sky.json"
    source.write_text(FIXTURE.read_text(encoding="utf-8")[:2000], encoding="utf-8")
    with pytest.raises(ValueError, match=r"sky\.json, line \d+: not valid JSON.*Fetch the file"):
        load_long_cot(source)


@pytest.mark.parametrize("name", ["missing.json", "sky.csv"])
def test_a_missing_or_misnamed_file_says_what_to_pass(tmp_path, name):
    (tmp_path / "sky.csv").write_text("conversations\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"no file at|\.json \(one array\)"):
        load_long_cot(tmp_path / name)


def test_select_takes_the_first_rows_that_fit_and_skips_longer_ones():
    rows = [
        {"id": str(i), "question": "q", "target": " ".join(["w"] * words)}
        for i, words in enumerate([5, 50, 6, 7, 60, 8])
    ]
    limit = PROMPT_WORDS + 10
    chosen = select(rows, n=3, max_tokens=limit, tokenizer=WordTokenizer(), task=GSM8K)
    assert [row["id"] for row in chosen] == ["0", "2", "3"]
    assert [row["tokens"] for row in chosen] == [PROMPT_WORDS + 5, PROMPT_WORDS + 6, limit - 3]
    assert "tokens" not in rows[0]  # the caller's rows are left as they were


def test_select_stops_with_an_error_when_too_few_rows_fit():
    rows = [{"id": str(i), "question": "q", "target": "w " * 20} for i in range(4)]
    with pytest.raises(ValueError, match=r"only 0 of 4 rows fit in \d+ tokens.*raise max_tokens"):
        select(rows, n=2, max_tokens=PROMPT_WORDS + 10, tokenizer=WordTokenizer(), task=GSM8K)


def test_select_with_a_seed_is_deterministic_and_draws_across_the_order():
    rows = [{"id": str(i), "question": "q", "target": "w"} for i in range(50)]
    first = select(rows, n=5, max_tokens=MAX_TOKENS, tokenizer=WordTokenizer(), task=GSM8K, seed=0)
    again = select(rows, n=5, max_tokens=MAX_TOKENS, tokenizer=WordTokenizer(), task=GSM8K, seed=0)
    assert first == again
    assert [row["id"] for row in first] != ["0", "1", "2", "3", "4"]
    assert [row["id"] for row in rows[:3]] == ["0", "1", "2"]  # shuffled a copy


def test_select_counts_tokens_as_the_training_estimate_does(smoke):
    tokenizer = load_tokenizer(smoke)
    rows, _ = load_long_cot(FIXTURE)
    counts = [GSM8K.example_tokens(tokenizer, row["question"], row["target"]) for row in rows]
    assert counts[0] == GSM8K.mean_example_tokens(tokenizer, rows[:1])
    limit = sorted(counts)[3]  # four of the seven fit
    chosen = select(rows, n=4, max_tokens=limit, tokenizer=tokenizer, task=GSM8K)
    assert [row["tokens"] for row in chosen] == [c for c in counts if c <= limit][:4]


def test_every_size_trains_the_long_trace_and_class_sets_it_against_the_short_solution():
    assert all(LONG_COT_RUNS[2] in plan.experiments for plan in SIZES.values())
    assert SIZES["full"].experiments == SIZES["check"].experiments == LONG_COT_RUNS
    assert [run.name for run in SIZES["class"].experiments] == [
        "GSM8K solution",
        "long chain of thought",
    ]


def test_a_run_the_notebook_does_not_have_is_an_error_naming_its_runs():
    with pytest.raises(ValueError, match=r"\['long trace'\] .*choose from \['final number'"):
        replace(SIZES["class"], runs=("long trace",))


@pytest.mark.skipif(not REAL_GSM8K.exists(), reason="the real GSM8K files live in ../shared")
def test_the_budgets_gsm8k_example_lengths_are_those_of_the_real_data():
    from helpers.local.qwen_offline import qwen25_tokenizer

    tokenizer, task = qwen25_tokenizer(), gsm8k_task("strict")
    rows = split_train(load_gsm8k("train", REAL_GSM8K / "train.jsonl")).training
    final = [row | {"final": f"#### {row['answer']}"} for row in rows]
    assert round(task.mean_example_tokens(tokenizer, final, "final")) == EXAMPLE_TOKENS["final"]
    assert round(task.mean_example_tokens(tokenizer, rows)) == EXAMPLE_TOKENS["target"]
