"""Metric tables with uncertainty: bootstrap intervals, ranks, and "best" only where a paired test
over the same samples supports it."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import synced

from xaiwidgets import AttributionResult, ComparisonView
from xaiwidgets.metrics import bootstrap_interval, summarize


def _values(rng, means, n=32, noise=0.05):
    common = rng.normal(0, 0.2, n)  # per-sample difficulty shared by every method: paired data
    return {m: {"d": common + mu + rng.normal(0, noise, n)} for m, mu in means.items()}


def test_a_clearly_better_method_is_best_and_a_gap_within_the_noise_is_not():
    rng = np.random.default_rng(0)
    s = summarize(_values(rng, {"a": 0.10, "b": 0.20, "c": 0.30}), {"d": False})
    assert s.best[:, 0].tolist() == [True, False, False] and s.rank[:, 0].tolist() == [1, 2, 3]
    assert s.p_best[0] < 1e-4
    # the case: the best mean by a tenth of the spread is not called best
    tied = summarize(_values(rng, {"a": 0.100, "b": 0.101}, noise=0.2), {"d": False})
    assert not tied.best.any() and tied.rank[:, 0].min() == 1
    assert tied.p_best[0] > 0.05


def test_intervals_are_seeded_and_bracket_the_mean():
    rng = np.random.default_rng(1)
    v = rng.normal(0.5, 0.1, 40)
    lo, hi = bootstrap_interval(v, seed=0)
    assert lo < v.mean() < hi and hi - lo < 0.1
    assert bootstrap_interval(v, seed=0) == (lo, hi)
    assert np.isnan(bootstrap_interval(np.array([1.0]))[0])
    assert bootstrap_interval(np.full(5, 2.0)) == (2.0, 2.0)


def test_direction_nans_and_unpaired_metrics():
    vals = {"a": {"up": np.array([0.9, 0.8, 0.95, 0.85] * 4), "t": np.full(16, 0.5)},
            "b": {"up": np.array([0.1, 0.2, 0.15, 0.05] * 4), "t": np.full(16, 0.1)},
            "c": {"up": np.full(16, np.nan), "t": np.full(16, 0.2)}}
    s = summarize(vals, {"up": True, "t": False}, paired={"t": False})
    assert s.best[:, 0].tolist() == [True, False, False]
    assert s.rank[:, 0].tolist() == [1, 2, 0] and s.n[2, 0] == 0
    assert not s.best[:, 1].any() and np.isnan(s.low[:, 1]).all()  # timings: no test, no CI
    assert s.rank[:, 1].tolist() == [3, 1, 2]
    with pytest.raises(ValueError, match="argument 'alpha'"):
        summarize(vals, {"up": True, "t": False}, alpha=0)


def test_the_widget_sends_intervals_best_and_each_samples_values():
    n, methods = 24, ["A", "B"]
    rng = np.random.default_rng(2)
    metrics = {"A": {"deletion_auc": rng.normal(0.2, 0.02, n)},
               "B": {"deletion_auc": rng.normal(0.4, 0.02, n)}}
    r = AttributionResult(
        kind="tabular", inputs=np.zeros((n, 3), np.float32), target=np.zeros(n, np.int64),
        y_pred=np.zeros(n, np.int64), prob=np.ones(n), methods=methods,
        attributions={m: np.zeros((n, 3), np.float32) for m in methods},
        seconds_per_sample={"A": 0.1, "B": 0.01}, metrics=metrics, baseline="zeros",
        n_outputs=2)
    m = synced(ComparisonView(r), "metrics")
    assert m["names"] == ["deletion_auc", "seconds"] and m["paired"] == [True, False]
    assert m["best"]["shape"] == [2, 2] and m["values"]["shape"] == [2, 2, n]
    assert "paired Wilcoxon" in m["sentence"]
    w = ComparisonView(r)
    assert w.metrics["best"].tolist() == [[1, 0], [0, 0]]  # seconds: never "best"
    html = w._static_html()
    assert "font-weight:700" in html and "[0." in html and "paired Wilcoxon" in html
