"""Captured hidden activations reduced to one flat vector per sample.

Shared by concept probes (:mod:`xaiwidgets.concepts`) and activation views
(:mod:`xaiwidgets.redescriptions`), so neither method imports the other.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["pool_activation"]


def pool_activation(a: torch.Tensor, grid: int) -> torch.Tensor:
    """(N, C, H, W) -> (N, 2 * C * grid**2): mean and max over a ``grid x grid`` partition.

    The mean alone of a conv map taken before its nonlinearity is nearly a linear function of the
    input's mean; the max keeps which detectors fired. 3-D activations (sequences) and dense ones
    are flattened.
    """
    a = a.float()
    if a.ndim == 4:
        a = torch.cat([F.adaptive_avg_pool2d(a, grid), F.adaptive_max_pool2d(a, grid)], dim=1)
    elif a.ndim == 5:
        a = torch.cat([F.adaptive_avg_pool3d(a, grid), F.adaptive_max_pool3d(a, grid)], dim=1)
    return a.reshape(a.shape[0], -1)
