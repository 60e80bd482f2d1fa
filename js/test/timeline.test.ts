// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from "vitest";
import { CONCEPT_PALETTE, deltaE, PALETTE } from "../src/lib/colormap";
import { codeRuns, columnAny, columnEdges, columnMeans, columnMinMax, columnMode, rowsOn, stepAt, stepTicks, timeTicks } from "../src/lib/timeline_lod";
import widget, { decodeSequence } from "../src/timeline";
import { f32, FakeModel, flush, i32, quantize, wire } from "./fixtures";

describe("concept colours", () => {
  it("are far from every class colour and from each other", () => {
    for (const c of CONCEPT_PALETTE) for (const k of [...PALETTE, "#8c8c8c"]) expect(deltaE(c, k)).toBeGreaterThanOrEqual(20);
    CONCEPT_PALETTE.forEach((a, i) => CONCEPT_PALETTE.slice(i + 1).forEach((b) => expect(deltaE(a, b)).toBeGreaterThanOrEqual(19.9)));
  });
});

describe("time axis", () => {
  it("marks nice step numbers that follow the zoom", () => {
    expect(stepTicks(0, 509, 8)).toEqual([0, 100, 200, 300, 400, 500]);
    expect(stepTicks(120, 180, 8)).toEqual([120, 130, 140, 150, 160, 170]);
    expect(stepTicks(3, 7, 10)).toEqual([3, 4, 5, 6]); // never a fraction of a step
    expect(stepTicks(0, 100_000, 5)).toEqual([0, 20_000, 40_000, 60_000, 80_000]);
  });

  it("reads in the recording's unit, converted when the range is long", () => {
    // 509 steps of 16 min: 5.7 days
    const day = timeTicks(0, 509, 16, "min", 8);
    expect(day.unit).toBe("d");
    expect(day.labels).toEqual(["0", "1", "2", "3", "4", "5"]);
    expect(day.at[1]).toBeCloseTo(1440 / 16); // one day is step 90
    // zoomed to 12 steps (3.2 h): hours; an unknown unit stays as it is
    expect(timeTicks(100, 112, 16, "min", 8).unit).toBe("h");
    expect(timeTicks(0, 10, 2, "beats", 5)).toEqual({ unit: "beats", at: [0, 2.5, 5, 7.5], labels: ["0", "5", "10", "15"] });
  });

  it("finds the concept runs it describes", () => {
    expect(codeRuns([0, 0, 1, 1, 1, 0], 0, 6)).toEqual([[0, 2, 0], [2, 5, 1], [5, 6, 0]]);
    expect(codeRuns([0, 0, 1, 1, 1, 0], 3, 5)).toEqual([[3, 5, 1]]);
    expect(codeRuns([], 0, 0)).toEqual([]);
  });
});

describe("level of detail", () => {
  it("splits a range into pixel columns that cover every step once", () => {
    const e = columnEdges(10, 110, 7);
    expect(e[0]).toBe(10);
    expect(e[7]).toBe(110);
    for (let c = 0; c < 7; c++) expect(e[c + 1]).toBeGreaterThan(e[c]);
    // more columns than steps: one step per column, the rest empty at the end
    expect(Array.from(columnEdges(0, 3, 3))).toEqual([0, 1, 2, 3]);
  });

  it("summarises columns: min/max, majority, any, means, units on", () => {
    const v = Float32Array.from([1, 5, -2, 3, 0, 4]);
    const e = columnEdges(0, 6, 2);
    const { lo, hi } = columnMinMax(v, e);
    expect(Array.from(lo)).toEqual([-2, 0]);
    expect(Array.from(hi)).toEqual([5, 4]);
    // strided: the second feature of (3, 2) rows
    expect(Array.from(columnMinMax(v, columnEdges(0, 3, 1), 2, 1).hi)).toEqual([5]);
    expect(Array.from(columnMode(Int32Array.from([0, 1, 1, 2, 2, 2]), e, 3))).toEqual([1, 2]);
    expect(Array.from(columnAny(e, (t) => t === 4))).toEqual([0, 1]);
    const q = Uint8Array.from([0, 10, 20, 30, 200, 210, 220, 230]); // 2 rows x 4 steps
    expect(Array.from(columnMeans(q, 2, 4, columnEdges(0, 4, 2)))).toEqual([5, 25, 205, 225]);
    expect(rowsOn(q, 2, 4, 1, 3, 100)).toEqual([1]);
    expect(rowsOn(q, 2, 4, 0, 4, 0)).toEqual([1]); // row 0 has a 0 at step 0
    expect(stepAt(0, 100, 0, 1000)).toBe(0);
    expect(stepAt(99.99, 100, 0, 1000)).toBe(999);
    expect(stepAt(50, 100, 200, 400)).toBe(300);
  });

  it("draws 100,000 steps as 800 columns in one pass, each column its most frequent code", () => {
    // one pass: the columns tile the steps (no step read twice); speed is not asserted here
    // (a wall-clock limit would make CI's verdict depend on the machine's load)
    const n = 100_000;
    const codes = Int32Array.from({ length: n }, (_, i) => (i >> 6) % 3);
    const edges = columnEdges(0, n, 800);
    expect(edges[0]).toBe(0);
    expect(edges[800]).toBe(n);
    for (let c = 0; c < 800; c++) expect(edges[c + 1]).toBeGreaterThan(edges[c]);
    const mode = columnMode(codes, edges, 3);
    expect(mode.length).toBe(800);
    for (let c = 0; c < 800; c++) {
      const count = [0, 0, 0];
      for (let t = edges[c]; t < edges[c + 1]; t++) count[codes[t]]++;
      expect(mode[c]).toBe(count.indexOf(Math.max(...count)));
    }
  });
});

