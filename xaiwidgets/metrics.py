"""Explanation-quality metrics, computed on the model itself.

* **Deletion** (Petsiuk et al. 2018): remove features in order of decreasing attribution (replace
  them by the baseline) and track the model's score for the target; a faithful explanation makes
  the score drop fast, so a **lower** area under the curve is better.
* **Insertion**: start from the baseline and insert features in the same order; a **higher** area
  is better.
* **Infidelity** (``captum.metrics.infidelity``, lower is better) and **max-sensitivity**
  (``captum.metrics.sensitivity_max``, lower is better), with seeded perturbations.

Features are pixels (attributions summed over channels) for images, columns for tabular data and
time steps for sequences. The score is the softmax probability of the target class, or the raw
output for single-output models. The default baseline is 0 in the model's input space (the mean
image when inputs are standardised); pass ``baseline=`` to change it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from captum.metrics import infidelity as _captum_infidelity
from captum.metrics import sensitivity_max as _captum_sensitivity_max
from torch import nn

from ._methods import quiet_captum
from ._probe import preserved_model

__all__ = [
    "deletion_curve",
    "feature_scores",
    "infidelity",
    "insertion_curve",
    "model_score",
    "sensitivity",
]


def model_score(model: nn.Module, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Softmax probability of ``target`` (raw output for single-output models), shape (N,)."""
    out = model(x)
    if out.shape[1] == 1:
        return out[:, 0]
    return torch.softmax(out, dim=1).gather(1, target.view(-1, 1))[:, 0]


def feature_scores(attributions: torch.Tensor, inputs: torch.Tensor, kind: str) -> torch.Tensor:
    """Attribution per removable feature, (N, G): pixels, columns or time steps."""
    n = inputs.shape[0]
    if kind == "image":
        return attributions.sum(dim=1).reshape(n, -1)
    if kind == "sequence":
        t = inputs.shape[1]
        return attributions.reshape(n, t, -1).sum(dim=2)
    return attributions.reshape(n, -1)


def _group_mask_shape(inputs: torch.Tensor, kind: str) -> tuple[int, ...]:
    n = inputs.shape[0]
    if kind == "image":
        return (n, 1, *inputs.shape[2:])
    if kind == "sequence" and inputs.ndim == 3:
        return (n, inputs.shape[1], 1)
    return tuple(inputs.shape)


def _curve(
    model: nn.Module,
    inputs: torch.Tensor,
    attributions: torch.Tensor,
    target: torch.Tensor,
    kind: str,
    *,
    insert: bool,
    baseline: float | torch.Tensor,
    steps: int,
    batch_size: int,
) -> tuple[np.ndarray, np.ndarray]:
    scores = feature_scores(attributions.detach(), inputs, kind)
    n, g = scores.shape
    order = torch.argsort(scores, dim=1, descending=True, stable=True)
    rank = torch.empty_like(order)
    rank.scatter_(1, order, torch.arange(g).expand(n, g))
    base = torch.as_tensor(baseline, dtype=inputs.dtype, device=inputs.device).expand_as(inputs)
    fractions = np.linspace(0.0, 1.0, steps + 1)
    curve = np.empty((n, steps + 1), dtype=np.float64)
    with preserved_model(model), torch.inference_mode():
        for j, frac in enumerate(fractions):
            k = round(frac * g)
            top = (rank < k).reshape(_group_mask_shape(inputs, kind))
            keep_input = top if insert else ~top
            x = torch.where(keep_input, inputs, base)
            for s in range(0, n, batch_size):
                sl = slice(s, s + batch_size)
                curve[sl, j] = model_score(model, x[sl], target[sl]).double().cpu().numpy()
    return fractions, curve


