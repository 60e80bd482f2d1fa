// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from "vitest";
import widget, { classColor, classColors } from "../src/tree";
import { createModel } from "../src/standalone";
import { f32, FakeModel, flush, i32, quantize, wire } from "./fixtures";

// The tree of treelayout.test.ts: 0 -> (1, 2); 1 -> (3, 4); 4 -> (5, 6).
const YES = [1, 3, -1, -1, 5, -1, -1];
const NO = [2, 4, -1, -1, 6, -1, -1];
const TESTS = ["shape = heart", "scale <= 0.7", "", "", "<b>posX</b> <= 3", "", ""];
const CONCEPT = [0, 1, -1, -1, 2, -1, -1];
const LEAF = [3, 2, 5, 6, 2, 3, 5, 5]; // 8 samples
const N = LEAF.length;

function thumbBlock(indices: number[], side = 4) {
  const K = indices.length;
  // Item k: a diagonal of 1s on 0s, so every thumbnail has two colours.
  const values = Array.from({ length: K * side * side }, (_, i) => (Math.floor(i / side) % side === i % side ? 1 : 0));
  return { index: i32([K], indices), images: quantize([K, side, side, 1], values, false) };
}

function traits(over: Record<string, unknown> = {}): Record<string, unknown> {
  const M = YES.length;
  return {
    title: "Sprites <i>tree</i>",
    concept_names: ["shape", "scale", "<b>posX</b>"],
    concept_values: [["ellipse", "heart", "square"], ["0.5", "0.7", "1"], ["0", "3", "7"]],
    class_names: ["square", "<img src=x onerror=alert(1)>", "heart"],
    tree: {
      yes: i32([M], YES), no: i32([M], NO), concept: i32([M], CONCEPT), test: TESTS,
      value: i32([M], [0, 1, 2, 0, 1, 1, 2]),
      count: i32([M], [8, 6, 2, 2, 4, 3, 1]),
      dist: wire("int32", [M, 3], Int32Array.from([3, 3, 2, 3, 3, 0, 0, 0, 2, 2, 0, 0, 1, 3, 0, 0, 3, 0, 1, 0, 0])),
      fidelity: f32([M], [0.75, 0.5, 1, 1, 0.5, 1, 0]),
      n_train: i32([M], [80, 60, 20, 20, 40, 30, 10]),
    },
    samples: {
      n: N, leaf: i32([N], LEAF), model_pred: i32([N], [0, 2, 1, 0, 2, 0, 1, 1]),
      tree_pred: i32([N], [0, 2, 1, 2, 2, 0, 1, 1]), concepts: i32([N, 3], Array.from({ length: N * 3 }, (_, i) => i % 3)),
    },
    accuracy: {
      layers: ["conv1", "conv2"], concepts: ["shape", "scale", "<b>posX</b>"],
      values: f32([2, 3], [0.5, 0.9, 0.8, 0.99, 0.6, 0.7]), best: i32([3], [1, 0, 0]),
    },
    summary: { n: N, depth: 3, n_leaves: 4, fidelity: 0.75, accuracy: null },
    thumbs: thumbBlock([0, 1]),
    selected: -1, collapse_depth: 5, n_thumbnails: 4,
    ...over,
  };
}

function mount(model: unknown) {
  const el = document.createElement("div");
  document.body.appendChild(el);
  const cleanup = widget.render({ model: model as never, el });
  return { el, cleanup };
}

const nodes = (el: Element) => [...el.querySelectorAll<SVGGElement>("g.xai-node")];
const node = (el: Element, i: number) => el.querySelector<SVGGElement>(`g.xai-node[data-node="${i}"]`)!;
const click = (e: Element) => e.dispatchEvent(new MouseEvent("click", { bubbles: true }));

afterEach(() => document.body.replaceChildren());

