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
# # 03 · AIME: the same recipe on much harder problems
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/math-sft-course/unsloth-math-course/blob/main/notebooks/03_aime.ipynb)
#
# Part II of Andrew Ely's report applies the recipe of notebook 02 to competition problems from
# the American Invitational Mathematics Examination (AIME): every answer an integer 0–999.
#
# **The report's numbers** (quoted as the report's): 980 problems from three sources, split
# 890 / 60 / 30; untuned baseline 14/60 on validation (2020–21) and 3/30 = 10% on test (AIME
# 2025); after LoRA SFT 0.15 on validation and 0.10 on test. A negative result, reported
# honestly: fine-tuning on 890 problems did not help.
#
# **You will learn to**
# 1. merge data sets of different formats into one schema, and report what was dropped;
# 2. split by time when a random split would leak, and check that no problem is in two splits;
# 3. size sequences and memory for long worked solutions on a T4;
# 4. read accuracy on 30 items with its interval, and not over-read it;
# 5. look at *how* answers fail: no answer, out of range, wrong.

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

profile, RUN = start_notebook("03_aime")

# %% [markdown]
# ## 1 · Three sources, three formats
#
# On Colab the loaders read the hub. In the smoke profile they read small files we wrote in
# each source's exact format and quirks (CRLF CSV, empty `Part`, zero-padded answers, an
# "080 or 081" answer, problems that two sources share): invented problems, not copies.

# %%
from helpers.aime import FIXTURE_SOURCES, HUB_SOURCES, load_aime

sources = profile.pick(HUB_SOURCES, FIXTURE_SOURCES)
collections = {
    "1983-2024 (CSV, answers only)": load_aime(sources["aime_1983_2024"], "aime_1983_2024"),
    "2022-2024 (AIMO, with solutions)": load_aime(sources["aimo_validation"], "aimo_validation"),
}
for part, source in sources["aime_2025"].items():
    collections[f"2025 part {part}"] = load_aime(source, "aime_2025", part)
for name, problems in collections.items():
    years = sorted({p.year for p in problems})
    print(f"{name:<34} {len(problems):>4} problems, years {years[0]}-{years[-1]}")

# %% [markdown]
# Quirks the loaders handle: `Part` is empty before 2000 (one exam a year), answers arrive as
# strings such as `"033"`, and one 2022 problem accepted two answers. Every answer becomes a
# *set* of accepted integers:

# %%
csv_problems = collections["1983-2024 (CSV, answers only)"]
multi = [p for p in csv_problems if len(p.answers) > 1]
print([(p.id, sorted(p.answers)) for p in multi])
print(csv_problems[0])

# %% [markdown]
# ## 2 · Merge, then split by year
#
# Problems that appear in two sources are the same problem: we keep one per (year, part,
# number), the one with a worked solution, with every accepted answer. Then the report's rule:
# **train** = 1983–2019 and 2022–2024 (the only years with solutions), **validation** =
# 2020–2021, **test** = 2025. Training problems are shuffled (seeded) so the ones with
# solutions are spread through training rather than bunched at the end.

# %%
from helpers.aime import aime_splits

splits = aime_splits(sources)
print(splits.report, "\n")
for name in ("train", "validation", "test"):
    problems = getattr(splits, name)
    years = sorted({p.year for p in problems})
    with_solution = sum(p.solution is not None for p in problems)
    print(f"{name:<10} {len(problems):>4} problems, years {years}, {with_solution} with solutions")

# %% [markdown]
# `aime_splits` also checks that no problem (by key or by normalised text) is in the data twice,
# whether in two splits or in one (the same 2025 file given as both parts, say). A
# training target is the solution, if there is one, ending with the line the report used; a
# problem without a solution teaches only that line:

# %%
with_solution = next(p for p in splits.train if p.solution)
print(with_solution.target[-300:], "\n---")
print(next(p for p in splits.train if not p.solution).target)

# %% [markdown]
# ## 3 · Will it fit on a T4?
#
# Worked solutions are long. We train with `max_seq_length = 4096` tokens (batch 2, gradient
# accumulation 4, 4-bit base, Unsloth's gradient checkpointing); longer examples are cut at the
# end. How many are affected:

