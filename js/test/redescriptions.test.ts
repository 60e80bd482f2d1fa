// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import widget, { addSamples } from "../src/redescriptions";
import { createModel } from "../src/standalone";
import { decodeState } from "../src/lib/wire";
import {
  type Filter,
  hasBit,
  jCode,
  partCounts,
  partSamples,
  pText,
  rowsOf,
  sortRows,
  visibleRows,
} from "../src/views/redescription_rows";
import { f32, FakeModel, flush, i32, quantize, wire } from "./fixtures";

const N = 12; // samples
const NEURONS = ["net.n0", "net.n1", "<b>net.n2</b>"];
const ATTRS = ["radius", "colour", "texture"];

/** numpy's packbits (big bit order) of boolean rows. */
function packbits(rows: boolean[][]): Uint8Array {
  const width = Math.ceil(N / 8);
  const out = new Uint8Array(rows.length * width);
  rows.forEach((r, i) => r.forEach((on, s) => {
    if (on) out[i * width + (s >> 3)] |= 1 << (7 - (s & 7));
  }));
  return out;
}

const range = (a: number, b: number) => Array.from({ length: N }, (_, s) => s >= a && s < b);
// Row r: left support [a, b), right support [c, d).
const SUPPORTS: [number, number, number, number][] = [[0, 6, 0, 6], [0, 6, 2, 8], [4, 10, 5, 12], [0, 4, 1, 4]];
const LEFT = SUPPORTS.map(([a, b]) => range(a, b));
const RIGHT = SUPPORTS.map(([, , c, d]) => range(c, d));
const inter = SUPPORTS.map((_, i) => LEFT[i].filter((v, s) => v && RIGHT[i][s]).length);

function rowsWire() {
  const R = SUPPORTS.length;
  const J = SUPPORTS.map((_, i) => inter[i] / LEFT[i].map((v, s) => v || RIGHT[i][s]).filter(Boolean).length);
  return {
    neuron: i32([R], [0, 1, 2, 0]),
    interaction: wire("uint8", [R], Uint8Array.from([0, 0, 1, 0])),
    left_rule: ["net.n0 > 0.5", "net.n1 <= 2", "net.n2 > 1 AND net.n0 <= 3", "net.n0 <= 0.1"],
    right_rule: ["radius > 14", "<img src=x onerror=alert(1)>", "colour = red", "texture <= 9"],
    jaccard: f32([R], J),
    log10_p: f32([R], [-12, -5, -3, -2.2]),
    support: i32([R], inter),
    left_support: i32([R], LEFT.map((r) => r.filter(Boolean).length)),
    right_support: i32([R], RIGHT.map((r) => r.filter(Boolean).length)),
    right_columns: [[0], [], [1], [2]],
    left_columns: [[0], [1], [2, 0], [0]],
    left_bits: wire("uint8", [R, 2], packbits(LEFT)),
    right_bits: wire("uint8", [R, 2], packbits(RIGHT)),
    rank: i32([R], [0, 3, 2, 1]), // reading order 0, 3, 2, 1 (Python's: here by J)
    complement: i32([R], [-1, -1, -1, -1]),
    restates: wire("uint8", [R], new Uint8Array(R)),
  };
}

function thumbBlock(indices: number[], side = 4) {
  const K = indices.length;
  const values = Array.from({ length: K * side * side }, (_, i) => (i % 3 === 0 ? 1 : 0));
  return { index: i32([K], indices), images: quantize([K, side, side, 1], values, false) };
}

function traits(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: "Neurons <i>explained</i>",
    neurons: NEURONS,
    attributes: ATTRS,
    views: { left: "net", right: "attributes" },
    rows: rowsWire(),
    coverage: { values: f32([3, 3], [0.9, 0, 0, 0, 0, 0, 0, 0.55, 0]) },
    settings: { min_jaccard: 0.5, max_pvalue: 0.01, correction: null },
    summary: { n_redescriptions: 4, n_neurons: 3, described: 2, shuffled_described: 1, shuffled_neurons: 3, shuffled_seed: 0 },
    sample_kind: "image",
    sample_columns: [],
    samples: thumbBlock([0, 1, 2]),
    n_samples: N,
    n_show: 12,
    selected: -1,
    ...over,
  };
}

