"""Load a base model and its tokenizer, add LoRA, save and reload adapters.

One call serves both profiles:

    model, tokenizer = load_model(profile, lora=LoraSettings(r=64, alpha=128, dropout=0.0))

- colab: Unsloth's ``FastLanguageModel`` (``unsloth/Qwen2.5-Math-1.5B`` in 4-bit), LoRA through
  ``FastLanguageModel.get_peft_model``. Unsloth is imported only there: it needs a GPU, and it
  must be imported before transformers, trl and peft touch the model so its patches apply.
- smoke: a local CPU model from ``helpers.cpu_models`` (the tiny random Qwen2, or the real
  SmolLM2-135M-Instruct with ``CURRICULUM_MODEL=smollm2``); LoRA through PEFT.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from helpers.cpu_models import cpu_model_path
from helpers.runtime import Profile

MATH_MODEL = "unsloth/Qwen2.5-Math-1.5B"  # the seed's model (Ely, Part I and II)
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
STOP_TOKENS = ("<|im_end|>", "<|endoftext|>")  # end of an assistant turn / of the text


@dataclass(frozen=True)
class LoraSettings:
    """LoRA adapter shape; applied to every attention and MLP projection (``LORA_TARGETS``)."""

    r: int
    alpha: int
    dropout: float = 0.0


def load_model(
    profile: Profile,
    model_name: str = MATH_MODEL,
    max_seq_length: int = 1024,
    lora: LoraSettings | None = None,
    seed: int = 3407,
):
    """``(model, tokenizer)`` for the profile, with LoRA adapters added when ``lora`` is given."""
    if profile.is_smoke:
        return _load_smoke(profile, lora, seed)
    return _load_unsloth(model_name, max_seq_length, lora, seed)


def load_tokenizer(profile: Profile, model_name: str = MATH_MODEL):
    """Only the tokenizer (cheap): to look at chat templates and token counts."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(
        cpu_model_path(profile) if profile.is_smoke else model_name
    )


def _load_smoke(profile: Profile, lora: LoraSettings | None, seed: int):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = cpu_model_path(profile)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    if lora is not None:
        from peft import LoraConfig, get_peft_model

        torch.manual_seed(seed)
        config = LoraConfig(
            r=lora.r,
            lora_alpha=lora.alpha,
            lora_dropout=lora.dropout,
            target_modules=list(LORA_TARGETS),
            task_type="CAUSAL_LM",
        )
        model = get_peft_model(model, config)
    return model, tokenizer


def _load_unsloth(model_name: str, max_seq_length: int, lora: LoraSettings | None, seed: int):
    from unsloth import FastLanguageModel  # first: it patches transformers, trl and peft

    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=model_name,
        max_seq_length=max_seq_length,
        dtype=None,  # Unsloth picks bf16 where supported, fp16 on a T4
        load_in_4bit=True,  # QLoRA: the 1.5B base takes ~1.2 GB instead of ~3 GB
    )
    if lora is not None:
        model = FastLanguageModel.get_peft_model(
            model,
            r=lora.r,
            lora_alpha=lora.alpha,
            lora_dropout=lora.dropout,
            target_modules=list(LORA_TARGETS),
            bias="none",
            use_gradient_checkpointing="unsloth",  # trades ~20% speed for much less memory
            random_state=seed,
        )
    return model, tokenizer


def load_adapter(profile: Profile, adapter_dir: Path, max_seq_length: int = 1024):
    """The base model with a saved LoRA adapter applied, ready for evaluation."""
    adapter_dir = Path(adapter_dir)
    if not (adapter_dir / "adapter_config.json").exists():
        raise FileNotFoundError(f"no adapter in {adapter_dir}: train it first, or fix the path")
    if not profile.is_smoke:
        from unsloth import FastLanguageModel

        # Unsloth reads the base model's name from adapter_config.json and applies the adapter.
        return FastLanguageModel.from_pretrained(
            model_name=str(adapter_dir), max_seq_length=max_seq_length, load_in_4bit=True
        )
    from peft import PeftModel

    model, tokenizer = _load_smoke(profile, lora=None, seed=0)
    return PeftModel.from_pretrained(model, adapter_dir), tokenizer


def for_inference(model, profile: Profile):
    """Switch to generation mode (Unsloth's 2x faster inference path on GPU)."""
    if not profile.is_smoke:
        from unsloth import FastLanguageModel

        FastLanguageModel.for_inference(model)
    model.eval()
    return model


def stop_token_ids(tokenizer) -> list[int]:
    """Ids that end generation: the end of a ChatML turn, the end of text, and the tokenizer's
    own end-of-sequence token (``<|eot_id|>`` for a Llama guard model)."""
    vocab = tokenizer.get_vocab()
    ids = [vocab[token] for token in STOP_TOKENS if token in vocab]
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in ids:
        ids.append(tokenizer.eos_token_id)
    return ids


@contextmanager
def loaded_model(
    profile: Profile,
    model_name: str = MATH_MODEL,
    adapter_dir: Path | None = None,
    max_seq_length: int = 2048,
):
    """``(model, tokenizer)`` ready for generation: the base model, or base + a saved adapter.
    The model is freed when the ``with`` block ends, so the next one fits on the GPU."""
    if adapter_dir is None:
        model, tokenizer = load_model(profile, model_name, max_seq_length)
    else:
        model, tokenizer = load_adapter(profile, adapter_dir, max_seq_length)
    for_inference(model, profile)
    try:
        yield model, tokenizer
    finally:
        del model
        free_memory()


def free_memory() -> None:
    """Release a model that went out of scope, so the next one fits on the GPU."""
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
