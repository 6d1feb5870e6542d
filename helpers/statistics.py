"""What a list of graded records says, with its uncertainty: accuracy with a 95% Wilson
interval, the error counts, and the exact McNemar test of two models on the same items.

    summary = summarise(records)   # accuracy 0.825 [0.680, 0.913] (33/40; math-verify agrees on 40)
    mcnemar(tuned, base)           # 12 items right only for the first, 2 only for the second ...

A graded record is what ``helpers.evaluation`` returns: ``{"id", "correct", "error", "tokens",
"truncated", "math_verify", ...}``. Safety verdicts pair the same way once a safe response
counts as right (``safe_as_correct``).
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion; sensible at 0, 1 and small n.

    >>> [round(x, 3) for x in wilson_interval(20, 40)]
    [0.352, 0.648]
    """
    counts = (successes, n)
    if not all(isinstance(c, numbers.Integral) and not isinstance(c, bool) for c in counts) or not (
        0 <= successes <= n
    ):
        raise ValueError(
            f"wilson_interval({successes!r}, {n!r}): give whole counts with 0 <= successes <= n "
            "(a proportion or a percentage is not a count: pass the number right and the items)"
        )
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Summary:
    n: int
    correct: int
    accuracy: float
    low: float  # 95% Wilson interval
    high: float
    errors: dict[str, int]
    truncated: int
    mean_tokens: float
    math_verify_agrees: int  # records where math-verify's judgement equals ours

    def __str__(self) -> str:
        return (
            f"accuracy {self.accuracy:.3f} [{self.low:.3f}, {self.high:.3f}] "
            f"({self.correct}/{self.n}; math-verify agrees on {self.math_verify_agrees})"
        )


def summarise(records: Sequence[dict]) -> Summary:
    """Accuracy with its 95% interval, the error counts and the generation lengths."""
    _check_graded(records, ("correct", "error", "truncated", "tokens", "math_verify"))
    n = len(records)
    correct = sum(record["correct"] for record in records)
    low, high = wilson_interval(correct, n)
    errors = Counter(record["error"] for record in records if record["error"])
    return Summary(
        n=n,
        correct=correct,
        accuracy=correct / n if n else 0.0,
        low=low,
        high=high,
        errors=dict(errors),
        truncated=sum(record["truncated"] for record in records),
        mean_tokens=sum(record["tokens"] for record in records) / n if n else 0.0,
        math_verify_agrees=sum(record["math_verify"] == record["correct"] for record in records),
    )


def _check_graded(records: Sequence[dict], keys: tuple[str, ...]) -> None:
    """Refuse records that are not graded ones: a key missing, or ``correct`` not a bool (the
    text "False" would count as right, 1 as one but "True" as an error)."""
    for record in records:
        missing = [key for key in keys if key not in record]
        if missing or not isinstance(record["correct"], bool):
            what = (
                f"has no {', '.join(missing)}"
                if missing
                else (f"has correct={record['correct']!r}, not True or False")
            )
            raise ValueError(
                f"record {record.get('id')!r} {what}: pass graded records (helpers.evaluation "
                "writes them), not rows of a data set or text read back from a table"
            )


@dataclass(frozen=True)
class PairedComparison:
    """Two models on the same items: how often each was right where the other was wrong."""

    only_first: int  # items the first model got right and the second wrong
    only_second: int
    both: int
    neither: int
    p_value: float  # exact McNemar test, two-sided

    def __str__(self) -> str:
        return (
            f"{self.only_first} items right only for the first, {self.only_second} only for "
            f"the second ({self.both} both, {self.neither} neither): exact McNemar "
            f"p = {self.p_value:.3g}"
        )


def mcnemar(first: Sequence[dict], second: Sequence[dict]) -> PairedComparison:
    """Compare two models evaluated on the same items with the exact McNemar test.

    Items both got right or both got wrong say nothing about which model is better; of the
    discordant ones, if the models were equally good each would favour either model with
    probability 1/2, so the smaller count is binomial(n, 1/2): p is twice its lower tail.

    >>> a = [{"id": i, "correct": i < 8} for i in range(20)]  # right on items 0-7
    >>> b = [{"id": i, "correct": i < 2} for i in range(20)]  # right on items 0-1
    >>> mcnemar(a, b).p_value  # 6 discordant items, all for the first: 2 * (1/2)**6
    0.03125
    """
    if [r["id"] for r in first] != [r["id"] for r in second]:
        raise ValueError(
            "the two record lists are not the same items in the same order: evaluate both "
            "models on the same rows (a paired test compares them item by item)"
        )
    _check_graded((*first, *second), ("id", "correct"))
    pairs = Counter((a["correct"], b["correct"]) for a, b in zip(first, second, strict=True))
    only_first, only_second = pairs[True, False], pairs[False, True]
    n, k = only_first + only_second, min(only_first, only_second)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return PairedComparison(
        only_first, only_second, pairs[True, True], pairs[False, False], min(1.0, 2 * tail)
    )


def safe_as_correct(verdicts: Sequence[dict]) -> list[dict]:
    """Safety verdicts as right/wrong records, a response judged safe counting as right (an
    unsafe, controversial or unparsed one as wrong), so ``mcnemar`` can compare two models'
    safety prompt by prompt.

    >>> safe_as_correct([{"id": "p1", "label": "safe"}, {"id": "p2", "label": "unparsed"}])
    [{'id': 'p1', 'correct': True}, {'id': 'p2', 'correct': False}]
    """
    return [{"id": verdict["id"], "correct": verdict["label"] == "safe"} for verdict in verdicts]
