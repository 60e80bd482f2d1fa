"""What MEME reports: scores of an extracted model, and one sequence explained step by step."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = ["MemeScores", "MemeTrace", "SequenceExplanation", "Step"]


@dataclass
class MemeScores:
    """Scores of an extracted model on a set of sequences.

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

    ``source`` is the concept at t - 1 whose tree chose ``concept`` (-1 at t = 0), ``leaf`` the
    leaf of that tree, ``conditions`` the tests on its path in words, and ``rule`` the whole
    path ``"CO2@t > 812 and Temperature@t-1 <= 21.3 -> occupied"``.
    """

    t: int
    concept: int
    name: str
    output: int
    rnn_output: int
    source: int
    leaf: int
    conditions: list[str]
    rule: str


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
            rnn = self.class_names[s.rnn_output]
            flag = "" if out == rnn else f"  (RNN: {rnn})"
            lines.append(f"t={s.t:>4}  {s.name:<12} {out}{flag}   {s.rule}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


@dataclass
class MemeTrace:
    """:meth:`MEME.trace`: every step of a set of sequences (padding: -1 / 0).

    Attributes
    ----------
    concepts, outputs, leaves, sources : ndarray of shape (N, T), int64
        The extracted model's concept and class, the node of ``sources``' tree that chose the
        concept (the start tree's at t = 0 with ``start="tree"``), and the concept at t - 1.
    rnn : ndarray of shape (N, T), int64
        The RNN's label per step (see :class:`MemeScores`).
    rnn_score : ndarray of shape (N, T), float32
        The RNN's probability of class 1 (binary) or of its predicted class.
    states : ndarray of shape (S, H), float32
        Hidden states of the valid steps; ``offsets[i]:offsets[i + 1]`` are sequence i's.
    state_concepts : ndarray of shape (S,)
        The concept (cluster) of each state itself.
    lengths, offsets, final : ndarray
    """

    concepts: np.ndarray
    outputs: np.ndarray
    leaves: np.ndarray
    sources: np.ndarray
    rnn: np.ndarray
    rnn_score: np.ndarray
    states: np.ndarray
    offsets: np.ndarray
    lengths: np.ndarray
    final: np.ndarray
    state_concepts: np.ndarray

    def __len__(self) -> int:
        return len(self.lengths)
