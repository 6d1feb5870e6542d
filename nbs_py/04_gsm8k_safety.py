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
# # 04 · GSM8K fine-tuning and the math-vs-safety trade-off
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/math-sft-course/unsloth-math-course/blob/main/notebooks/04_gsm8k_safety.ipynb)
#
# > **Content warning.** The safety part of this notebook sends the AILuminate prompts to the
# > models. They ask for harmful content by design, and some responses may contain it. Cells
# > that show a prompt or a response say so before they do.
#
# Fine-tuning teaches a model something new and can make it *forget* something it knew. Hayes
# et al. (*Balancing Math Reasoning and Safety in LLMs*) fine-tune Qwen2.5-Instruct on GSM8K and
# measure both math accuracy and the share of AILuminate prompts answered safely, as judged by
# a guard model.
#
# **The report's numbers** (quoted as the report's, Table 3): run 4, their best 1.5B run, 0.70
# math and 0.89 safety; run 1 (7B) 0.81 and 0.88; the unregularised run 2 (7B) 0.50 and 0.57;
# run 9 (LoRA dropout 1.0) 0.43 and 0.68. Their reference baselines (Table 1): Simple
# 0.280 / 0.558, Medium 0.379 / 0.642, Strong 0.455 / 0.725.
#
# **You will learn to**
# 1. plan a study to fit a free T4, from estimated costs, and say what you cut;
# 2. compare runs on a validation split and touch the test split once, with a paired test;
# 3. read math answers two ways (strict, then flexible), each with its interval;
# 4. measure a safety rate with a guard model, per hazard, next to how often the model refuses;
# 5. predict a run without training it, and check what a report's number can mean;
# 6. say exactly where your setup differs from the report's, and from its public code.

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

profile, RUN = start_notebook("04_gsm8k_safety")

# %% [markdown]
# ## 0 · Sizes, and what they cost on a T4
#
# The report trained ten runs on an A100. Its run 4 alone, 3 epochs over every training
# problem with 8 exemplars in every prompt, would take a T4 hours (the cell below prints the
# estimate), so this notebook comes in three sizes, listed side by side in one place
# (`helpers/plans/gsm8k_safety.py`), under one knob, `SIZE`:
#
# - **`full`**: **runs 5 and 6** (1.5B, 2 epochs, 0 and 5 exemplars at evaluation) and
#   **run 2\*** (ours: run 2's unregularised settings on the 1.5B model), each trained on the
#   same seeded 1,500 training problems, compared on 400 held-out validation problems and 240
#   AILuminate prompts, and the best of them tested once on all 1,319 test problems.
# - **`class`**: a lab of 45 T4 minutes or less: **run 2\* alone** beside the untuned model, on
#   full's split, rows and prompts (so its run *is* full's run 2\*, and going on to `full`
#   reuses it), tested on the first 250 test problems.
# - **`check`**: every cell with the smallest sizes (a few rows, prompts and tokens): a check
#   that the notebook runs on your runtime. Its numbers mean nothing. The smoke profile (a CPU,
#   CI) always runs it.
#
# **What `class` can show**: the trade-off of one run, the one the report's Table 3 makes
# starkest (run 2: 0.50 math, 0.57 safety on the 7B model). Math on 400 validation problems
# carries an interval of about ±5 points, safety on 240 prompts about ±5 to ±6, the test on
# 250 problems about ±6, and the test's paired McNemar test sees a smaller change than the
# intervals do. **What it cannot show**: a choice between runs (it has one), runs 5 and 6 beside
# the report's numbers, or a safety change of a few points.
#
# `EXEMPLARS_IN_TRAINING` decides whether a run's exemplars also stand in its *training*
# prompts. The report describes them at evaluation only; its public code put them in training
# too (section 2). With them, a training example is about four times longer (the token counts
# below), and so is training.

# %%
from helpers.notebook import solution, solutions_shown
from helpers.plans import choose, sizes_table
from helpers.plans.gsm8k_safety import SIZES

SIZE = "full"  # "full": the report's sizes; "class": a T4 lab, <= 45 min; "check": a runtime check
EXEMPLARS_IN_TRAINING = False  # True: the exemplars in every training prompt too (4x tokens)
PLAN = choose(SIZES, SIZE, profile)
SHOW_SOLUTIONS = False  # True: the exercises' solution cells run (try each exercise first)
SHOW_SOLUTIONS = solutions_shown(SHOW_SOLUTIONS, PLAN)
# other runs or rows, here: PLAN = dataclasses.replace(PLAN, runs=("5", "9"), train_rows=3000)
sizes_table(SIZES)

# %% [markdown]
# The table is an **estimate** for a free Colab T4 at your size, whichever profile prints it
# (CI's smoke profile runs tiny stand-ins): training from the tokens it processes, generation
# from its decoding steps, each batch assumed to run to its token limit (an upper bound), a
# model's reload at an assumed quarter minute. The assumptions are in `helpers/plans/t4.py`
# and `helpers/plans/gsm8k_safety.py`; token counts are the mean of real training examples
# (`helpers.plans.gsm8k_safety.MEASURED_TOKENS`; section 1 measures them again).

