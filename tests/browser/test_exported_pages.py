"""Every widget's exported page and static snapshot in Chromium, with hostile and with very long
user text in every field (tests/exportable.py builds them): the page renders, shows the text
literally, runs none of it, and a 5,000-character unbroken label leaves the page's size bounded.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from exportable import PREFIX, WIDGETS, build, hostile

from .jupyter import open_and_run_notebook, open_html_file, screenshot, wait_for_widgets

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1000, 900
MAX_HEIGHT = 3000  # px; unshortened 5,000-character labels made pages up to 400,000 px wide
LONG = "W" * 5000
# fields each live view shows on its first screen (others sit in later samples or on hover)
SHOWN = {
    "comparison_image": ["title0", "method0", "method1", "class0"],
    "comparison_tabular": ["title0", "method0", "feature0", "feature3"],
    "comparison_tokens": ["title0", "method0", "token0", "token5"],
    "mask_heatmap": ["title0", "method9", "method0"],
    "concept_tree": ["title0", "concept0", "value2", "class0"],
    "concept_timeline": ["title0", "class0"],  # feature names are drawn on a canvas
    "senn_view": ["title0", "class0"],  # concept names are clipped to 22 characters
    "redescription_table": ["title0", "neuron0", "feature0"],
}


def _size(page) -> tuple[int, int]:
    return tuple(page.evaluate("() => [document.documentElement.scrollWidth, "
                               "document.documentElement.scrollHeight]"))


@pytest.mark.parametrize("name", WIDGETS)
def test_hostile_text_is_shown_literally_and_never_runs(page, tmp_path, name):
    path = tmp_path / f"{name}.html"
    build(name, hostile).to_html(path)
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    console = open_html_file(page, path)
    root = wait_for_widgets(page).first
    assert not console.errors, console.format()  # the page parsed its state and rendered
    assert page.evaluate("() => window.xaiPwned") is None  # no script, no onerror ran
    assert page.evaluate("() => document.scripts.length") == 2  # only the page's own
    assert page.locator(".xai-root img[src='x'], .xai-root b b").count() == 0
    text = root.evaluate("e => e.textContent")
    tail = PREFIX[PREFIX.index("<script>window"):]
    missing = [f for f in SHOWN[name] if f"{tail}{f}" not in text]
    assert not missing, (name, missing)
    assert "\u2028" in text and "<!--" in text and "]]>" in text and "\\" in text


@pytest.mark.parametrize("name", WIDGETS)
def test_a_5000_character_label_keeps_the_page_bounded(page, tmp_path, name):
    w = build(name, lambda field, i: f"{LONG}{field}{i}")
    export, snap = tmp_path / f"{name}.html", tmp_path / f"{name}-snapshot.html"
    w.to_html(export)
    bundle = w._repr_mimebundle_()  # what nbconvert and GitHub show
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    snap.write_text("<!doctype html><meta charset='utf-8'><body style='margin:16px'>"
                    + data["text/html"], encoding="utf-8")
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    console = open_html_file(page, export)
    root = wait_for_widgets(page).first
    assert not console.errors, console.format()
    width, height = _size(page)
    screenshot(page, f"long-label-{name}")
    assert width <= WIDTH and height < MAX_HEIGHT, (name, width, height)
    # shortened, with the full text one hover away
    full = f"{LONG}title0"
    assert root.locator(f"[title='{full}']").count() >= 1
    open_html_file(page, snap)
    width, height = _size(page)
    screenshot(page, f"long-label-{name}-snapshot")
    assert width <= WIDTH and height < MAX_HEIGHT, (f"{name} snapshot", width, height)
    assert page.locator(f"[title='{full}']").count() >= 1


LIVE = """
import exportable
LONG = "W" * 5000
widgets = [exportable.build(name, lambda field, i: f"{LONG}{field}{i}")
           for name in exportable.WIDGETS]
"""


def test_a_5000_character_label_keeps_every_live_view_bounded(page, jupyter_server):
    """The same widgets live in JupyterLab (kernel, widget manager, the notebook's width)."""
    shutil.copy(Path(__file__).parents[1] / "exportable.py", jupyter_server.root_dir)
    cells = [nbformat.v4.new_code_cell(LIVE)] + [
        nbformat.v4.new_code_cell(f"widgets[{i}]") for i in range(len(WIDGETS))]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), jupyter_server.root_dir / "long.ipynb")
    run = open_and_run_notebook(page, jupyter_server, "long.ipynb", ui="lab")
    assert not run.cell_errors
    roots = wait_for_widgets(page, count=len(WIDGETS))
    sizes = roots.evaluate_all("""rs => rs.map(r => {
        const out = r.closest('.jp-OutputArea-output') || r.parentElement;
        return [r.scrollWidth, r.clientWidth, r.getBoundingClientRect().height,
                out.scrollWidth, out.clientWidth];
    })""")
    screenshot(page, "long-label-live")
    for name, (sw, cw, h, out_sw, out_cw) in zip(WIDGETS, sizes, strict=True):
        assert sw <= cw + 1 and out_sw <= out_cw + 1, (name, sw, cw, out_sw, out_cw)
        assert h < MAX_HEIGHT, (name, h)
    assert not run.console_errors, run.console.format()
