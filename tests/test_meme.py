"""MEME: states captured in place (lengths, PackedSequence, batch_first, nesting), concepts,
transition trees, the vectorised automaton, scores, explanations, sweeps, errors, model safety."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from test_probe import assert_untouched, snapshot
from torch import nn

import xaiwidgets as xw
from xaiwidgets.examples import SequenceLSTM, StepLSTM, train_rnn
from xaiwidgets.meme import MEME, BidirectionalWarning, similar_ranges, sweep
from xaiwidgets.meme.concepts import allocate_concepts
from xaiwidgets.meme.transitions import window_features

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def toy(n: int = 60, t: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two features; the label at t is "the first feature is high", which switches at a random
    step of every sequence."""
    rng = np.random.default_rng(seed)
    switch = rng.integers(2, t - 2, size=n)
    high = (np.arange(t)[None, :] >= switch[:, None]) ^ (rng.random(n) < 0.5)[:, None]
    x = np.stack([high * 2.0 - 1.0 + rng.normal(0, 0.2, (n, t)),
                  rng.normal(0, 1, (n, t))], axis=2).astype(np.float32)
    return x, high.astype(np.int64)


@pytest.fixture(scope="module")
def step_model():
    x, y = toy(80)
    torch.manual_seed(0)
    m = StepLSTM(2, hidden=8)
    train_rnn(m, x[:60], y[:60], x[60:], y[60:], epochs=25, batch_size=16, lr=2e-2,
              progress=False)
    return m


@pytest.fixture(scope="module")
def fitted(step_model):
    x, _ = toy(60)
    meme = MEME(step_model, n_concepts=2, window=1, class_names=["low", "high"],
                progress=False).fit(x, feature_names=["a", "b"])
    return meme, x


def naive_run(meme: MEME, x: np.ndarray, lengths: np.ndarray, start: np.ndarray) -> np.ndarray:
    """The automaton, one sequence and one step at a time (the reference the vectorised
    version must match)."""
    w = window_features(x, meme.window, meme.history)
    out = np.full(x.shape[:2], -1)
    for i in range(len(x)):
        c = int(start[i])
        out[i, 0] = c
        for t in range(1, int(lengths[i])):
            c = int(meme.transition_trees_[c].predict(w[i, t][None])[0])
            out[i, t] = c
    return out


# -- fit and predict ------------------------------------------------------------------------

def test_fit_names_concepts_and_predicts_per_step(fitted, step_model):
    meme, x = fitted
    assert meme.per_step_ and meme.layer_ == "lstm" and meme.n_concepts_ == 2
    # the class, then the input that sets the concept apart (a > 0 makes the model say high)
    assert sorted(c.name for c in meme.concepts_) == ["high · a high", "low · a low"]
    assert len(meme.transition_trees_) == 2
    assert meme.window_feature_names_ == ["a@t", "b@t", "a@t-1", "b@t-1"]
    assert np.allclose(meme.transition_matrix_.sum(axis=1), 1)
    concepts, outputs = meme.predict(x)
    assert concepts.shape == outputs.shape == x.shape[:2]
    majority = np.array([c.majority for c in meme.concepts_])
    assert np.array_equal(outputs, majority[concepts])
    scores = meme.evaluate(x, toy(60)[1])
    assert scores.step_fidelity >= 0.85 and scores.per_step
    assert scores.fidelity == scores.step_fidelity
    assert 0 <= scores.f1 <= 1 and scores.accuracy is not None


def test_predict_is_the_step_by_step_automaton(fitted):
    meme, x = fitted
    lengths = np.random.default_rng(1).integers(3, x.shape[1] + 1, size=len(x))
    concepts, _ = meme.predict(x, lengths)
    start = concepts[:, 0]
    assert np.array_equal(concepts, naive_run(meme, x, lengths, start))
    assert (concepts[np.arange(x.shape[1])[None, :] >= lengths[:, None]] == -1).all()


def test_start_concept_comes_from_each_sequences_own_first_state(fitted):
    meme, x = fitted
    concepts, _ = meme.predict(x)
    first = meme.kmeans_.predict(
        xw.ModelProbe(meme.model, ["lstm"]).step_states(x[:, :1]).states["lstm"])
    assert np.array_equal(concepts[:, 0], first)
    assert len(set(first.tolist())) == 2  # not one start concept for every sequence
    tree_start = meme.set_params(start="tree").predict(x)[0][:, 0]
    meme.set_params(start="rnn")
    assert np.mean(tree_start == first) >= 0.9