# %%
from helpers.hayes import hayes_run
from helpers.plans.gsm8k_safety import MEASURED_TOKENS

RUNS = PLAN.experiments(EXEMPLARS_IN_TRAINING)  # the plan's runs, as configs
full, run_4 = SIZES["full"], hayes_run("4", exemplars_in_training=True)
hours = full.costs(run_4, MEASURED_TOKENS, rows=full.pool)["train"] / 60
print(f"for scale: training run 4 on all {full.pool} rows, 8 exemplars in each: {hours:.1f} hours")
PLAN.budget(exemplars_in_training=EXEMPLARS_IN_TRAINING)

# %% [markdown]
# ## 1 · GSM8K: exemplars, validation, training, test
#
# The training split is cut three ways by `helpers.tasks.gsm8k.split_train`: its first 8 rows are
# the **fixed exemplars** (always the same ones, never from test); `PLAN.validation` of the
# rest (400; 4 in the check size), drawn with a seed, are the **validation** split that
# compares runs; the others **train** (no question text in two parts; the tests check it). The
# test split is touched once, at the end, for the run chosen on validation and for the base
# model.

# %%
from helpers.tasks.gsm8k import (
    FIXTURE as GSM8K_FIXTURE,
)
from helpers.tasks.gsm8k import (
    GSM8K_SYSTEM,
    few_shot_exemplars,
    load_gsm8k,
    split_train,
)

train = load_gsm8k("train", profile.pick(None, GSM8K_FIXTURE["train"]))
test = load_gsm8k("test", profile.pick(None, GSM8K_FIXTURE["test"]))
split = split_train(train, n_exemplars=8, n_validation=PLAN.validation)
EXEMPLARS = few_shot_exemplars(train, 8)
train_rows = split.training[: PLAN.train_rows]  # a seeded subset: the split is shuffled
validation = split.validation
test_rows = test[: PLAN.test]
print(f"{len(EXEMPLARS)} exemplars, {len(validation)} validation problems, {len(train_rows)} "
      f"of {len(split.training)} training problems, {len(test_rows)} test problems")  # fmt: skip
print(GSM8K_SYSTEM, "\n")
print(EXEMPLARS[0][0], "\n", EXEMPLARS[0][1])

# %% [markdown]
# What does one training example cost? The cell renders a sample of training rows with each
# number of exemplars, as the chat template shows them, and counts the tokens. On Colab these
# are the real data and Qwen's tokenizer, and should match the means the budget used; the smoke
# profile counts its fixture with a tiny tokenizer, numbers that mean nothing.

# %%
from helpers.hayes import QWEN_15B
from helpers.models import load_tokenizer
from helpers.tasks.gsm8k import gsm8k_task

counting = load_tokenizer(profile, QWEN_15B)
measured = {
    shots: gsm8k_task(exemplars=EXEMPLARS[:shots]).mean_example_tokens(counting, split.training)
    for shots in MEASURED_TOKENS
}
TOKENS = profile.pick(measured, MEASURED_TOKENS)  # what the run costs below use
for shots, mean in measured.items():
    print(f"{shots} exemplars: {mean:6.0f} tokens here, {MEASURED_TOKENS[shots]} measured on the "
          "real data with Qwen2.5's tokenizer")  # fmt: skip

# %% [markdown]
# A model's answer is read two ways, as in lm-evaluation-harness. The **strict** reading, the
# number after the first `####`, is the headline: it is what the system prompt asks for and
# what training teaches. The **flexible** reading, the last number in the response, is shown
# beside it: where it is higher, a model often had the number but not the format. Where we
# differ from lm-evaluation-harness: it compares strings (`12.00` is not `12`), we compare
# numbers. Two responses built from the first exemplar show where the readings part: one that
# answers, then goes on to invent a question of its own (a habit of small models), and one
# that has the number but not the `####` line.

# %%
from helpers.tasks.gsm8k import extract_flexible, extract_strict, gold_answer

solution_text, answer = EXEMPLARS[0][1], gold_answer(EXEMPLARS[0][1])
runaway = f"{solution_text}\nQuestion: And with 10 more?\nAnswer: {answer} + 10 = {answer + 10}"
unformatted = f"{solution_text.split('####')[0].strip()}\nSo the answer is {answer}."
for name, response in {"goes on": runaway, "no #### line": unformatted}.items():
    print(f"--- {name}, the gold answer is {answer}:\n{response}")
    print(f"strict: {extract_strict(response)}   flexible: {extract_flexible(response)}\n")

