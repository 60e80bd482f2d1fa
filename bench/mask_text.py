"""Notebook 03's token masks, honestly scored, with and without the deletion term.

Run: ``python bench/mask_text.py``. The model, data and explainer are those of
``notebooks/03_masks_text.ipynb`` (the sentiment BiGRU, 3 generator epochs on 4,000 snippets,
``lam=0.2``). On the 2,000 test snippets it prints, for the notebook's explainer
(``necessity=1.0``) and the paper's objective (no deletion term): the mean mask, the soft mask's
preserved rate and the hard masks keeping 20 % / 30 % of the tokens, with removed tokens' embeddings
zeroed (as trained) and with their ids replaced by padding (``at="ids"``); then the same hard test
on a random ranking (seeded). Every rate comes from ``MaskExplainer.evaluate`` /
``hard_mask_preservation``, the one mask scorer. Results also go to
``bench/results/mask_text.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

import xaiwidgets as xw
from xaiwidgets.datasets import Vocabulary, load_rotten_tomatoes
from xaiwidgets.datasets.text import tokenize_words
from xaiwidgets.examples import SentimentRNN, train_classifier

KEEPS = (0.2, 0.3)


def main() -> None:
    torch.manual_seed(0)
    np.random.seed(0)
    torch.set_num_threads(1)
    rt = load_rotten_tomatoes()
    words = [tokenize_words(t) for t in rt.texts]
    order = np.random.default_rng(0).permutation(len(words))
    test_idx, train_idx = order[:2000], order[2000:]
    vocab = Vocabulary.build([words[i] for i in train_idx], max_size=10000, min_count=2)
    ids = torch.from_numpy(vocab.encode(words, max_len=32))
    y = torch.from_numpy(rt.target)
    x_train, x_test = ids[train_idx], ids[test_idx]
    torch.manual_seed(0)  # as notebook 03
    model = SentimentRNN(len(vocab), embed_dim=64, hidden=32, pad_id=vocab.pad_id,
                         token_dropout=0.2)
    report = train_classifier(model, x_train, y[train_idx], x_test, y[test_idx], epochs=4,
                              lr=3e-3, seed=0, progress=False)
    print(f"sentiment BiGRU: test accuracy {report.test_accuracy:.1%} on {len(x_test)} snippets")
    results: dict[str, dict[str, float]] = {}
    for name, extra in (("necessity=1.0 (notebook)", {"necessity": 1.0}),
                        ("paper's objective", {})):
        ex = xw.MaskExplainer(model, lam=0.2, pad_id=vocab.pad_id, epochs=3, lr=5e-3, seed=0,
                              progress=False, **extra).fit(x_train[:4000])
        zeroed = ex.evaluate(x_test, keep=KEEPS)
        as_pad = ex.evaluate(x_test, keep=KEEPS, at="ids")
        results[name] = {"mask_mean": zeroed.mask_mean, "soft": zeroed.preserved_soft,
                         **{f"hard@{k:g}": zeroed.preserved_hard[k] for k in KEEPS},
                         **{f"ids@{k:g}": as_pad.preserved_hard[k] for k in KEEPS}}
        print(f"{name:>26}: mean m {zeroed.mask_mean:.3f}, soft {zeroed.preserved_soft:.1%}; "
              + "; ".join(f"top {k:.0%} kept {zeroed.preserved_hard[k]:.1%} (ids replaced by "
                          f"padding {as_pad.preserved_hard[k]:.1%})" for k in KEEPS))
    noise = torch.rand(x_test.shape, generator=torch.Generator().manual_seed(0))
    results["random"] = {f"hard@{k:g}": xw.hard_mask_preservation(
        model, x_test, noise, keep=k, pad_id=vocab.pad_id) for k in KEEPS}
    print(f"{'random ranking':>26}: " + "; ".join(
        f"top {k:.0%} kept {results['random'][f'hard@{k:g}']:.1%}" for k in KEEPS))
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "mask_text.json").write_text(json.dumps(
        {"test_accuracy": report.test_accuracy, "n": len(x_test), "rates": results}, indent=1))


if __name__ == "__main__":
    main()
