"""Explanatory masks (Phillips, Goh & Hodas, arXiv 1911.06876): a trained mask generator that
explains a frozen model in one forward pass.

A secondary network ``g(x) -> m in [0, 1]`` (one value per input location: a pixel shared over
channels, or a token / character position) is trained so that the frozen model still predicts
what it predicted on the masked input, with as small a mask as possible:

    loss = l(f(x~), f(x)) + lam * mean(m)
           [+ necessity * p(f(x with the mask's locations removed) = f(x))]   (classifiers)
           [+ logit_penalty * mean(logit(m) ** 2)] [+ tv * TV(m) for images]

* images: ``x~ = m * x + (1 - m) * baseline`` (baseline 0 in the model's input space);
* token ids: the mask scales the model's own embedding vectors, ``e~_t = m_t * e_t`` (a forward
  hook on the embedding layer, removed afterwards), i.e. a zero-embedding baseline;
* float sequences (N, T, F): ``x~_t = m_t * x_t + (1 - m_t) * baseline``;
* ``l`` is the cross-entropy to the frozen model's predicted class for classifiers, and the
  squared error to the frozen model's own output for one-output (regression) models, divided by
  the variance of those outputs on the training data so that ``lam`` means the same for any units.
* ``temperature``: the model sees relaxed-Bernoulli ("concrete") samples of the mask while the
  generator trains, near-binary masks that keep location j with probability m_j, instead of the
  soft mask itself (the size term still uses m).
* ``budget``: the size is fixed instead of penalised. The generator's outputs are scores, turned
  into keep-probabilities that sum to ``budget * L`` per input by a capped softmax; the
  ``lam`` term is dropped. A fixed-size mask is what a top-k reading asks for, and it is how the
  SMILES masks of notebook 04 reach the 40 % target.
* the paper's objective is the first two terms. ``necessity`` adds the "deletion" term of
  ``methods.md`` (the locations the mask keeps must also be *needed*: removing them should
  destroy the prediction), and ``logit_penalty`` keeps mask values graded rather than saturated
  at 0/1, so that they rank locations (which deletion curves measure) and the all-ones mask that
  trivially removes everything stays expensive.

The model is never updated: training runs inside :func:`xaiwidgets.preserved_model` (eval mode,
frozen parameters, every hook and flag restored on exit, even on errors). Once fitted, explaining
costs one generator forward pass (see ``bench/masks.py``).
"""

from __future__ import annotations

import contextlib
import copy
import html
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.exceptions import NotFittedError
from torch import nn

from ._methods import seeded
from ._probe import iter_input_batches, model_device, preserved_model
from ._validation import as_tensor, check_model, check_model_output

__all__ = [
    "ImageMaskGenerator",
    "MaskExplainer",
    "MaskReport",
    "SequenceMaskGenerator",
    "TradeoffCurve",
    "hard_mask_preservation",
    "size_tradeoff",
]


# --------------------------------------------------------------------------- generators


class ImageMaskGenerator(nn.Module):
    """Small conv encoder-decoder: (N, C, H, W) -> (N, 1, H, W) in [0, 1].

    Features at full, half and quarter resolution (3x3 convolutions, stride 2 down) are mixed by
    1x1 convolutions into one mask logit per pixel (the coarse ones bilinearly upsampled): the
    mask sees local detail and the context of about a quarter of a 28x28 image, for about the
    cost of one forward pass of a small CNN. (Each scale is reduced to one channel *before*
    upsampling, which equals a 1x1 convolution of the upsampled concatenation, since both are
    linear, at a fraction of the cost.)

    Parameters
    ----------
    in_channels : int
    hidden : int, default=8
        Channels at full resolution (twice as many at lower resolutions).
    """

    def __init__(self, in_channels: int, hidden: int = 8) -> None:
        super().__init__()
        self.full = nn.Sequential(nn.Conv2d(in_channels, hidden, 3, padding=1), nn.ReLU())
        self.down1 = nn.Sequential(nn.Conv2d(hidden, 2 * hidden, 3, stride=2, padding=1),
                                  nn.ReLU())
        self.down2 = nn.Sequential(
            nn.Conv2d(2 * hidden, 2 * hidden, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * hidden, 2 * hidden, 3, padding=1), nn.ReLU())
        self.out = nn.Conv2d(hidden, 1, 1)
        self.out_half = nn.Conv2d(2 * hidden, 1, 1, bias=False)
        self.out_quarter = nn.Conv2d(2 * hidden, 1, 1, bias=False)
        nn.init.constant_(self.out.bias, 3.0)  # start near m = 1 (the prediction is preserved)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.full(x)
        b = self.down1(a)
        c = self.down2(b)
        size = a.shape[-2:]
        coarse = (F.interpolate(self.out_half(b), size=size, mode="bilinear", align_corners=False)
                  + F.interpolate(self.out_quarter(c), size=size, mode="bilinear",
                                  align_corners=False))
        return torch.sigmoid(self.out(a) + coarse)


class SequenceMaskGenerator(nn.Module):
    """Mask over the positions of a sequence: (N, T, E) -> (N, T) in [0, 1].

    Parameters
    ----------
    in_features : int
        E: embedding size (token ids) or feature size (float sequences).
    hidden : int, default=32
    arch : {"gru", "conv"}, default="gru"
        A bidirectional GRU (every position sees the whole sequence) or two 1-D convolutions of
        width 5 (faster, local context only).
    num_layers : int, default=1
        GRU only: stacked bidirectional layers.
    """

    def __init__(self, in_features: int, hidden: int = 32, arch: str = "gru",
                 num_layers: int = 1) -> None:
        super().__init__()
        if arch not in ("gru", "conv"):
            raise ValueError(f"argument 'arch': expected 'gru' or 'conv', got {arch!r}")
        if num_layers != 1 and arch != "gru":
            raise ValueError(f"argument 'num_layers': only the 'gru' generator stacks layers, "
                             f"got num_layers={num_layers!r} with arch={arch!r}")
        self.arch = arch
        if arch == "gru":
            self.body = nn.GRU(in_features, hidden, num_layers=num_layers, batch_first=True,
                               bidirectional=True)
            width = 2 * hidden
        else:
            self.body = nn.Sequential(nn.Conv1d(in_features, hidden, 5, padding=2), nn.ReLU(),
                                      nn.Conv1d(hidden, hidden, 5, padding=2), nn.ReLU())
            width = hidden
        self.out = nn.Linear(width, 1)
        nn.init.constant_(self.out.bias, 3.0)

    def forward(self, e: torch.Tensor) -> torch.Tensor:
        if self.arch == "gru":
            h, _ = self.body(e)
        else:
            h = self.body(e.transpose(1, 2)).transpose(1, 2)
        return torch.sigmoid(self.out(h))[..., 0]


