"""One vocabulary of argument checks. Every message has the same form: the argument's name, what
was expected and what was given. A silent wrong explanation is worse than an error.

Floating inputs are cast to the model's floating dtype (numpy arrays are float64 by default;
a float64 model gets float64 inputs), so dtype mismatches never surface from inside torch.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, Literal, overload

import numpy as np
import torch
from torch import nn

__all__ = [
    "as_tensor",
    "check_bool",
    "check_class_labels",
    "check_class_names",
    "check_finite_tensor",
    "check_int",
    "check_int_or_option",
    "check_kind",
    "check_labels",
    "check_layer_names",
    "check_model",
    "check_model_output",
    "check_names",
    "check_no_backward_hooks",
    "check_number",
    "check_option",
    "check_targets",
    "check_token_ids",
    "describe",
    "match_labels",
]


def describe(x: Any) -> str:
    """A short description of a value for error messages: type, dtype and shape, or the repr."""
    if isinstance(x, (torch.Tensor, np.ndarray)):
        return f"{type(x).__name__} of dtype {x.dtype} and shape {tuple(x.shape)}"
    if hasattr(x, "shape") and hasattr(x, "dtypes"):  # a DataFrame
        return f"{type(x).__name__} of shape {tuple(x.shape)}"
    if isinstance(x, (bool, int, float, str, type(None))) or isinstance(x, np.generic):
        return repr(x)
    if isinstance(x, type):
        return f"the class {x.__name__}"
    return type(x).__name__


# -- scalars ---------------------------------------------------------------------------------

@overload
def check_int(
    value: Any, name: str, *, low: int | None = ..., high: int | None = ...,
    allow_none: Literal[False] = ...,
) -> int: ...
@overload
def check_int(
    value: Any, name: str, *, low: int | None = ..., high: int | None = ..., allow_none: bool,
) -> int | None: ...
def check_int(
    value: Any, name: str, *, low: int | None = None, high: int | None = None,
    allow_none: bool = False,
) -> int | None:
    """An integer (bools refused) within ``[low, high]``; returned as a Python int (None only
    when ``allow_none`` and ``value`` is None; the overloads tell type checkers so)."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        rng = _range_words(low, high)
        raise TypeError(f"argument '{name}': expected an integer{rng}"
                        f"{' or None' if allow_none else ''}, got {describe(value)}")
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        raise ValueError(f"argument '{name}': expected an integer{_range_words(low, high)}"
                         f"{' or None' if allow_none else ''}, got {v!r}")
    return v


@overload
def check_number(
    value: Any, name: str, *, low: float | None = ..., high: float | None = ...,
    low_open: bool = ..., high_open: bool = ..., allow_none: Literal[False] = ...,
) -> float: ...
@overload
def check_number(
    value: Any, name: str, *, low: float | None = ..., high: float | None = ...,
    low_open: bool = ..., high_open: bool = ..., allow_none: bool,
) -> float | None: ...
def check_number(
    value: Any, name: str, *, low: float | None = None, high: float | None = None,
    low_open: bool = False, high_open: bool = False, allow_none: bool = False,
) -> float | None:
    """A finite real number (bools refused) within the given bounds; returned as a Python
    float (None only when ``allow_none`` and ``value`` is None, as the overloads say)."""
    if value is None and allow_none:
        return None
    rng = _range_words(low, high, low_open, high_open)
    none = " or None" if allow_none else ""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"argument '{name}': expected a number{rng}{none}, got {describe(value)}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"argument '{name}': expected a finite number{rng}{none}, got {v!r}")
    too_low = low is not None and (v <= low if low_open else v < low)
    too_high = high is not None and (v >= high if high_open else v > high)
    if too_low or too_high:
        raise ValueError(f"argument '{name}': expected a number{rng}{none}, got {v!r}")
    return v


def check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"argument '{name}': expected True or False, got {describe(value)}")
    return bool(value)


def check_option(value: Any, name: str, options: Sequence[Any]) -> Any:
    """One of ``options``; types must match too (``True`` is not ``1``, ``"1"`` is not ``1``)."""
    for o in options:
        if (o is None and value is None) or (
                o is not None and type(value) is type(o) and value == o):
            return value
    close = (difflib.get_close_matches(value, [o for o in options if isinstance(o, str)], 1)
             if isinstance(value, str) else [])
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ValueError(f"argument '{name}': expected one of {list(options)}, got "
                     f"{describe(value)}{hint}")


