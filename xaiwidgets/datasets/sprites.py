"""Procedural dSprites: the 737,280 binary 64x64 images of DeepMind's dSprites, rendered lazily.

The latent grid, the index <-> latents mapping and the value arrays follow the published dataset
(``dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz``):

=========== ==== ==============================================================
latent      size values
=========== ==== ==============================================================
color       1    1.0 (white)
shape       3    1.0 square, 2.0 ellipse, 3.0 heart
scale       6    ``linspace(0.5, 1, 6)``
orientation 40   ``linspace(0, 2π, 40)`` radians, counter-clockwise on screen
posX        32   ``linspace(0, 1, 32)``: image columns, left to right
posY        32   ``linspace(0, 1, 32)``: image rows, top to bottom
=========== ==== ==============================================================

``index = latents_classes @ latents_bases`` with row-major bases, exactly like DeepMind's file.

Geometry (our choices, made to match the look of dSprites; pixel ``(r, c)`` covers
``[c, c + 1] x [r, r + 1]`` in continuous image coordinates):

* Every unit outline is centred on its area centroid (the rotation centre) and normalised so its
  farthest point is at distance 1: the square has half-side 1/√2, the ellipse semi-axes 1 and 0.5
  (major axis horizontal at orientation 0), the heart is ``x = 16 sin³t,
  y = 13 cos t − 5 cos 2t − 2 cos 3t − cos 4t`` (upright at orientation 0).
* At scale 1 that circumradius is :data:`SHAPE_RADIUS_PX` = 10 pixels, so every shape at every
  orientation fits in a 20-pixel disc (the square is 14.1 px wide, the ellipse 20 x 10 px,
  the heart 18 x 16 px).
* The centroid moves over ``[10.6875, 53.3125]`` pixels in steps of 1.375 px
  (:data:`POSITION_STEP_PX`): the canvas centre is the middle of the range and the largest shape
  stays at least 0.69 px away from every border, so nothing is ever clipped and the outermost
  ring of pixels is always empty. Eight position classes are exactly 11 pixels, so
  ``pos`` and ``pos + 8`` render the same mask shifted by whole pixels.
* A pixel is on when at least half of its 8 x 8 sub-samples fall inside the rotated, scaled
  polygon (even-odd rule).
* Orientations 0 and 2π (classes 0 and 39) render identical images, as in the original.

With these sizes the filled area at equal scale orders ``ellipse < heart < square``
(about 157 : 178 : 200 pixels at scale 1, i.e. 0.79 : 0.89 : 1).

Speed: the position step is exactly 11 sub-sample pitches, so a sprite at any position is a
whole-lattice shift of one supersampled mask per (shape, scale, orientation). For each
(shape, scale) the 40 orientations are rasterised together (vectorised scanline fill) and
box-filtered at every lattice offset; an image is then one strided block copy out of that table.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeAlias

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._core.batching import batch_slices
from ._base import Dataset

__all__ = [
    "CME_SMALL_SKIP_GRID",
    "CONCEPT_NAMES",
    "IMAGE_SIZE",
    "LATENTS_BASES",
    "LATENTS_NAMES",
    "LATENTS_SIZES",
    "N_IMAGES",
    "POSITION_STEP_PX",
    "SHAPE_NAMES",
    "SHAPE_RADIUS_PX",
    "TASKS",
    "Sprites",
    "SpritesData",
    "index_to_latents",
    "latents_to_index",
    "load_sprites",
]

IMAGE_SIZE = 64
LATENTS_NAMES: tuple[str, ...] = ("color", "shape", "scale", "orientation", "posX", "posY")
LATENTS_SIZES: tuple[int, ...] = (1, 3, 6, 40, 32, 32)
# Row-major strides, as in DeepMind's notebook: concatenate(sizes[::-1].cumprod()[::-1][1:], [1]).
LATENTS_BASES: tuple[int, ...] = tuple(
    int(b) for b in np.concatenate((np.cumprod(LATENTS_SIZES[::-1])[::-1][1:], [1]))
)
N_IMAGES = int(np.prod(LATENTS_SIZES))
SHAPE_NAMES: tuple[str, ...] = ("square", "ellipse", "heart")
CONCEPT_NAMES: tuple[str, ...] = ("shape", "scale", "orientation", "posX", "posY")

# The "small_skip" grid of the CME paper: 3 x 6 x 8 x 16 x 16 = 36,864 images.
CME_SMALL_SKIP_GRID: dict[str, slice] = {
    "orientation": slice(None, None, 5),
    "posX": slice(None, None, 2),
    "posY": slice(None, None, 2),
}

SHAPE_RADIUS_PX = 10.0
_SS = 8  # sub-samples per pixel along each axis
_STEP_SS = 11  # position step in sub-sample pitches; must be an integer for the shift trick
POSITION_STEP_PX = _STEP_SS / _SS
_N_POS = LATENTS_SIZES[4]
# Centre the position range on the canvas.
_CENTRE0_PX = IMAGE_SIZE / 2 - (_N_POS - 1) * POSITION_STEP_PX / 2
# Sub-sample x = c + (m + 0.5) / SS, so the local lattice index of sample m of pixel c at
# position i is SS*c + m - _U0 - i*_STEP_SS; this needs SS*centre0 - 0.5 to be an integer.
_U0 = _SS * _CENTRE0_PX - 0.5
assert _U0 == int(_U0), "the position grid must land on the sub-sample lattice"
_U0 = int(_U0)
assert _CENTRE0_PX - SHAPE_RADIUS_PX > 0, "largest shape would touch the border"

_GridValue: TypeAlias = "slice | int | Sequence[int] | np.ndarray"


def _unit_outlines() -> tuple[np.ndarray, ...]:
    """Square, ellipse, heart as (M, 2) float64 vertices, centroid at 0, circumradius 1, y up."""
    h = 1 / math.sqrt(2)
    square = np.array([[h, h], [-h, h], [-h, -h], [h, -h]])
    t = np.linspace(0, 2 * np.pi, 128, endpoint=False)
    ellipse = np.stack([np.cos(t), 0.5 * np.sin(t)], axis=1)
    t = np.linspace(0, 2 * np.pi, 256, endpoint=False)
    heart = np.stack(
        [
            16 * np.sin(t) ** 3,
            13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t),
        ],
        axis=1,
    )
    # The heart is lopsided (wide lobes, thin tip): rotate it about its area centroid.
    x, y = heart[:, 0], heart[:, 1]
    cross = x * np.roll(y, -1) - np.roll(x, -1) * y
    area = cross.sum() / 2
    centroid = np.array(
        [((x + np.roll(x, -1)) * cross).sum(), ((y + np.roll(y, -1)) * cross).sum()]
    ) / (6 * area)
    heart = heart - centroid
    heart /= np.hypot(heart[:, 0], heart[:, 1]).max()
    return square, ellipse, heart


_OUTLINES = _unit_outlines()


def _lattice_half(radius_px: float) -> int:
    """Half-width, in sub-sample pitches, of the lattice window around a sprite of this radius."""
    return math.ceil(radius_px * _SS) + 1


# Crops start at a non-negative pixel only if the first window of the largest sprite at pos 0
# does; render() relies on it.
assert _U0 >= _lattice_half(SHAPE_RADIUS_PX)


def _window_length(half: int) -> int:
    """Number of window positions stored per axis: a multiple of SS covering ``2 * half + SS``."""
    n = 2 * half + 1
    return _SS * -(-(n + _SS - 1) // _SS)


def _rasterise(polygons: np.ndarray, half: int) -> np.ndarray:
    """Pixel masks of polygons at every sub-pixel placement on the lattice.

    The polygons are sampled at the lattice points ``k / SS`` for ``|k| <= half`` (even-odd
    rule). Entry ``[p, ty, tx]`` of the result is 1 when at least half of the ``SS x SS``
    samples of polygon ``p`` in rows ``ty - SS + 1 .. ty`` and columns ``tx - SS + 1 .. tx``
    (lattice indices counted from ``-half``) are inside, i.e. whether a pixel whose samples
    are exactly that window is on. Every image pixel of a sprite is one such window, so the
    sprite at any lattice-aligned position is a stride-SS slice of this array.

    Parameters
    ----------
    polygons : np.ndarray
        (P, M, 2) vertices in local image coordinates (x right, y down), in pixels.
    half : int
        Lattice half-width; every vertex must satisfy ``|x|, |y| < (half - 1) / SS``.

    Returns
    -------
    np.ndarray
        uint8, shape (P, L, L) with ``L = _window_length(half)``.
    """
    n_poly = polygons.shape[0]
    n = 2 * half + 1
    length = _window_length(half)
    x0, y0 = polygons[..., 0].reshape(-1), polygons[..., 1].reshape(-1)
    x1 = np.roll(polygons[..., 0], -1, axis=1).reshape(-1)
    y1 = np.roll(polygons[..., 1], -1, axis=1).reshape(-1)
    # Edge e crosses lattice row k when min(y0, y1) <= k / SS < max(y0, y1): the half-open rule
    # counts a row through a vertex once, so each row is crossed an even number of times.
    # Scaling by SS (a power of two) is exact, so the ceil bounds match that test exactly.
    k_lo = np.ceil(np.minimum(y0, y1) * _SS).astype(np.int64)
    k_hi = np.ceil(np.maximum(y0, y1) * _SS).astype(np.int64)
    n_rows = k_hi - k_lo
    edge = np.repeat(np.arange(x0.size), n_rows)
    k = k_lo[edge] + np.arange(edge.size) - np.repeat(np.cumsum(n_rows) - n_rows, n_rows)
    poly, row = edge // polygons.shape[1], k + half
    ex0, ey0, ex1, ey1 = x0[edge], y0[edge], x1[edge], y1[edge]
    xc = ex0 + (k / _SS - ey0) * (ex1 - ex0) / (ey1 - ey0)
    # Lattice columns strictly right of a crossing start at this index.
    start = np.floor(xc * _SS).astype(np.int64) + half + 1
    # One sort orders crossings by (polygon, row, x); consecutive pairs are the inside spans.
    key = np.sort((poly * n + row) * (n + 2) + start)
    row_id, start = key[0::2] // (n + 2), key % (n + 2)
    # int16 keeps the (spans x windows) arrays small; every value stays below 2 * length.
    span_a = start[0::2, None].astype(np.int16)
    span_b = start[1::2, None].astype(np.int16)
    # Inside samples of each span in the SS-wide column window ending at each column.
    win_lo = np.arange(-(_SS - 1), length - (_SS - 1), dtype=np.int16)[None, :]
    counts = np.minimum(span_b, win_lo + _SS)
    counts -= np.maximum(span_a, win_lo)
    np.maximum(counts, 0, out=counts)
    per_row = np.zeros((n_poly * n, length), dtype=np.int16)
    # Rows crossed more than once (the heart's lobes) get several spans: add them rank by
    # rank so each fancy-indexed += touches distinct rows.
    first = np.flatnonzero(np.r_[True, row_id[1:] != row_id[:-1]])
    rank = np.arange(row_id.size) - np.repeat(first, np.diff(np.r_[first, row_id.size]))
    for r in range(int(rank.max(initial=-1)) + 1):
        sel = rank == r
        per_row[row_id[sel]] += counts[sel]
    # Same window along rows, from a cumulative sum clamped past the last lattice row.
    cum = np.zeros((n_poly, length + 1, length), dtype=np.int16)
    np.cumsum(per_row.reshape(n_poly, n, length), axis=1, out=cum[:, 1 : n + 1])
    cum[:, n + 1 :] = cum[:, n : n + 1]
    sums = cum[:, 1:].copy()
    sums[:, _SS - 1 :] -= cum[:, : length - _SS + 1]
    return (sums * 2 >= _SS * _SS).astype(np.uint8)


def _as_index_array(indices: Any, name: str = "indices") -> np.ndarray:
    """Validate dataset indices and return them as a 1-D int64 array."""
    arr = np.asarray(indices)
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or arr.size == 0):
        raise ValueError(
            f"{name} must be integers in [0, {N_IMAGES}); got an array of dtype {arr.dtype}"
        )
    arr = arr.astype(np.int64, copy=False).reshape(-1)
    bad = np.flatnonzero((arr < 0) | (arr >= N_IMAGES))
    if bad.size:
        raise ValueError(
            f"{name} must be integers in [0, {N_IMAGES}); got {int(arr[bad[0]])} "
            f"at position {int(bad[0])} ({bad.size} out of range)"
        )
    return arr


def index_to_latents(idx: int | np.ndarray | Sequence[int]) -> np.ndarray:
    """Latent classes of dataset indices.

    Parameters
    ----------
    idx : int or array_like of int
        Indices in ``[0, 737280)``.

    Returns
    -------
    np.ndarray
        int64 classes, shape (6,) for a scalar index, otherwise (n, 6), columns in
        :data:`LATENTS_NAMES` order.

    Raises
    ------
    ValueError
        If an index is not an integer or is out of range.
    """
    scalar = np.ndim(idx) == 0
    arr = _as_index_array(idx, "idx")
    classes = np.stack(np.unravel_index(arr, LATENTS_SIZES), axis=1).astype(np.int64)
    return classes[0] if scalar else classes


def latents_to_index(classes: np.ndarray | Sequence[int] | Sequence[Sequence[int]]) -> Any:
    """Dataset indices of latent classes (``classes @ LATENTS_BASES``).

    Parameters
    ----------
    classes : array_like of int
        Shape (6,) or (n, 6), columns in :data:`LATENTS_NAMES` order.

    Returns
    -------
    int or np.ndarray
        An int for a single row, otherwise an int64 array of shape (n,).

    Raises
    ------
    ValueError
        If the shape is wrong or a class is out of range for its latent.
    """
    arr = np.asarray(classes)
    single = arr.ndim == 1
    if arr.ndim not in (1, 2) or arr.shape[-1] != len(LATENTS_SIZES):
        raise ValueError(f"classes must have shape (6,) or (n, 6); got shape {arr.shape}")
    if arr.size and (arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"classes must be integers; got dtype {arr.dtype}")
    arr = arr.astype(np.int64, copy=False).reshape(-1, len(LATENTS_SIZES))
    for col, (name, size) in enumerate(zip(LATENTS_NAMES, LATENTS_SIZES, strict=True)):
        bad = np.flatnonzero((arr[:, col] < 0) | (arr[:, col] >= size))
        if bad.size:
            raise ValueError(
                f"classes[:, {col}] ({name}) must be in [0, {size}); "
                f"got {int(arr[bad[0], col])} in row {int(bad[0])}"
            )
    index = arr @ np.asarray(LATENTS_BASES, dtype=np.int64)
    return int(index[0]) if single else index


class Sprites:
    """Lazy, deterministic renderer of the dSprites dataset.

    Attributes
    ----------
    latents_names : tuple of str
        ``('color', 'shape', 'scale', 'orientation', 'posX', 'posY')``.
    latents_sizes : np.ndarray
        ``[1, 3, 6, 40, 32, 32]``.
    latents_bases : np.ndarray
        Row-major strides: ``index = latents_classes @ latents_bases``.
    n_images : int
        737280.
    image_size : int
        64.
    shape_names : tuple of str
        ``('square', 'ellipse', 'heart')``.
    scale_values, orientation_values, pos_values : np.ndarray
        The latent values of DeepMind's file.
    position_step_px : float
        Pixels the sprite moves per posX/posY class (1.375).
    centre_range_px : tuple of float
        Centroid coordinate at pos 0 and pos 1, continuous pixel units (10.6875, 53.3125);
        subtract 0.5 for row/column index units.

    Notes
    -----
    Rasterised masks are cached per (shape, scale), each covering the 40 orientations:
    at most 18 entries, about 14 MB when all are warm (about 0.2 s to build them all).
    Rendering is deterministic and uses no randomness.

    Examples
    --------
    >>> sprites = Sprites()
    >>> images, classes, values, idx = sprites.sample(8, seed=0)
    >>> images.shape, images.dtype
    ((8, 64, 64), dtype('uint8'))
    """

    latents_names: tuple[str, ...] = LATENTS_NAMES
    shape_names: tuple[str, ...] = SHAPE_NAMES
    n_images: int = N_IMAGES
    image_size: int = IMAGE_SIZE
    position_step_px: float = POSITION_STEP_PX
    centre_range_px: tuple[float, float] = (
        _CENTRE0_PX,
        _CENTRE0_PX + (_N_POS - 1) * POSITION_STEP_PX,
    )

    def __init__(self) -> None:
        self.latents_sizes = np.array(LATENTS_SIZES, dtype=np.int64)
        self.latents_bases = np.array(LATENTS_BASES, dtype=np.int64)
        self.color_values = np.array([1.0])
        self.shape_values = np.array([1.0, 2.0, 3.0])
        self.scale_values = np.linspace(0.5, 1, 6)
        self.orientation_values = np.linspace(0, 2 * np.pi, 40)
        self.pos_values = np.linspace(0, 1, 32)
        self._value_tables = (
            self.color_values,
            self.shape_values,
            self.scale_values,
            self.orientation_values,
            self.pos_values,
            self.pos_values,
        )
        self._bases: dict[tuple[int, int], np.ndarray] = {}

    def __repr__(self) -> str:
        return f"Sprites(n_images={self.n_images}, cached_groups={len(self._bases)}/18)"

    # ------------------------------------------------------------------ index <-> latents
    def index_to_latents(self, idx: int | np.ndarray | Sequence[int]) -> np.ndarray:
        """Latent classes of ``idx``; see :func:`index_to_latents`."""
        return index_to_latents(idx)

    def latents_to_index(self, classes: np.ndarray | Sequence[Any]) -> Any:
        """Dataset index of latent classes; see :func:`latents_to_index`."""
        return latents_to_index(classes)

    def latents_classes(self, indices: int | np.ndarray | Sequence[int]) -> np.ndarray:
        """Integer latent classes of dataset indices.

        Parameters
        ----------
        indices : int or array_like of int
            Indices in ``[0, n_images)``.

        Returns
        -------
        np.ndarray
            int64, shape (n, 6) (a scalar index gives n = 1).
        """
        return np.stack(np.unravel_index(_as_index_array(indices), LATENTS_SIZES), axis=1).astype(
            np.int64
        )

    def latents_values(self, indices: int | np.ndarray | Sequence[int]) -> np.ndarray:
        """Latent values of dataset indices, as in DeepMind's ``latents_values``.

        Parameters
        ----------
        indices : int or array_like of int
            Indices in ``[0, n_images)``.

        Returns
        -------
        np.ndarray
            float64, shape (n, 6): color 1.0, shape 1.0/2.0/3.0, scale, orientation (radians),
            posX, posY in [0, 1].
        """
        return self._classes_to_values(self.latents_classes(indices))

    def _classes_to_values(self, classes: np.ndarray) -> np.ndarray:
        return np.stack(
            [table[classes[:, k]] for k, table in enumerate(self._value_tables)], axis=1
        )

    # ------------------------------------------------------------------ rendering
    def _group(self, shape: int, scale: int) -> np.ndarray:
        """Window masks (see :func:`_rasterise`) of one (shape, scale) at all 40 orientations."""
        key = (shape, scale)
        group = self._bases.get(key)
        if group is None:
            theta = self.orientation_values[:, None]
            radius = SHAPE_RADIUS_PX * float(self.scale_values[scale])
            c, s = np.cos(theta), np.sin(theta)
            ux, uy = _OUTLINES[shape][:, 0], _OUTLINES[shape][:, 1]
            # Counter-clockwise on screen, then flip y because image rows grow downwards.
            polygons = np.stack([radius * (c * ux - s * uy), -radius * (s * ux + c * uy)], axis=2)
            group = _rasterise(polygons, _lattice_half(radius))
            self._bases[key] = group
        return group

    def render(self, indices: int | np.ndarray | Sequence[int]) -> np.ndarray:
        """Render the requested images only.

        Parameters
        ----------
        indices : int or array_like of int
            Indices in ``[0, n_images)``; a scalar renders one image.

        Returns
        -------
        np.ndarray
            uint8 in {0, 1}, shape (n, 64, 64); rows follow posY, columns posX.

        Raises
        ------
        ValueError
            If an index is not an integer or is out of range.
        """
        idx = _as_index_array(indices)
        classes = np.stack(np.unravel_index(idx, LATENTS_SIZES), axis=1)
        halves = np.array([_lattice_half(SHAPE_RADIUS_PX * v) for v in self.scale_values])
        nbs = np.array([_window_length(int(h)) // _SS for h in halves])
        # Lattice index of each sprite's first window relative to the pixel grid, per axis
        # (rows from posY, columns from posX): the quotient by SS is the pixel where its crop
        # lands (never negative: _U0 >= every half), the remainder picks the sub-pixel phase.
        offset = classes[:, [5, 4]] * _STEP_SS + _U0 - halves[classes[:, 2]][:, None]
        first = offset // _SS
        window0 = _SS - 1 - offset % _SS
        # Crops may overhang the right/bottom edge by a pixel or two; that overhang is empty.
        side = max(IMAGE_SIZE, int((first + nbs[classes[:, 2]][:, None]).max(initial=0)))
        out = np.zeros((idx.size, side, side), np.uint8)
        group_of = classes[:, 1] * len(self.scale_values) + classes[:, 2]
        for g in np.unique(group_of).tolist():
            sel = np.flatnonzero(group_of == g)
            masks = self._group(*divmod(g, len(self.scale_values)))
            nb = masks.shape[1] // _SS
            # Strided views turn both the phase pick and the paste into block copies:
            # crops[p, ty, tx] = masks[p, ty::SS, tx::SS] and windows[i, r, c] = out[i, r:, c:].
            sp, sl, sx = masks.strides
            crops = as_strided(
                masks,
                shape=(masks.shape[0], _SS, _SS, nb, nb),
                strides=(sp, sl, sx, _SS * sl, _SS * sx),
                writeable=False,
            )
            windows = as_strided(
                out,
                shape=(idx.size, side - nb + 1, side - nb + 1, nb, nb),
                strides=out.strides + out.strides[1:],
            )
            windows[sel, first[sel, 0], first[sel, 1]] = crops[
                classes[sel, 3], window0[sel, 0], window0[sel, 1]
            ]
        if side == IMAGE_SIZE:
            return out
        return np.ascontiguousarray(out[:, :IMAGE_SIZE, :IMAGE_SIZE])

    def iter_batches(
        self, indices: int | np.ndarray | Sequence[int], batch_size: int
    ) -> Iterator[np.ndarray]:
        """Render ``indices`` in consecutive batches.

        Parameters
        ----------
        indices : array_like of int
            Indices in ``[0, n_images)``, validated before the first batch.
        batch_size : int
            Positive batch length; the last batch may be shorter.

        Yields
        ------
        np.ndarray
            uint8 images of shape (b, 64, 64), in the order of ``indices``.
        """
        idx = _as_index_array(indices)
        bs = _as_count(batch_size, "batch_size")
        if bs == 0:
            raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
        return (self.render(idx[s]) for s in batch_slices(idx.size, bs))

    # ------------------------------------------------------------------ subsets
    def grid_classes(self, grid: Mapping[str, _GridValue] | None = None) -> tuple[np.ndarray, ...]:
        """Per-latent class indices kept by ``grid``.

        Parameters
        ----------
        grid : mapping of str to slice, int or sequence of int, optional
            Restricts latents (by name in :attr:`latents_names`) to a subset of their classes,
            e.g. :data:`CME_SMALL_SKIP_GRID`. Unnamed latents keep all their classes.

        Returns
        -------
        tuple of np.ndarray
            Six sorted int64 arrays of class indices.

        Raises
        ------
        ValueError
            For unknown latent names, out-of-range, duplicate or empty selections.
        """
        grid = {} if grid is None else grid
        if not isinstance(grid, Mapping):
            raise ValueError(
                f"grid must be a mapping from latent name to classes; got {type(grid).__name__}"
            )
        unknown = [k for k in grid if k not in LATENTS_NAMES]
        if unknown:
            raise ValueError(
                f"grid has unknown latent name(s) {unknown}; expected names in {LATENTS_NAMES}"
            )
        out = []
        for name, size in zip(LATENTS_NAMES, LATENTS_SIZES, strict=True):
            sel = grid.get(name, slice(None))
            if isinstance(sel, slice):
                classes = np.arange(size, dtype=np.int64)[sel]
            else:
                arr = np.asarray(sel)
                if arr.dtype == bool and arr.shape == (size,):
                    classes = np.flatnonzero(arr).astype(np.int64)
                elif arr.ndim <= 1 and (arr.size == 0 or np.issubdtype(arr.dtype, np.integer)):
                    classes = arr.astype(np.int64).reshape(-1)
                else:
                    raise ValueError(
                        f"grid[{name!r}] must be a slice, an int, a sequence of ints or a boolean "
                        f"mask of length {size}; got {sel!r}"
                    )
                if classes.size and (classes.min() < 0 or classes.max() >= size):
                    raise ValueError(
                        f"grid[{name!r}] classes must be in [0, {size}); got {classes.tolist()}"
                    )
                if np.unique(classes).size != classes.size:
                    raise ValueError(f"grid[{name!r}] has duplicate classes: {classes.tolist()}")
                classes = np.sort(classes)
            if classes.size == 0:
                raise ValueError(f"grid[{name!r}] selects no {name} values; got {sel!r}")
            out.append(classes)
        return tuple(out)

    def grid_indices(self, grid: Mapping[str, _GridValue] | None = None) -> np.ndarray:
        """All dataset indices of a grid, in increasing order.

        Parameters
        ----------
        grid : mapping, optional
            See :meth:`grid_classes`.

        Returns
        -------
        np.ndarray
            int64 indices, e.g. 36,864 of them for :data:`CME_SMALL_SKIP_GRID`.
        """
        index = np.zeros(1, dtype=np.int64)
        for classes, base in zip(self.grid_classes(grid), LATENTS_BASES, strict=True):
            index = (index[:, None] + classes[None, :] * base).reshape(-1)
        return index

    def sample(
        self,
        n: int,
        *,
        seed: int | np.random.Generator,
        grid: Mapping[str, _GridValue] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Render a seeded random subset drawn without replacement.

        Parameters
        ----------
        n : int
            Number of images, ``0 <= n <=`` grid size.
        seed : int or np.random.Generator
            Seed of ``np.random.default_rng``; the same seed and grid give the same sample.
        grid : mapping, optional
            Restricts each latent to a subset of its classes; see :meth:`grid_classes`.

        Returns
        -------
        images : np.ndarray
            uint8 in {0, 1}, shape (n, 64, 64).
        latents_classes : np.ndarray
            int64, shape (n, 6).
        latents_values : np.ndarray
            float64, shape (n, 6).
        indices : np.ndarray
            int64 dataset indices, shape (n,), in sampled (random) order.

        Raises
        ------
        ValueError
            If ``n`` is negative, not an integer or larger than the grid, or the grid is invalid.
        """
        count = _as_count(n, "n")
        selections = self.grid_classes(grid)
        lens = tuple(int(s.size) for s in selections)
        total = math.prod(lens)
        if count > total:
            raise ValueError(f"n must be at most the {total} images in the grid; got n={count}")
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        picks = rng.choice(total, size=count, replace=False)
        sub = np.unravel_index(picks, lens)
        classes = np.stack([sel[s] for sel, s in zip(selections, sub, strict=True)], axis=1)
        classes = classes.astype(np.int64).reshape(count, len(LATENTS_SIZES))
        indices = classes @ self.latents_bases
        images = self.render(indices)
        return images, classes, self._classes_to_values(classes), indices


