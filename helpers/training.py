"""TRL's SFTTrainer built from an experiment, with completion-only loss and resumable runs.

    result = train_experiment(MODEL_C, train_rows, profile, run / "model_c")

Rows become conversational prompt-completion examples (``helpers.prompts``), for which TRL
computes the loss on the completion tokens only. Checkpoints go to ``output_dir``; rerunning
after an interruption resumes from the last one, and a finished run is not trained again.
Once the final adapter is saved, the checkpoints are deleted (they hold optimizer state several
times the adapter's size, which fills Colab's disk and a free Drive).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from helpers.experiments import SFTExperiment
from helpers.models import free_memory, load_model
from helpers.prompts import SYSTEM_PROMPT, prompt_completion
from helpers.runtime import Profile, supports_bf16

ADAPTER = "adapter"  # subfolder of the final LoRA adapter
HISTORY = "loss_history.json"


def sft_dataset(
    rows: list[dict],
    target: str,
    system: str | None = SYSTEM_PROMPT,
    examples: Sequence[tuple[str, str]] = (),
):
    """A ``datasets.Dataset`` of prompt-completion examples: each row's ``question``, answered by
    its ``target`` field, after the same system prompt and few-shot turns evaluation uses."""
    from datasets import Dataset

    missing = [i for i, row in enumerate(rows) if target not in row]
    if missing:
        raise KeyError(f"rows {missing[:5]} have no field {target!r}: pick a field they carry")
    return Dataset.from_list(
        [prompt_completion(row["question"], row[target], system, examples) for row in rows]
    )


def sft_config(experiment: SFTExperiment, output_dir: Path, profile: Profile, **overrides):
    """The SFTConfig of an experiment: its knobs, plus what the hardware needs. ``overrides``
    replace any argument (``max_steps=20`` for a quick demonstration, ``save_steps``...)."""
    import torch
    from trl import SFTConfig

    bf16 = supports_bf16()  # by compute capability: a T4 claims bf16 but only emulates it
    arguments = dict(
        output_dir=str(output_dir),
        num_train_epochs=experiment.epochs,
        per_device_train_batch_size=experiment.batch_size,
        gradient_accumulation_steps=experiment.grad_accum,
        learning_rate=experiment.learning_rate,
        lr_scheduler_type=experiment.scheduler,
        warmup_steps=experiment.warmup_ratio,  # a float below 1 is a share of all steps
        weight_decay=experiment.weight_decay,
        optim="adamw_torch",  # the seed: Adam
        max_length=experiment.max_seq_length,
        completion_only_loss=True,  # loss on the assistant's answer, never on the prompt
        seed=experiment.seed,
        logging_steps=1,
        save_strategy="steps",
        save_steps=20 if profile.is_smoke else 50,
        save_total_limit=2,  # keep disk (and Drive) use small
        report_to="none",
        bf16=bf16,  # A100/H100/L4
        fp16=torch.cuda.is_available() and not bf16,  # a T4 has no bf16
        use_cpu=profile.is_smoke,
        gradient_checkpointing=False,  # Unsloth does its own on GPU; the tiny model needs none
        dataset_num_proc=1,
    )
    return SFTConfig(**(arguments | overrides))


def build_trainer(
    model,
    tokenizer,
    experiment: SFTExperiment,
    rows: list[dict],
    output_dir,
    profile,
    system: str | None = SYSTEM_PROMPT,
    examples: Sequence[tuple[str, str]] = (),
    **config,
):
    """An SFTTrainer for ``rows``; ``config`` overrides SFTConfig arguments."""
    from trl import SFTTrainer

    return SFTTrainer(
        model=model,
        args=sft_config(experiment, Path(output_dir), profile, **config),
        train_dataset=sft_dataset(rows, experiment.target, system, examples),
        processing_class=tokenizer,
    )


@dataclass
class TrainingResult:
    adapter_dir: Path
    history: list[dict]  # {"step", "loss", "learning_rate", "epoch"} per logged step
    resumed: bool  # trained on from a checkpoint after an interruption
    reused: bool  # a finished run was found and not trained again

    @property
    def final_loss(self) -> float:
        return self.history[-1]["loss"]

    @property
    def steps(self) -> int:
        return self.history[-1]["step"]


def last_checkpoint(output_dir: Path) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(str(output_dir)) if Path(output_dir).is_dir() else None


def train_experiment(
    experiment: SFTExperiment,
    rows: list[dict],
    profile: Profile,
    output_dir: Path,
    system: str | None = SYSTEM_PROMPT,
    examples: Sequence[tuple[str, str]] = (),
    **config,
) -> TrainingResult:
    """Train (or resume, or reuse) a run and save its adapter and loss history in output_dir."""
    output_dir = Path(output_dir)
    adapter_dir = output_dir / ADAPTER
    if (adapter_dir / "adapter_config.json").exists():
        history = json.loads((output_dir / HISTORY).read_text())
        return TrainingResult(adapter_dir, history, resumed=False, reused=True)
    model, tokenizer = load_model(
        profile,
        experiment.model_name,
        max_seq_length=experiment.max_seq_length,
        lora=experiment.lora,
        seed=experiment.seed,
    )
    trainer = build_trainer(
        model, tokenizer, experiment, rows, output_dir, profile, system, examples, **config
    )
    checkpoint = last_checkpoint(output_dir)
    trainer.train(resume_from_checkpoint=checkpoint)
    history = [
        {k: log[k] for k in ("step", "loss", "learning_rate", "epoch")}
        for log in trainer.state.log_history
        if "loss" in log
    ]
    (output_dir / HISTORY).write_text(json.dumps(history, indent=1))
    trainer.model.save_pretrained(adapter_dir)  # last: its config marks the run as finished
    tokenizer.save_pretrained(adapter_dir)
    del trainer, model
    free_memory()  # the GPU is clean for the evaluation that follows
    for folder in output_dir.glob("checkpoint-*"):  # the adapter is saved: resuming is over
        shutil.rmtree(folder)
    return TrainingResult(adapter_dir, history, resumed=checkpoint is not None, reused=False)
