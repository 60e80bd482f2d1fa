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
"""

from __future__ import annotations

import base64
import html
import json
from importlib.resources import files
from pathlib import Path
from typing import Any, ClassVar

import anywidget

from ._traits import Field, split_buffers

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
