"""CME estimators: ConceptExtractor, ConceptTree and their metrics, on data with known answers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from test_probe import assert_untouched, snapshot
from torch import nn

import xaiwidgets as xw
from xaiwidgets._core.rules import merge_same_class
from xaiwidgets.concepts import (
    ConceptExtractor,
    ConceptTree,
    concept_accuracy,
    default_layers,
    mpo_curve,
    pool_activation,
)


class Toy(nn.Module):
    """Inputs are 4 random signs. ``keep`` sees x0 and x2, ``noise`` sees x1 and x2 (only)."""

    def __init__(self) -> None:
        super().__init__()
        self.keep = nn.Linear(4, 6)
        self.noise = nn.Linear(4, 6)
        self.bn = nn.BatchNorm1d(12)
        self.head = nn.Linear(12, 2)
        with torch.no_grad():
            self.keep.weight[:, [1, 3]] = 0
            self.noise.weight[:, [0, 3]] = 0
        self.keep.weight.requires_grad_(False)  # a frozen layer must stay frozen

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.bn(torch.cat([self.keep(x), self.noise(x)], dim=1)))


@pytest.fixture
def toy() -> nn.Module:
    torch.manual_seed(0)
    m = Toy().train()  # left in train mode, as users often do
    m.head.register_forward_hook(lambda *a: None)  # a user's hook must survive
    return m


def toy_data(n: int, seed: int = 0) -> tuple[torch.Tensor, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    # Signs plus noise: distinct points, so a knn graph connects them.
    signs = rng.choice([-1.0, 1.0], size=(n, 4))
    x = torch.from_numpy(signs + 0.2 * rng.standard_normal((n, 4))).float()
    concepts = {
        "a": (signs[:, 0] > 0).astype(np.int64),                  # only in `keep`
        "b": np.where(signs[:, 1] > 0, "hi", "lo"),               # only in `noise`, strings
        "c": np.where(signs[:, 2] > 0, 0.75, 0.25),               # in both: a tie
    }
    return x, concepts


@pytest.mark.parametrize("method", ["logistic", "label_spreading"])
def test_extractor_finds_the_layer_that_encodes_each_concept(toy, method):
    x, concepts = toy_data(300)
    before = snapshot(toy)
    cme = ConceptExtractor(toy, ["keep", "noise"], method=method, n_labelled=60, n_unlabelled=120,
                           progress=False).fit(x, concepts)
    assert_untouched(toy, before)
    assert cme.accuracy_.shape == (2, 3)
    assert cme.concept_names_ == ["a", "b", "c"]
    a, b, c = cme.accuracy_.T
    assert a[0] == 1.0 and a[1] < 0.75       # a is in `keep` only
    assert b[1] == 1.0 and b[0] < 0.75       # b is in `noise` only
    assert c[0] == c[1] == 1.0               # c is in both ...
    assert cme.best_layer_ == {"a": "keep", "b": "noise", "c": "keep"}  # ... tie -> earliest
    assert len(cme.labelled_indices_) == 60
    assert cme.n_unlabelled_ == (120 if method == "label_spreading" else 0)

    x_test, truth = toy_data(200, seed=1)
    pred, model_pred = cme.predict_concepts(x_test, return_predictions=True)
    assert_untouched(toy, before)
    assert pred["b"].dtype.kind == "U" and set(pred["b"]) <= {"hi", "lo"}
    assert pred["c"].dtype.kind == "f"
    assert concept_accuracy(truth, pred) == {"a": 1.0, "b": 1.0, "c": 1.0}
    with torch.no_grad():
        toy.eval()
        expected = toy(x_test).argmax(1).numpy()
        toy.train()
    np.testing.assert_array_equal(model_pred, expected)


def test_ties_go_to_the_earliest_layer_in_the_given_order(toy):
    x, concepts = toy_data(200)
    cme = ConceptExtractor(toy, ["noise", "keep"], method="logistic", n_labelled=80,
                           progress=False).fit(x, {"c": concepts["c"]})
    np.testing.assert_array_equal(cme.accuracy_, [[1.0], [1.0]])
    assert cme.best_layer_ == {"c": "noise"}


def test_streamed_inputs_give_the_same_probes_as_arrays(toy):
    x, concepts = toy_data(300)
    kw = dict(method="label_spreading", n_labelled=50, n_unlabelled=100, batch_size=64,
              progress=False)
    ref = ConceptExtractor(toy, ["keep", "noise"], **kw).fit(x, concepts)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x), batch_size=37)
    streamed = ConceptExtractor(toy, ["keep", "noise"], **kw).fit(loader, concepts)
    np.testing.assert_allclose(streamed.accuracy_, ref.accuracy_)
    a = ref.predict_concepts(x)
    b = streamed.predict_concepts(iter([x[:150], x[150:]]))
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_unlabelled_pool_can_come_from_other_inputs(toy):
    x, concepts = toy_data(100)
    extra, _ = toy_data(500, seed=3)
    cme = ConceptExtractor(toy, ["keep"], n_labelled=40, n_unlabelled=200, progress=False)
    cme.fit(x, concepts, unlabelled=extra)
    assert cme.n_unlabelled_ == 200
    cme.fit(x, concepts, unlabelled=iter([extra[:64], extra[64:128], extra[128:]]))
    assert cme.n_unlabelled_ == 200  # the first 200 of a stream


def test_conv_maps_are_pooled_to_a_grid_of_means_and_maxes():
    a = torch.arange(2 * 3 * 4 * 4, dtype=torch.float32).reshape(2, 3, 4, 4)
    out = pool_activation(a, 2)
    assert out.shape == (2, 3 * 4 * 2)
    # channel 0, top-left 2x2 cell of sample 0 holds 0, 1, 4, 5
    assert out[0, 0] == 2.5 and out[0, 12] == 5.0
    assert pool_activation(torch.ones(5, 7), 2).shape == (5, 7)


def test_default_layers_skip_normalisation_and_containers(toy, cnn):
    assert default_layers(toy) == ["keep", "noise", "head"]
    assert default_layers(cnn) == ["conv", "fc"]


def test_extractor_on_a_cnn_leaves_it_untouched(cnn):
    x = torch.rand(60, 1, 8, 8)
    concepts = {"bright": (x.mean((1, 2, 3)) > 0.5).long().numpy()}
    before = snapshot(cnn)
    cme = ConceptExtractor(cnn, None, n_labelled=30, n_unlabelled=20, progress=False)
    cme.fit(x, concepts)
    assert cme.layers_ == ["conv", "fc"]
    assert cme.n_features_in_ == {"conv": 4 * 2 * 4, "fc": 3}
    cme.predict_concepts(x[:7])
    assert_untouched(cnn, before)


# ---------------------------------------------------------------------- bad input


def test_concept_length_must_match_the_inputs(toy):
    x, concepts = toy_data(50)
    concepts["a"] = concepts["a"][:49]
    with pytest.raises(ValueError, match=r"'concepts'.*X has 50 samples.*'a' has 49"):
        ConceptExtractor(toy, ["keep"], n_labelled=20, progress=False).fit(x, concepts)
    _, ok = toy_data(50)
    with pytest.raises(ValueError, match=r"'concepts'.*X has 40 samples.*50 labels"):
        ConceptExtractor(toy, ["keep"], n_labelled=10, progress=False).fit(iter([x[:40]]), ok)


def test_a_concept_with_one_value_is_an_error(toy):
    x, concepts = toy_data(50)
    concepts["color"] = np.ones(50)
    with pytest.raises(ValueError, match=r"concept 'color' has a single value \(.*1.*\).*drop"):
        ConceptExtractor(toy, ["keep"], n_labelled=20, progress=False).fit(x, concepts)


def test_unknown_layer_names_are_an_error(toy):
    x, concepts = toy_data(50)
    with pytest.raises(ValueError, match=r"'layers'.*no layer 'kep'.*Did you mean \['keep'\]"):
        ConceptExtractor(toy, ["kep"], n_labelled=20, progress=False).fit(x, concepts)


class TupleLayer(nn.Module):
    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x, x


class TupleModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.pair = TupleLayer()
        self.fc = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pair(x)[0])


def test_layers_that_do_not_return_tensors_are_an_error_and_the_model_is_restored():
    model = TupleModel().train()
    before = snapshot(model)
    x, concepts = toy_data(50)
    with pytest.raises(TypeError, match=r"'layers'.*'pair' \(TupleLayer\) returns tuple"):
        ConceptExtractor(model, ["pair"], n_labelled=20, progress=False).fit(x, concepts)
    assert_untouched(model, before)


def test_fewer_labelled_samples_than_classes_is_an_error(toy):
    x, concepts = toy_data(50)
    concepts["d"] = np.arange(50) % 5
    with pytest.raises(ValueError, match=r"'n_labelled'.*'d' has 5 values.*got n_labelled=4"):
        ConceptExtractor(toy, ["keep"], n_labelled=4, progress=False).fit(x, concepts)
    with pytest.raises(ValueError, match=r"'n_labelled'.*at most the 50 samples"):
        ConceptExtractor(toy, ["keep"], n_labelled=51, progress=False).fit(x, concepts)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"method": "knn"}, r"'method'.*label_spreading.*'knn'"),
    ({"n_labelled": 0}, r"'n_labelled'.*>= 1 or None, got 0"),
    ({"cv": 1}, r"'cv'.*>= 2, got 1"),
    ({"pool": 1.5}, r"'pool'.*integer >= 1, got 1.5"),
])
def test_bad_hyper_parameters_are_named(toy, kwargs, match):
    x, concepts = toy_data(30)
    with pytest.raises((ValueError, TypeError), match=match):
        kwargs = {"n_labelled": 20, **kwargs}
        ConceptExtractor(toy, ["keep"], progress=False, **kwargs).fit(x, concepts)


def test_bad_concepts_and_unfitted_use(toy):
    x, _ = toy_data(30)
    with pytest.raises(TypeError, match=r"'concepts'.*dict mapping concept names.*ndarray"):
        ConceptExtractor(toy, ["keep"]).fit(x, np.zeros((30, 2)))
    with pytest.raises(ValueError, match=r"concept 'a' must be a 1-D array.*\(30, 2\)"):
        ConceptExtractor(toy, ["keep"]).fit(x, {"a": np.zeros((30, 2))})
    with pytest.raises(TypeError, match=r"'model'.*torch.nn.Module"):
        ConceptExtractor("model", ["keep"]).fit(x, {"a": np.arange(30) % 2})
    with pytest.raises(NotFittedError, match="not fitted"):
        ConceptExtractor(toy).predict_concepts(x)


# ---------------------------------------------------------------------- tree


def rule_data(n: int = 400, seed: int = 0) -> tuple[dict[str, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    c = {"shape": rng.choice(["square", "ellipse", "heart"], n),
         "scale": rng.choice([0.5, 0.6, 0.7, 0.8, 0.9, 1.0], n),
         "posX": rng.integers(0, 4, n)}
    y = np.where(c["shape"] == "heart", np.where(c["scale"] <= 0.7, 2, 1), 0)
    return c, y


def test_tree_recovers_a_rule_and_says_it_in_words():
    c, y = rule_data()
    tree = ConceptTree(max_depth=3).fit(c, y)
    assert tree.score(c, y) == 1.0
    assert tree.depth_ <= 3 and tree.n_leaves_ == 3
    nodes = tree.nodes()
    assert nodes["test"][0] == "shape = heart"
    inner = [t for t in nodes["test"] if t and t != "shape = heart"]
    assert inner == ["scale <= 0.7"]
    # "yes" children hold the samples for which the test is true.
    leaf = tree.apply(c)
    yes_leaves = set(_subtree_leaves(nodes, int(nodes["yes"][0])))
    assert set(leaf[c["shape"] == "heart"]) <= yes_leaves
    assert not set(leaf[c["shape"] != "heart"]) & yes_leaves
    assert tree.feature_names_[:3] == ["shape = ellipse", "shape = heart", "shape = square"]
    assert "if shape = heart:" in tree.export_text()
    assert tree.concept_importances_["posX"] == 0.0


def _subtree_leaves(nodes: dict, i: int) -> list[int]:
    if nodes["yes"][i] == -1:
        return [i]
    yes, no = int(nodes["yes"][i]), int(nodes["no"][i])
    return _subtree_leaves(nodes, yes) + _subtree_leaves(nodes, no)


def test_categorical_numeric_concepts_are_one_hot():
    c, _ = rule_data()
    y = (c["posX"] == 2).astype(int)
    tree = ConceptTree(max_depth=1, categorical=["posX"]).fit(c, y)
    assert tree.nodes()["test"][0] == "posX = 2"
    assert ConceptTree(max_depth=1).fit(c, y).score(c, y) < 1.0  # one threshold cannot


def test_evaluate_reports_fidelity_mpo_reference_and_intervention():
    truth, y_model = rule_data(600)
    pred = {k: v.copy() for k, v in truth.items()}
    pred["shape"][:60] = "square"          # 60 wrong shapes (some were squares already)
    pred["scale"][30:90] = 1.0             # overlapping wrong scales
    wrong = (pred["shape"] != truth["shape"]).astype(int) + (pred["scale"] != truth["scale"])
    tree = ConceptTree(max_depth=4).fit(truth, y_model, true_concepts=truth)
    y_true = y_model.copy()
    y_true[::10] = 0
    r = tree.evaluate(pred, y_model, y_true=y_true, true_concepts=truth)
    expected_fid = float(np.mean(tree.predict(pred) == y_model))
    assert r.fidelity == expected_fid < 1.0
    assert r.reference_fidelity == 1.0
    assert r.model_accuracy == float(np.mean(y_model == y_true))
    np.testing.assert_allclose(r.mpo, [1.0, np.mean(wrong >= 1), np.mean(wrong >= 2), 0.0])
    assert r.concept_accuracy["posX"] == 1.0
    assert r.concept_accuracy["shape"] == float(np.mean(pred["shape"] == truth["shape"]))
    assert r.intervention_order[0] == "shape" and r.intervention_order[-1] == "posX"
    assert r.intervention_fidelity[0] == r.fidelity
    assert r.intervention_fidelity[-1] == 1.0  # every concept corrected
    assert len(r.intervention_accuracy) == 4
    assert r.summary()["depth"] == r.depth


def test_mpo_and_concept_accuracy_by_hand():
    true = {"a": np.array([1, 1, 0, 0]), "b": np.array([0.5, 0.7, 0.5, 0.7])}
    pred = {"a": np.array([1, 0, 1, 0]), "b": np.array([0.5, 0.5, 0.7, 0.7])}
    np.testing.assert_allclose(mpo_curve(true, pred), [1.0, 0.5, 0.5])
    assert concept_accuracy(true, pred) == {"a": 0.5, "b": 0.5}
    assert concept_accuracy({"a": np.array([0, 0, 0, 1])}, {"a": np.array([0, 0, 0, 0])},
                            balanced=True) == {"a": 0.5}


def test_tree_bad_input():
    c, y = rule_data(50)
    with pytest.raises(ValueError, match=r"'y'.*shape \(50,\), got shape \(49,\)"):
        ConceptTree().fit(c, y[:49])
    with pytest.raises(ValueError, match=r"'categorical'.*unknown concepts \['size'\]"):
        ConceptTree(categorical=["size"]).fit(c, y)
    with pytest.raises(ValueError, match=r"'max_depth'.*>= 1 or None, got 0"):
        ConceptTree(max_depth=0).fit(c, y)
    tree = ConceptTree().fit(c, y)
    with pytest.raises(ValueError, match=r"'concepts'.*missing concepts \['posX'\]"):
        tree.predict({k: v for k, v in c.items() if k != "posX"})
    with pytest.raises(ValueError, match=r"'true_concepts'.*concepts has 50 samples"):
        tree.evaluate(c, y, true_concepts={k: v[:10] for k, v in c.items()})
    with pytest.raises(NotFittedError, match="not fitted"):
        ConceptTree().predict(c)


def test_merge_same_class_turns_splits_with_one_class_into_leaves():
    #        0: a
    #      /     \
    #    1: b     2 (class 1)
    #   /   \
    # 3: c   4 (class 0)      3 -> 5, 6 both class 0: merges, then 1 -> (3, 4) merges too
    #  / \
    # 5   6
    nodes = {"yes": np.array([1, 3, -1, 5, -1, -1, -1]), "no": np.array([2, 4, -1, 6, -1, -1, -1]),
             "test": ["a", "b", "", "c", "", "", ""], "value": np.array([0, 0, 1, 0, 0, 0, 0]),
             "feature": np.array([0, 1, -1, 2, -1, -1, -1]),
             "depth": np.array([0, 1, 1, 2, 2, 3, 3])}
    m = merge_same_class(nodes)
    assert list(m["yes"]) == [1, -1, -1, -1, -1, -1, -1]
    assert m["merged"][1] == ["b", "c"] and m["merged"][0] == [] and m["test"][1] == ""
    assert m["merged"][3] == []  # merged first, then hidden inside its parent's merge
    assert list(m["feature"]) == [0, -1, -1, -1, -1, -1, -1]
    assert list(m["shown"]) == [0, 1, 2, 1, 1, 1, 1]
    assert list(nodes["yes"]) == [1, 3, -1, 5, -1, -1, -1]  # the input is not changed
    # a split whose sides predict different classes stays
    keep = {**nodes, "value": np.array([0, 0, 1, 0, 1, 0, 0])}
    assert merge_same_class(keep)["merged"] == [[], [], [], ["c"], [], [], []]


def test_nodes_merge_same_class_keeps_every_prediction():
    rng = np.random.default_rng(0)
    c = {"a": rng.integers(0, 2, 2000), "b": rng.integers(0, 2, 2000)}
    # a = 1: mostly class 0 either way, but b still lowers the impurity: a split of one class
    y = np.where(c["a"] == 0, 1, np.where(rng.random(2000) < np.where(c["b"] == 1, 0.95, 0.7),
                                          0, 1))
    tree = ConceptTree(max_depth=2, ccp_alpha=0.0, min_samples_leaf=1).fit(c, y)
    plain, merged = tree.nodes(), tree.nodes(merge_same_class=True)
    assert "merged" not in plain
    assert sum(len(m) for m in merged["merged"]) == 1
    (node,) = [i for i, m in enumerate(merged["merged"]) if m]
    assert merged["merged"][node] == [plain["test"][node]] and merged["concept"][node] == -1
    leaf = tree.apply(c)
    shown = merged["shown"][leaf]
    assert all(merged["yes"][s] == -1 for s in shown)
    np.testing.assert_array_equal(tree.classes_[merged["value"][shown]], tree.predict(c))


def test_intervention_chart_is_an_svg_of_the_curve_and_the_model():
    truth, y_model = rule_data(600)
    pred = {k: v.copy() for k, v in truth.items()}
    pred["shape"][:60] = "square"
    tree = ConceptTree(max_depth=4).fit(pred, y_model, true_concepts=truth)
    r = tree.evaluate(pred, y_model, y_true=y_model, true_concepts=truth)
    chart = xw.InterventionChart(r, title="<b>t</b>")
    svg = str(chart)
    assert svg.startswith("<svg") and svg == chart._repr_html_()
    assert svg.count("<circle") == len(r.intervention_accuracy) == 4
    assert "&lt;b&gt;t&lt;/b&gt;" in svg and "<b>" not in svg
    assert f"the model itself ({100 * r.model_accuracy:.1f}%)" in svg
    assert "+shape" in svg and "currentColor" in svg  # concept names; the page's text colour
    assert "30% of the concepts" in str(xw.InterventionChart(r, budget=0.3))
    same = xw.InterventionChart.from_estimator(tree, pred, y_model, y_true=y_model,
                                               true_concepts=truth, title="<b>t</b>")
    assert str(same) == svg
    with pytest.raises(ValueError, match=r"'budget'"):
        xw.InterventionChart(r, budget=2)
    with pytest.raises(TypeError, match=r"'report': expected a ConceptTreeReport"):
        xw.InterventionChart(tree)
    no_truth = tree.evaluate(pred, y_model)
    with pytest.raises(ValueError, match="needs the accuracies"):
        xw.InterventionChart(no_truth)
    # the names of the previous release still work, with a FutureWarning
    with pytest.warns(FutureWarning, match=r"intervention_chart\(\) is deprecated"):
        assert str(r.intervention_chart(title="<b>t</b>")) == svg
    with pytest.warns(FutureWarning, match=r"concepts.tree.InterventionChart is deprecated"):
        from xaiwidgets.concepts.tree import InterventionChart
    assert InterventionChart is xw.InterventionChart


def _noisy_rule(n: int = 400):
    c, y = rule_data(n)
    y_pred = y.copy()
    y_pred[::9] = (y_pred[::9] + 1) % 3  # the "model" departs from the rule on every 9th
    return c, y, y_pred


@pytest.mark.parametrize("merge", [False, True])
def test_explain_holds_the_tree_as_drawn_and_its_node_statistics(merge):
    c, y, y_pred = _noisy_rule()
    tree = ConceptTree(max_depth=4, ccp_alpha=0.0, min_samples_leaf=1).fit(c, y_pred)
    r = tree.explain(c, y_pred, y_true=y, merge_same_class=merge)
    stats = tree.node_statistics(c, y_pred, y_true=y)
    nodes = tree.nodes(merge_same_class=merge)
    assert isinstance(r, xw.ConceptTreeResult) and len(r) == 400
    assert r.nodes["test"] == nodes["test"] and r.concept_names == ["shape", "scale", "posX"]
    np.testing.assert_array_equal(r.classes, [0, 1, 2])
    np.testing.assert_array_equal(r.classes[r.nodes["value"]], tree.classes_[nodes["value"]])
    shown = nodes["shown"] if merge else np.arange(len(nodes["test"]))
    np.testing.assert_array_equal(r.leaf, shown[tree.apply(c)])
    np.testing.assert_array_equal(r.tree_pred, tree.predict(c))
    assert all(r.nodes["yes"][leaf] == -1 for leaf in np.unique(r.leaf))
    drawn = r.reachable()
    np.testing.assert_array_equal(r.node_count[drawn], stats.count[drawn])
    np.testing.assert_array_equal(r.node_dist[drawn], stats.dist[drawn])
    np.testing.assert_allclose(r.node_fidelity[drawn], stats.fidelity[drawn])
    np.testing.assert_allclose(r.node_accuracy[drawn], stats.accuracy[drawn])
    assert r.fidelity == pytest.approx(np.mean(tree.predict(c) == y_pred))
    assert r.model_accuracy == pytest.approx(np.mean(y_pred == y)) == pytest.approx(1 - 45 / 400)
    assert r.summary()["merged"] == r.n_merged == sum(len(m) for m in r.nodes["merged"])
    assert (r.n_merged > 0) == merge
    for node in drawn:
        np.testing.assert_array_equal(r.node_samples(node), stats.node_samples(node))


def test_tree_result_rows_recount_the_statistics_and_round_trip(tmp_path):
    c, y, y_pred = _noisy_rule()
    tree = ConceptTree(max_depth=3).fit(c, y_pred)
    x = np.arange(400 * 4, dtype=np.float32).reshape(400, 1, 2, 2)
    r = tree.explain(c, y_pred, X=x, y_true=y)
    heart = c["shape"] == "heart"
    part = r[heart]  # a selection describes its own samples
    alone = tree.explain({k: v[heart] for k, v in c.items()}, y_pred[heart], X=x[heart],
                         y_true=y[heart])
    for name in ("node_count", "node_dist", "node_fidelity", "node_accuracy", "leaf", "X"):
        np.testing.assert_array_equal(getattr(part, name), getattr(alone, name))
    assert part.summary() == alone.summary() and part.node_count[0] == heart.sum()
    whole = xw.ConceptTreeResult.concat([r[:150], r[150:]])
    np.testing.assert_array_equal(whole.node_dist, r.node_dist)
    assert whole.summary() == r.summary()
    back = xw.open_result(r.save(tmp_path / "tree"))
    assert type(back) is xw.ConceptTreeResult and back.summary() == r.summary()
    np.testing.assert_array_equal(back.concepts["shape"], c["shape"])
    np.testing.assert_array_equal(back.node_dist, r.node_dist)
    np.testing.assert_array_equal(back[heart].node_count, part.node_count)
    other = ConceptTree(max_depth=1).fit(c, y_pred).explain(c, y_pred)
    with pytest.raises(ValueError, match=r"differ in 'nodes'"):
        xw.ConceptTreeResult.concat([other, r])
    report = tree.evaluate(c, y_pred, y_true=y, true_concepts=c)
    again = xw.open_result(report.save(tmp_path / "report"))
    assert type(again) is xw.ConceptTreeReport and again.summary() == report.summary()
    np.testing.assert_array_equal(again.intervention_accuracy, report.intervention_accuracy)


def test_explain_bad_input_and_the_renamed_arguments():
    c, y, y_pred = _noisy_rule()
    tree = ConceptTree(max_depth=3).fit(c, y_pred)
    with pytest.raises(NotFittedError):
        ConceptTree().explain(c, y_pred)
    with pytest.raises(ValueError, match=r"'concepts'.*X has 3 samples"):
        tree.explain(c, y_pred, X=np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"'y_pred'.*\(400,\), got shape \(2,\)"):
        tree.explain(c, y_pred[:2])
    with pytest.raises(TypeError, match=r"'extractor': expected a fitted ConceptExtractor"):
        tree.explain(c, y_pred, extractor="cme")
    with pytest.raises(TypeError, match=r"'merge_same_class'"):
        tree.explain(c, y_pred, merge_same_class="yes")
    # y_pred everywhere; the old keywords warn for one release
    with pytest.warns(FutureWarning, match=r"evaluate\(\): argument 'y_model' is deprecated"):
        old = tree.evaluate(c, y_model=y_pred, y_true=y)
    assert old.summary() == tree.evaluate(c, y_pred=y_pred, y_true=y).summary()
    with pytest.warns(FutureWarning, match=r"'model_pred' is deprecated.*use 'y_pred'"):
        stats = tree.node_statistics(c, model_pred=y_pred)
    np.testing.assert_array_equal(stats.count, tree.node_statistics(c, y_pred).count)
    with pytest.raises(TypeError, match=r"pass 'y_pred' only"):
        tree.evaluate(c, y_pred, y_model=y_pred)
    with pytest.raises(TypeError, match=r"missing 1 required positional argument: 'y_pred'"):
        tree.node_statistics(c)
