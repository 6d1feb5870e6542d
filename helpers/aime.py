r"""Three AIME sources merged into one schema and split as in Part II of the Ely report.

The sources and their quirks (hub id: what a row looks like):

- ``di-zhang-fdu/AIME_1983_2024`` (one CSV, CRLF line ends): ``ID=2022-II-8, Year=2022,
  Problem Number=8, Question=..., Answer="080 or 081 (both were accepted)", Part=II``; Part is
  empty before 2000, some years are incomplete, 2024 has part II only.
- ``AI-MO/aimo-validation-aime`` (2022-2024, with solutions): ``id=0, problem=..., solution=...,
  answer="033", url=.../2022_AIME_I_Problems/Problem_1``; the url names year, part and number.
- ``opencompass/AIME2025``, configs ``AIME2025-I`` and ``AIME2025-II``: ``question, answer``,
  15 rows each, in problem order.

Split rule: train = 1983-2019 and 2022-2024 (the only years with worked solutions), validation
= 2020-2021, test = 2025. On the hub's data: 890 / 60 / 30 problems.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

HUB_SOURCES = {
    "aime_1983_2024": "di-zhang-fdu/AIME_1983_2024",
    "aimo_validation": "AI-MO/aimo-validation-aime",
    "aime_2025": ["opencompass/AIME2025", "opencompass/AIME2025"],  # configs -I and -II
}
FIXTURES = Path(__file__).resolve().parent.parent / "data" / "fixtures" / "aime"
FIXTURE_SOURCES = {
    "aime_1983_2024": FIXTURES / "AIME_Dataset_1983_2024.csv",
    "aimo_validation": FIXTURES / "aimo-validation-aime.jsonl",
    "aime_2025": [FIXTURES / "aime2025-I.jsonl", FIXTURES / "aime2025-II.jsonl"],
}
COLUMNS = {
    "aime_1983_2024": {"ID", "Year", "Problem Number", "Question", "Answer", "Part"},
    "aimo_validation": {"id", "problem", "solution", "answer", "url"},
    "aime_2025": {"question", "answer"},
}
PARTS = ("I", "II")
YEARS = range(1983, 2026)
# "080 or 081 (both were accepted)": integers joined by "or", "and" or commas, a remark after.
ANSWER_LIST = re.compile(r"^\s*\d+(?:\s*(?:,|or|and)\s*\d+)*\s*(?:\(.*\))?\s*$")
AOPS_URL = re.compile(r"(\d{4})_AIME_(I{1,2})_Problems/Problem_(\d+)")
FINAL_LINE = "The final answer is \\boxed{{{}}}"


@dataclass(frozen=True)
class AimeProblem:
    year: int
    part: str | None  # "I", "II", or None before 2000 (one exam a year)
    number: int
    problem: str
    answers: frozenset[int]  # every accepted answer, each in 0-999
    solution: str | None
    source: str

    @property
    def key(self) -> tuple:
        return self.year, self.part or "", self.number

    @property
    def id(self) -> str:
        return "-".join(str(k) for k in self.key if k != "")

    @property
    def answer(self) -> int:
        return min(self.answers)

    @property
    def target(self) -> str:
        r"""The training target: the solution (if any), ending "The final answer is \boxed{N}"."""
        final = FINAL_LINE.format(self.answer)
        return final if not self.solution else f"{self.solution.rstrip()}\n\n{final}"

    def row(self) -> dict:
        """The dict the training and evaluation helpers take."""
        return {
            "id": self.id,
            "question": self.problem,
            "answer": self.answer,
            "answers": sorted(self.answers),
            "target": self.target,
            "year": self.year,
            "part": self.part,
            "number": self.number,
            "has_solution": self.solution is not None,
        }


def parse_answers(value, where: str) -> frozenset[int]:
    """Accepted answers from ``"033"``, ``33``, ``[80, 81]`` or ``"080 or 081 (both ...)"``."""
    items = value if isinstance(value, list | tuple) else [value]
    answers = set()
    for item in items:
        text = str(item).strip()
        if not ANSWER_LIST.match(text):
            raise ValueError(
                f"{where}: answer {item!r} is not an integer 0-999 or a list of them; "
                f"fix the row (AIME answers are integers from 000 to 999)"
            )
        answers.update(int(n) for n in re.findall(r"\d+", text.split("(")[0]))
    out_of_range = sorted(a for a in answers if not 0 <= a <= 999)
    if out_of_range:
        raise ValueError(f"{where}: answers {out_of_range} are outside 0-999; fix the row")
    return frozenset(answers)


def _year(value, where: str) -> int:
    year = int(value)
    if year not in YEARS:
        raise ValueError(f"{where}: year {year} is outside 1983-2025; fix the row's year")
    return year


def _read_rows(source, config: str | None) -> list[dict]:
    """Rows of a local file in the hub's format, or of the hub data set itself."""
    path = Path(source)
    if path.exists():
        if path.suffix == ".csv":
            with path.open(encoding="utf-8", newline="") as f:
                return list(csv.DictReader(f))
        with path.open(encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    from datasets import load_dataset

    split = "test" if config else "train"
    return list(load_dataset(str(source), config, split=split))


def _check_columns(rows: list[dict], kind: str, source) -> None:
    missing = COLUMNS[kind] - set(rows[0]) if rows else COLUMNS[kind]
    if missing:
        raise ValueError(
            f"{source}: row 0 lacks columns {sorted(missing)}; a {kind} file needs "
            f"{sorted(COLUMNS[kind])} (see HUB_SOURCES for the data set it mirrors)"
        )


def load_aime(source, kind: str | None = None, part: str | None = None) -> list[AimeProblem]:
    """Problems of one source: a hub id or a local file in that data set's exact format.

    ``kind`` (a key of ``HUB_SOURCES``) is inferred from a known hub id or from the file's
    columns; ``part`` ("I" or "II") of an ``aime_2025`` file from its name (``aime2025-II``).
    """
    if kind is not None and kind not in COLUMNS:
        raise ValueError(f"unknown kind {kind!r}: use one of {sorted(COLUMNS)}")
    kind = kind or _KIND_OF_HUB_ID.get(str(source))
    part = part or _part_from_name(str(source))
    needs_part = (
        f"{source}: an aime_2025 source needs part='I' or part='II' "
        "(or a file named like aime2025-II.jsonl)"
    )
    if kind == "aime_2025" and part not in PARTS:
        raise ValueError(needs_part)
    rows = _read_rows(source, f"AIME2025-{part}" if kind == "aime_2025" else None)
    kind = kind or _kind_from_columns(rows, source)
    _check_columns(rows, kind, source)
    if kind == "aime_2025" and part not in PARTS:
        raise ValueError(needs_part)
    label = Path(source).name if Path(source).exists() else str(source)
    if kind == "aime_2025" and not Path(source).exists():
        label = f"{source}:AIME2025-{part}"
    parse = {"aime_1983_2024": _from_csv_row, "aimo_validation": _from_aimo_row}.get(kind)
    if parse is None:
        return [_from_2025_row(row, i, part, label) for i, row in enumerate(rows)]
    return [parse(row, i, label) for i, row in enumerate(rows)]


_KIND_OF_HUB_ID = {
    hub_id: kind
    for kind, ids in HUB_SOURCES.items()
    for hub_id in (ids if isinstance(ids, list) else [ids])
}


def _part_from_name(name: str) -> str | None:
    match = re.search(r"-(I{1,2})(?:\.|$)", name)
    return match.group(1) if match else None


def _kind_from_columns(rows: list[dict], source) -> str:
    columns = set(rows[0]) if rows else set()
    for kind, needed in COLUMNS.items():  # the 2025 columns are a subset: checked last
        if needed <= columns:
            return kind
    raise ValueError(
        f"{source}: row 0 has columns {sorted(columns)}, which match no AIME source; "
        f"expected one of {[sorted(c) for c in COLUMNS.values()]}"
    )


def _from_csv_row(row: dict, i: int, source: str) -> AimeProblem:
    where = f"{source} row {i} (ID {row['ID']})"
    part = (row["Part"] or "").strip() or None  # empty before 2000; None from the hub loader
    if part not in (None, *PARTS):
        raise ValueError(f"{where}: Part {part!r} must be I, II or empty")
    return AimeProblem(
        year=_year(row["Year"], where),
        part=part,
        number=int(row["Problem Number"]),
        problem=row["Question"].strip(),
        answers=parse_answers(row["Answer"], where),
        solution=None,
        source=source,
    )


def _from_aimo_row(row: dict, i: int, source: str) -> AimeProblem:
    where = f"{source} row {i} (id {row['id']})"
    match = AOPS_URL.search(row["url"])
    if not match:
        raise ValueError(f"{where}: url {row['url']!r} does not name year, part and number")
    year, part, number = match.groups()
    return AimeProblem(
        year=_year(year, where),
        part=part,
        number=int(number),
        problem=row["problem"].strip(),
        answers=parse_answers(row["answer"], where),
        solution=(row["solution"] or "").strip() or None,
        source=source,
    )


def _from_2025_row(row: dict, i: int, part: str, source: str) -> AimeProblem:
    return AimeProblem(
        year=2025,
        part=part,
        number=i + 1,  # rows are in problem order
        problem=row["question"].strip(),
        answers=parse_answers(row["answer"], f"{source} row {i}"),
        solution=None,
        source=source,
    )


@dataclass
class MergeReport:
    per_source: dict[str, int] = field(default_factory=dict)  # problems read from each
    dropped: list[tuple[tuple, str]] = field(default_factory=list)  # (key, source dropped)
    conflicts: list[tuple] = field(default_factory=list)  # keys whose answers disagree
    total: int = 0

    def __str__(self) -> str:
        lines = [f"{n:>4} problems from {source}" for source, n in self.per_source.items()]
        lines.append(f"{len(self.dropped):>4} duplicates dropped (same year, part and number)")
        lines.append(f"{len(self.conflicts):>4} duplicates whose answers disagreed (all kept)")
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
    if year == 2025:
        return "test"
    if year in (2020, 2021):
        return "validation"
    return "train"


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass
class AimeSplits:
    train: list[AimeProblem]
    validation: list[AimeProblem]
    test: list[AimeProblem]
    report: MergeReport

    def counts(self) -> dict[str, int]:
        return {
            "train": len(self.train),
            "validation": len(self.validation),
            "test": len(self.test),
        }


def aime_splits(sources: dict | None = None, seed: int = 3407) -> AimeSplits:
    """Load, merge and split the three sources (``None``: the hub ids of ``HUB_SOURCES``)."""
    sources = sources or HUB_SOURCES
    parts_2025 = sources["aime_2025"]
    if len(parts_2025) != 2:
        raise ValueError("aime_2025 must list two sources: part I, then part II")
    collections = [
        load_aime(sources["aime_1983_2024"], "aime_1983_2024"),
        load_aime(sources["aimo_validation"], "aimo_validation"),
        *(load_aime(s, "aime_2025", part) for s, part in zip(parts_2025, PARTS, strict=True)),
    ]
    problems, report = merge(*collections)
    by_split = {"train": [], "validation": [], "test": []}
    for problem in problems:
        by_split[split_name(problem.year)].append(problem)
    random.Random(seed).shuffle(by_split["train"])  # spread the solution-bearing problems
    splits = AimeSplits(**by_split, report=report)
    check_disjoint(splits)
    return splits


def check_disjoint(splits: AimeSplits) -> None:
    """Raise if a problem (by key or by normalised text) is in two splits."""
    seen: dict = {}
    for name in ("train", "validation", "test"):
        for problem in getattr(splits, name):
            for mark in (problem.key, _normalise(problem.problem)):
                if seen.get(mark, name) != name:
                    raise ValueError(f"{problem.id} is in both {seen[mark]} and {name}")
                seen[mark] = name


def answer_range_counts(records: list[dict]) -> Counter:
    """How many extracted answers are missing, inside 0-999, or outside it."""

    def bucket(value):
        if value is None:
            return "no answer"
        return "in 0-999" if 0 <= value <= 999 else "outside 0-999"

    return Counter(bucket(record["extracted"]) for record in records)


def classify_aime_error(extracted: int | None, row: dict, truncated: bool) -> str | None:
    """None when correct, else: format, truncated, out_of_range (not 0-999), wrong."""
    if extracted in row["answers"]:
        return None
    if extracted is None:
        return "truncated" if truncated else "format"
    if not 0 <= extracted <= 999:
        return "out_of_range"
    return "wrong"
