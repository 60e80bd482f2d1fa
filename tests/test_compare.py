import numpy as np
import pytest
import torch
from torch import nn

from xaiwidgets import compare_attributions
from xaiwidgets import metrics as M
from xaiwidgets._core.modality import location_scores


@pytest.fixture
def known_linear():
    """Tabular 6 -> 2 with known weights: class 1 depends on features 0, 1 only."""
    model = nn.Linear(6, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0, 0, 0, 0, 0, 0.0], [4, 3, 0.1, 0.1, 0, 0]]))
        model.bias.zero_()
    return model


class Gradient:
    """Exact explainer for a linear model: d logit / d x."""

    label = "gradient"

    def __init__(self, model):
        self.model = model

    def attribute(self, inputs, target=None):
        return self.model.weight[target].detach().clone()


class Reversed(Gradient):
    label = "reversed"

    def attribute(self, inputs, target=None):
        return -super().attribute(inputs, target)


class Noise:
    label = "noise"

    def attribute(self, inputs, target=None):
        return torch.rand(inputs.shape, generator=torch.Generator().manual_seed(0))


def test_deletion_and_insertion_rank_a_faithful_explainer_first(known_linear):
    x = torch.ones(8, 6)
    r = compare_attributions(known_linear, x, target=1,
                             methods=[Gradient(known_linear), Reversed(known_linear)],
                             metrics=["deletion_auc", "insertion_auc", "infidelity"],
                             progress=False)
    good, bad = r.summary()["gradient"], r.summary()["reversed"]
    assert good["deletion_auc"] < bad["deletion_auc"] - 0.2
    assert good["insertion_auc"] > bad["insertion_auc"] + 0.2
    # normalised infidelity is invariant to rescaling (even by -1), so compare against noise
    noisy = compare_attributions(known_linear, x, target=1, methods=[Noise()],
                                 metrics=["infidelity"], progress=False).summary()["noise"]
    assert good["infidelity"] < 1e-6 < noisy["infidelity"]


def test_deletion_curve_endpoints_are_input_and_baseline_scores(known_linear):
    x = torch.rand(5, 6) + 0.5
    t = torch.ones(5, dtype=torch.long)
    a = torch.rand(5, 6)
    frac, curve = M.deletion_curve(known_linear, x, a, t, "tabular", steps=6)
    assert frac[0] == 0 and frac[-1] == 1 and curve.shape == (5, 7)
    with torch.no_grad():
        p_x = torch.softmax(known_linear(x), 1)[:, 1].numpy()
        p_0 = torch.softmax(known_linear(torch.zeros(5, 6)), 1)[:, 1].numpy()
    np.testing.assert_allclose(curve[:, 0], p_x, rtol=1e-5)
    np.testing.assert_allclose(curve[:, -1], p_0, rtol=1e-5)
    _, ins = M.insertion_curve(known_linear, x, a, t, "tabular", steps=6)
    np.testing.assert_allclose(ins[:, 0], p_0, rtol=1e-5)
    np.testing.assert_allclose(ins[:, -1], p_x, rtol=1e-5)


def test_image_features_are_pixels_across_channels():
    a = torch.zeros(1, 3, 2, 2)
    a[0, :, 0, 1] = 1.0
    scores = location_scores(a, torch.zeros(1, 3, 2, 2), "image")
    assert scores.shape == (1, 4) and scores[0].argmax() == 1 and scores[0, 1] == 3


@pytest.mark.parametrize(("shape", "kind"), [((4, 1, 8, 8), "image"), ((4, 5), "tabular"),
                                             ((4, 6, 3), "sequence")])
def test_results_have_one_attribution_per_method_shaped_like_inputs(cnn, linear, rnn, shape,
                                                                    kind):
    model = {"image": cnn, "tabular": linear, "sequence": rnn}[kind]
    if kind == "tabular":
        model = nn.Sequential(nn.Linear(5, 3))
    r = compare_attributions(model, torch.rand(shape), methods=["integrated_gradients",
                                                                 "saliency", "occlusion"],
                             metric_samples=3, progress=False)
    assert r.kind == kind and r.methods == ["Integrated Gradients", "Saliency", "Occlusion"]
    for a in r.attributions.values():
        assert a.shape == shape and a.dtype == np.float32 and np.isfinite(a).all()
    np.testing.assert_array_equal(r.target, r.y_pred)  # default target: predicted class
    for values in r.metrics.values():
        assert set(values) == {"deletion_auc", "insertion_auc", "infidelity", "sensitivity"}
        assert len(values["deletion_auc"]) == 4 and np.isnan(values["deletion_auc"][3])
        dele = values["deletion_auc"][:3]
        assert np.all((dele >= 0) & (dele <= 1))
    assert r.metric_indices.tolist() == [0, 1, 2]
    assert set(r.summary()["Saliency"]) == {"deletion_auc", "insertion_auc", "infidelity",
                                            "sensitivity", "seconds"}


