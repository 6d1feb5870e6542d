r"""Rewards for reinforcement learning with an exact verifier (TRL's ``GRPOTrainer``).

A reward function takes the sampled ``completions`` and the data set's columns (one list per
column, one value per completion; TRL adds keywords of its own, such as ``trainer_state``,
which are not columns) and returns one float per completion. TRL logs each one
apart, as ``rewards/<name>/mean``, so the two signals below can be watched separately:

- ``correct``: 1.0 when the answer the completion states is right, else 0.0. It is the Task's
  own reader and judge (``Task.read`` and ``Task.is_right``): the code that grades evaluation,
  so the policy is rewarded for exactly what it is scored on.
- ``well_formed``: 1.0 when the completion ends with its one and only ``\boxed{integer}``
  (nothing after it but a full stop and spaces), else 0.0: the format evaluation can read.

>>> from helpers.tasks.inequalities import INEQUALITIES
>>> correct, well_formed = correctness_reward(INEQUALITIES), format_reward()
>>> completions = [
...     [{"role": "assistant", "content": "2x > 17, so x >= 9: 42 integers. \\boxed{42}"}],
...     [{"role": "assistant", "content": "\\boxed{41}"}],  # well formed, wrong
...     [{"role": "assistant", "content": "\\boxed{40} or maybe \\boxed{42}"}],  # two answers
... ]
>>> correct(completions, answer=[42, 42, 42])
[1.0, 0.0, 1.0]
>>> well_formed(completions)
[1.0, 1.0, 0.0]

During training ``correct`` also logs ``groups_right_and_wrong`` (TRL's ``log_metric``): the share
of groups holding both a right and a wrong answer, the only groups it teaches correctness from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import groupby

from helpers.grading import parse_integer
from helpers.tasks import Task

BOXED = re.compile(r"\\boxed\s*\{")
# The box's content (no braces in it) and its closing brace, matched where the box opens.
BOX_CONTENT = re.compile(r"([^{}]*)\}")
# What may follow the final box once the ends are stripped: "$", "." or "$." (spaces between).
# Checked on the stripped rest, not as one pattern over the whole completion: "\s*\$?\s*\.?\s*$"
# searched over a long run of spaces backtracks cubically (57 s for 4,000 spaces).
AFTER_FINAL_BOX = re.compile(r"\$?\s*\.?")

Reward = Callable[..., list[float]]


def completion_text(completion: str | Sequence[dict]) -> str:
    """The text of one completion: TRL passes a string for a plain prompt and a list of chat
    messages (the assistant's turn) for a conversational one."""
    if isinstance(completion, str):
        return completion
    return "".join(message["content"] for message in completion)


def correctness_reward(task: Task) -> Reward:
    """A reward function: 1.0 for a completion whose stated answer ``task`` judges right
    against its row (rebuilt from the data set's columns), else 0.0."""

    def correct(completions, prompts=None, log_metric=None, **columns) -> list[float]:
        # TRL also passes its own keywords (trainer_state, log_extra, ...): a column is a list
        # with one value per completion
        columns = {
            name: values
            for name, values in columns.items()
            if isinstance(values, list | tuple) and len(values) == len(completions)
        }
        rewards = []
        for i, completion in enumerate(completions):
            row = {name: values[i] for name, values in columns.items()}
            _check_gold(task, row, i)
            value = task.read(completion_text(completion))
            rewards.append(1.0 if value is not None and task.is_right(value, row) else 0.0)
        if log_metric is not None and prompts is not None:  # in training: TRL's step log
            log_metric("groups_right_and_wrong", groups_right_and_wrong(rewards, prompts))
        return rewards

    return correct


def groups_right_and_wrong(rewards: Sequence[float], prompts: Sequence) -> float:
    """The share of groups holding both a right (1.0) and a wrong answer. A group is a run of
    consecutive completions of the same prompt, as TRL samples and scores them.

    >>> groups_right_and_wrong([1.0, 0.0, 1.0, 1.0, 0.0, 0.0], ["a", "a", "b", "b", "c", "c"])
    0.3333333333333333
    """
    groups = [
        {reward for _, reward in group}
        for _, group in groupby(zip(prompts, rewards, strict=True), key=lambda pair: pair[0])
    ]
    return sum(len(seen) > 1 for seen in groups) / len(groups)


def _check_gold(task: Task, row: dict, i: int) -> None:
    """Refuse a gold answer of the wrong type: ``51 == "51"`` is False, so a string gold would
    score every right answer 0.0 and GRPO would learn from nothing but noise."""
    answer = row.get("answer")
    if isinstance(answer, bool) or not isinstance(answer, task.answer_types):
        wanted = " or ".join(t.__name__ for t in task.answer_types)
        raise ValueError(
            f"reward for completion {i}: its row's answer is {type(answer).__name__} "
            f"{answer!r:.40}, a {task.name} answer must be {wanted}: store the answers as "
            "numbers (int(row['answer'])) in the data set given to the trainer"
        )


def ends_with_its_only_box(text: str) -> bool:
    r"""True when ``text`` holds exactly one ``\boxed{...}``, an integer, and nothing after it
    but ``$``, a full stop and spaces. Linear in the text's length.

    >>> ends_with_its_only_box(r"so \boxed{42}$."), ends_with_its_only_box(r"\boxed{42} or 41")
    (True, False)
    """
    boxes = list(BOXED.finditer(text))
    if len(boxes) != 1:
        return False
    content = BOX_CONTENT.match(text, boxes[0].end())
    if content is None or parse_integer(content.group(1)) is None:
        return False
    return AFTER_FINAL_BOX.fullmatch(text[content.end() :].strip()) is not None


def format_reward() -> Reward:
    r"""A reward function: 1.0 for a completion that ends with its only ``\boxed{integer}``."""

    def well_formed(completions, **columns) -> list[float]:
        return [
            1.0 if ends_with_its_only_box(completion_text(completion)) else 0.0
            for completion in completions
        ]

    return well_formed
