"""Every tutorial notebook runs top to bottom on CPU (they are part of the product)."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
ALL = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def test_every_tutorial_is_listed():
    assert "01_attributions_side_by_side.ipynb" in ALL
    for name in ("02_masks_images", "03_masks_text", "04_masks_smiles", "05_cme_sprites"):
        assert f"{name}.ipynb" in ALL


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
def test_notebook_runs(name, tmp_path):
    # run a copy in a scratch dir: notebooks write exports next to themselves
    work = tmp_path / name
    shutil.copy(NOTEBOOKS / name, work)
    nb = nbformat.read(work, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={
        "metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    ours = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
            if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
            and "xai-static" in o["data"].get("text/html", "")]
    # every xaiwidgets output carries its static snapshot for nbconvert/GitHub
    assert ours, "each tutorial shows at least one xaiwidgets widget"
