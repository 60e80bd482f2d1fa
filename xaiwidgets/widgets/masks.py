"""MaskView: a fitted MaskExplainer side by side with Captum baselines, plus mask extras.

The first panel is the explanatory mask (the explainer is Captum-compatible, so it runs through
the same :func:`~xaiwidgets.compare_attributions` as the baselines and gets the same metrics).
Next to it: the mask statistics (size, preserved predictions with soft and hard masks) and, when
a lam sweep is given, the trade-off curve as a line chart. For SMILES every method also gets
the molecule, drawn in the browser from RDKit's 2-D coordinates with atoms coloured by that
method's values (the view's colormap, threshold and opacity apply).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np

from .._core.explainers import METHODS
from .._core.validation import check_number, describe
from ..attributions.compare import AttributionResult, compare_attributions
from ..masks import MaskExplainer, MaskReport, TradeoffCurve
from ._molecules import MoleculeGeometry
from ._traits import DEFAULT_MAX_PAYLOAD_BYTES
from .comparison import ComparisonView, split_view_options

__all__ = ["MaskView"]

DEFAULT_BASELINES = ("integrated_gradients", "saliency", "occlusion", "gradient_shap")


class _MoleculeComparison(ComparisonView):
    """ComparisonView whose sequence blocks also carry each sample's molecule: RDKit's
    2-D coordinates, atom labels and token positions, and bonds (``molecules`` in the block;
    the browser draws and colours them). Static snapshots show RDKit pictures in ``<img>``."""

    def __init__(self, result: AttributionResult, *, smiles: Sequence[str],
                 **kwargs: Any) -> None:
        from ._molecules import check_smiles

        self._smiles = [str(s) for s in smiles]
        for s in self._smiles:  # unparsable SMILES fail here, not when a sample is fetched
            check_smiles(s)
        self._geometry: dict[int, MoleculeGeometry] = {}
        super().__init__(result, **kwargs)

    def _block(self, idx: np.ndarray) -> dict[str, Any]:
        from ._molecules import molecule_block, molecule_geometry

        block = super()._block(idx)
        for i in map(int, idx):  # coordinates of the samples sent only, once each
            if i not in self._geometry:
                self._geometry[i] = molecule_geometry(self._smiles[i])
        block["molecules"] = molecule_block([self._geometry[int(i)] for i in idx])
        return block

    def _snapshot_picture(self, i: int) -> Callable[[list[str | None]], str] | None:
        from ._molecules import draw_molecule_svg, svg_data_uri

        smiles = self._smiles[i]
        return lambda colours: svg_data_uri(draw_molecule_svg(smiles, colours))


class MaskView(widgets.VBox):
    """Explanatory masks next to Captum baselines, mask statistics and the size trade-off.

    Build it with :meth:`from_explainer`. Its one child is the comparison widget (an
    :class:`~xaiwidgets.ComparisonView`, ``.comparison``), which also draws the mask
    statistics and the trade-off curve (its ``extras``): the same chart live, in dark mode and
    in the exported page. The mask panel shows the masked input, what the model sees.

    Attributes
    ----------
    comparison : ComparisonView
    result : AttributionResult
    report : MaskReport
    tradeoff : TradeoffCurve or None
    """

    def __init__(self, comparison: ComparisonView, report: MaskReport,
                 tradeoff: TradeoffCurve | None = None, **kwargs: Any) -> None:
        if not isinstance(comparison, ComparisonView):
            raise TypeError("argument 'comparison': expected an ComparisonView, got "
                            f"{type(comparison).__name__}")
        self.comparison = comparison
        self.result = comparison.result
        self.report = report
        self.tradeoff = tradeoff
        super().__init__(children=[comparison], **kwargs)

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
    ) -> MaskView:
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
            From :func:`xaiwidgets.size_tradeoff`; drawn under the metrics.
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
                            f"{describe(explainer)}")
        view = split_view_options(cls, view, compare_kwargs)
        check_number(keep, "keep", low=0.0, high=1.0, low_open=True)
        if tradeoff is not None and not isinstance(tradeoff, TradeoffCurve):
            raise TypeError(f"argument 'tradeoff': expected a TradeoffCurve from "
                            f"xw.size_tradeoff(...), got {describe(tradeoff)}")
        x = explainer._check_inputs(inputs)  # not fitted / wrong modality: clear errors first
        if smiles is not None:
            smiles = [str(s) for s in smiles]
            if explainer.kind_ != "tokens" or len(smiles) != x.shape[0]:
                raise ValueError(f"argument 'smiles': expected one SMILES string per token-id "
                                 f"sample ({x.shape[0]}), got {len(smiles)} for "
                                 f"{explainer.kind_} inputs")
        if isinstance(baselines, Mapping):
            pairs = [(str(k), v) for k, v in baselines.items()]
        elif isinstance(baselines, (str, bytes)) or not isinstance(baselines, Sequence):
            raise TypeError(f"argument 'baselines': expected a list of method names or "
                            f"explainers, or a dict {{label: method}}, got {describe(baselines)}")
        else:
            pairs = [(b if isinstance(b, str) else str(getattr(b, "label", type(b).__name__)), b)
                     for b in baselines]
            pairs = [(METHODS[k][0] if k in METHODS else k, v) for k, v in pairs]
        # every panel needs its own label: a baseline named like the mask (or like another
        # baseline) would silently replace it
        labels = [explainer.label] + [k for k, _ in pairs]
        dupes = sorted({k for k in labels if labels.count(k) > 1})
        if dupes:
            clash = ("the mask explainer's label" if explainer.label in dupes
                     else "another baseline's label")
            raise ValueError(f"argument 'baselines': labels {dupes} appear twice (one is "
                             f"{clash}); each panel needs its own label: pass a dict "
                             "{label: method} with distinct labels, or set explainer.label")
        methods: dict[str, Any] = {explainer.label: explainer, **dict(pairs)}
        kwargs = dict(compare_kwargs)
        kwargs.setdefault("task", explainer.task_)
        if explainer.kind_ == "tokens":
            kwargs.setdefault("layer", explainer.layer_)
            kwargs.setdefault("baseline", explainer.pad_id if explainer.pad_id is not None else 0)
            kwargs.setdefault("pad_id", explainer.pad_id)
        result = compare_attributions(explainer.model, x, target, methods, **kwargs)
        report = explainer.evaluate(x, keep=(keep,), tol=tol)

        extra: dict[str, Any] = {}
        if smiles is not None:
            from ..datasets.smiles import tokenize_smiles

            if tokens is None:
                steps = x.shape[1]
                tokens = [(tokenize_smiles(s) + [""] * steps)[:steps] for s in smiles]
            extra["smiles"] = smiles
        kind = _MoleculeComparison if smiles is not None else ComparisonView
        panels = {"charts": [tradeoff_chart(tradeoff)] if tradeoff is not None else [],
                  "tables": [report_rows(report)]}
        comparison = kind(result, class_names=class_names, tokens=tokens, title=title,
                          max_payload_bytes=max_payload_bytes, extras=panels,
                          mask_methods=[explainer.label], **extra, **view)
        return cls(comparison, report, tradeoff)

    # -- output ------------------------------------------------------------------------------
    def _static_html(self) -> str:
        return self.comparison._static_html()  # the stats and the curve are its extras

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
        metrics, the trade-off curve and the mask statistics, drawn as in the notebook)."""
        return self.comparison.to_html(path, title=title)