describe("ConceptTreeView view", () => {
  it("draws every node with its test as text, and becomes ready", () => {
    const { el } = mount(new FakeModel(traits()));
    expect(el.dataset.xaiReady).toBe("1");
    expect(nodes(el).map((n) => Number(n.dataset.node))).toEqual([0, 1, 3, 4, 5, 6, 2]);
    const texts = [...el.querySelectorAll("svg text.xai-node-test")].map((t) => t.textContent);
    expect(texts).toContain("shape = heart");
    expect(texts).toContain("scale <= 0.7");
    expect(texts).toContain("<b>posX</b> <= 3"); // literally: data is never parsed as HTML
    expect(el.querySelector("svg b, img")).toBeNull();
    expect(node(el, 3).querySelector("text.xai-node-test")!.textContent).toBe("→ square");
    expect(node(el, 0).querySelector("text.xai-node-meta")!.textContent).toBe("n=8 · fid 75%");
    // the full numbers are in the tooltip at the cursor
    node(el, 0).querySelector("rect.xai-box")!.dispatchEvent(new MouseEvent("mousemove", { bubbles: true }));
    const tip = el.querySelector<HTMLElement>(".xai-tooltip")!;
    expect(tip.hidden).toBe(false);
    expect(tip.textContent).toContain("fidelity 75.0% of the samples here");
    expect(tip.textContent).toContain("predicts square");
    expect(el.querySelectorAll("path.xai-edge")).toHaveLength(6);
    expect(el.querySelector(".xai-title")!.textContent).toBe("Sprites <i>tree</i>");
  });

  it("class distribution bars have one segment per class present, coloured by class", () => {
    const { el } = mount(new FakeModel(traits()));
    const segs = [...node(el, 0).querySelectorAll("rect[data-class]")];
    expect(segs.map((r) => r.getAttribute("data-class"))).toEqual(["0", "1", "2"]);
    expect(segs.map((r) => r.getAttribute("fill"))).toEqual([classColor(0), classColor(1), classColor(2)]);
    const widths = segs.map((r) => Number(r.getAttribute("width")));
    expect(widths[0] / widths[2]).toBeCloseTo(3 / 2);
    expect(node(el, 2).querySelectorAll("rect[data-class]")).toHaveLength(1);
  });

  it("collapses beyond collapse_depth, and the toggle expands locally", () => {
    const model = new FakeModel(traits({ collapse_depth: 2 }));
    const { el } = mount(model);
    expect(nodes(el)).toHaveLength(5);
    const toggle = node(el, 4).querySelector(".xai-toggle")!;
    expect(toggle.textContent).toBe("+");
    click(toggle);
    expect(nodes(el)).toHaveLength(7);
    click(node(el, 1).querySelector(".xai-toggle")!);
    expect(nodes(el).map((n) => Number(n.dataset.node))).toEqual([0, 1, 2]);
    click(el.querySelector(".xai-expand")!);
    expect(nodes(el)).toHaveLength(7);
    expect(model.saved).toEqual([]); // view-only: no kernel round-trip
  });

  it("clicking a node shows its samples: embedded at once, the rest fetched from the kernel", async () => {
    const model = new FakeModel(traits());
    const { el } = mount(model);
    click(node(el, 1));
    expect(node(el, 1).classList.contains("xai-selected")).toBe(true);
    expect(el.querySelector(".xai-detail-title")!.textContent).toBe("node 1: scale <= 0.7?");
    // Samples reaching node 1 (leaves 3..6): 0, 2, 3, 5 (n_thumbnails = 4); 0 is embedded.
    const shown = () => [...el.querySelectorAll<HTMLCanvasElement>("canvas.xai-thumb")].map((c) => Number(c.dataset.index));
    expect(shown()).toEqual([0]);
    expect(el.querySelectorAll(".xai-thumb-slot")).toHaveLength(3);
    expect(model.sent).toEqual([{ type: "xai-fetch", seq: 1, what: "thumbs", args: { indices: [2, 3, 5] } }]);
    model.reply(thumbBlock([2, 3, 5]));
    await flush();
    expect(shown()).toEqual([0, 2, 3, 5]);
    expect(el.querySelectorAll(".xai-thumb-slot")).toHaveLength(0);
    const c = el.querySelector<HTMLCanvasElement>('canvas.xai-thumb[data-index="3"]')!;
    expect([c.width, c.height]).toEqual([4, 4]);
    expect(c.classList.contains("xai-wrong")).toBe(true); // tree 2 vs model 0
    // Everything node 0 and node 1 show is cached now: no second request.
    click(node(el, 0));
    click(node(el, 1));
    expect(model.sent).toHaveLength(1);
  });

  it("standalone: only embedded thumbnails, no requests, an offline note", () => {
    const model = createModel(traits() as Record<string, unknown>);
    const { el } = mount(model);
    click(node(el, 1));
    expect(el.querySelectorAll("canvas.xai-thumb")).toHaveLength(1);
    expect(el.querySelectorAll(".xai-thumb-slot")).toHaveLength(0);
    expect(el.querySelector(".xai-thumb-note")!.textContent).toContain("offline: 1 embedded");
    expect(model.get("request")).toBeUndefined();
  });

  it("highlights the path of the selected sample, from the kernel or a thumbnail click", () => {
    const model = new FakeModel(traits({ collapse_depth: 1, selected: 2 }));
    const { el } = mount(model);
    // Sample 2 ends in leaf 5: its ancestors were expanded to show the path.
    const onPath = () => nodes(el).filter((n) => n.classList.contains("xai-path")).map((n) => Number(n.dataset.node));
    expect(onPath()).toEqual([0, 1, 4, 5]);
    expect(el.querySelectorAll("path.xai-edge.xai-path")).toHaveLength(3);
    expect(el.querySelector(".xai-sample-info")!.textContent).toContain("sample 2");
    model.kernelSet("selected", 1);
    expect(onPath()).toEqual([0, 2]);
    click(node(el, 0));
    click(el.querySelector('canvas.xai-thumb[data-index="0"]')!);
    expect(onPath()).toEqual([0, 1, 3]);
    expect(model.saved.some((d) => d.selected === 0)).toBe(true);
  });

  it("accuracy heatmap: one cell per layer and concept, best outlined, linked to the tree", () => {
    const { el } = mount(new FakeModel(traits()));
    const cells = [...el.querySelectorAll<HTMLTableCellElement>("table.xai-acc td")];
    expect(cells.map((c) => c.textContent)).toEqual(["0.50", "0.90", "0.80", "0.99", "0.60", "0.70"]);
    expect(cells.filter((c) => c.classList.contains("xai-best")).map((c) => cells.indexOf(c))).toEqual([1, 2, 3]);
    expect(el.querySelector("table.xai-acc th[scope=col][data-concept='2']")!.textContent).toBe("<b>posX</b>");
    click(el.querySelector("table.xai-acc button.xai-concept[data-concept='1']")!);
    expect(nodes(el).filter((n) => n.classList.contains("xai-linked")).map((n) => Number(n.dataset.node))).toEqual([1]);
    expect(el.querySelector("button.xai-concept[data-concept='1']")!.getAttribute("aria-pressed")).toBe("true");
    expect(el.querySelector(".xai-status")!.textContent).toBe("scale: tested at node 1 (dashed outline)");
    click(el.querySelector("table.xai-acc button.xai-concept[data-concept='1']")!);
    expect(nodes(el).filter((n) => n.classList.contains("xai-linked"))).toHaveLength(0);
  });

  it("accuracy cells: text colour by WCAG contrast (at least 4.5:1 on every viridis fill)", () => {
    const values = Array.from({ length: 21 }, (_, i) => i / 20);
    const accuracy = { layers: values.map((_, i) => `l${i}`), concepts: ["shape"], values: f32([21, 1], values), best: i32([1], [0]) };
    const { el } = mount(new FakeModel(traits({ accuracy })));
    const lin = (v: number) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
    const lum = (css: string) => {
      const m = css.startsWith("#") ? (css.length === 4 ? [...css.slice(1)].map((h) => parseInt(h + h, 16)) : [1, 3, 5].map((k) => parseInt(css.slice(k, k + 2), 16)))
        : css.match(/[\d.]+/g)!.slice(0, 3).map(Number);
      return 0.2126 * lin(m[0]) + 0.7152 * lin(m[1]) + 0.0722 * lin(m[2]);
    };
    const cells = [...el.querySelectorAll<HTMLElement>("table.xai-acc td")];
    expect(cells).toHaveLength(21);
    for (const td of cells) {
      const [a, b] = [lum(td.style.color), lum(td.style.background)].sort((x, y) => y - x);
      expect((a + 0.05) / (b + 0.05), `${td.textContent} ${td.style.background} ${td.style.color}`).toBeGreaterThanOrEqual(4.5);
    }
  });

  it("zoom buttons and fit change only the viewport transform", () => {
    const model = new FakeModel(traits());
    const { el } = mount(model);
    const g = el.querySelector("g.xai-viewport")!;
    const before = g.getAttribute("transform");
    click(el.querySelector(".xai-zoom-in")!);
    expect(g.getAttribute("transform")).not.toBe(before);
    click(el.querySelector(".xai-fit")!);
    expect(g.getAttribute("transform")).toBe(before);
    expect(model.saved).toEqual([]);
  });

  it("the sample box is empty (a placeholder, not -1) until a sample is chosen", () => {
    const model = new FakeModel(traits());
    const { el } = mount(model);
    const box = el.querySelector<HTMLInputElement>("input.xai-sample")!;
    expect(box.value).toBe("");
    expect(box.placeholder).toBe("none");
    box.value = "2";
    box.dispatchEvent(new Event("change"));
    expect(el.querySelectorAll("g.xai-node.xai-path")).toHaveLength(4);
    expect(model.saved[model.saved.length - 1]).toEqual({ selected: 2 });
    box.value = "";
    box.dispatchEvent(new Event("change"));
    expect(el.querySelectorAll("g.xai-node.xai-path")).toHaveLength(0);
    expect(box.value).toBe("");
    click(el.querySelector(".xai-sample-clear")!);
    expect(model.saved[model.saved.length - 1]).toEqual({ selected: -1 });
  });

  it("thumbnails are labelled with the sample index, the model's class and the true class", () => {
    const target = i32([N], [0, 2, 2, 0, 2, 0, 1, 1]); // sample 1: model 2 = true 2; sample 0 right too
    const { el } = mount(new FakeModel(traits({ samples: { ...(traits().samples as object), target } })));
    click(node(el, 0));
    const cards = [...el.querySelectorAll<HTMLElement>(".xai-thumb-card")];
    expect(cards.map((c) => c.dataset.index)).toEqual(["0", "1"]);
    expect(cards[0].querySelector(".xai-thumb-index")!.textContent).toBe("#0");
    expect(cards[0].querySelector(".xai-thumb-pred")!.textContent).toBe("pred square");
    expect(cards[0].querySelector(".xai-thumb-true")!.textContent).toBe("true square");
    expect(cards[1].querySelector(".xai-thumb-pred")!.textContent).toBe("pred heart");
    expect(cards.some((c) => c.classList.contains("xai-misclassified"))).toBe(false);
    el.remove();
    const wrong = i32([N], [1, 2, 2, 0, 2, 0, 1, 1]);
    const m2 = mount(new FakeModel(traits({ samples: { ...(traits().samples as object), target: wrong } })));
    click(node(m2.el, 0));
    const first = m2.el.querySelector<HTMLElement>('.xai-thumb-card[data-index="0"]')!;
    expect(first.classList.contains("xai-misclassified")).toBe(true);
    expect(first.querySelector(".xai-thumb-true")!.textContent).toBe("true <img src=x onerror=alert(1)>");
    expect(m2.el.querySelector(".xai-thumb-card img")).toBeNull(); // class names stay text
  });

  it("keyboard: the tree is one Tab stop; arrows move, Left / Right collapse and expand, Enter selects, Escape clears", () => {
    const { el } = mount(new FakeModel(traits({ collapse_depth: 2 })));
    const svg = el.querySelector<SVGSVGElement>("svg.xai-tree")!;
    expect(svg.getAttribute("role")).toBe("tree");
    expect(svg.getAttribute("aria-label")).toBe("concept tree: 7 nodes, 4 leaves, the root: 8 samples, fidelity 75.0%");
    const tabStops = () => nodes(el).filter((n) => n.getAttribute("tabindex") === "0").map((n) => Number(n.dataset.node));
    expect(tabStops()).toEqual([0]);
    expect(nodes(el).every((n) => n.getAttribute("role") === "treeitem")).toBe(true);
    expect(node(el, 0).getAttribute("aria-level")).toBe("1");
    expect(node(el, 4).getAttribute("aria-level")).toBe("3");
    expect(node(el, 4).getAttribute("aria-expanded")).toBe("false"); // collapsed below depth 2
    expect(node(el, 3).hasAttribute("aria-expanded")).toBe(false); // a leaf
    expect(node(el, 1).getAttribute("aria-posinset")).toBe("1");
    expect(node(el, 2).getAttribute("aria-posinset")).toBe("2");
    // the drawn lines first (voice control finds a node by what it shows), then the details
    expect(node(el, 0).getAttribute("aria-label")).toBe("shape = heart, n=8 · fid 75%; node 0; the model predicts square 3, <img src=x onerror=alert(1)> 3, heart 2; fidelity 75.0%");
    expect(node(el, 2).getAttribute("aria-label")).toBe("→ heart, n=2 · fid 100%; leaf 2, the tree predicts heart; the model predicts heart 2; fidelity 100%");
    const key = (k: string) => document.activeElement!.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true }));
    const focused = () => Number((document.activeElement as HTMLElement).dataset.node);
    node(el, 0).focus();
    key("ArrowDown");
    expect(focused()).toBe(1);
    key("ArrowDown");
    key("ArrowDown");
    expect(focused()).toBe(4); // pre-order of the visible nodes: 0, 1, 3, 4, 2
    key("ArrowRight"); // expands node 4, focus stays on it
    expect(focused()).toBe(4);
    expect(node(el, 4).getAttribute("aria-expanded")).toBe("true");
    expect(nodes(el)).toHaveLength(7);
    key("ArrowRight"); // its first child
    expect(focused()).toBe(5);
    key("ArrowLeft"); // a leaf: to the parent
    expect(focused()).toBe(4);
    key("ArrowLeft"); // open: collapses
    expect(focused()).toBe(4);
    expect(nodes(el)).toHaveLength(5);
    key("End");
    expect(focused()).toBe(2);
    expect(tabStops()).toEqual([2]);
    key("Enter");
    expect(node(el, 2).getAttribute("aria-selected")).toBe("true");
    expect(node(el, 0).getAttribute("aria-selected")).toBe("false");
    expect(el.querySelector(".xai-detail-title")!.textContent).toBe("leaf 2: → heart");
    key("Escape");
    expect(nodes(el).filter((n) => n.getAttribute("aria-selected") === "true")).toHaveLength(0);
    expect(el.querySelector(".xai-detail-title")!.textContent).toBe("no node selected");
    key("Home");
    expect(focused()).toBe(0);
    key("ArrowLeft"); // the root: nowhere to go but collapse
    expect(nodes(el).map((n) => Number(n.dataset.node))).toEqual([0]);
  });

  it("thumbnails, concept headers: one Tab stop each, labelled; Enter traces a sample", () => {
    const target = i32([N], [1, 2, 2, 0, 2, 0, 1, 1]);
    const model = new FakeModel(traits({ samples: { ...(traits().samples as object), target } }));
    const { el } = mount(model);
    const cards = [...el.querySelectorAll<HTMLElement>(".xai-thumb-card[role=button]")];
    expect(cards.map((c) => c.tabIndex)).toEqual([0, -1]);
    expect(cards[0].getAttribute("aria-label")).toBe("#0, pred square, true <img src=x onerror=alert(1)>; sample 0, the model predicts square, true class <img src=x onerror=alert(1)> (the model is wrong), the tree agrees; trace its path");
    cards[0].focus();
    cards[0].dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    expect(document.activeElement).toBe(cards[1]);
    cards[1].dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(el.querySelector(".xai-sample-info")!.textContent).toContain("sample 1");
    expect(el.querySelector('.xai-thumb-card[data-index="1"]')!.getAttribute("aria-pressed")).toBe("true");
    el.querySelector<HTMLElement>('.xai-thumb-card[data-index="1"]')!.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(el.querySelector<HTMLInputElement>("input.xai-sample")!.value).toBe(""); // Escape: no sample traced
    const heads = [...el.querySelectorAll<HTMLElement>("button.xai-concept")];
    expect(heads.map((b) => b.tabIndex)).toEqual([0, -1, -1]);
    click(heads[0]);
    expect(nodes(el).filter((n) => n.classList.contains("xai-linked")).map((n) => Number(n.dataset.node))).toEqual([0]);
    heads[0].dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(nodes(el).filter((n) => n.classList.contains("xai-linked"))).toHaveLength(0);
    expect(heads[0].getAttribute("aria-pressed")).toBe("false");
    // the detail bar states its numbers
    expect(el.querySelector(".xai-dist")!.getAttribute("aria-label")).toBe("the model's predictions for the 8 samples here: square 3 (37.5%), <img src=x onerror=alert(1)> 3 (37.5%), heart 2 (25.0%)");
  });

  it("a concept the tree does not use is marked unused and a click says so", () => {
    const t = traits() as Record<string, Record<string, unknown>>;
    const tree = { ...t.tree, concept: i32([7], [0, 1, -1, -1, 1, -1, -1]) };
    const { el } = mount(new FakeModel(traits({ tree })));
    const b = el.querySelector<HTMLElement>("button.xai-concept[data-concept='2']")!;
    expect(b.classList.contains("xai-unused")).toBe(true);
    expect(b.getAttribute("aria-label")).toBe("<b>posX</b> (not used by the tree)");
    expect(el.querySelector("button.xai-concept[data-concept='0']")!.classList.contains("xai-unused")).toBe(false);
    click(b);
    expect(el.querySelector(".xai-status")!.textContent).toBe("the tree does not use <b>posX</b>: no node tests it (it splits on other concepts)");
    expect(b.getAttribute("aria-pressed")).toBe("true");
    expect(nodes(el).filter((n) => n.classList.contains("xai-linked"))).toHaveLength(0);
    click(b);
    expect(el.querySelector(".xai-status")!.textContent).toBe("");
  });

  it("the caption names the true class only when the result has one; no empty loading tiles", () => {
    const { el } = mount(new FakeModel(traits()));
    // node 0 wants 4 thumbnails, 2 are embedded: no request until a click, and no empty boxes
    expect(el.querySelectorAll("canvas.xai-thumb")).toHaveLength(2);
    expect(el.querySelectorAll(".xai-thumb-slot")).toHaveLength(0);
    const note = el.querySelector(".xai-thumb-note")!.textContent!;
    expect(note).toContain("index and the model's prediction (no true classes given)");
    expect(note).not.toContain("the true class");
    expect(note).toContain("(2 more: click the node to load them)");
    const target = i32([N], [0, 2, 2, 0, 2, 0, 1, 1]);
    el.remove();
    const m2 = mount(new FakeModel(traits({ samples: { ...(traits().samples as object), target } })));
    expect(m2.el.querySelector(".xai-thumb-note")!.textContent).toContain("index, the model's prediction, the true class");
  });

  it("a failed thumbnail request leaves tiles that say so", async () => {
    const model = new FakeModel(traits());
    const { el } = mount(model);
    click(node(el, 1));
    expect([...el.querySelectorAll(".xai-thumb-slot")].map((s) => s.textContent)).toEqual(["#2 loading…", "#3 loading…", "#5 loading…"]);
    const req = model.sent[model.sent.length - 1];
    model.listeners.get("msg:custom")?.forEach((cb) => cb({ type: "xai-fetched", seq: req.seq, what: req.what, error: "kernel gone", buffer_paths: [] }, []));
    await flush();
    expect([...el.querySelectorAll(".xai-thumb-slot")].map((s) => s.textContent)).toEqual(["#2 unavailable", "#3 unavailable", "#5 unavailable"]);
  });

  it("class_groups structure the colours and the legend (a row per group)", () => {
    const groups = { group: [0, 1, 0], level: [0, 0, 1], groups: ["sq", "hx"], levels: ["small", "big"] };
    const { el } = mount(new FakeModel(traits({ class_groups: groups })));
    const colors = classColors(3, groups);
    const segs = [...node(el, 0).querySelectorAll("rect[data-class]")];
    expect(segs.map((r) => r.getAttribute("fill"))).toEqual(colors);
    expect([...el.querySelectorAll(".xai-legend-group")].map((g) => g.textContent)).toEqual(["sq", "hx"]);
    const items = [...el.querySelectorAll<HTMLElement>(".xai-legend-item")];
    expect(items.map((i) => [i.dataset.class, i.textContent])).toEqual([["0", "small"], ["2", "big"], ["1", "small"]]);
  });

  it("merged splits (computed in Python) are drawn as leaves that say so; the summary counts them", () => {
    const t = traits() as Record<string, Record<string, unknown>>;
    // node 4's split is merged: both sides predicted the same class
    const tree = { ...t.tree, yes: i32([7], [1, 3, -1, -1, -1, -1, -1]), no: i32([7], [2, 4, -1, -1, -1, -1, -1]),
      test: ["shape = heart", "scale <= 0.7", "", "", "", "", ""], merged: [[], [], [], [], ["<b>posX</b> <= 3"], [], []] };
    const { el } = mount(new FakeModel(traits({ tree, summary: { ...t.summary, merged: 1 }, samples: { ...t.samples, leaf: i32([N], [3, 2, 4, 4, 2, 3, 4, 4]) } })));
    expect(nodes(el)).toHaveLength(5);
    expect(node(el, 4).classList.contains("xai-merged")).toBe(true);
    expect(node(el, 4).querySelector("text.xai-node-note")!.textContent).toBe("1 split merged");
    expect(el.querySelector(".xai-summary")!.textContent).toContain("1 split merged (same class on both sides)");
    click(node(el, 4));
    expect(el.querySelector(".xai-detail-merged")!.textContent).toContain("<b>posX</b> <= 3");
  });

  it("layout switch and orientation trait: top-down or left-to-right, locally", () => {
    const model = new FakeModel(traits({ orientation: "left-right" }));
    const { el } = mount(model);
    const svg = el.querySelector("svg.xai-tree")!;
    expect(svg.getAttribute("data-orientation")).toBe("left-right");
    const sel = el.querySelector<HTMLSelectElement>("select.xai-orientation")!;
    expect(sel.value).toBe("left-right");
    sel.value = "top-down";
    sel.dispatchEvent(new Event("change"));
    expect(svg.getAttribute("data-orientation")).toBe("top-down");
    expect(model.saved).toEqual([]);
  });

  it("a malformed tree reports instead of throwing, and cleanup removes listeners", () => {
    const model = new FakeModel(traits({ tree: { yes: { dtype: "int32", shape: [9], data: new Uint8Array(4) } } }));
    // the view logs the decoding error for developers: asserted here, not printed into the test log
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const { el, cleanup } = mount(model);
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged.mock.calls[0][0]).toBe("xaiwidgets:");
    // the generic decoder names the array that does not fit its bytes
    expect(String(logged.mock.calls[0][1])).toContain("int32[9] needs 36 bytes, got 4");
    logged.mockRestore();
    expect(el.dataset.xaiReady).toBe("1");
    expect(el.querySelector(".xai-status")!.textContent).toContain("could not read the tree: xaiwidgets: int32[9] needs 36 bytes");
    expect(nodes(el)).toHaveLength(0);
    cleanup();
    expect(model.listenerCount()).toBe(0);
  });
});
