"""Lift: how far a LoRA SFT recipe raises a model's accuracy and its share of well-formed
answers on the inequality task (after minus before), measured on held-out problems whose twin it
trained on and on problems of forms it never saw. The table of ``real_model_lift.py``, of
``real_model_grpo.py`` and of ``tests/test_real_model.py``, on the real CPU model (SmolLM2).

    rows = lift_table(profile, held_out=val, train=train, recipes=[QUICK_RECIPE],
                      steps=QUICK_STEPS, out=folder, base_tokens=192)
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from helpers.evaluation import EvalSettings, evaluate_model
from helpers.experiments import MODEL_C, SFTExperiment
from helpers.inequality_splits import has_twin, load_split
from helpers.runtime import Profile
from helpers.statistics import summarise
from helpers.tasks.inequalities import INEQUALITIES
from helpers.training import train_experiment


@dataclass(frozen=True)
class Recipe:
    """A training run of the table, and the new tokens its answers need."""

    name: str
    experiment: SFTExperiment
    max_new_tokens: int


# A one-minute demonstration on CPU: Model C's adapter (r=32, alpha=64, dropout 0.05) with a
# learning rate 10x Model C's, since it affords 6 optimizer steps of 4 examples where Model C
# takes 500 steps of 8. 16 new tokens leave room for "\boxed{101}" and the end of the turn.
QUICK_STEPS = 6
QUICK_RECIPE = Recipe(
    name=f"Model C recipe, {QUICK_STEPS} steps",
    experiment=replace(MODEL_C, batch_size=4, grad_accum=1, learning_rate=1e-3, warmup_ratio=0.1),
    max_new_tokens=16,
)


def measure(name: str, split: str, records: Sequence[dict], steps: int, seconds: float) -> dict:
    """One table row: accuracy with its 95% interval, the share of boxed integer answers."""
    summary = summarise(records)
    well_formed = sum(r["extracted"] is not None for r in records) / len(records)
    return {
        "model": name,
        "split": split,
        "n": summary.n,
        "accuracy": round(summary.accuracy, 3),
        "95% interval": f"[{summary.low:.3f}, {summary.high:.3f}]",
        "well-formed": round(well_formed, 3),
        "mean tokens": round(summary.mean_tokens, 1),
        "steps": steps,
        "wall s": round(seconds, 1),  # training (once per model, on its first row) + this split
    }


def trained_rows(train: Sequence[dict], experiment: SFTExperiment, steps: int) -> list[dict]:
    """The rows ``steps`` optimizer steps of ``experiment`` see: one pass, no repeats."""
    return list(train[: steps * experiment.batch_size * experiment.grad_accum])


def held_out_sets(seen: Sequence[dict], n: int) -> dict[str, list[dict]]:
    """The two held-out sets of ``n`` problems the real-model benchmarks measure: ``twin``,
    validation problems whose canonical form is among the ``seen`` training rows, and
    ``novel``, problems of ``val_novel_400``, whose form no training file has."""
    val = load_split("val", 400)
    return {
        "twin": [row for row, twin in zip(val, has_twin(val, seen), strict=True) if twin][:n],
        "novel": load_split("val_novel", 400)[:n],
    }


def lift_table(
    profile: Profile,
    *,
    held_out: Mapping[str, Sequence[dict]],
    train: Sequence[dict],
    recipes: Sequence[Recipe],
    steps: int,
    out: Path,
    base_tokens: int,
    batch_size: int = 32,
) -> list[dict]:
    """Evaluate the base model on each held-out split, then train each recipe for ``steps``
    optimizer steps and evaluate it on each split. Results and adapters go to ``out``
    (resumable, keyed by their settings). One row per model and split."""
    settings = EvalSettings(max_new_tokens=base_tokens, batch_size=batch_size)
    rows = _evaluate_splits("base model", held_out, profile, Path(out), settings, None, 0, 0.0)
    for recipe in recipes:
        start = time.perf_counter()
        folder = Path(out) / recipe.experiment.slug
        result = train_experiment(
            recipe.experiment, INEQUALITIES, trained_rows(train, recipe.experiment, steps),
            profile, folder,
            max_steps=steps, save_steps=steps,
        )  # fmt: skip
        trained = time.perf_counter() - start
        settings = replace(settings, max_new_tokens=recipe.max_new_tokens)
        rows += _evaluate_splits(
            recipe.name,
            held_out,
            profile,
            folder,
            settings,
            result.adapter_dir,
            result.steps,
            trained,
        )
    return rows


def _evaluate_splits(name, held_out, profile, folder, settings, adapter_dir, steps, trained):
    rows = []
    for split, items in held_out.items():
        start = time.perf_counter()
        records = evaluate_model(
            profile, INEQUALITIES, items, folder / split, settings, adapter_dir=adapter_dir
        )
        seconds = time.perf_counter() - start + trained
        rows.append(measure(name, split, records, steps, seconds))
        trained = 0.0  # counted once, on the model's first split
    return rows


def quick_table(profile: Profile, *, held_out: Sequence[dict], train: Sequence[dict], out: Path):
    """The one-minute demonstration: ``QUICK_RECIPE`` for ``QUICK_STEPS`` steps."""
    return lift_table(
        profile,
        held_out={"val": held_out},
        train=train,
        recipes=[QUICK_RECIPE],
        steps=QUICK_STEPS,
        out=out,
        base_tokens=QUICK_RECIPE.max_new_tokens,
    )
