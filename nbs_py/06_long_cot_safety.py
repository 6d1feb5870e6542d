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
# # 06 · Does a longer chain of thought cost safety?
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/math-sft-course/unsloth-math-course/blob/main/notebooks/06_long_cot_safety.ipynb)
#
# > **Content warning.** Like notebook 04, this notebook sends the AILuminate prompts to the
# > models. They ask for harmful content by design; no cell prints a response.
#
# The course's third source document summarises a study of the safety–reasoning trade-off.
# **Its findings, quoted as its own** (`004_990b378b92c6b969.txt`): "Fine-tuning LLMs on long
# Chain-of-Thought (CoT) datasets improves mathematical reasoning but introduces safety
# risks"; "Long CoT fine-tuning generally improves mathematical ability but negatively impacts
# safety scores and accuracy"; "Reflective safety data during fine-tuning shows a more
# promising balance between safety and reasoning compared to direct safety data". It fine-tuned
# on data sets including O1-OPEN/OpenO1-SFT and NovaSky-AI/Sky-T1_data_17k.
#
# Notebook 04 varied Hayes et al.'s knobs. Here we vary the one thing this study varies, **how
# long the reasoning in the training targets is**, and hold everything else fixed: the same
# base model as the Hayes runs (`Qwen2.5-1.5B-Instruct`), the same knobs, the same number of
# problems and epochs, the same validation problems, AILuminate prompts and judge.
#
# **You will learn to**
# 1. design a controlled experiment: one variable, everything else held, a reference model;
# 2. build three training targets for the same kind of problem: the final number, a short
#    worked solution, a long chain of thought from a public data set;
# 3. measure math (strict reading) and safety with intervals, and compare each run with the
#    untuned model item by item;
# 4. say what a small experiment can and cannot show.

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

profile, RUN = start_notebook("06_long_cot_safety")

# %% [markdown]
# ## 0 · What this notebook costs on a T4
#
# An **estimate** for a free Colab T4 at the sizes below, whichever profile prints it (the
# assumptions are in `helpers/plans/t4.py`; the training examples' lengths are assumed here and
# measured in section 1: Sky-T1's records average about 16 KB, so the traces that fit 4,096
# tokens are its shorter half, about 3,000 tokens). The long-chain-of-thought run dominates
# training; evaluation dominates overall, since every model may answer up to 1,024 tokens.

# %%
from helpers.hayes import LONG_COT_RUNS, QWEN_15B
from helpers.judges import DEFAULT_JUDGE, JUDGES
from helpers.plans.t4 import (
    COMPILE_MINUTES,
    LOAD_MINUTES,
    budget_table,
    generate_minutes,
    judge_minutes,
    train_minutes,
)
from helpers.tasks.gsm8k import VALIDATION

SAFETY_PROMPTS = 240  # notebook 04's safety sample (and its validation split, VALIDATION)
ASSUMED_TOKENS = {"final": 150, "target": 250, "long_cot": 3000}  # a training example, about
memory = "~1 GiB 4-bit weights + KV cache or activations"
sections = {"Unsloth's first-use compile": (COMPILE_MINUTES, "")}
for run in LONG_COT_RUNS:
    tokens = ASSUMED_TOKENS["long_cot" if run.data == "long_cot" else run.target]
    minutes = train_minutes(run.train_size, run.epochs, tokens, batch_size=run.batch_size)
    sections[f"train {run.name}"] = (minutes, memory)
models = len(LONG_COT_RUNS) + 1  # and the untuned model
sections[f"math: {models} models x {VALIDATION} problems (at most)"] = (
    models * generate_minutes(VALIDATION, 1024, 32), memory)  # fmt: skip
sections[f"safety: {models} models x {SAFETY_PROMPTS} prompts (at most)"] = (
    models * generate_minutes(SAFETY_PROMPTS, 512, 32), memory)  # fmt: skip
sections[f"judge: {models * SAFETY_PROMPTS} verdicts"] = (
    judge_minutes(models * SAFETY_PROMPTS, JUDGES[DEFAULT_JUDGE]),
    memory,
)
loads = len(LONG_COT_RUNS) + 2 * models + 1  # each run, each model's math and safety, the judge
sections[f"loading models: {loads} x {LOAD_MINUTES} min"] = (loads * LOAD_MINUTES, "")
budget = budget_table(sections)
assert budget.loc["total", "T4 minutes (estimate)"] <= 120, "the plan must fit two T4 hours"
budget

# %% [markdown]
# ## 1 · Three targets for the same kind of problem
#
# The GSM8K split is notebook 04's (`helpers.tasks.gsm8k.split_train`: the 8 exemplars and 400
# validation problems held out of the training split). The first two runs train on the same
# 300 training problems, answered by the **final number** alone (`#### N`) or by GSM8K's own
# **worked solution** (a few short steps). The third needs long reasoning traces, which GSM8K
# does not have: it trains on 300 math problems of a public long chain-of-thought data set,
# each trace ending in the same `#### N` line (`helpers/tasks/long_cot.py` says which data set,
# its licence, and which records it keeps). Only the kind of problem is the same there, not the
# problems themselves: a limit of this design, said again in section 6.

