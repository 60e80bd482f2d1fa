"""The named Captum methods and the explainer adapter, at their public path.

They live in :mod:`xaiwidgets._core.explainers` (shared with metrics and SENN); this module keeps
``from xaiwidgets.attributions.methods import METHODS, resolve_methods`` working.
"""

from .._core.explainers import (
    LAYER_METHODS,
    METHODS,
    Method,
    check_explained_targets,
    resolve_methods,
)

__all__ = ["LAYER_METHODS", "METHODS", "Method", "check_explained_targets", "resolve_methods"]
