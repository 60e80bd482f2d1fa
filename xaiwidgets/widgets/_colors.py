"""One colour per method name, everywhere (live views, snapshots, exports, charts).

Known methods have fixed colours; any other label gets one from a 20-colour palette chosen by a
hash of its name, so the same label has the same colour in every notebook and session.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

__all__ = ["PALETTE", "method_color", "method_colors"]

#: Tableau 20 (dark and light companions).
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac", "#a0cbe8", "#ffbe7d", "#ff9d9a", "#8cd17d",
           "#b6992d", "#f1ce63", "#86bcb6", "#d4a6c8", "#fabfd2", "#d7b5a6"]

_KNOWN = {
    "Integrated Gradients": "#4e79a7",
    "Saliency": "#f28e2b",
    "Occlusion": "#59a14f",
    "GradientSHAP": "#e15759",
    "DeepLift": "#b07aa1",
    "Input × Gradient": "#76b7b2",
    "Guided Backprop": "#b6992d",
    "Feature Ablation": "#9c755f",
    "Explanatory mask": "#d37295",
    "SENN": "#17becf",
}


def method_color(label: str) -> str:
    """The colour of a method label (fixed for known methods, hashed otherwise)."""
    return _KNOWN.get(label) or PALETTE[zlib.crc32(label.encode("utf-8")) % len(PALETTE)]


def method_colors(labels: Sequence[str]) -> list[str]:
    return [method_color(str(m)) for m in labels]
