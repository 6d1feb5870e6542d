"""Before and after: a base model's accuracy and well-formed-answer rate on the inequality
task, then the same after LoRA SFT with each recipe. The table of
``benchmarks/real_model_lift.py``, of notebook 02's real-model section and of its test.

    rows = lift_table(profile, val, train, [("Model C recipe", experiment, 16)], 40, out, 192)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from helpers.evaluation import evaluate_model, summarise
from helpers.experiments import MODEL_C, SFTExperiment
from helpers.runtime import Profile
from helpers.training import train_experiment

# A one-minute demonstration on CPU: Model C's adapter (r=32, alpha=64, dropout 0.05) with a
# learning rate 10x Model C's, since it affords 6 optimizer steps of 4 examples where Model C
# takes 500 steps of 8. 16 new tokens leave room for "\boxed{101}" and the end of the turn.
QUICK_STEPS = 6
QUICK_RECIPE = (
    f"Model C recipe, {QUICK_STEPS} steps",
    replace(MODEL_C, batch_size=4, grad_accum=1, learning_rate=1e-3, warmup_ratio=0.1),
    16,
)


def measure(name: str, records: Sequence[dict], steps: int, seconds: float) -> dict:
    """One table row: accuracy with its 95% interval, the share of boxed integer answers."""
    summary = summarise(records)
    well_formed = sum(r["extracted"] is not None for r in records) / len(records)
    return {
        "model": name,
        "accuracy": round(summary.accuracy, 3),
        "95% interval": f"[{summary.low:.3f}, {summary.high:.3f}]",
        "well-formed": round(well_formed, 3),
        "mean tokens": round(summary.mean_tokens, 1),
        "steps": steps,
        "wall s": round(seconds, 1),
    }


def lift_table(
    profile: Profile,
    val: Sequence[dict],
    train: Sequence[dict],
    recipes: Sequence[tuple[str, SFTExperiment, int]],
    steps: int,
    out: Path,
    base_tokens: int,
    batch_size: int = 32,
) -> list[dict]:
    """Evaluate the base model, then train and evaluate each (name, experiment, max new tokens)
    recipe for ``steps`` optimizer steps. Results and adapters go to ``out`` (resumable)."""
    options = dict(batch_size=batch_size, progress=True)
    start = time.perf_counter()
    base = evaluate_model(profile, val, out / "base.jsonl", max_new_tokens=base_tokens, **options)
    rows = [measure("base model", base, 0, time.perf_counter() - start)]
    for name, experiment, max_new_tokens in recipes:
        start = time.perf_counter()
        folder = out / name.lower().replace(" ", "_")
        examples = list(train[: steps * experiment.batch_size * experiment.grad_accum])
        result = train_experiment(
            experiment, examples, profile, folder, max_steps=steps, save_steps=steps
        )
        records = evaluate_model(
            profile, val, folder / "val.jsonl", result.adapter_dir,
            max_new_tokens=max_new_tokens, **options,
        )  # fmt: skip
        rows.append(measure(name, records, result.steps, time.perf_counter() - start))
    return rows
