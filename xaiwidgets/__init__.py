"""xaiwidgets: Jupyter-native widgets for explaining PyTorch models."""

from ._probe import ModelProbe, preserved_model
from ._wire import PayloadTooLargeWarning
from .compare import AttributionResult, compare_attributions
from .widgets import AttributionComparison

__version__ = "0.1.0"

__all__ = [
    "AttributionComparison",
    "AttributionResult",
    "ModelProbe",
    "PayloadTooLargeWarning",
    "compare_attributions",
    "preserved_model",
]
