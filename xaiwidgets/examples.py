"""Small, seeded models and a trainer used by the tutorial notebooks, benches and tests.

They exist so that every notebook trains a real model on real bundled data in seconds on a CPU;
xaiwidgets itself works with any ``nn.Module``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from ._core.batching import map_batches
from ._core.training import train_loop

__all__ = [
    "MnistCNN",
    "RNNReport",
    "RegressionReport",
    "SentimentRNN",
    "SequenceLSTM",
    "SmilesRegressor",
    "SpritesCNN",
    "StepLSTM",
    "TrainReport",
    "train_classifier",
    "train_regressor",
    "train_rnn",
]


class MnistCNN(nn.Module):
    """Two conv blocks (with BatchNorm and Dropout) and a linear head for 1x28x28 images, or
    any ``in_channels x side x side`` (``side`` a multiple of 4): e.g.
    ``MnistCNN(4, in_channels=3, side=64)`` for ``datasets.Procedural(n)``, which it learns in
    one epoch.

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


class SpritesCNN(nn.Module):
    """Three conv blocks and a global max-pool for 1x64x64 dSprites images.

    Cheap on a CPU: a 4x4 stride-4 stem (64 -> 16 px), a stride-2 conv (-> 8 px) and a 3x3 conv
    at 8 px; the global max-pool makes shape and scale detectable wherever the sprite is. The
    ReLUs are modules, so their outputs can be probed by name (``relu1`` ... ``relu4``).
    """

    def __init__(self, n_classes: int = 3, width: int = 16) -> None:
        super().__init__()
        w = width
        self.conv1 = nn.Conv2d(1, w, 4, stride=4)
        self.bn1 = nn.BatchNorm2d(w)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(w, 2 * w, 3, stride=2, padding=1)
        self.bn2 = nn.BatchNorm2d(2 * w)
        self.relu2 = nn.ReLU()
        self.conv3 = nn.Conv2d(2 * w, 4 * w, 3, padding=1)
        self.bn3 = nn.BatchNorm2d(4 * w)
        self.relu3 = nn.ReLU()
        self.pool = nn.AdaptiveMaxPool2d(1)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(4 * w, 64)
        self.relu4 = nn.ReLU()
        self.fc2 = nn.Linear(64, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu1(self.bn1(self.conv1(x)))
        x = self.relu2(self.bn2(self.conv2(x)))
        x = self.relu3(self.bn3(self.conv3(x)))
        return self.fc2(self.relu4(self.fc1(self.flatten(self.pool(x)))))


@dataclass
class TrainReport:
    train_accuracy: float
    test_accuracy: float
    epochs: int
    seconds: float


def _accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 512) -> float:
    model.eval()
    if len(x) == 0:
        return 0.0
    with torch.inference_mode():
        pred = map_batches(lambda b: model(b).argmax(1), x, batch_size)
    return int((pred == y).sum()) / len(x)


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
    one_cycle: bool = False,
) -> TrainReport:
    """Train ``model`` with Adam and cross-entropy, seeded; returns accuracies.

    With ``one_cycle=True`` ``lr`` is the peak of a one-cycle schedule (warm-up, then annealing),
    which reaches a given accuracy in far fewer epochs. The model is left in eval mode.
    """
    torch.manual_seed(seed)  # initial dropout masks etc.: the model is the user's to train
    x_tr, y_tr = torch.as_tensor(x_train), torch.as_tensor(y_train).long()
    x_te, y_te = torch.as_tensor(x_test), torch.as_tensor(y_test).long()
    loss_fn = nn.CrossEntropyLoss()
    history = train_loop(model, lambda idx: loss_fn(model(x_tr[idx]), y_tr[idx]), len(x_tr),
                         epochs=epochs, batch_size=batch_size, lr=lr, one_cycle=one_cycle,
                         generator=torch.Generator().manual_seed(seed), progress=progress)
    return TrainReport(train_accuracy=_accuracy(model, x_tr, y_tr),
                       test_accuracy=_accuracy(model, x_te, y_te), epochs=epochs,
                       seconds=history.seconds)


