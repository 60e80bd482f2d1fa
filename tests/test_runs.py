"""Dataset jobs (``xw.explain_dataset`` / ``xw.open_run``, issue 23) on real worker processes.

A ``LocalCluster`` of two single-threaded worker processes is started once for the module. The
serial path and the cluster must write byte-identical stores, equal to ``compare_attributions``
on the same rows; resume computes only the missing shards; fingerprints, the job lock and the
error policies are checked on real stores; ``open_run`` is shown to read one sample's chunks only
through a counting store.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import cloudpickle
import numpy as np
import pytest
import torch
from torch import nn

zarr = pytest.importorskip("zarr")
distributed = pytest.importorskip("distributed")

import xaiwidgets as xw  # noqa: E402
from xaiwidgets._core.persist import model_digest  # noqa: E402
from xaiwidgets.examples import MnistCNN  # noqa: E402
from xaiwidgets.runs import (  # noqa: E402
    FeatureStep,
    FingerprintMismatch,
    StoreLocked,
    as_source,
)
from xaiwidgets.runs import job as runs_job  # noqa: E402
from xaiwidgets.runs import store as st  # noqa: E402

N, S = 24, 8  # 3 shards
METHODS = ["saliency", "integrated_gradients"]
METRICS = ["deletion_auc", "insertion_auc"]
JOB = {"methods": METHODS, "metrics": METRICS, "features": {"pen": "fc1"}, "shard_size": S,
       "progress": False}


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0",
                                       scheduler_kwargs={"dashboard": False})
    c = distributed.Client(cluster)
    # the tests' own classes (FailingCNN) travel by value: workers cannot import this file
    cloudpickle.register_pickle_by_value(__import__(__name__))
    yield c
    cloudpickle.unregister_pickle_by_value(__import__(__name__))
    c.close()
    cluster.close()


def make_model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    model = MnistCNN()
    model.eval()
    return model


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return (rng.normal(size=(N, 1, 28, 28)).astype(np.float32),
            rng.integers(0, 10, size=N))


@pytest.fixture(scope="module")
def reference(tmp_path_factory, data):
    """The serial run every other store is compared with."""
    path = tmp_path_factory.mktemp("ref") / "ref.zarr"
    X, y = data
    report = xw.explain_dataset(make_model(), X, path, y=y, client="serial", **JOB)
    assert report.done == 3 and report.complete
    return path


def arrays(path) -> dict[str, np.ndarray]:
    root = zarr.open_group(path, mode="r")
    return {k: v[...] for k, v in root.members(max_depth=None) if isinstance(v, zarr.Array)}


def assert_same_store(a, b, skip=("_attempts",)) -> None:
    x, y = arrays(a), arrays(b)
    assert sorted(x) == sorted(y)
    for k in x:
        if k in skip:
            continue
        assert x[k].dtype == y[k].dtype, k
        assert x[k].tobytes() == y[k].tobytes(), f"array {k} differs"


def model_state(model: nn.Module):
    return ({k: v.clone() for k, v in model.state_dict().items()}, model.training,
            [p.requires_grad for p in model.parameters()],
            sum(len(m._forward_hooks) + len(m._backward_hooks) + len(m._forward_pre_hooks)
                for m in model.modules()))


def test_serial_and_two_workers_write_identical_stores(tmp_path, data, reference, client):
    X, y = data
    model = make_model()
    before = model_state(model)
    rng_before = torch.random.get_rng_state()
    np_before = np.random.get_state()[1].copy()
    report = xw.explain_dataset(model, X, tmp_path / "c.zarr", y=y, client=client, **JOB)
    assert (report.done, report.failed, report.skipped, report.computed) == (3, 0, 0, 3)
    assert report.complete and report.n_samples == N
    assert_same_store(reference, tmp_path / "c.zarr", skip=())
    # the user's model is left exactly as found, the global RNGs untouched
    after = model_state(model)
    assert all(torch.equal(before[0][k], after[0][k]) for k in before[0])
    assert before[1:] == after[1:] == (False, before[2], 0)
    assert torch.equal(rng_before, torch.random.get_rng_state())
    assert np.array_equal(np_before, np.random.get_state()[1])


@pytest.mark.usefixtures("one_torch_thread")  # the job computes with one thread: so must we
def test_shard_zero_equals_compare_attributions(data, reference):
    X, y = data
    run = xw.open_run(reference)
    assert len(run) == N and run.complete and run.shard_size == S
    ref = xw.compare_attributions(make_model(), X[:S], methods=METHODS, metrics=METRICS,
                                  metric_samples=S, sensitivity_samples=S, seed=0,
                                  progress=False, y=y[:S])
    got = run.attributions[0:S]
    assert type(got) is xw.AttributionResult and got.methods == ref.methods
    for name, a in ref.arrays().items():
        assert np.asarray(got.arrays()[name]).tobytes() == np.asarray(a).tobytes(), name
    # shard 1 is seeded with seed + 1: same as compare_attributions(seed=1) on its rows
    ref1 = xw.compare_attributions(make_model(), X[S:2 * S], methods=METHODS, metrics=METRICS,
                                   metric_samples=S, sensitivity_samples=S, seed=1,
                                   progress=False, y=y[S:2 * S])
    np.testing.assert_array_equal(run.attributions[S:2 * S].attributions["Saliency"],
                                  ref1.attributions["Saliency"])
    # activations of one shard's rows (one batch of S: other batchings differ in the last bit)
    acts = xw.ModelProbe(make_model(), ["fc1"]).collect(X[S:2 * S])
    assert run.features[S:2 * S].values["pen"].tobytes() == acts["fc1"].tobytes()
    np.testing.assert_array_equal(run.attributions.y_true[...], y)
    # dataset-level summaries from the stored per-sample metrics
    summary = run.summary()
    assert summary.methods == ["Saliency", "Integrated Gradients"]
    assert summary.metrics[:2] == ["deletion_auc", "insertion_auc"]
    np.testing.assert_allclose(
        summary.mean[0, 0], np.mean(run.attributions.metrics["Saliency"]["deletion_auc"][...]))
    assert (summary.n[:, 0] == N).all()
    assert run.report["done"] == 3 and run.errors == []
    # seconds per explanation: averaged over the job's shards, not the probe's two samples
    sec = run.attributions.seconds_per_sample
    assert set(sec) == {"Saliency", "Integrated Gradients"} and all(v > 0 for v in sec.values())


def _malloc_state() -> dict:
    from xaiwidgets.runs import job

    return {k: job._MALLOC.get(k) for k in ("tuned", "limit")} | {
        "glibc": job._MALLOC.get("libc") is not None}


def test_workers_with_memory_to_spare_tune_malloc_and_tight_ones_do_not(tmp_path, data,
                                                                       client):
    # after a job, each worker of the module's LocalCluster (limit: this machine's memory per
    # worker) has set glibc's thresholds: the nanny's MALLOC_TRIM_THRESHOLD_ alone makes every
    # tensor over 128 kB a fresh mmap (docs/runs.md, "Worker memory and speed")
    X, y = data
    xw.explain_dataset(make_model(), X[:S], tmp_path / "m.zarr", y=y[:S], client=client,
                       methods=["saliency"], metrics=[], shard_size=S, progress=False)
    states = list(client.run(_malloc_state).values())
    assert len(states) == 2
    for state in states:
        if state["glibc"]:
            assert state["tuned"] is True and state["limit"] > 1 << 30, state
    mib = 2**20
    # the nanny restarts a worker at 95 % of its limit; a tuned heap needs 512 MiB under that
    assert runs_job.has_headroom(None, 300 * mib)
    assert runs_job.has_headroom(1024 * mib, 300 * mib)  # 972.8 - 300 = 673 MiB
    assert runs_job.has_headroom(860 * mib, 300 * mib)  # 817 - 300 = 517 MiB
    assert not runs_job.has_headroom(860 * mib, 310 * mib)  # 507 MiB
    assert not runs_job.has_headroom(600 * mib, 290 * mib)  # the fault tests' workers


def test_resume_after_removing_markers_computes_only_missing_shards(tmp_path, data, reference):
    X, y = data
    path = tmp_path / "r.zarr"
    xw.explain_dataset(make_model(), X, path, y=y, client="serial", **JOB)
    root = zarr.open_group(path, mode="r+")
    root["_progress"][1:2] = 0  # as if the job had died inside shard 1
    root["attributions/attributions/Saliency"][S:2 * S] = 0.0
    report = xw.explain_dataset(make_model(), X, path, y=y, client="serial", resume=True,
                                **JOB)
    assert (report.skipped, report.done, report.computed, report.retried) == (2, 1, 1, 0)
    np.testing.assert_array_equal(st.attempts(zarr.open_group(path, mode="r")), [1, 2, 1])
    assert_same_store(reference, path)
    # a complete store: nothing to compute
    again = xw.explain_dataset(make_model(), X, path, y=y, client="serial", resume=True, **JOB)
    assert (again.skipped, again.computed) == (3, 0)


class Flaky(torch.utils.data.Dataset):
    """Items (x, y); reading sample ``bad`` raises while ``broken`` (an interrupted job)."""

    def __init__(self, X, y, bad=None):
        self.X, self.y, self.bad = X, y, bad

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        if i == self.bad:
            raise RuntimeError(f"storage went away at sample {i}")
        return torch.from_numpy(self.X[i]), int(self.y[i])


def test_resume_after_an_interrupted_job(tmp_path, data, reference):
    X, y = data
    path = tmp_path / "i.zarr"
    with pytest.raises(RuntimeError, match="storage went away at sample 17"):
        xw.explain_dataset(make_model(), Flaky(X, y, bad=17), path, client="serial",
                           on_error="raise", retries=0, **JOB)
    run = xw.open_run(path)
    np.testing.assert_array_equal(run.done, [True, True, False])
    assert not run.complete
    assert np.isnan(run.attributions.attributions["Saliency"][2 * S:]).all()
    report = xw.explain_dataset(make_model(), Flaky(X, y), path, client="serial", resume=True,
                                **JOB)
    assert (report.skipped, report.computed, report.done) == (2, 1, 1)
    assert_same_store(reference, path)  # items (x, y) give the same store as arrays + y=


def test_resume_refuses_another_model_dataset_or_config(tmp_path, data, reference):
    X, y = data
    path = tmp_path / "f.zarr"
    xw.explain_dataset(make_model(), X, path, y=y, client="serial", **JOB)
    with pytest.raises(FingerprintMismatch, match=r"model's parameters.*overwrite=True"):
        xw.explain_dataset(make_model(seed=1), X, path, y=y, client="serial", resume=True,
                           **JOB)
    other = X.copy()
    other[-1] += 1
    with pytest.raises(FingerprintMismatch, match="the dataset"):
        xw.explain_dataset(make_model(), other, path, y=y, client="serial", resume=True, **JOB)
    with pytest.raises(FingerprintMismatch, match="configuration"):
        xw.explain_dataset(make_model(), X, path, y=y, client="serial", resume=True,
                           **{**JOB, "metrics": ["deletion_auc"]})
    with pytest.raises(FileExistsError, match=r"resume=True.*overwrite=True"):
        xw.explain_dataset(make_model(), X, path, y=y, client="serial", **JOB)
    report = xw.explain_dataset(make_model(seed=1), X, path, y=y, client="serial",
                                overwrite=True, **JOB)
    assert report.done == 3
    assert xw.open_run(path).fingerprints["model"] == model_digest(make_model(seed=1))


def test_a_second_job_is_refused_while_the_lock_is_fresh(tmp_path, data, monkeypatch):
    X, y = data
    path = tmp_path / "l.zarr"
    monkeypatch.setenv("XAI_TEST_SHARD_SLEEP", "0.5")
    first: dict = {}
    job = threading.Thread(target=lambda: first.update(report=xw.explain_dataset(
        make_model(), X, path, y=y, client="serial", **JOB)))
    job.start()
    try:
        for _ in range(200):
            if (Path(path) / "_job" / "zarr.json").exists():
                break
            time.sleep(0.05)
        with pytest.raises(StoreLocked, match="is running on this store"):
            xw.explain_dataset(make_model(), X, path, y=y, client="serial", resume=True, **JOB)
    finally:
        job.join()
    assert first["report"].done == 3
    assert "_job" not in zarr.open_group(path, mode="r")  # released
    # a lock left by a dead process (this host) or with an old heartbeat is stale
    root = zarr.open_group(path, mode="r+")
    root.create_group("_job", overwrite=True, attributes={
        "job_id": "x", "heartbeat": time.time(), "pid": 2**22 + 7, "host": os.uname().nodename})
    assert st.lock_holder(root) is None
    root["_job"].attrs.update({"pid": os.getpid(), "heartbeat": time.time() - 1e4})
    assert st.lock_holder(root) is None
    root["_job"].attrs.update({"heartbeat": time.time()})
    assert st.lock_holder(root)["job_id"] == "x"


def test_resuming_a_store_whose_job_is_still_creating_it_is_refused_by_the_lock(tmp_path, data):
    """The window the test above can only hit by chance: the running job has written the run's
    attributes and its lock but not yet every array. The lock refuses the second job before the
    half-made layout is read (it failed with a KeyError from Zarr before)."""
    X, y = data
    path = tmp_path / "half.zarr"
    xw.explain_dataset(make_model(), X, path, y=y, client="serial", **JOB)
    root = zarr.open_group(path, mode="r+")
    del root["features/values/pen"]  # not created yet
    root.create_group("_job", attributes={"job_id": "first", "heartbeat": time.time(),
                                          "pid": os.getpid(), "host": os.uname().nodename})
    with pytest.raises(StoreLocked, match=r"job first .* is running on this store"):
        xw.explain_dataset(make_model(), X, path, y=y, client="serial", resume=True, **JOB)
    assert zarr.open_group(path, mode="r")["_job"].attrs["job_id"] == "first"  # untouched


class FailingCNN(MnistCNN):
    """Raises on any batch holding a marked sample (pixel 0 above 100) while ``armed``."""

    armed = True

    def forward(self, x):
        if self.armed and (x[:, 0, 0, 0] > 100).any():
            raise ValueError("bad sample in the batch")
        return super().forward(x)


def failing_model() -> nn.Module:
    model = FailingCNN()
    model.load_state_dict(make_model().state_dict())
    return model.eval()


@pytest.mark.parametrize("where", ["serial", "cluster"])
def test_on_error_record_keeps_the_rest(tmp_path, data, reference, client, where):
    X, y = data
    X = X.copy()
    X[[5, 13], 0, 0, 0] = 999.0
    report = xw.explain_dataset(failing_model(), X, tmp_path / "e.zarr", y=y, retries=1,
                                client="serial" if where == "serial" else client, **JOB)
    assert (report.done, report.failed, report.failed_samples) == (3, 0, 2)
    assert report.retried == 2  # shards 0 and 1 raised once before their last attempt
    assert [(e["shard"], e["samples"]) for e in report.errors] == [(0, [5]), (1, [13])]
    assert "bad sample in the batch" in report.errors[0]["error"]
    assert not report.complete
    run = xw.open_run(tmp_path / "e.zarr")
    sal = run.attributions.attributions["Saliency"][...]
    assert np.isnan(sal[[5, 13]]).all() and np.isfinite(np.delete(sal, [5, 13], 0)).all()
    np.testing.assert_array_equal(run.attributions.y_pred[[5, 13, 6]][:2], [-1, -1])
    assert run.done.all() and not run.complete
    np.testing.assert_array_equal(run.attempts, [2, 2, 1])
    # the shard without a failing sample equals the reference
    ref = arrays(reference)
    got = arrays(tmp_path / "e.zarr")
    for k in ref:
        if not k.startswith("_") and ref[k].shape[:1] == (N,):
            assert ref[k][2 * S:].tobytes() == got[k][2 * S:].tobytes(), k


@pytest.mark.parametrize("where", ["serial", "cluster"])
def test_on_error_raise_stops_the_job(tmp_path, data, client, where):
    X, y = data
    X = X.copy()
    X[13, 0, 0, 0] = 999.0
    with pytest.raises(ValueError, match="bad sample in the batch"):
        xw.explain_dataset(failing_model(), X, tmp_path / "x.zarr", y=y, on_error="raise",
                           retries=1, client="serial" if where == "serial" else client, **JOB)
    run = xw.open_run(tmp_path / "x.zarr")
    assert not run.done[1] and run.attempts[1] == 2  # tried, retried once, never marked
    if where == "serial":  # in order: shard 2 never started
        np.testing.assert_array_equal(run.done, [True, False, False])
        np.testing.assert_array_equal(run.attempts, [1, 2, 0])
    assert "_job" not in zarr.open_group(tmp_path / "x.zarr", mode="r")
    assert not run.errors  # "raise" records nothing: the error is the caller's


def test_bad_arguments_are_named(tmp_path, data):
    X, y = data
    model = make_model()
    p = tmp_path / "b.zarr"
    cases = [
        ({"shard_size": 0}, ValueError, "shard_size"),
        ({"client": "threads"}, TypeError, "argument 'client'.*'serial'"),
        ({"client": 3}, TypeError, "argument 'client'"),
        ({"on_error": "ignore"}, ValueError, "argument 'on_error'.*'record' or 'raise'"),
        ({"retries": -1}, ValueError, "retries"),
        ({"resume": True, "overwrite": True}, ValueError, "choose one"),
        ({"methods": [object()]}, TypeError, "argument 'methods': a dataset job takes method"),
        ({"methods": ["saliency"], "metrics": ["nope"]}, ValueError, "unknown metrics"),
        ({"target": "best"}, ValueError, "argument 'target'"),
        ({"target": "label", "y": None}, ValueError, "'label' needs true labels"),
        ({"methods": None, "features": None}, ValueError, "nothing to compute"),
        ({"steps": [FeatureStep("fc1"), FeatureStep("fc2")]}, ValueError, "must be unique"),
        ({"steps": ["fc1"]}, TypeError, "argument 'steps'"),
        ({"features": {"x": "nope"}}, ValueError, "nope"),
        ({"y": y[:3]}, ValueError, "argument 'y'"),
    ]
    for kwargs, exc, match in cases:
        args = {"methods": ["saliency"], "metrics": [], "client": "serial", "progress": False,
                "y": y, **kwargs}
        with pytest.raises(exc, match=match):
            xw.explain_dataset(model, X, p, **args)
    with pytest.raises(TypeError, match="argument 'store'"):
        xw.explain_dataset(model, X, 3, client="serial")
    with pytest.raises(ValueError, match="argument 'store': a memory store"):
        xw.explain_dataset(model, X, zarr.storage.MemoryStore(), methods=["saliency"])
    with pytest.raises(TypeError, match="argument 'dataset'"):
        xw.explain_dataset(model, 5, p, client="serial")
    with pytest.raises(ValueError, match="argument 'dataset': the dataset is empty"):
        xw.explain_dataset(model, X[:0], p, client="serial")
    assert not p.exists()  # nothing was written by a refused call
    precious = tmp_path / "mine"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    for kwargs in ({}, {"overwrite": True}):
        with pytest.raises(FileExistsError, match="is not a Zarr store; refusing"):
            xw.explain_dataset(model, X, precious, client="serial", methods=["saliency"],
                               progress=False, **kwargs)
    assert (precious / "notes.txt").read_text() == "keep me"
    with pytest.raises(FileNotFoundError, match="no run"):
        xw.open_run(tmp_path / "none.zarr")


def test_a_layout_where_two_tasks_share_an_object_is_refused(reference):
    root = zarr.open_group(reference, mode="r")
    steps = root.attrs["steps"]
    st.check_layout(root, steps, S)
    with pytest.raises(ValueError, match=r"two tasks would write one object.*3514"):
        st.check_layout(root, steps, S // 2)


def test_sources_read_the_same_rows(data):
    X, y = data
    ds = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    dask_array = pytest.importorskip("dask.array")
    z = zarr.create_array(zarr.storage.MemoryStore(), shape=X.shape, dtype=X.dtype,
                          chunks=(5, 1, 28, 28))
    z[...] = X
    sources = [as_source(X, y), as_source(torch.from_numpy(X), y), as_source(ds),
               as_source(z, y), as_source(dask_array.from_array(X, chunks=7), y)]
    for src in sources:
        xs, ys = src.rows(3, 11)
        np.testing.assert_array_equal(xs, X[3:11])
        np.testing.assert_array_equal(ys, y[3:11])
    fps = [s.fingerprint() for s in sources]
    assert all(f == fps[0] for f in fps) and fps[0]["n"] == N
    assert as_source(X[:-1], y[:-1]).fingerprint() != fps[0]
    assert as_source(X).rows(0, 2)[1] is None


def test_rows_of_a_kilobyte_or_more_are_one_inner_chunk_each_smaller_rows_one_chunk_a_shard(
        reference):
    """Heatmaps and inputs are read one sample at a time; curves and activations (tens of
    bytes a row) are written and read a shard at a time, each task still one object."""
    root = zarr.open_group(str(reference), mode="r")
    heat = root["attributions/attributions/Saliency"]
    curve = root["attributions/deletion_curves/Saliency"]
    pen = root["features/values/pen"]
    assert heat.dtype.itemsize * np.prod(heat.shape[1:]) >= st.SAMPLE_CHUNK_BYTES
    assert heat.shards == (S, *heat.shape[1:]) and heat.chunks == (1, *heat.shape[1:])
    for small in (curve, pen):
        assert small.dtype.itemsize * np.prod(small.shape[1:]) < st.SAMPLE_CHUNK_BYTES
        assert small.shards is None and small.chunks == (S, *small.shape[1:])
    # the small rows read back as written: the whole curve of sample 4, sample 4's activations
    run = xw.open_run(reference)
    np.testing.assert_array_equal(np.asarray(run.attributions.deletion_curves["Saliency"][4]),
                                  np.asarray(curve[4]))
    assert np.isfinite(np.asarray(pen)).all()


def test_open_run_reads_one_sample_not_its_shard(reference):
    from zarr.storage import LocalStore, WrapperStore

    from xaiwidgets.widgets import ComparisonView

    class Counting(WrapperStore):
        def __init__(self, store):
            super().__init__(store)
            self.reads: list[tuple[str, object]] = []

        async def get(self, key, prototype, byte_range=None):
            self.reads.append((key, byte_range))
            return await self._store.get(key, prototype, byte_range)

        async def get_partial_values(self, prototype, key_ranges):
            key_ranges = list(key_ranges)
            self.reads.extend(key_ranges)
            return await self._store.get_partial_values(prototype, key_ranges)

    store = Counting(LocalStore(reference, read_only=True))
    run = xw.open_run(store)
    store.reads.clear()
    i = 11  # shard 1
    view = ComparisonView(run.attributions[i])
    assert view is not None
    keys = {k for k, _ in store.reads}
    assert keys, "nothing was read"
    heat = "attributions/attributions/Saliency/c/"
    heat_reads = [(k, r) for k, r in store.reads if k.startswith(heat)]
    assert heat_reads and all(k == heat + "1/0/0/0" for k, _ in heat_reads)  # shard 1 only
    assert all(r is not None for _, r in heat_reads)  # byte ranges, never the whole shard
    rows = {f"{step}/{a}" for step, d in run.attrs["steps"].items()
            for a, spec in d["arrays"].items() if spec["row"]}
    for k, _ in store.reads:
        # every row chunk read belongs to shard 1 (1-D columns: its one chunk of S values);
        # dataset-level arrays (the curves' x axis) are small metadata
        if "/c/" in k and k.split("/c/")[0] in rows:
            assert k.split("/c/")[1].split("/")[0] == "1", k
    shard_bytes = (Path(reference) / heat / "1/0/0/0").stat().st_size
    read = 0
    for _, r in heat_reads:
        if hasattr(r, "start"):
            read += r.end - r.start
        elif hasattr(r, "suffix"):
            read += r.suffix
    assert read < shard_bytes / 2


def test_default_client_is_a_local_cluster_started_and_closed_by_the_call(tmp_path, data,
                                                                          reference):
    psutil = pytest.importorskip("psutil")
    X, y = data
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    records: list[logging.LogRecord] = []
    catch = logging.Handler(logging.WARNING)
    catch.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("distributed").addHandler(catch)  # its loggers do not reach caplog's
    try:
        report = xw.explain_dataset(make_model(), X, tmp_path / "d.zarr", y=y, **JOB)
    finally:
        logging.getLogger("distributed").removeHandler(catch)
    # a passing run logs nothing that looks like an error (e.g. workers killed at close)
    assert not records, [f"{r.name} {r.levelname}: {r.getMessage()}" for r in records]
    assert report.done == 3 and report.complete
    assert_same_store(reference, tmp_path / "d.zarr", skip=())
    # Only processes this call started count: new ones whose line up to this process is all
    # new (a browser another test of this worker opened may start a helper process meanwhile).
    # Multiprocessing's resource tracker, started with the first worker, serves this process
    # until it exits: it is not a worker.
    def started_here(p) -> bool:
        try:
            line = [q.pid for q in p.parents()]
            return (p.pid not in before and p.is_running() and p.status() != psutil.STATUS_ZOMBIE
                    and not any(q in before for q in line[:line.index(me.pid)])
                    and "multiprocessing.resource_tracker" not in " ".join(p.cmdline()))
        except (psutil.NoSuchProcess, ValueError):
            return False

    left = [p for p in me.children(recursive=True) if started_here(p)]
    assert not left, f"worker processes left running: {[(p, p.cmdline()) for p in left]}"


def test_a_memory_store_in_process_with_label_targets(data):
    X, y = data
    store = zarr.storage.MemoryStore()
    ds = torch.utils.data.TensorDataset(torch.from_numpy(X[:10]), torch.from_numpy(y[:10]))
    report = xw.explain_dataset(make_model(), ds, store, client="serial", target="label",
                                methods={"grad": "saliency"}, metrics=[], shard_size=4,
                                progress=False)
    assert (report.done, report.n_shards) == (3, 3)
    run = xw.open_run(store)
    assert len(run) == 10 and run.attributions.methods == ["grad"]
    np.testing.assert_array_equal(run.attributions.target[...], y[:10])
    np.testing.assert_array_equal(run.attributions.y_true[...], y[:10])
    assert run.attributions.attributions["grad"].shape == (10, 1, 28, 28)
    assert run.report["done"] == 3 and "features" not in run.results


def test_resume_recomputes_shards_with_failing_samples(tmp_path, data, monkeypatch):
    X, y = data
    X = X.copy()
    X[13, 0, 0, 0] = 999.0
    path = tmp_path / "t.zarr"
    first = xw.explain_dataset(failing_model(), X, path, y=y, client="serial", retries=0, **JOB)
    assert (first.done, first.failed_samples) == (3, 1)
    assert np.isnan(xw.open_run(path).attributions.prob[13])
    # a transient failure: the same weights (same fingerprint) now compute every sample
    monkeypatch.setattr(FailingCNN, "armed", False)
    report = xw.explain_dataset(failing_model(), X, path, y=y, client="serial", resume=True,
                                **JOB)
    assert (report.skipped, report.done, report.computed, report.errors) == (2, 1, 1, [])
    run = xw.open_run(path)
    assert run.complete and np.isfinite(run.attributions.prob[...]).all()
    np.testing.assert_array_equal(run.attempts, [1, 2, 1])


@pytest.mark.usefixtures("one_torch_thread")
def test_integrated_gradients_n_steps_is_an_option_of_the_call_and_of_the_step(data):
    from captum.attr import IntegratedGradients

    from xaiwidgets.runs import AttributionStep

    X, _ = data
    model = make_model()
    x = torch.from_numpy(X[:4])
    kw = {"metrics": [], "progress": False, "seed": 0}
    default = xw.compare_attributions(model, x, methods=["integrated_gradients"], **kw)
    fifty = xw.compare_attributions(model, x, methods=["integrated_gradients"],
                                    method_options={"integrated_gradients": {"n_steps": 50}},
                                    **kw)
    np.testing.assert_array_equal(default.attributions["Integrated Gradients"],
                                  fifty.attributions["Integrated Gradients"])
    # a label keys one entry only: the other Integrated Gradients keeps its 50 steps
    two = xw.compare_attributions(model, x, methods={"IG 4": "integrated_gradients",
                                                     "IG": "integrated_gradients"},
                                  method_options={"IG 4": {"n_steps": 4}}, **kw)
    pred = model(x).argmax(1)
    want = IntegratedGradients(model).attribute(x, baselines=torch.zeros_like(x), target=pred,
                                                n_steps=4).detach().numpy()
    np.testing.assert_allclose(two.attributions["IG 4"], want, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(two.attributions["IG"],
                                  default.attributions["Integrated Gradients"])
    assert not np.allclose(two.attributions["IG 4"], two.attributions["IG"])
    # a dataset job passes them in the step's options; they enter its config (resume checks it)
    step = AttributionStep(["integrated_gradients"], [], options={
        "method_options": {"integrated_gradients": {"n_steps": 4}}})
    got = step.compute(model, X[:4], None, seed=0)
    np.testing.assert_array_equal(got.attributions["Integrated Gradients"],
                                  xw.compare_attributions(
                                      model, x, methods=["integrated_gradients"],
                                      method_options={"integrated_gradients": {"n_steps": 4}},
                                      **kw).attributions["Integrated Gradients"])
    assert "n_steps" in str(step.config()["options"])
    # bad options are named
    with pytest.raises(ValueError, match=r"method_options.*'occlusion' is not a named method"):
        xw.compare_attributions(model, x, methods=["saliency"],
                                method_options={"occlusion": {"n_steps": 4}}, **kw)
    with pytest.raises(ValueError, match=r"'saliency' takes no option \['n_steps'\]"):
        xw.compare_attributions(model, x, methods=["saliency"],
                                method_options={"saliency": {"n_steps": 4}}, **kw)
    with pytest.raises(ValueError, match=r"n_steps.*>= 1"):
        xw.compare_attributions(model, x, methods=["integrated_gradients"],
                                method_options={"integrated_gradients": {"n_steps": 0}}, **kw)
    with pytest.raises(TypeError, match="method_options"):
        xw.compare_attributions(model, x, methods=["integrated_gradients"],
                                method_options=[("integrated_gradients", 4)], **kw)


# -- what a worker imports ----------------------------------------------------------------

#: modules a worker running attributions, metrics and activations does not need
NOT_ON_WORKERS = ("xaiwidgets.widgets", "ipywidgets", "anywidget", "pandas", "scipy", "sklearn",
                  "xaiwidgets.concepts", "xaiwidgets.meme", "xaiwidgets.redescriptions")


def test_a_worker_imports_neither_the_widgets_nor_pandas():
    """A fresh interpreter unpickling a job's task imports ``xaiwidgets.runs.job`` (the task
    function's module), then runs the steps: none of it may pull in the widgets' stack."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "import xaiwidgets.runs.job\n"
        "from xaiwidgets.runs.steps import AttributionStep, FeatureStep\n"
        "from xaiwidgets.examples import MnistCNN\n"
        f"after_import = [m for m in {NOT_ON_WORKERS!r} if m in sys.modules]\n"
        "m = MnistCNN().eval()\n"
        "X = np.random.default_rng(0).normal(size=(2, 1, 28, 28)).astype(np.float32)\n"
        "r = AttributionStep(['integrated_gradients', 'saliency'], ['deletion_auc', "
        "'infidelity'], options={'method_options': {'integrated_gradients': "
        "{'n_steps': 2}}}).compute(m, X, None, 0)\n"
        "FeatureStep('fc1').compute(m, X, None, 0)\n"
        f"after_compute = [m for m in {NOT_ON_WORKERS!r} if m in sys.modules]\n"
        "print(after_import, after_compute, r.metrics['Saliency']['deletion_auc'].shape)\n")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True, cwd=Path(__file__).parent)
    assert out.stdout.strip() == "[] [] (2,)", out.stdout + out.stderr


