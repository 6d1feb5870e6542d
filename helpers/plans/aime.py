"""Notebook 03's sizes (AIME: the report's split, r=64 LoRA SFT) and their cost on a free T4.

    PLAN = choose(SIZES, SIZE, profile)
    PLAN.budget(solutions=SHOW_SOLUTIONS)   # minutes and GPU memory, section by section

- ``full``: the report's sizes: all 890 training problems, two epochs at 4,096 positions, up
  to 4,000 new tokens an answer (4,096 positions less the longest prompt: 3,671).
- ``class``: the same data and training, answers cut at 2,048 new tokens: the untuned model's
  longest reasoning is cut off (counted as *truncated*), the 60 and 30 problems stay.
- ``check``: every cell, 16 training problems, 24 new tokens an answer, 4 with solutions.

Whatever the profile, the budget prices the hub's data (the smoke fixtures say nothing about a
T4): the report's 890 / 60 / 30 split (``HUB_SIZES``), and token counts measured once with the
real Qwen2.5 tokenizer (``HUB_TOKENS``; ``tests/test_aime.py`` measures them again when the real
files are present).

>>> minutes = SIZES["full"].budget()["T4 minutes (estimate)"]
>>> float(minutes["training, 890 x 2 epochs (section 5)"]), float(minutes["total"])
(6.0, 52.0)
>>> float(SIZES["full"].budget(solutions=True).loc["total", "T4 minutes (estimate)"])
79.0
"""

from __future__ import annotations

from dataclasses import dataclass

from helpers.experiments import AIME_RUN
from helpers.local.qwen_offline import qwen25_math_config
from helpers.models import lora_parameter_counts
from helpers.plans.t4 import (
    QWEN_15B_PARAMETERS,
    budget_table,
    generate_minutes,
    kv_cache_gib,
    loaded_weights_gib,
    lora_state_gib,
    overheads,
    train_minutes,
)

HUB_SIZES = {"train": 890, "validation": 60, "test": 30}  # the report's split, on the hub's data
SOLVED = 90  # training problems with a worked solution (2022-2024): exercise 1 trains on these
HUB_TOKENS = {  # the hub's data, the Qwen2.5 tokenizer and chat template, cleaned targets
    "train_mean": 213,  # a training example (prompt + target), on average; the longest: 2,815
    "solved_mean": 757,  # one of the 90 with a worked solution, on average
    "longest_prompt": 425,  # the longest validation or test prompt
}


@dataclass(frozen=True)
class AIMEPlan:
    size: str
    train_problems: int  # the first of the shuffled training split (the hub's holds 890)
    max_new_tokens: int  # asked of each answer: cut to the positions the longest prompt leaves
    eval_batch: int  # prompts generated together, validation and test (sections 4, 6)
    ask_tokens: int  # new tokens of your own question's answers (section 10), two models
    solved_problems: int  # exercise 1 trains on the first of those with a worked solution

    def budget(self, solutions: bool = False):
        """The T4 table of notebook 03 at this size, on the hub's data (the export of section
        11 is off by default and not counted: Unsloth builds llama.cpp first, minutes more);
        the exercises' solutions (a training run, two evaluations) only when they run."""
        weights = loaded_weights_gib(QWEN_15B_PARAMETERS)
        positions = qwen25_math_config().max_position_embeddings  # 4,096: prompt and answer
        new_tokens = min(self.max_new_tokens, positions - HUB_TOKENS["longest_prompt"])
        kv = kv_cache_gib(self.eval_batch, HUB_TOKENS["longest_prompt"] + new_tokens)
        generating = f"{weights + kv:.1f} GiB: weights and KV cache ({self.eval_batch} answers)"
        val = generate_minutes(HUB_SIZES["validation"], new_tokens, self.eval_batch)
        passes = val + generate_minutes(HUB_SIZES["test"], new_tokens, self.eval_batch)
        lora = lora_state_gib(lora_parameter_counts(qwen25_math_config(), AIME_RUN.lora)[0])
        training = (
            f"{weights + lora:.1f} GiB: weights and LoRA state, + activations "
            f"({AIME_RUN.batch_size} x up to {AIME_RUN.max_seq_length}; section 5 prints the peak)"
        )
        epochs, batch = AIME_RUN.epochs, AIME_RUN.batch_size
        rows = min(self.train_problems, HUB_SIZES["train"])
        solved = min(self.solved_problems, SOLVED)
        train = train_minutes(rows, epochs, HUB_TOKENS["train_mean"], batch_size=batch)
        exercise = train_minutes(solved, epochs, HUB_TOKENS["solved_mean"], batch_size=batch)
        problems = f"{HUB_SIZES['validation']} + {HUB_SIZES['test']} problems, {new_tokens} tokens"
        sections = {
            "token lengths (section 3, CPU)": (0.0, "none"),
            f"baseline, {problems} (sections 4, 6)": (passes, generating),
            f"training, {rows} x {epochs} epochs (section 5)": (train, training),
            f"tuned, {problems} (sections 5, 6)": (passes, generating),
            "your own question, 2 models (section 10)": (
                2 * generate_minutes(1, self.ask_tokens, 1),
                "less than evaluation: one prompt",
            ),
        }
        loads = 2 + 1 + 2 + 2  # baseline (val, test), training, tuned (2), ask
        if solutions:
            sections[f"exercise solutions: {solved} solved x {epochs} epochs, 2 x validation"] = (
                exercise + 2 * val,
                "as training, evaluation",
            )
            loads += 3  # the exercises' training and evaluations
        return budget_table(sections | overheads(loads))


SIZES = {
    "full": AIMEPlan(
        "full",
        train_problems=HUB_SIZES["train"],  # the report's 890
        max_new_tokens=4000,  # the report's; 4,096 positions less the longest prompt leave 3,671
        eval_batch=16,  # 16 x 4,096 positions: a 1.8 GiB KV cache, the T4 has room
        ask_tokens=1536,  # ask() loads 2,048 positions: the prompt and 1,536 new tokens fit
        solved_problems=SOLVED,  # the report's 90 (2022-2024)
    ),
    "class": AIMEPlan(
        "class",
        train_problems=HUB_SIZES["train"],  # training is cheap here: the report's recipe stays
        max_new_tokens=2048,  # generation is the cost; an answer reasoning past it is truncated
        eval_batch=32,  # 32 x 2,473 positions: about the KV cache of full's 16 x 4,096
        ask_tokens=1024,  # a look at two answers, not a score: evaluation gets the minutes
        solved_problems=SOLVED,  # two minutes of training: the exercise keeps its point
    ),
    "check": AIMEPlan(
        "check",
        train_problems=16,  # the smoke fixture's 12, all of them
        max_new_tokens=24,  # a few tokens: no answer is finished, every error path runs
        eval_batch=4,  # the fixture's 6 test problems take two batches: batching runs
        ask_tokens=24,  # as evaluation's
        solved_problems=4,  # of the fixture's 5: a couple of optimizer steps
    ),
}
