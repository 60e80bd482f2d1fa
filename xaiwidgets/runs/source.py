"""What a dataset job reads: any map-style source of samples, as stacked rows.

A source is anything with ``len`` and indexing: numpy, torch, Zarr or Dask arrays (indexed by
slices, so a Zarr or Dask array is read one shard at a time), or a map-style dataset whose items
are ``x`` or ``(x, y)`` (a torch ``Dataset``, the bundled xaiwidgets datasets), read item by
item. :func:`as_source` wraps it once in the driver; the :class:`Source` is pickled to the
workers, which read only their own rows.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from .._core.validation import describe

__all__ = ["Source", "as_source"]

#: Samples hashed by :meth:`Source.fingerprint`, spread evenly over the dataset.
FINGERPRINT_SAMPLES = 8


def _to_numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):  # torch
        return value.detach().cpu().numpy()
    if hasattr(value, "compute") and hasattr(value, "dask"):  # dask array
        return np.asarray(value.compute())
    if hasattr(value, "to_numpy"):  # pandas
        return np.asarray(value.to_numpy())
    return np.asarray(value)


def _is_array(data: Any) -> bool:
    return (hasattr(data, "shape") and hasattr(data, "dtype") and hasattr(data, "__getitem__")
            and len(getattr(data, "shape", ())) >= 1)


class Source:
    """Rows of a map-style dataset (see the module docstring); build it with :func:`as_source`.

    Attributes
    ----------
    data : array-like or map-style dataset
    y : ndarray or None
        True labels given apart from the data (``y=``), one per sample.
    """

    def __init__(self, data: Any, y: np.ndarray | None = None) -> None:
        self.data = data
        self.y = y
        self.arraylike = _is_array(data)

    def __len__(self) -> int:
        return int(self.data.shape[0]) if self.arraylike else len(self.data)

    def rows(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Samples ``start`` to ``stop`` stacked: ``(X, y_true)`` (``y_true`` None when the
        source has no labels)."""
        y: np.ndarray | None = None
        if self.arraylike:
            x = _to_numpy(self.data[start:stop])
        else:
            xs: list[np.ndarray] = []
            ys: list[Any] = []
            for i in range(start, stop):
                item = self.data[i]
                if isinstance(item, (tuple, list)):
                    if len(item) != 2:
                        raise ValueError(f"argument 'dataset': item {i} is a sequence of "
                                         f"{len(item)} values; expected x or (x, y)")
                    xs.append(_to_numpy(item[0]))
                    ys.append(_to_numpy(item[1]))
                else:
                    xs.append(_to_numpy(item))
            try:
                x = np.stack(xs) if xs else np.zeros((0,))
            except ValueError as err:
                raise ValueError(f"argument 'dataset': samples {start}..{stop - 1} have "
                                 f"different shapes ({err}); a dataset job needs samples of one "
                                 "shape") from None
            if ys and len(ys) == len(xs):
                y = np.stack(ys).reshape(len(ys), *np.shape(ys[0]))
        if self.y is not None:
            y = self.y[start:stop]
        return x, y

    def fingerprint(self) -> dict[str, Any]:
        """Length, one sample's shape and dtype, and the sha256 of a few samples spread over the
        dataset (with their labels): cheap, deterministic, and different for another dataset."""
        n = len(self)
        h = hashlib.sha256()
        shape: list[int] = []
        dtype = ""
        for i in sorted({int(i) for i in np.linspace(0, max(n - 1, 0), FINGERPRINT_SAMPLES)}
                        if n else set()):
            x, y = self.rows(i, i + 1)
            x = np.ascontiguousarray(x)
            shape, dtype = list(x.shape[1:]), str(x.dtype)
            h.update(f"{i}:{x.dtype}:{x.shape};".encode())
            h.update(x.tobytes())
            if y is not None:
                h.update(np.ascontiguousarray(y).tobytes())
        return {"n": n, "sample_shape": shape, "dtype": dtype, "sha256": h.hexdigest()}


def as_source(dataset: Any, y: Any = None) -> Source:
    """``dataset`` as a :class:`Source` (a ``Source`` is returned as it is).

    Parameters
    ----------
    dataset : array-like or map-style dataset
        Anything with ``len`` and indexing (see the module docstring).
    y : array-like of shape (N,), optional
        True labels, when the dataset's items do not carry them (or to replace them).
    """
    if isinstance(dataset, Source):
        if y is not None:
            return Source(dataset.data, _check_y(y, len(dataset)))
        return dataset
    if isinstance(dataset, (str, bytes)) or not (
            _is_array(dataset) or (hasattr(dataset, "__len__")
                                   and hasattr(dataset, "__getitem__"))):
        raise TypeError(f"argument 'dataset': expected a map-style dataset (len and indexing: "
                        f"an array, a torch Dataset, a bundled dataset), got {describe(dataset)}")
    src = Source(dataset)
    if len(src) == 0:
        raise ValueError("argument 'dataset': the dataset is empty; expected at least one "
                         "sample")
    if y is not None:
        src.y = _check_y(y, len(src))
    return src


def _check_y(y: Any, n: int) -> np.ndarray:
    arr = _to_numpy(y)
    if arr.ndim == 0 or arr.shape[0] != n:
        raise ValueError(f"argument 'y': expected one label per sample ({n}), got "
                         f"{describe(y)}")
    return arr
