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

__all__ = ["equality_test", "format_value", "threshold_test", "tree_nodes"]

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
