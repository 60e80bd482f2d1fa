"""Concept-based model extraction (CME): concepts from hidden layers, and a tree on them.

Kazhdan, Dimanov, Jamnik, Liò, Weller, "Now You See Me (CME): Concept-based Model Extraction",
CIKM 2020 AIMLAI workshop (arXiv 2010.13233). Departures from the reference code are noted
where they are made.
"""

from ._extract import ConceptExtractor, default_layers, pool_activation
from ._labels import check_concepts
from ._metrics import concept_accuracy, mispredicted_concepts, mpo_curve
from ._tree import ConceptTree, ConceptTreeReport

__all__ = [
    "ConceptExtractor",
    "ConceptTree",
    "ConceptTreeReport",
    "check_concepts",
    "concept_accuracy",
    "default_layers",
    "mispredicted_concepts",
    "mpo_curve",
    "pool_activation",
]
