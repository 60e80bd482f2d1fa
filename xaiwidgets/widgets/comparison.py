"""ComparisonView: inputs and one heatmap per method side by side, with quality metrics."""

from __future__ import annotations

import html
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import traitlets as t
from torch import nn

from .._core.validation import check_class_names, check_int, check_names, describe
from ..attributions.compare import DEFAULT_METHODS, AttributionResult, compare_attributions
from ..metrics.registry import REGISTRY
from ..metrics.stats import MetricSummary
from ._base import XaiWidget, check_keywords, check_view_options
from ._colors import method_color, method_colors
from ._html import (
    NOWRAP,
    STATIC_DIV,
    SnapshotRow,
    colorbar_html,
    display_image,
    figure,
    image_u8,
    label,
    line_chart_svg,
    live_lut,
    png_data_uri,
    quantize_item,
    sequence_snapshot,
    visible_codes,
)
from ._traits import (
    DEFAULT_MAX_PAYLOAD_BYTES,
    Array,
    Field,
    Heatmap,
    HeatmapOf,
    ListOf,
    Maybe,
    OneOf,
    Struct,
    Value,
    check_index,
    payload_nbytes,
    warn_payload,
    wire_trait,
)
from .link import Linkable

__all__ = ["ComparisonView"]

COLORMAPS = ("RdBu", "coolwarm", "viridis", "magma", "gray")
SIGN_MODES = ("all", "positive", "negative", "absolute")
VIEW_OPTIONS = ("colormap", "opacity", "threshold", "overlay", "sign", "shared_scale",
                "clip_outliers")

# -- the wire (js/README.md "ComparisonView and MaskView state"; js/src/lib/block.ts) ----------
_STR = Value(str)
# SMILES: every sample's molecule, arrays concatenated over the K samples (_molecules.py)
MOLECULES = Struct(
    atoms=Array("int32", (None,)), bonds=Array("int32", (None,)),  # K + 1 offsets
    xy=Array("float32", ("A", 2)), token=Array("int16", ("A",)),
    labels=ListOf(ListOf(_STR), "K"),
    pairs=Array("uint16", ("B", 2)), order=Array("uint8", ("B",)),
)
#: A block of K samples: the ``data`` trait and the "sample" / "explain" fetches.
BLOCK = Struct(
    index=Array("int32", ("K",)), target=Array("int32", ("K",)), pred=Array("int32", ("K",)),
    prob=Array("float32", ("K",)),
    truth=Maybe(Array("float32", ("K",))),
    # images (K, H, W, C) quantised, or tabular rows; absent for sequences
    inputs=Maybe(OneOf(HeatmapOf(("K", None, None, None), signed=False),
                       Array("float32", ("K", None)))),
    tokens=Maybe(ListOf(ListOf(_STR, "T"), "K")),
    attributions=Struct.mapping(HeatmapOf(("K", ...))),
    valid=Maybe(Array("uint8", ("K", "T"))),
    molecules=Maybe(MOLECULES),
)
#: M methods x Q metrics, scored on n samples; curves at S fractions.
METRICS = Struct(
    names=ListOf(_STR, "Q"), labels=ListOf(_STR, "Q"),
    higher_is_better=ListOf(Value(bool), "Q"), paired=ListOf(Value(bool), "Q"),
    mean=Array("float32", ("M", "Q")), low=Array("float32", ("M", "Q")),
    high=Array("float32", ("M", "Q")), rank=Array("int32", ("M", "Q")),
    best=Array("uint8", ("M", "Q")), p_best=Array("float32", ("Q",)),
    n=Value(int), samples=Array("int32", ("n",)), values=Array("float32", ("M", "Q", "n")),
    baseline=_STR, sentence=_STR,
    curves=Maybe(Struct(fractions=Array("float32", ("S",)),
                        deletion=Array("float32", ("M", "S")),
                        insertion=Array("float32", ("M", "S")))),
)
CHART = Struct(
    title=_STR, x_label=_STR, y_label=_STR, xs=Array("float32", ("P",)),
    series=ListOf(Struct(name=_STR, color=_STR, ys=Array("float32", ("P",)))),
    y_percent=Value(bool), point_labels=ListOf(_STR),
)
EXTRAS = Struct(charts=ListOf(CHART, scoped=True),
                tables=ListOf(Struct(caption=_STR, rows=ListOf(ListOf(_STR, 2)))))


