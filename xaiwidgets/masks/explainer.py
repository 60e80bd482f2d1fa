"""MaskExplainer: explanatory masks (Phillips, Goh & Hodas, arXiv 1911.06876) for a frozen
PyTorch model, trained once and then explaining in one generator pass.

The method in the project's words, with its defaults and extensions: ``docs/methods/masks.md``.
The model is never updated: training runs inside :func:`xaiwidgets.preserved_model` (eval mode,
frozen parameters, every hook and flag restored on exit, even on errors).
"""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from .._core.batching import DEFAULT_BATCH_SIZE, batch_slices, map_batches
from .._core.estimator import Constraints, XaiEstimator
from .._core.explainers import METHODS
from .._core.modality import SHAPES, Masker, check_inputs, infer_kind
from .._core.probe import (
    find_embedding,
    iter_input_batches,
    model_device,
    model_dtype,
    run_model,
    with_autograd,
)
from .._core.random import check_seed, seeded
from .._core.task import TASKS, Task, infer_task
from .._core.training import train_loop, validation_split
from .._core.validation import (
    as_tensor,
    check_bool,
    check_int,
    check_kind,
    check_model,
    check_model_output,
    check_number,
    check_option,
    describe,
)
from ..metrics.faithfulness import hard_mask_outcome, mask_outcome
from .generators import ImageMaskGenerator, SequenceMaskGenerator, TabularMaskGenerator
from .objective import MaskObjective, mask_size, spend_budget
from .report import MaskReport, TradeoffCurve
from .result import MaskResult

__all__ = ["DEFAULT_BASELINES", "MaskExplainer"]

_BATCH = DEFAULT_BATCH_SIZE  # inputs per evaluation pass

#: Captum methods the mask is compared with by default (:meth:`MaskExplainer.compare_arguments`).
DEFAULT_BASELINES = ("integrated_gradients", "saliency", "occlusion", "gradient_shap")


