"""SENNView in a real browser: standalone exports (tabular and learned image concepts) in light
and dark, and JupyterLab with samples and prototype rows fetched through a live kernel."""

from __future__ import annotations

import textwrap

import nbformat
import numpy as np
import pytest
import torch
from PIL import Image

from xaiwidgets import SENNView
from xaiwidgets.senn import SENN, fit_senn, prototypes, stability

from .jupyter import (
    JupyterServer,
    canvas_stats,
    open_and_run_notebook,
    open_html_file,
    screenshot,
    wait_for_widgets,
)

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1000, "height": 900}
NAMES = ["age", "<b>priors</b>", "<img src=x>", "charge"]


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("senn")
    torch.manual_seed(0)
    tab = SENN.tabular(4, 2, hidden=(8,), feature_names=NAMES)
    x = torch.randn(80, 4)
    fit_senn(tab, x, (x[:, 0] - x[:, 1] > 0).long(), epochs=3, progress=False)
    st = stability(tab, x[:6], ["saliency", "integrated_gradients"], n_samples=4)
    SENNView(tab.explain(x[:6]).with_stability(st), class_names=["no", "<i>yes</i>"],
             title="<b>tabular</b> SENN").to_html(out / "tabular.html")
    torch.manual_seed(0)
    img = SENN.images(1, 3, 4, image_size=16)
    xi = torch.zeros(48, 1, 16, 16)
    for i in range(48):  # bars in 4 positions: concepts with visible prototypes
        xi[i, 0, :, 2 + 3 * (i % 4):4 + 3 * (i % 4)] = 1.0
    fit_senn(img, xi, torch.arange(48) % 4, epochs=2, progress=False)
    ex = img.explain(xi[:5]).with_prototypes(prototypes(img, xi, 6))
    SENNView(ex.with_stability(stability(img, xi[:3], ["saliency"], n_samples=3)),
             title="image SENN").to_html(out / "image.html")
    return out


def _open(page, path, scheme):
    page.set_viewport_size(VIEWPORT)
    page.emulate_media(color_scheme=scheme)
    console = open_html_file(page, path)
    wait_for_widgets(page)
    return console


def _distinct_colours(path) -> int:
    img = np.asarray(Image.open(path).convert("RGB"))
    return len(np.unique(img.reshape(-1, 3), axis=0))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_tabular_export_renders_and_interacts_offline(page, exports, scheme):
    console = _open(page, exports / "tabular.html", scheme)
    rel = page.locator("svg.xai-senn-relevance g.xai-senn-row")
    assert rel.count() == 5 and page.locator("svg.xai-senn-activation g.xai-senn-row").count() == 5
    # names and titles from the data are text, never markup
    text = page.locator(".xai-root").inner_text()
    assert "<b>tabular</b> SENN" in text and "<img src=x>" in text
    assert page.locator(".xai-root b", has_text="priors").count() == 0
    assert page.locator(".xai-root img").count() == 0
    # signed colours: red and blue bars, not one flat fill
    fills = page.eval_on_selector_all("svg.xai-senn-relevance rect.xai-senn-bar",
                                      "rs => rs.map(r => r.getAttribute('fill'))")
    assert len(set(fills)) >= 3
    # tooltip at the cursor with the hovered feature's values
    box = rel.nth(1).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tip = page.locator(".xai-tooltip")
    assert tip.is_visible() and "<b>priors</b>" in tip.inner_text()
    assert "contribution θ·h" in tip.inner_text()
    tb, bb = tip.bounding_box(), box
    assert abs(tb["y"] - (bb["y"] + bb["height"] / 2)) < 60  # next to the pointer
    assert "xai-hover" in (page.locator("svg.xai-senn-activation g.xai-senn-row").nth(1)
                           .get_attribute("class") or "")
    shot = screenshot(page.locator(".xai-root"), f"senn-tabular-export-{scheme}")
    assert _distinct_colours(shot) > 30
    page.mouse.move(0, 0)
    # sorting is local; the stability panel shows SENN and both methods with the sample's tick
    page.locator("input.xai-senn-sort").check()
    shown = [abs(float(v)) for v in page.locator(
        "svg.xai-senn-relevance text.xai-senn-value").all_text_contents()]
    assert shown == sorted(shown, reverse=True)
    page.locator("input.xai-senn-sort").uncheck()
    stab = page.locator("svg.xai-senn-stab g.xai-senn-stab-row")
    assert stab.count() == 3 and page.locator("line.xai-senn-tickmark").count() == 3
    assert "Saliency" in (stab.nth(1).text_content() or "")
    values = page.locator("svg.xai-senn-relevance text.xai-senn-value").all_text_contents()
    page.locator(".xai-next").click()
    assert page.locator("input.xai-sample").input_value() == "1"
    assert page.locator("svg.xai-senn-relevance text.xai-senn-value").all_text_contents() != values
    assert not console.errors, console.format()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_image_export_shows_the_input_and_prototypes(page, exports, scheme):
    console = _open(page, exports / "image.html", scheme)
    assert canvas_stats(page, "canvas.xai-senn-image")[0]["painted"] > 10
    protos = canvas_stats(page, "canvas.xai-senn-proto")
    assert len(protos) == 3 * 6 and all(s["width"] == 16 and s["painted"] > 5 for s in protos)
    # hovering a prototype row highlights that concept's bars
    page.locator(".xai-senn-proto-row").nth(2).hover()
    assert "xai-hover" in (page.locator("svg.xai-senn-relevance g.xai-senn-row[data-row='2']")
                           .get_attribute("class") or "")
    shot = screenshot(page.locator(".xai-root"), f"senn-image-export-{scheme}")
    assert _distinct_colours(shot) > 30
    assert not console.errors, console.format()


