"""Wrap a user's model in place and leave it exactly as found; capture its activations.

``preserved_model`` is the one place that touches the user's model: it switches to eval mode,
freezes parameters (so nothing accumulates in ``.grad`` and no parameter gradients are computed),
disables cuDNN for recurrent models (cuDNN refuses RNN backward in eval mode), re-enables
gradients even under a caller's ``torch.no_grad()`` / ``torch.inference_mode()`` (gradient
explainers need them), and on exit, success or error, restores every module's ``.training``,
every parameter's ``requires_grad`` and ``.grad``, and removes any hook that appeared while it
was active. ``ModelProbe`` builds on it: the one activation collector (preallocated buffers).
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast, overload

import numpy as np
import torch
from torch import nn

from .batching import batch_slices
from .batching import progress as progress_bar
from .validation import as_tensor, check_int, check_layer_names, check_model, describe

__all__ = [
    "ModelInputError",
    "ModelProbe",
    "StepStates",
    "find_embedding",
    "iter_input_batches",
    "model_device",
    "model_dtype",
    "preserved_model",
    "read_output",
    "resolve_layer",
    "run_model",
    "with_autograd",
]

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


def model_dtype(model: nn.Module) -> torch.dtype:
    """The floating dtype the model computes in (its first floating parameter or buffer)."""
    for tensor in (*model.parameters(), *model.buffers()):
        if tensor.is_floating_point():
            return tensor.dtype
    return torch.float32


def with_autograd(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator for public entry points: run outside any caller's ``torch.inference_mode()``
    / ``torch.no_grad()``, so tensors made inside can take part in autograd (gradient
    explainers, mask training)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with torch.inference_mode(False), torch.enable_grad():
            return fn(*args, **kwargs)

    return wrapper


class ModelInputError(ValueError):
    """:func:`run_model`'s error: the model raised on a kind of input it had not run on (the
    model's own exception is its ``__cause__``, for callers that know the inputs are not to
    blame)."""


# Per model, the kinds of inputs (shape after the batch axis, dtype) it has already run on.
# A failure on a kind of input that ran before is the model's own (its code, its state, these
# values), not a bad argument: it reaches the caller as the model raised it.
_RAN_ON: weakref.WeakKeyDictionary[nn.Module, set[tuple[Any, ...]]] = (
    weakref.WeakKeyDictionary())


def _input_kind(x: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    def kind(v: Any) -> Any:
        if isinstance(v, torch.Tensor):
            return (tuple(v.shape[1:]), v.dtype, v.device.type)
        return type(v).__name__

    return (kind(x), *(kind(a) for a in args))


def read_output(out: Any, name: str = "model") -> torch.Tensor:
    """The tensor the package reads from what a model's forward returned: the one rule.

    * a tensor: as is;
    * an object with a tensor ``.logits`` (a Hugging Face ``ModelOutput``): ``.logits``;
    * a dict (any ``Mapping``): its ``"logits"`` entry; without one it is refused, naming the
      keys (which entry is the prediction is not guessed);
    * a tuple or list: its first element, when that is a tensor. Hugging Face models called
      with ``return_dict=False`` and torch's recurrent modules (``(output, state)``) put the
      main output first. A ``PackedSequence`` is refused (its first field is the packed data,
      not one row per sample);
    * anything else: refused, naming what was returned.

    Every place the package runs the user's model reads its output through this rule:
    :func:`run_model`, the module Captum explains
    (:meth:`~xaiwidgets._core.task.Task.for_attribution`), masked forward passes and MEME's
    read-out heads; also ``docs/contracts.md``, "What the model returns".
    """
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, nn.utils.rnn.PackedSequence):
        raise TypeError(f"argument '{name}': the model returned a PackedSequence; expected a "
                        "tensor with one row per sample (unpack it with "
                        "nn.utils.rnn.pad_packed_sequence in forward)")
    logits = getattr(out, "logits", None)
    if isinstance(logits, torch.Tensor):
        return logits
    if isinstance(out, Mapping):
        if isinstance(out.get("logits"), torch.Tensor):
            return out["logits"]
        raise ValueError(f"argument '{name}': the model returned a {type(out).__name__} with "
                         f"keys {sorted(map(str, out))}; expected a tensor under the key "
                         "'logits' (or make forward return the output tensor)")
    if isinstance(out, (tuple, list)):
        if out and isinstance(out[0], torch.Tensor):
            return out[0]
        first = describe(out[0]) if out else "nothing"
        raise TypeError(f"argument '{name}': the model returned a {type(out).__name__} whose "
                        f"first element is {first}; expected a tensor first (the main output, "
                        "as in Hugging Face's return_dict=False and torch's RNNs)")
    raise TypeError(f"argument '{name}': expected the model to return a tensor, an object "
                    "with a tensor .logits, a dict with a 'logits' tensor or a tuple whose "
                    f"first element is a tensor, got {describe(out)}")


def run_model(model: nn.Module, x: Any, name: str = "inputs", *args: Any,
              read: bool = True) -> Any:
    """``model(x, *args)`` read by :func:`read_output`, telling bad inputs from the model's own
    failures.

    When the model raises on a kind of input (shape after the batch axis, dtype) it has not
    run on before, the inputs are the likely cause: a :class:`ModelInputError` (a
    ``ValueError``) naming the argument and the inputs' shape, torch's message kept and the
    model's exception chained. When it raises
    on a kind of input it already ran on (earlier in this call, or in an earlier one), the
    exception is the model's own and is re-raised unchanged; so is any exception other than
    ``RuntimeError`` / ``ValueError`` / ``TypeError`` / ``IndexError``. ``read=False``: what
    the model returned, unread (:class:`ModelProbe` wants activations, not outputs).
    """
    kind = _input_kind(x, args)
    try:
        out = model(x, *args)
    except (RuntimeError, ValueError, TypeError, IndexError) as err:
        if str(err).startswith("argument '"):  # already ours (e.g. from a probe's hook)
            raise
        if kind in _RAN_ON.get(model, ()):
            raise  # these inputs ran before: the model's own failure, as it raised it
        raise ModelInputError(f"argument '{name}': the model could not run on {describe(x)} "
                              f"({type(err).__name__}: {err})") from err
    _RAN_ON.setdefault(model, set()).add(kind)
    return read_output(out) if read else out


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
        # Gradient explainers need autograd even when the caller runs under no_grad or
        # inference_mode; code that only predicts opens its own inference_mode inside.
        with torch.inference_mode(False), torch.enable_grad():
            model.eval()
            if freeze:
                for p in params:
                    p.requires_grad_(False)
            # cuDNN's RNN kernels only support backward in training mode (captum#328, #564).
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


_M = TypeVar("_M", bound=nn.Module)


@overload
def resolve_layer(
    model: nn.Module, layer: Any, name: str = ..., *, expect: None = ..., what: str = ...,
) -> tuple[str, nn.Module]: ...
@overload
def resolve_layer(
    model: nn.Module, layer: Any, name: str = ..., *, expect: type[_M], what: str = ...,
) -> tuple[str, _M]: ...
def resolve_layer(
    model: nn.Module, layer: Any, name: str = "layer", *, expect: type[nn.Module] | None = None,
    what: str = "",
) -> tuple[str, nn.Module]:
    """The one layer resolver: a name from ``model.named_modules()`` or a submodule itself ->
    ``(name, module)``; ``expect`` checks the module's type (and, for type checkers, narrows
    the returned module to it)."""
    named = dict(model.named_modules())
    if isinstance(layer, nn.Module):
        names = [n for n, m in named.items() if m is layer and n]
        if not names:
            raise ValueError(f"argument '{name}': the {type(layer).__name__} given is not a "
                             f"submodule of the model")
        resolved, module = names[0], layer
    elif isinstance(layer, str):
        resolved = check_layer_names(model, [layer], name=name)[0]
        module = named[resolved]
    else:
        raise TypeError(f"argument '{name}': expected a layer name or a submodule of the model, "
                        f"got {describe(layer)}")
    if expect is not None and not isinstance(module, expect):
        raise ValueError(f"argument '{name}': {what or 'this argument'} needs an "
                         f"{expect.__module__.split('.')[0]}.{expect.__name__} layer; "
                         f"{resolved!r} is a {type(module).__name__}")
    return resolved, module


def find_embedding(model: nn.Module, layer: Any = None, name: str = "layer"
                   ) -> tuple[str, nn.Embedding]:
    """The token embedding: ``layer`` (name or module) or the model's only ``nn.Embedding``."""
    if layer is not None:
        resolved, module = resolve_layer(model, layer, name, expect=nn.Embedding,
                                         what="token-id inputs are explained at a token "
                                              "embedding, so it")
        return resolved, module
    found = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Embedding)]
    if not found:
        raise ValueError(
            "argument 'model': token-id inputs are explained in the model's embedding space, "
            f"but {type(model).__name__} has no nn.Embedding layer; pass float inputs or name "
            f"the embedding with {name}=...")
    if len(found) > 1:
        raise ValueError(
            f"argument '{name}': the model has {len(found)} nn.Embedding layers "
            f"{[n for n, _ in found]}; pass {name}=<name> to pick the token embedding")
    return found[0]


