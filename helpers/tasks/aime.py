r"""Three AIME sources merged into one schema and split as in Part II of the Ely report.

The sources, by their key in ``HUB_SOURCES`` (hub id, config: what a row looks like):

- ``aime_1983_2024``: ``di-zhang-fdu/AIME_1983_2024`` (one CSV, CRLF line ends): ``ID=2022-II-8,
  Year=2022, Problem Number=8, Question=..., Answer="080 or 081 (both were accepted)",
  Part=II``; Part is empty before 2000, some years are incomplete, 2024 has part II only.
- ``aimo_validation``: ``AI-MO/aimo-validation-aime`` (2022-2024, with solutions): ``id=0,
  problem=..., solution=..., answer="033", url=.../2022_AIME_I_Problems/Problem_1``; the url
  names year, part and number.
- ``aime_2025``: ``opencompass/AIME2025``, configs ``AIME2025-I`` and ``AIME2025-II`` (split
  ``test``): ``question, answer``, 15 rows each, in problem order. No row names its part: it is
  the key its source has in ``sources["aime_2025"]``.

A source is a hub ``(id, config)`` pair or a local ``.csv``/``.jsonl`` file in its data set's
format. Rows are checked as they are read: an error names the file, the row and the fix.

The Task (``AIME``) reads the integer in the last ``\boxed{}`` and accepts any one of a
problem's accepted answers. One real row (``AI-MO/aimo-validation-aime``, 2022 I problem 1) and
one real output (SmolLM2-135M-Instruct, greedy, 200 new tokens):

    row:    {"id": "2022-I-1", "question": "Quadratic polynomials $P(x)$ and $Q(x)$ have
             leading coefficients $2$ and $-2,$ ...", "answer": 116, "answers": [116]}
    output: "To find $P(0) + Q(0),$ we need to find the equation of the parabola ... at the
             point $("  -> cut off at 200 tokens, no box: error "truncated"

Merging the sources and splitting them by year (train = 1983-2019 and 2022-2024, the only years
with worked solutions; validation = 2020-2021; test = 2025; 890 / 60 / 30 on the hub's data) is
``helpers.tasks.aime_splits``; the training targets' cleaning, ``helpers.tasks.aime_solutions``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from helpers.files import check_unique_ids, read_csv, read_jsonl
from helpers.grading import extract_integer
from helpers.prompts import SYSTEM_PROMPT
from helpers.runtime import REPO_ROOT, downloading
from helpers.tasks import Task
from helpers.tasks.aime_solutions import clean_solution

HUB_SOURCES = {  # kind: (hub id, config); aime_2025: one per part, keyed by the part
    "aime_1983_2024": ("di-zhang-fdu/AIME_1983_2024", None),
    "aimo_validation": ("AI-MO/aimo-validation-aime", None),
    "aime_2025": {
        "I": ("opencompass/AIME2025", "AIME2025-I"),
        "II": ("opencompass/AIME2025", "AIME2025-II"),
    },
}
HUB_SPLIT = {"aime_1983_2024": "train", "aimo_validation": "train", "aime_2025": "test"}
_FIXTURES = REPO_ROOT / "data" / "fixtures" / "aime"
FIXTURE = {  # HUB_SOURCES' shape: small invented files in each data set's exact format
    "aime_1983_2024": _FIXTURES / "AIME_Dataset_1983_2024.csv",
    "aimo_validation": _FIXTURES / "aimo-validation-aime.jsonl",
    "aime_2025": {"I": _FIXTURES / "aime2025-I.jsonl", "II": _FIXTURES / "aime2025-II.jsonl"},
}
COLUMNS = {
    "aime_1983_2024": ["Answer", "ID", "Part", "Problem Number", "Question", "Year"],
    "aimo_validation": ["answer", "id", "problem", "solution", "url"],
    "aime_2025": ["answer", "question"],
}
PARTS = ("I", "II")
SPLITS = ("train", "validation", "test")
EXAM_SIZE = 15  # problems in one AIME exam (one part, from 2000 on)
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

    def __str__(self) -> str:
        """The problem as a reader looks at it: where it is from, what it accepts, its text.

        >>> print(AimeProblem(2022, "II", 8, "Find N.", frozenset({80, 81}), None, "aime.csv"))
        2022-II-8 (from aime.csv): accepts 80 or 81, no worked solution
        Find N.
        """
        answers = " or ".join(map(str, sorted(self.answers)))
        solution = "with a worked solution" if self.solution else "no worked solution"
        return f"{self.id} (from {self.source}): accepts {answers}, {solution}\n{self.problem}"

    @property
    def target(self) -> str:
        r"""The training target: the first solution (if any; cleaned by ``clean_solution``: no
        signatures, no boxes), then the report's line "The final answer is \boxed{N}"."""
        final = FINAL_LINE.format(self.answer)
        solution = clean_solution(self.solution or "")
        return f"{solution}\n\n{final}" if solution else final

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


