"""Every bad input gets an error naming the argument, what was expected and what was given."""

from collections.abc import Sequence

import numpy as np
import pytest
import torch
from torch import nn

from xaiwidgets import ComparisonView, compare_attributions


class TupleOut(nn.Module):
    """A tuple is read as its first element (docs/contracts.md): here it is not a tensor."""

    def forward(self, x):
        return None, x.flatten(1)[:, :2]


class ThreeD(nn.Module):
    def forward(self, x):
        return x


class NaNOut(nn.Module):
    def forward(self, x):
        return x.flatten(1)[:, :2] * float("nan")


@pytest.mark.parametrize(
    ("model_name", "inputs", "kwargs", "exc", "pattern"),
    [
        ("cnn", torch.rand(0, 1, 8, 8), {}, ValueError,
         r"argument 'inputs': expected at least one"),
        ("cnn", torch.rand(8, 8), {"kind": "image"}, ValueError,
         r"argument 'inputs': kind='image' expects \(N, C, H, W\) float images, got Tensor of "
         r"dtype torch.float32 and shape \(8, 8\)"),
        ("cnn", torch.rand(8), {}, ValueError, r"argument 'inputs': expected a batch"),
        ("cnn", torch.randint(0, 255, (2, 1, 8, 8), dtype=torch.uint8), {}, TypeError,
         r"argument 'inputs': expected \(N, C, H, W\) float images, got Tensor of dtype "
         r"torch.uint8 and shape \(2, 1, 8, 8\)\. Integer images"),
        ("cnn", torch.full((2, 1, 8, 8), float("nan")), {}, ValueError,
         r"argument 'inputs': contains NaN or Inf values \(samples \[0, 1\]"),
        ("cnn", torch.full((2, 1, 8, 8), float("inf")), {}, ValueError, r"NaN or Inf"),
        ("cnn", [[1.0]], {}, TypeError, r"argument 'inputs': expected a torch.Tensor or numpy"),
        ("cnn", torch.rand(2, 1, 2, 2, 2), {}, ValueError,
         r"cannot tell the kind of input from shape"),
        ("cnn", torch.rand(2, 1, 8, 8), {"kind": "video"}, ValueError,
         r"argument 'kind': expected one of"),
        ("cnn", torch.rand(2, 1, 8, 8), {"target": 3}, ValueError,
         r"argument 'target': targets must be in \[0, 3\) for a model with 3 classes; got 3 at "
         r"sample 0"),
        ("cnn", torch.rand(2, 1, 8, 8), {"target": [0, -1]}, ValueError, r"got -1 at sample 1"),
        ("cnn", torch.rand(2, 1, 8, 8), {"target": [0, 1, 2]}, ValueError,
         r"argument 'target': expected one target per sample \(2\), got 3"),
        ("cnn", torch.rand(2, 1, 8, 8), {"target": [0.5, 1.0]}, TypeError,
         r"argument 'target': expected integer class indices"),
        ("cnn", torch.rand(2, 1, 8, 8), {"target": "cat"}, TypeError, r"argument 'target'"),
        ("cnn", torch.rand(2, 1, 8, 8), {"methods": ["integrated_gradient"]}, ValueError,
         r"argument 'methods': unknown method 'integrated_gradient'; expected one of"),
        ("cnn", torch.rand(2, 1, 8, 8), {"methods": []}, ValueError,
         r"argument 'methods': expected at least one method"),
        ("cnn", torch.rand(2, 1, 8, 8), {"methods": "saliency"}, TypeError,
         r"argument 'methods': expected a list"),
        ("cnn", torch.rand(2, 1, 8, 8), {"methods": [42]}, TypeError,
         r"argument 'methods': 42 is neither a known method name"),
        ("cnn", torch.rand(2, 1, 8, 8), {"methods": ["saliency", "saliency"]}, ValueError,
         r"duplicate method labels \['Saliency'\]"),
        ("cnn", torch.rand(2, 1, 8, 8), {"metrics": ["aopc"]}, ValueError,
         r"argument 'metrics': unknown metrics \['aopc'\]"),
        ("tuple", torch.rand(2, 1, 8, 8), {}, TypeError,
         r"argument 'model': the model returned a tuple whose first element is None; expected "
         r"a tensor first"),
        ("three_d", torch.rand(2, 1, 8, 8), {}, ValueError,
         r"argument 'model': expected the model output to have shape \(N, outputs\) = \(2, C\), "
         r"got \(2, 1, 8, 8\)"),
        ("nan", torch.rand(2, 1, 8, 8), {}, ValueError, r"the model returned NaN or Inf"),
        ("not_a_model", torch.rand(2, 1, 8, 8), {}, TypeError,
         r"argument 'model': expected a torch.nn.Module"),
    ],
)
def test_bad_input_errors(cnn, model_name, inputs, kwargs, exc, pattern):
    model = {"cnn": cnn, "tuple": TupleOut(), "three_d": ThreeD(), "nan": NaNOut(),
             "not_a_model": lambda x: x}[model_name]
    with pytest.raises(exc, match=pattern):
        compare_attributions(model, inputs, progress=False, **kwargs)


