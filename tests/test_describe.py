"""``describe_selection``: a planted group (a feature or a concept that flips the model's answer)
is found by a rule that names it, a random group gets no significant rule, and the counts,
intervals and mean attributions equal numpy on the same rows, in memory and from a run."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import xaiwidgets as xw
from xaiwidgets.concepts.result import ConceptPredictions
from xaiwidgets.runs.describe import SelectionDescription

N = 600
NAMES = ["age", "weight", "height", "dose", "<b>pulse</b>", "temp"]


class Flip(nn.Module):
    """Answers x0 + x1 > 0, reversed when the 'dose' input x[3] exceeds 0.8 (planted)."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.fc1 = nn.Linear(6, 8)
        self.out = nn.Linear(8, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = 3 * (x[:, 0] + x[:, 1]) + 0.1 * self.out(torch.tanh(self.fc1(x)))[:, 0]
        z = torch.where(x[:, 3] > 0.8, -z, z)
        return torch.stack([-z, z], 1)


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, 6)).astype(np.float32)
    return X, (X[:, 0] + X[:, 1] > 0).astype(np.int64)


@pytest.fixture(scope="module")
def planted():
    X, y = data()
    res = xw.compare_attributions(Flip().eval(), X, None, ["saliency", "input_x_gradient"],
                                  y=y, metrics=["deletion_auc"], metric_samples=N,
                                  progress=False, seed=0)
    return X, y, res


def test_the_planted_feature_is_the_top_rule(planted):
    X, y, res = planted
    wrong = res.y_pred != y
    assert np.array_equal(wrong, X[:, 3] > 0.8)  # the planted group: the misclassified
    d = xw.describe_selection(res, wrong, input_names=NAMES, seed=0)
    assert isinstance(d, SelectionDescription)
    top = d.rules[0]
    assert top.text.startswith("dose > 0.8"), top.text
    assert top.conditions[0][0] == "dose" and abs(top.conditions[0][1] - 0.8) < 0.05
    assert top.precision >= 0.9 and top.recall >= 0.9 and top.pvalue < 0.05
    assert top.pvalue == pytest.approx(1 / 100)  # no shuffled fit does as well
    assert top.support == int(wrong.sum()) and np.array_equal(top.rows, np.flatnonzero(wrong))
    assert d.n_permutations == 99 and d.mined_rows == N
    text = d.text()
    assert f"Rule 1: {top.text}: covers {top.support} samples" in text
    assert "<b>pulse</b>" in d.columns  # names from data stay plain text
    # indices for the group, one thread: the same description
    again = xw.describe_selection(res, np.flatnonzero(wrong), input_names=NAMES, seed=0,
                                  n_jobs=1)
    assert again.text() == text


def test_a_random_group_gets_no_significant_rule(planted):
    _, _, res = planted
    group = np.random.default_rng(5).random(N) < 0.15
    d = xw.describe_selection(res, group, input_names=NAMES)
    assert d.rules and all(r.pvalue >= 0.05 for r in d.rules)
    assert max(r.precision for r in d.rules) < 0.9


def test_counts_intervals_and_mean_attributions_equal_numpy(planted):
    _, y, res = planted
    group = np.flatnonzero(np.random.default_rng(1).random(N) < 0.3)
    rest = np.setdiff1d(np.arange(N), group)
    d = xw.describe_selection(res, group, level=0.9)
    counts = {c.column: c for c in d.counts}
    assert counts["label"].classes == ["0", "1"]
    assert counts["label"].group == np.bincount(y[group]).tolist()
    assert counts["label"].rest == np.bincount(y[rest]).tolist()
    assert counts["prediction"].group == np.bincount(res.y_pred[group]).tolist()
    named = xw.describe_selection(res, group, class_names=["no", "yes"])
    assert [c.classes for c in named.counts] == [["no", "yes"], ["no", "yes"]]
    assert [(m.method, m.metric) for m in d.metrics] == [
        ("Saliency", "deletion_auc"), ("Input × Gradient", "deletion_auc")]
    rng = np.random.default_rng(0)
    for m in d.metrics:
        v = res.metrics[m.method][m.metric].astype(np.float64)
        for rows, (mean, low, high, n) in ((group, m.group), (rest, m.rest)):
            assert n == len(rows) and mean == pytest.approx(v[rows].mean())
            boot = v[rows][rng.integers(0, len(rows), (4000, len(rows)))].mean(axis=1)
            ref_lo, ref_hi = np.percentile(boot, [5, 95])
            width = ref_hi - ref_lo
            assert abs(low - ref_lo) < 0.1 * width and abs(high - ref_hi) < 0.1 * width
    for method, a in res.attributions.items():
        assert np.allclose(d.mean_attribution[method], a[group].mean(axis=0), atol=1e-6)
    # against another selection: only those rows count
    other = rest[:100]
    vs = xw.describe_selection(res, group, against=other)
    assert vs.n_rest == 100 and vs.against == "the other selection"
    assert vs.counts[0].rest == np.bincount(y[other], minlength=2).tolist()