def test_fit_is_seeded_and_leaves_the_global_rng_alone(step_model):
    x, _ = toy(40)
    rng = torch.random.get_rng_state(), np.random.get_state()[1].copy()
    a = MEME(step_model, n_concepts=3, seed=3, progress=False).fit(x)
    assert torch.equal(rng[0], torch.random.get_rng_state())
    assert np.array_equal(rng[1], np.random.get_state()[1])
    b = MEME(step_model, n_concepts=3, seed=3, progress=False).fit(x)
    assert np.array_equal(a.kmeans_.cluster_centers_, b.kmeans_.cluster_centers_)
    assert np.array_equal(a.predict(x)[0], b.predict(x)[0])


def test_auto_sweeps_the_number_of_concepts(step_model):
    x, _ = toy(40)
    meme = MEME(step_model, progress=False).fit(x)
    assert meme.sweep_["n_concepts"] == [2, 3, 4, 5, 6]
    assert meme.clustering_ == "states" and meme.max_depth_ == 3  # two classes: the paper's
    assert len(meme.sweep_["silhouette"]) == len(meme.sweep_["fidelity"]) == 5
    best = max(meme.sweep_["fidelity"])
    assert meme.train_fidelity_ >= best - 0.01
    sil = MEME(step_model, select="silhouette", progress=False).fit(x)
    assert sil.n_concepts_ == 2 + int(np.nanargmax(sil.sweep_["silhouette"]))


# -- layers, lengths, packing ---------------------------------------------------------------