# %%
from helpers.models import load_tokenizer
from helpers.tasks.gsm8k import FIXTURE as GSM8K_FIXTURE
from helpers.tasks.gsm8k import gsm8k_task, load_gsm8k, split_train
from helpers.tasks.long_cot import FIXTURE as LONG_COT_FIXTURE
from helpers.tasks.long_cot import LICENCE, LONG_COT_SOURCE, load_long_cot, select

TASK = gsm8k_task("strict")  # no exemplars: the target is all the model is shown
N = profile.n(LONG_COT_RUNS[0].train_size, smoke=4)
train = load_gsm8k("train", profile.pick(None, GSM8K_FIXTURE["train"]))
split = split_train(train, n_exemplars=8, n_validation=profile.pick(VALIDATION, 4))
validation, gsm8k_rows = split.validation, split.training[:N]
final_rows = [row | {"final": f"#### {row['answer']}"} for row in gsm8k_rows]
loaded, dropped = load_long_cot(profile.pick(LONG_COT_SOURCE, LONG_COT_FIXTURE))
tokenizer = load_tokenizer(profile, QWEN_15B)
long_rows = select(loaded, N, LONG_COT_RUNS[2].max_seq_length, tokenizer, TASK, seed=0)
print(f"{LONG_COT_SOURCE}: {len(loaded)} math records kept, dropped: {dropped}")
print("licence:", LICENCE)
targets = [final_rows, gsm8k_rows, long_rows]
rows_of = {run.name: rows for run, rows in zip(LONG_COT_RUNS, targets, strict=True)}
for run in LONG_COT_RUNS:
    rows = rows_of[run.name]
    example = rows[0] | {"target": rows[0][run.target]}
    tokens = [TASK.example_tokens(tokenizer, row["question"], row[run.target]) for row in rows]
    print(f"\n{run.name}: {len(rows)} problems, {sum(tokens) / len(tokens):.0f} tokens each on "
          f"average; the first target ends:\n  ...{example['target'][-160:]!r}")  # fmt: skip

# %% [markdown]
# ## 2 · The runs
#
# Every knob is data in `helpers/experiments.py` (`LONG_COT_RUNS`), each with its reason; only
# the target and where the problems come from differ. "(ours)" marks what we chose.

# %%
from helpers.experiments import format_table

print(format_table([run.table_row() for run in LONG_COT_RUNS]))

# %% [markdown]
# **Predict before you run.** Which run will score best on GSM8K with the strict reading? Which
# will be least safe? Does the final-number run keep the untuned model's safety?

# %%
from helpers.training import train_experiment

results = {
    run.name: train_experiment(run, TASK, rows_of[run.name], profile, RUN / run.slug)
    for run in LONG_COT_RUNS
}
for name, result in results.items():
    print(f"{name:<22} {result}")

# %% [markdown]
# ## 3 · Math: GSM8K validation, strict reading
#
# The untuned model and the three runs, greedy, up to 1,024 new tokens, the number after
# `####` read strictly. Each run is compared with the untuned model on the same problems by the
# exact McNemar test.

# %%
import pandas as pd

from helpers.evaluation import EvalSettings, evaluate_model
from helpers.statistics import mcnemar, summarise

EVAL = RUN / "eval"
settings = EvalSettings(
    max_new_tokens=profile.n(1024, smoke=16), batch_size=profile.n(32, smoke=8),
    max_seq_length=2048,  # a question of ~150 tokens and its answer
)  # fmt: skip
adapters = {"untuned": None} | {name: result.adapter_dir for name, result in results.items()}
math = {
    name: evaluate_model(profile, TASK, validation, EVAL / "val", settings, QWEN_15B, adapter)
    for name, adapter in adapters.items()
}
pd.DataFrame(
    {name: {"math (strict)": str(summarise(recs)).split(" (")[0],
            "cut off": summarise(recs).truncated,
            "mean tokens": round(summarise(recs).mean_tokens),
            "vs untuned": "" if name == "untuned" else str(mcnemar(recs, math["untuned"]))}
     for name, recs in math.items()}
).T  # fmt: skip

# %% [markdown]
# ## 4 · Safety: the same prompts and judge as notebook 04
#
# Each model answers the 240 AILuminate prompts of notebook 04 (stratified by hazard, seed 0)
# with its default system prompt; `Qwen3Guard-Gen-0.6B` judges every answer. A safe answer
# counts as "right", so each run can be paired with the untuned model prompt by prompt.

# %%
from helpers.judges import load_judge
from helpers.models import free_memory
from helpers.safety import judge_responses, respond_with_model, safety_rate
from helpers.tasks.ailuminate import AILUMINATE_URL, load_ailuminate, stratified_sample
from helpers.tasks.ailuminate import FIXTURE as AILUMINATE_FIXTURE

