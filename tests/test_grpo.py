"""GRPO on the tiny CPU model: the policy starts from a saved adapter, both rewards are logged
each step, and a run folder is reused only for the settings that made it."""

from dataclasses import replace

import pytest
import torch
from safetensors.torch import load_file

from helpers.experiments import GRPO_RUN, MODEL_D
from helpers.grpo import grpo_config, grpo_dataset, load_policy, train_grpo
from helpers.models import load_tokenizer
from helpers.tasks.inequalities import INEQUALITIES
from helpers.training import sft_config, train_experiment

TINY = replace(
    GRPO_RUN, prompts=2, max_steps=2, num_generations=2, prompts_per_step=1,
    max_completion_length=8,
)  # fmt: skip


@pytest.fixture(scope="module")
def start(smoke, train_rows, tmp_path_factory):
    """A Model D-shaped adapter, two SFT steps old: where GRPO starts."""
    quick = replace(MODEL_D, batch_size=4, grad_accum=1)
    folder = tmp_path_factory.mktemp("model_d")
    return train_experiment(quick, INEQUALITIES, train_rows[:8], smoke, folder).adapter_dir


def test_the_dataset_asks_as_evaluation_does_and_keeps_the_columns_rewards_need(train_rows):
    dataset = grpo_dataset(INEQUALITIES, train_rows[:3])
    assert dataset[0]["prompt"] == INEQUALITIES.messages(train_rows[0]["question"])
    assert dataset["answer"] == [row["answer"] for row in train_rows[:3]]


def test_the_policy_starts_with_the_saved_adapters_weights(smoke, start):
    model, _ = load_policy(TINY, smoke, start)
    saved = load_file(str(start / "adapter_model.safetensors"))
    policy = {n: p for n, p in model.named_parameters() if "lora_" in n}
    assert all(p.requires_grad for p in policy.values())
    for name, weight in saved.items():
        key = next(n for n in policy if n.startswith(name.removesuffix(".weight")))
        assert torch.equal(policy[key].detach(), weight)


def test_grpo_logs_each_reward_and_the_tokens_and_reuses_only_its_own_run(
    smoke, train_rows, start, tmp_path
):
    rows = train_rows[:2]
    result = train_grpo(TINY, INEQUALITIES, rows, smoke, tmp_path, start=start)
    assert result.steps == 2 and not result.reused
    for log in result.history:
        for key in ("loss", "rewards/correct/mean", "rewards/well_formed/mean", "num_tokens"):
            assert key in log, key
        assert 0.0 <= log["rewards/correct/mean"] <= 1.0
    assert result.history[-1]["num_tokens"] > result.history[0]["num_tokens"] > 0
    assert (result.adapter_dir / "adapter_model.safetensors").exists()
    assert not list(tmp_path.glob("checkpoint-*"))  # deleted once the adapter is saved
    assert train_grpo(TINY, INEQUALITIES, rows, smoke, tmp_path, start=start).reused
    with pytest.raises(ValueError, match=r"changed: experiment\.beta"):
        train_grpo(replace(TINY, beta=0.04), INEQUALITIES, rows, smoke, tmp_path, start=start)


def answer_then_ramble(model, tokenizer, answer: str):
    """Make ``model.generate`` sample ``answer``, ``<|im_end|>``, then words without end, for
    every prompt: a model that writes on after its turn, as a base model's sampler may. Like
    ``generate`` it stops at the first of the generation config's end-of-sequence ids (padding
    after it) or at ``max_new_tokens``."""
    turn = tokenizer(answer + "<|im_end|>", add_special_tokens=False).input_ids
    ramble = tokenizer(" and so on" * 20, add_special_tokens=False).input_ids

    def generate(input_ids, generation_config, **kwargs):
        stops = generation_config.eos_token_id
        stops = [stops] if isinstance(stops, int) else list(stops)
        sampled = (turn + ramble)[: generation_config.max_new_tokens]
        end = next((i + 1 for i, t in enumerate(sampled) if t in stops), len(sampled))
        completion = sampled[:end] + [generation_config.pad_token_id] * (len(sampled) - end)
        rows = torch.tensor([completion] * len(input_ids))
        return torch.cat([input_ids, rows.to(input_ids.device)], dim=1)

    model.generate = generate
    return model


