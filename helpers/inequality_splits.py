r"""The inequality data sets: unique problems in seeded, disjoint splits, their files, and the
constant-answer baseline to beat.

``data/inequalities/`` holds ``{split}_{size}.jsonl`` for every split and size of
``FILE_SIZES``, written by ``write_splits`` from ``SEED``. A row of ``val_40.jsonl``, abridged:

    {"id": "val-0001", "question": "For how many integers $x$ in the range $[-50, 50]$ is the
     inequality $-3x + 7 < 4$ satisfied?", "answer": 49, "solution": "Move every $x$ term to
     the left ...\n\\boxed{49}", "boxed_answer": "\\boxed{49}", "lo": -50, "hi": 50, ...}

>>> row = load_split("val", 40)[1]
>>> row["answer"], row["boxed_answer"], count_solutions(from_row(row))
(49, '\\boxed{49}', 49)
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from helpers.files import (
    check_rows_are_dicts,
    check_unique_ids,
    read_jsonl,
    write_text_atomically,
)
from helpers.inequalities import (
    FAITHFUL,
    GeneratorSettings,
    Inequality,
    canonical_form,
    count_solutions,
    sample_inequality,
    worked_solution,
)
from helpers.runtime import REPO_ROOT

DATA_DIR = REPO_ROOT / "data" / "inequalities"
SEED = 20251201  # the seed of the committed data files; the regeneration test uses it
SPLIT_SIZES = {"test": 400, "val": 400, "train": 2000}
# Beyond the seed: problems whose canonical form (``canonical_form``) no training problem has,
# so a model cannot answer them by recalling a training twin. Drawn after the splits above,
# from their own seed; each form belongs to one of the two novel splits only.
NOVEL_SIZES = {"val_novel": 400, "test_novel": 400}
NOVEL_SEED = SEED + 1
# Files written for each split: the seed's sizes (train 400, val/test 40) are prefixes of ours.
FILE_SIZES = {
    "train": (400, 2000),
    "val": (40, 400),
    "test": (40, 400),
    "val_novel": (400,),
    "test_novel": (400,),
}


def generate_unique(
    n: int, settings: GeneratorSettings = FAITHFUL, *, seed: int
) -> list[Inequality]:
    """``n`` distinct problems (no two with the same ``key()``), reproducible from ``seed``."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n={n!r}: ask for a whole number of problems, 0 or more")
    available = settings.n_unique()
    if n > available:
        raise ValueError(
            f"asked for {n} unique problems but these settings allow only {available}: "
            f"ask for fewer or widen coef_range, const_range or the ranges"
        )
    rng = random.Random(seed)
    seen: set[tuple] = set()
    problems = []
    while len(problems) < n:
        ineq = sample_inequality(rng, settings)
        if ineq.key() not in seen:
            seen.add(ineq.key())
            problems.append(ineq)
    return problems


def make_splits(
    settings: GeneratorSettings = FAITHFUL, seed: int = SEED
) -> dict[str, list[Inequality]]:
    """Disjoint test / val / train problems, drawn in one deduplicated stream."""
    problems = generate_unique(sum(SPLIT_SIZES.values()), settings, seed=seed)
    splits, start = {}, 0
    for name, size in SPLIT_SIZES.items():
        splits[name] = problems[start : start + size]
        start += size
    return splits


def to_row(ineq: Inequality, row_id: str) -> dict:
    """A JSON-ready record: the question, the exact answer, both training targets, the parts."""
    answer = count_solutions(ineq)
    return {
        "id": row_id,
        "question": ineq.question,
        "answer": answer,
        "solution": worked_solution(ineq),  # worked target (Model D)
        "boxed_answer": rf"\boxed{{{answer}}}",  # the seed's answer-only target (Models A-C)
        "lo": ineq.lo,
        "hi": ineq.hi,
        "lhs": ineq.lhs,
        "op": ineq.op,
        "rhs": ineq.rhs,
        "a1": ineq.a1,
        "b1": ineq.b1,
        "a2": ineq.a2,
        "b2": ineq.b2,
    }


PARTS = ("a1", "b1", "op", "a2", "b2", "lo", "hi")  # the fields of a row that make its problem


