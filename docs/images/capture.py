"""Regenerate the README's pictures: the tour's widgets, exported and photographed in Chromium.

    .venv/bin/python docs/images/capture.py

Runs the code cells of ``notebooks/00_tour.ipynb`` in this process (the same models, data and
seeds as the tour), writes each widget to a standalone offline page with ``to_html`` and takes a
screenshot of it in Debian's Chromium at 1000 px, about JupyterLab's default notebook width.
The pictures are therefore what a Binder visitor sees after "Run All". Needs the dev extras and
``chromium`` (``make browser``); takes about a minute.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser.jupyter import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    open_html_file,
    wait_for_widgets,
)
from playwright.sync_api import sync_playwright  # noqa: E402

# tour variable -> picture name
WIDGETS = {
    "comparison": "comparison",
    "mask_view": "masks",
    "tree_view": "concept-tree",
    "timeline": "timeline",
    "senn_view": "senn",
    "table": "redescriptions",
}


def run_tour() -> dict:
    cells = json.loads((ROOT / "notebooks" / "00_tour.ipynb").read_text())["cells"]
    namespace: dict = {"__name__": "__tour__"}
    for cell in cells:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), "00_tour.ipynb", "exec"), namespace)
    return namespace


def main() -> None:
    namespace = run_tour()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 900}, device_scale_factor=1)
        for var, name in WIDGETS.items():
            page_path = Path(tmp) / f"{name}.html"
            namespace[var].to_html(page_path)
            console = open_html_file(page, page_path)
            wait_for_widgets(page)
            page.wait_for_timeout(300)  # fonts and the first canvas frame
            if console.errors:
                raise RuntimeError(f"{name}: {console.format()}")
            out = HERE / f"{name}.png"
            page.locator(".xai-root").first.screenshot(path=str(out))
            print(f"{out.relative_to(ROOT)}: {out.stat().st_size // 1024} KiB")
        browser.close()


if __name__ == "__main__":
    main()
