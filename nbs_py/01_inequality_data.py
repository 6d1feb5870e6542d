# ---
# jupyter:
#   colab:
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
# # 01 · Inequality data: problems with exact answers
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/math-sft-course/unsloth-math-course/blob/main/notebooks/01_inequality_data.ipynb)
#
# Part I of the report we reproduce (Andrew Ely, *Fine Tuning An LLM*) fine-tunes
# `Qwen2.5-Math-1.5B` on one narrow task:
#
# > For how many integers $x$ in the range $[-50, 50]$ is the inequality $5x - 10 < -4x - 2$
# > satisfied?
#
# Before any training we need data we can trust. Here we build the generator, prove every
# answer three ways, look at what the answers look like, and write the splits that notebook 02
# trains on.
#
# **You will learn to**
# 1. generate a synthetic math task whose answers are exact by construction;
# 2. check a closed-form answer against brute force and against sympy;
# 3. write worked solutions a model can imitate, ending in `\boxed{N}`;
# 4. build deduplicated, seeded train / validation / test splits;
# 5. read an answer histogram and compute the *constant-answer baseline* that every accuracy
#    number in this course must beat;
# 6. find *twins*, the same problem after one line of algebra, between training and test, and
#    measure what answering from a lookup table of training answers scores.
#
# **Budget.** This notebook needs no GPU: nothing in it trains or generates, every cell runs on
# the CPU, and nothing is downloaded. It asks Colab for a CPU runtime (section 0 prices it).

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

profile, RUN = start_notebook("01_inequality_data", needs_gpu=False)

# %% [markdown]
# ## 0 · Sizes, and what it costs
#
# Every notebook of the course has one knob, `SIZE`: `"full"` (the report's sizes), `"class"` (a
# lab of 45 T4 minutes or less) and `"check"` (every cell with the smallest sizes: a runtime
# check whose numbers mean nothing; CI's smoke profile always runs it). Here only one step is
# sized: how many problems section 3 checks three ways, sympy being the slow one.
# - `"full"`: 600 problems of each settings (`HARD`, `FAITHFUL`), a minute or two of CPU.
# - `"class"`: the same. This notebook needs no GPU and costs no T4 minutes, so a lab loses
#   nothing by running all of it: the class size shows everything the full size shows.
# - `"check"`: 120 of each, in seconds.
#
# The splits, the histograms and the twins are the same at every size: they are the data that
# notebooks 02 and 05 train and evaluate on. The CPU minutes below are estimates (measured on a
# 2-core cloud CPU; `helpers/plans/inequality_data.py`). `SHOW_SOLUTIONS` decides whether the
# exercises' solution cells at the end run: off, so that Run all shows you no answer before you
# try; the check size runs every cell, so it turns them on.

# %%
from helpers.notebook import solution, solutions_shown
from helpers.plans import choose, sizes_table
from helpers.plans.inequality_data import SIZES

SIZE = "full"  # "full": the report's sizes; "class": a 45-minute lab; "check": a runtime check
PLAN = choose(SIZES, SIZE, profile)
SHOW_SOLUTIONS = False  # True: the exercises' solution cells run (try each exercise first)
SHOW_SOLUTIONS = solutions_shown(SHOW_SOLUTIONS, PLAN)
sizes_table(SIZES)

# %%
PLAN.budget()

# %% [markdown]
# ## 1 · The problem, by brute force
#
# A problem is two linear functions $f_1(x) = a_1x + b_1$ and $f_2(x) = a_2x + b_2$, an operator
# in $\{<, \le, >, \ge\}$ and a range $[lo, hi]$. The obviously correct way to count is to try
# every integer:

# %%
import operator

COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def count_by_trying(a1, b1, op, a2, b2, lo, hi):
    return sum(COMPARE[op](a1 * x + b1, a2 * x + b2) for x in range(lo, hi + 1))


count_by_trying(5, -10, "<", -4, -2, -50, 50)  # the report's example: its answer is 51

# %% [markdown]
# That is `helpers.inequalities.count_by_enumeration`. It is slow for wide ranges, so the
# generator uses a **closed form**: move terms to get $Ax \;\mathrm{op}\; B$ with
# $A = a_1 - a_2$, $B = b_2 - b_1$; divide by $A$ (flipping the operator when $A < 0$); round
# the bound $B/A$ to the first admissible integer; intersect with $[lo, hi]$. With
# `fractions.Fraction` the rounding is exact, never a float. When $A = 0$ the $x$ terms cancel
# and the inequality holds for every $x$ or for none.
#
# The same steps, written out, are the **worked solution** stored with every problem:

# %%
from helpers.inequalities import Inequality, solve, worked_solution

example = Inequality(a1=5, b1=-10, op="<", a2=-4, b2=-2, lo=-50, hi=50)
print(example.question, "\n")
print(worked_solution(example), "\n")
print("in one line:", solve(example))  # helpers.inequalities.solve: A, B, the bound, the count

# %%
flipped = Inequality(a1=-2, b1=7, op=">=", a2=1, b2=-1, lo=-50, hi=50)
print(flipped.question, "\n")
print(worked_solution(flipped))

# %% [markdown]
# ## 2 · The generator and its settings
#
# `GeneratorSettings` says where the numbers come from. The report shows one example problem
# and its answer, and gives no ranges: `FAITHFUL` is **our reading** of it, consistent with that
# example (range always $[-50, 50]$ as in the example; $x$ coefficients in $[-5, 5]$, constants
# in $[-10, 10]$ and the four operators uniform are our choices). `HARD` goes beyond the
# report: the range itself varies and the numbers are larger, so answers spread out. A problem
# and its mirror image ($f_2 \;\mathrm{flip(op)}\; f_1$) count as one, so no split contains the
# same problem twice as written. (A subtler disguise gets through: section 6.)

# %%
import random

from helpers.inequalities import FAITHFUL, HARD, sample_inequality

rng = random.Random(0)
for name, settings in [("FAITHFUL", FAITHFUL), ("HARD", HARD)]:
    print(f"{name}: {settings.n_unique():,} distinct problems possible")
    for _ in range(3):
        print("   ", sample_inequality(rng, settings).question)

# %% [markdown]
# Bad settings fail loudly, with the fix in the message:

# %%
from helpers.inequalities import GeneratorSettings

for bad in [dict(lo_range=(5, 5), hi_range=(3, 3)), dict(coef_range=(2, 2)), dict(operators=())]:
    try:
        GeneratorSettings(**bad)
    except ValueError as error:
        call = ", ".join(f"{name}={value!r}" for name, value in bad.items())
        print(f"GeneratorSettings({call})\n    ValueError: {error}")

# %% [markdown]
# ## 3 · Every answer checked three ways
#
# The closed form, brute-force enumeration and sympy's `solveset` over the integers of the
# range must agree on every problem. (The unit tests do the same on thousands more, including
# the edge cases: cancelling $x$ terms, bounds exactly on an integer, empty and full ranges.)

# %%
from tqdm.auto import tqdm

from helpers.inequalities import count_by_enumeration, count_by_sympy, count_solutions
from helpers.inequality_splits import generate_unique

problems = generate_unique(PLAN.checked, HARD, seed=1) + generate_unique(
    PLAN.checked, FAITHFUL, seed=1
)
verified = sum(
    count_solutions(p) == count_by_enumeration(p) == count_by_sympy(p)
    for p in tqdm(problems, desc="closed form vs brute force vs sympy")
)
print(f"{verified} / {len(problems)} problems agree three ways")
assert verified == len(problems)

# %% [markdown]
# ## 4 · The splits
#
# One seeded, deduplicated stream of problems is cut into test (400), validation (400) and
# train (2000). The report's own sizes are prefixes of ours: Model A trains on the first 400
# training problems, and its 40-item validation and test sets are the first 40 of our 400-item
# ones. Why 400 for evaluation? The half-width of a 95% interval on an accuracy near 0.5 shrinks
# with the square root of the number of items:

# %%
for n in (40, 400):
    print(f"{n:>3} items: accuracy 0.50 ± {1.96 * (0.25 / n) ** 0.5:.3f}")

# %% [markdown]
#
# The files are committed in `data/inequalities/`. Here we regenerate them from the seed into
# this run's folder and check that they are byte-identical to the committed ones. (Two more
# files, `val_novel_400` and `test_novel_400`, are drawn after these from the next seed; section
# 8 says why.)
# `write_splits` takes no default folder, and it refuses to change an existing file unless told
# `overwrite=True`, so an experiment with other settings cannot silently replace the committed
# data.

# %%
from helpers.inequality_splits import DATA_DIR, FILE_SIZES, SEED, load_split, write_splits

# overwrite=True: this run's own copy, which a rerun after changing the generator may replace
written = write_splits(RUN / "inequalities", FAITHFUL, SEED, overwrite=True)
identical = [path.read_bytes() == (DATA_DIR / path.name).read_bytes() for path in written]
for path, same in zip(written, identical, strict=True):
    print(f"{path.name:<18} {len(path.read_text().splitlines()):>5} rows  identical: {same}")
