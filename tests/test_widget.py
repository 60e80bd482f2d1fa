import json
import re

import numpy as np
import pytest
import torch
from helpers import fetch, synced
from ipywidgets.widgets.widget import _remove_buffers

from xaiwidgets import ComparisonView, PayloadTooLargeWarning, compare_attributions
from xaiwidgets.widgets._traits import array_from_wire, dequantize, payload_nbytes


@pytest.fixture
def result(cnn):
    return compare_attributions(cnn, torch.rand(6, 1, 8, 8), target=[0, 1, 2, 0, 1, 2],
                                methods=["integrated_gradients", "saliency"], metric_samples=4,
                                progress=False)


def test_state_carries_binary_tensors_not_json_lists(result):
    w = ComparisonView(result, class_names=["a", "b", "c"])
    assert w.kind == "image" and w.methods == ["Integrated Gradients", "Saliency"]
    assert w.n_samples == 6
    state, _, buffers = _remove_buffers(w.get_state())
    assert len(buffers) >= 2 + 3 * 2 + 4  # inputs, attributions (with lo/hi), index/target...
    text = json.dumps(state)
    assert not re.search(r"\[(\s*-?\d+(\.\d+)?\s*,){20,}", text), "a numeric list leaked to JSON"
    block = synced(w, "data")
    assert array_from_wire(block["index"]).tolist() == list(range(6))
    assert block["inputs"]["shape"] == [6, 8, 8, 1]
    heat = block["attributions"]["Saliency"]
    assert heat["dtype"] == "uint8" and heat["shape"] == [6, 8, 8]
    expected = np.abs(result.attributions["Saliency"]).sum(axis=1)
    np.testing.assert_allclose(dequantize(heat), expected,
                               atol=float(expected.max()) / 255 + 1e-7)


def test_payload_cap_warns_and_fetches_lazily(result):
    per_sample = payload_nbytes(ComparisonView(result)._block(np.array([0])))
    with pytest.warns(PayloadTooLargeWarning, match="embedding the first 2 and fetching"):
        w = ComparisonView(result, max_payload_bytes=2 * per_sample + 1)
    assert w.data["index"].tolist() == [0, 1]
    block = fetch(w, "sample", index=5)["block"]  # what the view asks for a sample it lacks
    assert array_from_wire(block["index"]).tolist() == [5]
    np.testing.assert_allclose(
        dequantize(block["attributions"]["Integrated Gradients"])[0],
        result.attributions["Integrated Gradients"][5].sum(axis=0), atol=1e-3)
    assert array_from_wire(block["target"]).tolist() == [2]
    assert "must be in [0, 6)" in fetch(w, "sample", index=6)["error"]


def test_large_images_are_downsampled_for_display(cnn):
    r = compare_attributions(cnn, torch.rand(1, 1, 300, 450), methods=["saliency"], metrics=[],
                             progress=False)
    w = ComparisonView(r, display_size=224)
    data = synced(w, "data")
    assert data["inputs"]["shape"] == [1, 149, 224, 1]
    assert data["attributions"]["Saliency"]["shape"] == [1, 149, 224]


def test_sequence_and_tabular_blocks(rnn, linear):
    r = compare_attributions(rnn, torch.rand(2, 4, 3), methods=["saliency"], metrics=[],
                             progress=False)
    w = ComparisonView(r, tokens=[["the", "<b>cat</b>", "sat", "."], list("abcd")])
    assert w.data["tokens"][0][1] == "<b>cat</b>"  # kept verbatim: the view uses textContent
    assert synced(w, "data")["attributions"]["Saliency"]["shape"] == [2, 4]
    r = compare_attributions(linear, torch.rand(3, 5), methods=["saliency"], metrics=[],
                             progress=False)
    w = ComparisonView(r, feature_names=list("vwxyz"))
    data = synced(w, "data")
    assert data["inputs"]["dtype"] == "float32" and data["inputs"]["shape"] == [3, 5]


def test_metrics_state(result):
    w = ComparisonView(result)
    m = synced(w, "metrics")
    assert m["names"] == ["deletion_auc", "insertion_auc", "infidelity", "sensitivity", "seconds"]
    assert m["higher_is_better"] == [False, True, False, False, False]
    mean = array_from_wire(m["mean"])
    assert mean.shape == (2, 5)
    assert mean[1, 0] == pytest.approx(result.summary()["Saliency"]["deletion_auc"], rel=1e-5)
    assert array_from_wire(m["curves"]["deletion"]).shape == (2, 21)
    assert m["n"] == 4


