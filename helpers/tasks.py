r"""One Task per data set: its prompt, how an answer is read, when it is right, how it is wrong.

Evaluation, training rows and (later) rewards all take a Task, so the three can never disagree
about the prompt or the grading. The three tasks, each with one real row and one real output
(SmolLM2-135M-Instruct, greedy; the course's CPU model):

``INEQUALITIES`` (``data/inequalities/val_40.jsonl``; the model after six LoRA steps of
notebook 02's real-model section): the integer in the last ``\boxed{}``, equal to the count.

    row:    {"id": "val-0001", "question": "For how many integers $x$ in the range $[-50, 50]$
             is the inequality $-3x + 7 < 4$ satisfied?", "answer": 49, "lo": -50, "hi": 50}
    output: "\boxed{51}"  -> extracted 51, error "other"

``AIME`` (``AI-MO/aimo-validation-aime``, 2022 I problem 1; the base model, 200 new tokens):
the integer in the last ``\boxed{}``, any one of the accepted answers.

    row:    {"id": "2022-I-1", "question": "Quadratic polynomials $P(x)$ and $Q(x)$ have
             leading coefficients $2$ and $-2,$ ...", "answer": 116, "answers": [116]}
    output: "To find $P(0) + Q(0),$ we need to find the equation of the parabola ... at the
             point $("  -> cut off at 200 tokens, no box: error "truncated"

``GSM8K`` (``openai/gsm8k`` test, row 0; the base model, 200 new tokens): the number after
the first ``####`` (strict) or the last number (flexible), as lm-evaluation-harness reads them.

    row:    {"id": "gsm8k-test-0000", "question": "Janet's ducks lay 16 eggs per day. ...",
             "answer": 18}
    output: "Janet lays 16 eggs per day, so she lays 16 x 3 = 48 eggs per day. ... so she
             sells 720 x 2 = 1440 dollars per day.\n#### 1440\n#### 1440\n ... ####"
            -> extracted 1440, error "wrong"

Every task shares the first part of its error types: ``format`` (no answer it can read),
``truncated`` (cut off by the token limit before answering); then its own wrong-answer types.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from numbers import Number

from helpers.files import check_unique_ids
from helpers.grading import extract_integer, math_verify_correct
from helpers.gsm8k import GSM8K_SYSTEM, READINGS
from helpers.inequalities import FLIPPED, count_solutions
from helpers.inequality_splits import from_row
from helpers.prompts import SYSTEM_PROMPT, build_messages, prompt_completion, render_prompt

SHARED_ERRORS = ("format", "truncated")
CROSS_CHECK_CHARS = 4000  # math-verify reads this much of a response's end: bounded work


@dataclass(frozen=True)
class Task:
    """A data set's prompt and grading. ``with_prompt`` gives a variant with another system
    prompt or other exemplars; everything else about the task stays."""

    name: str
    system: str | None  # the system prompt; None keeps the chat template's default
    read: Callable[[str], Number | None]  # the answer a response states, None if none
    is_right: Callable[[Number, dict], bool]  # that answer, judged against the row
    wrong_kind: Callable[[Number, dict], str]  # the error type of a readable wrong answer
    wrong_kinds: tuple[str, ...]  # every value wrong_kind returns, in display order
    answer_types: tuple[type, ...]  # what a row's gold "answer" must be
    examples: tuple[tuple[str, str], ...] = ()  # fixed few-shot (question, answer) turns

    @property
    def error_types(self) -> tuple[str, ...]:
        return (*SHARED_ERRORS, *self.wrong_kinds)

    def with_prompt(self, system=..., examples=...) -> Task:
        """This task with another system prompt and/or other few-shot exemplars."""
        changes = {}
        if system is not ...:
            changes["system"] = system
        if examples is not ...:
            changes["examples"] = tuple(tuple(pair) for pair in examples)
        return replace(self, **changes)

    def prompt_settings(self) -> dict:
        """Everything about the task that changes the text a model is shown."""
        return {"task": self.name, "system": self.system, "examples": [*map(list, self.examples)]}

    def messages(self, question: str, answer: str | None = None) -> list[dict[str, str]]:
        return build_messages(question, answer, self.system, self.examples)

    def prompt(self, tokenizer, question: str) -> str:
        """The exact text the model sees, ending where its answer starts."""
        return render_prompt(tokenizer, question, self.system, self.examples)

    def example_tokens(self, tokenizer, question: str, answer: str) -> int:
        """Tokens of one training example, prompt and ``answer``, as the chat template renders
        it: what a run pays for, and what ``max_seq_length`` limits."""
        text = tokenizer.apply_chat_template(self.messages(question, answer), tokenize=False)
        return len(tokenizer(text, add_special_tokens=False).input_ids)

    def grade(self, response: str, row: dict, truncated: bool = False) -> dict:
        """The answer read from ``response`` and its judgement: correct, or which error."""
        value = self.read(response)
        if value is not None and self.is_right(value, row):
            error = None
        elif value is None:
            error = "truncated" if truncated else "format"
        else:
            error = self.wrong_kind(value, row)
        return {
            "gold": row["answer"],
            "extracted": value,
            "correct": error is None,
            "error": error,
            "math_verify": self.cross_check(response, row),
        }

    def cross_check(self, response: str, row: dict) -> bool:
        """Hugging Face math-verify's judgement of the same response, a second opinion that
        evaluation reports beside ours (it also accepts forms such as ``\\frac{102}{2}``).
        Only the end of the response is read: that is where a final answer stands."""
        golds = row.get("answers") or [row["answer"]]
        tail = response[-CROSS_CHECK_CHARS:]
        return any(math_verify_correct(tail, gold) for gold in golds)

    def check_rows(self, rows: Sequence[dict], where: str) -> None:
        """Stop on a row evaluation cannot use, naming it and the fix, before any model work."""
        check_unique_ids(rows, where)
        for i, row in enumerate(rows):
            _check_text(row, "question", i, where)
            answer = row.get("answer")
            if isinstance(answer, bool) or not isinstance(answer, self.answer_types):
                raise ValueError(
                    f"{where}: row {i} ({row.get('id')!r}) has answer {answer!r}; a {self.name} "
                    f"row needs a number ({' or '.join(t.__name__ for t in self.answer_types)})"
                )

    def training_examples(self, rows: Sequence[dict], target: str) -> list[dict]:
        """Rows as TRL prompt-completion examples answered by their ``target`` field, after
        the same system prompt and exemplars evaluation uses. Bad rows stop here."""
        if not rows:
            raise ValueError("no training rows: pass at least one row (check the data file)")
        for i, row in enumerate(rows):
            _check_text(row, "question", i, "training rows")
            _check_text(row, target, i, f"training rows (target field {target!r})")
        return [
            prompt_completion(row["question"], row[target], self.system, self.examples)
            for row in rows
        ]


def _check_text(row: dict, field: str, i: int, where: str) -> None:
    value = row.get(field)
    if not isinstance(value, str) or not value.strip():
        have = "no such field" if field not in row else f"{type(value).__name__} {value!r:.40}"
        raise ValueError(
            f"{where}: row {i} ({row.get('id')!r}) has {field}={have}; it must be non-empty "
            "text (fix the row, or pick a field every row carries)"
        )


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


def aime_error(extracted: int, row: dict) -> str:
    """out_of_range (no AIME answer lies outside 0-999), or wrong."""
    return "wrong" if 0 <= extracted <= 999 else "out_of_range"


def _close(value: Number, row: dict) -> bool:
    gold = row["answer"] if "answer" in row else row["gold"]  # a data row, or a saved record
    return abs(value - gold) < 1e-6


INEQUALITIES = Task(
    name="inequalities",
    system=SYSTEM_PROMPT,
    read=extract_integer,
    is_right=lambda value, row: value == row["answer"],
    wrong_kind=inequality_error,
    wrong_kinds=("off_by_one", "direction", "ambiguous", "other"),
    answer_types=(int,),
)
AIME = Task(
    name="aime",
    system=SYSTEM_PROMPT,
    read=extract_integer,
    is_right=lambda value, row: value in row["answers"],
    wrong_kind=aime_error,
    wrong_kinds=("out_of_range", "wrong"),
    answer_types=(int,),
)


def gsm8k_task(reading: str = "flexible", examples: Sequence[tuple[str, str]] = ()) -> Task:
    """GSM8K graded by one reading of the answer (the others stay available: ``score_modes``)."""
    if reading not in READINGS:
        raise ValueError(f"unknown reading {reading!r}: choose one of {sorted(READINGS)}")
    return Task(
        name="gsm8k",  # the reading changes the grading, not the text the model is shown
        system=GSM8K_SYSTEM,
        read=READINGS[reading],
        is_right=_close,
        wrong_kind=lambda value, row: "wrong",
        wrong_kinds=("wrong",),
        answer_types=(int, float),
    ).with_prompt(examples=examples)


GSM8K = gsm8k_task()


def score_modes(records: Sequence[dict]) -> dict[str, float]:
    """Accuracy of saved GSM8K responses under each reading."""
    scores = {}
    for reading, read in READINGS.items():
        values = [read(record["response"]) for record in records]
        right = [
            v is not None and _close(v, record) for v, record in zip(values, records, strict=True)
        ]
        scores[reading] = sum(right) / len(records)
    return scores
