"""ComparisonView affordances: true labels, explaining another class on demand, the
view options (sign modes, shared scale, clipping), one colour per method, the page download."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import fetch, synced

from xaiwidgets import ComparisonView, compare_attributions
from xaiwidgets.widgets._colors import method_color
from xaiwidgets.widgets._traits import array_from_wire, dequantize


@pytest.fixture
def images():
    return torch.rand(6, 1, 8, 8, generator=torch.Generator().manual_seed(0))


def test_true_labels_travel_with_every_block(cnn, images):
    y = [0, 1, 2, 0, 1, 2]
    r = compare_attributions(cnn, images, methods=["saliency"], metrics=[], progress=False, y=y)
    np.testing.assert_array_equal(r.y_true, y)
    w = ComparisonView(r, max_payload_bytes=10_000)
    np.testing.assert_array_equal(array_from_wire(synced(w, "data")["truth"]), y[:len(
        w.data["index"])])
    block = fetch(w, "sample", index=5)["block"]
    assert array_from_wire(block["truth"]).tolist() == [2.0]
    with pytest.raises(ValueError, match=r"argument 'y': targets must be in \[0, 3\)"):
        compare_attributions(cnn, images, methods=["saliency"], progress=False, y=[5] * 6)
    with pytest.raises(ValueError, match=r"argument 'y': expected one label per sample"):
        compare_attributions(cnn, images, methods=["saliency"], progress=False, y=[0, 1])


def test_another_class_is_explained_on_demand_by_the_kernel(cnn, images):
    w = ComparisonView.from_model(cnn, images, methods=["integrated_gradients"],
                                         metrics=[], progress=False)
    assert w.explainable and w.n_classes == 3
    pred = int(w.result.y_pred[2])
    other = (pred + 1) % 3
    block = fetch(w, "explain", index=2, target=other)["block"]
    assert array_from_wire(block["target"]).tolist() == [other]
    direct = compare_attributions(cnn, images[2:3], [other], ["integrated_gradients"],
                                  metrics=[], progress=False)
    got = dequantize(block["attributions"]["Integrated Gradients"])[0]
    want = direct.attributions["Integrated Gradients"][0].sum(0)
    np.testing.assert_allclose(got, want, atol=np.abs(want).max() / 100)
    assert "class must be in [0, 3)" in fetch(w, "explain", index=2, target=7)["error"]
    plain = ComparisonView(w.result)  # built from a result: nothing to recompute with
    assert not plain.explainable
    assert "enable_explain" in fetch(plain, "explain", index=0, target=1)["error"]


def test_view_options_are_traits_and_colours_follow_the_method_name(cnn, images):
    r = compare_attributions(cnn, images[:2], methods=["saliency", "integrated_gradients"],
                             metrics=[], progress=False)
    w = ComparisonView(r, sign="absolute", shared_scale=True, clip_outliers=True)
    assert (w.sign, w.shared_scale, w.clip_outliers) == ("absolute", True, True)
    with pytest.raises(Exception, match="sign"):
        ComparisonView(r, sign="both")
    assert w.method_colors == [method_color("Saliency"), method_color("Integrated Gradients")]
    # the same colour in every widget, whatever the order of the methods
    r2 = compare_attributions(cnn, images[:2], methods=["integrated_gradients", "saliency"],
                              metrics=[], progress=False)
    assert ComparisonView(r2).method_colors == w.method_colors[::-1]
    assert method_color("my own method") == method_color("my own method")


def test_the_page_download_is_the_standalone_export(cnn, images):
    r = compare_attributions(cnn, images[:2], methods=["saliency"], metrics=[], progress=False)
    w = ComparisonView(r, title="digits")
    html = fetch(w, "page")["block"]["html"]
    assert html.startswith("<!doctype html>") and "<title>digits</title>" in html


def test_the_image_snapshot_uses_the_live_colormap_and_has_colour_bars(cnn, images):
    r = compare_attributions(cnn, images[:2], methods=["saliency", "integrated_gradients"],
                             metrics=[], progress=False)
    html = ComparisonView(r)._static_html()
    assert html.count("class='xai-colorbar'") == 2 and "linear-gradient" in html
    assert "<script" not in html
    # unsigned saliency on RdBu: the upper (neutral-to-red) half, as the live view draws it
    from xaiwidgets.widgets._html import live_lut

    half = live_lut("RdBu", False)
    assert tuple(half[0]) == tuple(live_lut("RdBu", True)[128])
    viridis = ComparisonView(r, colormap="viridis")._static_html()
    assert viridis != html and "#440154" in viridis  # viridis's first colour in its bar
