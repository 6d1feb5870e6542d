"""The colab profile offline, on this CPU machine: everything up to model loading runs on the
colab code path (local data files, a local model folder), then Unsloth's GPU need stops the
notebook with the fix, not with a traceback from deep inside a library."""

import json

import pytest
from nbclient.exceptions import CellExecutionError

from helpers.execute import NOTEBOOKS, execute_notebook
from helpers.local.cpu_models import tiny_model_path
from helpers.models import MODEL_PATH_ENV, NO_GPU


def test_notebook_02_runs_the_colab_path_up_to_model_loading(monkeypatch, tmp_path):
    monkeypatch.setenv("CURRICULUM_PROFILE", "colab")
    monkeypatch.setenv("CURRICULUM_OFFLINE", "1")
    monkeypatch.setenv(MODEL_PATH_ENV, str(tiny_model_path()))  # a real-shape one on a GPU
    monkeypatch.setenv("CURRICULUM_RUNS", str(tmp_path / "runs"))
    with pytest.raises(CellExecutionError, match="Unsloth needs a CUDA GPU"):
        execute_notebook(NOTEBOOKS / "02_sft_models_abc.ipynb", tmp_path)
    cells = json.loads((tmp_path / "02_sft_models_abc.ipynb").read_text())["cells"]
    ran = [c for c in cells if c["cell_type"] == "code" and c["outputs"]]
    stopped = ran[-1]
    assert "evaluate_splits(" in "".join(stopped["source"])  # the first cell that loads a model
    assert any(o.get("evalue") == NO_GPU for o in stopped["outputs"])
    printed = json.dumps([c["outputs"] for c in ran[:-1]])
    assert "profile : colab" in printed  # the colab path, at the full size:
    assert "train Model D: 2000 problems x 2 epochs" in printed
    assert "tokens with the worked solution as target" in printed
