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


def test_the_export_menu_saves_page_figure_and_tables_and_the_timeline_follows_the_theme(
        page, tmp_path):
    """One exported page (the timeline: canvases, an HTML legend, a concept table) through the
    export menu, by keyboard: the PNG decodes at the figure's size with drawn pixels, the SVG
    parses with the canvases embedded and no script, the concepts CSV holds the numbers
    Python's ``tables()`` has, the page saves itself again; then a switch to the dark colour
    scheme repaints the canvas labels in the dark theme's colour."""
    import csv
    import io
    import xml.etree.ElementTree as ET

    import numpy as np
    from PIL import Image

    w = build("concept_timeline", lambda field, i: f"{field}{i}")
    path = tmp_path / "timeline.html"
    w.to_html(path)
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    console = open_html_file(page, path)
    root = wait_for_widgets(page).first
    assert not console.errors, console.format()
    button = root.locator(".xai-header button.xai-export")
    assert button.count() == 1

    def save(item: str, keyboard: bool = False) -> Path:
        if keyboard:  # Enter opens the menu on its first item; arrows move; Enter runs
            button.focus()
            page.keyboard.press("Enter")
            items = root.locator("[role=menuitem]").all_inner_texts()
            with page.expect_download() as info:
                for _ in range(items.index(item)):
                    page.keyboard.press("ArrowDown")
                page.keyboard.press("Enter")
        else:
            button.click()
            with page.expect_download() as info:
                root.get_by_role("menuitem", name=item).click()
        out = tmp_path / info.value.suggested_filename
        info.value.save_as(out)
        return out

    png = save("figure (PNG)", keyboard=True)
    assert png.name == "title0.png"
    box = root.locator(".xai-tl-main").bounding_box()
    img = Image.open(png)
    assert img.format == "PNG"
    assert abs(img.size[0] - box["width"]) <= 2 and abs(img.size[1] - box["height"]) <= 2
    px = np.asarray(img.convert("RGB")).reshape(-1, 3)
    assert len(np.unique(px, axis=0)) > 20  # the drawn timeline, not a blank image

    svg = save("figure (SVG)").read_text(encoding="utf-8")
    doc = ET.fromstring(svg.split("\n", 1)[1])
    tags = [e.tag.rsplit("}", 1)[-1] for e in doc.iter()]
    assert "script" not in tags and tags.count("image") >= 3  # timeline, overview, states
    assert any(t.text and "concept" in t.text for t in doc.iter() if t.tag.endswith("}text"))

    rows = list(csv.reader(io.StringIO(save("concepts (CSV)").read_text(encoding="utf-8"),
                                       newline="")))
    want = w.tables()["concepts"]
    assert rows[0] == ["concept", "majority class", "share", "purity", "colour"]
    assert [r[0] for r in rows[1:]] == list(want["concept"])
    assert [r[1] for r in rows[1:]] == list(want["majority class"])
    np.testing.assert_array_equal([float(r[2]) for r in rows[1:]], want["share"].to_numpy())

    again = save("page (HTML)").read_text(encoding="utf-8")
    assert again.startswith("<!doctype html>") and 'id="xai-payload"' in again
    assert '<div id="xai-root"></div>' in again  # the page as written, not as rendered

    label_colour = """() => {
        const c = document.querySelector('.xai-tl-timeline');
        const d = c.getContext('2d').getImageData(0, 0, 80 * devicePixelRatio,
                                                  40 * devicePixelRatio).data;
        let sum = 0, n = 0;
        for (let i = 0; i < d.length; i += 4)
            if (d[i + 3] > 50) { sum += d[i] + d[i + 1] + d[i + 2]; n++; }
        return n ? sum / (3 * n) : -1;
    }"""
    light = page.evaluate(label_colour)
    page.emulate_media(color_scheme="dark")
    page.wait_for_function(f"() => ({label_colour})() > {light} + 30")
    dark = page.evaluate(label_colour)
    assert light > 0 and dark > light + 30, (light, dark)  # #59636e -> #9198a1
