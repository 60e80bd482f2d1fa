"""Fidelity of an extracted model to the model it explains, and concept-prediction quality
(concept accuracy, mis-prediction overlap) for concept-based extractions such as CME."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._core.labels import check_concepts
from .._core.validation import check_class_labels, match_labels

__all__ = ["concept_accuracy", "fidelity", "mispredicted_concepts", "mpo_curve"]


def fidelity(pred: Any, reference: Any) -> float:
    """Fraction of samples where an extracted model's predictions ``pred`` agree with the
    explained model's own predictions ``reference``."""
    ref = np.asarray(reference) if not hasattr(reference, "detach") else (
        reference.detach().cpu().numpy())
    ref = check_class_labels(ref, len(ref), "reference")
    if len(ref) == 0:
        raise ValueError("argument 'reference': expected at least one sample, got 0")
    p = match_labels(pred, np.unique(ref), len(ref), "pred")
    return float(np.mean(p == ref))


def _pair(true: Mapping[str, Any], pred: Mapping[str, Any]) -> tuple[dict, dict]:
    true = check_concepts(true, name="true")
    pred = check_concepts(pred, len(next(iter(true.values()))), name="pred", n_from="true")
    missing = [k for k in true if k not in pred]
    if missing:
        raise ValueError(f"argument 'pred': missing concepts {missing}; expected the concepts "
                         f"of 'true': {list(true)}")
    for k, v in true.items():  # names vs numbers never match: refuse, not "accuracy 0"
        if (v.dtype.kind in "US") != (pred[k].dtype.kind in "US"):
            raise ValueError(f"argument 'pred': concept {k!r} holds {_kind(pred[k])} but 'true' "
                             f"holds {_kind(v)} (e.g. {v[0].item()!r}); give both the same kind "
                             "of labels")
    return true, pred


def _kind(arr: np.ndarray) -> str:
    return "names (strings)" if arr.dtype.kind in "US" else "numbers"


def concept_accuracy(
    true: Mapping[str, Any], pred: Mapping[str, Any], *, balanced: bool = False
) -> dict[str, float]:
    """Per-concept accuracy (or balanced accuracy) of predicted concept labels.

    Parameters
    ----------
    true, pred : dict of str to array-like of shape (N,)
        Ground-truth and predicted labels; ``pred`` must have every concept of ``true``.
    balanced : bool, default=False
        Mean per-value recall instead of accuracy: fairer for concepts with rare values.
    """
    # here: a dataset job's workers import this module (through the metric registry), not sklearn
    from sklearn.metrics import accuracy_score, balanced_accuracy_score

    true, pred = _pair(true, pred)
    out = {}
    for k, v in true.items():
        # Codes, not values: sklearn refuses float labels such as scale = 0.7 ("continuous").
        _, codes = np.unique(np.concatenate([v, pred[k]]), return_inverse=True)
        t, p = codes[:len(v)], codes[len(v):]
        out[k] = float(balanced_accuracy_score(t, p) if balanced else accuracy_score(t, p))
    return out


def mispredicted_concepts(true: Mapping[str, Any], pred: Mapping[str, Any]) -> np.ndarray:
    """Number of wrongly predicted concepts of each sample, shape (N,)."""
    true, pred = _pair(true, pred)
    return np.sum([np.asarray(v) != np.asarray(pred[k]) for k, v in true.items()], axis=0)


def mpo_curve(true: Mapping[str, Any], pred: Mapping[str, Any],
              concepts: Sequence[str] | None = None) -> np.ndarray:
    """Mis-prediction overlap: ``MPO[m]`` = fraction of samples with at least m wrong concepts.

    ``MPO[0] = 1`` always; perfect concept predictions give ``[1, 0, 0, ...]``. Returns K + 1
    values for m = 0..K (K concepts).
    """
    true, pred = _pair(true, pred)
    if concepts is not None:
        true = {k: true[k] for k in concepts}
    wrong = mispredicted_concepts(true, pred)
    return np.array([np.mean(wrong >= m) for m in range(len(true) + 1)])
