"""xaiwidgets: Jupyter-native widgets for explaining PyTorch models.

The curated public API: estimators and explainers (computation), their result types, the
widgets that show them (views), metrics for any explainer, model safety, and the loaders of the
bundled datasets.
"""

from ._core.estimator import XaiEstimator
from ._core.modality import Masker
from ._core.probe import ModelProbe, preserved_model
from ._core.results import Result, open_result
from ._core.task import Task, infer_task
from ._version import __version__
from .attributions import AttributionResult, compare_attributions
from .concepts import ConceptExtractor, ConceptTree, ConceptTreeReport, NodeStatistics
from .datasets import (
    load_breast_cancer,
    load_compas,
    load_digits,
    load_icu_sepsis,
    load_mnist,
    load_occupancy,
    load_rotten_tomatoes,
    load_solubility,
    load_sprites,
    tokenize_smiles,
    tokenize_words,
)
from .masks import MaskExplainer, MaskReport, TradeoffCurve, size_tradeoff
from .meme import MEME, MemeScores, MemeTrace, SequenceExplanation
from .meme import sweep as meme_sweep
from .metrics import (
    deletion_curve,
    faithfulness_correlation,
    hard_mask_preservation,
    infidelity,
    insertion_curve,
    local_lipschitz,
    sensitivity,
)
from .redescriptions import (
    RedescriptionMiner,
    RedescriptionResult,
    RuleSet,
    View,
    activation_view,
    as_view,
    prediction_view,
)
from .senn import SENN, SENNExplanation, SENNHistory, fit_senn
from .widgets import AttributionComparison, ConceptTreeWidget, MaskHeatmap
from .widgets._traits import PayloadTooLargeWarning
from .widgets.redescriptions import RedescriptionTable
from .widgets.relevance import SENNView
from .widgets.timeline import ConceptTimeline

__all__ = [
    "MEME",
    "SENN",
    "AttributionComparison",
    "AttributionResult",
    "ConceptExtractor",
    "ConceptTimeline",
    "ConceptTree",
    "ConceptTreeReport",
    "ConceptTreeWidget",
    "MaskExplainer",
    "MaskHeatmap",
    "MaskReport",
    "Masker",
    "MemeScores",
    "MemeTrace",
    "ModelProbe",
    "NodeStatistics",
    "PayloadTooLargeWarning",
    "RedescriptionMiner",
    "RedescriptionResult",
    "RedescriptionTable",
    "Result",
    "RuleSet",
    "SENNExplanation",
    "SENNHistory",
    "SENNView",
    "SequenceExplanation",
    "Task",
    "TradeoffCurve",
    "View",
    "XaiEstimator",
    "__version__",
    "activation_view",
    "as_view",
    "compare_attributions",
    "deletion_curve",
    "faithfulness_correlation",
    "fit_senn",
    "hard_mask_preservation",
    "infer_task",
    "infidelity",
    "insertion_curve",
    "load_breast_cancer",
    "load_compas",
    "load_digits",
    "load_icu_sepsis",
    "load_mnist",
    "load_occupancy",
    "load_rotten_tomatoes",
    "load_solubility",
    "load_sprites",
    "local_lipschitz",
    "meme_sweep",
    "open_result",
    "prediction_view",
    "preserved_model",
    "sensitivity",
    "size_tradeoff",
    "tokenize_smiles",
    "tokenize_words",
]
