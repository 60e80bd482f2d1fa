"""2-D embeddings of a run's stored activations, for the dataset overview's scatter.

:func:`embed_run` (``Run.embed``) places every sample of a run from the activations a
:class:`~xaiwidgets.runs.FeatureStep` stored (``features/values/<feature>``), in bounded
memory whatever N:

* ``method="pca"`` (default): an ``IncrementalPCA`` fitted on every row, block by block
  (:func:`~xaiwidgets.runs.fit.fit_streaming`), then applied block by block;
* ``method="umap"`` (the optional ``umap-learn`` package): UMAP fitted on a seeded sample of
  rows (:func:`~xaiwidgets.runs.fit.fit_sampled`), then applied block by block.

The coordinates are written into the store as ``embed/<name>`` ((N, 2) float32, one chunk per
shard) with the method, the features, the seed and the explained variance in its attributes, so
re-opening the run gives them back without recomputing (:func:`stored_embedding`,
``Run.embedding``). Rows whose activations are not finite (samples that failed) are left out of
the fit and get NaN coordinates.

:func:`embed_features` computes the same coordinates for an in-memory array (no store).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._core.random import check_seed
from .._core.validation import check_bool, check_int, check_option, describe
from . import store as st
from .fit import fit_sampled, fit_streaming, iter_blocks

if TYPE_CHECKING:
    from .run import Run

__all__ = ["EMBED_GROUP", "METHODS", "embed_features", "embed_run", "embedding_names",
           "feature_arrays", "stored_embedding"]

#: The store group holding the embeddings.
EMBED_GROUP = "embed"
#: Embedding methods; "umap" needs the optional ``umap-learn`` package.
METHODS = ("pca", "umap")
#: Bytes of activations a block read holds by default (rounded to whole shards).
BLOCK_BYTES = 4 * 2**20
#: Rows UMAP is fitted on (a seeded sample; every row is then transformed).
UMAP_SAMPLE = 10_000


# -- which activations ---------------------------------------------------------------------

def feature_arrays(run: Run) -> dict[str, str]:
    """Feature name -> store path of every activation array of ``run`` (the rows of its
    :class:`~xaiwidgets.runs.FeatureStep` steps: ``{"pen": "features/values/pen"}``).

    A feature stored by two feature steps is named ``<step>/<feature>``."""
    found: list[tuple[str, str]] = []
    for step, desc in run.attrs["steps"].items():
        if desc["metadata"].get("type") != "Activations":
            continue
        for array, spec in desc["arrays"].items():
            if spec["row"] and array.startswith("values/"):
                found.append((array[len("values/"):], f"{step}/{array}"))
    names = [f for f, _ in found]
    return {(f if names.count(f) == 1 else path.replace("/values/", "/")): path
            for f, path in found}


def _pick_feature(run: Run, features: str | None) -> tuple[str, str]:
    choices = feature_arrays(run)
    if not choices:
        raise ValueError("argument 'features': the run stores no activations; run the job with "
                         "features={'name': 'layer'} (a FeatureStep) to embed its samples")
    if features is None:
        if len(choices) > 1:
            raise ValueError(f"argument 'features': the run stores several activations "
                             f"{sorted(choices)}; name the one to embed")
        return next(iter(choices.items()))
    if not isinstance(features, str):
        raise TypeError(f"argument 'features': expected a feature name such as "
                        f"{sorted(choices)[0]!r}, got {describe(features)}")
    for name, path in choices.items():
        if features in (name, path):
            return name, path
    raise ValueError(f"argument 'features': the run stores no activations named {features!r}; "
                     f"it has {sorted(choices)}")


# -- fitting and applying ------------------------------------------------------------------

class _FiniteRows:
    """A view of a (N, D...) source whose reads keep only the rows with finite values: failed
    samples (NaN rows) stay out of the fit."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.shape = tuple(source.shape)
        self.chunks = getattr(source, "chunks", None)

    def __getitem__(self, rows: Any) -> np.ndarray:
        x = np.asarray(self.source[rows], dtype=np.float64).reshape(-1, _width(self.shape))
        return x[np.isfinite(x).all(axis=1)]