# %% [markdown]
# ## 2 · The runs, and where we differ from the report
#
# All ten runs of the report's Table 2 are data in `helpers/experiments.py`, with the report's
# numbers attached, and `2*` is ours. **"(ours)" marks a value the report does not state**: its
# batch size and optimizer, whether the exemplars were in the training prompts, and 2\*'s model.
# The report's "Shots" are exemplars at evaluation (its section 2.4): here, the first k fixed
# exemplars in the evaluation prompt.

# %%
import pandas as pd

from helpers.hayes import HAYES_RUNS, RUN_2_ON_15B

pd.DataFrame([run.table_row() for run in (*HAYES_RUNS, RUN_2_ON_15B)]).set_index("run")

# %% [markdown]
# **What the report's public code did** ([cwoodhayes/DontForgetAboutSafety][repo], its
# footnote 1; the ten runs' settings are not in it). Four things change how to read the
# report's numbers: its math was measured on the **first 100 test problems**, with 8 randomly
# drawn exemplars and **sampled** answers (temperature 0.6), where the report says greedy; its
# safety on **80 AILuminate prompts**, judged by **`Qwen/Qwen3Guard-Gen-0.6B`**, not the
# "Llama-3 based safeguard model" the report names; its training prompts held random
# exemplars; and it trained on the shortest third of the training problems. The repository's
# `finetune.py` and `slurm_inference_job.sh` (commit `7ea3b75`) show the rest: optimizer,
# schedule, batch. The comparison table at the end uses n = 100 and n = 80 for the report's
# numbers. Ours differ: fixed exemplars, greedy decoding, loss on the answer only, the strict
# reading, 400 validation problems and 240 prompts (at the full and class sizes).
#
# [repo]: https://github.com/cwoodhayes/DontForgetAboutSafety
#
# **What each run would cost.** Every run is one line away: add its number to the plan's runs
# in section 0 (`PLAN = dataclasses.replace(PLAN, runs=(*PLAN.runs, "9"))`). The table gives
# what adding it costs on a T4 at your size (estimates; the base model's evaluation with a new
# prompt comes on top), on the plan's training rows and on every training row:

# %%
PLAN.run_table([*HAYES_RUNS, RUN_2_ON_15B], TOKENS)

# %% [markdown]
# **The 7B runs (1, 2, 3) on a T4.** In 4-bit the 7B weights alone take the last column's
# GiB; activations, the KV cache and slower decoding (the validation column) come on top, and
# each 7B run costs several times a 1.5B run: the plan cannot hold one beside the others. Nor does
# anything download the 16-bit weights (their size is printed below): with
# `load_in_4bit=True`, the pinned Unsloth maps `Qwen/Qwen2.5-7B-Instruct` to its pre-quantised
# checkpoint by itself (`unsloth/models/mapper.py`, applied by `get_model_name` in
# `unsloth/models/loader_utils.py`), and the 1.5B model the same way:

# %%
from helpers.hayes import PARAMETERS, UNSLOTH_4BIT
from helpers.plans.t4 import weights_gib

for hub_id, checkpoint in UNSLOTH_4BIT.items():
    sizes = f"16-bit {weights_gib(PARAMETERS[hub_id], 16):.1f} GiB, 4-bit "
    print(f"{hub_id:<27} -> {checkpoint:<47} ({sizes}{weights_gib(PARAMETERS[hub_id]):.1f})")

# %% [markdown]
# These are Unsloth's "dynamic" 4-bit checkpoints: a few sensitive layers stay in 16 bits,
# where the report quantised every linear layer to NF4 itself. The runs keep the report's ids
# (`tests/test_hayes_runs.py` checks the mapping against the pinned Unsloth). To try a 7B run,
# run it alone: `PLAN = dataclasses.replace(PLAN, runs=("3",))`, and `RUNS = [replace(run,
# batch_size=1, grad_accum=16) for run in RUNS]` if training runs out of memory.
#
# ## 3 · AILuminate prompts and the judge
#
# We sample the AILuminate v1.0 demo prompt set, stratified by hazard. Each response is judged
# by a guard model: `Qwen/Qwen3Guard-Gen-0.6B` by default (open, no account needed; the judge
# the report's code used) or Llama Guard 3 (`JUDGE = "llama-guard-3-1b"`; gated: accept the
# licence on its Hugging Face page and add your token as the Colab secret `HF_TOKEN`). The menu
# gives each judge's estimated memory: on a T4 (no bf16) the small judges run in fp32, since
# fp16 can overflow inside them and turn verdicts into noise; Llama Guard 3 8B would need 16 GB
# in 16 bits, so it loads in 4-bit NF4. The menu also gives the batch each judge reads at once
# on this GPU: on a T4 the 8B judge reads 8 pairs at a time, since its fp32 KV cache alone is
# 256 KiB a token (16 pairs of ~1,000 tokens would pass the T4's 15 GiB). Verdicts that cannot
# be parsed count as not safe.
#
# Qwen3Guard also says whether a response **refused** ("Refusal: Yes"). A model that refuses
# everything is judged safe, and useless: a safety rate means more next to its refusal share.
# Llama Guard reports no refusal; its verdicts carry none. In the smoke profile a tiny local
# model stands in for the judge: its verdicts are meaningless, it only exercises the plumbing.

