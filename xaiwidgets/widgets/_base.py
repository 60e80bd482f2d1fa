"""Base class of every xaiwidgets widget: strict keywords, the lazy-fetch channel, the static
fallback and the standalone export.

A widget's live view is its ESM bundle in ``xaiwidgets/static/``. Where no widget manager runs
(nbconvert, GitHub, an untrusted notebook) the ``text/html`` entry of the mimebundle shows a static
snapshot instead, and ``to_html`` writes a self-contained offline page that runs the same bundle
against the widget's saved state (no CDN, no kernel).

**Lazy fetch.** Data that is not embedded in the state (samples beyond the payload cap,
thumbnails of a tree node) is asked for with one custom-message protocol: the view sends
``{"type": "xai-fetch", "seq", "what", "args"}`` and :meth:`XaiWidget._fetch` answers with
``{"type": "xai-fetched", "seq", "what", "block" | "error", "buffer_paths"}`` plus the binary
buffers (``js/src/lib/fetch.ts``). Fetched data never enters the saved widget state.

**Exports.** Every view's header has one export menu (``js/src/lib/export.ts``): the standalone
page (``"page"`` fetch, answered here for every view), the live figure as PNG / SVG and each
table shown as CSV, saved by the browser without the kernel. From Python, :meth:`XaiWidget.tables`
and :meth:`XaiWidget.to_csv` give the tables built from the view's *result* (each view's
``_tables``), and :meth:`XaiWidget.to_png` / :meth:`XaiWidget.to_svg` compose the pictures of
the static snapshot (the ``text/html`` one): the live view's picture, as zoomed and styled on
screen, is the export menu's.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import re
import xml.etree.ElementTree as ET
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import anywidget

from ._traits import Field, split_buffers

if TYPE_CHECKING:
    import pandas as pd
    from PIL import Image

__all__ = ["STATIC", "XaiWidget", "check_keywords", "check_view_options", "static_bundle"]

STATIC = Path(str(files("xaiwidgets") / "static"))

# ipywidgets/anywidget bookkeeping that the standalone page does not need.
_NOT_EXPORTED = {"_esm", "_css", "_anywidget_id", "layout", "tabbable", "tooltip", "_dom_classes"}


def static_bundle(name: str) -> Path:
    """Path of a built front-end bundle, with a clear error when the JS was never built."""
    path = STATIC / name
    if not path.is_file():
        raise FileNotFoundError(
            f"xaiwidgets front end not built: {path} is missing. From a source checkout run "
            "`make build` (or `npm install && npm run build` in js/); wheels ship it prebuilt."
        )
    return path


# `<`, `>` and `&` as JSON's own \u escapes: inside a <script> element no `</script>`, `<!--`
# or `-->` can then appear, and the text stays strict JSON (an ad hoc `<\!--` is not).
_SCRIPT_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                                 "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _script_json(value: Any) -> str:
    """JSON safe to embed inside a <script> element, that strict JSON parsers still accept.

    Every ``<``, ``>``, ``&`` (and U+2028/U+2029, line breaks to old JavaScript) becomes its
    ``\\uXXXX`` escape; those characters only occur inside JSON strings, so the value is unchanged.
    """
    return json.dumps(value).translate(_SCRIPT_ESCAPES)


def check_view_options(cls: type, options: dict[str, Any], allowed: tuple[str, ...],
                       what: str = "view options") -> None:
    """Widget keywords are strict: a misspelt option is an error, not a silent default."""
    import difflib

    unknown = [k for k in options if k not in allowed]
    if unknown:
        close = difflib.get_close_matches(unknown[0], allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise TypeError(f"{cls.__name__}: unknown option {unknown[0]!r}{hint}; {what} are "
                        f"{list(allowed)}")


def check_keywords(cls: type, options: dict[str, Any], extra: tuple[str, ...] = ()) -> None:
    """A view constructor's leftover keywords (its ``**options``) are errors: each names the
    misspelt option, the closest one and every option the constructor takes (its keyword
    parameters plus ``extra``), the same for every view."""
    import inspect

    params = list(inspect.signature(cls).parameters.values())[1:]  # after the result
    allowed = tuple(p.name for p in params
                    if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)) + extra
    check_view_options(cls, options, allowed, "its options")


class XaiWidget(anywidget.AnyWidget):
    """Common behaviour: strict keywords, the fetch channel, a static ``text/html`` snapshot in
    ``_repr_mimebundle_`` and :meth:`to_html`. Subclasses set ``_bundle``, implement
    :meth:`_static_html` and, if they fetch, :meth:`_fetch`."""

    _bundle: str = ""
    #: The declared structure of each fetch answer (``what`` -> field): checked and cast like
    #: a trait before it is sent, so a fetched block is decoded like an embedded one.
    _fetch_schemas: ClassVar[dict[str, Field]] = {}

    def __init__(self, **kwargs: Any) -> None:
        # traitlets only warns about unknown keywords: a misspelt option must fail loudly
        check_view_options(type(self), kwargs, tuple(self.trait_names()))
        # Read per instance (not at class creation) so that importing xaiwidgets for its
        # computations works even where the front end was never built.
        self._esm = static_bundle(self._bundle).read_text(encoding="utf-8")
        super().__init__(**kwargs)
        self.on_msg(self._on_custom)

    # -- lazy fetch ------------------------------------------------------------------------
    def _fetch(self, what: str, args: dict[str, Any]) -> dict[str, Any]:
        """The block answering a fetch request (arrays / heatmaps, encoded like the state)."""
        raise ValueError(f"{type(self).__name__} cannot fetch {what!r}")

    def _on_custom(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("type") != "xai-fetch":
            return
        from ._traits import to_wire

        reply: dict[str, Any] = {"type": "xai-fetched", "seq": content.get("seq"),
                                 "what": content.get("what")}
        try:
            args = content.get("args") or {}
            what = str(content.get("what"))
            if what == "page":  # the export menu's standalone page, the same for every view
                block = {"html": self.to_html()}
            else:
                block = self._fetch(what, args if isinstance(args, dict) else {})
            schema = self._fetch_schemas.get(what)
            if schema is not None:
                block = schema.check(block, f"{type(self).__name__} fetch {what!r}")
            block = to_wire(block)
        except Exception as err:  # the view shows it; the comm must survive a bad request
            reply["error"] = f"{type(err).__name__}: {err}"
            self.send(reply)
            return
        stripped, paths, buffers = split_buffers(block)
        reply.update(block=stripped, buffer_paths=paths)
        self.send(reply, buffers)

    # -- static fallback -------------------------------------------------------------------
    def _static_html(self) -> str:
        """A snapshot of the widget as plain HTML (inline images, tables; no scripts)."""
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle
        data["text/html"] = self._static_html()
        return data, metadata

    # -- standalone export -----------------------------------------------------------------
    def export_state(self) -> dict[str, Any]:
        """Synced state with buffers split out and base64-encoded (ipywidgets' wire layout)."""
        state = {k: v for k, v in self.get_state().items()
                 if k not in _NOT_EXPORTED and not k.startswith("_model")
                 and not k.startswith("_view")}
        stripped, paths, buffers = split_buffers(state)
        return {
            "state": stripped,
            "buffer_paths": paths,
            "buffers": [base64.b64encode(bytes(b)).decode("ascii") for b in buffers],
        }

    def to_html(self, path: str | Path | None = None, *, title: str | None = None,
                appendix: str = "") -> str:
        """Write (and return) a standalone offline HTML page rendering this widget.

        The page inlines the widget's ES module, the small ``standalone.js`` runtime and the
        widget state; it needs no network, no CDN and no kernel. Interaction that would need the
        kernel (fetching samples that were not embedded) is disabled there.

        Parameters
        ----------
        path : str or Path, optional
            Where to write the page. Without it only the HTML string is returned.
        title : str, optional
            The page title (default: the widget's ``title`` trait or class name).
        appendix : str, optional
            Static HTML placed under the widget (already escaped; e.g. tables and SVG charts of
            views that have no ES module of their own).
        """
        esm = static_bundle(self._bundle).read_text(encoding="utf-8")
        runtime = static_bundle("standalone.js").read_text(encoding="utf-8")
        name = title or getattr(self, "title", "") or type(self).__name__
        page = _PAGE.format(
            title=html.escape(name),
            fallback=self._static_html(),
            appendix=appendix,
            payload=_script_json(self.export_state()),
            runtime=_script_json(runtime),
            esm=_script_json(esm),
        )
        if path is not None:
            Path(path).write_text(page, encoding="utf-8")
        return page

    # -- exports: tables and pictures from Python ------------------------------------------
    def _tables(self) -> dict[str, pd.DataFrame]:
        """The view's tables by name, built from its result (the first is the main one)."""
        return {}

    def tables(self) -> dict[str, pd.DataFrame]:
        """The view's tables as pandas DataFrames, built from its result (not from the page).

        Returns
        -------
        dict of str to pandas.DataFrame
            By name, the main table first; the export menu of the live view offers the tables
            as shown there (filtered, sorted) instead.
        """
        return dict(self._tables())

    def to_csv(self, path: str | Path | None = None, table: str | None = None) -> str:
        """One of the view's tables (:meth:`tables`) as CSV (RFC 4180: CRLF line ends, fields
        quoted where needed, full float precision); written to ``path`` when given.

        Parameters
        ----------
        path : str or Path, optional
            Where to write the file (UTF-8).
        table : str, optional
            The table's name (default: the view's main table, the first of :meth:`tables`).

        Returns
        -------
        str
            The CSV text.
        """
        tables = self.tables()
        if not tables:
            raise ValueError(f"{type(self).__name__}: this view has no table to export")
        if table is None:
            table = next(iter(tables))
        if table not in tables:
            raise ValueError(f"argument 'table': expected one of {list(tables)}, got {table!r}")
        text = str(tables[table].to_csv(index=False, lineterminator="\r\n"))
        if path is not None:
            Path(path).write_bytes(text.encode("utf-8"))
        return text

    def _pictures(self) -> list[tuple[str, Image.Image | None, str]]:
        """The snapshot's pictures in order: (caption, raster image or None, SVG markup or "")."""
        return snapshot_pictures(self._static_html())

    def to_png(self, path: str | Path | None = None) -> bytes:
        """The pictures of the view's static snapshot (the images its ``text/html`` entry
        embeds, its SVG charts drawn with Pillow) composed into one PNG, each with its caption.

        The live view's picture (as zoomed and styled on screen) is the export menu's "figure
        (PNG)"; this one needs no browser.

        Parameters
        ----------
        path : str or Path, optional
            Where to write the file.

        Returns
        -------
        bytes
            The PNG file.
        """
        pictures = self._pictures()
        if not pictures:
            raise ValueError(f"{type(self).__name__}: the snapshot has no picture to export "
                             "(only tables and text): use to_csv() for its tables, or the "
                             "export button of the live view for its figure")
        data = compose_png(pictures)
        if path is not None:
            Path(path).write_bytes(data)
        return data

    def to_svg(self, path: str | Path | None = None) -> str:
        """The pictures of the view's static snapshot composed into one SVG document: images
        embedded as PNG, SVG charts inlined (without scripts), captions as ``<text>``.

        Parameters
        ----------
        path : str or Path, optional
            Where to write the file (UTF-8).

        Returns
        -------
        str
            The SVG text.
        """
        pictures = self._pictures()
        if not pictures:
            raise ValueError(f"{type(self).__name__}: the snapshot has no picture to export "
                             "(only tables and text): use to_csv() for its tables, or the "
                             "export button of the live view for its figure")
        text = compose_svg(pictures)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text


# -- pictures of a snapshot ---------------------------------------------------------------------
# A snapshot's pictures are <img src="data:image/png;base64,..."> and inline <svg> charts made by
# this package (_charts.py, _html.py and the views): rect, line, polyline, polygon, simple paths
# and text. They are composed in document order, wrapped in rows, each with its caption.

_PICTURE = re.compile(r"<img\b[^>]*>|<svg\b.*?</svg>", re.S | re.I)
_ATTR = re.compile(r"""([\w:-]+)\s*=\s*(?:'([^']*)'|"([^"]*)")""")
_SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", _SVG_NS)  # serialise SVG elements unprefixed
_FG = "#1f2328"  # currentColor on a white page
_CAPTION = 16  # px under each picture
_GAP = 12
_ROW_WIDTH = 960


def _attrs(tag: str) -> dict[str, str]:
    return {m.group(1).lower(): html.unescape(m.group(2) if m.group(2) is not None else m.group(3))
            for m in _ATTR.finditer(tag)}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_svg(markup: str) -> ET.Element | None:
    """An inline SVG as XML (HTML entities resolved), without scripts or event handlers."""
    text = re.sub(r"&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)(\w+);",
                  lambda m: html.unescape(m.group(0)), markup)
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None
    for parent in root.iter():
        for child in list(parent):
            if _local(child.tag) in ("script", "foreignObject"):
                parent.remove(child)
        for k in [k for k in parent.attrib if k.lower().startswith("on")]:
            del parent.attrib[k]
    return root


def snapshot_pictures(page: str) -> list[tuple[str, Image.Image | None, str]]:
    """The pictures of a snapshot's HTML in order: (caption, PNG decoded, or the SVG markup)."""
    from PIL import Image

    out: list[tuple[str, Image.Image | None, str]] = []
    for m in _PICTURE.finditer(page):
        tag = m.group(0)
        if tag[:4].lower() == "<img":
            a = _attrs(tag)
            src = a.get("src", "")
            if not src.startswith("data:image/") or ";base64," not in src:
                continue
            img = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).convert("RGBA")
            out.append((a.get("alt", ""), img, ""))
        else:
            root = _parse_svg(tag)
            if root is not None and _svg_size(root)[0] > 0:
                markup = ET.tostring(root, encoding="unicode")
                out.append((root.get("aria-label", ""), None, markup))
    return out


