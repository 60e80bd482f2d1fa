"""Run several attribution methods on the same model, inputs and targets, and score them.

This is the computation behind :class:`xaiwidgets.ComparisonView`; it needs no widget.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from .._core.batching import batch_slices, map_batches
from .._core.batching import progress as progress_bar
from .._core.captum import quiet_captum
from .._core.deprecation import renamed_attribute, renamed_keywords
from .._core.explainers import Method, check_explained_targets, resolve_methods
from .._core.modality import Masker, check_inputs
from .._core.probe import preserved_model, resolve_layer, run_model, with_autograd
from .._core.random import check_seed, seeded
from .._core.results import Result
from .._core.sequences import is_ragged, padded_sequences
from .._core.task import Task, infer_task
from .._core.validation import (
    as_tensor,
    check_bool,
    check_int,
    check_labels,
    check_model,
    check_model_output,
    check_number,
    check_targets,
    describe,
)
from ..metrics.registry import REGISTRY, MetricContext, metric_info
from ..metrics.stats import MetricSummary, summarize

__all__ = ["DEFAULT_METHODS", "METRICS", "AttributionResult", "compare_attributions",
           "metric_info"]

DEFAULT_METHODS = ("integrated_gradients", "saliency", "occlusion", "gradient_shap", "deeplift")

#: metric name -> (label, higher_is_better) for classifiers, from the metric registry
#: (:data:`xaiwidgets.metrics.registry.REGISTRY`); see :func:`metric_info`.
METRICS: dict[str, tuple[str, bool]] = metric_info("multiclass")


@dataclass
class AttributionResult(Result):
    """Attributions of several methods on the same inputs, with quality metrics.

    A :class:`~xaiwidgets.Result`: every row field below has the sample as its first axis, so
    ``result[i:j]``, :meth:`~xaiwidgets.Result.concat`, ``save`` / ``open_result`` work on it.

    Attributes
    ----------
    kind : {"image", "tabular", "sequence", "tokens"}
    inputs : ndarray
        The inputs, on CPU, as the model saw them (row).
    target, y_pred : ndarray of int, shape (N,)
        Explained class and the model's predicted class (regression: 0 and 0) (rows).
    prob : ndarray of float, shape (N,)
        Probability of the target class (regression: the model's output) (row).
    methods : list of str
        Method labels, in order.
    attributions : dict of str to ndarray
        Per method, attributions shaped like the inputs (or like the explained layer) (row).
    seconds_per_sample : dict of str to float
        Per method, mean seconds per explanation (concatenated results: weighted by samples).
    metrics : dict of str to dict of str to ndarray of shape (N,)
        ``metrics[method][metric]``: per-sample values, NaN for samples that were not scored
        (row). Only metrics that apply to ``kind`` are present.
    fractions : ndarray
        x axis of the deletion/insertion curves.
    deletion_curves, insertion_curves : dict of str to ndarray of shape (N, steps + 1)
        Per method, NaN rows for samples that were not scored (rows).
    baseline : str
        What the metrics replace removed locations by, in words.
    n_outputs : int
    task : {"multiclass", "binary", "regression"}
    pad_id : int or None
        Token ids: the padding id (padding positions are not locations).
    y_true : ndarray or None
        True labels, when given (``y=``) (row).
    """

    _rows: ClassVar[tuple[str, ...]] = (
        "inputs", "target", "y_pred", "prob", "attributions", "metrics", "deletion_curves",
        "insertion_curves", "y_true")

    kind: str
    inputs: np.ndarray
    target: np.ndarray
    y_pred: np.ndarray
    prob: np.ndarray
    methods: list[str]
    attributions: dict[str, np.ndarray]
    seconds_per_sample: dict[str, float]
    metrics: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    fractions: np.ndarray = field(default_factory=lambda: np.zeros(0))
    deletion_curves: dict[str, np.ndarray] = field(default_factory=dict)
    insertion_curves: dict[str, np.ndarray] = field(default_factory=dict)
    baseline: str = ""
    n_outputs: int = 0
    task: str = "multiclass"
    pad_id: int | None = None
    y_true: np.ndarray | None = None

    pred = renamed_attribute("y_pred")

    @property
    def metric_indices(self) -> np.ndarray:
        """Indices of the samples every method was scored on (a sample is scored for a method
        when any of its metrics or curve points is a number)."""
        n = len(self)
        if not self.metrics:
            return np.zeros(0, dtype=np.int64)
        every = np.ones(n, dtype=bool)
        for m in self.methods:
            scored = np.zeros(n, dtype=bool)
            for name, values in self.metrics.get(m, {}).items():
                if name == "seconds":  # measured on every sample, not a score
                    continue
                scored |= np.isfinite(np.asarray(values, dtype=np.float64))
            for curves in (self.deletion_curves, self.insertion_curves):
                if m in curves:
                    scored |= np.isfinite(np.asarray(curves[m], dtype=np.float64)).any(1)
            every &= scored
        return np.flatnonzero(every)

    @property
    def metric_labels(self) -> dict[str, tuple[str, bool]]:
        """Metric name -> (label, higher_is_better) for this result's task."""
        return metric_info(self.task)

    def _merge_meta(self, results: Sequence[Result]) -> dict[str, Any]:
        """Seconds per explanation: the mean over every sample of the concatenated results."""
        sizes = np.array([len(r) for r in results], dtype=np.float64)
        total = max(float(sizes.sum()), 1.0)
        timed = [r for r in results if isinstance(r, AttributionResult)]
        merged = {m: float(sum(w * r.seconds_per_sample[m]
                               for w, r in zip(sizes, timed, strict=True)) / total)
                  for m in self.seconds_per_sample}
        return {"seconds_per_sample": merged}

    def valid(self) -> np.ndarray:
        """(N, L) bool: the locations of each sample (token padding excluded)."""
        x = np.asarray(self.inputs)
        if self.kind == "tokens" and self.pad_id is not None:
            return x != self.pad_id
        size = x.shape[2] * x.shape[3] if self.kind == "image" else x.shape[1]
        return np.ones((x.shape[0], size), dtype=bool)

    def scored_metrics(self) -> dict[str, dict[str, np.ndarray]]:
        """``{method: {metric: values}}`` on :attr:`metric_indices` only (the samples every
        method was scored on), with the seconds per explanation as one value per sample."""
        idx = self.metric_indices
        out: dict[str, dict[str, np.ndarray]] = {}
        for m in self.methods:
            values = {k: np.asarray(v, dtype=np.float64)[idx]
                      for k, v in self.metrics.get(m, {}).items()}
            values["seconds"] = np.full(len(idx), float(self.seconds_per_sample[m]))
            out[m] = values
        return out

    def metric_summary(self, *, level: float = 0.95, alpha: float = 0.05,
                       seed: int = 0) -> MetricSummary:
        """The metric table with its uncertainty: means, bootstrap intervals, ranks, and
        "best" only where a paired test over the same samples supports it (see
        :func:`xaiwidgets.metrics.summarize`), on the samples every method was scored on.
        Seconds per explanation are one measurement per method: no interval and no test."""
        values = self.scored_metrics()
        names = [k for k in REGISTRY if self.metrics and k in values[self.methods[0]]]
        return summarize(values, {k: REGISTRY[k].higher_is_better_for(self.task) for k in names},
                         metrics=names, paired={k: REGISTRY[k].paired for k in names},
                         level=level, alpha=alpha, seed=seed)

    def mean_curves(self) -> dict[str, np.ndarray]:
        """The deletion and insertion curves averaged over the samples every method was scored
        on: ``{"deletion": (M, steps + 1), "insertion": (M, steps + 1)}`` in method order
        (empty without curves); their x axis is :attr:`fractions`."""
        idx = self.metric_indices
        out = {}
        for which, curves in (("deletion", self.deletion_curves),
                              ("insertion", self.insertion_curves)):
            if curves and len(idx):
                out[which] = np.stack([np.asarray(curves[m])[idx].mean(0)
                                       for m in self.methods])
        return out

    def summary(self) -> dict[str, dict[str, float]]:
        """Mean of every metric per method over the scored samples: ``{method: {metric:
        mean}}`` (NaN where a metric has no value, e.g. the local Lipschitz estimate of a
        sample without a usable neighbour)."""
        if not self.metrics:
            return {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: NaN, no noise
            return {m: {k: float(np.nanmean(v)) if len(v) else float("nan")
                        for k, v in d.items()}
                    for m, d in self.scored_metrics().items()}


# ``pred=`` is the deprecated name of ``y_pred`` (one release)
setattr(AttributionResult, "__init__",  # noqa: B010 (mypy: no method assign)
        renamed_keywords(pred="y_pred")(AttributionResult.__init__))


def _check_layer_output(model: nn.Module, layer: nn.Module, x: torch.Tensor, given: Any
                        ) -> None:
    """Token ids are explained in the space of ``layer``'s output: it must be one float tensor
    (Captum's layer methods substitute and differentiate it). Recurrent layers return
    ``(outputs, state)`` and are refused here, not deep inside Captum."""
    seen: list[Any] = []
    with preserved_model(model), torch.inference_mode():
        handle = layer.register_forward_hook(lambda _m, _i, o: seen.append(o))
        try:
            run_model(model, x)
        finally:
            handle.remove()
    name = given if isinstance(given, str) else type(layer).__name__
    if not seen:
        raise ValueError(f"argument 'layer': {name!r} is not called by the model's forward "
                         "pass on these inputs")
    out = seen[0]
    if not (isinstance(out, torch.Tensor) and out.is_floating_point()):
        what = (f"a {type(out).__name__}" if not isinstance(out, torch.Tensor)
                else f"a tensor of dtype {out.dtype}")
        hint = (" (a recurrent layer returns (outputs, state))"
                if isinstance(layer, nn.RNNBase) else "")
        raise ValueError(f"argument 'layer': token ids are explained at a layer that returns "
                         f"one float tensor, such as the token embedding; {name!r} "
                         f"({type(layer).__name__}) returns {what}{hint}. Pass the "
                         "embedding layer")


def _predict(model: nn.Module, x: torch.Tensor, batch_size: int) -> torch.Tensor:
    with preserved_model(model), torch.inference_mode():
        return map_batches(lambda xb: check_model_output(run_model(model, xb),
                                                         xb.shape[0]).detach(), x, batch_size)


#: Bytes a method's expanded batch may take (inputs, gradients and activations, estimated as
#: 3 x the expanded inputs): beyond it the method explains fewer samples per pass.
WORK_BYTES = 64 * 2**20


def method_batch(method: Method, x: torch.Tensor, batch_size: int) -> int:
    """Samples per pass for ``method``: at most ``batch_size``, fewer for large inputs when the
    method expands each sample (GradientSHAP x20, occlusion x16, IG x10...)."""
    per_sample = 3 * max(1, x[:1].numel()) * max(4, x.element_size())
    return max(1, min(batch_size, WORK_BYTES // (method.expansion * per_sample)))


def _explain_all(
    method: Method, model: nn.Module, x: torch.Tensor, target: torch.Tensor, batch_size: int,
    seed: int, bar: Any,
) -> tuple[np.ndarray, float]:
    out: np.ndarray | None = None  # filled in place: no list of chunks plus a concatenated copy
    step = method_batch(method, x, batch_size)
    start = time.perf_counter()
    with preserved_model(model), seeded(seed), quiet_captum():
        for sl in batch_slices(x.shape[0], step):
            xb, tb = x[sl], target[sl]
            a = method.explain(xb, tb)
            if not isinstance(a, torch.Tensor) or a.ndim == 0 or a.shape[0] != xb.shape[0]:
                got = describe(a)
                raise ValueError(f"argument 'methods': {method.label!r} returned {got}, expected "
                                 f"attributions for {xb.shape[0]} samples shaped like the inputs")
            if a.is_floating_point() and not torch.isfinite(a).all():
                bad = (~torch.isfinite(a)).reshape(a.shape[0], -1).any(1).nonzero().flatten()
                raise ValueError(f"argument 'methods': {method.label!r} returned NaN or Inf "
                                 f"attributions for samples {(bad + sl.start)[:10].tolist()}")
            a = a.detach().cpu()
            if out is None:
                dtype = np.float64 if a.dtype == torch.float64 else np.float32
                out = np.empty((x.shape[0], *a.shape[1:]), dtype=dtype)
            elif tuple(a.shape[1:]) != out.shape[1:]:
                raise ValueError(f"argument 'methods': {method.label!r} returned attributions "
                                 f"of shape {tuple(a.shape)} for one batch and "
                                 f"{out.shape[1:]} per sample for another")
            out[sl] = a.numpy()
            bar.update(xb.shape[0])
    seconds = (time.perf_counter() - start) / x.shape[0]
    assert out is not None
    return out, seconds


def _check_metrics(metrics: Any) -> list[str]:
    names = [name for name, m in REGISTRY.items() if m.compute is not None]
    if metrics is None or isinstance(metrics, (str, bytes)) or not isinstance(metrics, Sequence):
        raise TypeError(f"argument 'metrics': expected a list of metric names (any of {names}, "
                        f"or [] for none), got {describe(metrics)}")
    unknown = [m for m in metrics if m not in names]
    if unknown:
        raise ValueError(f"argument 'metrics': unknown metrics {unknown}; expected any of "
                         f"{names}")
    return list(metrics)


@with_autograd
def compare_attributions(
    model: nn.Module,
    inputs: Any,
    target: Any = None,
    methods: Sequence[Any] | Mapping[str, Any] = DEFAULT_METHODS,
    *,
    method_options: Mapping[str, Mapping[str, Any]] | None = None,
    metrics: Sequence[str] = ("deletion_auc", "insertion_auc", "infidelity", "sensitivity"),
    metric_samples: int = 32,
    sensitivity_samples: int = 8,
    baseline: float = 0.0,
    steps: int = 20,
    kind: str | None = None,
    task: str = "auto",
    layer: str | nn.Module | None = None,
    pad_id: int | None = None,
    batch_size: int = 32,
    seed: int = 0,
    progress: bool = True,
    y: Any = None,
) -> AttributionResult:
    """Explain ``inputs`` with every method and score each explanation on the model.

    Parameters
    ----------
    model : nn.Module
        The trained model; used in place and left exactly as found.
    inputs : Tensor, ndarray or DataFrame
        (N, C, H, W) images, (N, F) tabular rows or (N, T, F) sequences, as the model expects
        them (already normalised; floats are cast to the model's dtype); or (N, T) integer
        token ids with ``layer``. Sequences may be a ragged list of (T_i, F) or padded with
        NaN after their last step: they are explained zero-padded (padding steps stay
        locations, as in a zero-padded batch).
    target : int or sequence of int, optional
        Class to explain per sample. Default: the model's predicted class. Regression: unused.
    methods : list or dict
        Names from :data:`xaiwidgets.attributions.METHODS` and/or objects with Captum's
        ``attribute(inputs, target=...)`` (an instance, e.g. ``IntegratedGradients(model)``);
        a dict gives them display labels.
    method_options : dict, optional
        Options of named methods, keyed by method name (every entry of that name) or by display
        label (that entry only): ``{"integrated_gradients": {"n_steps": 16}}``. Integrated
        Gradients takes ``n_steps`` (default 50), the points of its path integral: its cost
        grows linearly with them, and fewer points approximate the integral less closely (see
        :data:`xaiwidgets.attributions.METHOD_OPTIONS`).
    metrics : sequence of str
        Any of ``deletion_auc``, ``insertion_auc``, ``infidelity``, ``sensitivity`` (``[]`` for
        none); seconds per explanation are always measured.
    metric_samples : int, default=32
        Metrics are computed on the first ``metric_samples`` samples (they re-run the model).
    sensitivity_samples : int, default=8
        Max-sensitivity re-runs the explainer 5 times per sample, so it uses only the first
        ``sensitivity_samples`` of those.
    baseline : float, default=0.0
        Value that removed locations take in the deletion/insertion metrics. For token ids: the
        token id (e.g. the pad id) that replaces removed tokens in the metrics and in
        occlusion / feature ablation, and whose sequence is the baseline of the gradient methods.
    steps : int, default=20
        Points on the deletion/insertion curves (>= 1).
    kind : {"image", "tabular", "sequence", "tokens"}, optional
        Default: from the shape and dtype.
    task : {"auto", "multiclass", "binary", "regression"}, default="auto"
        How to read the outputs (see :mod:`xaiwidgets._core.task`); required for one-output
        models. Regression metrics track ``|f(x') - f(x)|``.
    layer : str or nn.Module, optional
        Token-id inputs only: the embedding layer. Named methods then run as Captum's layer
        variants there (LayerIntegratedGradients, LayerGradientXActivation, LayerDeepLift,
        GradientSHAP in embedding space) and give (N, T, E) attributions; occlusion and
        feature ablation replace token ids by ``baseline`` and give (N, T). Infidelity and
        max-sensitivity perturb inputs with noise, which token ids cannot take: NaN.
    pad_id : int, optional
        Token ids: positions holding it are padding; the metrics never count or remove them.
    batch_size : int, default=32
        Samples per pass, in explanations and metrics alike. Methods that expand each sample
        (GradientSHAP's 20 samples, occlusion's 16 perturbations, IG's 10-step chunks) use
        fewer per pass when the expanded batch would exceed :data:`WORK_BYTES` (64 MiB), so
        memory stays bounded for large inputs.
    seed : int, default=0
        Seeds sampling methods and metric perturbations (the global RNG is left untouched).
    progress : bool, default=True
    y : array-like of shape (N,), optional
        True labels (class indices, or a regression's targets): kept on the result so views can
        flag the samples the model gets wrong. They never change what is explained.

    Returns
    -------
    AttributionResult
    """
    check_model(model)
    names = _check_metrics(metrics)
    metric_samples = check_int(metric_samples, "metric_samples", low=0)
    sensitivity_samples = check_int(sensitivity_samples, "sensitivity_samples", low=0)
    steps = check_int(steps, "steps", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    baseline = check_number(baseline, "baseline")
    seed = check_seed(seed)
    progress = check_bool(progress, "progress")
    if is_ragged(inputs) or (isinstance(inputs, (torch.Tensor, np.ndarray))
                             and inputs.ndim == 3):
        # a ragged list or NaN padding: the zero-padded batch (NaN within a length: an error)
        inputs, _ = padded_sequences(inputs, None, "inputs")
    raw = as_tensor(inputs, "inputs")
    token_ids = raw.ndim == 2 and not raw.is_floating_point()
    if token_ids and layer is None and kind in (None, "sequence", "tokens"):
        raise ValueError(
            f"argument 'layer': integer inputs of shape {tuple(raw.shape)} look like token ids; "
            "explain them at the model's embedding layer with layer=<embedding name or module> "
            "(or pass float inputs)")
    layer_module = None
    if layer is not None:
        if not token_ids:
            raise ValueError(f"argument 'layer': only for (N, T) integer token ids, got inputs "
                             f"{describe(raw)}")
        _, layer_module = resolve_layer(model, layer)
        if not baseline.is_integer():
            raise ValueError(f"argument 'baseline': token-id inputs need an integer baseline "
                             f"token id (e.g. the pad id), got {baseline!r}")
    if pad_id is not None:
        check_int(pad_id, "pad_id", low=0)
        if not token_ids:
            raise ValueError(f"argument 'pad_id': only for (N, T) token ids, got inputs "
                             f"{describe(raw)}")
    x, kind = check_inputs(raw, kind="tokens" if token_ids and kind is None else kind,
                           model=model, embedding=layer_module)
    n = x.shape[0]
    if layer_module is not None:
        _check_layer_output(model, layer_module, x[:1], layer)
    out = _predict(model, x, batch_size)
    t = infer_task(task, out.shape[1])
    if t.is_classifier:
        pred = t.predict(out)
        target_t = pred.clone() if target is None else check_targets(
            target, n, t.n_classes).to(x.device)
        prob = t.target_score(out, target_t)
    else:
        if target is not None and not (isinstance(target, int) and target == 0):
            raise ValueError(f"argument 'target': a regression model has no classes to choose; "
                             f"leave target=None, got {describe(target)}")
        pred = target_t = torch.zeros(n, dtype=torch.long, device=x.device)
        prob = out[:, 0]
    truth = None
    if y is not None:
        truth = check_labels(y, n, "y")
        if t.is_classifier:
            truth = check_targets(truth, n, t.n_classes, name="y").numpy()
        elif truth.dtype.kind not in "biuf":
            raise TypeError(f"argument 'y': a regression's true values must be numbers, got "
                            f"dtype {truth.dtype}")
    resolved = resolve_methods(model, methods, kind, task=t, layer=layer_module,
                               baseline_id=int(baseline) if layer_module is not None else 0,
                               options=method_options)
    check_explained_targets(resolved, target_t, pred)

    attributions: dict[str, np.ndarray] = {}
    seconds: dict[str, float] = {}
    with progress_bar(total=n * len(resolved), desc="attributions", unit="sample",
                      enabled=progress) as bar:
        for m in resolved:
            bar.set_postfix_str(m.label)
            attributions[m.label], seconds[m.label] = _explain_all(
                m, model, x, target_t, batch_size, seed, bar)

    k = min(n, metric_samples)
    s = min(k, sensitivity_samples)
    result = AttributionResult(
        kind=kind, inputs=x.detach().cpu().numpy(), target=target_t.cpu().numpy(),
        y_pred=pred.cpu().numpy(), prob=prob.detach().cpu().numpy(),
        methods=[m.label for m in resolved], attributions=attributions,
        seconds_per_sample=seconds, n_outputs=int(out.shape[1]), task=t.kind, pad_id=pad_id,
        y_true=truth,
        baseline=(f"deletion/insertion replace locations by {baseline:g} in the model's input "
                  # the arguments, not this call's counts: chunks of one run concatenate
                  f"space; max-sensitivity and the local Lipschitz estimate on the first "
                  f"{sensitivity_samples} samples (metrics on the first {metric_samples})"
                  if layer_module is None else
                  f"deletion/insertion replace tokens by token id {int(baseline)}"
                  + ("" if pad_id is None else f" (padding, id {pad_id}, stays)")
                  + "; infidelity, max-sensitivity and the local Lipschitz estimate need "
                  "noise, which token ids cannot take (not computed)"),
    )
    if k and names:
        _score(result, model, x[:k], target_t[:k], t.reference(out[:k]), resolved, names,
               task=t, baseline=baseline, steps=steps, seed=seed, progress=progress,
               subset=s, batch_size=batch_size, pad_id=pad_id)
    return result


def _score(
    result: AttributionResult, model: nn.Module, x: torch.Tensor, target: torch.Tensor,
    reference: torch.Tensor, methods: list[Method], names: Sequence[str], *, task: Task,
    baseline: float, steps: int, seed: int, progress: bool, subset: int, batch_size: int,
    pad_id: int | None,
) -> None:
    """Score every method on the first ``len(x)`` samples by walking the metric registry.

    The arguments were validated by :func:`compare_attributions`: the metrics' private
    workers run on them as they are. A metric that does not apply to the inputs' kind, or
    whose samples are none (``sensitivity_samples=0``), is not computed.
    """
    k = x.shape[0]
    n = len(result)
    sizes = {"metric": k, "subset": subset}
    specs = [REGISTRY[name] for name in REGISTRY if name in names
             and REGISTRY[name].applies_to(result.kind) and sizes[REGISTRY[name].samples]]
    if not specs:
        return
    masker = Masker(model, result.kind, baseline=baseline, pad_id=pad_id, at="ids")
    masker.check_valid(x)

    def rows(values: np.ndarray, size: int) -> np.ndarray:
        # every row has the sample axis: NaN for the samples that were not scored
        out = np.full((n, *values.shape[1:]), np.nan)
        out[:size] = values
        return out

    for m in progress_bar(methods, desc="metrics", unit="method", enabled=progress):
        ctx = MetricContext(
            model=model, x=x, target=target, reference=reference, task=task, kind=result.kind,
            attributions=torch.from_numpy(result.attributions[m.label][:k]).to(x.device),
            masker=masker, explain=m.explain, explain_batch=method_batch(m, x, batch_size),
            steps=steps, batch_size=batch_size, seed=seed, subset=subset)
        values: dict[str, np.ndarray] = {}
        for spec in specs:
            assert spec.compute is not None  # _check_metrics takes computed metrics only
            values[spec.name] = rows(spec.compute(ctx), sizes[spec.samples])
        result.metrics[m.label] = values
        if ctx.curves:  # the view draws both curves: one AUC asked for keeps both
            ctx.curve("deletion")
            ctx.curve("insertion")
            result.fractions = ctx.fractions
        for which, store in (("deletion", result.deletion_curves),
                             ("insertion", result.insertion_curves)):
            if which in ctx.curves:
                store[m.label] = rows(ctx.curves[which], k)
