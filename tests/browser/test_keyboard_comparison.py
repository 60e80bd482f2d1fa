"""ComparisonView and MaskView by keyboard and screen reader, and at notebook width: Tab into
the view, arrows move between items (pixels, tokens, features, table headers and rows, chart
points), Enter activates, Escape clears; the read-out that hover shows appears on focus and is
announced; pictures carry text alternatives with their numbers; five methods fit one row (or
wrap evenly) at the default notebook width and at 800 px; a sample typed out of range is
refused visibly."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hand_results import comparison as hand_comparison
from hand_results import masks as hand_masks

from xaiwidgets import AttributionResult, ComparisonView

from .jupyter import open_html_file, wait_for_widgets

pytestmark = pytest.mark.browser

FIVE = ["Integrated Gradients", "Saliency", "Occlusion", "Gradient SHAP", "DeepLift"]
WORDS = "the movie was not bad at all".split()
FEATURES = ["age", "income", "height", "weight", "score", "zip"]


def _five(kind: str) -> AttributionResult:
    """Five methods on 4 samples of `kind`, seeded; infidelity is NaN everywhere (as for a
    metric that cannot perturb the inputs), so its column must not be shown."""
    rng = np.random.default_rng(0)
    n = 4
    x = {"image": rng.random((n, 3, 12, 12)), "tabular": rng.random((n, len(FEATURES))),
         "sequence": rng.random((n, len(WORDS), 3))}[kind].astype(np.float32)
    fr = np.linspace(0, 1, 5)
    return AttributionResult(
        kind=kind, inputs=x, target=np.zeros(n, int), y_pred=np.zeros(n, int),
        prob=rng.random(n), methods=FIVE,
        attributions={m: rng.normal(size=x.shape).astype(np.float32) for m in FIVE},
        seconds_per_sample=dict.fromkeys(FIVE, 0.01),
        metrics={m: {"deletion_auc": rng.random(n), "infidelity": np.full(n, np.nan)}
                 for m in FIVE},
        fractions=fr, deletion_curves={m: np.sort(rng.random((n, 5)))[:, ::-1] for m in FIVE},
        insertion_curves={m: np.sort(rng.random((n, 5))) for m in FIVE},
        n_outputs=2, task="multiclass")


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("keys")
    views = {
        "hand": hand_comparison.VIEW(hand_comparison.result(), **hand_comparison.OPTIONS),
        "masks": hand_masks.VIEW(hand_masks.result(), **hand_masks.OPTIONS),
        "image": ComparisonView(_five("image"), class_names=["cat", "dog"]),
        "tabular": ComparisonView(_five("tabular"), feature_names=FEATURES),
        "sequence": ComparisonView(_five("sequence"), tokens=[WORDS] * 4),
    }
    for name, view in views.items():
        view.to_html(out / f"{name}.html")
    return {name: out / f"{name}.html" for name in views}


def _open(page, path, width=1000):
    page.set_viewport_size({"width": width, "height": 900})
    console = open_html_file(page, path)
    wait_for_widgets(page)
    return console


def _active(page) -> dict:
    return page.evaluate("""() => { const a = document.activeElement;
      const own = a.closest('[data-method]');
      return {cls: a.getAttribute('class') || '', tag: a.tagName,
              text: (a.textContent || '').trim(), label: a.getAttribute('aria-label') || '',
              i: a.dataset ? a.dataset.i : undefined, method: own ? own.dataset.method : null};
    }""")


def _all(page, css: str, what: str) -> list:
    """`what` (a JS expression of `e`) for every element matching `css`."""
    return page.eval_on_selector_all(css, f"es => es.map(e => {what})")


def _tooltip(page) -> str:
    tip = page.locator(".xai-tooltip")
    return tip.inner_text() if tip.is_visible() else ""


def _live(page) -> str:
    return page.locator(".xai-sr-only[aria-live]").text_content() or ""


def _tab_to(page, css: str, limit: int = 40) -> int:
    """Presses Tab from the top of the page until an element matching `css` has focus;
    returns the number of presses."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for n in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("(css) => document.activeElement.matches(css)", css):
            return n
    raise AssertionError(f"Tab never reached {css}; last: {_active(page)}")


