"""The one estimator contract, on every estimator: clone, repr, params, NotFittedError, one seed
name, and save / load without the user's model."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from test_concepts import Toy, toy_data
from test_masks import FAST, KeyToken, LeftHalf
from test_probe import assert_untouched, snapshot
from torch import nn

import xaiwidgets as xw
from xaiwidgets import ConceptExtractor, ConceptTree, MaskExplainer
from xaiwidgets._core import persist

pytestmark = pytest.mark.usefixtures("one_torch_thread")

ESTIMATORS = (MaskExplainer, ConceptExtractor, ConceptTree)


def _rng() -> tuple[torch.Tensor, np.ndarray]:
    return torch.random.get_rng_state(), np.random.get_state()[1].copy()


def _same_rng(before: tuple[torch.Tensor, np.ndarray]) -> bool:
    now = _rng()
    return bool(torch.equal(before[0], now[0]) and np.array_equal(before[1], now[1]))


@pytest.fixture
def images() -> torch.Tensor:
    return torch.rand(96, 1, 8, 8, generator=torch.Generator().manual_seed(0))


@pytest.fixture
def fitted(images):
    """One fitted estimator of each kind, with what it needs to be used."""
    torch.manual_seed(0)
    masks = MaskExplainer(LeftHalf(), lam=0.2, **FAST).fit(images)
    ids = torch.randint(1, 10, (80, 6), generator=torch.Generator().manual_seed(1))
    ids[:, 4:] = 0
    tokens = MaskExplainer(KeyToken(), pad_id=0, generator="conv", **FAST).fit(ids)
    toy = Toy().eval()
    x, concepts = toy_data(120)
    cme = ConceptExtractor(toy, ["keep", "noise"], n_labelled=60, n_unlabelled=40,
                           progress=False).fit(x, concepts)
    pred, model_pred = cme.predict_concepts(x, return_predictions=True)
    tree = ConceptTree(max_depth=3).fit(pred, model_pred, true_concepts=concepts)
    return {"masks": (masks, images[:8]), "tokens": (tokens, ids[:8]),
            "cme": (cme, x[:30]), "tree": (tree, pred)}


def _use(est, data):
    """The estimator's main output on ``data``, as a numpy array (or a dict of them)."""
    if isinstance(est, MaskExplainer):
        return est.attribute(data).numpy()
    if isinstance(est, ConceptExtractor):
        return est.predict_concepts(data)
    return est.predict(data)


