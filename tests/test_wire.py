import numpy as np
import pytest
import torch

from xaiwidgets.widgets._traits import (
    Heatmap,
    array_from_wire,
    array_to_wire,
    dequantize,
    payload_nbytes,
    quantize,
)


@pytest.mark.parametrize(
    ("dtype", "wire_dtype"),
    [
        (np.uint8, "uint8"),
        (np.int8, "int8"),
        (np.int16, "int16"),
        (np.int32, "int32"),
        (np.int64, "int32"),
        (np.float32, "float32"),
        (np.float64, "float32"),
        (np.bool_, "uint8"),
    ],
)
@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 3, 4), (1, 1, 1, 7)])
def test_round_trip_keeps_shape_and_values(dtype, wire_dtype, shape):
    a = (np.arange(int(np.prod(shape))) % 7).reshape(shape).astype(dtype)
    wire = array_to_wire(a)
    assert wire["dtype"] == wire_dtype
    assert wire["shape"] == list(shape)
    assert isinstance(wire["data"], bytes)
    assert len(wire["data"]) == a.size * np.dtype(wire_dtype).itemsize
    back = array_from_wire(wire)
    assert back.dtype == np.dtype(wire_dtype) and back.shape == shape
    np.testing.assert_array_equal(back, a.astype(wire_dtype))


def test_round_trip_from_memoryview_and_torch():
    t = torch.arange(12, dtype=torch.float32).reshape(3, 4).t()  # non-contiguous
    wire = array_to_wire(t)
    wire["data"] = memoryview(wire["data"])
    np.testing.assert_array_equal(array_from_wire(wire), t.numpy())


def test_little_endian_bytes():
    wire = array_to_wire(np.array([1], dtype=">i4"))
    assert wire["data"] == b"\x01\x00\x00\x00"


def test_rejects_object_arrays():
    with pytest.raises(TypeError, match="argument 'array'"):
        array_to_wire(np.array(["a", "b"]))


@pytest.mark.parametrize("signed", [True, False])
def test_quantisation_error_bound(signed):
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 32, 32)) * np.array([1, 10, 0.01, 1000])[:, None, None]
    if not signed:
        a = np.abs(a)
    w = quantize(a, signed=signed)
    assert w["dtype"] == "uint8" and w["shape"] == [4, 32, 32] and w["signed"] is signed
    lo, hi = array_from_wire(w["lo"]), array_from_wire(w["hi"])
    err = np.abs(dequantize(w) - a).reshape(4, -1).max(axis=1)
    bound = (hi - lo) / 510 * (1 + 1e-5) + 1e-6 * np.abs(hi)
    assert (err <= bound).all(), (err, bound)
    if signed:
        np.testing.assert_allclose(lo, -hi)


def test_signed_zero_maps_to_centre_and_auto_detects_sign():
    w = quantize(np.array([[-2.0, 0.0, 2.0]]))
    assert w["signed"] is True
    assert list(array_from_wire(w)[0]) == [0, 128, 255]
    assert quantize(np.array([[0.0, 1.0]]))["signed"] is False


def test_constant_item_does_not_divide_by_zero():
    w = quantize(np.zeros((2, 3)))
    np.testing.assert_array_equal(dequantize(w), np.zeros((2, 3)))


def test_224_heatmap_costs_at_most_51_kb():
    w = quantize(np.random.default_rng(0).normal(size=(1, 224, 224)))
    assert payload_nbytes(w) <= 51 * 1024
    assert payload_nbytes(w) == 224 * 224 + 8


def test_quantize_rejects_nan():
    with pytest.raises(ValueError, match="NaN"):
        quantize(np.array([[np.nan, 1.0]]))


def test_payload_nbytes_counts_nested_buffers():
    state = {"a": array_to_wire(np.zeros(10, np.float32)), "b": [{"c": b"xyz"}], "d": "text"}
    assert payload_nbytes(state) == 43


def test_heatmap_compares_by_value_and_is_unhashable():
    a = Heatmap(np.array([[0.0, 1.0]]), signed=False)
    assert a == Heatmap(np.array([[0.0, 1.0]]), signed=False)
    assert a != Heatmap(np.array([[0.0, 2.0]]), signed=False)
    assert a != Heatmap(np.array([[0.0, 1.0]]), signed=True)
    assert Heatmap.__hash__ is None
    with pytest.raises(TypeError, match="unhashable"):
        hash(a)
