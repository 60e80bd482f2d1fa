"""MaskView: explanatory masks next to Captum baselines, the mask quality and the trade-off.

A :class:`~xaiwidgets.ComparisonView` of a :class:`~xaiwidgets.MaskResult`: the first panel is
the explanatory mask (the explainer is Captum-compatible, so it runs through the same
:func:`~xaiwidgets.compare_attributions` as the baselines and gets the same metrics); under the
metrics, the mask quality table and, when the result has one, the trade-off curve as a line
chart (the comparison's ``extras``: the same drawing live, in dark mode, in the static snapshot
and in the exported page). For SMILES every method also gets the molecule, drawn in the browser
from RDKit's 2-D coordinates with atoms coloured by that method's values.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .._core.validation import check_number, describe
from ..attributions.compare import compare_attributions
from ..masks import DEFAULT_BASELINES, MaskExplainer, MaskReport, MaskResult, TradeoffCurve
from ._base import check_keywords
from ._molecules import MoleculeGeometry
from ._traits import DEFAULT_MAX_PAYLOAD_BYTES
from .comparison import VIEW_OPTIONS, ComparisonView, split_view_options

__all__ = ["MaskView"]


class MaskView(ComparisonView):
    """Explanatory masks next to Captum baselines, mask statistics and the size trade-off.

    Built from a :class:`~xaiwidgets.MaskResult` alone (``MaskView(result, **options)``), or
    computed and built in one call with :meth:`from_estimator`. Over an image the mask panel
    shows the masked input, what the model sees.

    Parameters
    ----------
    result : MaskResult
        From :meth:`MaskExplainer.explain`.
    class_names, feature_names, tokens, title, max_payload_bytes, display_size
        As for :class:`~xaiwidgets.ComparisonView`. With SMILES in the result, ``tokens``
        default to the SMILES tokens.
    **view
        The view options of :class:`~xaiwidgets.ComparisonView` (``colormap``, ``opacity``,
        ``threshold``, ``overlay``, ``sign``, ``shared_scale``, ``clip_outliers``).

    Attributes
    ----------
    mask_result : MaskResult
        The result drawn.
    result : AttributionResult
        Its comparison (what the heatmaps and metrics draw).
    report : MaskReport
    tradeoff : TradeoffCurve or None
    """

    def __init__(
        self,
        result: MaskResult,
        *,
        class_names: Sequence[str] | None = None,
        feature_names: Sequence[str] | None = None,
        tokens: Sequence[Sequence[str]] | None = None,
        title: str = "Explanatory masks vs Captum",
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
        display_size: int = 224,
        **view: Any,
    ) -> None:
        from ._molecules import check_smiles

        check_keywords(type(self), view, VIEW_OPTIONS)
        if not isinstance(result, MaskResult):
            raise TypeError("argument 'result': expected a MaskResult (use "
                            "MaskView.from_estimator(explainer, X) to compute one), got "
                            f"{describe(result)}")
        self.mask_result = result
        self._smiles: list[str] | None = None
        if result.smiles is not None:
            self._smiles = [str(s) for s in np.asarray(result.smiles)]
            for s in self._smiles:  # unparsable SMILES fail here, not when a sample is fetched
                check_smiles(s)
            if tokens is None:
                from ..datasets.smiles import tokenize_smiles

                steps = result.comparison.inputs.shape[1]
                tokens = [(tokenize_smiles(s) + [""] * steps)[:steps] for s in self._smiles]
        self._geometry: dict[int, MoleculeGeometry] = {}
        extras = {"charts": ([tradeoff_chart(result.tradeoff)]
                             if result.tradeoff is not None else []),
                  "tables": [report_rows(result.report)]}
        super().__init__(result.comparison, class_names=class_names,
                         feature_names=feature_names, tokens=tokens, title=title,
                         max_payload_bytes=max_payload_bytes, display_size=display_size,
                         extras=extras, mask_methods=[result.label], **view)

    @property
    def report(self) -> MaskReport:
        """The mask quality report drawn (``mask_result.report``)."""
        return self.mask_result.report

    @property
    def tradeoff(self) -> TradeoffCurve | None:
        """The trade-off curve drawn (``mask_result.tradeoff``)."""
        return self.mask_result.tradeoff

    @property
    def comparison(self) -> MaskView:
        """Deprecated: the view itself (it was a child comparison widget before 0.5)."""
        warnings.warn("MaskView.comparison is deprecated: MaskView is the comparison view "
                      "itself; use the view directly", FutureWarning, stacklevel=2)
        return self

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_estimator(
        cls,
        explainer: MaskExplainer,
        X: Any,
        baselines: Sequence[Any] | Mapping[str, Any] = DEFAULT_BASELINES,
        *,
        target: Any = None,
        tokens: Sequence[Sequence[str]] | None = None,
        smiles: Sequence[str] | None = None,
        class_names: Sequence[str] | None = None,
        feature_names: Sequence[str] | None = None,
        tradeoff: TradeoffCurve | None = None,
        keep: float = 0.2,
        tol: float = 0.5,
        title: str = "Explanatory masks vs Captum",
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
        display_size: int = 224,
        view: Mapping[str, Any] | None = None,
        **compare_kwargs: Any,
    ) -> MaskView:
        """Explain ``X`` with the fitted mask explainer and the Captum ``baselines``, score
        the masks, and build the view.

        Two public calls, then the view: :func:`~xaiwidgets.compare_attributions` with
        :meth:`MaskExplainer.compare_arguments`, and :meth:`MaskExplainer.explain`.

        Parameters
        ----------
        explainer : MaskExplainer
            A fitted explainer (its model is the one explained by every method).
        X : Tensor or ndarray
            Inputs of the modality the explainer was fitted on.
        baselines : list or dict
            Captum method names (or explainers) shown after the mask. For token ids they run at
            the explainer's embedding layer (Captum's layer variants).
        target : optional
            Explained classes (default: the model's predictions).
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
            The view options may be given here too, or as a ``view`` dict.
        """
        if not isinstance(explainer, MaskExplainer):
            raise TypeError(f"argument 'explainer': expected a fitted MaskExplainer, got "
                            f"{describe(explainer)}")
        view = split_view_options(cls, view, compare_kwargs, cls.from_estimator)
        check_number(keep, "keep", low=0.0, high=1.0, low_open=True)
        if tradeoff is not None and not isinstance(tradeoff, TradeoffCurve):
            raise TypeError(f"argument 'tradeoff': expected a TradeoffCurve from "
                            f"xw.size_tradeoff(...), got {describe(tradeoff)}")
        # not fitted / wrong modality / bad SMILES: clear errors before any computation
        x = explainer._check_inputs(X, "X")
        explainer._check_smiles(smiles, x.shape[0])
        kwargs = {**explainer.compare_arguments(baselines), **compare_kwargs}
        comparison = compare_attributions(explainer.model, x, target, **kwargs)
        result = explainer.explain(x, comparison, keep=keep, tol=tol, tradeoff=tradeoff,
                                   smiles=smiles)
        return cls(result, class_names=class_names, feature_names=feature_names,
                   tokens=tokens, title=title, max_payload_bytes=max_payload_bytes,
                   display_size=display_size, **view)

    @classmethod
    def from_explainer(cls, explainer: MaskExplainer, inputs: Any,
                       *args: Any, **kwargs: Any) -> MaskView:
        """Deprecated alias of :meth:`from_estimator` (removed in the next release)."""
        warnings.warn("MaskView.from_explainer is deprecated: use "
                      "MaskView.from_estimator(explainer, X, ...)", FutureWarning, stacklevel=2)
        return cls.from_estimator(explainer, inputs, *args, **kwargs)

    # -- molecules: the sequence blocks also carry each sample's molecule ---------------------
    def _block(self, idx: np.ndarray) -> dict[str, Any]:
        """The comparison's block; with SMILES also RDKit's 2-D coordinates, atom labels,
        token positions and bonds of each sample sent (the browser draws and colours them)."""
        from ._molecules import molecule_block, molecule_geometry

        block = super()._block(idx)
        if self._smiles is None:
            return block
        for i in map(int, idx):  # coordinates of the samples sent only, once each
            if i not in self._geometry:
                self._geometry[i] = molecule_geometry(self._smiles[i])
        block["molecules"] = molecule_block([self._geometry[int(i)] for i in idx])
        return block

    def _tables(self) -> dict[str, Any]:
        """The comparison's ``metrics``, and ``report``: the mask quality report per sample
        (mask size, locations above 0.5, whether the prediction survives the soft mask and
        the hard masks at each kept fraction, and the output change)."""
        import pandas as pd

        tables = super()._tables()
        rep = self.report
        frame = pd.DataFrame({"sample": np.arange(len(rep)),
                              "mask_sum": np.asarray(rep.mask_sum, dtype=np.float64),
                              "above_half": np.asarray(rep.above_half),
                              "locations": np.asarray(rep.locations),
                              "kept_soft": np.asarray(rep.kept_soft, dtype=bool)})
        hard = np.asarray(rep.kept_hard, dtype=bool).reshape(len(rep), -1)
        for j, keep in enumerate(rep.keep):
            frame[f"kept_hard top {keep:g}"] = hard[:, j]
        frame["abs_delta_soft"] = np.asarray(rep.abs_delta_soft, dtype=np.float64)
        frame["abs_delta_hard"] = np.asarray(rep.abs_delta_hard, dtype=np.float64)
        tables["report"] = frame
        return tables

    def _snapshot_picture(self, i: int) -> Callable[[list[str | None]], str] | None:
        """Static snapshots show RDKit pictures of the molecule in ``<img>``."""
        if self._smiles is None:
            return None
        from ._molecules import draw_molecule_svg, svg_data_uri

        smiles = self._smiles[i]
        return lambda colours: svg_data_uri(draw_molecule_svg(smiles, colours))


# -- drawing reports and trade-off curves (panels of the view) ------

def report_rows(report: MaskReport) -> dict[str, Any]:
    """The mask statistics as a table of the comparison's ``extras`` (formatting only: every
    figure is a summary of the report's rows)."""
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
