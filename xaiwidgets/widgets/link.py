"""Linked selections: ``xw.link(*views)`` makes a selection in one view a selection in all.

Like ipywidgets' ``jslink``, the link lives in the browser: the views of one link group share a
window-level bus (``js/src/lib/link.ts``), so a click on a tree node selects its samples in the
overview with no kernel round trip. A selection travels as *dataset row* indices: each view
says which row each of its samples is (``(view, rows)``; default: sample ``i`` is row ``i``).
The overview's selection also reaches Python as ``overview.selected``, as before.

Beside the selection the same bus carries a *focus*, the one row the user points at: hovering
or clicking an overview point shows that row in every linked view holding it (a comparison or
mask view pages to it, fetching it when it is not embedded; a SENN view shows that sample, a
timeline its sequence, a concept tree its path), and the sample a comparison or mask view
shows is marked in the overview.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import traitlets as t

from .._core.results import run_rows
from .._core.validation import describe

__all__ = ["Link", "Linkable", "link"]

class Linkable(t.HasTraits):
    """The two traits a view needs to join a link (set by :func:`link`, read by the front end):
    the link group's id and the dataset row of each of the view's samples."""

    _link_group = t.Unicode("").tag(sync=True)
    #: the dataset row of each of the view's samples, little-endian uint32 (binary on the
    #: wire); empty: sample i is row i
    _link_rows = t.Bytes(b"").tag(sync=True)

    def _link_length(self) -> int:
        """The number of samples the view selects among (what its rows are indexed by)."""
        raise NotImplementedError

    def _link_source(self) -> Any:
        """The result the view's samples are the samples of (its run rows are the default
        link rows); None when the view has no such result."""
        return getattr(self, "result", None)


class Link:
    """The views :func:`link` joined; :meth:`unlink` parts them (the ``jslink`` contract)."""

    def __init__(self, views: list[Linkable], group: str) -> None:
        self.views = views
        self.group = group

    def unlink(self) -> None:
        """Parts the views: each keeps its selection but no longer follows the others."""
        for v in self.views:
            if v._link_group == self.group:
                v._link_group = ""

    def __repr__(self) -> str:
        names = ", ".join(type(v).__name__ for v in self.views)
        state = "linked" if any(v._link_group == self.group for v in self.views) else "unlinked"
        return f"Link({names}; {state})"


def _rows(value: Any, n: int, where: str) -> np.ndarray:
    try:
        a = np.asarray(value)
    except (TypeError, ValueError):
        a = np.asarray([], dtype=object)
    if a.dtype == bool or a.dtype.kind not in "iu" or a.ndim != 1:
        raise TypeError(f"{where}: expected a 1-D array of dataset row indices (int), got "
                        f"{describe(value)}")
    if len(a) != n:
        raise ValueError(f"{where}: expected {n} dataset rows (one per sample of the view), got "
                         f"{len(a)}")
    if len(a) and (a.min() < 0 or a.max() > np.iinfo(np.uint32).max):
        raise ValueError(f"{where}: dataset rows must be in [0, 2**32), got {int(a.min())} .. "
                         f"{int(a.max())}")
    return a.astype(np.uint32)


def link(*views: Any) -> Link:
    """Link the selections of views: selecting samples in one selects them in all.

    A concept-tree node, a redescription rule, a MEME concept and a SENN concept select their
    samples; the overview's lasso (or click, or search) selects rows in the others, which show
    or filter them. Escape in a view clears the selection everywhere. All of it runs in the
    browser; the overview's selection is also ``overview.selected`` in Python.

    Parameters
    ----------
    *views : view or (view, rows)
        Two or more of DatasetOverview, ConceptTreeView, RedescriptionView, TimelineView,
        SENNView, ComparisonView, MaskView (the last two follow and send the focus: the
        hovered or clicked overview point, the sample they show). ``rows`` (int array, one
        per sample of the view) names the dataset row of each of the view's samples. Without
        rows, a view of a result taken from a run (``run.attributions[idx]``,
        ``run.masks[i:i + 1]``) uses the run rows it was taken from (``idx``); any other
        view's sample ``i`` is row ``i``, so views of different lengths need rows.

    Returns
    -------
    Link
        ``.unlink()`` parts the views.

    Examples
    --------
    >>> link(overview, tree_view, (timeline, rows))  # doctest: +SKIP
    >>> link(overview, ComparisonView(run.attributions[idx]))  # rows idx  # doctest: +SKIP
    """
    if len(views) < 2:
        raise TypeError(f"link: expected at least two views to link, got {len(views)}")
    pairs: list[tuple[Linkable, np.ndarray | None]] = []
    for k, item in enumerate(views):
        where = f"link: argument {k}"
        view, rows = (item if isinstance(item, tuple) and len(item) == 2 else (item, None))
        if not isinstance(view, Linkable):
            raise TypeError(f"{where}: expected a view that links (DatasetOverview, "
                            f"ConceptTreeView, RedescriptionView, TimelineView, SENNView, "
                            f"ComparisonView, MaskView) or "
                            f"(view, rows), got {describe(item)}")
        if any(view is v for v, _ in pairs):
            raise ValueError(f"{where}: {type(view).__name__} is given twice")
        n = int(view._link_length())
        if rows is None:  # a view of a result taken from a run: the run rows it came from
            taken = run_rows(view._link_source())
            if taken is not None and len(taken) == n:
                pairs.append((view, _rows(taken, n, f"{where} ({type(view).__name__}) the run "
                                                    f"rows of its result")))
                continue
        pairs.append((view, None if rows is None else
                      _rows(rows, n, f"{where} ({type(view).__name__}) rows")))
    if all(r is None for _, r in pairs):
        lengths = {int(v._link_length()) for v, _ in pairs}
        if len(lengths) > 1:
            sizes = ", ".join(f"{type(v).__name__} {v._link_length()}" for v, _ in pairs)
            raise ValueError(f"link: the views show different numbers of samples ({sizes}), so "
                             f"sample i is not the same row in each; give each view's dataset "
                             f"rows: link(overview, (view, rows))")
    else:
        # a view without rows shows the dataset itself: rows 0..n-1 of it
        unmapped = [(v, int(v._link_length())) for v, r in pairs if r is None]
        top = max((int(r.max()) + 1 for _, r in pairs if r is not None and len(r)), default=0)
        for v, n in unmapped:
            if n < top:
                raise ValueError(f"link: {type(v).__name__} has {n} samples and no rows, so it "
                                 f"shows dataset rows 0..{n - 1}, but another view names row "
                                 f"{top - 1}; give its rows too: link(..., "
                                 f"({type(v).__name__.lower()}, rows))")
    group = uuid.uuid4().hex
    for v, r in pairs:
        v._link_rows = b"" if r is None else r.astype("<u4").tobytes()
        v._link_group = group
    return Link([v for v, _ in pairs], group)



#: Above this many bytes a timeline does not send which sequences hold each transition.
MAX_TRANSITION_BYTES = 1 << 20


def concept_sequences(concepts: Any, lengths: Any, n_concepts: int) -> tuple[bytes, bytes]:
    """Which sequences hold each MEME concept, and each transition, as packed bits.

    Returns ``(concept_bits, transition_bits)``: ``np.packbits`` (big bit order) of a bool
    array ``(C, N)`` (concept c is the concept of some step of sequence i) and of ``(C * C,
    N)`` (some step of sequence i goes from concept a to concept b != a, row ``a * C + b``);
    the second is empty above :data:`MAX_TRANSITION_BYTES`. The timeline view selects these
    sequences in the linked views when a concept or an arrow is clicked.
    """
    codes = np.asarray(concepts)
    lens = np.asarray(lengths, dtype=np.int64).reshape(-1)
    n, c = len(lens), int(n_concepts)
    steps = codes.shape[1] if codes.ndim == 2 else 0
    valid = np.arange(steps)[None, :] < lens[:, None]
    has = np.zeros((c, n), dtype=bool)
    for j in range(c):
        has[j] = ((codes == j) & valid).any(axis=1)
    concept_bits = np.packbits(has, axis=1).tobytes()
    width = (n + 7) // 8
    if c * c * width > MAX_TRANSITION_BYTES or steps < 2:
        return concept_bits, b""
    moves = np.zeros((c * c, n), dtype=bool)
    a, b = codes[:, :-1], codes[:, 1:]
    ok = valid[:, 1:] & (a != b) & (a >= 0) & (b >= 0) & (a < c) & (b < c)
    rows, cols = np.nonzero(ok)
    moves[a[rows, cols].astype(np.int64) * c + b[rows, cols].astype(np.int64), rows] = True
    return concept_bits, np.packbits(moves, axis=1).tobytes()
