"""Fitting estimators on rows read from a store, in bounded memory.

The estimators that learn from activations (clustering, linear concept probes, CME's
extractor, MEME, the redescription miner) fit on rows that a dataset job stored, such as a
layer's activations. Two ways, read shard by shard so that memory holds one block of rows
(plus the sample) whatever N:

* :func:`fit_sampled`, the default: a seeded sample of rows (``sample=10_000, seed=0``), read
  block by block, then the estimator's own ``fit``. Any estimator: its ``fit(X)`` or
  ``fit(X, y)`` sees exactly those rows, in data order.
* :func:`fit_streaming`: every row, ``epochs`` times, through the estimator's
  ``partial_fit`` (scikit-learn's out-of-core estimators: ``MiniBatchKMeans`` for clustering,
  ``SGDClassifier`` for linear probes, ``IncrementalPCA``, ``StandardScaler``...). Each epoch
  visits the blocks in a seeded order and the rows of a block shuffled, every row once.

:func:`fit_from_store` chooses: streaming for estimators with ``partial_fit`` when asked,
else the sample. ``docs/runs.md`` lists which estimator fits how.

A source is anything with ``shape`` and slicing along the first axis: a Zarr array (a stored
run's arrays), a NumPy array or memory map. Labels (``y``) are such an array, a dict of them
(CME's concepts), a DataFrame or a table whose rows are taken alike.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from .._core.random import check_seed
from .._core.validation import check_int, check_option, describe

__all__ = ["DEFAULT_SAMPLE", "fit_from_store", "fit_sampled", "fit_streaming", "iter_blocks",
           "read_rows", "sample_rows", "stored_array", "supports_streaming"]

#: Rows a sampled fit reads by default.
DEFAULT_SAMPLE = 10_000

#: Rows per read when the source does not say (a Zarr array reads one chunk at a time).
DEFAULT_BLOCK = 4096


def _check_source(source: Any, name: str) -> int:
    shape = getattr(source, "shape", None)
    if shape is None or not len(shape) or not hasattr(source, "__getitem__"):
        raise TypeError(f"argument '{name}': expected an array with a sample axis (a Zarr or "
                        f"NumPy array, e.g. a run's stored activations), got {describe(source)}")
    return int(shape[0])


def _block_size(source: Any, block: int | None) -> int:
    if block is not None:
        return check_int(block, "block", low=1)
    chunks = getattr(source, "chunks", None)  # Zarr: read whole chunks, one at a time
    if isinstance(chunks, tuple) and chunks and isinstance(chunks[0], (int, np.integer)):
        return max(int(chunks[0]), 1)
    return DEFAULT_BLOCK


def stored_array(store: Any, name: str) -> Any:
    """The array ``name`` of a run (``"features/values/penultimate"``), opened read-only and
    read lazily: what the fitting functions take as ``X`` or ``y``.

    Parameters
    ----------
    store : str, Path, zarr Store or Run
        A run written by :func:`~xaiwidgets.explain_dataset` (or :func:`open_run`'s result).
    name : str
        The array's path in the store: ``<step>/<flat result name>``.
    """
    from .run import Run, open_run

    run = store if isinstance(store, Run) else open_run(store)
    if not isinstance(name, str):
        raise TypeError(f"argument 'name': expected an array path such as "
                        f"'features/values/<feature>', got {describe(name)}")
    arrays = [f"{step}/{a}" for step, desc in run.attrs["steps"].items()
              for a, spec in desc["arrays"].items() if spec["row"]]
    if name not in arrays:
        raise ValueError(f"argument 'name': the run has no per-sample array {name!r}; it has "
                         f"{arrays[:20]}")
    return run._root[name]


def supports_streaming(estimator: Any) -> bool:
    """Whether ``estimator`` can fit over all rows, block by block (it has ``partial_fit``)."""
    return callable(getattr(estimator, "partial_fit", None))


def sample_rows(n: int, sample: int | None = DEFAULT_SAMPLE, seed: int = 0) -> np.ndarray:
    """Sorted indices of a seeded sample of ``sample`` of ``n`` rows, without replacement
    (all rows when ``sample`` is None or at least ``n``)."""
    n = check_int(n, "n", low=0)
    sample = check_int(sample, "sample", low=1, allow_none=True)
    seed = check_seed(seed)
    if sample is None or sample >= n:
        return np.arange(n, dtype=np.int64)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=sample, replace=False)).astype(np.int64)


def iter_blocks(source: Any, block: int | None = None, *, name: str = "X"
                ) -> Iterator[tuple[slice, np.ndarray]]:
    """``(rows, values)`` of consecutive blocks of ``source``, one read each."""
    n = _check_source(source, name)
    size = _block_size(source, block)
    for start in range(0, n, size):
        sl = slice(start, min(start + size, n))
        yield sl, np.asarray(source[sl])


def read_rows(source: Any, rows: Any, *, block: int | None = None, name: str = "X"
              ) -> np.ndarray:
    """The rows ``rows`` (sorted indices) of ``source``, read block by block: memory holds one
    block and the rows taken."""
    n = _check_source(source, name)
    rows = np.asarray(rows, dtype=np.int64)
    if rows.ndim != 1 or (len(rows) and (rows.min() < 0 or rows.max() >= n)):
        raise ValueError(f"argument 'rows': expected indices in [0, {n}), got {describe(rows)}")
    if len(rows) > 1 and (np.diff(rows) < 0).any():
        raise ValueError("argument 'rows': expected sorted indices (read in data order)")
    size = _block_size(source, block)
    out: np.ndarray | None = None
    bounds = np.searchsorted(rows, np.arange(0, n + size, size))
    for b, start in enumerate(range(0, n, size)):
        lo, hi = int(bounds[b]), int(bounds[b + 1])
        if lo == hi:
            continue
        chunk = np.asarray(source[start:min(start + size, n)])
        if out is None:
            out = np.empty((len(rows), *chunk.shape[1:]), dtype=chunk.dtype)
        out[lo:hi] = chunk[rows[lo:hi] - start]
    if out is None:  # no rows: the shape of one row from the first sample
        first = np.asarray(source[0:1]) if n else np.zeros((0,))
        out = np.empty((0, *first.shape[1:]), dtype=first.dtype)
    return out


def _take_labels(y: Any, rows: np.ndarray, n: int, block: int | None) -> Any:
    """``y``'s rows ``rows``: an array, a dict of them, a DataFrame or an attribute table."""
    if y is None:
        return None
    if hasattr(y, "iloc") and hasattr(y, "columns"):  # a DataFrame
        if len(y) != n:
            raise ValueError(f"argument 'y': expected {n} rows (one per row of X), got {len(y)}")
        return y.iloc[rows].reset_index(drop=True)
    if isinstance(y, Mapping):
        return {k: _take_labels(v, rows, n, block) for k, v in y.items()}
    values = getattr(y, "values", None)
    if hasattr(y, "columns") and isinstance(values, np.ndarray):  # an AttributeTable
        import dataclasses

        if len(values) != n:
            raise ValueError(f"argument 'y': expected {n} rows (one per row of X), got "
                             f"{len(values)}")
        return dataclasses.replace(y, values=values[rows], source=None)
    m = _check_source(y, "y") if hasattr(y, "shape") else None
    if m is None:
        y = np.asarray(y)
        m = len(y)
    if m != n:
        raise ValueError(f"argument 'y': expected {n} rows (one per row of X), got {m}")
    return read_rows(y, rows, block=block, name="y")


def fit_sampled(estimator: Any, X: Any, y: Any = None, *, sample: int | None = DEFAULT_SAMPLE,
                seed: int = 0, block: int | None = None, **fit_params: Any) -> Any:
    """Fit ``estimator`` on a seeded sample of the rows of ``X`` (and the same rows of ``y``).

    Parameters
    ----------
    estimator : any estimator
        Fitted in place with ``fit(X_sample)`` or ``fit(X_sample, y_sample, **fit_params)``:
        scikit-learn estimators, ``ConceptExtractor`` (``y``: the concepts dict), ``MEME``,
        ``RedescriptionMiner`` (``y``: the describing view).
    X : array-like (N, ...)
        The stored rows (e.g. a run's activations of one layer), read block by block.
    y : array-like, dict of them, DataFrame or attribute table, optional
        Per-row labels or a second view; the sampled rows are taken alike.
    sample : int or None, default=10_000
        Rows drawn without replacement (None or >= N: all rows).
    seed : int, default=0
    block : int, optional
        Rows per read (default: the source's chunk length, or 4096).
    **fit_params
        Passed to ``fit``.

    Returns
    -------
    estimator
        The fitted estimator; ``sampled_rows_`` is set on it when it accepts attributes
        (sorted indices into ``X``).
    """
    n = _check_source(X, "X")
    rows = sample_rows(n, sample, seed)
    xs = read_rows(X, rows, block=block)
    ys = _take_labels(y, rows, n, block)
    if ys is None:
        estimator.fit(xs, **fit_params)
    else:
        estimator.fit(xs, ys, **fit_params)
    try:
        estimator.sampled_rows_ = rows
    except AttributeError:  # an estimator with __slots__: the rows are sample_rows(n, ...)
        pass
    return estimator


def fit_streaming(estimator: Any, X: Any, y: Any = None, *, epochs: int = 1, seed: int = 0,
                  block: int | None = None, classes: Any = None) -> Any:
    """Fit ``estimator`` on every row of ``X``, ``epochs`` times, with ``partial_fit``.

    Each epoch reads the blocks of ``X`` (and ``y``) in a seeded random order and passes each
    block's rows, shuffled, to ``partial_fit``: every row once per epoch, one block in memory.
    Rows are flattened to ``(rows, features)``.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``
        ``MiniBatchKMeans``, ``SGDClassifier``, ``IncrementalPCA``, ``StandardScaler``...
    X : array-like (N, ...)
    y : array-like (N,), optional
        Labels for a classifier.
    epochs : int, default=1
    seed : int, default=0
        Seeds the block order and the shuffles.
    block : int, optional
        Rows per ``partial_fit`` call (default: the source's chunk length, or 4096).
    classes : array-like, optional
        A classifier's classes (its first ``partial_fit`` needs them all). Default: the
        distinct values of ``y``, read block by block first.

    Returns
    -------
    estimator
    """
    if not supports_streaming(estimator):
        raise TypeError(f"argument 'estimator': streaming needs an estimator with partial_fit "
                        f"(MiniBatchKMeans, SGDClassifier, IncrementalPCA...), got "
                        f"{type(estimator).__name__}; fit it on a sample with fit_sampled")
    n = _check_source(X, "X")
    epochs = check_int(epochs, "epochs", low=1)
    seed = check_seed(seed)
    size = _block_size(X, block)
    if y is not None:
        m = _check_source(y, "y")
        if m != n:
            raise ValueError(f"argument 'y': expected {n} labels (one per row of X), got {m}")
    wants_classes = "classes" in inspect.signature(estimator.partial_fit).parameters
    if wants_classes and y is None:
        raise ValueError(f"argument 'y': {type(estimator).__name__} is a classifier; streaming "
                         "it needs the labels of the rows, got None")
    if wants_classes and y is not None and classes is None:
        found: set[Any] = set()
        for _, part in iter_blocks(y, size, name="y"):
            found.update(np.unique(part).tolist())
        classes = np.array(sorted(found))
    rng = np.random.default_rng(seed)
    starts = np.arange(0, n, size)
    for _ in range(epochs):
        for start in rng.permutation(starts):
            sl = slice(int(start), min(int(start) + size, n))
            xb = np.asarray(X[sl])
            order = rng.permutation(len(xb))
            xb = xb.reshape(len(xb), -1)[order]
            if y is None:
                estimator.partial_fit(xb)
                continue
            yb = np.asarray(y[sl])[order]
            if wants_classes:
                estimator.partial_fit(xb, yb, classes=classes)
            else:
                estimator.partial_fit(xb, yb)
    return estimator


def fit_from_store(estimator: Any, X: Any, y: Any = None, *, mode: str = "sample",
                   sample: int | None = DEFAULT_SAMPLE, seed: int = 0, epochs: int = 1,
                   block: int | None = None, **fit_params: Any) -> Any:
    """Fit ``estimator`` on stored rows: ``mode="sample"`` (:func:`fit_sampled`, any
    estimator) or ``"stream"`` (:func:`fit_streaming`, estimators with ``partial_fit``: a
    clear error for the others, e.g. the redescription miner, which fits on a sample only).
    """
    check_option(mode, "mode", ("sample", "stream"))
    if mode == "stream":
        if fit_params:
            raise TypeError(f"argument 'mode': streaming passes no fit parameters, got "
                            f"{sorted(fit_params)}")
        return fit_streaming(estimator, X, y, epochs=epochs, seed=seed, block=block)
    return fit_sampled(estimator, X, y, sample=sample, seed=seed, block=block, **fit_params)
