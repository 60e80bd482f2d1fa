"""Training a SENN: ``fit_senn``, seeded, with early stopping on a validation split, a progress
bar, tensors or DataLoaders, and a history of every loss term.

``fit_unconstrained`` trains any classifier exactly the same way (data handling, optimiser,
batches, early stopping, seed), for the accuracy baseline SENN is compared against.
Both run on :func:`xaiwidgets._core.training.train_loop`, the project's one training loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._core.batching import batch_slices
from .._core.modality import check_inputs
from .._core.probe import model_device, model_dtype, run_model, with_autograd
from .._core.random import check_seed, seeded
from .._core.training import train_loop, validation_split
from .._core.validation import (
    as_tensor,
    check_bool,
    check_finite_tensor,
    check_int,
    check_model,
    check_no_backward_hooks,
    check_number,
    check_option,
    check_targets,
    describe,
)
from .losses import NORMS, PENALTIES, check_projections, senn_loss
from .modules import SENN

__all__ = ["SENNHistory", "fit_senn", "fit_unconstrained", "unconstrained_like"]


@dataclass
class SENNHistory:
    """What :func:`fit_senn` did, per epoch.

    Attributes
    ----------
    loss, prediction, robustness, concept : list of float
        Training means of the objective and of its terms ``L_y``, ``L_theta``, ``L_h``.
    accuracy : list of float
        Training accuracy (of the batches as they were seen).
    val_loss, val_prediction, val_accuracy : list of float
        On the validation data (empty without it); early stopping watches ``val_loss``.
    best_epoch : int
        Epoch whose weights were kept.
    n_epochs : int
        Epochs run (fewer than asked when early stopping triggered).
    steps : int
        Optimiser steps taken.
    seconds : float
    """

    loss: list[float] = field(default_factory=list)
    prediction: list[float] = field(default_factory=list)
    robustness: list[float] = field(default_factory=list)
    concept: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_prediction: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    best_epoch: int = 0
    n_epochs: int = 0
    steps: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, list[float]]:
        return {k: list(getattr(self, k)) for k in (
            "loss", "prediction", "robustness", "concept", "accuracy", "val_loss",
            "val_prediction", "val_accuracy")}


# -- data ----------------------------------------------------------------------------------

Batch = tuple[torch.Tensor, torch.Tensor]


def _check_two_classes(y: torch.Tensor, n_classes: int, name: str) -> None:
    """Training labels of one class teach a classifier nothing: refuse them."""
    seen = torch.unique(y)
    if len(seen) < 2:
        raise ValueError(f"argument '{name}': expected labels of at least 2 classes to train a "
                         f"{n_classes}-class classifier, got only class {int(seen[0])} in all "
                         f"{len(y)} samples")


class _Data:
    """Training or validation data: in-memory tensors, or a re-iterable of (x, y) batches."""

    def __init__(self, model: nn.Module, n_classes: int, data: Any, y: Any, name: str,
                 y_name: str, check: Callable[[torch.Tensor, str], None]) -> None:
        self.model, self.n_classes, self.name, self.check = model, n_classes, name, check
        self.x: torch.Tensor | None = None
        self.y: torch.Tensor | None = None
        self.loader: Iterable[Any] | None = None
        if y is None and isinstance(data, (tuple, list)) and len(data) == 2 and not (
                isinstance(data[0], torch.Tensor) and data[0].ndim == 0):
            data, y = data
        if isinstance(data, (torch.Tensor, np.ndarray)) or hasattr(data, "to_numpy"):
            if y is None:
                raise ValueError(f"argument '{y_name}': labels are needed with {name} given as "
                                 f"{describe(data)}; pass {y_name}=labels, ({name}, labels) or "
                                 "a DataLoader of (x, y) batches")
            x, _ = check_inputs(data, name, model=model, allow_tokens=False)
            check(x, name)
            self.x = x
            self.y = check_targets(y, x.shape[0], n_classes, y_name).to(x.device)
            if name == "data":
                _check_two_classes(self.y, n_classes, y_name)
            return
        if y is not None:
            raise ValueError(f"argument '{y_name}': only with tensor / array data; a "
                             f"{type(data).__name__} yields its own labels")
        if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
            raise TypeError(f"argument '{name}': expected (x, y) tensors or arrays, or a "
                            f"DataLoader of (x, y) batches, got {describe(data)}")
        if isinstance(data, Sized) and len(data) == 0:
            raise ValueError(f"argument '{name}': the loader is empty (no batches)")
        tensors = getattr(getattr(data, "dataset", None), "tensors", None)
        if name == "data" and isinstance(tensors, tuple) and len(tensors) >= 2:
            # a TensorDataset's labels are at hand: check them before any step
            _check_two_classes(torch.as_tensor(tensors[1]).reshape(-1), n_classes,
                               f"{name} labels")
        self.loader = data

    @property
    def n(self) -> int:
        if self.x is not None:
            return int(self.x.shape[0])
        try:
            dataset = getattr(self.loader, "dataset", None)
            sized = dataset if dataset is not None else self.loader
            return len(sized) if isinstance(sized, Sized) else 0
        except TypeError:
            return 0

    def _batch(self, batch: Any, i: int) -> Batch:
        if isinstance(batch, dict):
            keys = [next((k for k in ks if k in batch), None)
                    for ks in (("x", "inputs", "input"), ("y", "target", "label", "labels"))]
            if None in keys:
                raise ValueError(f"argument '{self.name}': dict batches need 'x' and 'y' keys, "
                                 f"got keys {sorted(batch)}")
            xb, yb = batch[keys[0]], batch[keys[1]]
        elif isinstance(batch, (tuple, list)) and len(batch) >= 2:
            xb, yb = batch[0], batch[1]
        else:
            raise TypeError(f"argument '{self.name}': expected (x, y) batches, got batch {i} "
                            f"as {describe(batch)}")
        x = as_tensor(xb, self.name)
        if not x.is_floating_point():
            raise TypeError(f"argument '{self.name}': expected float inputs, got batch {i} as "
                            f"{describe(x)}")
        try:
            check_finite_tensor(x, self.name)
        except ValueError as err:
            raise ValueError(f"{err} in batch {i}") from None
        x = x.to(device=model_device(self.model), dtype=model_dtype(self.model))
        self.check(x, self.name)
        y = check_targets(yb, x.shape[0], self.n_classes, self.name + " labels").to(x.device)
        return x, y

    def batches(self, order: torch.Tensor | None = None, batch_size: int = 512
                ) -> Iterator[Batch]:
        """The batches of one pass (tensors: ``order`` or in sequence)."""
        if self.x is not None:
            assert self.y is not None
            idx = order if order is not None else torch.arange(self.n)
            for s in batch_slices(len(idx), batch_size):
                sel = idx[s]
                yield self.x[sel], self.y[sel]
            return
        assert self.loader is not None
        seen = 0
        for i, batch in enumerate(self.loader):
            xb, yb = self._batch(batch, i)
            if xb.shape[0]:
                seen += 1
                yield xb, yb
        if not seen:
            raise ValueError(f"argument '{self.name}': the loader yielded no (non-empty) batch")

    def subset(self, idx: torch.Tensor) -> _Data:
        out = object.__new__(_Data)
        out.__dict__.update(self.__dict__)
        assert self.x is not None and self.y is not None
        out.x, out.y = self.x[idx], self.y[idx]
        return out


# -- the shared harness --------------------------------------------------------------------

# terms(x, y, training): (objective, logits, {term: value}); training is False on validation
Terms = Callable[[torch.Tensor, torch.Tensor, bool],
                 tuple[torch.Tensor, torch.Tensor, dict[str, float]]]


def _fit(model: nn.Module, terms: Terms, n_classes: int, data: Any, y: Any, *,
         check: Callable[[torch.Tensor, str], None], epochs: int, batch_size: int, lr: float,
         validation_data: Any, validation_fraction: float, patience: int | None, seed: int,
         progress: bool, desc: str) -> SENNHistory:
    epochs = check_int(epochs, "epochs", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    lr = check_number(lr, "lr", low=0.0, low_open=True)
    validation_fraction = check_number(validation_fraction, "validation_fraction", low=0.0,
                                       high=1.0, high_open=True)
    patience = check_int(patience, "patience", low=1, allow_none=True)
    seed = check_seed(seed)
    progress = check_bool(progress, "progress")
    train = _Data(model, n_classes, data, y, "data", "y", check)
    val = (None if validation_data is None else
           _Data(model, n_classes, validation_data, None, "validation_data", "validation_data",
                 check))
    gen = torch.Generator().manual_seed(seed)
    if val is None and train.x is not None and validation_fraction > 0:
        tr, va = validation_split(train.n, validation_fraction, gen)
        if va is not None:
            train, val = train.subset(tr), train.subset(va)
    history = SENNHistory()
    sums: dict[str, float] = {}

    def step(batch: Any) -> torch.Tensor:
        xb, yb = batch if isinstance(batch, tuple) else next(train.batches(batch, len(batch)))
        total, logits, parts = terms(xb, yb, True)
        b = len(yb)
        for k, v in {"loss": float(total.detach()), **parts,
                     "accuracy": float((logits.argmax(1) == yb).float().mean())}.items():
            sums[k] = sums.get(k, 0.0) + v * b
        sums["n"] = sums.get("n", 0.0) + b
        history.steps += 1
        return total

    def flush() -> None:
        n = sums.pop("n", 0.0)
        if n:
            for k in ("loss", "prediction", "robustness", "concept", "accuracy"):
                getattr(history, k).append(sums.get(k, 0.0) / n)
        sums.clear()

    def validate() -> dict[str, float]:
        flush()
        assert val is not None
        tot = {"loss": 0.0, "prediction": 0.0, "accuracy": 0.0}
        n = 0
        for xb, yb in val.batches():
            total, logits, parts = terms(xb, yb, False)
            b = len(yb)
            tot["loss"] += float(total.detach()) * b
            tot["prediction"] += parts["prediction"] * b
            tot["accuracy"] += float((logits.argmax(1) == yb).float().sum())
            n += b
        values = {k: v / max(n, 1) for k, v in tot.items()}
        history.val_loss.append(values["loss"])
        history.val_prediction.append(values["prediction"])
        history.val_accuracy.append(values["accuracy"])
        return values

    batches = None if train.loader is None else (lambda _epoch: train.batches())
    with seeded(seed):  # dropout masks and loader shuffles; the caller's RNG is restored
        h = train_loop(model, step, max(train.n, 1), epochs=epochs, batch_size=batch_size,
                       generator=gen, lr=lr, validate=validate if val is not None else None,
                       patience=patience if val is not None else None, progress=progress,
                       desc=desc, batches=batches)
    flush()
    history.best_epoch, history.n_epochs, history.seconds = h.best_epoch, h.n_epochs, h.seconds
    return history


# -- public API ----------------------------------------------------------------------------

@with_autograd
def fit_senn(
    senn: SENN,
    data: Any,
    y: Any = None,
    *,
    lam: float = 1e-2,
    xi: float = 1.0,
    sparsity: float = 1e-3,
    penalty: str = "logits",
    norm: str | None = None,
    penalty_samples: int | None = None,
    projections: int | None = None,
    epochs: int = 10,
    batch_size: int = 128,
    lr: float = 1e-3,
    validation_data: Any = None,
    validation_fraction: float = 0.1,
    patience: int | None = 3,
    seed: int = 0,
    progress: bool = True,
) -> SENNHistory:
    """Train a :class:`SENN` in place on ``L_y + lam * L_theta + xi * L_h``.

    Parameters
    ----------
    senn : SENN
        Trained in place (Adam); left in eval mode with the best validation epoch's weights.
    data : Tensor, ndarray, DataFrame, (x, y) tuple or DataLoader
        Inputs (with ``y``), an ``(x, y)`` pair, or a DataLoader / iterable of ``(x, y)``
        batches (or dicts with ``"x"`` and ``"y"``). Floats are cast to the SENN's dtype.
    y : array-like of int, optional
        Class labels, when ``data`` holds the inputs only.
    lam : float, default=1e-2
        Weight of the robustness loss (>= 0; 0 trains an unregularised SENN, no Jacobians).
    xi : float, default=1.0
        Weight of the concept loss (learned concepts only).
    sparsity : float, default=1e-3
        Weight of the per-sample L1 norm of learned concepts inside ``L_h``.
    penalty : {"logits", "reference"}, default="logits"
        The robustness loss ``||grad_x f - J_h^T theta||`` on the pre-softmax logits (where
        it vanishes for a locally constant theta), or on the reference code's log-softmax
        outputs; see :mod:`xaiwidgets.senn.losses`.
    norm : {"batch", "raw", "mean"}, optional
        How the residual of a batch is reduced. ``"batch"`` (the default with ``"logits"``):
        the reference's Frobenius norm of the whole batch rescaled to its batch of 128, so
        ``lam`` has the paper's scale at any ``batch_size``; ``"raw"`` (the default with
        ``"reference"``): not rescaled, exactly the reference's; ``"mean"``: the per-sample
        mean of squared norms.
    penalty_samples : int, optional
        Compute the robustness loss on this many samples of each batch only (the others still
        train the prediction and concept losses). With the ``"batch"`` or ``"mean"`` norm
        this is an unbiased estimate of the same penalty at a fraction of the cost of the
        Jacobians (images: C backward passes per sample). None: every sample.
    projections : int, optional
        None (default): the robustness loss from the exact C rows of the residual. An integer
        ``p >= 1``: from ``p`` random projections per sample (``v ~ N(0, I_C) / sqrt(p)``,
        whose squared norms estimate ``||R_n||_F^2`` without bias), one pullback each instead
        of C, drawn from a generator seeded by ``seed`` (never the global RNG). ``p >= C``
        costs as much as the exact loss. Validation (early stopping) always uses the exact
        loss. See :mod:`xaiwidgets.senn.losses`.
    epochs : int, default=10
    batch_size : int, default=128
        Tensor data only (a DataLoader batches itself).
    lr : float, default=1e-3
    validation_data : (x, y) or DataLoader, optional
        Held-out data for early stopping. Default: a seeded ``validation_fraction`` of tensor
        data (a DataLoader without it trains every epoch, with no early stopping).
    validation_fraction : float, default=0.1
    patience : int or None, default=3
        Stop after this many epochs without a lower validation objective.
    seed : int, default=0
        Seeds the validation split, shuffling, dropout and the random projections (the global
        RNG state is restored).
    progress : bool, default=True

    Returns
    -------
    SENNHistory
    """
    if not isinstance(senn, SENN):
        raise TypeError(f"argument 'senn': expected a SENN (SENN.tabular(...), SENN.images(...)), "
                        f"got {describe(senn)}; train other models with fit_unconstrained")
    lam = check_number(lam, "lam", low=0.0)
    xi = check_number(xi, "xi", low=0.0)
    sparsity = check_number(sparsity, "sparsity", low=0.0)
    check_option(penalty, "penalty", PENALTIES)
    if norm is not None:
        check_option(norm, "norm", NORMS)
    check_int(penalty_samples, "penalty_samples", low=1, allow_none=True)
    projections = check_projections(projections)
    if lam > 0:  # the robustness loss's Jacobians come from torch.func
        check_no_backward_hooks(senn, "senn", "the robustness loss (lam > 0)")
    # the directions' own stream, derived from the seed (the shuffling keeps its own)
    directions = None if projections is None else torch.Generator().manual_seed(
        int(np.random.SeedSequence([check_seed(seed), 1]).generate_state(1)[0]))

    def terms(xb: torch.Tensor, yb: torch.Tensor, training: bool
              ) -> tuple[torch.Tensor, torch.Tensor, dict[str, float]]:
        out = senn_loss(senn, xb, yb, lam=lam, xi=xi, sparsity=sparsity, penalty=penalty,
                        norm=norm, penalty_samples=penalty_samples,
                        projections=projections if training else None, generator=directions)
        return out.total, out.logits, {"prediction": out.prediction,
                                       "robustness": out.robustness, "concept": out.concept}

    def check(x: torch.Tensor, name: str) -> None:
        senn._check_input(x, name)

    history = _fit(senn, terms, senn.n_classes, data, y, check=check, epochs=epochs,
                   batch_size=batch_size, lr=lr, validation_data=validation_data,
                   validation_fraction=validation_fraction, patience=patience, seed=seed,
                   progress=progress, desc="SENN")
    with torch.no_grad():
        senn.n_fit_steps += history.steps
    return history


@with_autograd
def fit_unconstrained(
    model: nn.Module,
    data: Any,
    y: Any = None,
    *,
    n_classes: int | None = None,
    epochs: int = 10,
    batch_size: int = 128,
    lr: float = 1e-3,
    validation_data: Any = None,
    validation_fraction: float = 0.1,
    patience: int | None = 3,
    seed: int = 0,
    progress: bool = True,
) -> SENNHistory:
    """Train any classifier (logits out) with cross-entropy, exactly as :func:`fit_senn` trains
    a SENN: same data handling, Adam, batches, validation split, early stopping and seed.

    The baseline for SENN's accuracy: build it with :func:`unconstrained_like`. Arguments as
    in :func:`fit_senn`; ``n_classes`` defaults to the model's output width.
    """
    check_model(model)
    if n_classes is None:
        probe = next(iter(_Data(model, 2**31 - 1, data, y, "data", "y", lambda _x, _n: None)
                          .batches(batch_size=2)))[0]
        model.eval()
        with torch.no_grad():
            n_classes = int(run_model(model, probe).shape[1])
    n_classes = check_int(n_classes, "n_classes", low=2)

    def terms(xb: torch.Tensor, yb: torch.Tensor, _training: bool
              ) -> tuple[torch.Tensor, torch.Tensor, dict[str, float]]:
        logits = run_model(model, xb)
        loss = F.cross_entropy(logits, yb)
        return loss, logits, {"prediction": float(loss.detach()), "robustness": 0.0,
                              "concept": 0.0}

    return _fit(model, terms, n_classes, data, y, check=lambda _x, _n: None, epochs=epochs,
                batch_size=batch_size, lr=lr, validation_data=validation_data,
                validation_fraction=validation_fraction, patience=patience, seed=seed,
                progress=progress, desc="baseline")


class _Unconstrained(nn.Module):
    """The parametrizer's body with a plain logit head: the SENN's theta network, minus the
    concepts and the aggregation."""

    def __init__(self, body: nn.Module, width: int, n_classes: int) -> None:
        super().__init__()
        self.body = body
        self.head = nn.Linear(width, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x if x.ndim > 2 else x.reshape(x.shape[0], -1)))


def unconstrained_like(senn: SENN) -> nn.Module:
    """A plain classifier "of the same size" as a built-in SENN: its parametrizer's
    architecture (tanh MLP or LeNet body) with a C-logit head instead of the k * C
    relevances, freshly initialised (the head at zero when the SENN's parametrizer was built
    with ``zero_init=True``, as the SENN's output layer). Train it with
    :func:`fit_unconstrained`."""
    import copy

    from .modules import LeNetParametrizer, MLPParametrizer

    p = senn.parametrizer
    if not isinstance(p, (MLPParametrizer, LeNetParametrizer)):
        raise TypeError("argument 'senn': unconstrained_like needs a SENN built by SENN.tabular "
                        f"or SENN.images, got a parametrizer {type(p).__name__}")
    body = copy.deepcopy(p.body)
    for m in body.modules():
        reset = getattr(m, "reset_parameters", None)
        if callable(reset):
            reset()
    model = _Unconstrained(body, p.out.in_features, senn.n_classes)
    if getattr(p, "zero_init", False):
        nn.init.zeros_(model.head.weight)
        nn.init.zeros_(model.head.bias)
    return model
