"""Test helpers: tiny models of each kind, what the browser receives from a widget, and the
fetch channel without a browser. (A module, not ``tests.*``: a data package on the path ships a
top-level ``tests`` package of its own.)"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


def synced(widget: Any, name: str) -> Any:
    """The trait ``name`` as it is sent to the browser (wire-encoded by its serializer)."""
    return widget.get_state(name)[name]


def put_buffers(state: Any, paths: list, buffers: list) -> Any:
    for path, buf in zip(paths, buffers, strict=True):
        obj = state
        for key in path[:-1]:
            obj = obj[key]
        obj[path[-1]] = bytes(buf)
    return state


def fetch(widget: Any, what: str, seq: int = 1, **args: Any) -> dict[str, Any]:
    """Send one fetch request as the view would; return the reply with its buffers put back."""
    sent: list[tuple[dict, list]] = []
    original = widget.send
    widget.send = lambda content, buffers=None: sent.append((content, list(buffers or [])))
    try:
        widget._on_custom(widget, {"type": "xai-fetch", "seq": seq, "what": what,
                                   "args": args}, [])
    finally:
        widget.send = original
    assert len(sent) == 1, sent
    content, buffers = sent[0]
    if "block" in content:
        put_buffers(content["block"], content.pop("buffer_paths"), buffers)
    return content


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


class RunLike:
    """What the overview and the column catalogue read of a Run: the root group, its
    attributes, the shard size and the length (a full ``open_run`` builds every step's result
    object, which these tests do not need)."""

    def __init__(self, root):
        self._root = root
        self.attrs = root.attrs.asdict()
        self.shard_size = int(self.attrs["shard_size"])

    def __len__(self) -> int:
        return int(self.attrs["n"])
