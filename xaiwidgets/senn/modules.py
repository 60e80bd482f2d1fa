"""SENN modules: conceptizers h, parametrizers theta and the self-explaining network itself.

``f(x) = sum_i theta(x)_i h(x)_i`` per class: an additive aggregator on the logits
(Alvarez-Melis & Jaakkola 2018). The conceptizer is the identity plus a constant bias concept
for tabular data, or an autoencoder for learned concepts; the parametrizer is a tanh MLP
(tabular) or a small LeNet (images). Users may pass their own modules.

A :class:`SENN` is a model the user trains (with :func:`xaiwidgets.fit_senn`), not an
explainer of someone else's model: it stays an ``nn.Module`` whose ``forward`` returns logits.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import nn

from .._core.batching import DEFAULT_BATCH_SIZE
from .._core.validation import check_bool, check_int, check_names, check_number, describe

if TYPE_CHECKING:
    from .explain import SENNExplanation

__all__ = [
    "SENN",
    "ConvConceptizer",
    "IdentityConceptizer",
    "LeNetParametrizer",
    "MLPConceptizer",
    "MLPParametrizer",
    "UntrainedSENNWarning",
]


class UntrainedSENNWarning(UserWarning):
    """A SENN explains before :func:`xaiwidgets.fit_senn` trained it: its relevances are noise."""


# -- conceptizers h ------------------------------------------------------------------------

class IdentityConceptizer(nn.Module):
    """``h(x) = (x_1, ..., x_F, 1)``: the features are the concepts; the constant last concept
    makes its relevance a per-sample bias (the reference's ``input_conceptizer``).

    Parameters
    ----------
    n_features : int
    bias : bool, default=True
        Append the constant concept.
    """

    learned = False

    def __init__(self, n_features: int, bias: bool = True) -> None:
        super().__init__()
        self.n_features = check_int(n_features, "n_features", low=1)
        self.bias = bool(bias)
        self.n_concepts = self.n_features + int(self.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(x.shape[0], -1)
        if not self.bias:
            return x
        return torch.cat([x, torch.ones_like(x[:, :1])], dim=1)


class _PerConceptLinear(nn.Module):
    """k independent ``Linear(d_in, d_out)`` maps, one per concept (channel): (N, k, d_in) ->
    (N, k, d_out)."""

    def __init__(self, k: int, d_in: int, d_out: int) -> None:
        super().__init__()
        bound = 1 / math.sqrt(d_in)
        self.weight = nn.Parameter(torch.empty(k, d_in, d_out).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(k, d_out).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.einsum("nki,kio->nko", x, self.weight) + self.bias


class MLPConceptizer(nn.Module):
    """Learned concepts of flat inputs: a tanh MLP autoencoder ``D -> hidden -> k -> hidden ->
    D`` (a smaller cousin of the reference's ``image_fcc_conceptizer``).

    Parameters
    ----------
    n_features : int
    n_concepts : int
    hidden : int, default=64
    """

    learned = True

    def __init__(self, n_features: int, n_concepts: int, hidden: int = 64) -> None:
        super().__init__()
        self.n_features = check_int(n_features, "n_features", low=1)
        self.n_concepts = check_int(n_concepts, "n_concepts", low=1)
        hidden = check_int(hidden, "hidden", low=1)
        self.encoder = nn.Sequential(nn.Linear(self.n_features, hidden), nn.Tanh(),
                                     nn.Linear(hidden, self.n_concepts))
        self.decoder = nn.Sequential(nn.Linear(self.n_concepts, hidden), nn.Tanh(),
                                     nn.Linear(hidden, self.n_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x.reshape(x.shape[0], -1))

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        return self.decoder(h)


def _conv_side(side: int) -> int:
    """Side after (conv 5, max-pool 2) twice, the LeNet body both image modules share."""
    return ((side - 4) // 2 - 4) // 2


def _check_image_size(image_size: int) -> int:
    size = check_int(image_size, "image_size", low=1)
    if _conv_side(size) < 1:
        raise ValueError(f"argument 'image_size': expected an integer >= 16 (two 5x5 "
                         f"convolutions and two 2x2 poolings need it), got {size}")
    return size


class ConvConceptizer(nn.Module):
    """Learned image concepts: the reference's ``image_cnn_conceptizer`` autoencoder.

    Encoder: Conv(C -> 10, 5) -> max-pool 2 -> ReLU -> Conv(10 -> k, 5) -> max-pool 2 -> ReLU
    -> one Linear(s*s -> 1) per concept (s = 4 for 28x28 images). Decoder: one Linear(1 -> s*s)
    per concept -> ConvT(k -> 16, 5, stride 2) -> ReLU -> ConvT(16 -> 8, 5) -> ReLU ->
    ConvT(8 -> C, 2, stride 2, padding 1), resized to the image size when it is not 28.
    The decoder's output is linear (the reference ends in tanh), so it reconstructs inputs in
    whatever range they were normalised to.

    Parameters
    ----------
    in_channels : int
    n_concepts : int
    image_size : int, default=28
    """

    learned = True

    def __init__(self, in_channels: int, n_concepts: int, image_size: int = 28) -> None:
        super().__init__()
        self.in_channels = check_int(in_channels, "in_channels", low=1)
        self.n_concepts = check_int(n_concepts, "n_concepts", low=1)
        self.image_size = _check_image_size(image_size)
        k, s = self.n_concepts, _conv_side(self.image_size)
        self._s = s
        self.conv1 = nn.Conv2d(self.in_channels, 10, 5)
        self.conv2 = nn.Conv2d(10, k, 5)
        self.head = _PerConceptLinear(k, s * s, 1)
        self.unhead = _PerConceptLinear(k, 1, s * s)
        self.deconv1 = nn.ConvTranspose2d(k, 16, 5, stride=2)
        self.deconv2 = nn.ConvTranspose2d(16, 8, 5)
        self.deconv3 = nn.ConvTranspose2d(8, self.in_channels, 2, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = F.relu(F.max_pool2d(self.conv1(x), 2))
        a = F.relu(F.max_pool2d(self.conv2(a), 2))
        return self.head(a.flatten(2))[..., 0]

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        s = self._s
        a = self.unhead(h[..., None]).reshape(h.shape[0], self.n_concepts, s, s)
        a = F.relu(self.deconv1(a))
        a = F.relu(self.deconv2(a))
        a = self.deconv3(a)
        if a.shape[-1] != self.image_size or a.shape[-2] != self.image_size:
            a = F.interpolate(a, size=(self.image_size, self.image_size), mode="bilinear",
                              align_corners=False)
        return a


# -- parametrizers theta -------------------------------------------------------------------

class MLPParametrizer(nn.Module):
    """``theta(x)``: a tanh MLP ``D -> hidden... -> k * C`` (the reference's
    ``dfc_parametrizer``), reshaped to (N, k, C).

    Parameters
    ----------
    n_features, n_concepts, n_classes : int
    hidden : sequence of int, default=(64, 32, 16)
    dropout : float, default=0.0
        Dropout after each hidden layer while training.
    zero_init : bool, default=False
        Initialise the output layer to zero: ``theta(x) = 0`` for every x before training,
        so the SENN starts as a constant (zero) linear model and the robustness loss does not
        first have to undo the random variation of an initialised theta.
    """

    def __init__(self, n_features: int, n_concepts: int, n_classes: int,
                 hidden: Sequence[int] = (64, 32, 16), dropout: float = 0.0,
                 zero_init: bool = False) -> None:
        super().__init__()
        self.n_concepts, self.n_classes = int(n_concepts), int(n_classes)
        self.body = _mlp_body(n_features, hidden, dropout)
        last = list(hidden)[-1] if len(hidden) else n_features
        self.out = nn.Linear(last, self.n_concepts * self.n_classes)
        self.zero_init = bool(zero_init)
        if self.zero_init:
            nn.init.zeros_(self.out.weight)
            nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.body(x.reshape(x.shape[0], -1))).reshape(
            x.shape[0], self.n_concepts, self.n_classes)


def _mlp_body(n_in: int, hidden: Sequence[int], dropout: float) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = n_in
    for h in hidden:
        layers += [nn.Linear(width, h), nn.Tanh()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = h
    return nn.Sequential(*layers)


def _check_hidden(hidden: Any) -> tuple[int, ...]:
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence):
        raise TypeError(f"argument 'hidden': expected a sequence of layer widths, e.g. (64, 32),"
                        f" got {describe(hidden)}")
    return tuple(check_int(h, "hidden", low=1) for h in hidden)


class _LeNetBody(nn.Module):
    def __init__(self, in_channels: int, image_size: int, dropout: float) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 10, 5)
        self.conv2 = nn.Conv2d(10, 20, 5)
        self.drop2d = nn.Dropout2d(dropout)
        self.drop = nn.Dropout(dropout)
        self.n_out = 20 * _conv_side(image_size) ** 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = F.relu(F.max_pool2d(self.conv1(x), 2))
        a = F.relu(F.max_pool2d(self.drop2d(self.conv2(a)), 2))
        return self.drop(a.flatten(1))


class LeNetParametrizer(nn.Module):
    """``theta(x)`` for images: the reference's ``image_parametrizer``, Conv(C -> 10, 5) ->
    max-pool -> ReLU -> Conv(10 -> 20, 5) -> Dropout2d -> max-pool -> ReLU -> dropout ->
    Linear(-> k * C) -> tanh, so relevances lie in [-1, 1].

    Parameters
    ----------
    in_channels, n_concepts, n_classes : int
    image_size : int, default=28
    dropout : float, default=0.1
    """

    def __init__(self, in_channels: int, n_concepts: int, n_classes: int,
                 image_size: int = 28, dropout: float = 0.1) -> None:
        super().__init__()
        self.n_concepts, self.n_classes = int(n_concepts), int(n_classes)
        self.body = _LeNetBody(in_channels, _check_image_size(image_size), dropout)
        self.out = nn.Linear(self.body.n_out, self.n_concepts * self.n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.out(self.body(x))).reshape(x.shape[0], self.n_concepts,
                                                          self.n_classes)


# -- the model -----------------------------------------------------------------------------

def _shape_words(shape: tuple[int, ...]) -> str:
    if len(shape) == 3:
        return f"(N, {shape[0]}, {shape[1]}, {shape[2]}) images"
    return f"(N, {', '.join(map(str, shape))}) rows"


class SENN(nn.Module):
    """A self-explaining neural network: ``logits_c(x) = sum_i theta(x)_ic h(x)_i``.

    Build one with :meth:`tabular` or :meth:`images` (or from your own modules), train it with
    :func:`xaiwidgets.fit_senn`, and read its explanations with :meth:`explain` (concepts and
    relevances) or :meth:`attribute` (Captum-compatible, shaped like the inputs). ``forward``
    returns the logits, as any classifier does, so every xaiwidgets metric and Captum method
    runs on it unchanged.

    Parameters
    ----------
    conceptizer : nn.Module
        ``h``: (N, ...) inputs -> (N, k) concepts. A ``decode(h)`` method, if it has one,
        makes its concepts learned: training then adds its reconstruction loss.
    parametrizer : nn.Module
        ``theta``: (N, ...) inputs -> (N, k, C) (or (N, k * C)) relevances.
    n_classes : int
        C >= 2 (a binary task has two logits).
    input_shape : tuple of int, optional
        Per-sample input shape; inputs of another shape are refused with a clear error.
    concept_names : sequence of str, optional
        Display names of the k concepts.

    Attributes
    ----------
    n_fit_steps : Tensor
        A buffer counting optimiser steps of :func:`fit_senn` (saved with the state dict), so a
        SENN that never trained warns when it explains.
    """

    n_fit_steps: torch.Tensor

    def __init__(self, conceptizer: nn.Module, parametrizer: nn.Module, n_classes: int, *,
                 input_shape: Sequence[int] | None = None,
                 concept_names: Sequence[str] | None = None) -> None:
        super().__init__()
        for name, m in (("conceptizer", conceptizer), ("parametrizer", parametrizer)):
            if not isinstance(m, nn.Module):
                raise TypeError(f"argument '{name}': expected a torch.nn.Module, got "
                                f"{describe(m)}")
        self.conceptizer = conceptizer
        self.parametrizer = parametrizer
        self.n_classes = check_int(n_classes, "n_classes", low=2)
        self.input_shape = None if input_shape is None else tuple(int(s) for s in input_shape)
        self.register_buffer("n_fit_steps", torch.zeros((), dtype=torch.long))
        self.n_concepts = int(getattr(conceptizer, "n_concepts", 0))
        if self.input_shape is not None:
            self._check_modules()
        self.concept_names = (check_names(concept_names, self.n_concepts, "concept_names",
                                          "concept") if concept_names is not None else [])

    # -- constructors ----------------------------------------------------------------------
    @classmethod
    def tabular(cls, n_features: int, n_classes: int, *, n_concepts: int | None = None,
                hidden: Sequence[int] = (64, 32, 16), dropout: float = 0.0, bias: bool = True,
                zero_init: bool = False,
                feature_names: Sequence[str] | None = None) -> SENN:
        """A SENN for (N, F) rows.

        Parameters
        ----------
        n_features, n_classes : int
        n_concepts : int, optional
            None (default): the features are the concepts, ``h(x) = (x, 1)``, and relevances
            are per-feature coefficients. An integer learns that many concepts with an MLP
            autoencoder (:class:`MLPConceptizer`).
        hidden : sequence of int, default=(64, 32, 16)
            Hidden widths of the tanh MLP parametrizer.
        dropout : float, default=0.0
        bias : bool, default=True
            With identity concepts: add the constant concept (its relevance is a bias).
        zero_init : bool, default=False
            Start theta at zero (the parametrizer's output layer is zero-initialised), so the
            SENN starts as a constant linear model and the robustness loss need not first
            remove the random variation of an initialised theta: with little data, early
            stopping can end training before it has. :func:`unconstrained_like` then
            zero-initialises its baseline's head too.
        feature_names : sequence of str, optional
            Names of the identity concepts (``"bias"`` is appended for the constant one).
        """
        n_features = check_int(n_features, "n_features", low=1)
        check_int(n_classes, "n_classes", low=2)
        hidden = _check_hidden(hidden)
        dropout = check_number(dropout, "dropout", low=0.0, high=1.0, high_open=True)
        zero_init = check_bool(zero_init, "zero_init")
        conceptizer: nn.Module
        if n_concepts is None:
            conceptizer = IdentityConceptizer(n_features, bias=bool(bias))
            names = (check_names(feature_names, n_features, "feature_names", "feature")
                     if feature_names is not None else [f"x{j}" for j in range(n_features)])
            concept_names: list[str] | None = names + (["bias"] if bias else [])
        else:
            check_int(n_concepts, "n_concepts", low=1)
            conceptizer = MLPConceptizer(n_features, n_concepts)
            concept_names = None
        k = int(conceptizer.n_concepts)
        return cls(conceptizer,
                   MLPParametrizer(n_features, k, n_classes, hidden, dropout, zero_init),
                   n_classes, input_shape=(n_features,), concept_names=concept_names)

    @classmethod
    def images(cls, in_channels: int, n_concepts: int, n_classes: int, *,
               image_size: int = 28, dropout: float = 0.1) -> SENN:
        """A SENN for (N, C, H, W) images with ``n_concepts`` learned concepts: the
        :class:`ConvConceptizer` autoencoder and the :class:`LeNetParametrizer`.

        Parameters
        ----------
        in_channels, n_concepts, n_classes : int
        image_size : int, default=28
            Height and width of the (square) images.
        dropout : float, default=0.1
        """
        check_int(in_channels, "in_channels", low=1)
        check_int(n_concepts, "n_concepts", low=1)
        check_int(n_classes, "n_classes", low=2)
        size = _check_image_size(image_size)
        dropout = check_number(dropout, "dropout", low=0.0, high=1.0, high_open=True)
        return cls(ConvConceptizer(in_channels, n_concepts, size),
                   LeNetParametrizer(in_channels, n_concepts, n_classes, size, dropout),
                   n_classes, input_shape=(in_channels, size, size))

    # -- checks ----------------------------------------------------------------------------
    @property
    def learned(self) -> bool:
        """Whether the concepts are learned (the conceptizer can decode them)."""
        return callable(getattr(self.conceptizer, "decode", None))

    def _check_modules(self) -> None:
        """Run both modules once on two zero inputs: a conceptizer that does not give (N, k)
        or a parametrizer that does not give (N, k, C) is refused when the SENN is built."""
        assert self.input_shape is not None
        p = next(iter(self.parameters()), None)
        x = torch.zeros((2, *self.input_shape), dtype=p.dtype if p is not None else None)
        was = [m.training for m in self.modules()]
        self.eval()
        try:
            with torch.no_grad():
                h = self._concepts(x)
                self._theta(x, h.shape[1])
        finally:
            for m, flag in zip(self.modules(), was, strict=True):
                m.training = flag
        self.n_concepts = int(h.shape[1])

    def _check_input(self, x: Any, name: str = "inputs") -> None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"argument '{name}': expected a torch.Tensor, got {describe(x)}")
        if self.input_shape is not None and tuple(x.shape[1:]) != self.input_shape:
            raise ValueError(f"argument '{name}': this SENN was built for "
                             f"{_shape_words(self.input_shape)}, got {describe(x)}")

    def _concepts(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conceptizer(x)
        if not isinstance(h, torch.Tensor) or h.ndim != 2 or h.shape[0] != x.shape[0] or (
                self.n_concepts and h.shape[1] != self.n_concepts):
            k = self.n_concepts or "k"
            raise ValueError(f"argument 'conceptizer': expected it to return (N, k) = "
                             f"({x.shape[0]}, {k}) concepts, got {describe(h)}")
        return h

    def _theta(self, x: torch.Tensor, k: int | None = None) -> torch.Tensor:
        k = k or self.n_concepts
        th = self.parametrizer(x)
        c = self.n_classes
        if isinstance(th, torch.Tensor) and th.ndim == 2 and th.shape == (x.shape[0], k * c):
            th = th.reshape(x.shape[0], k, c)
        if not isinstance(th, torch.Tensor) or tuple(th.shape) != (x.shape[0], k, c):
            raise ValueError(f"argument 'parametrizer': expected it to return (N, k, C) = "
                             f"({x.shape[0]}, {k}, {c}) relevances, got {describe(th)}")
        return th

    # -- forward ---------------------------------------------------------------------------
    @staticmethod
    def aggregate(theta: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """The additive aggregator: ``logits_c = sum_i theta_ic h_i`` (N, C)."""
        return torch.einsum("nkc,nk->nc", theta, h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The logits (N, C)."""
        self._check_input(x)
        h = self._concepts(x)
        return self.aggregate(self._theta(x, h.shape[1]), h)

    def parts(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(logits (N, C), concepts h (N, k), relevances theta (N, k, C))`` of one pass."""
        self._check_input(x)
        h = self._concepts(x)
        th = self._theta(x, h.shape[1])
        return self.aggregate(th, h), h, th

    # -- explanations ----------------------------------------------------------------------
    def warn_if_untrained(self) -> None:
        if int(self.n_fit_steps) == 0:
            warnings.warn("this SENN was never trained (fit_senn(...) not run): its concepts and "
                          "relevances are those of random weights", UntrainedSENNWarning,
                          stacklevel=3)

    def explain(self, X: Any, target: Any = None, *, y_true: Any = None,
                batch_size: int = DEFAULT_BATCH_SIZE) -> SENNExplanation:
        """Concepts ``h(x)`` and relevances ``theta(x)`` of the predicted (or given) class.

        Parameters
        ----------
        X : Tensor, ndarray or DataFrame
            The samples.
        target : int or sequence of int, optional
            Class whose relevances are returned (default: the predicted class).
        y_true : sequence of int, optional
            True labels, kept in the explanation (the view shows them beside the prediction).
        batch_size : int, default=256

        Returns
        -------
        SENNExplanation
            A result (one row per sample): take rows, concatenate, save and open it; draw it
            with :class:`~xaiwidgets.SENNView`.
        """
        from .explain import explain

        return explain(self, X, target, y_true=y_true, batch_size=batch_size)

    def attribute(self, inputs: torch.Tensor, target: Any = None) -> torch.Tensor:
        """Captum-compatible attributions shaped like the inputs: ``J_h(x)^T theta(x)_t``.

        This is the gradient of the model's locally linear form (``theta`` held at its value
        at x), the input-space reading of SENN's explanation; with identity concepts it is the
        relevance of each feature, ``theta(x)_{j, t}``. It plugs into
        :func:`xaiwidgets.compare_attributions` beside Captum's methods.

        Parameters
        ----------
        inputs : Tensor
        target : int, sequence of int or Tensor, optional
            Explained class per sample (default: the predicted class).
        """
        from .explain import attribute

        return attribute(self, inputs, target)

    def concepts(self, inputs: torch.Tensor) -> torch.Tensor:
        """``h(x)`` (N, k), detached."""
        with torch.no_grad():
            return self._concepts(inputs).detach()

    def relevances(self, inputs: torch.Tensor, target: Any = None) -> torch.Tensor:
        """``theta(x)`` of class ``target`` (default: the predicted class), (N, k), detached."""
        from .explain import relevances

        return relevances(self, inputs, target)
