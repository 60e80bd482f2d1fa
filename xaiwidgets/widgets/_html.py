"""Kernel-side rendering for static HTML fallbacks: colormaps and inline PNGs.

The live views colour heatmaps in JS; this is only for nbconvert/GitHub snapshots, so it keeps to
two colormaps and nearest-neighbour upscaling.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

__all__ = ["LABEL_MAX", "NOWRAP", "NOWRAP_MAX", "STATIC_DIV", "SnapshotRow",
           "colorbar_html", "display_image", "label",
           "live_lut", "png_data_uri", "quantize_item", "sequence_snapshot", "short_label",
           "visible_codes"]

# -- long labels: one rule for every snapshot, the same as the live views' (js/src/lib/dom.ts) ----
LABEL_MAX = 80  # dom.ts LABEL_MAX
_WORD = re.compile(r"\S+")


# every snapshot's root: a label without spaces breaks (overflow-wrap reaches table cells' minimum
# widths) instead of widening the page
STATIC_DIV = "<div class='xai-static' style='overflow-wrap:anywhere;max-width:100%'>"
# ...but a number or a short name in a table cell stays on one line ("0.974", not "0.9/74"): the
# cell's style; a table with such cells goes in a horizontally scrolling box if it cannot fit
NOWRAP = "white-space:nowrap;overflow-wrap:normal"
NOWRAP_MAX = 32  # characters: a longer name may still break (it would widen the table too much)


def short_label(text: str, max_chars: int = LABEL_MAX) -> str:
    """``text`` with every unbroken run longer than ``max_chars`` cut to its start and end around
    "…" (as ``shortLabel`` in ``js/src/lib/dom.ts``): distinct long names stay distinct and
    sentences are untouched, but a 5,000-character column name cannot widen the page."""
    text = str(text)
    if len(text) <= max_chars:
        return text
    tail = max_chars // 3

    def cut(m: re.Match[str]) -> str:
        w = m.group(0)
        return w if len(w) <= max_chars else w[:max_chars - tail - 1] + "…" + w[len(w) - tail:]

    return _WORD.sub(cut, text)


def label(text: object, *, max_chars: int = LABEL_MAX, svg: bool = False,
          whole: bool = False) -> str:
    """Escaped ``text`` for a snapshot, shortened by :func:`short_label` with the full text kept
    as a tooltip: ``<span title=...>`` in HTML, a ``<title>`` child inside an SVG ``<text>``.

    ``whole`` cuts the whole text to ``max_chars`` (its start and "…", as ``clipName`` in
    ``js/src/views/relevance-bars.ts``): for labels in a fixed-width column of a chart."""
    full = str(text)
    if whole:
        short = full if len(full) <= max_chars else full[:max_chars - 1] + "…"
    else:
        short = short_label(full, max_chars)
    if short == full:
        return html.escape(full)
    if svg:
        return f"{html.escape(short)}<title>{html.escape(full)}</title>"
    return f"<span title='{html.escape(full)}'>{html.escape(short)}</span>"


def png_data_uri(rgb: np.ndarray, *, size: int = 140) -> str:
    """Inline PNG of an (H, W) or (H, W, 3) uint8 image, upscaled to about ``size`` px."""
    img = Image.fromarray(np.ascontiguousarray(rgb))
    scale = max(1, size // max(img.size))
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def figure(caption: str, uri: str) -> str:
    """An inline image with its caption (escaped: captions come from data)."""
    return (f"<figure style='margin:0'><img src='{uri}' alt='{html.escape(caption)}'>"
            f"<figcaption>{label(caption)}</figcaption></figure>")


def image_u8(img: np.ndarray) -> np.ndarray:
    """(H, W, C) floats -> uint8 stretched to the image's own range, (H, W) for one channel:
    the input as the static snapshots draw it."""
    img = np.asarray(img, dtype=np.float64)
    lo, hi = float(img.min()), float(img.max())
    g = ((img - lo) / ((hi - lo) or 1.0) * 255).astype(np.uint8)
    return g[..., 0] if g.shape[-1] == 1 else g


def display_image(a: np.ndarray, size: int) -> np.ndarray:
    """(K, C, H, W) -> (K, C, h, w) area-downsampled so the longer side is at most ``size``."""
    h, w = a.shape[-2:]
    if max(h, w) <= size:
        return a
    scale = size / max(h, w)
    out = F.interpolate(torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)),
                        size=(max(1, round(h * scale)), max(1, round(w * scale))), mode="area")
    return out.numpy()


# -- the live view's colormaps (js/src/lib/colormap.ts), for snapshots that match it ------------
# Keep these anchors identical to colormap.ts (tests/test_mask_widget.py compares them).
LIVE_ANCHORS: dict[str, list[str]] = {
    "rdbu": ["#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
             "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"],
    "coolwarm": ["#3b4cc0", "#5977e3", "#7b9ff9", "#9ebeff", "#c0d4f5", "#dddcdc",
                 "#f2cbb7", "#f7ac8e", "#ee8468", "#d65244", "#b40426"],
    "viridis": ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80",
                "#5ec962", "#addc30", "#fde725"],
    "magma": ["#000004", "#1c1044", "#4f127b", "#812581", "#b5367a", "#e55964",
              "#fb8761", "#fec287", "#fcfdbf"],
    "gray": ["#000000", "#ffffff"],
}
_DIVERGING = {"rdbu", "coolwarm"}


def live_lut(name: str, signed: bool) -> np.ndarray:
    """(256, 3) uint8: the LUT ``lutFor(name, signed)`` of the live view, entry for entry.

    Unknown names fall back to RdBu; unsigned data on a diverging map uses its upper half."""
    key = str(name).lower().removesuffix("_r")
    key = "gray" if key in ("grey", "greys", "grays") else key
    key = key if key in LIVE_ANCHORS else "rdbu"
    rgb = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in LIVE_ANCHORS[key]],
                   dtype=np.float64)
    segs = len(rgb) - 1
    t = np.arange(256) / 255 * segs
    j = np.minimum(np.floor(t).astype(int), segs - 1)
    f = (t - j)[:, None]
    lut = np.floor(rgb[j] + (rgb[j + 1] - rgb[j]) * f + 0.5).clip(0, 255).astype(np.uint8)
    if not signed and key in _DIVERGING:
        lut = lut[128 + (np.arange(256) >> 1)]
    return lut


def quantize_item(values: np.ndarray, signed: bool) -> tuple[np.ndarray, float, float]:
    """Codes 0-255 and the ``(lo, hi)`` range of one item, as ``_traits.quantize`` sends it."""
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if not v.size:
        return np.zeros(0, dtype=np.uint8), 0.0, 0.0
    if signed:
        hi = float(np.abs(v).max())
        lo = -hi
    else:
        lo, hi = float(v.min()), float(v.max())
    span = hi - lo
    q = np.rint((v - lo) / (span if span > 0 else 1.0) * 255.0).clip(0, 255).astype(np.uint8)
    return q, lo, hi


def visible_codes(q: np.ndarray, signed: bool, threshold: float) -> np.ndarray:
    """The live view's threshold rule (``lib/heatmap.ts``): |q - 127.5| / 127.5 (signed) or
    q / 255 (unsigned) below ``threshold`` is hidden; 0 hides nothing."""
    q = np.asarray(q, dtype=np.float64)
    mag = np.abs(q - 127.5) / 127.5 if signed else q / 255.0
    return np.ones(q.shape, dtype=bool) if threshold <= 0 else mag >= threshold


def _hex(rgb: np.ndarray) -> str:
    return "#" + "".join(f"{int(c):02x}" for c in rgb)


def blend_on_white(rgb: np.ndarray, alpha: float) -> np.ndarray:
    """The colour ``rgb`` drawn at ``alpha`` over white (snapshots use opaque colours, so they
    read the same on a light or a dark page)."""
    a = float(np.clip(alpha, 0.0, 1.0))
    return np.floor(np.asarray(rgb, dtype=np.float64) * a + 255.0 * (1 - a) + 0.5).astype(int)


def _text_on(rgb: np.ndarray) -> str:
    r, g, b = (np.asarray(rgb, dtype=np.float64) / 255.0).tolist()
    return "#fff" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5 else "#000"


def _num(x: float) -> str:
    """3 significant digits, like the live view's ``fmt``."""
    if not np.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    a = abs(x)
    return f"{x:.3g}" if 1e-3 <= a < 1e5 else f"{x:.2e}".replace("e+", "e")


