"""Estimator steps of the dataset jobs: each on a shard equals the in-memory method on the same
rows, every shard has the same metadata and trailing shapes, bad arguments are refused."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import TinyCNN, TinyRNN
from torch import nn

from xaiwidgets.concepts import ConceptExtractor, ConceptPredictions, ConceptTree
from xaiwidgets.masks import MaskExplainer, MaskResult
from xaiwidgets.meme import MEME, MemeTrace
from xaiwidgets.redescriptions import RedescriptionMiner, RedescriptionResult
from xaiwidgets.redescriptions.views import activation_table
from xaiwidgets.runs.estimator_steps import (
    ActivationColumns,
    ConceptStep,
    ConceptTreeStep,
    InputColumns,
    MaskStep,
    MemeStep,
    PredictionColumns,
    RedescriptionStep,
    SENNStep,
)
from xaiwidgets.senn import SENN, SENNExplanation
from xaiwidgets.senn.explain import explain as senn_explain

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def same(a, b) -> None:
    """Two results hold the same arrays and the same metadata."""
    assert type(a) is type(b)
    ra, rb = a.arrays(), b.arrays()
    assert sorted(ra) == sorted(rb)
    for k in ra:
        x, y = np.asarray(ra[k]), np.asarray(rb[k])
        assert x.shape == y.shape and x.dtype == y.dtype, k
        assert np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"), k
    ma, mb = a.metadata(), b.metadata()
    assert ma["fields"] == mb["fields"] and ma["rows"] == mb["rows"]


# -- masks ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mask_setup():
    torch.manual_seed(0)
    model = TinyCNN().eval()
    x = torch.rand(48, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    ex = MaskExplainer(model, lam=0.2, epochs=2, batch_size=16, lr=1e-2,
                       progress=False).fit(x)
    return model, x, ex


def test_mask_step_is_the_mask_and_its_report_on_the_shard(mask_setup):
    model, x, ex = mask_setup
    step = MaskStep(ex, keep=(0.2, 0.5))
    step.validate()
    shard = x[16:32]
    out = step.compute(model, shard.numpy(), np.arange(16) % 3, seed=0)
    assert isinstance(out, MaskResult) and len(out) == 16
    assert out.comparison.methods == [ex.label]
    assert np.array_equal(out.mask, ex.attribute(shard).numpy())
    report = ex.evaluate(shard, keep=(0.2, 0.5))
    assert np.array_equal(out.report.kept_soft, report.kept_soft)
    assert np.array_equal(out.report.kept_hard, report.kept_hard)
    assert np.allclose(out.report.mask_sum, report.mask_sum, rtol=0, atol=0)
    assert np.array_equal(out.comparison.y_true, np.arange(16) % 3)
    assert np.array_equal(out.comparison.y_pred, model(shard).argmax(1).numpy())
    # pure: the same shard gives the same bytes, and two shards concatenate
    same(out, step.compute(model, shard.numpy(), np.arange(16) % 3, seed=0))
    other = step.compute(model, x[32:48].numpy(), np.arange(16) % 3, seed=0)
    both = MaskResult.concat([out, other])
    assert np.array_equal(both.mask, ex.attribute(x[16:48]).numpy())


def test_mask_step_refuses_an_unfitted_explainer_and_bad_keep(mask_setup):
    model, _, ex = mask_setup
    with pytest.raises(TypeError, match="MaskStep: argument 'explainer': expected a fitted "
                                        "MaskExplainer"):
        MaskStep("nope").validate()
    with pytest.raises(ValueError, match="is not fitted yet"):
        MaskStep(MaskExplainer(model)).validate()
    with pytest.raises(ValueError, match="argument 'keep'"):
        MaskStep(ex, keep=1.5).validate()
    with pytest.raises(ValueError, match="argument 'name'"):
        MaskStep(ex, name="a/b").validate()


# -- concepts ------------------------------------------------------------------------------

class Toy(nn.Module):
    """``keep`` sees x0 and x2, ``noise`` x1 and x2."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.keep = nn.Linear(4, 6)
        self.noise = nn.Linear(4, 6)
        self.head = nn.Linear(12, 3)
        with torch.no_grad():
            self.keep.weight[:, [1, 3]] = 0
            self.noise.weight[:, [0, 3]] = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.cat([self.keep(x), self.noise(x)], dim=1))


