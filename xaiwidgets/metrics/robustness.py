"""Robustness of any explanation: Captum's infidelity and max-sensitivity, seeded and batched.

* **Infidelity** (``captum.metrics.infidelity``, lower is better): how well attributions
  predict the change of the model's output under Gaussian perturbations of the input.
* **Max-sensitivity** (``captum.metrics.sensitivity_max``, lower is better): the largest
  relative change of the explanation under small uniform perturbations.
* **Local Lipschitz estimate** (Alvarez-Melis & Jaakkola 2018, lower is more stable):
  ``max ||e(x) - e(x')|| / ||x - x'||`` over perturbations x' in a box around x (continuous)
  or over the nearest points of a dataset (discrete), for any explainer ``e``.

Perturbations come from their own seeded generators; every call pushes at most
``batch_size`` perturbed inputs through the model at once, so memory stays bounded.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from captum.metrics import infidelity as _captum_infidelity
from captum.metrics import sensitivity_max as _captum_sensitivity_max
from torch import nn

from .._core.batching import batch_slices, map_batches
from .._core.captum import quiet_captum
from .._core.explainers import Explain, _from_explainer, _label_of, check_explained_targets
from .._core.modality import check_inputs
from .._core.probe import preserved_model, run_model, with_autograd
from .._core.random import check_seed, seeded
from .._core.task import Task, infer_task
from .._core.validation import (
    check_int,
    check_model,
    check_model_output,
    check_number,
    check_option,
    check_targets,
    describe,
)

__all__ = ["infidelity", "local_lipschitz", "sensitivity"]


def _gaussian_perturb(sigma: float, seed: int) -> Callable[[torch.Tensor], tuple]:
    gen = torch.Generator().manual_seed(seed)

    def perturb(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        noise = torch.randn(x.shape, generator=gen, dtype=x.dtype).to(x.device) * sigma
        return noise, x - noise

    return perturb


@with_autograd
def infidelity(
    model: nn.Module,
    inputs: Any,
    attributions: Any,
    target: Any,
    *,
    task: Task | None = None,
    noise_scale: float = 0.1,
    n_perturb_samples: int = 10,
    batch_size: int = 64,
    seed: int = 0,
) -> np.ndarray:
    """``captum.metrics.infidelity`` with Gaussian perturbations of std
    ``noise_scale * std(inputs)``; attributions are normalised, so the score is invariant to
    rescaling them. Lower is better; shape (N,).

    ``batch_size`` caps the perturbed inputs per forward pass (Captum's
    ``max_examples_per_batch``). For a one-logit binary ``task`` the class-``target`` output is
    the signed logit; for a regression the output itself.
    """
    check_model(model)
    noise_scale = check_number(noise_scale, "noise_scale", low=0.0, low_open=True)
    n_perturb_samples = check_int(n_perturb_samples, "n_perturb_samples", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    seed = check_seed(seed)
    if task is not None and not isinstance(task, Task):
        raise TypeError(f"argument 'task': expected a Task or None, got {describe(task)}")
    x, _ = check_inputs(inputs, model=model, allow_tokens=False)
    a = _check_like_inputs(attributions, x)
    tgt = _check_target(model, target, x, task)
    return _infidelity(model, x, a, tgt, task=task, noise_scale=noise_scale,
                       n_perturb_samples=n_perturb_samples, batch_size=batch_size, seed=seed)


def _check_like_inputs(attributions: Any, x: torch.Tensor, name: str = "attributions"
                       ) -> torch.Tensor:
    """Attributions shaped like the inputs, finite, in the inputs' dtype."""
    from .faithfulness import check_attributions

    a = check_attributions(attributions, x, name)
    if a.shape != x.shape:
        raise ValueError(f"argument '{name}': expected attributions shaped like the inputs "
                         f"{tuple(x.shape)}, got {describe(a)}")
    return a.to(x.dtype)


