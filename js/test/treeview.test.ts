// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { classPalette, deltaE, GROUP_HUES, TREE_PATH_COLOR, toOklch } from "../src/lib/colormap";
import { MIN_FONT_PX, TREE_FONT, TreeView, type TreeNodes } from "../src/views/treeview";

// 0 -> (1, 2); 1 -> (3, 4); 4 -> (5, 6), as in treelayout.test.ts. Node 2 is a merged split.
const NODES: TreeNodes = {
  yes: [1, 3, -1, -1, 5, -1, -1],
  no: [2, 4, -1, -1, 6, -1, -1],
  test: ["shape = heart", "scale <= 0.7", "", "", "posX <= 3", "", ""],
  value: [0, 1, 2, 0, 1, 1, 2],
  count: [8, 6, 2, 2, 4, 3, 1],
  dist: [3, 3, 2, 3, 3, 0, 0, 0, 2, 2, 0, 0, 1, 3, 0, 0, 3, 0, 1, 0, 0],
  nClasses: 3,
  merged: [[], [], ["scale <= 0.9"], [], [], [], []],
};
const NAMES = ["square", "ellipse", "heart"];

/** A full binary tree with `leaves` leaves (a comb would be deep; this is wide). */
function wide(leaves: number): TreeNodes {
  const yes: number[] = [];
  const no: number[] = [];
  const test: string[] = [];
  let next = 1;
  const queue = [0];
  let open = 1;
  yes[0] = no[0] = -1;
  while (open < leaves) {
    const i = queue.shift()!;
    yes[i] = next;
    no[i] = next + 1;
    yes[next] = no[next] = yes[next + 1] = no[next + 1] = -1;
    queue.push(next, next + 1);
    next += 2;
    open += 1;
  }
  for (let i = 0; i < yes.length; i++) test.push(yes[i] >= 0 ? `shape = ellipse ${i}` : "");
  return { yes, no, test, value: yes.map((_, i) => i % 18), count: yes.map(() => 10) };
}

function mount(opts: Partial<ConstructorParameters<typeof TreeView>[1]> = {}) {
  const root = document.createElement("div");
  root.className = "xai-root";
  document.body.append(root);
  const ac = new AbortController();
  const view = new TreeView(root, { nodes: NODES, classNames: NAMES, ...opts }, ac.signal);
  view.draw();
  return { root, view, ac };
}

afterEach(() => document.body.replaceChildren());

