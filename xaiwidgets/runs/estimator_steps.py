"""Steps that run a fitted estimator on one shard of a dataset job.

Each step wraps one fitted estimator (or a SENN) and returns that method's result type on the
shard's samples, the same rows the in-memory method gives on those samples:

* :class:`MaskStep`: a fitted ``MaskExplainer`` -> ``MaskResult`` (the mask as the
  comparison's one method, and the mask report's rows);
* :class:`ConceptStep`: a fitted ``ConceptExtractor`` -> ``ConceptPredictions`` (predicted
  values, their probabilities, the model's class; optionally every chosen layer's probes);
* :class:`ConceptTreeStep`: the extractor and a fitted ``ConceptTree`` ->
  ``ConceptTreeResult`` (concepts, leaf, tree prediction, ``y_pred``);
* :class:`MemeStep`: a fitted ``MEME`` -> ``MemeTrace`` (padded to ``max_length`` steps);
* :class:`SENNStep`: a ``SENN`` -> ``SENNExplanation``;
* :class:`RedescriptionStep`: a fitted ``RedescriptionMiner`` -> ``RedescriptionResult``
  (whether each rule's left and right side holds on each sample of the shard).

A step is validated once, in the driver (:meth:`EstimatorStep.validate`), then computed on every
shard (:meth:`EstimatorStep.compute`). Computing is pure: the estimators are fitted and only
read, so the same samples give the same bytes (``seed`` is passed on where a method takes
one; no step draws random numbers of its own). Every shard's result has the same metadata
and the same trailing shapes, so the shards of a job are rows of one result.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import pickle
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, cast

import numpy as np
import torch
from torch import nn

from .._core.estimator import XaiEstimator
from .._core.persist import model_digest
from .._core.probe import ModelProbe, resolve_layer, run_model
from .._core.results import Result
from .._core.task import infer_task
from .._core.validation import (
    as_tensor,
    check_bool,
    check_int,
    check_model_output,
    check_number,
    describe,
)
from ..concepts import ConceptExtractor, ConceptPredictions, ConceptTree, ConceptTreeResult
from ..concepts.result import _COUNTED
from ..masks import MaskExplainer, MaskResult
from ..meme import MEME, MemeTrace
from ..redescriptions import RedescriptionMiner, RedescriptionResult
from ..redescriptions.mining import evaluate, query_from_data
from ..redescriptions.views import AttributeTable
from ..senn import SENN, SENNExplanation
from ..senn.explain import explain as senn_explain
from .steps import Step

__all__ = [
    "ActivationColumns",
    "ConceptStep",
    "ConceptTreeStep",
    "EstimatorStep",
    "InputColumns",
    "LabelColumns",
    "MaskStep",
    "MemeStep",
    "PredictionColumns",
    "RedescriptionStep",
    "SENNStep",
    "estimator_digest",
]


class EstimatorStep(Step):
    """A fitted estimator run on one shard: ``compute(model, X, y_true, seed) -> Result``.

    Subclasses set :attr:`result_type` and :attr:`name` (unique within a job: the store keeps
    the step's arrays under it), list the estimators they read in :attr:`_estimators` (their
    fitted state enters :meth:`config`, so resuming with a refitted estimator is refused) and
    implement :meth:`_validate` and :meth:`compute`.
    """

    #: The result type :meth:`compute` returns (the store reads the rows back as it).
    result_type: ClassVar[type[Result]] = Result
    #: Attributes holding the estimators (or modules) the step reads.
    _estimators: ClassVar[tuple[str, ...]] = ()
    name: str = ""

    def validate(self, model: nn.Module | None = None, X: Any = None,
                 y_true: Any = None) -> None:
        """Check the step once, in the driver, before any shard runs (a clear error naming
        the argument); with the job's model and first samples when given."""
        if not isinstance(self.name, str) or not self.name or "/" in self.name:
            raise ValueError(f"{type(self).__name__}: argument 'name': expected a non-empty "
                             f"name without '/', got {self.name!r}")
        self._validate()
        if model is not None:
            self._validate_model(model)

    def _validate(self) -> None:
        """The step's own checks (no data needed)."""

    def _validate_model(self, model: nn.Module) -> None:
        """Checks against the job's model (driver, once)."""

    def compute(self, model: nn.Module, X: Any, y_true: Any = None, seed: int = 0) -> Result:
        """The step's result on the samples ``X`` (one shard)."""
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        """The step's type, name, plain arguments and a digest of every estimator it reads."""
        out: dict[str, Any] = {"type": type(self).__name__, "name": self.name}
        for k, v in vars(self).items():
            if k in self._estimators:
                out[k] = None if v is None else estimator_digest(v)
            elif k != "name":
                out[k] = _plain(v)
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def _plain(v: Any) -> Any:
    """An argument as JSON that is the same in every process (no object addresses)."""
    if isinstance(v, (bool, int, float, str, type(None))):
        return v
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if callable(v) and hasattr(v, "__qualname__"):  # a function: by name
        return f"{v.__module__}.{v.__qualname__}"
    return repr(v)


