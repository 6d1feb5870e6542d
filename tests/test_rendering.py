"""What nbval cannot see: executed in a real Jupyter kernel, a notebook's figures must arrive as
PNG images (a Figure built without pyplot otherwise prints as ``<Figure size ...>``)."""

import json

from helpers.execute import NOTEBOOKS, execute_notebook


def test_notebook_01_shows_its_figures_as_images(monkeypatch, tmp_path):
    monkeypatch.setenv("CURRICULUM_PROFILE", "smoke")
    monkeypatch.setenv("CURRICULUM_RUNS", str(tmp_path / "runs"))  # the kernel inherits both
    executed = execute_notebook(NOTEBOOKS / "01_inequality_data.ipynb", tmp_path / "executed")
    cells = [c for c in json.loads(executed.read_text())["cells"] if c["cell_type"] == "code"]
    figure_cells = [c for c in cells if "plot_" in "".join(c["source"])]
    assert len(figure_cells) >= 2
    for cell in figure_cells:
        images = [o for o in cell["outputs"] if "image/png" in o.get("data", {})]
        assert images, "".join(cell["source"])
    for output in (o for c in cells for o in c["outputs"]):  # no figure left as text alone
        data = output.get("data", {})
        if "".join(data.get("text/plain", "")).startswith("<Figure size"):
            assert "image/png" in data
    assert (tmp_path / "runs" / "smoke" / "01_inequality_data").is_dir()  # ran in the profile
