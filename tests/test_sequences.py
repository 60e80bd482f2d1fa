"""Unequal-length sequences as NaN padding (sktime's way) and as ragged lists: every sequence
entry point gives what it gives for the same data padded with zeros plus lengths, and NaN
within a length is an error naming the argument."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import TinyRNN
from test_meme import Packed, toy
from test_probe import assert_untouched, snapshot

import xaiwidgets as xw
from xaiwidgets._core.sequences import padded_sequences

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def data():
    """Zero-padded sequences with their lengths, the same NaN-padded, and as a ragged list."""
    x, _ = toy(30)
    lengths = np.random.default_rng(1).integers(2, x.shape[1] + 1, size=len(x))
    pad = np.arange(x.shape[1])[None, :] >= lengths[:, None]
    zeros, nans = x.copy(), x.copy()
    zeros[pad], nans[pad] = 0.0, np.nan
    ragged = [x[i, :n] for i, n in enumerate(lengths)]
    return zeros, lengths, nans, ragged


@pytest.fixture(scope="module")
def fitted(data):
    zeros, lengths, _, _ = data
    torch.manual_seed(0)
    model = Packed()
    meme = xw.MEME(model, n_concepts=3, window=1, readout=model.head, progress=False)
    return model, meme.fit(zeros, lengths)


def test_the_helper_finds_the_lengths_and_pads_with_zeros(data):
    zeros, lengths, nans, ragged = data
    for given in (nans, torch.from_numpy(nans), ragged, [torch.from_numpy(r) for r in ragged]):
        padded, lens = padded_sequences(given)
        assert np.array_equal(lens, lengths)
        got = padded.numpy() if isinstance(padded, torch.Tensor) else padded
        assert np.array_equal(got, zeros)
    # NaN beyond explicit lengths is padding too; plain data is returned untouched
    padded, lens = padded_sequences(nans, lengths)
    assert np.array_equal(padded, zeros) and np.array_equal(lens, lengths)
    same, none = padded_sequences(zeros)
    assert same is zeros and none is None


def test_meme_fits_and_predicts_the_same_from_every_form(data, fitted):
    zeros, lengths, nans, ragged = data
    model, ref = fitted
    want_c, want_o = ref.predict(zeros, lengths)
    want = ref.evaluate(zeros, lengths=lengths).summary()
    for given in (nans, ragged):
        meme = xw.MEME(model, n_concepts=3, window=1, readout=model.head,
                       progress=False).fit(given)
        assert np.allclose(meme.kmeans_.cluster_centers_, ref.kmeans_.cluster_centers_)
        assert meme.train_fidelity_ == ref.train_fidelity_
        c, o = ref.predict(given)
        assert np.array_equal(c, want_c) and np.array_equal(o, want_o)
        assert ref.evaluate(given).summary() == want
        assert (ref.explain_sequence(given, 4).to_text()
                == ref.explain_sequence(zeros, 4, lengths=lengths).to_text())
        swept = xw.meme_sweep(ref, given, seeds=[0], progress=False).rows[0]
        assert swept["final_fidelity"] == xw.meme_sweep(ref, zeros, lengths, seeds=[0],
                                                        progress=False).rows[0]["final_fidelity"]


def test_the_timeline_shows_the_same_sequences(data, fitted):
    zeros, lengths, nans, ragged = data
    _, meme = fitted
    ref = xw.TimelineView.from_estimator(meme, zeros, lengths, embed=[0, 3])
    for given in (nans, ragged):
        w = xw.TimelineView.from_estimator(meme, given, embed=[0, 3])
        assert w.lengths["lengths"].tolist() == lengths.tolist()
        for i in (0, 3, 7):
            a, b = w.sequence_block(i), ref.sequence_block(i)
            assert np.array_equal(a["x"], b["x"]) and np.isfinite(a["x"]).all()
            assert np.array_equal(a["concept"], b["concept"])


def test_the_probe_keeps_only_the_valid_steps(data):
    zeros, lengths, nans, ragged = data
    torch.manual_seed(0)
    model = Packed()
    probe = xw.ModelProbe(model, ["body.gru"])
    ref = probe.step_states(zeros, lengths)
    for given in (nans, ragged):
        got = probe.step_states(given)
        assert np.array_equal(got.lengths, lengths)
        assert np.array_equal(got.states["body.gru"], ref.states["body.gru"])
        assert np.array_equal(got.outputs, ref.outputs)


def test_compare_attributions_explains_the_zero_padded_batch(data):
    zeros, _, nans, ragged = data
    torch.manual_seed(0)
    model = TinyRNN(n_features=2).eval()
    kw = dict(methods=["saliency", "integrated_gradients"], metrics=["deletion_auc"],
              metric_samples=4, progress=False)
    ref = xw.compare_attributions(model, zeros[:8], **kw)
    for given in (nans[:8], ragged[:8]):
        got = xw.compare_attributions(model, given, **kw)
        assert np.array_equal(got.inputs, ref.inputs)
        for name in ref.methods:
            assert np.allclose(got.attributions[name], ref.attributions[name])


def test_nan_inside_a_length_names_the_argument(data, fitted):
    _, lengths, nans, ragged = data
    model, meme = fitted
    inside = nans.copy()
    inside[5, 1, 0] = np.nan  # step 1 < length: missing data, not padding
    bad_list = [r.copy() for r in ragged]
    bad_list[5][1, 0] = np.nan
    msg = (r"argument '{}': NaN inside sequence 5 at step 1, within its length "
           rf"{lengths[5]}")
    before = snapshot(model)
    for given in (inside, bad_list):
        with pytest.raises(ValueError, match=msg.format("X")):
            xw.MEME(model, n_concepts=2, readout=model.head, progress=False).fit(given)
        for call in (meme.predict, meme.evaluate, meme.explain):
            with pytest.raises(ValueError, match=msg.format("X")):
                call(given)
        with pytest.raises(ValueError, match=msg.format("X")):
            xw.TimelineView.from_estimator(meme, given)
        with pytest.raises(ValueError, match=msg.format("sequences")):
            xw.ModelProbe(model, ["body.gru"]).step_states(given)
    with pytest.raises(ValueError, match=msg.format("inputs")):
        xw.compare_attributions(TinyRNN(n_features=2), inside, progress=False)
    # explicit lengths do not turn missing values into padding
    with pytest.raises(ValueError, match=msg.format("X")):
        meme.predict(inside, lengths)
    assert_untouched(model, before)


def test_ragged_lists_are_checked(data, fitted):
    _, _, _, ragged = data
    _, meme = fitted
    with pytest.raises(ValueError, match=r"argument 'X': expected sequences \(T_i, F\) "
                                         r"with one number of features F, got F in \[2, 3\]"):
        meme.predict([ragged[0], np.zeros((4, 3), np.float32)])
    with pytest.raises(ValueError, match=r"argument 'lengths': sequence 0 has 3 steps, got "
                                         r"length 4"):
        meme.predict([ragged[0][:3], np.zeros((6, 2), np.float32)], [4, 6])
    with pytest.raises(ValueError, match=r"argument 'X': sequence 1 is NaN at every "
                                         r"step"):
        meme.predict(np.stack([np.ones((4, 2)), np.full((4, 2), np.nan)]).astype(np.float32))
