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


# -- tables (CSV) and pictures (PNG / SVG) from Python: XaiWidget.tables / to_csv / to_png / to_svg

def _hand(name: str):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from hand_results import modules

    mod = modules()[name]
    r = mod.result()
    return r, mod.VIEW(r, **mod.OPTIONS)


def _read_csv(text: str):
    import io

    import pandas as pd

    return pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""], dtype=str)


def _same_column(back, frame, column: str) -> None:
    """A column read back from CSV equals the DataFrame's: numbers exactly, text as text."""
    import numpy as np
    import pandas as pd

    want = frame[column]
    got = back[column]
    if pd.api.types.is_bool_dtype(want):
        assert list(got) == [str(bool(v)) for v in want], column
    elif pd.api.types.is_numeric_dtype(want):
        np.testing.assert_array_equal(got.astype(float).to_numpy(),
                                      want.astype(float).to_numpy(), err_msg=column)
    else:
        assert list(got.fillna("")) == [str(v) for v in want], column


# the view's tables by name, and one column of each checked against the result it came from
TABLES = {
    "comparison": ["metrics"], "masks": ["metrics", "report"], "tree": ["nodes"],
    "timeline": ["concepts", "transitions"], "senn": ["relevances"], "redescriptions": ["rules"],
}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_tables_are_built_from_the_result_and_their_csv_reads_back(name, tmp_path):
    import numpy as np

    r, view = _hand(name)
    tables = view.tables()
    assert list(tables) == TABLES[name]
    first = tables[TABLES[name][0]]
    if name in ("comparison", "masks"):
        res = view.result
        summ = res.metric_summary()
        got = first.pivot(index="method", columns="metric", values="mean")
        np.testing.assert_array_equal(got.loc[summ.methods, summ.metrics].to_numpy(), summ.mean)
        high = first.pivot(index="method", columns="metric", values="high")
        np.testing.assert_array_equal(high.loc[summ.methods, summ.metrics].to_numpy(), summ.high)
    if name == "masks":
        np.testing.assert_array_equal(tables["report"]["mask_sum"], r.report.mask_sum)
        assert list(tables["report"]["kept_soft"]) == list(np.asarray(r.report.kept_soft))
    if name == "tree":
        np.testing.assert_array_equal(first["count"], r.node_count)
        np.testing.assert_array_equal(first["fidelity"], r.node_fidelity)
        assert list(first["test"]) == [str(t) for t in r.nodes["test"]]
    if name == "timeline":
        np.testing.assert_array_equal(first["share"], np.asarray(r.concept_share, np.float64))
        np.testing.assert_array_equal(tables["transitions"].iloc[:, 1:].to_numpy(),
                                      np.asarray(r.transition_matrix, np.float64))
    if name == "senn":
        i = view.sample
        np.testing.assert_array_equal(first["relevance"], r.relevances[i].astype(np.float64))
        np.testing.assert_array_equal(first["activation"], r.concepts[i].astype(np.float64))
        np.testing.assert_allclose(first["contribution"], (r.concepts[i] * r.relevances[i]),
                                   rtol=1e-6)
    if name == "redescriptions":
        np.testing.assert_array_equal(first["jaccard"], r.jaccard)
        assert list(first["left"]) == list(r.left_rule)
    for table, frame in tables.items():
        text = view.to_csv(tmp_path / f"{table}.csv", table=table)
        assert (tmp_path / f"{table}.csv").read_bytes() == text.encode("utf-8")
        assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
        back = _read_csv(text)
        assert list(back.columns) == [str(c) for c in frame.columns]
        assert len(back) == len(frame)
        for column in frame.columns:
            _same_column(back, frame, str(column))
    assert view.to_csv() == view.to_csv(table=TABLES[name][0])  # the main table by default


def test_csv_quotes_commas_quotes_and_line_breaks_per_rfc_4180():
    import csv
    import io

    from xaiwidgets import SENNView

    r, _ = _hand("senn")
    names = ['a, "quoted" name', "two\r\nlines", "<b>not html</b>"]
    view = SENNView(r, concept_names=names)
    text = view.to_csv(table="relevances")
    assert '"a, ""quoted"" name"' in text and '"two\r\nlines"' in text
    assert "<b>not html</b>" in text  # text, not markup: nothing escaped
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert [row[2] for row in rows[1:]] == names
    assert rows[0] == ["sample", "explained class", "concept", "activation", "relevance",
                       "contribution"]


