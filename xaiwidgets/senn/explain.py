"""What a trained SENN says about its inputs, and how far to trust it.

* :func:`explain`: concepts ``h(x)`` and relevances ``theta(x)`` of the explained class.
* :func:`attribute`: the Captum-compatible input-space reading ``J_h(x)^T theta(x)_t``.
* :func:`prototypes`: per learned concept, the samples that activate it most (grounding).
* :func:`concept_faithfulness`: correlation of relevances with the probability drop when a
  concept is removed (``h_i <- 0``, theta held fixed).
* :func:`stability`: local Lipschitz estimates of SENN's explanation beside Captum methods'
  on the same samples (:func:`xaiwidgets.metrics.local_lipschitz`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from .._core.captum import quiet_captum
from .._core.explainers import resolve_methods
from .._core.modality import check_inputs
from .._core.probe import preserved_model, run_model, with_autograd
from .._core.random import check_seed, seeded
from .._core.task import infer_task
from .._core.validation import (
    check_int,
    check_model,
    check_model_output,
    check_no_backward_hooks,
    check_option,
    check_targets,
    describe,
)
from ..metrics.faithfulness import row_pearson
from .losses import vjp
from .modules import SENN

__all__ = [
    "Prototypes",
    "SENNExplanation",
    "StabilityResult",
    "attribute",
    "concept_faithfulness",
    "explain",
    "prototypes",
    "relevances",
    "stability",
]


def _check_senn(senn: Any, name: str = "senn") -> SENN:
    if not isinstance(senn, SENN):
        raise TypeError(f"argument '{name}': expected a SENN, got {describe(senn)}")
    return senn


def _inputs(senn: SENN, inputs: Any) -> torch.Tensor:
    x, _ = check_inputs(inputs, model=senn, allow_tokens=False)
    senn._check_input(x)
    return x


def concept_names(senn: SENN) -> list[str]:
    """The SENN's concept names, or ``concept 1 ... k``."""
    return list(senn.concept_names) or [f"concept {i + 1}" for i in range(senn.n_concepts)]


@dataclass
class SENNExplanation:
    """Concepts and relevances of a SENN on some inputs.

    Attributes
    ----------
    kind : {"tabular", "image"}
    inputs : ndarray
        The inputs as the SENN saw them.
    concepts : ndarray (N, k)
        ``h(x)``: feature values (and the constant 1) for identity concepts.
    relevances : ndarray (N, k)
        ``theta(x)`` of the explained class.
    thetas : ndarray (N, k, C)
        ``theta(x)`` of every class.
    target, pred : ndarray of int (N,)
    prob : ndarray (N,)
        The SENN's probability of the explained class.
    concept_names : list of str
    learned : bool
        Whether the concepts are learned (an autoencoder) rather than the features.
    """

    kind: str
    inputs: np.ndarray
    concepts: np.ndarray
    relevances: np.ndarray
    thetas: np.ndarray
    target: np.ndarray
    pred: np.ndarray
    prob: np.ndarray
    concept_names: list[str]
    learned: bool

    @property
    def contributions(self) -> np.ndarray:
        """``theta_i(x) h_i(x)`` (N, k): each concept's additive share of the logit."""
        return self.relevances * self.concepts

    def __len__(self) -> int:
        return len(self.target)


