"""The one wire layer: typed traits, binary arrays, quantised heatmaps (see ``js/README.md``).

Widgets keep numpy arrays (and :class:`Heatmap` values) in their state traits; the
:func:`wire_trait` serializer encodes them when the state is synced. Arrays travel as
``{"dtype", "shape", "data"}`` dicts whose ``data`` is raw bytes, so ipywidgets sends them as
binary websocket frames instead of JSON lists. Heatmaps are quantised to uint8 with a per-item
``(lo, hi)`` range: a 224x224 heatmap costs 50,176 bytes instead of ~200 KB of float32. The JS
side decodes every array the same way (``js/src/lib/wire.ts``).

A trait's structure is declared once, here in Python, with :class:`Array`, :class:`HeatmapOf`,
:class:`Struct` and friends passed to ``wire_trait(schema)``: every assignment is checked and
cast (an error names the widget, the trait and the field), and the front end declares the same
structure decoded (``decodeState`` in ``js/src/lib/wire.ts``; ``js/README.md`` "Declaring a
trait").
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import traitlets as t

__all__ = [
    "DEFAULT_MAX_PAYLOAD_BYTES",
    "Array",
    "Field",
    "Heatmap",
    "HeatmapOf",
    "ListOf",
    "Maybe",
    "OneOf",
    "PayloadTooLargeWarning",
    "SchemaError",
    "Struct",
    "Value",
    "array_from_wire",
    "array_to_wire",
    "check_index",
    "dequantize",
    "payload_nbytes",
    "quantize",
    "split_buffers",
    "to_wire",
    "wire_schemas",
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


# -- declared trait structure -------------------------------------------------------------------

class SchemaError(t.TraitError, ValueError):
    """A value does not match the structure declared for its trait (names the trait and field)."""


def _describe(x: Any) -> str:
    if isinstance(x, Heatmap):
        return f"a Heatmap of shape {x.values.shape}"
    if isinstance(x, np.ndarray) or hasattr(x, "detach"):
        return f"{type(x).__name__} of dtype {x.dtype} and shape {tuple(x.shape)}"
    if isinstance(x, (bool, int, float, str, type(None), np.generic)):
        return repr(x)
    return type(x).__name__


class Field:
    """One declared part of a synced value. :meth:`check` returns the value as it will be sent
    (cast where the declaration says so) or raises :class:`SchemaError` naming ``where``."""

    def check(self, value: Any, where: str, dims: dict[str, int] | None = None) -> Any:
        raise NotImplementedError

    def doc(self) -> str:
        """The declared structure in words, as ``js/README.md``'s trait tables show it (e.g.
        ``{index: int32 (K), heat: heatmap (K, ?, ?)}``)."""
        raise NotImplementedError

    def _fail(self, where: str, expected: str, value: Any) -> SchemaError:
        return SchemaError(f"{where}: expected {expected}, got {_describe(value)}")


_INTS = {"uint8", "int8", "uint16", "int16", "uint32", "int32"}


class Array(Field):
    """A numeric array sent as a wire array of ``dtype``.

    Parameters
    ----------
    dtype : {"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64"}
        The wire dtype the values are cast to. Integer dtypes take integer or boolean arrays
        whose values fit; float dtypes take any real array.
    dims : tuple of (str, int, None or Ellipsis), optional
        One entry per axis: an int fixes the length, a name ("K") must be the same length
        everywhere it appears in the enclosing :class:`Struct` (e.g. the sample axis), None is
        free; a last ``...`` takes any number of further axes (``("K", ...)``: a sample axis
        first). Default: any number of axes.

    Examples
    --------
    >>> Array("int32", dims=("K",)).check(np.arange(3), "data.index").dtype
    dtype('int32')
    """

    def __init__(self, dtype: str, dims: tuple[Any, ...] | None = None) -> None:
        if dims is not None and any(d is Ellipsis for d in dims[:-1]):
            raise ValueError(f"Array: '...' may only end argument 'dims', got {dims!r}")
        if dtype not in _WIRE_DTYPES:
            raise ValueError(f"Array: argument 'dtype' must be one of {sorted(_WIRE_DTYPES)}, "
                             f"got {dtype!r}")
        self.dtype = np.dtype(dtype)
        self.dims = dims

    def _shape(self, a: np.ndarray, where: str, dims: dict[str, int] | None, value: Any) -> None:
        if self.dims is None:
            return
        open_end = bool(self.dims) and self.dims[-1] is Ellipsis
        fixed = self.dims[:-1] if open_end else self.dims
        if a.ndim < len(fixed) or (not open_end and a.ndim != len(fixed)):
            raise self._fail(where, f"an array of shape {self._dims_text()}", value)
        for axis, (want, got) in enumerate(zip(fixed, a.shape, strict=False)):
            if isinstance(want, int) and got != want:
                raise self._fail(where, f"axis {axis} of length {want}", value)
            if isinstance(want, str) and dims is not None:
                seen = dims.setdefault(want, got)
                if seen != got:
                    raise SchemaError(f"{where}: axis {axis} ({want}) has length {got}, but "
                                      f"{want} = {seen} elsewhere in the same value")

    def _dims_text(self) -> str:
        return "(" + ", ".join("?" if d is None else "..." if d is Ellipsis else str(d)
                               for d in self.dims or ()) + ")"

    def doc(self) -> str:
        return f"{self.dtype.name} {self._dims_text()}" if self.dims is not None else \
            self.dtype.name

    def check(self, value: Any, where: str, dims: dict[str, int] | None = None) -> np.ndarray:
        a = _as_numpy(value)
        if a.dtype.kind not in "biuf":
            raise self._fail(where, f"a numeric array castable to {self.dtype}", value)
        if self.dtype.name in _INTS:
            if a.dtype.kind == "f":
                raise self._fail(where, f"integers (wire dtype {self.dtype})", value)
            info = np.iinfo(self.dtype)
            if a.size and (int(a.min()) < info.min or int(a.max()) > info.max):
                raise SchemaError(f"{where}: values from {int(a.min())} to {int(a.max())} do not "
                                  f"fit the wire dtype {self.dtype} ({info.min} to {info.max})")
        self._shape(a, where, dims, value)
        return a.astype(self.dtype, copy=False)


class HeatmapOf(Field):
    """Finite real values sent quantised to uint8, one ``(lo, hi)`` range per item (a
    :class:`Heatmap`). An array is wrapped; a :class:`Heatmap` keeps its own ``signed``.
    float64 values are kept (quantised as given, so the bytes sent do not depend on the check);
    other real values become float32.

    Parameters
    ----------
    dims : tuple of (str, int or None), optional
        As for :class:`Array`; the first axis is the item axis.
    signed : bool, optional
        For arrays: symmetric range around 0 (default: if any value is negative).
    """

    def __init__(self, dims: tuple[Any, ...] | None = None, *,
                 signed: bool | None = None) -> None:
        self._array = Array("float32", dims)
        self.signed = signed

    def check(self, value: Any, where: str, dims: dict[str, int] | None = None) -> Heatmap:
        signed = value.signed if isinstance(value, Heatmap) else self.signed
        a = _as_numpy(value.values if isinstance(value, Heatmap) else value)
        if a.dtype.kind not in "biuf":
            raise self._fail(where, "a numeric array (heatmap values)", value)
        self._array._shape(a, where, dims, value)
        # float64 stays float64: it is quantised as given (the wire carries uint8 either way)
        if a.dtype != np.float64:
            a = a.astype(np.float32, copy=False)
        if a.ndim < 1:
            raise self._fail(where, "an array with a leading item axis", value)
        if not np.isfinite(a).all():
            raise SchemaError(f"{where}: a heatmap must be finite, got NaN or Inf")
        return Heatmap(a, signed=signed)

    def doc(self) -> str:
        sign = {None: "", True: "signed ", False: "unsigned "}[self.signed]
        shape = self._array._dims_text() if self._array.dims is not None else ""
        return f"{sign}heatmap {shape}".rstrip()


class Value(Field):
    """A JSON scalar of one of ``types`` (e.g. ``Value(int)``, ``Value(str, type(None))``);
    numpy scalars become Python ones. ``bool`` is not taken for ``int`` or ``float``."""

    def __init__(self, *types: type) -> None:
        if not types:
            raise ValueError("Value: give at least one type, e.g. Value(int)")
        self.types = types

    def check(self, value: Any, where: str, dims: dict[str, int] | None = None) -> Any:
        if isinstance(value, np.generic):
            value = value.item()
        is_bool = isinstance(value, bool)
        if float in self.types and isinstance(value, int) and not is_bool:
            return float(value) if int not in self.types else value
        if not isinstance(value, self.types) or (is_bool and bool not in self.types):
            raise self._fail(where, self._names(" or "), value)
        return value

    def _names(self, sep: str) -> str:
        return sep.join("None" if x is type(None) else x.__name__ for x in self.types)

    def doc(self) -> str:
        return self._names(" | ")


class ListOf(Field):
    """A list (or tuple) whose items all match ``item``; sent as a list.

    Parameters
    ----------
    item : Field
    length : str or int, optional
        A fixed length, or a dimension name shared with arrays of the same :class:`Struct`.
    scoped : bool, default False
        Each item binds its own dimension names (names bound outside still hold): for items
        that differ in size, e.g. sequences of different lengths, each with ``("L",)`` arrays.
    """

    def __init__(self, item: Field, length: str | int | None = None, *,
                 scoped: bool = False) -> None:
        self.item = item
        self.length = length
        self.scoped = scoped

    def doc(self) -> str:
        n = "" if self.length is None else f" ({self.length})"
        return f"list[{self.item.doc()}]{n}"

    def check(self, value: Any, where: str, dims: dict[str, int] | None = None) -> list[Any]:
        if not isinstance(value, (list, tuple)):
            raise self._fail(where, "a list", value)
        if isinstance(self.length, int) and len(value) != self.length:
            raise self._fail(where, f"a list of {self.length} items", value)
        if isinstance(self.length, str) and dims is not None:
            seen = dims.setdefault(self.length, len(value))
            if seen != len(value):
                raise SchemaError(f"{where}: {len(value)} items, but {self.length} = {seen} "
                                  f"elsewhere in the same value")
        return [self.item.check(v, f"{where}[{i}]",
                                dict(dims) if self.scoped and dims is not None else dims)
                for i, v in enumerate(value)]


class Maybe(Field):
    """A :class:`Struct` field that may be left out (or None, which leaves it out)."""

    def __init__(self, field: Field) -> None:
        self.field = field

    def check(self, value: Any, where: str, dims: dict[str, int] | None = None) -> Any:
        return self.field.check(value, where, dims)

    def doc(self) -> str:
        return self.field.doc()


class OneOf(Field):
    """The first of ``fields`` that takes the value (e.g. images as a heatmap, or rows as a
    float32 array); the error lists why each one refused it."""

    def __init__(self, *fields: Field) -> None:
        if len(fields) < 2:
            raise ValueError("OneOf: give at least two fields")
        self.fields = fields

    def check(self, value: Any, where: str, dims: dict[str, int] | None = None) -> Any:
        reasons = []
        for field in self.fields:
            trial = None if dims is None else dict(dims)  # a refusal binds no dimension
            try:
                out = field.check(value, where, trial)
            except SchemaError as err:
                reasons.append(str(err).removeprefix(f"{where}: "))
                continue
            if dims is not None and trial is not None:
                dims.update(trial)
            return out
        raise SchemaError(f"{where}: matches none of {self.doc()} ({'; '.join(reasons)})")

    def doc(self) -> str:
        return " | ".join(f.doc() for f in self.fields)


def _nullable(field: Field) -> bool:
    """A field that sends None as null (``Value(float, type(None))``) rather than leaving it
    out (:class:`Maybe`)."""
    return isinstance(field, Value) and type(None) in field.types


class Struct(Field):
    """A dict with named fields, each declared; an unknown or missing field is an error.

    Parameters
    ----------
    **fields : Field
        Wrap a field in :class:`Maybe` when it may be absent (None leaves it out); a
        ``Value(..., type(None))`` field is sent as null when None. Dimension names (``"K"``) are
        shared by the fields of one struct and of the structs nested in it. A dict from any
        key to values of one kind is :meth:`Struct.mapping`.

    Examples
    --------
    >>> block = Struct(index=Array("int32", ("K",)), heat=HeatmapOf(("K", None, None)))
    >>> sorted(block.check({"index": [0, 1], "heat": np.zeros((2, 3, 3))}, "data"))
    ['heat', 'index']
    """

    def __init__(self, **fields: Field) -> None:
        self.fields = fields
        self._values: Field | None = None

    @classmethod
    def mapping(cls, values: Field) -> Struct:
        """A dict from any str key to values of one kind (e.g. one heatmap per method)."""
        s = cls()
        s._values = values
        return s

    def check(self, value: Any, where: str, dims: dict[str, int] | None = None) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise self._fail(where, "a dict", value)
        dims = {} if dims is None else dims
        if self._values is not None:
            out = {}
            for k, v in value.items():
                if not isinstance(k, str):
                    raise SchemaError(f"{where}: keys must be str, got {k!r}")
                out[k] = self._values.check(v, f"{where}[{k!r}]", dims)
            return out
        unknown = sorted(set(value) - set(self.fields))
        if unknown:
            raise SchemaError(f"{where}: unknown field(s) {unknown}; declared: "
                              f"{sorted(self.fields)}")
        for name, field in self.fields.items():
            if isinstance(field, Maybe) or (name in value and _nullable(field)):
                continue
            if value.get(name) is None:
                raise SchemaError(f"{where}: missing field {name!r}")
        # the value's own order: the order its buffers travel in
        return {name: self.fields[name].check(v, f"{where}.{name}", dims)
                for name, v in value.items() if v is not None or _nullable(self.fields[name])}

    def doc(self) -> str:
        if self._values is not None:
            return f"{{str: {self._values.doc()}}}"
        return "{" + ", ".join(f"{name}{'?' if isinstance(f, Maybe) else ''}: {f.doc()}"
                               for name, f in self.fields.items()) + "}"


class _WireDict(t.Dict):
    """A dict trait checked against a declared :class:`Field` on every assignment."""

    def __init__(self, schema: Field | None, default: Any, empty_ok: bool) -> None:
        self.schema = schema
        self.empty_ok = empty_ok
        super().__init__(default)

    def validate(self, obj: Any, value: Any) -> Any:
        value = super().validate(obj, value)
        if self.schema is None or (self.empty_ok and not value):
            return value
        where = f"{type(obj).__name__}.{self.name}"
        return self.schema.check(value, where)


def wire_trait(schema: Field | None = None, default: Any = None, *,
               empty_ok: bool = True) -> t.Dict:
    """A synced dict trait whose arrays and heatmaps are encoded by :func:`to_wire`.

    Parameters
    ----------
    schema : Field, optional
        The trait's declared structure (usually a :class:`Struct`): every assigned value is
        checked and cast by it, and a mismatch raises :class:`SchemaError` naming the widget,
        the trait and the field. Default: any dict, unchecked.
    default : dict, optional
        Initial value (default ``{}``).
    empty_ok : bool, default True
        ``{}`` passes without a check: a block not sent yet (the front end reads it as ``Empty``).
    """
    return _WireDict(schema, default or {}, empty_ok).tag(
        sync=True, to_json=lambda v, _widget: to_wire(v))


def wire_schemas(cls: type[t.HasTraits]) -> dict[str, Field | None]:
    """The wire traits of a widget class and their declared structure (None: unchecked)."""
    return {name: trait.schema for name, trait in sorted(cls.class_traits().items())
            if isinstance(trait, _WireDict)}


def check_index(value: Any, where: str, count: int, *, low: int = 0, what: str = "") -> int:
    """An index trait's value in ``[low, count)``, or a :class:`SchemaError` naming ``where``
    and the valid range (never clamped: a view must not show another item than the one asked
    for)."""
    if isinstance(value, np.integer):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SchemaError(f"{where}: expected an integer, got {_describe(value)}")
    if not low <= value < count:
        hi = count - 1
        valid = (f"{low} to {hi}" if hi > low else f"only {low}" if hi == low
                 else "none: there is nothing to show")
        extra = f" ({what})" if what else ""
        raise SchemaError(f"{where}: {value} is out of range; valid values: {valid}{extra}")
    return value


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
