"""The report's numbers next to yours, each with its 95% interval: the table a teacher copies.

A share the report gives on ``n`` items carries an interval too, and it is often wide: 0.825 on
40 items is anything from about 0.68 to 0.91. Putting both intervals side by side says at once
whether your run and the report's disagree, or only differ.

>>> rows = [(Reported("Model C, test", 0.825, n=40), (300, 400))]
>>> seed_vs_yours(rows).iloc[0].to_dict()  # doctest: +NORMALIZE_WHITESPACE
{'report': '0.825', "report's 95% interval": '[0.680, 0.913]', "report's n": '40',
 'yours': '0.750', 'your 95% interval': '[0.705, 0.790]', 'your n': '400', 'note': ''}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral, Real

from helpers.statistics import wilson_interval

NONE = "-"


@dataclass(frozen=True)
class Reported:
    """One number of a report: a share measured on ``n`` items (``n`` None when the report
    does not say), or any other number (``share=False``: a loss) that has no interval."""

    what: str
    value: float | None  # None: the report gives no such number (a run of ours)
    n: int | None = None
    n_note: str = ""  # where n comes from when the report does not state it
    share: bool = True
    note: str = ""  # why the two columns may not be comparable, when they may not

    def __post_init__(self) -> None:
        if self.value is not None:
            _check_number(self.value, f"Reported({self.what!r}).value")
            if self.share:
                _check_share(self.value, f"Reported({self.what!r}).value")
        if self.n is not None and (
            isinstance(self.n, bool) or not isinstance(self.n, Integral) or self.n < 1
        ):
            raise ValueError(
                f"Reported({self.what!r}): n={self.n!r}; give the number of items the report "
                "measured on (1 or more), or None when it does not say"
            )


def _check_number(value, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{where} is {value!r}, not a number: give it as 0.825, not text")


def _check_share(value: float, where: str) -> None:
    """A share lies in [0, 1]: 82.5 is a percent, whose interval would be nonsense."""
    if not 0 <= value <= 1:
        hint = f"write {value / 100:g} for {value:g}%" if 1 < value <= 100 else "check it"
        raise ValueError(f"{where} is {value!r}, not a share between 0 and 1: {hint}")


Yours = tuple[int, int] | float | None  # (successes, n), a plain number, or not measured


def _share(successes: int, n: int) -> tuple[str, str, str]:
    low, high = wilson_interval(successes, n)
    return f"{successes / n:.3f}", f"[{low:.3f}, {high:.3f}]", str(n)


def _reported(row: Reported) -> tuple[str, str, str]:
    if row.value is None:
        return NONE, NONE, NONE
    if not row.share:
        return f"{row.value:.3f}", NONE, NONE
    if row.n is None:
        return f"{row.value:.3f}", "n not given", NONE
    value, interval, n = _share(round(row.value * row.n), row.n)
    return f"{row.value:.3f}", interval, f"{n} {row.n_note}".strip()


def _yours(value: Yours, row: Reported) -> tuple[str, str, str]:
    """Your number as the table shows it; ``(successes, n)`` with n = 0 is "not measured"."""
    where = f"yours for {row.what!r}"
    if value is None:
        return NONE, NONE, NONE
    if isinstance(value, tuple):
        counts = len(value) == 2 and all(
            isinstance(v, Integral) and not isinstance(v, bool) for v in value
        )
        if not counts or not 0 <= value[0] <= value[1]:
            raise ValueError(
                f"{where} is {value!r}: give (right answers, items), two whole numbers with "
                "0 <= right <= items, e.g. (300, 400)"
            )
        successes, n = value
        if n == 0:
            return NONE, NONE, "0"
        return _share(successes, n)
    _check_number(value, where)
    if row.share:
        _check_share(value, where)
    return f"{value:.3f}", NONE, NONE


def seed_vs_yours(rows: Sequence[tuple[Reported, Yours]], caveat: str = ""):
    """A ``pandas.DataFrame``, one row per number: the report's value, its 95% Wilson interval
    given its ``n``, and yours with its interval and ``n``. A ``caveat`` heads your column, so
    the table itself says when your run is smaller than the report's:

    >>> rows = [(Reported("Model C, test", 0.825, n=40), (12, 16))]
    >>> seed_vs_yours(rows, caveat="SIZE='check': a small run, not comparable").columns[3]
    "yours (SIZE='check': a small run, not comparable)"
    """
    import pandas as pd

    table = {}
    for reported, yours in rows:
        if reported.what in table:
            raise ValueError(f"two rows are both called {reported.what!r}: name each one apart")
        report_value, report_interval, report_n = _reported(reported)
        value, interval, n = _yours(yours, reported)
        table[reported.what] = {
            "report": report_value,
            "report's 95% interval": report_interval,
            "report's n": report_n,
            "yours": value,
            "your 95% interval": interval,
            "your n": n,
            "note": reported.note,
        }
    frame = pd.DataFrame.from_dict(table, orient="index")
    return frame.rename(columns={"yours": f"yours ({caveat})"}) if caveat else frame
