"""Redescriptions: statistics, views, the miner and its results, on data with known answers."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats as sps
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.tree import DecisionTreeRegressor
from test_probe import assert_untouched, snapshot
from torch import nn

import xaiwidgets as xw
from xaiwidgets._core.rules import category_test, interval_test, node_bounds
from xaiwidgets.redescriptions import (
    RedescriptionMiner,
    activation_table,
    as_table,
    bin_thresholds,
    correct_pvalues,
    prediction_table,
    pvalue,
)
from xaiwidgets.redescriptions.mining import evaluate
from xaiwidgets.redescriptions.stats import intersections, jaccard

pytestmark = pytest.mark.usefixtures("one_torch_thread")

QUIET = {"progress": False}


# -- statistics ------------------------------------------------------------------------------

def test_jaccard_and_intersections_are_matrix_products():
    rng = np.random.default_rng(0)
    L, R = rng.random((5, 40)) < 0.4, rng.random((7, 40)) < 0.6
    inter = intersections(L, R)
    brute = np.array([[np.sum(a & b) for b in R] for a in L])
    np.testing.assert_array_equal(inter, brute)
    J = jaccard(inter, L.sum(1)[:, None], R.sum(1)[None])
    union = np.array([[np.sum(a | b) for b in R] for a in L])
    np.testing.assert_allclose(J, brute / union)


def test_pvalue_is_the_greater_or_equal_binomial_tail():
    # P[Bin(N, |E1||E2| / N^2) >= |E12|]: the >= form, not the reference Java's strict >
    n, e1, e2, e12 = 171, 60, 70, 40
    p = pvalue(np.array(e12), np.array(e1), np.array(e2), n)
    q = e1 * e2 / n**2
    assert p == pytest.approx(1 - sps.binom.cdf(e12 - 1, n, q))
    strict = 1 - sps.binom.cdf(e12, n, q)  # ExItNeRdoM's off-by-one
    assert p > strict and p - strict == pytest.approx(sps.binom.pmf(e12, n, q))
    # vectorised, and 1 when the intersection is empty
    ps = pvalue(np.array([0, 10, 40]), np.array([60, 60, 60]), np.array([70, 70, 70]), n)
    assert ps[0] == 1.0 and ps[1] > ps[2]


def test_corrections():
    p = np.array([0.001, 0.01, 0.02, 0.04, 0.5])
    np.testing.assert_allclose(correct_pvalues(p, None), p)
    np.testing.assert_allclose(correct_pvalues(p, "bonferroni"), np.minimum(p * 5, 1))
    bh = correct_pvalues(p, "bh")
    manual = np.minimum.accumulate((p * 5 / np.arange(1, 6))[::-1])[::-1]
    np.testing.assert_allclose(bh, manual)


def test_fd_binning_is_the_reference_two_bin_split():
    # distinct values 0, 0.1, 0.2, then a gap: h = 2 IQR N^-0.33 over the distinct values; the
    # first distinct value more than h above the minimum is the split, and it goes low
    x = np.array([0, 0, 0, 0.1, 0.2, 0.21, 5, 5.5, 6, 7, 8, 9.0])
    v = np.unique(x)
    q75, q25 = np.percentile(v, [75, 25], method="weibull")
    h = 2 * (q75 - q25) * len(x) ** -0.33
    expected = v[np.flatnonzero(v - v[0] > h)[0]]
    np.testing.assert_array_equal(bin_thresholds(x, "fd", 2), [expected])
    t = bin_thresholds(x, "quantile", 3)
    assert len(t) <= 2 and np.all(np.diff(t) > 0)
    k = bin_thresholds(x, "kmeans", 2, seed=0)
    assert len(k) == 1 and 0.21 <= k[0] < 5  # the two clusters are split at the gap
    assert len(bin_thresholds(np.array([0.0, 0, 0, 1]), "quantile", 4)) == 1  # ties never split


# -- rules in words --------------------------------------------------------------------------

def test_node_bounds_are_the_boxes_of_decision_path():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 4)).astype(np.float32)
    y = (X[:, 0] > 0.3) ^ (X[:, 2] < -0.5)
    tree = DecisionTreeRegressor(max_depth=4, random_state=0).fit(X, y)
    low, high = node_bounds(tree)
    path = tree.decision_path(X).toarray().T.astype(bool)
    boxes = np.all((X[None] > low[:, None]) & (X[None] <= high[:, None]), axis=2)
    np.testing.assert_array_equal(boxes, path)


def test_interval_and_category_literals():
    known = [0.1, 0.25, 0.7, 1.0]
    assert interval_test("scale", -np.inf, 0.5, known) == "scale <= 0.25"
    assert interval_test("scale", 0.5, np.inf, known) == "scale > 0.25"
    assert interval_test("scale", 0.2, 0.8, known) == "0.1 < scale <= 0.7"
    values = ["ellipse", "heart", "square"]
    assert category_test("shape", values, [False, True, False]) == "shape = heart"
    assert category_test("shape", values, [True, False, True]) == "shape != heart"
    assert category_test("shape", [*values, "star"], [True, False, True, False]) == \
        "shape in {ellipse, square}"


# -- toy data with planted answers -----------------------------------------------------------

@pytest.fixture(scope="module")
def toy():
    """300 samples: neuron n0 fires exactly when a > 0.5, n1 when colour is red, n2 is noise,
    n3 is constant (dead)."""
    rng = np.random.default_rng(0)
    n = 300
    a = rng.random(n)
    colour = rng.choice(["red", "green", "blue"], n)
    noise = rng.random(n)
    acts = np.stack([np.maximum(0, a - 0.5) * 3, (colour == "red") * (1 + rng.random(n)),
                     rng.exponential(size=n), np.zeros(n)], axis=1)
    attrs = pd.DataFrame({"a": a, "colour": colour, "noise": noise})
    return acts, attrs


@pytest.fixture(scope="module")
def mined(toy):
    acts, attrs = toy
    with pytest.warns(UserWarning, match=r"constant \['left\[3\]'\]"):
        rm = RedescriptionMiner(seed=0, **QUIET).fit(acts, attrs)
    return rm


def test_planted_redescriptions_are_found(mined):
    rd = mined.redescriptions_
    assert list(rd.columns[:6]) == ["neuron", "set", "left", "right", "jaccard", "pvalue"]
    best = rd[rd.set == "individual"].groupby("neuron").first()
    assert best.loc["left[0]", "jaccard"] == pytest.approx(1.0)
    assert best.loc["left[0]", "right"] in ("a > 0.5", "a <= 0.5") or "a" in \
        best.loc["left[0]", "attributes"]
    assert best.loc["left[1]", "jaccard"] == pytest.approx(1.0)
    assert "colour = red" in set(rd[rd.neuron == "left[1]"].right) or \
        "colour != red" in set(rd[rd.neuron == "left[1]"].right)
    nd = mined.neurons_described_
    assert list(nd.index) == ["left[0]", "left[1]", "left[2]"]  # the dead neuron was dropped
    assert nd.loc["left[0]", "described"] and nd.loc["left[1]", "described"]
    assert not nd.loc["left[2]", "described"]  # noise: nothing passes p <= 0.01
    assert nd.loc["left[0]", "jaccard"] == pytest.approx(1.0)


def test_reported_numbers_match_the_supports(mined, toy):
    acts, attrs = toy
    res = mined.result_
    n = res.n_samples
    lenc = as_table(acts[:, :3], "left").encode()
    renc = as_table(attrs, "right").encode()
    assert len(res) == n == 300 and res.left_holds.shape == (n, res.n_redescriptions)
    for i in range(res.n_redescriptions):
        left, right = res.supports(i)
        assert left.sum() == res.left_support[i] and right.sum() == res.right_support[i]
        assert (left & right).sum() == res.support[i]
        assert res.jaccard[i] == pytest.approx((left & right).sum() / (left | right).sum())
        assert res.pvalue[i] == pytest.approx(
            pvalue(res.support[i], res.left_support[i], res.right_support[i], n))
        # the stored queries reproduce the supports on the data
        np.testing.assert_array_equal(evaluate(res.query(i, "left"), lenc.matrix), left)
        np.testing.assert_array_equal(evaluate(res.query(i, "right"), renc.matrix), right)
        assert res.jaccard[i] >= 0.5 and res.pvalue[i] <= 0.01
        assert 0.05 * n <= res.support[i] <= 0.8 * n
    assert np.all(np.diff(res.jaccard) <= 1e-12)  # best first


def test_filters_apply(toy):
    acts, attrs = toy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        strict = RedescriptionMiner(min_jaccard=0.99, max_pvalue=1e-20, max_support=0.5,
                                    **QUIET).fit(acts, attrs)
    rd = strict.redescriptions_
    assert len(rd) and (rd.jaccard >= 0.99).all() and (rd.pvalue <= 1e-20).all()
    assert (rd.support <= 0.5 * len(attrs)).all()


def test_dataframes_dicts_float64_and_tensors_just_work(toy):
    acts, attrs = toy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = RedescriptionMiner(interaction=False, **QUIET).fit(acts[:, :2], attrs)
        b = RedescriptionMiner(interaction=False, **QUIET).fit(
            torch.tensor(acts[:, :2], dtype=torch.float32),
            {c: attrs[c].to_numpy() for c in attrs.columns})
    assert acts.dtype == np.float64
    assert set(a.redescriptions_.neuron) == set(b.redescriptions_.neuron) == {"left[0]",
                                                                           "left[1]"}
    np.testing.assert_allclose(a.neurons_described_.jaccard, b.neurons_described_.jaccard)


def test_more_views_are_joined_on_the_right(toy):
    acts, attrs = toy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rm = RedescriptionMiner(interaction=False, **QUIET).fit(
            acts[:, :2], attrs[["a"]], attrs[["colour"]])
    assert rm.result_.attributes == ["a", "colour"]
    assert rm.neurons_described_.described.all()


def test_seeded_and_repeatable(toy):
    acts, attrs = toy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = RedescriptionMiner(seed=3, **QUIET).fit(acts, attrs).redescriptions_
        b = RedescriptionMiner(seed=3, **QUIET).fit(acts, attrs).redescriptions_
    pd.testing.assert_frame_equal(a, b)


def test_corrections_only_remove(toy):
    acts, attrs = toy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = RedescriptionMiner(correction=None, **QUIET).fit(acts, attrs)
        for method in ("bh", "bonferroni"):
            adj = RedescriptionMiner(correction=method, **QUIET).fit(acts, attrs)
            rd = adj.redescriptions_
            assert (rd.pvalue_adjusted >= rd.pvalue - 1e-15).all()
            assert (rd.pvalue_adjusted <= 0.01).all()
            assert adj.neurons_described_.described.sum() <= \
                raw.neurons_described_.described.sum()
            assert adj.result_.settings["n_candidates"] == raw.result_.settings["n_candidates"]


def test_summary_counts_levels(mined):
    s = mined.summary(pvalues=(0.01, 1e-4))
    assert list(s.columns) == ["neurons", "p <= 0.01", "p <= 0.0001", "median best J"]
    assert list(s.index) == ["model", "model, shuffled"]
    assert s.loc["model", "neurons"] == 3 and s.loc["model", "p <= 0.01"] == 2
    assert s.loc["model", "p <= 0.0001"] <= s.loc["model", "p <= 0.01"]
    assert s.loc["model, shuffled", "neurons"] == 3
    assert s.loc["model, shuffled", "p <= 0.01"] == mined.result_.shuffled.described_at(0.01)


def noise(n: int = 300, neurons: int = 16, attributes: int = 12, seed: int = 0):
    """Neurons and attributes that are independent noise: whatever is described is chance."""
    rng = np.random.default_rng(seed)
    return (rng.exponential(size=(n, neurons)),
            pd.DataFrame(rng.normal(size=(n, attributes)),
                         columns=[f"x{j}" for j in range(attributes)]))


def test_default_significance_is_corrected_for_the_number_of_candidates():
    acts, attrs = noise()
    assert RedescriptionMiner().correction == "bh"
    raw = RedescriptionMiner(correction=None, interaction=False, **QUIET).fit(acts, attrs)
    bh = RedescriptionMiner(interaction=False, **QUIET).fit(acts, attrs)
    # thousands of candidates at p <= 0.01 each: uncorrected, pure noise gets described
    assert raw.result_.settings["n_candidates"] > 100
    assert raw.neurons_described_.described.sum() >= 2
    assert bh.neurons_described_.described.sum() == 0
    assert bh.result_.described_text() == ("0 of 16 neurons described; with activations "
                                           "shuffled: 0 of 16")


def test_shuffled_baseline_is_the_miner_seeded_permutation_null(mined, toy):
    acts, attrs = toy
    null = mined.result_.shuffled
    assert null.seed == 0 and null.neurons == 3
    # exactly the same mining of the left view with every column shuffled by the miner's seed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the dead neuron
        shuffled = as_table(acts, "left").permuted(np.random.default_rng(0))
        by_hand = RedescriptionMiner(seed=0, **QUIET).fit(shuffled, attrs).result_
    assert null.described == by_hand.described == by_hand.summary["described"].sum()
    np.testing.assert_array_equal(null.min_pvalue, by_hand.summary["min_pvalue"])
    assert null.described == 0  # the planted neurons lose their rules when shuffled
    assert repr(mined.result_).endswith(
        "2 of 3 neurons described; with activations shuffled: 0 of 3)")
    # another seed, another permutation
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        other = RedescriptionMiner(seed=5, correction=None, **QUIET).fit(acts, attrs)
    assert other.result_.shuffled.seed == 5


def test_coverage_is_the_best_j_per_neuron_and_attribute(mined):
    res = mined.result_
    cov = res.coverage()
    assert cov.shape == (3, 3)
    rd = mined.redescriptions_
    for k, neuron in enumerate(res.neurons):
        for c, attr in enumerate(res.attributes):
            sub = rd[(rd.neuron == neuron) & rd.attributes.apply(lambda t, a=attr: a in t)]
            assert cov[k, c] == pytest.approx(sub.jaccard.max() if len(sub) else 0.0)


# -- models: views, the untrained baseline, model safety -------------------------------------

class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3, padding=1)
        self.relu = nn.ReLU()
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(3 * 8 * 8, 4)
        self.act = nn.ReLU()
        self.out = nn.Linear(4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.act(self.fc(self.flatten(self.relu(self.conv(x))))))


@pytest.fixture
def net():
    torch.manual_seed(0)
    model = Net().train()  # left in train mode, as users often leave them
    with torch.no_grad():  # every channel sees brightness: none is dead on the images below
        model.conv.weight.abs_()
        model.conv.bias.zero_()
    model.fc.weight.grad = torch.ones_like(model.fc.weight)
    model.conv.weight.requires_grad_(False)
    return model


def side_images(n: int, seed: int = 0) -> tuple[torch.Tensor, pd.DataFrame]:
    """Images bright on their left or right half, at a random brightness."""
    rng = np.random.default_rng(seed)
    side = rng.choice(["left", "right"], n)
    level = rng.uniform(0.2, 1.0, n)
    x = np.zeros((n, 1, 8, 8), dtype=np.float32)
    x[side == "left", :, :, :4] = 1
    x[side == "right", :, :, 4:] = 1
    x *= level[:, None, None, None]
    return torch.from_numpy(x), pd.DataFrame({"side": side, "level": level,
                                              "noise": rng.random(n)})


def test_activation_view_pools_conv_channels_and_names_units(net):
    x, _ = side_images(20)
    mean = activation_table(net, x, "relu")
    assert mean.columns == [f"relu.c{j}" for j in range(3)]
    with torch.no_grad():
        ref = net.relu(net.conv(x)).mean(dim=(2, 3))
    np.testing.assert_allclose(mean.values, ref.numpy(), rtol=1e-5, atol=1e-6)
    assert activation_table(net, x, "relu", pool="max").columns[0] == "relu.c0"
    grid = activation_table(net, x, net.relu, pool=2, name="conv")  # a module works too
    assert len(grid.columns) == 2 * 3 * 4 and grid.columns[0] == "conv.c0.mean[0,0]"
    assert grid.columns[-1] == "conv.c2.max[1,1]"
    with pytest.warns(UserWarning, match=r"view 'act' dropped .* constant \['act.n"):
        dense = activation_table(net, x.double().numpy(), "act")  # float64 numpy is cast
    assert all(c.startswith("act.n") for c in dense.columns)


def test_prediction_view_reads_the_task():
    model = nn.Linear(2, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[1.0, 0.0]]))
        model.bias.zero_()
    x = torch.tensor([[-1.0, 5], [2, 5], [3, -5], [-4, 0]])
    view = prediction_table(model, x, task="binary", class_names=["no", "yes"])
    assert view.columns == ["predicted"]
    np.testing.assert_array_equal(view.to_frame().predicted, ["no", "yes", "yes", "no"])
    reg = prediction_table(model, x, task="regression", name="score")
    np.testing.assert_allclose(reg.values[:, 0], [-1, 2, 3, -4])
    with pytest.raises(ValueError, match="argument 'task'"):
        prediction_table(model, x)  # one output: binary or regression? "auto" asks


def test_untrained_baseline_leaves_the_model_bit_identical(net):
    x, attrs = side_images(160)
    before = snapshot(net)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        acts = activation_table(net, x, "relu", pool=2)
        rm = RedescriptionMiner(baseline="untrained", interaction=False, **QUIET).fit(acts,
                                                                                     attrs)
    assert_untouched(net, before)
    assert net.training and net.fc.weight.grad is not None
    nd, base = rm.neurons_described_, rm.baseline_neurons_described_
    assert nd.described.sum() >= 6  # cells of the bright half: "side = left" / "level > ..."
    assert any("side = " in r for r in rm.redescriptions_.right)
    assert base is not None and rm.baseline_result_.settings["baseline"] == "untrained"
    assert list(rm.summary().index) == ["model", "model, shuffled", "baseline: untrained",
                                        "baseline: untrained, shuffled"]
    assert rm.baseline_result_.shuffled is not None
    assert rm.baseline_result_.shuffled.neurons == len(rm.baseline_result_.neurons)
    # the baseline saw the activations of another network (re-initialised weights)
    assert not (len(base) == len(nd) and np.allclose(nd.max_jaccard, base.max_jaccard,
                                                     equal_nan=True))


def test_permuted_baseline_finds_little(toy):
    acts, attrs = toy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rm = RedescriptionMiner(baseline="permuted", correction="bonferroni", **QUIET).fit(
            acts, attrs)
    assert rm.neurons_described_.described.sum() == 2
    assert rm.baseline_neurons_described_.described.sum() == 0
    # the permuted baseline is the shuffled mining every fit does, kept whole
    assert rm.result_.shuffled.described == 0
    assert list(rm.summary().index) == ["model", "model, shuffled", "baseline: permuted"]


# -- rule extraction -------------------------------------------------------------------------

def test_rule_set_from_predictions_and_its_fidelity(toy):
    _, attrs = toy
    pred = np.where(attrs.a > 0.7, "high", "low")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rm = RedescriptionMiner(interaction=False, **QUIET).fit(
            pd.DataFrame({"predicted": pred}), attrs)
    rules = rm.rule_set()
    assert set(rules.classes) <= {"high", "low"} and rules.rules
    assert rules.fidelity_ == pytest.approx(1.0)
    assert rules.fidelity(attrs, pred) == pytest.approx(1.0)
    new = pd.DataFrame({"a": [0.9, 0.1], "colour": ["red", "zzz"], "noise": [0.5, 0.5]})
    np.testing.assert_array_equal(rules.predict(new), ["high", "low"])
    assert "THEN predicted = " in repr(rules)
    with pytest.raises(ValueError, match="argument 'data': missing columns"):
        rules.predict(new.drop(columns="a"))



def test_rule_set_from_a_saved_and_opened_result(toy, tmp_path):
    _, attrs = toy
    pred = np.where(attrs.a > 0.7, "high", "low")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rm = RedescriptionMiner(interaction=False, **QUIET).fit(
            pd.DataFrame({"predicted": pred}), attrs)
    back = xw.open_result(rm.result_.save(tmp_path / "rd"))
    assert back.right_schema == rm.result_.right_schema  # plain data: lists, not arrays
    rules, again = rm.rule_set(), back.rule_set()
    assert again.rules == rules.rules and again.classes == rules.classes
    assert again.fidelity_ == rules.fidelity_
    new = pd.DataFrame({"a": [0.9, 0.1], "colour": ["red", "zzz"], "noise": [0.5, 0.5]})
    np.testing.assert_array_equal(again.predict(new), rules.predict(new))


def test_rule_set_needs_a_categorical_left_column(mined):
    with pytest.raises(ValueError, match="argument 'neuron'"):
        mined.rule_set()


# -- bad input -------------------------------------------------------------------------------

def test_views_with_different_numbers_of_rows(toy):
    acts, attrs = toy
    with pytest.raises(ValueError, match=r"argument 'right': expected 300 rows .*got 299"):
        RedescriptionMiner(**QUIET).fit(acts[:, :2], attrs.iloc[:299])


def test_constant_and_all_nan_columns_are_dropped_with_a_warning(toy):
    acts, attrs = toy
    bad = attrs.assign(flat=1.0, empty=np.nan)
    with pytest.warns(UserWarning, match=r"constant \['flat'\]; missing everywhere "
                                         r"\['empty'\]"):
        rm = RedescriptionMiner(interaction=False, **QUIET).fit(acts[:, :2], bad)
    assert rm.result_.attributes == ["a", "colour", "noise"]


def test_partly_missing_columns_are_refused(toy):
    acts, attrs = toy
    bad = attrs.copy()
    bad.loc[[3, 7], "a"] = np.nan
    with pytest.raises(ValueError, match=r"column 'a' has missing values .* \[3, 7\]"):
        RedescriptionMiner(**QUIET).fit(acts[:, :2], bad)


@pytest.mark.filterwarnings("ignore:argument 'left'")
def test_no_numeric_or_categorical_columns(toy):
    acts, _ = toy
    dates = pd.DataFrame({"when": pd.date_range("2020-01-01", periods=300)})
    with pytest.raises(ValueError, match="argument 'right': expected at least one numeric or "
                                         "categorical column"):
        RedescriptionMiner(**QUIET).fit(acts[:, :2], dates)
    with pytest.raises(ValueError, match=r"argument 'left'.*constant"):
        RedescriptionMiner(**QUIET).fit(np.zeros((300, 2)), dates.assign(x=1))
    with pytest.raises(TypeError, match="argument 'right': expected a table"):
        RedescriptionMiner(**QUIET).fit(acts, "attributes.csv")


@pytest.mark.parametrize("params, match", [
    ({"min_jaccard": 1.5}, r"argument 'min_jaccard': expected a number in \[0, 1\], got 1.5"),
    ({"min_jaccard": -0.1}, r"argument 'min_jaccard': expected a number in \[0, 1\]"),
    ({"max_pvalue": 0}, r"argument 'max_pvalue': expected a number in \(0, 1\], got 0.0"),
    ({"max_pvalue": -1e-3}, r"argument 'max_pvalue'"),
    ({"min_support": 0.9, "max_support": 0.5},
     r"argument 'min_support': expected a fraction <= max_support \(0.5\), got 0.9"),
    ({"max_support": 1.2}, r"argument 'max_support'"),
    ({"binning": "fdd"}, r"did you mean 'fd'"),
    ({"correction": "BH"}, r"argument 'correction'"),
    ({"baseline": "random"}, r"argument 'baseline'"),
    ({"max_depth": 0}, r"argument 'max_depth'"),
])
def test_thresholds_out_of_range(toy, params, match):
    acts, attrs = toy
    rm = RedescriptionMiner(**params, **QUIET)  # stored as given; checked by fit
    with pytest.raises(ValueError, match=match):
        rm.fit(acts, attrs)
    assert not hasattr(rm, "result_")


def test_a_layer_that_does_not_exist(net):
    with pytest.raises(ValueError, match=r"argument 'layer': model has no layer 'relu3'.*"
                                         r"Did you mean \['relu'\]"):
        activation_table(net, torch.rand(4, 1, 8, 8), "relu3")


class Brittle(nn.Module):
    """A model that raises its own error once re-initialised (as its untrained copy is)."""

    def __init__(self, error: type[Exception]) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 3)
        self.act = nn.ReLU()
        self.out = nn.Linear(3, 2)
        self.trained = True
        self.error = error

    def reset_parameters(self) -> None:
        self.trained = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.trained:
            raise self.error("Brittle: refuses to run untrained")
        return self.out(self.act(self.fc(x)))


class ModelTrouble(Exception):
    pass


@pytest.mark.filterwarnings("ignore:argument")
@pytest.mark.parametrize("error", [RuntimeError, ValueError, ModelTrouble])
def test_the_untrained_copys_own_error_reaches_the_user_as_itself(error):
    torch.manual_seed(0)
    model = Brittle(error)
    x = torch.randn(120, 2)
    attrs = pd.DataFrame({"x0": x[:, 0].numpy(), "x1": x[:, 1].numpy()})
    before = snapshot(model)
    pred = prediction_table(model, x)
    acts = activation_table(model, x, "act")
    # the prediction view on the right: once dropped with a warning, and fit succeeded
    for left, right in ((x.numpy(), (pred, attrs)), (acts, (attrs,))):
        rm = RedescriptionMiner(baseline="untrained", interaction=False, **QUIET)
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)  # no warning swallows it either
            with pytest.raises(error, match=r"^Brittle: refuses to run untrained$") as info:
                rm.fit(left, *right)
        assert type(info.value) is error
        assert not hasattr(rm, "result_")
    assert_untouched(model, before)
    assert model.trained


class Collapsing(nn.Linear):
    """A linear layer whose re-initialisation is all zeros: its untrained copy predicts one
    class for every sample."""

    def reset_parameters(self) -> None:
        nn.init.zeros_(self.weight)
        nn.init.zeros_(self.bias)


def test_an_untrained_copy_without_a_usable_view_is_left_out_with_a_warning():
    model = Collapsing(2, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[1.0, 0.0], [-1.0, 0.0]]))
    x = torch.randn(120, 2, generator=torch.Generator().manual_seed(0))
    attrs = pd.DataFrame({"x0": x[:, 0].numpy(), "x1": x[:, 1].numpy()})
    pred = prediction_table(model, x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        acts = as_table(x.numpy() * [1, 0.5] + 0.1, "left")
    with pytest.warns(UserWarning, match=r"baseline: view 'predicted' of the untrained copy is "
                                         r"left out .*constant \['predicted'\]"):
        rm = RedescriptionMiner(baseline="untrained", interaction=False, **QUIET).fit(
            acts, pred, attrs)
    assert rm.baseline_result_.attributes == ["x0", "x1"]
    assert "predicted" in rm.result_.attributes


@pytest.mark.parametrize("columns, dupes", [(["a", "a", "b"], "['a']"),
                                            ([1, "1", "b"], "['1']")])
def test_duplicate_column_names_are_refused_naming_the_argument(toy, columns, dupes):
    acts, attrs = toy
    frame = pd.DataFrame(attrs[["a", "noise", "a"]].to_numpy(), columns=columns)
    with pytest.raises(ValueError, match=rf"argument 'right': expected unique column names, "
                                         rf"got {re.escape(dupes)} more than once"):
        RedescriptionMiner(**QUIET).fit(acts[:, :2], frame)
    with pytest.raises(ValueError, match=r"argument 'left': expected unique column names"):
        RedescriptionMiner(**QUIET).fit(frame, attrs)
    with pytest.raises(ValueError, match=r"argument 'features': expected unique column names"):
        as_table(frame, "features")


@pytest.mark.filterwarnings("ignore:argument 'left'")
def test_untrained_baseline_needs_model_views(toy):
    acts, attrs = toy
    with pytest.raises(ValueError, match="argument 'baseline': 'untrained' needs views"):
        RedescriptionMiner(baseline="untrained", **QUIET).fit(acts, attrs)


def test_results_before_fit():
    rm = RedescriptionMiner()
    for attr in ("redescriptions_", "neurons_described_", "baseline_neurons_described_"):
        with pytest.raises(NotFittedError, match=rf"before {attr}"):
            getattr(rm, attr)
    with pytest.raises(NotFittedError):
        rm.summary()


# -- the estimator contract ------------------------------------------------------------------

def test_estimator_contract_and_persistence(mined, tmp_path):
    assert repr(RedescriptionMiner(min_jaccard=0.6)) == "RedescriptionMiner(min_jaccard=0.6)"
    c = clone(mined)
    assert c.get_params() == mined.get_params() and not hasattr(c, "result_")
    path = mined.save(tmp_path / "rm.pt")
    back = RedescriptionMiner.load(path)
    pd.testing.assert_frame_equal(back.redescriptions_, mined.redescriptions_)
    pd.testing.assert_frame_equal(back.neurons_described_, mined.neurons_described_)
    assert back.result_.shuffled is not None  # the null is saved with the result
    assert back.result_.described_text() == mined.result_.described_text()
    np.testing.assert_array_equal(back.result_.shuffled.min_pvalue,
                                  mined.result_.shuffled.min_pvalue)
    with pytest.raises(ValueError, match="fitted without a model"):
        RedescriptionMiner.load(path, model=nn.Linear(2, 2))


def test_public_api():
    for name in ("RedescriptionMiner", "RedescriptionView", "activation_table", "prediction_table",
                 "as_table", "AttributeTable", "RuleSet", "RedescriptionResult"):
        assert name in xw.__all__ and hasattr(xw, name)
