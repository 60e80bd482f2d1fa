"""Behaviour of the procedural dSprites generator (xaiwidgets.datasets.sprites)."""

from __future__ import annotations

import numpy as np
import pytest

from xaiwidgets.datasets import sprites as sprites_mod
from xaiwidgets.datasets.sprites import (
    CME_SMALL_SKIP_GRID,
    LATENTS_BASES,
    LATENTS_SIZES,
    N_IMAGES,
    Sprites,
    index_to_latents,
    latents_to_index,
    load_sprites,
)

SQUARE, ELLIPSE, HEART = 0, 1, 2
SHAPES = [SQUARE, ELLIPSE, HEART]
# linspace(0, 2π, 40) has a 2π/39 step: class 10 is 92.3°, class 5 is 46.2°, class 20 is 184.6°.
QUARTER_TURN = 10
EIGHTH_TURN = 5
HALF_TURN = 20


@pytest.fixture(scope="module")
def sprites() -> Sprites:
    return Sprites()


def idx(shape: int, scale: int, orientation: int, pos_x: int, pos_y: int) -> int:
    return latents_to_index([0, shape, scale, orientation, pos_x, pos_y])


def one(sprites: Sprites, *latents: int) -> np.ndarray:
    return sprites.render(idx(*latents))[0]


def centroid(img: np.ndarray) -> tuple[float, float]:
    rows, cols = np.nonzero(img)
    return float(rows.mean()), float(cols.mean())


# ---------------------------------------------------------------------- grid & index mapping


def test_grid_size_and_metadata(sprites: Sprites) -> None:
    assert N_IMAGES == sprites.n_images == 737_280 == int(np.prod(sprites.latents_sizes))
    assert tuple(sprites.latents_sizes) == LATENTS_SIZES == (1, 3, 6, 40, 32, 32)
    assert sprites.latents_names == ("color", "shape", "scale", "orientation", "posX", "posY")
    assert sprites.shape_names == ("square", "ellipse", "heart")
    np.testing.assert_allclose(sprites.scale_values, np.linspace(0.5, 1, 6))
    np.testing.assert_allclose(sprites.orientation_values, np.linspace(0, 2 * np.pi, 40))
    np.testing.assert_allclose(sprites.pos_values, np.linspace(0, 1, 32))


def test_bases_are_row_major(sprites: Sprites) -> None:
    # DeepMind's notebook: concatenate(sizes[::-1].cumprod()[::-1][1:], [1]).
    expected = np.concatenate((np.array(LATENTS_SIZES)[::-1].cumprod()[::-1][1:], [1]))
    np.testing.assert_array_equal(sprites.latents_bases, expected)
    assert LATENTS_BASES == (737_280, 245_760, 40_960, 1_024, 32, 1)
    rng = np.random.default_rng(0)
    classes = np.stack([rng.integers(0, s, 500) for s in LATENTS_SIZES], axis=1)
    np.testing.assert_array_equal(
        classes @ sprites.latents_bases, np.ravel_multi_index(classes.T, LATENTS_SIZES)
    )


def test_index_latents_round_trip_over_whole_dataset(sprites: Sprites) -> None:
    every = np.arange(N_IMAGES)
    classes = index_to_latents(every)
    assert classes.shape == (N_IMAGES, 6)
    np.testing.assert_array_equal(latents_to_index(classes), every)
    np.testing.assert_array_equal(classes @ sprites.latents_bases, every)
    np.testing.assert_array_equal(classes.max(axis=0) + 1, LATENTS_SIZES)
    # Row-major: the last latent (posY) varies fastest, shape slowest after color.
    np.testing.assert_array_equal(classes[:32, 5], np.arange(32))
    assert classes[32].tolist() == [0, 0, 0, 0, 1, 0]


