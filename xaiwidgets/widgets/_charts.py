"""Static SVG charts of results (no plotting library): they display themselves in notebooks
(``_repr_html_``) and ``str()`` is the markup, e.g. for ``view.to_html(path, appendix=...)``.

Text and axes use ``currentColor``, so a chart reads in light and dark themes; text from data is
escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._core.validation import check_int, check_number, describe
from ..concepts import tree as _tree
from ..concepts.tree import ConceptTree, ConceptTreeReport

__all__ = ["InterventionChart", "intervention_svg"]


class InterventionChart:
    """A concept tree's accuracy against the fraction of concepts corrected, beside the model's
    own accuracy: a static SVG view of a :class:`~xaiwidgets.ConceptTreeReport`.

    One point per number of corrected concepts (most important first, the report's
    ``intervention_order``), named by the concept corrected last; the model's accuracy as a
    dashed line; with ``budget`` a vertical line there.

    Parameters
    ----------
    report : ConceptTreeReport
        From :meth:`ConceptTree.evaluate` with ``y_true`` and ``true_concepts`` (the curve
        needs both).
    title : str, optional
    budget : float, optional
        A fraction of the concepts (e.g. 0.3) marked by a vertical line.
    width, height : int, default 600, 300
        Size in pixels.

    Attributes
    ----------
    svg : str
        The markup.
    """

    def __init__(self, report: ConceptTreeReport, *, title: str | None = None,
                 budget: float | None = None, width: int = 600, height: int = 300) -> None:
        if not isinstance(report, ConceptTreeReport):
            raise TypeError(f"argument 'report': expected a ConceptTreeReport "
                            f"(ConceptTree.evaluate(...)), got {describe(report)}")
        if budget is not None:
            check_number(budget, "budget", low=0.0, high=1.0)
        check_int(width, "width", low=120)
        check_int(height, "height", low=120)
        if report.intervention_accuracy is None or report.model_accuracy is None:
            raise ValueError("InterventionChart needs the accuracies: call evaluate() with "
                             "y_true and true_concepts")
        self.report = report
        self.svg = intervention_svg(report, title, budget, int(width), int(height))

    @classmethod
    def from_estimator(cls, tree: ConceptTree, concepts: Mapping[str, Any], y_pred: Any, *,
                       y_true: Any, true_concepts: Mapping[str, Any],
                       **options: Any) -> InterventionChart:
        """The chart of ``tree.evaluate(concepts, y_pred, y_true=..., true_concepts=...)``;
        ``options`` are the chart's (``title``, ``budget``, ``width``, ``height``)."""
        if not isinstance(tree, ConceptTree):
            raise TypeError(f"argument 'tree': expected a fitted ConceptTree, got "
                            f"{describe(tree)}")
        return cls(tree.evaluate(concepts, y_pred, y_true=y_true, true_concepts=true_concepts),
                   **options)

    def __str__(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:
        return self.svg


_CURVE_COLOR = "#2f6fe4"  # the tree views' path blue
_MODEL_COLOR = "#d97e38"  # the first class colour (orange)


def intervention_svg(r: ConceptTreeReport, title: str | None = None,
                     budget: float | None = None, width: int = 600, height: int = 300) -> str:
    """The SVG markup of :class:`InterventionChart` (arguments checked there)."""
    acc = np.asarray(r.intervention_accuracy, dtype=np.float64)
    k = len(acc) - 1
    frac = np.arange(k + 1) / max(k, 1)
    model = float(r.model_accuracy or 0.0)
    lo = min(acc.min(), model)
    hi = max(acc.max(), model)
    pad = max(0.02, 0.08 * (hi - lo))
    lo, hi = max(0.0, lo - pad), min(1.0, hi + pad)
    step = next(s for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25) if (hi - lo) / s <= 6)
    lo, hi = np.floor(lo / step) * step, np.ceil(hi / step) * step
    ml, mr, mt, mb = 52, 24, 48, 62
    pw, ph = width - ml - mr, height - mt - mb

    def px(f: float) -> float:
        return ml + f * pw

    def py(a: float) -> float:
        return mt + (hi - a) / (hi - lo) * ph

    out = [f"<svg xmlns='http://www.w3.org/2000/svg' class='xai-intervention' width='{width}' "
           f"height='{height}' viewBox='0 0 {width} {height}' role='img' style='color:inherit;"
           "font-family:system-ui,sans-serif;font-size:12px'>"]
    label = title or "Accuracy when concepts are corrected"
    out.append(f"<title>{html.escape(label)}</title>")
    out.append(f"<text x='{ml}' y='16' fill='currentColor' font-weight='600'>"
               f"{html.escape(label)}</text>")
    for t in np.arange(lo, hi + step / 2, step):
        y = py(t)
        out.append(f"<line x1='{ml}' x2='{ml + pw}' y1='{y:.1f}' y2='{y:.1f}' "
                   "stroke='currentColor' stroke-opacity='0.15'/>")
        out.append(f"<text x='{ml - 6}' y='{y + 4:.1f}' text-anchor='end' fill='currentColor'>"
                   f"{100 * t:.0f}%</text>")
    for i, f in enumerate(frac):
        x = px(f)
        out.append(f"<text x='{x:.1f}' y='{mt + ph + 16}' text-anchor='middle' "
                   f"fill='currentColor'>{100 * f:.0f}%</text>")
        if i:
            name = html.escape(r.intervention_order[i - 1])
            out.append(f"<text x='{x:.1f}' y='{mt + ph + 30}' text-anchor='middle' "
                       f"fill='currentColor' fill-opacity='0.7' font-size='11'>+{name}</text>")
    out.append(f"<text x='{ml + pw / 2:.1f}' y='{height - 8}' text-anchor='middle' "
               "fill='currentColor'>concepts given their true values (most important first)"
               "</text>")
    out.append(f"<line x1='{ml}' x2='{ml}' y1='{mt}' y2='{mt + ph}' stroke='currentColor' "
               "stroke-opacity='0.5'/>")
    if budget is not None:
        xb = px(budget)
        out.append(f"<line x1='{xb:.1f}' x2='{xb:.1f}' y1='{mt}' y2='{mt + ph}' "
                   "stroke='currentColor' stroke-opacity='0.6' stroke-dasharray='2 3'/>")
        out.append(f"<text x='{xb + 4:.1f}' y='{mt + 12}' fill='currentColor' "
                   f"fill-opacity='0.8' font-size='11'>{100 * budget:.0f}% of the concepts</text>")
    ym = py(model)
    out.append(f"<line x1='{ml}' x2='{ml + pw}' y1='{ym:.1f}' y2='{ym:.1f}' "
               f"stroke='{_MODEL_COLOR}' stroke-width='2' stroke-dasharray='6 4'/>")
    pts = " ".join(f"{px(f):.1f},{py(a):.1f}" for f, a in zip(frac, acc, strict=True))
    out.append(f"<polyline points='{pts}' fill='none' stroke='{_CURVE_COLOR}' "
               "stroke-width='2.5'/>")
    for f, a in zip(frac, acc, strict=True):
        out.append(f"<circle cx='{px(f):.1f}' cy='{py(a):.1f}' r='3.5' fill='{_CURVE_COLOR}'>"
                   f"<title>{100 * f:.0f}% of the concepts corrected: {100 * a:.1f}%</title>"
                   "</circle>")
    ly = 34
    out.append(f"<line x1='{ml}' x2='{ml + 22}' y1='{ly - 4}' y2='{ly - 4}' "
               f"stroke='{_CURVE_COLOR}' stroke-width='2.5'/>")
    out.append(f"<text x='{ml + 28}' y='{ly}' fill='currentColor'>concept tree</text>")
    lx = ml + 130
    out.append(f"<line x1='{lx}' x2='{lx + 22}' y1='{ly - 4}' y2='{ly - 4}' "
               f"stroke='{_MODEL_COLOR}' stroke-width='2' stroke-dasharray='6 4'/>")
    out.append(f"<text x='{lx + 28}' y='{ly}' fill='currentColor'>the model itself "
               f"({100 * model:.1f}%)</text>")
    out.append("</svg>")
    return "".join(out)


# ConceptTreeReport.intervention_chart() and concepts.tree.InterventionChart, deprecated this
# release, find the chart here (computation never imports widgets).
_tree._VIEWS["InterventionChart"] = InterventionChart
