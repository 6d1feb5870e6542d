r"""Read a model's final answer and compare it with the gold one.

A model output, as Qwen2.5-Math writes it:

    ... so the integers are $-50, \ldots, 0$, that is 51 of them. $\boxed{51}$.

``extract_boxed`` finds the last ``\boxed{...}`` (braces may nest) in one pass over the tail of
the response; ``parse_integer`` reads ``51``, ``-3``, ``−3`` (U+2212), ``1,000``, ``14{,}916``,
``10,\!000``, ``$51$``, ``51.``, ``51.0`` or a bold ``\textbf{51}``; ``extract_integer`` chains
the two and returns None when there is no usable answer, which the evaluation counts as a
format failure (``extract_integer`` says which forms are taken and which refused, and why).
``math_verify_correct`` is the same judgement by Hugging Face's math-verify, to cross-check.
"""

from __future__ import annotations

import re

# Only the end of a response can hold its final answer. Our longest budget, 1024 new tokens, is
# about 4,000 characters of math, so 20,000 keeps every normal response whole and bounds the
# work on a runaway generation (1 MB of "\boxed{{" once took hours).
TAIL_CHARS = 20_000
# Longer than any integer answer we grade (AIME: 3 digits, GSM8K: 9) and far under the 4,300
# digits that int() refuses: a longer "answer" is a runaway generation, read as no answer.
MAX_ANSWER_CHARS = 1_000
# Qwen2.5-Math (and the seed's prompt) put the final answer in \boxed{...}; \fbox is its twin.
# One scan over box openers and single braces pairs each opening brace with its closing one.
BOX_OR_BRACE = re.compile(r"\\(?:boxed|fbox)\s*\{|[{}]")
# U+2212 MINUS SIGN, typeset math's minus, which models trained on web text write. Dashes are
# not minus: GSM8K's one en dash before a number is a range ("children 6–11 years"), and a dash
# read as minus would turn a correct positive answer into a wrong negative one.
MINUS = "\u2212"
# An integer as models write it: a sign ("-", "+" or U+2212), then digits, grouped by threes
# with a separator that typesets as a comma or a gap: "1,000", "14{,}916" (LaTeX: a comma in
# braces gets no space after it) or "14\,916" (a thin space, the SI style).
# A decimal point followed by zeros only ("51.0", "51.00") states the same integer.
INTEGER = re.compile(
    r"(?P<sign>[+\-\u2212]?)(?P<digits>\d{1,3}(?:(?:,|\{,\}|\\,)\d{3})+|\d+)(?:\.0+)?"
)
# What carries no meaning: $...$, \(...\), \text{...} and the bold \textbf{...} and
# \mathbf{...}, spacing commands at either end, and what typesets as nothing in math mode:
# whitespace and "\!" (so the MATH dataset's "10,\!000" reads as "10,000" and "14\!916" as
# 14916).
_WRAPPERS = re.compile(
    r"^\$+|\$+$|^\\\(|\\\)$|\\(?:text|textbf|mathbf)\{|\}$|^(?:\\[,;: ])+|(?:\\[,;: ])+$|\\!|\s+"
)


def extract_boxed(text: str) -> str | None:
    r"""Content of the last ``\boxed{...}`` (by where it starts) whose braces balance, nested
    braces included; None if there is none. Only the last ``TAIL_CHARS`` characters are read.

    >>> extract_boxed(r"first \boxed{1}, then \boxed{\frac{1}{2}}")
    '\\frac{1}{2}'
    >>> extract_boxed(r"\boxed{5}, then an unclosed \boxed{6")
    '5'
    >>> extract_boxed("no box here") is None
    True
    """
    _require_text(text, "extract_boxed")
    text = text[-TAIL_CHARS:]
    opened: list[int | None] = []  # per open brace: where its box's content starts, or None
    last: tuple[int, int] | None = None  # start and end of the latest-starting closed box
    for match in BOX_OR_BRACE.finditer(text):
        if match.group() != "}":
            opened.append(None if match.group() == "{" else match.end())
        elif opened:  # a "}" with nothing open closes nothing
            start = opened.pop()
            if start is not None and (last is None or start > last[0]):
                last = (start, match.start())
    return None if last is None else text[last[0] : last[1]]


def parse_integer(answer: str | None) -> int | None:
    """The integer an answer string states, or None if it is not one.

    >>> parse_integer("$-1,024$."), parse_integer("14{,}916")
    (-1024, 14916)
    >>> parse_integer("x = 3") is None
    True
    """
    if answer is not None:
        _require_text(answer, "parse_integer")
    if answer is None or len(answer) > MAX_ANSWER_CHARS:
        return None
    text = answer.strip().rstrip(".")
    previous = None
    while previous != text:  # peel nested wrappers such as "$\text{51}$"
        previous, text = text, _WRAPPERS.sub("", text).rstrip(".")
    match = INTEGER.fullmatch(text)
    if not match:
        return None
    value = int(re.sub(r"\D", "", match["digits"]))
    return -value if match["sign"] in ("-", MINUS) else value


def extract_integer(response: str) -> int | None:
    r"""The integer in the last ``\boxed{}`` of a response, None if absent or not an integer.

    Decided against math-verify (``math_verify_correct``), which accepts all four of these:

    - ``\boxed{51.0}`` is 51, as math-verify says: zeros after the point change no value.
    - ``\boxed{\textbf{51}}`` and ``\boxed{\mathbf{51}}`` are 51, as math-verify says: bold is
      typesetting, like ``\text{51}``.
    - ``\boxed{51 \text{ integers}}`` is no answer, where math-verify reads 51: words after the
      number can change it (``51 \text{ thousand}``), and the prompt asks for the integer
      alone, so the response is counted a format failure rather than guessed at.

    >>> extract_integer(r"So the count is $\boxed{51}$.")
    51
    >>> extract_integer(r"\boxed{51.0}"), extract_integer(r"\boxed{\textbf{51}}")
    (51, 51)
    >>> extract_integer(r"\boxed{51 \text{ integers}}") is None
    True
    >>> extract_integer("The answer is 51.") is None
    True
    """
    return parse_integer(extract_boxed(response))


def _require_text(value, reader: str) -> None:
    """A reader takes a response's text: anything else (None, a number, a record) is a caller's
    mistake, not a model's answer, so it is refused instead of scored as a format failure."""
    if not isinstance(value, str):
        raise TypeError(
            f"{reader} reads a response's text, got {type(value).__name__} {value!r:.40}: "
            "pass the model's response (a str), e.g. record['response']"
        )


def math_verify_correct(response: str, gold: int | str) -> bool:
    r"""The same judgement by Hugging Face's math-verify, which also accepts forms such as
    ``\frac{102}{2}`` or an unboxed final number; used to cross-check ``extract_integer``.

    >>> math_verify_correct(r"\boxed{51}", 51), math_verify_correct(r"\boxed{50}", 51)
    (True, False)
    """
    from math_verify import parse, verify

    return verify(parse(f"${gold}$"), parse(response))
