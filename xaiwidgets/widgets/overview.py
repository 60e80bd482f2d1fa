"""DatasetOverview: every sample of a run as a point of a 2-D embedding, coloured, sized and
filtered by any stored column, with lasso selection mirrored to Python.

The widget state holds the run's size, its column catalogue and a small density picture, never
per-sample data, so a saved notebook stays small whatever the run's size. The front end
(``js/src/overview.ts``) asks for columns in blocks of whole shards over the fetch channel
(``{"what": "columns", "args": {"names", "start", "stop"}}``) and draws points as blocks arrive;
the kernel answers with typed buffers: coordinates (n, 2) float32, categories uint16 (65535:
unknown), booleans uint8, numbers float32 (NaN: not scored).

"Describe selection" is one fetch, ``{"what": "describe", "args": {"rows": "selection"}}`` (or
``"misclassified"``): the selection itself travels as the binary ``_selection`` trait (uint32
row indices; the view flushes it before asking), so the request carries no list of indices.
The reply is :meth:`SelectionDescription.to_dict`, the group's mean image attribution per
method (quantised like a sample's) and every rule's covered rows as a uint32 buffer, so
clicking a rule selects its samples without another kernel message.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import traitlets as t

from .._core.validation import check_int, describe
from ..runs.columns import column_specs, columns, read_column
from ._base import XaiWidget, check_keywords
from ._html import STATIC_DIV, colorbar_html, display_image, live_lut
from ._traits import Heatmap
from .link import Linkable

__all__ = ["DatasetOverview"]

#: The largest fetched block (bytes of every column of the block together).
MAX_BLOCK_BYTES = 4 * 1024 * 1024
#: Rows of a block before rounding to whole shards (a few MiB for coordinates, colour, size).
BLOCK_ROWS = 65536
#: Above this many samples the view shows the kernel's density picture instead of points.
MAX_POINTS = 2_000_000
DENSITY_BINS = 160
#: Shuffled-label refits behind a rule's p-value when the view asks (one click: about a second).
DESCRIBE_PERMUTATIONS = 99
#: Largest list of indices a "describe" request may carry as JSON (the view sends "selection").
MAX_LISTED_ROWS = 10_000
#: Longer side of a sample's input and heatmaps in the linked panel (larger images are reduced).
SAMPLE_SIZE = 112
_WIRE_BYTES = {"coords": 8, "number": 4, "category": 2, "bool": 1}
_UNKNOWN = 65535


def _from_selection(value: Any, _widget: Any) -> bytes:
    return bytes(value) if value is not None else b""


class DatasetOverview(XaiWidget, Linkable):
    """Every sample of a run as a point of a 2-D embedding (``run.embed``): colour, size and
    filter by any stored column, lasso or click to select, and read the selection in Python.

    Parameters
    ----------
    run : Run, or in-memory results
        From :func:`~xaiwidgets.open_run`, with at least one stored embedding (``embed/<name>``);
        or results computed in the kernel (an :class:`~xaiwidgets.AttributionResult`, a view
        such as a ``ComparisonView``, a list or dict of results over the same samples), which
        :func:`~xaiwidgets.runs.in_memory_run` writes into a Zarr memory store read like a run
        (``overview.run``), placed by ``features`` or ``embedding``.
    features : array (N, D) or dict of str to array, optional
        In-memory results only: activations to place samples by (a PCA of them, seeded).
    embedding : array (N, 2), optional
        In-memory results only: the coordinates of the samples.
    x : str, optional
        The embedding to place points by: its name (``"pca"``) or column (``"embed/pca"``).
        Default: the run's first embedding.
    color : str, default="correct"
        The column to colour by (any name of :meth:`Run.columns`; "" for one colour). When the
        run stores no ``correct`` column the default is the first category column.
    size : str, optional
        A number column to size points by (default: one size).
    class_names : list of str, optional
        Names of the classes (default: the stored ones, else "0", "1"...).
    title : str, optional
    max_points : int, default=2,000,000
        Above this many samples the view shows the density picture computed in the kernel
        instead of points (as it does without WebGL).

    Attributes
    ----------
    selected : list of int
        The selected samples (sorted row indices), set by the view's lasso, click or search
        (debounced), or from Python to select samples in the view.
    """

    _bundle = "overview.js"

    def _link_length(self) -> int:
        return int(self.n)

    title = t.Unicode("").tag(sync=True)
    n = t.Int(0).tag(sync=True)
    shard_size = t.Int(1).tag(sync=True)
    block_rows = t.Int(BLOCK_ROWS).tag(sync=True)
    max_points = t.Int(MAX_POINTS).tag(sync=True)
    catalogue = t.List(t.Dict()).tag(sync=True)
    class_names = t.List(t.Unicode()).tag(sync=True)
    x = t.Unicode("").tag(sync=True)
    color = t.Unicode("").tag(sync=True)
    size = t.Unicode("").tag(sync=True)
    #: {"uri": PNG data URI, "extent": [x0, x1, y0, y1], "max": largest bin count}
    density = t.Dict().tag(sync=True)
    #: methods of the run's image attributions, shown for the hovered / selected sample
    methods = t.List(t.Unicode()).tag(sync=True)
    #: the selection as little-endian uint32 row indices (the view writes it; binary on the wire)
    _selection = t.Bytes(b"").tag(sync=True, from_json=_from_selection)
    selected = t.List(t.Int())

    def __init__(self, run: Any, *, x: str | None = None, color: str | None = None,
                 size: str | None = None, class_names: list[str] | None = None,
                 title: str | None = None, max_points: int = MAX_POINTS,
                 features: Any = None, embedding: Any = None, **options: Any) -> None:
        check_keywords(type(self), options)
        in_memory = not (hasattr(run, "_root") and hasattr(run, "attrs")
                         and hasattr(run, "shard_size"))
        if in_memory:
            from ..runs.memory import _named, in_memory_run

            try:
                _named(run)
            except TypeError:
                raise TypeError(f"argument 'run': expected a Run (xaiwidgets.open_run(store)) "
                                f"or in-memory results (a Result, a view holding one, a list "
                                f"or dict of them), got {describe(run)}") from None
            run = in_memory_run(run, features=features, embedding=embedding)
        elif features is not None or embedding is not None:
            which = "features" if features is not None else "embedding"
            raise ValueError(f"argument '{which}': only for in-memory results; a Run places "
                             f"samples by its stored embeddings (run.embed())")
        check_int(max_points, "max_points", low=1)
        if class_names is not None and (isinstance(class_names, str) or not all(
                isinstance(c, str) for c in class_names)):
            raise TypeError(f"argument 'class_names': expected a list of str, got "
                            f"{describe(class_names)}")
        self.run = run
        self._class_names = None if class_names is None else list(class_names)
        cat = columns(run, self._class_names)
        by_name = {c["name"]: c for c in cat}
        coords = [c["name"] for c in cat if c["kind"] == "coords"]
        if not coords and in_memory:
            raise ValueError("arguments 'features', 'embedding': in-memory results need "
                             "activations (features=, e.g. xw.ModelProbe(model, [layer])"
                             ".collect(X)) or coordinates (embedding=, shape (N, 2)) to place "
                             "samples by; got neither")
        if not coords:
            raise ValueError("argument 'run': the run stores no 2-D embedding to place samples "
                             "by; write one first with run.embed() (run.embed('<feature>') "
                             "when the run stores several features)")
        if x is None:
            x = coords[0]
        elif not isinstance(x, str):
            raise TypeError(f"argument 'x': expected an embedding's name, got {describe(x)}")
        elif f"embed/{x}" in coords:
            x = f"embed/{x}"
        if x not in coords:
            raise ValueError(f"argument 'x': expected one of the run's embeddings {coords}, "
                             f"got {x!r}")
        plain = [c["name"] for c in cat if c["kind"] != "coords"]
        if color is None:
            color = "correct" if "correct" in by_name else next(
                (c["name"] for c in cat if c["kind"] == "category"), "")
        if not isinstance(color, str) or (color and color not in plain):
            raise ValueError(f"argument 'color': expected a column of the run, one of {plain} "
                             f"(or '' for one colour), got {color!r}")
        numbers = [c["name"] for c in cat if c["kind"] == "number"]
        if size is not None and (not isinstance(size, str) or size not in numbers):
            raise ValueError(f"argument 'size': expected a number column of the run, one of "
                             f"{numbers}, got {size!r}")
        if title is None:
            title = f"Dataset overview: {len(run):,} samples"
        if not isinstance(title, str):
            raise TypeError(f"argument 'title': expected a str, got {describe(title)}")
        s = max(1, int(run.shard_size))
        names = next((c["categories"] for c in cat if c["name"] in ("y_pred", "y_true")
                      and c["categories"]), None) or []
        self._image_step = next(
            (name for name, r in getattr(run, "results", {}).items()
             if type(r).__name__ == "AttributionResult" and getattr(r, "kind", "") == "image"),
            None)
        methods = list(run.results[self._image_step].methods) if self._image_step else []
        super().__init__(title=title, n=len(run), shard_size=s, methods=methods,
                         block_rows=max(s, BLOCK_ROWS // s * s), max_points=int(max_points),
                         catalogue=cat, class_names=list(names), x=x, color=color,
                         size=size or "", density=self._density(x))

    # -- selection -------------------------------------------------------------------------
    @t.observe("_selection")
    def _selection_changed(self, change: t.Bunch) -> None:
        raw = change["new"] or b""
        idx = np.frombuffer(raw[: len(raw) // 4 * 4], dtype="<u4")
        idx = np.unique(idx[idx < self.n])
        new = idx.astype(np.int64).tolist()
        if new != self.selected:
            self.selected = new

    @t.validate("selected")
    def _check_selected(self, proposal: t.Bunch) -> list[int]:
        value = proposal["value"]
        try:
            idx = np.asarray(value, dtype=np.int64).reshape(-1)
        except (TypeError, ValueError):
            raise t.TraitError(f"DatasetOverview.selected: expected a list of sample indices, "
                               f"got {describe(value)}") from None
        if idx.size and (idx.min() < 0 or idx.max() >= self.n):
            raise t.TraitError(f"DatasetOverview.selected: indices must be in [0, {self.n}), "
                               f"got {int(idx.min())} .. {int(idx.max())}")
        return np.unique(idx).tolist()

    @t.observe("selected")
    def _selected_changed(self, change: t.Bunch) -> None:
        raw = np.asarray(change["new"], dtype="<u4").tobytes()
        if raw != self._selection:
            self._selection = raw

    # -- data ------------------------------------------------------------------------------
    def _fetch(self, what: str, args: dict[str, Any]) -> dict[str, Any]:
        if what == "columns":
            return self.block(args.get("names"), args.get("start"), args.get("stop"))
        if what == "sample":
            return self.sample(args.get("index"))
        if what == "describe":
            return self._describe_block(args.get("rows"))
        raise ValueError(f"DatasetOverview cannot fetch {what!r}")

    # -- describe a selection ---------------------------------------------------------------
    def _group(self, rows: Any) -> np.ndarray:
        """The group's row indices: the selection (None or "selection"), "misclassified",
        a boolean mask of the run's length, or sample indices."""
        if rows is None or (isinstance(rows, str) and rows == "selection"):
            idx = np.asarray(self.selected, dtype=np.int64)
            if not idx.size:
                raise ValueError("argument 'rows': nothing is selected; select samples in the "
                                 "view (lasso, click, search) or pass rows")
            return idx
        if isinstance(rows, str):
            if rows != "misclassified":
                raise ValueError(f"argument 'rows': expected 'selection', 'misclassified', a "
                                 f"boolean mask or sample indices, got {rows!r}")
            if not any(c["name"] == "correct" for c in self.catalogue):
                raise ValueError("argument 'rows': 'misclassified' needs the run's labels "
                                 "(it stores no 'correct' column)")
            return np.flatnonzero(read_column(self.run, "correct") == 0).astype(np.int64)
        from ..runs.describe import _rows_of

        return _rows_of(rows, self.n, "rows", also="'selection', 'misclassified', ",
                        merge_repeats=True)

    def describe(self, rows: Any = None, *, n_permutations: int = DESCRIBE_PERMUTATIONS,
                 seed: int = 0) -> Any:
        """Describe the selection (or ``rows``) against the rest of the run: counts, metric
        means with bootstrap intervals, mean attributions and rules in words
        (:func:`~xaiwidgets.describe_selection`, seeded), the call the view's "Describe
        selection" button makes.

        Parameters
        ----------
        rows : None, "selection", "misclassified", bool array (N,) or int array
            The group (default: ``selected``; "misclassified": the samples whose prediction
            differs from the label).
        n_permutations : int, default 99
        seed : int, default 0

        Returns
        -------
        SelectionDescription
        """
        from ..runs.describe import describe_selection

        group = self._group(rows)
        return describe_selection(self.run, group, class_names=self.class_names or None,
                                  n_permutations=n_permutations, seed=seed)

    def _describe_block(self, rows: Any) -> dict[str, Any]:
        if isinstance(rows, list) and len(rows) > MAX_LISTED_ROWS:
            raise ValueError(f"argument 'rows': at most {MAX_LISTED_ROWS:,} listed indices "
                             f"(got {len(rows):,}); select them and send 'selection'")
        if isinstance(rows, list) and not all(isinstance(i, int) and not isinstance(i, bool)
                                              for i in rows):
            raise ValueError(f"argument 'rows': expected a list of sample indices, got "
                             f"{describe(rows)}")
        d = self.describe(rows)
        # the group's mean image attribution per method, reduced and quantised like a sample's
        attrs = {m: Heatmap(display_image(np.nan_to_num(np.asarray(a, dtype=np.float32))[None]
                                          .sum(axis=1, keepdims=True), SAMPLE_SIZE)[:, 0])
                 for m, a in d.mean_attribution.items() if np.ndim(a) == 3}
        return {"description": d.to_dict(), "attributions": attrs,
                "covered": [np.asarray(r.rows, dtype=np.uint32) for r in d.rules]}

    def sample(self, index: Any) -> dict[str, Any]:
        """One sample's input and attributions as the view draws them (quantised heatmaps, the
        wire encoding of every view), read from the store's chunks of that sample only."""
        if self._image_step is None:
            raise ValueError("this run stores no image attributions to show per sample")
        i = check_int(index, "index", low=0, high=self.n - 1)
        r = self.run.results[self._image_step]
        x = np.asarray(r.inputs[i:i + 1], dtype=np.float32)
        img = display_image(x, SAMPLE_SIZE).transpose(0, 2, 3, 1)
        attrs = {}
        for m in r.methods:
            a = np.nan_to_num(np.asarray(r.attributions[m][i:i + 1], dtype=np.float32))
            attrs[m] = Heatmap(display_image(a.sum(axis=1, keepdims=True), SAMPLE_SIZE)[:, 0])
        return {"index": np.array([i], dtype=np.int32), "inputs": Heatmap(img, signed=False),
                "attributions": attrs}

    def block(self, names: Any, start: Any, stop: Any) -> dict[str, Any]:
        """Rows ``[start, stop)`` of the named columns, as the view receives them.

        ``start`` must be a multiple of the run's shard size and ``stop`` one too (or the
        run's end), so a block reads whole chunks; the block is at most 4 MiB.
        """
        n, s = self.n, self.shard_size
        specs = {sp.name: sp for sp in column_specs(self.run, self._class_names)}
        if (not isinstance(names, (list, tuple)) or not names
                or not all(isinstance(c, str) for c in names)):
            raise TypeError(f"argument 'names': expected a non-empty list of column names, got "
                            f"{describe(names)}")
        unknown = [c for c in names if c not in specs]
        if unknown:
            raise ValueError(f"argument 'names': {unknown[0]!r} is not a column of the run; "
                             f"columns: {list(specs)}")
        start = check_int(start, "start", low=0, high=n)
        stop = check_int(stop, "stop", low=start, high=n)
        if start % s or (stop % s and stop != n):
            raise ValueError(f"arguments 'start', 'stop': a block is whole shards of {s} rows "
                             f"(multiples of {s}, or stop={n}), got start={start}, stop={stop}")
        nbytes = (stop - start) * sum(_WIRE_BYTES[specs[c].kind] for c in names)
        if nbytes > MAX_BLOCK_BYTES:
            raise ValueError(f"arguments 'start', 'stop': {stop - start} rows of {list(names)} "
                             f"are {nbytes:,} bytes, more than a block's {MAX_BLOCK_BYTES:,}")
        out: dict[str, Any] = {}
        for c in names:
            v = read_column(self.run, c, start, stop)
            kind = specs[c].kind
            if kind == "category":
                v = np.where((v >= 0) & (v < _UNKNOWN), v, _UNKNOWN).astype(np.uint16)
            elif kind == "bool":
                v = v.astype(np.uint8)
            else:
                v = v.astype(np.float32)
            out[c] = v
        return {"start": start, "stop": stop, "columns": out}

    # -- density (the static picture, and the view without WebGL) ----------------------------
    def _density(self, x: str) -> dict[str, Any]:
        n = self.run.__len__()
        step = max(1, int(self.run.shard_size)) * max(1, (1 << 20) // max(1, self.run.shard_size))
        lo = np.array([np.inf, np.inf])
        hi = -lo
        for a in range(0, n, step):
            v = read_column(self.run, x, a, min(n, a + step))
            v = v[np.isfinite(v).all(1)]
            if len(v):
                lo, hi = np.minimum(lo, v.min(0)), np.maximum(hi, v.max(0))
        if not (lo <= hi).all():
            return {"uri": "", "extent": [0.0, 1.0, 0.0, 1.0], "max": 0}
        span = np.where(hi > lo, hi - lo, 1.0)
        lo, hi = lo - 0.01 * span, hi + 0.01 * span
        counts = np.zeros((DENSITY_BINS, DENSITY_BINS), dtype=np.int64)
        for a in range(0, n, step):
            v = read_column(self.run, x, a, min(n, a + step))
            v = v[np.isfinite(v).all(1)]
            h, _, _ = np.histogram2d(v[:, 1], v[:, 0], bins=DENSITY_BINS,
                                     range=[[lo[1], hi[1]], [lo[0], hi[0]]])
            counts += h.astype(np.int64)
        top = int(counts.max())
        lut = live_lut("viridis", False)
        level = np.log1p(counts) / np.log1p(max(top, 1))
        rgba = np.zeros((*counts.shape, 4), dtype=np.uint8)
        rgba[..., :3] = lut[np.rint(level * 255).astype(np.int64)]
        rgba[..., 3] = np.where(counts > 0, 255, 0)
        rgba = rgba[::-1]  # y grows upwards on the plot
        return {"uri": _png_rgba(rgba), "extent": [float(lo[0]), float(hi[0]), float(lo[1]),
                                                   float(hi[1])], "max": top}

    def _static_html(self) -> str:
        d = self.density
        caption = (f"{self.title}: density of the {self.n:,} samples over {self.x} "
                   f"(log scale; the live view draws every point)")
        if not d.get("uri"):
            body = "<p>No embedded coordinates are stored yet.</p>"
        else:
            body = (f"<img src='{d['uri']}' alt='{html.escape(caption)}' width='320' "
                    f"height='320' style='image-rendering:pixelated;display:block'>"
                    f"{colorbar_html(live_lut('viridis', False), 0, float(d['max']), False, 320)}"
                    f"<div style='font-size:11px;opacity:.8'>samples per bin</div>")
        # the same wrapper as every view's snapshot (nbconvert, GitHub and the docs find it)
        return (f"{STATIC_DIV}<h4>{html.escape(self.title)}</h4>{body}"
                f"<div style='font-size:12px'>{html.escape(caption)}</div></div>")


def _png_rgba(rgba: np.ndarray) -> str:
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba), "RGBA").save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
