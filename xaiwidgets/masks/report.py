"""Mask quality reports and the size trade-off sweep (data only; widgets draw them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import clone

from .._core.probe import with_autograd
from .._core.validation import check_int, check_number, describe

if TYPE_CHECKING:
    from .explainer import MaskExplainer

__all__ = ["MaskReport", "TradeoffCurve", "size_tradeoff"]


@dataclass
class MaskReport:
    """Mask quality on a set of inputs (see :meth:`MaskExplainer.evaluate`).

    Attributes
    ----------
    n : int
        Number of samples.
    task : {"multiclass", "binary", "regression"}
    mask_mean : float
        Mean mask value over all explained locations of all inputs, pooled (the loss averages
        each input's own mean instead; the two differ when padded lengths vary).
    frac_above_half : float
        Fraction of locations with m > 0.5.
    preserved_soft : float
        Fraction of samples whose prediction survives the soft mask (classifiers: same class;
        regression: ``|delta| <= tol``).
    preserved_hard : dict of float to float
        Per kept fraction k: the same rate when only the top-k locations by mask value are kept
        (hard 0/1 mask, everything else removed).
    tol : float
        Regression tolerance on ``|f(x~) - f(x)|``.
    abs_delta_soft, abs_delta_hard : ndarray
        Regression only: per-sample ``|f(x~) - f(x)|`` (hard: at the first kept fraction).
    """

    n: int
    task: str
    mask_mean: float
    frac_above_half: float
    preserved_soft: float
    preserved_hard: dict[float, float]
    tol: float = 0.0
    abs_delta_soft: np.ndarray = field(default_factory=lambda: np.zeros(0))
    abs_delta_hard: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def is_regression(self) -> bool:
        return self.task == "regression"

    def as_dict(self) -> dict[str, float]:
        out = {"n": float(self.n), "mask_mean": self.mask_mean,
               "frac_above_half": self.frac_above_half, "preserved_soft": self.preserved_soft}
        out.update({f"preserved_hard@{k:g}": v for k, v in self.preserved_hard.items()})
        return out


@dataclass
class TradeoffCurve:
    """Mask size against preserved predictions over a sweep of ``lam`` or ``budget`` (see
    :func:`size_tradeoff`).

    Attributes
    ----------
    param : {"lam", "budget"}
    values : ndarray
        The swept values, in the order given.
    mask_mean, frac_above_half, preserved_soft, preserved_hard : ndarray
        One entry per value (see :class:`MaskReport`).
    keep : float or None
        Kept fraction of the hard masks; None: each budget's own fraction.
    reports : list of MaskReport
    """

    param: str
    values: np.ndarray
    mask_mean: np.ndarray
    frac_above_half: np.ndarray
    preserved_soft: np.ndarray
    preserved_hard: np.ndarray
    keep: float | None
    reports: list[MaskReport] = field(default_factory=list)

    @property
    def name(self) -> str:
        """Display name of the swept parameter."""
        return "λ" if self.param == "lam" else "budget"

    @property
    def kept(self) -> str:
        """What the hard masks keep, in words."""
        return "budget" if self.keep is None else f"{self.keep:.0%}"

    def label(self, v: float) -> str:
        return f"{self.name}={v:g}"


@with_autograd
def size_tradeoff(
    explainer: MaskExplainer,
    data: Any,
    inputs: Any,
    values: Sequence[float] | None = None,
    *,
    epochs: int | None = None,
    keep: float | None = None,
    tol: float = 0.5,
) -> TradeoffCurve:
    """Sweep what sets the mask size (``lam``, or ``budget`` for an explainer that has one): fit
    one generator per value and report mask size vs preserved rate.

    Each generator is a clone of the fitted ``explainer`` warm-started from its generator
    (scikit-learn's ``warm_start``) and trained for ``epochs`` (default: the explainer's own),
    so a sweep costs a few epochs per value.

    Parameters
    ----------
    explainer : MaskExplainer
        A fitted explainer; it is not changed.
    data : training inputs for the sweep (as for :meth:`MaskExplainer.fit`).
    inputs : evaluation inputs.
    values : sequence of float, optional
        ``lam`` values (>= 0), or ``budget`` fractions in (0, 1] when ``explainer.budget`` is
        set. Default: (0.005, 0.02, 0.05, 0.2) or (0.1, 0.2, 0.4, 0.6).
    epochs : int, optional
        >= 1.
    keep : float, optional
        Kept fraction of the hard masks. Default: 0.2 for a ``lam`` sweep; for a ``budget``
        sweep, each generator's own budget (the size it was trained for).
    tol : float, default=0.5

    Returns
    -------
    TradeoffCurve
    """
    from .explainer import MaskExplainer

    if not isinstance(explainer, MaskExplainer):
        raise TypeError(f"argument 'explainer': expected a MaskExplainer, got "
                        f"{describe(explainer)}")
    explainer._check_fitted("size_tradeoff()")
    epochs = check_int(epochs, "epochs", low=1, allow_none=True)
    keep = check_number(keep, "keep", low=0.0, high=1.0, low_open=True, allow_none=True)
    param = "lam" if explainer.budget is None else "budget"
    if values is None:
        values = (0.005, 0.02, 0.05, 0.2) if param == "lam" else (0.1, 0.2, 0.4, 0.6)
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise TypeError(f"argument 'values': expected a list of numbers, got {describe(values)}")
    if param == "lam":
        vals = [check_number(v, "values", low=0.0) for v in values]
    else:
        vals = [check_number(v, "values", low=0.0, high=1.0, low_open=True) for v in values]
    if not vals:
        raise ValueError("argument 'values': expected at least one value, got none")
    if keep is None and param == "lam":
        keep = 0.2
    reports = []
    from tqdm.auto import tqdm

    for v in tqdm(vals, desc=f"{param} trade-off", unit="fit", disable=not explainer.progress):
        sweep = clone(explainer).set_params(
            **{param: v, "progress": False, "warm_start": True,
               "epochs": epochs if epochs is not None else explainer.epochs})
        sweep.generator_ = explainer.generator_  # copied by the warm-started fit, never changed
        sweep.fit(data)
        reports.append(sweep.evaluate(inputs, keep=(v if keep is None else keep,), tol=tol))
    return TradeoffCurve(
        param=param, values=np.array(vals),
        mask_mean=np.array([r.mask_mean for r in reports]),
        frac_above_half=np.array([r.frac_above_half for r in reports]),
        preserved_soft=np.array([r.preserved_soft for r in reports]),
        preserved_hard=np.array([next(iter(r.preserved_hard.values())) for r in reports]),
        keep=keep, reports=reports)
