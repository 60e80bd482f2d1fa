"""Every widget built on tiny seeded models with *every* user text field set by the caller.

``build(name, text)`` makes widget ``name`` (one of :data:`WIDGETS`) whose title, class,
feature, concept, value, method, neuron and token names are ``text(field, i)``, so a test can
put hostile strings (``</script>``, ``<!--``...) or very long ones in all of them at once. Used by
``test_exports.py`` (strict JSON, escaped snapshots) and ``browser/test_exports.py`` (the pages
in Chromium). Each build takes about a second on one thread.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

Text = Callable[[str, int], str]

# each one once broke (or could break) an inline <script>, a comment, CDATA or a JS string
HOSTILE = ["<!--", "<script>", "</script>", "-->", "]]>", "\u2028", "\u2029", '"', "'", "\\",
           "<\\!--", "&lt;", "<b>b</b>", "<img src=x onerror=window.xaiPwned=1>"]
PREFIX = "".join(HOSTILE) + "<script>window.xaiPwned=1</script>"



def hostile(field: str, i: int) -> str:
    """Field ``field`` number ``i``, after every hostile sequence (its end stays unique)."""
    return f"{PREFIX}{field}{i}"

WIDGETS = ("comparison_image", "comparison_tabular", "comparison_tokens", "mask_heatmap",
           "concept_tree", "concept_timeline", "senn_view", "redescription_table")


def _names(text: Text, field: str, n: int) -> list[str]:
    return [text(field, i) for i in range(n)]


def _image_model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Flatten(),
                         nn.Linear(2 * 8 * 8, 3)).eval()


def _token_model(vocab: int = 12, steps: int = 6) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Embedding(vocab, 4), nn.Flatten(), nn.Linear(4 * steps, 2)).eval()


def _rand(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed))


def comparison_image(text: Text) -> Any:
    from xaiwidgets import ComparisonView

    methods = dict(zip(_names(text, "method", 2), ["saliency", "integrated_gradients"],
                       strict=True))
    return ComparisonView.from_model(
        _image_model(), _rand(3, 1, 8, 8), target=[0, 1, 2], methods=methods, metric_samples=2,
        class_names=_names(text, "class", 3), title=text("title", 0), progress=False)


def comparison_tabular(text: Text) -> Any:
    from xaiwidgets import ComparisonView

    torch.manual_seed(0)
    methods = dict(zip(_names(text, "method", 2), ["saliency", "occlusion"], strict=True))
    return ComparisonView.from_model(
        nn.Sequential(nn.Linear(4, 2)).eval(), _rand(3, 4) * 2 - 1, methods=methods,
        metric_samples=2, class_names=_names(text, "class", 2),
        feature_names=_names(text, "feature", 4), title=text("title", 0), progress=False)


def comparison_tokens(text: Text) -> Any:
    from xaiwidgets import ComparisonView

    ids = torch.randint(1, 12, (2, 6), generator=torch.Generator().manual_seed(0))
    tokens = [[text("token", 6 * n + j) for j in range(6)] for n in range(2)]
    methods = dict(zip(_names(text, "method", 2), ["saliency", "integrated_gradients"],
                       strict=True))
    return ComparisonView.from_model(
        _token_model(), ids, methods=methods, layer="0", metric_samples=2, tokens=tokens,
        class_names=_names(text, "class", 2), title=text("title", 0), progress=False)


def mask_heatmap(text: Text) -> Any:
    from xaiwidgets import MaskExplainer, MaskView

    model = _image_model()
    x = _rand(32, 1, 8, 8)
    explainer = MaskExplainer(model, lam=0.2, epochs=1, batch_size=32, lr=1e-2,
                              progress=False).fit(x)
    explainer.label = text("method", 9)
    return MaskView.from_estimator(
        explainer, x[:3], baselines={text("method", 0): "saliency"}, metric_samples=2,
        class_names=_names(text, "class", 3), title=text("title", 0), progress=False)


def concept_tree(text: Text) -> Any:
    from xaiwidgets import ConceptTree, ConceptTreeView

    rng = np.random.default_rng(0)
    n = 60
    values = np.array(_names(text, "value", 3))
    which = rng.integers(0, 3, n)
    size = rng.random(n)
    concepts = {text("concept", 0): values[which], text("concept", 1): size}
    y = (which + (size > 0.5)) % 3
    tree = ConceptTree(max_depth=3).fit(concepts, y)
    return ConceptTreeView(tree.explain(concepts, y, X=_rand(n, 1, 8, 8).numpy(), y_true=y),
                           class_names=_names(text, "class", 3), title=text("title", 0))


def concept_timeline(text: Text) -> Any:
    import xaiwidgets as xw
    from xaiwidgets.examples import StepLSTM, train_rnn

    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 8, 2)).astype(np.float32)
    y = (np.cumsum(x[:, :, 0], axis=1) > 0).astype(np.int64)
    torch.manual_seed(0)
    lstm = StepLSTM(2, hidden=6)
    train_rnn(lstm, x, y, x, y, epochs=2, batch_size=16, lr=2e-2, progress=False)
    meme = xw.MEME(lstm, n_concepts=3, window=1, class_names=_names(text, "class", 2),
                   progress=False).fit(x, feature_names=_names(text, "feature", 2))
    return xw.TimelineView.from_estimator(meme, x[:6], embed=[0, 1], title=text("title", 0))


def senn_view(text: Text) -> Any:
    from xaiwidgets import SENN, SENNView, fit_senn

    torch.manual_seed(0)
    senn = SENN.tabular(4, 2, hidden=(8,), feature_names=_names(text, "feature", 4))
    x = _rand(40, 4) * 2 - 1
    fit_senn(senn, x, (x[:, 0] > 0).long(), epochs=1, progress=False)
    ex = senn.explain(x[:4])
    return SENNView(ex, class_names=_names(text, "class", 2),
                    concept_names=_names(text, "concept", ex.concepts.shape[1]),
                    title=text("title", 0))


def redescription_table(text: Text) -> Any:
    from xaiwidgets import RedescriptionMiner, RedescriptionView

    rng = np.random.default_rng(0)
    n = 120
    values = np.array(_names(text, "value", 2))
    colour = values[rng.integers(0, 2, n)]
    a = rng.random(n)
    attrs = pd.DataFrame({text("feature", 0): a, text("feature", 1): colour})
    acts = pd.DataFrame({text("neuron", 0): np.maximum(0, a - 0.4),
                         text("neuron", 1): (colour == values[0]) * 1.0 + 0.01 * rng.random(n)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        miner = RedescriptionMiner(progress=False).fit(acts, attrs)
    return RedescriptionView.from_estimator(miner, title=text("title", 0))


def build(name: str, text: Text) -> Any:
    """Widget ``name`` of :data:`WIDGETS` with every text field from ``text(field, i)``."""
    if name not in WIDGETS:
        raise ValueError(f"argument 'name': expected one of {WIDGETS}, got {name!r}")
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return globals()[name](text)
    finally:
        torch.set_num_threads(n)
