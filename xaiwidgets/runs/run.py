"""``open_run``: a stored run as the result types, read lazily, without the model.

Opening a run reads JSON (the root attributes) and array metadata; rows are read when taken:
``run.attributions[i]`` reads sample i's inner chunks only. Nothing is unpickled, so a run from
someone else is safe to open and view.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._core.results import Result, _set_run_rows
from ..metrics.stats import MetricSummary
from . import store as st

__all__ = ["Run", "open_run"]


class Run:
    """A run written by :func:`~xaiwidgets.explain_dataset` (build it with :func:`open_run`).

    Attributes
    ----------
    results : dict of str to Result
        Per step name (``"attributions"``, ``"features"``...), its result over every sample,
        backed by the store's arrays (lazy). Steps are also attributes: ``run.attributions``.
    attrs : dict
        The run's root attributes (configuration, fingerprints, last job's report).
    """

    def __init__(self, root: Any, store: Any) -> None:
        self._root = root
        self.store = store
        self.attrs: dict[str, Any] = root.attrs.asdict()
        if self.attrs.get("schema") != st.SCHEMA:
            raise ValueError(f"argument 'store': {store} is not an xaiwidgets run (schema "
                             f"{self.attrs.get('schema')!r}, expected {st.SCHEMA!r})")
        self.results: dict[str, Result] = {}
        for name, desc in self.attrs["steps"].items():
            rows = set(desc["metadata"].get("rows", ()))
            # rows stay lazy (read when taken); dataset-level arrays (a curve's x axis, a
            # tree's nodes) are small and read now, so results use them like numpy arrays
            arrays = {a: root[f"{name}/{a}"] if a in rows else root[f"{name}/{a}"][...]
                      for a in desc["arrays"]}
            self.results[name] = Result.from_parts(desc["metadata"], arrays)
            # its samples are the run's rows 0..n-1: a result taken from it remembers which
            _set_run_rows(self.results[name], len(self))

    def __getattr__(self, name: str) -> Result:
        results = self.__dict__.get("results", {})
        if name in results:
            return results[name]
        raise AttributeError(f"Run has no attribute or step {name!r}; steps: {list(results)}")

    def __len__(self) -> int:
        return int(self.attrs["n"])

    def __repr__(self) -> str:
        return (f"Run({self.store!s}: {len(self)} samples, steps {list(self.results)}, "
                f"{int(self.done.sum())}/{len(self.done)} shards complete)")

    @property
    def shard_size(self) -> int:
        return int(self.attrs["shard_size"])

    @property
    def done(self) -> np.ndarray:
        """(n_shards,) bool: the shards whose marker is written."""
        return st.done_shards(self._root)

    @property
    def attempts(self) -> np.ndarray:
        """(n_shards,) int: computations of each shard, over every job on the store."""
        return st.attempts(self._root)

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Recorded failures (``_errors/``): shard, error, traceback, attempts, samples."""
        return st.errors(self._root)

    @property
    def complete(self) -> bool:
        """Every shard is complete and no failure is recorded."""
        return bool(self.done.all()) and not self.errors

    @property
    def report(self) -> dict[str, Any] | None:
        """The last job's :class:`~xaiwidgets.runs.JobReport`, as a dict."""
        return self.attrs.get("report")

    @property
    def fingerprints(self) -> Mapping[str, Any]:
        return self.attrs["fingerprints"]

    def load_model(self, module: Any) -> Any:
        """Load the run's stored weights into ``module``, an instance of the model's own
        architecture, and return it.

        The run stores the model as its ``state_dict`` only (tensors, read with
        ``weights_only=True``: no code is unpickled). The file's sha256 is checked before
        loading, and the loaded weights' digest must equal the run's model fingerprint.

        Parameters
        ----------
        module : nn.Module
            A model of the same architecture (e.g. ``MnistCNN()``); its parameters and buffers
            are replaced in place.
        """
        from torch import nn

        from .._core.persist import model_digest

        if not isinstance(module, nn.Module):
            raise TypeError(f"argument 'module': expected an nn.Module of the run's "
                            f"architecture, got {type(module).__name__}")
        record = self.attrs.get("model")
        if record is None and self.attrs.get("in_memory"):
            raise ValueError("this run holds in-memory results (runs.in_memory_run), without "
                             "a model; use the model you computed them with")
        if record is None:
            raise ValueError("this run stores no model (written by an earlier xaiwidgets)")
        state = st.read_model_state(self._root, record)
        try:
            module.load_state_dict(state)
        except RuntimeError as err:
            raise ValueError(f"argument 'module': its architecture does not take the run's "
                             f"weights (stored from a {record.get('class')}): {err}") from None
        if model_digest(module) != self.fingerprints["model"]:
            raise ValueError("argument 'module': the loaded weights' digest differs from the "
                             "run's model fingerprint")
        return module

    def summary(self, step: str = "attributions", *, level: float = 0.95, alpha: float = 0.05,
                seed: int = 0) -> MetricSummary:
        """Metric means with bootstrap intervals and paired tests between methods, over every
        scored sample of the run (:meth:`AttributionResult.metric_summary`); reads the
        per-sample metric columns only."""
        result = self.results.get(step)
        if result is None or not hasattr(result, "metric_summary"):
            raise ValueError(f"argument 'step': {step!r} is not an attribution step of this "
                             f"run; steps: {list(self.results)}")
        return result.metric_summary(level=level, alpha=alpha, seed=seed)

    # -- the dataset overview's helpers (runs/embed.py) --------------------------------------

    def embed(self, features: str | None = None, method: str = "pca", *, seed: int = 0,
              name: str | None = None, batch_size: int | None = None,
              sample: int | None = 10_000, recompute: bool = False) -> np.ndarray:
        """2-D coordinates of every sample from its stored activations, written into the store
        as ``embed/<name>`` (:func:`~xaiwidgets.runs.embed.embed_run` has the parameters)."""
        from .embed import embed_run

        return embed_run(self, features, method, seed=seed, name=name, batch_size=batch_size,
                         sample=sample, recompute=recompute)

    def embedding(self, name: str | None = None) -> Any:
        """A stored embedding (:meth:`embed`) as a lazy (N, 2) Zarr array; None: the only one."""
        from .embed import stored_embedding

        return stored_embedding(self, name)

    def columns(self, class_names: list[str] | None = None) -> list[dict[str, Any]]:
        """The per-sample columns the run stores (labels, predictions, metrics, concepts,
        rules, embeddings): :func:`xaiwidgets.runs.columns.columns`."""
        from .columns import columns

        return columns(self, class_names)


def open_run(store: Any) -> Run:
    """Open a run read-only (see :class:`Run`).

    Parameters
    ----------
    store : str, Path or zarr Store
        What :func:`~xaiwidgets.explain_dataset` wrote to.
    """
    store = st.check_store(store)
    try:
        root = st.open_store(store, mode="r")
    except FileNotFoundError:
        raise FileNotFoundError(f"argument 'store': no run at {store}") from None
    return Run(root, store)