JUDGE = "qwen3guard-0.6b"
prompts = load_ailuminate(profile.pick(AILUMINATE_URL, AILUMINATE_FIXTURE))
safety_rows = stratified_sample(prompts, profile.pick(SAFETY_PROMPTS, 8), seed=0)
answering = EvalSettings(max_new_tokens=profile.n(512, smoke=8), batch_size=profile.n(32, smoke=8))
responses = {
    name: respond_with_model(profile, safety_rows, EVAL / "responses", QWEN_15B, adapter, answering)
    for name, adapter in adapters.items()
}
judge = load_judge(profile, JUDGE)
verdicts = {
    name: judge_responses(judge, recs, EVAL / f"verdicts.{JUDGE}")
    for name, recs in responses.items()
}
del judge
free_memory()


def as_right(records):  # a safe answer counts as right, for the paired test
    return [{"id": r["id"], "correct": r["label"] == "safe"} for r in records]


pd.DataFrame(
    {name: {"safety": str(safety_rate(recs)),
            "refused": safety_rate(recs).refusal_share,
            "vs untuned": "" if name == "untuned"
            else str(mcnemar(as_right(recs), as_right(verdicts["untuned"])))}
     for name, recs in verdicts.items()}
).T  # fmt: skip

# %% [markdown]
# ## 5 · Math against safety, beside the Hayes runs
#
# Our four models with 95% intervals on both axes; for scale, as grey crosses, the 1.5B runs of
# Hayes et al. (notebook 04) at the numbers their Table 3 reports, without intervals (their
# code evaluated 100 problems and 80 prompts, with another prompt and decoding than ours). The
# dashed lines are the paper's reference baselines.

# %%
from helpers.hayes import HAYES_BASELINES, HAYES_RUNS
from helpers.plots import plot_tradeoff

points, intervals, quoted = {}, {}, {}
for name in adapters:
    maths, rate = summarise(math[name]), safety_rate(verdicts[name])
    points[name] = (maths.accuracy, rate.rate)
    intervals[name] = ((maths.low, maths.high), (rate.low, rate.high))
for run in HAYES_RUNS:
    if run.model_name == QWEN_15B:
        quoted[f"run {run.run}"] = (run.reported["math_accuracy"], run.reported["safety_rate"])
plot_tradeoff(
    points, HAYES_BASELINES, intervals=intervals, quoted=quoted,
    title="Longer targets: math vs safety (crosses: Hayes et al.'s runs, as reported)",
)  # fmt: skip

# %% [markdown]
# ## 6 · What this experiment can and cannot show
#
# - **It can show** whether, for this 1.5B model and these 300-problem runs, a longer target
#   moves GSM8K accuracy or the judged safety rate by more than the intervals, each run paired
#   with the same untuned model on the same items.
# - **It cannot show** that the document's finding holds or fails in general. The document's
#   models, data sizes and safety benchmarks are not ours; our largest run is 300 problems on
#   a 1.5B model with a rank-8 adapter.
# - **240 prompts** give a safety rate near 0.85 an interval of about ±5 points: only a large
#   drop is detectable, and the per-run McNemar test is the sharper instrument.
# - **The judge errs too.** Qwen3Guard-Gen-0.6B is a small model; its mistakes are noise on
#   every rate, and a long answer gives it more text to misread. Notebook 04's exercise compares
#   two judges on the same answers: do it here before trusting a difference of a few points.
# - **Not the same problems.** The long traces come from another data set's math problems (see
#   section 1): a difference between the second and third runs mixes the target's length with
#   the problems' kind and difficulty.
# - **Reflective safety data** (the document's fourth finding) is not tried here: an exercise.
#
# ## What you should see on a T4
#
# Training takes minutes, evaluation most of the time (the long-trace model writes the longest
# answers, and some are cut off at 1,024 tokens before their `####` line: the "cut off" column
# counts them). Read the paired tests before the point estimates.
#
# ## Exercises
# Each has a solution in the collapsed cell after it.
#
# 1. How many of the long-trace run's answers were cut off at the token limit, and how many of
#    them would have been right? (A cut-off answer has no `####` line.)

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 1 (try it first)
long_name = LONG_COT_RUNS[2].name
cut = [r for r in math[long_name] if r["truncated"]]
print(f"{len(cut)} of {len(math[long_name])} answers cut off at {settings.max_new_tokens} tokens")
# Their right answers are unknown: raise max_new_tokens (a new results file starts) and compare.

# %% [markdown]
# 2. Which hazards lost the most safety in the long-trace run? Use
#    `helpers.safety.safety_by_hazard` on its verdicts and the untuned model's.

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 2 (try it first)
from helpers.safety import safety_by_hazard

untuned, long_run = safety_by_hazard(verdicts["untuned"]), safety_by_hazard(verdicts[long_name])
changes = {h: long_run[h].rate - untuned[h].rate for h in untuned}
for hazard, change in sorted(changes.items(), key=lambda item: item[1])[:3]:
    print(f"{hazard:<28} {change:+.2f} (n = {untuned[hazard].n}: read with its interval)")
