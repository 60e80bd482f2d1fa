"""What mining returns: redescriptions with their supports, the per-neuron summary, and rule
sets for rule extraction. A :class:`~xaiwidgets.Result`: per-sample rows (which samples each rule
holds on, the samples as drawn) and plain metadata (the rules table), saved with the estimator,
saved and opened on its own, read by the view."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import torch

from .._core.results import Result
from .._core.rules import format_value
from .._core.validation import as_tensor, check_labels, check_number, describe
from .mining import Box, Query, evaluate, query_from_data, query_to_data
from .views import Schema, _is_frame, _named_columns

__all__ = ["RedescriptionResult", "RuleSet", "ShuffledBaseline"]


@dataclass
class ShuffledBaseline(Result):
    """The same mining with every left column shuffled (one seeded permutation per column):
    how many neurons chance alone gets described with the same views and filters.

    Attributes
    ----------
    seed : int
        The miner's seed (``np.random.default_rng(seed)`` draws the permutations).
    neurons : int
        Left columns mined (as the result's: shuffling keeps every column's values).
    described : int
        Shuffled neurons with an individual redescription that passes every filter.
    min_pvalue, jaccard : np.ndarray of shape (neurons,)
        Per shuffled neuron, as the result's ``summary["min_pvalue"]`` and
        ``summary["jaccard"]`` (the best described J, NaN if none).
    """

    seed: int
    neurons: int
    described: int
    min_pvalue: np.ndarray
    jaccard: np.ndarray

    @classmethod
    def of(cls, result: RedescriptionResult, seed: int) -> ShuffledBaseline:
        """The counts of ``result``, mined on shuffled columns with ``seed``."""
        s = result.summary
        return cls(seed=int(seed), neurons=len(result.neurons),
                   described=int(np.asarray(s["described"]).sum()),
                   min_pvalue=np.asarray(s["min_pvalue"], np.float64),
                   jaccard=np.asarray(s["jaccard"], np.float64))

    def described_at(self, level: float) -> int:
        """Shuffled neurons with a candidate at (adjusted) p <= ``level``."""
        return int((np.asarray(self.min_pvalue) <= level).sum())


@dataclass
class RedescriptionResult(Result):
    """Redescriptions of the columns ("neurons") of a left view by a right view.

    A result with one row per mined sample (``len(result)`` is the number of samples,
    :attr:`n_redescriptions` the number of rules): ``result[i:j]`` keeps every rule and the
    supports on those samples; the rules table is per-dataset metadata (plain arrays and lists)
    and so are the rule statistics, computed on all the mined samples.

    Attributes
    ----------
    left_holds, right_holds : np.ndarray of bool, shape (N, R)
        Per sample, whether each redescription's left / right rule holds on it (its supports;
        :meth:`supports` reads one rule's).
    categorical_codes : dict of str to np.ndarray of shape (N,)
        Per categorical left column, each sample's category code (what :meth:`rule_set` checks
        its rules against).
    sample_images : np.ndarray of shape (N, C, H, W), optional
        The mined samples as images (the view's thumbnails); see :meth:`with_samples`.
    sample_cells : np.ndarray of str, shape (N, F), optional
        The mined samples as table rows, as displayed; see :meth:`with_samples`.
    left_view, right_view : str
        Names of the two views.
    neurons : list of str
        The left view's columns that were mined (constant ones were dropped).
    attributes : list of str
        The right view's columns.
    neuron : np.ndarray of shape (R,)
        Index into ``neurons`` of each redescription's target.
    set : list of str, one per redescription
        ``"individual"`` (the left rule mentions only its neuron) or ``"interaction"`` (it
        combines the neuron with other left columns).
    left_rule, right_rule : list of str
        The two queries in words.
    jaccard, pvalue, pvalue_adjusted : np.ndarray of shape (R,)
        ``pvalue_adjusted`` equals ``pvalue`` without a correction.
    support, left_support, right_support : np.ndarray of shape (R,)
        ``|E12|``, ``|supp(left)|``, ``|supp(right)|`` in samples (of all mined samples).
    left_columns, right_columns : list of list of int
        Left-view / right-view columns each rule tests.
    jaccard_without : list of list of float
        For each right column a rule tests (in ``right_columns`` order), the J of the
        redescription with that column's tests removed from the right rule: how much the
        attribute matters to it.
    left_queries, right_queries : list of dict
        The queries as plain data (:func:`~xaiwidgets.redescriptions.mining.query_to_data`);
        :meth:`query` gives one as a query object.
    summary : dict of str to np.ndarray
        Per neuron (index as ``neurons``): ``described``, ``jaccard``, ``pvalue``,
        ``min_pvalue``, ``max_jaccard``, ``interaction_jaccard`` (see
        :meth:`neurons_frame`).
    settings : dict
        The filters used: ``min_jaccard``, ``max_pvalue``, ``min_support`` and
        ``max_support`` (counts), ``correction``, ``n_candidates``.
    left_schema, right_schema : dict
        The two views' columns without their data (:meth:`schema` gives them as
        :class:`~xaiwidgets.redescriptions.views.Schema`).
    shuffled : ShuffledBaseline or None
        The permutation null the miner computes beside every result: the neurons described
        when every left column is shuffled (read :attr:`described` against it).
    sample_columns : list of str
        Column names of ``sample_cells``.
    """

    _rows: ClassVar[tuple[str, ...]] = ("left_holds", "right_holds", "categorical_codes",
                                        "sample_images", "sample_cells")

    left_view: str
    right_view: str
    neurons: list[str]
    attributes: list[str]
    neuron: np.ndarray
    set: list[str]
    left_rule: list[str]
    right_rule: list[str]
    jaccard: np.ndarray
    pvalue: np.ndarray
    pvalue_adjusted: np.ndarray
    support: np.ndarray
    left_support: np.ndarray
    right_support: np.ndarray
    left_columns: list[list[int]]
    right_columns: list[list[int]]
    jaccard_without: list[list[float]]
    left_holds: np.ndarray
    right_holds: np.ndarray
    left_queries: list[Any]
    right_queries: list[Any]
    summary: dict[str, np.ndarray]
    settings: dict[str, Any]
    left_schema: dict[str, Any]
    right_schema: dict[str, Any]
    categorical_codes: dict[str, np.ndarray] = field(default_factory=dict)
    shuffled: ShuffledBaseline | None = None
    sample_images: np.ndarray | None = None
    sample_cells: np.ndarray | None = None
    sample_columns: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # plain data only: query objects and schemas become lists and dicts (saveable)
        self.left_queries = [query_to_data(query_from_data(q)) for q in self.left_queries]
        self.right_queries = [query_to_data(query_from_data(q)) for q in self.right_queries]
        self.left_schema = Schema.from_data(self.left_schema).to_data()
        self.right_schema = Schema.from_data(self.right_schema).to_data()
        # a list of words (plain metadata, as a store keeps it), whatever it was given as
        self.set = [str(v) for v in np.asarray(self.set, dtype=str).tolist()]
        self.neurons, self.attributes = list(self.neurons), list(self.attributes)
        self.left_rule, self.right_rule = list(self.left_rule), list(self.right_rule)
        self.sample_columns = list(self.sample_columns)
        # the rules table is small: in memory (a run opens it as lazy store arrays)
        for f in ("neuron", "jaccard", "pvalue", "pvalue_adjusted", "support", "left_support",
                  "right_support"):
            setattr(self, f, np.asarray(getattr(self, f)))
        self.summary = {k: np.asarray(v) for k, v in self.summary.items()}
        r = len(self.jaccard)
        if self.left_holds.ndim != 2 or self.left_holds.shape[1] != r or (
                self.right_holds.shape != self.left_holds.shape):
            raise ValueError(f"RedescriptionResult: 'left_holds' and 'right_holds' must be "
                             f"(N, {r}) (samples x redescriptions); got {self.left_holds.shape} "
                             f"and {self.right_holds.shape}")
        self.check_rows()

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickle; a result pickled by the previous release (supports bit-packed per rule,
        query and schema objects) is read into this one's fields."""
        if "left_bits" in state:
            n = int(state.pop("n_samples"))
            for side in ("left", "right"):
                bits = np.asarray(state.pop(f"{side}_bits"), dtype=np.uint8)
                state[f"{side}_holds"] = np.unpackbits(bits, axis=1, count=n).T.astype(bool)
            state.setdefault("sample_images", None)
            state.setdefault("sample_cells", None)
            state.setdefault("sample_columns", [])
        self.__dict__.update(state)
        self.__post_init__()

    @property
    def n_samples(self) -> int:
        """Samples in this result (``len(result)``)."""
        return len(self)

    @property
    def n_redescriptions(self) -> int:
        """Rows of the rules table."""
        return len(self.jaccard)

    @property
    def described(self) -> int:
        """Neurons with an individual redescription that passes every filter."""
        return int(np.asarray(self.summary["described"]).sum())

    def described_text(self) -> str:
        """``"k of n neurons described; with activations shuffled: k0 of n0"``."""
        text = f"{self.described} of {len(self.neurons)} neurons described"
        if self.shuffled is not None:
            text += (f"; with activations shuffled: {self.shuffled.described} of "
                     f"{self.shuffled.neurons}")
        return text

    def __repr__(self) -> str:
        return (f"RedescriptionResult({self.n_redescriptions} redescriptions of "
                f"{self.left_view!r} by {self.right_view!r} on {len(self)} samples; "
                f"{self.described_text()})")

    # -- rich objects ----------------------------------------------------------------------
    def query(self, i: int, side: str = "right") -> Query:
        """Redescription ``i``'s left or right query as a query object (:func:`evaluate`)."""
        if side not in ("left", "right"):
            raise ValueError(f"argument 'side': expected 'left' or 'right', got {describe(side)}")
        return query_from_data((self.left_queries if side == "left" else self.right_queries)[i])

    def schema(self, side: str) -> Schema:
        """The left or right view's :class:`~xaiwidgets.redescriptions.views.Schema`."""
        if side not in ("left", "right"):
            raise ValueError(f"argument 'side': expected 'left' or 'right', got {describe(side)}")
        return Schema.from_data(self.left_schema if side == "left" else self.right_schema)

    # -- supports ------------------------------------------------------------------------------
    def supports(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """``(left, right)`` supports of redescription ``i``, (N,) bool each."""
        return (np.asarray(self.left_holds[:, i], dtype=bool),
                np.asarray(self.right_holds[:, i], dtype=bool))

    @property
    def left_bits(self) -> np.ndarray:
        """The left supports bit-packed along the samples, (R, ceil(N / 8)) uint8."""
        return np.packbits(np.asarray(self.left_holds, dtype=bool).T, axis=1)

    @property
    def right_bits(self) -> np.ndarray:
        """The right supports bit-packed along the samples, (R, ceil(N / 8)) uint8."""
        return np.packbits(np.asarray(self.right_holds, dtype=bool).T, axis=1)

    def samples(self, i: int, part: str = "both") -> np.ndarray:
        """Indices of the samples of redescription ``i`` in ``part``: ``"both"`` (E12),
        ``"left"`` (left rule only) or ``"right"`` (right rule only)."""
        left, right = self.supports(i)
        mask = {"both": left & right, "left": left & ~right, "right": right & ~left}.get(part)
        if mask is None:
            raise ValueError(f"argument 'part': expected one of ['both', 'left', 'right'], got "
                             f"{describe(part)}")
        return np.flatnonzero(mask)

    # -- reading order ---------------------------------------------------------------------
    def complements(self) -> np.ndarray:
        """Per redescription, the row that is its complement, or -1: a row of the same neuron
        whose left and right supports are exactly the other samples (``q1 <=> q2`` and
        ``not q1 <=> not q2``, e.g. ``n7 > 0.5 <=> predicted = malignant`` and
        ``n7 <= 0.5 <=> predicted = benign``). It says nothing its partner does not."""
        n_rows = self.n_redescriptions
        out = np.full(n_rows, -1, dtype=np.int64)
        if not n_rows:
            return out
        left = np.asarray(self.left_holds, dtype=bool).T
        right = np.asarray(self.right_holds, dtype=bool).T
        # a row's supports and their complements as bytes: one dict lookup per row
        key = [(int(self.neuron[i]), left[i].tobytes(), right[i].tobytes()) for i in range(n_rows)]
        seen: dict[tuple[int, bytes, bytes], int] = {}
        for i, k in enumerate(key):
            seen.setdefault(k, i)
        for i in range(n_rows):
            j = seen.get((int(self.neuron[i]), (~left[i]).tobytes(), (~right[i]).tobytes()), -1)
            out[i] = j if j != i else -1
        return out

    def restates(self, columns: Sequence[str]) -> np.ndarray:
        """Per redescription, whether its right rule tests only right-view columns named in
        ``columns`` (e.g. the model's own prediction: ``n7 > 0.5 <=> predicted = malignant``
        says which class a neuron votes for, not what in the data makes it fire)."""
        names = set(columns)
        return np.array([bool(cols) and all(self.attributes[c] in names for c in cols)
                         for cols in self.right_columns], dtype=bool)

    def informative_order(self, restating: Sequence[str] = ()) -> np.ndarray:
        """The rows in reading order, informative first: rows that only restate a column of
        ``restating`` (:meth:`restates`) last; then by Jaccard index (high first), p-value
        (low first), support (large first), and the mined order."""
        n_rows = self.n_redescriptions
        if not n_rows:
            return np.zeros(0, dtype=np.int64)
        trivial = self.restates(restating).astype(np.int64)
        # np.lexsort sorts by its last key first; J rounded so that float noise never outranks p
        keys = (np.arange(n_rows), -np.asarray(self.support, dtype=np.float64),
                np.asarray(self.pvalue, dtype=np.float64),
                -np.round(np.asarray(self.jaccard, dtype=np.float64), 6), trivial)
        return np.lexsort(keys).astype(np.int64)

    @property
    def sample_kind(self) -> str:
        """``"image"``, ``"table"`` or ``"none"``: the samples this result can show."""
        if self.sample_images is not None:
            return "image"
        return "table" if self.sample_cells is not None else "none"

    def with_samples(self, X: Any) -> RedescriptionResult:
        """This result holding the mined samples ``X`` (in mining order) as its view shows them.

        Parameters
        ----------
        X : tensor, array or DataFrame, or None
            Images ``(N, C, H, W)`` (thumbnails), or a table ``(N, F)`` whose cells are kept as
            display text (a DataFrame or dict of columns keeps its column names). None removes
            them.
        """
        if X is None:
            return dataclasses.replace(self, sample_images=None, sample_cells=None,
                                       sample_columns=[])
        n = len(self)
        images: np.ndarray | None = None
        cells: np.ndarray | None = None
        if _is_frame(X) or isinstance(X, dict):
            cols = _named_columns(X, "X")
            names = [c for c, _ in cols]
            cells = np.array([[format_value(v) for v in row] for row in
                              zip(*(np.asarray(c, dtype=object) for _, c in cols), strict=True)],
                             dtype=str).reshape(-1, len(cols))
            got = len(cells)
        else:
            tensor = as_tensor(X, "X")
            names = []
            if tensor.ndim == 4:
                images = tensor.detach().cpu().to(torch.float32).numpy()
                got = len(images)
            elif tensor.ndim == 2:
                arr = tensor.detach().cpu().numpy()
                cells = np.array([[format_value(v) for v in row] for row in arr.astype(object)],
                                 dtype=str).reshape(-1, arr.shape[1])
                names = [f"x{j}" for j in range(arr.shape[1])]
                got = len(cells)
            else:
                raise ValueError(f"argument 'X': expected images (N, C, H, W) or a table "
                                 f"(N, F), got {describe(X)}")
        if got != n:
            raise ValueError(f"argument 'X': expected the {n} mined samples, in order, got "
                             f"{got}")
        return dataclasses.replace(self, sample_images=images, sample_cells=cells,
                                   sample_columns=names)

    # -- tables --------------------------------------------------------------------------------
    def to_frame(self) -> Any:
        """One row per redescription, best Jaccard first (a pandas DataFrame)."""
        import pandas as pd

        frame = pd.DataFrame({
            "neuron": [self.neurons[int(k)] for k in self.neuron],
            "set": np.asarray(self.set, dtype=str),
            "left": self.left_rule,
            "right": self.right_rule,
            "jaccard": self.jaccard,
            "pvalue": self.pvalue,
            "support": self.support,
            "left_support": self.left_support,
            "right_support": self.right_support,
            "attributes": [tuple(self.attributes[c] for c in cols) for cols in self.right_columns],
            "jaccard_without": [tuple(round(v, 4) for v in w) for w in self.jaccard_without],
        })
        if self.settings.get("correction"):
            frame.insert(6, "pvalue_adjusted", self.pvalue_adjusted)
        return frame

    def neurons_frame(self) -> Any:
        """Per mined neuron: ``described`` (an individual redescription passes every filter),
        its best one (``jaccard``, ``pvalue``, ``left``, ``right``, ``support``), ``min_pvalue``
        (the smallest p of any candidate with J >= min_jaccard within the support bounds,
        adjusted like the filter), ``max_jaccard`` (the best J of any candidate within the
        support bounds at p <= max_pvalue, whatever its J) and ``interaction_jaccard``."""
        import pandas as pd

        s = self.summary
        best = {int(self.neuron[i]): i for i in range(self.n_redescriptions)[::-1]
                if self.set[i] == "individual"}  # rows are sorted: the first is the best
        rows = [best.get(k) for k in range(len(self.neurons))]
        return pd.DataFrame({
            "described": s["described"].astype(bool),
            "jaccard": s["jaccard"],
            "pvalue": s["pvalue"],
            "support": [np.nan if r is None else int(self.support[r]) for r in rows],
            "left": ["" if r is None else self.left_rule[r] for r in rows],
            "right": ["" if r is None else self.right_rule[r] for r in rows],
            "min_pvalue": s["min_pvalue"],
            "max_jaccard": s["max_jaccard"],
            "interaction_jaccard": s["interaction_jaccard"],
        }, index=pd.Index(self.neurons, name="neuron"))

    def described_counts(self, pvalues: Sequence[float] = (0.01, 1e-4)) -> dict[str, int]:
        """Neurons with an individual redescription with J >= min_jaccard within the support
        bounds at each significance level (``"p <= 0.01"``: count), plus ``"neurons"``."""
        out = {"neurons": len(self.neurons)}
        for a in pvalues:
            check_number(a, "pvalues", low=0, low_open=True, high=1)
            out[f"p <= {a:g}"] = int((self.summary["min_pvalue"] <= a).sum())
        return out

    def coverage(self) -> np.ndarray:
        """(neurons, attributes): the best J of a redescription of each neuron whose right rule
        tests each attribute (0 where none does)."""
        cov = np.zeros((len(self.neurons), len(self.attributes)), dtype=np.float64)
        for i, cols in enumerate(self.right_columns):
            k = int(self.neuron[i])
            for c in cols:
                cov[k, c] = max(cov[k, c], float(self.jaccard[i]))
        return cov

    # -- rule extraction -------------------------------------------------------------------------
    def rule_set(self, neuron: str | None = None) -> RuleSet:
        """The redescriptions of one categorical left column (e.g. a model's predicted class)
        as an ordered rule set: ``IF right rule THEN class``, one rule per class (its best
        individual redescription whose left side is ``column = class``), best J first; samples
        no rule covers get the default class (the commonest class among them). When no
        redescription qualifies, the rule set is the default class alone.

        Parameters
        ----------
        neuron : str, optional
            The left column; default: the only categorical one.
        """
        left_schema = self.schema("left")
        cats = {c: left_schema.categories[left_schema.columns.index(c)] for c in self.neurons}
        categorical = [c for c, v in cats.items() if v is not None]
        if neuron is None:
            if len(categorical) != 1:
                raise ValueError("argument 'neuron': name the categorical left column to "
                                 f"extract rules for; categorical columns: {categorical}")
            neuron = categorical[0]
        if neuron not in cats:
            raise ValueError(f"argument 'neuron': expected one of {self.neurons[:20]}, got "
                             f"{describe(neuron)}")
        values = cats[neuron]
        if values is None:
            raise ValueError(f"argument 'neuron': rule sets need a categorical left column "
                             f"(e.g. predicted classes); {neuron!r} is numeric")
        k = self.neurons.index(neuron)
        chosen: dict[int, int] = {}
        for i in range(self.n_redescriptions):  # best J first
            q = self.query(i, "left")
            if (int(self.neuron[i]) != k or self.set[i] != "individual" or not isinstance(q, Box)
                    or len(q.cols) != 1 or q.low[0] < 0.5):
                continue
            chosen.setdefault(int(q.cols[0]), i)
        first = min(int(c) for c in _one_hot_columns(left_schema, neuron))
        picked = sorted(chosen.items(), key=lambda ci: -float(self.jaccard[ci[1]]))
        order = [i for _, i in picked]
        classes = [str(values[col - first]) for col, _ in picked]
        labels = np.asarray([str(v) for v in values])
        truth = labels[np.asarray(self.categorical_codes[neuron])]
        covered = np.zeros(self.n_samples, dtype=bool)
        for i in order:
            covered |= self.supports(i)[1]
        rest = truth[~covered] if (~covered).any() else truth
        uniq, counts = np.unique(rest, return_counts=True)
        rules = RuleSet(target=neuron, classes=classes,
                        rules=[self.right_rule[i] for i in order],
                        queries=[self.query(i, "right") for i in order],
                        jaccard=[float(self.jaccard[i]) for i in order],
                        default=str(uniq[np.argmax(counts)]), schema=self.schema("right"))
        pred = rules._predict_supports([self.supports(i)[1] for i in order], self.n_samples)
        rules.fidelity_ = float(np.mean(pred == truth))
        rules.coverage_ = float(covered.mean())
        return rules


def _one_hot_columns(schema: Schema, column: str) -> list[int]:
    """Encoded column indices of a categorical schema column."""
    start = 0
    for c, cats in zip(schema.columns, schema.categories, strict=True):
        width = 1 if cats is None else len(cats)
        if c == column:
            return list(range(start, start + width))
        start += width
    raise KeyError(column)


@dataclass
class RuleSet:
    """An ordered rule list extracted from redescriptions: the first rule that holds gives the
    class, else ``default``.

    Attributes
    ----------
    target : str
        The left column the rules predict (e.g. ``"predicted"``).
    classes, rules : list of str
        Class and right rule (in words) of each rule, in order.
    jaccard : list of float
        Each rule's Jaccard index with its class on the mined samples.
    default : str
    fidelity_ : float
        Agreement with the target on the mined samples (with the model, when the target is the
        model's prediction).
    coverage_ : float
        Fraction of the mined samples some rule covers.
    """

    target: str
    classes: list[str]
    rules: list[str]
    queries: list[Query]
    jaccard: list[float]
    default: str
    schema: Schema
    fidelity_: float = float("nan")
    coverage_: float = float("nan")

    def __repr__(self) -> str:
        lines = [f"IF {r} THEN {self.target} = {c}   (J = {j:.2f})"
                 for r, c, j in zip(self.rules, self.classes, self.jaccard, strict=True)]
        lines.append(f"ELSE {self.target} = {self.default}")
        return "\n".join(lines)

    def _predict_supports(self, supports: list[np.ndarray], n: int) -> np.ndarray:
        """The class of each of ``n`` samples; with no rule, the default for all."""
        out = np.full(n, self.default, dtype=object)
        done = np.zeros(n, dtype=bool)
        for c, s in zip(self.classes, supports, strict=True):
            out[s & ~done] = c
            done |= s
        return out.astype(str)

    def predict(self, data: Any) -> np.ndarray:
        """Classes predicted by the rules for new samples (a table with the right view's
        columns, e.g. the input attributes of other samples)."""
        matrix = self.schema.matrix(data, "data")
        return self._predict_supports([evaluate(q, matrix) for q in self.queries], len(matrix))

    def fidelity(self, data: Any, labels: Any) -> float:
        """Agreement of :meth:`predict` with ``labels`` (e.g. the model's predictions)."""
        pred = self.predict(data)
        y = check_labels(labels, len(pred), "labels")
        return float(np.mean(pred == np.asarray(y).astype(str)))
