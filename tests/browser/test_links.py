"""xw.link in a real browser (Debian Chromium, software WebGL): one page holds a DatasetOverview
and a linked concept tree, redescription table and MEME timeline, each bundle loaded as its own
ES module (they share only ``window``, as in JupyterLab). The overview's kernel is the real
Python widget (through Playwright's ``expose_function``); every view's ``send`` is counted, so a
link that needed the kernel would show. The selection is read in the same task as the click
that made it: no kernel reply could have arrived in between.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from hand_results import modules
from helpers import RunLike

import xaiwidgets as xw
from xaiwidgets.widgets._base import static_bundle
from xaiwidgets.widgets.overview import DatasetOverview

from .jupyter import console_log, wait_for_widgets

zarr = pytest.importorskip("zarr")

pytestmark = pytest.mark.browser

N, S = 400, 200
HAND = modules()
# the dataset rows the hand-made views show (a tree of 6 samples, 8 rule samples, 3 sequences)
TREE_ROWS = np.array([10, 20, 30, 40, 50, 60])
RD_ROWS = np.arange(100, 108)
TL_ROWS = np.array([7, 300, 5])




@pytest.fixture(scope="module")
def run(tmp_path_factory):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, size=N)
    xy = rng.normal(size=(N, 2)).astype(np.float32) + 4 * y[:, None]
    root = zarr.open_group(tmp_path_factory.mktemp("links") / "run.zarr", mode="w",
                           zarr_format=3)
    arrays = {"y_true": ("<i8", y), "y_pred": ("<i8", y),
              "prob": ("<f4", rng.uniform(0.3, 1.0, size=N).astype(np.float32))}
    for a, (dt, v) in arrays.items():
        root.create_array(f"attributions/{a}", shape=(N,), dtype=dt, chunks=(S,))[...] = v
    root.create_array("embed/pca", shape=(N, 2), dtype="float32", chunks=(S, 2))[...] = xy
    meta = {"format": "xaiwidgets-result", "version": 1, "type": "AttributionResult",
            "rows": list(arrays), "n_samples": N, "fields": {}}
    root.attrs.update({"schema": "xaiwidgets-run/1", "n": N, "shard_size": S, "steps": {
        "attributions": {"config": {}, "metadata": meta, "arrays": {
            a: {"row": True, "dtype": dt, "shape": []} for a, (dt, _) in arrays.items()}}}})
    return RunLike(root)


_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>links</title><style>body{{margin:0}}</style></head>
<body><div id="ov"></div><div id="tree"></div><div id="rd"></div><div id="tl"></div>
<div id="cmp"></div>
<script type="module">
const views = {views};
const b64 = (s) => {{ const bin = atob(s); const u = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i); return u; }};
window.__sent = {{}};
window.__syncs = 0;
window.__models = {{}};
for (const [name, v] of Object.entries(views)) {{
  const state = v.payload.state;
  v.payload.buffer_paths.forEach((path, k) => {{
    let o = state; for (const p of path.slice(0, -1)) o = o[p];
    o[path[path.length - 1]] = new DataView(b64(v.payload.buffers[k]).buffer); }});
  const listeners = new Map();
  const emit = (ev, ...args) => (listeners.get(ev) || []).forEach((cb) => cb(...args));
  window.__sent[name] = [];
  const model = {{
    get: (k) => state[k],
    set(k, val) {{ state[k] = val; emit(`change:${{k}}`, val); }},
    on(ev, cb) {{ for (const e of ev.split(/\\s+/)) {{ if (!listeners.has(e)) listeners.set(e, []);
      listeners.get(e).push(cb); }} }},
    off(ev, cb) {{ if (!ev) return listeners.clear();
      listeners.set(ev, (listeners.get(ev) || []).filter((c) => cb && c !== cb)); }},
    save_changes() {{
      if (name !== "ov") return;
      const s = state._selection;
      const u = new Uint8Array(s.buffer, s.byteOffset, s.byteLength);
      let t = ""; for (const b of u) t += String.fromCharCode(b);
      window.xaiSync(btoa(t)).then(() => {{ window.__syncs++; }});
    }},
    send(content) {{
      window.__sent[name].push(content);
      if (name === "ov") window.xaiKernel(content).then((r) => emit("msg:custom", r.content,
        r.buffers.map((b) => new DataView(b64(b).buffer))));
    }},
  }};
  window.__models[name] = model;
  const url = URL.createObjectURL(new Blob([v.esm], {{ type: "text/javascript" }}));
  const mod = await import(url);
  mod.default.render({{ model, el: document.getElementById(name) }});
}}
</script></body></html>
"""


