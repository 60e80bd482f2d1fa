"""Shared fixtures: seeded RNGs and tiny models of each modality."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from helpers import TinyCNN, TinyRNN
from torch import nn


@pytest.fixture(autouse=True)
def _seed() -> None:
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)


@pytest.fixture(scope="module")
def one_torch_thread():
    """For modules training tiny models: intra-op threads only add contention (on a busy 2-core
    machine a 2-thread backward of an 8x8 conv was 50x slower than a 1-thread one)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture
def cnn() -> nn.Module:
    """A CNN with BatchNorm and Dropout, left in *train* mode, as users often leave them."""
    return TinyCNN().train()


@pytest.fixture
def images() -> torch.Tensor:
    return torch.rand(6, 1, 8, 8)


@pytest.fixture
def rnn() -> nn.Module:
    return TinyRNN().train()


@pytest.fixture
def linear() -> nn.Module:
    """Tabular: 5 features -> 3 classes."""
    return nn.Sequential(nn.Linear(5, 3))


def pytest_terminal_summary(terminalreporter):
    """Print the wall times tests recorded (the notebooks'; xdist forwards user properties)."""
    times = [v for r in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get(
        "failed", []) for k, v in getattr(r, "user_properties", []) if k == "wall time"]
    if times:
        terminalreporter.section("wall times")
        for line in sorted(times):
            terminalreporter.write_line(line)


def pytest_collection_modifyitems(items):
    """Long modules first (notebooks, then browser and slow tests), each module kept whole. With
    xdist's worksteal (Makefile) each worker starts on half of this list and an idle worker
    takes the tail of the other's, so the long tests start early instead of ending the run
    alone, and a module-scoped fixture (a cluster, a Jupyter server) is set up about once."""
    def cost(item) -> int:
        marks = {m.name for m in item.iter_markers()}
        return 0 if "notebook" in marks else 1 if marks & {"browser", "slow"} else 2

    module_cost: dict[str, int] = {}
    for item in items:
        key = item.nodeid.split("::")[0]
        module_cost[key] = min(module_cost.get(key, 2), cost(item))
    order = {key: i for i, key in enumerate(module_cost)}
    items.sort(key=lambda it: (module_cost[it.nodeid.split("::")[0]],
                               order[it.nodeid.split("::")[0]], -_NOTEBOOK_SECONDS.get(
                                   next((k for k in _NOTEBOOK_SECONDS if k in it.nodeid), ""),
                                   0)))


# The longest notebook tests (seconds on an idle 2-core machine, bench/notebooks.py): started
# first within their module. Kernels start per test, so their order costs no fixture.
_NOTEBOOK_SECONDS = {"04_masks_smiles": 150, "12_dataset": 115,
                     "09_senn_mnist": 70, "10_redescriptions": 65, "11_redescriptions": 60}
