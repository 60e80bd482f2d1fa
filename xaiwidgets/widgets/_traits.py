"""The one wire layer: typed traits, binary arrays, quantised heatmaps (see ``js/README.md``).

Widgets keep numpy arrays (and :class:`Heatmap` values) in their state traits; the
:func:`wire_trait` serializer encodes them when the state is synced. Arrays travel as
``{"dtype", "shape", "data"}`` dicts whose ``data`` is raw bytes, so ipywidgets sends them as
binary websocket frames instead of JSON lists. Heatmaps are quantised to uint8 with a per-item
``(lo, hi)`` range: a 224x224 heatmap costs 50,176 bytes instead of ~200 KB of float32. The JS
side decodes every array the same way (``js/src/lib/wire.ts``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import traitlets as t

__all__ = [
    "DEFAULT_MAX_PAYLOAD_BYTES",
    "Heatmap",
    "PayloadTooLargeWarning",
    "array_from_wire",
    "array_to_wire",
    "dequantize",
    "payload_nbytes",
    "quantize",
    "split_buffers",
    "to_wire",
    "wire_trait",
]

#: Default cap on the bytes of tensors embedded in one widget's state. Beyond it widgets embed
#: fewer samples and fetch the rest lazily; kernels and browsers cope badly with huge messages
#: (the browser-to-kernel websocket cap is ~10 MB, and saved notebooks grow by the same amount).
DEFAULT_MAX_PAYLOAD_BYTES = 8 * 1024 * 1024

# JS has no practical int64/float64 typed-array story for our needs: downcast once, here.
_DOWNCAST: dict[np.dtype[Any], np.dtype[Any]] = {
    np.dtype("int64"): np.dtype("int32"),
    np.dtype("uint64"): np.dtype("uint32"),
    np.dtype("float64"): np.dtype("float32"),
    np.dtype("float16"): np.dtype("float32"),
    np.dtype("bool"): np.dtype("uint8"),
}
_WIRE_DTYPES = {"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64"}


class PayloadTooLargeWarning(UserWarning):
    """A widget would embed more bytes than its cap; it embeds fewer samples instead."""


def _as_numpy(array: Any) -> np.ndarray:
    if hasattr(array, "detach"):  # torch.Tensor without importing torch here
        array = array.detach().cpu().numpy()
    return np.asarray(array)


def array_to_wire(array: Any) -> dict[str, Any]:
    """Encode an array as ``{"dtype", "shape", "data"}`` with ``data`` as little-endian bytes.

    Parameters
    ----------
    array : array-like or torch.Tensor
        Any numeric array. int64/float64/bool are downcast to int32/float32/uint8.

    Returns
    -------
    dict
        ``{"dtype": str, "shape": list[int], "data": bytes}``.
    """
    a = _as_numpy(array)
    target: np.dtype[Any] = _DOWNCAST.get(a.dtype, a.dtype)
    if target.name not in _WIRE_DTYPES:
        raise TypeError(
            f"array_to_wire: argument 'array' has dtype {a.dtype}, expected a numeric dtype "
            f"castable to one of {sorted(_WIRE_DTYPES)}"
        )
    a = np.ascontiguousarray(a, dtype=target.newbyteorder("<"))
    return {"dtype": target.name, "shape": list(a.shape), "data": a.tobytes()}


def array_from_wire(wire: dict[str, Any]) -> np.ndarray:
    """Decode :func:`array_to_wire` output (``data`` may be bytes or a memoryview)."""
    dtype = np.dtype(wire["dtype"]).newbyteorder("<")
    flat = np.frombuffer(bytes(wire["data"]), dtype=dtype)
    return flat.reshape(tuple(wire["shape"])).astype(dtype.newbyteorder("="))


def quantize(array: Any, *, signed: bool | None = None) -> dict[str, Any]:
    """Quantise ``(K, ...)`` items to uint8, each with its own ``(lo, hi)`` range.

    Parameters
    ----------
    array : array-like of shape (K, ...)
        One item per leading index (e.g. one heatmap per sample).
    signed : bool, optional
        Signed items use a symmetric range ``(-max|a|, +max|a|)`` so that zero sits at the
        centre of a diverging colormap. Default: signed if any value is negative.

    Returns
    -------
    dict
        A wire array of dtype uint8 plus ``lo``/``hi`` wire float32 arrays of shape (K,) and
        ``signed``. The absolute decoding error is at most ``(hi - lo) / 510`` per item.
    """
    a = _as_numpy(array).astype(np.float64, copy=False)
    if a.ndim < 1:
        raise ValueError("quantize: argument 'array' must have a leading item axis, got a scalar")
    if not np.isfinite(a).all():
        raise ValueError("quantize: argument 'array' contains NaN or Inf")
    flat = a.reshape(a.shape[0], -1)
    if signed is None:
        signed = bool((flat < 0).any())
    if signed:
        m = np.abs(flat).max(axis=1) if flat.size else np.zeros(a.shape[0])
        lo, hi = -m, m.copy()
    else:
        lo = flat.min(axis=1) if flat.size else np.zeros(a.shape[0])
        hi = flat.max(axis=1) if flat.size else np.zeros(a.shape[0])
    span = hi - lo
    safe = np.where(span > 0, span, 1.0)
    q = np.rint((flat - lo[:, None]) / safe[:, None] * 255.0)
    q = np.clip(q, 0, 255).astype(np.uint8).reshape(a.shape)
    wire = array_to_wire(q)
    wire["lo"] = array_to_wire(lo.astype(np.float32))
    wire["hi"] = array_to_wire(hi.astype(np.float32))
    wire["signed"] = bool(signed)
    return wire


def dequantize(wire: dict[str, Any]) -> np.ndarray:
    """Invert :func:`quantize` (up to its rounding error), returning float32."""
    q = array_from_wire(wire).astype(np.float32)
    lo = array_from_wire(wire["lo"]).astype(np.float32)
    hi = array_from_wire(wire["hi"]).astype(np.float32)
    shape = (-1,) + (1,) * (q.ndim - 1)
    return lo.reshape(shape) + (hi - lo).reshape(shape) * q / 255.0


def payload_nbytes(state: Any) -> int:
    """Bytes of binary buffers nested anywhere in ``state`` (what the wire will carry); arrays
    and heatmaps not yet encoded are measured as :func:`to_wire` would encode them."""
    if isinstance(state, (Heatmap, np.ndarray)) or hasattr(state, "detach"):
        return payload_nbytes(to_wire(state))
    if isinstance(state, (bytes, bytearray, memoryview)):
        return memoryview(state).nbytes
    if isinstance(state, dict):
        return sum(payload_nbytes(v) for v in state.values())
    if isinstance(state, (list, tuple)):
        return sum(payload_nbytes(v) for v in state)
    return 0


def _human(nbytes: int) -> str:
    return f"{nbytes / 1e6:.1f} MB" if nbytes >= 1e5 else f"{nbytes / 1e3:.1f} KB"


def warn_payload(what: str, nbytes: int, cap: int, kept: int, total: int) -> None:
    """Warn (never crash the browser) when a widget embeds fewer items than requested."""
    warnings.warn(
        f"{what}: embedding all {total} samples would put {_human(nbytes)} on the wire, "
        f"over max_payload_bytes={cap} ({_human(cap)}); embedding the first {kept} and fetching "
        "the others on demand (raise max_payload_bytes to embed more, e.g. for to_html exports).",
        PayloadTooLargeWarning,
        stacklevel=3,
    )


class Heatmap:
    """Values that cross the wire quantised to uint8 (one ``(lo, hi)`` range per item).

    Parameters
    ----------
    values : array-like of shape (K, ...)
    signed : bool, optional
        Symmetric range around 0 (default: if any value is negative).
    """

    __slots__ = ("signed", "values")

    def __init__(self, values: Any, *, signed: bool | None = None) -> None:
        self.values = _as_numpy(values)
        self.signed = signed

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Heatmap) and self.signed == other.signed
                and self.values.shape == other.values.shape
                and bool(np.array_equal(self.values, other.values)))

    # No __hash__: a class that defines __eq__ alone gets __hash__ = None, so heatmaps (which
    # hold mutable arrays) are unhashable, as tests/test_wire.py checks.


def to_wire(value: Any) -> Any:
    """Encode a state value for the wire: arrays and tensors become wire arrays, heatmaps
    quantised arrays, numpy scalars Python numbers; dicts and lists are encoded item by item."""
    if isinstance(value, Heatmap):
        return quantize(value.values, signed=value.signed)
    if isinstance(value, np.ndarray) or hasattr(value, "detach"):
        return array_to_wire(value)
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def wire_trait(default: Any = None) -> t.Dict:
    """A synced dict trait whose arrays and heatmaps are encoded by :func:`to_wire`."""
    return t.Dict(default or {}).tag(sync=True, to_json=lambda v, _widget: to_wire(v))


def split_buffers(state: Any) -> tuple[Any, list[list[str | int]], list[bytes]]:
    """``(state without binary leaves, paths to them, the buffers)``: the layout ipywidgets'
    messages and our standalone pages use (``js/src/lib/buffers.ts`` puts them back)."""
    paths: list[list[str | int]] = []
    buffers: list[bytes] = []

    def walk(v: Any, path: list[str | int]) -> Any:
        if isinstance(v, (bytes, bytearray, memoryview)):
            paths.append(path)
            buffers.append(bytes(v))
            return None
        if isinstance(v, dict):
            return {k: walk(x, [*path, k]) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [walk(x, [*path, i]) for i, x in enumerate(v)]
        return v

    return walk(state, []), paths, buffers