def _equal(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    return np.array_equal(a, b)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_every_estimator_derives_from_the_base_and_uses_one_seed_name(cls):
    assert issubclass(cls, xw.XaiEstimator)
    params = inspect.signature(cls.__init__).parameters
    assert "seed" in params and "random_state" not in params
    # model-bound explainers take the model first; a learner without a model takes none
    names = [p for p in params if p != "self"]
    assert (names[0] == "model") == (cls is not ConceptTree)


@pytest.mark.parametrize("key", ["masks", "tokens", "cme", "tree"])
def test_clone_keeps_the_model_by_reference_and_is_unfitted(fitted, key):
    est, data = fitted[key]
    c = clone(est)
    assert type(c) is type(est) and c.get_params().keys() == est.get_params().keys()
    if "model" in est.get_params():
        assert c.model is est.model  # never a deep copy of the user's model
    with pytest.raises(NotFittedError, match=f"This {type(est).__name__} is not fitted yet"):
        _use(c, data)


def test_clone_keeps_a_layer_of_the_model_and_copies_an_untrained_generator():
    model = KeyToken()
    gen = xw.masks.SequenceMaskGenerator(4, hidden=3, arch="conv")
    ex = MaskExplainer(model, layer=model.embedding, generator=gen)
    c = clone(ex)
    assert c.model is model and c.layer is model.embedding  # part of the model: shared
    assert c.generator is not gen  # trained in place by fit: each clone needs its own
    assert torch.equal(c.generator.out.weight, gen.out.weight)


@pytest.mark.parametrize("key", ["masks", "cme", "tree"])
def test_repr_is_short_and_shows_changed_parameters(fitted, key):
    est, _ = fitted[key]
    text = repr(est)
    assert "\n" not in text and len(text) < 200 and text.startswith(type(est).__name__ + "(")
    assert "object at 0x" not in text
    if key == "masks":
        assert "model=LeftHalf(...)" in text and "lam=0.2" in text and "budget" not in text
    if key == "tree":
        assert text == "ConceptTree(max_depth=3)"
    # notebooks show the same short text, not sklearn's diagram of the whole model
    assert est._repr_mimebundle_() == {"text/plain": text}


@pytest.mark.parametrize("key", ["masks", "tokens", "cme", "tree"])
def test_save_and_load_give_the_same_answers_without_saving_the_model(fitted, key, tmp_path):
    est, data = fitted[key]
    model = est.get_params().get("model")
    before = snapshot(model) if model is not None else None
    rng = _rng()
    path = est.save(tmp_path / "est.pt")
    raw = persist.read(path)
    assert "model" not in raw["params"]
    if model is not None:  # the weights of the user's model are nowhere in the file
        blob = path.read_bytes()
        for t in model.state_dict().values():
            if t.numel() >= 4 and bool(t.float().std() > 0):
                assert t.detach().numpy().tobytes() not in blob
        loaded = type(est).load(path, model=model)
        assert loaded.model is model
    else:
        loaded = type(est).load(path)
    assert _equal(_use(loaded, data), _use(est, data))
    assert repr(loaded) == repr(est)
    if before is not None:
        assert_untouched(model, before)
    assert _same_rng(rng)


def test_load_checks_the_model_it_is_bound_to(fitted, tmp_path):
    est, _ = fitted["masks"]
    path = est.save(tmp_path / "m.pt")
    with pytest.raises(ValueError, match=r"argument 'model': a MaskExplainer explains a model, "
                                         r"which is never saved with it"):
        MaskExplainer.load(path)
    with pytest.raises(ValueError, match=r"argument 'model': not the architecture .* "
                                         r"\('fc.weight', \(3, 64\)"):
        MaskExplainer.load(path, model=nn.Sequential(nn.Flatten(), nn.Linear(64, 5)))
    with pytest.raises(TypeError, match=r"holds a xaiwidgets.masks.explainer.MaskExplainer, "
                                        r"not a xaiwidgets.concepts.tree.ConceptTree"):
        ConceptTree.load(path)
    tree_path = fitted["tree"][0].save(tmp_path / "t.pt")
    with pytest.raises(ValueError, match="argument 'model': a ConceptTree is fitted without"):
        ConceptTree.load(tree_path, model=LeftHalf())
    (tmp_path / "junk.pt").write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match=r"argument 'path': '.*junk.pt' \(12 bytes\) is not a "
                                         r"readable saved xaiwidgets estimator: truncated"):
        MaskExplainer.load(tmp_path / "junk.pt", model=est.model)
    torch.save({"x": 1}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="is not a saved xaiwidgets estimator"):
        MaskExplainer.load(tmp_path / "other.pt", model=est.model)
    with pytest.raises(NotFittedError):
        MaskExplainer(est.model).save(tmp_path / "unfitted.pt")


def test_a_failed_refit_leaves_the_estimator_unfitted(fitted, images):
    est, x = fitted["masks"]
    before = snapshot(est.model)
    with pytest.raises(ValueError, match=r"argument 'data': the model could not run on Tensor "
                                         r"of dtype torch.float32 and shape \(2, 2, 3\)"):
        est.set_params(epochs=1).fit(torch.rand(5, 2, 3))  # float sequences into a 2-D model
    with pytest.raises(NotFittedError):
        est.attribute(x)
    assert_untouched(est.model, before)
    cme, xs = fitted["cme"]
    with pytest.raises(ValueError, match="argument 'n_labelled'"):
        cme.set_params(n_labelled=10_000).fit(xs, toy_data(30)[1])
    with pytest.raises(NotFittedError):  # the old fit does not pass for the new parameters
        cme.predict_concepts(xs)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_unknown_parameters_are_refused(cls):
    est = cls(LeftHalf()) if cls is not ConceptTree else cls()
    with pytest.raises(ValueError, match="Invalid parameter 'sead'"):
        est.set_params(sead=1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'random_state'"):
        cls(random_state=0) if cls is ConceptTree else cls(LeftHalf(), random_state=0)
