"""The Colab setup: pip's errors are shown, a restart is asked for exactly when the install
changed a package the session had imported, Drive is mounted only when asked, and a fork can
point every notebook at itself."""

import importlib.metadata
import subprocess
import sys
import types
from pathlib import Path

import pytest

import helpers.colab
from helpers.colab import COURSE_REPO, install_stack, point_notebooks_at, setup_colab

ROOT = Path(__file__).resolve().parent.parent


def pip_answering(returncode, stderr="", calls=None, installs=None, versions=None):
    """A stand-in for ``subprocess.run`` running pip: it sets ``versions`` (the installed
    distributions) to ``installs``, as pip would."""

    def run(args, **kwargs):
        if calls is not None:
            calls.append(args)
        if installs:
            versions.update(installs)
        return subprocess.CompletedProcess(args, returncode, "pip stdout", stderr)

    return run


def installed(monkeypatch, versions, imported=(), not_imported=()):
    """Fake installed distributions, ``{name: version}``, each providing the top-level module of
    its own name, those in ``imported`` imported in this session and the others not."""
    monkeypatch.setattr(helpers.colab, "installed_version", versions.get)
    modules = {name: [name] for name in versions}
    monkeypatch.setattr(importlib.metadata, "packages_distributions", lambda: modules)
    for name in imported:
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    for name in not_imported:
        monkeypatch.delitem(sys.modules, name, raising=False)
    return versions


def test_install_uses_the_colab_requirements_and_the_course_package(monkeypatch, capsys):
    calls = []
    installed(monkeypatch, {"pandas": "2.2.3"}, imported=["pandas"])
    assert install_stack(Path("/content/course"), pip_answering(0, calls=calls)) is False
    [command] = calls
    assert command[1:] == ["-m", "pip", "install", "-r", "/content/course/requirements-colab.txt",
                           "-e", "/content/course"]  # fmt: skip
    assert "Restart" not in capsys.readouterr().out


def test_a_restart_is_asked_when_the_install_changed_an_imported_package(monkeypatch, capsys):
    versions = installed(monkeypatch, {"pandas": "2.2.3", "torch": "2.11.0"}, imported=["pandas"])
    pip = pip_answering(0, installs={"pandas": "3.1.1"}, versions=versions)
    assert install_stack(Path("/content/course"), pip) is True
    printed = capsys.readouterr().out
    assert "already imported: pandas 2.2.3 → 3.1.1. Restart the session" in printed
    assert "torch" not in printed  # unchanged
    versions["pandas"] = "2.2.3"
    with pytest.raises(SystemExit, match="restart the session"):
        setup_colab(Path("/content/course"), run=pip)  # stops "Run all"


def test_no_restart_when_the_install_changed_only_packages_never_imported(monkeypatch, capsys):
    versions = installed(monkeypatch, {"pyarrow_like": "18.1.0"}, not_imported=["pyarrow_like"])
    pip = pip_answering(0, installs={"pyarrow_like": "26.0.1"}, versions=versions)
    assert install_stack(Path("/content/course"), pip) is False
    assert "Restart" not in capsys.readouterr().out


def test_pip_failure_shows_pips_own_error(monkeypatch, capsys):
    installed(monkeypatch, {})
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


def test_colab_requirements_pin_what_colab_lacks_and_leave_colabs_own_packages_unpinned():
    from tests.test_requirements import colab_provided, pins

    colab, full = pins(ROOT / "requirements-colab.txt"), pins(ROOT / "requirements.txt")
    provided = colab_provided()
    for name, version in colab.items():  # a pin equal to requirements.txt's, or Colab's own
        assert version == full.get(name) or (version is None and name in provided), name
    assert {"torch", "numpy", "pandas"} <= provided.keys()  # google-colab pins its pandas
    ci_tools = {"jupytext", "nbval"}
    assert set(full) - ci_tools <= set(colab) and not ci_tools & set(colab)  # every other name


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
