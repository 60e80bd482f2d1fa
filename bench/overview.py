"""DatasetOverview in headless Chromium (software WebGL): time to points, frame time, hover to
linked view, and the initial state size (issue 24).

Run: ``python bench/overview.py`` (about three minutes on 2 cores); ``--smoke`` runs 20,000
samples only (a check that the bench works, not a measurement). One run prints, per run size
(10^5 and 10^6 samples):

1. **First points / all points**: ``performance.now()`` in the page (from the page's navigation
   start) when the view first draws points, and when every block of columns has been answered
   and drawn (``data-xai-points`` reaches n). The columns stream through the widget's own
   Python fetch handler (``DatasetOverview._on_custom``), called from the page through
   Playwright's ``expose_function`` (the harness of ``tests/browser/test_overview.py``, imported,
   not copied). That bridge base64-encodes every buffer into JSON, slower than a Jupyter comm's
   binary frames, so the times are an upper bound; the kernel's own share is printed beside.
2. **Pan/zoom frame time**: 120 frames, each scripted in the page by one key press on the focused
   plot (the view's own arrow / +/- handler: pan by a tenth, zoom by 1.25x, no transition). Two
   figures, median and p95: the **work per frame**, the main thread's time in every
   ``requestAnimationFrame`` callback of a frame (the scatter's WebGL draw and its copy to the
   visible canvas included), which must stay under 16 ms for 60 frames a second; and the
   **frame interval** (time between successive frames), which headless Chromium holds to its
   60 Hz clock (16.7 ms: ``--disable-frame-rate-limit`` / ``--disable-gpu-vsync`` do not lift it
   here), so it shows dropped frames, not the cost. The same count of idle frames (nothing
   moves) is the baseline. Goal: work <= 16 ms at 10^5 points.
3. **Hover to linked view**: the mouse moves onto a point (a real Playwright mouse move); the time
   from that ``mousemove`` event to the sample panel showing that sample's input and attribution
   (fetched as one sample from the local Zarr store). A hover fetches at once (one sample in
   flight; a cursor crossing points fetches only the one it rests on next), and the same is
   measured for a selection by index (search + Enter). Goal: <= 100 ms.
4. **Initial state size**: bytes of the widget's exported state JSON (``export_state()``, what
   a saved notebook holds). Goal: < 100 KB at 10^6.

The runs are **synthetic data for a viewer benchmark**: a Zarr store in the layout
``explain_dataset`` writes (its step metadata is taken from a 16-sample template job of an
untrained MnistCNN), with K=10 classes in clusters of a 2-D embedding (``embed/pca``), labels,
predictions (a tenth wrong) and confidences; the 10^5 run also stores 28 x 28 inputs and one
attribution method (float16, random) for the linked view. The 10^6 run's image arrays exist but
are never written (the bench hovers only at 10^5). Nothing is computed by a model: computing
10^6 explanations is the dataset jobs' benchmark (``bench/dataset.py``), not the viewer's.
Times depend on the machine and its load; no assertion is made on them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# the browser tests' package, as pytest imports it ("browser": tests/ has no __init__.py, and an
# installed package may be called "tests")
sys.path.insert(0, str(ROOT / "tests"))

K = 10  # classes
SHARD = 4096  # rows per chunk of the columns (a real run's shard)
IMAGE_CHUNK = 256  # rows per chunk of the image arrays
FRAMES = 120
BUDGET_MS = 16.0
HOVER_GOAL_MS = 100.0
STATE_GOAL = 100_000
HOVERS = 5
SMOKE_N = 20_000

# timestamps in the page (performance.now(), ms from navigation start), recorded by observing
# the attributes the view sets: data-xai-points (rows drawn), data-xai-hover, data-xai-sample
_PROBE = """
window.__t = { hovers: [], samples: [] };
// the main thread's work per frame: every requestAnimationFrame callback of one frame (the
// scatter's draw included), timed while window.__work is set
window.__work = null;
const raf = window.requestAnimationFrame.bind(window);
window.requestAnimationFrame = (cb) => raf((ts) => {
  const start = performance.now();
  try { cb(ts); } finally {
    const w = window.__work;
    if (w) {
      const d = performance.now() - start;
      if (w.ts === ts) w.cur += d;
      else { if (w.ts !== undefined) w.frames.push(w.cur); w.ts = ts; w.cur = d; }
    }
  }
});
window.__move = 0;
window.addEventListener('mousemove', () => { window.__move = performance.now(); }, true);
new MutationObserver((records) => {
  const now = performance.now();
  for (const r of records) {
    if (r.type !== 'attributes') continue;
    const v = r.target.getAttribute(r.attributeName);
    if (r.attributeName === 'data-xai-points') {
      window.__t.draws = (window.__t.draws || 0) + 1;
      if (window.__t.first === undefined) { window.__t.first = now; window.__t.firstN = +v; }
      window.__t.last = now; window.__t.lastN = +v;
    } else if (r.attributeName === 'data-xai-hover') {
      window.__t.hovers.push([+v, window.__move, now]);
    } else if (r.attributeName === 'data-xai-sample') {
      window.__t.samples.push([+v, now]);
    }
  }
  if (!window.__t.mount && document.querySelector('.xai-root')) window.__t.mount = now;
}).observe(document, { subtree: true, childList: true, attributes: true,
  attributeFilter: ['data-xai-points', 'data-xai-hover', 'data-xai-sample'] });
