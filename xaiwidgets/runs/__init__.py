"""Explain whole datasets: resumable jobs on Dask distributed, results in Zarr, read lazily.

:func:`explain_dataset` runs a list of :class:`~xaiwidgets.runs.steps.Step` (attributions and
metrics, activations, fitted estimators' outputs) on every shard of a dataset and writes the
results into a Zarr v3 store; :func:`open_run` gives them back as the result types, backed by
the store's arrays. See ``docs/runs.md``.

The names are imported on first use (PEP 562), so that a worker unpickling a task imports only
the modules its steps need (the estimator steps pull in every method's package).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
    from .memory import in_memory_run
    from .run import Run, open_run
    from .source import Source, as_source
    from .steps import Activations, AttributionStep, FeatureStep, Step
    from .store import FingerprintMismatch, StoreLocked

__all__ = ["ActivationColumns", "Activations", "AttributionStep", "ConceptStep", "ConceptTreeStep",
           "FeatureStep", "FingerprintMismatch", "InputColumns", "JobReport", "LabelColumns",
           "MaskStep", "MemeStep", "PredictionColumns", "RedescriptionStep", "Run", "SENNStep",
           "SelectionDescription", "Source", "Step", "StoreLocked", "as_source",
           "describe_selection", "explain_dataset", "fit_from_store", "fit_sampled",
           "fit_streaming", "in_memory_run", "open_run"]

#: module of each public name (imported on first use)
_HOME: dict[str, str] = {
    **dict.fromkeys(["SelectionDescription", "describe_selection"], ".describe"),
    **dict.fromkeys(["ActivationColumns", "ConceptStep", "ConceptTreeStep", "InputColumns",
                     "LabelColumns", "MaskStep", "MemeStep", "PredictionColumns",
                     "RedescriptionStep", "SENNStep"], ".estimator_steps"),
    **dict.fromkeys(["fit_from_store", "fit_sampled", "fit_streaming"], ".fit"),
    **dict.fromkeys(["JobReport", "explain_dataset"], ".job"),
    **dict.fromkeys(["in_memory_run"], ".memory"),
    **dict.fromkeys(["Run", "open_run"], ".run"),
    **dict.fromkeys(["Source", "as_source"], ".source"),
    **dict.fromkeys(["Activations", "AttributionStep", "FeatureStep", "Step"], ".steps"),
    **dict.fromkeys(["FingerprintMismatch", "StoreLocked"], ".store"),
}


def __getattr__(name: str) -> object:
    if name in _HOME:
        value = getattr(importlib.import_module(_HOME[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'xaiwidgets.runs' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