def _drop_tokens(e: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Word dropout: zero whole token embeddings with probability p while training."""
    if not training or p <= 0:
        return e
    keep = torch.rand(e.shape[:2], device=e.device) >= p
    return e * keep.unsqueeze(-1).to(e.dtype)


class SentimentRNN(nn.Module):
    """Token ids (N, T) -> 2 logits: embedding, bidirectional GRU, max-pool over the real tokens.

    ``pad_id`` positions are ignored by the pooling (and embed to zero), so right-padding never
    changes a prediction. ``token_dropout`` zeroes whole token embeddings while training (word
    dropout), so the model has seen inputs with missing words.
    """

    def __init__(self, vocab_size: int, embed_dim: int = 64, hidden: int = 32,
                 n_classes: int = 2, pad_id: int = 0, dropout: float = 0.3,
                 token_dropout: float = 0.0) -> None:
        super().__init__()
        self.pad_id = pad_id
        self.token_dropout = token_dropout
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_id)
        self.dropout = nn.Dropout(dropout)
        self.gru = nn.GRU(embed_dim, hidden, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden, n_classes)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        e = _drop_tokens(self.embedding(ids), self.token_dropout, self.training)
        h, _ = self.gru(self.dropout(e))
        pad = (ids == self.pad_id).unsqueeze(-1)
        pooled = h.masked_fill(pad, -1e4).max(dim=1).values
        return self.head(self.dropout(pooled))


class SmilesRegressor(nn.Module):
    """SMILES token ids (N, T) -> (N, 1) property: embedding, 1-D convolution, bidirectional GRU
    and a mean over the real tokens (a small SMILES2vec-style CNN/RNN).

    ``target_mean`` / ``target_std`` de-standardise the output, so the model predicts in the
    target's units (e.g. logS) while training on a well-scaled loss. ``token_dropout`` zeroes
    whole character embeddings while training (so the model has seen partial SMILES).
    """

    def __init__(self, vocab_size: int, embed_dim: int = 32, channels: int = 64,
                 hidden: int = 48, pad_id: int = 0, target_mean: float = 0.0,
                 target_std: float = 1.0, token_dropout: float = 0.0) -> None:
        super().__init__()
        self.pad_id = pad_id
        self.token_dropout = token_dropout
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_id)
        self.conv = nn.Conv1d(embed_dim, channels, 5, padding=2)
        self.relu = nn.ReLU()
        self.gru = nn.GRU(channels, hidden, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden, 1)
        self.register_buffer("target_mean", torch.tensor(float(target_mean)))
        self.register_buffer("target_std", torch.tensor(float(target_std)))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        e = _drop_tokens(self.embedding(ids), self.token_dropout, self.training)
        h = self.relu(self.conv(e.transpose(1, 2))).transpose(1, 2)
        h, _ = self.gru(h)
        valid = (ids != self.pad_id).unsqueeze(-1).to(h.dtype)
        pooled = (h * valid).sum(dim=1) / valid.sum(dim=1).clamp_min(1.0)
        return self.head(pooled) * self.target_std + self.target_mean


@dataclass
class RegressionReport:
    train_r2: float
    test_r2: float
    test_rmse: float
    epochs: int
    seconds: float


def _predict(model: nn.Module, x: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    model.eval()
    with torch.inference_mode():
        return map_batches(lambda b: model(b)[:, 0], x, batch_size)


def _r2(pred: torch.Tensor, y: torch.Tensor) -> float:
    return float(1 - ((pred - y) ** 2).sum() / ((y - y.mean()) ** 2).sum().clamp_min(1e-12))


def train_regressor(
    model: nn.Module,
    x_train: np.ndarray | torch.Tensor,
    y_train: np.ndarray | torch.Tensor,
    x_test: np.ndarray | torch.Tensor,
    y_test: np.ndarray | torch.Tensor,
    *,
    epochs: int = 10,
    batch_size: int = 32,
    lr: float = 3e-3,
    seed: int = 0,
    augment: Callable[[int, torch.Generator], Any] | None = None,
    progress: bool = True,
) -> RegressionReport:
    """Train a one-output ``model`` with Adam and the squared error, seeded; returns R^2.

    ``augment``, if given, is called as ``augment(epoch, generator)`` before every epoch after
    the first and returns a new ``x_train`` (e.g. randomised SMILES of the same molecules).
    The model is left in eval mode.
    """
    torch.manual_seed(seed)  # initial dropout masks etc.: the model is the user's to train
    x_tr, y_tr = torch.as_tensor(x_train), torch.as_tensor(y_train).float()
    x_te, y_te = torch.as_tensor(x_test), torch.as_tensor(y_test).float()
    gen = torch.Generator().manual_seed(seed)
    scale = float(getattr(model, "target_std", torch.tensor(1.0)))
    data = {"x": x_tr}

    def before_epoch(epoch: int) -> None:
        if augment is not None and epoch > 0:
            data["x"] = torch.as_tensor(augment(epoch, gen))

    def loss(idx: torch.Tensor) -> torch.Tensor:
        return (((model(data["x"][idx])[:, 0] - y_tr[idx]) / scale) ** 2).mean()

    history = train_loop(model, loss, lambda _epoch: len(data["x"]), epochs=epochs,
                         batch_size=batch_size, lr=lr, generator=gen,
                         before_epoch=before_epoch, progress=progress)
    seconds = history.seconds
    p_te = _predict(model, x_te)
    return RegressionReport(train_r2=_r2(_predict(model, x_tr), y_tr), test_r2=_r2(p_te, y_te),
                            test_rmse=float(((p_te - y_te) ** 2).mean().sqrt()), epochs=epochs,
                            seconds=seconds)


class _Standardise(nn.Module):
    """Fixed ``(x - mean) / std`` per feature (buffers), so models take inputs in their units
    and explanations speak in those units."""

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, n_features: int, mean: object = None, std: object = None) -> None:
        super().__init__()
        m = torch.zeros(n_features) if mean is None else torch.as_tensor(mean).float()
        sd = torch.ones(n_features) if std is None else torch.as_tensor(std).float()
        self.register_buffer("mean", m.reshape(-1))
        self.register_buffer("std", sd.reshape(-1).clamp_min(1e-12))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class StepLSTM(nn.Module):
    """One prediction per step: (N, T, F) -> (N, T, C) logits (e.g. room occupancy).

    ``mean`` / ``std`` standardise the inputs inside the model (raw units in, raw units in the
    explanations).
    """

    def __init__(self, n_features: int, n_classes: int = 2, hidden: int = 32,
                 mean: object = None, std: object = None) -> None:
        super().__init__()
        self.scale = _Standardise(n_features, mean, std)
        self.lstm = nn.LSTM(n_features, hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, _ = self.lstm(self.scale(x))
        return self.head(h)


class SequenceLSTM(nn.Module):
    """One prediction per sequence from padded sequences and their lengths: (N, T, F) and (N,)
    -> (N, C) logits (e.g. mortality). The batch is packed inside, so padding is never read;
    the head reads the last valid state of the top layer (``head`` applied to any step's state
    is the model's prediction had the sequence stopped there)."""

    def __init__(self, n_features: int, n_classes: int = 2, hidden: int = 32,
                 num_layers: int = 1, mean: object = None, std: object = None) -> None:
        super().__init__()
        self.scale = _Standardise(n_features, mean, std)
        self.lstm = nn.LSTM(n_features, hidden, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden, n_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        z = self.scale(x)
        if lengths is None:
            lengths = torch.full((len(x),), x.shape[1], dtype=torch.long)
        packed = nn.utils.rnn.pack_padded_sequence(z, torch.as_tensor(lengths).cpu(),
                                                   batch_first=True, enforce_sorted=False)
        _, (h, _) = self.lstm(packed)
        return self.head(h[-1])


@dataclass
class RNNReport:
    train_accuracy: float
    test_accuracy: float
    epochs: int
    seconds: float


def _rnn_accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                  lengths: torch.Tensor | None) -> float:
    model.eval()
    with torch.inference_mode():
        out = model(x) if lengths is None else model(x, lengths)
    pred = out.argmax(-1)
    keep = y >= 0
    return float((pred[keep] == y[keep]).float().mean())


def train_rnn(
    model: nn.Module,
    x_train: np.ndarray | torch.Tensor,
    y_train: np.ndarray | torch.Tensor,
    x_test: np.ndarray | torch.Tensor,
    y_test: np.ndarray | torch.Tensor,
    *,
    lengths_train: np.ndarray | torch.Tensor | None = None,
    lengths_test: np.ndarray | torch.Tensor | None = None,
    epochs: int = 20,
    batch_size: int = 32,
    lr: float = 5e-3,
    balanced: bool = False,
    class_weight: object = None,
    seed: int = 0,
    progress: bool = True,
) -> RNNReport:
    """Train an RNN classifier with Adam and cross-entropy, seeded; returns accuracies.

    ``y`` is ``(N,)`` for one output per sequence, or ``(N, T)`` per step (-1 = padding,
    ignored). With ``lengths_*`` the model is called as ``model(x, lengths)``. ``balanced``
    weights the classes by their inverse frequency; ``class_weight`` gives one weight per class
    instead. The model is left in eval mode.
    """
    torch.manual_seed(seed)
    x_tr, y_tr = torch.as_tensor(x_train).float(), torch.as_tensor(y_train).long()
    x_te, y_te = torch.as_tensor(x_test).float(), torch.as_tensor(y_test).long()
    l_tr = None if lengths_train is None else torch.as_tensor(lengths_train).long()
    l_te = None if lengths_test is None else torch.as_tensor(lengths_test).long()
    weight = None
    if balanced:
        counts = torch.bincount(y_tr[y_tr >= 0]).float()
        weight = counts.sum() / (len(counts) * counts.clamp_min(1))
    if class_weight is not None:
        weight = torch.as_tensor(class_weight, dtype=torch.float32)
    loss_fn = nn.CrossEntropyLoss(weight=weight, ignore_index=-1)

    def loss(idx: torch.Tensor) -> torch.Tensor:
        out = model(x_tr[idx]) if l_tr is None else model(x_tr[idx], l_tr[idx])
        return loss_fn(out.reshape(-1, out.shape[-1]), y_tr[idx].reshape(-1))

    history = train_loop(model, loss, len(x_tr), epochs=epochs, batch_size=batch_size, lr=lr,
                         generator=torch.Generator().manual_seed(seed), progress=progress)
    return RNNReport(train_accuracy=_rnn_accuracy(model, x_tr, y_tr, l_tr),
                     test_accuracy=_rnn_accuracy(model, x_te, y_te, l_te), epochs=epochs,
                     seconds=history.seconds)
