"""``python -m helpers.execute --size ...``: every notebook at one size, a failure reported with
its cell and error, the rest still run, and the report a teacher reads."""

import json
import os

import nbformat
import pytest

from helpers.execute import check, main, report_table


def notebook(path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, path)
    return path


def test_a_failing_notebook_is_reported_with_its_cell_and_error_and_the_next_one_runs(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("CURRICULUM_SIZE", raising=False)
    failing = notebook(tmp_path / "a.ipynb", "x = 1", "raise ValueError('no GPU here')", "y = 2")
    passing = notebook(tmp_path / "b.ipynb", "import os\nprint(os.environ['CURRICULUM_SIZE'])")
    report = check("check", [failing, passing], tmp_path / "out")
    first, second = report["notebooks"]
    assert (first["passed"], first["failed_cell"]) == (False, 1)
    assert first["source"] == "raise ValueError('no GPU here')"
    assert first["error"] == "ValueError: no GPU here"
    assert second["passed"] and second["peak_gpu_gib"] is None  # no GPU on this machine
    executed = nbformat.read(tmp_path / "out" / "b.ipynb", as_version=4)
    assert executed.cells[-1].outputs[0]["text"] == "check\n"  # the size reached the kernel
    assert len(executed.cells) == 1  # the memory probe is not saved with the notebook
    assert "CURRICULUM_SIZE" not in os.environ  # set for the kernels only
    table = report_table(report)
    assert "a.ipynb" in table and "cell 1" in table and "ValueError: no GPU here" in table


def test_the_report_goes_to_the_sizes_file_and_a_failure_sets_the_exit_status(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("CURRICULUM_RUNS", str(tmp_path / "runs"))
    failing = notebook(tmp_path / "a.ipynb", "1 / 0")
    assert main(["--size", "check", str(failing)]) == 1
    written = json.loads((tmp_path / "runs" / "smoke" / "executed" / "check.json").read_text())
    assert written["size"] == "check" and written["versions"]["trl"] == "1.15.0"
    assert written["notebooks"][0]["error"] == "ZeroDivisionError: division by zero"


def test_another_size_is_an_error_naming_the_three_before_any_notebook_runs(tmp_path):
    with pytest.raises(ValueError, match="--size='small': choose one of 'full', 'class'"):
        check("small", [tmp_path / "never.ipynb"], tmp_path / "out")


def test_a_notebook_that_reads_another_s_run_folder_runs_after_it_in_the_same_worker(tmp_path):
    from pathlib import Path

    from helpers.execute import chains

    names = ["01_inequality_data", "02_sft_models_abc", "03_aime", "05_grpo_inequalities"]
    groups = chains([Path(f"{name}.ipynb") for name in names])
    assert [[p.stem for p in g] for g in groups] == [
        ["01_inequality_data"],
        ["02_sft_models_abc", "05_grpo_inequalities"],
        ["03_aime"],
    ]


def test_jobs_run_notebooks_at_once_each_worker_with_its_own_compile_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("UNSLOTH_COMPILE_LOCATION", raising=False)
    show = "import os\nprint(os.environ['UNSLOTH_COMPILE_LOCATION'])"
    first = notebook(tmp_path / "b.ipynb", show)
    second = notebook(tmp_path / "a.ipynb", "import time\ntime.sleep(1)", show, "1 / 0")
    written = tmp_path / "check.json"
    report = check("check", [first, second], tmp_path / "out", jobs=2, written=written)
    assert [e["notebook"] for e in report["notebooks"]] == ["b.ipynb", "a.ipynb"]  # as given
    assert [e["passed"] for e in report["notebooks"]] == [True, False]
    assert json.loads(written.read_text()) == report
    folders = {
        nbformat.read(tmp_path / "out" / name, as_version=4).cells[index].outputs[0]["text"]
        for name, index in (("b.ipynb", 0), ("a.ipynb", 1))
    }
    assert len(folders) == 2  # one Unsloth compile folder per worker


def test_jobs_without_a_size_is_an_error(capsys):
    with pytest.raises(SystemExit):
        main(["--jobs", "2"])
    assert "--jobs goes with --size" in capsys.readouterr().err


def test_with_jobs_a_notebook_is_reported_when_it_ends_not_when_its_worker_does(tmp_path):
    """A run stopped part way (a time limit) keeps every notebook that had ended: here the
    quick one ends first, and the file already holds it while the slow one still runs."""
    import threading
    import time

    written = tmp_path / "check.json"
    slow = notebook(tmp_path / "a.ipynb", "import time\ntime.sleep(8)")
    quick = notebook(tmp_path / "b.ipynb", "x = 1")
    seen = []

    def watch():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not seen:
            if written.exists() and '"b.ipynb"' in written.read_text():
                seen.append('"a.ipynb"' in written.read_text())
            time.sleep(0.2)

    watcher = threading.Thread(target=watch)
    watcher.start()
    check("check", [slow, quick], tmp_path / "out", jobs=2, written=written)
    watcher.join()
    assert seen == [False]  # b's entry was written while a still ran
