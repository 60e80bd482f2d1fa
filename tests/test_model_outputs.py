"""Models whose forward returns a ``ModelOutput``, a dict or a tuple work wherever a tensor does,
read by the one rule (``read_output`` in ``_core/probe.py``). The oracle is always the same
model wrapped by hand to return the tensor: results must be equal."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import torch
from test_probe import assert_untouched, snapshot
from torch import nn

from xaiwidgets import MaskExplainer, ModelProbe, compare_attributions
from xaiwidgets import metrics as M
from xaiwidgets._core.probe import read_output

pytestmark = pytest.mark.usefixtures("one_torch_thread")

METHODS = ["integrated_gradients", "saliency", "occlusion", "deeplift"]


class Logits(nn.Module):
    """The oracle: the user's 5-line wrapper that returns the tensor by hand."""

    def __init__(self, model: nn.Module, read: str) -> None:
        super().__init__()
        self.model, self.read = model, read

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.model(x)
        return {"logits": lambda: out.logits, "key": lambda: out["logits"],
                "first": lambda: out[0]}[self.read]()


@pytest.fixture
def bert() -> nn.Module:
    """A tiny BERT classifier built from a config, seeded; nothing is downloaded.
    ``initializer_range=0.5`` so that its outputs differ between inputs and classes."""
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=32, num_labels=3,
                        initializer_range=0.5)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return BertForSequenceClassification(config).eval()


@pytest.fixture
def ids() -> torch.Tensor:
    return torch.randint(1, 50, (6, 10), generator=torch.Generator().manual_seed(1))


def _same_result(r, o) -> None:
    np.testing.assert_array_equal(r.y_pred, o.y_pred)
    np.testing.assert_array_equal(r.prob, o.prob)
    assert r.methods == o.methods
    for m in r.methods:
        np.testing.assert_array_equal(r.attributions[m], o.attributions[m])
        for k in r.metrics[m]:
            if k != "seconds":
                np.testing.assert_array_equal(r.metrics[m][k], o.metrics[m][k])


def test_bert_model_output_is_read_as_its_logits_by_compare_attributions(bert, ids):
    emb = bert.bert.embeddings.word_embeddings
    before = snapshot(bert)
    r = compare_attributions(bert, ids, methods=METHODS, layer=emb, pad_id=0, metric_samples=4,
                             progress=False)
    assert_untouched(bert, before)
    o = compare_attributions(Logits(bert, "logits"), ids, methods=METHODS, layer=emb, pad_id=0,
                             metric_samples=4, progress=False)
    _same_result(r, o)
    with torch.no_grad():
        logits = bert(ids).logits
    np.testing.assert_array_equal(r.y_pred, logits.argmax(1).numpy())
    assert r.attributions["Integrated Gradients"].shape == (6, 10, 16)
    assert np.abs(r.attributions["Saliency"]).sum() > 0  # equality above is not of zeros
    assert set(r.metrics["Saliency"]) >= {"deletion_auc", "insertion_auc"}


def test_bert_metrics_equal_the_hand_wrapped_model(bert, ids):
    emb = bert.bert.embeddings.word_embeddings
    a = torch.randn(6, 10, generator=torch.Generator().manual_seed(2))
    before = snapshot(bert)
    _, curve = M.deletion_curve(bert, ids, a, pad_id=0, layer=emb, steps=5)
    kept = M.hard_mask_preservation(bert, ids, a, keep=0.3, embedding=emb, pad_id=0)
    assert_untouched(bert, before)
    wrapped = Logits(bert, "logits")
    _, curve2 = M.deletion_curve(wrapped, ids, a, pad_id=0, layer=emb, steps=5)
    np.testing.assert_array_equal(curve, curve2)
    assert kept == M.hard_mask_preservation(wrapped, ids, a, keep=0.3, embedding=emb, pad_id=0)
    with torch.no_grad():
        p0 = torch.softmax(bert(ids).logits, 1).max(1).values.double().numpy()
    np.testing.assert_allclose(curve[:, 0], p0, rtol=1e-6)  # nothing removed: the prediction