def _views(run):
    ov = DatasetOverview(run, color="y_true")
    tree = HAND["tree"].VIEW(HAND["tree"].result(), **{**HAND["tree"].OPTIONS,
                                                       "n_thumbnails": 2})
    rd = HAND["redescriptions"].VIEW(HAND["redescriptions"].result(),
                                     **{**HAND["redescriptions"].OPTIONS, "n_show": 1})
    tl = HAND["timeline"].VIEW(HAND["timeline"].result(), **HAND["timeline"].OPTIONS)
    xw.link(ov, (tree, TREE_ROWS), (rd, RD_ROWS), (tl, TL_ROWS))
    return ov, tree, rd, tl


BUNDLES = {"ov": "overview.js", "tree": "tree.js", "rd": "redescriptions.js",
           "tl": "timeline.js", "cmp": "comparison.js"}


def _open(page, tmp_path, views, names=("ov", "tree", "rd", "tl")):
    ov = views[0]

    def kernel(content):
        out = []
        ov.send = lambda c, buffers=None: out.append((c, buffers or []))
        ov._on_custom(ov, content, [])
        reply, buffers = out[0]
        return {"content": reply,
                "buffers": [base64.b64encode(bytes(b)).decode("ascii") for b in buffers]}

    def sync(b64):
        ov._selection = base64.b64decode(b64)

    page.expose_function("xaiKernel", kernel)
    page.expose_function("xaiSync", sync)
    page.set_viewport_size({"width": 900, "height": 1400})
    payload = {name: {"esm": static_bundle(BUNDLES[name]).read_text("utf-8"),
                      "payload": v.export_state()}
               for name, v in zip(names, views, strict=True)}
    path = tmp_path / "links.html"
    path.write_text(_PAGE.format(views=json.dumps(payload).replace("<", "\\u003c")),
                    encoding="utf-8")
    console = console_log(page)
    page.goto(path.as_uri(), wait_until="load")
    wait_for_widgets(page, count=len(views))
    page.wait_for_function("n => document.querySelector('#ov')?.dataset.xaiPoints == n",
                           arg=str(N), timeout=60_000)
    return console


# what a click does, then the overview's count, read in the same task (no reply can land)
_CLICK_THEN_READ = """sel => { document.querySelector(sel).dispatchEvent(
  new MouseEvent('click', {bubbles: true}));
  return [document.querySelector('#ov .xai-ov-info').textContent,
          document.querySelector('#ov .xai-status').textContent,
          Object.fromEntries(Object.entries(window.__sent).map(([k, v]) => [k, v.length]))]; }"""


def _selected_in_overview(page) -> int:
    text = page.evaluate("() => document.querySelector('#ov .xai-ov-info').textContent")
    return int(text.split(" selected")[0].replace(",", ""))


