"""MaskResult: everything the mask view shows, as data (see :meth:`MaskExplainer.explain`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._core.results import Result
from .._core.validation import describe
from .report import MaskReport, TradeoffCurve

__all__ = ["MaskResult"]


@dataclass
class MaskResult(Result):
    """Explanatory masks on a set of inputs: the comparison with other methods, the mask
    quality report and, optionally, the size trade-off curve.

    Built by :meth:`MaskExplainer.explain`; drawn by :class:`xaiwidgets.MaskView` with nothing
    left to compute. Rows (first axis = sample): the comparison's rows, the report's rows and
    the SMILES strings; ``result[i:j]`` is the result on those inputs. The trade-off curve is
    per dataset (one entry per swept value), kept as it is when rows are taken.

    Attributes
    ----------
    comparison : AttributionResult
        The mask (the method labelled ``label``) and the other methods on the same inputs and
        targets, with their metrics (from :func:`xaiwidgets.compare_attributions`).
    report : MaskReport
        The mask quality per sample (size, predictions kept by the soft and hard masks).
    label : str
        The mask's method label in ``comparison``.
    tradeoff : TradeoffCurve or None
        Mask size against predictions kept over a sweep (:func:`xaiwidgets.size_tradeoff`).
    smiles : ndarray of str, shape (N,), or None
        Token-id SMILES inputs: each sample's molecule (the view draws it, atoms coloured).
    """

    _rows: ClassVar[tuple[str, ...]] = ("comparison", "report", "smiles")

    comparison: Any
    report: MaskReport
    label: str = "Explanatory mask"
    tradeoff: TradeoffCurve | None = None
    smiles: np.ndarray | None = None

    def __post_init__(self) -> None:
        # the comparison's type lives in the attributions package, which this method package
        # does not import (no sibling imports): it is checked by what it holds
        methods = getattr(self.comparison, "methods", None)
        if not isinstance(self.comparison, Result) or not isinstance(methods, list):
            raise TypeError("MaskResult: argument 'comparison': expected an AttributionResult "
                            "(from xaiwidgets.compare_attributions), got "
                            f"{describe(self.comparison)}")
        if self.label not in methods:
            raise ValueError(f"MaskResult: argument 'label': the mask's label {self.label!r} is "
                             f"not among the comparison's methods {methods}")
        if not isinstance(self.report, MaskReport):
            raise TypeError("MaskResult: argument 'report': expected a MaskReport (from "
                            f"MaskExplainer.evaluate), got {describe(self.report)}")
        if self.tradeoff is not None and not isinstance(self.tradeoff, TradeoffCurve):
            raise TypeError("MaskResult: argument 'tradeoff': expected a TradeoffCurve from "
                            f"xw.size_tradeoff(...) or None, got {describe(self.tradeoff)}")
        if self.smiles is not None:
            if not hasattr(self.smiles, "dtype"):
                self.smiles = np.asarray([str(v) for v in self.smiles], dtype=str)
            if self.smiles.dtype.kind != "U" or len(self.smiles.shape) != 1:
                raise TypeError("MaskResult: argument 'smiles': expected one SMILES string per "
                                f"sample, got {describe(self.smiles)}")
        if len(self.report) != len(self.comparison):
            raise ValueError(f"MaskResult: the report has {len(self.report)} samples and the "
                             f"comparison {len(self.comparison)}; expected the same inputs")
        self.check_rows()

    @property
    def mask(self) -> np.ndarray:
        """The mask's values as the comparison holds them (shaped like the inputs)."""
        return self.comparison.attributions[self.label]