def from_row(row: dict) -> Inequality:
    """The problem of a row written by ``to_row``; a row without its parts, or with parts that
    are no problem (numbers stored as text), is an error naming the row."""
    missing = [k for k in PARTS if k not in row]
    if missing:
        raise ValueError(
            f"row {row.get('id')!r} lacks {missing}: it is not an inequality row (load one with "
            "load_split, or write it with to_row)"
        )
    try:
        return Inequality(*(row[k] for k in PARTS))
    except ValueError as error:
        raise ValueError(f"row {row.get('id')!r}: {error}") from None


def make_novel_splits(
    existing: dict[str, list[Inequality]],
    settings: GeneratorSettings = FAITHFUL,
    seed: int = NOVEL_SEED,
) -> dict[str, list[Inequality]]:
    """Problems of ``settings`` whose canonical form no training problem of ``existing`` has,
    and that are none of its problems. The first time a form is drawn, a coin decides which
    novel split owns it, so no form is in both."""
    known = {canonical_form(p) for p in existing["train"]}
    rng = random.Random(seed)
    owner: dict[tuple, str] = {}
    splits: dict[str, list[Inequality]] = {name: [] for name in NOVEL_SIZES}
    seen = {p.key() for problems in existing.values() for p in problems}
    # Every problem comes up once in n_draws() draws on average: after ten times that many
    # draws with no new novel problem, none is left to find (or one in e^10 is missed).
    give_up, stalled = 10 * settings.n_draws(), 0
    while any(len(splits[name]) < size for name, size in NOVEL_SIZES.items()):
        if stalled == give_up:
            _no_more_novel(splits, give_up)
        stalled += 1
        ineq = sample_inequality(rng, settings)
        form = canonical_form(ineq)
        if form in known or ineq.key() in seen:
            continue
        name = owner.setdefault(form, rng.choice(sorted(NOVEL_SIZES)))
        if len(splits[name]) < NOVEL_SIZES[name]:
            splits[name].append(ineq)
            seen.add(ineq.key())
            stalled = 0
    return splits


def _no_more_novel(splits: dict[str, list[Inequality]], draws: int) -> None:
    found = ", ".join(f"{name} {len(splits[name])} of {size}" for name, size in NOVEL_SIZES.items())
    raise ValueError(
        f"the generator settings have too few problems whose canonical form no training problem "
        f"has: found {found}, then none new in {draws:,} draws. Widen coef_range or const_range "
        "(more bounds x < B/A, so more forms) or lo_range and hi_range (more ranges)"
    )


def split_files(settings: GeneratorSettings = FAITHFUL, seed: int = SEED) -> dict[str, str]:
    """The text of every ``{split}_{size}.jsonl`` file, by file name."""
    texts = {}
    splits = make_splits(settings, seed)
    splits |= make_novel_splits(splits, settings, seed + 1)
    for split, problems in splits.items():
        rows = [to_row(p, f"{split}-{i:04d}") for i, p in enumerate(problems)]
        for size in FILE_SIZES[split]:
            lines = (json.dumps(row, ensure_ascii=False) + "\n" for row in rows[:size])
            texts[f"{split}_{size}.jsonl"] = "".join(lines)
    return texts


def write_splits(
    directory: Path,
    settings: GeneratorSettings = FAITHFUL,
    seed: int = SEED,
    overwrite: bool = False,
) -> list[Path]:
    """Write ``{split}_{size}.jsonl`` for every split and size into ``directory``; return the
    paths. An existing file with other content is an error unless ``overwrite=True`` (nothing
    is written then); one with the same bytes is left as it is."""
    directory = Path(directory)
    texts = {directory / name: text for name, text in split_files(settings, seed).items()}
    same = {path for path, text in texts.items() if _holds(path, text)}
    changed = [path for path in texts if path.exists() and path not in same]
    if changed and not overwrite:
        committed = " (the committed data files)" if directory.resolve() == DATA_DIR else ""
        raise FileExistsError(
            f"write_splits would change {len(changed)} existing files in {directory}"
            f"{committed}: {', '.join(path.name for path in changed)}. Write into a new "
            "directory, or pass overwrite=True to replace them"
        )
    directory.mkdir(parents=True, exist_ok=True)
    for path, text in texts.items():
        if path not in same:
            write_text_atomically(path, text)
    return list(texts)


def _holds(path: Path, text: str) -> bool:
    return path.is_file() and path.read_bytes() == text.encode("utf-8")


