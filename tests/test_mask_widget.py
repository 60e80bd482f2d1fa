"""MaskView: the mask explainer first, Captum baselines after, stats, trade-off, molecules."""

from __future__ import annotations

import base64
import dataclasses
import json
import re

import numpy as np
import pytest
import torch
from helpers import synced
from test_masks import KeyToken, LeftHalf
from test_probe import assert_untouched, snapshot
from torch import nn

from xaiwidgets import (
    ComparisonView,
    MaskExplainer,
    MaskResult,
    MaskView,
    open_result,
    size_tradeoff,
)
from xaiwidgets.widgets._traits import array_from_wire, dequantize

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
    w = MaskView.from_estimator(ex, x[:6], baselines=["integrated_gradients", "saliency"],
                                tradeoff=curve, metric_samples=4, progress=False)
    assert_untouched(ex.model, before)
    # one widget (a ComparisonView) draws masks, metrics, stats and the curve
    assert isinstance(w, ComparisonView) and isinstance(w.mask_result, MaskResult)
    assert w.result is w.mask_result.comparison and w.tradeoff is curve
    assert w.result.methods == ["Explanatory mask", "Integrated Gradients", "Saliency"]
    assert w.methods == w.result.methods and w.kind == "image"
    mask = dequantize(synced(w, "data")["attributions"]["Explanatory mask"])
    np.testing.assert_allclose(mask, ex.mask(x[:6]).numpy(), atol=1 / 255 + 1e-6)
    assert w.report.n == 6 and 0.2 in w.report.preserved_hard
    extras = synced(w, "extras")
    assert extras["tables"][0]["caption"] == "Mask quality"
    rows = dict(extras["tables"][0]["rows"])
    assert rows["samples"] == "6" and rows["mean mask value"] == f"{w.report.mask_mean:.3f}"
    chart = extras["charts"][0]
    assert chart["point_labels"] == ["λ=0.05", "λ=0.5"] and chart["xs"]["dtype"] == "float32"
    np.testing.assert_allclose(array_from_wire(chart["xs"]), curve.mask_mean, rtol=1e-6)
    assert [sr["name"] for sr in chart["series"]] == ["soft mask", "hard mask, top 20% kept"]
    assert w.mask_methods == ["Explanatory mask"]
    data, _ = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    page = data["text/html"]
    assert "<svg" in page and "Mask quality" in page and page.count("data:image/png") == 4
    html = w.to_html(tmp_path / "m.html")
    assert (tmp_path / "m.html").read_text(encoding="utf-8") == html
    assert '"Explanatory mask"' in html
    # the export's noscript fallback carries the stats and the curve as inline SVG
    fallback = html.split("<noscript>")[1].split("</noscript>")[0]
    assert "Mask quality" in fallback and "xai-tradeoff" in fallback and "λ=0.5" in fallback
    assert "<script" not in fallback
    # the same picture from the result alone, and from the result saved and opened
    again = MaskView(w.mask_result, title=w.title)
    assert again.export_state() == w.export_state()
    back = open_result(w.mask_result.save(tmp_path / "saved"))
    assert isinstance(back, MaskResult) and back.tradeoff is not None
    opened = MaskView(back, title=w.title)
    assert opened.export_state() == w.export_state()
    assert opened._static_html() == w._static_html()


def test_view_strict_keywords_and_deprecated_names(image_explainer):
    ex, x = image_explainer
    with pytest.raises(TypeError, match=r"unknown option 'colourmap'.*did you mean 'colormap'"):
        MaskView.from_estimator(ex, x[:2], ["saliency"], metrics=[], progress=False,
                                colourmap="viridis")
    with pytest.raises(TypeError, match="argument 'result': expected a MaskResult"):
        MaskView("nope")
    with pytest.warns(FutureWarning, match="from_explainer is deprecated"):
        old = MaskView.from_explainer(ex, x[:2], ["saliency"], metrics=[], progress=False,
                                      colormap="viridis")
    assert old.colormap == "viridis" and old.mask_result.report.n == 2
    with pytest.warns(FutureWarning, match="MaskView.comparison is deprecated"):
        assert old.comparison is old


