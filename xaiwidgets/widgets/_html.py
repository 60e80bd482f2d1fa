"""Kernel-side rendering for static HTML fallbacks: colormaps and inline PNGs.

The live views colour heatmaps in JS; this is only for nbconvert/GitHub snapshots, so it keeps to
two colormaps and nearest-neighbour upscaling.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

__all__ = ["colorize", "display_image", "png_data_uri"]

# Anchor colours: RdBu (blue = negative, red = positive) and viridis for unsigned maps.
_ANCHORS = {
    "RdBu": [(5, 48, 97), (67, 147, 195), (247, 247, 247), (214, 96, 77), (103, 0, 31)],
    "viridis": [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)],
}


def _lut(name: str) -> np.ndarray:
    anchors = np.asarray(_ANCHORS[name], dtype=np.float64)
    pos = np.linspace(0, 1, len(anchors))
    x = np.linspace(0, 1, 256)
    return np.stack([np.interp(x, pos, anchors[:, c]) for c in range(3)], axis=1).astype(np.uint8)


def colorize(values: np.ndarray, *, signed: bool) -> np.ndarray:
    """Map a 2-D array to RGB uint8: symmetric RdBu when signed, viridis otherwise."""
    v = np.asarray(values, dtype=np.float64)
    if signed:
        m = np.abs(v).max() or 1.0
        q = (v / m + 1) / 2
        lut = _lut("RdBu")
    else:
        lo, hi = v.min(), v.max()
        q = (v - lo) / ((hi - lo) or 1.0)
        lut = _lut("viridis")
    return lut[np.clip(np.rint(q * 255), 0, 255).astype(np.uint8)]


def png_data_uri(rgb: np.ndarray, *, size: int = 140) -> str:
    """Inline PNG of an (H, W) or (H, W, 3) uint8 image, upscaled to about ``size`` px."""
    img = Image.fromarray(np.ascontiguousarray(rgb))
    scale = max(1, size // max(img.size))
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def display_image(a: np.ndarray, size: int) -> np.ndarray:
    """(K, C, H, W) -> (K, C, h, w) area-downsampled so the longer side is at most ``size``."""
    h, w = a.shape[-2:]
    if max(h, w) <= size:
        return a
    scale = size / max(h, w)
    out = F.interpolate(torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)),
                        size=(max(1, round(h * scale)), max(1, round(w * scale))), mode="area")
    return out.numpy()