def deletion_curve(
    model: nn.Module,
    inputs: torch.Tensor,
    attributions: torch.Tensor,
    target: torch.Tensor,
    kind: str,
    *,
    baseline: float | torch.Tensor = 0.0,
    steps: int = 20,
    batch_size: int = 64,
) -> tuple[np.ndarray, np.ndarray]:
    """Model score as the most-attributed features are replaced by ``baseline``.

    Returns
    -------
    fractions : ndarray of shape (steps + 1,)
        Fraction of features removed.
    curve : ndarray of shape (N, steps + 1)
        Score per sample; its area (``np.trapezoid(curve, fractions)``) is the deletion AUC.
    """
    return _curve(model, inputs, attributions, target, kind, insert=False, baseline=baseline,
                  steps=steps, batch_size=batch_size)


def insertion_curve(
    model: nn.Module,
    inputs: torch.Tensor,
    attributions: torch.Tensor,
    target: torch.Tensor,
    kind: str,
    *,
    baseline: float | torch.Tensor = 0.0,
    steps: int = 20,
    batch_size: int = 64,
) -> tuple[np.ndarray, np.ndarray]:
    """Model score as the most-attributed features are inserted into ``baseline``."""
    return _curve(model, inputs, attributions, target, kind, insert=True, baseline=baseline,
                  steps=steps, batch_size=batch_size)


def _gaussian_perturb(sigma: float, seed: int) -> Callable[[torch.Tensor], tuple]:
    gen = torch.Generator().manual_seed(seed)

    def perturb(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        noise = torch.randn(x.shape, generator=gen, dtype=x.dtype).to(x.device) * sigma
        return noise, x - noise

    return perturb


def infidelity(
    model: nn.Module,
    inputs: torch.Tensor,
    attributions: torch.Tensor,
    target: torch.Tensor,
    *,
    noise_scale: float = 0.1,
    n_perturb_samples: int = 10,
    seed: int = 0,
) -> np.ndarray:
    """``captum.metrics.infidelity`` with Gaussian perturbations of std
    ``noise_scale * std(inputs)``; attributions are normalised, so the score is invariant to
    rescaling them. Lower is better; shape (N,)."""
    spread = float(inputs.float().std()) if inputs.numel() > 1 else 0.0
    # constant inputs have no spread: fall back to their magnitude (or 1)
    sigma = noise_scale * (spread or max(float(inputs.abs().mean()), 1.0))
    with preserved_model(model):
        values = _captum_infidelity(
            model, _gaussian_perturb(sigma, seed), inputs, attributions.detach(), target=target,
            n_perturb_samples=n_perturb_samples, normalize=True,
        )
    return values.detach().double().cpu().numpy()


def sensitivity(
    explain: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    model: nn.Module,
    inputs: torch.Tensor,
    target: torch.Tensor,
    *,
    radius: float = 0.02,
    n_perturb_samples: int = 10,
    seed: int = 0,
) -> np.ndarray:
    """``captum.metrics.sensitivity_max``: the largest relative change of the explanation under
    uniform perturbations of L-inf radius ``radius * (max(inputs) - min(inputs))``. Lower is
    better; shape (N,)."""
    r = float(radius * (inputs.max() - inputs.min()).clamp_min(1e-8))
    gen = torch.Generator().manual_seed(seed)

    def perturb(x: torch.Tensor, perturb_radius: float) -> torch.Tensor:
        u = torch.rand(x.shape, generator=gen, dtype=x.dtype).to(x.device)
        return x + (2 * u - 1) * perturb_radius

    def explanation_func(x: torch.Tensor | tuple, target: torch.Tensor) -> Any:
        # Captum hands single inputs over as 1-tuples here.
        # (captum reshapes with .view, so hand back contiguous tensors).
        if isinstance(x, tuple):
            return (explain(x[0], target).contiguous(),)
        return explain(x, target).contiguous()

    with preserved_model(model), quiet_captum():
        values = _captum_sensitivity_max(
            explanation_func, inputs, perturb_func=perturb, perturb_radius=r,
            n_perturb_samples=n_perturb_samples, target=target,
        )
    return values.detach().double().cpu().numpy()
