"""Every mask figure comes from one scorer: ``MaskExplainer.evaluate`` agrees with
``hard_mask_preservation`` on the same masks, and both agree with a forward pass written out by
hand (embedding rows zeroed, pixels / columns / steps blended with the baseline), on every
modality, for classifiers and regressions.

``evaluate`` once applied token masks through a Masker whose embedding hook was never
registered, and reported 100 % preserved with |delta| = 0; these tests fail on that code.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from xaiwidgets.masks import Masker, MaskExplainer, hard_mask_preservation

pytestmark = pytest.mark.usefixtures("one_torch_thread")

N, BASELINE, PAD = 48, 0.3, 0


class ImageNet(nn.Module):
    def __init__(self, out: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3, padding=1)
        self.head = nn.Linear(4 * 8 * 8, out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.tanh(self.conv(x)).flatten(1))


class SequenceNet(nn.Module):
    def __init__(self, out: int) -> None:
        super().__init__()
        self.gru = nn.GRU(3, 8, batch_first=True)
        self.head = nn.Linear(8, out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.gru(x)[0].sum(1))


class TokenNet(nn.Module):
    """Embedding, GRU, mean: ``from_embeddings`` is the forward after the embedding, so a test
    can zero embedding rows itself."""

    def __init__(self, out: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(20, 6, padding_idx=PAD)
        self.gru = nn.GRU(6, 8, batch_first=True, bias=False)
        self.head = nn.Linear(8, out, bias=False)  # the tokens decide, not a bias

    def from_embeddings(self, e: torch.Tensor) -> torch.Tensor:
        return self.head(self.gru(e)[0].sum(1))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.from_embeddings(self.embedding(ids))


def _case(kind: str, out: int) -> tuple[nn.Module, torch.Tensor]:
    torch.manual_seed(3)
    g = torch.Generator().manual_seed(4)
    if kind == "image":
        return ImageNet(out), torch.randn(N, 2, 8, 8, generator=g)
    if kind == "tabular":
        return nn.Sequential(nn.Linear(10, 16), nn.Tanh(), nn.Linear(16, out)), torch.randn(
            N, 10, generator=g)
    if kind == "sequence":
        return SequenceNet(out), 2 * torch.randn(N, 8, 3, generator=g)
    ids = torch.randint(1, 20, (N, 10), generator=g)
    lengths = torch.randint(4, 11, (N,), generator=g)
    ids[torch.arange(10)[None, :] >= lengths[:, None]] = PAD  # right padding, 4-10 tokens
    return TokenNet(out), ids


def _by_hand(model: nn.Module, kind: str, x: torch.Tensor, keep: torch.Tensor, at: str
             ) -> torch.Tensor:
    """The model's output with ``keep`` (N, L) applied, written out without the Masker."""
    with torch.no_grad():
        if kind == "image":
            k = keep.reshape(x.shape[0], 1, x.shape[2], x.shape[3])
            return model(k * x + (1 - k) * BASELINE)
        if kind == "tabular":
            return model(keep * x + (1 - keep) * BASELINE)
        if kind == "sequence":
            return model(keep[..., None] * x + (1 - keep[..., None]) * BASELINE)
        pad = x == PAD
        if at == "ids":
            return model(torch.where((keep > 0.5) | pad, x, torch.full_like(x, PAD)))
        rows = model.embedding(x) * torch.where(pad, 1.0, keep)[..., None]
        return model.from_embeddings(rows)


def _top(m: torch.Tensor, valid: torch.Tensor, frac: float) -> torch.Tensor:
    """0/1 mask of the floor(frac * L) (at least one) highest valid values, by hand."""
    keep = torch.zeros_like(m)
    for i in range(m.shape[0]):
        where = valid[i].nonzero().flatten().tolist()
        k = max(1, math.floor(frac * len(where) + 1e-9))
        best = sorted(where, key=lambda j: (-float(m[i, j]), j))[:k]
        keep[i, best] = 1.0
    return keep


CASES = [(kind, task, "embedding") for kind in ("image", "tabular", "sequence", "tokens")
         for task in ("multiclass", "regression")]
CASES += [("tokens", "multiclass", "ids"), ("tokens", "regression", "ids")]


