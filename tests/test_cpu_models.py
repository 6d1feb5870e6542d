"""The cache of built CPU models: safe when two processes build it at once, clean on failure."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.local.cpu_models import TINY_MODEL_VERSION, _cached_build

ROOT = Path(__file__).resolve().parent.parent

# Run in each child process. Both children meet at a barrier inside the build (each leaves a
# mark, then waits for the other's), so they are certainly building at the same time.
CHILD = """
import os, sys, time
from pathlib import Path

import helpers.local.cpu_models as cpu_models

marks = Path(sys.argv[1])


def meet_the_other_builder():
    (marks / str(os.getpid())).touch()
    deadline = time.monotonic() + 60
    while len(list(marks.iterdir())) < 2:
        if time.monotonic() > deadline:
            raise TimeoutError("the other process never started building")
        time.sleep(0.02)


def fake_build(folder):
    meet_the_other_builder()
    Path(folder).mkdir(parents=True, exist_ok=True)
    time.sleep(0.2)
    (Path(folder) / "config.json").write_text("{}")


def real_build(folder):
    meet_the_other_builder()
    build_tiny_model(folder)


if sys.argv[2] == "fake":
    print(cpu_models._cached_build("fake-model", fake_build))
else:
    build_tiny_model = cpu_models.build_tiny_model
    cpu_models.build_tiny_model = real_build
    print(cpu_models.tiny_model_path())
"""


def build_in_two_processes(tmp_path, kind):
    cache, marks = tmp_path / "cache", tmp_path / "marks"
    marks.mkdir()
    env = {**os.environ, "CURRICULUM_CACHE": str(cache), "OMP_NUM_THREADS": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = [sys.executable, "-c", CHILD, str(marks), kind]
    children = [
        subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    results = [(child.wait(timeout=300), *child.communicate()) for child in children]
    for returncode, _, stderr in results:
        assert returncode == 0, stderr.decode()
    assert len(list(marks.iterdir())) == 2  # both processes really built
    return cache, [Path(stdout.decode().strip()) for _, stdout, _ in results]


def test_two_processes_building_the_cache_at_once_both_succeed_and_leave_no_scratch(tmp_path):
    cache, paths = build_in_two_processes(tmp_path, "fake")
    assert paths == [cache / "fake-model"] * 2
    assert (cache / "fake-model" / "config.json").read_text() == "{}"
    assert [p.name for p in cache.iterdir()] == ["fake-model"]


@pytest.mark.slow
def test_two_processes_can_build_the_real_tiny_model_at_once(tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    cache, paths = build_in_two_processes(tmp_path, "real")
    assert paths == [cache / TINY_MODEL_VERSION] * 2
    assert [p.name for p in cache.iterdir()] == [TINY_MODEL_VERSION]
    tokenizer = AutoTokenizer.from_pretrained(paths[0])
    model = AutoModelForCausalLM.from_pretrained(paths[0])
    assert model.config.vocab_size == len(tokenizer)


def test_a_build_that_raises_leaves_no_scratch_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CURRICULUM_CACHE", str(tmp_path))

    def failing_build(folder):
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / "half-written.bin").write_bytes(b"\0" * 10)
        raise RuntimeError("conversion failed")

    with pytest.raises(RuntimeError, match="conversion failed"):
        _cached_build("fake-model", failing_build)
    assert list(tmp_path.iterdir()) == []


def test_a_built_folder_is_used_without_building_again(tmp_path, monkeypatch):
    monkeypatch.setenv("CURRICULUM_CACHE", str(tmp_path))
    (tmp_path / "fake-model").mkdir()
    (tmp_path / "fake-model" / "config.json").write_text("{}")

    def must_not_build(folder):
        raise AssertionError("built again")

    assert _cached_build("fake-model", must_not_build) == tmp_path / "fake-model"


def test_a_cache_folder_without_config_names_the_folder_to_delete(tmp_path, monkeypatch):
    monkeypatch.setenv("CURRICULUM_CACHE", str(tmp_path))
    (tmp_path / "fake-model").mkdir()
    (tmp_path / "fake-model" / "weights.bin").write_bytes(b"\0")

    def build(folder):
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / "config.json").write_text("{}")

    with pytest.raises(RuntimeError, match=r"fake-model holds no config.json.*delete it"):
        _cached_build("fake-model", build)
    assert [p.name for p in tmp_path.iterdir()] == ["fake-model"]  # no scratch left behind
