"""Hidden states of one recurrent layer at every valid time step, and the RNN's label per step.

The recurrent layer is found (or checked), the model is run through the probe in place, and
padding never becomes a state. Models whose ``forward`` accepts ``(x, lengths)`` get the lengths
(and may pack inside); models taking ``(x)`` get the padded batch.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .._core.batching import batch_slices
from .._core.modality import check_inputs
from .._core.probe import (
    ModelProbe,
    model_device,
    model_dtype,
    preserved_model,
    read_output,
    resolve_layer,
)
from .._core.sequences import padded_sequences
from .._core.task import Task, infer_task
from .._core.validation import describe

__all__ = ["Capture", "capture_states", "check_sequences", "find_recurrent_layer"]


class BidirectionalWarning(UserWarning):
    """The recurrent layer is bidirectional: its state at step t has seen the future."""


def find_recurrent_layer(model: nn.Module, layer: Any = None) -> tuple[str, nn.Module]:
    """``layer`` (a name or submodule), or the model's last ``nn.RNN`` / ``nn.LSTM`` /
    ``nn.GRU`` (the top of a stack); warns when it is bidirectional."""
    module: nn.Module
    if layer is None:
        found = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.RNNBase) and n]
        if not found:
            if isinstance(model, nn.RNNBase):
                raise ValueError("argument 'model': MEME explains a model that contains a "
                                 "recurrent layer; wrap the bare nn.RNNBase in a module with "
                                 "a read-out head")
            raise ValueError(f"argument 'model': {type(model).__name__} has no recurrent layer "
                             "(nn.RNN, nn.LSTM or nn.GRU); pass layer=<name> of a submodule "
                             "returning (N, T, H) hidden states")
        name, module = found[-1]
    else:
        name, module = resolve_layer(model, layer)
    if getattr(module, "bidirectional", False):
        warnings.warn(f"layer {name!r} is bidirectional: its state at step t has seen the "
                      "steps after t, so concept transitions are not causal",
                      BidirectionalWarning, stacklevel=3)
    return name, module


def check_sequences(sequences: Any, lengths: Any, model: nn.Module, name: str = "sequences"
                    ) -> tuple[torch.Tensor, np.ndarray | None]:
    """``(N, T, F)`` float sequences and their lengths, from a padded batch (zeros or NaN
    beyond the lengths), a ragged list of ``(T_i, F)`` or a PackedSequence
    (:func:`~xaiwidgets._core.sequences.padded_sequences`)."""
    sequences, lens = padded_sequences(sequences, lengths, name)
    x, _ = check_inputs(sequences, name, kind="sequence", model=model, allow_tokens=False)
    if int(x.shape[1]) == 0:
        raise ValueError(f"argument '{name}': expected at least one time step, got shape "
                         f"{tuple(x.shape)}")
    return x, lens


def _takes_lengths(model: nn.Module) -> bool:
    """Can ``model.forward`` be called as ``forward(x, lengths)``?"""
    try:
        inspect.signature(model.forward).bind(None, None)
        return True
    except (TypeError, ValueError):
        return False


def make_forward(model: nn.Module) -> Callable[..., Any]:
    """``forward(model, batch, lengths)``: passes the lengths (on the CPU, as
    ``pack_padded_sequence`` wants them) when the model's forward takes them."""
    takes = _takes_lengths(model)

    def forward(m: nn.Module, batch: torch.Tensor, lengths: torch.Tensor | None = None) -> Any:
        from .._core.probe import run_model

        if lengths is not None and takes:
            return run_model(m, batch, "sequences", lengths.cpu())
        return run_model(m, batch, "sequences")

    return forward


@dataclass
class Capture:
    """Hidden states and the RNN's labels of a set of sequences.

    Attributes
    ----------
    states : ndarray of shape (S, H), float32
        One row per valid step, sequence after sequence.
    lengths, offsets : ndarray
        ``offsets[i]:offsets[i + 1]`` are sequence i's rows.
    step_labels : ndarray of shape (S,), int64
        The RNN's class per step (per-step outputs; the read-out of each state; or the final
        prediction broadcast).
    final : ndarray of shape (N,), int64
        The RNN's class at each sequence's last step (its prediction, for sequence-level
        models).
    per_step : bool
        The model returns one output per step ``(N, T, C)``.
    scores : ndarray of shape (S, C), float32
        Class probabilities per step (softmax, or sigmoid for one logit).
    """

    states: np.ndarray
    lengths: np.ndarray
    offsets: np.ndarray
    step_labels: np.ndarray
    final: np.ndarray
    per_step: bool
    scores: np.ndarray


