"""xw.link(*views): the link group and row traits it sets, and its errors."""

from __future__ import annotations

import numpy as np
import pytest
from hand_results import modules

import xaiwidgets as xw
from xaiwidgets.widgets.link import Linkable

MODULES = modules()


def view(name):
    mod = MODULES[name]
    return mod.VIEW(mod.result(), **mod.OPTIONS)


def test_link_is_public_and_every_selection_view_links():
    assert xw.link is xw.widgets.link and "link" in xw.__all__ and "Link" in xw.__all__
    for cls in (xw.DatasetOverview, xw.ConceptTreeView, xw.RedescriptionView, xw.TimelineView,
                xw.SENNView, xw.ComparisonView, xw.MaskView):
        assert issubclass(cls, Linkable), cls


@pytest.mark.parametrize("name", ["comparison", "masks"])
def test_comparison_and_mask_views_link_by_their_samples(name):
    cmp, tree = view(name), view("tree")
    n = cmp.n_samples
    assert cmp._link_length() == n == len(cmp.result) and 1 < n < tree._link_length()
    rows = np.arange(n)[::-1]  # the view shows the tree's rows n-1 .. 0
    xw.link(tree, (cmp, rows))
    assert cmp._link_group == tree._link_group != ""
    assert np.frombuffer(cmp._link_rows, dtype="<u4").tolist() == rows.tolist()
    wire = cmp.export_state()
    assert wire["state"]["_link_group"] == cmp._link_group
    assert ["_link_rows"] in wire["buffer_paths"]
    with pytest.raises(ValueError, match=rf"^link: argument 1 \({type(cmp).__name__}\) rows: "
                       rf"expected {n} dataset rows \(one per sample of the view\), got 2$"):
        xw.link(tree, (cmp, [1, 2]))


def test_views_with_rows_share_one_group_and_carry_their_rows():
    tree, timeline, senn = view("tree"), view("timeline"), view("senn")
    rows = np.array([40, 2, 7])
    ln = xw.link((tree, np.arange(10, 16)), (timeline, rows), (senn, [3, 9, 1, 0]))
    group = tree._link_group
    assert len(group) == 32 and timeline._link_group == group and senn._link_group == group
    assert ln.views == [tree, timeline, senn] and ln.group == group
    # the state sends them as a binary little-endian uint32 buffer
    np.testing.assert_array_equal(np.frombuffer(timeline._link_rows, dtype="<u4"), rows)
    assert np.frombuffer(senn._link_rows, dtype="<u4").tolist() == [3, 9, 1, 0]
    wire = timeline.export_state()
    assert wire["state"]["_link_group"] == group
    assert ["_link_rows"] in wire["buffer_paths"]
    assert repr(ln) == "Link(ConceptTreeView, TimelineView, SENNView; linked)"
    ln.unlink()
    assert tree._link_group == timeline._link_group == senn._link_group == ""
    assert repr(ln).endswith("; unlinked)")


def test_views_of_one_length_link_without_rows_as_the_same_rows():
    a, b = view("tree"), view("tree")
    xw.link(a, b)
    assert a._link_group == b._link_group != "" and a._link_rows == b._link_rows == b""
    # linking again moves both to a new group (the old link no longer holds them)
    first = a._link_group
    xw.link(a, b)
    assert a._link_group == b._link_group != first


def test_views_of_different_lengths_need_rows():
    tree, timeline = view("tree"), view("timeline")
    with pytest.raises(ValueError, match=r"^link: the views show different numbers of samples "
                       r"\(ConceptTreeView 6, TimelineView 3\), so sample i is not the same row"
                       r" in each; give each view's dataset rows: link\(overview, \(view, "
                       r"rows\)\)$"):
        xw.link(tree, timeline)
    assert tree._link_group == "" and timeline._link_group == ""  # nothing half-linked
    # a view without rows shows rows 0..n-1: a view naming a row beyond them needs its rows too
    with pytest.raises(ValueError, match=r"^link: TimelineView has 3 samples and no rows, so it "
                       r"shows dataset rows 0..2, but another view names row 15; give its rows"):
        xw.link(timeline, (tree, np.arange(10, 16)))
    # rows within a short view's range are fine (it is the dataset)
    xw.link(tree, (timeline, [5, 0, 2]))
    assert timeline._link_group == tree._link_group != ""


@pytest.mark.parametrize(("args", "error", "match"), [
    ((), TypeError, r"^link: expected at least two views to link, got 0$"),
    (("tree",), TypeError, r"^link: expected at least two views to link, got 1$"),
    (("tree", 3), TypeError, r"^link: argument 1: expected a view that links \(DatasetOverview, "
     r"ConceptTreeView, RedescriptionView, TimelineView, SENNView, ComparisonView, MaskView\) or "
     r"\(view, rows\), got 3$"),
    (("tree", "tree!"), ValueError, r"^link: argument 1: ConceptTreeView is given twice$"),
    (("tree", ("timeline", [1, 2])), ValueError, r"^link: argument 1 \(TimelineView\) rows: "
     r"expected 3 dataset rows \(one per sample of the view\), got 2$"),
    (("tree", ("timeline", [1.5, 2, 3])), TypeError, r"^link: argument 1 \(TimelineView\) "
     r"rows: expected a 1-D array of dataset row indices \(int\), got"),
    (("tree", ("timeline", [True, False, True])), TypeError, r"rows: expected a 1-D array"),
    (("tree", ("timeline", [[1, 2, 3]])), TypeError, r"rows: expected a 1-D array"),
    (("tree", ("timeline", [1, -2, 3])), ValueError, r"^link: argument 1 \(TimelineView\) "
     r"rows: dataset rows must be in \[0, 2\*\*32\), got -2 \.\. 3$"),
])
def test_errors_name_the_argument_what_was_expected_and_what_was_given(args, error, match):
    built = {}

    def resolve(a):
        if isinstance(a, str):
            if a == "tree!":
                return built["tree"]
            return built.setdefault(a, view(a))
        if isinstance(a, tuple) and isinstance(a[0], str):
            return (resolve(a[0]), a[1])
        return a

    with pytest.raises(error, match=match):
        xw.link(*[resolve(a) for a in args])



