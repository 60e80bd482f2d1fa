"""The package's import layering, read from the source with ``ast`` (nothing is imported).

``_core`` is the bottom; ``metrics`` work for any explainer, so they import only ``_core``; each
method subpackage imports ``_core`` and ``metrics`` but never a sibling method; ``widgets`` sit
on top; only ``xaiwidgets/__init__.py`` gathers everything. Imports inside functions count too:
a lazy import is still a dependency (and is how import circles usually hide).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

import xaiwidgets

PACKAGE = Path(xaiwidgets.__file__).parent
TOP = "xaiwidgets"  # the package's own __init__.py

BASE = {"_core", "_version"}
METHODS = {"attributions", "concepts", "masks", "meme", "redescriptions", "senn"}
#: unit -> the units it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "_version": set(),
    "_core": {"_version"},
    "metrics": BASE,
    **{m: BASE | {"metrics"} for m in METHODS},
    "datasets": BASE,
    "examples": BASE,
    # dataset jobs run the methods' computations: above them, below the views
    "runs": BASE | {"metrics", "datasets"} | METHODS,
    "widgets": BASE | {"metrics", "datasets", "runs"} | METHODS,
}

#: (file, unit) imports that break the layering on purpose, each a name deprecated this release
#: that keeps working until the next one (then the import and this entry go): the report's
#: chart moved from concepts to the views, and its old names import the views when first used.
DEPRECATED_SHIMS = {("concepts/tree.py", "widgets")}

Edges = dict[str, dict[str, list[str]]]


def _unit(parts: list[str]) -> str:
    """The top-level subpackage or module a dotted path inside the package belongs to."""
    return parts[1] if len(parts) > 1 else TOP


def import_edges(root: Path = PACKAGE) -> Edges:
    """unit -> {imported unit: ["file:line", ...]} for every import of the package by itself."""
    name = root.name
    submodules = {p.stem for p in root.glob("*.py")} | {p.name for p in root.iterdir()
                                                       if (p / "__init__.py").is_file()}
    edges: Edges = defaultdict(lambda: defaultdict(list))
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        pkg = [name, *rel.parts[:-1]]
        src = _unit(pkg if rel.name == "__init__.py" else [*pkg, rel.stem])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = pkg[:len(pkg) - node.level + 1]
                    mod = base + (node.module.split(".") if node.module else [])
                else:
                    mod = (node.module or "").split(".")
                if mod[0] != name:
                    continue
                if len(mod) > 1:
                    targets = [mod[1]]
                else:  # from <package> import x: a submodule, or a name from __init__.py
                    targets = [a.name if a.name in submodules else TOP for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [_unit(a.name.split(".")) for a in node.names
                           if a.name.split(".")[0] == name]
            for t in targets:
                if t != src and (str(rel), t) not in DEPRECATED_SHIMS:
                    edges[src][t].append(f"{rel}:{node.lineno}")
    return edges


def layering_violations(edges: Edges) -> list[str]:
    """Every import that goes against :data:`ALLOWED`, with where it is."""
    bad = []
    for src, targets in sorted(edges.items()):
        if src == TOP:
            continue
        if src not in ALLOWED:
            bad.append(f"{src}: not placed in a layer (add it to ALLOWED)")
            continue
        for t, where in sorted(targets.items()):
            if t not in ALLOWED[src]:
                bad.append(f"{src} -> {t} at {', '.join(where)}")
    return bad


def find_cycle(edges: Edges) -> list[str] | None:
    """One import circle between units, as the path that closes it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(u: str) -> list[str] | None:
        state[u] = 1
        path.append(u)
        for v in sorted(edges.get(u, {})):
            if state.get(v) == 1:
                return [*path[path.index(v):], v]
            if v not in state and (found := visit(v)):
                return found
        path.pop()
        state[u] = 2
        return None

    for u in sorted(edges):
        if u not in state and (found := visit(u)):
            return found
    return None


def test_every_unit_is_placed_in_a_layer():
    units = {p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    units |= {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert units == set(ALLOWED), sorted(units ^ set(ALLOWED))


@pytest.fixture(scope="module")
def edges() -> Edges:
    return import_edges()


def test_package_imports_follow_the_layering(edges):
    # the walk sees the package: top-level, sibling and lazy (in-function) imports
    assert {"_core", "metrics"} <= set(edges["attributions"])
    assert set(edges[TOP]) >= METHODS | {"metrics", "widgets"}
    assert layering_violations(edges) == []


def test_package_has_no_import_cycle(edges):
    assert find_cycle(edges) is None


def test_each_deprecated_shim_still_exists():
    """An exception above is listed only while its import is there."""
    for rel, unit in DEPRECATED_SHIMS:
        assert f"xaiwidgets.{unit}" in (PACKAGE / rel).read_text(), (rel, unit)


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / "xaiwidgets" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root / "xaiwidgets"


def test_checks_catch_a_back_edge_a_sibling_import_and_a_circle(tmp_path):
    # the shape the package had before the shared adapter moved to _core (issue 22)
    root = _write(tmp_path, {
        "__init__.py": "from .attributions import compare\n",
        "_core/__init__.py": "",
        "_core/persist.py": "def load():\n    from .. import __version__\n",
        "metrics/__init__.py": "",
        "metrics/robustness.py": (
            "def as_explain():\n    from ..attributions.methods import _from_explainer\n"),
        "attributions/__init__.py": "",
        "attributions/compare.py": "from ..metrics import robustness\n",
        "senn/__init__.py": "import xaiwidgets.attributions.methods\n",
    })
    edges = import_edges(root)
    assert layering_violations(edges) == [
        "_core -> xaiwidgets at _core/persist.py:2",
        "metrics -> attributions at metrics/robustness.py:2",
        "senn -> attributions at senn/__init__.py:1",
    ]
    assert find_cycle(edges) == ["attributions", "metrics", "attributions"]


def test_checks_pass_a_well_layered_package(tmp_path):
    root = _write(tmp_path, {
        "__init__.py": "from . import _version\nfrom .widgets import View\n",
        "_version.py": "__version__ = '1'\n",
        "_core/__init__.py": "from .._version import __version__\n",
        "metrics/__init__.py": "from .._core import x\n",
        "senn/__init__.py": "from ..metrics import y\nfrom . import modules\n",
        "senn/modules.py": "from .._core.probe import z\n",
        "widgets/__init__.py": "from ..senn import SENN\n",
    })
    edges = import_edges(root)
    assert layering_violations(edges) == []
    assert find_cycle(edges) is None
    assert set(edges["senn"]) == {"metrics", "_core"}


@pytest.mark.parametrize("unit", sorted(METHODS))
def test_no_method_imports_a_sibling_method(edges, unit):
    siblings = set(edges.get(unit, {})) & (METHODS - {unit})
    assert siblings == set()
