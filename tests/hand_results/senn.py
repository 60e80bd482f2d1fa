"""A SENN explanation built by hand: 4 tabular samples of 2 features, 3 learned concepts, 2
classes, with prototypes and a stability check on 3 of the samples."""

import numpy as np

from xaiwidgets import SENNView
from xaiwidgets.senn import Prototypes, SENNExplanation, StabilityResult

VIEW = SENNView
OPTIONS = {"class_names": ["benign", "malignant"], "title": "SENN by hand"}


def result() -> SENNExplanation:
    concepts = np.array([[0.9, -0.2, 0.1],
                         [-0.5, 0.7, 0.3],
                         [0.0, 0.4, -0.8],
                         [0.6, 0.6, 0.6]], dtype=np.float32)
    # theta(x) of both classes: (N, k, C); class 1 is the negative of class 0
    theta0 = np.array([[1.2, -0.4, 0.3],
                       [-0.8, 1.1, 0.2],
                       [0.5, -0.6, 0.9],
                       [0.1, 0.2, -0.3]], dtype=np.float32)
    thetas = np.stack([theta0, -theta0], axis=2)
    y_pred = np.array([0, 0, 1, 1])
    relevances = thetas[np.arange(4), :, y_pred]
    stab = StabilityResult(
        methods=["SENN", "Saliency"],
        lipschitz=np.array([[0.5, 2.0], [0.25, 4.0], [1.0, 8.0], [np.nan, np.nan]]),
        estimated=np.array([True, True, True, False]), eps=0.1, n_samples=5)
    protos = Prototypes(indices=np.array([[0, 3], [1, 3], [3, 1]]),
                        activations=np.array([[0.9, 0.6], [0.7, 0.6], [0.6, 0.3]],
                                             dtype=np.float32),
                        concept_names=["size", "texture", "shape"],
                        inputs=np.array([[[1.0, 0.0], [0.5, 0.5]],
                                         [[0.0, 1.0], [0.5, 0.5]],
                                         [[0.5, 0.5], [0.0, 1.0]]], dtype=np.float32))
    return SENNExplanation(
        kind="tabular",
        inputs=np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.5], [0.5, 0.5]], dtype=np.float32),
        concepts=concepts, relevances=relevances, thetas=thetas,
        target=y_pred.copy(), y_pred=y_pred, prob=np.array([0.9, 0.75, 0.6, 0.55]),
        concept_names=["size", "texture", "shape"], learned=True,
        y_true=np.array([0, 1, 1, 1]), prototypes=protos, stability=stab)
