"""SENNView: wire state, lazy samples and prototypes, static snapshot and export (no browser)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch
from helpers import fetch, synced

from xaiwidgets import PayloadTooLargeWarning, SENNView
from xaiwidgets.senn import SENN, fit_senn, prototypes, stability
from xaiwidgets.widgets._traits import array_from_wire, dequantize

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tabular():
    torch.manual_seed(0)
    senn = SENN.tabular(4, 2, hidden=(8,), feature_names=["age", "<b>priors</b>", "c", "d"])
    x = torch.randn(60, 4)
    fit_senn(senn, x, (x[:, 0] > 0).long(), epochs=2, progress=False)
    return senn, x


@pytest.fixture(scope="module")
def images():
    torch.manual_seed(0)
    senn = SENN.images(1, 3, 4, image_size=16)
    x = torch.rand(40, 1, 16, 16)
    fit_senn(senn, x, torch.randint(0, 4, (40,)), epochs=1, progress=False)
    return senn, x


def test_state_holds_concepts_relevances_and_inputs(tabular):
    senn, x = tabular
    ex = senn.explain(x[:10])
    w = SENNView(ex, class_names=["no", "yes"])
    assert w.kind == "tabular" and not w.learned and w.n_samples == 10
    assert w.concept_names == ["age", "<b>priors</b>", "c", "d", "bias"]
    data = synced(w, "data")
    rel = array_from_wire(data["relevances"])
    assert data["relevances"]["dtype"] == "float32" and isinstance(data["relevances"]["data"],
                                                                   bytes)
    assert np.allclose(rel, ex.relevances, atol=1e-6)
    assert np.allclose(array_from_wire(data["concepts"]), ex.concepts, atol=1e-6)
    assert array_from_wire(data["inputs"]).shape == (10, 4)
    assert w.prototypes == {} and w.stability == {}


def test_images_travel_as_uint8_and_prototypes_are_embedded(images):
    senn, x = images
    p = prototypes(senn, x, top_k=5)
    w = SENNView(senn.explain(x[:6]).with_prototypes(p))
    assert w.kind == "image" and w.learned
    data = synced(w, "data")
    assert data["inputs"]["dtype"] == "uint8" and data["inputs"]["shape"] == [6, 16, 16, 1]
    img = dequantize(data["inputs"])
    assert np.allclose(img[..., 0], x[:6, 0].numpy(), atol=1 / 255 + 1e-6)
    pr = synced(w, "prototypes")
    assert pr["images"]["dtype"] == "uint8" and pr["images"]["shape"] == [3, 5, 16, 16, 1]
    assert np.array_equal(array_from_wire(pr["indices"]), p.indices)
    first = dequantize(pr["images"]).reshape(3, 5, 16, 16)[1, 0]
    assert np.allclose(first, x[p.indices[1, 0], 0].numpy(), atol=1 / 255 + 1e-6)


def test_samples_and_prototypes_beyond_the_cap_are_fetched(images):
    senn, x = images
    p = prototypes(senn, x, top_k=5)
    with pytest.warns(PayloadTooLargeWarning):
        w = SENNView(senn.explain(x).with_prototypes(p), embed_prototypes=2,
                     max_payload_bytes=6000)
    embedded = array_from_wire(synced(w, "data")["index"])
    assert 1 <= len(embedded) < 40
    assert array_from_wire(synced(w, "prototypes")["indices"]).shape == (3, 2)
    reply = fetch(w, "sample", index=39)
    assert array_from_wire(reply["block"]["index"]).tolist() == [39]
    assert reply["block"]["inputs"]["dtype"] == "uint8"
    rows = fetch(w, "prototypes", concept=2)
    assert array_from_wire(rows["block"]["concepts"]).tolist() == [2]
    assert array_from_wire(rows["block"]["indices"]).tolist() == [p.indices[2].tolist()]
    assert "error" in fetch(w, "sample", index=40)
    assert "error" in fetch(w, "prototypes", concept=True)
    assert "error" in fetch(w, "thumbs", indices=[1])


def test_from_model_computes_prototypes_and_stability(images):
    senn, x = images
    w = SENNView.from_model(senn, x[:8], prototypes_from=x, top_k=3,
                            stability_methods=["saliency"], stability_samples=4,
                            stability_kwargs={"n_samples": 3})
    st = synced(w, "stability")
    assert st["methods"] == ["SENN", "Saliency"] and st["mode"] == "continuous"
    assert array_from_wire(st["values"]).shape == (2, 4)
    assert array_from_wire(st["indices"]).tolist() == [0, 1, 2, 3]
    assert array_from_wire(synced(w, "prototypes")["indices"]).shape == (3, 3)
    # the view drew the explanation it was given: stability rows beyond the 4 are NaN
    ex = w.explanation
    assert len(ex) == 8 and ex.stability.estimated.tolist() == [True] * 4 + [False] * 4
    assert np.isnan(ex.stability.lipschitz[4:]).all()
    assert np.isfinite(ex.stability.lipschitz[:4]).all()


def test_static_snapshot_is_an_svg_picture_with_escaped_text(tabular, images):
    senn, x = tabular
    st = stability(senn, x[:5], ["saliency"], n_samples=3)
    w = SENNView(senn.explain(x[:5]).with_stability(st), title="<script>x</script>")
    html = w._static_html()
    assert "xai-static" in html and "<script>" not in html
    assert "&lt;b&gt;priors&lt;/b&gt;" in html and "<b>priors</b>" not in html
    assert html.count("<svg") == 3  # relevances, activations, stability
    rects = re.findall(r"<rect [^>]*fill='(#[0-9a-f]{6})'", html)
    assert len(set(rects)) >= 3  # signed colours, not one flat fill
    senn_i, xi = images
    wi = SENNView(senn_i.explain(xi[:3]).with_prototypes(prototypes(senn_i, xi, 4)))
    assert wi._static_html().count("data:image/png;base64,") >= 1 + 3 * 4
    bundle = w._repr_mimebundle_()[0]
    assert bundle["text/html"] == html


def test_to_html_exports_the_state_and_bundle(tabular, tmp_path):
    senn, x = tabular
    w = SENNView(senn.explain(x[:5]))
    page = w.to_html(tmp_path / "senn.html")
    assert (tmp_path / "senn.html").read_text() == page
    payload = json.loads(re.search(r'id="xai-payload">(.*?)</script>', page, re.S).group(1))
    assert payload["state"]["n_samples"] == 5
    assert any(p[:2] == ["data", "relevances"] for p in payload["buffer_paths"])
    assert "<noscript>" in page


def test_bad_arguments(tabular, images):
    senn, x = tabular
    ex = senn.explain(x[:4])
    with pytest.raises(TypeError, match="argument 'explanation': expected a SENNExplanation"):
        SENNView(x)
    with pytest.raises(TypeError, match="SENNView: unknown option 'sortt'"):
        SENNView(ex, sortt=True)
    with pytest.raises(TypeError, match=r"SENNView: unknown option 'sortt' \(did you mean 'sort'"):
        SENNView.from_model(senn, x[:4], sortt=True)
    view = SENNView(ex)
    with pytest.raises(ValueError, match=r"SENNView\.sample: 4 is out of range; valid values: 0 "
                                         r"to 3"):
        view.sample = 4
    with pytest.raises(ValueError, match="argument 'concept_names': expected 5 names"):
        SENNView(ex, concept_names=["a"])
    with pytest.raises(ValueError, match=r"argument 'sample'"):
        SENNView(ex, sample=4)
    senn_i, xi = images
    exi = senn_i.explain(xi[:3])
    with pytest.raises(ValueError, match="argument 'feature_names': the concepts of this SENN"):
        SENNView(exi, feature_names=["a"])
    with pytest.raises(TypeError, match="argument 'prototypes': expected a Prototypes"):
        exi.with_prototypes({"a": 1})
    with pytest.raises(TypeError, match="argument 'stability'"):
        exi.with_stability({"SENN": 1.0})
    st = stability(senn, x[:4], [], n_samples=2)
    with pytest.raises(ValueError, match="argument 'stability': its samples go up to 3"):
        exi.with_stability(st)
    with pytest.raises(TypeError, match="argument 'senn': expected a SENN"):
        SENNView.from_model(torch.nn.Linear(4, 2), x)


def test_old_keywords_still_attach_with_a_future_warning(tabular, images):
    senn_i, xi = images
    p = prototypes(senn_i, xi, 3)
    bare = p.__class__(indices=p.indices, activations=p.activations,
                       concept_names=p.concept_names)  # as the previous release made them
    with pytest.warns(FutureWarning, match="with_prototypes"):
        w = SENNView(senn_i.explain(xi[:3]), prototypes=bare, prototype_data=xi)
    assert np.array_equal(w.explanation.prototypes.inputs, xi[p.indices].numpy())
    assert synced(w, "prototypes")["images"]["shape"] == [3, 3, 16, 16, 1]
    with pytest.warns(FutureWarning), pytest.raises(
            ValueError, match="argument 'prototype_data': needed with prototypes"):
        SENNView(senn_i.explain(xi[:3]), prototypes=bare)
    with pytest.warns(FutureWarning), pytest.raises(
            ValueError, match="argument 'prototype_data': the prototypes index up"):
        SENNView(senn_i.explain(xi[:3]), prototypes=bare, prototype_data=xi[:2])
    senn, x = tabular
    ex = senn.explain(x[:3])
    with pytest.warns(FutureWarning, match="SENNExplanation.pred is deprecated"):
        assert np.array_equal(ex.pred, ex.y_pred)