class _Carry:
    """``IncrementalPCA.partial_fit`` needs at least ``n_components`` rows per call: rows of
    a shorter block (the last one, or one of failed samples) are carried to the next call."""

    def __init__(self, estimator: Any, least: int) -> None:
        self.estimator = estimator
        self.least = least
        self.carried: np.ndarray | None = None
        self.fitted = 0

    def partial_fit(self, x: np.ndarray) -> _Carry:
        if self.carried is not None:
            x = np.concatenate([self.carried, x])
            self.carried = None
        if len(x) < self.least:
            self.carried = x if len(x) else None
            return self
        self.estimator.partial_fit(x)
        self.fitted += len(x)
        return self


def _width(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape[1:], dtype=np.int64))


def _check_method(method: Any) -> str:
    method = check_option(method, "method", METHODS)
    if method == "umap":
        try:
            import umap  # noqa: F401
        except ImportError:
            raise ImportError("argument 'method': 'umap' needs the optional package umap-learn "
                              "(pip install 'xaiwidgets[embed]' or pip install umap-learn); "
                              "method='pca' needs nothing more") from None
    return str(method)


def _block(source: Any, batch_size: int | None) -> int:
    """Rows per read: ``batch_size``, else whole shards worth about :data:`BLOCK_BYTES`."""
    if batch_size is not None:
        return check_int(batch_size, "batch_size", low=2)
    shape = tuple(source.shape)
    unit = 1
    shards = getattr(source, "shards", None) or getattr(source, "chunks", None)
    if isinstance(shards, tuple) and shards and isinstance(shards[0], (int, np.integer)):
        unit = max(int(shards[0]), 1)
    row_bytes = max(_width(shape), 1) * np.dtype(getattr(source, "dtype", np.float32)).itemsize
    rows = max(BLOCK_BYTES // row_bytes, 2)
    return int(max(unit, rows // unit * unit))


def _fit(source: Any, method: str, seed: int, block: int, sample: int | None
         ) -> tuple[Any, dict[str, Any]]:
    n = int(source.shape[0])
    finite = _FiniteRows(source)
    if method == "pca":
        from sklearn.decomposition import IncrementalPCA

        if _width(finite.shape) < 2:
            raise ValueError(f"argument 'features': a 2-D embedding needs at least 2 features "
                             f"per sample, the stored activations have shape {finite.shape}")
        pca = IncrementalPCA(n_components=2)
        carry = _Carry(pca, least=2)
        fit_streaming(carry, finite, seed=seed, block=block)
        if carry.fitted == 0:
            raise ValueError(f"argument 'features': fewer than 2 of the {n} samples have finite "
                             "activations; nothing to embed")
        info = {"explained_variance": pca.explained_variance_.astype(float).tolist(),
                "explained_variance_ratio":
                    pca.explained_variance_ratio_.astype(float).tolist(),
                "fit_rows": int(carry.fitted)}
        return pca, info
    import umap

    # UMAP's own seed makes it reproducible (and single-threaded, which it is here anyway)
    reducer = umap.UMAP(n_components=2, random_state=seed)
    rows = _SampleOfFinite(finite, sample, seed)
    fit_sampled(reducer, rows, sample=None, seed=seed, block=block)
    return reducer, {"fit_rows": int(rows.shape[0]), "fit_sample": sample}


class _SampleOfFinite:
    """The finite rows of a seeded sample, read block by block (for UMAP's in-memory fit)."""

    def __init__(self, finite: _FiniteRows, sample: int | None, seed: int) -> None:
        from .fit import sample_rows

        parts = []
        n = finite.shape[0]
        rows = sample_rows(n, sample, seed)
        block = _block(finite.source, None)
        bounds = np.searchsorted(rows, np.arange(0, n + block, block))
        for b, start in enumerate(range(0, n, block)):
            take = rows[bounds[b]:bounds[b + 1]] - start
            if len(take):
                x = np.asarray(finite.source[start:min(start + block, n)], dtype=np.float64)
                x = x.reshape(len(x), -1)[take]
                parts.append(x[np.isfinite(x).all(axis=1)])
        self.data = (np.concatenate(parts) if parts
                     else np.zeros((0, _width(finite.shape))))
        self.shape = self.data.shape
        if len(self.data) < 3:
            raise ValueError("argument 'features': UMAP needs at least 3 samples with finite "
                             f"activations, the sample has {len(self.data)}")

    def __getitem__(self, rows: Any) -> np.ndarray:
        return self.data[rows]


def _apply(model: Any, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    out = np.full((len(x), 2), np.nan, dtype=np.float32)
    ok = np.isfinite(x).all(axis=1)
    if ok.any():
        out[ok] = model.transform(x[ok]).astype(np.float32)
    return out


def embed_features(X: Any, method: str = "pca", *, seed: int = 0,
                   batch_size: int | None = None, sample: int | None = UMAP_SAMPLE
                   ) -> np.ndarray:
    """2-D coordinates of the rows of ``X`` (the embedding of :func:`embed_run`, in memory).

    Parameters
    ----------
    X : array-like (N, D...)
        Activations, one row per sample (a NumPy or Zarr array; flattened per row).
    method : {"pca", "umap"}, default "pca"
    seed : int, default 0
        Seeds the block order of the PCA fit, UMAP's sample and UMAP itself.
    batch_size : int, optional
        Rows per read (default: whole chunks of about 4 MiB).
    sample : int or None, default 10_000
        UMAP: rows it is fitted on (None: all).

    Returns
    -------
    ndarray (N, 2) float32
        NaN rows for samples whose activations are not finite.
    """
    method = _check_method(method)
    seed = check_seed(seed)
    if not hasattr(X, "shape") or not hasattr(X, "__getitem__"):
        X = np.asarray(X)
    if len(X.shape) < 2:
        raise ValueError(f"argument 'X': expected activations of shape (N, D), got "
                         f"{describe(X)}")
    block = _block(X, batch_size)
    model, _ = _fit(X, method, seed, block, sample)
    out = np.empty((int(X.shape[0]), 2), dtype=np.float32)
    for sl, x in iter_blocks(X, block, name="X"):
        out[sl] = _apply(model, x)
    return out


# -- the stored embedding ------------------------------------------------------------------

def _fresh_root(run: Run) -> Any:
    """The run's root group read again: it lists arrays written since the run was opened."""
    import zarr

    return zarr.open_group(run.store, mode="r", zarr_format=3, use_consolidated=False)


def embedding_names(run: Run) -> list[str]:
    """The names of the complete embeddings stored in ``run`` (``embed/<name>``)."""
    root = _fresh_root(run)
    if EMBED_GROUP not in root:
        return []
    group = root[EMBED_GROUP]
    return sorted(k for k in group.array_keys() if group[k].attrs.get("complete"))


def stored_embedding(run: Run, name: str | None = None) -> Any:
    """The stored embedding ``embed/<name>`` of ``run`` as a lazy (N, 2) float32 Zarr array
    (``np.asarray`` reads it); its ``attrs`` hold the method, features, seed and explained
    variance. ``name=None`` picks the only one."""
    names = embedding_names(run)
    if not names:
        raise ValueError("argument 'name': the run has no stored embedding; compute one with "
                         "run.embed()")
    if name is None:
        if len(names) > 1:
            raise ValueError(f"argument 'name': the run stores several embeddings {names}; "
                             "name one")
        name = names[0]
    if not isinstance(name, str) or name not in names:
        raise ValueError(f"argument 'name': the run has no embedding {describe(name)}; it has "
                         f"{names}")
    return _fresh_root(run)[f"{EMBED_GROUP}/{name}"]


def embed_run(run: Run, features: str | None = None, method: str = "pca", *, seed: int = 0,
              name: str | None = None, batch_size: int | None = None,
              sample: int | None = UMAP_SAMPLE, recompute: bool = False) -> np.ndarray:
    """2-D coordinates of every sample of ``run``, written into its store (``Run.embed``).

    Parameters
    ----------
    run : Run
    features : str, optional
        The stored activations to embed: a feature name of the run's feature step
        (``"pen"``) or its array path (``"features/values/pen"``). None: the only one.
    method : {"pca", "umap"}, default "pca"
        ``"pca"``: IncrementalPCA fitted on every row, block by block. ``"umap"`` (needs
        ``umap-learn``): fitted on a seeded sample of ``sample`` rows.
    seed : int, default 0
    name : str, optional
        The stored array ``embed/<name>``; default ``"<feature>_<method>"``.
    batch_size : int, optional
        Rows per read and per ``partial_fit`` call (default: whole shards of about 4 MiB of
        activations). Memory holds one block, never all the activations.
    sample : int or None, default 10_000
        UMAP only: rows it is fitted on (None: all).
    recompute : bool, default False
        Compute again even when an embedding with the same parameters is stored.

    Returns
    -------
    ndarray (N, 2) float32
        NaN rows for samples whose activations are not finite (failed or not yet computed).
    """
    method = _check_method(method)
    seed = check_seed(seed)
    recompute = check_bool(recompute, "recompute")
    sample = check_int(sample, "sample", low=3, allow_none=True)
    feature, path = _pick_feature(run, features)
    if name is None:
        name = f"{feature.replace('/', '_')}_{method}"
    if not isinstance(name, str) or not name or "/" in name or name.startswith((".", "_")):
        raise ValueError(f"argument 'name': expected a non-empty name without '/' (the array "
                         f"embed/<name>), got {describe(name)}")
    source = run._root[path]
    block = _block(source, batch_size)
    params = {"method": method, "features": path, "feature": feature, "seed": seed,
              "batch_size": block, "sample": sample if method == "umap" else None,
              "config": run.fingerprints.get("config"),
              # shard computations so far: a resumed job that recomputed rows changes it
              "attempts": int(run.attempts.sum())}
    if not recompute and name in embedding_names(run):
        stored = _fresh_root(run)[f"{EMBED_GROUP}/{name}"]
        if all(stored.attrs.get(k) == v for k, v in params.items()):
            return np.asarray(stored[...])
    if not run.done.all():
        missing = np.flatnonzero(~run.done).tolist()
        raise ValueError(f"argument 'run': shards {missing[:10]} of the run are not complete; "
                         "resume its job before embedding it")

    root = st.open_store(run.store, mode="r+")
    holder = st.lock_holder(root)
    if holder is not None:
        raise st.StoreLocked(f"argument 'run': job {holder['job_id']} is writing this store; "
                             "embed it when the job has ended")
    n = int(source.shape[0])
    if block >= n:
        # one block holds every row: read it once for the fit and the transform (a stored row
        # may be one inner chunk, so a read pass costs per row); the same block, the same result
        source = np.asarray(source[0:n])
    model, info = _fit(source, method, seed, block, sample)
    out = root.create_array(f"{EMBED_GROUP}/{name}", shape=(n, 2), dtype="float32",
                            chunks=(run.shard_size, 2), fill_value=float("nan"),
                            overwrite=True, attributes={**params, "complete": False})
    coords = np.empty((n, 2), dtype=np.float32)
    for sl, x in iter_blocks(source, block, name="features"):
        coords[sl] = _apply(model, x)
        out[sl] = coords[sl]
    # written last: a stored embedding is complete or not listed
    out.attrs.update({**params, **info, "complete": True})
    return coords