def test_the_timeline_sends_which_sequences_hold_each_concept_and_transition():
    from xaiwidgets.widgets.link import concept_sequences

    # 3 sequences (lengths 5, 3, 4; -1 and values past the length are padding), 3 concepts
    codes = np.array([[0, 0, 1, 1, 1], [2, 0, 0, 1, -1], [0, 1, 1, 1, 2]])
    concept_bits, move_bits = concept_sequences(codes, [5, 3, 4], 3)
    has = np.unpackbits(np.frombuffer(concept_bits, np.uint8)).reshape(3, 8)[:, :3]
    assert has.tolist() == [[1, 1, 1], [1, 0, 1], [0, 1, 0]]  # seq 1's "1" is padding
    moves = np.unpackbits(np.frombuffer(move_bits, np.uint8)).reshape(9, 8)[:, :3]
    held = {(r // 3, r % 3): moves[r].nonzero()[0].tolist() for r in range(9) if moves[r].any()}
    assert held == {(0, 1): [0, 2], (2, 0): [1]}
    # the view sends both with its state
    view = MODULES["timeline"].VIEW(MODULES["timeline"].result(), **MODULES["timeline"].OPTIONS)
    assert len(view._concept_seqs) == 3 and len(view._transition_seqs) == 9


def test_transitions_over_the_cap_are_not_sent(monkeypatch):
    import importlib

    link_module = importlib.import_module("xaiwidgets.widgets.link")  # not the function

    monkeypatch.setattr(link_module, "MAX_TRANSITION_BYTES", 8)
    concept_bits, move_bits = link_module.concept_sequences(np.zeros((3, 4), int), [4, 4, 4], 3)
    assert len(concept_bits) == 3 and move_bits == b""


def _run_of(name):
    from xaiwidgets.runs import in_memory_run

    r = MODULES[name].result()
    xy = np.random.default_rng(0).normal(size=(len(r), 2))
    return in_memory_run(r, embedding=xy)


def test_a_result_taken_from_a_run_records_its_run_rows():
    from xaiwidgets._core.results import run_rows

    run = _run_of("comparison")  # 4 samples
    a = run.attributions
    assert run_rows(a) is None and run_rows(a, whole=True).tolist() == [0, 1, 2, 3]
    sub = a[[3, 1]]
    assert run_rows(sub).tolist() == [3, 1]
    assert run_rows(sub[1:]).tolist() == [1]  # taken again: still the run's rows
    assert run_rows(sub[np.array([True, False])]).tolist() == [3]
    assert run_rows(a[2]).tolist() == [2] and run_rows(a[-1]).tolist() == [3]
    assert run_rows(a[1:4:2]).tolist() == [1, 3]
    assert run_rows(type(a).concat([a[3], a[0:2]])).tolist() == [3, 0, 1]
    assert run_rows(type(a).concat([a[3], MODULES["comparison"].result()])) is None
    assert run_rows(MODULES["comparison"].result()[1:]) is None  # not from a run
    # a concept tree recounts its nodes when taken, and keeps its rows (as a run's step)
    from xaiwidgets._core.results import _set_run_rows

    tree = MODULES["tree"].result()
    _set_run_rows(tree, len(tree))
    taken = tree[[5, 0, 2]]
    assert run_rows(taken).tolist() == [5, 0, 2] and run_rows(taken[1:]).tolist() == [0, 2]


def test_a_view_of_rows_taken_from_a_run_links_by_them_without_rows():
    run = _run_of("comparison")
    ov = xw.DatasetOverview(run)
    v = xw.ComparisonView(run.attributions[[3, 1]], **MODULES["comparison"].OPTIONS)
    xw.link(ov, v)
    assert np.frombuffer(v._link_rows, dtype="<u4").tolist() == [3, 1]
    assert ov._link_rows == b""  # the run itself: row i is sample i
    # rows given win over the recorded ones
    xw.link(ov, (v, [0, 2]))
    assert np.frombuffer(v._link_rows, dtype="<u4").tolist() == [0, 2]
    # a mask view of a run's masks: the rows of the nested comparison
    masks = _run_of("masks")
    mv = xw.MaskView(masks.mask[1:3], **MODULES["masks"].OPTIONS)
    xw.link(xw.DatasetOverview(masks), mv)
    assert np.frombuffer(mv._link_rows, dtype="<u4").tolist() == [1, 2]
    # without a run, views of different lengths still need rows
    with pytest.raises(ValueError, match=r"^link: the views show different numbers of samples"):
        xw.link(xw.ComparisonView(MODULES["comparison"].result()[1:],
                                  **MODULES["comparison"].OPTIONS), view("tree"))
