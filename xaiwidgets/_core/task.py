"""One reading of what a model's outputs mean, used by every method and metric.

=============  ============  ==============================================================
task           outputs       prediction / score of a class / "the prediction is kept"
=============  ============  ==============================================================
multiclass     (N, C), C>=2  argmax / softmax probability / same argmax
binary         (N, 1) logit  ``logit > 0`` / sigmoid (class 1) or 1 - sigmoid / same class
regression     (N, 1)        the output itself / the output / ``|change| <= tol``
=============  ============  ==============================================================

``task="auto"`` reads two or more outputs as multi-class logits. One output is either a
regression or a one-logit binary classifier, and nothing in the model says which, so "auto"
asks for ``task=`` then instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .probe import read_output
from .validation import check_option

__all__ = ["TASKS", "Task", "infer_task"]

TASKS = ("auto", "multiclass", "binary", "regression")


class _Explained(nn.Module):
    """What Captum explains: the user's model (a reference, never a copy) with its output read
    by :func:`~xaiwidgets._core.probe.read_output`; a one-logit binary model seen as two
    outputs ``(-z, z)``, so that Captum's ``target=c`` attributes the evidence for class c,
    with the right sign, at full scale. A module, not a plain function, because DeepLift and
    Guided Backprop hook the modules of what they explain (here the user's own)."""

    def __init__(self, model: nn.Module, signed: bool) -> None:
        super().__init__()
        self.model = model
        self.signed = signed

    def forward(self, *args: object, **kwargs: object) -> torch.Tensor:
        z = read_output(self.model(*args, **kwargs))
        return torch.cat([-z, z], dim=1) if self.signed else z


@dataclass(frozen=True)
class Task:
    """The task of a model with ``n_outputs`` outputs (see the module docstring)."""

    kind: str
    n_outputs: int

    @property
    def is_classifier(self) -> bool:
        return self.kind != "regression"

    @property
    def n_classes(self) -> int:
        return {"multiclass": self.n_outputs, "binary": 2, "regression": 0}[self.kind]

    def predict(self, out: torch.Tensor) -> torch.Tensor:
        """Predicted classes (N,) int64; regression: the output (N,)."""
        if self.kind == "multiclass":
            return out.argmax(dim=1)
        if self.kind == "binary":
            return (out[:, 0] > 0).long()
        return out[:, 0]

    def reference(self, out: torch.Tensor) -> torch.Tensor:
        """What "the model's prediction" is for fidelity: classes (N,), or outputs (N,)."""
        return self.predict(out.detach()).clone()

    def target_score(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Probability of class ``target`` (N,); regression: the output."""
        if self.kind == "multiclass":
            return torch.softmax(out, dim=1).gather(1, target.view(-1, 1))[:, 0]
        if self.kind == "binary":
            p = torch.sigmoid(out[:, 0])
            return torch.where(target.view(-1) == 1, p, 1 - p)
        return out[:, 0]

    def fit_loss(self, out: torch.Tensor, ref: torch.Tensor, scale: float = 1.0
                 ) -> torch.Tensor:
        """Per-sample loss of ``out`` against the reference prediction ``ref``:
        cross-entropy, binary cross-entropy, or squared error divided by ``scale``."""
        if self.kind == "multiclass":
            return F.cross_entropy(out, ref, reduction="none")
        if self.kind == "binary":
            return F.binary_cross_entropy_with_logits(out[:, 0], ref.to(out.dtype),
                                                      reduction="none")
        return (out[:, 0] - ref) ** 2 / scale

    def preserved(self, out: torch.Tensor, ref: torch.Tensor, tol: float = 0.5
                  ) -> torch.Tensor:
        """(N,) bool: the prediction on ``out`` is still ``ref``."""
        if self.is_classifier:
            return self.predict(out) == ref
        return (out[:, 0] - ref).abs() <= tol

    def deviation(self, out: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        """Regression: ``|f(x') - f(x)|`` (N,); classifiers: zeros."""
        if self.is_classifier:
            return torch.zeros(out.shape[0], dtype=out.dtype, device=out.device)
        return (out[:, 0] - ref).abs()

    def for_attribution(self, model: nn.Module) -> nn.Module:
        """The module Captum methods explain: ``model``'s output read by the one rule
        (:func:`~xaiwidgets._core.probe.read_output`), so that ``target`` is a class index for
        every classifier (binary: the two signed views of the logit)."""
        return _Explained(model, signed=self.kind == "binary")

    def attribution_target(self, target: torch.Tensor) -> torch.Tensor:
        """Output index Captum explains: the class, or 0 for a regression."""
        return torch.zeros_like(target) if self.kind == "regression" else target


def infer_task(task: str, n_outputs: int, name: str = "task") -> Task:
    """Resolve ``task`` for a model with ``n_outputs`` outputs, or say why it does not fit."""
    check_option(task, name, TASKS)
    if task == "auto":
        if n_outputs >= 2:
            return Task("multiclass", n_outputs)
        raise ValueError(
            f"argument '{name}': the model has one output, which may be a regression or the "
            f"logit of a binary classifier; pass {name}='regression' or {name}='binary' "
            f"(got {name}='auto')")
    if task == "multiclass" and n_outputs < 2:
        raise ValueError(f"argument '{name}': 'multiclass' needs a model with >= 2 outputs "
                         f"(one logit per class), got {n_outputs}; a one-logit classifier is "
                         f"{name}='binary'")
    if task in ("binary", "regression") and n_outputs != 1:
        extra = (" (a two-logit softmax classifier is 'multiclass')" if task == "binary"
                 else " (multi-output regression is not supported)")
        raise ValueError(f"argument '{name}': {task!r} needs a model with one output, got "
                         f"{n_outputs}{extra}")
    return Task(task, n_outputs)
