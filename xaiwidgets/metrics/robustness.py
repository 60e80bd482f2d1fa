"""Robustness of any explanation: Captum's infidelity and max-sensitivity, seeded and batched.

* **Infidelity** (``captum.metrics.infidelity``, lower is better): how well attributions
  predict the change of the model's output under Gaussian perturbations of the input.
* **Max-sensitivity** (``captum.metrics.sensitivity_max``, lower is better): the largest
  relative change of the explanation under small uniform perturbations.

Perturbations come from their own seeded generators; every call pushes at most
``batch_size`` perturbed inputs through the model at once, so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from captum.metrics import infidelity as _captum_infidelity
from captum.metrics import sensitivity_max as _captum_sensitivity_max
from torch import nn

from .._core.captum import quiet_captum
from .._core.probe import preserved_model, with_autograd
from .._core.task import Task
from .._core.validation import check_int, check_number

__all__ = ["infidelity", "sensitivity"]


def _gaussian_perturb(sigma: float, seed: int) -> Callable[[torch.Tensor], tuple]:
    gen = torch.Generator().manual_seed(seed)

    def perturb(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        noise = torch.randn(x.shape, generator=gen, dtype=x.dtype).to(x.device) * sigma
        return noise, x - noise

    return perturb


@with_autograd
def infidelity(
    model: nn.Module,
    inputs: torch.Tensor,
    attributions: torch.Tensor,
    target: torch.Tensor,
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
    check_number(noise_scale, "noise_scale", low=0.0, low_open=True)
    check_int(n_perturb_samples, "n_perturb_samples", low=1)
    check_int(batch_size, "batch_size", low=1)
    spread = float(inputs.float().std()) if inputs.numel() > 1 else 0.0
    # constant inputs have no spread: fall back to their magnitude (or 1)
    sigma = noise_scale * (spread or max(float(inputs.abs().mean()), 1.0))
    forward = task.for_attribution(model) if task is not None else model
    tgt = task.attribution_target(target) if task is not None else target
    perturb = _gaussian_perturb(sigma, seed)
    parts = []
    with preserved_model(model):
        # Captum batches over perturbations of the whole input batch: chunk the inputs, one
        # perturbation of a chunk per forward pass
        for s in range(0, inputs.shape[0], batch_size):
            sl = slice(s, s + batch_size)
            parts.append(_captum_infidelity(
                forward, perturb, inputs[sl], attributions[sl].detach(), target=tgt[sl],
                n_perturb_samples=n_perturb_samples, normalize=True,
                max_examples_per_batch=len(inputs[sl])).detach())
    return torch.cat(parts).double().cpu().numpy()


@with_autograd
def sensitivity(
    explain: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    model: nn.Module,
    inputs: torch.Tensor,
    target: torch.Tensor,
    *,
    radius: float = 0.02,
    n_perturb_samples: int = 10,
    batch_size: int = 64,
    seed: int = 0,
) -> np.ndarray:
    """``captum.metrics.sensitivity_max``: the largest relative change of the explanation under
    uniform perturbations of L-inf radius ``radius * (max(inputs) - min(inputs))``. Lower is
    better; shape (N,)."""
    check_number(radius, "radius", low=0.0, low_open=True)
    check_int(n_perturb_samples, "n_perturb_samples", low=1)
    check_int(batch_size, "batch_size", low=1)
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
        for s in range(0, inputs.shape[0], batch_size):
            sl = slice(s, s + batch_size)
            parts.append(_captum_sensitivity_max(
                explanation_func, inputs[sl], perturb_func=perturb, perturb_radius=r,
                n_perturb_samples=n_perturb_samples, target=target[sl],
                max_examples_per_batch=len(inputs[sl])).detach())
    return torch.cat(parts).double().cpu().numpy()
