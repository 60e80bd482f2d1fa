"""Window (and concept-count) sweeps of MEME over several seeds, capturing the states once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import clone

from .._core.batching import progress as progress_bar
from .._core.deprecation import renamed_keywords
from .._core.probe import with_autograd
from .._core.validation import check_int, describe
from .extractor import MEME
from .states import capture_states
from .transitions import window_features

__all__ = ["MemeSweep", "sweep"]

_RESOLVED = ("layer_", "task_", "per_step_", "n_features_in_", "feature_names_", "clustering_",
             "max_depth_", "class_names_")


@dataclass
class MemeSweep:
    """One row per (window, n_concepts, seed): the settings and :class:`MemeScores` fields.

    ``rows`` are plain dicts; :meth:`table` and :meth:`summary` need pandas.
    """

    rows: list[dict[str, Any]]

    def table(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.rows)

    def summary(self, by: str | Sequence[str] = "window",
                metrics: Sequence[str] = ("fidelity", "accuracy", "f1")) -> Any:
        """Mean and std over seeds of ``metrics``, one row per value of ``by``."""
        table = self.table()
        keys = [by] if isinstance(by, str) else list(by)
        cols = [m for m in metrics if m in table and table[m].notna().any()]
        return table.groupby(keys)[cols].agg(["mean", "std"])

    def mean(self, metric: str = "fidelity", **where: Any) -> tuple[float, float]:
        """(mean, std) of ``metric`` over the rows matching ``where`` (e.g. ``window=2``)."""
        vals = [r[metric] for r in self.rows if all(r[k] == v for k, v in where.items())]
        if not vals:
            raise ValueError(f"argument 'where': no row matches {where}")
        return float(np.mean(vals)), float(np.std(vals))


@renamed_keywords(sequences="X", test_sequences="X_test", test_lengths="lengths_test")
@with_autograd
def sweep(
    meme: MEME,
    X: Any,
    lengths: Any = None,
    *,
    windows: Sequence[int] | None = None,
    n_concepts: Sequence[int] | None = None,
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    feature_names: Sequence[str] | None = None,
    X_test: Any = None,
    lengths_test: Any = None,
    y_test: Any = None,
    progress: bool = True,
) -> MemeSweep:
    """Fit ``meme`` (unfitted or fitted: only its parameters are used) for every window,
    concept count and seed, and score each on the test sequences (default: the training ones).

    The RNN runs once over the training and once over the test sequences; every combination
    then only clusters and fits trees.

    Parameters
    ----------
    meme : MEME
        The settings to vary (``window``, ``n_concepts``, ``seed`` are overridden).
    X, lengths : sequences to fit on, as in :meth:`MEME.fit`
    windows : sequence of int, optional
        Default: ``[meme.window]``.
    n_concepts : sequence of int, optional
        Default: ``[meme.n_concepts]``.
    seeds : sequence of int, default=(0, 1, 2, 3, 4)
    X_test, lengths_test : optional
        Sequences to score on (default: ``X``).
    y_test : array-like, optional
        True labels of the test sequences (adds accuracy).

    Returns
    -------
    MemeSweep
    """
    if not isinstance(meme, MEME):
        raise TypeError(f"argument 'meme': expected a MEME estimator, got {describe(meme)}")
    windows = [meme.window] if windows is None else list(windows)
    counts = [meme.n_concepts] if n_concepts is None else list(n_concepts)
    seeds = list(seeds)
    for name, values in (("windows", windows), ("n_concepts", counts), ("seeds", seeds)):
        if not values:
            raise ValueError(f"argument '{name}': expected at least one value, got none")
    for w in windows:
        check_int(w, "windows", low=0)
    proto: MEME = clone(meme).set_params(window=min(windows), progress=progress)
    x, cap = proto._prepare(X, lengths, feature_names)
    longest = int(cap.lengths.max())
    if max(windows) >= longest:
        raise ValueError(f"argument 'windows': expected windows shorter than the longest "
                         f"sequence ({longest} steps), got {max(windows)}")
    if X_test is None:
        x_test, lens_test, cap_test = x, cap.lengths, cap
        y = y_test
    else:
        xt, lens_test, _ = proto._windows(X_test, lengths_test)
        cap_test, _ = capture_states(proto.model, proto.layer_, xt, lens_test, task=proto.task,
                                     readout=proto.readout, batch_size=proto.batch_size)
        x_test, y = xt.detach().cpu().float().numpy(), y_test
    combos = [(w, k, s) for w in windows for k in counts for s in seeds]
    rows = []
    for w, k, s in progress_bar(combos, enabled=progress, desc="MEME sweep"):
        est: MEME = clone(meme).set_params(window=int(w), n_concepts=k, seed=int(s),
                                           progress=False)
        with est._fitting():
            est._check_params()
            for attr in _RESOLVED:
                setattr(est, attr, getattr(proto, attr))
            est._extract(x, cap)
        scores = est._traced(x_test, window_features(x_test, int(w), bool(est.history)),
                             lens_test, cap_test, y, states=False).scores
        names = [c.name for c in est.concepts_]
        rows.append({"window": int(w), "n_concepts": est.n_concepts_, "seed": int(s),
                     "named": sum(n.split(" ")[0] != "uncertain" for n in names),
                     "concepts": ", ".join(names), **scores.summary()})
    return MemeSweep(rows)
