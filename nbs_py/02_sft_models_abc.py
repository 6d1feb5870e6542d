# ---
# jupyter:
#   accelerator: GPU
#   colab:
#     gpuType: T4
#     provenance: []
#   jupytext:
#     formats: notebooks///ipynb,nbs_py///py:percent
#     notebook_metadata_filter: accelerator,colab
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     name: python3
# ---

# %% [markdown]
# # 02 · LoRA SFT of Models A–C: does fine-tuning teach the task?
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/math-sft-course/unsloth-math-course/blob/main/notebooks/02_sft_models_abc.ipynb)
#
# We fine-tune `unsloth/Qwen2.5-Math-1.5B` with LoRA on the inequality problems of notebook 01,
# with the three configurations of Part I of Andrew Ely's report, plus one of our own.
#
# **The report's numbers** (quoted as the report's, on 40-item sets): untuned baseline 0.225
# validation and 0.25 test; Model A 0.50 validation; Model B 0.725 validation; Model C 0.80
# validation and 0.825 test. Its training losses: 0.78, 0.75 and 0.75.
#
# **You will learn to**
# 1. read and run the recipe itself: Unsloth's 4-bit loader, LoRA, TRL's `SFTConfig` and
#    `SFTTrainer`, every knob explained;
# 2. turn problems into chat examples whose loss covers only the model's answer, and check
#    the label mask token by token;
# 3. measure a baseline *before* training, with the same prompt and grader used after;
# 4. report accuracy with 95% intervals next to the constant and lookup-table baselines;
# 5. choose a model on validation, then touch the test set once;
# 6. read errors by type, not only the accuracy.

# %%
# Setup: on Colab, clone the course and install its pinned stack (a few minutes); elsewhere do
# nothing (the README's install command already did it).
import subprocess
import sys
from pathlib import Path

USE_DRIVE = False  # True: keep results on Google Drive, so a recycled runtime loses nothing
COURSE_REPO = "https://github.com/math-sft-course/unsloth-math-course"  # a fork: see README
if "google.colab" in sys.modules:
    course = Path("/content/unsloth-math-course")
    if not course.exists():
        clone = ["git", "clone", "--depth", "1", COURSE_REPO, str(course)]
        cloned = subprocess.run(clone, capture_output=True, text=True)
        if cloned.returncode != 0:
            raise RuntimeError(f"could not clone {COURSE_REPO}:\n{cloned.stderr}")
    sys.path.insert(0, str(course))
    from helpers.colab import setup_colab

    setup_colab(course, mount_drive=USE_DRIVE)
# %%
from helpers.notebook import start_notebook

profile, RUN = start_notebook("02_sft_models_abc")

# %% [markdown]
# ## 0 · Sizes, and what they cost on a T4
#
# One knob sizes the whole notebook:
# - `"full"`: the report's sizes: Models A–D on their 400 or 2,000 problems, 400 items in each
#   evaluation split, the report's 1,024-token limit. About two T4 hours.
# - `"class"`: a lab of 45 T4 minutes or less: Models A and C (the report's first and final
#   recipes) on their full training sets, the report's own 40-item validation and test sets and
#   a 512-token limit. It still shows the jump from the untuned model to Model C, but at
#   n = 40 every accuracy carries an interval of about ±0.15 (the report's own width), so
#   Models A and C can differ by chance; the seen-vs-novel comparison and Models B and D are
#   `full`'s.
# - `"check"`: every cell with the smallest sizes that exercise it (a few steps, 16 items, 24
#   tokens): a check that the course runs on your runtime. Its numbers mean nothing. The smoke
#   profile (CPU, CI) always runs this size.
#
# The budget is an **estimate** for a free Colab T4 at the chosen size (even when this notebook
# runs in CI's smoke profile): training from the tokens it processes, generation from its
# decoding steps, model downloads, loads and Unsloth's first-use compile; every assumption and
# its source is in `helpers/plans/t4.py`. The untuned model's evaluations are the long part: it
# may reason up to the token limit, where a tuned model answers in a dozen tokens. Each
# section's progress bar gives the real pace. The exercises' solutions run only with
# `SHOW_SOLUTIONS = True`, and only then does the table count the one that trains (exercise 4).

# %%
from helpers.notebook import solution, solutions_shown
from helpers.plans import choose, sizes_table
from helpers.plans.inequality_sft import SIZES

SIZE = "full"  # "full": the report's sizes; "class": a 45-minute lab; "check": a runtime check
PLAN = choose(SIZES, SIZE, profile)
SHOW_SOLUTIONS = False  # True: the exercises' solution cells run (try each exercise first)
SHOW_SOLUTIONS = solutions_shown(SHOW_SOLUTIONS, PLAN)
sizes_table(SIZES)

# %%
PLAN.budget(solutions=SHOW_SOLUTIONS)

