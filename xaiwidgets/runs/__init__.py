"""Explain whole datasets: resumable jobs on Dask distributed, results in Zarr, read lazily.

:func:`explain_dataset` runs a list of :class:`~xaiwidgets.runs.steps.Step` (attributions and
metrics, activations, fitted estimators' outputs) on every shard of a dataset and writes the
results into a Zarr v3 store; :func:`open_run` gives them back as the result types, backed by
the store's arrays. See ``docs/runs.md``.
"""

from .describe import SelectionDescription, describe_selection
from .estimator_steps import (
    ActivationColumns,
    ConceptStep,
    ConceptTreeStep,
    InputColumns,
    LabelColumns,
    MaskStep,
    MemeStep,
    PredictionColumns,
    RedescriptionStep,
    SENNStep,
)
from .fit import fit_from_store, fit_sampled, fit_streaming
from .job import JobReport, explain_dataset
from .run import Run, open_run
from .source import Source, as_source
from .steps import Activations, AttributionStep, FeatureStep, Step
from .store import FingerprintMismatch, StoreLocked

__all__ = ["ActivationColumns", "Activations", "AttributionStep", "ConceptStep", "ConceptTreeStep",
           "FeatureStep", "FingerprintMismatch", "InputColumns", "JobReport", "LabelColumns",
           "MaskStep", "MemeStep", "PredictionColumns", "RedescriptionStep", "Run", "SENNStep",
           "SelectionDescription", "Source", "Step", "StoreLocked", "as_source",
           "describe_selection", "explain_dataset", "fit_from_store", "fit_sampled",
           "fit_streaming", "open_run"]
