"""``explain_dataset``: one task per shard of samples, on Dask distributed or in-process.

The driver (the kernel) validates everything, runs the steps on the first samples (the probe)
to learn every array's dtype and shape, creates the whole store, and submits one task per
missing shard. A task reads its rows from the dataset, computes every step on the worker's copy
of the model, writes its rows straight into the store, and writes its ``_progress`` chunk last;
it returns a small dict, never arrays, so the kernel's memory does not grow with the dataset.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import os
import threading
import time
import traceback
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from .._core.batching import progress as progress_bar
from .._core.persist import model_digest
from .._core.random import check_seed
from .._core.results import Result
from .._core.validation import check_bool, check_int, check_model, describe
from .._version import __version__
from . import store as st
from .source import Source, as_source
from .steps import DEFAULT_METHODS, DEFAULT_METRICS, AttributionStep, FeatureStep, Step

__all__ = ["JobReport", "explain_dataset"]

#: Samples the driver runs every step on before creating the store.
PROBE_SAMPLES = 2
#: Test-only: seconds each shard sleeps before computing (widens fault-injection windows).
SLEEP_ENV = "XAI_TEST_SHARD_SLEEP"


@dataclass
class JobReport:
    """What a dataset job did.

    Attributes
    ----------
    store : str
        The store (its path, or the store object's repr).
    n_samples, n_shards : int
    done : int
        Shards completed by this job (including those with recorded failing samples).
    skipped : int
        Shards already complete in the store (``resume=True``), not computed again.
    failed : int
        Shards that failed after their retries (recorded in ``_errors/``), or were cancelled
        by ``on_error="raise"``.
    retried : int
        Extra computations: a shard computed twice (a retry after an error, or after its worker
        died) counts 1.
    computed : int
        Shard computations started by this job (``done + failed + retried`` when every task
        ran).
    failed_samples : int
        Samples whose computation failed (their rows hold NaN / -1), in completed shards.
    seconds : float
    errors : list of dict
        Per failed shard: ``shard``, ``error``, ``traceback``, ``attempts`` and, for failing
        samples, ``samples`` (their indices in the dataset).
    """

    store: str
    n_samples: int
    n_shards: int
    done: int = 0
    skipped: int = 0
    failed: int = 0
    retried: int = 0
    computed: int = 0
    failed_samples: int = 0
    seconds: float = 0.0
    errors: list[dict[str, Any]] = field(default_factory=list)
    #: step -> method -> (seconds, samples) over the shards this job computed
    _timing: dict[str, dict[str, tuple[float, int]]] = field(default_factory=dict, repr=False)

    @property
    def complete(self) -> bool:
        """Every shard of the store is complete and no sample failed."""
        return self.done + self.skipped == self.n_shards and not self.errors

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        del out["_timing"]
        return out


# -- the task ------------------------------------------------------------------------------

@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    # one intra-op thread everywhere: workers do not oversubscribe the cores, and the serial
    # path computes with the same kernels as the workers (the same bytes)
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _write(root: Any, described: Mapping[str, Any], results: Mapping[str, Result],
           start: int, stop: int) -> None:
    n = stop - start
    for step, desc in described.items():
        arrays = results[step].arrays()
        for name, spec in desc["arrays"].items():
            if not spec["row"]:
                continue
            if name not in arrays:
                raise ValueError(f"step {step!r} returned no array {name!r} on this shard "
                                 "(the probe did): a step must return the same arrays on "
                                 "every shard")
            a = np.asarray(arrays[name])
            want = (n, *spec["shape"])
            if a.shape != want:
                raise ValueError(f"step {step!r}: array {name!r} has shape {a.shape} on this "
                                 f"shard, expected {want} (the probe's trailing shape)")
            root[f"{step}/{name}"][start:stop] = a.astype(np.dtype(spec["dtype"]), copy=False)


def _blank(root: Any, described: Mapping[str, Any], i: int) -> None:
    """Fill values (NaN, -1, False) in the rows of sample ``i``."""
    for step, desc in described.items():
        for name, spec in desc["arrays"].items():
            if spec["row"]:
                arr = root[f"{step}/{name}"]
                arr[i:i + 1] = np.full((1, *spec["shape"]), arr.fill_value,
                                       dtype=np.dtype(spec["dtype"]))


def run_shard(k: int, prior: int, model: nn.Module, source: Source, steps: Sequence[Step],
              plan: Mapping[str, Any]) -> dict[str, Any]:
    """Compute and write shard ``k`` (the task; the same code serially and on workers).

    ``prior`` is the shard's attempt count before this job, so the task knows which attempt of
    this job it is: before the last, an exception propagates (to be retried); on the last, with
    ``on_error="record"``, the samples are computed one by one and the failing ones recorded.
    """
    t0 = time.perf_counter()
    root = st.open_store(plan["store"], mode="r+")
    n, size = plan["n"], plan["shard_size"]
    start, stop = k * size, min(n, (k + 1) * size)
    redo = k in plan.get("redo", ())
    if root["_progress"][k] and not redo:
        # complete already: a task whose result was lost with its worker and resubmitted by
        # the scheduler (the shard's rows are all written; computing them again is waste)
        return {"shard": k, "status": "done", "samples": stop - start, "failed_samples": [],
                "seconds": time.perf_counter() - t0, "attempt": 1}
    if redo:  # a complete shard with failing samples, computed again: incomplete meanwhile
        root["_progress"][k:k + 1] = 0
    count = int(root["_attempts"][k]) + 1
    root["_attempts"][k:k + 1] = count
    attempt = count - prior
    if plan.get("sleep"):
        time.sleep(plan["sleep"])
    described = plan["described"]
    seed = plan["seed"] + k
    X, y = source.rows(start, stop)
    failed: list[int] = []
    error: dict[str, Any] | None = None
    with _one_thread():
        try:
            results = {s.name: s.compute(model, X, y, seed) for s in steps}
            _write(root, described, results, start, stop)
        except Exception as err:
            if plan["on_error"] == "raise" or attempt <= plan["retries"]:
                raise
            error = {"error": f"{type(err).__name__}: {err}",
                     "traceback": traceback.format_exc()}
            # last attempt: sample by sample, to record which samples fail
            for i in range(stop - start):
                yi = None if y is None else y[i:i + 1]
                try:
                    one = {s.name: s.compute(model, X[i:i + 1], yi, seed) for s in steps}
                    _write(root, described, one, start + i, start + i + 1)
                except Exception:
                    failed.append(start + i)
                    _blank(root, described, start + i)
    if error is not None:
        info = {"shard": k, **error, "attempts": attempt, "samples": failed}
        if len(failed) == stop - start:  # nothing computes: the shard failed, not samples
            st.record_error(root, k, info)
            return {"shard": k, "status": "failed", "samples": stop - start,
                    "failed_samples": failed, "seconds": time.perf_counter() - t0,
                    "attempt": attempt, "error": info}
        st.record_error(root, k, info)
    else:
        st.clear_error(root, k)
    root["_progress"][k:k + 1] = 1  # last: the shard is complete
    timing = {} if error is not None else {  # timed on the whole shard only
        name: dict(getattr(r, "seconds_per_sample")) for name, r in results.items()  # noqa: B009
        if isinstance(getattr(r, "seconds_per_sample", None), dict)}
    return {"shard": k, "status": "partial" if failed else "done", "samples": stop - start,
            "failed_samples": failed, "seconds": time.perf_counter() - t0, "attempt": attempt,
            "seconds_per_sample": timing}


#: Worker-local models: (hash of the pickled model, thread) -> the model, loaded once.
_MODELS: dict[tuple[str, int], nn.Module] = {}

#: glibc malloc settings of a worker process while it computes shards (docs/runs.md, "Worker
#: memory and speed"). Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``
#: (``distributed.nanny.pre-spawn-environ``), and setting any malloc threshold also freezes
#: glibc's mmap threshold at 128 kB: every tensor over 128 kB is then a fresh ``mmap`` and every
#: page of it a page fault (7x the kernel's minor faults, measured), which made a worker
#: compute 1.6-1.9x slower than the kernel. Tuned, allocations up to 32 MiB (glibc's largest
#: mmap threshold) come from the heap and are reused, and up to 64 MiB of free heap is kept.
MMAP_THRESHOLD = 32 * 2**20
TRIM_THRESHOLD = 64 * 2**20
#: ...unless the worker's memory limit leaves less than this above its RSS when it starts its
#: first shard (a worker is restarted at 95 % of its limit; a tuned worker of the memory test
#: rests ~80 MiB higher, and peaks ~90 MiB over its rest on a loaded machine): such a worker
#: keeps the nanny's settings and returns its free heap pages to the system after every shard
#: (``malloc_trim``; the nanny's setting returns only the top of the heap).
TUNE_HEADROOM = 512 * 2**20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters, glibc's malloc.h
#: this worker process's allocator: {"libc": the C library or None, "tuned": bool, "limit":
#: its memory limit in bytes or None}
_MALLOC: dict[str, Any] = {}


def _worker_limit() -> int | None:
    """The memory limit of the Dask worker running this task (None: none, or no worker)."""
    try:
        from distributed import get_worker

        limit = get_worker().memory_manager.memory_limit
    except (ImportError, ValueError, AttributeError):
        return None
    return int(limit) if limit else None


def has_headroom(limit: int | None, rss: int) -> bool:
    """Whether a worker of memory ``limit`` (None: none) at ``rss`` bytes may keep a tuned heap:
    ``TUNE_HEADROOM`` under the 95 % of its limit where its nanny restarts it."""
    return limit is None or 0.95 * limit - rss >= TUNE_HEADROOM


def _prepare_malloc() -> dict[str, Any]:
    """Tune this worker's malloc once, if its memory limit leaves room (see MMAP_THRESHOLD)."""
    if not _MALLOC:
        libc = None
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            candidate = ctypes.CDLL("libc.so.6")
            candidate.mallopt  # noqa: B018 - glibc (musl and others have no mallopt)
            candidate.malloc_trim  # noqa: B018
            libc = candidate
        limit = _worker_limit()
        tuned = False
        if libc is not None:
            import psutil  # distributed's own dependency

            if has_headroom(limit, psutil.Process().memory_info().rss):
                # mallopt returns 1 when glibc takes the value
                tuned = (libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                         and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1)
        _MALLOC.update(libc=libc, tuned=tuned, limit=limit)
    return _MALLOC


def _release_memory() -> None:
    """After a shard: a worker short of memory returns its free heap pages to the system."""
    state = _prepare_malloc()
    if state["libc"] is not None and not state["tuned"]:
        state["libc"].malloc_trim(0)


def _shared(value: Any) -> Any:
    """A value every shard task reads (the model's bytes, the source, the steps)."""
    return value


def _dask_task(k: int, prior: int, *, model: bytes, source: Source, steps: Sequence[Step],
               plan: Mapping[str, Any]) -> dict[str, Any]:
    # keyed by the pickled model's hash: the weights' digest alone would mistake a subclass
    # with the same weights (another forward) for a model already loaded
    key = (plan["model_key"], threading.get_ident())
    local = _MODELS.get(key)
    if local is None:
        for other in [x for x in _MODELS if x[0] != plan["model_key"]]:
            del _MODELS[other]  # another job's model
        # one model per worker thread, unpickled from the bytes the driver sent once: hooks
        # and flags of one task never meet another's (distributed's own torch serialisation
        # does not round-trip a module's hook dicts)
        import cloudpickle  # distributed's own dependency

        local = _MODELS[key] = cloudpickle.loads(model)
    _prepare_malloc()  # this worker's malloc, tuned once if its memory limit allows
    try:
        return run_shard(k, prior, local, source, steps, plan)
    finally:
        _release_memory()


# -- the driver ----------------------------------------------------------------------------

def _check_client(client: Any) -> Any:
    if client is None or (isinstance(client, str) and client == "serial"):
        return client
    try:
        from distributed import Client
    except ImportError as err:  # pragma: no cover - the 'scale' extra
        raise ImportError("client=None or a Client needs dask[distributed]: pip install "
                          "'xaiwidgets[scale]' (or client='serial')") from err
    if isinstance(client, Client):
        if client.status not in ("running", "connecting", "newly-created"):
            raise ValueError(f"argument 'client': the Client is {client.status}, not running")
        return client
    raise TypeError(f"argument 'client': expected None (a LocalCluster on this machine's "
                    f"cores), 'serial' (in-process) or a distributed.Client, got "
                    f"{describe(client)}")


def _build_steps(methods: Any, metrics: Any, target: Any, features: Any, steps: Any,
                 batch_size: int | None) -> list[Step]:
    out: list[Step] = []
    if methods is not None:
        out.append(AttributionStep(methods, metrics, target=target,
                                   batch_size=32 if batch_size is None else batch_size))
    if features is not None:
        out.append(FeatureStep(features, batch_size=256 if batch_size is None else batch_size))
    if steps is not None:
        if isinstance(steps, Step):
            steps = [steps]
        if not isinstance(steps, Sequence) or not all(isinstance(s, Step) for s in steps):
            raise TypeError(f"argument 'steps': expected a list of Step objects "
                            f"(xaiwidgets.runs.steps), got {describe(steps)}")
        out.extend(steps)
    if not out:
        raise ValueError("arguments 'methods', 'features', 'steps': nothing to compute; give "
                         "methods, features or steps")
    names = [s.name for s in out]
    dupes = sorted({x for x in names if names.count(x) > 1})
    if dupes:
        raise ValueError(f"argument 'steps': step names must be unique, {dupes} repeat "
                         f"(steps: {names})")
    bad = [x for x in names if not x or "/" in x or x.startswith("_")]
    if bad:
        raise ValueError(f"argument 'steps': step names must be non-empty, without '/' and not "
                         f"start with '_'; got {bad}")
    return out


def _open_or_create(store: Any, *, resume: bool, overwrite: bool, attrs: dict[str, Any],
                    described: Mapping[str, Any], probe: Mapping[str, Result], n: int,
                    shard_size: int, model: nn.Module) -> tuple[Any, str]:
    """The root group, locked for this job: created (or rebuilt with ``overwrite``), or
    resumed after the fingerprints were compared."""
    existing = None
    with contextlib.suppress(FileNotFoundError, KeyError, ValueError):
        existing = st.open_store(store, mode="r")
    if existing is None and isinstance(store, str) and "://" not in store:
        local = Path(store)
        if local.is_file() or (local.is_dir() and any(local.iterdir())):
            # never wipe a directory that is not a Zarr store, even with overwrite=True
            raise FileExistsError(f"argument 'store': {store} exists and is not a Zarr store; "
                                  "refusing to write into it. Pass a new path")
    has_run = existing is not None and existing.attrs.get("schema") is not None
    non_empty = existing is not None and (has_run or len(list(existing.keys())) > 0)
    if non_empty and not resume and not overwrite:
        raise FileExistsError(f"argument 'store': {store} already holds "
                              f"{'a run' if has_run else 'data'}; pass resume=True to complete "
                              "it or overwrite=True to replace it")
    if existing is not None and non_empty and not has_run and not overwrite:
        raise ValueError(f"argument 'store': {store} holds data that is not an xaiwidgets run; "
                         "pass overwrite=True to replace it")
    if has_run and resume and not overwrite:
        assert existing is not None
        old = existing.attrs.asdict()
        if old.get("schema") != st.SCHEMA:
            raise ValueError(f"argument 'store': {store} holds a run of schema "
                             f"{old.get('schema')!r}; this xaiwidgets writes {st.SCHEMA!r}")
        fp_old, fp_new = old.get("fingerprints", {}), attrs["fingerprints"]
        what = {"model": "the model's parameters", "dataset": "the dataset",
                "config": "the job's configuration (steps, methods, metrics, shard_size, seed)"}
        differ = [what[k] for k in what if fp_old.get(k) != fp_new[k]]
        if differ:
            raise st.FingerprintMismatch(
                f"argument 'resume': the run in {store} was computed with other "
                f"{', '.join(differ)}; resuming would mix two runs. Pass overwrite=True to "
                "start it again")
        root = st.open_store(store, mode="r+")
        # the lock first: a job still creating this store's arrays refuses this one, instead
        # of its half-made layout failing the check below
        job_id = st.acquire_lock(root)
        try:
            st.check_layout(root, old["steps"], shard_size)
        except BaseException:
            st.release_lock(root, job_id)
            raise
        return root, job_id
    if existing is not None and non_empty:  # overwrite: not under a running job
        holder = st.lock_holder(existing)
        if holder is not None:
            raise st.StoreLocked(f"argument 'overwrite': job {holder['job_id']} is running on "
                                 f"{store}; refusing to replace its store")
    root = st.open_store(store, mode="w")
    job_id = st.acquire_lock(root)
    root.attrs.update(attrs)
    st.create_layout(root, n, shard_size, described, probe)
    # the weights as tensors (no code): run.load_model(module) puts them back into the user's
    # own architecture; the digest in the fingerprints verifies them
    root.attrs["model"] = st.write_model(root, model)
    return root, job_id


def explain_dataset(
    model: nn.Module,
    dataset: Any,
    store: Any,
    *,
    y: Any = None,
    methods: Sequence[str] | Mapping[str, str] | None = DEFAULT_METHODS,
    metrics: Sequence[str] = DEFAULT_METRICS,
    target: Any = "pred",
    features: str | Sequence[str] | Mapping[str, str] | None = None,
    steps: Sequence[Step] | None = None,
    shard_size: int = 256,
    client: Any = None,
    resume: bool = False,
    overwrite: bool = False,
    retries: int = 2,
    on_error: str = "record",
    seed: int = 0,
    batch_size: int | None = None,
    progress: bool = True,
) -> JobReport:
    """Explain every sample of ``dataset`` into a Zarr store, one task per shard of samples.

    Parameters
    ----------
    model : nn.Module
        The trained model; left exactly as found (workers use copies).
    dataset : array-like or map-style dataset
        Anything with ``len`` and indexing (:func:`~xaiwidgets.runs.as_source`).
    store : str, Path or zarr Store
        Where the run is written; a path must be reachable by every worker.
    y : array-like, optional
        True labels, when the dataset's items do not carry them.
    methods : list or dict of str, optional
        Attribution method names (None: no attributions).
    metrics : list of str
        Per-sample metrics, computed on every sample.
    target : "pred", "label" or int
        The explained class.
    features : str, list or dict, optional
        Layers whose activations are stored (``{feature name: layer}``).
    steps : list of Step, optional
        Further steps (fitted estimators' outputs...), after the attributions and features.
    shard_size : int, default 256
        Samples per task, and per Zarr shard along the sample axis.
    client : None, "serial" or distributed.Client
        None starts a ``LocalCluster`` (one single-threaded worker process per core) and closes
        it at the end; "serial" computes in this process (same code, same bytes).
    resume : bool, default False
        Complete an existing run: only shards without their marker, or with failing samples
        recorded, are computed. Refused when the model, dataset or configuration differ from
        the run's.
    overwrite : bool, default False
        Replace an existing store.
    retries : int, default 2
        Extra attempts of a shard whose computation raises.
    on_error : {"record", "raise"}
        After the retries: record the failure in ``_errors/`` (failing samples found one by
        one, their rows NaN / -1) and complete the rest, or stop the job and raise.
    seed : int, default 0
        Shard k is computed with seed ``seed + k``.
    batch_size : int, optional
        Samples per forward pass inside a shard.
    progress : bool, default True
        A progress bar of shards (done / retried / failed).

    Returns
    -------
    JobReport
    """
    t0 = time.perf_counter()
    model = check_model(model)
    source = as_source(dataset, y)
    shard_size = check_int(shard_size, "shard_size", low=1)
    store = st.check_store(store)
    if on_error not in ("record", "raise"):
        raise ValueError(f"argument 'on_error': expected 'record' or 'raise', got "
                         f"{on_error!r}")
    retries = check_int(retries, "retries", low=0)
    resume = check_bool(resume, "resume")
    overwrite = check_bool(overwrite, "overwrite")
    if resume and overwrite:
        raise ValueError("arguments 'resume' and 'overwrite': choose one (resume completes the "
                         "store, overwrite replaces it)")
    progress = check_bool(progress, "progress")
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", low=1)
    client = _check_client(client)
    if client != "serial" and type(store).__name__ in ("MemoryStore", "GpuMemoryStore"):
        raise ValueError("argument 'store': a memory store lives in this process; workers "
                         "cannot write to it. Pass a path every worker can reach, or "
                         "client='serial'")
    n = len(source)
    n_shards = -(-n // shard_size)
    seed = check_seed(seed)
    check_seed(seed + n_shards - 1, "seed")  # every shard's seed must be a valid seed
    step_list = _build_steps(methods, metrics, target, features, steps, batch_size)

    # the probe: every step on the first samples, on a copy of the model
    work = copy.deepcopy(model)
    X0, y0 = source.rows(0, min(n, PROBE_SAMPLES))
    for s in step_list:
        s.validate(work, X0, y0)
    with _one_thread():
        probe = {s.name: s.compute(work, X0, y0, seed) for s in step_list}
    described = {name: st.describe_result(r) for name, r in probe.items()}
    for d in described.values():
        d["metadata"]["n_samples"] = n
    configs = {s.name: s.config() for s in step_list}
    digest = model_digest(model)
    attrs = {
        "schema": st.SCHEMA, "xaiwidgets": __version__, "n": n, "shard_size": shard_size,
        "n_shards": n_shards, "seed": seed,
        "steps": {name: {"config": configs[name], **d} for name, d in described.items()},
        "fingerprints": {"model": digest, "dataset": source.fingerprint(),
                         "config": st.config_hash({"steps": configs, "n": n, "seed": seed,
                                                   "shard_size": shard_size})},
    }
    root, job_id = _open_or_create(store, resume=resume, overwrite=overwrite, attrs=attrs,
                                   described=described, probe=probe, n=n,
                                   shard_size=shard_size, model=model)
    report = JobReport(store=str(store), n_samples=n, n_shards=n_shards)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(st.HEARTBEAT):
            with contextlib.suppress(Exception):
                st.heartbeat(root, job_id)

    beater = threading.Thread(target=beat, name="xai-job-heartbeat", daemon=True)
    beater.start()
    try:
        done = st.done_shards(root)
        prior = st.attempts(root)
        # missing shards, and complete ones with failing samples: their failure may have been
        # transient, and a shard is recomputed whole (its seed covers the whole shard)
        failed_before = {int(e["shard"]) for e in st.errors(root)} if resume else set()
        todo = [k for k in range(n_shards) if not done[k] or k in failed_before]
        report.skipped = n_shards - len(todo)
        plan: dict[str, Any] = {"store": store, "n": n, "shard_size": shard_size, "seed": seed,
                                "retries": retries, "on_error": on_error,
                                "described": described, "digest": digest,
                                # read in the driver: tests set it once for every worker
                                "sleep": float(os.environ.get(SLEEP_ENV, "0") or 0),
                                "redo": sorted(failed_before)}
        with progress_bar(total=len(todo), desc="shards", unit="shard",
                          enabled=progress) as bar:
            if client == "serial":
                _run_serial(todo, prior, work, source, step_list, plan, report, bar, root)
            else:
                _run_dask(client, todo, prior, work, source, step_list, plan, report, bar,
                          root)
        after = st.attempts(root)
        runs = (after - prior)[todo] if todo else np.zeros(0, dtype=np.int64)
        report.computed = int(runs.sum())
        report.retried = int(np.maximum(runs - 1, 0).sum())
        report.errors = st.errors(root)
    finally:
        stop.set()
        report.seconds = time.perf_counter() - t0
        with contextlib.suppress(Exception):
            root.attrs["report"] = report.to_dict()
            _record_timing(root, report)
        st.release_lock(root, job_id)
    if report.failed and on_error == "raise":  # pragma: no cover - raised in _run_*
        raise RuntimeError(f"{report.failed} shards failed")
    return report


def _record_timing(root: Any, report: JobReport) -> None:
    """Seconds per explanation over every shard this job computed, in the run's metadata
    (in place of the probe's two-sample timing)."""
    if not report._timing:
        return
    steps = root.attrs["steps"]
    for step, per_method in report._timing.items():
        field_ = steps[step]["metadata"]["fields"].get("seconds_per_sample")
        if field_ is not None and "json" in field_:
            field_["json"] = {m: total / max(count, 1) for m, (total, count)
                              in per_method.items()}
    root.attrs["steps"] = steps


def _tally(report: JobReport, out: Mapping[str, Any], bar: Any) -> None:
    if out["status"] == "failed":
        report.failed += 1
    else:
        report.done += 1
        report.failed_samples += len(out["failed_samples"])
    # the attempt that completed says how many ran before it (the store's count is exact and
    # replaces this tally at the end)
    report.retried += max(0, int(out.get("attempt", 1)) - 1)
    for step, per_method in out.get("seconds_per_sample", {}).items():
        acc = report._timing.setdefault(step, {})
        for method, sec in per_method.items():
            total, count = acc.get(method, (0.0, 0))
            acc[method] = (total + sec * out["samples"], count + out["samples"])
    bar.update(1)
    bar.set_postfix_str(f"done {report.done} retried {report.retried} failed {report.failed}")


def _run_serial(todo: list[int], prior: np.ndarray, model: nn.Module, source: Source,
                steps: list[Step], plan: Mapping[str, Any], report: JobReport, bar: Any,
                root: Any) -> None:
    for k in todo:
        for attempt in range(plan["retries"] + 1):
            try:
                out = run_shard(k, int(prior[k]), model, source, steps, plan)
                break
            except Exception as err:
                if attempt < plan["retries"]:
                    continue
                if plan["on_error"] == "raise":
                    report.failed += 1
                    raise
                # an error outside the computation (reading rows, writing): the shard fails
                out = {"shard": k, "status": "failed", "failed_samples": [],
                       "attempt": attempt + 1}
                st.record_error(root, k, {"shard": k, "error": f"{type(err).__name__}: {err}",
                                          "traceback": traceback.format_exc(),
                                          "attempts": attempt + 1, "samples": []})
        _tally(report, out, bar)


WORKER_EXIT_SECONDS = 60.0  # a worker process still running after this is killed


async def _close_workers(cluster: Any, timeout: float) -> None:
    """Close the workers of a LocalCluster we started, allowing each process ``timeout``
    seconds to exit (``cluster.close()`` allows 4)."""
    import asyncio

    await asyncio.gather(*(w.close(timeout=timeout) for w in list(cluster.workers.values())))


def _run_dask(client: Any, todo: list[int], prior: np.ndarray, model: nn.Module,
              source: Source, steps: list[Step], plan: Mapping[str, Any], report: JobReport,
              bar: Any, root: Any) -> None:
    import cloudpickle
    from distributed import Client, LocalCluster, as_completed

    own = client is None
    cluster = None
    if own:
        # no dashboard; the scheduler's HTTP server on a free port (":8787" may be taken)
        cluster = LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1,
                               processes=True, dashboard_address=":0",
                               scheduler_kwargs={"dashboard": False})
        client = Client(cluster)
    try:
        if not todo:
            return
        # sent once to every worker, not once per task
        blob = cloudpickle.dumps(model)
        plan = {**plan, "model_key": hashlib.sha256(blob).hexdigest()}
        tag = plan["digest"][:8]
        # Held by tasks, not scattered: a scattered value has no lineage, so a worker restarted
        # (memory limit, SIGKILL) while it held the only copy would cancel every shard still to
        # run. A task's value is recomputed from its spec wherever it is lost.
        # The plan too: distributed turns a plain keyword argument over 100 kB into a data
        # node keyed by the keyword's name ("plan"), which a second job on the same client
        # would collide with.
        # Sending them so makes distributed warn of a "large graph" (an in-memory source of
        # a few MiB) and advise scattering, which is what this deliberately does not do.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
            m, s, p, q = (client.submit(_shared, v, pure=False,
                                        key=f"xai-{name}-{tag}-{os.urandom(4).hex()}")
                          for name, v in (("model", blob), ("source", source), ("steps", steps),
                                          ("plan", plan)))
        keys = [f"xai-shard-{tag}-{k}-{os.urandom(4).hex()}" for k in todo]
        futures = client.map(_dask_task, todo, [int(prior[k]) for k in todo], key=keys,
                             retries=plan["retries"], pure=False, model=m, source=s, steps=p,
                             plan=q)
        shard_of = dict(zip(keys, todo, strict=True))
        pending = dict(zip(keys, futures, strict=True))
        try:
            for fut in as_completed(futures):
                k = shard_of[fut.key]
                # forget it on the cluster: a finished shard is in the store, and a held result
                # lost with its worker would be recomputed
                pending.pop(fut.key, None)
                if fut.status == "error":
                    err = fut.exception()
                    tb = "".join(traceback.format_tb(fut.traceback())) if fut.traceback() else ""
                    if plan["on_error"] == "raise":
                        report.failed += 1
                        raise err
                    st.record_error(root, k, {"shard": k, "error": f"{type(err).__name__}: "
                                              f"{err}", "traceback": tb,
                                              "attempts": int(st.attempts(root)[k] - prior[k]),
                                              "samples": []})
                    _tally(report, {"status": "failed", "attempt": 1}, bar)
                else:
                    _tally(report, fut.result(), bar)
                fut.release()
        finally:
            client.cancel(list(pending.values()))
            del futures
            for f in (m, s, p, q):
                with contextlib.suppress(Exception):
                    client.cancel(f)
    finally:
        if own:
            client.close()
            assert cluster is not None
            # the workers first, each given time to exit: a worker closes in milliseconds, but
            # its process (torch, zarr, the job's model) then takes seconds to finish exiting on
            # a busy machine, past the 4 s that cluster.close() allows before it logs "Worker
            # process still alive after 4.0 seconds, killing" and kills it
            cluster.sync(_close_workers, cluster, WORKER_EXIT_SECONDS)
            cluster.close()
