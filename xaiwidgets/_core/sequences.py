"""Unequal-length sequences in the three forms users have them, as one padded batch.

* a padded ``(N, T, F)`` batch with ``lengths`` (padding beyond them is never read);
* the same batch padded with NaN beyond each sequence's end (how sktime and pandas pad
  unequal series): the lengths are where the trailing all-NaN steps begin;
* a ragged list of ``(T_i, F)`` sequences (or a ``PackedSequence``).

:func:`padded_sequences` turns each into zero-padded ``(N, T, F)`` and lengths, so every
sequence entry point (MEME, the probe, attribution comparisons) accepts all of them and gives the
answer it gives for zero padding with lengths. NaN *within* a sequence's length stays an error.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from .validation import as_tensor, describe

__all__ = ["check_lengths", "is_ragged", "padded_sequences"]


def is_ragged(sequences: Any) -> bool:
    """A list or tuple of 2-D ``(T_i, F)`` arrays or tensors (lengths may differ)."""
    return (isinstance(sequences, (list, tuple)) and len(sequences) > 0
            and all(isinstance(s, (torch.Tensor, np.ndarray)) and s.ndim == 2
                    for s in sequences))


def check_lengths(lengths: Any, n: int, t: int, name: str = "sequences",
                  lengths_name: str = "lengths") -> np.ndarray:
    """One integer length per sequence, each in ``[1, t]``, as int64."""
    if isinstance(lengths, torch.Tensor):
        lengths = lengths.detach().cpu().numpy()
    arr = np.asarray(lengths)
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu" or arr.ndim != 1:
        raise TypeError(f"argument '{lengths_name}': expected one integer length per sequence, "
                        f"got {describe(arr)}")
    if len(arr) != n:
        raise ValueError(f"argument '{lengths_name}': expected one length per sequence ({n}), "
                         f"got {len(arr)}")
    bad = np.flatnonzero((arr < 1) | (arr > t))
    if len(bad):
        raise ValueError(f"argument '{lengths_name}': expected lengths in [1, {t}] (T of "
                         f"'{name}'), got {int(arr[bad[0]])} for sequence {int(bad[0])}")
    return arr.astype(np.int64)


def _stack_ragged(seqs: list[Any] | tuple[Any, ...], name: str
                  ) -> tuple[torch.Tensor, np.ndarray]:
    items = [as_tensor(s, name) for s in seqs]
    widths = sorted({int(s.shape[1]) for s in items})
    if len(widths) != 1:
        raise ValueError(f"argument '{name}': expected sequences (T_i, F) with one number of "
                         f"features F, got F in {widths[:4]}")
    lens = np.array([int(s.shape[0]) for s in items], dtype=np.int64)
    if lens.min() < 1:
        raise ValueError(f"argument '{name}': expected at least one step per sequence, got an "
                         f"empty sequence at index {int(np.argmin(lens))}")
    dtype = torch.promote_types(items[0].dtype, torch.float32) if items[0].is_floating_point() \
        else items[0].dtype
    out = torch.zeros((len(items), int(lens.max()), widths[0]), dtype=dtype,
                      device=items[0].device)
    for i, s in enumerate(items):
        out[i, :len(s)] = s.to(device=out.device, dtype=dtype)
    return out, lens


def padded_sequences(sequences: Any, lengths: Any = None, name: str = "sequences",
                     lengths_name: str = "lengths") -> tuple[Any, np.ndarray | None]:
    """``(padded, lengths)``: zero-padded ``(N, T, F)`` sequences and their lengths.

    Parameters
    ----------
    sequences : tensor, array, list of (T_i, F) or PackedSequence
        A padded batch (NaN padding beyond the lengths allowed), a ragged list, or packed.
    lengths : array-like of shape (N,), optional
        Valid steps per sequence. Default: a ragged list's own lengths, the steps before the
        trailing all-NaN ones, or all T (then ``None`` is returned).

    Returns
    -------
    padded : the input unchanged when it holds no NaN and is not ragged or packed, else a
        tensor (a list or PackedSequence) or the same kind of array with zeros beyond the
        lengths.
    lengths : ndarray of shape (N,), int64, or None (every sequence is T steps long).

    Raises
    ------
    ValueError
        NaN within a sequence's length (naming ``name``, the sequence and the step), lengths
        out of range, or a ragged list whose items disagree on F.
    """
    if isinstance(sequences, nn.utils.rnn.PackedSequence):
        if lengths is not None:
            raise ValueError(f"argument '{lengths_name}': a PackedSequence carries its lengths; "
                             f"got {lengths_name}={describe(lengths)} as well")
        padded, packed_lens = nn.utils.rnn.pad_packed_sequence(sequences, batch_first=True)
        return padded, packed_lens.numpy().astype(np.int64)
    own: np.ndarray | None = None
    if is_ragged(sequences):
        sequences, own = _stack_ragged(sequences, name)
    is_array = isinstance(sequences, (torch.Tensor, np.ndarray))
    if not is_array or sequences.ndim != 3:
        if lengths is None and own is None:
            return sequences, None
        x = as_tensor(sequences, name)
        if x.ndim < 2:
            raise ValueError(f"argument '{name}': expected (N, T, F) sequences, got "
                             f"{describe(x)}")
        sequences, is_array = x, True
    n, t = int(sequences.shape[0]), int(sequences.shape[1])
    floating = (sequences.is_floating_point() if isinstance(sequences, torch.Tensor)
                else sequences.dtype.kind == "f")
    nan = None
    if floating and n and t:
        isnan = (torch.isnan(sequences) if isinstance(sequences, torch.Tensor)
                 else torch.from_numpy(np.isnan(sequences)))
        isnan = isnan.reshape(n, t, -1).cpu()
        if bool(isnan.any()):
            nan = isnan
    if lengths is not None:
        lens = check_lengths(lengths, n, t, name, lengths_name)
        if own is not None and np.any(lens > own):
            i = int(np.flatnonzero(lens > own)[0])
            raise ValueError(f"argument '{lengths_name}': sequence {i} has {int(own[i])} steps, "
                             f"got length {int(lens[i])}")
    elif own is not None:
        lens = own
    elif nan is not None:
        real = ~nan.all(dim=2)  # (N, T): a step with at least one number
        last = torch.where(real, torch.arange(t)[None, :], torch.full((1, t), -1)).amax(dim=1)
        lens = (last + 1).numpy().astype(np.int64)
        if np.any(lens == 0):
            i = int(np.flatnonzero(lens == 0)[0])
            raise ValueError(f"argument '{name}': sequence {i} is NaN at every step; NaN may "
                             f"only pad a sequence after its last step")
    else:
        return sequences, None
    if nan is None and own is None:
        return sequences, lens
    if nan is not None:
        inside = nan.any(dim=2) & (torch.arange(t)[None, :] < torch.from_numpy(lens)[:, None])
        if bool(inside.any()):
            i, step = (int(v) for v in inside.nonzero()[0])
            raise ValueError(
                f"argument '{name}': NaN inside sequence {i} at step {step}, within its length "
                f"{int(lens[i])}; NaN is only allowed as padding after a sequence's last step "
                f"(pass '{lengths_name}' or fill missing values first)")
        beyond = torch.arange(t)[None, :] >= torch.from_numpy(lens)[:, None]
        if isinstance(sequences, torch.Tensor):
            sequences = sequences.masked_fill(beyond.to(sequences.device)[..., None], 0)
        else:
            sequences = np.where(beyond.numpy()[..., None], 0, sequences).astype(
                sequences.dtype)
    return sequences, lens
