"""Concept-based model extraction (CME): concepts from hidden layers, and a tree on them.

Kazhdan, Dimanov, Jamnik, Liò, Weller, "Now You See Me (CME): Concept-based Model Extraction",
CIKM 2020 AIMLAI workshop (arXiv 2010.13233). The method in the project's words, with its
departures from the reference code: ``docs/methods/cme.md``.
"""

from .._core.labels import check_concepts
from ..metrics.fidelity import concept_accuracy, mispredicted_concepts, mpo_curve
from .extract import ConceptExtractor, default_layers, pool_activation
from .result import ConceptPredictions, ConceptTreeResult
from .tree import ConceptTree, ConceptTreeReport, NodeStatistics

__all__ = [
    "ConceptExtractor",
    "ConceptPredictions",
    "ConceptTree",
    "ConceptTreeReport",
    "ConceptTreeResult",
    "NodeStatistics",
    "check_concepts",
    "concept_accuracy",
    "default_layers",
    "mispredicted_concepts",
    "mpo_curve",
    "pool_activation",
]