def toy_data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], size=(n, 4))
    x = torch.from_numpy(signs + 0.2 * rng.standard_normal((n, 4))).float()
    concepts = {"a": (signs[:, 0] > 0).astype(np.int64),
                "b": np.where(signs[:, 1] > 0, "hi", "lo")}
    return x, concepts


@pytest.fixture(scope="module")
def cme_setup():
    model = Toy().eval()
    x, concepts = toy_data(200)
    cme = ConceptExtractor(model, ["keep", "noise"], method="logistic", n_labelled=80,
                           progress=False).fit(x, concepts)
    pred, y_pred = cme.predict_concepts(x, return_predictions=True)
    tree = ConceptTree(max_depth=3).fit({"a": pred["a"]}, y_pred)  # a store holds numbers
    return model, x, cme, tree


def test_concept_step_predicts_every_concept_with_probabilities(cme_setup):
    model, x, cme, _ = cme_setup
    step = ConceptStep(cme)
    step.validate()
    shard = x[50:90]
    out = step.compute(model, shard, None, seed=0)
    assert isinstance(out, ConceptPredictions) and len(out) == 40
    expected, y_pred = cme.predict_concepts(shard, return_predictions=True)
    for k in ("a", "b"):
        assert np.array_equal(out.concepts[k], expected[k])
        p = out.proba[k]
        assert p.shape == (40, 2) and np.allclose(p.sum(1), 1, atol=1e-6)
        # the most probable value is the predicted one
        assert np.array_equal(np.asarray(out.values[k])[p.argmax(1)], expected[k])
    assert np.array_equal(out.y_pred, y_pred)
    assert out.best_layer == {"a": "keep", "b": "noise"}
    same(out, step.compute(model, shard, None, seed=1))
    whole = ConceptPredictions.concat([out, step.compute(model, x[90:100], None)])
    assert np.array_equal(whole.concepts["b"], cme.predict_concepts(x[50:100])["b"])
    # every layer's probes: "keep" encodes a, "noise" b (their best layers)
    both = ConceptStep(cme, layers=["keep", "noise"])
    both.validate()
    per = both.compute(model, shard, None).layer_proba
    assert sorted(per) == ["keep", "noise"] and sorted(per["keep"]) == ["a", "b"]
    assert np.allclose(per["keep"]["a"], out.proba["a"]) and np.allclose(per["noise"]["b"],
                                                                          out.proba["b"])
    truth = toy_data(200)[1]
    acc = {(layer, k): float(np.mean(per[layer][k].argmax(1)
                                     == np.searchsorted(out.values[k], truth[k][50:90])))
           for layer in per for k in ("a", "b")}
    assert acc["keep", "a"] == 1.0 and acc["noise", "b"] == 1.0
    assert acc["keep", "b"] < 0.8 and acc["noise", "a"] < 0.8, acc
    with pytest.raises(ValueError, match="ConceptStep: argument 'layers'"):
        ConceptStep(cme, layers=["head"]).validate()


def test_concept_tree_step_gives_the_tree_rows_with_shard_independent_classes(cme_setup):
    model, x, cme, tree = cme_setup
    step = ConceptTreeStep(cme, tree)
    step.validate()
    labels = np.arange(200) % 3
    parts = [step.compute(model, x[i:i + 50], labels[i:i + 50]) for i in (0, 50, 100, 150)]
    for p in parts:
        assert list(p.classes) == [0, 1, 2]  # every class the model can output, every shard
    whole = type(parts[0]).concat(parts)
    pred, y_pred = cme.predict_concepts(x, return_predictions=True)
    pred = {"a": pred["a"]}
    ref = tree.explain(pred, y_pred, y_true=labels, extractor=cme, classes=[0, 1, 2])
    for f in ("leaf", "tree_pred", "y_pred", "y_true"):
        assert np.array_equal(getattr(whole, f), getattr(ref, f)), f
    assert np.array_equal(whole.node_count, ref.node_count)
    assert whole.fidelity == pytest.approx(ref.fidelity)
    assert whole.fidelity == pytest.approx(float(np.mean(tree.predict(pred) == y_pred)))