LIVE = textwrap.dedent('''
    import warnings
    import torch
    import xaiwidgets as xw
    from xaiwidgets.senn import SENN, fit_senn, prototypes
    torch.manual_seed(0)
    torch.set_num_threads(1)
    senn = SENN.images(1, 3, 4, image_size=16)
    x = torch.rand(40, 1, 16, 16)
    fit_senn(senn, x, torch.arange(40) % 4, epochs=1, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", xw.PayloadTooLargeWarning)
        w = xw.SENNView(senn.explain(x).with_prototypes(prototypes(senn, x, 5)),
                        embed_prototypes=1, max_payload_bytes=4000)
    print("embedded", len(w.data["index"]))
    w
''')


def test_lab_fetches_samples_and_prototypes_through_the_kernel(page,
                                                               jupyter_server: JupyterServer):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(LIVE)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nbformat.write(nb, jupyter_server.root_dir / "senn_live.ipynb")
    run = open_and_run_notebook(page, jupyter_server, "senn_live.ipynb", ui="lab", timeout=240)
    assert not run.cell_errors
    wait_for_widgets(page, timeout=60)
    out = "".join(o.get("text", "") for c in run.notebook["cells"] for o in c["outputs"]
                  if o.get("output_type") == "stream")
    embedded = int(out.split("embedded ")[1].split()[0])
    assert embedded < 40
    # one prototype per concept was embedded: the other 4 of each row come from the kernel
    page.wait_for_function(
        "() => document.querySelectorAll('canvas.xai-senn-proto').length === 15",
        timeout=30_000)
    assert page.locator(".xai-senn-proto-slot").count() == 0
    sample = page.locator("input.xai-sample")
    sample.fill("39")
    sample.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('.xai-info').textContent.includes('explained') && "
        "!document.querySelector('.xai-root').classList.contains('xai-loading')",
        timeout=30_000)
    assert sample.input_value() == "39"
    assert canvas_stats(page, "canvas.xai-senn-image")[0]["painted"] > 10
    screenshot(page.locator(".xai-root"), "senn-lab")
    assert not run.console_errors, run.console.format()


def test_keyboard_bars_and_prototypes_are_reachable_described_and_pinnable(page, exports):
    page.set_viewport_size({"width": 800, "height": 900})
    page.emulate_media(color_scheme="light")
    console = open_html_file(page, exports / "image.html")
    wait_for_widgets(page)
    rel = page.locator("svg.xai-senn-relevance g.xai-senn-row")
    n = rel.count()
    assert n == 3
    assert page.locator("svg.xai-senn-relevance").get_attribute("role") == "listbox"
    values = page.locator("svg.xai-senn-relevance .xai-senn-value").evaluate_all(
        "ts => ts.map(t => t.textContent)")
    labels = [rel.nth(k).get_attribute("aria-label") for k in range(n)]
    for label, value in zip(labels, values, strict=True):  # the numbers the bars show
        assert f" {value} relevance θ; activation h " in label
    act = page.locator("svg.xai-senn-activation")
    assert act.get_attribute("role") == "img"
    shown = page.locator("svg.xai-senn-activation .xai-senn-value").evaluate_all(
        "ts => ts.map(t => t.textContent)")
    assert all(v in act.get_attribute("aria-label") for v in shown)
    assert page.locator("canvas.xai-senn-image").get_attribute("aria-label").startswith(
        "input image of sample 0")
    assert "SENN mean" in page.locator("svg.xai-senn-stab").get_attribute("aria-label")

    def active() -> dict:
        return page.evaluate("() => ({row: document.activeElement.dataset.row, "
                             "role: document.activeElement.getAttribute('role'), "
                             "box: document.activeElement.closest('.xai-senn-protos') ? "
                             "'protos' : 'bars'})")

    # Tab from the sort box reaches the bars in one stop, then the prototypes in one more
    page.locator("input.xai-senn-sort").focus()
    page.keyboard.press("Tab")
    assert active() == {"row": "0", "role": "option", "box": "bars"}
    assert page.locator(".xai-tooltip").is_visible()
    page.keyboard.press("ArrowDown")
    assert active()["row"] == "1"
    assert page.locator(".xai-senn-proto-row[data-row='1']").evaluate(
        "r => r.classList.contains('xai-hover')")
    page.keyboard.press("Enter")
    assert rel.nth(1).get_attribute("aria-selected") == "true"
    assert page.locator("svg.xai-senn-activation g.xai-senn-row[data-row='1']").evaluate(
        "g => g.classList.contains('xai-pinned')")
    page.keyboard.press("Tab")
    assert active() == {"row": "0", "role": "option", "box": "protos"}
    label = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
    assert label.startswith(page.locator(".xai-senn-proto-row[data-row='0'] "
                                         ".xai-senn-proto-name").inner_text() + ": sample ")
    page.keyboard.press("End")
    assert active()["row"] == "2"
    page.keyboard.press("Escape")  # unpins
    assert not any(rel.nth(k).get_attribute("aria-selected") == "true" for k in range(n))
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        screenshot(page.locator(".xai-root"), f"senn-keyboard-800-{scheme}")
    assert not console.errors, console.format()
