"""Explanations per second per Captum method on the tutorial CNN (the reference line for later
methods). Ratios are against Saliency, measured in the same run."""

from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from _common import best_of, notebook_cnn

from xaiwidgets._core.captum import quiet_captum
from xaiwidgets._core.probe import preserved_model
from xaiwidgets.attributions.methods import METHODS, resolve_methods

BATCH = 32


def main() -> None:
    torch.manual_seed(0)
    model, x_test, _ = notebook_cnn()
    x = torch.from_numpy(x_test[:BATCH])
    with torch.no_grad():
        target = model(x).argmax(1)
    methods = resolve_methods(model, list(METHODS), "image")
    rates = {}
    with preserved_model(model), quiet_captum():
        for m in methods:
            m.explain(x, target)  # warm-up
            rates[m.label] = BATCH / best_of(lambda m=m: m.explain(x, target))
    ref = rates["Saliency"]
    print(f"attributions: batch of {BATCH} MNIST images, torch threads {torch.get_num_threads()}")
    for label, rate in sorted(rates.items(), key=lambda kv: -kv[1]):
        print(f"  {label:22s} {rate:10.1f} explanations/s   {rate / ref:7.3f}x Saliency")


if __name__ == "__main__":
    main()