def _batched(senn: SENN, x: torch.Tensor, batch_size: int
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    outs: list[tuple[torch.Tensor, ...]] = []
    with preserved_model(senn), torch.inference_mode():
        for s in range(0, x.shape[0], batch_size):
            outs.append(tuple(t.detach() for t in senn.parts(x[s:s + batch_size])))
    logits, h, th = (torch.cat([o[i] for o in outs]) for i in range(3))
    return logits, h, th


@with_autograd
def explain(senn: SENN, inputs: Any, target: Any = None, *, batch_size: int = 256
            ) -> SENNExplanation:
    """Concepts and relevances of the predicted (or given) class; see :meth:`SENN.explain`."""
    _check_senn(senn)
    check_int(batch_size, "batch_size", low=1)
    x = _inputs(senn, inputs)
    senn.warn_if_untrained()
    logits, h, th = _batched(senn, x, batch_size)
    pred = logits.argmax(1)
    t = pred if target is None else check_targets(target, x.shape[0], senn.n_classes).to(
        x.device)
    prob = torch.softmax(logits, 1).gather(1, t[:, None])[:, 0]
    rel = th.gather(2, t[:, None, None].expand(-1, th.shape[1], 1))[..., 0]
    return SENNExplanation(
        kind="image" if x.ndim == 4 else "tabular", inputs=x.cpu().numpy(),
        concepts=h.cpu().numpy(), relevances=rel.cpu().numpy(), thetas=th.cpu().numpy(),
        target=t.cpu().numpy(), pred=pred.cpu().numpy(), prob=prob.cpu().numpy(),
        concept_names=concept_names(senn), learned=senn.learned)


def _targets(senn: SENN, x: torch.Tensor, target: Any) -> torch.Tensor:
    if target is None:
        with torch.no_grad():
            return senn(x).argmax(1)
    if isinstance(target, torch.Tensor) and target.ndim == 0:
        target = int(target)
    return check_targets(target, x.shape[0], senn.n_classes).to(x.device)


@with_autograd
def relevances(senn: SENN, inputs: Any, target: Any = None) -> torch.Tensor:
    """``theta(x)`` of class ``target`` (default: predicted), (N, k), detached."""
    _check_senn(senn)
    x = _inputs(senn, inputs)
    # eval mode (dropout off, as in explain()): the same answer every call, no RNG drawn
    with preserved_model(senn), torch.no_grad():
        logits, _, th = senn.parts(x)
        t = logits.argmax(1) if target is None else _targets(senn, x, target)
    return th.gather(2, t[:, None, None].expand(-1, th.shape[1], 1))[..., 0].detach()


@with_autograd
def attribute(senn: SENN, inputs: Any, target: Any = None) -> torch.Tensor:
    """``J_h(x)^T theta(x)_t`` shaped like the inputs; see :meth:`SENN.attribute`."""
    _check_senn(senn)
    x = _inputs(senn, inputs)
    check_no_backward_hooks(senn.conceptizer, "senn", "attribute (J_h(x)^T theta)")
    # eval mode (dropout off, as in explain()): the same answer every call, no RNG drawn
    with preserved_model(senn):
        t = _targets(senn, x, target)
        with torch.no_grad():
            th = senn._theta(x)
        rel = th.gather(2, t[:, None, None].expand(-1, th.shape[1], 1))[..., 0].detach()
        _, pull = vjp(senn._concepts, x)
        (a,) = pull(rel)
    return a.detach()


@dataclass
class Prototypes:
    """Grounding of learned concepts: per concept, the samples that activate it most.

    Attributes
    ----------
    indices : ndarray of int (k, top_k)
        Row j: indices into the data, by decreasing ``h_j``.
    activations : ndarray (k, top_k)
    concept_names : list of str
    """

    indices: np.ndarray
    activations: np.ndarray
    concept_names: list[str]


@with_autograd
def prototypes(senn: SENN, data: Any, top_k: int = 10, *, batch_size: int = 256) -> Prototypes:
    """The ``top_k`` samples of ``data`` with the largest activation of each concept (the
    reference's ``concept_grid``): what a learned concept looks like."""
    _check_senn(senn)
    top_k = check_int(top_k, "top_k", low=1)
    x = _inputs(senn, data)
    _, h, _ = _batched(senn, x, batch_size)
    k = min(top_k, x.shape[0])
    act, idx = torch.topk(h.T, k, dim=1)
    return Prototypes(indices=idx.cpu().numpy(), activations=act.cpu().numpy(),
                      concept_names=concept_names(senn))


@with_autograd
def concept_faithfulness(senn: SENN, inputs: Any, target: Any = None, *,
                         relevance: str = "theta", batch_size: int = 256) -> np.ndarray:
    """Per sample, ``corr(r, drop)`` with ``drop_i = p_t(x) - p_t(x | h_i <- 0)``: each
    concept removed in turn with theta held fixed (methods.md 5(e)4).

    ``relevance="theta"`` correlates the drops with ``theta_t(x)`` (the paper's relevances);
    ``"contribution"`` with ``theta_it h_i`` (what removing concept i takes off the logit).
    For identity concepts this removes a feature by setting it to 0 inside the aggregator; to
    replace features by a baseline in the input instead, use
    :func:`xaiwidgets.metrics.faithfulness_correlation`. Shape (N,), NaN where undefined."""
    _check_senn(senn)
    check_option(relevance, "relevance", ("theta", "contribution"))
    x = _inputs(senn, inputs)
    logits, h, th = _batched(senn, x, batch_size)
    t = logits.argmax(1) if target is None else check_targets(target, x.shape[0],
                                                               senn.n_classes).to(x.device)
    p0 = torch.softmax(logits, 1).gather(1, t[:, None])
    # logits without concept i: z - theta_i h_i, for every i at once (N, k, C)
    removed = logits[:, None, :] - th * h[..., None]
    p = torch.softmax(removed, 2).gather(2, t[:, None, None].expand(-1, h.shape[1], 1))[..., 0]
    rel = th.gather(2, t[:, None, None].expand(-1, th.shape[1], 1))[..., 0]
    if relevance == "contribution":
        rel = rel * h
    return row_pearson(rel.double().cpu().numpy(), (p0 - p).double().cpu().numpy())


@dataclass
class StabilityResult:
    """Local Lipschitz estimates of several explanations on the same samples (lower is more
    stable).

    Attributes
    ----------
    methods : list of str
        ``"SENN"`` first, then the compared methods.
    values : ndarray (M, N)
    indices : ndarray of int (N,)
        Which of the explained samples they were estimated on.
    mode : {"continuous", "discrete"}
    eps : float
    n_samples : int
    space : {"inputs", "concepts"}
        SENN's estimate in input space (``J_h^T theta`` vs ``x``), comparable to the other
        methods, or in concept space (``theta`` vs ``h``, the paper's form for learned
        concepts).
    """

    methods: list[str]
    values: np.ndarray
    indices: np.ndarray
    mode: str = "continuous"
    eps: float = 0.1
    n_samples: int = 20
    space: str = "inputs"
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def mean(self) -> dict[str, float]:
        """Mean estimate per method (NaN-aware)."""
        return {m: float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")
                for m, v in zip(self.methods, self.values, strict=True)}


@with_autograd
def stability(
    senn: SENN,
    inputs: Any,
    methods: Sequence[Any] | Mapping[str, Any] = ("saliency", "integrated_gradients"),
    *,
    model: nn.Module | None = None,
    space: str = "inputs",
    mode: str = "continuous",
    eps: float = 0.1,
    n_samples: int = 20,
    data: Any = None,
    batch_size: int = 256,
    seed: int = 0,
) -> StabilityResult:
    """Local Lipschitz estimates of SENN's explanation and of other methods on the same
    samples (:func:`xaiwidgets.metrics.local_lipschitz`, same perturbations for all).

    Parameters
    ----------
    senn : SENN
    inputs : Tensor, ndarray or DataFrame
    methods : list or dict
        Named Captum methods (``xaiwidgets.attributions.METHODS``) or explainers with
        ``attribute(x, target=...)``, run on ``model``; each explains the class that ``model``
        predicts at the unperturbed input.
    model : nn.Module, optional
        The model the other methods explain (default: the SENN itself), e.g. the
        unconstrained network a SENN replaces. Left exactly as found.
    space : {"inputs", "concepts"}, default="inputs"
        SENN's own estimate: ``||J_h^T theta(x) - J_h^T theta(x')|| / ||x - x'||`` (the same
        units as the other methods), or ``||theta(x) - theta(x')|| / ||h(x) - h(x')||``.
    mode, eps, n_samples, data, batch_size, seed
        As in :func:`xaiwidgets.metrics.local_lipschitz`.
    """
    from ..metrics.robustness import local_lipschitz

    _check_senn(senn)
    check_option(space, "space", ("inputs", "concepts"))
    seed = check_seed(seed)
    x = _inputs(senn, inputs)
    other = senn if model is None else check_model(model)
    xo, _ = check_inputs(inputs, model=other, allow_tokens=False)
    with preserved_model(other), torch.inference_mode():
        n_out = check_model_output(run_model(other, xo[:2]), len(xo[:2])).shape[1]
    task = infer_task("auto" if n_out >= 2 else "binary", n_out)
    resolved = (resolve_methods(other, methods, "image" if x.ndim == 4 else "tabular", task=task)
                if len(methods) else [])
    common = {"mode": mode, "eps": eps, "n_samples": n_samples, "data": data,
              "batch_size": batch_size, "seed": seed}
    if space == "concepts":
        rows = [local_lipschitz(lambda xx, tt: relevances(senn, xx, tt), x, model=senn,
                                represent=senn.concepts, **common)]
    else:
        rows = [local_lipschitz(senn.attribute, x, model=senn, **common)]
    with quiet_captum(), seeded(seed):
        for m in resolved:
            rows.append(local_lipschitz(m.explain, xo, model=other, task=task, **common))
    return StabilityResult(methods=["SENN", *[m.label for m in resolved]], values=np.stack(rows),
                           indices=np.arange(x.shape[0]), mode=mode, eps=float(eps),
                           n_samples=int(n_samples), space=space)
