"""TimelineView: one sequence at a time, its inputs, concepts, outputs and hidden states, with
MEME's transition graph and trees (js/src/timeline.ts)."""

from __future__ import annotations

import colorsys
from collections.abc import Sequence
from typing import Any

import numpy as np
import traitlets as t

from .._core.sequences import padded_sequences
from .._core.validation import as_tensor, check_int, check_names, describe
from ..meme.extractor import MEME
from ..meme.report import MemeTrace
from ..meme.search import similar_ranges
from ..meme.transitions import path_words
from ._base import XaiWidget, check_view_options
from ._html import STATIC_DIV
from ._html import label as label_html
from ._traits import DEFAULT_MAX_PAYLOAD_BYTES, Heatmap, payload_nbytes, warn_payload, wire_trait

__all__ = ["TimelineView"]

# Tableau 10: the class colours of every xaiwidgets view (js/src/lib/colormap.ts PALETTE).
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")
UNCERTAIN = "#8c8c8c"


def _shade(hex_color: str, rank: int) -> str:
    """The rank-th shade of a colour: itself, then lighter and darker in turn."""
    r, g, b = (int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    h, lum, s = colorsys.rgb_to_hls(r, g, b)
    if rank:
        step = (rank + 1) // 2 * 0.16
        lum = min(0.85, lum + step) if rank % 2 else max(0.18, lum - step)
    r, g, b = colorsys.hls_to_rgb(h, lum, s)
    return "#{:02x}{:02x}{:02x}".format(*(round(255 * v) for v in (r, g, b)))


def concept_colors(meme: MEME) -> list[str]:
    """One colour per concept: its class's colour (grey when "uncertain"), in shades when
    several concepts share a class, so a band reads as the class at a glance."""
    seen: dict[str, int] = {}
    out = []
    for cp in meme.concepts_:
        uncertain = cp.purity < float(meme.purity)
        base = UNCERTAIN if uncertain else PALETTE[cp.majority % len(PALETTE)]
        rank = seen.get(base, 0)
        seen[base] = rank + 1
        out.append(_shade(base, rank))
    return out


def unit_order(meme: MEME) -> np.ndarray:
    """Hidden units grouped by the concept whose centroid they are highest in (concept order),
    strongest first within a group: the heatmap then shows each concept as a block."""
    centres = meme.kmeans_.cluster_centers_
    top = centres.argmax(axis=0)
    strength = centres.max(axis=0)
    return np.lexsort((-strength, top)).astype(np.int64)


class TimelineView(XaiWidget):
    """One sequence at a time: inputs as lines, a band coloured by concept, the RNN's and the
    extracted model's outputs (disagreements marked), the hidden states as a units x steps
    heatmap, and the concept transition graph with each source concept's tree.

    Everything but fetching another sequence (and searching the others for a brushed range) runs
    in the browser. Build it with :meth:`from_estimator`.

    Parameters
    ----------
    meme : MEME
        A fitted extractor.
    trace : MemeTrace
        ``meme.trace(sequences, lengths)``.
    sequences : tensor or array of shape (N, T, F), or a list of (T_i, F)
        The inputs shown (as given to ``trace``; NaN padding and ragged lists are fine).
    feature_names, class_names : sequence of str, optional
        Default: the extractor's.
    index : int, default=0
        The sequence shown first.
    embed : sequence of int, optional
        Sequences embedded in the state (all an offline export can show); default: ``index``
        and as many following ones as fit in ``max_payload_bytes``.
    title : str
    max_payload_bytes : int, default=8 MiB
    """

    _bundle = "timeline.js"

    title = t.Unicode("").tag(sync=True)
    feature_names = t.List(t.Unicode()).tag(sync=True)
    class_names = t.List(t.Unicode()).tag(sync=True)
    concepts = wire_trait()
    trees = t.List(t.Dict()).tag(sync=True)
    summary = t.Dict().tag(sync=True)
    lengths = wire_trait()
    sequences = wire_trait()
    index = t.Int(0).tag(sync=True)
    threshold = t.Float(0.3).tag(sync=True)

    def __init__(
        self,
        meme: MEME,
        trace: MemeTrace,
        sequences: Any,
        *,
        feature_names: Sequence[str] | None = None,
        class_names: Sequence[str] | None = None,
        index: int = 0,
        embed: Sequence[int] | None = None,
        title: str = "Concept timeline",
        threshold: float = 0.3,
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
    ) -> None:
        if not isinstance(meme, MEME):
            raise TypeError(f"argument 'meme': expected a fitted MEME, got {describe(meme)}")
        meme._check_fitted("a TimelineView")
        if not isinstance(trace, MemeTrace):
            raise TypeError(f"argument 'trace': expected meme.trace(sequences), got "
                            f"{describe(trace)}")
        n = len(trace)
        if hasattr(sequences, "__len__") and len(sequences) == n:
            # ragged or NaN-padded: zeros beyond the trace's lengths
            sequences, _ = padded_sequences(sequences, trace.lengths, lengths_name="trace")
        x = as_tensor(sequences, "sequences").detach().cpu().float().numpy()
        if x.ndim != 3 or len(x) != n or x.shape[1] < trace.concepts.shape[1]:
            raise ValueError(f"argument 'sequences': expected the {n} sequences of the trace "
                             f"(N, T, F), got shape {x.shape}")
        features = check_names(feature_names, x.shape[2], "feature_names", "feature") or list(
            meme.feature_names_)
        if len(features) != x.shape[2]:
            raise ValueError(f"argument 'feature_names': expected {x.shape[2]} names (one per "
                             f"feature), got {len(features)}")
        classes = check_names(class_names, len(meme.class_names_), "class_names", "class") or (
            list(meme.class_names_))
        check_int(index, "index", low=0, high=n - 1)
        check_int(max_payload_bytes, "max_payload_bytes", low=1)
        self.meme, self.trace, self._x = meme, trace, x
        self._order = unit_order(meme)
        wanted = [int(index)] if embed is None else [
            check_int(i, "embed", low=0, high=n - 1) for i in embed]
        blocks = self._embedded(wanted, int(max_payload_bytes), auto=embed is None)
        names = [cp.name for cp in meme.concepts_]
        concepts = {
            "names": names, "colors": concept_colors(meme),
            "majority": np.array([cp.majority for cp in meme.concepts_], dtype=np.int32),
            "size": np.array([cp.size for cp in meme.concepts_], dtype=np.int32),
            "share": np.array([cp.share for cp in meme.concepts_], dtype=np.float32),
            "purity": np.array([cp.purity for cp in meme.concepts_], dtype=np.float32),
            "matrix": meme.transition_matrix_.astype(np.float32),
        }
        trees = [self._tree(s) for s in range(meme.n_concepts_)] + [self._tree(-1)]
        per_step = meme.per_step_
        valid = trace.rnn >= 0
        agree = (trace.outputs == trace.rnn)[valid]
        summary = {"n": n, "steps": int(trace.lengths.sum()), "window": int(meme.window),
                   "n_concepts": meme.n_concepts_, "per_step": bool(per_step),
                   "layer": meme.layer_, "units": int(trace.states.shape[1]),
                   "step_fidelity": float(agree.mean()),
                   "final_fidelity": float(np.mean(
                       trace.outputs[np.arange(n), trace.lengths - 1] == trace.final)),
                   "start": meme.start}
        super().__init__(title=title, feature_names=features, class_names=classes,
                         concepts=concepts, trees=trees, summary=summary,
                         lengths={"lengths": trace.lengths.astype(np.int32)},
                         sequences={"blocks": blocks}, index=int(index),
                         threshold=float(threshold))

    @classmethod
    def from_estimator(cls, meme: MEME, sequences: Any, lengths: Any = None, **kwargs: Any
                       ) -> TimelineView:
        """Trace ``sequences`` with the fitted ``meme`` (one RNN pass) and show them.

        ``kwargs`` go to the constructor (``feature_names``, ``class_names``, ``index``,
        ``embed``, ``title``, ``max_payload_bytes``).
        """
        if not isinstance(meme, MEME):
            raise TypeError(f"argument 'meme': expected a fitted MEME, got {describe(meme)}")
        meme._check_fitted("TimelineView.from_estimator()")
        import inspect

        allowed = tuple(p for p, v in inspect.signature(cls.__init__).parameters.items()
                        if v.kind is inspect.Parameter.KEYWORD_ONLY)
        check_view_options(cls, kwargs, allowed)
        # a PackedSequence, a ragged list or NaN padding: zero-padded with lengths, once
        sequences, lengths = padded_sequences(sequences, lengths)
        trace = meme.trace(sequences, lengths)
        return cls(meme, trace, sequences, **kwargs)

    # -- state -----------------------------------------------------------------------------
    def _tree(self, source: int) -> dict[str, Any]:
        nodes = self.meme.transition_nodes(source)
        return {"source": source, "yes": [int(v) for v in nodes["yes"]],
                "no": [int(v) for v in nodes["no"]], "test": list(nodes["test"]),
                "value": [int(v) for v in nodes["value"]],
                "n_train": [int(v) for v in nodes["n_train"]],
                "merged": [list(m) for m in nodes["merged"]],
                # the path to every node in words, so the view looks rules up instead of
                # deriving them
                "rules": [" and ".join(path_words(nodes, i, self.meme.window_feature_names_))
                          if i == 0 or nodes["shown"][i] == i else ""
                          for i in range(len(nodes["yes"]))]}

    def sequence_block(self, i: int) -> dict[str, Any]:
        """What the view needs of sequence ``i`` (inputs, concepts, outputs, leaves, the hidden
        states as a uint8 heatmap with units in :func:`unit_order`)."""
        tr = self.trace
        length = int(tr.lengths[i])
        states = tr.states[tr.offsets[i]:tr.offsets[i + 1]][:, self._order].T  # (H, L)
        return {
            "index": int(i), "length": length,
            "x": np.ascontiguousarray(self._x[i, :length], dtype=np.float32),
            "concept": tr.concepts[i, :length].astype(np.int8),
            "output": tr.outputs[i, :length].astype(np.int8),
            "rnn": tr.rnn[i, :length].astype(np.int8),
            "score": tr.rnn_score[i, :length].astype(np.float32),
            "leaf": tr.leaves[i, :length].astype(np.int16),
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
        "stop", "by", "units", "threshold"}``: :func:`~xaiwidgets.meme.similar_ranges`."""
        n = len(self.trace)
        i = args.get("index")
        if not isinstance(i, (int, float)) or isinstance(i, bool) or not 0 <= int(i) < n:
            raise ValueError(f"argument 'index': expected a sequence in [0, {n - 1}], got {i!r}")
        i = int(i)
        if what == "sequence":
            return self.sequence_block(i)
        if what == "match":
            by = str(args.get("by", "states"))
            units = args.get("units")
            hits = similar_ranges(
                self.trace.states, self.trace.offsets, i, int(args.get("start", 0)),
                int(args.get("stop", 1)), by=by, concepts=self.trace.state_concepts,
                units=None if units is None else [int(self._order[int(u)]) for u in units],
                threshold=float(args.get("threshold", self.threshold)),
                top=int(args.get("top", 10)))
            return {"matches": hits}
        return super()._fetch(what, args)

    # -- static snapshot -------------------------------------------------------------------
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
                 _timeline_svg(b, self.feature_names, colors),
                 _legend(names, colors, classes), self._static_tables(),
                 "<p><em>Static snapshot: run the notebook for the interactive view.</em></p>"
                 "</div>"]
        return "".join(parts)

    def _static_tables(self) -> str:
        names = self.concepts["names"]
        matrix = self.concepts["matrix"]
        head = "".join(f"<th>{label_html(n)}</th>" for n in names)
        rows = []
        for j, name in enumerate(names):
            cells = "".join(f"<td>{matrix[j, k]:.2f}</td>" for k in range(len(names)))
            cls = self.class_names[int(self.concepts["majority"][j])]
            rows.append(f"<tr><th>{label_html(name)}</th><td>{label_html(cls)}</td>"
                        f"<td>{100 * float(self.concepts['purity'][j]):.0f}%</td>"
                        f"<td>{100 * float(self.concepts['share'][j]):.0f}%</td>{cells}</tr>")
        table = ("<table><caption>concepts and transition probabilities (row: from, "
                 "column: to)</caption><tr><th>concept</th><th>class</th><th>purity</th>"
                 f"<th>share</th>{head}</tr>{''.join(rows)}</table>")
        rules = label_html(self.meme.export_text())
        return f"{table}<details><summary>transition trees</summary><pre>{rules}</pre></details>"


def _runs(values: np.ndarray) -> list[tuple[int, int, int]]:
    """(start, stop, value) of the runs of equal values."""
    if not len(values):
        return []
    cut = np.flatnonzero(np.diff(values)) + 1
    starts = np.concatenate([[0], cut])
    stops = np.concatenate([cut, [len(values)]])
    return [(int(a), int(b), int(values[a])) for a, b in zip(starts, stops, strict=True)]


def _timeline_svg(b: dict[str, Any], features: list[str], colors: list[str],
                  width: int = 720) -> str:
    """An inline SVG of one sequence: a line per feature (min/max per pixel column), the
    concept band, the RNN's and the extracted model's classes, disagreements in red."""
    x = b["x"]
    length = int(b["length"])
    f = x.shape[1]
    shown = min(f, 6)
    row, band, gap, left = 34, 12, 6, 110
    plot = width - left - 8
    height = shown * (row + gap) + 3 * (band + gap) + 16
    scale = plot / max(length, 1)
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
           f"role='img' aria-label='concept timeline' style='font:11px sans-serif'>"]
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
    out.append("</svg>")
    return "".join(out)


def _legend(names: list[str], colors: list[str], classes: list[str]) -> str:
    sw = ("<span style='display:inline-block;width:12px;height:12px;background:{};"
          "margin:0 4px 0 10px;vertical-align:middle'></span>{}")
    concepts = "".join(sw.format(c, label_html(n)) for n, c in zip(names, colors, strict=True))
    cls = "".join(sw.format(PALETTE[i % len(PALETTE)], label_html(n))
                  for i, n in enumerate(classes))
    return f"<p>concepts: {concepts}</p><p>classes (RNN / extracted): {cls}</p>"
