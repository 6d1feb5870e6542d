"""Load a base model and its tokenizer, add LoRA, save and reload adapters.

One call serves both profiles:

    model, tokenizer = load_model(profile, lora=LoraSettings(r=64, alpha=128, dropout=0.0))

- colab: Unsloth's ``FastLanguageModel`` (``unsloth/Qwen2.5-Math-1.5B`` in 4-bit), LoRA through
  ``FastLanguageModel.get_peft_model``. Unsloth is imported only there: it needs a GPU, and it
  must be imported before transformers, trl and peft touch the model so its patches apply.
- smoke: a local CPU model from ``helpers.local.cpu_models`` (the tiny random Qwen2, or the real
  SmolLM2-135M-Instruct with ``CURRICULUM_MODEL=smollm2``), loaded by the same
  ``FastLanguageModel`` calls done with transformers + PEFT (``helpers.local.cpu_unsloth``).

``$CURRICULUM_MODEL_PATH`` replaces every hub model id on the colab profile with a local folder
(a GPU machine without the hub: ``benchmarks/gpu/make_random_model.py`` writes one).
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from pathlib import Path

from helpers.checkpoints import (
    LORA_TARGETS,
    LoraSettings,
    adapter_digest,
    check_adapter,
    check_max_seq_length,
    read_adapter_config,
)
from helpers.local.cpu_models import cpu_model_path
from helpers.prompts import ensure_pad_token
from helpers.runtime import Profile, supports_bf16

MATH_MODEL = "unsloth/Qwen2.5-Math-1.5B"  # the seed's model (Ely, Part I and II)
MODEL_PATH_ENV = "CURRICULUM_MODEL_PATH"
JUDGE_PATH_ENV = "CURRICULUM_JUDGE_PATH"  # the guard model's offline folder (else MODEL_PATH's)
NO_GPU = (
    "Unsloth needs a CUDA GPU, and this machine has none. On Colab: Runtime → Change runtime "
    "type → T4 GPU. On a CPU machine: set CURRICULUM_PROFILE=smoke (a tiny local model)."
)
STOP_TOKENS = ("<|im_end|>", "<|endoftext|>")  # end of an assistant turn / of the text


def lora_parameter_counts(config, lora: LoraSettings) -> tuple[int, int]:
    """``(LoRA parameters, base parameters)`` of a model built from ``config`` (a transformers
    config) with ``lora`` on every projection, counted by PEFT on weightless "meta" tensors: no
    download, no memory. For Qwen2.5-Math-1.5B at r = 64, 73.9 M LoRA on 1.54 B, 4.8%."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    base = sum(p.numel() for p in model.parameters())
    adapter = LoraConfig(r=lora.r, lora_alpha=lora.alpha, target_modules=list(LORA_TARGETS))
    trainable, _ = get_peft_model(model, adapter).get_nb_trainable_parameters()
    return trainable, base


def model_source(profile: Profile, model_name: str = MATH_MODEL, env: str = MODEL_PATH_ENV) -> str:
    """Where ``model_name`` loads from: the local CPU model on smoke; on colab the hub id, or
    the folder in ``$CURRICULUM_MODEL_PATH`` (``env``) when it is set."""
    if profile.is_smoke:
        return str(cpu_model_path(profile))
    folder = os.environ.get(env)
    if not folder:
        return model_name
    if not (Path(folder) / "config.json").is_file():
        what = "holds no config.json" if Path(folder).is_dir() else "is not a folder"
        raise ValueError(
            f"{env}={folder} {what}, so it is no model: point it at a model folder "
            "(benchmarks/gpu/make_random_model.py OUT_DIR writes one), or unset it to load "
            f"{model_name} from the hub"
        )
    return folder


def model_identity(profile: Profile, model_name: str, adapter_dir: Path | None = None) -> dict:
    """Which model answers: the base model's source and the adapter's exact weights (a digest
    of its files, so an adapter retrained in the same folder is another model)."""
    base = model_source(profile, model_name)
    if profile.is_smoke:
        base = f"{Path(base).name} (smoke stand-in for {model_name})"
    return {"model": base, "adapter": None if adapter_dir is None else adapter_digest(adapter_dir)}


def require_gpu() -> None:
    """Stop with the fix when the colab path runs where there is no CUDA GPU."""
    import torch

    if not torch.cuda.is_available():
        raise RuntimeError(NO_GPU)


def import_unsloth(profile: Profile) -> None:
    """Import Unsloth, which rewrites TRL's trainers into its own: on the colab profile as it
    is (it needs a GPU); on smoke under its CPU switch, with the trainers rewritten as on a GPU
    (``helpers.local.cpu_unsloth``), so CI trains through the code a learner's Colab runs."""
    if profile.is_smoke:
        from helpers.local.cpu_unsloth import patch_trl_as_on_a_gpu

        patch_trl_as_on_a_gpu()
        return
    require_gpu()
    import unsloth  # noqa: F401  (first: it patches transformers, trl and peft)


