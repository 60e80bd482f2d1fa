"""The explanatory-mask objective (Phillips et al. 2019, and the project's extensions).

    loss = l(f(x~), f(x)) + lam * mean(m)
           [+ necessity * p(f(x with the kept locations removed) = f(x))]   (classifiers)
           [+ logit_penalty * mean(logit(m) ** 2)] [+ tv * TV(m)  (images)]

``l`` comes from the task (:meth:`xaiwidgets._core.task.Task.fit_loss`): cross-entropy to the
model's class, or the squared error to its output divided by the output variance. ``budget``
replaces the ``lam`` term by a fixed size (:func:`spend_budget`); ``temperature`` lets the model
see relaxed-Bernoulli samples of the mask (:func:`sample_concrete`) while training.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .._core.modality import Masker
from .._core.task import Task

__all__ = ["MaskObjective", "mask_size", "sample_concrete", "spend_budget", "total_variation"]


def spend_budget(m: torch.Tensor, valid: torch.Tensor, budget: float) -> torch.Tensor:
    """Generator output -> keep-probabilities summing to ``budget * L`` per input.

    ``m = min(1, c * softmax(logit(g(x))))`` over each input's L valid locations, with c found
    by a few water-filling rounds (what the cap cuts off goes to the unsaturated locations).
    Saturated locations get a spread of at most 1e-3 below 1 in the generator's order, so top-k
    and deletion curves rank them as the generator does, not by position.
    """
    scores = torch.logit(m.reshape(m.shape[0], -1), eps=1e-6).masked_fill(~valid, -1e4)
    w = torch.softmax(scores, dim=1) * valid
    target = budget * valid.sum(1, keepdim=True).to(m.dtype)
    keep = (target * w).clamp(max=1.0)
    for _ in range(8):
        full = keep >= 1.0
        rest = (w * ~full).sum(1, keepdim=True).clamp_min(1e-12)
        share = (target - full.sum(1, keepdim=True)) * w / rest
        keep = torch.where(full, torch.ones_like(keep), share.clamp(max=1.0))
    top = w.amax(1, keepdim=True).clamp_min(1e-12)
    keep = torch.where(keep >= 1.0, 1.0 - 1e-3 * (1.0 - w / top), keep)
    return keep.masked_fill(~valid, 0.0).reshape(m.shape)


def sample_concrete(m: torch.Tensor, temperature: float,
                    generator: torch.Generator | None = None) -> torch.Tensor:
    """Relaxed-Bernoulli ("concrete", Maddison et al. 2017) sample with keep-probability ``m``
    (``generator`` None: torch's global RNG, seeded by the caller)."""
    u = torch.rand(m.shape, generator=generator, dtype=m.dtype).to(m.device)
    u = u.clamp(1e-6, 1 - 1e-6)
    noise = torch.log(u) - torch.log1p(-u)
    return torch.sigmoid((torch.logit(m, eps=1e-6) + noise) / temperature)


def mask_size(m: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Mean mask value over each input's valid locations, (N,)."""
    flat = m.reshape(m.shape[0], -1)
    v = valid.to(flat.dtype)
    return (flat * v).sum(1) / v.sum(1).clamp_min(1.0)


def total_variation(m: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference of neighbouring pixels of (N, H, W) masks."""
    return ((m[:, 1:, :] - m[:, :-1, :]).abs().mean()
            + (m[:, :, 1:] - m[:, :, :-1]).abs().mean())


@dataclass(frozen=True)
class MaskObjective:
    """The loss of one batch of masks (see the module docstring)."""

    task: Task
    lam: float = 0.05
    tv: float = 0.0
    necessity: float = 0.0
    logit_penalty: float = 0.0
    temperature: float | None = None
    budget: float | None = None
    output_scale: float = 1.0

    def __call__(self, masker: Masker, x: torch.Tensor, ref: torch.Tensor, m: torch.Tensor,
                 valid: torch.Tensor, *, sample: bool,
                 noise: torch.Generator | None = None) -> torch.Tensor:
        """Scalar loss of masks ``m`` (already budgeted) on ``x`` whose reference predictions
        are ``ref``. ``sample``: the model sees concrete samples of ``m`` (training, or
        validation with the fixed ``noise``)."""
        z = sample_concrete(m, self.temperature, noise) if (
            sample and self.temperature is not None) else m
        pres = self.task.fit_loss(masker.output(x, z), ref, self.output_scale)
        lam = 0.0 if self.budget is not None else self.lam  # a budget fixes the size
        loss = pres.mean() + lam * mask_size(m, valid).mean()
        if self.tv and masker.kind == "image":
            loss = loss + self.tv * total_variation(m)
        if self.necessity:
            # the prediction should not survive removing what the mask keeps
            gone = masker.output(x, 1 - z)  # padding stays in place (see Masker.output)
            loss = loss + self.necessity * self.task.target_score(gone, ref).mean()
        if self.logit_penalty:
            v = valid.reshape(m.shape).to(m.dtype)
            logit = torch.logit(m, eps=1e-6)
            loss = loss + self.logit_penalty * (logit ** 2 * v).sum() / v.sum().clamp_min(1.0)
        return loss
