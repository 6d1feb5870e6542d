"""The runs of Hayes et al. (Table 2: LoRA SFT on GSM8K, judged for math and safety) and of
the third source document, 004 (long chain of thought vs safety), as data.

``hayes_run("5")`` looks a run up by its number ("2*" is ours: run 2 on the 1.5B model); the
reported math accuracy and safety rate travel with each run, with the n the report's code used
(``hayes_reported``). Knobs the report leaves open carry our value, marked "(ours)":

>>> hayes_run("6").table_row()["batch"]
'4x4 (ours)'
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from helpers.checkpoints import LoraSettings
from helpers.experiments import SFTExperiment
from helpers.plans.t4 import QWEN_7B_PARAMETERS, QWEN_15B_PARAMETERS

QWEN_15B = "Qwen/Qwen2.5-1.5B-Instruct"
QWEN_7B = "Qwen/Qwen2.5-7B-Instruct"
# What Unsloth loads for these ids with load_in_4bit=True. The pinned loader maps them itself
# (unsloth 2026.10.7: FLOAT_TO_INT_MAPPER in unsloth/models/mapper.py, applied by get_model_name
# in unsloth/models/loader_utils.py) to its pre-quantised "dynamic" 4-bit checkpoints, so the
# 16-bit weights (about 15 GB for the 7B) never download. Dynamic: a few sensitive layers stay
# in 16 bits, where the report quantised every linear layer to NF4 itself. The runs keep the
# report's ids; tests/test_colab_api_drift.py checks this mapping against the pinned source.
UNSLOTH_4BIT = {
    QWEN_15B: "unsloth/Qwen2.5-1.5B-Instruct-unsloth-bnb-4bit",
    QWEN_7B: "unsloth/Qwen2.5-7B-Instruct-unsloth-bnb-4bit",
}
PARAMETERS = {QWEN_15B: QWEN_15B_PARAMETERS, QWEN_7B: QWEN_7B_PARAMETERS}  # the model cards
KV_HEADS = {QWEN_15B: 2, QWEN_7B: 4}  # config.json; both have 28 layers of 128-dim heads
OPTIMIZER_NAME = (
    "AdamW"  # helpers.trainer_config.OPTIMIZER: optim="adamw_torch" (the report names none)
)
# The report's evaluation sizes, which it does not state, from its public code
# (github.com/cwoodhayes/DontForgetAboutSafety, finetune.py, run_inference): the first 100
# problems of its GSM8K public test file, and 80 AILuminate prompts (rows 0-39 and 120-159).
HAYES_N = {"math": 100, "safety": 80}
HAYES_N_NOTE = "(their code)"


@dataclass(frozen=True)
class GSM8KRun(SFTExperiment):
    """One run of Hayes et al.'s Table 2: LoRA SFT on GSM8K, judged for math and safety."""

    run: str = ""  # the seed's run number ("2*" marks our 1.5B counterpart of run 2)
    shots: int = 0  # fixed few-shot exemplars in the evaluation prompt (Table 2's "Shots")
    exemplars_in_training: bool = False  # ours: the same exemplars in every training prompt too
    max_new_tokens: int = 512  # the seed: 512, 1024 for run 4

    @property
    def train_shots(self) -> int:
        """Exemplars in each training prompt: the run's shots, or none."""
        return self.shots if self.exemplars_in_training else 0

    @property
    def parameters(self) -> float:
        return PARAMETERS[self.model_name]

    @property
    def base_model(self) -> str:
        """The untuned model, as notebook 04's tables name it: ``base 1.5B``."""
        return f"base {self.model_name.split('-')[1]}"

    @property
    def base_name(self) -> str:
        """The untuned model with this run's prompt (``base 1.5B, 5 shots``): its math is
        measured once for each prompt, its safety once for all (``base_model``)."""
        return f"{self.base_model}, {self.shots} shots"

    def folder(self, rows: int) -> str:
        """``SFTExperiment.folder``, and the exemplar setting: changing it trains anew instead
        of finding a run made otherwise."""
        return super().folder(rows) + ("_exemplars" if self.exemplars_in_training else "")

    def table_row(self) -> dict:
        """The run's knobs; "(ours)" marks a value the report does not state."""
        in_training = "yes" if self.exemplars_in_training else "no"
        return {
            "run": self.run,
            "model": self.marked("model_name", self.model_name.split("/")[-1]),
            "rank/alpha": f"{self.lora.r}/{self.lora.alpha}",
            "epochs": self.epochs,
            "shots (eval)": self.shots,
            "exemplars in training": self.marked("exemplars_in_training", in_training),
            "dropout": self.lora.dropout,
            "lr": f"{self.learning_rate:g}",
            "scheduler": self.scheduler,
            "warmup": self.warmup_ratio,
            "weight decay": self.weight_decay,
            "optimizer": self.marked("optimizer", OPTIMIZER_NAME),
            "batch": self.marked("batch", f"{self.batch_size}x{self.grad_accum}"),
            "max tokens": self.max_new_tokens,
            "paper's math": self.reported.get("math_accuracy", "-"),
            "paper's safety": self.reported.get("safety_rate", "-"),
        }


