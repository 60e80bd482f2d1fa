"""The metrics :func:`xaiwidgets.compare_attributions` scores explanations by: one entry each.

An entry says everything the rest of the package needs about a metric: its name (the key in
``AttributionResult.metrics``), the label and direction a table shows (per task: for a
regression the deletion/insertion curves track how far the output moves, so their directions
flip), the input kinds it applies to (a metric that does not apply to a kind is not computed
and not shown), which samples it runs on, and the function computing its per-sample values.
``compare_attributions`` walks :data:`REGISTRY`; the comparison view and the docs read it.

Each function takes a :class:`MetricContext` (validated tensors of the scored samples, one
method) and returns one value per sample it ran on; it calls the metrics' private workers, so
the inputs are validated once, by ``compare_attributions``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from .._core.modality import KINDS, Masker
from .._core.random import seeded
from .._core.task import Task
from .faithfulness import _curve_values
from .robustness import _infidelity, _local_lipschitz, _sensitivity

__all__ = ["REGISTRY", "Metric", "MetricContext", "metric_info"]


@dataclass
class MetricContext:
    """What a metric function gets: one method's attributions on the scored samples.

    Attributes
    ----------
    model : nn.Module
    x : Tensor
        The scored samples, validated (as the model takes them).
    attributions : Tensor
        The method's attributions of ``x``.
    target : Tensor of int
        The explained class per sample.
    reference : Tensor
        ``task.reference(model(x))``: the unchanged outputs.
    task : Task
    kind : str
    masker : Masker
        Removes locations as the deletion/insertion curves do.
    explain : callable
        ``explain(x, target) -> attributions`` (the method itself, for the robustness metrics).
    explain_batch : int
        Samples per explainer call for this method.
    steps, batch_size, seed : int
    subset : int
        Samples the costly metrics (max-sensitivity, local Lipschitz) run on: the first
        ``subset`` of ``x``.
    """

    model: nn.Module
    x: torch.Tensor
    attributions: torch.Tensor
    target: torch.Tensor
    reference: torch.Tensor
    task: Task
    kind: str
    masker: Masker
    explain: Callable[[torch.Tensor, torch.Tensor], Any]
    explain_batch: int
    steps: int
    batch_size: int
    seed: int
    subset: int
    curves: dict[str, np.ndarray] = field(default_factory=dict)
    fractions: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def curve(self, which: str) -> np.ndarray:
        """The ``"deletion"`` or ``"insertion"`` curves (N, steps + 1), computed once."""
        if which not in self.curves:
            self.fractions, self.curves[which] = _curve_values(
                self.masker, self.task, self.x, self.attributions, self.target, self.reference,
                insert=which == "insertion", steps=self.steps, batch_size=self.batch_size)
        return self.curves[which]


@dataclass(frozen=True)
class Metric:
    """One metric: how it is named, read and computed.

    Attributes
    ----------
    name : str
        Key in ``AttributionResult.metrics`` and in ``compare_attributions(metrics=...)``.
    label : str
        Column label for classifiers (the arrow says which way is better).
    higher_is_better : bool
        For classifiers.
    kinds : tuple of str
        Input kinds it applies to.
    compute : callable or None
        ``compute(ctx) -> values`` for the samples it runs on; None for what is measured
        while explaining (seconds per explanation), not computed afterwards.
    regression_label, regression_higher_is_better : str or None, bool or None
        For a regression when they differ from the classifier's.
    samples : {"metric", "subset"}
        Runs on every scored sample, or on the first ``ctx.subset`` of them (costly metrics).
    paired : bool
        Has one value per sample (False: one measurement per method, no interval, no test).
    description : str
        One line for the docs.
    """

    name: str
    label: str
    higher_is_better: bool
    kinds: tuple[str, ...]
    compute: Callable[[MetricContext], np.ndarray] | None
    regression_label: str | None = None
    regression_higher_is_better: bool | None = None
    samples: str = "metric"
    paired: bool = True
    description: str = ""

    def label_for(self, task: str) -> str:
        """The label for a task (``"multiclass"``, ``"binary"`` or ``"regression"``)."""
        return (self.regression_label if task == "regression" and self.regression_label
                else self.label)

    def higher_is_better_for(self, task: str) -> bool:
        """Which way is better for a task."""
        if task == "regression" and self.regression_higher_is_better is not None:
            return self.regression_higher_is_better
        return self.higher_is_better

    def applies_to(self, kind: str) -> bool:
        return kind in self.kinds


def _deletion_auc(ctx: MetricContext) -> np.ndarray:
    curve = ctx.curve("deletion")
    return np.trapezoid(curve, ctx.fractions, axis=1)


def _insertion_auc(ctx: MetricContext) -> np.ndarray:
    curve = ctx.curve("insertion")
    return np.trapezoid(curve, ctx.fractions, axis=1)


def _infidelity_values(ctx: MetricContext) -> np.ndarray:
    return _infidelity(ctx.model, ctx.x, ctx.attributions.to(ctx.x.dtype), ctx.target,
                       task=ctx.task, noise_scale=0.1, n_perturb_samples=10,
                       batch_size=ctx.batch_size, seed=ctx.seed)


def _sensitivity_values(ctx: MetricContext) -> np.ndarray:
    s = ctx.subset
    with seeded(ctx.seed):
        return _sensitivity(ctx.explain, ctx.model, ctx.x[:s], ctx.target[:s], radius=0.02,
                            n_perturb_samples=5, batch_size=ctx.explain_batch, seed=ctx.seed)


def _lipschitz_values(ctx: MetricContext) -> np.ndarray:
    # stability (SENN's local Lipschitz estimate): 10 perturbations in a box of 0.1 std of
    # the scored samples per input element
    s = ctx.subset
    return _local_lipschitz(ctx.explain, ctx.x[:s], ctx.target[:s], ctx.x, model=ctx.model,
                            represent=None, mode="continuous", eps=0.1, n_samples=10,
                            radius=None, clip=True, batch_size=ctx.explain_batch,
                            seed=ctx.seed)


_ALL = tuple(KINDS)
# noise cannot be added to token ids: the robustness metrics do not apply to them
_FLOATS = tuple(k for k in KINDS if k != "tokens")

#: Every metric by name, in table order.
REGISTRY: dict[str, Metric] = {m.name: m for m in (
    Metric("deletion_auc", "Deletion AUC ↓", False, _ALL, _deletion_auc,
           regression_label="Deletion |Δ output| AUC ↑", regression_higher_is_better=True,
           description="area under the model's score as the most-attributed locations are "
                       "removed first (Petsiuk et al. 2018)"),
    Metric("insertion_auc", "Insertion AUC ↑", True, _ALL, _insertion_auc,
           regression_label="Insertion |Δ output| AUC ↓", regression_higher_is_better=False,
           description="area under the model's score as the most-attributed locations are "
                       "inserted first into the baseline"),
    Metric("infidelity", "Infidelity ↓", False, _FLOATS, _infidelity_values,
           description="how badly attributions predict the output change under Gaussian "
                       "perturbations (captum.metrics.infidelity, normalised)"),
    Metric("sensitivity", "Max-sensitivity ↓", False, _FLOATS, _sensitivity_values,
           samples="subset",
           description="largest relative change of the explanation under small uniform "
                       "perturbations (captum.metrics.sensitivity_max)"),
    Metric("lipschitz", "Local Lipschitz ↓", False, _FLOATS, _lipschitz_values,
           samples="subset",
           description="largest ratio of explanation change to input change over "
                       "perturbations in a box (Alvarez-Melis & Jaakkola 2018)"),
    Metric("seconds", "s / explanation", False, _ALL, None, paired=False,
           description="wall-clock seconds per explained sample, measured while explaining"),
)}


def metric_info(task: str) -> dict[str, tuple[str, bool]]:
    """Metric name -> (label, higher_is_better) for a task. For a regression the curves track
    how far the output moves (``|f(x') - f(x)|``), so deletion is better when *higher*."""
    return {name: (m.label_for(task), m.higher_is_better_for(task))
            for name, m in REGISTRY.items()}
