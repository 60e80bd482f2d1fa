"""The README stays true: its links, pictures, commands, notebook guide and Binder badge."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
from PIL import Image

import xaiwidgets

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
LINKS = re.findall(r"\]\(([^)\s]+)\)", README)


def test_every_relative_link_and_picture_exists():
    local = [link for link in LINKS if not re.match(r"[a-z]+://", link)]
    assert len(local) >= 15, local
    missing = [link for link in local if not (ROOT / link.split("#")[0]).exists()]
    assert not missing, missing


def test_one_real_picture_per_widget_family():
    pictures = re.findall(r"!\[[^\]]+\]\((docs/images/[^)]+\.png)\)", README)
    assert {Path(p).stem for p in pictures} == {
        "comparison", "masks", "concept-tree", "timeline", "senn", "redescriptions"}
    for p in pictures:
        img = np.asarray(Image.open(ROOT / p).convert("RGB"))
        # drawn at about JupyterLab's default width, and a picture rather than a blank page
        assert 600 <= img.shape[1] <= 1000, (p, img.shape)
        packed = img.astype(np.int32) @ np.array([1 << 16, 1 << 8, 1], dtype=np.int32)
        colours = len(np.unique(packed))
        assert colours > 200, (p, colours)
        # the widget fills the picture: no band of empty rows at the bottom
        assert img[-40:].std() > 1, p


def test_the_binder_badge_opens_the_tour():
    (badge,) = [u for u in LINKS if u.startswith("https://mybinder.org/v2/gh/")]
    url = urlparse(badge)
    (urlpath,) = parse_qs(url.query)["urlpath"]
    assert urlpath == "lab/tree/notebooks/00_tour.ipynb"
    assert (ROOT / urlpath.removeprefix("lab/tree/")).is_file()
    for name in ("environment.yml", "requirements.txt", "postBuild"):
        assert (ROOT / "binder" / name).is_file(), name


def test_the_two_commands_are_make_targets_and_ci_runs_the_test_one():
    rows = dict(re.findall(r"^\| ([^|]+?) \| `(make [a-z-]+)` \|$", README, flags=re.M))
    assert sorted(rows.values()) == ["make lab", "make test"], rows
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), flags=re.M))
    for cmd in [*rows.values(), "make test-fast", "make docs", "make wheel", "make bench"]:
        assert cmd.split()[1] in targets, cmd
    assert "\nmake test 2>&1" in (ROOT / ".ci" / "run").read_text()
    # `make -n` resolves the recipe: lab starts JupyterLab, as root, on copies of the notebooks
    # that git ignores (autosave never modifies the tracked files) and never overwrites
    lab = subprocess.run(["make", "-n", "-W", ".venv/.installed", "lab"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert "jupyter lab --allow-root" in lab and "root_dir=workspace" in lab
    assert "cp -n notebooks/*.ipynb workspace/" in lab
    assert "workspace/" in (ROOT / ".gitignore").read_text().splitlines()


def test_the_notebook_guide_lists_every_notebook_once_and_the_tour_first():
    guide = re.findall(r"^\| `(\d\d_[a-z_]+)` \|", README, flags=re.M)
    on_disk = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert guide == on_disk and guide[0] == "00_tour"


def test_install_lines_name_this_version_and_the_torch_pin():
    assert f"xaiwidgets-{xaiwidgets.__version__}-py3-none-any.whl" in README
    assert "torch==2.13.0" in README and "torch==2.13.0" in (ROOT / "Makefile").read_text()
    for front_end in ("JupyterLab 4", "Notebook 7", "marimo", "Voilà", "standalone HTML"):
        assert front_end in README