describe("TreeView", () => {
  it("draws one group per visible node, tests as text and leaves as their class", () => {
    const { root } = mount({ orientation: "top-down" });
    const nodes = [...root.querySelectorAll<SVGGElement>("g.xai-node")];
    expect(nodes.map((n) => Number(n.dataset.node))).toEqual([0, 1, 3, 4, 5, 6, 2]);
    expect(root.querySelector('g.xai-node[data-node="3"] text.xai-node-test')!.textContent).toBe("→ square");
    expect(root.querySelector('g.xai-node[data-node="0"] text.xai-node-meta')!.textContent).toBe("n=8");
    expect(root.querySelectorAll("path.xai-edge")).toHaveLength(6);
    expect([...root.querySelectorAll("text.xai-edge-label")].map((t) => t.textContent).slice(0, 2)).toEqual(["yes", "no"]);
  });

  it("lays out top-down or left-to-right; auto picks left-to-right when top-down is too wide", () => {
    const td = mount({ orientation: "top-down" });
    const lr = mount({ orientation: "left-right" });
    const pos = (root: HTMLElement, i: number) => {
      const t = root.querySelector(`g.xai-node[data-node="${i}"]`)!.getAttribute("transform")!;
      const [x, y] = t.match(/translate\(([-\d.]+),([-\d.]+)\)/)!.slice(1).map(Number);
      return { x, y };
    };
    // top-down: a child is below its parent; left-right: to its right
    expect(pos(td.root, 1).y).toBeGreaterThan(pos(td.root, 0).y);
    expect(pos(lr.root, 1).x).toBeGreaterThan(pos(lr.root, 0).x);
    expect(pos(lr.root, 1).y).toBeLessThan(pos(lr.root, 2).y); // yes above no
    expect(td.view.orientation).toBe("top-down");
    expect(lr.root.querySelector("svg.xai-tree")!.getAttribute("data-orientation")).toBe("left-right");
    // a small tree fits top-down at the default width; 18 leaves do not
    expect(mount().view.orientation).toBe("top-down");
    const big = mount({ nodes: wide(18) });
    expect(big.view.orientation).toBe("left-right");
    big.view.setOrientation("top-down");
    expect(big.view.orientation).toBe("top-down");
  });

  it("keeps every font at least 11 px: the drawing grows and the container scrolls instead", () => {
    const { root, view } = mount({ nodes: wide(18), collapsed: [0] });
    const sizes = () => [...root.querySelectorAll("svg.xai-tree text")].map((t) => Number(t.getAttribute("font-size")) * view.scale);
    expect(Math.min(...sizes())).toBeGreaterThanOrEqual(MIN_FONT_PX);
    expect(Math.min(...Object.values(TREE_FONT))).toBeGreaterThanOrEqual(MIN_FONT_PX);
    const svg = root.querySelector("svg.xai-tree")!;
    const before = Number(svg.getAttribute("height")) * Number(svg.getAttribute("width"));
    view.expandAll();
    expect(root.querySelectorAll("g.xai-node")).toHaveLength(35);
    expect(view.scale).toBe(1); // "expand all" does not zoom out
    expect(view.minFontPx()).toBeGreaterThanOrEqual(MIN_FONT_PX);
    expect(Math.min(...sizes())).toBeGreaterThanOrEqual(MIN_FONT_PX);
    expect(Number(svg.getAttribute("height")) * Number(svg.getAttribute("width"))).toBeGreaterThan(4 * before);
    expect(root.querySelector<HTMLElement>(".xai-treeview")!.style.maxHeight).toBe("720px");
    // zoom out stops at legible text; zoom in scales the drawing
    view.zoom(0.5);
    expect(view.scale).toBe(1);
    expect(view.canZoomOut).toBe(false);
    view.zoom(1.5);
    expect(view.scale).toBe(1.5);
    expect(root.querySelector("g.xai-viewport")!.getAttribute("transform")).toContain("scale(1.5)");
    view.resetView();
    expect(view.scale).toBe(1);
  });

  it("a merged split is drawn as one leaf that says so", () => {
    const { root, view } = mount();
    const merged = root.querySelector<SVGGElement>('g.xai-node[data-node="2"]')!;
    expect(merged.classList.contains("xai-merged")).toBe(true);
    expect(merged.classList.contains("xai-leaf")).toBe(true);
    expect(merged.querySelector("text.xai-node-test")!.textContent).toBe("→ heart");
    expect(merged.querySelector("text.xai-node-note")!.textContent).toBe("1 split merged");
    const tip = view.nodeTip(2).map(String).join("\n");
    expect(tip).toContain("scale <= 0.9");
    expect(tip).toContain("predicts heart");
    expect(root.querySelectorAll("text.xai-node-note")).toHaveLength(1);
    // the tooltip at the cursor says the same
    merged.querySelector("rect.xai-box")!.dispatchEvent(new MouseEvent("mousemove", { bubbles: true, clientX: 5, clientY: 5 }));
    const el = root.querySelector<HTMLElement>(".xai-tooltip")!;
    expect(el.hidden).toBe(false);
    expect(el.textContent).toContain("merged for display");
  });

  it("each bar segment has its own tooltip: class, count and share", () => {
    const { root } = mount();
    const segs = [...root.querySelectorAll<SVGRectElement>('g.xai-node[data-node="0"] rect.xai-seg')];
    expect(segs.map((r) => r.getAttribute("data-class"))).toEqual(["0", "1", "2"]);
    const tip = root.querySelector<HTMLElement>(".xai-tooltip")!;
    segs[2].dispatchEvent(new MouseEvent("mousemove", { bubbles: true, clientX: 10, clientY: 10 }));
    expect(tip.hidden).toBe(false);
    expect(tip.textContent).toBe("heart 2 of 8 (25.0%)");
    segs[0].dispatchEvent(new MouseEvent("mousemove", { bubbles: true, clientX: 12, clientY: 10 }));
    expect(tip.textContent).toBe("square 3 of 8 (37.5%)");
    root.querySelector('g.xai-node[data-node="0"]')!.dispatchEvent(new MouseEvent("mouseleave"));
    expect(tip.hidden).toBe(true);
  });

  it("selection, path and links are classes; toggles collapse locally and report", () => {
    const toggled: [number, boolean][] = [];
    const selected: number[] = [];
    const { root, view } = mount({ onToggle: (i, c) => toggled.push([i, c]), onSelect: (i) => selected.push(i) });
    view.decorate({ selected: 1, path: [0, 1, 4], linked: [4] });
    const cls = (i: number) => root.querySelector(`g.xai-node[data-node="${i}"]`)!.classList;
    expect(cls(1).contains("xai-selected") && cls(4).contains("xai-path") && cls(4).contains("xai-linked")).toBe(true);
    expect(root.querySelectorAll("path.xai-edge.xai-path")).toHaveLength(2);
    root.querySelector('g.xai-node[data-node="1"] .xai-toggle')!.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    expect(toggled).toEqual([[1, true]]);
    expect(root.querySelectorAll("g.xai-node")).toHaveLength(3);
    expect(cls(1).contains("xai-selected")).toBe(true); // decorations survive a redraw
    expect(view.reveal(5)).toBe(true);
    expect(root.querySelectorAll("g.xai-node")).toHaveLength(7);
    root.querySelector('g.xai-node[data-node="3"]')!.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    expect(selected).toEqual([3]);
  });

  it("text from data is never markup", () => {
    const { root } = mount({ nodes: { ...NODES, test: ["<b>x</b> = 1", "", "", "", "", "", ""], yes: [1, -1, -1, -1, -1, -1, -1], no: [2, -1, -1, -1, -1, -1, -1] }, classNames: ["<img src=x>", "a", "b"] });
    expect(root.querySelector("svg b, svg img")).toBeNull();
    expect(root.querySelector("text.xai-node-test")!.textContent).toBe("<b>x</b> = 1");
  });
});

