"""Notebook 05's sizes (GRPO from Model D against SFT given the same tokens) and their cost on a
free T4.

    PLAN = choose(SIZES, SIZE, profile)
    PLAN.grpo       # GRPO_RUN at this size
    PLAN.budget()   # minutes and GPU memory, section by section

- ``full``: ``GRPO_RUN``: 120 steps of 4 prompts x 8 answers of up to 256 tokens, from Model D
  trained on its 2,000 problems (notebook 02's run); 400 items in each evaluation split.
- ``class``: a fifth of the steps (24: 96 prompts), the same groups and Model D, 96 items a
  split: GRPO's curves and the paired comparison, at intervals of about +-0.1.
- ``check``: every cell, 2 steps of 1 prompt x 2 answers of 16 tokens, 16 items a split.

GRPO's cost is mostly generation: each step samples its answers before it learns from them.

>>> SIZES["full"].grpo == GRPO_RUN
True
>>> SIZES["check"].grpo.prompts, SIZES["check"].grpo.num_generations
(2, 2)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from helpers.experiments import GRPO_RUN, MODEL_D, GRPOExperiment
from helpers.local.qwen_offline import qwen25_math_config
from helpers.models import lora_parameter_counts
from helpers.plans.inequality_sft import MEASURED_TOKENS
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

# An inequality prompt (system prompt and question, Qwen2.5's chat template and tokenizer): 66
# tokens on average and 70 at most over the first 480 problems of train_2000, GRPO's prompts
PROMPT_TOKENS = 70


@dataclass(frozen=True)
class GRPOPlan:
    size: str
    model_d_rows: int  # Model D's training problems, the start (its own 2,000: notebook 02's)
    max_steps: int  # GRPO's optimizer steps, each on new prompts: the budget
    prompts_per_step: int  # groups a step
    num_generations: int  # answers sampled per prompt: a group
    max_completion_length: int  # tokens of a sampled answer, at most
    eval_items: int  # the first items of val, val_novel, test and test_novel
    max_new_tokens: int  # evaluation's token limit, and your own question's
    batch_size: int  # prompts generated together in evaluation

    @property
    def grpo(self) -> GRPOExperiment:
        """``GRPO_RUN`` at this size: its prompts are the ones its steps use, each once."""
        return replace(
            GRPO_RUN,
            prompts=self.max_steps * self.prompts_per_step,
            max_steps=self.max_steps,
            num_generations=self.num_generations,
            prompts_per_step=self.prompts_per_step,
            max_completion_length=self.max_completion_length,
        )

    def budget(self):
        """The T4 table of notebook 05 at this size: Model D trained here (notebook 02's run
        is reused only when its run folder is, on Drive), upper bounds where answers may run
        to their token limit."""
        weights = loaded_weights_gib(QWEN_15B_PARAMETERS)
        lora = lora_state_gib(lora_parameter_counts(qwen25_math_config(), MODEL_D.lora)[0])
        training = f"{weights + lora:.1f} GiB: weights and LoRA state, + activations"
        group = self.prompts_per_step * self.num_generations  # the answers sampled a step
        answer = PROMPT_TOKENS + self.max_completion_length
        sampling = f"{weights + lora + kv_cache_gib(group, answer):.1f} GiB: training's, + KV cache"
        kv = kv_cache_gib(self.batch_size, PROMPT_TOKENS + self.max_new_tokens)
        answering = f"{weights + kv:.1f} GiB: weights and KV cache ({self.batch_size} answers)"
        samples, solution = self.max_steps * group, MEASURED_TOKENS["solution"]
        split = generate_minutes(self.eval_items, self.max_new_tokens, self.batch_size)
        steps = f"GRPO, {self.max_steps} steps of {group} answers"
        sections = {
            f"Model D, the start: {self.model_d_rows} problems x {MODEL_D.epochs} epochs": (
                train_minutes(self.model_d_rows, MODEL_D.epochs, solution),
                training,
            ),
            f"{steps}: sampling": (
                generate_minutes(samples, self.max_completion_length, group),
                sampling,
            ),
            f"{steps}: learning": (
                train_minutes(samples, 1, answer, batch_size=self.num_generations),
                training,
            ),
            "SFT from Model D, the same tokens": (  # worked solutions, as many tokens as GRPO's
                train_minutes(math.ceil(samples * answer / solution), 1, solution),
                training,
            ),
            f"3 models on val_novel and val, {self.eval_items} items each": (6 * split, answering),
            "test once: the chosen policy and the start, 2 splits": (4 * split, answering),
            "your own question, 3 models (section 9)": (
                3 * generate_minutes(1, self.max_new_tokens, 1),
                "less than evaluation: one prompt",
            ),
        }
        # the trainer by hand, Model D, GRPO, SFT; 3 models (both splits); test 2; ask 3
        loads = 4 + 3 + 2 + 3
        return budget_table(sections | overheads(loads))


SIZES = {
    "full": GRPOPlan(
        "full",
        model_d_rows=MODEL_D.train_size,  # as notebook 02 trains it: the two share its run folder
        max_steps=GRPO_RUN.max_steps,  # GRPO_RUN's knobs say why (helpers/experiments.py)
        prompts_per_step=GRPO_RUN.prompts_per_step,
        num_generations=GRPO_RUN.num_generations,
        max_completion_length=GRPO_RUN.max_completion_length,
        eval_items=400,  # every item: +-0.05 at 50% accuracy, the comparison's resolution
        max_new_tokens=256,  # Model D's worked solutions are ~120 tokens: room to reason longer
        batch_size=32,  # 32 x ~330 positions: a small KV cache, few batches
    ),
    "class": GRPOPlan(
        "class",
        model_d_rows=MODEL_D.train_size,  # a weaker start would leave more groups all wrong
        max_steps=24,  # a fifth of full's: the curves' first stretch, and their noise
        prompts_per_step=GRPO_RUN.prompts_per_step,  # 32 answers a step, as full
        num_generations=GRPO_RUN.num_generations,  # a group of 8, as full: the lesson's unit
        max_completion_length=GRPO_RUN.max_completion_length,  # answers cut off as full's are
        eval_items=96,  # three batches a split: +-0.1 at 50% accuracy
        max_new_tokens=256,  # as full: the same answers, fewer of them
        batch_size=32,  # as full
    ),
    "check": GRPOPlan(
        "check",
        model_d_rows=16,  # a few optimizer steps, as notebook 02's check trains it
        max_steps=2,  # a step, and a second after the first update
        prompts_per_step=1,  # one group a step
        num_generations=2,  # the smallest group with a spread: advantages are computed
        max_completion_length=16,  # a few tokens: every answer is cut off, masking runs
        eval_items=16,  # the smoke profile's default items
        max_new_tokens=16,  # as the sampled answers: a few tokens
        batch_size=8,  # two batches a split: batching is exercised
    ),
}
