"""The per-sample columns of a run, as the dataset overview colours, sizes and filters by them.

:func:`columns` lists every column a run stores one value per sample of (the catalogue:
name, kind, dtype, range, category names); :func:`read_column` reads rows ``[start, stop)`` of
one of them, touching only the chunks those rows live in. Columns are derived from the stored
arrays without copying them:

========================== ========== ======================================================
name                       kind       read from
========================== ========== ======================================================
``y_true``, ``y_pred``     category   ``<attribution step>/y_true``, ``/y_pred``
``correct``                bool       both of them (``y_true == y_pred``; no label: absent)
``confidence``             number     ``<attribution step>/prob`` (probability of the target)
``metrics/<method>/<m>``   number     ``<attribution step>/metrics/<method>/<m>``
``concepts/<concept>``     category   ``<concept step>/codes/<concept>``
``meme/final_concept``     category   ``<meme step>/concepts`` at each sequence's last step
``rules/<r>``              bool       ``<redescription step>/left_holds & right_holds``
``embed/<name>``           coords     ``embed/<name>`` (N, 2) float32
========================== ========== ======================================================

Columns of a step not named after its type's default (``attributions``, ``concepts``,
``meme``, ``redescriptions``) carry the step's name as a prefix (``<step>/...``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ColumnSpec", "column_specs", "columns", "read_column"]

KINDS = ("category", "number", "bool", "coords")


@dataclass
class ColumnSpec:
    """One per-sample column: what the catalogue shows, and where its values are stored."""

    name: str
    kind: str
    dtype: str
    categories: list[str] | None = None
    description: str = ""
    #: how to read it: ("array", path) | ("eq", path_a, path_b) | ("final", concepts, lengths)
    #: | ("and_col", left, right, r) | ("coords", path)
    source: tuple[Any, ...] = ()
    range: list[float] | None = None

    def public(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "dtype": self.dtype,
                "range": self.range, "categories": self.categories,
                "description": self.description}


def _prefix(step: str, default: str, name: str) -> str:
    return name if step == default else f"{step}/{name}"


def _class_names(meta: dict[str, Any], given: list[str] | None) -> list[str] | None:
    if given is not None:
        return list(given)
    fields = meta.get("fields", {})
    names = fields.get("class_names", {}).get("json")
    if names:
        return [str(c) for c in names]
    k = fields.get("n_outputs", {}).get("json")
    if isinstance(k, int) and k > 1:
        return [str(c) for c in range(k)]
    return None


def column_specs(run: Any, class_names: list[str] | None = None) -> list[ColumnSpec]:
    """Every per-sample column of ``run`` (without ranges: see :func:`columns`)."""
    root = run._root
    steps: dict[str, Any] = run.attrs.get("steps", {})
    specs: list[ColumnSpec] = []
    seen_labels = False
    for step, desc in steps.items():
        meta = desc["metadata"]
        arrays = desc["arrays"]
        kind = meta.get("type")
        if kind == "AttributionResult":
            classes = _class_names(meta, class_names)
            p = (lambda n, s=step: _prefix(s, "attributions", n))  # noqa: E731
            has_true = "y_true" in arrays
            if not seen_labels:  # the first attribution step names the labels
                seen_labels = True
                p0 = (lambda n: n)  # noqa: E731
            else:
                p0 = p
            if has_true:
                specs.append(ColumnSpec(p0("y_true"), "category", "uint16", classes,
                                        "the true class", ("array", f"{step}/y_true")))
            specs.append(ColumnSpec(p0("y_pred"), "category", "uint16", classes,
                                    "the model's predicted class", ("array", f"{step}/y_pred")))
            if has_true:
                specs.append(ColumnSpec(p0("correct"), "bool", "uint8", ["wrong", "correct"],
                                        "the prediction equals the true class",
                                        ("eq", f"{step}/y_true", f"{step}/y_pred")))
            specs.append(ColumnSpec(p0("confidence"), "number", "float32", None,
                                    "the model's probability of the explained class",
                                    ("array", f"{step}/prob")))
            for a in arrays:
                if a.startswith("metrics/") and arrays[a]["row"] and not arrays[a]["shape"]:
                    _, method, metric = a.split("/", 2)
                    specs.append(ColumnSpec(p(f"metrics/{method}/{metric}"), "number",
                                            "float32", None, f"{metric} of {method}",
                                            ("array", f"{step}/{a}")))
        elif kind == "ConceptPredictions":
            values = meta["fields"].get("values", {}).get("json", {})
            for a in arrays:
                if a.startswith("codes/"):
                    concept = a.split("/", 1)[1]
                    specs.append(ColumnSpec(
                        _prefix(step, "concepts", f"concepts/{concept}"), "category", "uint16",
                        [str(v) for v in values.get(concept, [])],
                        f"predicted value of concept {concept}", ("array", f"{step}/{a}")))
        elif kind == "MemeTrace" and "concepts" in arrays and "lengths" in arrays:
            names = meta["fields"].get("concept_names", {}).get("json")
            specs.append(ColumnSpec(
                _prefix(step, "meme", "meme/final_concept"), "category", "uint16",
                [str(c) for c in names] if names else None,
                "the extracted model's concept at the sequence's last step",
                ("final", f"{step}/concepts", f"{step}/lengths")))
        elif kind == "RedescriptionResult" and "left_holds" in arrays and "right_holds" in arrays:
            n_rules = int(root[f"{step}/left_holds"].shape[1])
            for r in range(n_rules):
                specs.append(ColumnSpec(
                    _prefix(step, "redescriptions", f"rules/{r}"), "bool", "uint8",
                    ["not covered", "covered"], f"both rules of redescription {r} hold",
                    ("and_col", f"{step}/left_holds", f"{step}/right_holds", r)))
    if "embed" in root:
        for name in sorted(root["embed"].array_keys()):
            arr = root[f"embed/{name}"]
            # run.embed writes `complete` last: an embedding still being written is not offered
            if arr.ndim == 2 and arr.shape[1] == 2 and arr.attrs.get("complete", True):
                specs.append(ColumnSpec(f"embed/{name}", "coords", "float32", None,
                                        f"2-D embedding {name}", ("coords", f"embed/{name}")))
    return specs


def columns(run: Any, class_names: list[str] | None = None, *,
            ranges: bool = True) -> list[dict[str, Any]]:
    """The column catalogue of a run.

    Parameters
    ----------
    run : Run
        From :func:`~xaiwidgets.open_run`.
    class_names : list of str, optional
        Names of the classes (default: the stored ones, else ``"0"``, ``"1"``...).
    ranges : bool, default=True
        Give each number (and coordinate) column its finite [min, max], reading it once
        block by block (None when no value is finite).

    Returns
    -------
    list of dict
        Per column: ``name``, ``kind`` ("category", "number", "bool" or "coords"),
        ``dtype`` (as sent to the browser), ``range``, ``categories``, ``description``.
    """
    specs = column_specs(run, class_names)
    if ranges:
        for s in specs:
            if s.kind in ("number", "coords"):
                s.range = _range(run, s)
    return [s.public() for s in specs]


def _range(run: Any, spec: ColumnSpec) -> list[float] | None:
    n = len(run)
    step = max(1, run.shard_size) * max(1, (1 << 20) // max(1, run.shard_size))
    lo, hi = np.inf, -np.inf
    for start in range(0, n, step):
        v = _read(run, spec, start, min(n, start + step)).astype(np.float64)
        v = v[np.isfinite(v)]
        if v.size:
            lo, hi = min(lo, float(v.min())), max(hi, float(v.max()))
    return [lo, hi] if lo <= hi else None


def _spec(run: Any, name: str) -> ColumnSpec:
    specs = column_specs(run)
    for s in specs:
        if s.name == name:
            return s
    raise ValueError(f"argument 'name': expected a column of the run, one of "
                     f"{[s.name for s in specs]}, got {name!r}")


def _read(run: Any, spec: ColumnSpec, start: int, stop: int) -> np.ndarray:
    root = run._root
    src = spec.source
    if src[0] == "array":
        v = np.asarray(root[src[1]][start:stop])
    elif src[0] == "eq":
        a, b = np.asarray(root[src[1]][start:stop]), np.asarray(root[src[2]][start:stop])
        return (a == b) & (a >= 0)
    elif src[0] == "final":
        concepts = np.asarray(root[src[1]][start:stop])
        lengths = np.asarray(root[src[2]][start:stop]).astype(np.int64)
        last = np.clip(lengths - 1, 0, max(0, concepts.shape[1] - 1))
        v = concepts[np.arange(len(last)), last] if len(last) else concepts[:, 0]
        v = np.where(lengths > 0, v, -1)
    elif src[0] == "and_col":
        r = src[3]
        return (np.asarray(root[src[1]][start:stop, r]).astype(bool)
                & np.asarray(root[src[2]][start:stop, r]).astype(bool))
    elif src[0] == "coords":
        return np.asarray(root[src[1]][start:stop], dtype=np.float32)
    else:  # pragma: no cover - every source above
        raise AssertionError(src)
    if spec.kind == "category":
        return v
    if spec.kind == "bool":
        return v.astype(bool)
    return v.astype(np.float32)


def read_column(run: Any, name: str, start: int = 0, stop: int | None = None) -> np.ndarray:
    """Rows ``[start, stop)`` of one column of the catalogue, reading only their chunks.

    Parameters
    ----------
    run : Run
    name : str
        A column's name (see :func:`columns`).
    start, stop : int
        Rows (default: all; ``0 <= start <= stop <= len(run)``).

    Returns
    -------
    ndarray
        Categories: int64 codes (-1 where unknown); booleans: bool; numbers: float32 (NaN
        where not scored); coordinates: (stop - start, 2) float32.
    """
    from .._core.validation import check_int

    if not isinstance(name, str):
        raise TypeError(f"argument 'name': expected a column name (str), got "
                        f"{type(name).__name__}")
    n = len(run)
    start = check_int(start, "start", low=0)
    stop = n if stop is None else check_int(stop, "stop", low=0)
    if not start <= stop <= n:
        raise ValueError(f"arguments 'start', 'stop': expected 0 <= start <= stop <= {n} "
                         f"(the run's samples), got start={start}, stop={stop}")
    return _read(run, _spec(run, name), start, stop)
