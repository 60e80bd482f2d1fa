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

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from .._core.batching import DEFAULT_BATCH_SIZE, map_batches
from .._core.captum import quiet_captum
from .._core.deprecation import renamed_attribute
from .._core.explainers import resolve_methods
from .._core.modality import check_inputs
from .._core.probe import preserved_model, run_model, with_autograd
from .._core.random import check_seed, seeded
from .._core.results import Result
from .._core.task import infer_task
from .._core.validation import (
    check_class_labels,
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


def _inputs(senn: SENN, X: Any) -> torch.Tensor:
    x, _ = check_inputs(X, model=senn, allow_tokens=False)
    senn._check_input(x)
    return x


def concept_names(senn: SENN) -> list[str]:
    """The SENN's concept names, or ``concept 1 ... k``."""
    return list(senn.concept_names) or [f"concept {i + 1}" for i in range(senn.n_concepts)]


@dataclass
class Prototypes(Result):
    """Grounding of learned concepts: per concept, the samples that activate it most.

    A dataset-level result (no sample axis of its own): :func:`prototypes` computes it and
    :meth:`SENNExplanation.with_prototypes` attaches it to an explanation, whose view draws it.

    Attributes
    ----------
    indices : ndarray of int (k, top_k)
        Row j: indices into the data the prototypes were picked from, by decreasing ``h_j``.
    activations : ndarray (k, top_k)
        ``h_j`` of each of them.
    concept_names : list of str
    inputs : ndarray (k, top_k, ...), optional
        The prototype samples themselves, as the SENN saw them (what the view shows).
    """

    indices: np.ndarray
    activations: np.ndarray
    concept_names: list[str]
    inputs: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.concept_names = list(self.concept_names)
        if self.indices.ndim != 2 or self.activations.shape != self.indices.shape:
            raise ValueError(f"Prototypes: 'indices' and 'activations' must both be (k, top_k); "
                             f"got {self.indices.shape} and {self.activations.shape}")
        if self.inputs is not None and self.inputs.shape[:2] != self.indices.shape:
            raise ValueError(f"Prototypes: 'inputs' must start with (k, top_k) = "
                             f"{self.indices.shape}, got {self.inputs.shape}")

    @property
    def n_concepts(self) -> int:
        return int(self.indices.shape[0])


@dataclass
class StabilityResult(Result):
    """Local Lipschitz estimates of several explanations on the same samples (lower is more
    stable), one row per sample.

    Attributes
    ----------
    methods : list of str
        ``"SENN"`` first, then the compared methods.
    lipschitz : ndarray (N, M)
        Per sample, each method's estimate (NaN where it was not estimated).
    estimated : ndarray of bool (N,)
        Which samples were estimated (all of them from :func:`stability`; attached to an
        explanation, the samples it was run on).
    mode : {"continuous", "discrete"}
    eps : float
    n_samples : int
        Perturbations per estimate.
    space : {"inputs", "concepts"}
        SENN's estimate in input space (``J_h^T theta`` vs ``x``), comparable to the other
        methods, or in concept space (``theta`` vs ``h``, the paper's form for learned
        concepts).
    """

    _rows: ClassVar[tuple[str, ...]] = ("lipschitz", "estimated")

    methods: list[str]
    lipschitz: np.ndarray
    estimated: np.ndarray
    mode: str = "continuous"
    eps: float = 0.1
    n_samples: int = 20
    space: str = "inputs"
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.methods = list(self.methods)
        if self.lipschitz.ndim != 2 or self.lipschitz.shape[1] != len(self.methods):
            raise ValueError(f"StabilityResult: 'lipschitz' must be (N, {len(self.methods)}) "
                             f"(one column per method), got {self.lipschitz.shape}")
        self.check_rows()

    @property
    def values(self) -> np.ndarray:
        """(M, n) estimates of the estimated samples, one row per method."""
        return np.asarray(self.lipschitz)[np.asarray(self.estimated, bool)].T

    @property
    def indices(self) -> np.ndarray:
        """Which samples were estimated (positions in this result)."""
        return np.flatnonzero(np.asarray(self.estimated, bool))

    def mean(self) -> dict[str, float]:
        """Mean estimate per method over the estimated samples (non-finite ones left out; NaN
        when none is finite)."""
        return dict(zip(self.methods, self._finite_stat(np.nanmean).tolist(), strict=True))

    def std(self) -> dict[str, float]:
        """Standard deviation per method, like :meth:`mean`."""
        return dict(zip(self.methods, self._finite_stat(np.nanstd).tolist(), strict=True))

    def _finite_stat(self, fn: Any) -> np.ndarray:
        v = np.asarray(self.values, dtype=np.float64)
        v = np.where(np.isfinite(v), v, np.nan)
        with warnings.catch_warnings():  # a method with no finite estimate: NaN, silently
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.asarray(fn(v, axis=1), dtype=np.float64).reshape(len(self.methods))


@dataclass
class SENNExplanation(Result):
    """Concepts and relevances of a SENN on some samples, one row per sample.

    Everything :class:`~xaiwidgets.SENNView` draws: the rows below, and optionally the
    prototypes of learned concepts and a stability check (:meth:`with_prototypes`,
    :meth:`with_stability`).

    Attributes
    ----------
    kind : {"tabular", "image"}
    inputs : ndarray (N, ...)
        The samples as the SENN saw them.
    concepts : ndarray (N, k)
        ``h(x)``: feature values (and the constant 1) for identity concepts.
    relevances : ndarray (N, k)
        ``theta(x)`` of the explained class.
    thetas : ndarray (N, k, C)
        ``theta(x)`` of every class.
    target, y_pred : ndarray of int (N,)
        The explained class and the SENN's predicted class.
    prob : ndarray (N,)
        The SENN's probability of the explained class.
    concept_names : list of str
    learned : bool
        Whether the concepts are learned (an autoencoder) rather than the features.
    y_true : ndarray (N,), optional
        True labels, when given.
    prototypes : Prototypes, optional
        The samples that activate each learned concept most (dataset-level).
    stability : StabilityResult, optional
        Local Lipschitz estimates, one row per sample (NaN rows where not estimated).
    """

    _rows: ClassVar[tuple[str, ...]] = ("inputs", "concepts", "relevances", "thetas", "target",
                                        "y_pred", "prob", "y_true", "stability")

    kind: str
    inputs: np.ndarray
    concepts: np.ndarray
    relevances: np.ndarray
    thetas: np.ndarray
    target: np.ndarray
    y_pred: np.ndarray
    prob: np.ndarray
    concept_names: list[str]
    learned: bool
    y_true: np.ndarray | None = None
    prototypes: Prototypes | None = None
    stability: StabilityResult | None = None

    def __post_init__(self) -> None:
        self.concept_names = list(self.concept_names)
        self.learned = bool(self.learned)
        if self.kind not in ("tabular", "image"):
            raise ValueError(f"SENNExplanation: 'kind' must be 'tabular' or 'image', got "
                             f"{self.kind!r}")
        k = self.concepts.shape[1] if self.concepts.ndim == 2 else -1
        if k < 0 or self.relevances.shape != self.concepts.shape or (
                self.thetas.ndim != 3 or self.thetas.shape[:2] != self.concepts.shape):
            raise ValueError(f"SENNExplanation: 'concepts' and 'relevances' must be (N, k) and "
                             f"'thetas' (N, k, C); got {self.concepts.shape}, "
                             f"{self.relevances.shape}, {self.thetas.shape}")
        if len(self.concept_names) != k:
            raise ValueError(f"SENNExplanation: {k} concepts but {len(self.concept_names)} "
                             "concept_names")
        if self.prototypes is not None and not isinstance(self.prototypes, Prototypes):
            raise TypeError(f"SENNExplanation: 'prototypes' must be a Prototypes, got "
                            f"{describe(self.prototypes)}")
        if self.prototypes is not None and self.prototypes.n_concepts != k:
            raise ValueError(f"SENNExplanation: prototypes of {self.prototypes.n_concepts} "
                             f"concepts for an explanation of {k}")
        if self.stability is not None and not isinstance(self.stability, StabilityResult):
            raise TypeError(f"SENNExplanation: 'stability' must be a StabilityResult, got "
                            f"{describe(self.stability)}")
        self.check_rows()

    pred = renamed_attribute("y_pred")

    @property
    def contributions(self) -> np.ndarray:
        """``theta_i(x) h_i(x)`` (N, k): each concept's additive share of the logit."""
        return np.asarray(self.relevances) * np.asarray(self.concepts)

    def with_prototypes(self, prototypes: Prototypes | None) -> SENNExplanation:
        """This explanation with ``prototypes`` (:func:`prototypes`) attached (None: removed)."""
        if prototypes is not None and not isinstance(prototypes, Prototypes):
            raise TypeError(f"argument 'prototypes': expected a Prototypes "
                            f"(xaiwidgets.senn.prototypes(...)), got {describe(prototypes)}")
        if prototypes is not None and prototypes.inputs is None:
            raise ValueError("argument 'prototypes': it holds no prototype samples ('inputs'); "
                             "compute it with xaiwidgets.senn.prototypes(senn, data)")
        return replace(self, prototypes=prototypes)

    def with_stability(self, stability: StabilityResult | None, indices: Any = None
                       ) -> SENNExplanation:
        """This explanation with ``stability`` (:func:`stability`) attached, one row per sample.

        Parameters
        ----------
        stability : StabilityResult or None
            None removes it.
        indices : sequence of int, optional
            The explained samples it was estimated on, in its order (default: the first
            ``len(stability)``).
        """
        if stability is None:
            return replace(self, stability=None)
        if not isinstance(stability, StabilityResult):
            raise TypeError(f"argument 'stability': expected a StabilityResult "
                            f"(xaiwidgets.senn.stability(...)), got {describe(stability)}")
        n, m = len(self), len(stability)
        idx = (np.arange(m) if indices is None
               else np.asarray(indices, dtype=np.int64).reshape(-1))
        if len(idx) != m:
            raise ValueError(f"argument 'indices': expected one index per estimated sample "
                             f"({m}), got {len(idx)}")
        if m and (idx.min() < 0 or idx.max() >= n):
            raise ValueError(f"argument 'stability': its samples go up to {int(idx.max())}, "
                             f"beyond the {n} explained samples")
        lip = np.full((n, len(stability.methods)), np.nan, dtype=np.float64)
        est = np.zeros(n, dtype=bool)
        lip[idx] = np.asarray(stability.lipschitz, dtype=np.float64)
        est[idx] = np.asarray(stability.estimated, dtype=bool)
        return replace(self, stability=replace(stability, lipschitz=lip, estimated=est))


def _batched(senn: SENN, x: torch.Tensor, batch_size: int
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    with preserved_model(senn), torch.inference_mode():
        logits, h, th = map_batches(lambda b: tuple(t.detach() for t in senn.parts(b)), x,
                                    batch_size)
    return logits, h, th


@with_autograd
def explain(senn: SENN, X: Any, target: Any = None, *, y_true: Any = None,
            batch_size: int = DEFAULT_BATCH_SIZE) -> SENNExplanation:
    """Concepts and relevances of the predicted (or given) class; see :meth:`SENN.explain`."""
    _check_senn(senn)
    check_int(batch_size, "batch_size", low=1)
    x = _inputs(senn, X)
    truth = None if y_true is None else check_class_labels(y_true, x.shape[0], "y_true")
    senn.warn_if_untrained()
    logits, h, th = _batched(senn, x, batch_size)
    y_pred = logits.argmax(1)
    t = y_pred if target is None else check_targets(target, x.shape[0], senn.n_classes).to(
        x.device)
    prob = torch.softmax(logits, 1).gather(1, t[:, None])[:, 0]
    rel = th.gather(2, t[:, None, None].expand(-1, th.shape[1], 1))[..., 0]
    return SENNExplanation(
        kind="image" if x.ndim == 4 else "tabular", inputs=x.cpu().numpy(),
        concepts=h.cpu().numpy(), relevances=rel.cpu().numpy(), thetas=th.cpu().numpy(),
        target=t.cpu().numpy(), y_pred=y_pred.cpu().numpy(), prob=prob.cpu().numpy(),
        concept_names=concept_names(senn), learned=senn.learned, y_true=truth)


def _targets(senn: SENN, x: torch.Tensor, target: Any) -> torch.Tensor:
    if target is None:
        with torch.no_grad():
            return senn(x).argmax(1)
    if isinstance(target, torch.Tensor) and target.ndim == 0:
        target = int(target)
    return check_targets(target, x.shape[0], senn.n_classes).to(x.device)


@with_autograd
def relevances(senn: SENN, X: Any, target: Any = None) -> torch.Tensor:
    """``theta(x)`` of class ``target`` (default: predicted), (N, k), detached."""
    _check_senn(senn)
    x = _inputs(senn, X)
    # eval mode (dropout off, as in explain()): the same answer every call, no RNG drawn
    with preserved_model(senn), torch.no_grad():
        logits, _, th = senn.parts(x)
        t = logits.argmax(1) if target is None else _targets(senn, x, target)
    return th.gather(2, t[:, None, None].expand(-1, th.shape[1], 1))[..., 0].detach()


@with_autograd
def attribute(senn: SENN, X: Any, target: Any = None) -> torch.Tensor:
    """``J_h(x)^T theta(x)_t`` shaped like the inputs; see :meth:`SENN.attribute`."""
    _check_senn(senn)
    x = _inputs(senn, X)
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


@with_autograd
def prototypes(senn: SENN, data: Any, top_k: int = 10, *,
               batch_size: int = DEFAULT_BATCH_SIZE) -> Prototypes:
    """The ``top_k`` samples of ``data`` with the largest activation of each concept (the
    reference's ``concept_grid``): what a learned concept looks like.

    The result holds the prototype samples themselves (``inputs``), so a view draws them without
    ``data``; attach it to an explanation with :meth:`SENNExplanation.with_prototypes`.
    """
    _check_senn(senn)
    top_k = check_int(top_k, "top_k", low=1)
    x = _inputs(senn, data)
    _, h, _ = _batched(senn, x, batch_size)
    k = min(top_k, x.shape[0])
    act, idx = torch.topk(h.T, k, dim=1)
    picked = x[idx.reshape(-1).to(x.device)].detach().cpu().numpy()
    return Prototypes(indices=idx.cpu().numpy(), activations=act.cpu().numpy(),
                      concept_names=concept_names(senn),
                      inputs=picked.reshape(*idx.shape, *x.shape[1:]))


@with_autograd
def concept_faithfulness(senn: SENN, X: Any, target: Any = None, *,
                         relevance: str = "theta", batch_size: int = DEFAULT_BATCH_SIZE
                         ) -> np.ndarray:
    """Per sample, ``corr(r, drop)`` with ``drop_i = p_t(x) - p_t(x | h_i <- 0)``: each
    concept removed in turn with theta held fixed (methods.md 5(e)4).

    ``relevance="theta"`` correlates the drops with ``theta_t(x)`` (the paper's relevances);
    ``"contribution"`` with ``theta_it h_i`` (what removing concept i takes off the logit).
    For identity concepts this removes a feature by setting it to 0 inside the aggregator; to
    replace features by a baseline in the input instead, use
    :func:`xaiwidgets.metrics.faithfulness_correlation`. Shape (N,), NaN where undefined."""
    _check_senn(senn)
    check_option(relevance, "relevance", ("theta", "contribution"))
    x = _inputs(senn, X)
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


@with_autograd
def stability(
    senn: SENN,
    X: Any,
    methods: Sequence[Any] | Mapping[str, Any] = ("saliency", "integrated_gradients"),
    *,
    model: nn.Module | None = None,
    space: str = "inputs",
    mode: str = "continuous",
    eps: float = 0.1,
    n_samples: int = 20,
    data: Any = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    seed: int = 0,
) -> StabilityResult:
    """Local Lipschitz estimates of SENN's explanation and of other methods on the same
    samples (:func:`xaiwidgets.metrics.local_lipschitz`, same perturbations for all).

    Parameters
    ----------
    senn : SENN
    X : Tensor, ndarray or DataFrame
        The samples.
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
    x = _inputs(senn, X)
    other = senn if model is None else check_model(model)
    xo, _ = check_inputs(X, model=other, allow_tokens=False)
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
    return StabilityResult(methods=["SENN", *[m.label for m in resolved]],
                           lipschitz=np.stack(rows, axis=1),
                           estimated=np.ones(x.shape[0], dtype=bool), mode=mode,
                           eps=float(eps), n_samples=int(n_samples), space=space)
