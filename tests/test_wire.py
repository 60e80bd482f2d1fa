import re
from pathlib import Path

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
    OneOf,
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


def test_one_of_takes_the_first_field_that_fits_and_lists_why_none_did():
    either = Struct(k=Array("int32", ("K",)),
                    x=OneOf(HeatmapOf(("K", None, None), signed=False), Array("float32", ("K", 2))))
    out = either.check({"k": [0, 1], "x": np.ones((2, 3, 3))}, "v")
    assert isinstance(out["x"], Heatmap) and out["x"].signed is False
    out = either.check({"k": [0, 1], "x": np.ones((2, 2))}, "v")
    assert out["x"].dtype == np.float32 and not isinstance(out["x"], Heatmap)
    with pytest.raises(SchemaError, match=r"v\.x: matches none of unsigned heatmap \(K, \?, \?\) "
                                          r"\| float32 \(K, 2\) \(expected an array of shape"):
        either.check({"k": [0, 1], "x": np.ones((2, 5))}, "v")
    with pytest.raises(SchemaError, match=r"v\.x: matches none of"):
        either.check({"k": [0, 1], "x": np.ones((3, 2))}, "v")  # K = 2 holds for every choice


def test_trailing_ellipsis_and_scoped_lists():
    lead = Array("float32", ("K", ...))
    for shape in [(2,), (2, 3), (2, 3, 4)]:
        assert lead.check(np.zeros(shape), "a", {"K": 2}).shape == shape
    with pytest.raises(SchemaError, match=r"a: axis 0 \(K\) has length 3, but K = 2"):
        lead.check(np.zeros((3, 1)), "a", {"K": 2})
    with pytest.raises(ValueError, match=r"'\.\.\.' may only end argument 'dims'"):
        Array("int32", (..., "K"))
    seqs = Struct(n=Array("int32", ("N",)),
                  blocks=ListOf(Struct(x=Array("float32", ("L",)), y=Array("int8", ("L",))),
                                scoped=True))
    ok = {"n": [3], "blocks": [{"x": np.zeros(2), "y": [1, 2]}, {"x": np.zeros(5), "y": [0] * 5}]}
    assert [b["x"].shape for b in seqs.check(ok, "s")["blocks"]] == [(2,), (5,)]
    bad = {"n": [3], "blocks": [{"x": np.zeros(2), "y": [1, 2]}, {"x": np.zeros(5), "y": [0]}]}
    with pytest.raises(SchemaError, match=r"s\.blocks\[1\]\.y: axis 0 \(L\) has length 1, but "
                                          r"L = 5"):
        seqs.check(bad, "s")


def test_doc_writes_the_declaration_in_words():
    assert BLOCK.doc() == (
        "{index: int32 (K), prob: float32 (K), truth?: float32 (K), inputs: unsigned heatmap "
        "(K, ?, ?), attributions: {str: heatmap (K, ?, ?)}, tokens?: list[list[str]] (K), "
        "title: str}")
    assert Value(str, type(None)).doc() == "str | None"


def test_struct_keeps_the_values_field_order():
    b = block()
    out = BLOCK.check(dict(reversed(list(b.items()))), "data")
    assert list(out) == list(reversed(list(b)))


# -- the six views: every dict trait declared, index traits in range, strict keywords -------------

from hand_results import modules  # noqa: E402

from xaiwidgets.widgets import (  # noqa: E402
    ComparisonView,
    ConceptTreeView,
    MaskView,
    RedescriptionView,
    SENNView,
    TimelineView,
)
from xaiwidgets.widgets._base import _NOT_EXPORTED  # noqa: E402
from xaiwidgets.widgets._traits import check_index, wire_schemas  # noqa: E402

VIEWS = [ComparisonView, MaskView, ConceptTreeView, TimelineView, SENNView, RedescriptionView]
MODULES = modules()


def hand_view(name):
    mod = MODULES[name]
    return mod.VIEW(mod.result(), **mod.OPTIONS)


