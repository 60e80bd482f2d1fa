"""RedescriptionMiner: describe every neuron of one view by rules over another view.

Mihelčić, Grubišić, Keber, "Explaining neural networks with redescriptions" (ExItNeRdoM,
arXiv 2501.01209). The method in the project's words: ``docs/methods/redescriptions.md``.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence
from functools import partial
from typing import Any, ClassVar

import numpy as np
from threadpoolctl import threadpool_limits
from torch import nn

from .._core.batching import progress
from .._core.estimator import Constraints, XaiEstimator
from .._core.probe import ModelInputError
from .._core.random import check_seed, seeded
from .._core.validation import check_bool, check_int, check_number, check_option
from .mining import (
    Config,
    TargetResult,
    evaluate,
    mine_target,
    query_columns,
    query_text,
    query_without,
)
from .result import RedescriptionResult, RuleSet, ShuffledBaseline
from .stats import BINNINGS, CORRECTIONS, correct_pvalues, intersections, jaccard
from .views import AttributeTable, Encoding, Schema, as_table, join_tables

__all__ = ["BASELINES", "RedescriptionMiner"]

BASELINES = (None, "untrained", "permuted")
_REDUNDANT = 0.9  # a redescription whose E12 overlaps a better one's this much (J) is dropped


class RedescriptionMiner(XaiEstimator):
    """Redescriptions of every column ("neuron") of a left view by rules over a right view.

    For each neuron, its activations are cut into bins (the initial targets); then trees are
    grown alternately on the right view (predicting the current left rules) and on the neuron
    (predicting the best right rules), every tree node being a conjunction of interval tests.
    Pairs are filtered by Jaccard index, support and the marginal binomial p-value, and a greedy
    extraction keeps the best non-redundant ones per neuron (``docs/methods/redescriptions.md``).

    Parameters
    ----------
    min_jaccard : float, default=0.5
        Keep redescriptions with ``J >= min_jaccard``.
    max_pvalue : float, default=0.01
        ... and marginal binomial p-value (the ``>=`` form; adjusted if ``correction``)
        ``<= max_pvalue``.
    min_support, max_support : float, default=0.05, 0.8
        ... and ``|E12|`` between these fractions of the samples (the reference's 10 and 136 of
        171 samples).
    correction : {"bh", "bonferroni", None}, default="bh"
        Adjust the p-values over all candidates (pairs passing the Jaccard and support filters):
        Benjamini-Hochberg (the false discovery rate among the kept redescriptions at
        ``max_pvalue``), Bonferroni (the family-wise error), or None (each candidate's own
        p-value: with thousands of candidates, shuffled activations then get described too).
    binning : {"fd", "quantile", "kmeans"}, default="fd"
        Initial bins of numeric neurons: the reference's two-bin Freedman-Diaconis split, or
        ``n_bins`` equal-frequency / 1-D k-means bins.
    n_bins : int, default=2
        Bins for ``"quantile"`` and ``"kmeans"``.
    n_iterations : int, default=3
        Alternations (right tree, then left tree) per neuron.
    max_depth : int, default=8
        Depth of every tree (the reference's ``ATreeDepth``): rules have at most this many
        tests per conjunction.
    negation, disjunction : bool, default=True
        Also use the negation of every tree rule, and ``q OR q'`` of the best pairs (both sides).
    interaction : bool, default=True
        Also mine "interaction" redescriptions, whose left rule combines the neuron with other
        left columns (``AND`` / ``OR``).
    max_per_neuron : int, default=5
        Redescriptions kept per neuron and set (individual / interaction).
    max_redescriptions : int, default=1000
        At most this many in total (the best by Jaccard).
    baseline : {None, "untrained", "permuted"}, default=None
        Mine a randomisation baseline as well: the same views computed by an untrained copy of
        each model (``copy.deepcopy`` re-initialised with ``reset_parameters``; the user's model
        is untouched; needs views from :func:`activation_table` / :func:`prediction_table`), or
        the left view with every column shuffled (the shuffled mining below, kept whole).
    progress : bool, default=True
        Show a tqdm bar over the neurons.
    seed : int, default=0
        Seeds the trees' tie-breaking, k-means binning, the shuffles and the baseline.

    Every fit also mines the left view with each column shuffled (seeded by ``seed``) and keeps
    its counts as ``result_.shuffled``: the neurons chance alone gets described (and likewise
    for ``baseline_result_``). ``fit`` therefore mines twice (four times with a baseline).

    Attributes
    ----------
    result_ : RedescriptionResult
        Everything mined (supports included); the tables below are views of it.
    baseline_result_ : RedescriptionResult or None
    n_samples_ : int

    Examples
    --------
    >>> acts = xw.activation_table(model, X, layer="relu3")
    >>> rm = xw.RedescriptionMiner(min_jaccard=0.5, max_pvalue=0.01).fit(acts, attributes)
    >>> rm.redescriptions_       # left rule, right rule, jaccard, pvalue, support, ...
    >>> rm.neurons_described_    # per neuron: described?, its best J
    """

    def __init__(
        self,
        *,
        min_jaccard: float = 0.5,
        max_pvalue: float = 0.01,
        min_support: float = 0.05,
        max_support: float = 0.8,
        correction: str | None = "bh",
        binning: str = "fd",
        n_bins: int = 2,
        n_iterations: int = 3,
        max_depth: int = 8,
        negation: bool = True,
        disjunction: bool = True,
        interaction: bool = True,
        max_per_neuron: int = 5,
        max_redescriptions: int = 1000,
        baseline: str | None = None,
        progress: bool = True,
        seed: int = 0,
    ) -> None:
        self.min_jaccard = min_jaccard
        self.max_pvalue = max_pvalue
        self.min_support = min_support
        self.max_support = max_support
        self.correction = correction
        self.binning = binning
        self.n_bins = n_bins
        self.n_iterations = n_iterations
        self.max_depth = max_depth
        self.negation = negation
        self.disjunction = disjunction
        self.interaction = interaction
        self.max_per_neuron = max_per_neuron
        self.max_redescriptions = max_redescriptions
        self.baseline = baseline
        self.progress = progress
        self.seed = seed

    # -- parameters ------------------------------------------------------------------------
    _parameter_constraints: ClassVar[Constraints] = {
        "min_jaccard": partial(check_number, low=0, high=1),
        "max_pvalue": partial(check_number, low=0, low_open=True, high=1),
        "min_support": partial(check_number, low=0, high=1),
        "max_support": partial(check_number, low=0, high=1),
        "correction": partial(check_option, options=CORRECTIONS),
        "binning": partial(check_option, options=BINNINGS),
        "n_bins": partial(check_int, low=2),
        "n_iterations": partial(check_int, low=1),
        "max_depth": partial(check_int, low=1),
        "negation": check_bool,
        "disjunction": check_bool,
        "interaction": check_bool,
        "progress": check_bool,
        "max_per_neuron": partial(check_int, low=1),
        "max_redescriptions": partial(check_int, low=1),
        "baseline": partial(check_option, options=BASELINES),
        "seed": check_seed,
    }

    def _check_param_relations(self) -> None:
        if self.min_support > self.max_support:
            raise ValueError(f"argument 'min_support': expected a fraction <= max_support "
                             f"({float(self.max_support):g}), got {float(self.min_support)!r}")

    def _config(self, n: int) -> Config:
        min_sup = int(np.ceil(self.min_support * n - 1e-9))
        return Config(
            min_jaccard=float(self.min_jaccard), min_support=max(1, min_sup),
            max_support=int(np.floor(self.max_support * n + 1e-9)),
            max_pvalue=float(self.max_pvalue), binning=self.binning, n_bins=int(self.n_bins),
            n_iterations=int(self.n_iterations), max_depth=int(self.max_depth),
            # leaves below half the smallest support can never be a redescription on their own
            min_samples_leaf=max(1, min_sup // 2), negation=bool(self.negation),
            disjunction=bool(self.disjunction), interaction=bool(self.interaction),
            seed=int(self.seed))

    # -- fit -------------------------------------------------------------------------------
    def fit(self, left: Any, right: Any, *others: Any) -> RedescriptionMiner:
        """Mine redescriptions of every column of ``left`` by ``right``.

        Parameters
        ----------
        left : AttributeTable, DataFrame, dict of columns, array or tensor
            What is described, one row per sample: typically ``activation_table(model, X,
            layer)``, or a model's predictions (:func:`prediction_table`) for rule extraction.
        right : AttributeTable, DataFrame, dict of columns, array or tensor
            What describes it, over the same samples: input attributes (numeric and categorical
            columns), true labels, predictions, another layer or another model's layer.
        *others : same types
            More describing views over the same samples, joined with ``right`` column-wise
            (columns are prefixed by their view's name where names collide).

        Returns
        -------
        self
        """
        with self._fitting():
            return self._fit(left, right, others)

    def _fit(self, left: Any, right: Any, others: Sequence[Any]) -> RedescriptionMiner:
        self._check_params()
        views = [as_table(left, "left"), as_table(right, "right")]
        views += [as_table(v, f"others[{i}]") for i, v in enumerate(others)]
        n = views[0].n_samples
        for arg, v in zip(["right", *[f"others[{i}]" for i in range(len(others))]], views[1:],
                          strict=True):
            if v.n_samples != n:
                raise ValueError(f"argument '{arg}': expected {n} rows (one per sample of "
                                 f"'left'), got {v.n_samples}")
        if self.baseline == "untrained" and all(v.source is None for v in views):
            raise ValueError("argument 'baseline': 'untrained' needs views computed from a "
                             "model (activation_table, prediction_table) to compute them again "
                             "from an untrained copy; got only tables (use 'permuted')")
        cfg = self._config(n)
        self.n_samples_ = n
        right = join_tables(views[1:], _right_name(views[1:]))
        self.result_, null = self._mine_with_null(views[0], right, cfg, "redescriptions")
        self.baseline_result_ = None
        if self.baseline == "permuted":
            null.settings["baseline"] = "permuted"
            null.shuffled = self.result_.shuffled
            self.baseline_result_ = null
        elif self.baseline == "untrained":
            base = _untrained(views, int(self.seed))
            result, _ = self._mine_with_null(base[0], join_tables(base[1:], _right_name(base[1:])),
                                             cfg, "baseline (untrained)")
            result.settings["baseline"] = "untrained"
            self.baseline_result_ = result
        return self

    def _mine_with_null(self, lv: AttributeTable, rv: AttributeTable, cfg: Config, desc: str
                        ) -> tuple[RedescriptionResult, RedescriptionResult]:
        """The result of ``lv`` by ``rv`` with its shuffled baseline, and the shuffled mining."""
        result = self._mine(lv, rv, cfg, desc)
        seed = int(self.seed)
        null = self._mine(lv.permuted(np.random.default_rng(seed)), rv, cfg,
                          f"{desc}, shuffled")
        result.shuffled = ShuffledBaseline.of(null, seed)
        return result, null

    def _mine(self, lv: AttributeTable, rv: AttributeTable, cfg: Config, desc: str
              ) -> RedescriptionResult:
        lenc, renc = lv.encode(), rv.encode()
        targets = progress(range(len(lv.columns)), enabled=bool(self.progress), desc=desc,
                           unit="neuron")
        # The products are small: BLAS threads only contend (50x slower seen on 2 busy cores).
        with threadpool_limits(limits=1, user_api="blas"):
            found = [mine_target(j, lenc, renc, cfg) for j in targets]
        return _assemble(found, lenc, renc, cfg, self.correction, int(self.max_per_neuron),
                         int(self.max_redescriptions))

    # -- results ---------------------------------------------------------------------------
    @property
    def redescriptions_(self) -> Any:
        """One row per redescription (a DataFrame): neuron, set, left and right rules in
        words, jaccard, pvalue, support (``|E12|``), the two rules' supports, the attributes
        the right rule tests."""
        self._check_fitted("redescriptions_")
        return self.result_.to_frame()

    @property
    def neurons_described_(self) -> Any:
        """Per mined neuron (a DataFrame): described, its best redescription and J, and the
        smallest p-value of its candidates (see :meth:`RedescriptionResult.neurons_frame`)."""
        self._check_fitted("neurons_described_")
        return self.result_.neurons_frame()

    @property
    def baseline_redescriptions_(self) -> Any:
        """:attr:`redescriptions_` of the baseline (None without one)."""
        self._check_fitted("baseline_redescriptions_")
        return None if self.baseline_result_ is None else self.baseline_result_.to_frame()

    @property
    def baseline_neurons_described_(self) -> Any:
        """:attr:`neurons_described_` of the baseline (None without one)."""
        self._check_fitted("baseline_neurons_described_")
        return None if self.baseline_result_ is None else self.baseline_result_.neurons_frame()

    def summary(self, pvalues: Sequence[float] = (0.01, 1e-4)) -> Any:
        """Neurons described at each significance level, for the views and the baseline.

        Returns
        -------
        DataFrame
            Rows ``"model"``, ``"model, shuffled"`` (its activations shuffled: the permutation
            null), and with a baseline ``"baseline: untrained"`` and ``"baseline: untrained,
            shuffled"`` (or ``"baseline: permuted"``, the same as ``"model, shuffled"``);
            columns ``neurons`` (mined, i.e. not constant), ``p <= a`` for each level (neurons
            with an individual redescription with J >= min_jaccard within the support bounds
            at that (adjusted) level), and the median of the neurons' best J.
        """
        import pandas as pd

        self._check_fitted("summary()")
        levels = list(pvalues)
        for a in levels:
            check_number(a, "pvalues", low=0, low_open=True, high=1)

        def row(counts: dict[str, int], best: np.ndarray) -> dict[str, Any]:
            out: dict[str, Any] = dict(counts)
            out["median best J"] = (float(np.nanmedian(best)) if np.isfinite(best).any()
                                    else 0.0)
            return out

        rows = {}
        for label, res in (("model", self.result_),
                           (f"baseline: {self.baseline}", self.baseline_result_)):
            if res is None:
                continue
            rows[label] = row(res.described_counts(levels), res.summary["jaccard"])
            null = res.shuffled
            if null is not None and label != "baseline: permuted":
                counts = {"neurons": null.neurons,
                          **{f"p <= {a:g}": null.described_at(a) for a in levels}}
                rows[f"{label}, shuffled"] = row(counts, null.jaccard)
        return pd.DataFrame(rows).T

    def explain(self, X: Any = None, *, baseline: bool = False) -> RedescriptionResult:
        """What the view draws: :attr:`result_` (``baseline=True``: :attr:`baseline_result_`),
        holding the mined samples ``X`` when given (:meth:`RedescriptionResult.with_samples`).

        Parameters
        ----------
        X : tensor, array or DataFrame, optional
            The mined samples, in mining order: images ``(N, C, H, W)`` or a table ``(N, F)``.
        baseline : bool, default=False
        """
        self._check_fitted("explain()")
        check_bool(baseline, "baseline")
        result = self.baseline_result_ if baseline else self.result_
        if result is None:
            raise ValueError("argument 'baseline': this miner was fitted without a baseline "
                             "(RedescriptionMiner(baseline='untrained' or 'permuted'))")
        return result if X is None else result.with_samples(X)

    def rule_set(self, neuron: str | None = None) -> RuleSet:
        """Rule extraction: the redescriptions of a categorical left column (the model's
        predictions, from :func:`prediction_table`) as an ordered rule set, with its fidelity
        (see :meth:`RedescriptionResult.rule_set`)."""
        self._check_fitted("rule_set()")
        return self.result_.rule_set(neuron)


def _right_name(views: Sequence[AttributeTable]) -> str:
    return " + ".join(v.name for v in views)


def _untrained(views: list[AttributeTable], seed: int) -> list[AttributeTable]:
    """The views again, computed by re-initialised deep copies of their models (one copy per
    model); tables not computed from a model stay as they are. The user's models are only
    read (``copy.deepcopy``)."""
    copies: dict[int, nn.Module] = {}
    out = []
    for i, v in enumerate(views):
        if v.source is None:
            out.append(v)
            continue
        model = v.source.model
        if id(model) not in copies:
            clone = copy.deepcopy(model)
            with seeded(seed + len(copies)):
                for m in clone.modules():
                    reset = getattr(m, "reset_parameters", None)
                    if callable(reset):
                        reset()
            copies[id(model)] = clone
        own: BaseException | None = None
        try:
            out.append(v.source.build(copies[id(model)]))
        except ModelInputError as err:
            # the trained model ran on these very inputs: the copy's error is the model's own
            own = err.__cause__ or err
        except ValueError as err:  # its view is unusable, e.g. one predicted class only
            if i == 0:
                raise ValueError(f"argument 'baseline': the untrained copy gives no usable "
                                 f"left view ({err})") from err
            warnings.warn(f"baseline: view {v.name!r} of the untrained copy is left out ({err})",
                          UserWarning, stacklevel=4)
        if own is not None:
            raise own
    if len(out) < 2:
        raise ValueError("argument 'baseline': the untrained copy leaves no describing view")
    return out


def _adjuster(family: np.ndarray, method: str | None) -> Any:
    """Raw p -> adjusted p over ``family`` (monotone, so a lookup in the sorted family)."""
    if method is None or not len(family):
        return lambda p: np.asarray(p, dtype=np.float64)
    fam = np.sort(family)
    adj = correct_pvalues(fam, method)
    adj = np.minimum.accumulate(adj[::-1])[::-1]  # ties and order: monotone non-decreasing

    def lookup(p: Any) -> np.ndarray:
        p = np.asarray(p, dtype=np.float64)
        idx = np.clip(np.searchsorted(fam, p, side="left"), 0, len(fam) - 1)
        return np.where(np.isfinite(p), adj[idx], np.nan)

    return lookup


def _assemble(found: list[TargetResult], lenc: Encoding, renc: Encoding, cfg: Config,
              correction: str | None, per_neuron: int, cap: int) -> RedescriptionResult:
    """Corrections over all candidates, then the greedy set extraction per neuron and set."""
    family = np.concatenate([t.family_pvalues for t in found]) if found else np.zeros(0)
    adjust = _adjuster(family, correction)
    P = len(found)
    summary = {k: np.full(P, np.nan) for k in ("jaccard", "pvalue", "min_pvalue",
                                                "max_jaccard", "interaction_jaccard")}
    summary["described"] = np.zeros(P, dtype=bool)
    rows: list[tuple[int, int, np.ndarray, np.ndarray, float]] = []
    for t in found:
        k = t.target
        summary["max_jaccard"][k] = t.max_jaccard
        ind = t.family_pvalues[~t.family_interaction]
        if len(ind):
            summary["min_pvalue"][k] = float(adjust(ind.min()))
        padj = adjust(t.pvalue)
        for inter_set in (False, True):
            kept: list[np.ndarray] = []
            for i in np.flatnonzero((padj <= cfg.max_pvalue) & (t.interaction == inter_set)):
                sl = evaluate(t.left[i], lenc.matrix)
                sr = evaluate(t.right[i], renc.matrix)
                e12 = sl & sr
                if kept:
                    K = np.stack(kept)
                    inter = intersections(K, e12[None])[:, 0]
                    if (jaccard(inter, K.sum(1), e12.sum()) >= _REDUNDANT).any():
                        continue
                kept.append(e12)
                rows.append((k, int(i), sl, sr, float(padj[i])))
                if len(kept) >= per_neuron:
                    break
    by_target = {t.target: t for t in found}
    J = np.array([by_target[k].jaccard[i] for k, i, *_ in rows])
    size = np.array([by_target[k].size[i] for k, i, *_ in rows])
    order = (np.lexsort((size, -J))[:cap] if rows  # the table: best J first
             else np.zeros(0, dtype=np.int64))
    rows = [rows[o] for o in order]
    for k, row, *_ in rows[::-1]:  # best J last, so it wins
        t = by_target[k]
        if t.interaction[row]:
            summary["interaction_jaccard"][k] = float(t.jaccard[row])
        else:
            summary["described"][k] = True
            summary["jaccard"][k] = float(t.jaccard[row])
            summary["pvalue"][k] = float(t.pvalue[row])

    def col(attr: str, dtype: Any) -> np.ndarray:
        return np.array([getattr(by_target[k], attr)[i] for k, i, *_ in rows], dtype=dtype)

    n = len(lenc.matrix)
    left_q = [by_target[k].left[i] for k, i, *_ in rows]
    right_q = [by_target[k].right[i] for k, i, *_ in rows]
    lv, rv = lenc.view, renc.view
    right_cols = [sorted(query_columns(q, renc)) for q in right_q]

    def without(r: int) -> list[float]:
        """J of row ``r`` with each of its right attributes' tests removed."""
        sl = rows[r][2]
        out = []
        for c in right_cols[r]:
            sr = evaluate(query_without(right_q[r], {c}, renc), renc.matrix)
            union = int((sl | sr).sum())
            out.append(float((sl & sr).sum() / union) if union else 0.0)
        return out

    return RedescriptionResult(
        left_view=lv.name, right_view=rv.name, neurons=list(lv.columns),
        attributes=list(rv.columns),
        neuron=np.array([k for k, *_ in rows], dtype=np.int64),
        set=["interaction" if by_target[k].interaction[i] else "individual"
             for k, i, *_ in rows],
        left_rule=[query_text(q, lenc) for q in left_q],
        right_rule=[query_text(q, renc) for q in right_q],
        jaccard=col("jaccard", np.float64), pvalue=col("pvalue", np.float64),
        pvalue_adjusted=np.array([r[4] for r in rows], dtype=np.float64),
        support=col("inter", np.int64), left_support=col("n_left", np.int64),
        right_support=col("n_right", np.int64),
        left_columns=[sorted(query_columns(q, lenc)) for q in left_q],
        right_columns=right_cols,
        jaccard_without=[without(r) for r in range(len(rows))],
        left_holds=(np.stack([r[2] for r in rows], axis=1) if rows
                    else np.zeros((n, 0), dtype=bool)),
        right_holds=(np.stack([r[3] for r in rows], axis=1) if rows
                     else np.zeros((n, 0), dtype=bool)),
        left_queries=left_q, right_queries=right_q, summary=summary,
        settings={"min_jaccard": cfg.min_jaccard, "max_pvalue": cfg.max_pvalue,
                  "min_support": cfg.min_support, "max_support": cfg.max_support,
                  "correction": correction, "n_candidates": len(family)},
        left_schema=Schema.of(lv).to_data(), right_schema=Schema.of(rv).to_data(),
        categorical_codes={c: lv.values[:, j].astype(np.int64)
                           for j, c in enumerate(lv.columns) if lv.categories[j] is not None},
    )