# %% [markdown]
# ## 2 · Problems as chat examples
#
# Each problem becomes a conversation: a system prompt asking for step-by-step reasoning and a
# `\boxed{}` answer, the question, and (for training) the answer. TRL's conversational
# prompt-completion format keeps the answer apart, so the loss covers only it.
#
# Everything the inequality data set needs — that prompt, how an answer is read (the integer in
# the last `\boxed{}`), when it is right, and how it can be wrong — lives in one object,
# `helpers.tasks.inequalities.INEQUALITIES`. Training rows and evaluation prompts both come from
# it, so they cannot drift apart: a test in `tests/` checks that the two texts agree up to the
# first token of the answer.

# %%
from helpers.inequality_splits import constant_baseline, load_split
from helpers.models import MATH_MODEL, load_tokenizer
from helpers.tasks.inequalities import INEQUALITIES

tokenizer = load_tokenizer(profile, MATH_MODEL)
val = load_split("val", 400)[: PLAN.eval_items]  # the report's 40 are the first 40
test = load_split("test", 400)[: PLAN.eval_items]
val_novel = load_split("val_novel", 400)[: PLAN.eval_items]  # forms no training file has (01)
test_novel = load_split("test_novel", 400)[: PLAN.eval_items]
example = load_split("train", 400)[0]
INEQUALITIES.training_examples([example], target="boxed_answer")[0]

# %%
chat = INEQUALITIES.messages(example["question"], answer=example["solution"])
text = tokenizer.apply_chat_template(chat, tokenize=False)
print(text)
print(len(tokenizer(text).input_ids), "tokens with the worked solution as target")

# %% [markdown]
# ## 3 · The baseline, before any training
#
# The untuned model answers the validation problems with exactly the prompt and grader we use
# after training. The grader takes the integer in the last `\boxed{}`; no boxed integer counts
# as wrong (a *format* error), as in the report. Hugging Face's `math-verify` grades every
# response a second time, and the summary says on how many it agrees with us.
#
# Results are appended to a JSON-lines file batch by batch: if Colab disconnects, rerunning the
# cell continues where it stopped. The file's name ends in a key computed from everything that
# made it (model, adapter weights, prompt, token budget; the `.json` beside it lists them):
# change any of them and a new file starts, so an old result is never passed off as new.
#
# The report evaluated on 40 items; at the full size we evaluate on 400 and also report the first
# 40, so you see how wide the interval on 40 items is. One load of the model answers both
# `val` and `val_novel` (`evaluate_splits`: the same files `evaluate_model` writes, one each).

# %%
from helpers.evaluation import EvalSettings, evaluate_splits
from helpers.statistics import summarise

EVAL = RUN / "eval"
SETTINGS = EvalSettings(max_new_tokens=PLAN.max_new_tokens, batch_size=PLAN.batch_size)
VALIDATION = {"val": val, "val_novel": val_novel}
baseline = evaluate_splits(profile, INEQUALITIES, VALIDATION, EVAL / "baseline", SETTINGS)
records, novel_records = {"baseline": baseline["val"]}, {"baseline": baseline["val_novel"]}
FIRST_40 = len(val) > 40  # the full size: the report's 40 items, a part of ours, shown apart
if FIRST_40:
    print(f"baseline on val_40 : {summarise(records['baseline'][:40])}")
print(f"baseline on val_{len(val)}: {summarise(records['baseline'])}")
print(f"baseline on val_novel_{len(val_novel)}: {summarise(novel_records['baseline'])}")

# %% [markdown]
# Two baselines that need no model at all, per training set: always answering the most common
# training answer, and the **lookup table** of notebook 01 — the answer of the training twin
# (the same problem after one line of algebra), else the most common answer. The lookup table
# is what pure memorisation scores: on the seed-faithful split it is high, on the novel split
# it falls to the constant answer.

# %%
from helpers.inequality_splits import has_twin, lookup_baseline

TRAIN = {size: load_split("train", size) for size in (400, 2000)}
for size, rows in TRAIN.items():
    for name, items in (("val", val), ("val_novel", val_novel)):
        answer, constant = constant_baseline(rows, items)
        lookup = lookup_baseline(rows, items)
        print(
            f"train_{size}, {name:<9}: always {answer}: {constant:.3f}   lookup table: {lookup:.3f}"
        )
constant_answer, constant_accuracy = constant_baseline(TRAIN[400], val)

