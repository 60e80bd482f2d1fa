"""The tutorial notebooks in the documentation site, with their outputs.

Two roles in one file:

* a command, ``python docs/notebooks.py [names...]``, which executes every tutorial notebook of
  ``notebooks/`` on the CPU (a scratch copy each, with nbclient) and writes the executed copies to
  ``build/notebooks/`` (git ignores ``build/``). The tracked notebooks are never modified. A copy
  is reused while it is up to date: the same cell sources as the tracked notebook and newer than
  the notebook and every file of the ``xaiwidgets`` package. ``make docs`` runs it first.
* an MkDocs hook (``mkdocs.yml``), which adds one page per notebook, ``notebooks/<name>/``: its
  markdown cells as markdown, its code cells as code, and the outputs of the executed copy. A
  widget output is shown as its static snapshot (the ``text/html`` entry every xaiwidgets view
  carries: inline pictures and tables, no script), never as the live widget, which would need a
  kernel. Text printed by a cell is escaped.

A notebook without an up-to-date executed copy is a warning (so ``mkdocs build --strict`` fails
and names the command to run), unless ``XAIWIDGETS_DOCS_UNEXECUTED=1``: then its page shows the
code only, under a note. ``XAIWIDGETS_DOCS_EXECUTED`` points to another directory of executed
copies (tests/test_docs.py builds the site with one notebook executed).
"""

from __future__ import annotations

import argparse
import html
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
EXECUTED = ROOT / "build" / "notebooks"
PACKAGE = ROOT / "xaiwidgets"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

log = logging.getLogger("mkdocs.hooks.notebooks")


# -- executing ----------------------------------------------------------------------------------

def executed_dir() -> Path:
    """Where the executed copies are read from and written to."""
    return Path(os.environ.get("XAIWIDGETS_DOCS_EXECUTED") or EXECUTED)


def _sources(nb: Any) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source) for c in nb.cells]


def _newest_input() -> float:
    """The newest modification time of what a notebook's outputs depend on here: the package."""
    return max(p.stat().st_mtime for p in PACKAGE.rglob("*.py"))


def up_to_date(name: str, out: Path | None = None) -> bool:
    """Whether ``out/name`` is an executed copy of the tracked notebook ``name`` that is current:
    the same cell sources, and written after the notebook and the package last changed."""
    copy = (out or executed_dir()) / name
    source = NOTEBOOKS / name
    if not copy.is_file():
        return False
    if copy.stat().st_mtime < max(source.stat().st_mtime, _newest_input()):
        return False
    return _sources(nbformat.read(copy, as_version=4)) == _sources(
        nbformat.read(source, as_version=4))


def execute(name: str, out: Path | None = None) -> float:
    """Run a scratch copy of ``notebooks/name`` (notebooks write exports next to themselves) and
    write the executed notebook to ``out/name``. Returns the seconds it took."""
    from nbclient import NotebookClient

    out = out or executed_dir()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / name
        shutil.copy(NOTEBOOKS / name, work)
        nb = nbformat.read(work, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=1800, kernel_name="python3",
                       resources={"metadata": {"path": tmp}}).execute()
        seconds = time.perf_counter() - start
    partial = out / f".{name}.part"  # never a half-written copy under the real name
    nbformat.write(nb, partial)
    partial.replace(out / name)
    return seconds


# -- rendering (the MkDocs hook) ----------------------------------------------------------------

PAGES = "notebooks"  # the pages' folder in the site
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# raw HTML that Markdown leaves alone and MkDocs counts as an anchor (the gallery links to it)
_PLACEHOLDER = re.compile(r"<div class=\"nb-anchor\" id=\"output-(\d+)\"></div>")
_NOTEBOOK_LINK = re.compile(r"\]\((\d\d_[\w-]+)\.ipynb(#[^)]*)?\)")
_outputs: dict[str, dict[int, str]] = {}  # page src_uri -> cell index -> its outputs' HTML


def _terminal_text(text: str) -> str:
    """Text as a terminal would leave it: colour codes dropped, and of each line rewritten with
    carriage returns (a progress bar) only its last state."""
    text = _ANSI.sub("", text)
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))


