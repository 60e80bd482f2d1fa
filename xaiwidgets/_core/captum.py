"""Captum's per-call notices about things xaiwidgets does on purpose."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

__all__ = ["quiet_captum"]


@contextlib.contextmanager
def quiet_captum() -> Iterator[None]:
    """Silence notices that inputs get ``requires_grad`` and that DeepLift adds and removes
    hooks (both expected; the model is restored by ``preserved_model``)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Input Tensor .* did not already require")
        warnings.filterwarnings("ignore", message="Setting forward, backward hooks")
        warnings.filterwarnings("ignore", message="Setting backward hooks on ReLU")
        yield