# %%
from collections import Counter

from helpers.judges import judge_menu
from helpers.tasks.ailuminate import (
    AILUMINATE_URL,
    hazard_label,
    load_ailuminate,
    stratified_sample,
)
from helpers.tasks.ailuminate import FIXTURE as AILUMINATE_FIXTURE

print(judge_menu())  # weights and each judge's batch on this GPU (estimates); a T4 has 15 GB
JUDGE = "qwen3guard-0.6b"
prompts = load_ailuminate(profile.pick(AILUMINATE_URL, AILUMINATE_FIXTURE))
safety_rows = stratified_sample(prompts, PLAN.safety_prompts, seed=0)
print(f"{len(safety_rows)} of {len(prompts)} prompts, by hazard (AILuminate's code and name):")
for hazard, n in sorted(Counter(row["hazard"] for row in safety_rows).items()):
    print(f"{n:4d}  {hazard_label(hazard)}")

# %% [markdown]
# ## 4 · Train the runs
#
# Each run trains from its own config on the same rows; the loss covers only the answer
# tokens. Its folder name carries the row count and the exemplar setting, so changing either
# trains anew instead of reusing a run made otherwise. Checkpoints go to the run folder and a
# rerun resumes.

# %%
from helpers.plots import plot_loss_curves
from helpers.training import train_experiment

results = {}
for run in RUNS:
    task = gsm8k_task("strict", exemplars=EXEMPLARS[: run.train_shots])
    folder = RUN / run.folder(len(train_rows))
    results[run.name] = train_experiment(run, task, train_rows, profile, folder)
    print(f"{run.name}: {results[run.name]}")
adapters = {name: result.adapter_dir for name, result in results.items()}
plot_loss_curves({name: result.history for name, result in results.items()})

# %% [markdown]
# ## 5 · Math on validation: base model and runs
#
# Greedy decoding, the run's exemplars (`shots`) and token budget. The base model is evaluated
# once with each run's prompt, so every comparison is like for like. Results go to files named
# by a hash of the model, adapter, prompt and budget (`val.<key>.jsonl`), so a rerun resumes.

# %%
EVAL = RUN / "eval"
val = {  # run.base_name: the untuned model with the run's prompt ("base 1.5B, 5 shots")
    run.base_name: PLAN.evaluate(profile, run, EXEMPLARS, validation, EVAL / "val")
    for run in PLAN.base_prompts()
}
val |= {
    run.name: PLAN.evaluate(profile, run, EXEMPLARS, validation, EVAL / "val", adapters[run.name])
    for run in RUNS
}

# %% [markdown]
# Strict first, flexible beside it, each with its 95% interval:

# %%
from helpers.tasks.gsm8k import reading_table

pd.DataFrame({name: reading_table(records) for name, records in val.items()}).T

# %% [markdown]
# ## 6 · Safety: answers, verdicts, refusals
#
# First every model answers the sampled prompts (its own default system prompt, as a user
# would meet it); then the judge reads every (prompt, response) pair. Student and judge are
# loaded one after the other, and each student is freed before the next model loads.

# %%
from helpers.evaluation import EvalSettings
from helpers.safety import respond_with_models

answering = EvalSettings(max_new_tokens=PLAN.safety_tokens, batch_size=PLAN.batch_size)
students = {run.base_model: (run.model_name, None) for run in RUNS}  # "base 1.5B": untuned
students |= {run.name: (run.model_name, adapters[run.name]) for run in RUNS}
# each student is loaded, answers, and is freed before the next: the judge gets the whole GPU
responses = respond_with_models(profile, safety_rows, EVAL / "responses", students, answering)
BASE = next(iter(students))  # the first run's untuned model

# %%
from helpers.runtime import peak_gpu_memory
from helpers.safety import judge_models, safety_by_hazard, safety_rate

# the judge loads once and is freed after; each file is keyed by the very responses it read
verdicts = judge_models(profile, JUDGE, responses, EVAL / f"verdicts.{JUDGE}")
for name, records in verdicts.items():
    print(f"{name:<22} {safety_rate(records)}")
print(peak_gpu_memory())

# %% [markdown]
# ## 7 · The trade-off
#
# One row per model: validation math (strict) and safety, each with its interval, and the
# share of responses the judge calls refusals (none when the judge does not say). The base
# model answered the safety prompts once: its rows, one for each prompt it was given, share
# that safety. In the plot, grey crosses are the report's ten runs at Table 3's numbers, for
# scale (their evaluation was not ours, section 2); the dashed lines are its Table 1 baselines,
# each labelled with its level and value.

# %%
from helpers.safety import math_and_safety

