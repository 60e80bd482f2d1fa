"""compare_attributions on (N, T) token ids, explained at an embedding layer."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import synced
from test_probe import assert_untouched, snapshot
from torch import nn

from xaiwidgets import ComparisonView, compare_attributions
from xaiwidgets import metrics as M
from xaiwidgets.widgets._traits import dequantize


class TokenGRU(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(12, 5, padding_idx=0)
        self.gru = nn.GRU(5, 6, batch_first=True)
        self.head = nn.Linear(6, 3)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        h, _ = self.gru(self.embedding(ids))
        return self.head(h[:, -1])


class BagOfWords(nn.Module):
    """Logit of class 1 = number of token-7s: exact attributions are known."""

    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(10, 2, padding_idx=0)
        with torch.no_grad():
            self.embedding.weight.zero_()
            self.embedding.weight[7, 1] = 1.0

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.embedding(ids).sum(dim=1)


ALL = ["integrated_gradients", "saliency", "occlusion", "gradient_shap", "deeplift",
       "input_x_gradient", "feature_ablation"]


@pytest.fixture
def ids() -> torch.Tensor:
    return torch.randint(1, 12, (5, 7), generator=torch.Generator().manual_seed(0))


def test_every_named_method_runs_at_the_layer_and_leaves_the_model_untouched(ids):
    model = TokenGRU().train()
    model.head.register_forward_hook(lambda *a: None)
    before = snapshot(model)
    r = compare_attributions(model, ids, methods=ALL, layer="embedding", metric_samples=4,
                             progress=False)
    assert_untouched(model, before)
    assert r.kind == "tokens" and r.inputs.dtype == np.int64
    for name, a in r.attributions.items():
        expected = (5, 7) if name in ("Occlusion", "Feature Ablation") else (5, 7, 5)
        assert a.shape == expected, name
        assert np.isfinite(a).all()
    for values in r.metrics.values():
        assert np.isnan(values["infidelity"]).all() and np.isnan(values["sensitivity"]).all()
        assert np.isfinite(values["deletion_auc"][:4]).all()
        assert np.isnan(values["deletion_auc"][4:]).all()
    assert "token id 0" in r.baseline and "undefined on token ids" in r.baseline
    # the module itself works as well as its name
    r2 = compare_attributions(model, ids, methods=["saliency"], layer=model.embedding,
                              metrics=[], progress=False)
    np.testing.assert_allclose(r2.attributions["Saliency"], r.attributions["Saliency"])


def test_token_attributions_and_metrics_are_right_on_a_known_model():
    model = BagOfWords()
    ids = torch.tensor([[7, 3, 7, 2], [1, 7, 4, 4]])
    r = compare_attributions(model, ids, target=1, layer="embedding", baseline=0,
                             methods=["integrated_gradients", "occlusion"], metrics=[
                                 "deletion_auc"], progress=False)
    ig = r.attributions["Integrated Gradients"].sum(axis=2)
    np.testing.assert_allclose(ig, [[1, 0, 1, 0], [0, 1, 0, 0]], atol=1e-5)
    np.testing.assert_allclose(r.attributions["Occlusion"], [[1, 0, 1, 0], [0, 1, 0, 0]],
                               atol=1e-6)
    # deletion replaces the most attributed token ids by the baseline id first
    frac, curve = M.deletion_curve(model, ids, torch.from_numpy(ig), torch.tensor([1, 1]),
                                   "sequence", baseline=0, steps=4)
    scores = [[2, 1, 0, 0, 0], [1, 0, 0, 0, 0]]  # raw logits do not go through softmax here
    probs = torch.softmax(torch.stack([torch.zeros(2, 5), torch.tensor(scores).float()], -1),
                          -1)[..., 1].numpy()
    np.testing.assert_allclose(curve, probs, rtol=1e-5)
    assert frac.tolist() == [0, 0.25, 0.5, 0.75, 1.0]


def test_token_widget_sums_the_embedding_dimension(ids):
    model = TokenGRU()
    r = compare_attributions(model, ids, methods=["integrated_gradients", "occlusion"],
                             layer="embedding", metrics=["deletion_auc", "infidelity"],
                             progress=False)
    w = ComparisonView(r, tokens=[[f"w{j}" for j in row] for row in ids.tolist()])
    data = synced(w, "data")
    ig = data["attributions"]["Integrated Gradients"]
    assert ig["shape"] == [5, 7] and data["attributions"]["Occlusion"]["shape"] == [5, 7]
    expected = r.attributions["Integrated Gradients"].sum(axis=2)
    np.testing.assert_allclose(dequantize(ig), expected, atol=np.abs(expected).max() / 200)
    assert "<td>nan</td>" in w._static_html()  # infidelity: NaN, not a fake number


def test_token_errors_name_the_argument(ids):
    model = TokenGRU()
    with pytest.raises(ValueError, match=r"argument 'layer': integer inputs of shape \(5, 7\) "
                                         "look like token ids"):
        compare_attributions(model, ids, progress=False)
    with pytest.raises(ValueError, match=r"argument 'layer': model has no layer 'embed'.*"
                                         "embedding"):
        compare_attributions(model, ids, layer="embed", progress=False)
    with pytest.raises(ValueError, match="argument 'layer': the Linear given is not a "
                                         "submodule"):
        compare_attributions(model, ids, layer=nn.Linear(2, 2), progress=False)
    with pytest.raises(ValueError, match="argument 'baseline': token-id inputs need an integer"):
        compare_attributions(model, ids, layer="embedding", baseline=0.5, progress=False)
    with pytest.raises(ValueError, match=r"argument 'layer': only for \(N, T\) integer token ids"):
        compare_attributions(model, torch.rand(5, 7, 5), layer="embedding", progress=False)
    with pytest.raises(ValueError, match="'guided_backprop' has no layer variant"):
        compare_attributions(model, ids, layer="embedding", methods=["guided_backprop"],
                             progress=False)
