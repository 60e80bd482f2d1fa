"""MEME: RNN explanations via model extraction (Kazhdan, Dimanov, Jamnik, Liò; NeurIPS 2020
HAMLETS workshop, arXiv 2012.06954).

An RNN's hidden states are clustered into named concepts; per concept a small decision tree on
the input window predicts the next concept. The method in the project's words, with its
departures from the reference code: ``docs/methods/meme.md``.
"""

from .concepts import Concept
from .extractor import MEME
from .report import MemeScores, MemeTrace, SequenceExplanation, Step
from .search import similar_ranges
from .states import BidirectionalWarning
from .sweep import MemeSweep, sweep
from .transitions import TransitionTree

__all__ = [
    "MEME",
    "BidirectionalWarning",
    "Concept",
    "MemeScores",
    "MemeSweep",
    "MemeTrace",
    "SequenceExplanation",
    "Step",
    "TransitionTree",
    "similar_ranges",
    "sweep",
]
