"""The documentation site (`make docs`): docs/ pages plus the API reference from the docstrings,
built offline in strict mode. Notebooks are not executed by it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import xaiwidgets

ROOT = Path(__file__).resolve().parents[1]


def _fail_or_skip(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the docs build may not skip)", pytrace=False)
    pytest.skip(reason)


def _build_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for mod in ("mkdocs", "material", "mkdocstrings_handlers.python"):
        try:
            __import__(mod)
        except ImportError:
            _fail_or_skip(f"{mod} is not installed (the dev extra has it)")
    out = tmp_path_factory.mktemp("site")
    env = {
        **os.environ,
        "NO_MKDOCS_2_WARNING": "1",
        # Offline: any attempt to reach the network during the build fails at once.
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
        "NO_PROXY": "",
        "no_proxy": "",
    }
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    print(f"docs build: {time.monotonic() - t0:.1f} s")
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    # strict mode turns every warning into a failure; none may have been printed either
    assert "WARNING" not in proc.stderr, proc.stderr
    return out


def _page(site: Path, rel: str) -> str:
    path = site / rel
    assert path.is_file(), f"{rel} missing from the site: {sorted(p.name for p in site.iterdir())}"
    return path.read_text(encoding="utf-8")


def _every_docs_page_is_in_the_site(site: Path) -> None:
    pages = sorted((ROOT / "docs").rglob("*.md"))
    assert pages
    for md in pages:
        rel = md.relative_to(ROOT / "docs").with_suffix("")
        html = str(rel.parent / "index.html" if rel.name == "index" else rel / "index.html")
        _page(site, html)
    assert "compare_attributions" in _page(site, "methods/attributions/index.html")
    # an anchor that the method pages link to, kept from GitHub's heading slugs
    assert 'id="1-estimators-_coreestimatorpy"' in _page(site, "contracts/index.html")


def _api_index_lists_the_public_api(site: Path) -> None:
    html = _page(site, "api/index.html")
    for name in xaiwidgets.__all__:
        assert f"<code>{name}</code>" in html, name
    # each name links to where it is documented
    assert re.search(r'href="attributions/#xaiwidgets\.attributions\.compare_attributions"', html)


def _each_public_subpackage_has_a_page(site: Path) -> None:
    subpackages = sorted(p.parent.name for p in (ROOT / "xaiwidgets").glob("*/__init__.py")
                         if not p.parent.name.startswith("_"))
    assert {"attributions", "metrics", "masks", "concepts", "widgets", "datasets"} <= set(
        subpackages)
    for sub in subpackages:
        html = _page(site, f"api/{sub}/index.html")
        mod = __import__(f"xaiwidgets.{sub}", fromlist=["_"])
        for name in getattr(mod, "__all__", []):
            assert f"<code>{name}</code>" in html or f">{name}<" in html, (sub, name)


def _api_pages_render_the_docstrings(site: Path) -> None:
    attributions = _page(site, "api/attributions/index.html")
    assert 'id="xaiwidgets.attributions.compare_attributions"' in attributions
    assert "Explain <code>inputs</code> with every method" in attributions  # the docstring
    assert "deletion_auc" in attributions  # a default from the signature
    widgets = _page(site, "api/widgets/index.html")
    assert 'id="xaiwidgets.widgets.ComparisonView"' in widgets
    assert 'id="xaiwidgets.widgets.ComparisonView.from_model"' in widgets
    assert 'id="xaiwidgets.widgets.ComparisonView.to_html"' in widgets  # inherited
    masks = _page(site, "api/masks/index.html")
    assert 'id="xaiwidgets.masks.MaskExplainer.fit"' in masks
    assert 'id="xaiwidgets.masks.MaskExplainer.save"' in masks  # from XaiEstimator
    # Sphinx roles in docstrings become links (or code), never literal ":func:`...`"
    for page in (site / "api").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r":(func|class|meth|attr|mod|data):`", text), page
        assert "<autoref" not in text, page


def test_docs_site_builds_offline_in_strict_mode(tmp_path_factory: pytest.TempPathFactory) -> None:
    # one test, one build: a module fixture would build once per xdist worker
    site = _build_site(tmp_path_factory)
    _every_docs_page_is_in_the_site(site)
    _api_index_lists_the_public_api(site)
    _each_public_subpackage_has_a_page(site)
    _api_pages_render_the_docstrings(site)


def test_generated_reference_is_not_committed() -> None:
    # the API pages are written at build time (docs/api/reference.py); only the hooks live here
    assert sorted(p.name for p in (ROOT / "docs" / "api").iterdir()
                  if p.name != "__pycache__") == ["reference.py", "sphinx_roles.py"]
