"""MEME speed: extraction on >= 20,000 time steps, and ``predict`` on 1,000 sequences x 100 steps
against a naive per-sequence loop measured in the same run.

Run: ``python bench/meme.py``. One torch / BLAS thread. Extraction = ``MEME.fit``: capturing the
LSTM's states through the probe, seeded KMeans, naming, and one transition tree per concept.
``predict`` runs every transition tree once over all windows and advances all sequences together
(a loop over the 100 steps, none over (sequence, step) pairs); the naive baseline follows the
automaton one sequence and one step at a time, calling the tree of the current concept for each
step, as the reference code does. Both start from the same concepts (the RNN's first states),
and their outputs are checked to be identical.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_of
from threadpoolctl import threadpool_limits

from xaiwidgets import MEME
from xaiwidgets.examples import StepLSTM
from xaiwidgets.meme.transitions import window_features


def sequences(n: int, t: int, seed: int) -> np.ndarray:
    """Two regimes that switch at random; four noisy features (like the occupancy sensors)."""
    rng = np.random.default_rng(seed)
    regime = (np.cumsum(rng.random((n, t)) < 0.05, axis=1) % 2).astype(np.float32)
    x = rng.normal(0, 0.3, (n, t, 4)).astype(np.float32)
    x[:, :, 0] += 2 * regime
    x[:, :, 1] += np.cumsum(regime, axis=1) / t
    return x


def naive_predict(meme: MEME, x: np.ndarray, start: np.ndarray) -> np.ndarray:
    """The automaton one sequence and one step at a time."""
    w = window_features(x, meme.window)
    out = np.empty(x.shape[:2], dtype=np.int64)
    for i in range(len(x)):
        c = int(start[i])
        out[i, 0] = c
        for t in range(1, x.shape[1]):
            c = int(meme.transition_trees_[c].predict(w[i, t][None])[0])
            out[i, t] = c
    return out


def main() -> None:
    torch.set_num_threads(1)
    threadpool_limits(1)
    torch.manual_seed(0)
    model = StepLSTM(4, hidden=32).eval()  # extraction cost does not depend on the weights
    rows = []
    for n in (200, 1000):
        x = sequences(n, 100, seed=n)
        start = time.perf_counter()
        meme = MEME(model, n_concepts=4, window=2, progress=False).fit(x)
        rows.append((n * 100, time.perf_counter() - start))
    for steps, sec in rows:
        print(f"extraction (capture + KMeans + trees), {steps:,} steps: {sec:.2f} s")

    x = sequences(1000, 100, seed=7)
    concepts, _ = meme.predict(x)
    start_concepts = concepts[:, 0]
    assert np.array_equal(naive_predict(meme, x[:50], start_concepts[:50]), concepts[:50])
    fast = best_of(lambda: meme.predict(x), repeat=3, warmup=True)
    t0 = time.perf_counter()
    naive = naive_predict(meme, x[:100], start_concepts[:100])
    naive_s = (time.perf_counter() - t0) * 10  # 100 of the 1,000 sequences, scaled
    assert np.array_equal(naive, concepts[:100])
    print(f"predict, 1,000 sequences x 100 steps: {fast:.3f} s (vectorised); naive "
          f"per-sequence loop {naive_s:.1f} s (measured on 100 sequences, x 10); "
          f"ratio {naive_s / fast:.0f}x")


if __name__ == "__main__":
    main()
