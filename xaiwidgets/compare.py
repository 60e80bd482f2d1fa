"""Run several attribution methods on the same model, inputs and targets, and score them.

This is the computation behind :class:`xaiwidgets.AttributionComparison`; it needs no widget.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from . import metrics as _metrics
from ._methods import Method, quiet_captum, resolve_methods, seeded
from ._probe import model_device, preserved_model
from ._validation import (
    as_tensor,
    check_inputs,
    check_layer_names,
    check_model,
    check_model_output,
    check_targets,
)

__all__ = ["DEFAULT_METHODS", "METRICS", "AttributionResult", "compare_attributions"]

DEFAULT_METHODS = ("integrated_gradients", "saliency", "occlusion", "gradient_shap", "deeplift")

#: metric name -> (label, higher_is_better)
METRICS: dict[str, tuple[str, bool]] = {
    "deletion_auc": ("Deletion AUC ↓", False),
    "insertion_auc": ("Insertion AUC ↑", True),
    "infidelity": ("Infidelity ↓", False),
    "sensitivity": ("Max-sensitivity ↓", False),
    "seconds": ("s / explanation", False),
}


@dataclass
class AttributionResult:
    """Attributions of several methods on the same inputs, with quality metrics.

    Attributes
    ----------
    kind : {"image", "tabular", "sequence"}
    inputs : ndarray
        The inputs, on CPU, as given.
    target, pred : ndarray of int, shape (N,)
        Explained class and the model's predicted class.
    prob : ndarray of float, shape (N,)
        Model score of the target (softmax probability, or raw output for one-output models).
    methods : list of str
        Method labels, in order.
    attributions : dict of str to ndarray
        Per method, attributions shaped like the inputs (or like the explained layer).
    seconds_per_sample : dict of str to float
    metrics : dict of str to dict of str to ndarray
        ``metrics[method][metric]``: per-sample values on ``metric_indices``.
    metric_indices : ndarray of int
    fractions : ndarray
        x axis of the deletion/insertion curves.
    deletion_curves, insertion_curves : dict of str to ndarray (n_metric_samples, steps + 1)
    baseline : str
        Human description of the perturbation baseline used by the metrics.
    n_outputs : int
        Number of model outputs; 1 means ``prob`` is the raw output (e.g. a regression).
    """

    kind: str
    inputs: np.ndarray
    target: np.ndarray
    pred: np.ndarray
    prob: np.ndarray
    methods: list[str]
    attributions: dict[str, np.ndarray]
    seconds_per_sample: dict[str, float]
    metrics: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    metric_indices: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    fractions: np.ndarray = field(default_factory=lambda: np.zeros(0))
    deletion_curves: dict[str, np.ndarray] = field(default_factory=dict)
    insertion_curves: dict[str, np.ndarray] = field(default_factory=dict)
    baseline: str = ""
    n_outputs: int = 0

    def summary(self) -> dict[str, dict[str, float]]:
        """Mean of every metric per method: ``{method: {metric: mean}}`` (NaN where a metric is
        undefined, e.g. infidelity on token ids)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: NaN, no noise
            return {m: {k: float(np.nanmean(v)) for k, v in d.items()}
                    for m, d in self.metrics.items()}


def _predict(model: nn.Module, x: torch.Tensor, batch_size: int) -> torch.Tensor:
    outs = []
    with preserved_model(model), torch.inference_mode():
        for s in range(0, x.shape[0], batch_size):
            xb = x[s:s + batch_size]
            outs.append(check_model_output(model(xb), xb.shape[0]).detach())
    return torch.cat(outs)


def _explain_all(
    method: Method, model: nn.Module, x: torch.Tensor, target: torch.Tensor, batch_size: int,
    seed: int, bar: Any,
) -> tuple[np.ndarray, float]:
    chunks = []
    start = time.perf_counter()
    with preserved_model(model), seeded(seed), quiet_captum():
        for s in range(0, x.shape[0], batch_size):
            xb, tb = x[s:s + batch_size], target[s:s + batch_size]
            a = method.explain(xb, tb)
            if not isinstance(a, torch.Tensor) or a.shape[0] != xb.shape[0]:
                got = tuple(a.shape) if isinstance(a, torch.Tensor) else type(a).__name__
                raise ValueError(f"argument 'methods': {method.label!r} returned {got}, expected "
                                 f"attributions with {xb.shape[0]} samples shaped like the inputs")
            chunks.append(a.detach().float().cpu())
            bar.update(1)
    seconds = (time.perf_counter() - start) / x.shape[0]
    return torch.cat(chunks).numpy(), seconds


