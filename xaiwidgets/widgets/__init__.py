"""Widgets: views built from estimators and explainers."""

from .comparison import AttributionComparison
from .masks import MaskHeatmap
from .tree import ConceptTreeWidget

__all__ = ["AttributionComparison", "ConceptTreeWidget", "MaskHeatmap"]
