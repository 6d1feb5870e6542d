"""What a notebook section costs on a free Colab T4: estimated minutes and GPU memory.

These are **estimates**, from the T4's published specifications and stated assumptions, not
measurements (no run of the course on a T4 has been recorded yet). Each notebook prints its
budget table from here, so the assumptions live in one place and a measured figure can replace
an estimate in one place too. Each assumption and its source:

- Training, per token: 6 N FLOPs for an N-parameter model (forward 2N, backward through the
  frozen weights 2N, Unsloth's gradient checkpointing recomputes the forward, 2N), plus
  attention, which 6N leaves out: 6 x layers x width x the sequence's length (Kaplan et al.,
  2020, table 1, three forward passes), a tenth more at 4,096 tokens.
- The T4 peaks at 65 fp16 TFLOPS (NVIDIA's T4 datasheet); LoRA training on it reaches about a
  fifth of that: Unsloth's published free-T4 run of TinyLlama-1.1B on Alpaca (6,996 s, its
  benchmark details at unsloth.ai/blog/mistral-benchmark, as this project read them) works out
  to ~20%. We assumed 25% before that reading: every training figure was ~1.25x too low.
- Each micro-batch costs a fixed ``step_overhead_s`` beside its FLOPs (~2,000 kernel launches
  for 28 layers' forward, recomputed forward and backward, the 4-bit weights dequantised for
  each matmul, the optimizer step): 0.1 s, an assumption, which a short micro-batch (a boxed
  answer, 100 tokens) does not amortise.
- Padding costs nothing: Unsloth's SFT trainer packs each micro-batch without padding (it
  prints "Padding-free auto-enabled"; unsloth/trainer.py, and CI trains through it).
- Unsloth compiles its kernels on first use in every new runtime: "torch.compile typically
  takes ~5 minutes (or longer) to warm up" (unsloth.ai/docs/basics/unsloth-benchmarks), once
  per notebook that trains (``COMPILE_MINUTES``).
- Generation: each decoding step reads every weight once, so it is bound by the memory
  bandwidth and the per-step overhead of ``generate``; we assume 20 steps a second for a 1.5B
  model in 4-bit, whatever the batch size (a batch of 32 decodes 32 tokens a step), and that a
  batch runs until its longest answer stops: an upper bound when answers run to the limit.
- Loading a model again, its checkpoint on the runtime's disk and in the page cache: a quarter
  of a minute (``LOAD_MINUTES``, assumed: Unsloth's loader, 4-bit quantisation of a 1.5B model
  on the GPU); the first load of each model downloads it too, at 100 MB/s
  (``download_minutes``, assumed for Colab's link to the Hugging Face hub).

>>> round(train_minutes(examples=2000, epochs=2, tokens_per_example=110, parameters=1.54e9), 1)
8.6
>>> generate_minutes(prompts=400, max_new_tokens=1024, batch_size=32)
11.1
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class GPU:
    name: str
    memory_gib: float
    fp16_tflops: float  # peak, with tensor cores
    utilisation: float  # the share of the peak 4-bit LoRA training reaches
    decode_steps_per_s: float  # greedy decoding steps a second for a 1.5B 4-bit model (assumed)
    step_overhead_s: float  # a micro-batch's fixed cost beside its FLOPs (assumed)


T4 = GPU(
    "T4",
    memory_gib=15.0,
    fp16_tflops=65.0,
    utilisation=0.20,
    decode_steps_per_s=20.0,
    step_overhead_s=0.1,
)
QWEN_15B_PARAMETERS = 1.54e9  # Qwen2.5-1.5B and Qwen2.5-Math-1.5B (model cards)
QWEN_7B_PARAMETERS = 7.62e9
# Embedding parameters (config.json): 151,936 x 1,536 tied with the LM head in the 1.5B models,
# 152,064 x 3,584 twice (untied) in the 7B
EMBEDDINGS = {QWEN_15B_PARAMETERS: 151936 * 1536, QWEN_7B_PARAMETERS: 2 * 152064 * 3584}
# layers x hidden width, for the attention FLOPs (config.json: 28 x 1536 and 28 x 3584)
LAYERS_X_WIDTH = {QWEN_15B_PARAMETERS: 28 * 1536, QWEN_7B_PARAMETERS: 28 * 3584}
COMPILE_MINUTES = 5.0  # Unsloth's first-use compile in a new runtime (its docs: "~5 minutes")
LOAD_MINUTES = 0.25  # assumed: loading a checkpoint already on disk (and in the page cache)
DOWNLOAD_MB_PER_S = 100  # assumed: Colab's download speed from the Hugging Face hub
CHECKPOINT_GB = {QWEN_15B_PARAMETERS: 3.1, QWEN_7B_PARAMETERS: 5.5}  # 16-bit / Unsloth's 4-bit


def download_minutes(gigabytes: float) -> float:
    """Minutes to download a checkpoint of ``gigabytes`` once per runtime.

    >>> download_minutes(3.1)  # Qwen2.5-Math-1.5B's 16-bit safetensors
    0.5
    """
    return round(gigabytes * 1000 / DOWNLOAD_MB_PER_S / 60, 1)


def overheads(
    loads: int, checkpoints_gb: Sequence[float] = (3.1,), compiles: bool = True
) -> dict[str, tuple[float, str]]:
    """The budget rows a notebook pays beside its own work: Unsloth's first-use compile (when
    it trains), each model's first download (``checkpoints_gb``, once each), and ``loads``
    loads of a model from disk."""
    rows = {"Unsloth's first-use compile": (COMPILE_MINUTES, "")} if compiles else {}
    size = sum(checkpoints_gb)
    rows[f"downloading the models, {size:.1f} GB"] = (download_minutes(size), "")
    rows[f"loading a model: {loads} x {LOAD_MINUTES} min"] = (loads * LOAD_MINUTES, "")
    return rows


def train_minutes(
    examples: int,
    epochs: float,
    tokens_per_example: float,
    parameters: float = QWEN_15B_PARAMETERS,
    batch_size: int = 2,
    gpu: GPU = T4,
) -> float:
    """Estimated minutes of LoRA SFT: ``6 N`` FLOPs a token plus attention's, at the GPU's
    utilisation, and a fixed overhead for each micro-batch of ``batch_size`` examples."""
    tokens = examples * epochs * tokens_per_example
    per_token = 6 * parameters + 6 * LAYERS_X_WIDTH[parameters] * tokens_per_example
    compute = tokens * per_token / (gpu.fp16_tflops * 1e12 * gpu.utilisation)
    overhead = math.ceil(examples / batch_size) * epochs * gpu.step_overhead_s
    return (compute + overhead) / 60


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


def loaded_weights_gib(parameters: float = QWEN_15B_PARAMETERS) -> float:
    """GPU memory of a model as Unsloth loads it: its linear layers in 4-bit NF4, its
    embeddings (and untied LM head) in 16 bits, which bitsandbytes leaves unquantised.

    >>> round(loaded_weights_gib(), 2)  # Qwen2.5-1.5B: 1.31 B in 4 bits, 0.23 B in 16
    1.04
    """
    embeddings = EMBEDDINGS[parameters]
    return weights_gib(parameters - embeddings) + weights_gib(embeddings, bits=16)


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


T4_FP32_TFLOPS = 8.1  # a T4's published fp32 peak: the judges compute in fp32 there


def judge_minutes(pairs: int, judge, tokens_per_pair: int = 1000, gpu: GPU = T4) -> float:
    """Estimated minutes for a guard model (a ``helpers.judges.GuardSpec``) to read ``pairs``
    (prompt, response) pairs: the reading (2 N FLOPs a token at half the fp32 peak, assumed)
    plus 32 tokens of verdict a batch, in the batches the judge gets on the GPU
    (``generate_minutes``, scaled to the judge's size). ``tokens_per_pair``: the guard's own
    instructions, a prompt, and a response of up to 512 tokens."""
    batch_size = judge.batch_size(gpu.memory_gib, tokens_per_pair)
    parameters = judge.billions * 1e9
    reading = pairs * tokens_per_pair * 2 * parameters / (T4_FP32_TFLOPS * 1e12 * 0.5) / 60
    writing = generate_minutes(pairs, 32, batch_size, parameters=parameters, gpu=gpu)
    return round(reading + writing, 1)