# %% [markdown]
# ## 4 · LoRA in one paragraph
#
# Full fine-tuning changes every weight matrix $W$ of the model (1.5 billion numbers). LoRA
# (Hu et al., 2021) freezes $W$ and learns a low-rank correction: each adapted matrix computes
# $W x + \frac{\alpha}{r} B A x$, where $A$ is $r \times k$ and $B$ is $d \times r$, with the
# rank $r$ far below $d$ and $k$ (64 against 1,536 here). $B$ starts at zero, so training
# starts from exactly the base model; $\alpha / r$ scales the update, so changing $r$ with
# $\alpha / r$ fixed keeps the step size comparable. QLoRA (Dettmers et al., 2023) stores the
# frozen $W$ in 4 bits, which is what lets a 1.5B model train on a free T4.
#
# What the report changed, and its reasons in its own words:
# - **Model B** (from A): 2,000 problems instead of 400, 2 epochs instead of 3 — "simply
#   including a larger amount and variety of train data, and decreasing the number of Epochs".
# - **Model C** (from B): r = 32, α = 64 ("a lower rank adapter [...] can reduce overfitting";
#   "we also want to lower the alpha proportionally"), learning rate 1e-4 ("a slightly smaller
#   step size can give more stable convergence"), and dropout: "In our original model, we used
#   dropout 0. Adding dropout during training [...] can prevent overfitting" — with no value;
#   we use 0.05 (the comment on `MODEL_C` says why).
#
# ## 5 · The recipe, by hand: Model A
#
# This section builds Model A with the libraries themselves, the way you would in your own
# project. Then it shows that `helpers.training.train_experiment`, which trains the other
# models, does exactly this (plus resuming and bookkeeping).
#
# **The one place where the profile decides.** Unsloth needs a CUDA GPU, and CI runs on a CPU.
# There, `helpers.local.cpu_unsloth` makes the same calls with transformers + PEFT (no 4-bit, no
# gradient checkpointing: a CPU has neither). Everything after this cell is the Colab code.

# %%
if profile.is_smoke:  # CI, on a CPU: the same calls through transformers + PEFT
    from helpers.local.cpu_unsloth import CPUFastLanguageModel as FastLanguageModel
else:  # Colab, on a GPU
    from unsloth import FastLanguageModel

# %%
from helpers.models import compute_dtype, model_source

model, tokenizer = FastLanguageModel.from_pretrained(
    model_name=model_source(profile, MATH_MODEL),  # unsloth/Qwen2.5-Math-1.5B (CI: a tiny stand-in)
    max_seq_length=1024,  # prompt + answer; our examples are under 250 tokens
    dtype=compute_dtype(),  # fp16 on a T4 (no bf16 there), bf16 on an A100 or L4
    load_in_4bit=True,  # QLoRA: the frozen weights in 4 bits, ~1 GB instead of ~3
)  # fmt: skip

# %%
model = FastLanguageModel.get_peft_model(
    model,
    r=64,  # the adapter's rank: its capacity (the report's Model A)
    lora_alpha=128,  # the update is scaled by alpha / r = 2 (the report's Model A)
    lora_dropout=0.0,  # the report's Model A; Unsloth's fastest kernels need 0
    target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    bias="none",  # biases stay frozen
    use_gradient_checkpointing="unsloth",  # recompute activations: much less memory, ~20% slower
    random_state=3407,  # the seed of A's initial values (B starts at zero)
)
model.print_trainable_parameters()

# %% [markdown]
# The report says "only about 5% of the total parameters" are trained. In CI the tiny stand-in
# model gives a meaningless share; the real model's is counted below from its configuration
# (PEFT on weightless tensors: nothing is downloaded). The share is of the base model's
# parameters; PEFT's own percentage above divides by base + adapter.

# %%
from helpers.checkpoints import LoraSettings
from helpers.local.qwen_offline import qwen25_math_config
from helpers.models import lora_parameter_counts

lora_params, base_params = lora_parameter_counts(qwen25_math_config(), LoraSettings(64, 128))
print(
    f"Qwen2.5-Math-1.5B, r = 64 on every projection: {lora_params / 1e6:.1f} M trainable "
    f"parameters beside {base_params / 1e9:.2f} B frozen ones, {lora_params / base_params:.1%}"
)

# %% [markdown]
# The training set as TRL reads it: one prompt (a list of chat messages) and one completion
# per problem. Model A trains on the bare `\boxed{N}` answer.

# %%
from datasets import Dataset

from helpers.experiments import MODEL_A

train_a = TRAIN[400][: PLAN.rows(MODEL_A)]
dataset = Dataset.from_list(INEQUALITIES.training_examples(train_a, target="boxed_answer"))
dataset[0]

# %% [markdown]
# Every training setting, where its value comes from, and what to change if a T4 runs out of
# memory. This is the configuration `helpers.training.sft_config` builds from `MODEL_A`.

# %%
import torch
from trl import SFTConfig

from helpers.runtime import supports_bf16

