"""Results are data: named arrays whose first axis is the sample, plus per-dataset metadata.

Every method's result type (``AttributionResult``, ``MaskResult``, ``ConceptTreeResult``,
``MemeTrace``, ``SENNExplanation``, ``RedescriptionResult``) is a dataclass deriving from
:class:`Result`. Its fields are of two sorts:

* **rows**, named in the class's ``_rows``: an array whose first axis is the sample, or a dict of
  them (one per method, per metric...), or ``None`` when absent;
* **metadata**: everything else, per dataset. Scalars, strings, lists and dicts of them are stored
  as JSON; arrays (a curve's x axis, a tree's nodes) as arrays; a nested result (``MaskResult``'s
  report) as its own fields.

From that one declaration every result gets, with no code of its own:

* ``len(result)`` and rows taken by ``result[i]``, ``result[i:j]``, an index array or a boolean
  mask, as a result of the same type (an integer keeps its sample axis: ``result[3]`` has one
  sample, so a view can draw it);
* :meth:`Result.concat` of results of one type (their metadata must agree, or the class says how
  to merge it in :meth:`Result._merge_meta`);
* :meth:`Result.save` to a directory and :func:`open_result` back. Arrays are ``.npy`` files opened
  memory-mapped, so a saved result is read lazily: taking rows reads those rows only.

A row may be any array-like with ``shape``, ``dtype`` and ``__getitem__`` (numpy, a memory map, a
Zarr array): the dataset jobs store the same named arrays (:meth:`Result.arrays`) and metadata
(:meth:`Result.metadata`) in Zarr, and open them back through :meth:`Result.from_parts`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np

from .._version import __version__

__all__ = ["FORMAT", "FORMAT_VERSION", "Result", "open_result", "result_types", "run_rows"]

FORMAT = "xaiwidgets-result"
FORMAT_VERSION = 1

R = TypeVar("R", bound="Result")

_REGISTRY: dict[str, type[Result]] = {}

#: the modules defining result types: imported when a saved result names a type not yet
#: registered (``import xaiwidgets`` imports its names on first use)
_RESULT_MODULES = ("xaiwidgets.attributions.compare", "xaiwidgets.concepts", "xaiwidgets.masks",
                   "xaiwidgets.meme", "xaiwidgets.redescriptions", "xaiwidgets.senn",
                   "xaiwidgets.runs.steps")


def _result_type(name: Any) -> type[Result] | None:
    """The registered result type called ``name``, importing the result modules if needed."""
    if str(name) not in _REGISTRY:
        import importlib

        for module in _RESULT_MODULES:
            importlib.import_module(module)
    return _REGISTRY.get(str(name))

# A separator that no method, metric or field name contains: nested names in the flat layout.
SEP = "/"


def result_types() -> dict[str, type[Result]]:
    """Every result type by its registered name (what a saved result records)."""
    _result_type(None)  # every module imported
    return dict(_REGISTRY)


def _is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) or (
        hasattr(value, "shape") and hasattr(value, "dtype") and hasattr(value, "__getitem__")
        and not isinstance(value, (str, bytes, np.generic)))


def _json_safe(value: Any, where: str) -> Any:
    """``value`` as plain JSON types, or a TypeError naming the field."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        # JSON has no NaN/Inf: keep them as strings that _from_json turns back
        return v if np.isfinite(v) else repr(v)
    if isinstance(value, (list, tuple)):
        return [_json_safe(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v, f"{where}[{k!r}]") for k, v in value.items()}
    raise TypeError(f"{where}: a result's metadata must be numbers, strings, lists, dicts, "
                    f"arrays or results; got {type(value).__name__}")


_FLOATS = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}


