"""Uncertainty for metric tables: bootstrap intervals of means, and "best" only where a paired
test over the same samples supports it.

A metric table compares methods on the *same* samples, so the right question is paired: is the
best-looking method better than each other one, sample by sample? :func:`summarize` answers it
with a Wilcoxon signed-rank test of the best mean against every other method (Holm-corrected
over those comparisons) and reports seeded percentile-bootstrap intervals of every mean.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .._core.validation import check_int, check_number

__all__ = ["MetricSummary", "bootstrap_interval", "summarize"]


def bootstrap_interval(values: np.ndarray, *, level: float = 0.95, n_resamples: int = 1000,
                       seed: int = 0) -> tuple[float, float]:
    """Percentile-bootstrap interval of the mean of ``values`` (NaNs dropped; seeded).

    Returns (NaN, NaN) with fewer than two finite values.
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if len(v) < 2:
        return float("nan"), float("nan")
    if np.all(v == v[0]):
        return float(v[0]), float(v[0])
    from scipy import stats  # here: a dataset job's workers import this module, not scipy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.bootstrap((v,), np.mean, n_resamples=n_resamples, confidence_level=level,
                              method="percentile", random_state=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def _paired_p(a: np.ndarray, b: np.ndarray, higher: bool) -> tuple[float, int]:
    """One-sided Wilcoxon p-value that ``a`` beats ``b`` on the samples both have."""
    both = np.isfinite(a) & np.isfinite(b)
    d = (a[both] - b[both]) * (1 if higher else -1)
    n = int(both.sum())
    if n < 2 or np.all(d == 0):
        return 1.0, n
    from scipy import stats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (RuntimeWarning, UserWarning))
        p = stats.wilcoxon(d, alternative="greater", zero_method="wilcox").pvalue
    return float(p), n


def _holm(pvalues: Sequence[float]) -> np.ndarray:
    p = np.asarray(pvalues, dtype=np.float64)
    order = np.argsort(p)
    adjusted = np.empty_like(p)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[i]))
        adjusted[i] = running
    return adjusted


@dataclass
class MetricSummary:
    """A metric table with its uncertainty (see :func:`summarize`).

    Attributes
    ----------
    methods, metrics : list of str
    higher_is_better : list of bool
        Per metric.
    mean, low, high : ndarray of shape (M, Q)
        Mean over samples and its bootstrap interval (NaN where undefined).
    n : ndarray of int, shape (M, Q)
        Samples behind each mean.
    rank : ndarray of int, shape (M, Q)
        1 = best mean (ties share the better rank); 0 where the mean is NaN.
    best : ndarray of bool, shape (M, Q)
        The best mean, *and* better than every other method in a one-sided paired Wilcoxon
        signed-rank test, Holm-corrected, at ``alpha``. At most one True per column.
    p_best : ndarray of shape (Q,)
        The largest Holm-adjusted p-value of the best-by-mean method against the others (NaN
        where fewer than two methods have values).
    level, alpha : float
    paired : list of bool
        Per metric: whether it has per-sample values (timings do not: no test, no interval).
    """

    methods: list[str]
    metrics: list[str]
    higher_is_better: list[bool]
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n: np.ndarray
    rank: np.ndarray
    best: np.ndarray
    p_best: np.ndarray
    level: float
    alpha: float
    paired: list[bool]

    def sentence(self) -> str:
        """What the numbers mean, in one sentence (shown under the table)."""
        n = int(self.n.max()) if self.n.size else 0
        return (f"Means over {n} samples with {self.level:.0%} bootstrap intervals; a method is "
                f"marked best only where a paired Wilcoxon test on the same samples finds it "
                f"better than every other method (Holm-corrected, p < {self.alpha:g}); "
                "otherwise the difference is within the noise of these samples.")


def summarize(
    values: Mapping[str, Mapping[str, np.ndarray]],
    higher_is_better: Mapping[str, bool],
    *,
    metrics: Sequence[str] | None = None,
    paired: Mapping[str, bool] | None = None,
    level: float = 0.95,
    alpha: float = 0.05,
    n_resamples: int = 1000,
    seed: int = 0,
) -> MetricSummary:
    """Means, bootstrap intervals, ranks and the paired-test "best" of a metric table.

    Parameters
    ----------
    values : dict of method -> dict of metric -> ndarray (n_samples,)
        Per-sample values, the same samples for every method (NaN where undefined).
    higher_is_better : dict of metric -> bool
    metrics : sequence of str, optional
        Column order (default: the first method's metrics).
    paired : dict of metric -> bool, optional
        False for metrics without per-sample values (e.g. seconds per explanation): no interval,
        no test, no "best".
    level : float, default=0.95
    alpha : float, default=0.05
    n_resamples : int, default=1000
    seed : int, default=0
        Seeds the bootstrap.
    """
    level = check_number(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
    alpha = check_number(alpha, "alpha", low=0.0, high=1.0, low_open=True)
    check_int(n_resamples, "n_resamples", low=10)
    methods = list(values)
    cols = list(metrics) if metrics is not None else (list(values[methods[0]]) if methods else [])
    M, Q = len(methods), len(cols)
    mean = np.full((M, Q), np.nan)
    low, high = np.full((M, Q), np.nan), np.full((M, Q), np.nan)
    n = np.zeros((M, Q), dtype=np.int64)
    rank = np.zeros((M, Q), dtype=np.int64)
    best = np.zeros((M, Q), dtype=bool)
    p_best = np.full(Q, np.nan)
    is_paired = [bool((paired or {}).get(k, True)) for k in cols]
    for q, k in enumerate(cols):
        higher = bool(higher_is_better[k])
        rows = [np.asarray(values[m].get(k, np.full(0, np.nan)), dtype=np.float64)
                for m in methods]
        for i, v in enumerate(rows):
            finite = v[np.isfinite(v)]
            n[i, q] = len(finite)
            if len(finite):
                mean[i, q] = float(finite.mean())
            if is_paired[q]:
                low[i, q], high[i, q] = bootstrap_interval(v, level=level,
                                                           n_resamples=n_resamples, seed=seed)
        defined = np.flatnonzero(np.isfinite(mean[:, q]))
        if not len(defined):
            continue
        key = -mean[defined, q] if higher else mean[defined, q]
        for i in defined.tolist():  # ties share the better rank
            rank[i, q] = 1 + int(np.sum(key < (-mean[i, q] if higher else mean[i, q])))
        if not is_paired[q] or len(defined) < 2:
            continue
        top = int(defined[np.argmin(key)])
        ps = [_paired_p(rows[top], rows[j], higher)[0] for j in defined if j != top]
        adjusted = _holm(ps)
        p_best[q] = float(adjusted.max())
        best[top, q] = bool(p_best[q] < alpha)
    return MetricSummary(methods=methods, metrics=cols,
                         higher_is_better=[bool(higher_is_better[k]) for k in cols], mean=mean,
                         low=low, high=high, n=n, rank=rank, best=best, p_best=p_best,
                         level=level, alpha=alpha, paired=is_paired)
