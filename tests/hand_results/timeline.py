"""A MemeTrace by hand: three sequences of 5, 3 and 4 steps, four features, four hidden units,
three concepts (low, high, an uncertain one) and two classes. Concept 0's transition tree has
three nodes (``a@t <= 0.5`` -> low, else high); concepts 1 and 2 and the start are constants.
The RNN and the extracted model disagree at step 0 of sequence 1 and step 1 of sequence 2."""

import numpy as np

from xaiwidgets import MemeTrace, TimelineView

VIEW = TimelineView
OPTIONS = {"title": "Hand-made timeline", "threshold": 0.25}

_ = -1  # padding


def _leaf(value: int, n: int) -> dict:
    return {"yes": [-1], "no": [-1], "test": [""], "value": [value], "n_train": [n],
            "merged": [[]], "rules": [""]}


def result() -> MemeTrace:
    x = np.array([
        [[0.1, 1.0, -0.5, 2.0], [0.2, 0.9, -0.4, 2.1], [0.8, 0.7, -0.2, 2.3],
         [0.9, 0.4, 0.1, 2.2], [1.0, 0.2, 0.3, 2.0]],
        [[0.7, -1.0, 0.0, 1.0], [0.3, -0.8, 0.2, 1.2], [0.2, -0.5, 0.4, 1.1],
         [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]],
        [[0.4, 0.5, 1.0, -1.0], [0.6, 0.6, 0.8, -0.9], [0.9, 0.8, 0.5, -0.7],
         [0.7, 0.9, 0.2, -0.6], [0.0, 0.0, 0.0, 0.0]],
    ], dtype=np.float32)
    states = np.array([
        [[-0.6, 0.2, -0.1, 0.5], [-0.5, 0.3, -0.2, 0.4], [0.4, -0.3, 0.7, -0.2],
         [0.6, -0.5, 0.8, -0.4], [0.7, -0.6, 0.9, -0.5]],
        [[0.1, 0.0, 0.1, 0.1], [-0.4, 0.2, -0.3, 0.6], [-0.6, 0.3, -0.4, 0.7],
         [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]],
        [[-0.3, 0.4, 0.0, 0.2], [0.2, -0.1, 0.5, 0.0], [0.5, -0.4, 0.8, -0.3],
         [0.6, -0.5, 0.85, -0.4], [0.0, 0.0, 0.0, 0.0]],
    ], dtype=np.float32)
    concepts = np.array([[0, 0, 1, 1, 1], [2, 0, 0, _, _], [0, 1, 1, 1, _]], dtype=np.int64)
    return MemeTrace(
        X=x,
        lengths=np.array([5, 3, 4], dtype=np.int64),
        concepts=concepts,
        outputs=np.array([[0, 0, 1, 1, 1], [0, 0, 0, _, _], [0, 1, 1, 1, _]], dtype=np.int64),
        leaves=np.array([[0, 1, 2, 0, 0], [0, 0, 1, _, _], [0, 2, 0, 0, _]], dtype=np.int64),
        sources=np.array([[_, 0, 0, 1, 1], [_, 2, 0, _, _], [_, 0, 1, 1, _]], dtype=np.int64),
        y_pred=np.array([[0, 0, 1, 1, 1], [1, 0, 0, _, _], [0, 0, 1, 1, _]], dtype=np.int64),
        y_score=np.array([[0.1, 0.2, 0.8, 0.9, 0.95], [0.6, 0.3, 0.2, 0.0, 0.0],
                          [0.3, 0.4, 0.7, 0.85, 0.0]], dtype=np.float32),
        y_pred_final=np.array([1, 0, 1], dtype=np.int64),
        states=states,
        state_concepts=np.array([[0, 0, 1, 1, 1], [2, 0, 0, _, _], [0, 0, 1, 1, _]],
                                dtype=np.int64),
        feature_names=["a", "b", "c", "d"],
        class_names=["low", "high"],
        concept_names=["low", "high", "uncertain"],
        concept_class=np.array([0, 1, 0], dtype=np.int64),
        concept_size=np.array([6, 4, 2], dtype=np.int64),
        concept_share=np.array([0.5, 1 / 3, 1 / 6], dtype=np.float32),
        concept_purity=np.array([1.0, 0.9, 0.6], dtype=np.float32),
        concept_uncertain=np.array([False, False, True]),
        transition_matrix=np.array([[0.6, 0.4, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]],
                                   dtype=np.float32),
        trees=[
            {"source": 0, "yes": [1, -1, -1], "no": [2, -1, -1],
             "test": ["a@t <= 0.5", "", ""], "value": [0, 0, 1], "n_train": [8, 5, 3],
             "merged": [[], [], []], "rules": ["", "a@t <= 0.5", "a@t > 0.5"]},
            {"source": 1, **_leaf(1, 4)},
            {"source": 2, **_leaf(0, 2)},
            {"source": -1, **_leaf(0, 3)},
        ],
        unit_order=np.array([2, 0, 3, 1], dtype=np.int64),
        window=0, per_step=True, start="rnn", layer="lstm",
    )