def test_heatmap_errors(image_explainer):
    ex, x = image_explainer
    with pytest.raises(TypeError, match="argument 'explainer': expected a fitted MaskExplainer"):
        MaskView.from_estimator("nope", x)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MaskView.from_estimator(MaskExplainer(LeftHalf()), x)
    with pytest.raises(ValueError, match="argument 'X': this MaskExplainer was fitted on"):
        MaskView.from_estimator(ex, torch.randint(0, 3, (2, 5)))
    with pytest.raises(ValueError, match="argument 'smiles': expected one SMILES string per "
                                         "token-id sample"):
        MaskView.from_estimator(ex, x[:2], smiles=["C", "CC"], metrics=[], progress=False)


class Smiles(nn.Module):
    """Regression over SMILES token ids: counts heavy atoms of a few kinds."""

    def __init__(self, vocab: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, 3, padding_idx=0)
        self.head = nn.Linear(3, 1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.embedding(ids).sum(1))


def test_smiles_heatmap_sends_each_molecule_once_as_coordinates(tmp_path):
    from xaiwidgets.datasets import Vocabulary
    from xaiwidgets.datasets.smiles import atom_token_positions, tokenize_smiles
    from xaiwidgets.widgets._traits import payload_nbytes

    smiles = ["CCO", "c1ccccc1Cl", "CC(=O)O", "CCN", "ClCCl", "c1ccncc1"] * 4
    vocab = Vocabulary.build([tokenize_smiles(s) for s in smiles], min_count=1)
    ids = torch.from_numpy(vocab.encode([tokenize_smiles(s) for s in smiles], max_len=12))
    torch.manual_seed(0)
    model = Smiles(len(vocab))
    ex = MaskExplainer(model, pad_id=0, generator="conv", task="regression", **FAST).fit(ids)
    assert ex.task_ == "regression"
    w = MaskView.from_estimator(ex, ids[:3], baselines=["integrated_gradients", "occlusion"],
                                smiles=smiles[:3], metric_samples=3, progress=False)
    assert w.mask_result.smiles.tolist() == smiles[:3]
    block = w.data
    assert block["tokens"][1][:3] == ["c", "1", "c"] and block["tokens"][0][3:] == [""] * 9
    assert "pictures" not in block and "picture_type" not in block
    state = synced(w, "data")
    mols = state["molecules"]
    atoms = array_from_wire(mols["atoms"])
    assert atoms.tolist() == [0, 3, 10, 14]  # CCO, c1ccccc1Cl, CC(=O)O: one molecule per sample
    assert array_from_wire(mols["bonds"]).tolist() == [0, 2, 9, 12]
    xy = array_from_wire(mols["xy"])
    assert xy.shape == (14, 2) and mols["xy"]["dtype"] == "float32" and np.isfinite(xy).all()
    assert mols["labels"] == [["", "", "OH"], [""] * 6 + ["Cl"], ["", "", "O", "OH"]]
    order = array_from_wire(mols["order"])
    assert order[2:9].tolist() == [1, 2, 1, 2, 1, 1, 2] and order[10] == 2  # Kekulé, C=O
    # binary buffers, never JSON lists
    assert all(isinstance(mols[k]["data"], bytes) for k in ("atoms", "xy", "token", "pairs"))
    # an atom's value is its token's value: the token heatmap at the atom's token position
    token = array_from_wire(mols["token"])
    for k, smi in enumerate(smiles[:3]):
        assert token[atoms[k]:atoms[k + 1]].tolist() == atom_token_positions(smi)
    ig = dequantize(state["attributions"]["Integrated Gradients"])
    raw = w.result.attributions["Integrated Gradients"].sum(axis=2)
    pos = atom_token_positions(smiles[1])
    np.testing.assert_allclose(ig[1, pos], raw[1, pos], atol=np.abs(raw[1]).max() / 255 + 1e-6)
    # far smaller than the SVG pictures sent before (one per method and sample)
    from xaiwidgets.widgets._molecules import draw_molecule_svg

    n_methods = len(w.result.methods)
    svg = sum(len(draw_molecule_svg(s, [None] * len(tokenize_smiles(s))).encode())
              for s in smiles[:3]) * n_methods
    assert payload_nbytes(block["molecules"]) * 10 < svg
    # the exported page carries the coordinates as base64 buffers, and no SVG markup at all
    page = w.to_html(tmp_path / "s.html")
    payload = json.loads(page.split('id="xai-payload">')[1].split("</script>")[0])
    paths = ["/".join(map(str, p)) for p in payload["buffer_paths"]]
    assert "data/molecules/xy/data" in paths
    i = paths.index("data/molecules/xy/data")
    assert base64.b64decode(payload["buffers"][i]) == state["molecules"]["xy"]["data"]
    # the static snapshot keeps inert RDKit pictures, one per method
    snap = w._static_html()
    assert snap.count("<img src='data:image/svg+xml;base64,") == n_methods
    assert "<svg" not in snap.split("Mask quality")[0] and "<script" not in snap


