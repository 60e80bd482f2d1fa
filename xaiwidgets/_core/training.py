"""The one training loop: seeded shuffling, a validation score per epoch, early stopping on it,
the best state restored, and the one progress bar.

Callers own their data and their loss: the loop hands them shuffled index batches.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from .batching import batch_slices
from .batching import progress as progress_bar

__all__ = ["History", "train_loop", "validation_split"]


@dataclass
class History:
    """What a :func:`train_loop` did.

    Attributes
    ----------
    loss : list of float
        Mean training loss per epoch.
    val : dict of str to list of float
        Validation values per epoch (the first key is the one early stopping watches).
    best_epoch : int
        Epoch whose state was kept (the last one without validation).
    n_epochs : int
        Epochs run (fewer than asked when early stopping triggered).
    seconds : float
    """

    loss: list[float] = field(default_factory=list)
    val: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int = 0
    n_epochs: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, list[float]]:
        return {"loss": list(self.loss), **{f"val_{k}": list(v) for k, v in self.val.items()}}


def validation_split(n: int, fraction: float, generator: torch.Generator, *, minimum: int = 10
                     ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Seeded (train, validation) index split; no validation below ``minimum`` samples."""
    if fraction <= 0 or n < minimum:
        return torch.arange(n), None
    perm = torch.randperm(n, generator=generator)
    n_val = max(1, round(fraction * n))
    return perm[n_val:], perm[:n_val]


def _batch_len(batch: Any) -> int:
    """Samples in a batch: an index tensor, or the first tensor of a tuple / list / dict."""
    if isinstance(batch, (tuple, list)) and batch:
        return _batch_len(batch[0])
    if isinstance(batch, dict) and batch:
        return _batch_len(next(iter(batch.values())))
    return len(batch)


def train_loop(
    modules: nn.Module | Sequence[nn.Module],
    loss_fn: Callable[[torch.Tensor], torch.Tensor],
    n: int | Callable[[int], int],
    *,
    epochs: int,
    batch_size: int,
    generator: torch.Generator,
    lr: float = 1e-3,
    optimizer: torch.optim.Optimizer | None = None,
    validate: Callable[[], dict[str, float]] | None = None,
    patience: int | None = None,
    one_cycle: bool = False,
    before_epoch: Callable[[int], None] | None = None,
    progress: bool = True,
    desc: str = "training",
    batches: Callable[[int], Iterable[Any]] | None = None,
) -> History:
    """Train ``modules`` by minimising ``loss_fn(batch_indices)``.

    Parameters
    ----------
    modules : nn.Module or sequence of nn.Module
        What is trained: in train mode during epochs, eval mode at the end; their parameters
        go to Adam unless ``optimizer`` is given.
    loss_fn : callable
        ``loss_fn(idx)`` -> scalar loss of the samples ``idx`` (an int64 tensor).
    n : int or callable
        Number of training samples (or ``n(epoch)``, when ``before_epoch`` changes the data).
    epochs, batch_size, lr : as usual
    generator : torch.Generator
        Shuffles the samples (seeded by the caller).
    validate : callable, optional
        ``validate()`` -> ``{name: value}`` after every epoch; the first value is a loss (lower
        is better). With it the best epoch's state is restored at the end.
    patience : int, optional
        Stop after this many epochs without a better validation loss.
    one_cycle : bool, default=False
        ``lr`` is the peak of a one-cycle schedule (warm-up, then annealing).
    before_epoch : callable, optional
        ``before_epoch(epoch)`` runs before every epoch (e.g. to re-augment the data).
    batches : callable, optional
        ``batches(epoch)`` -> an iterable of batches (e.g. a DataLoader, which shuffles
        itself): ``loss_fn`` then receives each batch instead of index tensors, and the epoch
        loss is averaged over the samples of the batches (a batch's first tensor gives its
        size). ``n`` then only sizes the one-cycle schedule.
    """
    mods = [modules] if isinstance(modules, nn.Module) else list(modules)
    params = [p for m in mods for p in m.parameters() if p.requires_grad]
    opt = optimizer or torch.optim.Adam(params, lr=lr)
    size = n if callable(n) else (lambda _epoch: n)
    sched = (torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=lr, total_steps=max(1, epochs * -(-size(0) // batch_size)))
        if one_cycle else None)
    history = History()
    best, best_state, bad = math.inf, None, 0
    start = time.perf_counter()
    bar = progress_bar(range(epochs), enabled=progress, desc=desc, unit="epoch")
    try:
        for epoch in bar:
            if before_epoch is not None:
                before_epoch(epoch)
            for m in mods:
                m.train()
            if batches is None:
                count = size(epoch)
                order = torch.randperm(count, generator=generator)
                chunks: Iterable[Any] = (order[s] for s in batch_slices(count, batch_size))
            else:
                chunks = batches(epoch)
            total, seen = 0.0, 0
            for idx in chunks:
                loss = loss_fn(idx)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                if sched is not None:
                    sched.step()
                b = _batch_len(idx)
                total += float(loss.detach()) * b
                seen += b
            history.loss.append(total / max(1, seen))
            history.n_epochs = epoch + 1
            post: dict[str, Any] = {"loss": f"{history.loss[-1]:.3f}"}
            if validate is None:
                history.best_epoch = epoch
                bar.set_postfix(post)
                continue
            for m in mods:
                m.eval()
            values = validate()
            for k, v in values.items():
                history.val.setdefault(k, []).append(float(v))
            key = next(iter(values))
            post["val"] = f"{values[key]:.3f}"
            bar.set_postfix(post)
            if values[key] < best - 1e-5:
                best, history.best_epoch, bad = values[key], epoch, 0
                best_state = [copy.deepcopy(m.state_dict()) for m in mods]
            else:
                bad += 1
                if patience is not None and bad >= patience:
                    break
    finally:
        bar.close()
    if best_state is not None:
        for m, state in zip(mods, best_state, strict=True):
            m.load_state_dict(state)
    for m in mods:
        m.eval()
    history.seconds = time.perf_counter() - start
    return history
