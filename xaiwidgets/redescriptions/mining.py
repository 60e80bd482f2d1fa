"""Alternating tree-based redescription mining, in the spirit of CLUS-RM.

For one target column of the left view (a neuron), starting from its bins:

1. grow a multi-output :class:`~sklearn.tree.DecisionTreeRegressor` on the right view predicting
   the indicators of the current left queries (its multi-output squared error is the variance
   heuristic of a predictive clustering tree); every node's path is a conjunction of interval
   tests, i.e. a right query, and so is its negation;
2. grow a tree on the left view (only the target's own columns: "individual" redescriptions)
   predicting the best right queries, giving refined left queries;
3. repeat ``n_iterations`` times; pair every query with the targets its tree was grown for, and
   try disjunctions ``q OR q'`` of the best pairs with the rest of the pool.

"Interaction" redescriptions then combine the target's query with a query over the other left
columns (``AND`` / ``OR``). Supports are boolean matrices, every Jaccard index is a matrix
product, and queries with the same support are kept once (the shortest).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Union

import numpy as np
from sklearn.tree import DecisionTreeRegressor

from .._core.rules import category_test as _category_test
from .._core.rules import conjunction, disjunction, interval_test, negation, node_bounds
from .stats import bin_thresholds, intersections, jaccard, pvalue
from .views import Encoding

__all__ = ["And", "Box", "Config", "Not", "Or", "Query", "TargetResult", "evaluate", "mine_target",
           "query_columns", "query_from_data", "query_size", "query_text", "query_to_data",
           "query_without", "score"]


# -- queries ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Box:
    """A conjunction of interval tests ``low < x[c] <= high`` on encoded columns."""

    cols: tuple[int, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]


@dataclass(frozen=True)
class Not:
    child: Query


@dataclass(frozen=True)
class And:
    a: Query
    b: Query


@dataclass(frozen=True)
class Or:
    a: Query
    b: Query


Query = Union[Box, Not, And, Or]  # noqa: UP007 (a runtime alias; `|` needs Python 3.10 types)


def query_to_data(q: Query) -> dict[str, Any]:
    """``q`` as plain data (what a saved result holds): ``{"box": [cols, low, high]}``,
    ``{"not": q}``, ``{"and": [a, b]}`` or ``{"or": [a, b]}``."""
    if isinstance(q, Box):
        return {"box": [[int(c) for c in q.cols], [float(v) for v in q.low],
                        [float(v) for v in q.high]]}
    if isinstance(q, Not):
        return {"not": query_to_data(q.child)}
    if isinstance(q, (And, Or)):
        return {type(q).__name__.lower(): [query_to_data(q.a), query_to_data(q.b)]}
    raise TypeError(f"expected a query (Box, Not, And, Or), got {type(q).__name__}")


def query_from_data(d: Any) -> Query:
    """The query :func:`query_to_data` wrote (a query is returned as it is)."""
    if isinstance(d, (Box, Not, And, Or)):
        return d
    if not isinstance(d, dict) or len(d) != 1:
        raise ValueError(f"not a saved query: {d!r:.80}")
    (kind, v), = d.items()
    if kind == "box":
        cols, low, high = v
        return Box(tuple(int(c) for c in cols), tuple(float(x) for x in low),
                   tuple(float(x) for x in high))
    if kind == "not":
        return Not(query_from_data(v))
    if kind in ("and", "or"):
        return (And if kind == "and" else Or)(query_from_data(v[0]), query_from_data(v[1]))
    raise ValueError(f"not a saved query: unknown kind {kind!r}")


def evaluate(q: Query, matrix: np.ndarray) -> np.ndarray:
    """The support of ``q`` on an encoded matrix: (N,) bool."""
    if isinstance(q, Box):
        if not q.cols:
            return np.ones(len(matrix), dtype=bool)
        x = matrix[:, list(q.cols)]
        return np.all((x > np.asarray(q.low)) & (x <= np.asarray(q.high)), axis=1)
    if isinstance(q, Not):
        return ~evaluate(q.child, matrix)
    if isinstance(q, And):
        return evaluate(q.a, matrix) & evaluate(q.b, matrix)
    return evaluate(q.a, matrix) | evaluate(q.b, matrix)


def query_columns(q: Query, enc: Encoding) -> set[int]:
    """AttributeTable columns a query tests."""
    if isinstance(q, Box):
        return {int(enc.source[c]) for c in q.cols}
    if isinstance(q, Not):
        return query_columns(q.child, enc)
    return query_columns(q.a, enc) | query_columns(q.b, enc)


def query_without(q: Query, columns: set[int], enc: Encoding) -> Query:
    """``q`` with every test of the given view columns removed (a box without tests holds
    everywhere): what the rule says without those attributes."""
    if isinstance(q, Box):
        keep = [k for k, c in enumerate(q.cols) if int(enc.source[c]) not in columns]
        return Box(tuple(q.cols[k] for k in keep), tuple(q.low[k] for k in keep),
                   tuple(q.high[k] for k in keep))
    if isinstance(q, Not):
        return Not(query_without(q.child, columns, enc))
    return type(q)(query_without(q.a, columns, enc), query_without(q.b, columns, enc))


def query_size(q: Query, enc: Encoding) -> int:
    """Number of literals (one per view column of each box)."""
    if isinstance(q, Box):
        return len({int(enc.source[c]) for c in q.cols})
    if isinstance(q, Not):
        return query_size(q.child, enc)
    return query_size(q.a, enc) + query_size(q.b, enc)


def _negated_literal(enc: Encoding, lit: tuple[int, float, float, Any]) -> str | None:
    """The complement of one literal in words, when it is one literal again."""
    j, lo, hi, included = lit
    name = enc.view.columns[j]
    if included is not None:
        cats = enc.view.categories[j]
        assert cats is not None
        return _category_test(name, list(cats), (~np.asarray(included)).tolist())
    if np.isinf(lo) and np.isfinite(hi):
        return interval_test(name, hi, np.inf, enc.known(j))
    if np.isinf(hi) and np.isfinite(lo):
        return interval_test(name, -np.inf, lo, enc.known(j))
    return None


def _render(q: Query, enc: Encoding) -> tuple[str, bool]:
    """``(text, compound)``: compound texts need parentheses inside another operator."""
    if isinstance(q, Box):
        lits = enc.literal_specs(q.cols, q.low, q.high)
        return conjunction([enc.literal_text(lit) for lit in lits]), len(lits) > 1
    if isinstance(q, Not):
        if isinstance(q.child, Box):
            lits = enc.literal_specs(q.child.cols, q.child.low, q.child.high)
            if len(lits) == 1:
                flipped = _negated_literal(enc, lits[0])
                if flipped is not None:
                    return flipped, False
        text, compound = _render(q.child, enc)
        return negation(text, compound), False
    a, ca = _render(q.a, enc)
    b, cb = _render(q.b, enc)
    if isinstance(q, And):
        parts = [f"({t})" if isinstance(x, Or) else t for t, x in ((a, q.a), (b, q.b))]
        return conjunction(parts), True
    return disjunction([a, b], [ca and not isinstance(q.a, Or), cb and not isinstance(q.b, Or)]
                       ), True


def query_text(q: Query, enc: Encoding) -> str:
    """A query in words (``0.4 < net.n3 <= 2.1 AND shape = heart``)."""
    return _render(q, enc)[0]


# -- pools of queries with their supports ----------------------------------------------------

@dataclass
class _Pool:
    """Queries of one side, each with its support; a support is kept once (first = shortest)."""

    n: int
    rows: list[np.ndarray] = field(default_factory=list)
    makers: list[Callable[[], Query]] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    keys: dict[bytes, int] = field(default_factory=dict)
    _matrix: np.ndarray | None = None
    _floats: np.ndarray | None = None
    _counts: np.ndarray | None = None

    def add(self, supports: np.ndarray, makers: list[Callable[[], Query]], sizes: np.ndarray
            ) -> np.ndarray:
        """Indices of the given queries in the pool (existing ones for known supports)."""
        idx = np.empty(len(supports), dtype=np.int64)
        packed = np.packbits(supports, axis=1)
        for i in range(len(supports)):
            key = packed[i].tobytes()
            found = self.keys.get(key)
            if found is None:
                found = self.keys[key] = len(self.rows)
                self.rows.append(supports[i])
                self.makers.append(makers[i])
                self.sizes.append(int(sizes[i]))
                self._matrix = self._floats = self._counts = None
            idx[i] = found
        return idx

    @property
    def matrix(self) -> np.ndarray:
        if self._matrix is None:
            self._matrix = (np.stack(self.rows) if self.rows
                            else np.zeros((0, self.n), dtype=bool))
        return self._matrix

    @property
    def floats(self) -> np.ndarray:
        """The supports as float32 (matrix products count intersections)."""
        if self._floats is None:
            self._floats = self.matrix.astype(np.float32)
        return self._floats

    @property
    def counts(self) -> np.ndarray:
        """Support sizes."""
        if self._counts is None:
            self._counts = self.matrix.sum(axis=1)
        return self._counts

    def query(self, i: int) -> Query:
        return self.makers[i]()


def _kept(items: list[Callable[[], Query]], keep: Any) -> list[Callable[[], Query]]:
    return [items[i] for i in np.flatnonzero(keep)]


def _const(q: Query) -> Callable[[], Query]:
    return lambda: q


def _combine(op: type[And] | type[Or], a: Callable[[], Query], b: Callable[[], Query]
             ) -> Callable[[], Query]:
    """A query built on demand: most pool entries are never looked at in words."""
    return lambda: op(a(), b())


# -- configuration and result of one target ------------------------------------------------------

@dataclass(frozen=True)
class Config:
    """Validated mining settings (supports as counts of samples)."""

    min_jaccard: float
    min_support: int
    max_support: int
    max_pvalue: float
    binning: str
    n_bins: int
    n_iterations: int
    max_depth: int
    min_samples_leaf: int
    negation: bool
    disjunction: bool
    interaction: bool
    seed: int
    beam: int = 8  # queries one side's tree is grown to predict
    n_refine: int = 6  # best pairs tried with a disjunction / an interaction


@dataclass
class TargetResult:
    """Candidates of one target that pass the Jaccard and support filters."""

    target: int
    jaccard: np.ndarray
    pvalue: np.ndarray
    inter: np.ndarray
    n_left: np.ndarray
    n_right: np.ndarray
    size: np.ndarray
    interaction: np.ndarray  # bool: the left query uses other left columns
    left: list[Query]
    right: list[Query]
    max_jaccard: float  # best J of any candidate within the support bounds at p <= max_pvalue
    family_pvalues: np.ndarray  # p of every candidate passing the J and support filters
    family_interaction: np.ndarray  # bool, for each of them


class _Miner:
    """Mining for one target column (see the module docstring)."""

    def __init__(self, j: int, left: Encoding, right: Encoding, cfg: Config) -> None:
        self.j, self.left, self.right, self.cfg = j, left, right, cfg
        n = len(left.matrix)
        self.n = n
        self.L, self.R = _Pool(n), _Pool(n)
        self.own = left.columns_of(j)
        self.others = np.setdiff1d(np.arange(left.matrix.shape[1]), self.own)
        self.pairs: dict[tuple[int, int, bool], None] = {}
        self.chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray, bool]] = []

    # -- queries from trees ------------------------------------------------------------------
    def _tree_queries(self, pool: _Pool, enc: Encoding, cols: np.ndarray, y: np.ndarray
                      ) -> np.ndarray:
        """Grow a tree on ``enc.matrix[:, cols]`` predicting ``y``; every node but the root
        (and, if allowed, its negation) goes into ``pool``. Returns their pool indices."""
        cfg = self.cfg
        X = enc.matrix[:, cols]
        tree = DecisionTreeRegressor(max_depth=cfg.max_depth,
                                     min_samples_leaf=cfg.min_samples_leaf,
                                     random_state=cfg.seed).fit(X, y)
        if tree.tree_.node_count < 2:
            return np.zeros(0, dtype=np.int64)
        supports = tree.decision_path(X).astype(bool).toarray().T[1:]
        low, high = node_bounds(tree, len(cols))
        low, high = low[1:], high[1:]
        tested = np.isfinite(low) | np.isfinite(high)
        sizes = np.array([len({int(enc.source[cols[c]]) for c in np.flatnonzero(t)})
                          for t in tested])
        order = np.argsort(sizes, kind="stable")  # shortest first: duplicates keep it

        def maker(i: int, negate: bool) -> Callable[[], Query]:
            def make() -> Query:
                sel = np.flatnonzero(tested[i])
                box = Box(tuple(int(cols[c]) for c in sel), tuple(low[i, sel].tolist()),
                          tuple(high[i, sel].tolist()))
                return Not(box) if negate else box
            return make

        s, m, z = [supports[order]], [maker(int(i), False) for i in order], [sizes[order]]
        if cfg.negation:
            s.append(~supports[order])
            m += [maker(int(i), True) for i in order]
            z.append(sizes[order])
        all_s = np.concatenate(s)
        keep = all_s.any(axis=1) & ~all_s.all(axis=1)
        idx = pool.add(all_s[keep], _kept(m, keep), np.concatenate(z)[keep])
        return np.unique(idx)

    def _initial(self) -> np.ndarray:
        """The target's bins (numeric) or values (categorical) as left queries."""
        enc, cfg = self.left, self.cfg
        if enc.view.categories[self.j] is not None:
            cols = self.own
            boxes = [Box((int(c),), (0.5,), (np.inf,)) for c in cols]
        else:
            c = int(self.own[0])
            x = enc.matrix[:, c].astype(np.float64)
            t = bin_thresholds(x, cfg.binning, cfg.n_bins, cfg.seed)
            edges = np.concatenate([[-np.inf], t, [np.inf]])
            boxes = [Box((c,), (float(lo),), (float(hi),)) for lo, hi in
                     itertools.pairwise(edges)]
        supports = np.stack([evaluate(b, enc.matrix) for b in boxes])
        keep = supports.any(axis=1)
        makers = [_const(b) for b in boxes]
        return np.unique(self.L.add(supports[keep], _kept(makers, keep),
                                    np.ones(int(keep.sum()))))

    # -- pairing -------------------------------------------------------------------------------
    def _pair(self, li: np.ndarray, ri: np.ndarray, interaction: bool = False) -> np.ndarray:
        """Record every (left, right) pair of the two index lists; return their J (L, R)."""
        if not len(li) or not len(ri):
            return np.zeros((len(li), len(ri)))
        inter = intersections(self.L.floats[li], self.R.floats[ri])
        J = jaccard(inter, self.L.counts[li][:, None], self.R.counts[ri][None])
        self.chunks.append((np.repeat(li, len(ri)), np.tile(ri, len(li)), inter.reshape(-1),
                            interaction))
        return J

    def _best(self, J: np.ndarray, idx: np.ndarray, axis: int) -> np.ndarray:
        """The ``beam`` queries of ``idx`` with the highest J against any partner."""
        if not len(idx):
            return idx
        best = J.max(axis=axis)
        return idx[np.argsort(-best, kind="stable")[: self.cfg.beam]]

    def _disjunctions(self, pool: _Pool, base: int, partner_support: np.ndarray) -> np.ndarray:
        """``base OR q`` for every q in ``pool``: the 2 best by J against the partner."""
        S = pool.matrix
        union = S | S[base]
        # |(b | q) & p| = |b & p| + |q & p| - |b & q & p|: products instead of (m, N) sums
        fp = partner_support.astype(np.float32)
        inter = np.rint(pool.floats @ fp + pool.floats[base] @ fp
                        - pool.floats @ (fp * pool.floats[base])).astype(np.int64)
        n_union = pool.counts + pool.counts[base] - np.rint(
            pool.floats @ pool.floats[base]).astype(np.int64)
        J = jaccard(inter, n_union, np.asarray(partner_support.sum()))
        J[base] = -1
        best = np.argsort(-J, kind="stable")[:2]
        makers = [_combine(Or, partial(pool.query, base), partial(pool.query, int(k)))
                  for k in best]
        sizes = np.array([pool.sizes[base] + pool.sizes[int(k)] for k in best])
        keep = ~union[best].all(axis=1)
        return pool.add(union[best][keep], _kept(makers, keep), sizes[keep])

    def _interactions(self, li: int, ri: int) -> None:
        """The target's query AND / OR a query over the other left columns, then one more
        right tree for the best of them."""
        if not len(self.others):
            return
        y = self.R.matrix[ri].astype(np.float64)[:, None]
        other = _Pool(self.n)
        oi = self._tree_queries(other, self.left, self.others, y)
        if not len(oi):
            return
        T = other.matrix[oi]
        base = self.L.matrix[li]
        supports = np.concatenate([base & T, base | T])
        base_q = partial(self.L.query, li)
        makers = ([_combine(And, base_q, partial(other.query, int(k))) for k in oi]
                  + [_combine(Or, base_q, partial(other.query, int(k))) for k in oi])
        sizes = np.array([self.L.sizes[li] + other.sizes[int(k)] for k in oi] * 2)
        keep = supports.any(axis=1) & ~supports.all(axis=1)
        new = np.unique(self.L.add(supports[keep], _kept(makers, keep), sizes[keep]))
        new = new[~np.isin(new, [li])]
        if not len(new):
            return
        J = self._pair(new, np.array([ri]), interaction=True)
        top = self._best(J, new, axis=1)[:2]
        targets = self.L.matrix[top].T.astype(np.float64)
        rnew = self._tree_queries(self.R, self.right, np.arange(self.right.matrix.shape[1]),
                                  targets)
        self._pair(top, rnew, interaction=True)

    # -- the loop ------------------------------------------------------------------------------
    def run(self) -> TargetResult:
        cfg = self.cfg
        cur_l = self._initial()
        all_right = np.arange(self.right.matrix.shape[1])
        for _ in range(cfg.n_iterations):
            if not len(cur_l):
                break
            y = self.L.matrix[cur_l].T.astype(np.float64)
            new_r = self._tree_queries(self.R, self.right, all_right, y)
            if not len(new_r):
                break
            J = self._pair(cur_l, new_r)
            cur_r = self._best(J, new_r, axis=0)
            y = self.R.matrix[cur_r].T.astype(np.float64)
            new_l = self._tree_queries(self.L, self.left, self.own, y)
            if not len(new_l):
                break
            J = self._pair(new_l, cur_r)
            cur_l = self._best(J, new_l, axis=1)
        li, ri, inter, _ = self._candidates()
        if cfg.disjunction and len(li):
            for a, b in self._top_pairs(li, ri, inter):
                nr = self._disjunctions(self.R, b, self.L.matrix[a])
                nl = self._disjunctions(self.L, a, self.R.matrix[b])
                self._pair(np.array([a]), nr)
                self._pair(nl, np.array([b]))
        if cfg.interaction:
            li, ri, inter, fl = self._candidates()
            for a, b in self._top_pairs(li[~fl], ri[~fl], inter[~fl])[:3]:
                self._interactions(a, b)
        return self._result()

    def _candidates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Unique (left, right) pairs recorded so far with their intersections; a pair found
        both ways counts as individual."""
        if not self.chunks:
            z = np.zeros(0, dtype=np.int64)
            return z, z, z, np.zeros(0, dtype=bool)
        li = np.concatenate([c[0] for c in self.chunks])
        ri = np.concatenate([c[1] for c in self.chunks])
        inter = np.concatenate([c[2] for c in self.chunks])
        fl = np.concatenate([np.full(len(c[0]), c[3]) for c in self.chunks])
        key = li * (len(self.R.rows) + 1) + ri
        order = np.lexsort((fl, key))  # individual first among equal keys
        key = key[order]
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        keep = order[first]
        return li[keep], ri[keep], inter[keep], fl[keep]

    def _top_pairs(self, li: np.ndarray, ri: np.ndarray, inter: np.ndarray
                   ) -> list[tuple[int, int]]:
        """The ``n_refine`` best pairs by J within the support bounds."""
        if not len(li):
            return []
        cfg = self.cfg
        J = jaccard(inter, self.L.counts[li], self.R.counts[ri])
        J[(inter < cfg.min_support) | (inter > cfg.max_support)] = -1
        order = np.argsort(-J, kind="stable")[: cfg.n_refine]
        return [(int(li[k]), int(ri[k])) for k in order if J[k] >= 0]

    def _result(self) -> TargetResult:
        cfg = self.cfg
        li, ri, inter, fl = self._candidates()
        n_l, n_r = self.L.counts[li], self.R.counts[ri]
        J = jaccard(inter, n_l, n_r)
        in_bounds = (inter >= cfg.min_support) & (inter <= cfg.max_support)
        p = np.ones(len(li))
        p[in_bounds] = pvalue(inter[in_bounds], n_l[in_bounds], n_r[in_bounds], self.n)
        sig = in_bounds & (p <= cfg.max_pvalue)
        max_j = float(J[sig].max()) if sig.any() else float("nan")
        ind_sig = sig & ~fl
        if fl.any():  # an interaction is only worth reading if it beats the neuron alone
            floor = J[ind_sig].max() if ind_sig.any() else -np.inf
            in_bounds &= ~fl | (J > floor + 1e-9)
            sig &= in_bounds
        fam = in_bounds & (J >= cfg.min_jaccard)
        keep = fam & (p <= cfg.max_pvalue)  # corrections only raise p: nothing else can pass
        sizes = (np.asarray(self.L.sizes)[li] + np.asarray(self.R.sizes)[ri]
                 if len(li) else np.zeros(0, dtype=np.int64))
        k = np.flatnonzero(keep)
        # the best first: a greedy set extraction only ever reads the head
        k = k[np.lexsort((p[k], sizes[k], -score(J[k], sizes[k])))][:_KEEP]
        return TargetResult(
            target=self.j, jaccard=J[k], pvalue=p[k], inter=inter[k], n_left=n_l[k],
            n_right=n_r[k], size=sizes[k], interaction=fl[k],
            left=[self.L.query(int(i)) for i in li[k]],
            right=[self.R.query(int(i)) for i in ri[k]],
            max_jaccard=max_j, family_pvalues=p[fam],
            family_interaction=fl[fam])


_KEEP = 200  # candidates kept per target for the set extraction
PARSIMONY = 0.01  # J a redescription may give up per literal beyond two (shorter rules read)


def score(J: np.ndarray, size: np.ndarray) -> np.ndarray:
    """What the set extraction ranks by: Jaccard, less a little per extra literal."""
    return np.asarray(J) - PARSIMONY * np.maximum(np.asarray(size) - 2, 0)


def mine_target(j: int, left: Encoding, right: Encoding, cfg: Config) -> TargetResult:
    """Redescriptions of left view column ``j`` by the right view (see the module docstring)."""
    return _Miner(j, left, right, cfg).run()
