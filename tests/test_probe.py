import numpy as np
import pytest
import torch
from torch import nn

from xaiwidgets import ModelProbe, compare_attributions, preserved_model


def snapshot(model: nn.Module) -> dict:
    return {
        "state": {k: v.clone() for k, v in model.state_dict(keep_vars=False).items()},
        "training": [m.training for m in model.modules()],
        "requires_grad": [p.requires_grad for p in model.parameters()],
        "grad": [None if p.grad is None else p.grad.clone() for p in model.parameters()],
        "hooks": [(len(m._forward_hooks), len(m._forward_pre_hooks), len(m._backward_hooks),
                   len(m._backward_pre_hooks)) for m in model.modules()],
    }


def assert_untouched(model: nn.Module, before: dict) -> None:
    after = snapshot(model)
    assert before["state"].keys() == after["state"].keys()
    for k, v in before["state"].items():
        assert torch.equal(v, after["state"][k]), f"{k} changed"
        assert v.dtype == after["state"][k].dtype
    assert before["training"] == after["training"]
    assert before["requires_grad"] == after["requires_grad"]
    for g0, g1 in zip(before["grad"], after["grad"], strict=True):
        assert (g0 is None and g1 is None) or torch.equal(g0, g1)
    assert before["hooks"] == after["hooks"]


@pytest.fixture
def user_model(cnn):
    """Train-mode BN + Dropout, one frozen layer, an existing user hook, existing grads."""
    cnn.conv.weight.requires_grad_(False)
    calls = []
    cnn.fc.register_forward_hook(lambda m, i, o: calls.append(o.shape))
    cnn.fc.weight.grad = torch.ones_like(cnn.fc.weight)
    cnn.calls = calls
    return cnn


def test_preserved_model_restores_after_success(user_model, images):
    before = snapshot(user_model)
    with preserved_model(user_model) as m:
        assert not m.training and not any(p.requires_grad for p in m.parameters())
        m(images)
    assert_untouched(user_model, before)
    assert len(user_model.calls) == 1  # the user's hook stayed and ran


def test_preserved_model_restores_after_exception_and_removes_leaked_hooks(user_model, images):
    before = snapshot(user_model)
    with pytest.raises(RuntimeError, match="boom"), preserved_model(user_model) as m:
        m.relu.register_forward_hook(lambda *a: None)  # e.g. a library leaking a hook
        m.conv.register_full_backward_hook(lambda *a: None)
        raise RuntimeError("boom")
    assert_untouched(user_model, before)


def test_preserved_model_disables_cudnn_for_rnns(rnn):
    seen = []
    rnn.gru.register_forward_pre_hook(lambda *a: seen.append(torch.backends.cudnn.enabled))
    enabled = torch.backends.cudnn.enabled
    with preserved_model(rnn):
        rnn(torch.rand(2, 4, 3))
    assert seen == [False]
    assert torch.backends.cudnn.enabled == enabled


def test_probe_captures_activations_in_batches(user_model, images):
    before = snapshot(user_model)
    probe = ModelProbe(user_model, ["conv", "fc"])
    acts = probe.collect(images, batch_size=4)
    assert acts["conv"].shape == (6, 4 * 8 * 8) and acts["fc"].shape == (6, 3)
    with torch.no_grad():
        user_model.eval()
        expected = user_model(images).numpy()
        user_model.train()
    np.testing.assert_allclose(acts["fc"], expected, rtol=1e-5, atol=1e-6)
    assert_untouched(user_model, before)


def test_probe_reduce_and_dataloader(cnn, images):
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(images, torch.zeros(6)), batch_size=4)
    acts = ModelProbe(cnn, ["conv"], reduce=ModelProbe.spatial_mean).collect(loader)
    assert acts["conv"].shape == (6, 4)


def test_probe_rnn_layer_yields_hidden_sequence(rnn):
    acts = ModelProbe(rnn, ["gru"]).collect(torch.rand(3, 5, 3), flatten=False)
    assert acts["gru"].shape == (3, 5, 8)


def test_probe_restores_model_when_data_is_bad(user_model):
    before = snapshot(user_model)
    with pytest.raises(ValueError, match=r"argument 'data': the model could not run on .*"
                                         r"\(2, 3, 8, 8\).*channels"):
        ModelProbe(user_model, ["conv"]).collect(torch.rand(2, 3, 8, 8))  # wrong channels
    assert_untouched(user_model, before)


def test_probe_errors_name_the_argument(cnn):
    with pytest.raises(ValueError, match=r"argument 'layers': model has no layer 'conv9'.*'conv'"):
        ModelProbe(cnn, ["conv9"])
    with pytest.raises(ValueError, match="argument 'layers': expected at least one"):
        ModelProbe(cnn, [])
    with pytest.raises(ValueError, match="argument 'data': expected at least one"):
        ModelProbe(cnn, ["conv"]).collect(torch.rand(0, 1, 8, 8))
    with pytest.raises(TypeError, match="argument 'model'"):
        ModelProbe("not a model", ["conv"])


