"""The keywords our colab branch passes to Unsloth and TRL exist at the Colab pins.

CI runs trl 1.16.0 and never imports Unsloth, so a misspelled or removed keyword in the colab
branch of ``helpers/models.py``, ``helpers/training.py`` and ``helpers/grpo.py`` would ship, and
on Colab it would not even fail: Unsloth drops an unknown SFTConfig field with a printed notice
and hands unknown loader keywords on. These tests install the pins of unsloth, unsloth_zoo and
trl from requirements.txt into a cached folder beside (never into) the CI environment, then run
``tests/colab_api_drift/check_keywords.py`` against them in a subprocess (see its docstring).

Measured here (2 cores, ``OMP_NUM_THREADS=1 python -m pytest tests/test_colab_api_drift.py``):
first run 49 s, of which 11 s install (213 MB of wheels, 188 MB of it triton; 800 MB on disk);
cached run 34 s: the two subprocesses, ~17 s each, mostly importing Unsloth and letting it
rewrite TRL's trainers (78 s and 55 s while another job shared the cores). Needs the package
index (PyPI), as CI has: without it the tests fail with pip's error, they do not skip.
"""

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.cpu_models import cache_dir

ROOT = Path(__file__).resolve().parent.parent
CHECK = Path(__file__).parent / "colab_api_drift" / "check_keywords.py"
CHECKED = ("unsloth", "unsloth_zoo", "trl")  # their versions are read from requirements.txt
# Installed with --no-deps: the declared dependencies bring torchvision (it breaks the CPU torch)
# and a CUDA torch. Of the rest, only triton is imported on the checked path and missing from the
# CI stack (tyro, torchao, cut_cross_entropy, einops, sentencepiece, ... are never imported):
IMPORT_NEEDS = ("triton==3.6.0",)  # unsloth_zoo.compiler imports it; torch 2.10.0 (Colab) pins it
FUNCTIONS = {
    "FastLanguageModel.from_pretrained",
    "FastLanguageModel.get_peft_model",
    "FastLanguageModel.for_inference",
    "SFTConfig",
    "SFTTrainer",
    "GRPOConfig",
    "GRPOTrainer",
}


def pinned_versions() -> dict[str, str]:
    """``{"unsloth": "2026.10.7", ...}``: the Colab pins of the packages checked."""
    text = (ROOT / "requirements.txt").read_text()
    return {name: re.search(rf"^{name}==(\S+)", text, re.M).group(1) for name in CHECKED}


def pins_folder(requirements: list[str]) -> Path:
    """A folder holding exactly ``requirements`` (pip ``--no-deps --target``), under
    ``helpers.cpu_models.cache_dir()`` and keyed by the pins and the Python version, so a second
    run only finds it. Built under a scratch name and renamed: a half-built folder is never
    taken."""
    key = "\n".join([sys.implementation.cache_tag, *sorted(requirements)])
    folder = cache_dir() / f"colab-pins-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    if folder.is_dir():
        return folder
    scratch = folder.with_name(f"{folder.name}.building-{os.getpid()}")
    command = [
        *(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--only-binary=:all:"),
        *("--target", str(scratch), *requirements),
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=1800)
        if result.returncode != 0:
            pytest.fail(
                f"pip could not install the Colab pins {' '.join(requirements)} (exit "
                f"{result.returncode}); this test needs the package index (PyPI):\n"
                + result.stderr[-3000:]
            )
        scratch.replace(folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # whatever a failed or killed pip left
    return folder


@pytest.fixture(scope="module")
def colab_pins() -> Path:
    """The folder of the checked pins and their import needs, installed on first use."""
    versions = pinned_versions()
    return pins_folder([f"{name}=={v}" for name, v in versions.items()] + list(IMPORT_NEEDS))


def check_colab_branch(folder: Path, workdir: Path, *misspellings: str) -> dict:
    """The report of ``check_keywords.py`` run in ``workdir`` with the pins first on the path
    (trl 1.15.0 shadows CI's 1.16.0), offline, Unsloth allowed on a CPU."""
    report = workdir / "report.json"
    command = [sys.executable, str(CHECK), str(report)]
    command += [arg for spelling in misspellings for arg in ("--misspell", spelling)]
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)]),
        "UNSLOTH_ALLOW_CPU": "1",  # unsloth 2026.10.7's test switch: imports without a GPU
        "HF_HUB_OFFLINE": "1",  # everything loads from the tiny local model
    }
    result = subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, f"check_keywords.py failed:\n{result.stderr[-4000:]}"
    return json.loads(report.read_text())


@pytest.mark.slow
def test_colab_branch_passes_only_keywords_the_pinned_unsloth_and_trl_take(colab_pins, tmp_path):
    report = check_colab_branch(colab_pins, tmp_path)
    assert report["versions"] == pinned_versions()  # the pins, not CI's trl, were checked
    assert set(report["calls"]) == FUNCTIONS  # every entry point was reached and checked
    assert not report["problems"], "\n".join(report["problems"])
    assert report["trainer"] == "UnslothSFTTrainer"  # built by Unsloth's patched TRL, on a CPU
    assert report["grpo_trainer"] == "UnslothGRPOTrainer"
    # the recipe notebook 02 shows in its own cells was checked too, every call of it
    assert set(report["notebook_calls"]["02_sft_models_abc.py"]) == FUNCTIONS - {
        "FastLanguageModel.for_inference",
        "GRPOConfig",
        "GRPOTrainer",
    }


@pytest.mark.slow
def test_a_misspelled_keyword_is_reported_with_function_and_pinned_version(colab_pins, tmp_path):
    versions = pinned_versions()
    report = check_colab_branch(
        colab_pins,
        tmp_path,
        "FastLanguageModel.from_pretrained:load_in_4bit=load_in_4bits",
        "SFTConfig:max_length=max_lenght",
    )
    expected = [
        f"FastLanguageModel.from_pretrained does not take keyword 'load_in_4bits' in "
        f"unsloth {versions['unsloth']} ",
        f"SFTConfig does not take keyword 'max_lenght' in trl {versions['trl']} ",
    ]
    for start in expected:
        assert [p for p in report["problems"] if p.startswith(start)], report["problems"]
    assert len(report["problems"]) == len(expected), report["problems"]


@pytest.mark.slow
def test_unsloth_maps_the_reports_ids_to_its_prequantised_4bit_checkpoints(colab_pins):
    """Notebook 04 names the checkpoints Unsloth downloads for the paper's model ids with
    load_in_4bit=True (so nothing fetches 15 GB of 16-bit weights): the pinned mapper agrees."""
    from helpers.experiments import HAYES_RUNS, RUN_2_ON_15B, UNSLOTH_4BIT

    path = colab_pins / "unsloth" / "models" / "mapper.py"
    spec = importlib.util.spec_from_file_location("pinned_unsloth_mapper", path)
    mapper = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mapper)  # a table of names: it imports nothing
    for hub_id, checkpoint in UNSLOTH_4BIT.items():
        assert mapper.FLOAT_TO_INT_MAPPER[hub_id.lower()] == checkpoint
    assert {run.model_name for run in (*HAYES_RUNS, RUN_2_ON_15B)} == set(UNSLOTH_4BIT)