def test_bert_mask_explainer_on_token_ids_equals_the_hand_wrapped_model(bert, ids):
    emb = bert.bert.embeddings.word_embeddings
    fast = {"epochs": 2, "batch_size": 8, "lr": 1e-2, "progress": False, "seed": 0,
            "validation_fraction": 0.0, "layer": emb, "pad_id": 0}
    before = snapshot(bert)
    masks = MaskExplainer(bert, lam=0.1, **fast).fit(ids).mask(ids)
    assert_untouched(bert, before)
    oracle = MaskExplainer(Logits(bert, "logits"), lam=0.1, **fast).fit(ids).mask(ids)
    assert masks.shape == (6, 10)
    np.testing.assert_array_equal(np.asarray(masks), np.asarray(oracle))


# -- small torch models returning a dict, a tuple, or something unreadable -------------------

class Net(nn.Module):
    """An MLP whose forward returns its logits packed as ``returns`` says."""

    def __init__(self, returns: str, n_out: int = 3) -> None:
        super().__init__()
        with torch.random.fork_rng():
            torch.manual_seed(0)
            self.body = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
            self.head = nn.Linear(8, n_out)
        self.returns = returns

    def forward(self, x: torch.Tensor):
        h = self.body(x)
        z = self.head(h)
        return {"dict": lambda: {"hidden": h, "logits": z},
                "tuple": lambda: (z, h),
                "list": lambda: [z, h],
                "output": lambda: Output(logits=z),
                "no_logits": lambda: {"scores": z, "hidden": h},
                "tuple_none": lambda: (None, z),
                "set": lambda: {1, 2}}[self.returns]()


@dataclass
class Output:
    """What Hugging Face's ModelOutput offers the rule, without transformers."""

    logits: torch.Tensor


READ = {"dict": "key", "tuple": "first", "list": "first", "output": "logits"}


@pytest.fixture
def rows() -> torch.Tensor:
    return torch.randn(12, 4, generator=torch.Generator().manual_seed(3))


@pytest.mark.parametrize("returns", ["dict", "tuple"])
def test_dict_and_tuple_models_equal_the_hand_wrapped_model_in_compare_attributions(
        returns, rows):
    model = Net(returns)
    methods = [*METHODS, "gradient_shap", "guided_backprop"]
    before = snapshot(model)
    r = compare_attributions(model, rows, methods=methods, metric_samples=4, progress=False)
    assert_untouched(model, before)
    o = compare_attributions(Logits(model, READ[returns]), rows, methods=methods,
                             metric_samples=4, progress=False)
    _same_result(r, o)
    assert np.isfinite(r.metrics["Saliency"]["infidelity"][r.metric_indices]).all()


def test_a_one_logit_binary_dict_model_gets_the_signed_view(rows):
    model = Net("dict", n_out=1)
    r = compare_attributions(model, rows, methods=["saliency", "input_x_gradient"],
                             task="binary", metrics=["infidelity"], metric_samples=4,
                             progress=False)
    o = compare_attributions(Logits(model, "key"), rows, methods=["saliency", "input_x_gradient"],
                             task="binary", metrics=["infidelity"], metric_samples=4,
                             progress=False)
    _same_result(r, o)
    with torch.no_grad():
        z = model(rows)["logits"][:, 0]
    np.testing.assert_array_equal(r.y_pred, (z > 0).long().numpy())


@pytest.mark.parametrize("returns", ["dict", "tuple", "list", "output"])
def test_metrics_and_model_probe_read_the_output_like_the_hand_wrapped_model(returns, rows):
    model = Net(returns)
    oracle = Logits(model, READ[returns])
    a = torch.randn(12, 4, generator=torch.Generator().manual_seed(4))
    before = snapshot(model)
    got = M.faithfulness_correlation(model, None, rows, attributions=a)
    _, curve = M.insertion_curve(model, rows, a, steps=4)
    probe = ModelProbe(model, ["body"])
    acts = probe.collect(rows, batch_size=5)
    outs = [out for _, out, _ in probe.iter_batches(rows, batch_size=5)]
    assert_untouched(model, before)
    np.testing.assert_array_equal(got, M.faithfulness_correlation(oracle, None, rows,
                                                                  attributions=a))
    np.testing.assert_array_equal(curve, M.insertion_curve(oracle, rows, a, steps=4)[1])
    np.testing.assert_array_equal(acts["body"],
                                  ModelProbe(oracle, ["model.body"]).collect(rows, batch_size=5)[
                                      "model.body"])
    with torch.no_grad():
        want = torch.cat([oracle(rows[s:s + 5]) for s in range(0, 12, 5)])
    np.testing.assert_array_equal(torch.cat(outs).numpy(), want.numpy())