def _check_target(model: nn.Module, target: Any, x: torch.Tensor, task: Task | None
                  ) -> torch.Tensor:
    """One class per input, within the model's outputs (a regression: class 0)."""
    if task is not None and task.is_classifier:
        n_classes = task.n_classes
    else:
        with preserved_model(model), torch.no_grad():
            n_classes = int(check_model_output(run_model(model, x[:1]), 1).shape[1])
    return check_targets(target, x.shape[0], n_classes).to(x.device)


def _infidelity(model: nn.Module, inputs: torch.Tensor, attributions: torch.Tensor,
                target: torch.Tensor, *, task: Task | None, noise_scale: float,
                n_perturb_samples: int, batch_size: int, seed: int) -> np.ndarray:
    """The worker behind :func:`infidelity` (validated arguments)."""
    spread = float(inputs.float().std()) if inputs.numel() > 1 else 0.0
    # constant inputs have no spread: fall back to their magnitude (or 1)
    sigma = noise_scale * (spread or max(float(inputs.abs().mean()), 1.0))
    forward = (task or Task("multiclass", 2)).for_attribution(model)  # no task: unsigned
    tgt = task.attribution_target(target) if task is not None else target
    perturb = _gaussian_perturb(sigma, seed)
    parts = []
    with preserved_model(model):
        # Captum batches over perturbations of the whole input batch: chunk the inputs, one
        # perturbation of a chunk per forward pass
        for sl in batch_slices(inputs.shape[0], batch_size):
            parts.append(_captum_infidelity(
                forward, perturb, inputs[sl], attributions[sl].detach(), target=tgt[sl],
                n_perturb_samples=n_perturb_samples, normalize=True,
                max_examples_per_batch=len(inputs[sl])).detach())
    return torch.cat(parts).double().cpu().numpy()