BY_HAND = RUN / f"model_a_by_hand_{len(train_a)}rows"
config = SFTConfig(
    output_dir=str(BY_HAND),  # checkpoints: a disconnect loses at most save_steps steps
    num_train_epochs=3,  # the report's Model A: 3 passes over the 400 problems
    per_device_train_batch_size=2,  # the report: batch 2 ... (out of memory? halve it ...)
    gradient_accumulation_steps=4,  # ... with accumulation 4 (... and double this): 8 per update
    learning_rate=2e-4,  # the report's Model A
    lr_scheduler_type="linear",  # the report: "linear warmup and decay"
    warmup_steps=0.05,  # ours, the report gives no length: the first 5% of steps (a share < 1)
    weight_decay=0.0,  # ours, the report names none: with 0, AdamW is the report's Adam
    optim="adamw_torch",
    max_length=1024,  # longer examples would be cut at the end
    completion_only_loss=True,  # the loss covers the answer only, never the prompt (below)
    seed=3407,  # the order of the examples
    logging_steps=1,  # a loss every step, for the curves
    save_strategy="steps",
    save_steps=20 if profile.is_smoke else 50,
    save_total_limit=2,  # keep two checkpoints: Colab's disk (and Drive) fill up
    report_to="none",  # no Weights & Biases account needed
    bf16=supports_bf16(),  # A100, L4, H100
    fp16=torch.cuda.is_available() and not supports_bf16(),  # a T4
    use_cpu=profile.is_smoke,
    gradient_checkpointing=False,  # Unsloth does its own (above); TRL's would be a second
    dataset_num_proc=1,
)

# %%
from trl import SFTTrainer

trainer = SFTTrainer(
    model=model, args=config, train_dataset=dataset, processing_class=tokenizer
)  # fmt: skip
print(type(trainer).__name__)  # Unsloth's rewrite of TRL's SFTTrainer: on Colab and in CI alike

# %% [markdown]
# **The label mask.** The trainer turns each example into token ids and *labels*: the token the
# model should predict at each position, or -100 where the loss skips it. With
# `completion_only_loss=True` every prompt token is skipped: the model is never trained to
# write the question, only the answer. Here is the first example, as the trainer's own data
# collator builds it: the end of the prompt, then the answer.

# %%
import pandas as pd

from helpers.training import label_view

view = label_view(trainer, 0)
first_trained = next(i for i, (_, trained) in enumerate(view) if trained)
print(f"{first_trained} prompt tokens, none trained; {len(view) - first_trained} answer tokens")
assert all(trained for _, trained in view[first_trained:])  # one boundary: prompt, then answer
pd.DataFrame(view[first_trained - 6 :], columns=["token", "in the loss"])

# %% [markdown]
# **Exercise 1** (here, while the trainer exists; the other exercises are at the end). Take
# training example 1 (`dataset[1]` shows it). Before you look, predict which of its tokens
# carry a label: any of the system prompt or the question? The `assistant` that opens the
# answer's turn? `\boxed`? The `<|im_end|>` that closes the answer, and the newline after it?
# Then check with `label_view(trainer, 1)`, and say why it matters whether `<|im_end|>` is
# trained. The solution prints what a right answer looks like.

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 1 (try it first)
if solution(1, SHOW_SOLUTIONS):
    view_1 = label_view(trainer, 1)
    in_loss = "".join(token for token, trained in view_1 if trained)
    skipped = "".join(token for token, trained in view_1 if not trained)
    print(f"{len(view_1)} tokens, {sum(trained for _, trained in view_1)} in the loss: {in_loss!r}")
    print(
        "A right answer: no token of the prompt carries a label (system prompt, question, and "
        "'<|im_start|>assistant' with its newline); every token of the completion does, "
        "'<|im_end|>' and the newline after it included. '<|im_end|>' must be trained: a model "
        "never trained to write it does not learn to stop after its answer."
    )
    prompt = INEQUALITIES.prompt(tokenizer, train_a[1]["question"])  # what evaluation shows
    assert skipped == prompt  # system prompt, question and "<|im_start|>assistant\n": no label
    assert in_loss == train_a[1]["boxed_answer"] + "<|im_end|>\n"  # the answer, then its end

# %% [markdown]
# **Predict before you run.** The untuned model scored the validation accuracy printed in
# section 3. Model A sees 400 problems three times. Will its validation accuracy beat the
# lookup table of `train_400`? The report's Model A: 0.50 on 40 items.
#
# Training resumes from the last checkpoint after a disconnect. Loss is reported as the mean
# over the last 10% of steps: one step's loss is one batch's, and noisy.

# %%
from helpers.models import free_memory
from helpers.progress import quiet_display
from helpers.runs import end_loss, last_checkpoint

# transformers shows a table row for every logged step; a bar and ~10 lines read better (the
# log itself, every step, is untouched: it draws the loss curve below)
quiet_display(trainer)
trainer.train(resume_from_checkpoint=last_checkpoint(BY_HAND))
by_hand = [log for log in trainer.state.log_history if "loss" in log]
print(f"Model A by hand: {len(by_hand)} steps, loss over the last 10% {end_loss(by_hand):.3f}")
del model, trainer  # free the GPU for the next model
free_memory()

