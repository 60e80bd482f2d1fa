"""A mask result built by hand: 3 grey 6x6 images, 3 classes, the explanatory mask and Saliency
with deletion / insertion scores on the first 2 samples, the mask report at two kept fractions,
and a trade-off curve over three values of lambda."""

import numpy as np

from xaiwidgets import AttributionResult, MaskView
from xaiwidgets.masks import MaskReport, MaskResult, TradeoffCurve

VIEW = MaskView
OPTIONS = {"class_names": ["circle", "square", "cross"], "title": "Masks by hand"}

_ROW = np.array([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])


def _images() -> np.ndarray:
    left = np.tile(_ROW[::-1], (6, 1))          # bright on the left
    top = np.tile(_ROW[::-1, None], (1, 6))     # bright at the top
    ring = np.array([[0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                     [0.0, 1.0, 1.0, 1.0, 1.0, 0.0],
                     [0.0, 1.0, 0.0, 0.0, 1.0, 0.0],
                     [0.0, 1.0, 0.0, 0.0, 1.0, 0.0],
                     [0.0, 1.0, 1.0, 1.0, 1.0, 0.0],
                     [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]])
    return np.stack([left, top, ring])[:, None].astype(np.float32)


def result() -> MaskResult:
    x = _images()
    mask = np.stack([np.tile(np.array([1.0, 0.9, 0.6, 0.2, 0.1, 0.0]), (6, 1)),
                     np.tile(np.array([[0.9], [0.8], [0.5], [0.1], [0.0], [0.0]]), (1, 6)),
                     x[2, 0] * 0.75 + 0.05])[:, None].astype(np.float32)
    saliency = (np.stack([np.outer(_ROW, _ROW[::-1]), np.outer(_ROW[::-1], _ROW) - 0.3,
                          x[2, 0] - 0.5])[:, None]).astype(np.float32)
    fractions = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    nan = np.nan
    deletion = {"Explanatory mask": np.array([[0.9, 0.5, 0.3, 0.2, 0.1],
                                              [0.8, 0.6, 0.4, 0.2, 0.1],
                                              [nan] * 5]),
                "Saliency": np.array([[0.9, 0.7, 0.5, 0.3, 0.1],
                                      [0.8, 0.7, 0.6, 0.3, 0.1],
                                      [nan] * 5])}
    insertion = {"Explanatory mask": np.array([[0.1, 0.6, 0.8, 0.9, 0.9],
                                               [0.1, 0.5, 0.7, 0.8, 0.8],
                                               [nan] * 5]),
                 "Saliency": np.array([[0.1, 0.4, 0.6, 0.8, 0.9],
                                       [0.1, 0.3, 0.5, 0.7, 0.8],
                                       [nan] * 5])}
    metrics = {m: {"deletion_auc": np.array([0.41, 0.38, nan]) + 0.1 * j,
                   "insertion_auc": np.array([0.66, 0.58, nan]) - 0.1 * j}
               for j, m in enumerate(["Explanatory mask", "Saliency"])}
    comparison = AttributionResult(
        kind="image", inputs=x, target=np.array([0, 1, 2]), y_pred=np.array([0, 1, 1]),
        prob=np.array([0.92, 0.81, 0.47]), methods=["Explanatory mask", "Saliency"],
        attributions={"Explanatory mask": mask, "Saliency": saliency},
        seconds_per_sample={"Explanatory mask": 0.001, "Saliency": 0.004}, metrics=metrics,
        fractions=fractions, deletion_curves=deletion, insertion_curves=insertion,
        baseline="0.0 (the inputs' baseline)", n_outputs=3, task="multiclass",
        y_true=np.array([0, 1, 2]))
    report = MaskReport(
        task="multiclass", keep=[0.2, 0.5],
        mask_sum=mask.reshape(3, -1).sum(1).astype(np.float64),
        above_half=(mask.reshape(3, -1) > 0.5).sum(1), locations=np.array([36, 36, 36]),
        kept_soft=np.array([True, True, False]),
        kept_hard=np.array([[True, True], [False, True], [False, False]]),
        abs_delta_soft=np.zeros(3), abs_delta_hard=np.zeros(3))
    curve = TradeoffCurve(
        param="lam", values=np.array([0.01, 0.05, 0.2]),
        mask_mean=np.array([0.62, 0.41, 0.18]), frac_above_half=np.array([0.7, 0.4, 0.1]),
        preserved_soft=np.array([1.0, 0.9, 0.6]), preserved_hard=np.array([0.8, 0.7, 0.4]),
        keep=0.2)
    return MaskResult(comparison=comparison, report=report, tradeoff=curve)
