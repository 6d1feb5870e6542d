"""Run the notebooks in a real Jupyter kernel and keep what a learner would see.

    python -m helpers.execute                                      # every notebook, its own SIZE
    python -m helpers.execute notebooks/01_inequality_data.ipynb   # one
    python -m helpers.execute --size check                         # check a runtime: all six

Each executed copy, with its outputs (tables, plots, printed results), is written to
``runs/<profile>/executed/NAME.ipynb``: open it in Jupyter, VS Code or on GitHub to read the
course's results without a GPU. The profile is the usual one (smoke on a CPU machine;
``CURRICULUM_MODEL=smollm2`` for the real CPU model). Tests use the same executor to check what
nbval cannot: that figures arrive as images, not as text.

``--size`` runs every notebook at that size (``$CURRICULUM_SIZE``: it overrides each
notebook's ``SIZE``), on to the last even when one fails, and writes
``runs/<profile>/executed/<size>.json``: per notebook, passed or the failing cell and its
error, wall seconds and peak GPU memory, with the GPU, its driver and the library versions;
the same as a table on screen (the file is rewritten as each notebook finishes, and each
executed copy after each cell, so a run stopped part way keeps what it did). ``--size check``
on a Colab T4 checks the whole course in about an hour (the check sizes' budgets:
``helpers.plans``).

``--jobs N`` runs up to N notebooks at once, each in its own kernel: for a GPU with room for
several T4s' worth of memory, not for Colab. A notebook that reads another's run folder
(``READS``) runs after it, in the same worker; each worker gets its own Unsloth compile folder.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from helpers.plans import NAMES, SIZE_ENV, check_size
from helpers.runtime import REPO_ROOT, get_profile, library_versions, run_dir

NOTEBOOKS = REPO_ROOT / "notebooks"
CHECKED_LIBRARIES = ("torch", "transformers", "trl", "peft", "unsloth", "bitsandbytes")
# A notebook -> the notebooks whose run folders it reads (or writes when they are missing).
READS = {"05_grpo_inequalities": ("02_sft_models_abc",)}
COMPILE_LOCATION = "UNSLOTH_COMPILE_LOCATION"  # where Unsloth writes the code it generates
# Run in the notebook's kernel after its last cell (or its failing one): what it held at most.
PEAK_PROBE = (
    "import json as _j, torch as _t\n"
    "print(_j.dumps(_t.cuda.max_memory_allocated() / 2**30 if _t.cuda.is_available() else None))"
)


def execute_notebook(notebook: Path, out_dir: Path, timeout: int = 1200) -> Path:
    """Execute ``notebook`` top to bottom in a fresh ``python3`` kernel (this interpreter's),
    working in the notebooks folder as Jupyter would, and save the executed copy into
    ``out_dir``. A failing cell raises ``nbclient``'s CellExecutionError after the copy,
    with the outputs so far, is saved."""
    run = _run(notebook, out_dir, timeout)
    if run["error"] is not None:
        raise run["error"]
    return run["executed"]


def _run(notebook: Path, out_dir: Path, timeout: int) -> dict:
    """Execute ``notebook`` cell by cell, then ask its kernel for its peak GPU memory (after
    its last cell, or its failing one); save the executed copy either way."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = Path(notebook)
    out_dir.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,  # seconds per cell
        kernel_name="python3",
        resources={"metadata": {"path": str(notebook.parent)}},
    )
    error, failed, start = None, None, time.perf_counter()
    executed = out_dir / notebook.name
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            try:
                client.execute_cell(cell, index)
            except CellExecutionError as raised:
                error, failed = raised, index
                break
            finally:
                nbformat.write(nb, executed)  # what ran so far survives a stopped run
        seconds = time.perf_counter() - start
        nb.cells.append(nbformat.v4.new_code_cell(PEAK_PROBE))  # nbclient writes back by index
        client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
        probe = nb.cells.pop()
    nbformat.write(nb, executed)
    return {
        "executed": executed,
        "error": error,
        "failed_cell": failed,
        "seconds": round(seconds, 1),
        "peak_gpu_gib": json.loads(probe.outputs[-1]["text"]) if probe.outputs else None,
    }