@pytest.mark.parametrize(("kind", "task", "at"), CASES)
def test_evaluate_and_hard_mask_preservation_score_masks_as_a_hand_written_forward(kind, task,
                                                                                   at):
    model, x = _case(kind, 3 if task == "multiclass" else 1)
    extra = {"pad_id": PAD} if kind == "tokens" else {"baseline": BASELINE}
    ex = MaskExplainer(model, lam=0.05, task=task, epochs=1, batch_size=16, lr=1e-2,
                       validation_fraction=0.0, progress=False, seed=0, **extra).fit(x)
    m = ex.mask(x).reshape(N, -1)
    valid = (x != PAD) if kind == "tokens" else torch.ones_like(m, dtype=torch.bool)
    with torch.no_grad():
        out0 = model(x)
    keeps = (0.2, 0.5)
    outs = {k: _by_hand(model, kind, x, _top(m, valid, k), at) for k in keeps}
    if task == "multiclass":
        tol = 0.5
        kept = {k: (o.argmax(1) == out0.argmax(1)).double() for k, o in outs.items()}
        delta = None
    else:  # a tolerance between two of the hand deltas: about half are preserved
        delta = (outs[0.2][:, 0] - out0[:, 0]).abs()
        d = delta.sort().values
        tol = float(d[N // 2 - 1] + d[N // 2]) / 2
        kept = {k: ((o[:, 0] - out0[:, 0]).abs() <= tol).double() for k, o in outs.items()}
    # a test that can fail: the hard masks do change some predictions
    assert 0 < float(kept[0.2].mean()) < 1

    report = ex.evaluate(x, keep=keeps, tol=tol, **({"at": at} if at == "ids" else {}))
    for k in keeps:
        expected = float(kept[k].mean())
        assert report.preserved_hard[k] == pytest.approx(expected, abs=1e-12), k
        options = {"baseline": PAD, "at": "ids"} if at == "ids" else {}
        rate = hard_mask_preservation(model, x, ex.mask(x), keep=k, task=task, tol=tol,
                                      **{**extra, **options})
        assert rate == pytest.approx(expected, abs=1e-12), k
    soft = _by_hand(model, kind, x, torch.where(valid, m, 1.0), "embedding")
    if task == "multiclass":
        assert report.preserved_soft == pytest.approx(
            float((soft.argmax(1) == out0.argmax(1)).double().mean()), abs=1e-12)
    else:
        assert delta is not None
        assert torch.allclose(torch.from_numpy(report.abs_delta_hard).float(), delta,
                              atol=1e-5)
        assert torch.allclose(torch.from_numpy(report.abs_delta_soft).float(),
                              (soft[:, 0] - out0[:, 0]).abs(), atol=1e-5)
        assert report.abs_delta_hard.max() > 0


def test_masker_output_runs_only_inside_its_own_active_context():
    model, ids = _case("tokens", 2)
    masker = Masker(model, "tokens", embedding=model.embedding, pad_id=PAD)
    other = Masker(model, "tokens", embedding=model.embedding, pad_id=PAD)
    keep = torch.zeros(ids.shape)
    with pytest.raises(RuntimeError, match=r"inside `with masker.active\(\):`"):
        masker.output(ids, keep)
    with other.active(), pytest.raises(RuntimeError, match=r"Masker\.output"):
        masker.output(ids, keep)  # another masker's context holds another hook
    with masker.active(), torch.no_grad():
        zeroed = masker.output(ids, keep)
        with pytest.raises(RuntimeError, match="already open"):
            with masker.active():
                pass
    with torch.no_grad():
        rows = model.embedding(ids) * (ids == PAD)[..., None]
        assert torch.allclose(zeroed, model.from_embeddings(rows), atol=1e-6)
    assert not any(mod._forward_hooks for mod in model.modules())


def test_evaluate_at_ids_needs_token_inputs_and_an_integer_id():
    model, x = _case("tabular", 3)
    ex = MaskExplainer(model, epochs=1, progress=False).fit(x)
    with pytest.raises(ValueError, match=r"argument 'at': 'ids' is for token-id inputs"):
        ex.evaluate(x, at="ids")
    with pytest.raises(ValueError, match="argument 'at'"):
        ex.evaluate(x, at="pixels")
    model, ids = _case("tokens", 3)
    with pytest.raises(ValueError, match=r"argument 'baseline'.*integer, got 0.5"):
        hard_mask_preservation(model, ids, torch.rand(ids.shape), at="ids", baseline=0.5)


def test_the_widget_table_and_the_tradeoff_sweep_report_the_honest_token_figures():
    from sklearn.base import clone

    from xaiwidgets import MaskView, size_tradeoff

    model, x = _case("tokens", 3)
    ex = MaskExplainer(model, lam=0.05, epochs=1, batch_size=16, lr=1e-2, pad_id=PAD,
                       validation_fraction=0.0, progress=False, seed=0).fit(x)
    honest = hard_mask_preservation(model, x, ex.mask(x), keep=0.2, pad_id=PAD)
    assert honest < 1
    widget = MaskView.from_estimator(ex, x, baselines=["saliency"], keep=0.2,
                                     metric_samples=4, progress=False)
    rows = dict(widget.extras["tables"][0]["rows"])
    assert rows["prediction kept: top 20% kept (hard)"] == f"{honest:.1%}"
    curve = size_tradeoff(ex, x, x, values=(0.5,), epochs=1, keep=0.2)
    # the sweep's generator, refitted the way size_tradeoff refits it, scored independently
    sweep = clone(ex).set_params(lam=0.5, warm_start=True, epochs=1)
    sweep.generator_ = ex.generator_
    sweep.fit(x)
    expected = hard_mask_preservation(model, x, sweep.mask(x), keep=0.2, pad_id=PAD)
    assert curve.preserved_hard.tolist() == [pytest.approx(expected, abs=1e-12)]
