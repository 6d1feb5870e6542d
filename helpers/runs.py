"""A training run's folder, SFT or GRPO alike: what made it, its checkpoints, its result.

    result = train_and_save(folder, settings, make_trainer, logged)   # helpers.training, .grpo

A folder holds ``run.json`` (the settings that made the run: it is reused, or resumed after an
interruption from its last complete checkpoint, only for the same settings; others are an
error naming the fix), ``loss_history.json`` (the trainer's class and one log a step) and, once
finished, ``adapter/``. The checkpoints are deleted then: they hold optimizer state several
times the adapter's size, which fills Colab's disk and a free Drive.
"""

from __future__ import annotations

import json
import shutil
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from helpers.checkpoints import RUN_ADAPTER, RUN_FILE, read_adapter_config, safetensors_header
from helpers.files import write_text_atomically
from helpers.models import free_memory

ADAPTER = RUN_ADAPTER  # subfolder of the final LoRA adapter

HISTORY = "loss_history.json"

CHECKPOINT_ARCHIVES = ("optimizer.pt", "scheduler.pt")  # torch zip archives in a checkpoint


@dataclass
class TrainingResult:
    adapter_dir: Path
    history: list[dict]  # {"step", "loss", "learning_rate", "epoch", "num_tokens"} per step
    resumed: bool  # trained on from a checkpoint after an interruption
    reused: bool  # a finished run was found and not trained again
    trainer: str = ""  # the class that trained it: UnslothSFTTrainer, UnslothGRPOTrainer
    # the trainer's own training time (no model load; a resumed run's last session only),
    # saved with the run, so a reused run has it too; None for runs saved before it was kept
    train_seconds: float | None = None

    @property
    def end_loss(self) -> float:
        """The mean loss over the last 10% of logged steps (at least one): the last step
        alone is one batch's loss, noise around the trend."""
        return end_loss(self.history)

    @property
    def steps(self) -> int:
        return self.history[-1]["step"]

    @property
    def tokens(self) -> int:
        """The prompt and answer tokens the run trained on (padding not counted)."""
        return int(self.history[-1]["num_tokens"])  # GRPO's log holds it as a float

    def __str__(self) -> str:
        how = "reused, trained earlier" if self.reused else "resumed" if self.resumed else "new"
        return (
            f"{self.steps} step{'s' * (self.steps != 1)} by {self.trainer} ({how}), "
            f"{self.tokens:,} training tokens, "
            f"loss over the last 10% {self.end_loss:.3f}"
        )


def end_loss(history: Sequence[dict], share: float = 0.1) -> float:
    """Mean ``loss`` over the last ``share`` of the logged steps, at least one.

    >>> end_loss([{"loss": x} for x in (3.0, 2.0, 1.0, 0.5)], share=0.5)
    0.75
    """
    if not history:
        raise ValueError("no logged steps: the run has not trained yet")
    tail = history[-max(1, round(len(history) * share)) :]
    return sum(log["loss"] for log in tail) / len(tail)


def claim_folder(output_dir: Path, settings: dict) -> None:
    """Mark ``output_dir`` as this run's, or stop if another run already holds it.

    A folder is reused (or resumed) only by the run that made it: a different experiment, task
    prompt, rows or override is an error naming the fix, so a finished adapter is never
    reported for settings it was not trained with. A folder whose run saved nothing yet (no
    checkpoint, no adapter: it stopped while its model loaded) holds nothing to protect, and is
    claimed anew, with a warning, so the corrected rerun is not refused.
    """
    path = Path(output_dir) / RUN_FILE
    settings = json.loads(json.dumps(settings, default=str))  # as it reads back from disk
    trained = any(Path(output_dir).glob("checkpoint-*")) or (Path(output_dir) / ADAPTER).exists()
    if not trained:
        if path.exists() and _unreadable_or(path) != settings:
            warnings.warn(
                f"{output_dir} was claimed by a run that saved nothing (other settings, or a "
                f"damaged {RUN_FILE}): claimed for these settings",
                stacklevel=3,
            )
        Path(output_dir).mkdir(parents=True, exist_ok=True)
        write_text_atomically(path, json.dumps(settings, indent=1))
        return
    if not path.exists():
        raise ValueError(
            f"{output_dir} holds a run but no {RUN_FILE} saying what made it: delete the "
            "folder (or use another one) and train again"
        )
    saved = _read_run_file(path)
    if saved != settings:
        changed = sorted(_differences(saved, settings))
        raise ValueError(
            f"{output_dir} holds a run made with other settings (changed: "
            f"{', '.join(changed)}): give this run its own folder (a new name: "
            "dataclasses.replace(experiment, name=...)), or delete the folder to retrain"
        )


def _unreadable_or(path: Path) -> dict | None:
    """``run.json``'s settings, or None when it is damaged."""
    try:
        return _read_run_file(path)
    except ValueError:
        return None