# %%
from helpers.experiments import AIME_RUN
from helpers.models import load_tokenizer
from helpers.tasks import AIME

tokenizer = load_tokenizer(profile)
lengths = []
for problem in splits.train:
    chat = AIME.messages(problem.problem, answer=problem.target)
    text = tokenizer.apply_chat_template(chat, tokenize=False)
    lengths.append(len(tokenizer(text).input_ids))
too_long = sum(n > AIME_RUN.max_seq_length for n in lengths)
print(
    f"max_seq_length {AIME_RUN.max_seq_length}: longest example {max(lengths)} tokens, "
    f"{too_long} of {len(lengths)} cut"
)

# %% [markdown]
# ## 4 · Baseline on validation
#
# The report let the model write up to 4,000 tokens, because it was often cut off before
# answering. But Qwen2.5-Math-1.5B has only 4,096 positions (`max_position_embeddings`), and
# prompt plus answer must fit in them: asked for more, Unsloth silently stretches the model's
# rotary position embeddings (linear RoPE scaling), so every score would be of a distorted
# model, and not the one that was trained. **Our deviation from the report:** we allow
# 4,096 − (longest prompt) new tokens, a little under its 4,000, and the loader refuses any
# `max_seq_length` beyond the model's positions. A model that is cut off has no boxed answer:
# we count that separately as *truncated*. The AIME task (`helpers.tasks.AIME`) counts an
# answer right when it is any accepted answer, and a readable answer outside 0–999 as
# *out_of_range*. Results are appended batch by batch, so a disconnect loses nothing, to a
# file keyed by the model, prompt and budget, so a changed setting never reads old results.

# %%
from helpers.evaluation import EvalSettings, evaluate_model, generation_budget, summarise
from helpers.models import model_positions, model_source

validation = [p.row() for p in splits.validation]
test = [p.row() for p in splits.test]
POSITIONS = model_positions(model_source(profile))  # 4,096 for Qwen2.5-Math-1.5B
prompts = [AIME.prompt(tokenizer, row["question"]) for row in validation + test]
MAX_NEW_TOKENS, longest_prompt = generation_budget(
    tokenizer, prompts, wanted=profile.n(4000, smoke=24), positions=POSITIONS
)
print(f"{POSITIONS} positions, longest prompt {longest_prompt} tokens -> {MAX_NEW_TOKENS=}")
SETTINGS = EvalSettings(
    max_new_tokens=MAX_NEW_TOKENS,
    batch_size=profile.n(16, smoke=4),
    max_seq_length=POSITIONS,  # never more: see above
)
EVAL = RUN / "eval"
records = {"baseline": evaluate_model(profile, AIME, validation, EVAL / "baseline.val", SETTINGS)}
print("baseline validation:", summarise(records["baseline"]))

# %% [markdown]
# ## 5 · Fine-tune: r = 64, two epochs
#
# The report's settings: LoRA r=64, alpha=128, batch 2 × 4, lr 2e-4 with linear warmup and
# decay, 2 epochs over the training problems. Checkpoints go to the run folder; a rerun resumes.

# %%
from helpers.experiments import format_table
from helpers.runtime import peak_gpu_memory
from helpers.training import train_experiment

print(format_table([AIME_RUN.table_row()]))
train_rows = [p.row() for p in splits.train]
result = train_experiment(AIME_RUN, AIME, train_rows, profile, RUN / AIME_RUN.slug)
print(f"final loss {result.final_loss:.3f} after {result.steps} steps; {peak_gpu_memory()}")

# %%
records["AIME r=64"] = evaluate_model(
    profile, AIME, validation, EVAL / "aime_r64.val", SETTINGS, adapter_dir=result.adapter_dir
)
for name, recs in records.items():
    print(f"{name:<10} validation: {summarise(recs)}")

# %% [markdown]
# ## 6 · Test once
#
# Whatever validation said, the report's question is the 2025 exam: we evaluate the untuned
# and the tuned model on it once.

