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
# # 05 · From imitation to reward: GRPO with an exact verifier, against SFT at matched compute
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/math-sft-course/unsloth-math-course/blob/main/notebooks/05_grpo_inequalities.ipynb)
#
# Notebooks 02–04 train by **imitation** (SFT): the model is shown a right answer and made more
# likely to write it. Reinforcement learning with verifiable rewards trains on the model's
# *own* answers instead: sample several, check each, and make the ones that scored better more
# likely. It needs what most tasks lack and ours has: an exact, cheap verifier for every
# answer. This notebook is **ours, beyond the reports**: none of them tries it.
#
# GRPO (Group Relative Policy Optimization, Shao et al., 2024, *DeepSeekMath*) samples a
# *group* of answers per prompt and scores each answer against its group's mean, so it needs no
# learned value model. We compare it with more SFT **given the same number of training
# tokens**, on the same held-out problems, with intervals and paired tests.
#
# **You will learn to**
# 1. turn a grader into reward functions, and log each reward apart;
# 2. train with TRL's `GRPOTrainer` (patched by Unsloth on a GPU) from a policy that already
#    answers in the right form;
# 3. read GRPO's training curves: the reward is the signal, the loss is not;
# 4. compare two training methods fairly: same start, same problems, same token budget, the
#    same evaluation, item by item.

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

profile, RUN = start_notebook("05_grpo_inequalities")

# %% [markdown]
# ## 0 · Sizes, and what they cost on a T4
#
# One knob sizes the whole notebook:
# - `"full"`: `GRPO_RUN`'s sizes (`helpers/experiments.py`: every knob there says why): 120
#   steps of 4 prompts × 8 answers of up to 256 tokens, from Model D trained on its 2,000
#   problems, and 400 items in each evaluation split. About 110 T4 minutes.
# - `"class"`: a lab of 45 T4 minutes or less: the same start, groups and evaluation settings,
#   but a fifth of the steps (24: 96 prompts) and 96 items a split. It still shows the lesson's
#   mechanics: the verifier as rewards, GRPO's curves (the rewards, the groups that teach
#   nothing, the flat loss), SFT given the same tokens, and the paired comparison. What it
#   cannot show is whether GRPO helps: 24 small steps move the policy little, and at 96 items
#   a 95% interval is about ±0.1 wide, so only a large difference would show in the McNemar
#   tests.
# - `"check"`: every cell with the smallest sizes that exercise it (2 steps of 1 prompt × 2
#   answers, 16 items, 16 tokens): a check that the course runs on your runtime. Its numbers
#   mean nothing. The smoke profile (CPU, CI) always runs this size.
#
# The budget is an **estimate** for a free Colab T4 at the chosen size (even in CI's smoke
# profile; every assumption with its source in `helpers/plans/t4.py`). GRPO's cost is mostly
# *generation*: every step samples its answers before it can learn from them.

# %%
from helpers.plans import choose, sizes_table
from helpers.plans.grpo import SIZES

SIZE = "full"  # "full": GRPO_RUN's sizes; "class": a 45-minute lab; "check": a runtime check
PLAN = choose(SIZES, SIZE, profile)
sizes_table(SIZES)

# %%
PLAN.budget()

# %% [markdown]
# ## 1 · The run at this size
#
# `GRPO_RUN` at the plan's size, its training problems and the evaluation splits.

# %%
from helpers.evaluation import EvalSettings
from helpers.inequality_splits import load_split

RL = PLAN.grpo
SETTINGS = EvalSettings(max_new_tokens=PLAN.max_new_tokens, batch_size=PLAN.batch_size)
train_2000 = load_split("train", 2000)
rl_rows = train_2000[: RL.prompts]  # problems Model D trained on: GRPO and SFT revisit them
val = load_split("val", 400)[: PLAN.eval_items]
val_novel = load_split("val_novel", 400)[: PLAN.eval_items]
print(RL)

