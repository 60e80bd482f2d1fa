"""The wheel must ship the built front end (a wheel without JS is how "No version of module ...
registered" happens)."""

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_contains_static_bundles(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    import xaiwidgets

    (wheel,) = tmp_path.glob("xaiwidgets-*.whl")
    # the version lives in one place, xaiwidgets/_version.py, and the wheel carries it
    assert wheel.name.startswith(f"xaiwidgets-{xaiwidgets.__version__}-")
    names = zipfile.ZipFile(wheel).namelist()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    targets = config["tool"]["hatch"]["build"]["hooks"]["jupyter-builder"]["ensured-targets"]
    assert {"xaiwidgets/static/comparison.js", "xaiwidgets/static/standalone.js"} <= set(targets)
    for target in targets:
        assert target in names
    assert zipfile.ZipFile(wheel).getinfo("xaiwidgets/static/comparison.js").file_size > 10_000
    assert not any("node_modules" in n for n in names)
    # the licence pyproject names ships as a file, in the repository and in the wheel
    assert (ROOT / "LICENSE").read_text().startswith("BSD 3-Clause License")
    assert any(n.endswith("licenses/LICENSE") or n.endswith("/LICENSE") for n in names), names


def test_the_version_is_written_in_one_place():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in config["project"] and "version" in config["project"]["dynamic"]
    assert config["tool"]["hatch"]["version"]["path"] == "xaiwidgets/_version.py"
    import json

    assert "version" not in json.loads((ROOT / "js" / "package.json").read_text())


@pytest.mark.parametrize("old, new", [
    ("AttributionComparison", "ComparisonView"), ("MaskHeatmap", "MaskView"),
    ("ConceptTreeWidget", "ConceptTreeView"), ("ConceptTimeline", "TimelineView"),
    ("RedescriptionTable", "RedescriptionView"), ("View", "AttributeTable"),
    ("activation_view", "activation_table"), ("prediction_view", "prediction_table"),
    ("as_view", "as_table"),
])
def test_previous_names_are_deprecated_aliases_of_the_new_ones(old, new):
    import xaiwidgets as xw

    with pytest.warns(FutureWarning, match=f"xaiwidgets.{old} is deprecated.*xaiwidgets.{new}"):
        assert getattr(xw, old) is getattr(xw, new)
    assert old not in xw.__all__ and new in xw.__all__
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        xw.Nope  # noqa: B018