# %%
test_records = {
    "baseline": evaluate_model(profile, AIME, test, EVAL / "baseline.test", SETTINGS),
    "AIME r=64": evaluate_model(
        profile, AIME, test, EVAL / "aime_r64.test", SETTINGS, adapter_dir=result.adapter_dir
    ),
}
for name, recs in test_records.items():
    print(f"{name:<10} test: {summarise(recs)}")

# %% [markdown]
# ## 7 · How the answers fail
#
# AIME answers are integers 0–999. The report saw answers such as `316,234,143,255` and `-1665`:
# a model that has not absorbed the format. Below, every answer on validation and test that is
# not right gets its AIME error type: no answer (*format*, or *truncated* by the token limit),
# an answer outside 0–999 (*out_of_range*: never an AIME answer), or a *wrong* one in range.

# %%
import pandas as pd

all_records = {
    f"{name} ({split})": recs
    for split, group in (("val", records), ("test", test_records))
    for name, recs in group.items()
}
errors = {name: summarise(recs).errors for name, recs in all_records.items()}
pd.DataFrame(errors, index=list(AIME.error_types)).fillna(0).astype(int)

# %%
from helpers.plots import plot_error_types

plot_error_types({name: summarise(recs) for name, recs in all_records.items()})

# %% [markdown]
# ## 8 · What 30 items can tell you
#
# The report's test result was 3/30 before and 3/30 after. Its 95% interval:

# %%
from helpers.evaluation import wilson_interval

for correct in (3, 5, 8):
    low, high = wilson_interval(correct, 30)
    print(f"{correct}/30 = {correct / 30:.2f}: 95% interval [{low:.2f}, {high:.2f}]")
low3, high3 = wilson_interval(3, 30)
assert low3 < 5 / 30 < high3  # 5/30 lies inside the interval of 3/30

# %% [markdown]
# On 30 problems the interval around 10% runs from a few percent to about a quarter. "10% → 10%"
# means *no detectable change*, not "exactly no change"; and a tuned model scoring 5/30 would not
# have been evidence of improvement either. To detect a gain of a few points you need hundreds
# of problems (the 60 validation problems help only a little), or a paired comparison on the
# same problems (which problems flipped from wrong to right, and back). The exact McNemar test
# does that comparison: it counts only the problems one model solved and the other did not.

# %%
from helpers.evaluation import mcnemar

for split, group in (("validation", records), ("test", test_records)):
    print(f"tuned vs baseline, {split}: {mcnemar(group['AIME r=64'], group['baseline'])}")
#
# ## Why the negative result is plausible
# - Only 90 of 890 training problems carry reasoning; 800 teach the model to print a final line
#   without any work, which can *hurt* a model that solves problems by reasoning.
# - The base model was already trained on a vast amount of competition mathematics; 890
#   problems add little knowledge, and LoRA at this scale mostly changes style and format.
# - A 1.5B model's ceiling on AIME is low; the report's Part I task sits well inside its reach.
#
# ## What you should see on a T4
# Long generations dominate the time: the baseline on 60 + 30 problems at up to
# `MAX_NEW_TOKENS` tokens each is the slowest part, training is shorter. The progress bars tell
# you the rate. Expect low accuracies with wide intervals, and compare the error types before
# and after tuning.
#
# ## Exercises
# 1. Train on the 90 problems with solutions only (the report tried this too). Does the
#    *format* error count change?
# 2. Add "The answer is an integer from 0 to 999." to the system prompt
#    (`AIME.with_prompt(system=...)` in place of `AIME` in `evaluate_model`) and count
#    `outside 0-999` answers before and after. The new prompt gets its own results file.
# 3. Build a paired table: for each test problem, baseline right/wrong vs tuned right/wrong.
#    How many problems flipped each way? The cell below starts it.

# %%
flips = pd.crosstab(
    pd.Series([r["correct"] for r in test_records["baseline"]], name="baseline correct"),
    pd.Series([r["correct"] for r in test_records["AIME r=64"]], name="tuned correct"),
)
assert int(flips.to_numpy().sum()) == len(test)
flips
