"""Transition functions: per source concept, a small decision tree from the input window
``x[t-w..t]`` to the next concept.

Windows are flattened into ``(w + 1) * F`` columns named ``feature@t``, ``feature@t-1``, ...
Steps before a sequence's start repeat its first input (``x@t-k`` with ``t - k < 0`` is
``x@0``), so a transition can happen at every step from the second on, whatever ``w``. With
``history``, F more columns ``feature@mean`` hold each feature's mean over steps 0..t: what an
RNN that gathers evidence over the whole sequence has seen, which no short window shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.tree import DecisionTreeClassifier

from .._core.rules import merge_same_class, threshold_test, tree_nodes

__all__ = ["TransitionTree", "drawn_tree", "fit_tree", "path_words", "tree_lines",
           "window_features", "window_names"]


def window_names(feature_names: Sequence[str], window: int, history: bool = False
                 ) -> list[str]:
    """Column names of a flattened window: ``f@t`` for every feature, then ``f@t-1``, ...,
    then ``f@mean`` with ``history``."""
    names = [f"{f}@t" if k == 0 else f"{f}@t-{k}" for k in range(window + 1)
             for f in feature_names]
    return names + ([f"{f}@mean" for f in feature_names] if history else [])


def window_features(x: np.ndarray, window: int, history: bool = False) -> np.ndarray:
    """``(N, T, (w + 1) F)`` flattened windows of padded sequences ``(N, T, F)``, vectorised;
    with ``history`` F more columns: the mean of each feature over steps 0..t (padding comes
    after the last step, so it never enters a valid step's mean)."""
    t = x.shape[1]
    parts = [x[:, np.maximum(np.arange(t) - k, 0)] for k in range(window + 1)]
    if history:
        steps = np.arange(1, t + 1, dtype=np.float64)[None, :, None]
        parts.append((np.cumsum(x, axis=1, dtype=np.float64) / steps).astype(x.dtype))
    return np.concatenate(parts, axis=2)


class TransitionTree:
    """The transition function of one source concept: a fitted tree, or a constant.

    ``constant`` is the only destination when the training samples all went to one concept (or
    the source itself when it had no outgoing samples: a self-loop). ``n_samples`` counts the
    training transitions out of the source.
    """

    def __init__(self, source: int, estimator: DecisionTreeClassifier | None,
                 constant: int, n_samples: int) -> None:
        self.source = source
        self.estimator = estimator
        self.constant = constant
        self.n_samples = n_samples
        self._shown: np.ndarray | None = None

    def predict(self, w: np.ndarray) -> np.ndarray:
        """Next concept of every row of flattened windows ``w``."""
        if self.estimator is None:
            return np.full(len(w), self.constant, dtype=np.int64)
        return self.estimator.predict(w).astype(np.int64)

    def apply(self, w: np.ndarray) -> np.ndarray:
        """Node that decides each row: its leaf, or the split it lies under once splits whose
        sides lead to the same concept are merged (0 for a constant: its single node)."""
        if self.estimator is None:
            return np.zeros(len(w), dtype=np.int64)
        if self._shown is None:
            self._shown = self.nodes([""] * self.estimator.n_features_in_)["shown"]
        return self._shown[self.estimator.apply(w)]

    def nodes(self, names: Sequence[str]) -> dict[str, Any]:
        """The tree in words (:func:`~xaiwidgets._core.rules.tree_nodes`, splits whose sides
        lead to the same concept merged by :func:`~xaiwidgets._core.rules.merge_same_class`),
        ``value`` as concept ids; a constant is one leaf."""
        if self.estimator is None:
            one = np.array([-1], dtype=np.int64)
            return {"yes": one, "no": one.copy(), "test": [""], "feature": one.copy(),
                    "value": np.array([self.constant]), "n_train": np.array([self.n_samples]),
                    "depth": np.zeros(1, dtype=np.int64), "merged": [[]],
                    "shown": np.zeros(1, dtype=np.int64)}
        est = self.estimator
        nodes = tree_nodes(est, lambda f, thr: threshold_test(names[f], thr))
        nodes["value"] = est.classes_[nodes["value"]].astype(np.int64)
        return merge_same_class(nodes)


def fit_tree(source: int, w: np.ndarray, target: np.ndarray, *, max_depth: int,
             min_samples_leaf: int, seed: int, max_samples: int | None) -> TransitionTree:
    """Fit the transition function of ``source`` on its samples ``(w, target)``."""
    if len(target) == 0:
        return TransitionTree(source, None, source, 0)
    if max_samples is not None and len(target) > max_samples:
        keep = np.sort(np.random.default_rng(seed + source).choice(len(target), max_samples,
                                                                   replace=False))
        w, target = w[keep], target[keep]
    values = np.unique(target)
    if len(values) == 1:
        return TransitionTree(source, None, int(values[0]), len(target))
    est = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=min_samples_leaf,
                                 random_state=seed).fit(w, target)
    return TransitionTree(source, est, source, len(target))


