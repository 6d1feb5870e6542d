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
# math and 0.89 safety; run 1 (7B) 0.81 and 0.88; the unregularised run 2 (7B) 0.50 and 0.57.
# Their reference baselines (Table 1): Simple 0.280 / 0.558, Medium 0.379 / 0.642, Strong
# 0.455 / 0.725.
#
# **You will learn to**
# 1. evaluate math with fixed few-shot prompts and greedy decoding, reading answers two ways;
# 2. measure a safety rate with a guard model, with intervals, per hazard;
# 3. train regularised and unregularised LoRA runs and place them on a trade-off plot;
# 4. keep training and evaluation prompts identical, exemplars included.

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

profile, RUN = start_notebook("04_gsm8k_safety")

# %% [markdown]
# ## 1 · The runs, and which ones we train
#
# All ten runs of the report's Table 2 are data in `helpers/experiments.py`, each with the
# report's numbers attached. Pick runs by number. The default is run 4 (the report's best 1.5B
# run) and `2*`: run 2's unregularised settings on the 1.5B model. `2*` is **ours**, not the
# report's (its run 2 is 7B), so the 1.5B model has an unregularised counterpart.

# %%
from helpers.experiments import HAYES_RUNS, RUN_2_ON_15B, format_table, hayes_run

print(format_table([run.table_row() for run in (*HAYES_RUNS, RUN_2_ON_15B)]))
RUNS = [hayes_run(number) for number in ("4", "2*")]  # e.g. add "6", or "1" for a 7B run

# %% [markdown]
# **What a 7B run costs on a T4.** The 4-bit weights alone take about half a byte per
# parameter; activations, the LoRA optimizer state and the KV cache come on top, and the T4 has
# 15 GB:

# %%
PARAMETERS = {"Qwen2.5-1.5B": 1.54e9, "Qwen2.5-7B": 7.62e9}  # from the model cards
for name, count in PARAMETERS.items():
    print(f"{name}: {count * 0.5 / 2**30:.1f} GiB of 4-bit weights")

# %% [markdown]
# The 7B weights fit; activations, few-shot prompts of a thousand tokens and slower generation
# come on top. We have not measured a 7B run on a T4: try one after the 1.5B runs work, with
# a smaller `batch_size` (`dataclasses.replace(run, batch_size=1, grad_accum=16)`).
#
# ## 2 · GSM8K: data, exemplars, prompts
#
# The exemplars are **fixed**: the first eight training problems, always the same, never from
# the test split. A run with `shots = k` uses the first `k`, in its training prompts *and* its
# evaluation prompts, built by the one builder in `helpers/prompts.py`. The exemplars are left
# out of the training rows so no prompt contains its own answer. The GSM8K task
# (`helpers.tasks.gsm8k_task`) bundles that prompt with how answers are read and judged; each
# run gets the task with its own exemplars.

# %%
from helpers.gsm8k import FIXTURE_FILES, GSM8K_SYSTEM, few_shot_examples, load_gsm8k

train = load_gsm8k("train", profile.pick(None, FIXTURE_FILES["train"]))
test = load_gsm8k("test", profile.pick(None, FIXTURE_FILES["test"]))
EXEMPLARS = few_shot_examples(train, 8)
train_rows = train[8:][: profile.n(len(train))]
math_rows = test[: profile.n(500, smoke=8)]  # 500 of 1,319 test problems: about +-4 points
print(f"{len(train_rows)} training problems, {len(math_rows)} test problems")
print(GSM8K_SYSTEM, "\n")
print(EXEMPLARS[0][0], "\n", EXEMPLARS[0][1])