def test_probe_non_tensor_layer_output_is_a_clear_error():
    class Pair(nn.Module):
        def forward(self, x):
            return x, x

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.pair = Pair()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(self.pair(x)[0])

    with pytest.raises(TypeError, match=r"layer 'pair' \(Pair\) returns tuple, expected a tensor"):
        ModelProbe(M(), ["pair"]).collect(torch.rand(2, 2))
    acts = ModelProbe(M(), ["pair"], reduce={"pair": lambda o: o[0]}).collect(torch.rand(2, 2))
    assert acts["pair"].shape == (2, 2)


@pytest.mark.parametrize("methods", [["integrated_gradients", "saliency", "occlusion",
                                      "gradient_shap", "deeplift", "input_x_gradient",
                                      "guided_backprop", "feature_ablation"]])
def test_every_method_leaves_the_model_untouched(user_model, images, methods):
    before = snapshot(user_model)
    compare_attributions(user_model, images, methods=methods, metric_samples=3, progress=False)
    assert_untouched(user_model, before)


def test_model_untouched_when_an_explainer_fails(user_model, images):
    class Broken:
        def attribute(self, inputs, target=None):
            user_model.fc.register_forward_hook(lambda *a: None)
            raise RuntimeError("explainer failed")

    before = snapshot(user_model)
    with pytest.raises(RuntimeError, match="explainer failed"):
        compare_attributions(user_model, images, methods=["saliency", Broken()], progress=False)
    assert_untouched(user_model, before)


def test_rnn_gradients_in_eval_mode_work(rnn):
    before = snapshot(rnn)
    r = compare_attributions(rnn, torch.rand(4, 5, 3), methods=["integrated_gradients",
                                                                 "saliency"], progress=False)
    assert r.attributions["Saliency"].shape == (4, 5, 3)
    assert_untouched(rnn, before)


def test_probe_reads_map_style_datasets_sample_by_sample(cnn, images):
    """A torch map-style Dataset, a bundled dataset or a generated one is read as samples and
    batched (iterating one would yield samples, each then taken for a batch)."""
    from xaiwidgets.datasets import Procedural, load_digits

    probe = ModelProbe(cnn, ["fc"])
    expected = probe.collect(images, batch_size=4)["fc"]
    pairs = torch.utils.data.TensorDataset(images, torch.zeros(6))
    np.testing.assert_allclose(probe.collect(pairs, batch_size=4)["fc"], expected,
                               rtol=1e-5, atol=1e-6)
    digits = load_digits()[:50]
    np.testing.assert_allclose(probe.collect(digits, batch_size=16)["fc"],
                               probe.collect(digits.X)["fc"], rtol=1e-5, atol=1e-6)
    generated = Procedural(30, shape=(1, 8, 8), n_classes=3)
    from_rows = probe.collect(generated[:][0])["fc"]
    np.testing.assert_allclose(probe.collect(generated, batch_size=7)["fc"], from_rows,
                               rtol=1e-5, atol=1e-6)
    acts, seen = probe.gather(generated, rows=np.array([3, 20]), batch_size=8)
    assert seen == 30
    np.testing.assert_allclose(acts["fc"], from_rows[[3, 20]], rtol=1e-5, atol=1e-6)


def test_probe_refuses_a_dataset_of_strings(cnn):
    from xaiwidgets.datasets import TextDataset

    texts = TextDataset(texts=["a fine film", "dull"], target=np.array([1, 0]),
                        target_names=["rotten", "fresh"])
    with pytest.raises(TypeError, match=r"argument 'data': this TextDataset holds strings.*"
                                        r"encode\(vocabulary, max_len\)"):
        ModelProbe(cnn, ["fc"]).collect(texts)


def test_step_states_read_a_sequence_datasets_sequences(rnn):
    from xaiwidgets.datasets import SequenceDataset

    x = torch.rand(4, 5, 3).numpy()
    ds = SequenceDataset(sequences=x, lengths=np.array([5, 3, 2, 4]), target=np.zeros(4, int),
                         feature_names=["a", "b", "c"], target_names=["no", "yes"])
    probe = ModelProbe(rnn, ["gru"])
    got = probe.step_states(ds, batch_size=3)
    want = probe.step_states(x, batch_size=3)
    assert got.states["gru"].shape == (20, 8)
    np.testing.assert_allclose(got.states["gru"], want.states["gru"], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got.outputs, want.outputs, rtol=1e-6, atol=1e-7)


def test_probe_reads_zarr_and_dask_arrays_by_slices(cnn, images):
    zarr = pytest.importorskip("zarr")
    da = pytest.importorskip("dask.array")
    probe = ModelProbe(cnn, ["fc"])
    expected = probe.collect(images, batch_size=4)["fc"]
    stored = zarr.array(images.numpy(), chunks=(2, 1, 8, 8))
    lazy = da.from_array(images.numpy(), chunks=(3, 1, 8, 8))  # iterating it: row by row
    for source in (stored, lazy):
        np.testing.assert_allclose(probe.collect(source, batch_size=4)["fc"], expected,
                                   rtol=1e-5, atol=1e-6)


def test_probe_names_a_bad_batch_size_before_anything_runs(cnn, rnn, images):
    with pytest.raises(ValueError, match="argument 'batch_size': expected an integer >= 1"):
        ModelProbe(cnn, ["fc"]).gather(images, batch_size=0, progress=True)
    with pytest.raises(ValueError, match="argument 'batch_size': expected an integer >= 1"):
        ModelProbe(rnn, ["gru"]).step_states(torch.rand(2, 4, 3), batch_size=0)
