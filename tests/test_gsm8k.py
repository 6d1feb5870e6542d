import json
import time
from pathlib import Path

import pytest

from helpers.gsm8k import (
    FIXTURE_FILES,
    GSM8K_SYSTEM,
    extract_boxed_number,
    extract_flexible,
    extract_strict,
    few_shot_examples,
    gold_answer,
    load_gsm8k,
    parse_number,
)
from helpers.prompts import prompt_completion, render_prompt
from helpers.tasks import score_modes

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


def test_strict_reads_the_first_answer_like_lm_eval_harness():
    # A model that runs on into an invented follow-up question is graded on its first answer.
    response = "So she earns 18 dollars.\n#### 18\n\nQuestion: And in a week?\nAnswer: #### 126"
    assert extract_strict(response) == 18
    assert extract_flexible(response) == 126  # flexible-extract reads the last number


def test_numbers_are_compared_as_numbers_so_trailing_zeros_count_as_correct():
    # lm-eval compares strings and grades "12.00" against "12" as wrong; we compare numbers.
    assert extract_strict("#### 12.00") == 12 and extract_flexible("It costs $12.00.") == 12
    records = [{"gold": 12, "response": "It costs $12.00.\n#### 12.00"}]
    assert score_modes(records) == {"strict": 1.0, "flexible": 1.0, "boxed": 0.0}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("\u22125", -5),  # U+2212 MINUS SIGN
        ("$\u22123.50", -3.5),
        ("\u2013" + "5", None),  # an en dash is not read as minus
        ("14{,}916", 14916),  # LaTeX's thousands comma
        (r"14\,916", 14916),
        (r"10,\!000", 10000),
        ("nan", None),
        ("inf", None),
        ("1_000", None),
        ("1e3", None),
        ("9" * 400, None),  # no finite float
    ],
)
def test_parse_number_reads_unicode_minus_and_latex_grouping_and_nothing_else(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize(
    "runaway",
    [
        "1" * 20_000 + ".5.5",
        "\\boxed{" + "1" * 19_000 + ".5.5}",
        "#### " + "1" * 1_000_000 + ".5.5",
        "#### " * 200_000,
        "1 " * 500_000,
        "." * 1_000_000,
    ],
    ids=["digits-then-two-points", "boxed-digits", "strict-digits", "markers", "numbers", "dots"],
)
def test_each_reader_takes_under_a_second_on_a_runaway_generation(runaway):
    for read in (parse_number, extract_strict, extract_flexible, extract_boxed_number):
        start = time.perf_counter()
        read(runaway)
        assert time.perf_counter() - start < 1.0, read.__name__


def test_every_reader_keeps_the_sign_of_a_unicode_minus():
    response = "The temperature fell to \u22125 degrees.\n#### \u22125"
    assert extract_strict(response) == -5
    assert extract_flexible(response) == -5
    assert extract_boxed_number("so it is \\boxed{\u22125}") == -5


def test_flexible_reads_an_en_dash_range_as_a_range_not_a_sign():
    assert extract_flexible("children aged 6\u201311 years") == 11


def test_boxed_reader_reads_latex_thousands_separators():
    assert extract_boxed_number(r"the total is $\boxed{14{,}916}$") == 14916
    assert extract_boxed_number(r"the total is $\boxed{14\,916}$") == 14916


def test_boxed_extraction():
    assert extract_boxed_number(r"so \boxed{1,080}.") == 1080


def test_fixture_loader_gives_ids_gold_numbers_and_clean_targets():
    rows = load_gsm8k("train", FIXTURE_FILES["train"])
    assert rows[0]["id"] == "gsm8k-train-0000" and rows[0]["answer"] == 19
    assert rows[4]["answer"] == 1300 and rows[5]["answer"] == -5
    assert all("<<" not in row["target"] for row in rows)
    assert all(row["target"].rstrip().endswith(f"#### {row['target'].split('#### ')[-1]}")
               for row in rows)  # fmt: skip


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


GOOD = {"question": "How many legs have 2 cats?", "answer": "2*4=<<2*4=8>>8\n#### 8"}


def test_loader_reads_a_file_that_starts_with_a_byte_order_mark(tmp_path):
    path = _write(tmp_path, "bom.jsonl", b"\xef\xbb\xbf" + json.dumps(GOOD).encode() + b"\n")
    assert load_gsm8k("train", path)[0]["answer"] == 8


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ({"question": None, "answer": GOOD["answer"]}, "'question' is None"),
        ({"question": "", "answer": GOOD["answer"]}, "'question' is ''"),
        ({"question": GOOD["question"], "answer": 8}, "'answer' is 8"),
        ({"question": GOOD["question"]}, "'answer' is missing"),
        ({"question": GOOD["question"], "answer": "8"}, "no '#### N' line"),
    ],
)
def test_loader_names_the_file_the_row_and_the_fix_for_a_bad_row(tmp_path, bad, problem):
    lines = [json.dumps(row) for row in (GOOD, GOOD, bad)]
    path = _write(tmp_path, "bad.jsonl", "\n".join(lines).encode())
    with pytest.raises(ValueError) as error:
        load_gsm8k("train", path)
    message = str(error.value)
    assert f"{path}, row 3: " in message and problem in message
    assert "fix or delete row 3" in message


def test_loader_names_the_file_and_line_of_a_byte_that_is_not_utf8(tmp_path):
    data = json.dumps(GOOD).encode() + b"\n" + json.dumps(GOOD).encode()[:-2] + b'\xff"}\n'
    path = _write(tmp_path, "latin1.jsonl", data)
    with pytest.raises(ValueError, match=f"{path}, line 2: byte 0xff is not UTF-8"):
        load_gsm8k("train", path)


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


@pytest.mark.skipif(not REAL.exists(), reason="the real GSM8K files live in ../shared/data/real")
@pytest.mark.parametrize("split", ["train", "test"])
def test_each_reader_reproduces_the_gold_from_every_real_reference_answer(split):
    raw = [json.loads(line) for line in (REAL / f"{split}.jsonl").open(encoding="utf-8")]
    for row, gold in zip(raw, load_gsm8k(split, REAL / f"{split}.jsonl"), strict=True):
        assert extract_strict(row["answer"]) == gold["answer"], row["answer"][-80:]
        assert extract_flexible(row["answer"]) == gold["answer"], row["answer"][-80:]
        assert extract_strict(gold["target"]) == gold["answer"]  # what training teaches
