"""DatasetOverview in a real browser (Debian Chromium, software WebGL).

The live view runs its bundle against a page-side model whose ``send`` is answered by the
widget's own Python ``_on_custom`` (through Playwright's ``expose_function``) and whose
``save_changes`` writes ``_selection`` back into the Python widget, so the kernel side is the
real one and every kernel message is counted. The exported page and a browser without WebGL show
the kernel's density picture.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from helpers import RunLike
from PIL import Image

from xaiwidgets.widgets._base import static_bundle
from xaiwidgets.widgets.overview import DatasetOverview

from .jupyter import canvas_stats, console_log, open_html_file, screenshot, wait_for_widgets

zarr = pytest.importorskip("zarr")

pytestmark = pytest.mark.browser

N, S, K = 3000, 500, 5
WIDTH = {"width": 800, "height": 760}




@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """K classes in K clusters of a 2-D embedding (class 0 in the middle, the others around
    it); the model is wrong on a tenth."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, K, size=N)
    angle = 2 * np.pi * y / (K - 1)
    xy = (np.stack([np.cos(angle), np.sin(angle)], 1) * 6 * (y > 0)[:, None]
          + rng.normal(size=(N, 2)))
    pred = np.where(rng.random(N) < 0.1, (y + 1) % K, y)
    prob = rng.uniform(0.3, 1.0, size=N).astype(np.float32)
    root = zarr.open_group(tmp_path_factory.mktemp("ov") / "run.zarr", mode="w", zarr_format=3)
    rows = ["y_true", "y_pred", "prob"]
    arrays = {"y_true": ("<i8", y), "y_pred": ("<i8", pred), "prob": ("<f4", prob)}
    for a, (dt, v) in arrays.items():
        root.create_array(f"attributions/{a}", shape=(N,), dtype=dt, chunks=(S,))[...] = v
    root.create_array("embed/pca", shape=(N, 2), dtype="float32", chunks=(S, 2))[...] = xy
    meta = {"format": "xaiwidgets-result", "version": 1, "type": "AttributionResult",
            "rows": rows, "n_samples": N,
            "fields": {"class_names": {"json": ["ant", "bee", "cat", "dog", "eel"]}}}
    root.attrs.update({"schema": "xaiwidgets-run/1", "n": N, "shard_size": S, "steps": {
        "attributions": {"config": {}, "metadata": meta, "arrays": {
            a: {"row": True, "dtype": dt, "shape": []} for a, (dt, _) in arrays.items()}}}})
    return RunLike(root), xy, y


_HARNESS = """<!doctype html>
<html><head><meta charset="utf-8"><title>overview</title>
<style>body{{margin:0;}} @media (prefers-color-scheme: dark){{body{{background:#0d1117}}}}</style>
</head><body><div id="root"></div>
<script type="module">
const esm = {esm};
const payload = {payload};
const b64 = (s) => {{ const bin = atob(s); const u = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i); return u; }};
const state = payload.state;
payload.buffer_paths.forEach((path, k) => {{
  let o = state; for (const p of path.slice(0, -1)) o = o[p];
  o[path[path.length - 1]] = new DataView(b64(payload.buffers[k]).buffer); }});
const listeners = new Map();
const emit = (ev, ...args) => (listeners.get(ev) || []).forEach((cb) => cb(...args));
window.__sent = [];
window.__syncs = 0;
const model = {{
  get: (k) => state[k],
  set(k, v) {{ state[k] = v; emit(`change:${{k}}`, v); }},
  on(ev, cb) {{ for (const e of ev.split(/\\s+/)) {{ if (!listeners.has(e)) listeners.set(e, []);
    listeners.get(e).push(cb); }} }},
  off(ev, cb) {{ if (!ev) return listeners.clear();
    listeners.set(ev, (listeners.get(ev) || []).filter((c) => cb && c !== cb)); }},
  save_changes() {{
    const v = state._selection;
    const u = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    let s = ""; for (const b of u) s += String.fromCharCode(b);
    window.xaiSync(btoa(s)).then(() => {{ window.__syncs++; }});
  }},
  send(content) {{
    window.__sent.push(content);
    window.xaiKernel(content).then((r) => emit("msg:custom", r.content,
      r.buffers.map((b) => new DataView(b64(b).buffer))));
  }},
}};
window.__model = model;
const url = URL.createObjectURL(new Blob([esm], {{ type: "text/javascript" }}));
const mod = await import(url);
mod.default.render({{ model, el: document.getElementById("root") }});
</script></body></html>
"""


