"""Every training run of the Ely report, and ours beyond it (GRPO), as data: the base
``SFTExperiment`` of every LoRA SFT run of the course (the GSM8K and long chain-of-thought runs
of ``helpers.hayes`` extend it), Models A-D, the AIME run and ``GRPO_RUN``.

Each run is a frozen dataclass whose every knob says where its value comes from. The seed's
reported numbers travel with it as ``reported`` so a notebook can print ours beside theirs.

Knobs the seed leaves open carry our value, marked "(ours)" in the tables:

>>> row = MODEL_C.table_row()
>>> {knob: row[knob] for knob in ("r", "dropout", "warmup", "weight decay")}
{'r': 32, 'dropout': '0.05 (ours)', 'warmup': '0.05 (ours)', 'weight decay': '0.0 (ours)'}
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from helpers.checkpoints import LoraSettings, check_knobs
from helpers.models import MATH_MODEL


@dataclass(frozen=True)
class SFTExperiment:
    """One LoRA SFT run: its data (rows and target field), its adapter and its optimizer. The
    base of every SFT run of the course: Ely's (inequalities, AIME) here, Hayes et al.'s GSM8K
    runs and the long chain-of-thought runs in ``helpers.hayes``."""

    name: str
    train_size: int  # training problems (400 / 2000: data/inequalities/train_{size}.jsonl)
    target: str  # the row field trained on: "boxed_answer" (the seed) or "solution" (worked)
    epochs: int
    lora: LoraSettings
    learning_rate: float
    batch_size: int = 2  # the seed: "batch size 2 with gradient accumulation of 4"
    grad_accum: int = 4  # effective batch 8
    scheduler: str = "linear"  # the seed: "linear warmup and decay"
    warmup_ratio: float = 0.05  # the seed names no warmup length; 5% of the steps is common
    weight_decay: float = 0.0  # the seed names none (with 0, TRL's AdamW is the seed's Adam)
    max_seq_length: int = 1024  # prompts are ~80 tokens, worked solutions ~250
    seed: int = 3407
    model_name: str = MATH_MODEL  # the seed's model, unsloth/Qwen2.5-Math-1.5B
    reported: dict = field(default_factory=dict, compare=False)  # the seed's numbers
    ours: tuple[str, ...] = ("warmup_ratio", "weight_decay")  # knobs the seed leaves open

    def __post_init__(self):
        whole = ("train_size", "epochs", "batch_size", "grad_accum", "max_seq_length")
        check_knobs(
            self,
            whole,
            ("learning_rate",),
            below_one=("warmup_ratio",),
            at_least_zero=("weight_decay",),
        )
        if not isinstance(self.lora, LoraSettings):
            raise ValueError(
                f"{self.name!r}: lora={self.lora!r}, use LoraSettings(r, alpha, dropout)"
            )

    @property
    def slug(self) -> str:
        """The name as a folder name.

        >>> MODEL_A.slug, AIME_RUN.slug
        ('model_a', 'aime_r_64')
        """
        return re.sub(r"[^a-z0-9]+", "_", self.name.lower()).strip("_")

    def folder(self, rows: int) -> str:
        """The run's folder name: what it trains on is in it, so the same experiment at another
        size (other rows) trains beside it instead of stopping at a folder made otherwise.

        >>> MODEL_D.folder(2000)
        'model_d_2000rows'
        """
        return f"{self.slug}_{rows}rows"

    def marked(self, knob: str, value) -> str:
        """``value`` as a table shows it: "(ours)" added when the seed leaves ``knob`` open."""
        return f"{value} (ours)" if knob in self.ours else str(value)

    def table_row(self) -> dict:
        return {
            "name": self.name,
            "rows": self.train_size,  # training problems
            "target": self.target,
            "epochs": self.epochs,
            "r": self.lora.r,
            "alpha": self.lora.alpha,
            "dropout": self.marked("lora.dropout", self.lora.dropout),
            "lr": self.learning_rate,
            "batch": f"{self.batch_size}x{self.grad_accum}",
            "warmup": self.marked("warmup_ratio", self.warmup_ratio),
            "weight decay": self.marked("weight_decay", self.weight_decay),
            "seed's val acc": self.reported.get("val_accuracy", "-"),
        }


# Ely, Part I, "Our main training hyperparameters": r=64, alpha=128, batch 2 x 4, lr 2e-4,
# 3 epochs over 400 examples, dropout 0 ("In our original model, we used dropout 0").
MODEL_A = SFTExperiment(
    name="Model A",
    train_size=400,
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
    train_size=2000,
    epochs=2,
    reported={"train_loss": 0.75, "val_accuracy": 0.725},
)

# Ely, "Model C": 2000 examples, 2 epochs, r=32, alpha=64 (alpha/r kept at 2), lr 1e-4. On
# dropout the report says only "In our original model, we used dropout 0. Adding dropout during
# training [...] can prevent overfitting": no value. We use 0.05, the value QLoRA (Dettmers et
# al., 2023) used for models up to 13B: enough to regularise a small adapter, small enough not
# to slow learning. (Unsloth's fast LoRA kernels assume dropout 0: with 0.05 it falls back to a
# slower path.)
MODEL_C = replace(
    MODEL_B,
    name="Model C",
    lora=LoraSettings(r=32, alpha=64, dropout=0.05),
    learning_rate=1e-4,
    reported={"train_loss": 0.75, "val_accuracy": 0.80, "test_accuracy": 0.825},
    ours=(*MODEL_B.ours, "lora.dropout"),
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
    train_size=890,  # the seed's training split
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


@dataclass(frozen=True)
class GRPOExperiment:
    """Reinforcement learning with the exact verifier on the inequality task (GRPO; ours, beyond
    the seeds). Sized for a free T4 in about an hour of training (notebook 05's budget)."""

    name: str
    prompts: int  # training problems, each used once: max_steps * prompts_per_step
    max_steps: int  # optimizer steps: the budget. 120 x 4 prompts x 8 answers on a T4
    # Answers sampled per prompt. Each answer's advantage is its reward minus its group's mean,
    # so a group teaches only if it holds a right and a wrong answer: for a policy right 25% of
    # the time that is 90% of groups of 8 (1 - 0.25**8 - 0.75**8), 68% of groups of 4.
    num_generations: int = 8
    prompts_per_step: int = 4  # groups per optimizer step (accumulated): 32 answers a step
    # Small: Unsloth's Qwen2.5 GRPO notebook uses 5e-6 with LoRA. SFT's 1e-4 on a reward this
    # sparse would move the policy far from the start it needs to keep sampling right answers.
    learning_rate: float = 5e-6
    # The rest of the optimizer is Model D's, the SFT run notebook 05 compares with: linear
    # decay after 5% warmup, no weight decay (and helpers.trainer_config.OPTIMIZER for both), so the
    # two runs differ in their method and learning rate only.
    scheduler: str = "linear"
    warmup_ratio: float = 0.05
    weight_decay: float = 0.0
    # The KL penalty towards the start policy. 0, TRL's default: no reference model to run (a
    # forward pass per step saved on a T4); the small learning rate keeps the policy close.
    beta: float = 0.0
    # Model D's worked solutions are ~120 tokens; twice that leaves room to reason longer. An
    # answer cut off here is left out of the loss (mask_truncated), not punished as wrong.
    max_completion_length: int = 256
    mask_truncated: bool = True
    temperature: float = 1.0  # sample as trained: greedy answers would make a group identical
    max_seq_length: int = 512  # prompt (~80 tokens) + the longest answer
    seed: int = 3407
    model_name: str = MATH_MODEL

    def __post_init__(self):
        whole = (
            "prompts",
            "max_steps",
            "prompts_per_step",
            "max_completion_length",
            "max_seq_length",
        )
        check_knobs(
            self,
            whole,
            ("learning_rate", "temperature"),
            below_one=("warmup_ratio",),
            at_least_zero=("weight_decay", "beta"),
        )
        if self.num_generations < 2 or isinstance(self.num_generations, bool):
            raise ValueError(
                f"{self.name!r}: num_generations={self.num_generations!r}, use 2 or more: an "
                "answer's advantage is its reward minus its group's mean, so a group of one "
                "teaches nothing"
            )

    def folder(self) -> str:
        """The run's folder name, with its steps and groups: each size trains beside the others.

        >>> GRPO_RUN.folder()
        'grpo_120x4x8'
        """
        return f"grpo_{self.max_steps}x{self.prompts_per_step}x{self.num_generations}"


# Notebook 05's run: from Model D's adapter, 120 steps of 4 prompts x 8 answers (480 problems):
# with its SFT counterpart and evaluations, what fits two T4 hours (the notebook's budget).
GRPO_RUN = GRPOExperiment(name="GRPO from Model D", prompts=480, max_steps=120)


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
