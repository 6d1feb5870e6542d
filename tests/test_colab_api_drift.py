"""The keywords our colab branch passes to Unsloth and TRL exist at the Colab pins.

On Colab a misspelled or removed keyword in the colab branch of ``helpers/models.py``,
``helpers/training.py`` and ``helpers/grpo.py`` would not even fail: Unsloth drops an unknown
SFTConfig field with a printed notice and hands unknown loader keywords on. The CI environment
holds Colab's pins of unsloth, unsloth_zoo and trl (requirements-cpu-no-deps.txt); these tests
run ``tests/colab_api_drift/check_keywords.py`` against them in a subprocess (see its docstring),
which replaces Unsloth's loader with recorders for the whole process.

Measured here (2 cores, ``python -m pytest tests/test_colab_api_drift.py -n 0``): one
subprocess of ~25 s, mostly importing Unsloth and letting it rewrite all of TRL's trainers,
then driving the branch twice.
"""

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECK = Path(__file__).parent / "colab_api_drift" / "check_keywords.py"
CHECKED = ("unsloth", "unsloth_zoo", "trl")  # their versions are read from requirements.txt
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


MISSPELLINGS = (
    "FastLanguageModel.from_pretrained:load_in_4bit=load_in_4bits",
    "SFTConfig:max_length=max_lenght",
)


@pytest.fixture(scope="module")
def drift(tmp_path_factory) -> tuple[dict, dict, Path]:
    """``(report, misspelled report, workdir)`` of ``check_keywords.py``, run once in a scratch
    folder, offline, Unsloth allowed on a CPU, its generated trainers written to
    ``workdir / "unsloth_compiled_cache"``: the colab branch driven as it is, then again with
    ``MISSPELLINGS``."""
    workdir = tmp_path_factory.mktemp("drift")
    reports = workdir / "report.json", workdir / "misspelled.json"
    command = [sys.executable, str(CHECK), str(reports[0]), "--misspelled-report", str(reports[1])]
    command += [arg for spelling in MISSPELLINGS for arg in ("--misspell", spelling)]
    env = os.environ | {
        "PYTHONPATH": str(ROOT),
        "UNSLOTH_ALLOW_CPU": "1",  # unsloth 2026.10.7's test switch: imports without a GPU
        "UNSLOTH_COMPILE_LOCATION": str(workdir / "unsloth_compiled_cache"),
        "HF_HUB_OFFLINE": "1",  # everything loads from the tiny local model
    }
    result = subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, f"check_keywords.py failed:\n{result.stderr[-4000:]}"
    return *(json.loads(report.read_text()) for report in reports), workdir


@pytest.mark.slow
def test_colab_branch_passes_only_keywords_the_pinned_unsloth_and_trl_take(drift):
    report, _, workdir = drift
    assert report["versions"] == pinned_versions()  # the pins, not CI's trl, were checked
    assert set(report["calls"]) == FUNCTIONS  # every entry point was reached and checked
    assert not report["problems"], "\n".join(report["problems"])
    assert report["trainer"] == "UnslothSFTTrainer"  # built by Unsloth's patched TRL, on a CPU
    assert report["grpo_trainer"] == "UnslothGRPOTrainer"
    # helpers.local.cpu_unsloth rewrites only these two (this process did, in conftest.py): the very
    # code Unsloth's whole PatchFastRL writes, as on a GPU
    ours = Path(os.environ["UNSLOTH_COMPILE_LOCATION"])
    for trainer in ("UnslothSFTTrainer.py", "UnslothGRPOTrainer.py"):
        whole = workdir / "unsloth_compiled_cache" / trainer
        assert whole.read_bytes() == (ours / trainer).read_bytes(), trainer
    # the recipe notebook 02 shows in its own cells was checked too, every call of it
    assert set(report["notebook_calls"]["02_sft_models_abc.py"]) == FUNCTIONS - {
        "FastLanguageModel.for_inference",
        "GRPOConfig",
        "GRPOTrainer",
    }
    # and notebook 05's GRPO recipe: its config and trainer, keyword by keyword
    assert {"GRPOConfig", "GRPOTrainer"} <= set(report["notebook_calls"]["05_grpo_inequalities.py"])


@pytest.mark.slow
def test_a_misspelled_keyword_is_reported_with_function_and_pinned_version(drift):
    _, report, _ = drift
    versions = pinned_versions()
    expected = [
        f"FastLanguageModel.from_pretrained does not take keyword 'load_in_4bits' in "
        f"unsloth {versions['unsloth']} ",
        f"SFTConfig does not take keyword 'max_lenght' in trl {versions['trl']} ",
    ]
    for start in expected:
        assert [p for p in report["problems"] if p.startswith(start)], report["problems"]
    assert len(report["problems"]) == len(expected), report["problems"]


@pytest.mark.slow
def test_unsloth_maps_the_reports_ids_to_its_prequantised_4bit_checkpoints():
    """Notebook 04 names the checkpoints Unsloth downloads for the paper's model ids with
    load_in_4bit=True (so nothing fetches 15 GB of 16-bit weights): the pinned mapper agrees."""
    from helpers.hayes import HAYES_RUNS, RUN_2_ON_15B, UNSLOTH_4BIT

    path = Path(importlib.util.find_spec("unsloth").submodule_search_locations[0]) / "models"
    path = path / "mapper.py"
    spec = importlib.util.spec_from_file_location("pinned_unsloth_mapper", path)
    mapper = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mapper)  # a table of names: it imports nothing
    for hub_id, checkpoint in UNSLOTH_4BIT.items():
        assert mapper.FLOAT_TO_INT_MAPPER[hub_id.lower()] == checkpoint
    assert {run.model_name for run in (*HAYES_RUNS, RUN_2_ON_15B)} == set(UNSLOTH_4BIT)
