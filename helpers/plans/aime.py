"""What notebook 03 costs on a free Colab T4, section by section: estimated minutes and memory.

The sizes are the colab profile's whichever profile prints the table (the smoke fixtures say
nothing about a T4): the report's 890 / 60 / 30 split, and token counts measured once on the
hub's data with the real Qwen2.5 tokenizer (``HUB_TOKENS``; ``tests/test_aime.py`` measures
them again when the real files are present). Every figure comes from ``helpers.plans.t4``.

>>> from helpers.experiments import AIME_RUN
>>> sections = aime_sections(AIME_RUN, eval_batch=16, ask_tokens=1536)
>>> round(sections["training, 890 x 2 epochs (section 5)"][0], 1)
6.0
"""

from __future__ import annotations

from helpers.experiments import SFTExperiment
from helpers.local.qwen_offline import qwen25_math_config
from helpers.models import lora_parameter_counts
from helpers.plans.t4 import (
    COMPILE_MINUTES,
    LOAD_MINUTES,
    QWEN_15B_PARAMETERS,
    generate_minutes,
    kv_cache_gib,
    lora_state_gib,
    train_minutes,
    weights_gib,
)

HUB_SIZES = {"train": 890, "validation": 60, "test": 30}  # the report's split, on the hub's data
SOLVED = 90  # training problems with a worked solution (2022-2024): exercise 1 trains on these
HUB_TOKENS = {  # the hub's data, the Qwen2.5 tokenizer and chat template, cleaned targets
    "train_mean": 213,  # a training example (prompt + target), on average; the longest: 2,815
    "solved_mean": 757,  # one of the 90 with a worked solution, on average
    "longest_prompt": 425,  # the longest validation or test prompt
}
EXPORT_MINUTES = 10  # an assumption, not measured: Unsloth builds llama.cpp, merges, quantises


def aime_sections(
    experiment: SFTExperiment, eval_batch: int, ask_tokens: int, positions: int = 4096
) -> dict:
    """``{section: (T4 minutes, memory)}`` of notebook 03 at the colab sizes, for
    ``helpers.plans.t4.budget_table``: ``experiment`` is the training run (``AIME_RUN``),
    ``eval_batch`` the prompts generated together, ``ask_tokens`` the new tokens of each answer
    to your own question (two models), ``positions`` the model's (4,096)."""
    weights = weights_gib(QWEN_15B_PARAMETERS, bits=4)
    new_tokens = positions - HUB_TOKENS["longest_prompt"]
    val = generate_minutes(HUB_SIZES["validation"], new_tokens, eval_batch)
    passes = val + generate_minutes(HUB_SIZES["test"], new_tokens, eval_batch)
    kv = kv_cache_gib(eval_batch, positions)
    generating = (
        f"{weights:.1f} GiB 4-bit weights + {kv:.1f} GiB KV cache ({eval_batch} x {positions})"
    )
    lora = lora_state_gib(lora_parameter_counts(qwen25_math_config(), experiment.lora)[0])
    training = (
        f"{weights:.1f} GiB weights + {lora:.1f} GiB LoRA and Adam + activations "
        f"({experiment.batch_size} x up to {experiment.max_seq_length}; peak printed in section 5)"
    )
    epochs, batch = experiment.epochs, experiment.batch_size
    train = train_minutes(HUB_SIZES["train"], epochs, HUB_TOKENS["train_mean"], batch_size=batch)
    solved = train_minutes(SOLVED, epochs, HUB_TOKENS["solved_mean"], batch_size=batch)
    loads = 2 + 1 + 2 + 2 + 3  # baseline (val, test), training, tuned (val, test), ask, exercise
    merged = weights_gib(QWEN_15B_PARAMETERS, bits=16)
    problems = f"{HUB_SIZES['validation']} + {HUB_SIZES['test']} problems"
    return {
        "Unsloth's first-use compile": (COMPILE_MINUTES, ""),
        "token lengths (section 3, CPU)": (0.0, "none"),
        f"baseline, {problems} (sections 4, 6)": (passes, generating),
        f"training, {HUB_SIZES['train']} x {experiment.epochs} epochs (section 5)": (
            train,
            training,
        ),
        f"tuned, {problems} (sections 5, 6)": (passes, generating),
        "your own question, 2 models (section 10)": (
            2 * generate_minutes(1, ask_tokens, 1),
            "less than evaluation: one prompt",
        ),
        "export, if EXPORT (section 11)": (EXPORT_MINUTES, f"{merged:.1f} GiB, merged 16-bit"),
        "exercise solutions 1-2 (Run all runs them)": (solved + 2 * val, "as training, evaluation"),
        f"loading the model: {loads} x {LOAD_MINUTES} min": (loads * LOAD_MINUTES, ""),
    }