# %% [markdown]
# That is the whole recipe. `helpers.training.train_experiment(MODEL_A, ...)` builds the same
# model, adapter, configuration and trainer from the dataclass `MODEL_A`, and adds what a
# course needs: a `run.json` in the run folder saying what made it (rerun with other settings
# and it stops instead of resuming someone else's checkpoint: by hand, nothing stopped us),
# a skipped checkpoint if one was cut off mid-save, and a finished run reused instead of
# retrained. Same seed, same data: the same losses (on a GPU, up to the last digits: its
# kernels are not bit-for-bit reproducible).

# %%
from helpers.experiments import INEQUALITY_EXPERIMENTS, MODEL_B, MODEL_C, MODEL_D, format_table
from helpers.training import train_experiment

print(format_table([e.table_row() for e in INEQUALITY_EXPERIMENTS]))
results = {}


def train_and_validate(experiment):
    """Train (or reuse) a run, evaluate it on val and val_novel, print a line."""
    if experiment in INEQUALITY_EXPERIMENTS and experiment not in PLAN.experiments:
        print(f"{experiment.name} is not trained at SIZE={PLAN.size!r} (the full size trains it)")
        return
    rows = TRAIN[experiment.train_size][: PLAN.rows(experiment)]
    folder = RUN / experiment.folder(len(rows))  # a size's run beside another size's
    result = train_experiment(experiment, INEQUALITIES, rows, profile, folder)
    splits = evaluate_splits(
        profile, INEQUALITIES, VALIDATION, EVAL / experiment.slug, SETTINGS,
        adapter_dir=result.adapter_dir,
    )  # fmt: skip
    records[experiment.name], novel_records[experiment.name] = splits["val"], splits["val_novel"]
    results[experiment.name] = result
    print(f"{experiment.name}: {result}\n  val {summarise(records[experiment.name])}")


