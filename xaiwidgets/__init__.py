"""xaiwidgets: Jupyter-native widgets for explaining PyTorch models."""

from ._probe import ModelProbe, preserved_model
from ._wire import PayloadTooLargeWarning
from .compare import AttributionResult, compare_attributions
from .concepts import ConceptExtractor, ConceptTree, ConceptTreeReport
from .masks import MaskExplainer, size_tradeoff
from .widgets import AttributionComparison, ConceptTreeWidget, MaskHeatmap

__version__ = "0.1.0"

__all__ = [
    "AttributionComparison",
    "AttributionResult",
    "ConceptExtractor",
    "ConceptTree",
    "ConceptTreeReport",
    "ConceptTreeWidget",
    "MaskExplainer",
    "MaskHeatmap",
    "ModelProbe",
    "PayloadTooLargeWarning",
    "compare_attributions",
    "preserved_model",
    "size_tradeoff",
]
