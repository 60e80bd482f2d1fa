"""Attribute tables: the "views" over the same samples that redescriptions relate.

An :class:`AttributeTable` (a view, in the method's words) is a named table with one row per
sample: a layer's activations (captured in place with
:class:`~xaiwidgets.ModelProbe`, conv channels pooled), a model's predictions, true labels, input
attributes (numeric and categorical columns), or a layer of another model. Columns that carry no
information (constant, or missing everywhere) are dropped with a warning that names them.

A view built from a model remembers how it was built, so that the randomisation baseline can
build the same view from an untrained copy of that model (the user's model is never touched).
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from .._core.activations import pool_activation
from .._core.batching import DEFAULT_BATCH_SIZE
from .._core.probe import (
    ModelProbe,
    iter_input_batches,
    model_device,
    model_dtype,
    preserved_model,
    resolve_layer,
    run_model,
)
from .._core.rules import category_test, interval_test
from .._core.task import TASKS, infer_task
from .._core.validation import (
    as_tensor,
    check_class_names,
    check_column,
    check_int,
    check_model,
    check_model_output,
    check_option,
    describe,
    missing_labels,
)

__all__ = [
    "AttributeTable",
    "Encoding",
    "Schema",
    "activation_table",
    "as_table",
    "join_tables",
    "prediction_table",
]

NUMERIC, CATEGORICAL = "numeric", "categorical"
POOLS = ("mean", "max")


@dataclass(frozen=True)
class _Source:
    """How a view was computed from a model, so it can be computed again from a copy."""

    model: nn.Module
    build: Callable[[nn.Module], AttributeTable]


@dataclass
class AttributeTable:
    """A named table over samples: one side of a redescription.

    Build tables with :func:`as_table`, :func:`activation_table` or :func:`prediction_table`.

    Parameters
    ----------
    name : str
        The view's name (used to prefix its columns when views are joined).
    columns : sequence of str
        Column names.
    kinds : sequence of {"numeric", "categorical"}
    values : np.ndarray of shape (N, F)
        Numeric columns hold their values; categorical ones hold codes into ``categories``.
    categories : sequence of (np.ndarray or None)
        The sorted distinct values of each categorical column (None for numeric ones).
    """

    name: str
    columns: list[str]
    kinds: list[str]
    values: np.ndarray
    categories: list[np.ndarray | None]
    source: _Source | None = field(default=None, repr=False, compare=False)

    @property
    def n_samples(self) -> int:
        return int(self.values.shape[0])

    def __repr__(self) -> str:
        n_cat = sum(k == CATEGORICAL for k in self.kinds)
        return (f"AttributeTable({self.name!r}: {self.n_samples} samples x "
                f"{len(self.columns)} columns"
                f"{f', {n_cat} categorical' if n_cat else ''})")

    def to_frame(self) -> Any:
        """The view as a pandas DataFrame (categorical columns hold their values)."""
        import pandas as pd

        data = {}
        for j, c in enumerate(self.columns):
            cats = self.categories[j]
            data[c] = (self.values[:, j] if cats is None
                       else cats[self.values[:, j].astype(np.int64)])
        return pd.DataFrame(data)

    def permuted(self, rng: np.random.Generator) -> AttributeTable:
        """The same columns with every column shuffled independently (a null view)."""
        values = np.stack([rng.permutation(col) for col in self.values.T], axis=1)
        return AttributeTable(self.name, list(self.columns), list(self.kinds), values,
                              list(self.categories))

    def encode(self) -> Encoding:
        """The matrix trees are grown on: numeric columns as they are, categorical ones
        one-hot (one indicator per value)."""
        blocks, source, value = [], [], []
        for j, kind in enumerate(self.kinds):
            col = self.values[:, j]
            if kind == NUMERIC:
                blocks.append(col[:, None])
                source.append(j)
                value.append(-1)
            else:
                cats = self.categories[j]
                assert cats is not None
                codes = col.astype(np.int64)
                blocks.append((codes[:, None] == np.arange(len(cats))[None]).astype(np.float64))
                source += [j] * len(cats)
                value += list(range(len(cats)))
        matrix = np.concatenate(blocks, axis=1).astype(np.float32)
        return Encoding(self, matrix, np.asarray(source, dtype=np.int64),
                        np.asarray(value, dtype=np.int64))


@dataclass
class Encoding:
    """A view's tree matrix (float32, as sklearn's trees see it) and what each column is."""

    view: AttributeTable
    matrix: np.ndarray
    source: np.ndarray  # (E,) the view column each encoded column comes from
    value: np.ndarray  # (E,) the category index of a one-hot column, -1 for numeric ones

    def columns_of(self, j: int) -> np.ndarray:
        """Encoded columns of view column ``j``."""
        return np.flatnonzero(self.source == j)

    def literal_specs(self, cols: Sequence[int], low: Sequence[float], high: Sequence[float]
                      ) -> list[tuple[int, float, float, np.ndarray | None]]:
        """A box ``low < x <= high`` on encoded columns as one literal per view column:
        ``(column, low, high, None)`` for numeric columns, ``(column, -inf, inf, included)``
        for categorical ones (one-hot indicators of one attribute are merged)."""
        per: dict[int, list[int]] = {}
        for k, c in enumerate(cols):
            per.setdefault(int(self.source[c]), []).append(k)
        out: list[tuple[int, float, float, np.ndarray | None]] = []
        for j, ks in per.items():
            cats = self.view.categories[j]
            if cats is None:
                out.append((j, max(float(low[k]) for k in ks), min(float(high[k]) for k in ks),
                            None))
                continue
            included = np.ones(len(cats), dtype=bool)
            for k in ks:
                v = int(self.value[cols[k]])
                if float(low[k]) >= 0.5:  # indicator > 0.5: exactly this value
                    only = np.zeros(len(cats), dtype=bool)
                    only[v] = True
                    included &= only
                if float(high[k]) < 1.0:  # indicator <= 0.5: not this value
                    included[v] = False
            out.append((j, -np.inf, np.inf, included))
        return out

    def literal_text(self, lit: tuple[int, float, float, np.ndarray | None]) -> str:
        """One literal of :meth:`literal_specs` in words."""
        j, lo, hi, included = lit
        name = self.view.columns[j]
        if included is None:
            return interval_test(name, lo, hi, self.known(j))
        cats = self.view.categories[j]
        assert cats is not None
        return category_test(name, list(cats), included.tolist())

    def known(self, j: int) -> np.ndarray:
        """The distinct values of numeric view column ``j`` (bounds are shown as these)."""
        cache = self.__dict__.setdefault("_known_cache", {})
        if j not in cache:
            cache[j] = np.unique(self.matrix[:, np.flatnonzero(self.source == j)[0]]
                                 ).astype(np.float64)
        return cache[j]


# -- coercion ----------------------------------------------------------------------------------

def _is_frame(x: Any) -> bool:
    return hasattr(x, "columns") and hasattr(x, "to_numpy") and hasattr(x, "dtypes")


def _column_kind(arr: np.ndarray) -> str | None:
    """numeric, categorical, or None (a dtype a rule cannot test: dates, complex...)."""
    kind = arr.dtype.kind
    if kind in "iuf":
        return NUMERIC
    if kind in "bUS":
        return CATEGORICAL
    if kind == "O":
        present = [v for v in arr if not (v is None or (isinstance(v, float) and math.isnan(v)))]
        if all(isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))
               for v in present):
            return NUMERIC
        if all(isinstance(v, (str, bytes, bool, np.bool_, numbers.Integral)) for v in present):
            return CATEGORICAL
    return None


def _named_columns(data: Any, name: str) -> list[tuple[str, np.ndarray]]:
    """``(column name, 1-D array)`` pairs of a DataFrame, Series, mapping, array or tensor."""
    if isinstance(data, (str, bytes)):
        raise TypeError(f"argument '{name}': expected a table (DataFrame, dict of columns, "
                        f"array or tensor), got the string {data[:30]!r}")
    if _is_frame(data):
        names = [str(c) for c in data.columns]
        dupes = sorted({c for c in names if names.count(c) > 1})
        if dupes:  # data[c] would be a frame, not a column
            raise ValueError(f"argument '{name}': expected unique column names, got "
                             f"{dupes[:10]} more than once")
        cols = []
        for j, c in enumerate(data.columns):
            series = data.iloc[:, j]
            arr = series.to_numpy()
            if str(series.dtype) == "category":
                arr = series.astype(object).to_numpy()
            cols.append((str(c), arr))
        return cols
    if hasattr(data, "to_numpy") and hasattr(data, "name"):  # a Series
        return [(str(data.name) if data.name is not None else name, data.to_numpy())]
    if isinstance(data, Mapping):
        out = []
        for k, v in data.items():
            if not isinstance(k, str):
                raise TypeError(f"argument '{name}': column names must be str, got {k!r}")
            out.append((k, check_column(v, name, f"column {k!r}")))
        return out
    if isinstance(data, (torch.Tensor, np.ndarray)):
        arr = data.detach().cpu().numpy() if isinstance(data, torch.Tensor) else data
        if arr.ndim == 1:
            return [(name, arr)]
        if arr.ndim != 2:
            raise ValueError(f"argument '{name}': expected a table of shape (N, F), got "
                             f"{describe(data)}")
        return [(f"{name}[{j}]", arr[:, j]) for j in range(arr.shape[1])]
    raise TypeError(f"argument '{name}': expected an AttributeTable, a DataFrame, a dict of "
                    "columns, an "
                    f"array or a tensor, got {describe(data)}")


def _build(name: str, cols: list[tuple[str, np.ndarray]], arg: str) -> AttributeTable:
    """Validate and encode named columns; drop the uninformative ones with a warning."""
    if not cols:
        raise ValueError(f"argument '{arg}': expected at least one numeric or categorical "
                         "column, got none")
    n = len(cols[0][1])
    lengths = {c: len(a) for c, a in cols if len(a) != n}
    if lengths:
        raise ValueError(f"argument '{arg}': every column needs one value per sample ({n}), got "
                         + ", ".join(f"{c!r} with {m}" for c, m in lengths.items()))
    if n == 0:
        raise ValueError(f"argument '{arg}': expected at least one sample, got 0 rows")
    dupes = sorted({c for c, _ in cols if sum(c == d for d, _ in cols) > 1})
    if dupes:
        raise ValueError(f"argument '{arg}': column names must be unique, got {dupes} twice")
    names, kinds, values, categories = [], [], [], []
    dropped: dict[str, list[str]] = {"constant": [], "missing everywhere": [],
                                     "neither numeric nor categorical": []}
    for c, arr in cols:
        kind = _column_kind(arr)
        if kind is None:
            dropped["neither numeric nor categorical"].append(c)
            continue
        missing = missing_labels(arr)
        if missing.all():
            dropped["missing everywhere"].append(c)
            continue
        if missing.any():
            raise ValueError(
                f"argument '{arg}': column {c!r} has missing values (NaN / None) at samples "
                f"{np.flatnonzero(missing)[:10].tolist()}; drop those samples or impute them")
        if kind == NUMERIC:
            col = arr.astype(np.float64)
            if not np.isfinite(col).all():
                raise ValueError(f"argument '{arg}': column {c!r} contains Inf at samples "
                                 f"{np.flatnonzero(~np.isfinite(col))[:10].tolist()}")
            cats = None
        else:
            cats, codes = np.unique(arr.astype(str) if arr.dtype.kind == "O" else arr,
                                    return_inverse=True)
            col = codes.reshape(-1).astype(np.float64)
        if np.all(col == col[0]):
            dropped["constant"].append(c)
            continue
        names.append(c)
        kinds.append(kind)
        values.append(col)
        categories.append(cats)
    notes = [f"{why} {cs}" for why, cs in dropped.items() if cs]
    if notes and names:
        warnings.warn(f"argument '{arg}': view {name!r} dropped {sum(map(len, dropped.values()))}"
                      f" column(s): {'; '.join(notes)}", UserWarning, stacklevel=4)
    if not names:
        raise ValueError(f"argument '{arg}': expected at least one numeric or categorical column "
                         f"that varies over the samples, got none ({'; '.join(notes)})")
    return AttributeTable(name, names, kinds, np.stack(values, axis=1), categories)


def as_table(data: Any, name: str = "view", *, arg: str | None = None) -> AttributeTable:
    """Any table as a :class:`AttributeTable`.

    Parameters
    ----------
    data : AttributeTable, DataFrame, Series, dict of str to array-like, array or tensor
        One row per sample. Numeric columns (ints and floats) are tested with thresholds,
        the others (strings, booleans, pandas categories) with equalities. A 2-D array gets
        columns ``name[0]``, ``name[1]``, ...
    name : str
        The view's name (an AttributeTable keeps its own).
    arg : str, optional
        Argument name used in error messages (default: ``name``).

    Returns
    -------
    AttributeTable
    """
    if isinstance(data, AttributeTable):
        return data
    return _build(name, _named_columns(data, arg or name), arg or name)


def join_tables(views: Sequence[AttributeTable], name: str) -> AttributeTable:
    """Several views over the same samples as one (columns prefixed by their view's name when
    names collide)."""
    if len(views) == 1:
        return views[0]
    names = [c for v in views for c in v.columns]
    clash = len(set(names)) < len(names)
    columns = [f"{v.name}.{c}" if clash else c for v in views for c in v.columns]
    return AttributeTable(name, columns, [k for v in views for k in v.kinds],
                          np.concatenate([v.values for v in views], axis=1),
                          [c for v in views for c in v.categories])


# -- views of a model --------------------------------------------------------------------------

def _check_pool(pool: Any) -> Any:
    if isinstance(pool, str):
        return check_option(pool, "pool", POOLS)
    return check_int(pool, "pool", low=1)


def _reducer(pool: Any) -> Callable[[Any], torch.Tensor]:
    def reduce(a: Any) -> torch.Tensor:
        if not isinstance(a, torch.Tensor) or a.ndim < 4:
            return a
        if pool == "mean":
            return a.flatten(2).mean(dim=2)
        if pool == "max":
            return a.flatten(2).amax(dim=2)
        return pool_activation(a, int(pool))
    return reduce


def _unit_names(prefix: str, raw_ndim: int, channels: int, n: int, pool: Any) -> list[str]:
    if raw_ndim < 4:
        return [f"{prefix}.n{j}" for j in range(n)]
    if isinstance(pool, str):
        return [f"{prefix}.c{j}" for j in range(n)]
    g = int(pool)
    cells = g ** (raw_ndim - 2)
    names = []
    for stat in ("mean", "max"):
        for c in range(channels):
            for k in range(cells):
                idx = np.unravel_index(k, (g,) * (raw_ndim - 2))
                names.append(f"{prefix}.c{c}.{stat}[{','.join(map(str, idx))}]")
    return names


def activation_table(
    model: nn.Module,
    X: Any,
    layer: str | nn.Module,
    *,
    pool: str | int = "mean",
    batch_size: int = DEFAULT_BATCH_SIZE,
    name: str | None = None,
) -> AttributeTable:
    """The activations of one layer as an attribute table (one column per neuron or channel).

    Captured in place with :class:`~xaiwidgets.ModelProbe`: the model is left exactly as found.

    Parameters
    ----------
    model : nn.Module
    X : tensor, array or DataFrame
        Inputs as the model expects them (floating inputs are cast to the model's dtype).
    layer : str or nn.Module
        A name from ``model.named_modules()`` or the submodule itself. Prefer the output of a
        nonlinearity (e.g. a ``ReLU`` module): redescriptions then talk about what fires.
    pool : {"mean", "max"} or int, default="mean"
        How conv maps ``(N, C, H, W)`` become columns: one value per channel (global average or
        max pool, as the reference does), or for an int ``g`` the mean and max over a ``g x g``
        grid (:func:`~xaiwidgets.concepts.pool_activation`; keeps where a channel fires).
    batch_size : int, default=256
    name : str, optional
        The view's name and column prefix (default: the layer name), e.g. ``"net111"`` gives
        columns ``net111.n0``, ``net111.n1``, ...

    Returns
    -------
    AttributeTable
    """
    check_model(model)
    layer_name, _module = resolve_layer(model, layer, "layer")
    pool = _check_pool(pool)
    check_int(batch_size, "batch_size", low=1)
    if name is not None and not isinstance(name, str):
        raise TypeError(f"argument 'name': expected a str or None, got {describe(name)}")
    prefix = name or layer_name
    inputs = as_tensor(X, "X")
    if inputs.ndim == 0 or len(inputs) == 0:
        raise ValueError(f"argument 'X': expected at least one sample, got {describe(X)}")

    def build(m: nn.Module) -> AttributeTable:
        shape: dict[str, tuple[int, ...]] = {}

        def reduce(a: Any) -> torch.Tensor:
            if isinstance(a, torch.Tensor):
                shape.setdefault("raw", tuple(a.shape))
            return _reducer(pool)(a)

        probe = ModelProbe(m, [layer_name], reduce=reduce)
        acts = probe.collect(inputs, batch_size=batch_size)[layer_name]
        raw = shape.get("raw", acts.shape)
        cols = _unit_names(prefix, len(raw), raw[1] if len(raw) > 1 else 1, acts.shape[1], pool)
        return _build(prefix, list(zip(cols, acts.astype(np.float64).T, strict=True)), "X")

    view = build(model)
    view.source = _Source(model, build)
    return view


def prediction_table(
    model: nn.Module,
    X: Any,
    *,
    task: str = "auto",
    class_names: Sequence[str] | Mapping[int, str] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    name: str = "predicted",
) -> AttributeTable:
    """The model's predictions as a one-column attribute table (classes by name, or a regression
    output).

    Parameters
    ----------
    model : nn.Module
    X : tensor, array or DataFrame
    task : {"auto", "multiclass", "binary", "regression"}, default="auto"
        How the outputs read (a one-output classifier needs ``"binary"``).
    class_names : sequence or dict of class index to name, optional
    batch_size : int, default=256
    name : str, default="predicted"
        The column's (and the view's) name.

    Returns
    -------
    AttributeTable
    """
    check_model(model)
    check_option(task, "task", TASKS)
    check_int(batch_size, "batch_size", low=1)
    inputs = as_tensor(X, "X")

    def build(m: nn.Module) -> AttributeTable:
        outs = []
        device, dtype = model_device(m), model_dtype(m)
        with preserved_model(m), torch.inference_mode():
            for batch in iter_input_batches(inputs, batch_size, "X"):
                b = batch.to(device=device, dtype=dtype if batch.is_floating_point()
                             else batch.dtype)
                outs.append(check_model_output(run_model(m, b, "X"), len(b)).float().cpu())
        out = torch.cat(outs)
        t = infer_task(task, out.shape[1])
        pred = t.predict(out).numpy()
        if t.is_classifier:
            names = check_class_names(class_names, t.n_classes)
            labels = (np.array([names[int(c)] for c in pred], dtype=object) if names
                      else pred.astype(np.int64).astype(str))
            col: np.ndarray = labels
        else:
            col = pred.astype(np.float64)
        return _build(name, [(name, col)], "X")

    view = build(model)
    view.source = _Source(model, build)
    return view


@dataclass(frozen=True)
class Schema:
    """A view's columns without its data: what a fitted result needs to test its rules on new
    samples (categorical columns keep the value order of the mined view)."""

    name: str
    columns: tuple[str, ...]
    kinds: tuple[str, ...]
    categories: tuple[np.ndarray | None, ...]

    @classmethod
    def of(cls, view: AttributeTable) -> Schema:
        return cls(view.name, tuple(view.columns), tuple(view.kinds), tuple(view.categories))

    def to_data(self) -> dict[str, Any]:
        """The schema as plain data (names, kinds, category values as lists)."""
        return {"name": self.name, "columns": list(self.columns), "kinds": list(self.kinds),
                "categories": [None if c is None else np.asarray(c).tolist()
                               for c in self.categories]}

    @classmethod
    def from_data(cls, data: Any) -> Schema:
        """The schema :meth:`to_data` wrote (a schema is returned as it is)."""
        if isinstance(data, Schema):
            return data
        return cls(str(data["name"]), tuple(data["columns"]), tuple(data["kinds"]),
                   tuple(None if c is None else np.asarray(c) for c in data["categories"]))

    def matrix(self, data: Any, arg: str = "data") -> np.ndarray:
        """The encoded matrix (as :meth:`AttributeTable.encode` builds it) of new samples
        ``data``, a table with (at least) the schema's columns; unseen categories match no value."""
        if isinstance(data, AttributeTable):
            given = {c: (data.values[:, j] if (cats := data.categories[j]) is None else
                         cats[data.values[:, j].astype(np.int64)])
                     for j, c in enumerate(data.columns)}
        else:
            given = dict(_named_columns(data, arg))
        missing = [c for c in self.columns if c not in given]
        if missing:
            raise ValueError(f"argument '{arg}': missing columns {missing[:10]} of view "
                             f"{self.name!r}")
        blocks = []
        for c, kind, cats in zip(self.columns, self.kinds, self.categories, strict=True):
            col = np.asarray(given[c])
            if kind == NUMERIC:
                if col.dtype.kind not in "biuf":
                    raise TypeError(f"argument '{arg}': column {c!r} must be numeric, got dtype "
                                    f"{col.dtype}")
                blocks.append(col.astype(np.float64)[:, None])
            else:
                assert cats is not None
                vals = col.astype(str) if col.dtype.kind == "O" else col
                blocks.append((vals[:, None] == cats[None]).astype(np.float64))
        return np.concatenate(blocks, axis=1).astype(np.float32)
