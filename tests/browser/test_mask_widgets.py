"""MaskView exports in a real browser: image masks, text tokens and SMILES molecules, opened
from disk (file://) the way a user double-clicking the page sees them."""

from __future__ import annotations

import io
import json
import re
import textwrap

import nbformat
import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from xaiwidgets import MaskExplainer, MaskView, size_tradeoff
from xaiwidgets.datasets import Vocabulary
from xaiwidgets.datasets.smiles import tokenize_smiles

from .jupyter import (
    canvas_stats,
    open_and_run_notebook,
    open_html_file,
    screenshot,
    wait_for_widgets,
)

pytestmark = pytest.mark.browser

FAST = {"epochs": 2, "batch_size": 32, "lr": 1e-2, "progress": False}
BASELINES = ["integrated_gradients", "saliency", "occlusion", "gradient_shap"]
N_METHODS = 1 + len(BASELINES)
# furosemide first (rings, S(=O)(=O), Cl, NH), then small ones; padded to 48 tokens
SMILES = ["NS(=O)(=O)c1cc(C(=O)O)c(NCc2ccco2)cc1Cl", "CCO", "c1ccccc1Cl", "CC(=O)O",
          "c1ccncc1Br"]
# JupyterLab's default notebook width: the widget root is 968 px wide (pages have 16 px margins)
DEFAULT = {"width": 968 + 32, "height": 900}


