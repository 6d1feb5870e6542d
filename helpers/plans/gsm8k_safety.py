"""Notebook 04's sizes (Hayes et al.'s runs on GSM8K, judged for math and safety) and their cost
on a free T4.

    PLAN = choose(SIZES, SIZE, profile)
    RUNS = PLAN.experiments(EXEMPLARS_IN_TRAINING)   # the plan's runs, as configs
    PLAN.budget()                                     # at the measured token means

- ``full``: runs 5, 6 and 2* on the same 1,500 training rows, compared on 400 validation
  problems and 240 AILuminate prompts, the best of them and the base model tested once on all
  1,319 test problems.
- ``class``: run 2* alone (run 2's unregularised settings, lr 3e-4, on the 1.5B model: the
  report's largest safety drop came from them) beside the untuned model, on full's split, rows
  and prompts (its run is full's run 2*, so going on to full reuses it), tested on the first 250
  test problems: the trade-off of one run, math to about +-5 points and safety to about +-5,
  the test to about +-6; no choice between runs, and no run 5 or 6 to set beside the report's.
- ``check``: every cell, each run on 16 rows, 4 validation and 8 test problems, 8 prompts, 16
  new tokens a math answer and 8 a safety response.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from helpers.evaluation import EvalSettings, evaluate_model
from helpers.hayes import HAYES_RUNS, KV_HEADS, GSM8KRun, hayes_run
from helpers.judges import DEFAULT_JUDGE, JUDGES
from helpers.plans.t4 import (
    CHECKPOINT_GB,
    LOAD_MINUTES,
    budget_table,
    generate_minutes,
    judge_minutes,
    kv_cache_gib,
    loaded_weights_gib,
    overheads,
    train_minutes,
    weights_gib,
)
from helpers.runtime import Profile
from helpers.tasks.gsm8k import VALIDATION, gsm8k_task

# Mean tokens of one training example (system prompt, k exemplars, question and worked answer,
# Qwen2.5's tokenizer and chat template) by k, measured with ``Task.mean_example_tokens`` on 200
# rows (seed 0) of the real ``split_train(...).training``: what the T4 estimates use where the
# real data and tokenizer are not at hand (the smoke profile). tests/test_gsm8k.py re-measures.
MEASURED_TOKENS = {0: 188, 5: 740, 8: 1267}
EXEMPLARS = 8  # the fixed exemplars (run 4 shows 8), held out of training and validation
SAFETY_PROMPT_TOKENS = 100  # an AILuminate prompt in the chat template, about


@dataclass(frozen=True)
class GSM8KPlan:
    size: str
    runs: tuple[str, ...]  # Table 2's run numbers ("2*": ours); each adds 15-20 T4 minutes
    train_rows: int  # a seeded subset of the 7,065 training rows: cut so the plan fits its time
    validation: int  # held out from GSM8K train, compares the runs (the split's size)
    safety_prompts: int  # AILuminate, stratified by hazard
    test: int  # GSM8K test, once: the chosen run and the base model
    batch_size: int  # prompts generated together, math and safety alike
    math_tokens: int | None  # a math answer's new tokens at most; None: each run's (512 or 1024)
    safety_tokens: int  # a safety response's new tokens (the seed: 512)

    def __post_init__(self):
        self.experiments()  # an unknown run number stops here, naming the runs there are

    def experiments(self, exemplars_in_training: bool = False) -> tuple[GSM8KRun, ...]:
        """The plan's runs as configs, their exemplars in the training prompts or not."""
        return tuple(hayes_run(number, exemplars_in_training) for number in self.runs)

    @property
    def pool(self) -> int:
        """Training rows left once the exemplars and the validation rows are held out."""
        return HAYES_RUNS[0].train_size - EXEMPLARS - self.validation

    def new_tokens(self, run: GSM8KRun) -> int:
        """A math answer's token budget: the run's own, cut to the plan's ``math_tokens``."""
        if self.math_tokens is None:
            return run.max_new_tokens
        return min(run.max_new_tokens, self.math_tokens)

    def math_settings(self, run: GSM8KRun) -> EvalSettings:
        """How ``run`` (or the base model with its prompt) answers GSM8K at this size."""
        return EvalSettings(
            max_new_tokens=self.new_tokens(run),
            batch_size=self.batch_size,
            max_seq_length=run.max_seq_length + run.max_new_tokens,
        )

    def evaluate(
        self,
        profile: Profile,
        run: GSM8KRun,
        exemplars: Sequence[tuple[str, str]],
        rows: Sequence[dict],
        stem: Path,
        adapter_dir: Path | None = None,
    ) -> list[dict]:
        """GSM8K records of ``run``'s model on ``rows`` at this size: tuned (``adapter_dir``)
        or untuned, greedy, read strictly, the first ``run.shots`` of ``exemplars`` in every
        prompt; saved to ``{stem}.{key}.jsonl`` and resumed (``evaluate_model``)."""
        task = gsm8k_task("strict", exemplars=exemplars[: run.shots])
        settings = self.math_settings(run)
        return evaluate_model(profile, task, rows, stem, settings, run.model_name, adapter_dir)

    def base_prompts(self) -> list[GSM8KRun]:
        """One run per distinct (model, shots, token budget): the base model is evaluated once
        with each, so every run is compared with the untuned model on its own prompt."""
        firsts = {}
        for run in self.experiments():
            firsts.setdefault((run.model_name, run.shots, run.max_new_tokens), run)
        return list(firsts.values())

    def costs(self, run: GSM8KRun, tokens: dict[int, float], rows: int | None = None) -> dict:
        """Estimated T4 minutes of one run: training on ``rows`` (the plan's subset), answering
        the validation problems and the safety prompts. ``tokens``: mean tokens of a training
        example by exemplar count (``MEASURED_TOKENS``, or measured live)."""
        rows = min(self.train_rows, self.pool) if rows is None else rows
        size, batch = run.parameters, self.batch_size
        return {
            "train": train_minutes(
                rows, run.epochs, tokens[run.train_shots], size, batch_size=run.batch_size
            ),
            "validation": generate_minutes(self.validation, self.new_tokens(run), batch, size),
            "safety": generate_minutes(self.safety_prompts, self.safety_tokens, batch, size),
        }

    def budget(
        self, tokens: dict[int, float] = MEASURED_TOKENS, exemplars_in_training: bool = False
    ):
        """The T4 table, section by section: ``tokens`` are a training example's mean tokens by
        exemplar count; ``exemplars_in_training`` prices the runs with them in training."""
        runs = self.experiments(exemplars_in_training)
        evaluated, answering = [*self.base_prompts(), *runs], [*_base_models(runs), *runs]
        big = max(evaluated, key=lambda r: (r.parameters, tokens[r.shots] + r.max_new_tokens))
        generating = _memory(big, self.batch_size, tokens[big.shots] + self.new_tokens(big))
        rows = min(self.train_rows, self.pool)
        sections = {}
        for r in runs:
            memory = _memory(r, r.batch_size, tokens[r.train_shots], training=True)
            training = self.costs(r, tokens)["train"]
            sections[f"train {r.name}: {rows} rows x {r.epochs} epochs"] = (training, memory)
        sections[f"validation: {len(evaluated)} models x {self.validation} problems"] = (
            sum(self.costs(r, tokens)["validation"] for r in evaluated), generating
        )  # fmt: skip
        sections[f"safety: {len(answering)} models x {self.safety_prompts} prompts"] = (
            sum(self.costs(r, tokens)["safety"] for r in answering),
            _memory(big, self.batch_size, SAFETY_PROMPT_TOKENS + self.safety_tokens),
        )
        judge, judged = JUDGES[DEFAULT_JUDGE], len(answering) * self.safety_prompts
        sections[f"judge: {judged} verdicts ({judge.model_id})"] = (
            judge_minutes(judged, judge), f"{judge.weight_gib(bf16=False):.1f} GiB fp32 weights"
        )  # fmt: skip
        test = max(
            generate_minutes(self.test, self.new_tokens(r), self.batch_size, r.parameters)
            for r in runs
        )
        sections[f"test: chosen run and base x {self.test} problems"] = (2 * test, generating)
        sections |= self._run_9_and_ask(runs, tokens)
        # each run's training, each model evaluated and answering, the judge, the test's two
        # models, run 9's step and two batches (section 9), your question's two (section 11)
        loads = len(runs) + len(evaluated) + len(answering) + 1 + 2 + 3 + 2
        models = sorted({r.parameters for r in evaluated})
        checkpoints = [CHECKPOINT_GB[p] for p in models] + [2 * judge.billions]  # judge: bf16
        return budget_table(sections | overheads(loads, checkpoints))

    def _run_9_and_ask(
        self, runs: Sequence[GSM8KRun], tokens: dict[int, float]
    ) -> dict[str, tuple[float, str]]:
        """Section 9 (run 9's one optimizer step, then its first validation batch and the base
        model's) and section 11 (your question to the base model and the chosen run, one of
        ``runs``, answered within its token budget)."""
        run_9 = hayes_run("9")
        rows = run_9.batch_size * run_9.grad_accum
        step = train_minutes(rows, 1, tokens[run_9.train_shots], batch_size=run_9.batch_size)
        first_batch = generate_minutes(self.batch_size, self.new_tokens(run_9), self.batch_size)
        asking = 2 * generate_minutes(1, max(self.new_tokens(r) for r in runs), 1)
        memory = _memory(run_9, self.batch_size, tokens[run_9.shots] + self.new_tokens(run_9))
        return {
            "run 9: one step, two first batches (section 9)": (step + 2 * first_batch, memory),
            "your own question, 2 models (section 11)": (asking, "less than evaluation"),
        }

    def run_table(self, runs: Sequence[GSM8KRun], tokens: dict[int, float]):
        """A ``pandas.DataFrame``, one row per run: what adding it to the plan costs (estimated
        T4 minutes), its training at the plan's size and on every training row, and its
        4-bit weights. The base model's evaluation with a new prompt comes on top."""
        import pandas as pd

        rows, subset = [], min(self.train_rows, self.pool)
        for run in runs:
            cost = self.costs(run, tokens)
            judging = judge_minutes(self.safety_prompts, JUDGES[DEFAULT_JUDGE])
            total = sum(cost.values()) + judging + 3 * LOAD_MINUTES
            with_exemplars = self.costs(replace(run, exemplars_in_training=True), tokens)
            rows.append(
                {
                    "run": run.run,
                    "model": run.model_name.split("/")[-1],
                    "tokens a row": round(tokens[run.train_shots]),
                    f"train {subset} rows": round(cost["train"], 1),
                    "... exemplars in training": round(with_exemplars["train"], 1),
                    f"train all {self.pool}": round(self.costs(run, tokens, self.pool)["train"]),
                    f"validation {self.validation}": cost["validation"],
                    f"safety {self.safety_prompts}": cost["safety"],
                    "run total": round(total),
                    "4-bit weights GiB": round(weights_gib(run.parameters), 1),
                }
            )
        return pd.DataFrame(rows).set_index("run")


