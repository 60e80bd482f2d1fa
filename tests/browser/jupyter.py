"""Real-browser harness: a throwaway Jupyter server plus Playwright helpers.

One ``python -m notebook`` (Notebook 7) server serves both UIs: ``/lab`` gets the exact page
config that ``jupyter lab`` would give it, whereas a ``jupyter lab`` server leaks Lab's page
config (``treePath``, ``workspace``...) into ``/notebooks/...`` pages.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import nbformat
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}

UI = Literal["lab", "notebook"]

# Console noise that Jupyter itself emits. Each entry was reproduced with every widget
# labextension disabled (anywidget, jupyterlab-manager, bqplot...), so it can never hide a
# widget bug. Entry: (ui or None for any, message regex, regex on the stack / source URL).
KNOWN_NOISE: tuple[tuple[str | None, str, str], ...] = (
    # Notebook 7.6 shortcuts-extension reads the schema of a not-yet-loaded settings plugin.
    (
        "notebook",
        r"^Cannot read properties of undefined \(reading 'schema'\)$",
        r"/static/notebook/notebook_core\.",
    ),
    # Notebook 7.6 restores the file browser on /notebooks/ pages, which have none.
    (
        "notebook",
        r"^Command 'filebrowser:open-path' not registered\.$",
        r"/static/notebook/notebook_core\.",
    ),
)


# --------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1))


@dataclass
class JupyterServer:
    """A running Jupyter server; ``root_dir`` is a scratch copy the tests may write into."""

    root_dir: Path
    home: Path
    port: int
    token: str
    log_path: Path
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "", ui: UI = "lab") -> str:
        """Browser URL opening ``path`` (relative to root_dir) in the given UI."""
        quoted = urllib.parse.quote(path.lstrip("/"))
        tok = urllib.parse.quote(self.token)
        if ui == "lab":
            # ``reset`` drops the saved workspace so earlier tests' tabs (and kernels) don't
            # come back.
            return f"{self.base_url}/lab/tree/{quoted}?reset&token={tok}"
        if ui == "notebook":
            return f"{self.base_url}/notebooks/{quoted}?token={tok}"
        raise ValueError(f"unknown ui {ui!r}")

    def api(self, method: str, endpoint: str, body: Any = None, timeout: float = 10.0) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.base_url}/api/{endpoint.lstrip('/')}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:2000]
            raise RuntimeError(f"{method} /api/{endpoint}: HTTP {exc.code}: {detail}") from exc
        return json.loads(raw) if raw else None

    def sessions(self, path: str | None = None) -> list[dict[str, Any]]:
        out = self.api("GET", "sessions")
        return [s for s in out if path is None or s.get("path") == path.lstrip("/")]

    def shutdown_sessions(self, path: str | None = None) -> None:
        """Delete sessions (and so their kernels); all of them when ``path`` is None."""
        for s in self.sessions(path):
            with contextlib.suppress(urllib.error.HTTPError):
                self.api("DELETE", f"sessions/{s['id']}")

    def read_notebook(self, path: str) -> dict[str, Any]:
        return self.api("GET", f"contents/{urllib.parse.quote(path.lstrip('/'))}?content=1")

    def read_saved_notebook(self, path: str) -> tuple[int, dict[str, Any]] | None:
        """(mtime in ns, notebook) straight from disk; None while the file is being written.

        Polling the file over REST while the UI saves it is not safe: jupyter_server's atomic
        save copies the file to ``.~name`` and rewrites it in place, and a GET that reads the
        half-written file "recovers" it by moving that copy back over it, racing the save (seen
        in CI: the notebook vanished and the UI showed "File Save Error"). Reading the file
        ourselves never triggers that recovery.
        """
        file = self.root_dir / path.lstrip("/")
        try:
            mtime = file.stat().st_mtime_ns
            # nbformat joins the multi-line strings the file stores as lists, as REST does
            return mtime, nbformat.reads(file.read_text(encoding="utf-8"), as_version=4)
        except (OSError, ValueError):  # missing for a moment or caught mid-write
            return None

    def write_notebook(self, path: str, nb: dict[str, Any]) -> None:
        self.api(
            "PUT",
            f"contents/{urllib.parse.quote(path.lstrip('/'))}",
            {"type": "notebook", "format": "json", "content": nb},
        )

    def log_tail(self, chars: int = 6000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "<no server log>"

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # SIGTERM: the server shuts its kernels down itself.
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def start_jupyter_server(
    workdir: Path, notebooks_src: Path | None = None, timeout: float = 60.0
) -> JupyterServer:
    """Start Notebook 7 (which also serves JupyterLab) with every Jupyter dir under workdir."""
    home = workdir / "home"
    root = workdir / "notebooks"
    if notebooks_src is not None and notebooks_src.is_dir():
        shutil.copytree(
            notebooks_src, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
        )
    root.mkdir(parents=True, exist_ok=True)
    cfg = home / ".jupyter"
    _write_json(
        cfg / "jupyter_server_config.json",
        {
            "LabApp": {
                "news_url": None,
                "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
            },
        },
    )
    user_settings = cfg / "lab" / "user-settings" / "@jupyterlab"
    _write_json(
        user_settings / "apputils-extension" / "notification.jupyterlab-settings",
        {"fetchNews": "false", "checkForUpdates": False},
    )
    # Without windowing every cell (and widget) is in the DOM, whatever the scroll position.
    _write_json(
        user_settings / "notebook-extension" / "tracker.jupyterlab-settings",
        {"windowingMode": "none"},
    )
    # Autosave would race with the explicit save that open_and_run_notebook does.
    _write_json(
        user_settings / "docmanager-extension" / "plugin.jupyterlab-settings",
        {"autosave": False},
    )

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JUPYTER", "JPY_")) and k not in ("IPYTHONDIR", "PYTHONPATH")
    }
    env.update(
        HOME=str(home),
        JUPYTER_CONFIG_DIR=str(cfg),
        JUPYTER_DATA_DIR=str(home / ".local" / "share" / "jupyter"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        IPYTHONDIR=str(home / ".ipython"),
        PYTHONUNBUFFERED="1",
    )
    port = _free_port()
    token = os.urandom(16).hex()
    log_path = workdir / "jupyter-server.log"
    cmd = [
        # The kernelspec's argv[0] "python" is replaced by the server's sys.executable, so
        # starting the server with the venv's interpreter pins the kernel to the venv too.
        sys.executable,
        "-m",
        "notebook",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = JupyterServer(root, home, port, token, log_path, proc)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(
                f"Jupyter server exited with {proc.returncode}:\n{server.log_tail()}"
            )
        try:
            server.api("GET", "status", timeout=2)
            return server
        except (OSError, RuntimeError):  # refused / not serving the API yet
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(
                f"Jupyter server not ready after {timeout:.0f}s:\n{server.log_tail()}"
            )
        time.sleep(0.25)


# --------------------------------------------------------------------------- console


@dataclass
class ConsoleEntry:
    kind: str  # "console.error" or "pageerror"
    text: str
    where: str  # stack for page errors, source URL:line for console messages

    def __str__(self) -> str:
        return f"[{self.kind}] {self.text}\n    at {self.where}"


class ConsoleLog:
    """Errors a page logged since ``attach``; the lists keep growing while the page lives."""

    def __init__(self, ui: str | None = None) -> None:
        self.ui = ui  # which KNOWN_NOISE entries apply; set once the UI is known
        self.entries: list[ConsoleEntry] = []

    def _on_console(self, msg: Any) -> None:
        if msg.type != "error":
            return
        loc = msg.location or {}
        where = f"{loc.get('url', '')}:{loc.get('lineNumber', '')}"
        self.entries.append(ConsoleEntry("console.error", msg.text, where))

    def _on_pageerror(self, err: Any) -> None:
        self.entries.append(ConsoleEntry("pageerror", err.message, err.stack or ""))

    def _is_noise(self, e: ConsoleEntry) -> bool:
        return any(
            (ui is None or ui == self.ui) and re.search(msg, e.text) and re.search(src, e.where)
            for ui, msg, src in KNOWN_NOISE
        )

    @property
    def errors(self) -> list[ConsoleEntry]:
        """Errors not on the KNOWN_NOISE allow-list."""
        return [e for e in self.entries if not self._is_noise(e)]

    @property
    def ignored(self) -> list[ConsoleEntry]:
        return [e for e in self.entries if self._is_noise(e)]

    def format(self) -> str:
        return "\n".join(str(e) for e in self.errors) or "<no console errors>"


def console_log(page: Page) -> ConsoleLog:
    """The page's ConsoleLog, attached on first call: call it before navigating."""
    log = getattr(page, "_xai_console_log", None)
    if log is None:
        log = ConsoleLog()
        page.on("console", log._on_console)
        page.on("pageerror", log._on_pageerror)
        page._xai_console_log = log  # type: ignore[attr-defined]
    return log