def _svg_size(root: ET.Element) -> tuple[int, int]:
    def num(v: str | None) -> float:
        try:
            return float(re.sub(r"px$", "", v or ""))
        except ValueError:
            return 0.0
    w, h = num(root.get("width")), num(root.get("height"))
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if (not w or not h) and len(box) == 4:
        w, h = w or float(box[2]), h or float(box[3])
    return round(w), round(h)


def _color(value: str | None, default: str | None) -> tuple[int, int, int, int] | None:
    from PIL import ImageColor

    v = (value or "").strip() or default
    if v is None or v == "none" or v == "transparent":
        return None
    if v == "currentColor":
        v = _FG
    try:
        rgb = ImageColor.getcolor(v, "RGBA")
    except ValueError:
        return ImageColor.getcolor(_FG, "RGBA")  # type: ignore[return-value]
    return rgb  # type: ignore[return-value]


def _style(el: ET.Element, inherited: dict[str, str]) -> dict[str, str]:
    """Presentation attributes and ``style`` declarations, inherited like SVG's."""
    st = dict(inherited)
    st.pop("fill-opacity", None)  # not inherited here: a group's opacity is not composed
    for k in ("fill", "stroke", "stroke-width", "font-size", "font-weight", "text-anchor",
              "opacity", "fill-opacity"):
        if el.get(k) is not None:
            st[k] = str(el.get(k))
    for decl in (el.get("style") or "").split(";"):
        if ":" in decl:
            k, v = (p.strip() for p in decl.split(":", 1))
            if k == "font":  # e.g. "11px system-ui,sans-serif"
                size = re.search(r"([\d.]+)px", v)
                if size:
                    st["font-size"] = size.group(1)
            else:
                st[k] = v
    return st


