"""The one estimator contract, on every estimator: clone, repr, params, NotFittedError, one seed
name, fit returns self, learned state in ``attr_``, save / load without the user's model, the
model and the global RNGs left as found, and declarative parameter checks.

Every estimator of xaiwidgets is enumerated (every subclass of :class:`XaiEstimator` in any
module of the package, and every public class deriving from sklearn's ``BaseEstimator``) and
must have a case in ``CASES``: a new estimator without one fails
:func:`test_every_estimator_has_a_contract_case`.
"""

from __future__ import annotations

import functools
import gc
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from test_concepts import Toy, toy_data
from test_masks import FAST, KeyToken, LeftHalf
from test_meme import toy as meme_toy
from test_probe import assert_untouched, snapshot
from torch import nn

import xaiwidgets as xw
from xaiwidgets import MEME, ConceptExtractor, ConceptTree, MaskExplainer, RedescriptionMiner
from xaiwidgets._core import persist
from xaiwidgets.examples import StepLSTM, train_rnn

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def estimator_classes() -> set[type]:
    """Every estimator class of xaiwidgets: the subclasses (recursively) of XaiEstimator once
    every module of the package is imported, and every public sklearn estimator class."""
    for mod in pkgutil.walk_packages(xw.__path__, "xaiwidgets."):
        importlib.import_module(mod.name)
    found: set[type] = set()
    todo = [xw.XaiEstimator]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    found |= {obj for name in xw.__all__ if isinstance(obj := getattr(xw, name), type)
              and issubclass(obj, BaseEstimator)}
    # xaiwidgets' own: not the base, not subclasses that tests define
    return {c for c in found if c is not xw.XaiEstimator and c.__module__.startswith("xaiwidgets")}


# -- one case per estimator (more for some): how to build, fit and use it --------------------

@dataclass
class Case:
    """An unfitted estimator, what to fit it on, and its main output on ``data``."""

    est: Any
    fit_args: tuple[Any, ...]
    data: Any
    use: Callable[[Any, Any], Any]
    fit_kwargs: dict[str, Any] = field(default_factory=dict)

    def fit(self) -> Any:
        return self.est.fit(*self.fit_args, **self.fit_kwargs)


def _images() -> torch.Tensor:
    return torch.rand(96, 1, 8, 8, generator=torch.Generator().manual_seed(0))


def _masks() -> Case:
    x = _images()
    return Case(MaskExplainer(LeftHalf(), lam=0.2, **FAST), (x,), x[:8],
                lambda e, d: e.attribute(d).numpy())


def _tokens() -> Case:
    ids = torch.randint(1, 10, (80, 6), generator=torch.Generator().manual_seed(1))
    ids[:, 4:] = 0
    return Case(MaskExplainer(KeyToken(), pad_id=0, generator="conv", **FAST), (ids,), ids[:8],
                lambda e, d: e.attribute(d).numpy())


def _cme() -> Case:
    x, concepts = toy_data(120)
    return Case(ConceptExtractor(Toy().eval(), ["keep", "noise"], n_labelled=60,
                                 n_unlabelled=40, progress=False),
                (x, concepts), x[:30], lambda e, d: e.predict_concepts(d))


def _tree() -> Case:
    x, concepts = toy_data(120)
    cme = ConceptExtractor(Toy().eval(), ["keep", "noise"], n_labelled=60, n_unlabelled=40,
                           progress=False).fit(x, concepts)
    pred, model_pred = cme.predict_concepts(x, return_predictions=True)
    return Case(ConceptTree(max_depth=3), (pred, model_pred), pred,
                lambda e, d: e.predict(d), {"true_concepts": concepts})


@functools.cache
def _rnn() -> nn.Module:
    x, y = meme_toy(80)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        m = StepLSTM(2, hidden=8)
        train_rnn(m, x[:60], y[:60], x[60:], y[60:], epochs=10, batch_size=16, lr=2e-2,
                  progress=False)
    return m.eval()


def _meme() -> Case:
    x, _ = meme_toy(40)
    return Case(MEME(_rnn(), n_concepts=2, window=1, class_names=["low", "high"],
                     progress=False), (x,), x[:10],
                lambda e, d: np.stack(e.predict(d)), {"feature_names": ["a", "b"]})


def _miner() -> Case:
    rng = np.random.default_rng(0)
    a = rng.random(150)
    colour = rng.choice(["red", "green"], 150)
    acts = np.stack([np.maximum(0, a - 0.5) * 3, (colour == "red") * (1 + rng.random(150))],
                    axis=1)
    attrs = pd.DataFrame({"a": a, "colour": colour, "noise": rng.random(150)})

    def use(e: RedescriptionMiner, _: Any) -> dict[str, np.ndarray]:
        table = e.redescriptions_
        assert len(table) > 0  # something was mined, so equal tables mean something
        return {c: table[c].to_numpy() for c in table.columns}

    return Case(RedescriptionMiner(n_iterations=1, interaction=False, progress=False),
                (acts, attrs), None, use)


