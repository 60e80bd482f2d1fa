// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import widget, { samplesOf } from "../src/relevance";
import { decodeState } from "../src/lib/wire";
import { createModel } from "../src/standalone";
import { barChart, clipName, fmtSigned, rowOrder, signedColor } from "../src/views/relevance-bars";
import { addPrototypes, type Prototype } from "../src/views/relevance-prototypes";
import { stabilityOf, logRange, sampleValues, stabilityCaption } from "../src/views/relevance-stability";
import { f32, FakeModel, flush, i32, quantize, ramp } from "./fixtures";

const NAMES = ["age", "<b>priors</b>", "bias"];

function block(indices: number[], k = 3, image = false) {
  const K = indices.length;
  const b: Record<string, unknown> = {
    index: i32([K], indices),
    target: i32([K], indices.map((i) => i % 2)),
    pred: i32([K], indices.map(() => 1)),
    prob: f32([K], indices.map(() => 0.75)),
    concepts: f32([K, k], ramp(K * k, (i) => (i % k) - 1)),
    relevances: f32([K, k], ramp(K * k, (i) => (i % 2 ? -1 : 1) * ((i % k) + 1) / 10)),
  };
  b.inputs = image ? quantize([K, 4, 4, 1], ramp(K * 16, (i) => (i % 7) / 7), false) : f32([K, k - 1], ramp(K * (k - 1), (i) => i));
  return b;
}

function protoBlock(concepts: number[], m: number, image = true) {
  const r = concepts.length;
  const b: Record<string, unknown> = {
    concepts: i32([r], concepts), top_k: 4,
    indices: i32([r, m], ramp(r * m, (i) => 100 + i)),
    activations: f32([r, m], ramp(r * m, (i) => 5 - i / 10)),
  };
  if (image) b.images = quantize([r, m, 4, 4, 1], ramp(r * m * 16, (i) => (i % 5) / 5), false);
  return b;
}

function stabilityState() {
  return {
    methods: ["SENN", "Saliency", "<i>IG</i>"],
    mean: f32([3], [0.01, 0.3, 0.5]), std: f32([3], [0.001, 0.1, 0.2]),
    values: f32([3, 2], [0.01, 0.012, 0.3, 0.2, 0.5, 0.6]), indices: i32([2], [0, 1]),
    mode: "continuous", eps: 0.1, n_samples: 20, space: "inputs",
  };
}

function traits(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: "tabular", title: "<b>SENN</b>", class_names: ["no", "<i>yes</i>"], concept_names: NAMES,
    learned: false, n_samples: 5, sample: 0, data: block([0, 1, 2]), prototypes: {}, stability: {},
    sort: false, ...over,
  };
}

function mount(model: unknown) {
  const el = document.createElement("div");
  document.body.appendChild(el);
  const cleanup = widget.render({ model: model as never, el });
  return { el, cleanup };
}

const $$ = (el: Element, sel: string) => [...el.querySelectorAll(sel)] as HTMLElement[];
const rows = (el: Element, kind: string) => $$(el, `svg.xai-senn-${kind} g.xai-senn-row`);

afterEach(() => document.body.replaceChildren());

describe("pure helpers", () => {
  it("orders rows by |value| only when sorting, stably", () => {
    expect(rowOrder([0.1, -0.5, 0.5, 0], false)).toEqual([0, 1, 2, 3]);
    expect(rowOrder([0.1, -0.5, 0.5, 0], true)).toEqual([1, 2, 0, 3]);
  });

  it("colours negative bars blue and positive ones red, never the pale centre", () => {
    const neg = signedColor(-1, 1).match(/\d+/g)!.map(Number);
    const pos = signedColor(1, 1).match(/\d+/g)!.map(Number);
    const tiny = signedColor(1e-6, 1).match(/\d+/g)!.map(Number);
    expect(neg[2]).toBeGreaterThan(neg[0]);
    expect(pos[0]).toBeGreaterThan(pos[2]);
    expect(tiny[0]).toBeGreaterThan(tiny[2]); // still reads as positive
    expect(Math.min(...tiny.slice(0, 3))).toBeLessThan(230);
  });

  it("formats signs and clips long names", () => {
    expect(fmtSigned(0.25)).toBe("+0.25");
    expect(fmtSigned(-0.25)).toBe("-0.25");
    expect(fmtSigned(NaN)).toBe("n/a");
    expect(clipName("abcdefgh", 5)).toBe("abcd…");
  });

  it("draws one bar per row from the centre axis, names as text", () => {
    const svg = barChart({ title: "t", names: NAMES, values: [0.5, -1, 0], order: [1, 0, 2], kind: "relevance" });
    const g = [...svg.querySelectorAll("g.xai-senn-row")] as SVGGElement[];
    expect(g.map((x) => x.dataset.row)).toEqual(["1", "0", "2"]);
    expect(svg.querySelector("text.xai-senn-name")!.textContent).toBe("<b>priors</b>");
    expect(svg.querySelector("b")).toBeNull();
    const bars = [...svg.querySelectorAll("rect.xai-senn-bar")].map((r) => Number(r.getAttribute("width")));
    expect(bars[0]).toBeCloseTo(75); // |-1| spans half the axis
    expect(bars[1]).toBeCloseTo(37.5);
  });

  it("decodes samples, prototypes and stability", () => {
    const smp = samplesOf(decodeState(block([4, 7])));
    expect(smp.map((x) => x.index)).toEqual([4, 7]);
    expect(Array.from(smp[1].concepts)).toEqual([-1, 0, 1]);
    expect(smp[0].row).toHaveLength(2);
    const cache = new Map<number, Prototype[]>();
    expect(addPrototypes(cache, decodeState(protoBlock([0, 2], 3)))).toEqual([0, 2]);
    expect(cache.get(2)!.map((p) => p.index)).toEqual([103, 104, 105]);
    expect(cache.get(2)![1].offset).toBe(4 * 16);
    const st = stabilityOf(decodeState(stabilityState()));
    expect(sampleValues(st, 1).map((v) => Number(v.toFixed(3)))).toEqual([0.012, 0.2, 0.6]);
    expect(sampleValues(st, 3).every(Number.isNaN)).toBe(true);
    expect(logRange([0.01, 0.5])).toEqual([-3, 0]);
    expect(stabilityCaption(st)).toContain("lower is more stable");
  });
});