def compare_attributions(
    model: nn.Module,
    inputs: Any,
    target: Any = None,
    methods: Sequence[Any] | Mapping[str, Any] = DEFAULT_METHODS,
    *,
    metrics: Sequence[str] = ("deletion_auc", "insertion_auc", "infidelity", "sensitivity"),
    metric_samples: int = 32,
    sensitivity_samples: int = 8,
    baseline: float = 0.0,
    steps: int = 20,
    kind: str | None = None,
    layer: str | nn.Module | None = None,
    batch_size: int = 32,
    seed: int = 0,
    progress: bool = True,
) -> AttributionResult:
    """Explain ``inputs`` with every method and score each explanation on the model.

    Parameters
    ----------
    model : nn.Module
        The trained model; used in place and left exactly as found.
    inputs : Tensor or ndarray
        (N, C, H, W) images, (N, F) tabular rows or (N, T, F) sequences, as the model expects
        them (already normalised); or (N, T) integer token ids with ``layer``.
    target : int or sequence of int, optional
        Class to explain per sample. Default: the model's predicted class.
    methods : list or dict
        Names from :data:`xaiwidgets._methods.METHODS` and/or objects with Captum's
        ``attribute(inputs, target=...)``; a dict gives them display labels.
    metrics : sequence of str
        Any of ``deletion_auc``, ``insertion_auc``, ``infidelity``, ``sensitivity``; seconds per
        explanation are always measured.
    metric_samples : int, default=32
        Metrics are computed on the first ``metric_samples`` samples (they re-run the model).
    sensitivity_samples : int, default=8
        Max-sensitivity re-runs the explainer 5 times per sample, so it uses only the first
        ``sensitivity_samples`` of those.
    baseline : float, default=0.0
        Value that deleted features take in the deletion/insertion metrics. For token ids: the
        token id (an int, e.g. the pad id) that replaces removed tokens in the metrics and in
        occlusion / feature ablation, and whose sequence is the baseline of the gradient methods.
    steps : int, default=20
        Points on the deletion/insertion curves.
    kind : {"image", "tabular", "sequence"}, optional
        Default: from the shape (``"sequence"`` for token ids).
    layer : str or nn.Module, optional
        Token-id inputs only: the embedding layer (name in ``model.named_modules()`` or the
        module). Named methods then run as Captum's layer variants there
        (:data:`xaiwidgets._methods.LAYER_METHODS`: LayerIntegratedGradients,
        LayerGradientXActivation, LayerDeepLift, GradientSHAP in embedding space) and give
        (N, T, E) attributions; occlusion and feature ablation replace token ids by
        ``baseline`` and give (N, T). Infidelity and max-sensitivity perturb inputs with noise,
        which token ids cannot take: they are reported as NaN.
    seed : int, default=0
        Seeds sampling methods and metric perturbations (the global RNG is left untouched).

    Returns
    -------
    AttributionResult
    """
    check_model(model)
    raw = as_tensor(inputs, "inputs")
    token_ids = raw.ndim == 2 and not (raw.is_floating_point() or raw.is_complex())
    if token_ids and layer is None and kind in (None, "sequence"):
        raise ValueError(
            f"argument 'layer': integer inputs of shape {tuple(raw.shape)} look like token ids; "
            "explain them at the model's embedding layer with kind='sequence', "
            "layer=<embedding name or module> (or pass float inputs)")
    if layer is not None:
        if not token_ids:
            raise ValueError(
                f"argument 'layer': only for (N, T) integer token ids, got inputs of dtype "
                f"{raw.dtype} and shape {tuple(raw.shape)}")
        kind = kind or "sequence"
        layer_module = _resolve_layer(model, layer)
        if isinstance(baseline, bool) or not float(baseline).is_integer():
            raise ValueError(f"argument 'baseline': token-id inputs need an integer baseline "
                             f"token id (e.g. the pad id), got {baseline!r}")
        baseline = int(baseline)
    else:
        layer_module = None
    x, kind = check_inputs(raw, kind=kind, allow_integer=layer is not None)
    unknown = [m for m in metrics if m not in METRICS or m == "seconds"]
    if unknown:
        raise ValueError(f"argument 'metrics': unknown metrics {unknown}; expected any of "
                         f"{[m for m in METRICS if m != 'seconds']}")
    if metric_samples < 0:
        raise ValueError(f"argument 'metric_samples': expected >= 0, got {metric_samples}")
    x = x.to(model_device(model))
    n = x.shape[0]
    out = _predict(model, x, batch_size)
    pred = out.argmax(dim=1)
    target_t = pred.clone() if target is None else check_targets(target, n, out.shape[1])
    target_t = target_t.to(x.device)
    prob = (torch.softmax(out, 1).gather(1, target_t.view(-1, 1))[:, 0] if out.shape[1] > 1
            else out[:, 0])
    resolved = resolve_methods(model, methods, kind, layer=layer_module,
                               baseline_id=int(baseline) if layer_module is not None else 0)

    from tqdm.auto import tqdm

    n_batches = -(-n // batch_size)
    attributions: dict[str, np.ndarray] = {}
    seconds: dict[str, float] = {}
    with tqdm(total=n_batches * len(resolved), desc="attributions", unit="batch",
              disable=not progress) as bar:
        for m in resolved:
            bar.set_postfix_str(m.label)
            attributions[m.label], seconds[m.label] = _explain_all(
                m, model, x, target_t, batch_size, seed, bar)

    result = AttributionResult(
        kind=kind, inputs=x.detach().cpu().numpy(), target=target_t.cpu().numpy(),
        pred=pred.cpu().numpy(), prob=prob.detach().cpu().numpy(),
        methods=[m.label for m in resolved], attributions=attributions,
        seconds_per_sample=seconds, n_outputs=int(out.shape[1]),
        baseline=(f"deletion/insertion replace features by {baseline:g} in the model's input "
                  f"space; max-sensitivity on the first "
                  f"{min(n, metric_samples, sensitivity_samples)} samples"
                  if layer_module is None else
                  f"deletion/insertion replace tokens by token id {baseline}; infidelity and "
                  "max-sensitivity are undefined on token ids (NaN)"),
    )
    k = min(n, metric_samples)
    if k and metrics:
        _score(result, model, x[:k], target_t[:k], resolved, metrics, baseline=baseline,
               steps=steps, seed=seed, progress=progress,
               sensitivity_samples=min(k, sensitivity_samples))
    return result


def _resolve_layer(model: nn.Module, layer: str | nn.Module) -> nn.Module:
    if isinstance(layer, nn.Module):
        if not any(m is layer for m in model.modules()):
            raise ValueError(f"argument 'layer': the {type(layer).__name__} given is not a "
                             f"submodule of the model")
        return layer
    if not isinstance(layer, str):
        raise TypeError(f"argument 'layer': expected a layer name or module, got "
                        f"{type(layer).__name__}")
    check_layer_names(model, [layer], name="layer")
    return dict(model.named_modules())[layer]


def _score(
    result: AttributionResult, model: nn.Module, x: torch.Tensor, target: torch.Tensor,
    methods: list[Method], names: Sequence[str], *, baseline: float, steps: int, seed: int,
    progress: bool, sensitivity_samples: int,
) -> None:
    from tqdm.auto import tqdm

    k = x.shape[0]
    result.metric_indices = np.arange(k)
    for m in tqdm(methods, desc="metrics", unit="method", disable=not progress):
        a = torch.from_numpy(result.attributions[m.label][:k]).to(x.device)
        values: dict[str, np.ndarray] = {}
        if "deletion_auc" in names or "insertion_auc" in names:
            frac, dele = _metrics.deletion_curve(model, x, a, target, result.kind,
                                                 baseline=baseline, steps=steps)
            _, ins = _metrics.insertion_curve(model, x, a, target, result.kind,
                                              baseline=baseline, steps=steps)
            result.fractions = frac
            result.deletion_curves[m.label], result.insertion_curves[m.label] = dele, ins
            if "deletion_auc" in names:
                values["deletion_auc"] = np.trapezoid(dele, frac, axis=1)
            if "insertion_auc" in names:
                values["insertion_auc"] = np.trapezoid(ins, frac, axis=1)
        token_ids = not x.is_floating_point()
        if "infidelity" in names:
            if a.shape != x.shape or token_ids:
                values["infidelity"] = np.full(k, np.nan)  # layer attributions: not defined
            else:
                values["infidelity"] = _metrics.infidelity(model, x, a, target, seed=seed)
        if "sensitivity" in names and token_ids:
            values["sensitivity"] = np.full(k, np.nan)  # no noise can be added to token ids
        elif "sensitivity" in names and sensitivity_samples:
            s = sensitivity_samples
            with seeded(seed):
                sens = _metrics.sensitivity(m.explain, model, x[:s], target[:s], seed=seed,
                                            n_perturb_samples=5)
            # NaN beyond the subset: summaries use nanmean and report their own n.
            values["sensitivity"] = np.concatenate([sens, np.full(k - s, np.nan)])
        values["seconds"] = np.full(k, result.seconds_per_sample[m.label])
        result.metrics[m.label] = values
