// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from "vitest";
import widget, { isStandalone } from "../src/comparison";
import { createModel } from "../src/standalone";
import { f32, FakeModel, flush, i32, imageBlock, metricsFor, sequenceBlock, tabularBlock, validMask } from "./fixtures";

const METHODS = ["Saliency", "Integrated Gradients", "<b>x</b>"];

function traits(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: "image", title: "Comparison", methods: METHODS, class_names: ["cat", "<b>x</b>", "dog"],
    feature_names: [], n_samples: 10, data: imageBlock([0, 1, 2], METHODS), sample: 0,
    metrics: {}, colormap: "RdBu", opacity: 0.6, threshold: 0, overlay: true, ...over,
  };
}

function mountWith(model: unknown) {
  const el = document.createElement("div");
  document.body.appendChild(el);
  const cleanup = widget.render({ model: model as never, el });
  return { el, cleanup };
}

const $$ = (el: Element, sel: string) => [...el.querySelectorAll(sel)] as HTMLElement[];
const nav = (el: Element) => ({
  next: el.querySelector(".xai-next") as HTMLButtonElement,
  prev: el.querySelector(".xai-prev") as HTMLButtonElement,
  num: el.querySelector(".xai-sample") as HTMLInputElement,
});

afterEach(() => {
  document.body.replaceChildren();
  vi.useRealTimers();
});

