"""TimelineView (MEME) in a real browser: the standalone export (light and dark, a
100,000-step sequence, every view-only interaction) and JupyterLab with sequences and matches
fetched through a live kernel."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch

import xaiwidgets as xw
from xaiwidgets.examples import StepLSTM, train_rnn

from .jupyter import (
    JupyterServer,
    canvas_stats,
    open_and_run_notebook,
    open_html_file,
    screenshot,
    wait_for_widgets,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_meme import toy

pytestmark = pytest.mark.browser

LONG = 100_000


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    torch.set_num_threads(1)
    x, y = toy(80)
    torch.manual_seed(0)
    model = StepLSTM(2, hidden=8)
    train_rnn(model, x[:60], y[:60], x[60:], y[60:], epochs=25, batch_size=16, lr=2e-2,
              progress=False)
    meme = xw.MEME(model, n_concepts=3, window=1, class_names=["low", "high"],
                   progress=False).fit(x, feature_names=["a", "b"])
    # sequence 0: 100,000 steps of the same process (switching every ~50 steps); 1..8 short
    rng = np.random.default_rng(3)
    high = (np.cumsum(rng.random(LONG) < 0.02) % 2).astype(np.float32)
    long = np.stack([high * 2 - 1 + rng.normal(0, 0.2, LONG), rng.normal(0, 1, LONG)], 1)
    seqs = np.zeros((9, LONG, 2), dtype=np.float32)
    seqs[0] = long
    seqs[1:, :12] = x[:8]
    lengths = np.array([LONG] + [12] * 8)
    w = xw.TimelineView.from_estimator(meme, seqs, lengths, embed=[0, 1, 2],
                                          title="<b>toy</b> timeline")
    path = tmp_path_factory.mktemp("export") / "timeline.html"
    w.to_html(path)
    return path, meme, w


def _lum(rgb: str) -> float:
    nums = [float(v) for v in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    return (0.2126 * nums[0] + 0.7152 * nums[1] + 0.0722 * nums[2]) / 255


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_export_draws_a_100k_step_sequence_and_interacts_offline(page, exported, scheme):
    path, _, w = exported
    page.emulate_media(color_scheme=scheme)
    console = open_html_file(page, path)
    wait_for_widgets(page)
    root = page.locator(".xai-root").first
    paint = float(root.get_attribute("data-xai-paint-ms"))
    print(f"TimelineView first paint, {LONG:,}-step sequence ({scheme}): {paint:.0f} ms")
    assert page.locator(".xai-title").inner_text() == "<b>toy</b> timeline"
    assert page.locator(".xai-root h3 b").count() == 0  # text from data is never markup
    assert f"{LONG} steps" in page.locator(".xai-seq-info").inner_text()
    # canvases, no DOM node per step
    stats = {s["css_width"]: s for s in canvas_stats(page, "canvas.xai-tl-timeline")}
    main = next(iter(stats.values()))
    assert main["painted"] > 5_000 and main["distinct_colors"] >= 6, main
    heat = canvas_stats(page, "canvas.xai-tl-states")[0]
    assert heat["painted"] > 5_000, heat
    assert page.locator(".xai-root *").count() < 600
    bg = page.evaluate("() => getComputedStyle(document.querySelector('.xai-root'))"
                       ".backgroundColor")
    assert (_lum(bg) < 0.2) if scheme == "dark" else (_lum(bg) > 0.9)

    # the graph: one node per concept; the legend names them
    assert page.locator("svg.xai-tl-graph circle.xai-tl-node").count() == 3
    assert page.locator(".xai-tl-legend .xai-tl-concept").count() == 3

    # hover: values at the cursor; click: the rule and the tree path that chose the concept
    canvas = page.locator("canvas.xai-tl-timeline")
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + 20)
    tip = page.locator(".xai-tooltip")
    assert tip.is_visible() and "step" in tip.inner_text() and "extracted" in tip.inner_text()
    # zoom in on the overview (drag), then pick a step where the concept changed
    ov = page.locator("canvas.xai-tl-overview").bounding_box()
    left = ov["x"] + 96
    page.mouse.move(left + 2, ov["y"] + 10)
    page.mouse.down()
    page.mouse.move(left + 30, ov["y"] + 10)
    page.mouse.up()
    assert page.locator(".xai-tl-sel").first.is_visible()
    block = w.sequence_block(0)
    c = block["concept"].astype(int)
    moves = np.flatnonzero(np.diff(c) != 0) + 1
    t = int(moves[moves > LONG // 2][0])
    page.locator(".xai-reset").click()
    plot = box["width"] - 96
    page.mouse.click(box["x"] + 96 + (t + 0.5) / LONG * plot, box["y"] + 20)
    rule = page.locator(".xai-tl-detail .xai-tl-rule").inner_text()
    assert "->" in rule and ("from " in rule or "start" in rule), rule
    assert page.locator(".xai-tl-tree svg.xai-tree g.xai-node").count() >= 1

    # clicking a concept in the graph highlights it and shows its tree
    page.locator("svg.xai-tl-graph circle.xai-tl-node").nth(1).click()
    assert page.locator("svg.xai-tl-graph .xai-tl-node-g.xai-on").count() == 1
    assert "next concept from" in page.locator(".xai-tl-tree-title").inner_text()

    # brushing the hidden states lists the units on; searching needs the kernel offline
    page.locator("canvas.xai-tl-states").scroll_into_view_if_needed()
    hb = page.locator("canvas.xai-tl-states").bounding_box()
    page.mouse.move(hb["x"] + 100, hb["y"] + 5)
    page.mouse.down()
    page.mouse.move(hb["x"] + 104, hb["y"] + 5)
    page.mouse.up()
    assert "at every step" in page.locator(".xai-units-on").inner_text() or (
        "no unit" in page.locator(".xai-units-on").inner_text())
    assert page.locator("button.xai-find").is_disabled()

    # an embedded short sequence opens offline; a missing one says so
    page.locator(".xai-next").click()
    assert "12 steps" in page.locator(".xai-seq-info").inner_text()
    page.fill(".xai-seq-index", "7")
    page.locator(".xai-seq-index").dispatch_event("change")
    assert "not embedded" in page.locator(".xai-status").inner_text()
    page.locator(".xai-prev").click()
    page.locator(".xai-prev").click()
    screenshot(page.locator(".xai-root"), f"timeline-export-{scheme}")
    assert not console.errors, console.format()


SMALL = textwrap.dedent('''
    import sys, numpy as np, torch
    import xaiwidgets as xw
    from xaiwidgets.datasets import load_occupancy
    from xaiwidgets.examples import StepLSTM, train_rnn

    torch.manual_seed(0)
    torch.set_num_threads(1)
    d = load_occupancy(24, stride=4)
    x, y = d.sequences, d.target
    series = d.extra["series"]
    model = StepLSTM(4, hidden=16, mean=series.mean(0), std=series.std(0))
    train_rnn(model, x, y, x, y, epochs=10, batch_size=16, lr=1e-2, progress=False)
    meme = xw.MEME(model, n_concepts=3, window=1, class_names=d.target_names,
                   progress=False).fit(x, feature_names=d.feature_names)
    w = xw.TimelineView.from_estimator(meme, x, embed=[0], title="occupancy")
    print("sequences", len(x))
    w
''')


def test_lab_fetches_sequences_and_matches_through_the_kernel(page,
                                                             jupyter_server: JupyterServer):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SMALL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nbformat.write(nb, jupyter_server.root_dir / "timeline_small.ipynb")
    run = open_and_run_notebook(page, jupyter_server, "timeline_small.ipynb", ui="lab",
                                timeout=240)
    assert not run.cell_errors
    wait_for_widgets(page, timeout=60)
    assert canvas_stats(page, "canvas.xai-tl-timeline")[0]["painted"] > 2_000
    # sequence 5 was not embedded: it comes through the kernel
    page.fill(".xai-seq-index", "5")
    page.locator(".xai-seq-index").dispatch_event("change")
    page.wait_for_function("() => document.querySelector('.xai-seq-info').textContent"
                           ".includes('24 steps') && document.querySelector('.xai-seq-index')"
                           ".value === '5' && !document.querySelector('.xai-status')"
                           ".textContent.includes('loading')", timeout=30_000)
    assert page.locator(".xai-status").inner_text() == ""
    # brush steps on the hidden states, then ask the kernel for sequences with that path
    page.locator("canvas.xai-tl-states").scroll_into_view_if_needed()
    hb = page.locator("canvas.xai-tl-states").bounding_box()
    page.mouse.move(hb["x"] + 120, hb["y"] + 4)
    page.mouse.down()
    page.mouse.move(hb["x"] + 300, hb["y"] + 4)
    page.mouse.up()
    page.locator("button.xai-find-concepts").click()
    page.wait_for_selector("button.xai-match", timeout=30_000)
    first = page.locator("button.xai-match").first
    target = first.get_attribute("data-sequence")
    first.click()
    page.wait_for_function(f"() => document.querySelector('.xai-seq-index').value === '{target}'",
                           timeout=30_000)
    screenshot(page.locator(".xai-root"), "timeline-lab")
    assert not run.console_errors, run.console.format()


@pytest.fixture(scope="module")
def hand_page(tmp_path_factory):
    from hand_results import timeline

    path = tmp_path_factory.mktemp("keys") / "timeline.html"
    timeline.VIEW(timeline.result(), time_step=(16, "min"), **timeline.OPTIONS).to_html(path)
    return path


def _tab_to(page, selector: str, limit: int = 30) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement?.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_walks_steps_legend_and_graph_and_screen_readers_get_the_numbers(
        page, hand_page):
    """Tab into the timeline: arrows / Page / Home / End / +/- move the step cursor (its value
    text states the step's values), Enter selects, Escape clears; the legend and the graph are
    one Tab stop each, arrows move, Enter highlights or shows the tree, Escape clears. No key
    reaches the document."""
    page.set_viewport_size({"width": 1000, "height": 900})
    console = open_html_file(page, hand_page)
    wait_for_widgets(page)
    page.evaluate("""() => { window.__leaked = [];
      document.addEventListener('keydown', e => window.__leaked.push(e.key)); }""")
    attr = lambda sel, name: page.locator(sel).first.get_attribute(name)  # noqa: E731
    # the pictures say what they show
    main = attr("canvas.xai-tl-timeline", "aria-label")
    assert attr("canvas.xai-tl-timeline", "role") == "img"
    assert "sequence 0: 5 steps" in main and "2 concept runs: low steps 0–1, high steps 2–4" in main
    assert "disagree at 0 of 5 steps" in main and "a 0.1 to 1" in main
    assert "4 units" in attr("canvas.xai-tl-states", "aria-label")
    assert "low 40%, high 60%" in attr("canvas.xai-tl-overview", "aria-label")

    stepper = ".xai-tl-stepper"
    _tab_to(page, stepper)
    assert attr(stepper, "role") == "slider" and attr(stepper, "aria-valuemax") == "4"
    assert page.locator(".xai-tl-cursor").first.is_visible()
    page.keyboard.press("ArrowRight")
    assert attr(stepper, "aria-valuenow") == "1"
    text = attr(stepper, "aria-valuetext")
    assert text.startswith("step 1 of 5; time 16 min; a 0.2; b 0.9"), text
    assert "concept low" in text and "extracted low" in text
    page.keyboard.press("End")
    assert attr(stepper, "aria-valuenow") == "4"
    page.keyboard.press("Home")
    assert attr(stepper, "aria-valuenow") == "0"
    # zoom in around the cursor, then walk out of the view: it scrolls to the cursor
    page.keyboard.press("+")
    assert page.locator(".xai-tl-range").inner_text().startswith("steps 0–2 of 5 shown")
    page.keyboard.press("PageUp")
    assert attr(stepper, "aria-valuenow") == "3"
    assert page.locator(".xai-tl-range").inner_text().startswith("steps 1–3 of 5 shown")
    page.keyboard.press("-")
    assert page.locator(".xai-tl-range").inner_text() == "steps 0–4 of 5 shown"
    page.keyboard.press("Enter")
    assert page.locator(".xai-tl-detail b").inner_text() == "step 3: high"
    assert "next concept from high" in page.locator(".xai-tl-tree-title").inner_text()
    page.keyboard.press("Escape")
    assert page.locator(".xai-tl-detail b").count() == 0

    # legend: one Tab stop; Right moves, Enter highlights (the graph follows), Escape clears
    legend = ".xai-tl-legend .xai-tl-concept"
    _tab_to(page, legend)
    assert page.evaluate("document.activeElement.dataset.concept") == "0"
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.concept") == "1"
    page.keyboard.press("Enter")
    assert page.locator(f"{legend}[aria-pressed=true]").get_attribute("data-concept") == "1"
    assert page.evaluate("document.activeElement.dataset.concept") == "1"  # kept on redraw
    assert page.locator("svg.xai-tl-graph .xai-tl-node-g.xai-on").get_attribute(
        "data-concept") == "1"
    page.keyboard.press("Escape")
    assert page.locator("[aria-pressed=true]").count() == 0

    # graph: concepts and their arrows in one group
    _tab_to(page, "svg.xai-tl-graph [data-order]")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label.startswith("concept low: class low, purity 100.0%, 50.0% of the states"), label
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label.startswith("transition low to high: probability 40.0%"), label
    page.keyboard.press("Enter")
    assert page.locator(".xai-tl-tree-title").inner_text() == "next concept from low"
    # only the first Tab, pressed on the page before the view had focus, reached the document
    assert page.evaluate("window.__leaked") == ["Tab"]
    screenshot(page.locator(".xai-root"), "timeline-keyboard")
    assert not console.errors, console.format()