def check_int_or_option(value: Any, name: str, options: Sequence[str], *, low: int | None = None
                        ) -> int | str:
    """An integer >= ``low`` or one of the string ``options`` (``n_concepts="auto"``): a string
    is checked against ``options``, anything else as an integer."""
    if isinstance(value, str):
        return check_option(value, name, options)
    return check_int(value, name, low=low)


def check_kind(
    value: Any, name: str, expected: str, *, types: tuple[Any, ...] = (),
    options: Sequence[Any] = (), allow_none: bool = False, error: type[Exception] = TypeError,
) -> Any:
    """None (if ``allow_none``), one of ``options`` (types must match, as in
    :func:`check_option`) or an instance of ``types``; else ``error`` saying ``expected``. A
    string is not taken for a sequence unless ``str`` is among ``types``."""
    ok = (value is None and allow_none) or any(
        type(value) is type(o) and value == o for o in options if o is not None)
    if not ok and isinstance(value, types):
        ok = not isinstance(value, (str, bytes)) or any(issubclass(t, (str, bytes))
                                                        for t in types)
    if not ok:
        raise error(f"argument '{name}': expected {expected}, got {describe(value)}")
    return value


def _range_words(low: Any, high: Any, low_open: bool = False, high_open: bool = False) -> str:
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high:g}"
    return ""


# -- models and tensors ----------------------------------------------------------------------

def check_model(model: Any, name: str = "model") -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"argument '{name}': expected a torch.nn.Module (xaiwidgets wraps it in place with "
            f"hooks and restores it), got {describe(model)}"
        )
    return model


def check_no_backward_hooks(model: nn.Module, name: str, why: str) -> None:
    """Refuse full backward hooks (``register_full_backward_hook`` / ``..._pre_hook``, on a
    submodule or global): torch.func transforms (vmap, vjp) cannot run through them and fail
    deep inside torch. ``why`` says what needs the transform."""
    from torch.nn.modules import module as torch_module

    hooked = [n or type(model).__name__ for n, m in model.named_modules()
              if getattr(m, "_backward_hooks", None) or getattr(m, "_backward_pre_hooks", None)]
    if getattr(torch_module, "_global_backward_hooks", None) or getattr(
            torch_module, "_global_backward_pre_hooks", None):
        hooked.append("<global: torch.nn.modules.module.register_module_full_backward_hook>")
    if hooked:
        raise ValueError(f"argument '{name}': {why} uses torch.func (vmap / vjp), which cannot "
                         f"run through full backward hooks; found on {hooked[:5]}. Remove them "
                         "(handle.remove()) for this call, or register a tensor hook "
                         "(tensor.register_hook) in forward instead")


def as_tensor(x: Any, name: str) -> torch.Tensor:
    """Tensors, numpy arrays, DataFrames / Series (their values) and lists of equally shaped
    samples (stacked) become one tensor; anything else is an error naming ``name``.

    Tensors made under ``torch.inference_mode()`` are copied out of it, so gradient-based
    explainers can use them.
    """
    if isinstance(x, torch.Tensor):
        t = x
    elif isinstance(x, np.ndarray):
        if x.dtype.kind not in "biuf":
            raise TypeError(f"argument '{name}': expected numbers, got {describe(x)}")
        t = torch.from_numpy(np.ascontiguousarray(x))
    elif hasattr(x, "to_numpy") and hasattr(x, "shape"):  # pandas DataFrame / Series
        values = x.to_numpy()
        if values.dtype.kind not in "biuf":
            raise TypeError(f"argument '{name}': expected numeric columns, got a "
                            f"{type(x).__name__} with dtype {values.dtype} values; convert "
                            "or drop the non-numeric columns first")
        t = torch.from_numpy(np.ascontiguousarray(values))
    elif isinstance(x, (list, tuple)) and x and all(isinstance(v, (torch.Tensor, np.ndarray))
                                                    for v in x):
        shapes = sorted({tuple(v.shape) for v in x})
        if len(shapes) != 1:
            raise ValueError(f"argument '{name}': a list of samples must share one shape to be "
                             f"stacked, got shapes {shapes[:4]}")
        t = torch.stack([as_tensor(v, name) for v in x])
    else:
        raise TypeError(f"argument '{name}': expected a torch.Tensor or numpy array, got "
                        f"{describe(x)}")
    if t.is_inference():
        with torch.inference_mode(False):
            t = t.clone()
    if t.is_complex():
        raise TypeError(f"argument '{name}': expected real numbers, got {describe(t)}")
    return t


