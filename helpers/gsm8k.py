r"""GSM8K: loading, gold answers, fixed few-shot exemplars, and answer extraction.

A row of ``openai/gsm8k`` (config ``main``):

    {"question": "A robe takes 2 bolts of blue fiber and half that much white fiber. ...",
     "answer": "It takes 2/2=<<2/2=1>>1 bolt of white fiber\n...\n#### 3"}

The gold answer follows ``####``. A model's answer is read three ways and all are reported:
``strict`` (after ``####``, lm-evaluation-harness "strict-match"), ``flexible`` (the last number
in the response, its "flexible-extract") and ``boxed`` (the last ``\boxed{}``, Qwen2.5-Math).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from helpers.grading import extract_boxed

HUB_ID = "openai/gsm8k"
FIXTURES = Path(__file__).resolve().parent.parent / "data" / "fixtures" / "gsm8k"
FIXTURE_FILES = {"train": FIXTURES / "train.jsonl", "test": FIXTURES / "test.jsonl"}
# Asks for GSM8K's own answer format, so strict extraction has something to find.
GSM8K_SYSTEM = (
    "Solve the math word problem step by step. "
    "On the last line, write #### followed by the final answer as a number."
)
CALCULATOR_NOTE = re.compile(r"<<[^>]*>>")  # GSM8K's "<<2/2=1>>" annotations
# lm-evaluation-harness, tasks/gsm8k: "strict-match" and "flexible-extract" (last match).
STRICT = re.compile(r"#### (\-?[0-9\.\,]+)")
FLEXIBLE = re.compile(r"(-?[$0-9.,]{2,})|(-?[0-9]+)")


def load_gsm8k(split: str, source: str | Path | None = None) -> list[dict]:
    """Rows of a split with ``id``, ``question``, ``answer`` (gold number) and ``target``
    (the worked answer without calculator notes). ``source``: a local JSON-lines file in the
    hub's format, or None for the hub's ``openai/gsm8k``, config ``main``."""
    if source is not None:
        with Path(source).open(encoding="utf-8") as f:
            raw = [json.loads(line) for line in f if line.strip()]
    else:
        from datasets import load_dataset

        raw = list(load_dataset(HUB_ID, "main", split=split))
    rows = []
    for i, row in enumerate(raw):
        missing = {"question", "answer"} - set(row)
        if missing:
            raise ValueError(f"{source or HUB_ID} row {i} lacks {sorted(missing)}: not GSM8K")
        rows.append(
            {
                "id": f"gsm8k-{split}-{i:04d}",
                "question": row["question"],
                "answer": gold_answer(row["answer"]),
                "target": CALCULATOR_NOTE.sub("", row["answer"]),
            }
        )
    return rows


def parse_number(text: str | None) -> int | float | None:
    """``"1,080"`` -> 1080, ``"$-3.50"`` -> -3.5, ``"7."`` -> 7; None if it is no number.

    >>> parse_number("1,080"), parse_number("-3.50"), parse_number("abc")
    (1080, -3.5, None)
    """
    if text is None:
        return None
    cleaned = text.replace(",", "").replace("$", "").strip().rstrip(".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return int(value) if value.is_integer() else value


def gold_answer(answer_text: str) -> int | float:
    """The number after ``####`` in a GSM8K answer.

    >>> gold_answer("He pays 2*3=<<2*3=6>>6 dollars.\\n#### 6")
    6
    """
    if "####" not in answer_text:
        raise ValueError(f"no '#### N' line in answer {answer_text[-80:]!r}: not a GSM8K answer")
    value = parse_number(answer_text.rsplit("####", 1)[1])
    if value is None:
        raise ValueError(f"the text after #### is not a number: {answer_text[-80:]!r}")
    return value


def extract_strict(response: str) -> int | float | None:
    """The number after the last ``#### `` (lm-evaluation-harness strict-match)."""
    matches = STRICT.findall(response)
    return parse_number(matches[-1]) if matches else None


def extract_flexible(response: str) -> int | float | None:
    """The last number anywhere in the response (lm-evaluation-harness flexible-extract)."""
    for groups in reversed(FLEXIBLE.findall(response)):
        value = parse_number(next(g for g in groups if g))
        if value is not None:
            return value
    return None


def extract_boxed_number(response: str) -> int | float | None:
    r"""The number in the last ``\boxed{}``."""
    return parse_number(extract_boxed(response))


EXTRACTORS = {"strict": extract_strict, "flexible": extract_flexible, "boxed": extract_boxed_number}


def classify_gsm8k_error(extracted, row: dict, truncated: bool) -> str | None:
    """None when correct, else: truncated or format (no number), wrong."""
    if extracted is not None and abs(extracted - row["answer"]) < 1e-6:
        return None
    if extracted is None:
        return "truncated" if truncated else "format"
    return "wrong"


def score_modes(records: Sequence[dict]) -> dict[str, float]:
    """Accuracy of the saved responses under each extraction mode."""
    scores = {}
    for mode, extract in EXTRACTORS.items():
        correct = [
            classify_gsm8k_error(extract(r["response"]), {"answer": r["gold"]}, False) is None
            for r in records
        ]
        scores[mode] = sum(correct) / len(records)
    return scores


def few_shot_examples(train: Sequence[dict], k: int) -> list[tuple[str, str]]:
    """The fixed exemplars: the first ``k`` training problems, always the same ones.

    The rule is simple on purpose: anyone can reproduce it, and the exemplars can never come
    from the test split, because they are taken from the training split only.
    """
    if k > len(train):
        raise ValueError(f"asked for {k} exemplars but the training split has {len(train)} rows")
    if any("-test-" in row["id"] for row in train[:k]):
        raise ValueError("exemplars must come from the training split, never from test")
    return [(row["question"], row["target"]) for row in train[:k]]
