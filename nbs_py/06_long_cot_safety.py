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
# 2. build three training targets: the final number and a short worked solution, both for
#    GSM8K's grade-school word problems, and a long chain of thought for competition problems
#    from a public data set;
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
# ## 0 · Sizes, and what they cost on a T4
#
# The notebook comes in three sizes, listed side by side in one place
# (`helpers/plans/long_cot.py`), under one knob, `SIZE`:
#
# - **`full`**: the three targets, 300 problems each, math on notebook 04's 400 validation
#   problems and safety on its 240 AILuminate prompts.
# - **`class`**: a lab of 45 T4 minutes or less: the **GSM8K solution** against the **long chain
#   of thought** (the contrast the question is about: how long the reasoning is), 120 problems
#   each, 100 validation problems and the same 240 prompts.
# - **`check`**: every cell with the smallest sizes (a few problems, prompts and tokens): a check
#   that the notebook runs on your runtime. Its numbers mean nothing. The smoke profile (a CPU,
#   CI) always runs it.
#
# **What `class` can show**: whether the long trace moves the judged safety rate against the
# untuned model by about 10 points or more (240 prompts: an interval of about ±5 points near
# 0.85, and the paired McNemar test on the same prompts is sharper). **What it cannot show**:
# a math change under about ±10 points (100 problems), what 300 problems of training do (it
# trains 120, less than half the dose), or the final-number run.

# %%
from helpers.notebook import solution, solutions_shown
from helpers.plans import choose, sizes_table
from helpers.plans.long_cot import SIZES

SIZE = "full"  # "full": 300 problems a run; "class": a T4 lab, <= 45 min; "check": a runtime check
PLAN = choose(SIZES, SIZE, profile)  # other sizes: dataclasses.replace(PLAN, problems=200)
SHOW_SOLUTIONS = False  # True: the exercises' solution cells run (try each exercise first)
SHOW_SOLUTIONS = solutions_shown(SHOW_SOLUTIONS, PLAN)
RUNS = PLAN.experiments  # which targets train (helpers.hayes.LONG_COT_RUNS)
sizes_table(SIZES)

# %% [markdown]
# An **estimate** for a free Colab T4 at your size, whichever profile prints it (the
# assumptions are in `helpers/plans/t4.py`; a training example's length is measured on the real
# GSM8K for the first two targets and assumed for the long trace, `EXAMPLE_TOKENS` in
# `helpers/plans/long_cot.py`; section 1 measures all three). The long-chain-of-thought run
# dominates training; evaluation dominates overall, since every model may answer up to 1,024
# tokens.

# %%
PLAN.budget()

# %% [markdown]
# ## 1 · Three targets
#
# The GSM8K split is notebook 04's (`helpers.tasks.gsm8k.split_train`: the 8 exemplars and
# `PLAN.validation` validation problems, 400 at the full size, held out of the training split).
# The first two runs train on the same `PLAN.problems` training problems (300 at the full size),
# answered by the **final number** alone (`#### N`) or by GSM8K's own **worked solution** (a
# few short steps). The third needs long reasoning traces, which GSM8K does not have: it trains
# on as many math problems of a public long chain-of-thought data set, each trace ending in the
# same `#### N` line (`helpers/tasks/long_cot.py` says which data set, its licence, and which
# records it keeps). Those are **not the same kind of problem**: Sky-T1's math records are
# competition problems (NuminaMath's AIME, MATH and olympiad subsets), GSM8K's are grade-school
# word problems of a few steps. Only the answer format is shared: a limit of this design, said
# again in section 6.

# %%
from helpers.hayes import LONG_COT_RUNS, QWEN_15B
from helpers.models import load_tokenizer
from helpers.tasks.gsm8k import FIXTURE as GSM8K_FIXTURE
from helpers.tasks.gsm8k import gsm8k_task, load_gsm8k, split_train
from helpers.tasks.long_cot import FIXTURE as LONG_COT_FIXTURE
from helpers.tasks.long_cot import LICENCE, LONG_COT_SOURCE, load_long_cot, select

