import json
import time
from pathlib import Path

import pytest

from helpers.plans.gsm8k_safety import MEASURED_TOKENS
from helpers.prompts import prompt_completion, render_prompt
from helpers.tasks.gsm8k import (
    FIXTURE,
    GSM8K_SYSTEM,
    SIZES,
    correct_by_reading,
    extract_boxed_number,
    extract_flexible,
    extract_strict,
    few_shot_exemplars,
    gold_answer,
    gsm8k_task,
    load_gsm8k,
    normalise_question,
    parse_number,
    reading_table,
    split_train,
    strict_counts,
)

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
    assert correct_by_reading(records) == {"strict": (1, 1), "flexible": (1, 1), "boxed": (0, 1)}


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
    rows = load_gsm8k("train", FIXTURE["train"])
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
    train = load_gsm8k("train", FIXTURE["train"])
    test = load_gsm8k("test", FIXTURE["test"])
    shots = few_shot_exemplars(train, 5)
    assert shots == few_shot_exemplars(train, 5) and len(shots) == 5
    assert {q for q, _ in shots}.isdisjoint(row["question"] for row in test)
    assert few_shot_exemplars(train, 0) == []
    with pytest.raises(ValueError, match="never from test"):
        few_shot_exemplars(test, 2)
    with pytest.raises(ValueError, match="training split has 24 rows"):
        few_shot_exemplars(train, 25)


def test_few_shot_prompt_is_identical_between_training_and_evaluation(tiny):
    _, tokenizer = tiny
    train = load_gsm8k("train", FIXTURE["train"])
    shots, row = few_shot_exemplars(train, 8), train[10]
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


def _rows(questions):
    return [
        {"id": f"gsm8k-train-{i:04d}", "question": q, "answer": i, "target": f"#### {i}"}
        for i, q in enumerate(questions)
    ]


def _assert_disjoint(split):
    parts = (split.exemplars, split.validation, split.training)
    for i, first in enumerate(parts):
        for second in parts[i + 1 :]:
            assert {r["id"] for r in first}.isdisjoint(r["id"] for r in second)
            texts = {normalise_question(r["question"]) for r in first}
            assert texts.isdisjoint(normalise_question(r["question"]) for r in second)


def test_split_holds_out_exemplars_and_validation_with_no_shared_id_or_question():
    train = load_gsm8k("train", FIXTURE["train"])
    split = split_train(train, n_exemplars=8, n_validation=4)
    assert (len(split.exemplars), len(split.validation), len(split.training)) == (8, 4, 12)
    assert split.exemplars == train[:8]  # the fixed exemplars, as few_shot_exemplars takes them
    assert [(r["question"], r["target"]) for r in split.exemplars] == few_shot_exemplars(train, 8)
    _assert_disjoint(split)
    assert sorted(r["id"] for r in (*split.validation, *split.training)) == [
        r["id"] for r in train[8:]
    ]


def test_split_is_the_same_for_the_same_seed_and_another_for_another():
    train = _rows([f"Question number {i}?" for i in range(60)])
    assert split_train(train, 8, 20, seed=0) == split_train(train, 8, 20, seed=0)
    assert split_train(train, 8, 20, seed=0).validation != split_train(train, 8, 20, 1).validation


def test_a_question_repeated_in_validation_never_trains():
    questions = [f"How many apples, case {i}?" for i in range(40)]
    questions += [q.upper() + "  " for q in questions[8:]]  # the same questions, other spacing
    split = split_train(_rows(questions), n_exemplars=8, n_validation=10, seed=3)
    _assert_disjoint(split)
    assert len(split.training) == len(questions) - 8 - 10 - 10  # each validation twin dropped


def test_split_refuses_to_leave_no_training_rows():
    with pytest.raises(ValueError, match="ask for fewer validation rows"):
        split_train(_rows(["a?", "b?", "c?"]), n_exemplars=2, n_validation=1)


@pytest.mark.skipif(not REAL.exists(), reason="the real GSM8K files live in ../shared/data/real")
def test_real_split_is_8_400_and_7065_with_nothing_shared():
    train = load_gsm8k("train", REAL / "train.jsonl")
    assert len(train) == SIZES["train"]
    assert len(load_gsm8k("test", REAL / "test.jsonl")) == SIZES["test"]
    split = split_train(train)
    assert (len(split.exemplars), len(split.validation), len(split.training)) == (8, 400, 7065)
    _assert_disjoint(split)


@pytest.mark.skipif(not REAL.exists(), reason="the real GSM8K files live in ../shared/data/real")
def test_measured_token_means_are_those_of_the_real_data_with_qwens_tokenizer():
    from helpers.local.qwen_offline import qwen25_tokenizer

    tokenizer = qwen25_tokenizer()
    train = load_gsm8k("train", REAL / "train.jsonl")
    rows, shots = split_train(train).training, few_shot_exemplars(train, 8)
    for k, mean in MEASURED_TOKENS.items():
        task = gsm8k_task(exemplars=shots[:k])
        assert round(task.mean_example_tokens(tokenizer, rows)) == mean, k


def test_mean_example_tokens_counts_the_whole_rendered_example(tiny):
    _, tokenizer = tiny
    train = load_gsm8k("train", FIXTURE["train"])
    task, rows = gsm8k_task(exemplars=few_shot_exemplars(train, 2)), train[8:11]
    expected = [
        len(tokenizer(render_prompt(tokenizer, r["question"], GSM8K_SYSTEM, task.exemplars)
                      + r["target"] + "<|im_end|>\n", add_special_tokens=False).input_ids)
        for r in rows
    ]  # fmt: skip
    assert task.mean_example_tokens(tokenizer, rows) == pytest.approx(sum(expected) / 3)
    assert gsm8k_task().mean_example_tokens(tokenizer, rows) < sum(expected) / 3


def test_each_reading_is_counted_on_its_own():
    records = [
        {"gold": 7, "response": "#### 7"},
        {"gold": 7, "response": "#### 8\nNo: it is 7."},
        {"gold": 12, "response": r"so \boxed{12}"},
        {"gold": 3, "response": "no idea"},
    ]
    assert correct_by_reading(records) == {"strict": (1, 4), "flexible": (3, 4), "boxed": (1, 4)}


def test_strict_counts_and_the_reading_table_give_each_reading_its_interval():
    records = [
        {"gold": 7, "response": "#### 7"},
        {"gold": 7, "response": "#### 8\nNo: it is 7."},
        {"gold": 3, "response": "no idea"},
        {"gold": 5, "response": "So 5."},
    ]
    assert strict_counts(records) == (1, 4)
    assert reading_table(records) == {
        "strict": 0.25,
        "strict 95%": "[0.046, 0.699]",
        "flexible": 0.75,  # "it is 7." and "So 5." have the number without the format
        "flexible 95%": "[0.301, 0.954]",
        "n": 4,
    }


def test_strict_and_flexible_part_where_a_response_goes_on_or_drops_the_format():
    goes_on = "48 / 2 = 24\n48 + 24 = 72\n#### 72\nQuestion: And with 10 more?\nAnswer: 82"
    assert (extract_strict(goes_on), extract_flexible(goes_on)) == (72, 82)
    no_format = "48 / 2 = 24\n48 + 24 = 72\nSo the answer is 72."
    assert (extract_strict(no_format), extract_flexible(no_format)) == (None, 72)
