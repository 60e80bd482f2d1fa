"""ConceptTreeWidget in a real browser: the standalone export, and JupyterLab with thumbnails
fetched through a live kernel."""

from __future__ import annotations

import textwrap

import nbformat
import numpy as np
import pytest
import torch

from xaiwidgets import ConceptExtractor, ConceptTree, ConceptTreeWidget
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
    w = ConceptTreeWidget(tree, x, concepts, d.target, extractor=cme, class_names=SHAPE_NAMES,
                          title="<b>sprites</b> tree")
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
    assert w.n_thumbnails >= len(stats) >= 4, stats  # at least the node's 4 embedded ones
    assert all(s["width"] == 64 and s["painted"] > 20 for s in stats), stats
    assert "offline" in page.locator(".xai-thumb-note").inner_text()

    # a thumbnail click highlights that sample's path, root to leaf
    thumb = page.locator("canvas.xai-thumb").first
    depth = tree.nodes()["depth"][tree.apply(concepts)[int(thumb.get_attribute("data-index"))]]
    thumb.click()
    assert page.locator("svg.xai-tree g.xai-node.xai-path").count() == depth + 1
    assert page.locator("svg.xai-tree path.xai-edge.xai-path").count() == depth

    # the heatmap: one cell per (layer, concept), linked to the tree
    assert page.locator("table.xai-acc td").count() == 2 * 2
    assert page.locator("table.xai-acc td.xai-best").count() == 2
    page.locator("table.xai-acc th[scope=col]", has_text="shape").click()
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
    w = xw.ConceptTreeWidget.from_estimator(tree, x[400:], extractor=cme, y_true=d.target[400:],
                                            class_names=SHAPE_NAMES, embed_per_node=1,
                                            n_thumbnails=12)
    print("nodes", len(tree.nodes()["test"]), "root", w.samples["n"])
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
    assert page.locator("svg.xai-tree g.xai-node").count() == n_nodes
    assert page.locator("svg.xai-tree text.xai-node-test").count() == n_nodes
    # one thumbnail per node is embedded: the root's first 12 need a kernel round-trip
    assert page.locator("canvas.xai-thumb").count() < 12
    page.locator("svg.xai-tree g.xai-node[data-node='0'] rect.xai-box").click()
    page.wait_for_function("() => document.querySelectorAll('canvas.xai-thumb').length === 12",
                           timeout=30_000)
    assert page.locator(".xai-thumb-slot").count() == 0
    stats = canvas_stats(page, "canvas.xai-thumb")
    assert len(stats) == 12 and all(s["painted"] > 20 for s in stats), stats
    screenshot(page.locator(".xai-root"), "tree-lab")
    assert not run.console_errors, run.console.format()
