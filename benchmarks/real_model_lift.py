"""Learned or memorised? SmolLM2-135M-Instruct on CPU, before and after LoRA SFT, on problems
whose twin it trained on and on problems of a form it never saw.

    python -m pip install --no-deps -r requirements-cpu-no-deps.txt   # once
    python benchmarks/real_model_lift.py             # 55 minutes here, on 2 cores
    python benchmarks/real_model_lift.py --quick     # a few minutes, smaller everything

Two held-out sets of ``--n`` problems each: ``twin``, validation problems whose canonical form
(the same problem after one line of algebra) is among the training rows the recipes see, and
``novel``, problems of ``val_novel_400.jsonl``, whose form no training file has. The base model,
then LoRA SFT with Model C's settings (answer-only targets) and with Model D's (worked
solutions), each scaled to a CPU budget, are measured on both, next to the constant-answer and
lookup-table baselines. Prints the table and saves it as JSON in the run folder. Whatever the
numbers are, they are the result: a model that only recalls twins is a finding.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace

from benchmarks.lift import Recipe, held_out_sets, lift_table, trained_rows
from helpers.experiments import MODEL_C, MODEL_D, format_table
from helpers.inequality_splits import constant_baseline, load_split, lookup_baseline
from helpers.runtime import get_profile, run_dir, seed_everything


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 problems a set, 10 steps each")
    parser.add_argument("--n", type=int, default=200, help="problems in each held-out set")
    parser.add_argument("--steps", type=int, default=120, help="optimizer steps per recipe")
    parser.add_argument("--lr", type=float, default=5e-4, help="learning rate of both recipes")
    args = parser.parse_args()
    n, steps = (40, 10) if args.quick else (args.n, args.steps)

    start = time.perf_counter()
    seed_everything(0)
    profile = get_profile("smoke", cpu_model="smollm2")
    out = run_dir("real_model_lift", profile)
    # Model C / D settings (r=32, alpha=64, dropout 0.05, linear warmup and decay) scaled to a
    # CPU: batch 4 without accumulation, `steps` optimizer steps instead of 500, and so a larger
    # learning rate (5e-4 instead of 1e-4; a --quick run at 1e-4 learned nothing in 10 steps).
    cpu = dict(batch_size=4, grad_accum=1, learning_rate=args.lr)
    recipes = [
        Recipe("Model C recipe", replace(MODEL_C, **cpu), max_new_tokens=16),
        Recipe("Model D recipe", replace(MODEL_D, **cpu), max_new_tokens=192),  # solutions <= 162
    ]
    train = load_split("train", 2000)
    seen = trained_rows(train, recipes[0].experiment, steps)  # the same rows for both recipes
    held_out = held_out_sets(seen, n)
    baselines = {
        split: {
            "constant": constant_baseline(seen, rows)[1],
            "lookup": lookup_baseline(seen, rows),
        }
        for split, rows in held_out.items()
    }
    table = lift_table(
        profile,
        held_out=held_out,
        train=train,
        recipes=recipes,
        steps=steps,
        out=out,
        base_tokens=192,
    )
    for row in table:
        row["model"] = row["model"].replace("base model", "base SmolLM2-135M-Instruct")
        row |= {f"{name} baseline": round(v, 3) for name, v in baselines[row["split"]].items()}
    print(format_table(table))
    report = {
        "command": " ".join(["python benchmarks/real_model_lift.py", *sys.argv[1:]]),
        "wall_s": round(time.perf_counter() - start),
        "rows": table,
        "baselines": baselines,
        "trained_rows": len(seen),
    }
    (out / "lift.json").write_text(json.dumps(report, indent=1))
    print("saved", out / "lift.json")


if __name__ == "__main__":
    main()
