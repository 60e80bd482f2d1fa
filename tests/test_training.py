"""The one training loop (``xaiwidgets._core.training``) and the examples' batched readers."""

import numpy as np
import pytest
import torch
from torch import nn

from xaiwidgets._core.training import train_loop
from xaiwidgets.examples import _accuracy, _predict


def test_train_loop_hands_the_loss_seeded_shuffled_index_batches():
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    x = torch.rand(10, 3)
    seen = []

    def loss(idx):
        seen.append(idx.clone())
        return model(x[idx]).pow(2).mean()

    history = train_loop(model, loss, 10, epochs=2, batch_size=4,
                         generator=torch.Generator().manual_seed(5), progress=False)
    g = torch.Generator().manual_seed(5)
    expected = []
    for _ in range(2):  # a new permutation per epoch, cut into batches of 4, 4 and 2
        order = torch.randperm(10, generator=g)
        expected += [order[0:4], order[4:8], order[8:10]]
    assert len(seen) == 6
    for got, want in zip(seen, expected, strict=True):
        assert torch.equal(got, want)
    assert history.n_epochs == 2 and len(history.loss) == 2 and not model.training


def test_train_loop_names_a_bad_batch_size():
    model = nn.Linear(3, 1)
    with pytest.raises(ValueError, match="argument 'batch_size': expected an integer >= 1"):
        train_loop(model, lambda idx: model(torch.rand(len(idx), 3)).sum(), 10, epochs=1,
                   batch_size=0, generator=torch.Generator().manual_seed(0), progress=False)


def test_train_loop_bar_only_when_asked(capsys):
    model = nn.Linear(3, 1)
    x = torch.rand(6, 3)
    for shown in (False, True):
        train_loop(model, lambda idx: model(x[idx]).pow(2).mean(), 6, epochs=1, batch_size=4,
                   generator=torch.Generator().manual_seed(0), progress=shown, desc="fitting")
        assert ("fitting" in capsys.readouterr().err) is shown


def test_examples_read_in_batches_as_one_pass():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3))
    x = torch.rand(11, 4)
    with torch.no_grad():
        out = model(x)
    y = torch.tensor([0, 1, 2] * 3 + [0, 1])
    want = float((out.argmax(1) == y).float().mean())
    assert _accuracy(model, x, y, batch_size=3) == pytest.approx(want)
    np.testing.assert_allclose(_predict(model, x, batch_size=4).numpy(), out[:, 0].numpy(),
                               rtol=1e-6)
    assert _accuracy(model, x[:0], y[:0]) == 0.0