def test_image_pixels_by_keyboard_and_maps_described(page, pages):
    """The pictures are one Tab stop: a cursor at the centre, its values in the tooltip and
    the live region; arrows move it by one pixel; Escape hides it. Each map says its numbers."""
    console = _open(page, pages["hand"])
    labels = _all(page, "canvas.xai-heatmap",
                  "[e.getAttribute('role'), e.getAttribute('aria-label')]")
    assert [r for r, _ in labels] == ["img", "img"]
    assert labels[0][1].startswith("Saliency attribution map of sample 0, explained class "
                                   "circle, 8 by 8 cells: values from ")
    assert re.search(r"strongest [\d.]+ at row \d, column \d", labels[0][1]), labels[0][1]
    assert page.get_attribute("canvas.xai-input", "aria-label") == (
        "input image of sample 0, explained class circle, 8 by 8 pixels")

    _tab_to(page, ".xai-panels")
    tip = _tooltip(page)
    assert "pixel row 4, col 4" in tip and "Saliency" in tip and "Integrated Gradients" in tip
    assert _live(page).startswith("pixel: row 4, col 4, input: ")
    assert _all(page, ".xai-cursor", "e.style.display") == ["block"] * 3
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowUp")
    assert "pixel row 3, col 5" in _tooltip(page)
    for _ in range(12):  # clamped at the edge
        page.keyboard.press("ArrowRight")
    assert "pixel row 3, col 7" in _tooltip(page)
    page.keyboard.press("Escape")
    assert _tooltip(page) == "" and _live(page) == ""
    assert _all(page, ".xai-cursor", "e.style.display") == ["none"] * 3
    assert not console.errors, console.format()


def test_metric_table_headers_rows_and_curve_toggles_by_keyboard(page, pages):
    _open(page, pages["hand"])
    # sortable headers: one Tab stop, Left / Right move, Enter sorts and keeps the focus
    first = _tab_to(page, "table.xai-metrics thead button")
    assert _active(page)["text"].startswith("Deletion AUC")
    page.keyboard.press("ArrowRight")
    assert _active(page)["text"].startswith("Insertion AUC")
    page.keyboard.press("Enter")
    assert page.get_attribute("table.xai-metrics thead th[data-q='1']", "aria-sort") == "ascending"
    assert _active(page)["text"].startswith("Insertion AUC")  # focus survives the re-render
    rows = _all(page, "table.xai-metrics tbody tr", "e.dataset.method")
    assert rows == ["Saliency", "Integrated Gradients"]  # insertion AUC, higher first
    # the rows: the next Tab stop after the headers (one stop for the whole header row)
    page.keyboard.press("Tab")
    assert _active(page)["tag"] == "TR" and _active(page)["method"] == "Saliency"
    tip = _tooltip(page)  # what the cells' hover titles say, on focus
    not_best = "best mean, but not significantly better than all others (p = 0.13)"
    assert tip.split("\n") == [
        "Saliency", f"Deletion AUC ↓ 0.22 · {not_best}", f"Insertion AUC ↑ 0.705 · {not_best}",
        f"Infidelity ↓ 0.0333 · {not_best}",
        "s / explanation 0.002 · one measurement per method (no interval)"], tip
    page.keyboard.press("ArrowDown")
    assert _active(page)["method"] == "Integrated Gradients"
    page.keyboard.press("Enter")
    assert page.get_attribute("tr[data-method='Integrated Gradients']", "aria-current") == "true"
    em = _all(page, "svg.xai-curves polyline.xai-em", "e.dataset.method")
    assert em == ["Integrated Gradients"] * 2  # deletion and insertion
    assert page.locator("svg.xai-curves polyline.xai-dim").count() == 2
    marked = _all(page, ".xai-panel.xai-em canvas.xai-heatmap", "e.dataset.method")
    assert marked == ["Integrated Gradients"]
    page.keyboard.press("Escape")
    assert page.locator("tr[aria-current]").count() == 0
    assert page.locator(".xai-em, .xai-dim").count() == 0
    # the legend: toggle buttons; Enter hides that method's curves
    page.keyboard.press("Tab")
    assert _active(page)["cls"] == "xai-toggle" and _active(page)["text"] == "Saliency"
    page.keyboard.press("Enter")
    toggle = "button.xai-toggle[data-method='Saliency']"
    assert page.get_attribute(toggle, "aria-pressed") == "false"
    shown = _all(page, "svg.xai-curves polyline",
                 "[e.dataset.method, getComputedStyle(e).display]")
    assert shown == [["Saliency", "none"], ["Integrated Gradients", "inline"]] * 2
    # the curves state their numbers
    label = page.get_attribute("svg.xai-curves", "aria-label")
    assert label.startswith("Deletion (mean): probability against fraction of locations "
                            "removed from 0 to 1; Saliency from ")
    assert "(area " in label and first > 1


