"""Images per second of the procedural dSprites renderer, single process.

Run: ``python bench/sprites.py``. "cold" starts from a fresh ``Sprites()`` (the per (shape, scale)
mask tables get built on first use), "warm" reuses one whose tables are built.
"""

from __future__ import annotations

import os

# One core: keep any threaded numpy backend to a single thread.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from _common import best_of  # noqa: E402

from xaiwidgets.datasets.sprites import N_IMAGES, Sprites  # noqa: E402


def main() -> None:
    indices = np.random.default_rng(0).integers(0, N_IMAGES, 2000)

    start = time.perf_counter()
    Sprites()._group(0, 0)  # import-time/first-call overheads, excluded below
    first_call = time.perf_counter() - start

    cold = best_of(lambda: Sprites().render(indices), 3)
    warm_sprites = Sprites()
    warm_sprites.render(np.arange(0, N_IMAGES, 1009))
    warm = best_of(lambda: warm_sprites.render(indices), 5)
    print(f"render 2,000 random indices, cold: {2000 / cold:10,.0f} images/s ({cold:.3f} s)")
    print(f"render 2,000 random indices, warm: {2000 / warm:10,.0f} images/s ({warm:.3f} s)")

    cold = best_of(lambda: Sprites().sample(20_000, seed=0), 3)
    warm = best_of(lambda: warm_sprites.sample(20_000, seed=0), 3)
    print(f"sample(20000), cold:               {20_000 / cold:10,.0f} images/s ({cold:.3f} s)")
    print(f"sample(20000), warm:               {20_000 / warm:10,.0f} images/s ({warm:.3f} s)")

    build = best_of(lambda: [Sprites()._group(s, k) for s in range(3) for k in range(6)], 3)
    print(f"build all 18 mask tables:          {build:.3f} s (first call {first_call:.3f} s)")


if __name__ == "__main__":
    main()
