// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from "vitest";
import widget, { isStandalone } from "../src/comparison";
import { createModel } from "../src/standalone";
import { FakeModel, flush, imageBlock, metricsFor, sequenceBlock, tabularBlock } from "./fixtures";

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

describe("AttributionComparison, image", () => {
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
    expect(info.textContent).toBe("target: <b>x</b> · pred: dog (p=0.93)");
    expect(el.querySelector(".xai-info b, .xai-panels b, .xai-caption b")).toBeNull();
    expect($$(el, ".xai-caption").map((c) => c.textContent)).toContain("<b>x</b>");
  });

  it("falls back to class indices without class_names", () => {
    const { el } = mountWith(new FakeModel(traits({ class_names: [] })));
    expect(el.querySelector(".xai-info")!.textContent).toBe("target: 0 · pred: 1 (p=0.93)");
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
    expect(el.querySelector(".xai-info")!.textContent).toContain("target: <b>x</b>");

    // Cached now: going back and forth asks nothing more.
    num.value = "0";
    num.dispatchEvent(new Event("change"));
    num.value = "7";
    num.dispatchEvent(new Event("change"));
    expect(model.sent).toHaveLength(1);
  });

  it("shows only the sample last asked for and clamps the range", async () => {
    const model = new FakeModel(traits());
    const { el } = mountWith(model);
    const { num } = nav(el);
    num.value = "4";
    num.dispatchEvent(new Event("change"));
    num.value = "99";
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
    const text = el.querySelector(".xai-readout")!.textContent!;
    expect(text).toMatch(/row 0, col 0/);
    expect(text).toMatch(/input \(/);
    for (const m of METHODS) expect(text).toContain(m);
    wrap.dispatchEvent(new MouseEvent("mouseleave"));
    expect(el.querySelector(".xai-readout")!.textContent).toMatch(/hover/);
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

  it("renders rows = methods, mean ± std cells and the best cell per column", () => {
    const { el } = mountWith(new FakeModel(traits({ metrics })));
    const table = el.querySelector("table.xai-metrics")!;
    const rows = $$(table, "tbody tr");
    expect(rows.map((r) => r.querySelector("th")!.textContent)).toEqual(METHODS);
    expect(rows[0].querySelectorAll("td")[0].textContent).toBe("0.2 ± 0.02");
    const best = $$(table, "td.best");
    expect(best).toHaveLength(2);
    expect(best[0].parentElement).toBe(rows[1]); // lowest of column 0
    expect(best[1].parentElement).toBe(rows[2]); // highest of column 1
    expect(table.querySelector("thead")!.textContent).toContain("Metric <i>0</i>");
    expect(table.querySelector("caption")!.textContent).toMatch(/n = 16.*baseline: zeros/);
    const charts = $$(el, "svg.xai-curves");
    expect(charts).toHaveLength(2);
    expect(charts[0].querySelectorAll("polyline")).toHaveLength(3);
    expect(el.querySelector(".xai-curve-legend")!.textContent).toContain("<b>x</b>");
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
    const text = el.querySelector(".xai-readout")!.textContent!;
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
    expect(el.querySelector(".xai-readout")!.textContent).toContain("token 1 <b>x</b>");
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

describe("pictures (e.g. molecules)", () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><script>alert(1)</script></svg>';
  const bytes = (s: string) => new TextEncoder().encode(s);

  it("decodes per-method picture bytes into data: URIs and shows them in inert <img>s", () => {
    const tokens = [["C", "C", "O", ""], ["c", "1", "", ""]];
    const block = {
      ...sequenceBlock([0, 1], METHODS, tokens),
      picture_type: "image/svg+xml",
      pictures: { [METHODS[0]]: [bytes(svg), bytes("<svg/>")] },
    };
    const { el } = mountWith(new FakeModel(traits({ kind: "sequence", data: block })));
    const imgs = $$(el, "img.xai-picture") as HTMLImageElement[];
    expect(imgs.map((i) => i.dataset.method)).toEqual(METHODS);
    expect(imgs[0].hidden).toBe(false);
    expect(imgs[0].getAttribute("src")).toBe(`data:image/svg+xml;base64,${btoa(svg)}`);
    expect(imgs[1].hidden).toBe(true); // no picture for that method
    expect(el.querySelector("script")).toBeNull(); // never injected as markup
    // padding tokens ("") are hidden, real ones shown
    const spans = $$($$(el, ".xai-tokens")[0], ".xai-token");
    expect(spans.filter((s) => !s.hidden).map((s) => s.textContent)).toEqual(["C", "C", "O"]);
  });

  it("ignores pictures of an unsupported type", () => {
    const block = {
      ...sequenceBlock([0], METHODS, [["a", "b"]]),
      picture_type: "text/html",
      pictures: { [METHODS[0]]: [bytes("<b>x</b>")] },
    };
    const { el } = mountWith(new FakeModel(traits({ kind: "sequence", data: block })));
    expect(($$(el, "img.xai-picture") as HTMLImageElement[]).every((i) => i.hidden)).toBe(true);
  });
});