function mount(model: unknown) {
  const el = document.createElement("div");
  document.body.appendChild(el);
  const cleanup = widget.render({ model: model as never, el });
  return { el, cleanup };
}

const bodyRows = (el: Element) => [...el.querySelectorAll<HTMLTableRowElement>("table.xai-rd-table tbody tr[data-row]:not([hidden])")];
const shownRows = (el: Element) => bodyRows(el).map((tr) => Number(tr.dataset.row));
const click = (e: Element) => e.dispatchEvent(new MouseEvent("click", { bubbles: true }));
function slide(el: Element, selector: string, value: number) {
  const input = el.querySelector<HTMLInputElement>(selector)!;
  input.value = String(value);
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

afterEach(() => document.body.replaceChildren());

describe("redescription rows (pure)", () => {
  const rows = rowsOf(decodeState(rowsWire()));
  const all: Filter = { minJ: 0, maxLog10P: 0, text: "", set: "all", neuron: -1, attribute: -1 };

  it("decodes the wire rows and the packed supports", () => {
    expect(rows.count).toBe(4);
    expect(rows.width).toBe(2);
    for (let i = 0; i < 4; i++) {
      for (let s = 0; s < N; s++) {
        expect(hasBit(rows.leftBits, rows.width, i, s)).toBe(LEFT[i][s]);
        expect(hasBit(rows.rightBits, rows.width, i, s)).toBe(RIGHT[i][s]);
      }
    }
    expect(partSamples(rows, 1, "both", N)).toEqual([2, 3, 4, 5]);
    expect(partSamples(rows, 1, "left", N)).toEqual([0, 1]);
    expect(partSamples(rows, 1, "right", N)).toEqual([6, 7]);
    expect(partSamples(rows, 1, "both", N, 2)).toEqual([2, 3]);
    expect(partCounts(rows, 1)).toEqual({ left: 2, both: 4, right: 2 });
  });

  it("filters by J, p, text, set and a heatmap cell", () => {
    expect(visibleRows(rows, all, NEURONS)).toEqual([0, 1, 2, 3]);
    expect(visibleRows(rows, { ...all, minJ: 0.6 }, NEURONS)).toEqual([0, 2, 3]); // J = 1, .5, .625, .75
    expect(visibleRows(rows, { ...all, maxLog10P: -4 }, NEURONS)).toEqual([0, 1]);
    expect(visibleRows(rows, { ...all, text: "RADIUS" }, NEURONS)).toEqual([0]);
    expect(visibleRows(rows, { ...all, text: "<b>" }, NEURONS)).toEqual([2]);
    expect(visibleRows(rows, { ...all, set: "interaction" }, NEURONS)).toEqual([2]);
    expect(visibleRows(rows, { ...all, set: "individual" }, NEURONS)).toEqual([0, 1, 3]);
    expect(visibleRows(rows, { ...all, neuron: 0 }, NEURONS)).toEqual([0, 3]);
    expect(visibleRows(rows, { ...all, neuron: 0, attribute: 2 }, NEURONS)).toEqual([3]);
  });

  it("sorts, ties in the mined order", () => {
    expect(sortRows([0, 1, 2, 3], rows, "jaccard", false, NEURONS)).toEqual([1, 2, 3, 0]);
    expect(sortRows([0, 1, 2, 3], rows, "p", false, NEURONS)).toEqual([0, 1, 2, 3]);
    expect(sortRows([0, 1, 2, 3], rows, "neuron", false, NEURONS)).toEqual([2, 0, 3, 1]);
    expect(sortRows([0, 1, 2, 3], rows, "support", true, NEURONS)).toEqual([0, 1, 2, 3].sort((a, b) => inter[b] - inter[a] || a - b));
  });

  it("writes p-values and colours J from the mined floor", () => {
    expect(pText(-12)).toBe("1.0e-12");
    expect(pText(Math.log10(0.004))).toBe("0.004");
    expect(pText(-400)).toBe("< 1e-299");
    expect(jCode(0.5, 0.5)).toBe(0);
    expect(jCode(1, 0.5)).toBe(255);
    expect(jCode(0.75, 0.5)).toBe(128);
    expect(jCode(1, 1)).toBe(255);
  });

  it("adds embedded and fetched samples to the caches", () => {
    const thumbs = new Map();
    const cells = new Map<number, string[]>();
    expect(addSamples(thumbs, cells, decodeState(thumbBlock([4, 7])))).toBe(2);
    expect([...thumbs.keys()]).toEqual([4, 7]);
    addSamples(thumbs, cells, decodeState({ index: i32([1], [3]), cells: [["1.5", "red"]] }));
    expect(cells.get(3)).toEqual(["1.5", "red"]);
  });
});

describe("RedescriptionView view", () => {
  it("draws every row with rules as text, and becomes ready", () => {
    const { el } = mount(new FakeModel(traits()));
    expect(el.dataset.xaiReady).toBe("1");
    expect(shownRows(el)).toEqual([0, 3, 2, 1]); // the reading order, grouped by neuron
    const rights = [...el.querySelectorAll("td.xai-right")].map((t) => t.textContent);
    expect(rights).toContain("<img src=x onerror=alert(1)>"); // literally: never parsed as HTML
    expect(el.querySelector("table.xai-rd-table img, table.xai-rd-table b")).toBeNull();
    expect(el.querySelector(".xai-title")!.textContent).toBe("Neurons <i>explained</i>");
    expect(el.querySelector(".xai-summary")!.textContent).toContain("2 of 3 neurons described");
    expect(el.querySelector(".xai-summary")!.textContent).toContain("; with activations shuffled: 1 of 3");
    expect(el.querySelector("th[aria-sort]")).toBeNull(); // no header sorts the reading order
    const groups = [...el.querySelectorAll<HTMLElement>("tr.xai-group")];
    expect(groups.map((g) => g.textContent)).toEqual([
      "▾net.n0 · 2 rules · best J 1.000", "▾<b>net.n2</b> · 1 rule · best J 0.625", "▾net.n1 · 1 rule · best J 0.500"]);
    expect(el.querySelector("table.xai-rd-table")!.getAttribute("role")).toBe("treegrid");
  });

  it("the J and p sliders and the text filter work in the browser only", () => {
    const model = new FakeModel(traits());
    const { el } = mount(model);
    slide(el, "input.xai-min-j", 0.6);
    expect(shownRows(el)).toEqual([0, 3, 2]); // best J first
    slide(el, "input.xai-min-j", 0.5);
    slide(el, "input.xai-max-p", -4);
    expect(shownRows(el)).toEqual([0, 1]);
    const text = el.querySelector<HTMLInputElement>("input.xai-text-filter")!;
    text.value = "radius";
    text.dispatchEvent(new Event("input"));
    expect(shownRows(el)).toEqual([0]);
    expect(el.querySelector(".xai-filter-note")!.textContent).toContain("1 of 4 shown");
    click(el.querySelector("button.xai-clear")!);
    expect(shownRows(el)).toHaveLength(4);
    expect(model.saved).toEqual([]); // view-only: no kernel round-trip
    expect(model.sent).toEqual([]);
  });

  it("sorts on a header click, toggling the direction", () => {
    const { el } = mount(new FakeModel(traits()));
    const th = el.querySelector<HTMLElement>("th[data-key=p]")!;
    click(th);
    expect(th.getAttribute("aria-sort")).toBe("ascending");
    // groups keep together, in the order of their first row: p 0 < 1 < 2 < 3
    expect(shownRows(el)).toEqual([0, 3, 1, 2]);
    click(th.querySelector("button")!); // the header's button sorts too (Enter on it, by keyboard)
    expect(th.getAttribute("aria-sort")).toBe("descending");
    expect(shownRows(el)).toEqual([3, 0, 2, 1]);
    const group = el.querySelector<HTMLInputElement>("input.xai-group-by")!;
    group.checked = false;
    group.dispatchEvent(new Event("change"));
    expect(shownRows(el)).toEqual([3, 2, 1, 0]);
    expect(el.querySelectorAll("tr.xai-group")).toHaveLength(0);
  });

  it("folds a complement into its partner, lists restatements last, folds groups", () => {
    const rows = rowsWire();
    // row 3 is row 0's complement (the view trusts Python's pairing); row 1 restates the prediction
    rows.complement = i32([4], [3, -1, -1, 0]);
    rows.restates = wire("uint8", [4], Uint8Array.from([0, 1, 0, 0]));
    const { el } = mount(new FakeModel(traits({ rows })));
    expect(shownRows(el)).toEqual([0, 2, 1]);
    const r0 = el.querySelector<HTMLElement>("tr[data-row='0']")!;
    expect(r0.getAttribute("aria-expanded")).toBe("false");
    expect(el.querySelector<HTMLElement>("tr[data-row='3']")!.hidden).toBe(true);
    expect(el.querySelector(".xai-filter-note")!.textContent).toContain("4 of 4 shown · 1 complement folded");
    expect(el.querySelector("tr[data-row='1'] .xai-restates-note")!.textContent).toBe("restates the prediction");
    expect(el.querySelector("tr.xai-group")!.textContent).toContain("1 with its complement folded");
    click(r0.querySelector(".xai-fold")!); // the note unfolds it
    expect(shownRows(el)).toEqual([0, 3, 2, 1]);
    expect(el.querySelector("tr[data-row='3']")!.textContent).toContain("complement of the row above");
    expect(el.querySelector("tr[data-row='0']")!.getAttribute("aria-expanded")).toBe("true");
    // a filter that keeps only the complement lists it on its own
    const text = el.querySelector<HTMLInputElement>("input.xai-text-filter")!;
    text.value = "texture";
    text.dispatchEvent(new Event("input"));
    expect(shownRows(el)).toEqual([3]);
    text.value = "";
    text.dispatchEvent(new Event("input"));
    const box = el.querySelector<HTMLInputElement>("input.xai-show-complements")!;
    box.checked = true;
    box.dispatchEvent(new Event("change"));
    expect(shownRows(el)).toEqual([0, 3, 2, 1]);
    // a group header folds its rows
    click(el.querySelector("tr.xai-group[data-group='0']")!);
    expect(shownRows(el)).toEqual([2, 1]);
    expect(el.querySelector("tr.xai-group[data-group='0']")!.getAttribute("aria-expanded")).toBe("false");
  });

  it("keyboard: one Tab stop, Up / Down move, Enter selects, Right / Left fold, Escape clears", () => {
    const rows = rowsWire();
    rows.complement = i32([4], [3, -1, -1, 0]);
    const { el } = mount(new FakeModel(traits({ rows })));
    const tbody = el.querySelector("table.xai-rd-table tbody")!;
    const stops = [...tbody.querySelectorAll<HTMLElement>("tr")].filter((tr) => tr.tabIndex === 0);
    expect(stops).toHaveLength(1);
    const key = (k: string) => document.activeElement!.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
    stops[0].focus();
    expect((document.activeElement as HTMLElement).dataset.group).toBe("0");
    key("ArrowDown");
    expect((document.activeElement as HTMLElement).dataset.row).toBe("0");
    key("Enter");
    expect(el.querySelector("tr.xai-selected")!.getAttribute("aria-selected")).toBe("true");
    expect(el.querySelector(".xai-detail-left")!.textContent).toBe("net.n0 > 0.5");
    key("ArrowRight"); // unfolds the complement, focus stays
    expect((document.activeElement as HTMLElement).dataset.row).toBe("0");
    expect(shownRows(el)).toEqual([0, 3, 2, 1]);
    key("ArrowDown");
    expect((document.activeElement as HTMLElement).dataset.row).toBe("3");
    key("ArrowLeft"); // a complement row: to its partner
    expect((document.activeElement as HTMLElement).dataset.row).toBe("0");
    key("ArrowLeft"); // folds
    expect(shownRows(el)).toEqual([0, 2, 1]);
    key("ArrowLeft"); // to the group
    expect((document.activeElement as HTMLElement).dataset.group).toBe("0");
    key("ArrowLeft"); // folds the group
    expect(shownRows(el)).toEqual([2, 1]);
    expect((document.activeElement as HTMLElement).dataset.group).toBe("0");
    key("ArrowRight");
    key("End");
    expect((document.activeElement as HTMLElement).dataset.row).toBe("1");
    key("Enter");
    expect(el.querySelector(".xai-detail-title")).not.toBeNull();
    key("Escape");
    expect(el.querySelector("tr.xai-selected")).toBeNull();
    expect(el.querySelector(".xai-detail-title")).toBeNull();
    // the sort buttons are one Tab stop; Enter sorts
    const buttons = [...el.querySelectorAll<HTMLButtonElement>("th button.xai-sort")];
    expect(buttons.filter((b) => b.tabIndex === 0)).toHaveLength(1);
    buttons[0].focus();
    key("ArrowRight");
    expect(document.activeElement).toBe(buttons[1]);
    key("Enter");
    expect(el.querySelector("th[data-key=left]")!.getAttribute("aria-sort")).toBe("ascending");
  });

  it("a filter that matches nothing clears the detail and says so", () => {
    const { el } = mount(new FakeModel(traits()));
    click(bodyRows(el)[0]);
    expect(el.querySelector(".xai-detail-title")).not.toBeNull();
    const text = el.querySelector<HTMLInputElement>("input.xai-text-filter")!;
    text.value = "no such rule";
    text.dispatchEvent(new Event("input"));
    expect(shownRows(el)).toEqual([]);
    expect(el.querySelector("tr.xai-empty")!.textContent).toBe("no rows match the filters");
    expect(el.querySelector(".xai-detail-title")).toBeNull();
    expect(el.querySelector(".xai-detail-empty")!.textContent).toBe("no rows match the filters");
    expect(el.querySelector(".xai-filter-note")!.textContent).toContain("no rows match · 0 of 4 shown");
    text.value = "";
    text.dispatchEvent(new Event("input"));
    expect(el.querySelector("tr.xai-selected")).toBeNull(); // the dropped selection stays dropped
 
    // nothing mined at all says so instead
    const empty = mount(new FakeModel(traits({ rows: {}, coverage: {} }))).el;
    expect(empty.querySelector("tr.xai-empty")!.textContent).toBe("no redescriptions passed the miner's filters");
    expect(empty.querySelector(".xai-detail-empty")!.textContent).toBe("no redescriptions passed the miner's filters");
  });

  it("a row click shows its support bars, columns and samples; missing ones are fetched", async () => {
    const model = new FakeModel(traits());
    const { el } = mount(model);
    click(bodyRows(el).find((tr) => tr.dataset.row === "1")!);
    expect(el.querySelector("tr.xai-selected")!.getAttribute("data-row")).toBe("1");
    const bars = [...el.querySelectorAll<HTMLElement>(".xai-part-bar")];
    expect(bars.map((b) => [b.dataset.part, b.textContent])).toEqual([["left", "2"], ["both", "4"], ["right", "2"]]);
    expect(el.querySelector(".xai-detail-right")!.textContent).toBe("<img src=x onerror=alert(1)>");
    expect([...el.querySelectorAll(".xai-chip")].map((c) => c.textContent)).toEqual(["net.n1"]);
    // both: 2..5, left only: 0, 1, right only: 6, 7; samples 0-2 are embedded
    const shown = () => [...el.querySelectorAll<HTMLCanvasElement>("canvas.xai-thumb")].map((c) => Number(c.dataset.index));
    expect(shown().sort()).toEqual([0, 1, 2]);
    expect(el.querySelectorAll(".xai-thumb-slot")).toHaveLength(5);
    expect(model.sent).toEqual([{ type: "xai-fetch", seq: 1, what: "samples", args: { indices: [3, 4, 5, 6, 7] } }]);
    model.reply(thumbBlock([3, 4, 5, 6, 7]));
    await flush();
    expect(shown().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(el.querySelectorAll(".xai-thumb-slot")).toHaveLength(0);
    expect(model.saved).toEqual([]);
  });

  it("table samples show the attributes the rule tests", () => {
    const cells = Array.from({ length: N }, (_, s) => [`${s}.5`, s % 2 ? "red" : "blue", `t${s}`]);
    const model = new FakeModel(traits({ sample_kind: "table", sample_columns: ATTRS, samples: { index: i32([N], [...Array(N).keys()]), cells } }));
    const { el } = mount(model);
    click(bodyRows(el).find((tr) => tr.dataset.row === "0")!);
    const table = el.querySelector("table.xai-sample-rows")!;
    expect([...table.querySelectorAll("th")].map((t) => t.textContent)).toEqual(["sample", "radius"]);
    expect(table.querySelectorAll("tr[data-index]")).toHaveLength(6);
    expect(model.sent).toEqual([]); // everything was embedded
  });

  it("the coverage heatmap filters the table and follows the selection", () => {
    const { el } = mount(new FakeModel(traits()));
    const cells = [...el.querySelectorAll<HTMLElement>("td.xai-cov-cell.xai-filled")];
    expect(cells.map((c) => [c.dataset.neuron, c.dataset.attr])).toEqual([["0", "0"], ["2", "1"]]);
    expect(el.querySelector(".xai-coverage-caption")!.textContent).toContain("1 neurons without any hidden");
    expect(cells[0].style.background).not.toBe("");
    click(cells[1]);
    expect(shownRows(el)).toEqual([2]);
    expect(el.querySelector(".xai-filter-note")!.textContent).toContain("<b>net.n2</b> × colour");
    click(el.querySelector("button.xai-clear")!);
    click(bodyRows(el).find((tr) => tr.dataset.row === "0")!);
    expect(el.querySelector<HTMLElement>("td.xai-cov-cell.xai-linked")!.dataset.neuron).toBe("0");
    expect(el.querySelector("th.xai-cov-attr.xai-linked")!.textContent).toBe("radius");
    cells[0].dispatchEvent(new MouseEvent("mousemove", { bubbles: true, clientX: 5, clientY: 5 }));
    const tip = el.querySelector<HTMLElement>(".xai-tooltip")!;
    expect(tip.hidden).toBe(false);
    expect(tip.textContent).toContain("best J 0.900");
    // by keyboard: the neurons and filled cells are one Tab stop; Enter filters, Escape clears
    expect(cells[0].getAttribute("aria-label")).toBe("net.n0 × radius: best J 0.900");
    const items = [...el.querySelectorAll<HTMLElement>("table.xai-coverage th.xai-cov-neuron, td.xai-filled")];
    expect(items.filter((c) => c.tabIndex === 0)).toHaveLength(1);
    items[0].focus();
    const key = (k: string) => document.activeElement!.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
    key("ArrowRight");
    expect(document.activeElement).toBe(cells[0]);
    key("Enter");
    expect(shownRows(el)).toEqual([0]);
    key("Escape");
    expect(shownRows(el)).toEqual([0, 3, 2, 1]);
  });

  it("Python moves the selection by setting `selected`", () => {
    const model = new FakeModel(traits());
    const { el } = mount(model);
    model.kernelSet("selected", 2);
    expect(el.querySelector("tr.xai-selected")!.getAttribute("data-row")).toBe("2");
    expect(el.querySelector(".xai-detail-left")!.textContent).toBe("net.n2 > 1 AND net.n0 <= 3");
  });

  it("standalone: only embedded samples, no requests, an offline note", () => {
    const model = createModel(traits() as Record<string, unknown>);
    const { el } = mount(model);
    click(bodyRows(el).find((tr) => tr.dataset.row === "1")!);
    expect(el.querySelectorAll("canvas.xai-thumb")).toHaveLength(3);
    expect(el.querySelectorAll(".xai-thumb-slot")).toHaveLength(0);
    expect(el.querySelector(".xai-offline-note")!.textContent).toContain("5 samples not embedded");
  });

  it("cleanup removes every listener", () => {
    const model = new FakeModel(traits());
    const { cleanup } = mount(model);
    expect(model.listenerCount()).toBeGreaterThan(0);
    cleanup();
    expect(model.listenerCount()).toBe(0);
  });
});