# %% [markdown]
# A model's answer is read two ways, as in lm-evaluation-harness: **strict** (the number after
# the first `####`) and **flexible** (the last number in the response). Records are graded with
# the flexible reading; the table below reports both. Where we differ from lm-evaluation-harness:
# it compares the strings (`12.00` is not `12`), we compare the numbers.
#
# ## 3 · AILuminate prompts and the judge
#
# We sample the AILuminate v1.0 demo prompt set, stratified by hazard. Each response is judged
# by a guard model: `Qwen/Qwen3Guard-Gen-0.6B` by default (open, no account needed) or Llama
# Guard 3 (`JUDGE = "llama-guard-3-1b"`; gated: accept the licence on its Hugging Face page and
# add your token as the Colab secret `HF_TOKEN`). The report used a Llama-3-based guard. The
# menu below gives each judge's estimated memory: on a T4 (no bf16) the small judges run in
# fp32, since fp16 can overflow inside them and turn verdicts into noise; Llama Guard 3 8B
# would need 16 GB in 16 bits, so it loads in 4-bit NF4.
# Verdicts that cannot be parsed are counted apart and never as safe. In the smoke profile a
# tiny local model stands in for the judge: its verdicts are meaningless, it only exercises the
# plumbing.

# %%
from helpers.safety import AILUMINATE_URL, FIXTURE, judge_menu, load_ailuminate, stratified_sample

print(judge_menu())  # weights only, estimated for this GPU; a T4 has 15 GB
JUDGE = "qwen3guard-0.6b"
prompts = load_ailuminate(profile.pick(AILUMINATE_URL, FIXTURE))
safety_rows = stratified_sample(prompts, profile.n(240, smoke=8), seed=0)
print(f"{len(safety_rows)} of {len(prompts)} prompts, hazards:",
      sorted({row["hazard"] for row in safety_rows}))  # fmt: skip

# %% [markdown]
# ## 4 · Train the selected runs
#
# Each run trains from its own config; the loss covers only the answer tokens. Checkpoints go
# to the run folder and a rerun resumes.

# %%
from helpers.tasks import gsm8k_task
from helpers.training import train_experiment

tasks = {run.name: gsm8k_task(examples=EXEMPLARS[: run.shots]) for run in RUNS}
adapters = {}
for run in RUNS:
    result = train_experiment(run, tasks[run.name], train_rows, profile, RUN / run.slug)
    adapters[run.name] = result.adapter_dir
    print(f"{run.name}: {result.steps} steps, final loss {result.final_loss:.3f}")

# %% [markdown]
# ## 5 · Math accuracy: base model and tuned runs
#
# Greedy decoding, the run's exemplars and token budget. The base model is evaluated with each
# run's prompt, so every comparison is like for like. All results go to files named
# `math.<key>.jsonl`: the key is computed from the model, adapter, prompt and budget, so each
# (model, prompt) pair gets its own file without our naming it.

# %%
from helpers.evaluation import EvalSettings, evaluate_model, summarise
from helpers.tasks import score_modes

EVAL = RUN / "eval"


def math_settings(run):
    return EvalSettings(
        max_new_tokens=profile.n(run.max_new_tokens, smoke=16),
        batch_size=profile.n(32, smoke=8),
        max_seq_length=run.max_seq_length + run.max_new_tokens,
    )


def base_name(run, shots=True):
    model = run.model_name.split("/")[-1]
    return f"base ({model}, {run.shots} shots)" if shots else f"base ({model})"


math = {}
for run in RUNS:
    task, settings = tasks[run.name], math_settings(run)
    math[base_name(run)] = evaluate_model(
        profile, task, math_rows, EVAL / "math", settings, model_name=run.model_name
    )
    math[run.name] = evaluate_model(
        profile, task, math_rows, EVAL / "math", settings,
        model_name=run.model_name, adapter_dir=adapters[run.name],
    )  # fmt: skip
for name, records in math.items():
    modes = score_modes(records)
    print(f"{name:<40} {summarise(records)}  strict {modes['strict']:.3f}")

# %% [markdown]
# ## 6 · Safety rate
#
# First every model answers the sampled prompts (its own default system prompt, as a user
# would meet it); then the judge reads every (prompt, response) pair. Student and judge are
# loaded one after the other, and each student is freed before the next model loads, so both
# fit on a T4.

# %%
from helpers.safety import respond_with_model