# --------------------------------------------------------------------------- notebooks


@dataclass
class NotebookRun:
    url: str
    ui: str
    console: ConsoleLog
    notebook: dict[str, Any]  # the notebook as saved by the UI after the run
    cell_errors: list[str]  # "cell <code-cell index>: ename: evalue" per error output
    seconds: float
    run_all_clicks: int
    timings: dict[str, float]  # seconds per phase: ready, run, save

    @property
    def console_errors(self) -> list[ConsoleEntry]:
        return self.console.errors


class NotebookCellError(AssertionError):
    """A cell raised; ``.run`` still has the whole NotebookRun for further checks."""

    def __init__(self, msg: str, run: NotebookRun) -> None:
        super().__init__(msg)
        self.run = run


_PROMPTS_JS = """() => {
  const panels = [...document.querySelectorAll('.jp-NotebookPanel')]
      .filter(p => p.offsetParent !== null);
  if (panels.length !== 1) return null;
  return [...panels[0].querySelectorAll('.jp-Notebook .jp-Cell.jp-CodeCell')]
      .map(c => (c.querySelector('.jp-InputPrompt') || {}).textContent || '');
}"""


def _menu(page: Page, menu: str, command: str) -> None:
    page.locator(
        ".lm-MenuBar-item",
        has=page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{menu}$")),
    ).click()
    page.locator(f'.lm-Menu-item[data-command="{command}"]:not(.lm-mod-disabled)').click()


