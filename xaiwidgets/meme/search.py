"""LSTMVis-style search (Strobelt et al., IEEE TVCG 2018): the windows of other sequences whose
hidden states, or concept path, best match a selected range of steps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.signal import fftconvolve

from .._core.validation import check_int, check_number, check_option

__all__ = ["similar_ranges", "units_on"]


def units_on(states: np.ndarray, threshold: float) -> np.ndarray:
    """Indices of the units above ``threshold`` at every step of ``states`` (L, H)."""
    return np.flatnonzero((states > threshold).all(axis=0))


def similar_ranges(
    states: np.ndarray,
    offsets: np.ndarray,
    query: int,
    start: int,
    stop: int,
    *,
    by: str = "states",
    concepts: np.ndarray | None = None,
    units: Sequence[int] | None = None,
    threshold: float = 0.3,
    top: int = 10,
) -> list[dict[str, Any]]:
    """The best-matching windows (merged per event) of the other sequences for steps
    ``start:stop`` of ``query``.

    Parameters
    ----------
    states : ndarray of shape (S, H)
        Hidden states of every valid step, sequence after sequence.
    offsets : ndarray of shape (N + 1,)
        Sequence i is rows ``offsets[i]:offsets[i + 1]``.
    by : {"states", "concepts"}
        ``"states"``: a window scores the mean share of the selected units that are on (above
        ``threshold``) minus the mean share of the other units that are on; ``"concepts"``: the
        share of steps whose concept equals the query's at the same offset.
    concepts : ndarray of shape (S,), optional
        Concept of every step (needed for ``by="concepts"``).
    units : sequence of int, optional
        The selected units; default: those on across the whole query range.
    top : int, default=10

    Returns
    -------
    list of dict
        ``{"sequence", "start", "stop", "score"}``, best first: per other sequence, the
        windows with its best score, overlapping or adjacent ones merged into one result
        (``stop - start`` is then longer than the query's range; separate events with the
        same score are separate results).
    """
    check_option(by, "by", ["states", "concepts"])
    check_number(threshold, "threshold")
    check_int(top, "top", low=1)
    n = len(offsets) - 1
    check_int(query, "query", low=0, high=n - 1)
    length = int(offsets[query + 1] - offsets[query])
    check_int(start, "start", low=0, high=length - 1)
    check_int(stop, "stop", low=start + 1, high=length)
    span = stop - start
    q0 = int(offsets[query]) + start
    if by == "states":
        sel = (units_on(states[q0:q0 + span], threshold) if units is None
               else np.asarray(list(units), dtype=np.int64))
        if len(sel) == 0:
            return []
        on = states > threshold
        mask = np.zeros(states.shape[1], dtype=bool)
        mask[sel] = True
        gain = on[:, mask].mean(axis=1)
        if (~mask).any():
            gain = gain - on[:, ~mask].mean(axis=1)
        cum = np.concatenate([[0.0], np.cumsum(gain)])
        score = (cum[span:] - cum[:-span]) / span  # window starting at every row
    else:
        if concepts is None:
            raise ValueError("argument 'concepts': needed for by='concepts'")
        c = np.asarray(concepts)
        q = c[q0:q0 + span]
        score = np.zeros(len(c) - span + 1)
        for v in np.unique(q):
            score += fftconvolve((c == v).astype(np.float64), (q == v)[::-1].astype(np.float64),
                                 mode="valid")
        score = np.rint(score) / span
    rows = np.arange(len(score))
    seq = np.searchsorted(offsets, rows, side="right") - 1
    fits = rows + span <= offsets[seq + 1]
    fits &= seq != query
    if not fits.any():
        return []
    return merged_windows(score, fits, seq, offsets, span, top)


def merged_windows(score: np.ndarray, fits: np.ndarray, seq: np.ndarray, offsets: np.ndarray,
                   span: int, top: int) -> list[dict[str, Any]]:
    """The events among windows of ``span`` rows starting at each row (``score``, ``fits``):
    per sequence, the windows that score its best (ties, e.g. a concept path found at every
    shift inside a long run of that concept); overlapping or adjacent ones are one event,
    their union, so one event is listed once however many shifted windows match it."""
    best = np.full(len(offsets) - 1, -np.inf)
    np.maximum.at(best, seq[fits], score[fits])
    good = np.flatnonzero(fits & (score >= best[seq] - 1e-9))
    out: list[dict[str, Any]] = []
    cur: dict[str, Any] | None = None
    for r in good:  # rows are in order, sequence after sequence
        j, s = int(seq[r]), int(r - offsets[seq[r]])
        if cur is not None and cur["sequence"] == j and s <= cur["stop"]:
            cur["stop"] = s + span
            continue
        cur = {"sequence": j, "start": s, "stop": s + span, "score": float(best[j])}
        out.append(cur)
    out.sort(key=lambda m: (-m["score"], m["sequence"], m["start"]))
    return out[:top]