def _open_live(page, view, tmp_path, scheme="light", no_webgl=False):
    """The view's bundle on a page whose kernel is ``view`` itself."""
    def kernel(content):
        out = []
        view.send = lambda c, buffers=None: out.append((c, buffers or []))
        view._on_custom(view, content, [])
        reply, buffers = out[0]
        return {"content": reply,
                "buffers": [base64.b64encode(bytes(b)).decode("ascii") for b in buffers]}

    def sync(b64):
        view._selection = base64.b64decode(b64)

    page.expose_function("xaiKernel", kernel)
    page.expose_function("xaiSync", sync)
    if no_webgl:
        page.add_init_script("""{ const get = HTMLCanvasElement.prototype.getContext;
          HTMLCanvasElement.prototype.getContext = function (kind, ...a) {
            return /webgl/.test(kind) ? null : get.call(this, kind, ...a); }; }""")
    page.set_viewport_size(WIDTH)
    page.emulate_media(color_scheme=scheme)
    state = view.export_state()
    html = _HARNESS.format(esm=json.dumps(static_bundle("overview.js").read_text("utf-8")),
                           payload=json.dumps(state).replace("<", "\\u003c"))
    path = tmp_path / "overview.html"
    path.write_text(html, encoding="utf-8")
    console = console_log(page)
    page.goto(path.as_uri(), wait_until="load")
    wait_for_widgets(page)
    return console


def _wait_points(page, n=N):
    page.wait_for_function("n => document.querySelector('.xai-root')?.dataset.xaiPoints == n",
                           arg=str(n), timeout=60_000)


def _sent(page) -> list[dict]:
    return page.evaluate("() => window.__sent")


def _pixels(page) -> str:
    return page.evaluate("""() => { const c = document.querySelector('canvas.xai-ov-canvas');
      const copy = document.createElement('canvas'); copy.width = c.width; copy.height = c.height;
      copy.getContext('2d').drawImage(c, 0, 0); return copy.toDataURL(); }""")


def test_points_stream_in_blocks_and_are_drawn(page, run, tmp_path):
    view = DatasetOverview(run[0], color="y_true")
    console = _open_live(page, view, tmp_path)
    _wait_points(page)
    sent = _sent(page)
    assert all(m["type"] == "xai-fetch" and m["what"] == "columns" for m in sent)
    starts = sorted(m["args"]["start"] for m in sent)
    assert starts == list(range(0, N, view.block_rows))  # one request per block, in shards
    stats = canvas_stats(page, "canvas.xai-ov-canvas")[0]
    assert stats["painted"] > 2000 and stats["distinct_colors"] > K
    # the five class colours of the legend are on the canvas
    legend = page.locator(".xai-ov-legend-item").all_inner_texts()
    assert [t.strip() for t in legend] == ["ant", "bee", "cat", "dog", "eel"]
    info = page.locator(".xai-ov-info").inner_text()
    assert f"shown {N:,}" in info.replace(" shown of ", " shown ") or f"{N:,} shown" in info
    assert not console.errors, console.format()


def test_a_lasso_drawn_with_the_mouse_sets_the_python_selection(page, run, tmp_path):
    r, _, y = run
    view = DatasetOverview(r, color="y_true")
    console = _open_live(page, view, tmp_path)
    _wait_points(page)
    page.locator(".xai-ov-mode").click()
    box = page.locator("canvas.xai-ov-canvas").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    rad = min(box["width"], box["height"]) * 0.18
    page.mouse.move(cx + rad, cy)
    page.mouse.down()
    # the lasso closes itself: ending where it began would be a click on the first point
    for t in np.linspace(0, 1.85 * np.pi, 40):
        page.mouse.move(cx + rad * np.cos(t), cy + rad * np.sin(t), steps=2)
    page.mouse.up()
    page.wait_for_function("() => window.__syncs > 0", timeout=20_000)
    sel = np.asarray(view.selected)
    # the lasso circles the middle cluster: most of class 0, nearly nothing else
    assert (y[sel] == 0).mean() > 0.9 and (y[sel] == 0).sum() > 0.3 * (y == 0).sum(), len(sel)
    assert f"{len(sel):,} selected" in page.locator(".xai-ov-info").inner_text()
    # Python selects: the view follows
    view.selected = [1, 2, 3]
    page.evaluate("b => window.__model.set('_selection', new DataView(Uint8Array.from(atob(b), "
                  "(c) => c.charCodeAt(0)).buffer))",
                  base64.b64encode(view._selection).decode("ascii"))  # the kernel's update
    assert "3 selected" in page.locator(".xai-ov-info").inner_text()
    assert not console.errors, console.format()


