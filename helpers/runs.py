"""A training run's folder, SFT or GRPO alike: what made it, its checkpoints, its result.

    result = train_and_save(folder, settings, make_trainer, logged)   # helpers.training, .grpo

A folder holds ``run.json`` (the settings that made the run: it is reused, or resumed after an
interruption from its last complete checkpoint, only for the same settings; others are an
error naming the fix), ``loss_history.json`` (the trainer's class and one log a step) and, once
finished, ``adapter/``. The checkpoints are deleted then: they hold optimizer state several
times the adapter's size, which fills Colab's disk and a free Drive.
"""

from __future__ import annotations

import difflib
import inspect
import json
import shutil
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path

from helpers.checkpoints import RUN_ADAPTER, RUN_FILE, read_adapter_config, safetensors_header
from helpers.files import write_text_atomically
from helpers.models import free_memory
from helpers.runtime import Profile, supports_bf16

ADAPTER = RUN_ADAPTER  # subfolder of the final LoRA adapter

HISTORY = "loss_history.json"

CHECKPOINT_ARCHIVES = ("optimizer.pt", "scheduler.pt")  # torch zip archives in a checkpoint
# The optimizer of every run: the seed's Adam ("We use the Adam optimizer"), as 32-bit AdamW, with
# transformers' default betas, epsilon and gradient clipping written out so no library's default
# decides them. The learning rate, warmup, weight decay and schedule are each experiment's.
OPTIMIZER = dict(
    optim="adamw_torch",
    adam_beta1=0.9,
    adam_beta2=0.999,
    adam_epsilon=1e-8,
    max_grad_norm=1.0,
)


def trainer_arguments(profile: Profile, save_steps: int) -> dict:
    """The arguments every trainer of the course shares, SFT and GRPO alike: a loss logged each
    step, a checkpoint every ``save_steps`` (two kept), no tracking service, the precision the
    hardware has, and the optimizer, every knob of it set here: Unsloth's configs fill what is
    left unset with their own defaults (8-bit AdamW, weight decay 0.001, 10% warmup), which
    would make the SFT and GRPO runs of notebook 05 differ in more than their method."""
    import torch

    bf16 = supports_bf16()  # by compute capability: a T4 claims bf16 but only emulates it
    return OPTIMIZER | dict(
        logging_steps=1,
        save_strategy="steps",
        save_steps=save_steps,
        save_total_limit=2,  # keep disk (and Drive) use small
        report_to="none",
        bf16=bf16,  # A100/H100/L4
        fp16=torch.cuda.is_available() and not bf16,  # a T4 has no bf16
        use_cpu=profile.is_smoke,
    )


def check_overrides(config_class, overrides: dict) -> None:
    """Refuse an override ``config_class`` (TRL's SFTConfig or GRPOConfig, as Unsloth rewrites
    them) does not take, or one whose value is not of its argument's type. Unsloth's configs
    take any keyword and drop the ones they do not know, so ``max_step=20`` would train the
    whole run without a word, and ``max_steps="20"`` would be taken as given."""
    known = _config_arguments(config_class)
    if not known:  # a stand-in that takes anything (tests/colab_api_drift) lists none to check
        return
    for name, value in overrides.items():
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean {close[0]}?" if close else f"see {config_class.__name__}'s docs"
            raise ValueError(f"unknown override {name}={value!r}: {hint}")
        default = known[name]
        numbers = isinstance(default, int | float) and not isinstance(default, bool)
        wrong = (
            (isinstance(default, bool) and not isinstance(value, bool))
            or (numbers and (isinstance(value, bool) or not isinstance(value, int | float)))
            or (isinstance(default, str) and not isinstance(value, str))
        )
        if wrong:
            raise ValueError(
                f"override {name}={value!r} is {type(value).__name__}, {config_class.__name__} "
                f"takes a {type(default).__name__} (its default is {default!r})"
            )


def build_config(config_class, arguments: dict, overrides: dict):
    """``config_class(**(arguments | overrides))``, overrides checked (``check_overrides``
    first); a value the config itself refuses is named with the overrides to fix."""
    try:
        return config_class(**(arguments | overrides))
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{config_class.__name__} refused these settings ({error}); fix the experiment or "
            f"the overrides {sorted(overrides)}"
        ) from None


def _config_arguments(config_class) -> dict:
    """Every argument ``config_class`` takes, with its default (None where it has none)."""
    names = {f.name: None for f in fields(config_class)} if is_dataclass(config_class) else {}
    for name, parameter in inspect.signature(config_class).parameters.items():
        if parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
            default = parameter.default
            names[name] = None if default is parameter.empty else default
    return names


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