def estimator_digest(est: Any) -> str:
    """sha256 of a fitted estimator's state: its model's weights (:func:`model_digest`) and
    everything else it holds, pickled (an ``nn.Module``: its weights), except timings: the
    same fitted state gives the same digest in any process."""
    if isinstance(est, nn.Module):
        return model_digest(est)
    h = hashlib.sha256()
    state = dict(vars(est))
    model = state.pop("model", None)
    if isinstance(model, nn.Module):
        h.update(model_digest(model).encode())
    for k in sorted(state):
        if "seconds" in k:  # timings of the fit differ from one fit to the next
            continue
        v = state[k]
        h.update(k.encode())
        h.update(model_digest(v).encode() if isinstance(v, nn.Module)
                 else pickle.dumps(v, protocol=4))
    return h.hexdigest()


def _check_fitted(est: Any, cls: type[XaiEstimator], step: str, arg: str) -> None:
    if not isinstance(est, cls):
        raise TypeError(f"{step}: argument '{arg}': expected a fitted {cls.__name__}, got "
                        f"{describe(est)}")
    est._check_fitted(step)


def _labels(y_true: Any) -> np.ndarray | None:
    if y_true is None:
        return None
    if isinstance(y_true, torch.Tensor):
        return y_true.detach().cpu().numpy()
    return np.asarray(y_true)


# -- masks ---------------------------------------------------------------------------------


class MaskStep(EstimatorStep):
    """A fitted :class:`~xaiwidgets.MaskExplainer` on a shard, as a ``MaskResult``.

    A ``MaskResult`` rather than an ``AttributionResult``: it holds both the mask (the
    comparison's one method, labelled ``explainer.label``, as ``compare_attributions`` gives it
    with the explainer as its method) and the mask report's per-sample outcome (mask size,
    prediction kept by the soft and hard masks, from ``metrics.faithfulness.mask_outcome``),
    which an ``AttributionResult`` has no rows for, and it is what ``MaskView`` draws.
    Attribution metrics of the mask belong to the job's attribution methods (the explainer can
    be one of them).

    Parameters
    ----------
    explainer : MaskExplainer
        Fitted; only read.
    keep : float or sequence of float, default=(0.2,)
        Kept fractions of the hard masks in the report.
    tol : float, default=0.5
        Regression: tolerance of the report.
    name : str, default="mask"

    Notes
    -----
    The comparison's ``seconds_per_sample`` is NaN: a timing would make two runs of one shard
    differ; the job's report times the shards.
    """

    result_type = MaskResult
    _estimators = ("explainer",)

    def __init__(self, explainer: MaskExplainer, *, keep: float | Sequence[float] = (0.2,),
                 tol: float = 0.5, name: str = "mask") -> None:
        self.explainer = explainer
        self.keep = keep
        self.tol = tol
        self.name = name

    def _validate(self) -> None:
        _check_fitted(self.explainer, MaskExplainer, "MaskStep", "explainer")
        keeps = [self.keep] if isinstance(self.keep, (int, float)) else list(self.keep)
        if not keeps or isinstance(self.keep, bool):
            raise ValueError(f"MaskStep: argument 'keep': expected a fraction in (0, 1] or a "
                             f"non-empty list of them, got {describe(self.keep)}")
        for k in keeps:
            check_number(k, "keep", low=0.0, high=1.0, low_open=True)
        check_number(self.tol, "tol", low=0.0)

    def compute(self, model: nn.Module, X: Any, y_true: Any = None, seed: int = 0
                ) -> MaskResult:
        from ..attributions import compare_attributions

        ex = self.explainer
        args = ex.compare_arguments(baselines=[])
        comparison = compare_attributions(ex.model, X, **args, metrics=[], progress=False,
                                          seed=seed, y=_labels(y_true))
        comparison.seconds_per_sample = dict.fromkeys(comparison.seconds_per_sample,
                                                      math.nan)
        return ex.explain(X, comparison, keep=self.keep, tol=self.tol)


