"""Faithfulness of any explanation, measured on the model itself.

* **Deletion** (Petsiuk et al. 2018): remove locations in order of decreasing attribution
  (replace them by the baseline) and track the model's score for the target. For classifiers
  the score is the probability of the explained class, and a faithful explanation makes it drop
  fast: a **lower** area is better. For a regression it is ``|f(x') - f(x)|``, how far the
  prediction has moved: a faithful explanation moves it fast, a **higher** area is better.
* **Insertion**: start from the baseline and insert locations in the same order; classifiers:
  a **higher** area is better; regression: ``|f(x') - f(x)|`` falls fast, a **lower** area.
* **Hard-mask preservation**: how often the prediction survives keeping only the top fraction
  of locations (the same test the explanatory masks are judged by).
* **Faithfulness correlation** ("probability drops", Alvarez-Melis & Jaakkola 2018): remove
  each location alone (replace it by a baseline, e.g. the training median) and correlate the
  drop of the explained class's probability with the location's relevance; higher is better.

Locations are pixels (attributions summed over channels), columns, time steps or token
positions (padding excluded); see :mod:`xaiwidgets._core.modality`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from .._core.batching import batch_slices, map_batches
from .._core.modality import Masker, check_inputs
from .._core.probe import (
    find_embedding,
    preserved_model,
    resolve_layer,
    run_model,
    with_autograd,
)
from .._core.task import Task, infer_task
from .._core.validation import (
    as_tensor,
    check_finite_tensor,
    check_int,
    check_model,
    check_model_output,
    check_number,
    check_option,
    check_targets,
    describe,
)

__all__ = [
    "deletion_curve",
    "faithfulness_correlation",
    "hard_mask_outcome",
    "hard_mask_preservation",
    "insertion_curve",
    "location_ranks",
    "mask_outcome",
    "topk_mask",
]


def check_attributions(attributions: Any, x: torch.Tensor, name: str = "attributions"
                       ) -> torch.Tensor:
    """Attributions for ``x``: same number of samples, finite (NaN cannot be ranked)."""
    a = as_tensor(attributions, name).to(x.device)
    if a.ndim == 0 or a.shape[0] != x.shape[0]:
        raise ValueError(f"argument '{name}': expected one attribution per sample of the "
                         f"{x.shape[0]} inputs, got {describe(a)}")
    a = a.float()
    if not torch.isfinite(a).all():
        bad = (~torch.isfinite(a)).reshape(a.shape[0], -1).any(1).nonzero().flatten()
        raise ValueError(f"argument '{name}': contains NaN or Inf (samples "
                         f"{bad[:10].tolist()}); NaN attributions cannot be ranked")
    return a


def location_ranks(scores: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """(N, L) rank of each location by decreasing score (0 = most attributed); ties broken by
    position; invalid locations (padding) rank last."""
    s = scores.masked_fill(~valid, -math.inf)
    order = torch.argsort(s, dim=1, descending=True, stable=True)
    rank = torch.empty_like(order)
    rank.scatter_(1, order, torch.arange(s.shape[1], device=s.device).expand_as(order))
    return rank


def topk_mask(scores: torch.Tensor, valid: torch.Tensor, keep: float | torch.Tensor
              ) -> torch.Tensor:
    """0/1 mask (N, L) keeping the ``keep`` fraction (at least 1) of valid locations with the
    highest scores (or ``keep`` locations per sample, for an integer tensor). "Keep 40 %" rounds
    down, so it never keeps more than 40 %."""
    n_valid = valid.sum(dim=1)
    if isinstance(keep, torch.Tensor):
        k = keep.long()
    else:  # 1e-9 absorbs 0.3 * 10 = 2.9999...
        k = torch.floor(keep * n_valid.double() + 1e-9).long()
    k = torch.minimum(torch.clamp(k, min=1), n_valid)
    rank = location_ranks(scores, valid)
    return ((rank < k[:, None]) & valid).float()


def _setup(model: nn.Module, inputs: Any, attributions: Any, target: Any, kind: str | None,
           task: str | Task, baseline: float, pad_id: int | None, layer: Any
           ) -> tuple[torch.Tensor, torch.Tensor, Masker, Task, torch.Tensor, torch.Tensor]:
    check_model(model)
    emb = resolve_layer(model, layer)[1] if layer is not None else None
    raw = as_tensor(inputs, "inputs")
    x, kind = check_inputs(raw, kind=kind, model=model, embedding=emb)
    a = check_attributions(attributions, x)
    check_number(baseline, "baseline")
    masker = Masker(model, kind, baseline=baseline, pad_id=pad_id, at="ids")
    masker.check_valid(x)
    with preserved_model(model), torch.inference_mode():
        out = check_model_output(run_model(model, x), x.shape[0])
    t = task if isinstance(task, Task) else infer_task(task, out.shape[1])
    if t.is_classifier:
        tgt = t.predict(out) if target is None else check_targets(target, x.shape[0],
                                                                  t.n_classes).to(x.device)
    else:
        tgt = torch.zeros(x.shape[0], dtype=torch.long, device=x.device)
    return x, a, masker, t, tgt, t.reference(out)


def _curve(model: nn.Module, inputs: Any, attributions: Any, target: Any, kind: str | None, *,
           insert: bool, task: str | Task, baseline: float, steps: int, batch_size: int,
           pad_id: int | None, layer: Any) -> tuple[np.ndarray, np.ndarray]:
    steps = check_int(steps, "steps", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    x, a, masker, t, tgt, ref = _setup(model, inputs, attributions, target, kind, task,
                                       baseline, pad_id, layer)
    return _curve_values(masker, t, x, a, tgt, ref, insert=insert, steps=steps,
                         batch_size=batch_size)


def _curve_values(masker: Masker, task: Task, x: torch.Tensor, a: torch.Tensor,
                  target: torch.Tensor, ref: torch.Tensor, *, insert: bool, steps: int,
                  batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """The deletion (or insertion) curve of validated arguments: the worker behind
    :func:`deletion_curve` / :func:`insertion_curve` and ``compare_attributions``."""
    valid = masker.valid(x)
    rank = location_ranks(masker.scores(a, x), valid)
    n_valid = valid.sum(1)
    fractions = np.linspace(0.0, 1.0, steps + 1)
    curve = np.empty((x.shape[0], steps + 1), dtype=np.float64)
    with masker.active(), torch.inference_mode():
        for sl in batch_slices(x.shape[0], batch_size):
            for j, frac in enumerate(fractions):
                k = torch.round(frac * n_valid[sl].double()).long()
                top = (rank[sl] < k[:, None]) & valid[sl]
                keep = top if insert else ~top
                out = masker.output(x[sl], keep.float())
                score = (task.target_score(out, target[sl]) if task.is_classifier
                         else task.deviation(out, ref[sl]))
                curve[sl, j] = score.double().cpu().numpy()
    return fractions, curve


@with_autograd
def deletion_curve(
    model: nn.Module, inputs: Any, attributions: Any, target: Any = None,
    kind: str | None = None, *, task: str | Task = "auto", baseline: float = 0.0,
    steps: int = 20, batch_size: int = 64, pad_id: int | None = None, layer: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Model score as the most-attributed locations are replaced by ``baseline``.

    Parameters
    ----------
    model : nn.Module
    inputs : Tensor or ndarray
        Images, tabular rows, float sequences or (N, T) token ids.
    attributions : Tensor or ndarray
        Shaped like the inputs (or (N, T, E) at a token embedding).
    target : int or sequence of int, optional
        Explained class per sample (default: the predicted class). Ignored for regression.
    kind : str, optional
        Default: from the inputs' shape and dtype.
    task : {"auto", "multiclass", "binary", "regression"} or Task
    baseline : float, default=0.0
        What a removed location becomes (for token ids: the token id).
    steps : int, default=20
    batch_size : int, default=64
        Inputs per forward pass: memory holds one batch of masked inputs.
    pad_id : int, optional
        Token ids: padding positions are not locations and stay in place.

    Returns
    -------
    fractions : ndarray of shape (steps + 1,)
        Fraction of locations removed.
    curve : ndarray of shape (N, steps + 1)
        Score per sample (see the module docstring); its area,
        ``np.trapezoid(curve, fractions)``, is the deletion AUC.
    """
    return _curve(model, inputs, attributions, target, kind, insert=False, task=task,
                  baseline=baseline, steps=steps, batch_size=batch_size, pad_id=pad_id,
                  layer=layer)


