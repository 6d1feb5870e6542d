"""What a notebook section costs on a free Colab T4: estimated minutes and GPU memory.

These are **estimates**, from the T4's published specifications and stated assumptions, not
measurements (no run of the course on a T4 has been recorded yet). Each notebook prints its
budget table from here, so the assumptions live in one place and a measured figure can replace
an estimate in one place too.

- Training: a LoRA step costs about 6 N FLOPs per token for an N-parameter model (forward 2N,
  backward through the frozen weights 2N, Unsloth's gradient checkpointing recomputes the
  forward, 2N); the T4 peaks at 65 fp16 TFLOPS and 4-bit training reaches perhaps a quarter.
- Generation: each decoding step reads every weight once, so it is bound by the memory
  bandwidth and the per-step overhead of ``generate``; we assume 20 steps a second for a 1.5B
  model in 4-bit, whatever the batch size (a batch of 32 decodes 32 tokens a step), and that a
  batch runs until its longest answer stops: an upper bound when answers run to the limit.

>>> round(train_minutes(examples=2000, epochs=2, tokens_per_example=110, parameters=1.54e9), 1)
4.2
>>> generate_minutes(prompts=400, max_new_tokens=1024, batch_size=32)
11.1
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class GPU:
    name: str
    memory_gib: float
    fp16_tflops: float  # peak, with tensor cores
    utilisation: float  # the share of the peak 4-bit LoRA training reaches (an assumption)
    decode_steps_per_s: float  # greedy decoding steps a second for a 1.5B 4-bit model (assumed)


T4 = GPU("T4", memory_gib=15.0, fp16_tflops=65.0, utilisation=0.25, decode_steps_per_s=20.0)
QWEN_15B_PARAMETERS = 1.54e9  # Qwen2.5-1.5B and Qwen2.5-Math-1.5B (model cards)
QWEN_7B_PARAMETERS = 7.62e9


def train_minutes(
    examples: int,
    epochs: float,
    tokens_per_example: float,
    parameters: float = QWEN_15B_PARAMETERS,
    gpu: GPU = T4,
) -> float:
    """Estimated minutes of LoRA SFT: ``6 N`` FLOPs per token at the assumed utilisation."""
    tokens = examples * epochs * tokens_per_example
    return tokens * 6 * parameters / (gpu.fp16_tflops * 1e12 * gpu.utilisation) / 60


def generate_minutes(
    prompts: int,
    max_new_tokens: int,
    batch_size: int,
    parameters: float = QWEN_15B_PARAMETERS,
    gpu: GPU = T4,
) -> float:
    """Estimated minutes to answer ``prompts`` when every batch runs to ``max_new_tokens``
    (an upper bound); a larger model decodes proportionally slower."""
    steps = math.ceil(prompts / batch_size) * max_new_tokens
    rate = gpu.decode_steps_per_s * QWEN_15B_PARAMETERS / parameters
    return round(steps / rate / 60, 1)


def weights_gib(parameters: float, bits: int = 4) -> float:
    """GPU memory of the weights alone (activations, LoRA state and the KV cache come on top)."""
    return parameters * bits / 8 / 2**30


def kv_cache_gib(batch_size: int, tokens: float, kv_heads: int = 2) -> float:
    """The KV cache of a batch of ``tokens``-long sequences (prompt and answer) in Qwen2.5: the
    key and value of each token in 28 layers x ``kv_heads`` heads (2 in the 1.5B models, 4 in
    the 7B) x 128 dims, 2 bytes each.

    >>> round(kv_cache_gib(32, 1100), 2)
    0.94
    """
    return batch_size * tokens * 2 * 28 * kv_heads * 128 * 2 / 2**30


def lora_state_gib(lora_parameters: float) -> float:
    """The trainable adapter in training: fp32 weights, gradients and Adam's two moments,
    16 bytes a parameter."""
    return lora_parameters * 16 / 2**30


def budget_table(sections: dict[str, tuple[float, str]], gpu: GPU = T4):
    """A ``pandas.DataFrame`` of ``{section: (minutes, memory)}``, the minutes to a tenth and
    the total to a minute, every figure labelled an estimate."""
    import pandas as pd

    rows = {name: {"T4 minutes (estimate)": round(minutes, 1), "GPU memory (estimate)": memory}
            for name, (minutes, memory) in sections.items()}  # fmt: skip
    total = sum(minutes for minutes, _ in sections.values())
    rows["total"] = {"T4 minutes (estimate)": round(total), "GPU memory (estimate)": ""}
    return pd.DataFrame.from_dict(rows, orient="index")
