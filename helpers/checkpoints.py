"""What a model or adapter folder says, read without loading its weights: an adapter's base
model, LoRA shape and digest, a model's positions.

    saved_lora(run / "adapter")          # LoraSettings(r=32, alpha=64, dropout=0.05)
    check_max_seq_length(folder, 4096)   # or an error saying what to change
    check_adapter(run / "adapter", base) # its base model and its weights' rank, or an error

Every loader (``helpers.models``, the CPU stand-ins of ``helpers.local``) checks through here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from helpers.files import file_digest

LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")  # what PEFT saves
RUN_ADAPTER = "adapter"  # a training run folder's final adapter (helpers.runs)
RUN_FILE = "run.json"  # what made a training run (helpers.runs.claim_folder)
# What Unsloth appends to a hub id when it loads the 4-bit copy, whose name an adapter it
# trained then records (unsloth/models/mapper.py): the same model as the id without it.
FOUR_BIT_SUFFIXES = ("-unsloth-bnb-4bit", "-bnb-4bit")


@dataclass(frozen=True)
class LoraSettings:
    """LoRA adapter shape; applied to every attention and MLP projection (``LORA_TARGETS``)."""

    r: int
    alpha: int
    dropout: float = 0.0

    def __post_init__(self):
        check_knobs(self, whole=("r",), positive=("alpha",), shares=("dropout",))


def check_knobs(settings, whole=(), positive=(), shares=(), below_one=(), at_least_zero=()) -> None:
    """Refuse a run's knob of the wrong kind when the run is written, not steps later inside
    torch or TRL (or never: a learning rate of "2e-4" or an r of 0): ``whole`` knobs are
    whole numbers >= 1, ``positive`` ones numbers > 0, ``shares`` in [0, 1] (a LoRA dropout of
    1.0 is Hayes et al.'s run 9), ``below_one`` in [0, 1) (a warmup ratio: TRL reads 1 as one
    step), ``at_least_zero`` numbers >= 0."""
    rules = [
        (whole, lambda v: isinstance(v, int) and v >= 1, "a whole number >= 1"),
        (positive, lambda v: isinstance(v, int | float) and v > 0, "a number > 0"),
        (shares, lambda v: isinstance(v, int | float) and 0 <= v <= 1, "a share in [0, 1]"),
        (below_one, lambda v: isinstance(v, int | float) and 0 <= v < 1, "a share in [0, 1)"),
        (at_least_zero, lambda v: isinstance(v, int | float) and v >= 0, "a number >= 0"),
    ]
    for knobs, good, kind in rules:
        for knob in knobs:
            value = getattr(settings, knob)
            if isinstance(value, bool) or not good(value):
                name = getattr(settings, "name", None)
                where = f"{type(settings).__name__}" + (f" {name!r}" if name else "")
                raise ValueError(f"{where}: {knob}={value!r}: use {kind}")


def adapter_digest(adapter_dir: Path) -> str:
    """A digest of a saved adapter's files: another training run in the same folder gives
    another digest."""
    files = [Path(adapter_dir) / name for name in ADAPTER_FILES]
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise FileNotFoundError(
            f"no complete adapter: {missing} missing; {_where_the_adapter_is(adapter_dir)}"
        )
    return file_digest(*files)


def _where_the_adapter_is(folder: Path) -> str:
    """The fix for a folder without an adapter: a run folder's adapter is in its subfolder."""
    folder = Path(folder)
    if (folder / RUN_ADAPTER / ADAPTER_FILES[0]).exists():
        return f"this is a run folder: its adapter is in {folder / RUN_ADAPTER}"
    if (folder / RUN_FILE).exists():
        return f"this is a run folder whose run has not finished: train it first ({folder})"
    return "train it first, or fix the path"


def model_positions(source: str | Path) -> int:
    """How many positions the model was built for (``max_position_embeddings``). It is the
    first thing read of a model, so a hub it cannot reach is named here with the fix."""
    from transformers import AutoConfig

    try:
        return AutoConfig.from_pretrained(source).max_position_embeddings
    except OSError as error:
        raise OSError(
            f"cannot read the configuration of the model {source} ({error}). Without the hub, "
            "set CURRICULUM_MODEL_PATH to a local model folder (benchmarks/gpu/"
            "make_random_model.py OUT_DIR writes one), or fix the model name"
        ) from None


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
    if not isinstance(config.get("r"), int) or not isinstance(config.get("lora_alpha"), int):
        raise ValueError(
            f"{Path(adapter_dir) / ADAPTER_FILES[0]} does not say its LoRA r and lora_alpha as "
            "whole numbers: it is damaged or not a LoRA adapter; delete the run folder and "
            "train it again"
        )
    return LoraSettings(config["r"], config["lora_alpha"], config.get("lora_dropout", 0.0))


def read_adapter_config(adapter_dir: Path) -> dict:
    """A saved adapter's ``adapter_config.json``, or an error naming the damage and the fix."""
    path = Path(adapter_dir) / "adapter_config.json"
    if not path.exists():
        fix = _where_the_adapter_is(adapter_dir)
        raise FileNotFoundError(f"no adapter in {adapter_dir}: {fix}")
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


def model_key(name: str | Path) -> str:
    """A model's name as two loaders of the same model agree on it: the last part of the hub id
    or folder, in lower case, without Unsloth's 4-bit suffix.

    >>> model_key("unsloth/Qwen2.5-Math-1.5B") == model_key("unsloth/qwen2.5-math-1.5b-bnb-4bit")
    True
    """
    key = Path(str(name).rstrip("/")).name.lower()
    for suffix in FOUR_BIT_SUFFIXES:
        key = key.removesuffix(suffix)
    return key


def safetensors_header(path: Path) -> dict | None:
    """The JSON header of a ``.safetensors`` file (each tensor's dtype, shape and offsets), or
    None when it cannot be read: the shapes without loading a weight."""
    try:
        with Path(path).open("rb") as f:
            size = int.from_bytes(f.read(8), "little")
            return json.loads(f.read(size))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None


def check_adapter(adapter_dir: Path, base: str | Path) -> dict:
    """The adapter's config, once its base model is ``base`` and its weights have the rank its
    config names; else an error naming both and the fix, before any model loads (loading would
    fail on torch's "size mismatch", or, for another model of the same shape, not at all)."""
    config = read_adapter_config(adapter_dir)
    saved = config["base_model_name_or_path"]
    if model_key(saved) != model_key(base):
        raise ValueError(
            f"{adapter_dir} was trained on the base model {saved}, not {base}: use an adapter "
            f"trained on {base}, or pass the model it was trained on (model_name=...)"
        )
    header = safetensors_header(Path(adapter_dir) / ADAPTER_FILES[1])
    if header is None:
        raise ValueError(
            f"{Path(adapter_dir) / ADAPTER_FILES[1]} is missing or damaged: delete the run "
            "folder and train it again"
        )
    ranks = {
        tensor["shape"][0 if ".lora_A." in name else 1]
        for name, tensor in header.items()
        if ".lora_A." in name or ".lora_B." in name
    }
    if not config.get("rank_pattern") and ranks != {config.get("r")}:
        raise ValueError(
            f"{Path(adapter_dir) / ADAPTER_FILES[0]} says r={config.get('r')}, but its weights "
            f"have rank {sorted(ranks)}: the config was edited or belongs to other weights; "
            "restore it (r as the weights say) or train the adapter again"
        )
    return config