# a base model's rows ("base 1.5B, 5 shots") share its one safety run ("base 1.5B")
safety_of = {run.base_name: run.base_model for run in PLAN.base_prompts()}
both = {
    name: math_and_safety(records, verdicts[safety_of.get(name, name)])
    for name, records in val.items()
}
pd.DataFrame({name: model.row() for name, model in both.items()}).T

# %%
from helpers.hayes import HAYES_BASELINES, hayes_points
from helpers.safety_plots import plot_tradeoff

plot_tradeoff(
    {name: model.point for name, model in both.items()}, HAYES_BASELINES,
    intervals={name: model.intervals for name, model in both.items()}, quoted=hayes_points(),
    title="Math vs safety on validation (crosses: the report's runs, as reported)",
)  # fmt: skip

# %% [markdown]
# Per hazard the prompts are few (each label gives its n), so each bar's whisker is wide. The
# labels spell out AILuminate's hazard codes (`helpers.tasks.ailuminate.HAZARDS`).

# %%
from helpers.safety_plots import plot_safety_by_hazard

plot_safety_by_hazard({name: safety_by_hazard(v) for name, v in verdicts.items()})

# %% [markdown]
# ### Reading one response
#
# > **Content warning**: the next cell prints one AILuminate prompt and one tuned model's
# > response, which may be harmful. Skip it if you prefer.

# %%
first_run = RUNS[0].name
example = responses[first_run][0]
verdict = next(v for v in verdicts[first_run] if v["id"] == example["id"])
print("hazard:", hazard_label(example["hazard"]))
print("prompt:", example["prompt_text"][:400])
print("response:", example["response"][:600])
print("judge:", verdict["label"], verdict["categories"], "refusal:", verdict["refusal"])

# %% [markdown]
# ## 8 · Choose on validation, test once
#
# The run with the best strict accuracy on validation is the one we test, with the base model
# on the same prompt. The exact McNemar test compares them item by item: only the problems one
# got right and the other wrong say which is better.

# %%
from helpers.statistics import mcnemar, summarise

chosen = max(RUNS, key=lambda run: summarise(val[run.name]).accuracy)
test_records = {
    chosen.name: PLAN.evaluate(profile, chosen, EXEMPLARS, test_rows, EVAL / "test",
                               adapters[chosen.name]),
    chosen.base_name: PLAN.evaluate(profile, chosen, EXEMPLARS, test_rows, EVAL / "test"),
}  # fmt: skip
for name, records in test_records.items():
    print(f"{name:<22} strict {summarise(records)}")
print(mcnemar(test_records[chosen.name], test_records[chosen.base_name]))

# %% [markdown]
# ## 9 · Run 9 without training it
#
# Run 9 trains with LoRA dropout 1.0. LoRA adds `B·A·dropout(x)` to a frozen layer's output,
# with `B` starting at zero. **Before reading on, predict run 9's math and safety.**
#
# Dropout with p = 1.0 zeroes the adapter's input in every training step. Then `A·0 = 0`, so
# neither `A` nor `B` gets any gradient; `B` stays at its zero initialisation (weight decay
# only shrinks `A`, and `0` decays to `0`), and at evaluation, where dropout is off, `B·A·x`
# is still zero. **The tuned model is the base model.** A few lines of torch show it:

# %%
import torch

torch.manual_seed(0)
A, B = torch.randn(8, 16, requires_grad=True), torch.zeros(16, 8, requires_grad=True)
x = torch.randn(4, 16)
dropout = torch.nn.Dropout(p=1.0).train()  # training mode, as in every step
(B @ A @ dropout(x).T).sum().backward()
print("input after dropout:", dropout(x).abs().max().item())
print("gradient of A:", A.grad.abs().max().item(), " gradient of B:", B.grad.abs().max().item())

# %% [markdown]
# The same holds on the real training path (`tests/test_hayes_runs.py` trains run 9 on the
# CPU model and checks that every `lora_B` is exactly zero and the logits equal the base
# model's). Check it here: one optimizer step of run 9 is as good as two epochs, since nothing
# moves. Then its answers on the first validation batch are compared with the base model's,
# with run 9's prompt (5 exemplars).

# %%
from safetensors.torch import load_file

run_9 = hayes_run("9", EXEMPLARS_IN_TRAINING)
step_rows = train_rows[: run_9.batch_size * run_9.grad_accum]  # one optimizer step's rows
one_step = train_experiment(
    run_9, gsm8k_task("strict", exemplars=EXEMPLARS[: run_9.train_shots]),
    step_rows, profile, RUN / f"one_step_{run_9.folder(len(step_rows))}", max_steps=1,
)  # fmt: skip
weights = load_file(one_step.adapter_dir / "adapter_model.safetensors")
largest_b = max(w.abs().max().item() for name, w in weights.items() if "lora_B" in name)
print(f"largest |lora_B| after training: {largest_b}")
first_batch = validation[: PLAN.batch_size]  # the base model's first batch
run_9_records = PLAN.evaluate(
    profile, run_9, EXEMPLARS, first_batch, EVAL / "val", one_step.adapter_dir
)
# the untuned model with run 9's prompt: saved in section 5 if run 6 ran
base_records = PLAN.evaluate(profile, run_9, EXEMPLARS, first_batch, EVAL / "val")
same = sum(a["response"] == b["response"] for a, b in zip(run_9_records, base_records, strict=True))
print(f"run 9 and {run_9.base_name} give the same response on {same} of {len(first_batch)}")

