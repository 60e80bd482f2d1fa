"""ConceptTreeResult: a concept tree and the samples that flow through it, as data.

:meth:`ConceptTree.explain` computes it; :class:`~xaiwidgets.ConceptTreeView` only draws it.
The node statistics (samples, the model's class mix, fidelity and accuracy per node) and the
fidelity summary are aggregates of the rows: they are stored (a result opened from a store needs
no recount), and recounted from the rows whenever rows are taken or results concatenated, so a
selection always describes its own samples.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._core.results import Result, _set_run_rows

__all__ = ["ConceptPredictions", "ConceptTreeResult"]

# Aggregates of the rows: None makes __post_init__ count them from the rows.
_COUNTED = ("node_count", "node_dist", "node_fidelity", "node_accuracy", "fidelity", "accuracy",
            "model_accuracy")


@dataclass
class ConceptTreeResult(Result):
    """A fitted concept tree as drawn, and how a set of samples flows through it.

    Built by :meth:`ConceptTree.explain`; drawn by :class:`~xaiwidgets.ConceptTreeView`. Rows
    (first axis = sample) can be taken (``result[mask]``), results of the same tree concatenated
    (:meth:`Result.concat`), saved and opened (:func:`~xaiwidgets.open_result`); the node
    statistics and the summary always describe the result's own samples.

    Attributes
    ----------
    concept_names : list of str
        The tree's concepts, in order (``nodes["concept"]`` indexes it).
    classes : ndarray of shape (C,)
        Every label the tree, the model or the truth uses, sorted: ``nodes["value"]``,
        ``node_dist`` columns and the class codes of the view index it.
    nodes : dict
        The tree as drawn (M nodes, node 0 the root; ids of the fitted tree): ``yes``, ``no``
        int (M,) children where the test holds / fails (-1: leaf); ``concept`` int (M,) index
        into ``concept_names`` (-1: leaf); ``test`` list of M str (``""`` for leaves);
        ``value`` int (M,) index into ``classes`` of the class a node predicts; ``n_train``
        int (M,) training samples reaching it; ``depth`` int (M,); ``merged`` list of M lists
        of str (the tests of the splits merged into a node); ``shown`` int (M,) the node that
        shows each node (itself, or its merged ancestor). See :meth:`ConceptTree.nodes`.
    concepts : dict of str to ndarray of shape (N,)
        Rows: the concept values of each sample, as the tree sees them.
    leaf : ndarray of int, shape (N,)
        Rows: the leaf each sample reaches in the tree as drawn (a merged node, if merged).
    y_pred : ndarray of shape (N,)
        Rows: the model's predicted class.
    tree_pred : ndarray of shape (N,)
        Rows: the tree's class.
    y_true : ndarray of shape (N,) or None
        Rows: true labels, when given.
    X : ndarray or None
        Rows: the inputs (images (N, C, H, W) give the view its thumbnails), when given.
    node_count : ndarray of int, shape (M,)
        Samples reaching each node (0 for nodes hidden inside a merged split).
    node_dist : ndarray of int, shape (M, C)
        Per node, how many of its samples the model puts in each class.
    node_fidelity : ndarray of float, shape (M,)
        Per node, agreement of the tree with the model (NaN where no sample arrives).
    node_accuracy : ndarray of float, shape (M,), or None
        Per node, accuracy of the tree against ``y_true`` (when given).
    fidelity : float
        Agreement of the tree with the model over the samples (NaN for none).
    accuracy, model_accuracy : float or None
        The tree's and the model's accuracy against ``y_true`` (when given).
    depth, n_leaves, n_merged : int
        The tree as drawn: its depth, its leaves, and how many splits were merged.
    layer_accuracy : dict or None
        The extractor's cross-validated concept accuracy per layer, when one was given:
        ``layers``, ``concepts`` (lists), ``values`` (L, K) and ``best`` (K,) the chosen layer
        of each concept.
    """

    _rows: ClassVar[tuple[str, ...]] = ("concepts", "leaf", "y_pred", "tree_pred", "y_true", "X")

    concept_names: list[str]
    classes: np.ndarray
    nodes: dict[str, Any]
    concepts: dict[str, Any]
    leaf: Any
    y_pred: Any
    tree_pred: Any
    y_true: Any = None
    X: Any = None
    node_count: np.ndarray | None = None
    node_dist: np.ndarray | None = None
    node_fidelity: np.ndarray | None = None
    node_accuracy: np.ndarray | None = None
    fidelity: float | None = None
    accuracy: float | None = None
    model_accuracy: float | None = None
    depth: int | None = None
    n_leaves: int | None = None
    n_merged: int | None = None
    layer_accuracy: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        # per-dataset arrays are small: in memory (a run opens them as lazy store arrays)
        nodes = {k: np.asarray(v) if hasattr(v, "dtype") else v for k, v in self.nodes.items()}
        self.classes = np.asarray(self.classes)
        m = len(nodes["yes"])
        nodes.setdefault("merged", [[] for _ in range(m)])
        nodes.setdefault("shown", np.arange(m, dtype=np.int64))
        self.nodes = nodes
        if self.depth is None or self.n_leaves is None or self.n_merged is None:
            drawn = self.reachable()
            self.depth = int(np.asarray(nodes["depth"])[drawn].max()) if len(drawn) else 0
            self.n_leaves = int(np.sum(np.asarray(nodes["yes"])[drawn] < 0))
            self.n_merged = int(sum(len(v) for v in nodes["merged"]))
        if self.node_count is None:
            self._count()

    # -- the sample axis: aggregates follow the rows ------------------------------------------
    def __getitem__(self, index: Any) -> ConceptTreeResult:
        taken = super().__getitem__(index)
        recount: dict[str, Any] = dict.fromkeys(_COUNTED)
        out = dataclasses.replace(taken, **recount)
        if getattr(taken, "_run_rows", None) is not None:  # the run rows it was taken from
            _set_run_rows(out, taken._run_rows)  # type: ignore[attr-defined]
        return out

    def _merge_meta(self, results: Sequence[Result]) -> dict[str, Any]:
        return dict.fromkeys(_COUNTED)  # counted again from the concatenated rows

    def class_codes(self, labels: Any) -> np.ndarray:
        """Class codes of labels: their indices into ``classes`` (what ``nodes["value"]`` and
        the view's wire hold), e.g. ``result.class_codes(result.y_pred)``."""
        classes = np.asarray(self.classes)
        return np.searchsorted(classes, np.asarray(labels).astype(classes.dtype))

    def _count(self) -> None:
        """Node statistics and the summary from the rows (a leaf's samples count for every node
        on its path)."""
        yes, no = np.asarray(self.nodes["yes"]), np.asarray(self.nodes["no"])
        m, c = len(yes), len(self.classes)
        leaf = np.asarray(self.leaf, dtype=np.int64)
        pred = self.class_codes(self.y_pred)
        tree = self.class_codes(self.tree_pred)
        agree = (tree == pred).astype(np.float64)
        count = np.bincount(leaf, minlength=m).astype(np.int64)
        dist = np.bincount(leaf * c + pred, minlength=m * c).reshape(m, c).astype(np.int64)
        hits = np.bincount(leaf, weights=agree, minlength=m)
        right = None
        if self.y_true is not None:
            truth = self.class_codes(self.y_true)
            right = np.bincount(leaf, weights=(tree == truth).astype(np.float64), minlength=m)
        for i in self._bottom_up():
            for child in (yes[i], no[i]):
                if child >= 0:
                    count[i] += count[child]
                    dist[i] += dist[child]
                    hits[i] += hits[child]
                    if right is not None:
                        right[i] += right[child]
        with np.errstate(invalid="ignore", divide="ignore"):
            self.node_fidelity = hits / count
            self.node_accuracy = None if right is None else right / count
        self.node_count, self.node_dist = count, dist
        self.fidelity = _mean(agree)
        if self.y_true is None:
            self.accuracy = self.model_accuracy = None
        else:
            truth = self.class_codes(self.y_true)
            self.accuracy = _mean(tree == truth)
            self.model_accuracy = _mean(pred == truth)

    def _bottom_up(self) -> list[int]:
        """Inner nodes of the tree as drawn, children before parents."""
        yes = np.asarray(self.nodes["yes"])
        return [i for i in reversed(self.reachable(pre_order=True)) if yes[i] >= 0]

    # -- reading the tree ---------------------------------------------------------------------
    def reachable(self, *, pre_order: bool = False) -> np.ndarray:
        """Ids of the nodes drawn (reachable from the root; a merged split hides its subtree),
        sorted, or in pre-order."""
        yes, no = np.asarray(self.nodes["yes"]), np.asarray(self.nodes["no"])
        out: list[int] = []
        stack = [0] if len(yes) else []
        while stack:
            i = stack.pop()
            out.append(i)
            if yes[i] >= 0:
                stack += [int(no[i]), int(yes[i])]
        return np.array(out if pre_order else sorted(out), dtype=np.int64)

    def node_samples(self, node: int, limit: int | None = None) -> np.ndarray:
        """Indices of the samples reaching ``node`` (in the tree as drawn), in data order."""
        yes, no = np.asarray(self.nodes["yes"]), np.asarray(self.nodes["no"])
        below, stack = [], [int(node)]
        while stack:
            i = stack.pop()
            below.append(i)
            if yes[i] >= 0:
                stack += [int(yes[i]), int(no[i])]
        idx = np.flatnonzero(np.isin(np.asarray(self.leaf), below))
        return idx if limit is None else idx[:limit]

    def summary(self) -> dict[str, Any]:
        """The fidelity summary: samples, the tree's size as drawn, splits merged, and the
        tree's fidelity to the model, its accuracy and the model's (None without ``y_true``)."""
        return {"n": len(self), "depth": self.depth, "n_leaves": self.n_leaves,
                "merged": self.n_merged, "fidelity": self.fidelity, "accuracy": self.accuracy,
                "model_accuracy": self.model_accuracy}

    def __repr__(self) -> str:
        return (f"ConceptTreeResult({len(self)} samples, {len(self.nodes['yes'])} nodes, "
                f"fidelity {self.fidelity:.3f})")


@dataclass
class ConceptPredictions(Result):
    """A fitted :class:`ConceptExtractor`'s concept predictions on a set of samples, as data
    (what the dataset jobs store per sample).

    Attributes
    ----------
    concept_names : list of str
    values : dict of str to list
        Per concept, its values in the extractor's order (``concept_values_``): ``codes``
        and the columns of ``proba`` index them.
    best_layer : dict of str to str
        The layer each concept is predicted from.
    codes : dict of str to ndarray of int, shape (N,)
        Rows: each sample's predicted value of each concept, as an index into ``values``.
    proba : dict of str to ndarray of shape (N, V), or None
        Rows: the probe's probability of every value (None when not asked for).
    y_pred : ndarray of shape (N,), or None
        Rows: the model's predicted class.
    layer_proba : dict of str to dict of str to ndarray of shape (N, V), or None
        Rows: ``layer_proba[layer][concept]``, the probability of every value from that
        layer's probe (:meth:`ConceptExtractor.layer_concept_proba`), for the chosen layers.
    """

    _rows: ClassVar[tuple[str, ...]] = ("codes", "proba", "y_pred", "layer_proba")

    concept_names: list[str]
    values: dict[str, list[Any]]
    best_layer: dict[str, str]
    codes: dict[str, Any]
    proba: dict[str, Any] | None = None
    y_pred: Any = None
    layer_proba: dict[str, dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        self.concept_names = list(self.concept_names)
        self.check_rows()

    @property
    def concepts(self) -> dict[str, np.ndarray]:
        """Per concept, each sample's predicted value (what
        :meth:`ConceptExtractor.predict_concepts` returns)."""
        return {k: np.asarray(self.values[k])[np.asarray(self.codes[k], dtype=np.int64)]
                for k in self.concept_names}


def _mean(a: np.ndarray) -> float:
    return float(np.mean(a)) if np.size(a) else float("nan")


def layer_accuracy(extractor: Any, concept_names: Sequence[str]) -> dict[str, Any]:
    """The extractor's per-layer concept accuracy for the tree's concepts (those it has)."""
    cols = [extractor.concept_names_.index(k) for k in concept_names
            if k in extractor.concept_names_]
    names = [extractor.concept_names_[j] for j in cols]
    best = [extractor.layers_.index(extractor.best_layer_[k]) for k in names]
    return {"layers": list(extractor.layers_), "concepts": names,
            "values": np.asarray(extractor.accuracy_, dtype=np.float64)[:, cols],
            "best": np.asarray(best, dtype=np.int64)}

