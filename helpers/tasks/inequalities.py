r"""The inequality-counting task of Ely, Part I: the integer in the last ``\boxed{}``, equal to
the exact count. One real row (``data/inequalities/val_40.jsonl``) and one real output
(SmolLM2-135M-Instruct after six LoRA steps, greedy; the course's real CPU model):

    row:    {"id": "val-0001", "question": "For how many integers $x$ in the range $[-50, 50]$
             is the inequality $-3x + 7 < 4$ satisfied?", "answer": 49, "lo": -50, "hi": 50}
    output: "\boxed{51}"  -> extracted 51, error "other"

The problems, their exact counts and worked solutions come from ``helpers.inequalities`` (the
generator) and ``helpers.inequality_splits`` (the committed splits, twins and novel forms).
Wrong answers are typed by solving again (``inequality_error``).
"""

from __future__ import annotations

from dataclasses import replace

from helpers.grading import extract_integer
from helpers.inequalities import FLIPPED, count_solutions
from helpers.inequality_splits import from_row
from helpers.prompts import SYSTEM_PROMPT
from helpers.tasks import Task


def inequality_error(extracted: int, row: dict) -> str:
    """Decided by solving again: ``direction`` when the answer is the count of the inequality
    read the wrong way round (``<`` as ``>``), ``off_by_one`` when it is one away from the
    count (an endpoint misplaced), ``ambiguous`` when both hold (on [-50, 50], ``2x < 1`` has
    51 solutions and ``2x > 1`` has 50), ``other`` otherwise.

    >>> row = {"a1": 1, "b1": 0, "op": ">", "a2": 0, "b2": 0, "lo": -50, "hi": 50, "answer": 50}
    >>> inequality_error(51, row), inequality_error(7, row)  # x > 0: 51 counts x = 0 too
    ('off_by_one', 'other')
    """
    ineq = from_row(row)
    direction = extracted == count_solutions(replace(ineq, op=FLIPPED[ineq.op]))
    boundary = abs(extracted - row["answer"]) == 1
    if direction:
        return "ambiguous" if boundary else "direction"
    return "off_by_one" if boundary else "other"


INEQUALITIES = Task(
    name="inequalities",
    system=SYSTEM_PROMPT,
    read=extract_integer,
    is_right=lambda value, row: value == row["answer"],
    wrong_kind=inequality_error,
    wrong_kinds=("off_by_one", "direction", "ambiguous", "other"),
    answer_types=(int,),
)
