"""Explanation-quality metrics for any explainer (like ``captum.metrics``): faithfulness
(deletion, insertion, hard-mask preservation), robustness (infidelity, max-sensitivity) and
fidelity of extracted models (agreement, concept accuracy, mis-prediction overlap); stability
(local Lipschitz estimates) and probability-drop faithfulness for any explainer.

The metrics :func:`xaiwidgets.compare_attributions` scores by are listed, one entry each, in
:data:`xaiwidgets.metrics.registry.REGISTRY`. Public functions validate their arguments and
call private workers (as Captum's ``attribute`` calls ``_attribute``), which
``compare_attributions`` calls directly after validating once."""

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