@dataclasses.dataclass
class Result:
    """Base of every method's result: named per-sample arrays plus metadata (module docstring).

    Subclasses are dataclasses that name their per-sample fields in ``_rows``. A subclass that
    needs a field's metadata merged when results are concatenated (timings, say) overrides
    :meth:`_merge_meta`.
    """

    #: Fields whose first axis is the sample (arrays, dicts of arrays, or None).
    _rows: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__name__
        if name in _REGISTRY and _REGISTRY[name].__module__ != cls.__module__:
            raise TypeError(f"two result types are named {name!r}: {_REGISTRY[name]} and {cls}")
        _REGISTRY[name] = cls

    # -- the sample axis -------------------------------------------------------------------
    def _row_arrays(self) -> Iterator[tuple[str, Any]]:
        for name in self._rows:
            yield from _flatten(getattr(self, name), name)

    def __len__(self) -> int:
        for _, a in self._row_arrays():
            return int(a.shape[0])
        return 0

    def check_rows(self) -> None:
        """Every row field has the same number of samples (a ValueError naming the first that
        does not)."""
        n = None
        first = ""
        for name, a in self._row_arrays():
            if not a.shape:
                raise ValueError(f"{type(self).__name__}.{name}: a per-sample field must have a "
                                 f"sample axis, got a scalar")
            if n is None:
                n, first = int(a.shape[0]), name
            elif int(a.shape[0]) != n:
                raise ValueError(f"{type(self).__name__}: field {name!r} has {a.shape[0]} "
                                 f"samples, {first!r} has {n}")

    def __getitem__(self: R, index: Any) -> R:
        """The samples ``index`` selects (int, slice, int array or boolean mask), as a result of
        the same type; an int keeps the sample axis (one sample)."""
        n = len(self)
        idx = _normalise_index(index, n, type(self).__name__)
        rows = {name: _map(getattr(self, name), lambda a: _take(a, idx)) for name in self._rows}
        for name in self._rows:  # nested results take their own rows
            value = getattr(self, name)
            if isinstance(value, Result):
                rows[name] = value[idx]
        taken = dataclasses.replace(self, **rows)
        source = getattr(self, "_run_rows", None)
        if isinstance(source, (int, np.integer)):  # the run's whole result: row i is sample i
            _set_run_rows(taken, np.arange(*idx.indices(n)) if isinstance(idx, slice)
                          else np.asarray(idx, dtype=np.int64))
        elif source is not None:  # taken from a run: remember which of its rows
            _set_run_rows(taken, np.asarray(source)[idx])
        return taken

    def take(self: R, index: Any) -> R:
        """Same as ``result[index]``."""
        return self[index]

    @classmethod
    def concat(cls: type[R], results: Sequence[R]) -> R:
        """One result holding the samples of ``results`` in order (all of type ``cls``).

        Metadata must agree (a ValueError names the first field that does not), unless the
        class merges it in :meth:`_merge_meta`.
        """
        results = list(results)
        if not results:
            raise ValueError(f"{cls.__name__}.concat: argument 'results' is empty; expected at "
                             "least one result")
        for i, r in enumerate(results):
            if type(r) is not cls:
                raise TypeError(f"{cls.__name__}.concat: argument 'results'[{i}] is a "
                                f"{type(r).__name__}, expected {cls.__name__}")
        first = results[0]
        merged = first._merge_meta(results)
        for f in dataclasses.fields(first):
            if f.name in cls._rows or f.name in merged:
                continue
            for i, r in enumerate(results[1:], 1):
                if not _same(getattr(first, f.name), getattr(r, f.name)):
                    raise ValueError(f"{cls.__name__}.concat: results 0 and {i} differ in "
                                     f"{f.name!r}; only results with the same metadata can be "
                                     "concatenated")
        rows = {name: _concat([getattr(r, name) for r in results], name) for name in cls._rows}
        out = dataclasses.replace(first, **rows, **merged)
        sources = [run_rows(r, whole=True) for r in results]
        if all(src is not None for src in sources):  # all from a run: their rows in order
            _set_run_rows(out, np.concatenate([np.asarray(src) for src in sources]))
        return out

    def _merge_meta(self, results: Sequence[Result]) -> dict[str, Any]:
        """Metadata fields that differ between concatenated results, merged (default: none)."""
        return {}

    # -- the flat layout (what save and the dataset store write) ----------------------------
    def arrays(self) -> dict[str, Any]:
        """Every array of the result by flat name (``"attributions/Saliency"``); rows and
        dataset-level arrays alike. :meth:`metadata` says which are rows."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            _collect_arrays(getattr(self, f.name), f.name, out)
        return out

    def metadata(self) -> dict[str, Any]:
        """The JSON part: the type, the row names, and every non-array value."""
        fields: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            fields[f.name] = _describe(getattr(self, f.name), f.name)
        rows = [name for name, _ in self._row_arrays()]
        return {"format": FORMAT, "version": FORMAT_VERSION, "xaiwidgets": __version__,
                "type": type(self).__name__, "rows": rows, "n_samples": len(self),
                "fields": fields}

    @classmethod
    def from_parts(cls, metadata: Mapping[str, Any], arrays: Mapping[str, Any]) -> Result:
        """Rebuild a result from :meth:`metadata` and :meth:`arrays` (arrays may be lazy)."""
        name = metadata.get("type")
        rtype = _result_type(name)
        if rtype is None:
            raise ValueError(f"unknown result type {name!r}; known: {sorted(_REGISTRY)}")
        if cls is not Result and not issubclass(rtype, cls):
            raise TypeError(f"{cls.__name__}.from_parts: the data holds a {name}, not a "
                            f"{cls.__name__}")
        return _build(rtype, metadata["fields"], arrays)

    # -- files -------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the result to the directory ``path`` (``result.json`` and one ``.npy`` per
        array), replacing it atomically; :func:`open_result` reads it back lazily."""
        path = Path(path)
        self.check_rows()
        meta = self.metadata()
        arrays = self.arrays()
        tmp = Path(tempfile.mkdtemp(prefix=".xai-result-", dir=path.parent if
                                    path.parent.exists() else None))
        try:
            files: dict[str, str] = {}
            for i, (name, a) in enumerate(arrays.items()):
                files[name] = f"a{i}.npy"
                np.save(tmp / files[name], np.asarray(a), allow_pickle=False)
            meta["files"] = files
            (tmp / "result.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
            if path.exists():
                if not (path / "result.json").is_file():
                    raise FileExistsError(f"argument 'path': {path} exists and is not a saved "
                                          "result; refusing to replace it")
                shutil.rmtree(path)
            os.replace(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return path


def open_result(path: str | os.PathLike[str], *, lazy: bool = True) -> Result:
    """Open a result written by :meth:`Result.save`.

    Parameters
    ----------
    path : str or Path
        The directory the result was saved to.
    lazy : bool, default True
        Memory-map the arrays (rows are read when taken) instead of reading them all.
    """
    path = Path(path)
    meta_file = path / "result.json"
    if not meta_file.is_file():
        raise FileNotFoundError(f"argument 'path': {path} is not a saved xaiwidgets result "
                                "(no result.json)")
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"argument 'path': {meta_file} is not valid JSON ({err})") from None
    if meta.get("format") != FORMAT:
        raise ValueError(f"argument 'path': {path} holds {meta.get('format')!r}, expected "
                         f"{FORMAT!r}")
    if int(meta.get("version", 0)) > FORMAT_VERSION:
        raise ValueError(f"argument 'path': {path} was written in result format version "
                         f"{meta['version']}; this xaiwidgets reads versions up to "
                         f"{FORMAT_VERSION} (upgrade xaiwidgets)")
    arrays = {name: np.load(path / file, mmap_mode="r" if lazy else None, allow_pickle=False)
              for name, file in meta.get("files", {}).items()}
    return Result.from_parts(meta, arrays)


# -- helpers -------------------------------------------------------------------------------

def _flatten(value: Any, name: str) -> Iterator[tuple[str, Any]]:
    if value is None:
        return
    if isinstance(value, Result):  # a nested result's own rows
        for sub, a in value._row_arrays():
            yield f"{name}{SEP}{sub}", a
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _flatten(v, f"{name}{SEP}{k}")
    elif _is_array(value):
        yield name, value
    else:
        raise TypeError(f"row field {name!r} must be an array, a dict of arrays or a result, got "
                        f"{type(value).__name__}")


def _map(value: Any, fn: Any) -> Any:
    if value is None or isinstance(value, Result):
        return value
    if isinstance(value, Mapping):
        return {k: _map(v, fn) for k, v in value.items()}
    return fn(value)


def run_rows(result: Any, whole: bool = False) -> np.ndarray | None:
    """The run rows a result's samples were taken from (``run.attributions[rows]``,
    ``run.masks[i:i + 1]``...): an int array, one per sample; None for a result not taken from
    a run, and for a run's whole result (sample i is row i) unless ``whole``.

    A view built from such a result uses these rows to link to the run's overview
    (:func:`~xaiwidgets.link`), so ``link(overview, ComparisonView(run.attributions[idx]))``
    needs no ``(view, rows)``.
    """
    rows = getattr(result, "_run_rows", None)
    if rows is None:
        return None
    if isinstance(rows, (int, np.integer)):  # the run's whole result: rows 0..n-1
        return np.arange(int(rows), dtype=np.int64) if whole else None
    return np.asarray(rows)


def _set_run_rows(result: Any, rows: np.ndarray | int) -> None:
    """Records the run rows of ``result`` (and of the results nested in its rows)."""
    object.__setattr__(result, "_run_rows", rows)
    for name in getattr(result, "_rows", ()):
        value = getattr(result, name, None)
        if isinstance(value, Result):
            _set_run_rows(value, rows)


def _normalise_index(index: Any, n: int, what: str) -> slice | np.ndarray:
    if isinstance(index, slice):
        return index
    if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
        i = int(index)
        if not -n <= i < n:
            raise IndexError(f"{what}: sample {i} is out of range for {n} samples")
        i %= n
        return slice(i, i + 1)
    idx = np.asarray(index)
    if idx.dtype == bool:
        if idx.shape != (n,):
            raise IndexError(f"{what}: a boolean mask must have shape ({n},), got {idx.shape}")
        return np.flatnonzero(idx)
    if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
        raise IndexError(f"{what}: samples are taken by an int, a slice, a 1-D integer array or "
                         f"a boolean mask; got {type(index).__name__}"
                         + (f" of dtype {idx.dtype}" if hasattr(index, "dtype") else ""))
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"{what}: sample indices must be in [-{n}, {n}), got "
                         f"{int(idx.min())}..{int(idx.max())}")
    return idx % n if n else idx