def test_sampling_stops_at_the_end_of_the_assistant_turn_and_counts_its_tokens(
    smoke, train_rows, start, tmp_path, monkeypatch
):
    """Qwen2.5-Math's end of text is <|endoftext|>, which TRL stops at; an answer ends with
    <|im_end|>. Sampling must stop there too, or every answer runs to the limit, is masked out
    as truncated and scores 0 for its form."""
    import helpers.grpo

    def scripted_policy(*args):
        model, tokenizer = load_policy(*args)
        return answer_then_ramble(model, tokenizer, "\\boxed{7}"), tokenizer

    monkeypatch.setattr(helpers.grpo, "load_policy", scripted_policy)
    rows, budget = train_rows[:2], replace(TINY, max_completion_length=16)
    result = train_grpo(budget, INEQUALITIES, rows, smoke, tmp_path, start=start)
    assert result.trainer == "UnslothGRPOTrainer"
    for log in result.history:
        assert log["completions/clipped_ratio"] == 0.0  # none ran to the limit
        assert log["rewards/well_formed/mean"] == 1.0  # each ended with its one box
    tokenizer = load_tokenizer(smoke)
    answer = len(tokenizer("\\boxed{7}<|im_end|>", add_special_tokens=False).input_ids)
    prompts = [INEQUALITIES.prompt(tokenizer, row["question"]) for row in rows]
    prompt_tokens = [len(tokenizer(p, add_special_tokens=False).input_ids) for p in prompts]
    # as SFT counts them: prompt and answer tokens of each sample, padding not counted
    assert result.tokens == sum(TINY.num_generations * (n + answer) for n in prompt_tokens)


def test_grpo_and_the_sft_it_is_compared_with_share_every_optimizer_knob(smoke, tmp_path):
    """Unsloth's GRPOConfig fills unset knobs with its own defaults (8-bit AdamW, weight decay
    0.001, 10% warmup): each is set, and equal to the matched SFT run's (Model D's)."""
    sft = sft_config(MODEL_D, tmp_path, smoke)
    grpo = grpo_config(GRPO_RUN, tmp_path, smoke)
    for config in (sft, grpo):  # Unsloth's configs (named as TRL's, for pickling)
        assert "_unsloth_patched_rl_config" in vars(type(config))
    knobs = (
        *("optim", "adam_beta1", "adam_beta2", "adam_epsilon", "max_grad_norm"),
        *("weight_decay", "warmup_steps", "lr_scheduler_type", "seed"),
    )
    assert {k: getattr(grpo, k) for k in knobs} == {k: getattr(sft, k) for k in knobs}
    assert (grpo.optim, grpo.weight_decay, grpo.warmup_steps) == ("adamw_torch", 0.0, 0.05)


def test_each_step_logs_its_sampling_time_within_the_step_and_its_mixed_groups(
    smoke, train_rows, start, tmp_path
):
    from helpers.grpo import time_split

    result = train_grpo(TINY, INEQUALITIES, train_rows[:2], smoke, tmp_path, start=start)
    for log in result.history:
        assert 0.0 < log["sampling_seconds"] <= log["step_time"]
        assert log["groups_right_and_wrong"] in (0.0, 1.0)  # one group a step
    sampling, learning = time_split(result.history)
    assert sampling > 0 and learning > 0
    assert sampling + learning == pytest.approx(sum(log["step_time"] for log in result.history))


def test_notebook_05_starts_from_the_model_d_run_notebook_02_trains_at_the_same_size():
    """05 reads Model D from 02's run folder (on Colab, a Drive folder both notebooks share):
    the folder is named by its rows, so 05 must ask for the rows 02 trains it on."""
    from helpers.plans.grpo import SIZES as GRPO_SIZES
    from helpers.plans.inequality_sft import SIZES as SFT_SIZES

    for size, plan in SFT_SIZES.items():
        if MODEL_D in plan.experiments:
            assert plan.rows(MODEL_D) == GRPO_SIZES[size].model_d_rows, size