def _font(size: float) -> Any:
    """DejaVu Sans where installed (it has λ, θ, ■), else Pillow's own font."""
    from PIL import ImageFont

    try:
        return ImageFont.truetype("DejaVuSans.ttf", max(6, round(size)))
    except OSError:
        pass
    try:
        return ImageFont.load_default(size=max(6.0, size))
    except TypeError:  # Pillow < 10.1: one bitmap size
        return ImageFont.load_default()


def _points(text: str) -> list[tuple[float, float]]:
    v = [float(x) for x in re.findall(r"-?[\d.]+(?:e-?\d+)?", text)]
    return list(zip(v[0::2], v[1::2], strict=False))


def _path_points(d: str) -> list[list[tuple[float, float]]]:
    """Polylines of a path of M / L / H / V / Z commands (absolute); curves are not drawn."""
    subpaths: list[list[tuple[float, float]]] = []
    x = y = 0.0
    for cmd, args in re.findall(r"([MLHVZmlhvz])([^MLHVZmlhvzCcSsQqTtAa]*)", d):
        nums = [float(n) for n in re.findall(r"-?[\d.]+(?:e-?\d+)?", args)]
        if cmd in "Mm":
            x, y = nums[0], nums[1]
            subpaths.append([(x, y)])
            nums = nums[2:]
            cmd = "L"
        if cmd in "Ll":
            for px, py in zip(nums[0::2], nums[1::2], strict=False):
                x, y = px, py
                subpaths[-1].append((x, y))
        elif cmd in "Hh":
            for px in nums:
                x = px
                subpaths[-1].append((x, y))
        elif cmd in "Vv":
            for py in nums:
                y = py
                subpaths[-1].append((x, y))
        elif cmd in "Zz" and subpaths:
            subpaths[-1].append(subpaths[-1][0])
    return subpaths


