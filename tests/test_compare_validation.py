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
    # before the boundary split: 11 (1 + per method: deletion, insertion, 2 in lipschitz)
    assert len(calls) == 1, calls