def _take(a: Any, idx: slice | np.ndarray) -> Any:
    if isinstance(idx, slice) or isinstance(a, np.ndarray):
        return a[idx]
    oindex = getattr(a, "oindex", None)  # Zarr: orthogonal selection along the first axis
    if oindex is not None:
        return oindex[idx]
    return a[idx]


def _concat(values: list[Any], name: str) -> Any:
    if all(v is None for v in values):
        return None
    if any(v is None for v in values):
        raise ValueError(f"concat: row field {name!r} is missing in some results")
    if isinstance(values[0], Result):
        return type(values[0]).concat(values)
    if isinstance(values[0], Mapping):
        keys = list(values[0])
        for v in values[1:]:
            if list(v) != keys:
                raise ValueError(f"concat: row field {name!r} has keys {list(v)} in one result "
                                 f"and {keys} in another")
        return {k: _concat([v[k] for v in values], f"{name}{SEP}{k}") for k in keys}
    return np.concatenate([np.asarray(v) for v in values])


def _same(a: Any, b: Any) -> bool:
    if _is_array(a) or _is_array(b):
        return (_is_array(a) and _is_array(b) and a.shape == b.shape
                and bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=
                                        np.asarray(a).dtype.kind in "fc")))
    if isinstance(a, Result) or isinstance(b, Result):
        return (type(a) is type(b) and all(
            _same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return bool(a == b)


def _collect_arrays(value: Any, name: str, out: dict[str, Any]) -> None:
    if isinstance(value, Result):
        for f in dataclasses.fields(value):
            _collect_arrays(getattr(value, f.name), f"{name}{SEP}{f.name}", out)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            _collect_arrays(v, f"{name}{SEP}{k}", out)
    elif _is_array(value):
        out[name] = value


def _describe(value: Any, name: str) -> Any:
    """The JSON description of a field: ``{"array": name}``, ``{"result": type, "fields"}``,
    ``{"dict": {...}}`` when it holds arrays, else ``{"json": value}``."""
    if isinstance(value, Result):
        return {"result": type(value).__name__,
                "fields": {f.name: _describe(getattr(value, f.name), f"{name}{SEP}{f.name}")
                           for f in dataclasses.fields(value)}}
    if _is_array(value):
        return {"array": name}
    if isinstance(value, Mapping) and any(_holds_data(v) for v in value.values()):
        for k in value:
            if not isinstance(k, str) or SEP in k:
                raise TypeError(f"{name}: keys of a dict holding arrays must be strings "
                                f"without {SEP!r}; got {k!r}")
        return {"dict": {k: _describe(v, f"{name}{SEP}{k}") for k, v in value.items()}}
    return {"json": _json_safe(value, name)}


def _holds_data(value: Any) -> bool:
    return (_is_array(value) or isinstance(value, Result)
            or (isinstance(value, Mapping) and any(_holds_data(v) for v in value.values())))


def _from_json(value: Any) -> Any:
    if isinstance(value, str) and value in _FLOATS:
        return _FLOATS[value]
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _from_json(v) for k, v in value.items()}
    return value


def _value(desc: Mapping[str, Any], arrays: Mapping[str, Any]) -> Any:
    if "array" in desc:
        name = desc["array"]
        if name not in arrays:
            raise ValueError(f"saved result is missing array {name!r}")
        return arrays[name]
    if "result" in desc:
        rtype = _result_type(desc["result"])
        if rtype is None:
            raise ValueError(f"unknown result type {desc['result']!r}")
        return _build(rtype, desc["fields"], arrays)
    if "dict" in desc:
        return {k: _value(v, arrays) for k, v in desc["dict"].items()}
    return _from_json(desc["json"])


def _build(rtype: type[Result], fields: Mapping[str, Any], arrays: Mapping[str, Any]) -> Result:
    known = {f.name: f for f in dataclasses.fields(rtype)}
    kwargs = {}
    for name, desc in fields.items():
        if name not in known:
            raise ValueError(f"saved {rtype.__name__} has a field {name!r} this version does "
                             "not know")
        kwargs[name] = _value(desc, arrays)
    result = rtype(**kwargs)
    return result