def gpu_and_driver() -> dict:
    """The GPU's name, driver and memory as ``nvidia-smi`` reports them, or none."""
    query = ["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"]
    try:
        lines = subprocess.run(query, capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        lines = ""
    if not lines.strip():
        return {"gpu": "none", "driver": None, "memory": None}
    name, driver, memory = lines.splitlines()[0].split(", ")
    return {"gpu": name, "driver": driver, "memory": memory}


def check(
    size: str, paths: list[Path], out_dir: Path, jobs: int = 1, written: Path | None = None
) -> dict:
    """Execute ``paths`` at ``size``, each on to its end or its first failing cell: the report
    that ``--size`` writes (to ``written`` as each notebook finishes, when given). The kernels
    get ``$CURRICULUM_SIZE``; this process's is restored. With ``jobs`` > 1, up to that many
    notebooks run at once (``READS`` keeps a notebook after the one whose run folder it reads)."""
    check_size(size, "--size")
    if jobs < 1:
        raise ValueError(f"--jobs={jobs}: give 1 or more notebooks at once")
    report = {"size": size, "profile": get_profile().name, **gpu_and_driver()}
    report["versions"] = library_versions(CHECKED_LIBRARIES)
    report["notebooks"] = []
    if written is not None:
        written.write_text(json.dumps(report, indent=1))  # no earlier run's report stays

    def finished(entry: dict) -> None:
        report["notebooks"].append(entry)
        if written is not None:
            written.write_text(json.dumps(report, indent=1))

    before = os.environ.get(SIZE_ENV)
    os.environ[SIZE_ENV] = size  # every kernel inherits it
    try:
        if jobs == 1:
            for path in paths:
                finished(_checked(path, out_dir))
        else:
            _check_at_once(chains(paths), out_dir, jobs, finished)
    finally:
        if before is None:
            del os.environ[SIZE_ENV]
        else:
            os.environ[SIZE_ENV] = before
    order = [path.name for path in paths]
    report["notebooks"].sort(key=lambda entry: order.index(entry["notebook"]))
    if written is not None:
        written.write_text(json.dumps(report, indent=1))  # the notebooks in the order given
    return report


def chains(paths: list[Path]) -> list[list[Path]]:
    """``paths`` in groups to run one after another: a notebook joins the group of a notebook
    it ``READS``, after it; the others are a group each."""
    groups: list[list[Path]] = []
    for path in paths:
        read = set(READS.get(path.stem, ()))
        home = next((g for g in groups if read & {p.stem for p in g}), None)
        if home is None:
            groups.append([path])
        else:
            home.append(path)
    return groups


def _check_at_once(groups: list[list[Path]], out_dir: Path, jobs: int, finished) -> None:
    """Each group in its own process (and so its own kernels), up to ``jobs`` at once; each
    notebook's entry reaches ``finished`` as soon as that notebook ends."""
    spawn = get_context("spawn")  # a fresh interpreter: no CUDA or threads inherited
    with spawn.Manager() as manager, ProcessPoolExecutor(jobs, mp_context=spawn) as pool:
        entries = manager.Queue()
        runs = [pool.submit(_check_group, g, out_dir, n, entries) for n, g in enumerate(groups)]
        while not all(run.done() for run in runs) or not entries.empty():
            try:
                finished(entries.get(timeout=0.5))
            except queue.Empty:
                pass
        for run in runs:
            run.result()  # a worker's own error, if any, surfaces here


def _check_group(group: list[Path], out_dir: Path, number: int, entries) -> None:
    """One worker's notebooks, in order, with an Unsloth compile folder of its own (two
    kernels writing the same generated file at once could read it half written)."""
    if COMPILE_LOCATION not in os.environ:
        os.environ[COMPILE_LOCATION] = str(out_dir / f"unsloth_compiled_cache_{number}")
    for path in group:
        entries.put(_checked(path, out_dir))


def _checked(path: Path, out_dir: Path) -> dict:
    """One notebook's entry of the report, printed as it finishes."""
    run = _run(path, out_dir, timeout=1200)
    entry = {"notebook": path.name, "passed": run["error"] is None}
    entry |= {"seconds": run["seconds"], "peak_gpu_gib": run["peak_gpu_gib"]}
    if run["error"] is not None:
        cell = json.loads(run["executed"].read_text())["cells"][run["failed_cell"]]
        entry |= {"failed_cell": run["failed_cell"], "source": "".join(cell["source"])}
        entry["error"] = f"{run['error'].ename}: {run['error'].evalue}"
    print(
        f"{path.name}: {'passed' if entry['passed'] else 'FAILED'} in {run['seconds']} s",
        flush=True,
    )
    return entry


def report_table(report: dict) -> str:
    """The report as a table a teacher reads at a glance."""
    lines = [
        f"size {report['size']} on {report['gpu']} (driver {report['driver']}), "
        + ", ".join(f"{name} {v}" for name, v in report["versions"].items()),
        f"{'notebook':<30} {'result':<8} {'seconds':>8} {'peak GPU GiB':>13}",
    ]
    for entry in report["notebooks"]:
        peak = "-" if entry["peak_gpu_gib"] is None else f"{entry['peak_gpu_gib']:.2f}"
        result = "passed" if entry["passed"] else f"cell {entry['failed_cell']}"
        lines.append(f"{entry['notebook']:<30} {result:<8} {entry['seconds']:>8} {peak:>13}")
        if not entry["passed"]:
            lines.append(f"    {entry['error']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook")
    parser.add_argument("--size", help=f"run every notebook at this size: {', '.join(NAMES)}")
    parser.add_argument("--jobs", type=int, default=1, help="with --size: notebooks at once")
    options = parser.parse_args(argv)
    if options.jobs != 1 and options.size is None:
        parser.error("--jobs goes with --size")
    out_dir = run_dir("executed", get_profile())
    paths = options.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    if options.size is None:
        for path in paths:
            start = time.perf_counter()
            executed = execute_notebook(path, out_dir)
            print(f"{path.name}: {time.perf_counter() - start:.0f} s -> {executed}", flush=True)
        return 0
    written = out_dir / f"{options.size}.json"
    report = check(options.size, paths, out_dir, options.jobs, written)
    print(report_table(report), f"written to {written}", sep="\n")
    return 0 if all(entry["passed"] for entry in report["notebooks"]) else 1


if __name__ == "__main__":
    sys.exit(main())
