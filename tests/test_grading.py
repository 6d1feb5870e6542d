import pytest

from helpers.grading import (
    extract_boxed,
    extract_integer,
    is_correct,
    math_verify_correct,
    parse_integer,
)


@pytest.mark.parametrize(
    ("text", "content"),
    [
        (r"\boxed{51}", "51"),
        (r"first \boxed{3} then \boxed{4}", "4"),
        (r"\boxed{\frac{1}{2}}", r"\frac{1}{2}"),
        (r"\boxed{a{b{c}}d}", "a{b{c}}d"),
        (r"\boxed {12}", "12"),
        (r"\fbox{7}", "7"),
        (r"\boxed{5} and an unclosed \boxed{6", "5"),
        ("no answer", None),
        (r"\boxed{", None),
    ],
)
def test_extract_boxed_takes_the_last_complete_box(text, content):
    assert extract_boxed(text) == content


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        ("51", 51),
        ("-3", -3),
        ("+7", 7),
        ("1,000", 1000),
        ("1,234,567", 1234567),
        ("$51$", 51),
        ("51.", 51),
        (" 51 ", 51),
        (r"$\text{51}$", 51),
        (r"\(42\)", 42),
        (r"\!51", 51),
        ("$-1,024$.", -1024),
        ("12,34", None),
        ("3.5", None),
        ("x = 3", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_integer_reads_the_usual_forms(answer, value):
    assert parse_integer(answer) == value


def test_extract_integer_needs_a_boxed_answer():
    assert extract_integer(r"so $\boxed{51}$.") == 51
    assert extract_integer("The answer is 51.") is None
    assert extract_integer(r"\boxed{fifty-one}") is None


@pytest.mark.parametrize(
    ("response", "gold", "correct"),
    [
        (r"Thus \boxed{51}.", 51, True),
        (r"Thus \boxed{50}.", 51, False),
        (r"\boxed{-3}", -3, True),
        (r"\boxed{1,000}", 1000, True),
        (r"\boxed{0}", 0, True),
    ],
)
def test_is_correct_and_math_verify_agree_on_boxed_integers(response, gold, correct):
    assert is_correct(response, gold) is correct
    assert math_verify_correct(response, gold) is correct


def test_math_verify_accepts_equivalent_forms_that_is_correct_rejects():
    response = r"\boxed{\frac{102}{2}}"
    assert math_verify_correct(response, 51)
    assert not is_correct(response, 51)


def test_of_several_boxes_the_last_counts_where_math_verify_reads_a_set():
    response = r"\boxed{3} is wrong, it is \boxed{4}"
    assert is_correct(response, 4)
    assert not math_verify_correct(response, 4)  # math-verify parses {3, 4}
    assert not is_correct(r"\boxed{4}? no: \boxed{3}", 4)