def test_every_dict_trait_of_every_view_is_declared():
    for view in VIEWS:
        schemas = wire_schemas(view)
        assert schemas, view.__name__
        assert all(s is not None for s in schemas.values()), (view.__name__, schemas)
        dicts = {n for n, tr in view.class_traits(sync=True).items()
                 if isinstance(tr, t.Dict) and not n.startswith("_") and n not in _NOT_EXPORTED}
        assert dicts == set(schemas), (view.__name__, sorted(dicts - set(schemas)))


def test_a_nullable_value_is_sent_as_null_and_maybe_is_left_out():
    s = Struct(a=Value(float, type(None)), b=Maybe(Value(int)))
    assert s.check({"a": None, "b": None}, "v") == {"a": None}
    with pytest.raises(SchemaError, match=r"v: missing field 'a'"):
        s.check({"b": 2}, "v")  # null is a value: the field is still required
    with pytest.raises(SchemaError, match=r"v\.a: expected float or None, got 'x'"):
        s.check({"a": "x"}, "v")


def _changed(value, path, new):
    """A copy of a nested dict / list value with the item at ``path`` replaced (``DELETE``:
    removed); the original is untouched."""
    head, *rest = path
    out = dict(value) if isinstance(value, dict) else list(value)
    if not rest:
        if new is DELETE:
            del out[head]
        else:
            out[head] = new(value[head]) if callable(new) else new
    else:
        out[head] = _changed(value[head], rest, new)
    return out


DELETE = object()
floats = lambda a: np.asarray(a, dtype=np.float64) + 0.5  # noqa: E731
shorter = lambda a: np.asarray(a)[:-1]  # noqa: E731