def test_the_package_imports_its_names_on_first_use():
    import ast
    import subprocess
    import sys

    # the TYPE_CHECKING imports (for type checkers) and the run-time table name the same homes
    tree = ast.parse((Path(xw.__file__)).read_text())
    checked = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom)
                for a in imp.names:
                    checked[a.asname or a.name] = ("." * imp.level + (imp.module or ""), a.name)
    assert checked == xw._HOME
    assert set(xw.__all__) == set(xw._HOME) | {"__version__"}
    for name in xw.__all__:  # every public name resolves, and tab completion lists it
        assert getattr(xw, name) is not None and name in dir(xw)
    assert xw.ComparisonView.__module__.startswith("xaiwidgets.widgets")
    assert {"runs", "metrics", "widgets"} <= set(dir(xw))
    assert xw.metrics.infidelity is xw.infidelity
    # a plain `import xaiwidgets` imports no method and no widget
    code = ("import sys, xaiwidgets\n"
            "print(sorted(m for m in sys.modules if m.startswith('xaiwidgets')), "
            "'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent)
    assert out.stdout.strip() == "['xaiwidgets', 'xaiwidgets._version'] False", out.stdout


def test_done_shards_is_one_listing_at_ten_thousand_shards(tmp_path):
    """Resume and ``run.done`` read the markers of 10^4 shards with one store listing and no
    chunk read (nothing is computed: the layout's marker array alone)."""
    from zarr.storage import LocalStore, WrapperStore

    class Counting(WrapperStore):
        def __init__(self, store):
            super().__init__(store)
            self.gets: list[str] = []
            self.listings: list[str] = []

        async def get(self, key, prototype, byte_range=None):
            self.gets.append(key)
            return await self._store.get(key, prototype, byte_range)

        def list_prefix(self, prefix):
            self.listings.append(prefix)
            return self._store.list_prefix(prefix)

    n = 10_000
    root = zarr.open_group(tmp_path / "m.zarr", mode="w")
    root.create_array("_progress", shape=(n,), dtype="uint8", chunks=(1,), fill_value=0,
                      config={"write_empty_chunks": False})
    done = np.random.default_rng(0).random(n) < 0.3
    for k in np.flatnonzero(done)[:500]:  # a sample of markers, and one shard redone
        root["_progress"][k:k + 1] = 1
    root["_progress"][7:8] = 1
    root["_progress"][7:8] = 0  # what a task does to a shard it recomputes
    want = np.zeros(n, dtype=bool)
    want[np.flatnonzero(done)[:500]] = True
    want[7] = False
    store = Counting(LocalStore(tmp_path / "m.zarr", read_only=True))
    opened = zarr.open_group(store, mode="r")
    progress = opened["_progress"]  # its metadata read here, not counted below
    assert progress.shape == (n,)
    store.gets.clear()
    got = st.done_shards(opened)
    np.testing.assert_array_equal(got, want)
    # one listing; no chunk read (the array's metadata, zarr.json, is read when it is opened)
    assert store.listings == ["_progress/"]
    assert [k for k in store.gets if not k.endswith("zarr.json")] == []


def test_a_run_stores_the_weights_and_loads_them_into_the_users_architecture(reference):
    run = xw.open_run(reference)
    record = run.attrs["model"]
    assert record["key"] == st.MODEL_KEY and record["class"].endswith("MnistCNN")
    fresh = make_model(seed=5)  # another initialisation of the same architecture
    assert model_digest(fresh) != run.fingerprints["model"]
    assert run.load_model(fresh) is fresh
    assert model_digest(fresh) == run.fingerprints["model"] == model_digest(make_model())
    # another architecture is refused, naming the argument
    with pytest.raises(ValueError, match="argument 'module': its architecture"):
        run.load_model(nn.Linear(3, 2))
    with pytest.raises(TypeError, match="argument 'module'"):
        run.load_model("MnistCNN")


def test_a_changed_model_file_is_refused_before_loading(tmp_path, data):
    X, y = data
    path = tmp_path / "m.zarr"
    xw.explain_dataset(make_model(), X[:S], path, y=y[:S], client="serial", **JOB)
    root = zarr.open_group(path, mode="r+")
    body = root[st.MODEL_KEY][:]
    body[-10] ^= 0xFF
    root[st.MODEL_KEY][:] = body
    with pytest.raises(ValueError, match="does not match its recorded sha256"):
        xw.open_run(path).load_model(make_model(seed=5))
