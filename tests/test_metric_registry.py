"""The metric registry is the one list of metrics: compare_attributions, the view and the docs
read it."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from xaiwidgets import ComparisonView, compare_attributions
from xaiwidgets.attributions import METRICS, metric_info
from xaiwidgets.metrics.registry import REGISTRY

DOC = Path(__file__).resolve().parents[1] / "docs" / "methods" / "attributions.md"


def test_the_docs_table_names_every_registry_entry_with_its_labels():
    rows = {}
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("| name | label (classifiers)"):].split("\n\n")[0]
    for line in table.splitlines():
        m = re.match(r"\| `(\w+)` \| ([^|]+) \| (.+?) \| ([a-z, ]+) \|", line)
        if m:
            rows[m.group(1)] = (m.group(2).strip(), m.group(3).replace("\\|", "|").strip(),
                                m.group(4).strip())
    assert set(rows) == set(REGISTRY)
    for name, metric in REGISTRY.items():
        cls, reg, kinds = rows[name]
        assert cls == metric.label_for("multiclass"), name
        assert reg == metric.label_for("regression"), name
        assert kinds.split(", ") == list(metric.kinds), name


def test_metric_info_and_metrics_come_from_the_registry():
    assert list(METRICS) == list(REGISTRY)
    reg = metric_info("regression")
    assert reg["deletion_auc"] == ("Deletion |Δ output| AUC ↑", True)
    assert reg["insertion_auc"] == ("Insertion |Δ output| AUC ↓", False)
    assert metric_info("binary")["deletion_auc"] == ("Deletion AUC ↓", False)
    assert all(reg[k] == METRICS[k] for k in ("infidelity", "sensitivity", "lipschitz",
                                                 "seconds"))


def test_scoring_walks_the_registry(monkeypatch):
    """A new entry is scored, labelled and shown with no other change."""
    from dataclasses import replace

    model = nn.Linear(4, 2)
    x = torch.rand(5, 4, generator=torch.Generator().manual_seed(0))
    calls = []

    def mean_abs(ctx):
        calls.append(ctx.x.shape[0])
        return ctx.attributions.abs().reshape(ctx.x.shape[0], -1).mean(1).double().numpy()

    extra = replace(REGISTRY["infidelity"], name="mean_abs", label="Mean |a| ↑",
                    higher_is_better=True, compute=mean_abs)
    monkeypatch.setitem(REGISTRY, "mean_abs", extra)
    r = compare_attributions(model, x, methods=["saliency"], metrics=["mean_abs"],
                             metric_samples=3, progress=False)
    assert calls == [3]
    values = r.metrics["Saliency"]["mean_abs"]
    assert values.shape == (5,) and np.isnan(values[3:]).all()
    np.testing.assert_allclose(values[:3], np.abs(r.attributions["Saliency"][:3]).mean(1))
    w = ComparisonView(r)
    assert w.metrics["names"] == ["seconds", "mean_abs"]  # registry order
    assert w.metrics["labels"] == ["s / explanation", "Mean |a| ↑"]
    assert w.metrics["higher_is_better"] == [False, True]


def test_unknown_metric_names_list_the_registry():
    with pytest.raises(ValueError, match="lipschitz"):
        compare_attributions(nn.Linear(3, 2), torch.rand(2, 3), methods=["saliency"],
                             metrics=["nope"], progress=False)
