"""Describe a selected group of samples: who is in it, how the model does on it, and rules in
words that tell it apart from the rest.

:func:`describe_selection` takes a run (:func:`~xaiwidgets.open_run`) or in-memory results and
a group of samples (a boolean mask or indices: "the misclassified", a lasso in the overview) and
returns a :class:`SelectionDescription`:

* label and prediction counts, group against the rest;
* every stored metric's mean over the group and over the rest, with seeded bootstrap intervals
  (:func:`~xaiwidgets.metrics.stats.bootstrap_interval`);
* the group's mean attribution per method, read block by block;
* rules over interpretable columns (concepts the model's concept probes predict, tabular input
  attributes, neuron activations, metrics, confidence) that separate the group from the rest:
  the group-predicting leaves of a shallow decision tree (depth <= 3, balanced class weights,
  seeded), each with its support, precision, recall and a randomisation p-value: the tree is
  refitted on shuffled group labels, and a rule's p-value is the share of those fits whose best
  leaf scores at least as well as the rule (the maximum over leaves, so the choice of the best
  rule is paid for). ``docs/overview.md`` says why a tree here, not the redescription miner.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._core.random import check_seed
from .._core.results import Result
from .._core.validation import check_int, check_number, check_option, describe
from ..metrics.stats import bootstrap_interval
from .fit import read_rows, sample_rows

__all__ = ["COLUMN_KINDS", "Count", "MetricMean", "Rule", "SelectionDescription",
           "describe_selection"]

#: The families of columns rules are mined over.
COLUMN_KINDS = ("concepts", "inputs", "neurons", "metrics", "confidence")
#: Columns with more missing values (unscored samples) than this share are not mined.
MAX_MISSING = 0.05
#: Rows read per block when averaging attributions (whole shards of a run's arrays).
BLOCK_ROWS = 1024


@dataclass(frozen=True)
class Count:
    """How often each class occurs in the group and in the rest.

    Attributes
    ----------
    column : {"label", "prediction"}
    classes : list of str
        Class names (or indices as text), the classes present in either group.
    group, rest : list of int
        Per class, the samples of the group and of the rest.
    """

    column: str
    classes: list[str]
    group: list[int]
    rest: list[int]


@dataclass(frozen=True)
class MetricMean:
    """A metric's mean over the group and over the rest, with bootstrap intervals.

    Attributes
    ----------
    method, metric : str
    group, rest : tuple of (mean, low, high, n)
        Mean, its percentile-bootstrap interval at ``level`` and the finite values behind it.
    """

    method: str
    metric: str
    group: tuple[float, float, float, int]
    rest: tuple[float, float, float, int]


@dataclass(frozen=True)
class Rule:
    """A conjunction of conditions that holds mostly inside the group.

    Attributes
    ----------
    text : str
        The rule in words: ``"concept 'stripes' present and fc1[12] > 0.41"``.
    conditions : list of (column, low, high)
        Each condition ``low < column <= high`` (None: unbounded); columns by name.
    support : int
        Group samples the rule covers.
    covered : int
        Samples the rule covers (group and rest).
    precision, recall : float
        ``support / covered`` and ``support / group size``.
    pvalue : float
        Randomisation p-value: ``(1 + #shuffled fits scoring >= this rule) / (1 + n)``.
    rows : ndarray of int64
        The covered samples (indices into the source's samples).
    """

    text: str
    conditions: list[tuple[str, float | None, float | None]]
    support: int
    covered: int
    precision: float
    recall: float
    pvalue: float
    rows: np.ndarray = field(repr=False)

    def sentence(self) -> str:
        return (f"{self.text}: covers {self.support} samples of the group and "
                f"{self.covered - self.support} of the others (precision {self.precision:.0%}, "
                f"recall {self.recall:.0%}, p = {self.pvalue:.3g})")


@dataclass(frozen=True)
class SelectionDescription:
    """What :func:`describe_selection` found (plain data).

    Attributes
    ----------
    n_group, n_rest : int
        Samples in the group and in what it is compared with.
    against : str
        ``"the rest"`` or ``"the other selection"``.
    counts : list of Count
        Labels (when known) and predictions.
    metrics : list of MetricMean
    mean_attribution : dict of str to ndarray
        Per method, the group's mean attribution (shaped like one sample's).
    rules : list of Rule
        Best first (by F1 score of group membership); at most ``max_rules``.
    columns : list of str
        The columns the rules were mined over.
    n_permutations : int
    mined_rows : int
        Samples the tree was fitted on (all group and compared samples, or a seeded sample).
    level : float
        Of the bootstrap intervals.
    notes : list of str
        Columns left out and why.
    """

    n_group: int
    n_rest: int
    against: str
    counts: list[Count]
    metrics: list[MetricMean]
    mean_attribution: dict[str, np.ndarray]
    rules: list[Rule]
    columns: list[str]
    n_permutations: int
    mined_rows: int
    level: float
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The description in sentences (names from the data appear as plain text)."""
        lines = [f"The group has {self.n_group} samples, compared with {self.n_rest} samples "
                 f"({self.against})."]
        for c in self.counts:
            top = sorted(zip(c.classes, c.group, c.rest, strict=True), key=lambda t: -t[1])[:5]
            parts = ", ".join(f"{name}: {g} vs {r}" for name, g, r in top)
            lines.append(f"Most frequent {c.column}s in the group (group vs others): {parts}.")
        for m in self.metrics:
            g, r = m.group, m.rest
            lines.append(f"{m.metric} of {m.method}: {_num(g[0])} [{_num(g[1])}, {_num(g[2])}] "
                         f"in the group, {_num(r[0])} [{_num(r[1])}, {_num(r[2])}] in the "
                         f"others ({self.level:.0%} bootstrap intervals).")
        if not self.rules:
            lines.append(f"No rule over {len(self.columns)} columns tells the group apart.")
        for k, rule in enumerate(self.rules, 1):
            lines.append(f"Rule {k}: {rule.sentence()}.")
        if self.rules:
            lines.append(f"p-values: {self.n_permutations} fits of the same tree on shuffled "
                         f"group labels ({self.mined_rows} samples).")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def to_dict(self, rows: bool = False) -> dict[str, Any]:
        """JSON-ready plain data (NaN as None): everything but the mean attributions, with
        each rule's covered rows as a list when ``rows``."""
        def clean(v: Any) -> Any:
            if isinstance(v, float) and not math.isfinite(v):
                return None
            if isinstance(v, (list, tuple)):
                return [clean(x) for x in v]
            return v

        return {
            "n_group": self.n_group, "n_rest": self.n_rest, "against": self.against,
            "counts": [{"column": c.column, "classes": c.classes, "group": c.group,
                        "rest": c.rest} for c in self.counts],
            "metrics": [{"method": m.method, "metric": m.metric, "group": clean(m.group),
                         "rest": clean(m.rest)} for m in self.metrics],
            "rules": [{"text": r.text, "conditions": clean(r.conditions), "support": r.support,
                       "covered": r.covered, "precision": r.precision, "recall": r.recall,
                       "pvalue": r.pvalue, **({"rows": r.rows.tolist()} if rows else {})}
                      for r in self.rules],
            "columns": self.columns, "n_permutations": self.n_permutations,
            "mined_rows": self.mined_rows, "level": self.level, "notes": self.notes,
            "text": self.text(),
        }


def _num(v: float) -> str:
    return "nan" if not math.isfinite(v) else f"{v:.3g}"


# -- the source's columns ------------------------------------------------------------------

def _results(source: Any) -> dict[str, Result]:
    from .run import Run

    if isinstance(source, Run):
        return dict(source.results)
    if isinstance(source, Result):
        return {type(source).__name__: source}
    if isinstance(source, Mapping) and source and all(
            isinstance(v, Result) for v in source.values()):
        return {str(k): v for k, v in source.items()}
    if isinstance(source, Sequence) and source and all(isinstance(v, Result) for v in source):
        return {f"{type(v).__name__}{i}": v for i, v in enumerate(source)}
    raise TypeError(f"argument 'source': expected a Run (xw.open_run), a Result or a dict of "
                    f"Results over the same samples, got {describe(source)}")


def _length(results: Mapping[str, Result]) -> int:
    lengths = {k: len(r) for k, r in results.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"argument 'source': the results cover different numbers of samples "
                         f"{lengths}; expected the same samples in every result")
    return next(iter(lengths.values()))


def _column(a: Any) -> np.ndarray:
    return np.asarray(a[...] if hasattr(a, "chunks") else a)


class _Table:
    """Named numeric columns to mine over: 1-D ones read whole, neuron blocks read for the
    mined rows only."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.labels: list[str] = []  # how a condition on the column reads
        self.kinds: list[str] = []  # "bool", "code" or "number"
        self.values: list[list[Any]] = []  # a concept's values (kind "code")
        self.sources: list[tuple[Any, int | None]] = []  # (array, unit or None)

    def add(self, name: str, label: str, kind: str, source: Any, unit: int | None = None,
            values: list[Any] | None = None) -> None:
        self.names.append(name)
        self.labels.append(label)
        self.kinds.append(kind)
        self.values.append(values or [])
        self.sources.append((source, unit))

    def matrix(self, rows: np.ndarray) -> np.ndarray:
        out = np.empty((len(rows), len(self.names)), dtype=np.float64)
        cache: dict[int, np.ndarray] = {}
        for j, (src, unit) in enumerate(self.sources):
            if unit is None:
                out[:, j] = _column(src)[rows]
                if self.kinds[j] != "number":  # code -1: a failed sample, missing
                    out[out[:, j] < 0, j] = np.nan
                continue
            key = id(src)
            if key not in cache:  # a feature's rows, read block by block
                cache[key] = np.asarray(read_rows(src, rows, block=_block(src)),
                                        dtype=np.float64).reshape(len(rows), -1)
            out[:, j] = cache[key][:, unit]
        return out


def _block(src: Any) -> int:
    shards = getattr(src, "shards", None) or getattr(src, "chunks", None)
    unit = int(shards[0]) if isinstance(shards, tuple) and shards else BLOCK_ROWS
    return max(unit, BLOCK_ROWS // max(unit, 1) * unit)


def _flag(value: Any) -> str | None:
    """'present' / 'absent' for a two-valued concept whose values read as yes / no."""
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "present", "1.0"):
        return "present"
    if text in ("false", "0", "no", "absent", "0.0"):
        return "absent"
    return None


def _collect(results: Mapping[str, Result], kinds: Sequence[str], features: Any,
             input_names: Sequence[str] | None, max_neurons: int, notes: list[str]) -> _Table:
    from ..attributions.compare import AttributionResult
    from ..concepts.result import ConceptPredictions
    from .steps import Activations

    table = _Table()
    wanted = None if features is None else ([features] if isinstance(features, str)
                                            else list(features))
    seen_features: list[str] = []
    for r in results.values():
        if isinstance(r, AttributionResult):
            if "confidence" in kinds:
                table.add("confidence", "confidence", "number", r.prob)
            if "metrics" in kinds:
                for method, ms in r.metrics.items():
                    for metric, v in ms.items():
                        table.add(f"{metric} ({method})", f"{metric} of {method}", "number", v)
            if "inputs" in kinds and r.kind == "tabular" and len(r.inputs.shape) == 2:
                n_in = int(r.inputs.shape[1])
                names = list(input_names) if input_names is not None else [
                    f"x[{j}]" for j in range(n_in)]
                if len(names) != n_in:
                    raise ValueError(f"argument 'input_names': expected {n_in} names (one per "
                                     f"input column), got {len(names)}")
                for j, nm in enumerate(names):
                    table.add(str(nm), str(nm), "number", r.inputs, unit=j)
        elif isinstance(r, ConceptPredictions) and "concepts" in kinds:
            for c in r.concept_names:
                vals = list(r.values[c])
                if len(vals) == 2 and _flag(vals[1]) == "present":
                    table.add(f"concept {c}", f"concept '{c}'", "bool", r.codes[c],
                              values=vals)
                elif len(vals) >= 2:
                    table.add(f"concept {c}", f"concept '{c}'", "code", r.codes[c],
                              values=vals)
        elif isinstance(r, Activations) and "neurons" in kinds:
            for f, arr in r.values.items():
                seen_features.append(f)
                if wanted is not None and f not in wanted:
                    continue
                d = int(np.prod(arr.shape[1:], dtype=np.int64))
                if d > max_neurons:
                    notes.append(f"feature {f!r} has {d} units, more than max_neurons="
                                 f"{max_neurons}: not mined")
                    continue
                layer = r.layers.get(f, f)
                for u in range(d):
                    table.add(f"{layer}[{u}]", f"{layer}[{u}]", "number", arr, unit=u)
    if wanted is not None and "neurons" in kinds:
        unknown = [f for f in wanted if f not in seen_features]
        if unknown:
            raise ValueError(f"argument 'features': no stored activations named {unknown}; "
                             f"the source has {seen_features}")
    return table


# -- the rules -----------------------------------------------------------------------------

def _fit_tree(X: np.ndarray, y: np.ndarray, depth: int, min_leaf: int, seed: int) -> Any:
    from sklearn.tree import DecisionTreeClassifier

    return DecisionTreeClassifier(max_depth=depth, class_weight="balanced",
                                  min_samples_leaf=min_leaf, random_state=seed).fit(X, y)


def _leaf_paths(tree: Any) -> list[list[tuple[int, float | None, float | None]]]:
    """Per leaf predicting the group, its conditions ``(column, low, high)`` merged per column."""
    t = tree.tree_
    out = []

    def walk(node: int, path: dict[int, list[float | None]]) -> None:
        if t.children_left[node] == -1:
            if int(np.argmax(t.value[node][0])) == 1:
                out.append([(j, lo, hi) for j, (lo, hi) in sorted(path.items())])
            return
        j, thr = int(t.feature[node]), float(t.threshold[node])
        lo, hi = path.get(j, [None, None])
        left = dict(path)
        left[j] = [lo, thr if hi is None else min(hi, thr)]
        right = dict(path)
        right[j] = [thr if lo is None else max(lo, thr), hi]
        walk(int(t.children_left[node]), left)
        walk(int(t.children_right[node]), right)

    walk(0, {})
    return out


def _covers(X: np.ndarray, conds: list[tuple[int, float | None, float | None]]) -> np.ndarray:
    m = np.ones(len(X), dtype=bool)
    for j, lo, hi in conds:
        if lo is not None:
            m &= X[:, j] > lo
        if hi is not None:
            m &= X[:, j] <= hi
    return m


def _f1(cover: np.ndarray, y: np.ndarray) -> float:
    tp = float((cover & y).sum())
    return 2 * tp / (float(cover.sum()) + float(y.sum())) if tp else 0.0


def _simplify(X: np.ndarray, y: np.ndarray, conds: list[tuple[int, float | None, float | None]]
              ) -> tuple[list[tuple[int, float | None, float | None]], np.ndarray]:
    """Drop the conditions whose removal keeps the rule's precision (a tree splits a branch
    for the sake of its other leaves): shorter rules that cover more of the group."""
    cover = _covers(X, conds)

    def precision(c: np.ndarray) -> float:
        return float((c & y).sum()) / max(int(c.sum()), 1)

    changed = True
    while changed and len(conds) > 1:
        changed = False
        base = precision(cover)
        for k in range(len(conds)):
            shorter = conds[:k] + conds[k + 1:]
            c = _covers(X, shorter)
            if precision(c) >= base:
                conds, cover, changed = shorter, c, True
                break
    return conds, cover


def _rules(tree: Any, X: np.ndarray, y: np.ndarray) -> list[tuple[float, list[Any], np.ndarray]]:
    """(F1, conditions, cover) of every simplified group-predicting leaf, best first, each
    distinct rule once."""
    out: dict[tuple[Any, ...], tuple[float, list[Any], np.ndarray]] = {}
    for conds in _leaf_paths(tree):
        conds, cover = _simplify(X, y, conds)
        if (cover & y).any():
            out.setdefault(tuple(conds), (_f1(cover, y), conds, cover))
    return sorted(out.values(), key=lambda r: -r[0])


def _short(v: float) -> str:
    return f"{v:.3g}"


def _condition_text(table: _Table, j: int, lo: float | None, hi: float | None) -> str:
    label, kind, vals = table.labels[j], table.kinds[j], table.values[j]
    if kind == "bool":  # codes 0 / 1: one split at 0.5
        return f"{label} {'present' if lo is not None else 'absent'}"
    if kind == "code":
        first = 0 if lo is None else math.floor(lo) + 1
        last = len(vals) - 1 if hi is None else math.floor(hi)
        chosen = [str(v) for v in vals[first:last + 1]]
        if len(chosen) == 1:
            return f"{label} = {chosen[0]}"
        return f"{label} in {{{', '.join(chosen)}}}"
    if lo is not None and hi is not None:
        return f"{_short(lo)} < {label} <= {_short(hi)}"
    if lo is not None:
        return f"{label} > {_short(lo)}"
    return f"{label} <= {_short(hi)}"  # type: ignore[arg-type]


def _mine(table: _Table, X: np.ndarray, rows: np.ndarray, y: np.ndarray, *, depth: int,
          min_leaf: int, n_perm: int, max_rules: int, max_columns: int, seed: int,
          n_jobs: int) -> list[Rule]:
    ok = np.isfinite(X).all(axis=1)  # rows with a missing value (a failed sample) sit out
    X, y, rows = X[ok], y[ok], rows[ok]
    if len(np.unique(y)) < 2:
        return []
    xt = X.astype(np.float32)  # what the tree splits on (its own dtype: no copy per fit)
    ranks = None
    if X.shape[1] > max_columns:
        from scipy.stats import rankdata

        ranks = rankdata(X, axis=0)
    middle = (len(X) + 1) / 2

    def search(yv: np.ndarray) -> list[tuple[float, list[Any], np.ndarray]]:
        """The tree's rules, on the ``max_columns`` columns whose mean rank differs most
        between the group and the others (the screen is part of the search: the shuffled
        labels go through it too)."""
        if ranks is None:
            return _rules(_fit_tree(xt, yv, depth, min_leaf, seed), xt, yv)
        shift = np.abs(yv.astype(np.float64) @ ranks / max(int(yv.sum()), 1) - middle)
        cols = np.sort(np.argsort(-shift, kind="stable")[:max_columns])
        xs = np.ascontiguousarray(xt[:, cols])
        return [(f1, [(int(cols[j]), lo, hi) for j, lo, hi in conds], cover)
                for f1, conds, cover in _rules(_fit_tree(xs, yv, depth, min_leaf, seed), xs, yv)]

    candidates = search(y)[:max_rules]
    if not candidates:
        return []
    rng = np.random.default_rng(seed)
    shuffled = [rng.permutation(y) for _ in range(n_perm)]  # drawn in order: seeded

    def best(yp: np.ndarray) -> float:  # the same search on shuffled group labels
        found = search(yp)
        return found[0][0] if found else 0.0

    # tree fits release the GIL: threads share X without copies
    with ThreadPoolExecutor(max_workers=n_jobs) as pool:
        null = np.array(list(pool.map(best, shuffled)))
    n_group = int(y.sum())
    rules = []
    for score, conds, cover in candidates:
        support = int((cover & y).sum())
        text = " and ".join(_condition_text(table, j, lo, hi) for j, lo, hi in conds)
        rules.append(Rule(
            text=text or "every sample",
            conditions=[(table.names[j], lo, hi) for j, lo, hi in conds],
            support=support, covered=int(cover.sum()),
            precision=support / int(cover.sum()), recall=support / n_group,
            pvalue=float((1 + np.sum(null >= score - 1e-12)) / (1 + n_perm)),
            rows=rows[cover].astype(np.int64)))
    return rules


# -- counts, metrics, mean attributions -----------------------------------------------------

def _class_name(c: int, class_names: Sequence[str] | None) -> str:
    if class_names is not None and 0 <= c < len(class_names):
        return str(class_names[c])
    return str(c)


def _counts(name: str, values: np.ndarray, group: np.ndarray, rest: np.ndarray,
            class_names: Sequence[str] | None) -> Count:
    classes = np.unique(np.concatenate([values[group], values[rest]]))
    classes = classes[classes >= 0]  # -1: a failed sample
    return Count(column=name, classes=[_class_name(int(c), class_names) for c in classes],
                 group=[int((values[group] == c).sum()) for c in classes],
                 rest=[int((values[rest] == c).sum()) for c in classes])


def _interval(v: np.ndarray, level: float, seed: int) -> tuple[float, float, float, int]:
    finite = v[np.isfinite(v)]
    mean = float(finite.mean()) if len(finite) else float("nan")
    lo, hi = bootstrap_interval(v, level=level, seed=seed)
    return mean, lo, hi, len(finite)


def _group_mean(arr: Any, group: np.ndarray) -> np.ndarray:
    """The mean of ``arr``'s rows ``group`` (sorted), reading only the blocks that hold them."""
    n = int(arr.shape[0])
    block = _block(arr)
    total = np.zeros(tuple(arr.shape[1:]), dtype=np.float64)
    count = np.zeros(tuple(arr.shape[1:]), dtype=np.int64)
    bounds = np.searchsorted(group, np.arange(0, n + block, block))
    for b, start in enumerate(range(0, n, block)):
        take = group[bounds[b]:bounds[b + 1]] - start
        if not len(take):
            continue
        x = np.asarray(arr[start:min(start + block, n)], dtype=np.float64)[take]
        finite = np.isfinite(x)
        total += np.where(finite, x, 0.0).sum(axis=0)
        count += finite.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (total / count).astype(np.float32)


