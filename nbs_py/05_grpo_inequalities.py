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
# 2. configure and build TRL's `GRPOTrainer` yourself (Unsloth's rewrite of it, on a GPU and in
#    CI alike), every knob explained, and train from a policy that already answers in the right
#    form;
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
from helpers.notebook import solution, solutions_shown
from helpers.plans import choose, sizes_table
from helpers.plans.grpo import SIZES

SIZE = "full"  # "full": GRPO_RUN's sizes; "class": a 45-minute lab; "check": a runtime check
PLAN = choose(SIZES, SIZE, profile)
SHOW_SOLUTIONS = False  # True: the exercises' solution cells run (try each exercise first)
SHOW_SOLUTIONS = solutions_shown(SHOW_SOLUTIONS, PLAN)
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
# right and a wrong answer (section 5 measures it). (A short format-priming SFT of the base
# model would do the same job; Model D already exists.)
#
# Notebook 02 trains Model D at its `full` size, into its own run folder. On Colab each notebook
# runs in a runtime of its own, so that folder is found here only on Google Drive: set
# `USE_DRIVE = True` in the setup cell of **both** notebooks. Then `train_experiment` finds 02's
# finished run (same settings, same 2,000 problems) and reuses it ("reused" below); otherwise it
# trains Model D here (its cost is in the budget).

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
# ## 4 · The recipe, by hand: GRPOConfig and GRPOTrainer
#
# Every GRPO setting, where its value comes from (`GRPO_RUN` in `helpers/experiments.py` says
# more), at this notebook's size. The optimizer's knobs are Model D's, so that section 6's SFT
# run differs from this one in its method and learning rate only.

# %%
import torch
from trl import GRPOConfig

from helpers.runtime import supports_bf16

GRPO_DIR = RUN / RL.folder()
config = GRPOConfig(
    output_dir=str(GRPO_DIR),  # checkpoints: a disconnect loses at most save_steps steps
    max_steps=RL.max_steps,  # the budget: optimizer steps, each on new prompts (120 at full)
    num_generations=RL.num_generations,  # a group: answers per prompt (8), scored by its mean
    per_device_train_batch_size=RL.num_generations,  # one group a micro-batch (T4 memory)
    gradient_accumulation_steps=RL.prompts_per_step,  # groups a step (4): 32 answers at full
    max_completion_length=RL.max_completion_length,  # 256: twice Model D's worked solutions
    temperature=1.0,  # sample as trained: greedy answers would make a group all alike
    beta=0.0,  # no KL penalty: no reference model to run; the small learning rate stays close
    learning_rate=5e-6,  # Unsloth's GRPO notebooks with LoRA; SFT's 1e-4 would move D far
    lr_scheduler_type="linear",  # Model D's: linear decay ...
    warmup_steps=0.05,  # ... after 5% warmup (a share < 1)
    weight_decay=0.0,  # Model D's (Unsloth's config would fill in 0.001)
    mask_truncated_completions=True,  # an answer cut off is left out of the loss, not punished
    seed=3407,  # the order of the prompts and the sampling
    use_vllm=False,  # the trainer's own model samples (helpers/grpo.py's docstring says why)
    optim="adamw_torch",  # 32-bit AdamW, as every run of the course (Unsloth's: 8-bit)
    adam_beta1=0.9,  # AdamW's usual betas, epsilon and clipping, written out so no
    adam_beta2=0.999,  # library's default decides them
    adam_epsilon=1e-8,
    max_grad_norm=1.0,
    logging_steps=1,  # every step's rewards, for the curves
    save_strategy="steps",
    save_steps=20 if profile.is_smoke else 25,
    save_total_limit=2,  # keep two checkpoints: Colab's disk (and Drive) fill up
    report_to="none",  # no Weights & Biases account needed
    bf16=supports_bf16(),  # A100, L4, H100
    fp16=torch.cuda.is_available() and not supports_bf16(),  # a T4
    use_cpu=profile.is_smoke,
)

# %% [markdown]
# `helpers.grpo.grpo_config` builds the configuration the notebook trains with from `RL`. It is
# the one above, argument by argument (TRL's defaults included: `to_dict()` lists them all):

# %%
from helpers.grpo import grpo_config

mine, helper = config.to_dict(), grpo_config(RL, GRPO_DIR, profile).to_dict()
differ = {key: (mine[key], helper.get(key)) for key in mine if mine[key] != helper.get(key)}
assert not differ and mine.keys() == helper.keys(), differ
print(f"all {len(mine)} arguments equal grpo_config's")

# %% [markdown]
# The trainer: the policy (Model D's adapter copied into a trainable one, on the base model
# loaded as in notebook 02), section 2's two rewards (TRL logs each apart and trains on their
# sum), and the problems as evaluation asks them.

# %%
from trl import GRPOTrainer

from helpers.grpo import grpo_dataset, load_policy
from helpers.models import free_memory, stop_token_ids