assert all(identical)

# %%
splits = {split: load_split(split, max(sizes)) for split, sizes in FILE_SIZES.items()}
questions = [row["question"] for rows in splits.values() for row in rows]
assert len(set(questions)) == len(questions), "a problem appears twice"
print(f"{len(questions)} problems, no duplicates inside or across splits")
splits["train"][0]

# %% [markdown]
# Each row keeps both training targets: `boxed_answer` (the report's answer-only target,
# `\boxed{51}`) and `solution` (the worked steps, used by Model D in notebook 02).
#
# ## 5 · What the answers look like, and the baseline to beat

# %%
from helpers.inequality_splits import answer_histogram
from helpers.plots import plot_answer_histogram

train = splits["train"]
counts = answer_histogram(train)
near_half = sum(c for answer, c in counts.items() if 49 <= answer <= 53) / len(train)
top = ", ".join(f"{a} ({c / len(train):.1%})" for a, c in counts.most_common(5))
print("the five most common answers (share of problems):", top)
print(f"share of training answers in 49..53: {near_half:.1%}")
plot_answer_histogram(counts, "Training answers (FAITHFUL, 2000 problems)", range(49, 54))

# %% [markdown]
# The answers are far from uniform. With the range fixed to $[-50, 50]$ and small
# coefficients, the bound $B/A$ usually lands near zero, so the solution set is "about half of
# the 101 integers": the orange band $49..53$ holds over half of all answers, and $0$ and $101$
# (the cancelling cases) stand out at the ends.
#
# That matters for every accuracy number that follows. A model that ignores the question and
# always answers the most common training answer already scores something. This
# **constant-answer baseline** is the floor: a fine-tuned model is only learning the task if it
# beats it clearly.

# %%
from helpers.inequality_splits import constant_baseline

for size in (40, 400):
    answer, accuracy = constant_baseline(train, load_split("test", size))
    print(f"always answering {answer}: accuracy {accuracy:.3f} on test_{size}")

# %% [markdown]
# The report's baseline, quoted as the report's: the untuned model scored **0.25** on its
# 40-item test set, and Model C **0.825**. Keep the constant baseline above in mind when you
# read those numbers (and the lookup-table baseline of section 7).
#
# The `HARD` settings spread the answers out, which makes the constant baseline collapse:

# %%
hard_train = generate_unique(2000, HARD, seed=2)
hard_rows = [{"answer": count_solutions(p)} for p in hard_train]
answer, accuracy = constant_baseline(hard_rows[:1600], hard_rows[1600:])
print(f"HARD: always answering {answer} scores {accuracy:.3f} on 400 held-out problems")
plot_answer_histogram(answer_histogram(hard_rows), "Answers under HARD settings")

# %% [markdown]
# ## 6 · Twins: the same problem after one line of algebra
#
# Two problems can differ in every coefficient and still be the same problem. Moving terms gives
# $Ax \;\mathrm{op}\; B$; dividing by $A$ gives $x \;\mathrm{op'}\; B/A$ (with $\mathrm{op'}$
# flipped when $A < 0$). Every problem with the same range, the same $\mathrm{op'}$ and the same
# fraction $B/A$ has the same solution set, so the same answer. We call such problems **twins**;
# `helpers.inequalities.canonical_form` returns the shared form, `(lo, hi, op', B/A)`, or
# `(lo, hi, "always" | "never", None)` when the $x$ terms cancel, and `describe_form` writes it
# as a reader would ("x in [-50, 50], x >= 1/2"). Here is a test problem and its twin in the
# training set:

# %%
from helpers.inequalities import canonical_form, describe_form, solve
from helpers.inequality_splits import from_row

train_by_form = {}
for row in train:
    train_by_form.setdefault(canonical_form(from_row(row)), []).append(row)


def divisor(row):
    return abs(solve(from_row(row)).a)


test_row, train_row = next(  # a pair written with other operators, divided by other numbers
    (row, twin)
    for row in splits["test"]
    for twin in train_by_form.get(canonical_form(from_row(row)), [])
    if twin["op"] != row["op"] and divisor(twin) != divisor(row)
)
for name, row in [("test_400", test_row), ("train_2000", train_row)]:
    print(f"{name}: {row['question']}")
    print("\n".join(worked_solution(from_row(row)).splitlines()[:2]))
    print(
        f"canonical form: {describe_form(canonical_form(from_row(row)))}; answer {row['answer']}\n"
    )
