"""The training display: a bar and about ten lines a run, the log itself untouched."""

from types import SimpleNamespace

import pytest

from helpers.progress import TrainingDisplay, quiet_display


def run_display(display, max_steps, logs):
    state = SimpleNamespace(max_steps=max_steps, global_step=0)
    display.on_train_begin(None, state, None)
    for step in range(1, max_steps + 1):
        state.global_step = step
        display.on_step_end(None, state, None)
        display.on_log(None, state, None, logs=logs(step))
    display.on_train_end(None, state, None)


def test_a_500_step_run_shows_its_first_step_and_every_fiftieth(capsys):
    run_display(TrainingDisplay(), 500, lambda step: {"loss": 1 / step, "learning_rate": 2e-4})
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("step")]
    assert [int(line.split()[1].split("/")[0]) for line in lines] == [1, *range(50, 501, 50)]
    assert lines[1] == "step  50/500  loss 0.02  learning_rate 0.0002"


def test_grpo_s_reward_is_shown_and_steps_without_a_loss_are_not(capsys):
    def logs(step):  # GRPO logs a reward with its loss; an evaluation log has no loss
        return {"loss": 0.5, "reward": 0.25} if step % 2 else {"eval_accuracy": 0.1}

    run_display(TrainingDisplay(lines=2), 4, logs)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("step")]
    assert lines == ["step 1/4  loss 0.5  reward 0.25"]  # steps 2 and 4 logged no loss


def test_quiet_display_replaces_the_step_by_step_display(tmp_path):
    import torch
    from transformers import Trainer, TrainingArguments
    from transformers.trainer_callback import PrinterCallback, ProgressCallback
    from transformers.utils.notebook import NotebookProgressCallback

    args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to="none")
    trainer = quiet_display(Trainer(model=torch.nn.Linear(1, 1), args=args))
    kinds = {type(c) for c in trainer.callback_handler.callbacks}
    assert TrainingDisplay in kinds
    assert not kinds & {NotebookProgressCallback, ProgressCallback, PrinterCallback}
    for lines in (0, 2.5, "10"):
        with pytest.raises(ValueError, match=f"lines={lines!r}: show a whole number of lines"):
            TrainingDisplay(lines=lines)
