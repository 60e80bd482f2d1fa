"""Exported pages and snapshots survive any user text: every text field of every widget set to
strings that end a script, open an HTML comment or break a JavaScript line. The page's state must
still be strict JSON that decodes to the very same text, and no markup may leak into the page.
(``browser/test_exports.py`` opens the same pages in Chromium.)"""

from __future__ import annotations

import json
import re

import pytest
from exportable import HOSTILE, PREFIX, WIDGETS, build, hostile

from xaiwidgets.widgets._base import _script_json
from xaiwidgets.widgets._html import LABEL_MAX, label, short_label

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# the fields each widget carries into its state (all of them: see tests/exportable.py)
FIELDS = {
    "comparison_image": ["title0", "class0", "class1", "class2", "method0", "method1"],
    "comparison_tabular": ["title0", "class0", "class1", "method0", "method1",
                           *(f"feature{i}" for i in range(4))],
    "comparison_tokens": ["title0", "class0", "class1", "method0", "method1",
                          *(f"token{i}" for i in range(12))],
    "mask_heatmap": ["title0", "class0", "class1", "class2", "method0", "method9"],
    "concept_tree": ["title0", "class0", "class1", "class2", "concept0", "concept1", "value0",
                     "value1", "value2"],
    "concept_timeline": ["title0", "class0", "class1", "feature0", "feature1"],
    "senn_view": ["title0", "class0", "class1", *(f"concept{i}" for i in range(5))],
    "redescription_table": ["title0", "feature0", "feature1", "value0", "value1", "neuron0",
                            "neuron1"],
}


def payload(page: str) -> dict:
    """The embedded state, parsed by a strict JSON parser (Python's rejects ``\\!``)."""
    text = page.split('<script type="application/json" id="xai-payload">', 1)[1]
    return json.loads(text.split("</script>", 1)[0])


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings(k), *strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


@pytest.fixture(scope="module", params=WIDGETS)
def widget(request):
    return request.param, build(request.param, hostile)


def test_fields_cover_every_widget():
    assert set(FIELDS) == set(WIDGETS)


@pytest.mark.parametrize("text", [*HOSTILE, PREFIX, "a\u2028b</SCRIPT >c<!-- d"])
def test_script_json_is_strict_json_without_markup(text):
    out = _script_json({"k": [text, {text: 1}]})
    assert json.loads(out) == {"k": [text, {text: 1}]}  # strict: every escape is JSON's own
    assert not set(out) & {"<", ">", "&", "\u2028", "\u2029"}, out


def test_the_export_embeds_every_field_as_strict_json(widget, tmp_path):
    name, w = widget
    page = w.to_html(tmp_path / f"{name}.html")
    state = payload(page)
    found = {m.group(1) for s in strings(state) for m in re.finditer(
        re.escape(PREFIX) + r"([a-z]+\d+)", s)}
    assert set(FIELDS[name]) <= found, (name, sorted(found))
    # only the page's own two scripts: the text closed none and opened none
    assert page.count("<script") == 2 and page.lower().count("</script") == 2
    assert "<!--" not in page and "-->" not in page
    scripts = "".join(re.findall(r"<script[^>]*>(.*?)</script>", page, re.S))
    assert "\u2028" not in scripts and "\u2029" not in scripts  # line ends to old JS parsers


def test_the_snapshot_and_the_page_show_text_escaped(widget, tmp_path):
    name, w = widget
    snapshot = w._static_html()
    page = w.to_html()
    for html in (snapshot, page.split("<noscript>")[1].split("</noscript>")[0],
                 page.split("<title>")[1].split("</title>")[0]):
        assert "<script" not in html.lower() and "<!--" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.xaiPwned=1&lt;/script&gt;title0" in page.split("</title>")[0]
    shown = snapshot.count("&lt;script&gt;window.xaiPwned=1&lt;/script&gt;")
    assert shown >= 1, name  # the snapshot names things, escaped


def test_short_label_is_the_views():
    """The snapshot rule is the live views' (js/test/labels.test.ts asserts the same cases)."""
    assert short_label("a short name") == "a short name"
    words = " ".join(["word"] * 40)
    assert short_label(words) == words
    assert short_label("A" * 100 + "B" * 20) == "A" * 53 + "…" + "A" * 6 + "B" * 20
    assert short_label("é" * 81, 16) == "é" * 10 + "…" + "é" * 5
    long = "W" * 5000 + "class0"
    assert len(short_label(long)) == LABEL_MAX and short_label(long).endswith("Wclass0")
    assert label(long) == (f"<span title='{long}'>{short_label(long)}</span>")
    assert label("<b>&", svg=True) == "&lt;b&gt;&amp;"
    assert label("<" + long, svg=True).endswith(f"<title>&lt;{long}</title>")
    # a fixed-width chart column cuts the whole name, spaces or not (as clipName does)
    assert label("number of prior counts", max_chars=10, svg=True, whole=True) == (
        "number of…<title>number of prior counts</title>")