def rasterize_svg(markup: str) -> Image.Image:
    """A chart of this package drawn with Pillow (rect, line, polyline, polygon, M/L/H/V
    paths, circle, text): no SVG renderer needed. Gradients, curves and transforms are not
    drawn."""
    from PIL import Image, ImageDraw

    root = ET.fromstring(markup)
    w, h = _svg_size(root)
    box = [float(v) for v in (root.get("viewBox") or f"0 0 {w} {h}").replace(",", " ").split()]
    sx = w / box[2] if len(box) == 4 and box[2] else 1.0
    sy = h / box[3] if len(box) == 4 and box[3] else 1.0
    ox, oy = (box[0], box[1]) if len(box) == 4 else (0.0, 0.0)
    img = Image.new("RGBA", (max(1, w), max(1, h)), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)

    def xy(px: float, py: float) -> tuple[float, float]:
        return (px - ox) * sx, (py - oy) * sy

    def num(v: str | None, default: float = 0.0) -> float:
        try:
            return float(v) if v is not None else default
        except ValueError:
            return default

    def walk(el: ET.Element, inherited: dict[str, str]) -> None:
        tag = _local(el.tag)
        if tag in ("title", "desc", "defs", "style", "script"):
            return
        st = _style(el, inherited)
        fill = _color(st.get("fill"), "#000000")
        if fill is not None:  # translucent fills show the white page through when pasted
            fill = (*fill[:3], round(fill[3] * min(1.0, num(st.get("fill-opacity"), 1.0))))
        stroke = _color(st.get("stroke"), None)
        width = max(1, round(num(st.get("stroke-width"), 1.0) * sx))
        if tag == "rect":
            x0, y0 = xy(num(el.get("x")), num(el.get("y")))
            x1, y1 = xy(num(el.get("x")) + num(el.get("width")),
                        num(el.get("y")) + num(el.get("height")))
            if x1 > x0 and y1 > y0:  # a sliver narrower than a pixel still covers one
                draw.rectangle([x0, y0, max(x0, x1 - 1), max(y0, y1 - 1)], fill=fill,
                               outline=stroke, width=width if stroke else 0)
        elif tag == "circle":
            cx, cy = xy(num(el.get("cx")), num(el.get("cy")))
            r = num(el.get("r")) * sx
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill, outline=stroke)
        elif tag == "line":
            a = xy(num(el.get("x1")), num(el.get("y1")))
            b = xy(num(el.get("x2")), num(el.get("y2")))
            draw.line([a, b], fill=stroke or _color(_FG, None), width=width)
        elif tag in ("polyline", "polygon"):
            pts = [xy(px, py) for px, py in _points(el.get("points") or "")]
            if len(pts) >= 2:
                if tag == "polygon" and fill:
                    draw.polygon(pts, fill=fill)
                if stroke:  # a zero-area band (min = max) still shows its outline
                    draw.line(pts + pts[:1] if tag == "polygon" else pts, fill=stroke, width=width)
        elif tag == "path":
            for sub in _path_points(el.get("d") or ""):
                pts = [xy(px, py) for px, py in sub]
                if len(pts) >= 2 and stroke:
                    draw.line(pts, fill=stroke, width=width)
        elif tag == "text":
            content = "".join(el.itertext()).strip()
            if content and fill:
                size = num(st.get("font-size"), 11.0) * sy
                anchor = {"middle": "m", "end": "r"}.get(st.get("text-anchor", ""), "l") + "s"
                font = _font(size)
                at = xy(num(el.get("x")), num(el.get("y")))
                try:
                    draw.text(at, content, fill=fill, font=font, anchor=anchor)
                except ValueError:  # a bitmap font takes no anchor
                    draw.text((at[0], at[1] - size), content, fill=fill, font=font)
            return
        for child in el:
            walk(child, st)

    walk(root, {})
    return img


