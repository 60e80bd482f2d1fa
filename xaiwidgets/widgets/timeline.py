"""TimelineView: one sequence at a time, its inputs, concepts, outputs and hidden states, with
MEME's transition graph and trees (js/src/timeline.ts)."""

from __future__ import annotations

import html
import warnings
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import traitlets as t

from .._core.validation import check_int, check_names, check_number, describe
from ..meme.extractor import MEME
from ..meme.report import MemeTrace
from ._base import XaiWidget, check_keywords
from ._colors import concept_palette
from ._html import NOWRAP, NOWRAP_MAX, STATIC_DIV
from ._html import label as label_html
from ._traits import (
    DEFAULT_MAX_PAYLOAD_BYTES,
    Array,
    Field,
    Heatmap,
    HeatmapOf,
    ListOf,
    Struct,
    Value,
    check_index,
    payload_nbytes,
    warn_payload,
    wire_trait,
)
from .link import Linkable, concept_sequences

__all__ = ["TimelineView"]

# Tableau 10: the class colours of every xaiwidgets view (js/src/lib/colormap.ts PALETTE).
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")

# -- the wire (js/README.md "TimelineView state"; js/src/timeline/state.ts) -------------------
#: C concepts and their C x C transition probabilities.
CONCEPTS = Struct(
    names=ListOf(Value(str), "C"), colors=ListOf(Value(str), "C"),
    majority=Array("int32", ("C",)), size=Array("int32", ("C",)),
    share=Array("float32", ("C",)), purity=Array("float32", ("C",)),
    matrix=Array("float32", ("C", "C")),
)
#: One sequence of L steps, F features, H hidden units (also the "sequence" fetch).
SEQUENCE = Struct(
    index=Value(int), length=Value(int), x=Array("float32", ("L", "F")),
    concept=Array("int8", ("L",)), output=Array("int8", ("L",)), rnn=Array("int8", ("L",)),
    score=Array("float32", ("L",)), leaf=Array("int16", ("L",)),
    states=HeatmapOf((1, "H", "L"), signed=True), units=Array("int32", ("H",)),
)
LENGTHS = Struct(lengths=Array("int32", ("N",)))
SUMMARY = Struct(
    n=Value(int), steps=Value(int), window=Value(int), n_concepts=Value(int),
    per_step=Value(bool), layer=Value(str), units=Value(int), step_fidelity=Value(float),
    final_fidelity=Value(float), start=Value(str), time_step=Value(float), time_unit=Value(str),
)
SEQUENCES = Struct(blocks=ListOf(SEQUENCE, scoped=True))


def concept_colors(trace: MemeTrace) -> list[str]:
    """One colour per concept from the concept palette (never a class colour): concept ``j``
    has the same colour in the band, the overview, the legend, the graph and the trees."""
    return concept_palette(len(trace.concept_names))