class Packed(nn.Module):
    """forward(x, lengths): packs inside; the GRU is not batch-first and nested."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.ModuleDict({"gru": nn.GRU(2, 6, num_layers=2)})
        self.head = nn.Linear(6, 2)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = nn.utils.rnn.pack_padded_sequence(x.transpose(0, 1), lengths,
                                                   enforce_sorted=False)
        _, h = self.body["gru"](packed)
        return self.head(h[-1])


class NotBatchFirst(nn.Module):
    """forward(x) with a time-major vanilla RNN; one logit per sequence."""

    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.RNN(2, 5)
        self.head = nn.Linear(5, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x.transpose(0, 1))
        return self.head(out[-1])


def test_padding_never_becomes_a_state_and_packed_models_get_lengths():
    torch.manual_seed(0)
    model = Packed()
    x, _ = toy(30)
    lengths = np.random.default_rng(0).integers(2, x.shape[1] + 1, size=len(x))
    garbage = x.copy()
    pad = np.arange(x.shape[1])[None, :] >= lengths[:, None]
    garbage[pad] = 1e3
    a = MEME(model, n_concepts=2, readout=model.head, progress=False).fit(x, lengths)
    b = MEME(model, n_concepts=2, readout=model.head, progress=False).fit(garbage, lengths)
    assert a.layer_ == "body.gru" and not a.per_step_
    assert np.allclose(a.kmeans_.cluster_centers_, b.kmeans_.cluster_centers_)
    assert sum(c.size for c in a.concepts_) == lengths.sum()
    # a PackedSequence carries the same data and lengths
    packed = nn.utils.rnn.pack_padded_sequence(torch.from_numpy(x), torch.from_numpy(lengths),
                                               batch_first=True, enforce_sorted=False)
    c = MEME(model, n_concepts=2, readout=model.head, progress=False).fit(packed)
    assert np.allclose(a.kmeans_.cluster_centers_, c.kmeans_.cluster_centers_)
    scores = a.evaluate(x, np.zeros(len(x), dtype=int), lengths=lengths)
    assert scores.sequence_fidelity == scores.final_fidelity


def test_time_major_rnn_states_are_per_sequence():
    torch.manual_seed(0)
    model = NotBatchFirst()
    x, _ = toy(20)
    meme = MEME(model, n_concepts=2, task="binary", progress=False).fit(x)
    direct, _ = model.rnn(torch.from_numpy(x).transpose(0, 1))
    states = direct.transpose(0, 1).detach().reshape(-1, 5).numpy()
    assert np.array_equal(meme.kmeans_.predict(states),
                          meme.kmeans_.predict(
                              xw.ModelProbe(model, ["rnn"]).step_states(x).states["rnn"]))
    assert meme.task_.kind == "binary"


def test_bidirectional_layers_warn():
    class Bi(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(2, 4, batch_first=True, bidirectional=True)
            self.head = nn.Linear(8, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.lstm(x)[0])

    x, _ = toy(20)
    with pytest.warns(BidirectionalWarning, match="seen the steps after t"):
        MEME(Bi(), n_concepts=2, progress=False).fit(x)


def test_float64_arrays_work(step_model, fitted):
    meme, x = fitted
    a = meme.predict(x.astype(np.float64))[0]
    assert np.array_equal(a, meme.predict(torch.from_numpy(x))[0])


# -- explanations, persistence, sweeps, search ----------------------------------------------

def test_explain_sequence_gives_every_transition_in_words(fitted):
    meme, x = fitted
    concepts, _ = meme.predict(x)
    i = int(np.flatnonzero((np.diff(concepts, axis=1) != 0).any(axis=1))[0])
    ex = meme.explain_sequence(x, i)
    assert [s.concept for s in ex.steps] == concepts[i].tolist()
    moves = [s for s in ex.steps if s.t > 0 and s.source != s.concept]
    assert moves
    for s in moves:
        assert s.rule.endswith(f"-> {meme.concepts_[s.concept].name}")
        assert s.conditions and all("@t" in c and (" <= " in c or " > " in c)
                                    for c in s.conditions)
    assert ex.steps[0].rule == f"the RNN's first state -> {ex.steps[0].name}"
    assert "->" in ex.to_text()
    one = meme.explain_sequence(x[i])
    assert [s.rule for s in one.steps] == [s.rule for s in ex.steps]


def test_transition_paths_follow_the_fitted_trees(fitted):
    meme, x = fitted
    w = window_features(x, meme.window).reshape(-1, 4)
    for tree in meme.transition_trees_:
        if tree.estimator is None:
            continue
        nodes = tree.nodes(meme.window_feature_names_)
        leaf = tree.apply(w)
        assert (nodes["yes"][leaf] == -1).all()  # every row ends at a (collapsed) leaf
        assert np.array_equal(nodes["value"][leaf], tree.predict(w))


def test_rename_concepts_and_the_table(fitted):
    meme, _ = fitted
    old = [c.name for c in meme.concepts_]
    meme.rename_concepts({old[0]: "calm"})
    assert meme.concepts_[0].name == "calm"
    with pytest.raises(ValueError, match="distinct"):
        meme.rename_concepts(["x", "x"])
    table = meme.concept_table()
    assert list(table["name"]) == ["calm", old[1]] and "share high" in table
    meme.rename_concepts(old)
    assert "from " in meme.export_text() and "start:" in meme.export_text()


def test_the_trace_holds_every_step_padded_to_the_longest(fitted, step_model):
    meme, x = fitted
    y = toy(60)[1]
    lengths = np.random.default_rng(1).integers(3, 11, size=len(x))
    trace = meme.explain(x, lengths, y_true=y)
    longest = int(lengths.max())
    assert len(trace) == 60 and longest < x.shape[1]
    assert trace.X.shape == (60, longest, 2) and trace.states.shape == (60, longest, 8)
    assert trace.concepts.shape == trace.y_pred.shape == trace.y_true.shape == (60, longest)
    valid = trace.valid()
    assert valid.sum() == lengths.sum()
    np.testing.assert_array_equal(trace.X[valid], x[:, :longest][valid])
    for name in ("concepts", "outputs", "leaves", "sources", "y_pred", "state_concepts",
                 "y_true"):
        assert (getattr(trace, name)[~valid] == -1).all(), name
    assert (trace.X[~valid] == 0).all() and (trace.states[~valid] == 0).all()
    concepts, outputs = meme.predict(x, lengths)
    assert np.array_equal(trace.concepts, concepts[:, :longest])
    assert np.array_equal(trace.outputs, outputs[:, :longest])
    assert np.array_equal(trace.sources[:, 1:][valid[:, 1:]], trace.concepts[:, :-1][valid[:, 1:]])
    # the RNN's own classes and probabilities, step by step
    with torch.no_grad():
        logits = step_model(torch.from_numpy(x)).numpy()[:, :longest]
    assert np.array_equal(trace.y_pred[valid], logits.argmax(-1)[valid])
    prob = torch.softmax(torch.from_numpy(logits), -1)[..., 1].numpy()
    np.testing.assert_allclose(trace.y_score[valid], prob[valid], atol=1e-5)
    assert np.array_equal(trace.y_pred_final, trace.y_pred[np.arange(60), lengths - 1])
    # the extracted model as drawn: plain data, no estimator
    assert trace.concept_names == [c.name for c in meme.concepts_]
    assert np.array_equal(trace.concept_class, [c.majority for c in meme.concepts_])
    assert [tr["source"] for tr in trace.trees] == [0, 1, -1]
    assert np.array_equal(np.sort(trace.unit_order), np.arange(8))
    json.dumps(trace.metadata())
    # scores from the rows alone, the same as evaluate
    s = trace.scores
    assert s.step_fidelity == pytest.approx(np.mean(outputs[:, :longest][valid]
                                                    == trace.y_pred[valid]))
    assert s.accuracy == pytest.approx(np.mean(outputs[:, :longest][valid]
                                               == y[:, :longest][valid]))
    assert s.n_steps == lengths.sum() and s.n_concepts == 2
    assert meme.evaluate(x, y, lengths=lengths).summary() == s.summary()
    with pytest.warns(FutureWarning, match="y_pred"):
        assert trace.rnn is trace.y_pred


def test_the_trace_takes_concatenates_saves_and_explains(fitted, tmp_path):
    meme, x = fitted
    lengths = np.random.default_rng(2).integers(3, 12, size=len(x))
    lengths[:30] = np.minimum(lengths[:30], 6)  # the first half is shorter
    trace = meme.explain(x, lengths)
    halves = [meme.explain(x[:30], lengths[:30]), meme.explain(x[30:], lengths[30:])]
    assert halves[0].concepts.shape[1] == 6 < halves[1].concepts.shape[1]
    both = xw.MemeTrace.concat(halves)
    for name in ("X", "lengths", "concepts", "outputs", "leaves", "y_pred", "state_concepts"):
        assert np.array_equal(getattr(both, name), getattr(trace, name)), name
    np.testing.assert_allclose(both.states, trace.states, atol=1e-5)
    # the scores of a selection are those of its sequences alone
    assert trace[:30].scores.summary() == meme.evaluate(x[:30], lengths=lengths[:30]).summary()
    part = trace[[3, 40]]
    assert np.array_equal(part.concepts, trace.concepts[[3, 40]])
    assert part.explain(1).to_text() == trace.explain(40).to_text()
    ex = meme.explain_sequence(x, 40, lengths=lengths)
    assert trace.explain(40).to_text(changes_only=False) == ex.to_text(changes_only=False)
    back = xw.open_result(trace.save(tmp_path / "trace"))
    assert isinstance(back, xw.MemeTrace) and back.trees == trace.trees
    assert np.array_equal(back.states, trace.states)
    assert back.scores.summary() == trace.scores.summary()
    assert back.export_text() == meme.export_text()
    assert back[5:9].explain(0).to_text() == trace.explain(5).to_text()
    hits = back.similar_ranges(0, 0, 3, by="concepts")
    assert hits and all(h["sequence"] != 0 and h["stop"] - h["start"] >= 3 for h in hits)
    with pytest.raises(ValueError, match="argument 'y_true': expected per-step labels"):
        meme.explain(x, lengths, y_true=np.zeros(60))


def test_save_and_load_without_the_model(fitted, step_model, tmp_path):
    meme, x = fitted
    path = meme.save(tmp_path / "meme.pt")
    back = MEME.load(path, model=step_model)
    assert np.array_equal(back.predict(x)[0], meme.predict(x)[0])
    with pytest.raises(ValueError, match="model"):
        MEME.load(path)


def test_sweep_reuses_one_capture_and_reports_every_window(step_model):
    x, y = toy(40)
    result = sweep(MEME(step_model, n_concepts=2, progress=False), x[:30], windows=[0, 1, 2],
                   seeds=[0, 1], X_test=x[30:], y_test=y[30:], progress=False)
    assert len(result.rows) == 6
    assert {r["window"] for r in result.rows} == {0, 1, 2}
    mean, std = result.mean("fidelity", window=1)
    assert 0 <= mean <= 1 and std >= 0
    assert list(result.summary().index) == [0, 1, 2]


def test_similar_ranges_finds_a_planted_pattern():
    rng = np.random.default_rng(0)
    states = rng.uniform(-1, 0, (100, 6)).astype(np.float32)
    offsets = np.array([0, 30, 60, 100])
    states[5:10, [1, 3]] = 0.9      # query: units 1 and 3 on at steps 5..9 of sequence 0
    states[70:75, [1, 3]] = 0.9     # sequence 2, steps 10..14
    hits = similar_ranges(states, offsets, 0, 5, 10)
    assert hits[0] == {"sequence": 2, "start": 10, "stop": 15, "score": pytest.approx(1.0)}
    concepts = np.zeros(100, dtype=int)
    concepts[5:10] = [1, 1, 2, 2, 1]
    concepts[40:45] = [1, 1, 2, 2, 1]
    best = similar_ranges(states, offsets, 0, 5, 10, by="concepts", concepts=concepts)[0]
    assert (best["sequence"], best["start"], best["score"]) == (1, 10, 1.0)


def test_similar_ranges_lists_one_event_once():
    # concept path [3, 3, 3] of sequence 0; sequence 1 holds a run of 6 threes (4 shifted
    # windows match it fully: one event, steps 2..7) and, apart, a second run of 3 (another
    # event); sequence 2 a run of 4 right after a run of 3 (adjacent windows: one event)
    states = np.zeros((60, 2), dtype=np.float32)
    offsets = np.array([0, 20, 40, 60])
    concepts = np.zeros(60, dtype=int)
    concepts[0:3] = 3
    concepts[22:28] = 3
    concepts[34:37] = 3
    concepts[45:52] = 3
    hits = similar_ranges(states, offsets, 0, 0, 3, by="concepts", concepts=concepts)
    assert hits == [{"sequence": 1, "start": 2, "stop": 8, "score": 1.0},
                    {"sequence": 1, "start": 14, "stop": 17, "score": 1.0},
                    {"sequence": 2, "start": 5, "stop": 12, "score": 1.0}]
    assert similar_ranges(states, offsets, 0, 0, 3, by="concepts", concepts=concepts,
                          top=1) == hits[:1]


def test_concepts_are_named_by_the_input_that_sets_them_apart():
    from xaiwidgets.meme.concepts import name_concepts

    rng = np.random.default_rng(0)
    # three concepts of class "empty" (0) and one of "busy" (1); inputs: light, CO2
    concept_of = np.repeat([0, 1, 2, 3], 50)
    labels = np.repeat([0, 0, 0, 1], 50)
    x = rng.normal(0, 0.1, (200, 2))
    x[0:50, 0] += 2.0     # concept 0: light high among the empty ones
    x[50:100, 0] -= 2.0   # concept 1: light low
    x[100:150, 1] += 3.0  # concept 2: CO2 high
    x[150:200, 1] -= 3.0  # busy: CO2 low against all other steps
    names = [c.name for c in name_concepts(concept_of, labels, 4, ["empty", "busy"], 0.8,
                                           inputs=x, feature_names=["light", "CO2"])]
    assert names == ["empty · light high", "empty · light low", "empty · CO2 high",
                     "busy · CO2 low"]
    # same data, same names; two concepts with the same best feature and direction: the
    # smaller takes its next feature, never a number
    assert [c.name for c in name_concepts(concept_of, labels, 4, ["empty", "busy"], 0.8,
                                          inputs=x, feature_names=["light", "CO2"])] == names
    twin = x.copy()
    twin[50:100, 0] += 4.0  # concept 1 now also light high (a bit less), CO2 its runner-up
    twin[50:100, 1] -= 0.5
    again = [c.name for c in name_concepts(concept_of, labels, 4, ["empty", "busy"], 0.8,
                                           inputs=twin, feature_names=["light", "CO2"])]
    assert len(set(again)) == 4 and not any(n[-1].isdigit() for n in again)
    # without inputs: the class names, numbered (the old rule)
    plain = [c.name for c in name_concepts(concept_of, labels, 4, ["empty", "busy"], 0.8)]
    assert plain == ["empty", "empty 2", "empty 3", "busy"]


# -- bad input and model safety --------------------------------------------------------------

class NoRNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.head = nn.Linear(2, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(x.mean(1))


BAD_FIT = [
    (dict(n_concepts=1), {}, ValueError, r"argument 'n_concepts': expected an integer >= 2"),
    (dict(n_concepts=10_000), {}, ValueError, r"at most the number of states \(720\)"),
    (dict(window=-1), {}, ValueError, r"argument 'window': expected an integer >= 0"),
    (dict(window=12), {}, ValueError, r"argument 'window': expected a window shorter"),
    (dict(), dict(lengths=np.full(59, 5)), ValueError,
     r"argument 'lengths': expected one length per sequence \(60\), got 59"),
    (dict(), dict(lengths=np.full(60, 13)), ValueError,
     r"argument 'lengths': expected lengths in \[1, 12\]"),
    (dict(), dict(lengths=np.zeros(60)), ValueError, r"expected lengths in \[1, 12\]"),
    (dict(), dict(feature_names=["a"]), ValueError,
     r"argument 'feature_names': expected 2 names \(one per feature\), got 1"),
    (dict(n_concepts="many"), {}, ValueError, r"argument 'n_concepts': expected one of"),
    (dict(readout=nn.Linear(8, 2)), {}, ValueError, r"argument 'readout'"),
    (dict(task="regression"), {}, ValueError, r"argument 'task'"),
    (dict(clustering="hdbscan"), {}, ValueError,
     r"argument 'clustering': expected one of \['auto', 'states', 'per_class'\], got "
     r"'hdbscan'"),
    (dict(max_depth="deep"), {}, ValueError,
     r"argument 'max_depth': expected one of \['auto'\], got 'deep'"),
]


@pytest.mark.parametrize(("params", "fit_kw", "exc", "match"), BAD_FIT)
def test_bad_input_is_refused_and_the_model_is_untouched(step_model, params, fit_kw, exc,
                                                         match):
    x, _ = toy(60)
    step_model.train()
    before = snapshot(step_model)
    meme = MEME(step_model, progress=False, **{"n_concepts": 2, **params})
    with pytest.raises(exc, match=match):
        meme.fit(x, **fit_kw)
    assert_untouched(step_model, before)
    assert not [k for k in vars(meme) if k.endswith("_") and not k.startswith("_")]
    step_model.eval()


@pytest.mark.parametrize(("value", "match"), [
    (np.nan, r"NaN inside sequence 3 at step 4, within its length 12"),
    (np.inf, r"contains NaN or Inf values \(samples \[3\]\)")])
def test_nan_or_inf_in_sequences_is_refused(step_model, value, match):
    x, _ = toy(10)
    x[3, 4, 1] = value
    with pytest.raises(ValueError, match=r"argument 'X': " + match):
        MEME(step_model, n_concepts=2, progress=False).fit(x)


def test_a_layer_that_does_not_return_states_is_refused():
    model = NotBatchFirst()
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"argument 'layer': expected 'head' to return hidden "
                                         r"states \(N, T, H\) = \(10, >= 12, H\) for this "
                                         r"batch, got shape \(10, 1\)"):
        MEME(model, layer="head", n_concepts=2, task="binary", progress=False).fit(toy(10)[0])
    assert_untouched(model, before)


def test_a_model_without_a_recurrent_layer_is_refused():
    with pytest.raises(ValueError, match=r"argument 'model': NoRNN has no recurrent layer"):
        MEME(NoRNN(), n_concepts=2, progress=False).fit(toy(10)[0])


def test_predict_before_fit_and_wrong_features(step_model, fitted):
    x, _ = toy(10)
    with pytest.raises(NotFittedError, match=r"call fit\(...\) before predict\(\)"):
        MEME(step_model).predict(x)
    meme, _ = fitted
    with pytest.raises(ValueError, match="expected 2 features per step"):
        meme.predict(np.zeros((3, 5, 3), np.float32))
    with pytest.raises(ValueError, match=r"argument 'X': kind='sequence' expects "
                                         r"\(N, T, F\)"):
        meme.predict(np.zeros((3, 5), np.float32))


def test_every_entry_point_leaves_the_model_untouched(fitted, step_model):
    meme, x = fitted
    step_model.train()
    step_model.head.weight.grad = torch.ones_like(step_model.head.weight)
    step_model.lstm.weight_hh_l0.requires_grad_(False)
    before = snapshot(step_model)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            MEME(step_model, n_concepts=2, progress=False).fit(x)
            meme.predict(x)
            meme.evaluate(x, toy(60)[1])
            meme.explain_sequence(x, 0)
            with torch.inference_mode():
                meme.predict(x)
        assert_untouched(step_model, before)
    finally:
        step_model.lstm.weight_hh_l0.requires_grad_(True)
        step_model.head.weight.grad = None
        step_model.eval()


@pytest.fixture(scope="module")
def sequence_model():
    """A sequence-level LSTM (one output per sequence) trained on the toy's final labels."""
    torch.manual_seed(0)
    x, y = toy(40)
    model = SequenceLSTM(2, hidden=6)
    train_rnn(model, x, y[:, -1], x, y[:, -1], lengths_train=np.full(40, 12),
              lengths_test=np.full(40, 12), epochs=5, progress=False)
    return model, x, y