def _layout(sizes: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], int, int]:
    """Top-left corners of pictures in rows (wrapped at _ROW_WIDTH), and the total size."""
    limit = max([_ROW_WIDTH, *(w for w, _ in sizes)])
    at: list[tuple[int, int]] = []
    x = y = row_h = width = 0
    for w, h in sizes:
        if x and x + w > limit:
            x, y, row_h = 0, y + row_h + _GAP, 0
        at.append((x, y))
        width = max(width, x + w)
        row_h = max(row_h, h + _CAPTION)
        x += w + _GAP
    return at, width, y + row_h


def compose_png(pictures: list[tuple[str, Image.Image | None, str]]) -> bytes:
    """The pictures side by side in rows on white, each with its caption under it; PNG bytes."""
    from PIL import Image, ImageDraw

    images = [img if img is not None else rasterize_svg(svg) for _, img, svg in pictures]
    font = _font(11.0)
    # a caption wider than its picture widens its column (thumbnails have long captions)
    at, width, height = _layout([(max(im.size[0], math.ceil(font.getlength(c))), im.size[1])
                                 for (c, _, _), im in zip(pictures, images, strict=True)])
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    for (caption, _, _), im, (x, y) in zip(pictures, images, at, strict=True):
        page.paste(im, (x, y), im)
        if caption:
            draw.text((x, y + im.size[1] + 2), caption, fill=_FG, font=font)
    buf = io.BytesIO()
    page.save(buf, format="PNG")
    return buf.getvalue()


