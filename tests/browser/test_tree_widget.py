"""ConceptTreeView in a real browser: the standalone export, and JupyterLab with thumbnails
fetched through a live kernel."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch

from xaiwidgets import ConceptExtractor, ConceptTree, ConceptTreeView
from xaiwidgets.datasets.sprites import SHAPE_NAMES, load_sprites
from xaiwidgets.examples import SpritesCNN

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
    d = load_sprites(300, seed=5, task="shape")
    concepts = {"shape": np.array(SHAPE_NAMES)[d.concepts["shape"]],
                "scale": np.linspace(0.5, 1, 6)[d.concepts["scale"]]}
    torch.manual_seed(0)
    model = SpritesCNN(3, width=4).eval()
    x = torch.from_numpy(d.images)
    cme = ConceptExtractor(model, ["relu1", "relu4"], n_labelled=60, n_unlabelled=60,
                           progress=False).fit(x, concepts)
    # Tree on the true concepts: its rules (and so the DOM) are known exactly.
    tree = ConceptTree(max_depth=2).fit(concepts, d.target)
    w = ConceptTreeView(tree.explain(concepts, d.target, X=x, extractor=cme),
                        class_names=SHAPE_NAMES, title="<b>sprites</b> tree")
    path = tmp_path_factory.mktemp("export") / "tree.html"
    w.to_html(path)
    return path, tree, w, concepts


def _node_texts(page) -> list[str]:
    return page.locator("svg.xai-tree g.xai-node text.xai-node-test").all_text_contents()


def test_standalone_export_renders_and_interacts_offline(page, exported):
    path, tree, w, concepts = exported
    console = open_html_file(page, path)
    wait_for_widgets(page)
    n_nodes = len(tree.nodes()["test"])
    assert n_nodes == 5
    assert page.locator("svg.xai-tree g.xai-node").count() == n_nodes
    assert page.locator("svg.xai-tree path.xai-edge").count() == n_nodes - 1
    texts = _node_texts(page)
    assert "shape = ellipse" in texts and "shape = heart" in texts, texts
    assert sorted(t for t in texts if t.startswith("→")) == ["→ ellipse", "→ heart", "→ square"]
    # the title is text, never markup
    assert page.locator(".xai-title").inner_text() == "<b>sprites</b> tree"
    assert page.locator(".xai-root b", has_text="sprites").count() == 0

    # clicking a node shows thumbnails of the samples reaching it (embedded in the page)
    heart = page.locator("svg.xai-tree g.xai-node", has_text="shape = heart").first
    heart.locator("rect.xai-box").click()
    assert "shape = heart?" in page.locator(".xai-detail-title").inner_text()
    stats = canvas_stats(page, "canvas.xai-thumb")
    # the root (where the view opens) has all its n_thumbnails embedded
    assert len(stats) == w.n_thumbnails, stats
    assert all(s["width"] == 64 and s["painted"] > 20 for s in stats), stats
    assert "offline" not in page.locator(".xai-thumb-note").inner_text()
    # another node shows what is embedded of it, and says so
    child = int(w.tree["yes"][0])
    want = set(w.node_samples(child, w.n_thumbnails).tolist())
    shown = want & set(w.thumbs["index"].tolist())
    page.locator(f"svg.xai-tree g.xai-node[data-node='{child}'] rect.xai-box").click()
    assert page.locator("canvas.xai-thumb").count() == len(shown) >= 4
    assert page.locator(".xai-thumb-slot").count() == 0  # no empty boxes offline
    assert ("offline" in page.locator(".xai-thumb-note").inner_text()) == (len(shown) < len(want))
    page.locator("svg.xai-tree g.xai-node[data-node='0'] rect.xai-box").click()

    # a thumbnail click highlights that sample's path, root to leaf
    thumb = page.locator("canvas.xai-thumb").first
    depth = tree.nodes()["depth"][tree.apply(concepts)[int(thumb.get_attribute("data-index"))]]
    thumb.click()
    assert page.locator("svg.xai-tree g.xai-node.xai-path").count() == depth + 1
    assert page.locator("svg.xai-tree path.xai-edge.xai-path").count() == depth

    # the heatmap: one cell per (layer, concept), linked to the tree
    assert page.locator("table.xai-acc td").count() == 2 * 2
    assert page.locator("table.xai-acc td.xai-best").count() == 2
    page.locator("table.xai-acc button.xai-concept", has_text="shape").click()
    assert page.locator("svg.xai-tree g.xai-node.xai-linked").count() == 2

    # collapse the root locally, then pan/zoom only move the viewport
    page.locator("svg.xai-tree g.xai-node[data-node='0'] .xai-toggle").click()
    assert page.locator("svg.xai-tree g.xai-node").count() == 1
    before = page.locator("g.xai-viewport").get_attribute("transform")
    page.locator(".xai-zoom-in").click()
    assert page.locator("g.xai-viewport").get_attribute("transform") != before
    screenshot(page.locator(".xai-root"), "tree-export")
    assert not console.errors, console.format()


SMALL = textwrap.dedent('''
    import numpy as np, torch
    import xaiwidgets as xw
    from xaiwidgets.datasets.sprites import SHAPE_NAMES, load_sprites
    from xaiwidgets.examples import SpritesCNN, train_classifier

    torch.manual_seed(0)
    torch.set_num_threads(1)
    d = load_sprites(500, seed=2, task="shape")
    concepts = {"shape": np.array(SHAPE_NAMES)[d.concepts["shape"]],
                "scale": np.linspace(0.5, 1, 6)[d.concepts["scale"]]}
    x = torch.from_numpy(d.images)
    model = SpritesCNN(3, width=8)
    train_classifier(model, x[:400], d.target[:400], x[400:], d.target[400:], epochs=3,
                     lr=1e-2, one_cycle=True, progress=False)
    cme = xw.ConceptExtractor(model, ["relu3", "relu4"], n_labelled=100, n_unlabelled=100,
                              progress=False).fit(x[:400], {k: v[:400] for k, v in
                                                                   concepts.items()})
    pred, model_pred = cme.predict_concepts(x[:400], return_predictions=True)
    tree = xw.ConceptTree(max_depth=3).fit(pred, model_pred)
    w = xw.ConceptTreeView.from_estimator(tree, x[400:], extractor=cme, y_true=d.target[400:],
                                            class_names=SHAPE_NAMES, embed_per_node=1,
                                            n_thumbnails=12)
    drawn = len(set(tree.nodes(merge_same_class=True)["shown"].tolist()))
    # the root's 12 are embedded; showing 20 needs 8 more from the kernel
    w.n_thumbnails = 20
    print("nodes", len(tree.nodes()["test"]), "drawn", drawn, "root", w.samples["n"])
    w
''')


def test_lab_renders_and_fetches_thumbnails_through_the_kernel(page,
                                                             jupyter_server: JupyterServer):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SMALL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nbformat.write(nb, jupyter_server.root_dir / "tree_small.ipynb")
    run = open_and_run_notebook(page, jupyter_server, "tree_small.ipynb", ui="lab", timeout=240)
    assert not run.cell_errors
    wait_for_widgets(page, timeout=60)
    out = "".join(o.get("text", "") for c in run.notebook["cells"] for o in c["outputs"]
                  if o.get("output_type") == "stream")
    n_nodes = int(out.split("nodes ")[1].split()[0])
    assert n_nodes >= 3, out  # the tiny CNN predicts more than one class
    # splits whose two sides predict the same class are drawn merged (the tiny CNN has some)
    drawn = int(out.split("drawn ")[1].split()[0])
    assert page.locator("svg.xai-tree g.xai-node").count() == drawn
    assert page.locator("svg.xai-tree text.xai-node-test").count() == drawn
    assert (page.locator("svg.xai-tree g.xai-node.xai-merged").count() > 0) == (drawn < n_nodes)
    _readable(page, "JupyterLab")
    # the view opens on the root's 12 embedded thumbnails: no empty "loading" tiles, and a
    # note on the 8 more a click loads (n_thumbnails was raised to 20 after embedding)
    assert page.locator("canvas.xai-thumb").count() == 12
    assert page.locator(".xai-thumb-slot").count() == 0
    assert "(8 more: click the node to load them)" in page.locator(".xai-thumb-note").inner_text()
    page.locator("svg.xai-tree g.xai-node[data-node='0'] rect.xai-box").click()
    page.wait_for_function("() => document.querySelectorAll('canvas.xai-thumb').length === 20",
                           timeout=30_000)
    assert page.locator(".xai-thumb-slot").count() == 0
    stats = canvas_stats(page, "canvas.xai-thumb")
    assert len(stats) == 20 and all(s["painted"] > 20 for s in stats), stats
    screenshot(page.locator(".xai-root"), "tree-lab")
    assert not run.console_errors, run.console.format()


# -------------------------------------------------------------------------- 18 classes, 968 px
DEFAULT_WIDTH = 968  # JupyterLab 4's notebook content width at its default window size
EXPORT_VIEWPORT = {"width": DEFAULT_WIDTH + 32, "height": 900}  # the export page has 16 px margins

_TEXT_JS = """() => {
  const svg = document.querySelector('svg.xai-tree');
  const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim());
  const px = texts.map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
  const boxes = texts.map(t => t.getBoundingClientRect());
  let overlaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (w > 1 && h > 1) overlaps.push([texts[i].textContent, texts[j].textContent]);
  }
  const outside = [];
  for (const g of svg.querySelectorAll('g.xai-node')) {
    const r = g.querySelector('rect.xai-box').getBoundingClientRect();
    for (const t of g.querySelectorAll(':scope > text')) {
      const b = t.getBoundingClientRect();
      if (b.left < r.left - 1 || b.right > r.right + 1 || b.top < r.top - 1
          || b.bottom > r.bottom + 1) outside.push(t.textContent);
    }
  }
  const box = document.querySelector('.xai-treeview');
  return { min: Math.min(...px), n: texts.length, overlaps, outside,
           orientation: svg.dataset.orientation, scrollW: box.scrollWidth, clientW: box.clientWidth,
           root: document.querySelector('.xai-root').getBoundingClientRect().width };
}"""

_CONTRAST_JS = """() => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => { const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((p, q) => q - p);
                            return (x + 0.05) / (y + 0.05); };
  const box = getComputedStyle(document.querySelector('g.xai-node rect.xai-box')).fill;
  const bg = getComputedStyle(document.querySelector('.xai-treeview')).backgroundColor;
  const fill = (sel) => getComputedStyle(document.querySelector(sel)).fill;
  return { test: ratio(fill('text.xai-node-test'), box),
           meta: ratio(fill('text.xai-node-meta'), box),
           edge: ratio(fill('text.xai-edge-label'), bg),
           label: ratio(getComputedStyle(document.querySelector('.xai-legend-item')).color,
                        getComputedStyle(document.querySelector('.xai-root')).backgroundColor),
           bg };
}"""


@pytest.fixture(scope="module")
def eighteen(tmp_path_factory):
    """An 18-class (shape@scale) tree like notebook 05's: the tree is fitted to a "model" that is
    the truth with 5 % of the labels replaced, so it has about one leaf per class, depth 6."""
    d = load_sprites(1500, seed=1, task="shape_scale")
    concepts = {"shape": np.array(SHAPE_NAMES)[d.concepts["shape"]],
                "scale": np.round(np.linspace(0.5, 1, 6)[d.concepts["scale"]], 1),
                "posX": d.concepts["posX"] // 8}
    rng = np.random.default_rng(0)
    pred = d.target.copy()
    flip = rng.random(len(pred)) < 0.05
    pred[flip] = rng.integers(0, 18, int(flip.sum()))
    tree = ConceptTree().fit(concepts, pred)
    shown = slice(0, 600)
    w = ConceptTreeView.from_estimator(
        tree, d.images[shown], concepts={k: v[shown] for k, v in concepts.items()},
        y_pred=pred[shown], y_true=d.target[shown], class_names=d.target_names,
        title="Shape x scale: 18 classes")
    assert tree.depth_ == 6 and tree.n_leaves_ >= 14
    path = tmp_path_factory.mktemp("export18") / "tree18.html"
    w.to_html(path)
    return path, w


def _readable(page, where: str) -> dict:
    info = page.evaluate(_TEXT_JS)
    assert info["min"] >= 11, f"{where}: smallest text {info['min']:.1f} px"
    assert not info["overlaps"], f"{where}: overlapping text {info['overlaps'][:5]}"
    assert not info["outside"], f"{where}: text outside its box {info['outside'][:5]}"
    return info


def test_eighteen_classes_read_at_the_default_width(chromium_browser, eighteen):
    path, w = eighteen
    context = chromium_browser.new_context(viewport=EXPORT_VIEWPORT)
    try:
        page = context.new_page()
        console = open_html_file(page, path)
        wait_for_widgets(page)
        info = _readable(page, "default view")
        assert info["root"] == DEFAULT_WIDTH
        # deeper than wide: left-to-right, and it fits the width (no horizontal scrolling)
        assert info["orientation"] == "left-right"
        assert info["scrollW"] <= info["clientW"], info
        assert page.locator("g.xai-viewport").get_attribute("transform").startswith("scale(1)")
        # the palette follows shape@scale: a legend row per shape, six scales each
        groups = page.locator(".xai-legend-group").all_text_contents()
        assert groups == list(w.class_groups["groups"]) and len(groups) == 3
        assert page.locator(".xai-legend-item").count() == 18
        # an empty sample box, not "-1"
        assert page.locator("input.xai-sample").input_value() == ""
        assert page.locator("input.xai-sample").get_attribute("placeholder") == "none"
        screenshot(page.locator(".xai-root"), "tree-light")

        # every node: still legible, still no overlap; the view scrolls instead of shrinking
        page.locator(".xai-expand").click()
        info = _readable(page, "expand all")
        # each merged split hides its two children
        assert page.locator("svg.xai-tree g.xai-node").count() == (
            len(w.tree["test"]) - 2 * w.summary["merged"])
        assert page.locator("g.xai-viewport").get_attribute("transform").startswith("scale(1)")
        assert info["scrollW"] <= info["clientW"], info
        screenshot(page.locator(".xai-root"), "tree-light-expanded")

        # a tooltip per bar segment, at the cursor
        seg = page.locator("svg.xai-tree g.xai-node[data-node='0'] rect.xai-seg").nth(2)
        box = seg.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        tip = page.locator(".xai-root .xai-tooltip")
        cls = int(seg.get_attribute("data-class"))
        assert w.class_names[cls] in tip.inner_text() and " of 600 samples here" in tip.inner_text()
        tb = tip.bounding_box()
        assert abs(tb["x"] - box["x"]) < 60 and abs(tb["y"] - box["y"]) < 60

        # labelled thumbnails: index, the model's and the true class under each
        page.locator("svg.xai-tree g.xai-node[data-node='0'] rect.xai-box").click(
            position={"x": 8, "y": 8})
        card = page.locator(".xai-thumb-card").first
        k = int(card.get_attribute("data-index"))
        assert card.locator(".xai-thumb-index").inner_text() == f"#{k}"
        assert card.locator(".xai-thumb-pred").inner_text() == (
            f"pred {w.class_names[int(w.samples['model_pred'][k])]}")
        assert card.locator(".xai-thumb-true").inner_text() == (
            f"true {w.class_names[int(w.samples['target'][k])]}")
        card.locator("canvas").click()
        assert page.locator("input.xai-sample").input_value() == str(k)
        assert page.locator("svg.xai-tree g.xai-node.xai-path").count() >= 2

        # 800 px: still legible and apart; only the tree's own box scrolls, nothing else sticks out
        page.set_viewport_size({"width": 832, "height": 900})
        page.locator(".xai-fit").click()
        info = _readable(page, "800 px")
        assert info["root"] == 800
        over = page.evaluate("""() => [...document.querySelectorAll('.xai-root *')]
          .filter(e => !e.closest('.xai-treeview') && e.getBoundingClientRect().right
                       > document.querySelector('.xai-root').getBoundingClientRect().right + 1)
          .map(e => e.className.baseVal ?? e.className)""")
        assert not over, over[:5]
        screenshot(page.locator(".xai-root"), "tree-light-800")
        assert not console.errors, console.format()
    finally:
        context.close()


@pytest.mark.parametrize("theme", ["prefers-dark", "jupyterlab-dark"])
def test_eighteen_classes_read_in_dark_mode(chromium_browser, eighteen, theme):
    """Dark: the OS setting (exports use the widget's own dark fallbacks) and JupyterLab's dark
    theme (its --jp-* variables, loaded from JupyterLab's own theme stylesheet)."""
    path, _ = eighteen
    context = chromium_browser.new_context(viewport=EXPORT_VIEWPORT, color_scheme="dark"
                                           if theme == "prefers-dark" else "light")
    try:
        page = context.new_page()
        console = open_html_file(page, path)
        if theme == "jupyterlab-dark":
            css = Path(sys.prefix, "share/jupyter/lab/themes/@jupyterlab/theme-dark-extension",
                       "index.css")
            if not css.is_file():
                pytest.skip(f"{css} not found")
            page.add_style_tag(content=css.read_text())
        wait_for_widgets(page)
        _readable(page, theme)
        c = page.evaluate(_CONTRAST_JS)
        lum = sum(int(v) for v in c["bg"].split("(")[1].split(")")[0].split(",")[:3]) / 3
        assert lum < 60, c  # a dark background, not a white box
        assert c["test"] >= 7 and c["meta"] >= 4.5 and c["edge"] >= 4.5 and c["label"] >= 4.5, c
        page.locator(".xai-expand").click()
        _readable(page, f"{theme}, expand all")
        if theme == "prefers-dark":
            screenshot(page.locator(".xai-root"), "tree-dark")
        else:
            screenshot(page.locator(".xai-root"), "tree-dark-jupyterlab")
        assert not console.errors, console.format()
    finally:
        context.close()


# -------------------------------------------------------------------------- keyboard and readers
_ACTIVE_JS = """() => { const a = document.activeElement;
  return { node: a.dataset ? a.dataset.node ?? null : null, role: a.getAttribute('role'),
           label: a.getAttribute('aria-label') || a.textContent,
           cls: a.getAttribute('class') }; }"""


def test_keyboard_paths_and_screen_reader_labels(chromium_browser, exported):
    """Tab into the tree (one stop), arrows move in pre-order, Right / Left expand / collapse
    and go to child / parent, Enter selects (the detail panel follows), Escape clears; the
    thumbnails and the concept headers are one stop each and Enter works on them; labels state
    the numbers. Then the layout at 800 px: nothing wider than the page."""
    path, _, w, _ = exported
    context = chromium_browser.new_context(viewport={"width": 1000, "height": 900})
    try:
        page = context.new_page()
        console = open_html_file(page, path)
        wait_for_widgets(page)
        svg = page.locator("svg.xai-tree")
        assert svg.get_attribute("role") == "tree"
        assert svg.get_attribute("aria-label").startswith(
            "concept tree: 5 nodes, 3 leaves, the root: 300 samples")
        active = lambda: page.evaluate(_ACTIVE_JS)  # noqa: E731
        for _ in range(20):  # Tab through the controls into the tree
            page.keyboard.press("Tab")
            if active()["role"] == "treeitem":
                break
        a = active()
        assert a["node"] == "0", a
        n0 = int(w.tree["count"][0])
        assert f"n={n0}" in a["label"] and "the model predicts" in a["label"]
        assert "fidelity" in a["label"]
        page.keyboard.press("ArrowDown")
        first = int(w.tree["yes"][0])
        assert active()["node"] == str(first)
        assert page.locator(f"g.xai-node[data-node='{first}']").get_attribute("aria-level") == "2"
        page.keyboard.press("Enter")
        selected = page.locator(f"g.xai-node[data-node='{first}']")
        assert selected.get_attribute("aria-selected") == "true"
        title = page.locator(".xai-detail-title").inner_text()
        assert title.startswith(("leaf", "node")) and str(first) in title
        page.keyboard.press("ArrowLeft")  # a leaf or an open node: to the parent or collapse
        page.keyboard.press("Home")
        assert active()["node"] == "0"
        page.keyboard.press("ArrowLeft")  # the root collapses: one node left
        assert page.locator("svg.xai-tree g.xai-node").count() == 1
        assert page.locator("g.xai-node[data-node='0']").get_attribute("aria-expanded") == "false"
        assert active()["node"] == "0"  # focus survives the redraw
        page.keyboard.press("ArrowRight")
        assert page.locator("svg.xai-tree g.xai-node").count() == 5
        page.keyboard.press("Escape")
        assert page.locator("g.xai-node[aria-selected='true']").count() == 0
        assert page.locator(".xai-detail-title").inner_text() == "no node selected"
        # the tree is one Tab stop: the next Tab leaves it
        page.keyboard.press("Tab")
        assert active()["role"] != "treeitem"
        # select the root again; Tab to its thumbnails, arrows move, Enter traces a sample
        page.locator("g.xai-node[data-node='0']").focus()
        page.keyboard.press("Enter")
        for _ in range(10):
            page.keyboard.press("Tab")
            if "xai-thumb-card" in (active()["cls"] or ""):
                break
        page.keyboard.press("ArrowRight")
        card = active()
        assert "xai-thumb-card" in card["cls"] and card["label"].startswith("#")
        assert "the model predicts" in card["label"]
        page.keyboard.press("Enter")
        k = card["label"].split(",")[0][1:]
        assert page.locator("input.xai-sample").input_value() == k
        pressed = page.locator(f".xai-thumb-card[data-index='{k}']")
        assert pressed.get_attribute("aria-pressed") == "true"
        assert page.locator("svg.xai-tree g.xai-node.xai-path").count() >= 2
        # the concept headers: Tab reaches them, Enter links the concept to the tree
        for _ in range(20):
            page.keyboard.press("Tab")
            if "xai-concept" in (active()["cls"] or ""):
                break
        assert active()["label"] == "shape"
        page.keyboard.press("Enter")
        assert page.locator("svg.xai-tree g.xai-node.xai-linked").count() == 2
        assert "shape: tested at nodes" in page.locator(".xai-status").inner_text()
        page.keyboard.press("ArrowRight")
        assert active()["label"] in ("scale", "scale (not used by the tree)")
        page.keyboard.press("Enter")
        # no node of this depth-2 tree tests scale (it splits on shape twice): the view says so
        assert {int(c) for c in np.asarray(w.tree["concept"]) if c >= 0} == {0}
        assert "the tree does not use scale" in page.locator(".xai-status").inner_text()
        scale = page.locator("button.xai-concept", has_text="scale")
        assert "xai-unused" in scale.get_attribute("class")
        # the accuracy cells and detail bar are described with their numbers
        assert "samples here:" in page.locator(".xai-dist").get_attribute("aria-label")
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            screenshot(page.locator(".xai-root"), f"tree-keyboard-{scheme}")
        # 800 px: the controls wrap, nothing sticks out of the page
        page.set_viewport_size({"width": 800, "height": 900})
        page.wait_for_timeout(100)
        over = page.evaluate("""() => [...document.querySelectorAll('.xai-root *')]
          .filter(e => !e.closest('.xai-treeview') && e.getBoundingClientRect().right
                       > document.documentElement.clientWidth + 1)
          .map(e => e.className.baseVal ?? e.className)""")
        assert not over, over[:5]
        screenshot(page.locator(".xai-root"), "tree-800")
        assert not console.errors, console.format()
    finally:
        context.close()