# -- concepts ------------------------------------------------------------------------------


class ConceptStep(EstimatorStep):
    """A fitted :class:`~xaiwidgets.ConceptExtractor` on a shard: every concept predicted from
    its best layer, with the probes' probabilities, and the model's predicted class.

    Parameters
    ----------
    extractor : ConceptExtractor
        Fitted; only read (its model is the one whose activations are probed).
    proba : bool, default=True
        Also store each concept's value probabilities (one more pass over the shard).
    layers : sequence of str, optional
        Also store the probabilities of every concept from the probes of these fitted layers
        (``layer_proba``; one more pass): how each layer encodes each concept, per sample.
    name : str, default="concepts"
    """

    result_type = ConceptPredictions
    _estimators = ("extractor",)

    def __init__(self, extractor: ConceptExtractor, *, proba: bool = True,
                 layers: Sequence[str] | None = None, name: str = "concepts") -> None:
        self.extractor = extractor
        self.proba = proba
        self.layers = None if layers is None else (
            [layers] if isinstance(layers, str) else list(layers))
        self.name = name

    def _validate(self) -> None:
        _check_fitted(self.extractor, ConceptExtractor, "ConceptStep", "extractor")
        check_bool(self.proba, "proba")
        if self.layers is not None:
            unknown = [x for x in self.layers if x not in self.extractor.layers_]
            if unknown or not self.layers:
                raise ValueError(f"ConceptStep: argument 'layers': expected layers the "
                                 f"extractor was fitted on {self.extractor.layers_}, got "
                                 f"{self.layers}")

    def compute(self, model: nn.Module, X: Any, y_true: Any = None, seed: int = 0
                ) -> ConceptPredictions:
        cme = self.extractor
        concepts, y_pred = _predict(cme, X)
        codes = {k: np.searchsorted(cme.concept_values_[k], concepts[k]).astype(np.int64)
                 for k in cme.concept_names_}
        proba = None
        if self.proba:
            proba = {k: p.astype(np.float32) for k, p in cme.predict_concept_proba(X).items()}
        by_layer = None
        if self.layers is not None:
            by_layer = {layer: {k: p.astype(np.float32) for k, p in ps.items()}
                        for layer, ps in cme.layer_concept_proba(X, self.layers).items()}
        return ConceptPredictions(
            concept_names=list(cme.concept_names_),
            values={k: np.asarray(cme.concept_values_[k]).tolist() for k in cme.concept_names_},
            best_layer=dict(cme.best_layer_), codes=codes, proba=proba,
            y_pred=np.asarray(y_pred, dtype=np.int64), layer_proba=by_layer)


