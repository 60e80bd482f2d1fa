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
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
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


def _shadowed(obj: griffe.Object | griffe.Alias) -> griffe.Object | griffe.Alias:
    """``from .sweep import sweep`` in a package: at run time the name is the function, but
    griffe sees the submodule ``sweep``; return the function."""
    last = (obj.target_path if obj.is_alias else obj.path).rsplit(".", 1)[-1]
    try:
        if obj.is_module and last in obj.members and not obj.members[last].is_module:
            return obj.members[last]
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        pass
    return obj


def build_pages() -> dict[str, str]:
    """``{path under docs/: markdown}`` of every API page."""
    # with the roles extension, so that summaries link like the pages do
    pkg = griffe.load(PACKAGE, search_paths=[str(ROOT)], docstring_parser="numpy",
                      resolve_aliases=False,
                      extensions=griffe.load_extensions(f"{HERE / 'sphinx_roles.py'}:SphinxRoles"))
    modules = _public_modules(pkg)
    # (page, exported name) -> the object; page "" is the index (xaiwidgets.__all__)
    exports = {m: _exports(pkg[m]) for m in modules}
    exports[""] = _exports(pkg)
    obj = {(m, n): _shadowed(pkg[f"{m}.{n}" if m else n])
           for m, names in exports.items() for n in names}
    canon = {key: _canonical(o) for key, o in obj.items()}

    home: dict[str, tuple[str, str]] = {}  # canonical path -> (page, name) documenting it
    for m in modules:  # rule 1: exported and defined here
        for n in exports[m]:
            if canon[m, n].startswith(f"{PACKAGE}.{m}."):
                home.setdefault(canon[m, n], (m, n))
    for n in exports[""]:  # rule 2
        home.setdefault(canon["", n], ("", n))
    for m in modules:  # rule 3
        for n in exports[m]:
            home.setdefault(canon[m, n], (m, n))

    def is_member(page: str, name: str) -> bool:
        """False for a shadowed function (see _shadowed): rendered under its own path."""
        return not (pkg[page] if page else pkg).members[name].is_module

    def anchor(page: str, name: str) -> str:
        if not is_member(page, name):
            return obj[page, name].path
        return f"{PACKAGE}.{page}.{name}" if page else f"{PACKAGE}.{name}"

    def where(page: str, name: str) -> str:
        hp, hn = home[canon[page, name]]
        target = "" if hp == page else ("index.md" if hp == "" else f"{hp}.md")
        return f"[`{name}`]({target}#{anchor(hp, hn)})"

    def render(page: str) -> list[str]:
        own = [n for n in exports[page] if home[canon[page, n]] == (page, n)]
        members = [n for n in own if is_member(page, n)]
        extra = [n for n in own if not is_member(page, n)]
        out: list[str] = []
        if members:
            out += [f"::: {PACKAGE}.{page}" if page else f"::: {PACKAGE}", "    options:",
                    "      show_root_heading: false", "      show_root_toc_entry: false",
                    "      members:"] + [f"        - {n}" for n in members] + [""]
        for n in extra:
            out += [f"::: {obj[page, n].path}", "    options:",
                    "      show_root_full_path: false", ""]
        return out

    pages: dict[str, str] = {}
    for m in modules:
        elsewhere = [n for n in exports[m] if home[canon[m, n]] != (m, n)]
        lines = [f"# `{PACKAGE}.{m}`", ""]
        if elsewhere:
            lines += ["Also exported here, documented on another page: "
                      + ", ".join(where(m, n) for n in elsewhere) + ".", ""]
        lines += render(m)
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
    for n in exports[""]:
        idx.append(f"| {where('', n)} | {_kind(obj['', n])} | {_summary(obj['', n])} |")
    idx += ["", "## Subpackages", ""]
    for m in modules:
        idx.append(f"* [`{PACKAGE}.{m}`]({m}.md): {_summary(pkg[m])}")
    top_own = render("")
    if top_own:
        idx += ["", "## Defined outside the subpackages", "", *top_own]
    pages[f"{API_DIR}/index.md"] = "\n".join(idx) + "\n"
    return pages


def on_files(files: Files, config) -> Files:
    for path, text in build_pages().items():
        existing = files.get_file_from_path(path)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, path, content=text))
    return files


def on_nav(nav, config, files):
    # the nav is built from the folders (no `nav:` in mkdocs.yml), which would title this "Api"
    for item in nav.items:
        if item.is_section and item.title == "Api":
            item.title = "API reference"
    return nav
