"""MaskExplainer: learns where the model looks, leaves the model untouched, fails clearly."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from test_probe import assert_untouched, snapshot
from torch import nn

import xaiwidgets as xw
from xaiwidgets.masks import (
    ImageMaskGenerator,
    Masker,
    MaskExplainer,
    MaskReport,
    MaskResult,
    SequenceMaskGenerator,
    hard_mask_preservation,
    sample_concrete,
    size_tradeoff,
    spend_budget,
)

FAST = {"epochs": 3, "batch_size": 32, "lr": 1e-2, "progress": False}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


class LeftHalf(nn.Module):
    """3 classes from the *left* half of an 8x8 image only (the right half is ignored)."""

    def __init__(self) -> None:
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(64, 3)
        with torch.no_grad():
            w = torch.randn(3, 1, 8, 8, generator=torch.Generator().manual_seed(1)) * 2
            w[..., 4:] = 0
            self.fc.weight.copy_(w.reshape(3, 64))
            self.fc.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.flatten(x))


class KeyToken(nn.Module):
    """Token ids -> 2 logits; only token 5 carries signal (its embedding is large)."""

    def __init__(self, vocab: int = 10, dim: int = 4) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim, padding_idx=0)
        self.head = nn.Linear(dim, 2)
        with torch.no_grad():
            self.embedding.weight.mul_(0.05)
            self.embedding.weight[0] = 0
            self.embedding.weight[5] = torch.tensor([3.0, 0, 0, 0])
            self.head.weight.copy_(torch.tensor([[-1.0, 0, 0, 0], [1.0, 0, 0, 0]]))
            self.head.bias.copy_(torch.tensor([0.0, -0.5]))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.embedding(ids).sum(dim=1))


class Regressor(nn.Module):
    def __init__(self, vocab: int = 10) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, 3, padding_idx=0)
        self.gru = nn.GRU(3, 4, batch_first=True)
        self.head = nn.Linear(4, 1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        h, _ = self.gru(self.embedding(ids))
        return self.head(h[:, -1])


def _user_model(model: nn.Module) -> nn.Module:
    """Leave it in train mode, with a frozen parameter, a user hook and existing grads."""
    model.train()
    first = next(iter(model.parameters()))
    first.requires_grad_(False)
    last = list(model.parameters())[-1]
    last.grad = torch.ones_like(last)
    list(model.children())[-1].register_forward_hook(lambda *a: None)
    return model


@pytest.fixture
def images() -> torch.Tensor:
    return torch.rand(160, 1, 8, 8, generator=torch.Generator().manual_seed(0))


@pytest.fixture
def token_ids() -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(1, 10, (200, 8), generator=g)
    ids[:, 6:] = 0  # right padding
    return ids


def test_image_masks_find_the_half_the_model_uses(images):
    model = _user_model(LeftHalf())
    before = snapshot(model)
    ex = MaskExplainer(model, lam=0.2, **FAST).fit(images)
    assert ex is not None and ex.kind_ == "image" and ex.task_ == "multiclass"
    assert_untouched(model, before)
    masks = ex.attribute(images[:40])
    assert masks.shape == (40, 1, 8, 8) and masks.min() >= 0 and masks.max() <= 1
    left, right = masks[..., :4].mean(), masks[..., 4:].mean()
    assert left > right + 0.2, (float(left), float(right))
    assert_untouched(model, before)
    # masks are the generator output, one pass, shaped like the inputs (3 channels: broadcast)
    np.testing.assert_allclose(ex.mask(images[:40]).numpy(), masks[:, 0].numpy())


def test_fit_records_history_and_early_stops(images):
    ex = MaskExplainer(LeftHalf(), lam=0.1, epochs=30, patience=1, lr=0.05,
                       progress=False).fit(images)
    assert ex.n_epochs_ <= 30 and len(ex.history_["loss"]) == ex.n_epochs_
    assert len(ex.history_["val_loss"]) == ex.n_epochs_
    assert ex.best_epoch_ == int(np.argmin(ex.history_["val_loss"]))
    assert ex.fit_seconds_ > 0


def test_token_masks_rank_the_key_token_and_skip_padding(token_ids):
    model = _user_model(KeyToken())
    before = snapshot(model)
    ex = MaskExplainer(model, lam=0.3, pad_id=0, generator="conv", **FAST).fit(token_ids)
    assert ex.kind_ == "tokens" and ex.layer_ == "embedding"
    assert_untouched(model, before)
    m = ex.attribute(token_ids)
    assert m.shape == token_ids.shape
    assert torch.all(m[token_ids == 0] == 0)  # padding is not explained
    key = m[token_ids == 5].mean()
    other = m[(token_ids != 5) & (token_ids != 0)].mean()
    assert key > other + 0.2, (float(key), float(other))
    report = ex.evaluate(token_ids, keep=(0.2, 0.5))
    assert report.preserved_soft > 0.8 and 0 < report.mask_mean < 1
    assert set(report.preserved_hard) == {0.2, 0.5}
    assert_untouched(model, before)


def test_regression_uses_squared_error_to_the_models_output(token_ids):
    model = Regressor()
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"'task'.*one output"):
        MaskExplainer(model, lam=0.05, pad_id=0, **FAST).fit(token_ids)
    assert_untouched(model, before)
    ex = MaskExplainer(model, lam=0.05, pad_id=0, task="regression", **FAST).fit(token_ids)
    assert ex.task_ == "regression" and ex.n_outputs_ == 1
    with torch.no_grad():
        var = float(model.eval()(token_ids[ex.history_ and slice(None)]).var())
    model.train()
    assert ex.output_scale_ == pytest.approx(var, rel=0.5)  # variance of the training outputs
    rep = ex.evaluate(token_ids[:50], keep=0.4, tol=0.5)
    assert rep.task == "regression" and rep.abs_delta_soft.shape == (50,)
    assert rep.preserved_soft == pytest.approx(float((rep.abs_delta_soft <= 0.5).mean()))
    assert_untouched(model, before)


def test_float_sequences_and_custom_generator(rnn):
    x = torch.rand(64, 5, 3)
    gen = SequenceMaskGenerator(3, hidden=4, arch="gru")
    untrained = {k: v.clone() for k, v in gen.state_dict().items()}
    ex = MaskExplainer(rnn, generator=gen, **FAST).fit(x)
    # a copy is trained: the parameter is never changed by fit, so refits start afresh
    assert isinstance(ex.generator_, SequenceMaskGenerator) and ex.generator_ is not gen
    assert all(torch.equal(v, gen.state_dict()[k]) for k, v in untrained.items())
    assert not all(torch.equal(v, ex.generator_.state_dict()[k]) for k, v in untrained.items())
    assert ex.kind_ == "sequence"
    assert ex.attribute(x[:4]).shape == (4, 5, 3)


def _image_masker(model: nn.Module) -> Masker:
    return Masker(model, "image")


@pytest.mark.parametrize("necessity, penalty", [(0.0, None), (1.5, None), (1.5, 0.1), (0.0, 0.2)])
def test_objective_terms(images, necessity, penalty):
    model = LeftHalf()
    ex = MaskExplainer(model, lam=0.3, necessity=necessity, logit_penalty=penalty,
                       **FAST).fit(images)
    objective = ex._objective()
    # None means 0.01 with the deletion term and 0 without
    weight = penalty if penalty is not None else (0.01 if necessity else 0.0)
    assert objective.logit_penalty == weight and objective.lam == 0.3
    x = images[:16]
    m = ex.mask(x)
    masker = _image_masker(model)
    with masker.active(), torch.no_grad():
        ref = model(x).argmax(1)
        loss = objective(masker, x, ref, m, masker.valid(x), sample=True)
        F = torch.nn.functional
        expected = F.cross_entropy(model(m[:, None] * x), ref) + 0.3 * m.mean()
        # deletion term: the probability of the model's class once the kept pixels are removed
        gone = F.softmax(model((1 - m[:, None]) * x), dim=1)[torch.arange(16), ref]
        expected = expected + necessity * gone.mean()
        expected = expected + weight * (torch.logit(m, eps=1e-6) ** 2).mean()
    torch.testing.assert_close(loss, expected)


def test_temperature_trains_through_relaxed_bernoulli_samples(images):
    model = LeftHalf()
    ex = MaskExplainer(model, lam=0.3, temperature=0.5, necessity=1.0, **FAST).fit(images)
    objective = ex._objective()
    x = images[:16]
    m = ex.mask(x)
    masker = _image_masker(model)
    F = torch.nn.functional
    with masker.active(), torch.no_grad():
        valid = masker.valid(x)
        ref = model(x).argmax(1)
        torch.manual_seed(5)  # training: the model sees samples of the mask
        loss = objective(masker, x, ref, m, valid, sample=True)
        torch.manual_seed(5)
        u = torch.rand_like(m).clamp(1e-6, 1 - 1e-6)
        z = torch.sigmoid((torch.logit(m, eps=1e-6) + torch.log(u) - torch.log1p(-u)) / 0.5)
        gone = F.softmax(model((1 - z[:, None]) * x), dim=1)[torch.arange(16), ref]
        expected = (F.cross_entropy(model(z[:, None] * x), ref) + 0.3 * m.mean() + gone.mean()
                    + 0.01 * (torch.logit(m, eps=1e-6) ** 2).mean())
        torch.testing.assert_close(loss, expected)
        # the samples are near-binary, and keep a location about m of the time
        many = torch.stack([sample_concrete(m, 0.5) for _ in range(1000)])
        assert ((many > 0.1) & (many < 0.9)).float().mean() < 0.35
        assert ((many > 0.5).float().mean(0) - m).abs().mean() < 0.02
        soft = objective(masker, x, ref, m, valid, sample=False)  # no sampling: the mask itself
        gone = F.softmax(model((1 - m[:, None]) * x), dim=1)[torch.arange(16), ref]
        expected = (F.cross_entropy(model(m[:, None] * x), ref) + 0.3 * m.mean() + gone.mean()
                    + 0.01 * (torch.logit(m, eps=1e-6) ** 2).mean())
        torch.testing.assert_close(soft, expected)
        # validation scores sampled masks too, with the same noise every epoch
        first = ex._validate(x, ref, masker, objective)
        again = ex._validate(x, ref, masker, objective)
    assert first == again and first["loss"] != pytest.approx(float(soft))


def test_necessity_masks_keep_what_the_model_needs(images):
    # the deletion term must not undo the method: masks still rank the half the model reads
    # first, so keeping their top half preserves the predictions and removing it loses them
    model = LeftHalf()
    ex = MaskExplainer(model, lam=0.2, necessity=1.0, **FAST).fit(images)
    m = ex.mask(images[:80])
    assert m[..., :4].mean() > m[..., 4:].mean() + 0.2
    assert hard_mask_preservation(model, images[:80], m[:, None], keep=0.5) > 0.9
    top = m.reshape(80, -1) >= m.reshape(80, -1).median(dim=1, keepdim=True).values
    with torch.no_grad():
        ref = model(images[:80]).argmax(1)
        gone = model(images[:80] * ~top.reshape(80, 1, 8, 8)).argmax(1)
    assert (gone == ref).float().mean() < 0.6


def test_budget_masks_spend_a_fixed_fraction(images, token_ids):
    # images: every mask sums to budget * H * W, and the budget goes to the half the model reads
    model = LeftHalf()
    ex = MaskExplainer(model, budget=0.25, temperature=0.5, **FAST).fit(images)
    m = ex.mask(images[:40])
    assert m.min() >= 0 and m.max() <= 1
    np.testing.assert_allclose(m.sum((1, 2)).numpy(), 0.25 * 64, rtol=1e-3)
    assert m[..., :4].mean() > 2 * m[..., 4:].mean(), (float(m[..., :4].mean()),
                                                      float(m[..., 4:].mean()))
    # locations kept for certain do not tie at 1: they keep the generator's order
    scores = torch.linspace(-2.0, 6.0, 64).reshape(1, 8, 8)
    kept = spend_budget(torch.sigmoid(scores), torch.ones(1, 64, dtype=torch.bool),
                        0.25).flatten()
    assert int((kept > 0.999).sum()) >= 5  # several saturate...
    assert torch.all(kept.diff() > 0)  # ...and the order of the scores survives
    assert float(kept.sum()) == pytest.approx(16.0, rel=1e-3)
    # the size term is gone (it would be a constant) and lam has no effect on the loss
    masker = _image_masker(model)
    x = images[:16]
    mm = ex.mask(x)
    with masker.active(), torch.no_grad():
        ref = model(x).argmax(1)
        loss = ex._objective()(masker, x, ref, mm, masker.valid(x), sample=False)
        ex.lam = 100.0
        torch.testing.assert_close(
            ex._objective()(masker, x, ref, mm, masker.valid(x), sample=False), loss)
        expected = torch.nn.functional.cross_entropy(model(mm[:, None] * x), ref)
        torch.testing.assert_close(loss, expected)
    # tokens: padding is excluded from the count and from the budget; sums follow each length
    tok = KeyToken()
    ids = token_ids.clone()
    ids[:50, 3:] = 0  # some inputs with 3 tokens, the rest with 6
    ex = MaskExplainer(tok, budget=0.5, pad_id=0, **FAST).fit(ids)
    m = ex.mask(ids)
    assert torch.all(m[ids == 0] == 0)
    lengths = (ids != 0).sum(1).float()
    np.testing.assert_allclose(m.sum(1).numpy(), (0.5 * lengths).numpy(), rtol=1e-3)
    key = m[ids == 5].mean()
    assert key > m[(ids != 5) & (ids != 0)].mean() + 0.2


@pytest.mark.parametrize("budget", [0.0, 1.5, -0.2, "half", True])
def test_budget_must_be_a_fraction(images, budget):
    with pytest.raises((ValueError, TypeError),
                       match=r"argument 'budget': expected a number in \(0, 1\] or None, got "
                       + repr(budget).replace(".", r"\.")):
        MaskExplainer(LeftHalf(), budget=budget, **FAST).fit(images)


def test_hard_masks_keep_at_most_the_fraction():
    from xaiwidgets.metrics import topk_mask as _topk_mask

    scores = torch.arange(10.0).repeat(3, 1)
    valid = torch.ones(3, 10, dtype=torch.bool)
    valid[1, 7:] = False  # 7 real locations: 40 % of 7 is 2.8, so 2 are kept, never 3
    kept = _topk_mask(scores, valid, 0.4)
    assert kept.sum(1).tolist() == [4.0, 2.0, 4.0]
    assert kept[1].tolist() == [0, 0, 0, 0, 0, 1, 1, 0, 0, 0]
    assert _topk_mask(scores, valid, 0.3).sum(1).tolist() == [3.0, 2.0, 3.0]  # 0.3*10 is 2.999..
    assert _topk_mask(scores, valid, 0.01).sum(1).tolist() == [1.0, 1.0, 1.0]  # at least one


def test_seeded_and_global_rng_untouched(images):
    model = LeftHalf()
    state, np_state = torch.random.get_rng_state(), np.random.get_state()
    a = MaskExplainer(model, seed=3, **FAST).fit(images).attribute(images[:5])
    b = MaskExplainer(model, seed=3, **FAST).fit(images).attribute(images[:5])
    c = MaskExplainer(model, seed=4, **FAST).fit(images).attribute(images[:5])
    assert torch.equal(state, torch.random.get_rng_state())
    assert np.array_equal(np_state[1], np.random.get_state()[1])
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_sklearn_style_params():
    model = LeftHalf()
    ex = MaskExplainer(model, lam=0.3, epochs=2)
    assert not hasattr(ex, "generator_")
    params = ex.get_params()
    assert params["model"] is model and params["lam"] == 0.3 and params["epochs"] == 2
    assert ex.set_params(lam=0.5) is ex and ex.lam == 0.5
    with pytest.raises(ValueError, match="Invalid parameter 'nope'"):
        ex.set_params(nope=1)
    assert "lam=0.5" in repr(ex) and "LeftHalf" in repr(ex) and "budget" not in repr(ex)
    assert "budget=0.4" in repr(ex.set_params(budget=0.4)) and ex.get_params()["budget"] == 0.4


def test_bad_input_is_a_clear_error(images, token_ids):
    model = LeftHalf()
    with pytest.raises(NotFittedError, match=r"not fitted yet: call fit\(\.\.\.\) before"):
        MaskExplainer(model).attribute(images)
    with pytest.raises(ValueError, match=r"argument 'lam': expected a number >= 0, got -0.1"):
        MaskExplainer(model, lam=-0.1).fit(images)
    with pytest.raises(TypeError, match="argument 'lam': expected a number >= 0, got 'big'"):
        MaskExplainer(model, lam="big").fit(images)
    with pytest.raises(ValueError, match="argument 'data': expected at least one"):
        MaskExplainer(model).fit(torch.rand(0, 1, 8, 8))
    empty = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.rand(0, 1, 8, 8)))
    with pytest.raises(ValueError, match="argument 'data': expected at least one non-empty"):
        MaskExplainer(model).fit(empty)
    with pytest.raises(ValueError, match="argument 'epochs': expected an integer >= 1, got 0"):
        MaskExplainer(model, epochs=0).fit(images)
    with pytest.raises(ValueError, match="argument 'validation_fraction'"):
        MaskExplainer(model, validation_fraction=1.5).fit(images)
    with pytest.raises(ValueError, match=r"argument 'necessity': expected a number >= 0, got -1"):
        MaskExplainer(model, necessity=-1).fit(images)
    with pytest.raises(ValueError, match=r"argument 'temperature': expected a number > 0 or None, "
                                         r"got 0"):
        MaskExplainer(model, temperature=0).fit(images)
    with pytest.raises(TypeError, match=r"argument 'temperature': expected a number > 0 or "
                                        r"None, got 'hot'"):
        MaskExplainer(model, temperature="hot").fit(images)
    with pytest.raises(ValueError, match=r"argument 'logit_penalty': expected a number >= 0 "
                                         r"or None, got -0.5"):
        MaskExplainer(model, logit_penalty=-0.5).fit(images)
    with pytest.raises(ValueError, match=r"argument 'necessity': the deletion term needs a "
                                         r"classifier .* regression; got necessity=1.0"):
        MaskExplainer(Regressor(), necessity=1.0, task="regression", **FAST).fit(token_ids)

    ex = MaskExplainer(model, **FAST).fit(images)
    with pytest.raises(ValueError, match=r"fitted on \(N, C, H, W\) float images, got \(N, T\) "
                                         r"integer token ids"):
        ex.attribute(token_ids)
    with pytest.raises(ValueError, match=r"expected shape \(N, 1, \*, \*\) like the training "
                                         r"inputs, got \(2, 3, 8, 8\)"):
        ex.attribute(torch.rand(2, 3, 8, 8))
    with pytest.raises(ValueError, match=r"argument 'keep': expected a number in \(0, 1\], "
                                         r"got 1.5"):
        ex.evaluate(images, keep=1.5)

    # a sequence mask needs an embedding layer to mask in
    with pytest.raises(ValueError, match=r"argument 'model': token-id inputs are explained in the "
                                         "model's embedding space, but LeftHalf has no "
                                         "nn.Embedding"):
        MaskExplainer(model).fit(token_ids)
    with pytest.raises(ValueError, match=r"argument 'layer': .*needs an torch.Embedding layer; "
                                         "'head' is a Linear"):
        MaskExplainer(KeyToken(), layer="head").fit(token_ids)
    with pytest.raises(ValueError, match="argument 'layer': model has no layer 'emb'"):
        MaskExplainer(KeyToken(), layer="emb").fit(token_ids)
    with pytest.raises(ValueError, match="argument 'pad_id': only for token-id inputs"):
        MaskExplainer(model, pad_id=0).fit(images)


def test_model_untouched_when_fit_fails(images):
    model = _user_model(LeftHalf())
    before = snapshot(model)

    class Wrong(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3, padding=1)

        def forward(self, x):
            return torch.sigmoid(self.conv(x))  # 2 values per pixel

    with pytest.raises(ValueError, match=r"argument 'generator': expected the generator to "
                                         r"return one mask value per location, shaped "
                                         r"\(N, 1, 8, 8\) or \(N, 8, 8\) with N = \d+, got "
                                         r"\(\d+, 2, 8, 8\)"):
        MaskExplainer(model, generator=Wrong(), **FAST).fit(images)
    assert_untouched(model, before)
    tokens = _user_model(KeyToken())
    before = snapshot(tokens)
    with pytest.raises(ValueError, match=r"'generator': Wrong failed on token embeddings of "
                                         r"shape \(\d+, 4, 4\): .*channels"):  # 2-D conv
        MaskExplainer(tokens, generator=Wrong(), **FAST).fit(torch.randint(1, 9, (20, 4)))
    assert_untouched(tokens, before)


def test_hard_mask_preservation_and_tradeoff(images):
    model = LeftHalf()
    left = torch.zeros_like(images)
    left[..., :4] = 1.0
    assert hard_mask_preservation(model, images, left, keep=0.5) == 1.0
    # keeping only the ignored half leaves every input at the baseline: one class for all
    right = 1.0 - left
    with torch.no_grad():
        classes = model(images).argmax(1)
    rate = hard_mask_preservation(model, images, right, keep=0.5)
    assert rate == pytest.approx(float((classes == model(torch.zeros(1, 1, 8, 8)).argmax()).float()
                                       .mean()))
    ex = MaskExplainer(model, **FAST).fit(images)
    curve = size_tradeoff(ex, images, images[:64], values=(0.0, 1.0), epochs=2)
    assert curve.mask_mean[1] < curve.mask_mean[0]
    assert curve.values.tolist() == [0.0, 1.0] and list(curve.reports) == ["0", "1"]
    assert curve.mask_mean.tolist() == [r.mask_mean for r in curve.reports.values()]
    with pytest.raises(ValueError, match=r"argument 'values': expected a number >= 0, "
                                         r"got -1.0"):
        size_tradeoff(ex, images, images, values=(-1.0,))
    # a budget explainer sweeps its budget: the mean mask value is the budget
    ex = MaskExplainer(model, budget=0.5, **FAST).fit(images)
    curve = size_tradeoff(ex, images, images[:64], values=(0.25, 0.75), epochs=1)
    assert curve.param == "budget"
    np.testing.assert_allclose(curve.mask_mean, [0.25, 0.75], rtol=1e-3)
    assert [curve.label(v) for v in curve.values] == ["budget=0.25", "budget=0.75"]
    # each generator's hard masks keep its own budget
    assert curve.keep is None and curve.kept == "budget"
    assert [list(r.preserved_hard) for r in curve.reports.values()] == [[0.25], [0.75]]
    with pytest.raises(ValueError, match=r"argument 'values': expected distinct values"):
        size_tradeoff(ex, images, images, values=(0.5, 0.5))
    with pytest.raises(ValueError, match=r"argument 'values': expected a number in \(0, 1\], "
                                         r"got 0.0"):
        size_tradeoff(ex, images, images, values=(0.0,))


def test_generators_shapes():
    assert ImageMaskGenerator(3)(torch.rand(2, 3, 13, 9)).shape == (2, 1, 13, 9)
    assert SequenceMaskGenerator(4, arch="conv")(torch.rand(2, 7, 4)).shape == (2, 7)
    assert SequenceMaskGenerator(4, arch="gru")(torch.rand(2, 7, 4)).shape == (2, 7)
    deep = SequenceMaskGenerator(4, hidden=6, num_layers=2)
    assert deep.body.num_layers == 2 and deep(torch.rand(2, 7, 4)).shape == (2, 7)
    with pytest.raises(ValueError, match="argument 'num_layers': only the 'gru' generator"):
        SequenceMaskGenerator(4, arch="conv", num_layers=2)
    with pytest.raises(ValueError, match="argument 'arch'"):
        SequenceMaskGenerator(4, arch="lstm")


def test_exported():
    assert xw.MaskExplainer is MaskExplainer and xw.MaskView.__name__ == "MaskView"


def test_report_is_per_sample_rows_whose_summaries_are_the_pooled_figures(images):
    ex = MaskExplainer(LeftHalf(), lam=0.2, **FAST).fit(images)
    x = images[:40]
    report = ex.evaluate(x, keep=(0.1, 0.5))
    assert len(report) == report.n == 40 and report.keep == [0.1, 0.5]
    assert report.kept_hard.shape == (40, 2) and report.kept_hard.dtype == bool
    m = ex.mask(x).reshape(40, -1).double().numpy()
    np.testing.assert_allclose(report.mask_sum, m.sum(1), rtol=1e-6)
    assert report.locations.tolist() == [64] * 40
    assert report.above_half.tolist() == (m > 0.5).sum(1).tolist()
    assert report.mask_mean == pytest.approx(m.mean(), rel=1e-6)
    assert report.frac_above_half == pytest.approx(float((m > 0.5).mean()))
    np.testing.assert_allclose(report.sizes, m.mean(1), rtol=1e-6)
    # the report on some samples is the report of those samples alone
    part = report[10:25]
    again = ex.evaluate(x[10:25], keep=(0.1, 0.5))
    assert part.as_dict() == pytest.approx(again.as_dict(), rel=1e-6)
    joined = MaskReport.concat([report[:10], report[10:]])
    assert joined.as_dict() == report.as_dict()
    with pytest.raises(ValueError, match=r"'kept_hard' must be \(N, 2\)"):
        MaskReport(task="multiclass", keep=[0.1, 0.5], mask_sum=np.zeros(3),
                   above_half=np.zeros(3, int), locations=np.ones(3, int),
                   kept_soft=np.ones(3, bool), kept_hard=np.ones((3, 1), bool))
    with pytest.raises(ValueError, match="field 'locations' has 2 samples, 'mask_sum' has 3"):
        MaskReport(task="multiclass", keep=[0.1], mask_sum=np.zeros(3),
                   above_half=np.zeros(3, int), locations=np.ones(2, int),
                   kept_soft=np.ones(3, bool), kept_hard=np.ones((3, 1), bool))


def test_explain_bundles_comparison_report_and_curve_as_one_result(images, tmp_path):
    model = LeftHalf()
    before = snapshot(model)
    ex = MaskExplainer(model, lam=0.2, **FAST).fit(images)
    x = images[:5]
    args = ex.compare_arguments(["saliency"])
    assert list(args["methods"]) == ["Explanatory mask", "Saliency"] and args["task"] == ex.task_
    comparison = xw.compare_attributions(model, x, metric_samples=3, progress=False, **args)
    curve = size_tradeoff(ex, images, images[:16], values=(0.1, 1.0), epochs=1)
    result = ex.explain(x, comparison, keep=(0.2, 0.4), tradeoff=curve)
    assert_untouched(model, before)
    assert isinstance(result, MaskResult) and len(result) == 5
    assert result.comparison is comparison and result.tradeoff is curve
    assert result.report.keep == [0.2, 0.4] and result.report.n == 5
    np.testing.assert_allclose(result.mask, ex.attribute(x).numpy(), atol=1e-6)
    # rows: the comparison's and the report's rows are taken together; the curve is kept
    two = result[[1, 3]]
    assert len(two.comparison) == len(two.report) == 2 and two.tradeoff is curve
    np.testing.assert_array_equal(two.comparison.inputs, comparison.inputs[[1, 3]])
    np.testing.assert_array_equal(two.report.kept_hard, result.report.kept_hard[[1, 3]])
    assert MaskResult.concat([result[:2], result[2:]]).report.as_dict() == (
        result.report.as_dict())
    back = xw.open_result(result.save(tmp_path / "r"))
    assert isinstance(back, MaskResult) and back.label == "Explanatory mask"
    assert back.report.as_dict() == result.report.as_dict()
    np.testing.assert_array_equal(back.tradeoff.preserved_soft, curve.preserved_soft)
    assert list(back.tradeoff.reports) == ["0.1", "1"]
    np.testing.assert_array_equal(back.comparison.attributions["Saliency"],
                                  comparison.attributions["Saliency"])
    # what it refuses, before computing anything
    with pytest.raises(ValueError, match=r"argument 'comparison': expected this explainer "
                                         r"among its methods \(label 'Explanatory mask'\)"):
        ex.explain(x, dataclasses.replace(comparison, methods=["Saliency"]))
    with pytest.raises(ValueError, match=r"argument 'comparison': it explains other inputs"):
        ex.explain(images[5:10], comparison)
    with pytest.raises(TypeError, match=r"argument 'comparison': expected an AttributionResult"):
        ex.explain(x, {"methods": ["Explanatory mask"]})
    with pytest.raises(TypeError, match=r"argument 'tradeoff': expected a TradeoffCurve"):
        ex.explain(x, comparison, tradeoff="curve")
    with pytest.raises(ValueError, match=r"argument 'baselines': labels \['Saliency'\] appear"):
        ex.compare_arguments(["saliency", "saliency"])
    with pytest.raises(TypeError, match=r"argument 'baselines': expected a list"):
        ex.compare_arguments("saliency")
    with pytest.raises(NotFittedError):
        MaskExplainer(model).compare_arguments()
    with pytest.raises(ValueError, match=r"MaskResult: argument 'label': the mask's label "
                                         r"'Other' is not among"):
        MaskResult(comparison=comparison, report=result.report, label="Other")
    with pytest.raises(ValueError, match="the report has 2 samples and the comparison 5"):
        MaskResult(comparison=comparison, report=result.report[:2])
