"""Redescriptions of neurons: rules over labels, input attributes, other layers and other models.

Mihelčić, Grubišić, Keber, "Explaining neural networks with redescriptions" (ExItNeRdoM,
arXiv 2501.01209). A redescription pairs a rule about a neuron (``net.n3 > 0.41``) with a rule
over another view of the same samples (``worst radius > 16.8 AND predicted = malignant``) that
holds on nearly the same samples (Jaccard index) more often than chance (binomial p-value). The
method in the project's words: ``docs/methods/redescriptions.md``.
"""

from .miner import RedescriptionMiner
from .result import RedescriptionResult, RuleSet, ShuffledBaseline
from .stats import bin_thresholds, correct_pvalues, jaccard, pvalue
from .views import AttributeTable, activation_table, as_table, prediction_table

__all__ = [
    "AttributeTable",
    "RedescriptionMiner",
    "RedescriptionResult",
    "RuleSet",
    "ShuffledBaseline",
    "activation_table",
    "as_table",
    "bin_thresholds",
    "correct_pvalues",
    "jaccard",
    "prediction_table",
    "pvalue",
]
