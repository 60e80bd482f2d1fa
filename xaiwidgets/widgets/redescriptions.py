"""RedescriptionView: the redescriptions of a model's neurons as a sortable, filterable table,
linked to a neuron x attribute coverage heatmap; support sets and samples on a row's click."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import traitlets as t

from .._core.validation import check_int, describe
from ..redescriptions.miner import RedescriptionMiner
from ..redescriptions.result import RedescriptionResult
from ._base import XaiWidget, check_keywords
from ._html import (
    NOWRAP,
    NOWRAP_MAX,
    STATIC_DIV,
    display_image,
    image_u8,
    label,
    live_lut,
    png_data_uri,
)
from ._traits import (
    DEFAULT_MAX_PAYLOAD_BYTES,
    Array,
    Field,
    Heatmap,
    HeatmapOf,
    ListOf,
    Maybe,
    Struct,
    Value,
    check_index,
    payload_nbytes,
    warn_payload,
    wire_trait,
)
from .link import Linkable

__all__ = ["RedescriptionView"]

# The most samples one request may ask for: keeps one kernel answer small.
MAX_REQUEST = 256
PARTS = ("left", "both", "right")
_PART_LABELS = {"left": "left rule only", "both": "both rules", "right": "right rule only"}
# the live view's colours of the three parts (fill, text)
_PART_COLOURS = {"left": ("#f28e2b", "#000"), "both": ("#59a14f", "#000"),
                 "right": ("#4e79a7", "#fff")}

# -- the wire (js/README.md "RedescriptionView state"; js/src/views/redescription_rows.ts) -----
_R = ("R",)
#: R redescriptions, supports bit-packed along the samples (B = ceil(N / 8) bytes).
ROWS = Struct(
    neuron=Array("int32", _R), interaction=Array("uint8", _R),
    left_rule=ListOf(Value(str), "R"), right_rule=ListOf(Value(str), "R"),
    jaccard=Array("float32", _R), log10_p=Array("float32", _R), support=Array("int32", _R),
    left_support=Array("int32", _R), right_support=Array("int32", _R),
    right_columns=ListOf(ListOf(Value(int)), "R"), left_columns=ListOf(ListOf(Value(int)), "R"),
    left_bits=Array("uint8", ("R", "B")), right_bits=Array("uint8", ("R", "B")),
    # the reading order (RedescriptionResult.informative_order): row i is rank[i]-th; a row's
    # complement (-1: none) is folded into it; restates: its right rule only restates the
    # prediction
    rank=Array("int32", _R), complement=Array("int32", _R), restates=Array("uint8", _R),
)
#: neurons x attributes: the best J of a neuron's redescriptions testing each attribute.
COVERAGE = Struct(values=Array("float32", (None, None)))
VIEWS = Struct(left=Value(str), right=Value(str))
#: The miner's settings (``min_jaccard``, ``max_pvalue``, ``correction``...).
SETTINGS = Struct.mapping(Value(str, int, float, bool, type(None)))
#: Redescriptions and neurons described, and the permutation null's when it was run.
SUMMARY = Struct(n_redescriptions=Value(int), n_neurons=Value(int), described=Value(int),
                 shuffled_described=Maybe(Value(int)), shuffled_neurons=Maybe(Value(int)),
                 shuffled_seed=Maybe(Value(int)))
#: K samples: thumbnails, or table rows as text (also the "samples" fetch).
SAMPLES = Struct(
    index=Array("int32", ("K",)),
    images=Maybe(HeatmapOf(("K", None, None, None), signed=False)),
    cells=Maybe(ListOf(ListOf(Value(str)), "K")),
)


class RedescriptionView(XaiWidget, Linkable):
    """Redescriptions as a table, with the support sets of the selected one and a coverage
    heatmap (neurons x attributes: the best J of a neuron's redescriptions testing each one).

    The table opens in reading order, grouped by neuron (groups fold with their header row):
    informative rows first, i.e. rows whose right rule only restates the model's prediction
    (a ``restating`` column) last, then by Jaccard index (high first), p-value (low first) and
    support (large first); a group comes where its first row does. A rule and its complement
    (``q1 <=> q2`` and ``not q1 <=> not q2``, the same neuron, exactly the other samples) are
    one row with a note; "show complements" unfolds them. A header click sorts by that column
    instead (the groups keep together, ordered by their first row).

    Sorting, the text filter and the J / p sliders run in the browser; clicking a row shows its
    support sets (left rule only / both / right rule only) as bars and samples of each
    (thumbnails of images, or rows of a table), fetched from the kernel when not embedded;
    clicking a heatmap cell filters the table to that neuron and attribute. The view draws its
    result alone (the rules, their supports and the samples it holds); build it from a result
    or with :meth:`from_estimator`.

    Parameters
    ----------
    result : RedescriptionResult
        ``miner.result_`` (or ``miner.baseline_result_``), with the mined samples attached by
        :meth:`RedescriptionResult.with_samples` to show them.
    X : tensor, array or DataFrame, optional
        Shorthand for ``result.with_samples(X)``: the mined samples, in the same order: images
        ``(N, C, H, W)`` give thumbnails, tables ``(N, F)`` (a DataFrame keeps its column
        names) give rows.
    title : str, optional
        Default: ``"Redescriptions of <left> by <right>"`` (``" (baseline)"`` for a baseline's).
    n_show : int, default=12
        Samples shown per support part.
    embed_per_row : int, default=4
        Samples of each part of each row embedded in the state (all an offline export shows),
        best rows first, within ``max_payload_bytes``.
    thumb_size : int, default=48
        Longer side of a thumbnail in pixels (larger images are area-downsampled).
    max_payload_bytes : int, default=8 MiB
    selected : int, default=-1
        Row selected first (the view changes it locally; set it from Python to move the view).
    restating : sequence of str, optional
        Right-view columns that hold the model's own prediction: rows whose right rule tests
        only these come last. Default: the columns named ``"predicted"`` (or ending in
        ``".predicted"``), :func:`prediction_table`'s default name.

    Attributes
    ----------
    order : np.ndarray of int, shape (R,)
        The rows in the view's reading order (:meth:`RedescriptionResult.informative_order`).
    """

    _bundle = "redescriptions.js"

    def _link_length(self) -> int:
        return int(self.n_samples)

    title = t.Unicode("").tag(sync=True)
    neurons = t.List(t.Unicode()).tag(sync=True)
    attributes = t.List(t.Unicode()).tag(sync=True)
    views = wire_trait(VIEWS)
    _fetch_schemas: ClassVar[dict[str, Field]] = {"samples": SAMPLES}
    rows = wire_trait(ROWS)
    coverage = wire_trait(COVERAGE)
    settings = wire_trait(SETTINGS)
    summary = wire_trait(SUMMARY)
    sample_kind = t.Unicode("none").tag(sync=True)
    sample_columns = t.List(t.Unicode()).tag(sync=True)
    samples = wire_trait(SAMPLES)
    n_samples = t.Int(0).tag(sync=True)
    n_show = t.Int(12).tag(sync=True)
    selected = t.Int(-1).tag(sync=True)

    @t.validate("selected")
    def _check_selected(self, proposal: t.Bunch) -> int:
        n = self.result.n_redescriptions
        return check_index(proposal["value"], f"{type(self).__name__}.selected", n, low=-1,
                           what=f"-1: none, else one of the {n} rows")

    def __init__(
        self,
        result: RedescriptionResult,
        X: Any = None,
        *,
        title: str | None = None,
        n_show: int = 12,
        embed_per_row: int = 4,
        thumb_size: int = 48,
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
        selected: int = -1,
        restating: Sequence[str] | None = None,
        **options: Any,
    ) -> None:
        check_keywords(type(self), options)
        if not isinstance(result, RedescriptionResult):
            raise TypeError(f"argument 'result': expected a RedescriptionResult (miner.result_),"
                            f" got {describe(result)}; or use RedescriptionView.from_estimator")
        for name, value, low in (("n_show", n_show, 0), ("embed_per_row", embed_per_row, 0),
                                 ("thumb_size", thumb_size, 4),
                                 ("max_payload_bytes", max_payload_bytes, 1)):
            check_int(value, name, low=low)
        check_int(selected, "selected", low=-1, high=result.n_redescriptions - 1)
        if title is None:
            title = _default_title(result)
        if not isinstance(title, str):
            raise TypeError(f"argument 'title': expected a str, got {describe(title)}")
        r = result if X is None else result.with_samples(X)
        if restating is None:
            restating = [a for a in r.attributes if a == "predicted" or a.endswith(".predicted")]
        elif isinstance(restating, str) or not all(isinstance(a, str) for a in restating):
            raise TypeError(f"argument 'restating': expected a sequence of right-view column "
                            f"names, got {describe(restating)}")
        unknown = sorted(set(restating) - set(r.attributes))
        if unknown:
            raise ValueError(f"argument 'restating': expected right-view columns (one of "
                             f"{r.attributes[:8]}{'...' if len(r.attributes) > 8 else ''}), "
                             f"got unknown {unknown}")
        self.result = r
        self.order = r.informative_order(restating)
        self._complement = r.complements()
        self._thumb_size = int(thumb_size)
        rows: dict[str, Any] = {
            "neuron": np.asarray(r.neuron).astype(np.int32),
            "interaction": (np.asarray(r.set) == "interaction").astype(np.uint8),
            "left_rule": list(r.left_rule), "right_rule": list(r.right_rule),
            "jaccard": np.asarray(r.jaccard).astype(np.float32),
            # p-values reach 1e-40 and beyond: float32 keeps their logarithm, not them
            "log10_p": np.log10(np.maximum(r.pvalue, 1e-300)).astype(np.float32),
            "support": np.asarray(r.support).astype(np.int32),
            "left_support": np.asarray(r.left_support).astype(np.int32),
            "right_support": np.asarray(r.right_support).astype(np.int32),
            "right_columns": [list(map(int, c)) for c in r.right_columns],
            "left_columns": [list(map(int, c)) for c in r.left_columns],
            # the supports bit-packed along the samples: the wire's compact form of the rows
            "left_bits": r.left_bits, "right_bits": r.right_bits,
            "rank": np.argsort(self.order).astype(np.int32),
            "complement": self._complement.astype(np.int32),
            "restates": r.restates(restating).astype(np.uint8),
        }
        summary = {"n_redescriptions": r.n_redescriptions, "n_neurons": len(r.neurons),
                   "described": r.described}
        if r.shuffled is not None:  # the permutation null, read beside the count
            summary.update(shuffled_described=int(r.shuffled.described),
                           shuffled_neurons=int(r.shuffled.neurons),
                           shuffled_seed=int(r.shuffled.seed))
        settings = {k: (v if not isinstance(v, np.generic) else v.item())
                    for k, v in r.settings.items()}
        super().__init__(
            title=title, neurons=list(r.neurons), attributes=list(r.attributes),
            views={"left": r.left_view, "right": r.right_view}, rows=rows,
            coverage={"values": r.coverage().astype(np.float32)}, settings=settings,
            summary=summary, sample_kind=r.sample_kind, sample_columns=list(r.sample_columns),
            samples=self._embedded(int(embed_per_row), int(max_payload_bytes)),
            n_samples=len(r), n_show=int(n_show), selected=int(selected))

    @classmethod
    def from_estimator(cls, miner: RedescriptionMiner, X: Any = None, *, baseline: bool = False,
                       **kwargs: Any) -> RedescriptionView:
        """The table of a fitted :class:`RedescriptionMiner`: ``RedescriptionView(
        miner.explain(X, baseline=baseline))``. ``kwargs`` go to the constructor."""
        if not isinstance(miner, RedescriptionMiner):
            raise TypeError(f"argument 'miner': expected a fitted RedescriptionMiner, got "
                            f"{describe(miner)}")
        check_keywords(cls, kwargs)  # before any computation
        return cls(miner.explain(X, baseline=baseline), **kwargs)

    # -- samples ---------------------------------------------------------------------------
    @property
    def _kind(self) -> str:
        return self.result.sample_kind

    def _block(self, idx: np.ndarray) -> dict[str, Any]:
        block: dict[str, Any] = {"index": idx.astype(np.int32)}
        r = self.result
        if r.sample_images is not None and len(idx):
            x = np.asarray(r.sample_images[idx], dtype=np.float32)
            block["images"] = Heatmap(display_image(x, self._thumb_size).transpose(0, 2, 3, 1),
                                      signed=False)
        elif r.sample_cells is not None:
            block["cells"] = np.asarray(r.sample_cells[idx]).tolist()
        return block

    def part_samples(self, row: int, part: str, limit: int | None = None) -> np.ndarray:
        """Indices of the samples of row ``row`` in ``part`` (``"left"``: left rule only,
        ``"both"``, ``"right"``: right rule only), in data order."""
        return self.result.samples(row, part)[:limit]

    def _embedded(self, per_row: int, cap: int) -> dict[str, Any]:
        r = self.result
        if self._kind == "none" or per_row == 0 or not r.n_redescriptions:
            return self._block(np.zeros(0, dtype=np.int64))
        order: dict[int, None] = {}
        if self._kind == "table":  # rows are cheap: every sample, as far as the cap allows
            order.update(dict.fromkeys(range(len(r))))
        for i in self.order.tolist():  # rows in reading order
            for part in PARTS:
                order.update(dict.fromkeys(self.part_samples(i, part, per_row).tolist()))
        chosen = np.array(list(order), dtype=np.int64)
        first = self._block(chosen[:1])
        # table rows travel as text: their JSON length is what they cost
        one = (len(json.dumps(first["cells"])) if self._kind == "table"
               else payload_nbytes(first))
        keep = int(min(len(chosen), cap // max(one, 1)))
        if keep < len(chosen):
            warn_payload(type(self).__name__, one * len(chosen), cap, keep, len(chosen))
        return self._block(np.sort(chosen[:keep]))

    def _fetch(self, what: str, args: dict[str, Any]) -> dict[str, Any]:
        """``what="samples"``, ``args={"indices": [...]}``: thumbnails or table rows of those
        samples (at most :data:`MAX_REQUEST`; invalid indices are dropped)."""
        if what != "samples":
            return super()._fetch(what, args)
        raw = args.get("indices") or []
        n = len(self.result)
        idx = np.array(sorted({int(i) for i in raw if isinstance(i, (int, float))
                               and not isinstance(i, bool) and 0 <= int(i) < n}),
                       dtype=np.int64)[:MAX_REQUEST]
        return self._block(idx)

    # -- static fallback -------------------------------------------------------------------
    def _tables(self) -> dict[str, Any]:
        """``rules``: every redescription (``RedescriptionResult.to_frame``, best Jaccard
        first), its lists joined with "; " so that each cell is text."""
        frame = self.result.to_frame()
        frame["attributes"] = ["; ".join(map(str, v)) for v in frame["attributes"]]
        frame["jaccard_without"] = ["; ".join(f"{x:g}" for x in v)
                                    for v in frame["jaccard_without"]]
        return {"rules": frame}

    def _static_html(self) -> str:
        r = self.result
        nr = r.n_redescriptions
        lut = live_lut("viridis", False)
        s = self.settings

        lo = float(s.get("min_jaccard", 0.0))
        lo, span = (lo, 1.0 - lo) if 1.0 - lo > 1e-9 else (0.0, 1.0)

        def cell(v: float) -> str:  # the live view's scale (jCode): from the mined floor to 1
            rgb = lut[int(np.clip(round((v - lo) / span * 255), 0, 255))]
            lum = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
            fg = "#fff" if lum < 128 else "#000"
            return f"background:#{rgb[0]:02x}{rgb[1]:02x}{rgb[2]:02x};color:{fg}"

        adjusted = f", {label(str(s['correction']))}-adjusted" if s.get("correction") else ""
        parts = [f"{STATIC_DIV}<h4>{label(self.title)}</h4>",
                 f"<p>{nr} redescriptions of {label(r.left_view)} by {label(r.right_view)} · "
                 f"{self.summary['described']} of {len(r.neurons)} neurons described (J ≥ "
                 f"{s.get('min_jaccard', 0):g}, p ≤ {s.get('max_pvalue', 1):g}{adjusted})"
                 f"{_shuffled_words(self.summary)}</p>"]
        head = "".join(f"<th style='{NOWRAP}'>{h}</th>"
                       for h in ("neuron", "left rule", "right rule", "J", "p", "|E12|"))
        body = []
        # the live view's first screen: reading order, complements folded into their partner
        comp = self._complement
        first = np.empty(nr, dtype=np.int64)
        first[self.order] = np.arange(nr)
        shown = [int(i) for i in self.order if comp[i] < 0 or first[comp[i]] > first[i]]
        for i in shown[:25]:
            name = str(r.neurons[int(r.neuron[i])])
            keep = f" style='{NOWRAP}'" if len(name) <= NOWRAP_MAX else ""  # a short name whole
            body.append(
                f"<tr><td{keep}>{label(name)}</td>"
                f"<td style='text-align:left'>{label(r.left_rule[i])}</td>"
                f"<td style='text-align:left'>{label(r.right_rule[i])}</td>"
                f"<td style='{cell(float(r.jaccard[i]))};{NOWRAP}'>{r.jaccard[i]:.3f}</td>"
                f"<td style='{NOWRAP}'>{r.pvalue[i]:.2g}</td>"
                f"<td style='{NOWRAP}'>{int(r.support[i])}</td></tr>")
        folded = nr - len(shown)
        more = (f"<caption>{'the first 25 of ' if len(shown) > 25 else ''}{len(shown)} rules, "
                "informative first"
                f"{f' ({folded} complements folded)' if folded else ''}</caption>")
        parts.append("<div style='overflow-x:auto;max-width:100%'>"
                     f"<table class='xai-static-table'>{more}<tr>{head}</tr>{''.join(body)}"
                     "</table></div>")
        if nr:
            parts.append(self._static_supports(int(self.selected) if self.selected >= 0
                                               else int(self.order[0])))
        parts.append(self._static_coverage(cell))
        parts.append("<p><em>Static snapshot: run the notebook for the interactive view.</em>"
                     "</p></div>")
        return "".join(parts)

    def _static_supports(self, row: int) -> str:
        """The support sets of one row as the live view's three bars (left rule only, both,
        right rule only; inline SVG), with thumbnails of the samples of both when it has
        images."""
        r = self.result
        counts = [len(r.samples(row, part)) for part in PARTS]
        total = max(sum(counts), 1)
        width, bar_w, x = 420, 400, 10.0
        out = [f"<p>supports of row {row + 1}: {label(r.left_rule[row])} ⇔ "
               f"{label(r.right_rule[row])}</p>",
               f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='40' "
               f"viewBox='0 0 {width} 40' role='img' aria-label='support sets' "
               "style='font:11px system-ui,sans-serif'>"]
        for part, n in zip(PARTS, counts, strict=True):
            w = bar_w * n / total
            colour, fg = _PART_COLOURS[part]
            out.append(f"<rect x='{x:.1f}' y='4' width='{max(w, 0.0):.1f}' height='18' "
                       f"fill='{colour}'><title>{_PART_LABELS[part]}: {n}</title></rect>")
            if w >= 18:
                out.append(f"<text x='{x + w / 2:.1f}' y='17' text-anchor='middle' "
                           f"fill='{fg}'>{n}</text>")
            x += w
        out.append("<text x='10' y='36' fill='currentColor'>"
                   + " · ".join(f"{_PART_LABELS[p]} {n}" for p, n in zip(PARTS, counts,
                                                                          strict=True))
                   + "</text></svg>")
        idx = r.samples(row, "both")[:8]
        if r.sample_images is not None and len(idx):
            thumbs = display_image(np.asarray(r.sample_images[idx], dtype=np.float32),
                                   self._thumb_size)
            out.extend(f"<img src='{png_data_uri(image_u8(img.transpose(1, 2, 0)), size=48)}' "
                       f"alt='sample {int(i)}'>" for i, img in zip(idx, thumbs, strict=True))
        return "".join(out)

    def _static_coverage(self, cell: Any) -> str:
        cov = np.asarray(self.coverage["values"])
        rows = np.flatnonzero(cov.max(axis=1) > 0)[:40] if cov.size else np.zeros(0, int)
        cols = np.flatnonzero(cov.max(axis=0) > 0)[:40] if cov.size else np.zeros(0, int)
        if not len(rows) or not len(cols):
            return ""
        head = "".join(f"<th style='writing-mode:vertical-rl;font-weight:400'>"
                       f"{label(self.attributes[c])}</th>" for c in cols)
        body = []
        for k in rows:
            tds = "".join(
                f"<td style='{cell(float(cov[k, c]))};min-width:14px' "
                f"title='{html.escape(self.neurons[k])} / {html.escape(self.attributes[c])}: "
                f"J {cov[k, c]:.2f}'>"
                "</td>" if cov[k, c] > 0 else "<td></td>" for c in cols)
            body.append(f"<tr><th style='text-align:right;font-weight:400'>"
                        f"{label(self.neurons[k])}</th>{tds}</tr>")
        return ("<table class='xai-static-coverage' style='border-collapse:collapse'>"
                "<caption>coverage: best J of each neuron's redescriptions testing an attribute"
                f"</caption><tr><th></th>{head}</tr>{''.join(body)}</table>")


def _default_title(result: RedescriptionResult) -> str:
    """``"Redescriptions of <left> by <right>"``, and ``" (baseline)"`` for a baseline's."""
    return (f"Redescriptions of {result.left_view} by {result.right_view}"
            + (" (baseline)" if result.settings.get("baseline") else ""))


def _shuffled_words(summary: dict[str, Any]) -> str:
    """``"; with activations shuffled: k0 of n0"`` (the header's null), or nothing."""
    if "shuffled_described" not in summary:
        return ""
    return (f"; with activations shuffled: {summary['shuffled_described']} of "
            f"{summary['shuffled_neurons']}")
