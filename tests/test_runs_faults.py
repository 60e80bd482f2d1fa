"""Real faults in dataset jobs (issue 23): killed workers, a killed or hung kernel, and a dataset
larger than the workers' memory, on real processes.

The cluster is a scheduler and two workers started as separate processes with the ``dask`` CLI
(``python -m distributed.cli.dask_scheduler`` / ``dask_worker``: one thread each, a 600 MiB memory
limit without pausing, no dashboard, the scheduler on a free port found through its scheduler
file), each in its own process group, killed whole at the end of the module. The workers run
under their nannies, so a worker killed with SIGKILL is restarted by its nanny (under a new
address and pid). One test needs a scheduler setting (``allowed-failures=0``) and starts a
``LocalCluster`` of its own.

The kernel is killed for real too: the job runs in a ``python -c`` subprocess with its own
``LocalCluster``, is SIGKILLed after some shards are complete, and the test process resumes it.
``XAI_TEST_SHARD_SLEEP`` (the engine's test hook) makes every shard last long enough for a kill
to land inside it.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cloudpickle
import numpy as np
import pytest
import torch
from torch import nn

zarr = pytest.importorskip("zarr")
distributed = pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")

import xaiwidgets as xw  # noqa: E402
from xaiwidgets.datasets import Procedural  # noqa: E402
from xaiwidgets.examples import MnistCNN  # noqa: E402
from xaiwidgets.runs import FingerprintMismatch, StoreLocked  # noqa: E402
from xaiwidgets.runs import store as st  # noqa: E402
from xaiwidgets.runs.job import SLEEP_ENV  # noqa: E402

#: The checkout whose xaiwidgets the subprocesses must import (not another installed copy).
REPO = Path(xw.__file__).resolve().parents[1]
ENV = {**os.environ, "OMP_NUM_THREADS": "1",
       "PYTHONPATH": os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
#: Per worker: the lowest limit that works. The issue asks for 350 MiB, which a torch worker
#: cannot meet: dask's nanny measures the worker process's RSS, and a worker that has imported
#: what a job needs (distributed, torch, captum, zarr, xaiwidgets.runs: 285 MiB measured, of which
#: torch ~181 MiB, captum with the matplotlib it imports ~36 MiB) grows by ~21 MiB on its first
#: shard (lazy imports, autograd) and peaks ~55 MiB over its import floor during a 128-sample
#: shard of this test with batches of 32. Dask restarts a worker at 95 % of its limit (332 MiB
#: of 350). Smaller shards and batches (64 samples, batches of 8: ~33 MiB over the floor in one
#: process) and returning the heap after every shard (the engine does this on a worker without
#: 512 MiB of headroom, runs.job.TUNE_HEADROOM) still left 350 MiB failing: ~53 restarts per
#: worker in one run. Earlier: at 400 MiB one worker of this test was restarted once; 450 MiB
#: (restart at 427) held on an idle machine, but in a full CI run (two xdist workers beside the
#: cluster) both workers passed 427 MiB of RSS and were restarted: 600 MiB leaves that headroom,
#: and the dataset is still 1.6x it. 450 MiB passed once on a loaded machine (workers resting
#: at 340 MiB), not tried in CI. A worker whose malloc is tuned for speed (runs.job.
#: MMAP_THRESHOLD) rests at ~421 MiB after this test: 600 MiB is under TUNE_HEADROOM, so these
#: workers keep the nanny's setting and return their heap after every shard.
#: Pausing is off (WORKER_ENV): a shard holds no dask data to spill, so a worker paused at 80 %
#: (320 MiB, under its floor after a few shards) would never resume. docs/runs.md has the numbers.
MEMORY_LIMIT = "600MiB"
WORKER_ENV = {**ENV, "DASK_DISTRIBUTED__WORKER__MEMORY__PAUSE": "False"}
MIB = 2**20

N, S = 48, 8  # 6 shards
JOB = {"methods": ["saliency", "integrated_gradients"], "metrics": ["deletion_auc"],
       "shard_size": S, "progress": False}
N_SHARDS = N // S
#: Seconds every shard sleeps (inside its computation, after its attempt is counted) in the
#: fault tests: a kill lands inside a shard, never between two.
SLEEP = "1.0"


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


# -- the CLI cluster ----------------------------------------------------------------------

@dataclass
class CliCluster:
    client: distributed.Client
    procs: list[subprocess.Popen]
    logs: Path


def _start(args: list[str], log: Path, cwd: Path, env: dict[str, str] = ENV) -> subprocess.Popen:
    with open(log, "wb") as out:
        # a process group of its own: the nanny's worker process shares it, so one killpg
        # takes down both
        return subprocess.Popen([sys.executable, "-m", *args], env=env, cwd=cwd, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _kill_groups(procs: list[subprocess.Popen]) -> None:
    groups = [p.pid for p in procs]  # start_new_session: each pid is its group's id
    for pgid in groups:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    for p in procs:
        p.wait(timeout=60)

    def members() -> list[int]:
        out = []
        for proc in psutil.process_iter(["pid", "status"]):
            with contextlib.suppress(ProcessLookupError, psutil.Error):
                if (os.getpgid(proc.pid) in groups
                        and proc.info["status"] != psutil.STATUS_ZOMBIE):
                    out.append(proc.pid)
        return out

    wait_until(lambda: not members(), "the cluster's processes to be gone", timeout=30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[CliCluster]:
    home = tmp_path_factory.mktemp("dask-cli")
    scheduler_file = home / "scheduler.json"
    procs: list[subprocess.Popen] = []
    client = None
    try:
        procs.append(_start(["distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                             "--port", "0", "--no-dashboard",
                             "--scheduler-file", str(scheduler_file)],
                            home / "scheduler.log", home))
        wait_until(scheduler_file.exists, "the scheduler file", timeout=60)
        for i in range(2):
            procs.append(_start(["distributed.cli.dask_worker", "--scheduler-file",
                                 str(scheduler_file), "--nthreads", "1", "--memory-limit",
                                 MEMORY_LIMIT, "--no-dashboard", "--name", f"w{i}",
                                 "--local-directory", str(home / f"w{i}"),
                                 # orphans end themselves if the scheduler is gone
                                 "--death-timeout", "60"],
                                home / f"worker{i}.log", home, WORKER_ENV))
        client = distributed.Client(scheduler_file=str(scheduler_file), timeout="60s")
        client.wait_for_workers(2, timeout=120)
        # this module's functions travel by value: workers cannot import a test file
        cloudpickle.register_pickle_by_value(sys.modules[__name__])
        yield CliCluster(client, procs, home)
    finally:
        with contextlib.suppress(ValueError):
            cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
        if client is not None:
            client.close()
        _kill_groups(procs)


def worker_pids(client) -> dict[str, int]:
    return client.run(os.getpid)


# -- data, model, reference ---------------------------------------------------------------

def make_model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return MnistCNN().eval()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, size=N)
    home = tmp_path_factory.mktemp("data")
    np.savez(home / "data.npz", X=X, y=y)
    torch.save(make_model().state_dict(), home / "model.pt")
    return X, y, home


@pytest.fixture(scope="module")
def reference(tmp_path_factory, data):
    """The serial run every store of this module must equal."""
    X, y, _ = data
    path = tmp_path_factory.mktemp("ref") / "ref.zarr"
    report = xw.explain_dataset(make_model(), X, path, y=y, client="serial", **JOB)
    assert report.done == N_SHARDS and report.complete
    return path


def arrays(path) -> dict[str, np.ndarray]:
    root = zarr.open_group(path, mode="r")
    return {k: v[...] for k, v in root.members(max_depth=None) if isinstance(v, zarr.Array)}


def assert_same_store(a, b) -> None:
    """Every array byte for byte, except the attempt counts (they record the faults)."""
    x, y = arrays(a), arrays(b)
    assert sorted(x) == sorted(y)
    for k in x:
        if k == "_attempts":
            continue
        assert x[k].dtype == y[k].dtype, k
        assert x[k].tobytes() == y[k].tobytes(), f"array {k} differs"


def progress(path) -> tuple[np.ndarray, np.ndarray]:
    """(markers, attempts) of a store being written: a read racing a write counts as nothing
    yet."""
    try:
        root = zarr.open_group(path, mode="r")
        return st.done_shards(root), st.attempts(root)
    except Exception:
        return np.zeros(N_SHARDS, bool), np.zeros(N_SHARDS, np.int64)


def in_flight(path) -> int:
    done, tries = progress(path)
    return int(((tries > 0) & ~done).sum())


# -- 2. a worker killed mid-job ------------------------------------------------------------

def test_workers_killed_mid_job_cost_only_their_shards(tmp_path, data, reference, cluster,
                                                       monkeypatch):
    """SIGKILL of BOTH workers, each inside a shard: the nannies restart them, the two shards
    are retried, nothing else is lost. Every value the shards share (model bytes, source,
    steps) died with the workers too: it must be recomputable (a task), not scattered data,
    which has no lineage and would cancel every shard left."""
    X, y, _ = data
    client = cluster.client
    client.wait_for_workers(2, timeout=120)
    before = worker_pids(client)
    assert len(before) == 2
    monkeypatch.setenv(SLEEP_ENV, SLEEP)
    path = tmp_path / "killed-worker.zarr"
    out: dict = {}

    def job() -> None:
        try:
            out["report"] = xw.explain_dataset(make_model(), X, path, y=y, client=client, **JOB)
        except BaseException as err:  # surfaced below, in the test's thread
            out["error"] = err

    thread = threading.Thread(target=job)
    thread.start()
    # two shards complete and both workers inside a shard (attempt counted, no marker yet):
    # the killed worker certainly dies with a shard in its hands
    wait_until(lambda: progress(path)[0].sum() >= 2 and in_flight(path) == 2,
               "two markers with both workers inside a shard")
    for pid in before.values():
        os.kill(pid, signal.SIGKILL)
    thread.join(timeout=300)
    assert not thread.is_alive(), "the job did not end after a worker was killed"
    assert "error" not in out, out.get("error")
    report = out["report"]
    assert (report.done, report.failed, report.skipped) == (N_SHARDS, 0, 0)
    assert report.retried >= 2 and report.complete
    assert report.computed == N_SHARDS + report.retried
    tries = st.attempts(zarr.open_group(path, mode="r"))
    assert tries.sum() == report.computed and (tries >= 1).all()
    assert_same_store(reference, path)
    # the nannies restarted both: new processes under new addresses
    client.wait_for_workers(2, timeout=120)
    after = worker_pids(client)
    for victim in before.values():
        assert not psutil.pid_exists(victim) or psutil.Process(victim).status() == "zombie"
    assert not set(after) & set(before) and not set(after.values()) & set(before.values())


@pytest.mark.slow
def test_a_killed_worker_without_retries_leaves_its_shard_to_resume(tmp_path, data, reference,
                                                                      monkeypatch):
    """Dask's ``allowed-failures=0``: the killed worker's shards fail (``KilledWorker``) and are
    recorded in ``_errors/`` while the others complete; ``resume=True`` computes exactly those.
    The scheduler reads the setting when it starts: a ``LocalCluster`` of its own, in this
    process."""
    import dask

    X, y, _ = data
    monkeypatch.setenv(SLEEP_ENV, SLEEP)
    path = tmp_path / "no-retries.zarr"
    out: dict = {}
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     dashboard_address=":0",
                                     scheduler_kwargs={"dashboard": False}) as local, \
            distributed.Client(local) as client:
        victim = sorted(worker_pids(client).values())[0]

        def job() -> None:
            try:
                out["report"] = xw.explain_dataset(make_model(), X, path, y=y, client=client,
                                                   **JOB)
            except BaseException as err:
                out["error"] = err

        thread = threading.Thread(target=job)
        thread.start()
        wait_until(lambda: progress(path)[0].sum() >= 2 and in_flight(path) == 2,
                   "two markers with both workers inside a shard")
        os.kill(victim, signal.SIGKILL)
        thread.join(timeout=300)
        assert not thread.is_alive()
    assert "error" not in out, out.get("error")
    report = out["report"]
    assert report.failed >= 1 and report.done + report.failed == N_SHARDS
    assert not report.complete
    failed = sorted(int(e["shard"]) for e in report.errors)
    assert len(failed) == report.failed
    assert all("KilledWorker" in e["error"] for e in report.errors)
    done0, tries0 = progress(path)
    assert np.array_equal(np.flatnonzero(~done0), failed)
    run = xw.open_run(path)
    assert not run.complete
    resumed = xw.explain_dataset(make_model(), X, path, y=y, client="serial", resume=True,
                                 **JOB)
    assert (resumed.skipped, resumed.computed, resumed.done) == (
        N_SHARDS - len(failed), len(failed), len(failed))
    assert resumed.complete and resumed.errors == []
    np.testing.assert_array_equal(progress(path)[1] - tries0, (~done0).astype(np.int64))
    assert_same_store(reference, path)


# -- 3. the kernel killed (or hung) mid-job, then resumed -----------------------------------

KERNEL = """
import json, sys
import numpy as np, torch
import xaiwidgets as xw
from xaiwidgets.examples import MnistCNN
from xaiwidgets.runs import store as st