responses = {}
models = {base_name(run, shots=False): (run.model_name, None) for run in RUNS}
models |= {run.name: (run.model_name, adapters[run.name]) for run in RUNS}
answering = EvalSettings(max_new_tokens=profile.n(512, smoke=8), batch_size=profile.n(16, smoke=8))
for name, (model_name, adapter_dir) in models.items():
    responses[name] = respond_with_model(
        profile, safety_rows, EVAL / "responses", model_name, adapter_dir, answering
    )  # the student is loaded, answers, and is freed inside: the judge gets the whole GPU

# %%
from helpers.models import free_memory
from helpers.runtime import peak_gpu_memory
from helpers.safety import judge_responses, load_judge, safety_by_hazard, safety_rate

judge = load_judge(profile, JUDGE)
verdicts = {  # each file is keyed by the judge and the very responses it read
    name: judge_responses(judge, recs, EVAL / f"verdicts.{JUDGE}")
    for name, recs in responses.items()
}
del judge
free_memory()
for name, records in verdicts.items():
    print(f"{name:<28} {safety_rate(records)}")
print(peak_gpu_memory())

# %% [markdown]
# ## 7 · The trade-off, next to the report

# %%
import pandas as pd

from helpers.experiments import HAYES_BASELINES


def result_row(name, math_records, safety_verdicts, reported):
    return {
        "model": name,
        "math (flexible)": summarise(math_records).accuracy,
        "math (strict)": score_modes(math_records)["strict"],
        "safety": safety_rate(safety_verdicts).rate,
        "report's math": reported.get("math_accuracy"),
        "report's safety": reported.get("safety_rate"),
    }


rows = []
for run in RUNS:
    base = base_name(run)
    rows.append(result_row(base, math[base], verdicts[base_name(run, shots=False)], {}))
    rows.append(result_row(run.name, math[run.name], verdicts[run.name], run.reported))
results = pd.DataFrame(rows).drop_duplicates("model").set_index("model")
results

# %%
from helpers.plots import plot_tradeoff

points = {name: (row["math (flexible)"], row["safety"]) for name, row in results.iterrows()}
plot_tradeoff(points, HAYES_BASELINES)

# %%
from helpers.plots import plot_safety_by_hazard

plot_safety_by_hazard({name: safety_by_hazard(v) for name, v in verdicts.items()})

# %% [markdown]
# ## 8 · Reading one response
#
# > **Content warning**: the next cell prints one AILuminate prompt and one tuned model's
# > response, which may be harmful. Skip it if you prefer.

# %%
first_run = RUNS[0].name
example = responses[first_run][0]
verdict = next(v for v in verdicts[first_run] if v["id"] == example["id"])
print("hazard:", example["hazard"])
print("prompt:", example["prompt_text"][:400])
print("response:", example["response"][:600])
print("judge:", verdict["label"], verdict["categories"])

# %% [markdown]
# ## What you should see on a T4
# The 1.5B student in 4-bit and the 0.6B judge each fit easily (they are loaded one at a
# time; the peak above is the most either needed). Training run 4 on all of GSM8K's training
# set with 8 exemplars in every prompt is the long part: the progress bar gives its pace, and
# `train_rows` can be cut for a quicker first pass. Compare your table with the report's
# columns with the intervals in mind: on 240 safety prompts a rate near 0.85 carries an
# interval of several points either way.
#
# ## Exercises
# 1. Add run 9 (dropout 1.0) to `RUNS`. The report saw its safety fall; does yours?
# 2. Switch `JUDGE` to `"llama-guard-3-1b"` and compare the two judges' safety rates on the
#    same responses. Where do they disagree?
# 3. Which hazards lose the most safety after training? Use `safety_by_hazard`.
# 4. How wide is the interval of a safety rate of 0.85 on 240 prompts? Check below.

# %%
from helpers.evaluation import wilson_interval

low, high = wilson_interval(204, 240)  # 204 / 240 = 0.85
print(f"0.85 on 240 prompts: [{low:.3f}, {high:.3f}]")
assert high - low > 0.08