@pytest.mark.parametrize("returns, error, words", [
    ("no_logits", ValueError, "returned a dict with keys ['hidden', 'scores']; expected a tensor "
                              "under the key 'logits'"),
    ("tuple_none", TypeError, "returned a tuple whose first element is None"),
    ("set", TypeError, "expected the model to return a tensor, an object with a tensor .logits"),
])
def test_an_unreadable_output_is_a_clear_error_and_the_model_is_left_as_found(
        returns, error, words, rows):
    model = Net(returns)
    before = snapshot(model)
    with pytest.raises(error, match=r"^argument 'model': ") as e:
        compare_attributions(model, rows, methods=["saliency"], metric_samples=4, progress=False)
    assert words in str(e.value)
    with pytest.raises(error, match=r"^argument 'model': "):
        M.deletion_curve(model, rows, torch.ones(12, 4))
    with pytest.raises(error, match=r"^argument 'model': "):
        M.local_lipschitz(lambda x, t: x, rows, model=model)
    assert_untouched(model, before)


def test_model_probe_collects_activations_whatever_the_model_returns(rows):
    """Activations need no readable output: ModelProbe yields an unreadable one as returned."""
    model = Net("no_logits")
    acts = ModelProbe(model, ["body", "head"]).collect(rows)
    with torch.no_grad():
        np.testing.assert_array_equal(acts["head"], model(rows)["scores"].numpy())
    (_, out, _), = ModelProbe(model, ["body"]).iter_batches(rows)
    assert sorted(out) == ["hidden", "scores"]


def test_the_rule_itself():
    z, h = torch.ones(2, 3), torch.zeros(2, 5)
    assert read_output(z) is z
    assert read_output(Output(logits=z)) is z
    assert read_output({"hidden": h, "logits": z}) is z
    assert read_output((z, h)) is z and read_output([z]) is z
    packed = nn.utils.rnn.pack_padded_sequence(torch.ones(2, 3, 1), torch.tensor([3, 2]),
                                               batch_first=True)
    with pytest.raises(TypeError, match="argument 'model': the model returned a PackedSequence"):
        read_output(packed)
    with pytest.raises(ValueError, match=r"keys \['logits'\]; expected a tensor under"):
        read_output({"logits": [1.0]})
    with pytest.raises(TypeError, match="a tuple whose first element is nothing"):
        read_output(())
    with pytest.raises(TypeError, match=r"argument 'readout': .* got 'text'"):
        read_output("text", "readout")


class SeqGRU(nn.Module):
    """forward(x) -> (logits, hidden states): a tuple with the output first."""

    def __init__(self) -> None:
        super().__init__()
        with torch.random.fork_rng():
            torch.manual_seed(0)
            self.gru = nn.GRU(2, 5, batch_first=True)
            self.head = nn.Linear(5, 2)

    def forward(self, x: torch.Tensor):
        h, _ = self.gru(x)
        return self.head(h[:, -1]), h


class DictHead(nn.Module):
    def __init__(self, head: nn.Module) -> None:
        super().__init__()
        self.head = head

    def forward(self, h: torch.Tensor):
        return {"logits": self.head(h)}


def test_meme_reads_a_tuple_model_and_a_dict_readout_like_the_hand_wrapped_ones():
    from xaiwidgets.meme import MEME

    x = torch.randn(30, 8, 2, generator=torch.Generator().manual_seed(5)).numpy()
    model = SeqGRU()
    before = snapshot(model)
    a = MEME(model, n_concepts=2, readout=DictHead(model.head), progress=False).fit(x)
    assert_untouched(model, before)
    b = MEME(Logits(model, "first"), n_concepts=2, readout=model.head, progress=False).fit(x)
    np.testing.assert_array_equal(a.kmeans_.cluster_centers_, b.kmeans_.cluster_centers_)
    for pa, pb in zip(a.predict(x), b.predict(x), strict=True):
        np.testing.assert_array_equal(np.asarray(pa), np.asarray(pb))
    sa, sb = a.evaluate(x), b.evaluate(x)
    assert (sa.final_fidelity, sa.sequence_fidelity) == (sb.final_fidelity, sb.sequence_fidelity)