# --------------------------------------------------------------------------- reports


@dataclass
class MaskReport:
    """Mask quality on a set of inputs (see :meth:`MaskExplainer.evaluate`).

    Attributes
    ----------
    n : int
        Number of samples.
    task : {"classification", "regression"}
    mask_mean : float
        Mean mask value over every explained location (the size term of the loss).
    frac_above_half : float
        Fraction of locations with m > 0.5.
    preserved_soft : float
        Fraction of samples whose prediction survives the soft mask (classifiers: same argmax;
        regression: ``|delta| <= tol``).
    preserved_hard : dict of float to float
        Per kept fraction k: the same rate when only the top-k locations by mask value are kept
        (hard 0/1 mask, everything else set to the baseline).
    tol : float
        Regression tolerance on ``|f(x~) - f(x)|``.
    abs_delta_soft, abs_delta_hard : ndarray
        Regression only: per-sample ``|f(x~) - f(x)|`` (hard: at the first kept fraction).
    """

    n: int
    task: str
    mask_mean: float
    frac_above_half: float
    preserved_soft: float
    preserved_hard: dict[float, float]
    tol: float = 0.0
    abs_delta_soft: np.ndarray = field(default_factory=lambda: np.zeros(0))
    abs_delta_hard: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def as_dict(self) -> dict[str, float]:
        out = {"n": float(self.n), "mask_mean": self.mask_mean,
               "frac_above_half": self.frac_above_half, "preserved_soft": self.preserved_soft}
        out.update({f"preserved_hard@{k:g}": v for k, v in self.preserved_hard.items()})
        return out

    def to_html(self) -> str:
        what = ("prediction kept" if self.task == "classification"
                else f"|Δ prediction| ≤ {self.tol:g}")
        rows = [("samples", f"{self.n}"), ("mean mask value", f"{self.mask_mean:.3f}"),
                ("locations with m > 0.5", f"{self.frac_above_half:.1%}"),
                (f"{what}: soft mask", f"{self.preserved_soft:.1%}")]
        rows += [(f"{what}: top {k:.0%} kept (hard)", f"{v:.1%}")
                 for k, v in self.preserved_hard.items()]
        body = "".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td></tr>"
                       for a, b in rows)
        return f"<table class='xai-mask-stats'><caption>Mask quality</caption>{body}</table>"


@dataclass
class TradeoffCurve:
    """Mask size against preserved predictions over a sweep of ``lam`` or ``budget`` (see
    :func:`size_tradeoff`)."""

    param: str
    values: np.ndarray
    mask_mean: np.ndarray
    frac_above_half: np.ndarray
    preserved_soft: np.ndarray
    preserved_hard: np.ndarray
    keep: float | None  # None: each budget's own fraction
    reports: list[MaskReport] = field(default_factory=list)

    @property
    def _kept(self) -> str:
        return "budget" if self.keep is None else f"{self.keep:.0%}"

    @property
    def _name(self) -> str:
        return "λ" if self.param == "lam" else "budget"

    def _label(self, v: float) -> str:
        return f"{self._name}={v:g}"

    def figure(self, title: str = "trade-off: mask size vs preserved predictions") -> Any:
        """A bqplot Figure: x = mean mask value, y = preserved rate (soft and hard masks)."""
        import bqplot as bq

        x_sc, y_sc = bq.LinearScale(min=0.0), bq.LinearScale(min=0.0, max=1.0)
        order = np.argsort(self.mask_mean)
        x = self.mask_mean[order]
        lines = bq.Lines(
            x=x, y=np.stack([self.preserved_soft[order], self.preserved_hard[order]]),
            scales={"x": x_sc, "y": y_sc}, colors=["#1f77b4", "#d62728"], marker="circle",
            labels=["soft mask", f"hard mask, top {self._kept} kept"], display_legend=True)
        text = bq.Label(x=x, y=self.preserved_soft[order] - 0.06,
                        text=[self._label(v) for v in self.values[order]],
                        scales={"x": x_sc, "y": y_sc}, font_weight="normal", default_size=11,
                        align="middle")
        ax_x = bq.Axis(scale=x_sc, label="mean mask value (size)", tick_format=".2f")
        ax_y = bq.Axis(scale=y_sc, orientation="vertical", label="preserved rate",
                       tick_format=".0%")
        fig = bq.Figure(marks=[lines, text], axes=[ax_x, ax_y], title=title,
                        legend_location="bottom-right",
                        fig_margin={"top": 50, "bottom": 50, "left": 60, "right": 20})
        fig.layout.width, fig.layout.height = "480px", "340px"
        return fig

    def to_svg(self, width: int = 360, height: int = 240) -> str:
        """A static inline SVG of the same curve (for notebook snapshots; no script)."""
        pad = 36
        xs = self.mask_mean
        x_hi = max(float(xs.max()) * 1.1, 1e-6)

        def pt(x: float, y: float) -> str:
            return (f"{pad + x / x_hi * (width - 2 * pad):.1f},"
                    f"{height - pad - y * (height - 2 * pad):.1f}")

        order = np.argsort(xs)
        parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
                 "class='xai-tradeoff' font-size='10' font-family='sans-serif'>",
                 f"<line x1='{pad}' y1='{height - pad}' x2='{width - pad}' y2='{height - pad}' "
                 "stroke='#888'/>",
                 f"<line x1='{pad}' y1='{pad}' x2='{pad}' y2='{height - pad}' stroke='#888'/>",
                 f"<text x='{width / 2}' y='{height - 6}' text-anchor='middle'>mean mask value "
                 f"(0 – {x_hi:.2f})</text>",
                 f"<text x='4' y='{pad - 8}'>preserved (0–100%)</text>"]
        for ys, colour in ((self.preserved_soft, "#1f77b4"), (self.preserved_hard, "#d62728")):
            pts = " ".join(pt(float(xs[i]), float(ys[i])) for i in order)
            parts.append(f"<polyline fill='none' stroke='{colour}' points='{pts}'/>")
        for j, i in enumerate(order):  # labels alternate above / below so neighbours don't collide
            x, y = pt(float(xs[i]), float(self.preserved_soft[i])).split(",")
            dy = -4 if j % 2 == 0 else 12
            parts.append(f"<text x='{x}' y='{float(y) + dy:.1f}' text-anchor='middle'>"
                         f"{html.escape(self._label(self.values[i]))}</text>")
        parts.append("</svg>")
        return "".join(parts)

    def to_html(self) -> str:
        head = f"<tr><th>{self._name}</th><th>mean m</th><th>m &gt; 0.5</th><th>soft kept</th>" \
               f"<th>hard: top {self._kept} kept</th></tr>"
        body = "".join(
            f"<tr><td>{lam:g}</td><td>{s:.3f}</td><td>{f:.1%}</td><td>{p:.1%}</td>"
            f"<td>{h:.1%}</td></tr>"
            for lam, s, f, p, h in zip(self.values, self.mask_mean, self.frac_above_half,
                                       self.preserved_soft, self.preserved_hard, strict=True))
        return f"<table class='xai-tradeoff-table'>{head}{body}</table>"


