"""Run the notebooks in a real Jupyter kernel and keep what a learner would see.

    python -m helpers.execute                                      # every notebook
    python -m helpers.execute notebooks/01_inequality_data.ipynb   # one

Each executed copy, with its outputs (tables, plots, printed results), is written to
``runs/<profile>/executed/NAME.ipynb``: open it in Jupyter, VS Code or on GitHub to read the
course's results without a GPU. The profile is the usual one (smoke on a CPU machine;
``CURRICULUM_MODEL=smollm2`` for the real CPU model). Tests use the same executor to check what
nbval cannot: that figures arrive as images, not as text.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from helpers.runtime import REPO_ROOT, get_profile, run_dir

NOTEBOOKS = REPO_ROOT / "notebooks"


def execute_notebook(notebook: Path, out_dir: Path, timeout: int = 1200) -> Path:
    """Execute ``notebook`` top to bottom in a fresh ``python3`` kernel (this interpreter's),
    working in the notebooks folder as Jupyter would, and save the executed copy into
    ``out_dir``. A failing cell raises ``nbclient``'s CellExecutionError after the copy,
    with the outputs so far, is saved."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = Path(notebook)
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / notebook.name
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,  # seconds per cell
        kernel_name="python3",
        resources={"metadata": {"path": str(notebook.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError:
        nbformat.write(nb, executed)
        raise
    nbformat.write(nb, executed)
    return executed


def main(notebooks: list[str]) -> None:
    out_dir = run_dir("executed", get_profile())
    paths = [Path(p) for p in notebooks] or sorted(NOTEBOOKS.glob("*.ipynb"))
    for path in paths:
        start = time.perf_counter()
        executed = execute_notebook(path, out_dir)
        print(f"{path.name}: {time.perf_counter() - start:.0f} s -> {executed}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
