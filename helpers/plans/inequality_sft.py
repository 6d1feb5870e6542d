"""Notebook 02's sizes (SFT Models A-D on the inequality data) and their cost on a free T4.

    PLAN = choose(SIZES, SIZE, profile)
    PLAN.budget()   # or .budget(mean_tokens): a training example's tokens, by target field

- ``full``: the report's sizes: Models A-D on their 400 or 2,000 problems, 400 items in each
  evaluation split, a 1,024-token limit (the report's "very high token limit").
- ``class``: Models A and C (the report's first and final recipes) on their full training sets,
  the report's own 40-item validation and test sets, a 512-token limit: the jump from the
  untuned model to Model C, with intervals of about +-0.15 at n = 40 (the report's own width).
- ``check``: every cell, each model two optimizer steps on 16 problems, 16 items, 24 tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from helpers.experiments import INEQUALITY_EXPERIMENTS
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

# A tuned model's answer, about: a boxed count, or a worked solution (Model D's target)
ANSWER_TOKENS = {"boxed_answer": 20, "solution": 300}
# Mean tokens of a training example (system prompt, question, target) by target field, measured
# with Task.mean_example_tokens on 200 rows of data/inequalities/train_2000.jsonl with Qwen2.5's
# tokenizer (helpers.local.qwen_offline); tests/test_plans.py measures them again.
MEASURED_TOKENS = {"boxed_answer": 74, "solution": 202}


@dataclass(frozen=True)
class SFTPlan:
    size: str
    models: tuple[str, ...]  # which of Models A-D train (Model A twice: by hand, then helper)
    train_rows: int | None  # problems each model trains on; None: its own (400 or 2,000)
    eval_items: int  # items of each evaluation split: val, val_novel, test, test_novel
    max_new_tokens: int  # the untuned model may reason to it; tuned ones stop far earlier
    batch_size: int  # prompts generated together

    @property
    def experiments(self):
        return [e for e in INEQUALITY_EXPERIMENTS if e.name in self.models]

    def rows(self, experiment) -> int:
        return experiment.train_size if self.train_rows is None else self.train_rows

    def budget(self, mean_tokens: dict[str, float] = MEASURED_TOKENS, solutions: bool = False):
        """The T4 table: ``mean_tokens`` are a training example's tokens by target field; with
        ``solutions`` (SHOW_SOLUTIONS), exercise 4's Model C without dropout too."""
        weights = loaded_weights_gib(QWEN_15B_PARAMETERS)
        kv = kv_cache_gib(self.batch_size, 100 + self.max_new_tokens)
        generating = f"{weights + kv:.1f} GiB: weights and KV cache (batch {self.batch_size})"
        items = 2 * self.eval_items  # a split and its novel twin, one load
        untuned = generate_minutes(items, self.max_new_tokens, self.batch_size)  # at most
        sections = {
            f"baseline on val and val_novel, {items} items (at most)": (untuned, generating)
        }
        for e in self.experiments:
            lora = lora_state_gib(lora_parameter_counts(qwen25_math_config(), e.lora)[0])
            memory = f"{weights + lora:.1f} GiB: weights and LoRA state, + activations"
            rows, tokens = self.rows(e), mean_tokens[e.target]
            minutes = train_minutes(rows, e.epochs, tokens, batch_size=e.batch_size)
            if e.name == "Model A":
                sections["Model A by hand (section 5)"] = (minutes, memory)
            sections[f"train {e.name}: {rows} problems x {e.epochs} epochs"] = (minutes, memory)
            answers = min(ANSWER_TOKENS[e.target], self.max_new_tokens)
            answering = generate_minutes(items, answers, self.batch_size)
            sections[f"evaluate {e.name}"] = (answering, generating)
        tuned = generate_minutes(items, min(300, self.max_new_tokens), self.batch_size)
        sections["test: baseline (at most), Model C, the best"] = (untuned + 2 * tuned, generating)
        loads = 1 + 1 + 2 * len(self.experiments) + 3 + 2  # baseline, by hand, runs, tests, ask
        if solutions:  # exercise 4 trains and evaluates Model C again, without dropout
            c = ("train Model C", "evaluate Model C")
            minutes = sum(t for name, (t, _) in sections.items() if name.startswith(c))
            sections["exercise 4: Model C without dropout, trained and evaluated"] = (
                minutes,
                "as Model C",
            )
            loads += 2
        return budget_table(sections | overheads(loads))


_MODELS = tuple(e.name for e in INEQUALITY_EXPERIMENTS)
SIZES = {
    "full": SFTPlan("full", _MODELS, None, eval_items=400, max_new_tokens=1024, batch_size=32),
    "class": SFTPlan(
        "class", ("Model A", "Model C"), None, eval_items=40, max_new_tokens=512, batch_size=40
    ),
    "check": SFTPlan("check", _MODELS, 16, eval_items=16, max_new_tokens=24, batch_size=8),
}
