"""SENN's training objective ``L_y + lam * L_theta + xi * L_h``.

* ``L_y``: cross-entropy of the logits.
* ``L_theta``, the robustness loss ``|| grad_x f(x) - J_h(x)^T theta(x) ||``: small when theta
  is locally constant, i.e. when the model is locally the linear function of its concepts that
  its explanation claims.
* ``L_h``: reconstruction MSE of learned concepts plus ``sparsity * |h|_1`` (0 for identity
  concepts).

What is differentiated (``penalty``):

``"logits"`` (default)
    The pre-softmax logits ``f = theta^T h``, where the identity holds exactly:
    ``grad_x f - J_h^T theta = (grad_x theta)^T h``, so only the C rows of the Jacobian of
    ``x -> theta(x)^T h`` (h held at its value) are needed, not J_h.
``"reference"``
    The reference code's (``dmelis/SENN`` ``GradPenaltyTrainer``, type 3) log-softmax
    outputs, where the penalty never vanishes even for a constant theta.

How the (N, C, D) residual is reduced (``norm``):

``"batch"`` (default with ``"logits"``)
    The reference's Frobenius norm of the whole batch tensor, rescaled to the reference's
    default batch of 128 samples: ``||R||_F * sqrt(128 / N)``. Identical to the reference at
    ``batch_size=128``, so ``lam`` keeps the paper's scale, but independent of the batch size.
``"raw"`` (default with ``"reference"``)
    The reference's un-averaged ``||bmm(J_h, theta) - J_f||_2`` exactly: ``lam`` then
    means more for larger batches (methods.md 5(e)2).
``"mean"``
    The mean over samples of the squared per-sample norms, ``mean_n ||R_n||_F^2``.

Jacobians come from one ``torch.func.vjp`` whose pullback is ``vmap``-ed over the output basis
(the C rows at once, one more for ``"reference"``), not from one autograd pass per output as in
the reference; :func:`reference_penalty_loop` keeps the reference's loop for tests and
``bench/senn.py``.

Random projections (``projections=p``)
    Instead of the C rows of ``R_n`` (N, C, D), ``p`` pullbacks of random directions
    ``v ~ N(0, I_C) / sqrt(p)``, drawn per sample and per projection: since
    ``E[v v^T] = I_C / p``, ``sum_j ||v_j^T R_n||^2`` is an unbiased estimate of
    ``||R_n||_F^2`` (Hutchinson's trick, as in Hoffman, Roberts & Yaida 2019, "Robust Learning
    with Jacobian Regularization", arXiv 1908.02729). ``"mean"`` is then unbiased;
    ``"batch"`` and ``"raw"`` take the square root of an unbiased estimate (slightly low, by
    Jensen's inequality). One pullback per projection, so ``p >= C`` costs as much as the
    exact rows. With ``"reference"`` the projected residual is ``v^T R_n - (sum_c v_c) g_n``.
Samples must not interact in the forward pass (no BatchNorm in training mode), as in the
reference, whose Jacobians are gradients of batch sums too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch.func import vjp as _vjp
from torch.func import vmap as _vmap

from .._core.validation import check_int, check_option
from .modules import SENN

# torch.func's stubs type only vjp's two-value form (not has_aux=True) and vmap's plain callables
vjp: Any = _vjp
vmap: Any = _vmap

__all__ = ["NORMS", "PENALTIES", "REFERENCE_BATCH", "SENNLoss", "default_norm",
           "reference_penalty_loop", "robustness_penalty", "senn_loss"]

PENALTIES = ("logits", "reference")
NORMS = ("batch", "raw", "mean")

#: The reference's default batch size: the "batch" norm is rescaled to it.
REFERENCE_BATCH = 128


def default_norm(penalty: str) -> str:
    return "raw" if penalty == "reference" else "batch"


def _reduce(resid: torch.Tensor, norm: str) -> torch.Tensor:
    if norm == "mean":
        return resid.pow(2).sum(dim=(1, 2)).mean()
    if norm == "batch":
        return resid.norm() * (REFERENCE_BATCH / resid.shape[0]) ** 0.5
    return resid.norm()


def _rows(vjp_fn: Callable[..., tuple[torch.Tensor, ...]], m: int, n: int, like: torch.Tensor
          ) -> torch.Tensor:
    """Per-sample Jacobian rows ``(N, m, D)`` of an (N, m) output whose samples are
    independent: the pullback of each basis vector e_j (for all samples at once), vmapped."""
    basis = torch.eye(m, dtype=like.dtype, device=like.device)[:, None, :].expand(m, n, m)
    return _projected(vjp_fn, basis)


def _projected(vjp_fn: Callable[..., tuple[torch.Tensor, ...]], v: torch.Tensor
               ) -> torch.Tensor:
    """``v_j^T R_n`` for directions ``v`` (p, N, m): the pullbacks, vmapped, as (N, p, D)
    (the basis vectors as directions give the exact rows, :func:`_rows`)."""
    if v.shape[0] == 1:  # one pullback: no vmap
        (jac,) = vjp_fn(v[0])
        return jac.reshape(v.shape[1], 1, -1)
    (jac,) = vmap(vjp_fn)(v)
    return jac.movedim(0, 1).reshape(v.shape[1], v.shape[0], -1)


def check_projections(projections: Any) -> int | None:
    """``None`` (the exact rows) or an integer >= 1, naming the argument otherwise."""
    return check_int(projections, "projections", low=1, allow_none=True)


def directions(p: int, n: int, c: int, generator: torch.Generator | None,
               like: torch.Tensor) -> torch.Tensor:
    """``p`` random directions per sample, ``N(0, I_C) / sqrt(p)``, shaped (p, N, C).

    Drawn on the CPU from ``generator`` (a fresh one seeded 0 when None), never from the global
    RNG, then moved to ``like``'s device and dtype."""
    gen = generator if generator is not None else torch.Generator().manual_seed(0)
    v = torch.randn(p, n, c, generator=gen, dtype=torch.float64) / math.sqrt(p)
    return v.to(device=like.device, dtype=like.dtype)