def _rows_of(selected: Any, n: int, name: str, *, also: str = "",
             merge_repeats: bool = False) -> np.ndarray:
    """Sorted int64 rows of a boolean mask of length ``n`` or of sample indices. ``also``
    names other accepted forms in the error; repeated indices are refused unless
    ``merge_repeats``."""
    a = np.asarray(selected)
    if a.dtype == bool:
        if a.shape != (n,):
            raise ValueError(f"argument '{name}': expected a boolean mask of shape ({n},) or "
                             f"sample indices, got {describe(a)}")
        return np.flatnonzero(a).astype(np.int64)
    if a.ndim != 1 or (a.size and a.dtype.kind not in "iu"):
        raise ValueError(f"argument '{name}': expected {also}a boolean mask of shape ({n},) "
                         f"or sample indices, got {describe(selected)}")
    a = a.astype(np.int64)
    if a.size and (a.min() < 0 or a.max() >= n):
        raise ValueError(f"argument '{name}': indices must lie in [0, {n}), got "
                         f"{int(a.min())}..{int(a.max())}")
    rows = np.unique(a)
    if len(rows) != len(a) and not merge_repeats:
        raise ValueError(f"argument '{name}': indices repeat ({len(a) - len(rows)} repeats)")
    return rows


def describe_selection(
    source: Any,
    selected: Any,
    *,
    against: Any = "rest",
    features: str | Sequence[str] | None = None,
    columns: Sequence[str] = COLUMN_KINDS,
    input_names: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    max_rules: int = 5,
    max_depth: int = 3,
    min_support: float = 0.02,
    n_permutations: int = 99,
    sample: int | None = 10_000,
    max_neurons: int = 512,
    max_columns: int = 24,
    level: float = 0.95,
    seed: int = 0,
    n_jobs: int | None = None,
) -> SelectionDescription:
    """Describe a group of samples against the rest, in counts, metrics and rules in words.

    Parameters
    ----------
    source : Run, Result, or dict of str to Result
        A run (:func:`~xaiwidgets.open_run`) or in-memory results over the same samples
        (:func:`~xaiwidgets.compare_attributions`' result, concept predictions, activations).
    selected : bool array (N,) or int array
        The group.
    against : "rest", bool array (N,) or int array, default "rest"
        What the group is compared with: every other sample, or another selection (disjoint
        from the group).
    features : str or list of str, optional
        The stored activations whose units rules may use (default: all, each of at most
        ``max_neurons`` units).
    columns : sequence of str, default all of :data:`COLUMN_KINDS`
        Families of columns rules may use: "concepts", "inputs" (tabular inputs), "neurons",
        "metrics", "confidence".
    input_names : list of str, optional
        Names of the tabular input columns (default ``x[j]``).
    class_names : list of str, optional
        Names of the classes in the counts.
    max_rules : int, default 5
    max_depth : int, default 3
        Of the tree (at most 3: rules of at most three conditions stay readable).
    min_support : float, default 0.02
        Smallest leaf, as a share of the mined samples.
    n_permutations : int, default 99
        Shuffled-label refits behind each p-value (at least 99).
    sample : int or None, default 10_000
        Rules are mined on at most this many samples (a seeded sample; None: all).
    max_neurons : int, default 512
    max_columns : int, default 24
        The tree sees the columns whose mean rank differs most between the group and the
        others, this many (a screen repeated for every shuffled labelling).
    level : float, default 0.95
        Of the bootstrap intervals.
    seed : int, default 0
    n_jobs : int, optional
        Threads fitting the shuffled-label trees (default: one per core). The result does not
        depend on it.

    Returns
    -------
    SelectionDescription
    """
    results = _results(source)
    n = _length(results)
    seed = check_seed(seed)
    max_rules = check_int(max_rules, "max_rules", low=1)
    max_depth = check_int(max_depth, "max_depth", low=1, high=3)
    n_permutations = check_int(n_permutations, "n_permutations", low=99)
    max_neurons = check_int(max_neurons, "max_neurons", low=1)
    max_columns = check_int(max_columns, "max_columns", low=1)
    sample = check_int(sample, "sample", low=10, allow_none=True)
    min_support = check_number(min_support, "min_support", low=0.0, high=0.5)
    level = check_number(level, "level", low=0.5, high=0.999)
    n_jobs = check_int(n_jobs, "n_jobs", low=1, allow_none=True) or os.cpu_count() or 1
    if isinstance(columns, str) or not isinstance(columns, Sequence):
        raise TypeError(f"argument 'columns': expected a list of {list(COLUMN_KINDS)}, got "
                        f"{describe(columns)}")
    for c in columns:
        check_option(c, "columns", COLUMN_KINDS)
    group = _rows_of(selected, n, "selected")
    if isinstance(against, str):
        check_option(against, "against", ("rest",))
        mask = np.ones(n, dtype=bool)
        mask[group] = False
        rest = np.flatnonzero(mask)
        against_text = "the rest"
    else:
        rest = _rows_of(against, n, "against")
        if np.intersect1d(group, rest).size:
            raise ValueError("argument 'against': shares samples with 'selected'; expected a "
                             "disjoint group")
        against_text = "the other selection"
    if not len(group) or not len(rest):
        raise ValueError(f"argument 'selected': expected a group of samples with others to "
                         f"compare it with; the group has {len(group)} samples, the others "
                         f"{len(rest)}")

    from ..attributions.compare import AttributionResult

    counts: list[Count] = []
    metrics: list[MetricMean] = []
    mean_attr: dict[str, np.ndarray] = {}
    for r in results.values():
        if not isinstance(r, AttributionResult) or counts:
            continue
        if r.y_true is not None:
            counts.append(_counts("label", _column(r.y_true), group, rest, class_names))
        counts.append(_counts("prediction", _column(r.y_pred), group, rest, class_names))
        for method, ms in r.metrics.items():
            for metric, v in ms.items():
                v = _column(v).astype(np.float64)
                metrics.append(MetricMean(method, metric, _interval(v[group], level, seed),
                                          _interval(v[rest], level, seed)))
        for method, a in r.attributions.items():
            mean_attr[method] = _group_mean(a, group)

    notes: list[str] = []
    table = _collect(results, list(columns), features, input_names, max_neurons, notes)
    both = np.union1d(group, rest)
    mined = both if sample is None or len(both) <= sample else np.sort(
        both[sample_rows(len(both), sample, seed)])
    y = np.isin(mined, group)
    if table.names:  # columns with many missing values (unscored samples) are not mined
        X = table.matrix(mined)
        missing = (~np.isfinite(X)).mean(axis=0)
        keep = np.flatnonzero(missing <= MAX_MISSING)
        for j in np.flatnonzero(missing > MAX_MISSING):
            notes.append(f"{table.names[j]}: {missing[j]:.0%} missing, not mined")
        kept = _Table()
        for j in keep:
            kept.add(table.names[j], table.labels[j], table.kinds[j], *table.sources[j],
                     values=table.values[j])
        table, X = kept, X[:, keep]
    rules: list[Rule] = []
    if table.names:
        rules = _mine(table, X, mined, y, depth=max_depth,
                      min_leaf=max(1, int(min_support * len(mined))), n_perm=n_permutations,
                      max_rules=max_rules, max_columns=max_columns, seed=seed,
                      n_jobs=n_jobs)
    return SelectionDescription(
        n_group=len(group), n_rest=len(rest), against=against_text, counts=counts,
        metrics=metrics, mean_attribution=mean_attr, rules=rules, columns=list(table.names),
        n_permutations=n_permutations, mined_rows=len(mined), level=level, notes=notes)