def test_sequence_models_are_labelled_per_step_by_their_readout(sequence_model):
    model, x, y = sequence_model
    broadcast = MEME(model, n_concepts=2, progress=False).fit(x)
    read = MEME(model, n_concepts=2, readout=model.head, progress=False).fit(x)
    assert not read.per_step_
    with torch.no_grad():
        final = model(torch.from_numpy(x)).argmax(1).numpy()
    # the read-out of the last state is the model's own prediction
    s = read.evaluate(x, y[:, -1])
    assert s.rnn_accuracy == pytest.approx(np.mean(final == y[:, -1]))
    assert sum(c.size for c in broadcast.concepts_) == 40 * 12


# -- per-class concepts ---------------------------------------------------------------------

@pytest.mark.parametrize(("k", "counts", "expected"), [
    (2, [740, 260], [1, 1]), (3, [740, 260], [2, 1]), (4, [740, 260], [3, 1]),
    (3, [990, 10], [2, 1]), (3, [3, 0, 97], [1, 0, 2]), (4, [2, 1000], [1, 3]),
    (5, [1, 1000], [1, 4]), (3, [1, 1], [1, 1]),
])
def test_concepts_are_split_between_classes_in_proportion(k, counts, expected):
    assert allocate_concepts(k, np.array(counts)).tolist() == expected


