r"""GSM8K (Hayes et al.): loading, gold answers, fixed few-shot exemplars, the validation split
held out of the training split (``split_train``), the readings of an answer, and the Task.

A row of ``openai/gsm8k`` (config ``main``):

    {"question": "A robe takes 2 bolts of blue fiber and half that much white fiber. ...",
     "answer": "It takes 2/2=<<2/2=1>>1 bolt of white fiber\n...\n#### 3"}

and, read into the course's schema (test, row 0), with a real output of SmolLM2-135M-Instruct
(greedy, 200 new tokens):

    row:    {"id": "gsm8k-test-0000", "question": "Janet's ducks lay 16 eggs per day. ...",
             "answer": 18}
    output: "Janet lays 16 eggs per day, so she lays 16 x 3 = 48 eggs per day. ... so she
             sells 720 x 2 = 1440 dollars per day.\n#### 1440\n#### 1440\n ... ####"
            -> extracted 1440 (strict), error "wrong"

The gold answer follows ``####``. A model's answer is read three ways and all are reported:
``strict`` (the number after the first ``#### ``), ``flexible`` (the last number in the
response) and ``boxed`` (the number in the last ``\boxed{}``, Qwen2.5-Math's convention).

``strict`` and ``flexible`` follow lm-evaluation-harness (``lm_eval/tasks/gsm8k/gsm8k.yaml``,
task version 3.0, and ``RegexFilter`` in ``lm_eval/filters/extraction.py``). Its filter keeps
``re.findall(pattern, response)[group_select]``, or ``"[invalid]"`` when nothing matches:
"strict-match" is ``#### (\-?[0-9\.\,]+)`` with the default ``group_select: 0``, the FIRST
match; "flexible-extract" is ``(-?[$0-9.,]{2,})|(-?[0-9]+)`` with ``group_select: -1``, the
LAST match. Its ``exact_match`` then compares *strings*, after deleting ``regexes_to_ignore``
(``","``, ``"\$"``, ``"(?s).*#### "``, ``"\.$"``) from the extraction and from the gold. So a
model that runs on after its answer and writes a second ``#### N`` for a follow-up question it
invented is graded on its first answer, there and here.

Where we differ, on purpose, since we compare *numbers*:

- ``#### 12.00`` is 12, correct against gold 12; lm-eval compares ``"12.00"`` with ``"12"``
  and counts it wrong, though the model's answer is right.
- ``flexible`` passes over a last match that is no number (the ``...`` of ``"18. Done..."``)
  to the number before it; lm-eval grades ``".."`` against the gold, wrong.
- U+2212 ``−5`` is -5 here; lm-eval's strict-match finds nothing after ``#### −`` and its
  flexible-extract reads 5, a sign lost that can grade a wrong answer correct.
- ``boxed`` reads LaTeX digit grouping (``14{,}916``, ``14\,916``) as 14916; ``strict`` and
  ``flexible`` keep lm-eval's patterns, which stop at the brace (``#### 14{,}916``: 14).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Number
from pathlib import Path

from helpers.files import read_jsonl
from helpers.grading import MINUS, extract_boxed
from helpers.runtime import REPO_ROOT, downloading
from helpers.tasks import Task

HUB_ID = "openai/gsm8k"
SIZES = {"train": 7473, "test": 1319}  # rows of openai/gsm8k (main), checked by the tests
# Problems held out of GSM8K train to compare runs (notebooks 04 and 06): 400 give a math
# accuracy near 50% a 95% interval of about +-5 points, and fit the plans in two T4 hours.
VALIDATION = 400
# The local stand-in for each split of the hub's data set, in its exact format (small, invented)
FIXTURE = {split: REPO_ROOT / "data" / "fixtures" / "gsm8k" / f"{split}.jsonl" for split in SIZES}
# Asks for GSM8K's own answer format, so strict extraction has something to find.
GSM8K_SYSTEM = (
    "Solve the math word problem step by step. "
    "On the last line, write #### followed by the final answer as a number."
)
CALCULATOR_NOTE = re.compile(r"<<[^>]*>>")  # GSM8K's "<<2/2=1>>" annotations
# lm-evaluation-harness gsm8k.yaml "strict-match", the first match read; U+2212 minus added.
STRICT = re.compile(r"#### ([-\u2212]?[0-9.,]+)")
# lm-evaluation-harness gsm8k.yaml "flexible-extract", the last match read; U+2212 minus added.
FLEXIBLE = re.compile(r"([-\u2212]?[$0-9.,]{2,})|([-\u2212]?[0-9]+)")
# Dropped before a number is read: commas wherever they are (lm-eval drops them too), "$",
# whitespace, and LaTeX digit grouping "{,}", "\," and "\!" (see helpers.grading).
_IGNORED = re.compile(r"[,$\s]|\{,\}|\\[,!;: ]")
# A decimal number, once those are gone: no exponent, "_", "inf" or "nan", which float() takes.
# (Not "\d+\.?\d*": on a long run of digits that fails at its end, that one backtracks
# quadratically.)
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def load_gsm8k(split: str, source: str | Path | None = None) -> list[dict]:
    """Rows of a split with ``id``, ``question``, ``answer`` (gold number) and ``target``
    (the worked answer without calculator notes). ``source``: a local JSON-lines file in the
    hub's format, or None for the hub's ``openai/gsm8k``, config ``main``. A row without a
    question, or without an answer ending in ``#### N``, stops with an error naming it."""
    if source is not None:
        raw, where = read_jsonl(Path(source)), str(source)
    else:
        from datasets import load_dataset

        with downloading(f"{HUB_ID} ({split})", f"the fixtures in {FIXTURE[split].parent}"):
            raw = list(load_dataset(HUB_ID, "main", split=split))
        where = f"{HUB_ID} ({split})"
    return [_read_row(row, split, where, i + 1) for i, row in enumerate(raw)]