def _output_html(output: Any, where: str) -> str:
    """One output as HTML. A widget shows its ``text/html`` snapshot; printed text is escaped."""
    kind = output.get("output_type")
    if kind == "stream":
        text = _terminal_text(output.get("text", ""))
        return f"<pre class='nb-stream nb-{output.get('name', 'stdout')}'>{html.escape(text)}</pre>"
    if kind == "error":
        log.warning("%s: a cell raised %s: the executed copy shows an error", where,
                    output.get("ename"))
        text = _ANSI.sub("", "\n".join(output.get("traceback", [])))
        return f"<pre class='nb-error'>{html.escape(text)}</pre>"
    data = output.get("data", {})
    # pictures and tables stay out of the search index (Material skips data-search-exclude)
    if "text/html" in data:  # every xaiwidgets view; pandas tables
        return f"<div class='nb-html' data-search-exclude>{data['text/html']}</div>"
    if "image/svg+xml" in data:
        return f"<div class='nb-html' data-search-exclude>{data['image/svg+xml']}</div>"
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            payload = "".join(str(data[mime]).split())
            return f"<img class='nb-image' alt='' src='data:{mime};base64,{payload}'>"
    if WIDGET_VIEW in data:  # a widget of another package: no picture without a kernel
        return ""
    if "text/plain" in data:
        return f"<pre class='nb-result'>{html.escape(_ANSI.sub('', data['text/plain']))}</pre>"
    return ""


def render(nb: Any, name: str, executed: bool) -> tuple[str, dict[int, str]]:
    """A notebook as a page: (markdown with a placeholder per cell's outputs, their HTML by cell
    index)."""
    parts: list[str] = []
    outputs: dict[int, str] = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            # links between tutorials go to their pages
            parts.append(_NOTEBOOK_LINK.sub(lambda m: f"]({m.group(1)}.md{m.group(2) or ''})",
                                            cell.source))
        elif cell.cell_type == "code" and cell.source.strip():
            parts.append(f"````python\n{cell.source}\n````")
            where = f"{name} cell {i}"
            shown = [h for o in cell.get("outputs", []) if (h := _output_html(o, where))]
            # an anchor per code cell, outputs or not (the gallery links to them)
            parts.append(f'<div class="nb-anchor" id="output-{i}"></div>')
            if shown:
                outputs[i] = f"<div class='nb-output' id='output-{i}'>{''.join(shown)}</div>"
        if i == 0:  # under the title
            parts.append(_note(name, executed))
    return "\n\n".join(parts) + "\n", outputs


def _note(name: str, executed: bool) -> str:
    if executed:
        return (f'!!! note "Run on a CPU by `make docs`"\n    `notebooks/{name}` with its outputs. '
                "The views are their static snapshots (pictures and tables); open the notebook "
                "in JupyterLab (`make lab`) to explore them live.")
    return (f'!!! warning "Not executed"\n    `notebooks/{name}` without outputs: '
            "`python docs/notebooks.py` executes the notebooks for this site.")


def on_files(files: Any, config: Any) -> Any:
    """Add a page per tutorial notebook, with the outputs of its executed copy."""
    from mkdocs.structure.files import File

    allow_unexecuted = os.environ.get("XAIWIDGETS_DOCS_UNEXECUTED") == "1"
    _outputs.clear()
    for source in sorted(NOTEBOOKS.glob("*.ipynb")):
        name = source.name
        executed = up_to_date(name)
        if not executed:
            (log.info if allow_unexecuted else log.warning)(
                "%s has no up-to-date executed copy in %s: run `python docs/notebooks.py`",
                name, executed_dir())
        nb = nbformat.read(executed_dir() / name if executed else source, as_version=4)
        text, outputs = render(nb, name, executed)
        uri = f"{PAGES}/{source.stem}.md"
        _outputs[uri] = outputs
        files.append(File.generated(config, uri, content=text))
    return files


def on_page_content(page_html: str, page: Any, config: Any, files: Any) -> str:
    """Put each cell's outputs, kept out of Markdown's reach, where its placeholder is."""
    outputs = _outputs.get(page.file.src_uri)
    if outputs is None:
        return page_html
    return _PLACEHOLDER.sub(lambda m: outputs.get(int(m.group(1)), m.group(0)), page_html)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Execute the tutorial notebooks for the docs.")
    parser.add_argument("names", nargs="*", help="notebook names or prefixes (default: all)")
    parser.add_argument("--out", type=Path, default=None,
                        help="directory of executed copies (default: build/notebooks)")
    parser.add_argument("--force", action="store_true", help="execute even up-to-date copies")
    args = parser.parse_args(argv)
    names = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    if args.names:
        names = [n for n in names if any(n.startswith(a.removesuffix(".ipynb"))
                                         for a in args.names)]
        if not names:
            raise SystemExit(f"no notebook in {NOTEBOOKS} starts with {args.names}")
    # one torch and one BLAS thread per kernel, as the tests run them
    os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    out = args.out or executed_dir()
    for name in names:
        if not args.force and up_to_date(name, out):
            print(f"{name}: up to date", flush=True)
            continue
        seconds = execute(name, out)
        print(f"{name}: executed in {seconds:.0f} s", flush=True)


if __name__ == "__main__":
    sys.exit(main())
