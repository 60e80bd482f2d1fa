"""Validation happens once at the boundary: ``compare_attributions`` checks its inputs, then
calls the metrics' private workers, which do not check them again."""

from __future__ import annotations

import sys

import torch
from helpers import TinyCNN

from xaiwidgets import compare_attributions
from xaiwidgets._core import modality


def count_input_checks(monkeypatch) -> list[str]:
    """Wrap ``check_inputs`` in every xaiwidgets module that imported it; each call appends the
    argument name it validated."""
    calls: list[str] = []
    original = modality.check_inputs

    def counting(*args, **kwargs):
        calls.append(kwargs.get("name", args[1] if len(args) > 1 else "inputs"))
        return original(*args, **kwargs)

    for name, mod in list(sys.modules.items()):
        if name.startswith("xaiwidgets") and getattr(mod, "check_inputs", None) is original:
            monkeypatch.setattr(mod, "check_inputs", counting)
    return calls


def test_one_comparison_validates_its_inputs_once(monkeypatch):
    torch.manual_seed(0)
    model = TinyCNN().eval()
    x = torch.rand(6, 1, 8, 8)
    calls = count_input_checks(monkeypatch)
    r = compare_attributions(model, x, methods=["saliency", "integrated_gradients"],
                             metrics=["deletion_auc", "insertion_auc", "infidelity",
                                      "sensitivity", "lipschitz"],
                             metric_samples=4, sensitivity_samples=2, steps=4, progress=False)
    assert r.metric_indices.tolist() == [0, 1, 2, 3]
    # before the boundary split: 9 (once here, then per method: deletion, insertion and
    # twice in local_lipschitz)
    assert len(calls) == 1, calls


def test_public_metric_functions_still_check_their_arguments():
    import numpy as np
    import pytest
    from torch import nn

    from xaiwidgets.metrics import infidelity, local_lipschitz, sensitivity

    model = nn.Linear(4, 3)
    x = torch.rand(5, 4, generator=torch.Generator().manual_seed(0))
    a = torch.rand(5, 4, generator=torch.Generator().manual_seed(1))
    t = torch.zeros(5, dtype=torch.long)
    v = infidelity(model, x, a, t)
    assert v.shape == (5,) and np.isfinite(v).all()
    np.testing.assert_array_equal(v, infidelity(model, x.numpy(), a.numpy(), 0))
    with pytest.raises(ValueError, match=r"argument 'attributions'.*shaped like the inputs"):
        infidelity(model, x, a[:, :3], t)
    with pytest.raises(ValueError, match=r"argument 'target'.*\[0, 3\)"):
        infidelity(model, x, a, torch.full((5,), 3))
    with pytest.raises(TypeError, match="argument 'inputs'"):
        infidelity(model, torch.ones(5, 4, dtype=torch.bool), a, t)
    with pytest.raises(TypeError, match="argument 'explain'"):
        sensitivity("saliency", model, x, t)
    with pytest.raises(ValueError, match="argument 'radius'"):
        sensitivity(lambda xb, tb: xb, model, x, t, radius=0)
    with pytest.raises(ValueError, match="argument 'data'"):
        local_lipschitz(lambda xb, tb: xb, x, t, model=model, data=torch.rand(3, 5))