const L = 6;
function block(index: number, length = L) {
  const H = 3;
  return {
    index, length,
    x: f32([length, 2], Array.from({ length: 2 * length }, (_, i) => (i % 2 ? i : -i) / 3)),
    concept: wire("int8", [length], Int8Array.from({ length }, (_, t) => (t < 3 ? 0 : 1))),
    output: wire("int8", [length], Int8Array.from({ length }, (_, t) => (t < 3 ? 0 : 1))),
    rnn: wire("int8", [length], Int8Array.from({ length }, (_, t) => (t < 4 ? 0 : 1))),
    score: f32([length], Array.from({ length }, (_, t) => t / length)),
    leaf: wire("int16", [length], Int16Array.from({ length }, (_, t) => (t === 3 ? 2 : 1))),
    states: quantize([1, H, length], Array.from({ length: H * length }, (_, i) => Math.sin(i)), true),
    units: i32([H], [2, 0, 1]),
  };
}

function traits(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: "<i>toy</i>",
    feature_names: ["<b>a</b>", "b"],
    class_names: ["low", "high"],
    concepts: {
      names: ["low", "<img src=x onerror=alert(1)>"], colors: ["#4e79a7", "#f28e2b"],
      majority: i32([2], [0, 1]), size: i32([2], [30, 20]), share: f32([2], [0.6, 0.4]),
      purity: f32([2], [0.9, 0.95]), matrix: f32([2, 2], [0.8, 0.2, 0.1, 0.9]),
    },
    trees: [
      { source: 0, yes: [1, -1, -1], no: [2, -1, -1], test: ["a@t <= 0.5", "", ""], value: [0, 0, 1], n_train: [10, 6, 4], merged: [[], [], []], rules: ["", "a@t <= 0.5", "a@t > 0.5"] },
      { source: 1, yes: [-1], no: [-1], test: [""], value: [1], n_train: [5], merged: [[]], rules: [""] },
      { source: -1, yes: [-1], no: [-1], test: [""], value: [0], n_train: [4], merged: [[]], rules: [""] },
    ],
    summary: { n: 3, steps: 18, window: 1, n_concepts: 2, per_step: true, step_fidelity: 0.8, final_fidelity: 1, start: "rnn" },
    lengths: { lengths: i32([3], [L, L, L]) },
    sequences: { blocks: [block(0)] },
    index: 0,
    threshold: 0.3,
    ...over,
  };
}

function mount(model: unknown) {
  const el = document.createElement("div");
  document.body.appendChild(el);
  const cleanup = widget.render({ model: model as never, el });
  return { el, cleanup };
}

const click = (e: Element) => e.dispatchEvent(new MouseEvent("click", { bubbles: true }));

afterEach(() => document.body.replaceChildren());

