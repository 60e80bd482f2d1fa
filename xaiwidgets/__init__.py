"""xaiwidgets: Jupyter-native widgets for explaining PyTorch models.

The curated public API: estimators and explainers (computation), their result types, the
widgets that show them (views), metrics for any explainer, model safety, and the loaders of the
bundled datasets.
"""

from ._core.estimator import XaiEstimator
from ._core.modality import Masker
from ._core.probe import ModelProbe, preserved_model
from ._core.task import Task, infer_task
from ._version import __version__
from .attributions import AttributionResult, compare_attributions
from .concepts import ConceptExtractor, ConceptTree, ConceptTreeReport, NodeStatistics
from .datasets import (
    load_digits,
    load_mnist,
    load_rotten_tomatoes,
    load_solubility,
    load_sprites,
    tokenize_smiles,
    tokenize_words,
)
from .masks import MaskExplainer, MaskReport, TradeoffCurve, size_tradeoff
from .metrics import (
    deletion_curve,
    hard_mask_preservation,
    infidelity,
    insertion_curve,
    sensitivity,
)
from .widgets import AttributionComparison, ConceptTreeWidget, MaskHeatmap
from .widgets._traits import PayloadTooLargeWarning

__all__ = [
    "AttributionComparison",
    "AttributionResult",
    "ConceptExtractor",
    "ConceptTree",
    "ConceptTreeReport",
    "ConceptTreeWidget",
    "MaskExplainer",
    "MaskHeatmap",
    "MaskReport",
    "Masker",
    "ModelProbe",
    "NodeStatistics",
    "PayloadTooLargeWarning",
    "Task",
    "TradeoffCurve",
    "XaiEstimator",
    "__version__",
    "compare_attributions",
    "deletion_curve",
    "hard_mask_preservation",
    "infer_task",
    "infidelity",
    "insertion_curve",
    "load_digits",
    "load_mnist",
    "load_rotten_tomatoes",
    "load_solubility",
    "load_sprites",
    "preserved_model",
    "sensitivity",
    "size_tradeoff",
    "tokenize_smiles",
    "tokenize_words",
]
