"""RedescriptionView in a real browser: the standalone export (light and dark), and JupyterLab
with sample thumbnails fetched through a live kernel."""

from __future__ import annotations

import textwrap
import warnings

import nbformat
import numpy as np
import pandas as pd
import pytest

from xaiwidgets import RedescriptionMiner, RedescriptionView

from .jupyter import (
    JupyterServer,
    canvas_stats,
    open_and_run_notebook,
    open_html_file,
    screenshot,
    wait_for_widgets,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    rng = np.random.default_rng(0)
    n = 240
    attrs = pd.DataFrame({"radius": rng.uniform(5, 25, n),
                          "colour": rng.choice(["red", "green", "<b>blue</b>"], n),
                          "texture": rng.normal(size=n)})
    acts = np.stack([np.maximum(0, attrs.radius.to_numpy() - 15),
                     (attrs.colour == "red").to_numpy() * (1 + rng.random(n)),
                     np.maximum(0, attrs.texture.to_numpy()) + 0.2 * rng.random(n)], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rm = RedescriptionMiner(progress=False).fit(acts, attrs)
    w = RedescriptionView.from_estimator(rm, X=attrs, title="<b>toy</b> redescriptions")
    path = tmp_path_factory.mktemp("export") / "redescriptions.html"
    w.to_html(path)
    return path, rm, w


def _lum(rgb: str) -> float:
    nums = [float(v) for v in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    return (0.2126 * nums[0] + 0.7152 * nums[1] + 0.0722 * nums[2]) / 255


def _rows(page) -> list[int]:
    """The redescriptions listed (visible rows, in order)."""
    return [int(r) for r in page.locator(
        "table.xai-rd-table tbody tr[data-row]:not([hidden])").evaluate_all(
        "rows => rows.map(r => r.dataset.row)")]


def _listed(w) -> list[int]:
    """The rows the view lists first: its reading order grouped by neuron, complements folded."""
    r, order, comp = w.result, w.order.tolist(), w.result.complements()
    first = [i for i in order if comp[i] < 0 or order.index(int(comp[i])) > order.index(i)]
    groups: dict[int, list[int]] = {}
    for i in first:
        groups.setdefault(int(r.neuron[i]), []).append(i)
    return [i for g in groups.values() for i in g]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_export_filters_sorts_and_shows_support_sets_offline(page, exported, scheme):
    path, rm, w = exported
    res = rm.result_
    page.emulate_media(color_scheme=scheme)
    console = open_html_file(page, path)
    wait_for_widgets(page)
    assert page.locator(".xai-title").inner_text() == "<b>toy</b> redescriptions"
    assert page.locator(".xai-root h3 b").count() == 0  # text from data is never markup
    # the count beside its permutation null, in the header
    assert (f"{res.described} of {len(res.neurons)} neurons described" in
            page.locator(".xai-summary").inner_text())
    assert page.locator(".xai-summary").inner_text().endswith(
        f"; with activations shuffled: {res.shuffled.described} of {len(res.neurons)}")
    assert _rows(page) == _listed(w)  # the reading order, grouped by neuron
    rights = page.locator("tr[data-row]:not([hidden]) td.xai-right").all_inner_texts()
    assert rights == [res.right_rule[i] for i in _listed(w)]
    bg = page.evaluate("() => getComputedStyle(document.querySelector('.xai-root'))"
                       ".backgroundColor")
    assert (_lum(bg) < 0.2) if scheme == "dark" else (_lum(bg) > 0.9)
    # J cells are coloured: the table is a picture too
    colours = set(page.locator("td.xai-j").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c).backgroundColor)"))
    assert len(colours) >= 2

    # the J slider filters in the browser (no kernel in an export)
    slider = page.locator("input.xai-min-j")
    slider.fill("0.9")
    slider.dispatch_event("input")
    keep = [i for i in range(res.n_redescriptions) if res.jaccard[i] >= 0.9 - 1e-6]
    assert set(_rows(page)) <= set(keep) and len(keep) < res.n_redescriptions
    page.locator("button.xai-clear").click()
    page.locator("input.xai-group-by").uncheck()
    page.locator("input.xai-show-complements").check()
    assert len(_rows(page)) == res.n_redescriptions
    # sorting on a header (complements folded: shown, each would follow its partner)
    page.locator("input.xai-show-complements").uncheck()
    page.locator("th[data-key=support]").click()
    sup = [int(res.support[i]) for i in _rows(page)]
    assert sup == sorted(sup, reverse=True)

    # a row click: support bars add up to the sets, the rows of the samples, the columns used
    i = _rows(page)[0]
    page.locator(f"table.xai-rd-table tbody tr[data-row='{i}']").click()
    bars = {b.get_attribute("data-part"): b.inner_text()
            for b in page.locator(".xai-part-bar").all()}
    both = int(res.support[i])
    assert bars["both"] == str(both)
    assert page.locator(".xai-part[data-part=both] tr[data-index]").count() == min(both, 12)
    assert page.locator(".xai-detail-right").inner_text() == res.right_rule[i]

    # the heatmap: one filled cell per (neuron, attribute) with coverage; a click filters
    cells = page.locator("td.xai-cov-cell.xai-filled")
    assert cells.count() == int((res.coverage() > 0).sum())
    cells.first.hover()
    assert page.locator(".xai-tooltip").is_visible()
    assert "best J" in page.locator(".xai-tooltip").inner_text()
    k = int(cells.first.get_attribute("data-neuron"))
    cells.first.click()
    assert {int(res.neuron[r]) for r in _rows(page)} == {k}
    page.locator("table.xai-rd-table tbody tr[data-row]:not([hidden])").first.click()
    assert page.locator("td.xai-cov-cell.xai-linked").count() >= 1
    screenshot(page.locator(".xai-root"), f"redescriptions-export-{scheme}")
    assert not console.errors, console.format()


SMALL = textwrap.dedent('''
    import warnings
    import numpy as np, pandas as pd, torch
    import xaiwidgets as xw
    from xaiwidgets.datasets.sprites import SHAPE_NAMES, load_sprites

    d = load_sprites(300, seed=4, task="shape")
    shape = np.array(SHAPE_NAMES)[d.concepts["shape"]]
    x = torch.from_numpy(d.images)
    acts = {"area": d.images.sum(axis=(1, 2, 3)), "heart": (shape == "heart") * 1.0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rm = xw.RedescriptionMiner(interaction=False, progress=False).fit(
            acts, pd.DataFrame({"shape": shape, "scale": d.concepts["scale"]}))
    w = xw.RedescriptionView.from_estimator(rm, X=x, embed_per_row=0, n_show=6)
    print("rows", rm.result_.n_redescriptions)
    w
''')


def test_lab_renders_and_fetches_thumbnails_through_the_kernel(page,
                                                             jupyter_server: JupyterServer):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SMALL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nbformat.write(nb, jupyter_server.root_dir / "redescriptions_small.ipynb")
    run = open_and_run_notebook(page, jupyter_server, "redescriptions_small.ipynb", ui="lab",
                                timeout=240)
    assert not run.cell_errors
    wait_for_widgets(page, timeout=60)
    out = "".join(o.get("text", "") for c in run.notebook["cells"] for o in c["outputs"]
                  if o.get("output_type") == "stream")
    n_rows = int(out.split("rows ")[1].split()[0])
    assert n_rows >= 2
    # every rule has a row (a folded complement's is hidden under its partner's)
    assert page.locator("table.xai-rd-table tbody tr[data-row]").count() == n_rows
    # nothing is embedded: the first row's thumbnails need a kernel round-trip
    assert page.locator("canvas.xai-thumb").count() == 0
    page.locator("table.xai-rd-table tbody tr[data-row]:not([hidden])").first.click()
    page.wait_for_function(
        "() => document.querySelectorAll('canvas.xai-thumb').length > 0 && "
        "document.querySelectorAll('.xai-thumb-slot').length === 0", timeout=30_000)
    stats = canvas_stats(page, "canvas.xai-thumb")
    assert 0 < len(stats) <= 18 and all(s["painted"] > 10 for s in stats), stats
    assert page.locator(".xai-status").inner_text() == ""
    screenshot(page.locator(".xai-root"), "redescriptions-lab")
    assert not run.console_errors, run.console.format()


@pytest.fixture(scope="module")
def restating(tmp_path_factory):
    """Neurons of the WDBC kind: one fires on the predicted class (its rule and the rule's
    complement at J = 1 restate the prediction), one follows a feature."""
    rng = np.random.default_rng(0)
    n = 200
    radius = rng.uniform(5, 25, n)
    pred = np.where(radius + rng.normal(0, 2, n) > 15, "malignant", "benign")
    attrs = pd.DataFrame({"radius": radius, "texture": rng.normal(size=n), "predicted": pred})
    acts = np.stack([(pred == "malignant") * 1.0 + 0.01 * rng.random(n),
                     np.maximum(0, attrs.texture.to_numpy()) + 0.1 * rng.random(n)], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rm = RedescriptionMiner(progress=False, seed=0).fit(acts, attrs)
    w = RedescriptionView.from_estimator(rm, X=attrs, title="restating")
    path = tmp_path_factory.mktemp("restating") / "redescriptions.html"
    w.to_html(path)
    return path, w


def test_keyboard_reading_order_folding_and_an_empty_filter(page, restating):
    path, w = restating
    r = w.result
    page.set_viewport_size({"width": 800, "height": 900})
    console = open_html_file(page, path)
    wait_for_widgets(page)
    listed = _listed(w)
    assert _rows(page) == listed
    screenshot(page.locator(".xai-root"), "redescriptions-reading-order-800")
    # the first row explains with a feature; the J = 1 restatements of the prediction come last
    assert "predicted" not in r.right_rule[listed[0]]
    assert r.right_rule[listed[-1]].startswith("predicted = ")
    assert page.locator("tr[data-row]:not([hidden]) .xai-restates-note").count() == int(r.restates(
        ["predicted"])[listed].sum())
    folded = int((r.complements() >= 0).sum() // 2)
    assert folded >= 2 and len(listed) == r.n_redescriptions - folded

    def active() -> dict:
        return page.evaluate("() => ({...document.activeElement.dataset, "
                             "selected: document.activeElement.getAttribute('aria-selected'), "
                             "expanded: document.activeElement.getAttribute('aria-expanded')})")

    # Tab from the filter box: the sort buttons are one stop, the rows the next
    page.locator("input.xai-text-filter").focus()
    stops = []
    for _ in range(12):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("() => document.activeElement.className || "
                                   "document.activeElement.tagName"))
        if page.evaluate("() => document.activeElement.matches('tr.xai-group')"):
            break
    assert stops.count("xai-sort") == 1, stops
    first_group = active()
    assert first_group["group"] == str(int(r.neuron[listed[0]]))
    page.keyboard.press("ArrowDown")
    assert active()["row"] == str(listed[0])
    page.keyboard.press("Enter")
    assert active()["selected"] == "true"
    assert page.locator(".xai-detail-right").inner_text() == r.right_rule[listed[0]]
    label = page.locator(".xai-parts").get_attribute("aria-label")
    assert f"both rules {int(r.support[listed[0]])} samples" in label
    # Right unfolds the complement, Down reaches it, Left goes back to its partner and folds
    comp = int(r.complements()[listed[0]])
    assert comp >= 0
    page.keyboard.press("ArrowRight")
    assert active()["expanded"] == "true" and comp in _rows(page)
    page.keyboard.press("ArrowDown")
    assert active()["row"] == str(comp)
    page.keyboard.press("Enter")
    assert page.locator(".xai-detail-left").inner_text() == r.left_rule[comp]
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert active()["row"] == str(listed[0]) and comp not in _rows(page)
    # folding hides a row but keeps it selected: its detail is still the one shown
    assert page.locator(".xai-detail-left").inner_text() == r.left_rule[comp]
    page.keyboard.press("Escape")
    assert page.locator(".xai-detail-title").count() == 0
    # Left on a row goes to its group; Left there folds the group, Right unfolds it
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert active()["expanded"] == "false"
    assert not set(_rows(page)) & {i for i in listed if r.neuron[i] == r.neuron[listed[0]]}
    page.keyboard.press("ArrowRight")
    assert _rows(page) == listed
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    assert page.locator(".xai-detail-right").inner_text() == r.right_rule[listed[-1]]
    # a filter that matches nothing: no stale detail
    page.locator("input.xai-text-filter").fill("no such rule")
    assert _rows(page) == []
    assert page.locator("tr.xai-empty").inner_text() == "no rows match the filters"
    assert page.locator(".xai-detail-empty").inner_text() == "no rows match the filters"
    assert page.locator(".xai-detail-title").count() == 0
    page.locator("input.xai-text-filter").fill("")
    # the sort buttons: Enter sorts (aria-sort on the header)
    page.locator("th[data-key=neuron] button").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert page.evaluate("() => document.activeElement.closest('th').dataset.key") == "jaccard"
    page.keyboard.press("Enter")
    assert page.locator("th[data-key=jaccard]").get_attribute("aria-sort") == "descending"
    js = [float(r.jaccard[i]) for i in _rows(page)]
    assert js[0] == max(js)
    # the heatmap: Enter on a cell filters, Escape drops the filter
    cell = page.locator("td.xai-cov-cell.xai-filled").first
    cell.focus()
    assert "best J" in page.locator(".xai-tooltip").inner_text()
    page.keyboard.press("Enter")
    k = int(cell.get_attribute("data-neuron"))
    assert {int(r.neuron[i]) for i in _rows(page)} == {k}
    page.keyboard.press("Escape")
    assert len(_rows(page)) == len(listed)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        screenshot(page.locator(".xai-root"), f"redescriptions-keyboard-800-{scheme}")
    assert not console.errors, console.format()