TASK = gsm8k_task("strict")  # no exemplars: the target is all the model is shown
N = PLAN.problems  # of each target: the runs differ in the target only
train = load_gsm8k("train", profile.pick(None, GSM8K_FIXTURE["train"]))
split = split_train(train, n_exemplars=8, n_validation=PLAN.validation)
validation, gsm8k_rows = split.validation, split.training[:N]
final_rows = [row | {"final": f"#### {row['answer']}"} for row in gsm8k_rows]
loaded, dropped = load_long_cot(profile.pick(LONG_COT_SOURCE, LONG_COT_FIXTURE))
tokenizer = load_tokenizer(profile, QWEN_15B)
long_rows = select(loaded, N, LONG_COT_RUNS[2].max_seq_length, tokenizer, TASK, seed=0)
print(f"{LONG_COT_SOURCE}: {len(loaded)} math records kept, dropped: {dropped}")
print("licence:", LICENCE)
targets = [final_rows, gsm8k_rows, long_rows]
rows_of = {run.name: rows for run, rows in zip(LONG_COT_RUNS, targets, strict=True)}
for run in RUNS:
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

print(format_table([run.table_row() for run in RUNS]))

# %% [markdown]
# **Predict before you run.** Which run will score best on GSM8K with the strict reading? Which
# will be least safe? Does the final-number run (full size) keep the untuned model's safety?

# %%
from helpers.training import train_experiment

results = {  # each run's folder names its row count: another size trains anew
    run.name: train_experiment(
        run, TASK, rows_of[run.name], profile, RUN / run.folder(len(rows_of[run.name]))
    )
    for run in RUNS
}
for name, result in results.items():
    print(f"{name:<22} {result}")

# %% [markdown]
# ## 3 · Math: GSM8K validation, strict reading
#
# The untuned model and the runs, greedy, up to 1,024 new tokens, the number after
# `####` read strictly. Each run is compared with the untuned model on the same problems by the
# exact McNemar test.

# %%
import pandas as pd

from helpers.evaluation import EvalSettings, evaluate_model
from helpers.statistics import mcnemar, summarise

