"""Unusual input, tried as a new user would, at every public entry point: sensible input just
works; anything else is an error that names the argument, what was expected and what was given,
never a crash from inside torch / numpy / sklearn and never a silent wrong answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from captum.attr import IntegratedGradients
from helpers import synced
from test_concepts import Toy, toy_data
from test_masks import FAST, KeyToken, LeftHalf
from test_probe import assert_untouched, snapshot
from torch import nn

import xaiwidgets as xw
from xaiwidgets import (
    ComparisonView,
    ConceptExtractor,
    ConceptTree,
    MaskExplainer,
    compare_attributions,
)
from xaiwidgets.datasets import Vocabulary
from xaiwidgets.widgets._traits import dequantize

pytestmark = pytest.mark.usefixtures("one_torch_thread")

QUICK = {"metric_samples": 4, "progress": False}


@pytest.fixture
def images() -> torch.Tensor:
    return torch.rand(96, 1, 8, 8, generator=torch.Generator().manual_seed(0))


# ------------------------------------------------------------------ dtypes and grad modes
def test_float64_numpy_and_float16_inputs_are_cast_to_the_models_dtype(cnn, images):
    x32 = images[:6]
    ref = compare_attributions(cnn, x32, methods=["saliency"], metrics=["deletion_auc"], **QUICK)
    for x in (x32.double().numpy(), x32.half()):
        r = compare_attributions(cnn, x, methods=["saliency"], metrics=["deletion_auc"], **QUICK)
        assert r.inputs.dtype == np.float32
        atol = 1e-2 if isinstance(x, torch.Tensor) else 1e-6  # float16 rounds the inputs
        np.testing.assert_allclose(r.attributions["Saliency"], ref.attributions["Saliency"],
                                   atol=atol)
    ex = MaskExplainer(LeftHalf(), **FAST).fit(images.double().numpy())
    assert ex.attribute(images[:3].double().numpy()).dtype == torch.float32


def test_a_float64_model_gets_float64_inputs(images):
    model = LeftHalf().double()
    before = snapshot(model)
    r = compare_attributions(model, images[:4], methods=["integrated_gradients"], **QUICK)
    assert r.inputs.dtype == np.float64 and np.isfinite(r.summary()["Integrated Gradients"]
                                                         ["deletion_auc"])
    ex = MaskExplainer(model, **FAST).fit(images)
    assert ex.attribute(images[:2]).dtype == torch.float64
    assert_untouched(model, before)


def test_calls_inside_inference_mode_and_no_grad_still_explain(cnn, images):
    model = LeftHalf()
    with torch.inference_mode():
        x = images[:4].clone()  # an inference tensor
        r = compare_attributions(cnn, x, methods=["integrated_gradients", "saliency"], **QUICK)
        ex = MaskExplainer(model, **FAST).fit(images)
        masks = ex.attribute(x)
    assert masks.shape == (4, 1, 8, 8) and not masks.is_inference()
    assert np.abs(r.attributions["Saliency"]).sum() > 0
    assert ex.n_epochs_ == FAST["epochs"]
    with torch.no_grad():
        again = compare_attributions(cnn, images[:4], methods=["saliency"], metrics=[],
                                     progress=False)
    np.testing.assert_array_equal(again.attributions["Saliency"], r.attributions["Saliency"])


def test_dataframes_and_lists_of_samples_just_work(linear):
    rows = torch.rand(6, 5, generator=torch.Generator().manual_seed(2))
    frame = pd.DataFrame(rows.double().numpy(), columns=list("abcde"))
    r = compare_attributions(linear, frame, methods=["saliency"], metrics=[], progress=False)
    ref = compare_attributions(linear, rows, methods=["saliency"], metrics=[], progress=False)
    np.testing.assert_allclose(r.attributions["Saliency"], ref.attributions["Saliency"],
                               rtol=1e-6)
    stacked = compare_attributions(linear, list(rows), methods=["saliency"], metrics=[],
                                   progress=False)
    np.testing.assert_array_equal(stacked.inputs, ref.inputs)
    ex = MaskExplainer(linear, **FAST).fit(frame)  # tabular masks, one value per column
    assert ex.kind_ == "tabular" and ex.attribute(frame.iloc[:2]).shape == (2, 5)
    with pytest.raises(TypeError, match=r"argument 'inputs': expected numeric columns, got a "
                                        r"DataFrame with dtype object"):
        compare_attributions(linear, frame.assign(e="x"), progress=False)


def test_a_list_of_tensors_as_training_data_is_ambiguous(images):
    with pytest.raises(TypeError, match=r"argument 'data': got a list of 3 tensors, which could "
                                        r"be samples or batches; pass torch.stack"):
        MaskExplainer(LeftHalf(), **FAST).fit([images[0], images[1], images[2]])


# ------------------------------------------------------------------ scalar arguments
@pytest.mark.parametrize(("kwargs", "exc", "match"), [
    ({"batch_size": 0}, ValueError, r"argument 'batch_size': expected an integer >= 1, got 0"),
    ({"metric_samples": 2.5}, TypeError,
     r"argument 'metric_samples': expected an integer >= 0, got 2.5"),
    ({"metrics": None}, TypeError, r"argument 'metrics': expected a list of metric names"),
    ({"metrics": "deletion_auc"}, TypeError, r"argument 'metrics': expected a list"),
    ({"steps": 0}, ValueError, r"argument 'steps': expected an integer >= 1, got 0"),
    ({"baseline": float("nan")}, ValueError, r"argument 'baseline': expected a finite number"),
    ({"seed": -1}, ValueError, r"argument 'seed': expected an integer in \[0, "),
    ({"progress": "yes"}, TypeError, r"argument 'progress': expected True or False, got 'yes'"),
    ({"task": "classification"}, ValueError,
     r"argument 'task': expected one of \['auto', 'multiclass', 'binary', 'regression'\]"),
    ({"kind": "images"}, ValueError, r"argument 'kind': .*\(did you mean 'image'\?\)"),
])
def test_bad_scalars_of_compare_attributions(cnn, images, kwargs, exc, match):
    before = snapshot(cnn)
    with pytest.raises(exc, match=match):
        compare_attributions(cnn, images[:4], **{"progress": False, **kwargs})
    assert_untouched(cnn, before)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"batch_size": 0}, r"argument 'batch_size': expected an integer >= 1, got 0"),
    ({"epochs": 0}, r"argument 'epochs': expected an integer >= 1, got 0"),
    ({"lr": float("inf")}, r"argument 'lr': expected a finite number"),
    ({"seed": 1.5}, r"argument 'seed': expected an integer"),
    ({"patience": 0}, r"argument 'patience': expected an integer >= 1 or None, got 0"),
])
def test_bad_scalars_of_the_mask_explainer(images, kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        MaskExplainer(LeftHalf(), **{**FAST, **kwargs}).fit(images)


def test_bad_scalars_of_probes_and_sweeps(cnn, images):
    with pytest.raises(ValueError, match=r"argument 'batch_size': expected an integer >= 1"):
        xw.ModelProbe(cnn, ["conv"]).collect(images, batch_size=0)
    x, concepts = toy_data(40)
    with pytest.raises(ValueError, match=r"argument 'batch_size': expected an integer >= 1"):
        ConceptExtractor(Toy(), ["keep"], batch_size=0, progress=False).fit(x, concepts)
    ex = MaskExplainer(LeftHalf(), **FAST).fit(images)
    # epochs=0 used to fall back to the default silently
    with pytest.raises(ValueError, match=r"argument 'epochs': expected an integer >= 1 or None, "
                                         r"got 0"):
        xw.size_tradeoff(ex, images, images[:8], values=(0.1,), epochs=0)
    with pytest.raises(ValueError, match=r"argument 'keep': expected a fraction in \(0, 1\] or "
                                         r"a non-empty list of them, got tuple"):
        ex.evaluate(images[:8], keep=())


# ------------------------------------------------------------------ explainers
def test_a_captum_class_instead_of_an_instance_is_named(cnn, images):
    with pytest.raises(TypeError, match=r"argument 'methods': got the class "
                                        r"IntegratedGradients, expected an instance bound to "
                                        r"the model, e.g. IntegratedGradients\(model\)"):
        compare_attributions(cnn, images[:2], methods=[IntegratedGradients], progress=False)


def test_an_explainer_whose_attribute_takes_no_target_just_works(cnn, images):
    class Magnitude:
        label = "magnitude"

        def attribute(self, inputs):  # explains the model's own prediction: no target
            return inputs.abs()

    r = compare_attributions(cnn, images[:3], methods=[Magnitude()], metrics=[],
                             progress=False)
    np.testing.assert_allclose(r.attributions["magnitude"], images[:3].numpy())


def test_nan_attributions_are_named_not_ranked(cnn, images):
    class Broken:
        label = "broken"

        def attribute(self, inputs, target=None):
            a = torch.zeros_like(inputs)
            a[1, 0, 2, 2] = float("nan")
            return a

    with pytest.raises(ValueError, match=r"argument 'methods': 'broken' returned NaN or Inf "
                                         r"attributions for samples \[1\]"):
        compare_attributions(cnn, images[:3], methods=[Broken()], progress=False)
    a = torch.zeros(3, 1, 8, 8)
    a[2, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match=r"argument 'attributions': contains NaN or Inf "
                                         r"\(samples \[2\]\); NaN attributions cannot be ranked"):
        xw.deletion_curve(cnn, images[:3], a)


# ------------------------------------------------------------------ tokens and padding
def test_token_ids_outside_the_embedding_are_named():
    ids = torch.randint(1, 10, (4, 6), generator=torch.Generator().manual_seed(0))
    ids[1, 3] = 12
    with pytest.raises(ValueError, match=r"argument 'inputs': token ids must be in \[0, 10\) for "
                                         r"the model's embedding of 10 rows, got id 12"):
        compare_attributions(KeyToken(), ids, layer="embedding", progress=False)
    with pytest.raises(ValueError, match=r"argument 'data': token ids must be in \[0, 10\)"):
        MaskExplainer(KeyToken(), **FAST).fit(ids)
    ids[1, 3] = -1
    with pytest.raises(ValueError, match=r"got id -1"):
        xw.hard_mask_preservation(KeyToken(), ids, torch.rand(4, 6))


def test_all_padding_sequences_are_named():
    ids = torch.randint(1, 10, (30, 6), generator=torch.Generator().manual_seed(0))
    ids[3] = 0
    with pytest.raises(ValueError, match=r"argument 'data': samples \[3\] hold only padding "
                                         r"\(pad_id=0\)"):
        MaskExplainer(KeyToken(), pad_id=0, **FAST).fit(ids)
    ex = MaskExplainer(KeyToken(), pad_id=0, **FAST).fit(ids[4:])
    with pytest.raises(ValueError, match=r"argument 'inputs': samples \[3\] hold only padding"):
        ex.attribute(ids[:5])
    with pytest.raises(ValueError, match=r"samples \[3\] hold only padding"):
        compare_attributions(KeyToken(), ids[:5], layer="embedding", pad_id=0, progress=False)


def test_padding_is_never_a_location_of_the_metrics():
    # a model that reads token 5 only; padding positions must not count as removable locations
    ids = torch.tensor([[5, 3, 2, 0, 0, 0, 0, 0]])
    a = torch.tensor([[3.0, 2.0, 1.0, 9.0, 9.0, 9.0, 9.0, 9.0]])  # padding "attributed" high
    _, curve = xw.deletion_curve(KeyToken(), ids, a, layer="embedding", steps=3, pad_id=0)
    _, curve_all = xw.deletion_curve(KeyToken(), ids, a, layer="embedding", steps=3)
    # with padding excluded, the first third removes the key token 5 at once
    assert curve[0, 1] < curve[0, 0] - 0.1
    assert curve_all[0, 1] == pytest.approx(curve_all[0, 0])  # removing padding changes nothing


def test_vocabulary_encode_refuses_strings_it_would_split_into_characters():
    vocab = Vocabulary(["a", "good", "movie"])
    np.testing.assert_array_equal(vocab.encode([["a", "good", "movie"]], 4), [[2, 3, 4, 0]])
    with pytest.raises(TypeError, match=r"argument 'token_lists': expected token lists .* got "
                                        r"the string 'a good movie'; tokenize it first"):
        vocab.encode("a good movie", 4)
    with pytest.raises(TypeError, match=r"argument 'token_lists': expected one list of tokens "
                                        r"per text, got a list of 2 strings"):
        vocab.encode(["a good movie", "bad"], 4)
    with pytest.raises(ValueError, match=r"argument 'max_len': expected an integer >= 1"):
        vocab.encode([["a"]], 0)


# ------------------------------------------------------------------ names and views
def test_class_names_as_a_dict_work_and_a_string_is_named(cnn, images):
    r = compare_attributions(cnn, images[:3], target=[0, 1, 2], methods=["saliency"],
                             metrics=[], progress=False)
    w = ComparisonView(r, class_names={0: "cat", 1: "dog", 2: "<b>eel</b>"})
    assert w.class_names == ["cat", "dog", "<b>eel</b>"]
    with pytest.raises(TypeError, match=r"argument 'class_names': expected a list of names \(one "
                                        r"per class\), got the string 'abc'"):
        ComparisonView(r, class_names="abc")
    with pytest.raises(ValueError, match=r"argument 'class_names': expected a name for each of "
                                         r"the 3 classes, missing classes \[2\]"):
        ComparisonView(r, class_names={0: "cat", 1: "dog"})


def test_widget_options_are_strict(cnn, images):
    r = compare_attributions(cnn, images[:2], methods=["saliency"], metrics=[], progress=False)
    with pytest.raises(ValueError, match=r"argument 'display_size': expected an integer >= 4, "
                                         r"got 0"):
        ComparisonView(r, display_size=0)
    with pytest.raises(TypeError, match=r"ComparisonView: unknown option 'colourmap' "
                                        r"\(did you mean 'colormap'\?\)"):
        ComparisonView(r, colourmap="viridis")
    with pytest.raises(TypeError, match=r"unknown option 'opacty'"):
        ComparisonView.from_model(cnn, images[:2], methods=["saliency"], metrics=[],
                                         progress=False, view={"opacty": 0.2})
    with pytest.raises(TypeError, match=r"unknown option 'colourmap' \(did you mean "
                                        r"'colormap'\?\); the keywords are "
                                        r"\['method_options', 'metrics'"):
        ComparisonView.from_model(cnn, images[:2], methods=["saliency"], metrics=[],
                                         progress=False, colourmap="viridis")


def test_from_model_takes_view_options_as_plain_keywords(cnn, images):
    w = ComparisonView.from_model(cnn, images[:2], methods=["saliency"], metrics=[],
                                         progress=False, colormap="viridis", sign="absolute",
                                         view={"opacity": 0.3})
    assert (w.colormap, w.sign, w.opacity) == ("viridis", "absolute", 0.3)


def test_the_tabular_snapshot_shows_the_feature_names(linear):
    r = compare_attributions(linear, torch.rand(2, 5), methods=["saliency"], metrics=[],
                             progress=False)
    page = ComparisonView(r, feature_names=["age", "<i>bmi</i>", "x", "y", "z"])
    html = page._static_html()
    assert "<td>age</td>" in html and "&lt;i&gt;bmi&lt;/i&gt;" in html
    assert "<td>x0</td>" not in html


# ------------------------------------------------------------------ concepts
def test_concepts_from_float64_arrays_and_dataframes():
    toy = Toy().eval()
    x, concepts = toy_data(80)
    kw = {"n_labelled": 40, "n_unlabelled": 20, "progress": False}
    ref = ConceptExtractor(toy, ["keep"], **kw).fit(x, concepts)
    as64 = ConceptExtractor(toy, ["keep"], **kw).fit(x.double().numpy(), pd.DataFrame(concepts))
    np.testing.assert_allclose(as64.accuracy_, ref.accuracy_)
    pred = as64.predict_concepts(pd.DataFrame(x.double().numpy()))
    assert {k: list(v) for k, v in pred.items()} == {
        k: list(v) for k, v in ref.predict_concepts(x).items()}



def test_missing_concept_labels_are_named_not_categories():
    x, concepts = toy_data(40)
    bad = dict(concepts, b=np.array([*concepts["b"][:5], None, *concepts["b"][6:]],
                                    dtype=object))
    with pytest.raises(ValueError, match=r"argument 'concepts': concept 'b' has missing labels "
                                         r"\(NaN / None\) at samples \[5\]"):
        ConceptExtractor(Toy(), ["keep"], n_labelled=20, progress=False).fit(x, bad)
    nan = dict(concepts, c=np.where(np.arange(40) == 7, np.nan, concepts["c"]))
    with pytest.raises(ValueError, match=r"concept 'c' has missing labels .* samples \[7\]"):
        ConceptTree().fit(nan, np.zeros(40, dtype=int))
    with pytest.raises(ValueError, match=r"argument 'y': labels must not be missing"):
        ConceptTree().fit(concepts, np.where(np.arange(40) == 2, np.nan, 1.0))


def test_a_tree_refuses_concept_values_it_never_saw():
    _, concepts = toy_data(60)
    y = (concepts["b"] == "hi").astype(int)
    tree = ConceptTree(max_depth=2).fit(concepts, y)
    unseen = dict(concepts, b=np.where(np.arange(60) == 4, "medium", concepts["b"]))
    with pytest.raises(ValueError, match=r"argument 'concepts': concept 'b' has values "
                                         r"\['medium'\] the tree was not fitted on; known "
                                         r"values: \['hi', 'lo'\]"):
        tree.predict(unseen)


# ------------------------------------------------------------------ tasks
def test_one_output_models_need_a_task_and_regression_metrics_have_a_direction():
    model = nn.Linear(3, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[5.0, 0.5, 0.0]]))
        model.bias.zero_()
    x = torch.rand(16, 3, generator=torch.Generator().manual_seed(0)) + 0.5

    class Faithful:
        label = "faithful"

        def attribute(self, inputs, target=None):
            return inputs * model.weight.detach()

    class Backwards(Faithful):
        label = "backwards"

        def attribute(self, inputs, target=None):
            return -super().attribute(inputs, target)

    with pytest.raises(ValueError, match=r"argument 'task': the model has one output"):
        compare_attributions(model, x, methods=[Faithful()], progress=False)
    r = compare_attributions(model, x, methods=[Faithful(), Backwards()], task="regression",
                             metrics=["deletion_auc", "insertion_auc"], progress=False)
    s = r.summary()
    # deletion tracks |f(x') - f(x)|: the faithful ranking moves the output first (higher)
    assert s["faithful"]["deletion_auc"] > s["backwards"]["deletion_auc"]
    assert s["faithful"]["insertion_auc"] < s["backwards"]["insertion_auc"]
    labels = r.metric_labels
    assert labels["deletion_auc"] == ("Deletion |Δ output| AUC ↑", True)
    assert labels["insertion_auc"] == ("Insertion |Δ output| AUC ↓", False)
    m = synced(ComparisonView(r), "metrics")
    assert m["higher_is_better"][:2] == [True, False]


def test_binary_one_logit_models_explain_each_class_with_its_own_sign():
    model = nn.Linear(3, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[2.0, -1.0, 0.0]]))
        model.bias.copy_(torch.tensor([-0.5]))
    x = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])  # logits 1.5 (class 1), -1.5 (class 0)
    r = compare_attributions(model, x, methods=["input_x_gradient", IntegratedGradients(model)],
                             task="binary", metrics=[], progress=False)
    assert r.y_pred.tolist() == [1, 0] and r.task == "binary"
    np.testing.assert_allclose(r.prob, torch.sigmoid(torch.tensor([1.5, 1.5])).numpy(),
                               rtol=1e-6)
    # evidence for the explained (predicted) class: +2 for sample 0's class 1, +1 for class 0
    np.testing.assert_allclose(r.attributions["Input × Gradient"], [[2, 0, 0], [0, 1, 0]])
    np.testing.assert_allclose(r.attributions["IntegratedGradients"], [[2, 0, 0], [0, 1, 0]],
                               atol=1e-4)
    explicit = compare_attributions(model, x, target=[0, 0], methods=["input_x_gradient"],
                                    task="binary", metrics=[], progress=False)
    np.testing.assert_allclose(explicit.attributions["Input × Gradient"],
                               [[-2, 0, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match=r"argument 'target': targets must be in \[0, 2\)"):
        compare_attributions(model, x, target=2, task="binary", progress=False)
    w = ComparisonView(explicit, class_names=["benign", "malignant"])
    heat = dequantize(synced(w, "data")["attributions"]["Input × Gradient"])
    assert heat[0, 0] == pytest.approx(-2, abs=0.02)


def test_task_mismatches_are_named():
    with pytest.raises(ValueError, match=r"'binary' needs a model with one output, got 3 .*"
                                         r"two-logit softmax classifier is 'multiclass'"):
        compare_attributions(nn.Linear(4, 3), torch.rand(2, 4), task="binary", progress=False)
    with pytest.raises(ValueError, match=r"'multiclass' needs a model with >= 2 outputs"):
        compare_attributions(nn.Linear(4, 1), torch.rand(2, 4), task="multiclass",
                             progress=False)
    with pytest.raises(ValueError, match=r"argument 'target': a regression model has no classes"):
        compare_attributions(nn.Linear(4, 1), torch.rand(2, 4), target=[1, 0],
                             task="regression", progress=False)