@with_autograd
def insertion_curve(
    model: nn.Module, inputs: Any, attributions: Any, target: Any = None,
    kind: str | None = None, *, task: str | Task = "auto", baseline: float = 0.0,
    steps: int = 20, batch_size: int = 64, pad_id: int | None = None, layer: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Model score as the most-attributed locations are inserted into ``baseline`` (same
    arguments and returns as :func:`deletion_curve`)."""
    return _curve(model, inputs, attributions, target, kind, insert=True, task=task,
                  baseline=baseline, steps=steps, batch_size=batch_size, pad_id=pad_id,
                  layer=layer)


def mask_outcome(masker: Masker, task: Task, x: torch.Tensor, keep: torch.Tensor,
                 ref: torch.Tensor, tol: float = 0.5) -> tuple[torch.Tensor, torch.Tensor]:
    """The one scorer of masks: the model's prediction on ``x`` with ``keep`` applied.

    Every mask figure the project prints (:func:`hard_mask_preservation`,
    :meth:`~xaiwidgets.MaskExplainer.evaluate`, its trade-off sweep and the widget's table)
    comes from here.

    Parameters
    ----------
    masker : Masker
        Removes the locations; must be inside its ``active()`` context.
    task : Task
    x : Tensor
        A batch of inputs.
    keep : Tensor
        One value per location in [0, 1] (soft or 0/1), shaped ``masker.shape(x)`` or (N, L).
    ref : Tensor
        The unmasked predictions, ``task.reference(model(x))``.
    tol : float, default=0.5
        Regression: preserved means ``|f(x~) - f(x)| <= tol``.

    Returns
    -------
    preserved : Tensor of shape (N,), bool
    deviation : Tensor of shape (N,)
        Regression: ``|f(x~) - f(x)|``; classifiers: zeros.
    """
    out = masker.output(x, keep)
    return task.preserved(out, ref, tol), task.deviation(out, ref)


def hard_mask_outcome(masker: Masker, task: Task, x: torch.Tensor, scores: torch.Tensor,
                      keep: float, ref: torch.Tensor, tol: float = 0.5
                      ) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`mask_outcome` of the 0/1 mask that keeps the top ``keep`` fraction of valid
    locations by ``scores`` (N, L) (:func:`topk_mask`) and removes everything else."""
    hard = topk_mask(scores.reshape(x.shape[0], -1), masker.valid(x), keep)
    return mask_outcome(masker, task, x, hard, ref, tol)


@with_autograd
def hard_mask_preservation(
    model: nn.Module, inputs: Any, attributions: Any, *, keep: float = 0.2,
    task: str | Task = "auto", baseline: float = 0.0, tol: float = 0.5,
    embedding: str | nn.Module | None = None, pad_id: int | None = None,
    at: str = "embedding", batch_size: int = 256,
) -> float:
    """Fraction of samples whose prediction survives keeping only the top ``keep`` locations of
    *any* attribution.

    The rest of the input is set to ``baseline`` (images, rows, float sequences) or, for token
    ids, its embedding is zeroed (``at="embedding"``, through ``embedding``, the model's only
    ``nn.Embedding`` by default), exactly as the explanatory masks remove locations; with
    ``at="ids"`` removed token ids become ``baseline`` (a token id, e.g. the pad id) instead.
    Regression: preserved means ``|delta| <= tol``. Scored by :func:`hard_mask_outcome`, as
    :meth:`~xaiwidgets.MaskExplainer.evaluate` is.
    """
    check_model(model)
    keep = check_number(keep, "keep", low=0.0, high=1.0, low_open=True)
    tol = check_number(tol, "tol", low=0.0)
    batch_size = check_int(batch_size, "batch_size", low=1)
    check_option(at, "at", ("embedding", "ids"))
    raw = as_tensor(inputs, "inputs")
    emb = None
    tokens = not raw.is_floating_point() and raw.ndim == 2
    if tokens and (at == "embedding" or embedding is not None):
        _, emb = find_embedding(model, embedding, "embedding")
    elif embedding is not None:
        raise ValueError("argument 'embedding': only for (N, T) token-id inputs, got "
                         f"{describe(raw)}")
    check_number(baseline, "baseline")
    x, kind = check_inputs(raw, model=model, embedding=emb)
    a = check_attributions(attributions, x)
    masker = Masker(model, kind, baseline=baseline, embedding=emb, pad_id=pad_id,
                    at=at if kind == "tokens" else "embedding")
    masker.check_valid(x)
    return _hard_mask_preservation(model, masker, x, masker.scores(a, x), keep=keep, task=task,
                                   tol=tol, batch_size=batch_size)


def _hard_mask_preservation(model: nn.Module, masker: Masker, x: torch.Tensor,
                            scores: torch.Tensor, *, keep: float, task: str | Task, tol: float,
                            batch_size: int) -> float:
    """The worker behind :func:`hard_mask_preservation` (validated arguments)."""
    kept = 0
    with masker.active(), torch.inference_mode():
        out0 = check_model_output(run_model(model, x[:batch_size]),
                                  min(batch_size, x.shape[0]))
        t = task if isinstance(task, Task) else infer_task(task, out0.shape[1])
        for sl in batch_slices(x.shape[0], batch_size):
            xb = x[sl]
            ref = t.reference(run_model(model, xb))
            preserved, _ = hard_mask_outcome(masker, t, xb, scores[sl], keep, ref, tol)
            kept += int(preserved.sum())
    return kept / x.shape[0]


def row_pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Pearson correlation of two (N, L) arrays; NaN where either row is constant."""
    a = a - a.mean(1, keepdims=True)
    b = b - b.mean(1, keepdims=True)
    den = np.sqrt((a * a).sum(1) * (b * b).sum(1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 1e-12, (a * b).sum(1) / np.where(den > 0, den, 1.0), np.nan)


@with_autograd
def faithfulness_correlation(
    model: nn.Module, explain: Any, inputs: Any, target: Any = None, *,
    attributions: Any = None, baseline: Any = 0.0, task: str | Task = "auto",
    kind: str | None = None, batch_size: int = 256, seed: int = 0,
) -> np.ndarray:
    """Per sample, the Pearson correlation of each location's relevance with the drop of the
    explained class's probability when that location alone is removed.

    ``drop_l = p_t(x) - p_t(x with location l replaced by the baseline)`` (a regression: the
    output); locations are columns or pixels (attributions summed over channels). Higher is
    more faithful; NaN where the relevances or the drops are constant.

    Parameters
    ----------
    model : nn.Module
        Left exactly as found.
    explain : callable, explainer or None
        ``explain(x, target)`` or an object with ``attribute(x, target=...)``; None with
        ``attributions``.
    inputs : Tensor, ndarray or DataFrame
        (N, F) rows or (N, C, H, W) images.
    target : int or sequence of int, optional
        Explained class (default: the predicted class).
    attributions : array-like, optional
        Precomputed attributions shaped like the inputs (then ``explain`` is not called).
    baseline : float or array-like, default=0.0
        What a removed location becomes: a number, or one value per feature (e.g. the training
        median, shape (F,)) or per input element.
    task : {"auto", "multiclass", "binary", "regression"} or Task
    kind : str, optional
    batch_size : int, default=256
        Model inputs per forward pass.
    seed : int, default=0
        Seeds the global RNGs while ``explain`` runs (restored on exit).

    Returns
    -------
    ndarray of shape (N,)
    """
    from .._core.captum import quiet_captum
    from .._core.random import check_seed, seeded
    from .robustness import as_explain

    check_model(model)
    batch_size = check_int(batch_size, "batch_size", low=1)
    seed = check_seed(seed)
    x, kind = check_inputs(inputs, kind=kind, model=model, allow_tokens=False)
    n = x.shape[0]
    if isinstance(baseline, (int, float)) and not isinstance(baseline, bool):
        check_number(baseline, "baseline")
        b = torch.full((), float(baseline), dtype=x.dtype, device=x.device)
    else:
        b = check_finite_tensor(as_tensor(baseline, "baseline"), "baseline").to(x)
        try:
            torch.broadcast_shapes(b.shape, x.shape[1:])
        except RuntimeError:
            raise ValueError(f"argument 'baseline': expected a number or values broadcastable "
                             f"to one sample {tuple(x.shape[1:])}, got {describe(b)}") from None
    masker = Masker(model, kind)
    with masker.active():
        with torch.no_grad():  # not inference_mode: the targets go into autograd explainers
            out = map_batches(lambda xb: check_model_output(run_model(model, xb), len(xb)), x,
                              batch_size)
        t = task if isinstance(task, Task) else infer_task(task, out.shape[1])
        tgt = (t.predict(out).long() if target is None or not t.is_classifier
               else check_targets(target, n, t.n_classes).to(x.device))
        if not t.is_classifier:
            tgt = torch.zeros(n, dtype=torch.long, device=x.device)
        if attributions is None:
            if explain is None:
                raise ValueError("argument 'explain': pass an explainer, or attributions=")
            fn = as_explain(explain, t, targets=lambda: (
                tgt, t.predict(out).long() if t.is_classifier else tgt))
            with seeded(seed), quiet_captum():
                a = torch.cat([as_tensor(fn(x[sl], tgt[sl]), "explain").detach()
                               for sl in batch_slices(n, batch_size)])
        else:
            a = as_tensor(attributions, "attributions")
        a = check_attributions(a, x)
        return _faithfulness_correlation(model, masker, t, x, a, tgt, t.target_score(out, tgt),
                                         b, batch_size)


def _faithfulness_correlation(model: nn.Module, masker: Masker, task: Task, x: torch.Tensor,
                              a: torch.Tensor, target: torch.Tensor, p0: torch.Tensor,
                              baseline: torch.Tensor, batch_size: int) -> np.ndarray:
    """The worker behind :func:`faithfulness_correlation`: validated inputs and attributions,
    the explained class's score ``p0`` on the unchanged inputs; inside ``masker.active()``."""
    n = x.shape[0]
    scores = masker.scores(a, x)
    n_loc = scores.shape[1]
    drops = torch.empty(n, n_loc, dtype=torch.float64)
    # one forward pass per `batch_size` (sample, removed location) pairs
    pairs = torch.cartesian_prod(torch.arange(n), torch.arange(n_loc)).to(x.device)
    with torch.inference_mode():
        for sl in batch_slices(len(pairs), batch_size):
            i, loc = pairs[sl].unbind(1)
            keep = torch.ones(len(i), n_loc, device=x.device)
            keep[torch.arange(len(i)), loc] = 0
            removed = masker.blend(x[i] - baseline, keep) + baseline
            p = task.target_score(run_model(model, removed), target[i])
            drops[i.cpu(), loc.cpu()] = (p0[i] - p).double().cpu()
    return row_pearson(scores.double().cpu().numpy(), drops.numpy())