def _read_row(row: dict, split: str, where: str, number: int) -> dict:
    """Row ``number`` (from 1, blank lines not counted) of ``where`` (a file or the hub), checked,
    with its gold answer."""
    fix = (
        "each row needs a non-empty text 'question' and an 'answer' ending in '#### N'; "
        f"fix or delete row {number}"
    )
    for key in ("question", "answer"):
        value = row.get(key)
        if not isinstance(value, str) or not value.strip():
            shown = "missing" if key not in row else repr(value)[:60]
            raise ValueError(f"{where}, row {number}: {key!r} is {shown}; {fix}")
    try:
        gold = gold_answer(row["answer"])
    except ValueError as error:
        raise ValueError(f"{where}, row {number}: {error}; {fix}") from None
    return {
        "id": f"gsm8k-{split}-{number - 1:04d}",
        "question": row["question"],
        "answer": gold,
        "target": CALCULATOR_NOTE.sub("", row["answer"]),
    }


def parse_number(text: str | None) -> int | float | None:
    """``"1,080"`` -> 1080, ``"$-3.50"`` -> -3.5, ``"7."`` -> 7, ``"−5"`` -> -5; None if it is
    no number.

    >>> parse_number("1,080"), parse_number("−3.50"), parse_number("abc")
    (1080, -3.5, None)
    """
    if text is None:
        return None
    cleaned = _IGNORED.sub("", text.replace(MINUS, "-")).rstrip(".")
    if not NUMBER.fullmatch(cleaned):
        return None
    value = float(cleaned)
    if not math.isfinite(value):  # digits past float's range: a runaway, not an answer
        return None
    return int(value) if value.is_integer() else value


def gold_answer(answer_text: str) -> int | float:
    """The number after ``####`` in a GSM8K answer.

    >>> gold_answer("He pays 2*3=<<2*3=6>>6 dollars.\\n#### 6")
    6
    >>> gold_answer("He pays 6 dollars.")
    Traceback (most recent call last):
    ...
    ValueError: no '#### N' line in answer 'He pays 6 dollars.': not a GSM8K answer
    """
    if "####" not in answer_text:
        raise ValueError(f"no '#### N' line in answer {answer_text[-80:]!r}: not a GSM8K answer")
    value = parse_number(answer_text.rsplit("####", 1)[1])
    if value is None:
        raise ValueError(f"the text after #### is not a number: {answer_text[-80:]!r}")
    return value


def extract_strict(response: str) -> int | float | None:
    """The number after the first ``#### `` (lm-evaluation-harness strict-match).

    >>> extract_strict("#### 18\\nQuestion: and in a week?\\n#### 126"), extract_strict("18")
    (18, None)
    """
    match = STRICT.search(response)
    return parse_number(match.group(1)) if match else None


def extract_flexible(response: str) -> int | float | None:
    """The last number anywhere in the response (lm-evaluation-harness flexible-extract).

    >>> extract_flexible("3 + 4 = 7, so 7 apples."), extract_flexible("no idea")
    (7, None)
    """
    for groups in reversed(FLEXIBLE.findall(response)):
        value = parse_number(next(g for g in groups if g))
        if value is not None:
            return value
    return None


def extract_boxed_number(response: str) -> int | float | None:
    r"""The number in the last ``\boxed{}``.

    >>> extract_boxed_number(r"so \boxed{14{,}916}."), extract_boxed_number(r"\boxed{x}")
    (14916, None)
    """
    return parse_number(extract_boxed(response))


# The readings by name: lm-evaluation-harness's two, and Qwen2.5-Math's boxed habit.
READINGS = {"strict": extract_strict, "flexible": extract_flexible, "boxed": extract_boxed_number}