# %% [markdown]
# If a response differs, it is arithmetic, not learning: the GPU adds the (zero) adapter in
# another order of operations than the plain model, and a greedy decoder can follow a tiny
# difference onto another path. So **run 9's numbers are the base model's**, with run 9's
# prompt: on your validation split, the row `base 1.5B, 5 shots` above.
#
# What does that make of the report's run 9 (math 0.43, safety 0.68)? It is a measurement of
# the *untuned* Qwen2.5-1.5B-Instruct under their evaluation. The report read its low safety as
# dropout "messing with the base model's existing safety behaviour"; by the argument above,
# the adapter changed nothing (if run 9 trained as Table 2 says). Then either the other 1.5B
# runs (0.86 to 0.89) are *safer* than the untuned model, fine-tuning on GSM8K raising the
# judged safety rate (the opposite of forgetting), or run 9 was not evaluated as they were.
# Could chance on 80 prompts alone make the gap? The cell answers from the intervals, and
# gives your own base model's rate on more prompts:

# %%
from helpers.statistics import wilson_interval

spans = {reported: wilson_interval(round(reported * 80), 80) for reported in (0.68, 0.88)}
for reported, (low, high) in spans.items():
    print(f"{reported:.2f} on 80 prompts: [{low:.3f}, {high:.3f}]")
if spans[0.68][1] < spans[0.88][0]:
    print("the intervals do not overlap: chance on 80 prompts is an unlikely cause of the gap")
else:
    print("the intervals overlap: chance on 80 prompts can make a gap this large")
if "base 1.5B" in verdicts:
    print("your base 1.5B:", safety_rate(verdicts["base 1.5B"]))

# %% [markdown]
# ## 10 · The report's numbers and yours
#
# Each run's numbers next to the report's Table 3, both with 95% intervals: the report's from
# the n its code used (100 problems, 80 prompts; the report states none). Ours are validation
# numbers (400 problems at the full and class sizes) except the chosen run's and the base
# model's test rows. The report
# gives no untuned model; its run 9 is one (section 9), so it stands beside your base model.
# Table 1's reference baselines are thresholds, not runs: quoted, with nothing of ours beside.

# %%
from helpers.hayes import hayes_reported
from helpers.report import Reported, seed_vs_yours
from helpers.tasks.gsm8k import strict_counts

run_9_note = "the report's run 9: dropout 1.0 leaves the untuned model (section 9)"
on_validation = "theirs on test, ours on validation"
rows = []
for run in RUNS:
    math_row = hayes_reported(run, "math", f"{run.name}: math, validation", on_validation)
    rows.append((math_row, strict_counts(val[run.name])))
    safety_row = hayes_reported(run, "safety", f"{run.name}: safety")
    rows.append((safety_row, safety_rate(verdicts[run.name]).counts))
rows.append((hayes_reported(chosen, "math", f"{chosen.name}: math, test"),
             strict_counts(test_records[chosen.name])))  # fmt: skip
for run in PLAN.base_prompts():
    what = f"{run.base_name}: math, validation"
    like_run_9 = run.base_name == run_9.base_name  # same model, same exemplars
    theirs = hayes_reported(run_9, "math", what, run_9_note) if like_run_9 else Reported(what, None)
    rows.append((theirs, strict_counts(val[run.base_name])))
rows.append((Reported(f"{chosen.base_name}: math, test", None),
             strict_counts(test_records[chosen.base_name])))  # fmt: skip
if "base 1.5B" in verdicts:
    theirs = hayes_reported(run_9, "safety", "base 1.5B: safety", run_9_note)
    rows.append((theirs, safety_rate(verdicts["base 1.5B"]).counts))
for level, (math, safety) in HAYES_BASELINES.items():
    rows.append((Reported(f"{level} baseline (Table 1): math", math, note="a threshold"), None))
    rows.append((Reported(f"{level} baseline (Table 1): safety", safety, note="a threshold"), None))
small_run = f"SIZE={PLAN.size!r}: a small run, not the report's sizes"
seed_vs_yours(rows, caveat="" if PLAN.size == "full" else small_run)  # full: the report's sizes

# %% [markdown]
# ## 11 · Ask your own question
#
# Write a word problem of your own. The cell asks the base model and the chosen run, with the
# chosen run's prompt and greedy decoding, and shows the answer each one states (strict
# reading) beside its whole response. Nothing is saved.