@with_autograd
def sensitivity(
    explain: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    model: nn.Module,
    inputs: Any,
    target: Any,
    *,
    radius: float = 0.02,
    n_perturb_samples: int = 10,
    batch_size: int = 64,
    seed: int = 0,
) -> np.ndarray:
    """``captum.metrics.sensitivity_max``: the largest relative change of the explanation under
    uniform perturbations of L-inf radius ``radius * (max(inputs) - min(inputs))``. Lower is
    better; shape (N,)."""
    check_model(model)
    if not callable(explain):
        raise TypeError(f"argument 'explain': expected explain(inputs, target) -> "
                        f"attributions, got {describe(explain)}")
    radius = check_number(radius, "radius", low=0.0, low_open=True)
    n_perturb_samples = check_int(n_perturb_samples, "n_perturb_samples", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    seed = check_seed(seed)
    x, _ = check_inputs(inputs, model=model, allow_tokens=False)
    tgt = _check_target(model, target, x, None)
    return _sensitivity(explain, model, x, tgt, radius=radius,
                        n_perturb_samples=n_perturb_samples, batch_size=batch_size, seed=seed)


def _sensitivity(explain: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                 model: nn.Module, inputs: torch.Tensor, target: torch.Tensor, *, radius: float,
                 n_perturb_samples: int, batch_size: int, seed: int) -> np.ndarray:
    """The worker behind :func:`sensitivity` (validated arguments)."""
    r = float(radius * (inputs.max() - inputs.min()).clamp_min(1e-8))
    gen = torch.Generator().manual_seed(seed)

    def perturb(x: torch.Tensor, perturb_radius: float) -> torch.Tensor:
        u = torch.rand(x.shape, generator=gen, dtype=x.dtype).to(x.device)
        return x + (2 * u - 1) * perturb_radius

    def explanation_func(x: torch.Tensor | tuple, target: torch.Tensor) -> Any:
        # Captum hands single inputs over as 1-tuples here, and reshapes with .view.
        if isinstance(x, tuple):
            return (explain(x[0], target).contiguous(),)
        return explain(x, target).contiguous()

    parts = []
    with preserved_model(model), quiet_captum():
        for sl in batch_slices(inputs.shape[0], batch_size):
            parts.append(_captum_sensitivity_max(
                explanation_func, inputs[sl], perturb_func=perturb, perturb_radius=r,
                n_perturb_samples=n_perturb_samples, target=target[sl],
                max_examples_per_batch=len(inputs[sl])).detach())
    return torch.cat(parts).double().cpu().numpy()


# -- local Lipschitz estimate --------------------------------------------------------------


def explainer_model(explain: Any) -> nn.Module | None:
    """The model an explainer runs: a bound method's module (``senn.attribute``), a Captum
    explainer's ``forward_func`` or an estimator's ``model``; None if none is found."""
    for obj in (getattr(explain, "__self__", None), explain):
        if obj is None:
            continue
        if isinstance(obj, nn.Module):
            return obj
        for name in ("forward_func", "model"):
            m = getattr(obj, name, None)
            if isinstance(m, nn.Module):
                return m
    return None


def as_explain(explain: Any, task: Task, name: str = "explain",
               targets: Callable[[], tuple[torch.Tensor, torch.Tensor]] | None = None
               ) -> Explain:
    """``explain(x, target)`` from a callable of that signature or an object with Captum's
    ``attribute(x, target=...)`` (binary / one-output models handled as in
    :func:`xaiwidgets.compare_attributions`). ``targets() -> (explained, predicted)``: for an
    object whose ``attribute`` takes no target, the explained classes must be the predicted
    ones (see :func:`~xaiwidgets._core.explainers.check_explained_targets`)."""
    if callable(getattr(explain, "attribute", None)) and not inspect.ismethod(explain):
        method = _from_explainer(explain, _label_of(explain), task)
        if not method.takes_target and targets is not None:
            check_explained_targets([method], *targets(), name=name)
        return method.explain
    if callable(explain):
        return explain
    raise TypeError(f"argument '{name}': expected explain(inputs, target) -> attributions or an "
                    f"object with attribute(inputs, target=...), got {describe(explain)}")


def _flat_explanation(e: Any, n: int, name: str) -> torch.Tensor:
    if isinstance(e, tuple) and e:
        e = e[0]
    if not isinstance(e, torch.Tensor) or e.ndim == 0 or e.shape[0] != n:
        raise ValueError(f"argument '{name}': expected one explanation per input ({n}), got "
                         f"{describe(e)}")
    e = e.detach().reshape(n, -1).double()
    if not torch.isfinite(e).all():
        raise ValueError(f"argument '{name}': the explainer returned NaN or Inf")
    return e


@with_autograd
def local_lipschitz(
    explain: Any,
    inputs: Any,
    target: Any = None,
    *,
    model: nn.Module | None = None,
    task: str | Task = "auto",
    mode: str = "continuous",
    eps: float = 0.1,
    n_samples: int = 20,
    data: Any = None,
    radius: float | None = None,
    represent: Callable[[torch.Tensor], torch.Tensor] | None = None,
    clip: bool = True,
    batch_size: int = 256,
    seed: int = 0,
) -> np.ndarray:
    """Local Lipschitz estimate of an explanation, per input (lower is more stable).

    ``L(x) = max_x' ||e(x) - e(x')|| / ||r(x) - r(x')||`` where ``e`` is the explanation of the
    class explained at x (the same class at every x') and ``r`` the representation the
    explanation is over: the inputs themselves by default, or e.g. a SENN's concepts.

    Parameters
    ----------
    explain : callable or explainer
        ``explain(x, target) -> attributions`` (e.g. ``senn.attribute``), or an object with
        Captum's ``attribute(x, target=...)`` (e.g. ``IntegratedGradients(model)``).
    inputs : Tensor, ndarray or DataFrame
        (N, F) rows or (N, C, H, W) images (float).
    target : int or sequence of int, optional
        Class explained per input. Default: ``model``'s predicted class.
    model : nn.Module, optional
        The model the explainer runs (default: found on ``explain``: a bound method's module,
        a Captum explainer's ``forward_func``). Every call runs inside
        :func:`xaiwidgets.preserved_model`, so it is left exactly as found.
    task : {"auto", "multiclass", "binary", "regression"} or Task
        How to read ``model``'s outputs for the default target.
    mode : {"continuous", "discrete"}, default="continuous"
        ``"continuous"``: ``n_samples`` points drawn uniformly in the box
        ``x +- eps * max(std, 1e-3)`` per dimension (std over ``data``), clipped to the range
        of ``data`` (the reference's search box; random search instead of its Gaussian-process
        optimiser). ``"discrete"``: the ``n_samples`` nearest points of ``data`` (other than x
        itself; within ``radius`` if given), as for COMPAS in the paper.
    eps : float, default=0.1
    n_samples : int, default=20
    data : Tensor or ndarray, optional
        Reference data (default: ``inputs``): the spread and range of the box, or the
        neighbours of the discrete estimate.
    radius : float, optional
        Discrete mode: only neighbours within this Euclidean distance count.
    represent : callable, optional
        ``r(x)`` for the denominator (default: the inputs, flattened).
    clip : bool, default=True
        Continuous mode: keep perturbations inside the range of ``data``.
    batch_size : int, default=256
        Inputs per explainer call.
    seed : int, default=0
        Seeds the perturbations (own generator) and the global RNGs during explainer calls
        (restored on exit).

    Returns
    -------
    ndarray of shape (N,)
        NaN for an input without a usable neighbour.
    """
    check_option(mode, "mode", ("continuous", "discrete"))
    eps = check_number(eps, "eps", low=0.0, low_open=True)
    n_samples = check_int(n_samples, "n_samples", low=1)
    check_number(radius, "radius", low=0.0, low_open=True, allow_none=True)
    batch_size = check_int(batch_size, "batch_size", low=1)
    seed = check_seed(seed)
    if represent is not None and not callable(represent):
        raise TypeError(f"argument 'represent': expected a function of the inputs, got "
                        f"{describe(represent)}")
    model = explainer_model(explain) if model is None else check_model(model)
    x, _ = check_inputs(inputs, model=model, allow_tokens=False)
    n = x.shape[0]
    ref = x if data is None else check_inputs(data, "data", model=model, allow_tokens=False)[0]
    if tuple(ref.shape[1:]) != tuple(x.shape[1:]):
        raise ValueError(f"argument 'data': expected samples shaped like the inputs "
                         f"{tuple(x.shape[1:])}, got {describe(ref)}")
    guard = preserved_model(model) if model is not None else contextlib.nullcontext()
    with guard:
        out = None
        if model is not None:
            with torch.no_grad():  # not inference_mode: targets go into autograd explainers
                out = check_model_output(run_model(model, x[:batch_size]), min(n, batch_size))
        t_ = task if isinstance(task, Task) else (infer_task(task, out.shape[1]) if out is not None
                                                 else Task("multiclass", 2))

        def predicted() -> torch.Tensor:
            assert model is not None
            with torch.no_grad():
                return map_batches(lambda xb: t_.predict(run_model(model, xb)), x,
                                   batch_size).long()

        if target is None:
            if model is None:
                raise ValueError("argument 'target': pass the class explained per input, or "
                                 "model= to explain its predicted class")
            tgt = predicted()
        else:
            tgt = check_targets(target, n, t_.n_classes if t_.is_classifier else 1).to(x.device)

        def explained() -> tuple[torch.Tensor, torch.Tensor]:
            if target is None or not t_.is_classifier:
                return tgt, tgt
            if model is None:
                raise ValueError(f"argument 'explain': {_label_of(explain)!r} has "
                                 "attribute(inputs) without a target parameter; it cannot "
                                 "explain the classes given in target= (pass model= or a "
                                 "target parameter)")
            return tgt, predicted()

        fn = as_explain(explain, t_, targets=explained)
    return _local_lipschitz(fn, x, tgt, ref, model=model, represent=represent, mode=mode,
                            eps=eps, n_samples=n_samples, radius=radius, clip=clip,
                            batch_size=batch_size, seed=seed)


def _local_lipschitz(
    fn: Callable[[torch.Tensor, torch.Tensor], Any], x: torch.Tensor, tgt: torch.Tensor,
    ref: torch.Tensor, *, model: nn.Module | None,
    represent: Callable[[torch.Tensor], torch.Tensor] | None, mode: str, eps: float,
    n_samples: int, radius: float | None, clip: bool, batch_size: int, seed: int,
) -> np.ndarray:
    """The worker behind :func:`local_lipschitz`: validated inputs ``x``, their explained
    classes ``tgt``, reference data ``ref`` shaped like ``x`` and ``fn(x, target)``."""
    n = x.shape[0]
    rep = represent or (lambda v: v)

    def run(v: torch.Tensor, t: torch.Tensor, what: Callable[..., Any]) -> torch.Tensor:
        parts = [_flat_explanation(what(v[sl], t[sl]) if what is fn else what(v[sl]),
                                   len(v[sl]), "explain" if what is fn else "represent")
                 for sl in batch_slices(len(v), batch_size)]
        return torch.cat(parts)

    guard = preserved_model(model) if model is not None else contextlib.nullcontext()
    gen = torch.Generator().manual_seed(seed)
    result = np.full(n, np.nan)
    flat_ref = ref.reshape(len(ref), -1)
    scale = (ref.std(0, unbiased=False) if len(ref) > 1 else torch.zeros_like(ref[0])
             ).clamp_min(1e-3)
    lo, hi = ref.min(0).values, ref.max(0).values
    chunk = max(1, batch_size // n_samples)
    with guard, seeded(seed), quiet_captum():
        for sl in batch_slices(n, chunk):
            xc, tc = x[sl], tgt[sl]
            c = len(xc)
            if mode == "continuous":
                u = torch.rand((c, n_samples, *x.shape[1:]), generator=gen,
                               dtype=x.dtype).to(x.device)
                xp = xc[:, None] + (2 * u - 1) * eps * scale
                if clip:
                    xp = torch.maximum(torch.minimum(xp, hi), lo)
                xp = xp.reshape(c * n_samples, *x.shape[1:])
                k = n_samples
            else:
                d = torch.cdist(xc.reshape(c, -1).double(), flat_ref.double())
                d = d.masked_fill(d < 1e-12, float("inf"))
                if radius is not None:
                    d = d.masked_fill(d > radius, float("inf"))
                k = min(n_samples, len(ref))
                dist, idx = torch.topk(d, k, dim=1, largest=False)
                xp = ref[idx.reshape(-1)]
            tp = tc.repeat_interleave(k)
            e0 = run(xc, tc, fn).repeat_interleave(k, dim=0)
            r0 = run(xc, tc, rep).repeat_interleave(k, dim=0)
            num = (run(xp, tp, fn) - e0).norm(dim=1)
            den = (run(xp, tp, rep) - r0).norm(dim=1)
            ratio = torch.where(den > 1e-12, num / den.clamp_min(1e-300),
                                torch.full_like(num, float("nan")))
            if mode == "discrete":
                ratio = torch.where(torch.isfinite(dist.reshape(-1)), ratio,
                                    torch.full_like(ratio, float("nan")))
            ratio = ratio.reshape(c, k)
            ok = torch.isfinite(ratio).any(1)
            best = torch.where(torch.isfinite(ratio), ratio,
                               torch.full_like(ratio, -1.0)).max(1).values
            result[sl] = torch.where(ok, best, torch.full_like(best, float("nan"))
                                     ).cpu().numpy()
    return result