def split_view_options(cls: type, view: Mapping[str, Any] | None,
                       compare_kwargs: dict[str, Any],
                       caller: Callable[..., Any] | None = None) -> dict[str, Any]:
    """Take the view options out of ``compare_kwargs`` (they may come as plain keywords or in a
    ``view`` dict); whatever is left must be a keyword of :func:`compare_attributions`. A
    misspelt keyword's hint and list also cover the keywords of ``caller`` (the classmethod
    building the view), so ``titel=`` suggests ``title``."""
    options = {**dict(view or {}),
               **{k: compare_kwargs.pop(k) for k in VIEW_OPTIONS if k in compare_kwargs}}
    check_view_options(cls, options, VIEW_OPTIONS)
    # the positional arguments are the view's own; every other keyword of compare_attributions
    accepted = tuple(p for p in inspect.signature(compare_attributions).parameters
                     if p not in ("model", "inputs", "target", "methods"))
    own = () if caller is None else tuple(
        p.name for p in inspect.signature(caller).parameters.values()
        if p.kind is p.KEYWORD_ONLY)
    check_view_options(cls, compare_kwargs, accepted + VIEW_OPTIONS + own, "the keywords")
    return options


class ComparisonView(XaiWidget, Linkable):
    """Inputs and one attribution heatmap per method, side by side, with quality metrics.

    Build it from an :class:`~xaiwidgets.AttributionResult` alone (computed by
    :func:`~xaiwidgets.compare_attributions`, opened with :func:`~xaiwidgets.open_result`, or
    rows of either: ``ComparisonView(result[10:20])``), or with :meth:`from_model`, which
    computes the result first. The view computes nothing itself: the metric table is
    ``result.metric_summary()``, the curves ``result.mean_curves()``. Colormap, opacity,
    threshold and hover run in the browser without a kernel round-trip; samples that are not
    embedded (see ``max_payload_bytes``) are fetched one at a time through the fetch channel.

    Parameters
    ----------
    result : AttributionResult
    class_names : sequence of str or dict of int to str, optional
    feature_names : sequence of str, optional
        Tabular column names.
    tokens : sequence of sequence of str, optional
        Sequence inputs: one string per step and sample (text is always rendered as text).
    title : str, optional
    max_payload_bytes : int, default=8 MiB
        Cap on the tensor bytes embedded in the widget state.
    display_size : int, default=224
        Images larger than this (longer side) are area-downsampled for display.
    colormap, opacity, threshold, overlay
        Initial view settings (the view changes them locally, with no kernel round-trip).
    sign : {"all", "positive", "negative", "absolute"}, default="all"
        Captum's sign modes: which part of signed attributions is shown.
    shared_scale : bool, default=False
        One colour scale for every method of the sample (else one per method).
    clip_outliers : bool, default=False
        Saturate values beyond the 99th percentile of ``|value|``.
    extras : dict, optional
        More panels under the metrics, drawn by the same view live and in exports:
        ``{"charts": [chart, ...], "tables": [{"caption": str, "rows": [[str, str], ...]}]}``
        where a chart is ``{"title", "x_label", "y_label", "xs": array, "series": [{"name",
        "ys": array, "color"}], "point_labels": [str] (optional), "y_percent": bool}``
        (e.g. the explanatory masks' size trade-off and statistics).
    mask_methods : sequence of str, optional
        Methods whose maps are keep-masks (e.g. ``"Explanatory mask"``): over an image they are
        drawn as the masked input, what the model sees, rather than as a heatmap.
    """

    _bundle = "comparison.js"

    def _link_length(self) -> int:
        return int(self.n_samples)

    kind = t.Unicode("image").tag(sync=True)
    task = t.Unicode("multiclass").tag(sync=True)
    title = t.Unicode("").tag(sync=True)
    methods = t.List(t.Unicode()).tag(sync=True)
    method_colors = t.List(t.Unicode()).tag(sync=True)
    mask_methods = t.List(t.Unicode()).tag(sync=True)
    class_names = t.List(t.Unicode()).tag(sync=True)
    feature_names = t.List(t.Unicode()).tag(sync=True)
    n_samples = t.Int(0).tag(sync=True)
    n_outputs = t.Int(0).tag(sync=True)
    n_classes = t.Int(0).tag(sync=True)
    explainable = t.Bool(False).tag(sync=True)
    _fetch_schemas: ClassVar[dict[str, Field]] = {"sample": BLOCK, "explain": BLOCK}
    data = wire_trait(BLOCK)
    sample = t.Int(0).tag(sync=True)
    metrics = wire_trait(METRICS)
    extras = wire_trait(EXTRAS)
    colormap = t.Enum(COLORMAPS, default_value="RdBu").tag(sync=True)
    opacity = t.Float(0.6, min=0.0, max=1.0).tag(sync=True)
    threshold = t.Float(0.0, min=0.0, max=1.0).tag(sync=True)
    overlay = t.Bool(True).tag(sync=True)
    sign = t.Enum(SIGN_MODES, default_value="all").tag(sync=True)
    shared_scale = t.Bool(False).tag(sync=True)
    clip_outliers = t.Bool(False).tag(sync=True)

    @t.validate("sample")
    def _check_sample(self, proposal: t.Bunch) -> int:
        return check_index(proposal["value"], f"{type(self).__name__}.sample", self.n_samples,
                           what=f"the {self.n_samples} samples of the result")

    def __init__(
        self,
        result: AttributionResult,
        *,
        class_names: Sequence[str] | None = None,
        feature_names: Sequence[str] | None = None,
        tokens: Sequence[Sequence[str]] | None = None,
        title: str = "Attributions side by side",
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
        display_size: int = 224,
        extras: Mapping[str, Any] | None = None,
        mask_methods: Sequence[str] = (),
        **view: Any,
    ) -> None:
        if not isinstance(result, AttributionResult):
            raise TypeError("argument 'result': expected an AttributionResult (use "
                            "ComparisonView.from_model(...) to compute one), got "
                            f"{describe(result)}")
        check_keywords(type(self), view, VIEW_OPTIONS)
        self.result = result
        self._display_size = check_int(display_size, "display_size", low=4)
        max_payload_bytes = check_int(max_payload_bytes, "max_payload_bytes", low=1)
        n = len(result.target)
        self._tokens = self._check_tokens(tokens, result)
        n_classes = {"multiclass": result.n_outputs, "binary": 2}.get(result.task, 0)
        names = check_class_names(class_names, n_classes)
        n_cols = result.inputs.shape[1] if result.kind == "tabular" else 0
        feats = (check_names(feature_names, n_cols, "feature_names", "column")
                 if result.kind == "tabular" else [])
        if feature_names is not None and result.kind != "tabular":
            raise ValueError(f"argument 'feature_names': only for tabular inputs, got kind "
                             f"{result.kind!r} (sequences take tokens=...)")
        per_sample = payload_nbytes(self._block(np.array([0])))
        keep = int(max(1, min(n, max_payload_bytes // max(per_sample, 1))))
        if keep < n:
            warn_payload(type(self).__name__, per_sample * n, max_payload_bytes, keep, n)
        super().__init__(
            kind="sequence" if result.kind == "tokens" else result.kind, task=result.task,
            title=title, methods=list(result.methods),
            method_colors=method_colors(result.methods), class_names=names,
            feature_names=feats, n_samples=n, n_outputs=result.n_outputs, n_classes=n_classes,
            data=self._block(np.arange(keep)),
            metrics=self._metrics_state(result), extras=self._check_extras(extras),
            mask_methods=self._check_mask_methods(mask_methods, result), **view,
        )
        self._embedded = keep

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_model(
        cls,
        model: nn.Module,
        inputs: Any,
        target: Any = None,
        methods: Sequence[Any] | Mapping[str, Any] = DEFAULT_METHODS,
        *,
        class_names: Sequence[str] | None = None,
        feature_names: Sequence[str] | None = None,
        tokens: Sequence[Sequence[str]] | None = None,
        title: str = "Attributions side by side",
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
        display_size: int = 224,
        view: Mapping[str, Any] | None = None,
        **compare_kwargs: Any,
    ) -> ComparisonView:
        """Explain ``inputs`` with every method, score them, and build the widget.

        ``compare_kwargs`` go to :func:`xaiwidgets.compare_attributions` (``metrics``,
        ``metric_samples``, ``sensitivity_samples``, ``baseline``, ``steps``, ``kind``, ``task``,
        ``layer``, ``pad_id``, ``batch_size``, ``seed``, ``progress``, ``y``). The view options
        (``colormap``, ``opacity``, ``threshold``, ``overlay``, ``sign``, ``shared_scale``,
        ``clip_outliers``) may be given directly or as a ``view`` dict.
        """
        view = split_view_options(cls, view, compare_kwargs, cls.from_model)
        result = compare_attributions(model, inputs, target, methods, **compare_kwargs)
        widget = cls(result, class_names=class_names, feature_names=feature_names, tokens=tokens,
                     title=title, max_payload_bytes=max_payload_bytes, display_size=display_size,
                     **view)
        widget.enable_explain(model, methods, **compare_kwargs)
        return widget

    def enable_explain(self, model: nn.Module, methods: Sequence[Any] | Mapping[str, Any],
                       **compare_kwargs: Any) -> None:
        """Let the view ask for the explanation of another class than the one shown (fetched
        on demand: :func:`~xaiwidgets.compare_attributions` on that one sample, no metrics).
        ``from_model`` does it; call it on a widget built from a result to enable the choice."""
        if self.result.task == "regression":
            return
        kw = {k: v for k, v in compare_kwargs.items()
              if k not in ("metrics", "metric_samples", "sensitivity_samples", "progress", "y")}
        inputs = self.result.inputs

        def explain(i: int, target: int) -> AttributionResult:
            return compare_attributions(model, inputs[i:i + 1], [target], methods, metrics=[],
                                        progress=False, **kw)

        self._explain = explain
        self.explainable = True

    @staticmethod
    def _check_tokens(tokens: Any, result: AttributionResult) -> list[list[str]] | None:
        if tokens is None:
            return None
        if result.kind not in ("sequence", "tokens"):
            raise ValueError(f"argument 'tokens': only for sequence inputs, got kind "
                             f"{result.kind!r}")
        if isinstance(tokens, (str, bytes)) or not isinstance(tokens, Sequence) or any(
                isinstance(row, (str, bytes)) or not isinstance(row, Sequence) for row in tokens):
            raise TypeError("argument 'tokens': expected one list of strings per sample (one "
                            f"string per step), got {describe(tokens)}")
        toks = [[str(s) for s in row] for row in tokens]
        n, steps = result.inputs.shape[:2]
        if len(toks) != n or any(len(row) != steps for row in toks):
            lens = sorted({len(row) for row in toks})
            raise ValueError(f"argument 'tokens': expected {n} lists of {steps} strings (one per "
                             f"step), got {len(toks)} lists of lengths {lens[:5]}")
        return toks

    # -- wire state ------------------------------------------------------------------------
    def _display_attr(self, a: np.ndarray) -> np.ndarray:
        kind = self.result.kind
        if kind == "image":
            return display_image(a.sum(axis=1, keepdims=True), self._display_size)[:, 0]
        if kind in ("sequence", "tokens"):
            return a.reshape(a.shape[0], a.shape[1], -1).sum(axis=2)
        return a.reshape(a.shape[0], -1)

    def _block(self, idx: np.ndarray) -> dict[str, Any]:
        r = self.result
        block: dict[str, Any] = {
            "index": idx.astype(np.int32),
            "target": r.target[idx],
            "pred": r.y_pred[idx],
            "prob": r.prob[idx],
            "attributions": {m: self._heatmap(m, idx) for m in r.methods},
        }
        if r.y_true is not None:
            block["truth"] = r.y_true[idx].astype(np.float32)
        x = r.inputs[idx]
        if r.kind == "image":
            img = display_image(x, self._display_size).transpose(0, 2, 3, 1)
            block["inputs"] = Heatmap(img, signed=False)
        elif r.kind == "tabular":
            block["inputs"] = x.astype(np.float32)
        else:  # sequence / tokens (views/sequence.ts): padding travels as a mask, not as data
            block["tokens"] = self._words(idx)
            valid = self._valid()
            if valid is not None:
                block["valid"] = valid[idx].astype(np.uint8)
        return block

    # -- sequences: padding is never data (sequence view) ------------------------------------
    def _words(self, idx: np.ndarray) -> list[list[str]]:
        if self._tokens is not None:
            return [self._tokens[int(i)] for i in idx]
        return [[f"t{s}" for s in range(self.result.inputs.shape[1])] for _ in idx]

    def _valid(self) -> np.ndarray | None:
        """(N, T) bool: the real positions of a sequence (neither ``pad_id`` nor a ``""``
        token); None for other kinds or when every position is real."""
        r = self.result
        if r.kind not in ("sequence", "tokens"):
            return None
        cached = getattr(self, "_valid_cache", None)
        if cached is None:
            valid = r.valid()[:, :r.inputs.shape[1]].copy()
            if self._tokens is not None:
                valid &= np.array([[w != "" for w in row] for row in self._tokens], dtype=bool)
            cached = self._valid_cache = (valid,)
        return None if cached[0].all() else cached[0]

    def _heatmap(self, m: str, idx: np.ndarray, values: np.ndarray | None = None) -> Heatmap:
        """A method's values for samples ``idx``. Sequences: signedness and every sample's
        colour range come from its real positions only (padding is filled with a value inside
        that range, and the view hides it)."""
        a = self._display_attr(self.result.attributions[m][idx] if values is None else values)
        valid = self._valid()
        if self.result.kind not in ("sequence", "tokens"):
            return Heatmap(a)
        signed = self._signed(m)
        if valid is None:
            return Heatmap(a, signed=signed)
        v = valid[idx]
        if signed:
            fill = np.zeros((len(idx), 1))
        else:
            fill = np.where(v, a, np.inf).min(axis=1, keepdims=True)
            fill = np.where(np.isfinite(fill), fill, 0.0)
        return Heatmap(np.where(v, a, fill), signed=signed)

    def _signed(self, m: str) -> bool:
        """Sequences: a method is signed if any real position of any sample is negative (one
        answer for embedded and fetched samples alike)."""
        cache: dict[str, bool] = self.__dict__.setdefault("_signed_cache", {})
        if m not in cache:
            a = self._display_attr(self.result.attributions[m])
            valid = self._valid()
            cache[m] = bool((a[valid] < 0).any() if valid is not None else (a < 0).any())
        return cache[m]

    @staticmethod
    def _check_mask_methods(mask_methods: Any, result: AttributionResult) -> list[str]:
        if isinstance(mask_methods, str) or not isinstance(mask_methods, (Sequence, set)):
            raise TypeError(f"argument 'mask_methods': expected a list of method labels, got "
                            f"{describe(mask_methods)}")
        unknown = [m for m in mask_methods if m not in result.methods]
        if unknown:
            raise ValueError(f"argument 'mask_methods': {unknown} are not among the methods "
                             f"{result.methods}")
        return [str(m) for m in mask_methods]

    @staticmethod
    def _check_extras(extras: Mapping[str, Any] | None) -> dict[str, Any]:
        if extras is None:
            return {}
        if not isinstance(extras, Mapping) or set(extras) - {"charts", "tables"}:
            raise ValueError("argument 'extras': expected a dict with 'charts' and/or 'tables', "
                             f"got {describe(extras)}")
        out: dict[str, Any] = {"charts": [], "tables": []}
        for c in extras.get("charts", []):
            xs = np.asarray(c["xs"], dtype=np.float32)
            series = [{"name": str(sr["name"]), "color": str(sr.get("color", "#4e79a7")),
                       "ys": np.asarray(sr["ys"], dtype=np.float32)} for sr in c["series"]]
            if any(len(sr["ys"]) != len(xs) for sr in series):
                raise ValueError("argument 'extras': every chart series needs one value per x")
            out["charts"].append({"title": str(c.get("title", "")),
                                  "x_label": str(c.get("x_label", "")),
                                  "y_label": str(c.get("y_label", "")), "xs": xs,
                                  "series": series, "y_percent": bool(c.get("y_percent")),
                                  "point_labels": [str(v) for v in c.get("point_labels", [])]})
        for tb in extras.get("tables", []):
            out["tables"].append({"caption": str(tb.get("caption", "")),
                                  "rows": [[str(a), str(b)] for a, b in tb["rows"]]})
        return out

    @staticmethod
    def _metrics_state(r: AttributionResult) -> dict[str, Any]:
        if not r.metrics or not len(r.metric_indices):
            return {}  # nothing scored (or a selection of unscored samples): no table
        summ = r.metric_summary()
        keep = _shown_columns(summ)
        if not keep:
            return {}  # no metric has a value for any method: nothing to tabulate
        names = [summ.metrics[q] for q in keep]
        scored = r.scored_metrics()  # the samples every method was scored on
        idx = r.metric_indices
        per_sample = np.stack([np.stack([scored[m][k].astype(np.float32) for k in names])
                               for m in r.methods])
        state: dict[str, Any] = {
            "names": names,
            "labels": [REGISTRY[k].label_for(r.task) for k in names],
            "higher_is_better": [summ.higher_is_better[q] for q in keep],
            "paired": [summ.paired[q] for q in keep],
            "mean": summ.mean[:, keep].astype(np.float32),
            "low": summ.low[:, keep].astype(np.float32),
            "high": summ.high[:, keep].astype(np.float32),
            "rank": summ.rank[:, keep].astype(np.int32),
            "best": summ.best[:, keep].astype(np.uint8),
            "p_best": summ.p_best[keep].astype(np.float32),
            "n": int(summ.n[:, keep].max()),
            "samples": idx.astype(np.int32),
            "values": per_sample,  # (M, Q, K): each metric sample's own values
            "baseline": r.baseline,
            "sentence": summ.sentence(),
        }
        curves = r.mean_curves()
        if curves:
            state["curves"] = {
                "fractions": np.asarray(r.fractions, dtype=np.float32),
                "deletion": curves["deletion"],
                "insertion": curves["insertion"],
            }
        return state

    def _fetch(self, what: str, args: dict[str, Any]) -> dict[str, Any]:
        """``"sample"`` (``{index}``): the block of one sample; ``"explain"`` (``{index,
        target}``): that sample explained for class ``target``. (``"page"``, the standalone
        HTML export, is answered by the base for every view.)"""
        if what not in ("sample", "explain"):
            return super()._fetch(what, args)
        i = args.get("index")
        if isinstance(i, bool) or not isinstance(i, (int, float)) or not (
                0 <= int(i) < self.n_samples):
            raise ValueError(f"sample index must be in [0, {self.n_samples}), got {i!r}")
        idx = np.array([int(i)])
        block = self._block(idx)
        if what == "sample":
            return block
        explain = getattr(self, "_explain", None)
        target = args.get("target")
        if explain is None:
            raise ValueError("this widget was built from a result: call enable_explain(model, "
                             "methods) to explain other classes")
        if isinstance(target, bool) or not isinstance(target, (int, float)) or not (
                0 <= int(target) < max(self.n_classes, 1)):
            raise ValueError(f"class must be in [0, {self.n_classes}), got {target!r}")
        sub = explain(int(i), int(target))
        block.update(target=sub.target, prob=sub.prob, attributions={
            m: self._heatmap(m, idx, sub.attributions[m]) for m in sub.methods})
        return block

    # -- exports (XaiWidget.tables / to_csv) ----------------------------------------------
    def _tables(self) -> dict[str, Any]:
        """``metrics``: per method and metric, the mean over the scored samples with its
        bootstrap interval, ``n``, rank and the paired test's "best" (``metric_summary``)."""
        import pandas as pd

        r = self.result
        if not r.metrics or not len(r.metric_indices):
            return {}
        summ = r.metric_summary()
        rows = [{"method": method, "metric": metric,
                 "label": REGISTRY[metric].label_for(r.task),
                 "mean": float(summ.mean[m, q]), "low": float(summ.low[m, q]),
                 "high": float(summ.high[m, q]), "n": int(summ.n[m, q]),
                 "rank": int(summ.rank[m, q]), "best": bool(summ.best[m, q]),
                 "higher_is_better": bool(summ.higher_is_better[q])}
                for m, method in enumerate(summ.methods) for q, metric in enumerate(summ.metrics)]
        return {"metrics": pd.DataFrame(rows)}

    # -- static fallback -------------------------------------------------------------------
    def _static_html(self) -> str:
        r = self.result
        i = 0
        name = (self.class_names[int(r.target[i])] if self.class_names else str(r.target[i]))
        info = (f"output: {float(r.prob[i]):.3g}" if r.task == "regression" else
                f"target: {label(name)} · p={float(r.prob[i]):.3f}")
        parts = [f"{STATIC_DIV}<h4>{label(self.title)}</h4>",
                 f"<p>sample 0 of {self.n_samples} · {info}</p>"
                 "<div style='display:flex;gap:8px;flex-wrap:wrap'>"]
        if r.kind == "image":
            img = display_image(r.inputs[i:i + 1], self._display_size)[0].transpose(1, 2, 0)
            gray = image_u8(img)
            parts.append(figure("input", png_data_uri(gray)))
            for m in r.methods:
                a = self._display_attr(r.attributions[m][i:i + 1])[0]
                parts.append(self._static_heatmap(m, a, gray))
        elif r.kind in ("sequence", "tokens"):
            parts.append(self._static_sequence(i))
        else:
            labels = self.feature_names or (self._tokens[i] if self._tokens else None)
            for m in r.methods:
                a = self._display_attr(r.attributions[m][i:i + 1])[0]
                names = labels or [f"x{j}" for j in range(len(a))]
                rows = "".join(f"<tr><td>{label(nm)}</td><td>{v:+.3g}</td></tr>"
                               for nm, v in zip(names, a, strict=False))
                parts.append(f"<table><caption>{label(m)}</caption>{rows}</table>")
        parts.append("</div>")
        if self.metrics:
            parts.append(self._static_metrics())
        parts.append(self._static_extras())
        parts.append("<p><em>Static snapshot: run the notebook for the interactive view.</em>"
                     "</p></div>")
        return "".join(parts)

    def _static_heatmap(self, method: str, a: np.ndarray, gray: np.ndarray) -> str:
        """One method's map as the live view draws it by default: the live colormap (upper
        half for unsigned maps on a diverging one), over the input when ``overlay`` is on, with
        its colour bar and value range."""
        signed = bool((a < 0).any())
        codes, lo, hi = quantize_item(a, signed)
        lut = live_lut(self.colormap, signed)
        rgb = lut[codes].reshape(*a.shape, 3).astype(np.float64)
        shown = visible_codes(codes, signed, self.threshold).reshape(a.shape)
        if self.overlay and gray.shape[:2] == a.shape:
            base = np.repeat(gray[..., None], 3, axis=2) if gray.ndim == 2 else gray[..., :3]
            alpha = np.where(shown, self.opacity, 0.0)[..., None]
            rgb = alpha * rgb + (1 - alpha) * base
        else:  # hidden cells show the page (white), as transparent canvas cells do
            rgb = np.where(shown[..., None], rgb, 255.0)
        bar = colorbar_html(lut, lo, hi, signed)
        return (f"<figure style='margin:0'><img src='{png_data_uri(rgb.astype(np.uint8))}' "
                f"alt='{html.escape(method)}' style='image-rendering:pixelated'>"
                f"<figcaption>{label(method)}</figcaption>{bar}</figure>")

    def _static_sequence(self, i: int) -> str:
        """Sample i's tokens, one line per method, coloured with inline styles (``_html.py``)."""
        valid = self._valid()
        pos = np.flatnonzero(valid[i]) if valid is not None else np.arange(
            self.result.inputs.shape[1])
        words = self._words(np.array([i]))[0]
        rows = [SnapshotRow(m, pos, [words[p] for p in pos],
                            self._display_attr(self.result.attributions[m][i:i + 1])[0][pos],
                            self._signed(m)) for m in self.result.methods]
        return sequence_snapshot(rows, length=len(words), colormap=self.colormap,
                                 opacity=self.opacity, threshold=self.threshold,
                                 picture=self._snapshot_picture(i))

    def _snapshot_picture(self, i: int) -> Callable[[list[str | None]], str] | None:
        """Subclasses: a picture per method for sample i's snapshot (gets each position's
        colour, returns an ``<img>`` src); e.g. molecules (``masks._MoleculeComparison``)."""
        return None

    def _static_extras(self) -> str:
        """The ``extras`` charts (inline SVG) and tables, as plain HTML."""
        ex = self.extras or {}
        if not ex.get("charts") and not ex.get("tables"):
            return ""
        parts = ["<div style='display:flex;gap:16px;flex-wrap:wrap;align-items:flex-start;"
                 "margin-top:8px'>"]
        parts += [line_chart_svg(c) for c in ex.get("charts", [])]
        for tb in ex.get("tables", []):
            body = "".join(f"<tr><td>{label(a)}</td><td>{label(b)}</td></tr>"
                           for a, b in tb["rows"])
            parts.append(f"<table class='xai-stats'><caption>{label(tb['caption'])}"
                         f"</caption>{body}</table>")
        parts.append("</div>")
        return "".join(parts)

    def _static_metrics(self) -> str:
        r = self.result
        summ = r.metric_summary()
        keep = _shown_columns(summ)
        head = "".join(f"<th>{label(REGISTRY[summ.metrics[q]].label_for(r.task))}</th>"
                       for q in keep)
        rows = []
        for i, m in enumerate(r.methods):
            cells = []
            for q in keep:
                mean, lo, hi = summ.mean[i, q], summ.low[i, q], summ.high[i, q]
                text = f"{mean:.3g}" + (f" [{lo:.3g}, {hi:.3g}]" if np.isfinite(lo) else "")
                # a number and its interval stay on one line (a wrapped interval reads as two)
                bold = "font-weight:700;" if summ.best[i, q] else ""
                cells.append(f"<td style='{bold}{NOWRAP}'>{html.escape(text)}</td>")
            swatch = (f"<span style='display:inline-block;width:10px;height:10px;"
                      f"background:{method_color(m)};margin-right:4px'></span>")
            rows.append(f"<tr><td>{swatch}{label(m)}</td>{''.join(cells)}</tr>")
        return (f"<table><tr><th>method</th>{head}</tr>{''.join(rows)}"
                f"<caption style='caption-side:bottom;text-align:left'>"
                f"{html.escape(summ.sentence())}</caption></table>")



def _shown_columns(summ: MetricSummary) -> list[int]:
    """The metric columns with a value for at least one method: a metric that could not be
    measured for any method (e.g. a perturbation metric on token ids) is n/a in every row and
    only takes room, so the table and the static snapshot leave it out."""
    return [q for q in range(len(summ.metrics)) if np.isfinite(summ.mean[:, q]).any()]
