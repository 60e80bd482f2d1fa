"""The Zarr v3 layout of a run, and the keys that make a job resumable and safe.

::

    <store>/                       root attrs: schema, n, shard_size, n_shards, seed, steps
                                   (per step: config, result metadata, its arrays), fingerprints
                                   (model, dataset, config), report of the last job
      <step>/<flat array name>     rows: shape (N, ...); rows of SAMPLE_CHUNK_BYTES or more in
                                   shards of shard_size samples holding inner chunks of 1
                                   sample, smaller ones (and 1-D) in plain chunks of shard_size
      <step>/<flat array name>     dataset-level arrays (from the probe), one chunk
      _progress   (n_shards,) uint8  1 when shard k is complete: written LAST by its task
      _attempts   (n_shards,) int32  computations of shard k so far (every job)
      _errors/<k>                  a group whose attrs hold the failure of shard k
      _job                         a group whose attrs hold the running job's lock

Every object belongs to one task: task k writes rows ``[k S, (k+1) S)`` of every row array
(exactly one shard or one chunk along the sample axis), chunk k of ``_progress`` and
``_attempts`` and ``_errors/<k>``. Two tasks never write into one object, the condition under
which concurrent Zarr writes are safe (zarr-python#3514): :func:`check_layout` refuses any
other layout before a task runs. Only the driver writes the root attributes.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import socket
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._core.results import Result

__all__ = ["SCHEMA", "FingerprintMismatch", "StoreLocked", "check_layout", "create_layout",
           "open_store"]

SCHEMA = "xaiwidgets-run/1"
#: A lock whose heartbeat is older than this (seconds) belongs to a dead job. Read at each use,
#: like HEARTBEAT: lower both (keeping LOCK_TIMEOUT several heartbeats long) where a dead job's
#: lock must expire sooner, e.g. a job whose process on another host was killed.
LOCK_TIMEOUT = 120.0
#: Seconds between a running job's heartbeats (read by the job's heartbeat thread).
HEARTBEAT = 10.0


class FingerprintMismatch(ValueError):
    """Resuming a run with another model, dataset or configuration."""


class StoreLocked(RuntimeError):
    """Another job is running on the store."""


def _zarr() -> Any:
    try:
        import zarr
    except ImportError as err:  # pragma: no cover - the 'scale' extra
        raise ImportError("dataset jobs need zarr>=3.1: pip install 'xaiwidgets[scale]'") from err
    return zarr


def check_store(store: Any) -> Any:
    """A local path (str or Path), an fsspec URL ("s3://..."), or a Zarr v3 store object; else
    a TypeError."""
    if isinstance(store, str) and "://" in store:
        return store  # zarr opens it through fsspec
    if isinstance(store, (str, os.PathLike)):
        return str(Path(store))
    zarr = _zarr()
    if isinstance(store, zarr.abc.store.Store):
        return store
    raise TypeError(f"argument 'store': expected a directory path, an fsspec URL or a "
                    f"zarr.abc.store.Store, got {type(store).__name__}")


def open_store(store: Any, mode: str = "r") -> Any:
    """The run's root group (``mode``: "r", "r+", "a", "w")."""
    zarr = _zarr()
    return zarr.open_group(store, mode=mode, zarr_format=3)


