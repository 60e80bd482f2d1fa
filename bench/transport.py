"""Bytes on the wire and encode time: 100 heatmaps of 224x224, our uint8 buffers vs JSON floats.

Prints both and their ratios, measured in the same run (no absolute thresholds: machines are noisy).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import best_of

from xaiwidgets.widgets._traits import payload_nbytes, quantize


def main() -> None:
    rng = np.random.default_rng(0)
    heatmaps = rng.normal(size=(100, 224, 224)).astype(np.float32)

    wire = quantize(heatmaps)
    json_text = json.dumps(heatmaps.tolist())
    ours, theirs = payload_nbytes(wire), len(json_text.encode())
    t_ours = best_of(lambda: quantize(heatmaps))
    t_json = best_of(lambda: json.dumps(heatmaps.tolist()), repeat=2)
    print("transport: 100 heatmaps of 224x224")
    print(f"  uint8 buffers : {ours:>12,d} bytes  ({ours / 100:,.0f} per heatmap)  "
          f"encode {t_ours * 1e3:8.1f} ms")
    print(f"  JSON floats   : {theirs:>12,d} bytes  ({theirs / 100:,.0f} per heatmap)  "
          f"encode {t_json * 1e3:8.1f} ms")
    print(f"  ratio JSON/ours: bytes {theirs / ours:.1f}x, encode time {t_json / t_ours:.1f}x")


if __name__ == "__main__":
    main()
