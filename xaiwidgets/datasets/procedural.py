"""A procedural image dataset of any size: every sample is generated when it is read.

Made for dataset-scale jobs (memory and fault tests, benches): ``Procedural(20_000)`` stands for
about 1 GB of float32 images while holding four numbers. Sample ``i`` comes from its own
generator, seeded with ``(seed, i)``, so any worker reads any row without the others, and the
same row is the same bytes in every process.
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core.random import check_seed
from .._core.validation import check_int
from ._base import _row_indices

__all__ = ["Procedural"]

_QUADRANTS = ("top-left", "top-right", "bottom-left", "bottom-right")


@dataclass(frozen=True)
class Procedural:
    """Images whose label is the brightest region, generated on access.

    Sample ``i`` is drawn from ``np.random.default_rng((seed, i))``: a label ``k`` (uniform
    over the classes), then uniform noise in ``[0, 0.5)`` on every pixel of every channel,
    with region ``k`` of a ``rows x cols`` grid (2 x 2 quadrants for 4 classes) raised into
    ``[0.5, 1)``. The label is therefore exactly a function of the image (the region with the
    largest mean, :meth:`label_of`), and a small CNN learns it in one epoch
    (``xaiwidgets.examples.MnistCNN(n_classes, in_channels=C, side=H)`` for square images).

    The vocabulary of the bundled datasets: ``X`` (a lazy array: ``X[a:b]`` generates those
    rows), ``y_true``, ``class_names``, ``description``, ``len``. Map-style like a torch
    ``Dataset``: ``ds[i]`` is ``(x, y)``; unlike the materialised containers, a slice, an
    index array or :meth:`take` give the stacked arrays ``(X, y)`` (there is no smaller
    container to return: nothing is stored).

    Parameters
    ----------
    n : int
        Number of samples.
    shape : tuple of 3 ints, default=(3, 64, 64)
        ``(C, H, W)`` of one sample.
    n_classes : int, default=4
        Regions (= classes), laid out as the squarest grid: ``rows`` is the largest divisor of
        ``n_classes`` not above its square root (4 -> 2 x 2, 6 -> 2 x 3, 5 -> 1 x 5).
    seed : int, default=0

    Examples
    --------
    >>> ds = Procedural(20_000)              # ~0.98 GB as float32, nothing allocated
    >>> x, y = ds[7]                         # (3, 64, 64) float32, int64 in 0..3
    >>> X, y = ds[100:132]                   # (32, 3, 64, 64), (32,)
    """

    n: int
    shape: tuple[int, ...] = (3, 64, 64)
    n_classes: int = 4
    seed: int = 0

    def __post_init__(self) -> None:
        check_int(self.n, "n", low=0)
        check_int(self.n_classes, "n_classes", low=2)
        check_seed(self.seed)
        shape = self.shape
        if (not isinstance(shape, (tuple, list)) or len(shape) != 3 or not all(
                isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1
                for s in shape)):
            raise ValueError(f"argument 'shape': expected (C, H, W), three positive ints, got "
                             f"{shape!r}")
        object.__setattr__(self, "shape", tuple(int(s) for s in shape))
        rows, cols = self.grid
        if self.shape[1] < rows or self.shape[2] < cols:
            raise ValueError(f"argument 'shape': {self.n_classes} classes need a {rows} x {cols} "
                             f"grid of regions, which does not fit in {self.shape[1]} x "
                             f"{self.shape[2]} pixels")

    # ------------------------------------------------------------------ layout
    @property
    def grid(self) -> tuple[int, int]:
        """``(rows, cols)`` of the regions."""
        rows = max(d for d in range(1, math.isqrt(self.n_classes) + 1) if self.n_classes % d == 0)
        return rows, self.n_classes // rows

    @functools.cached_property
    def _bounds(self) -> np.ndarray:
        """(n_classes, 4) ``row0, row1, col0, col1`` of each region, row-major."""
        rows, cols = self.grid
        r = [self.shape[1] * k // rows for k in range(rows + 1)]
        c = [self.shape[2] * k // cols for k in range(cols + 1)]
        return np.array([(r[i], r[i + 1], c[j], c[j + 1]) for i in range(rows)
                         for j in range(cols)], dtype=np.int64)

    @property
    def class_names(self) -> list[str]:
        """``top-left`` ... for quadrants, else ``row i, col j``."""
        if self.grid == (2, 2):
            return list(_QUADRANTS)
        cols = self.grid[1]
        return [f"row {k // cols}, col {k % cols}" for k in range(self.n_classes)]

    @property
    def description(self) -> str:
        rows, cols = self.grid
        return (f"procedural images {self.shape}: uniform noise in [0, 0.5), one region of a "
                f"{rows} x {cols} grid raised into [0.5, 1); label = the brightest region; "
                f"sample i drawn from (seed={self.seed}, i)")

    @property
    def nbytes(self) -> int:
        """Bytes the whole dataset would take as float32 (nothing is allocated)."""
        return self.n * math.prod(self.shape) * 4

    # ------------------------------------------------------------------ samples
    def _sample(self, i: int) -> tuple[np.ndarray, int]:
        rng = np.random.default_rng((self.seed, i))
        label = int(rng.integers(self.n_classes))
        x = rng.random(self.shape, dtype=np.float32)
        x *= 0.5
        r0, r1, c0, c1 = self._bounds[label]
        x[:, r0:r1, c0:c1] += 0.5
        return x, label

    def _label(self, i: int) -> int:
        # the label is the generator's first draw: no need to make the image
        return int(np.random.default_rng((self.seed, i)).integers(self.n_classes))

    def label_of(self, x: np.ndarray) -> np.ndarray:
        """The label of images ``x`` ((C, H, W) or (N, C, H, W)): the region with the largest
        mean over its pixels and channels."""
        a = np.asarray(x, dtype=np.float64)
        batch = a.reshape(-1, *self.shape)
        means = np.stack([batch[:, :, r0:r1, c0:c1].mean(axis=(1, 2, 3))
                          for r0, r1, c0, c1 in self._bounds], axis=1)
        labels = means.argmax(axis=1).astype(np.int64)
        return labels[0] if a.ndim == 3 else labels

    @property
    def X(self) -> _LazyRows:
        """The images as a lazy array ``(n, C, H, W)`` float32: indexing generates the rows."""
        return _LazyRows(self)

    @property
    def y_true(self) -> np.ndarray:
        """All ``n`` labels (generated, not stored: one small draw per sample)."""
        return np.fromiter((self._label(i) for i in range(self.n)), dtype=np.int64,
                           count=self.n)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: Any) -> tuple[Any, Any]:
        """``(x, y)`` for an int; stacked ``(X, y)`` for a slice, an index array or a mask."""
        if isinstance(index, numbers.Integral) and not isinstance(index, (bool, np.bool_)):
            x, y = self._sample(self._check_index(int(index)))
            return x, np.int64(y)
        return self.take(self._indices(index))

    def take(self, indices: Any) -> tuple[np.ndarray, np.ndarray]:
        """Stacked ``(X (k, C, H, W) float32, y (k,) int64)`` of the rows ``indices``."""
        idx = self._indices(indices)
        X = np.empty((len(idx), *self.shape), dtype=np.float32)
        y = np.empty(len(idx), dtype=np.int64)
        for k, i in enumerate(idx.tolist()):
            X[k], y[k] = self._sample(i)
        return X, y

    def _check_index(self, i: int) -> int:
        if not -self.n <= i < self.n:
            raise IndexError(f"sample index {i} is out of range for a dataset of {self.n} "
                             "samples")
        return i % self.n

    def _indices(self, index: Any) -> np.ndarray:
        if isinstance(index, slice):
            return np.arange(self.n)[index]
        if isinstance(index, (str, bytes, tuple, dict)) or not hasattr(index, "__len__"):
            raise TypeError(f"dataset index: expected an int, a slice, an index array or a "
                            f"boolean mask, got {type(index).__name__}")
        return _row_indices(index, self.n)


class _LazyRows:
    """``Procedural.X``: shape, dtype and indexing of an array whose rows are generated."""

    dtype = np.dtype(np.float32)

    def __init__(self, source: Procedural) -> None:
        self._source = source
        self.shape = (source.n, *source.shape)
        self.ndim = len(self.shape)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, index: Any) -> np.ndarray:
        if isinstance(index, numbers.Integral) and not isinstance(index, (bool, np.bool_)):
            return self._source[int(index)][0]
        return self._source.take(self._source._indices(index))[0]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        # explicit materialisation (np.asarray): the caller asked for every row
        out = self[:]
        return out if dtype is None else out.astype(dtype, copy=False)

    def __repr__(self) -> str:
        return f"<generated rows of {self._source!r}: shape {self.shape}, float32>"