model, tokenizer = load_policy(RL, profile, START)
model.generation_config.eos_token_id = stop_token_ids(tokenizer)  # stop at <|im_end|>, as eval
trainer = GRPOTrainer(
    model=model,
    reward_funcs=[correct, well_formed],  # 1 + 1 for a right, well-formed answer
    args=config,
    train_dataset=grpo_dataset(INEQUALITIES, rl_rows),  # prompt + the answer column rewards read
    processing_class=tokenizer,
)
print(type(trainer).__name__)  # Unsloth's rewrite of TRL's GRPOTrainer: on Colab and in CI alike
del model, trainer  # trained below by train_grpo: one GRPO run, not two
free_memory()

# %% [markdown]
# That is the whole recipe; `trainer.train()` would run it. GRPO is this notebook's costliest
# section, so it runs once, through `helpers.grpo.train_grpo`: the same configuration (checked
# above) and the same trainer, plus a clock that logs how long each step samples
# (`sampling_seconds`), a `run.json` saying what made the run, resuming from the last checkpoint
# after a disconnect, and reuse once finished. Building the trainer here cost one model load.
#
# The trainer's own model samples the answers. Unsloth can sample with vLLM instead, several
# times faster, but no run of this course has tested that path on a GPU yet.
#
# **Predict before you run.** Model D's validation accuracy is in the table of section 7 below
# (and in notebook 02). Will GRPO's steps (120 at the full size, 24 in class) raise the share of
# *right* answers it samples? Which reward rises first?

# %%

from helpers.grpo import train_grpo

grpo = train_grpo(RL, INEQUALITIES, rl_rows, profile, GRPO_DIR, start=START)
print(f"GRPO: {grpo}")

# %% [markdown]
# ## 5 · Reading the curves: the reward is the signal
#
# GRPO's loss hovers around zero and says little. Each answer's advantage is its reward minus
# its group's mean, divided by the group's spread, so the advantages of a group sum to zero; at
# the start of each step the policy has not moved yet (one update per batch of samples), so the
# objective's value is about zero while its *gradient* is not. A flat loss is normal. Watch the
# rewards instead, `groups_right_and_wrong` (below), and `frac_reward_zero_std`: the share of
# groups whose answers all scored the same (both rewards), which teach nothing.
# `completions/clipped_ratio` is the share of answers cut off at `max_completion_length`: they
# are left out of the loss, so a run whose answers are all cut off learns nothing (sampling
# stops at `<|im_end|>`, where an answer ends: `helpers.grpo`).

# %%
from helpers.plots import plot_curves

curves = plot_curves(
    grpo.history,
    {"correct": "rewards/correct/mean", "well formed": "rewards/well_formed/mean",
     "groups right and wrong": "groups_right_and_wrong",
     "groups all alike": "frac_reward_zero_std", "answers cut off": "completions/clipped_ratio",
     "loss": "loss"},
    title="GRPO, step by step",
)  # fmt: skip
for panel in curves.axes[:-1]:  # rewards and shares: on their whole range, 0 to 1
    panel.set_ylim(-0.05, 1.05)
curves

# %% [markdown]
# **Did most groups hold a right and a wrong answer?** Only those teach the `correct` reward.
# Each step the `correct` reward logs the share of its groups that did
# (`groups_right_and_wrong`, through TRL's `log_metric`). Compare it with what the step's
# accuracy `p` would give if every problem were equally hard for the policy: a group of `G`
# answers is all right with chance `p**G`, all wrong with `(1 - p)**G`, mixed otherwise.

# %%
G = RL.num_generations
mixed = [log["groups_right_and_wrong"] for log in grpo.history]
alike = [log["frac_reward_zero_std"] for log in grpo.history]
if_equal = [1 - p**G - (1 - p) ** G for p in (log["rewards/correct/mean"] for log in grpo.history)]
print(
    f"groups of {G} holding a right and a wrong answer: {sum(mixed) / len(mixed):.0%} "
    f"(steps from {min(mixed):.0%} to {max(mixed):.0%})"
)
print(f"  the same, were every problem equally hard:  {sum(if_equal) / len(if_equal):.0%}")
print(
    f"groups whose answers all scored alike (frac_reward_zero_std): {sum(alike) / len(alike):.0%}"
)

# %% [markdown]
# ## 6 · SFT with the same budget
#
# The budget unit is **training tokens**, counted the same way for both runs (`num_tokens`: the
# prompt and answer tokens that went through the model, padding not counted). From the same
# start, Model D's SFT recipe trains on the worked solutions of the same problems for as many
# optimizer steps as match GRPO's tokens. GRPO also spent compute *generating* its tokens,
# which SFT does not: per token, GRPO is the more expensive method, and the training times below
# say by how much (each trainer's own clock, model loads not counted; kept with the run, so a
# run reused from an earlier session has its time too).

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

# %%
from helpers.grpo import time_split