def test_a_planted_concept_is_named(planted):
    X, _, res = planted
    rng = np.random.default_rng(3)
    stripes = (X[:, 3] > 0.8).astype(np.int64)
    noisy = np.where(rng.random(N) < 0.02, 1 - stripes, stripes)
    concepts = ConceptPredictions(
        concept_names=["stripes", "colour"],
        values={"stripes": [False, True], "colour": ["red", "green", "blue"]},
        best_layer={"stripes": "fc1", "colour": "fc1"},
        codes={"stripes": noisy, "colour": rng.integers(0, 3, N)})
    wrong = res.y_pred != res.y_true
    d = xw.describe_selection({"attributions": res, "concepts": concepts}, wrong,
                              columns=["concepts"])
    assert d.columns == ["concept stripes", "concept colour"]
    top = d.rules[0]
    assert top.text == "concept 'stripes' present"
    assert top.precision >= 0.9 and top.pvalue < 0.05
    assert top.support == int((noisy.astype(bool) & wrong).sum())


def test_from_a_run_equals_in_memory(tmp_path, planted):
    X, y, res = planted
    path = tmp_path / "flip.zarr"
    report = xw.explain_dataset(Flip().eval(), X, path, y=y, methods=["saliency"],
                                metrics=["deletion_auc"], features={"hidden": "fc1"},
                                shard_size=100, client="serial", progress=False)
    assert report.complete
    run = xw.open_run(path)
    pred = np.asarray(run.attributions.y_pred[...])
    wrong = pred != y
    d = run_d = xw.describe_selection(run, wrong, input_names=NAMES)
    assert "fc1[0]" in d.columns and "dose" in d.columns  # neurons: "layer[unit]"
    assert run_d.rules[0].text.startswith("dose > 0.8") and run_d.rules[0].pvalue < 0.05
    mem = xw.describe_selection(res, wrong, input_names=NAMES)
    assert run_d.rules[0].text == mem.rules[0].text
    assert [c.group for c in run_d.counts] == [c.group for c in mem.counts]
    stored = np.asarray(run.attributions.attributions["Saliency"][...])
    assert np.allclose(run_d.mean_attribution["Saliency"], stored[wrong].mean(axis=0),
                       atol=1e-6)
    # neurons only: rules over fc1's units
    neurons = xw.describe_selection(run, wrong, columns=["neurons"], features="hidden")
    assert all(name.startswith("fc1[") for name in neurons.columns)
    assert all(c[0].startswith("fc1[") for r in neurons.rules for c in r.conditions)
    with pytest.raises(ValueError, match=r"argument 'features'.*\['nope'\].*\['hidden'\]"):
        xw.describe_selection(run, wrong, features="nope")


def test_bad_arguments_are_named(planted):
    _, _, res = planted
    ok = np.zeros(N, dtype=bool)
    ok[:10] = True
    cases = [
        ({"source": 3}, TypeError, "argument 'source'"),
        ({"selected": np.ones(5, dtype=bool)}, ValueError, r"argument 'selected'.*\(600,\)"),
        ({"selected": [0, 700]}, ValueError, r"argument 'selected'.*\[0, 600\)"),
        ({"selected": [1, 1]}, ValueError, "argument 'selected'.*repeat"),
        ({"selected": np.zeros(N, dtype=bool)}, ValueError, "argument 'selected'.*0 samples"),
        ({"selected": np.ones(N, dtype=bool)}, ValueError, "argument 'selected'"),
        ({"against": [0, 1]}, ValueError, "argument 'against'.*disjoint"),
        ({"against": "others"}, ValueError, "argument 'against'"),
        ({"columns": ["pixels"]}, ValueError, "argument 'columns'"),
        ({"columns": "inputs"}, TypeError, "argument 'columns'"),
        ({"max_depth": 4}, ValueError, "argument 'max_depth'"),
        ({"n_permutations": 50}, ValueError, "argument 'n_permutations'"),
        ({"input_names": ["a"]}, ValueError, "argument 'input_names'.*6 names"),
    ]
    for change, err, pattern in cases:
        args = {"source": res, "selected": ok, **change}
        with pytest.raises(err, match=pattern):
            xw.describe_selection(args.pop("source"), args.pop("selected"), **args)


def test_many_columns_are_screened_and_a_planted_unit_is_found():
    from xaiwidgets.runs.steps import Activations

    rng = np.random.default_rng(4)
    acts = rng.normal(size=(N, 40)).astype(np.float32)
    source = {"features": Activations(values={"pen": acts}, layers={"pen": "fc1"})}
    group = acts[:, 17] > 1.0
    d = xw.describe_selection(source, group, max_columns=8, n_jobs=1)
    assert len(d.columns) == 40 and d.columns[17] == "fc1[17]"
    top = d.rules[0]
    assert top.text.startswith("fc1[17] > 0.9") or top.text.startswith("fc1[17] > 1")
    assert top.precision == 1.0 and top.recall == 1.0 and top.pvalue < 0.05
    # the screen runs on the shuffled labels too: a random group stays insignificant
    noise = xw.describe_selection(source, rng.random(N) < 0.2, max_columns=8)
    assert all(r.pvalue >= 0.05 for r in noise.rules)