def colorbar_html(lut: np.ndarray, lo: float, hi: float, signed: bool, width: int = 160) -> str:
    """A colour bar as a CSS gradient (no ids, no script) with its value range under it."""
    stops = ",".join(f"{_hex(lut[i])} {i / 255:.1%}" for i in np.linspace(0, 255, 17).astype(int))
    labels = [_num(lo), "0", _num(hi)] if signed else [_num(lo), _num(hi)]
    spans = "".join(f"<span>{html.escape(t)}</span>" for t in labels)
    return (f"<div class='xai-colorbar' style='width:{width}px;flex:none'>"
            f"<div style='height:8px;border:1px solid #8888;background:linear-gradient(to right,"
            f"{stops})'></div><div style='display:flex;justify-content:space-between;"
            f"font-size:11px;opacity:0.8'>{spans}</div></div>")


@dataclass
class SnapshotRow:
    """One method of a token snapshot: the real tokens only (padding already dropped)."""

    method: str
    positions: np.ndarray  # (L,) positions of the real tokens in the input
    words: list[str]  # (L,) their text
    values: np.ndarray  # (L,) the method's value per real token
    signed: bool


def sequence_snapshot(
    rows: Sequence[SnapshotRow],
    *,
    length: int,
    colormap: str = "RdBu",
    opacity: float = 0.6,
    threshold: float = 0.0,
    picture: Callable[[list[str | None]], str] | None = None,
) -> str:
    """Tokens highlighted per method with inline styles, as the live sequence view shows them.

    Every row is one line of tokens (each a ``<span style="background:...">``, text escaped)
    coloured from the live view's LUT, with the colour range over the real tokens only, and a
    colour bar with that range. ``picture`` (e.g. an RDKit molecule) gets one ``#rrggbb`` or
    ``None`` per input position and returns an image ``src`` (a ``data:`` URI, shown in an
    ``<img>``: never markup); rows then become cards side by side.
    """
    cards = []
    for row in rows:
        lut = live_lut(colormap, row.signed)
        q, lo, hi = quantize_item(row.values, row.signed)
        show = visible_codes(q, row.signed, threshold)
        colours: list[str | None] = [None] * length
        spans = []
        for p, w, c, s in zip(row.positions, row.words, q, show, strict=True):
            style = "padding:0 3px;margin:0 2px 2px 0;border-radius:2px;white-space:pre;" \
                    "display:inline-block"
            if s:
                rgb = blend_on_white(lut[c], opacity)
                colours[int(p)] = _hex(rgb)
                style += f";background:{_hex(rgb)};color:{_text_on(rgb)}"
            spans.append(f"<span style='{style}'>{label(w)}</span>")
        head = (f"<div style='display:flex;justify-content:space-between;align-items:flex-end;"
                f"gap:8px'><b>{label(row.method)}</b>"
                f"{colorbar_html(lut, lo, hi, row.signed)}</div>")
        img = ""
        if picture is not None:
            img = (f"<img src='{html.escape(picture(colours))}' alt='{html.escape(row.method)}'"
                   " style='display:block;max-width:100%;margin:4px auto'>")
        tokens = ("<div style='font-family:ui-monospace,monospace;font-size:13px;"
                  f"line-height:1.7'>{''.join(spans)}</div>")
        # cards side by side: as wide as a molecule, or as the line of tokens (monospace)
        basis = 260 if picture is not None else max(
            260, min(960, 16 + sum(8 * len(w) + 8 for w in row.words)))
        box = (f"flex:1 1 {basis}px;max-width:100%;box-sizing:border-box;"
               "border:1px solid #8884;border-radius:4px;padding:6px 8px")
        cards.append(f"<div class='xai-seq-row' style='{box}'>{head}{img}{tokens}</div>")
    return ("<div class='xai-seq' style='display:flex;flex-wrap:wrap;gap:10px;width:100%'>"
            + "".join(cards) + "</div>")