describe("TimelineView view", () => {
  it("decodes a sequence block", () => {
    const d = decodeSequence(block(4));
    expect(d.index).toBe(4);
    expect(d.nFeatures).toBe(2);
    expect(Array.from(d.concept)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(d.states.shape).toEqual([1, 3, L]);
  });

  it("renders as text, with the graph and legend, and becomes ready", () => {
    const { el, cleanup } = mount(new FakeModel(traits()));
    expect(el.dataset.xaiReady).toBe("1");
    expect(Number(el.dataset.xaiPaintMs)).toBeGreaterThanOrEqual(0);
    expect(el.querySelector(".xai-title")!.textContent).toBe("<i>toy</i>");
    expect(el.querySelector("i, img, b.x")).toBeNull();
    expect(el.querySelectorAll("svg.xai-tl-graph circle.xai-tl-node").length).toBe(2);
    const legend = [...el.querySelectorAll(".xai-tl-concept")].map((n) => n.textContent);
    expect(legend).toEqual(["low", "<img src=x onerror=alert(1)>"]);
    // two transitions above 0.5 % besides the self-loops: 4 edges in all
    expect(el.querySelectorAll("svg.xai-tl-graph path.xai-tl-edge").length).toBe(4);
    expect(el.querySelector(".xai-seq-info")!.textContent).toContain("6 steps");
    cleanup();
  });

  it("clicking a concept shows its tree and highlights it", () => {
    const { el } = mount(new FakeModel(traits()));
    click(el.querySelectorAll("svg.xai-tl-graph circle.xai-tl-node")[0]);
    expect(el.querySelector(".xai-tl-tree-title")!.textContent).toBe("next concept from low");
    expect(el.querySelectorAll(".xai-tl-tree g.xai-node").length).toBe(3);
    expect(el.querySelector(".xai-tl-node-g.xai-on")).not.toBeNull();
    expect(el.querySelector(".xai-tl-concept.xai-on")!.textContent).toBe("low");
  });

  it("fetches a sequence that is not embedded, and only from a kernel", async () => {
    const model = new FakeModel(traits());
    const { el } = mount(model);
    click(el.querySelector(".xai-next")!);
    expect(model.sent[model.sent.length - 1]).toMatchObject({ type: "xai-fetch", what: "sequence", args: { index: 1 } });
    // writing `index` back echoes a change event: it must not ask for the sequence a second time
    expect(model.sent.filter((m) => m.what === "sequence")).toHaveLength(1);
    expect(el.querySelector(".xai-status")!.textContent).toContain("loading sequence 1");
    model.reply(block(1, 4));
    await flush();
    expect(el.querySelector(".xai-seq-info")!.textContent).toContain("4 steps");
    expect(model.saved[model.saved.length - 1]).toEqual({ index: 1 });

    const offline = new FakeModel(traits());
    (offline as unknown as { standalone: boolean }).standalone = true;
    const { el: el2 } = mount(offline);
    click(el2.querySelector(".xai-next")!);
    expect(offline.sent.length).toBe(0);
    expect(el2.querySelector(".xai-status")!.textContent).toContain("not embedded");
  });

  it("asks the kernel for matches of a brushed range and opens one", async () => {
    const model = new FakeModel(traits());
    const { el } = mount(model);
    const heat = el.querySelector<HTMLCanvasElement>("canvas.xai-tl-states")!;
    heat.dispatchEvent(new MouseEvent("pointerdown", { bubbles: true, clientX: 100 }));
    heat.dispatchEvent(new MouseEvent("pointerup", { bubbles: true, clientX: 700 }));
    expect(el.querySelector(".xai-units-on")!.textContent).toMatch(/unit/);
    click(el.querySelector(".xai-find-concepts")!);
    expect(model.sent[model.sent.length - 1]).toMatchObject({ what: "match", args: { index: 0, by: "concepts" } });
    model.reply({ matches: [{ sequence: 2, start: 1, stop: 3, score: 1 }] });
    await flush();
    const hit = el.querySelector<HTMLButtonElement>("button.xai-match")!;
    expect(hit.textContent).toBe("sequence 2 · steps 1–2 · 1");
    click(hit);
    expect(model.sent[model.sent.length - 1]).toMatchObject({ what: "sequence", args: { index: 2 } });
  });

  it("search results are one Tab stop that arrows move through; a stretch seen in other windows says so", async () => {
    const model = new FakeModel(traits());
    const { el } = mount(model);
    const heat = el.querySelector<HTMLCanvasElement>("canvas.xai-tl-states")!;
    heat.dispatchEvent(new MouseEvent("pointerdown", { bubbles: true, clientX: 100 }));
    heat.dispatchEvent(new MouseEvent("pointerup", { bubbles: true, clientX: 700 }));
    click(el.querySelector(".xai-find-concepts")!);
    model.reply({ matches: [{ sequence: 2, start: 1, stop: 3, score: 1, also: [1, 0] }, { sequence: 1, start: 0, stop: 2, score: 0.5, also: [] }] });
    await flush();
    const hits = [...el.querySelectorAll<HTMLButtonElement>("button.xai-match")];
    expect(hits.map((b) => b.tabIndex)).toEqual([0, -1]);
    expect(hits[0].textContent).toBe("sequence 2 · steps 1–2 · 1 · also in 2 overlapping windows");
    hits[0].focus();
    hits[0].dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    expect(document.activeElement).toBe(hits[1]);
    expect(hits.map((b) => b.tabIndex)).toEqual([-1, 0]);
  });

  it("the keyboard walks the steps, selects one, and names what it shows", () => {
    const { el } = mount(new FakeModel(traits()));
    const k = el.querySelector<HTMLElement>(".xai-tl-stepper")!;
    const key = (target: Element, name: string) => target.dispatchEvent(new KeyboardEvent("keydown", { key: name, bubbles: true }));
    expect(k.getAttribute("role")).toBe("slider");
    expect(k.getAttribute("aria-valuemax")).toBe("5");
    key(k, "ArrowRight");
    key(k, "ArrowRight");
    expect(k.getAttribute("aria-valuenow")).toBe("2");
    expect(k.getAttribute("aria-valuetext")).toMatch(/^step 2 of 6; <b>a<\/b> -1\.33.*concept low/);
    key(k, "End");
    expect(k.getAttribute("aria-valuenow")).toBe("5");
    key(k, "Enter");
    expect(el.querySelector(".xai-tl-detail b")!.textContent).toMatch(/^step 5: /);
    key(k, "Escape");
    expect(el.querySelector(".xai-tl-detail b")).toBeNull();
    // the pictures say what they show
    const main = el.querySelector("canvas.xai-tl-timeline")!;
    expect(main.getAttribute("role")).toBe("img");
    expect(main.getAttribute("aria-label")).toMatch(/6 steps.*2 concept runs: low steps 0–2, .* steps 3–5.*disagree at 1 of 6 steps/);
    expect(el.querySelector("canvas.xai-tl-states")!.getAttribute("aria-label")).toMatch(/3 units/);
    expect(el.querySelector(".xai-tl-range")!.textContent).toBe("steps 0–5 of 6 shown");
    // legend: one Tab stop, arrows move, Enter toggles the highlight, Escape clears it
    const items = () => [...el.querySelectorAll<HTMLElement>(".xai-tl-concept")];
    expect(items().map((i) => i.tabIndex)).toEqual([0, -1]);
    items()[0].focus();
    key(items()[0], "ArrowRight");
    key(document.activeElement!, "Enter");
    expect(items()[1].getAttribute("aria-pressed")).toBe("true");
    expect(document.activeElement).toBe(items()[1]); // kept across the redraw
    expect(el.querySelector(".xai-tl-node-g.xai-on")!.getAttribute("data-concept")).toBe("1");
    key(document.activeElement!, "Escape");
    expect(el.querySelectorAll("[aria-pressed=true]").length).toBe(0);
    // graph: concepts and arrows in one group; Enter on an arrow shows the source's tree
    const g = el.querySelector<SVGElement>("svg.xai-tl-graph [data-order='0']")!;
    expect(g.getAttribute("aria-label")).toMatch(/^concept low: class low, purity 90\.0%/);
    g.focus();
    key(g, "ArrowRight");
    key(document.activeElement!, "ArrowRight");
    const edge = document.activeElement!;
    expect(edge.getAttribute("aria-label")).toMatch(/^transition low to .*: probability 20\.0%/);
    key(edge, "Enter");
    expect(el.querySelector(".xai-tl-tree-title")!.textContent).toBe("next concept from low");
  });
  it("a malformed block reports on the status line instead of throwing; cleanup removes listeners", () => {
    const bad = traits({ concepts: { names: ["a"], colors: ["#000"], majority: { dtype: "int32", shape: [9], data: new Uint8Array(4) } } });
    const model = new FakeModel(bad);
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const { el, cleanup } = mount(model);
    expect(logged).toHaveBeenCalledTimes(1);
    expect(String(logged.mock.calls[0][1])).toContain("int32[9] needs 36 bytes, got 4");
    logged.mockRestore();
    expect(el.dataset.xaiReady).toBe("1");
    expect(el.querySelectorAll(".xai-status")).toHaveLength(1);
    expect(el.querySelector(".xai-status")!.textContent).toBe("could not read the timeline: xaiwidgets: int32[9] needs 36 bytes, got 4");
    expect(el.querySelectorAll("svg.xai-tl-graph circle.xai-tl-node")).toHaveLength(0);
    // a missing field is named, not a TypeError
    const model2 = new FakeModel(traits({ lengths: {} }));
    const logged2 = vi.spyOn(console, "error").mockImplementation(() => {});
    const { el: el2 } = mount(model2);
    logged2.mockRestore();
    expect(el2.querySelector(".xai-status")!.textContent).toBe("could not read the timeline: lengths is missing");
    cleanup();
    expect(model.listenerCount()).toBe(0);
  });

  it("the threshold and the sequence index are written back; the kernel moves the view", () => {
    const model = new FakeModel(traits({ sequences: { blocks: [block(0), block(2, 5)] } }));
    const { el } = mount(model);
    const thr = el.querySelector<HTMLInputElement>("input.xai-threshold")!;
    expect(thr.value).toBe("0.3");
    thr.value = "0.5";
    thr.dispatchEvent(new Event("change"));
    expect(model.saved[model.saved.length - 1]).toEqual({ threshold: 0.5 });
    model.kernelSet("index", 2);
    expect(el.querySelector(".xai-seq-info")!.textContent).toContain("5 steps");
    expect(el.querySelector<HTMLInputElement>(".xai-seq-index")!.value).toBe("2");
  });
});