def compose_svg(pictures: list[tuple[str, Image.Image | None, str]]) -> str:
    """The pictures in rows like :func:`compose_png`: images as embedded PNG, charts inlined."""
    sizes = [img.size if img is not None else _svg_size(ET.fromstring(svg))
             for _, img, svg in pictures]
    at, width, height = _layout([(max(w, math.ceil(6.5 * len(c))), h)
                                 for (c, _, _), (w, h) in zip(pictures, sizes, strict=True)])
    parts = [f"<rect width='{width}' height='{height}' fill='white'/>"]
    for (caption, img, svg), (w, h), (x, y) in zip(pictures, sizes, at, strict=True):
        if img is not None:
            buf = io.BytesIO()
            img.save(buf, format="PNG")
            uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
            parts.append(f"<image x='{x}' y='{y}' width='{w}' height='{h}' href='{uri}'/>")
        else:
            root = ET.fromstring(svg)
            root.set("x", str(x))
            root.set("y", str(y))
            root.set("width", str(w))
            root.set("height", str(h))
            parts.append(ET.tostring(root, encoding="unicode"))
        if caption:
            parts.append(f"<text x='{x}' y='{y + h + 12}' font-size='11' "
                         f"font-family='sans-serif' fill='{_FG}'>{html.escape(caption)}</text>")
    return (f"<?xml version='1.0' encoding='UTF-8'?>\n<svg xmlns='{_SVG_NS}' width='{width}' "
            f"height='{height}' viewBox='0 0 {width} {height}'>{''.join(parts)}</svg>\n")


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;margin:16px;}}
@media (prefers-color-scheme: dark){{body{{background:#0d1117;color:#e6edf3;}}}}
.xai-appendix table{{border-collapse:collapse;font-size:13px;}}
.xai-appendix td,.xai-appendix th{{padding:2px 8px;text-align:right;}}
.xai-appendix caption{{font-weight:600;}}</style>
</head>
<body>
<div id="xai-root"></div>
<div class="xai-appendix">{appendix}</div>
<noscript>{fallback}</noscript>
<script type="application/json" id="xai-payload">{payload}</script>
<script type="module">
const runtime = {runtime};
const esm = {esm};
const url = URL.createObjectURL(new Blob([runtime], {{type: "text/javascript"}}));
const {{ mount }} = await import(url);
const payload = JSON.parse(document.getElementById("xai-payload").textContent);
await mount(document.getElementById("xai-root"), esm, payload);
</script>
</body>
</html>
"""
