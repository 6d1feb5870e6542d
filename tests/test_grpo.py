"""GRPO on the tiny CPU model: the policy starts from a saved adapter, both rewards are logged
each step, and a run folder is reused only for the settings that made it."""

from dataclasses import replace

import pytest
import torch
from safetensors.torch import load_file

from helpers.experiments import GRPO_RUN, MODEL_D
from helpers.grpo import grpo_dataset, load_policy, train_grpo
from helpers.tasks import INEQUALITIES
from helpers.training import train_experiment

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
