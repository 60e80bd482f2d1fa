"""A concept tree of 5 nodes over 6 samples with 3 concepts and 8x8 images, by hand.

The tree: ``shape = heart`` -> heart (class 2); else ``scale <= 0.7`` -> square (0), else
ellipse (1). The model departs from the tree on sample 2; the truth from the model on sample 4.
"""

import numpy as np

from xaiwidgets import ConceptTreeResult, ConceptTreeView

VIEW = ConceptTreeView
OPTIONS = {"class_names": ["square", "ellipse", "heart"], "title": "Hand-made concept tree",
           "collapse_depth": 2, "embed_per_node": 2, "thumb_size": 8}


def _images() -> np.ndarray:
    """Six 8x8 one-channel images: a bright square at a position set by the sample."""
    x = np.zeros((6, 1, 8, 8), dtype=np.float32)
    for i, (r, c) in enumerate([(0, 0), (1, 3), (2, 5), (4, 1), (5, 4), (3, 2)]):
        x[i, 0, r:r + 3, c:c + 3] = 1.0
        x[i, 0, 7, i] = 0.5  # a dot that tells the samples apart
    return x


def result() -> ConceptTreeResult:
    nodes = {
        "yes": np.array([1, -1, 3, -1, -1]),
        "no": np.array([2, -1, 4, -1, -1]),
        "concept": np.array([0, -1, 1, -1, -1]),
        "test": ["shape = heart", "", "scale <= 0.7", "", ""],
        "value": np.array([0, 2, 0, 0, 1]),
        "n_train": np.array([60, 20, 40, 25, 15]),
        "depth": np.array([0, 1, 1, 2, 2]),
        "merged": [[], [], [], [], []],
        "shown": np.array([0, 1, 2, 3, 4]),
    }
    return ConceptTreeResult(
        concept_names=["shape", "scale", "posX"],
        classes=np.array([0, 1, 2]),
        nodes=nodes,
        concepts={"shape": np.array(["heart", "square", "heart", "ellipse", "square", "ellipse"]),
                  "scale": np.array([0.8, 0.5, 0.6, 0.9, 0.7, 1.0]),
                  "posX": np.array([0, 1, 2, 3, 1, 0])},
        leaf=np.array([1, 3, 1, 4, 3, 4]),
        y_pred=np.array([2, 0, 1, 1, 0, 1]),
        tree_pred=np.array([2, 0, 2, 1, 0, 1]),
        y_true=np.array([2, 0, 1, 1, 1, 1]),
        X=_images(),
        layer_accuracy={"layers": ["conv", "fc"], "concepts": ["shape", "scale", "posX"],
                        "values": np.array([[0.9, 0.6, 0.8], [0.7, 0.85, 0.5]]),
                        "best": np.array([0, 1, 0])},
    )
