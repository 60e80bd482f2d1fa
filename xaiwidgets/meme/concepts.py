"""Concepts: clusters of hidden states, named after the class the RNN predicts for them and the
input feature that sets each apart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

__all__ = ["ClassKMeans", "Concept", "allocate_concepts", "cluster_states",
           "distinguishing_features", "name_concepts",
           "silhouette", "unit_order"]

UNCERTAIN = "uncertain"


@dataclass
class Concept:
    """One concept (a cluster of hidden states).

    Attributes
    ----------
    id : int
    name : str
        The majority class's name when its share is at least ``purity``, else "uncertain",
        then the input feature that sets the concept apart and its direction ("empty · CO2
        low"): apart from the concepts of the same class when there are several, else from
        all other steps; renamable.
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


def allocate_concepts(k: int, counts: np.ndarray) -> np.ndarray:
    """Concepts per class: ``k`` split in proportion to the classes' state counts (largest
    remainder), at least one per class that has states, at most its number of states."""
    counts = np.asarray(counts, dtype=np.int64)
    present = counts > 0
    share = k * counts / max(int(counts.sum()), 1)
    out = np.floor(share).astype(np.int64)
    for j in np.argsort(-(share - out), kind="stable")[: k - int(out.sum())]:
        out[j] += 1
    while np.any(present & (out == 0)):  # every predicted class gets a concept
        out[np.flatnonzero(present & (out == 0))[0]] += 1
        out[int(np.argmax(out))] -= 1
    return np.minimum(out, counts)


class ClassKMeans:
    """KMeans within the states of each class the RNN predicts (``clustering="per_class"``).

    A state's concept is found from its own class (the RNN's label of that step) and the
    nearest centre among that class's concepts, so every concept is pure. ``cluster_centers_``
    lists all centres, class after class, like ``KMeans``'s.
    """

    def __init__(self, k: int, seed: int, max_states: int | None) -> None:
        self.k, self.seed, self.max_states = int(k), int(seed), max_states

    def fit(self, states: np.ndarray, labels: np.ndarray, n_classes: int) -> ClassKMeans:
        counts = np.bincount(labels, minlength=n_classes)
        self.per_class_ = allocate_concepts(self.k, counts)
        self.first_ = np.concatenate([[0], np.cumsum(self.per_class_)[:-1]])
        self.models_: list[KMeans | None] = []
        centres = []
        for cls, kk in enumerate(self.per_class_):
            own = states[labels == cls]
            if kk == 0:
                self.models_.append(None)
                continue
            km = cluster_states(own, int(kk), self.seed, self.max_states)
            self.models_.append(km)
            centres.append(km.cluster_centers_)
        self.cluster_centers_ = np.concatenate(centres).astype(states.dtype)
        return self

    def predict(self, states: np.ndarray, labels: np.ndarray) -> np.ndarray:
        out = np.empty(len(states), dtype=np.int64)
        for cls, km in enumerate(self.models_):
            rows = np.flatnonzero(labels == cls)
            if not len(rows):
                continue
            if km is None:  # a class the RNN never predicted in fit: the nearest centre
                d = ((states[rows, None, :] - self.cluster_centers_[None]) ** 2).sum(-1)
                out[rows] = d.argmin(axis=1)
            else:
                out[rows] = self.first_[cls] + km.predict(states[rows])
        return out


def silhouette(states: np.ndarray, labels: np.ndarray, seed: int, sample: int = 1500) -> float:
    """Silhouette of a clustering on a seeded sample (it is quadratic in the sample)."""
    if len(np.unique(labels)) < 2:
        return float("nan")
    return float(silhouette_score(states, labels, sample_size=min(sample, len(states)),
                                  random_state=seed))


def name_concepts(concept_of: np.ndarray, step_labels: np.ndarray, k: int,
                  class_names: Sequence[str], purity: float,
                  inputs: np.ndarray | None = None,
                  feature_names: Sequence[str] | None = None) -> list[Concept]:
    """Majority vote of the RNN's labels per concept; names after classes when pure enough,
    each followed by its most distinguishing input feature when ``inputs`` (S, F), the input
    at every state's step, are given (:func:`distinguishing_features`)."""
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
    if inputs is not None and len(inputs) == len(concept_of) and np.ndim(inputs) == 2 and (
            np.shape(inputs)[1] > 0):
        names = [str(n) for n in feature_names] if feature_names is not None else []
        names += [f"x{i}" for i in range(len(names), np.shape(inputs)[1])]
        qualify(out, concept_of, np.asarray(inputs, dtype=np.float64), names)
    return unique_names(out)


def distinguishing_features(inputs: np.ndarray, inside: np.ndarray, outside: np.ndarray
                            ) -> tuple[np.ndarray, np.ndarray]:
    """Features ranked by how far their mean over the ``inside`` rows is from their mean over
    the ``outside`` rows, in units of the features' standard deviation over both (largest
    first, ties by feature order), and the signed distances in that order."""
    a, b = inputs[inside], inputs[outside]
    if not len(a) or not len(b):
        return np.arange(inputs.shape[1]), np.zeros(inputs.shape[1])
    both = np.concatenate([a, b])
    sd = both.std(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(sd > 0, (np.nanmean(a, axis=0) - np.nanmean(b, axis=0)) / sd, 0.0)
    d = np.nan_to_num(d)
    order = np.lexsort((np.arange(len(d)), -np.round(np.abs(d), 9)))
    return order, d[order]


def qualify(concepts: list[Concept], concept_of: np.ndarray, inputs: np.ndarray,
            feature_names: Sequence[str]) -> None:
    """Appends "· <feature> high|low" to each concept's name: the input feature whose mean over
    the concept's steps is furthest from that over its siblings' (the concepts with the same
    class name) or, for a concept alone with its name, over all other steps. Concepts that
    would still share a name take their next feature (largest concept first), so names are
    distinct, short and deterministic."""
    by_name: dict[str, list[Concept]] = {}
    for cpt in concepts:
        by_name.setdefault(cpt.name, []).append(cpt)
    taken: set[str] = set()
    for group in by_name.values():
        ids = np.array([cp.id for cp in group])
        for cpt in sorted(group, key=lambda x: (-x.size, x.id)):
            inside = concept_of == cpt.id
            outside = (np.isin(concept_of, ids) & ~inside) if len(group) > 1 else ~inside
            order, dist = distinguishing_features(inputs, inside, outside)
            base = cpt.name
            for f, v in zip(order, dist, strict=True):
                name = f"{base} · {feature_names[int(f)]} {'high' if v >= 0 else 'low'}"
                if name not in taken:
                    cpt.name = name
                    break
            else:  # every feature is taken: unique_names numbers it
                f, v = order[0], dist[0]
                cpt.name = f"{base} · {feature_names[int(f)]} {'high' if v >= 0 else 'low'}"
            taken.add(cpt.name)


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


def unit_order(centres: np.ndarray) -> np.ndarray:
    """Hidden units grouped by the concept whose centroid ``centres`` (K, H) they are highest
    in (concept order), strongest first within a group: a units x steps heatmap in this order
    shows each concept as a block."""
    centres = np.asarray(centres)
    top = centres.argmax(axis=0)
    strength = centres.max(axis=0)
    return np.lexsort((-strength, top)).astype(np.int64)