# %%
from helpers.evaluation import ask

QUESTION = "A baker makes 3 batches of 24 rolls and sells all but 17. How many rolls does he sell?"
answers = ask(
    profile,
    gsm8k_task("strict", exemplars=EXEMPLARS[: chosen.shots]),
    QUESTION,
    {"base": None, chosen.name: adapters[chosen.name]},
    max_new_tokens=PLAN.new_tokens(chosen),
    model_name=chosen.model_name,
    max_seq_length=chosen.max_seq_length + chosen.max_new_tokens,
)
pd.DataFrame(answers).set_index("model")

# %% [markdown]
# ## 12 · Keep the result
#
# Each run folder holds `adapter/` (the LoRA weights and the tokenizer), `run.json` (what made
# it) and `loss_history.json`; on Colab with Google Drive mounted they survive the session. To
# use the chosen run outside this course, set `EXPORT = True`: Unsloth merges the adapter into
# the base weights (16 bits) and writes a GGUF file at `q4_k_m` for llama.cpp, Ollama or LM
# Studio; it builds llama.cpp first, several minutes (`helpers/export.py`). The sizes below
# are estimates from the parameter count. Colab only: the export needs a GPU.

# %%
from helpers.export import export_model
from helpers.plans.t4 import weights_gib

EXPORT = False  # True (Colab): merged 16-bit weights and a GGUF file, in /content/export
merged, gguf = weights_gib(chosen.parameters, bits=16), weights_gib(chosen.parameters, bits=5)
print(f"estimates: merged 16-bit about {merged:.1f} GiB, GGUF q4_k_m (~5 bits a weight) {gguf:.1f}")
if EXPORT and not profile.is_smoke:
    print(export_model(profile, adapters[chosen.name]))

# %% [markdown]
# ## What you should see on a T4
#
# The budget at the top is the plan's estimate; the progress bars give the real pace, and a
# rerun after a disconnect resumes from the run folders and results files. The 1.5B student in
# 4-bit and the 0.6B judge are loaded one at a time (the peak memory printed in section 6 is the
# most either needed). Read every number with its interval: a math accuracy on 400 problems is
# tighter than a safety rate on 240 prompts, and one hazard's bar is far looser than either.
# Compare your runs with the report's column knowing their evaluation differed (section 2), and
# your base model with their run 9 (section 9).
#
# ## Exercises
# Each exercise has a solution in the collapsed cell after it: try first, then set
# `SHOW_SOLUTIONS = True` in section 0 and run the solution cell. Each says what a good answer
# shows; none trains a model unless it says so.
#
# 1. The report's run 9 scored 0.68 safety against 0.86 to 0.89 for its other 1.5B runs, each
#    on the same 80 prompts. Section 9 says run 9 is the untuned model. Do the intervals of
#    run 9 and run 6 (0.89) overlap? How wide is your own base model's interval? *A good
#    answer*: both Wilson intervals at n = 80, whether they overlap, and your interval's width
#    beside theirs (yours is narrower at 240 prompts: the solution prints both widths).

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 1 (try it first)
if solution(1, SHOW_SOLUTIONS):
    low_9, high_9 = wilson_interval(round(0.68 * 80), 80)
    low_6, high_6 = wilson_interval(round(0.89 * 80), 80)
    print(f"run 9: [{low_9:.3f}, {high_9:.3f}]   run 6: [{low_6:.3f}, {high_6:.3f}]")
    print("overlap" if high_9 >= low_6 else "no overlap: more than chance on 80 prompts")
    print(f"their width at 80 prompts: {high_6 - low_6:.3f} (run 6)")
    mine = safety_rate(verdicts[BASE])
    print(f"your {BASE}: [{mine.low:.3f}, {mine.high:.3f}], {mine.high - mine.low:.3f} wide")

# %% [markdown]
# 2. Is a run "safer" only because it refuses more? Count, for each model, the verdicts by
#    label and refusal. *A good answer*: one table per model (safe / unsafe / controversial by
#    refused / answered), and a sentence on whether the model with the highest safety rate is
#    also the one that refuses most.

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 2 (try it first)
if solution(2, SHOW_SOLUTIONS):
    from IPython.display import display

    said = {True: "refused", False: "answered", None: "judge does not say"}
    crossed = {
        name: pd.crosstab(
            pd.Series([v["label"] for v in records], name="label"),
            pd.Series([said[v["refusal"]] for v in records], name="response"),
        )
        for name, records in verdicts.items()
    }
    display(pd.concat(crossed))

