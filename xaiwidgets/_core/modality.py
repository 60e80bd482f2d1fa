"""One modality vocabulary and one masker.

Four kinds of input, each with its *locations* (what an explanation scores and a mask keeps):

========  ==========================  =========================================
kind      shape                       locations
========  ==========================  =========================================
image     (N, C, H, W) float          H x W pixels (shared over channels)
tabular   (N, F) float                F columns
sequence  (N, T, F) float             T steps
tokens    (N, T) integer token ids    T positions (padding excluded)
========  ==========================  =========================================

:class:`Masker` is the one place that knows how to remove a location: it blends images,
columns and steps with a baseline in input space, and for token ids either replaces ids by a
baseline id (``at="ids"``) or scales the model's own embedding vectors (``at="embedding"``, a
forward hook on the embedding that exists only inside :meth:`Masker.active`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn

from .probe import model_device, model_dtype, preserved_model, read_output
from .validation import as_tensor, check_finite_tensor, check_option, check_token_ids, describe

__all__ = ["KINDS", "Masker", "check_inputs", "infer_kind", "location_scores"]

KINDS = ("image", "tabular", "sequence", "tokens")

SHAPES = {
    "image": "(N, C, H, W) float images",
    "tabular": "(N, F) float rows",
    "sequence": "(N, T, F) float sequences",
    "tokens": "(N, T) integer token ids",
}


def _is_integer(t: torch.Tensor) -> bool:
    return not (t.is_floating_point() or t.is_complex()) and t.dtype != torch.bool


def infer_kind(x: torch.Tensor) -> str | None:
    """The kind a batch's shape and dtype imply, or None."""
    if _is_integer(x):
        return "tokens" if x.ndim == 2 else None
    return {4: "image", 2: "tabular", 3: "sequence"}.get(x.ndim)


def check_inputs(
    x: Any,
    name: str = "inputs",
    *,
    kind: str | None = None,
    model: nn.Module | None = None,
    embedding: nn.Module | None = None,
    allow_tokens: bool = True,
) -> tuple[torch.Tensor, str]:
    """Validate a batch of model inputs; return ``(tensor, kind)``.

    Floating inputs are cast to ``model``'s floating dtype and moved to its device (so float64
    numpy arrays and float16 tensors just work); token ids become int64 and are checked against
    ``embedding``'s table. ``kind="sequence"`` with integer (N, T) inputs means token ids.
    """
    t = as_tensor(x, name)
    if kind is not None:
        check_option(kind, "kind", KINDS)
    if t.dtype == torch.bool:
        raise TypeError(f"argument '{name}': expected floats (or integer token ids), got "
                        f"{describe(t)}")
    if t.ndim < 2:
        raise ValueError(
            f"argument '{name}': expected a batch with a leading sample axis, e.g. "
            f"{SHAPES['image']}, {SHAPES['tabular']} or {SHAPES['sequence']}; got shape "
            f"{tuple(t.shape)}")
    if t.shape[0] == 0:
        raise ValueError(f"argument '{name}': expected at least one sample, got an empty batch "
                         f"of shape {tuple(t.shape)}")
    if _is_integer(t) and kind == "sequence" and t.ndim == 2:
        kind = "tokens"
    resolved = kind or infer_kind(t)
    if _is_integer(t) and resolved != "tokens":
        hint = (" Integer images (e.g. uint8 0-255) must be converted to float and normalised "
                "the way the model was trained (e.g. x.float() / 255).") if t.ndim == 4 else ""
        guess = resolved or {4: "image", 3: "sequence"}.get(t.ndim)
        want = SHAPES[guess] if guess else "floats, or (N, T) integer token ids"
        raise TypeError(f"argument '{name}': expected {want}, got {describe(t)}.{hint}")
    if resolved is None:
        raise ValueError(f"argument '{name}': cannot tell the kind of input from shape "
                         f"{tuple(t.shape)}; expected {', '.join(SHAPES.values())}")
    ndim = {"image": 4, "tabular": 2, "sequence": 3, "tokens": 2}[resolved]
    if t.ndim != ndim or (resolved == "tokens" and not _is_integer(t)):
        raise ValueError(f"argument '{name}': kind={resolved!r} expects {SHAPES[resolved]}, got "
                         f"{describe(t)}")
    if resolved == "tokens" and not allow_tokens:
        raise TypeError(f"argument '{name}': token ids are not supported here; expected "
                        f"{SHAPES['image']}, {SHAPES['tabular']} or {SHAPES['sequence']}")
    if resolved == "tokens":
        t = check_token_ids(t.long(), embedding, name)
    else:
        check_finite_tensor(t, name)
        if model is not None:
            t = t.to(model_dtype(model))
    if model is not None:
        t = t.to(model_device(model))
    return t, resolved


def location_scores(attributions: torch.Tensor, x: torch.Tensor, kind: str) -> torch.Tensor:
    """(N, L) score per location: summed over channels (images), features (sequences) or the
    embedding axis (token attributions taken at an embedding)."""
    n = x.shape[0]
    a = attributions.detach()
    if kind == "image":
        return (a.sum(dim=1) if a.ndim == 4 else a).reshape(n, -1)
    if kind in ("sequence", "tokens"):
        return a.reshape(n, x.shape[1], -1).sum(dim=2)
    return a.reshape(n, -1)


