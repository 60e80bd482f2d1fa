"""The comparison view as a newcomer sees it, in a real browser: JupyterLab's default width,
light and dark, every control, the tooltip, and explaining another class through the kernel."""

from __future__ import annotations

import textwrap

import nbformat
import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from xaiwidgets import ComparisonView

from .jupyter import (
    JupyterServer,
    canvas_stats,
    open_and_run_notebook,
    open_html_file,
    screenshot,
    wait_for_widgets,
)

pytestmark = pytest.mark.browser

METHODS = ["integrated_gradients", "saliency", "occlusion", "gradient_shap", "deeplift"]
# JupyterLab's notebook column at its default layout: a 968 px wide output area
DEFAULT_WIDTH = {"width": 1000, "height": 900}


def _digits_model():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(6 * 14 * 14, 3)).eval()
    x = torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    return model, x


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    model, x = _digits_model()
    w = ComparisonView.from_model(model, x, methods=METHODS, metric_samples=8,
                                         y=[0, 1, 2, 0, 1, 2, 0, 1], class_names=["a", "b", "c"],
                                         title="digits at the default width", progress=False)
    path = tmp_path_factory.mktemp("views") / "comparison.html"
    w.to_html(path)
    return path


def _open(page, path, scheme="light"):
    page.set_viewport_size(DEFAULT_WIDTH)
    page.emulate_media(color_scheme=scheme)
    console = open_html_file(page, path)
    wait_for_widgets(page)
    return console


def _heat_pixels(page) -> list[str]:
    return page.eval_on_selector_all("canvas.xai-heatmap", "cs => cs.map(c => c.toDataURL())")


def test_no_panel_wraps_alone_at_the_default_width(page, export):
    console = _open(page, export)
    boxes = [page.locator("figure.xai-panel").nth(i).bounding_box()
             for i in range(page.locator("figure.xai-panel").count())]
    assert len(boxes) == 1 + len(METHODS)
    rows: dict[int, int] = {}
    for b in boxes:
        rows[round(b["y"])] = rows.get(round(b["y"]), 0) + 1
    counts = list(rows.values())
    assert len(counts) >= 1 and min(counts) >= 2, counts  # 6 panels: 3 + 3, never 5 + 1
    assert max(b["x"] + b["width"] for b in boxes) <= 1000
    assert not console.errors, console.format()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_light_and_dark(page, export, scheme):
    console = _open(page, export, scheme)
    root = page.locator(".xai-root").first
    bg = root.evaluate("e => getComputedStyle(e).backgroundColor")
    fg = root.evaluate("e => getComputedStyle(e).color")
    dark = scheme == "dark"
    lum = [sum(int(v) for v in c[c.index("(") + 1:c.index(")")].split(",")[:3]) / 3
           for c in (bg, fg)]
    assert (lum[0] < 60 and lum[1] > 180) if dark else (lum[0] > 200 and lum[1] < 90), (bg, fg)
    shot = screenshot(root, f"comparison-{scheme}")
    img = np.asarray(Image.open(shot).convert("RGB"))
    assert img.shape[1] <= 1000 and len(np.unique(img.reshape(-1, 3), axis=0)) > 50
    assert not console.errors, console.format()


def test_every_control_acts_on_pixels_in_the_browser(page, export):
    console = _open(page, export)
    base = _heat_pixels(page)
    page.select_option("select.xai-sign", "positive")
    positive = _heat_pixels(page)
    assert positive != base
    page.select_option("select.xai-sign", "all")
    assert _heat_pixels(page) == base
    page.locator("input.xai-shared").check()
    shared = _heat_pixels(page)
    assert shared != base
    legends = page.locator(".xai-legend-labels").all_inner_texts()
    tops = {t.split()[-1] for t in legends}
    assert len(tops) == 1, legends  # one scale for every method (signed or not)
    page.locator("input.xai-shared").uncheck()
    page.locator("input.xai-clip").check()
    assert _heat_pixels(page) != base
    page.locator("input.xai-clip").uncheck()
    page.locator("input.xai-threshold").fill("0.5")
    page.locator("input.xai-threshold").dispatch_event("input")
    note = page.locator(".xai-legend-note").first.inner_text()
    assert note.startswith("hidden: |v| <"), note  # the threshold, in value units
    page.select_option("select.xai-colormap", "viridis")
    assert _heat_pixels(page) != base
    assert not console.errors, console.format()


def test_the_tooltip_sits_at_the_cursor_and_follows_the_sample(page, export):
    console = _open(page, export)
    heat = page.locator("canvas.xai-heatmap").first.bounding_box()
    x, y = heat["x"] + heat["width"] * 0.3, heat["y"] + heat["height"] * 0.6
    page.mouse.move(x, y)
    tip = page.locator(".xai-root .xai-tooltip")
    first = tip.inner_text()
    box = tip.bounding_box()
    assert 0 < box["x"] - x < 40 and 0 < box["y"] - y < 40
    panels = page.locator(".xai-root .xai-panels").bounding_box()
    page.keyboard.press("ArrowRight")  # keys in the page must not move the layout either
    page.locator(".xai-next").click()
    page.mouse.move(x, y)
    assert tip.inner_text() != first  # the next sample's values, not the old ones
    assert page.locator(".xai-root .xai-panels").bounding_box() == panels
    assert not console.errors, console.format()


def test_misclassified_samples_are_flagged_and_the_table_sorts(page, export):
    console = _open(page, export)
    info = page.locator(".xai-info")
    flagged = 0
    for i in range(8):
        if "misclassified" in info.inner_text():
            flagged += 1
            assert "xai-wrong" in info.get_attribute("class")
        if i < 7:
            page.locator(".xai-next").click()
    assert flagged >= 1
    names = page.locator("table.xai-metrics tbody th")
    page.locator("table.xai-metrics thead th").nth(1).click()
    sorted_once = names.all_inner_texts()
    page.locator("table.xai-metrics thead th").nth(1).click()
    assert names.all_inner_texts() != sorted_once
    assert page.locator("table.xai-metrics caption").inner_text().startswith("Means over")
    page.locator(".xai-help-toggle").click()
    assert page.locator(".xai-help").is_visible()
    assert not console.errors, console.format()


EXPLAIN = textwrap.dedent('''
    import torch
    from torch import nn
    import xaiwidgets as xw
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 3))
    x = torch.rand(4, 1, 8, 8)
    w = xw.ComparisonView.from_model(model, x, methods=["saliency"], metrics=[],
                                            class_names=["cat", "dog", "eel"], progress=False)
    w
''')


@pytest.mark.slow
def test_another_class_is_explained_through_the_kernel(page, jupyter_server: JupyterServer):
    path = jupyter_server.root_dir / "explain_class.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(EXPLAIN)]), path)
    run = open_and_run_notebook(page, jupyter_server, "explain_class.ipynb", ui="lab")
    assert not run.cell_errors
    wait_for_widgets(page)
    before = _heat_pixels(page)
    info = page.locator(".xai-info")
    shown = info.inner_text()
    current = next(c for c in ("cat", "dog", "eel") if f"explained: {c}" in shown)
    other = next(c for c in ("cat", "dog", "eel") if c != current)
    page.select_option("select.xai-explain", label=other)
    page.wait_for_function("t => document.querySelector('.xai-info').innerText.includes(t)",
                           arg=f"explained: {other}", timeout=30_000)
    assert _heat_pixels(page) != before
    assert all(s["painted"] > 0 for s in canvas_stats(page, "canvas.xai-heatmap"))
    assert not run.console_errors, run.console.format()