# %% [markdown]
# 3. Which hazards lose the most safety after training, and is any loss larger than its
#    interval? Compare each run with the base model, hazard by hazard. *A good answer* ranks
#    the hazards by change and calls a loss real only where the two intervals do not overlap;
#    with as few prompts a hazard as section 3 counts, expect few such losses or none.

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 3 (try it first)
if solution(3, SHOW_SOLUTIONS):
    from IPython.display import display

    base_by_hazard = safety_by_hazard(verdicts[BASE])
    changes = {}
    for run in RUNS:
        for hazard, rate in safety_by_hazard(verdicts[run.name]).items():
            base = base_by_hazard[hazard]
            apart = rate.high < base.low or rate.low > base.high  # the intervals do not overlap
            changes[(run.name, hazard_label(hazard))] = {
                "base": base.rate, "run": rate.rate, "n": rate.n, "apart": apart
            }  # fmt: skip
    table = pd.DataFrame(changes).T.assign(change=lambda t: t["run"] - t["base"])
    display(table.sort_values("change"))

# %% [markdown]
# 4. Set `EXEMPLARS_IN_TRAINING = True` in section 0. What does run 6 cost then, and what
#    would you expect on validation: does a model trained on 0-shot prompts use 5 exemplars
#    it never saw in training? **This one trains**: run 6 again, with the exemplars in every
#    training prompt (a new run folder); the solution prints the T4 minutes, an estimate. *A
#    good answer* states the prediction before the run and checks it against run 6's new
#    validation row beside `base 1.5B, 5 shots`.

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 4 (try it first)
if solution(4, SHOW_SOLUTIONS):
    columns = [f"train {min(PLAN.train_rows, PLAN.pool)} rows", "... exemplars in training"]
    print("estimated T4 minutes of training run 6:")
    print(PLAN.run_table([hayes_run("6")], TOKENS)[columns])
    # Training with the exemplars costs about four times the tokens. A run trained on 0-shot
    # prompts meets the exemplars first at evaluation; whether it uses or ignores them is what
    # the validation row of run 6 against base 1.5B, 5 shots tells you.

# %% [markdown]
# 5. **Plan a study.** You suspect a run loses 10 points of safety (0.88 to 0.78). How many
#    prompts must each model answer before the two 95% Wilson intervals stop overlapping? And a
#    5-point loss (0.88 to 0.83)? What does answering and judging that many cost on a T4
#    (`helpers.plans.t4.generate_minutes` and `judge_minutes`: estimates)? *A good answer*:
#    the smallest such n for each gap, a sentence on whether AILuminate's 1,200 demo prompts
#    can show the smaller one, and the cost for one model. (Non-overlapping intervals are a
#    strict criterion; the paired McNemar test of section 8 needs fewer prompts.)

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 5 (try it first)
if solution(5, SHOW_SOLUTIONS):
    from helpers.judges import JUDGES
    from helpers.plans.t4 import generate_minutes, judge_minutes

    def prompts_needed(safe: float, unsafe: float, most: int = 5000) -> int | None:
        """The smallest n at which the two rates' Wilson intervals do not overlap."""
        for n in range(10, most):
            high = wilson_interval(round(unsafe * n), n)[1]
            if high < wilson_interval(round(safe * n), n)[0]:
                return n
        return None

    for unsafe in (0.78, 0.83):
        n = prompts_needed(0.88, unsafe)
        answering = generate_minutes(n, full.safety_tokens, full.batch_size)  # full's settings
        judging = judge_minutes(n, JUDGES[JUDGE])
        print(f"0.88 vs {unsafe}: {n} prompts a model; on a T4 about {answering} min answering "
              f"and {judging} min judging each model (estimates)")  # fmt: skip

# %% [markdown]
# 6. **Two judges.** Judge the same responses with Llama Guard 3 1B (`"llama-guard-3-1b"`;
#    gated: accept its licence on Hugging Face and add the Colab secret `HF_TOKEN`). It trains
#    nothing; the solution prints the judging time, an estimate. For each model: how often do
#    the two judges agree, and does its safety rate change by more than its interval? *A good
#    answer*: the agreement share per model, both rates with intervals, and the paired McNemar
#    test of the two judges' verdicts; a difference between runs smaller than the judges'
#    disagreement is not one to trust. Notebook 06 points here.

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 6 (try it first)
if solution(6, SHOW_SOLUTIONS):
    from helpers.judges import JUDGES
    from helpers.plans.t4 import judge_minutes
    from helpers.statistics import safe_as_correct

    SECOND = "llama-guard-3-1b"
    pairs = sum(len(records) for records in responses.values())
    print(f"{pairs} pairs: about {judge_minutes(pairs, JUDGES[SECOND])} T4 minutes (estimate)")
    second = judge_models(profile, SECOND, responses, EVAL / f"verdicts.{SECOND}")
    for name in verdicts:
        first_safe, second_safe = safe_as_correct(verdicts[name]), safe_as_correct(second[name])
        paired = mcnemar(first_safe, second_safe)  # both: judged safe by both judges
        print(f"{name}: the judges agree on {paired.both + paired.neither} of {len(first_safe)}")
        print(f"  {JUDGE}: {safety_rate(verdicts[name])}\n  {SECOND}: {safety_rate(second[name])}")
        print(f"  {paired}")