# Hayes et al., section 2.4 and Table 2: cosine schedule, warmup ratio 0.05, dropout 0.1, lr
# 3e-5, 4-bit NF4 with double quantisation (Unsloth's 4-bit checkpoints: see UNSLOTH_4BIT). The
# report names no batch size and no optimizer: 4 x 4 (effective 16) fits a T4 for the 1.5B model
# at 512 + few-shot tokens. Its "Shots" are exemplars at evaluation (section 2.4); whether they
# were in the training prompts it does not say (its code put them there, drawn at random).
# Targets are GSM8K's worked answers ending in "#### N".
_HAYES = GSM8KRun(
    name="",
    train_size=7473,  # GSM8K's training split
    target="target",
    epochs=2,
    lora=LoraSettings(r=8, alpha=16, dropout=0.1),
    learning_rate=3e-5,
    batch_size=4,
    grad_accum=4,
    scheduler="cosine",
    warmup_ratio=0.05,
    weight_decay=0.01,
    max_seq_length=2048,  # 8 exemplars of ~150 tokens each, the question, the answer
    model_name=QWEN_15B,
    ours=("batch", "optimizer", "exemplars_in_training"),
)


def _table_2_run(run: str, math: float, safety: float, **changes) -> GSM8KRun:
    reported = {"math_accuracy": math, "safety_rate": safety}
    return replace(_HAYES, name=f"run {run}", run=run, reported=reported, **changes)


_UNREGULARISED = dict(  # run 2: "no dropout, no warmup, no weight decay", lr 3e-4, 0 shots
    epochs=1, shots=0, learning_rate=3e-4, warmup_ratio=0.0, weight_decay=0.0,
    lora=LoraSettings(r=8, alpha=16, dropout=0.0),
)  # fmt: skip
HAYES_RUNS = (
    _table_2_run("1", 0.81, 0.88, model_name=QWEN_7B, shots=5),
    _table_2_run("2", 0.50, 0.57, model_name=QWEN_7B, **_UNREGULARISED),
    _table_2_run("3", 0.63, 0.79, model_name=QWEN_7B, epochs=1, shots=5, weight_decay=0.1),
    _table_2_run("4", 0.70, 0.89, epochs=3, shots=8, weight_decay=0.1, max_new_tokens=1024),
    _table_2_run("5", 0.46, 0.86, shots=0, weight_decay=0.1),
    _table_2_run("6", 0.45, 0.89, shots=5),
    _table_2_run("7", 0.41, 0.88, shots=5, lora=LoraSettings(r=5, alpha=10, dropout=0.1)),
    _table_2_run("8", 0.44, 0.89, shots=5, lora=LoraSettings(r=16, alpha=32, dropout=0.1)),
    _table_2_run("9", 0.43, 0.68, shots=5, lora=LoraSettings(r=8, alpha=16, dropout=1.0)),
    _table_2_run("10", 0.37, 0.88, epochs=10, shots=5),
)
# Ours, not the seed's: run 2's unregularised settings on the 1.5B model, so the 1.5B runs
# have an unregularised counterpart that fits a T4 (run 2 itself is 7B).
RUN_2_ON_15B = replace(
    HAYES_RUNS[1],
    name="run 2* (ours, 1.5B)",
    run="2*",
    model_name=QWEN_15B,
    reported={},
    ours=(*HAYES_RUNS[1].ours, "model_name"),
)
# Hayes et al., Table 1: the reference baselines (math accuracy, safety rate).
HAYES_BASELINES = {"Simple": (0.280, 0.558), "Medium": (0.379, 0.642), "Strong": (0.455, 0.725)}