class TokenModel(nn.Module):
    """Embedding, a convolution over neighbours, tanh: attributions vary with the context."""

    def __init__(self, vocab: int, outputs: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, 4, padding_idx=0)
        self.conv = nn.Conv1d(4, 4, 3, padding=1)
        self.head = nn.Linear(4, outputs)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.conv(self.embedding(ids).transpose(1, 2)))
        return self.head(h.sum(2))


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
    w = MaskView.from_estimator(ex, x[:4], BASELINES, metric_samples=4, progress=False,
                                tradeoff=curve, title="image masks")
    paths["image"] = w.to_html(out / "image.html") and out / "image.html"

    # text tokens (one token is markup: it must show as text)
    words = ["good", "bad", "<b>plot</b>", "film", "great", "dull"]
    vocab = Vocabulary(words)
    ids = torch.randint(2, len(vocab), (64, 12), generator=torch.Generator().manual_seed(0))
    ids[:, 5:] = 0  # 5 words, 7 padding positions
    ex = MaskExplainer(TokenModel(len(vocab), 2), pad_id=0, generator="conv", **FAST).fit(ids)
    tokens = [[w if w != vocab.PAD else "" for w in vocab.decode(r)] for r in ids[:4].tolist()]
    w = MaskView.from_estimator(ex, ids[:4], BASELINES, tokens=tokens, metric_samples=4,
                                progress=False, title="text masks")
    w.to_html(out / "text.html")
    paths["text"] = out / "text.html"

    # SMILES molecules (regression)
    smiles = SMILES * 8
    vocab = Vocabulary.build([tokenize_smiles(s) for s in smiles], min_count=1)
    ids = torch.from_numpy(vocab.encode([tokenize_smiles(s) for s in smiles], max_len=48))
    ex = MaskExplainer(TokenModel(len(vocab), 1), pad_id=0, generator="conv", task="regression",
                       **FAST).fit(ids)
    w = MaskView.from_estimator(ex, ids[:5], BASELINES, smiles=smiles[:5], metric_samples=5,
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
    # in the view: the mask statistics and the trade-off chart (the same chart as in Jupyter)
    stats = page.locator(".xai-root table.xai-stats")
    assert stats.is_visible() and "Mask quality" in stats.inner_text()
    curve = page.locator(".xai-root svg.xai-lines")
    assert curve.is_visible() and curve.locator("polyline").count() == 2
    assert curve.locator("text.xai-point-label").count() == 2  # λ=0, λ=1
    ticks = curve.locator("text.xai-tick").evaluate_all("ts => ts.map(t => t.textContent)")
    assert "100%" in ticks or "0%" in ticks
    # the mask panel is the masked input (what the model sees), not a heatmap on black
    caption = page.locator("figure.xai-panel figcaption").nth(1)
    assert "as the model sees it" in caption.get_attribute("title")
    screenshot(page.locator("body"), "masks-image-export")
    assert not console.errors, console.format()


# -- sequences: tokens, padding, strips, molecules ----------------------------------------------

_STRIP_JS = """(root) => {
  // per method: is there a bar under every token, and nothing anywhere else (no padding)?
  const out = [];
  for (const wrap of root.querySelectorAll('.xai-tokens-wrap')) {
    const cv = wrap.querySelector('canvas.xai-strip');
    const W = cv.width, H = cv.height;
    const px = cv.getContext('2d').getImageData(0, 0, W, H).data;
    const sx = W / wrap.clientWidth, sy = H / wrap.clientHeight;
    const at = (x, y) => { const i = (Math.floor(y * sy) * W + Math.floor(x * sx)) * 4;
                           return [px[i], px[i + 1], px[i + 2], px[i + 3]]; };
    const wr = wrap.getBoundingClientRect();
    const spans = [...wrap.querySelectorAll('.xai-token')];
    let opaque = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i]) opaque++;
    let barArea = 0, under = 0, same = 0;
    for (const s of spans) {
      const r = s.getBoundingClientRect();
      barArea += r.width * 3 * sx * sy;
      const c = at(r.left - wr.left + r.width / 2, r.bottom - wr.top - 1.5);
      if (c[3] === 255) under++;
      const bg = getComputedStyle(s).backgroundColor.match(/[\\d.]+/g).map(Number);
      if (bg.length >= 3 && Math.abs(bg[0] - c[0]) <= 2 && Math.abs(bg[1] - c[1]) <= 2
          && Math.abs(bg[2] - c[2]) <= 2) same++;
    }
    const last = spans[spans.length - 1].getBoundingClientRect();
    const after = at(Math.min(wrap.clientWidth - 1, last.right - wr.left + 6),
                     last.bottom - wr.top - 1.5);
    const card = getComputedStyle(wrap.closest('.xai-seq-row')).backgroundColor;
    out.push({tokens: spans.length, under, same, opaque, barArea, afterLast: after[3],
              area: W * H, card});
  }
  return out;
}"""


def _lum(css: str) -> float:
    r, g, b = (float(v) for v in re.findall(r"[\d.]+", css)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def _cards_per_row(page) -> list[int]:
    """Cards of the sequence grid per row, top to bottom, and that none leaves the widget."""
    root = page.locator(".xai-root").bounding_box()
    boxes = page.eval_on_selector_all(
        ".xai-seq > .xai-seq-row", "cs => cs.map(c => c.getBoundingClientRect().toJSON())")
    assert all(b["right"] <= root["x"] + root["width"] + 0.5 for b in boxes), boxes
    rows: dict[int, int] = {}
    for b in boxes:
        rows[round(b["top"])] = rows.get(round(b["top"]), 0) + 1
    return [rows[k] for k in sorted(rows)]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_mask_export_shows_real_tokens_with_aligned_strips(page, exports, scheme):
    page.set_viewport_size(DEFAULT)
    page.emulate_media(color_scheme=scheme)
    console = open_html_file(page, exports["text"])
    wait_for_widgets(page)
    assert page.locator(".xai-root").bounding_box()["width"] == 968
    rows = page.locator(".xai-tokens")
    assert rows.count() == N_METHODS
    texts = rows.first.locator(".xai-token").all_inner_texts()
    assert len(texts) == 5 and all(texts)  # the 7 padding positions are not there at all
    if "<b>plot</b>" in " ".join(page.locator(".xai-token").all_inner_texts()):
        assert page.locator(".xai-root .xai-tokens b").count() == 0  # text, never markup
    assert "Explanatory mask" in page.locator(".xai-root").inner_text()
    # the strip: one bar under each real token, in its colour; nothing past the last one
    strips = page.evaluate(_STRIP_JS, page.locator(".xai-root").element_handle())
    assert len(strips) == N_METHODS
    for s in strips:
        assert s["tokens"] == 5 and s["under"] == 5 and s["afterLast"] == 0, s
        assert s["same"] == 5, s  # each bar is its token's colour (at full opacity)
        assert s["opaque"] <= s["barArea"] * 1.2 + 10 and s["opaque"] < 0.3 * s["area"], s
    # no white bar in dark mode: the strip shows the card's theme background around its bars
    cards = {s["card"] for s in strips}
    assert len(cards) == 1
    assert (_lum(cards.pop()) < 0.2) if scheme == "dark" else (_lum(strips[0]["card"]) > 0.9)
    assert len(canvas_stats(page, "canvas.xai-heatmap.xai-strip")) == N_METHODS
    # the methods on full rows, never 3 + 2 (text too wide for one row: stacked, so every token
    # sits at the same place in every method)
    per_row = _cards_per_row(page)
    assert sum(per_row) == N_METHODS and len(set(per_row)) == 1, per_row
    # infidelity / sensitivity are undefined on token ids: not computed, no all-n/a column
    table = page.locator("table.xai-metrics").inner_text()
    assert "n/a" not in table and "Infidelity" not in table and "Deletion" in table
    shot = screenshot(page.locator(".xai-root"), f"text-{scheme}")
    assert Image.open(shot).size[0] >= 968
    assert not console.errors, console.format()


def _texts(locator) -> list[str]:
    return locator.evaluate_all("es => es.map(e => e.textContent)")


def _png(locator) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(locator.screenshot())).convert("RGB")).astype(int)