def _as_count(value: Any, name: str) -> int:
    try:
        if isinstance(value, bool):
            raise TypeError
        count = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be a non-negative integer; got {value!r}") from None
    if count < 0:
        raise ValueError(f"{name} must be a non-negative integer; got {count}")
    return count


@dataclass(frozen=True, repr=False)
class SpritesData(Dataset):
    """A rendered dSprites subset, ready for a PyTorch model.

    Attributes
    ----------
    images : np.ndarray
        float32 in {0, 1}, shape (n, 1, 64, 64); also ``X``.
    latents_classes : np.ndarray
        int64, shape (n, 6).
    latents_values : np.ndarray
        float64, shape (n, 6).
    indices : np.ndarray
        int64 dataset indices, shape (n,).
    concepts : dict of str to np.ndarray
        Integer classes of ``shape``, ``scale``, ``orientation``, ``posX``, ``posY``.
    concept_names : tuple of str
        Keys of ``concepts``, in order.
    task : str or None
        ``"shape"``, ``"shape_scale"`` or None.
    target : np.ndarray or None
        int64 labels for ``task``: shape class (3 classes) or ``shape * 6 + scale`` (18 classes);
        also ``y_true``. None without a task (``data[i]`` then gives the label -1).
    target_names : tuple of str or None
        ``("square", "ellipse", "heart")`` or ``("square@0.5", ..., "heart@1.0")``; also
        ``class_names``.
    description : str
    """

    images: np.ndarray
    latents_classes: np.ndarray
    latents_values: np.ndarray
    indices: np.ndarray
    concepts: dict[str, np.ndarray]
    concept_names: tuple[str, ...] = CONCEPT_NAMES
    task: str | None = None
    target: np.ndarray | None = None
    target_names: tuple[str, ...] | None = field(default=None)
    description: str = ""

    _rows: ClassVar[tuple[str, ...]] = ("images", "latents_classes", "latents_values",
                                        "indices", "concepts", "target")
    _samples: ClassVar[str] = "images"