def _strip_outputs(server: JupyterServer, path: str) -> list[int]:
    """Clear outputs so stale execution counts can't pass for a finished run.

    Also gives a notebook without kernelspec the server's default one. Returns the indices
    (among code cells) of non-empty code cells.
    """
    nb = server.read_notebook(path)["content"]
    meta = nb.setdefault("metadata", {})
    meta.pop("widgets", None)  # saved widget state would render stale views
    # Without a (known) kernelspec both UIs stop at a "Select Kernel" dialog.
    specs = server.api("GET", "kernelspecs")
    kernel = meta.setdefault("kernelspec", {}).setdefault("name", specs["default"])
    if kernel not in specs["kernelspecs"]:
        raise ValueError(f"{path} wants kernel {kernel!r}; server has {list(specs['kernelspecs'])}")
    code_idx, wanted = 0, []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        cell["outputs"], cell["execution_count"] = [], None
        src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if src.strip():
            wanted.append(code_idx)
        code_idx += 1
    server.write_notebook(path, nb)
    return wanted


def _wait_kernel_ready(
    page: Page, server: JupyterServer, path: str, ui: UI, deadline: float
) -> None:
    # The toolbar circle turns "idle" before the websocket is up (Run All then silently does
    # nothing), so also require the Lab status bar text and a server-side kernel connection.
    ms = max(1.0, deadline - time.monotonic()) * 1000
    page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').first.wait_for(timeout=ms)
    if ui == "lab":
        page.locator("#jp-main-statusbar").get_by_text(re.compile(r"\| Idle$")).wait_for(
            timeout=max(1.0, deadline - time.monotonic()) * 1000
        )
    while True:
        kernels = [s["kernel"] for s in server.sessions(path) if s.get("kernel")]
        if any(k.get("connections", 0) >= 1 and k["execution_state"] == "idle" for k in kernels):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"kernel for {path} never idle+connected: {kernels}")
        time.sleep(0.2)


