"""Input checks that fail loudly: every message names the argument, what was expected and what
was given. A silent wrong explanation is worse than an error."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = [
    "as_tensor",
    "check_inputs",
    "check_labels",
    "check_layer_names",
    "check_model",
    "check_model_output",
    "check_targets",
    "infer_kind",
]

KINDS = ("image", "tabular", "sequence")


def _describe(x: Any) -> str:
    if isinstance(x, (torch.Tensor, np.ndarray)):
        return f"{type(x).__name__} of dtype {x.dtype} and shape {tuple(x.shape)}"
    return f"{type(x).__name__}"


def check_model(model: Any, name: str = "model") -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"argument '{name}': expected a torch.nn.Module (xaiwidgets wraps it in place with "
            f"hooks and restores it), got {_describe(model)}"
        )
    return model


def as_tensor(x: Any, name: str) -> torch.Tensor:
    """Accept tensors and numpy arrays; anything else is an error naming ``name``."""
    if isinstance(x, torch.Tensor):
        return x
    if isinstance(x, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(x))
    raise TypeError(
        f"argument '{name}': expected a torch.Tensor or numpy array, got {_describe(x)}")


def infer_kind(x: torch.Tensor) -> str:
    """(N,C,H,W) -> image, (N,F) -> tabular, (N,T,F) -> sequence."""
    return {4: "image", 2: "tabular", 3: "sequence"}.get(x.ndim, "unknown")


def check_inputs(
    x: Any,
    name: str = "inputs",
    *,
    kind: str | None = None,
    allow_integer: bool = False,
) -> tuple[torch.Tensor, str]:
    """Validate a batch of model inputs and return ``(tensor, kind)``.

    Raises
    ------
    TypeError, ValueError
        For non-tensors, integer dtypes (unless ``allow_integer``), empty batches, NaN/Inf and
        shapes that do not fit ``kind``.
    """
    t = as_tensor(x, name)
    expected = {
        "image": "(N, C, H, W)",
        "tabular": "(N, F)",
        "sequence": "(N, T, F) floats, or (N, T) token ids",
    }
    if kind is not None and kind not in KINDS:
        raise ValueError(f"argument 'kind': expected one of {KINDS}, got {kind!r}")
    if t.ndim < 2:
        raise ValueError(
            f"argument '{name}': expected a batch with a leading sample axis, e.g. (N, C, H, W) "
            f"images, (N, F) tabular rows or (N, T, F) sequences; got shape {tuple(t.shape)}"
        )
    if t.shape[0] == 0:
        raise ValueError(f"argument '{name}': expected at least one sample, got an empty batch "
                         f"of shape {tuple(t.shape)}")
    integer = not (t.is_floating_point() or t.is_complex())
    token_ids = integer and allow_integer and kind == "sequence" and t.ndim == 2
    if integer and not token_ids:
        hint = (" Integer images (e.g. uint8 0-255) must be converted to float and normalised "
                "the way the model was trained (e.g. x.float() / 255).") if t.ndim == 4 else ""
        raise TypeError(
            f"argument '{name}': expected a floating-point tensor, got {_describe(t)}.{hint}"
        )
    resolved = kind or infer_kind(t)
    if resolved == "unknown":
        raise ValueError(
            f"argument '{name}': cannot tell the modality of shape {tuple(t.shape)}; expected "
            f"(N, C, H, W), (N, F) or (N, T, F), or pass kind=..."
        )
    ndim_ok = {"image": t.ndim == 4, "tabular": t.ndim == 2,
               "sequence": t.ndim == 3 or token_ids}[resolved]
    if not ndim_ok:
        raise ValueError(
            f"argument '{name}': kind={resolved!r} expects shape {expected[resolved]}, got "
            f"shape {tuple(t.shape)}"
        )
    if not integer and not torch.isfinite(t).all():
        bad = (~torch.isfinite(t)).reshape(t.shape[0], -1).any(dim=1).nonzero().flatten()
        raise ValueError(
            f"argument '{name}': contains NaN or Inf values (samples {bad[:10].tolist()}"
            f"{'...' if len(bad) > 10 else ''})"
        )
    return t, resolved


def check_model_output(out: Any, n: int, name: str = "model") -> torch.Tensor:
    """The model must return logits/scores of shape (N, classes)."""
    if not isinstance(out, torch.Tensor):
        raise TypeError(
            f"argument '{name}': expected the model to return a tensor of shape (N, classes), "
            f"got {_describe(out)}. Wrap the model so that forward returns one tensor."
        )
    if out.ndim != 2 or out.shape[0] != n:
        raise ValueError(
            f"argument '{name}': expected the model output to have shape (N, classes) = ({n}, C), "
            f"got {tuple(out.shape)}. For a single-output model return (N, 1)."
        )
    if not torch.isfinite(out).all():
        raise ValueError(f"argument '{name}': the model returned NaN or Inf for these inputs")
    return out


def check_targets(target: Any, n: int, n_outputs: int, name: str = "target") -> torch.Tensor:
    """Return a (N,) int64 tensor of targets, each in ``[0, n_outputs)``.

    ``target`` may be an int (same for all samples) or a sequence/tensor of N ints.
    """
    if isinstance(target, (bool, str, bytes)):
        raise TypeError(f"argument '{name}': expected an int or N ints, got {target!r}")
    if isinstance(target, (int, np.integer)):
        t = torch.full((n,), int(target), dtype=torch.long)
    elif isinstance(target, (torch.Tensor, np.ndarray, Sequence)):
        arr = np.asarray(target) if isinstance(target, Sequence) else target
        if isinstance(arr, np.ndarray) and arr.dtype.kind not in "iuf":
            raise TypeError(f"argument '{name}': expected integer class indices, got an array of "
                            f"dtype {arr.dtype}")
        t = torch.as_tensor(arr)
        if t.is_floating_point() or t.dtype == torch.bool:
            raise TypeError(
                f"argument '{name}': expected integer class indices, got {_describe(t)}")
        t = t.reshape(-1).long()
        if t.numel() != n:
            raise ValueError(
                f"argument '{name}': expected one target per sample ({n}), got {t.numel()}"
            )
    else:
        raise TypeError(f"argument '{name}': expected an int or a sequence of N ints, got "
                        f"{_describe(target)}")
    bad = (t < 0) | (t >= n_outputs)
    if bad.any():
        i = int(bad.nonzero()[0])
        raise ValueError(
            f"argument '{name}': targets must be in [0, {n_outputs}) for a model with "
            f"{n_outputs} outputs; got {int(t[i])} at sample {i}"
        )
    return t


def check_labels(y: Any, n: int, name: str) -> np.ndarray:
    """One label per sample: a (N,) array (tensors are moved to numpy)."""
    if hasattr(y, "detach"):
        y = y.detach().cpu().numpy()
    arr = np.asarray(y)
    if arr.ndim != 1 or len(arr) != n:
        raise ValueError(f"argument '{name}': expected one label per sample, shape ({n},), got "
                         f"shape {arr.shape}")
    return arr


def check_layer_names(model: nn.Module, layers: Sequence[str], name: str = "layers") -> list[str]:
    """Every name must be a submodule of ``model`` (as in ``model.named_modules()``)."""
    if isinstance(layers, str):
        layers = [layers]
    layers = list(layers)
    if not layers:
        raise ValueError(f"argument '{name}': expected at least one layer name, got none")
    known = [k for k, _ in model.named_modules() if k]
    for layer in layers:
        if not isinstance(layer, str):
            raise TypeError(f"argument '{name}': expected layer names (str), got {layer!r}")
        if layer not in known:
            close = difflib.get_close_matches(layer, known, n=3)
            hint = f" Did you mean {close}?" if close else ""
            raise ValueError(
                f"argument '{name}': model has no layer {layer!r}.{hint} Known layers: "
                f"{known[:20]}{' ...' if len(known) > 20 else ''}"
            )
    return layers
