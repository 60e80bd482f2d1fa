"""A comparison of two methods on four 8x8 grey images, built by hand (no model).

Three of the four samples were scored (the fourth has NaN metrics and curves, as after
``compare_attributions(metric_samples=3)``); sample 2 is mispredicted (``y_true`` differs from
``y_pred``).
"""

import numpy as np

from xaiwidgets import AttributionResult, ComparisonView

VIEW = ComparisonView
OPTIONS = {"class_names": ["circle", "square", "cross"], "title": "Hand-made comparison",
           "colormap": "viridis"}

N, SIZE = 4, 8
METHODS = ["Saliency", "Integrated Gradients"]
FRACTIONS = np.array([0.0, 0.25, 0.5, 0.75, 1.0])


def _images() -> np.ndarray:
    """(4, 1, 8, 8): a bright block that moves one pixel right per sample."""
    x = np.full((N, 1, SIZE, SIZE), 0.1, dtype=np.float32)
    for i in range(N):
        x[i, 0, 2:5, 1 + i:4 + i] = 0.9
    return x


def _attributions(x: np.ndarray) -> dict[str, np.ndarray]:
    ramp = np.linspace(-1.0, 1.0, SIZE * SIZE, dtype=np.float32).reshape(1, 1, SIZE, SIZE)
    return {
        "Saliency": np.abs(x - 0.1) + 0.05 * np.abs(ramp),  # unsigned, on the block
        "Integrated Gradients": (x - 0.5) * np.abs(ramp) * 2,  # signed
    }


def _curve(start: float, rate: float, rising: bool) -> np.ndarray:
    """(N, 5) curves: three scored samples, the fourth NaN."""
    rows = []
    for i in range(3):
        decay = np.exp(-(rate + 0.5 * i) * FRACTIONS)
        rows.append(start * (1 - decay) + 0.1 if rising else start * decay)
    rows.append(np.full(len(FRACTIONS), np.nan))
    return np.array(rows)


def result() -> AttributionResult:
    x = _images()
    deletion = {"Saliency": _curve(0.9, 4.0, False),
                "Integrated Gradients": _curve(0.9, 1.5, False)}
    insertion = {"Saliency": _curve(0.8, 4.0, True),
                 "Integrated Gradients": _curve(0.8, 1.0, True)}
    metrics = {}
    for j, m in enumerate(METHODS):
        metrics[m] = {
            "deletion_auc": np.append(np.trapezoid(deletion[m][:3], FRACTIONS, axis=1), np.nan),
            "insertion_auc": np.append(np.trapezoid(insertion[m][:3], FRACTIONS, axis=1),
                                       np.nan),
            "infidelity": np.array([0.02, 0.03, 0.05, np.nan]) * (1 + j),
        }
    return AttributionResult(
        kind="image", inputs=x, target=np.array([0, 1, 2, 1]), y_pred=np.array([0, 1, 1, 1]),
        prob=np.array([0.92, 0.81, 0.40, 0.67]), methods=list(METHODS),
        attributions=_attributions(x), seconds_per_sample={"Saliency": 0.002,
                                                            "Integrated Gradients": 0.015},
        metrics=metrics, fractions=FRACTIONS, deletion_curves=deletion,
        insertion_curves=insertion, baseline="deletion/insertion replace locations by 0",
        n_outputs=3, task="multiclass", y_true=np.array([0, 1, 2, 1]))
