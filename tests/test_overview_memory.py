"""DatasetOverview on in-memory results (issue 24 item 1): runs.in_memory_run writes results into a
Zarr memory store through the job's layout, so the overview, the columns, the embedding and
"describe" read them as they read a stored run; values equal the results', bad input is named."""

from __future__ import annotations

import numpy as np
import pytest
import torch

zarr = pytest.importorskip("zarr")

import xaiwidgets as xw  # noqa: E402
from xaiwidgets.examples import MnistCNN  # noqa: E402
from xaiwidgets.runs import in_memory_run  # noqa: E402
from xaiwidgets.runs.columns import read_column  # noqa: E402
from xaiwidgets.runs.embed import embed_features  # noqa: E402
from xaiwidgets.runs.steps import Activations  # noqa: E402
from xaiwidgets.widgets.overview import DatasetOverview  # noqa: E402

N = 24

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def computed():
    torch.manual_seed(0)
    model = MnistCNN().eval()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, size=N)
    result = xw.compare_attributions(model, torch.from_numpy(X), methods=["saliency"], y=y,
                                     metrics=["deletion_auc"], progress=False)
    hidden = xw.ModelProbe(model, ["relu3"]).collect(torch.from_numpy(X))["relu3"]
    return result, np.asarray(hidden, dtype=np.float32), y


def test_columns_and_samples_equal_the_in_memory_results(computed):
    result, hidden, y = computed
    run = in_memory_run(result, features={"hidden": hidden}, shard_size=10)  # 3 shards
    assert len(run) == N and run.shard_size == 10 and run.complete
    assert list(run.results) == ["attributions", "features"]
    assert [c["name"] for c in run.columns()] == [
        "y_true", "y_pred", "correct", "confidence", "metrics/Saliency/deletion_auc",
        "embed/hidden_pca"]
    np.testing.assert_array_equal(read_column(run, "y_true"), y)
    np.testing.assert_array_equal(read_column(run, "y_pred"), np.asarray(result.y_pred))
    np.testing.assert_array_equal(read_column(run, "correct"),
                                  np.asarray(result.y_pred) == y)
    np.testing.assert_array_equal(read_column(run, "metrics/Saliency/deletion_auc"),
                                  np.asarray(result.metrics["Saliency"]["deletion_auc"],
                                             dtype=np.float32))
    np.testing.assert_array_equal(np.asarray(run.attributions.attributions["Saliency"][:]),
                                  np.asarray(result.attributions["Saliency"]))
    np.testing.assert_array_equal(np.asarray(run.features.values["hidden"][:]), hidden)
    # placed by the same seeded PCA as the activations in memory
    np.testing.assert_allclose(np.asarray(run.embedding()[...]), embed_features(hidden),
                               rtol=1e-5, atol=1e-5)

    view = DatasetOverview(result, features={"hidden": hidden}, color="y_true")
    assert view.n == N and view.x == "embed/hidden_pca" and view.methods == ["Saliency"]
    block = view.block(["y_pred", "correct"], 0, N)["columns"]
    np.testing.assert_array_equal(block["y_pred"], np.asarray(result.y_pred, dtype=np.uint16))
    np.testing.assert_array_equal(block["correct"], (np.asarray(result.y_pred) == y)
                                  .astype(np.uint8))
    one = view.sample(5)
    assert one["index"].tolist() == [5] and list(one["attributions"]) == ["Saliency"]


def test_a_view_and_given_coordinates_place_the_samples(computed):
    result, _, y = computed
    xy = np.random.default_rng(1).normal(size=(N, 2)).astype(np.float32)
    comparison = xw.ComparisonView(result, title="t")
    view = DatasetOverview(comparison, embedding=xy)
    assert view.x == "embed/given" and view.color == "correct"
    np.testing.assert_array_equal(view.block(["embed/given"], 0, N)["columns"]["embed/given"],
                                  xy)
    assert view.density["extent"][0] < xy[:, 0].min() < xy[:, 0].max() < view.density["extent"][1]
    # the selection round-trips like a run's, and "misclassified" reads the stored labels
    wrong = np.flatnonzero(np.asarray(result.y_pred) != y)
    view.selected = wrong.tolist()
    assert np.frombuffer(view._selection, dtype="<u4").tolist() == wrong.tolist()
    np.testing.assert_array_equal(view._group("misclassified"), wrong)


def test_describe_on_in_memory_results_equals_describe_selection_on_them(computed):
    result, hidden, y = computed
    group = np.flatnonzero(np.asarray(result.y_pred) != y)
    assert 0 < len(group) < N
    view = DatasetOverview(result, features={"hidden": hidden})
    got = view.describe(group)
    want = xw.describe_selection({"attributions": result,
                                  "features": Activations(values={"hidden": hidden})}, group,
                                 class_names=view.class_names)
    assert got.text() == want.text()
    assert got.n_group == len(group) and got.n_rest == N - len(group)
    np.testing.assert_allclose(got.mean_attribution["Saliency"],
                               want.mean_attribution["Saliency"], rtol=1e-6)


def test_in_memory_arguments_are_named(computed, tmp_path):
    result, hidden, _ = computed
    with pytest.raises(ValueError, match=r"arguments 'features', 'embedding': in-memory results "
                                         r"need activations.*got neither"):
        DatasetOverview(result)
    with pytest.raises(ValueError, match=rf"argument 'features': expected activations of shape "
                                         rf"\({N}, D\).*got shape \(5, 32\)"):
        DatasetOverview(result, features=hidden[:5])
    with pytest.raises(ValueError, match=rf"argument 'embedding': expected 2-D coordinates of "
                                         rf"shape \({N}, 2\).*got shape \({N}, 3\)"):
        DatasetOverview(result, embedding=np.zeros((N, 3)))
    with pytest.raises(TypeError, match=r"argument 'run': expected a Run .* or in-memory "
                                        r"results.*got 42"):
        DatasetOverview(42)
    with pytest.raises(ValueError, match=r"argument 'results': the results cover different "
                                         r"numbers of samples"):
        in_memory_run({"attributions": result, "features": Activations(
            values={"h": hidden[:4]})})
    with pytest.raises(ValueError, match=r"argument 'results': two results of type "
                                         r"AttributionResult"):
        in_memory_run([result, result])
    with pytest.raises(ValueError, match=r"argument 'results': expected at least one result"):
        in_memory_run({})
    with pytest.raises(ValueError, match=r"argument 'embed': expected 'pca', 'umap' or None, "
                                         r"got 'tsne'"):
        in_memory_run(result, features=hidden, embed="tsne")
    run = in_memory_run(result, embedding=np.zeros((N, 2)))
    with pytest.raises(ValueError, match=r"in-memory results \(runs.in_memory_run\), without a "
                                         r"model"):
        run.load_model(MnistCNN())
    with pytest.raises(ValueError, match=r"argument 'embedding': only for in-memory results"):
        DatasetOverview(run, embedding=np.zeros((N, 2)))