# (hand result, trait, path in the value, new value or function of the old one or DELETE, message)
MALFORMED = {
    "comparison": [
        ("data", ["index"], floats, r"ComparisonView\.data\.index: expected integers \(wire "
                                    r"dtype int32\), got ndarray of dtype float64"),
        ("data", ["prob"], shorter, r"ComparisonView\.data\.prob: axis 0 \(K\) has length 3, "
                                    r"but K = 4 elsewhere"),
        ("data", ["attributions"], DELETE, r"ComparisonView\.data: missing field "
                                           r"'attributions'"),
    ],
    "masks": [
        ("metrics", ["rank"], floats, r"MaskView\.metrics\.rank: expected integers"),
        ("extras", ["charts", 0, "series", 1, "ys"], shorter,
         r"MaskView\.extras\.charts\[0\]\.series\[1\]\.ys: axis 0 \(P\) has length 2, but "
         r"P = 3"),
        ("metrics", ["mean"], DELETE, r"MaskView\.metrics: missing field 'mean'"),
    ],
    "tree": [
        ("tree", ["yes"], floats, r"ConceptTreeView\.tree\.yes: expected integers"),
        ("tree", ["dist"], shorter, r"ConceptTreeView\.tree\.dist: axis 0 \(M\) has length 4, "
                                    r"but M = 5"),
        ("samples", ["leaf"], DELETE, r"ConceptTreeView\.samples: missing field 'leaf'"),
    ],
    "timeline": [
        ("sequences", ["blocks", 1, "concept"], floats,
         r"TimelineView\.sequences\.blocks\[1\]\.concept: expected integers \(wire dtype int8\)"),
        ("sequences", ["blocks", 0, "score"], shorter,
         r"TimelineView\.sequences\.blocks\[0\]\.score: axis 0 \(L\) has length 4, but L = 5"),
        ("concepts", ["matrix"], DELETE, r"TimelineView\.concepts: missing field 'matrix'"),
    ],
    "senn": [
        ("data", ["concepts"], lambda a: np.asarray(a).astype(str),
         r"SENNView\.data\.concepts: expected a numeric array castable to float32, got ndarray "
         r"of dtype <U"),
        ("data", ["relevances"], lambda a: np.ones((4, 4)),
         r"SENNView\.data\.relevances: axis 1 \(k\) has length 4, but k = 3"),
        ("stability", ["eps"], DELETE, r"SENNView\.stability: missing field 'eps'"),
    ],
    "redescriptions": [
        ("rows", ["neuron"], floats, r"RedescriptionView\.rows\.neuron: expected integers"),
        ("rows", ["jaccard"], shorter, r"RedescriptionView\.rows\.jaccard: axis 0 \(R\) has "
                                       r"length 2, but R = 3"),
        ("samples", ["index"], DELETE, r"RedescriptionView\.samples: missing field 'index'"),
    ],
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_value_names_the_view_trait_and_field(name):
    view = hand_view(name)
    before = view.export_state()
    for trait, path, new, message in MALFORMED[name]:
        bad = _changed(getattr(view, trait), path, new)
        with pytest.raises(SchemaError, match=message):
            setattr(view, trait, bad)
    assert view.export_state() == before  # refused values leave the view as it was
    view.send_state()  # and it still serialises


# (hand result, index trait, its valid range)
INDEX = {"comparison": ("sample", 0, 4), "masks": ("sample", 0, 3), "senn": ("sample", 0, 4),
         "timeline": ("index", 0, 3), "tree": ("selected", -1, 6),
         "redescriptions": ("selected", -1, 3)}


@pytest.mark.parametrize("name", sorted(INDEX))
def test_an_index_out_of_range_is_refused_not_clamped(name):
    trait, low, count = INDEX[name]
    view = hand_view(name)
    cls = type(view).__name__
    setattr(view, trait, count - 1)
    assert getattr(view, trait) == count - 1
    for bad in (999, count, low - 1):
        with pytest.raises(SchemaError, match=rf"^{cls}\.{trait}: {bad} is out of range; valid "
                                              rf"values: {low} to {count - 1} \("):
            setattr(view, trait, bad)
        assert getattr(view, trait) == count - 1
    with pytest.raises(SchemaError, match=rf"{cls}\.{trait}: expected an integer, got True"):
        setattr(view, trait, True)
    setattr(view, trait, np.int64(low))
    assert getattr(view, trait) == low and type(getattr(view, trait)) is int


def test_check_index_says_when_there_is_nothing_to_show():
    assert check_index(np.int32(2), "v.i", 3) == 2
    with pytest.raises(SchemaError, match=r"v\.i: 0 is out of range; valid values: none"):
        check_index(0, "v.i", 0)
    with pytest.raises(SchemaError, match=r"v\.i: 0 is out of range; valid values: only -1"):
        check_index(0, "v.i", 0, low=-1)


# (hand result, a misspelt keyword, the option it hints)
MISSPELT = {"comparison": [("titel", "title"), ("colourmap", "colormap")],
            "masks": [("display_sise", "display_size"), ("opacty", "opacity")],
            "tree": [("colapse_depth", "collapse_depth")],
            "timeline": [("thresold", "threshold")],
            "senn": [("embed_prototype", "embed_prototypes")],
            "redescriptions": [("n_shw", "n_show")]}


@pytest.mark.parametrize("name", sorted(MISSPELT))
def test_a_misspelt_constructor_keyword_gets_a_hint_and_the_options(name):
    mod = MODULES[name]
    result = mod.result()
    cls = mod.VIEW.__name__
    for wrong, right in MISSPELT[name]:
        with pytest.raises(TypeError, match=rf"^{cls}: unknown option '{wrong}' \(did you mean "
                                            rf"'{right}'\?\); its options are \[.*'title'"):
            mod.VIEW(result, **mod.OPTIONS, **{wrong: 1})
    with pytest.raises(TypeError, match=rf"^{cls}: unknown option 'zzz'; its options are \["):
        mod.VIEW(result, zzz=1)


# -- js/README.md: one table per view, every synced trait, the declared types ---------------------

README = Path(__file__).resolve().parents[1] / "js" / "README.md"


def _synced(view):
    return {n for n in view.class_trait_names(sync=True)
            if not n.startswith("_") and n not in _NOT_EXPORTED}


def _table(section_of):
    """``{trait: type cell}`` of the first table under the heading ``## <View> state``."""
    text = README.read_text(encoding="utf-8")
    head = re.search(rf"^## {section_of} state\b.*$", text, re.M)
    assert head, f"js/README.md has no section '## {section_of} state'"
    body = text[head.end():]
    body = body[:m.start()] if (m := re.search(r"^## ", body, re.M)) else body
    rows = {}
    for line in body.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) == 3 and cells[0].startswith("`"):
            for name in re.findall(r"`(\w+)`", cells[0]):
                rows[name] = cells[1].replace("\\|", "|")
    return rows


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.__name__)
def test_the_readme_lists_every_trait_with_its_declared_type(view):
    # a view whose traits are its parent view's (MaskView) is documented in the parent's table
    base = next((b for b in view.__mro__[1:] if b in VIEWS and _synced(b) == _synced(view)),
                view)
    rows = _table(base.__name__)
    missing = sorted(_synced(view) - set(rows))
    assert not missing, f"js/README.md '{base.__name__} state' misses {missing}"
    assert not set(rows) - _synced(view), f"stale rows: {sorted(set(rows) - _synced(view))}"
    for trait, schema in wire_schemas(view).items():
        want = f"`{schema.doc()}`"
        assert rows[trait] == want, (
            f"js/README.md '{base.__name__} state': the type of `{trait}` is not its declaration;"
            f" the row should start with\n| `{trait}` | {want.replace('|', chr(92) + '|')} |")


