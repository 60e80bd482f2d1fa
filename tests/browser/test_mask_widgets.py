"""MaskHeatmap exports in a real browser: image masks, text tokens and SMILES molecules, opened
from disk (file://) the way a user double-clicking the page sees them."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from xaiwidgets import MaskExplainer, MaskHeatmap, size_tradeoff
from xaiwidgets.datasets import Vocabulary
from xaiwidgets.datasets.smiles import tokenize_smiles

from .jupyter import canvas_stats, open_html_file, screenshot, wait_for_widgets

pytestmark = pytest.mark.browser

FAST = {"epochs": 2, "batch_size": 32, "lr": 1e-2, "progress": False}
BASELINES = ["integrated_gradients", "saliency", "occlusion", "gradient_shap"]
N_METHODS = 1 + len(BASELINES)


class TokenModel(nn.Module):
    def __init__(self, vocab: int, outputs: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, 4, padding_idx=0)
        self.head = nn.Linear(4, outputs)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.embedding(ids).sum(1))


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("masks")
    paths = {}

    # images
    cnn = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(),
                        nn.Linear(4 * 12 * 12, 3))
    x = torch.rand(64, 1, 12, 12)
    ex = MaskExplainer(cnn, **FAST).fit(x)
    curve = size_tradeoff(ex, x, x[:8], values=(0.0, 1.0), epochs=1)
    w = MaskHeatmap.from_explainer(ex, x[:4], BASELINES, metric_samples=4, progress=False,
                                   tradeoff=curve, title="image masks")
    paths["image"] = w.to_html(out / "image.html") and out / "image.html"

    # text tokens (one token is markup: it must show as text)
    words = ["good", "bad", "<b>plot</b>", "film", "great", "dull"]
    vocab = Vocabulary(words)
    ids = torch.randint(2, len(vocab), (64, 6), generator=torch.Generator().manual_seed(0))
    ids[:, 5] = 0
    ex = MaskExplainer(TokenModel(len(vocab), 2), pad_id=0, generator="conv", **FAST).fit(ids)
    tokens = [[w if w != vocab.PAD else "" for w in vocab.decode(r)] for r in ids[:4].tolist()]
    w = MaskHeatmap.from_explainer(ex, ids[:4], BASELINES, tokens=tokens, metric_samples=4,
                                   progress=False, title="text masks")
    w.to_html(out / "text.html")
    paths["text"] = out / "text.html"

    # SMILES molecules (regression)
    smiles = ["CCO", "c1ccccc1Cl", "CC(=O)O", "c1ccncc1Br"] * 8
    vocab = Vocabulary.build([tokenize_smiles(s) for s in smiles], min_count=1)
    ids = torch.from_numpy(vocab.encode([tokenize_smiles(s) for s in smiles], max_len=12))
    ex = MaskExplainer(TokenModel(len(vocab), 1), pad_id=0, generator="conv", task="regression",
                       **FAST).fit(ids)
    w = MaskHeatmap.from_explainer(ex, ids[:4], BASELINES, smiles=smiles[:4], metric_samples=4,
                                   progress=False, title="smiles masks")
    w.to_html(out / "smiles.html")
    paths["smiles"] = out / "smiles.html"
    return paths


def test_image_mask_export_paints_every_panel(page, exports):
    console = open_html_file(page, exports["image"])
    wait_for_widgets(page)
    stats = canvas_stats(page, ".xai-root canvas.xai-heatmap")
    assert [s.get("error") for s in stats] == [None] * N_METHODS
    methods = page.eval_on_selector_all("canvas.xai-heatmap", "cs => cs.map(c => c.dataset.method)")
    assert methods[0] == "Explanatory mask" and len(methods) == N_METHODS
    for s in stats:
        assert s["painted"] > 0.05 * s["width"] * s["height"], s  # not blank
    assert page.locator("table.xai-metrics tbody tr").count() == N_METHODS
    # under the widget: the mask statistics and the lam trade-off (static SVG), visible
    stats = page.locator(".xai-appendix table.xai-mask-stats")
    assert stats.is_visible() and "Mask quality" in stats.inner_text()
    curve = page.locator(".xai-appendix svg.xai-tradeoff")
    assert curve.is_visible() and curve.locator("polyline").count() == 2
    assert page.locator(".xai-appendix table.xai-tradeoff-table tr").count() == 3  # head + 2 λ
    screenshot(page.locator("body"), "masks-image-export")
    assert not console.errors, console.format()


def test_text_mask_export_shows_tokens_as_text(page, exports):
    console = open_html_file(page, exports["text"])
    wait_for_widgets(page)
    rows = page.locator(".xai-tokens")
    assert rows.count() == N_METHODS
    first = rows.first.locator(".xai-token:visible")
    texts = first.all_inner_texts()
    assert len(texts) == 5 and all(t for t in texts)  # the pad position is hidden
    page_text = page.locator(".xai-root").inner_text()
    if "<b>plot</b>" in " ".join(page.locator(".xai-token").all_inner_texts()):
        assert page.locator(".xai-root .xai-tokens b").count() == 0  # text, never markup
    assert "Explanatory mask" in page_text
    strips = canvas_stats(page, "canvas.xai-strip")
    assert len(strips) == N_METHODS and all(s["opaque"] > 0 for s in strips)
    # infidelity / sensitivity are undefined on token ids: shown as n/a, never a number
    assert page.locator("table.xai-metrics").inner_text().count("n/a") >= 2 * N_METHODS
    screenshot(page.locator(".xai-root"), "masks-text-export")
    assert not console.errors, console.format()


def test_smiles_export_loads_one_molecule_per_method(page, exports):
    console = open_html_file(page, exports["smiles"])
    wait_for_widgets(page)
    imgs = page.locator("img.xai-picture")
    assert imgs.count() == N_METHODS
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.xai-picture')]"
        ".every(i => i.complete && i.naturalWidth > 0)")
    info = page.eval_on_selector_all(
        "img.xai-picture",
        "is => is.map(i => [i.dataset.method, i.naturalWidth, i.src.slice(0, 26), i.hidden])")
    for method, width, src, hidden in info:
        assert width > 0 and src == "data:image/svg+xml;base64," and not hidden, method
    # molecules are images, never injected markup
    assert page.locator(".xai-seq svg, .xai-root script").count() == 0
    # characters: the first sample is CCO
    assert page.locator(".xai-tokens").first.locator(".xai-token:visible").all_inner_texts() == [
        "C", "C", "O"]
    # another sample repaints another molecule
    before = imgs.first.get_attribute("src")
    page.locator(".xai-next").click()
    assert imgs.first.get_attribute("src") != before
    screenshot(page.locator(".xai-root"), "masks-smiles-export")
    assert not console.errors, console.format()