def robustness_penalty(senn: SENN, x: torch.Tensor, penalty: str = "logits",
                       norm: str | None = None, *, projections: int | None = None,
                       generator: torch.Generator | None = None,
                       ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """One forward pass with the robustness loss: ``(logits, h, theta, L_theta)``.

    The penalty stays differentiable with respect to the SENN's parameters (it is trained).
    Both forms need the C rows ``R_c = grad_x(theta_c(x)^T h)`` with h held at its value
    (``grad_x f - J_h^T theta = R`` on the logits). The reference's log-softmax form adds a
    single row: ``grad_x log_softmax_c - J_h^T theta_c = R_c - g`` with
    ``g = sum_c p_c grad_x logit_c``, one pullback of the full logits; so it is computed
    exactly with C + 1 rows instead of the reference's C + k.

    Parameters
    ----------
    projections : int, optional
        None (default): the exact C rows. ``p >= 1``: ``p`` pullbacks of random directions
        ``v ~ N(0, I_C) / sqrt(p)`` per sample, whose squared norms sum to an unbiased
        estimate of ``||R_n||_F^2`` (see the module docstring). One pullback per projection:
        ``p >= C`` costs as much as the exact rows, without being exact.
    generator : torch.Generator, optional
        Draws the directions (CPU generator). None: a generator seeded 0, so the same
        directions on every call; pass one to draw fresh directions each call, as
        :func:`~xaiwidgets.senn.fit_senn` does.
    """
    check_option(penalty, "penalty", PENALTIES)
    if norm is not None:
        check_option(norm, "norm", NORMS)
    projections = check_projections(projections)
    n, c = x.shape[0], senn.n_classes
    norm = norm or default_norm(penalty)
    h = senn._concepts(x)

    def linear_form(xx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        th = senn._theta(xx, h.shape[1])
        return senn.aggregate(th, h), th

    logits, pull, theta = vjp(linear_form, x, has_aux=True)
    if projections is None:
        resid = _rows(pull, c, n, logits)  # (N, C, D) = (grad_x theta)^T h
        weights: torch.Tensor | float = 1.0
    else:  # (N, p, D): v_j^T R_n, whose squared norms estimate ||R_n||_F^2
        v = directions(projections, n, c, generator, logits)
        resid = _projected(pull, v)
        weights = v.sum(dim=2).T[..., None]  # (N, p, 1): v_j^T 1, the weight of g
    if penalty == "logits":
        return logits, h, theta, _reduce(resid, norm)
    # g: the softmax-weighted gradient of the logits through both h and theta
    full, pull_full = vjp(lambda xx: senn.aggregate(senn._theta(xx, h.shape[1]),
                                                     senn._concepts(xx)), x)
    (g,) = pull_full(torch.softmax(full, dim=1))
    return logits, h, theta, _reduce(resid - weights * g.reshape(n, 1, -1), norm)


def reference_penalty_loop(senn: SENN, x: torch.Tensor
                           ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The reference's robustness loss, computed as it does: one ``autograd.grad`` pass with
    ``create_graph=True`` per output dimension (C log-softmax outputs, then k concepts), then
    ``||bmm(J_h, theta) - J_f||`` over the whole batch. Slow; for tests and benchmarks."""
    x = x.detach().clone().requires_grad_(True)
    h = senn._concepts(x)
    theta = senn._theta(x, h.shape[1])
    logits = senn.aggregate(theta, h)
    out = F.log_softmax(logits, dim=1)

    def jacobian(y: torch.Tensor) -> torch.Tensor:  # (N, D, m), as compute_jacobian builds it
        cols = [torch.autograd.grad(y[:, j], x, torch.ones_like(y[:, j]), create_graph=True)[0]
                .reshape(x.shape[0], -1) for j in range(y.shape[1])]
        return torch.stack(cols, dim=2)

    j_f, j_h = jacobian(out), jacobian(h)
    return logits, h, theta, (torch.bmm(j_h, theta) - j_f).norm()


@dataclass
class SENNLoss:
    """One batch's objective and its terms (floats, for the history)."""

    total: torch.Tensor
    logits: torch.Tensor
    prediction: float
    robustness: float
    concept: float


def senn_loss(senn: SENN, x: torch.Tensor, y: torch.Tensor, *, lam: float, xi: float,
              sparsity: float, penalty: str = "logits", norm: str | None = None,
              penalty_samples: int | None = None, projections: int | None = None,
              generator: torch.Generator | None = None) -> SENNLoss:
    """``L_y + lam * L_theta + xi * L_h`` on one batch (no Jacobian at all when lam == 0).

    ``penalty_samples``: the robustness loss is computed on the first that many samples of the
    batch only (an unbiased estimate with the ``"batch"`` and ``"mean"`` norms, which do not
    grow with the number of samples), the rest go through a plain forward pass.
    ``projections``, ``generator``: random projections instead of the exact rows, as in
    :func:`robustness_penalty`.
    """
    m = x.shape[0] if penalty_samples is None else min(int(penalty_samples), x.shape[0])
    if lam > 0 and m == x.shape[0]:
        logits, h, _, rob = robustness_penalty(senn, x, penalty, norm, projections=projections,
                                               generator=generator)
    elif lam > 0:
        lg, hh, _, rob = robustness_penalty(senn, x[:m], penalty, norm,
                                            projections=projections, generator=generator)
        rest, h2, _ = senn.parts(x[m:])
        logits, h = torch.cat([lg, rest]), torch.cat([hh, h2])
    else:
        logits, h, _ = senn.parts(x)
        rob = logits.new_zeros(())
    pred = F.cross_entropy(logits, y)
    concept = logits.new_zeros(())
    decode = getattr(senn.conceptizer, "decode", None)
    if callable(decode) and xi > 0:
        recon = decode(h)
        concept = F.mse_loss(recon.reshape(x.shape), x) + sparsity * h.abs().sum(dim=1).mean()
    total = pred + lam * rob + xi * concept
    return SENNLoss(total, logits, float(pred.detach()), float(rob.detach()),
                    float(concept.detach()))
