r"""One worked solution per AIME problem, fit to train on: the first, unsigned, unboxed.

``AI-MO/aimo-validation-aime`` (2022-2024, the only training problems with worked solutions)
copies each problem's AoPS wiki page: every solution on the page, one after another, their
headings dropped, most closed by their author's signature line. A row's ``solution`` looks like this
(invented, in the real format):

    Let $s=a+b$. Then $s^2=49$, and the answer is $\boxed{049}$.
    ~SomeUser
    Squaring both sides gives $a^2+2ab+b^2=\boxed{49}$. ~OtherUser
    Solution by a third user, with no box at all ...

Trained on as it is, the model would learn to solve a problem several times, sign its work and box
the answer once per solution. ``clean_solution`` keeps the first solution only: up to its first
boxed answer (the next solution often follows on the very next line, unsigned) or its first
signature or heading line, whichever comes first. It drops signatures and unwraps the boxes, so
that the target's one box is the final line ``AimeProblem.target`` adds ("The final answer is
\boxed{N}", the report's). Nothing else in the text changes.
"""

from __future__ import annotations

import re

# The box of an answer: \boxed{} (Qwen2.5-Math's and the AoPS wiki's), or LaTeX's \fbox{} and
# \framebox{}, which a few AoPS authors use instead.
BOX = re.compile(r"\\(?:boxed|framebox|fbox)\s*\{")
# A line that only credits someone, as AoPS authors sign: "~SomeUser", "~ Edited by X",
# "[~~By:user](url)", "-user1", "- user2", "-[user](url)", "By User", or an e-mail address and a
# name ("someone@example.com, xyz").
SIGNATURE = re.compile(
    r"^(?:\[?~.*|-\s?\[?[A-Za-z][\w.\-]*\]?(?:\(\S*\))?|By [A-Z][\w.\-]*|\S+@\S+\.\w+\b.*)$"
)
# A signature at the end of the answer's own line, after its sentence: "$\boxed{699}$. ~user".
INLINE_SIGNATURE = re.compile(r"(?<=[.$)\]])\s+[~-]\s?[A-Za-z][\w.\-]*\s*$")
# A solution's heading, where a copy kept one: "Solution 2", "== Solution 1 ==", "## Solution 3",
# "Solution 1.5", "Solution by X", "Video Solution by X", "Solution 2 Supplement".
HEADING = re.compile(r"(?:video )?solution(?: \d+(?:\.\d+)?)?(?: by .+| supplement)?", re.I)


def is_signature(line: str) -> bool:
    """Whether ``line`` only credits an author.

    >>> is_signature("~SomeUser"), is_signature("- user2")
    (True, True)
    >>> is_signature("- One can count the paths as follows."), is_signature("$-x$")
    (False, False)
    """
    return bool(SIGNATURE.match(line.strip()))


def is_heading(line: str) -> bool:
    """Whether ``line`` is a solution's heading (wiki ``==`` or markdown ``#`` marks aside).

    >>> is_heading("== Solution 2 =="), is_heading("Solution: note that $x=2$.")
    (True, False)
    """
    return bool(HEADING.fullmatch(line.strip().strip("=#").strip()))


def unbox(text: str) -> str:
    r"""``text`` with every box unwrapped: ``\boxed{116}`` becomes ``116``.

    >>> unbox(r"so $c=\boxed{\textbf{(116)}}$, and 1\boxed{608}.")
    'so $c=\\textbf{(116)}$, and 1608.'
    """
    while match := BOX.search(text):
        depth, end = 1, match.end()
        while depth and end < len(text):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        inner = text[match.end() : end - 1] if depth == 0 else text[match.end() :]
        text = text[: match.start()] + inner + text[end:]
    return text


def clean_solution(text: str) -> str:
    r"""The first solution in ``text``, without signatures or boxes ("" if none is left).

    >>> page = "Add them: $x=\\boxed{116}.$\n~SomeUser\nOr subtract: $\\boxed{116}$.\n~ab"
    >>> clean_solution(page)
    'Add them: $x=116.$'
    """
    kept: list[str] = []
    for line in text.strip().splitlines():
        if is_signature(line) or is_heading(line):
            if "".join(kept).strip():
                break  # the first solution is over
            continue  # a heading or a credit before it
        if BOX.search(line):
            kept.append(INLINE_SIGNATURE.sub("", line))
            break
        kept.append(line)
    return unbox("\n".join(kept)).strip()
