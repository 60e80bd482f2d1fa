"""Wall time of the tutorial notebooks, from the kernel's start to the last cell.

The source of every notebook time quoted in README.md and docs/benchmarks.md (the tests only
check that the notebooks run and print their results: a timing assertion would make CI's verdict
depend on the machine's load). Each notebook runs in a scratch copy with nbclient, one at a time;
the tour is also compared with its target (every view in under 60 s on one core).

    python bench/notebooks.py                 # every notebook
    python bench/notebooks.py 00_tour --core 0  # the tour, pinned to CPU 0 (as `taskset -c 0`)

Times depend on the machine and on its load (printed first): compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
TOUR_TARGET_S = 60.0  # issue 14: the Binder tour shows every view in under a minute on one core


def run(path: Path) -> tuple[float, str]:
    """Seconds to run a scratch copy of ``path`` (kernel start included) and what it printed."""
    with tempfile.TemporaryDirectory() as tmp:  # notebooks write exports next to themselves
        work = Path(tmp) / path.name
        shutil.copy(path, work)
        nb = nbformat.read(work, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=1800, kernel_name="python3",
                       resources={"metadata": {"path": tmp}}).execute()
        seconds = time.perf_counter() - start
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                      for o in c.get("outputs", []) if o.get("output_type") == "stream")
    return seconds, printed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook names or prefixes (default: all)")
    parser.add_argument("--core", type=int, default=None,
                        help="pin this process and its kernels to one CPU (like taskset -c)")
    args = parser.parse_args()
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    if args.names:
        paths = [p for p in paths if any(p.stem.startswith(n.removesuffix(".ipynb"))
                                         for n in args.names)]
        if not paths:
            raise SystemExit(f"no notebook in {NOTEBOOKS} starts with {args.names}")
    if args.core is not None:
        os.sched_setaffinity(0, {args.core})  # the kernels inherit it
    # one torch and one BLAS thread per kernel, as the tests run them
    os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    cpus = sorted(os.sched_getaffinity(0))
    load = os.getloadavg()
    print(f"# {os.cpu_count()} CPUs, running on {cpus}; load average {load[0]:.1f} "
          f"{load[1]:.1f} {load[2]:.1f} (times grow with it)")
    times: dict[str, float] = {}
    for path in paths:
        seconds, printed = run(path)
        times[path.stem] = seconds
        line = f"{path.stem}: {seconds:.0f} s with the kernel start"
        tour = re.search(r"tour ran in ([\d.]+) s", printed)
        if tour:
            line += (f" (its cells: {tour.group(1)} s); {seconds / TOUR_TARGET_S:.2f}x the "
                     f"{TOUR_TARGET_S:.0f} s target")
        print(line, flush=True)
    if len(times) > 1:
        print(f"range: {min(times.values()):.0f} s ({min(times, key=times.__getitem__)}) to "
              f"{max(times.values()):.0f} s ({max(times, key=times.__getitem__)}); "
              f"all {sum(times.values()):.0f} s")


if __name__ == "__main__":
    main()
