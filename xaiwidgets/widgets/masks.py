"""MaskHeatmap: a fitted MaskExplainer side by side with Captum baselines, plus mask extras.

The first panel is the explanatory mask (the explainer is Captum-compatible, so it runs through
the same :func:`~xaiwidgets.compare_attributions` as the baselines and gets the same metrics).
Next to it: the mask statistics (size, preserved predictions with soft and hard masks) and, when
a lam sweep is given, the trade-off curve as a bqplot chart. For SMILES every method also gets
the molecule drawn by RDKit with atoms coloured by that method's values.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np

from .._wire import DEFAULT_MAX_PAYLOAD_BYTES
from ..compare import AttributionResult, compare_attributions
from ..masks import MaskExplainer, MaskReport, TradeoffCurve
from .comparison import AttributionComparison

__all__ = ["MaskHeatmap"]

DEFAULT_BASELINES = ("integrated_gradients", "saliency", "occlusion", "gradient_shap")


class _PictureComparison(AttributionComparison):
    """AttributionComparison whose sequence blocks also carry one picture per method and sample
    (SVG bytes; the view shows them as ``data:`` URIs in ``<img>``, never as markup)."""

    def __init__(self, result: AttributionResult, *,
                 pictures: Mapping[str, Sequence[str]] | None = None, **kwargs: Any) -> None:
        self._pictures = {m: list(v) for m, v in (pictures or {}).items()}
        super().__init__(result, **kwargs)

    def _block(self, idx: np.ndarray) -> dict[str, Any]:
        block = super()._block(idx)
        if self._pictures:
            block["picture_type"] = "image/svg+xml"
            block["pictures"] = {m: [pics[int(i)].encode("utf-8") for i in idx]
                                 for m, pics in self._pictures.items()}
        return block

    def _static_html(self) -> str:
        page = super()._static_html()
        if not self._pictures:
            return page
        from ..smiles import svg_data_uri

        figs = "".join(
            f"<figure style='margin:0'><img src='{svg_data_uri(pics[0])}' "
            f"alt='{html.escape(m)}'><figcaption>{html.escape(m)}</figcaption></figure>"
            for m, pics in self._pictures.items())
        return page + f"<div style='display:flex;gap:8px;flex-wrap:wrap'>{figs}</div>"


class MaskHeatmap(widgets.VBox):
    """Explanatory masks next to Captum baselines, mask statistics and the lam trade-off.

    Build it with :meth:`from_explainer`. Children: the comparison widget (an
    :class:`~xaiwidgets.AttributionComparison`, ``.comparison``), then a row with the trade-off
    chart (``.chart``, a bqplot Figure, if a curve was given) and the statistics (``.stats``).

    Attributes
    ----------
    comparison : AttributionComparison
    result : AttributionResult
    report : MaskReport
    tradeoff : TradeoffCurve or None
    chart : bqplot.Figure or None
    stats : ipywidgets.HTML
    """

    def __init__(self, comparison: AttributionComparison, report: MaskReport,
                 tradeoff: TradeoffCurve | None = None, **kwargs: Any) -> None:
        if not isinstance(comparison, AttributionComparison):
            raise TypeError("argument 'comparison': expected an AttributionComparison, got "
                            f"{type(comparison).__name__}")
        self.comparison = comparison
        self.result = comparison.result
        self.report = report
        self.tradeoff = tradeoff
        self.chart = tradeoff.figure() if tradeoff is not None else None
        table = report.to_html() + (tradeoff.to_html() if tradeoff is not None else "")
        self.stats = widgets.HTML(value=table)
        row = [w for w in (self.chart, self.stats) if w is not None]
        super().__init__(children=[comparison, widgets.HBox(row)], **kwargs)

    @classmethod
    def from_explainer(
        cls,
        explainer: MaskExplainer,
        inputs: Any,
        baselines: Sequence[Any] | Mapping[str, Any] = DEFAULT_BASELINES,
        *,
        target: Any = None,
        tokens: Sequence[Sequence[str]] | None = None,
        smiles: Sequence[str] | None = None,
        class_names: Sequence[str] | None = None,
        tradeoff: TradeoffCurve | None = None,
        keep: float = 0.2,
        tol: float = 0.5,
        title: str = "Explanatory masks vs Captum",
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
        view: Mapping[str, Any] | None = None,
        **compare_kwargs: Any,
    ) -> MaskHeatmap:
        """Explain ``inputs`` with the fitted mask explainer and the Captum ``baselines``.

        Parameters
        ----------
        explainer : MaskExplainer
            A fitted explainer (its model is the one explained by every method).
        inputs : Tensor or ndarray
            Inputs of the modality the explainer was fitted on.
        baselines : list or dict
            Captum method names (or explainers) shown after the mask. For token ids they run at
            the explainer's embedding layer (Captum's layer variants).
        tokens : list of list of str, optional
            Sequences: one string per position and sample (padding may be ``""``: hidden).
        smiles : list of str, optional
            Token-id SMILES inputs: also draw every molecule with atoms coloured by each
            method's values (needs RDKit). Tokens default to the SMILES tokens.
        tradeoff : TradeoffCurve, optional
            From :func:`xaiwidgets.masks.size_tradeoff`; shown as a bqplot chart.
        keep : float, default=0.2
            Kept fraction of the hard masks in the statistics.
        tol : float, default=0.5
            Regression: tolerance on ``|delta prediction|`` in the statistics.
        compare_kwargs
            Passed to :func:`~xaiwidgets.compare_attributions` (``metrics``, ``metric_samples``,
            ``batch_size``, ``seed``, ``progress``...). For token ids ``layer`` and
            ``baseline`` default to the explainer's embedding layer and its ``pad_id`` (or 0).
        """
        if not isinstance(explainer, MaskExplainer):
            raise TypeError(f"argument 'explainer': expected a fitted MaskExplainer, got "
                            f"{type(explainer).__name__}")
        x = explainer._check_inputs(inputs)  # not fitted / wrong modality: clear errors first
        if isinstance(baselines, Mapping):
            methods: dict[str, Any] = {explainer.label: explainer, **baselines}
        else:
            methods = {explainer.label: explainer}
            for b in baselines:
                methods[b if isinstance(b, str) else str(getattr(b, "label", type(b).__name__))] = b
            from .._methods import METHODS

            methods = {(METHODS[k][0] if k in METHODS else k): v for k, v in methods.items()}
        kwargs = dict(compare_kwargs)
        if explainer.kind_ == "tokens":
            kwargs.setdefault("layer", explainer.layer_)
            kwargs.setdefault("baseline", explainer.pad_id if explainer.pad_id is not None else 0)
            kwargs.setdefault("kind", "sequence")
        result = compare_attributions(explainer.model, x, target, methods, **kwargs)
        report = explainer.evaluate(x, keep=(keep,), tol=tol)

        pictures = None
        if smiles is not None:
            smiles = [str(s) for s in smiles]
            if explainer.kind_ != "tokens" or len(smiles) != x.shape[0]:
                raise ValueError(f"argument 'smiles': expected one SMILES string per token-id "
                                 f"sample ({x.shape[0]}), got {len(smiles)} for "
                                 f"{explainer.kind_} inputs")
            from ..smiles import draw_molecule_svg, tokenize_smiles

            if tokens is None:
                steps = x.shape[1]
                tokens = [(tokenize_smiles(s) + [""] * steps)[:steps] for s in smiles]
            pictures = {}
            for m in result.methods:
                a = result.attributions[m]
                per_token = a.reshape(a.shape[0], a.shape[1], -1).sum(axis=2)
                pictures[m] = [draw_molecule_svg(s, per_token[i][:len(tokenize_smiles(s))])
                               for i, s in enumerate(smiles)]
        comparison = _PictureComparison(
            result, pictures=pictures, class_names=class_names, tokens=tokens, title=title,
            max_payload_bytes=max_payload_bytes, **dict(view or {}))
        return cls(comparison, report, tradeoff)

    # -- output ------------------------------------------------------------------------------
    def _extras_html(self) -> str:
        """The trade-off curve (static SVG) and the statistics tables, as plain HTML."""
        parts = ["<div style='display:flex;gap:16px;align-items:flex-start;margin-top:8px'>"]
        if self.tradeoff is not None:
            parts.append(self.tradeoff.to_svg())
        parts.append(self.report.to_html())
        if self.tradeoff is not None:
            parts.append(self.tradeoff.to_html())
        parts.append("</div>")
        return "".join(parts)

    def _static_html(self) -> str:
        return self.comparison._static_html() + self._extras_html()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        data = super()._repr_mimebundle_(**kwargs)
        if data is None:
            return None
        if isinstance(data, tuple):
            data, metadata = data
            data["text/html"] = self._static_html()
            return data, metadata
        data["text/html"] = self._static_html()
        return data

    def to_html(self, path: Any = None, *, title: str | None = None) -> str:
        """Standalone offline page: the interactive comparison (heatmaps, tokens, molecules,
        metrics), then the trade-off curve as a static SVG and the mask statistics."""
        return self.comparison.to_html(path, title=title, appendix=self._extras_html())