class TimelineView(XaiWidget, Linkable):
    """One sequence at a time: inputs as lines, a band coloured by concept, the RNN's and the
    extracted model's outputs (disagreements marked), the hidden states as a units x steps
    heatmap, and the concept transition graph with each source concept's tree.

    Draws from a :class:`~xaiwidgets.MemeTrace` alone (``meme.explain(X, lengths)``, or one
    opened from disk); :meth:`from_estimator` traces and shows in one call. Everything but
    fetching another sequence (and searching the others for a brushed range) runs in the
    browser.

    Parameters
    ----------
    trace : MemeTrace
        What is shown: ``meme.explain(X, lengths)``.
    feature_names, class_names : sequence of str, optional
        Default: the trace's.
    index : int, default=0
        The sequence shown first.
    embed : sequence of int, optional
        Sequences embedded in the state (all an offline export can show); default: ``index``
        and as many following ones as fit in ``max_payload_bytes``.
    title : str
    threshold : float, default=0.3
        A hidden unit is "on" above it (the range search).
    max_payload_bytes : int, default=8 MiB
    time_step : (float, str), optional
        The duration of one step and its unit, e.g. ``(16, "min")``: the time axis then reads
        in time (minutes shown as hours or days when the range is long); default: step numbers.
    starts : sequence of int, optional
        For sequences cut from one recording (overlapping windows, e.g. ``load_occupancy``'s
        ``extra["start"]``): each sequence's first row in it. The range search then lists a
        stretch of the recording once (the best of the windows that hold it, with how many
        others do) and leaves out the selected stretch itself.
    """

    _bundle = "timeline.js"

    def _link_length(self) -> int:
        return len(self.trace.lengths)

    def _link_source(self) -> Any:
        return self.trace

    title = t.Unicode("").tag(sync=True)
    feature_names = t.List(t.Unicode()).tag(sync=True)
    class_names = t.List(t.Unicode()).tag(sync=True)
    _fetch_schemas: ClassVar[dict[str, Field]] = {"sequence": SEQUENCE}
    concepts = wire_trait(CONCEPTS)
    trees = t.List(t.Dict()).tag(sync=True)
    summary = wire_trait(SUMMARY)
    lengths = wire_trait(LENGTHS)
    sequences = wire_trait(SEQUENCES)
    index = t.Int(0).tag(sync=True)
    threshold = t.Float(0.3).tag(sync=True)
    #: which sequences hold each concept / transition (link.concept_sequences, packed bits):
    #: what a click on a concept or an arrow selects in the linked views
    _concept_seqs = t.Bytes(b"").tag(sync=True)
    _transition_seqs = t.Bytes(b"").tag(sync=True)

    @t.validate("index")
    def _check_index(self, proposal: t.Bunch) -> int:
        n = len(self.trace)
        return check_index(proposal["value"], f"{type(self).__name__}.index", n,
                           what=f"the {n} sequences of the trace")

    def __init__(
        self,
        trace: MemeTrace,
        *args: Any,
        feature_names: Sequence[str] | None = None,
        class_names: Sequence[str] | None = None,
        index: int = 0,
        embed: Sequence[int] | None = None,
        title: str = "Concept timeline",
        threshold: float = 0.3,
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
        time_step: tuple[float, str] | None = None,
        starts: Sequence[int] | None = None,
        **options: Any,
    ) -> None:
        check_keywords(type(self), options)
        trace = _old_call(trace, args)
        if not isinstance(trace, MemeTrace):
            raise TypeError(f"argument 'trace': expected a MemeTrace (meme.explain(X)), got "
                            f"{describe(trace)}")
        n = len(trace)
        if n == 0:
            raise ValueError("argument 'trace': expected at least one sequence, got none")
        trace.check_rows()
        if trace.states is None:
            raise ValueError("argument 'trace': expected a trace with hidden states, got one "
                             "traced with states=False")
        width = int(trace.X.shape[2])
        features = check_names(feature_names, width, "feature_names", "feature") or list(
            trace.feature_names)
        if len(features) != width:
            raise ValueError(f"argument 'feature_names': expected {width} names (one per "
                             f"feature), got {len(features)}")
        n_classes = len(trace.class_names)
        classes = check_names(class_names, n_classes, "class_names", "class") or list(
            trace.class_names)
        check_int(index, "index", low=0, high=n - 1)
        check_int(max_payload_bytes, "max_payload_bytes", low=1)
        step, unit = _check_time_step(time_step)
        self._starts = None if starts is None else _check_starts(starts, n)
        self.trace = trace
        self._order = np.asarray(trace.unit_order, dtype=np.int64)
        wanted = [int(index)] if embed is None else [
            check_int(i, "embed", low=0, high=n - 1) for i in embed]
        blocks = self._embedded(wanted, int(max_payload_bytes), auto=embed is None)
        concepts = {
            "names": list(trace.concept_names), "colors": concept_colors(trace),
            "majority": np.asarray(trace.concept_class, dtype=np.int32),
            "size": np.asarray(trace.concept_size, dtype=np.int32),
            "share": np.asarray(trace.concept_share, dtype=np.float32),
            "purity": np.asarray(trace.concept_purity, dtype=np.float32),
            "matrix": np.asarray(trace.transition_matrix, dtype=np.float32),
        }
        scores = trace.scores
        summary = {"n": n, "steps": scores.n_steps, "window": int(trace.window),
                   "n_concepts": len(trace.concept_names), "per_step": bool(trace.per_step),
                   "layer": str(trace.layer), "units": len(self._order),
                   "step_fidelity": scores.step_fidelity,
                   "final_fidelity": scores.final_fidelity, "start": str(trace.start),
                   "time_step": step, "time_unit": unit}
        super().__init__(title=title, feature_names=features, class_names=classes,
                         concepts=concepts, trees=[dict(tr) for tr in trace.trees],
                         summary=summary,
                         lengths={"lengths": np.asarray(trace.lengths, dtype=np.int32)},
                         sequences={"blocks": blocks}, index=int(index),
                         threshold=float(threshold))
        self._concept_seqs, self._transition_seqs = concept_sequences(
            trace.concepts, trace.lengths, len(trace.concept_names))

    @classmethod
    def from_estimator(cls, meme: MEME, X: Any, lengths: Any = None, **kwargs: Any
                       ) -> TimelineView:
        """Trace the sequences ``X`` with the fitted ``meme`` (one RNN pass) and show them.

        ``X`` and ``lengths`` are as in :meth:`MEME.explain` (a padded batch with lengths, NaN
        padding, a ragged list or a PackedSequence). ``kwargs`` go to the constructor
        (``feature_names``, ``class_names``, ``index``, ``embed``, ``title``, ``threshold``,
        ``max_payload_bytes``, ``time_step``, ``starts``).
        """
        if not isinstance(meme, MEME):
            raise TypeError(f"argument 'meme': expected a fitted MEME, got {describe(meme)}")
        meme._check_fitted("TimelineView.from_estimator()")
        check_keywords(cls, kwargs)  # before the (costly) trace
        return cls(meme.explain(X, lengths), **kwargs)

    # -- state -----------------------------------------------------------------------------
    def sequence_block(self, i: int) -> dict[str, Any]:
        """What the view needs of sequence ``i`` (inputs, concepts, outputs, leaves, the hidden
        states as a uint8 heatmap with units in the trace's ``unit_order``)."""
        tr = self.trace
        length = int(tr.lengths[i])
        assert tr.states is not None  # checked in __init__
        states = np.asarray(tr.states[i, :length])[:, self._order].T  # (H, L)
        return {
            "index": int(i), "length": length,
            "x": np.ascontiguousarray(tr.X[i, :length], dtype=np.float32),
            "concept": np.asarray(tr.concepts[i, :length]).astype(np.int8),
            "output": np.asarray(tr.outputs[i, :length]).astype(np.int8),
            "rnn": np.asarray(tr.y_pred[i, :length]).astype(np.int8),
            "score": np.asarray(tr.y_score[i, :length]).astype(np.float32),
            "leaf": np.asarray(tr.leaves[i, :length]).astype(np.int16),
            "states": Heatmap(states[None], signed=True),
            "units": self._order.astype(np.int32),
        }

    def _embedded(self, wanted: list[int], cap: int, auto: bool) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = []
        total = 0
        order = wanted if not auto else [wanted[0], *[j for j in range(len(self.trace))
                                                      if j != wanted[0]]]
        for k, i in enumerate(order):
            b = self.sequence_block(i)
            size = payload_nbytes(b)
            if blocks and total + size > cap:
                if not auto:
                    warn_payload(type(self).__name__, total + size, cap, len(blocks),
                                 len(wanted))
                break
            blocks.append(b)
            total += size
            if auto and k >= 63:  # enough for an offline page; the rest on demand
                break
        return blocks

    def _fetch(self, what: str, args: dict[str, Any]) -> dict[str, Any]:
        """``"sequence"`` ``{"index": i}``: one sequence block; ``"match"`` ``{"index", "start",
        "stop", "by", "units", "threshold"}``: :meth:`MemeTrace.similar_ranges` (``units`` are
        rows of the drawn heatmap, i.e. positions in ``unit_order``)."""
        n = len(self.trace)
        i = args.get("index")
        if not isinstance(i, (int, float)) or isinstance(i, bool) or not 0 <= int(i) < n:
            raise ValueError(f"argument 'index': expected a sequence in [0, {n - 1}], got {i!r}")
        i = int(i)
        if what == "sequence":
            return self.sequence_block(i)
        if what == "match":
            units = args.get("units")
            top = int(args.get("top", 10))
            start, stop = int(args.get("start", 0)), int(args.get("stop", 1))
            hits = self.trace.similar_ranges(
                i, start, stop, by=str(args.get("by", "states")),
                units=None if units is None else [int(self._order[int(u)]) for u in units],
                threshold=float(args.get("threshold", self.threshold)),
                top=top if self._starts is None else n)
            if self._starts is not None:
                hits = same_stretch_once(hits, self._starts, i, start, stop)[:top]
            return {"matches": hits}
        return super()._fetch(what, args)

    # -- static snapshot -------------------------------------------------------------------
    def _tables(self) -> dict[str, Any]:
        """``concepts``: each concept's name, majority class, size, share and purity;
        ``transitions``: the probability of each concept following each other one."""
        import pandas as pd

        tr = self.trace
        names = [str(n) for n in tr.concept_names]
        classes = list(self.class_names)
        majority = np.asarray(tr.concept_class)
        concepts = pd.DataFrame({
            "concept": names,
            "majority class": [classes[int(c)] if 0 <= int(c) < len(classes) else str(int(c))
                               for c in majority],
            "size": np.asarray(tr.concept_size), "share": np.asarray(tr.concept_share,
                                                                     dtype=np.float64),
            "purity": np.asarray(tr.concept_purity, dtype=np.float64),
        })
        matrix = np.asarray(tr.transition_matrix, dtype=np.float64)
        transitions = pd.DataFrame(matrix, columns=names)
        transitions.insert(0, "from", names)
        return {"concepts": concepts, "transitions": transitions}

    def _static_html(self) -> str:
        b = self.sequence_block(self.index)
        names, colors = self.concepts["names"], self.concepts["colors"]
        classes = self.class_names
        s = self.summary
        fid = (f"per-step fidelity {100 * s['step_fidelity']:.1f}%" if s["per_step"]
               else f"final-step fidelity {100 * s['final_fidelity']:.1f}%")
        parts = [f"{STATIC_DIV}<h4>{label_html(self.title)}</h4>",
                 f"<p>{s['n']} sequences · {s['n_concepts']} concepts · window {s['window']} · "
                 f"{fid} · sequence {b['index']} ({b['length']} steps)</p>",
                 _timeline_svg(b, self.feature_names, colors, names),
                 _legend(names, colors, classes), self._static_tables(),
                 "<p><em>Static snapshot: run the notebook for the interactive view.</em></p>"
                 "</div>"]
        return "".join(parts)

    def _static_tables(self) -> str:
        names = self.concepts["names"]
        matrix = self.concepts["matrix"]
        def whole(text: str) -> str:  # a short name never breaks mid-word; a long one may wrap
            keep = f" style='{NOWRAP}'" if len(text) <= NOWRAP_MAX else ""
            return f"{keep}>{label_html(text)}"

        head = "".join(f"<th{whole(n)}</th>" for n in names)
        rows = []
        for j, name in enumerate(names):
            cells = "".join(f"<td style='{NOWRAP}'>{matrix[j, k]:.2f}</td>"
                            for k in range(len(names)))
            cls = self.class_names[int(self.concepts["majority"][j])]
            rows.append(f"<tr><th{whole(name)}</th><td{whole(cls)}</td>"
                        f"<td>{100 * float(self.concepts['purity'][j]):.0f}%</td>"
                        f"<td>{100 * float(self.concepts['share'][j]):.0f}%</td>{cells}</tr>")
        table = ("<table><caption>concepts and transition probabilities (row: from, "
                 "column: to)</caption><tr><th>concept</th><th>class</th><th>purity</th>"
                 f"<th>share</th>{head}</tr>{''.join(rows)}</table>")
        rules = label_html(self.trace.export_text())
        return f"{table}<details><summary>transition trees</summary><pre>{rules}</pre></details>"


