import random

import pytest
import torch

from helpers.runtime import (
    PROFILE_ENV,
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


def test_sizes_are_full_on_colab_and_capped_on_smoke():
    assert get_profile("colab").n(2000) == 2000
    assert get_profile("smoke").n(2000) == 16
    assert get_profile("smoke").n(8) == 8
    assert get_profile("smoke").n(2000, smoke=64) == 64
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
    from helpers.runtime import start_notebook

    monkeypatch.setenv(PROFILE_ENV, "smoke")
    monkeypatch.setenv(RUNS_ENV, str(tmp_path))
    profile, folder = start_notebook("99_demo", seed=5)
    out = capsys.readouterr().out
    assert profile.name == "smoke" and folder == tmp_path / "smoke" / "99_demo"
    assert "profile : smoke" in out and f"results go to {folder}" in out
    first_draw = random.random()
    random.seed(5)
    assert first_draw == random.random()  # seeded with 5