cfg = json.loads(sys.argv[1])
st.HEARTBEAT = cfg["heartbeat"]
d = np.load(cfg["data"])
model = MnistCNN()
model.load_state_dict(torch.load(cfg["weights"], weights_only=True))
model.eval()
client = "serial"
if cfg["cluster"]:
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=":0", scheduler_kwargs={"dashboard": False})
    client = Client(cluster)
xw.explain_dataset(model, d["X"], cfg["store"], y=d["y"], client=client, **cfg["job"])
print("the job ended", flush=True)
"""


def start_kernel(data, store: Path, *, cluster: bool, heartbeat: float = st.HEARTBEAT):
    _, _, home = data
    cfg = {"data": str(home / "data.npz"), "weights": str(home / "model.pt"),
           "store": str(store), "cluster": cluster, "heartbeat": heartbeat, "job": JOB}
    log = open(store.parent / f"{store.stem}.log", "wb")  # closed by the caller
    proc = subprocess.Popen([sys.executable, "-c", KERNEL, json.dumps(cfg)], cwd=home,
                            env={**ENV, SLEEP_ENV: SLEEP}, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    return proc, log


def wait_for_markers(proc, path: Path, k: int, log) -> None:
    def ready() -> bool:
        if proc.poll() is not None:
            log.flush()
            raise AssertionError(f"the job's process ended early ({proc.returncode}): "
                                 + Path(log.name).read_text()[-3000:])
        return bool(progress(path)[0].sum() >= k)
    wait_until(ready, f"{k} markers")


def test_a_killed_kernel_leaves_a_store_that_resume_completes(tmp_path, data, reference):
    X, y, _ = data
    path = tmp_path / "killed-kernel.zarr"
    proc, log = start_kernel(data, path, cluster=True)
    try:
        wait_for_markers(proc, path, 2, log)
        workers = psutil.Process(proc.pid).children(recursive=True)
        os.kill(proc.pid, signal.SIGKILL)  # the kernel only: its workers see their parent die
        proc.wait(timeout=60)
        _, alive = psutil.wait_procs(workers, timeout=60)
        assert not alive, f"worker processes outlived the killed kernel: {alive}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        log.close()
    done0, tries0 = progress(path)
    k = int(done0.sum())
    assert 2 <= k < N_SHARDS
    assert "the job ended" not in Path(log.name).read_text()
    root = zarr.open_group(path, mode="r")
    # unfinished shards hold fill values, and the dead job's lock is still there but stale
    # at once (its process on this host is gone): it blocks nothing
    sal = root["attributions/attributions/Saliency"]
    for j in np.flatnonzero(~done0):
        if tries0[j] == 0:
            assert np.isnan(sal[j * S:(j + 1) * S]).all()
    assert "_job" in root and root["_job"].attrs["pid"] == proc.pid
    assert st.lock_holder(root) is None
    # resuming with another model is refused and touches nothing
    with pytest.raises(FingerprintMismatch, match=r"model's parameters.*overwrite=True"):
        xw.explain_dataset(make_model(seed=1), X, path, y=y, client="serial", resume=True,
                           **JOB)
    done1, tries1 = progress(path)
    assert np.array_equal(done0, done1) and np.array_equal(tries0, tries1)
    report = xw.explain_dataset(make_model(), X, path, y=y, client="serial", resume=True, **JOB)
    # only the missing shards ran, once each
    assert (report.skipped, report.done, report.computed, report.retried) == (
        k, N_SHARDS - k, N_SHARDS - k, 0)
    done2, tries2 = progress(path)
    assert done2.all()
    np.testing.assert_array_equal(tries2 - tries0, (~done0).astype(np.int64))
    assert_same_store(reference, path)
    assert "_job" not in zarr.open_group(path, mode="r")


def test_a_hung_kernels_lock_expires_by_its_heartbeat(tmp_path, data, reference, monkeypatch):
    """A job whose process is alive but stopped (SIGSTOP: a hung kernel, or one on another host
    that the pid rule cannot see) holds its lock until its heartbeat is older than
    ``LOCK_TIMEOUT``; lowered here to seconds, with the job beating every 0.1 s."""
    X, y, _ = data
    path = tmp_path / "hung-kernel.zarr"
    proc, log = start_kernel(data, path, cluster=False, heartbeat=0.1)
    try:
        wait_for_markers(proc, path, 1, log)
        os.kill(proc.pid, signal.SIGSTOP)
        stopped = time.monotonic()
        root = zarr.open_group(path, mode="r")
        # fresh under the default timeout: the job looks alive and a second job is refused
        holder = st.lock_holder(root)
        assert holder is not None and holder["pid"] == proc.pid
        with pytest.raises(StoreLocked, match="is running on this store"):
            xw.explain_dataset(make_model(), X, path, y=y, client="serial", resume=True, **JOB)
        done0, tries0 = progress(path)
        # a stopped process cannot beat: once 1 s has passed, its heartbeat is at least that old
        time.sleep(max(0.0, 1.0 - (time.monotonic() - stopped)))
        monkeypatch.setattr(st, "LOCK_TIMEOUT", 0.5)
        assert psutil.Process(proc.pid).status() == psutil.STATUS_STOPPED
        assert st.lock_holder(root) is None
        # the resume takes the lock over while the hung job is still alive (stopped, it writes
        # nothing)
        report = xw.explain_dataset(make_model(), X, path, y=y, client="serial", resume=True,
                                    **JOB)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        log.close()
    k = int(done0.sum())
    assert 1 <= k < N_SHARDS
    assert (report.skipped, report.computed, report.retried) == (k, N_SHARDS - k, 0)
    np.testing.assert_array_equal(progress(path)[1] - tries0, (~done0).astype(np.int64))
    assert_same_store(reference, path)


# -- 4. a dataset larger than the workers' memory -------------------------------------------

class RssPeak:
    """The largest RSS of this process, sampled every 20 ms in a thread."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.peak = self.proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __enter__(self) -> RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)