@pytest.mark.parametrize("index", [0, 1, 31, 32, 1023, 40_960, 245_759, N_IMAGES - 1])
def test_scalar_round_trip(sprites: Sprites, index: int) -> None:
    classes = index_to_latents(index)
    assert classes.shape == (6,)
    assert latents_to_index(classes) == index
    assert sprites.latents_to_index(sprites.index_to_latents(index)) == index
    np.testing.assert_array_equal(sprites.latents_classes(index), classes[None])


@pytest.mark.parametrize(
    ("column", "attribute"),
    [
        (1, "shape_values"),
        (2, "scale_values"),
        (3, "orientation_values"),
        (4, "pos_values"),
        (5, "pos_values"),
    ],
)
def test_latents_values_follow_classes(sprites: Sprites, column: int, attribute: str) -> None:
    indices = np.random.default_rng(1).integers(0, N_IMAGES, 2000)
    classes = sprites.latents_classes(indices)
    values = sprites.latents_values(indices)
    assert values.shape == (2000, 6)
    np.testing.assert_array_equal(values[:, 0], 1.0)
    np.testing.assert_array_equal(
        values[:, column], getattr(sprites, attribute)[classes[:, column]]
    )


def test_shape_values_are_one_based_like_the_original(sprites: Sprites) -> None:
    values = sprites.latents_values([idx(s, 0, 0, 0, 0) for s in SHAPES])
    assert values[:, 1].tolist() == [1.0, 2.0, 3.0]


# ---------------------------------------------------------------------- grids & sampling


def test_cme_small_skip_grid(sprites: Sprites) -> None:
    indices = sprites.grid_indices(CME_SMALL_SKIP_GRID)
    assert indices.size == 36_864 == 3 * 6 * 8 * 16 * 16
    assert np.all(np.diff(indices) > 0)
    classes = index_to_latents(indices)
    assert set(classes[:, 3].tolist()) == set(range(0, 40, 5))
    assert set(classes[:, 4].tolist()) == set(range(0, 32, 2))
    assert set(classes[:, 5].tolist()) == set(range(0, 32, 2))
    images, sampled, _, picked = sprites.sample(36_864, seed=3, grid=CME_SMALL_SKIP_GRID)
    assert images.shape == (36_864, 64, 64)
    np.testing.assert_array_equal(np.sort(picked), indices)
    np.testing.assert_array_equal(sampled @ sprites.latents_bases, picked)


@pytest.mark.parametrize(
    ("grid", "size"),
    [
        (None, N_IMAGES),
        ({"shape": [2]}, N_IMAGES // 3),
        ({"shape": 1, "scale": slice(3, None)}, 3 * 40 * 32 * 32),
        ({"posX": np.arange(32) < 4, "posY": [0, 31]}, 3 * 6 * 40 * 4 * 2),
    ],
)
def test_sample_stays_in_grid(sprites: Sprites, grid: dict | None, size: int) -> None:
    allowed = sprites.grid_indices(grid)
    assert allowed.size == size
    images, classes, values, indices = sprites.sample(300, seed=0, grid=grid)
    assert images.shape == (300, 64, 64) and classes.shape == values.shape == (300, 6)
    assert np.unique(indices).size == 300  # without replacement
    assert np.isin(indices, allowed).all()
    np.testing.assert_array_equal(images, sprites.render(indices))
    np.testing.assert_array_equal(values, sprites.latents_values(indices))


def test_sample_all_of_a_small_grid_without_replacement(sprites: Sprites) -> None:
    grid = {"shape": [0], "scale": [5], "orientation": [0, 1]}
    total = 2 * 32 * 32
    _, _, _, indices = sprites.sample(total, seed=5, grid=grid)
    np.testing.assert_array_equal(np.sort(indices), sprites.grid_indices(grid))


def test_sample_zero(sprites: Sprites) -> None:
    images, classes, values, indices = sprites.sample(0, seed=0)
    assert images.shape == (0, 64, 64) and classes.shape == values.shape == (0, 6)
    assert indices.shape == (0,)


# ---------------------------------------------------------------------- determinism & values


def test_render_is_deterministic(sprites: Sprites) -> None:
    indices = np.random.default_rng(2).integers(0, N_IMAGES, 500)
    first = sprites.render(indices)
    np.testing.assert_array_equal(first, sprites.render(indices))
    np.testing.assert_array_equal(first, Sprites().render(indices))  # cold cache, same pixels
    # Each image depends on its own latents only, not on the batch it is rendered in.
    np.testing.assert_array_equal(first[17], sprites.render(indices[17])[0])
    np.testing.assert_array_equal(first[::-1], sprites.render(indices[::-1]))


@pytest.mark.parametrize("grid", [None, CME_SMALL_SKIP_GRID])
def test_sample_seeds(sprites: Sprites, grid: dict | None) -> None:
    a = sprites.sample(64, seed=11, grid=grid)
    b = sprites.sample(64, seed=11, grid=grid)
    c = sprites.sample(64, seed=12, grid=grid)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[3], c[3])
    assert not np.array_equal(a[0], c[0])