def fast_language_model(profile: Profile):
    """The class that loads models and adds LoRA: Unsloth's ``FastLanguageModel`` on the colab
    profile; on smoke (a CPU, where Unsloth's loader cannot run) ``helpers.local.cpu_unsloth``'s
    stand-in, which makes the same calls with transformers + PEFT. The one place the profile
    decides."""
    import_unsloth(profile)
    if profile.is_smoke:
        from helpers.local.cpu_unsloth import CPUFastLanguageModel

        return CPUFastLanguageModel
    from unsloth import FastLanguageModel

    return FastLanguageModel


def load_model(
    profile: Profile,
    model_name: str = MATH_MODEL,
    max_seq_length: int = 1024,
    lora: LoraSettings | None = None,
    seed: int = 3407,
):
    """``(model, tokenizer)`` for the profile, with LoRA adapters added when ``lora`` is given."""
    FastLanguageModel = fast_language_model(profile)
    source = model_source(profile, model_name)
    check_max_seq_length(source, max_seq_length)
    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=source,
        max_seq_length=max_seq_length,
        dtype=compute_dtype(),  # bf16 on A100/L4/H100, fp16 on a T4
        load_in_4bit=True,  # QLoRA: the 1.5B base takes ~1.2 GB instead of ~3 GB
    )
    ensure_pad_token(tokenizer)
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


def load_tokenizer(profile: Profile, model_name: str = MATH_MODEL):
    """Only the tokenizer (cheap): to look at chat templates and token counts."""
    from transformers import AutoTokenizer

    return ensure_pad_token(AutoTokenizer.from_pretrained(model_source(profile, model_name)))


def compute_dtype():
    """bf16 on a GPU that has it natively (compute capability 8.0+), fp16 on a T4."""
    import torch

    return torch.bfloat16 if supports_bf16() else torch.float16


def load_adapter(profile: Profile, adapter_dir: Path, max_seq_length: int = 1024):
    """The base model with a saved LoRA adapter applied, ready for evaluation (the base model
    its config names; an adapter whose weights disagree with its config stops first)."""
    adapter_dir = Path(adapter_dir)
    base = read_adapter_config(adapter_dir)["base_model_name_or_path"]
    check_adapter(adapter_dir, base)  # its weights' rank is its config's
    FastLanguageModel = fast_language_model(profile)
    check_max_seq_length(base, max_seq_length)
    # Unsloth reads the base model's name from adapter_config.json and applies the adapter.
    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=str(adapter_dir),
        max_seq_length=max_seq_length,
        dtype=compute_dtype(),
        load_in_4bit=True,
    )
    return model, ensure_pad_token(tokenizer)


def copy_adapter_weights(model, adapter_dir: Path):
    """Load a saved adapter's weights into ``model``'s LoRA adapter of the same shape, which
    stays trainable (``load_adapter`` gives a model for generation, with the adapter frozen)."""
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    weights = load_file(str(Path(adapter_dir) / "adapter_model.safetensors"))
    loaded = set_peft_model_state_dict(model, weights)
    if loaded.unexpected_keys:
        raise ValueError(
            f"{adapter_dir} does not fit this model and LoRA shape: {loaded.unexpected_keys[:3]}"
        )
    return model


def for_inference(model, profile: Profile):
    """Switch to generation mode (Unsloth's 2x faster inference path on GPU)."""
    fast_language_model(profile).for_inference(model)
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
    """``(model, tokenizer)`` ready for generation: the base model, or base + a saved adapter
    trained on it (``model_name``: an adapter of another base model stops before loading).
    The model is freed when the ``with`` block ends, so the next one fits on the GPU."""
    if adapter_dir is None:
        model, tokenizer = load_model(profile, model_name, max_seq_length)
    else:
        check_adapter(adapter_dir, model_source(profile, model_name))
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


# transformers' notices that our greedy settings already decide, printed once a batch on a GPU
# (seen there: 16 times in notebook 02's check size alone): Unsloth's generate adds
# ``pad_token_id`` and ``cache_implementation`` beside our ``generation_config``, and the model's
# own ``max_length`` meets our ``max_new_tokens``, which takes precedence, as we want.
GENERATION_NOTICES = (
    "Both `max_new_tokens`",
    "Passing `generation_config` together with generation-related arguments",
)


class _SettledNotices(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(GENERATION_NOTICES)


def quiet_generation_notices() -> None:
    """Drop ``GENERATION_NOTICES`` from transformers' generation log (nothing else: every other
    warning of it still shows). Idempotent."""
    log = logging.getLogger("transformers.generation.utils")
    if not any(isinstance(f, _SettledNotices) for f in log.filters):
        log.addFilter(_SettledNotices())