def test_concept_tree_step_refuses_a_tree_of_other_concepts(cme_setup):
    cme = cme_setup[2]
    other = ConceptTree().fit({"z": np.arange(40) % 2}, np.arange(40) % 2)
    with pytest.raises(ValueError, match=r"argument 'tree': it tests concepts \['z'\]"):
        ConceptTreeStep(cme, other).validate()


# -- MEME ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def meme_setup():
    torch.manual_seed(0)
    model = TinyRNN(n_features=3).eval()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 10, 3)).astype(np.float32)
    lengths = rng.integers(4, 11, size=60)
    for i, n in enumerate(lengths):
        x[i, n:] = np.nan  # NaN after each sequence's end (sktime's padding)
    meme = MEME(model, n_concepts=2, window=1, progress=False).fit(x)
    return model, x, lengths, meme


def test_meme_step_pads_every_shard_to_the_same_length(meme_setup):
    model, x, lengths, meme = meme_setup
    step = MemeStep(meme)
    step.validate()
    short = int(np.argmin(lengths))
    shard = x[[short]]  # one short sequence: the trace alone is shorter than 10 steps
    assert meme.explain(shard).concepts.shape[1] == lengths[short] < 10
    out = step.compute(model, shard, None)
    assert isinstance(out, MemeTrace) and out.concepts.shape == (1, 10)
    assert out.states.shape[:2] == (1, 10) and out.X.shape == (1, 10, 3)
    assert (out.concepts[0, lengths[short]:] == -1).all()
    parts = [step.compute(model, x[i:i + 20], None) for i in (0, 20, 40)]
    assert {p.concepts.shape[1] for p in parts} == {10}
    whole = MemeTrace.concat(parts)
    ref = meme.explain(x)
    for f in ("concepts", "outputs", "leaves", "sources", "y_pred", "state_concepts",
              "lengths"):
        assert np.array_equal(getattr(whole, f), getattr(ref, f)), f
    assert np.allclose(whole.states, ref.states, atol=1e-6)
    assert whole.scores.step_fidelity == pytest.approx(ref.scores.step_fidelity)


def test_meme_step_refuses_sequences_longer_than_max_length_and_ragged_without_it(meme_setup):
    model, x, lengths, meme = meme_setup
    with pytest.raises(ValueError, match=r"MemeStep: argument 'max_length': .*longer than "
                                         r"the 5 asked for"):
        MemeStep(meme, max_length=5).compute(model, x[lengths > 5][:3], None)
    ragged = [x[i, :lengths[i]] for i in range(3)]
    with pytest.raises(ValueError, match="argument 'max_length': the shard's sequences"):
        MemeStep(meme).compute(model, ragged, None)
    out = MemeStep(meme, max_length=12).compute(model, ragged, None)
    assert out.concepts.shape == (3, 12)
    with pytest.raises(ValueError, match="argument 'max_length'"):
        MemeStep(meme, max_length=0).validate()


# -- SENN ----------------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore::UserWarning")
def test_senn_step_is_senn_explain_on_the_shard():
    torch.manual_seed(0)
    senn = SENN.tabular(5, 3)
    x = torch.randn(30, 5)
    y = np.arange(30) % 3
    step = SENNStep()  # the job's model is the SENN
    step.validate()
    out = step.compute(senn, x[10:20], y[10:20])
    assert isinstance(out, SENNExplanation)
    same(out, senn_explain(senn, x[10:20], y_true=y[10:20]))
    same(SENNStep(senn).compute(nn.Linear(5, 3), x[10:20], y[10:20]), out)
    with pytest.raises(TypeError, match="SENNStep: argument 'senn': the job's model is"):
        SENNStep().compute(nn.Linear(5, 3), x, None)
    with pytest.raises(TypeError, match="SENNStep: argument 'senn': the job's model is"):
        SENNStep().validate(nn.Linear(5, 3), x[:2].numpy(), None)  # in the driver
    with pytest.raises(TypeError, match="argument 'senn': expected a SENN or None"):
        SENNStep(nn.Linear(5, 3)).validate()


# -- redescriptions ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def miner_setup():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).eval()
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.normal(size=(200, 3))).float()
    acts = activation_table(model, x, "1")
    miner = RedescriptionMiner(interaction=False, n_iterations=1, max_depth=3,
                               min_jaccard=0.4, progress=False).fit(acts, x.numpy())
    return model, x, miner


