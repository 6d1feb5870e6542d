"""What a learner sees while a model trains: one progress bar and about ten lines a run.

Every trainer of the course logs each step (``logging_steps=1``): the whole history is saved
for the loss curves. transformers would show all of it as it comes, a table row a step in a
notebook (500 rows for each of Models B, C and D) or a dict a step in a terminal;
``quiet_display`` swaps that for a bar and a line every tenth of the run.
"""

from __future__ import annotations

from tqdm.auto import tqdm
from transformers import TrainerCallback
from transformers.trainer_callback import PrinterCallback, ProgressCallback
from transformers.utils.notebook import NotebookProgressCallback

SHOWN_LINES = 10  # lines a run prints besides its first step's
SHOWN_KEYS = ("loss", "reward", "learning_rate")  # GRPO logs its mean reward as "reward"


class TrainingDisplay(TrainerCallback):
    """A tqdm bar over the run's steps, and a line (step, loss, reward when logged) at the
    first step and every ``max_steps / lines`` steps after; the log itself is untouched."""

    def __init__(self, lines: int = SHOWN_LINES):
        if not isinstance(lines, int) or isinstance(lines, bool) or lines < 1:
            raise ValueError(f"lines={lines!r}: show a whole number of lines a run, 1 or more")
        self.lines, self.bar, self.every = lines, None, 1

    def on_train_begin(self, args, state, control, **kwargs):
        self.every = max(1, state.max_steps // self.lines)
        self.bar = tqdm(total=state.max_steps, initial=state.global_step, desc="training")

    def on_step_end(self, args, state, control, **kwargs):
        if self.bar is not None:
            self.bar.update(state.global_step - self.bar.n)

    def on_log(self, args, state, control, logs=None, **kwargs):
        step, logs = state.global_step, logs or {}
        shown = step == 1 or step % self.every == 0 or step == state.max_steps
        if "loss" not in logs or not shown:
            return
        values = "  ".join(f"{key} {logs[key]:.4g}" for key in SHOWN_KEYS if key in logs)
        line = f"step {step:>{len(str(state.max_steps))}}/{state.max_steps}  {values}"
        (self.bar.write if self.bar is not None else print)(line)

    def on_train_end(self, args, state, control, **kwargs):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def quiet_display(trainer, lines: int = SHOWN_LINES):
    """``trainer`` with transformers' step-by-step display replaced by ``TrainingDisplay``."""
    for shown_every_step in (NotebookProgressCallback, ProgressCallback, PrinterCallback):
        trainer.remove_callback(shown_every_step)
    trainer.add_callback(TrainingDisplay(lines))
    return trainer
