"""The harness itself, proven on throwaway anywidgets (no xaiwidgets involved)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from PIL import Image

from .jupyter import (
    JupyterServer,
    NotebookCellError,
    canvas_stats,
    open_and_run_notebook,
    open_html_file,
    screenshot,
    wait_for_widgets,
)

pytestmark = pytest.mark.browser

RED_SQUARE = '''
import anywidget

class RedSquare(anywidget.AnyWidget):
    _esm = """
    export default {
      render({ el }) {
        const c = document.createElement("canvas");
        c.width = 64; c.height = 64;
        const ctx = c.getContext("2d");
        ctx.fillStyle = "#ffffff"; ctx.fillRect(0, 0, 64, 64);
        ctx.fillStyle = "rgb(255, 0, 0)"; ctx.fillRect(8, 8, 48, 48);
        el.classList.add("harness-red");
        el.appendChild(c);
        el.dataset.xaiReady = "1";
      }
    };
    """

RedSquare()
'''

BROKEN = '''
import anywidget

class Broken(anywidget.AnyWidget):
    _esm = """
    export default {
      render({ el }) { throw new Error("harness: boom in render"); }
    };
    """

Broken()
'''


def _write_notebook(root: Path, name: str, cells: list[nbformat.NotebookNode]) -> str:
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nbformat.write(nb, root / name)
    return name


def _output_text(cell: dict) -> str:
    return "".join(
        o.get("text", "") if isinstance(o.get("text", ""), str) else "".join(o["text"])
        for o in cell["outputs"]
    )


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_red_square_widget(page, jupyter_server: JupyterServer, ui: str) -> None:
    path = _write_notebook(
        jupyter_server.root_dir,
        f"harness_red_{ui}.ipynb",
        [
            nbformat.v4.new_markdown_cell("# harness"),
            nbformat.v4.new_code_cell("import sys\nprint(sys.executable)"),
            nbformat.v4.new_code_cell(""),  # empty cells never get a count: must not hang
            nbformat.v4.new_code_cell(RED_SQUARE),
        ],
    )
    run = open_and_run_notebook(page, jupyter_server, path, ui=ui, timeout=120)
    print(f"{ui}: {run.seconds:.1f}s {run.timings} clicks={run.run_all_clicks}")

    code = [c for c in run.notebook["cells"] if c["cell_type"] == "code"]
    assert _output_text(code[0]).strip() == sys.executable, "kernel is not the venv's Python"
    assert code[2]["execution_count"] is not None

    widget = wait_for_widgets(page, count=1, timeout=30)
    assert widget.count() == 1
    (stats,) = canvas_stats(page, ".harness-red canvas", color=(255, 0, 0))
    assert (stats["width"], stats["height"]) == (64, 64)
    assert stats["matching"] > 100, stats
    assert stats["painted"] > 0, stats
    assert not run.console_errors, run.console.format()

    png = screenshot(widget, f"harness-red-{ui}")
    with Image.open(png) as im:
        rgb = im.convert("RGB")
        colors = rgb.getcolors(maxcolors=1 << 16)
        assert colors is None or len(colors) > 1, f"{png} is a single colour"
        reds = sum(n for n, (r, g, b) in colors or [] if r > 200 and g < 60 and b < 60)
        assert reds > 100, f"{png}: the red square is not on screen"


def test_broken_widget_is_detected(page, jupyter_server: JupyterServer) -> None:
    path = _write_notebook(
        jupyter_server.root_dir,
        "harness_broken.ipynb",
        [
            nbformat.v4.new_code_cell(BROKEN),
            nbformat.v4.new_code_cell("1 / 0"),
            nbformat.v4.new_code_cell("print('never runs')"),
        ],
    )
    with pytest.raises(NotebookCellError, match="ZeroDivisionError") as excinfo:
        open_and_run_notebook(page, jupyter_server, path, ui="lab", timeout=120)
    run = excinfo.value.run
    assert run.cell_errors == ["cell 1: ZeroDivisionError: division by zero"]
    code = [c for c in run.notebook["cells"] if c["cell_type"] == "code"]
    assert code[2]["execution_count"] is None  # run-all stops at the error

    assert any("harness: boom in render" in e.text for e in run.console_errors), (
        run.console.format()
    )
    with pytest.raises(TimeoutError, match="harness: boom in render"):
        wait_for_widgets(page, count=1, timeout=2)


def test_open_html_file_and_canvas_stats(page, tmp_path: Path) -> None:
    html = tmp_path / "export.html"
    html.write_text(
        textwrap.dedent(
            """\
            <!doctype html>
            <html><body>
            <div id="w"><canvas id="drawn" width="40" height="30"></canvas></div>
            <canvas id="blank" width="20" height="20"></canvas>
            <canvas id="filled" width="20" height="20"></canvas>
            <script type="module">
              const d = document.getElementById("drawn").getContext("2d");
              d.fillStyle = "#ffffff"; d.fillRect(0, 0, 40, 30);
              d.fillStyle = "#0000ff"; d.fillRect(5, 5, 10, 10);
              const f = document.getElementById("filled").getContext("2d");
              f.fillStyle = "#00ff00"; f.fillRect(0, 0, 20, 20);
              document.getElementById("w").dataset.xaiReady = "1";
            </script>
            </body></html>
            """
        )
    )
    log = open_html_file(page, html)
    wait_for_widgets(page, timeout=10)
    drawn, blank, filled = canvas_stats(page, "canvas", color=(0, 0, 255))
    assert drawn == {
        **drawn,
        "width": 40,
        "height": 30,
        "opaque": 1200,
        "painted": 100,
        "matching": 100,
        "background": [255, 255, 255],
        "distinct_colors": 2,
    }
    assert blank["opaque"] == 0 and blank["painted"] == 0 and blank["background"] is None
    assert filled["opaque"] == 400 and filled["painted"] == 0  # uniform fill counts as blank
    assert not log.errors, log.format()
