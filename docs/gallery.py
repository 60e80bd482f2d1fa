"""Regenerate the gallery (docs/gallery.md and its pictures in docs/images/gallery/).

    .venv/bin/python docs/gallery.py

Takes the views from the executed tutorial notebooks (``python docs/notebooks.py`` writes them;
missing or outdated ones are executed first): in each notebook, the first output of each kind of
view. Each picture is that output's static snapshot, the ``text/html`` entry a notebook keeps
(pictures, charts and tables, no script), drawn by Debian's Chromium on a white page 800 px wide
and cut at 900 px. Its caption is the view's title and its link the output on the notebook's page.
The pictures are committed; tests/test_docs.py checks that they and the page agree.
"""

from __future__ import annotations

import html
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "tests")]

import notebooks  # noqa: E402  (docs/notebooks.py)

PICTURES = HERE / "images" / "gallery"
PAGE = HERE / "gallery.md"
WIDTH = 800  # px, the narrow notebook width every view must fit
MAX_HEIGHT = 900
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

# the views in the order the gallery shows them: class -> section heading
VIEWS = {
    "ComparisonView": "Attributions side by side (ComparisonView)",
    "MaskView": "Explanatory masks (MaskView)",
    "ConceptTreeView": "Concept trees (ConceptTreeView)",
    "TimelineView": "Concepts over time (TimelineView)",
    "SENNView": "Self-explaining networks (SENNView)",
    "RedescriptionView": "Redescriptions of neurons (RedescriptionView)",
}


@dataclass
class Shot:
    notebook: str  # stem
    cell: int
    view: str  # class name
    title: str
    snapshot: str  # the text/html entry

    @property
    def file(self) -> str:
        return f"{self.notebook}-{self.view}.png"


def _title(snapshot: str, view: str) -> str:
    found = re.search(r"<h4>(.*?)</h4>", snapshot, re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""
    return text or view


def shots(executed: Path) -> list[Shot]:
    """The first output of each kind of view in each executed notebook, notebook by notebook."""
    out: list[Shot] = []
    for path in sorted(notebooks.NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(executed / path.name, as_version=4)
        state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
        seen: set[str] = set()
        for i, cell in enumerate(nb.cells):
            for o in cell.get("outputs", []) if cell.cell_type == "code" else []:
                data = o.get("data", {})
                if notebooks.WIDGET_VIEW not in data or "text/html" not in data:
                    continue
                model = state.get(data[notebooks.WIDGET_VIEW]["model_id"], {})
                view = str(model.get("state", {}).get("_anywidget_id", "")).rsplit(".", 1)[-1]
                if view in VIEWS and view not in seen:
                    seen.add(view)
                    out.append(Shot(path.stem, i, view, _title(data["text/html"], view),
                                    data["text/html"]))
    return out


_FRAME = """<!doctype html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; padding: 12px; background: #fff; color: #1f2328; width: {width}px;
       box-sizing: border-box; font: 13px system-ui, sans-serif; }}
table {{ border-collapse: collapse; }} td, th {{ padding: 2px 6px; }}
</style></head><body>{snapshot}</body></html>"""


def draw(items: list[Shot]) -> None:
    """Photograph each snapshot in Chromium; write the PNGs (optimised) to docs/images/gallery/."""
    from browser.jupyter import CHROMIUM, CHROMIUM_ARGS
    from PIL import Image
    from playwright.sync_api import sync_playwright

    PICTURES.mkdir(exist_ok=True)
    for old in PICTURES.glob("*.png"):
        old.unlink()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": WIDTH, "height": MAX_HEIGHT},
                                device_scale_factor=1)
        for shot in items:
            # offline: the snapshot is inline HTML, its pictures data URIs
            page.set_content(_FRAME.format(width=WIDTH, snapshot=shot.snapshot))
            height = min(MAX_HEIGHT, page.evaluate("document.body.scrollHeight"))
            png = page.screenshot(clip={"x": 0, "y": 0, "width": WIDTH, "height": height})
            image = Image.open(io.BytesIO(png)).convert("RGB")
            image.save(PICTURES / shot.file, optimize=True)
            print(f"docs/images/gallery/{shot.file}: {image.size[0]}x{image.size[1]}, "
                  f"{(PICTURES / shot.file).stat().st_size // 1024} KiB", flush=True)
        browser.close()


def _md(text: str) -> str:
    """Text for markdown: HTML escaped, markdown's link and emphasis characters neutralised."""
    return re.sub(r"([\\[\]*_`])", r"\\\1", html.escape(text))


def page(items: list[Shot]) -> str:
    """The gallery page: a section per view, a captioned picture per notebook that shows it."""
    lines = [
        "# Gallery",
        "",
        "Every view, as each tutorial notebook shows it: the static snapshot a notebook keeps "
        "where no kernel runs (the pictures, charts and tables of its `text/html` output). A "
        "picture links to its output on the notebook's page. Written by `python docs/gallery.py` "
        "from the notebooks that `make docs` executes; in JupyterLab each view is live.",
        "",
    ]
    for view, heading in VIEWS.items():
        mine = [s for s in items if s.view == view]
        if not mine:
            continue
        lines += [f"## {heading}", "", '<div class="xw-gallery" markdown>', ""]
        for s in mine:
            link = f"notebooks/{s.notebook}.md#output-{s.cell}"
            lines += [
                '<figure markdown="block">',
                f"[![{_md(s.title)}](images/gallery/{s.file})]({link})",
                f'<figcaption markdown="span">{_md(s.title)}<br>[{s.notebook}]({link})'
                "</figcaption>",
                "</figure>",
                "",
            ]
        lines += ["</div>", ""]
    return "\n".join(lines)


def main() -> None:
    names = [p.name for p in sorted(notebooks.NOTEBOOKS.glob("*.ipynb"))]
    stale = [n for n in names if not notebooks.up_to_date(n)]
    if stale:
        notebooks.main(stale)
    items = shots(notebooks.executed_dir())
    missing = set(VIEWS) - {s.view for s in items}
    if missing:
        raise SystemExit(f"no tutorial notebook shows {sorted(missing)}")
    draw(items)
    PAGE.write_text(page(items), encoding="utf-8")
    print(f"docs/gallery.md: {len(items)} pictures of {len(VIEWS)} views")


if __name__ == "__main__":
    main()
