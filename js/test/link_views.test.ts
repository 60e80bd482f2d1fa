// @vitest-environment happy-dom
// A SENN concept in a linked group (lib/link.ts): pinning it sends its prototypes' rows; another
// view's selection is counted among the prototypes. No kernel message either way.
import { afterEach, describe, expect, it } from "vitest";
import comparison from "../src/comparison";
import senn from "../src/relevance";
import { lastFocus, linkBus, type LinkFocus, type LinkSelection, publishFocus, publishSelection, subscribeFocus, subscribeSelection } from "../src/lib/link";
import { f32, FakeModel, flush, i32, imageBlock, quantize, ramp } from "./fixtures";

function block(indices: number[], k = 3) {
  const K = indices.length;
  return {
    index: i32([K], indices), target: i32([K], indices.map(() => 0)), pred: i32([K], indices.map(() => 1)),
    prob: f32([K], indices.map(() => 0.75)), concepts: f32([K, k], ramp(K * k, (i) => (i % k) - 1)),
    relevances: f32([K, k], ramp(K * k, (i) => (i % k) / 10)),
    inputs: quantize([K, 4, 4, 1], ramp(K * 16, (i) => (i % 7) / 7), false),
  };
}

/** Prototypes of concepts 0, 1, 2: four samples each, 100 + 4 * concept + i. */
function protos() {
  return {
    concepts: i32([3], [0, 1, 2]), top_k: 4, indices: i32([3, 4], ramp(12, (i) => 100 + i)),
    activations: f32([3, 4], ramp(12, (i) => 5 - i / 10)),
  };
}

afterEach(() => {
  document.body.replaceChildren();
  linkBus().last.clear();
  linkBus().focus?.clear();
});

describe("SENNView in a link", () => {
  it("pinning a concept selects its prototypes' rows in the group; Escape (unpin) clears", () => {
    const rows = new Uint32Array(200).map((_, i) => 1000 + i); // sample i is row 1000 + i
    const model = new FakeModel({
      kind: "image", title: "", class_names: ["a", "b"], concept_names: ["c1", "c2", "c3"], learned: true,
      n_samples: 200, sample: 0, data: block([0, 1]), prototypes: protos(), stability: {}, sort: false,
      _link_group: "senn-g", _link_rows: new DataView(rows.buffer),
    });
    const el = document.createElement("div");
    document.body.appendChild(el);
    senn.render({ model: model as never, el });
    const got: LinkSelection[] = [];
    const off = subscribeSelection("senn-g", "test", (s) => got.push(s));
    const protoRows = [...el.querySelectorAll<HTMLElement>(".xai-senn-proto-row")];
    protoRows[1].click(); // concept c2: samples 104-107
    expect(got).toHaveLength(1);
    expect([...got[0].rows!]).toEqual([1104, 1105, 1106, 1107]);
    expect(got[0].label).toBe("SENN concept c2 (its 4 top samples)");
    protoRows[1].click(); // unpinned: cleared
    expect(got[1].rows).toBeNull();

    // another view selects rows 1104, 1110 and 7 (not shown here): two samples, two concepts
    publishSelection({ group: "senn-g", source: "other", rows: Uint32Array.from([7, 1104, 1110]), label: "tree node 2" });
    expect(el.dataset.xaiLinked).toBe("104,110");
    expect(el.querySelector(".xai-status")!.textContent).toBe("tree node 2: 2 of the 200 samples here; among the prototypes: c2 1, c3 1");
    publishSelection({ group: "senn-g", source: "other", rows: null, label: "cleared" });
    expect(el.dataset.xaiLinked).toBeUndefined();
    expect(model.sent).toEqual([]);
    off();
  });
});

