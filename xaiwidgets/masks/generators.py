"""Default mask generators: small networks ``g(x) -> m in [0, 1]``, one value per location.

Any ``nn.Module`` with the same output contract can replace them (see
:class:`~xaiwidgets.masks.MaskExplainer`'s ``generator``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["ImageMaskGenerator", "SequenceMaskGenerator", "TabularMaskGenerator"]


class ImageMaskGenerator(nn.Module):
    """Small conv encoder-decoder: (N, C, H, W) -> (N, 1, H, W) in [0, 1].

    Features at full, half and quarter resolution (3x3 convolutions, stride 2 down) are mixed by
    1x1 convolutions into one mask logit per pixel (the coarse ones bilinearly upsampled): the
    mask sees local detail and the context of about a quarter of a 28x28 image, for about the
    cost of one forward pass of a small CNN. (Each scale is reduced to one channel *before*
    upsampling, which equals a 1x1 convolution of the upsampled concatenation, since both are
    linear, at a fraction of the cost.)

    Parameters
    ----------
    in_channels : int
    hidden : int, default=8
        Channels at full resolution (twice as many at lower resolutions).
    """

    def __init__(self, in_channels: int, hidden: int = 8) -> None:
        super().__init__()
        self.full = nn.Sequential(nn.Conv2d(in_channels, hidden, 3, padding=1), nn.ReLU())
        self.down1 = nn.Sequential(nn.Conv2d(hidden, 2 * hidden, 3, stride=2, padding=1),
                                  nn.ReLU())
        self.down2 = nn.Sequential(
            nn.Conv2d(2 * hidden, 2 * hidden, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * hidden, 2 * hidden, 3, padding=1), nn.ReLU())
        self.out = nn.Conv2d(hidden, 1, 1)
        self.out_half = nn.Conv2d(2 * hidden, 1, 1, bias=False)
        self.out_quarter = nn.Conv2d(2 * hidden, 1, 1, bias=False)
        assert self.out.bias is not None  # Conv2d has a bias by default
        nn.init.constant_(self.out.bias, 3.0)  # start near m = 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.full(x)
        b = self.down1(a)
        c = self.down2(b)
        size = a.shape[-2:]
        coarse = (F.interpolate(self.out_half(b), size=size, mode="bilinear", align_corners=False)
                  + F.interpolate(self.out_quarter(c), size=size, mode="bilinear",
                                  align_corners=False))
        return torch.sigmoid(self.out(a) + coarse)


class SequenceMaskGenerator(nn.Module):
    """Mask over the positions of a sequence: (N, T, E) -> (N, T) in [0, 1].

    Parameters
    ----------
    in_features : int
        E: embedding size (token ids) or feature size (float sequences).
    hidden : int, default=32
    arch : {"gru", "conv"}, default="gru"
        A bidirectional GRU (every position sees the whole sequence) or two 1-D convolutions of
        width 5 (faster, local context only).
    num_layers : int, default=1
        GRU only: stacked bidirectional layers.
    """

    def __init__(self, in_features: int, hidden: int = 32, arch: str = "gru",
                 num_layers: int = 1) -> None:
        super().__init__()
        if arch not in ("gru", "conv"):
            raise ValueError(f"argument 'arch': expected 'gru' or 'conv', got {arch!r}")
        if num_layers != 1 and arch != "gru":
            raise ValueError(f"argument 'num_layers': only the 'gru' generator stacks layers, "
                             f"got num_layers={num_layers!r} with arch={arch!r}")
        self.arch = arch
        self.body: nn.Module
        if arch == "gru":
            self.body = nn.GRU(in_features, hidden, num_layers=num_layers, batch_first=True,
                               bidirectional=True)
            width = 2 * hidden
        else:
            self.body = nn.Sequential(nn.Conv1d(in_features, hidden, 5, padding=2), nn.ReLU(),
                                      nn.Conv1d(hidden, hidden, 5, padding=2), nn.ReLU())
            width = hidden
        self.out = nn.Linear(width, 1)
        nn.init.constant_(self.out.bias, 3.0)  # start near m = 1

    def forward(self, e: torch.Tensor) -> torch.Tensor:
        if self.arch == "gru":
            h, _ = self.body(e)
        else:
            h = self.body(e.transpose(1, 2)).transpose(1, 2)
        return torch.sigmoid(self.out(h))[..., 0]


class TabularMaskGenerator(nn.Module):
    """Mask over the columns of a row: (N, F) -> (N, F) in [0, 1], a two-layer MLP (every
    column's mask sees the whole row).

    Parameters
    ----------
    in_features : int
    hidden : int, default=32
    """

    def __init__(self, in_features: int, hidden: int = 32) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU())
        self.out = nn.Linear(hidden, in_features)
        nn.init.constant_(self.out.bias, 3.0)  # start near m = 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.out(self.body(x)))