def test_to_csv_names_the_tables_on_a_wrong_one():
    _, view = _hand("timeline")
    with pytest.raises(ValueError, match=r"argument 'table': expected one of \['concepts', "
                                         r"'transitions'\], got 'concept'"):
        view.to_csv(table="concept")


def test_csv_of_hostile_text_reads_back(widget):
    name, w = widget
    for table, frame in w.tables().items():
        back = _read_csv(w.to_csv(table=table))
        assert list(back.columns) == [str(c) for c in frame.columns], (name, table)
        for column in frame.columns:
            _same_column(back, frame, str(column))


@pytest.mark.parametrize("name", sorted(TABLES))
def test_png_composes_the_snapshot_pictures(name, tmp_path):
    import io

    import numpy as np
    from PIL import Image

    from xaiwidgets.widgets._base import snapshot_pictures

    _, view = _hand(name)
    pictures = snapshot_pictures(view._static_html())
    assert pictures
    data = view.to_png(tmp_path / "view.png")
    assert (tmp_path / "view.png").read_bytes() == data
    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG"
    px = np.asarray(img.convert("RGB"))
    sizes = [p[1].size if p[1] is not None else None for p in pictures]
    widest = max(s[0] for s in sizes if s is not None) if any(sizes) else 1
    assert img.size[0] >= widest and img.size[1] > 16
    assert len(np.unique(px.reshape(-1, 3), axis=0)) > 4  # not blank
    assert (px != 255).any(axis=2).mean() > 0.02
    first = pictures[0][1]
    if first is not None:  # the first picture is pasted unchanged at the top left
        w, h = first.size
        want = np.asarray(Image.alpha_composite(Image.new("RGBA", first.size, "white"),
                                                first).convert("RGB"))
        np.testing.assert_array_equal(px[:h, :w], want)


def test_svg_embeds_the_pictures_with_captions_and_no_script(widget, tmp_path):
    import xml.etree.ElementTree as ET

    from xaiwidgets.widgets._base import snapshot_pictures

    name, w = widget
    pictures = snapshot_pictures(w._static_html())
    if not pictures:  # tabular and token snapshots are tables and text: nothing to compose
        assert name in ("comparison_tabular", "comparison_tokens")
        with pytest.raises(ValueError, match="snapshot has no picture"):
            w.to_svg()
        with pytest.raises(ValueError, match="snapshot has no picture"):
            w.to_png()
        return
    text = w.to_svg(tmp_path / "view.svg")
    assert (tmp_path / "view.svg").read_text(encoding="utf-8") == text
    root = ET.fromstring(text.split("\n", 1)[1])
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    everything = list(root.iter())
    assert not [e for e in everything if e.tag.rsplit("}", 1)[-1] in ("script", "foreignObject")]
    assert not [k for e in everything for k in e.attrib if k.lower().startswith("on")]
    images = [e for e in everything if e.tag.endswith("}image")]
    assert len(images) == sum(p[1] is not None for p in pictures), name
    assert all(e.get("href", "").startswith("data:image/png;base64,") for e in images)
    captions = {e.text for e in everything if e.tag.endswith("}text") and e.text}
    assert {p[0] for p in pictures if p[0]} <= captions  # hostile captions kept as text


def test_the_page_fetch_answers_for_every_view():
    from helpers import fetch

    for name in ("tree", "senn"):
        _, view = _hand(name)
        page = fetch(view, "page")["block"]["html"]
        assert page.startswith("<!doctype html>") and 'id="xai-payload"' in page


def test_a_sliver_rect_narrower_than_a_pixel_still_rasterises():
    """A bar of width 0.4 px (a near-zero relevance in SENN's chart) covers one pixel column;
    it made Pillow refuse the rectangle (x1 < x0) and `to_png()` fail."""
    import numpy as np

    from xaiwidgets.widgets._base import rasterize_svg

    img = rasterize_svg('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10" '
                        'viewBox="0 0 20 10"><rect x="5" y="2" width="0.4" height="6" '
                        'fill="#ff0000"/></svg>')
    px = np.asarray(img)
    red = (px[..., 0] == 255) & (px[..., 1] == 0) & (px[..., 3] == 255)
    assert red.sum() == 6 and set(np.flatnonzero(red.any(0))) == {5}