def _check_time_step(value: Any) -> tuple[float, str]:
    """``time_step`` as (duration of a step, unit); (0, "") for step numbers."""
    if value is None:
        return 0.0, ""
    if (not isinstance(value, (tuple, list)) or len(value) != 2
            or not isinstance(value[1], str) or not value[1].strip()):
        raise TypeError(f"argument 'time_step': expected (duration, unit) such as (16, "
                        f"'min'), got {describe(value)}")
    step = check_number(value[0], "time_step", low=0, low_open=True)
    return float(step), value[1].strip()


def _check_starts(value: Any, n: int) -> np.ndarray:
    """``starts``: one non-negative integer row per sequence."""
    arr = np.asarray(value) if not isinstance(value, (str, bytes)) else None
    if arr is None or arr.shape != (n,) or not (
            np.issubdtype(arr.dtype, np.integer) and (arr >= 0).all()):
        got = describe(value) if arr is None else f"{arr.dtype} array of shape {arr.shape}"
        raise ValueError(f"argument 'starts': expected one first row (an integer >= 0) per "
                         f"sequence, shape ({n},), got {got}")
    return arr.astype(np.int64)


def same_stretch_once(hits: list[dict[str, Any]], starts: np.ndarray, query: int, start: int,
                      stop: int) -> list[dict[str, Any]]:
    """Search results of sequences cut from one recording (sequence ``j`` is its rows from
    ``starts[j]``): results that overlap in the recording are one stretch, listed once (the
    best, with ``"also"``: the other sequences holding it); a stretch overlapping the query's
    own rows is the query itself seen through another window, and is left out."""
    q0, q1 = int(starts[query]) + start, int(starts[query]) + stop
    kept: list[tuple[int, int, dict[str, Any]]] = []
    for h in hits:  # best first: a later overlapping hit joins the earlier one
        a, b = int(starts[h["sequence"]]) + h["start"], int(starts[h["sequence"]]) + h["stop"]
        if a < q1 and q0 < b:
            continue
        for k, (ka, kb, kh) in enumerate(kept):
            if a < kb and ka < b:
                kh["also"].append(int(h["sequence"]))
                kept[k] = (min(ka, a), max(kb, b), kh)
                break
        else:
            kept.append((a, b, {**h, "also": []}))
    return [kh for _, _, kh in kept]


