"""Fitting estimators from stored rows: a seeded sample equals fitting in memory on the same
rows; streaming visits every row once per epoch and gives a usable model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import zarr
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.linear_model import LogisticRegression, SGDClassifier

from xaiwidgets.redescriptions import RedescriptionMiner
from xaiwidgets.runs.fit import (
    fit_from_store,
    fit_sampled,
    fit_streaming,
    read_rows,
    sample_rows,
    stored_array,
    supports_streaming,
)


class Counting:
    """An array that records the rows every read touches (and refuses to be read whole)."""

    def __init__(self, data: np.ndarray, chunk: int) -> None:
        self.data, self.shape, self.dtype = data, data.shape, data.dtype
        self.chunks = (chunk, *data.shape[1:])
        self.seen = np.zeros(len(data), dtype=np.int64)
        self.largest = 0

    def __getitem__(self, sl):
        assert isinstance(sl, slice)
        rows = np.arange(len(self.data))[sl]
        self.seen[rows] += 1
        self.largest = max(self.largest, len(rows))
        return self.data[sl]


def blobs(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0, 0.0, 0.0], [6.0, 0.0, 0.0, 0.0], [0.0, 6.0, 0.0, 0.0]])
    y = rng.integers(0, 3, n)
    return (centers[y] + rng.normal(size=(n, 4))).astype(np.float32), y, centers


def stored(x: np.ndarray, chunk: int) -> zarr.Array:
    arr = zarr.create_array(store=zarr.storage.MemoryStore(), shape=x.shape,
                            chunks=(chunk, *x.shape[1:]), dtype=x.dtype)
    arr[:] = x
    return arr


def test_sampled_fit_equals_fitting_in_memory_on_the_same_rows():
    x, y, _ = blobs(5000)
    source = Counting(x, chunk=500)
    km = fit_sampled(KMeans(3, n_init=1, random_state=0), source, sample=800, seed=3)
    rows = sample_rows(5000, 800, 3)
    assert len(rows) == 800 and np.array_equal(km.sampled_rows_, rows)
    assert np.array_equal(rows, np.sort(np.random.default_rng(3).choice(5000, 800, False)))
    ref = KMeans(3, n_init=1, random_state=0).fit(x[rows])
    assert np.array_equal(km.cluster_centers_, ref.cluster_centers_)
    # read shard by shard: one chunk at a time, each once
    assert source.largest == 500 and source.seen.max() == 1
    # labels from a Zarr array: the same rows
    probe = fit_sampled(LogisticRegression(), stored(x, 256), stored(y, 256), sample=300,
                        seed=1)
    r1 = sample_rows(5000, 300, 1)
    assert np.array_equal(probe.coef_, LogisticRegression().fit(x[r1], y[r1]).coef_)
    # the default: 10 000 rows, or all of fewer
    assert np.array_equal(sample_rows(5000), np.arange(5000))
    assert len(sample_rows(50_000)) == 10_000


def test_sampled_redescription_miner_equals_mining_the_same_rows():
    rng = np.random.default_rng(0)
    n = 600
    a = rng.random(n)
    colour = rng.choice(["red", "green"], n)
    acts = np.stack([np.maximum(0, a - 0.5) * 3, (colour == "red") * (1 + rng.random(n))],
                    axis=1)
    attrs = pd.DataFrame({"a": a, "colour": colour})
    kw = {"interaction": False, "n_iterations": 1, "progress": False}
    miner = fit_from_store(RedescriptionMiner(**kw), stored(acts, 128), attrs, sample=250,
                           seed=2)
    rows = sample_rows(n, 250, 2)
    ref = RedescriptionMiner(**kw).fit(acts[rows], attrs.iloc[rows].reset_index(drop=True))
    assert miner.result_.left_rule == ref.result_.left_rule
    assert miner.result_.right_rule == ref.result_.right_rule
    assert np.array_equal(miner.result_.left_holds, ref.result_.left_holds)
    assert miner.n_samples_ == 250
    with pytest.raises(TypeError, match="streaming needs an estimator with partial_fit"):
        fit_from_store(RedescriptionMiner(**kw), acts, attrs, mode="stream")


def test_streaming_visits_every_row_once_per_epoch_and_learns_a_separable_problem():
    x, y, _ = blobs(6000, seed=1)
    labels = (y == 1).astype(np.int64)  # blob 1 against the others: linearly separable
    source, targets = Counting(x, chunk=700), Counting(labels, chunk=700)
    clf = fit_streaming(SGDClassifier(random_state=0), source, targets, epochs=3, seed=0)
    # classes were read block by block first (one pass), then three epochs
    assert (source.seen == 3).all() and (targets.seen == 4).all()
    assert source.largest == 700
    x_test, y_test, _ = blobs(2000, seed=2)
    acc = float(np.mean(clf.predict(x_test) == (y_test == 1)))
    assert acc >= 0.97, acc
    assert list(clf.classes_) == [0, 1]


def test_streaming_clustering_finds_the_centers():
    x, _, centers = blobs(6000, seed=3)
    km = fit_from_store(MiniBatchKMeans(3, random_state=0, n_init=1), stored(x, 500),
                        mode="stream", epochs=2, seed=0)
    c = km.cluster_centers_
    found = c[np.argsort(c[:, 0] + 2 * c[:, 1])]
    want = centers[np.argsort(centers[:, 0] + 2 * centers[:, 1])]
    assert np.abs(found - want).max() < 0.3, found
    assert supports_streaming(km) and not supports_streaming(KMeans(3))


def test_bad_sources_and_labels_are_refused():
    x, y, _ = blobs(100)
    with pytest.raises(TypeError, match="argument 'X': expected an array with a sample axis"):
        fit_sampled(KMeans(2), [[1, 2]] * 10)
    with pytest.raises(ValueError, match="argument 'y': expected 100 rows"):
        fit_sampled(LogisticRegression(), x, y[:50])
    with pytest.raises(ValueError, match="argument 'y': expected 100 labels"):
        fit_streaming(SGDClassifier(), x, y[:50])
    with pytest.raises(ValueError, match="argument 'y': SGDClassifier is a classifier"):
        fit_streaming(SGDClassifier(), x)
    with pytest.raises(ValueError, match="argument 'mode'"):
        fit_from_store(KMeans(2), x, mode="all")
    with pytest.raises(ValueError, match="argument 'sample'"):
        sample_rows(10, 0)
    with pytest.raises(ValueError, match="expected sorted indices"):
        read_rows(x, [5, 2])


def test_fitting_from_a_run_reads_the_stored_activations(tmp_path):
    import torch
    from torch import nn

    from xaiwidgets.runs import explain_dataset, open_run

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3)).eval()
    x, y, _ = blobs(300, seed=4)
    explain_dataset(model, x, tmp_path / "run.zarr", y=y, methods=None, features={"h": "1"},
                    shard_size=64, client="serial", progress=False)
    stored = open_run(tmp_path / "run.zarr").results["features"].values["h"]
    assert stored.shape == (300, 6)
    same = stored_array(tmp_path / "run.zarr", "features/values/h")
    assert np.array_equal(same[:], stored[:])
    with pytest.raises(ValueError, match=r"argument 'name': the run has no per-sample array "
                                         r"'features/h'; it has \['features/values/h'\]"):
        stored_array(tmp_path / "run.zarr", "features/h")
    with torch.no_grad():
        acts = model[1](model[0](torch.from_numpy(x))).numpy()
    km = fit_sampled(KMeans(3, n_init=1, random_state=0), stored, sample=120, seed=0)
    rows = sample_rows(300, 120, 0)
    ref = KMeans(3, n_init=1, random_state=0).fit(acts[rows])
    assert np.allclose(km.cluster_centers_, ref.cluster_centers_, atol=1e-5)
    clf = fit_streaming(SGDClassifier(random_state=0), stored, y, epochs=2)
    assert float(np.mean(clf.predict(acts) == y)) > 0.9


def test_sampled_concept_extractor_equals_fitting_on_the_same_rows():
    import torch
    from torch import nn

    from xaiwidgets.concepts import ConceptExtractor

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2)).eval()
    rng = np.random.default_rng(0)
    signs = rng.choice([-1.0, 1.0], size=(800, 4))
    x = (signs + 0.2 * rng.normal(size=(800, 4))).astype(np.float32)
    concepts = {"a": (signs[:, 0] > 0).astype(np.int64), "b": (signs[:, 1] > 0).astype(np.int64)}
    kw = {"method": "logistic", "n_labelled": 60, "progress": False}
    cme = fit_sampled(ConceptExtractor(model, ["0", "1"], **kw), stored(x, 100), concepts,
                      sample=200, seed=5)
    rows = sample_rows(800, 200, 5)
    ref = ConceptExtractor(model, ["0", "1"], **kw).fit(
        x[rows], {k: v[rows] for k, v in concepts.items()})
    assert np.array_equal(cme.accuracy_, ref.accuracy_)
    assert np.array_equal(cme.labelled_indices_, ref.labelled_indices_)
    assert cme.best_layer_ == ref.best_layer_