CASES: dict[str, tuple[type, Callable[[], Case]]] = {
    "masks": (MaskExplainer, _masks), "tokens": (MaskExplainer, _tokens),
    "cme": (ConceptExtractor, _cme), "tree": (ConceptTree, _tree), "meme": (MEME, _meme),
    "miner": (RedescriptionMiner, _miner),
}
CLASSES = sorted({cls for cls, _ in CASES.values()}, key=lambda c: c.__name__)


def _rng() -> tuple[torch.Tensor, np.ndarray]:
    return torch.random.get_rng_state(), np.random.get_state()[1].copy()


def _same_rng(before: tuple[torch.Tensor, np.ndarray]) -> bool:
    now = _rng()
    return bool(torch.equal(before[0], now[0]) and np.array_equal(before[1], now[1]))


def _model(est: Any) -> nn.Module | None:
    return est.get_params(deep=False).get("model")


@pytest.fixture(params=list(CASES))
def case(request) -> Case:
    """A fitted case: fit returned self, left the model and the global RNGs as found."""
    c = CASES[request.param][1]()
    model = _model(c.est)
    before = snapshot(model) if model is not None else None
    rng = _rng()
    unfitted = dict(vars(c.est))
    assert c.fit() is c.est
    # __init__ stores the parameters only; fit adds learned state (attr_) and private state
    assert unfitted.keys() == c.est.get_params(deep=False).keys()
    learned = [k for k in vars(c.est) if k not in unfitted]
    assert learned and all(k.endswith("_") or k.startswith("_") for k in learned), learned
    assert _same_rng(rng)
    if before is not None:
        assert_untouched(model, before)
    return c


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray) and a.dtype.kind == "f":
        return np.array_equal(a, b, equal_nan=True)
    return bool(np.array_equal(a, b))


# -- which estimators -----------------------------------------------------------------------

def test_every_estimator_has_a_contract_case():
    assert set(CLASSES) == estimator_classes()


def test_enumeration_finds_a_new_estimator():
    class Unlisted(xw.XaiEstimator):
        pass

    Unlisted.__module__ = "xaiwidgets.unlisted"  # as if it were defined in the package
    assert Unlisted in estimator_classes() and Unlisted not in CLASSES
    del Unlisted
    gc.collect()  # out of XaiEstimator.__subclasses__() again


# -- the contract ---------------------------------------------------------------------------

@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_estimator_derives_from_the_base_and_uses_one_seed_name(cls):
    assert issubclass(cls, xw.XaiEstimator)
    params = inspect.signature(cls.__init__).parameters
    assert "seed" in params and "random_state" not in params
    # a model-bound explainer takes the model first
    names = [p for p in params if p != "self"]
    assert names[0] == "model" or "model" not in names


def test_clone_keeps_the_model_by_reference_and_is_unfitted(case):
    est = case.est
    c = clone(est)
    assert type(c) is type(est) and c.get_params().keys() == est.get_params().keys()
    if _model(est) is not None:
        assert c.model is est.model  # never a deep copy of the user's model
    with pytest.raises(NotFittedError, match=f"This {type(est).__name__} is not fitted yet"):
        case.use(c, case.data)
    with pytest.raises(NotFittedError):
        c.save("never-written.pt")


def test_get_params_and_set_params_round_trip(case):
    est = case.est
    params = est.get_params(deep=False)
    c = clone(est)
    assert c.set_params(**params) is c
    assert all(c.get_params(deep=False)[k] is v for k, v in params.items())
    new = type(est)(**params)
    assert all(new.get_params(deep=False)[k] is v for k, v in params.items())


def test_clone_keeps_a_layer_of_the_model_and_copies_an_untrained_generator():
    model = KeyToken()
    gen = xw.masks.SequenceMaskGenerator(4, hidden=3, arch="conv")
    ex = MaskExplainer(model, layer=model.embedding, generator=gen)
    c = clone(ex)
    assert c.model is model and c.layer is model.embedding  # part of the model: shared
    assert c.generator is not gen  # trained in place by fit: each clone needs its own
    assert torch.equal(c.generator.out.weight, gen.out.weight)


def test_repr_is_short_and_shows_changed_parameters(case):
    est = case.est
    text = repr(est)
    assert "\n" not in text and len(text) < 200 and text.startswith(type(est).__name__ + "(")
    assert "object at 0x" not in text
    if isinstance(est, MaskExplainer) and isinstance(est.model, LeftHalf):
        assert "model=LeftHalf(...)" in text and "lam=0.2" in text and "budget" not in text
    if isinstance(est, ConceptTree):
        assert text == "ConceptTree(max_depth=3)"
    if isinstance(est, RedescriptionMiner):
        assert text == "RedescriptionMiner(interaction=False, n_iterations=1, progress=False)"
    # notebooks show the same short text, not sklearn's diagram of the whole model
    assert est._repr_mimebundle_() == {"text/plain": text}


