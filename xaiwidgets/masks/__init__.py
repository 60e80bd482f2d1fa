"""Explanatory masks (Phillips, Goh & Hodas 2019, arXiv 1911.06876): a generator trained to keep
a frozen model's prediction with the smallest mask, explaining in one forward pass.

``generators`` holds the default networks, ``objective`` the loss, ``explainer`` the estimator
and ``report`` the quality reports and the size trade-off sweep.
"""

from .._core.modality import Masker
from ..metrics.faithfulness import hard_mask_preservation
from .explainer import MaskExplainer
from .generators import ImageMaskGenerator, SequenceMaskGenerator, TabularMaskGenerator
from .objective import MaskObjective, sample_concrete, spend_budget
from .report import MaskReport, TradeoffCurve, size_tradeoff

__all__ = [
    "ImageMaskGenerator",
    "MaskExplainer",
    "MaskObjective",
    "MaskReport",
    "Masker",
    "SequenceMaskGenerator",
    "TabularMaskGenerator",
    "TradeoffCurve",
    "hard_mask_preservation",
    "sample_concrete",
    "size_tradeoff",
    "spend_budget",
]
