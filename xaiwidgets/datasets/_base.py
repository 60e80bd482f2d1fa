"""The one dataset base, the image container, and the one way to find a data file inside an
installed package."""

from __future__ import annotations

import dataclasses
import importlib.util
import numbers
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np

__all__ = ["Dataset", "ImageDataset", "package_file"]

_D = TypeVar("_D", bound="Dataset")

#: The label ``ds[i]`` gives for a container without labels (``y_true is None``): a number, so
#: that torch's ``DataLoader`` can collate it; -1 is also the project's "no label" for padding.
NO_LABEL = -1


class Dataset:
    """The base of every bundled dataset container: one vocabulary, read like a torch Dataset.

    Each container keeps its own field names (``images``, ``data``, ``sequences``, ``texts``,
    ``smiles``, ``target``, ``target_names`` ...); the base adds the same names to all of them.

    Attributes
    ----------
    X : array or list
        The samples as a model takes them: images ``(N, C, H, W)``, tabular rows ``(N, F)``,
        padded sequences ``(N, T, F)``; for texts and molecules the padded token ids ``(N, T)``
        once the container has them (:meth:`TextDataset.encode`), else the strings.
    y_true : ndarray or None
        The true labels (class indices, per-step labels or regression targets), None when the
        container has none (``ds[i]`` then gives the label ``-1``).
    class_names : list of str or None
        Name of each class, indexed by the label (None for regression or without labels).
    description : str
        Where the data comes from.

    Notes
    -----
    Map-style, like a torch ``Dataset``: ``len(ds)``; ``ds[i]`` with an int is the pair
    ``(x, y)``; a slice, an index array or a boolean mask gives a container of the same kind
    holding those rows (:meth:`take`). ``torch.utils.data.DataLoader(ds, batch_size=...)``
    iterates it as ``(x, y)`` batches.
    """

    #: Fields with one entry per sample (first axis): :meth:`take` indexes them and keeps every
    #: other field. Of ``extra``, the entries with one row per sample are taken, the others
    #: (e.g. a whole recording the samples were cut from) kept as they are.
    _rows: ClassVar[tuple[str, ...]] = ()
    #: Names of the fields read by ``X``, ``y_true`` and ``class_names``.
    _samples: ClassVar[str] = ""
    _labels: ClassVar[str] = "target"
    _names: ClassVar[str | None] = "target_names"

    description: str
    __dataclass_fields__: ClassVar[dict[str, Any]]  # every container is a dataclass

    @property
    def X(self) -> Any:
        """The samples as a model takes them (see the class docstring)."""
        return getattr(self, self._samples)

    @property
    def y_true(self) -> np.ndarray | None:
        """The true labels, or None."""
        return getattr(self, self._labels)

    @property
    def class_names(self) -> list[str] | None:
        """Name of each class, indexed by the label, or None."""
        names = getattr(self, self._names) if self._names else None
        return None if names is None else [str(n) for n in names]

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, index: Any) -> Any:
        """``(x, y)`` for an int; a container of the same kind for a slice, an index array
        or a boolean mask."""
        if isinstance(index, numbers.Integral) and not isinstance(index, (bool, np.bool_)):
            n, i = len(self), int(index)
            if not -n <= i < n:
                raise IndexError(f"sample index {i} is out of range for a dataset of {n} "
                                 "samples")
            i %= n
            y = self.y_true
            return self.X[i], (np.int64(NO_LABEL) if y is None else y[i])
        if isinstance(index, slice):
            return self.take(np.arange(len(self))[index])
        if isinstance(index, (str, bytes, tuple, dict)) or not hasattr(index, "__len__"):
            raise TypeError(f"dataset index: expected an int, a slice, an index array or a "
                            f"boolean mask, got {type(index).__name__}")
        return self.take(index)

    def take(self: _D, indices: Any) -> _D:
        """A container of the same kind holding the rows ``indices``, in their order.

        Parameters
        ----------
        indices : array_like of int, or boolean mask of length ``len(self)``
            Row indices (negative ones count from the end; repeats allowed).

        Returns
        -------
        Dataset
            Same class and metadata; per-sample fields indexed (numpy arrays are copies).
        """
        n = len(self)
        idx = _row_indices(indices, n)
        changes: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in self._rows:
                changes[f.name] = _take(value, idx)
            elif f.name == "extra" and isinstance(value, dict):
                changes[f.name] = {k: _take(v, idx) if _n_rows(v) == n else v
                                   for k, v in value.items()}
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        x = self.X
        shape = tuple(x.shape) if hasattr(x, "shape") else f"{len(x)} strings"
        names = self.class_names
        classes = f", {len(names)} classes" if names else ""
        return f"{type(self).__name__}(n={len(self)}, X={shape}{classes})"


def _row_indices(indices: Any, n: int) -> np.ndarray:
    """Validated int64 row indices (a boolean mask of length n becomes its true positions)."""
    arr = np.asarray(indices)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise IndexError(f"argument 'indices': a boolean mask must have shape ({n},), got "
                             f"{arr.shape}")
        return np.flatnonzero(arr)
    if arr.ndim != 1 or not (np.issubdtype(arr.dtype, np.integer) or arr.size == 0):
        raise TypeError(f"argument 'indices': expected a 1-D array of ints or a boolean mask, "
                        f"got an array of dtype {arr.dtype} and shape {arr.shape}")
    arr = arr.astype(np.int64, copy=False)
    bad = np.flatnonzero((arr < -n) | (arr >= n))
    if bad.size:
        raise IndexError(f"argument 'indices': index {int(arr[bad[0]])} is out of range for a "
                         f"dataset of {n} samples")
    return np.where(arr < 0, arr + n, arr)


def _n_rows(value: Any) -> int | None:
    if isinstance(value, np.ndarray):
        return len(value) if value.ndim else None
    if isinstance(value, (list, tuple)):
        return len(value)
    return None


def _take(value: Any, idx: np.ndarray) -> Any:
    """``value``'s rows ``idx``: arrays indexed, lists by position, dicts entry by entry."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: _take(v, idx) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value[idx]
    if isinstance(value, (list, tuple)):
        return type(value)(value[int(i)] for i in idx)
    raise TypeError(f"cannot take rows of a {type(value).__name__}")


@dataclass(repr=False)
class ImageDataset(Dataset):
    """Images and their labels.

    Attributes
    ----------
    images : ndarray of shape (N, C, H, W), float32 in [0, 1]
        Also ``X``.
    target : ndarray of shape (N,), int64
        Also ``y_true``.
    target_names : list of str
        Also ``class_names``.
    description : str
    extra : dict
        Loader-specific arrays (per-sample ones follow :meth:`take`).
    """

    images: np.ndarray
    target: np.ndarray
    target_names: list[str]
    description: str = ""
    extra: dict = field(default_factory=dict)

    _rows: ClassVar[tuple[str, ...]] = ("images", "target")
    _samples: ClassVar[str] = "images"


def package_file(package: str, *parts: str, extra: str = "data") -> Path:
    """Path of a data file inside an installed package, without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"the data package {package!r} is not installed; install it with "
            f"`pip install 'xaiwidgets[{extra}]'`"
        )
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)
    if not path.is_file():
        raise FileNotFoundError(f"{package} is installed but has no {'/'.join(parts)}; "
                                f"install the pinned version from `xaiwidgets[{extra}]`")
    return path