def test_per_class_concepts_are_pure_and_follow_the_rnn(fitted, step_model):
    _, x = fitted
    meme = MEME(step_model, n_concepts=3, window=1, clustering="per_class",
                class_names=["low", "high"], progress=False).fit(x)
    assert meme.n_concepts_ == 3 and len(meme.kmeans_.cluster_centers_) == 3
    assert all(c.purity == 1.0 for c in meme.concepts_)
    assert {c.name.split(" ")[0] for c in meme.concepts_} == {"high", "low"}
    # every state's concept has the RNN's class at that state
    trace = meme.explain(x)
    valid = trace.valid()
    major = np.array([c.majority for c in meme.concepts_])
    assert np.array_equal(major[trace.state_concepts[valid]], trace.y_pred[valid])
    # the automaton still starts from each sequence's own first state and runs as naive_run
    concepts, outputs = meme.predict(x)
    assert np.array_equal(concepts[:, 0], trace.state_concepts[:, 0])
    assert np.array_equal(concepts, naive_run(meme, x, np.full(len(x), x.shape[1]),
                                              concepts[:, 0]))
    assert np.array_equal(outputs, major[concepts])
    assert meme.evaluate(x).step_fidelity >= 0.85


def test_per_class_on_a_sequence_model_needs_a_readout(sequence_model):
    model, x, _ = sequence_model
    with pytest.raises(ValueError, match=r"argument 'clustering': 'per_class' .* pass "
                                         r"readout="):
        MEME(model, n_concepts=2, clustering="per_class", progress=False).fit(x)
    meme = MEME(model, clustering="per_class", readout=model.head, progress=False).fit(x)
    predicted = len(np.unique(meme.explain(x).y_pred[meme.explain(x).valid()]))
    assert min(meme.sweep_["n_concepts"]) >= predicted
    assert all(c.purity == 1.0 for c in meme.concepts_)


