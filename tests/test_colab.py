"""The Colab setup: pip's errors are shown, a restart is asked for exactly when torch changed,
Drive is mounted only when asked, and a fork can point every notebook at itself."""

import subprocess
import sys
import types
from pathlib import Path

import pytest

import helpers.colab
from helpers.colab import COURSE_REPO, install_stack, point_notebooks_at, setup_colab

ROOT = Path(__file__).resolve().parent.parent


def pip_answering(returncode, stderr="", calls=None):
    def run(args, **kwargs):
        if calls is not None:
            calls.append(args)
        return subprocess.CompletedProcess(args, returncode, "pip stdout", stderr)

    return run


def torch_versions(monkeypatch, *versions):
    answers = iter(versions)
    monkeypatch.setattr(helpers.colab, "installed_version", lambda name: next(answers))


def test_install_uses_the_colab_requirements_and_the_course_package(monkeypatch, capsys):
    calls = []
    torch_versions(monkeypatch, "2.10.0", "2.10.0")
    assert install_stack(Path("/content/course"), pip_answering(0, calls=calls)) is False
    [command] = calls
    assert command[1:] == ["-m", "pip", "install", "-r", "/content/course/requirements-colab.txt",
                           "-e", "/content/course"]  # fmt: skip
    assert "restart" not in capsys.readouterr().out


def test_restart_is_asked_for_exactly_when_torch_was_replaced(monkeypatch, capsys):
    torch_versions(monkeypatch, "2.8.0+cu126", "2.10.0")
    assert install_stack(Path("/content/course"), pip_answering(0)) is True
    printed = capsys.readouterr().out
    assert "torch was replaced (2.8.0+cu126 → 2.10.0): restart the session" in printed
    torch_versions(monkeypatch, "2.8.0+cu126", "2.10.0")
    with pytest.raises(SystemExit, match="restart the session"):
        setup_colab(Path("/content/course"), run=pip_answering(0))  # stops "Run all"


def test_pip_failure_shows_pips_own_error(monkeypatch, capsys):
    torch_versions(monkeypatch, "2.8.0", "2.8.0")
    error = "ERROR: Could not find a version that satisfies the requirement unsloth==9"
    with pytest.raises(RuntimeError, match="its output is above"):
        install_stack(Path("/content/course"), pip_answering(1, stderr=error))
    assert error in capsys.readouterr().out


def test_drive_is_mounted_only_when_asked(monkeypatch):
    mounted = []
    google = types.ModuleType("google.colab")
    google.drive = types.SimpleNamespace(mount=mounted.append)
    monkeypatch.setitem(sys.modules, "google.colab", google)
    monkeypatch.setattr(helpers.colab, "install_stack", lambda course, run: False)
    setup_colab(Path("/content/course"))
    assert mounted == []
    setup_colab(Path("/content/course"), mount_drive=True)
    assert mounted == ["/content/drive"]


def test_colab_requirements_are_requirements_txt_without_the_ci_tools():
    from tests.test_requirements import pins

    colab, full = pins(ROOT / "requirements-colab.txt"), pins(ROOT / "requirements.txt")
    assert colab == {name: v for name, v in full.items() if name not in {"jupytext", "nbval"}}


def test_a_fork_points_every_badge_and_setup_cell_at_itself(tmp_path, monkeypatch):
    for folder in ("nbs_py", "notebooks", "helpers"):
        (tmp_path / folder).mkdir()
    for path in helpers.colab.notebook_files(ROOT):
        (tmp_path / path.parent.name / path.name).write_text(path.read_text())
    module = tmp_path / "helpers" / "colab.py"
    module.write_text(Path(helpers.colab.__file__).read_text())
    monkeypatch.setattr(helpers.colab, "__file__", str(module))
    fork = "https://github.com/a-teacher/math-course"
    changed = point_notebooks_at(fork, tmp_path)
    assert len(changed) == 1 + len(helpers.colab.notebook_files(ROOT))
    for path in changed:
        text = path.read_text()
        assert COURSE_REPO not in text and "math-sft-course/unsloth-math-course" not in text
    assert "colab.research.google.com/github/a-teacher/math-course/blob" in changed[1].read_text()
    with pytest.raises(ValueError, match="not a GitHub repository URL"):
        point_notebooks_at("github.com/x", tmp_path)