def _probabilities(task: Task, out: torch.Tensor) -> torch.Tensor:
    if task.kind == "binary":
        p = torch.sigmoid(out[:, :1])
        return torch.cat([1 - p, p], dim=1)
    return torch.softmax(out, dim=1)


def resolve_task(task: str, outputs: np.ndarray) -> tuple[Task, bool]:
    """Task of the outputs ``(N, C)`` or per step ``(N, T, C)``; MEME needs a classifier."""
    if outputs.ndim not in (2, 3):
        raise ValueError(f"argument 'model': expected outputs of shape (N, C) or per step "
                         f"(N, T, C), got shape {outputs.shape}")
    t = infer_task(task, int(outputs.shape[-1]))
    if not t.is_classifier:
        raise ValueError("argument 'task': MEME names concepts after classes, so it explains "
                         "classifiers; got task='regression'")
    return t, outputs.ndim == 3


def capture_states(
    model: nn.Module, layer: str, x: torch.Tensor, lengths: np.ndarray | None, *,
    task: str = "auto", readout: Any = None, batch_size: int = 256, progress: bool = False,
) -> tuple[Capture, Task]:
    """Run the model once over ``x`` (in place, through the probe) and label every step."""
    probe = ModelProbe(model, [layer])
    got = probe.step_states(x, lengths, batch_size=batch_size, forward=make_forward(model),
                            progress=progress, desc="MEME: hidden states")
    if got.outputs is None:
        raise TypeError("argument 'model': expected the model to return one tensor of shape "
                        "(N, C) or (N, T, C)")
    if not np.isfinite(got.outputs).all():
        raise ValueError("argument 'model': the model returned NaN or Inf for these sequences")
    t, per_step = resolve_task(task, got.outputs)
    states = got.states[layer]
    lens, offsets = got.lengths, got.offsets
    n = len(lens)
    seq_of = np.repeat(np.arange(n), lens)
    step_of = np.arange(len(states)) - offsets[seq_of]
    if per_step:
        flat = torch.from_numpy(got.outputs[seq_of, step_of])
        scores = _probabilities(t, flat)
        labels = t.predict(flat).numpy()
        final = labels[offsets[1:] - 1]
    else:
        out = torch.from_numpy(got.outputs)
        final = t.predict(out).numpy()
        if readout is not None:
            scores, labels = _readout(model, readout, states, t)
        else:
            scores = _probabilities(t, out)[seq_of]
            labels = final[seq_of]
    return Capture(states=states, lengths=lens, offsets=offsets,
                   step_labels=labels.astype(np.int64), final=final.astype(np.int64),
                   per_step=per_step, scores=scores.numpy().astype(np.float32)), t


def _readout(model: nn.Module, readout: Any, states: np.ndarray, task: Task
             ) -> tuple[torch.Tensor, np.ndarray]:
    """The read-out head applied to every step's state: (S, C) probabilities and labels."""
    if not callable(readout):
        raise TypeError(f"argument 'readout': expected the module (or function) that maps a "
                        f"hidden state (N, H) to the model's outputs (N, C), got "
                        f"{describe(readout)}")
    h = torch.from_numpy(states).to(device=model_device(model), dtype=model_dtype(model))
    outs = []
    with preserved_model(model), torch.inference_mode():
        for s in batch_slices(len(h), 65536):  # a head is cheap: large batches
            o = read_output(readout(h[s]), "readout")
            if not isinstance(o, torch.Tensor) or o.ndim != 2 or o.shape[1] != task.n_outputs:
                raise ValueError(f"argument 'readout': expected (N, {task.n_outputs}) outputs "
                                 f"for (N, {h.shape[1]}) states, got {describe(o)}")
            outs.append(o.float().cpu())
    out = torch.cat(outs)
    return _probabilities(task, out), task.predict(out).numpy()
