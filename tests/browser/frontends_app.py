# A marimo app of the widgets of frontends_demo.ipynb (the same seeded models and data; seconds
# on one core), served by `marimo run` in tests/browser/test_frontends.py.
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full")


@app.cell
def _():
    import warnings

    import marimo as mo
    import numpy as np
    import torch
    from torch import nn

    import xaiwidgets as xw
    from xaiwidgets.datasets.sprites import SHAPE_NAMES, load_sprites
    from xaiwidgets.examples import SpritesCNN

    torch.manual_seed(0)
    torch.set_num_threads(1)
    return SHAPE_NAMES, SpritesCNN, load_sprites, mo, nn, np, torch, warnings, xw


@app.cell
def _(mo, nn, torch, warnings, xw):
    # An untrained tiny CNN on 12 random 16x16 images; only the first samples are embedded in
    # the widget state (max_payload_bytes), the others are fetched from the kernel when shown.
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Flatten(),
                          nn.Linear(2 * 16 * 16, 3)).eval()
    x = torch.rand(12, 1, 16, 16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", xw.PayloadTooLargeWarning)
        comparison = xw.ComparisonView.from_model(
            model, x, methods=["saliency", "integrated_gradients"], metric_samples=4,
            max_payload_bytes=3000, progress=False)
    comparison_view = mo.ui.anywidget(comparison)
    comparison_view  # noqa: B018 - a marimo cell shows its last expression
    return


@app.cell
def _(SHAPE_NAMES, SpritesCNN, load_sprites, mo, np, torch, xw):
    # A depth-2 concept tree on 300 procedural sprites; one thumbnail per node is embedded, the
    # others are fetched from the kernel when a node is opened.
    d = load_sprites(300, seed=5, task="shape")
    concepts = {"shape": np.array(SHAPE_NAMES)[d.concepts["shape"]],
                "scale": np.linspace(0.5, 1, 6)[d.concepts["scale"]]}
    images = torch.from_numpy(d.images)
    cnn = SpritesCNN(3, width=4).eval()
    cme = xw.ConceptExtractor(cnn, ["relu1", "relu4"], n_labelled=60, n_unlabelled=60,
                              progress=False).fit(images, concepts)
    tree = xw.ConceptTree(max_depth=2).fit(concepts, d.target)
    tree_widget = xw.ConceptTreeView(tree.explain(concepts, d.target, X=images, extractor=cme),
                                     class_names=SHAPE_NAMES, title="Sprites: a concept tree",
                                     embed_per_node=1, n_thumbnails=8)
    tree_view = mo.ui.anywidget(tree_widget)
    tree_view  # noqa: B018
    return


if __name__ == "__main__":
    app.run()
