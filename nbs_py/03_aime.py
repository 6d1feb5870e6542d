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
# 5. look at *how* answers fail: no answer, out of range, wrong;
# 6. ask whether a validation year could have been in the model's pretraining data.

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

profile, RUN = start_notebook("03_aime")

# %% [markdown]
# ## 0 · Sizes, and what they cost on a T4
#
# One knob sizes the whole notebook:
# - `"full"`: the report's sizes: all 890 training problems, two epochs at
#   `max_seq_length = 4096`, answers of up to 4,000 new tokens (4,096 positions less the longest
#   prompt: section 4), the 60 validation and 30 test problems. About 80 T4 minutes.
# - `"class"`: a lab of 45 T4 minutes or less: the same data, split and training, but answers
#   cut at 2,048 new tokens (in batches of 32), and a shorter answer to your own question. It
#   still shows everything this notebook teaches: the merge and the split, the sequence lengths,
#   baseline against tuned on the same problems with paired tests, the error types, validation
#   against test. What it cannot show is the report's setting: an answer that reasons past
#   2,048 tokens is cut off and counted as *truncated*, so the untuned model, which reasons at
#   length, scores lower than at the full size, and section 12 compares with the report at
#   another budget. No size narrows the intervals: n is 60 and 30 at every size, and 3/30
#   already reads as anything from 3% to 26% (section 8).
# - `"check"`: every cell with the smallest sizes that exercise it (16 training problems, 24 new
#   tokens an answer): a check that the course runs on your runtime. Its numbers mean nothing.
#   The smoke profile (CPU, CI) always runs this size.
#
# The budget is an **estimate** for a free Colab T4 at the chosen size, always on the hub's
# data (even in CI's smoke profile, whose fixtures say nothing about a T4): token counts measured
# once with the Qwen2.5 tokenizer (`helpers.plans.aime.HUB_TOKENS`), every assumption with its
# source in `helpers/plans/t4.py`. Generating long answers is the expensive part; each
# evaluation is an upper bound (every batch runs to the token limit), and the progress bars
# show your real rate. The exercises' solutions run only when you set `SHOW_SOLUTIONS = True`
# below (so that Run all shows no answer before you try), and the table counts them (a row of
# their own, and their model loads) only then. The check size runs every cell, the solutions
# too. The export of section 11 is off by default and not counted (Unsloth builds
# llama.cpp first: minutes more).

# %%
from helpers.notebook import solution, solutions_shown
from helpers.plans import choose, sizes_table
from helpers.plans.aime import SIZES

SIZE = "full"  # "full": the report's sizes; "class": a 45-minute lab; "check": a runtime check
PLAN = choose(SIZES, SIZE, profile)
SHOW_SOLUTIONS = False  # True: the exercises' solution cells run (try each exercise first)
SHOW_SOLUTIONS = solutions_shown(SHOW_SOLUTIONS, PLAN)
sizes_table(SIZES)

# %%
PLAN.budget(solutions=SHOW_SOLUTIONS)

# %% [markdown]
# ## 1 · Three sources, three formats
#
# On Colab the loaders read the hub. In the smoke profile they read small files we wrote in
# each source's exact format and quirks (CRLF CSV, empty `Part`, zero-padded answers, an
# "080 or 081" answer, problems that two sources share): invented problems, not copies.

# %%
from helpers.tasks.aime import FIXTURE, HUB_SOURCES, load_aime

sources = profile.pick(HUB_SOURCES, FIXTURE)
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
for problem in csv_problems:
    if len(problem.answers) > 1:
        print(f"{problem.id} accepts {' or '.join(map(str, sorted(problem.answers)))}")
print("\nThe CSV's first problem, as the loader made it:")
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
from helpers.tasks.aime_splits import aime_splits

splits = aime_splits(sources)
print(splits.report, "\n")
for name in ("train", "validation", "test"):
    problems = getattr(splits, name)
    years = sorted({p.year for p in problems})
    with_solution = sum(p.solution is not None for p in problems)
    print(f"{name:<10} {len(problems):>4} problems, years {years}, {with_solution} with solutions")

