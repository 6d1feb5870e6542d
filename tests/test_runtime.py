import random

import pytest
import torch

from helpers.runtime import (
    OFFLINE_ENV,
    PROFILE_ENV,
    REPO_ROOT,
    RUNS_ENV,
    describe_environment,
    get_profile,
    library_versions,
    run_dir,
    seed_everything,
)


def test_profile_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(PROFILE_ENV, "smoke")
    assert get_profile().name == "smoke"
    monkeypatch.setenv(PROFILE_ENV, "colab")
    assert get_profile().name == "colab"


def test_profile_defaults_to_smoke_without_cuda(monkeypatch):
    monkeypatch.delenv(PROFILE_ENV, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    profile = get_profile()
    assert profile.name == "smoke" and "no CUDA" in profile.reason
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_profile().name == "colab"


def test_unknown_profile_names_the_choices(monkeypatch):
    monkeypatch.setenv(PROFILE_ENV, "gpu")
    with pytest.raises(ValueError, match="set CURRICULUM_PROFILE to one of colab, smoke"):
        get_profile()


def test_data_comes_from_the_hub_on_colab_and_from_fixtures_on_smoke():
    assert get_profile("smoke").pick("hub/id", "fixture.csv") == "fixture.csv"
    assert get_profile("colab").pick("hub/id", "fixture.csv") == "hub/id"


def test_seed_everything_repeats_random_draws():
    seed_everything(3)
    first = (random.random(), torch.rand(3))
    seed_everything(3)
    second = (random.random(), torch.rand(3))
    assert first[0] == second[0] and torch.equal(first[1], second[1])


def test_environment_description_names_profile_gpu_and_versions():
    text = describe_environment(get_profile("smoke"))
    assert "profile : smoke" in text and "gpu" in text
    assert f"torch        : {torch.__version__}" in text
    assert library_versions(("surely-not-a-package",)) == {"surely-not-a-package": "not installed"}


def test_run_dir_is_per_profile_and_created(monkeypatch, tmp_path):
    monkeypatch.setenv(RUNS_ENV, str(tmp_path))
    path = run_dir("01_inequality_data", get_profile("smoke"))
    assert path == tmp_path / "smoke" / "01_inequality_data" and path.is_dir()


def test_start_notebook_prints_the_environment_and_makes_the_run_folder(
    monkeypatch, tmp_path, capsys
):
    from helpers.notebook import start_notebook

    monkeypatch.setenv(PROFILE_ENV, "smoke")
    monkeypatch.setenv(RUNS_ENV, str(tmp_path))
    profile, folder = start_notebook("99_demo", seed=5)
    out = capsys.readouterr().out
    assert profile.name == "smoke" and folder == tmp_path / "smoke" / "99_demo"
    assert "profile : smoke" in out and f"results go to {folder}" in out
    first_draw = random.random()
    random.seed(5)
    assert first_draw == random.random()  # seeded with 5


def test_bf16_is_decided_by_compute_capability_not_by_emulation(monkeypatch):
    from helpers.runtime import supports_bf16

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)  # a T4 says so
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda *a: (7, 5))  # a T4 is 7.5
    assert not supports_bf16()
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda *a: (8, 0))  # an A100
    assert supports_bf16()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert not supports_bf16()


def test_a_colab_runtime_without_gpu_stops_with_the_menu_path(monkeypatch, tmp_path):
    import helpers.runtime
    from helpers.notebook import start_notebook

    monkeypatch.delenv(PROFILE_ENV, raising=False)
    monkeypatch.setenv(RUNS_ENV, str(tmp_path))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(helpers.runtime, "on_colab", lambda: True)
    assert get_profile().name == "colab"  # not quietly the smoke profile
    with pytest.raises(RuntimeError, match="Runtime → Change runtime type → T4 GPU"):
        start_notebook("02_sft_models_abc")
    profile, _ = start_notebook("01_inequality_data", needs_gpu=False)  # needs no GPU
    assert profile.name == "colab"


