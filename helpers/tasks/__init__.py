"""What every data set's Task is: its prompt, how an answer is read, when it is right, how
it is wrong. One file here per data set holds its loader, its Task and its error kinds, opening
with one real row and one real model output:

- ``helpers.tasks.inequalities``: "For how many integers x in [a, b] is ..." (Ely, Part I);
- ``helpers.tasks.aime``: three AIME sources merged and split by year (Ely, Part II);
- ``helpers.tasks.gsm8k``: grade-school word problems, read strictly or flexibly (Hayes et al.);
- ``helpers.tasks.ailuminate``: AILuminate's hazard prompts (a guard model judges the answers);
- ``helpers.tasks.long_cot``: Sky-T1's long chains of thought, as GSM8K-style targets (004).

Evaluation, training rows and rewards all take a Task, so the three can never disagree about
the prompt or the grading. Every task shares the first part of its error types: ``format`` (no
answer it can read), ``truncated`` (cut off by the token limit before answering); then its own
wrong-answer types. This module imports no data set: adding one is a new file beside these.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from numbers import Number

from helpers.files import check_rows_are_dicts, check_unique_ids
from helpers.grading import math_verify_correct
from helpers.prompts import build_messages, prompt_completion, render_prompt

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
    exemplars: tuple[tuple[str, str], ...] = ()  # fixed few-shot (question, answer) turns

    @property
    def error_types(self) -> tuple[str, ...]:
        return (*SHARED_ERRORS, *self.wrong_kinds)

    def with_prompt(self, system=..., exemplars=...) -> Task:
        """This task with another system prompt and/or other few-shot exemplars."""
        changes = {}
        if system is not ...:
            changes["system"] = system
        if exemplars is not ...:
            changes["exemplars"] = tuple(tuple(pair) for pair in exemplars)
        return replace(self, **changes)

    def prompt_settings(self) -> dict:
        """Everything about the task that changes the text a model is shown."""
        exemplars = [*map(list, self.exemplars)]
        return {"task": self.name, "system": self.system, "exemplars": exemplars}

    def messages(self, question: str, answer: str | None = None) -> list[dict[str, str]]:
        return build_messages(question, answer, self.system, self.exemplars)

    def prompt(self, tokenizer, question: str) -> str:
        """The exact text the model sees, ending where its answer starts."""
        return render_prompt(tokenizer, question, self.system, self.exemplars)

    def example_tokens(self, tokenizer, question: str, answer: str) -> int:
        """Tokens of one training example, prompt and ``answer``, as the chat template renders
        it: what a run pays for, and what ``max_seq_length`` limits."""
        text = tokenizer.apply_chat_template(self.messages(question, answer), tokenize=False)
        return len(tokenizer(text, add_special_tokens=False).input_ids)

    def mean_example_tokens(
        self, tokenizer, rows: Sequence[dict], target: str = "target", sample: int = 200, seed=0
    ) -> float:
        """Mean ``example_tokens`` of a seeded sample of ``rows`` answered by their ``target``
        field: the length a run pays for, on average."""
        check_rows_are_dicts(rows, "mean_example_tokens")
        if not rows or sample < 1:
            raise ValueError(
                f"mean_example_tokens of {len(rows)} rows, sample={sample}: a mean needs at "
                "least one row and sample >= 1"
            )
        chosen = random.Random(seed).sample(list(rows), min(sample, len(rows)))
        for i, row in enumerate(chosen):
            check_text(row, "question", i, "mean_example_tokens (sampled rows)")
            check_text(row, target, i, f"mean_example_tokens (target field {target!r})")
        counts = [self.example_tokens(tokenizer, row["question"], row[target]) for row in chosen]
        return sum(counts) / len(counts)

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
            check_text(row, "question", i, where)
            answer = row.get("answer")
            if isinstance(answer, bool) or not isinstance(answer, self.answer_types):
                raise ValueError(
                    f"{where}: row {i} ({row.get('id')!r}) has answer {answer!r}; a {self.name} "
                    f"row needs a number ({' or '.join(t.__name__ for t in self.answer_types)})"
                )

    def training_examples(self, rows: Sequence[dict], target: str) -> list[dict]:
        """Rows as TRL prompt-completion examples answered by their ``target`` field, after
        the same system prompt and exemplars evaluation uses. Bad rows stop here."""
        check_rows_are_dicts(rows, "training rows")
        if not rows:
            raise ValueError("no training rows: pass at least one row (check the data file)")
        for i, row in enumerate(rows):
            check_text(row, "question", i, "training rows")
            check_text(row, target, i, f"training rows (target field {target!r})")
        return [
            prompt_completion(row["question"], row[target], self.system, self.exemplars)
            for row in rows
        ]


def check_text(row: dict, field: str, i: int, where: str) -> None:
    value = row.get(field)
    if not isinstance(value, str) or not value.strip():
        have = "no such field" if field not in row else f"{type(value).__name__} {value!r:.40}"
        raise ValueError(
            f"{where}: row {i} ({row.get('id')!r}) has {field}={have}; it must be non-empty "
            "text (fix the row, or pick a field every row carries)"
        )
