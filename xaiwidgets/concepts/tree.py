"""CME step 2: a shallow decision tree from concepts to the model's own predictions."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar

import numpy as np
from scipy import sparse
from sklearn.tree import DecisionTreeClassifier

from .._core.deprecation import renamed_keywords
from .._core.estimator import Constraints, XaiEstimator
from .._core.labels import check_concepts
from .._core.random import check_seed
from .._core.results import Result
from .._core.rules import (
    equality_test,
    format_value,
    merge_same_class,
    threshold_test,
    tree_nodes,
)
from .._core.validation import (
    as_tensor,
    check_bool,
    check_class_labels,
    check_int,
    check_kind,
    check_number,
    describe,
    match_labels,
)
from ..metrics.fidelity import concept_accuracy, mpo_curve
from .extract import ConceptExtractor
from .result import ConceptTreeResult, layer_accuracy

__all__ = ["ConceptTree", "ConceptTreeReport", "ConceptTreeResult", "NodeStatistics"]

# Computation never imports widgets: the chart of a report is drawn by
# xaiwidgets.widgets._charts.InterventionChart, which registers itself here on import (_views
# imports it when first needed) so that the names deprecated this release keep working.
_VIEWS: dict[str, Any] = {}


def _views() -> dict[str, Any]:
    if not _VIEWS:  # the widgets register here when imported (import xaiwidgets is lazy)
        import xaiwidgets.widgets._charts  # noqa: F401
    return _VIEWS


def __getattr__(name: str) -> Any:
    if name in _views():  # InterventionChart moved to the views this release
        warnings.warn(f"xaiwidgets.concepts.tree.{name} is deprecated and will be removed in "
                      f"the next release; use xaiwidgets.{name}", FutureWarning, stacklevel=2)
        return _VIEWS[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

_merge = merge_same_class  # nodes() has a keyword of the same name


class _ConceptEncoder:
    """Concept dict -> feature matrix: numbers stay one ordinal column, categories go one-hot."""

    def __init__(self, names: list[str], values: dict[str, np.ndarray],
                 categorical: set[str]) -> None:
        self.names = names
        self.values = values
        # (concept, kind, value): kind "num" = the value itself, "eq" = indicator of one value.
        self.features: list[tuple[str, str, Any]] = []
        for k in names:
            if k in categorical or values[k].dtype.kind not in "iuf":
                self.features += [(k, "eq", v) for v in values[k]]
            else:
                self.features.append((k, "num", None))

    def check_known(self, concepts: dict[str, np.ndarray], name: str) -> None:
        """Categorical values the tree never saw would silently go down the "no" branch of
        every test: refuse them."""
        for k in self.names:
            if any(kind == "eq" for c, kind, _ in self.features if c == k):
                unknown = np.setdiff1d(np.unique(concepts[k]), self.values[k])
                if len(unknown):
                    raise ValueError(f"argument '{name}': concept {k!r} has values "
                                     f"{[format_value(v) for v in unknown[:5]]} the tree was "
                                     f"not fitted on; known values: "
                                     f"{[format_value(v) for v in self.values[k][:10]]}")
            elif concepts[k].dtype.kind not in "biuf":
                raise TypeError(f"argument '{name}': concept {k!r} is numeric in the tree, got "
                                f"values of dtype {concepts[k].dtype}")

    def transform(self, concepts: dict[str, np.ndarray]) -> np.ndarray:
        n = len(next(iter(concepts.values())))
        out = np.zeros((n, len(self.features)))
        for j, (k, kind, v) in enumerate(self.features):
            out[:, j] = concepts[k] == v if kind == "eq" else concepts[k].astype(np.float64)
        return out

    def test(self, feature: int, threshold: float) -> tuple[str, bool]:
        """Words of a split and whether "yes" is sklearn's left child."""
        k, kind, v = self.features[feature]
        if kind == "eq":
            return equality_test(k, v)
        return threshold_test(k, threshold, self.values[k].astype(np.float64))


