import json

import pytest
import trl

from helpers.experiments import MODEL_A, MODEL_D
from helpers.models import load_model
from helpers.prompts import render_prompt
from helpers.training import build_trainer, sft_dataset, train_experiment


def quick(experiment):
    from dataclasses import replace

    return replace(experiment, batch_size=4, grad_accum=1)


def test_only_the_assistant_completion_is_trained(smoke, train_rows, tmp_path):
    model, tokenizer = load_model(smoke, lora=MODEL_D.lora)
    for experiment in (MODEL_A, MODEL_D):
        trainer = build_trainer(model, tokenizer, experiment, train_rows[:4], tmp_path, smoke)
        for row, example in zip(train_rows[:4], trainer.train_dataset, strict=True):
            prompt_ids = tokenizer(
                render_prompt(tokenizer, row["question"]), add_special_tokens=False
            ).input_ids
            ids, labels = example["input_ids"], example["labels"]
            assert ids[: len(prompt_ids)] == prompt_ids
            for i, (token, label) in enumerate(zip(ids, labels, strict=True)):
                assert label == (-100 if i < len(prompt_ids) else token), i
            trained = tokenizer.decode(ids[len(prompt_ids) :])
            assert trained == row[experiment.target] + "<|im_end|>\n"


def test_missing_target_field_is_named(train_rows):
    with pytest.raises(KeyError, match="no field 'reasoning'"):
        sft_dataset(train_rows[:2], "reasoning")


def test_training_lowers_the_loss_and_saves_the_adapter(smoke, train_rows, tmp_path):
    result = train_experiment(
        quick(MODEL_A), train_rows[:64], smoke, tmp_path, max_steps=30, save_steps=100
    )
    losses = [h["loss"] for h in result.history]
    assert result.steps == 30 and not result.resumed and not result.reused
    assert sum(losses[-5:]) / 5 < 0.8 * sum(losses[:5]) / 5
    assert (result.adapter_dir / "adapter_config.json").exists()
    assert json.loads((tmp_path / "loss_history.json").read_text()) == result.history


def test_interrupted_training_resumes_from_the_last_checkpoint(
    smoke, train_rows, tmp_path, monkeypatch
):
    rows, config = train_rows[:32], {"max_steps": 6, "save_steps": 2}
    reference = train_experiment(quick(MODEL_A), rows, smoke, tmp_path / "straight", **config)

    original, calls = trl.SFTTrainer.training_step, []

    def crash_at_step_five(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt("runtime disconnected")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(trl.SFTTrainer, "training_step", crash_at_step_five)
    with pytest.raises(KeyboardInterrupt):
        train_experiment(quick(MODEL_A), rows, smoke, tmp_path / "crashed", **config)
    monkeypatch.setattr(trl.SFTTrainer, "training_step", original)
    resumed = train_experiment(quick(MODEL_A), rows, smoke, tmp_path / "crashed", **config)

    assert resumed.resumed and [h["step"] for h in resumed.history] == list(range(1, 7))
    assert list((tmp_path / "crashed").glob("checkpoint-*")) == []  # adapter saved: freed
    for a, b in zip(reference.history, resumed.history, strict=True):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-4)

    again = train_experiment(quick(MODEL_A), rows, smoke, tmp_path / "crashed", **config)
    assert again.reused and again.history == resumed.history