def _base_models(runs: Sequence[GSM8KRun]) -> list[GSM8KRun]:
    """One run per model: each untuned model answers the safety prompts once."""
    return list({run.model_name: run for run in runs}.values())


def _memory(run: GSM8KRun, batch_size: int, tokens: float, training: bool = False) -> str:
    """Estimated GPU memory: the weights as Unsloth loads them, and in generation the KV cache
    of ``batch_size`` sequences of ``tokens``. Training's activations are left unestimated,
    and said so."""
    weights = f"{loaded_weights_gib(run.parameters):.1f} GiB weights"
    if training:
        return f"{weights} + activations of {batch_size} x {tokens:.0f} tokens (not estimated)"
    kv = kv_cache_gib(batch_size, tokens, KV_HEADS[run.model_name])
    return f"{weights} + {kv:.1f} GiB KV cache"


SIZES = {
    "full": GSM8KPlan(
        "full", ("5", "6", "2*"), train_rows=1500, validation=VALIDATION, safety_prompts=240,
        test=1319, batch_size=32, math_tokens=None, safety_tokens=512,
    ),
    "class": GSM8KPlan(
        "class", ("2*",), train_rows=1500, validation=VALIDATION, safety_prompts=240,
        test=250, batch_size=32, math_tokens=None, safety_tokens=512,
    ),
    "check": GSM8KPlan(
        "check", ("5", "6", "2*"), train_rows=16, validation=4, safety_prompts=8,
        test=8, batch_size=8, math_tokens=16, safety_tokens=8,
    ),
}  # fmt: skip
