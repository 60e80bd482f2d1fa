"""RedescriptionView: the redescriptions of a model's neurons as a sortable, filterable table,
linked to a neuron x attribute coverage heatmap; support sets and samples on a row's click."""

from __future__ import annotations

import html
import json
from typing import Any

import numpy as np
import torch
import traitlets as t

from .._core.rules import format_value
from .._core.validation import as_tensor, check_int, describe
from ..redescriptions.miner import RedescriptionMiner
from ..redescriptions.result import RedescriptionResult
from ..redescriptions.views import _named_columns
from ._base import XaiWidget
from ._html import STATIC_DIV, display_image, label, live_lut
from ._traits import DEFAULT_MAX_PAYLOAD_BYTES, Heatmap, payload_nbytes, warn_payload, wire_trait

__all__ = ["RedescriptionView"]

# The most samples one request may ask for: keeps one kernel answer small.
MAX_REQUEST = 256
PARTS = ("left", "both", "right")


class RedescriptionView(XaiWidget):
    """Redescriptions as a table, with the support sets of the selected one and a coverage
    heatmap (neurons x attributes: the best J of a neuron's redescriptions testing each one).

    Sorting, the text filter and the J / p sliders run in the browser; clicking a row shows its
    support sets (left rule only / both / right rule only) as bars and samples of each
    (thumbnails of images, or rows of a table), fetched from the kernel when not embedded;
    clicking a heatmap cell filters the table to that neuron and attribute. Build it from a
    result or with :meth:`from_estimator`.

    Parameters
    ----------
    result : RedescriptionResult
        ``miner.result_`` (or ``miner.baseline_result_``).
    X : tensor, array or DataFrame, optional
        The mined samples, in the same order: images ``(N, C, H, W)`` give thumbnails, tables
        ``(N, F)`` (a DataFrame keeps its column names) give rows.
    title : str
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
    """

    _bundle = "redescriptions.js"

    title = t.Unicode("").tag(sync=True)
    neurons = t.List(t.Unicode()).tag(sync=True)
    attributes = t.List(t.Unicode()).tag(sync=True)
    views = t.Dict().tag(sync=True)
    rows = wire_trait()
    coverage = wire_trait()
    settings = t.Dict().tag(sync=True)
    summary = t.Dict().tag(sync=True)
    sample_kind = t.Unicode("none").tag(sync=True)
    sample_columns = t.List(t.Unicode()).tag(sync=True)
    samples = wire_trait()
    n_samples = t.Int(0).tag(sync=True)
    n_show = t.Int(12).tag(sync=True)
    selected = t.Int(-1).tag(sync=True)

    def __init__(
        self,
        result: RedescriptionResult,
        X: Any = None,
        *,
        title: str = "Redescriptions",
        n_show: int = 12,
        embed_per_row: int = 4,
        thumb_size: int = 48,
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
        selected: int = -1,
    ) -> None:
        if not isinstance(result, RedescriptionResult):
            raise TypeError(f"argument 'result': expected a RedescriptionResult (miner.result_),"
                            f" got {describe(result)}; or use RedescriptionView.from_estimator")
        for name, value, low in (("n_show", n_show, 0), ("embed_per_row", embed_per_row, 0),
                                 ("thumb_size", thumb_size, 4),
                                 ("max_payload_bytes", max_payload_bytes, 1)):
            check_int(value, name, low=low)
        check_int(selected, "selected", low=-1, high=len(result) - 1)
        if not isinstance(title, str):
            raise TypeError(f"argument 'title': expected a str, got {describe(title)}")
        self.result = result
        self._thumb_size = int(thumb_size)
        self._kind, self._data, columns = self._samples_of(X, result.n_samples)
        r = result
        rows: dict[str, Any] = {
            "neuron": r.neuron.astype(np.int32),
            "interaction": (r.set == "interaction").astype(np.uint8),
            "left_rule": list(r.left_rule), "right_rule": list(r.right_rule),
            "jaccard": r.jaccard.astype(np.float32),
            # p-values reach 1e-40 and beyond: float32 keeps their logarithm, not them
            "log10_p": np.log10(np.maximum(r.pvalue, 1e-300)).astype(np.float32),
            "support": r.support.astype(np.int32),
            "left_support": r.left_support.astype(np.int32),
            "right_support": r.right_support.astype(np.int32),
            "right_columns": [list(map(int, c)) for c in r.right_columns],
            "left_columns": [list(map(int, c)) for c in r.left_columns],
            "left_bits": r.left_bits, "right_bits": r.right_bits,
        }
        nd = r.summary
        summary = {"n_redescriptions": len(r), "n_neurons": len(r.neurons),
                   "described": int(nd["described"].sum())}
        if r.shuffled is not None:  # the permutation null, read beside the count
            summary.update(shuffled_described=r.shuffled.described,
                           shuffled_neurons=r.shuffled.neurons, shuffled_seed=r.shuffled.seed)
        settings = {k: (v if not isinstance(v, np.generic) else v.item())
                    for k, v in r.settings.items()}
        super().__init__(
            title=title, neurons=list(r.neurons), attributes=list(r.attributes),
            views={"left": r.left_view, "right": r.right_view}, rows=rows,
            coverage={"values": r.coverage().astype(np.float32)}, settings=settings,
            summary=summary, sample_kind=self._kind, sample_columns=columns,
            samples=self._embedded(int(embed_per_row), int(max_payload_bytes)),
            n_samples=r.n_samples, n_show=int(n_show), selected=int(selected))

    @classmethod
    def from_estimator(cls, miner: RedescriptionMiner, X: Any = None, *, baseline: bool = False,
                       **kwargs: Any) -> RedescriptionView:
        """The table of a fitted :class:`RedescriptionMiner` (``baseline=True``: of its
        randomisation baseline). ``kwargs`` go to the constructor."""
        if not isinstance(miner, RedescriptionMiner):
            raise TypeError(f"argument 'miner': expected a fitted RedescriptionMiner, got "
                            f"{describe(miner)}")
        miner._check_fitted("RedescriptionView.from_estimator")
        result = miner.baseline_result_ if baseline else miner.result_
        if result is None:
            raise ValueError("argument 'baseline': this miner was fitted without a baseline "
                             "(RedescriptionMiner(baseline='untrained' or 'permuted'))")
        kwargs.setdefault("title", f"Redescriptions of {result.left_view} by "
                                   f"{result.right_view}" + (" (baseline)" if baseline else ""))
        return cls(result, X, **kwargs)

    # -- samples ---------------------------------------------------------------------------
    @staticmethod
    def _samples_of(X: Any, n: int) -> tuple[str, Any, list[str]]:
        if X is None:
            return "none", None, []
        if (hasattr(X, "columns") and hasattr(X, "to_numpy")) or isinstance(X, dict):
            cols = _named_columns(X, "X")
            data: Any = np.stack([np.asarray(c, dtype=object) for _, c in cols], axis=1)
            kind, names = "table", [c for c, _ in cols]
        else:
            tensor = as_tensor(X, "X")
            if tensor.ndim == 4:
                kind, data, names = "image", tensor, []
            elif tensor.ndim == 2:
                kind, data = "table", tensor.detach().cpu().numpy().astype(object)
                names = [f"x{j}" for j in range(tensor.shape[1])]
            else:
                raise ValueError(f"argument 'X': expected images (N, C, H, W) or a table "
                                 f"(N, F), got {describe(X)}")
        if len(data) != n:
            raise ValueError(f"argument 'X': expected the {n} mined samples, in order, got "
                             f"{len(data)}")
        return kind, data, names

    def _block(self, idx: np.ndarray) -> dict[str, Any]:
        block: dict[str, Any] = {"index": idx.astype(np.int32)}
        if self._kind == "image" and len(idx):
            x = self._data[torch.from_numpy(idx)].detach().cpu().float().numpy()
            block["images"] = Heatmap(display_image(x, self._thumb_size).transpose(0, 2, 3, 1),
                                      signed=False)
        elif self._kind == "table":
            block["cells"] = [[format_value(v) for v in self._data[i]] for i in idx]
        return block

    def part_samples(self, row: int, part: str, limit: int | None = None) -> np.ndarray:
        """Indices of the samples of row ``row`` in ``part`` (``"left"``: left rule only,
        ``"both"``, ``"right"``: right rule only), in data order."""
        return self.result.samples(row, part)[:limit]

    def _embedded(self, per_row: int, cap: int) -> dict[str, Any]:
        if self._kind == "none" or per_row == 0 or not len(self.result):
            return self._block(np.zeros(0, dtype=np.int64))
        order: dict[int, None] = {}
        if self._kind == "table":  # rows are cheap: every sample, as far as the cap allows
            order.update(dict.fromkeys(range(self.result.n_samples)))
        for i in range(len(self.result)):  # best rows first
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
        n = self.result.n_samples
        idx = np.array(sorted({int(i) for i in raw if isinstance(i, (int, float))
                               and not isinstance(i, bool) and 0 <= int(i) < n}),
                       dtype=np.int64)[:MAX_REQUEST]
        return self._block(idx)

    # -- static fallback -------------------------------------------------------------------
    def _static_html(self) -> str:
        r = self.result
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
                 f"<p>{len(r)} redescriptions of {label(r.left_view)} by {label(r.right_view)} · "
                 f"{self.summary['described']} of {len(r.neurons)} neurons described (J ≥ "
                 f"{s.get('min_jaccard', 0):g}, p ≤ {s.get('max_pvalue', 1):g}{adjusted})"
                 f"{_shuffled_words(self.summary)}</p>"]
        head = "".join(f"<th>{h}</th>" for h in ("neuron", "left rule", "right rule", "J", "p",
                                                  "|E12|"))
        body = []
        for i in range(min(len(r), 25)):
            body.append(
                f"<tr><td>{label(r.neurons[int(r.neuron[i])])}</td>"
                f"<td style='text-align:left'>{label(r.left_rule[i])}</td>"
                f"<td style='text-align:left'>{label(r.right_rule[i])}</td>"
                f"<td style='{cell(float(r.jaccard[i]))}'>{r.jaccard[i]:.3f}</td>"
                f"<td>{r.pvalue[i]:.2g}</td><td>{int(r.support[i])}</td></tr>")
        more = f"<caption>the best 25 of {len(r)}</caption>" if len(r) > 25 else ""
        parts.append(f"<table class='xai-static-table'>{more}<tr>{head}</tr>{''.join(body)}"
                     "</table>")
        parts.append(self._static_coverage(cell))
        parts.append("<p><em>Static snapshot: run the notebook for the interactive view.</em>"
                     "</p></div>")
        return "".join(parts)

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


def _shuffled_words(summary: dict[str, Any]) -> str:
    """``"; with activations shuffled: k0 of n0"`` (the header's null), or nothing."""
    if "shuffled_described" not in summary:
        return ""
    return (f"; with activations shuffled: {summary['shuffled_described']} of "
            f"{summary['shuffled_neurons']}")
