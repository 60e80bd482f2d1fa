"""The widgets in marimo (`marimo run`, via ``mo.ui.anywidget``) and in Voilà, in Chromium.

In each front end: both widgets render (canvases painted, ``data-xai-ready``), a view-only
control acts on pixels locally (the threshold slider), and the lazy-fetch channel
(``XaiWidget._fetch`` / ``js/src/lib/fetch.ts``) answers through that front end's kernel: a
comparison sample beyond the embedded ones and a tree node's thumbnails are fetched, and the
round trip is seen on the wire.

The app and notebook are ``frontends_app.py`` / ``frontends_demo.ipynb`` (seeded, seconds on
one core). To run the tour instead, point ``NOTEBOOK`` / ``MARIMO_APP`` at it: the checks
need an ComparisonView with samples beyond its payload cap and a ConceptTreeView.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from .jupyter import console_log, screenshot
from .servers import (
    MessageLog,
    Server,
    canvas_stats_deep,
    free_port,
    isolated_env,
    record_messages,
    start_server,
)

pytestmark = pytest.mark.browser  # ~10-15 s each, server start included

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / "frontends_demo.ipynb"
MARIMO_APP = HERE / "frontends_app.py"
READY = '[data-xai-ready="1"]'

# Console errors Voilà 0.5 itself logs: each was reproduced on a notebook that only runs
# print(1) (no widget at all). (message regex, regex on the source URL / stack)
VOILA_NOISE = (
    # its default template links Font Awesome from a CDN (no network here)
    (r"^Failed to load resource: net::ERR_NAME_NOT_RESOLVED$",
     r"^https://cdn\.jsdelivr\.net/npm/@fortawesome/"),
    # Notebook 7's lab-extension asks Voilà's module federation for @jupyterlab/docregistry
    (r"The getter for the shared module is not a function[\s\S]*@jupyterlab/docregistry",
     r"/voila/labextensions/@jupyter-notebook/lab-extension/"),
)


def _require(*modules: str) -> None:
    """Skip locally without the dev extra, but fail in CI: these tests may never skip there."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        reason = f"{', '.join(missing)} not installed (the dev extra has them)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set, so this test may not skip)", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def marimo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _require("marimo", "anywidget")
    work = tmp_path_factory.mktemp("marimo")
    app = work / MARIMO_APP.name
    shutil.copy(MARIMO_APP, app)  # marimo may write its own files next to the app
    port = free_port()
    server = start_server(
        "marimo run",
        [sys.executable, "-m", "marimo", "run", app.name, "--headless", "--host", "127.0.0.1",
         "--port", str(port), "--no-token", "--no-sandbox"],
        f"http://127.0.0.1:{port}", ready_path="/health", cwd=work,
        env=isolated_env(work / "home"), log_path=work / "marimo.log",
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def voila_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _require("voila", "anywidget", "ipykernel")
    work = tmp_path_factory.mktemp("voila")
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    port = free_port()
    server = start_server(
        "voila",
        [sys.executable, "-m", "voila", NOTEBOOK.name, "--no-browser", f"--port={port}",
         "--Voila.ip=127.0.0.1", "--show_tracebacks=True"],
        # a GET of "/" would execute the notebook: probe a path that only 404s
        f"http://127.0.0.1:{port}", ready_path="/xai-ready-probe", cwd=work,
        env=isolated_env(work / "home"), log_path=work / "voila.log",
    )
    try:
        yield server
    finally:
        server.stop()


def _wait_count(page: Page, selector: str, n: int, timeout: float, server: Server) -> None:
    deadline = time.monotonic() + timeout
    while page.locator(selector).count() < n:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{page.locator(selector).count()}/{n} of {selector!r} after {timeout:.0f}s\n"
                f"console:\n{console_log(page).format()}\nserver log:\n{server.log_tail()}")
        time.sleep(0.2)


def _wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout:.0f}s")
        time.sleep(0.2)


