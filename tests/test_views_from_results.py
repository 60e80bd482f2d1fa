"""Every view draws from its result alone: built from a hand-made result (no model, no
estimator), identical after save -> open, and the exported state is the fixture vitest renders.

Set ``XAI_WRITE_FIXTURES=1`` to (re)write ``js/test/fixtures/*.json`` after changing a view.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hand_results import modules

from xaiwidgets import open_result
from xaiwidgets._core.results import Result

FIXTURES = Path(__file__).resolve().parents[1] / "js" / "test" / "fixtures"
MODULES = modules()
VIEWS = {"ComparisonView", "MaskView", "ConceptTreeView", "TimelineView", "SENNView",
         "RedescriptionView"}


def build(name: str, result: Result | None = None):
    mod = MODULES[name]
    return mod.VIEW(mod.result() if result is None else result, **mod.OPTIONS)


def test_every_view_has_a_hand_built_result():
    assert {m.VIEW.__name__ for m in MODULES.values()} == VIEWS


@pytest.mark.parametrize("name", sorted(MODULES))
def test_view_builds_from_its_result_alone(name):
    result = MODULES[name].result()
    assert isinstance(result, Result) and len(result) > 0
    result.check_rows()
    view = build(name, result)
    state = view.export_state()
    assert state["buffers"], "a view's arrays cross the wire as binary buffers"
    html = view._static_html()
    assert "<img" in html or "<svg" in html, "the static snapshot is a picture"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_save_open_view_gives_the_same_picture(name, tmp_path):
    result = MODULES[name].result()
    before = build(name, result)
    back = open_result(result.save(tmp_path / name))
    assert type(back) is type(result)
    after = build(name, back)
    assert after.export_state() == before.export_state()
    assert after._static_html() == before._static_html()
    # rows taken from the opened (memory-mapped) result draw like rows of the original
    assert build(name, back[:1]).export_state() == build(name, result[:1]).export_state()


@pytest.mark.parametrize("name", sorted(MODULES))
def test_vitest_fixture_is_the_exported_state(name):
    view = build(name)
    text = json.dumps({"view": MODULES[name].VIEW.__name__, "bundle": view._bundle,
                       **view.export_state()}, indent=1, sort_keys=True) + "\n"
    path = FIXTURES / f"{name}.json"
    if os.environ.get("XAI_WRITE_FIXTURES"):
        FIXTURES.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"{path} missing: run XAI_WRITE_FIXTURES=1 pytest {__file__}"
    assert path.read_text(encoding="utf-8") == text, (
        f"{path.name} is stale: the view's state changed; run "
        f"XAI_WRITE_FIXTURES=1 pytest tests/test_views_from_results.py and commit the fixture")
