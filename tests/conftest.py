"""Shared fixtures: seeded RNGs and tiny models of each modality."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
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


class TinyCNN(nn.Module):
    def __init__(self, n_classes: int = 3) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.relu = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.flatten = nn.Flatten()
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(16, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(self.flatten(self.pool(self.relu(self.bn(self.conv(x)))))))


class TinyRNN(nn.Module):
    def __init__(self, n_features: int = 3, n_classes: int = 2) -> None:
        super().__init__()
        self.gru = nn.GRU(n_features, 8, batch_first=True)
        self.head = nn.Linear(8, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.gru(x)
        return self.head(out[:, -1])


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
