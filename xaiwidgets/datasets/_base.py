"""The dataset base and the one way to find a data file inside an installed package."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["Dataset", "package_file"]


@dataclass
class Dataset:
    """A small bunch: ``images`` (N, C, H, W) float32 in [0, 1], ``target`` (N,) int64."""

    images: np.ndarray
    target: np.ndarray
    target_names: list[str]
    description: str = ""
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.target)


def package_file(package: str, *parts: str, extra: str = "data") -> Path:
    """Path of a data file inside an installed package, without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"the data package {package!r} is not installed; install it with "
            f"`pip install 'xaiwidgets[{extra}]'`"
        )
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)
    if not path.is_file():
        raise FileNotFoundError(f"{package} is installed but has no {'/'.join(parts)}; "
                                f"install the pinned version from `xaiwidgets[{extra}]`")
    return path