def test_explainer_returning_wrong_shape_is_named(cnn):
    class Bad:
        label = "bad one"

        def attribute(self, inputs, target=None):
            return inputs[:1]

    with pytest.raises(ValueError, match=r"argument 'methods': 'bad one' returned Tensor of "
                                         r"dtype torch.float32 and shape \(1, 1, 8, 8\)"):
        compare_attributions(cnn, torch.rand(2, 1, 8, 8), methods=[Bad()], progress=False)


def test_numpy_inputs_are_accepted(cnn):
    r = compare_attributions(cnn, np.random.rand(2, 1, 8, 8).astype(np.float32),
                             methods=["saliency"], metrics=[], progress=False)
    assert r.attributions["Saliency"].shape == (2, 1, 8, 8)


def test_widget_argument_errors(cnn):
    r = compare_attributions(cnn, torch.rand(2, 1, 8, 8), target=[2, 2], methods=["saliency"],
                             metrics=[], progress=False)
    with pytest.raises(ValueError, match=r"argument 'class_names': expected at least"):
        ComparisonView(r, class_names=["a"])
    with pytest.raises(ValueError, match=r"argument 'tokens': only for sequence inputs"):
        ComparisonView(r, tokens=[["a"]])
    with pytest.raises(TypeError, match=r"argument 'result': expected an AttributionResult"):
        ComparisonView({"not": "a result"})


def test_token_and_feature_name_lengths(linear, rnn):
    r = compare_attributions(linear, torch.rand(2, 5), methods=["saliency"], metrics=[],
                             progress=False)
    with pytest.raises(ValueError, match=r"argument 'feature_names': expected 5 names"):
        ComparisonView(r, feature_names=["a", "b"])
    r = compare_attributions(rnn, torch.rand(2, 4, 3), methods=["saliency"], metrics=[],
                             progress=False)
    with pytest.raises(ValueError, match=r"argument 'tokens': expected 2 lists of 4 strings"):
        ComparisonView(r, tokens=[["a"] * 4, ["b"] * 3])


def test_check_kind_and_check_int_or_option():
    from xaiwidgets._core.validation import check_int_or_option, check_kind

    seq = {"expected": "None or a list of names", "types": (list, tuple), "allow_none": True}
    assert check_kind(["a"], "names", **seq) == ["a"] and check_kind(None, "names", **seq) is None
    with pytest.raises(TypeError, match=r"^argument 'names': expected None or a list of names, "
                                        r"got 'ab'$"):
        check_kind("ab", "names", expected="None or a list of names", types=(Sequence,))
    mod = {"expected": "'gru' or an nn.Module", "types": (nn.Module,), "options": ("gru",),
           "error": ValueError}
    assert check_kind("gru", "g", **mod) == "gru"
    lin = nn.Linear(1, 1)
    assert check_kind(lin, "g", **mod) is lin
    with pytest.raises(ValueError, match=r"^argument 'g': expected 'gru' or an nn.Module, got "
                                         r"'lstm'$"):
        check_kind("lstm", "g", **mod)
    with pytest.raises(TypeError, match="argument 'g': expected 'gru', got None"):
        check_kind(None, "g", expected="'gru'", options=("gru",))  # None only if allowed
    with pytest.raises(TypeError, match=r"argument 'flag': expected one, got True"):
        check_kind(True, "flag", expected="one", options=(1,))  # options match types too
    assert check_int_or_option(3, "k", ["auto"], low=2) == 3
    assert check_int_or_option("auto", "k", ["auto"], low=2) == "auto"
    with pytest.raises(ValueError, match=r"argument 'k': expected an integer >= 2, got 1"):
        check_int_or_option(1, "k", ["auto"], low=2)
    with pytest.raises(ValueError, match=r"argument 'k': expected one of \['auto'\], got 'many'"):
        check_int_or_option("many", "k", ["auto"], low=2)
