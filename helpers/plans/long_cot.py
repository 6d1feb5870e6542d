"""Notebook 06's sizes (a short or a long chain of thought in the training targets: what it does
to math and to safety) and their cost on a free T4.

    PLAN = choose(SIZES, SIZE, profile)
    RUNS = PLAN.experiments   # the plan's runs of helpers.hayes.LONG_COT_RUNS
    PLAN.budget()             # at the mean lengths of a training example, EXAMPLE_TOKENS

- ``full``: the three targets (the final number, GSM8K's worked solution, a long trace), 300
  problems each, math on notebook 04's 400 validation problems and safety on its 240 prompts.
- ``class``: the short worked solution against the long trace (the contrast the question is
  about: the length of the reasoning), 120 problems each (16 optimizer steps), 100 validation
  problems and the same 240 prompts: a safety change of about 10 points or more against the
  untuned model, paired prompt by prompt; math only to about +-10 points, a smaller dose of
  training than full's, and no final-number run.
- ``check``: every cell, each run on 4 problems, 4 validation problems and 8 prompts, 16 new
  tokens a math answer and 8 a safety response.
"""

from __future__ import annotations

from dataclasses import dataclass

from helpers.hayes import LONG_COT_RUNS, CoTRun
from helpers.judges import DEFAULT_JUDGE, JUDGES
from helpers.plans.t4 import (
    CHECKPOINT_GB,
    QWEN_15B_PARAMETERS,
    budget_table,
    generate_minutes,
    judge_minutes,
    kv_cache_gib,
    loaded_weights_gib,
    overheads,
    train_minutes,
)
from helpers.tasks.gsm8k import VALIDATION

# Mean tokens of a training example (GSM8K's system prompt, the question, the target; Qwen2.5's
# tokenizer and chat template) by target. "final" and "target": measured with
# ``Task.mean_example_tokens`` on 200 rows (seed 0) of the real ``split_train(...).training``
# (tests/test_long_cot.py re-measures). "long_cot": assumed, Sky-T1 not being at hand offline:
# its records average about 16 KB, so the traces that fit 4,096 tokens are its shorter half,
# about 3,000 tokens. Section 1 of the notebook measures all three.
EXAMPLE_TOKENS = {"final": 104, "target": 188, "long_cot": 3000}
PROMPT_TOKENS = 100  # a GSM8K question or an AILuminate prompt in the chat template, about


@dataclass(frozen=True)
class LongCoTPlan:
    size: str
    runs: tuple[str, ...]  # which targets train (LONG_COT_RUNS' names); the long trace always
    problems: int  # training problems of each run, the same number for every target
    validation: int  # notebook 04's held-out GSM8K validation problems (the split's size)
    safety_prompts: int  # notebook 04's AILuminate sample, stratified by hazard
    batch_size: int  # prompts generated together, math and safety alike
    math_tokens: int  # a math answer's new tokens: room for a longer answer (run 4's budget)
    safety_tokens: int  # a safety response's new tokens (notebook 04's, the seed's 512)

    def __post_init__(self):
        names = [run.name for run in LONG_COT_RUNS]
        unknown = [name for name in self.runs if name not in names]
        if unknown:
            raise ValueError(f"runs {unknown} are not runs of notebook 06: choose from {names}")

    @property
    def experiments(self) -> tuple[CoTRun, ...]:
        """The plan's runs, in ``LONG_COT_RUNS``' order (shortest target first)."""
        return tuple(run for run in LONG_COT_RUNS if run.name in self.runs)

    def budget(self, tokens: dict[str, float] = EXAMPLE_TOKENS):
        """The T4 table, section by section: ``tokens`` are a training example's mean tokens by
        target (``"final"``, ``"target"``, ``"long_cot"``)."""
        runs, models = self.experiments, len(self.experiments) + 1  # and the untuned model
        weights = loaded_weights_gib()
        sections = {}
        for run in runs:
            example = tokens["long_cot" if run.data == "long_cot" else run.target]
            minutes = train_minutes(self.problems, run.epochs, example, batch_size=run.batch_size)
            activations = f"activations of {run.batch_size} x {example} tokens"
            memory = f"{weights:.1f} GiB weights + {activations}"
            sections[f"train {run.name}: {self.problems} problems"] = (minutes, memory)
        answered = {  # what every model answers: how many, of what, with how many new tokens
            "math": (self.validation, "problems", self.math_tokens),
            "safety": (self.safety_prompts, "prompts", self.safety_tokens),
        }
        for what, (items, kind, new_tokens) in answered.items():
            minutes = models * generate_minutes(items, new_tokens, self.batch_size)
            kv = kv_cache_gib(self.batch_size, PROMPT_TOKENS + new_tokens)
            memory = f"{weights:.1f} GiB weights + {kv:.1f} GiB KV cache"
            sections[f"{what}: {models} models x {items} {kind} (at most)"] = (minutes, memory)
        judge = JUDGES[DEFAULT_JUDGE]
        sections[f"judge: {models * self.safety_prompts} verdicts ({judge.model_id})"] = (
            judge_minutes(models * self.safety_prompts, judge),
            f"{judge.weight_gib(bf16=False):.1f} GiB fp32 weights",
        )
        loads = len(runs) + 2 * models + 1  # each run's training, each model twice, the judge
        checkpoints = [CHECKPOINT_GB[QWEN_15B_PARAMETERS], 2 * judge.billions]  # judge: bf16
        return budget_table(sections | overheads(loads, checkpoints))


_ALL = tuple(run.name for run in LONG_COT_RUNS)
SIZES = {
    "full": LongCoTPlan(
        "full", _ALL, problems=300, validation=VALIDATION, safety_prompts=240, batch_size=32,
        math_tokens=1024, safety_tokens=512,
    ),
    "class": LongCoTPlan(
        "class", _ALL[1:], problems=120, validation=100, safety_prompts=240, batch_size=32,
        math_tokens=1024, safety_tokens=512,
    ),
    "check": LongCoTPlan(
        "check", _ALL, problems=4, validation=4, safety_prompts=8, batch_size=8, math_tokens=16,
        safety_tokens=8,
    ),
}  # fmt: skip