def iter_input_batches(
    data: Any, batch_size: int, name: str = "data"
) -> Iterator[torch.Tensor]:
    """Yield input batches from a tensor, a numpy array, a DataFrame, a lazily indexed array
    (``shape``, ``dtype`` and slicing: zarr, dask), a map-style dataset (a torch ``Dataset``,
    a bundled xaiwidgets dataset: ``len`` and integer indexing), a DataLoader or any iterable
    of batches.

    Samples and batches that are tuples/lists/dicts yield their first element /
    ``"x"``/``"inputs"`` entry: the inputs of the usual ``(x, y)`` pairs. A plain list of
    tensors is refused: it could be a list of samples or a list of batches, and guessing wrong
    is silent.
    """
    check_int(batch_size, "batch_size", low=1)
    data = _samples_of(data, name)
    if isinstance(data, (torch.Tensor, np.ndarray)) or hasattr(data, "to_numpy"):
        t = as_tensor(data, name)
        if t.ndim == 0 or t.shape[0] == 0:
            raise ValueError(f"argument '{name}': expected at least one sample, got shape "
                             f"{tuple(t.shape)}")
        for s in batch_slices(t.shape[0], batch_size):
            yield t[s]
        return
    if isinstance(data, (list, tuple)) and data and all(
            isinstance(v, (torch.Tensor, np.ndarray)) for v in data):
        raise TypeError(
            f"argument '{name}': got a {type(data).__name__} of {len(data)} tensors, which could "
            "be samples or batches; pass torch.stack(samples) for samples, or a DataLoader for "
            "batches")
    lazy_array = _is_lazy_array(data)
    if lazy_array or _is_map_style(data):
        n = int(data.shape[0]) if lazy_array else len(data)
        if n == 0:
            raise ValueError(f"argument '{name}': expected at least one sample, got an empty "
                             f"{type(data).__name__}")
        for s in batch_slices(n, batch_size):
            if lazy_array:  # read a whole batch of rows at once
                yield as_tensor(np.asarray(data[s]), name)
            else:
                yield torch.stack([as_tensor(_inputs(data[i], name), name)
                                   for i in range(s.start, s.stop)])
        return
    if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
        raise TypeError(f"argument '{name}': expected a tensor, array, dataset, DataLoader or "
                        f"iterable of batches, got {describe(data)}")
    seen = False
    for batch in data:
        t = as_tensor(_inputs(batch, name), name)
        if t.ndim == 0 or t.shape[0] == 0:
            continue
        seen = True
        yield t
    if not seen:
        raise ValueError(f"argument '{name}': expected at least one non-empty batch, got none")


