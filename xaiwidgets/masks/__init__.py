"""Explanatory masks (Phillips, Goh & Hodas 2019, arXiv 1911.06876): a generator trained to keep
a frozen model's prediction with the smallest mask, explaining in one forward pass.

``generators`` holds the default networks, ``objective`` the loss, ``explainer`` the estimator,
``report`` the quality reports and the size trade-off sweep, ``result`` the mask result.
"""

from .._core.modality import Masker
from ..metrics.faithfulness import hard_mask_preservation
from .explainer import DEFAULT_BASELINES, MaskExplainer
from .generators import ImageMaskGenerator, SequenceMaskGenerator, TabularMaskGenerator
from .objective import MaskObjective, sample_concrete, spend_budget
from .report import MaskReport, TradeoffCurve, size_tradeoff
from .result import MaskResult

__all__ = [
    "DEFAULT_BASELINES",
    "ImageMaskGenerator",
    "MaskExplainer",
    "MaskObjective",
    "MaskReport",
    "MaskResult",
    "Masker",
    "SequenceMaskGenerator",
    "TabularMaskGenerator",
    "TradeoffCurve",
    "hard_mask_preservation",
    "sample_concrete",
    "size_tradeoff",
    "spend_budget",
]