def test_colouring_filtering_search_and_tooltip_need_no_kernel_message(page, run, tmp_path):
    view = DatasetOverview(run[0], color="correct")
    console = _open_live(page, view, tmp_path)
    _wait_points(page)
    before_msgs = len(_sent(page))
    base = _pixels(page)
    legend_is = ("t => document.querySelector('.xai-ov-legend-title')?.textContent === t")
    page.select_option("select.xai-ov-color", "y_pred")  # loaded for the tooltip already
    page.wait_for_function(legend_is, arg="y_pred")
    assert _pixels(page) != base
    page.select_option("select.xai-ov-color", "correct")
    page.wait_for_function(legend_is, arg="correct")
    recoloured = _pixels(page)
    assert recoloured == base
    items = page.locator(".xai-ov-legend-item")
    assert items.all_inner_texts() == ["wrong", "correct"]
    pressed = ("v => document.querySelectorAll('.xai-ov-legend-item')[1]"
               "?.getAttribute('aria-pressed') === v")
    items.nth(1).click()  # hide the correct ones: only the wrong tenth is left
    page.wait_for_function(pressed, arg="false")
    info = page.locator(".xai-ov-info").inner_text()
    shown = int(info.split(" shown")[0].split("·")[-1].strip().replace(",", ""))
    wrong = int((np.asarray(run[0]._root["attributions/y_true"][...])
                 != np.asarray(run[0]._root["attributions/y_pred"][...])).sum())
    assert shown == wrong and 0 < wrong < N / 5
    assert _pixels(page) != recoloured
    hidden = int(np.flatnonzero(np.asarray(run[0]._root["attributions/y_true"][...])
                                == np.asarray(run[0]._root["attributions/y_pred"][...]))[0])
    page.locator(".xai-ov-search").fill(str(hidden))
    page.locator(".xai-ov-search").press("Enter")
    assert f"sample {hidden} is hidden by the filters" in page.locator(".xai-status").inner_text()
    items.nth(1).focus()
    page.keyboard.press("Enter")  # every sample again, from the keyboard
    page.wait_for_function(pressed, arg="true")
    assert page.evaluate("() => document.activeElement.textContent") == "correct"
    page.locator(".xai-ov-search").fill("17")
    page.locator(".xai-ov-search").press("Enter")
    tip = page.locator(".xai-root .xai-tooltip")
    text = tip.inner_text()
    names = ["ant", "bee", "cat", "dog", "eel"]
    y = int(run[2][17])
    assert "sample 17" in text and f"label {names[y]}" in text, text
    assert len(_sent(page)) == before_msgs  # nothing asked of the kernel
    for _ in range(100):  # the selection reaches Python after the view's debounce
        if view.selected == [17]:
            break
        page.wait_for_timeout(50)
    assert view.selected == [17]
    # by name: a bare category name, then column:name (y_true and y_pred are loaded already)
    y_true = np.asarray(run[0]._root["attributions/y_true"][...])
    y_pred = np.asarray(run[0]._root["attributions/y_pred"][...])
    for query, rows in (("wrong", np.flatnonzero(y_true != y_pred)),
                        ("label:cat", np.flatnonzero(y_true == 2))):
        page.locator(".xai-ov-search").fill(query)
        page.locator(".xai-ov-search").press("Enter")
        for _ in range(100):
            if view.selected == rows.tolist():
                break
            page.wait_for_timeout(50)
        assert view.selected == rows.tolist(), query
    page.locator(".xai-ov-search").fill("cat")  # a name of two columns: which one?
    page.locator(".xai-ov-search").press("Enter")
    assert "type y_true:cat or y_pred:cat" in page.locator(".xai-status").inner_text()
    assert len(_sent(page)) == before_msgs  # still nothing asked of the kernel
    assert not console.errors, console.format()


