"""DatasetOverview and the column catalogue of a run (issue 24): catalogue values equal the stored
arrays, a block reads only its chunks, the widget state does not grow with the run, the selection
round-trips, bad arguments are named."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from helpers import RunLike

zarr = pytest.importorskip("zarr")

import xaiwidgets as xw  # noqa: E402
from xaiwidgets.examples import MnistCNN  # noqa: E402
from xaiwidgets.runs.columns import columns, read_column  # noqa: E402
from xaiwidgets.widgets.overview import MAX_BLOCK_BYTES, DatasetOverview  # noqa: E402

N, S = 28, 8  # 4 shards, the last one partial

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def write_embedding(path, n: int, shard: int, name: str = "pca", seed: int = 0) -> np.ndarray:
    """Test setup: the (N, 2) coordinates ``run.embed`` writes (``embed/<name>``, rows in
    chunks of a shard)."""
    root = zarr.open_group(path, mode="r+")
    xy = np.random.default_rng(seed).normal(size=(n, 2)).astype(np.float32)
    arr = root.create_array(f"embed/{name}", shape=(n, 2), dtype="float32", chunks=(shard, 2),
                            fill_value=float("nan"))
    arr[...] = xy
    return xy


@pytest.fixture(scope="module")
def run_path(tmp_path_factory):
    torch.manual_seed(0)
    model = MnistCNN().eval()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, size=N)
    path = tmp_path_factory.mktemp("ov") / "run.zarr"
    report = xw.explain_dataset(model, X, path, y=y, methods=["saliency"],
                                metrics=["deletion_auc"], features={"pen": "fc1"},
                                client="serial", shard_size=S, progress=False)
    assert report.complete
    write_embedding(path, N, S)
    return path


def stored(path, key):
    return np.asarray(zarr.open_group(path, mode="r")[key][...])


def test_catalogue_lists_every_column_and_values_equal_the_stored_arrays(run_path):
    run = xw.open_run(run_path)
    cat = {c["name"]: c for c in run.columns()}
    assert list(cat) == ["y_true", "y_pred", "correct", "confidence",
                         "metrics/Saliency/deletion_auc", "embed/pca"]
    assert [cat[c]["kind"] for c in cat] == ["category", "category", "bool", "number",
                                            "number", "coords"]
    assert cat["y_true"]["categories"] == [str(k) for k in range(10)]
    y_true = stored(run_path, "attributions/y_true")
    y_pred = stored(run_path, "attributions/y_pred")
    assert np.array_equal(read_column(run, "y_true"), y_true)
    assert np.array_equal(read_column(run, "y_pred", 8, 20), y_pred[8:20])
    assert np.array_equal(read_column(run, "correct"), y_true == y_pred)
    prob = stored(run_path, "attributions/prob")
    assert np.array_equal(read_column(run, "confidence"), prob.astype(np.float32))
    auc = stored(run_path, "attributions/metrics/Saliency/deletion_auc").astype(np.float32)
    assert np.array_equal(read_column(run, "metrics/Saliency/deletion_auc"), auc)
    assert cat["confidence"]["range"] == [float(prob.min()), float(prob.max())]
    assert cat["metrics/Saliency/deletion_auc"]["range"] == [float(auc.min()), float(auc.max())]
    xy = stored(run_path, "embed/pca")
    assert np.array_equal(read_column(run, "embed/pca", 3, 9), xy[3:9])
    assert cat["embed/pca"]["range"] == [float(xy.min()), float(xy.max())]
    # given class names replace the stored numbers
    named = columns(run, [f"c{k}" for k in range(10)], ranges=False)
    assert named[0]["categories"][3] == "c3" and named[3]["range"] is None


def test_read_column_names_bad_arguments(run_path):
    run = xw.open_run(run_path)
    with pytest.raises(ValueError, match=r"argument 'name': expected a column of the run, one "
                                         r"of \['y_true'.*got 'nope'"):
        read_column(run, "nope")
    with pytest.raises(TypeError, match="argument 'name': expected a column name"):
        read_column(run, 3)
    with pytest.raises(ValueError, match=r"arguments 'start', 'stop': expected 0 <= start <= "
                                         rf"stop <= {N}.*start=5, stop=99"):
        read_column(run, "y_true", 5, 99)
    with pytest.raises(TypeError, match="argument 'start': expected an integer"):
        read_column(run, "y_true", 1.5, 3)


class _Counting:
    """A read-only local store that records every key read (zarr's WrapperStore)."""

    def __new__(cls, path):
        from zarr.storage import LocalStore, WrapperStore

        class Counting(WrapperStore):
            def __init__(self, store):
                super().__init__(store)
                self.reads: list[str] = []

            async def get(self, key, prototype, byte_range=None):
                self.reads.append(key)
                return await self._store.get(key, prototype, byte_range)

            async def get_partial_values(self, prototype, key_ranges):
                key_ranges = list(key_ranges)
                self.reads.extend(k for k, _ in key_ranges)
                return await self._store.get_partial_values(prototype, key_ranges)

        return Counting(LocalStore(path, read_only=True))


def test_a_block_reads_only_its_chunks(run_path):
    store = _Counting(run_path)
    view = DatasetOverview(xw.open_run(store), color="y_pred")
    store.reads.clear()
    block = view.block(["embed/pca", "y_true", "correct", "confidence"], 8, 16)  # shard 1
    chunks = [k for k in store.reads if "/c/" in k]
    assert chunks and all(k.split("/c/")[1].split("/")[0] == "1" for k in chunks), chunks
    assert sorted({k.split("/c/")[0] for k in chunks}) == [
        "attributions/prob", "attributions/y_pred", "attributions/y_true", "embed/pca"]
    cols = block["columns"]
    assert (block["start"], block["stop"]) == (8, 16)
    assert cols["embed/pca"].dtype == np.float32 and cols["embed/pca"].shape == (8, 2)
    assert cols["y_true"].dtype == np.uint16 and cols["correct"].dtype == np.uint8
    assert np.array_equal(cols["y_true"], stored(run_path, "attributions/y_true")[8:16])
    # the last, partial shard is a block too
    assert view.block(["y_pred"], 24, N)["columns"]["y_pred"].shape == (N - 24,)


def test_fetch_answers_columns_as_binary_buffers(run_path):
    view = DatasetOverview(xw.open_run(run_path))
    sent = []
    view.send = lambda content, buffers=None: sent.append((content, buffers))
    view._on_custom(view, {"type": "xai-fetch", "seq": 4, "what": "columns",
                           "args": {"names": ["embed/pca", "correct"], "start": 0,
                                    "stop": 16}}, [])
    (reply, buffers), = sent
    assert reply["seq"] == 4 and "error" not in reply
    assert len(buffers) == 2 and sorted(len(b) for b in buffers) == [16, 16 * 8]
    xy = np.frombuffer(next(b for b in buffers if len(b) == 128), dtype="<f4").reshape(16, 2)
    assert np.array_equal(xy, stored(run_path, "embed/pca")[:16])
    sent.clear()
    view._on_custom(view, {"type": "xai-fetch", "seq": 5, "what": "columns",
                           "args": {"names": ["y_true"], "start": 3, "stop": 8}}, [])
    assert "whole shards of 8 rows" in sent[0][0]["error"]


def test_block_arguments_are_named(run_path):
    view = DatasetOverview(xw.open_run(run_path))
    with pytest.raises(TypeError, match="argument 'names': expected a non-empty list"):
        view.block("y_true", 0, 8)
    with pytest.raises(ValueError, match="argument 'names': 'zz' is not a column"):
        view.block(["zz"], 0, 8)
    with pytest.raises(ValueError, match="argument 'stop'"):
        view.block(["y_true"], 8, 4)
    with pytest.raises(ValueError, match=r"whole shards of 8 rows .* got start=3, stop=8"):
        view.block(["y_true"], 3, 8)


def test_a_block_is_at_most_4_mib(tmp_path):
    n, s = 300_000, 100_000
    run = _big_run(tmp_path / "big.zarr", n, s)
    view = DatasetOverview(run)
    assert view.block_rows % s == 0 and view.block_rows == s
    with pytest.raises(ValueError, match=r"more than a block's 4,194,304"):
        view.block(["embed/pca", "y_true", "confidence"], 0, 300_000)
    assert 200_000 * 8 <= MAX_BLOCK_BYTES < 300_000 * 14


def test_widget_arguments_are_named(run_path):
    run = xw.open_run(run_path)
    with pytest.raises(TypeError, match="argument 'run': expected a Run"):
        DatasetOverview("runs/x.zarr")
    with pytest.raises(ValueError, match=r"argument 'color': expected a column of the run.*"
                                         r"got 'nope'"):
        DatasetOverview(run, color="nope")
    with pytest.raises(ValueError, match=r"argument 'x': expected one of the run's embeddings "
                                         r"\['embed/pca'\], got 'umap'"):
        DatasetOverview(run, x="umap")
    with pytest.raises(ValueError, match=r"argument 'size': expected a number column.*"
                                         r"got 'y_true'"):
        DatasetOverview(run, size="y_true")
    with pytest.raises(TypeError, match="unknown option 'colour'"):
        DatasetOverview(run, colour="y_true")
    assert DatasetOverview(run, x="pca").x == "embed/pca"


def test_a_run_without_embedding_is_refused_with_the_remedy(tmp_path):
    run = _big_run(tmp_path / "noembed.zarr", 64, 32, embed=False)
    with pytest.raises(ValueError, match=r"stores no 2-D embedding.*run\.embed\("):
        DatasetOverview(run)


def test_selection_round_trips_between_the_view_and_python(run_path):
    view = DatasetOverview(xw.open_run(run_path))
    assert view.selected == []
    view._selection = np.array([9, 2, 2, 5], dtype="<u4").tobytes()  # as the view sends it
    assert view.selected == [2, 5, 9]
    view.selected = [7, 1, 7]
    assert view.selected == [1, 7]
    assert np.frombuffer(view._selection, dtype="<u4").tolist() == [1, 7]
    with pytest.raises(Exception, match=r"indices must be in \[0, 28\)"):
        view.selected = [3, 28]


def _big_run(path, n: int, s: int, embed: bool = True):
    """A run-like store of n rows with labels, predictions and a metric (only the embedding and
    the labels are written: the state must not depend on row values)."""
    root = zarr.open_group(path, mode="w", zarr_format=3)
    meta = {"format": "xaiwidgets-result", "version": 1, "type": "AttributionResult",
            "rows": ["y_true", "y_pred", "prob", "metrics/Saliency/deletion_auc"],
            "n_samples": n, "fields": {"n_outputs": {"json": 10}}}
    arrays = {a: {"row": True, "dtype": "<f4" if a in ("prob",) or "/" in a else "<i8",
                  "shape": []} for a in meta["rows"]}
    for a, spec in arrays.items():
        root.create_array(f"attributions/{a}", shape=(n,), dtype=spec["dtype"], chunks=(s,),
                          fill_value=-1 if spec["dtype"] == "<i8" else float("nan"))
    root["attributions/y_true"][...] = np.arange(n) % 10
    if embed:
        xy = np.random.default_rng(1).normal(size=(n, 2)).astype(np.float32)
        root.create_array("embed/pca", shape=(n, 2), dtype="float32", chunks=(s, 2),
                          fill_value=float("nan"))[...] = xy
    root.create_array("_progress", shape=(-(-n // s),), dtype="uint8", chunks=(1,), fill_value=1)
    root.create_array("_attempts", shape=(-(-n // s),), dtype="int32", chunks=(1,), fill_value=1)
    root.attrs.update({"schema": "xaiwidgets-run/1", "n": n, "shard_size": s,
                       "steps": {"attributions": {"config": {}, "metadata": meta,
                                                  "arrays": arrays}}})
    return RunLike(root)




def test_state_stays_small_at_a_million_samples(tmp_path):
    """The synced state holds the catalogue and a density picture, never per-sample data."""
    sizes, rest = {}, {}
    for n in (10_000, 1_000_000):
        view = DatasetOverview(_big_run(tmp_path / f"r{n}.zarr", n, 50_000))
        state = view.export_state()
        state["state"].pop("_esm", None)
        sizes[n] = len(json.dumps(state))
        density = len(json.dumps(state["state"].pop("density")))
        assert density < 60_000  # a 160 x 160 PNG
        rest[n] = len(json.dumps(state))
        assert view.n == n and len(view.catalogue) == 6
        assert view.density["max"] > 0 and view.density["uri"].startswith("data:image/png")
    assert sizes[1_000_000] < 100_000, sizes
    # only the picture's detail and the digits of the numbers differ, not a byte per sample
    assert abs(rest[1_000_000] - rest[10_000]) < 200, rest


def test_density_counts_every_sample_and_the_snapshot_shows_it(run_path):
    view = DatasetOverview(xw.open_run(run_path))
    import base64
    import io

    from PIL import Image

    uri = view.density["uri"]
    img = np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))
    assert img.shape == (160, 160, 4)
    assert 0 < (img[..., 3] > 0).sum() <= N  # one opaque bin per occupied cell
    xy = stored(run_path, "embed/pca")
    x0, x1, y0, y1 = view.density["extent"]
    assert x0 < xy[:, 0].min() and x1 > xy[:, 0].max() and y0 < xy[:, 1].min() < xy[:, 1].max() < y1
    page = view._repr_mimebundle_()[0]["text/html"]
    assert uri in page and "density of the 28 samples" in page and "<script" not in page
    assert page.startswith("<div class='xai-static'")  # the wrapper every snapshot has
    assert view.to_png()[:8] == b"\x89PNG\r\n\x1a\n"


# -- concepts, rules and MEME columns of real estimator steps -----------------------------

def test_concept_rule_and_meme_columns_equal_the_stored_arrays(tmp_path):
    from helpers import TinyRNN
    from torch import nn

    from xaiwidgets.concepts import ConceptExtractor
    from xaiwidgets.meme import MEME
    from xaiwidgets.redescriptions import RedescriptionMiner
    from xaiwidgets.redescriptions.views import activation_table
    from xaiwidgets.runs import (
        ActivationColumns,
        ConceptStep,
        InputColumns,
        MemeStep,
        RedescriptionStep,
    )

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3)).eval()
    rng = np.random.default_rng(0)
    signs = rng.choice([-1.0, 1.0], size=(96, 4))
    x = torch.from_numpy(signs + 0.2 * rng.standard_normal((96, 4))).float()
    concepts = {"a": (signs[:, 0] > 0).astype(np.int64), "b": np.where(signs[:, 1] > 0, "hi", "lo")}
    cme = ConceptExtractor(model, ["0", "1"], method="logistic", n_labelled=60,
                           progress=False).fit(x, concepts)
    miner = RedescriptionMiner(interaction=False, n_iterations=1, max_depth=3, min_jaccard=0.3,
                               progress=False).fit(activation_table(model, x, "1"), x.numpy())
    steps = [ConceptStep(cme), RedescriptionStep(miner, ActivationColumns("1"),
                                                 InputColumns("right"))]
    path = tmp_path / "est.zarr"
    assert xw.explain_dataset(model, x.numpy(), path, methods=None, steps=steps, shard_size=32,
                              client="serial", progress=False).complete
    run = xw.open_run(path)
    cat = {c["name"]: c for c in run.columns()}
    assert cat["concepts/a"]["kind"] == "category" and cat["concepts/a"]["categories"] == ["0", "1"]
    assert cat["concepts/b"]["categories"] == ["hi", "lo"]
    assert np.array_equal(read_column(run, "concepts/b"), stored(path, "concepts/codes/b"))
    n_rules = miner.result_.n_redescriptions
    assert n_rules > 0 and [c for c in cat if c.startswith("rules/")] == [
        f"rules/{r}" for r in range(n_rules)]
    left = stored(path, "redescriptions/left_holds")
    right = stored(path, "redescriptions/right_holds")
    assert np.array_equal(read_column(run, f"rules/{n_rules - 1}", 30, 70),
                          (left & right)[30:70, n_rules - 1])
    assert cat["rules/0"]["kind"] == "bool"

    torch.manual_seed(0)
    rnn = TinyRNN(n_features=3).eval()
    seq = rng.normal(size=(40, 10, 3)).astype(np.float32)
    lengths = rng.integers(4, 11, size=40)
    for i, k in enumerate(lengths):
        seq[i, k:] = np.nan
    meme = MEME(rnn, n_concepts=2, window=1, progress=False).fit(seq)
    mpath = tmp_path / "meme.zarr"
    assert xw.explain_dataset(rnn, seq, mpath, methods=None, steps=[MemeStep(meme)],
                              shard_size=16, client="serial", progress=False).complete
    mrun = xw.open_run(mpath)
    spec = next(c for c in mrun.columns() if c["name"] == "meme/final_concept")
    assert spec["kind"] == "category" and len(spec["categories"]) == 2
    c = stored(mpath, "meme/concepts")
    n = stored(mpath, "meme/lengths")
    assert np.array_equal(n, lengths)
    assert np.array_equal(read_column(mrun, "meme/final_concept", 16, 40),
                          c[np.arange(16, 40), n[16:40] - 1])


def test_the_overview_places_samples_by_run_embed(run_path, tmp_path):
    import shutil

    path = tmp_path / "copy.zarr"
    shutil.copytree(run_path, path)
    run = xw.open_run(path)
    xy = run.embed("pen")  # IncrementalPCA of the stored activations (runs/embed.py)
    names = [c["name"] for c in run.columns() if c["kind"] == "coords"]
    assert names == ["embed/pca", "embed/pen_pca"]
    view = DatasetOverview(run, x="pen_pca")
    assert view.x == "embed/pen_pca"
    got = view.block(["embed/pen_pca"], 0, 16)["columns"]["embed/pen_pca"]
    assert np.array_equal(got, np.asarray(xy)[:16])


def test_a_sample_fetch_reads_only_that_samples_chunks(run_path):
    store = _Counting(run_path)
    view = DatasetOverview(xw.open_run(store))
    assert view.methods == ["Saliency"]
    store.reads.clear()
    block = view.sample(11)  # shard 1
    heat = [k for k in store.reads if k.startswith("attributions/attributions/Saliency/c/")]
    assert heat and all(k.endswith("/c/1/0/0/0") for k in heat), heat
    assert not any(k.startswith(("attributions/y_", "embed/")) for k in store.reads)
    stored_a = stored(run_path, "attributions/attributions/Saliency")[11, 0]
    h = block["attributions"]["Saliency"].values
    assert h.shape == (1, 28, 28) and np.allclose(h[0], stored_a)
    assert block["inputs"].values.shape == (1, 28, 28, 1)
    with pytest.raises(ValueError, match=rf"argument 'index': expected an integer in \[0, "
                                         rf"{N - 1}\], got {N}"):
        view.sample(N)
    sent = []
    view.send = lambda content, buffers=None: sent.append((content, buffers))
    view._on_custom(view, {"type": "xai-fetch", "seq": 1, "what": "sample",
                           "args": {"index": 3}}, [])
    reply, buffers = sent[0]
    assert "error" not in reply and reply["block"]["attributions"]["Saliency"]["signed"] in (
        True, False)
    assert sum(len(b) for b in buffers) < 4 * 28 * 28  # quantised: a byte per pixel


def test_a_run_without_image_attributions_has_no_sample_panel(tmp_path):
    view = DatasetOverview(_big_run(tmp_path / "s.zarr", 64, 32))
    assert view.methods == []
    with pytest.raises(ValueError, match="stores no image attributions"):
        view.sample(0)


def _reply(view, args):
    sent = []
    view.send = lambda content, buffers=None: sent.append((content, buffers or []))
    view._on_custom(view, {"type": "xai-fetch", "seq": 7, "what": "describe", "args": args}, [])
    (content, buffers), = sent
    return content, buffers


def test_the_describe_fetch_answers_what_describe_selection_says(run_path):
    run = xw.open_run(run_path)
    view = DatasetOverview(run)
    view.selected = [0, 3, 4, 9, 10, 11, 17, 20, 25]
    want = xw.describe_selection(run, view.selected, class_names=view.class_names,
                                 n_permutations=99, seed=0)
    assert want.rules  # the comparison below covers rules and their rows
    got = view.describe()
    assert got.to_dict(rows=True) == want.to_dict(rows=True)
    content, buffers = _reply(view, {"rows": "selection"})
    assert "error" not in content, content.get("error")
    block = content["block"]
    assert block["description"] == json.loads(json.dumps(want.to_dict()))
    # every rule's covered rows arrive as a uint32 buffer, in the order of the rules
    paths = content["buffer_paths"]
    assert [p for p in paths if p[0] == "covered"] == [
        ["covered", k, "data"] for k in range(len(want.rules))]
    for k, rule in enumerate(want.rules):
        assert block["covered"][k]["dtype"] == "uint32"
        assert np.array_equal(np.frombuffer(buffers[paths.index(["covered", k, "data"])],
                                            dtype="<u4"), rule.rows)
    # the group's mean attribution (28 x 28: not reduced), quantised like a sample's
    heat = block["attributions"]["Saliency"]
    assert heat["shape"] == [1, 28, 28]
    got_buf = dict(zip(map(tuple, paths), buffers, strict=True))
    q = np.frombuffer(got_buf[("attributions", "Saliency", "data")], dtype=np.uint8)
    lo = np.frombuffer(got_buf[("attributions", "Saliency", "lo", "data")], dtype="<f4")[0]
    hi = np.frombuffer(got_buf[("attributions", "Saliency", "hi", "data")], dtype="<f4")[0]
    mean = want.mean_attribution["Saliency"].sum(0)
    np.testing.assert_allclose(lo + q.reshape(28, 28) / 255 * (hi - lo), mean,
                               atol=(hi - lo) / 255)
    # "the misclassified" is correct == false, the same group as the mask
    wrong = read_column(run, "correct") == 0
    content, _ = _reply(view, {"rows": "misclassified"})
    assert content["block"]["description"]["n_group"] == int(wrong.sum())
    assert view.describe("misclassified").to_dict() == view.describe(wrong).to_dict()
    # a short list of indices is accepted as the group too
    content, _ = _reply(view, {"rows": [0, 3, 4, 9, 10, 11, 17, 20, 25]})
    assert content["block"]["description"] == block["description"]


def test_describe_arguments_are_named(run_path):
    view = DatasetOverview(xw.open_run(run_path))
    with pytest.raises(ValueError, match="argument 'rows': nothing is selected"):
        view.describe()
    with pytest.raises(ValueError, match=r"argument 'rows': expected 'selection', "
                                         r"'misclassified'.*got 'wrong'"):
        view.describe("wrong")
    with pytest.raises(ValueError, match=rf"argument 'rows': indices must lie in \[0, {N}\)"):
        view.describe([1, N])
    with pytest.raises(ValueError, match=rf"argument 'rows': expected a boolean mask of shape "
                                         rf"\({N},\)"):
        view.describe(np.ones(3, dtype=bool))
    with pytest.raises(ValueError, match="argument 'selected': expected a group of samples "
                                         "with others"):
        view.describe(np.arange(N))
    content, _ = _reply(view, {"rows": [1.5, 2]})
    assert content["error"].startswith("ValueError: argument 'rows': expected a list of sample")
    content, _ = _reply(view, {"rows": list(range(20_000))})
    assert "argument 'rows': at most 10,000 listed indices" in content["error"]
    content, _ = _reply(view, {})
    assert "argument 'rows': nothing is selected" in content["error"]
