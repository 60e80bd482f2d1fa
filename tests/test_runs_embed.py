"""``Run.embed``: the overview's 2-D coordinates from a run's stored activations equal PCA on
the same matrix, are written into the store and read back, and are computed block by block."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

zarr = pytest.importorskip("zarr")

import xaiwidgets as xw  # noqa: E402
from xaiwidgets.runs.embed import embed_features, feature_arrays  # noqa: E402

N, S, D = 610, 50, 48  # 13 shards, the last one short


def make_model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(12, D), nn.Tanh(), nn.Linear(D, 3)).eval()


def data(n: int = N) -> np.ndarray:
    rng = np.random.default_rng(0)
    # a few latent directions, so the activations have a clear leading plane
    z = rng.normal(size=(n, 3)) * np.array([3.0, 1.5, 0.3])
    return (z @ rng.normal(size=(3, 12)) + 0.1 * rng.normal(size=(n, 12))).astype(np.float32)


@pytest.fixture(scope="module")
def run_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("embed") / "run.zarr"
    report = xw.explain_dataset(make_model(), data(), path, methods=None, metrics=[],
                                features={"hidden": "1", "logits": "2"}, shard_size=S,
                                client="serial", progress=False)
    assert report.complete
    return path


def features_of(path) -> np.ndarray:
    with torch.no_grad():
        return make_model()[:2](torch.from_numpy(data())).numpy()


def abs_corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(abs(np.corrcoef(a, b)[0, 1]))


def test_embedding_equals_pca_up_to_sign_and_is_stored(run_path):
    from sklearn.decomposition import PCA

    run = xw.open_run(run_path)
    assert feature_arrays(run) == {"hidden": "features/values/hidden",
                                   "logits": "features/values/logits"}
    coords = run.embed("hidden")
    assert coords.shape == (N, 2) and coords.dtype == np.float32
    stored = np.asarray(run._root["features/values/hidden"][...])
    assert np.allclose(stored, features_of(run_path), atol=1e-5)
    ref = PCA(2).fit_transform(stored.astype(np.float64))
    for k in range(2):
        assert abs_corr(coords[:, k], ref[:, k]) > 0.999
    # re-opened: the same array, lazily, with its parameters
    again = xw.open_run(run_path)
    lazy = again.embedding()
    assert isinstance(lazy, zarr.Array) and lazy.shape == (N, 2)
    assert np.array_equal(np.asarray(lazy[...]), coords)
    attrs = dict(lazy.attrs)
    assert attrs["method"] == "pca" and attrs["features"] == "features/values/hidden"
    assert attrs["seed"] == 0 and attrs["complete"] is True
    ratio = PCA(2).fit(stored.astype(np.float64)).explained_variance_ratio_
    assert np.allclose(attrs["explained_variance_ratio"], ratio, rtol=0.02)
    assert again.embedding("hidden_pca").shape == (N, 2)
    # asked again with the same parameters: read back, not recomputed
    before = again._root["embed/hidden_pca"].attrs["complete"]
    assert before and np.array_equal(again.embed("hidden"), coords)
    # the in-memory function gives the same coordinates
    assert np.allclose(embed_features(stored, batch_size=_block_of(lazy)), coords, atol=1e-4)


def _block_of(arr) -> int:
    return int(arr.attrs["batch_size"])


def test_bad_arguments_are_named(run_path):
    run = xw.open_run(run_path)
    with pytest.raises(ValueError, match=r"argument 'features'.*several.*\['hidden', 'logits'\]"):
        run.embed()
    with pytest.raises(ValueError, match=r"argument 'features'.*'pen'.*\['hidden', 'logits'\]"):
        run.embed("pen")
    with pytest.raises(TypeError, match="argument 'features'"):
        run.embed(3)
    with pytest.raises(ValueError, match=r"argument 'method'.*\['pca', 'umap'\].*'tsne'"):
        run.embed("hidden", method="tsne")
    with pytest.raises(ValueError, match="argument 'name'"):
        run.embed("hidden", name="a/b")
    with pytest.raises(ValueError, match="argument 'batch_size'"):
        run.embed("hidden", batch_size=1)
    run.embed("hidden")  # stores one: then a wrong name is refused with the choices
    with pytest.raises(ValueError, match=r"argument 'name'.*no embedding 'nope'.*hidden_pca"):
        run.embedding("nope")


def test_umap_is_an_optional_extra(run_path):
    run = xw.open_run(run_path)
    try:
        import umap  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match=r"argument 'method'.*umap-learn"):
            run.embed("hidden", method="umap")
        pytest.skip("umap-learn (the optional 'embed' extra) is not installed: the UMAP path "
                    "is checked only where it is")
    coords = run.embed("hidden", method="umap", sample=300, seed=1)
    assert coords.shape == (N, 2) and np.isfinite(coords).all()
    assert xw.open_run(run_path).embedding("hidden_umap").attrs["fit_rows"] == 300


class CountingArray:
    """An activation array that records the largest read (and refuses to be read whole)."""

    def __init__(self, data: np.ndarray, chunk: int) -> None:
        self.data, self.shape, self.dtype = data, data.shape, data.dtype
        self.chunks = (chunk, *data.shape[1:])
        self.largest = 0
        self.reads = 0

    def __getitem__(self, sl):
        assert isinstance(sl, slice)
        rows = np.arange(len(self.data))[sl]
        assert len(rows) < len(self.data), "the whole array was read at once"
        self.largest = max(self.largest, len(rows))
        self.reads += 1
        return self.data[sl]


def test_the_embedding_never_holds_all_activations(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    scale = np.r_[5.0, 3.0, np.linspace(1, 0.1, 254)].astype(np.float32)  # a clear plane
    x = rng.normal(size=(4000, 256)).astype(np.float32) * scale
    counting = CountingArray(x, chunk=250)
    coords = embed_features(counting, batch_size=250)
    assert counting.largest == 250 and counting.reads == 2 * 16  # fit, then transform
    from sklearn.decomposition import PCA

    ref = PCA(2).fit_transform(x.astype(np.float64))
    assert min(abs_corr(coords[:, k], ref[:, k]) for k in range(2)) > 0.999
    # in a run: every read of the stored activations is one block of whole shards
    model = nn.Sequential(nn.Linear(8, 64), nn.Tanh()).eval()
    path = tmp_path / "big.zarr"
    inputs = rng.normal(size=(2000, 8)).astype(np.float32)
    xw.explain_dataset(model, inputs, path, methods=None, metrics=[], features={"h": "1"},
                       shard_size=250, client="serial", progress=False)
    run = xw.open_run(path)
    reads: list[tuple[int, int]] = []
    original = zarr.Array.__getitem__

    def spy(self, selection):
        if self.path == "features/values/h":
            assert isinstance(selection, slice)
            reads.append((selection.start, selection.stop))
        return original(self, selection)

    monkeypatch.setattr(zarr.Array, "__getitem__", spy)
    run.embed(batch_size=500)
    assert len(reads) == 2 * 4  # fit (in a seeded block order), then transform in order
    assert all(stop - start == 500 and start % 250 == 0 for start, stop in reads)
    assert sorted(reads[:4]) == reads[4:] == [(k, k + 500) for k in range(0, 2000, 500)]
    # the default block: whole shards of about 4 MiB (here the whole run is 0.5 MiB), so one
    # block holds every row: read once for the fit and the transform
    reads.clear()
    run.embed(recompute=True)
    assert reads == [(0, 2000)]


def test_failed_rows_are_left_out_and_get_nan(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(300, 10)) * np.r_[10.0, 6.0, np.ones(8)]
    x[[5, 150, 151]] = np.nan
    coords = embed_features(x, batch_size=64)
    assert np.isnan(coords[[5, 150, 151]]).all()
    ok = np.isfinite(x).all(axis=1)
    from sklearn.decomposition import PCA

    ref = PCA(2).fit_transform(x[ok])
    assert min(abs_corr(coords[ok][:, k], ref[:, k]) for k in range(2)) > 0.999


def test_an_incomplete_or_resumed_run_is_embedded_again(tmp_path):
    path = tmp_path / "small.zarr"
    args = {"methods": None, "metrics": [], "features": {"hidden": "1"}, "shard_size": 20,
            "client": "serial", "progress": False}
    xw.explain_dataset(make_model(), data(60), path, **args)
    first = xw.open_run(path).embed()
    root = zarr.open_group(path, mode="r+")
    root["_progress"][1:2] = 0  # as if the job had died inside shard 1
    root["features/values/hidden"][20:40] = 0.0
    with pytest.raises(ValueError, match=r"argument 'run': shards \[1\].*resume"):
        xw.open_run(path).embed(recompute=True)
    # the stored embedding is still listed: it was complete when written
    assert np.array_equal(xw.open_run(path).embedding()[...], first)
    xw.explain_dataset(make_model(), data(60), path, resume=True, **args)
    run = xw.open_run(path)
    assert run.embedding().attrs["attempts"] == 3 and int(run.attempts.sum()) == 4
    again = run.embed()  # rows were recomputed: embedded again, the same values
    assert run.embedding().attrs["attempts"] == 4
    assert np.allclose(again, first, atol=1e-5)
