"""In-memory results as a run: the dataset overview (and everything that reads a run) on results
computed in the kernel, without a dataset job.

:func:`in_memory_run` writes results (a :func:`~xaiwidgets.compare_attributions` result, a
view's ``result``, concept predictions, activations...) into a Zarr ``MemoryStore`` with the
layout a dataset job writes (:func:`~xaiwidgets.runs.store.create_layout`, the job's own row
writer), every shard marked complete, and opens it as a :class:`~xaiwidgets.runs.Run`. The
overview, :meth:`Run.embed`, the column catalogue and :func:`~xaiwidgets.describe_selection`
then read it as they read a stored run: one code path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from .._core.results import Result
from .._core.validation import as_tensor, check_int, describe

__all__ = ["DEFAULT_STEP_NAMES", "in_memory_run"]

#: The step name each result type gets when results are not named (the names the column
#: catalogue reads without a prefix: ``runs/columns.py``).
DEFAULT_STEP_NAMES = {"AttributionResult": "attributions", "Activations": "features",
                      "ConceptPredictions": "concepts", "MemeTrace": "meme",
                      "RedescriptionResult": "redescriptions", "MaskResult": "mask"}


def _as_result(value: Any, name: str) -> Result:
    if isinstance(value, Result):
        return value
    inner = getattr(value, "result", None)  # a view (ComparisonView, MaskView...)
    if isinstance(inner, Result):
        return inner
    raise TypeError(f"argument '{name}': expected a Result (e.g. xw.compare_attributions(...)) "
                    f"or a view holding one (its .result), got {describe(value)}")


def _named(results: Any) -> dict[str, Result]:
    if isinstance(results, Mapping):
        if not results:
            raise ValueError("argument 'results': expected at least one result, got an empty "
                             "dict")
        out = {}
        for k, v in results.items():
            if not isinstance(k, str) or not k or "/" in k or k.startswith(("_", ".")):
                raise ValueError(f"argument 'results': step names are non-empty str without "
                                 f"'/' nor a leading '_' or '.', got {k!r}")
            out[k] = _as_result(v, f"results[{k!r}]")
        return out
    items = list(results) if isinstance(results, (list, tuple)) else [results]
    if not items:
        raise ValueError("argument 'results': expected at least one result, got an empty list")
    out = {}
    for i, v in enumerate(items):
        r = _as_result(v, "results" if len(items) == 1 else f"results[{i}]")
        kind = type(r).__name__
        name = DEFAULT_STEP_NAMES.get(kind, kind)
        if name in out:
            raise ValueError(f"argument 'results': two results of type {kind}; pass a dict "
                             f"naming each step")
        out[name] = r
    return out


def _features(features: Any, n: int) -> Result | None:
    from .steps import Activations

    if features is None:
        return None
    if isinstance(features, Activations):
        return features
    arrays = features if isinstance(features, Mapping) else {"features": features}
    values = {}
    for k, v in arrays.items():
        if not isinstance(k, str) or not k or "/" in k:
            raise ValueError(f"argument 'features': feature names are non-empty str without "
                             f"'/', got {k!r}")
        a = _float32(v, "features")
        if a.ndim < 2 or len(a) != n:
            raise ValueError(f"argument 'features': expected activations of shape ({n}, D) "
                             f"(one row per sample of the results), got shape {a.shape}")
        values[k] = a.reshape(n, -1)
    if not values:
        raise ValueError("argument 'features': expected at least one array of activations")
    return Activations(values=values)


def _float32(values: Any, name: str) -> np.ndarray:
    """A tensor, array, DataFrame or list of samples as float32 numbers (the one conversion
    and its errors: ``as_tensor``)."""
    return as_tensor(values, name).detach().cpu().to(torch.float32).numpy()


def _embedding(embedding: Any, n: int) -> np.ndarray | None:
    if embedding is None:
        return None
    e = _float32(embedding, "embedding")
    if e.shape != (n, 2):
        raise ValueError(f"argument 'embedding': expected 2-D coordinates of shape ({n}, 2) "
                         f"(one row per sample of the results), got shape {e.shape}")
    return e


def in_memory_run(results: Any, *, features: Any = None, embedding: Any = None,
                  embed: str | None = "pca", shard_size: int = 256, seed: int = 0) -> Any:
    """In-memory results as a :class:`~xaiwidgets.runs.Run` held in a Zarr ``MemoryStore``.

    Parameters
    ----------
    results : Result, view, list of them, or dict of str to Result
        Results over the same samples, in the same order: an
        :class:`~xaiwidgets.AttributionResult` (``xw.compare_attributions``, or a view's
        ``.result``), concept predictions, activations... Unnamed results become the steps a
        dataset job names them by (``"attributions"``, ``"features"``, ``"concepts"``...).
    features : array (N, D), dict of str to array, or Activations, optional
        Activations to place samples by (one row per sample), stored as the step
        ``"features"``; e.g. ``xw.ModelProbe(model, ["fc1"]).collect(X)``.
    embedding : array (N, 2), optional
        Coordinates to place samples by, stored as ``embed/given``.
    embed : {"pca", "umap"} or None, default "pca"
        Without ``embedding``, embed the activations (``features``, or the results' own
        activations) with :meth:`Run.embed`; None: store no embedding.
    shard_size : int, default 256
        Rows per shard (the overview fetches columns in whole shards).
    seed : int, default 0
        Of the embedding.

    Returns
    -------
    Run
        Read like an opened run (``run.store`` is the ``MemoryStore``).
    """
    import zarr
    from zarr.storage import MemoryStore

    from . import store as st
    from .job import _write
    from .run import Run

    named = _named(results)
    lengths = {k: len(r) for k, r in named.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"argument 'results': the results cover different numbers of samples "
                         f"{lengths}; expected the same samples in every result")
    n = next(iter(lengths.values()))
    if n < 2:
        raise ValueError(f"argument 'results': expected at least 2 samples, got {n}")
    feats = _features(features, n)
    if feats is not None:
        if "features" in named:
            raise ValueError("argument 'features': the results already hold a step named "
                             "'features'; pass the activations in one place")
        named["features"] = feats
    coords = _embedding(embedding, n)
    if embed is not None and embed not in ("pca", "umap"):
        raise ValueError(f"argument 'embed': expected 'pca', 'umap' or None, got {embed!r}")
    shard_size = check_int(shard_size, "shard_size", low=1)
    n_shards = -(-n // shard_size)
    described = {name: st.describe_result(r) for name, r in named.items()}
    for d in described.values():
        d["metadata"]["n_samples"] = n
    configs = {name: {"type": "in-memory", "name": name, "result": type(r).__name__}
               for name, r in named.items()}
    store = MemoryStore()
    root: Any = zarr.open_group(store, mode="w", zarr_format=3)
    root.attrs.update({
        "schema": st.SCHEMA, "n": n, "shard_size": shard_size, "n_shards": n_shards,
        "seed": 0, "in_memory": True,
        "steps": {name: {"config": configs[name], **d} for name, d in described.items()},
        "fingerprints": {"model": None, "dataset": None,
                         "config": st.config_hash({"steps": configs, "n": n})},
    })
    st.create_layout(root, n, shard_size, described, named)
    for k in range(n_shards):  # shard by shard, as the job's tasks write them
        a, b = k * shard_size, min(n, (k + 1) * shard_size)
        _write(root, described, {name: r[a:b] for name, r in named.items()}, a, b)
    root["_progress"][:] = 1
    run = Run(root, store)
    if coords is not None:
        out = root.create_array("embed/given", shape=(n, 2), dtype="float32",
                                chunks=(shard_size, 2), fill_value=float("nan"),
                                attributes={"method": "given", "complete": False})
        out[...] = coords
        out.attrs.update({"method": "given", "complete": True})
    elif embed is not None and any(
            d["metadata"].get("type") == "Activations" for d in described.values()):
        from .embed import feature_arrays

        run.embed(next(iter(feature_arrays(run))), method=embed, seed=seed)
    return run