def test_per_class_needs_a_concept_per_predicted_class():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 6, 2)).astype(np.float32)

    class ThreeWay(nn.Module):  # class = sign pattern of the step's two inputs
        def __init__(self) -> None:
            super().__init__()
            self.rnn = nn.RNN(2, 4, batch_first=True)

        def forward(self, v: torch.Tensor) -> torch.Tensor:
            self.rnn(v)
            return torch.stack([v[..., 0], v[..., 1], -v[..., 0] - v[..., 1]], dim=-1)

    with pytest.raises(ValueError, match=r"argument 'n_concepts': clustering='per_class' "
                                         r"needs one concept for each of the 3 classes"):
        MEME(ThreeWay(), n_concepts=2, clustering="per_class", progress=False).fit(x)
    meme = MEME(ThreeWay(), n_concepts=4, clustering="per_class", progress=False).fit(x)
    assert sorted({c.majority for c in meme.concepts_}) == [0, 1, 2]


def test_per_class_survives_save_and_load(fitted, step_model, tmp_path):
    _, x = fitted
    meme = MEME(step_model, n_concepts=3, clustering="per_class", progress=False).fit(x)
    meme.save(tmp_path / "m.pkl")
    back = MEME.load(tmp_path / "m.pkl", model=step_model)
    assert np.array_equal(back.predict(x)[0], meme.predict(x)[0])