@dataclass
class ConceptTreeReport(Result):
    """How well a concept tree explains a model on held-out data (see :meth:`ConceptTree.evaluate`).

    A result with no rows (every field is about the whole held-out set): it saves and opens like
    any :class:`~xaiwidgets.Result`.

    Attributes
    ----------
    fidelity : float
        Agreement of the tree (on predicted concepts) with the model's predictions.
    accuracy : float or None
        Accuracy of the tree against the true labels.
    model_accuracy : float or None
        Accuracy of the model itself against the true labels.
    reference_fidelity, reference_accuracy : float or None
        The same for the reference tree trained and evaluated on ground-truth concepts.
    concept_accuracy : dict of str to float
        Accuracy of each predicted concept against its ground truth.
    mpo : np.ndarray or None
        Mis-prediction overlap, ``mpo[m]`` = fraction of samples with at least m wrong concepts.
    intervention_order : list of str
        Concepts in the order they are replaced by their ground truth (most important first).
    intervention_fidelity, intervention_accuracy : np.ndarray
        Fidelity / accuracy of the tree after replacing the first i concepts of
        ``intervention_order`` by their ground truth, for i = 0..K.
    depth, n_leaves : int
    n_samples : int
    """

    fidelity: float
    accuracy: float | None
    model_accuracy: float | None
    reference_fidelity: float | None
    reference_accuracy: float | None
    concept_accuracy: dict[str, float]
    mpo: np.ndarray | None
    intervention_order: list[str]
    intervention_fidelity: np.ndarray | None
    intervention_accuracy: np.ndarray | None
    depth: int
    n_leaves: int
    n_samples: int
    extra: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:  # a report without rows is still a report (len() is 0)
        return True

    def intervention_chart(self, *, title: str | None = None, budget: float | None = None,
                           width: int = 600, height: int = 300) -> Any:
        """Deprecated: use ``xaiwidgets.InterventionChart(report, title=..., budget=...)``
        (the drawing lives with the views, in ``widgets/_charts.py``)."""
        warnings.warn("ConceptTreeReport.intervention_chart() is deprecated and will be removed "
                      "in the next release; use xaiwidgets.InterventionChart(report, ...)",
                      FutureWarning, stacklevel=2)
        return _views()["InterventionChart"](self, title=title, budget=budget, width=width,
                                           height=height)

    def summary(self) -> dict[str, Any]:
        """The scalar numbers, for printing or a DataFrame row."""
        out: dict[str, Any] = {
            "fidelity": self.fidelity, "accuracy": self.accuracy,
            "model_accuracy": self.model_accuracy, "reference_fidelity": self.reference_fidelity,
            "reference_accuracy": self.reference_accuracy, "depth": self.depth,
            "n_leaves": self.n_leaves, "n_samples": self.n_samples,
        }
        out.update({f"concept_accuracy[{k}]": v for k, v in self.concept_accuracy.items()})
        return out


@dataclass
class NodeStatistics:
    """How a set of samples flows through a :class:`ConceptTree` (see
    :meth:`ConceptTree.node_statistics`).

    Attributes
    ----------
    path : scipy.sparse.csc_matrix of shape (N, n_nodes)
        1 where a sample passes through a node.
    leaf : ndarray of shape (N,)
        Leaf reached by each sample.
    tree_pred : ndarray of shape (N,)
        The tree's class for each sample.
    classes : ndarray
        Every label the tree, the model or the truth uses (sorted); ``dist`` columns follow it.
    count : ndarray of shape (n_nodes,)
        Samples reaching each node.
    dist : ndarray of shape (n_nodes, n_classes)
        Per node, how many of its samples the model puts in each class.
    fidelity : ndarray of shape (n_nodes,)
        Per node, agreement of the tree with the model (NaN where no sample arrives).
    accuracy : ndarray or None
        Per node, accuracy of the tree against ``y_true`` (when given).
    """

    path: sparse.csc_matrix
    leaf: np.ndarray
    tree_pred: np.ndarray
    classes: np.ndarray
    count: np.ndarray
    dist: np.ndarray
    fidelity: np.ndarray
    accuracy: np.ndarray | None

    def node_samples(self, node: int, limit: int | None = None) -> np.ndarray:
        """Indices of the samples reaching ``node``, in data order."""
        idx = np.sort(self.path.getcol(node).indices)
        return idx if limit is None else idx[:limit]


