"""One-at-a-time vs batched greedy generation on the same prompts: same outputs, how much faster?

    python benchmarks/eval_throughput.py                       # tiny smoke model, CPU
    python benchmarks/eval_throughput.py --shape qwen2.5-1.5b  # random Qwen2.5-Math-1.5B (GPU)

Both modes run in the same process on the same prompts, so the ratio is robust to a noisy
machine. Prints problems/second for each, checks the outputs are identical, and ends with
``ratio: N``.
"""

from __future__ import annotations

import argparse
import time

import torch

from helpers.evaluation import generate
from helpers.inequality_splits import load_split
from helpers.models import compute_dtype, load_model
from helpers.qwen_offline import qwen25_tokenizer, random_qwen25_math
from helpers.runtime import get_profile, seed_everything
from helpers.tasks import INEQUALITIES


def random_qwen_math():
    """Qwen2.5-Math-1.5B's shape with random weights and its real tokenizer, on the GPU if there
    is one (in ``compute_dtype()``: bf16 from Ampere on, fp16 on a T4), else in fp32."""
    if not torch.cuda.is_available():
        return random_qwen25_math(torch.float32), qwen25_tokenizer()
    return random_qwen25_math(compute_dtype()).to("cuda"), qwen25_tokenizer()


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=["tiny", "qwen2.5-1.5b"], default="tiny")
    parser.add_argument("--n", type=int, default=64, help="prompts")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    args = parser.parse_args()

    seed_everything(0)
    if args.shape == "tiny":
        model, tokenizer = load_model(get_profile("smoke"))
    else:
        model, tokenizer = random_qwen_math()
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
    if same != args.n:
        raise SystemExit("batched outputs differ from one-at-a-time outputs")


if __name__ == "__main__":
    main()