def test_export_text_stops_at_max_depth(fitted):
    meme, _ = fitted
    full = meme.export_text(sources=[0])
    short = meme.export_text(sources=[0], max_depth=1)
    assert len(short.splitlines()) <= 5 and len(full.splitlines()) >= len(short.splitlines())
    if meme.transition_trees_[0].estimator is not None and \
            meme.transition_trees_[0].estimator.get_depth() > 1:
        assert "deeper rules not shown" in short
    assert meme.export_text(sources=[0], max_depth=50) == full
    with pytest.raises(ValueError, match="argument 'max_depth'"):
        meme.export_text(max_depth=-1)


def test_auto_settings_give_every_class_of_a_multiclass_rnn_a_named_concept():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 8, 2)).astype(np.float32)

    class FourWay(nn.Module):  # class at t = the quadrant of the step's two inputs
        def __init__(self) -> None:
            super().__init__()
            self.rnn = nn.RNN(2, 4, batch_first=True)

        def forward(self, v: torch.Tensor) -> torch.Tensor:
            self.rnn(v)
            a, b = v[..., 0], v[..., 1]
            return torch.stack([a + b, a - b, -a + b, -a - b], dim=-1)

    meme = MEME(FourWay(), progress=False).fit(x)
    # never fewer concepts than predicted classes; per-class concepts; trees deep enough
    assert meme.sweep_["n_concepts"] == [4, 5, 6, 7, 8]
    assert meme.clustering_ == "per_class" and meme.max_depth_ == 6
    assert {c.majority for c in meme.concepts_} == {0, 1, 2, 3}
    assert all(not c.name.startswith("uncertain") for c in meme.concepts_)
    assert meme.evaluate(x).step_fidelity > 0.9