def line_chart_svg(chart: dict, width: int = 380, height: int = 240) -> str:
    """A static inline SVG of an ``extras`` chart (see ``ComparisonView``): axes, one
    polyline per series, point labels; escaped text, no script (for notebook snapshots)."""
    pad_l, pad_r, pad_t, pad_b = 44, 12, 24, 40
    xs = np.asarray(chart["xs"], dtype=np.float64)
    ys = [np.asarray(sr["ys"], dtype=np.float64) for sr in chart["series"]]
    x_lo, x_hi = float(np.nanmin(xs)), float(np.nanmax(xs))
    y_lo, y_hi = (0.0, 1.0) if chart.get("y_percent") else (
        float(np.nanmin(np.concatenate(ys))), float(np.nanmax(np.concatenate(ys))))
    x_hi, y_hi = (x_hi if x_hi > x_lo else x_lo + 1), (y_hi if y_hi > y_lo else y_lo + 1)

    def at(x: float, y: float) -> tuple[float, float]:
        return (pad_l + (x - x_lo) / (x_hi - x_lo) * (width - pad_l - pad_r),
                height - pad_b - (y - y_lo) / (y_hi - y_lo) * (height - pad_t - pad_b))

    fy = (lambda v: f"{v:.0%}") if chart.get("y_percent") else (lambda v: f"{v:.3g}")
    esc = html.escape

    def lab(text: object) -> str:
        return label(text, svg=True)

    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
           "class='xai-tradeoff' font-size='10' font-family='sans-serif'>",
           f"<text x='{pad_l}' y='14' font-weight='600'>{lab(chart.get('title', ''))}</text>",
           f"<path d='M{pad_l},{pad_t} V{height - pad_b} H{width - pad_r}' stroke='#888' "
           "fill='none'/>",
           f"<text x='{pad_l - 4}' y='{pad_t + 4}' text-anchor='end'>{fy(y_hi)}</text>",
           f"<text x='{pad_l - 4}' y='{height - pad_b}' text-anchor='end'>{fy(y_lo)}</text>",
           f"<text x='{pad_l}' y='{height - pad_b + 12}' text-anchor='middle'>{x_lo:.3g}</text>",
           f"<text x='{width - pad_r}' y='{height - pad_b + 12}' text-anchor='middle'>"
           f"{x_hi:.3g}</text>",
           f"<text x='{(pad_l + width - pad_r) / 2}' y='{height - 8}' text-anchor='middle'>"
           f"{lab(chart.get('x_label', ''))}</text>"]
    order = np.argsort(xs)
    for sr, y in zip(chart["series"], ys, strict=True):
        pts = " ".join("{:.1f},{:.1f}".format(*at(xs[i], y[i])) for i in order
                       if np.isfinite(y[i]))
        out.append(f"<polyline fill='none' stroke='{esc(str(sr['color']))}' points='{pts}'/>")
    labels = chart.get("point_labels") or []
    for j, i in enumerate(order):
        if i < len(labels) and ys:
            px, py = at(xs[i], ys[0][i])
            out.append(f"<text x='{px:.1f}' y='{py + (-5 if j % 2 == 0 else 13):.1f}' "
                       f"text-anchor='middle'>{lab(labels[i])}</text>")
    legend = "".join(f"<tspan fill='{esc(str(sr['color']))}'>■</tspan> {lab(sr['name'])}  "
                     for sr in chart["series"])
    out.append(f"<text x='{pad_l}' y='{height - 22}'>{legend}</text></svg>")
    return "".join(out)
