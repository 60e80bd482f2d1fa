"""The documentation site (`make docs`): docs/ pages, the API reference from the docstrings and
a page per tutorial notebook with its outputs, built offline in strict mode; the gallery.

The build here executes one small notebook (or reuses its up-to-date executed copy from
build/notebooks/, which `make docs` and the notebook tests write): every notebook's page goes
through the same rendering, the others without outputs."""

from __future__ import annotations

import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
import time
import types
from pathlib import Path

import nbformat
import numpy as np
import pytest
from PIL import Image

import xaiwidgets

ROOT = Path(__file__).resolve().parents[1]
EXECUTED_HERE = "07_meme_occupancy.ipynb"  # the quickest tutorial (about 7 s), a TimelineView


def _docs_module(name: str):
    """docs/<name>.py (the docs' scripts are files, not a package)."""
    spec = importlib.util.spec_from_file_location(f"_docs_{name}", ROOT / "docs" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


notebooks = _docs_module("notebooks")


def _fail_or_skip(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the docs build may not skip)", pytrace=False)
    pytest.skip(reason)


def _executed_copies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding an executed copy of one notebook: reused when up to date, else run."""
    out = tmp_path_factory.mktemp("executed")
    if notebooks.up_to_date(EXECUTED_HERE, notebooks.EXECUTED):
        shutil.copy2(notebooks.EXECUTED / EXECUTED_HERE, out / EXECUTED_HERE)
    else:
        t0 = time.monotonic()
        notebooks.execute(EXECUTED_HERE, out)
        print(f"{EXECUTED_HERE} executed: {time.monotonic() - t0:.1f} s")
    assert notebooks.up_to_date(EXECUTED_HERE, out)
    return out


def _build_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for mod in ("mkdocs", "material", "mkdocstrings_handlers.python"):
        try:
            __import__(mod)
        except ImportError:
            _fail_or_skip(f"{mod} is not installed (the dev extra has it)")
    executed = _executed_copies(tmp_path_factory)
    out = tmp_path_factory.mktemp("site")
    env = {
        **os.environ,
        "NO_MKDOCS_2_WARNING": "1",
        # one notebook executed; the others' pages show their code under a note
        "XAIWIDGETS_DOCS_EXECUTED": str(executed),
        "XAIWIDGETS_DOCS_UNEXECUTED": "1",
        # Offline: any attempt to reach the network during the build fails at once.
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
        "NO_PROXY": "",
        "no_proxy": "",
    }
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    print(f"docs build: {time.monotonic() - t0:.1f} s")
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    # strict mode turns every warning into a failure; none may have been printed either
    assert "WARNING" not in proc.stderr, proc.stderr
    return out


def _page(site: Path, rel: str) -> str:
    path = site / rel
    assert path.is_file(), f"{rel} missing from the site: {sorted(p.name for p in site.iterdir())}"
    return path.read_text(encoding="utf-8")


def _every_docs_page_is_in_the_site(site: Path) -> None:
    pages = sorted((ROOT / "docs").rglob("*.md"))
    assert pages
    for md in pages:
        rel = md.relative_to(ROOT / "docs").with_suffix("")
        html = str(rel.parent / "index.html" if rel.name == "index" else rel / "index.html")
        _page(site, html)
    assert "compare_attributions" in _page(site, "methods/attributions/index.html")
    # an anchor that the method pages link to, kept from GitHub's heading slugs
    assert 'id="1-estimators-_coreestimatorpy"' in _page(site, "contracts/index.html")


def _api_index_lists_the_public_api(site: Path) -> None:
    html = _page(site, "api/index.html")
    for name in xaiwidgets.__all__:
        assert f"<code>{name}</code>" in html, name
    # each name links to where it is documented
    assert re.search(r'href="attributions/#xaiwidgets\.attributions\.compare_attributions"', html)


def _each_public_subpackage_has_a_page(site: Path) -> None:
    subpackages = sorted(p.parent.name for p in (ROOT / "xaiwidgets").glob("*/__init__.py")
                         if not p.parent.name.startswith("_"))
    assert {"attributions", "metrics", "masks", "concepts", "widgets", "datasets"} <= set(
        subpackages)
    for sub in subpackages:
        html = _page(site, f"api/{sub}/index.html")
        mod = __import__(f"xaiwidgets.{sub}", fromlist=["_"])
        for name in getattr(mod, "__all__", []):
            assert f"<code>{name}</code>" in html or f">{name}<" in html, (sub, name)


def _api_pages_render_the_docstrings(site: Path) -> None:
    attributions = _page(site, "api/attributions/index.html")
    assert 'id="xaiwidgets.attributions.compare_attributions"' in attributions
    assert "Explain <code>inputs</code> with every method" in attributions  # the docstring
    assert "deletion_auc" in attributions  # a default from the signature
    widgets = _page(site, "api/widgets/index.html")
    assert 'id="xaiwidgets.widgets.ComparisonView"' in widgets
    assert 'id="xaiwidgets.widgets.ComparisonView.from_model"' in widgets
    assert 'id="xaiwidgets.widgets.ComparisonView.to_html"' in widgets  # inherited
    masks = _page(site, "api/masks/index.html")
    assert 'id="xaiwidgets.masks.MaskExplainer.fit"' in masks
    assert 'id="xaiwidgets.masks.MaskExplainer.save"' in masks  # from XaiEstimator
    # Sphinx roles in docstrings become links (or code), never literal ":func:`...`"
    for page in (site / "api").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r":(func|class|meth|attr|mod|data):`", text), page
        assert "<autoref" not in text, page


def _notebook_pages_show_the_outputs(site: Path) -> None:
    names = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    index = _page(site, "notebooks/index.html")
    for name in names:  # every tutorial has a page, listed on the index
        assert f'href="{name}/"' in index, name
        _page(site, f"notebooks/{name}/index.html")
    page = _page(site, f"notebooks/{Path(EXECUTED_HERE).stem}/index.html")
    assert "Run on a CPU by" in page and "Not executed" not in page
    # the view's static snapshot, not the live widget: a picture with data, no loader message
    assert "<div class='nb-output' id='output-" in page
    snapshot = page[page.index("<div class='xai-static'"):]
    assert re.search(r"<img [^>]*src=['\"]data:image/png;base64,[A-Za-z0-9+/]{200,}", snapshot) \
        or re.search(r"<svg\b[^>]*>.*?<(rect|path|polyline)\b", snapshot, re.S)
    assert "Room occupancy" in page  # the snapshot's title (the notebook's data set)
    assert "Loading widget" not in page and "widget-view+json" not in page
    # what the cells printed, under their code
    assert "per-step fidelity" in page
    # the other pages: code only, under a note naming the command that executes them
    other = _page(site, f"notebooks/{names[0]}/index.html")
    assert "Not executed" in other and "python docs/notebooks.py" in other
    assert "nb-output" not in other


def _gallery_is_in_the_site(site: Path) -> None:
    html = _page(site, "gallery/index.html")
    for picture in (ROOT / "docs" / "images" / "gallery").glob("*.png"):
        assert f"../images/gallery/{picture.name}" in html, picture.name
        assert (site / "images" / "gallery" / picture.name).is_file()


def test_docs_site_builds_offline_in_strict_mode(tmp_path_factory: pytest.TempPathFactory) -> None:
    # one test, one build: a module fixture would build once per xdist worker
    site = _build_site(tmp_path_factory)
    _every_docs_page_is_in_the_site(site)
    _api_index_lists_the_public_api(site)
    _each_public_subpackage_has_a_page(site)
    _api_pages_render_the_docstrings(site)
    _notebook_pages_show_the_outputs(site)
    _gallery_is_in_the_site(site)


def test_generated_reference_is_not_committed() -> None:
    # the API pages are written at build time (docs/api/reference.py); only the hooks live here
    assert sorted(p.name for p in (ROOT / "docs" / "api").iterdir()
                  if p.name != "__pycache__") == ["reference.py", "sphinx_roles.py"]


# -- the notebook pages' rendering (docs/notebooks.py), on a notebook made here ------------------

def _made_notebook():
    nb = nbformat.v4.new_notebook()
    widget = {"model_id": "m0", "version_major": 2, "version_minor": 0}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A title\n\nSee [the CME tutorial](05_cme_sprites.ipynb)."),
        nbformat.v4.new_code_cell("print('<script>alert(1)</script>')", outputs=[
            nbformat.v4.new_output("stream", name="stdout",
                                   text="<script>alert(1)</script>\n"),
            nbformat.v4.new_output("stream", name="stderr",
                                   text="fit:  10%|#\rfit: 100%|##########| 30/30\n"),
        ]),
        nbformat.v4.new_code_cell("view", outputs=[
            nbformat.v4.new_output("display_data", data={
                "application/vnd.jupyter.widget-view+json": widget,
                "text/plain": "ComparisonView(...)",
                "text/html": "<div class='xai-static'><h4>a snapshot</h4></div>"}),
            # a widget of another package has no snapshot: nothing is shown for it
            nbformat.v4.new_output("display_data", data={
                "application/vnd.jupyter.widget-view+json": widget, "text/plain": "HBox()"}),
        ]),
        nbformat.v4.new_code_cell("1 < 2", outputs=[nbformat.v4.new_output(
            "execute_result", data={"text/plain": "True & <b>not bold</b>"}, execution_count=3)]),
    ]
    return nb


def test_notebook_page_escapes_printed_text_and_shows_snapshots() -> None:
    text, outputs = notebooks.render(_made_notebook(), "made.ipynb", executed=True)
    assert text.startswith("# A title")
    assert "[the CME tutorial](05_cme_sprites.md)" in text  # tutorials link to their pages
    assert "````python\nprint('<script>alert(1)</script>')\n````" in text  # code as code
    assert "Run on a CPU by" in text
    assert sorted(outputs) == [1, 2, 3]
    for i in outputs:
        assert f'<div class="nb-anchor" id="output-{i}"></div>' in text
    printed = outputs[1]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in printed and "<script>" not in printed
    # a progress bar keeps only its last state
    assert "fit: 100%|##########| 30/30" in printed and "10%" not in printed
    assert "<div class='xai-static'><h4>a snapshot</h4></div>" in outputs[2]
    assert "HBox" not in outputs[2] and "ComparisonView(...)" not in outputs[2]
    assert "True &amp; &lt;b&gt;not bold&lt;/b&gt;" in outputs[3]
    # the hook puts each output where its placeholder is
    page = types.SimpleNamespace(file=types.SimpleNamespace(src_uri="notebooks/made.md"))
    notebooks._outputs["notebooks/made.md"] = outputs
    try:
        html = notebooks.on_page_content(
            '<p>x</p>\n<div class="nb-anchor" id="output-2"></div>', page, None, None)
    finally:
        del notebooks._outputs["notebooks/made.md"]
    assert html == f"<p>x</p>\n{outputs[2]}"


def test_notebook_page_without_outputs_says_how_to_make_them() -> None:
    nb = _made_notebook()
    for cell in nb.cells[1:]:
        cell.outputs = []
    text, outputs = notebooks.render(nb, "made.ipynb", executed=False)
    assert outputs == {} and "Not executed" in text and "python docs/notebooks.py" in text


def test_an_error_in_an_executed_notebook_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    nb = _made_notebook()
    nb.cells[3].outputs = [nbformat.v4.new_output(
        "error", ename="ValueError", evalue="bad <x>",
        traceback=["\x1b[31mValueError\x1b[0m: bad <x>"])]
    with caplog.at_level("WARNING", logger="mkdocs.hooks.notebooks"):
        _, outputs = notebooks.render(nb, "made.ipynb", executed=True)
    assert "made.ipynb cell 3: a cell raised ValueError" in caplog.text  # strict builds fail
    assert "<pre class='nb-error'>ValueError: bad &lt;x&gt;</pre>" in outputs[3]


def test_an_executed_copy_is_reused_only_while_up_to_date(tmp_path: Path) -> None:
    name = EXECUTED_HERE
    copy = tmp_path / name
    shutil.copy(ROOT / "notebooks" / name, copy)  # written now: newer than the package
    assert notebooks.up_to_date(name, tmp_path)
    assert not notebooks.up_to_date("00_tour.ipynb", tmp_path)  # no copy
    nb = nbformat.read(copy, as_version=4)
    nb.cells[0].source += "\nedited"
    nbformat.write(nb, copy)
    assert not notebooks.up_to_date(name, tmp_path)  # the notebook's cells changed since
    shutil.copy(ROOT / "notebooks" / name, copy)
    os.utime(copy, (0, 0))
    assert not notebooks.up_to_date(name, tmp_path)  # older than the package


# -- the gallery (docs/gallery.py writes docs/gallery.md and docs/images/gallery/) ---------------

def test_gallery_pictures_are_real_listed_and_linked() -> None:
    gallery = _docs_module("gallery")
    page = (ROOT / "docs" / "gallery.md").read_text(encoding="utf-8")
    listed = re.findall(r"\]\(images/gallery/([\w-]+\.png)\)\]\(notebooks/(\w+)\.md#output-(\d+)\)",
                        page)
    files = sorted(p.name for p in gallery.PICTURES.glob("*.png"))
    assert sorted(f for f, _, _ in listed) == files  # the page and the pictures agree
    # every view, each under its heading
    for view, heading in gallery.VIEWS.items():
        assert f"## {heading}" in page
        assert any(f.endswith(f"-{view}.png") for f in files), view
    total = 0
    for file, stem, cell in listed:
        notebook, view = file.removesuffix(".png").rsplit("-", 1)
        assert notebook == stem and view in gallery.VIEWS
        # the link goes to a code cell of the tracked notebook (the page's anchor for its output)
        nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
        assert nb.cells[int(cell)].cell_type == "code", (file, cell)
        data = (gallery.PICTURES / file).read_bytes()
        total += len(data)
        image = Image.open(io.BytesIO(data))
        assert image.format == "PNG" and image.size[0] == gallery.WIDTH
        assert 100 <= image.size[1] <= gallery.MAX_HEIGHT, (file, image.size)
        # a real picture: many colours, and dark text on the white page
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 100, file
        lightness = np.asarray(image.convert("L"))
        assert np.percentile(lightness, 1) < 100 and lightness.max() == 255, file
    assert total < 4_000_000  # committed: keep them small
