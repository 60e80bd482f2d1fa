// @vitest-environment happy-dom
// A SENN concept in a linked group (lib/link.ts): pinning it sends its prototypes' rows; another
// view's selection is counted among the prototypes. No kernel message either way.
import { afterEach, describe, expect, it } from "vitest";
import senn from "../src/relevance";
import { linkBus, type LinkSelection, publishSelection, subscribeSelection } from "../src/lib/link";
import { f32, FakeModel, i32, quantize, ramp } from "./fixtures";

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