describe("SENNView", () => {
  it("renders relevance and activation bars for the sample and becomes ready", () => {
    const { el } = mount(new FakeModel(traits()));
    expect(el.dataset.xaiReady).toBe("1");
    expect(rows(el, "relevance")).toHaveLength(3);
    expect(rows(el, "activation")).toHaveLength(3);
    // text from data stays text
    expect(el.querySelector(".xai-title")!.textContent).toBe("<b>SENN</b>");
    expect(el.querySelector(".xai-info")!.textContent).toBe("explained: no · pred: <i>yes</i> (p=0.75)");
    expect(el.querySelector(".xai-root b, .xai-info i")).toBeNull();
  });

  it("sorts locally and shows a tooltip at the cursor with every value", () => {
    const { el } = mount(new FakeModel(traits()));
    const box = el.querySelector("input.xai-senn-sort") as HTMLInputElement;
    box.checked = true;
    box.dispatchEvent(new Event("change"));
    expect(rows(el, "relevance").map((g) => g.dataset.row)).toEqual(["2", "1", "0"]);
    rows(el, "relevance")[0].dispatchEvent(new MouseEvent("mousemove", { clientX: 30, clientY: 40, bubbles: true }));
    const tip = el.querySelector(".xai-tooltip") as HTMLElement;
    expect(tip.hidden).toBe(false);
    expect(tip.textContent).toContain("bias");
    expect(tip.textContent).toContain("relevance θ");
    expect(tip.firstElementChild!.textContent).toBe("bias");
    expect(tip.textContent).toContain("contribution θ·h");
    expect(rows(el, "activation").find((g) => g.dataset.row === "2")!.classList.contains("xai-hover")).toBe(true);
    rows(el, "relevance")[0].dispatchEvent(new MouseEvent("mouseleave"));
    expect(tip.hidden).toBe(true);
  });

  it("navigates samples and fetches one that was not embedded", async () => {
    const model = new FakeModel(traits());
    const { el } = mount(model);
    const next = el.querySelector(".xai-next") as HTMLButtonElement;
    next.click();
    next.click();
    expect((el.querySelector("input.xai-sample") as HTMLInputElement).value).toBe("2");
    next.click();
    expect(model.sent[model.sent.length - 1]).toMatchObject({ type: "xai-fetch", what: "sample", args: { index: 3 } });
    model.reply(block([3]));
    await flush();
    expect(el.querySelector(".xai-info")!.textContent).toContain("explained: <i>yes</i>");
  });

  it("shows prototypes of learned concepts, fetching rows that were not embedded", async () => {
    const model = new FakeModel(traits({
      kind: "image", learned: true, concept_names: ["c1", "c2", "c3"], data: block([0, 1], 3, true),
      prototypes: protoBlock([0, 1], 4), n_samples: 2,
    }));
    const { el } = mount(model);
    expect($$(el, "canvas.xai-senn-image")).toHaveLength(1);
    expect($$(el, ".xai-senn-proto-row")).toHaveLength(3);
    expect($$(el, "canvas.xai-senn-proto")).toHaveLength(8);
    expect(model.sent[model.sent.length - 1]).toMatchObject({ what: "prototypes", args: { concept: 2 } });
    model.reply(protoBlock([2], 4));
    await flush();
    expect($$(el, "canvas.xai-senn-proto")).toHaveLength(12);
    // hovering a prototype row highlights that concept's bars
    $$(el, ".xai-senn-proto-row")[1].dispatchEvent(new MouseEvent("mouseenter"));
    expect(rows(el, "relevance").find((g) => g.dataset.row === "1")!.classList.contains("xai-hover")).toBe(true);
  });

  it("keyboard and screen readers: bars and prototypes are one Tab stop each, Enter pins", () => {
    const model = new FakeModel(traits({
      kind: "image", learned: true, concept_names: ["c1", "c2", "c3"], data: block([0, 1], 3, true),
      prototypes: protoBlock([0, 1, 2], 4), n_samples: 2, stability: stabilityState(),
    }));
    const { el } = mount(model);
    const rel = el.querySelector("svg.xai-senn-relevance")!;
    expect(rel.getAttribute("role")).toBe("listbox");
    const bars = rows(el, "relevance");
    expect(bars.map((g) => g.getAttribute("role"))).toEqual(["option", "option", "option"]);
    // sample 0: relevances +0.1, -0.2, +0.3; activations -1, 0, 1
    expect(bars[0].getAttribute("aria-label")).toBe("c1 +0.1 relevance θ; activation h -1; contribution θ·h -0.1; 4 prototypes");
    const act = el.querySelector("svg.xai-senn-activation")!;
    expect(act.getAttribute("role")).toBe("img");
    expect(act.getAttribute("aria-label")).toBe("concept activation h(x) of sample 0: c1 -1, c2 0, c3 +1");
    expect(el.querySelector("canvas.xai-senn-image")!.getAttribute("aria-label")).toBe("input image of sample 0, explained class no");
    expect(el.querySelector("svg.xai-senn-stab")!.getAttribute("aria-label")).toContain("SENN mean 0.01, sample 0 0.01; Saliency mean 0.3");
    expect(bars.filter((g) => g.tabIndex === 0)).toHaveLength(1);
    const key = (k: string) => document.activeElement!.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
    bars[0].focus();
    const tip = el.querySelector(".xai-tooltip") as HTMLElement;
    expect(tip.hidden).toBe(false);
    expect(tip.firstElementChild!.textContent).toBe("c1");
    key("ArrowDown");
    expect(document.activeElement).toBe(bars[1]);
    expect(tip.firstElementChild!.textContent).toBe("c2");
    key("Enter"); // pins c2: in both charts and the prototypes
    expect(bars[1].getAttribute("aria-selected")).toBe("true");
    expect(rows(el, "activation")[1].classList.contains("xai-pinned")).toBe(true);
    const protoRows = $$(el, ".xai-senn-proto-row");
    expect(protoRows[1].classList.contains("xai-pinned")).toBe(true);
    expect(protoRows[1].getAttribute("aria-label")).toMatch(/^c2: sample \d+ h [-+\d.]+, /);
    // the pin survives a new sample
    (el.querySelector(".xai-next") as HTMLButtonElement).click();
    expect(rows(el, "relevance")[1].getAttribute("aria-selected")).toBe("true");
    rows(el, "relevance")[1].focus();
    key("Escape");
    expect(rows(el, "relevance").some((g) => g.getAttribute("aria-selected") === "true")).toBe(false);
    // prototype rows: one Tab stop, arrows move, Enter pins
    expect(protoRows.filter((r) => r.tabIndex === 0)).toHaveLength(1);
    const protos = $$(el, ".xai-senn-proto-row");
    protos[0].focus();
    key("End");
    expect(document.activeElement).toBe(protos[2]);
    key(" ");
    expect(rows(el, "relevance")[2].getAttribute("aria-selected")).toBe("true");
  });

  it("draws the stability panel with the shown sample's tick and ratios to SENN", () => {
    const { el } = mount(new FakeModel(traits({ stability: stabilityState() })));
    const bars = $$(el, "svg.xai-senn-stab g.xai-senn-stab-row");
    expect(bars.map((g) => g.dataset.method)).toEqual(["SENN", "Saliency", "<i>IG</i>"]);
    expect(el.querySelector("svg.xai-senn-stab i")).toBeNull();
    expect(bars[1].textContent).toContain("30× SENN");
    expect($$(el, "line.xai-senn-tickmark")).toHaveLength(3);
    (el.querySelector(".xai-next") as HTMLButtonElement).click();
    (el.querySelector(".xai-next") as HTMLButtonElement).click();
    expect($$(el, "line.xai-senn-tickmark")).toHaveLength(0); // sample 2 was not estimated
  });

  it("runs offline from a standalone state, showing only embedded samples", () => {
    const model = createModel(traits({ n_samples: 10 }));
    const { el } = mount(model);
    expect(el.querySelector(".xai-nav")!.textContent).toContain("offline: 3 embedded");
    const num = el.querySelector("input.xai-sample") as HTMLInputElement;
    num.value = "7";
    num.dispatchEvent(new Event("change"));
    expect(el.querySelector(".xai-status")!.textContent).toContain("not in this offline page");
  });

  it("cleans up its listeners", () => {
    const model = new FakeModel(traits());
    const { cleanup } = mount(model);
    cleanup();
    expect([...model.listeners.values()].every((s) => s.size === 0)).toBe(true);
  });
});