def test_offline_colab_profile_reads_local_files(monkeypatch):
    monkeypatch.setenv(OFFLINE_ENV, "1")
    profile = get_profile("colab")
    assert profile.offline and "local data files" in profile.reason
    assert profile.pick("openai/gsm8k", "fixture.jsonl") == "fixture.jsonl"
    monkeypatch.setenv(OFFLINE_ENV, "0")
    assert get_profile("colab").pick("openai/gsm8k", "fixture.jsonl") == "openai/gsm8k"


@pytest.mark.parametrize(
    ("value", "offline"),
    [("1", True), ("true", True), (" Yes ", True), ("on", True), ("0", False)]
    + [("false", False), ("FALSE", False), ("no", False), ("off", False), ("", False)],
)
def test_curriculum_offline_reads_yes_and_no_words(monkeypatch, value, offline):
    monkeypatch.setenv(OFFLINE_ENV, value)
    assert get_profile("colab").offline is offline


@pytest.mark.parametrize("value", ["2", "offline", "ja"])
def test_curriculum_offline_with_another_value_names_the_variable_and_the_words(monkeypatch, value):
    monkeypatch.setenv(OFFLINE_ENV, value)
    with pytest.raises(ValueError, match=rf"CURRICULUM_OFFLINE='{value}' is neither yes nor no"):
        get_profile("colab")


UNSLOTH_PROBE = """
import os, sys
seen = [name for name in ("transformers", "trl", "peft") if name in sys.modules]
open(os.environ["PROBE_REPORT"], "w").write(",".join(seen) or "none")
"""


def test_colab_notebooks_import_unsloth_before_transformers_trl_and_peft(tmp_path):
    """The notebook's second cell imports Unsloth first (it patches them when imported).
    A stand-in ``unsloth`` module reports what was imported before it."""
    import os
    import subprocess
    import sys

    report = tmp_path / "report.txt"
    (tmp_path / "unsloth.py").write_text(UNSLOTH_PROBE)
    cell = (
        "import helpers.runtime as runtime; runtime.cuda_available = lambda: True; "
        "runtime.gpu_description = lambda: 'a stand-in GPU'; "
        "import helpers.notebook; helpers.notebook.start_notebook('02_sft_models_abc')"
    )
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO_ROOT)]),
        "PROBE_REPORT": str(report),
        PROFILE_ENV: "colab",
        RUNS_ENV: str(tmp_path / "runs"),
    }
    subprocess.run([sys.executable, "-c", cell], env=env, check=True, timeout=120)
    assert report.read_text() == "none"


def test_after_the_second_cell_tables_show_every_cell_whole(monkeypatch, tmp_path):
    import pandas as pd

    from helpers.notebook import start_notebook

    monkeypatch.setenv(PROFILE_ENV, "smoke")
    monkeypatch.setenv(RUNS_ENV, str(tmp_path))
    interval = "accuracy 0.825 [0.680, 0.913] (33/40; math-verify agrees on 40)"
    try:
        pd.reset_option("display.max_colwidth")  # as a fresh kernel has it
        assert interval not in repr(pd.DataFrame({"summary": [interval]}))  # pandas cuts it
        start_notebook("99_demo", needs_gpu=False)
        assert interval in repr(pd.DataFrame({"summary": [interval]}))
    finally:
        pd.reset_option("display.max_colwidth")
        pd.reset_option("display.width")


def test_solutions_run_when_asked_or_at_the_check_size_and_say_how_otherwise(capsys):
    from types import SimpleNamespace

    from helpers.notebook import solution, solutions_shown

    full, check = SimpleNamespace(size="full"), SimpleNamespace(size="check")
    assert (solutions_shown(False, full), solutions_shown(True, full)) == (False, True)
    assert solutions_shown(False, check) is True  # CI and the runtime check run every cell
    assert "runs every cell" in capsys.readouterr().out
    assert solution(2, True) is True and capsys.readouterr().out == ""
    assert solution(2, False) is False
    assert "Exercise 2: try it first" in capsys.readouterr().out
    with pytest.raises(TypeError, match="SHOW_SOLUTIONS='no': write True or False"):
        solutions_shown("no", full)