def open_and_run_notebook(
    page: Page,
    server: JupyterServer,
    path: str,
    ui: UI = "lab",
    timeout: float = 300.0,
    raise_on_cell_error: bool = True,
) -> NotebookRun:
    """Open ``path`` (relative to server.root_dir) in a fresh kernel, Run All, wait, save.

    Outputs in the scratch copy are cleared first. Raises TimeoutError (with the console
    errors) if the run doesn't finish, NotebookCellError if a cell raised (unless
    ``raise_on_cell_error=False``; then see ``NotebookRun.cell_errors``).
    """
    t0 = time.monotonic()
    deadline = t0 + timeout
    log = console_log(page)
    log.ui = ui
    server.shutdown_sessions(path)  # a kernel left from another UI would share widget state
    wanted = _strip_outputs(server, path)
    url = server.url(path, ui)
    page.goto(url)

    def fail(msg: str) -> TimeoutError:
        return TimeoutError(f"{msg} ({url})\nconsole:\n{log.format()}")

    try:
        _wait_kernel_ready(page, server, path, ui, deadline)
    except (TimeoutError, PlaywrightError) as exc:
        raise fail(f"kernel not ready: {exc}") from exc
    timings = {"ready": time.monotonic() - t0}

    def prompts() -> list[str]:
        return page.evaluate(_PROMPTS_JS) or []

    clicks = 0
    started = not wanted
    while not started:
        if clicks >= 3:
            raise fail(f"Run All clicked {clicks}x but no cell started")
        _menu(page, "Run", "runmenu:run-all")
        clicks += 1
        click_deadline = min(deadline, time.monotonic() + 10)
        while time.monotonic() < click_deadline:
            if any(re.search(r"\[(\*|\d+)\]", p) for p in prompts()):
                started = True
                break
            time.sleep(0.1)

    last, stable = None, 0
    while stable < 3:  # unchanged for ~0.6 s: no late "[*]" from a queued cell
        if time.monotonic() > deadline:
            raise fail(f"notebook still running after {timeout:.0f}s: prompts={last}")
        cur = prompts()
        busy = any("[*]" in p for p in cur)
        stable = stable + 1 if (cur == last and not busy) else 0
        last = cur
        time.sleep(0.2)

    timings["run"] = time.monotonic() - t0 - timings["ready"]
    # Saving makes the UI's outputs readable over REST: the only unambiguous way to tell an
    # error output from plain stderr in both UIs.
    first = server.read_saved_notebook(path)
    before = None if first is None else first[0]
    _menu(page, "File", "docmanager:save")
    saved_at = time.monotonic()
    while True:
        saved = server.read_saved_notebook(path)  # from disk: see read_saved_notebook
        if saved is not None:
            mtime, nb = saved
            code = [c for c in nb["cells"] if c["cell_type"] == "code"]
            # A save we did not see start (same mtime as `before`) is fine as long as it
            # holds the finished run: every non-empty code cell has its execution count.
            if mtime != before or all(
                code[i].get("execution_count") is not None for i in wanted
            ):
                break
        if time.monotonic() > deadline:
            raise fail("notebook was never saved")
        if time.monotonic() - saved_at > 10:
            # Seen once in CI: the save request never reached the server (the tab stayed
            # dirty). Saving again is harmless; waiting out the whole deadline is not.
            _menu(page, "File", "docmanager:save")
            saved_at = time.monotonic()
        time.sleep(0.2)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    cell_errors = [
        f"cell {i}: {o.get('ename')}: {o.get('evalue')}"
        for i, c in enumerate(code)
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    missing = [i for i in wanted if code[i].get("execution_count") is None]
    if missing and not cell_errors:
        raise fail(f"code cells {missing} never executed")
    seconds = time.monotonic() - t0
    timings["save"] = seconds - timings["ready"] - timings["run"]
    run = NotebookRun(url, ui, log, nb, cell_errors, seconds, clicks, timings)
    if raise_on_cell_error and cell_errors:
        raise NotebookCellError(
            f"cell errors in {path}: {cell_errors}\nconsole:\n{log.format()}", run
        )
    return run


# --------------------------------------------------------------------------- widgets


def wait_for_widgets(
    page: Page, selector: str = '[data-xai-ready="1"]', count: int = 1, timeout: float = 60.0
) -> Locator:
    """Wait until at least ``count`` elements match; error message includes console errors."""
    try:
        page.wait_for_function(
            "([s, n]) => document.querySelectorAll(s).length >= n",
            arg=[selector, count],
            timeout=timeout * 1000,
        )
    except PlaywrightError as exc:
        found = page.locator(selector).count()
        raise TimeoutError(
            f"{found}/{count} elements match {selector!r} after {timeout:.0f}s\n"
            f"console:\n{console_log(page).format()}"
        ) from exc
    return page.locator(selector)


_CANVAS_STATS_JS = """([selector, color, tol]) => {
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!(el instanceof HTMLCanvasElement)) continue;
    const r = el.getBoundingClientRect();
    const s = { width: el.width, height: el.height, css_width: r.width, css_height: r.height,
                opaque: 0, painted: 0, matching: 0, background: null, distinct_colors: 0 };
    out.push(s);
    if (!el.width || !el.height) continue;
    // Copy instead of el.getContext('2d'): that would create a context on a canvas that
    // will later want WebGL, and fails outright on one that already has it.
    const copy = document.createElement('canvas');
    copy.width = el.width; copy.height = el.height;
    const ctx = copy.getContext('2d', { willReadFrequently: true });
    let px;
    try { ctx.drawImage(el, 0, 0); px = ctx.getImageData(0, 0, el.width, el.height).data; }
    catch (e) { s.error = String(e); continue; }
    const counts = new Map();
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3] === 0) continue;
      s.opaque++;
      const key = (px[i] << 16) | (px[i + 1] << 8) | px[i + 2];
      counts.set(key, (counts.get(key) || 0) + 1);
      if (color && Math.abs(px[i] - color[0]) <= tol && Math.abs(px[i + 1] - color[1]) <= tol
          && Math.abs(px[i + 2] - color[2]) <= tol) s.matching++;
    }
    s.distinct_colors = counts.size;
    // Background = most common opaque colour; a blank or uniformly filled canvas paints 0.
    let bg = null, bgN = 0;
    for (const [k, n] of counts) if (n > bgN) { bg = k; bgN = n; }
    if (bg !== null) {
      s.background = [bg >> 16, (bg >> 8) & 255, bg & 255];
      s.painted = s.opaque - bgN;
    }
  }
  return out;
}"""


def canvas_stats(
    page: Page,
    selector: str = "canvas",
    color: tuple[int, int, int] | None = None,
    tolerance: int = 16,
) -> list[dict[str, Any]]:
    """Per matching canvas: width, height, css_width/height, opaque, painted, background, ...

    ``painted`` counts non-transparent pixels that differ from the most common opaque colour
    (the background), so a blank canvas has 0. With ``color``, ``matching`` counts
    non-transparent pixels within ``tolerance`` per channel of it.
    """
    return page.evaluate(_CANVAS_STATS_JS, [selector, list(color) if color else None, tolerance])


def screenshot(target: Page | Locator, name: str) -> Path:
    """Save a PNG of an element (or the whole page) under tests/artifacts/; return its path."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "shot"
    path = ARTIFACTS_DIR / (safe if safe.endswith(".png") else f"{safe}.png")
    # Chromium under load sometimes answers "Unable to capture screenshot" once (its
    # compositor missed the frame): one retry, any other error passes straight through
    for attempt in (0, 1):
        try:
            if isinstance(target, Locator):
                target.first.screenshot(path=str(path))
            else:
                target.screenshot(path=str(path), full_page=True)
            return path
        except PlaywrightError as exc:
            if attempt or "Unable to capture screenshot" not in str(exc):
                raise
    return path


def open_html_file(page: Page, path: str | os.PathLike[str]) -> ConsoleLog:
    """Open a standalone HTML export via file:// and return its ConsoleLog.

    No --allow-file-access-from-files: an export must work as a user double-clicking it sees
    it, i.e. with inline scripts only.
    """
    p = Path(path).resolve()
    if not p.is_file():
        raise FileNotFoundError(p)
    log = console_log(page)
    page.goto(p.as_uri(), wait_until="load")
    return log


AXE_JS = REPO_ROOT / "js" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG A and AA rules; best practices too (landmarks excepted: a widget lives inside someone
# else's page, which owns the landmarks).
_AXE_RUN_JS = """async ([selector]) => {
  const r = await axe.run(selector ? document.querySelectorAll(selector) : document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
    rules: {region: {enabled: false}, 'landmark-one-main': {enabled: false},
            'page-has-heading-one': {enabled: false}},
  });
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
}"""


def axe_violations(
    page: Page, selector: str | None = None, impacts: tuple[str, ...] = ("serious", "critical")
) -> list[dict[str, Any]]:
    """Run axe-core (the npm devDependency, injected from js/node_modules; never a CDN) on the
    page or on the elements matching ``selector``; return the violations of the given impacts.
    """
    if not AXE_JS.is_file():
        raise FileNotFoundError(f"{AXE_JS} is missing: run `cd js && npm ci`")
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate(_AXE_RUN_JS, [selector])
    return [v for v in found if v["impact"] in impacts]
