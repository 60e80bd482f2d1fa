"""Dataset jobs (``xw.explain_dataset``): scaling over workers, overhead, memory, throughput.

Run: ``python bench/dataset.py`` (about seven minutes on 2 idle cores). One run prints four
figures of issue 23, each a ratio against a baseline measured in the same run:

1. **2 workers vs 1**: the same job (Integrated Gradients and Saliency with deletion AUC on the
   first 2,048 bundled MNIST digits, shards of 256) on a ``LocalCluster`` of one, then two,
   single-threaded worker processes. Goal: >= 1.7x on 2 cores.
2. **The job's cost per sample vs the in-memory path**: the same job on one worker, and
   serially (``client="serial"``), against one ``compare_attributions`` call on the same rows
   in this process (one torch thread). Goal: <= 1.15x. Both sides compute with one torch
   thread, and the run prints it: Dask's nanny starts workers with ``OMP_NUM_THREADS=1``
   (``distributed.nanny.pre-spawn-environ``), and this process sets ``torch.set_num_threads(1)``
   (torch's default here would be one thread per core).
3. **Peak memory at N, 4N, 16N** (``datasets.Procedural``, 3 x 64 x 64 images generated on
   access; Saliency; two workers): the kernel's peak RSS during the job and each worker's
   peak RSS. Each N runs in a fresh child process with a fresh cluster. Goal: flat.
4. **Explanations per second, IG vs the amortised mask explainer**, over all 5,000 digits on
   two workers: a job of Integrated Gradients alone, and a job of a fitted ``MaskExplainer``
   (``runs.estimator_steps.MaskStep``: one generator pass per sample), with the generator's
   fitting time counted once.

``python bench/dataset.py --scaling`` prints figures 1 and 2 only.

Times exclude starting the cluster: each cluster runs a small warm-up job first (the workers
import torch and xaiwidgets and unpickle the model once), as a long-lived cluster would have.
The job times include everything else: the kernel's probe, creating the store, scheduling,
reading rows and writing them into Zarr. The CNN is the tutorial notebooks' (``bench/_common``).
Times depend on the machine and its load (printed first); no assertion is made on them.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import notebook_cnn, per_size, reset_peak, rss_kb

SCALE_N = 2048  # digits of the scaling and overhead comparisons (8 shards of 256)
SHARD = 256
ROUNDS = 2  # interleaved repetitions of the scaling comparison
METHODS = ["integrated_gradients", "saliency"]
METRICS = ["deletion_auc"]
MEMORY_N = 1000  # the memory series runs N, 4N, 16N procedural images
MEMORY_SIZES = (MEMORY_N, 4 * MEMORY_N, 16 * MEMORY_N)
MODEL_ENV = "XAI_BENCH_DATASET_MODEL"  # the procedural model's weights, for the children


def _cluster(workers: int):  # type: ignore[no-untyped-def]
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=":0", scheduler_kwargs={"dashboard": False})
    return cluster, Client(cluster)


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def _worker_peak_reset() -> bool:
    return reset_peak()


def _worker_peak_mb() -> float:
    return (rss_kb("VmHWM") or 0) / 1e3


def _timed_job(model, X, y, store: str,  # type: ignore[no-untyped-def]
               **job) -> tuple[float, object]:
    import xaiwidgets as xw

    start = time.perf_counter()
    report = xw.explain_dataset(model, X, store, y=y, progress=False, **job)
    seconds = time.perf_counter() - start
    assert report.complete, report  # a bench of a failed job would measure nothing
    return seconds, report


def _procedural_model():  # type: ignore[no-untyped-def]
    import torch

    from xaiwidgets.examples import MnistCNN

    model = MnistCNN(4, in_channels=3, side=64)
    model.load_state_dict(torch.load(os.environ[MODEL_ENV], weights_only=True))
    return model.eval()


def memory_child(n: int) -> dict:
    """One point of the memory series, in a fresh process: kernel and worker peaks."""
    import torch

    from xaiwidgets.datasets import Procedural

    logging.getLogger("distributed").setLevel(logging.ERROR)
    torch.set_num_threads(1)
    model = _procedural_model()
    data = Procedural(n, seed=1)
    cluster, client = _cluster(2)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            # warm-up: the workers import torch and xaiwidgets before their peaks are reset
            _timed_job(model, Procedural(SHARD, seed=2), None, f"{tmp}/warm.zarr",
                       methods=["saliency"], metrics=[], shard_size=SHARD, client=client)
            client.run(_worker_peak_reset)
            before = (rss_kb("VmRSS") or 0) / 1e3
            exact = reset_peak()
            seconds, _ = _timed_job(model, data, None, f"{tmp}/run.zarr", methods=["saliency"],
                                    metrics=[], shard_size=SHARD, client=client)
            kernel_peak = (rss_kb("VmHWM") or 0) / 1e3
            workers = sorted(client.run(_worker_peak_mb).values())
            store_mb = sum(f.stat().st_size for f in Path(tmp, "run.zarr").rglob("*")
                           if f.is_file()) / 1e6
    finally:
        client.close()
        cluster.close()
    return {"n": n, "data_mb": data.nbytes / 1e6, "store_mb": store_mb, "seconds": seconds,
            "kernel_before_mb": before, "kernel_peak_mb": kernel_peak,
            "worker_peak_mb": workers, "exact_peak": exact}


def train_procedural(path: Path) -> None:
    """The memory series' model: MnistCNN on 4-class procedural images, one seeded epoch."""
    import torch

    from xaiwidgets.datasets import Procedural
    from xaiwidgets.examples import MnistCNN, train_classifier

    train, test = Procedural(2000, seed=0), Procedural(500, seed=3)
    (x_tr, y_tr), (x_te, y_te) = train[:], test[:]
    torch.manual_seed(0)
    model = MnistCNN(4, in_channels=3, side=64)
    report = train_classifier(model, x_tr, y_tr, x_te, y_te, epochs=1, seed=0, progress=False)
    print(f"# procedural CNN (4 classes, 3x64x64): test accuracy {report.test_accuracy:.3f}")
    torch.save(model.state_dict(), path)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        per_size(__file__, memory_child, MEMORY_SIZES)  # prints the child's row
        return
    import numpy as np
    import torch

    import xaiwidgets as xw
    from xaiwidgets.datasets import load_mnist
    from xaiwidgets.runs.estimator_steps import MaskStep

    logging.getLogger("distributed").setLevel(logging.ERROR)  # clusters' start/stop chatter
    torch.set_num_threads(1)  # the in-memory baseline computes on one thread, like a worker
    load = os.getloadavg()
    print(f"# {os.cpu_count()} CPUs; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
          "(times grow with it)")
    model, _, _ = notebook_cnn()
    mnist = load_mnist()
    X, y = mnist.images[:SCALE_N], mnist.target[:SCALE_N]
    job = {"methods": METHODS, "metrics": METRICS, "shard_size": SHARD, "seed": 0}
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        # each configuration ROUNDS times, interleaved (A B C D A B C D), the best time of
        # each kept: load from other processes then hits every configuration alike
        clusters = {w: _cluster(w) for w in (1, 2)}
        runs: dict[str, list[float]] = {"memory": [], "serial": [], "1": [], "2": []}
        try:
            for w, (_, client) in clusters.items():
                _timed_job(model, X[:SHARD], y[:SHARD], f"{tmp}/warm{w}.zarr", client=client,
                           **job)
            # a fair comparison computes with as many torch threads on both sides: dask's
            # nanny starts workers with OMP_NUM_THREADS=1 (distributed.nanny.pre-spawn-environ),
            # so torch uses one thread there, and this process was set to one thread above
            threads = {w: sorted(set(client.run(_torch_threads).values()))
                       for w, (_, client) in clusters.items()}
            print(f"torch threads: this process {torch.get_num_threads()}, workers "
                  + ", ".join(f"{w}-worker cluster {t}" for w, t in threads.items()))
            out["threads"] = {"kernel": torch.get_num_threads(),
                              **{f"workers_{w}": t for w, t in threads.items()}}
            for r in range(ROUNDS):
                # the in-memory path: the call a shard makes, once over every row
                start = time.perf_counter()
                xw.compare_attributions(model, X, None, METHODS, metrics=METRICS,
                                        metric_samples=SCALE_N, sensitivity_samples=SCALE_N,
                                        batch_size=32, seed=0, progress=False, y=y)
                runs["memory"].append(time.perf_counter() - start)
                runs["serial"].append(_timed_job(model, X, y, f"{tmp}/serial{r}.zarr",
                                                 client="serial", **job)[0])
                for w, (_, client) in clusters.items():
                    runs[str(w)].append(_timed_job(model, X, y, f"{tmp}/w{w}-{r}.zarr",
                                                   client=client, **job)[0])
        finally:
            for cluster, client in clusters.values():
                client.close()
                cluster.close()
        best = {k: min(v) for k, v in runs.items()}
        memory_s, serial_s, times = best["memory"], best["serial"], {1: best["1"], 2: best["2"]}
        a, b = xw.open_run(f"{tmp}/serial0.zarr"), xw.open_run(f"{tmp}/w2-0.zarr")
        same = all(np.array_equal(a.attributions.attributions[m][:],
                                  b.attributions.attributions[m][:], equal_nan=True)
                   for m in a.attributions.methods)
        per = {k: v / SCALE_N * 1e3 for k, v in
               {"memory": memory_s, "serial": serial_s, "1": times[1], "2": times[2]}.items()}
        print(f"\n{SCALE_N} MNIST digits, {' + '.join(METHODS)} with {', '.join(METRICS)}, "
              f"shards of {SHARD}; best of {ROUNDS} interleaved rounds (all: "
              + "; ".join(f"{k} " + " ".join(f"{t:.1f}" for t in v) for k, v in runs.items())
              + " s)")
        print(f"  in memory (compare_attributions, 1 thread): {memory_s:6.1f} s "
              f"({per['memory']:.2f} ms / sample)")
        print(f"  job, client='serial':                       {serial_s:6.1f} s "
              f"({per['serial']:.2f} ms / sample) = {serial_s / memory_s:.2f}x in memory")
        print(f"  job, 1 worker:                              {times[1]:6.1f} s "
              f"({per['1']:.2f} ms / sample) = {times[1] / memory_s:.2f}x in memory "
              "(goal <= 1.15x)")
        print(f"  job, 2 workers:                             {times[2]:6.1f} s "
              f"({per['2']:.2f} ms / sample)")
        print(f"  2 workers vs 1: {times[1] / times[2]:.2f}x faster (goal >= 1.7x on 2 cores); "
              f"serial and 2-worker stores identical: {same}")
        out["scaling"] = {"n": SCALE_N, "memory_s": memory_s, "serial_s": serial_s,
                          "one_worker_s": times[1], "two_workers_s": times[2],
                          "identical": same, "rounds": runs}
        if "--scaling" in sys.argv:  # figures 1 and 2 only (about three minutes idle)
            return

        # -- IG vs the amortised mask explainer over the whole dataset
        everything, labels = mnist.images, mnist.target
        explainer = xw.MaskExplainer(model, lam=0.05, necessity=1.0, epochs=4, lr=3e-3, seed=0,
                                      progress=False)
        start = time.perf_counter()
        explainer.fit(torch.from_numpy(mnist.images[:4000]))
        fit_s = time.perf_counter() - start
        cluster, client = _cluster(2)
        try:
            _timed_job(model, everything[:SHARD], labels[:SHARD], f"{tmp}/warm.zarr",
                       methods=["integrated_gradients"], metrics=[], steps=[MaskStep(explainer)],
                       shard_size=SHARD, client=client)
            ig_s, _ = _timed_job(model, everything, labels, f"{tmp}/ig.zarr",
                                 methods=["integrated_gradients"], metrics=[],
                                 shard_size=SHARD, client=client)
            mask_s, _ = _timed_job(model, everything, labels, f"{tmp}/mask.zarr", methods=None,
                                   steps=[MaskStep(explainer)], shard_size=SHARD,
                                   client=client)
        finally:
            client.close()
            cluster.close()
        n = len(everything)
        print(f"\nall {n} MNIST digits on 2 workers:")
        print(f"  Integrated Gradients:  {ig_s:6.1f} s = {n / ig_s:7.0f} explanations / s")
        print(f"  mask explainer (MaskStep: mask + its report): {mask_s:6.1f} s = "
              f"{n / mask_s:7.0f} explanations / s; with its {fit_s:.1f} s fit counted once: "
              f"{n / (mask_s + fit_s):.0f} / s")
        print(f"  mask vs IG: {ig_s / mask_s:.1f}x faster per explanation; "
              f"{ig_s / (mask_s + fit_s):.1f}x with the fit over these {n} digits")
        out["throughput"] = {"n": n, "ig_s": ig_s, "mask_s": mask_s, "mask_fit_s": fit_s}

        # -- memory at N, 4N, 16N: a fresh process and cluster per size
        weights = Path(tmp) / "procedural.pt"
        train_procedural(weights)
        os.environ[MODEL_ENV] = str(weights)  # the children inherit it
        rows = per_size(__file__, memory_child, MEMORY_SIZES)
        assert rows is not None
    print("\npeak memory, Saliency on procedural 3x64x64 images, 2 workers, shards of "
          f"{SHARD}:")
    print(f"{'N':>6} {'data MB':>8} {'store MB':>9} {'job s':>6} {'kernel before MB':>17} "
          f"{'kernel peak MB':>15} {'worker peaks MB':>16}")
    for r in rows:
        print(f"{r['n']:>6} {r['data_mb']:>8.0f} {r['store_mb']:>9.0f} {r['seconds']:>6.1f} "
              f"{r['kernel_before_mb']:>17.0f} {r['kernel_peak_mb']:>15.0f} "
              f"{' '.join(f'{w:.0f}' for w in r['worker_peak_mb']):>16}")
    first, last = rows[0], rows[-1]
    print(f"16N vs N: kernel peak {last['kernel_peak_mb'] / first['kernel_peak_mb']:.2f}x, "
          f"worker peak {max(last['worker_peak_mb']) / max(first['worker_peak_mb']):.2f}x, "
          f"data {last['data_mb'] / first['data_mb']:.0f}x (goal: flat)")
    if not all(r["exact_peak"] for r in rows):
        print("note: /proc/self/clear_refs unavailable; peaks are since process start")
    out["memory"] = rows
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    (results / "dataset.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