def _inputs(item: Any, name: str) -> Any:
    """The inputs of a sample or a batch: the first of a tuple/list, a dict's "x"/"inputs"."""
    if isinstance(item, (tuple, list)):
        return item[0]
    if isinstance(item, dict):
        key = next((k for k in ("x", "inputs", "input") if k in item), None)
        if key is None:
            raise ValueError(f"argument '{name}': dict batches need an 'x' or 'inputs' key, "
                             f"got keys {sorted(item)}")
        return item[key]
    return item


def _is_lazy_array(data: Any) -> bool:
    """An array read by slicing (zarr, dask, h5py, a generated dataset's ``X``): ``shape``,
    ``dtype`` and indexing. (Iterating a dask array would go sample by sample.)"""
    return (hasattr(data, "shape") and hasattr(data, "dtype") and hasattr(data, "__getitem__")
            and len(getattr(data, "shape", ())) >= 1)


def _is_map_style(data: Any) -> bool:
    """``len`` and integer indexing without ``__iter__``: a torch map-style ``Dataset``, a
    bundled dataset, a lazily indexed array. (Iterating one would go sample by sample, each
    sample then read as a batch.)"""
    cls = type(data)
    return (hasattr(cls, "__getitem__") and hasattr(cls, "__len__")
            and not hasattr(cls, "__iter__"))