def test_hovering_a_point_shows_its_tooltip_at_the_cursor(page, run, tmp_path):
    view = DatasetOverview(run[0], color="y_true")
    _open_live(page, view, tmp_path)
    _wait_points(page)
    box = page.locator("canvas.xai-ov-canvas").bounding_box()
    tip = page.locator(".xai-root .xai-tooltip")
    found = None
    for fy in np.linspace(0.3, 0.7, 9):
        for fx in np.linspace(0.3, 0.7, 9):
            x, y = box["x"] + box["width"] * fx, box["y"] + box["height"] * fy
            page.mouse.move(x, y)
            page.wait_for_timeout(30)
            if tip.is_visible():
                found = (x, y)
                break
        if found:
            break
    assert found, "no point under the cursor anywhere near the centre"
    page.mouse.move(found[0] + 1, found[1])
    tbox = tip.bounding_box()
    assert 0 < tbox["x"] - found[0] < 40 and 0 < tbox["y"] - found[1] < 40
    i = int(page.evaluate("() => document.querySelector('.xai-root').dataset.xaiHover"))
    assert f"sample {i}" in tip.inner_text()


def test_keys_inside_the_view_never_reach_the_page_and_tab_reaches_the_controls(page, run,
                                                                                 tmp_path):
    view = DatasetOverview(run[0])
    _open_live(page, view, tmp_path)
    _wait_points(page)
    page.evaluate("() => { window.__keys = 0; document.addEventListener('keydown', "
                  "() => window.__keys++); }")
    page.locator(".xai-ov-plot").focus()
    before = _pixels(page)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("+")
    page.wait_for_timeout(100)
    assert _pixels(page) != before  # panned and zoomed with keys
    assert page.evaluate("() => window.__keys") == 0
    page.locator(".xai-ov-color").focus()
    seen = []
    for _ in range(10):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("() => document.activeElement.className"))
    for cls in ("xai-ov-size", "xai-ov-filter", "xai-ov-mode", "xai-ov-search", "xai-ov-clear"):
        assert any(cls in s for s in seen), (cls, seen)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_light_and_dark(page, run, tmp_path, scheme):
    view = DatasetOverview(run[0], color="y_true", size="confidence")
    console = _open_live(page, view, tmp_path, scheme)
    _wait_points(page)
    root = page.locator(".xai-root").first
    shot = screenshot(root, f"overview-{scheme}")
    img = np.asarray(Image.open(shot).convert("RGB"))
    assert img.shape[1] <= 800 and len(np.unique(img.reshape(-1, 3), axis=0)) > 50
    corner = img[5, 5].astype(int)
    assert (corner.mean() < 60) if scheme == "dark" else (corner.mean() > 200), corner
    assert not console.errors, console.format()


def test_without_webgl_the_density_picture_is_shown(page, run, tmp_path):
    view = DatasetOverview(run[0])
    _open_live(page, view, tmp_path, no_webgl=True)
    img = page.locator("img.xai-ov-density-img")
    assert img.is_visible() and img.get_attribute("src") == view.density["uri"]
    assert "WebGL is not available" in page.locator(".xai-ov-plot").inner_text()
    assert _sent(page) == []  # no column is fetched for a picture computed in the kernel


def test_the_exported_page_shows_the_density_picture(page, run, tmp_path):
    view = DatasetOverview(run[0])
    path = tmp_path / "exported.html"
    view.to_html(path)
    page.set_viewport_size(WIDTH)
    console = open_html_file(page, path)
    wait_for_widgets(page)
    img = page.locator("img.xai-ov-density-img")
    assert img.is_visible() and img.get_attribute("src") == view.density["uri"]
    assert "offline page" in page.locator(".xai-ov-plot").inner_text()
    shot = np.asarray(Image.open(screenshot(page.locator(".xai-ov-plot"),
                                            "overview-offline")).convert("RGB"))
    assert len(np.unique(shot.reshape(-1, 3), axis=0)) > 20  # the density's colours
    assert not console.errors, console.format()


