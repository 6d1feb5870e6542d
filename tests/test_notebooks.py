"""Each nbs_py/*.py is the source of its notebooks/*.ipynb: same cells, no stored outputs, and
the same setup cell everywhere. (nbval executes the notebooks themselves.)"""

import json
import re
from pathlib import Path

import jupytext
import pytest

from helpers.colab import COURSE_REPO

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "nbs_py").glob("*.py"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def cells(notebook):
    return [(cell.cell_type, cell.source.strip()) for cell in notebook.cells]


def setup_cell(notebook):
    return next(cell.source for cell in notebook.cells if cell.cell_type == "code")


def test_every_source_has_its_notebook_and_back():
    assert SOURCES, "no notebook sources found"
    assert [p.stem for p in SOURCES] == [p.stem for p in NOTEBOOKS]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_is_in_sync_with_its_source(source):
    notebook = ROOT / "notebooks" / f"{source.stem}.ipynb"
    assert cells(jupytext.read(source)) == cells(jupytext.read(notebook)), (
        f"{notebook.name} differs from {source.name}: run `jupytext --sync nbs_py/{source.name}` "
        f"after editing the .py (newer file wins), or `jupytext --to ipynb` to overwrite"
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_carries_no_outputs(notebook):
    for cell in jupytext.read(notebook).cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, notebook.name


def test_all_notebooks_share_the_same_setup_cell():
    setups = {p.name: setup_cell(jupytext.read(p)) for p in NOTEBOOKS}
    assert len(set(setups.values())) == 1, setups.keys()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_colab_badge_opens_this_notebook_from_the_courses_one_url(notebook):
    nb = jupytext.read(notebook)
    repo = re.search(r'COURSE_REPO = "(https://github.com/[^"]+)"', setup_cell(nb)).group(1)
    assert repo == COURSE_REPO  # helpers/colab.py holds the URL; `python -m helpers.colab URL`
    owner_name = repo.removeprefix("https://github.com/")
    badge = f"https://colab.research.google.com/github/{owner_name}/blob/main/notebooks/"
    assert badge + notebook.name in nb.cells[0].source


def needs_gpu(notebook) -> bool:
    """What the notebook tells ``start_notebook``: one that trains or generates needs a GPU."""
    source = (ROOT / "nbs_py" / f"{notebook.stem}.py").read_text()
    return not re.search(r"start_notebook\([^)]*needs_gpu=False", source)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_asks_colab_for_a_t4_only_when_it_needs_a_gpu(notebook):
    metadata = json.loads(notebook.read_text())["metadata"]
    if needs_gpu(notebook):
        assert metadata["accelerator"] == "GPU" and metadata["colab"]["gpuType"] == "T4"
    else:  # a CPU runtime: Colab's default when the notebook asks for no accelerator
        assert "accelerator" not in metadata and "gpuType" not in metadata.get("colab", {})


def test_the_data_notebook_alone_runs_on_a_cpu():
    assert [p.stem for p in NOTEBOOKS if not needs_gpu(p)] == ["01_inequality_data"]


def test_setup_cell_installs_the_pinned_stack_only_on_colab(monkeypatch):
    import subprocess
    import sys
    import types

    import helpers.colab

    source = setup_cell(jupytext.read(NOTEBOOKS[0]))
    clones, setups = [], []

    def fake_run(args, **kwargs):
        clones.append(args)
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setattr(helpers.colab, "setup_colab", lambda *a, **k: setups.append((a, k)))
    exec(source, {})  # not on Colab: nothing happens
    assert clones == [] and setups == []

    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(sys, "path", list(sys.path))
    exec(source, {})
    [clone] = clones
    assert clone[:5] == ["git", "clone", "--depth", "1", COURSE_REPO]
    course = clone[5]
    assert sys.path[0] == course
    assert setups == [((Path(course),), {"mount_drive": False})]  # Drive is opt-in


def test_a_failed_clone_shows_gits_error(monkeypatch):
    import subprocess
    import sys
    import types

    source = setup_cell(jupytext.read(NOTEBOOKS[0]))
    failed = subprocess.CompletedProcess([], 128, "", "fatal: repository not found")
    monkeypatch.setattr(subprocess, "run", lambda args, **kwargs: failed)
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(sys, "path", list(sys.path))
    with pytest.raises(RuntimeError, match="fatal: repository not found"):
        exec(source.replace("/content/unsloth-math-course", "/nonexistent/course"), {})