# (hand result, fetch, its arguments, the field of the answer holding the indices asked for)
FETCH = {"comparison": ("sample", {"index": 1}, "index", [1]),
         "masks": ("sample", {"index": 2}, "index", [2]),
         "senn": ("sample", {"index": 3}, "index", [3]),
         "timeline": ("sequence", {"index": 1}, "index", 1),
         "tree": ("thumbs", {"indices": [4, 0, 99]}, "index", [0, 4]),
         "redescriptions": ("samples", {"indices": [5, 1]}, "index", [1, 5])}


def _fetched(view, what, args):
    sent = []
    view.send = lambda content, buffers=None: sent.append((content, buffers))
    view._on_custom(view, {"type": "xai-fetch", "seq": 7, "what": what, "args": args}, [])
    ((content, buffers),) = sent
    assert content["seq"] == 7 and content["what"] == what
    return content, buffers


@pytest.mark.parametrize("name", sorted(FETCH))
def test_a_fetch_answer_is_checked_against_its_declaration(name):
    what, args, field, want = FETCH[name]
    view = hand_view(name)
    content, buffers = _fetched(view, what, args)
    assert "error" not in content, content.get("error")
    assert len(buffers) == len(content["buffer_paths"]) > 0
    got = content["block"][field]
    if isinstance(got, dict):  # a wire array: its bytes are the buffer at its path
        path = content["buffer_paths"].index([field, "data"])
        got = np.frombuffer(buffers[path], dtype=got["dtype"]).tolist()
    assert got == want
    honest = view._fetch
    view._fetch = lambda w, a: {k: v for k, v in honest(w, a).items() if k != field}
    content, buffers = _fetched(view, what, args)
    cls = type(view).__name__
    assert content["error"] == (f"SchemaError: {cls} fetch {what!r}: missing field "
                                f"{field!r}"), content
    assert "block" not in content and not buffers


def test_heatmap_of_quantises_float64_as_given():
    a = np.random.default_rng(0).normal(size=(2, 7, 7))
    h = HeatmapOf(("K", None, None)).check(a, "m")
    assert h.values.dtype == np.float64
    assert to_wire(h) == quantize(a)  # the same bytes as an unchecked heatmap
    with pytest.raises(SchemaError, match=r"m: expected a numeric array \(heatmap values\)"):
        HeatmapOf().check(np.array([["a"]]), "m")