@pytest.fixture(scope="module")
def image_run(tmp_path_factory):
    """A real run of a small CNN with saliency, and a test-written embedding."""
    import torch

    import xaiwidgets as xw
    from xaiwidgets.examples import MnistCNN

    torch.manual_seed(0)
    model = MnistCNN().eval()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 1, 28, 28)).astype(np.float32)
    path = tmp_path_factory.mktemp("img") / "run.zarr"
    report = xw.explain_dataset(model, x, path, y=rng.integers(0, 10, 64),
                                methods=["saliency", "gradient_shap"], metrics=[],
                                shard_size=16, client="serial", progress=False)
    assert report.complete
    root = zarr.open_group(path, mode="r+")
    root.create_array("embed/pca", shape=(64, 2), dtype="float32", chunks=(16, 2))[...] = (
        rng.normal(size=(64, 2)).astype(np.float32))
    return xw.open_run(path)


def test_clicking_a_point_shows_its_attributions_read_from_the_store(page, image_run, tmp_path):
    view = DatasetOverview(image_run)
    assert view.methods == ["Saliency", "GradientSHAP"]
    console = _open_live(page, view, tmp_path)
    _wait_points(page, 64)
    page.locator(".xai-ov-search").fill("9")
    page.locator(".xai-ov-search").press("Enter")
    page.wait_for_function("() => document.querySelector('.xai-root').dataset.xaiSample === '9'")
    sample_msgs = [m for m in _sent(page) if m["what"] == "sample"]
    assert [m["args"] for m in sample_msgs] == [{"index": 9}]  # one sample, one message
    heats = canvas_stats(page, "canvas.xai-ov-heat")
    assert len(heats) == 2 and all(s["width"] == 28 and s["distinct_colors"] > 20 for s in heats)
    caps = page.locator(".xai-ov-fig figcaption").all_inner_texts()
    assert caps[0] == "sample 9" and caps[1].startswith("Saliency (")
    # the pixels are the stored attributions, quantised as every view sends them
    a = np.asarray(image_run.attributions.attributions["Saliency"][9]).sum(0)
    code = page.evaluate("""() => { const c = document.querySelector('canvas.xai-ov-heat');
      const g = document.createElement('canvas'); g.width = c.width; g.height = c.height;
      const x = g.getContext('2d'); x.drawImage(c, 0, 0);
      return Array.from(x.getImageData(0, 0, c.width, c.height).data); }""")
    px = np.asarray(code, dtype=np.uint8).reshape(28, 28, 4)
    hot = np.unravel_index(np.argmax(np.abs(a)), a.shape)
    cold = np.unravel_index(np.argmin(np.abs(a)), a.shape)
    assert abs(int(px[hot][0]) - int(px[hot][2])) > abs(int(px[cold][0]) - int(px[cold][2]))
    # a second click on it is served from the browser's copy
    page.locator(".xai-ov-clear").click()
    page.locator(".xai-ov-search").press("Enter")
    assert len([m for m in _sent(page) if m["what"] == "sample"]) == 1
    shot = screenshot(page.locator(".xai-root"), "overview-sample")
    assert shot.exists()
    assert not console.errors, console.format()


LAB = '''
import json, pathlib
import numpy as np, torch, zarr
import xaiwidgets as xw
from xaiwidgets.examples import MnistCNN
torch.manual_seed(0)
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 1, 28, 28)).astype(np.float32)
xw.explain_dataset(MnistCNN().eval(), x, "ov_lab.zarr", y=rng.integers(0, 10, 64),
                   methods=["saliency"], metrics=[], shard_size=16, client="serial",
                   progress=False, overwrite=True)
zarr.open_group("ov_lab.zarr", mode="r+").create_array(
    "embed/pca", shape=(64, 2), dtype="float32", chunks=(16, 2))[...] = rng.normal(size=(64, 2))
view = xw.DatasetOverview(xw.open_run("ov_lab.zarr"))
view.observe(lambda ch: pathlib.Path("ov_selected.json").write_text(json.dumps(ch["new"])),
             "selected")
view
'''


