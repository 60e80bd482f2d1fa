"""Shared fixtures: seeded RNGs and tiny models of each modality."""

from __future__ import annotations

import os
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
    """Long tests first, spread over the xdist workers; every other module kept whole.

    xdist's worksteal (Makefile) gives each of its N workers one consecutive Nth of this list
    and lets an idle worker take the tail of a busy one's. So the long tests (notebooks, the
    Binder dry run, the fault tests' module...: ``_LONG_SECONDS``) are dealt to the N parts,
    longest first to the part with the least long work, and each part starts with its long
    tests: none is left to end the run alone, and the short tests at the parts' tails are what
    idle workers steal. A module other than the notebooks' moves whole, so its module-scoped
    fixture (a cluster, a page) is set up about once."""
    def cost(item) -> int:
        marks = {m.name for m in item.iter_markers()}
        return 0 if "notebook" in marks else 1 if marks & {"browser", "slow"} else 2

    def unit(item) -> str:  # what moves as one: a notebook test, else its module
        module = item.nodeid.split("::")[0]
        return item.nodeid if module.endswith("test_notebooks.py") else module

    module_cost: dict[str, int] = {}
    for item in items:
        key = item.nodeid.split("::")[0]
        module_cost[key] = min(module_cost.get(key, 2), cost(item))
    order = {key: i for i, key in enumerate(module_cost)}
    items.sort(key=lambda it: (module_cost[it.nodeid.split("::")[0]],
                               order[it.nodeid.split("::")[0]], -_seconds(it.nodeid)))
    n = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))  # set on xdist's workers
    if n < 2 or len(items) < 2 * n:
        return
    units: dict[str, list] = {}
    for item in items:
        units.setdefault(unit(item), []).append(item)
    weight = {u: sum(_seconds(i.nodeid) for i in its) for u, its in units.items()}
    long = sorted((u for u in units if weight[u] > 0), key=lambda u: -weight[u])
    parts: list[list] = [[] for _ in range(n)]
    work = [0.0] * n
    for u in long:  # longest first, to the part with the least long work so far
        k = work.index(min(work))
        parts[k] += units[u]
        work[k] += weight[u]
    rest = [i for u, its in units.items() if u not in long for i in its]
    out, left = [], len(items)
    for k in range(n):  # worksteal's first split: worker k takes left // (n - k) items
        size = left // (n - k)
        need = max(0, size - len(parts[k]))
        out += parts[k] + rest[:need]
        rest = rest[need:]
        left -= len(parts[k]) + need
    items[:] = out + rest


def _seconds(nodeid: str) -> float:
    return next((v for k, v in _LONG_SECONDS.items() if k in nodeid), 0.0)


# The long tests (seconds of a 3-worker CI run on an idle 2-core machine; their modules' other
# tests move with them): dealt over the workers by pytest_collection_modifyitems.
_LONG_SECONDS = {
    "test_binder.py::test_binder_dry_run": 162, "12_dataset_mnist": 149,
    "02_masks_images": 90, "test_tutorial_renders_in_jupyter": 88, "04_masks_smiles": 135,
    "larger_than_the_workers_memory": 41, "killed_mid_job": 44, "without_retries": 35,
    "killed_kernel_leaves": 36, "06_meme_icu": 73, "03_masks_text": 57,
    "05_cme_sprites": 100, "11_redescriptions": 42, "10_redescriptions": 36, "09_senn_mnist": 52,
    "08_senn_tabular": 40, "twice_in_one_kernel": 25, "test_frontends.py::test_voila": 38,
    "test_frontends.py::test_marimo": 27, "test_overview.py::test_lab_": 37,
    "test_relevance.py::test_lab_": 34, "test_redescriptions.py::test_lab_": 33,
    "test_timeline.py::test_lab_": 30,
}