class ConceptTreeStep(EstimatorStep):
    """A fitted :class:`~xaiwidgets.ConceptTree` on a shard, its concepts predicted by a fitted
    extractor: ``ConceptTree.explain`` on the shard (concepts, leaf, tree prediction,
    ``y_pred``, ``y_true``).

    The result's ``classes`` (metadata) are the tree's classes and every class the model can
    output, the same for every shard (the node statistics are counted again when shards are
    concatenated).

    Parameters
    ----------
    extractor : ConceptExtractor
        Fitted; predicts the concepts and the model's classes.
    tree : ConceptTree
        Fitted on the extractor's concepts.
    inputs : bool, default=False
        Keep the samples in the result (the view's thumbnails; stores a copy of the inputs).
    merge_same_class : bool, default=True
        As in :meth:`ConceptTree.explain`.
    name : str, default="concept_tree"
    """

    result_type = ConceptTreeResult
    _estimators = ("extractor", "tree")

    def __init__(self, extractor: ConceptExtractor, tree: ConceptTree, *, inputs: bool = False,
                 merge_same_class: bool = True, name: str = "concept_tree") -> None:
        self.extractor = extractor
        self.tree = tree
        self.inputs = inputs
        self.merge_same_class = merge_same_class
        self.name = name

    def _validate(self) -> None:
        _check_fitted(self.extractor, ConceptExtractor, "ConceptTreeStep", "extractor")
        _check_fitted(self.tree, ConceptTree, "ConceptTreeStep", "tree")
        check_bool(self.inputs, "inputs")
        check_bool(self.merge_same_class, "merge_same_class")
        missing = [k for k in self.tree.concept_names_
                   if k not in self.extractor.concept_names_]
        if missing:
            raise ValueError(f"ConceptTreeStep: argument 'tree': it tests concepts {missing} "
                             f"that the extractor does not predict "
                             f"({self.extractor.concept_names_})")
        text = [k for k in self.tree.concept_names_
                if np.asarray(self.extractor.concept_values_[k]).dtype.kind not in "biuf"]
        if text:
            raise ValueError(f"ConceptTreeStep: argument 'extractor': concepts {text} have "
                             "text values, and a store holds numbers; fit the extractor and "
                             "the tree on integer codes of those concepts")

    def compute(self, model: nn.Module, X: Any, y_true: Any = None, seed: int = 0
                ) -> ConceptTreeResult:
        cme = self.extractor
        concepts, y_pred = _predict(cme, X)
        result = self.tree.explain(
            concepts, y_pred, X=X if self.inputs else None, y_true=_labels(y_true),
            extractor=cme, merge_same_class=self.merge_same_class,
            classes=np.arange(_n_classes(cme.model, X, cme.task)))
        # the node statistics and the summary count the rows: a store keeps one copy of the
        # dataset-level part (from the first samples), so they are left out and counted again
        # from all the rows when the run is opened
        for f in _COUNTED:
            setattr(result, f, None)
        return result


def _predict(cme: ConceptExtractor, X: Any) -> tuple[dict[str, np.ndarray], np.ndarray]:
    return cast(tuple[dict[str, np.ndarray], np.ndarray],
                cme.predict_concepts(X, return_predictions=True))


def _n_classes(model: nn.Module, X: Any, task: str) -> int:
    """Classes the model can output (from one sample's output)."""
    from .._core.probe import preserved_model

    x = as_tensor(X, "X")[:1]
    with preserved_model(model), torch.inference_mode():
        out = check_model_output(run_model(model, x), 1)
    return infer_task(task, out.shape[1]).n_classes


# -- MEME ----------------------------------------------------------------------------------


class MemeStep(EstimatorStep):
    """A fitted :class:`~xaiwidgets.MEME` on a shard of sequences: ``MEME.explain`` padded to
    ``max_length`` steps, so that every shard has the same trailing shapes.

    Parameters
    ----------
    meme : MEME
        Fitted; only read.
    max_length : int, optional
        Time axis of the stored rows. Default: the time axis of the shard's inputs, which is
        the same for every shard of an (N, T, F) array source (NaN-padded after each
        sequence's end); a ragged source (a list of (T_i, F)) needs it. A shard with a longer
        sequence is refused.
    states : bool, default=True
        Keep the hidden states (N, T, H).
    name : str, default="meme"
    """

    result_type = MemeTrace
    _estimators = ("meme",)

    def __init__(self, meme: MEME, *, max_length: int | None = None, states: bool = True,
                 name: str = "meme") -> None:
        self.meme = meme
        self.max_length = max_length
        self.states = states
        self.name = name

    def _validate(self) -> None:
        _check_fitted(self.meme, MEME, "MemeStep", "meme")
        check_int(self.max_length, "max_length", low=1, allow_none=True)
        check_bool(self.states, "states")

    def compute(self, model: nn.Module, X: Any, y_true: Any = None, seed: int = 0
                ) -> MemeTrace:
        steps = self.max_length
        if steps is None:
            shape = getattr(X, "shape", None)
            if shape is None or len(shape) != 3:
                raise ValueError(f"MemeStep: argument 'max_length': the shard's sequences are "
                                 f"{describe(X)}, not one (N, T, F) array whose T every shard "
                                 "shares; pass max_length (the longest sequence of the dataset)")
            steps = int(shape[1])
        trace = self.meme.explain(X, y_true=_labels(y_true), states=self.states)
        try:
            return trace.padded(steps)
        except ValueError as err:
            raise ValueError(f"MemeStep: argument 'max_length': {err}") from None


# -- SENN ----------------------------------------------------------------------------------


