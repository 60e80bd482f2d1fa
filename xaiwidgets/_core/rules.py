"""One way to turn a decision tree's splits into words.

A split is described by a function ``describe(feature, threshold) -> (text, yes_is_left)``:
sklearn sends ``x[feature] <= threshold`` to the left child, so a threshold test reads
"yes" on the left (``scale <= 0.7``) and an indicator column of a one-hot value reads "yes" on
the right (``shape = heart``). :func:`tree_nodes` walks a fitted sklearn tree with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "category_test",
    "conjunction",
    "disjunction",
    "equality_test",
    "format_value",
    "interval_test",
    "merge_same_class",
    "negation",
    "node_bounds",
    "threshold_test",
    "tree_nodes",
]

Describe = Callable[[int, float], tuple[str, bool]]


def format_value(v: Any) -> str:
    """Short display text of a value (3 significant digits for floats)."""
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.3g}"
    if isinstance(v, (bytes, np.bytes_)):
        return v.decode(errors="replace")
    return str(v)


def threshold_test(name: str, threshold: float, known: Sequence[float] | np.ndarray | None = None
                   ) -> tuple[str, bool]:
    """``name <= v``: v is the largest known value at or below the threshold (so the words use
    values that occur), else the threshold itself."""
    shown = f"{threshold:.3g}"
    if known is not None:
        vals = np.asarray(known, dtype=np.float64)
        below = vals[vals <= threshold]
        if len(below):
            shown = format_value(below.max())
    return f"{name} <= {shown}", True


def equality_test(name: str, value: Any) -> tuple[str, bool]:
    """``name = value`` for a 0/1 indicator column (true values go right in sklearn)."""
    return f"{name} = {format_value(value)}", False


def tree_nodes(estimator: Any, describe: Describe) -> dict[str, Any]:
    """A fitted sklearn tree as arrays, node 0 the root, tests in words.

    Returns
    -------
    dict
        ``yes``/``no``: child ids (-1 for leaves) where the test holds / fails; ``test``: the
        split in words (``""`` for leaves); ``feature``: the column tested (-1 for leaves);
        ``value``: index into ``estimator.classes_`` of the class a node predicts (classifiers);
        ``n_train``: training samples reaching the node; ``depth``.
    """
    t = estimator.tree_
    m = t.node_count
    yes = np.full(m, -1, dtype=np.int64)
    no = np.full(m, -1, dtype=np.int64)
    feature = np.full(m, -1, dtype=np.int64)
    tests = [""] * m
    depth = np.zeros(m, dtype=np.int64)
    for i in range(m):
        left, right = int(t.children_left[i]), int(t.children_right[i])
        if left == -1:
            continue
        text, yes_left = describe(int(t.feature[i]), float(t.threshold[i]))
        tests[i] = text
        yes[i], no[i] = (left, right) if yes_left else (right, left)
        feature[i] = int(t.feature[i])
        depth[left] = depth[right] = depth[i] + 1
    return {"yes": yes, "no": no, "test": tests, "feature": feature,
            "value": t.value[:, 0, :].argmax(axis=1).astype(np.int64),
            "n_train": t.n_node_samples.astype(np.int64), "depth": depth}


# -- interval conjunctions (redescriptions) ----------------------------------------------------
# A node of a tree is the conjunction of the tests on its path: per feature an interval
# ``low < x <= high`` (open on the left, closed on the right, as sklearn splits). The functions
# below give those boxes as arrays and write literals, conjunctions and disjunctions in words.


def node_bounds(estimator: Any, n_features: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The box of every node of a fitted sklearn tree: ``low < x[f] <= high`` for each feature.

    Returns
    -------
    low, high : np.ndarray of shape (n_nodes, n_features)
        ``-inf`` / ``+inf`` where the path does not test the feature; node 0 (the root) is
        unbounded.
    """
    t = estimator.tree_
    f = int(n_features if n_features is not None else t.n_features)
    low = np.full((t.node_count, f), -np.inf)
    high = np.full((t.node_count, f), np.inf)
    # Parents come before their children in sklearn's node order, so one pass suffices.
    for i in range(t.node_count):
        left, right = int(t.children_left[i]), int(t.children_right[i])
        if left == -1:
            continue
        feat, thr = int(t.feature[i]), float(t.threshold[i])
        low[left], high[left] = low[i], high[i]
        low[right], high[right] = low[i], high[i]
        high[left, feat] = min(high[i, feat], thr)
        low[right, feat] = max(low[i, feat], thr)
    return low, high


def _shown(value: float, known: np.ndarray | None) -> str:
    """A bound as text: the largest known value at or below it (values that occur), if any."""
    if known is not None:
        below = known[known <= value]
        if len(below):
            return format_value(below.max())
    return f"{value:.3g}"