EVAL = RUN / "eval"
settings = EvalSettings(
    max_new_tokens=PLAN.math_tokens, batch_size=PLAN.batch_size,
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
# Each model answers the AILuminate prompts of notebook 04 (240 at the full and class sizes,
# stratified by hazard, seed 0) with its default system prompt; `Qwen3Guard-Gen-0.6B` judges
# every answer. A safe answer counts as "right" (`safe_as_correct`), so each run can be paired
# with the untuned model prompt by prompt.

# %%
from helpers.safety import judge_models, respond_with_models, safety_rate
from helpers.statistics import safe_as_correct
from helpers.tasks.ailuminate import AILUMINATE_URL, load_ailuminate, stratified_sample
from helpers.tasks.ailuminate import FIXTURE as AILUMINATE_FIXTURE

JUDGE = "qwen3guard-0.6b"
prompts = load_ailuminate(profile.pick(AILUMINATE_URL, AILUMINATE_FIXTURE))
safety_rows = stratified_sample(prompts, PLAN.safety_prompts, seed=0)
answering = EvalSettings(max_new_tokens=PLAN.safety_tokens, batch_size=PLAN.batch_size)
students = {name: (QWEN_15B, adapter) for name, adapter in adapters.items()}
responses = respond_with_models(profile, safety_rows, EVAL / "responses", students, answering)
verdicts = judge_models(profile, JUDGE, responses, EVAL / f"verdicts.{JUDGE}")
untuned = safe_as_correct(verdicts["untuned"])
pd.DataFrame(
    {name: {"safety": str(safety_rate(recs)),
            "refused": safety_rate(recs).refusal_share,
            "vs untuned": "" if name == "untuned"
            else str(mcnemar(safe_as_correct(recs), untuned))}
     for name, recs in verdicts.items()}
).T  # fmt: skip

# %% [markdown]
# ## 5 · Math against safety, beside the Hayes runs
#
# Our models with 95% intervals on both axes; for scale, as grey crosses, the 1.5B runs of
# Hayes et al. (notebook 04) at the numbers their Table 3 reports, without intervals (their
# code evaluated 100 problems and 80 prompts, with another prompt and decoding than ours). The
# dashed lines are the paper's reference baselines, each labelled with its level and value.

# %%
from helpers.hayes import HAYES_BASELINES, hayes_points
from helpers.safety import math_and_safety
from helpers.safety_plots import plot_tradeoff

both = {name: math_and_safety(math[name], verdicts[name]) for name in adapters}
plot_tradeoff(
    {name: model.point for name, model in both.items()}, HAYES_BASELINES,
    intervals={name: model.intervals for name, model in both.items()},
    quoted=hayes_points(QWEN_15B),
    title="Longer targets: math vs safety (crosses: Hayes et al.'s runs, as reported)",
)  # fmt: skip

# %% [markdown]
# ## 6 · What this experiment can and cannot show
#
# - **It can show** whether, for this 1.5B model and these runs (300 problems each at the full
#   size), a longer target
#   moves GSM8K accuracy or the judged safety rate by more than the intervals, each run paired
#   with the same untuned model on the same items.
# - **It cannot show** that the document's finding holds or fails in general. The document's
#   models, data sizes and safety benchmarks are not ours; our largest run is 300 problems on
#   a 1.5B model with a rank-8 adapter.
# - **240 prompts** give a safety rate near 0.85 an interval of about ±5 points: only a large
#   drop is detectable, and the per-run McNemar test is the sharper instrument.
# - **The judge errs too.** Qwen3Guard-Gen-0.6B is a small model; its mistakes are noise on
#   every rate, and a long answer gives it more text to misread. Notebook 04's exercise 6
#   judges the same answers with a second judge: do it here before trusting a difference of a
#   few points.
# - **Not the same problems, nor the same kind.** The long traces come from competition
#   problems (section 1), the other two targets from grade-school word problems: a difference
#   between the second and third runs mixes the target's length with the problems' kind and
#   difficulty.
# - **Reflective safety data** (the document's fourth finding) is not tried here: it would need
#   safety examples written with reflective reasoning, which this course does not build.
#
# ## What you should see on a T4
#
# Training takes minutes, evaluation most of the time (the long-trace model writes the longest
# answers, and some are cut off at 1,024 tokens before their `####` line: the "cut off" column
# counts them). Read the paired tests before the point estimates.
#
# ## Exercises
# Each has a solution in the collapsed cell after it: try first, then set
# `SHOW_SOLUTIONS = True` in section 0 and run the solution cell. Neither trains a model.
#
# 1. How many of the long-trace run's answers were cut off at the token limit, and how many of
#    them would have been right? (A cut-off answer has no `####` line.) *A good answer*: the
#    count, matching the "cut off" column of section 3, and the reason the second question
#    cannot be answered from these files (what it would take: a larger `max_new_tokens`, so a
#    new evaluation).

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 1 (try it first)
if solution(1, SHOW_SOLUTIONS):
    long_name = LONG_COT_RUNS[2].name
    cut = [r for r in math[long_name] if r["truncated"]]
    print(
        f"{len(cut)} of {len(math[long_name])} answers cut off at {settings.max_new_tokens} tokens"
    )
    # Their right answers are unknown: raise max_new_tokens (a new results file starts), compare.

# %% [markdown]
# 2. Which hazards lost the most safety in the long-trace run? Use
#    `helpers.safety.safety_by_hazard` on its verdicts and the untuned model's. *A good
#    answer* names the three largest losses with their n, and calls one real only where the two
#    Wilson intervals do not overlap (with a handful of prompts a hazard, expect none to be).

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 2 (try it first)
if solution(2, SHOW_SOLUTIONS):
    from helpers.safety import safety_by_hazard
    from helpers.tasks.ailuminate import hazard_label

    long_name = LONG_COT_RUNS[2].name
    before, after = safety_by_hazard(verdicts["untuned"]), safety_by_hazard(verdicts[long_name])
    changes = {h: after[h].rate - before[h].rate for h in before if h in after}
    for hazard, change in sorted(changes.items(), key=lambda item: item[1])[:3]:
        apart = after[hazard].high < before[hazard].low  # the intervals do not overlap
        print(f"{hazard_label(hazard):<45} {change:+.2f} (n = {before[hazard].n}; "
              f"{'beyond' if apart else 'within'} the intervals)")  # fmt: skip
