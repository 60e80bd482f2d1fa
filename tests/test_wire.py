import numpy as np
import pytest
import torch
import traitlets as t

from xaiwidgets.widgets._traits import (
    Array,
    Heatmap,
    HeatmapOf,
    ListOf,
    Maybe,
    SchemaError,
    Struct,
    Value,
    array_from_wire,
    array_to_wire,
    dequantize,
    payload_nbytes,
    quantize,
    to_wire,
    wire_trait,
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


# -- declared trait structure ---------------------------------------------------------------

BLOCK = Struct(
    index=Array("int32", ("K",)),
    prob=Array("float32", ("K",)),
    truth=Maybe(Array("float32", ("K",))),
    inputs=HeatmapOf(("K", None, None), signed=False),
    attributions=Struct.mapping(HeatmapOf(("K", None, None))),
    tokens=Maybe(ListOf(ListOf(Value(str)), "K")),
    title=Value(str),
)


def block(k=2, **over):
    b = {"index": np.arange(k, dtype=np.int64), "prob": np.linspace(0, 1, k),
         "inputs": np.ones((k, 3, 3)), "attributions": {"IG": np.full((k, 3, 3), -1.0)},
         "title": "t"}
    return {**b, **over}


def test_struct_casts_each_field_to_its_declared_wire_type():
    out = BLOCK.check(block(), "data")
    assert out["index"].dtype == np.int32 and out["prob"].dtype == np.float32
    assert isinstance(out["inputs"], Heatmap) and out["inputs"].signed is False
    ig = out["attributions"]["IG"]
    assert isinstance(ig, Heatmap) and ig.signed is None
    assert "truth" not in out and "tokens" not in out
    wire = to_wire(out)
    assert wire["index"]["dtype"] == "int32" and wire["attributions"]["IG"]["signed"] is True
    assert BLOCK.check(block(tokens=[["a"], ["b", "c"]]), "data")["tokens"] == [["a"], ["b", "c"]]


@pytest.mark.parametrize(("over", "message"), [
    ({"index": np.array([0.5, 1.0])}, r"data\.index: expected integers \(wire dtype int32\), "
                                       r"got ndarray of dtype float64 and shape \(2,\)"),
    ({"index": np.array([0, 2**40])}, r"data\.index: values from 0 to 1099511627776 do not fit "
                                       r"the wire dtype int32"),
    ({"prob": np.zeros(3)}, r"data\.prob: axis 0 \(K\) has length 3, but K = 2 elsewhere"),
    ({"prob": np.zeros((2, 1))}, r"data\.prob: expected an array of shape \(K\), got ndarray "
                                  r"of dtype float64 and shape \(2, 1\)"),
    ({"prob": np.array(["a", "b"])}, r"data\.prob: expected a numeric array castable to float32"),
    ({"attributions": {"IG": np.full((2, 3, 3), np.nan)}},
     r"data\.attributions\['IG'\]: a heatmap must be finite"),
    ({"tokens": [["a"]]}, r"data\.tokens: 1 items, but K = 2 elsewhere"),
    ({"tokens": [["a"], [3]]}, r"data\.tokens\[1\]\[0\]: expected str, got 3"),
    ({"title": None}, r"data: missing field 'title'"),
    ({"colour": "red"}, r"data: unknown field\(s\) \['colour'\]; declared: \["),
])
def test_struct_names_the_field_that_does_not_match(over, message):
    with pytest.raises(SchemaError, match=message):
        BLOCK.check(block(**over), "data")


def test_value_keeps_bools_apart_from_numbers():
    assert Value(float).check(3, "x") == 3.0 and isinstance(Value(float).check(3, "x"), float)
    assert Value(int).check(np.int64(4), "x") == 4
    with pytest.raises(SchemaError, match="x: expected int, got True"):
        Value(int).check(True, "x")
    assert Value(str, type(None)).check(None, "x") is None


def test_heatmap_of_keeps_a_heatmaps_own_sign_and_takes_tensors():
    h = HeatmapOf(signed=False).check(Heatmap(np.ones((1, 2)), signed=True), "m")
    assert h.signed is True
    assert HeatmapOf().check(torch.ones(2, 2), "m").values.dtype == np.float32


class _Widget(t.HasTraits):
    data = wire_trait(BLOCK)
    loose = wire_trait()


def test_wire_trait_checks_on_assignment_and_names_widget_and_trait():
    w = _Widget()
    assert w.data == {}  # nothing sent yet: always allowed
    w.data = block()
    assert w.data["index"].dtype == np.int32  # the cast value is what is stored and sent
    with pytest.raises(SchemaError, match=r"_Widget\.data\.prob: axis 0 \(K\) has length 3"):
        w.data = block(prob=np.zeros(3))
    assert w.data["prob"].shape == (2,)  # a refused value leaves the trait as it was
    w.loose = {"anything": [1, "a"]}  # no schema: unchecked, as before
    assert isinstance(SchemaError("x"), ValueError) and isinstance(SchemaError("x"), t.TraitError)
    with pytest.raises(ValueError, match="argument 'dtype' must be one of"):
        Array("int64")