# -- drawing reports and trade-off curves (panels of the view) ------

def report_rows(report: MaskReport) -> dict[str, Any]:
    """The mask statistics as a table of the comparison's ``extras``."""
    what = ("prediction kept" if not report.is_regression
            else f"|Δ prediction| ≤ {report.tol:g}")
    rows = [("samples", f"{report.n}"), ("mean mask value", f"{report.mask_mean:.3f}"),
            ("locations with m > 0.5", f"{report.frac_above_half:.1%}"),
            (f"{what}: soft mask", f"{report.preserved_soft:.1%}")]
    rows += [(f"{what}: top {k:.0%} kept (hard)", f"{v:.1%}")
             for k, v in report.preserved_hard.items()]
    return {"caption": "Mask quality", "rows": rows}


def tradeoff_chart(curve: TradeoffCurve) -> dict[str, Any]:
    """The size trade-off as a chart of the comparison's ``extras``."""
    return {"title": f"Trade-off over {curve.name}: mask size vs predictions kept",
            "x_label": "mean mask value (size)", "y_label": "predictions kept",
            "xs": curve.mask_mean, "y_percent": True,
            "point_labels": [curve.label(v) for v in curve.values],
            "series": [{"name": "soft mask", "ys": curve.preserved_soft, "color": "#4e79a7"},
                       {"name": f"hard mask, top {curve.kept} kept",
                        "ys": curve.preserved_hard, "color": "#e15759"}]}