def check_finite_tensor(t: torch.Tensor, name: str) -> torch.Tensor:
    if t.is_floating_point() and not torch.isfinite(t).all():
        bad = (~torch.isfinite(t)).reshape(t.shape[0], -1).any(dim=1).nonzero().flatten()
        raise ValueError(
            f"argument '{name}': contains NaN or Inf values (samples {bad[:10].tolist()}"
            f"{'...' if len(bad) > 10 else ''})")
    return t


def check_token_ids(ids: torch.Tensor, embedding: nn.Module | None, name: str = "inputs"
                    ) -> torch.Tensor:
    """Token ids must index the embedding table (``[0, num_embeddings)``)."""
    if embedding is None or not isinstance(embedding, nn.Embedding) or ids.numel() == 0:
        return ids
    lo, hi = int(ids.min()), int(ids.max())
    if lo < 0 or hi >= embedding.num_embeddings:
        bad = int(lo) if lo < 0 else hi
        raise ValueError(f"argument '{name}': token ids must be in [0, "
                         f"{embedding.num_embeddings}) for the model's embedding of "
                         f"{embedding.num_embeddings} rows, got id {bad}")
    return ids


def check_model_output(out: Any, n: int, name: str = "model") -> torch.Tensor:
    """The model must return one tensor of shape (N, outputs), finite."""
    if not isinstance(out, torch.Tensor):
        raise TypeError(
            f"argument '{name}': expected the model to return a tensor of shape (N, outputs), "
            f"got {describe(out)}. Wrap the model so that forward returns one tensor."
        )
    if out.ndim != 2 or out.shape[0] != n:
        raise ValueError(
            f"argument '{name}': expected the model output to have shape (N, outputs) = "
            f"({n}, C), got {tuple(out.shape)}. For a single-output model return (N, 1)."
        )
    if not torch.isfinite(out).all():
        raise ValueError(f"argument '{name}': the model returned NaN or Inf for these inputs")
    return out


# -- labels and names ------------------------------------------------------------------------

def check_targets(target: Any, n: int, n_classes: int, name: str = "target") -> torch.Tensor:
    """A (N,) int64 tensor of class indices in ``[0, n_classes)`` from an int or N ints."""
    if isinstance(target, (bool, np.bool_, str, bytes)):
        raise TypeError(f"argument '{name}': expected an int or N ints, got {describe(target)}")
    if isinstance(target, numbers.Integral):
        t = torch.full((n,), int(target), dtype=torch.long)
    elif isinstance(target, (torch.Tensor, np.ndarray, Sequence)) or hasattr(target, "to_numpy"):
        arr = target.detach().cpu().numpy() if isinstance(target, torch.Tensor) else (
            target.to_numpy() if hasattr(target, "to_numpy") else np.asarray(target))
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)  # 1.0, 2.0: integral floats are fine
        if arr.dtype.kind not in "iu":
            raise TypeError(f"argument '{name}': expected integer class indices, got "
                            f"{describe(arr)}")
        t = torch.as_tensor(arr).reshape(-1).long()
        if t.numel() != n:
            raise ValueError(f"argument '{name}': expected one target per sample ({n}), got "
                             f"{t.numel()}")
    else:
        raise TypeError(f"argument '{name}': expected an int or a sequence of N ints, got "
                        f"{describe(target)}")
    bad = (t < 0) | (t >= n_classes)
    if bad.any():
        i = int(bad.nonzero()[0])
        raise ValueError(f"argument '{name}': targets must be in [0, {n_classes}) for a model "
                         f"with {n_classes} classes; got {int(t[i])} at sample {i}")
    return t


def as_column_array(values: Any) -> Any:
    """A tensor or a pandas Series / DataFrame column as numpy; anything else unchanged."""
    if isinstance(values, torch.Tensor):
        return values.detach().cpu().numpy()
    if hasattr(values, "to_numpy"):
        return values.to_numpy()
    return values


def check_column(values: Any, name: str, what: str, unit: str = "value") -> np.ndarray:
    """One ``unit`` per sample as a 1-D numpy array, from a tensor, a Series or a sequence. A
    string is refused rather than split into characters. ``what`` names the column in messages
    (``"concept 'shape'"``)."""
    values = as_column_array(values)
    if isinstance(values, (str, bytes)):
        raise TypeError(f"argument '{name}': {what} must be an array of one {unit} per sample, "
                        f"got the string {values[:20]!r}")
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"argument '{name}': {what} must be a 1-D array of one {unit} per "
                         f"sample, got shape {arr.shape}")
    return arr