class SENNStep(EstimatorStep):
    """A :class:`~xaiwidgets.SENN`'s concepts and relevances on a shard
    (``SENNExplanation`` rows, as :func:`xaiwidgets.senn.explain`).

    Parameters
    ----------
    senn : SENN, optional
        The SENN to read. Default: the job's model, which must then be a SENN.
    name : str, default="senn"
    """

    result_type = SENNExplanation
    _estimators = ("senn",)

    def __init__(self, senn: SENN | None = None, *, name: str = "senn") -> None:
        self.senn = senn
        self.name = name

    def _validate(self) -> None:
        if self.senn is not None and not isinstance(self.senn, SENN):
            raise TypeError(f"SENNStep: argument 'senn': expected a SENN or None (the job's "
                            f"model), got {describe(self.senn)}")

    def _validate_model(self, model: nn.Module) -> None:
        if self.senn is None and not isinstance(model, SENN):
            raise TypeError(f"SENNStep: argument 'senn': the job's model is "
                            f"{describe(model)}, not a SENN; pass SENNStep(senn=...)")

    def compute(self, model: nn.Module, X: Any, y_true: Any = None, seed: int = 0
                ) -> SENNExplanation:
        self._validate_model(model)
        senn = self.senn if self.senn is not None else model
        return senn_explain(senn, X, y_true=_labels(y_true))


# -- redescriptions ------------------------------------------------------------------------

#: A view of a shard: ``(model, X, y_true) -> table`` (a dict of columns, a DataFrame or an
#: ``AttributeTable``) with the columns of the mined view.
ViewFunction = Callable[[nn.Module, Any, Any], Any]


@dataclasses.dataclass(frozen=True)
class ActivationColumns:
    """A layer's activations as columns named as :func:`~xaiwidgets.activation_table` names
    them (``name``: the view name given there, default the layer's), none dropped."""

    layer: str
    pool: str | int = "mean"
    name: str | None = None
    batch_size: int = 256

    def __call__(self, model: nn.Module, X: Any, y_true: Any = None) -> dict[str, np.ndarray]:
        from ..redescriptions.views import _reducer, _unit_names

        layer_name, _ = resolve_layer(model, self.layer, "layer")
        raw: dict[str, tuple[int, ...]] = {}
        pool = self.pool

        def reduce(a: Any) -> torch.Tensor:
            if isinstance(a, torch.Tensor):
                raw.setdefault("shape", tuple(a.shape))
            return _reducer(pool)(a)

        acts = ModelProbe(model, [layer_name], reduce=reduce).collect(
            as_tensor(X, "X"), batch_size=self.batch_size)[layer_name]
        shape = raw.get("shape", acts.shape)
        cols = _unit_names(self.name or layer_name, len(shape),
                           shape[1] if len(shape) > 1 else 1, acts.shape[1], pool)
        return {c: acts[:, j].astype(np.float64) for j, c in enumerate(cols)}


@dataclasses.dataclass(frozen=True)
class PredictionColumns:
    """The model's predicted class as one column (as :func:`~xaiwidgets.prediction_table`)."""

    task: str = "auto"
    class_names: Sequence[str] | None = None
    name: str = "predicted"

    def __call__(self, model: nn.Module, X: Any, y_true: Any = None) -> dict[str, np.ndarray]:
        from .._core.probe import preserved_model

        with preserved_model(model), torch.inference_mode():
            out = check_model_output(run_model(model, as_tensor(X, "X")), len(X)).float()
        t = infer_task(self.task, out.shape[1])
        pred = t.predict(out).numpy()
        if not t.is_classifier:
            return {self.name: pred.astype(np.float64)}
        if self.class_names is not None:
            return {self.name: np.array([self.class_names[int(c)] for c in pred], dtype=object)}
        return {self.name: pred.astype(np.int64).astype(str)}


@dataclasses.dataclass(frozen=True)
class LabelColumns:
    """The true labels as one column."""

    name: str = "label"

    def __call__(self, model: nn.Module, X: Any, y_true: Any = None) -> dict[str, np.ndarray]:
        y = _labels(y_true)
        if y is None:
            raise ValueError("LabelColumns: the job gives no true labels (y_true) for this view")
        return {self.name: y}