# %% [markdown]
# ## 2 · The verifier as rewards
#
# Two reward functions (`helpers/rewards.py`), each logged apart during training:
# - `correct`: 1 when the answer the completion states is the exact count, else 0. It is the
#   inequality Task's own reader and judge, **the code that grades evaluation**: the policy is
#   rewarded for exactly what it is scored on.
# - `well_formed`: 1 when the completion ends with its one and only `\boxed{integer}`.
#
# A right count stated twice in two boxes is *correct* (evaluation reads the last box) but not
# *well formed*: the second reward is what discourages hedging.

# %%
from helpers.rewards import correctness_reward, format_reward
from helpers.tasks.inequalities import INEQUALITIES

correct, well_formed = correctness_reward(INEQUALITIES), format_reward()
row = rl_rows[0]
answers = {
    "right": f"... so {row['answer']} integers. \\boxed{{{row['answer']}}}",
    "wrong": f"... so {row['answer'] + 1} integers. \\boxed{{{row['answer'] + 1}}}",
    "malformed": f"The answer is {row['answer']}.",
    "hedged": f"\\boxed{{{row['answer'] + 1}}} or rather \\boxed{{{row['answer']}}}",
}
completions = [[{"role": "assistant", "content": text}] for text in answers.values()]
columns = {"answer": [row["answer"]] * len(completions)}
print(row["question"])
rewards = zip(correct(completions, **columns), well_formed(completions), strict=True)
for name, (right, formed) in zip(answers, rewards, strict=True):
    print(f"{name:<9} correct {right}  well_formed {formed}")

# %% [markdown]
# ## 3 · Where to start
#
# GRPO learns only from groups whose answers differ in reward. The untuned model rarely puts a
# boxed integer where we read it (notebook 02's baseline), so most groups would score all zero
# and teach nothing. We start from **Model D** of notebook 02: it reasons in the worked-solution
# format and boxes its answer, and it is right often enough that most groups of 8 hold both a
# right and a wrong answer. (A short format-priming SFT of the base model would do the same
# job; Model D already exists.) If notebook 02 ran in this runtime its run folder is reused;
# otherwise `train_experiment` trains it here (its cost is in the budget).

# %%
from helpers.experiments import MODEL_D
from helpers.runtime import run_dir
from helpers.training import train_experiment

d_rows = train_2000[: PLAN.model_d_rows]
model_d = train_experiment(
    MODEL_D,
    INEQUALITIES,
    d_rows,
    profile,
    run_dir("02_sft_models_abc", profile) / MODEL_D.folder(len(d_rows)),
)
START = model_d.adapter_dir
print(f"Model D: {model_d}\nstart: {START}")

# %% [markdown]
# ## 4 · GRPO
#
# `helpers.grpo.train_grpo` builds TRL's `GRPOTrainer` (Unsloth's patched one on a GPU) with the
# two rewards, a copy of Model D's adapter as the trainable policy, and the settings below;
# checkpoints and `run.json` work as for SFT, so a disconnect loses at most a few steps.
#
# **No vLLM, for now.** Unsloth can sample with vLLM (`fast_inference=True`), several times
# faster than the trainer's own `generate`. It would install: pip resolves `vllm==0.19.1`
# beside every pin of `requirements-colab.txt` without changing one (a dry run, `pip install
# --dry-run -r requirements-colab.txt vllm`, November 2026). We leave it out because no run of
# this course has exercised Unsloth's vLLM path on a GPU yet (vLLM takes a fixed share of the
# T4's memory next to the trainer, and another large install), and a learner's Run all must
# not be the first test. Sampling uses the trainer's own model instead; the budget above counts
# that slower path.

# %%
from helpers.grpo import grpo_config

config = grpo_config(RL, RUN / RL.folder(), profile)
for knob in ("num_generations", "per_device_train_batch_size", "gradient_accumulation_steps",
             "learning_rate", "beta", "max_completion_length", "temperature", "loss_type",
             "scale_rewards", "mask_truncated_completions"):  # fmt: skip
    print(f"{knob:<28} {getattr(config, knob)}")

