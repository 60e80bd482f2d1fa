"""One way to walk samples in batches, and one progress bar.

Every loop over samples in xaiwidgets goes through :func:`batch_slices` (or
:func:`map_batches`, which also concatenates the outputs), with the batch size the caller's
``batch_size`` argument or :data:`DEFAULT_BATCH_SIZE`; every long loop shows :func:`progress`, a
``tqdm.auto`` bar that is silent unless asked for and that closes itself on errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import numpy as np

from .validation import check_int

__all__ = ["DEFAULT_BATCH_SIZE", "batch_slices", "map_batches", "progress"]

#: Samples per forward pass when a caller gives no ``batch_size``.
DEFAULT_BATCH_SIZE = 256

T = TypeVar("T")


def progress(iterable: Iterable[T] | None = None, *, enabled: bool = False, desc: str = "",
             total: int | None = None, unit: str = "it") -> Any:
    """A ``tqdm.auto`` bar over ``iterable`` (or a manual one without it), shown only when
    ``enabled``; use it as a context manager or iterate it."""
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc or None, total=total, unit=unit, disable=not enabled,
                leave=False)


def batch_slices(n: int, batch_size: int | None = None) -> Iterator[slice]:
    """Consecutive slices of ``range(n)`` of at most ``batch_size`` samples each."""
    size = DEFAULT_BATCH_SIZE if batch_size is None else check_int(batch_size, "batch_size",
                                                                    low=1)
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))


def map_batches(fn: Callable[[Any], Any], data: Any, batch_size: int | None = None, *,
                bar: bool = False, desc: str = "") -> Any:
    """``fn`` applied to ``data`` batch by batch (first axis), outputs concatenated.

    ``fn`` returns a tensor, an array, or a tuple of them (each concatenated on its own). Works
    on torch tensors and numpy arrays alike; an empty ``data`` calls ``fn`` once on it so that
    the outputs keep their trailing shapes.
    """
    n = len(data)
    if n == 0:
        return fn(data)
    outs: list[Any] = []
    slices = list(batch_slices(n, batch_size))
    for s in progress(slices, enabled=bar, desc=desc, unit="batch"):
        outs.append(fn(data[s]))
    return _cat(outs)


def _cat(outs: list[Any]) -> Any:
    first = outs[0]
    if isinstance(first, tuple):
        return tuple(_cat([o[i] for o in outs]) for i in range(len(first)))
    if hasattr(first, "detach"):
        import torch

        return torch.cat(outs)
    return np.concatenate(outs)
