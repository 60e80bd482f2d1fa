"""SENN: self-explaining neural networks (Alvarez-Melis & Jaakkola, NeurIPS 2018).

A model the user trains, unlike the other methods, which explain a model the user already has:
``SENN.tabular(...)`` / ``SENN.images(...)`` build it (an ``nn.Module`` returning logits),
``fit_senn`` trains it with the robustness loss, and ``senn.explain(x)`` /
``senn.attribute(x, target=...)`` read its explanations. The method in the project's own
words: ``docs/methods/senn.md``.
"""

from .explain import (
    Prototypes,
    SENNExplanation,
    StabilityResult,
    attribute,
    concept_faithfulness,
    explain,
    prototypes,
    relevances,
    stability,
)
from .losses import PENALTIES, reference_penalty_loop, robustness_penalty, senn_loss
from .modules import (
    SENN,
    ConvConceptizer,
    IdentityConceptizer,
    LeNetParametrizer,
    MLPConceptizer,
    MLPParametrizer,
    UntrainedSENNWarning,
)
from .training import SENNHistory, fit_senn, fit_unconstrained, unconstrained_like

__all__ = [
    "PENALTIES",
    "SENN",
    "ConvConceptizer",
    "IdentityConceptizer",
    "LeNetParametrizer",
    "MLPConceptizer",
    "MLPParametrizer",
    "Prototypes",
    "SENNExplanation",
    "SENNHistory",
    "StabilityResult",
    "UntrainedSENNWarning",
    "attribute",
    "concept_faithfulness",
    "explain",
    "fit_senn",
    "fit_unconstrained",
    "prototypes",
    "reference_penalty_loop",
    "relevances",
    "robustness_penalty",
    "senn_loss",
    "stability",
    "unconstrained_like",
]
