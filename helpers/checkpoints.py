"""What a model or adapter folder says, read without loading its weights: an adapter's base
model, LoRA shape and digest, a model's positions.

    saved_lora(run / "adapter")          # LoraSettings(r=32, alpha=64, dropout=0.05)
    check_max_seq_length(folder, 4096)   # or an error saying what to change

Every loader (``helpers.models``, the CPU stand-ins of ``helpers.local``) checks through here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from helpers.files import file_digest

LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")  # what PEFT saves


@dataclass(frozen=True)
class LoraSettings:
    """LoRA adapter shape; applied to every attention and MLP projection (``LORA_TARGETS``)."""

    r: int
    alpha: int
    dropout: float = 0.0


def adapter_digest(adapter_dir: Path) -> str:
    """A digest of a saved adapter's files: another training run in the same folder gives
    another digest."""
    files = [Path(adapter_dir) / name for name in ADAPTER_FILES]
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise FileNotFoundError(f"no complete adapter: {missing} missing; train it first")
    return file_digest(*files)


def model_positions(source: str | Path) -> int:
    """How many positions the model was built for (``max_position_embeddings``)."""
    from transformers import AutoConfig

    return AutoConfig.from_pretrained(source).max_position_embeddings


def check_max_seq_length(source: str | Path, max_seq_length: int) -> None:
    """Refuse a sequence length beyond the model's positions. Unsloth would silently stretch
    RoPE (linear scaling) to reach it, and every score would be of a distorted model."""
    positions = model_positions(source)
    if max_seq_length > positions:
        raise ValueError(
            f"max_seq_length={max_seq_length} exceeds the {positions} positions of {source}; "
            f"above that RoPE gets stretched and the model is no longer the one you trained. "
            f"Use max_seq_length <= {positions}: cap max_new_tokens at {positions} minus the "
            "longest prompt (helpers.evaluation.generation_budget)."
        )


def saved_lora(adapter_dir: Path) -> LoraSettings:
    """The rank, alpha and dropout a saved adapter was trained with."""
    config = read_adapter_config(adapter_dir)
    return LoraSettings(config["r"], config["lora_alpha"], config.get("lora_dropout", 0.0))


def read_adapter_config(adapter_dir: Path) -> dict:
    """A saved adapter's ``adapter_config.json``, or an error naming the damage and the fix."""
    path = Path(adapter_dir) / "adapter_config.json"
    if not path.exists():
        raise FileNotFoundError(f"no adapter in {adapter_dir}: train it first, or fix the path")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(
            f"{path} is damaged ({error}): delete the run folder {Path(adapter_dir).parent} "
            "and train it again"
        ) from None
    if not isinstance(config, dict) or "base_model_name_or_path" not in config:
        raise ValueError(
            f"{path} does not name its base model: delete the run folder and train it again"
        )
    return config
