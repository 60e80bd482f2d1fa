"""Explanation-quality metrics for any explainer (like ``captum.metrics``): faithfulness
(deletion, insertion, hard-mask preservation), robustness (infidelity, max-sensitivity) and
fidelity of extracted models (agreement, concept accuracy, mis-prediction overlap)."""

from .faithfulness import (
    deletion_curve,
    hard_mask_preservation,
    insertion_curve,
    location_ranks,
    topk_mask,
)
from .fidelity import concept_accuracy, fidelity, mispredicted_concepts, mpo_curve
from .robustness import infidelity, sensitivity
from .stats import MetricSummary, bootstrap_interval, summarize

__all__ = [
    "MetricSummary",
    "bootstrap_interval",
    "concept_accuracy",
    "deletion_curve",
    "fidelity",
    "hard_mask_preservation",
    "infidelity",
    "insertion_curve",
    "location_ranks",
    "mispredicted_concepts",
    "mpo_curve",
    "sensitivity",
    "summarize",
    "topk_mask",
]