for name, run in (("GRPO", grpo), ("SFT", sft)):
    seconds = run.train_seconds
    took = "not recorded" if seconds is None else f"{seconds / 60:.1f} min ({seconds:,.0f} s)"
    steps = f"{run.steps} optimizer step{'s' * (run.steps != 1)}"
    print(f"{name:<4} {run.tokens:>9,} training tokens, {steps}, {took}")
if grpo.train_seconds and sft.train_seconds:
    ratio = grpo.train_seconds / sft.train_seconds
    print(f"GRPO trained {ratio:.1f} times as long as SFT on the same tokens")
sampling, learning = time_split(grpo.history)  # from the run's log: reused runs have it too
print(
    f"GRPO's steps: sampling {sampling:,.0f} s, learning {learning:,.0f} s "
    f"({sampling / (sampling + learning):.0%} of the time sampling)"
)

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
# ## 11 · What this run shows
#
# No report tried GRPO, so there are no published numbers to set beside yours: the comparison
# is this run's own. GRPO against SFT given the same training tokens, from the same start, on
# the same problems: accuracy with 95% intervals, the paired test, and what each run cost.

# %%
shown = {}
for name, run in (("Model D (start)", model_d), ("GRPO", grpo), ("SFT, same tokens", sft)):
    shown[name] = {split: str(summarise(group[name])).split(" (")[0]
                   for split, group in records.items()}  # fmt: skip
    shown[name]["training tokens"] = "–" if name.startswith("Model D") else f"{run.tokens:,}"
print(pd.DataFrame(shown).T.to_string())
for split, group in records.items():
    grpo_acc, sft_acc = (summarise(group[n]).accuracy for n in ("GRPO", "SFT, same tokens"))
    paired = mcnemar(group["GRPO"], group["SFT, same tokens"])
    verdict = "beyond noise" if paired.p_value < 0.05 else "within noise: no winner at this size"
    print(
        f"{split}: GRPO - SFT = {grpo_acc - sft_acc:+.3f} on {len(group['GRPO'])} problems, "
        f"McNemar p = {paired.p_value:.2g}, {verdict}"
    )
print(
    f"GRPO's groups holding a right and a wrong answer: {sum(mixed) / len(mixed):.0%}; "
    f"its steps spent {sampling / (sampling + learning):.0%} of their time sampling"
)

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
# Each has a solution in the collapsed cell after it: it runs when `SHOW_SOLUTIONS = True` (the
# sizes section).
#
# 1. **Group size, on paper.** A policy right with chance `p` on every problem: what share of
#    its groups of 4, and of 8, hold a right and a wrong answer, for `p` from 0.05 to 0.95?
#    Then take this run's own `p` (the mean of `rewards/correct/mean`). Graded: groups of 4 are
#    mixed less often than groups of 8 at every `p`, most at `p` far from 1/2; both are highest
#    at `p = 1/2`.

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 1 (try it first)
if solution(1, SHOW_SOLUTIONS):
    run_p = sum(log["rewards/correct/mean"] for log in grpo.history) / len(grpo.history)
    for p in (0.05, 0.25, 0.5, 0.75, 0.95, run_p):
        four, eight = (1 - p**g - (1 - p) ** g for g in (4, 8))
        label = "  (this run)" if p == run_p else ""
        print(f"p = {p:.2f}: groups of 4 mixed {four:.0%}, groups of 8 {eight:.0%}{label}")

# %% [markdown]
# 2. Did GRPO change how long the answers are? Compare the mean tokens of Model D's and
#    GRPO's answers on `val_novel` (`summarise(...).mean_tokens`). Graded: the three means,
#    and whether GRPO's moved away from Model D's (its answers may run to
#    `max_completion_length`, section 4).

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 2 (try it first)
if solution(2, SHOW_SOLUTIONS):
    for name, recs in records["val_novel"].items():
        print(f"{name:<16} {summarise(recs).mean_tokens:.0f} tokens on average")

# %% [markdown]
# 3. **Group size, in a run** (this one trains). Train GRPO again with groups of 4 and twice
#    the prompts a step, so a step samples as many answers as section 4's. Predict first with
#    exercise 1: will `groups_right_and_wrong` fall, and by about how much? Graded: your
#    prediction beside the measured share of both runs; expected, groups of 4 mixed less often.
#    On a T4 it costs about the budget table's two GRPO rows at your size (an estimate: the
#    same answers a step, sampled and learned from).

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 3 (try it first; it trains)
if solution(3, SHOW_SOLUTIONS):
    per_step = max(1, RL.prompts_per_step * RL.num_generations // 4)  # as many answers a step
    fours = replace(RL, num_generations=4, prompts_per_step=per_step,
                    prompts=RL.max_steps * per_step)  # fmt: skip
    rows_4 = train_2000[: fours.prompts]
    grpo_4 = train_grpo(fours, INEQUALITIES, rows_4, profile, RUN / fours.folder(), start=START)
    for size, run in ((G, grpo), (4, grpo_4)):
        shares = [log["groups_right_and_wrong"] for log in run.history]
        print(f"groups of {size}: {sum(shares) / len(shares):.0%} held a right and a wrong answer")