@dataclasses.dataclass(frozen=True)
class InputColumns:
    """Tabular inputs (N, F) as columns ``name[j]`` (as a 2-D array given to ``fit``), or
    named ``columns``."""

    name: str = "right"
    columns: Sequence[str] | None = None

    def __call__(self, model: nn.Module, X: Any, y_true: Any = None) -> dict[str, np.ndarray]:
        x = as_tensor(X, "X").detach().cpu().numpy()
        if x.ndim != 2:
            raise ValueError(f"InputColumns: expected tabular inputs (N, F), got {describe(X)}")
        names = (list(self.columns) if self.columns is not None
                 else [f"{self.name}[{j}]" for j in range(x.shape[1])])
        if len(names) != x.shape[1]:
            raise ValueError(f"InputColumns: argument 'columns': {len(names)} names for "
                             f"{x.shape[1]} features")
        return {c: x[:, j] for j, c in enumerate(names)}


class RedescriptionStep(EstimatorStep):
    """A fitted :class:`~xaiwidgets.RedescriptionMiner`'s rules tested on a shard: per sample
    whether each redescription's left and right rule holds (``RedescriptionResult`` rows
    ``left_holds``, ``right_holds``, ``categorical_codes``; the rules table is the miner's).

    The two views are computed per shard by ``left`` and ``right``: functions
    ``(model, X, y_true) -> table`` giving (at least) the mined views' columns, such as
    :class:`ActivationColumns` (a layer, as ``activation_table``), :class:`PredictionColumns`,
    :class:`LabelColumns` or :class:`InputColumns`. A value unseen in mining matches no
    category (its code is -1).

    Parameters
    ----------
    miner : RedescriptionMiner
        Fitted; only read.
    left, right : callable
    baseline : bool, default=False
        Test the miner's baseline rules instead.
    name : str, default="redescriptions"
    """

    result_type = RedescriptionResult
    _estimators = ("miner",)

    def __init__(self, miner: RedescriptionMiner, left: ViewFunction, right: ViewFunction, *,
                 baseline: bool = False, name: str = "redescriptions") -> None:
        self.miner = miner
        self.left = left
        self.right = right
        self.baseline = baseline
        self.name = name

    def _validate(self) -> None:
        _check_fitted(self.miner, RedescriptionMiner, "RedescriptionStep", "miner")
        check_bool(self.baseline, "baseline")
        for arg in ("left", "right"):
            if not callable(getattr(self, arg)):
                raise TypeError(f"RedescriptionStep: argument '{arg}': expected a function "
                                f"(model, X, y_true) -> table, e.g. ActivationColumns(layer), "
                                f"got {describe(getattr(self, arg))}")
        self.miner.explain(baseline=self.baseline)  # no baseline: a clear error now

    def compute(self, model: nn.Module, X: Any, y_true: Any = None, seed: int = 0
                ) -> RedescriptionResult:
        mined = self.miner.explain(baseline=self.baseline)
        tables = {side: getattr(self, side)(model, X, y_true) for side in ("left", "right")}
        matrices = {side: mined.schema(side).matrix(tables[side], side) for side in tables}
        n = len(matrices["left"])
        holds = {}
        for side, queries in (("left", mined.left_queries), ("right", mined.right_queries)):
            cols = [evaluate(query_from_data(q), matrices[side]) for q in queries]
            holds[side] = (np.stack(cols, axis=1) if cols else np.zeros((n, 0), dtype=bool))
        codes = {}
        schema = mined.schema("left")
        given = _columns(tables["left"])
        for c, cats in zip(schema.columns, schema.categories, strict=True):
            if cats is None or c not in mined.categorical_codes:
                continue
            col = np.asarray(given[c])
            col = col.astype(str) if col.dtype.kind == "O" else col
            match = col[:, None] == np.asarray(cats)[None]
            codes[c] = np.where(match.any(1), match.argmax(1), -1).astype(np.int64)
        return dataclasses.replace(mined, left_holds=holds["left"], right_holds=holds["right"],
                                   categorical_codes=codes, sample_images=None,
                                   sample_cells=None, sample_columns=[])


def _columns(table: Any) -> dict[str, Any]:
    from ..redescriptions.views import _named_columns

    if isinstance(table, AttributeTable):
        return {c: (table.values[:, j] if (cats := table.categories[j]) is None
                    else cats[table.values[:, j].astype(np.int64)])
                for j, c in enumerate(table.columns)}
    return dict(_named_columns(table, "left"))


