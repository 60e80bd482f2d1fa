"""RedescriptionView: wire state, samples through the fetch channel, static snapshot and export
(no browser)."""

from __future__ import annotations

import html
import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import fetch, synced

import xaiwidgets as xw
from xaiwidgets import PayloadTooLargeWarning, RedescriptionMiner, RedescriptionView
from xaiwidgets.datasets.sprites import SHAPE_NAMES, load_sprites
from xaiwidgets.redescriptions import RedescriptionResult
from xaiwidgets.widgets._html import NOWRAP
from xaiwidgets.widgets._traits import array_from_wire, dequantize


@pytest.fixture(scope="module")
def tabular():
    rng = np.random.default_rng(0)
    n = 200
    attrs = pd.DataFrame({"a": rng.random(n), "colour": rng.choice(["red", "blue"], n),
                          "b": rng.normal(size=n)})
    acts = np.stack([np.maximum(0, attrs.a.to_numpy() - 0.4),
                     (attrs.colour == "red").to_numpy() * 1.0 + 0.01 * rng.random(n)], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rm = RedescriptionMiner(progress=False).fit(acts, attrs)
    return rm, attrs


@pytest.fixture(scope="module")
def images():
    d = load_sprites(240, seed=3, task="shape")
    shape = np.array(SHAPE_NAMES)[d.concepts["shape"]]
    x = torch.from_numpy(d.images)
    # "neurons": the sprite's area and whether it is a heart
    acts = np.stack([d.images.sum(axis=(1, 2, 3)), (shape == "heart") * 1.0], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rm = RedescriptionMiner(interaction=False, progress=False).fit(
            acts, pd.DataFrame({"shape": shape, "scale": d.concepts["scale"]}))
    return rm, x


def test_state_is_the_result(tabular):
    rm, attrs = tabular
    w = RedescriptionView.from_estimator(rm, X=attrs)
    r = rm.result_
    assert w.neurons == r.neurons and w.attributes == ["a", "colour", "b"]
    rows = w.rows
    np.testing.assert_array_equal(rows["neuron"], r.neuron)
    np.testing.assert_allclose(rows["jaccard"], r.jaccard, rtol=1e-6)
    np.testing.assert_allclose(10.0 ** rows["log10_p"], r.pvalue, rtol=1e-5)
    assert rows["left_rule"] == r.left_rule and rows["right_rule"] == r.right_rule
    np.testing.assert_array_equal(rows["left_bits"], r.left_bits)
    # arrays travel as binary buffers, never JSON lists
    wire = synced(w, "rows")
    assert set(wire["jaccard"]) == {"dtype", "shape", "data"}
    assert isinstance(wire["left_bits"]["data"], bytes) and wire["left_bits"]["dtype"] == "uint8"
    np.testing.assert_array_equal(array_from_wire(wire["support"]), r.support)
    cov = array_from_wire(synced(w, "coverage")["values"])
    np.testing.assert_allclose(cov, r.coverage(), rtol=1e-6)
    null = r.shuffled
    assert null is not None and null.neurons == 2 and null.seed == 0
    assert w.summary == {"n_redescriptions": r.n_redescriptions, "n_neurons": 2, "described": 2,
                         "shuffled_described": null.described, "shuffled_neurons": 2,
                         "shuffled_seed": 0}
    assert w.settings["min_jaccard"] == 0.5 and w.settings["max_pvalue"] == 0.01
    assert w.title == "Redescriptions of left by right"
    json.dumps(w.settings)  # plain JSON


def test_table_rows_are_embedded_and_fetched(tabular):
    rm, attrs = tabular
    w = RedescriptionView(rm.result_, attrs)
    assert w.sample_kind == "table" and w.sample_columns == ["a", "colour", "b"]
    assert len(w.samples["index"]) == 200  # rows are cheap: all of them
    got = fetch(w, "samples", indices=[3, 1, 3, -1, 999, "x"])
    np.testing.assert_array_equal(array_from_wire(got["block"]["index"]), [1, 3])
    assert got["block"]["cells"][0][1] == attrs.colour[1]
    assert got["block"]["cells"][1][0] == f"{attrs.a[3]:.3g}"
    assert "error" in fetch(w, "nothing")


def test_image_thumbnails_embedded_then_fetched(images):
    rm, x = images
    w = RedescriptionView.from_estimator(rm, X=x, embed_per_row=1, thumb_size=32)
    assert w.sample_kind == "image"
    emb = w.samples["index"]
    # the first sample of each part of each row is embedded
    for i in range(rm.result_.n_redescriptions):
        for part in ("left", "both", "right"):
            assert set(w.part_samples(i, part, 1)) <= set(emb)
    imgs = dequantize(synced(w, "samples")["images"])
    assert imgs.shape == (len(emb), 32, 32, 1)
    idx = [int(i) for i in w.part_samples(0, "both", 5)]
    got = fetch(w, "samples", indices=idx)["block"]
    np.testing.assert_array_equal(array_from_wire(got["index"]), sorted(idx))
    assert dequantize(got["images"]).shape == (len(idx), 32, 32, 1)


def test_payload_cap_embeds_fewer(images):
    rm, x = images
    with pytest.warns(PayloadTooLargeWarning):
        w = RedescriptionView(rm.result_, x, max_payload_bytes=5_000)
    assert 0 < len(w.samples["index"]) < 20


def test_static_snapshot_is_a_coloured_table_and_heatmap(tabular):
    rm, attrs = tabular
    w = RedescriptionView.from_estimator(rm, X=attrs, title="<b>mine</b>")
    page = w._static_html()
    # the header reads the count beside its permutation null
    assert (f"2 of 2 neurons described (J ≥ 0.5, p ≤ 0.01, bh-adjusted); with activations "
            f"shuffled: {rm.result_.shuffled.described} of 2") in page
    assert "xai-static" in page and "&lt;b&gt;mine&lt;/b&gt;" in page and "<b>mine" not in page
    # J cells and heatmap cells
    assert page.count("background:#") >= rm.result_.n_redescriptions + 1
    assert "xai-static-coverage" in page and html.escape(rm.result_.right_rule[0]) in page
    # numbers and short neuron names stay on one line (the root lets long labels break anywhere);
    # the rules wrap, and the table scrolls sideways if it cannot fit
    table = page.split("<table class='xai-static-table'>")[1].split("</table>")[0]
    rows = re.findall(r"<tr><td.*?</tr>", table)
    assert rows and "overflow-x:auto" in page.split("<table class='xai-static-table'>")[0][-80:]
    for row in rows:
        styles = re.findall(r"<td(?: style='([^']*)')?>", row)
        assert len(styles) == 6, row
        assert [NOWRAP in s for s in styles] == [True, False, False, True, True, True], row
    assert re.findall(r"<th style='([^']*)'>", table) == [NOWRAP] * 6
    bundle = w._repr_mimebundle_()
    assert "xai-static" in bundle[0]["text/html"]


def test_to_html_is_one_offline_page(tabular, tmp_path):
    rm, attrs = tabular
    w = RedescriptionView.from_estimator(rm, X=attrs)
    page = w.to_html(tmp_path / "rd.html")
    assert (tmp_path / "rd.html").read_text() == page
    assert "xai-payload" in page and "<noscript>" in page and "http" not in page.split(
        "<script type=\"module\">")[1][:200]


def test_baseline_table_and_bad_arguments(tabular, images):
    rm, attrs = tabular
    with pytest.raises(ValueError, match="argument 'baseline'"):
        RedescriptionView.from_estimator(rm, baseline=True)
    with pytest.raises(TypeError, match="argument 'result'"):
        RedescriptionView(rm)
    with pytest.raises(TypeError, match="argument 'miner'"):
        RedescriptionView.from_estimator(rm.result_)
    with pytest.raises(ValueError, match="argument 'X': expected the 200 mined samples"):
        RedescriptionView(rm.result_, attrs.iloc[:10])
    with pytest.raises(ValueError, match="argument 'selected'"):
        RedescriptionView(rm.result_, selected=10_000)
    with pytest.raises(TypeError, match="'n_shw'"):  # a misspelt option is an error
        RedescriptionView(rm.result_, n_shw=3)  # type: ignore[call-arg]
    w = RedescriptionView(rm.result_)  # no samples: bars only
    assert w.sample_kind == "none" and w.samples == {"index": w.samples["index"]}
    assert len(w.samples["index"]) == 0


def test_the_result_holds_what_the_view_draws_and_survives_save_and_open(images, tmp_path):
    rm, x = images
    r = rm.explain(x)
    assert r is not rm.result_ and rm.result_.sample_kind == "none"  # the fitted one is kept
    assert r.sample_kind == "image" and r.sample_images.shape == tuple(x.shape)
    assert len(r) == 240 and r.left_holds.shape == (240, r.n_redescriptions)
    np.testing.assert_array_equal(r.left_bits, np.packbits(r.left_holds.T, axis=1))
    back = xw.open_result(r.save(tmp_path / "rd"))
    assert type(back) is RedescriptionResult and back.neurons == r.neurons
    assert isinstance(back.query(0, "right"), type(r.query(0, "right")))
    before = RedescriptionView(r, embed_per_row=1, thumb_size=16)
    after = RedescriptionView(back, embed_per_row=1, thumb_size=16)
    assert after.export_state() == before.export_state()
    assert after._static_html() == before._static_html()
    assert "<img" in before._static_html()  # thumbnails of the selected row's shared samples
    # rows taken keep every rule, with the supports on those samples
    part = back[10:20]
    assert len(part) == 10 and part.n_redescriptions == r.n_redescriptions
    np.testing.assert_array_equal(part.supports(0)[1], r.supports(0)[1][10:20])
    np.testing.assert_array_equal(part.sample_images, x[10:20].numpy())
    whole = RedescriptionResult.concat([back[:10], back[10:]])
    np.testing.assert_array_equal(whole.right_holds, r.right_holds)
    with pytest.raises(ValueError, match="argument 'X': expected the 240 mined samples"):
        r.with_samples(x[:3])
    assert r.with_samples(None).sample_kind == "none"


def test_a_result_pickled_by_the_previous_release_still_loads(tabular):
    rm, _ = tabular
    r = rm.result_
    old = dict(r.__dict__)  # the previous release's fields: supports bit-packed per rule
    old["left_bits"], old["right_bits"] = old.pop("left_holds"), old.pop("right_holds")
    old["left_bits"], old["right_bits"] = r.left_bits, r.right_bits
    old["n_samples"] = len(r)
    for k in ("sample_images", "sample_cells", "sample_columns"):
        old.pop(k)
    back = RedescriptionResult.__new__(RedescriptionResult)
    back.__setstate__(old)
    np.testing.assert_array_equal(back.left_holds, r.left_holds)
    np.testing.assert_array_equal(back.right_holds, r.right_holds)
    assert back.sample_kind == "none" and back.to_frame().equals(r.to_frame())


@pytest.fixture(scope="module")
def predicted():
    """A neuron that fires on the predicted class and one that follows a feature: the miner
    finds each rule with its complement, and the first neuron's rules restate the prediction."""
    rng = np.random.default_rng(0)
    n = 200
    radius = rng.uniform(5, 25, n)
    pred = np.where(radius + rng.normal(0, 2, n) > 15, "malignant", "benign")
    attrs = pd.DataFrame({"radius": radius, "texture": rng.normal(size=n), "predicted": pred})
    acts = np.stack([(pred == "malignant") * 1.0 + 0.01 * rng.random(n),
                     np.maximum(0, attrs.texture.to_numpy()) + 0.1 * rng.random(n)], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return RedescriptionMiner(progress=False, seed=0).fit(acts, attrs).result_


def test_reading_order_folds_complements_and_lists_restatements_last(predicted):
    r = predicted
    left, right = np.asarray(r.left_holds, bool), np.asarray(r.right_holds, bool)
    comp = r.complements()
    pairs = [(i, int(c)) for i, c in enumerate(comp) if c >= 0]
    assert len(pairs) >= 4  # both neurons' best rules come with their complements
    for i, c in pairs:  # exactly the other samples, on both sides, the same neuron
        assert comp[c] == i and r.neuron[i] == r.neuron[c]
        np.testing.assert_array_equal(left[:, c], ~left[:, i])
        np.testing.assert_array_equal(right[:, c], ~right[:, i])
    for i in np.flatnonzero(comp < 0):
        assert not any((left[:, j] == ~left[:, i]).all() and (right[:, j] == ~right[:, i]).all()
                       for j in range(r.n_redescriptions) if r.neuron[j] == r.neuron[i])
    restates = r.restates(["predicted"])
    assert restates.any() and not restates.all()
    for i in range(r.n_redescriptions):
        assert restates[i] == (r.right_rule[i].startswith("predicted = ")
                               and " AND " not in r.right_rule[i])
    w = RedescriptionView(r)  # "predicted" is restating by default
    order = w.order.tolist()
    assert sorted(order) == list(range(r.n_redescriptions))
    ranks = [(int(restates[i]), -round(float(r.jaccard[i]), 6), float(r.pvalue[i]),
              -int(r.support[i]), i) for i in order]
    assert ranks == sorted(ranks)  # informative first, then J, p, support, mined order
    first = order[0]
    assert not restates[first] and r.jaccard[first] == r.jaccard.max()
    # on the wire: rank, the complement pairs and the restatement flags
    rows = synced(w, "rows")
    np.testing.assert_array_equal(array_from_wire(rows["rank"])[order],
                                  np.arange(r.n_redescriptions))
    np.testing.assert_array_equal(array_from_wire(rows["complement"]), comp)
    np.testing.assert_array_equal(array_from_wire(rows["restates"]), restates)
    # nothing restates without the prediction named
    none = RedescriptionView(r, restating=[])
    assert not synced(none, "rows")["restates"]["data"].strip(b"\x00")
    # the static snapshot lists the same order, complements folded
    page = w._static_html()
    folded = int((comp >= 0).sum() // 2)
    assert f"{r.n_redescriptions - folded} rules, informative first ({folded} complements " \
           "folded)" in page
    shown = [i for i in order if comp[i] < 0 or order.index(int(comp[i])) > order.index(i)]
    at = [page.index(f"<td style='text-align:left'>{html.escape(r.right_rule[i], quote=False)}"
                     "</td>") for i in shown]
    assert at == sorted(at)


def test_restating_is_checked(predicted):
    with pytest.raises(ValueError, match=r"argument 'restating': expected right-view columns"
                                         r".*got unknown \['pred'\]"):
        RedescriptionView(predicted, restating=["pred"])
    with pytest.raises(TypeError, match=r"argument 'restating': expected a sequence of "
                                        r"right-view column names, got"):
        RedescriptionView(predicted, restating="predicted")
