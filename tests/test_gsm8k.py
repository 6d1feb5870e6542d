import json
from pathlib import Path

import pytest

from helpers.gsm8k import (
    FIXTURE_FILES,
    GSM8K_SYSTEM,
    classify_gsm8k_error,
    extract_boxed_number,
    extract_flexible,
    extract_strict,
    few_shot_examples,
    gold_answer,
    load_gsm8k,
    score_modes,
)
from helpers.prompts import prompt_completion, render_prompt

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "gsm8k"


@pytest.mark.parametrize(
    ("answer", "gold"),
    [
        ("Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\n#### 18", 18),
        ("She saves 25 * 52 = $<<25*52=1300>>1,300.\n#### 1,300", 1300),
        ("4 - 9 = <<4-9=-5>>-5 degrees.\n#### -5", -5),
        ("Half of 7 is <<7/2=3.5>>3.5.\n#### 3.5", 3.5),
        ("#### 109,200,000", 109200000),
    ],
)
def test_gold_answer_reads_the_number_after_the_marker(answer, gold):
    assert gold_answer(answer) == gold


def test_gold_answer_without_marker_names_the_problem():
    with pytest.raises(ValueError, match="no '#### N' line"):
        gold_answer("The answer is 5.")


@pytest.mark.parametrize(
    ("response", "strict", "flexible"),
    [
        ("3 + 4 = 7 apples.\n#### 7", 7, 7),
        ("So she has $1,300 in all.", None, 1300),
        ("#### 12\nActually, the answer is 13.", 12, 13),
        ("The balance is -5 dollars.", None, -5),
        ("It is 2.5 hours, #### 2.5", 2.5, 2.5),
        ("I do not know.", None, None),
    ],
)
def test_strict_and_flexible_extraction(response, strict, flexible):
    assert extract_strict(response) == strict
    assert extract_flexible(response) == flexible


def test_boxed_extraction_and_error_types():
    assert extract_boxed_number(r"so \boxed{1,080}.") == 1080
    row = {"answer": 18}
    assert classify_gsm8k_error(18.0, row, False) is None
    assert classify_gsm8k_error(None, row, True) == "truncated"
    assert classify_gsm8k_error(None, row, False) == "format"
    assert classify_gsm8k_error(17, row, False) == "wrong"


def test_score_modes_reports_each_extraction():
    records = [
        {"gold": 7, "response": "#### 7"},
        {"gold": 8, "response": "the answer is 8"},
        {"gold": 9, "response": r"\boxed{9}"},
    ]
    assert score_modes(records) == {"strict": 1 / 3, "flexible": 1.0, "boxed": 1 / 3}


def test_fixture_loader_gives_ids_gold_numbers_and_clean_targets():
    rows = load_gsm8k("train", FIXTURE_FILES["train"])
    assert rows[0]["id"] == "gsm8k-train-0000" and rows[0]["answer"] == 19
    assert rows[4]["answer"] == 1300 and rows[5]["answer"] == -5
    assert all("<<" not in row["target"] for row in rows)
    assert all(row["target"].rstrip().endswith(f"#### {row['target'].split('#### ')[-1]}")
               for row in rows)  # fmt: skip


def test_exemplars_are_fixed_and_come_from_training_only():
    train = load_gsm8k("train", FIXTURE_FILES["train"])
    test = load_gsm8k("test", FIXTURE_FILES["test"])
    shots = few_shot_examples(train, 5)
    assert shots == few_shot_examples(train, 5) and len(shots) == 5
    assert {q for q, _ in shots}.isdisjoint(row["question"] for row in test)
    assert few_shot_examples(train, 0) == []
    with pytest.raises(ValueError, match="never from test"):
        few_shot_examples(test, 2)
    with pytest.raises(ValueError, match="training split has 12 rows"):
        few_shot_examples(train, 13)


def test_few_shot_prompt_is_identical_between_training_and_evaluation(tiny):
    _, tokenizer = tiny
    train = load_gsm8k("train", FIXTURE_FILES["train"])
    shots, row = few_shot_examples(train, 8), train[10]
    example = prompt_completion(row["question"], row["target"], GSM8K_SYSTEM, shots)
    text = tokenizer.apply_chat_template(example["prompt"] + example["completion"], tokenize=False)
    prompt = render_prompt(tokenizer, row["question"], GSM8K_SYSTEM, shots)
    assert text == prompt + row["target"] + "<|im_end|>\n"
    assert all(q in prompt and a in prompt for q, a in shots)


@pytest.mark.skipif(not REAL.exists(), reason="the real GSM8K files live in ../shared/data/real")
def test_every_real_gsm8k_answer_parses():
    for split, size in (("train", 7473), ("test", 1319)):
        rows = load_gsm8k(split, REAL / f"{split}.jsonl")
        assert len(rows) == size
        raw = [json.loads(line) for line in (REAL / f"{split}.jsonl").open()]
        assert all(str(r["answer"]).replace(",", "") in x["answer"].replace(",", "")
                   for r, x in zip(rows, raw, strict=True))  # fmt: skip