train_and_validate(MODEL_A)
losses = pd.DataFrame(
    {
        "by hand": [log["loss"] for log in by_hand],
        "train_experiment": [log["loss"] for log in results["Model A"].history],
    },
    index=pd.Index([log["step"] for log in by_hand], name="step"),
)
difference = (losses["by hand"] - losses["train_experiment"]).abs().max()
print(f"largest loss difference: {difference:.2g}")
losses.iloc[:: max(1, len(losses) // 6)]

# %% [markdown]
# **Predict before you run: Model B.** Five times the problems, one epoch fewer. Higher or lower
# validation accuracy than Model A? And on `val_novel`, where no training twin helps?

# %%
train_and_validate(MODEL_B)

# %% [markdown]
# **Predict before you run: Model C.** Half the rank, half the learning rate, a little dropout.
# The report's reasons are in section 4. Does C beat B by more than the interval?

# %%
train_and_validate(MODEL_C)

# %% [markdown]
# **Predict before you run: Model D** (ours, not the report's): Model C's settings, trained on
# the worked solutions of notebook 01 instead of the bare `\boxed{N}`. Its answers are ~15
# times longer. Better or worse on problems with no twin in training?

# %%
train_and_validate(MODEL_D)

# %% [markdown]
# ## 6 · Validation accuracy, with intervals
#
# **The losses are not the report's.** Our loss covers the answer tokens only; the report's
# "objective function loss" is over the whole conversation, prompt included (it says "standard
# cross-entropy loss over the sequence of tokens"), and most of those tokens are the prompt's.
# So its 0.78 / 0.75 / 0.75 cannot be compared with our column; they are printed apart.

# %%
from helpers.experiments import SEED_BASELINE

summaries = {name: summarise(recs) for name, recs in records.items()}
reported = {e.name: e.reported for e in PLAN.experiments} | {"baseline": SEED_BASELINE}


def number(value):
    """Three decimals, or "-" where there is no such number (the report's Model D, the
    untuned baseline's training loss)."""
    return "-" if value is None else f"{value:.3f}"


first_40 = {"val_40": [str(summarise(recs[:40])) for recs in records.values()]}
table = pd.DataFrame(
    (first_40 if FIRST_40 else {})
    | {
        f"val_{len(val)}": [str(s) for s in summaries.values()],
        "format errors": [s.errors.get("format", 0) for s in summaries.values()],
        "report's val_40": [number(reported[name].get("val_accuracy")) for name in records],
        "loss, answer only (ours)": [
            number(results[name].end_loss if name in results else None) for name in records
        ],
        "report's loss, whole chat (not comparable)": [
            number(reported[name].get("train_loss")) for name in records
        ],
    },
    index=list(records),
)
table

# %%
from helpers.plots import plot_accuracy

plot_accuracy(
    summaries,
    baseline=constant_accuracy,
    title=f"Validation accuracy, {len(val)} items, 95% intervals\n"
    f"(dashed: always answering {constant_answer}, the commonest answer of train_400)",
)

# %% [markdown]
# ## 7 · Seen or novel?
#
# Notebook 01 found that most validation problems have a **twin** in the training data: the
# same problem after one line of algebra, with the same answer. A model can score on them by
# recall. Below, each model's validation accuracy is split into the items with a twin in *its*
# training rows and those without, next to `val_novel` (forms no training file has).
#
# **Predict before you run:** Model C learned from bare answers, Model D from worked
# solutions. Which one holds up on novel forms? Which one's accuracy falls most from the
# "twin" column to the "novel" column?

# %%
trained_on = {e.name: TRAIN[e.train_size] for e in PLAN.experiments}
trained_on["baseline"] = TRAIN[2000]  # the untuned model: twins of the largest training set


def seen_and_novel(name):
    twins = has_twin(val, trained_on[name])
    with_twin = [r for r, twin in zip(records[name], twins, strict=True) if twin]
    without = [r for r, twin in zip(records[name], twins, strict=True) if not twin]
    return {
        f"val_{len(val)}": str(summarise(records[name])).split(" (")[0],
        "twin in training": str(summarise(with_twin)).split(" (")[0] + f" n={len(with_twin)}",
        "no twin": str(summarise(without)).split(" (")[0] + f" n={len(without)}",
        f"val_novel_{len(val_novel)}": str(summarise(novel_records[name])).split(" (")[0],
    }


pd.DataFrame({name: seen_and_novel(name) for name in records}).T

# %% [markdown]
# Two models evaluated on the same items are compared **item by item**, not by whether their
# intervals overlap: the exact McNemar test looks only at the items one model got right and
# the other wrong (`helpers.statistics.mcnemar`). A small p-value says the difference is
# unlikely under "equally good".

# %%
from helpers.statistics import mcnemar

for name in results:
    print(f"{name} vs baseline, val:       {mcnemar(records[name], records['baseline'])}")
if "Model D" in results:
    print(f"Model C vs Model D, val:       {mcnemar(records['Model C'], records['Model D'])}")
    c_novel, d_novel = novel_records["Model C"], novel_records["Model D"]
    print(f"Model C vs Model D, val_novel: {mcnemar(c_novel, d_novel)}")

# %% [markdown]
# ## 8 · Choose on validation, then test once
#
# We test three models, once each: the untuned baseline, Model C (the report's final model,
# the one its 0.825 is about) and the model with the best validation accuracy, if that is
# another one. Only now do we touch the test sets.

# %%
best = max(PLAN.experiments, key=lambda e: summaries[e.name].accuracy)
tested = {"baseline": None, "Model C": results["Model C"].adapter_dir}
tested[best.name] = results[best.name].adapter_dir
TESTS = {"test": test, "test_novel": test_novel}
test_records, test_novel_records = {}, {}
for name, adapter in tested.items():
    slug = "baseline" if adapter is None else adapter.parent.name
    splits = evaluate_splits(
        profile, INEQUALITIES, TESTS, EVAL / slug, SETTINGS, adapter_dir=adapter
    )
    test_records[name], test_novel_records[name] = splits["test"], splits["test_novel"]
print(f"best on validation: {best.name}")
for name, recs in test_records.items():
    shown = {"test_40": recs[:40]} if FIRST_40 else {}
    shown |= {f"test_{len(test)}": recs, f"test_novel_{len(test_novel)}": test_novel_records[name]}
    print(name)
    for split, split_records in shown.items():
        print(f"  {split:<14} {summarise(split_records)}")
for name, items in (("test", test), ("test_novel", test_novel)):
    answer, constant = constant_baseline(TRAIN[2000], items)
    lookup = lookup_baseline(TRAIN[2000], items)
    print(f"{name} (train_2000): always {answer}: {constant:.3f}, lookup table: {lookup:.3f}")
print(f"Model C vs baseline, test: {mcnemar(test_records['Model C'], test_records['baseline'])}")

# %% [markdown]
# ## 9 · Loss curves and errors by type
#
# The loss is measured on the answer tokens only, so runs with short targets (A–C, a few tokens)
# and long ones (D, the worked solution) are not on the same scale.

# %%
from helpers.plots import plot_error_types, plot_loss_curves

histories = {name: result.history for name, result in results.items()}
plot_loss_curves(histories, title="Training loss, answer tokens only (Model D's answers are long)")

# %% [markdown]
# Error types, decided by solving each problem again: *format* (no boxed integer),
# *truncated* (cut off at the token limit before answering), *off_by_one* (one away from the
# count: an endpoint misplaced), *direction* (the count of the inequality read the wrong way
# round, `<` as `>`), *ambiguous* (both at once: on [-50, 50], `2x < 1` has 51 solutions and
# `2x > 1` has 50), *other*.

# %%
plot_error_types(summaries, title="Validation errors by type")

# %% [markdown]
# ## 10 · Before and after, problem by problem

# %%
pairs = zip(records["baseline"], records[best.name], strict=True)
for base_record, tuned_record in list(pairs)[:3]:
    question = next(row["question"] for row in val if row["id"] == base_record["id"])
    print(question, f"(gold {base_record['gold']})")
    print(
        f"  baseline -> {base_record['extracted']} [{base_record['error'] or 'correct'}]:",
        base_record["response"][-160:].replace("\n", " "),
    )
    print(
        f"  {best.name} -> {tuned_record['extracted']} [{tuned_record['error'] or 'correct'}]:",
        tuned_record["response"][-160:].replace("\n", " "),
    )
    print()

# %% [markdown]
# ## 11 · Ask your own question
#
# Write an inequality of your own. The cell asks the untuned model and Model C with the
# course's prompt, and prints the exact count beside their answers. Nothing is saved.

# %%
from helpers.evaluation import ask
from helpers.inequalities import Inequality, count_solutions

mine = Inequality(a1=3, b1=-4, op="<", a2=-2, b2=11, lo=-20, hi=20)  # 3x - 4 < -2x + 11
print(mine.question, "exact count:", count_solutions(mine))
adapters = {"baseline": None, "Model C": results["Model C"].adapter_dir}
answers = ask(profile, INEQUALITIES, mine.question, adapters, PLAN.max_new_tokens)
pd.DataFrame(answers).set_index("model")

# %% [markdown]
# ## 12 · Keep the result
#
# Each run folder holds `adapter/` (the LoRA weights, a few tens of MB, and the tokenizer),
# `run.json` (what made it) and `loss_history.json`. On Colab with Google Drive mounted they
# survive the session. `load_adapter` gives the model back, ready to generate.
#
# To use the model outside this course, set `EXPORT = True`: Unsloth merges the adapter into
# the base's 16-bit weights once (about 3 GB for 1.5B parameters) and writes a GGUF file from
# that merge for llama.cpp, Ollama or LM Studio (`save_pretrained_gguf` at `q4_k_m`, about 1 GB;
# it builds llama.cpp first, several minutes), on the runtime's own disk
# (`/content/export/model_c`), not on Drive: download what you keep. Colab only: the export
# needs a GPU.

# %%
from helpers.export import export_model
from helpers.models import load_adapter

EXPORT = False  # True (Colab): merged 16-bit weights and a GGUF file, in /content/export
chosen = results["Model C"].adapter_dir
print(sorted(p.name for p in chosen.iterdir()))
model, tokenizer = load_adapter(profile, chosen)
lora_count = sum(p.numel() for n, p in model.named_parameters() if "lora_" in n)
print(type(model).__name__, "with", lora_count, "LoRA parameters")
del model  # a name at the top level keeps the model on the GPU until it is deleted
free_memory()
if EXPORT and not profile.is_smoke:
    print(export_model(profile, chosen))

# %% [markdown]
# ## 13 · The report's numbers and yours
#
# Every number Part I of the report gives, next to yours. Both get a 95% interval: the report's
# from its own 40 items. Where the intervals overlap widely, your run and the report's do not
# disagree, whatever the point estimates say. Below the full size, the head of your column
# says that yours are a small run's numbers, not comparable with the report's.

# %%
from helpers.report import Reported, seed_vs_yours


def share(recs):
    return (sum(r["correct"] for r in recs), len(recs))


rows = [
    (Reported("baseline, validation (first 40)", SEED_BASELINE["val_accuracy"], 40),
     share(records["baseline"][:40])),
    (Reported("baseline, test (first 40)", SEED_BASELINE["test_accuracy"], 40),
     share(test_records["baseline"][:40])),
]  # fmt: skip
NOT_COMPARABLE = "ours: answer tokens only; the report's: the whole chat"
for experiment in (MODEL_A, MODEL_B, MODEL_C):
    name, theirs = experiment.name, experiment.reported
    if name not in results:  # Model B at SIZE="class": the report's numbers alone
        untrained = f"not trained at SIZE={PLAN.size!r}"
        rows += [
            (Reported(f"{name}, validation (first 40)", theirs["val_accuracy"], 40,
                      note=untrained), None),
            (Reported(f"{name}, training loss", theirs["train_loss"], share=False,
                      note=untrained), None),
        ]  # fmt: skip
        continue
    rows.append((Reported(f"{name}, validation (first 40)", theirs["val_accuracy"], 40),
                 share(records[name][:40])))  # fmt: skip
    if FIRST_40:
        rows.append((Reported(f"{name}, validation ({len(val)})", None), share(records[name])))
    rows.append((Reported(f"{name}, training loss", theirs["train_loss"], share=False,
                          note=NOT_COMPARABLE), results[name].end_loss))  # fmt: skip
rows.append((Reported("Model C, test (first 40)", MODEL_C.reported["test_accuracy"], 40),
             share(test_records["Model C"][:40])))  # fmt: skip
if FIRST_40:
    rows.append((Reported(f"Model C, test ({len(test)})", None), share(test_records["Model C"])))
rows.append((Reported(f"Model C, test_novel ({len(test_novel)})", None, note="ours: no twins"),
             share(test_novel_records["Model C"])))  # fmt: skip
small_run = f"SIZE={PLAN.size!r}: a small run, not comparable"  # the full size is the report's
seed_vs_yours(rows, caveat="" if PLAN.size == "full" else small_run)

# %% [markdown]
# ## What you should see on a T4
#
# The untuned model often reasons at length and sometimes forgets the box; the tuned models
# answer with a single `\boxed{N}` and far fewer tokens. Compare your validation table with the
# report's column: with 40 items an interval spans about ±15 points, so a difference of 5–10
# points between two models on `val_40` is not evidence; look at the 400-item column and the
# McNemar tests. The progress bars show how long each run and evaluation takes; a rerun after
# a disconnect resumes from the last checkpoint and the results files.
#
# ## Exercises
# Each exercise has a solution in the collapsed cell after it; it runs when `SHOW_SOLUTIONS =
# True` (section 0). Try first, then run it. Exercise 1 is in section 5, beside the label mask.
# Exercises 2 and 3 need Models B and D, which only the full size trains.
#
# 2. Is Model C better than Model B? Their `val_400` intervals overlap; does the paired
#    McNemar test on the same items say more? A right answer reads the two counts of items
#    one model got right and the other wrong, and the p-value: below 0.05 and more items right
#    only for C, C is better on these items; otherwise these items cannot tell the two apart.

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 2 (try it first; needs SIZE = "full")
if solution(2, SHOW_SOLUTIONS):
    if "Model B" not in records:
        print(f"Model B is not trained at SIZE={PLAN.size!r}: this exercise needs SIZE='full'")
    else:
        print("val, C vs B:      ", mcnemar(records["Model C"], records["Model B"]))
        print("val_novel, C vs B:", mcnemar(novel_records["Model C"], novel_records["Model B"]))
        # Few discordant items and p > 0.05: the data cannot tell the two apart. A small p with
        # the first count larger: C is better on these items; with the second larger: B is.

# %% [markdown]
# 3. Model D sees the worked solutions. Does it make fewer *direction* errors than Model C?
#    Count them in `records["Model D"]` and `records["Model C"]`, on `val` and `val_novel`.
#    A right answer gives the four counts, says on which split D makes fewer, and does not
#    call a difference of a few items out of 400 a finding.

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 3 (try it first; needs SIZE = "full")
if solution(3, SHOW_SOLUTIONS):
    if "Model D" not in records:
        print(f"Model D is not trained at SIZE={PLAN.size!r}: this exercise needs SIZE='full'")
    else:
        for name in ("Model C", "Model D"):
            counts = [
                sum(r["error"] == "direction" for r in recs)
                for recs in (records[name], novel_records[name])
            ]
            print(f"{name}: direction errors on val {counts[0]}, on val_novel {counts[1]}")

# %% [markdown]
# 4. The report added dropout to Model C because dropout "can prevent overfitting"; it never
#    trained C without it. Do that: `replace(MODEL_C, name="Model C, no dropout",
#    lora=LoraSettings(32, 64, 0.0))` trains in its own folder (`experiment.folder(rows)`). Keep
#    the name "Model C" and `train_experiment` stops: that folder holds the run with dropout.
#    Compare the two on `val` and `val_novel` with McNemar. A right answer reads the two tests
#    as in exercise 2: unless p < 0.05, these items cannot show that dropout changed anything.

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 4 (try first; trains a model: see section 0's table)
if solution(4, SHOW_SOLUTIONS):
    from dataclasses import replace

    no_dropout = replace(MODEL_C, name="Model C, no dropout", lora=LoraSettings(32, 64, 0.0))
    train_and_validate(no_dropout)
    print("val, C vs no dropout:      ", mcnemar(records["Model C"], records[no_dropout.name]))
    c_novel, no_dropout_novel = novel_records["Model C"], novel_records[no_dropout.name]
    print("val_novel, C vs no dropout:", mcnemar(c_novel, no_dropout_novel))

# %% [markdown]
# 5. Check your reading of the interval: compute the 95% Wilson interval of 20/40 with
#    `helpers.statistics.wilson_interval`. Could 40 items separate two models 5 points apart?
#    A right answer compares the interval's width with the 5 points (0.05) and says no.

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 5 (try it first)
if solution(5, SHOW_SOLUTIONS):
    from helpers.statistics import wilson_interval

    low, high = wilson_interval(20, 40)
    print(f"20/40 -> [{low:.3f}, {high:.3f}]: {high - low:.2f} wide")
    assert high - low > 0.25  # 40 items cannot separate two models a few points apart