# %% [markdown]
# **Predict before you run.** Model D's validation accuracy is in the table of section 7 below
# (and in notebook 02). Will GRPO's steps (120 at the full size, 24 in class) raise the share of
# *right* answers it samples? Which reward rises first?

# %%
from helpers.grpo import train_grpo

grpo = train_grpo(RL, INEQUALITIES, rl_rows, profile, RUN / RL.folder(), start=START)
print(f"GRPO: {grpo}")

# %% [markdown]
# ## 5 · Reading the curves: the reward is the signal
#
# GRPO's loss hovers around zero and says little. Each answer's advantage is its reward minus
# its group's mean, divided by the group's spread, so the advantages of a group sum to zero; at
# the start of each step the policy has not moved yet (one update per batch of samples), so the
# objective's value is about zero while its *gradient* is not. A flat loss is normal. Watch the
# rewards instead, and `frac_reward_zero_std`: the share of groups whose answers all scored the
# same, which teach nothing. `completions/clipped_ratio` is the share of answers cut off at
# `max_completion_length`: they are left out of the loss, so a run whose answers are all cut off
# learns nothing (sampling stops at `<|im_end|>`, where an answer ends: `helpers.grpo`).

# %%
from helpers.plots import plot_curves

plot_curves(
    grpo.history,
    {"correct": "rewards/correct/mean", "well formed": "rewards/well_formed/mean",
     "groups all alike": "frac_reward_zero_std", "answers cut off": "completions/clipped_ratio",
     "loss": "loss"},
    title="GRPO, step by step",
)  # fmt: skip

# %% [markdown]
# ## 6 · SFT with the same budget
#
# The budget unit is **training tokens**, counted the same way for both runs (`num_tokens`: the
# prompt and answer tokens that went through the model, padding not counted). From the same
# start, Model D's SFT recipe trains on the worked solutions of the same problems for as many
# optimizer steps as match GRPO's tokens. GRPO also spent compute *generating* its tokens,
# which SFT does not: per token, GRPO is the more expensive method, and the wall times below
# say by how much.

# %%
import math
from dataclasses import replace

from helpers.models import load_tokenizer

tokenizer = load_tokenizer(profile)
tokens = grpo.tokens
per_example = sum(  # one SFT example: the prompt and the worked solution
    INEQUALITIES.example_tokens(tokenizer, row["question"], row["solution"]) for row in rl_rows
) / len(rl_rows)
sft_steps = max(1, math.ceil(tokens / (MODEL_D.batch_size * MODEL_D.grad_accum * per_example)))
matched = replace(MODEL_D, name="SFT from Model D, matched tokens", train_size=len(rl_rows))
sft = train_experiment(
    matched,
    INEQUALITIES,
    rl_rows,
    profile,
    RUN / f"sft_matched_{RL.folder()}",
    start=START,
    max_steps=sft_steps,
)
print(f"GRPO: {grpo}\nSFT:  {sft}")

# %% [markdown]
# ## 7 · The comparison, on problems neither saw
#
# Three models, the same greedy evaluation: Model D (the start), GRPO and SFT, on `val_novel`
# (forms no training file has: no twin to recall) and the seed-faithful `val`. Paired McNemar
# tests compare them item by item. One load of each model answers both splits
# (`evaluate_splits`: the same results files as `evaluate_model`, one a split).

# %%
import pandas as pd

from helpers.evaluation import evaluate_splits
from helpers.statistics import mcnemar, summarise

models = {"Model D (start)": START, "GRPO": grpo.adapter_dir, "SFT, same tokens": sft.adapter_dir}
VALIDATION = {"val_novel": val_novel, "val": val}
records = {split: {} for split in VALIDATION}
for name, adapter in models.items():
    by_split = evaluate_splits(
        profile, INEQUALITIES, VALIDATION, RUN / "eval" / adapter.parent.name, SETTINGS,
        adapter_dir=adapter,
    )  # fmt: skip
    for split, recs in by_split.items():
        records[split][name] = recs
