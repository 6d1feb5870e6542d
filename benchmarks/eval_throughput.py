"""One-at-a-time vs batched greedy generation on the same prompts: same outputs, how much faster?

    python benchmarks/eval_throughput.py                       # tiny smoke model, CPU
    python benchmarks/eval_throughput.py --shape qwen2.5-1.5b  # random weights, real shape (GPU)

Both modes run in the same process on the same prompts, so the ratio is robust to a noisy
machine. Prints problems/second for each, checks the outputs are identical, and ends with
``ratio: N``.
"""

from __future__ import annotations

import argparse
import time

import torch

from helpers.evaluation import generate
from helpers.inequalities import load_split
from helpers.models import load_model, load_tokenizer
from helpers.prompts import render_prompt
from helpers.runtime import get_profile, seed_everything

# Qwen2.5-1.5B's architecture (its config.json), for speed and memory without the weights.
QWEN25_15B_SHAPE = dict(
    hidden_size=1536,
    intermediate_size=8960,
    num_hidden_layers=28,
    num_attention_heads=12,
    num_key_value_heads=2,
    vocab_size=151936,
    max_position_embeddings=4096,
    rope_theta=10000.0,
    tie_word_embeddings=True,
)


def random_qwen_15b(tokenizer):
    """Qwen2.5-1.5B's shape with random weights, in bf16/fp16 on the GPU if there is one."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    config = Qwen2Config(
        **QWEN25_15B_SHAPE,
        eos_token_id=tokenizer.convert_tokens_to_ids("<|im_end|>"),
        pad_token_id=tokenizer.pad_token_id,
    )
    cuda = torch.cuda.is_available()
    dtype = (torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16) if cuda else None
    model = Qwen2ForCausalLM(config).to(dtype=dtype or torch.float32)
    return model.to("cuda" if cuda else "cpu").eval()


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
    profile = get_profile("smoke")
    tokenizer = load_tokenizer(profile)
    if args.shape == "tiny":
        model, tokenizer = load_model(profile)
    else:
        model = random_qwen_15b(tokenizer)
    rows = load_split("val", 400)[: args.n]
    prompts = [render_prompt(tokenizer, row["question"]) for row in rows]
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
