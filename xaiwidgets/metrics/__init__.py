"""Explanation-quality metrics for any explainer (like ``captum.metrics``): faithfulness
(deletion, insertion, hard-mask preservation), robustness (infidelity, max-sensitivity) and
fidelity of extracted models (agreement, concept accuracy, mis-prediction overlap); stability
(local Lipschitz estimates) and probability-drop faithfulness for any explainer."""

from .faithfulness import (
    deletion_curve,
    faithfulness_correlation,
    hard_mask_preservation,
    insertion_curve,
    location_ranks,
    topk_mask,
)
from .fidelity import concept_accuracy, fidelity, mispredicted_concepts, mpo_curve
from .robustness import infidelity, local_lipschitz, sensitivity
from .stats import MetricSummary, bootstrap_interval, summarize

__all__ = [
    "MetricSummary",
    "bootstrap_interval",
    "concept_accuracy",
    "deletion_curve",
    "faithfulness_correlation",
    "fidelity",
    "hard_mask_preservation",
    "infidelity",
    "insertion_curve",
    "local_lipschitz",
    "location_ranks",
    "mispredicted_concepts",
    "mpo_curve",
    "sensitivity",
    "summarize",
    "topk_mask",
]
