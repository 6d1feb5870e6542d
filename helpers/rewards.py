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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from helpers.grading import parse_integer
from helpers.tasks import Task

BOXED = re.compile(r"\\boxed\s*\{")
FINAL_BOXED = re.compile(r"\\boxed\s*\{([^{}]*)\}\s*\$?\s*\.?\s*$")

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

    def correct(completions, **columns) -> list[float]:
        # TRL also passes its own keywords (trainer_state, log_metric, ...): a column is a list
        # with one value per completion
        columns = {
            name: values
            for name, values in columns.items()
            if isinstance(values, list | tuple) and len(values) == len(completions)
        }
        rewards = []
        for i, completion in enumerate(completions):
            row = {name: values[i] for name, values in columns.items()}
            value = task.read(completion_text(completion))
            rewards.append(1.0 if value is not None and task.is_right(value, row) else 0.0)
        return rewards

    return correct


def format_reward() -> Reward:
    r"""A reward function: 1.0 for a completion that ends with its only ``\boxed{integer}``."""

    def well_formed(completions, **columns) -> list[float]:
        rewards = []
        for completion in completions:
            text = completion_text(completion)
            final = FINAL_BOXED.search(text)
            one = len(BOXED.findall(text)) == 1
            rewards.append(
                1.0 if one and final and parse_integer(final.group(1)) is not None else 0.0
            )
        return rewards

    return well_formed