def test_a_tree_node_a_rule_and_a_meme_concept_select_their_rows_in_the_overview(
        page, run, tmp_path):
    ov, tree, rd, tl = _views(run)
    console = _open(page, tmp_path, (ov, tree, rd, tl))
    fetched = page.evaluate("() => window.__sent.ov.length")  # the column blocks
    # tree node 2 (scale <= 0.7?) holds samples 1, 3, 4, 5 (their leaves are 3 and 4)
    info, status, sent = page.evaluate(_CLICK_THEN_READ, '#tree g.xai-node[data-node="2"]')
    assert info.startswith("4 selected"), info
    assert status.startswith("tree node 2 (scale <= 0.7): 4 samples selected"), status
    assert sent == {"ov": fetched, "tree": 0, "rd": 0, "tl": 0}
    page.wait_for_function("() => window.__syncs > 0")  # the selection reaches Python too
    assert ov.selected == TREE_ROWS[[1, 3, 4, 5]].tolist()

    # rule 0 (n0 > 0.41 <=> radius > 16.8) holds on samples 0, 1, 2: rows 100-102
    info, status, sent = page.evaluate(_CLICK_THEN_READ, '#rd tr[data-row="0"]')
    assert info.startswith("3 selected"), info
    assert "rule 0 (n0 ⇔ radius > 16.8)" in status
    assert sent == {"ov": fetched, "tree": 0, "rd": 0, "tl": 0}
    page.wait_for_function("() => window.__syncs > 1")
    assert ov.selected == [100, 101, 102]

    # MEME concept "uncertain" (2) is a step of sequence 1 only: row 300
    info, status, sent = page.evaluate(_CLICK_THEN_READ, '#tl [data-concept="2"]')
    assert info.startswith("1 selected"), info
    assert status.startswith("MEME concept uncertain: 1 samples selected"), status
    # "high" (1): sequences 0 and 2 -> rows 7 and 5
    info, _, sent = page.evaluate(_CLICK_THEN_READ, '#tl [data-concept="1"]')
    assert info.startswith("2 selected"), info
    assert sent == {"ov": fetched, "tree": 0, "rd": 0, "tl": 0}
    page.wait_for_function("() => window.__syncs > 2")  # one debounced message for both
    assert ov.selected == [5, 7]
    # the tree counts the linked samples reaching each node: none of rows 5, 7 are its rows
    assert page.evaluate("() => document.querySelector('#tree').dataset.xaiLinked") \
        == "0,0,0,0,0"
    assert not console.errors, console.format()


def test_an_overview_selection_reaches_the_linked_views_and_escape_clears_it(page, run,
                                                                             tmp_path):
    ov, tree, rd, tl = _views(run)
    console = _open(page, tmp_path, (ov, tree, rd, tl))
    fetched = page.evaluate("() => window.__sent.ov.length")
    # a selection of rows 30, 50, 60, 101, 300 (Python's, through the synced trait)
    rows = [30, 50, 60, 101, 300]
    ov.selected = rows
    got = page.evaluate("""b => { window.__models.ov.set('_selection',
        new DataView(Uint8Array.from(atob(b), (c) => c.charCodeAt(0)).buffer));
      const d = (id) => document.querySelector(`#${id}`).dataset.xaiLinked;
      return [d('tree'), d('tl'), document.querySelector('#rd .xai-status').textContent,
              document.querySelector('#tree .xai-node-meta').textContent]; }""",
                        base64.b64encode(ov._selection).decode("ascii"))
    tree_counts, tl_rows, rd_status, root_meta = got
    # tree samples 2, 4, 5 (rows 30, 50, 60): leaves 1, 3, 4 -> root 3, node 1: 1, node 2: 2...
    assert tree_counts == "3,1,2,1,1", tree_counts
    assert root_meta.startswith("3 sel · n=6"), root_meta
    assert tl_rows == "1"  # row 300 is sequence 1
    # the timeline's › steps through the linked sequences only: 0 -> 1, then stays
    page.locator("#tl .xai-next").click()
    assert page.locator("#tl .xai-seq-index").input_value() == "1"
    page.locator("#tl .xai-next").click()
    assert page.locator("#tl .xai-seq-index").input_value() == "1"
    assert "1 samples here; rule 0 covers most of them (1 of 1)" in rd_status
    # the user's own selection in the overview: find row 40 (tree sample 3, leaf 4)
    page.locator("#ov .xai-ov-search").fill("40")
    page.locator("#ov .xai-ov-search").press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#tree').dataset.xaiLinked === '1,0,1,0,1'")
    # ... and focuses it: the tree highlights that sample's path (view-only)
    page.wait_for_function(
        "() => document.querySelector('#tree .xai-sample').value === '3'")
    # Escape in the plot clears it everywhere
    page.locator("#ov .xai-ov-plot").focus()
    page.keyboard.press("Escape")
    page.wait_for_function(
        "() => document.querySelector('#tree').dataset.xaiLinked === undefined")
    assert page.evaluate("() => document.querySelector('#tl').dataset.xaiLinked") \
        is None
    # finding row 300 focuses it: the timeline shows sequence 1 (embedded, no message)
    page.locator("#ov .xai-ov-search").fill("300")
    page.locator("#ov .xai-ov-search").press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#tl .xai-seq-index').value === '1'")
    assert page.evaluate("() => Object.values(window.__sent).map((v) => v.length)") == \
        [fetched, 0, 0, 0]
    assert not console.errors, console.format()