def path_words(nodes: dict[str, Any], leaf: int, names: Sequence[str]) -> list[str]:
    """The tests on the root-to-``leaf`` path, in words (``CO2@t > 812``)."""
    parent = np.full(len(nodes["yes"]), -1, dtype=np.int64)
    took_yes = np.zeros(len(nodes["yes"]), dtype=bool)
    for i, (y, n) in enumerate(zip(nodes["yes"], nodes["no"], strict=True)):
        if y >= 0:
            parent[y], parent[n] = i, i
            took_yes[y] = True
    out: list[str] = []
    i = int(leaf)
    while parent[i] >= 0:
        p = int(parent[i])
        if took_yes[i]:
            out.append(nodes["test"][p])
        else:  # threshold tests read "yes" on the left: the other branch is "> v"
            head, _, value = nodes["test"][p].rpartition(" <= ")
            out.append(f"{head} > {value}")
        i = p
    return out[::-1]


def drawn_tree(nodes: dict[str, Any], source: int) -> dict[str, Any]:
    """A tree of :meth:`TransitionTree.nodes` as plain lists, as the timeline draws it: ``yes``,
    ``no``, ``test``, ``value``, ``n_train``, ``merged`` and ``rules``, the path to every shown
    node in words (so a view looks rules up instead of deriving them)."""
    return {"source": int(source), "yes": [int(v) for v in nodes["yes"]],
            "no": [int(v) for v in nodes["no"]], "test": [str(v) for v in nodes["test"]],
            "value": [int(v) for v in nodes["value"]],
            "n_train": [int(v) for v in nodes["n_train"]],
            "merged": [[str(m) for m in ms] for ms in nodes["merged"]],
            "rules": [" and ".join(path_words(nodes, i, [])) if i == 0 or nodes["shown"][i] == i
                      else "" for i in range(len(nodes["yes"]))]}


def tree_lines(nodes: dict[str, Any], names: Sequence[str], i: int, indent: str,
               lines: list[str], depth_left: int = -1) -> None:
    """Node ``i`` of a transition tree and below as indented rules (appended to ``lines``);
    ``depth_left`` tests more (-1: all)."""
    dest, n = names[int(nodes["value"][i])], int(nodes["n_train"][i])
    if nodes["yes"][i] < 0:
        lines.append(f"{indent}-> {dest} (n={n})")
        return
    if depth_left == 0:
        lines.append(f"{indent}-> mostly {dest} (n={n}; deeper rules not shown)")
        return
    test = nodes["test"][i]
    head, _, value = test.rpartition(" <= ")
    lines.append(f"{indent}if {test}:")
    tree_lines(nodes, names, int(nodes["yes"][i]), indent + "  ", lines, depth_left - 1)
    lines.append(f"{indent}if {head} > {value}:")
    tree_lines(nodes, names, int(nodes["no"][i]), indent + "  ", lines, depth_left - 1)
