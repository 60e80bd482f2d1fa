"""MkDocs hook: writes the API reference pages at build time (nothing generated is committed).

Discovery is automatic: every public subpackage or module of ``xaiwidgets`` (a name without a
leading ``_``) gets a page ``api/<name>.md`` rendering what its ``__all__`` exports, and
``api/index.md`` lists ``xaiwidgets.__all__`` with a link to where each name is documented.
Each object is documented once, so that cross-references have one target:

1. on the page of the subpackage that exports it *and* defines it (``metrics`` for
   ``hard_mask_preservation``, although ``masks`` re-exports it);
2. else on the index, if ``xaiwidgets.__all__`` has it (``Masker``, ``preserved_model``...);
3. else on the first subpackage page that exports it.

A re-export documented elsewhere is listed on the page with a link. The source is read
statically by griffe (as mkdocstrings does): nothing is imported, no notebook is executed.
"""

from __future__ import annotations

import logging
from pathlib import Path

import griffe
from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.hooks.api_reference")

PACKAGE = "xaiwidgets"
ROOT = Path(__file__).resolve().parents[2]
API_DIR = "api"


def _public_modules(pkg: griffe.Module) -> list[str]:
    """Public subpackages and modules, from the file system (not from import aliases)."""
    src = ROOT / PACKAGE
    names = [p.name for p in src.iterdir() if p.is_dir() and (p / "__init__.py").is_file()]
    names += [p.stem for p in src.glob("*.py") if p.stem != "__init__"]
    return sorted(n for n in names if not n.startswith("_") and n in pkg.members)


def _exports(mod: griffe.Module) -> list[str]:
    """``__all__`` if the module has one; else its public non-module members."""
    if mod.exports is not None:
        return [str(n) for n in mod.exports]
    return [n for n, m in mod.members.items() if not n.startswith("_") and not m.is_module]


def _canonical(obj: griffe.Object | griffe.Alias) -> str:
    try:
        return obj.canonical_path
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return obj.path


def _summary(obj: griffe.Object | griffe.Alias) -> str:
    try:
        doc = obj.docstring
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        doc = None
    if doc is None or not doc.value.strip():
        return ""
    first = doc.value.strip().split("\n\n")[0].replace("\n", " ")
    return first.replace("|", "\\|")


def _kind(obj: griffe.Object | griffe.Alias) -> str:
    try:
        return obj.kind.value
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return "attribute"


def build_pages() -> dict[str, str]:
    """``{path under docs/: markdown}`` of every API page."""
    pkg = griffe.load(PACKAGE, search_paths=[str(ROOT)], docstring_parser="numpy",
                      resolve_aliases=False)
    modules = _public_modules(pkg)
    exports = {m: _exports(pkg[m]) for m in modules}
    top = _exports(pkg)

    home: dict[str, str] = {}  # canonical path -> page (module name, or "" for the index)
    for m in modules:  # rule 1: exported and defined here
        for name in exports[m]:
            c = _canonical(pkg[m][name])
            if c.startswith(f"{PACKAGE}.{m}.") or c == f"{PACKAGE}.{m}.{name}":
                home.setdefault(c, m)
    for name in top:  # rule 2
        home.setdefault(_canonical(pkg[name]), "")
    for m in modules:  # rule 3
        for name in exports[m]:
            home.setdefault(_canonical(pkg[m][name]), m)

    def anchor(page: str, name: str) -> str:
        return f"{PACKAGE}.{page}.{name}" if page else f"{PACKAGE}.{name}"

    def link(page: str, name: str, from_page: str) -> str:
        target = f"{page}.md" if page else "index.md"
        if page == from_page:
            target = ""
        return f"[`{name}`]({target}#{anchor(page, name)})"

    # which exported name each canonical object is rendered under, on its home page
    rendered_as: dict[str, str] = {}
    pages: dict[str, str] = {}
    for m in modules:
        mod = pkg[m]
        own = [n for n in exports[m] if home.get(_canonical(mod[n])) == m]
        for n in own:
            rendered_as.setdefault(_canonical(mod[n]), n)
    top_own = [n for n in top if home.get(_canonical(pkg[n])) == ""]
    for n in top_own:
        rendered_as.setdefault(_canonical(pkg[n]), n)

    def where(obj: griffe.Object | griffe.Alias, from_page: str) -> str:
        c = _canonical(obj)
        page = home.get(c, "")
        return link(page, rendered_as.get(c, obj.name), from_page)

    for m in modules:
        mod = pkg[m]
        own = [n for n in exports[m] if home.get(_canonical(mod[n])) == m
               and rendered_as.get(_canonical(mod[n])) == n]
        elsewhere = [n for n in exports[m] if n not in own]
        lines = [f"# `{PACKAGE}.{m}`", ""]
        if elsewhere:
            lines += ["Also exported here, documented on another page: "
                      + ", ".join(where(mod[n], m) for n in elsewhere) + ".", ""]
        lines += [f"::: {PACKAGE}.{m}", "    options:", "      show_root_heading: false",
                  "      show_root_toc_entry: false"]
        lines += ["      members:"] + [f"        - {n}" for n in own] if own else \
            ["      members: false"]
        pages[f"{API_DIR}/{m}.md"] = "\n".join(lines) + "\n"

    idx = [
        "# API reference",
        "",
        f"Generated from the docstrings of the source at build time. `import {PACKAGE} as xw` "
        f"gives the names below (`{PACKAGE}.__all__`); each subpackage page documents what "
        "that subpackage exports.",
        "",
        "| name | kind | summary |",
        "|---|---|---|",
    ]
    for n in top:
        idx.append(f"| {where(pkg[n], '')} | {_kind(pkg[n])} | {_summary(pkg[n])} |")
    idx += ["", "## Subpackages", ""]
    for m in modules:
        idx.append(f"* [`{PACKAGE}.{m}`]({m}.md): {_summary(pkg[m])}")
    if top_own:
        idx += ["", f"## Defined outside the subpackages", "",
                f"::: {PACKAGE}", "    options:", "      show_root_heading: false",
                "      show_root_toc_entry: false", "      members:"]
        idx += [f"        - {n}" for n in top_own]
    pages[f"{API_DIR}/index.md"] = "\n".join(idx) + "\n"
    return pages


def on_files(files: Files, config) -> Files:  # noqa: ANN001 - mkdocs' hook signature
    for path, text in build_pages().items():
        existing = files.get_file_from_path(path)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, path, content=text))
    return files
