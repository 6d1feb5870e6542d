"""The AIME split of Ely, Part II: three sources merged into one problem per (year, part,
number), then split by year, as the report does:

    splits = aime_splits(HUB_SOURCES)   # or FIXTURE, the same sources as small local files
    splits.counts()                     # {"train": 890, "validation": 60, "test": 30} on the hub

Of duplicates, the one with a worked solution is kept and every accepted answer of both; no two
problems of the splits share a key or a normalised text (``check_disjoint``).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from helpers.tasks.aime import HUB_SOURCES, PARTS, SPLITS, AimeProblem, load_aime


@dataclass
class MergeReport:
    per_source: dict[str, int] = field(default_factory=dict)  # problems read from each
    dropped: list[tuple[tuple, str]] = field(default_factory=list)  # (key, source dropped)
    conflicts: list[tuple] = field(default_factory=list)  # keys whose answers disagree
    total: int = 0

    def __str__(self) -> str:
        lines = [f"{n:>4} problems from {source}" for source, n in self.per_source.items()]
        lines.append(f"{len(self.dropped):>4} duplicates dropped (same year, part and number)")
        lines.append(f"{len(self.conflicts):>4} of them with answers that disagreed (all kept)")
        lines.append(f"{self.total:>4} problems after merging")
        return "\n".join(lines)


def merge(*collections: list[AimeProblem]) -> tuple[list[AimeProblem], MergeReport]:
    """One problem per (year, part, number); of duplicates, keep the one with a solution."""
    report, kept = MergeReport(), {}
    for problems in collections:
        for problem in problems:
            report.per_source[problem.source] = report.per_source.get(problem.source, 0) + 1
            other = kept.get(problem.key)
            if other is None:
                kept[problem.key] = problem
                continue
            if other.answers != problem.answers:  # e.g. "080 or 081" vs "080": accept both
                report.conflicts.append(problem.key)
            answers = other.answers | problem.answers
            if problem.solution and not other.solution:
                other, problem = problem, other
            kept[problem.key] = replace(other, answers=answers)
            report.dropped.append((problem.key, problem.source))
    report.total = len(kept)
    return sorted(kept.values(), key=lambda p: p.key), report


def split_name(year: int) -> str:
    """The seed's rule: which split a year belongs to."""
    return "test" if year == 2025 else "validation" if year in (2020, 2021) else "train"


def normalise(text: str) -> str:
    r"""A problem's text as the duplicate check compares it: whitespace collapsed, lower case.

    >>> normalise("Find  the\r\nremainder.") == normalise("find the remainder. ")
    True
    """
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass
class AimeSplits:
    train: list[AimeProblem]
    validation: list[AimeProblem]
    test: list[AimeProblem]
    report: MergeReport

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in SPLITS}


def aime_splits(sources: dict | None = None, seed: int = 3407) -> AimeSplits:
    """Load, merge and split ``sources`` (``HUB_SOURCES`` by default, or ``FIXTURE``)."""
    sources = sources or HUB_SOURCES
    parts = _check_sources(sources)
    collections = [load_aime(sources[kind], kind) for kind in ("aime_1983_2024", "aimo_validation")]
    collections += [load_aime(parts[part], "aime_2025", part) for part in PARTS]
    problems, report = merge(*collections)
    by_split = {name: [p for p in problems if split_name(p.year) == name] for name in SPLITS}
    random.Random(seed).shuffle(by_split["train"])  # spread the solution-bearing problems
    splits = AimeSplits(**by_split, report=report)
    check_disjoint(splits)
    return splits


def _check_sources(sources: dict) -> dict:
    """The 2025 parts, once ``sources`` has the shape of ``HUB_SOURCES`` and two distinct parts."""
    parts = sources.get("aime_2025")
    if set(sources) != set(HUB_SOURCES) or not isinstance(parts, dict) or set(parts) != {*PARTS}:
        raise ValueError("sources: use the shape of HUB_SOURCES, aime_2025 {'I': ..., 'II': ...}")
    first, second = (p if isinstance(p, tuple) else Path(p).resolve() for p in parts.values())
    if first == second:
        raise ValueError(f"aime_2025 parts I and II are both {parts['I']}: give each its own file")
    return parts


def check_disjoint(splits: AimeSplits) -> None:
    """Raise if two problems share a key or a normalised text, in one split or in two."""
    seen: dict = {}
    for name in SPLITS:
        for problem in getattr(splits, name):
            for mark in (problem.key, normalise(problem.problem)):
                if mark in seen:
                    first, where = seen[mark]
                    raise ValueError(
                        f"{first.id} ({first.source}, {where}) and {problem.id} ({problem.source}"
                        f", {name}) are the same problem: a source given twice or mislabelled? "
                        "Fix or drop one of them"
                    )
                seen[mark] = problem, name