def _changed(a: np.ndarray, b: np.ndarray) -> int:
    """Pixels that differ between two screenshots of one element (cropped to their common
    size: a fractional position may round the element's box one pixel apart)."""
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    return int((np.abs(a[:h, :w] - b[:h, :w]).sum(axis=2) > 30).sum())


def _votes(img: np.ndarray, alpha: float = 0.6) -> float:
    """Share of the coloured pixels nearer RdBu than viridis (both drawn at ``alpha`` on white,
    either half of RdBu)."""
    from xaiwidgets.widgets._html import live_lut

    def palette(lut: np.ndarray) -> np.ndarray:
        return lut.astype(float) * alpha + 255 * (1 - alpha)

    px = img.reshape(-1, 3).astype(float)
    px = px[(px.max(axis=1) - px.min(axis=1)) > 30]  # coloured, not text or bonds
    assert len(px) > 200, len(px)

    def dist(pal: np.ndarray) -> np.ndarray:
        return np.sqrt(((px[:, None, :] - pal[None, ::4, :]) ** 2).sum(axis=2)).min(axis=1)

    rdbu = dist(palette(live_lut("RdBu", True)))
    viridis = dist(palette(live_lut("viridis", True)))
    return float((rdbu < viridis).mean())


def test_smiles_export_draws_molecules_that_follow_the_controls(page, exports):
    page.set_viewport_size(DEFAULT)
    console = open_html_file(page, exports["smiles"])
    wait_for_widgets(page)
    mols = page.locator("svg.xai-molecule")
    assert mols.count() == N_METHODS
    n_atoms = 21  # furosemide's heavy atoms
    for i in range(N_METHODS):
        assert mols.nth(i).is_visible()
        assert mols.nth(i).locator("circle.xai-atom").count() == n_atoms
    labels = _texts(mols.first.locator("text.xai-atom-label"))
    assert sorted(labels) == sorted(["NH₂", "S", "O", "O", "O", "OH", "NH", "O", "Cl"])
    # drawn in the page, not pictures: no <img>, no markup from the data
    assert page.locator(".xai-seq img, .xai-root script, .xai-seq foreignObject").count() == 0
    # characters: the first sample's SMILES tokens, without padding
    assert page.locator(".xai-tokens").first.locator(".xai-token").all_inner_texts() == \
        tokenize_smiles(SMILES[0])
    # five methods at 968 px: one row (never 3 + 2), nothing wider than the widget
    assert _cards_per_row(page) == [5]
    box = mols.first.bounding_box()
    assert box["width"] > 140 and box["height"] > 80  # legible, not a thumbnail

    # a viridis switch recolours the molecule (pixels): its atoms change palette
    ig = mols.nth(1)
    before = _png(ig)
    assert _votes(before) > 0.8, _votes(before)  # coloured pixels are RdBu's (at the opacity)
    page.locator("select.xai-colormap").select_option("viridis")
    after = _png(ig)
    assert _votes(after) < 0.3, _votes(after)  # ...and now viridis' (edges anti-aliased)
    assert _changed(after, before) > 500
    # threshold hides atoms, opacity fades them
    th = page.locator("input.xai-threshold")
    th.fill("0.8")
    th.dispatch_event("input")
    hidden = ig.locator("circle.xai-atom.xai-hidden").count()
    assert 0 < hidden < n_atoms
    assert _changed(_png(ig), after) > 200
    th.fill("0")
    th.dispatch_event("input")
    assert ig.locator("circle.xai-atom.xai-hidden").count() == 0

    # hovering a character highlights its atom in every molecule, with a tooltip at the cursor
    cl = page.locator(".xai-tokens").first.locator(".xai-token", has_text="Cl")
    cl.hover()
    rings = page.locator("circle.xai-atom-hit.xai-hover")
    assert rings.count() == N_METHODS
    assert set(page.eval_on_selector_all("circle.xai-atom-hit.xai-hover",
                                         "cs => cs.map(c => c.dataset.atom)")) == {"20"}
    tip = page.locator(".xai-root .xai-tooltip")
    assert tip.is_visible() and "atom 20 Cl" in tip.inner_text()
    for m in ("Explanatory mask", "Integrated Gradients", "GradientSHAP"):
        assert m in tip.inner_text()
    # ...and the ring is drawn (the accent colour appears around the chlorine)
    ring = page.locator("svg.xai-molecule").nth(2).locator("circle.xai-atom-hit.xai-hover")
    rb = ring.bounding_box()
    near = page.screenshot(clip={"x": rb["x"] - 2, "y": rb["y"] - 2, "width": rb["width"] + 4,
                                 "height": rb["height"] + 4})
    img = np.asarray(Image.open(io.BytesIO(near)).convert("RGB")).astype(int)
    accent = (img[..., 2] > 180) & (img[..., 0] < 90) & (img[..., 1] > 80) & (img[..., 1] < 160)
    assert accent.sum() > 20
    # hovering an atom highlights its character in every row
    page.mouse.move(0, 0)
    atom = mols.nth(3).locator('circle.xai-atom-hit[data-atom="1"]')  # the S (token 1)
    atom.hover()
    hot = page.eval_on_selector_all(".xai-token.xai-hover", "ts => ts.map(t => t.textContent)")
    assert hot == ["S"] * N_METHODS

    # another sample draws another molecule
    page.locator(".xai-next").click()
    assert mols.first.locator("circle.xai-atom").count() == 3  # CCO
    assert _texts(mols.first.locator("text.xai-atom-label")) == ["OH"]
    assert not console.errors, console.format()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_smiles_screenshots(page, exports, scheme):
    page.set_viewport_size(DEFAULT)
    page.emulate_media(color_scheme=scheme)
    console = open_html_file(page, exports["smiles"])
    wait_for_widgets(page)
    bonds = page.eval_on_selector("svg.xai-molecule line", "l => getComputedStyle(l).stroke")
    label = page.eval_on_selector("svg.xai-molecule text", "t => getComputedStyle(t).fill")
    bg = page.eval_on_selector(".xai-seq-row", "c => getComputedStyle(c).backgroundColor")
    # bonds and labels in the theme's text colour, on its background
    assert bonds == label and abs(_lum(bonds) - _lum(bg)) > 0.6
    assert (_lum(bg) < 0.2) if scheme == "dark" else (_lum(bg) > 0.9)
    screenshot(page.locator(".xai-root"), f"smiles-{scheme}")
    assert not console.errors, console.format()