def interval_test(name: str, low: float, high: float,
                  known: Sequence[float] | np.ndarray | None = None) -> str:
    """``name <= u``, ``name > l`` or ``l < name <= u`` (bounds shown as values that occur)."""
    vals = None if known is None else np.asarray(known, dtype=np.float64)
    lo_inf, hi_inf = not np.isfinite(low), not np.isfinite(high)
    if lo_inf and hi_inf:
        return f"{name} is any value"
    if lo_inf:
        return f"{name} <= {_shown(high, vals)}"
    if hi_inf:
        return f"{name} > {_shown(low, vals)}"
    return f"{_shown(low, vals)} < {name} <= {_shown(high, vals)}"


def category_test(name: str, values: Sequence[Any], included: Sequence[bool]) -> str:
    """A categorical attribute restricted to some of its ``values``: ``name = v``,
    ``name != v`` or ``name in {a, b}``."""
    inc = [format_value(v) for v, keep in zip(values, included, strict=True) if keep]
    exc = [format_value(v) for v, keep in zip(values, included, strict=True) if not keep]
    if len(inc) == 1:
        return f"{name} = {inc[0]}"
    if len(exc) == 1:
        return f"{name} != {exc[0]}"
    if not inc:
        return f"{name} is none of its values"
    return f"{name} in {{{', '.join(inc)}}}"


def conjunction(literals: Sequence[str]) -> str:
    """Literals joined by AND (one literal stays as it is)."""
    return " AND ".join(literals) if literals else "any sample"


def negation(text: str, compound: bool) -> str:
    """``NOT text``, parenthesised when ``text`` combines several literals."""
    return f"NOT ({text})" if compound else f"NOT {text}"


def disjunction(terms: Sequence[str], compound: Sequence[bool]) -> str:
    """Terms joined by OR; terms that are themselves conjunctions get parentheses."""
    return " OR ".join(f"({t})" if c else t for t, c in zip(terms, compound, strict=True))


def merge_same_class(nodes: dict[str, Any]) -> dict[str, Any]:
    """A copy of a :func:`tree_nodes` dict in which every split whose two sides predict the same
    class is a leaf: it changes no prediction, so a reader need not follow it.

    Merging runs bottom-up, so a split whose children became leaves of one class by merging is
    merged too. Node ids are kept: merged nodes get ``yes = no = -1``, ``test = ""`` and
    ``feature = -1``; the nodes below them are unreachable from the root.

    Returns
    -------
    dict
        The same keys, plus ``merged``: per node the tests of the splits merged into it (the
        node's own first, then those below in pre-order; ``[]`` for none and for the nodes
        hidden inside a merged subtree), and ``shown``: per
        node the id of the node that shows it (itself, or the merged ancestor it now lies in).
    """
    yes = np.array(nodes["yes"], copy=True)
    no = np.array(nodes["no"], copy=True)
    value = np.array(nodes["value"], copy=True)
    tests = list(nodes["test"])
    m = len(yes)
    merged: list[list[str]] = [[] for _ in range(m)]
    order: list[int] = []
    stack = [0] if m else []
    while stack:  # pre-order from the root, iteratively
        i = stack.pop()
        order.append(i)
        if yes[i] >= 0:
            stack += [int(no[i]), int(yes[i])]
    for i in reversed(order):  # children before parents
        a, b = int(yes[i]), int(no[i])
        if a < 0 or yes[a] >= 0 or yes[b] >= 0 or value[a] != value[b]:
            continue
        merged[i] = [tests[i], *merged[a], *merged[b]]
        value[i] = value[a]
        yes[i] = no[i] = -1
        tests[i] = ""
    shown = np.arange(m, dtype=np.int64)
    for i in order:  # parents before children: a node inside a merged subtree takes its root
        if yes[i] < 0 and merged[i] and shown[i] == i:
            stack = [int(nodes["yes"][i]), int(nodes["no"][i])]
            while stack:
                j = stack.pop()
                shown[j] = i
                if nodes["yes"][j] >= 0:
                    stack += [int(nodes["yes"][j]), int(nodes["no"][j])]
    for j in range(m):  # a merged split inside a larger merge is listed once, by its root
        if shown[j] != j:
            merged[j] = []
    out = dict(nodes)
    out.update(yes=yes, no=no, value=value, test=tests, merged=merged, shown=shown)
    if "feature" in nodes:
        feature = np.array(nodes["feature"], copy=True)
        feature[(yes < 0) & (np.asarray(nodes["yes"]) >= 0)] = -1  # every merged split
        out["feature"] = feature
    return out