def _padded_result():
    """Token ids with padding whose attributions are huge at the padding (as Saliency can be)."""
    from xaiwidgets.attributions.compare import AttributionResult

    ids = np.array([[5, 6, 7, 8, 0, 0, 0, 0], [5, 9, 0, 0, 0, 0, 0, 0]])
    real = ids != 0
    sal = np.where(real, np.array([[0.1, 0.4, 0.2, 0.3] + [0] * 4, [0.5, 0.2] + [0] * 6]), 50.0)
    ig = np.where(real, np.array([[-0.5, 0.25, 1.0, -0.1] + [0] * 4, [0.2, -0.4] + [0] * 6]),
                  -30.0)
    return AttributionResult(
        kind="tokens", inputs=ids, target=np.array([1, 0]), y_pred=np.array([1, 1]),
        prob=np.array([0.9, 0.4]), methods=["Saliency", "IG"],
        attributions={"Saliency": sal[..., None].repeat(3, axis=2) / 3,
                      "IG": ig[..., None].repeat(3, axis=2) / 3},
        seconds_per_sample={"Saliency": 0.0, "IG": 0.0}, n_outputs=2, pad_id=0)


def test_padding_is_neither_shown_nor_ranged():
    from xaiwidgets import ComparisonView

    words = [["the", "<b>plot</b>", "is", "dull"] + ["<pad>"] * 4, ["a", "film"] + [""] * 6]
    w = ComparisonView(_padded_result(), tokens=words, class_names=["neg", "pos"])
    state = synced(w, "data")
    valid = array_from_wire(state["valid"])
    assert valid.tolist() == [[1] * 4 + [0] * 4, [1] * 2 + [0] * 6]
    sal, ig = state["attributions"]["Saliency"], state["attributions"]["IG"]
    # ranges over the real tokens only: padding (50, -30) never sets them
    assert not sal["signed"] and ig["signed"]
    np.testing.assert_allclose(array_from_wire(sal["lo"]), [0.1, 0.2], rtol=1e-6)
    np.testing.assert_allclose(array_from_wire(sal["hi"]), [0.4, 0.5], rtol=1e-6)
    np.testing.assert_allclose(array_from_wire(ig["hi"]), [1.0, 0.4], rtol=1e-6)
    np.testing.assert_allclose(dequantize(ig)[0, :4], [-0.5, 0.25, 1.0, -0.1], atol=1 / 255)
    # a fetched sample reads the same as the embedded one
    from helpers import fetch

    one = fetch(w, "sample", index=1)["block"]
    assert array_from_wire(one["attributions"]["Saliency"]["hi"]).tolist() == pytest.approx(
        [0.5]) and one["attributions"]["Saliency"]["signed"] is False
    # a sequence without padding sends no mask
    full = ComparisonView(_padded_result(), tokens=[["x"] * 8] * 2)
    assert "valid" in synced(full, "data")  # pad_id still marks the padding
    res = _padded_result()
    res.pad_id = None
    assert "valid" not in synced(ComparisonView(res), "data")


