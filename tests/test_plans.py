"""Every notebook's sizes (helpers/plans/): three of them, the same knobs side by side, and
budgets that fit what each size promises on a free T4 (estimates, helpers/plans/t4.py)."""

import importlib
from pathlib import Path

import pytest

from helpers.plans import NAMES, SIZE_ENV, check_size, choose, sizes_table
from helpers.runtime import get_profile

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(
    p.stem for p in (ROOT / "helpers" / "plans").glob("*.py") if p.stem not in ("__init__", "t4")
)
LIMITS = {"full": 120, "class": 45}  # T4 minutes each size promises (the check's: see below)


def total(plan) -> float:
    return plan.budget().loc["total", "T4 minutes (estimate)"]


def test_every_notebook_has_a_plan():
    notebooks = sorted(p.stem for p in (ROOT / "nbs_py").glob("*.py"))
    assert len(MODULES) == len(notebooks) == 6


@pytest.mark.parametrize("module", MODULES)
def test_a_notebooks_sizes_are_the_three_with_the_same_knobs(module):
    sizes = importlib.import_module(f"helpers.plans.{module}").SIZES
    assert tuple(sizes) == NAMES
    assert [plan.size for plan in sizes.values()] == list(NAMES)
    assert len({type(plan) for plan in sizes.values()}) == 1
    table = sizes_table(sizes)
    assert list(table.columns) == list(NAMES) and len(table) >= 1


@pytest.mark.parametrize("module", MODULES)
def test_each_size_fits_its_t4_minutes_and_check_is_the_cheapest(module):
    sizes = importlib.import_module(f"helpers.plans.{module}").SIZES
    minutes = {name: total(plan) for name, plan in sizes.items()}
    for name, limit in LIMITS.items():
        assert minutes[name] <= limit, f"{module} {name}: {minutes[name]} T4 minutes"
    assert minutes["check"] <= minutes["class"] <= minutes["full"], minutes


def test_smoke_runs_the_check_size_whatever_is_asked(capsys):
    sizes = {name: name for name in NAMES}
    assert choose(sizes, "full", get_profile("smoke")) == "check"
    assert "runs as 'check'" in capsys.readouterr().out
    assert choose(sizes, "class", get_profile("colab")) == "class"


def test_the_size_variable_overrides_the_notebooks_knob(monkeypatch):
    sizes = {name: name for name in NAMES}
    monkeypatch.setenv(SIZE_ENV, "check")
    assert choose(sizes, "full", get_profile("colab")) == "check"
    monkeypatch.setenv(SIZE_ENV, "tiny")
    with pytest.raises(ValueError, match="CURRICULUM_SIZE='tiny': choose one of 'full', 'class'"):
        choose(sizes, "full", get_profile("colab"))


@pytest.mark.parametrize("size", ["Full", "small", ""])
def test_another_size_is_an_error_listing_the_three(size):
    with pytest.raises(ValueError, match=r"SIZE=.*: choose one of 'full', 'class', 'check'"):
        check_size(size)


def test_notebook_02s_token_means_are_the_real_datas_with_qwens_tokenizer():
    from helpers.inequality_splits import load_split
    from helpers.local.qwen_offline import qwen25_tokenizer
    from helpers.plans.inequality_sft import MEASURED_TOKENS
    from helpers.tasks.inequalities import INEQUALITIES

    tokenizer, rows = qwen25_tokenizer(), load_split("train", 2000)
    for target, mean in MEASURED_TOKENS.items():
        assert round(INEQUALITIES.mean_example_tokens(tokenizer, rows, target)) == mean


def test_notebook_03_counts_the_exercise_solutions_only_when_they_run():
    from helpers.plans.aime import SIZES

    for plan in SIZES.values():
        shown, hidden = plan.budget(solutions=True), plan.budget(solutions=False)
        row = shown.filter(like="exercise solutions", axis=0)
        assert len(row) == 1 and hidden.filter(like="exercise solutions", axis=0).empty
        minutes = "T4 minutes (estimate)"
        assert hidden.loc["total", minutes] < shown.loc["total", minutes]
        loads = [name for name in shown.index if name.startswith("loading a model")]
        fewer = [name for name in hidden.index if name.startswith("loading a model")]
        assert loads != fewer  # three fewer loads: the exercises' training and evaluations


def test_notebook_02_counts_exercise_4_only_when_the_solutions_run():
    from helpers.plans.inequality_sft import SIZES

    minutes = "T4 minutes (estimate)"
    for plan in SIZES.values():
        hidden, shown = plan.budget(), plan.budget(solutions=True)
        row = shown.filter(like="exercise 4", axis=0)
        assert hidden.filter(like="exercise 4", axis=0).empty and len(row) == 1
        model_c = shown.filter(regex="^(train|evaluate) Model C", axis=0)[minutes].sum()
        assert row[minutes].iloc[0] == model_c  # the same run again, without dropout
        assert shown.loc["total", minutes] >= hidden.loc["total", minutes]
