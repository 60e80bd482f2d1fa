"""Servers other than the harness's Notebook 7 one (marimo, Voilà, the Binder dry run's
JupyterLab), plus page helpers that also see into shadow roots (marimo renders each anywidget
in one). Every server gets its own HOME and Jupyter dirs and listens on 127.0.0.1 only."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def isolated_env(home: Path, path_prefix: Path | None = None) -> dict[str, str]:
    """os.environ with HOME, the Jupyter/IPython dirs and XDG dirs under ``home``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JUPYTER", "JPY_", "VIRTUAL_ENV", "MARIMO"))
        and k not in ("IPYTHONDIR", "PYTHONPATH", "PYTHONHOME")
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
        JUPYTER_DATA_DIR=str(home / ".local" / "share" / "jupyter"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        IPYTHONDIR=str(home / ".ipython"),
        PYTHONUNBUFFERED="1",
        MARIMO_SKIP_UPDATE_CHECK="1",
    )
    if path_prefix is not None:
        env["PATH"] = f"{path_prefix}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(path_prefix.parent)
    home.mkdir(parents=True, exist_ok=True)
    return env


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1))


@dataclass
class Server:
    """A server process in its own process group (so its kernels go down with it)."""

    name: str
    url: str
    log_path: Path
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def log_tail(self, chars: int = 6000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "<no server log>"

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)  # our own group: the server and its kernels
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def start_server(
    name: str,
    cmd: Sequence[str | os.PathLike[str]],
    url: str,
    *,
    cwd: Path,
    env: dict[str, str],
    log_path: Path,
    ready_path: str = "",
    timeout: float = 90.0,
) -> Server:
    """Start ``cmd`` and wait until ``url + ready_path`` answers HTTP (any status < 500)."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(c) for c in cmd], cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = Server(name, url, log_path, proc)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(url + ready_path, timeout=2) as resp:
                if resp.status < 500:
                    return server
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"{name} not ready after {timeout:.0f}s:\n{server.log_tail()}")
        time.sleep(0.25)


# --------------------------------------------------------------------------- pages

# Like jupyter.canvas_stats, but on the elements a Playwright locator found (CSS locators pierce
# open shadow roots, document.querySelectorAll does not).
_STATS_JS = """(els) => els.map((el) => {
  const s = { width: el.width, height: el.height, painted: 0, opaque: 0, coloured: 0 };
  if (!el.width || !el.height) return s;
  const copy = document.createElement('canvas');
  copy.width = el.width; copy.height = el.height;
  const ctx = copy.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(el, 0, 0);
  const px = ctx.getImageData(0, 0, el.width, el.height).data;
  const counts = new Map();
  for (let i = 0; i < px.length; i += 4) {
    if (px[i + 3] === 0) continue;
    s.opaque++;
    const hi = Math.max(px[i], px[i + 1], px[i + 2]), lo = Math.min(px[i], px[i + 1], px[i + 2]);
    if (hi - lo > 24) s.coloured++;
    const k = (px[i] << 16) | (px[i + 1] << 8) | px[i + 2];
    counts.set(k, (counts.get(k) || 0) + 1);
  }
  let bgN = 0;
  for (const n of counts.values()) bgN = Math.max(bgN, n);
  s.painted = s.opaque - bgN;
  s.url = el.toDataURL();
  return s;
})"""


def canvas_stats_deep(page: Page, selector: str) -> list[dict[str, Any]]:
    """Per canvas matching ``selector`` (inside shadow roots too): width, height, opaque,
    painted (pixels unlike the most common colour), coloured (not grey: a heatmap over a
    grey input) and ``url`` (its exact pixels)."""
    return page.locator(selector).evaluate_all(_STATS_JS)


@dataclass
class MessageLog:
    """Every websocket frame and request body of a page that mentions a marker."""

    sent: list[str] = field(default_factory=list)
    received: list[str] = field(default_factory=list)

    def count(self, marker: str) -> tuple[int, int]:
        return (sum(marker in m for m in self.sent), sum(marker in m for m in self.received))


def record_messages(page: Page, markers: Sequence[str] = ("xai-fetch",)) -> MessageLog:
    """Records the fetch channel's traffic whatever the transport (websocket or HTTP)."""
    log = MessageLog()

    def text(payload: str | bytes) -> str:
        return payload if isinstance(payload, str) else payload.decode("utf-8", "replace")

    def keep(into: list[str], payload: str | bytes | None) -> None:
        if payload is None:
            return
        t = text(payload)
        if any(m in t for m in markers):
            into.append(t[:2000])

    def on_ws(ws: Any) -> None:
        ws.on("framesent", lambda p: keep(log.sent, p))
        ws.on("framereceived", lambda p: keep(log.received, p))

    def on_response(resp: Any) -> None:
        if resp.request.method != "POST":  # not the page's assets
            return
        try:
            keep(log.received, resp.body())
        except Exception:  # bodies of redirects and aborted requests are not available
            pass

    page.on("websocket", on_ws)
    page.on("request", lambda req: keep(log.sent, req.post_data))
    page.on("response", on_response)
    return log