def _worker_rss() -> int:
    import psutil as ps  # on the worker

    return int(ps.Process().memory_info().rss)


@pytest.mark.slow
def test_a_dataset_larger_than_the_workers_memory_streams_through(tmp_path, cluster):
    client = cluster.client
    client.wait_for_workers(2, timeout=120)
    ds = Procedural(n=20_000, shape=(3, 64, 64), seed=0)
    limit = 600 * MIB  # MEMORY_LIMIT
    nbytes = len(ds) * int(np.prod(ds.shape)) * 4
    # ~0.98 GB of float32 inputs read, as many bytes of saliency written
    assert 2 * nbytes > 2.5 * limit
    torch.manual_seed(0)
    # The test is about the bytes streamed, not the compute per sample: a model that pools
    # each 8 x 8 block and classifies the 192 means costs almost nothing per sample (with the
    # notebooks' CNN this test took 44 s on an idle machine, 23 s with this one). Untrained:
    # saliency is still exact.
    model = nn.Sequential(nn.AvgPool2d(8), nn.Flatten(), nn.Linear(3 * 8 * 8, 4)).eval()
    workers = set(client.scheduler_info()["workers"])
    pids = worker_pids(client)
    limits = {w["memory_limit"] for w in client.scheduler_info()["workers"].values()}
    assert limits == {limit}
    path = tmp_path / "big.zarr"
    gc.collect()
    with RssPeak() as rss:
        base = rss.proc.memory_info().rss
        # 128 samples a shard: a task holds a few copies of 6 MB of rows
        report = xw.explain_dataset(model, ds, path, methods=["saliency"], metrics=[],
                                    shard_size=128, client=client, progress=False)
    growth = rss.peak - base
    n_shards = -(-len(ds) // 128)
    assert (report.done, report.failed, report.retried, report.computed) == (
        n_shards, 0, 0, n_shards)
    assert report.complete and report.failed_samples == 0
    # no worker killed, paused to death or restarted: the same workers, the same processes
    assert set(client.scheduler_info()["workers"]) == workers
    assert worker_pids(client) == pids
    assert growth < 150 * MIB, f"the kernel grew by {growth / MIB:.0f} MiB"
    after = client.run(_worker_rss)
    assert all(r < limit for r in after.values()), {a: r / MIB for a, r in after.items()}
    # the rows are the dataset's and its saliency, spot-checked on the last shard
    run = xw.open_run(path)
    assert run.done.all()
    last = slice((n_shards - 1) * 128, len(ds))
    X_last, y_last = ds[last]
    got = run.attributions[last]
    np.testing.assert_array_equal(np.asarray(got.inputs), X_last)
    np.testing.assert_array_equal(np.asarray(got.y_true), y_last)
    ref = xw.compare_attributions(model, X_last, methods=["saliency"], metrics=[],
                                  seed=n_shards - 1, progress=False)
    np.testing.assert_array_equal(np.asarray(got.attributions["Saliency"]),
                                  ref.attributions["Saliency"])
    print(f"\nkernel RSS growth {growth / MIB:.1f} MiB; worker RSS after "
          f"{sorted(round(r / MIB) for r in after.values())} MiB (limit {limit / MIB:.0f})")