def test_redescription_step_tests_every_rule_on_the_shard(miner_setup):
    model, x, miner = miner_setup
    mined = miner.result_
    assert mined.n_redescriptions > 0
    step = RedescriptionStep(miner, ActivationColumns("1"), InputColumns("right"))
    step.validate()
    parts = [step.compute(model, x[i:i + 50], None) for i in range(0, 200, 50)]
    for p in parts:
        assert isinstance(p, RedescriptionResult) and p.left_rule == mined.left_rule
    whole = RedescriptionResult.concat(parts)
    assert np.array_equal(whole.left_holds, mined.left_holds)
    assert np.array_equal(whole.right_holds, mined.right_holds)
    assert np.array_equal(parts[1].left_holds, mined[50:100].left_holds)


def test_redescription_step_with_categorical_predictions_keeps_their_codes():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 3)).eval()
    rng = np.random.default_rng(1)
    x = torch.from_numpy(rng.normal(size=(150, 3))).float()
    pred = PredictionColumns()(model, x)
    miner = RedescriptionMiner(interaction=False, n_iterations=1, max_depth=3, min_jaccard=0.3,
                               progress=False).fit(pred, x.numpy())
    step = RedescriptionStep(miner, PredictionColumns(), InputColumns("right"))
    step.validate()
    parts = [step.compute(model, x[i:i + 50], None) for i in (0, 50, 100)]
    whole = RedescriptionResult.concat(parts)
    assert np.array_equal(whole.categorical_codes["predicted"],
                          miner.result_.categorical_codes["predicted"])
    assert np.array_equal(whole.right_holds, miner.result_.right_holds)


def test_redescription_step_names_missing_columns(miner_setup):
    model, x, miner = miner_setup
    step = RedescriptionStep(miner, ActivationColumns("1", name="other"), InputColumns("right"))
    with pytest.raises(ValueError, match="argument 'left': missing columns"):
        step.compute(model, x[:10], None)
    with pytest.raises(TypeError, match="argument 'right': expected a function"):
        RedescriptionStep(miner, ActivationColumns("1"), "inputs").validate()
    with pytest.raises(ValueError, match="without a baseline"):
        RedescriptionStep(miner, ActivationColumns("1"), InputColumns(),
                          baseline=True).validate()


# -- through a job and back ----------------------------------------------------------------