def test_images_are_binary_uint8_and_never_empty(sprites: Sprites) -> None:
    images, *_ = sprites.sample(3000, seed=4)
    assert images.dtype == np.uint8 and images.shape == (3000, 64, 64)
    assert set(np.unique(images).tolist()) == {0, 1}
    assert images.sum(axis=(1, 2)).min() >= 30


def test_full_orientation_turn_renders_the_same_image(sprites: Sprites) -> None:
    # linspace(0, 2π, 40) includes both ends, like DeepMind's file.
    grid_0 = sprites.grid_indices({"orientation": [0], "posX": [0, 13], "posY": [7, 31]})
    grid_2pi = sprites.grid_indices({"orientation": [39], "posX": [0, 13], "posY": [7, 31]})
    np.testing.assert_array_equal(sprites.render(grid_0), sprites.render(grid_2pi))


def _reference_render(sprites: Sprites, index: int) -> np.ndarray:
    """Direct 8x8-supersampled even-odd rasterisation of one sprite, no caching or shifting."""
    _, shape, scale, orientation, pos_x, pos_y = index_to_latents(index)
    theta = sprites.orientation_values[orientation]
    radius = sprites_mod.SHAPE_RADIUS_PX * sprites.scale_values[scale]
    unit = sprites_mod._OUTLINES[shape]
    c, s = np.cos(theta), np.sin(theta)
    vx = radius * (c * unit[:, 0] - s * unit[:, 1])
    vy = -radius * (s * unit[:, 0] + c * unit[:, 1])
    centre0, step = sprites.centre_range_px[0], sprites.position_step_px
    samples = (np.arange(64 * 8) + 0.5) / 8
    px, py = np.meshgrid(samples - (centre0 + pos_x * step), samples - (centre0 + pos_y * step))
    inside = np.zeros(px.shape, dtype=bool)
    for x0, y0, x1, y1 in zip(vx, vy, np.roll(vx, -1), np.roll(vy, -1), strict=True):
        if y0 == y1:
            continue
        crosses = (y0 <= py) != (y1 <= py)
        inside ^= crosses & (x0 + (py - y0) * (x1 - x0) / (y1 - y0) < px)
    coverage = inside.reshape(64, 8, 64, 8).sum(axis=(1, 3))
    return (coverage * 2 >= 64).astype(np.uint8)