def load_split(split: str, size: int, directory: Path = DATA_DIR) -> list[dict]:
    """Rows of ``{split}_{size}.jsonl``, e.g. ``load_split("val", 40)``, checked: unique ids,
    and as many rows as the name says."""
    if not isinstance(split, str) or isinstance(size, bool) or not isinstance(size, int):
        raise ValueError(
            f"load_split({split!r}, {size!r}): name the split as text and its size as a whole "
            "number, e.g. load_split('val', 40)"
        )
    path = Path(directory) / f"{split}_{size}.jsonl"
    if not path.exists():
        choices = ", ".join(f"{s}_{n}" for s, sizes in FILE_SIZES.items() for n in sizes)
        sizes = FILE_SIZES.get(split)
        known = f"{split} comes in sizes {' and '.join(map(str, sizes))}; " if sizes else ""
        raise FileNotFoundError(
            f"{path} not found: {known}choose one of {choices} "
            "(write_splits(directory) writes them all to a new directory)"
        )
    rows = read_jsonl(path)
    check_unique_ids(rows, where=str(path))
    if len(rows) != size:
        raise ValueError(
            f"{path} holds {len(rows)} rows, not {size}: it was cut short or added to; write it "
            "again with write_splits (or restore the committed file with git checkout)"
        )
    return rows


def answer_histogram(rows: Iterable[dict]) -> Counter:
    """How often each answer occurs."""
    return Counter(row["answer"] for row in rows)


def _answers(rows: Sequence[dict], where: str) -> list[int]:
    """The rows' answers, each an int: an answer stored as text ("48") never equals a count,
    so a baseline or a twin's answer computed from it would be silently wrong."""
    check_rows_are_dicts(rows, where)
    answers = [row.get("answer") for row in rows]
    for i, answer in enumerate(answers):
        if isinstance(answer, bool) or not isinstance(answer, int):
            raise ValueError(
                f"{where}: row {i} ({rows[i].get('id')!r}) has answer {answer!r}, not an int; "
                "store each answer as a number (int(row['answer'])), as load_split returns them"
            )
    return answers


def constant_baseline(train: Sequence[dict], evaluate_on: Sequence[dict]) -> tuple[int, float]:
    """The most common training answer, and the accuracy of always answering it.

    >>> train = [{"answer": 51}, {"answer": 51}, {"answer": 0}]
    >>> constant_baseline(train, evaluate_on=[{"answer": 51}, {"answer": 3}])
    (51, 0.5)
    """
    train_answers = _answers(train, "constant_baseline (train)")
    answers = _answers(evaluate_on, "constant_baseline (evaluate_on)")
    if not train_answers:
        raise ValueError("no training rows: the constant baseline needs answers to count")
    if not answers:
        raise ValueError("no rows to evaluate on: an accuracy over 0 rows is undefined")
    answer = Counter(train_answers).most_common(1)[0][0]
    return answer, answers.count(answer) / len(answers)


def twin_answers(train: Sequence[dict]) -> dict[tuple, int]:
    """The answer of each canonical form among the training rows (twins share it)."""
    answers: dict[tuple, int] = {}
    _answers(train, "twin_answers (train)")
    for row in train:
        form = canonical_form(from_row(row))
        if answers.setdefault(form, row["answer"]) != row["answer"]:
            raise ValueError(f"training twins disagree on {form}: check the answers of the file")
    return answers


def has_twin(rows: Sequence[dict], train: Sequence[dict]) -> list[bool]:
    """For each row, whether a training row has its canonical form (the same problem after one
    line of algebra)."""
    forms = twin_answers(train)
    return [canonical_form(from_row(row)) in forms for row in rows]


def lookup_baseline(train: Sequence[dict], evaluate_on: Sequence[dict]) -> float:
    """The accuracy of answering with the training twin's answer, else the most common
    training answer: what memorising the training set, without any reasoning, scores.

    >>> train = load_split("train", 2000)
    >>> round(lookup_baseline(train, load_split("test", 400)), 2)
    0.87
    """
    answers = twin_answers(train)
    fallback, _ = constant_baseline(train, evaluate_on)
    hits = [
        answers.get(canonical_form(from_row(row)), fallback) == row["answer"] for row in evaluate_on
    ]
    return sum(hits) / len(hits)
