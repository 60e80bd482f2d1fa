"""Local Lipschitz estimates and probability-drop faithfulness, for any explainer; the user's
model is left bit-identical by both."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from captum.attr import IntegratedGradients, Saliency
from test_probe import assert_untouched, snapshot
from torch import nn

import xaiwidgets as xw
from xaiwidgets.metrics import faithfulness_correlation, local_lipschitz
from xaiwidgets.senn import SENN, fit_senn, stability

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def user_model(cnn):
    """Train-mode BN + Dropout, one frozen layer, an existing user hook, existing grads."""
    cnn.conv.weight.requires_grad_(False)
    calls: list = []
    cnn.fc.register_forward_hook(lambda m, i, o: calls.append(o.shape))
    cnn.fc.weight.grad = torch.ones_like(cnn.fc.weight)
    cnn.calls = calls
    return cnn


def test_known_explanations_have_known_constants():
    x = torch.randn(6, 4)
    t = torch.zeros(6, dtype=torch.long)
    # e(x) = 3x: every ratio is exactly 3; a constant explanation: 0
    assert np.allclose(local_lipschitz(lambda v, _t: 3 * v, x, t), 3.0)
    assert np.allclose(local_lipschitz(lambda v, _t: torch.ones_like(v), x, t), 0.0)
    assert np.allclose(local_lipschitz(lambda v, _t: 3 * v, x, t, mode="discrete"), 3.0)
    # over a representation r(x) = 2x the same explanation is half as steep
    assert np.allclose(local_lipschitz(lambda v, _t: 3 * v, x, t, represent=lambda v: 2 * v),
                       1.5)


def test_the_estimate_is_a_maximum_over_the_box_and_is_seeded():
    x = torch.randn(5, 3)
    t = torch.zeros(5, dtype=torch.long)

    def square(v, _t):
        return v ** 2

    a = local_lipschitz(square, x, t, eps=0.1, n_samples=50, seed=1)
    assert np.array_equal(a, local_lipschitz(square, x, t, eps=0.1, n_samples=50, seed=1))
    # for e = x^2 the ratio is |x + x'| per dimension: about 2|x| for a small box
    assert np.all(a <= 2 * x.abs().max(1).values.numpy() + 0.5)
    more = local_lipschitz(square, x, t, eps=0.1, n_samples=200, seed=1)
    assert np.all(more >= a - 0.2)  # more samples search the same box further


def test_discrete_mode_uses_dataset_neighbours_within_a_radius():
    data = torch.tensor([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0]])
    x = data[:1]
    t = torch.zeros(1, dtype=torch.long)

    def explain(v, _t):  # jumps by 5 between the first two points, flat after
        return torch.where(v[:, :1] > 0.5, 5.0, 0.0).expand(-1, 2)

    near = local_lipschitz(explain, x, t, mode="discrete", data=data, n_samples=1)
    assert np.allclose(near, 5 * np.sqrt(2))
    none = local_lipschitz(explain, x, t, mode="discrete", data=data, n_samples=2, radius=0.5)
    assert np.isnan(none).all()


def test_user_models_stay_bit_identical_and_the_rng_is_untouched(user_model, images):
    before = snapshot(user_model)
    torch.manual_seed(42)
    np.random.seed(3)
    rng = (torch.get_rng_state(), np.random.get_state()[1].copy())
    for explainer in (Saliency(user_model), IntegratedGradients(user_model)):
        out = local_lipschitz(explainer, images, n_samples=3, batch_size=4)
        assert out.shape == (6,) and np.isfinite(out).all()
    out = local_lipschitz(lambda v, t: Saliency(user_model).attribute(v, target=t), images,
                          model=user_model, n_samples=2, mode="discrete")
    assert np.isfinite(out).all()
    f = faithfulness_correlation(user_model, Saliency(user_model), images, batch_size=16)
    assert f.shape == (6,)
    assert_untouched(user_model, before)
    assert len(user_model.calls) > 0  # the user's hook stayed and ran
    assert torch.equal(torch.get_rng_state(), rng[0])
    assert np.array_equal(np.random.get_state()[1], rng[1])


def test_explainer_objects_find_their_model_and_targets_default_to_the_prediction(linear):
    x = torch.randn(4, 5)
    with torch.no_grad():
        pred = linear(x).argmax(1)
    sal = Saliency(linear)
    assert np.allclose(local_lipschitz(sal, x), local_lipschitz(sal, x, pred))
    # a linear model's gradient is constant: perfectly stable
    assert np.allclose(local_lipschitz(sal, x), 0.0, atol=1e-6)
    with pytest.raises(ValueError, match="argument 'target': pass the class"):
        local_lipschitz(lambda v, t: v, x)


@pytest.mark.parametrize("kw, match", [
    ({"mode": "box"}, r"argument 'mode': expected one of \['continuous', 'discrete'\]"),
    ({"eps": 0.0}, r"argument 'eps': expected a number > 0"),
    ({"eps": float("nan")}, r"argument 'eps': expected a finite number"),
    ({"n_samples": 0}, r"argument 'n_samples'"),
    ({"radius": -1.0}, r"argument 'radius'"),
    ({"represent": 3}, r"argument 'represent'"),
    ({"data": torch.randn(3, 2)}, r"argument 'data': expected samples shaped like the inputs"),
])
def test_bad_lipschitz_arguments(kw, match):
    x = torch.randn(4, 5)
    t = torch.zeros(4, dtype=torch.long)
    with pytest.raises((ValueError, TypeError), match=match):
        local_lipschitz(lambda v, _t: v, x, t, **kw)


def test_bad_inputs_and_explainers():
    t = torch.zeros(2, dtype=torch.long)
    bad = torch.randn(2, 3)
    bad[1, 0] = float("nan")
    with pytest.raises(ValueError, match="argument 'inputs': contains NaN"):
        local_lipschitz(lambda v, _t: v, bad, t)
    with pytest.raises(TypeError, match="argument 'explain'"):
        local_lipschitz(42, torch.randn(2, 3), t)
    with pytest.raises(ValueError, match="argument 'explain': expected one explanation per input"):
        local_lipschitz(lambda v, _t: v[:1], torch.randn(2, 3), t)


# -- probability drops ---------------------------------------------------------------------

def test_faithfulness_correlation_rewards_explanations_that_rank_like_removal():
    torch.manual_seed(0)
    model = nn.Linear(6, 2)
    x = torch.randn(20, 6)
    w = (model.weight[1] - model.weight[0]).detach()
    with torch.no_grad():
        pred = model(x).argmax(1)
    sign = (2 * pred - 1).float()[:, None]
    exact = sign * w * x  # each feature's share of the logit difference (baseline 0)
    good = faithfulness_correlation(model, None, x, attributions=exact)
    bad = faithfulness_correlation(model, None, x, attributions=-exact)
    assert np.nanmean(good) > 0.9 and np.nanmean(bad) < -0.9
    # an explainer instead of attributions; a per-feature baseline
    med = x.median(0).values
    f = faithfulness_correlation(model, lambda v, t: (2 * t - 1).float()[:, None] * w * (v - med),
                                 x, baseline=med)
    assert np.nanmean(f) > 0.9
    const = faithfulness_correlation(model, None, x, attributions=torch.ones_like(x))
    assert np.isnan(const).all()  # constant relevances: undefined


def test_faithfulness_correlation_on_images_removes_pixels(cnn, images):
    f = faithfulness_correlation(cnn, Saliency(cnn), images, batch_size=20)
    assert f.shape == (6,) and np.all((np.isnan(f)) | (np.abs(f) <= 1))


def test_faithfulness_correlation_errors(linear):
    x = torch.randn(3, 5)
    with pytest.raises(ValueError, match="argument 'baseline': expected a number or values"):
        faithfulness_correlation(linear, None, x, attributions=x, baseline=np.zeros(4))
    with pytest.raises(ValueError, match="argument 'explain': pass an explainer"):
        faithfulness_correlation(linear, None, x)
    with pytest.raises(ValueError, match="argument 'attributions'"):
        faithfulness_correlation(linear, None, x, attributions=x[:2])
    with pytest.raises(TypeError, match="argument 'inputs'"):
        faithfulness_correlation(linear, None, torch.zeros(3, 5, dtype=torch.long),
                                 attributions=x)


# -- SENN against Captum methods, and the comparison's column ------------------------------

def test_stability_of_senn_beside_methods_on_another_model():
    torch.manual_seed(0)
    senn = SENN.tabular(5, 2, hidden=(8,))
    x = torch.randn(80, 5)
    y = (x[:, 0] > 0).long()
    fit_senn(senn, x, y, epochs=2, progress=False)
    other = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 2))
    before = snapshot(other)
    res = stability(senn, x[:6], {"Sal": "saliency", "IG": IntegratedGradients(other)},
                    model=other, n_samples=4)
    assert res.methods == ["SENN", "Sal", "IG"] and res.values.shape == (3, 6)
    assert np.isfinite(res.values).all()
    assert_untouched(other, before)
    space = stability(senn, x[:6], [], space="concepts", n_samples=4)
    assert space.space == "concepts" and space.values.shape == (1, 6)


def test_lipschitz_is_a_metric_of_compare_attributions(cnn, images):
    res = xw.compare_attributions(cnn, images, methods=["saliency", "integrated_gradients"],
                                  metrics=["lipschitz"], metric_samples=6,
                                  sensitivity_samples=3, progress=False)
    for m in res.methods:
        v = res.metrics[m]["lipschitz"]
        assert np.isfinite(v[:3]).all() and np.isnan(v[3:]).all()
    assert res.metric_labels["lipschitz"] == ("Local Lipschitz ↓", False)
    widget = xw.ComparisonView(res)
    assert "lipschitz" in widget.metrics["names"]
