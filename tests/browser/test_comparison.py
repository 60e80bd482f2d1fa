"""ComparisonView in a real browser: the standalone export, the tutorial notebook in
JupyterLab and in Notebook 7, and lazy sample fetching through a live kernel."""

from __future__ import annotations

import textwrap

import nbformat
import numpy as np
import pytest
import torch
from PIL import Image
from test_notebooks import IN_BROWSER, check_outputs, keep_for_docs

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

TUTORIAL = "01_attributions_side_by_side.ipynb"
METHODS = ["integrated_gradients", "saliency", "occlusion", "gradient_shap", "deeplift"]


def _assert_heatmaps_painted(page, root: str, n_methods: int) -> list[dict]:
    stats = canvas_stats(page, f"{root} canvas.xai-heatmap")
    assert len(stats) == n_methods, stats
    for s in stats:
        assert "error" not in s, s
        assert s["width"] > 0 and s["height"] > 0
        assert s["painted"] > 0.05 * s["width"] * s["height"], s  # not blank
    return stats


def _pixels(page, selector: str = "canvas.xai-heatmap") -> list[str]:
    """Exact pixel content of each canvas (PNG data URLs), to tell repaints apart."""
    return page.eval_on_selector_all(selector, "cs => cs.map(c => c.toDataURL())")


def _assert_screenshot_has_content(path) -> None:
    img = np.asarray(Image.open(path).convert("RGB"))
    assert img.shape[0] > 100 and img.shape[1] > 300
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 50  # heatmaps, not a blank box


@pytest.fixture(scope="module")
def exported(tmp_path_factory, cnn_module):
    model, x = cnn_module
    w = ComparisonView.from_model(model, x, methods=METHODS, metric_samples=6,
                                         class_names=["zero", "one", "<b>two</b>"],
                                         progress=False)
    path = tmp_path_factory.mktemp("export") / "comparison.html"
    w.to_html(path)
    return path


@pytest.fixture(scope="module")
def cnn_module():
    torch.manual_seed(0)
    from helpers import TinyCNN

    model = TinyCNN().eval()
    return model, torch.rand(6, 1, 8, 8)


def test_standalone_export_renders_and_interacts_offline(page, exported):
    console = open_html_file(page, exported)
    wait_for_widgets(page)
    _assert_heatmaps_painted(page, ".xai-root", len(METHODS))
    assert canvas_stats(page, ".xai-root canvas.xai-input")[0]["painted"] > 0
    rows = page.locator("table.xai-metrics tbody tr")
    assert rows.count() == len(METHODS)
    # every mean carries its interval; "best" only where a paired test over the 6 samples says so
    assert page.locator("table.xai-metrics .xai-ci").count() >= 4 * len(METHODS)
    # class names are text, never markup
    assert page.locator(".xai-root b", has_text="two").count() == 0

    # view-only controls act on pixels locally
    before = canvas_stats(page, ".xai-root canvas.xai-heatmap")[0]
    page.locator("input.xai-threshold").fill("0.9")
    page.locator("input.xai-threshold").dispatch_event("input")
    after = canvas_stats(page, ".xai-root canvas.xai-heatmap")[0]
    assert after["painted"] < before["painted"], (before, after)

    # a tooltip at the cursor names every method, and follows the next sample
    box = page.locator("canvas.xai-heatmap").first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    tip = page.locator(".xai-root .xai-tooltip")
    readout = tip.inner_text()
    assert "Integrated Gradients" in readout and "DeepLift" in readout
    tip_box = tip.bounding_box()
    assert abs(tip_box["x"] - x) < 40 and abs(tip_box["y"] - y) < 40  # at the cursor
    layout_before = page.locator(".xai-root .xai-panels").bounding_box()
    page.keyboard.press("Escape")
    assert page.locator(".xai-root .xai-panels").bounding_box() == layout_before  # no shift

    # sample navigation repaints
    shown = _pixels(page)
    page.locator(".xai-next").click()
    assert page.locator("input.xai-sample").input_value() == "1"
    assert _pixels(page) != shown
    _assert_screenshot_has_content(screenshot(page.locator(".xai-root"), "comparison-export"))
    assert not console.errors, console.format()