# --------------------------------------------------------------------------- helpers


def _find_embedding(model: nn.Module, layer: Any) -> tuple[str, nn.Embedding]:
    """The embedding module to mask in: ``layer`` (name or module) or the model's only one."""
    named = dict(model.named_modules())
    if layer is None:
        found = [(n, m) for n, m in named.items() if isinstance(m, nn.Embedding)]
        if not found:
            raise ValueError(
                "argument 'model': token-id inputs are masked in the model's embedding space, "
                f"but {type(model).__name__} has no nn.Embedding layer; pass float inputs "
                "(N, T, F) or a model whose first layer is an nn.Embedding")
        if len(found) > 1:
            raise ValueError(
                f"argument 'layer': the model has {len(found)} nn.Embedding layers "
                f"{[n for n, _ in found]}; pass layer=<name> to pick the token embedding")
        return found[0]
    if isinstance(layer, nn.Module):
        names = [n for n, m in named.items() if m is layer]
        if not names:
            raise ValueError("argument 'layer': the module given is not part of the model")
        name, module = names[0], layer
    elif isinstance(layer, str):
        if layer not in named or not layer:
            known = [n for n, m in named.items() if isinstance(m, nn.Embedding)]
            raise ValueError(f"argument 'layer': model has no layer {layer!r}; embedding layers: "
                             f"{known}")
        name, module = layer, named[layer]
    else:
        raise TypeError(f"argument 'layer': expected a layer name or module, got "
                        f"{type(layer).__name__}")
    if not isinstance(module, nn.Embedding):
        raise ValueError(f"argument 'layer': sequence masks are applied to token embeddings; "
                         f"layer {name!r} is a {type(module).__name__}, expected an nn.Embedding")
    return name, module


def _modality(x: torch.Tensor) -> str:
    integer = not (x.is_floating_point() or x.is_complex())
    if integer:
        return "tokens" if x.ndim == 2 else "invalid"
    return {4: "image", 3: "sequence"}.get(x.ndim, "invalid")


_DESCRIBE = {"image": "(N, C, H, W) float images", "tokens": "(N, T) integer token ids",
             "sequence": "(N, T, F) float sequences"}


def _topk_mask(scores: torch.Tensor, valid: torch.Tensor, keep: float | torch.Tensor
               ) -> torch.Tensor:
    """0/1 mask (N, L) keeping the ``keep`` fraction (at least 1) of valid locations with the
    highest scores (or ``keep`` locations per sample, for an integer tensor); ties are broken by
    position (stable sort)."""
    s = scores.masked_fill(~valid, -math.inf)
    order = torch.argsort(s, dim=1, descending=True, stable=True)
    n_valid = valid.sum(dim=1)
    if isinstance(keep, torch.Tensor):
        k = keep.long()
    else:  # "keep at most this fraction": round down (1e-9 absorbs 0.3 * 10 = 2.9999...)
        k = torch.floor(keep * n_valid.double() + 1e-9).long()
    k = torch.minimum(torch.clamp(k, min=1), n_valid)
    rank = torch.empty_like(order)
    rank.scatter_(1, order, torch.arange(s.shape[1], device=s.device).expand_as(order))
    return ((rank < k[:, None]) & valid).float()


# --------------------------------------------------------------------------- the estimator