def _exercise_widgets(page: Page, server: Server, wire: MessageLog, name: str) -> dict:
    """The checks shared by every front end; returns timings."""
    t0 = time.monotonic()
    _wait_count(page, READY, 2, 180, server)
    t_ready = time.monotonic() - t0

    cmp = page.locator(READY, has=page.locator("canvas.xai-heatmap")).first
    heat = cmp.locator("canvas.xai-heatmap")
    stats = heat.evaluate_all("els => els.length")
    assert stats == 2, stats
    stats = canvas_stats_deep(page, f"{READY} canvas.xai-heatmap")
    assert len(stats) == 2, stats
    for s in stats:
        assert s["width"] > 0 and s["painted"] > 0.05 * s["width"] * s["height"], s
    inputs = canvas_stats_deep(page, f"{READY} canvas.xai-input")
    assert inputs and inputs[0]["painted"] > 0, inputs
    assert cmp.locator("table.xai-metrics tbody tr").count() == 2

    tree = page.locator(READY, has=page.locator("svg.xai-tree")).first
    n_nodes = tree.locator("svg.xai-tree g.xai-node").count()
    assert n_nodes >= 3, n_nodes  # the depth-2 tree on the true concepts has 5
    assert "Sprites: a concept tree" in tree.inner_text()

    # view-only: the threshold hides weak attributions in the browser, no kernel involved
    sent_before = wire.count("xai-fetch")[0]
    threshold = cmp.locator("input.xai-threshold")
    threshold.fill("0.9")
    threshold.dispatch_event("input")
    after = canvas_stats_deep(page, f"{READY} canvas.xai-heatmap")
    for b, a in zip(stats, after, strict=True):  # fewer heatmap pixels over the grey input
        assert a["url"] != b["url"] and a["coloured"] < b["coloured"], (b["coloured"],
                                                                          a["coloured"])
    assert wire.count("xai-fetch")[0] == sent_before  # nothing asked of the kernel
    threshold.fill("0")
    threshold.dispatch_event("input")

    # kernel fetch 1: a sample that is not embedded in the widget state
    shown = [s["url"] for s in canvas_stats_deep(page, f"{READY} canvas.xai-heatmap")]
    sample = cmp.locator("input.xai-sample")
    sample.fill("11")
    sample.press("Enter")
    t1 = time.monotonic()
    _wait_until(lambda: [s["url"] for s in canvas_stats_deep(
        page, f"{READY} canvas.xai-heatmap")] != shown and not cmp.locator(".xai-loading").count(),
        30, f"{name}: sample 11 was not fetched and drawn")
    t_fetch = time.monotonic() - t1
    fetched = canvas_stats_deep(page, f"{READY} canvas.xai-heatmap")
    assert all(s["painted"] > 0 for s in fetched), fetched
    assert all(f["url"] != u for f, u in zip(fetched, shown, strict=True))
    assert sample.input_value() == "11"
    assert cmp.locator(".xai-error").count() == 0
    sent, received = wire.count("xai-fetch")
    assert sent >= 1 and received >= 1, (f"{name}: no fetch round trip on the wire", wire)
    assert wire.count("xai-fetched")[1] >= 1, wire

    # the tree opens on the root's thumbnails, all embedded (no empty tiles); kernel fetch 2:
    # a child node's thumbnails beyond the one embedded per node
    _wait_count(page, f"{READY} canvas.xai-thumb", 8, 30, server)
    assert tree.locator(".xai-thumb-slot").count() == 0
    # (a node whose first thumbnails are all embedded already, by the root or one per node,
    # needs no fetch: click the nodes in turn until one asks the kernel)
    fetched = wire.count("xai-fetched")[1]
    n_nodes = tree.locator("svg.xai-tree g.xai-node").count()
    for node in range(1, n_nodes):
        tree.locator(f"svg.xai-tree g.xai-node[data-node='{node}'] rect.xai-box").click()
        try:
            _wait_until(lambda: wire.count("xai-fetched")[1] > fetched, 5, "")
            break
        except AssertionError:
            continue
    assert wire.count("xai-fetched")[1] > fetched, f"{name}: no node's thumbnails were fetched"
    _wait_until(lambda: not tree.locator(".xai-thumb-slot").count(), 30,
                f"{name}: node {node}'s thumbnails were not drawn")
    thumbs = canvas_stats_deep(page, f"{READY} canvas.xai-thumb")
    assert len(thumbs) >= 2 and all(s["painted"] > 20 for s in thumbs), thumbs
    return {"ready": t_ready, "fetch": t_fetch}


def _full_screenshot(page: Page, name: str) -> Path:
    # both front ends scroll inside their own container, which a full-page shot would cut
    page.mouse.move(0, 0)  # no tooltip over the picture
    page.set_viewport_size({"width": 1280, "height": 1900})
    page.wait_for_timeout(300)
    return screenshot(page, name)


def test_marimo_run(page: Page, marimo_server: Server) -> None:
    wire = record_messages(page)
    console = console_log(page)
    t0 = time.monotonic()
    page.goto(marimo_server.url + "/")
    times = _exercise_widgets(page, marimo_server, wire, "marimo")
    # marimo draws each anywidget in a shadow root: the widget's own CSS must apply in there
    assert page.locator("marimo-anywidget").count() >= 2
    shot = _full_screenshot(page, "marimo")
    print(f"marimo: widgets ready {times['ready']:.1f} s, sample fetch {times['fetch']:.1f} s, "
          f"total {time.monotonic() - t0:.1f} s; screenshot {shot}")
    assert not console.errors, console.format()


def test_voila(page: Page, voila_server: Server) -> None:
    wire = record_messages(page)
    console = console_log(page)
    t0 = time.monotonic()
    page.goto(voila_server.url + "/")
    times = _exercise_widgets(page, voila_server, wire, "Voilà")
    # Voilà shows outputs only: no code cell, no traceback
    text = page.locator("body").inner_text()
    assert "simplefilter" not in text and "Traceback" not in text, text[:2000]
    assert "xaiwidgets in other front ends" in text  # the markdown cell is shown
    assert page.locator(".jp-OutputArea-output[data-mime-type*='error']").count() == 0
    shot = _full_screenshot(page, "voila")
    print(f"Voilà: widgets ready {times['ready']:.1f} s, sample fetch {times['fetch']:.1f} s, "
          f"total {time.monotonic() - t0:.1f} s; screenshot {shot}")
    errors = [e for e in console.errors if not any(
        re.search(msg, e.text) and re.search(src, f"{e.where}\n{e.text}")
        for msg, src in VOILA_NOISE)]
    assert not errors, "\n".join(map(str, errors))
