"""Shared bench setup: the tutorial notebook's CNN, trained the same seeded way."""

from __future__ import annotations

import time
from collections.abc import Callable

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
