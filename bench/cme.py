"""CME extraction time and peak memory for 10k and 40k sprites, and their ratio.

Run: ``python bench/cme.py``. ``python bench/cme.py --intervention`` instead repeats notebook 05's
weak-CNN case (CME's third claim) over several seeds: the notebook shows seed 0 only.

Extraction = ``ConceptExtractor.fit`` (label spreading, 200 labelled +
1,000 unlabelled images, 5 layers x 5 concepts, 5-fold CV) + ``predict_concepts`` (with the model's
predictions) over all N images, streamed in batches of 256.

Memory is measured as resident set size, not with tracemalloc: torch allocates activations outside
Python's allocator, so tracemalloc would miss exactly the buffers that matter. Each N runs in a
fresh child process; the images are rendered (uint8) before the measurement starts, then the peak
RSS counter (Linux ``VmHWM``) is reset, so the reported peak is what extraction adds on top of its
inputs. What extraction *keeps* (predicted concepts and predictions, the fitted extractor) is
measured separately by size. Flat memory in N means: peak minus kept does not grow with N.
"""

from __future__ import annotations

import pickle
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import per_size, reset_peak, rss_kb

SIZES = (10_000, 40_000)


def child(n: int) -> dict:
    import numpy as np
    import torch

    from xaiwidgets import ConceptExtractor
    from xaiwidgets.datasets.sprites import CME_SMALL_SKIP_GRID, SHAPE_NAMES, Sprites
    from xaiwidgets.examples import SpritesCNN

    torch.set_num_threads(1)
    torch.manual_seed(0)
    sprites = Sprites()
    # Sampling with replacement from the 36,864-image grid: 40k needs more than the grid has.
    grid = sprites.grid_indices(CME_SMALL_SKIP_GRID)
    idx = np.random.default_rng(0).choice(grid, size=n, replace=True)
    images = sprites.render(idx)  # uint8 (n, 64, 64): 4 KB per image
    classes = sprites.latents_classes(idx)
    concepts = {
        "shape": np.array(SHAPE_NAMES)[classes[:, 1]],
        "scale": np.round(sprites.scale_values[classes[:, 2]], 1),
        "orientation": classes[:, 3],
        "posX": classes[:, 4] // 8,
        "posY": classes[:, 5] // 8,
    }
    # Extraction cost does not depend on the weights, so an untrained model will do.
    model = SpritesCNN(n_classes=18).eval()

    class Batches:
        """Re-iterable float batches made on the fly: never a float copy of all N images."""

        def __iter__(self):
            for s in range(0, n, 256):
                yield torch.from_numpy(images[s:s + 256, None].astype(np.float32))

    layers = ["relu1", "relu2", "relu3", "relu4", "fc2"]
    cme = ConceptExtractor(model, layers, method="label_spreading", n_labelled=200,
                           n_unlabelled=1000, progress=False, seed=0)
    rss_before = rss_kb("VmRSS")
    exact = reset_peak()
    t0 = time.perf_counter()
    cme.fit(Batches(), concepts)
    t1 = time.perf_counter()
    pred, model_pred = cme.predict_concepts(Batches(), return_predictions=True)
    t2 = time.perf_counter()
    peak = rss_kb("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kept = sum(v.nbytes for v in pred.values()) + model_pred.nbytes
    state = len(pickle.dumps({k: v for k, v in vars(cme).items() if k.endswith("_")}))
    per_image = sum(a.numel() for a in _first_activations(model, layers))
    return {
        "n": n, "fit_s": t1 - t0, "predict_s": t2 - t1, "peak_delta_mb": (peak - rss_before) / 1e3,
        "kept_mb": kept / 1e6, "state_mb": state / 1e6, "exact_peak": exact,
        "raw_activation_mb": n * per_image * 4 / 1e6,
    }


def _first_activations(model, layers):
    """One image's activation of each layer: what flattening them all would store per image."""
    import torch

    out = []
    hooks = [dict(model.named_modules())[name].register_forward_hook(
        lambda m, i, o: out.append(o[0])) for name in layers]
    try:
        with torch.no_grad():
            model(torch.zeros(1, 1, 64, 64))
    finally:
        for h in hooks:
            h.remove()
    return out


def intervention(seeds: tuple[int, ...] = (0, 1, 2)) -> None:
    """Notebook 05 section 8 with other seeds: the weak CNN (6,000 training images, 2 epochs),
    concepts by label spreading with 3,000 labels, the tree and its intervention curve."""
    import numpy as np
    import torch
    from threadpoolctl import threadpool_limits

    from xaiwidgets import ConceptExtractor, ConceptTree
    from xaiwidgets.datasets.sprites import CME_SMALL_SKIP_GRID, SHAPE_NAMES, Sprites, load_sprites
    from xaiwidgets.examples import SpritesCNN, train_classifier

    torch.set_num_threads(1)
    threadpool_limits(1)
    data = load_sprites(24_000, seed=0, grid=CME_SMALL_SKIP_GRID, task="shape_scale")
    sprites = Sprites()
    concepts = {
        "shape": np.array(SHAPE_NAMES)[data.concepts["shape"]],
        "scale": np.round(sprites.scale_values[data.concepts["scale"]], 1),
        "orientation": np.round(np.degrees(
            sprites.orientation_values[data.concepts["orientation"]])).astype(int),
        "posX": data.concepts["posX"] // 8,
        "posY": data.concepts["posY"] // 8,
    }
    train, test = np.arange(20_000), np.arange(20_000, 24_000)
    x = torch.from_numpy(data.images)
    c_train = {k: v[train] for k, v in concepts.items()}
    c_test = {k: v[test] for k, v in concepts.items()}
    y = data.target
    fit_idx, few = np.arange(5_000), np.arange(6_000)
    layers = ["relu1", "relu2", "relu3", "relu4", "fc2"]
    print("weak shape_scale CNN (6,000 training images, 2 epochs); tree accuracy after giving "
          "the i most important concepts their true values")
    print(f"{'seed':>4} {'CNN':>6} {'0 %':>6} {'20 %':>6} {'40 %':>6} {'100 %':>6} "
          f"{'gain at 20 %':>13} {'s':>5}")
    for seed in seeds:
        t0 = time.perf_counter()
        torch.manual_seed(seed)
        model = SpritesCNN(n_classes=18)
        rep = train_classifier(model, x[train][few], y[train][few], x[test], y[test], epochs=2,
                               lr=1e-2, one_cycle=True, seed=seed, progress=False)
        cme = ConceptExtractor(model, layers, method="label_spreading", n_labelled=3000,
                               n_unlabelled=1000, seed=seed, progress=False).fit(x[train], c_train)
        p_fit, m_fit = cme.predict_concepts(x[train][fit_idx], return_predictions=True)
        p_test, m_test = cme.predict_concepts(x[test], return_predictions=True)
        tree = ConceptTree(seed=seed).fit(p_fit, m_fit,
                                          true_concepts={k: v[fit_idx] for k, v in c_train.items()})
        r = tree.evaluate(p_test, m_test, y_true=y[test], true_concepts=c_test)
        acc = r.intervention_accuracy
        print(f"{seed:>4} {rep.test_accuracy:>6.1%} {acc[0]:>6.1%} {acc[1]:>6.1%} {acc[2]:>6.1%} "
              f"{acc[-1]:>6.1%} {100 * (acc[1] - rep.test_accuracy):>+12.1f}  "
              f"{time.perf_counter() - t0:>5.0f}")


def main() -> None:
    if "--intervention" in sys.argv:
        intervention()
        return
    rows = per_size(__file__, child, SIZES)
    if rows is None:
        return
    print("CME extraction on procedural dSprites (SpritesCNN, 5 layers x 5 concepts, label "
          "spreading 200 + 1,000), one thread")
    print(f"{'N':>7} {'fit s':>7} {'predict s':>10} {'total s':>8} {'peak +RSS MB':>13} "
          f"{'kept MB':>8} {'extractor MB':>13} {'raw activations MB':>19}")
    for r in rows:
        print(f"{r['n']:>7,} {r['fit_s']:>7.1f} {r['predict_s']:>10.1f} "
              f"{r['fit_s'] + r['predict_s']:>8.1f} {r['peak_delta_mb']:>13.1f} "
              f"{r['kept_mb']:>8.2f} {r['state_mb']:>13.2f} {r['raw_activation_mb']:>19,.0f}")
    a, b = rows
    t = (b["fit_s"] + b["predict_s"]) / (a["fit_s"] + a["predict_s"])
    flat = (a["peak_delta_mb"] - a["kept_mb"], b["peak_delta_mb"] - b["kept_mb"])
    print(f"ratio 40k/10k: time x{t:.2f} (N x4), peak memory x"
          f"{b['peak_delta_mb'] / a['peak_delta_mb']:.2f}; peak minus kept: "
          f"{flat[0]:.1f} MB -> {flat[1]:.1f} MB")
    if not (a["exact_peak"] and b["exact_peak"]):
        print("note: /proc/self/clear_refs unavailable; peaks are ru_maxrss since process start")


if __name__ == "__main__":
    main()
