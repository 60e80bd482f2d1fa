"""ConceptTreeView: wire state, lazy thumbnails, static fallback and export (no browser)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from helpers import fetch, synced
from sklearn.exceptions import NotFittedError
from test_probe import assert_untouched, snapshot

import xaiwidgets as xw
from xaiwidgets import PayloadTooLargeWarning
from xaiwidgets.concepts import ConceptExtractor, ConceptTree
from xaiwidgets.datasets.sprites import SHAPE_NAMES, load_sprites
from xaiwidgets.widgets._traits import array_from_wire, dequantize
from xaiwidgets.widgets.tree import ConceptTreeView, class_groups, class_palette


def view(tree, X, concepts, y_pred, **kwargs):
    """The view of a fitted tree on these samples (the former constructor's arguments)."""
    return ConceptTreeView.from_estimator(tree, X, concepts=concepts, y_pred=y_pred, **kwargs)


@pytest.fixture(scope="module")
def sprites():
    d = load_sprites(240, seed=3, task="shape")
    concepts = {"shape": np.array(SHAPE_NAMES)[d.concepts["shape"]],
                "scale": np.linspace(0.5, 1, 6)[d.concepts["scale"]]}
    return d, concepts


@pytest.fixture
def fitted(sprites):
    d, concepts = sprites
    # The "model" here predicts exactly the shape, so the tree's rules are known.
    tree = ConceptTree(max_depth=3).fit(concepts, d.target)
    return tree, d, concepts


def test_state_describes_the_tree_and_its_samples(fitted):
    tree, d, concepts = fitted
    model_pred = d.target.copy()
    model_pred[:12] = (model_pred[:12] + 1) % 3  # the model is wrong on 12 samples
    w = view(tree, d.images, concepts, model_pred, y_true=d.target,
                          class_names=SHAPE_NAMES, title="shapes <b>")
    nodes = tree.nodes()
    m = len(nodes["test"])
    assert w.tree["test"] == list(nodes["test"])
    assert {"shape = heart", "shape = square"} <= set(w.tree["test"])
    yes, no = w.tree["yes"], w.tree["no"]
    count = w.tree["count"]
    dist = w.tree["dist"]
    assert count[0] == len(d.images) == w.samples["n"]
    for i in np.flatnonzero(yes >= 0):
        assert count[yes[i]] + count[no[i]] == count[i]
    np.testing.assert_array_equal(dist.sum(axis=1), count)
    assert dist.shape == (m, 3)
    np.testing.assert_array_equal(dist[0], np.bincount(model_pred, minlength=3))
    fid = w.tree["fidelity"]
    assert fid[0] == pytest.approx(1 - 12 / len(d.images))
    assert w.summary["fidelity"] == pytest.approx(fid[0])
    assert w.summary["accuracy"] == 1.0 and w.summary["depth"] == tree.depth_
    assert w.class_names == list(SHAPE_NAMES)
    leaf = w.samples["leaf"]
    np.testing.assert_array_equal(leaf, tree.apply(concepts))
    np.testing.assert_array_equal(w.samples["model_pred"], model_pred)
    assert w.samples["concepts"].shape == (len(d.images), 2)
    assert synced(w, "samples")["concepts"]["shape"] == [len(d.images), 2]  # binary on the wire
    assert w.concept_values[0] == ["ellipse", "heart", "square"]
    assert w.accuracy == {}


def test_embedded_and_fetched_thumbnails(fitted):
    tree, d, concepts = fitted
    w = view(tree, d.images, concepts, d.target, embed_per_node=2, n_thumbnails=5)
    embedded = w.thumbs["index"]
    # The first two samples (in data order) of every node are embedded; the root, where the
    # view opens, has all five it shows (so it opens on pictures, not on loading tiles).
    for i in range(len(w.tree["test"])):
        assert set(w.node_samples(i, 2)) <= set(embedded)
    assert set(w.node_samples(0, 5)) <= set(embedded)
    assert not set(w.node_samples(0, 6)) <= set(embedded)
    # embed_per_node=0 embeds nothing at all
    assert len(view(tree, d.images, concepts, d.target, embed_per_node=0).thumbs["index"]) == 0
    imgs = dequantize(synced(w, "thumbs")["images"])
    assert imgs.shape == (len(embedded), 64, 64, 1)
    np.testing.assert_allclose(imgs[..., 0], d.images[embedded, 0], atol=1e-6)

    reply = fetch(w, "thumbs", seq=7, indices=[5, 3, 3, -1, 10_000, "x"])
    assert reply["seq"] == 7 and reply["type"] == "xai-fetched"
    np.testing.assert_array_equal(array_from_wire(reply["block"]["index"]), [3, 5])
    np.testing.assert_allclose(dequantize(reply["block"]["images"])[1, ..., 0], d.images[5, 0])
    assert "error" in fetch(w, "samples", indices=[1])  # unknown requests are answered too


def test_thumbnails_are_downsampled_and_capped(fitted):
    tree, d, concepts = fitted
    w = view(tree, d.images, concepts, d.target, thumb_size=32)
    assert synced(w, "thumbs")["images"]["shape"][1:] == [32, 32, 1]
    with pytest.warns(PayloadTooLargeWarning, match="embedding the first 3"):
        small = view(tree, d.images, concepts, d.target, max_payload_bytes=3 * 4150)
    kept = small.thumbs["index"]
    assert len(kept) == 3
    # Shallow nodes first: the root's first samples survive the cap.
    np.testing.assert_array_equal(kept, small.node_samples(0, 3))


def test_from_estimator_with_an_extractor_adds_the_heatmap_and_leaves_the_model(sprites, cnn):
    d, concepts = sprites
    x = torch.from_numpy(d.images[:, :, ::8, ::8].copy())  # 8x8 for the tiny CNN fixture
    before = snapshot(cnn)
    cme = ConceptExtractor(cnn, ["conv", "fc"], n_labelled=60, n_unlabelled=60,
                           progress=False).fit(x, concepts)
    pred, model_pred = cme.predict_concepts(x, return_predictions=True)
    tree = ConceptTree(max_depth=2).fit(pred, model_pred)
    w = ConceptTreeView.from_estimator(tree, x, extractor=cme, title="tiny")
    assert_untouched(cnn, before)
    acc = w.accuracy
    assert acc["layers"] == ["conv", "fc"] and acc["concepts"] == ["shape", "scale"]
    np.testing.assert_allclose(acc["values"], cme.accuracy_, rtol=1e-6)
    best = acc["best"]
    assert [cme.layers_[b] for b in best] == [cme.best_layer_[k] for k in ("shape", "scale")]
    np.testing.assert_array_equal(w.samples["leaf"], tree.apply(pred))


def test_static_fallback_and_standalone_export(fitted, tmp_path):
    tree, d, concepts = fitted
    w = view(tree, d.images, concepts, d.target, class_names=SHAPE_NAMES,
                          title="<script>alert(1)</script>")
    data, _ = w._repr_mimebundle_()
    fallback = data["text/html"]
    assert "&lt;script&gt;" in fallback and "<script>alert" not in fallback
    assert "shape = heart?" in fallback and "<img src='data:image/png;base64," in fallback
    page = w.to_html(tmp_path / "tree.html")
    assert (tmp_path / "tree.html").read_text() == page
    payload = page.split('id="xai-payload">')[1].split("</script>")[0]
    state = json.loads(payload)["state"]
    assert "shape = heart" in state["tree"]["test"]
    assert "<script>alert" not in page.split("<noscript>")[1].split("</noscript>")[0]
    # thumbnail captions: the true class only where the result has one
    k = int(w.node_samples(0, 1)[0])
    assert f"#{k} pred {SHAPE_NAMES[int(d.target[k])]}</figcaption>" in fallback
    truth = view(tree, d.images, concepts, d.target, y_true=d.target, class_names=SHAPE_NAMES)
    name = SHAPE_NAMES[int(d.target[k])]
    html_truth = truth._repr_mimebundle_()[0]["text/html"]
    assert f"#{k} pred {name} · true {name}</figcaption>" in html_truth


def test_tabular_inputs_get_no_thumbnails(fitted):
    tree, d, concepts = fitted
    w = view(tree, np.zeros((len(d.target), 5), np.float32), concepts, d.target)
    assert w.n_thumbnails == 0 and "images" not in w.thumbs
    reply = fetch(w, "thumbs", indices=[0, 1])
    assert "images" not in reply["block"] and reply["seq"] == 1
    assert "<img" not in w._static_html()


def test_bad_input_is_named(fitted):
    tree, d, concepts = fitted
    with pytest.raises(NotFittedError, match=r"ConceptTree is not fitted"):
        view(ConceptTree(), d.images, concepts, d.target)
    with pytest.raises(ValueError, match=r"'concepts'.*X has 240 samples.*'shape' has 10"):
        view(tree, d.images, {"shape": concepts["shape"][:10],
                                           "scale": concepts["scale"]}, d.target)
    with pytest.raises(ValueError, match=r"'concepts'.*missing concepts \['scale'\]"):
        view(tree, d.images, {"shape": concepts["shape"]}, d.target)
    with pytest.raises(ValueError, match=r"'y_pred'.*\(240,\), got shape \(3,\)"):
        view(tree, d.images, concepts, d.target[:3])
    with pytest.raises(ValueError, match=r"'class_names'.*at least 3 names.*got 2"):
        view(tree, d.images, concepts, d.target, class_names=["a", "b"])
    with pytest.raises(ValueError, match=r"'extractor': needed"):
        ConceptTreeView.from_estimator(tree, d.images)
    with pytest.raises(ValueError, match=r"'collapse_depth'.*>= 0, got -1"):
        view(tree, d.images, concepts, d.target, collapse_depth=-1)
    with pytest.raises(TypeError, match=r"'X'.*torch.Tensor or numpy array, got list"):
        view(tree, [1, 2], concepts, d.target)


def test_class_groups_from_names_or_given():
    names = [f"{s}@{v}" for s in ("square", "ellipse", "heart") for v in ("1.0", "0.5", "0.75")]
    g = class_groups(names)
    assert g["groups"] == ["square", "ellipse", "heart"]
    assert g["levels"] == ["0.5", "0.75", "1.0"]  # numeric levels sort by value
    assert g["group"][:3] == [0, 0, 0] and g["level"][:3] == [2, 0, 1]
    assert class_groups(["a|x", "a|y", "b|x"])["groups"] == ["a", "b"]
    # no structure: plain names, one class per group, or switched off
    assert class_groups(["cat", "dog", "bird"]) == {}
    assert class_groups(["a@1", "b@1", "c@1"]) == {}
    assert class_groups(names, False) == {}
    given = class_groups(["cat", "dog", "oak", "elm"], ["animal", "animal", "tree", "tree"])
    assert given == {"group": [0, 0, 1, 1], "level": [0, 1, 0, 1],
                     "groups": ["animal", "tree"], "levels": []}
    assert class_groups(["cat", "oak", "dog"], {"cat": "a", "dog": "a", "oak": "t"})["group"] == [
        0, 1, 0]
    with pytest.raises(ValueError, match=r"'class_groups'.*one group label per class \(3\), got 2"):
        class_groups(["a", "b", "c"], ["x", "y"])
    with pytest.raises(ValueError, match=r"'class_groups'.*none for \['c'\]"):
        class_groups(["a", "b", "c"], {"a": 1, "b": 1})
    with pytest.raises(TypeError, match=r"'class_groups'"):
        class_groups(["a", "b"], "ab")


def test_class_palette_is_the_live_views():
    """The static snapshot's colours equal js/src/lib/colormap.ts classPalette (see
    js/test/treeview.test.ts, which pins the same values)."""
    names = [f"{s}@{v}" for s in ("square", "ellipse", "heart")
             for v in ("0.5", "0.6", "0.7", "0.8", "0.9", "1.0")]
    p = class_palette(18, class_groups(names))
    assert p[:6] == ["#fec39b", "#fe9a4e", "#e17f30", "#c56502", "#a05206", "#7f3f00"]
    assert p[12] == "#feb6ed" and len(set(p)) == 18
    assert class_palette(3) == ["#d97e38", "#5bae5f", "#cc75ba"]


def test_widget_state_carries_groups_orientation_and_merged_splits(sprites, tmp_path):
    d, concepts = sprites
    rng = np.random.default_rng(1)
    # classes "shape@size"; the model mostly follows the shape, with label noise that makes
    # some splits lower the impurity without changing the class (kept with ccp_alpha=0)
    size = np.where(concepts["scale"] > 0.75, "big", "small")
    names = [f"{s}@{z}" for s in SHAPE_NAMES for z in ("small", "big")]
    y = d.concepts["shape"] * 2 + (size == "big")
    noisy = np.where(rng.random(len(y)) < 0.3, d.concepts["shape"] * 2, y)
    tree = ConceptTree(max_depth=4, ccp_alpha=0.0, min_samples_leaf=1).fit(concepts, noisy)
    w = view(tree, d.images, concepts, noisy, class_names=names,
                          orientation="left-right")
    assert w.orientation == "left-right"
    assert w.class_groups["groups"] == list(SHAPE_NAMES) and w.class_groups["levels"] == [
        "small", "big"]  # first appearance (not numbers)
    merged = w.tree["merged"]
    n_merged = sum(len(m) for m in merged)
    assert n_merged >= 1 and w.summary["merged"] == n_merged
    for i, m in enumerate(merged):
        if m and w.tree["yes"][i] == -1:
            assert w.tree["test"][i] == ""
    # every sample's leaf is a leaf of the tree as drawn, with the tree's own prediction
    leaf = w.samples["leaf"]
    assert np.all(w.tree["yes"][leaf] == -1)
    np.testing.assert_array_equal(w.tree["value"][leaf], w.samples["tree_pred"])
    assert w.summary["n_leaves"] == tree.n_leaves_ - n_merged
    # without merging, the fitted tree as it is
    plain = view(tree, d.images, concepts, noisy, class_names=names,
                              merge_same_class=False, class_groups=False)
    assert plain.summary["merged"] == 0 and plain.class_groups == {}
    np.testing.assert_array_equal(plain.samples["leaf"], tree.apply(concepts))
    # the static snapshot: colours of the live view, the legend, the merge said in words
    snap = w._static_html()
    colors = class_palette(len(names), w.class_groups)
    assert f"background:{colors[0]}" in snap and "xai-static-legend" in snap
    assert "merged" in snap and "<b>square</b>" in snap
    with pytest.raises(ValueError, match=r"'orientation'.*'auto', 'top-down', 'left-right'"):
        view(tree, d.images, concepts, noisy, orientation="sideways")
    with pytest.raises(TypeError, match=r"'merge_same_class'"):
        view(tree, d.images, concepts, noisy, merge_same_class="yes")
    page = w.to_html(tmp_path / "t.html")
    state = json.loads(page.split('id="xai-payload">')[1].split("</script>")[0])["state"]
    assert state["orientation"] == "left-right" and state["class_groups"]["groups"]


def test_the_view_draws_a_result_alone_and_a_selection_of_it(fitted, tmp_path):
    tree, d, concepts = fitted
    model_pred = d.target.copy()
    model_pred[:12] = (model_pred[:12] + 1) % 3
    result = tree.explain(concepts, model_pred, X=d.images, y_true=d.target)
    w = ConceptTreeView(result, class_names=SHAPE_NAMES)
    assert w.export_state() == view(tree, d.images, concepts, model_pred, y_true=d.target,
                                    class_names=SHAPE_NAMES).export_state()
    assert w.summary == result.summary() and w.summary["fidelity"] == pytest.approx(1 - 12 / 240)
    # the first 12 samples (the model is wrong on all of them): the view counts those only
    part = ConceptTreeView(result[:12], class_names=SHAPE_NAMES)
    assert part.samples["n"] == 12 and part.tree["count"][0] == 12
    assert part.summary["fidelity"] == 0.0 and part.summary["model_accuracy"] == 0.0
    np.testing.assert_array_equal(part.tree["dist"][0], np.bincount(model_pred[:12],
                                                                    minlength=3))
    # opened from disk (memory-mapped), the same picture
    back = ConceptTreeView(xw.open_result(result.save(tmp_path / "r")), class_names=SHAPE_NAMES)
    assert back.export_state() == w.export_state()
    assert back._static_html() == w._static_html()


def test_the_constructor_takes_a_result_and_from_estimator_the_old_keywords(fitted):
    tree, d, concepts = fitted
    with pytest.raises(TypeError, match=r"'result': expected a ConceptTreeResult.*got "
                                        r"ConceptTree.*from_estimator"):
        ConceptTreeView(tree)
    with pytest.raises(TypeError, match=r"got ConceptTree.*ConceptTreeView.from_estimator\("):
        ConceptTreeView(tree, d.images, concepts, d.target)  # the previous release's call
    with pytest.raises(TypeError, match=r"ConceptTreeView: unknown option 'colapse_depth' \(did "
                                        r"you mean 'collapse_depth'\?\); its options are \["):
        ConceptTreeView(tree.explain(concepts, d.target), colapse_depth=2)
    with pytest.raises(TypeError, match=r"ConceptTreeView: unknown option 'titel' \(did you mean "
                                        r"'title'\?\)"):
        ConceptTreeView.from_estimator(tree, d.images, concepts=concepts, y_pred=d.target,
                                       titel="x")
    with pytest.warns(FutureWarning, match=r"'model_pred' is deprecated.*use 'y_pred'"):
        old = ConceptTreeView.from_estimator(tree, d.images, concepts=concepts,
                                             model_pred=d.target)
    assert old.export_state() == view(tree, d.images, concepts, d.target).export_state()
