"""Captum attribution methods side by side: named methods with documented defaults, and
:func:`compare_attributions`, which runs them (and any Captum-style explainer) on the same
inputs and scores them with :mod:`xaiwidgets.metrics`."""

from .._core.explainers import LAYER_METHODS, METHOD_OPTIONS, METHODS, Method, resolve_methods
from .compare import (
    DEFAULT_METHODS,
    METRICS,
    AttributionResult,
    compare_attributions,
    metric_info,
)

__all__ = [
    "DEFAULT_METHODS",
    "LAYER_METHODS",
    "METHODS",
    "METHOD_OPTIONS",
    "METRICS",
    "AttributionResult",
    "Method",
    "compare_attributions",
    "metric_info",
    "resolve_methods",
]
