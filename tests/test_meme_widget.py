"""TimelineView: state on the wire (binary, uint8 states), the fetch channel, the static
snapshot, the export, strict keywords and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import fetch, synced
from test_meme import toy

import xaiwidgets as xw
from xaiwidgets.examples import StepLSTM, train_rnn
from xaiwidgets.widgets._traits import PayloadTooLargeWarning, split_buffers

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def meme():
    x, y = toy(80)
    torch.manual_seed(0)
    m = StepLSTM(2, hidden=8)
    train_rnn(m, x[:60], y[:60], x[60:], y[60:], epochs=25, batch_size=16, lr=2e-2,
              progress=False)
    return xw.MEME(m, n_concepts=3, window=1, class_names=["low", "<b>high</b>"],
                   progress=False).fit(x, feature_names=["a", "b"])


@pytest.fixture(scope="module")
def widget(meme):
    x, _ = toy(30)
    lengths = np.random.default_rng(0).integers(4, 13, size=30)
    return xw.TimelineView.from_estimator(meme, x, lengths, embed=[0, 1],
                                             title="<script>t</script>"), x, lengths


def test_state_is_binary_and_states_are_uint8(widget, meme):
    w, x, lengths = widget
    state = synced(w, "sequences")
    _, paths, buffers = split_buffers(state)
    assert paths and all(isinstance(b, bytes) for b in buffers)
    b0 = state["blocks"][0]
    assert b0["states"]["dtype"] == "uint8"
    assert b0["states"]["shape"] == [1, 8, int(lengths[0])]
    assert b0["x"]["shape"] == [int(lengths[0]), 2]
    trace = meme.explain(x, lengths)
    assert np.array_equal(np.frombuffer(b0["concept"]["data"], np.int8),
                          trace.concepts[0, :lengths[0]])
    assert len(w.trees) == meme.n_concepts_ + 1 and w.trees[-1]["source"] == -1
    assert w.summary["per_step"] and 0 <= w.summary["step_fidelity"] <= 1
    assert w.concepts["colors"][0].startswith("#")


def test_rules_in_the_state_are_the_explanations(widget, meme):
    w, x, lengths = widget
    ex = meme.explain_sequence(x, 0, lengths=lengths)
    for step in ex.steps[1:]:
        tree = next(t for t in w.trees if t["source"] == step.source)
        assert (tree["rules"][step.leaf] or "always") + " -> " + step.name == step.rule


def test_fetch_sequence_and_matches(widget):
    w, _, lengths = widget
    reply = fetch(w, "sequence", index=7)
    assert reply["block"]["length"] == lengths[7]
    assert reply["block"]["states"]["dtype"] == "uint8"
    hits = fetch(w, "match", index=0, start=0, stop=3, by="concepts")["block"]["matches"]
    assert hits and all(h["sequence"] != 0 and h["stop"] - h["start"] >= 3 for h in hits)
    assert fetch(w, "match", index=0, start=0, stop=3, units=[0], threshold=-1.0)["block"]
    bad = fetch(w, "sequence", index=99)
    assert "error" in bad and "argument 'index'" in bad["error"]
    assert "cannot fetch" in fetch(w, "thumbs", index=0)["error"]


def test_static_snapshot_is_a_picture_with_a_legend(widget):
    w, _, _ = widget
    page = w._static_html()
    assert "<svg" in page and "<rect" in page and "<polygon" in page
    assert "concepts:" in page and "&lt;b&gt;high&lt;/b&gt;" in page
    assert "<script>" not in page and "&lt;script&gt;t&lt;/script&gt;" in page
    assert "transition trees" in page and "from " in page
    # short concept names and the probabilities never break mid-word in the table
    table = page.split("<table>", 1)[1].split("</table>", 1)[0]
    assert "<th style='white-space:nowrap" in table and "<td style='white-space:nowrap" in table


def test_to_html_is_standalone(widget, tmp_path):
    w, _, _ = widget
    html = w.to_html(tmp_path / "t.html")
    assert "xai-payload" in html and "<noscript>" in html and "http" not in html.split(
        "<script type=\"module\">")[1][:200]
    assert (tmp_path / "t.html").stat().st_size > 10_000


def test_embedding_is_capped(meme):
    x, _ = toy(20)
    with pytest.warns(PayloadTooLargeWarning):
        w = xw.TimelineView.from_estimator(meme, x, embed=list(range(20)),
                                              max_payload_bytes=2_000)
    assert 1 <= len(w.sequences["blocks"]) < 20
    auto = xw.TimelineView.from_estimator(meme, x, max_payload_bytes=2_000)
    assert 1 <= len(auto.sequences["blocks"]) < 20


def test_keywords_are_strict_and_input_is_checked(meme, widget):
    x, _ = toy(10)
    with pytest.raises(TypeError, match="unknown option 'titel'"):
        xw.TimelineView.from_estimator(meme, x, titel="x")
    with pytest.raises(ValueError, match=r"argument 'feature_names': expected 2 names"):
        xw.TimelineView.from_estimator(meme, x, feature_names=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"argument 'index': expected an integer in \[0, 9\]"):
        xw.TimelineView.from_estimator(meme, x, index=10)
    with pytest.raises(TypeError, match="argument 'meme': expected a fitted MEME"):
        xw.TimelineView.from_estimator("meme", x)
    with pytest.raises(TypeError, match="argument 'trace': expected a MemeTrace"):
        xw.TimelineView(meme)
    with pytest.raises(ValueError, match="argument 'trace': expected a trace with hidden"):
        xw.TimelineView(meme.explain(x, states=False))
    with pytest.raises(TypeError, match="one positional argument"):
        xw.TimelineView(meme.explain(x), x)


def test_the_view_draws_from_the_trace_alone(widget, meme, tmp_path):
    w, x, lengths = widget
    trace = meme.explain(x, lengths)
    alone = xw.TimelineView(trace, embed=[0, 1], title="<script>t</script>")
    assert alone.export_state() == w.export_state()
    assert alone._static_html() == w._static_html()
    # opened from disk, without the estimator
    back = xw.open_result(trace.save(tmp_path / "trace"))
    opened = xw.TimelineView(back, embed=[0, 1], title="<script>t</script>")
    assert opened.export_state() == w.export_state()
    assert fetch(opened, "match", index=0, start=0, stop=3, by="concepts") == fetch(
        w, "match", index=0, start=0, stop=3, by="concepts")
    # the summary is the trace's scores
    assert w.summary["step_fidelity"] == trace.scores.step_fidelity
    assert w.summary["final_fidelity"] == meme.evaluate(x, lengths=lengths).final_fidelity
    # the previous release's call still works, with a warning
    with pytest.warns(FutureWarning, match=r"TimelineView\(trace\)"):
        old = xw.TimelineView(meme, trace, x, embed=[0, 1], title="<script>t</script>")
    assert old.export_state() == w.export_state()


def test_a_hand_made_trace_draws_what_it_holds():
    from hand_results import timeline

    trace = timeline.result()
    scores = trace.scores
    assert scores.step_fidelity == pytest.approx(10 / 12)  # two disagreements in 12 steps
    assert scores.final_fidelity == 1.0 and scores.sequence_fidelity == pytest.approx(
        (1 + 2 / 3 + 3 / 4) / 3)
    assert [s.rule for s in trace.explain(0).transitions] == [
        "the RNN's first state -> low", "a@t > 0.5 -> high"]
    w = xw.TimelineView(trace, **timeline.OPTIONS)
    assert w.summary["steps"] == 12 and w.summary["units"] == 4 and w.threshold == 0.25
    # concept colours: the concept palette by id, never a class colour
    from xaiwidgets.widgets._colors import CONCEPT_PALETTE
    from xaiwidgets.widgets.timeline import PALETTE

    assert w.concepts["colors"] == list(CONCEPT_PALETTE[:3])
    assert not set(w.concepts["colors"]) & set(PALETTE)
    assert [b["length"] for b in w.sequences["blocks"]] == [5, 3, 4]
    b1 = w.sequences["blocks"][1]
    assert b1["concept"].tolist() == [2, 0, 0] and b1["rnn"].tolist() == [1, 0, 0]
    # units in the trace's order: heatmap row 0 is unit 2
    states = b1["states"].values[0]
    assert np.allclose(states[0], trace.states[1, :3, 2])
    assert w.trees[0]["rules"] == ["", "a@t <= 0.5", "a@t > 0.5"]
    page = w._static_html()
    assert "12 steps" not in page and "3 sequences" in page and "if a@t &lt;= 0.5:" in page
    # the search reads the trace: sequences 1 (from step 1) and 2 also hold concept 0 twice
    hits = fetch(w, "match", index=0, start=0, stop=2, by="concepts")["block"]["matches"]
    assert hits[0] == {"sequence": 1, "start": 1, "stop": 3, "score": 1.0}


def test_windows_of_one_recording_are_one_stretch_and_time_reads_in_units():
    from hand_results import timeline

    from xaiwidgets.widgets.timeline import same_stretch_once

    # sequences 0, 1, 2 start at rows 0, 2 and 10 of one recording
    starts = np.array([0, 2, 10])
    hits = [{"sequence": 1, "start": 3, "stop": 5, "score": 0.9},   # rows 5..6
            {"sequence": 2, "start": 0, "stop": 2, "score": 0.8},   # rows 10..11
            {"sequence": 0, "start": 6, "stop": 8, "score": 0.7},   # rows 6..7: joins row 5
            {"sequence": 1, "start": 0, "stop": 2, "score": 0.6}]   # rows 2..3: the query
    got = same_stretch_once(hits, starts, 0, 1, 4)                  # query: rows 1..3
    assert got == [{"sequence": 1, "start": 3, "stop": 5, "score": 0.9, "also": [0]},
                   {"sequence": 2, "start": 0, "stop": 2, "score": 0.8, "also": []}]
    w = xw.TimelineView(timeline.result(), time_step=(16, "min"), starts=[0, 0, 20])
    assert (w.summary["time_step"], w.summary["time_unit"]) == (16.0, "min")
    hits = fetch(w, "match", index=0, start=0, stop=2, by="concepts")["block"]["matches"]
    # sequence 1's best window (its steps 1..2 = rows 1..2) overlaps the query's rows 0..1: it
    # is the query seen through another window; only sequence 2 is another stretch
    assert [h["sequence"] for h in hits] == [2] and hits[0]["also"] == []
    plain = xw.TimelineView(timeline.result())
    assert (plain.summary["time_step"], plain.summary["time_unit"]) == (0.0, "")
    with pytest.raises(TypeError, match=r"argument 'time_step': expected \(duration, unit\)"):
        xw.TimelineView(timeline.result(), time_step=16)
    with pytest.raises(ValueError, match="argument 'time_step': expected a number > 0"):
        xw.TimelineView(timeline.result(), time_step=(0, "min"))
    with pytest.raises(ValueError, match=r"argument 'starts': expected one first row .* "
                                         r"shape \(3,\), got int64 array of shape \(2,\)"):
        xw.TimelineView(timeline.result(), starts=[0, 1])


def test_the_concept_palette_is_the_front_end_s():
    import re
    from pathlib import Path

    from xaiwidgets.widgets._colors import CONCEPT_PALETTE, concept_palette

    ts = (Path(__file__).parents[1] / "js/src/lib/colormap.ts").read_text()
    block = ts[ts.index("export const CONCEPT_PALETTE"):]
    block = block[:block.index("];")]
    assert tuple(re.findall(r'"(#[0-9a-f]{6})"', block)) == CONCEPT_PALETTE
    assert concept_palette(16)[14:] == list(CONCEPT_PALETTE[:2])


def test_the_snapshot_has_a_time_axis_and_says_what_it_shows():
    from hand_results import timeline

    from xaiwidgets.widgets.timeline import _step_ticks

    assert _step_ticks(509, 8) == [0, 100, 200, 300, 400, 500]
    assert _step_ticks(5, 10) == [0, 1, 2, 3, 4]
    page = xw.TimelineView(timeline.result(), **timeline.OPTIONS)._static_html()
    assert ("aria-label='concept timeline of sequence 0: 5 steps; 2 concept runs: low steps "
            "0–1, high steps 2–4; the RNN and the extracted model disagree at 0 steps'") in page
    assert ">step</text>" in page and "text-anchor='middle'>4</text>" in page
