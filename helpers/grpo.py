"""TRL's GRPOTrainer from an experiment: rewards from the Task's own verifier, resumable runs.

    result = train_grpo(GRPO_RUN, INEQUALITIES, rows, profile, run / "grpo", start=adapter)

GRPO (Shao et al., 2024) samples ``num_generations`` answers to each prompt, scores each with
the rewards of ``helpers.rewards``, and pushes up the answers that beat their group's mean. It
starts from a policy that already answers in the right form: the LoRA adapter in ``start``
(notebook 02's Model D), whose weights are copied into a fresh adapter of the same shape and
trained on. Like ``train_experiment``, a run folder holds ``run.json`` and is reused or resumed
only for the same settings; checkpoints are deleted once the adapter is saved. Each step's log
holds TRL's numbers (each reward's mean, ``frac_reward_zero_std``, ``step_time``, ...) and two
of ours: ``groups_right_and_wrong`` (``helpers.rewards``) and ``sampling_seconds``
(``sampling_clock``).

No vLLM, for now. Unsloth can sample with vLLM (``fast_inference=True``), several times faster
than the trainer's own ``generate``. It would install: pip resolves ``vllm==0.19.1`` beside every
pin of ``requirements-colab.txt`` without changing one (``pip install --dry-run -r
requirements-colab.txt vllm``, November 2026). It is left out because no run of this course has
exercised Unsloth's vLLM path on a GPU yet (vLLM takes a fixed share of the T4's memory next to
the trainer, and another large install), and a learner's Run all must not be its first test.
Sampling uses the trainer's own model instead; notebook 05's budget counts that slower path.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from helpers.checkpoints import adapter_digest, check_adapter, saved_lora
from helpers.experiments import GRPOExperiment
from helpers.files import fingerprint
from helpers.models import (
    copy_adapter_weights,
    import_unsloth,
    load_model,
    model_identity,
    model_source,
    quiet_generation_notices,
    stop_token_ids,
)
from helpers.rewards import correctness_reward, format_reward
from helpers.runs import TrainingResult, train_and_save
from helpers.runtime import Profile
from helpers.tasks import Task
from helpers.trainer_config import build_config, check_overrides, trainer_arguments


def grpo_dataset(task: Task, rows: Sequence[dict]):
    """Conversational prompts (the task's system prompt and the question, as evaluation asks
    it) and every other column of the rows, which TRL hands to the reward functions."""
    from datasets import Dataset

    task.check_rows(rows, "GRPO rows")
    return Dataset.from_list(
        [{"prompt": task.messages(row["question"])} | dict(row) for row in rows]
    )


def grpo_config(experiment: GRPOExperiment, output_dir: Path, profile: Profile, **overrides):
    """The GRPOConfig of an experiment, plus what the hardware needs; ``overrides`` replace any
    argument. Groups of fewer than two answers, or a batch that splits a group, are refused
    here, before any model loads (``check_groups``)."""
    import_unsloth(profile)  # first: Unsloth rewrites TRL's config and trainer into its own
    from trl import GRPOConfig

    check_overrides(GRPOConfig, overrides)
    arguments = dict(
        output_dir=str(output_dir),
        max_steps=experiment.max_steps,
        per_device_train_batch_size=experiment.num_generations,  # one prompt's group at a time
        gradient_accumulation_steps=experiment.prompts_per_step,
        num_generations=experiment.num_generations,
        max_completion_length=experiment.max_completion_length,
        temperature=experiment.temperature,
        beta=experiment.beta,
        learning_rate=experiment.learning_rate,
        lr_scheduler_type=experiment.scheduler,
        warmup_steps=experiment.warmup_ratio,  # a float below 1 is a share of all steps
        weight_decay=experiment.weight_decay,
        mask_truncated_completions=experiment.mask_truncated,
        seed=experiment.seed,
        use_vllm=False,  # generation by the trainer's own model: the module docstring says why
    ) | trainer_arguments(profile, save_steps=20 if profile.is_smoke else 25)
    check_groups(arguments | overrides)
    return build_config(GRPOConfig, arguments, overrides)


def check_groups(arguments: dict) -> None:
    """GRPO scores each answer against the other answers to its prompt: it needs at least two
    a prompt, and the answers sampled for a step (``per_device_train_batch_size`` x
    ``gradient_accumulation_steps``) must be whole groups. TRL checks both only when the
    trainer is built, after the model loaded."""
    group = arguments["num_generations"]
    if isinstance(group, bool) or not isinstance(group, int) or group < 2:
        raise ValueError(
            f"num_generations={group!r}: GRPO needs at least 2 answers per prompt to compare "
            "(an answer's advantage is its reward minus its group's mean); use 2 or more"
        )
    batch = arguments["per_device_train_batch_size"]
    steps = arguments["gradient_accumulation_steps"]
    if (batch * steps) % group:
        raise ValueError(
            f"per_device_train_batch_size x gradient_accumulation_steps = {batch} x {steps} "
            f"answers a step, not whole groups of num_generations={group}: make it a multiple "
            "(the experiment's own setting, one group a micro-batch, always is)"
        )


def prompts_needed(args) -> int:
    """The prompts a run of ``args`` (a GRPOConfig) uses, each once: its steps times the
    prompts a step (its micro-batches of whole groups, accumulated)."""
    per_step = args.per_device_train_batch_size * args.gradient_accumulation_steps
    return args.max_steps * (per_step // args.num_generations)


def load_policy(experiment: GRPOExperiment, profile: Profile, start: Path):
    """``(model, tokenizer)``: the base model with a trainable LoRA adapter holding the weights
    of the saved adapter ``start`` (same rank, alpha and targets)."""
    check_adapter(start, model_source(profile, experiment.model_name))
    lora = saved_lora(start)
    model, tokenizer = load_model(
        profile, experiment.model_name, experiment.max_seq_length, lora, experiment.seed
    )
    return copy_adapter_weights(model, start), tokenizer


def build_grpo_trainer(
    model, tokenizer, experiment: GRPOExperiment, task: Task, rows, output_dir, profile, **config
):
    """A GRPOTrainer (Unsloth's, ``UnslothGRPOTrainer``) rewarding ``correct`` and
    ``well_formed`` answers to ``rows``; ``config`` overrides GRPOConfig arguments."""
    args = grpo_config(experiment, Path(output_dir), profile, **config)
    return grpo_trainer(model, tokenizer, args, task, rows)


def grpo_trainer(model, tokenizer, args, task: Task, rows):
    """TRL's GRPOTrainer (Unsloth's, once ``grpo_config`` imported Unsloth) with ``args``.

    Sampling stops where evaluation stops (``helpers.models.STOP_TOKENS``). TRL stops at the
    model's generation config's end-of-sequence and the tokenizer's, both ``<|endoftext|>`` for
    Qwen2.5-Math-1.5B, while a chat answer ends with ``<|im_end|>``: a model that writes on
    after it would run every answer to ``max_completion_length``, each one truncated, masked
    out of the loss and scored 0 for its form, and GRPO would learn nothing at the highest
    sampling cost."""
    from trl import GRPOTrainer

    model.generation_config.eos_token_id = stop_token_ids(tokenizer)
    quiet_generation_notices()  # TRL samples through the same generate
    clock = sampling_clock()
    return GRPOTrainer(
        model=model,
        reward_funcs=[clock.timed(correctness_reward(task)), format_reward()],
        args=args,
        train_dataset=grpo_dataset(task, rows),
        processing_class=tokenizer,
        callbacks=[clock],
    )


def sampling_clock():
    """A trainer callback that logs each step's ``sampling_seconds``: from the step's start to
    the scoring of its answers (TRL samples a step's groups, then scores them, then learns).
    TRL's own ``step_time`` is the whole step, so learning took ``step_time - sampling_seconds``.
    Its ``timed(reward)`` is ``reward``, logging the time when called first in a step."""
    from transformers import TrainerCallback

    class SamplingClock(TrainerCallback):
        started: float | None = None

        def on_step_begin(self, args, state, control, **kwargs):
            self.started = time.perf_counter()

        def timed(self, reward):
            @functools.wraps(reward)  # TRL logs a reward under its function's name
            def timed_reward(completions, log_metric=None, **columns):
                if log_metric is not None and self.started is not None:
                    log_metric("sampling_seconds", time.perf_counter() - self.started)
                    self.started = None
                return reward(completions, log_metric=log_metric, **columns)

            return timed_reward

    return SamplingClock()


def time_split(history: Sequence[dict]) -> tuple[float, float]:
    """``(sampling, learning)``: the seconds a GRPO run's steps spent sampling (and scoring)
    their answers and learning from them, from each step's ``sampling_seconds`` and TRL's
    ``step_time`` (the whole step).

    >>> time_split([{"step_time": 5.0, "sampling_seconds": 4.0}] * 2)
    (8.0, 2.0)
    """
    if any("sampling_seconds" not in log or "step_time" not in log for log in history):
        raise ValueError(
            "this GRPO run's history has no sampling_seconds or step_time: it was trained "
            "before the course logged them; delete its run folder to train it again"
        )
    sampling = sum(log["sampling_seconds"] for log in history)
    return sampling, sum(log["step_time"] for log in history) - sampling


def grpo_settings(experiment, task, rows, profile, start: Path, config: dict) -> dict:
    """What decides a GRPO run: its knobs, the base model, the prompt, the rows, the start, and
    which metrics of our own its history logs."""
    knobs = {k: v for k, v in asdict(experiment).items() if k != "name"}
    return {
        "experiment": knobs,
        "model": model_identity(profile, experiment.model_name)["model"],
        "prompt": task.prompt_settings(),
        "rows": {"n": len(rows), "digest": fingerprint([[r["id"], r["question"]] for r in rows])},
        "start": adapter_digest(start),
        "overrides": config,
        "logs": ["groups_right_and_wrong", "sampling_seconds"],  # ours: an older run lacks them
    }


def train_grpo(
    experiment: GRPOExperiment,
    task: Task,
    rows: Sequence[dict],
    profile: Profile,
    output_dir: Path,
    start: Path,
    **config,
) -> TrainingResult:
    """Train (or resume, or reuse) a GRPO run from the adapter in ``start``; save its adapter
    and its history (loss, each reward's mean, tokens) in ``output_dir``.

    Before the folder is claimed and any model loads: the rows (at least one a prompt of
    every step: with fewer, TRL trains no step at all and the start adapter would come back
    as the trained policy), the GRPOConfig with its overrides, and the start adapter."""
    task.check_rows(rows, "GRPO rows")
    args = grpo_config(experiment, Path(output_dir), profile, **config)
    if len(rows) < prompts_needed(args):
        raise ValueError(
            f"GRPO rows: {len(rows)} rows for {args.max_steps} steps of "
            f"{prompts_needed(args) // args.max_steps} prompts: the run needs "
            f"{prompts_needed(args)} (max_steps x prompts_per_step, each prompt used once); "
            "pass more rows, or lower max_steps"
        )
    check_adapter(start, model_source(profile, experiment.model_name))
    settings = grpo_settings(experiment, task, rows, profile, start, config)

    def make_trainer():
        model, tokenizer = load_policy(experiment, profile, start)
        return grpo_trainer(model, tokenizer, args, task, rows)

    # every number TRL logs: the loss, each reward's mean and spread, num_tokens, the share of
    # answers cut off (completions/clipped_ratio), KL, ...
    return train_and_save(
        output_dir,
        settings,
        make_trainer,
        lambda log: {k: v for k, v in log.items() if isinstance(v, int | float)},
    )
