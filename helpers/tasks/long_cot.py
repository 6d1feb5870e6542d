r"""Long chain-of-thought training targets from Sky-T1's data, read into the course's training
rows: the third target of the GSM8K experiment (final number only / GSM8K's short worked
solution / a long trace).

``NovaSky-AI/Sky-T1_data_17k`` is one JSON file, ``Sky-T1_data_17k.json``: an array of 16.4k
records (5k coding problems from APPs and TACO, 10k math problems from NuminaMath's AIME, MATH
and olympiads subsets, 1k science and puzzles from STILL-2). QwQ-32B-Preview wrote the traces,
only correct ones were kept, and GPT-4o-mini rewrote each into two marked sections. A math
record as SkyThought's ``scripts/convert_to_data.py`` writes it (``data/fixtures/long_cot/`` holds
invented ones; text cut here):

    {"system": "Your role as an assistant involves thoroughly exploring questions through a
                systematic long thinking process ... Now, try to solve the following question
                through the above guidelines:",
     "conversations": [
        {"from": "user", "value": "Return your final response within \\boxed{{}}. A bakery
                sells muffins for $3 each ..."},
        {"from": "assistant", "value": "<|begin_of_thought|>\n\nOkay, so I need to find ...
                Wait, let me re-check the cookie count ...\n\n<|end_of_thought|>\n\n
                <|begin_of_solution|>\n\n... $$\\boxed{336}$$\n\n<|end_of_solution|>"}]}

becomes the row

    {"id": "sky-t1-00000", "question": "A bakery sells muffins for $3 each ...", "answer": 336,
     "target": "Okay, so I need to find ... $$\\boxed{336}$$\n#### 336"}

The choices, and why:

- Math only: a record is math when its user turn starts with the instruction SkyThought's
  NUMINA task handler puts before every math problem (its source doubles the braces and never
  formats the string, so the data reads ``\boxed{{}}``; ``\boxed{}`` is accepted too). Coding
  and STILL-2 records lack it and are dropped as "not math", even with a boxed number.
- The answer is the integer in the trace's last ``\boxed{}``, which ends the solution section
  (Sky-T1 kept a trace only when that box matched the reference). No box: "no boxed answer";
  a box that is no integer (``\frac{7}{2}``, a letter choice): "not an integer".
- The markers go, the text stays: exploration, a blank line, the clean solution, then
  ``#### N``. The markers are Sky-T1's format, not tokens of Qwen2.5's vocabulary (each splits
  into several pieces); GSM8K's prompt never asks for them, and the other two targets carry no
  markup, so the length of the reasoning is all that changes between the three.
- A run of four or more ``#`` in the trace (a Markdown heading such as ``#### 1. Adult
  tickets``) becomes ``###``: GSM8K's strict reading takes the FIRST ``#### `` it finds, and a
  model taught such headings would be read as answering "1".
- The record's system prompt and the user turn's instruction are not kept: training uses the
  task's own system prompt (``helpers.tasks.gsm8k.GSM8K_SYSTEM``), the same for all three targets.

Licence: Apache-2.0, the licence tag of the data set's card (``LICENCE``).

    rows, dropped = load_long_cot(profile.pick(LONG_COT_SOURCE, FIXTURE))
    chosen = select(rows, n=200, max_tokens=MAX_TOKENS, tokenizer=tokenizer, task=GSM8K)
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from itertools import islice
from pathlib import Path

from helpers.files import read_jsonl
from helpers.grading import extract_boxed, parse_integer
from helpers.runtime import REPO_ROOT, downloading

LONG_COT_SOURCE = "NovaSky-AI/Sky-T1_data_17k"
LICENCE = (
    "Apache-2.0, as tagged on the data set's card, "
    "https://huggingface.co/datasets/NovaSky-AI/Sky-T1_data_17k"
)
FIXTURE = REPO_ROOT / "data" / "fixtures" / "long_cot" / "Sky-T1_data_17k.json"
# Prompt and trace; a longer row is skipped, not cut: a cut trace loses its "#### N" line.
MAX_TOKENS = 4096
DROP_REASONS = ("not math", "empty", "no boxed answer", "not an integer")
# The instruction before every math problem (SkyThought, skythought/tools/util/task_handlers.py,
# NUMINATaskHandler.generate_prompt, at the Sky-T1 commit 0751518).
MATH_PROMPT = re.compile(r"Return your final response within \\boxed\{\{?\}\}?\.?\s*")
# Sky-T1's section markers, <|begin_of_thought|> to <|end_of_solution|> (its rewriting prompt
# also names <|begin_of_slow_thought|>): a run of them and the blank space after and between
# them. The space before a run is stripped apart (plain_trace): a pattern starting with "\s*"
# would rescan every long run of spaces from each of its positions, quadratic in its length.
MARKERS = re.compile(r"<\|(?:begin|end)_of_[a-z_]+\|>(?:\s*<\|(?:begin|end)_of_[a-z_]+\|>)*\s*")
HEADING = re.compile(r"#{4,}")  # a Markdown heading of level 4+: "####" would read as an answer


def load_long_cot(
    source: str | Path = LONG_COT_SOURCE, limit: int | None = None
) -> tuple[list[dict], dict[str, int]]:
    """The math rows of Sky-T1's first ``limit`` records (all if None), and how many records
    each reason in ``DROP_REASONS`` dropped. ``source``: the hub id, or a local ``.json`` file
    (the hub's array) or ``.jsonl`` file (a record a line). A record without a user and an
    assistant turn stops with an error naming it."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValueError(f"limit={limit!r}: pass a whole number of records (0 or more), or None")
    records, where = _read_records(source)
    rows, dropped = [], dict.fromkeys(DROP_REASONS, 0)
    for index, record in enumerate(islice(records, limit)):
        row = to_row(index, *_turns(record, where, index))
        if isinstance(row, str):
            dropped[row] += 1
        else:
            rows.append(row)
    return rows, dropped


def _read_records(source: str | Path) -> tuple[Sequence, str]:
    """The records of a local file or of the hub's train split, and a label for messages."""
    if not isinstance(source, Path) and not str(source).endswith((".json", ".jsonl")):
        from datasets import load_dataset  # imported only here: it is slow to import

        with downloading(f"the long chain-of-thought data {source}", f"the fixture {FIXTURE}"):
            return load_dataset(str(source), split="train"), str(source)
    path = Path(source)
    if not path.is_file():
        raise ValueError(
            f"no file at {path}: pass a local copy of the hub's Sky-T1_data_17k.json, the "
            f"fixture {FIXTURE.name}, or the hub id {LONG_COT_SOURCE!r}"
        )
    if path.suffix == ".jsonl":
        return read_jsonl(path), path.name
    if path.suffix != ".json":
        raise ValueError(f"{path}: a .json (one array) or .jsonl (a record a line) file expected")
    try:
        records = json.loads(path.read_bytes().decode("utf-8-sig"))
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{path}, line {error.lineno}: not valid JSON ({error.msg}); a download cut short? "
            "Fetch the file again, or fix that line"
        ) from None
    if not isinstance(records, list):
        raise ValueError(
            f"{path}: a JSON array of records expected, got {type(records).__name__}; "
            "Sky-T1_data_17k.json is one array [{...}, ...] (a .jsonl file takes one a line)"
        )
    return records, path.name


