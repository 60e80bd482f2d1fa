"""Every view, as a user of a screen reader or a keyboard meets it: the axe-core checker (the
npm devDependency, injected from js/node_modules) finds no serious or critical violation in any
view's standalone page, in light and dark themes; and keys pressed inside a view never reach
the page around it (JupyterLab's shortcuts listen on the document)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hand_results import modules

from .jupyter import axe_violations, open_html_file, wait_for_widgets

pytestmark = pytest.mark.browser

MODULES = modules()


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("a11y")
    paths = {}
    for name, mod in MODULES.items():
        view = mod.VIEW(mod.result(), **mod.OPTIONS)
        view.to_html(out / f"{name}.html")
        paths[name] = out / f"{name}.html"
    return paths


def _open(page, path, scheme):
    page.set_viewport_size({"width": 1000, "height": 900})
    page.emulate_media(color_scheme=scheme)
    open_html_file(page, path)
    wait_for_widgets(page)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", sorted(MODULES))
def test_axe_finds_no_serious_violation(chromium_browser, pages, name, scheme):
    page = chromium_browser.new_page()
    try:
        _open(page, pages[name], scheme)
        found = axe_violations(page)
        assert not found, "\n".join(f"{v['id']} ({v['impact']}): {v['help']}\n  " +
                                    "\n  ".join(v["nodes"]) for v in found)
    finally:
        page.close()


@pytest.mark.parametrize("name", sorted(MODULES))
def test_keys_inside_a_view_never_reach_the_page(chromium_browser, pages, name):
    """Tab through the whole view, pressing arrows, Enter and Escape on every stop: no key
    reaches a listener on the document, and the view has more than one Tab stop."""
    page = chromium_browser.new_page()
    try:
        _open(page, pages[name], "light")
        page.evaluate("""() => { window.__leaked = [];
          document.addEventListener('keydown', e => window.__leaked.push(e.key)); }""")
        stops = []
        for _ in range(40):
            page.keyboard.press("Tab")
            inside = page.evaluate("""() => { const a = document.activeElement;
              return !!(a && a.closest('.xai-root, [class*="xai-"]')) && (a.getAttribute(
                'aria-label') || a.textContent || a.tagName).trim().slice(0, 40); }""")
            if not inside:
                continue
            stops.append(inside)
            before = page.evaluate("window.__leaked.length")
            for key in ("ArrowDown", "ArrowRight", "ArrowUp", "ArrowLeft"):
                page.keyboard.press(key)
            assert page.evaluate("window.__leaked.length") == before, (
                f"{name}: arrows on {inside!r} reached the document: "
                f"{page.evaluate('window.__leaked')}")
        assert len(set(stops)) >= 2, f"{name}: Tab reached only {stops}"
    finally:
        page.close()