class ConceptTree(XaiEstimator):
    """A decision tree from concepts to a model's predictions: CME's concept-to-output step.

    Trained on concepts *predicted from the model's hidden layers* (see
    :class:`ConceptExtractor`) against the *model's own predictions*, so it explains the model,
    not the data. Numeric concepts are split by thresholds (``scale <= 0.7``), others one-hot
    (``shape = heart``).

    Parameters
    ----------
    max_depth : int, default=6
        Bounded so the tree stays readable (the reference code grows it unbounded); six levels
        fit e.g. 18 (shape, scale) classes.
    min_samples_leaf : int, default=5
    class_weight : dict, "balanced" or None, default=None
        As in :class:`~sklearn.tree.DecisionTreeClassifier` (None maximises fidelity).
    ccp_alpha : float, default=1e-3
        Minimal cost-complexity pruning (sklearn): removes splits that barely lower the impurity,
        such as those whose two leaves predict the same class. 0 disables it.
    categorical : sequence of str, optional
        Numeric concepts to treat as categories (one-hot) rather than ordered values.
    seed : int, default=0
        Seeds sklearn's tie-breaking between equally good splits.

    Attributes
    ----------
    estimator_ : DecisionTreeClassifier
        The fitted tree on the encoded concepts.
    reference_ : DecisionTreeClassifier or None
        Same settings, trained on ground-truth concepts (``true_concepts`` in :meth:`fit`).
    classes_ : np.ndarray
    concept_names_ : list of str
    feature_names_ : list of str
        Encoded columns, e.g. ``["shape = ellipse", "shape = heart", ..., "scale"]``.
    concept_importances_ : dict of str to float
        Impurity importance summed over each concept's columns.
    depth_, n_leaves_ : int
    """

    def __init__(
        self,
        *,
        max_depth: int | None = 6,
        min_samples_leaf: int = 5,
        class_weight: Any = None,
        ccp_alpha: float = 1e-3,
        categorical: Sequence[str] | None = None,
        seed: int = 0,
    ) -> None:
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.class_weight = class_weight
        self.ccp_alpha = ccp_alpha
        self.categorical = categorical
        self.seed = seed

    _parameter_constraints: ClassVar[Constraints] = {
        "max_depth": partial(check_int, low=1, allow_none=True),
        "min_samples_leaf": partial(check_int, low=1),
        "class_weight": partial(check_kind, expected="None, 'balanced' or a dict",
                                types=(Mapping,), options=("balanced",), allow_none=True,
                                error=ValueError),
        "ccp_alpha": partial(check_number, low=0.0),
        "categorical": partial(check_kind, expected="None or a list of concept names",
                               types=(Sequence, Set, np.ndarray), allow_none=True),
        "seed": check_seed,
    }

    # ------------------------------------------------------------------ fit
    def _tree(self) -> DecisionTreeClassifier:
        return DecisionTreeClassifier(max_depth=self.max_depth,
                                      min_samples_leaf=self.min_samples_leaf,
                                      class_weight=self.class_weight,
                                      ccp_alpha=self.ccp_alpha,
                                      random_state=self.seed)

    def fit(self, concepts: Mapping[str, Any], y: Any, *,
            true_concepts: Mapping[str, Any] | None = None) -> ConceptTree:
        """Fit the tree on ``concepts`` -> ``y`` (the model's predicted classes).

        Parameters
        ----------
        concepts : dict of str to array-like of shape (N,)
            Concepts predicted for the training samples (e.g.
            :meth:`ConceptExtractor.predict_concepts`).
        y : array-like of shape (N,)
            The model's predictions for the same samples.
        true_concepts : dict, optional
            Ground-truth concepts of the same samples: also fits :attr:`reference_`.
        """
        with self._fitting():
            return self._fit(concepts, y, true_concepts)

    def _fit(self, concepts: Mapping[str, Any], y: Any,
             true_concepts: Mapping[str, Any] | None) -> ConceptTree:
        self._check_params()
        concepts = check_concepts(concepts)
        n = len(next(iter(concepts.values())))
        y = check_class_labels(y, n, "y")
        names = list(concepts)
        categorical = set(self.categorical or [])
        unknown = sorted(categorical - set(names))
        if unknown:
            raise ValueError(f"argument 'categorical': unknown concepts {unknown}; expected names "
                             f"among {names}")
        truth = None
        if true_concepts is not None:
            truth = check_concepts(true_concepts, n, name="true_concepts", n_from="concepts")
            missing = [k for k in names if k not in truth]
            if missing:
                raise ValueError(f"argument 'true_concepts': missing concepts {missing}")
        values = {}
        for k in names:
            parts = [concepts[k]] + ([truth[k]] if truth is not None else [])
            values[k] = np.unique(np.concatenate(parts))
        self.encoder_ = _ConceptEncoder(names, values, categorical)
        self.concept_names_ = names
        self.feature_names_ = [k if kind == "num" else f"{k} = {format_value(v)}"
                               for k, kind, v in self.encoder_.features]
        self.estimator_ = self._tree().fit(self.encoder_.transform(concepts), y)
        self.classes_ = self.estimator_.classes_
        self.reference_ = None
        if truth is not None:
            self.reference_ = self._tree().fit(self.encoder_.transform(truth), y)
        self.concept_importances_ = self._importances(self.estimator_)
        self.depth_ = int(self.estimator_.get_depth())
        self.n_leaves_ = int(self.estimator_.get_n_leaves())
        return self

    def _importances(self, est: DecisionTreeClassifier) -> dict[str, float]:
        out = dict.fromkeys(self.concept_names_, 0.0)
        for (k, _, _), imp in zip(self.encoder_.features, est.feature_importances_, strict=True):
            out[k] += float(imp)
        return out

    # ------------------------------------------------------------------ use
    def _encode(self, concepts: Mapping[str, Any], name: str = "concepts") -> np.ndarray:
        self._check_fitted("predict(), apply(), nodes() or evaluate()")
        concepts = check_concepts(concepts, name=name)
        missing = [k for k in self.concept_names_ if k not in concepts]
        if missing:
            raise ValueError(f"argument '{name}': missing concepts {missing}; the tree was fitted "
                             f"on {self.concept_names_}")
        self.encoder_.check_known(concepts, name)
        return self.encoder_.transform(concepts)

    def predict(self, concepts: Mapping[str, Any]) -> np.ndarray:
        """The tree's class for each sample."""
        x = self._encode(concepts)
        return self.estimator_.predict(x)

    def apply(self, concepts: Mapping[str, Any]) -> np.ndarray:
        """Leaf node id of each sample."""
        x = self._encode(concepts)
        return self.estimator_.apply(x)

    def score(self, concepts: Mapping[str, Any], y: Any) -> float:
        """Fraction of samples where the tree agrees with ``y`` (fidelity when ``y`` holds the
        model's predictions)."""
        pred = self.predict(concepts)
        return float(np.mean(pred == match_labels(y, self.classes_, len(pred), "y")))

    def nodes(self, *, merge_same_class: bool = False) -> dict[str, Any]:
        """The tree as arrays, node 0 the root, in words.

        Parameters
        ----------
        merge_same_class : bool, default=False
            Show every split whose two sides predict the same class as a leaf (bottom-up, so
            nested ones merge too). Node ids stay those of the fitted tree; the merged nodes'
            descendants become unreachable. Predictions are unchanged.

        Returns
        -------
        dict
            ``yes``/``no``: child ids (-1 for leaves) where the test holds / fails; ``test``:
            the split in words (``""`` for leaves); ``concept``: index into
            :attr:`concept_names_` (-1 for leaves); ``value``: index into :attr:`classes_` of the
            class the node predicts; ``n_train``: training samples reaching the node; ``depth``.
            With ``merge_same_class=True`` also ``merged`` (per node, the tests merged into it)
            and ``shown`` (per node, the node that shows it: itself or its merged ancestor).
        """
        self._check_fitted("nodes()")
        nodes = tree_nodes(self.estimator_, self.encoder_.test)
        if merge_same_class:
            nodes = _merge(nodes)
        concept = np.full(len(nodes["feature"]), -1, dtype=np.int64)
        split = nodes["feature"] >= 0
        concept[split] = [self.concept_names_.index(self.encoder_.features[f][0])
                          for f in nodes["feature"][split]]
        nodes["concept"] = concept
        return nodes

    def _labels(self, y_pred: Any, y_true: Any, n: int
                ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """``y_pred`` and ``y_true`` in the tree's class vocabulary, and every class any of
        the tree, the model or the truth uses (sorted)."""
        y_pred = match_labels(y_pred, self.classes_, n, "y_pred")
        y = None if y_true is None else match_labels(y_true, self.classes_, n, "y_true")
        parts = [np.asarray(self.classes_), y_pred] + ([y] if y is not None else [])
        try:
            classes = np.unique(np.concatenate([np.asarray(p).astype(self.classes_.dtype)
                                                for p in parts]))
        except (TypeError, ValueError) as err:
            raise TypeError(f"argument 'y_pred': labels must be of the tree's class type "
                            f"({self.classes_.dtype}), got {y_pred.dtype}") from err
        return y_pred, y, classes

    @renamed_keywords(model_pred="y_pred")
    def node_statistics(self, concepts: Mapping[str, Any], y_pred: Any, *,
                        y_true: Any = None) -> NodeStatistics:
        """How the samples with these (predicted) concepts flow through the tree: per node the
        samples reaching it, the model's class mix there, and the tree's fidelity / accuracy.

        Parameters
        ----------
        concepts : dict
            Concepts of the samples, as the tree sees them.
        y_pred : array-like of shape (N,)
            The model's predictions for them.
        y_true : array-like of shape (N,), optional
        model_pred : array-like, optional
            Deprecated name of ``y_pred`` (keyword only; removed in the next release).

        See Also
        --------
        explain : the same per node of the tree as drawn, with the samples, as a result.
        """
        x = self._encode(concepts)
        n = len(x)
        model_pred, y, classes = self._labels(y_pred, y_true, n)
        path = self.estimator_.decision_path(x).tocsc()
        leaf = self.estimator_.apply(x)
        tree_pred = self.estimator_.predict(x)
        count = np.asarray(path.sum(axis=0)).ravel().astype(np.int64)
        onehot = np.zeros((n, len(classes)))
        onehot[np.arange(n), np.searchsorted(classes, model_pred.astype(classes.dtype))] = 1
        dist = np.asarray(path.T @ onehot).astype(np.int64)
        agree = (tree_pred == model_pred).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            fidelity = np.asarray(path.T @ agree).ravel() / count
            accuracy = (np.asarray(path.T @ (tree_pred == y).astype(np.float64)).ravel() / count
                        if y is not None else None)
        return NodeStatistics(path=path, leaf=leaf, tree_pred=tree_pred, classes=classes,
                              count=count, dist=dist, fidelity=fidelity, accuracy=accuracy)

    def explain(
        self,
        concepts: Mapping[str, Any],
        y_pred: Any,
        *,
        X: Any = None,
        y_true: Any = None,
        extractor: ConceptExtractor | None = None,
        merge_same_class: bool = True,
        classes: Any = None,
    ) -> ConceptTreeResult:
        """The tree as drawn and how these samples flow through it, as a result (what
        :class:`~xaiwidgets.ConceptTreeView` draws).

        Parameters
        ----------
        concepts : dict of str to array-like of shape (N,)
            Concepts of the samples as the tree sees them (predicted ones, e.g.
            :meth:`ConceptExtractor.predict_concepts`).
        y_pred : array-like of shape (N,)
            The model's predictions for them.
        X : tensor or array of shape (N, ...), optional
            The samples themselves, kept in the result (images (N, C, H, W) give the view its
            thumbnails).
        y_true : array-like of shape (N,), optional
            True labels (adds the accuracies).
        extractor : ConceptExtractor, optional
            A fitted extractor: its per-layer concept accuracy goes into the result (no model
            call).
        merge_same_class : bool, default=True
            Draw every split whose two sides predict the same class as one leaf (see
            :meth:`nodes`; predictions are unchanged).
        classes : array-like, optional
            Every label the result may hold (merged with the tree's classes): results of
            several batches then share ``classes`` (their metadata), as the dataset jobs need,
            e.g. ``np.arange(n_classes)``. Default: the labels the tree, ``y_pred`` and
            ``y_true`` use.

        Returns
        -------
        ConceptTreeResult
            Rows ``concepts``, ``leaf`` (in the tree as drawn), ``y_pred``, ``tree_pred``,
            ``y_true``, ``X``; the nodes, their statistics and the fidelity summary.
        """
        self._check_fitted("explain()")
        check_bool(merge_same_class, "merge_same_class")
        inputs = None
        if X is not None:
            inputs = as_tensor(X, "X").detach().cpu().numpy()
            concepts = check_concepts(concepts, len(inputs), n_from="X")
        accuracy = None
        if extractor is not None:
            if not isinstance(extractor, ConceptExtractor):
                raise TypeError(f"argument 'extractor': expected a fitted ConceptExtractor, got "
                                f"{describe(extractor)}")
            extractor._check_fitted("ConceptTree.explain(extractor=...)")
            accuracy = layer_accuracy(extractor, self.concept_names_)
        known = None if classes is None else np.asarray(classes).reshape(-1)
        x = self._encode(concepts)
        n = len(x)
        y_pred, y, classes = self._labels(y_pred, y_true, n)
        if known is not None:
            try:
                wanted = np.unique(np.concatenate([np.asarray(self.classes_),
                                                   known.astype(self.classes_.dtype)]))
            except (TypeError, ValueError) as err:
                raise TypeError(f"argument 'classes': labels must be of the tree's class type "
                                f"({self.classes_.dtype}), got {known.dtype}") from err
            extra = np.setdiff1d(classes, wanted)
            if len(extra):
                raise ValueError(f"argument 'classes': the samples use labels "
                                 f"{extra[:10].tolist()} that are not among {wanted[:20].tolist()}")
            classes = wanted
        checked = check_concepts(concepts, n)
        nodes = self.nodes(merge_same_class=merge_same_class)
        nodes.pop("feature", None)  # an encoded column: "concept" says it in the tree's terms
        labels = np.asarray(self.classes_)[nodes["value"]].astype(classes.dtype)
        nodes["value"] = np.searchsorted(classes, labels).astype(np.int64)
        shown = nodes.get("shown", np.arange(len(nodes["test"]), dtype=np.int64))
        return ConceptTreeResult(
            concept_names=list(self.concept_names_), classes=classes, nodes=nodes,
            concepts={k: checked[k] for k in self.concept_names_},
            leaf=np.asarray(shown)[self.estimator_.apply(x)].astype(np.int64),
            y_pred=y_pred.astype(classes.dtype), tree_pred=self.estimator_.predict(x),
            y_true=None if y is None else y.astype(classes.dtype), X=inputs,
            layer_accuracy=accuracy)

    def export_text(self, class_names: Sequence[str] | None = None) -> str:
        """The rules as indented text; ``class_names[label]`` names integer class labels."""
        nodes = self.nodes()
        lines: list[str] = []

        def name(label: Any) -> str:
            if class_names is not None and isinstance(label, (int, np.integer)):
                return str(class_names[int(label)])
            return format_value(label)

        def walk(i: int, indent: str) -> None:
            if nodes["yes"][i] == -1:
                lines.append(f"{indent}-> {name(self.classes_[nodes['value'][i]])} "
                             f"(n={nodes['n_train'][i]})")
                return
            lines.append(f"{indent}if {nodes['test'][i]}:")
            walk(int(nodes["yes"][i]), indent + "    ")
            lines.append(f"{indent}else:")
            walk(int(nodes["no"][i]), indent + "    ")

        walk(0, "")
        return "\n".join(lines)

    # ------------------------------------------------------------------ evaluate
    @renamed_keywords(y_model="y_pred")
    def evaluate(
        self,
        concepts: Mapping[str, Any],
        y_pred: Any,
        *,
        y_true: Any = None,
        true_concepts: Mapping[str, Any] | None = None,
    ) -> ConceptTreeReport:
        """Fidelity, accuracy, reference tree, MPO and intervention curves on held-out data.

        Parameters
        ----------
        concepts : dict
            Predicted concepts of the held-out samples.
        y_pred : array-like of shape (N,)
            The model's predictions for them.
        y_true : array-like of shape (N,), optional
            True labels (for the accuracies).
        true_concepts : dict, optional
            Ground-truth concepts (for concept accuracy, MPO, the reference tree and the
            intervention curve).
        y_model : array-like, optional
            Deprecated name of ``y_pred`` (keyword only; removed in the next release).

        Notes
        -----
        Intervention replaces the predicted values of the i most important concepts by their
        ground truth and re-applies this tree, for i = 0..K. Importance comes from the reference
        tree when there is one (it sees clean concepts), else from this tree; the reference
        code's bug of replacing the first i columns instead is avoided.
        """
        y_model = y_pred
        x = self._encode(concepts)
        n = len(x)
        y_model = match_labels(y_model, self.classes_, n, "y_pred")
        pred = self.estimator_.predict(x)
        report: dict[str, Any] = {
            "fidelity": float(np.mean(pred == y_model)), "accuracy": None, "model_accuracy": None,
            "reference_fidelity": None, "reference_accuracy": None, "concept_accuracy": {},
            "mpo": None, "intervention_order": [], "intervention_fidelity": None,
            "intervention_accuracy": None, "depth": self.depth_, "n_leaves": self.n_leaves_,
            "n_samples": n,
        }
        if y_true is not None:
            y_true = match_labels(y_true, self.classes_, n, "y_true")
            report["accuracy"] = float(np.mean(pred == y_true))
            report["model_accuracy"] = float(np.mean(y_model == y_true))
        if true_concepts is not None:
            truth = check_concepts(true_concepts, n, name="true_concepts", n_from="concepts")
            pred_c = check_concepts(concepts, n)
            missing = [k for k in self.concept_names_ if k not in truth]
            if missing:
                raise ValueError(f"argument 'true_concepts': missing concepts {missing}")
            report["concept_accuracy"] = concept_accuracy(
                {k: truth[k] for k in self.concept_names_}, pred_c)
            report["mpo"] = mpo_curve(truth, pred_c, self.concept_names_)
            if self.reference_ is not None:
                ref = self.reference_.predict(self.encoder_.transform(truth))
                report["reference_fidelity"] = float(np.mean(ref == y_model))
                if y_true is not None:
                    report["reference_accuracy"] = float(np.mean(ref == y_true))
            imp = (self._importances(self.reference_) if self.reference_ is not None
                   else self.concept_importances_)
            order = sorted(self.concept_names_, key=lambda k: -imp[k])  # stable: ties keep order
            fid, acc = [], []
            current = {k: pred_c[k] for k in self.concept_names_}
            for i in range(len(order) + 1):
                if i:
                    current[order[i - 1]] = truth[order[i - 1]]
                p = self.estimator_.predict(self.encoder_.transform(current))
                fid.append(float(np.mean(p == y_model)))
                if y_true is not None:
                    acc.append(float(np.mean(p == y_true)))
            report["intervention_order"] = order
            report["intervention_fidelity"] = np.array(fid)
            report["intervention_accuracy"] = np.array(acc) if y_true is not None else None
        return ConceptTreeReport(**report)
