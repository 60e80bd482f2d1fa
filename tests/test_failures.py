"""Failures that must be clear errors (naming the argument, what was expected and what was
given) or the right answer, with the user's model left as found on every error path: the
model's own exceptions, SENN's mode and RNG, saved files, degenerate labels and arguments, and
crashes that used to come from deep inside torch, Captum or scikit-learn."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import TinyCNN
from test_concepts import Toy, toy_data
from test_masks import FAST, LeftHalf
from test_probe import assert_untouched, snapshot
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import xaiwidgets as xw
from xaiwidgets import ConceptExtractor, ConceptTree, MaskExplainer, compare_attributions
from xaiwidgets._core import persist
from xaiwidgets._core.probe import ModelProbe
from xaiwidgets._core.validation import check_class_labels, match_labels
from xaiwidgets.redescriptions import RedescriptionMiner
from xaiwidgets.senn import SENN, fit_senn

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _rng() -> tuple[torch.Tensor, np.ndarray]:
    return torch.random.get_rng_state(), np.random.get_state()[1].copy()


def _same_rng(before: tuple[torch.Tensor, np.ndarray]) -> bool:
    now = _rng()
    return bool(torch.equal(before[0], now[0]) and np.array_equal(before[1], now[1]))


# -- the model's own failures ----------------------------------------------------------------

class FailsLater(TinyCNN):
    """Runs on its first ``ok`` calls, then raises its own error (a bug of the model's, say)."""

    def __init__(self, ok: int, error: Exception) -> None:
        super().__init__()
        self.ok, self.error, self.calls = ok, error, 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        if self.calls > self.ok:
            raise self.error
        return super().forward(x)


def test_a_models_own_failure_midway_reaches_the_user_as_itself(images):
    model = FailsLater(1, RuntimeError("boom: the model's own bug")).train()
    before, rng = snapshot(model), _rng()
    # the first batch ran on these inputs, the second fails: the model's error, not the inputs'
    with pytest.raises(RuntimeError, match=r"^boom: the model's own bug$"):
        compare_attributions(model, images, methods=["saliency"], batch_size=2, progress=False)
    assert_untouched(model, before)
    assert _same_rng(rng)
    probe_model = FailsLater(1, IndexError("index 7 out of range in the model"))
    with pytest.raises(IndexError, match=r"^index 7 out of range in the model$"):
        ModelProbe(probe_model, ["fc"]).collect(images, batch_size=2)


def test_bad_inputs_on_a_first_call_are_still_named_and_other_errors_pass_through(images):
    model = TinyCNN()
    with pytest.raises(ValueError, match=r"argument 'inputs': the model could not run on Tensor "
                                         r"of dtype torch.float32 and shape \(2, 3, 8, 8\) "
                                         r"\(RuntimeError: .*channels"):
        compare_attributions(model, torch.rand(2, 3, 8, 8), methods=["saliency"], progress=False)
    own = FailsLater(0, KeyError("the model's lookup"))  # not an input error: never wrapped
    before = snapshot(own)
    with pytest.raises(KeyError, match="the model's lookup"):
        compare_attributions(own, images, methods=["saliency"], progress=False)
    assert_untouched(own, before)


# -- SENN's mode and the global RNG -----------------------------------------------------------

def test_senn_attribute_and_relevances_run_in_eval_mode_without_touching_the_rng():
    torch.manual_seed(0)
    x = torch.randn(64, 5, generator=torch.Generator().manual_seed(0))
    y = (x[:, 0] > 0).long()
    senn = SENN.tabular(5, 2, hidden=(16, 8), dropout=0.5)
    fit_senn(senn, x, y, epochs=2, progress=False)
    senn.train()  # as a user may leave it: dropout active
    before, rng = snapshot(senn), _rng()
    a1, a2 = senn.attribute(x[:8]), senn.attribute(x[:8])
    r1, r2 = senn.relevances(x[:8]), senn.relevances(x[:8])
    assert torch.equal(a1, a2) and torch.equal(r1, r2)
    ex = senn.explain(x[:8])
    np.testing.assert_array_equal(r1.numpy(), ex.relevances)
    # identity concepts: the attribution of feature j is theta_j of the explained class
    np.testing.assert_allclose(a1.numpy(), ex.relevances[:, :5], rtol=1e-6)
    assert _same_rng(rng)
    assert_untouched(senn, before)
    assert senn.training


# -- saved files -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    torch.manual_seed(0)
    images = torch.rand(48, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    est = MaskExplainer(LeftHalf(), **FAST).fit(images)
    path = est.save(tmp_path_factory.mktemp("saved") / "masks.pt")
    return est, path, images


def test_empty_truncated_and_random_files_are_named(saved, tmp_path):
    est, path, _ = saved
    before = snapshot(est.model)
    data = path.read_bytes()
    (tmp_path / "empty.pt").write_bytes(b"")
    (tmp_path / "half.pt").write_bytes(data[:len(data) // 2])
    (tmp_path / "random.pt").write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(ValueError, match=r"argument 'path': '.*empty.pt' is empty \(0 bytes\)"):
        MaskExplainer.load(tmp_path / "empty.pt", model=est.model)
    for name, size in (("half.pt", len(data) // 2), ("random.pt", 4096)):
        with pytest.raises(ValueError, match=rf"argument 'path': '.*{name}' \({size} bytes\) is "
                                             r"not a readable saved xaiwidgets estimator: "
                                             r"truncated, corrupted"):
            MaskExplainer.load(tmp_path / name, model=est.model)
    with pytest.raises(ValueError, match=r"argument 'path': cannot read '.*missing.pt'"):
        MaskExplainer.load(tmp_path / "missing.pt", model=est.model)
    assert_untouched(est.model, before)


def test_a_newer_format_version_and_a_corrupted_payload_are_refused(saved, tmp_path):
    est, path, _ = saved
    outer = torch.load(path, weights_only=True)
    assert outer["version"] == persist.FORMAT_VERSION == 2
    torch.save({**outer, "version": 3}, tmp_path / "newer.pt")
    with pytest.raises(ValueError, match=r"argument 'path': '.*newer.pt' has format version 3, "
                                         r"newer than the versions this xaiwidgets .* reads "
                                         r"\(up to 2\); upgrade"):
        MaskExplainer.load(tmp_path / "newer.pt", model=est.model)
    body = outer["body"].clone()
    body[len(body) // 2] ^= 0xFF  # one flipped byte inside the pickled payload
    torch.save({**outer, "body": body}, tmp_path / "flipped.pt")
    with pytest.raises(ValueError, match=r"argument 'path': '.*flipped.pt' is corrupted: the "
                                         r"checksum \(sha256\) of its payload does not match"):
        MaskExplainer.load(tmp_path / "flipped.pt", model=est.model)


def test_load_checks_the_weights_not_only_the_architecture(saved):
    est, path, images = saved
    loaded = MaskExplainer.load(path, model=est.model)
    assert torch.equal(loaded.attribute(images[:4]), est.attribute(images[:4]))
    other = LeftHalf()
    with torch.no_grad():
        other.fc.weight.copy_(est.model.fc.weight)
        other.fc.bias.copy_(est.model.fc.bias)
        other.fc.bias[0] += 1e-6  # same architecture, one weight a hair apart
    before = snapshot(other)
    with pytest.raises(ValueError, match=r"argument 'model': the architecture this MaskExplainer "
                                         r"was fitted on, but not the same weights"):
        MaskExplainer.load(path, model=other)
    assert_untouched(other, before)


class _Evil:
    def __reduce__(self):
        return os.system, ("touch pwned-by-xaiwidgets-file",)


def test_files_naming_code_outside_the_allowed_classes_are_refused_before_running(tmp_path,
                                                                                  monkeypatch):
    monkeypatch.chdir(tmp_path)
    torch.save({"format": persist.FORMAT, "version": 1, "class": "x", "evil": _Evil()},
               tmp_path / "evil.pt")
    with pytest.raises(ValueError, match=r"argument 'path': '.*evil.pt' names \['posix.system'\]"
                                         r", which are neither classes of xaiwidgets"):
        MaskExplainer.load(tmp_path / "evil.pt")
    assert not (tmp_path / "pwned-by-xaiwidgets-file").exists()


def test_version_1_files_still_load(saved, tmp_path):
    est, path, images = saved
    payload = persist.read(path)
    payload["version"] = 1
    torch.save(payload, tmp_path / "v1.pt")  # the old layout: the payload pickled directly
    loaded = MaskExplainer.load(tmp_path / "v1.pt", model=est.model)
    assert torch.equal(loaded.attribute(images[:4]), est.attribute(images[:4]))


# -- degenerate labels and arguments ---------------------------------------------------------

def test_senn_refuses_a_single_training_class():
    x = torch.randn(40, 5, generator=torch.Generator().manual_seed(0))
    senn = SENN.tabular(5, 2, hidden=(8,))
    before = snapshot(senn)
    with pytest.raises(ValueError, match=r"argument 'y': expected labels of at least 2 classes "
                                         r"to train a 2-class classifier, got only class 1 in "
                                         r"all 40 samples"):
        fit_senn(senn, x, torch.ones(40, dtype=torch.long), progress=False)
    loader = DataLoader(TensorDataset(x, torch.zeros(40, dtype=torch.long)), batch_size=8)
    with pytest.raises(ValueError, match=r"argument 'data labels': expected labels of at least "
                                         r"2 classes .* got only class 0 in all 40 samples"):
        fit_senn(senn, loader, progress=False)
    assert_untouched(senn, before)


@pytest.fixture(scope="module")
def tree():
    torch.manual_seed(0)
    x, concepts = toy_data(120)
    cme = ConceptExtractor(Toy().eval(), ["keep", "noise"], n_labelled=60, n_unlabelled=40,
                           progress=False).fit(x, concepts)
    pred, model_pred = cme.predict_concepts(x, return_predictions=True)
    return ConceptTree(max_depth=3).fit(pred, model_pred), pred, np.asarray(model_pred)


def test_class_name_labels_are_not_compared_with_class_indices(tree):
    t, concepts, model_pred = tree
    names = np.where(model_pred == 1, "yes", "no")
    assert t.classes_.dtype.kind == "i"
    for call in (lambda: t.score(concepts, names),
                 lambda: t.evaluate(concepts, model_pred, y_true=names),
                 lambda: t.node_statistics(concepts, model_pred, y_true=names)):
        with pytest.raises(ValueError, match=r"argument 'y(_true)?': labels are class names "
                                             r"\(e.g. '(yes|no)'\) but the predictions are "
                                             r"class indices \[0, 1\]"):
            call()
    with pytest.raises(ValueError, match=r"argument 'pred': labels are class names"):
        xw.metrics.fidelity(names, model_pred)
    with pytest.raises(ValueError, match=r"argument 'pred': concept 'a' holds names \(strings\) "
                                         r"but 'true' holds numbers \(e.g. 1\)"):
        xw.metrics.concept_accuracy({"a": [1, 0]}, {"a": ["1", "0"]})
    # integral floats are the same classes: the same answer as the integers
    score = t.score(concepts, model_pred)
    assert t.score(concepts, model_pred.astype(np.float64)) == score > 0.5
    assert xw.metrics.fidelity(model_pred.astype(np.float32), model_pred) == 1.0


def test_the_label_matcher_maps_names_and_indices_one_way():
    np.testing.assert_array_equal(
        match_labels(["cat", "dog", "cat"], [0, 1], 3, "y", class_names=["cat", "dog"]), [0, 1, 0])
    np.testing.assert_array_equal(
        match_labels([1.0, 0.0], np.array(["cat", "dog"]), 2, "y", class_names=["cat", "dog"]),
        ["dog", "cat"])
    with pytest.raises(ValueError, match=r"argument 'y': labels \['cow'\] are not among the "
                                         r"class names \['cat', 'dog'\]"):
        match_labels(["cow", "cat"], [0, 1], 2, "y", class_names=["cat", "dog"])
    with pytest.raises(ValueError, match=r"argument 'y': labels are class indices \(e.g. 1\) but "
                                         r"the predictions are class names \['cat', 'dog'\]"):
        match_labels([1, 0], np.array(["cat", "dog"]), 2, "y")
    with pytest.raises(TypeError, match=r"argument 'y': expected class labels of one kind"):
        check_class_labels(np.array([1, "a"], dtype=object), 2, "y")


def test_concept_tree_refuses_continuous_labels_and_takes_integral_floats():
    _, concepts = toy_data(80)
    y = (concepts["a"] ^ (concepts["b"] == "hi")).astype(np.int64)
    with pytest.raises(ValueError, match=r"argument 'y': expected class labels \(integers or "
                                         r"names\), got non-integral value 0\.3 at sample 0"):
        ConceptTree().fit(concepts, np.full(80, 0.3))
    ints = ConceptTree(max_depth=3).fit(concepts, y)
    floats = ConceptTree(max_depth=3).fit(concepts, y.astype(np.float64))
    assert floats.classes_.dtype.kind == "i"
    np.testing.assert_array_equal(floats.predict(concepts), ints.predict(concepts))
    assert floats.score(concepts, y) == 1.0


class Magnitude:
    """An explainer of the model's own prediction: its attribute takes no target."""

    label = "magnitude"

    def attribute(self, inputs):
        return inputs.abs()


def test_an_explainer_without_target_is_refused_for_other_classes(cnn, images):
    before = snapshot(cnn)
    with torch.no_grad():
        pred = TinyCNN.forward(cnn.eval(), images).argmax(1)
    cnn.train()
    other = (pred + 1) % 3
    with pytest.raises(ValueError, match=r"argument 'methods': 'magnitude' has attribute\(inputs\) "
                                         r"without a target parameter, so its maps are the same "
                                         r"whatever class is explained; the targets asked differ "
                                         r"from the model's predictions at samples \[0, 1, 2"):
        compare_attributions(cnn, images, other, methods=[Magnitude()], metrics=[],
                             progress=False)
    with pytest.raises(ValueError, match=r"argument 'explain': 'magnitude' has attribute"):
        xw.metrics.local_lipschitz(Magnitude(), images, other, model=cnn, n_samples=2)
    assert_untouched(cnn, before)
    # asking for the predicted classes (given or not) is what it explains: the right answer
    r = compare_attributions(cnn, images, pred, methods=[Magnitude()], metrics=[],
                             progress=False)
    np.testing.assert_allclose(r.attributions["magnitude"], images.numpy())


def test_a_baseline_labelled_like_the_mask_panel_is_refused(saved):
    est, _, images = saved
    before = snapshot(est.model)
    with pytest.raises(ValueError, match=r"argument 'baselines': labels \['Explanatory mask'\] "
                                         r"appear twice \(one is the mask explainer's label\)"):
        xw.MaskView.from_estimator(est, images[:4], {"Explanatory mask": "saliency"},
                                   metrics=[], progress=False)
    with pytest.raises(ValueError, match=r"argument 'baselines': labels \['Saliency'\] appear "
                                         r"twice \(one is another baseline's label\)"):
        xw.MaskView.from_estimator(est, images[:4], ["saliency", "saliency"], metrics=[],
                                   progress=False)
    assert_untouched(est.model, before)


# -- crashes from deep inside a dependency -----------------------------------------------------

def test_a_rule_set_with_no_qualifying_rule_is_the_default_class(tmp_path):
    rng = np.random.default_rng(0)
    attrs = pd.DataFrame({"a": rng.random(200), "b": rng.random(200)})
    pred = np.where(rng.random(200) < 0.7, "low", "high")  # unrelated to the attributes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rm = RedescriptionMiner(min_jaccard=0.99, interaction=False, progress=False).fit(
            pd.DataFrame({"predicted": pred}), attrs)
    rules = rm.rule_set()
    assert rules.rules == [] and rules.default == "low"
    assert rules.fidelity_ == pytest.approx(np.mean(pred == "low"))
    assert rules.coverage_ == 0.0
    np.testing.assert_array_equal(rules.predict(attrs.iloc[:3]), ["low"] * 3)
    assert repr(rules) == "ELSE predicted = low"


class TokenLSTM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(10, 4)
        self.lstm = nn.LSTM(4, 6, batch_first=True)
        self.head = nn.Linear(6, 2)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(self.embedding(ids))
        return self.head(out[:, -1])


def test_a_recurrent_layer_given_for_token_ids_is_named():
    model = TokenLSTM().train()
    ids = torch.randint(0, 10, (4, 5), generator=torch.Generator().manual_seed(0))
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"argument 'layer': token ids are explained at a layer "
                                         r"that returns one float tensor, such as the token "
                                         r"embedding; 'lstm' \(LSTM\) returns a tuple \(a "
                                         r"recurrent layer returns \(outputs, state\)\)"):
        compare_attributions(model, ids, layer="lstm", methods=["saliency"], progress=False)
    assert_untouched(model, before)
    r = compare_attributions(model, ids, layer="embedding", methods=["saliency"], metrics=[],
                             progress=False)
    assert r.attributions["Saliency"].shape == (4, 5, 4)


def test_a_full_backward_hook_is_named_before_senn_training():
    x = torch.randn(32, 5, generator=torch.Generator().manual_seed(0))
    y = (x[:, 0] > 0).long()
    senn = SENN.tabular(5, 2, hidden=(8,))
    seen = []
    senn.parametrizer.register_full_backward_hook(lambda m, gi, go: seen.append(1))
    before = snapshot(senn)
    with pytest.raises(ValueError, match=r"argument 'senn': the robustness loss \(lam > 0\) uses "
                                         r"torch.func \(vmap / vjp\), which cannot run through "
                                         r"full backward hooks; found on \['parametrizer'\]"):
        fit_senn(senn, x, y, epochs=1, progress=False)
    assert_untouched(senn, before)  # the user's hook is still there, nothing trained
    with warnings.catch_warnings():  # torch: "Full backward hook is firing ... no inputs
        warnings.simplefilter("ignore", UserWarning)  # require gradients" (x needs none here)
        fit_senn(senn, x, y, epochs=1, lam=0.0, progress=False)  # no torch.func: the hook runs
    assert seen
    learned = SENN.tabular(5, 2, n_concepts=3)
    learned.conceptizer.register_full_backward_hook(lambda m, gi, go: None)
    with pytest.raises(ValueError, match=r"argument 'senn': attribute \(J_h\(x\)\^T theta\) uses "
                                         r"torch.func"):
        learned.attribute(x[:2])


class MyGenerator(nn.Module):
    """A user's own mask generator: images (N, 1, 8, 8) -> mask logits (N, 1, 8, 8)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


def test_a_users_own_class_in_the_file_loads_only_when_allowed(saved, tmp_path):
    _, _, images = saved
    torch.manual_seed(0)
    est = MaskExplainer(LeftHalf(), generator=MyGenerator(), **FAST).fit(images)
    path = est.save(tmp_path / "custom.pt")
    with pytest.raises(ValueError, match=r"argument 'path': '.*custom.pt' names "
                                         r"\['test_failures.MyGenerator'\], which are neither "
                                         r".* pass them: load\(path, ..., "
                                         r"safe_globals=\[MyGenerator\]\)"):
        MaskExplainer.load(path, model=est.model)
    loaded = MaskExplainer.load(path, model=est.model, safe_globals=[MyGenerator])
    assert isinstance(loaded.generator_, MyGenerator)
    assert torch.equal(loaded.attribute(images[:4]), est.attribute(images[:4]))
    with pytest.raises(TypeError, match=r"argument 'safe_globals': expected a list of classes"):
        MaskExplainer.load(path, model=est.model, safe_globals="MyGenerator")