def load_aime(source, kind: str, part: str | None = None) -> list[AimeProblem]:
    """Problems of one source: a hub ``(id, config)`` pair, or a local file in its format.

    ``kind`` is the key of ``HUB_SOURCES`` whose data set the source is; ``part`` ("I" or "II")
    is given for an ``aime_2025`` source (one file or config a part), and only for one.
    """
    if kind not in HUB_SOURCES:
        raise ValueError(f"kind {kind!r} is not one of {[*HUB_SOURCES]}: pass a key of HUB_SOURCES")
    if kind == "aime_2025" and part not in PARTS:
        raise ValueError(
            f"an aime_2025 source is one part: pass part='I' or part='II', not {part!r}"
        )
    if kind != "aime_2025" and part is not None:
        raise ValueError(f"part={part!r}: only aime_2025 takes a part ({kind} rows name theirs)")
    rows, label = _read_rows(source, kind)
    _check_rows(rows, kind, label)
    parse = {"aime_1983_2024": _from_csv_row, "aimo_validation": _from_aimo_row}.get(kind)
    parse = parse or partial(_from_2025_row, part=part)
    problems = [parse(row, i, label) for i, row in enumerate(rows)]
    check_unique_ids([{"id": p.id} for p in problems], f"{label} (an id is year-part-number)")
    return problems


def _read_rows(source, kind: str) -> tuple[list[dict], str]:
    """The rows of a hub ``(id, config)`` pair or of a local file, and a label for messages."""
    if isinstance(source, tuple):
        from datasets import load_dataset  # imported only here: it is slow to import

        hub_id, config = source
        label = hub_id if config is None else f"{hub_id}:{config}"
        with downloading(f"the AIME source {label}", f"the fixtures in {_FIXTURES}"):
            rows = list(load_dataset(hub_id, config, split=HUB_SPLIT[kind]))
        return rows, label
    path = Path(source)
    if not path.is_file() or path.suffix not in (".csv", ".jsonl"):
        raise ValueError(f"no .csv/.jsonl file at {source}; a hub source is an (id, config) pair")
    rows = read_csv(path, COLUMNS[kind]) if path.suffix == ".csv" else read_jsonl(path)
    return rows, path.name


def _check_rows(rows: list[dict], kind: str, label: str) -> None:
    """Every row has the kind's columns; an aime_2025 part has at most one exam's 15 problems.

    Fewer is allowed: the fixtures hold 3 a part, and ``merge``'s report prints every count.
    """
    if not rows:
        raise ValueError(f"{label}: no rows; an empty file (a download cut short?): fetch it again")
    for i, row in enumerate(rows):
        if missing := [column for column in COLUMNS[kind] if column not in row]:
            raise ValueError(f"{label} row {i}: lacks columns {missing}; add them or check kind")
    if kind == "aime_2025" and len(rows) > EXAM_SIZE:
        raise ValueError(
            f"{label}: {len(rows)} rows, but an AIME exam has {EXAM_SIZE} problems: both parts "
            "in one file? Give each part its own file"
        )


def _problem(where: str, source: str, year, part, number, problem, answer, solution=None):
    """An ``AimeProblem`` from a row's raw fields, each checked."""
    text = str(problem or "").strip()
    if not text:
        raise ValueError(f"{where}: the problem text is empty; fill it in or delete the row")
    return AimeProblem(
        year=_integer(year, "year", YEARS, where),
        part=part,
        number=_integer(number, "problem number", range(1, EXAM_SIZE + 1), where),
        problem=text,
        answers=parse_answers(answer, where),
        solution=str(solution or "").strip() or None,
        source=source,
    )


def _integer(value, name: str, allowed: range, where: str) -> int:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or int(text) not in allowed:
        raise ValueError(
            f"{where}: {name} is {value!r}, not an integer from {allowed[0]} to {allowed[-1]}; "
            f"fix that row's {name}"
        )
    return int(text)


def _from_csv_row(row: dict, i: int, source: str) -> AimeProblem:
    where = f"{source} row {i} (ID {row['ID']})"
    part = (row["Part"] or "").strip() or None  # None from the hub loader
    year = _integer(row["Year"], "year", YEARS, where)
    if part not in ((None,) if year < 2000 else PARTS):
        raise ValueError(f"{where}: Part is {part!r}; set it empty before 2000, I or II from 2000")
    fields = row["Problem Number"], row["Question"], row["Answer"]
    return _problem(where, source, year, part, *fields)


def _from_aimo_row(row: dict, i: int, source: str) -> AimeProblem:
    where = f"{source} row {i} (id {row['id']})"
    match = AOPS_URL.search(str(row["url"]))
    if not match:
        raise ValueError(f"{where}: url {row['url']!r} does not name year, part and number")
    fields = row["problem"], row["answer"], row["solution"]
    return _problem(where, source, *match.groups(), *fields)


def _from_2025_row(row: dict, i: int, source: str, part: str) -> AimeProblem:
    # rows are in problem order: row i is problem i + 1
    return _problem(f"{source} row {i}", source, 2025, part, i + 1, row["question"], row["answer"])


def aime_error(extracted: int, row: dict) -> str:
    """out_of_range (no AIME answer lies outside 0-999), or wrong."""
    return "wrong" if 0 <= extracted <= 999 else "out_of_range"


AIME = Task(
    name="aime",
    system=SYSTEM_PROMPT,
    read=extract_integer,
    is_right=lambda value, row: value in row["answers"],
    wrong_kind=aime_error,
    wrong_kinds=("out_of_range", "wrong"),
    answer_types=(int,),
)
