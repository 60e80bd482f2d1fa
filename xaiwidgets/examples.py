"""Small, seeded models and a trainer used by the tutorial notebooks, benches and tests.

They exist so that every notebook trains a real model on real bundled data in seconds on a CPU;
xaiwidgets itself works with any ``nn.Module``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

__all__ = ["MnistCNN", "TrainReport", "train_classifier"]


class MnistCNN(nn.Module):
    """Two conv blocks (with BatchNorm and Dropout) and a linear head for 1x28x28 images.

    Activations are modules (not functional calls) so DeepLift and layer hooks see them.
    """

    def __init__(self, n_classes: int = 10, in_channels: int = 1, side: int = 28) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 8, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(16)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(16 * (side // 4) ** 2, 32)
        self.relu3 = nn.ReLU()
        self.fc2 = nn.Linear(32, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.bn2(self.conv2(x))))
        x = self.relu3(self.fc1(self.dropout(self.flatten(x))))
        return self.fc2(x)


@dataclass
class TrainReport:
    train_accuracy: float
    test_accuracy: float
    epochs: int
    seconds: float


def _accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 512) -> float:
    model.eval()
    correct = 0
    with torch.inference_mode():
        for s in range(0, len(x), batch_size):
            correct += int((model(x[s:s + batch_size]).argmax(1) == y[s:s + batch_size]).sum())
    return correct / max(1, len(x))


def train_classifier(
    model: nn.Module,
    x_train: np.ndarray | torch.Tensor,
    y_train: np.ndarray | torch.Tensor,
    x_test: np.ndarray | torch.Tensor,
    y_test: np.ndarray | torch.Tensor,
    *,
    epochs: int = 3,
    batch_size: int = 64,
    lr: float = 2e-3,
    seed: int = 0,
    progress: bool = True,
) -> TrainReport:
    """Train ``model`` with Adam and cross-entropy, seeded; returns accuracies.

    The model is left in eval mode.
    """
    import time

    from tqdm.auto import tqdm

    torch.manual_seed(seed)
    x_tr, y_tr = torch.as_tensor(x_train), torch.as_tensor(y_train).long()
    x_te, y_te = torch.as_tensor(x_test), torch.as_tensor(y_test).long()
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    for epoch in tqdm(range(epochs), desc="training", unit="epoch", disable=not progress):
        model.train()
        order = torch.randperm(len(x_tr), generator=gen)
        for s in range(0, len(order), batch_size):
            idx = order[s:s + batch_size]
            opt.zero_grad()
            loss_fn(model(x_tr[idx]), y_tr[idx]).backward()
            opt.step()
        del epoch
    seconds = time.perf_counter() - start
    return TrainReport(train_accuracy=_accuracy(model, x_tr, y_tr),
                       test_accuracy=_accuracy(model, x_te, y_te), epochs=epochs,
                       seconds=seconds)
