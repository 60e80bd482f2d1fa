"""Named label tables (concepts, attributes): validation and encoding.

A table is a mapping ``{name: (N,) array}`` (or a DataFrame). Values may be numbers (ordinal: a
tree splits them with thresholds, ``scale <= 0.7``) or strings (categorical: one-hot,
``shape = heart``). Missing labels (NaN, None) are refused with the samples that hold them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .validation import check_column, missing_labels

__all__ = ["check_concepts", "encode_concept"]


def _describe(x: Any) -> str:
    if isinstance(x, np.ndarray) or hasattr(x, "shape"):
        return f"{type(x).__name__} of shape {tuple(x.shape)}"
    return type(x).__name__


def check_concepts(
    concepts: Any, n: int | None = None, *, name: str = "concepts", n_from: str = "inputs"
) -> dict[str, np.ndarray]:
    """Validate ``{name: (N,) labels}`` and return it with numpy 1-D arrays.

    Parameters
    ----------
    concepts : mapping of str to array-like
        One label per sample for every concept.
    n : int, optional
        Expected number of samples (e.g. the length of the inputs).
    name, n_from : str
        Argument names used in error messages.
    """
    if hasattr(concepts, "columns") and hasattr(concepts, "to_numpy"):  # a DataFrame
        concepts = {str(c): concepts[c].to_numpy() for c in concepts.columns}
    if not isinstance(concepts, Mapping):
        raise TypeError(f"argument '{name}': expected a dict mapping concept names to arrays of "
                        f"one label per sample, got {_describe(concepts)}")
    if not concepts:
        raise ValueError(f"argument '{name}': expected at least one concept, got an empty dict")
    out: dict[str, np.ndarray] = {}
    for key, values in concepts.items():
        if not isinstance(key, str):
            raise TypeError(f"argument '{name}': concept names must be str, got {key!r}")
        arr = check_column(values, name, f"concept {key!r}", unit="label")
        if arr.dtype.kind not in "biufUSO":
            raise TypeError(f"argument '{name}': concept {key!r} must hold numbers or strings, got "
                            f"dtype {arr.dtype}")
        missing = missing_labels(arr)
        if missing.any():
            raise ValueError(f"argument '{name}': concept {key!r} has missing labels (NaN / None) "
                             f"at samples {np.flatnonzero(missing)[:10].tolist()}; drop those "
                             "samples or give them a value")
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            raise ValueError(f"argument '{name}': concept {key!r} contains Inf labels")
        if arr.dtype.kind == "O":
            kinds = {type(v) for v in arr}
            numeric = all(issubclass(k, (int, float, np.number)) and not issubclass(k, bool)
                          for k in kinds)
            arr = arr.astype(np.float64) if numeric else arr.astype(str)
        out[key] = arr
    lengths = {k: len(v) for k, v in out.items()}
    expected = n if n is not None else next(iter(lengths.values()))
    bad = {k: m for k, m in lengths.items() if m != expected}
    if bad:
        what = f"{n_from} has {n} samples" if n is not None else (
            f"concept {next(iter(lengths))!r} has {expected} labels")
        raise ValueError(f"argument '{name}': expected one label per sample, but {what} while "
                         + ", ".join(f"concept {k!r} has {m}" for k, m in bad.items()))
    if expected == 0:
        raise ValueError(f"argument '{name}': expected at least one sample, got 0 labels")
    return out


def encode_concept(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(sorted unique values, integer codes)`` of one concept's labels."""
    uniques, codes = np.unique(values, return_inverse=True)
    return uniques, codes.astype(np.int64).reshape(-1)
