"""MEME: an RNN explained as named concepts and the input rules that move between them."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from .._core.deprecation import renamed_keywords
from .._core.estimator import Constraints, XaiEstimator
from .._core.probe import with_autograd
from .._core.random import check_seed
from .._core.task import TASKS
from .._core.validation import (
    check_bool,
    check_class_names,
    check_int,
    check_int_or_option,
    check_kind,
    check_model,
    check_names,
    check_number,
    check_option,
    describe,
)
from .concepts import ClassKMeans, cluster_states, name_concepts, silhouette, unit_order
from .report import MemeScores, MemeTrace, SequenceExplanation
from .states import Capture, capture_states, check_sequences, find_recurrent_layer
from .transitions import (
    TransitionTree,
    drawn_tree,
    fit_tree,
    tree_lines,
    window_features,
    window_names,
)

__all__ = ["MEME"]

SWEEP_K = (2, 3, 4, 5, 6)  # n_concepts="auto" for two classes; from C to C + 4 for C > 2
DEEP = 6  # max_depth="auto" with more than two classes


class MEME(XaiEstimator):
    """Model extraction for RNNs (Kazhdan et al., NeurIPS 2020 HAMLETS workshop).

    The hidden states of one recurrent layer are clustered into a few **concepts**, each named
    after the class the RNN predicts for most of its states. For every source concept a small
    decision tree predicts the **next concept** from the input window ``x[t-w..t]``. Run from
    each sequence's start concept, concepts and trees form an automaton whose output at every
    step is its concept's class: a model that imitates the RNN and explains each of its moves in
    words (``CO2@t > 812 -> occupied``). See ``docs/methods/meme.md``.

    Parameters
    ----------
    model : nn.Module
        The RNN classifier, left exactly as found. It returns ``(N, C)`` (one output per
        sequence, e.g. mortality) or ``(N, T, C)`` (one per step, e.g. occupancy); one logit is a
        binary classifier (``task="binary"``). Its forward takes ``(x)`` or ``(x, lengths)``.
    layer : str or nn.Module, optional
        The recurrent layer whose states are clustered (default: the model's last ``nn.RNN`` /
        ``nn.LSTM`` / ``nn.GRU``; of a stacked one, the top layer's output). Any submodule that
        returns ``(N, T, H)`` will do.
    n_concepts : int or "auto", default="auto"
        Number of concepts, >= 2; "auto" sweeps five counts and keeps the best by ``select``
        (``sweep_`` holds the sweep): 2..6, or from the number of classes the RNN predicts on
        (C) to C + 4 when it predicts more than two, so that every class can be output.
    window : int, default=0
        Input steps before t the transition trees see (0..4 is the usual sweep).
    history : bool, default=False
        Also give the trees each feature's mean over steps 0..t (columns ``feature@mean``):
        for RNNs that gather evidence over the whole sequence, whose mind a short window
        cannot follow (see ``docs/methods/meme.md``, multi-class tasks).
    purity : float, default=0.8
        A concept is named after its majority class when that class has at least this share of
        its states, else "uncertain".
    clustering : {"auto", "states", "per_class"}, default="auto"
        "auto": "per_class" for more than two classes when the RNN's class is known at every
        step (a per-step model, or ``readout``), else "states".
        "states": KMeans on all hidden states (the paper). "per_class": KMeans within the states
        of each class the RNN predicts, ``n_concepts`` split between the classes in proportion
        to their states (at least one each), so every concept is pure and its class is the
        RNN's at every state it holds. Use it when the RNN's decision is not where its states
        cluster (sequence-level models whose prediction is a small direction of the state);
        it needs per-step labels: a per-step model, or ``readout``.
    max_depth : int or "auto", default="auto"
        Depth of the transition trees; "auto": 3 for two classes (the paper), 6 for more: a
        depth-3 tree has 8 leaves, too few to say under which inputs each of several concepts
        is entered (``bench/meme_multiclass.py`` measures both).
    min_samples_leaf : int, default=5
    task : {"auto", "multiclass", "binary"}, default="auto"
    readout : nn.Module or callable, optional
        Sequence-level models only: the head that maps a state ``(N, H)`` to the outputs
        ``(N, C)`` (e.g. ``model.head``). Each step is then labelled with the read-out of its
        own state; without it every step gets the RNN's final prediction. Fidelity is scored on
        the final step either way.
    class_names : sequence of str or dict, optional
        Names of the classes (concept names); default "0", "1", ...
    select : {"silhouette", "fidelity"}, default="fidelity"
        How ``n_concepts="auto"`` chooses: the best silhouette, or the fewest concepts within
        one point of the best training fidelity.
    start : {"rnn", "tree"}, default="rnn"
        Start concept of a sequence: the concept of the RNN's own first state (one forward
        pass over the first step), or a tree on the first input (no RNN at all).
    max_states : int, default=50000
        KMeans is fitted on at most this many states (a seeded sample); all are assigned.
    max_transitions : int, default=50000
        Training transitions per source concept (a seeded sample beyond it).
    batch_size : int, default=256
    seed : int, default=0
        Seeds KMeans, the trees and every sample.
    progress : bool, default=True

    Attributes
    ----------
    concepts_ : list of Concept
        One per concept: ``name``, ``size``, ``share``, ``majority`` class, ``purity``,
        ``class_mix``. :meth:`concept_table` shows them as a DataFrame.
    transition_trees_ : list of TransitionTree
        Per source concept: ``.estimator`` (a ``DecisionTreeClassifier`` over
        ``window_feature_names_``, or None for a constant / self-loop).
    start_tree_ : TransitionTree
        First input -> start concept (used with ``start="tree"``).
    transition_matrix_ : ndarray of shape (K, K)
        Training frequency of ``c[t-1] -> c[t]`` (rows sum to 1; self-transitions included).
    kmeans_ : sklearn.cluster.KMeans or ClassKMeans
        Maps a state to its concept (``ClassKMeans`` also needs the state's class).
    n_concepts_, layer_, task_, per_step_, feature_names_, window_feature_names_,
    class_names_, clustering_, max_depth_ : the resolved settings.
    sweep_ : dict or None
        ``{"n_concepts", "silhouette", "fidelity"}`` lists when ``n_concepts="auto"``.
    train_fidelity_ : float
        Fidelity on the training sequences (per step, or final step for sequence-level
        models).
    """

    def __init__(
        self,
        model: nn.Module,
        layer: Any = None,
        *,
        n_concepts: int | str = "auto",
        window: int = 0,
        history: bool = False,
        purity: float = 0.8,
        clustering: str = "auto",
        max_depth: int | str = "auto",
        min_samples_leaf: int = 5,
        task: str = "auto",
        readout: Any = None,
        class_names: Sequence[str] | Mapping[int, str] | None = None,
        select: str = "fidelity",
        start: str = "rnn",
        max_states: int = 50_000,
        max_transitions: int = 50_000,
        batch_size: int = 256,
        seed: int = 0,
        progress: bool = True,
    ) -> None:
        self.model = model
        self.layer = layer
        self.n_concepts = n_concepts
        self.window = window
        self.history = history
        self.purity = purity
        self.clustering = clustering
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.task = task
        self.readout = readout
        self.class_names = class_names
        self.select = select
        self.start = start
        self.max_states = max_states
        self.max_transitions = max_transitions
        self.batch_size = batch_size
        self.seed = seed
        self.progress = progress

    _parameter_constraints: ClassVar[Constraints] = {
        "model": check_model,
        "layer": partial(check_kind, expected="None, a layer name or a submodule of the model",
                         types=(str, nn.Module), allow_none=True),
        "n_concepts": partial(check_int_or_option, options=["auto"], low=2),
        "window": partial(check_int, low=0),
        "history": check_bool,
        "purity": partial(check_number, low=0, high=1),
        "clustering": partial(check_option, options=["auto", "states", "per_class"]),
        "max_depth": partial(check_int_or_option, options=["auto"], low=1),
        "min_samples_leaf": partial(check_int, low=1),
        "task": partial(check_option, options=[t for t in TASKS if t != "regression"]),
        "readout": partial(check_kind, expected="None or the module (or function) that maps a "
                           "state (N, H) to the outputs", types=(Callable,), allow_none=True),
        "class_names": partial(check_kind, expected="None, a list of names (one per class) or a "
                               "dict {class index: name}", types=(Sequence, Mapping, np.ndarray),
                               allow_none=True),
        "select": partial(check_option, options=["silhouette", "fidelity"]),
        "start": partial(check_option, options=["rnn", "tree"]),
        "max_states": partial(check_int, low=10),
        "max_transitions": partial(check_int, low=10),
        "batch_size": partial(check_int, low=1),
        "seed": check_seed,
        "progress": check_bool,
    }

    # -- fit ---------------------------------------------------------------------------------
    @renamed_keywords(sequences="X")
    @with_autograd
    def fit(self, X: Any, lengths: Any = None, *,
            feature_names: Sequence[str] | None = None) -> MEME:
        """Capture the states of the sequences ``X``, cluster them, and fit the transition
        trees.

        Parameters
        ----------
        X : tensor, array or PackedSequence of shape (N, T, F), or a list of (T_i, F)
            Right-padded when ``lengths`` is given (a PackedSequence or a ragged list carries
            its lengths); padding with NaN after each sequence's last step (sktime's way) needs
            no ``lengths``. NaN within a sequence is an error.
        lengths : array-like of shape (N,), optional
            Valid steps per sequence, in [1, T]; padding never becomes a state.
        feature_names : sequence of F str, optional
            Names in the rules (default ``x0``, ``x1``, ...).

        Returns
        -------
        self
        """
        with self._fitting():
            x, cap = self._prepare(X, lengths, feature_names)
            self._extract(x, cap)
        return self

    def _prepare(self, X: Any, lengths: Any, feature_names: Sequence[str] | None
                 ) -> tuple[np.ndarray, Capture]:
        """Check everything, capture the states and set the resolved settings; returns the
        sequences as a float32 array and the capture (what :meth:`_extract` needs)."""
        self._check_params()
        x, lens = self._inputs(X, lengths)
        names = check_names(feature_names, int(x.shape[2]), "feature_names", "feature")
        self.layer_, _ = find_recurrent_layer(self.model, self.layer)
        cap, task = capture_states(self.model, self.layer_, x, lens, task=self.task,
                                   readout=self.readout, batch_size=self.batch_size,
                                   progress=self.progress)
        if cap.per_step and self.readout is not None:
            raise ValueError("argument 'readout': the model returns one output per step "
                             "already; readout is for sequence-level models")
        if self.clustering == "per_class" and not cap.per_step and self.readout is None:
            raise ValueError("argument 'clustering': 'per_class' clusters the states of each "
                             "class apart, so it needs the RNN's class at every step: the "
                             "model returns one output per sequence, so pass readout=<the "
                             "head that maps a state to the outputs>")
        self.task_, self.per_step_ = task, cap.per_step
        labelled = cap.per_step or self.readout is not None
        self.clustering_ = self.clustering if self.clustering != "auto" else (
            "per_class" if task.n_classes > 2 and labelled else "states")
        self.max_depth_ = int(self.max_depth) if not isinstance(self.max_depth, str) else (
            DEEP if task.n_classes > 2 else 3)
        self.n_features_in_ = int(x.shape[2])
        self.feature_names_ = names or [f"x{i}" for i in range(self.n_features_in_)]
        labels = check_class_names(self.class_names, task.n_classes)
        self.class_names_ = labels or [str(c) for c in range(task.n_classes)]
        return x.detach().cpu().float().numpy(), cap

    def _inputs(self, X: Any, lengths: Any) -> tuple[torch.Tensor, np.ndarray]:
        x, lens = check_sequences(X, lengths, self.model, "X")
        lens = np.full(len(x), x.shape[1], dtype=np.int64) if lens is None else lens
        longest = int(lens.max())
        if self.window >= longest:
            raise ValueError(f"argument 'window': expected a window shorter than the longest "
                             f"sequence ({longest} steps), i.e. <= {longest - 1}, got "
                             f"{self.window}")
        return x, lens

    def _extract(self, x: np.ndarray, cap: Capture) -> None:
        """Concepts and transitions from captured states (also used by :func:`sweep`)."""
        n_states = len(cap.states)
        # fewer concepts than predicted classes can never output them all (per_class needs
        # one concept per class by construction)
        predicted = len(np.unique(cap.step_labels))
        low = predicted if self.clustering_ == "per_class" else 2
        if isinstance(self.n_concepts, str):
            sweep_k = SWEEP_K if predicted <= 2 else tuple(range(predicted, predicted + 5))
            ks = [k for k in sweep_k if k < n_states]
            if not ks:
                raise ValueError(f"argument 'n_concepts': 'auto' needs more than "
                                 f"{sweep_k[0]} states, got {n_states}")
            rows = [self._fit_k(x, cap, k, score_clusters=True) for k in ks]
            sil = [r[1] for r in rows]
            fid = [r[2] for r in rows]
            if self.select == "silhouette":
                best = int(np.nanargmax(sil))
            else:
                best = next(i for i, f in enumerate(fid) if f >= max(fid) - 0.01)
            self.sweep_: dict[str, list[float]] | None = {
                "n_concepts": [float(k) for k in ks], "silhouette": sil, "fidelity": fid}
            state = rows[best][0]
        else:
            k = int(self.n_concepts)
            if k > n_states:
                raise ValueError(f"argument 'n_concepts': expected at most the number of "
                                 f"states ({n_states}), got {k}")
            if k < low:
                raise ValueError(f"argument 'n_concepts': clustering='per_class' needs one "
                                 f"concept for each of the {low} classes the RNN predicts, "
                                 f"got {k}")
            self.sweep_ = None
            state = self._fit_k(x, cap, k)[0]
        for key, value in state.items():
            setattr(self, key, value)

    def _fit_k(self, x: np.ndarray, cap: Capture, k: int, score_clusters: bool = False
               ) -> tuple[dict[str, Any], float, float]:
        """Fit everything for ``k`` concepts; return the fitted attributes, the silhouette
        (with ``score_clusters``, else NaN) and the training fidelity."""
        seed = int(self.seed)
        km: Any
        if self.clustering_ == "per_class":
            km = ClassKMeans(k, seed, self.max_states).fit(cap.states, cap.step_labels,
                                                           len(self.class_names_))
            concept_of = km.predict(cap.states, cap.step_labels)
            k = len(km.cluster_centers_)
        else:
            km = cluster_states(cap.states, k, seed, self.max_states)
            concept_of = km.predict(cap.states).astype(np.int64)
        lens, offsets = cap.lengths, cap.offsets
        w = window_features(x, int(self.window), bool(self.history))  # (N, T, D)
        seq_of = np.repeat(np.arange(len(lens)), lens)
        step_of = np.arange(len(concept_of)) - offsets[seq_of]
        concepts = name_concepts(concept_of, cap.step_labels, k, self.class_names_,
                                 float(self.purity), inputs=x[seq_of, step_of],
                                 feature_names=self.feature_names_)
        flat_w = w[seq_of, step_of]
        moves = step_of > 0
        src, dst = concept_of[np.flatnonzero(moves) - 1], concept_of[moves]
        wm = flat_w[moves]
        trees = [fit_tree(s, wm[src == s], dst[src == s], max_depth=int(self.max_depth_),
                          min_samples_leaf=int(self.min_samples_leaf), seed=seed,
                          max_samples=int(self.max_transitions)) for s in range(k)]
        first = offsets[:-1]
        start_tree = fit_tree(-1, flat_w[first], concept_of[first],
                              max_depth=int(self.max_depth_),
                              min_samples_leaf=int(self.min_samples_leaf), seed=seed,
                              max_samples=int(self.max_transitions))
        matrix = np.zeros((k, k))
        np.add.at(matrix, (src, dst), 1)
        matrix = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
        for s in range(k):  # no outgoing transitions: a self-loop
            if matrix[s].sum() == 0:
                matrix[s, s] = 1.0
        state: dict[str, Any] = {
            "kmeans_": km, "n_concepts_": k, "concepts_": concepts,
            "transition_trees_": trees, "start_tree_": start_tree,
            "transition_matrix_": matrix,
            "window_feature_names_": window_names(self.feature_names_, int(self.window),
                                                  bool(self.history)),
        }
        # training fidelity of this candidate, started from the RNN's own first states
        start = concept_of[first] if self.start == "rnn" else start_tree.predict(flat_w[first])
        c, _ = _run(trees, w, lens, start)
        out = np.array([cp.majority for cp in concepts])[c[seq_of, step_of]]
        if cap.per_step:
            fid = float(np.mean(out == cap.step_labels))
        else:
            fid = float(np.mean(out[offsets[1:] - 1] == cap.final))
        state["train_fidelity_"] = fid
        sil = silhouette(cap.states, concept_of, seed) if score_clusters else float("nan")
        return state, sil, fid

    # -- prediction --------------------------------------------------------------------------
    def _windows(self, X: Any, lengths: Any
                 ) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
        x, lens = check_sequences(X, lengths, self.model, "X")
        if int(x.shape[2]) != self.n_features_in_:
            raise ValueError(f"argument 'X': expected {self.n_features_in_} features "
                             f"per step (as in fit), got shape {tuple(x.shape)}")
        lens = np.full(len(x), x.shape[1], dtype=np.int64) if lens is None else lens
        return x, lens, window_features(x.detach().cpu().float().numpy(), int(self.window),
                                        bool(self.history))

    def _start(self, x: torch.Tensor, w: np.ndarray) -> np.ndarray:
        if self.start == "tree":
            return self.start_tree_.predict(w[:, 0])
        # the RNN's state after the first step of each sequence (one pass over one step)
        cap, _ = capture_states(self.model, self.layer_, x[:, :1],
                                np.ones(len(x), dtype=np.int64), task=self.task,
                                batch_size=self.batch_size)
        return self._concept_of(cap.states, cap.step_labels)

    def _concept_of(self, states: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """The concept of each state (and, for ``per_class``, of its RNN label)."""
        if isinstance(self.kmeans_, ClassKMeans):
            return self.kmeans_.predict(states, labels)
        return self.kmeans_.predict(states).astype(np.int64)

    @renamed_keywords(sequences="X")
    @with_autograd
    def predict(self, X: Any, lengths: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Concept and output of the extracted model at every step.

        Vectorised over sequences: each transition tree scores every step's window once, and
        the automaton then advances all sequences together, one step at a time.

        Returns
        -------
        concepts : ndarray of shape (N, T), int64
            Concept ids (-1 on padding).
        outputs : ndarray of shape (N, T), int64
            The concept's class at every step (-1 on padding).
        """
        self._check_fitted("predict()")
        x, lens, w = self._windows(X, lengths)
        c, _ = _run(self.transition_trees_, w, lens, self._start(x, w))
        return c, self._outputs(c)

    def _outputs(self, c: np.ndarray) -> np.ndarray:
        major = np.array([cp.majority for cp in self.concepts_] + [-1], dtype=np.int64)
        return major[c]  # c == -1 (padding) picks the trailing -1

    # -- evaluation --------------------------------------------------------------------------
    @renamed_keywords(sequences="X")
    @with_autograd
    def evaluate(self, X: Any, y_true: Any = None, lengths: Any = None) -> MemeScores:
        """Fidelity to the RNN (per step and per sequence), accuracy and F1: the
        :attr:`~MemeTrace.scores` of the trace of ``X`` (without its hidden states).

        Parameters
        ----------
        X, lengths : as in :meth:`fit`
        y_true : array-like, optional
            True labels: ``(N, T)`` per step for per-step models (padding ignored), ``(N,)``
            for sequence-level models (compared with the final step).
        """
        self._check_fitted("evaluate()")
        return self.explain(X, lengths, y_true=y_true, states=False).scores

    @renamed_keywords(sequences="X")
    @with_autograd
    def explain(self, X: Any, lengths: Any = None, *, y_true: Any = None,
                states: bool = True) -> MemeTrace:
        """Everything per step of the sequences ``X`` at once, and the extracted model as drawn:
        what :class:`~xaiwidgets.TimelineView` shows, with no estimator needed afterwards.

        One pass of the RNN gives its labels, scores and hidden states; the automaton gives
        the extracted model's concepts, outputs and tree leaves.

        Parameters
        ----------
        X, lengths : as in :meth:`fit`
        y_true : array-like, optional
            True labels, as in :meth:`evaluate` (kept in the trace: its scores then include
            accuracy).
        states : bool, default=True
            Keep the hidden states (False when only the scores are wanted).

        Returns
        -------
        MemeTrace
        """
        self._check_fitted("explain()")
        check_bool(states, "states")
        x, lens, w = self._windows(X, lengths)
        cap, _ = capture_states(self.model, self.layer_, x, lens, task=self.task,
                                readout=self.readout, batch_size=self.batch_size)
        return self._traced(x.detach().cpu().float().numpy(), w, lens, cap, y_true, states)

    def trace(self, X: Any, lengths: Any = None, *, y_true: Any = None,
              states: bool = True) -> MemeTrace:
        """Deprecated name of :meth:`explain` (every estimator explains with ``explain``)."""
        warnings.warn("MEME.trace is deprecated and will be removed in the next release; use "
                      "MEME.explain", FutureWarning, stacklevel=2)
        return self.explain(X, lengths, y_true=y_true, states=states)

    def _traced(self, x: np.ndarray, w: np.ndarray, lens: np.ndarray, cap: Capture,
                y_true: Any, states: bool = True) -> MemeTrace:
        """The trace of captured sequences (also what :meth:`evaluate` and :func:`sweep`
        score): rows padded to the longest sequence."""
        n, steps = len(lens), int(lens.max())
        x, w = x[:, :steps], w[:, :steps]
        first = cap.offsets[:-1]
        start = (self._concept_of(cap.states[first], cap.step_labels[first])
                 if self.start == "rnn" else self.start_tree_.predict(w[:, 0]))
        c, leaves = _run(self.transition_trees_, w, lens, start)
        if self.start == "tree":
            leaves[:, 0] = self.start_tree_.apply(w[:, 0])
        valid = np.arange(steps)[None, :] < lens[:, None]

        def padded(values: np.ndarray, fill: float, dtype: Any) -> np.ndarray:
            out = np.full((n, steps, *values.shape[1:]), fill, dtype=dtype)
            out[valid] = values
            return out

        score = cap.scores[:, 1] if cap.scores.shape[1] == 2 else cap.scores.max(axis=1)
        sources = np.full((n, steps), -1, dtype=np.int64)
        sources[:, 1:] = c[:, :-1]
        sources[~valid] = -1
        concepts = self.concepts_
        purity = np.array([cp.purity for cp in concepts], dtype=np.float32)
        return MemeTrace(
            X=np.where(valid[..., None], x, 0).astype(np.float32), lengths=lens.astype(np.int64),
            concepts=c, outputs=self._outputs(c), leaves=leaves, sources=sources,
            y_pred=padded(cap.step_labels, -1, np.int64),
            y_score=padded(score, 0, np.float32),
            y_pred_final=cap.final.astype(np.int64),
            states=padded(cap.states, 0, np.float32) if states else None,
            state_concepts=padded(self._concept_of(cap.states, cap.step_labels), -1, np.int64),
            y_true=None if y_true is None else self._check_y_true(y_true, lens, valid),
            feature_names=list(self.feature_names_), class_names=list(self.class_names_),
            concept_names=[cp.name for cp in concepts],
            concept_class=np.array([cp.majority for cp in concepts], dtype=np.int64),
            concept_size=np.array([cp.size for cp in concepts], dtype=np.int64),
            concept_share=np.array([cp.share for cp in concepts], dtype=np.float32),
            concept_purity=purity,
            concept_uncertain=np.array([cp.purity < float(self.purity) for cp in concepts]),
            transition_matrix=np.asarray(self.transition_matrix_, dtype=np.float32),
            trees=[drawn_tree(self.transition_nodes(s), s)
                   for s in [*range(self.n_concepts_), -1]],
            unit_order=unit_order(self.kmeans_.cluster_centers_), window=int(self.window),
            per_step=bool(self.per_step_), start=str(self.start), layer=str(self.layer_))

    def _check_y_true(self, y_true: Any, lens: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """True labels as the trace holds them: ``(N, T)`` with -1 on padding (per-step
        models), else ``(N,)``."""
        y = np.asarray(y_true.detach().cpu().numpy() if isinstance(y_true, torch.Tensor)
                       else y_true)
        n = len(lens)
        if self.per_step_:
            if y.shape[:1] != (n,) or y.ndim != 2 or y.shape[1] < int(lens.max()):
                raise ValueError(f"argument 'y_true': expected per-step labels of shape "
                                 f"(N, T) = ({n}, {int(lens.max())}), got shape {y.shape}")
            out = np.full(valid.shape, -1, dtype=np.int64)
            out[valid] = y[:, :valid.shape[1]][valid]
            return out
        if y.shape != (n,):
            raise ValueError(f"argument 'y_true': expected one label per sequence, "
                             f"shape ({n},), got shape {y.shape}")
        return y.astype(np.int64)

    # -- explanation -------------------------------------------------------------------------
    def transition_nodes(self, source: int) -> dict[str, Any]:
        """The transition tree of ``source`` (-1: the start tree) in words: ``yes`` / ``no``
        children, ``test``, ``value`` (destination concept), ``n_train``, ``depth``."""
        self._check_fitted("transition_nodes()")
        check_int(source, "source", low=-1, high=self.n_concepts_ - 1)
        tree = self.start_tree_ if source == -1 else self.transition_trees_[source]
        return tree.nodes(self.window_feature_names_)

    @renamed_keywords(sequences="X")
    @with_autograd
    def explain_sequence(self, X: Any, index: int = 0, *, lengths: Any = None
                         ) -> SequenceExplanation:
        """Per step of sequence ``index``: its concept, the extracted model's and the RNN's
        outputs, and the tree path that chose the concept, in words.

        ``X`` may be one sequence ``(T, F)`` or a batch ``(N, T, F)``.
        """
        self._check_fitted("explain_sequence()")
        if hasattr(X, "ndim") and X.ndim == 2:
            X = X[None]
            lengths = None if lengths is None else np.atleast_1d(np.asarray(lengths))
        x, lens, _ = self._windows(X, lengths)
        check_int(index, "index", low=0, high=len(x) - 1)
        return self.explain(x[index:index + 1, :int(lens[index])], states=False).explain(0)

    # -- concepts ----------------------------------------------------------------------------
    def rename_concepts(self, names: Sequence[str] | Mapping[Any, str]) -> MEME:
        """Rename concepts: a list of ``n_concepts_`` names, or ``{id or old name: new}``."""
        self._check_fitted("rename_concepts()")
        current = [cp.name for cp in self.concepts_]
        if isinstance(names, Mapping):
            new = list(current)
            for key, value in names.items():
                if isinstance(key, str) and key in current:
                    new[current.index(key)] = str(value)
                elif isinstance(key, (int, np.integer)) and not isinstance(key, bool) and (
                        0 <= int(key) < len(current)):
                    new[int(key)] = str(value)
                else:
                    raise ValueError(f"argument 'names': expected concept ids in [0, "
                                     f"{len(current) - 1}] or names among {current}, got "
                                     f"{describe(key)}")
        else:
            new = check_names(names, len(current), "names", "concept")
        if len(set(new)) != len(new):
            raise ValueError(f"argument 'names': expected distinct concept names, got {new}")
        for cp, name in zip(self.concepts_, new, strict=True):
            cp.name = name
        return self

    def concept_table(self) -> Any:
        """The concepts as a pandas DataFrame (name, size, share, class, purity, class mix)."""
        self._check_fitted("concept_table()")
        import pandas as pd

        rows = []
        for cp in self.concepts_:
            row: dict[str, Any] = {"name": cp.name, "size": cp.size, "share": cp.share,
                                   "class": self.class_names_[cp.majority],
                                   "purity": cp.purity}
            for c, name in enumerate(self.class_names_):
                row[f"share {name}"] = float(cp.class_mix[c])
            rows.append(row)
        return pd.DataFrame(rows, index=pd.Index(range(len(rows)), name="concept"))

    def export_text(self, sources: Sequence[Any] | None = None, *,
                    max_depth: int | None = None) -> str:
        """Transition trees as indented rules: the start tree and every concept's, or only
        those of ``sources`` (concept ids or names; -1 or "start" for the start tree).
        ``max_depth`` stops at that many tests (deeper branches show their majority)."""
        self._check_fitted("export_text()")
        if max_depth is not None:
            check_int(max_depth, "max_depth", low=0)
        names = [cp.name for cp in self.concepts_]
        wanted = [-1, *range(self.n_concepts_)]
        if sources is not None:
            known = {"start": -1, **{n: j for j, n in enumerate(names)}}
            wanted = []
            for src in sources:
                if isinstance(src, str) and src in known:
                    wanted.append(known[src])
                elif isinstance(src, (int, np.integer)) and not isinstance(src, bool) and (
                        -1 <= int(src) < self.n_concepts_):
                    wanted.append(int(src))
                else:
                    raise ValueError(f"argument 'sources': expected concept ids, names among "
                                     f"{names} or 'start', got {describe(src)}")
        lines: list[str] = []
        for s in wanted:
            lines.append("start:" if s == -1 else f"from {names[s]}:")
            tree_lines(self.transition_nodes(s), names, 0, "  ", lines,
                        -1 if max_depth is None else int(max_depth))
        return "\n".join(lines)



def _run(trees: Sequence[TransitionTree], w: np.ndarray, lengths: np.ndarray,
         start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Run the automaton: ``(concepts, leaves)`` of shape (N, T), -1 on padding.

    Every tree scores every step's window once (vectorised); the recursion then advances all
    sequences together with one indexing per step.
    """
    n, t = w.shape[:2]
    flat = w.reshape(n * t, -1)
    nxt = np.stack([tr.predict(flat).reshape(n, t) for tr in trees])   # (K, N, T)
    leaf = np.stack([tr.apply(flat).reshape(n, t) for tr in trees])
    c = np.empty((n, t), dtype=np.int64)
    leaves = np.zeros((n, t), dtype=np.int64)
    c[:, 0] = start
    rows = np.arange(n)
    for step in range(1, t):
        prev = c[:, step - 1]
        c[:, step] = nxt[prev, rows, step]
        leaves[:, step] = leaf[prev, rows, step]
    valid = np.arange(t)[None, :] < lengths[:, None]
    c[~valid] = -1
    leaves[~valid] = -1
    return c, leaves

