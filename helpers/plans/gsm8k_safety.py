"""What notebook 04 trains and evaluates, and its estimated cost on a free T4.

``GSM8KPlan`` holds the plan's sizes and turns them into ``helpers.plans.t4`` estimates (stated
assumptions, not measurements): a budget table for the notebook's top and a table of what each
further run would add.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from helpers.hayes import HAYES_RUNS, KV_HEADS, GSM8KRun
from helpers.plans.t4 import COMPILE_MINUTES, LOAD_MINUTES
from helpers.tasks.gsm8k import VALIDATION

# Mean tokens of one training example (system prompt, k exemplars, question and worked answer,
# Qwen2.5's tokenizer and chat template) by k, measured with ``Task.mean_example_tokens`` on 200
# rows (seed 0) of the real ``split_train(...).training``: what the T4 estimates use where the
# real data and tokenizer are not at hand (the smoke profile). tests/test_gsm8k.py re-measures.
MEASURED_TOKENS = {0: 188, 5: 740, 8: 1267}


@dataclass(frozen=True)
class GSM8KPlan:
    """What notebook 04 trains and evaluates, and its estimated T4 cost (``helpers.plans.t4``:
    estimates from stated assumptions, not measurements). Sizes are the colab profile's."""

    runs: tuple[GSM8KRun, ...]
    train_rows: int = 1500  # a seeded subset of the training rows: cut to fit two T4 hours
    validation: int = VALIDATION  # held out from GSM8K train, compares the runs
    safety_prompts: int = 240  # AILuminate, stratified by hazard
    test: int = 1319  # GSM8K test, once: the chosen run and the base model
    batch_size: int = 32  # prompts generated together, math and safety alike
    exemplars: int = 8  # the fixed exemplars, held out from training too

    @property
    def pool(self) -> int:
        """Training rows left once the exemplars and the validation rows are held out."""
        return HAYES_RUNS[0].train_size - self.exemplars - self.validation

    def base_prompts(self) -> list[GSM8KRun]:
        """One run per distinct (model, shots, token budget): the base model is evaluated once
        with each, so every run is compared with the untuned model on its own prompt."""
        firsts = {}
        for run in self.runs:
            firsts.setdefault((run.model_name, run.shots, run.max_new_tokens), run)
        return list(firsts.values())

    def costs(self, run: GSM8KRun, tokens: dict[int, float], rows: int | None = None) -> dict:
        """Estimated T4 minutes of one run: training on ``rows`` (the plan's subset), answering
        the validation problems and the safety prompts. ``tokens``: mean tokens of a training
        example by exemplar count (``helpers.tasks.gsm8k.MEASURED_TOKENS``, or measured live)."""
        from helpers.plans.t4 import generate_minutes, train_minutes

        rows = min(self.train_rows, self.pool) if rows is None else rows
        size, batch = run.parameters, self.batch_size
        return {
            "train": train_minutes(
                rows, run.epochs, tokens[run.train_shots], size, batch_size=run.batch_size
            ),
            "validation": generate_minutes(self.validation, run.max_new_tokens, batch, size),
            "safety": generate_minutes(self.safety_prompts, 512, batch, size),
        }

    def sections(self, tokens: dict[int, float]) -> dict[str, tuple[float, str]]:
        """``{section: (minutes, memory)}`` of the whole plan, for ``budget_table``."""
        from helpers.judges import DEFAULT_JUDGE, JUDGES
        from helpers.plans.t4 import generate_minutes, judge_minutes

        runs, evaluated = self.runs, [*self.base_prompts(), *self.runs]
        answering = [*{r.model_name: r for r in runs}.values(), *runs]  # each base, each run
        big = max(evaluated, key=lambda r: (r.parameters, tokens[r.shots] + r.max_new_tokens))
        longest = tokens[big.shots] + big.max_new_tokens  # the longest prompt and answer
        rows = min(self.train_rows, self.pool)
        sections = {"Unsloth's first-use compile": (COMPILE_MINUTES, "")}
        for r in runs:
            memory = _memory(r, r.batch_size, tokens[r.train_shots], training=True)
            sections[f"train {r.name}: {rows} rows x {r.epochs} epochs"] = (
                self.costs(r, tokens)["train"], memory
            )  # fmt: skip
        sections[f"validation: {len(evaluated)} models x {self.validation} problems"] = (
            sum(self.costs(r, tokens)["validation"] for r in evaluated),
            _memory(big, self.batch_size, longest),
        )
        sections[f"safety: {len(answering)} models x {self.safety_prompts} prompts"] = (
            sum(self.costs(r, tokens)["safety"] for r in answering),
            _memory(big, self.batch_size, 600),  # a prompt of ~100 tokens, 512 answered
        )
        judge, judged = JUDGES[DEFAULT_JUDGE], len(answering) * self.safety_prompts
        sections[f"judge: {judged} verdicts ({judge.model_id})"] = (
            judge_minutes(judged, judge), f"{judge.weight_gib(bf16=False):.1f} GiB fp32 weights"
        )  # fmt: skip
        batch = self.batch_size
        test = max(generate_minutes(self.test, r.max_new_tokens, batch, r.parameters) for r in runs)
        sections[f"test: chosen run and base x {self.test} problems"] = (
            2 * test, _memory(big, self.batch_size, longest)
        )  # fmt: skip
        loads = len(runs) + len(evaluated) + len(answering) + 1 + 2  # + the judge, the test
        sections[f"loading models: {loads} x {LOAD_MINUTES} min (assumed)"] = (
            loads * LOAD_MINUTES, ""
        )  # fmt: skip
        return sections

    def run_table(self, runs: Sequence[GSM8KRun], tokens: dict[int, float]):
        """A ``pandas.DataFrame``, one row per run: what adding it to the plan costs (estimated
        T4 minutes), its training at the plan's size and on every training row, and its
        4-bit weights. The base model's evaluation with a new prompt comes on top."""
        import pandas as pd

        from helpers.judges import DEFAULT_JUDGE, JUDGES
        from helpers.plans.t4 import judge_minutes, weights_gib

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


def _memory(run: GSM8KRun, batch_size: int, tokens: float, training: bool = False) -> str:
    """Estimated GPU memory: the 4-bit weights, and in generation the KV cache of
    ``batch_size`` sequences of ``tokens``. Training's activations are left unestimated, and
    said so."""
    from helpers.plans.t4 import kv_cache_gib, weights_gib

    weights = f"{weights_gib(run.parameters):.1f} GiB 4-bit weights"
    if training:
        return f"{weights} + activations of {batch_size} x {tokens:.0f} tokens (not estimated)"
    kv = kv_cache_gib(batch_size, tokens, KV_HEADS[run.model_name])
    return f"{weights} + {kv:.1f} GiB KV cache"