@pytest.mark.slow
# Notebook 7 here; in JupyterLab the comparison view is drawn by the Binder dry run (the tour)
# and the lab tests of this module, the tree, timeline and overview: one more lab page load of
# notebook 01 cost CI 100 s and checked nothing those do not.
@pytest.mark.parametrize("ui", ["notebook"])
def test_tutorial_renders_in_jupyter(page, jupyter_server: JupyterServer, ui, record_property):
    run = open_and_run_notebook(page, jupyter_server, TUTORIAL, ui=ui, timeout=600)
    # shown in the run's summary (tests/conftest.py) beside the nbclient notebooks' times
    record_property("wall time", f"{TUTORIAL} in Notebook 7: " + ", ".join(
        f"{k} {v:.0f} s" for k, v in run.timings.items()))
    assert not run.cell_errors
    # the notebook tests run it only here: its saved outputs are checked like theirs
    assert TUTORIAL in IN_BROWSER
    saved = nbformat.from_dict(run.notebook)
    check_outputs(TUTORIAL, saved)
    keep_for_docs(TUTORIAL, saved)
    roots = wait_for_widgets(page, count=2, timeout=120)
    assert roots.count() == 2
    first = roots.nth(0)
    assert first.locator("canvas.xai-heatmap").count() == len(METHODS)
    stats = canvas_stats(page, "canvas.xai-heatmap")
    assert len(stats) == len(METHODS) + 2  # 5 in the first widget, 2 in the plug-in one
    assert all(s["painted"] > 0.05 * s["width"] * s["height"] for s in stats), stats
    assert first.locator("table.xai-metrics tbody tr").count() == len(METHODS)
    assert "which explanation to trust" in first.inner_text()
    shot = screenshot(first, f"tutorial-01-{ui}")
    _assert_screenshot_has_content(shot)
    assert not run.console_errors, run.console.format()


LAZY = textwrap.dedent('''
    import torch, warnings
    from torch import nn
    import xaiwidgets as xw
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Flatten(),
                          nn.Linear(2 * 16 * 16, 3))
    x = torch.rand(12, 1, 16, 16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", xw.PayloadTooLargeWarning)
        w = xw.ComparisonView.from_model(
            model, x, methods=["saliency", "integrated_gradients"], metrics=[],
            max_payload_bytes=3000, progress=False)
    w
''')


def test_samples_beyond_the_payload_cap_are_fetched_from_the_kernel(page,
                                                                   jupyter_server: JupyterServer):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(LAZY)])
    path = jupyter_server.root_dir / "lazy_fetch.ipynb"
    nbformat.write(nb, path)
    run = open_and_run_notebook(page, jupyter_server, "lazy_fetch.ipynb", ui="lab")
    assert not run.cell_errors
    wait_for_widgets(page)
    first = _pixels(page)
    sample = page.locator("input.xai-sample")
    sample.fill("11")
    sample.press("Enter")
    # repainted once the kernel answered with sample 11 (a round-trip: sample 11 wasn't embedded)
    page.wait_for_function(
        "old => document.querySelector('canvas.xai-heatmap').toDataURL() !== old",
        arg=first[0], timeout=30_000)
    assert not page.locator(".xai-root.xai-loading").count()
    assert all(s["painted"] > 0 for s in canvas_stats(page, "canvas.xai-heatmap"))
    again = _pixels(page)
    assert len(again) == 2 and again[0] != first[0] and again[1] != first[1]
    assert "11" in sample.input_value()
    assert not run.console_errors, run.console.format()


@pytest.mark.parametrize("kind", ["tabular", "sequence"])
def test_tabular_and_sequence_exports_render(page, tmp_path, kind):
    torch.manual_seed(0)
    if kind == "tabular":
        from torch import nn

        model, x = nn.Sequential(nn.Linear(4, 2)), torch.rand(3, 4)
        extra = {"feature_names": ["age", "<i>income</i>", "height", "weight"]}
    else:
        from helpers import TinyRNN

        model, x = TinyRNN(), torch.rand(3, 5, 3)
        extra = {"tokens": [["a", "<img src=x onerror=alert(1)>", "b", "c", "d"]] * 3}
    w = ComparisonView.from_model(model, x, methods=["saliency", "integrated_gradients"],
                                         metric_samples=3, progress=False, **extra)
    console = open_html_file(page, w.to_html(tmp_path / f"{kind}.html") and
                             tmp_path / f"{kind}.html")
    wait_for_widgets(page)
    stats = canvas_stats(page, "canvas.xai-heatmap")
    assert len(stats) == 2 and all(s["painted"] > 0 for s in stats), stats
    text = page.locator(".xai-root").inner_text()
    if kind == "tabular":
        assert "<i>income</i>" in text and page.locator(".xai-root i").count() == 0
    else:
        assert page.locator(".xai-token").count() == 2 * 5
        assert "<img src=x onerror=alert(1)>" in text
        assert page.locator(".xai-root img[src=\"x\"], .xai-root [onerror]").count() == 0
    assert not console.errors, console.format()