class MaskExplainer:
    """Explanatory masks for a frozen PyTorch model: train a mask generator once, then explain in
    one forward pass.

    Follows scikit-learn conventions (``__init__`` only stores hyper-parameters, :meth:`fit`
    returns self, learned state ends in ``_``) and Captum's: :meth:`attribute` returns masks shaped
    like the inputs, so the explainer plugs into :func:`xaiwidgets.compare_attributions` and
    :class:`xaiwidgets.AttributionComparison` like any Captum method.

    Parameters
    ----------
    model : nn.Module
        The trained model to explain. It is used in place and never updated: parameters, buffers,
        training flags, ``requires_grad`` and hooks are exactly as before after ``fit`` and
        ``attribute``, whether they succeed or fail.
    lam : float, default=0.05
        Weight of the mask-size term ``mean(m)``; larger gives smaller masks. Must be >= 0.
    tv : float, default=0.0
        Weight of a total-variation term that smooths image masks (ignored for sequences).
    necessity : float, default=0.0
        Classifiers only: weight of a deletion term (an extension, not in the paper), the
        model's probability for its own class when the mask's locations are *removed*
        (``x * (1 - m) + baseline * m``; token embeddings scaled by ``1 - m``). The paper's
        objective asks for locations that *suffice* to keep the prediction; this term also asks
        that they be *needed*, which orders locations the way deletion curves measure. 0 is the
        paper's objective.
    logit_penalty : float or None, default=None
        Weight of ``mean(logit(m) ** 2)`` (an extension): keeps mask values graded instead of
        saturated at 0 or 1, so they rank locations, and keeps the all-ones mask (which removes
        everything and so satisfies ``necessity`` trivially) from paying off. None: 0.01 when
        ``necessity > 0``, else 0.
    temperature : float or None, default=None
        None: the model sees the soft mask ``m`` while the generator trains (the paper). A
        number (e.g. 0.5): it sees relaxed-Bernoulli ("concrete", Maddison et al. 2017) samples
        at this temperature instead, near-binary masks keeping location j with probability
        ``m_j`` (an extension). A soft mask can keep a prediction by scaling every input a
        little, which no 0/1 mask reproduces; sampled masks are trained for the hard keep /
        remove use that top-k evaluation (and a user reading the mask) makes of them.
    budget : float in (0, 1] or None, default=None
        None: the mask size is a penalty, ``lam * mean(m)`` (the paper). A fraction (e.g. 0.4):
        every mask keeps this fraction of its input's locations in expectation instead (an
        extension). The generator's outputs become scores, and the mask is
        ``m = min(1, c * softmax(logit(g(x))))`` over each input's L locations (padding
        excluded), with c such that ``sum(m) = budget * L`` (to 0.1 %). Training then learns
        *which* locations to keep at a fixed size, the question a top-k reading of the mask
        asks. ``lam`` has no effect. Best with ``temperature``.
    generator : nn.Module, {"conv", "gru"} or None, default=None
        The mask generator. None: :class:`ImageMaskGenerator` for images and a BiGRU
        :class:`SequenceMaskGenerator` for sequences; "conv" / "gru" pick the sequence
        architecture. A module is trained in place; it receives the images, the float sequences
        or the model's token embeddings (N, T, E) and must return values in [0, 1] shaped
        (N, 1, H, W) / (N, H, W) or (N, T) / (N, T, 1) (end it with a sigmoid).
    layer : str or nn.Module, optional
        Token-id inputs only: the model's ``nn.Embedding`` whose output is masked. Default: the
        model's only ``nn.Embedding``.
    pad_id : int, optional
        Token-id inputs only: positions holding this id are padding. They are not explained (mask
        0 in :meth:`attribute`), not counted in the mask size and left untouched in the model
        input.
    baseline : float, default=0.0
        Value that masked-out image pixels / float-sequence features take (0 in the model's input
        space, i.e. the data mean for standardised inputs). Token embeddings are scaled to 0.
    hidden : int, default=8
        Width of the default generators (sequence generators use ``4 * hidden``).
    epochs : int, default=10
        Maximum number of passes over the training data.
    batch_size : int, default=64
    lr : float, default=1e-3
        Adam learning rate.
    validation_fraction : float, default=0.1
        Fraction of the training inputs held out (seeded) to monitor the loss; 0 disables it.
    patience : int or None, default=3
        Early stopping: stop after this many epochs without a better validation loss and keep
        the best generator. None trains all ``epochs``.
    seed : int, default=0
        Seeds the generator's initialisation, the validation split and the shuffling (the user's
        global RNG state is restored).
    progress : bool, default=True
        Show a tqdm progress bar (notebook-aware).

    Attributes
    ----------
    generator_ : nn.Module
        The trained generator (in eval mode).
    kind_ : {"image", "tokens", "sequence"}
        Modality of the training inputs.
    input_shape_ : tuple of int
        Per-sample shape the generator was fitted on (None for free sizes: H, W or T).
    task_ : {"classification", "regression"}
    n_outputs_ : int
    layer_ : str or None
        Name of the masked embedding layer (token ids).
    output_scale_ : float
        Regression: the variance of the model's outputs on the training data (loss divisor).
    history_ : dict of str to list of float
        Per epoch: ``loss``, ``val_loss``, ``val_mask_mean``, ``val_preserved``.
    best_epoch_ : int
    n_epochs_ : int
        Epochs actually run (early stopping).
    fit_seconds_ : float
    """

    label = "Explanatory mask"

    def __init__(
        self,
        model: nn.Module,
        lam: float = 0.05,
        *,
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
        seed: int = 0,
        progress: bool = True,
    ) -> None:
        self.model = model
        self.lam = lam
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
        self.seed = seed
        self.progress = progress

    # -- sklearn-style parameters ------------------------------------------------------------
    _PARAMS = ("model", "lam", "tv", "necessity", "logit_penalty", "temperature", "budget",
               "generator", "layer", "pad_id", "baseline", "hidden", "epochs", "batch_size", "lr",
               "validation_fraction", "patience", "seed", "progress")

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        """Hyper-parameters as given to ``__init__`` (``deep`` is accepted and ignored: the model
        is a parameter, never copied)."""
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self, **params: Any) -> MaskExplainer:
        unknown = sorted(set(params) - set(self._PARAMS))
        if unknown:
            raise ValueError(f"set_params: unknown parameters {unknown}; expected any of "
                             f"{list(self._PARAMS)}")
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._PARAMS[1:]
                          if k in ("lam", "tv", "epochs", "seed")
                          or (k in ("layer", "budget") and getattr(self, k) is not None))
        return f"MaskExplainer(model={type(self.model).__name__}, {shown})"

    # -- validation --------------------------------------------------------------------------
    def _check_params(self) -> None:
        check_model(self.model)
        for name, lo in (("lam", 0.0), ("tv", 0.0), ("necessity", 0.0),
                         ("logit_penalty", 0.0), ("temperature", None), ("lr", None),
                         ("baseline", None)):
            v = getattr(self, name)
            if name in ("logit_penalty", "temperature") and v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise TypeError(f"argument '{name}': expected a finite number, got {v!r}")
            if lo is not None and v < lo:
                raise ValueError(f"argument '{name}': expected >= {lo:g}, got {v!r}")
        if self.lr <= 0:
            raise ValueError(f"argument 'lr': expected > 0, got {self.lr!r}")
        b = self.budget
        if b is not None and (isinstance(b, bool) or not isinstance(b, (int, float))
                              or not 0 < b <= 1):
            raise ValueError(f"argument 'budget': expected None or a fraction in (0, 1], got "
                             f"{b!r}")
        if self.temperature is not None and self.temperature <= 0:
            raise ValueError(f"argument 'temperature': expected None or a number > 0, got "
                             f"{self.temperature!r}")
        for name in ("epochs", "batch_size", "hidden"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"argument '{name}': expected a positive int, got {v!r}")
        if not 0.0 <= self.validation_fraction < 1.0:
            raise ValueError("argument 'validation_fraction': expected a number in [0, 1), got "
                             f"{self.validation_fraction!r}")
        if self.patience is not None and (not isinstance(self.patience, int)
                                          or self.patience < 1):
            raise ValueError(f"argument 'patience': expected a positive int or None, got "
                             f"{self.patience!r}")
        g = self.generator
        if not (g is None or isinstance(g, nn.Module) or g in ("gru", "conv")):
            raise ValueError(f"argument 'generator': expected None, 'gru', 'conv' or an "
                             f"nn.Module, got {g!r}")

    def _check_fitted(self) -> None:
        if not hasattr(self, "generator_"):
            raise NotFittedError("This MaskExplainer is not fitted yet: call "
                                 "fit(train_data) before attribute(), mask() or evaluate()")

    def _check_inputs(self, inputs: Any, name: str = "inputs") -> torch.Tensor:
        self._check_fitted()
        x = as_tensor(inputs, name)
        kind = _modality(x)
        if kind != self.kind_:
            raise ValueError(
                f"argument '{name}': this MaskExplainer was fitted on {_DESCRIBE[self.kind_]}, "
                f"got {_DESCRIBE.get(kind, 'a tensor')} of dtype {x.dtype} and shape "
                f"{tuple(x.shape)}")
        fixed = self.input_shape_
        got = tuple(x.shape[1:])
        for want, have in zip(fixed, got, strict=True):
            if want is not None and want != have:
                exp = "(N, " + ", ".join("*" if w is None else str(w) for w in fixed) + ")"
                raise ValueError(f"argument '{name}': expected shape {exp} like the training "
                                 f"inputs, got {tuple(x.shape)}")
        if x.shape[0] == 0:
            raise ValueError(f"argument '{name}': expected at least one sample, got an empty "
                             "batch")
        if x.is_floating_point() and not torch.isfinite(x).all():
            raise ValueError(f"argument '{name}': contains NaN or Inf values")
        return x.to(model_device(self.model))

    # -- building blocks ---------------------------------------------------------------------
    def _valid(self, x: torch.Tensor) -> torch.Tensor:
        """(N, L) bool: locations that are explained (all but padding)."""
        if self.kind_ == "image":
            return torch.ones(x.shape[0], x.shape[2] * x.shape[3], dtype=torch.bool,
                              device=x.device)
        if self.kind_ == "tokens" and self.pad_id is not None:
            return x != self.pad_id
        return torch.ones(x.shape[:2], dtype=torch.bool, device=x.device)

    def _generator_input(self, x: torch.Tensor) -> torch.Tensor:
        if self.kind_ == "tokens":
            with torch.no_grad():
                return self._embedding(x).detach()
        return x

    def _masks(self, x: torch.Tensor) -> torch.Tensor:
        """Generator output as (N, H, W) for images or (N, T) for sequences."""
        m = self.generator_(self._generator_input(x))
        if self.kind_ == "image":
            want = (x.shape[0], x.shape[2], x.shape[3])
            m = m[:, 0] if m.ndim == 4 and m.shape[1] == 1 else m
        else:
            want = tuple(x.shape[:2])
            m = m[..., 0] if m.ndim == 3 and m.shape[2] == 1 else m
        if tuple(m.shape) != want:
            extra = (f"(N, 1, {want[1]}, {want[2]}) or " if self.kind_ == "image"
                     else f"(N, {want[1]}, 1) or ")
            raise ValueError(f"argument 'generator': expected the generator to return one mask "
                             f"value per location, shaped {extra}(N, "
                             f"{', '.join(map(str, want[1:]))}) with N = {want[0]}, got "
                             f"{tuple(m.shape)}")
        if self.budget is not None:
            m = self._spend_budget(m, x)
        return m

    def _spend_budget(self, m: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Generator output -> keep-probabilities summing to ``budget * L`` per input."""
        valid = self._valid(x)
        scores = torch.logit(m.reshape(m.shape[0], -1), eps=1e-6).masked_fill(~valid, -1e4)
        w = torch.softmax(scores, dim=1) * valid
        target = self.budget * valid.sum(1, keepdim=True).to(m.dtype)
        keep = (target * w).clamp(max=1.0)
        for _ in range(8):  # hand what the clamp cut off to the unsaturated locations
            full = keep >= 1.0
            rest = (w * ~full).sum(1, keepdim=True).clamp_min(1e-12)
            share = (target - full.sum(1, keepdim=True)) * w / rest
            keep = torch.where(full, torch.ones_like(keep), share.clamp(max=1.0))
        # saturated locations would tie at 1: a spread of at most 1e-3 below 1 keeps the
        # generator's order, so top-k and deletion curves rank them as it does
        top = w.amax(1, keepdim=True).clamp_min(1e-12)
        keep = torch.where(keep >= 1.0, 1.0 - 1e-3 * (1.0 - w / top), keep)
        return keep.masked_fill(~valid, 0.0).reshape(m.shape)

    def _sample(self, m: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Relaxed-Bernoulli sample with keep-probability m (seeded: fit runs under ``seeded``)."""
        u = torch.rand(m.shape, generator=generator, dtype=m.dtype).to(m.device)
        u = u.clamp(1e-6, 1 - 1e-6)
        noise = torch.log(u) - torch.log1p(-u)
        return torch.sigmoid((torch.logit(m, eps=1e-6) + noise) / self.temperature)

    def _logit_penalty(self) -> float:
        if self.logit_penalty is not None:
            return float(self.logit_penalty)
        # a budget already rules out the all-ones mask that the penalty guards against
        return 0.01 if self.necessity > 0 and self.budget is None else 0.0

    def _objective(self, x: torch.Tensor, ref: torch.Tensor,
                   noise: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(loss, mask) on one batch. ``noise``: sample the mask from this generator even in
        eval mode (validation of ``temperature`` masks)."""
        m = self._masks(x)
        valid = self._valid(x)
        # what the model sees: the mask, or near-binary samples of it while training
        sampled = self.temperature is not None and (self.generator_.training or noise is not None)
        z = self._sample(m, noise) if sampled else m
        pres, size = self._loss_terms(self._masked_output(x, z), ref, m, valid)
        lam = 0.0 if self.budget is not None else self.lam  # a budget fixes the size
        loss = pres.mean() + lam * size.mean() + self.tv * self._tv(m)
        if self.necessity:
            # the prediction should not survive removing what the mask keeps
            gone = self._masked_output(x, 1 - z)  # padding stays in place (see _masked_output)
            loss = loss + self.necessity * F.softmax(gone, dim=1).gather(1, ref[:, None]).mean()
        penalty = self._logit_penalty()
        if penalty:
            v = valid.reshape(m.shape).to(m.dtype)
            logit = torch.logit(m, eps=1e-6)
            loss = loss + penalty * (logit ** 2 * v).sum() / v.sum().clamp_min(1.0)
        return loss, m

    @classmethod
    def _masker(cls, model: nn.Module, kind: str, **params: Any) -> MaskExplainer:
        """An unfitted explainer that only applies masks: ``_masked_output`` inside
        ``_masking()`` (for rankings that do not come from a generator)."""
        ex = cls(model, **params)
        ex.kind_ = kind
        ex._bind_layer()
        return ex

    def _bind_layer(self) -> None:
        """Token ids: find the embedding layer whose output the mask scales."""
        if self.kind_ == "tokens":
            self.layer_, self._embedding = _find_embedding(self.model, self.layer)
        else:
            self.layer_ = None

    @contextlib.contextmanager
    def _masking(self) -> Iterator[None]:
        """The model preserved (see :func:`preserved_model`) and, for token ids, the embedding
        hook that applies ``_masked_output``'s mask in place; both undone on exit."""
        with preserved_model(self.model):
            handle = (self._embedding.register_forward_hook(self._embedding_hook)
                      if self.kind_ == "tokens" else None)
            try:
                yield
            finally:
                if handle is not None:
                    handle.remove()
                self._hook_mask = None

    def _masked_output(self, x: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        """Model output on the input with mask ``m`` (N, H, W) / (N, T) applied."""
        if self.kind_ == "image":
            mm = m[:, None]
            return self.model(mm * x + (1 - mm) * self.baseline)
        if self.kind_ == "sequence":
            mm = m[..., None]
            return self.model(mm * x + (1 - mm) * self.baseline)
        if self.pad_id is not None:
            m = torch.where(x == self.pad_id, torch.ones_like(m), m)
        self._hook_mask = m
        try:
            return self.model(x)
        finally:
            self._hook_mask = None

    def _embedding_hook(self, module: nn.Module, inputs: Any, output: torch.Tensor) -> Any:
        m = getattr(self, "_hook_mask", None)
        if m is None:
            return None
        if output.shape[:2] != m.shape:
            raise ValueError(f"argument 'layer': embedding output {tuple(output.shape)} does not "
                             f"line up with the token mask {tuple(m.shape)}")
        return output * m[..., None].to(output.dtype)

    def _loss_terms(
        self, out: torch.Tensor, ref: torch.Tensor, m: torch.Tensor, valid: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(preservation loss per sample, size per sample)."""
        if self.task_ == "classification":
            pres = F.cross_entropy(out, ref, reduction="none")
        else:
            pres = ((out[:, 0] - ref[:, 0]) ** 2) / self.output_scale_
        flat = m.reshape(m.shape[0], -1)
        v = valid.float()
        size = (flat * v).sum(1) / v.sum(1).clamp_min(1.0)
        return pres, size

    def _tv(self, m: torch.Tensor) -> torch.Tensor:
        if self.kind_ != "image" or self.tv == 0:
            return m.new_zeros(())
        return ((m[:, 1:, :] - m[:, :-1, :]).abs().mean()
                + (m[:, :, 1:] - m[:, :, :-1]).abs().mean())

    def _reference(self, x: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            out = self.model(x)
        out = check_model_output(out, x.shape[0]).detach().clone()
        return out.argmax(1) if self.task_ == "classification" else out

    # -- public API --------------------------------------------------------------------------
    def fit(self, data: Any, validation_data: Any = None) -> MaskExplainer:
        """Train the mask generator against the frozen model's own predictions.

        Parameters
        ----------
        data : Tensor, ndarray, DataLoader or iterable of batches
            Training inputs (batches may be ``(x, y)`` pairs; labels are ignored: the targets
            are the model's predictions). The inputs are gathered once into one tensor.
        validation_data : same types, optional
            Held-out inputs for early stopping. Default: ``validation_fraction`` of ``data``.

        Returns
        -------
        self
        """
        self._check_params()
        x = torch.cat([b for b in iter_input_batches(data, 4096, name="data")])
        kind = _modality(x)
        if kind == "invalid":
            raise ValueError(f"argument 'data': expected {_DESCRIBE['image']}, "
                             f"{_DESCRIBE['tokens']} or {_DESCRIBE['sequence']}, got dtype "
                             f"{x.dtype} and shape {tuple(x.shape)}")
        if x.is_floating_point() and not torch.isfinite(x).all():
            raise ValueError("argument 'data': contains NaN or Inf values")
        if self.pad_id is not None and kind != "tokens":
            raise ValueError("argument 'pad_id': only for token-id inputs, got "
                             f"{_DESCRIBE[kind]}")
        if self.layer is not None and kind != "tokens":
            raise ValueError(f"argument 'layer': only for token-id inputs (the mask is applied "
                             f"to the embedding output), got {_DESCRIBE[kind]}")
        if isinstance(self.generator, str) and kind == "image":
            raise ValueError(f"argument 'generator': {self.generator!r} is a sequence "
                             "generator; images use the default (None) or your own module")
        if validation_data is not None:
            x_val = torch.cat([b for b in iter_input_batches(validation_data, 4096,
                                                             name="validation_data")])
            if _modality(x_val) != kind or (x_val.shape[1:] != x.shape[1:] and kind == "image"):
                raise ValueError(f"argument 'validation_data': expected {_DESCRIBE[kind]} like "
                                 f"'data', got dtype {x_val.dtype} and shape "
                                 f"{tuple(x_val.shape)}")
        else:
            x_val = None

        # forget any previous fit first: a failed refit must not leave a half-updated explainer
        for attr in ("generator_", "history_"):
            self.__dict__.pop(attr, None)
        with seeded(self.seed):
            state = self._fit(x, x_val, kind)
        self.__dict__.update(state)
        return self

    def _fit(self, x: torch.Tensor, x_val: torch.Tensor | None, kind: str) -> dict[str, Any]:
        from tqdm.auto import tqdm

        device = model_device(self.model)
        gen_seed = torch.Generator().manual_seed(self.seed)
        if x_val is None and self.validation_fraction > 0 and x.shape[0] >= 10:
            perm = torch.randperm(x.shape[0], generator=gen_seed)
            n_val = max(1, round(self.validation_fraction * x.shape[0]))
            x_val, x = x[perm[:n_val]], x[perm[n_val:]]
        self.kind_ = kind
        self._bind_layer()
        start = time.perf_counter()
        with self._masking():
            return self._train(x.to(device), None if x_val is None else x_val.to(device),
                               gen_seed, start, tqdm)

    def _train(self, x: torch.Tensor, x_val: torch.Tensor | None, gen_seed: torch.Generator,
               start: float, tqdm: Any) -> dict[str, Any]:
        # targets: the frozen model's own predictions, computed once
        with torch.inference_mode():
            probe = check_model_output(self.model(x[:2]), min(2, x.shape[0]))
        n_outputs = probe.shape[1]
        self.task_ = "regression" if n_outputs == 1 else "classification"
        if self.necessity and self.task_ == "regression":
            raise ValueError(
                f"argument 'necessity': the deletion term needs a classifier (it lowers the "
                f"probability of the predicted class), but the model has one output; got "
                f"necessity={self.necessity!r}, expected 0 for regression models")
        ref = torch.cat([self._reference(x[s:s + 512]) for s in range(0, x.shape[0], 512)])
        if self.task_ == "regression":
            var = float(ref.float().var()) if ref.shape[0] > 1 else 0.0
            self.output_scale_ = var if var > 1e-12 else 1.0
        else:
            self.output_scale_ = 1.0
        ref_val = (None if x_val is None else
                   torch.cat([self._reference(x_val[s:s + 512])
                              for s in range(0, x_val.shape[0], 512)]))

        if isinstance(self.generator, nn.Module):
            gen = self.generator
        else:
            feat = x.shape[1] if self.kind_ == "image" else (
                self._embedding.embedding_dim if self.kind_ == "tokens" else x.shape[2])
            gen = (ImageMaskGenerator(feat, self.hidden) if self.kind_ == "image"
                   else SequenceMaskGenerator(feat, 4 * self.hidden, arch=self.generator or "gru"))
        init = getattr(self, "_warm_start_state", None)
        if init is not None:
            gen.load_state_dict(init)
        gen = gen.to(x.device)
        self.generator_ = gen
        opt = torch.optim.Adam(gen.parameters(), lr=self.lr)
        history: dict[str, list[float]] = {"loss": [], "val_loss": [], "val_mask_mean": [],
                                           "val_preserved": []}
        best, best_state, best_epoch, bad = math.inf, None, 0, 0
        n = x.shape[0]
        bar = tqdm(range(self.epochs), desc="fitting mask generator", unit="epoch",
                   disable=not self.progress)
        epoch = -1
        for epoch in bar:
            gen.train()
            order = torch.randperm(n, generator=gen_seed)
            total, count = 0.0, 0
            for s in range(0, n, self.batch_size):
                idx = order[s:s + self.batch_size].to(x.device)
                xb, rb = x[idx], ref[idx]
                loss, _ = self._objective(xb, rb)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(idx)
                count += len(idx)
            history["loss"].append(total / count)
            if x_val is not None:
                vl, vs, vp = self._validate(x_val, ref_val)
                history["val_loss"].append(vl)
                history["val_mask_mean"].append(vs)
                history["val_preserved"].append(vp)
                bar.set_postfix(loss=f"{total / count:.3f}", val=f"{vl:.3f}", size=f"{vs:.2f}")
                if vl < best - 1e-5:
                    best, best_epoch, bad = vl, epoch, 0
                    best_state = copy.deepcopy(gen.state_dict())
                else:
                    bad += 1
                    if self.patience is not None and bad >= self.patience:
                        break
            else:
                bar.set_postfix(loss=f"{total / count:.3f}")
                best_epoch = epoch
        bar.close()
        if best_state is not None:
            gen.load_state_dict(best_state)
        gen.eval()
        return {"generator_": gen, "history_": history, "best_epoch_": best_epoch,
                "n_epochs_": epoch + 1, "n_outputs_": n_outputs,
                "input_shape_": self._free_shape(x), "fit_seconds_": time.perf_counter() - start}

    def _free_shape(self, x: torch.Tensor) -> tuple[int | None, ...]:
        if self.kind_ == "image":  # channels fixed; any H, W (the generator is convolutional)
            return (x.shape[1], None, None)
        if self.kind_ == "sequence":
            return (None, x.shape[2])
        return (None,)

    def _validate(self, x: torch.Tensor, ref: torch.Tensor) -> tuple[float, float, float]:
        """(objective, mean mask size, preserved rate of the soft mask) on held-out inputs."""
        self.generator_.eval()
        loss_sum, size_sum, kept, n = 0.0, 0.0, 0, x.shape[0]
        # sampled masks are validated on the objective they train, with the same noise every
        # epoch so that epochs compare (the soft mask's loss would pick the wrong epoch)
        noise = torch.Generator().manual_seed(self.seed)
        with torch.no_grad():
            for s in range(0, n, 256):
                xb, rb = x[s:s + 256], ref[s:s + 256]
                loss, m = self._objective(xb, rb, noise)
                out = self._masked_output(xb, m)
                _, size = self._loss_terms(out, rb, m, self._valid(xb))
                loss_sum += float(loss) * xb.shape[0]
                size_sum += float(size.sum())
                kept += int(self._preserved(out, rb).sum())
        return loss_sum / n, size_sum / n, kept / n

    def _preserved(self, out: torch.Tensor, ref: torch.Tensor, tol: float = 0.5) -> torch.Tensor:
        if self.task_ == "classification":
            return out.argmax(1) == ref
        return (out[:, 0] - ref[:, 0]).abs() <= tol

    def _batches(self, x: torch.Tensor, size: int = 256) -> Iterator[torch.Tensor]:
        for s in range(0, x.shape[0], size):
            yield x[s:s + size]

    def _run(self, fn: Any, x: torch.Tensor, *, model: bool = True) -> Any:
        """Call fn(batch) for every batch with the model preserved and the hook in place
        (``model=False``: fn never calls the model, e.g. image masks, so it is not touched)."""
        if not model:
            self.generator_.eval()
            with torch.no_grad():
                return [fn(b) for b in self._batches(x)]
        with self._masking():
            self.generator_.eval()
            with torch.no_grad():
                return [fn(b) for b in self._batches(x)]

    def mask(self, inputs: Any) -> torch.Tensor:
        """Mask per location: (N, H, W) for images, (N, T) for sequences; 0 at padding."""
        return self._mask(self._check_inputs(inputs))

    def _mask(self, x: torch.Tensor) -> torch.Tensor:
        if self.kind_ == "tokens" and self.pad_id is not None:
            def fn(b: torch.Tensor) -> torch.Tensor:
                return self._masks(b) * self._valid(b).to(torch.float32)
        else:
            fn = self._masks
        # only token ids go through the model (its embedding layer)
        return torch.cat(self._run(fn, x, model=self.kind_ == "tokens")).detach()

    def attribute(self, inputs: Any, target: Any = None) -> torch.Tensor:
        """Captum-style: masks shaped like ``inputs`` (broadcast over channels / features).

        Parameters
        ----------
        inputs : Tensor or ndarray
            Inputs of the modality the generator was fitted on.
        target : optional
            Accepted for Captum compatibility and ignored: the mask explains the model's own
            prediction (the class it predicts, or its output for regression).

        Returns
        -------
        Tensor
            (N, C, H, W), (N, T) or (N, T, F) mask values in [0, 1].
        """
        del target
        x = self._check_inputs(inputs)
        m = self._mask(x)
        if self.kind_ == "image":
            return m[:, None].expand(-1, x.shape[1], -1, -1).contiguous()
        if self.kind_ == "sequence":
            return m[..., None].expand(-1, -1, x.shape[2]).contiguous()
        return m

    def evaluate(self, inputs: Any, *, keep: Sequence[float] | float = (0.2,),
                 tol: float = 0.5) -> MaskReport:
        """Mask size and how often the model's prediction survives soft and hard masks.

        Parameters
        ----------
        inputs : Tensor or ndarray
            Evaluation inputs (e.g. a test set).
        keep : float or sequence of float, default=(0.2,)
            Fractions of locations kept by the hard masks (top-k by mask value).
        tol : float, default=0.5
            Regression: a prediction counts as preserved when ``|f(x~) - f(x)| <= tol``.

        Returns
        -------
        MaskReport
        """
        x = self._check_inputs(inputs)
        keeps = [keep] if isinstance(keep, (int, float)) else list(keep)
        for k in keeps:
            if not 0 < k <= 1:
                raise ValueError(f"argument 'keep': expected fractions in (0, 1], got {k!r}")
        if tol < 0:
            raise ValueError(f"argument 'tol': expected >= 0, got {tol!r}")

        def one(b: torch.Tensor) -> dict[str, torch.Tensor]:
            ref = self._reference(b)
            m = self._masks(b)
            valid = self._valid(b)
            flat = m.reshape(m.shape[0], -1)
            out = self._masked_output(b, m)
            res = {"sum": (flat * valid).sum(1), "above": ((flat > 0.5) & valid).sum(1),
                   "count": valid.sum(1), "soft": self._preserved(out, ref, tol),
                   "dsoft": self._delta(out, ref)}
            for j, k in enumerate(keeps):
                hard = _topk_mask(flat, valid, k).reshape(m.shape)
                out_h = self._masked_output(b, hard)
                res[f"hard{j}"] = self._preserved(out_h, ref, tol)
                res[f"dhard{j}"] = self._delta(out_h, ref)
            return res

        parts = self._run(one, x)
        cat = {k: torch.cat([p[k] for p in parts]).double().cpu() for k in parts[0]}
        count = float(cat["count"].sum())
        return MaskReport(
            n=x.shape[0], task=self.task_, mask_mean=float(cat["sum"].sum()) / count,
            frac_above_half=float(cat["above"].sum()) / count,
            preserved_soft=float(cat["soft"].mean()),
            preserved_hard={float(k): float(cat[f"hard{j}"].mean()) for j, k in enumerate(keeps)},
            tol=float(tol) if self.task_ == "regression" else 0.0,
            abs_delta_soft=cat["dsoft"].numpy(), abs_delta_hard=cat["dhard0"].numpy())

    def _delta(self, out: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        if self.task_ == "classification":
            return torch.zeros(out.shape[0], device=out.device)
        return (out[:, 0] - ref[:, 0]).abs()


# --------------------------------------------------------------------------- comparisons


def hard_mask_preservation(
    model: nn.Module, inputs: Any, attributions: Any, *, keep: float = 0.2,
    baseline: float = 0.0, tol: float = 0.5, embedding: str | nn.Module | None = None,
    pad_id: int | None = None,
) -> float:
    """Fraction of samples whose prediction survives keeping only the top ``keep`` locations of
    *any* attribution (pixels summed over channels, positions summed over features).

    Use it to put Captum baselines on the same footing as the masks: the rest of the input is set
    to ``baseline`` (images, float sequences) or its embedding is zeroed (token ids, through the
    ``embedding`` layer, the model's only ``nn.Embedding`` by default). Regression: preserved means
    ``|delta| <= tol``.
    """
    check_model(model)
    x = as_tensor(inputs, "inputs").to(model_device(model))
    a = as_tensor(attributions, "attributions").to(x.device).float()
    kind = _modality(x)
    if kind == "invalid":
        raise ValueError(f"argument 'inputs': expected {_DESCRIBE['image']}, "
                         f"{_DESCRIBE['tokens']} or {_DESCRIBE['sequence']}, got dtype "
                         f"{x.dtype} and shape {tuple(x.shape)}")
    if a.shape[0] != x.shape[0]:
        raise ValueError(f"argument 'attributions': expected {x.shape[0]} samples, got "
                         f"{a.shape[0]}")
    ex = MaskExplainer._masker(model, kind, baseline=baseline, layer=embedding, pad_id=pad_id)
    if kind == "image":
        scores = a.sum(1).reshape(x.shape[0], -1)
        shape: tuple[int, ...] = (x.shape[0], x.shape[2], x.shape[3])
    else:
        scores = a.reshape(x.shape[0], x.shape[1], -1).sum(2)
        shape = tuple(x.shape[:2])
    with ex._masking(), torch.no_grad():
        out0 = check_model_output(model(x), x.shape[0])
        ex.task_ = "regression" if out0.shape[1] == 1 else "classification"
        ref = out0.argmax(1) if ex.task_ == "classification" else out0
        hard = _topk_mask(scores, ex._valid(x), keep).reshape(shape)
        kept = int(ex._preserved(ex._masked_output(x, hard), ref, tol).sum())
    return kept / x.shape[0]


def size_tradeoff(
    explainer: MaskExplainer,
    data: Any,
    inputs: Any,
    values: Sequence[float] | None = None,
    *,
    epochs: int | None = None,
    keep: float | None = None,
    tol: float = 0.5,
) -> TradeoffCurve:
    """Sweep what sets the mask size (``lam``, or ``budget`` for an explainer that has one): fit
    one generator per value and report mask size vs preserved rate.

    Each generator starts from the fitted ``explainer``'s weights (warm start) and trains for
    ``epochs`` (default: the explainer's own), so a sweep costs a few epochs per value.

    Parameters
    ----------
    explainer : MaskExplainer
        A fitted explainer; it is not changed.
    data : training inputs for the sweep (as for :meth:`MaskExplainer.fit`).
    inputs : evaluation inputs.
    values : sequence of float, optional
        ``lam`` values (>= 0), or ``budget`` fractions in (0, 1] when ``explainer.budget`` is
        set. Default: (0.005, 0.02, 0.05, 0.2) or (0.1, 0.2, 0.4, 0.6).
    epochs : int, optional
    keep : float, optional
        Kept fraction of the hard masks. Default: 0.2 for a ``lam`` sweep; for a ``budget`` sweep,
        each generator's own budget (the size it was trained for).

    Returns
    -------
    TradeoffCurve
    """
    if not isinstance(explainer, MaskExplainer):
        raise TypeError(f"argument 'explainer': expected a MaskExplainer, got "
                        f"{type(explainer).__name__}")
    explainer._check_fitted()
    param = "lam" if explainer.budget is None else "budget"
    if values is None:
        values = (0.005, 0.02, 0.05, 0.2) if param == "lam" else (0.1, 0.2, 0.4, 0.6)
    values = [float(v) for v in values]
    ok = (lambda v: v >= 0) if param == "lam" else (lambda v: 0 < v <= 1)
    if not values or not all(ok(v) for v in values):
        want = "values >= 0 (lam)" if param == "lam" else "fractions in (0, 1] (budget)"
        raise ValueError(f"argument 'values': expected one or more {want}, got {values}")
    if keep is None and param == "lam":
        keep = 0.2
    reports = []
    from tqdm.auto import tqdm

    for v in tqdm(values, desc=f"{param} trade-off", unit="fit",
                  disable=not explainer.progress):
        params = explainer.get_params()
        generator = params["generator"]
        if isinstance(generator, nn.Module):
            params["generator"] = copy.deepcopy(explainer.generator_)
        params.update({param: v, "progress": False, "epochs": epochs or explainer.epochs})
        clone = MaskExplainer(**params)
        clone._warm_start_state = copy.deepcopy(explainer.generator_.state_dict())
        clone.fit(data)
        reports.append(clone.evaluate(inputs, keep=(v if keep is None else keep,), tol=tol))
    return TradeoffCurve(
        param=param, values=np.array(values),
        mask_mean=np.array([r.mask_mean for r in reports]),
        frac_above_half=np.array([r.frac_above_half for r in reports]),
        preserved_soft=np.array([r.preserved_soft for r in reports]),
        preserved_hard=np.array([next(iter(r.preserved_hard.values())) for r in reports]),
        keep=keep, reports=reports)
