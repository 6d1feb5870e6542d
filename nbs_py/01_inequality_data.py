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
#    number in this course must beat.
#
# This notebook needs no GPU: it runs in seconds anywhere.

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

profile, RUN = start_notebook("01_inequality_data", needs_gpu=False)

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
print(solve(example))

# %%
flipped = Inequality(a1=-2, b1=7, op=">=", a2=1, b2=-1, lo=-50, hi=50)
print(flipped.question, "\n")
print(worked_solution(flipped))

# %% [markdown]
# ## 2 · The generator and its settings
#
# `GeneratorSettings` says where the numbers come from. `FAITHFUL` reproduces the report's
# distribution (range always $[-50, 50]$, $x$ coefficients in $[-5, 5]$, constants in
# $[-10, 10]$, the four operators uniform). `HARD` goes beyond the report: the range itself
# varies and the numbers are larger, so answers spread out. A problem and its mirror image
# ($f_2 \;\mathrm{flip(op)}\; f_1$) count as one, so no split can contain a problem twice in
# disguise.

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
        print(f"{bad} -> ValueError: {error}")

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

problems = generate_unique(profile.n(600, smoke=120), HARD, seed=1) + generate_unique(
    profile.n(600, smoke=120), FAITHFUL, seed=1
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
# this run's folder and check that they are byte-identical to the committed ones.
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
print("top answers:", [(a, f"{c / len(train):.1%}") for a, c in counts.most_common(5)])
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
# read those numbers.
#
# The `HARD` settings spread the answers out, which makes the constant baseline collapse:

# %%
hard_train = generate_unique(2000, HARD, seed=2)
hard_rows = [{"answer": count_solutions(p)} for p in hard_train]
answer, accuracy = constant_baseline(hard_rows[:1600], hard_rows[1600:])
print(f"HARD: always answering {answer} scores {accuracy:.3f} on 400 held-out problems")
plot_answer_histogram(answer_histogram(hard_rows), "Answers under HARD settings")

# %% [markdown]
# ## What you should see on a T4
# The same as here: this notebook uses no GPU and runs in seconds. Every check prints
# "identical: True" and all problems agree three ways.
#
# ## Exercises
# 1. Change `FAITHFUL` to draw coefficients from $[-2, 2]$. Predict first: does the share of
#    answers in $49..53$ go up or down? Check with `answer_histogram`.
# 2. Write `GeneratorSettings(operators=("<",))` problems and explain why the answer histogram
#    has only one side of 50.
# 3. Find an inequality whose bound lands exactly on an integer, and check by hand that the
#    strict and non-strict versions differ by exactly one. Use the cell below.

# %%
strict = Inequality(a1=3, b1=0, op="<", a2=0, b2=12, lo=-50, hi=50)  # 3x < 12: bound at 4
inclusive = Inequality(a1=3, b1=0, op="<=", a2=0, b2=12, lo=-50, hi=50)
difference = count_solutions(inclusive) - count_solutions(strict)
print(f"x < 4: {count_solutions(strict)},  x <= 4: {count_solutions(inclusive)}")
assert difference == 1
