"""Concepts: clusters of hidden states, named after the class the RNN predicts for them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

__all__ = ["Concept", "cluster_states", "name_concepts", "silhouette"]

UNCERTAIN = "uncertain"


@dataclass
class Concept:
    """One concept (a cluster of hidden states).

    Attributes
    ----------
    id : int
    name : str
        The majority class's name when its share is at least ``purity``, else "uncertain"
        (numbered when several concepts would share a name); renamable.
    size : int
        Training states in the concept.
    share : float
        Fraction of all training states.
    majority : int
        The class the RNN predicts for most of its states (what the concept outputs).
    purity : float
        That class's share of the concept's states.
    class_mix : ndarray of shape (C,)
        Fraction of the concept's states per class.
    """

    id: int
    name: str
    size: int
    share: float
    majority: int
    purity: float
    class_mix: np.ndarray


def cluster_states(states: np.ndarray, k: int, seed: int, max_states: int | None
                   ) -> KMeans:
    """Seeded KMeans on (a seeded sample of at most ``max_states``) hidden states."""
    rng = np.random.default_rng(seed)
    fit_on = states
    if max_states is not None and len(states) > max_states:
        fit_on = states[np.sort(rng.choice(len(states), max_states, replace=False))]
    return KMeans(n_clusters=k, random_state=seed, n_init=4).fit(fit_on)


def silhouette(states: np.ndarray, labels: np.ndarray, seed: int, sample: int = 1500) -> float:
    """Silhouette of a clustering on a seeded sample (it is quadratic in the sample)."""
    if len(np.unique(labels)) < 2:
        return float("nan")
    return float(silhouette_score(states, labels, sample_size=min(sample, len(states)),
                                  random_state=seed))


def name_concepts(concept_of: np.ndarray, step_labels: np.ndarray, k: int,
                  class_names: Sequence[str], purity: float) -> list[Concept]:
    """Majority vote of the RNN's labels per concept; names after classes when pure enough."""
    c = len(class_names)
    counts = np.zeros((k, c), dtype=np.int64)
    np.add.at(counts, (concept_of, step_labels), 1)
    total = counts.sum()
    out: list[Concept] = []
    for j in range(k):
        size = int(counts[j].sum())
        mix = counts[j] / max(size, 1)
        major = int(mix.argmax())
        pure = float(mix[major])
        name = str(class_names[major]) if size and pure >= purity else UNCERTAIN
        out.append(Concept(id=j, name=name, size=size, share=size / max(total, 1),
                           majority=major, purity=pure, class_mix=mix))
    return unique_names(out)


def unique_names(concepts: list[Concept]) -> list[Concept]:
    """Concepts that share a name get " 2", " 3", ... after the first (largest first)."""
    by_name: dict[str, list[Concept]] = {}
    for cpt in concepts:
        by_name.setdefault(cpt.name, []).append(cpt)
    for group in by_name.values():
        if len(group) > 1:
            for rank, cpt in enumerate(sorted(group, key=lambda x: -x.size)):
                if rank:
                    cpt.name = f"{cpt.name} {rank + 1}"
    return concepts