assert canonical_form(from_row(test_row)) == canonical_form(from_row(train_row))
assert test_row["answer"] == train_row["answer"]

# %% [markdown]
# Our deduplication compared problems as written: `key()` is the coefficients, up to the mirror
# image. Twins have different coefficients, so different keys and different question texts,
# and they pass; a filter on text similarity would pass them too. Only solving the problem (one
# line of algebra) shows they are the same.
#
# How many evaluation problems have a twin among the training problems?

# %%
import pandas as pd

from helpers.inequality_splits import has_twin

training_sets = {f"train_{n}": load_split("train", n) for n in FILE_SIZES["train"]}
evaluation_sets = {
    f"{split}_{n}": load_split(split, n)
    for split in ("val", "test", "val_novel", "test_novel")
    for n in FILE_SIZES[split]
}
twin_shares = {
    train_name: {
        name: sum(has_twin(rows, train_rows)) / len(rows) for name, rows in evaluation_sets.items()
    }
    for train_name, train_rows in training_sets.items()
}
pd.DataFrame(twin_shares).map("{:.0%}".format)

# %%
from helpers.plots import plot_twin_shares

plot_twin_shares(twin_shares)

# %% [markdown]
# Why so many? The distribution has few forms, and they are far from equally likely: some can
# be written in many ways, others in very few. We count the forms by going through every draw
# `sample_inequality` can make (about a second), and ask how likely a fresh problem is to land
# on a form a training set already has:

# %%
from collections import Counter
from itertools import product

from helpers.inequality_splits import twin_answers


def span(bounds):
    return range(bounds[0], bounds[1] + 1)


draws = Counter(  # every equally likely draw of FAITHFUL, counted by its canonical form
    canonical_form(Inequality(a1, b1, op, a2, b2, lo, hi))
    for a1, b1, op, a2, b2, lo, hi in product(
        span(FAITHFUL.coef_range),
        span(FAITHFUL.const_range),
        FAITHFUL.operators,
        span(FAITHFUL.coef_range),
        span(FAITHFUL.const_range),
        span(FAITHFUL.lo_range),
        span(FAITHFUL.hi_range),
    )
)
total = sum(draws.values())
print(f"FAITHFUL: {total:,} equally likely draws, {len(draws):,} canonical forms")
(common, n_common), (rare, n_rare) = draws.most_common()[0], draws.most_common()[-1]
print(f"the most common form, {describe_form(common)}: {n_common:,} draws")
print(f"one of the rarest, {describe_form(rare)}: {n_rare} draws")
for name, rows in training_sets.items():
    forms = set(twin_answers(rows))
    covered = sum(draws[form] for form in forms) / total
    print(f"{name}: {len(forms)} forms, the form of a fresh problem with probability {covered:.0%}")
for seed in (1, 2, 3):
    forms = {canonical_form(p) for p in generate_unique(2000, FAITHFUL, seed=seed)}
    covered = sum(draws[form] for form in forms) / total
    print(f"2000 problems from seed {seed}: {len(forms)} forms, probability {covered:.0%}")

# %% [markdown]
# Any 2,000 problems from this distribution cover the common forms, so most of any test set
# drawn from it: this is a property of the task, not bad luck with our seed.
#
# ## 7 · Why twins matter: the lookup-table baseline
#
# A model can answer a twin without solving anything: recall the training problem with the same
# form and repeat its answer. The report reads its test accuracy as showing that the model "is
# not simply memorizing template answers"; on a test set where most problems have a training
# twin, that cannot be checked, because memorising scores well there. To see how well, we
# score a **lookup table**: the training twin's answer when there is one, else the most common
# training answer (`helpers.inequality_splits.lookup_baseline`). No reasoning, only recall:

# %%
from helpers.inequality_splits import lookup_baseline

baselines = []
for train_name, train_rows in training_sets.items():
    for name in ("test_40", "test_400", "val_novel_400", "test_novel_400"):
        rows = evaluation_sets[name]
        answer, constant = constant_baseline(train_rows, rows)
        lookup = lookup_baseline(train_rows, rows)
        baselines.append(
            {
                "train": train_name,
                "evaluated on": name,
                "constant answer": answer,
                "constant baseline": constant,
                "lookup baseline": lookup,
            }
        )
pd.DataFrame(baselines).set_index(["train", "evaluated on"]).round(3)