LAB = textwrap.dedent('''
    import torch
    from torch import nn
    import xaiwidgets as xw
    from xaiwidgets.datasets import Vocabulary
    from xaiwidgets.datasets.smiles import tokenize_smiles
    torch.manual_seed(0)
    FAST = {"epochs": 2, "batch_size": 32, "lr": 1e-2, "progress": False}
    BASELINES = ["integrated_gradients", "saliency", "occlusion", "gradient_shap"]

    class TokenModel(nn.Module):
        def __init__(self, vocab, outputs):
            super().__init__()
            self.embedding = nn.Embedding(vocab, 4, padding_idx=0)
            self.conv = nn.Conv1d(4, 4, 3, padding=1)
            self.head = nn.Linear(4, outputs)

        def forward(self, ids):
            return self.head(torch.tanh(self.conv(self.embedding(ids).transpose(1, 2))).sum(2))

    words = ["good", "bad", "plot", "film", "great", "dull"]
    vocab = Vocabulary(words)
    ids = torch.randint(2, len(vocab), (64, 12), generator=torch.Generator().manual_seed(0))
    ids[:, 5:] = 0
    ex = xw.MaskExplainer(TokenModel(len(vocab), 2), pad_id=0, generator="conv", **FAST).fit(ids)
    tokens = [[w if w != vocab.PAD else "" for w in vocab.decode(r)] for r in ids[:4].tolist()]
    text = xw.MaskView.from_estimator(ex, ids[:4], BASELINES, tokens=tokens, metric_samples=4,
                                      progress=False, title="text masks")
    text
    ''')