"""

_FRAMES_JS = """async ([frames, move]) => {
  const plot = document.querySelector('.xai-ov-plot');
  plot.focus();
  const keys = [];
  for (const k of ['ArrowLeft', 'ArrowRight', '+', 'ArrowUp', 'ArrowDown', '-'])
    for (let j = 0; j < 10; j++) keys.push(k);
  const pixels = () => { const c = plot.querySelector('canvas');
    const g = document.createElement('canvas'); g.width = c.width; g.height = c.height;
    g.getContext('2d').drawImage(c, 0, 0); return g.toDataURL(); };
  const shots = [];
  const deltas = [];
  window.__work = { frames: [] };
  let last = -1, k = 0;
  await new Promise((done) => {
    const step = () => {
      const now = performance.now();
      if (last >= 0) deltas.push(now - last);
      last = now;
      if (deltas.length >= frames) return done();
      if (move && (k === 0 || k === 30)) shots.push(pixels());  // as it began; zoomed in 9x
      if (move) plot.dispatchEvent(new KeyboardEvent('keydown', { key: keys[k++ % keys.length],
                                                                  bubbles: true }));
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const work = window.__work.frames;
  window.__work = null;
  return [deltas, work, shots.length === 2 && shots[0] !== shots[1]];
}"""


def write_run(path: Path, n: int, template: dict[str, Any], images: bool, seed: int = 0) -> None:
    """A synthetic run of ``n`` samples in the store layout of ``explain_dataset``."""
    import zarr

    from xaiwidgets.runs import store as st

    rng = np.random.default_rng(seed)
    root = zarr.open_group(path, mode="w", zarr_format=3)
    step = json.loads(json.dumps(template))  # the template job's "attributions" step
    arrays = step["arrays"]
    cols = {a: root.create_array(f"attributions/{a}", shape=(n,), dtype=d["dtype"],
                                 chunks=(SHARD,))
            for a, d in arrays.items() if d["row"] and d["shape"] == []}
    big = {}
    for a, d in arrays.items():
        if d["row"] and d["shape"]:
            d["dtype"] = "<f2"
            big[a] = root.create_array(f"attributions/{a}", shape=(n, *d["shape"]), dtype="<f2",
                                       chunks=(IMAGE_CHUNK, *d["shape"]), fill_value=0)
        elif not d["row"]:
            root.create_array(f"attributions/{a}", shape=tuple(d["shape"]), dtype=d["dtype"])
    emb = root.create_array("embed/pca", shape=(n, 2), dtype="float32", chunks=(SHARD, 2))
    angle = 2 * np.pi * np.arange(K) / K
    centres = np.stack([np.cos(angle), np.sin(angle)], 1) * 8
    for a in range(0, n, SHARD * 16):
        b = min(n, a + SHARD * 16)
        y = rng.integers(0, K, size=b - a)
        pred = np.where(rng.random(b - a) < 0.1, (y + 1) % K, y)
        prob = rng.uniform(0.3, 1.0, size=b - a).astype(np.float32)
        xy = (centres[y] + rng.normal(size=(b - a, 2)) * 1.5).astype(np.float32)
        emb[a:b] = xy
        for name, v in (("y_true", y), ("target", pred), ("y_pred", pred), ("prob", prob)):
            if name in cols:
                cols[name][a:b] = v
    if images:
        for arr in big.values():
            for a in range(0, n, IMAGE_CHUNK * 64):
                b = min(n, a + IMAGE_CHUNK * 64)
                arr[a:b] = rng.standard_normal((b - a, *arr.shape[1:]), dtype=np.float32)
    meta = step["metadata"]
    meta["n_samples"] = n
    root.attrs.update({"schema": st.SCHEMA, "n": n, "shard_size": SHARD,
                       "steps": {"attributions": step}})


def template_step(tmp: Path) -> dict[str, Any]:
    """The "attributions" step description of a real 16-sample job (one method, no metric)."""
    import torch
    import zarr

    import xaiwidgets as xw
    from xaiwidgets.examples import MnistCNN

    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 1, 28, 28)).astype(np.float32)
    xw.explain_dataset(MnistCNN().eval(), x, tmp / "template.zarr", y=rng.integers(0, K, 16),
                       methods=["saliency"], metrics=[], shard_size=16, client="serial",
                       progress=False)
    return dict(zarr.open_group(tmp / "template.zarr", mode="r").attrs["steps"]["attributions"])


class Kernel:
    """Times the widget's fetch handler (the kernel's share of every request)."""

    def __init__(self, view: Any) -> None:
        self.seconds: dict[str, float] = {"columns": 0.0, "sample": 0.0}
        self.count: dict[str, int] = {"columns": 0, "sample": 0}
        handler = view._on_custom

        def timed(widget: Any, content: dict[str, Any], buffers: list[Any]) -> None:
            start = time.perf_counter()
            handler(widget, content, buffers)
            what = content.get("what", "")
            self.seconds[what] = self.seconds.get(what, 0.0) + time.perf_counter() - start
            self.count[what] = self.count.get(what, 0) + 1

        view._on_custom = timed


def _stats(v: list[float]) -> tuple[float, float]:
    a = np.asarray(v, dtype=float)
    return float(np.median(a)), float(np.percentile(a, 95))


def measure(browser: Any, run: Any, n: int, tmp: Path, hover: bool) -> dict[str, Any]:
    from browser.test_overview import _open_live

    from xaiwidgets.widgets.overview import DatasetOverview

    out: dict[str, Any] = {"n": n}
    start = time.perf_counter()
    view = DatasetOverview(run, color="y_true")
    out["construct_s"] = time.perf_counter() - start
    out["state_bytes"] = len(json.dumps(view.export_state()).encode("utf-8"))
    kernel = Kernel(view)
    page = browser.new_page()
    try:
        page.add_init_script(_PROBE)
        console = _open_live(page, view, tmp)
        page.wait_for_function("n => window.__t.lastN === n", arg=n, timeout=150_000)
        t = page.evaluate("() => window.__t")
        out.update(mount_ms=t["mount"], first_ms=t["first"], first_n=t["firstN"],
                   all_ms=t["last"], draws=t["draws"], columns_kernel_s=kernel.seconds["columns"],
                   blocks=kernel.count["columns"])
        page.wait_for_timeout(300)
        idle = page.evaluate(_FRAMES_JS, [FRAMES, False])
        moving = page.evaluate(_FRAMES_JS, [FRAMES, True])
        out["frames_moved"] = moving[2]
        out["idle_ms"], out["move_ms"] = _stats(idle[0]), _stats(moving[0])
        out["idle_work_ms"], out["move_work_ms"] = _stats(idle[1]), _stats(moving[1])
        out["move_work_raw"] = list(moving[1])
        if hover:
            out.update(_hover(page, n))
        if console.errors:
            raise RuntimeError(f"the page logged errors: {console.format()}")
    finally:
        page.close()
    out["sample_kernel_ms"] = (1e3 * kernel.seconds["sample"] / kernel.count["sample"]
                               if kernel.count["sample"] else float("nan"))
    return out


def _hover(page: Any, n: int) -> dict[str, Any]:
    """Hover-to-panel and select-to-panel times (ms), over a few distinct samples each."""
    page.evaluate("() => document.querySelector('.xai-ov-plot').blur()")
    box = page.locator("canvas.xai-ov-canvas").bounding_box()
    hover_ms: list[float] = []
    seen: set[int] = set()
    rng = np.random.default_rng(1)
    for _ in range(80):
        if len(hover_ms) >= HOVERS:
            break
        fx, fy = rng.uniform(0.2, 0.8, size=2)
        before = page.evaluate("() => window.__t.hovers.length")
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        page.wait_for_timeout(60)
        hovers = page.evaluate("() => window.__t.hovers")[before:]
        if not hovers or hovers[-1][0] in seen:
            continue
        i, moved, _ = hovers[-1]
        seen.add(i)
        page.wait_for_function("i => window.__t.samples.some((s) => s[0] === i)", arg=i,
                               timeout=10_000)
        shown = [s[1] for s in page.evaluate("() => window.__t.samples") if s[0] == i]
        hover_ms.append(shown[-1] - moved)
    select_ms: list[float] = []
    for i in np.random.default_rng(2).choice(n, HOVERS, replace=False).tolist():
        if i in seen:
            continue
        t0 = page.evaluate("""i => { const s = document.querySelector('.xai-ov-search');
          s.value = String(i); const t = performance.now();
          s.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
          return t; }""", i)
        page.wait_for_function("i => window.__t.samples.some((s) => s[0] === i)", arg=i,
                               timeout=10_000)
        shown = [s[1] for s in page.evaluate("() => window.__t.samples") if s[0] == i]
        select_ms.append(shown[-1] - t0)
    return {"hover_ms": _stats(hover_ms) if hover_ms else (float("nan"),) * 2,
            "hovers": len(hover_ms), "select_ms": _stats(select_ms)}


def launch(pw: Any, home: Path) -> Any:
    from browser.jupyter import CHROMIUM, CHROMIUM_ARGS

    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_CACHE_HOME": str(home / ".cache")}
    return pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, env=env)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true",
                        help=f"{SMOKE_N:,} samples only (a check, not a measurement)")
    opts = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    import xaiwidgets as xw

    sizes = [SMOKE_N] if opts.smoke else [100_000, 1_000_000]
    print(f"# DatasetOverview bench: {os.cpu_count()} cores, load "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; Chromium headless, software WebGL")
    tmp = Path(tempfile.mkdtemp(prefix="xai-ovbench-"))
    results = []
    try:
        template = template_step(tmp)
        with sync_playwright() as pw:
            browser = launch(pw, tmp / "home")
            try:
                for n in sizes:
                    start = time.perf_counter()
                    path = tmp / f"run{n}.zarr"
                    hover = n == sizes[0]
                    write_run(path, n, template, images=hover)
                    print(f"# wrote a synthetic run of {n:,} samples in "
                          f"{time.perf_counter() - start:.1f} s")
                    r = measure(browser, xw.open_run(path), n, tmp, hover)
                    results.append(r)
                    shutil.rmtree(path, ignore_errors=True)
            finally:
                browser.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report(results)
    return results


def report(results: list[dict[str, Any]]) -> None:
    rows: list[tuple[str, str, str, str]] = []
    for r in results:
        n = f"{r['n']:,}"
        rows.append((f"first points ({r['first_n']:,} of {n})", f"{r['first_ms']:.0f} ms", "-",
                     f"view mounted at {r['mount_ms']:.0f} ms"))
        rows.append((f"all points ({n}, {r['blocks']} blocks)", f"{r['all_ms']:.0f} ms", "-",
                     f"{r['draws']} draws; kernel's share {1e3 * r['columns_kernel_s']:.0f} ms"))
        med, p95 = r["move_work_ms"]
        rows.append((f"pan/zoom work per frame ({n})", f"{med:.1f} / {p95:.1f} ms",
                     f"<= {BUDGET_MS:.0f} ms", f"{med / BUDGET_MS:.2f}x budget (median), "
                     f"{p95 / BUDGET_MS:.2f}x (p95); "
                     f"p10 {np.percentile(r['move_work_raw'], 10):.1f} ms; "
                     f"idle {r['idle_work_ms'][0]:.1f} ms"))
        med, p95 = r["move_ms"]
        rows.append((f"pan/zoom frame interval ({n})", f"{med:.1f} / {p95:.1f} ms", "-",
                     f"idle {r['idle_ms'][0]:.1f} / {r['idle_ms'][1]:.1f} ms; "
                     f"{'redrawn' if r['frames_moved'] else 'NOT REDRAWN'}"))
        if "hover_ms" in r:
            med, p95 = r["hover_ms"]
            rows.append((f"hover -> linked view ({r['hovers']})", f"{med:.0f} / {p95:.0f} ms",
                         f"<= {HOVER_GOAL_MS:.0f} ms", f"{med / HOVER_GOAL_MS:.2f}x goal; "
                         f"kernel {r['sample_kernel_ms']:.0f} ms per sample"))
            med, p95 = r["select_ms"]
            rows.append(("select by index -> linked view", f"{med:.0f} / {p95:.0f} ms",
                         f"<= {HOVER_GOAL_MS:.0f} ms", f"{med / HOVER_GOAL_MS:.2f}x goal; "
                         f"kernel {r['sample_kernel_ms']:.0f} ms per sample"))
        rows.append((f"initial state ({n})", f"{r['state_bytes'] / 1e3:.1f} KB",
                     f"< {STATE_GOAL / 1e3:.0f} KB", f"{r['state_bytes'] / STATE_GOAL:.2f}x goal; "
                     f"widget built in {r['construct_s']:.1f} s"))
    widths = [max(len(row[k]) for row in rows) for k in range(3)]
    print("(times: median / p95; points: ms from the page's navigation start)")
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row[:3], widths, strict=True)) + "  " + row[3])


if __name__ == "__main__":
    main()