pd.DataFrame(
    {split: {name: str(summarise(recs)).split(" (")[0] for name, recs in group.items()}
     for split, group in records.items()}
)  # fmt: skip

# %%
for split, group in records.items():
    print(f"{split}: GRPO vs start  {mcnemar(group['GRPO'], group['Model D (start)'])}")
    print(f"{split}: GRPO vs SFT    {mcnemar(group['GRPO'], group['SFT, same tokens'])}")

# %%
from helpers.plots import plot_accuracy

plot_accuracy(
    {name: summarise(recs) for name, recs in records["val_novel"].items()},
    title=f"val_novel ({len(val_novel)} problems): accuracy with 95% intervals",
)

# %% [markdown]
# ## 8 · Test once
#
# The policy with the best `val_novel` accuracy is tested once, on `test_novel` and `test`,
# beside the start it came from.

# %%
chosen = max(models, key=lambda name: summarise(records["val_novel"][name]).accuracy)
TEST = {"test_novel": load_split("test_novel", 400)[: PLAN.eval_items],
        "test": load_split("test", 400)[: PLAN.eval_items]}  # fmt: skip
tested = {}
for name in dict.fromkeys([chosen, "Model D (start)"]):
    by_split = evaluate_splits(
        profile, INEQUALITIES, TEST, RUN / "eval" / models[name].parent.name, SETTINGS,
        adapter_dir=models[name],
    )  # fmt: skip
    for split, recs in by_split.items():
        tested[name, split] = recs
        print(f"{name:<16} {split:<10} {summarise(recs)}")

# %% [markdown]
# ## 9 · Ask your own question

# %%
from helpers.evaluation import ask
from helpers.inequalities import Inequality, count_solutions

mine = Inequality(a1=-3, b1=7, op=">=", a2=2, b2=-8, lo=-30, hi=30)
print(mine.question, "exact count:", count_solutions(mine))
answers = ask(profile, INEQUALITIES, mine.question, models, SETTINGS.max_new_tokens)
pd.DataFrame(answers).set_index("model")

# %% [markdown]
# ## 10 · Keep the result
#
# `EXPORT = True` (Colab) writes the chosen policy merged into 16-bit weights and as a GGUF file
# (`helpers/export.py`; several minutes, about 3 GB and 1 GB).

# %%
from helpers.export import export_model

EXPORT = False  # True (Colab): merged 16-bit weights and a GGUF file, in /content/export
if EXPORT and not profile.is_smoke:
    print(export_model(profile, models[chosen]))

# %% [markdown]
# ## What you should see on a T4
#
# The `correct` reward climbs slowly if at all, `well_formed` stays near 1 (Model D already
# boxes its answers), and the loss stays near zero. Whether GRPO beats SFT at the same tokens
# is what the McNemar tests of section 7 decide, on 400 problems at the full size: a difference
# of a few points is within noise (at the class size's 96, a difference of ten points can be).
# Whatever the result, it is the result.
#
# ## Exercises
# Each has a solution in the collapsed cell after it.
#
# 1. How many of GRPO's groups taught nothing (all answers equally rewarded)? Average
#    `frac_reward_zero_std` over the run's history.

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 1 (try it first)
shares = [log["frac_reward_zero_std"] for log in grpo.history if "frac_reward_zero_std" in log]
print(f"{sum(shares) / len(shares):.0%} of groups, averaged over {len(shares)} steps")

# %% [markdown]
# 2. Did GRPO change how long the answers are? Compare the mean tokens of Model D's and
#    GRPO's answers on `val_novel` (`summarise(...).mean_tokens`).

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 2 (try it first)
for name, recs in records["val_novel"].items():
    print(f"{name:<16} {summarise(recs).mean_tokens:.0f} tokens on average")