def _read_run_file(path: Path) -> dict:
    """A run folder's ``run.json``, or an error naming the damage and the fix."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        saved = error
    if not isinstance(saved, dict):
        what = f"damaged ({saved})" if isinstance(saved, Exception) else "not a JSON object"
        raise ValueError(
            f"{path} is {what}: it cannot say which settings made this run. Delete the folder "
            f"{path.parent} (or use another one) and train again"
        )
    return saved


def _differences(saved: dict, wanted: dict, prefix: str = "") -> list[str]:
    names = []
    for key in sorted(set(saved) | set(wanted)):
        a, b = saved.get(key), wanted.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            names += _differences(a, b, f"{prefix}{key}.")
        elif a != b:
            names.append(f"{prefix}{key}")
    return names


def finished_history(output_dir: Path) -> dict | None:
    """What a finished run saved, ``{"trainer": class name, "log": [one dict a step]}``, or
    None. A run is finished when its adapter and its history are complete; a damaged one is
    removed (with a warning) and trained again."""
    output_dir = Path(output_dir)
    adapter_dir = output_dir / ADAPTER
    if not adapter_dir.exists():
        return None
    try:
        saved = json.loads((output_dir / HISTORY).read_text(encoding="utf-8"))
        read_adapter_config(adapter_dir)
        if not safetensors_complete(adapter_dir / "adapter_model.safetensors"):
            raise ValueError("its weights file is cut short")
        if not isinstance(saved, dict) or not saved.get("log"):
            raise ValueError("its loss history is empty")
        return saved
    except (OSError, ValueError) as error:
        warnings.warn(
            f"{adapter_dir} is incomplete ({error}): training the run again", stacklevel=3
        )
    shutil.rmtree(adapter_dir)
    return None


def safetensors_complete(path: Path) -> bool:
    """True when a .safetensors file holds every byte its header promises (a copy or a save
    cut off mid-way does not)."""
    header = safetensors_header(path)
    if not isinstance(header, dict):
        return False
    with Path(path).open("rb") as f:
        size = int.from_bytes(f.read(8), "little")
    ends = [t["data_offsets"][1] for k, t in header.items() if k != "__metadata__"]
    return Path(path).stat().st_size == 8 + size + max(ends, default=0)


def last_checkpoint(output_dir: Path) -> str | None:
    """The newest complete checkpoint. Transformers does not write one atomically: a newer
    folder cut off mid-save is removed (with a warning) and the one before it is used."""
    folders = sorted(
        Path(output_dir).glob("checkpoint-[0-9]*"), key=lambda f: int(f.name[11:]), reverse=True
    )
    for folder in folders:
        if _checkpoint_complete(folder):
            return str(folder)
        warnings.warn(
            f"{folder} was cut off mid-save: removed, resuming from an older one", stacklevel=3
        )
        shutil.rmtree(folder)
    return None


def _checkpoint_complete(folder: Path) -> bool:
    try:
        json.loads((folder / "trainer_state.json").read_text(encoding="utf-8"))
        weights = safetensors_complete(folder / "adapter_model.safetensors")
    except (OSError, ValueError):
        return False
    return weights and all(zipfile.is_zipfile(folder / f) for f in CHECKPOINT_ARCHIVES)


def train_and_save(output_dir: Path, settings: dict, make_trainer, logged) -> TrainingResult:
    """The run of ``output_dir``, made with ``settings``: reused when it finished, else trained.

    The folder is claimed for ``settings`` (``claim_folder``: other settings are an error). A
    finished run is returned as it is. Otherwise a trainer is built (``make_trainer()``, so
    that nothing else holds the model) and trained from the last complete checkpoint; the
    history (``logged(log)`` of each step that logged a loss) is saved, then the adapter (last:
    a complete adapter marks the run finished), the GPU freed and the checkpoints deleted
    (resuming is over)."""
    output_dir = Path(output_dir)
    claim_folder(output_dir, settings)
    saved = finished_history(output_dir)
    if saved is not None:
        return TrainingResult(
            output_dir / ADAPTER,
            saved["log"],
            resumed=False,
            reused=True,
            trainer=saved["trainer"],
            train_seconds=saved.get("train_seconds"),
        )
    from helpers.progress import quiet_display  # imports transformers: after Unsloth

    trainer = quiet_display(make_trainer())  # a bar and ~10 lines; every step still logged
    checkpoint = last_checkpoint(output_dir)
    trainer.train(resume_from_checkpoint=checkpoint)
    history = [logged(log) for log in trainer.state.log_history if "loss" in log]
    if not history:  # its adapter would be the start adapter, reported as trained
        raise ValueError(
            f"{output_dir}: the trainer ran no step (too few rows for one batch, or max_steps "
            "0?): nothing is saved; pass more rows or raise max_steps, then run again"
        )
    name = type(trainer).__name__
    runtimes = [log["train_runtime"] for log in trainer.state.log_history if "train_runtime" in log]
    seconds = runtimes[-1] if runtimes else None
    saved = json.dumps({"trainer": name, "log": history, "train_seconds": seconds}, indent=1)
    write_text_atomically(output_dir / HISTORY, saved)
    trainer.model.save_pretrained(output_dir / ADAPTER)
    trainer.processing_class.save_pretrained(output_dir / ADAPTER)
    del trainer
    free_memory()  # the GPU is clean for the evaluation that follows
    for folder in output_dir.glob("checkpoint-*"):
        shutil.rmtree(folder)
    resumed = checkpoint is not None
    return TrainingResult(
        output_dir / ADAPTER, history, resumed, reused=False, trainer=name, train_seconds=seconds
    )