TASKS: tuple[str, ...] = ("shape", "shape_scale")


@functools.lru_cache(maxsize=1)
def _shared_sprites() -> Sprites:
    # One renderer per process so its mask cache is reused across load_sprites calls.
    return Sprites()


def load_sprites(
    n: int,
    *,
    seed: int = 0,
    grid: Mapping[str, _GridValue] | None = None,
    task: str | None = None,
) -> SpritesData:
    """Sample and render ``n`` dSprites images with concept labels and an optional target.

    Parameters
    ----------
    n : int
        Number of images (without replacement).
    seed : int, default 0
        Sampling seed.
    grid : mapping, optional
        Restricts latents to a subset of their classes, e.g. :data:`CME_SMALL_SKIP_GRID`.
    task : {"shape", "shape_scale"} or None
        Target to attach: the shape class, or ``shape * 6 + scale`` (18 classes).

    Returns
    -------
    SpritesData

    Raises
    ------
    ValueError
        For an unknown task, or invalid ``n``/``grid`` (see :meth:`Sprites.sample`).
    """
    if task is not None and task not in TASKS:
        raise ValueError(f"task must be one of {TASKS} or None; got {task!r}")
    sprites = _shared_sprites()
    images, classes, values, indices = sprites.sample(n, seed=seed, grid=grid)
    concepts = {name: classes[:, LATENTS_NAMES.index(name)].copy() for name in CONCEPT_NAMES}
    target: np.ndarray | None = None
    target_names: tuple[str, ...] | None = None
    if task == "shape":
        target = concepts["shape"].copy()
        target_names = SHAPE_NAMES
    elif task == "shape_scale":
        target = concepts["shape"] * len(sprites.scale_values) + concepts["scale"]
        target_names = tuple(
            f"{shape}@{scale:.1f}" for shape in SHAPE_NAMES for scale in sprites.scale_values
        )
    return SpritesData(
        images=images[:, None].astype(np.float32),
        latents_classes=classes,
        latents_values=values,
        indices=indices,
        concepts=concepts,
        concept_names=CONCEPT_NAMES,
        task=task,
        target=target,
        target_names=target_names,
        description="procedural dSprites (DeepMind's latent grid, rendered by xaiwidgets)",
    )