def _turns(record, where: str, index: int) -> tuple[str, str]:
    """The user and assistant texts of record ``index`` (from 0), checked."""
    turns = record.get("conversations") if isinstance(record, dict) else None
    roles = [turn.get("from") if isinstance(turn, dict) else None for turn in turns or ()]
    if roles != ["user", "assistant"] or not all(isinstance(t.get("value"), str) for t in turns):
        raise ValueError(
            f"{where}, record {index} (from 0): 'conversations' has the turns {roles}; each "
            "record needs [{'from': 'user', 'value': text}, {'from': 'assistant', 'value': "
            "text}]: is this Sky-T1's file? Fix or delete that record"
        )
    return turns[0]["value"], turns[1]["value"]


def to_row(index: int, question: str, trace: str) -> dict | str:
    r"""The training row of a record's user and assistant texts, or the reason it is dropped
    (one of ``DROP_REASONS``).

    >>> row = to_row(7, r"Return your final response within \boxed{{}}. 2 + 3?",
    ...     r"<|begin_of_thought|>2 + 3 = 5.<|end_of_thought|><|begin_of_solution|>\boxed{5}"
    ...     "<|end_of_solution|>")
    >>> row["id"], row["question"], row["answer"]
    ('sky-t1-00007', '2 + 3?', 5)
    >>> row["target"]
    '2 + 3 = 5.\n\n\\boxed{5}\n#### 5'
    >>> to_row(8, "Print a + b in Python.", r"<|begin_of_thought|>...\boxed{5}")
    'not math'
    """
    instruction = MATH_PROMPT.match(question)
    if not instruction:
        return "not math"
    question, body = question[instruction.end() :].strip(), plain_trace(trace)
    if not question or not body:
        return "empty"
    boxed = extract_boxed(trace)
    if boxed is None:
        return "no boxed answer"
    answer = parse_integer(boxed)
    if answer is None:
        return "not an integer"
    return {
        "id": f"sky-t1-{index:05d}",
        "question": question,
        "answer": answer,
        "target": f"{body}\n#### {answer}",
    }


def plain_trace(trace: str) -> str:
    """The trace without Sky-T1's markers (a blank line where they stood) and with no ``####``.

    >>> plain_trace("<|begin_of_thought|>\\n\\nHmm.\\n\\n<|end_of_thought|>\\n\\n"
    ...             "<|begin_of_solution|>\\n\\n#### 1. Total\\n\\n7<|end_of_solution|>\\n")
    'Hmm.\\n\\n### 1. Total\\n\\n7'
    """
    pieces = MARKERS.split(trace)
    text = "\n\n".join([piece.rstrip() for piece in pieces[:-1]] + pieces[-1:])
    return HEADING.sub("###", text).strip()


def select(
    rows: Sequence[dict],
    n: int,
    max_tokens: int,
    tokenizer,
    task,
    seed: int | None = None,
) -> list[dict]:
    """The first ``n`` rows whose training example (``task.example_tokens``) fits ``max_tokens``,
    each with its count as ``tokens``; longer rows are skipped, never cut. ``seed``: shuffle a
    copy of ``rows`` with it first (SkyThought's ``convert_to_data.py`` appends one source's
    results after another, so the hub's order may group them); None keeps their order. Stops
    with an error if fewer than ``n`` rows fit."""
    for knob, value in (("n", n), ("max_tokens", max_tokens)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{knob}={value!r}: pass a whole number, 0 or more")
    order = list(rows)
    if seed is not None:
        random.Random(seed).shuffle(order)
    chosen = []
    for row in order:
        if len(chosen) == n:
            break
        tokens = task.example_tokens(tokenizer, row["question"], row["target"])
        if tokens <= max_tokens:
            chosen.append({**row, "tokens": tokens})
    if len(chosen) < n:
        raise ValueError(
            f"only {len(chosen)} of {len(order)} rows fit in {max_tokens} tokens, {n} asked for: "
            "ask for fewer rows, or raise max_tokens (and the run's max_seq_length with it)"
        )
    return chosen