def _samples_of(data: Any, name: str) -> Any:
    """A bundled dataset's ``X`` (the vocabulary of ``xaiwidgets.datasets``); anything else
    as given."""
    cls = type(data)
    if not (hasattr(cls, "X") and hasattr(cls, "y_true") and hasattr(cls, "__len__")):
        return data
    x = data.X
    if isinstance(x, (list, tuple)) and x and isinstance(x[0], str):
        raise TypeError(f"argument '{name}': this {cls.__name__} holds strings, not model "
                        "inputs; turn them into token ids first (its encode(vocabulary, "
                        "max_len))")
    return x

def _to_tensor_output(layer: str, module: nn.Module, output: Any) -> torch.Tensor:
    if isinstance(output, torch.Tensor):
        return output
    # Recurrent layers return (sequence of hidden states, final state): the sequence is the
    # activation users mean.
    if isinstance(module, nn.RNNBase) and isinstance(output, tuple):
        out = output[0]
        if isinstance(out, nn.utils.rnn.PackedSequence):
            out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
        elif not module.batch_first and out.ndim == 3:
            out = out.transpose(0, 1)  # (T, N, H) -> (N, T, H): rows are always samples
        return out
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
        layers: Sequence[str] | str,
        *,
        reduce: Callable[[Any], torch.Tensor]
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
        elif reduce is not None and not callable(reduce):
            raise TypeError(f"argument 'reduce': expected a function or a dict of functions, got "
                            f"{describe(reduce)}")
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
        self, data: Any, *, batch_size: int = 256, forward: Callable[..., Any] | None = None,
        name: str = "data", lengths: torch.Tensor | None = None,
    ) -> Iterator[tuple[torch.Tensor, Any, dict[str, torch.Tensor]]]:
        """Yield ``(inputs, outputs, {layer: activation})`` per batch, detached, on CPU.

        ``outputs`` is the model's output read by :func:`read_output`, or as returned when that
        rule cannot read it (activations do not need it).
        ``forward(model, batch)`` replaces ``model(batch)``. With ``lengths`` (one per sample of
        a tensor ``data``, sliced along with it) the call is ``forward(model, batch, lengths)``.
        Recurrent layers' activations are batch-first ``(N, T, H)`` whatever the layer's
        ``batch_first`` (and unpacked from a ``PackedSequence``).
        """
        modules = dict(self.model.named_modules())
        device, dtype = model_device(self.model), model_dtype(self.model)
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
                done = 0  # samples before this batch
                for batch in iter_input_batches(data, batch_size, name):
                    captured.clear()
                    with torch.inference_mode():
                        b = batch.to(device=device, dtype=dtype if batch.is_floating_point()
                                     else batch.dtype)
                        if lengths is not None:
                            lb = lengths[done:done + len(b)]
                            out = (forward(self.model, b, lb) if forward is not None
                                   else run_model(self.model, b, name, lb, read=False))
                        else:
                            out = (forward(self.model, b) if forward is not None
                                   else run_model(self.model, b, name, read=False))
                        with contextlib.suppress(TypeError, ValueError):
                            # activations need no readable output: an unreadable one is
                            # yielded as returned, and refused by whoever reads it
                            out = read_output(out)
                    missing = [n for n in self.layers if n not in captured]
                    if missing:
                        raise RuntimeError(f"argument 'layers': layers {missing} were not called "
                                           "by the model's forward pass")
                    acts = {n: captured[n].cpu() for n in self.layers}
                    done += len(batch)
                    yield batch, out.detach().cpu() if isinstance(out, torch.Tensor) else out, acts
            finally:
                for h in handles:
                    h.remove()

    def gather(
        self, data: Any, *, rows: np.ndarray | None = None, limit: int | None = None,
        batch_size: int = 256, progress: bool = False, flatten: bool = True,
        desc: str = "activations", name: str = "data",
    ) -> tuple[dict[str, np.ndarray], int]:
        """Activations of the samples ``rows`` (sorted indices; None = all) of ``data`` and the
        number of samples seen.

        Rows go into buffers allocated once (float32): many small long-lived arrays interleaved
        with each batch's large transient ones fragment the C heap, and RSS then grows with N.
        Arrays are indexed before the forward pass; other iterables are streamed, keeping only
        the wanted rows of each batch. ``limit``: stop after this many rows of a stream.
        """
        check_int(batch_size, "batch_size", low=1)  # before it sizes the bar
        if rows is not None:
            rows = np.asarray(rows, dtype=np.int64)
        data = _samples_of(data, name)
        if isinstance(data, (torch.Tensor, np.ndarray)) or hasattr(data, "to_numpy"):
            data = as_tensor(data, name)
            total_n = len(data)
            if rows is not None:
                data = data[torch.from_numpy(rows)]
            rows, limit = None, len(data)
        else:
            total_n = None
        capacity = len(rows) if rows is not None else limit
        out: dict[str, np.ndarray] = {}
        stream = cast(Generator, self.iter_batches(data, batch_size=batch_size, name=name))
        total = -(-capacity // batch_size) if capacity and rows is None else None
        counts = [0, 0]  # rows kept, samples seen
        try:
            with progress_bar(stream, enabled=progress, desc=desc, unit="batch",
                              total=total) as batches:
                self._fill(batches, out, rows, limit, capacity, flatten, counts)
        finally:
            stream.close()  # hooks off and the model restored now, not when garbage-collected
        filled, seen = counts
        result = {n: out[n][:filled] if n in out else np.zeros((0, 0), np.float32)
                  for n in self.layers}
        return result, (seen if total_n is None else total_n)

    def _fill(self, batches: Iterable[Any], out: dict[str, np.ndarray], rows: np.ndarray | None,
              limit: int | None, capacity: int | None, flatten: bool, counts: list[int]) -> None:
        filled = seen = 0
        for batch, _, acts in batches:
            b = len(batch)
            if rows is None:
                take: Any = slice(0, b if limit is None else min(b, limit - filled))
                k = b if limit is None else min(b, limit - filled)
            else:
                lo, hi = np.searchsorted(rows, [seen, seen + b])
                take = torch.from_numpy(rows[lo:hi] - seen)
                k = int(hi - lo)
            seen += b
            if k > 0:
                for layer in self.layers:
                    a = acts[layer][take]
                    a = a.reshape(a.shape[0], -1) if flatten else a
                    if layer not in out:
                        out[layer] = np.empty((capacity or max(k, 1024), *a.shape[1:]),
                                              dtype=np.float32)
                    buf = out[layer]
                    if filled + k > len(buf):  # unknown length: grow geometrically
                        grown = np.empty((max(filled + k, 2 * len(buf)), *buf.shape[1:]),
                                         dtype=np.float32)
                        grown[:filled] = buf[:filled]
                        out[layer] = buf = grown
                    buf[filled:filled + k] = a.float().numpy()
                filled += k
            counts[:] = [filled, seen]
            if limit is not None and filled >= limit and rows is None:
                break

    def collect(
        self, data: Any, *, batch_size: int = 256, progress: bool = False, flatten: bool = True
    ) -> dict[str, np.ndarray]:
        """Activations of every layer for all of ``data``, as float32 numpy arrays ``(N, ...)``.

        With ``flatten=True`` each activation is reshaped to ``(N, features)``.
        """
        acts, _ = self.gather(data, batch_size=batch_size, progress=progress, flatten=flatten)
        return acts

    def step_states(
        self, data: Any, lengths: Any = None, *, batch_size: int = 256,
        forward: Callable[..., Any] | None = None, progress: bool = False,
        desc: str = "hidden states", name: str = "sequences",
    ) -> StepStates:
        """Per-step hidden states of recurrent layers for padded sequences ``(N, T, F)``.

        Only the first ``lengths[i]`` steps of sequence i are kept: padding never becomes a
        state. States go into float32 buffers of ``(sum(lengths), H)`` rows allocated once,
        sequence after sequence, step after step (``offsets`` says where each one starts).
        Each layer must return ``(N, T', H)`` with ``T' >= max(lengths)`` of the batch (recurrent
        layers do, also when the model packs its input: see :meth:`iter_batches`).

        Parameters
        ----------
        data : tensor or array of shape (N, T, F), or a list of (T_i, F)
            Padded sequences (with zeros, anything, or NaN beyond the lengths), or a ragged
            list (:func:`~xaiwidgets._core.sequences.padded_sequences`).
        lengths : array-like of shape (N,), optional
            Valid steps per sequence (default: a ragged list's own, the steps before trailing
            all-NaN ones, or all T). Sliced along with the batches and given to
            ``forward(model, batch, lengths)``.
        forward : callable, optional
            ``forward(model, batch)`` (or with lengths, see above) instead of ``model(batch)``.

        Returns
        -------
        StepStates
        """
        from .sequences import padded_sequences

        check_int(batch_size, "batch_size", low=1)  # before it sizes the bar
        data = _samples_of(data, name)
        data, lengths = padded_sequences(data, lengths, name)
        x = as_tensor(data, name)
        n, t_max = int(x.shape[0]), int(x.shape[1]) if x.ndim >= 2 else 0
        lens = (torch.full((n,), t_max, dtype=torch.long) if lengths is None
                else torch.as_tensor(lengths, dtype=torch.long).reshape(-1))
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lens.numpy(), out=offsets[1:])
        states: dict[str, np.ndarray] = {}
        outputs: np.ndarray | None = None
        stream = cast(Generator, self.iter_batches(
            x, batch_size=batch_size, forward=forward, name=name,
            lengths=lens if lengths is not None else None))
        row = start = 0  # state rows filled, sequences done
        try:
            for batch, out, acts in progress_bar(stream, enabled=progress, desc=desc,
                                                 unit="batch", total=-(-n // batch_size)):
                b = len(batch)
                lb = lens[start:start + b]
                valid = torch.arange(int(lb.max()))[None, :] < lb[:, None]  # (b, T_batch)
                for layer in self.layers:
                    a = acts[layer]
                    if a.ndim != 3 or a.shape[0] != b or a.shape[1] < valid.shape[1]:
                        raise ValueError(
                            f"argument 'layer': expected {layer!r} to return hidden states "
                            f"(N, T, H) = ({b}, >= {valid.shape[1]}, H) for this batch, got "
                            f"shape {tuple(a.shape)}")
                    flat = a[:, :valid.shape[1]][valid]
                    if layer not in states:
                        states[layer] = np.empty((int(offsets[-1]), a.shape[2]), np.float32)
                    states[layer][row:row + len(flat)] = flat.float().numpy()
                if isinstance(out, torch.Tensor) and out.shape[:1] == (b,):
                    o = out.float()
                    if outputs is None:
                        shape = (n, t_max, *o.shape[2:]) if o.ndim >= 3 else (n, *o.shape[1:])
                        outputs = np.zeros(shape, dtype=np.float32)
                    if o.ndim >= 3:
                        keep = min(o.shape[1], t_max)
                        outputs[start:start + b, :keep] = o[:, :keep].numpy()
                    elif outputs.ndim == o.ndim:
                        outputs[start:start + b] = o.numpy()
                row += int(valid.sum())
                start += b
        finally:
            stream.close()
        return StepStates(states=states, lengths=lens.numpy().astype(np.int64),
                          offsets=offsets, outputs=outputs)


@dataclass
class StepStates:
    """What :meth:`ModelProbe.step_states` captured.

    Attributes
    ----------
    states : dict of str to ndarray of shape (S, H), float32
        Hidden states of the valid steps (S = ``lengths.sum()``), sequence by sequence.
    lengths : ndarray of shape (N,)
    offsets : ndarray of shape (N + 1,)
        Sequence i's states are rows ``offsets[i]:offsets[i + 1]``.
    outputs : ndarray or None
        The model's outputs, float32: ``(N, C)``, or ``(N, T, C)`` for per-step outputs (zero
        beyond each length), as :func:`read_output` reads them; None when that rule cannot
        read them.
    """

    states: dict[str, np.ndarray]
    lengths: np.ndarray
    offsets: np.ndarray
    outputs: np.ndarray | None