def test_token_snapshot_is_coloured_text_without_padding_or_script():
    from xaiwidgets import ComparisonView
    from xaiwidgets.widgets._html import live_lut

    words = [["the", "<b>plot</b>", "is", "dull"] + ["<pad>"] * 4, ["a", "film"] + [""] * 6]
    w = ComparisonView(_padded_result(), tokens=words, colormap="viridis")
    page = w._repr_mimebundle_()[0]["text/html"]
    assert "<script" not in page and "<b>plot</b>" not in page
    assert "&lt;b&gt;plot&lt;/b&gt;" in page
    assert "&lt;pad&gt;" not in page and "+0" not in page and "<table><caption>" not in page
    seq = page.split("<div class='xai-seq'")[1].split("<table")[0]
    spans = re.findall(r"<span style='([^']*)'>([^<]*)</span>", seq)
    toks = [t for st, t in spans if "padding:0 3px" in st]
    assert toks == ["the", "&lt;b&gt;plot&lt;/b&gt;", "is", "dull"] * 2  # a line per method
    # the live view's colormap: IG's largest value (1.0, code 255) is viridis' last entry,
    # drawn at the opacity over white
    lut = live_lut("viridis", True)
    top = np.floor(lut[255] * 0.6 + 255 * 0.4 + 0.5).astype(int)
    assert f"background:#{top[0]:02x}{top[1]:02x}{top[2]:02x}" in seq
    # one colour bar per method, with its range over the real tokens
    assert seq.count("linear-gradient(to right") == 2
    assert ">0.1</span>" in seq and ">0.4</span>" in seq and ">-1</span>" in seq
    assert ">50</span>" not in seq and ">-30</span>" not in seq
    # a threshold leaves weak tokens uncoloured
    w.threshold = 0.9
    strong = w._static_html().split("<div class='xai-seq'")[1].split("<table")[0]
    assert strong.count("background:") < seq.count("background:")


def test_token_heatmap_uses_the_explainers_layer_and_pad(tmp_path):
    ids = torch.randint(1, 10, (64, 6), generator=torch.Generator().manual_seed(0))
    ids[:, 4:] = 0
    torch.manual_seed(0)
    ex = MaskExplainer(KeyToken(), pad_id=0, generator="conv", **FAST).fit(ids)
    w = MaskView.from_estimator(ex, ids[:4], tokens=[[str(t) for t in r] for r in
                                                     ids[:4].tolist()],
                                metric_samples=4, progress=False)
    assert w.result.kind == "tokens" and w.result.pad_id == 0
    assert "token id 0" in w.result.baseline
    assert w.result.attributions["Integrated Gradients"].shape == (4, 6, 4)
    # noise-based metrics do not apply to token ids: not computed, no all-n/a column
    assert "infidelity" not in w.result.summary()["Explanatory mask"]


def test_view_from_a_hand_made_result_draws_heatmaps_report_and_curve(tmp_path):
    from hand_results import masks as hand

    result = hand.result()
    w = MaskView(result, **hand.OPTIONS)
    assert w.result is result.comparison and w.report is result.report
    assert w.methods == ["Explanatory mask", "Saliency"] and w.mask_methods == [result.label]
    assert w.n_samples == 3 and w.class_names == ["circle", "square", "cross"]
    rows = dict(synced(w, "extras")["tables"][0]["rows"])
    # the table is the report's figures (the view formats them, it computes nothing)
    assert rows == {"samples": "3", "mean mask value": f"{result.report.mask_mean:.3f}",
                    "locations with m > 0.5": f"{result.report.frac_above_half:.1%}",
                    "prediction kept: soft mask": "66.7%",
                    "prediction kept: top 20% kept (hard)": "33.3%",
                    "prediction kept: top 50% kept (hard)": "66.7%"}
    chart = synced(w, "extras")["charts"][0]
    np.testing.assert_allclose(array_from_wire(chart["xs"]), [0.62, 0.41, 0.18], rtol=1e-6)
    np.testing.assert_allclose(array_from_wire(chart["series"][1]["ys"]), [0.8, 0.7, 0.4],
                               rtol=1e-6)
    snap = w._static_html()
    # input + one heatmap per method, the metric table, the report table, the curve
    assert snap.count("data:image/png") == 3 and "<svg" in snap and "<script" not in snap
    assert snap.count("<polyline") == 2 and "λ=0.2" in snap and "Mask quality" in snap
    assert "Deletion AUC" in snap and ">66.7%<" in snap
    page = w.to_html(tmp_path / "hand.html")
    assert snap in page  # the offline page's fallback is the same snapshot
    # a selection of rows is drawn from its own report
    one = MaskView(result[2:], **hand.OPTIONS)
    assert dict(one.extras["tables"][0]["rows"])["prediction kept: soft mask"] == "0.0%"
    assert one.n_samples == 1 and one.extras["charts"][0]["point_labels"] == [
        "λ=0.01", "λ=0.05", "λ=0.2"]
    # without a curve: only the table
    plain = MaskView(dataclasses.replace(result, tradeoff=None))
    assert plain.extras["charts"] == [] and "<svg" not in plain._static_html()
