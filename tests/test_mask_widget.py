"""MaskHeatmap: the mask explainer first, Captum baselines after, stats, trade-off, molecules."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
import torch
from helpers import synced
from test_masks import KeyToken, LeftHalf
from test_probe import assert_untouched, snapshot
from torch import nn

from xaiwidgets import MaskExplainer, MaskHeatmap, size_tradeoff
from xaiwidgets.widgets._traits import dequantize

FAST = {"epochs": 2, "batch_size": 32, "lr": 1e-2, "progress": False}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def image_explainer():
    torch.manual_seed(0)
    x = torch.rand(96, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    return MaskExplainer(LeftHalf(), lam=0.2, **FAST).fit(x), x


def test_image_heatmap_puts_the_mask_first_with_stats_and_chart(image_explainer, tmp_path):
    ex, x = image_explainer
    before = snapshot(ex.model)
    curve = size_tradeoff(ex, x[:48], x[:16], values=(0.05, 0.5), epochs=1)
    w = MaskHeatmap.from_explainer(ex, x[:6], baselines=["integrated_gradients", "saliency"],
                                   tradeoff=curve, metric_samples=4, progress=False)
    assert_untouched(ex.model, before)
    assert w.result.methods == ["Explanatory mask", "Integrated Gradients", "Saliency"]
    assert w.comparison.methods == w.result.methods and w.comparison.kind == "image"
    mask = dequantize(synced(w.comparison, "data")["attributions"]["Explanatory mask"])
    np.testing.assert_allclose(mask, ex.mask(x[:6]).numpy(), atol=1 / 255 + 1e-6)
    assert w.report.n == 6 and 0.2 in w.report.preserved_hard
    assert w.chart is not None and w.chart in w.children[1].children
    assert "Mask quality" in w.stats.value and "λ" in w.stats.value
    data = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    page = data["text/html"]
    assert "<svg" in page and "Mask quality" in page and page.count("data:image/png") == 4
    html = w.to_html(tmp_path / "m.html")
    assert (tmp_path / "m.html").read_text(encoding="utf-8") == html
    assert '"Explanatory mask"' in html
    # the export also shows the stats and the trade-off curve, outside the <noscript> fallback
    appendix = html.split('<div class="xai-appendix">')[1].split("<noscript>")[0]
    assert "Mask quality" in appendix and "<polyline" in appendix and "λ=" in appendix
    assert "<script" not in appendix


def test_heatmap_errors(image_explainer):
    ex, x = image_explainer
    with pytest.raises(TypeError, match="argument 'explainer': expected a fitted MaskExplainer"):
        MaskHeatmap.from_explainer("nope", x)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MaskHeatmap.from_explainer(MaskExplainer(LeftHalf()), x)
    with pytest.raises(ValueError, match="argument 'inputs': this MaskExplainer was fitted on"):
        MaskHeatmap.from_explainer(ex, torch.randint(0, 3, (2, 5)))
    with pytest.raises(ValueError, match="argument 'smiles': expected one SMILES string per "
                                         "token-id sample"):
        MaskHeatmap.from_explainer(ex, x[:2], smiles=["C", "CC"], metrics=[], progress=False)


class Smiles(nn.Module):
    """Regression over SMILES token ids: counts heavy atoms of a few kinds."""

    def __init__(self, vocab: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, 3, padding_idx=0)
        self.head = nn.Linear(3, 1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.embedding(ids).sum(1))


def test_smiles_heatmap_draws_one_molecule_per_method_and_sample(tmp_path):
    from xaiwidgets.datasets import Vocabulary
    from xaiwidgets.datasets.smiles import tokenize_smiles

    smiles = ["CCO", "c1ccccc1Cl", "CC(=O)O", "CCN", "ClCCl", "c1ccncc1"] * 4
    vocab = Vocabulary.build([tokenize_smiles(s) for s in smiles], min_count=1)
    ids = torch.from_numpy(vocab.encode([tokenize_smiles(s) for s in smiles], max_len=12))
    torch.manual_seed(0)
    model = Smiles(len(vocab))
    ex = MaskExplainer(model, pad_id=0, generator="conv", task="regression", **FAST).fit(ids)
    assert ex.task_ == "regression"
    w = MaskHeatmap.from_explainer(ex, ids[:3], baselines=["integrated_gradients", "occlusion"],
                                   smiles=smiles[:3], metric_samples=3, progress=False)
    block = w.comparison.data
    assert block["tokens"][1][:3] == ["c", "1", "c"] and block["tokens"][0][3:] == [""] * 9
    assert block["picture_type"] == "image/svg+xml"
    pics = block["pictures"]
    assert list(pics) == w.result.methods and all(len(v) == 3 for v in pics.values())
    svg = pics["Explanatory mask"][0].decode()
    assert "<svg" in svg and "<script" not in svg
    # the exported page carries the pictures as base64 buffers, and no raw SVG markup
    page = w.to_html(tmp_path / "s.html")
    payload = json.loads(page.split('id="xai-payload">')[1].split("</script>")[0])
    paths = ["/".join(map(str, p)) for p in payload["buffer_paths"]]
    assert "data/pictures/Explanatory mask/0" in paths
    i = paths.index("data/pictures/Explanatory mask/0")
    assert base64.b64decode(payload["buffers"][i]).decode() == svg
    assert "data:image/svg+xml;base64," in w._static_html()


def test_token_heatmap_uses_the_explainers_layer_and_pad(tmp_path):
    ids = torch.randint(1, 10, (64, 6), generator=torch.Generator().manual_seed(0))
    ids[:, 4:] = 0
    torch.manual_seed(0)
    ex = MaskExplainer(KeyToken(), pad_id=0, generator="conv", **FAST).fit(ids)
    w = MaskHeatmap.from_explainer(ex, ids[:4], tokens=[[str(t) for t in r] for r in
                                                       ids[:4].tolist()],
                                   metric_samples=4, progress=False)
    assert w.result.kind == "tokens" and w.result.pad_id == 0
    assert "token id 0" in w.result.baseline
    assert w.result.attributions["Integrated Gradients"].shape == (4, 6, 4)
    assert np.isnan(w.result.summary()["Explanatory mask"]["infidelity"])
