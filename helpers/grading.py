r"""Read a model's final answer and compare it with the gold one.

A model output, as Qwen2.5-Math writes it:

    ... so the integers are $-50, \ldots, 0$, that is 51 of them. $\boxed{51}$.

``extract_boxed`` finds the last ``\boxed{...}`` (braces may nest), ``parse_integer`` reads
``51``, ``-3``, ``1,000``, ``$51$`` or ``51.``; ``extract_integer`` chains the two and returns
None when there is no usable answer, which the evaluation counts as a format failure.
"""

from __future__ import annotations

import re

# Qwen2.5-Math (and the seed's prompt) put the final answer in \boxed{...}; \fbox is its twin.
BOXED_START = re.compile(r"\\(?:boxed|fbox)\s*\{")
# An integer as models write it: optional sign, digits with optional thousands commas.
INTEGER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)$")
# Wrappers around a number that carry no meaning: $...$, \(...\), \text{...}, spaces, a period.
_WRAPPERS = re.compile(r"^\$+|\$+$|^\\\(|\\\)$|\\text\{|\}$|\\[,!;: ]|\s+")


def extract_boxed(text: str) -> str | None:
    r"""Content of the last ``\boxed{...}``, nested braces included; None if there is none.

    >>> extract_boxed(r"first \boxed{1}, then \boxed{\frac{1}{2}}")
    '\\frac{1}{2}'
    >>> extract_boxed("no box here") is None
    True
    """
    starts = list(BOXED_START.finditer(text))
    for match in reversed(starts):
        depth, i = 1, match.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        if depth == 0:
            return text[match.end() : i - 1]
    return None


def parse_integer(answer: str | None) -> int | None:
    """The integer an answer string states, or None if it is not one.

    >>> parse_integer("$-1,024$.")
    -1024
    >>> parse_integer("x = 3") is None
    True
    """
    if answer is None:
        return None
    text = answer.strip().rstrip(".")
    previous = None
    while previous != text:  # peel nested wrappers such as "$\text{51}$"
        previous, text = text, _WRAPPERS.sub("", text).rstrip(".")
    if not INTEGER.match(text):
        return None
    return int(text.replace(",", ""))


def extract_integer(response: str) -> int | None:
    r"""The integer in the last ``\boxed{}`` of a response, None if absent or not an integer.

    >>> extract_integer(r"So the count is $\boxed{51}$.")
    51
    >>> extract_integer("The answer is 51.") is None
    True
    """
    return parse_integer(extract_boxed(response))


def is_correct(response: str, gold: int) -> bool:
    r"""Whether the response's boxed integer equals the gold answer.

    >>> is_correct(r"\boxed{51}", 51), is_correct(r"\boxed{50}", 51)
    (True, False)
    """
    return extract_integer(response) == gold


def math_verify_correct(response: str, gold: int | str) -> bool:
    r"""The same judgement by Hugging Face's math-verify, which also accepts forms such as
    ``\frac{102}{2}`` or an unboxed final number; used to cross-check ``is_correct``.

    >>> math_verify_correct(r"\boxed{51}", 51), math_verify_correct(r"\boxed{50}", 51)
    (True, False)
    """
    from math_verify import parse, verify

    return verify(parse(f"${gold}$"), parse(response))