def check_labels(y: Any, n: int, name: str) -> np.ndarray:
    """One label per sample, a (N,) numpy array with no NaN / None."""
    y = as_column_array(y)
    if isinstance(y, (str, bytes)):
        raise TypeError(f"argument '{name}': expected one label per sample, got the string "
                        f"{y[:20]!r}")
    arr = np.asarray(y)
    if arr.ndim != 1 or len(arr) != n:
        raise ValueError(f"argument '{name}': expected one label per sample, shape ({n},), got "
                         f"shape {arr.shape}")
    missing = missing_labels(arr)
    if missing.any():
        raise ValueError(f"argument '{name}': labels must not be missing (NaN / None), got "
                         f"missing labels at samples {np.flatnonzero(missing)[:10].tolist()}")
    return arr


def check_class_labels(y: Any, n: int, name: str) -> np.ndarray:
    """One class label per sample (:func:`check_labels`), as class labels: integers, bools and
    strings are kept; floats must be integral (``1.0``) and become int64. Non-integral floats
    (a regression's outputs, probabilities) are refused: they are not classes."""
    arr = check_labels(y, n, name)
    if arr.dtype.kind == "O":  # Python objects: all numbers or all text, nothing else
        kinds = {type(v) for v in arr}
        if all(issubclass(k, (str, np.str_)) for k in kinds):
            arr = arr.astype(str)
        elif all(issubclass(k, (numbers.Real, np.number)) for k in kinds):
            arr = arr.astype(np.float64)
        else:
            raise TypeError(f"argument '{name}': expected class labels of one kind (all "
                            f"integers or all names), got a mix of "
                            f"{sorted(k.__name__ for k in kinds)}")
    if arr.dtype.kind == "f":
        frac = ~np.isfinite(arr) | (arr != np.round(arr))
        if frac.any():
            i = int(np.flatnonzero(frac)[0])
            raise ValueError(f"argument '{name}': expected class labels (integers or names), "
                             f"got non-integral value {float(arr[i])!r} at sample {i}; "
                             "continuous values are not classes: pass class indices (e.g. "
                             "the outputs' argmax) or bin the values first")
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "biuUS":
        raise TypeError(f"argument '{name}': expected class labels (integers or names), got "
                        f"dtype {arr.dtype}")
    return arr


def match_labels(y: Any, classes: Any, n: int, name: str,
                 class_names: Sequence[str] | None = None) -> np.ndarray:
    """Labels ``y`` in the vocabulary of ``classes`` (the classes predictions are drawn from),
    so that ``labels == predictions`` compares like with like.

    Names and indices are never compared with each other silently: class-name labels against
    integer classes are mapped through ``class_names`` (``class_names[i]`` names class ``i``),
    integer labels against named classes likewise; without ``class_names`` either is an error.
    Integral floats are integers (:func:`check_class_labels`).
    """
    arr = check_class_labels(y, n, name)
    cls = np.asarray(classes)
    names = [str(c) for c in class_names] if class_names is not None else None
    text_y, text_c = arr.dtype.kind in "US", cls.dtype.kind in "USO"
    if text_y and not text_c:
        if names is None:
            raise ValueError(f"argument '{name}': labels are class names (e.g. {str(arr[0])!r}) "
                             f"but the predictions are class indices {cls[:10].tolist()}; pass "
                             "integer labels, or class_names=[...] to map names to indices")
        index = {v: i for i, v in enumerate(names)}
        unknown = sorted({str(v) for v in arr if str(v) not in index})
        if unknown:
            raise ValueError(f"argument '{name}': labels {unknown[:5]} are not among the "
                             f"class names {names[:10]}")
        return np.array([index[str(v)] for v in arr], dtype=np.int64)
    if text_c and not text_y:
        if names is None or not all(c in names for c in cls.astype(str)):
            raise ValueError(f"argument '{name}': labels are class indices (e.g. "
                             f"{arr[0].item()!r}) but the predictions are class names "
                             f"{cls.astype(str)[:10].tolist()}; pass the labels as names")
        bad = arr[(arr < 0) | (arr >= len(names))]
        if len(bad):
            raise ValueError(f"argument '{name}': label {bad[0].item()} is not a class index "
                             f"of the {len(names)} class names")
        return np.asarray(names, dtype=str)[arr.astype(np.int64)]
    return arr.astype(str) if text_c else arr