describe("SENNView follows the focus", () => {
  it("shows the focused row's sample: embedded at once, else fetched; rows it lacks are ignored", async () => {
    const rows = new Uint32Array(200).map((_, i) => 1000 + i);
    const model = new FakeModel({
      kind: "image", title: "", class_names: ["a", "b"], concept_names: ["c1", "c2", "c3"], learned: true,
      n_samples: 200, sample: 0, data: block([0, 1]), prototypes: protos(), stability: {}, sort: false,
      _link_group: "senn-f", _link_rows: new DataView(rows.buffer),
    });
    const el = document.createElement("div");
    document.body.appendChild(el);
    senn.render({ model: model as never, el });
    const num = () => (el.querySelector(".xai-sample") as HTMLInputElement).value;
    expect(num()).toBe("0");
    publishFocus({ group: "senn-f", source: "overview", row: 1001, label: "overview sample 1001" });
    expect(num()).toBe("1");
    expect(model.sent).toEqual([]);
    publishFocus({ group: "senn-f", source: "overview", row: 5, label: "overview sample 5" });
    expect(num()).toBe("1"); // not a row of this view
    publishFocus({ group: "senn-f", source: "overview", row: 1150, label: "overview sample 1150" });
    expect(model.sent).toHaveLength(1);
    expect(model.sent[0]).toMatchObject({ what: "sample", args: { index: 150 } });
    publishFocus({ group: "senn-f", source: "overview", row: 1151, label: "overview sample 1151" });
    publishFocus({ group: "senn-f", source: "overview", row: 1152, label: "overview sample 1152" });
    expect(model.sent).toHaveLength(1); // one fetch in flight; the latest (152) comes next
    model.reply(block([150]), 0);
    await flush();
    expect(model.sent).toHaveLength(2);
    expect(model.sent[1]).toMatchObject({ what: "sample", args: { index: 152 } });
    model.reply(block([152]), 1);
    await flush();
    expect(num()).toBe("152");
  });
});

describe("ComparisonView in a link", () => {
  it("shows the focused row (embedded: no message; else fetched) and focuses the sample it shows", async () => {
    const rows = Uint32Array.from([50, 51, 52, 53, 54, 55, 56, 57, 58, 59]); // sample i is row 50 + i
    const methods = ["Saliency"];
    const model = new FakeModel({
      kind: "image", title: "cmp", methods, class_names: ["a", "b", "c"], feature_names: [], n_samples: 10,
      data: imageBlock([0, 1, 2], methods), sample: 0, metrics: {}, colormap: "RdBu", opacity: 0.6, threshold: 0,
      overlay: true, _link_group: "cmp-g", _link_rows: new DataView(rows.buffer),
    });
    const el = document.createElement("div");
    document.body.appendChild(el);
    comparison.render({ model: model as never, el });
    const num = () => (el.querySelector(".xai-sample") as HTMLInputElement).value;
    const got: LinkFocus[] = [];
    const off = subscribeFocus("cmp-g", "overview", (f) => got.push(f));
    expect(num()).toBe("0");
    publishFocus({ group: "cmp-g", source: "overview", row: 52, label: "overview sample 52" });
    expect(num()).toBe("2"); // embedded: shown at once, no kernel message
    expect(model.sent).toEqual([]);
    expect(got).toEqual([]); // the row it was told to show is not echoed
    publishFocus({ group: "cmp-g", source: "overview", row: 7, label: "overview sample 7" });
    expect(num()).toBe("2"); // not a row of this view
    expect(el.querySelector(".xai-status")!.textContent).toBe("overview sample 7: row 7 is not among the 10 samples here");
    // rows 55, 56, 57 swept over while 55 (not embedded) is read: one fetch, then the latest
    publishFocus({ group: "cmp-g", source: "overview", row: 55, label: "overview sample 55" });
    publishFocus({ group: "cmp-g", source: "overview", row: 56, label: "overview sample 56" });
    publishFocus({ group: "cmp-g", source: "overview", row: 57, label: "overview sample 57" });
    expect(model.sent).toHaveLength(1); // fetched by the view's own "sample" fetch
    expect(model.sent[0]).toMatchObject({ what: "sample", args: { index: 5 } });
    model.reply(imageBlock([5], methods), 0);
    await flush();
    expect(model.sent).toHaveLength(2); // sample 5 landed (kept, not shown): now 7
    expect(model.sent[1]).toMatchObject({ what: "sample", args: { index: 7 } });
    expect(num()).toBe("2");
    model.reply(imageBlock([7], methods), 1);
    await flush();
    expect(num()).toBe("7");
    expect(got).toEqual([]); // showing the row it was told to show: no echo
    // paging here focuses the shown sample's row in the others
    (el.querySelector(".xai-prev") as HTMLButtonElement).click(); // 6: not held, fetched
    expect(model.sent).toHaveLength(3);
    model.reply(imageBlock([6], methods));
    await flush();
    expect(num()).toBe("6");
    expect(got.map((f) => f.row)).toEqual([56]);
    (el.querySelector(".xai-prev") as HTMLButtonElement).click(); // 5: held since the sweep
    expect(model.sent).toHaveLength(3);
    expect(num()).toBe("5");
    expect(got.map((f) => f.row)).toEqual([56, 55]);
    expect(lastFocus("cmp-g")!.label).toBe("cmp: sample 5");
    off();
  });
});