@pytest.mark.slow
def test_lab_streams_points_and_the_lasso_reaches_the_kernel(page, jupyter_server):
    import nbformat

    from .jupyter import REPO_ROOT, open_and_run_notebook

    # the kernel imports this checkout (the venv's editable install may point at another one)
    src = f"import sys\nsys.path.insert(0, {str(REPO_ROOT)!r})\n" + LAB
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nbformat.write(nb, jupyter_server.root_dir / "overview_lab.ipynb")
    sel_file = jupyter_server.root_dir / "ov_selected.json"
    sel_file.unlink(missing_ok=True)
    run = open_and_run_notebook(page, jupyter_server, "overview_lab.ipynb", ui="lab",
                                timeout=240)
    assert not run.cell_errors
    wait_for_widgets(page, timeout=60)
    _wait_points(page, 64)
    stats = canvas_stats(page, "canvas.xai-ov-canvas")[0]
    assert stats["painted"] > 100
    page.locator(".xai-ov-mode").click()
    box = page.locator("canvas.xai-ov-canvas").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    rad = min(box["width"], box["height"]) * 0.4
    page.mouse.move(cx + rad, cy)
    page.mouse.down()
    for t in np.linspace(0, 1.85 * np.pi, 40):
        page.mouse.move(cx + rad * np.cos(t), cy + rad * np.sin(t), steps=2)
    page.mouse.up()
    info = page.locator(".xai-ov-info")
    page.wait_for_function("() => !document.querySelector('.xai-ov-info').innerText"
                           ".startsWith('0 selected')")
    n_sel = int(info.inner_text().split(" selected")[0].replace(",", ""))
    for _ in range(200):  # the debounced selection, through the real comm
        if sel_file.exists() and len(json.loads(sel_file.read_text() or "[]")) == n_sel:
            break
        page.wait_for_timeout(50)
    selected = json.loads(sel_file.read_text())
    assert 0 < len(selected) == n_sel and selected == sorted(selected)
    screenshot(page.locator(".xai-root"), "overview-lab")
    assert not run.console_errors, run.console.format()


def test_hovering_fetches_at_once_one_sample_in_flight_and_the_latest_wins(page, image_run,
                                                                          tmp_path):
    view = DatasetOverview(image_run)
    console = _open_live(page, view, tmp_path)
    _wait_points(page, 64)
    # hold every "sample" reply of the kernel until the test releases it
    page.evaluate("""() => { const real = window.xaiKernel; window.__held = [];
      window.xaiKernel = (c) => c.what !== 'sample' ? real(c)
        : new Promise((done) => window.__held.push(() => real(c).then(done))); }""")
    probe = """() => [!document.querySelector('.xai-root .xai-tooltip').hidden,
      document.querySelector('.xai-root').dataset.xaiHover]"""
    box = page.locator("canvas.xai-ov-canvas").bounding_box()
    where: dict[int, tuple[float, float]] = {}
    first = None
    for fy in np.linspace(0.1, 0.9, 15):
        for fx in np.linspace(0.1, 0.9, 15):
            x, y = box["x"] + box["width"] * fx, box["y"] + box["height"] * fy
            page.mouse.move(x, y)
            over, i = page.evaluate(probe)
            if over and int(i) not in where:
                where[int(i)] = (x, y)
                if first is None:  # the first point hovered is asked for at once, no delay
                    first = int(i)
                    assert [m["args"] for m in _sent(page) if m["what"] == "sample"] == [
                        {"index": first}]
        if len(where) >= 3:
            break
    assert first is not None and len(where) >= 3, where
    # the cursor crossed other points while the first read was held: no request for them
    assert [m["args"] for m in _sent(page) if m["what"] == "sample"] == [{"index": first}]
    a, b = [i for i in where if i != first][:2]
    page.mouse.move(*where[a])
    page.mouse.move(*where[b])  # the point the cursor rests on
    page.evaluate("() => window.__held.shift()()")  # the first reply arrives: stale, not drawn
    page.wait_for_function("() => window.__sent.filter((m) => m.what === 'sample').length === 2")
    assert [m["args"]["index"] for m in _sent(page) if m["what"] == "sample"] == [first, b]
    assert page.evaluate("() => document.querySelector('.xai-root').dataset.xaiSample") is None
    page.evaluate("() => window.__held.shift()()")
    page.wait_for_function(f"() => document.querySelector('.xai-root').dataset.xaiSample === '{b}'")
    assert page.locator(".xai-ov-fig figcaption").first.inner_text() == f"sample {b}"
    # back to the first point: its (stale) reply was kept, so it shows without a message
    page.mouse.move(*where[first])
    page.wait_for_function(
        f"() => document.querySelector('.xai-root').dataset.xaiSample === '{first}'")
    assert len([m for m in _sent(page) if m["what"] == "sample"]) == 2
    assert not console.errors, console.format()


