"""The per-shard computation of a dataset job, as a list of steps.

A :class:`Step` is what a job runs on every shard of samples. Its contract is small:

* ``name``: unique in the job; the step's arrays live under ``<name>/`` in the store and its
  result is ``run.results[name]``;
* :meth:`Step.validate` runs once, in the driver, on the user's model and the first samples,
  so a bad argument fails before any task starts;
* :meth:`Step.compute` ``(model, X, y_true, seed) -> Result`` runs on one shard, on a worker's
  copy of the model. It must be pure: the same model, rows and seed give the same bytes (the
  job passes ``seed = job seed + shard index``). The result's row fields (``Result._rows``) are
  written at the shard's rows; its dataset-level part (metadata and non-row arrays) is taken
  once, from the probe run on the first samples, so it must not depend on the shard;
* :meth:`Step.config` is the step's arguments as JSON: they enter the job's config hash, which
  resuming compares.

Steps are pickled to the workers: keep their state to plain values (names, numbers, fitted
estimators' tensors), never the user's model or bound explainers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from torch import nn

from .._core.probe import ModelProbe
from .._core.results import Result
from .._core.validation import check_int, check_layer_names, describe
from ..attributions.compare import AttributionResult, compare_attributions
from ..metrics.registry import REGISTRY

__all__ = ["Activations", "AttributionStep", "FeatureStep", "Step"]

#: Methods and metrics a job runs by default.
DEFAULT_METHODS = ("integrated_gradients", "saliency", "occlusion")
DEFAULT_METRICS = ("deletion_auc", "insertion_auc", "infidelity")


class Step:
    """One computation run on every shard (the module docstring has the contract)."""

    #: Unique within a job: the store group and the key of ``run.results``.
    name: str = ""

    def validate(self, model: nn.Module, X: np.ndarray, y_true: np.ndarray | None) -> None:
        """Check the arguments against the model and a few samples (driver, once)."""

    def compute(self, model: nn.Module, X: np.ndarray, y_true: np.ndarray | None,
                seed: int) -> Result:
        """The step's result on the rows ``X`` of one shard (pure given ``seed``)."""
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        """The step's arguments as JSON (part of the job's config hash)."""
        return {"type": type(self).__name__, "name": self.name}


class AttributionStep(Step):
    """Attributions of named methods and per-sample metrics: :func:`compare_attributions` on
    every shard, every sample scored.

    Parameters
    ----------
    methods : sequence of str or dict of str to str
        Method names (``xaiwidgets.attributions.METHODS``); a dict gives display labels. Only
        names: an explainer object is bound to the kernel's model, not to a worker's copy.
    metrics : sequence of str
        Metric names of the registry (``[]`` for none); computed on every sample.
    target : "pred", "label" or int
        The explained class: the model's prediction, the true label (needs labels) or one class.
    batch_size : int, default 32
        Samples per pass inside the shard.
    name : str, default "attributions"
    options : dict, optional
        Further keyword arguments of :func:`compare_attributions` (``steps``, ``baseline``,
        ``kind``, ``task``...), plain values only.
    """

    def __init__(self, methods: Sequence[str] | Mapping[str, str] = DEFAULT_METHODS,
                 metrics: Sequence[str] = DEFAULT_METRICS, *, target: Any = "pred",
                 batch_size: int = 32, name: str = "attributions",
                 options: Mapping[str, Any] | None = None) -> None:
        if isinstance(methods, Mapping):
            bad = {k: v for k, v in methods.items() if not isinstance(v, str)}
            self.methods: list[str] | dict[str, str] = dict(methods)
        elif isinstance(methods, (str, bytes)) or not isinstance(methods, Sequence):
            raise TypeError(f"argument 'methods': expected a list of method names, got "
                            f"{describe(methods)}")
        else:
            bad = {str(i): m for i, m in enumerate(methods) if not isinstance(m, str)}
            self.methods = list(methods)
        if bad:
            raise TypeError(f"argument 'methods': a dataset job takes method names (workers "
                            f"build the explainers on their copy of the model); got "
                            f"{ {k: describe(v) for k, v in bad.items()} }")
        if not self.methods:
            raise ValueError("argument 'methods': expected at least one method name")
        if isinstance(metrics, (str, bytes)) or not isinstance(metrics, Sequence):
            raise TypeError(f"argument 'metrics': expected a list of metric names, got "
                            f"{describe(metrics)}")
        known = [k for k, m in REGISTRY.items() if m.compute is not None]
        unknown = [m for m in metrics if m not in known]
        if unknown:
            raise ValueError(f"argument 'metrics': unknown metrics {unknown}; expected any of "
                             f"{known}")
        self.metrics = list(metrics)
        if isinstance(target, str):
            if target not in ("pred", "label"):
                raise ValueError(f"argument 'target': expected 'pred', 'label' or a class "
                                 f"index, got {target!r}")
        else:
            target = check_int(target, "target", low=0)
        self.target = target
        self.batch_size = check_int(batch_size, "batch_size", low=1)
        self.name = name
        self.options = dict(options or {})
        for k in ("metric_samples", "sensitivity_samples", "seed", "progress", "y", "target",
                  "methods", "metrics", "batch_size"):
            if k in self.options:
                raise ValueError(f"argument 'options': {k!r} is set by the job, not an option")

    def _target(self, y_true: np.ndarray | None) -> Any:
        if self.target == "pred":
            return None
        if self.target == "label":
            if y_true is None:
                raise ValueError("argument 'target': 'label' needs true labels (items (x, y) "
                                 "or y=)")
            return y_true
        return self.target

    def validate(self, model: nn.Module, X: np.ndarray, y_true: np.ndarray | None) -> None:
        self._target(y_true)

    def compute(self, model: nn.Module, X: np.ndarray, y_true: np.ndarray | None,
                seed: int) -> AttributionResult:
        n = len(X)
        return compare_attributions(
            model, X, self._target(y_true), self.methods, metrics=self.metrics,
            metric_samples=n, sensitivity_samples=n, batch_size=self.batch_size, seed=seed,
            progress=False, y=y_true, **self.options)

    def config(self) -> dict[str, Any]:
        return {"type": "AttributionStep", "name": self.name, "methods": self.methods,
                "metrics": self.metrics, "target": self.target, "batch_size": self.batch_size,
                "options": {k: repr(v) for k, v in sorted(self.options.items())}}