describe("ComparisonView, image", () => {
  it("renders one .xai-heatmap canvas per method, an input panel, and becomes ready", () => {
    const { el } = mountWith(new FakeModel(traits()));
    const heat = $$(el, "canvas.xai-heatmap") as HTMLCanvasElement[];
    expect(heat.map((c) => c.dataset.method)).toEqual(METHODS);
    expect($$(el, "canvas.xai-input")).toHaveLength(1);
    expect(el.dataset.xaiReady).toBe("1");
    expect(el.classList.contains("xai-root")).toBe(true);
    expect($$(el, "style[data-xai-theme]")).toHaveLength(1);
    // Data resolution, scaled by CSS.
    expect(heat[0].width).toBe(5);
    expect(heat[0].height).toBe(4);
    expect(heat[0].style.width).toBe("180px");
  });

  it("shows names from the data as literal text, never as HTML", () => {
    const { el } = mountWith(new FakeModel(traits({ sample: 1 })));
    const info = el.querySelector(".xai-info")!;
    expect(info.textContent).toBe("explained: <b>x</b> · pred: dog (p=0.93)");
    expect(el.querySelector(".xai-info b, .xai-panels b, .xai-caption b")).toBeNull();
    expect($$(el, ".xai-caption").map((c) => c.textContent)).toContain("<b>x</b>");
  });

  it("falls back to class indices without class_names", () => {
    const { el } = mountWith(new FakeModel(traits({ class_names: [] })));
    expect(el.querySelector(".xai-info")!.textContent).toBe("explained: 0 · pred: 1 (p=0.93)");
  });

  it("shows the raw output, not a probability, for one-output models", () => {
    const { el } = mountWith(new FakeModel(traits({ class_names: [], n_outputs: 1, task: "regression" })));
    expect(el.querySelector(".xai-info")!.textContent).toBe("output: 0.93");
  });

  it("view controls stay local: no save_changes", () => {
    const model = new FakeModel(traits());
    const { el } = mountWith(model);
    const sel = el.querySelector(".xai-colormap") as HTMLSelectElement;
    expect(sel.value).toBe("RdBu");
    sel.value = "viridis";
    sel.dispatchEvent(new Event("change"));
    const th = el.querySelector(".xai-threshold") as HTMLInputElement;
    th.value = "0.5";
    th.dispatchEvent(new Event("input"));
    const ov = el.querySelector(".xai-overlay") as HTMLInputElement;
    ov.checked = false;
    ov.dispatchEvent(new Event("change"));
    expect(model.saved).toEqual([]);
    expect(model.get("colormap")).toBe("RdBu");
  });

  it("navigates embedded samples at once and fetches the others through the fetch channel", async () => {
    const model = new FakeModel(traits());
    const { el } = mountWith(model);
    const { next, num, prev } = nav(el);
    expect(prev.disabled).toBe(true);
    next.click();
    expect(num.value).toBe("1");
    expect(model.saved).toEqual([]);

    num.value = "7";
    num.dispatchEvent(new Event("change"));
    expect(model.saved).toEqual([]); // view-only: the fetch is a message, not a state change
    expect(model.sent).toEqual([{ type: "xai-fetch", seq: 1, what: "sample", args: { index: 7 } }]);
    expect(el.classList.contains("xai-loading")).toBe(true);
    expect(el.querySelector(".xai-status")!.textContent).toMatch(/loading/);

    model.reply(imageBlock([7], METHODS));
    await flush();
    expect(el.classList.contains("xai-loading")).toBe(false);
    expect(el.querySelector(".xai-info")!.textContent).toContain("explained: <b>x</b>");

    // Cached now: going back and forth asks nothing more.
    num.value = "0";
    num.dispatchEvent(new Event("change"));
    num.value = "7";
    num.dispatchEvent(new Event("change"));
    expect(model.sent).toHaveLength(1);
  });

  it("shows only the sample last asked for and refuses what is out of range", async () => {
    const model = new FakeModel(traits());
    const { el } = mountWith(model);
    const { num } = nav(el);
    num.value = "4";
    num.dispatchEvent(new Event("change"));
    num.value = "99";
    num.dispatchEvent(new Event("change"));
    expect(num.value).toBe("4"); // refused: the box shows the sample asked for, never "99"
    expect(el.querySelector(".xai-status")!.textContent).toContain("sample 99 refused");
    num.value = "9";
    num.dispatchEvent(new Event("change"));
    expect(num.value).toBe("9");
    model.reply(imageBlock([4], METHODS), 0); // a late answer to the first request
    await flush();
    expect(el.classList.contains("xai-loading")).toBe(true);
    expect(num.value).toBe("9");
    model.reply(imageBlock([9], METHODS), 1);
    await flush();
    expect(el.classList.contains("xai-loading")).toBe(false);
  });

  it("flags a misclassified sample when true labels are given", () => {
    const data = imageBlock([0, 1, 2], METHODS) as unknown as Record<string, unknown>;
    data.truth = f32([3], [2, 2, 0]); // the fixture predicts 1, 2, 0
    const { el } = mountWith(new FakeModel(traits({ data })));
    const info = el.querySelector(".xai-info")!;
    expect(info.textContent).toContain("true: dog ✗ misclassified");
    expect(info.classList.contains("xai-wrong")).toBe(true);
    (el.querySelector(".xai-next") as HTMLButtonElement).click();
    expect(info.textContent).toContain("true: dog");
    expect(info.classList.contains("xai-wrong")).toBe(false);
  });

  it("explains another class on demand through the kernel, and back", async () => {
    const model = new FakeModel(traits({ n_classes: 3, explainable: true }));
    const { el } = mountWith(model);
    const pick = el.querySelector("select.xai-explain") as HTMLSelectElement;
    expect([...pick.options].map((o) => o.textContent)).toEqual(["as computed", "cat", "<b>x</b>", "dog"]);
    pick.value = "2";
    pick.dispatchEvent(new Event("change"));
    expect(model.sent[model.sent.length - 1]).toEqual({ type: "xai-fetch", seq: 1, what: "explain", args: { index: 0, target: 2 } });
    const block = imageBlock([0], METHODS) as unknown as Record<string, unknown>;
    block.target = i32([1], [2]);
    model.reply(block);
    await flush();
    expect(el.querySelector(".xai-info")!.textContent).toContain("explained: dog");
    pick.value = "-1";
    pick.dispatchEvent(new Event("change"));
    expect(el.querySelector(".xai-info")!.textContent).toContain("explained: cat");
    expect(model.sent).toHaveLength(1); // the computed explanation was embedded
  });

  it("has no explain picker, download button or kernel calls in an offline page", () => {
    const { el } = mountWith(createModel(traits({ n_classes: 3, explainable: true })));
    expect(el.querySelector("select.xai-explain")).toBeNull();
    expect(el.querySelector(".xai-download")).toBeNull();
    const help = el.querySelector(".xai-help-toggle") as HTMLButtonElement;
    help.click();
    expect((el.querySelector(".xai-help") as HTMLElement).hidden).toBe(false);
  });

  it("shows the kernel's error for a sample it cannot send", async () => {
    const model = new FakeModel(traits());
    const { el } = mountWith(model);
    const { num } = nav(el);
    num.value = "5";
    num.dispatchEvent(new Event("change"));
    const req = model.sent[0];
    model.listeners.get("msg:custom")!.forEach((cb) => cb({ type: "xai-fetched", seq: req.seq, what: "sample", error: "ValueError: no such sample" }, []));
    await flush();
    expect(el.querySelector(".xai-status")!.textContent).toBe("sample 5: ValueError: no such sample");
    expect(el.classList.contains("xai-loading")).toBe(true);
  });

  it("warns when the kernel does not answer", async () => {
    vi.useFakeTimers();
    const model = new FakeModel(traits());
    const { el } = mountWith(model);
    const { num } = nav(el);
    num.value = "5";
    num.dispatchEvent(new Event("change"));
    await vi.advanceTimersByTimeAsync(20000);
    expect(el.querySelector(".xai-status")!.textContent).toMatch(/no answer/);
  });

  it("reads values under the pointer for every method without a round-trip", () => {
    const model = new FakeModel(traits());
    const { el } = mountWith(model);
    const wrap = el.querySelector("canvas.xai-heatmap")!.parentElement!;
    wrap.dispatchEvent(new MouseEvent("mousemove", { clientX: 0, clientY: 0, bubbles: true }));
    const tip = el.querySelector<HTMLElement>(".xai-tooltip")!;
    expect(tip.hidden).toBe(false);
    const text = tip.textContent!;
    expect(text).toMatch(/row 0, col 0/);
    expect(text).toMatch(/input \(/);
    for (const m of METHODS) expect(text).toContain(m);
    // the tooltip follows the sample shown: the next sample's values replace the old ones
    const before = text;
    (el.querySelector(".xai-next") as HTMLButtonElement).click();
    expect(tip.hidden).toBe(false);
    expect(tip.textContent).not.toBe(before);
    wrap.dispatchEvent(new MouseEvent("mouseleave"));
    expect(tip.hidden).toBe(true);
    expect(model.saved).toEqual([]);
  });

  it("disables opacity while the overlay is off (an opaque heatmap ignores it)", () => {
    const { el } = mountWith(new FakeModel(traits({ overlay: false })));
    const op = el.querySelector(".xai-opacity") as HTMLInputElement;
    const ov = el.querySelector(".xai-overlay") as HTMLInputElement;
    expect(ov.checked).toBe(false);
    expect(op.disabled).toBe(true);
    ov.checked = true;
    ov.dispatchEvent(new Event("change"));
    expect(op.disabled).toBe(false);
  });

  it("follows a sample chosen by Python without echoing it back", async () => {
    const model = new FakeModel(traits());
    const { el } = mountWith(model);
    model.kernelSet("sample", 2);
    expect(nav(el).num.value).toBe("2");
    model.kernelSet("sample", 8);
    expect(el.classList.contains("xai-loading")).toBe(true);
    model.reply(imageBlock([8], METHODS));
    await flush();
    expect(el.classList.contains("xai-loading")).toBe(false);
    expect(model.saved).toEqual([]);
  });

  it("rebuilds on structural changes and keeps the local settings", () => {
    const model = new FakeModel(traits());
    const { el } = mountWith(model);
    const sel = el.querySelector(".xai-colormap") as HTMLSelectElement;
    sel.value = "magma";
    sel.dispatchEvent(new Event("change"));
    model.kernelSet("methods", METHODS.slice(0, 2));
    expect($$(el, "canvas.xai-heatmap")).toHaveLength(2);
    expect((el.querySelector(".xai-colormap") as HTMLSelectElement).value).toBe("magma");
  });

  it("drops cached samples when Python replaces `data`", () => {
    const model = new FakeModel(traits());
    const { el } = mountWith(model);
    nav(el).next.click();
    model.kernelSet("data", imageBlock([4, 5], METHODS));
    expect(nav(el).num.value).toBe("4");
    expect(el.classList.contains("xai-loading")).toBe(false);
  });

  it("cleanup removes every model listener", () => {
    const model = new FakeModel(traits());
    const { cleanup } = mountWith(model);
    expect(model.listenerCount()).toBeGreaterThan(0);
    cleanup();
    expect(model.listenerCount()).toBe(0);
  });
});

describe("metrics", () => {
  const metrics = metricsFor(METHODS, [[0.2, 0.9], [0.1, 0.5], [0.3, 0.95]], [false, true]);

  it("renders means with intervals and ranks, and marks best only where Python's paired test did", () => {
    // column 0: row 1 has the lowest mean but Python's test did not support it: no best
    const mx = metricsFor(METHODS, [[0.2, 0.9], [0.1, 0.5], [0.3, 0.95]], [false, true], [[0, 0], [0, 0], [0, 1]]);
    const { el } = mountWith(new FakeModel(traits({ metrics: mx, method_colors: ["#111111", "#222222", "#333333"] })));
    const table = el.querySelector("table.xai-metrics")!;
    const rows = $$(table, "tbody tr");
    expect(rows.map((r) => r.querySelector("th")!.textContent)).toEqual(METHODS);
    const cell = rows[0].querySelectorAll("td")[0];
    expect(cell.querySelector(".xai-mean")!.textContent).toBe("0.2");
    expect(cell.querySelector(".xai-ci")!.textContent).toBe("[0.15, 0.25]");
    const best = $$(table, "td.best");
    expect(best).toHaveLength(1);
    expect(best[0].parentElement).toBe(rows[2]);
    expect(best[0].title).toMatch(/paired Wilcoxon/);
    expect((rows[1].querySelector(".xai-swatch") as HTMLElement).style.background).toMatch(/#222222|rgb\(34, 34, 34\)/);
    expect(table.querySelector("thead")!.textContent).toContain("Metric <i>0</i>");
    expect(table.querySelector("caption")!.textContent).toMatch(/Means over 16 samples\. Baseline: zeros\./);
    const charts = $$(el, "svg.xai-curves");
    expect(charts).toHaveLength(2);
    expect(charts[0].querySelectorAll("polyline")).toHaveLength(3);
    expect(charts[0].querySelector("polyline")!.getAttribute("stroke")).toBe("#111111");
    expect(el.querySelector(".xai-curve-legend")!.textContent).toContain("<b>x</b>");
  });

  it("shows the selected sample's own values beside the means and follows the sample", () => {
    const { el } = mountWith(new FakeModel(traits({ metrics })));
    const sampleValues = () => $$(el, "table.xai-metrics .xai-sample-value").map((c) => c.textContent);
    expect(sampleValues()[0]).toBe("sample: 0"); // method 0, metric 0, sample 0
    (el.querySelector(".xai-next") as HTMLButtonElement).click();
    expect(sampleValues()[0]).toBe("sample: 0.01");
  });

  it("sorts the table by a clicked column, best first, then reversed", () => {
    const { el } = mountWith(new FakeModel(traits({ metrics })));
    const names = () => $$(el, "table.xai-metrics tbody th").map((t) => t.textContent);
    $$(el, "table.xai-metrics thead th")[2].click(); // Metric 1, higher is better
    expect(names()).toEqual([METHODS[2], METHODS[0], METHODS[1]]);
    $$(el, "table.xai-metrics thead th")[2].click();
    expect(names()).toEqual([METHODS[1], METHODS[0], METHODS[2]]);
  });

  it("labels the curves' y axis by what they score", () => {
    const yAxis = (el: HTMLElement) => $$(el, "svg.xai-curves")[0].querySelector("text[transform]")!.textContent;
    expect(yAxis(mountWith(new FakeModel(traits({ metrics }))).el)).toBe("probability");
    expect(yAxis(mountWith(new FakeModel(traits({ metrics, n_outputs: 1, task: "regression" }))).el)).toBe("|Δ output|");
  });

  it("does not double an arrow already in the label", () => {
    const mx = { ...metrics, labels: ["Deletion AUC ↓", "Insertion AUC"] };
    const { el } = mountWith(new FakeModel(traits({ metrics: mx })));
    const heads = $$(el, "table.xai-metrics thead th").map((t) => t.textContent);
    expect(heads).toEqual(["method", "Deletion AUC ↓", "Insertion AUC ↑"]);
  });

  it("omits the section when metrics is empty", () => {
    const { el } = mountWith(new FakeModel(traits()));
    expect(el.querySelector(".xai-metrics")).toBeNull();
    expect(el.querySelector(".xai-curves")).toBeNull();
  });
});

describe("tabular and sequence", () => {
  it("tabular: one bar chart per method with literal feature labels", () => {
    const model = new FakeModel(traits({
      kind: "tabular", feature_names: ["age", "<b>x</b>", "income", "zip"], data: tabularBlock([0, 1], METHODS),
    }));
    const { el } = mountWith(model);
    expect($$(el, "canvas.xai-heatmap").map((c) => c.dataset.method)).toEqual(METHODS);
    const labels = $$(el, ".xai-bar-labels span").map((s) => s.textContent);
    expect(labels).toEqual(["age", "<b>x</b>", "income", "zip"]);
    expect(el.querySelector(".xai-bar-labels b")).toBeNull();
    expect(el.querySelector(".xai-overlay")).toBeNull();
    $$(el, ".xai-bar-labels span")[1].dispatchEvent(new MouseEvent("mousemove"));
    const text = el.querySelector(".xai-tooltip")!.textContent!;
    expect(text).toContain("feature <b>x</b>");
    expect(text).toMatch(/input 0\.1/);
    expect(el.dataset.xaiReady).toBe("1");
  });

  it("tabular: default feature names are x0, x1, ...", () => {
    const { el } = mountWith(new FakeModel(traits({ kind: "tabular", data: tabularBlock([0], METHODS, 3) })));
    expect($$(el, ".xai-bar-labels span").map((s) => s.textContent)).toEqual(["x0", "x1", "x2"]);
  });

  it("sequence: token spans per method with textContent, coloured backgrounds, and a strip", () => {
    const tokens = [["the", "<b>x</b>", "cat", " "], ["a", "b", "c", "d"]];
    const { el } = mountWith(new FakeModel(traits({ kind: "sequence", data: sequenceBlock([0, 1], METHODS, tokens) })));
    expect($$(el, "canvas.xai-heatmap.xai-strip").map((c) => c.dataset.method)).toEqual(METHODS);
    const rows = $$(el, ".xai-tokens");
    expect(rows).toHaveLength(3);
    expect($$(rows[0], ".xai-token").map((s) => s.textContent)).toEqual(tokens[0]);
    expect(rows[0].querySelector("b")).toBeNull();
    expect($$(rows[0], ".xai-token")[0].style.background).not.toBe("");
    $$(rows[1], ".xai-token")[1].dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
    expect(el.querySelector(".xai-tooltip")!.textContent).toContain("token 1 <b>x</b>");
    expect($$(el, ".xai-token.xai-hover")).toHaveLength(3);
    expect(el.querySelector(".xai-overlay")).toBeNull();
  });
});

describe("standalone", () => {
  it("is detected from the standalone model or a missing send", () => {
    expect(isStandalone(createModel({}) as never)).toBe(true);
    expect(isStandalone({ send: undefined } as never)).toBe(true);
    expect(isStandalone(new FakeModel({}) as never)).toBe(false);
  });

  it("restricts navigation to the embedded samples and never asks a kernel", () => {
    const model = createModel(traits({ data: imageBlock([0, 3, 6], METHODS) }));
    const save = vi.spyOn(model, "save_changes");
    const { el } = mountWith(model);
    const { next, num, prev } = nav(el);
    next.click();
    expect(num.value).toBe("3");
    next.click();
    expect(num.value).toBe("6");
    expect(next.disabled).toBe(true);
    // a sample that is not embedded is refused with a note; the view keeps what it shows
    num.value = "2";
    num.dispatchEvent(new Event("change"));
    expect(num.value).toBe("6");
    expect(el.querySelector(".xai-status")!.textContent).toBe("sample 2 is not in this offline page (3 embedded: 0, 3, 6)");
    prev.click();
    expect(num.value).toBe("3");
    prev.click();
    expect(num.value).toBe("0");
    expect(el.classList.contains("xai-loading")).toBe(false);
    expect(save).not.toHaveBeenCalled();
    expect(el.querySelector(".xai-nav")!.textContent).toMatch(/offline: 3 embedded/);
  });
});

describe("robustness", () => {
  it("reports a malformed block instead of throwing", () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const bad = { ...imageBlock([0], METHODS), prob: { dtype: "float32", shape: [5], data: new ArrayBuffer(4) } };
    const { el } = mountWith(new FakeModel(traits({ data: bad, n_samples: 0 })));
    expect(el.querySelector(".xai-status")!.textContent).toMatch(/could not read `data`/);
  });
});

describe("sequence padding", () => {
  // sequence view (views/sequence.ts): padding is dropped, never drawn or ranged
  it("drops padded positions (valid mask or empty token) from tokens, strips and hover", () => {
    const tokens = [["the", "<b>x</b>", "cat", "pad", "pad"], ["a", "", "c", "d", "e"]];
    const block = { ...sequenceBlock([0, 1], METHODS, tokens), valid: validMask([3, 5], 5) };
    const { el } = mountWith(new FakeModel(traits({ kind: "sequence", data: block })));
    const rows = $$(el, ".xai-tokens");
    expect(rows.map((r) => $$(r, ".xai-token").map((t) => t.textContent))).toEqual(METHODS.map(() => ["the", "<b>x</b>", "cat"]));
    expect(el.querySelector(".xai-tokens b")).toBeNull();
    expect($$(el, "canvas.xai-heatmap.xai-strip").map((c) => c.dataset.method)).toEqual(METHODS);
    (el.querySelector(".xai-next") as HTMLButtonElement).click();
    // sample 1: no padding in the mask, but its empty token is padding too
    expect($$(rows[0], ".xai-token").map((t) => t.dataset.i)).toEqual(["0", "2", "3", "4"]);
    $$(rows[2], ".xai-token")[1].dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
    expect(el.querySelector(".xai-tooltip")!.textContent).toContain("token 2 c");
    expect($$(el, ".xai-token.xai-hover").map((t) => t.dataset.i)).toEqual(["2", "2", "2"]);
    expect(el.querySelector("img")).toBeNull(); // no pictures any more: molecules are drawn
  });
});