def test_a_numeric_range_filter_keeps_the_samples_in_range(page, run, tmp_path):
    view = DatasetOverview(run[0], color="y_true")
    console = _open_live(page, view, tmp_path)
    _wait_points(page)
    page.select_option("select.xai-ov-filter", "confidence")  # streams the column once
    lo = page.locator("input.xai-ov-lo")
    lo.wait_for()
    lo.fill("0.9")
    lo.dispatch_event("change")
    prob = np.asarray(run[0]._root["attributions/prob"][...])
    want = int(((prob >= np.float32(0.9)) & (prob <= prob.max())).sum())
    page.wait_for_function("t => document.querySelector('.xai-ov-info').innerText.includes(t)",
                           arg=f"{want:,} shown of")
    assert 0 < want < N / 2
    asked = [m["args"]["names"] for m in _sent(page)]
    assert asked.count(["confidence"]) == len(range(0, N, view.block_rows))
    assert not console.errors, console.format()


def test_above_max_points_the_density_picture_is_shown(page, run, tmp_path):
    view = DatasetOverview(run[0], max_points=1000)
    _open_live(page, view, tmp_path)
    assert page.locator("img.xai-ov-density-img").is_visible()
    assert "more than the 1,000 drawn as points" in page.locator(".xai-ov-plot").inner_text()
    assert _sent(page) == []


def test_describe_the_misclassified_then_a_rule_selects_its_samples(page, image_run, tmp_path):
    view = DatasetOverview(image_run)
    want = view.describe("misclassified")
    assert want.rules
    console = _open_live(page, view, tmp_path)
    _wait_points(page, 64)
    page.locator(".xai-ov-describe-wrong").click()
    page.wait_for_function("() => document.querySelector('.xai-root').dataset.xaiDescribed")
    head = page.locator(".xai-ov-dhead").inner_text()
    assert head == f"the misclassified: {want.n_group} samples vs {want.n_rest} (the rest)"
    rules = page.locator(".xai-ov-rule")
    assert rules.count() == len(want.rules)
    assert rules.nth(0).locator(".xai-ov-rule-text").inner_text() == want.rules[0].text
    nums = rules.nth(0).locator(".xai-ov-rule-nums").inner_text()
    assert f"covers {want.rules[0].support} of the group" in nums and "p = " in nums
    assert page.locator(".xai-ov-counts caption").first.inner_text().startswith("label")
    means = canvas_stats(page, "canvas.xai-ov-mean")  # the group's mean attribution, per method
    assert len(means) == 2 and all(s["width"] == 28 and s["distinct_colors"] > 20 for s in means)
    describes = [m for m in _sent(page) if m["what"] == "describe"]
    assert [m["args"] for m in describes] == [{"rows": "misclassified"}]
    # the rules are one Tab stop; arrows move, Enter selects the covered samples, no kernel
    # message
    rules.nth(0).focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.dataset.rule") == "1"
    sent_before = len(_sent(page))
    page.keyboard.press("Enter")
    covered = len(want.rules[1].rows)
    page.wait_for_function("s => document.querySelector('.xai-ov-info').textContent"
                           ".startsWith(s)", arg=f"{covered} selected", timeout=10_000)
    assert len(_sent(page)) == sent_before
    assert [r.get_attribute("tabindex") for r in rules.all()].count("0") == 1
    # describing that selection: the kernel reads it from the binary _selection trait
    page.locator(".xai-ov-describe-btn").click()
    page.wait_for_function("() => document.querySelector('.xai-root').dataset.xaiDescribed === '2'")
    assert sorted(view.selected) == sorted(want.rules[1].rows.tolist())
    assert page.locator(".xai-ov-dhead").inner_text().startswith(
        f"the selection: {covered} samples vs {64 - covered}")
    screenshot(page.locator(".xai-root"), "overview-describe")
    assert not console.errors, console.format()
