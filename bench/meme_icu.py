"""MEME on the ICU stays: does notebook 06's result hold for other LSTMs?

Run: ``python bench/meme_icu.py``. One torch / BLAS thread. For each of 5 training seeds of the
mortality LSTM (notebook 06's data and settings otherwise), the held-out final-step fidelity of
the extracted model with the paper's concepts (KMeans on all states) and with
``clustering="per_class"`` (mean ± std over 5 clustering seeds, window 0; trees of depth 6 as in
the notebook, and of MEME's default depth 3), beside the agreement of a constant "healthy" answer
with the LSTM: the bar any extracted model must clear. First, how predictable the outcome is at
all: the simulator's own death probability given each stay's last state (the Bayes classifier of
this Markov chain) against the base rate.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from threadpoolctl import threadpool_limits

import xaiwidgets as xw
from xaiwidgets.datasets._base import package_file
from xaiwidgets.datasets.timeseries import _DEATH, _SURVIVAL
from xaiwidgets.examples import SequenceLSTM, train_rnn

TARGET = 0.90


def main(lstm_seeds: range = range(5)) -> None:
    torch.set_num_threads(1)
    data = xw.load_icu_sepsis(5500, seed=0)
    x, lengths, died = data.sequences, data.lengths, data.target
    train, test = np.arange(4000), np.arange(4000, 5500)
    fit = train[:2000]
    mdp = np.load(package_file("icu_sepsis", "envs", "assets", "dynamics.npz"))
    step = (mdp["expert_policy"][:, :, None] * mdp["tx_mat"]).sum(axis=1)  # under the policy
    p_death = step[:, _DEATH] / np.maximum(step[:, _DEATH] + step[:, _SURVIVAL], 1e-12)
    last = data.extra["states"][np.arange(len(x)), lengths - 1]
    bayes = np.mean((p_death[last] > 0.5) == died)
    print(f"# outcome given the last state (Bayes classifier of the chain): accuracy "
          f"{100 * bayes:.1f}% against {100 * max(died.mean(), 1 - died.mean()):.1f}% for the "
          f"majority class, over all {len(x)} stays")
    print("# notebook 06's settings; held-out final-step fidelity to the LSTM, window 0, "
          "trees of depth 6 (d3: 3), mean ± std over 5 clustering seeds")
    print(f"{'LSTM seed':>9} {'LSTM acc':>9} {'constant':>9} {'all states':>15} "
          f"{'per class':>15} {'K':>3} {'per class, d3':>15}")
    worst = 1.0
    for seed in lstm_seeds:
        torch.manual_seed(seed)
        model = SequenceLSTM(x.shape[2], hidden=16)
        report = train_rnn(model, x[train], died[train], x[test], died[test],
                           lengths_train=lengths[train], lengths_test=lengths[test], epochs=6,
                           batch_size=64, lr=2e-3, class_weight=[1.0, 2.0], seed=seed,
                           progress=False)
        with torch.no_grad():
            pred = model(torch.from_numpy(x[test]), torch.from_numpy(lengths[test])).argmax(1)
        row = [f"{seed:>9}", f"{100 * report.test_accuracy:8.1f}%",
               f"{100 * float((pred == 0).float().mean()):8.1f}%"]
        for clustering, depth in (("states", 6), ("per_class", 6), ("per_class", 3)):
            meme = xw.MEME(model, readout=model.head, clustering=clustering, max_depth=depth,
                           seed=0, progress=False).fit(x[fit], lengths[fit])
            sweep = xw.meme_sweep(meme, x[fit], lengths[fit], seeds=range(5),
                                  n_concepts=[meme.n_concepts_], X_test=x[test],
                                  lengths_test=lengths[test], progress=False)
            m, s = sweep.mean("final_fidelity")
            row.append(f"{100 * m:9.1f}% ± {100 * s:.1f}")
            if clustering == "per_class" and depth == 6:
                worst = min(worst, m)
                row.append(f"{meme.n_concepts_:>3}")
        print(" ".join(row), flush=True)
    print(f"# target: final-step fidelity >= {100 * TARGET:.0f}%; per-class concepts, worst LSTM "
          f"seed: {100 * worst:.1f}% ({'met' if worst >= TARGET else 'missed'})")


if __name__ == "__main__":
    with threadpool_limits(1):
        main()