class MaskExplainer(XaiEstimator):
    """Explanatory masks for a frozen PyTorch model: train a mask generator once, then explain in
    one forward pass.

    A scikit-learn estimator (:meth:`fit` returns self, learned state ends in ``_``, ``clone``
    keeps the model by reference) and a Captum-style explainer (:meth:`attribute` returns masks
    shaped like the inputs), so it plugs into :func:`xaiwidgets.compare_attributions` and
    :class:`xaiwidgets.ComparisonView` like any Captum method.

    Parameters
    ----------
    model : nn.Module
        The trained model to explain. It is used in place and never updated: parameters, buffers,
        training flags, ``requires_grad`` and hooks are exactly as before after ``fit`` and
        ``attribute``, whether they succeed or fail.
    lam : float, default=0.05
        Weight of the mask-size term ``mean(m)``; larger gives smaller masks. Must be >= 0.
    task : {"auto", "multiclass", "binary", "regression"}, default="auto"
        How to read the model's outputs (required for one-output models). Classifiers keep
        their predicted class (cross-entropy); a regression keeps its output (squared error
        divided by the variance of the outputs on the training data, so ``lam`` means the same
        in any units).
    tv : float, default=0.0
        Weight of a total-variation term that smooths image masks (ignored otherwise).
    necessity : float, default=0.0
        Classifiers only: weight of a deletion term (an extension, not in the paper), the
        model's probability for its own class when the mask's locations are *removed*. The
        paper's objective asks for locations that *suffice*; this term also asks that they be
        *needed*, which orders locations the way deletion curves measure.
    logit_penalty : float or None, default=None
        Weight of ``mean(logit(m) ** 2)`` (an extension): keeps mask values graded so they rank
        locations. None: 0.01 when ``necessity > 0`` and no ``budget``, else 0.
    temperature : float or None, default=None
        None: the model sees the soft mask while the generator trains (the paper). A number
        (e.g. 0.5): it sees relaxed-Bernoulli samples at this temperature, near-binary masks
        keeping location j with probability ``m_j`` (an extension).
    budget : float in (0, 1] or None, default=None
        None: the size is a penalty, ``lam * mean(m)`` (the paper). A fraction: every mask keeps
        this fraction of its input's locations in expectation (a capped softmax over the
        generator's scores, padding excluded); ``lam`` then has no effect. Best with
        ``temperature``.
    generator : nn.Module, {"conv", "gru"} or None, default=None
        None: :class:`ImageMaskGenerator` for images, :class:`TabularMaskGenerator` for rows
        and a BiGRU :class:`SequenceMaskGenerator` for sequences; "conv" / "gru" pick the
        sequence architecture. A module is copied and the copy trained (``generator_``); it
        receives the images, rows, float sequences or the model's token embeddings (N, T, E)
        and returns values in [0, 1] shaped (N, 1, H, W) / (N, H, W), (N, F) or (N, T) /
        (N, T, 1).
    layer : str or nn.Module, optional
        Token ids only: the model's ``nn.Embedding`` whose output is masked. Default: the
        model's only ``nn.Embedding``.
    pad_id : int, optional
        Token ids only: positions holding this id are padding: not explained (mask 0), not
        counted in the size, left untouched in the model input.
    baseline : float, default=0.0
        Value that masked-out pixels / columns / steps take (0 in the model's input space, the
        data mean for standardised inputs). Token embeddings are scaled to 0.
    hidden : int, default=8
        Width of the default generators (row and sequence generators use ``4 * hidden``).
    epochs : int, default=10
    batch_size : int, default=64
    lr : float, default=1e-3
        Adam learning rate.
    validation_fraction : float, default=0.1
        Fraction of the training inputs held out (seeded) for early stopping; 0 disables it.
    patience : int or None, default=3
        Stop after this many epochs without a better validation loss (None: all epochs).
    warm_start : bool, default=False
        Refit from the current generator instead of a new one (scikit-learn's convention).
    seed : int, default=0
        Seeds initialisation, validation split, shuffling and mask samples (the global RNG
        state is restored).
    progress : bool, default=True
        Show a tqdm progress bar.

    Attributes
    ----------
    generator_ : nn.Module
        The trained generator (eval mode).
    kind_ : {"image", "tabular", "sequence", "tokens"}
    task_ : {"multiclass", "binary", "regression"}
    input_shape_ : tuple
        Per-sample shape fitted on (None where any size works: H, W or T).
    n_outputs_ : int
    layer_ : str or None
        Name of the masked embedding (token ids).
    output_scale_ : float
        Regression: the variance of the model's outputs on the training data.
    history_ : dict of str to list of float
        Per epoch: ``loss``, ``val_loss``, ``val_mask_mean``, ``val_preserved``.
    best_epoch_, n_epochs_ : int
    fit_seconds_ : float
    """

    label = "Explanatory mask"

    def __init__(
        self,
        model: nn.Module,
        lam: float = 0.05,
        *,
        task: str = "auto",
        tv: float = 0.0,
        necessity: float = 0.0,
        logit_penalty: float | None = None,
        temperature: float | None = None,
        budget: float | None = None,
        generator: nn.Module | str | None = None,
        layer: str | nn.Module | None = None,
        pad_id: int | None = None,
        baseline: float = 0.0,
        hidden: int = 8,
        epochs: int = 10,
        batch_size: int = 64,
        lr: float = 1e-3,
        validation_fraction: float = 0.1,
        patience: int | None = 3,
        warm_start: bool = False,
        seed: int = 0,
        progress: bool = True,
    ) -> None:
        self.model = model
        self.lam = lam
        self.task = task
        self.tv = tv
        self.necessity = necessity
        self.logit_penalty = logit_penalty
        self.temperature = temperature
        self.budget = budget
        self.generator = generator
        self.layer = layer
        self.pad_id = pad_id
        self.baseline = baseline
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.warm_start = warm_start
        self.seed = seed
        self.progress = progress

    _parameter_constraints: ClassVar[Constraints] = {
        "model": check_model,
        "lam": partial(check_number, low=0.0),
        "tv": partial(check_number, low=0.0),
        "necessity": partial(check_number, low=0.0),
        "logit_penalty": partial(check_number, low=0.0, allow_none=True),
        "temperature": partial(check_number, low=0.0, low_open=True, allow_none=True),
        "budget": partial(check_number, low=0.0, high=1.0, low_open=True, allow_none=True),
        "baseline": check_number,
        "lr": partial(check_number, low=0.0, low_open=True),
        "validation_fraction": partial(check_number, low=0.0, high=1.0, high_open=True),
        "epochs": partial(check_int, low=1),
        "batch_size": partial(check_int, low=1),
        "hidden": partial(check_int, low=1),
        "patience": partial(check_int, low=1, allow_none=True),
        "pad_id": partial(check_int, low=0, allow_none=True),
        "task": partial(check_option, options=TASKS),
        "warm_start": check_bool,
        "progress": check_bool,
        "seed": check_seed,
        "generator": partial(check_kind, expected="None, 'gru', 'conv' or an nn.Module",
                             types=(nn.Module,), options=("gru", "conv"), allow_none=True,
                             error=ValueError),
        "layer": partial(check_kind, expected="None, a layer name or a submodule of the model",
                         types=(str, nn.Module), allow_none=True),
    }

    def _check_inputs(self, inputs: Any, name: str = "inputs") -> torch.Tensor:
        self._check_fitted("attribute(), mask() or evaluate()")
        raw = as_tensor(inputs, name)
        kind = infer_kind(raw)
        if kind != self.kind_:
            got = SHAPES[kind] + " (" + describe(raw) + ")" if kind else describe(raw)
            raise ValueError(f"argument '{name}': this MaskExplainer was fitted on "
                             f"{SHAPES[self.kind_]}, got {got}")
        x, _ = check_inputs(raw, name, kind=self.kind_, model=self.model,
                            embedding=self._embedding)
        for want, have in zip(self.input_shape_, x.shape[1:], strict=True):
            if want is not None and want != have:
                exp = "(N, " + ", ".join("*" if w is None else str(w)
                                         for w in self.input_shape_) + ")"
                raise ValueError(f"argument '{name}': expected shape {exp} like the training "
                                 f"inputs, got {tuple(x.shape)}")
        self.masker().check_valid(x, name)
        return x

    # -- building blocks ---------------------------------------------------------------------
    def _rebind(self) -> None:
        self._embedding = (find_embedding(self.model, self.layer_)[1]
                           if self.kind_ == "tokens" else None)
        self.generator_.to(device=model_device(self.model))

    def masker(self, baseline: float | None = None, *, at: str = "embedding") -> Masker:
        """The :class:`~xaiwidgets.masks.Masker` this explainer removes locations with (the
        model, kind, baseline, embedding and padding it was fitted with). Token ids with
        ``at="ids"``: removed ids become ``pad_id`` (``baseline`` without one)."""
        self._check_fitted("masker()")
        check_option(at, "at", ("embedding", "ids"))
        if self.kind_ == "tokens" and at == "ids":
            removed = self.pad_id if self.pad_id is not None else (
                self.baseline if baseline is None else baseline)
            return Masker(self.model, "tokens", baseline=removed,
                          embedding=self._embedding, pad_id=self.pad_id, at="ids")
        return Masker(self.model, self.kind_,
                      baseline=self.baseline if baseline is None else baseline,
                      embedding=self._embedding, pad_id=self.pad_id)

    def _task(self) -> Task:
        return Task(self.task_, self.n_outputs_)

    def _logit_penalty(self) -> float:
        if self.logit_penalty is not None:
            return float(self.logit_penalty)
        # a budget already rules out the all-ones mask that the penalty guards against
        return 0.01 if self.necessity > 0 and self.budget is None else 0.0

    def _objective(self) -> MaskObjective:
        return MaskObjective(task=self._task(), lam=float(self.lam), tv=float(self.tv),
                             necessity=float(self.necessity), logit_penalty=self._logit_penalty(),
                             temperature=self.temperature, budget=self.budget,
                             output_scale=self.output_scale_)

    def _generator_input(self, x: torch.Tensor) -> torch.Tensor:
        if self.kind_ == "tokens" and self._embedding is not None:
            with torch.no_grad():
                return self._embedding(x).detach()
        return x

    def _masks(self, x: torch.Tensor, masker: Masker) -> torch.Tensor:
        """Generator output, one value per location: (N, H, W), (N, F) or (N, T)."""
        g_in = self._generator_input(x)
        try:
            m = self.generator_(g_in)
        except (RuntimeError, TypeError, ValueError) as err:
            what = "token embeddings" if self.kind_ == "tokens" else SHAPES[self.kind_]
            raise ValueError(f"argument 'generator': {type(self.generator_).__name__} failed on "
                             f"{what} of shape {tuple(g_in.shape)}: {err}") from err
        want = masker.shape(x)
        if self.kind_ == "image" and m.ndim == 4 and m.shape[1] == 1:
            m = m[:, 0]
        elif self.kind_ in ("sequence", "tokens") and m.ndim == 3 and m.shape[2] == 1:
            m = m[..., 0]
        if tuple(m.shape) != want:
            extra = {"image": f"(N, 1, {want[1]}, {want[2]}) or ",
                     "tabular": "", "sequence": f"(N, {want[1]}, 1) or ",
                     "tokens": f"(N, {want[1]}, 1) or "}[self.kind_]
            raise ValueError(f"argument 'generator': expected the generator to return one mask "
                             f"value per location, shaped {extra}(N, "
                             f"{', '.join(map(str, want[1:]))}) with N = {want[0]}, got "
                             f"{tuple(m.shape)}")
        if self.budget is not None:
            m = spend_budget(m, masker.valid(x), float(self.budget))
        return m

    def _reference(self, x: torch.Tensor, task: Task) -> torch.Tensor:
        with torch.inference_mode():
            out = check_model_output(run_model(self.model, x, "data"), x.shape[0])
        return task.reference(out)

    def _batched(self, fn: Callable[[torch.Tensor], Any], x: torch.Tensor,
                 *maskers: Masker) -> list[Any]:
        """fn(batch) for every batch, the model preserved and the maskers ``fn`` applies masks
        with active (the very objects: a token mask's hook belongs to its masker)."""
        with contextlib.ExitStack() as stack:
            for masker in maskers:
                stack.enter_context(masker.active())
            self.generator_.eval()
            with torch.no_grad():
                return [fn(x[s]) for s in batch_slices(x.shape[0], _BATCH)]

    # -- fit ---------------------------------------------------------------------------------
    @with_autograd
    def fit(self, data: Any, validation_data: Any = None) -> MaskExplainer:
        """Train the mask generator against the frozen model's own predictions.

        Parameters
        ----------
        data : Tensor, ndarray, DataFrame, DataLoader or iterable of batches
            Training inputs (batches may be ``(x, y)`` pairs; labels are ignored: the targets
            are the model's predictions). The inputs are gathered once into one tensor.
        validation_data : same types, optional
            Held-out inputs for early stopping. Default: ``validation_fraction`` of ``data``.

        Returns
        -------
        self
        """
        previous = getattr(self, "generator_", None) if self.warm_start is True else None
        with self._fitting():
            return self._fit_checked(data, validation_data, previous)

    def _fit_checked(self, data: Any, validation_data: Any, previous: nn.Module | None
                     ) -> MaskExplainer:
        self._check_params()
        x = torch.cat(list(iter_input_batches(data, 4096, name="data")))
        kind = infer_kind(x)
        if kind is None:
            raise ValueError(f"argument 'data': expected {', '.join(SHAPES.values())}, got "
                             f"{describe(x)}")
        if self.pad_id is not None and kind != "tokens":
            raise ValueError(f"argument 'pad_id': only for token-id inputs, got {SHAPES[kind]}")
        if self.layer is not None and kind != "tokens":
            raise ValueError(f"argument 'layer': only for token-id inputs (the mask is applied "
                             f"to the embedding output), got {SHAPES[kind]}")
        if isinstance(self.generator, str) and kind not in ("sequence", "tokens"):
            raise ValueError(f"argument 'generator': {self.generator!r} is a sequence "
                             f"generator; {SHAPES[kind]} use the default (None) or a module")
        layer, emb = find_embedding(self.model, self.layer) if kind == "tokens" else (None, None)
        x, _ = check_inputs(x, "data", kind=kind, model=self.model, embedding=emb)
        Masker(self.model, kind, embedding=emb, pad_id=self.pad_id).check_valid(x, "data")
        x_val = None
        if validation_data is not None:
            x_val = torch.cat(list(iter_input_batches(validation_data, 4096,
                                                      name="validation_data")))
            if infer_kind(x_val) != kind or (kind != "tokens"
                                             and x_val.shape[1:] != x.shape[1:]):
                raise ValueError(f"argument 'validation_data': expected {SHAPES[kind]} like "
                                 f"'data' {tuple(x.shape)}, got {describe(x_val)}")
            x_val, _ = check_inputs(x_val, "validation_data", kind=kind, model=self.model,
                                    embedding=emb)
            Masker(self.model, kind, embedding=emb, pad_id=self.pad_id).check_valid(
                x_val, "validation_data")
        with seeded(self.seed):
            state = self._fit(x, x_val, kind, layer, emb, previous)
        for k, v in state.items():
            setattr(self, k, v)
        return self

    def _new_generator(self, x: torch.Tensor, kind: str, emb: nn.Module | None) -> nn.Module:
        if isinstance(self.generator, nn.Module):
            # a copy is trained: fit never changes its parameters, and refits start afresh
            return copy.deepcopy(self.generator)
        if kind == "image":
            return ImageMaskGenerator(x.shape[1], self.hidden)
        if kind == "tabular":
            return TabularMaskGenerator(x.shape[1], 4 * self.hidden)
        feat = emb.embedding_dim if isinstance(emb, nn.Embedding) else x.shape[2]
        return SequenceMaskGenerator(feat, 4 * self.hidden, arch=self.generator or "gru")

    def _fit(self, x: torch.Tensor, x_val: torch.Tensor | None, kind: str, layer: str | None,
             emb: nn.Module | None, previous: nn.Module | None) -> dict[str, Any]:
        start = time.perf_counter()
        gen_seed = torch.Generator().manual_seed(self.seed)
        if x_val is None:
            train_idx, val_idx = validation_split(x.shape[0], self.validation_fraction, gen_seed)
            if val_idx is not None:
                x_val, x = x[val_idx], x[train_idx]
        # the estimator's fitted state, set on self only once everything has succeeded
        self.kind_, self.layer_ = kind, layer
        self._embedding = emb if isinstance(emb, nn.Embedding) else None
        try:
            masker = self.masker()
            with masker.active():
                with torch.inference_mode():
                    probe = check_model_output(run_model(self.model, x[:2], "data"),
                                               min(2, x.shape[0]))
                task = infer_task(self.task, probe.shape[1])
                if self.necessity and not task.is_classifier:
                    raise ValueError(
                        f"argument 'necessity': the deletion term needs a classifier (it lowers "
                        f"the probability of the predicted class), but the task is a "
                        f"regression; got necessity={self.necessity!r}, expected 0")
                ref = map_batches(lambda b: self._reference(b, task), x, _BATCH)
                scale = 1.0
                if not task.is_classifier:
                    var = float(ref.float().var()) if ref.shape[0] > 1 else 0.0
                    scale = var if var > 1e-12 else 1.0
                ref_val = (None if x_val is None else
                           map_batches(lambda b: self._reference(b, task), x_val, _BATCH))
                self.task_, self.n_outputs_, self.output_scale_ = (
                    task.kind, task.n_outputs, scale)
                gen = (copy.deepcopy(previous) if previous is not None
                       else self._new_generator(x, kind, emb))
                self.generator_ = gen = gen.to(device=x.device, dtype=model_dtype(self.model))
                objective = self._objective()

                def loss(idx: torch.Tensor) -> torch.Tensor:
                    idx = idx.to(x.device)
                    xb = x[idx]
                    m = self._masks(xb, masker)
                    return objective(masker, xb, ref[idx], m, masker.valid(xb), sample=True)

                validate = None
                if x_val is not None and ref_val is not None:
                    xv, rv = x_val, ref_val
                    validate = lambda: self._validate(xv, rv, masker, objective)  # noqa: E731
                history = train_loop(gen, loss, x.shape[0], epochs=self.epochs,
                                     batch_size=self.batch_size, generator=gen_seed, lr=self.lr,
                                     validate=validate, patience=self.patience,
                                     progress=self.progress, desc="fitting mask generator")
        finally:
            for k in ("kind_", "layer_", "task_", "n_outputs_", "output_scale_", "generator_"):
                self.__dict__.pop(k, None)
        return {"kind_": kind, "layer_": layer, "_embedding": emb, "task_": task.kind,
                "n_outputs_": task.n_outputs, "output_scale_": scale, "generator_": gen,
                "history_": history.as_dict(), "best_epoch_": history.best_epoch,
                "n_epochs_": history.n_epochs, "input_shape_": self._free_shape(x, kind),
                "fit_seconds_": time.perf_counter() - start}

    @staticmethod
    def _free_shape(x: torch.Tensor, kind: str) -> tuple[int | None, ...]:
        if kind == "image":  # channels fixed; any H, W (the default generator is convolutional)
            return (x.shape[1], None, None)
        if kind == "sequence":
            return (None, x.shape[2])
        if kind == "tabular":
            return (x.shape[1],)
        return (None,)

    def _validate(self, x: torch.Tensor, ref: torch.Tensor, masker: Masker,
                  objective: MaskObjective) -> dict[str, float]:
        """Objective, mean mask size and the soft mask's preserved rate on held-out inputs.
        Sampled masks are scored on the objective they train, with the same noise every epoch
        so that epochs compare (the soft mask's loss would pick the wrong epoch)."""
        loss_sum, size_sum, kept, n = 0.0, 0.0, 0, x.shape[0]
        noise = torch.Generator().manual_seed(self.seed)
        task = objective.task
        with torch.no_grad():
            for s in batch_slices(n, _BATCH):
                xb, rb = x[s], ref[s]
                valid = masker.valid(xb)
                m = self._masks(xb, masker)
                loss = objective(masker, xb, rb, m, valid, sample=True, noise=noise)
                loss_sum += float(loss) * xb.shape[0]
                size_sum += float(mask_size(m, valid).sum())
                kept += int(mask_outcome(masker, task, xb, m, rb)[0].sum())
        return {"loss": loss_sum / n, "mask_mean": size_sum / n, "preserved": kept / n}

    # -- explain -----------------------------------------------------------------------------
    @with_autograd
    def mask(self, inputs: Any) -> torch.Tensor:
        """Mask per location: (N, H, W) images, (N, F) rows, (N, T) sequences; 0 at padding."""
        x = self._check_inputs(inputs)
        masker = self.masker()

        def one(b: torch.Tensor) -> torch.Tensor:
            return self._masks(b, masker) * masker.valid(b).reshape(masker.shape(b))

        return torch.cat(self._batched(one, x, masker)).detach()

    @with_autograd
    def attribute(self, inputs: Any, target: Any = None) -> torch.Tensor:
        """Captum-style: masks shaped like ``inputs`` (broadcast over channels / features).

        Parameters
        ----------
        inputs : Tensor, ndarray or DataFrame
            Inputs of the kind the generator was fitted on.
        target : optional
            Accepted for Captum compatibility and ignored: the mask explains the model's own
            prediction (the class it predicts, or its output for regression).

        Returns
        -------
        Tensor
            Mask values in [0, 1]: (N, C, H, W), (N, F), (N, T, F) or (N, T).
        """
        del target
        x = self._check_inputs(inputs)
        m = self.mask(x)
        if self.kind_ == "image":
            return m[:, None].expand(-1, x.shape[1], -1, -1).contiguous()
        if self.kind_ == "sequence":
            return m[..., None].expand(-1, -1, x.shape[2]).contiguous()
        return m

    @with_autograd
    def evaluate(self, inputs: Any, *, keep: Sequence[float] | float = (0.2,),
                 tol: float = 0.5, at: str = "embedding") -> MaskReport:
        """Mask size and how often the model's prediction survives soft and hard masks.

        Parameters
        ----------
        inputs : Tensor or ndarray
            Evaluation inputs (e.g. a test set).
        keep : float or sequence of float, default=(0.2,)
            Fractions of locations kept by the hard masks (top-k by mask value).
        tol : float, default=0.5
            Regression: a prediction counts as preserved when ``|f(x~) - f(x)| <= tol``.
        at : {"embedding", "ids"}, default="embedding"
            Token ids only, hard masks only: remove a token by zeroing its embedding (as the
            generator was trained), or by replacing its id with ``pad_id`` (``baseline``
            without one), as deletion curves and occlusion do. Soft masks always scale the
            embedding.

        Returns
        -------
        MaskReport
            Scored by the scorer of :func:`~xaiwidgets.hard_mask_preservation`, so
            ``preserved_hard[k]`` equals ``hard_mask_preservation(model, inputs,
            self.mask(inputs), keep=k, ...)`` with this explainer's baseline and padding.
        """
        x = self._check_inputs(inputs)
        keeps = [keep] if isinstance(keep, (int, float)) and not isinstance(keep, bool) else (
            list(keep) if isinstance(keep, (list, tuple)) else None)
        if not keeps:
            raise ValueError(f"argument 'keep': expected a fraction in (0, 1] or a non-empty "
                             f"list of them, got {describe(keep)}")
        keeps = [check_number(k, "keep", low=0.0, high=1.0, low_open=True) for k in keeps]
        tol = check_number(tol, "tol", low=0.0)
        check_option(at, "at", ("embedding", "ids"))
        if at == "ids" and self.kind_ != "tokens":
            raise ValueError(f"argument 'at': 'ids' is for token-id inputs, this explainer was "
                             f"fitted on {SHAPES[self.kind_]}; expected 'embedding'")
        task = self._task()
        masker = self.masker()
        hard_masker = self.masker(at=at) if at == "ids" else masker

        def one(b: torch.Tensor) -> dict[str, torch.Tensor]:
            ref = task.reference(run_model(self.model, b))
            m = self._masks(b, masker)
            valid = masker.valid(b)
            flat = m.reshape(m.shape[0], -1)
            soft, dsoft = mask_outcome(masker, task, b, m, ref, tol)
            res = {"sum": (flat * valid).sum(1), "above": ((flat > 0.5) & valid).sum(1),
                   "count": valid.sum(1), "soft": soft, "dsoft": dsoft}
            for j, k in enumerate(keeps):
                res[f"hard{j}"], res[f"dhard{j}"] = hard_mask_outcome(
                    hard_masker, task, b, flat, k, ref, tol)
            return res

        maskers = (masker,) if hard_masker is masker else (masker, hard_masker)
        parts = self._batched(one, x, *maskers)
        cat = {k: torch.cat([p[k] for p in parts]).cpu() for k in parts[0]}
        return MaskReport(
            task=self.task_, keep=keeps,
            mask_sum=cat["sum"].double().numpy(),
            above_half=cat["above"].long().numpy(), locations=cat["count"].long().numpy(),
            kept_soft=cat["soft"].bool().numpy(),
            kept_hard=torch.stack([cat[f"hard{j}"].bool() for j in range(len(keeps))],
                                  dim=1).numpy(),
            tol=tol if self.task_ == "regression" else 0.0,
            abs_delta_soft=cat["dsoft"].double().numpy(),
            abs_delta_hard=cat["dhard0"].double().numpy())

    # -- the mask result ---------------------------------------------------------------------
    def compare_arguments(self, baselines: Sequence[Any] | Mapping[str, Any] = DEFAULT_BASELINES
                          ) -> dict[str, Any]:
        """The keywords of :func:`xaiwidgets.compare_attributions` that compare this mask with
        ``baselines`` on its model: ``methods`` (the mask first, under :attr:`label`) and the
        task, plus for token ids the embedding layer, ``baseline`` and ``pad_id`` it was fitted
        with::

            comparison = xw.compare_attributions(ex.model, X, **ex.compare_arguments())
            result = ex.explain(X, comparison)

        Parameters
        ----------
        baselines : list or dict, default=("integrated_gradients", "saliency", "occlusion", \
"gradient_shap")
            Captum method names (or explainers) shown after the mask, or ``{label: method}``.

        Returns
        -------
        dict
        """
        self._check_fitted("compare_arguments()")
        if isinstance(baselines, Mapping):
            pairs = [(str(k), v) for k, v in baselines.items()]
        elif isinstance(baselines, (str, bytes)) or not isinstance(baselines, Sequence):
            raise TypeError(f"argument 'baselines': expected a list of method names or "
                            f"explainers, or a dict {{label: method}}, got {describe(baselines)}")
        else:
            pairs = [(b if isinstance(b, str) else str(getattr(b, "label", type(b).__name__)), b)
                     for b in baselines]
            pairs = [(METHODS[k][0] if k in METHODS else k, v) for k, v in pairs]
        # every panel needs its own label: a baseline named like the mask (or like another
        # baseline) would silently replace it
        labels = [self.label] + [k for k, _ in pairs]
        dupes = sorted({k for k in labels if labels.count(k) > 1})
        if dupes:
            clash = ("the mask explainer's label" if self.label in dupes
                     else "another baseline's label")
            raise ValueError(f"argument 'baselines': labels {dupes} appear twice (one is "
                             f"{clash}); each panel needs its own label: pass a dict "
                             "{label: method} with distinct labels, or set explainer.label")
        out: dict[str, Any] = {"methods": {self.label: self, **dict(pairs)}, "task": self.task_}
        if self.kind_ == "tokens":
            out.update(layer=self.layer_, pad_id=self.pad_id,
                       baseline=self.pad_id if self.pad_id is not None else 0)
        return out

    def _check_smiles(self, smiles: Any, n: int) -> np.ndarray | None:
        if smiles is None:
            return None
        if isinstance(smiles, (str, bytes)) or not isinstance(smiles, (Sequence, np.ndarray)):
            raise TypeError(f"argument 'smiles': expected a list of SMILES strings, got "
                            f"{describe(smiles)}")
        out = np.asarray([str(s) for s in smiles], dtype=str)
        if self.kind_ != "tokens" or len(out) != n:
            raise ValueError(f"argument 'smiles': expected one SMILES string per token-id "
                             f"sample ({n}), got {len(out)} for {self.kind_} inputs")
        return out

    @with_autograd
    def explain(self, X: Any, comparison: Any, *, keep: Sequence[float] | float = 0.2,
                tol: float = 0.5, tradeoff: TradeoffCurve | None = None,
                smiles: Sequence[str] | None = None) -> MaskResult:
        """Everything :class:`xaiwidgets.MaskView` shows about ``X``, as one result.

        Scores the masks of ``X`` (:meth:`evaluate`) and bundles the report with the
        comparison of this mask with other methods on the same inputs, and with a trade-off
        curve when given. ``MaskView.from_estimator`` does all of it in one call.

        Parameters
        ----------
        X : Tensor or ndarray
            Inputs of the modality the explainer was fitted on.
        comparison : AttributionResult
            :func:`xaiwidgets.compare_attributions` on ``X`` with this explainer among the
            methods (under :attr:`label`), e.g. with :meth:`compare_arguments`.
        keep : float or sequence of float, default=0.2
            Kept fraction(s) of the hard masks in the report.
        tol : float, default=0.5
            Regression: tolerance on ``|delta prediction|`` in the report.
        tradeoff : TradeoffCurve, optional
            From :func:`xaiwidgets.size_tradeoff`.
        smiles : list of str, optional
            Token-id SMILES inputs, one per sample: the view draws each molecule.

        Returns
        -------
        MaskResult
        """
        x = self._check_inputs(X, "X")
        if tradeoff is not None and not isinstance(tradeoff, TradeoffCurve):
            raise TypeError(f"argument 'tradeoff': expected a TradeoffCurve from "
                            f"xw.size_tradeoff(...), got {describe(tradeoff)}")
        mols = self._check_smiles(smiles, x.shape[0])
        methods = getattr(comparison, "methods", None)
        inputs = getattr(comparison, "inputs", None)
        if not isinstance(methods, list) or inputs is None:
            raise TypeError("argument 'comparison': expected an AttributionResult from "
                            f"xw.compare_attributions(...), got {describe(comparison)}")
        if self.label not in methods:
            raise ValueError(f"argument 'comparison': expected this explainer among its methods "
                             f"(label {self.label!r}), got {methods}; compare with "
                             "methods=explainer.compare_arguments()['methods']")
        if tuple(inputs.shape) != tuple(x.shape) or not np.array_equal(
                np.asarray(inputs), x.detach().cpu().numpy()):
            raise ValueError(f"argument 'comparison': it explains other inputs than 'X' (shape "
                             f"{tuple(inputs.shape)}, expected {tuple(x.shape)} with the same "
                             "values)")
        report = self.evaluate(x, keep=keep, tol=tol)
        return MaskResult(comparison=comparison, report=report, label=self.label,
                          tradeoff=tradeoff, smiles=mols)