def _runs(values: np.ndarray) -> list[tuple[int, int, int]]:
    """(start, stop, value) of the runs of equal values."""
    if not len(values):
        return []
    cut = np.flatnonzero(np.diff(values)) + 1
    starts = np.concatenate([[0], cut])
    stops = np.concatenate([cut, [len(values)]])
    return [(int(a), int(b), int(values[a])) for a, b in zip(starts, stops, strict=True)]


def _step_ticks(length: int, max_ticks: int) -> list[int]:
    """Step numbers at a nice interval (1, 2 or 5 x 10^k), at most ``max_ticks`` of them
    (js/src/lib/timeline_lod.ts stepTicks)."""
    p = 1
    while True:
        for m in (1, 2, 5):
            if -(-length // (m * p)) <= max(1, max_ticks):
                return list(range(0, length, m * p))
        p *= 10


def _timeline_svg(b: dict[str, Any], features: list[str], colors: list[str],
                  concept_names: list[str] | None = None, width: int = 720) -> str:
    """An inline SVG of one sequence: a line per feature (min/max per pixel column), the
    concept band, the RNN's and the extracted model's classes, disagreements in red."""
    x = b["x"]
    length = int(b["length"])
    f = x.shape[1]
    shown = min(f, 6)
    row, band, gap, left = 34, 12, 6, 110
    plot = width - left - 8
    height = shown * (row + gap) + 3 * (band + gap) + 16 + 24
    scale = plot / max(length, 1)
    runs = _runs(np.asarray(b["concept"]))
    names = concept_names or []
    said = ", ".join(f"{names[v] if 0 <= v < len(names) else v} steps {a}–{e - 1}"
                     for a, e, v in runs[:6])
    more = f", and {len(runs) - 6} more" if len(runs) > 6 else ""
    wrong_n = int((np.asarray(b["rnn"]) != np.asarray(b["output"])).sum())
    alt = (f"concept timeline of sequence {b['index']}: {length} steps; {len(runs)} concept "
           f"runs: {said}{more}; the RNN and the extracted model disagree at {wrong_n} steps")
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
           f"role='img' aria-label='{html.escape(alt, quote=True)}' "
           f"style='font:11px sans-serif'>"]
    cols = min(plot, length)
    edges = np.linspace(0, length, cols + 1).astype(int)
    for j in range(shown):
        v = x[:, j]
        lo, hi = float(v.min()), float(v.max())
        span = hi - lo or 1.0
        y0 = j * (row + gap)
        pts_hi, pts_lo = [], []
        for c in range(cols):
            seg = v[edges[c]:max(edges[c + 1], edges[c] + 1)]
            px = left + (c + 0.5) * plot / cols
            pts_hi.append(f"{px:.1f},{y0 + row - (seg.max() - lo) / span * row:.1f}")
            pts_lo.append(f"{px:.1f},{y0 + row - (seg.min() - lo) / span * row:.1f}")
        poly = " ".join(pts_hi + pts_lo[::-1])
        name = label_html(features[j], max_chars=16, svg=True, whole=True)
        out.append(f"<text x='4' y='{y0 + row / 2 + 4}'>{name}</text>"
                   f"<polygon points='{poly}' fill='#4e79a7' fill-opacity='0.35' "
                   f"stroke='#4e79a7' stroke-width='1'/>")
    y = shown * (row + gap)
    for label, values, palette in (("concept", b["concept"], colors),
                                   ("RNN", b["rnn"], list(PALETTE)),
                                   ("extracted", b["output"], list(PALETTE))):
        out.append(f"<text x='4' y='{y + band - 2}'>{label}</text>")
        for a, e, v in _runs(np.asarray(values)):
            if v < 0:
                continue
            out.append(f"<rect x='{left + a * scale:.2f}' y='{y}' "
                       f"width='{max((e - a) * scale, 0.5):.2f}' height='{band}' "
                       f"fill='{palette[v % len(palette)]}'/>")
        y += band + gap
    wrong = np.flatnonzero(np.asarray(b["rnn"]) != np.asarray(b["output"]))
    out.append(f"<text x='4' y='{y + 8}'>disagree</text>")
    for a, e, v in _runs(np.isin(np.arange(length), wrong).astype(int)):
        if v:
            out.append(f"<rect x='{left + a * scale:.2f}' y='{y}' "
                       f"width='{max((e - a) * scale, 1):.2f}' height='8' fill='#d1242f'/>")
    y += 16  # the time axis: step numbers at nice intervals
    out.append(f"<text x='4' y='{y + 14}'>step</text><line x1='{left}' x2='{left + plot}' "
               f"y1='{y}' y2='{y}' stroke='currentColor'/>")
    for tick in _step_ticks(length, plot // 70):
        px = left + (tick + 0.5) * scale
        out.append(f"<line x1='{px:.1f}' x2='{px:.1f}' y1='{y}' y2='{y + 4}' "
                   f"stroke='currentColor'/><text x='{px:.1f}' y='{y + 14}' "
                   f"text-anchor='middle'>{tick}</text>")
    out.append("</svg>")
    return "".join(out)


def _legend(names: list[str], colors: list[str], classes: list[str]) -> str:
    sw = ("<span style='display:inline-block;width:12px;height:12px;background:{};"
          "margin:0 4px 0 10px;vertical-align:middle'></span>{}")
    concepts = "".join(sw.format(c, label_html(n)) for n, c in zip(names, colors, strict=True))
    cls = "".join(sw.format(PALETTE[i % len(PALETTE)], label_html(n))
                  for i, n in enumerate(classes))
    return f"<p>concepts: {concepts}</p><p>classes (RNN / extracted): {cls}</p>"


def _old_call(trace: Any, args: tuple[Any, ...]) -> Any:
    """``TimelineView(meme, trace, sequences)`` of the previous release: the trace now holds
    the inputs, so the extractor and the sequences are not needed (deprecated)."""
    if not args:
        return trace
    if isinstance(trace, MEME) and len(args) <= 2 and isinstance(args[0], MemeTrace):
        warnings.warn("TimelineView(meme, trace, sequences) is now TimelineView(trace): the "
                      "trace holds everything the view shows; the old form goes in the next "
                      "release", FutureWarning, stacklevel=3)
        return args[0]
    raise TypeError(f"TimelineView takes one positional argument, the trace (display options "
                    f"by keyword); got {1 + len(args)}")
