"""Fixtures for the real-browser tests (plain Playwright, sync API; no pytest-playwright)."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from typing import Any

import pytest

# A package (tests/browser/__init__.py) + relative import: a top-level "jupyter" module
# already exists (jupyter_core's), and `import jupyter` would pick whichever comes first.
try:
    from playwright.sync_api import Browser, Page, sync_playwright

    from .jupyter import (
        CHROMIUM,
        CHROMIUM_ARGS,
        REPO_ROOT,
        VIEWPORT,
        JupyterServer,
        console_log,
        screenshot,
        start_jupyter_server,
    )

    _IMPORT_ERROR: ImportError | None = None
except ImportError as exc:  # pragma: no cover - only without the dev extras
    _IMPORT_ERROR = exc


def _unavailable(reason: str) -> None:
    """Skip locally, but fail in CI: a browser test that silently skips there proves nothing."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so browser tests may not skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if _IMPORT_ERROR is not None:
        _unavailable(f"playwright not importable: {_IMPORT_ERROR}")
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found (apt-get install chromium)")
    # Debian's wrapper and dconf write under $HOME even with a temporary profile.
    home = tmp_path_factory.mktemp("chromium-home")
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }
    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, env=env)
        yield browser
        browser.close()
    finally:
        pw.stop()


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    """One Notebook 7 server for the session, serving /lab and /notebooks alike.

    Its root_dir is a scratch copy of the repo's notebooks/; tests may add files there.
    """
    if _IMPORT_ERROR is not None:
        _unavailable(f"playwright not importable: {_IMPORT_ERROR}")
    for mod in ("notebook", "jupyterlab", "ipykernel", "anywidget"):
        if importlib.util.find_spec(mod) is None:
            _unavailable(f"{mod} is not installed")
    server = start_jupyter_server(
        tmp_path_factory.mktemp("jupyter"), notebooks_src=REPO_ROOT / "notebooks"
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]):
    rep = yield
    setattr(item, f"_xai_rep_{rep.when}", rep)
    return rep


@pytest.fixture
def page(chromium_browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context per test; its console is recorded from the first request."""
    context = chromium_browser.new_context(viewport=VIEWPORT)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    console_log(pg)
    try:
        yield pg
    finally:
        rep = getattr(request.node, "_xai_rep_call", None)
        if rep is not None and rep.failed:
            try:
                path = screenshot(pg, f"FAILED-{request.node.name}")
                print(f"screenshot of the failed page: {path}")
            except Exception as exc:  # a crashed page must not mask the real failure
                print(f"no failure screenshot: {exc}")
        context.close()


@pytest.fixture(autouse=True)
def _reap_kernels(request: pytest.FixtureRequest) -> Iterator[None]:
    # Torn down after `page` (autouse fixtures are set up first), so kernels die after their
    # websockets closed: no shutdown noise in the console, no kernels piling up on 2 cores.
    yield
    if "jupyter_server" in request.fixturenames:
        request.getfixturevalue("jupyter_server").shutdown_sessions()
