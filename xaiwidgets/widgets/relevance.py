"""SENNView: a self-explaining network's relevances per concept, its concept activations,
prototypes of learned concepts and the stability of its explanation beside other methods'."""

from __future__ import annotations

import html
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np
import torch
import traitlets as t

from .._core.validation import (
    as_tensor,
    check_class_names,
    check_int,
    check_names,
    describe,
)
from ..senn.explain import (
    Prototypes,
    SENNExplanation,
    StabilityResult,
    prototypes,
    stability,
)
from ..senn.modules import SENN
from ._base import XaiWidget, check_keywords
from ._html import STATIC_DIV, display_image, figure, image_u8, label, live_lut, png_data_uri
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

__all__ = ["SENNView"]

# -- the wire (js/README.md "SENNView state"; js/src/relevance.ts) -----------------------------
#: K samples with k concepts each (also the "sample" fetch).
SENN_BLOCK = Struct(
    index=Array("int32", ("K",)), target=Array("int32", ("K",)), pred=Array("int32", ("K",)),
    prob=Array("float32", ("K",)), concepts=Array("float32", ("K", "k")),
    relevances=Array("float32", ("K", "k")),
    # quantised images (K, H, W, C), or rows (K, F)
    inputs=OneOf(HeatmapOf(("K", None, None, None), signed=False),
                 Array("float32", ("K", None))),
)
#: R concepts' first m prototypes (also the "prototypes" fetch).
PROTOTYPES = Struct(
    concepts=Array("int32", ("R",)), top_k=Value(int), indices=Array("int32", ("R", "m")),
    activations=Array("float32", ("R", "m")),
    images=Maybe(HeatmapOf(("R", "m", None, None, None), signed=False)),
)
#: M methods' local Lipschitz estimates on n samples.
STABILITY = Struct(
    methods=ListOf(Value(str), "M"), mean=Array("float32", ("M",)),
    std=Array("float32", ("M",)), values=Array("float32", ("M", "n")),
    indices=Array("int32", ("n",)), mode=Value(str), eps=Value(float), n_samples=Value(int),
    space=Value(str),
)