def few_shot_exemplars(train: Sequence[dict], k: int) -> list[tuple[str, str]]:
    """The fixed exemplars: the first ``k`` training problems, always the same ones.

    The rule is simple on purpose: anyone can reproduce it, and the exemplars can never come
    from the test split, because they are taken from the training split only.
    """
    if k > len(train):
        raise ValueError(f"asked for {k} exemplars but the training split has {len(train)} rows")
    if any("-test-" in row["id"] for row in train[:k]):
        raise ValueError("exemplars must come from the training split, never from test")
    return [(row["question"], row["target"]) for row in train[:k]]


def normalise_question(text: str) -> str:
    """The question as compared for overlap: lower case, letters and digits only, single spaces.

    >>> normalise_question("  Tom has 3 apples.\\nHow many?")
    'tom has 3 apples how many'
    """
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


@dataclass(frozen=True)
class TrainSplit:
    """GSM8K's training split cut three ways: no row, and no question text, in two of them."""

    exemplars: list[dict]  # the fixed few-shot exemplars: the split's first rows
    validation: list[dict]  # held out to compare runs; the test split is touched once, at the end
    training: list[dict]  # what runs train on, in a seeded order (take a prefix for a subset)


def split_train(
    train: Sequence[dict], n_exemplars: int = 8, n_validation: int = VALIDATION, seed: int = 0
) -> TrainSplit:
    """The first ``n_exemplars`` rows are the exemplars; the rest are shuffled with ``seed``, the
    first ``n_validation`` validate, the others train. A row whose normalised question equals
    an exemplar's or a validation row's is dropped from training (GSM8K's training split has
    none; a file with duplicates stays honest)."""
    if n_exemplars + n_validation >= len(train):
        raise ValueError(
            f"{n_exemplars} exemplars + {n_validation} validation rows leave no training rows "
            f"of {len(train)}: ask for fewer validation rows"
        )
    rest = list(train[n_exemplars:])
    random.Random(seed).shuffle(rest)
    exemplars, validation = list(train[:n_exemplars]), rest[:n_validation]
    held_out = {normalise_question(row["question"]) for row in (*exemplars, *validation)}
    training = [r for r in rest[n_validation:] if normalise_question(r["question"]) not in held_out]
    return TrainSplit(exemplars, validation, training)


def correct_by_reading(records: Sequence[dict]) -> dict[str, tuple[int, int]]:
    """``{reading: (correct, n)}`` for saved GSM8K records (each with its ``gold`` number), so
    every reading's accuracy can carry its own interval.

    >>> correct_by_reading([{"gold": 7, "response": "#### 8\\nNo: 3 + 4 is 7."}])
    {'strict': (0, 1), 'flexible': (1, 1), 'boxed': (0, 1)}
    """
    counts = {}
    for reading, read in READINGS.items():
        values = [read(record["response"]) for record in records]
        right = sum(
            value is not None and is_close(value, record)
            for value, record in zip(values, records, strict=True)
        )
        counts[reading] = (right, len(records))
    return counts


def strict_counts(records: Sequence[dict]) -> tuple[int, int]:
    """``(correct, n)`` under the strict reading, the headline of notebooks 04 and 06: what
    ``wilson_interval`` and ``helpers.report.seed_vs_yours`` take.

    >>> strict_counts([{"gold": 7, "response": "#### 7"}, {"gold": 7, "response": "It is 7."}])
    (1, 2)
    """
    return correct_by_reading(records)["strict"]


def reading_table(records: Sequence[dict]) -> dict:
    """Accuracy under the strict and the flexible reading, each with its 95% interval, and n:
    one row of notebook 04's tables."""
    from helpers.statistics import wilson_interval

    row = {}
    for reading, (right, n) in correct_by_reading(records).items():
        if reading in ("strict", "flexible"):
            low, high = wilson_interval(right, n)
            row[reading] = right / n
            row[f"{reading} 95%"] = f"[{low:.3f}, {high:.3f}]"
    return row | {"n": len(records)}


def is_close(value: Number, row: dict) -> bool:
    """A read answer equals the gold one, of a data row or of a saved record."""
    gold = row["answer"] if "answer" in row else row["gold"]
    return abs(value - gold) < 1e-6


def gsm8k_task(reading: str = "flexible", exemplars: Sequence[tuple[str, str]] = ()) -> Task:
    """GSM8K graded by one reading of the answer (``correct_by_reading`` counts them all)."""
    if reading not in READINGS:
        raise ValueError(f"unknown reading {reading!r}: choose one of {sorted(READINGS)}")
    return Task(
        name="gsm8k",  # the reading changes the grading, not the text the model is shown
        system=GSM8K_SYSTEM,
        read=READINGS[reading],
        is_right=is_close,
        wrong_kind=lambda value, row: "wrong",
        wrong_kinds=("wrong",),
        answer_types=(int, float),
    ).with_prompt(exemplars=exemplars)


GSM8K = gsm8k_task()
