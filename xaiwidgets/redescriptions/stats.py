"""Statistics of redescriptions: Jaccard index, the marginal binomial p-value, multiple-testing
corrections, and the per-neuron discretisation into initial targets.

Supports are boolean matrices ``(rules, N)``; everything here works on whole matrices at once.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats as sps

__all__ = [
    "BINNINGS",
    "CORRECTIONS",
    "bin_thresholds",
    "correct_pvalues",
    "intersections",
    "jaccard",
    "pvalue",
]

BINNINGS = ("fd", "quantile", "kmeans")
CORRECTIONS = (None, "bh", "bonferroni")


def intersections(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``|supp(l) ∩ supp(r)|`` for every pair: ``(L, N) x (R, N) -> (L, R)`` int64.

    One matrix product (float32 is exact for counts below 2**24 samples)."""
    return np.rint(left.astype(np.float32) @ right.astype(np.float32).T).astype(np.int64)


def jaccard(inter: np.ndarray, n_left: np.ndarray, n_right: np.ndarray) -> np.ndarray:
    """``|E12| / |E1 ∪ E2|`` from the intersections and the two support sizes (broadcast)."""
    union = n_left + n_right - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / np.maximum(union, 1), 0.0)


def pvalue(inter: np.ndarray, n_left: np.ndarray, n_right: np.ndarray, n: int) -> np.ndarray:
    """The marginal binomial p-value ``P[Bin(N, |E1||E2|/N^2) >= |E12|]``.

    The ``>=`` form (``sf(|E12| - 1)``), as clired's ``tool_pValSupp``; the ExItNeRdoM Java
    code computes ``1 - CDF(|E12|)``, a strict ``>``, which is off by one.
    """
    p = np.clip(np.asarray(n_left, np.float64) * np.asarray(n_right, np.float64) / float(n) ** 2,
                0.0, 1.0)
    return sps.binom.sf(np.asarray(inter) - 1, n, p)


def correct_pvalues(p: np.ndarray, method: str | None) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (``"bh"``), Bonferroni (``"bonferroni"``), or the
    p-values themselves (None), over one family of candidates."""
    p = np.asarray(p, dtype=np.float64)
    if method is None or p.size == 0:
        return p
    if method == "bonferroni":
        return np.minimum(p * p.size, 1.0)
    return sps.false_discovery_control(p, method="bh")


def _fd_threshold(x: np.ndarray) -> np.ndarray:
    """The reference's "modified two-bin" split (``DataSetCreator.initialClusteringGen
    Attribute2Bins``): Freedman-Diaconis width ``h = 2 IQR N^-0.33`` over the distinct values;
    the first distinct value more than ``h`` above the minimum is the split ``s``, and the bins
    are ``x <= s`` and ``x > s``. With ``h = 0`` every distinct value is its own bin."""
    v = np.unique(x)
    q75, q25 = np.percentile(v, [75, 25], method="weibull")  # Apache Commons' estimator
    h = 2.0 * (q75 - q25) * len(x) ** -0.33
    if not np.isfinite(h) or h == 0:
        return v[:-1]
    above = np.flatnonzero(v - v[0] > h)
    if len(above) == 0 or above[0] == len(v) - 1:
        return np.zeros(0)  # no usable split: the caller falls back to the median
    return v[above[:1]]


def bin_thresholds(x: np.ndarray, method: str, n_bins: int, seed: int = 0) -> np.ndarray:
    """Sorted thresholds ``t`` cutting a numeric column into bins ``x <= t1 < ... <= tk < x``.

    ``"fd"``: the reference's two-bin Freedman-Diaconis split (``n_bins`` is ignored);
    ``"quantile"``: equal-frequency bins; ``"kmeans"``: 1-D k-means bins. Ties never split, so
    a column may get fewer bins than asked for; a column that cannot be split the asked way is
    split at its median.
    """
    x = np.asarray(x, dtype=np.float64)
    v = np.unique(x)
    if method == "fd":
        t = _fd_threshold(x)
    elif method == "quantile":
        qs = np.quantile(x, np.linspace(0, 1, n_bins + 1)[1:-1], method="inverted_cdf")
        t = np.unique(qs)
    else:
        from sklearn.cluster import KMeans

        k = min(n_bins, len(v))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            km = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(x[:, None])
        centres = np.sort(km.cluster_centers_[:, 0])
        mids = (centres[1:] + centres[:-1]) / 2
        # a threshold as the largest value at or below each midpoint: bins stay "x <= value"
        t = np.unique([v[v <= m].max() for m in mids if (v <= m).any()])
    t = t[(t >= v[0]) & (t < v[-1])]
    if len(t) == 0 and len(v) >= 2:
        med = np.quantile(x, 0.5, method="inverted_cdf")
        t = np.array([med if med < v[-1] else v[-2]])
    return t