describe("class palette", () => {
  const groups = { group: Array.from({ length: 18 }, (_, i) => Math.floor(i / 6)), level: Array.from({ length: 18 }, (_, i) => i % 6) };

  it("shape@scale classes: a hue per shape, lighter to darker per scale, all distinct", () => {
    const p = classPalette(18, groups);
    expect(new Set(p).size).toBe(18);
    let within = Infinity;
    let across = Infinity;
    for (let i = 0; i < 18; i++) {
      for (let j = i + 1; j < 18; j++) {
        const d = deltaE(p[i], p[j]);
        if (groups.group[i] === groups.group[j]) within = Math.min(within, d);
        else across = Math.min(across, d);
      }
    }
    expect(within).toBeGreaterThan(8); // neighbouring scales of one shape still differ
    expect(across).toBeGreaterThan(30); // two shapes never look alike
    for (let g = 0; g < 3; g++) {
      const L = p.slice(6 * g, 6 * g + 6).map((c) => toOklch(c)[0]);
      for (let k = 1; k < 6; k++) expect(L[k]).toBeLessThan(L[k - 1]); // larger scale: darker
    }
    // fixed values: xaiwidgets/widgets/tree.py class_palette must give the same (static snapshots)
    expect(p.slice(0, 6)).toEqual(["#fec39b", "#fe9a4e", "#e17f30", "#c56502", "#a05206", "#7f3f00"]);
    expect(p[12]).toBe("#feb6ed");
  });

  it("the path highlight is distinct from every class colour, structured or not", () => {
    for (const p of [classPalette(18, groups), classPalette(3), classPalette(8), classPalette(20)]) {
      for (const c of p) expect(deltaE(c, TREE_PATH_COLOR)).toBeGreaterThan(30);
    }
    const pathHue = toOklch(TREE_PATH_COLOR)[2];
    for (const h of GROUP_HUES) expect(Math.min(Math.abs(h - pathHue), 360 - Math.abs(h - pathHue))).toBeGreaterThan(50);
  });

  it("without structure: separated hues, then lighter and darker rounds", () => {
    const p = classPalette(8);
    let min = Infinity;
    for (let i = 0; i < 8; i++) for (let j = i + 1; j < 8; j++) min = Math.min(min, deltaE(p[i], p[j]));
    expect(min).toBeGreaterThan(20);
    expect(new Set(classPalette(24)).size).toBe(24);
    expect(classPalette(3)).toEqual(["#d97e38", "#5bae5f", "#cc75ba"]);
  });
});