class Masker:
    """Run the model on inputs with a keep-mask over their locations.

    Parameters
    ----------
    model : nn.Module
    kind : {"image", "tabular", "sequence", "tokens"}
    baseline : float, default=0.0
        What a removed pixel / column / step becomes (input space). For ``at="ids"`` the token
        id removed tokens become.
    embedding : nn.Embedding, optional
        Tokens with ``at="embedding"``: the layer whose output the mask scales.
    pad_id : int, optional
        Tokens: positions holding this id are padding, never locations, never changed.
    at : {"embedding", "ids"}, default="embedding"
        How token positions are removed: their embedding vectors scaled by the mask (a
        zero-embedding baseline, differentiable in the mask), or ids replaced by ``baseline``
        (hard masks only).
    """

    def __init__(self, model: nn.Module, kind: str, *, baseline: float = 0.0,
                 embedding: nn.Module | None = None, pad_id: int | None = None,
                 at: str = "embedding") -> None:
        self.model = model
        self.kind = check_option(kind, "kind", KINDS)
        self.baseline = baseline
        self.pad_id = pad_id
        self.at = check_option(at, "at", ("embedding", "ids"))
        if kind == "tokens" and at == "embedding" and embedding is None:
            raise ValueError("argument 'embedding': token masks scale an embedding's output; "
                             "name the model's nn.Embedding")
        if kind == "tokens" and at == "ids" and not float(baseline).is_integer():
            raise ValueError(f"argument 'baseline': removed token ids become the baseline token "
                             f"id (e.g. the pad id), so it must be an integer, got {baseline!r}")
        self.embedding = embedding
        self._hook_mask: torch.Tensor | None = None
        self._active = False

    # -- locations -------------------------------------------------------------------------
    def shape(self, x: torch.Tensor) -> tuple[int, ...]:
        """Shape of one mask value per location: (N, H, W), (N, F) or (N, T)."""
        return (x.shape[0], x.shape[2], x.shape[3]) if self.kind == "image" else tuple(
            x.shape[:2])

    def valid(self, x: torch.Tensor) -> torch.Tensor:
        """(N, L) bool: the locations (all but padding)."""
        if self.kind == "tokens" and self.pad_id is not None:
            return x != self.pad_id
        n = x.shape[0]
        size = x.shape[2] * x.shape[3] if self.kind == "image" else x.shape[1]
        return torch.ones(n, size, dtype=torch.bool, device=x.device)

    def check_valid(self, x: torch.Tensor, name: str = "inputs") -> torch.Tensor:
        """Every sample needs at least one location: an all-padding sequence explains nothing."""
        valid = self.valid(x)
        empty = (~valid.any(dim=1)).nonzero().flatten()
        if len(empty):
            raise ValueError(f"argument '{name}': samples {empty[:10].tolist()} hold only "
                             f"padding (pad_id={self.pad_id}); drop them or check the padding id")
        return valid

    def scores(self, attributions: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return location_scores(attributions, x, self.kind)

    # -- applying masks --------------------------------------------------------------------
    @contextlib.contextmanager
    def active(self) -> Iterator[Masker]:
        """The model preserved and, for embedding masks, the hook in place; both undone.
        :meth:`output` only runs in here."""
        if self._active:
            raise RuntimeError("Masker.active() is already open for this masker; use the one "
                               "context")
        with preserved_model(self.model):
            handle = (self.embedding.register_forward_hook(self._hook)
                      if self.kind == "tokens" and self.at == "embedding"
                      and self.embedding is not None else None)
            self._active = True
            try:
                yield self
            finally:
                self._active = False
                if handle is not None:
                    handle.remove()
                self._hook_mask = None

    def blend(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        """The masked input in input space (every kind except embedding-masked tokens)."""
        keep = keep.reshape(self.shape(x))
        if self.kind == "tokens":
            kept = keep > 0.5
            if self.pad_id is not None:
                kept = kept | (x == self.pad_id)
            return torch.where(kept, x, torch.full_like(x, int(self.baseline)))
        k = keep[:, None] if self.kind == "image" else (
            keep[..., None] if self.kind == "sequence" else keep)
        k = k.to(x.dtype)
        return k * x + (1 - k) * self.baseline

    def output(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        """The model's output on ``x`` with ``keep`` (one value per location, in [0, 1]).

        Only inside :meth:`active`: outside it a token mask's embedding hook does not exist, so
        the model would silently see the unmasked input (and a model in training mode would
        drop out at random).
        """
        if not self._active:
            raise RuntimeError("Masker.output() needs the masker's context: call it inside "
                               "`with masker.active():` (the same Masker object)")
        if self.kind != "tokens" or self.at == "ids":
            return read_output(self.model(self.blend(x, keep)))
        m = keep.reshape(self.shape(x))
        if self.pad_id is not None:
            m = torch.where(x == self.pad_id, torch.ones_like(m), m)
        self._hook_mask = m
        try:
            return read_output(self.model(x))
        finally:
            self._hook_mask = None

    def _hook(self, module: nn.Module, inputs: Any, output: torch.Tensor) -> Any:
        m = self._hook_mask
        if m is None:
            return None
        if output.shape[:2] != m.shape:
            raise ValueError(f"argument 'layer': embedding output {tuple(output.shape)} does not "
                             f"line up with the token mask {tuple(m.shape)}")
        return output * m[..., None].to(output.dtype)
