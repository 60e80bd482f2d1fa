"""AttributionComparison: inputs and one heatmap per method side by side, with quality metrics."""

from __future__ import annotations

import html
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import traitlets as t
from torch import nn

from .._core.validation import check_class_names, check_int, check_names, describe
from ..attributions.compare import DEFAULT_METHODS, AttributionResult, compare_attributions
from ._base import XaiWidget, check_view_options
from ._html import colorize, display_image, png_data_uri
from ._traits import DEFAULT_MAX_PAYLOAD_BYTES, Heatmap, payload_nbytes, warn_payload, wire_trait

__all__ = ["AttributionComparison"]

COLORMAPS = ("RdBu", "coolwarm", "viridis", "magma", "gray")
VIEW_OPTIONS = ("colormap", "opacity", "threshold", "overlay")


class AttributionComparison(XaiWidget):
    """Inputs and one attribution heatmap per method, side by side, with quality metrics.

    Build it with :meth:`from_model` (computes everything) or from a precomputed
    :class:`~xaiwidgets.AttributionResult`. Colormap, opacity, threshold and hover run in
    the browser without a kernel round-trip; samples that are not embedded (see
    ``max_payload_bytes``) are fetched one at a time through the fetch channel.

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
        Initial view settings.
    """

    _bundle = "comparison.js"

    kind = t.Unicode("image").tag(sync=True)
    task = t.Unicode("multiclass").tag(sync=True)
    title = t.Unicode("").tag(sync=True)
    methods = t.List(t.Unicode()).tag(sync=True)
    class_names = t.List(t.Unicode()).tag(sync=True)
    feature_names = t.List(t.Unicode()).tag(sync=True)
    n_samples = t.Int(0).tag(sync=True)
    n_outputs = t.Int(0).tag(sync=True)
    data = wire_trait()
    sample = t.Int(0).tag(sync=True)
    metrics = wire_trait()
    colormap = t.Enum(COLORMAPS, default_value="RdBu").tag(sync=True)
    opacity = t.Float(0.6, min=0.0, max=1.0).tag(sync=True)
    threshold = t.Float(0.0, min=0.0, max=1.0).tag(sync=True)
    overlay = t.Bool(True).tag(sync=True)

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
        **view: Any,
    ) -> None:
        if not isinstance(result, AttributionResult):
            raise TypeError("argument 'result': expected an AttributionResult (use "
                            "AttributionComparison.from_model(...) to compute one), got "
                            f"{describe(result)}")
        check_view_options(type(self), view, VIEW_OPTIONS)
        self.result = result
        self._display_size = int(check_int(display_size, "display_size", low=4))  # type: ignore
        max_payload_bytes = int(check_int(max_payload_bytes, "max_payload_bytes",  # type: ignore
                                          low=1))
        n = len(result.target)
        self._tokens = self._check_tokens(tokens, result)
        n_classes = (0 if result.task == "regression"
                     else int(max(result.target.max(), result.pred.max())) + 1)
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
            title=title, methods=list(result.methods), class_names=names,
            feature_names=feats, n_samples=n, n_outputs=result.n_outputs,
            data=self._block(np.arange(keep)),
            metrics=self._metrics_state(result), **view,
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
    ) -> AttributionComparison:
        """Explain ``inputs`` with every method, score them, and build the widget.

        ``compare_kwargs`` go to :func:`xaiwidgets.compare_attributions` (``metrics``,
        ``metric_samples``, ``sensitivity_samples``, ``baseline``, ``steps``, ``kind``, ``task``,
        ``layer``, ``pad_id``, ``batch_size``, ``seed``, ``progress``). ``view`` sets the initial
        ``colormap`` / ``opacity`` / ``threshold`` / ``overlay``.
        """
        check_view_options(cls, dict(view or {}), VIEW_OPTIONS)
        result = compare_attributions(model, inputs, target, methods, **compare_kwargs)
        return cls(result, class_names=class_names, feature_names=feature_names, tokens=tokens,
                   title=title, max_payload_bytes=max_payload_bytes, display_size=display_size,
                   **dict(view or {}))

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
            "pred": r.pred[idx],
            "prob": r.prob[idx],
            "attributions": {m: Heatmap(self._display_attr(r.attributions[m][idx]))
                             for m in r.methods},
        }
        x = r.inputs[idx]
        if r.kind == "image":
            img = display_image(x, self._display_size).transpose(0, 2, 3, 1)
            block["inputs"] = Heatmap(img, signed=False)
        elif r.kind == "tabular":
            block["inputs"] = x.astype(np.float32)
        elif self._tokens is not None:
            block["tokens"] = [self._tokens[i] for i in idx]
        else:
            block["tokens"] = [[f"t{s}" for s in range(x.shape[1])] for _ in idx]
        return block

    @staticmethod
    def _metrics_state(r: AttributionResult) -> dict[str, Any]:
        if not r.metrics:
            return {}
        info = r.metric_labels
        names = [k for k in info if k in r.metrics[r.methods[0]]]
        with warnings.catch_warnings():  # all-NaN metrics (e.g. infidelity on token ids): NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.array([[np.nanmean(r.metrics[m][k]) for k in names] for m in r.methods])
            # timings are one measurement per method: no spread to report (the view shows the mean)
            std = np.array([[np.nan if k == "seconds" else np.nanstd(r.metrics[m][k])
                             for k in names] for m in r.methods])
        state: dict[str, Any] = {
            "names": names,
            "labels": [info[k][0] for k in names],
            "higher_is_better": [info[k][1] for k in names],
            "mean": mean.astype(np.float32),
            "std": std.astype(np.float32),
            "n": len(r.metric_indices),
            "baseline": r.baseline,
        }
        if r.deletion_curves:
            state["curves"] = {
                "fractions": r.fractions.astype(np.float32),
                "deletion": np.stack([r.deletion_curves[m].mean(0) for m in r.methods]),
                "insertion": np.stack([r.insertion_curves[m].mean(0) for m in r.methods]),
            }
        return state

    def _fetch(self, what: str, args: dict[str, Any]) -> dict[str, Any]:
        """``what="sample"``, ``args={"index": i}``: the block of sample i."""
        if what != "sample":
            return super()._fetch(what, args)
        i = args.get("index")
        if isinstance(i, bool) or not isinstance(i, (int, float)) or not (
                0 <= int(i) < self.n_samples):
            raise ValueError(f"sample index must be in [0, {self.n_samples}), got {i!r}")
        return self._block(np.array([int(i)]))

    # -- static fallback -------------------------------------------------------------------
    def _static_html(self) -> str:
        r = self.result
        i = 0
        name = (self.class_names[int(r.target[i])] if self.class_names else str(r.target[i]))
        info = (f"output: {float(r.prob[i]):.3g}" if r.task == "regression" else
                f"target: {html.escape(name)} · p={float(r.prob[i]):.3f}")
        parts = [f"<div class='xai-static'><h4>{html.escape(self.title)}</h4>",
                 f"<p>sample 0 of {self.n_samples} · {info}</p>"
                 "<div style='display:flex;gap:8px;flex-wrap:wrap'>"]
        if r.kind == "image":
            img = display_image(r.inputs[i:i + 1], self._display_size)[0].transpose(1, 2, 0)
            lo, hi = img.min(), img.max()
            gray = ((img - lo) / ((hi - lo) or 1) * 255).astype(np.uint8)
            gray = gray[..., 0] if gray.shape[-1] == 1 else gray
            parts.append(_figure("input", png_data_uri(gray)))
            for m in r.methods:
                a = self._display_attr(r.attributions[m][i:i + 1])[0]
                parts.append(_figure(m, png_data_uri(colorize(a, signed=bool((a < 0).any())))))
        else:
            labels = self.feature_names or (self._tokens[i] if self._tokens else None)
            for m in r.methods:
                a = self._display_attr(r.attributions[m][i:i + 1])[0]
                names = labels or [f"x{j}" for j in range(len(a))]
                rows = "".join(f"<tr><td>{html.escape(str(nm))}</td><td>{v:+.3g}</td></tr>"
                               for nm, v in zip(names, a, strict=False))
                parts.append(f"<table><caption>{html.escape(m)}</caption>{rows}</table>")
        parts.append("</div>")
        if self.result.metrics:
            parts.append(self._static_metrics())
        parts.append("<p><em>Static snapshot: run the notebook for the interactive view.</em>"
                     "</p></div>")
        return "".join(parts)

    def _static_metrics(self) -> str:
        r = self.result
        info = r.metric_labels
        names = [k for k in info if k in r.metrics[r.methods[0]]]
        summary = r.summary()
        head = "".join(f"<th>{html.escape(info[k][0])}</th>" for k in names)
        body = "".join(
            f"<tr><td>{html.escape(m)}</td>"
            + "".join(f"<td>{summary[m][k]:.3g}</td>" for k in names) + "</tr>"
            for m in r.methods)
        return f"<table><tr><th>method</th>{head}</tr>{body}</table>"


def _figure(caption: str, uri: str) -> str:
    return (f"<figure style='margin:0'><img src='{uri}' alt='{html.escape(caption)}'>"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")
