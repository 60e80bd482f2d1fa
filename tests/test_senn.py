"""SENN: modules, the vectorised robustness loss against the reference's loop, training, the
explanations, and the bad-input errors the issue lists."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import xaiwidgets as xw
from xaiwidgets.senn import (
    SENN,
    UntrainedSENNWarning,
    concept_faithfulness,
    fit_senn,
    fit_unconstrained,
    prototypes,
    reference_penalty_loop,
    robustness_penalty,
    senn_loss,
    stability,
    unconstrained_like,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _data(n: int = 64, f: int = 5, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, f, generator=g)
    return x, (x[:, 0] + 0.5 * x[:, 1] > 0).long()


def _trained(f: int = 5, **kw) -> SENN:
    torch.manual_seed(0)
    senn = SENN.tabular(f, 2, hidden=(8,))
    x, y = _data(f=f)
    fit_senn(senn, x, y, epochs=2, progress=False, **kw)
    return senn


# -- modules -------------------------------------------------------------------------------

def test_constructors_build_models_that_return_logits():
    torch.manual_seed(0)
    tab = SENN.tabular(5, 3, feature_names=list("abcde"))
    assert tab.n_concepts == 6 and not tab.learned
    assert tab.concept_names == ["a", "b", "c", "d", "e", "bias"]
    assert tab(torch.randn(4, 5)).shape == (4, 3)
    learned = SENN.tabular(5, 2, n_concepts=3)
    assert learned.n_concepts == 3 and learned.learned
    img = SENN.images(1, 4, 10)
    assert img.learned and img.n_concepts == 4
    logits, h, th = img.parts(torch.rand(2, 1, 28, 28))
    assert logits.shape == (2, 10) and h.shape == (2, 4) and th.shape == (2, 4, 10)
    assert torch.allclose(logits, torch.einsum("nkc,nk->nc", th, h))
    # theta of the LeNet parametrizer is tanh-bounded
    assert th.abs().max() <= 1
    assert SENN.images(3, 2, 2, image_size=20)(torch.rand(2, 3, 20, 20)).shape == (2, 2)


def test_identity_concepts_are_the_features_plus_a_bias():
    senn = SENN.tabular(3, 2)
    x = torch.randn(4, 3)
    h = senn.concepts(x)
    assert torch.equal(h[:, :3], x) and torch.equal(h[:, 3], torch.ones(4))


def test_user_modules_plug_in_and_bad_conceptizers_are_refused():
    class Concepts(nn.Module):
        n_concepts = 2

        def forward(self, x):
            return x[:, :2]

    par = nn.Sequential(nn.Linear(4, 2 * 3))  # (N, k * C): reshaped to (N, k, C)
    senn = SENN(Concepts(), par, 3, input_shape=(4,))
    assert senn(torch.randn(5, 4)).shape == (5, 3)

    class Flat(nn.Module):
        def forward(self, x):
            return x.sum(1)  # (N,), not (N, k)

    with pytest.raises(ValueError, match=r"argument 'conceptizer': expected it to return \(N, k\)"):
        SENN(Flat(), par, 3, input_shape=(4,))
    lazy = SENN(Flat(), par, 3)  # no input shape: checked at the first forward
    with pytest.raises(ValueError, match="argument 'conceptizer'"):
        lazy(torch.randn(2, 4))
    with pytest.raises(ValueError, match=r"argument 'parametrizer': expected it to return"):
        SENN(Concepts(), nn.Linear(4, 5), 3, input_shape=(4,))
    with pytest.raises(TypeError, match="argument 'conceptizer'"):
        SENN("h", par, 3)


def test_zero_init_starts_theta_and_the_twin_at_zero_and_still_trains():
    torch.manual_seed(0)
    senn = SENN.tabular(5, 2, hidden=(8, 4), zero_init=True)
    x, y = _data(200)
    assert torch.equal(senn.relevances(x), torch.zeros(200, 6))  # a constant linear model
    base = unconstrained_like(senn)
    assert torch.equal(base(x), torch.zeros(200, 2))  # its twin starts at zero too
    assert not torch.equal(unconstrained_like(SENN.tabular(5, 2, hidden=(8, 4)))(x),
                           torch.zeros(200, 2))
    h = fit_senn(senn, x, y, epochs=15, lr=1e-2, progress=False, patience=None)
    assert h.val_accuracy[-1] > 0.8 and senn.relevances(x).abs().sum() > 0
    with pytest.raises(TypeError, match="argument 'zero_init': expected True or False"):
        SENN.tabular(5, 2, zero_init=1)


@pytest.mark.parametrize("call, match", [
    (lambda: SENN.images(1, 0, 10), "argument 'n_concepts': expected an integer >= 1, got 0"),
    (lambda: SENN.tabular(5, 2, n_concepts=0), "argument 'n_concepts'"),
    (lambda: SENN.tabular(5, 1), "argument 'n_classes': expected an integer >= 2"),
    (lambda: SENN.images(1, 3, 10, image_size=12),
     "argument 'image_size': expected an integer >= 16"),
    (lambda: SENN.tabular(0, 2), "argument 'n_features'"),
    (lambda: SENN.tabular(5, 2, hidden=(8, 0)), "argument 'hidden'"),
])
def test_bad_construction_arguments(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_wrong_input_width_or_image_size_is_refused_with_the_built_shape():
    with pytest.raises(ValueError, match=r"argument 'inputs': this SENN was built for \(N, 5\) "
                                         r"rows, got Tensor of dtype torch.float32 and shape "
                                         r"\(3, 4\)"):
        SENN.tabular(5, 2)(torch.randn(3, 4))
    with pytest.raises(ValueError,
                       match=r"built for \(N, 1, 28, 28\) images, got .*\(2, 1, 32, 32\)"):
        SENN.images(1, 3, 10)(torch.rand(2, 1, 32, 32))
    x, y = _data(f=4)
    with pytest.raises(ValueError, match="argument 'data': this SENN was built for"):
        fit_senn(SENN.tabular(5, 2), x, y, epochs=1, progress=False)
    with pytest.raises(ValueError, match="argument 'inputs': this SENN was built for"):
        _trained().explain(torch.randn(2, 3))


# -- the robustness loss -------------------------------------------------------------------

@pytest.mark.parametrize("make, shape", [
    (lambda: SENN.tabular(6, 3, hidden=(8, 8)), (5, 6)),
    (lambda: SENN.tabular(6, 3, n_concepts=4, hidden=(8,)), (5, 6)),
    (lambda: SENN.images(1, 3, 4, dropout=0.0), (3, 1, 28, 28)),
])
def test_vectorised_reference_penalty_equals_the_reference_loop(make, shape):
    torch.manual_seed(0)
    senn = make().double().train()
    x = torch.rand(shape, dtype=torch.float64)
    params = list(senn.parameters())
    _, _, _, fast = robustness_penalty(senn, x, "reference")
    _, _, _, slow = reference_penalty_loop(senn, x)
    assert torch.allclose(fast, slow, rtol=1e-10)
    g_fast = torch.autograd.grad(fast, params, allow_unused=True)
    g_slow = torch.autograd.grad(slow, params, allow_unused=True)
    used = 0
    for a, b in zip(g_fast, g_slow, strict=True):
        assert (a is None) == (b is None)  # e.g. a decoder, which the penalty never uses
        if a is not None:
            assert torch.allclose(a, b, atol=1e-12)
            used += 1
    assert used >= 4


def test_logits_penalty_is_grad_f_minus_jh_theta_and_vanishes_for_constant_theta():
    torch.manual_seed(0)
    senn = SENN.tabular(4, 2, n_concepts=3, hidden=(8,)).double()
    x = torch.randn(6, 4, dtype=torch.float64, requires_grad=True)
    logits, h, th = senn.parts(x)
    jf = torch.stack([torch.autograd.grad(logits[:, c].sum(), x, retain_graph=True)[0]
                      for c in range(2)], 1)
    jh = torch.stack([torch.autograd.grad(h[:, i].sum(), x, retain_graph=True)[0]
                      for i in range(3)], 1)
    resid = jf - torch.einsum("nkd,nkc->ncd", jh, th)
    _, _, _, mean = robustness_penalty(senn, x.detach(), "logits", "mean")
    assert torch.allclose(mean, resid.pow(2).sum((1, 2)).mean())
    _, _, _, batch = robustness_penalty(senn, x.detach(), "logits", "batch")
    assert torch.allclose(batch, resid.norm() * (128 / 6) ** 0.5)
    _, _, _, raw = robustness_penalty(senn, x.detach(), "logits", "raw")
    assert torch.allclose(raw, resid.norm())

    class Constant(nn.Module):  # theta independent of x: f is exactly linear in h
        def __init__(self):
            super().__init__()
            self.theta = nn.Parameter(torch.randn(3, 2, dtype=torch.float64))

        def forward(self, x):
            return self.theta.expand(x.shape[0], 3, 2)

    flat = SENN(senn.conceptizer, Constant(), 2, input_shape=(4,))
    assert robustness_penalty(flat, x.detach(), "logits")[3].item() < 1e-12
    # the reference's log-softmax form does not vanish even then (methods.md 5(e)1)
    assert robustness_penalty(flat, x.detach(), "reference")[3].item() > 1e-3


def _residuals(senn: SENN, x: torch.Tensor, penalty: str) -> torch.Tensor:
    """The exact per-sample residuals (N, C, D), one autograd pass per row."""
    x = x.detach().clone().requires_grad_(True)
    logits, h, th = senn.parts(x)
    out = logits if penalty == "logits" else torch.log_softmax(logits, 1)
    jf = torch.stack([torch.autograd.grad(out[:, c].sum(), x, retain_graph=True)[0]
                      for c in range(out.shape[1])], 1)
    jh = torch.stack([torch.autograd.grad(h[:, i].sum(), x, retain_graph=True)[0]
                      for i in range(h.shape[1])], 1)
    return (jf - torch.einsum("nkd,nkc->ncd", jh, th)).detach()


@pytest.mark.parametrize("penalty", ["logits", "reference"])
@pytest.mark.parametrize("p", [1, 3])
def test_projected_penalty_is_an_unbiased_estimate_of_the_squared_norm(penalty, p):
    torch.manual_seed(0)
    senn = SENN.tabular(6, 4, hidden=(8,)).double()
    x = torch.randn(5, 6, dtype=torch.float64)
    resid = _residuals(senn, x, penalty)
    exact = resid.pow(2).sum((1, 2)).mean()  # mean_n ||R_n||_F^2
    assert torch.allclose(robustness_penalty(senn, x, penalty, "mean")[3], exact)
    # m draws per sample at once: the "mean" norm of m copies is the mean of m estimates
    m = 4000
    _, _, _, est = robustness_penalty(senn, x.repeat(m, 1), penalty, "mean", projections=p,
                                      generator=torch.Generator().manual_seed(3))
    # v ~ N(0, I/p): Var(sum_j ||v_j^T R_n||^2) = 2 ||R_n R_n^T||_F^2 / p, per sample and draw
    gram = torch.einsum("ncd,ned->nce", resid, resid)
    sd = (2 * gram.pow(2).sum() / (p * len(x) ** 2 * m)).sqrt()
    assert 4 * sd < 0.05 * exact  # sharp enough to catch a wrong scale (p x, or 1 / p)
    assert abs(est - exact) < 4 * sd, (float(est), float(exact), float(sd))
    # the "batch" norm squares to the same estimate, rescaled to 128 samples
    _, _, _, batch = robustness_penalty(senn, x.repeat(m, 1), penalty, "batch",
                                        projections=p,
                                        generator=torch.Generator().manual_seed(3))
    assert torch.allclose(batch ** 2 / 128, est)


def test_projected_penalty_trains_and_draws_from_its_generator_only():
    torch.manual_seed(0)
    senn = SENN.tabular(5, 3, n_concepts=2, hidden=(8,))
    x = torch.randn(7, 5)
    torch.manual_seed(11)
    before = torch.get_rng_state()
    a = robustness_penalty(senn, x, projections=2, generator=torch.Generator().manual_seed(1))[3]
    b = robustness_penalty(senn, x, projections=2, generator=torch.Generator().manual_seed(1))[3]
    c = robustness_penalty(senn, x, projections=2, generator=torch.Generator().manual_seed(2))[3]
    d = robustness_penalty(senn, x, projections=2)[3]  # no generator: seeded 0, every call
    assert torch.equal(torch.get_rng_state(), before)
    assert a == b and a != c and d == robustness_penalty(senn, x, projections=2)[3]
    grads = [g for g in torch.autograd.grad(a, list(senn.parameters()), allow_unused=True)
             if g is not None]  # (theta's output bias and the decoder do not enter it)
    assert len(grads) >= 4 and all(torch.isfinite(g).all() for g in grads)
    assert all(g.abs().sum() > 0 for g in grads)


def test_fit_senn_with_projections_is_seeded_and_leaves_the_global_rng_alone():
    x, y = _data()
    runs = []
    for seed in (5, 5, 6, None):
        torch.manual_seed(0)
        senn = SENN.tabular(5, 2, hidden=(8,))
        torch.manual_seed(123)
        np.random.seed(7)
        before = (torch.get_rng_state(), np.random.get_state()[1].copy())
        kw = {"projections": 1} if seed is not None else {}
        h = fit_senn(senn, x, y, epochs=3, progress=False, seed=seed or 5, **kw)
        assert torch.equal(torch.get_rng_state(), before[0])
        assert np.array_equal(np.random.get_state()[1], before[1])
        runs.append((senn.state_dict(), h))
    (s0, h0), (s1, h1), (s2, h2), (_, exact) = runs
    assert all(torch.equal(s0[k], s1[k]) for k in s0) and h0.as_dict() == h1.as_dict()
    assert not all(torch.equal(s0[k], s2[k]) for k in s0) and h0.as_dict() != h2.as_dict()
    assert h0.robustness != exact.robustness  # the projections were used in training ...
    # ... but early stopping watches the exact objective
    torch.manual_seed(0)
    senn = SENN.tabular(5, 2, hidden=(8,))
    h = fit_senn(senn, x[:48], y[:48], validation_data=(x[48:], y[48:]), epochs=1,
                 projections=1, progress=False)
    val = senn_loss(senn, x[48:], y[48:], lam=1e-2, xi=1.0, sparsity=1e-3)
    assert h.val_loss == [pytest.approx(float(val.total.detach()), rel=1e-6)]


@pytest.mark.parametrize("bad, err, match", [
    (0, ValueError, r"argument 'projections': expected an integer >= 1 or None, got 0"),
    (-2, ValueError, r"argument 'projections': expected an integer >= 1"),
    (1.5, TypeError, r"argument 'projections': expected an integer >= 1 or None, got 1.5"),
    (True, TypeError, r"argument 'projections'"),
    ("2", TypeError, r"argument 'projections'"),
])
def test_bad_projections(bad, err, match):
    x, y = _data()
    with pytest.raises(err, match=match):
        fit_senn(SENN.tabular(5, 2), x, y, progress=False, projections=bad)
    with pytest.raises(err, match=match):
        robustness_penalty(SENN.tabular(5, 2), x, projections=bad)


# -- training ------------------------------------------------------------------------------

def test_fit_senn_is_seeded_reproducible_and_leaves_the_global_rng_alone():
    x, y = _data()
    states = []
    for _ in range(2):
        torch.manual_seed(0)
        senn = SENN.tabular(5, 2, hidden=(8,), dropout=0.2)
        torch.manual_seed(123)
        np.random.seed(7)
        before = (torch.get_rng_state(), np.random.get_state()[1].copy())
        h = fit_senn(senn, x, y, epochs=3, progress=False, seed=5)
        assert torch.equal(torch.get_rng_state(), before[0])
        assert np.array_equal(np.random.get_state()[1], before[1])
        states.append(({k: v.clone() for k, v in senn.state_dict().items()}, h.as_dict()))
    (s0, h0), (s1, h1) = states
    assert all(torch.equal(s0[k], s1[k]) for k in s0)
    assert h0 == h1
    assert set(h0) == {"loss", "prediction", "robustness", "concept", "accuracy", "val_loss",
                       "val_prediction", "val_accuracy"}
    assert len(h0["val_loss"]) == 3 and all(v > 0 for v in h0["robustness"])


def test_fit_senn_trains_and_returns_a_history():
    torch.manual_seed(0)
    senn = SENN.tabular(5, 2, hidden=(16,))
    x, y = _data(200)
    assert int(senn.n_fit_steps) == 0
    h = fit_senn(senn, x, y, epochs=15, lr=1e-2, progress=False, patience=None)
    assert h.n_epochs == 15 and h.steps == int(senn.n_fit_steps) > 0
    assert h.accuracy[-1] > 0.85 and h.val_accuracy[-1] > 0.8
    assert h.prediction[-1] < h.prediction[0]
    assert not senn.training


def test_early_stopping_keeps_the_best_epoch():
    torch.manual_seed(0)
    senn = SENN.tabular(5, 2, hidden=(32,))
    x, y = _data(60)
    y = torch.randint(0, 2, (60,), generator=torch.Generator().manual_seed(1))  # noise: overfits
    h = fit_senn(senn, x, y, epochs=40, lr=3e-2, progress=False, patience=2)
    assert h.n_epochs < 40
    assert h.best_epoch == int(np.argmin(h.val_loss))


def test_fit_senn_takes_loaders_dataframes_and_float64_arrays():
    x, y = _data()
    torch.manual_seed(0)
    a = SENN.tabular(5, 2, hidden=(8,))
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    h = fit_senn(a, loader, epochs=2, progress=False,
                 validation_data=(x[:16].numpy(), y[:16].numpy()))
    assert len(h.loss) == 2 and len(h.val_loss) == 2 and h.steps == 8
    b = SENN.tabular(5, 2, hidden=(8,))
    frame = pd.DataFrame(x.double().numpy(), columns=list("abcde"))
    fit_senn(b, frame, y.numpy(), epochs=1, progress=False)
    fit_senn(b, (x.double().numpy(), y.numpy()), epochs=1, progress=False)
    dicts = [{"x": x[i:i + 8], "y": y[i:i + 8]} for i in range(0, 32, 8)]
    fit_senn(b, dicts, epochs=1, progress=False)
    assert b.explain(frame.iloc[:3]).relevances.shape == (3, 6)


def test_learned_concepts_train_with_the_reconstruction_loss():
    torch.manual_seed(0)
    senn = SENN.tabular(5, 2, n_concepts=3, hidden=(8,))
    x, y = _data()
    h = fit_senn(senn, x, y, epochs=3, progress=False)
    assert all(c > 0 for c in h.concept)
    h0 = fit_senn(senn, x, y, epochs=1, xi=0.0, progress=False)
    assert h0.concept == [0.0]


@pytest.mark.parametrize("kw, match", [
    ({"lam": -1.0}, r"argument 'lam': expected a number >= 0, got -1.0"),
    ({"lam": float("nan")}, r"argument 'lam': expected a finite number >= 0, got nan"),
    ({"xi": -0.5}, r"argument 'xi': expected a number >= 0, got -0.5"),
    ({"xi": float("nan")}, r"argument 'xi': expected a finite number"),
    ({"penalty": "grad3"}, r"argument 'penalty': expected one of \['logits', 'reference'\]"),
    ({"norm": "frobenius"}, r"argument 'norm'"),
    ({"epochs": 0}, r"argument 'epochs'"),
    ({"seed": -1}, r"argument 'seed'"),
])
def test_bad_training_arguments(kw, match):
    x, y = _data()
    with pytest.raises((ValueError, TypeError), match=match):
        fit_senn(SENN.tabular(5, 2), x, y, progress=False, **kw)


def test_bad_training_data():
    x, y = _data()
    senn = SENN.tabular(5, 2)
    bad = x.clone()
    bad[3, 1] = float("nan")
    with pytest.raises(ValueError,
                       match=r"argument 'data': contains NaN or Inf values \(samples \[3\]"):
        fit_senn(senn, bad, y, progress=False)
    loader = DataLoader(TensorDataset(bad, y), batch_size=2)
    with pytest.raises(ValueError, match=r"argument 'data': contains NaN .* in batch 1"):
        fit_senn(senn, loader, epochs=1, progress=False)
    with pytest.raises(ValueError, match="argument 'data': the loader is empty"):
        fit_senn(senn, DataLoader(TensorDataset(x[:0], y[:0]), batch_size=4), progress=False)
    with pytest.raises(ValueError, match="argument 'data': the loader yielded no"):
        fit_senn(senn, iter([]), epochs=1, progress=False)
    with pytest.raises(ValueError, match="argument 'y': labels are needed"):
        fit_senn(senn, x, progress=False)
    with pytest.raises(ValueError, match=r"argument 'y': targets must be in \[0, 2\)"):
        fit_senn(senn, x, y + 2, progress=False)
    with pytest.raises(ValueError, match="argument 'data': expected at least one sample"):
        fit_senn(senn, x[:0], y[:0], progress=False)
    with pytest.raises(TypeError, match="argument 'senn': expected a SENN"):
        fit_senn(nn.Linear(5, 2), x, y, progress=False)


def test_unconstrained_baseline_trains_the_same_way():
    torch.manual_seed(0)
    senn = SENN.tabular(5, 2, hidden=(16, 8))
    base = unconstrained_like(senn)
    x, y = _data(200)
    h = fit_unconstrained(base, x, y, epochs=10, lr=1e-2, progress=False)
    assert base(x).shape == (200, 2) and h.accuracy[-1] > 0.85
    assert sum(p.numel() for p in base.parameters()) < sum(p.numel() for p in senn.parameters())
    img = unconstrained_like(SENN.images(1, 3, 10))
    assert img(torch.rand(2, 1, 28, 28)).shape == (2, 10)


# -- explanations --------------------------------------------------------------------------

def test_explaining_an_untrained_senn_warns():
    with pytest.warns(UntrainedSENNWarning, match="never trained"):
        SENN.tabular(5, 2).explain(torch.randn(3, 5))


def test_explain_gives_concepts_and_relevances_of_the_explained_class():
    senn = _trained()
    x = torch.randn(7, 5)
    ex = senn.explain(x)
    logits, _, th = senn.parts(x)
    pred = logits.argmax(1)
    assert np.array_equal(ex.y_pred, pred.numpy()) and np.array_equal(ex.target, ex.y_pred)
    assert np.allclose(ex.relevances, th[torch.arange(7), :, pred].detach().numpy(), atol=1e-6)
    assert np.allclose(ex.contributions.sum(1), logits[torch.arange(7), pred].detach().numpy(),
                       atol=1e-5)
    other = senn.explain(x.double().numpy(), target=0)
    assert np.allclose(other.relevances, th[:, :, 0].detach().numpy(), atol=1e-6)
    assert np.allclose(other.prob, torch.softmax(logits, 1)[:, 0].detach().numpy(), atol=1e-6)
    assert ex.concept_names[-1] == "bias" and len(ex) == 7


def test_attribute_is_jh_transpose_theta():
    senn = _trained()
    x = torch.randn(4, 5)
    a = senn.attribute(x, target=torch.tensor([0, 1, 1, 0]))
    th = senn.relevances(x, target=torch.tensor([0, 1, 1, 0]))
    assert a.shape == x.shape and torch.allclose(a, th[:, :5])  # identity: theta per feature
    torch.manual_seed(0)
    img = SENN.images(1, 3, 4, dropout=0.0).eval()
    with torch.no_grad():
        img.n_fit_steps += 1
    xi = torch.rand(2, 1, 28, 28, requires_grad=True)
    t = torch.tensor([1, 3])
    th = img.relevances(xi.detach(), t)
    h = img.conceptizer(xi)
    (expected,) = torch.autograd.grad((h * th).sum(), xi)
    assert torch.allclose(img.attribute(xi.detach(), t), expected, atol=1e-6)


def test_senn_plugs_into_compare_attributions():
    senn = _trained()
    x = torch.randn(6, 5)
    res = xw.compare_attributions(senn, x, methods=["saliency", senn], metrics=["lipschitz"],
                                  metric_samples=6, sensitivity_samples=4, progress=False)
    assert res.methods == ["Saliency", "SENN"]
    assert np.allclose(res.attributions["SENN"], senn.relevances(x)[:, :5].numpy(), atol=1e-6)
    lip = res.summary()
    assert np.isfinite(lip["SENN"]["lipschitz"]) and np.isfinite(lip["Saliency"]["lipschitz"])
    assert np.isnan(res.metrics["SENN"]["lipschitz"][4:]).all()


def test_prototypes_are_the_top_activations():
    torch.manual_seed(0)
    senn = SENN.tabular(5, 2, n_concepts=3, hidden=(8,))
    x = torch.randn(30, 5)
    p = prototypes(senn, x, top_k=4)
    h = senn.concepts(x)
    assert p.indices.shape == (3, 4)
    for j in range(3):
        assert np.array_equal(p.indices[j], torch.argsort(h[:, j], descending=True)[:4].numpy())
        assert np.all(np.diff(p.activations[j]) <= 0)
        assert np.array_equal(p.inputs[j], x[p.indices[j]].numpy())  # the samples themselves


def test_an_explanation_is_a_result_taken_concatenated_saved_and_opened(tmp_path):
    senn = _trained()
    x = torch.randn(6, 5)
    y = [0, 1, 1, 0, 1, 0]
    st = stability(senn, x[:3], [], n_samples=2)
    ex = senn.explain(x, y_true=y).with_stability(st, indices=[4, 0, 2])
    assert isinstance(ex, xw.Result) and len(ex) == 6 and ex.y_true.tolist() == y
    assert ex.stability.estimated.tolist() == [True, False, True, False, True, False]
    assert np.array_equal(ex.stability.lipschitz[[4, 0, 2]], st.lipschitz)
    part = ex[[2, 3]]
    assert part.y_true.tolist() == [1, 0] and part.stability.estimated.tolist() == [True, False]
    assert np.array_equal(part.relevances, ex.relevances[2:4])
    both = type(ex).concat([ex[:2], ex[2:]])
    assert np.array_equal(both.thetas, ex.thetas)
    assert np.array_equal(both.stability.lipschitz, ex.stability.lipschitz, equal_nan=True)
    back = xw.open_result(ex.save(tmp_path / "ex"))
    assert type(back) is type(ex) and back.concept_names == ex.concept_names
    assert np.array_equal(back.y_pred, ex.y_pred) and back.stability.methods == ["SENN"]
    assert back.stability.space == "inputs" and back.prototypes is None
    with pytest.raises(ValueError, match="argument 'y_true': expected one label per sample"):
        senn.explain(x, y_true=[0, 1])
    with pytest.raises(ValueError, match="'concepts' and 'relevances' must be"):
        dataclasses.replace(ex, relevances=ex.relevances[:, :2])


def test_prototypes_are_saved_with_the_explanation(tmp_path):
    torch.manual_seed(0)
    senn = SENN.tabular(5, 2, n_concepts=3, hidden=(8,))
    with torch.no_grad():
        senn.n_fit_steps += 1
    x = torch.randn(30, 5)
    ex = senn.explain(x[:4]).with_prototypes(prototypes(senn, x, top_k=2))
    back = xw.open_result(ex.save(tmp_path / "ex"), lazy=False)
    assert np.array_equal(back.prototypes.inputs, ex.prototypes.inputs)
    assert np.array_equal(back[1:3].prototypes.indices, ex.prototypes.indices)
    with pytest.raises(ValueError, match="prototypes of 3 concepts for an explanation of 6"):
        _trained().explain(x[:2]).with_prototypes(ex.prototypes)


def test_concept_faithfulness_correlates_relevance_with_probability_drops():
    senn = _trained()
    r = concept_faithfulness(senn, torch.randn(20, 5))
    assert r.shape == (20,) and np.nanmin(r) >= -1 and np.nanmax(r) <= 1
    assert np.nanmean(r) > 0  # removing a concept with positive relevance lowers p


def test_public_api():
    for name in ("SENN", "fit_senn", "SENNView", "local_lipschitz", "faithfulness_correlation",
                 "load_compas", "load_breast_cancer"):
        assert hasattr(xw, name), name
