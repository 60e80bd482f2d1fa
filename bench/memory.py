"""Peak memory of a full attribution comparison against the size of its inputs.

Run: ``python bench/memory.py``. The comparison is ``compare_attributions`` with the five default
methods and all four metrics (default ``metric_samples=32``, ``batch_size=32``) on N MNIST digits
upsampled to 3 x 224 x 224 (N = 125, 250, 500; 500 images are 301 MB of float32), explained by a
small CNN at that resolution.

Each N runs in a fresh child process, one torch thread. The inputs are built before the peak RSS
counter (Linux ``VmHWM``) is reset, so the peak is what the comparison adds on top of them. The
result it returns *keeps* one float32 attribution per method, shaped like the inputs (5 x the
inputs); that is output, not working memory. The target of issue 5: working memory (peak minus
what is kept) at most 2 x the inputs, and not growing faster than N.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import per_size, reset_peak, rss_kb

SIZES = (125, 250, 500)
SIDE = 224


def child(n: int) -> dict:
    import numpy as np
    import torch
    import torch.nn.functional as F
    from torch import nn

    from xaiwidgets import compare_attributions
    from xaiwidgets.datasets import load_mnist

    torch.set_num_threads(1)
    torch.manual_seed(0)
    digits = torch.from_numpy(load_mnist().images[:n])
    x = F.interpolate(digits, size=(SIDE, SIDE), mode="bilinear", align_corners=False)
    x = x.expand(-1, 3, -1, -1).contiguous()
    model = nn.Sequential(
        nn.Conv2d(3, 8, 8, stride=8), nn.ReLU(), nn.Conv2d(8, 16, 3, stride=2, padding=1),
        nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10)).eval()
    inputs_mb = x.numel() * 4 / 1e6
    before = rss_kb("VmRSS") or 0
    exact = reset_peak()
    r = compare_attributions(model, x, progress=False)
    peak = rss_kb("VmHWM") or 0
    kept = sum(a.nbytes for a in r.attributions.values())
    assert all(np.isfinite(v).any() for m in r.metrics.values() for v in m.values())
    return {"n": n, "inputs_mb": inputs_mb, "peak_delta_mb": (peak - before) / 1e3,
            "kept_mb": kept / 1e6, "exact_peak": exact}


def main() -> None:
    rows = per_size(__file__, child, SIZES)
    if rows is None:
        return
    print(f"compare_attributions, 5 methods + 4 metrics, N x 3x{SIDE}x{SIDE} float32, 1 thread")
    print(f"{'N':>5} {'inputs MB':>10} {'peak +RSS MB':>13} {'kept MB':>8} "
          f"{'working MB':>11} {'working / inputs':>17}")
    for r in rows:
        work = r["peak_delta_mb"] - r["kept_mb"]
        r["working_ratio"] = work / r["inputs_mb"]
        print(f"{r['n']:>5} {r['inputs_mb']:>10.0f} {r['peak_delta_mb']:>13.0f} "
              f"{r['kept_mb']:>8.0f} {work:>11.0f} {r['working_ratio']:>17.2f}")
    last = rows[-1]
    print(f"at N={last['n']}: working memory / inputs = {last['working_ratio']:.2f} "
          f"(target <= 2); peak / (inputs + kept) = "
          f"{last['peak_delta_mb'] / (last['inputs_mb'] + last['kept_mb']):.2f}")
    if not all(r["exact_peak"] for r in rows):
        print("note: /proc/self/clear_refs unavailable; peaks are ru_maxrss since process start")
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "memory.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
