"""Shared bench setup: the tutorial notebook's CNN, trained the same seeded way, a timer, and
peak-RSS readings (Linux ``/proc``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from sklearn.model_selection import train_test_split

from xaiwidgets.datasets import load_mnist
from xaiwidgets.examples import MnistCNN, train_classifier


def notebook_cnn(epochs: int = 3) -> tuple[torch.nn.Module, np.ndarray, np.ndarray]:
    """The CNN of notebooks/01 (same data split, seed and epochs); returns model, x_test, y_test."""
    torch.manual_seed(0)
    mnist = load_mnist()
    x_train, x_test, y_train, y_test = train_test_split(
        mnist.images, mnist.target, test_size=1000, random_state=0, stratify=mnist.target)
    model = MnistCNN()
    report = train_classifier(model, x_train, y_train, x_test, y_test, epochs=epochs, seed=0,
                              progress=False)
    print(f"# notebook CNN: test accuracy {report.test_accuracy:.3f} "
          f"(trained {report.seconds:.1f} s)")
    return model, x_test, y_test


def best_of(fn: Callable[[], object], repeat: int = 3, *, warmup: bool = False) -> float:
    """Best wall time of ``repeat`` runs: the least noisy estimate on a shared machine.

    ``warmup`` runs ``fn`` once first, untimed (allocations, lazy imports)."""
    if warmup:
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def rss_kb(field: str = "VmRSS") -> int | None:
    """A ``/proc/self/status`` memory field in kB (``VmRSS`` now, ``VmHWM`` the peak)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak() -> bool:
    """Reset the peak RSS counter (``VmHWM``); False where the kernel does not allow it."""
    try:  # "5" resets VmHWM, the peak RSS (Linux >= 4.0)
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def per_size(script: str, child: Callable[[int], dict],
             sizes: tuple[int, ...]) -> list[dict] | None:
    """Run ``child(n)`` for every size in a fresh process of ``script`` (one BLAS / OpenMP
    thread), so each peak RSS is its own; returns the rows, or None inside a child (which prints
    its row as JSON)."""
    import json
    import os
    import subprocess
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(child(int(sys.argv[2]))))
        return None
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    rows = []
    for n in sizes:
        out = subprocess.run([sys.executable, script, "--child", str(n)], env=env, check=True,
                             capture_output=True, text=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return rows