def test_tokens_are_one_tab_stop_and_read_like_hover(page, pages):
    _open(page, pages["sequence"])
    _tab_to(page, ".xai-token")
    a = _active(page)
    assert (a["method"], a["i"], a["text"]) == ("Integrated Gradients", "0", "the")
    assert "token 0 the" in _tooltip(page) and all(m in _tooltip(page) for m in FIVE)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    a = _active(page)
    assert (a["i"], a["text"]) == ("2", "was")
    live = _live(page)
    assert live.startswith("token 2: was, Integrated Gradients: ") and "DeepLift: " in live
    page.keyboard.press("ArrowDown")  # the same token of the next method
    a = _active(page)
    assert (a["method"], a["i"]) == ("Saliency", "2")
    hovered = _all(page, ".xai-token.xai-hover", "e.dataset.i")
    assert hovered == ["2"] * len(FIVE)
    page.keyboard.press("End")
    assert _active(page)["method"] == "DeepLift" and _active(page)["i"] == str(len(WORDS) - 1)
    page.keyboard.press("Escape")
    assert _tooltip(page) == ""
    # one Tab stop: the next Tab leaves the tokens
    page.keyboard.press("Tab")
    assert "xai-token" not in _active(page)["cls"]
    assert page.locator(".xai-token[tabindex='0']").count() == 1


def test_tabular_features_by_keyboard_and_charts_described(page, pages):
    _open(page, pages["tabular"])
    label = page.get_attribute("canvas.xai-barchart[data-method='Saliency']", "aria-label")
    assert re.fullmatch(r"Saliency attributions of sample 0, explained class 0, 6 features; "
                        r"strongest: (\w+ [+-]?[\d.]+, ){2}\w+ [+-]?[\d.]+", label), label
    _tab_to(page, ".xai-bar-labels span")
    assert "feature age" in _tooltip(page)
    page.keyboard.press("ArrowDown")
    assert _active(page)["text"] == "income" and "feature income" in _tooltip(page)
    assert _live(page).startswith("feature: income, input: ")
    page.keyboard.press("Escape")
    assert _tooltip(page) == ""


def test_mask_tradeoff_points_by_keyboard(page, pages):
    _open(page, pages["masks"])
    chart = page.locator("svg.xai-lines")
    label = chart.get_attribute("aria-label")
    assert label.startswith("Trade-off over λ") and "soft mask: 60% at 0.18" in label, label
    _tab_to(page, "svg.xai-lines circle")
    first = _active(page)["label"]
    assert first.startswith("λ=0.2, soft mask: 60%"), first
    assert "soft mask 60%" in _tooltip(page)
    page.keyboard.press("ArrowRight")
    assert _active(page)["label"].startswith("λ=0.05, soft mask: 90%")
    page.keyboard.press("ArrowDown")  # the other series, same point
    assert _active(page)["label"].startswith("λ=0.05, hard mask, top 20% kept: 70%")
    page.keyboard.press("Tab")  # the legend toggles
    assert _active(page)["text"] == "soft mask"
    page.keyboard.press("Enter")
    assert chart.locator("polyline[data-series='soft mask']").evaluate(
        "p => getComputedStyle(p).display") == "none"


@pytest.mark.parametrize("width", [970, 800])
def test_five_methods_fit_the_notebook_width(page, pages, width):
    """Image: input + five maps on one row; tabular: five charts inside the width; text: the
    cards on full rows (stacked), never 3 + 2; the all-n/a infidelity column is left out."""
    _open(page, pages["image"], width)
    tops = _all(page, ".xai-panel", "Math.round(e.getBoundingClientRect().top)")
    assert len(tops) == 6 and len(set(tops)) == 1, tops
    assert max(_all(page, ".xai-panel", "e.getBoundingClientRect().right")) <= width
    heads = _all(page, "table.xai-metrics thead th", "e.textContent")
    assert heads[1].startswith("Deletion AUC") and not any("Infidelity" in h for h in heads)

    _open(page, pages["tabular"], width)
    right = max(_all(page, "canvas.xai-barchart", "e.getBoundingClientRect().right"))
    assert right <= width - 16, right

    _open(page, pages["sequence"], width)
    cols = int(page.get_attribute(".xai-seq", "data-columns"))
    tops = _all(page, ".xai-seq-row", "Math.round(e.getBoundingClientRect().top)")
    per_row = [tops.count(t) for t in sorted(set(tops))]
    assert len(set(per_row)) == 1 and per_row[0] == cols, per_row


def test_a_sample_typed_out_of_range_is_refused_visibly(page, pages):
    _open(page, pages["hand"])
    box = page.locator("input.xai-sample")
    box.fill("2")
    box.press("Enter")
    assert box.input_value() == "2"
    box.fill("5000")
    box.press("Enter")
    assert box.input_value() == "2"  # the sample shown, never "5000"
    assert box.get_attribute("aria-invalid") == "true"
    assert page.locator(".xai-status").inner_text() == (
        "sample 5000 refused: expected a whole number from 0 to 3; showing sample 2")
    assert "true: cross" in page.locator(".xai-info").inner_text()  # still sample 2
    page.locator("button.xai-next").click()
    assert box.input_value() == "3" and box.get_attribute("aria-invalid") is None
