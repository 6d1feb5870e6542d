"""One-at-a-time vs batched greedy generation on the same prompts: same outputs, how much faster?

    python benchmarks/eval_throughput.py                       # tiny smoke model, CPU
    CURRICULUM_MODEL_PATH=DIR python benchmarks/eval_throughput.py --shape qwen2.5-1.5b   # GPU

``--shape qwen2.5-1.5b`` loads the folder ``benchmarks/gpu/make_random_model.py DIR`` writes
(Qwen2.5-Math-1.5B's exact shape, random weights, the real tokenizer) as the notebooks load their
model: ``helpers.models.load_model`` on the colab profile (Unsloth, 4-bit, bf16 from Ampere on,
fp16 on a T4 or with ``CURRICULUM_EMULATE_T4=1``), then ``for_inference``, and batches of
notebook 02's size (``NOTEBOOK_BATCH``). It needs a CUDA GPU and ``$CURRICULUM_MODEL_PATH``; the
goal is a ratio of at least ``GOAL_RATIO`` (``benchmarks/gpu/check.sh`` runs it).

Both modes run in the same process on the same prompts, so the ratio is robust to a noisy
machine. Prints problems/second for each, checks the outputs are identical, and ends with
``ratio: N``.
"""

from __future__ import annotations

import argparse
import os
import time

from helpers.evaluation import generate
from helpers.inequality_splits import load_split
from helpers.models import MODEL_PATH_ENV, for_inference, load_model
from helpers.runtime import get_profile, seed_everything
from helpers.tasks.inequalities import INEQUALITIES

NOTEBOOK_BATCH = 32  # EVAL_BATCH of nbs_py/02_sft_models_abc.py: prompts generated together
GOAL_RATIO = 20  # batched at the notebooks' batch size vs one at a time, on a GPU
# prompts and batch size of each shape, unless given on the command line
DEFAULTS = {"tiny": (64, 64), "qwen2.5-1.5b": (2 * NOTEBOOK_BATCH, NOTEBOOK_BATCH)}


def colab_model():
    """The random Qwen2.5-Math-1.5B in ``$CURRICULUM_MODEL_PATH``, through the colab loader."""
    if not os.environ.get(MODEL_PATH_ENV):
        raise SystemExit(
            f"--shape qwen2.5-1.5b needs {MODEL_PATH_ENV}=DIR, a folder written by "
            "`python benchmarks/gpu/make_random_model.py DIR`"
        )
    profile = get_profile("colab")
    model, tokenizer = load_model(profile)  # Unsloth's 4-bit loader; stops without a GPU
    return for_inference(model, profile), tokenizer


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=["tiny", "qwen2.5-1.5b"], default="tiny")
    parser.add_argument("--n", type=int, help="prompts (tiny: 64; qwen2.5-1.5b: 64)")
    parser.add_argument("--batch-size", type=int, help="tiny: 64; qwen2.5-1.5b: 32")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    args = parser.parse_args()
    n, batch_size = DEFAULTS[args.shape]
    args.n, args.batch_size = args.n or n, args.batch_size or batch_size

    seed_everything(0)
    if args.shape == "tiny":
        model, tokenizer = load_model(get_profile("smoke"))
    else:
        model, tokenizer = colab_model()
    rows = load_split("val", 400)[: args.n]
    prompts = [INEQUALITIES.prompt(tokenizer, row["question"]) for row in rows]
    generate(model, tokenizer, prompts[:2], args.max_new_tokens)  # warm-up

    single, single_s = timed(
        lambda: [generate(model, tokenizer, [p], args.max_new_tokens)[0] for p in prompts]
    )
    batched, batched_s = timed(
        lambda: [
            g
            for i in range(0, len(prompts), args.batch_size)
            for g in generate(
                model, tokenizer, prompts[i : i + args.batch_size], args.max_new_tokens
            )
        ]
    )
    same = sum(a == b for a, b in zip(single, batched, strict=True))
    device = next(model.parameters()).device
    print(f"model: {args.shape} on {device}, {args.n} prompts, {args.max_new_tokens} new tokens")
    print(f"one at a time : {args.n / single_s:8.2f} problems/s ({single_s:.2f} s)")
    print(
        f"batch of {args.batch_size:<4} : {args.n / batched_s:8.2f} problems/s ({batched_s:.2f} s)"
    )
    print(f"identical outputs: {same}/{args.n}")
    print(f"ratio: {single_s / batched_s:.1f}")
    if args.shape != "tiny":
        met = "met" if single_s / batched_s >= GOAL_RATIO else "NOT met"
        print(f"goal: ratio >= {GOAL_RATIO} at batch {args.batch_size}: {met}")
    if same != args.n:
        raise SystemExit("batched outputs differ from one-at-a-time outputs")


if __name__ == "__main__":
    main()