def run_steps(tmp_path, model, X, steps, y=None, shard_size=16):
    from xaiwidgets.runs import explain_dataset, open_run

    store = tmp_path / "run.zarr"
    report = explain_dataset(model, X, store, y=y, methods=None, steps=steps,
                             shard_size=shard_size, client="serial", progress=False)
    assert report.complete and report.done == -(-len(X) // shard_size)
    return open_run(store)


def rows_equal(stored, ref, names) -> None:
    for name in names:
        a, b = stored.arrays()[name], ref.arrays()[name]
        a = np.asarray(a[:])
        assert a.shape == np.asarray(b).shape, name
        assert np.array_equal(a, np.asarray(b), equal_nan=a.dtype.kind == "f"), name


def test_mask_and_senn_steps_through_a_serial_run(tmp_path, mask_setup):
    model, x, ex = mask_setup
    run = run_steps(tmp_path, model, x[:40].numpy(), [MaskStep(ex)], y=np.arange(40) % 3)
    stored = run.results["mask"]
    assert isinstance(stored, MaskResult) and len(stored) == 40
    # the serial job is the step shard by shard (a whole-batch run may differ in the last bit)
    ref = MaskResult.concat([MaskStep(ex).compute(model, x[:40][i:i + 16].numpy(),
                                                  np.arange(i, min(i + 16, 40)) % 3)
                             for i in range(0, 40, 16)])
    rows_equal(stored, ref, ["comparison/attributions/" + ex.label, "report/kept_soft",
                             "report/kept_hard", "report/mask_sum", "comparison/y_true"])
    one = stored[7]  # one sample, read lazily
    assert np.array_equal(np.asarray(one.mask), ref.mask[7:8])


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_senn_step_through_a_serial_run(tmp_path):
    torch.manual_seed(0)
    senn = SENN.tabular(5, 3)
    x = torch.randn(40, 5).numpy()
    run = run_steps(tmp_path, senn, x, [SENNStep()], y=np.arange(40) % 3)
    stored = run.results["senn"]
    ref = senn_explain(senn, x, y_true=np.arange(40) % 3)
    assert isinstance(stored, SENNExplanation)
    rows_equal(stored, ref, ["concepts", "relevances", "thetas", "y_pred", "y_true"])


def test_concept_steps_through_a_serial_run(tmp_path, cme_setup):
    model, x, cme, tree = cme_setup
    numeric = tree
    labels = np.arange(200) % 3
    steps = [ConceptStep(cme, layers=["keep", "noise"]), ConceptTreeStep(cme, numeric)]
    run = run_steps(tmp_path, model, x.numpy(), steps, y=labels, shard_size=64)
    preds = run.results["concepts"]
    assert isinstance(preds, ConceptPredictions)
    expected, y_pred = cme.predict_concepts(x, return_predictions=True)
    for k in ("a", "b"):
        assert np.array_equal(preds.concepts[k], expected[k])
    layer_proba = cme.layer_concept_proba(x)
    assert np.allclose(preds.layer_proba["noise"]["b"][:], layer_proba["noise"]["b"], atol=1e-6)
    stored = run.results["concept_tree"]
    pred_a = {"a": cme.predict_concepts(x)["a"]}
    ref = numeric.explain(pred_a, y_pred, y_true=labels, extractor=cme, classes=[0, 1, 2])
    rows_equal(stored, ref, ["leaf", "tree_pred", "y_pred", "y_true"])
    # the node statistics are counted from every row when the run is opened
    assert np.array_equal(stored.node_count, ref.node_count)
    assert stored.fidelity == pytest.approx(ref.fidelity)
    text = ConceptTree(max_depth=3).fit(cme.predict_concepts(x), y_pred)
    with pytest.raises(ValueError, match=r"concepts \['b'\] have text values"):
        ConceptTreeStep(cme, text).validate()


def test_meme_step_through_a_serial_run(tmp_path, meme_setup):
    model, x, _, meme = meme_setup
    run = run_steps(tmp_path, model, x, [MemeStep(meme)], shard_size=16)
    stored = run.results["meme"]
    ref = meme.explain(x)
    assert isinstance(stored, MemeTrace)
    rows_equal(stored, ref, ["concepts", "outputs", "leaves", "lengths", "y_pred"])
    assert stored.scores.step_fidelity == pytest.approx(ref.scores.step_fidelity)


def test_redescription_step_through_a_serial_run(tmp_path, miner_setup):
    model, x, miner = miner_setup
    step = RedescriptionStep(miner, ActivationColumns("1"), InputColumns("right"))
    run = run_steps(tmp_path, model, x.numpy(), [step], shard_size=64)
    stored = run.results["redescriptions"]
    assert isinstance(stored, RedescriptionResult)
    rows_equal(stored, miner.result_, ["left_holds", "right_holds"])
    assert stored.left_rule == miner.result_.left_rule


def test_resuming_with_a_refitted_estimator_is_refused(tmp_path, meme_setup):
    from xaiwidgets.runs import FingerprintMismatch, explain_dataset

    model, x, _, meme = meme_setup
    step = MemeStep(meme, max_length=10)
    assert step.config() == MemeStep(meme, max_length=10).config()
    assert step.config()["max_length"] == 10 and len(step.config()["meme"]) == 64
    kw = {"methods": None, "shard_size": 20, "client": "serial", "progress": False}
    explain_dataset(model, x, tmp_path / "r.zarr", steps=[step], **kw)
    again = explain_dataset(model, x, tmp_path / "r.zarr", steps=[step], resume=True, **kw)
    assert again.skipped == 3 and again.done == 0
    other = MEME(model, n_concepts=3, window=1, progress=False).fit(x)
    with pytest.raises(FingerprintMismatch):
        explain_dataset(model, x, tmp_path / "r.zarr", steps=[MemeStep(other, max_length=10)],
                        resume=True, **kw)


def test_meme_and_redescription_steps_on_two_worker_processes_equal_the_serial_run(
        tmp_path, meme_setup, miner_setup):
    import cloudpickle
    import distributed
    import helpers

    from xaiwidgets.runs import explain_dataset, open_run

    cloudpickle.register_pickle_by_value(helpers)  # workers cannot import the tests' modules
    cloudpickle.register_pickle_by_value(__import__(__name__))
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        model, x, _, meme = meme_setup
        rmodel, rx, miner = miner_setup
        jobs = [(model, x, [MemeStep(meme)], 16),
                (rmodel, rx.numpy(),
                 [RedescriptionStep(miner, ActivationColumns("1"), InputColumns("right"))], 64)]
        for j, (m, data, steps, size) in enumerate(jobs):
            stores = {}
            for how in ("serial", client):
                path = tmp_path / f"{j}-{'serial' if how == 'serial' else 'dask'}.zarr"
                report = explain_dataset(m, data, path, methods=None, steps=steps,
                                         shard_size=size, client=how, progress=False)
                assert report.complete
                stores[path.name] = open_run(path).results[steps[0].name]
            serial, dask = stores.values()
            for name, a in serial.arrays().items():
                assert np.array_equal(np.asarray(a[...]), np.asarray(dask.arrays()[name][...]),
                                      equal_nan=np.asarray(a[...]).dtype.kind == "f"), name
    finally:
        client.close()
        cluster.close()
        cloudpickle.unregister_pickle_by_value(__import__(__name__))
        cloudpickle.unregister_pickle_by_value(helpers)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_every_view_draws_a_sample_of_a_run(tmp_path, mask_setup, cme_setup, meme_setup,
                                            miner_setup):
    import xaiwidgets as xw

    model, x, ex = mask_setup
    run = run_steps(tmp_path / "m", model, x[:32].numpy(), [MaskStep(ex)])
    assert "Explanatory mask" in xw.MaskView(run.mask[3]).to_html()
    model, x, cme, tree = cme_setup
    run = run_steps(tmp_path / "c", model, x.numpy(), [ConceptTreeStep(cme, tree)],
                    shard_size=64)
    first = next(t for t in tree.nodes()["test"] if t)
    assert first.replace("<", "&lt;") in xw.ConceptTreeView(run.concept_tree[:50]).to_html()
    model, x, _, meme = meme_setup
    run = run_steps(tmp_path / "t", model, x, [MemeStep(meme)])
    assert "x0@t" in xw.TimelineView(run.meme[:4]).to_html()  # the rules, in words
    model, x, miner = miner_setup
    run = run_steps(tmp_path / "r", model, x.numpy(),
                    [RedescriptionStep(miner, ActivationColumns("1"), InputColumns("right"))],
                    shard_size=64)
    assert miner.result_.neurons[0] in xw.RedescriptionView(run.redescriptions[:20]).to_html()
    torch.manual_seed(0)
    senn = SENN.tabular(5, 3)
    run = run_steps(tmp_path / "s", senn, torch.randn(20, 5).numpy(), [SENNStep()])
    assert "bias" in xw.SENNView(run.senn[2]).to_html()


def test_a_serial_run_of_estimator_steps_leaves_the_model_and_the_rngs_as_found(tmp_path):
    from test_probe import assert_untouched, snapshot

    from xaiwidgets.runs import explain_dataset

    torch.manual_seed(0)
    model = TinyCNN().train()  # BatchNorm and Dropout left in train mode, as users do
    model.conv.weight.requires_grad_(False)
    model.fc.register_forward_hook(lambda *a: None)
    x = torch.rand(48, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    ex = MaskExplainer(model, epochs=1, batch_size=16, progress=False).fit(x)
    concepts = {"bright": (x.mean((1, 2, 3)) > x.mean()).numpy().astype(np.int64)}
    cme = ConceptExtractor(model, ["relu", "fc"], method="logistic", n_labelled=30,
                           progress=False).fit(x, concepts)
    before = snapshot(model)
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()
    report = explain_dataset(model, x.numpy(), tmp_path / "r.zarr", methods=None,
                             steps=[MaskStep(ex), ConceptStep(cme)], shard_size=16,
                             client="serial", progress=False)
    assert report.complete
    assert_untouched(model, before)
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], np_state[1])
