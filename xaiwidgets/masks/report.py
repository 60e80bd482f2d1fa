"""Mask quality reports and the size trade-off sweep (data only; widgets draw them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from sklearn.base import clone

from .._core.batching import progress
from .._core.probe import with_autograd
from .._core.results import Result
from .._core.validation import check_int, check_number, describe

if TYPE_CHECKING:
    from .explainer import MaskExplainer

__all__ = ["MaskReport", "TradeoffCurve", "size_tradeoff"]


@dataclass
class MaskReport(Result):
    """Mask quality on a set of inputs (see :meth:`MaskExplainer.evaluate`), sample by sample.

    A :class:`~xaiwidgets.Result`: every per-sample field has the sample as its first axis, so
    ``report[i:j]`` is the report on those inputs and reports of several batches concatenate
    (:meth:`~xaiwidgets.Result.concat`). The summary figures (``mask_mean``,
    ``preserved_soft``...) are computed from those rows.

    Attributes
    ----------
    task : {"multiclass", "binary", "regression"}
    keep : list of float
        The kept fractions of the hard masks, in the order of ``kept_hard``'s columns.
    mask_sum : ndarray of float, shape (N,)
        Per sample: the sum of the mask over its explained locations.
    above_half : ndarray of int, shape (N,)
        Per sample: how many of its locations have m > 0.5.
    locations : ndarray of int, shape (N,)
        Per sample: how many locations it has (token padding excluded).
    kept_soft : ndarray of bool, shape (N,)
        Whether the sample's prediction survives the soft mask (classifiers: same class;
        regression: ``|delta| <= tol``).
    kept_hard : ndarray of bool, shape (N, len(keep))
        The same when only the top-k locations by mask value are kept (hard 0/1 mask,
        everything else removed), one column per kept fraction.
    tol : float
        Regression tolerance on ``|f(x~) - f(x)|`` (0.0 for classifiers).
    abs_delta_soft, abs_delta_hard : ndarray of float, shape (N,)
        Per sample ``|f(x~) - f(x)|`` (hard: at the first kept fraction); meaningful for a
        regression.
    """

    _rows: ClassVar[tuple[str, ...]] = ("mask_sum", "above_half", "locations", "kept_soft",
                                        "kept_hard", "abs_delta_soft", "abs_delta_hard")

    task: str
    keep: list[float]
    mask_sum: np.ndarray
    above_half: np.ndarray
    locations: np.ndarray
    kept_soft: np.ndarray
    kept_hard: np.ndarray
    tol: float = 0.0
    abs_delta_soft: np.ndarray | None = None
    abs_delta_hard: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.keep = [float(k) for k in self.keep]
        self.check_rows()
        if len(self.kept_hard.shape) != 2 or self.kept_hard.shape[1] != len(self.keep):
            raise ValueError(f"MaskReport: 'kept_hard' must be (N, {len(self.keep)}), one "
                             f"column per kept fraction, got {tuple(self.kept_hard.shape)}")

    # -- summaries, from the rows -------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of samples."""
        return len(self)

    @property
    def is_regression(self) -> bool:
        return self.task == "regression"

    @property
    def mask_mean(self) -> float:
        """Mean mask value over all explained locations of all inputs, pooled (the loss
        averages each input's own mean instead; the two differ when padded lengths vary)."""
        return _ratio(self.mask_sum, self.locations)

    @property
    def frac_above_half(self) -> float:
        """Fraction of the locations with m > 0.5."""
        return _ratio(self.above_half, self.locations)

    @property
    def sizes(self) -> np.ndarray:
        """Per sample: its mean mask value (NaN for a sample without locations)."""
        count = np.asarray(self.locations, dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(self.mask_sum, dtype=np.float64) / count

    @property
    def preserved_soft(self) -> float:
        """Fraction of samples whose prediction survives the soft mask."""
        return _mean(self.kept_soft)

    @property
    def preserved_hard(self) -> dict[float, float]:
        """Per kept fraction k: the fraction of samples whose prediction survives the hard
        mask keeping the top-k locations."""
        kept = np.asarray(self.kept_hard)
        return {k: _mean(kept[:, j]) for j, k in enumerate(self.keep)}

    def as_dict(self) -> dict[str, float]:
        out = {"n": float(self.n), "mask_mean": self.mask_mean,
               "frac_above_half": self.frac_above_half, "preserved_soft": self.preserved_soft}
        out.update({f"preserved_hard@{k:g}": v for k, v in self.preserved_hard.items()})
        return out


def _ratio(num: Any, den: Any) -> float:
    total = float(np.asarray(den, dtype=np.float64).sum())
    return float(np.asarray(num, dtype=np.float64).sum()) / total if total else float("nan")


def _mean(values: Any) -> float:
    a = np.asarray(values, dtype=np.float64)
    return float(a.mean()) if a.size else float("nan")


@dataclass
class TradeoffCurve(Result):
    """Mask size against preserved predictions over a sweep of ``lam`` or ``budget`` (see
    :func:`size_tradeoff`). Dataset-level: a :class:`~xaiwidgets.Result` without per-sample
    rows (one entry per swept value), saved and opened with the mask result that holds it.

    Attributes
    ----------
    param : {"lam", "budget"}
    values : ndarray
        The swept values, in the order given.
    mask_mean, frac_above_half, preserved_soft, preserved_hard : ndarray
        One entry per value (see :class:`MaskReport`).
    keep : float or None
        Kept fraction of the hard masks; None: each budget's own fraction.
    reports : dict of str to MaskReport
        Each value's report on the evaluation inputs, keyed by the value (``f"{v:g}"``).
    """

    param: str
    values: np.ndarray
    mask_mean: np.ndarray
    frac_above_half: np.ndarray
    preserved_soft: np.ndarray
    preserved_hard: np.ndarray
    keep: float | None
    reports: dict[str, MaskReport] = field(default_factory=dict)

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
    if len({f"{v:g}" for v in vals}) != len(vals):
        raise ValueError(f"argument 'values': expected distinct values, got {vals}")
    if keep is None and param == "lam":
        keep = 0.2
    reports = []
    for v in progress(vals, enabled=explainer.progress, desc=f"{param} trade-off", unit="fit"):
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
        keep=keep, reports={f"{v:g}": r for v, r in zip(vals, reports, strict=True)})