@dataclass
class Activations(Result):
    """Activations of named layers, one row per sample (a :class:`~xaiwidgets.Result`).

    Attributes
    ----------
    values : dict of str to ndarray
        Per feature name, ``(N, D)`` float32 activations (flattened, or averaged over the
        spatial axes with ``reduce="mean"``) (row).
    layers : dict of str to str
        Feature name -> the layer's name in the model.
    reduce : {"flatten", "mean"}
    """

    _rows: ClassVar[tuple[str, ...]] = ("values",)

    values: dict[str, np.ndarray]
    layers: dict[str, str] = field(default_factory=dict)
    reduce: str = "flatten"


class FeatureStep(Step):
    """Activations of named layers (through :class:`~xaiwidgets.ModelProbe`), e.g. for an
    overview embedding or for fitting estimators from a store.

    Parameters
    ----------
    features : str, sequence of str or dict of str to str
        Layer names, or ``{feature name: layer name}``.
    reduce : {"flatten", "mean"}, default "flatten"
        ``"mean"`` averages conv maps over their spatial axes: ``(N, C, H, W) -> (N, C)``.
    batch_size : int, default 256
    name : str, default "features"
    """

    def __init__(self, features: str | Sequence[str] | Mapping[str, str], *,
                 reduce: str = "flatten", batch_size: int = 256,
                 name: str = "features") -> None:
        if isinstance(features, str):
            features = [features]
        if isinstance(features, Mapping):
            layers = {str(k): v for k, v in features.items()}
        elif isinstance(features, Sequence):
            layers = {str(v): v for v in features}
        else:
            raise TypeError(f"argument 'features': expected layer names or a dict of feature "
                            f"name -> layer name, got {describe(features)}")
        bad = [v for v in layers.values() if not isinstance(v, str)]
        if bad or not layers:
            raise TypeError(f"argument 'features': expected at least one layer name (str), got "
                            f"{describe(features)}")
        if reduce not in ("flatten", "mean"):
            raise ValueError(f"argument 'reduce': expected 'flatten' or 'mean', got {reduce!r}")
        self.layers = layers
        self.reduce = reduce
        self.batch_size = check_int(batch_size, "batch_size", low=1)
        self.name = name

    def validate(self, model: nn.Module, X: np.ndarray, y_true: np.ndarray | None) -> None:
        check_layer_names(model, list(self.layers.values()))

    def compute(self, model: nn.Module, X: np.ndarray, y_true: np.ndarray | None,
                seed: int) -> Activations:
        probe = ModelProbe(model, list(dict.fromkeys(self.layers.values())),
                           reduce=ModelProbe.spatial_mean if self.reduce == "mean" else None)
        acts = probe.collect(X, batch_size=self.batch_size, flatten=True)
        return Activations(values={k: acts[v] for k, v in self.layers.items()},
                           layers=dict(self.layers), reduce=self.reduce)

    def config(self) -> dict[str, Any]:
        return {"type": "FeatureStep", "name": self.name, "layers": self.layers,
                "reduce": self.reduce, "batch_size": self.batch_size}