def test_save_and_load_give_the_same_answers_without_saving_the_model(case, tmp_path):
    est, data = case.est, case.data
    model = _model(est)
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
    assert _equal(case.use(loaded, data), case.use(est, data))
    assert repr(loaded) == repr(est)
    if before is not None:
        assert_untouched(model, before)
    assert _same_rng(rng)


def test_load_checks_the_model_it_is_bound_to(tmp_path):
    c = _masks()
    est = c.fit()
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
    tree_path = _tree().fit().save(tmp_path / "t.pt")
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


def test_a_failed_refit_leaves_the_estimator_unfitted():
    c = _masks()
    est = c.fit()
    before = snapshot(est.model)
    with pytest.raises(ValueError, match=r"argument 'data': the model could not run on Tensor "
                                         r"of dtype torch.float32 and shape \(2, 2, 3\)"):
        est.set_params(epochs=1).fit(torch.rand(5, 2, 3))  # float sequences into a 2-D model
    with pytest.raises(NotFittedError):
        est.attribute(c.data)
    assert_untouched(est.model, before)
    c = _cme()
    cme = c.fit()
    with pytest.raises(ValueError, match="argument 'n_labelled'"):
        cme.set_params(n_labelled=10_000).fit(c.data, toy_data(30)[1])
    with pytest.raises(NotFittedError):  # the old fit does not pass for the new parameters
        cme.predict_concepts(c.data)


def _unfitted(cls: type) -> Any:
    return cls(LeftHalf()) if "model" in inspect.signature(cls.__init__).parameters else cls()


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_unknown_parameters_are_refused(cls):
    with pytest.raises(ValueError, match="Invalid parameter 'sead'"):
        _unfitted(cls).set_params(sead=1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'random_state'"):
        cls(LeftHalf(), random_state=0) if cls not in (ConceptTree, RedescriptionMiner) else \
            cls(random_state=0)


# -- declarative parameter checks -----------------------------------------------------------

@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_parameter_has_a_constraint_checked_by_the_one_checker(cls):
    assert set(cls._parameter_constraints) == set(_unfitted(cls).get_params(deep=False))
    assert all(callable(check) for check in cls._parameter_constraints.values())
    # one checker, in the base: no estimator writes its own
    assert "_check_params" not in vars(cls) and "_validate_params" not in vars(cls)
    with pytest.raises(TypeError, match="argument 'seed': expected an integer"):
        _unfitted(cls).set_params(seed="0")._validate_params()  # sklearn's name, same checker


class _Wrong:
    """A value no parameter accepts (not a number, bool, string, module, sequence or
    callable)."""


def test_a_wrong_value_of_each_parameter_is_refused_by_fit_naming_it(case):
    est = case.est
    model = _model(est)
    before = snapshot(model) if model is not None else None
    for name in est.get_params(deep=False):
        c = clone(est).set_params(**{name: _Wrong()})
        with pytest.raises((TypeError, ValueError),
                           match=rf"^argument '{re.escape(name)}': expected .+, got _Wrong$"):
            c.fit(*case.fit_args, **case.fit_kwargs)
        with pytest.raises(NotFittedError):
            case.use(c, case.data)
    if before is not None:
        assert_untouched(model, before)


@pytest.mark.parametrize(("cls", "name", "value", "error", "match"), [
    (MaskExplainer, "generator", "lstm", ValueError,
     r"argument 'generator': expected None, 'gru', 'conv' or an nn.Module, got 'lstm'"),
    (MaskExplainer, "layer", 3, TypeError, r"argument 'layer': expected None, a layer name"),
    (ConceptExtractor, "layers", 3, TypeError,
     r"argument 'layers': expected None, a layer name or a list of layer names, got 3"),
    (ConceptTree, "class_weight", "even", ValueError,
     r"argument 'class_weight': expected None, 'balanced' or a dict, got 'even'"),
    (ConceptTree, "categorical", "shape", TypeError,
     r"argument 'categorical': expected None or a list of concept names, got 'shape'"),
    (MEME, "n_concepts", True, TypeError, r"argument 'n_concepts': expected an integer >= 2"),
    (MEME, "class_names", "ab", TypeError, r"argument 'class_names': expected None, a list"),
    (MEME, "readout", 3, TypeError, r"argument 'readout': expected None or the module"),
    (RedescriptionMiner, "min_support", 0.9, ValueError,
     r"argument 'min_support': expected a fraction <= max_support \(0.8\), got 0.9"),
])
def test_values_of_the_right_type_but_wrong_are_refused(cls, name, value, error, match):
    est = _unfitted(cls).set_params(**{name: value})
    with pytest.raises(error, match=match):
        est._check_params()