# %% [markdown]
# `aime_splits` also checks that no problem (by key or by normalised text) is in the data twice,
# whether in two splits or in one (the same 2025 file given as both parts, say).
#
# A training target is the worked solution, if there is one, ending with the line the report
# used (`The final answer is \boxed{N}`); a problem without a solution teaches only that line.
# But a "solution" from the AoPS wiki is the whole page: several solutions one after another,
# signed by their authors ("~username"), each boxing the answer. Trained on that, the model
# would learn to solve each problem several times and sign its work. So the target keeps the
# **first solution only**, without signatures, its box unwrapped, so that the one box left is the
# final line (`helpers.tasks.aime_solutions.clean_solution`):

# %%
from helpers.tasks.aime_solutions import clean_solution

solved = [p for p in splits.train if p.solution]
several = [p for p in solved if p.solution.count("\\boxed") > 1]  # several solutions, mostly
page = min(several, key=lambda p: len(p.target))  # the shortest such example
print(page.solution[: len(page.target) + 300], "[...]\n--- the target ---")
print(page.target, "\n--- a target without a solution ---")
print(next(p for p in splits.train if not p.solution).target)
kept = sum(len(clean_solution(p.solution)) for p in solved) / sum(len(p.solution) for p in solved)
print(
    f"\n{len(solved)} worked solutions ({len(several)} with several boxed answers): "
    f"their first solutions keep {kept:.0%} of the text"
)
assert all(p.target.count("\\boxed") == 1 for p in splits.train)  # one box: the final line

# %% [markdown]
# ## 3 · Will it fit on a T4?
#
# Worked solutions are long. We train with `max_seq_length = 4096` tokens (batch 2, gradient
# accumulation 4, 4-bit base, Unsloth's gradient checkpointing); longer examples are cut at the
# end. How long the examples with solutions are, cleaned and as whole wiki pages, and how many
# of all the training examples would be cut:

# %%
from helpers.experiments import AIME_RUN
from helpers.models import load_tokenizer
from helpers.plans.aime import HUB_TOKENS
from helpers.tasks.aime import AIME

tokenizer = load_tokenizer(profile)


def n_tokens(problem, target):
    chat = AIME.messages(problem.problem, answer=target)
    return len(tokenizer(tokenizer.apply_chat_template(chat, tokenize=False)).input_ids)


for name, target in (("cleaned", lambda p: p.target), ("whole pages", lambda p: p.solution)):
    sizes = [n_tokens(p, target(p)) for p in solved]
    cut = sum(n > AIME_RUN.max_seq_length for n in sizes)
    print(f"{name:<11}: mean {sum(sizes) / len(sizes):.0f}, longest {max(sizes)}, {cut} cut")
lengths = [n_tokens(p, p.target) for p in splits.train]
too_long = sum(n > AIME_RUN.max_seq_length for n in lengths)
print(
    f"all {len(lengths)} training examples: mean {sum(lengths) / len(lengths):.0f} tokens "
    f"(the budget assumed {HUB_TOKENS['train_mean']}, the hub's), longest {max(lengths)}, "
    f"{too_long} cut at max_seq_length {AIME_RUN.max_seq_length}"
)

# %% [markdown]
# ## 4 · Baseline on validation
#
# The report let the model write up to 4,000 tokens, because it was often cut off before
# answering. But Qwen2.5-Math-1.5B has only 4,096 positions (`max_position_embeddings`), and
# prompt plus answer must fit in them: asked for more, Unsloth stretches the model's rotary
# position embeddings (linear RoPE scaling) to cover the longer length. It says so in a warning
# among the loading messages, which presents the stretch as an extension ("it can be magically
# be extended to ..."), and loads anyway: every score would be of a distorted model, not the one
# that was trained. **Our deviation from the report:** we allow
# 4,096 − (longest prompt) new tokens, a little under its 4,000 (at the full size: `class`
# stops at 2,048), and the loader refuses any `max_seq_length` beyond the model's positions.
# A model that is cut off has no boxed answer: we count that separately as *truncated*. The
# AIME task (`helpers.tasks.AIME`) counts an answer right when it is any accepted answer, and
# a readable answer outside 0–999 as *out_of_range*. Results are appended batch by batch, so a
# disconnect loses nothing, to a file keyed by the model, prompt and budget, so a changed
# setting never reads old results.