def config_hash(config: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


def describe_result(result: Result) -> dict[str, Any]:
    """What the store needs of a step's probe result: its metadata, and per flat array whether
    it is a row, its dtype and trailing shape."""
    meta = result.metadata()
    rows = set(meta["rows"])
    arrays = {}
    for name, a in result.arrays().items():
        a = np.asarray(a)
        if a.dtype.kind not in "biuf":
            raise TypeError(f"step result array {name!r} has dtype {a.dtype}; a store holds "
                            "numbers and booleans")
        arrays[name] = {"row": name in rows, "dtype": a.dtype.str,
                        "shape": list(a.shape[1:] if name in rows else a.shape)}
    return {"metadata": meta, "arrays": arrays}


def _fill(dtype: np.dtype) -> Any:
    if dtype.kind == "f":
        return float("nan")
    if dtype.kind in "iu":
        return -1 if dtype.kind == "i" else 0
    return False


#: A row of at least this many bytes (an input, a heatmap) is one inner chunk of its shard, so
#: that reading one sample reads only it; smaller rows (a curve, a layer's activations, a
#: flag) are written one chunk per shard: encoding 250 chunks of 88 bytes cost as much as 250
#: heatmaps, and a whole shard of them is a few kB to read.
SAMPLE_CHUNK_BYTES = 1024


def create_layout(root: Any, n: int, shard_size: int, described: Mapping[str, Any],
                  probe: Mapping[str, Result]) -> None:
    """Create every array before any task runs (rows empty, dataset-level arrays filled from
    the probe results)."""
    n_shards = -(-n // shard_size)
    for step, desc in described.items():
        arrays = probe[step].arrays()
        for name, spec in desc["arrays"].items():
            dtype = np.dtype(spec["dtype"])
            trailing = tuple(spec["shape"])
            if spec["row"]:
                if trailing and dtype.itemsize * math.prod(trailing) >= SAMPLE_CHUNK_BYTES:
                    root.create_array(f"{step}/{name}", shape=(n, *trailing), dtype=dtype,
                                      chunks=(1, *trailing), shards=(shard_size, *trailing),
                                      fill_value=_fill(dtype))
                else:
                    root.create_array(f"{step}/{name}", shape=(n, *trailing), dtype=dtype,
                                      chunks=(shard_size, *trailing), fill_value=_fill(dtype))
            else:
                a = np.asarray(arrays[name])
                arr = root.create_array(f"{step}/{name}", shape=a.shape, dtype=dtype,
                                        chunks=a.shape or None, fill_value=_fill(dtype))
                arr[...] = a
    # no empty chunks: a marker's chunk exists exactly when its shard is complete (done_shards)
    root.create_array("_progress", shape=(n_shards,), dtype="uint8", chunks=(1,), fill_value=0,
                      config={"write_empty_chunks": False})
    root.create_array("_attempts", shape=(n_shards,), dtype="int32", chunks=(1,), fill_value=0)
    # created here, so that tasks recording errors never write its metadata concurrently
    root.create_group("_errors")
    check_layout(root, described, shard_size)


def check_layout(root: Any, described: Mapping[str, Any], shard_size: int) -> None:
    """Refuse a layout in which two tasks would write one object: every row array's unit of
    writing along the samples (its shard, else its chunk) must be exactly ``shard_size``."""
    for step, desc in described.items():
        for name, spec in desc["arrays"].items():
            if not spec["row"]:
                continue
            arr = root[f"{step}/{name}"]
            unit = (arr.shards or arr.chunks)[0]
            if unit != shard_size:
                raise ValueError(
                    f"store array {step}/{name} is written in blocks of {unit} samples but a "
                    f"task writes {shard_size}: two tasks would write one object "
                    "(zarr-python#3514). Use overwrite=True to rebuild the store")
    for key in ("_progress", "_attempts"):
        if root[key].chunks[0] != 1:
            raise ValueError(f"store array {key} must have one chunk per shard")


# -- the model's weights --------------------------------------------------------------------

#: The model's state_dict, as torch.save writes it (tensors only), held in this one-chunk uint8
#: array of the run (a Zarr array, so the hierarchy stays plain Zarr); the root attribute
#: "model" records the bytes' sha256 and the model's class name.
MODEL_KEY = "_model/state_dict"


def write_model(root: Any, model: Any) -> dict[str, Any]:
    """Store the model's weights (tensors, no code) and return what the root attributes record
    of them: the array's name, the bytes' sha256, the class name (for messages)."""
    import io

    import torch

    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    buf = io.BytesIO()
    torch.save(state, buf)
    body = np.frombuffer(buf.getvalue(), dtype=np.uint8)
    arr = root.create_array(MODEL_KEY, shape=body.shape, dtype="uint8",
                            chunks=(max(1, len(body)),), fill_value=0, overwrite=True)
    arr[:] = body
    return {"key": MODEL_KEY, "sha256": hashlib.sha256(body.tobytes()).hexdigest(),
            "class": f"{type(model).__module__}.{type(model).__qualname__}"}


def read_model_state(root: Any, record: Mapping[str, Any]) -> dict[str, Any]:
    """The stored state_dict, after checking its sha256; loaded with ``weights_only=True``, so
    nothing but tensors and plain containers is ever unpickled."""
    import io

    import torch

    if record["key"] not in root:
        raise FileNotFoundError(f"the run has no stored model at {record['key']!r}")
    body = np.asarray(root[record["key"]][:], dtype=np.uint8).tobytes()
    if hashlib.sha256(body).hexdigest() != record["sha256"]:
        raise ValueError(f"the run's stored model {record['key']!r} does not match its "
                         "recorded sha256: it was changed or truncated")
    state = torch.load(io.BytesIO(body), weights_only=True, map_location="cpu")
    if not isinstance(state, dict):
        raise ValueError(f"the run's stored model holds a {type(state).__name__}, not a "
                         "state_dict")
    return state


# -- per-shard keys ------------------------------------------------------------------------

def done_shards(root: Any) -> np.ndarray:
    """Which shards are complete, from one listing of the ``_progress`` chunk keys (one store
    request, not one read per shard: a remote store with 10^4 shards answers in one call).

    A marker chunk is stored only when its shard is complete: its value 1 is written last by the
    task, and writing the fill value 0 (a shard to redo) removes the chunk, since ``_progress``
    never stores empty chunks."""
    from zarr.core.sync import sync

    progress = root["_progress"]
    n = int(progress.shape[0])
    if progress.config.write_empty_chunks:  # a store made under another zarr config: read it
        return np.asarray(progress[:]).astype(bool)
    path = progress.store_path.path
    keys = {f"{path}/{progress.metadata.encode_chunk_key((k,))}": k for k in range(n)}

    async def listing() -> list[str]:
        return [key async for key in progress.store_path.store.list_prefix(f"{path}/")]

    done = np.zeros(n, dtype=bool)
    for key in sync(listing()):
        if key in keys:
            done[keys[key]] = True
    return done


def attempts(root: Any) -> np.ndarray:
    return np.asarray(root["_attempts"][:], dtype=np.int64)


def record_error(root: Any, k: int, info: Mapping[str, Any]) -> None:
    root.create_group(f"_errors/{k}", attributes=dict(info), overwrite=True)


def clear_error(root: Any, k: int) -> None:
    if f"_errors/{k}" in root:
        del root[f"_errors/{k}"]


def errors(root: Any) -> list[dict[str, Any]]:
    if "_errors" not in root:
        return []
    out = []
    for k in sorted(root["_errors"].group_keys(), key=int):
        out.append(dict(root[f"_errors/{k}"].attrs))
    return out


# -- the job lock -------------------------------------------------------------------------

def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_holder(root: Any, timeout: float | None = None) -> dict[str, Any] | None:
    """The running job's lock, or None when there is none or it is stale (heartbeat older than
    ``timeout``, default :data:`LOCK_TIMEOUT`, or its process on this host is gone)."""
    if timeout is None:
        timeout = LOCK_TIMEOUT
    if "_job" not in root:
        return None
    info = dict(root["_job"].attrs)
    if not info:
        return None
    if time.time() - float(info.get("heartbeat", 0)) > timeout:
        return None
    if info.get("host") == socket.gethostname() and not _alive(int(info.get("pid", -1))):
        return None
    return info


def acquire_lock(root: Any) -> str:
    holder = lock_holder(root)
    if holder is not None:
        raise StoreLocked(
            f"argument 'store': job {holder['job_id']} (pid {holder.get('pid')} on "
            f"{holder.get('host')}) is running on this store (heartbeat "
            f"{time.time() - float(holder['heartbeat']):.0f} s ago); wait for it to end, or "
            f"remove the store's _job key if that job is dead")
    job_id = uuid.uuid4().hex
    heartbeat(root, job_id)
    return job_id


def heartbeat(root: Any, job_id: str) -> None:
    info = {"job_id": job_id, "heartbeat": time.time(), "pid": os.getpid(),
            "host": socket.gethostname()}
    if "_job" in root:  # rewrite its attributes in place: the lock never disappears meanwhile
        root["_job"].attrs.update(info)
    else:
        root.create_group("_job", attributes=info)


def release_lock(root: Any, job_id: str) -> None:
    if "_job" in root and root["_job"].attrs.get("job_id") == job_id:
        del root["_job"]