def test_metric_columns_without_any_value_are_left_out(result):
    """A metric that has no value for any method (NaN everywhere, e.g. infidelity on token ids)
    is not a column of the view's table nor of the static snapshot; the others are kept with
    their own values."""
    result.metrics = {m: {**v, "infidelity": np.full(len(result.target), np.nan)}
                      for m, v in result.metrics.items()}
    result.metrics["Saliency"]["sensitivity"] = np.full(len(result.target), np.nan)
    w = ComparisonView(result)
    m = synced(w, "metrics")
    assert m["names"] == ["deletion_auc", "insertion_auc", "sensitivity", "seconds"]
    assert m["higher_is_better"] == [False, True, False, False]
    mean = array_from_wire(m["mean"])
    assert mean.shape == (2, 4) and np.isnan(mean[1, 2]) and np.isfinite(mean[0, 2])
    assert mean[1, 0] == pytest.approx(result.summary()["Saliency"]["deletion_auc"], rel=1e-5)
    assert array_from_wire(m["values"]).shape == (2, 4, 4)
    page = w._repr_mimebundle_()[0]["text/html"]
    assert "Infidelity" not in page and "Deletion AUC" in page and "Max-sensitivity" in page
    # no faithfulness metric measurable at all: only the timing is left
    result.metrics = {m: dict.fromkeys(v, np.full(len(result.target), np.nan))
                      for m, v in result.metrics.items()}
    assert synced(ComparisonView(result), "metrics")["names"] == ["seconds"]


def test_static_fallback_escapes_text_and_inlines_images(result):
    w = ComparisonView(result, class_names=["<script>alert(1)</script>", "b", "c"],
                              title="T & <i>")
    data, _ = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    page = data["text/html"]
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "T &amp; &lt;i&gt;" in page
    assert page.count("data:image/png;base64,") == 3  # input + 2 methods
    assert "<table>" in page and "Deletion AUC" in page


def test_to_html_is_standalone(result, tmp_path):
    w = ComparisonView(result, class_names=["</script><b>x", "b", "c"])
    path = tmp_path / "w.html"
    page = w.to_html(path)
    assert path.read_text(encoding="utf-8") == page
    assert not re.search(r"(src|href)=[\"']?https?:", page), "no network resources"
    assert "cdn" not in page.lower()
    # the payload's </script> is escaped, so the page has exactly its own three script tags
    assert page.count("</script>") == 2
    payload = json.loads(page.split('id="xai-payload">')[1].split("</script>")[0])
    assert payload["state"]["class_names"][0] == "</script><b>x"
    assert len(payload["buffers"]) == len(payload["buffer_paths"]) > 0
    assert payload["state"]["methods"] == ["Integrated Gradients", "Saliency"]


def test_front_end_bundles_are_built():
    from xaiwidgets.widgets._base import STATIC

    for name in ("comparison.js", "standalone.js"):
        assert (STATIC / name).stat().st_size > 1000
    assert "export" in (STATIC / "comparison.js").read_text()


def test_one_output_models_report_the_raw_output():
    model = torch.nn.Linear(4, 1)
    with pytest.raises(ValueError, match=r"'task'.*one output.*'regression' or.*'binary'"):
        compare_attributions(model, torch.rand(3, 4), methods=["saliency"], progress=False)
    r = compare_attributions(model, torch.rand(3, 4), methods=["saliency"], metrics=[],
                             task="regression", progress=False)
    assert r.n_outputs == 1 and r.task == "regression"
    with torch.no_grad():
        expected = model(torch.from_numpy(r.inputs))[:, 0].numpy()
    np.testing.assert_allclose(r.prob, expected, rtol=1e-6)
    w = ComparisonView(r)
    assert w.n_outputs == 1
    assert f"output: {float(r.prob[0]):.3g}" in w._static_html()


def test_keywords_of_from_model_are_strict_with_a_hint(linear):
    x = torch.rand(3, 5)
    with pytest.raises(TypeError, match=r"ComparisonView: unknown option 'titel' \(did you mean "
                                        r"'title'\?\); the keywords are \[.*'metrics'"):
        ComparisonView.from_model(linear, x, methods=["saliency"], titel="x")
    with pytest.raises(TypeError, match=r"unknown option 'colourmap' \(did you mean 'colormap'"):
        ComparisonView.from_model(linear, x, methods=["saliency"], view={"colourmap": "RdBu"})


def test_sample_set_from_python_is_checked_not_clamped(result):
    """`view.sample = 999` is refused with the valid range (the view never shows another
    sample than the one asked for); a valid value is kept and synced."""
    w = ComparisonView(result)
    w.sample = 5
    with pytest.raises(ValueError, match=r"ComparisonView.sample: 999 is out of range; valid "
                                         r"values: 0 to 5 \(the 6 samples of the result\)"):
        w.sample = 999
    with pytest.raises(ValueError, match=r"ComparisonView\.sample: -1 is out of range"):
        w.sample = -1
    assert w.sample == 5 and w.get_state()["sample"] == 5