# %% [markdown]
# Model C trained on 2,000 problems and was tested on 40. The report's test set is not ours, and
# the report gives no ranges for its generator: it shows one example problem, says its 2,000
# training problems came from "the same generator", and its validation set has "the same
# format as the train data" (its words). So this comparison rests on our reading of that
# example, `FAITHFUL` (section 2): *if* the report's generator drew from ranges like these, its
# 2,000 training problems covered the common forms as ours do (section 6), and a lookup table
# would score on its test set about what it scores on ours. Wider ranges would mean more forms
# and fewer twins (`HARD`, section 5, is the extreme), and a lower lookup score.

# %%
from helpers.experiments import MODEL_C

lookup_test_40 = lookup_baseline(training_sets["train_2000"], evaluation_sets["test_40"])
print(f"Model C, the report's number on its 40-item test set: {MODEL_C.reported['test_accuracy']}")
print(f"a lookup table from train_2000, no reasoning, on our test_40: {lookup_test_40:.3f}")

# %% [markdown]
# An accuracy on a test set full of twins does not say whether a model learned the task or
# recalled its training set. A test set without twins can.
#
# ## 8 · Test sets without twins
#
# `val_novel_400` and `test_novel_400` come from the same generator and the same `FAITHFUL`
# settings, after the splits above and from the next seed, keeping only problems whose form no
# training problem has (so no form of `train_2000`, hence none of `train_400`); each form
# belongs to one of the two files only. On them the lookup table falls back to the constant
# answer, as the table shows: a model has to solve these.
#
# They are not a sample of the same problems, though. Unseen forms are the rare ones, and rare
# forms look different: their bound is rarely a whole number and their $x$ terms never cancel.
# So a score on them measures a harder part of the task, not the same difficulty minus the
# memorising:

# %%
import statistics

looks = {}
for name in ("val_400", "val_novel_400", "test_novel_400"):
    rows = evaluation_sets[name]
    forms = [canonical_form(from_row(row)) for row in rows]
    bounds = [form[3] for form in forms]
    fractional = sum(bound is not None and bound.denominator > 1 for bound in bounds)
    looks[name] = {
        "typical form: 1 draw in": f"{total / statistics.median(draws[f] for f in forms):,.0f}",
        "x terms cancel": f"{bounds.count(None) / len(rows):.0%}",
        "bound not a whole number": f"{fractional / len(rows):.0%}",
        "answers in 49..53": f"{sum(49 <= row['answer'] <= 53 for row in rows) / len(rows):.0%}",
    }
pd.DataFrame(looks).T

# %%
from IPython.display import display

for name in ("val_400", "val_novel_400"):
    figure = plot_answer_histogram(answer_histogram(evaluation_sets[name]), name, range(49, 54))
    figure.axes[0].set_xlim(-2, 103)  # both on the axis of all possible answers, 0..101
    display(figure)

# %% [markdown]
# The novel files have no $0$ or $101$ (both cancelling forms are already in training); the
# band $49..53$ holds about as large a share as in `val_400`, so the constant baseline stays
# about where it was. Report both kinds of test set: the usual one compares with the report,
# the novel one says whether the model solves problems it has not seen in disguise.

# %% [markdown]
# ## 9 · Your own problem
#
# Write an inequality of your own: the cell counts its solutions three ways and writes the
# worked solution a model would be trained on. (Notebook 02 puts your question to the models.)

# %%
mine = Inequality(a1=3, b1=-4, op="<", a2=-2, b2=11, lo=-20, hi=20)  # 3x - 4 < -2x + 11
print(mine.question)
print("closed form", count_solutions(mine), "| brute force", count_by_enumeration(mine),
      "| sympy", count_by_sympy(mine))  # fmt: skip
print(worked_solution(mine))

