"""Seeding that leaves the user's global random state as it was."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import torch

from .validation import check_int

__all__ = ["check_seed", "seeded"]


def check_seed(seed: object, name: str = "seed") -> int:
    return check_int(seed, name, low=0, high=2**32 - 1)


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed torch's and numpy's global RNGs inside, and restore the caller's states on exit
    (Captum samples from both: GradientSHAP draws its alphas with ``np.random``)."""
    np_state = np.random.get_state()
    # torch.manual_seed seeds the CUDA generators too: fork (and restore) them when there are
    with torch.random.fork_rng(devices=None if torch.cuda.is_available() else []):
        torch.manual_seed(seed)
        np.random.seed(seed)
        try:
            yield
        finally:
            np.random.set_state(np_state)
