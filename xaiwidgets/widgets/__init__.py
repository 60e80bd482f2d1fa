"""Widgets: views built from estimators and explainers."""

from .comparison import AttributionComparison

__all__ = ["AttributionComparison"]
