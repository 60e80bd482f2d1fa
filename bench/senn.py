"""SENN: one training step with the vectorised robustness loss vs the reference's per-output
autograd loop, on the same batch, for k = 5 and 20 concepts and D = 30 and 784 inputs.

Run: ``python bench/senn.py``. Ratios are measured against a baseline timed in the same run
(never absolute times), each the best of several interleaved repeats on one thread.

A step is ``zero_grad``, the forward pass with the robustness loss, ``loss.backward()`` and an
Adam step, on a batch of 128 (the reference's default):

* ``loop``: the reference (``dmelis/SENN`` ``GradPenaltyTrainer``, type 3): one
  ``autograd.grad(create_graph=True)`` per output, C log-softmax outputs then k concepts;
* ``vectorised (reference)``: the same quantity (log-softmax, un-averaged batch Frobenius norm,
  equal to the loop's to float precision), from ``torch.func.vjp`` pullbacks ``vmap``-ed over
  C + 1 rows;
* ``vectorised (logits)``: the default loss of ``fit_senn`` (pre-softmax logits, where
  ``grad f - J_h^T theta`` needs only the C rows of ``x -> theta(x)^T h``);
* ``no loss``: the same step without any robustness loss, the part every variant shares; the
  last column compares what the loss adds to it (loop vs default).

``python bench/senn.py --splits`` instead repeats notebook 08's breast-cancer comparison over 5
train/test splits: SENN's Lipschitz estimate at lam = 1e-2 and 1e-1 against Saliency's and IG's on
the unconstrained network (the notebook shows split 0 only).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch
import torch.nn.functional as F

from xaiwidgets.senn import SENN, reference_penalty_loop, robustness_penalty

BATCH = 128
REPEATS = 5
TARGET = 3.0


def configs() -> list[tuple[str, int, int, SENN, torch.Tensor, int]]:
    torch.manual_seed(0)
    out = []
    for k in (5, 20):
        out.append((f"D=30,  k={k:<2} (MLP autoencoder, C=2)", 30, k,
                    SENN.tabular(30, 2, n_concepts=k), torch.randn(BATCH, 30), 2))
    for k in (5, 20):
        out.append((f"D=784, k={k:<2} (conv autoencoder + LeNet, C=10)", 784, k,
                    SENN.images(1, k, 10), torch.rand(BATCH, 1, 28, 28), 10))
    out.append(("D=30,  k=31 (identity concepts + bias, C=2)", 30, 31,
                SENN.tabular(30, 2), torch.randn(BATCH, 30), 2))
    return out


def step_fn(senn: SENN, x: torch.Tensor, y: torch.Tensor, how: str):
    opt = torch.optim.Adam(senn.parameters(), lr=1e-4)

    def penalty(s: SENN, xb: torch.Tensor):
        if how == "loop":
            return reference_penalty_loop(s, xb)
        if how == "reference":
            return robustness_penalty(s, xb, "reference", "raw")
        if how == "none":  # the shared part of a step: no robustness loss
            logits, h, th = s.parts(xb)
            return logits, h, th, logits.new_zeros(())
        return robustness_penalty(s, xb, "logits", "batch")

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        logits, _, _, pen = penalty(senn, x)
        (F.cross_entropy(logits, y) + 1e-2 * pen).backward()
        opt.step()

    return step


def speed() -> None:
    torch.set_num_threads(1)
    print(f"# one SENN training step, batch {BATCH}, best of {REPEATS} interleaved repeats, "
          "1 thread")
    print(f"{'configuration':<48} {'loop':>9} {'vec (ref)':>10} {'vec (logits)':>13} "
          f"{'no loss':>9} {'ref/vec':>8} {'ref/logits':>10} {'loss only':>10}")
    misses = []
    for name, _d, _k, senn, x, c in configs():
        y = torch.randint(0, c, (BATCH,), generator=torch.Generator().manual_seed(1))
        senn.eval()  # the two computations of the reference's loss agree (same dropout: none)
        a = reference_penalty_loop(senn, x)[3].detach()
        b = robustness_penalty(senn, x, "reference", "raw")[3].detach()
        assert torch.allclose(a, b, rtol=1e-4), (name, float(a), float(b))
        senn.train()
        steps = {how: step_fn(senn, x, y, how) for how in ("loop", "reference", "logits", "none")}
        for fn in steps.values():
            fn()  # warm-up
        best = dict.fromkeys(steps, float("inf"))
        for _ in range(REPEATS):
            for how, fn in steps.items():
                start = time.perf_counter()
                fn()
                best[how] = min(best[how], time.perf_counter() - start)
        r_ref, r_log = best["loop"] / best["reference"], best["loop"] / best["logits"]
        # what the robustness loss itself costs on top of a plain step, loop vs default
        extra = (best["loop"] - best["none"]) / max(best["logits"] - best["none"], 1e-9)
        print(f"{name:<48} {1e3 * best['loop']:7.1f}ms {1e3 * best['reference']:8.1f}ms "
              f"{1e3 * best['logits']:11.1f}ms {1e3 * best['none']:7.1f}ms {r_ref:7.1f}x "
              f"{r_log:9.1f}x {extra:9.1f}x")
        if r_log < TARGET:
            misses.append(f"{name.split('(')[0].strip()}: {r_log:.1f}x")
    print(f"# target: >= {TARGET:g}x faster than the loop (default loss);"
          + (" missed for " + "; ".join(misses) if misses else " met everywhere"))


def splits(n_splits: int = 5) -> None:
    import warnings

    from xaiwidgets.datasets import load_breast_cancer
    from xaiwidgets.senn import fit_senn, fit_unconstrained, stability, unconstrained_like

    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    d = load_breast_cancer()
    train = dict(epochs=60, batch_size=32, lr=3e-3, patience=10, progress=False)
    print("# breast cancer, notebook 08's settings; Lipschitz ratio = min(Saliency, IG) on the "
          "unconstrained net / SENN")
    print(f"{'split':>5} {'acc base':>9} {'acc SENN 1e-2':>14} {'ratio 1e-2':>11} "
          f"{'acc SENN 1e-1':>14} {'ratio 1e-1':>11}")
    for seed in range(n_splits):
        x_tr, x_te, y_tr, y_te = d.split(0.2, seed=seed)
        mu, sd = x_tr.mean(0), x_tr.std(0)
        x_tr, x_te = torch.from_numpy((x_tr - mu) / sd), torch.from_numpy((x_te - mu) / sd)

        def acc(m: torch.nn.Module, x: torch.Tensor = x_te, y: np.ndarray = y_te) -> float:
            with torch.no_grad():
                return 100 * float((m(x).argmax(1).numpy() == y).mean())

        torch.manual_seed(0)
        base = unconstrained_like(SENN.tabular(30, 2))
        fit_unconstrained(base, x_tr, y_tr, **train)
        ref = stability(SENN.tabular(30, 2), x_te[:100], ["saliency", "integrated_gradients"],
                        model=base).mean()
        post = min(ref["Saliency"], ref["Integrated Gradients"])
        row = [f"{seed:>5}", f"{acc(base):8.1f}%"]
        for lam in (1e-2, 1e-1):
            torch.manual_seed(0)
            senn = SENN.tabular(30, 2)
            fit_senn(senn, x_tr, y_tr, lam=lam, **train)
            lip = stability(senn, x_te[:100], []).mean()["SENN"]
            row += [f"{acc(senn):13.1f}%", f"{post / lip:10.1f}x"]
        print(" ".join(row))


if __name__ == "__main__":
    if "--splits" in sys.argv:
        splits()
    else:
        speed()
