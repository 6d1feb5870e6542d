"""TRL's SFTTrainer (Unsloth's ``UnslothSFTTrainer``) built from an experiment, with
completion-only loss:

    result = train_experiment(MODEL_C, INEQUALITIES, train_rows, profile, run / "model_c")
    print(result)   # 500 steps by UnslothSFTTrainer (new), 1,210,000 training tokens, loss ...

Rows become the task's conversational prompt-completion examples, for which TRL computes the
loss on the completion tokens only. The run folder, its resuming and its result are
``helpers.runs``'s, shared with GRPO.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from helpers.checkpoints import adapter_digest, check_adapter, saved_lora
from helpers.experiments import SFTExperiment
from helpers.files import fingerprint
from helpers.models import (
    copy_adapter_weights,
    import_unsloth,
    load_model,
    model_identity,
    model_source,
)
from helpers.runs import TrainingResult, train_and_save
from helpers.runtime import Profile
from helpers.tasks import Task
from helpers.trainer_config import build_config, check_overrides, trainer_arguments


def sft_dataset(task: Task, rows: Sequence[dict], target: str):
    """A ``datasets.Dataset`` of prompt-completion examples: each row's ``question``, answered by
    its ``target`` field, after the task's system prompt and exemplars (as evaluation shows)."""
    from datasets import Dataset

    return Dataset.from_list(task.training_examples(rows, target))


def sft_config(experiment: SFTExperiment, output_dir: Path, profile: Profile, **overrides):
    """The SFTConfig of an experiment: its knobs, plus what the hardware needs. ``overrides``
    replace any argument (``max_steps=20`` for a quick demonstration, ``save_steps``...); one
    SFTConfig does not take is an error (``helpers.trainer_config.build_config``)."""
    import_unsloth(profile)  # first: Unsloth rewrites TRL's config and trainer into its own
    from trl import SFTConfig

    check_overrides(SFTConfig, overrides)
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
    return build_config(SFTConfig, arguments, overrides)


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
    return sft_trainer(model, tokenizer, args, sft_dataset(task, rows, experiment.target))


def sft_trainer(model, tokenizer, args, dataset):
    """TRL's SFTTrainer (Unsloth's, once ``sft_config`` imported Unsloth) with ``args``."""
    from trl import SFTTrainer

    return SFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer)


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


def load_trainable(experiment: SFTExperiment, profile: Profile, start: Path | None = None):
    """``(model, tokenizer)``: the experiment's base model with its fresh LoRA adapter, or with
    the weights of the saved adapter ``start`` to train on from (its shape must be the
    experiment's)."""
    if start is not None:
        check_start(start, experiment, profile)
    model, tokenizer = load_model(
        profile,
        experiment.model_name,
        max_seq_length=experiment.max_seq_length,
        lora=experiment.lora,
        seed=experiment.seed,
    )
    if start is not None:
        copy_adapter_weights(model, start)
    return model, tokenizer


def check_start(start: Path, experiment: SFTExperiment, profile: Profile) -> None:
    """Refuse, before any model loads, a start adapter of another base model, one whose weights
    disagree with its config, or one of another LoRA shape than the experiment's."""
    check_adapter(start, model_source(profile, experiment.model_name))
    if saved_lora(start) != experiment.lora:
        raise ValueError(
            f"{start} holds a LoRA adapter {saved_lora(start)}, the experiment asks for "
            f"{experiment.lora}: start from an adapter of the same shape"
        )


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

    Bad rows, overrides SFTConfig does not take and a start adapter that does not fit stop
    before the folder is claimed and before any model loads. A folder is reused only by the run
    that made it (``claim_folder``): another experiment in the same folder is an error naming
    the fix.
    """
    task.training_examples(rows, experiment.target)  # bad rows stop here
    args = sft_config(experiment, Path(output_dir), profile, **config)  # bad overrides here
    if start is not None:
        check_start(start, experiment, profile)
    settings = run_settings(experiment, task, rows, profile, config, start)

    def make_trainer():
        model, tokenizer = load_trainable(experiment, profile, start)
        return sft_trainer(model, tokenizer, args, sft_dataset(task, rows, experiment.target))

    return train_and_save(output_dir, settings, make_trainer, sft_log)


def sft_log(log: dict) -> dict:
    """One SFT step as the history keeps it: TRL's names, and the tokens trained on so far as
    ``num_tokens`` (the name GRPO's log gives the same count: the Trainer's
    ``num_input_tokens_seen``, prompt and answer tokens, padding not counted)."""
    kept = {k: log[k] for k in ("step", "loss", "learning_rate", "epoch") if k in log}
    return kept | {"num_tokens": log["num_input_tokens_seen"]}