class SENNView(XaiWidget, Linkable):
    """A SENN's explanation of each sample: relevance bars per concept (or feature), the
    concept activations beside them, prototypes of learned concepts, and a stability panel.

    The view computes nothing and draws from its result alone: a
    :class:`~xaiwidgets.senn.SENNExplanation` (``senn.explain(X)``), with the prototypes and
    the stability check it carries (:meth:`~xaiwidgets.senn.SENNExplanation.with_prototypes`,
    :meth:`~xaiwidgets.senn.SENNExplanation.with_stability`), or let :meth:`from_model`
    compute them. Sample selection, sorting and hover read-outs run in the browser; samples
    beyond the payload cap are fetched from the kernel one at a time, and prototypes that were
    not embedded concept by concept.

    Parameters
    ----------
    explanation : SENNExplanation
    class_names : sequence of str or dict, optional
    feature_names : sequence of str, optional
        Identity concepts: names of the F features (``"bias"`` names the constant concept).
    concept_names : sequence of str, optional
        Names of the k concepts (default: the explanation's).
    title : str
    sort : bool, default=False
        Start with the bars sorted by |relevance| (a view toggle).
    embed_prototypes : int, optional
        Prototypes per concept embedded in the state (default: all); the rest are fetched.
    max_payload_bytes : int, default=8 MiB
    display_size : int, default=112
        Longer side of displayed images and prototypes (area-downsampled beyond it).
    sample : int, default=0
        The sample shown first.
    prototypes, prototype_data, stability
        Deprecated (FutureWarning): ``explanation.with_prototypes(prototypes(senn, data))`` and
        ``explanation.with_stability(...)``.
    """

    _bundle = "relevance.js"

    def _link_length(self) -> int:
        return int(self.n_samples)

    kind = t.Unicode("tabular").tag(sync=True)
    title = t.Unicode("").tag(sync=True)
    class_names = t.List(t.Unicode()).tag(sync=True)
    concept_names = t.List(t.Unicode()).tag(sync=True)
    learned = t.Bool(False).tag(sync=True)
    n_samples = t.Int(0).tag(sync=True)
    sample = t.Int(0).tag(sync=True)
    _fetch_schemas: ClassVar[dict[str, Field]] = {"sample": SENN_BLOCK,
                                                  "prototypes": PROTOTYPES}
    data = wire_trait(SENN_BLOCK)
    prototypes = wire_trait(PROTOTYPES)
    stability = wire_trait(STABILITY)
    sort = t.Bool(False).tag(sync=True)

    @t.validate("sample")
    def _check_sample(self, proposal: t.Bunch) -> int:
        return check_index(proposal["value"], f"{type(self).__name__}.sample", self.n_samples,
                           what=f"the {self.n_samples} samples of the explanation")

    def __init__(
        self,
        explanation: SENNExplanation,
        *,
        class_names: Sequence[str] | Mapping[int, str] | None = None,
        feature_names: Sequence[str] | None = None,
        concept_names: Sequence[str] | None = None,
        title: str = "SENN: relevance of each concept",
        sort: bool = False,
        embed_prototypes: int | None = None,
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
        display_size: int = 112,
        sample: int = 0,
        prototypes: Prototypes | None = None,
        prototype_data: Any = None,
        stability: StabilityResult | None = None,
        **options: Any,
    ) -> None:
        # strict keywords: a misspelt option is an error with a hint, not Python's bare one
        check_keywords(type(self), options)
        if not isinstance(explanation, SENNExplanation):
            raise TypeError("argument 'explanation': expected a SENNExplanation (senn.explain(X), "
                            f"or SENNView.from_model(senn, X)), got {describe(explanation)}")
        ex = _attach_deprecated(explanation, prototypes, prototype_data, stability)
        n = len(ex)
        self.explanation = ex
        self._display_size = check_int(display_size, "display_size", low=4)
        cap = check_int(max_payload_bytes, "max_payload_bytes", low=1)
        check_int(sample, "sample", low=0, high=max(0, n - 1))
        names = self._concept_names(ex, feature_names, concept_names)
        n_classes = ex.thetas.shape[2]
        classes = check_class_names(class_names, n_classes) or [str(c) for c in range(n_classes)]
        embed = ex.prototypes.indices.shape[1] if ex.prototypes is not None else 0
        if embed_prototypes is not None:
            embed = min(embed, check_int(embed_prototypes, "embed_prototypes", low=0))
        protos = self._prototype_block(embed)
        per_sample = payload_nbytes(self._block(np.array([0])))
        keep = int(max(1, min(n, (cap - payload_nbytes(protos)) // max(per_sample, 1))))
        if keep < n:
            warn_payload(type(self).__name__, per_sample * n + payload_nbytes(protos), cap,
                         keep, n)
        super().__init__(
            kind=ex.kind, title=title, class_names=classes, concept_names=names,
            learned=bool(ex.learned), n_samples=n, sample=int(sample),
            data=self._block(np.arange(keep)), prototypes=protos,
            stability=self._stability_state(ex.stability), sort=bool(sort))
        self._embedded = keep

    @property
    def stability_result(self) -> StabilityResult | None:
        """The stability check the view shows (the explanation's)."""
        return self.explanation.stability

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_model(
        cls,
        senn: SENN,
        X: Any,
        target: Any = None,
        *,
        y_true: Any = None,
        prototypes_from: Any = None,
        top_k: int = 8,
        stability_methods: Sequence[Any] | Mapping[str, Any] | None = None,
        stability_model: torch.nn.Module | None = None,
        stability_samples: int = 32,
        stability_kwargs: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> SENNView:
        """Explain ``X`` with the SENN (with prototypes and a stability check) and build the
        view: ``SENNView(explanation)`` of the result this computes.

        Parameters
        ----------
        senn : SENN
        X : Tensor, ndarray or DataFrame
            The samples.
        target : int or sequence of int, optional
            Explained class (default: predicted).
        y_true : sequence of int, optional
            True labels.
        prototypes_from : Tensor or ndarray, optional
            Data to pick each learned concept's ``top_k`` prototypes from (e.g. the training
            set); default: ``X``. Unused for identity concepts.
        top_k : int, default=8
        stability_methods : list or dict, optional
            Methods to compare SENN's stability with (e.g. ``["saliency",
            "integrated_gradients"]``): :func:`xaiwidgets.senn.stability` on the first
            ``stability_samples`` samples. None: no stability panel.
        stability_model : nn.Module, optional
            The model those methods explain (default: the SENN).
        stability_kwargs : dict, optional
            ``eps``, ``n_samples``, ``mode``, ``data``, ``space``, ``seed`` for
            :func:`xaiwidgets.senn.stability`.
        **kwargs
            The constructor's options (``class_names``, ``feature_names``, ``title``...).
        """
        if not isinstance(senn, SENN):
            raise TypeError(f"argument 'senn': expected a SENN, got {describe(senn)}")
        check_keywords(cls, kwargs)  # before any computation
        ex = senn.explain(X, target, y_true=y_true)
        if senn.learned:
            ex = ex.with_prototypes(prototypes(senn, X if prototypes_from is None
                                               else prototypes_from, top_k))
        if stability_methods is not None:
            m = check_int(stability_samples, "stability_samples", low=1)
            x = as_tensor(X, "X")[:m]
            ex = ex.with_stability(stability(senn, x, stability_methods, model=stability_model,
                                             **dict(stability_kwargs or {})))
        return cls(ex, **kwargs)

    @staticmethod
    def _concept_names(ex: SENNExplanation, feature_names: Any, concept_names: Any
                       ) -> list[str]:
        k = ex.concepts.shape[1]
        if concept_names is not None:
            return check_names(concept_names, k, "concept_names", "concept")
        if feature_names is not None:
            if ex.learned:
                raise ValueError("argument 'feature_names': the concepts of this SENN are "
                                 "learned, not features; name them with concept_names=")
            n_feat = int(np.prod(ex.inputs.shape[1:]))
            names = check_names(feature_names, n_feat, "feature_names", "feature")
            return names + ["bias"] * (k - n_feat)
        return list(ex.concept_names)

    # -- wire state ------------------------------------------------------------------------
    def _images(self, x: np.ndarray) -> Heatmap:
        img = display_image(np.ascontiguousarray(x, dtype=np.float32), self._display_size)
        return Heatmap(img.transpose(0, 2, 3, 1), signed=False)

    def _block(self, idx: np.ndarray) -> dict[str, Any]:
        ex = self.explanation
        block: dict[str, Any] = {
            "index": idx.astype(np.int32),
            "target": np.asarray(ex.target[idx]), "pred": np.asarray(ex.y_pred[idx]),
            "prob": np.asarray(ex.prob[idx]),
            "concepts": np.asarray(ex.concepts[idx], dtype=np.float32),
            "relevances": np.asarray(ex.relevances[idx], dtype=np.float32),
        }
        x = np.asarray(ex.inputs[idx])
        block["inputs"] = (self._images(x) if ex.kind == "image"
                           else x.reshape(len(idx), -1).astype(np.float32))
        return block

    def _prototype_block(self, per_concept: int, concepts: Sequence[int] | None = None
                         ) -> dict[str, Any]:
        protos = self.explanation.prototypes
        if protos is None:
            return {}
        k, top = protos.indices.shape
        rows = list(range(k)) if concepts is None else list(concepts)
        m = min(per_concept, top)
        idx = np.asarray(protos.indices)[rows, :m]
        block: dict[str, Any] = {
            "concepts": np.asarray(rows, dtype=np.int32),
            "top_k": int(top),
            "indices": idx.astype(np.int32),
            "activations": np.asarray(protos.activations)[rows, :m].astype(np.float32),
        }
        if m and self.explanation.kind == "image" and protos.inputs is not None:
            x = np.asarray(protos.inputs)[rows, :m]
            img = self._images(x.reshape(-1, *x.shape[2:]))
            block["images"] = Heatmap(img.values.reshape(len(rows), m, *img.values.shape[1:]),
                                      signed=False)
        return block

    @staticmethod
    def _stability_state(s: StabilityResult | None) -> dict[str, Any]:
        if s is None:
            return {}
        return {
            "methods": list(s.methods),
            "mean": np.array(list(s.mean().values()), dtype=np.float32).reshape(-1),
            "std": np.array(list(s.std().values()), dtype=np.float32).reshape(-1),
            "values": s.values.astype(np.float32), "indices": s.indices.astype(np.int32),
            "mode": s.mode, "eps": float(s.eps), "n_samples": int(s.n_samples),
            "space": s.space,
        }

    def _fetch(self, what: str, args: dict[str, Any]) -> dict[str, Any]:
        """``"sample"`` ``{"index": i}``: the block of sample i; ``"prototypes"``
        ``{"concept": j}``: all prototypes of concept j."""
        if what == "sample":
            i = _index(args.get("index"), self.n_samples, "sample index")
            return self._block(np.array([i]))
        protos = self.explanation.prototypes
        if what == "prototypes" and protos is not None:
            j = _index(args.get("concept"), len(self.concept_names), "concept")
            return self._prototype_block(protos.indices.shape[1], [j])
        return super()._fetch(what, args)

    # -- static snapshot -------------------------------------------------------------------
    def _tables(self) -> dict[str, Any]:
        """``relevances``: for the sample shown (``sample``), each concept's activation h(x),
        its relevance theta(x) for the explained class, and their product."""
        import pandas as pd

        ex = self.explanation
        i = int(self.sample)
        h = np.asarray(ex.concepts[i], dtype=np.float64).reshape(-1)
        theta = np.asarray(ex.relevances[i], dtype=np.float64).reshape(-1)
        names = list(self.concept_names)
        target = int(np.asarray(ex.target)[i])
        classes = list(self.class_names)
        return {"relevances": pd.DataFrame({
            "sample": i, "explained class": classes[target] if target < len(classes) else target,
            "concept": names[:len(h)], "activation": h, "relevance": theta,
            "contribution": h * theta})}

    def _static_html(self) -> str:
        ex = self.explanation
        i = int(self.sample)
        names = self.concept_names
        target = self.class_names[int(ex.target[i])]
        pred = self.class_names[int(ex.y_pred[i])]
        parts = [f"{STATIC_DIV}<h4>{label(self.title)}</h4>",
                 f"<p>sample {i} of {self.n_samples} · explained class: {label(target)} · "
                 f"predicted: {label(pred)} (p={float(ex.prob[i]):.3f})"
                 f"{self._static_truth(i)}</p>",
                 "<div style='display:flex;gap:16px;flex-wrap:wrap;align-items:flex-start'>"]
        if ex.kind == "image":
            img = self._images(np.asarray(ex.inputs[i:i + 1])).values[0]
            parts.append(figure("input", png_data_uri(image_u8(img), size=112)))
        parts.append(_bars_svg(names, ex.relevances[i], "relevance θ", signed=True))
        parts.append(_bars_svg(names, ex.concepts[i], "activation h(x)", signed=False,
                               show_labels=False))
        parts.append("</div>")
        if ex.prototypes is not None:
            parts.append(self._static_prototypes(ex.prototypes))
        if ex.stability is not None:
            parts.append(_stability_svg(ex.stability))
        parts.append("<p><em>Static snapshot: run the notebook for the interactive view.</em>"
                     "</p></div>")
        return "".join(parts)

    def _static_truth(self, i: int) -> str:
        """`` · true: name`` when the explanation holds true labels."""
        y = self.explanation.y_true
        if y is None:
            return ""
        v = y[i]
        name = (self.class_names[int(v)] if np.issubdtype(np.asarray(y).dtype, np.integer)
                and 0 <= int(v) < len(self.class_names) else str(v))
        return f" · true: {label(name)}"

    def _static_prototypes(self, protos: Prototypes) -> str:
        rows = []
        images = self.explanation.kind == "image" and protos.inputs is not None
        for j, name in enumerate(self.concept_names):
            cells = []
            if images:
                assert protos.inputs is not None
                x = np.asarray(protos.inputs[j, :6])
                for r, img in enumerate(self._images(x).values):
                    cells.append(f"<img src='{png_data_uri(image_u8(img), size=48)}' "
                                 f"alt='{html.escape(name)} prototype {r + 1}' "
                                 f"title='h = {protos.activations[j, r]:.3g}'>")
            else:
                cells.append(html.escape(", ".join(str(int(v)) for v in protos.indices[j, :6])))
            rows.append(f"<tr><th style='text-align:left'>{label(name)}</th>"
                        f"<td>{''.join(cells)}</td></tr>")
        return ("<table><caption>prototypes: the samples activating each concept most"
                f"</caption>{''.join(rows)}</table>")


def _attach_deprecated(ex: SENNExplanation, protos: Any, data: Any, stab: Any
                       ) -> SENNExplanation:
    """The explanation with the deprecated ``prototypes`` / ``prototype_data`` / ``stability``
    keywords attached as the result's own (a FutureWarning names the new form)."""
    if protos is None and data is None and stab is None:
        return ex
    warnings.warn("SENNView(prototypes=, prototype_data=, stability=) is deprecated: attach them "
                  "to the explanation, SENNView(explanation.with_prototypes(prototypes(senn, "
                  "data)).with_stability(stability(senn, X)))", FutureWarning, stacklevel=3)
    if protos is not None:
        if not isinstance(protos, Prototypes):
            raise TypeError(f"argument 'prototypes': expected a Prototypes "
                            f"(xaiwidgets.senn.prototypes(...)), got {describe(protos)}")
        if protos.inputs is None:
            if data is None:
                raise ValueError("argument 'prototype_data': needed with prototypes (the data "
                                 "their indices point into)")
            x = as_tensor(data, "prototype_data").detach().cpu().numpy()
            if protos.indices.size and int(protos.indices.max()) >= len(x):
                raise ValueError(f"argument 'prototype_data': the prototypes index up to "
                                 f"sample {int(protos.indices.max())}, but it holds {len(x)} "
                                 "samples")
            protos = replace(protos, inputs=x[np.asarray(protos.indices)])
        ex = ex.with_prototypes(protos)
    return ex if stab is None else ex.with_stability(stab)


def _index(value: Any, n: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            0 <= int(value) < n):
        raise ValueError(f"{what} must be in [0, {n}), got {value!r}")
    return int(value)






_RDBU = live_lut("RdBu", True)


def _bar_color(v: float, m: float) -> str:
    """The live view's signed bar colour (``signedColor``): RdBu, pushed off its pale centre
    and kept off its darkest ends."""
    d = 127.5 * (max(-1.0, min(1.0, v / m)) if m > 0 else 0.0)
    i = round(127.5 + (1 if d >= 0 else -1) * min(max(abs(d), 80), 108))
    r, g, b = _RDBU[min(255, max(0, i))]
    return f"#{int(r):02x}{int(g):02x}{int(b):02x}"


def _bars_svg(names: Sequence[str], values: np.ndarray, title: str, *, signed: bool,
              show_labels: bool = True) -> str:
    """A horizontal bar chart as inline SVG: bars from a centre axis, signed colours, values as
    text (no script, no ids)."""
    v = np.asarray(values, dtype=np.float64)
    row, label_w, bar_w = 16, (150 if show_labels else 0), 160
    width, height = label_w + bar_w + 72, 22 + row * len(v)
    m = float(np.abs(v).max()) if v.size else 0.0
    mid = label_w + bar_w / 2
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
           f"viewBox='0 0 {width} {height}' role='img' aria-label='{html.escape(title)}' "
           "style='font:11px system-ui,sans-serif'>",
           f"<text x='{label_w}' y='12' font-weight='600' fill='currentColor'>"
           f"{label(title, svg=True)}</text>",
           f"<line x1='{mid}' y1='18' x2='{mid}' y2='{height}' stroke='#999' stroke-width='1'/>"]
    for i, (name, x) in enumerate(zip(names, v, strict=False)):
        y = 20 + i * row
        w = 0.0 if m <= 0 else abs(x) / m * bar_w / 2
        x0 = mid if x >= 0 else mid - w
        colour = _bar_color(x, m) if signed else "#9aa1a9"  # activations: one neutral colour
        if show_labels:
            text = label(name, max_chars=28, svg=True, whole=True)
            out.append(f"<text x='{label_w - 4}' y='{y + 11}' text-anchor='end' "
                       f"fill='currentColor'>{text}</text>")
        out.append(f"<rect x='{x0:.1f}' y='{y + 2}' width='{max(w, 0.5):.1f}' "
                   f"height='{row - 4}' fill='{colour}'><title>{html.escape(str(name))}: "
                   f"{x:.3g}</title></rect>")
        out.append(f"<text x='{label_w + bar_w + 4}' y='{y + 11}' fill='currentColor'>"
                   f"{x:+.3g}</text>")
    out.append("</svg>")
    return "".join(out)


def _stability_svg(s: StabilityResult) -> str:
    """Mean local Lipschitz estimate per method on a log axis, as inline SVG."""
    means = s.mean()
    vals = np.array([means[m] for m in s.methods], dtype=np.float64)
    ok = np.isfinite(vals) & (vals > 0)
    row, label_w, bar_w = 18, 150, 200
    height = 6 + row * len(vals)
    width = label_w + bar_w + 70
    lo = float(np.log10(vals[ok].min())) - 0.5 if ok.any() else -1.0
    hi = float(np.log10(vals[ok].max())) + 0.1 if ok.any() else 0.0
    caption = (f"<p><b>Stability</b>: local Lipschitz estimate (lower is more stable), "
               f"{html.escape(s.mode)}, {s.values.shape[1]} samples, log axis</p>")
    out = [caption,
           f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
           f"viewBox='0 0 {width} {height}' role='img' aria-label='stability' "
           "style='font:11px system-ui,sans-serif'>"]
    for i, (name, v) in enumerate(zip(s.methods, vals, strict=True)):
        y = 2 + i * row
        w = 0.0 if not ok[i] else (np.log10(v) - lo) / ((hi - lo) or 1.0) * bar_w
        colour = "#59a14f" if name == "SENN" else "#bab0ac"
        out.append(f"<text x='{label_w - 4}' y='{y + 12}' text-anchor='end' "
                   f"fill='currentColor'>{label(name, svg=True)}</text>")
        out.append(f"<rect x='{label_w}' y='{y + 2}' width='{max(w, 0.5):.1f}' height='{row - 4}'"
                   f" fill='{colour}'><title>{html.escape(name)}: {v:.3g}</title></rect>")
        out.append(f"<text x='{label_w + w + 4:.1f}' y='{y + 12}' fill='currentColor'>"
                   f"{v:.3g}</text>")
    out.append("</svg>")
    return "".join(out)
