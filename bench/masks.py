"""Explanations per second: a fitted MaskExplainer vs Captum on the same model and batch.

Run: ``python bench/masks.py``. The model is the MNIST CNN of the tutorials (trained 2 epochs on
the bundled MNIST 5k), the batch 256 test digits. Every method explains the same batch for the
model's predicted classes, with the defaults of ``compare_attributions`` (IG: 50 steps; Occlusion:
4x4 patches; GradientSHAP: 20 samples; Saliency: absolute gradients); each time is the best of
``REPEATS`` runs after one warm-up. Fitting the generator is a one-off cost, reported apart.
Ratios are against IG's throughput measured in the same run. Results also go to
``bench/results/masks.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _common import best_of

from xaiwidgets import MaskExplainer, preserved_model
from xaiwidgets._core.captum import quiet_captum
from xaiwidgets.attributions.methods import METHODS
from xaiwidgets.datasets import load_mnist
from xaiwidgets.examples import MnistCNN, train_classifier

BATCH = 256
REPEATS = 3
BASELINES = ("integrated_gradients", "occlusion", "gradient_shap", "saliency")


def main() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)  # one core each, as a per-request service would run
    mnist = load_mnist()
    rng = np.random.default_rng(0)
    order = rng.permutation(len(mnist.target))
    train, test = order[:4000], order[4000:]
    model = MnistCNN()
    train_classifier(model, mnist.images[train], mnist.target[train], mnist.images[test],
                     mnist.target[test], epochs=2, seed=0, progress=False)
    x = torch.from_numpy(mnist.images[test[:BATCH]])
    with torch.no_grad():
        target = model.eval()(x).argmax(1)

    explainer = MaskExplainer(model, lam=0.05, epochs=2, lr=3e-3, progress=False)
    explainer.fit(torch.from_numpy(mnist.images[train]))

    seconds = {"MaskExplainer": best_of(lambda: explainer.attribute(x), REPEATS, warmup=True)}
    for name in BASELINES:
        label, factory = METHODS[name]
        explain = factory(model, "image")

        def run(explain=explain) -> None:
            with preserved_model(model), quiet_captum():
                explain(x, target)

        seconds[label] = best_of(run, REPEATS, warmup=True)

    ig = seconds["Integrated Gradients"]
    rows = {k: {"seconds_per_batch": s, "explanations_per_second": BATCH / s,
                "throughput_vs_ig": ig / s} for k, s in seconds.items()}
    print(f"MNIST CNN, batch of {BATCH}, 1 thread, best of {REPEATS}; generator fitted once in "
          f"{explainer.fit_seconds_:.1f} s ({explainer.n_epochs_} epochs on 4000 images)")
    print(f"{'method':>22} {'explanations/s':>15} {'x IG throughput':>16}")
    for k, r in rows.items():
        print(f"{k:>22} {r['explanations_per_second']:15.1f} {r['throughput_vs_ig']:16.1f}")
    ratio = rows["MaskExplainer"]["throughput_vs_ig"]
    print(f"MaskExplainer / IG throughput: {ratio:.1f}x (target >= 50x)")
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "masks.json").write_text(json.dumps({
        "batch": BATCH, "repeats": REPEATS, "fit_seconds": explainer.fit_seconds_,
        "methods": rows}, indent=1))


if __name__ == "__main__":
    main()