# %% [markdown]
# ## What you should see on a T4
# The same as here: this notebook uses no GPU and runs in a minute or two. Every check prints
# "identical: True", all problems agree three ways, and no problem of the novel files has a
# training twin.
#
# ## Exercises
# Each exercise has a solution in the collapsed cell after it: try first, then open it. A
# solution cell runs only when `SHOW_SOLUTIONS = True` (section 0; run that cell again, then
# the solution's).
#
# 1. Change `FAITHFUL` to draw coefficients from $[-2, 2]$. Predict first: does the share of
#    answers in $49..53$ go up or down? Check with `answer_histogram` on 2,000 problems of each
#    setting. A right answer gives both shares, the direction, and the reason in terms of the
#    bound $x = (b_2 - b_1)/(a_1 - a_2)$.

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 1 (try it first)
if solution(1, SHOW_SOLUTIONS):
    from dataclasses import replace

    narrow = replace(FAITHFUL, coef_range=(-2, 2))
    shares = {}
    for name, settings in (("FAITHFUL", FAITHFUL), ("coefficients in [-2, 2]", narrow)):
        drawn = generate_unique(2000, settings, seed=5)
        answers = [count_solutions(p) for p in drawn]
        assert answers == [count_by_enumeration(p) for p in drawn]  # closed form = brute force
        shares[name] = sum(49 <= answer <= 53 for answer in answers) / len(answers)
        print(f"{name}: {shares[name]:.1%} of answers in 49..53")
    went = "down" if shares["coefficients in [-2, 2]"] < shares["FAITHFUL"] else "up"
    print(f"a right answer: the share goes {went}")
    # a1 x + b1 op a2 x + b2 becomes (a1 - a2) x op b2 - b1: the bound is x = (b2 - b1)/(a1 - a2).
    # Smaller coefficients make the divisor a1 - a2 smaller, so the bound lands further from 0
    # and the solution set further from half the range; and a1 = a2 (the x terms cancel: 0 or
    # 101) comes up more often. Both move answers away from 50.

# %% [markdown]
# 2. Draw problems with `GeneratorSettings(operators=("<",))`. Predict first: are all answers on
#    one side of 50 (say, counts of $x < c$ for $c$ near 0 give about 50 or fewer)? Check with
#    `answer_histogram`, and explain what you see. A right answer gives the share of answers
#    above 50 and names what decides the side.

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 2 (try it first)
if solution(2, SHOW_SOLUTIONS):
    drawn = generate_unique(2000, GeneratorSettings(operators=("<",)), seed=5)
    above = sum(count_solutions(p) > 50 for p in drawn) / len(drawn)
    print(f"'<' only: {above:.1%} of answers above 50, {1 - above:.1%} at 50 or below")
    negative = sum(p.a1 < p.a2 for p in drawn) / len(drawn)
    print(f"a right answer: both sides; a1 - a2 is negative (so '<' flips) in {negative:.1%}")
    # Moving the x terms to one side gives (a1 - a2) x < b2 - b1, and dividing by a negative
    # a1 - a2 flips the inequality: about half the problems become x > c. The operator as
    # written does not decide the direction; the sign of a1 - a2 does.

# %% [markdown]
# 3. Find an inequality whose bound lands exactly on an integer, and check by hand that the
#    strict and non-strict versions differ by exactly one. A right answer: an inequality whose
#    $a_1 - a_2$ divides $b_2 - b_1$, both counts, and the one integer that makes the difference.

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 3 (try it first)
if solution(3, SHOW_SOLUTIONS):
    strict = Inequality(a1=3, b1=0, op="<", a2=0, b2=12, lo=-50, hi=50)  # 3x < 12: bound at 4
    inclusive = Inequality(a1=3, b1=0, op="<=", a2=0, b2=12, lo=-50, hi=50)
    difference = count_solutions(inclusive) - count_solutions(strict)
    print(f"x < 4: {count_solutions(strict)},  x <= 4: {count_solutions(inclusive)}")
    print(f"they differ by {difference}: x = 4 itself, which only the non-strict version keeps")
    assert difference == 1

# %% [markdown]
# 4. The next cell shows a `test_400` problem with no twin in `train_400`: a model trained on
#    `train_400` cannot answer it by recall. Solve it by hand (move the terms, divide, round the
#    bound, count), set `my_count` and run the cell: a right count prints "correct". Then find
#    its form with `canonical_form`: is there a twin in `train_2000`? (A right answer: yes or no,
#    with the form you looked up.)

# %%
test_400, train_400 = evaluation_sets["test_400"], training_sets["train_400"]
lonely = next(
    row for row, twin in zip(test_400, has_twin(test_400, train_400), strict=True) if not twin
)
print(lonely["question"])
my_count = None  # your count, worked out by hand
if my_count is not None:
    print("correct" if my_count == lonely["answer"] else "not yet: see the solution below")

# %% cellView="form" jupyter={"source_hidden": true}
# @title Solution to exercise 4 (try it first)
if solution(4, SHOW_SOLUTIONS):
    print(lonely["solution"])
    form = canonical_form(from_row(lonely))
    twin_in_2000 = has_twin([lonely], training_sets["train_2000"])[0]
    print(
        f"its form: {describe_form(form)}; a twin in train_2000: {'yes' if twin_in_2000 else 'no'}"
    )
