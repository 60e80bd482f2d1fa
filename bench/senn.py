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
  ``grad f - J_h^T theta`` needs only the C rows of ``x -> theta(x)^T h``), exact;
* ``projected (p=1)``: the same loss from one random projection per sample
  (``fit_senn(projections=1)``): one pullback of ``v ~ N(0, I_C)`` instead of C, an unbiased
  estimate of the squared Frobenius norm (Hutchinson; Hoffman, Roberts & Yaida 2019);
* ``no loss``: the same step without any robustness loss, the part every variant shares; the
  last two columns compare what the loss adds to it (loop vs exact default, loop vs p=1).

The target (>= 3x faster than the loop) is checked for the exact default loss and for the
projected one separately, and the last line says which configurations meet it with which.

``python bench/senn.py --splits`` instead repeats notebook 08's breast-cancer comparison over 5
train/test splits: SENN's Lipschitz estimate at lam = 1e-2 and 1e-1 against Saliency's and IG's on
the unconstrained network (the notebook shows split 0 only). ``--splits --ablation`` runs it for
notebook 08's earlier networks too, and for each of the two changes alone.

``python bench/senn.py --projections`` trains notebook 08's breast-cancer SENN (lam = 1e-2) on
the same 5 splits with the exact loss and with ``projections=1``, to check that the faster
estimate gives the same model: test accuracy and Lipschitz ratio of each, and their times.
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
    gen = torch.Generator().manual_seed(0)

    def penalty(s: SENN, xb: torch.Tensor):
        if how == "projected":
            return robustness_penalty(s, xb, "logits", "batch", projections=1, generator=gen)
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
          f"{'proj (p=1)':>11} {'no loss':>9} {'loop/vec':>9} {'loop/logits':>12} "
          f"{'loop/proj':>10} {'loss only':>10} {'(p=1)':>7}")
    met: dict[str, list[str]] = {"exact": [], "projected": []}
    names = []
    for name, _d, _k, senn, x, c in configs():
        y = torch.randint(0, c, (BATCH,), generator=torch.Generator().manual_seed(1))
        senn.eval()  # the two computations of the reference's loss agree (same dropout: none)
        a = reference_penalty_loop(senn, x)[3].detach()
        b = robustness_penalty(senn, x, "reference", "raw")[3].detach()
        assert torch.allclose(a, b, rtol=1e-4), (name, float(a), float(b))
        senn.train()
        steps = {how: step_fn(senn, x, y, how)
                 for how in ("loop", "reference", "logits", "projected", "none")}
        for fn in steps.values():
            fn()  # warm-up
        best = dict.fromkeys(steps, float("inf"))
        for _ in range(REPEATS):
            for how, fn in steps.items():
                start = time.perf_counter()
                fn()
                best[how] = min(best[how], time.perf_counter() - start)
        r_ref, r_log = best["loop"] / best["reference"], best["loop"] / best["logits"]
        r_proj = best["loop"] / best["projected"]
        # what the robustness loss itself costs on top of a plain step, loop vs default
        extra = (best["loop"] - best["none"]) / max(best["logits"] - best["none"], 1e-9)
        extra_p = (best["loop"] - best["none"]) / max(best["projected"] - best["none"], 1e-9)
        print(f"{name:<48} {1e3 * best['loop']:7.1f}ms {1e3 * best['reference']:8.1f}ms "
              f"{1e3 * best['logits']:11.1f}ms {1e3 * best['projected']:9.1f}ms "
              f"{1e3 * best['none']:7.1f}ms {r_ref:8.1f}x {r_log:11.1f}x {r_proj:9.1f}x "
              f"{extra:9.1f}x {extra_p:6.1f}x")
        short = " ".join(name.split("(")[0].split())
        names.append(short)
        for variant, ratio in (("exact", r_log), ("projected", r_proj)):
            if ratio >= TARGET:
                met[variant].append(f"{short} ({ratio:.1f}x)")
    for variant, label in (("exact", "exact default loss"), ("projected", "projected, p=1")):
        print(f"# target >= {TARGET:g}x faster than the loop, {label}: "
              + (f"met for all {len(names)} configurations" if len(met[variant]) == len(names)
                 else f"met for {len(met[variant])} of {len(names)}"
                 + (": " + "; ".join(met[variant]) if met[variant] else "")))


#: notebook 08's breast-cancer training (the SENN and its unconstrained twin alike)
CANCER_TRAIN = dict(epochs=60, batch_size=32, lr=3e-3, patience=10, progress=False)
#: notebook 08's breast-cancer networks: the reference's parametrizer for this dataset
#: (dmelis/SENN scripts/main_cancer.py, tanh 30 -> 10 -> 10 -> 5), theta starting at zero
CANCER_ARCH = dict(hidden=(10, 10, 5), zero_init=True)
#: what notebook 08 used before (SENN.tabular's defaults), for --splits --ablation
ABLATION = {
    "before: hidden (64, 32, 16), random init": dict(hidden=(64, 32, 16), zero_init=False),
    "hidden (64, 32, 16), zero init": dict(hidden=(64, 32, 16), zero_init=True),
    "hidden (10, 10, 5), random init": dict(hidden=(10, 10, 5), zero_init=False),
    "now: hidden (10, 10, 5), zero init (notebook 08)": CANCER_ARCH,
}


