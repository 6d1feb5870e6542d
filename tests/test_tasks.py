import pytest

from helpers.inequalities import Inequality, count_solutions
from helpers.inequality_splits import load_split
from helpers.tasks.aime import AIME
from helpers.tasks.gsm8k import GSM8K, gsm8k_task
from helpers.tasks.inequalities import INEQUALITIES


def problem(a1, b1, op, a2, b2, lo=-50, hi=50) -> dict:
    ineq = Inequality(a1, b1, op, a2, b2, lo, hi)
    return {"id": "v", "question": ineq.question, "answer": count_solutions(ineq)} | {
        "a1": a1, "b1": b1, "op": op, "a2": a2, "b2": b2, "lo": lo, "hi": hi,
    }  # fmt: skip


ROW = problem(1, 0, "<", 0, 10)  # x < 10: 60 solutions; read as x > 10: 40


@pytest.mark.parametrize(
    ("response", "truncated", "error"),
    [
        (r"\boxed{60}", False, None),
        ("no box", False, "format"),
        ("cut off", True, "truncated"),
        (r"\boxed{59}", False, "off_by_one"),
        (r"\boxed{61}", True, "off_by_one"),
        (r"\boxed{40}", False, "direction"),
        (r"\boxed{41}", False, "other"),  # the complement (101 - 60): not a reading of it
        (r"\boxed{17}", False, "other"),
    ],
)
def test_inequality_errors(response, truncated, error):
    graded = INEQUALITIES.grade(response, ROW, truncated)
    assert graded["error"] == error and graded["correct"] is (error is None)


def test_a_50_51_slip_is_direction_only_when_re_solving_says_so():
    x_above_0 = problem(1, 0, ">", 0, 0)  # 50; read the wrong way round (x < 0): also 50
    assert x_above_0["answer"] == 50
    assert INEQUALITIES.grade(r"\boxed{51}", x_above_0)["error"] == "off_by_one"  # was direction
    two_x_below_1 = problem(2, 0, "<", 0, 1)  # x <= 0: 51; the wrong way (x >= 1): 50
    assert two_x_below_1["answer"] == 51
    assert INEQUALITIES.grade(r"\boxed{50}", two_x_below_1)["error"] == "ambiguous"
    for row in load_split("val", 400):  # never "direction" for a one-step slip
        for slip in (row["answer"] - 1, row["answer"] + 1):
            assert INEQUALITIES.grade(f"\\boxed{{{slip}}}", row)["error"] != "direction"


def test_aime_accepts_every_listed_answer_and_flags_impossible_ones():
    row = {"answer": 80, "answers": [80, 81]}
    grade = lambda text, cut=False: AIME.grade(text, row, cut)["error"]  # noqa: E731
    assert grade(r"\boxed{81}") is None and grade(r"\boxed{080}") is None
    assert (grade("...", True), grade("..."), grade(r"\boxed{82}")) == (
        "truncated",
        "format",
        "wrong",
    )
    assert grade(r"\boxed{1665}") == grade(r"\boxed{-3}") == "out_of_range"


def test_gsm8k_reads_as_the_task_says_and_compares_numbers():
    row = {"answer": 18}
    assert GSM8K.grade("so 18 dollars", row)["correct"]  # flexible: the last number
    strict = gsm8k_task("strict")
    assert strict.grade("so 18 dollars", row)["error"] == "format"
    assert strict.grade("#### 18.00", row)["correct"]
    assert strict.grade("#### 17", row)["error"] == "wrong"
    with pytest.raises(ValueError, match="unknown reading 'loose'"):
        gsm8k_task("loose")


def test_math_verify_gives_its_own_opinion_beside_ours():
    graded = INEQUALITIES.grade(r"\boxed{\frac{120}{2}}", ROW)
    assert (graded["correct"], graded["math_verify"]) == (False, True)  # ours wants an integer


def test_a_prompt_change_changes_the_settings_that_key_results():
    other = INEQUALITIES.with_prompt(system="Answer with an integer.")
    shots = INEQUALITIES.with_prompt(exemplars=[("q", "a")])
    keys = [t.prompt_settings() for t in (INEQUALITIES, other, shots)]
    assert len({str(k) for k in keys}) == 3
    assert gsm8k_task("strict").prompt_settings() == GSM8K.prompt_settings()  # reading only


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "no training rows"),
        ([{"id": "t0", "question": None, "boxed_answer": "x"}], r"row 0 \('t0'\) has question="),
        ([{"id": "t0", "question": "q", "boxed_answer": 51}], "boxed_answer=int 51"),
        ([{"id": "t0", "question": "q"}], "boxed_answer=no such field"),
        ([{"id": "t0", "question": "  ", "boxed_answer": "x"}], "must be non-empty text"),
    ],
)
def test_bad_training_rows_are_named_with_the_fix(rows, message):
    with pytest.raises(ValueError, match=message):
        INEQUALITIES.training_examples(rows, "boxed_answer")


def test_a_training_example_is_the_evaluation_prompt_plus_the_answer():
    shots = INEQUALITIES.with_prompt(exemplars=[("1 + 1?", r"\boxed{2}")])
    [example] = shots.training_examples([ROW | {"boxed_answer": r"\boxed{60}"}], "boxed_answer")
    assert example["prompt"] == shots.messages(ROW["question"])
    assert example["completion"] == [{"role": "assistant", "content": r"\boxed{60}"}]