def hayes_run(run: str | int, exemplars_in_training: bool = False) -> GSM8KRun:
    """A run of Table 2 by its number ("1".."10"), or "2*" for our 1.5B run 2, with or without
    its exemplars in the training prompts. A whole number names the same run as its text
    (``hayes_run(4)`` is ``hayes_run("4")``): the table numbers its runs, and there is no
    other run 4 it could mean.

    >>> hayes_run(4) == hayes_run("4")
    True
    """
    runs = {r.run: r for r in (*HAYES_RUNS, RUN_2_ON_15B)}
    if isinstance(run, int) and not isinstance(run, bool):
        run = str(run)
    if not isinstance(run, str) or run not in runs:
        choices = ", ".join(f'"{name}"' for name in runs)
        raise ValueError(f"unknown run {run!r}: choose one of {choices} (a number, or the text)")
    if not isinstance(exemplars_in_training, bool):
        raise ValueError(
            f"exemplars_in_training={exemplars_in_training!r}: use True (the run's exemplars in "
            "every training prompt too) or False (at evaluation only)"
        )
    return replace(runs[run], exemplars_in_training=exemplars_in_training)


def hayes_reported(run: GSM8KRun, metric: str, what: str, note: str = ""):
    """The report's ``metric`` ("math" or "safety") for ``run`` as a ``helpers.report.Reported``,
    with the n its code used (``HAYES_N``); no value for a run the report does not have."""
    from helpers.report import Reported

    if metric not in HAYES_N:
        raise ValueError(f"metric={metric!r}: the report gives 'math' or 'safety'")
    value = run.reported.get({"math": "math_accuracy", "safety": "safety_rate"}[metric])
    if value is None and not note:
        note = "ours: the report has no such run"
    return Reported(what, value, n=HAYES_N[metric], n_note=HAYES_N_NOTE, note=note)


def hayes_points(model_name: str | None = None) -> dict[str, tuple[float, float]]:
    """The report's runs as (math accuracy, safety rate), Table 3's numbers, named for a plot:
    those of ``model_name`` only, or all with the 7B runs marked.

    >>> hayes_points(QWEN_15B)["run 9"], hayes_points()["run 2 (7B)"]
    ((0.43, 0.68), (0.5, 0.57))
    """
    models = sorted({run.model_name for run in HAYES_RUNS})
    if model_name not in (None, *models):
        raise ValueError(f"no run of the report used {model_name!r}: choose one of {models}")
    return {
        f"run {run.run}" + (" (7B)" if run.model_name == QWEN_7B and not model_name else ""): (
            run.reported["math_accuracy"],
            run.reported["safety_rate"],
        )
        for run in HAYES_RUNS
        if model_name in (None, run.model_name)
    }


@dataclass(frozen=True)
class CoTRun(GSM8KRun):
    """One run of the long chain-of-thought experiment (the third source document, 004): the
    same model, knobs, number of problems and budget as its siblings; only the target differs."""

    data: str = "gsm8k"  # where the training rows come from: "gsm8k", or "long_cot"
    # (helpers.tasks.long_cot: a public long-CoT data set's math problems, each ending in "#### N")

    def table_row(self) -> dict:
        shown = {"run": self.run, "target": self.name, "problems": f"{self.train_size} {self.data}"}
        skipped = ("run", "shots (eval)", "exemplars in training", "paper's math", "paper's safety")
        knobs = {k: v for k, v in super().table_row().items() if k not in skipped}
        return shown | knobs | {"epochs": self.marked("epochs", self.epochs)}


# Document 004 reports that fine-tuning on long chain-of-thought data improves math and lowers
# safety. We vary only the training target. Every other knob is run 2*'s (the report's plain
# fine-tune, run 2, on the 1.5B model: lr 3e-4, r 8 / alpha 16, no dropout, warmup or weight
# decay, no exemplars, so the target is all the model is shown): 300 problems give 38 steps of
# 16 over 2 epochs, too few for run 5's lr 3e-5 to move a small adapter measurably.
_COT = CoTRun(
    **{f: getattr(RUN_2_ON_15B, f) for f in ("lora", "learning_rate", "batch_size", "grad_accum",
       "scheduler", "warmup_ratio", "weight_decay", "model_name", "shots")},
    name="",
    target="",
    epochs=2,  # as most of the report's runs (run 2 itself: 1)
    # 300 problems a run: the long traces (up to 4,096 tokens) of 300 problems x 2 epochs are
    # what a T4 trains in about a quarter of an hour; the short runs take the same 300.
    train_size=300,
    max_seq_length=4096,  # a long trace, its prompt and the end-of-turn token
    # 1,024 new tokens for every run (run 4's budget): room for a longer answer; an answer cut
    # off before its "#### N" is wrong, as it would be for a user.
    max_new_tokens=1024,
    ours=("train_size", "epochs", "max_new_tokens", "batch", "optimizer"),
)  # fmt: skip
LONG_COT_RUNS = (
    replace(_COT, name="final number", run="cot-0", target="final"),  # "#### N" alone
    replace(_COT, name="GSM8K solution", run="cot-1", target="target"),  # short worked answer
    replace(_COT, name="long chain of thought", run="cot-2", target="target", data="long_cot"),
)
