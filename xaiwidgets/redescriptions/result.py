"""What mining returns: redescriptions with their supports, the per-neuron summary, and rule
sets for rule extraction. Plain arrays and lists: saved with the estimator, read by the widget."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._core.validation import check_labels, check_number, describe
from .mining import Box, Query, evaluate
from .views import Schema

__all__ = ["RedescriptionResult", "RuleSet", "ShuffledBaseline"]


@dataclass(frozen=True)
class ShuffledBaseline:
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
                   described=int(s["described"].sum()),
                   min_pvalue=np.asarray(s["min_pvalue"], np.float64),
                   jaccard=np.asarray(s["jaccard"], np.float64))

    def described_at(self, level: float) -> int:
        """Shuffled neurons with a candidate at (adjusted) p <= ``level``."""
        return int((self.min_pvalue <= level).sum())


@dataclass
class RedescriptionResult:
    """Redescriptions of the columns ("neurons") of a left view by a right view.

    Attributes
    ----------
    left_view, right_view : str
        Names of the two views.
    neurons : list of str
        The left view's columns that were mined (constant ones were dropped).
    attributes : list of str
        The right view's columns.
    n_samples : int
    neuron : np.ndarray of shape (R,)
        Index into ``neurons`` of each redescription's target.
    set : np.ndarray of shape (R,)
        ``"individual"`` (the left rule mentions only its neuron) or ``"interaction"`` (it
        combines the neuron with other left columns).
    left_rule, right_rule : list of str
        The two queries in words.
    jaccard, pvalue, pvalue_adjusted : np.ndarray of shape (R,)
        ``pvalue_adjusted`` equals ``pvalue`` without a correction.
    support, left_support, right_support : np.ndarray of shape (R,)
        ``|E12|``, ``|supp(left)|``, ``|supp(right)|`` in samples.
    left_columns, right_columns : list of list of int
        Left-view / right-view columns each rule tests.
    jaccard_without : list of list of float
        For each right column a rule tests (in ``right_columns`` order), the J of the
        redescription with that column's tests removed from the right rule: how much the
        attribute matters to it.
    left_bits, right_bits : np.ndarray of shape (R, ceil(N / 8))
        The supports, bit-packed (:meth:`supports` unpacks them).
    summary : dict of str to np.ndarray
        Per neuron (index as ``neurons``): ``described``, ``jaccard``, ``pvalue``,
        ``min_pvalue``, ``max_jaccard``, ``interaction_jaccard`` (see
        :meth:`neurons_frame`).
    settings : dict
        The filters used: ``min_jaccard``, ``max_pvalue``, ``min_support`` and
        ``max_support`` (counts), ``correction``, ``n_candidates``.
    shuffled : ShuffledBaseline or None
        The permutation null the miner computes beside every result: the neurons described
        when every left column is shuffled (read :attr:`described` against it).
    """

    left_view: str
    right_view: str
    neurons: list[str]
    attributes: list[str]
    n_samples: int
    neuron: np.ndarray
    set: np.ndarray
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
    left_bits: np.ndarray
    right_bits: np.ndarray
    left_queries: list[Query]
    right_queries: list[Query]
    summary: dict[str, np.ndarray]
    settings: dict[str, Any]
    left_schema: Schema
    right_schema: Schema
    categorical_codes: dict[str, np.ndarray] = field(default_factory=dict)
    shuffled: ShuffledBaseline | None = None

    def __len__(self) -> int:
        return len(self.jaccard)

    @property
    def described(self) -> int:
        """Neurons with an individual redescription that passes every filter."""
        return int(self.summary["described"].sum())

    def described_text(self) -> str:
        """``"k of n neurons described; with activations shuffled: k0 of n0"``."""
        text = f"{self.described} of {len(self.neurons)} neurons described"
        if self.shuffled is not None:
            text += (f"; with activations shuffled: {self.shuffled.described} of "
                     f"{self.shuffled.neurons}")
        return text

    def __repr__(self) -> str:
        return (f"RedescriptionResult({len(self)} redescriptions of {self.left_view!r} by "
                f"{self.right_view!r}; {self.described_text()})")

    # -- supports ------------------------------------------------------------------------------
    def supports(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """``(left, right)`` supports of redescription ``i``, (N,) bool each."""
        n = self.n_samples
        return (np.unpackbits(self.left_bits[i])[:n].astype(bool),
                np.unpackbits(self.right_bits[i])[:n].astype(bool))

    def samples(self, i: int, part: str = "both") -> np.ndarray:
        """Indices of the samples of redescription ``i`` in ``part``: ``"both"`` (E12),
        ``"left"`` (left rule only) or ``"right"`` (right rule only)."""
        left, right = self.supports(i)
        mask = {"both": left & right, "left": left & ~right, "right": right & ~left}.get(part)
        if mask is None:
            raise ValueError(f"argument 'part': expected one of ['both', 'left', 'right'], got "
                             f"{describe(part)}")
        return np.flatnonzero(mask)

    # -- tables --------------------------------------------------------------------------------
    def to_frame(self) -> Any:
        """One row per redescription, best Jaccard first (a pandas DataFrame)."""
        import pandas as pd

        frame = pd.DataFrame({
            "neuron": [self.neurons[int(k)] for k in self.neuron],
            "set": self.set.astype(str),
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
        best = {int(self.neuron[i]): i for i in range(len(self))[::-1]
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
        cats = {c: self.left_schema.categories[self.left_schema.columns.index(c)]
                for c in self.neurons}
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
        for i in range(len(self)):  # best J first
            q = self.left_queries[i]
            if (int(self.neuron[i]) != k or self.set[i] != "individual" or not isinstance(q, Box)
                    or len(q.cols) != 1 or q.low[0] < 0.5):
                continue
            chosen.setdefault(int(q.cols[0]), i)
        first = min(int(c) for c in _one_hot_columns(self.left_schema, neuron))
        picked = sorted(chosen.items(), key=lambda ci: -float(self.jaccard[ci[1]]))
        order = [i for _, i in picked]
        classes = [str(values[col - first]) for col, _ in picked]
        labels = np.asarray([str(v) for v in values])
        truth = labels[self.categorical_codes[neuron]]
        covered = np.zeros(self.n_samples, dtype=bool)
        for i in order:
            covered |= self.supports(i)[1]
        rest = truth[~covered] if (~covered).any() else truth
        uniq, counts = np.unique(rest, return_counts=True)
        rules = RuleSet(target=neuron, classes=classes,
                        rules=[self.right_rule[i] for i in order],
                        queries=[self.right_queries[i] for i in order],
                        jaccard=[float(self.jaccard[i]) for i in order],
                        default=str(uniq[np.argmax(counts)]), schema=self.right_schema)
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