def test_history_gives_the_trees_each_features_mean_since_the_start(step_model):
    x, _ = toy(20)
    w = window_features(x, 1, history=True)
    assert w.shape == (20, 12, 6)
    assert np.allclose(w[:, 5, 4:], x[:, :6].mean(axis=1))  # the mean of steps 0..5
    assert np.array_equal(w[:, :, :4], window_features(x, 1))
    lengths = np.full(20, 12)
    lengths[:5] = 7
    meme = MEME(step_model, n_concepts=2, window=1, history=True, progress=False).fit(
        x, lengths, feature_names=["a", "b"])
    assert meme.window_feature_names_ == ["a@t", "b@t", "a@t-1", "b@t-1", "a@mean", "b@mean"]
    concepts, _ = meme.predict(x, lengths)
    start = concepts[:, 0]
    assert np.array_equal(concepts, naive_run(meme, x, lengths, start))
    # padding never enters a valid step's mean: the same answer whatever the padding holds
    garbage = x.copy()
    garbage[:5, 7:] = 1e3
    assert np.array_equal(meme.predict(garbage, lengths)[0], concepts)


def test_the_previous_keyword_names_still_work_with_a_warning(fitted, step_model):
    meme, x = fitted
    with pytest.warns(FutureWarning,
                      match=r"MEME.predict\(\): argument 'sequences' is deprecated.*use 'X'"):
        concepts, _ = meme.predict(sequences=x[:5])
    assert np.array_equal(concepts, meme.predict(x[:5])[0])
    with pytest.raises(TypeError, match="pass 'X' only \\('sequences' is its deprecated name"):
        meme.explain(X=x, sequences=x)
    with pytest.warns(FutureWarning, match="X_test"):
        old = sweep(MEME(step_model, n_concepts=2, progress=False), x[:30], seeds=[0],
                    test_sequences=x[30:], progress=False)
    new = sweep(MEME(step_model, n_concepts=2, progress=False), x[:30], seeds=[0],
                X_test=x[30:], progress=False)
    assert old.rows == new.rows
    step = meme.explain_sequence(x, 0).steps[0]
    with pytest.warns(FutureWarning, match="y_pred"):
        assert step.rnn_output == step.y_pred


def test_trace_is_a_deprecated_name_of_explain(fitted):
    meme, x = fitted[0], fitted[1]
    with pytest.warns(FutureWarning, match="MEME.trace is deprecated.*MEME.explain"):
        old = meme.trace(x[:5])
    new = meme.explain(x[:5])
    assert old.arrays().keys() == new.arrays().keys()
    for name, a in new.arrays().items():
        np.testing.assert_array_equal(old.arrays()[name], a)
