"""TRL's SFTTrainer built from an experiment, with completion-only loss and resumable runs.

    result = train_experiment(MODEL_C, INEQUALITIES, train_rows, profile, run / "model_c")

Rows become the task's conversational prompt-completion examples, for which TRL computes the
loss on the completion tokens only. Checkpoints go to ``output_dir``; rerunning after an
interruption resumes from the last complete one, and a finished run is not trained again, but
only when its saved ``run.json`` shows the same settings (another run there is an error).
Once the final adapter is saved, the checkpoints are deleted (they hold optimizer state several
times the adapter's size, which fills Colab's disk and a free Drive).
"""

from __future__ import annotations

import json
import shutil
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from helpers.experiments import SFTExperiment
from helpers.files import fingerprint, write_text_atomically
from helpers.models import (
    adapter_digest,
    copy_adapter_weights,
    free_memory,
    import_unsloth,
    load_model,
    model_identity,
    read_adapter_config,
    saved_lora,
)
from helpers.runtime import Profile, supports_bf16
from helpers.tasks import Task

ADAPTER = "adapter"  # subfolder of the final LoRA adapter
HISTORY = "loss_history.json"
RUN_FILE = "run.json"  # what made the run: the folder's owner (see claim_folder)
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


def sft_dataset(task: Task, rows: Sequence[dict], target: str):
    """A ``datasets.Dataset`` of prompt-completion examples: each row's ``question``, answered by
    its ``target`` field, after the task's system prompt and exemplars (as evaluation shows)."""
    from datasets import Dataset

    return Dataset.from_list(task.training_examples(rows, target))


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


def sft_config(experiment: SFTExperiment, output_dir: Path, profile: Profile, **overrides):
    """The SFTConfig of an experiment: its knobs, plus what the hardware needs. ``overrides``
    replace any argument (``max_steps=20`` for a quick demonstration, ``save_steps``...)."""
    import_unsloth(profile)  # first: Unsloth rewrites TRL's config and trainer into its own
    from trl import SFTConfig

    arguments = dict(
        output_dir=str(output_dir),
        num_train_epochs=experiment.epochs,
        per_device_train_batch_size=experiment.batch_size,
        gradient_accumulation_steps=experiment.grad_accum,
        learning_rate=experiment.learning_rate,
        lr_scheduler_type=experiment.scheduler,
        warmup_steps=experiment.warmup_ratio,  # a float below 1 is a share of all steps
        weight_decay=experiment.weight_decay,
        max_length=experiment.max_seq_length,
        completion_only_loss=True,  # loss on the assistant's answer, never on the prompt
        seed=experiment.seed,
        gradient_checkpointing=False,  # Unsloth does its own on GPU; the tiny model needs none
        dataset_num_proc=1,
        # the prompt and answer tokens each step trains on (padding not counted), the budget
        # notebook 05 matches GRPO's to: Unsloth's SFT loss does not count them, the Trainer does
        include_num_input_tokens_seen="non_padding",
    ) | trainer_arguments(profile, save_steps=20 if profile.is_smoke else 50)
    return SFTConfig(**(arguments | overrides))


def build_trainer(
    model,
    tokenizer,
    experiment: SFTExperiment,
    task: Task,
    rows: Sequence[dict],
    output_dir: Path,
    profile: Profile,
    **config,
):
    """An SFTTrainer for ``rows`` (Unsloth's, ``UnslothSFTTrainer``); ``config`` overrides
    SFTConfig arguments."""
    args = sft_config(experiment, Path(output_dir), profile, **config)
    from trl import SFTTrainer

    return SFTTrainer(
        model=model,
        args=args,
        train_dataset=sft_dataset(task, rows, experiment.target),
        processing_class=tokenizer,
    )


@dataclass
class TrainingResult:
    adapter_dir: Path
    history: list[dict]  # {"step", "loss", "learning_rate", "epoch", "num_tokens"} per step
    resumed: bool  # trained on from a checkpoint after an interruption
    reused: bool  # a finished run was found and not trained again
    trainer: str = ""  # the class that trained it: UnslothSFTTrainer, UnslothGRPOTrainer

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


def label_view(trainer, index: int = 0) -> list[tuple[str, bool]]:
    """``(token, trained)`` for each token of training example ``index``, as the trainer's own
    data collator builds its labels: ``trained`` is False where the label is -100 (the loss
    skips it). With completion-only loss every prompt token is False."""
    batch = trainer.data_collator([trainer.train_dataset[index]])
    tokenizer = trainer.processing_class
    return [
        (tokenizer.decode([token]), label != -100)
        for token, label in zip(
            batch["input_ids"][0].tolist(), batch["labels"][0].tolist(), strict=True
        )
    ]


