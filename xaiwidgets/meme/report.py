"""What MEME reports: the trace of a set of sequences (everything the timeline shows), the
scores of the extracted model on them, and one sequence explained step by step."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import numpy as np

from .._core.results import Result
from .._core.validation import check_int
from .search import similar_ranges
from .transitions import path_words, tree_lines

__all__ = ["MemeScores", "MemeTrace", "SequenceExplanation", "Step"]


@dataclass
class MemeScores:
    """Scores of an extracted model on a set of sequences (:attr:`MemeTrace.scores`).

    Computed from a trace's rows, so the scores of any selection of sequences (``trace[mask]``)
    or of traces concatenated or opened from disk are at hand without the estimator;
    :meth:`summary` gives them as a plain dict.

    Attributes
    ----------
    step_fidelity : float
        Share of valid steps where the extracted model's class is the RNN's (per-step label:
        its output, the read-out of its state, or its final prediction broadcast).
    sequence_fidelity : float
        Per-step models: the mean over sequences of each one's step fidelity. Sequence-level
        models: the final-step fidelity.
    final_fidelity : float
        Agreement at each sequence's last step (the prediction of a sequence-level model).
    accuracy, rnn_accuracy : float or None
        Against ``y_true``: the extracted model's and the RNN's own.
    f1 : float
        F1 of the extracted model with the RNN's labels as reference (binary: of class 1;
        else macro-averaged), per step or on the final step like the fidelity.
    n_sequences, n_steps, n_concepts, window : int
    per_step : bool
    """

    step_fidelity: float
    sequence_fidelity: float
    final_fidelity: float
    accuracy: float | None
    rnn_accuracy: float | None
    f1: float
    n_sequences: int
    n_steps: int
    n_concepts: int
    window: int
    per_step: bool

    @property
    def fidelity(self) -> float:
        """The headline fidelity: per step for per-step models, final step otherwise."""
        return self.step_fidelity if self.per_step else self.final_fidelity

    def summary(self) -> dict[str, Any]:
        return {**asdict(self), "fidelity": self.fidelity}


@dataclass
class Step:
    """One step of an explained sequence.

    ``output`` is the extracted model's class and ``y_pred`` the RNN's; ``source`` is the
    concept at t - 1 whose tree chose ``concept`` (-1 at t = 0), ``leaf`` the leaf of that
    tree, ``conditions`` the tests on its path in words, and ``rule`` the whole path
    ``"CO2@t > 812 and Temperature@t-1 <= 21.3 -> occupied"``.
    """

    t: int
    concept: int
    name: str
    output: int
    y_pred: int
    source: int
    leaf: int
    conditions: list[str]
    rule: str

    @property
    def rnn_output(self) -> int:
        """Deprecated: :attr:`y_pred`."""
        warnings.warn("Step.rnn_output is now Step.y_pred (the model's prediction); the old name "
                      "goes in the next release", FutureWarning, stacklevel=2)
        return self.y_pred


@dataclass
class SequenceExplanation:
    """Per step: concept, outputs and the rule that caused it (see :class:`Step`)."""

    steps: list[Step]
    class_names: list[str]
    concept_names: list[str] = field(default_factory=list)

    @property
    def transitions(self) -> list[Step]:
        """The steps where the concept changed (and the first step)."""
        return [s for s in self.steps if s.t == 0 or s.source != s.concept]

    def to_text(self, changes_only: bool = True) -> str:
        """One line per step (only the changes by default)."""
        lines = []
        for s in self.transitions if changes_only else self.steps:
            out = self.class_names[s.output]
            rnn = self.class_names[s.y_pred]
            flag = "" if out == rnn else f"  (RNN: {rnn})"
            lines.append(f"t={s.t:>4}  {s.name:<12} {out}{flag}   {s.rule}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()



# Fields with a time axis (the second), and what pads them beyond a sequence's length.
_STEP_PAD: dict[str, float] = {"X": 0.0, "concepts": -1, "outputs": -1, "leaves": -1,
                               "sources": -1, "y_pred": -1, "y_score": 0.0, "states": 0.0,
                               "state_concepts": -1, "y_true": -1}


@dataclass
class MemeTrace(Result):
    """:meth:`MEME.explain`: every step of a set of sequences, and the extracted model as drawn.

    Everything :class:`~xaiwidgets.TimelineView` shows, so that a view (or a store) needs no
    estimator: the rows of each sequence, padded to the longest (``lengths`` says where each
    ends; padding is -1 for ids and 0 for numbers), and, as metadata, the concepts, the
    transition trees in words and the order of the hidden units.

    Attributes
    ----------
    X : ndarray of shape (N, T, F), float32
        The inputs.
    lengths : ndarray of shape (N,), int64
        Valid steps of each sequence.
    concepts, outputs : ndarray of shape (N, T), int64
        The extracted model's concept and class (its prediction) at every step.
    leaves : ndarray of shape (N, T), int64
        The node of ``sources``' tree that chose the concept (the start tree's at t = 0 with
        ``start="tree"``; 0 with ``start="rnn"``): an index into ``trees[source]``.
    sources : ndarray of shape (N, T), int64
        The concept at t - 1 (-1 at t = 0).
    y_pred : ndarray of shape (N, T), int64
        The RNN's class at every step: its output, the read-out of its state, or its final
        prediction broadcast (sequence-level models without ``readout``).
    y_score : ndarray of shape (N, T), float32
        The RNN's probability of class 1 (binary) or of its predicted class.
    y_pred_final : ndarray of shape (N,), int64
        The RNN's class at each sequence's last step (a sequence-level model's prediction).
    states : ndarray of shape (N, T, H), float32, or None
        The hidden states of the explained layer (None when only scores were asked for).
    state_concepts : ndarray of shape (N, T), int64
        The concept (cluster) of each state itself.
    y_true : ndarray of shape (N, T) or (N,), optional
        True labels (per step for per-step models, -1 on padding; else per sequence).
    feature_names, class_names, concept_names : list of str
    concept_class : ndarray of shape (K,), int64
        Each concept's class (the RNN's majority class over its states).
    concept_size : ndarray of shape (K,), int64
    concept_share, concept_purity : ndarray of shape (K,), float32
    concept_uncertain : ndarray of shape (K,), bool
        Purity below the extractor's ``purity`` (drawn grey).
    transition_matrix : ndarray of shape (K, K), float32
        Training frequency of ``c[t-1] -> c[t]`` (rows sum to 1).
    trees : list of dict
        The transition tree of every concept, then the start tree (``source`` -1), as drawn:
        ``yes`` / ``no`` children (-1 for a leaf), ``test``, ``value`` (destination concept),
        ``n_train``, ``merged`` (tests merged into a node) and ``rules`` (the path to every
        shown node in words).
    unit_order : ndarray of shape (H,), int64
        Hidden units grouped by the concept whose centroid they are highest in, strongest
        first (:func:`~xaiwidgets.meme.concepts.unit_order`).
    window : int
    per_step : bool
        The RNN answers at every step (else once per sequence).
    start : {"rnn", "tree"}
    layer : str
        The explained layer.
    """

    _rows: ClassVar[tuple[str, ...]] = (
        "X", "lengths", "concepts", "outputs", "leaves", "sources", "y_pred", "y_score",
        "y_pred_final", "states", "state_concepts", "y_true")

    X: np.ndarray
    lengths: np.ndarray
    concepts: np.ndarray
    outputs: np.ndarray
    leaves: np.ndarray
    sources: np.ndarray
    y_pred: np.ndarray
    y_score: np.ndarray
    y_pred_final: np.ndarray
    states: np.ndarray | None
    state_concepts: np.ndarray
    feature_names: list[str]
    class_names: list[str]
    concept_names: list[str]
    concept_class: np.ndarray
    concept_size: np.ndarray
    concept_share: np.ndarray
    concept_purity: np.ndarray
    concept_uncertain: np.ndarray
    transition_matrix: np.ndarray
    trees: list[dict[str, Any]]
    unit_order: np.ndarray
    window: int = 0
    per_step: bool = True
    start: str = "rnn"
    layer: str = ""
    y_true: np.ndarray | None = None

    # -- rows of different lengths -----------------------------------------------------------
    @classmethod
    def concat(cls, results: Sequence[MemeTrace]) -> MemeTrace:
        """One trace of the sequences of ``results`` in order, padded to the longest."""
        results = list(results)
        if not results or not all(isinstance(r, MemeTrace) for r in results):
            return super().concat(results)  # the base names what is wrong
        steps = max(int(r.concepts.shape[1]) for r in results)
        return super().concat([r._padded(steps) for r in results])

    def padded(self, steps: int) -> MemeTrace:
        """The same trace with a time axis of exactly ``steps`` (padding as in the class
        docstring): traces of several batches then share their trailing shapes, as a store
        whose arrays are fixed per sample needs. A ValueError when a sequence is longer."""
        steps = check_int(steps, "steps", low=1)
        have = int(self.concepts.shape[1])
        if have > steps:
            longest = int(np.max(np.asarray(self.lengths))) if len(self) else 0
            raise ValueError(f"argument 'steps': the trace's sequences run to {longest} steps "
                             f"(time axis {have}), longer than the {steps} asked for; pass at "
                             f"least {longest}")
        return self._padded(steps)

    def _padded(self, steps: int) -> MemeTrace:
        """The same trace with a time axis of ``steps`` (padding as in the class docstring)."""
        rows: dict[str, Any] = {}
        for name, pad in _STEP_PAD.items():
            a = getattr(self, name)
            if a is None or (name == "y_true" and not self.per_step):
                continue
            a = np.asarray(a)
            if a.shape[1] < steps:
                width = [(0, 0), (0, steps - a.shape[1])] + [(0, 0)] * (a.ndim - 2)
                rows[name] = np.pad(a, width, constant_values=np.asarray(pad, a.dtype))
        return dataclasses.replace(self, **rows) if rows else self

    # -- derived views of the rows -----------------------------------------------------------
    @property
    def offsets(self) -> np.ndarray:
        """``offsets[i]:offsets[i + 1]`` are sequence i's steps among all valid steps."""
        return np.concatenate([[0], np.cumsum(np.asarray(self.lengths, dtype=np.int64))])

    def valid(self) -> np.ndarray:
        """``(N, T)`` bool: the steps within each sequence's length."""
        steps = int(self.concepts.shape[1])
        return np.arange(steps)[None, :] < np.asarray(self.lengths)[:, None]

    def flat_states(self) -> np.ndarray:
        """The hidden states of the valid steps ``(S, H)``, sequence after sequence."""
        if self.states is None:
            raise ValueError("this trace holds no hidden states (traced with states=False)")
        return np.asarray(self.states)[self.valid()]

    def similar_ranges(self, index: int, start: int, stop: int, *, by: str = "states",
                       units: Sequence[int] | None = None, threshold: float = 0.3,
                       top: int = 10) -> list[dict[str, Any]]:
        """:func:`~xaiwidgets.meme.similar_ranges` over this trace: the best window of every
        other sequence for steps ``start:stop`` of sequence ``index`` (``units`` are hidden
        unit ids, as in ``states``)."""
        states = self.flat_states()
        concepts = np.asarray(self.state_concepts)[self.valid()]
        return similar_ranges(states, self.offsets, index, start, stop, by=by,
                              concepts=concepts, units=units, threshold=threshold, top=top)

    @property
    def scores(self) -> MemeScores:
        """Fidelity to the RNN, accuracy (with ``y_true``) and F1 on these sequences."""
        from sklearn.metrics import f1_score

        valid = self.valid()
        n = len(self)
        lens = np.asarray(self.lengths, dtype=np.int64)
        out, rnn = np.asarray(self.outputs), np.asarray(self.y_pred)
        final = np.asarray(self.y_pred_final)
        same = (out == rnn) & valid
        last = out[np.arange(n), lens - 1]
        final_fid = float(np.mean(last == final))
        avg = "binary" if len(self.class_names) == 2 else "macro"
        if self.per_step:
            ref, pred = rnn[valid], out[valid]
        else:
            ref, pred = final, last
        f1 = float(f1_score(ref, pred, average=avg, zero_division=0.0))
        acc = rnn_acc = None
        if self.y_true is not None:
            y = np.asarray(self.y_true)
            if self.per_step:
                yt = y[valid]
                acc, rnn_acc = float(np.mean(out[valid] == yt)), float(np.mean(rnn[valid] == yt))
            else:
                acc, rnn_acc = float(np.mean(last == y)), float(np.mean(final == y))
        return MemeScores(
            step_fidelity=float(np.mean(same[valid])),
            sequence_fidelity=float(np.mean(same.sum(axis=1) / lens)) if self.per_step
            else final_fid,
            final_fidelity=final_fid, accuracy=acc, rnn_accuracy=rnn_acc, f1=f1,
            n_sequences=n, n_steps=int(lens.sum()), n_concepts=len(self.concept_names),
            window=int(self.window), per_step=bool(self.per_step))

    # -- in words ----------------------------------------------------------------------------
    def explain(self, index: int = 0) -> SequenceExplanation:
        """Per step of sequence ``index``: its concept, the extracted model's and the RNN's
        classes, and the tree path that chose the concept, in words."""
        check_int(index, "index", low=0, high=len(self) - 1)
        names = list(self.concept_names)
        by_source = {int(tr["source"]): tr for tr in self.trees}
        steps = []
        length = int(self.lengths[index])
        concepts = np.asarray(self.concepts[index, :length])
        leaves = np.asarray(self.leaves[index, :length])
        outputs = np.asarray(self.outputs[index, :length])
        rnn = np.asarray(self.y_pred[index, :length])
        for t in range(length):
            cpt, src = int(concepts[t]), -1 if t == 0 else int(concepts[t - 1])
            words: list[str] = []
            if t == 0 and self.start == "rnn":
                rule = "the RNN's first state"
            else:
                words = path_words(by_source[src], int(leaves[t]), [])
                rule = " and ".join(words) or "always"
            steps.append(Step(t=t, concept=cpt, name=names[cpt], output=int(outputs[t]),
                              y_pred=int(rnn[t]), source=src, leaf=int(leaves[t]),
                              conditions=words, rule=f"{rule} -> {names[cpt]}"))
        return SequenceExplanation(steps=steps, class_names=list(self.class_names),
                                   concept_names=names)

    def export_text(self, max_depth: int | None = None) -> str:
        """The start tree and every concept's transition tree as indented rules."""
        names = list(self.concept_names)
        by_source = {int(tr["source"]): tr for tr in self.trees}
        lines: list[str] = []
        for s in [-1, *range(len(names))]:
            lines.append("start:" if s == -1 else f"from {names[s]}:")
            tree_lines(by_source[s], names, 0, "  ", lines,
                       -1 if max_depth is None else int(max_depth))
        return "\n".join(lines)

    # -- names of the previous release ---------------------------------------------------------
    @property
    def rnn(self) -> np.ndarray:
        """Deprecated: :attr:`y_pred`."""
        warnings.warn("MemeTrace.rnn is now MemeTrace.y_pred (the model's prediction); the old "
                      "name goes in the next release", FutureWarning, stacklevel=2)
        return self.y_pred

    @property
    def rnn_score(self) -> np.ndarray:
        """Deprecated: :attr:`y_score`."""
        warnings.warn("MemeTrace.rnn_score is now MemeTrace.y_score; the old name goes in the "
                      "next release", FutureWarning, stacklevel=2)
        return self.y_score

    @property
    def final(self) -> np.ndarray:
        """Deprecated: :attr:`y_pred_final`."""
        warnings.warn("MemeTrace.final is now MemeTrace.y_pred_final; the old name goes in the "
                      "next release", FutureWarning, stacklevel=2)
        return self.y_pred_final
