"""Redescriptions built by hand: 3 rules about 2 neurons over 8 samples, with the samples as
table rows (no miner, no data)."""

import numpy as np

from xaiwidgets import RedescriptionView
from xaiwidgets.redescriptions import RedescriptionResult, ShuffledBaseline

VIEW = RedescriptionView
OPTIONS = {"title": "Redescriptions by hand", "embed_per_row": 2}


def result() -> RedescriptionResult:
    # which samples each rule's left / right query holds on: (8 samples, 3 rules). Rule 2 is
    # rule 0's complement (both supports are exactly the other samples; the view folds them into
    # one row) and rule 1 only restates the prediction (J = 1, yet the view lists it last).
    left0 = np.array([1, 1, 1, 0, 0, 0, 1, 0], dtype=bool)
    right0 = np.array([1, 1, 1, 0, 0, 0, 0, 0], dtype=bool)
    fires = np.array([0, 0, 1, 1, 1, 0, 0, 1], dtype=bool)
    left = np.stack([left0, fires, ~left0], axis=1)
    right = np.stack([right0, fires, ~right0], axis=1)
    both, either = (left & right).sum(0), (left | right).sum(0)
    return RedescriptionResult(
        left_view="net.fc1", right_view="attributes + predicted", neurons=["n0", "n1"],
        attributes=["radius", "texture", "colour", "predicted"],
        neuron=np.array([0, 1, 0]), set=np.array(["individual", "individual", "individual"]),
        left_rule=["n0 > 0.41", "n1 > 0.2", "n0 <= 0.41"],
        right_rule=["radius > 16.8", "predicted = yes", "radius <= 16.8"],
        jaccard=both / either, pvalue=np.array([1e-3, 4e-3, 2e-3]),
        pvalue_adjusted=np.array([3e-3, 6e-3, 3e-3]),
        support=both, left_support=left.sum(0), right_support=right.sum(0),
        left_columns=[[0], [1], [0]], right_columns=[[0], [3], [0]],
        jaccard_without=[[0.0], [0.0], [0.0]],
        left_holds=left, right_holds=right,
        left_queries=[{"box": [[0], [0.41], ["inf"]]}, {"box": [[1], [0.2], ["inf"]]},
                      {"not": {"box": [[0], [0.41], ["inf"]]}}],
        right_queries=[{"box": [[0], [16.8], ["inf"]]}, {"box": [[5], [0.5], ["inf"]]},
                       {"not": {"box": [[0], [16.8], ["inf"]]}}],
        summary={"described": np.array([True, True]), "jaccard": np.array([0.8, 1.0]),
                 "pvalue": np.array([2e-3, 4e-3]), "min_pvalue": np.array([3e-3, 6e-3]),
                 "max_jaccard": np.array([0.8, 1.0]),
                 "interaction_jaccard": np.array([np.nan, np.nan])},
        settings={"min_jaccard": 0.3, "max_pvalue": 0.05, "min_support": 1, "max_support": 7,
                  "correction": "bh", "n_candidates": 12},
        left_schema={"name": "net.fc1", "columns": ["n0", "n1"], "kinds": ["numeric"] * 2,
                     "categories": [None, None]},
        right_schema={"name": "attributes + predicted",
                      "columns": ["radius", "texture", "colour", "predicted"],
                      "kinds": ["numeric", "numeric", "categorical", "categorical"],
                      "categories": [None, None, ["blue", "red"], ["no", "yes"]]},
        shuffled=ShuffledBaseline(seed=0, neurons=2, described=0,
                                  min_pvalue=np.array([0.4, 0.9]),
                                  jaccard=np.array([np.nan, np.nan])),
        sample_cells=np.array([[f"{10 + 1.3 * i:.3g}", str(i % 4), ("red", "blue")[i % 2],
                                ("no", "yes")[int(fires[i])]] for i in range(8)]),
        sample_columns=["radius", "texture", "colour", "predicted"])
