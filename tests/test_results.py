"""The one result contract (``xaiwidgets._core.results``): rows taken, results concatenated, saved
and opened back lazily, on a toy result type and on every method's registered result type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pytest

from xaiwidgets._core.results import Result, open_result


@dataclass
class Toy(Result):
    _rows: ClassVar[tuple[str, ...]] = ("x", "scores", "extra")
    x: np.ndarray
    scores: dict[str, np.ndarray]
    names: list[str]
    axis: np.ndarray = field(default_factory=lambda: np.linspace(0, 1, 5))
    extra: np.ndarray | None = None
    note: str = ""
    seconds: float = 0.0

    def _merge_meta(self, results):
        return {"seconds": float(sum(r.seconds for r in results))}


@dataclass
class Nested(Result):
    _rows: ClassVar[tuple[str, ...]] = ("y",)
    y: np.ndarray
    inner: Toy


def toy(n=6, seed=0, **kw):
    rng = np.random.default_rng(seed)
    return Toy(x=rng.normal(size=(n, 2, 3)).astype(np.float32),
               scores={"a b": rng.random(n), "c": np.arange(n)}, names=["one", "two"], **kw)


def test_rows_taken_by_int_slice_array_and_mask_keep_the_type_and_metadata():
    r = toy()
    assert len(r) == 6
    one = r[2]
    assert isinstance(one, Toy) and len(one) == 1
    np.testing.assert_array_equal(one.x[0], r.x[2])
    np.testing.assert_array_equal(r[-1].scores["c"], [5])
    np.testing.assert_array_equal(r[1:4].scores["c"], [1, 2, 3])
    np.testing.assert_array_equal(r[np.array([4, 0])].scores["c"], [4, 0])
    mask = np.array([True, False, True, False, False, True])
    np.testing.assert_array_equal(r[mask].scores["c"], [0, 2, 5])
    assert r[mask].names == ["one", "two"] and r[mask].axis.shape == (5,)  # metadata unchanged


@pytest.mark.parametrize("bad, message", [
    (6, "sample 6 is out of range for 6 samples"),
    (np.array([0, 9]), r"in \[-6, 6\), got 0..9"),
    (np.array([True, False]), r"shape \(6,\), got \(2,\)"),
    (np.array([0.5]), "of dtype float64"),
    ("a", "got str"),
])
def test_bad_indices_are_refused_with_what_was_given(bad, message):
    with pytest.raises(IndexError, match=message):
        toy()[bad]


def test_concat_joins_rows_merges_declared_metadata_and_refuses_other_differences():
    a, b = toy(4, seed=1, seconds=1.5), toy(3, seed=2, seconds=2.0)
    both = Toy.concat([a, b])
    assert len(both) == 7 and both.seconds == 3.5
    np.testing.assert_array_equal(both.x, np.concatenate([a.x, b.x]))
    np.testing.assert_array_equal(both.scores["a b"][4:], b.scores["a b"])
    assert Toy.concat([both[:2], both[2:]]).x.tobytes() == both.x.tobytes()
    with pytest.raises(ValueError, match="differ in 'note'"):
        Toy.concat([a, toy(3, note="other")])
    with pytest.raises(ValueError, match="differ in 'axis'"):
        Toy.concat([a, toy(3, axis=np.zeros(5))])
    with pytest.raises(ValueError, match="'extra' is missing in some results"):
        Toy.concat([a, toy(3, extra=np.zeros(3))])
    with pytest.raises(ValueError, match="argument 'results' is empty"):
        Toy.concat([])
    with pytest.raises(TypeError, match=r"'results'\[1\] is a Nested, expected Toy"):
        Toy.concat([a, Nested(y=np.zeros(1), inner=a)])


def test_check_rows_names_the_field_with_another_sample_count():
    r = toy()
    r.scores["c"] = np.arange(5)
    with pytest.raises(ValueError, match="field 'scores/c' has 5 samples, 'x' has 6"):
        r.check_rows()


def test_save_and_open_round_trip_lazily_with_nan_and_nested_results(tmp_path):
    r = toy(extra=np.arange(6.0), note="<b>text</b>")
    r.scores["a b"][1] = np.nan
    nested = Nested(y=np.arange(3), inner=r)
    for value in (r, nested):
        path = value.save(tmp_path / type(value).__name__)
        back = open_result(path)
        assert type(back) is type(value)
        assert sorted(back.arrays()) == sorted(value.arrays())
        for name, a in value.arrays().items():
            got = back.arrays()[name]
            assert isinstance(got, np.memmap), name  # read lazily
            np.testing.assert_array_equal(np.asarray(got), np.asarray(a))
            assert got.dtype == np.asarray(a).dtype
        assert back.metadata()["fields"] == value.metadata()["fields"]
    back = open_result(tmp_path / "Toy")
    assert back.note == "<b>text</b>" and back.names == ["one", "two"]
    np.testing.assert_array_equal(back[1:3].scores["a b"], r.scores["a b"][1:3])
    eager = open_result(tmp_path / "Toy", lazy=False)
    assert not isinstance(eager.x, np.memmap)
    # saving again replaces the directory atomically
    toy(2).save(tmp_path / "Toy")
    assert len(open_result(tmp_path / "Toy")) == 2


def test_open_refuses_what_is_not_a_result(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a saved xaiwidgets result"):
        open_result(tmp_path)
    (tmp_path / "result.json").write_text('{"format": "other"}')
    with pytest.raises(ValueError, match="holds 'other'"):
        open_result(tmp_path)
    (tmp_path / "result.json").write_text('{"format": "xaiwidgets-result", "version": 99}')
    with pytest.raises(ValueError, match="version 99"):
        open_result(tmp_path)
    (tmp_path / "plain").mkdir()
    with pytest.raises(FileExistsError, match="not a saved result"):
        toy().save(tmp_path / "plain")


def test_metadata_that_is_not_data_is_refused_with_its_field():
    r = toy()
    r.names = [object()]  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"names\[0\]: .* got object"):
        r.metadata()


@dataclass
class Holder(Result):
    _rows: ClassVar[tuple[str, ...]] = ("inner", "z")
    inner: Toy
    z: np.ndarray


def test_a_nested_result_in_rows_takes_concats_and_round_trips_its_own_rows(tmp_path):
    h = Holder(inner=toy(5), z=np.arange(5))
    assert len(h) == 5 and "inner/scores/c" in dict(h._row_arrays())
    part = h[np.array([3, 1])]
    np.testing.assert_array_equal(part.inner.scores["c"], [3, 1])
    np.testing.assert_array_equal(part.z, [3, 1])
    both = Holder.concat([h[:2], h[2:]])
    np.testing.assert_array_equal(both.inner.x, h.inner.x)
    back = open_result(h.save(tmp_path / "h"))
    np.testing.assert_array_equal(back[4].inner.x, h.inner.x[4:])
    with pytest.raises(ValueError, match="field 'z' has 5 samples, 'inner/x' has 4"):
        Holder(inner=toy(4), z=np.arange(5)).check_rows()
