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
from .concepts import (
    ConceptExtractor,
    ConceptTree,
    ConceptTreeReport,
    ConceptTreeResult,
    NodeStatistics,
)
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
from .masks import MaskExplainer, MaskReport, MaskResult, TradeoffCurve, size_tradeoff
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
    AttributeTable,
    RedescriptionMiner,
    RedescriptionResult,
    RuleSet,
    activation_table,
    as_table,
    prediction_table,
)
from .runs import (
    JobReport,
    Run,
    SelectionDescription,
    describe_selection,
    explain_dataset,
    open_run,
)
from .senn import SENN, SENNExplanation, SENNHistory, fit_senn
from .widgets import (
    ComparisonView,
    ConceptTreeView,
    DatasetOverview,
    InterventionChart,
    MaskView,
    RedescriptionView,
    SENNView,
    TimelineView,
)
from .widgets._traits import PayloadTooLargeWarning

__all__ = [
    "MEME",
    "SENN",
    "AttributeTable",
    "AttributionResult",
    "ComparisonView",
    "ConceptExtractor",
    "ConceptTree",
    "ConceptTreeReport",
    "ConceptTreeResult",
    "ConceptTreeView",
    "DatasetOverview",
    "InterventionChart",
    "JobReport",
    "MaskExplainer",
    "MaskReport",
    "MaskResult",
    "MaskView",
    "Masker",
    "MemeScores",
    "MemeTrace",
    "ModelProbe",
    "NodeStatistics",
    "PayloadTooLargeWarning",
    "RedescriptionMiner",
    "RedescriptionResult",
    "RedescriptionView",
    "Result",
    "RuleSet",
    "Run",
    "SENNExplanation",
    "SENNHistory",
    "SENNView",
    "SelectionDescription",
    "SequenceExplanation",
    "Task",
    "TimelineView",
    "TradeoffCurve",
    "XaiEstimator",
    "__version__",
    "activation_table",
    "as_table",
    "compare_attributions",
    "deletion_curve",
    "describe_selection",
    "explain_dataset",
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
    "open_run",
    "prediction_table",
    "preserved_model",
    "sensitivity",
    "size_tradeoff",
    "tokenize_smiles",
    "tokenize_words",
]


# Names of the previous release, kept for one release (FutureWarning on use).
_DEPRECATED = {
    "AttributionComparison": "ComparisonView",
    "MaskHeatmap": "MaskView",
    "ConceptTreeWidget": "ConceptTreeView",
    "ConceptTimeline": "TimelineView",
    "RedescriptionTable": "RedescriptionView",
    "View": "AttributeTable",
    "activation_view": "activation_table",
    "prediction_view": "prediction_table",
    "as_view": "as_table",
}


def __getattr__(name: str) -> object:
    if name in _DEPRECATED:
        import warnings

        new = _DEPRECATED[name]
        warnings.warn(f"xaiwidgets.{name} is deprecated and will be removed in the next release; "
                      f"use xaiwidgets.{new}", FutureWarning, stacklevel=2)
        return globals()[new]
    raise AttributeError(f"module 'xaiwidgets' has no attribute {name!r}")
