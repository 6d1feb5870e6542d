"""Each nbs_py/*.py is the source of its notebooks/*.ipynb: same cells, no stored outputs, and
the same setup cell everywhere. (nbval executes the notebooks themselves.)"""

import re
from pathlib import Path

import jupytext
import pytest

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
def test_colab_badge_opens_this_notebook_from_the_setup_cells_repository(notebook):
    nb = jupytext.read(notebook)
    repo = re.search(r'COURSE_REPO = "https://github.com/([^"]+)"', setup_cell(nb)).group(1)
    badge = f"https://colab.research.google.com/github/{repo}/blob/main/notebooks/{notebook.name}"
    assert badge in nb.cells[0].source


def test_setup_cell_installs_the_pinned_stack_only_on_colab(monkeypatch, tmp_path):
    import subprocess
    import sys
    import types

    source = setup_cell(jupytext.read(NOTEBOOKS[0]))
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda args, check: calls.append(args))
    exec(source, {})  # not on Colab: nothing happens
    assert calls == []

    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(sys, "path", list(sys.path))
    exec(source, {})
    clone, install = calls
    assert clone[:4] == ["git", "clone", "--depth", "1"] and clone[4].startswith("https://")
    course = clone[5]
    assert install[1:] == ["-m", "pip", "install", "-q", "-r", f"{course}/requirements.txt",
                           "-e", course]  # fmt: skip
    assert sys.path[0] == course
