"""Turn what ``check.sh`` sent back into one record to commit: ``benchmarks/results/gpu_run.json``.

    python benchmarks/gpu/record.py OUT_DIR benchmarks/results/gpu_run.json [--note TEXT]

OUT_DIR holds check.sh's files (check.json, check.log, executed.tar.gz). The record keeps, per
notebook: passed, or its failing cell and error, or (for a notebook the time limit stopped) the
last cell it finished; wall seconds and peak GPU memory; and every cell that took 5 s or more,
timed by nbclient's own stamps. Plus the steps of check.sh with their seconds.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import tarfile
from datetime import datetime
from pathlib import Path

SLOW_CELL_SECONDS = 5.0


def cell_seconds(cell: dict) -> float | None:
    """How long a code cell ran, from the timestamps nbclient records in its metadata."""
    stamps = cell.get("metadata", {}).get("execution", {})
    if "iopub.execute_input" not in stamps or "shell.execute_reply" not in stamps:
        return None
    start, end = (
        datetime.fromisoformat(stamps[k]) for k in ("iopub.execute_input", "shell.execute_reply")
    )
    return round((end - start).total_seconds(), 1)


def notebook_record(notebook: dict) -> dict:
    """The cells of an executed notebook that ran: the last one, and the slow ones."""
    ran, slow = None, []
    for index, cell in enumerate(notebook["cells"]):
        seconds = cell_seconds(cell) if cell["cell_type"] == "code" else None
        if seconds is None:
            continue
        ran = index
        if seconds >= SLOW_CELL_SECONDS:
            source = "".join(cell["source"]).strip()
            slow.append({"cell": index, "seconds": seconds, "first_line": source.splitlines()[0]})
    return {"last_cell_run": ran, "cells": len(notebook["cells"]), "slow_cells": slow}


def logged(out_dir: Path) -> dict:
    """Notebooks whose end the log printed (``NAME: passed in S s``) with the failing cell
    failing_cells.txt names: for a check.json that missed them (peak memory is not logged)."""
    log = (out_dir / "check.log").read_text()
    failing = out_dir / "failing_cells.txt"
    errors = re.findall(
        r"^== (\S+), cell (\d+): (.*)$", failing.read_text() if failing.exists() else "", re.M
    )
    entries = {}
    for name, result, seconds in re.findall(
        r"^(\S+\.ipynb): (passed|FAILED) in ([\d.]+) s$", log, re.M
    ):
        entry = {"notebook": name, "passed": result == "passed", "seconds": float(seconds)}
        entry["peak_gpu_gib"] = None
        for failed, cell, error in errors:
            if failed == name:
                entry |= {"failed_cell": int(cell), "error": error}
        entries[name] = entry
    return entries


def record(out_dir: Path, note: str = "") -> dict:
    report = json.loads((out_dir / "check.json").read_text())
    steps = re.findall(r"^== (\S+)\s+(\S+)\s+(\d+) s$", (out_dir / "check.log").read_text(), re.M)
    executed = {}
    archive = out_dir / "executed.tar.gz"
    if archive.is_file():
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                with tar.extractfile(member) as file:
                    executed[member.name] = json.load(io.TextIOWrapper(file, "utf-8"))
    finished = {entry["notebook"]: entry for entry in report["notebooks"]}
    finished |= {name: entry for name, entry in logged(out_dir).items() if name not in finished}
    notebooks = []
    for name in sorted(set(finished) | set(executed)):
        entry = dict(
            finished.get(name, {"notebook": name, "passed": None, "stopped": "time limit"})
        )
        if name in executed:
            entry |= notebook_record(executed[name])
        notebooks.append(entry)
    head = {key: value for key, value in report.items() if key != "notebooks"}
    return {
        "note": note,
        **head,
        "steps": [{"step": s, "result": r, "seconds": int(t)} for s, r, t in steps],
        "notebooks": notebooks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("written", type=Path)
    parser.add_argument("--note", default="", help="what the run was, in a sentence")
    args = parser.parse_args()
    args.written.write_text(json.dumps(record(args.out_dir, args.note), indent=1) + "\n")
    print(f"wrote {args.written}")


if __name__ == "__main__":
    main()