def _cancer_split(seed: int):
    from xaiwidgets.datasets import load_breast_cancer

    x_tr, x_te, y_tr, y_te = load_breast_cancer().split(0.2, seed=seed)
    mu, sd = x_tr.mean(0), x_tr.std(0)
    # (x_train, y_train, x_test, y_test), standardised with the training statistics
    return torch.from_numpy((x_tr - mu) / sd), y_tr, torch.from_numpy((x_te - mu) / sd), y_te


def _accuracy(m: torch.nn.Module, x: torch.Tensor, y: np.ndarray) -> float:
    with torch.no_grad():
        return 100 * float((m(x).argmax(1).numpy() == y).mean())


def _post_hoc(arch: dict, x_tr: torch.Tensor, y_tr: np.ndarray, x_te: torch.Tensor,
              y_te: np.ndarray) -> tuple[float, float]:
    """Test accuracy of the unconstrained twin, and min(Saliency, IG) Lipschitz on it."""
    from xaiwidgets.senn import fit_unconstrained, stability, unconstrained_like

    torch.manual_seed(0)  # as notebook 08's train_pair: the SENN is built first, then its twin
    base = unconstrained_like(SENN.tabular(30, 2, **arch))
    fit_unconstrained(base, x_tr, y_tr, **CANCER_TRAIN)
    ref = stability(SENN.tabular(30, 2), x_te[:100], ["saliency", "integrated_gradients"],
                    model=base).mean()
    return _accuracy(base, x_te, y_te), min(ref["Saliency"], ref["Integrated Gradients"])


def _senn(arch: dict, lam: float, x_tr: torch.Tensor, y_tr: np.ndarray, x_te: torch.Tensor,
          y_te: np.ndarray, **kw) -> tuple[float, float, float]:
    """Test accuracy, Lipschitz estimate (same 100 test rows) and fit seconds of a SENN."""
    from xaiwidgets.senn import fit_senn, stability

    torch.manual_seed(0)
    senn = SENN.tabular(30, 2, **arch)
    h = fit_senn(senn, x_tr, y_tr, lam=lam, **CANCER_TRAIN, **kw)
    return (_accuracy(senn, x_te, y_te), stability(senn, x_te[:100], []).mean()["SENN"],
            h.seconds)


def splits(n_splits: int = 5, ablation: bool = False) -> None:
    import warnings

    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    configs = ABLATION if ablation else {"notebook 08": CANCER_ARCH}
    for label, arch in configs.items():
        print(f"# breast cancer, {label}: {arch}, {CANCER_TRAIN}")
        print("# Lipschitz: SENN's, and min(Saliency, IG) on the unconstrained twin (same "
              "samples); ratio = twin / SENN")
        print(f"{'split':>5} {'acc base':>9} {'Lip base':>9} {'acc 1e-2':>9} {'Lip 1e-2':>9} "
              f"{'ratio 1e-2':>11} {'acc 1e-1':>9} {'ratio 1e-1':>11}")
        worst, gap = float("inf"), -float("inf")
        for seed in range(n_splits):
            data = _cancer_split(seed)
            acc_base, post = _post_hoc(arch, *data)
            row = [f"{seed:>5}", f"{acc_base:8.1f}%", f"{post:9.3f}"]
            for lam in (1e-2, 1e-1):
                acc, lip, _ = _senn(arch, lam, *data)
                row += ([f"{acc:8.1f}%", f"{lip:9.4f}"] if lam == 1e-2 else [f"{acc:8.1f}%"])
                row.append(f"{post / lip:10.1f}x")
                gap = max(gap, acc_base - acc)
                if lam == 1e-2:
                    worst = min(worst, post / lip)
            print(" ".join(row))
        print(f"# lam = 1e-2: smallest ratio {worst:.1f}x over {n_splits} splits (target >= 10x "
              f"on every split: {'met' if worst >= 10 else 'missed'}); SENN at most "
              f"{gap:.1f} points below the twin (target <= 2: {'met' if gap <= 2 else 'missed'})")


def projections(n_splits: int = 5) -> None:
    """Training with projections=1 against the exact loss, notebook 08's breast cancer."""
    import warnings

    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    print(f"# breast cancer, notebook 08's SENN (lam = 1e-2, {CANCER_ARCH}), exact loss vs "
          "projections=1; ratio = min(Saliency, IG) of the twin / SENN; reduction = "
          "Lipschitz at lam = 0 / at lam = 1e-2")
    print(f"{'split':>5} {'acc base':>9} {'acc exact':>10} {'acc p=1':>8} {'ratio exact':>12} "
          f"{'ratio p=1':>10} {'reduct. exact':>14} {'reduct. p=1':>12} {'fit exact':>10} "
          f"{'fit p=1':>8}")
    for seed in range(n_splits):
        data = _cancer_split(seed)
        acc_base, post = _post_hoc(CANCER_ARCH, *data)
        _, lip0, _ = _senn(CANCER_ARCH, 0.0, *data)
        acc_e, lip_e, t_e = _senn(CANCER_ARCH, 1e-2, *data)
        acc_p, lip_p, t_p = _senn(CANCER_ARCH, 1e-2, *data, projections=1)
        print(f"{seed:>5} {acc_base:8.1f}% {acc_e:9.1f}% {acc_p:7.1f}% {post / lip_e:11.1f}x "
              f"{post / lip_p:9.1f}x {lip0 / lip_e:13.1f}x {lip0 / lip_p:11.1f}x "
              f"{t_e:9.2f}s {t_p:7.2f}s")


if __name__ == "__main__":
    if "--splits" in sys.argv:
        splits(ablation="--ablation" in sys.argv)
    elif "--projections" in sys.argv:
        projections()
    else:
        speed()
