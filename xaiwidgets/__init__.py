"""xaiwidgets: Jupyter-native widgets for explaining PyTorch models.

The curated public API: estimators and explainers (computation), their result types, the
widgets that show them (views), metrics for any explainer, model safety, and the loaders of the
bundled datasets.

Every name is imported on first use (PEP 562 ``__getattr__``): ``import xaiwidgets`` is cheap, and
a Dask worker that unpickles a dataset job's task (``xaiwidgets.runs.job``) imports neither the
widgets (ipywidgets, anywidget) nor pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._version import __version__

if TYPE_CHECKING:  # the names' homes, for type checkers and IDEs; at run time see _HOME
    from ._core.estimator import XaiEstimator
    from ._core.modality import Masker
    from ._core.probe import ModelProbe, preserved_model
    from ._core.results import Result, open_result
    from ._core.task import Task, infer_task
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
    from .widgets.link import Link, link

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
    "Link",
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
    "link",
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

#: public name -> (module, name there); imported on first use by __getattr__
_HOME: dict[str, tuple[str, str]] = {
    "XaiEstimator": ("._core.estimator", "XaiEstimator"),
    "Masker": ("._core.modality", "Masker"),
    "ModelProbe": ("._core.probe", "ModelProbe"),
    "preserved_model": ("._core.probe", "preserved_model"),
    "Result": ("._core.results", "Result"),
    "open_result": ("._core.results", "open_result"),
    "Task": ("._core.task", "Task"),
    "infer_task": ("._core.task", "infer_task"),
    "AttributionResult": (".attributions", "AttributionResult"),
    "compare_attributions": (".attributions", "compare_attributions"),
    "ConceptExtractor": (".concepts", "ConceptExtractor"),
    "ConceptTree": (".concepts", "ConceptTree"),
    "ConceptTreeReport": (".concepts", "ConceptTreeReport"),
    "ConceptTreeResult": (".concepts", "ConceptTreeResult"),
    "NodeStatistics": (".concepts", "NodeStatistics"),
    "load_breast_cancer": (".datasets", "load_breast_cancer"),
    "load_compas": (".datasets", "load_compas"),
    "load_digits": (".datasets", "load_digits"),
    "load_icu_sepsis": (".datasets", "load_icu_sepsis"),
    "load_mnist": (".datasets", "load_mnist"),
    "load_occupancy": (".datasets", "load_occupancy"),
    "load_rotten_tomatoes": (".datasets", "load_rotten_tomatoes"),
    "load_solubility": (".datasets", "load_solubility"),
    "load_sprites": (".datasets", "load_sprites"),
    "tokenize_smiles": (".datasets", "tokenize_smiles"),
    "tokenize_words": (".datasets", "tokenize_words"),
    "MaskExplainer": (".masks", "MaskExplainer"),
    "MaskReport": (".masks", "MaskReport"),
    "MaskResult": (".masks", "MaskResult"),
    "TradeoffCurve": (".masks", "TradeoffCurve"),
    "size_tradeoff": (".masks", "size_tradeoff"),
    "MEME": (".meme", "MEME"),
    "MemeScores": (".meme", "MemeScores"),
    "MemeTrace": (".meme", "MemeTrace"),
    "SequenceExplanation": (".meme", "SequenceExplanation"),
    "meme_sweep": (".meme", "sweep"),
    "deletion_curve": (".metrics", "deletion_curve"),
    "faithfulness_correlation": (".metrics", "faithfulness_correlation"),
    "hard_mask_preservation": (".metrics", "hard_mask_preservation"),
    "infidelity": (".metrics", "infidelity"),
    "insertion_curve": (".metrics", "insertion_curve"),
    "local_lipschitz": (".metrics", "local_lipschitz"),
    "sensitivity": (".metrics", "sensitivity"),
    "AttributeTable": (".redescriptions", "AttributeTable"),
    "RedescriptionMiner": (".redescriptions", "RedescriptionMiner"),
    "RedescriptionResult": (".redescriptions", "RedescriptionResult"),
    "RuleSet": (".redescriptions", "RuleSet"),
    "activation_table": (".redescriptions", "activation_table"),
    "as_table": (".redescriptions", "as_table"),
    "prediction_table": (".redescriptions", "prediction_table"),
    "JobReport": (".runs", "JobReport"),
    "Run": (".runs", "Run"),
    "SelectionDescription": (".runs", "SelectionDescription"),
    "describe_selection": (".runs", "describe_selection"),
    "explain_dataset": (".runs", "explain_dataset"),
    "open_run": (".runs", "open_run"),
    "SENN": (".senn", "SENN"),
    "SENNExplanation": (".senn", "SENNExplanation"),
    "SENNHistory": (".senn", "SENNHistory"),
    "fit_senn": (".senn", "fit_senn"),
    "ComparisonView": (".widgets", "ComparisonView"),
    "ConceptTreeView": (".widgets", "ConceptTreeView"),
    "DatasetOverview": (".widgets", "DatasetOverview"),
    "InterventionChart": (".widgets", "InterventionChart"),
    "MaskView": (".widgets", "MaskView"),
    "RedescriptionView": (".widgets", "RedescriptionView"),
    "SENNView": (".widgets", "SENNView"),
    "TimelineView": (".widgets", "TimelineView"),
    "PayloadTooLargeWarning": (".widgets._traits", "PayloadTooLargeWarning"),
    "Link": (".widgets.link", "Link"),
    "link": (".widgets.link", "link"),
}

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
    if name in _HOME:
        module, attr = _HOME[name]
        value = getattr(importlib.import_module(module, __name__), attr)
        globals()[name] = value  # once imported, a plain module attribute
        return value
    if name in _DEPRECATED:
        import warnings

        new = _DEPRECATED[name]
        warnings.warn(f"xaiwidgets.{name} is deprecated and will be removed in the next release; "
                      f"use xaiwidgets.{new}", FutureWarning, stacklevel=2)
        return __getattr__(new)
    if name in _SUBPACKAGES:  # xw.metrics, xw.widgets ... as before, when imported eagerly
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'xaiwidgets' has no attribute {name!r}")


#: subpackages reachable as attributes without their own import (they were, when every name
#: was imported eagerly)
_SUBPACKAGES = frozenset({"attributions", "concepts", "datasets", "masks", "meme", "metrics",
                          "redescriptions", "runs", "senn", "widgets"})


def __dir__() -> list[str]:
    """Tab completion: the public names, imported or not."""
    return sorted(set(globals()) | set(__all__) | _SUBPACKAGES)
