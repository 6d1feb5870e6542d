import random
import time

import pytest

from helpers.grading import (
    TAIL_CHARS,
    extract_boxed,
    extract_integer,
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
        (r"\boxed{5} and an unclosed \boxed{6{}", "5"),
        (r"\boxed{\boxed{8}}", "8"),  # the inner box starts last
        (r"} stray \boxed{9} }", "9"),
        ("no answer", None),
        (r"\boxed{", None),
    ],
)
def test_extract_boxed_takes_the_last_complete_box(text, content):
    assert extract_boxed(text) == content


def _rescan_from_each_box(text: str) -> str | None:
    """The former extract_boxed: from each box, last first, scan on until its braces balance."""
    import re

    for match in reversed(list(re.finditer(r"\\(?:boxed|fbox)\s*\{", text))):
        depth, i = 1, match.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        if depth == 0:
            return text[match.end() : i - 1]
    return None


def test_extract_boxed_agrees_with_a_rescan_from_each_box_on_random_text():
    pieces = [r"\boxed{", r"\fbox{", r"\boxed {", "{", "}", "}", "1", "x", " "]
    rng = random.Random(0)
    for _ in range(3000):
        text = "".join(rng.choices(pieces, k=rng.randint(0, 30)))
        assert extract_boxed(text) == _rescan_from_each_box(text), text


@pytest.mark.parametrize(
    "runaway",
    [
        "\\boxed{" + "{" * 1_000_000,
        ("\\boxed{" + "{") * 125_000,
        "\\boxed{" * 150_000,
        "\\boxed{1}" + "}" * 1_000_000,
    ],
    ids=["one-box-then-open-braces", "boxes-and-braces", "open-boxes", "close-braces"],
)
def test_extract_boxed_takes_under_a_second_on_a_megabyte_runaway_generation(runaway):
    start = time.perf_counter()
    extract_boxed(runaway)
    assert time.perf_counter() - start < 1.0


def test_extract_boxed_reads_only_the_tail_of_a_response():
    assert extract_boxed(r"\boxed{7}" + "x" * (TAIL_CHARS - len(r"\boxed{7}"))) == "7"
    assert extract_boxed(r"\boxed{7}" + "x" * TAIL_CHARS) is None


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


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        ("\u22125", -5),  # U+2212 MINUS SIGN
        ("$\u22121,024$", -1024),
        ("\u2013" + "5", None),  # an en dash is not read as minus
        ("\u2014" + "5", None),  # nor an em dash
    ],
)
def test_parse_integer_reads_the_unicode_minus_sign_as_minus(answer, value):
    assert parse_integer(answer) == value


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        ("14{,}916", 14916),  # a comma in braces: LaTeX sets no space after it
        ("1{,}234{,}567", 1234567),
        (r"10,\!000", 10000),  # the MATH dataset's style
        (r"14\,916", 14916),  # a thin space, the SI style
        (r"14\!916", 14916),  # \! typesets as nothing
        ("14 916", 14916),  # so does a space in math mode
        ("1{,}23", None),  # groups of three, as with a plain comma
        (r"1\,2", None),
    ],
)
def test_parse_integer_reads_latex_digit_grouping(answer, value):
    assert parse_integer(answer) == value


def test_extract_integer_reads_latex_grouping_and_unicode_minus_in_a_box():
    assert extract_integer(r"so the total is $\boxed{14{,}916}$.") == 14916
    assert extract_integer("the change is \\boxed{\u22125}") == -5


def test_parse_integer_reads_a_runaway_answer_as_none_quickly():
    start = time.perf_counter()
    assert parse_integer("1" * 5000) is None  # int() refuses strings of over 4300 digits
    assert parse_integer("51" + "}$" * 100_000) is None
    assert time.perf_counter() - start < 1.0


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
def test_extract_integer_and_math_verify_agree_on_boxed_integers(response, gold, correct):
    assert (extract_integer(response) == gold) is correct
    assert math_verify_correct(response, gold) is correct


def test_math_verify_accepts_equivalent_forms_that_extract_integer_rejects():
    response = r"\boxed{\frac{102}{2}}"
    assert math_verify_correct(response, 51)
    assert extract_integer(response) is None


def test_of_several_boxes_the_last_counts_where_math_verify_reads_a_set():
    response = r"\boxed{3} is wrong, it is \boxed{4}"
    assert extract_integer(response) == 4
    assert not math_verify_correct(response, 4)  # math-verify parses {3, 4}
    assert extract_integer(r"\boxed{4}? no: \boxed{3}") == 3
