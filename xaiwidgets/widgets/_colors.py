"""Colours, one place: one per method name, and one per class of a concept tree.

Known methods have fixed colours; any other label gets one from a 20-colour palette chosen by a
hash of its name, so the same label has the same colour in every notebook and session.

Class colours (:func:`class_palette`) follow the class structure (:func:`class_groups`): a hue
per group, a lightness per level; they are the numbers of ``js/src/lib/colormap.ts``
``classPalette``, so static snapshots show the live view's colours.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._core.validation import describe

__all__ = ["CONCEPT_PALETTE", "GROUP_HUES", "PALETTE", "SEPARATORS", "class_groups",
           "class_palette", "concept_palette", "method_color", "method_colors"]

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


# -- class colours ---------------------------------------------------------------------------
# Tried in order; a name like "heart@0.8" is group "heart", level "0.8".
SEPARATORS = ("@", "|", ":", "/", " x ", "_")


def _as_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _ranks(values: Sequence[str]) -> tuple[list[int], list[str]]:
    """Index of each value among the distinct ones: numeric order when all are numbers, else
    order of first appearance."""
    distinct = list(dict.fromkeys(values))
    nums = [f for f in map(_as_float, distinct) if f is not None]
    if len(nums) == len(distinct):
        distinct = [d for _, d in sorted(zip(nums, distinct, strict=True), key=lambda p: p[0])]
    pos = {v: k for k, v in enumerate(distinct)}
    return [pos[v] for v in values], distinct


def class_groups(names: Sequence[str], groups: Any = None) -> dict[str, Any]:
    """The class structure the tree views colour by: a hue per group, a lightness per level.

    Parameters
    ----------
    names : sequence of str
        Class display names, in class-code order.
    groups : None, False, sequence or mapping
        ``None``: inferred from the names when they all contain one separator (the first of
        :data:`SEPARATORS` that splits every name in two: ``"heart@0.8"`` is group ``heart``,
        level ``0.8``; levels sort numerically when they are numbers). ``False``: no structure.
        A sequence: one group label per class. A mapping: class name -> group label (every class
        needs one). With explicit groups, a class's level is its rank within its group.

    Returns
    -------
    dict
        ``{}`` when there is no structure (fewer than 2 groups, or one class per group), else
        ``group`` and ``level`` (one int per class), ``groups`` (group labels) and ``levels``
        (level labels, ``[]`` for explicit groups).
    """
    names = [str(n) for n in names]
    if groups is False or len(names) < 2:
        return {}
    if groups is None:
        for sep in SEPARATORS:
            parts = [n.split(sep) for n in names]
            if all(len(p) == 2 and p[0] and p[1] for p in parts):
                gid, glabels = _ranks_in_order([p[0] for p in parts])
                level, levels = _ranks([p[1] for p in parts])
                if 2 <= len(glabels) < len(names):
                    return {"group": gid, "level": level, "groups": glabels, "levels": levels}
        return {}
    if isinstance(groups, Mapping):
        missing = [n for n in names if n not in groups]
        if missing:
            raise ValueError(f"argument 'class_groups': expected a group for every class, got "
                             f"none for {missing[:5]}")
        labels = [str(groups[n]) for n in names]
    elif isinstance(groups, Sequence) and not isinstance(groups, str):
        if len(groups) != len(names):
            raise ValueError(f"argument 'class_groups': expected one group label per class "
                             f"({len(names)}), got {len(groups)}")
        labels = [str(g) for g in groups]
    else:
        raise TypeError(f"argument 'class_groups': expected None, False, a sequence of group "
                        f"labels or a dict of class name to group, got {describe(groups)}")
    gid, glabels = _ranks_in_order(labels)
    seen: dict[int, int] = {}
    level = []
    for g in gid:
        level.append(seen.get(g, 0))
        seen[g] = seen.get(g, 0) + 1
    if len(glabels) < 2 and len(names) > 1 and max(seen.values()) < 2:
        return {}
    return {"group": gid, "level": level, "groups": glabels, "levels": []}


# -- class colours: the same numbers as js/src/lib/colormap.ts classPalette (static snapshots
# show the live view's colours; tests/test_tree_widget.py compares both with fixed values).
GROUP_HUES = (55, 145, 335, 105, 195, 20, 170, 80)
_LIGHT, _DARK = 0.86, 0.44


def _js_round(x: float) -> int:
    return int(np.floor(x + 0.5))


def _oklch_hex(L: float, C: float, hue: float) -> str:
    hr = hue * np.pi / 180

    def linear(c: float) -> list[float]:
        a, b = c * np.cos(hr), c * np.sin(hr)
        l_ = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3
        m_ = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3
        s_ = (L - 0.0894841775 * a - 1.291485548 * b) ** 3
        return [4.0767416621 * l_ - 3.3077115913 * m_ + 0.2309699292 * s_,
                -1.2684380046 * l_ + 2.6097574011 * m_ - 0.3413193965 * s_,
                -0.0041960863 * l_ - 0.7034186147 * m_ + 1.707614701 * s_]

    def hexed(lin: list[float]) -> str:
        srgb = [12.92 * v if v <= 0.0031308 else 1.055 * max(v, 0) ** (1 / 2.4) - 0.055
                for v in lin]
        return "#" + "".join(f"{_js_round(min(1.0, max(0.0, v)) * 255):02x}" for v in srgb)

    c = C
    for _ in range(40):
        lin = linear(c)
        if all(-1e-4 <= v <= 1 + 1e-4 for v in lin) or c <= 0:
            return hexed(lin)
        c = max(0.0, c - C / 40)
    return hexed(linear(0.0))


def class_palette(n: int, groups: Mapping[str, Any] | None = None) -> list[str]:
    """One colour per class, as the live view draws them: with :func:`class_groups`, a hue per
    group and a lightness per level (level 0 the lightest); else well separated hues."""
    out: list[str] = []
    if groups and len(groups.get("group", [])) == n and len(groups.get("level", [])) == n and n:
        n_levels = max(1, *(int(v) + 1 for v in groups["level"]))
        for g, lv in zip(groups["group"], groups["level"], strict=True):
            g, lv = max(0, int(g)), max(0, int(lv))
            rnd = g // len(GROUP_HUES)
            hue = GROUP_HUES[g % len(GROUP_HUES)] + rnd * 12
            L = 0.66 if n_levels == 1 else _LIGHT - (_LIGHT - _DARK) * lv / (n_levels - 1)
            out.append(_oklch_hex(L, 0.09 if rnd % 2 else 0.15, hue))
        return out
    rounds = (0.68, 0.84, 0.5)
    for c in range(n):
        rnd = c // len(GROUP_HUES)
        out.append(_oklch_hex(rounds[rnd % 3], 0.14,
                              GROUP_HUES[c % len(GROUP_HUES)] + 7 * (rnd // 3)))
    return out


def _ranks_in_order(values: Sequence[str]) -> tuple[list[int], list[str]]:
    distinct = list(dict.fromkeys(values))
    pos = {v: k for k, v in enumerate(distinct)}
    return [pos[v] for v in values], distinct


# -- concept colours -------------------------------------------------------------------------
#: One colour per concept (MEME): eight deep OKLCH colours (L 0.45, C 0.11) and six pastels
#: (L 0.88, C 0.07), chosen greedily to be far from every Tableau 10 class colour and the
#: uncertain grey (CIE76 distance >= 20) and from each other (>= 20), so a concept never reads
#: as a class. The same list is js/src/lib/colormap.ts CONCEPT_PALETTE.
CONCEPT_PALETTE = ("#5d5804", "#036548", "#5f4589", "#873741", "#7e4502", "#03606d",
                   "#39621c", "#7e3963", "#deceff", "#d1dfab", "#fbcdaa", "#a6e2fb",
                   "#ffc5d5", "#ace7cc")


def concept_palette(k: int) -> list[str]:
    """The colours of ``k`` concepts, concept ``j`` always ``CONCEPT_PALETTE[j % 14]``."""
    return [CONCEPT_PALETTE[j % len(CONCEPT_PALETTE)] for j in range(int(k))]