# the rows of the hand-made comparison's 4 samples
CMP_ROWS = np.array([12, 340, 77, 5])


def test_an_overview_point_shows_in_the_linked_comparison_and_its_sample_is_marked(
        page, run, tmp_path):
    ov = DatasetOverview(run, color="y_true")
    cmp = HAND["comparison"].VIEW(HAND["comparison"].result(), **HAND["comparison"].OPTIONS)
    xw.link(ov, (cmp, CMP_ROWS))
    console = _open(page, tmp_path, (ov, cmp), names=("ov", "cmp"))
    fetched = page.evaluate("() => window.__sent.ov.length")
    sample = page.locator("#cmp .xai-sample")
    assert sample.input_value() == "0"
    # a click on one point (found by index: a one-point selection) -> comparison sample 1
    page.locator("#ov .xai-ov-search").fill("340")
    page.locator("#ov .xai-ov-search").press("Enter")
    page.wait_for_function("() => document.querySelector('#cmp .xai-sample').value === '1'")
    assert page.evaluate("() => document.querySelector('#ov').dataset.xaiFocus") == "340"
    # hovering a point focuses its row: the comparison shows it when it holds it, else says so
    box = page.locator("#ov canvas.xai-ov-canvas").bounding_box()
    hovered = None
    for fy in np.linspace(0.3, 0.7, 9):
        for fx in np.linspace(0.3, 0.7, 9):
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            page.wait_for_timeout(30)
            got = page.evaluate("() => document.querySelector('#ov').dataset.xaiHover")
            if got is not None:
                hovered = int(got)
                break
        if hovered is not None:
            break
    assert hovered is not None, "no point under the cursor anywhere near the centre"
    if hovered in CMP_ROWS:
        want = str(CMP_ROWS.tolist().index(hovered))
        page.wait_for_function(f"() => document.querySelector('#cmp .xai-sample').value === "
                               f"'{want}'")
    else:
        status = page.locator("#cmp .xai-status").text_content()
        assert status == (f"overview sample {hovered}: row {hovered} is not among the 4 "
                          f"samples here"), status
    # reverse: the comparison's next sample (2: row 77) is marked in the overview
    page.locator("#ov .xai-ov-search").fill("12")
    page.locator("#ov .xai-ov-search").press("Enter")
    page.wait_for_function("() => document.querySelector('#cmp .xai-sample').value === '0'")
    page.locator("#cmp .xai-next").click()
    page.locator("#cmp .xai-next").click()
    assert sample.input_value() == "2"
    page.wait_for_function("() => document.querySelector('#ov').dataset.xaiFocus === '77'")
    # every sample was embedded: no kernel message from the comparison, none more from the
    # overview (its run has no attributions to fetch)
    assert page.evaluate("() => [window.__sent.ov.length, window.__sent.cmp.length]") == \
        [fetched, 0]
    assert not console.errors, console.format()
