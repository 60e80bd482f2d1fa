"""Wrap a user's model in place and leave it exactly as found.

``preserved_model`` is the one place that touches the user's model: it switches to eval mode,
freezes parameters (so nothing accumulates in ``.grad`` and no parameter gradients are computed),
disables cuDNN for recurrent models (cuDNN refuses RNN backward in eval mode), and on exit, success
or error, restores every module's ``.training``, every parameter's ``requires_grad`` and ``.grad``,
and removes any hook that appeared while it was active. ``ModelProbe`` builds on it to capture
named layers' activations in batches.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from ._validation import as_tensor, check_layer_names, check_model

__all__ = ["ModelProbe", "iter_input_batches", "model_device", "preserved_model"]

# Every per-module hook dict torch keeps; hooks added while preserved are removed on exit.
_HOOK_DICTS = (
    "_forward_hooks",
    "_forward_pre_hooks",
    "_backward_hooks",
    "_backward_pre_hooks",
    "_forward_hooks_with_kwargs",
    "_forward_hooks_always_called",
    "_forward_pre_hooks_with_kwargs",
    "_state_dict_hooks",
    "_state_dict_pre_hooks",
    "_load_state_dict_pre_hooks",
    "_load_state_dict_post_hooks",
)


def model_device(model: nn.Module) -> torch.device:
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return torch.device("cpu")


def _has_rnn(model: nn.Module) -> bool:
    return any(isinstance(m, nn.RNNBase) for m in model.modules())


@contextlib.contextmanager
def preserved_model(model: nn.Module, *, freeze: bool = True) -> Iterator[nn.Module]:
    """Context manager: the model in eval mode, restored exactly on exit.

    Parameters
    ----------
    model : nn.Module
        The user's model. It is never copied.
    freeze : bool, default=True
        Set ``requires_grad=False`` on all parameters while inside (gradients w.r.t. inputs still
        work; parameter gradients are neither computed nor accumulated).
    """
    check_model(model)
    modules = list(model.modules())
    training = [m.training for m in modules]
    params = list(model.parameters())
    requires_grad = [p.requires_grad for p in params]
    grads = [p.grad for p in params]
    hooks = [{name: set(getattr(m, name, {}) or {}) for name in _HOOK_DICTS} for m in modules]
    full_backward = [getattr(m, "_is_full_backward_hook", None) for m in modules]
    try:
        model.eval()
        if freeze:
            for p in params:
                p.requires_grad_(False)
        # cuDNN's RNN kernels only support backward in training mode (captum#328, #564, #1159).
        cudnn = torch.backends.cudnn.flags(enabled=False) if _has_rnn(model) else (
            contextlib.nullcontext())
        with cudnn:
            yield model
    finally:
        for m, before in zip(modules, hooks, strict=True):
            for name, keys in before.items():
                current = getattr(m, name, None)
                if current is None:
                    continue
                for key in [k for k in current if k not in keys]:
                    del current[key]
        for m, flag, full in zip(modules, training, full_backward, strict=True):
            m.training = flag
            m._is_full_backward_hook = full
        for p, flag, grad in zip(params, requires_grad, grads, strict=True):
            p.requires_grad_(flag)
            p.grad = grad


def iter_input_batches(
    data: Any, batch_size: int, name: str = "data"
) -> Iterator[torch.Tensor]:
    """Yield input batches from a tensor, a numpy array, a DataLoader or any iterable of batches.

    Batches that are tuples/lists/dicts yield their first element / ``"x"``/``"inputs"`` entry:
    the inputs of the usual ``(x, y)`` pairs.
    """
    if isinstance(data, (torch.Tensor, np.ndarray)):
        t = as_tensor(data, name)
        if t.ndim == 0 or t.shape[0] == 0:
            raise ValueError(f"argument '{name}': expected at least one sample, got shape "
                             f"{tuple(t.shape)}")
        for start in range(0, t.shape[0], batch_size):
            yield t[start:start + batch_size]
        return
    if not isinstance(data, Iterable):
        raise TypeError(f"argument '{name}': expected a tensor, array, DataLoader or iterable of "
                        f"batches, got {type(data).__name__}")
    seen = False
    for batch in data:
        if isinstance(batch, (tuple, list)):
            batch = batch[0]
        elif isinstance(batch, dict):
            key = next((k for k in ("x", "inputs", "input") if k in batch), None)
            if key is None:
                raise ValueError(f"argument '{name}': dict batches need an 'x' or 'inputs' key, "
                                 f"got keys {sorted(batch)}")
            batch = batch[key]
        t = as_tensor(batch, name)
        if t.ndim == 0 or t.shape[0] == 0:
            continue
        seen = True
        yield t
    if not seen:
        raise ValueError(f"argument '{name}': expected at least one non-empty batch, got none")


def _to_tensor_output(layer: str, module: nn.Module, output: Any) -> torch.Tensor:
    if isinstance(output, torch.Tensor):
        return output
    # Recurrent layers return (sequence of hidden states, final state): the sequence is the
    # activation users mean.
    if isinstance(module, nn.RNNBase) and isinstance(output, tuple):
        return output[0]
    raise TypeError(
        f"argument 'layers': layer {layer!r} ({type(module).__name__}) returns "
        f"{type(output).__name__}, expected a tensor; pick a submodule that returns a tensor or "
        f"pass a reducer that maps its output to one via reduce={{{layer!r}: fn}}"
    )


class ModelProbe:
    """Capture named layers' activations of a model, in place, in batches.

    Parameters
    ----------
    model : nn.Module
        The user's model; left exactly as found (see :func:`preserved_model`).
    layers : sequence of str
        Names from ``model.named_modules()``.
    reduce : callable or dict of str to callable, optional
        Applied to each batch's activation before it is kept (e.g. global average pooling of
        conv maps), so memory grows with the reduced size, not the raw activation size.

    Examples
    --------
    >>> probe = ModelProbe(model, ["conv1", "fc1"], reduce=ModelProbe.spatial_mean)
    >>> acts = probe.collect(images, batch_size=256)     # {"conv1": (N, C), "fc1": (N, 64)}
    """

    def __init__(
        self,
        model: nn.Module,
        layers: Sequence[str],
        *,
        reduce: Callable[[torch.Tensor], torch.Tensor]
        | dict[str, Callable[[Any], torch.Tensor]]
        | None = None,
    ) -> None:
        self.model = check_model(model)
        self.layers = check_layer_names(model, layers)
        if isinstance(reduce, dict):
            unknown = set(reduce) - set(self.layers)
            if unknown:
                raise ValueError(f"argument 'reduce': keys {sorted(unknown)} are not among "
                                 f"layers {self.layers}")
        self.reduce = reduce

    @staticmethod
    def spatial_mean(a: torch.Tensor) -> torch.Tensor:
        """Global average pool over every axis after the channel axis; (N, C, ...) -> (N, C)."""
        return a.flatten(2).mean(dim=2) if a.ndim > 2 else a

    def _reducer(self, layer: str) -> Callable[[Any], torch.Tensor] | None:
        if isinstance(self.reduce, dict):
            return self.reduce.get(layer)
        return self.reduce

    def iter_batches(
        self, data: Any, *, batch_size: int = 256
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]]:
        """Yield ``(inputs, outputs, {layer: activation})`` per batch, detached, on CPU."""
        modules = dict(self.model.named_modules())
        device = model_device(self.model)
        with preserved_model(self.model):
            captured: dict[str, torch.Tensor] = {}

            def make_hook(layer: str) -> Callable[..., None]:
                reducer = self._reducer(layer)

                def hook(module: nn.Module, _inp: Any, output: Any) -> None:
                    out = reducer(output) if reducer is not None else output
                    captured[layer] = _to_tensor_output(layer, module, out).detach()

                return hook

            handles = [modules[n].register_forward_hook(make_hook(n)) for n in self.layers]
            try:
                for batch in iter_input_batches(data, batch_size):
                    captured.clear()
                    with torch.inference_mode():
                        out = self.model(batch.to(device))
                    missing = [n for n in self.layers if n not in captured]
                    if missing:
                        raise RuntimeError(f"argument 'layers': layers {missing} were not called "
                                           "by the model's forward pass")
                    acts = {n: captured[n].cpu() for n in self.layers}
                    yield batch, out.detach().cpu() if isinstance(out, torch.Tensor) else out, acts
            finally:
                for h in handles:
                    h.remove()

    def collect(
        self, data: Any, *, batch_size: int = 256, progress: bool = False, flatten: bool = True
    ) -> dict[str, np.ndarray]:
        """Activations of every layer for all of ``data``, as numpy arrays ``(N, ...)``.

        With ``flatten=True`` each activation is reshaped to ``(N, features)``.
        """
        chunks: dict[str, list[np.ndarray]] = {n: [] for n in self.layers}
        batches = self.iter_batches(data, batch_size=batch_size)
        if progress:
            from tqdm.auto import tqdm

            batches = tqdm(batches, desc="activations", unit="batch")
        for _, _, acts in batches:
            for n, a in acts.items():
                a = a.reshape(a.shape[0], -1) if flatten else a
                chunks[n].append(a.float().numpy())
        return {n: np.concatenate(c) for n, c in chunks.items()}