def missing_labels(arr: np.ndarray) -> np.ndarray:
    """(N,) bool: labels that are NaN or None."""
    if arr.dtype.kind == "f":
        return np.isnan(arr)
    if arr.dtype.kind == "O":
        return np.array([v is None or (isinstance(v, float) and math.isnan(v)) for v in arr],
                        dtype=bool)
    return np.zeros(arr.shape, dtype=bool)


def check_class_names(class_names: Any, n_classes: int, name: str = "class_names"
                      ) -> list[str]:
    """Display names of ``n_classes`` classes: a sequence of at least that many, or a mapping
    ``{class index: name}`` covering every class. None gives ``[]`` (views show indices)."""
    if class_names is None:
        return []
    if isinstance(class_names, (str, bytes)):
        raise TypeError(f"argument '{name}': expected a list of names (one per class), got the "
                        f"string {class_names[:30]!r}; pass e.g. {list(str(class_names)[:2])!r}"
                        " or a dict {0: 'cat', 1: 'dog'}")
    if isinstance(class_names, Mapping):
        keys = list(class_names)
        bad = [k for k in keys if isinstance(k, bool) or not isinstance(k, numbers.Integral)]
        if bad:
            raise TypeError(f"argument '{name}': a dict of class names needs integer class "
                            f"indices as keys, got key {bad[0]!r}")
        missing = [c for c in range(n_classes) if c not in class_names]
        if missing:
            raise ValueError(f"argument '{name}': expected a name for each of the {n_classes} "
                             f"classes, missing classes {missing[:10]}")
        top = max([int(k) for k in keys] + [n_classes - 1])
        return [str(class_names.get(i, i)) for i in range(top + 1)]
    if not isinstance(class_names, Sequence) and not isinstance(class_names, np.ndarray):
        raise TypeError(f"argument '{name}': expected a list of names (one per class), got "
                        f"{describe(class_names)}")
    names = [str(c) for c in class_names]
    if len(names) < n_classes:
        raise ValueError(f"argument '{name}': expected at least {n_classes} names (one per "
                         f"class), got {len(names)}")
    return names


def check_names(names: Any, n: int, name: str, what: str) -> list[str]:
    """Exactly ``n`` display names (feature names, concept names...); None gives ``[]``."""
    if names is None:
        return []
    if isinstance(names, (str, bytes)):
        raise TypeError(f"argument '{name}': expected a list of {n} names (one per {what}), got "
                        f"the string {names[:30]!r}")
    if hasattr(names, "tolist") and not isinstance(names, (list, tuple)):
        names = names.tolist()
    if not isinstance(names, Sequence):
        raise TypeError(f"argument '{name}': expected a list of {n} names (one per {what}), got "
                        f"{describe(names)}")
    out = [str(v) for v in names]
    if len(out) != n:
        raise ValueError(f"argument '{name}': expected {n} names (one per {what}), got "
                         f"{len(out)}")
    return out


def check_layer_names(model: nn.Module, layers: Any, name: str = "layers") -> list[str]:
    """Every name must be a submodule of ``model`` (as in ``model.named_modules()``)."""
    if isinstance(layers, str):
        layers = [layers]
    if not isinstance(layers, (Sequence, np.ndarray)):
        raise TypeError(f"argument '{name}': expected layer names (a str or a list of str), got "
                        f"{describe(layers)}")
    layers = list(layers)
    if not layers:
        raise ValueError(f"argument '{name}': expected at least one layer name, got none")
    known = [k for k, _ in model.named_modules() if k]
    for layer in layers:
        if not isinstance(layer, str):
            raise TypeError(f"argument '{name}': expected layer names (str), got "
                            f"{describe(layer)}")
        if layer not in known:
            close = difflib.get_close_matches(layer, known, n=3)
            hint = f" Did you mean {close}?" if close else ""
            raise ValueError(
                f"argument '{name}': model has no layer {layer!r}.{hint} Known layers: "
                f"{known[:20]}{' ...' if len(known) > 20 else ''}"
            )
    dupes = sorted({x for x in layers if layers.count(x) > 1})
    if dupes:
        raise ValueError(f"argument '{name}': expected each layer once, got {dupes} twice")
    return layers