@pytest.mark.parametrize(
    "index",
    [idx(SHAPES[k % 3], 5, (7 * k) % 40, (0, 31)[k % 2], (31, 0)[k // 2 % 2]) for k in range(6)]
    + np.random.default_rng(9).integers(0, N_IMAGES, 12).tolist(),
)
def test_matches_direct_rasterisation(sprites: Sprites, index: int) -> None:
    np.testing.assert_array_equal(sprites.render(index)[0], _reference_render(sprites, index))


# ---------------------------------------------------------------------- geometry


@pytest.fixture(scope="module")
def areas(sprites: Sprites) -> np.ndarray:
    """Filled area per (shape, scale, orientation, 4 x 4 positions)."""
    grid = {"posX": slice(None, None, 8), "posY": slice(None, None, 8)}
    images = sprites.render(sprites.grid_indices(grid))
    return images.sum(axis=(1, 2)).reshape(3, 6, 40, 4, 4)


@pytest.mark.parametrize("scale", range(6))
def test_area_ordering_ellipse_heart_square(areas: np.ndarray, scale: int) -> None:
    # Same circumradius for all shapes gives areas ≈ 0.79 : 0.89 : 1 (ellipse : heart : square);
    # averaged over positions the ordering holds at every scale and orientation.
    mean = areas[:, scale].mean(axis=(2, 3))  # (shape, orientation)
    assert np.all(mean[ELLIPSE] < mean[HEART])
    assert np.all(mean[HEART] < mean[SQUARE])
    ratio = mean.mean(axis=1) / mean[SQUARE].mean()
    np.testing.assert_allclose(ratio, [1.0, np.pi / 4, 0.89], atol=0.04)


@pytest.mark.parametrize("shape", SHAPES)
def test_area_grows_with_scale(areas: np.ndarray, shape: int) -> None:
    per_image = areas[shape]  # (scale, orientation, x, y)
    assert np.all(np.diff(per_image, axis=0) > 0)
    mean = per_image.mean(axis=(1, 2, 3))
    # Area goes with scale², about 200 px for the square at scale 1.
    scales = np.linspace(0.5, 1, 6)
    np.testing.assert_allclose(mean / mean[-1], scales**2, rtol=0.05)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("axis", ["posX", "posY"])
def test_position_moves_centroid(sprites: Sprites, shape: int, axis: str) -> None:
    step = sprites.position_step_px
    moving, fixed = (1, 0) if axis == "posX" else (0, 1)  # centroid (row, col) component
    for start, k in [(0, 1), (3, 5), (10, 8), (0, 31), (20, 11)]:
        a = one(sprites, shape, 4, 6, *((start, 12) if axis == "posX" else (12, start)))
        b = one(sprites, shape, 4, 6, *((start + k, 12) if axis == "posX" else (12, start + k)))
        ca, cb = centroid(a), centroid(b)
        assert cb[moving] - ca[moving] == pytest.approx(k * step, abs=0.75)
        assert cb[fixed] == pytest.approx(ca[fixed], abs=0.5)


def test_position_range_is_centred(sprites: Sprites) -> None:
    lo, hi = sprites.centre_range_px
    assert hi - lo == pytest.approx(31 * sprites.position_step_px)
    assert (lo + hi) / 2 == pytest.approx(32.0)
    # Square at orientation 0 is symmetric, so its pixel centroid sits on the centre (minus the
    # half-pixel between continuous and index coordinates).
    assert centroid(one(sprites, SQUARE, 5, 0, 0, 0)) == pytest.approx(
        (lo - 0.5, lo - 0.5), abs=0.5
    )
    assert centroid(one(sprites, SQUARE, 5, 0, 31, 31)) == pytest.approx(
        (hi - 0.5, hi - 0.5), abs=0.5
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_eight_position_classes_are_an_exact_eleven_pixel_shift(
    sprites: Sprites, shape: int
) -> None:
    a = one(sprites, shape, 3, 17, 2, 5)
    b = one(sprites, shape, 3, 17, 10, 21)
    np.testing.assert_array_equal(b, np.roll(a, (22, 11), axis=(0, 1)))


def _axes_variance(img: np.ndarray) -> tuple[float, float]:
    rows, cols = np.nonzero(img)
    return float(cols.var()), float(rows.var())


@pytest.mark.parametrize("scale", range(6))
def test_quarter_turn_swaps_the_ellipse_axis(sprites: Sprites, scale: int) -> None:
    horizontal = _axes_variance(one(sprites, ELLIPSE, scale, 0, 15, 15))
    vertical = _axes_variance(one(sprites, ELLIPSE, scale, QUARTER_TURN, 15, 15))
    back = _axes_variance(one(sprites, ELLIPSE, scale, HALF_TURN, 15, 15))
    # Semi-axes 1 : 0.5 give a variance ratio near 4.
    assert horizontal[0] > 3 * horizontal[1]
    assert vertical[1] > 3 * vertical[0]
    assert back[0] > 3 * back[1]


@pytest.mark.parametrize("scale", range(6))
def test_square_is_quarter_turn_symmetric(sprites: Sprites, scale: int) -> None:
    base = one(sprites, SQUARE, scale, 0, 15, 15)
    quarter = one(sprites, SQUARE, scale, QUARTER_TURN, 15, 15)  # 92.3°: 2.3° off the symmetry
    eighth = one(sprites, SQUARE, scale, EIGHTH_TURN, 15, 15)  # 46.2°: a diamond
    near = int((base != quarter).sum())
    far = int((base != eighth).sum())
    assert near <= 0.08 * base.sum()
    assert far > 2 * max(near, 4)


def test_heart_is_upright_at_orientation_zero(sprites: Sprites) -> None:
    img = one(sprites, HEART, 5, 0, 15, 15)
    widths = img.sum(axis=1)
    rows = np.flatnonzero(widths)
    centre_row = centroid(img)[0]
    # Wide lobes above the centroid, a narrow tip at the bottom.
    assert rows[np.argmax(widths[rows])] < centre_row
    assert widths[rows[-1]] <= 2 < widths[rows[0]]
    # Half a turn puts the lobes below the centroid.
    flipped = one(sprites, HEART, 5, HALF_TURN, 15, 15)
    assert np.argmax(flipped.sum(axis=1)) > centroid(flipped)[0]


@pytest.mark.parametrize("shape", SHAPES)
def test_no_clipping_at_extreme_positions(sprites: Sprites, shape: int) -> None:
    corners = {"shape": [shape], "scale": [5], "posX": [0, 31], "posY": [0, 31]}
    images = sprites.render(sprites.grid_indices(corners)).reshape(40, 2, 2, 64, 64)
    ring = images.copy()
    ring[..., 1:-1, 1:-1] = 0
    assert ring.sum() == 0  # the outermost pixel ring is never touched
    # pos 0 and pos 31 share their sub-pixel phase with pos 16 and pos 15, so an unclipped
    # sprite has exactly the same area there.
    central = {"shape": [shape], "scale": [5], "posX": [15, 16], "posY": [15, 16]}
    reference = sprites.render(sprites.grid_indices(central)).reshape(40, 2, 2, 64, 64)
    reference = reference[:, ::-1, ::-1]  # grid classes come sorted: (15, 16) -> (16, 15)
    np.testing.assert_array_equal(images.sum(axis=(-1, -2)), reference.sum(axis=(-1, -2)))


# ---------------------------------------------------------------------- batches & loader


@pytest.mark.parametrize("batch_size", [1, 7, 64, 1000])
def test_iter_batches(sprites: Sprites, batch_size: int) -> None:
    indices = np.random.default_rng(6).integers(0, N_IMAGES, 150)
    batches = list(sprites.iter_batches(indices, batch_size))
    assert [len(b) for b in batches][:-1] == [batch_size] * (len(batches) - 1)
    np.testing.assert_array_equal(np.concatenate(batches), sprites.render(indices))


@pytest.mark.parametrize("task", [None, "shape", "shape_scale"])
def test_load_sprites(task: str | None) -> None:
    data = load_sprites(200, seed=7, grid=CME_SMALL_SKIP_GRID, task=task)
    assert data.images.shape == (200, 1, 64, 64) and data.images.dtype == np.float32
    assert set(np.unique(data.images).tolist()) == {0.0, 1.0}
    assert len(data) == 200
    images, classes, values, indices = Sprites().sample(200, seed=7, grid=CME_SMALL_SKIP_GRID)
    np.testing.assert_array_equal(data.images[:, 0], images)
    np.testing.assert_array_equal(data.latents_classes, classes)
    np.testing.assert_array_equal(data.latents_values, values)
    np.testing.assert_array_equal(data.indices, indices)
    assert data.concept_names == ("shape", "scale", "orientation", "posX", "posY")
    for k, name in enumerate(data.concept_names, start=1):
        np.testing.assert_array_equal(data.concepts[name], classes[:, k])
    # the one dataset vocabulary; rows taken keep every latent with its image
    assert data.X is data.images and data.y_true is data.target
    assert data.class_names == (None if task is None else list(data.target_names))
    part = data.take([5, 2])
    np.testing.assert_array_equal(part.images[:, 0], images[[5, 2]])
    np.testing.assert_array_equal(part.latents_classes, classes[[5, 2]])
    np.testing.assert_array_equal(part.latents_values, values[[5, 2]])
    np.testing.assert_array_equal(part.concepts["posX"], classes[[5, 2], 4])
    assert part.task == task and part.target_names == data.target_names
    if task is None:
        assert data.target is None and data.target_names is None
    elif task == "shape":
        np.testing.assert_array_equal(data.target, classes[:, 1])
        assert data.target_names == ("square", "ellipse", "heart")
    else:
        np.testing.assert_array_equal(data.target, classes[:, 1] * 6 + classes[:, 2])
        assert data.target is not None and data.target.max() < 18
        assert data.target_names is not None and len(data.target_names) == 18
        assert data.target_names[:2] == ("square@0.5", "square@0.6")
        assert data.target_names[-1] == "heart@1.0"
        assert data.target_names[8] == "ellipse@0.7"


# ---------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda s: s.render(-1), r"indices must be integers in \[0, 737280\); got -1"),
        (lambda s: s.render([0, N_IMAGES]), r"indices .* got 737280 at position 1"),
        (lambda s: s.render([0.5]), r"indices must be integers .* dtype float64"),
        (lambda s: s.latents_values([N_IMAGES + 3]), r"indices .* got 737283"),
        (lambda s: index_to_latents(N_IMAGES), r"idx must be integers .* got 737280"),
        (lambda s: latents_to_index([0, 3, 0, 0, 0, 0]), r"\(shape\) must be in \[0, 3\); got 3"),
        (
            lambda s: latents_to_index([0, 0, 0, 0, 32]),
            r"classes must have shape .* got shape \(5,\)",
        ),
        (lambda s: s.sample(-1, seed=0), r"n must be a non-negative integer; got -1"),
        (lambda s: s.sample(2.5, seed=0), r"n must be a non-negative integer; got 2.5"),
        (lambda s: s.sample(N_IMAGES + 1, seed=0), r"n must be at most the 737280 .* n=737281"),
        (
            lambda s: s.sample(40_000, seed=0, grid=CME_SMALL_SKIP_GRID),
            r"n must be at most the 36864 images in the grid; got n=40000",
        ),
        (
            lambda s: s.sample(5, seed=0, grid={"rotation": slice(None, None, 5)}),
            r"grid has unknown latent name\(s\) \['rotation'\]; expected names in .*orientation",
        ),
        (
            lambda s: s.sample(5, seed=0, grid={"scale": [6]}),
            r"grid\['scale'\] .* \[0, 6\); got \[6\]",
        ),
        (lambda s: s.sample(5, seed=0, grid={"posX": [1, 1]}), r"grid\['posX'\] has duplicate"),
        (
            lambda s: s.sample(5, seed=0, grid={"shape": slice(5, None)}),
            r"grid\['shape'\] selects no",
        ),
        (
            lambda s: list(s.iter_batches([0, 1], 0)),
            r"batch_size must be a positive integer; got 0",
        ),
        (lambda s: s.iter_batches([N_IMAGES], 4), r"indices .* got 737280"),
        (lambda s: load_sprites(4, task="colour"), r"task must be one of .* got 'colour'"),
    ],
)
def test_errors_name_the_argument(sprites: Sprites, call, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        call(sprites)