LAB_SMILES = textwrap.dedent('''
    smiles = %r * 8
    vocab = Vocabulary.build([tokenize_smiles(s) for s in smiles], min_count=1)
    ids = torch.from_numpy(vocab.encode([tokenize_smiles(s) for s in smiles], max_len=48))
    ex = xw.MaskExplainer(TokenModel(len(vocab), 1), pad_id=0, generator="conv",
                          task="regression", **FAST).fit(ids)
    xw.MaskView.from_estimator(ex, ids[:5], BASELINES, smiles=smiles[:5], metric_samples=5,
                               progress=False, title="smiles masks")
    ''') % (SMILES,)


@pytest.mark.slow
def test_sequence_widgets_in_jupyterlab_dark(page, jupyter_server):
    """JupyterLab's dark theme at its default width: theme colours, no padding, molecules."""
    settings = (jupyter_server.home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab" /
                "apputils-extension" / "themes.jupyterlab-settings")
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"theme": "JupyterLab Dark"}), encoding="utf-8")
    page.set_viewport_size({"width": 1280, "height": 2400})  # both widgets in view, whole
    try:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(LAB),
                                             nbformat.v4.new_code_cell(LAB_SMILES)])
        nbformat.write(nb, jupyter_server.root_dir / "sequences_dark.ipynb")
        run = open_and_run_notebook(page, jupyter_server, "sequences_dark.ipynb", ui="lab",
                                    timeout=400)
        assert not run.cell_errors
        roots = wait_for_widgets(page, count=2, timeout=120)
        text, smiles = roots.nth(0), roots.nth(1)
        assert page.evaluate("() => document.body.dataset.jpThemeLight") == "false"
        # the strip and the cards take the theme's background: no white bar
        strips = page.evaluate(_STRIP_JS, text.element_handle())
        assert len(strips) == N_METHODS
        for st in strips:
            assert st["tokens"] == 5 and st["under"] == 5 and st["afterLast"] == 0, st
            assert _lum(st["card"]) < 0.25, st
        # methods on full rows, never 3 + 2
        width = text.bounding_box()["width"]
        assert width > 600
        for root in (text, smiles):
            tops = root.locator(".xai-seq > .xai-seq-row").evaluate_all(
                "cs => cs.map(c => Math.round(c.getBoundingClientRect().top))")
            per_row = [tops.count(t) for t in sorted(set(tops))]
            assert len(set(per_row)) == 1, per_row
        # molecules in the theme's colours
        mols = smiles.locator("svg.xai-molecule")
        assert mols.count() == N_METHODS
        bond = mols.first.locator("line").first.evaluate("l => getComputedStyle(l).stroke")
        assert _lum(bond) > 0.6
        shot = screenshot(text, "text-lab-dark")
        assert Image.open(shot).size[0] > 600
        screenshot(smiles, "smiles-lab-dark")
        assert not run.console_errors, run.console.format()
    finally:
        settings.unlink(missing_ok=True)