def test_seeded_and_global_rng_untouched(cnn):
    x = torch.rand(4, 1, 8, 8)
    state, np_state = torch.random.get_rng_state(), np.random.get_state()
    a = compare_attributions(cnn, x, methods=["gradient_shap"], progress=False, seed=3)
    assert torch.equal(state, torch.random.get_rng_state())
    assert np.array_equal(np_state[1], np.random.get_state()[1])
    b = compare_attributions(cnn, x, methods=["gradient_shap"], progress=False, seed=3)
    c = compare_attributions(cnn, x, methods=["gradient_shap"], progress=False, seed=4)
    np.testing.assert_array_equal(a.attributions["GradientSHAP"], b.attributions["GradientSHAP"])
    assert not np.array_equal(a.attributions["GradientSHAP"], c.attributions["GradientSHAP"])
    for k in ("infidelity", "sensitivity"):
        np.testing.assert_array_equal(a.metrics["GradientSHAP"][k], b.metrics["GradientSHAP"][k])


def test_dict_methods_give_labels_and_sensitivity_subset(cnn):
    r = compare_attributions(
        cnn, torch.rand(5, 1, 8, 8), methods={"IG": "integrated_gradients", "Sal": "saliency"},
        metrics=["sensitivity"], metric_samples=4, sensitivity_samples=2, progress=False)
    assert r.methods == ["IG", "Sal"]
    sens = r.metrics["IG"]["sensitivity"]
    assert sens.shape == (5,) and np.isfinite(sens[:2]).all() and np.isnan(sens[2:]).all()
    assert "first 2 samples" in r.baseline


def test_the_result_is_rows_taken_concatenated_saved_and_opened(known_linear, tmp_path):
    from xaiwidgets import AttributionResult, open_result

    x = torch.rand(6, 6, generator=torch.Generator().manual_seed(3))
    kw = {"methods": [Gradient(known_linear), Noise()], "metrics": ["deletion_auc",
                                                                   "insertion_auc"],
          "metric_samples": 2, "steps": 4, "progress": False}
    a = compare_attributions(known_linear, x[:4], **kw)
    b = compare_attributions(known_linear, x[4:], **kw)
    # every row has the sample axis; unscored samples are NaN
    assert a.metrics["gradient"]["deletion_auc"].shape == (4,)
    assert np.isnan(a.metrics["gradient"]["deletion_auc"][2:]).all()
    assert a.deletion_curves["noise"].shape == (4, 5)
    assert np.isnan(a.deletion_curves["noise"][2:]).all()
    assert a.metric_indices.tolist() == [0, 1]
    both = AttributionResult.concat([a, b])
    assert len(both) == 6 and both.metric_indices.tolist() == [0, 1, 4, 5]
    for m in both.methods:  # seconds: the sample-weighted mean
        assert both.seconds_per_sample[m] == pytest.approx(
            (4 * a.seconds_per_sample[m] + 2 * b.seconds_per_sample[m]) / 6)
    # the summary is over the samples every method scored
    dele = np.concatenate([a.metrics["gradient"]["deletion_auc"][:2],
                           b.metrics["gradient"]["deletion_auc"]])
    assert both.summary()["gradient"]["deletion_auc"] == pytest.approx(dele.mean())
    assert both.metric_summary().n[0, 0] == 4
    taken = both[[4, 5]]
    assert taken.metric_indices.tolist() == [0, 1]
    np.testing.assert_array_equal(taken.attributions["noise"], b.attributions["noise"])
    back = open_result(both.save(tmp_path / "r"))
    assert isinstance(back, AttributionResult)
    np.testing.assert_array_equal(back.metric_indices, both.metric_indices)
    np.testing.assert_array_equal(back.y_pred, both.y_pred)
    for m in both.methods:
        assert back.summary()[m] == pytest.approx(both.summary()[m], nan_ok=True)
    # pred: the deprecated name of y_pred, for one release
    with pytest.warns(FutureWarning, match="y_pred"):
        np.testing.assert_array_equal(both.pred, both.y_pred)
    with pytest.warns(FutureWarning, match="y_pred"):
        old = AttributionResult(kind="tabular", inputs=x[:1].numpy(), target=np.zeros(1),
                                pred=np.ones(1), prob=np.ones(1), methods=[],
                                attributions={}, seconds_per_sample={})
    assert old.y_pred.tolist() == [1.0]