# %%
from helpers.checkpoints import model_positions
from helpers.evaluation import EvalSettings, evaluate_model, generation_budget
from helpers.models import model_source
from helpers.statistics import summarise

validation = [p.row() for p in splits.validation]
test = [p.row() for p in splits.test]
POSITIONS = model_positions(model_source(profile))  # 4,096 for Qwen2.5-Math-1.5B
prompts = [AIME.prompt(tokenizer, row["question"]) for row in validation + test]
MAX_NEW_TOKENS, longest_prompt = generation_budget(
    tokenizer, prompts, wanted=PLAN.max_new_tokens, positions=POSITIONS
)
print(f"{POSITIONS} positions, longest prompt {longest_prompt} tokens -> {MAX_NEW_TOKENS=}")
SETTINGS = EvalSettings(
    max_new_tokens=MAX_NEW_TOKENS,
    batch_size=PLAN.eval_batch,
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
train_rows = [p.row() for p in splits.train][: PLAN.train_problems]
folder = RUN / AIME_RUN.folder(len(train_rows))  # a size's run beside another size's
result = train_experiment(AIME_RUN, AIME, train_rows, profile, folder)
print(f"{AIME_RUN.name}: {result}; {peak_gpu_memory()}")

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
from helpers.statistics import wilson_interval

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
from helpers.statistics import mcnemar

for split, group in (("validation", records), ("test", test_records)):
    print(f"tuned vs baseline, {split}: {mcnemar(group['AIME r=64'], group['baseline'])}")

# %% [markdown]
# ### Why the negative result is plausible
# - Only 90 of the 890 training problems carry reasoning (the report's counts; section 2 prints
#   yours); the other 800 teach the model to print a final line without any work, which can
#   *hurt* a model that solves problems by reasoning.
# - The base model was already trained on a vast amount of competition mathematics (next
#   section); 890 problems add little knowledge, and LoRA at this scale mostly changes style and
#   format.
# - A 1.5B model's ceiling on AIME is low; the report's Part I task sits well inside its reach.
#
# ## 9 · Why 2020–21 looks easier than 2025
#
# The report's untuned model solved 14/60 validation problems (2020–21) but 3/30 test problems
# (2025), and the report read this as "the validation set problems are easier for the model to
# solve". There is a second explanation: **the model may have seen the older problems.**
#
# What Qwen says about the data behind `Qwen2.5-Math-1.5B` (the base model we tune):
# - its technical report ([arXiv 2409.12122](https://arxiv.org/abs/2409.12122), abstract):
#   "During the pre-training phase, Qwen2-Math-Instruct is utilized to generate large-scale,
#   high-quality mathematical data";
# - the release post ([Qwen2.5-Math, September 2024](https://qwenlm.github.io/blog/qwen2.5-math/)):
#   the pre-training corpus, *Qwen Math Corpus v2*, aggregates "high-quality mathematical data
#   [...] from web sources, books, and codes across multiple recall cycles", over 1T tokens; and
#   on decontamination, "For pre-training data, we filter potentially contaminated samples
#   against datasets such as GSM8K and MATH." AIME 24 and AMC 23 are filtered only from the
#   *post*-training data (SFT, reward model, RL), which shapes the Instruct models, not the base.
#
# So the pre-training data was not filtered against AIME 2020–21, whose problems and worked
# solutions had been on the public web (the AoPS wiki among them) for years before the model's
# release in September 2024: very likely some of them were in its pre-training data. AIME 2025
# was sat in February 2025, after the release: it cannot have been. We cannot check which
# problems the model saw, so read the validation score as *reasoning plus possible recall*, and
# the test score as reasoning alone. Two consequences: validation overstates what the model does
# on new problems (and picking a checkpoint by it rewards recall), and the training years
# (1983–2019, 2022–24) are probably not new to the model either.
#
# First, are the two baselines even different? Both with their 95% intervals:

# %%
from helpers.plans.aime import HUB_SIZES
from helpers.statistics import wilson_interval

report = AIME_RUN.reported
baselines = {  # the report's share and its n
    "validation 2020-21": (report["baseline_val_accuracy"], HUB_SIZES["validation"]),
    "test 2025": (report["baseline_test_accuracy"], HUB_SIZES["test"]),
}
intervals = []
for name, (share, n) in baselines.items():
    correct = round(share * n)
    intervals.append(wilson_interval(correct, n))
    low, high = intervals[-1]
    print(f"report's baseline, {name:<18}: {correct}/{n}, 95% interval [{low:.3f}, {high:.3f}]")
(val_low, val_high), (test_low, test_high) = intervals
overlap = val_low <= test_high and test_low <= val_high
print("the two intervals", "overlap" if overlap else "do not overlap")
assert overlap  # the report's numbers, fixed: the paragraph below reads this result
print(f"yours, validation: {summarise(records['baseline'])}")
print(f"yours, test:       {summarise(test_records['baseline'])}")

# %% [markdown]
# Overlapping intervals do not prove the two years equally hard, but they say that 60 and 30
# problems cannot separate "easier", "seen before" and "chance". What they do not change: only
# the 2025 score measures the model on problems it cannot have seen.
#
# ## 10 · Ask your own question
#
# Write an AIME-style problem of your own in `QUESTION` (invented: a published problem may be in
# the pretraining data, as section 9 explains) and compare the untuned and the tuned model.
# Nothing is saved; this is for looking, not scoring. The table cuts long responses: print
# `answers[1]["response"]` to read one whole.

# %%
from helpers.evaluation import ask

QUESTION = (  # edit me; this one is invented, its answer is 066
    "Find the number of positive integers $n \\le 100$ such that $n^2 + n$ is divisible by $6$."
)
adapters = {"base": None, "AIME r=64": result.adapter_dir}
answers = ask(profile, AIME, QUESTION, adapters, max_new_tokens=PLAN.ask_tokens)
pd.DataFrame(answers)

# %% [markdown]
# ## 11 · Save the tuned model
#
# The adapter in the run folder needs its base model and PEFT to run. To use the tuned model
# elsewhere, export it (`helpers.export.export_model`): the base merged with the adapter as one
# ordinary 16-bit checkpoint (~3 GB; transformers, vLLM or TGI load it), and a GGUF file
# quantised to q4_k_m (~1 GB; llama.cpp, Ollama or LM Studio run it on a laptop). For the GGUF,
# Unsloth first downloads and builds llama.cpp, which takes several minutes. Off by default.

# %%
from helpers.export import export_model

EXPORT = False  # True (Colab): merged 16-bit weights and a GGUF file, in /content/export
if EXPORT and not profile.is_smoke:
    print(export_model(profile, result.adapter_dir))

# %% [markdown]
# ## 12 · The report's numbers and yours
#
# Every number Part II reports, next to yours, each with its 95% interval at its own n (the
# report's 60 and 30). Differences within overlapping intervals are not differences. The note
# says where our setting is not the report's.

# %%
from helpers.report import Reported, seed_vs_yours


def measured(recs):
    """(successes, n) of a set of records, for the table."""
    return summarise(recs).correct, len(recs)


ours = f"our budget {MAX_NEW_TOKENS} new tokens, its 4,000 (section 4 says why)"
tuned = f"{ours}; trained on cleaned first solutions"
val, test_n = HUB_SIZES["validation"], HUB_SIZES["test"]
rows = [
    (Reported("baseline, validation", report["baseline_val_accuracy"], val, note=ours),
     measured(records["baseline"])),
    (Reported("baseline, test", report["baseline_test_accuracy"], test_n, note=ours),
     measured(test_records["baseline"])),
    (Reported("tuned r=64, validation", report["val_accuracy"], val, note=tuned),
     measured(records["AIME r=64"])),
    (Reported("tuned r=64, test", report["test_accuracy"], test_n, note=tuned),
     measured(test_records["AIME r=64"])),
]  # fmt: skip
seed_vs_yours(rows)

# %% [markdown]
# And the counts of section 2, the report's (its "Data Selection" section) beside yours:

# %%
REPORTED_COUNTS = {"problems after merging": 980, "train": 890, "validation": 60, "test": 30}
yours = {"problems after merging": splits.report.total, **splits.counts()}
pd.DataFrame({"report": REPORTED_COUNTS, "yours": yours})

# %% [markdown]
# ## What you should see on a T4
# Long generations dominate the time, as the budget table at the top estimates: the baseline on
# 60 + 30 problems at up to `MAX_NEW_TOKENS` tokens each is the slowest part, training is
# shorter. The progress bars tell you the rate. Expect low accuracies with wide intervals,
# probably a validation score above the test score (section 9), and compare the error types
# before and after tuning. At the class size more answers end *truncated* (at 2,048 tokens),
# the untuned model's most: compare that row of section 7 before reading any accuracy.
#
# ## Exercises
# Each has a solution in the hidden cell below it: try first, then expand it. A solution cell
# runs only when `SHOW_SOLUTIONS = True` (section 0; run that cell again, then the solution's).
#
# 1. Train on the problems with worked solutions only (the report tried this too, with the 90
#    problems of 2022–2024; its validation accuracy was still below the baseline). Does the
#    *format* error count change? A right answer: the error table with a "solutions only"
#    column beside the baseline and the r=64 model, and whether its *format* count differs by
#    more than the noise (McNemar against the baseline, as in section 8).
#    **Cost** (estimates, from `helpers/plans/aime.py`; the "exercise solutions" row of the
#    budget table counts exercises 1 and 2 together): about 14 T4 minutes at `full` and 5 at
#    `class` (2 of them training on the 90 problems, the rest answering the 60 validation
#    problems), under a minute at `check`.

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 1 (try it first)
if solution(1, SHOW_SOLUTIONS):
    from dataclasses import replace

    from IPython.display import display

    solved_rows = [p.row() for p in splits.train if p.solution][: PLAN.solved_problems]
    SOLUTIONS_ONLY = replace(AIME_RUN, name="AIME r=64 solutions only", train_size=len(solved_rows))
    folder = RUN / SOLUTIONS_ONLY.folder(len(solved_rows))
    only = train_experiment(SOLUTIONS_ONLY, AIME, solved_rows, profile, folder)
    only_records = evaluate_model(
        profile,
        AIME,
        validation,
        EVAL / "solutions_only.val",
        SETTINGS,
        adapter_dir=only.adapter_dir,
    )
    compared = {**records, "solutions only": only_records}
    errors = {name: summarise(recs).errors for name, recs in compared.items()}
    display(pd.DataFrame(errors, index=list(AIME.error_types)).fillna(0).astype(int))
    print(f"solutions only vs baseline, validation: {mcnemar(only_records, records['baseline'])}")
    # Fewer *format* errors after tuning mean the model learned the final line. The report's
    # validation accuracy fell below the baseline either way; on 60 problems, a few errors more
    # or less is within the noise, which the McNemar line says.

# %% [markdown]
# 2. The report chose not to tell the model the range of the answers (it wrote 1 to 999; AIME
#    answers run from 000 to 999), hoping training would teach it. Add "The answer is an
#    integer from 0 to 999." to the system prompt (`AIME.with_prompt(system=...)` in place of
#    `AIME` in `evaluate_model`) and count *out_of_range* answers of the untuned model before
#    and after. The new prompt gets its own results file. A right answer: the two
#    *out_of_range* counts on the same 60 validation problems, and a McNemar comparison of the
#    two prompts' accuracy. **Cost** (estimates, as above): one pass over the validation
#    problems, about 12 T4 minutes at `full`, 3 at `class`.

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 2 (try it first)
if solution(2, SHOW_SOLUTIONS):
    RANGE_TASK = AIME.with_prompt(system=f"{AIME.system} The answer is an integer from 0 to 999.")
    told = evaluate_model(profile, RANGE_TASK, validation, EVAL / "baseline_range.val", SETTINGS)
    for name, recs in {"as the report asked": records["baseline"], "told the range": told}.items():
        summary = summarise(recs)
        print(f"{name:<20} out_of_range {summary.errors.get('out_of_range', 0)}, {summary}")
    print(f"told vs not told: {mcnemar(told, records['baseline'])}")
    # The sentence costs nothing to add; whether it removes out-of-range answers, and whether it
    # changes accuracy, is what these lines compare, on the same problems.

# %% [markdown]
# 3. Build a paired table for the test set: for each problem, baseline right or wrong against
#    tuned right or wrong. How many problems flipped each way, and is that evidence of a change?
#    A right answer: a 2 × 2 table whose four cells add up to the number of test problems, the
#    two off-diagonal counts (the flips), and the exact McNemar p of section 8 read from them.
#    No GPU: it reads section 6's results.

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 3 (try it first)
if solution(3, SHOW_SOLUTIONS):
    from IPython.display import display

    flips = pd.crosstab(
        pd.Series([r["correct"] for r in test_records["baseline"]], name="baseline correct"),
        pd.Series([r["correct"] for r in test_records["AIME r=64"]], name="tuned correct"),
    )
    assert int(flips.to_numpy().sum()) == len(test)
    display(flips)
    print(
        f"tuned vs baseline, test: {mcnemar(test_records['AIME r=64'], test_records['baseline'])}"
    )
    # The off-diagonal cells are the flips, and only they carry evidence: the exact McNemar test
    # counts exactly these two cells, and its p says how surprising such a split would be if the
    # two models were equally good.

# %% [markdown]
# 4. Check the merge and the split of section 2 yourself. (a) Count each split's problems by
#    the source each was kept from (`problem.source`): which sources do validation and test
#    come from? (b) A split by year only keeps test problems out of training if no problem
#    sits in the data twice under another label. Check that no validation or test problem's
#    text appears among the training texts after `helpers.tasks.aime_splits.normalise`
#    (whitespace collapsed, lower case), then make sure your check can fail: add a relabelled,
#    re-spaced copy of a test problem to the training problems and run it again. A right
#    answer: a table whose columns add up to section 2's counts (890 / 60 / 30 on the hub's
#    data), no shared text, and the planted copy found. No GPU: seconds.

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 4 (try it first)
if solution(4, SHOW_SOLUTIONS):
    from collections import Counter
    from dataclasses import replace

    from IPython.display import display

    from helpers.tasks.aime_splits import normalise

    kept_from = {name: Counter(p.source for p in getattr(splits, name)) for name in splits.counts()}
    by_source = pd.DataFrame(kept_from).fillna(0).astype(int)  # a row a source, a column a split
    assert by_source.sum().to_dict() == splits.counts()
    display(by_source)

    def found_in(train, others):
        """The ids of ``others`` whose normalised text is a training problem's."""
        texts = {normalise(p.problem) for p in train}
        return [p.id for p in others if normalise(p.problem) in texts]

    held_out = splits.validation + splits.test
    print("validation or test problems in train:", found_in(splits.train, held_out) or "none")
    copy = replace(splits.test[0], year=2019, problem=f"  {splits.test[0].problem.upper()} ")
    print("with a relabelled copy planted:", found_in([*splits.train, copy], held_out))
    # Validation comes from the CSV alone (2020-21), test from the 2025 files alone: the other
    # sources have no problem of those years. aime_splits runs the same text check (and one on
    # year, part and number) every time it splits, and stops on a shared problem
    # (check_disjoint).