def run_settings(
    experiment: SFTExperiment,
    task: Task,
    rows: Sequence[dict],
    profile: Profile,
    config: dict,
    start: Path | None = None,
) -> dict:
    """Everything that decides what a run trains: the experiment's knobs (not its name or the
    seed's numbers), the base model, the task's prompt, the exact rows, any overrides and the
    adapter it starts from."""
    labels = ("name", "reported", "ours")  # what a run is called and quoted: not what it trains
    knobs = {k: v for k, v in asdict(experiment).items() if k not in labels}
    trained_on = [[row.get("id"), row["question"], row[experiment.target]] for row in rows]
    return {
        "experiment": knobs,
        "model": model_identity(profile, experiment.model_name)["model"],
        "prompt": task.prompt_settings(),
        "rows": {"n": len(rows), "digest": fingerprint(trained_on)},
        "overrides": config,
    } | ({} if start is None else {"start": adapter_digest(start)})


def claim_folder(output_dir: Path, settings: dict) -> None:
    """Mark ``output_dir`` as this run's, or stop if another run already holds it.

    A folder is reused (or resumed) only by the run that made it: a different experiment, task
    prompt, rows or override is an error naming the fix, so a finished adapter is never
    reported for settings it was not trained with.
    """
    path = Path(output_dir) / RUN_FILE
    settings = json.loads(json.dumps(settings, default=str))  # as it reads back from disk
    if path.exists():
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved != settings:
            changed = sorted(_differences(saved, settings))
            raise ValueError(
                f"{output_dir} holds a run made with other settings (changed: "
                f"{', '.join(changed)}): give this run its own folder (a new name: "
                "dataclasses.replace(experiment, name=...)), or delete the folder to retrain"
            )
        return
    if any(Path(output_dir).glob("checkpoint-*")) or (Path(output_dir) / ADAPTER).exists():
        raise ValueError(
            f"{output_dir} holds a run but no {RUN_FILE} saying what made it: delete the "
            "folder (or use another one) and train again"
        )
    Path(output_dir).mkdir(parents=True, exist_ok=True)
    write_text_atomically(path, json.dumps(settings, indent=1))


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
    with Path(path).open("rb") as f:
        size = int.from_bytes(f.read(8), "little")
        try:
            header = json.loads(f.read(size))
        except (json.JSONDecodeError, UnicodeDecodeError):
            return False
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


def load_trainable(experiment: SFTExperiment, profile: Profile, start: Path | None = None):
    """``(model, tokenizer)``: the experiment's base model with its fresh LoRA adapter, or with
    the weights of the saved adapter ``start`` to train on from (its shape must be the
    experiment's)."""
    model, tokenizer = load_model(
        profile,
        experiment.model_name,
        max_seq_length=experiment.max_seq_length,
        lora=experiment.lora,
        seed=experiment.seed,
    )
    if start is not None:
        if saved_lora(start) != experiment.lora:
            raise ValueError(
                f"{start} holds a LoRA adapter {saved_lora(start)}, the experiment asks for "
                f"{experiment.lora}: start from an adapter of the same shape"
            )
        copy_adapter_weights(model, start)
    return model, tokenizer


def train_experiment(
    experiment: SFTExperiment,
    task: Task,
    rows: Sequence[dict],
    profile: Profile,
    output_dir: Path,
    start: Path | None = None,
    **config,
) -> TrainingResult:
    """Train (or resume, or reuse) a run; save its adapter and loss history in ``output_dir``.
    ``start``: a saved adapter of the experiment's shape to train on from, instead of a fresh
    one.

    Bad rows stop before any model loads. A folder is reused only by the run that made it
    (``claim_folder``): another experiment in the same folder is an error naming the fix.
    """
    task.training_examples(rows, experiment.target)  # bad rows stop here, before the model
    settings = run_settings(experiment, task, rows, profile, config, start)

    def make_trainer():
        model, tokenizer = load_trainable(experiment, profile, start)
        return build_trainer(
            model, tokenizer, experiment, task, rows, output_dir, profile, **config
        )

    return train_and_save(output_dir, settings, make_trainer, sft_log)


def sft_log(log: dict) -> dict:
    """One SFT step as the history keeps it: TRL's names, and the tokens trained on so far as
    ``num_tokens`` (the name GRPO's log gives the same count: the Trainer's
    ``num_input_tokens_seen``, prompt and answer tokens, padding not counted)."""
    kept = {k: log[k] for k in ("step", "loss", "learning_rate", "epoch") if k in log}
    return kept | {"num_tokens": log["num_input_tokens_seen"]}


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
            output_dir / ADAPTER, saved["log"], resumed=False, reused=True, trainer=saved["trainer"]
        )
    trainer = make_trainer()
    checkpoint = last_checkpoint(output_dir)
    trainer.train(resume_from_checkpoint=checkpoint)
    history = [logged(log) for log in trainer.state.log_history if "loss" in log]
    name = type(trainer).__name__
    saved = json.dumps({"trainer": name, "log": history}, indent=1)
    write_text_atomically(output_dir / HISTORY, saved)
    trainer.model.save_pretrained(output_dir / ADAPTER)
    trainer.processing_class.save_pretrained(output_dir / ADAPTER)
    del trainer
    free_memory()  # the GPU is clean for the evaluation that follows
    for folder in output_dir.glob("checkpoint-*"):
        shutil.rmtree(folder)
    resumed = checkpoint is not None
    return TrainingResult(output_dir / ADAPTER, history, resumed, reused=False, trainer=name)
