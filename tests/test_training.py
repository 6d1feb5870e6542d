import json
from dataclasses import replace

import pytest
import torch
import trl

from helpers.experiments import MODEL_A, MODEL_D
from helpers.models import load_adapter, load_model, load_tokenizer
from helpers.prompts import render_prompt
from helpers.tasks.inequalities import INEQUALITIES
from helpers.training import build_trainer, label_view, train_experiment


def quick(experiment):
    return replace(experiment, batch_size=4, grad_accum=1)


def crash_at_step_five(monkeypatch):
    """Make training stop at step five as a disconnect would; returns the real training step."""
    original, calls = trl.SFTTrainer.training_step, []

    def crash(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt("runtime disconnected")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(trl.SFTTrainer, "training_step", crash)
    return original


def test_only_the_assistant_completion_is_trained(smoke, train_rows, tmp_path):
    model, tokenizer = load_model(smoke, lora=MODEL_D.lora)
    for experiment in (MODEL_A, MODEL_D):
        trainer = build_trainer(
            model, tokenizer, experiment, INEQUALITIES, train_rows[:4], tmp_path, smoke
        )
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


def test_label_view_marks_the_prompt_out_of_the_loss_and_the_answer_in(smoke, train_rows, tmp_path):
    model, tokenizer = load_model(smoke, lora=MODEL_A.lora)
    trainer = build_trainer(
        model, tokenizer, MODEL_D, INEQUALITIES, train_rows[:2], tmp_path, smoke
    )
    for index, row in enumerate(train_rows[:2]):
        view = label_view(trainer, index)
        prompt = "".join(token for token, trained in view if not trained)
        answer = "".join(token for token, trained in view if trained)
        assert prompt == render_prompt(tokenizer, row["question"])
        assert answer == row["solution"] + "<|im_end|>\n"
        assert [trained for _, trained in view] == sorted(trained for _, trained in view)


def test_bad_rows_stop_before_a_model_loads(smoke, train_rows, tmp_path, monkeypatch):
    import helpers.training

    def no_loading(*args, **kwargs):
        raise AssertionError("a model was loaded for bad rows")

    monkeypatch.setattr(helpers.training, "load_model", no_loading)
    bad = {
        "no training rows": [],
        "has question=NoneType": [{**train_rows[0], "question": None}],
        "has boxed_answer=int 51": [{**train_rows[0], "boxed_answer": 51}],
        "reasoning=no such field": [train_rows[0]],
    }
    for message, rows in bad.items():
        experiment = MODEL_A if "reasoning" not in message else replace(MODEL_A, target="reasoning")
        with pytest.raises(ValueError, match=message):
            train_experiment(experiment, INEQUALITIES, rows, smoke, tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_training_lowers_the_loss_and_saves_the_adapter(smoke, train_rows, tmp_path):
    result = train_experiment(
        quick(MODEL_A), INEQUALITIES, train_rows[:64], smoke, tmp_path, max_steps=30, save_steps=100
    )
    losses = [h["loss"] for h in result.history]
    assert result.steps == 30 and not result.resumed and not result.reused
    assert sum(losses[-5:]) / 5 < 0.8 * sum(losses[:5]) / 5
    assert (result.adapter_dir / "adapter_config.json").exists()
    saved = json.loads((tmp_path / "loss_history.json").read_text())
    seconds = saved.pop("train_seconds")  # the trainer's own clock, kept with the run
    assert saved == {"trainer": "UnslothSFTTrainer", "log": result.history}
    assert result.train_seconds == seconds and 0 < seconds < 600


def test_interrupted_training_resumes_from_the_last_checkpoint(
    smoke, train_rows, tmp_path, monkeypatch
):
    rows, config = train_rows[:32], {"max_steps": 6, "save_steps": 2}
    reference = train_experiment(
        quick(MODEL_A), INEQUALITIES, rows, smoke, tmp_path / "straight", **config
    )

    original = crash_at_step_five(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        train_experiment(quick(MODEL_A), INEQUALITIES, rows, smoke, tmp_path / "crashed", **config)
    monkeypatch.setattr(trl.SFTTrainer, "training_step", original)
    resumed = train_experiment(
        quick(MODEL_A), INEQUALITIES, rows, smoke, tmp_path / "crashed", **config
    )

    assert resumed.resumed and [h["step"] for h in resumed.history] == list(range(1, 7))
    assert list((tmp_path / "crashed").glob("checkpoint-*")) == []  # adapter saved: freed
    for a, b in zip(reference.history, resumed.history, strict=True):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-4)

    again = train_experiment(
        quick(MODEL_A), INEQUALITIES, rows, smoke, tmp_path / "crashed", **config
    )
    assert again.reused and again.history == resumed.history


def test_a_finished_run_is_reused_only_for_the_settings_that_made_it(smoke, train_rows, tmp_path):
    rows, config = train_rows[:8], {"max_steps": 2, "save_steps": 10}
    first = train_experiment(quick(MODEL_A), INEQUALITIES, rows, smoke, tmp_path, **config)
    dropout = replace(quick(MODEL_A), lora=replace(MODEL_A.lora, dropout=0.05))  # exercise 4
    with pytest.raises(ValueError, match=r"changed: experiment.lora.dropout\): give this run"):
        train_experiment(dropout, INEQUALITIES, rows, smoke, tmp_path, **config)
    with pytest.raises(ValueError, match="changed: rows.digest"):
        train_experiment(quick(MODEL_A), INEQUALITIES, train_rows[8:16], smoke, tmp_path, **config)
    shots = INEQUALITIES.with_prompt(exemplars=[("1 + 1?", "2")])
    with pytest.raises(ValueError, match="changed: prompt.exemplars"):
        train_experiment(quick(MODEL_A), shots, rows, smoke, tmp_path, **config)
    again = train_experiment(quick(MODEL_A), INEQUALITIES, rows, smoke, tmp_path, **config)
    assert again.reused and again.history == first.history
    assert again.train_seconds == first.train_seconds > 0  # a reused run keeps its time


def test_a_checkpoint_cut_off_mid_save_is_skipped_for_the_one_before(
    smoke, train_rows, tmp_path, monkeypatch
):
    rows, config = train_rows[:32], {"max_steps": 6, "save_steps": 2}
    original = crash_at_step_five(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        train_experiment(quick(MODEL_A), INEQUALITIES, rows, smoke, tmp_path, **config)
    monkeypatch.setattr(trl.SFTTrainer, "training_step", original)
    newest = tmp_path / "checkpoint-4" / "adapter_model.safetensors"
    newest.write_bytes(newest.read_bytes()[:-100])  # the save was cut off
    with pytest.warns(UserWarning, match="checkpoint-4 was cut off mid-save"):
        resumed = train_experiment(quick(MODEL_A), INEQUALITIES, rows, smoke, tmp_path, **config)
    assert resumed.resumed and resumed.history[0]["step"] == 1 and resumed.steps == 6


@pytest.mark.parametrize("damage", ["no history", "bad adapter config", "short weights"])
def test_a_damaged_finished_run_is_trained_again_not_failed_forever(
    smoke, train_rows, tmp_path, damage
):
    rows, config = train_rows[:8], {"max_steps": 2, "save_steps": 10}
    first = train_experiment(quick(MODEL_A), INEQUALITIES, rows, smoke, tmp_path, **config)
    adapter = first.adapter_dir
    if damage == "no history":
        (tmp_path / "loss_history.json").unlink()  # as an adapter saved before its history
    elif damage == "bad adapter config":
        (adapter / "adapter_config.json").write_text('{"base_model_name_or_pa')
        with pytest.raises(ValueError, match="adapter_config.json is damaged .* train it again"):
            load_adapter(smoke, adapter)
    else:
        weights = adapter / "adapter_model.safetensors"
        weights.write_bytes(weights.read_bytes()[:-10])
    with pytest.warns(UserWarning, match="is incomplete"):
        again = train_experiment(quick(MODEL_A), INEQUALITIES, rows, smoke, tmp_path, **config)
    assert not again.reused and again.history == first.history
    assert load_adapter(smoke, again.adapter_dir)


def test_a_run_can_start_from_a_saved_adapter_of_its_shape(smoke, train_rows, tmp_path):
    from safetensors.torch import load_file

    from helpers.training import load_trainable

    first = train_experiment(quick(MODEL_A), INEQUALITIES, train_rows[:8], smoke, tmp_path / "a")
    saved = load_file(str(first.adapter_dir / "adapter_model.safetensors"))
    model, _ = load_trainable(quick(MODEL_A), smoke, start=first.adapter_dir)
    loaded = {n: p for n, p in model.named_parameters() if "lora_" in n}
    assert loaded and all(p.requires_grad for p in loaded.values())  # trainable, not frozen
    for name, weight in saved.items():
        key = next(n for n in loaded if n.startswith(name.removesuffix(".weight")))
        assert torch.equal(loaded[key].detach(), weight), name
    with pytest.raises(ValueError, match="start from an adapter of the same shape"):
        load_trainable(MODEL_D, smoke, start=first.adapter_dir)  # r=32, not 64
    again = train_experiment(
        quick(MODEL_A), INEQUALITIES, train_rows[:8], smoke, tmp_path / "b", start=first.adapter_dir
    )
    assert again.history[0]["loss"] < first.history[0]["loss"]  # it went on from the first run


def test_sft_counts_every_prompt_and_answer_token_it_trains_on(smoke, train_rows, tmp_path):
    """The budget notebook 05 gives SFT and GRPO alike: 2 steps of 2 x 4 rows = the 16 rows
    once, so the count is their tokens, prompt and worked solution, as the chat template
    renders them (Unsloth's SFT loss counts none: the Trainer's count does)."""
    rows = train_rows[:16]
    result = train_experiment(MODEL_D, INEQUALITIES, rows, smoke, tmp_path, max_steps=2)
    tokenizer = load_tokenizer(smoke)
    expected = sum(
        INEQUALITIES.example_tokens(tokenizer, row["question"], row["solution"]) for row in rows
    )
    assert result.history[-1]["num_tokens"] == expected
    assert 0 < result.history[0]["num_tokens"] < expected
    assert result.tokens == expected and result.trainer == "UnslothSFTTrainer"


def test_unsloths_trainer_batches_without_padding_as_the_t4_budget_assumes(
    smoke, train_rows, tmp_path
):
    """helpers/plans/t4.py prices a micro-batch by its real tokens: Unsloth's SFTTrainer turns
    padding-free batching on by itself ("Padding-free auto-enabled")."""
    model, tokenizer = load_model(smoke, lora=MODEL_A.lora)
    trainer = build_trainer(
        model, tokenizer, MODEL_A, INEQUALITIES, train_rows[:4], tmp_path, smoke
    )
    assert type(trainer).__name__ == "UnslothSFTTrainer" and trainer.args.padding_free
