"""Every training run of the seeds, as data.

Each run is a frozen dataclass whose every knob says where its value comes from. The seed's
reported numbers travel with it as ``reported`` so a notebook can print ours beside theirs.

>>> print(format_table([MODEL_A.table_row()]))
name    | data      | target       | epochs | r  | alpha | dropout | lr     | batch | seed's val acc
------- | --------- | ------------ | ------ | -- | ----- | ------- | ------ | ----- | --------------
Model A | train_400 | boxed_answer | 3      | 64 | 128   | 0.0     | 0.0002 | 2x4   | 0.5
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from helpers.models import LoraSettings


@dataclass(frozen=True)
class SFTExperiment:
    """One LoRA SFT run on the inequality data (Ely, Part I)."""

    name: str
    train_file: str  # a file of data/inequalities/, e.g. "train_400"
    target: str  # the row field trained on: "boxed_answer" (the seed) or "solution" (worked)
    epochs: int
    lora: LoraSettings
    learning_rate: float
    batch_size: int = 2  # the seed: "batch size 2 with gradient accumulation of 4"
    grad_accum: int = 4  # effective batch 8
    scheduler: str = "linear"  # the seed: "linear warmup and decay"
    warmup_ratio: float = 0.05  # the seed names no warmup length; 5% of the steps is common
    weight_decay: float = 0.0  # the seed names none
    max_seq_length: int = 1024  # prompts are ~80 tokens, worked solutions ~250
    seed: int = 3407
    reported: dict = field(default_factory=dict, compare=False)  # the seed's numbers

    @property
    def train_size(self) -> int:
        return int(self.train_file.rsplit("_", 1)[1])

    def table_row(self) -> dict:
        return {
            "name": self.name,
            "data": self.train_file,
            "target": self.target,
            "epochs": self.epochs,
            "r": self.lora.r,
            "alpha": self.lora.alpha,
            "dropout": self.lora.dropout,
            "lr": self.learning_rate,
            "batch": f"{self.batch_size}x{self.grad_accum}",
            "seed's val acc": self.reported.get("val_accuracy", "-"),
        }


# Ely, Part I, "Our main training hyperparameters": r=64, alpha=128, batch 2 x 4, lr 2e-4,
# 3 epochs over 400 examples, dropout 0 ("In our original model, we used dropout 0").
MODEL_A = SFTExperiment(
    name="Model A",
    train_file="train_400",
    target="boxed_answer",
    epochs=3,
    lora=LoraSettings(r=64, alpha=128, dropout=0.0),
    learning_rate=2e-4,
    reported={"train_loss": 0.78, "val_accuracy": 0.50},
)

# Ely, "Model B": the same settings, 2000 examples, 2 epochs (fewer passes over more data).
MODEL_B = replace(
    MODEL_A,
    name="Model B",
    train_file="train_2000",
    epochs=2,
    reported={"train_loss": 0.75, "val_accuracy": 0.725},
)

# Ely, "Model C": 2000 examples, 2 epochs, r=32, alpha=64 (alpha/r kept at 2), lr 1e-4, and
# dropout "added" without a value. We use 0.05, the value QLoRA (Dettmers et al., 2023) used for
# models up to 13B: enough to regularise a small adapter, small enough not to slow learning.
# (Unsloth's fast LoRA kernels assume dropout 0: with 0.05 it falls back to a slower path.)
MODEL_C = replace(
    MODEL_B,
    name="Model C",
    lora=LoraSettings(r=32, alpha=64, dropout=0.05),
    learning_rate=1e-4,
    reported={"train_loss": 0.75, "val_accuracy": 0.80, "test_accuracy": 0.825},
)

# Beyond the seed: Model C's settings trained on the worked solutions, so the model is shown
# the reasoning steps, not only the final count.
MODEL_D = replace(MODEL_C, name="Model D", target="solution", reported={})

INEQUALITY_EXPERIMENTS = (MODEL_A, MODEL_B, MODEL_C, MODEL_D)

# Ely, Part II: the same recipe on AIME. r=64, alpha=128, batch 2 x 4, lr 2e-4, linear warmup
# and decay, 2 epochs over the 890 training problems. Targets are the worked solution (2022-24)
# or the bare final line; 4096 tokens hold most solutions (the longest are cut at the end).
AIME_RUN = SFTExperiment(
    name="AIME r=64",
    train_file="aime_train_890",
    target="target",
    epochs=2,
    lora=LoraSettings(r=64, alpha=128, dropout=0.0),
    learning_rate=2e-4,
    max_seq_length=4096,
    reported={
        "baseline_val_accuracy": 14 / 60,
        "baseline_test_accuracy": 3 / 30,
        "val_accuracy": 0.15,
        "test_accuracy": 0.10,
    },
)

# The seed's untuned baseline (Ely, Part I, "Baseline performance").
SEED_BASELINE = {"val_accuracy": 0.225, "test_accuracy": 0.25}


def format_table(rows: Sequence[dict]) -> str:
    """Rows of equal keys as an aligned plain-text table."""
    columns = list(rows[0])
    cells = [[str(row[c]) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = [columns, ["-" * w for w in widths], *cells]
    return "\n".join(
        " | ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )
