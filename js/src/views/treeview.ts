// TreeView: the SVG drawing of a binary tree whose nodes carry a test in words and a class
// distribution bar. Shared by the concept tree (tree.ts) and MEME's transition trees
// (timeline.ts). It draws and decorates; it computes nothing about the model (merged splits,
// counts and tests come from Python). See js/README.md "TreeView".
//
//   const view = new TreeView(container, { nodes, classNames, onSelect }, signal);
//   view.draw();                                   // lay out and draw the visible nodes
//   view.decorate({ selected: 3, path: [0, 1, 3] }); // classes only, no redraw
//
// Readable at any size: the drawing keeps its natural size (smallest text MIN_FONT_PX) and the
// container scrolls; zoom goes from 1 (legible) up, never below.
import CSS from "./treeview.css";
import { roving, type Roving } from "../lib/a11y";
import { classPalette, TREE_PATH_COLOR } from "../lib/colormap";
import { h, s } from "../lib/dom";
import { className } from "../lib/format";
import { Tooltip, type TipLine } from "../lib/tooltip";
import {
  collapsedBeyond,
  depthsOf,
  isLeaf,
  layoutTree,
  nodeCount,
  parentsOf,
  preorder,
  revealed,
  type Orientation,
  type TreeLayout,
} from "../lib/treelayout";

export type { Orientation };

/** What a node shows. Arrays are indexed by node id (node 0 the root). */
export interface TreeNodes {
  /** Children where the test holds / fails; -1 (on both) for a leaf. */
  yes: ArrayLike<number>;
  no: ArrayLike<number>;
  /** The test in words (first line of an internal node); "" for leaves. */
  test: readonly string[];
  /** Class code each node predicts (index into `classNames`; < 0: none). Leaves read "→ class". */
  value?: ArrayLike<number>;
  /** Samples reaching each node (the default second line "n=…"). */
  count?: ArrayLike<number>;
  /** (M, nClasses) row-major counts per class: the bar, one segment (and tooltip) per class. */
  dist?: ArrayLike<number>;
  nClasses?: number;
  /** Second line per node, replacing "n=<count>". */
  meta?: readonly string[];
  /** Splits merged into each node for display (their tests); a node with any says so. */
  merged?: readonly (readonly string[])[];
  /** Third line per node ("" for none); defaults to "k split(s) merged" for merged nodes. */
  note?: readonly string[];
  /** Extra tooltip lines of each node. */
  tip?: readonly (readonly TipLine[])[];
  /** What a screen reader says for each node (default: its test or prediction, its second line
   * and its class counts). */
  label?: readonly string[];
}

export interface TreeViewOptions {
  nodes: TreeNodes;
  classNames: readonly string[];
  /** Colour of class c (default: `classPalette(classNames.length, classGroups)`). */
  classColor?: (c: number) => string;
  /** "auto" (default): top-down when it fits the container's width, else left-right. */
  orientation?: Orientation | "auto";
  /** Internal nodes drawn collapsed at first (default: none). */
  collapsed?: Iterable<number>;
  /** Edge labels for the yes / no child (default "yes", "no"). */
  edgeLabels?: [yes: string, no: string];
  /** Height of the scrolling container in px (default 720). */
  maxHeight?: number;
  /** Shared tooltip (default: one in the closest `.xai-root`, else the container). */
  tooltip?: Tooltip;
  /** Tooltip lines of a bar segment (default: "class: v of total (p %)"). */
  segmentTip?: (node: number, cls: number, count: number, total: number) => TipLine[];
  /** A click on a node's box. */
  onSelect?: (node: number) => void;
  /** Pointer enters a node (its id) or leaves it (-1). */
  onHover?: (node: number) => void;
  /** After a node was collapsed or expanded by its toggle. */
  onToggle?: (node: number, collapsed: boolean) => void;
  /** Escape pressed on a node (e.g. clear the selection). */
  onEscape?: () => void;
  /** Name of the tree for screen readers (default "tree"). */
  label?: string;
}

/** Decorations: a selected node, a highlighted path, linked nodes (e.g. testing one concept). */
export interface TreeDecoration {
  selected?: number;
  path?: Iterable<number>;
  linked?: Iterable<number>;
}

/** Font sizes in px at zoom 1; the smallest is the legibility floor. */
export const TREE_FONT = { test: 12.5, meta: 11, note: 11, edge: 11, toggle: 12 } as const;
export const MIN_FONT_PX = 11;
const MIN_SCALE = MIN_FONT_PX / Math.min(...Object.values(TREE_FONT));
const MAX_SCALE = 3;
const PAD = 6; // inside a box
const MARGIN = 10; // around the drawing
const BAR_H = 10;
/** Baselines of the two text lines and the top of the bar, from a box's top edge. */
const LINE = { test: 16, meta: 30, bar: 35 };
const NODE_W = { min: 84, max: 200 };
const GAP = {
  "top-down": { gapX: 12, gapY: 30 },
  "left-right": { gapX: 20, gapY: 8 },
};
/** Width the container is assumed to have before it is attached (JupyterLab's default). */
const DEFAULT_WIDTH = 950;

/** The tree styles (treeview.css) and the path colour, one constant shared with the tests. */
export const TREE_CSS = `${CSS}.xai-root { --xai-tree-path: ${TREE_PATH_COLOR}; }\n`;

let measureCtx: CanvasRenderingContext2D | null | undefined;

/** Width of `text` in px: measured with the page's font where a canvas exists, else estimated
 * (test DOMs) from an average glyph width. */
export function textWidth(text: string, px: number, bold = false, family = ""): number {
  if (measureCtx === undefined) {
    try {
      measureCtx = typeof document !== "undefined" ? document.createElement("canvas").getContext("2d") : null;
    } catch {
      measureCtx = null;
    }
  }
  if (measureCtx && family) {
    measureCtx.font = `${bold ? "600 " : ""}${px}px ${family}`;
    const w = measureCtx.measureText(text).width;
    if (w > 0) return w;
  }
  return text.length * px * (bold ? 0.64 : 0.6);
}

/** `text` cut (with an ellipsis) to fit `max` px. */
function fitText(text: string, max: number, px: number, bold: boolean, family: string): string {
  if (textWidth(text, px, bold, family) <= max) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (textWidth(`${text.slice(0, mid)}…`, px, bold, family) <= max) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

/** lib/a11y.ts types its items as HTML elements; SVG elements have the same focus, tabIndex and
 * dataset members it uses. */
const asItem = (el: Element): HTMLElement => el as unknown as HTMLElement;

const pct = (v: number) => `${(100 * v).toFixed(v >= 0.9995 || v === 0 ? 0 : 1)}%`;

export class TreeView {
  /** The scrolling container (`.xai-treeview`), appended to the container given. */
  readonly el: HTMLDivElement;
  readonly svg: SVGSVGElement;
  /** The drawing, scaled by the zoom (`g.xai-viewport`). */
  readonly viewport: SVGGElement;
  readonly tooltip: Tooltip;
  private opts: TreeViewOptions;
  private parent: Int32Array = new Int32Array(0);
  private depth: Int32Array = new Int32Array(0);
  private depthW: number[] = [];
  private collapsedSet = new Set<number>();
  private layout: TreeLayout | null = null;
  private geom = { nodeW: NODE_W.min, nodeH: 54, note: false };
  private resolved: Orientation = "top-down";
  private zoomScale = MIN_SCALE;
  private deco: TreeDecoration = {};
  private measuredWith = "";
  private colors: string[] = [];
  private scrolled = false; // scrolled to the root once the container has a size
  /** Keyboard: the visible nodes are one Tab stop (a WAI-ARIA tree); arrows move between them. */
  private readonly keys: Roving;

  constructor(container: HTMLElement, opts: TreeViewOptions, private readonly signal: AbortSignal) {
    this.opts = opts;
    this.svg = s("svg", { class: "xai-tree", role: "tree", "aria-label": opts.label ?? "tree" });
    this.viewport = s("g", { class: "xai-viewport", role: "none" });
    this.svg.append(this.viewport);
    this.el = h("div", { class: "xai-treeview" }, [this.svg]);
    this.el.style.maxHeight = `${opts.maxHeight ?? 720}px`;
    container.append(this.el);
    const root = container.closest<HTMLElement>(".xai-root") ?? container;
    this.tooltip = opts.tooltip ?? new Tooltip(root);
    this.setNodes(opts.nodes, opts.collapsed);
    this.attachPanZoom();
    this.keys = this.attachKeys();
  }

  // ------------------------------------------------------------------ state
  /** Replaces the tree (and optionally the collapsed set); call draw() after. */
  setNodes(nodes: TreeNodes, collapsed?: Iterable<number>): void {
    this.opts = { ...this.opts, nodes };
    this.parent = parentsOf(nodes);
    this.depth = depthsOf(nodes);
    this.collapsedSet = new Set(collapsed ?? []);
    this.colors = [];
  }

  /** Changes options (class names, colours, orientation, callbacks); call draw() after. */
  update(opts: Partial<TreeViewOptions>): void {
    if (opts.nodes) this.setNodes(opts.nodes, opts.collapsed);
    else if (opts.collapsed) this.collapsedSet = new Set(opts.collapsed);
    this.opts = { ...this.opts, ...opts, nodes: this.opts.nodes };
    this.colors = [];
  }

  get nodes(): TreeNodes {
    return this.opts.nodes;
  }

  get collapsed(): ReadonlySet<number> {
    return this.collapsedSet;
  }

  /** The orientation in use ("auto" resolved against the container's width). */
  get orientation(): Orientation {
    return this.resolved;
  }

  get scale(): number {
    return this.zoomScale;
  }

  /** Smallest font of the drawing in rendered px (never below MIN_FONT_PX). */
  minFontPx(): number {
    return Math.min(...Object.values(TREE_FONT)) * this.zoomScale;
  }

  /** Parent of every node (-1 for the root). */
  parents(): Int32Array {
    return this.parent;
  }

  colorOf(c: number): string {
    if (this.opts.classColor) return this.opts.classColor(c);
    if (!this.colors.length) this.colors = classPalette(Math.max(this.opts.classNames.length, this.opts.nodes.nClasses ?? 0));
    return this.colors[c] ?? "#888888";
  }

  setOrientation(o: Orientation | "auto"): void {
    this.opts = { ...this.opts, orientation: o };
    this.draw();
  }

  /** Collapses every internal node at depth >= `depth`. */
  collapseBelow(depth: number): void {
    this.collapsedSet = collapsedBeyond(this.opts.nodes, depth);
    this.draw();
  }

  expandAll(): void {
    this.collapsedSet = new Set();
    this.draw();
  }

  setCollapsed(nodes: Iterable<number>): void {
    this.collapsedSet = new Set(nodes);
    this.draw();
  }

  toggle(node: number): void {
    if (this.collapsedSet.has(node)) this.collapsedSet.delete(node);
    else this.collapsedSet.add(node);
    this.draw();
    this.opts.onToggle?.(node, this.collapsedSet.has(node));
  }

  /** Expands the ancestors of `node` so it shows; redraws (and returns true) if anything opened. */
  reveal(node: number): boolean {
    const before = this.collapsedSet.size;
    this.collapsedSet = revealed(this.collapsedSet, this.parent, node);
    if (this.collapsedSet.size === before) return false;
    this.draw();
    return true;
  }

  // ------------------------------------------------------------------ drawing
  private family(): string {
    if (!this.svg.isConnected || typeof getComputedStyle === "undefined") return "";
    try {
      return getComputedStyle(this.svg).fontFamily || "";
    } catch {
      return "";
    }
  }

  private label(i: number): string {
    const t = this.opts.nodes;
    const test = t.test[i] ?? "";
    if (test || !isLeaf(t, i)) return test;
    const v = t.value ? Number(t.value[i]) : -1;
    return v >= 0 ? `→ ${className(this.opts.classNames, v)}` : "";
  }

  private meta(i: number): string {
    const t = this.opts.nodes;
    if (t.meta) return t.meta[i] ?? "";
    return t.count ? `n=${t.count[i]}` : "";
  }

  private note(i: number): string {
    const t = this.opts.nodes;
    if (t.note && t.note[i]) return t.note[i];
    const k = t.merged?.[i]?.length ?? 0;
    return k ? `${k} split${k > 1 ? "s" : ""} merged` : "";
  }

  private containerWidth(): number {
    const w = this.el.clientWidth || this.el.getBoundingClientRect?.().width || 0;
    return w > 0 ? w : DEFAULT_WIDTH;
  }

  /** Lays out and draws the visible tree (keeps collapse state, zoom and decorations). */
  draw(): void {
    const t = this.opts.nodes;
    const family = this.family();
    this.measuredWith = family;
    const visible = preorder(t, this.collapsedSet);
    const widest: number[] = []; // per depth
    let note = false;
    for (const i of visible) {
      const d = this.depth[i];
      let w = Math.max(textWidth(this.label(i), TREE_FONT.test, false, family),
        textWidth(this.meta(i), TREE_FONT.meta, false, family));
      const n = this.note(i);
      if (n) {
        note = true;
        w = Math.max(w, textWidth(n, TREE_FONT.note, false, family));
      }
      widest[d] = Math.max(widest[d] ?? 0, w);
    }
    const fit = (w: number) => Math.ceil(Math.max(NODE_W.min, Math.min(NODE_W.max, w + 2 * PAD + 2)));
    const depthW = Array.from(widest, (w) => fit(w ?? 0));
    const nodeW = Math.max(NODE_W.min, ...depthW);
    const nodeH = LINE.bar + BAR_H + PAD + (note ? 15 : 0);
    this.geom = { nodeW, nodeH, note };
    const want = this.opts.orientation ?? "auto";
    // top-down rows share one box width; left-to-right columns are each as wide as they need
    const lay = (o: Orientation) => layoutTree(t, this.collapsedSet, { nodeW, nodeH, ...GAP[o], orientation: o, depthW });
    if (want === "auto") {
      const td = lay("top-down");
      const avail = this.containerWidth() - 2 * MARGIN - 4;
      if (td.width <= avail) {
        this.resolved = "top-down";
        this.layout = td;
      } else {
        const lr = lay("left-right");
        // left-right when it is narrower; a deep and narrow tree stays top-down
        this.resolved = lr.width < td.width ? "left-right" : "top-down";
        this.layout = this.resolved === "left-right" ? lr : td;
      }
    } else {
      this.resolved = want;
      this.layout = lay(want);
    }
    this.svg.dataset.orientation = this.resolved;
    this.depthW = this.resolved === "left-right" ? depthW : [];
    // edges repeat what aria-level and the node labels say: hidden from screen readers
    const edges = s("g", { class: "xai-edges", "aria-hidden": "true" });
    const boxes = s("g", { class: "xai-nodes", role: "none" });
    const [yesLabel, noLabel] = this.opts.edgeLabels ?? ["yes", "no"];
    const L = this.layout;
    const lr = this.resolved === "left-right";
    for (const i of L.visible) {
      if (isLeaf(t, i) || this.collapsedSet.has(i)) continue;
      for (const [child, text, isYes] of [[t.yes[i], yesLabel, true], [t.no[i], noLabel, false]] as const) {
        let d: string;
        let lx: number;
        let ly: number;
        let anchor: string;
        if (lr) {
          const x1 = L.x[i] + this.boxW(i) / 2;
          const y1 = L.y[i] + nodeH / 2;
          const x2 = L.x[child] - this.boxW(child) / 2;
          const y2 = L.y[child] + nodeH / 2;
          const mx = (x1 + x2) / 2;
          d = `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
          lx = x2 - 3;
          ly = y2 + (isYes ? -4 : 12);
          anchor = "end";
        } else {
          const x1 = L.x[i];
          const y1 = L.y[i] + nodeH;
          const x2 = L.x[child];
          const y2 = L.y[child];
          const my = (y1 + y2) / 2;
          d = `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}`;
          lx = (x1 + x2) / 2 + (isYes ? -5 : 5);
          ly = my + 4;
          anchor = isYes ? "end" : "start";
        }
        edges.append(s("path", { class: "xai-edge", "data-from": i, "data-to": child, d }));
        edges.append(s("text", { class: "xai-edge-label", x: lx, y: ly, "text-anchor": anchor, "font-size": TREE_FONT.edge, text }));
      }
    }
    for (const i of L.visible) boxes.append(this.nodeGroup(i, family));
    const focused = this.focusedNode();
    this.viewport.replaceChildren(edges, boxes);
    this.applyZoom();
    this.decorate(this.deco);
    // the redraw replaced the focused node's element: the new one keeps the Tab stop (and focus)
    const keep = focused >= 0 ? this.nodeEl(focused) : null;
    if (keep) this.keys.setCurrent(asItem(keep), true);
    else this.keys.refresh();
    if (!this.scrolled && this.el.clientWidth > 0) {
      this.scrolled = true;
      this.scrollTo(0);
    }
  }

  private nodeGroup(i: number, family: string): SVGGElement {
    const t = this.opts.nodes;
    const L = this.layout!;
    const { nodeH } = this.geom;
    const nodeW = this.boxW(i);
    const leaf = isLeaf(t, i);
    const merged = (t.merged?.[i]?.length ?? 0) > 0;
    const x0 = L.x[i] - nodeW / 2;
    const y0 = L.y[i];
    const cls = `xai-node${leaf ? " xai-leaf" : ""}${merged ? " xai-merged" : ""}`;
    const gi = s("g", { class: cls, "data-node": i, transform: `translate(${x0},${y0})`, role: "treeitem",
      "aria-level": this.depth[i] + 1, tabindex: -1 });
    const label = this.label(i);
    const p = this.parent[i];
    if (p >= 0) {
      gi.setAttribute("aria-setsize", "2");
      gi.setAttribute("aria-posinset", t.yes[p] === i ? "1" : "2");
    }
    if (!leaf) gi.setAttribute("aria-expanded", String(!this.collapsedSet.has(i)));
    const inner = nodeW - 2 * PAD;
    const box = s("rect", { class: "xai-box", width: nodeW, height: nodeH, rx: 4 });
    const shown = [fitText(label, inner, TREE_FONT.test, false, family), fitText(this.meta(i), inner, TREE_FONT.meta, false, family)];
    const test = s("text", { class: "xai-node-test", x: PAD, y: LINE.test, "font-size": TREE_FONT.test, text: shown[0] });
    const meta = s("text", { class: "xai-node-meta", x: PAD, y: LINE.meta, "font-size": TREE_FONT.meta, text: shown[1] });
    const bar = this.distBar(i, PAD, LINE.bar, inner);
    // spaces between the lines: the text as read (e.g. by voice control) keeps its words apart
    gi.append(box, test, " ", meta, " ", bar);
    const note = this.note(i);
    if (note) {
      shown.push(fitText(note, inner, TREE_FONT.note, false, family));
      gi.append(" ", s("text", { class: "xai-node-note", x: PAD, y: LINE.bar + BAR_H + 13, "font-size": TREE_FONT.note, text: shown[2] }));
    }
    gi.setAttribute("aria-label", this.ariaLabel(i, shown));
    if (!leaf) {
      const closed = this.collapsedSet.has(i);
      const [tx, ty] = this.resolved === "left-right" ? [nodeW, nodeH / 2] : [nodeW / 2, nodeH];
      // aria-hidden: the node's aria-expanded and Left / Right are the toggle for the keyboard
      const tg = s("g", { class: "xai-toggle", "data-node": i, transform: `translate(${tx},${ty})`, "aria-hidden": "true" }, [
        s("circle", { r: 8 }),
        s("text", { "text-anchor": "middle", y: 4, "font-size": TREE_FONT.toggle, text: closed ? "+" : "−" }),
      ]);
      tg.addEventListener("click", (ev) => {
        ev.stopPropagation();
        this.toggle(i);
      }, { signal: this.signal });
      gi.append(tg);
    }
    gi.addEventListener("click", () => this.opts.onSelect?.(i), { signal: this.signal });
    gi.addEventListener("mouseenter", () => this.opts.onHover?.(i), { signal: this.signal });
    gi.addEventListener("mouseleave", () => {
      this.tooltip.hide();
      this.opts.onHover?.(-1);
    }, { signal: this.signal });
    box.addEventListener("mousemove", (ev) => this.tooltip.show(ev, this.nodeTip(i)), { signal: this.signal });
    return gi;
  }

  /**
   * What a screen reader says for node i: the lines drawn (`shown`, as drawn: the name contains
   * the visible words, so voice control finds the node by them), the full test when the box cut
   * it, then `nodes.label[i]` or the class counts of its bar.
   */
  ariaLabel(i: number, shown: readonly string[] = [this.label(i), this.meta(i), this.note(i)]): string {
    const t = this.opts.nodes;
    const parts = [shown.filter((x) => x).join(", ") || `node ${i}`];
    const full = this.label(i);
    if (shown[0] !== undefined && shown[0] !== full) parts.push(full);
    if (t.label?.[i]) return [...parts, t.label[i]].join("; ");
    const C = t.nClasses ?? 0;
    if (t.dist && C) {
      const counts: string[] = [];
      for (let c = 0; c < C; c++) {
        const v = Number(t.dist[i * C + c]) || 0;
        if (v) counts.push(`${className(this.opts.classNames, c)} ${v}`);
      }
      if (counts.length) parts.push(counts.join(", "));
    }
    return parts.join("; ");
  }

  /** The element drawn for node i (null when it is hidden in a collapsed subtree). */
  nodeEl(i: number): SVGGElement | null {
    return this.viewport.querySelector<SVGGElement>(`g.xai-node[data-node="${i}"]`);
  }

  /** The node that has keyboard focus (-1: none). */
  private focusedNode(): number {
    const a = typeof document !== "undefined" ? document.activeElement : null;
    if (!(a instanceof Element) || !this.viewport.contains(a)) return -1;
    const g = a.closest<SVGGElement>("g.xai-node");
    return g ? Number(g.dataset.node) : -1;
  }

  /** Focuses node i (revealing it) and makes it the tree's Tab stop. */
  focusNode(i: number): void {
    this.reveal(i);
    const el = this.nodeEl(i);
    if (!el) return;
    this.keys.setCurrent(asItem(el), true);
    this.scrollTo(i);
  }

  /**
   * The WAI-ARIA tree pattern: Up / Down move through the visible nodes in reading order,
   * Home / End to the first / last; Right expands a collapsed node or goes to its first child;
   * Left collapses an open node or goes to its parent; Enter / Space select (as a click does);
   * Escape calls `onEscape`.
   */
  private attachKeys(): Roving {
    const nodeOf = (el: HTMLElement) => Number(el.dataset.node);
    return roving(asItem(this.svg), {
      items: () => {
        const out: HTMLElement[] = [];
        for (const i of preorder(this.opts.nodes, this.collapsedSet)) {
          const el = this.nodeEl(i);
          if (el) out.push(el as unknown as HTMLElement);
        }
        return out;
      },
      orientation: "vertical",
      activate: (el) => this.opts.onSelect?.(nodeOf(el)),
      escape: () => this.opts.onEscape?.(),
      // the least scrolling that shows the node (centering on every arrow press would jump)
      focus: (el) => el.scrollIntoView?.({ block: "nearest", inline: "nearest" }),
      move: (el, e) => {
        if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return undefined;
        const t = this.opts.nodes;
        const i = nodeOf(el);
        const leaf = isLeaf(t, i);
        const closed = this.collapsedSet.has(i);
        if (e.key === "ArrowRight") {
          if (leaf) return null;
          if (closed) this.toggle(i); // the redraw keeps the focus on i's new element
          return this.nodeEl(closed ? i : t.yes[i]) as unknown as HTMLElement | null;
        }
        if (!leaf && !closed) {
          this.toggle(i);
          return this.nodeEl(i) as unknown as HTMLElement | null;
        }
        return this.parent[i] >= 0 ? this.nodeEl(this.parent[i]) as unknown as HTMLElement | null : null;
      },
    }, this.signal);
  }

  /** Width of node i's box: its column's in left-to-right, the common one top-down. */
  private boxW(i: number): number {
    return this.depthW[this.depth[i]] ?? this.geom.nodeW;
  }

  /** Tooltip lines of a node: its full label, counts and, for merged nodes, what was merged. */
  nodeTip(i: number): TipLine[] {
    const t = this.opts.nodes;
    const lines: TipLine[] = [this.label(i)];
    const meta = this.meta(i);
    if (meta) lines.push(meta);
    const merged = t.merged?.[i] ?? [];
    if (merged.length) {
      const v = t.value ? Number(t.value[i]) : -1;
      lines.push(`merged for display: every side of ${merged.length === 1 ? "this split" : "these splits"} predicts ${className(this.opts.classNames, v)}`);
      for (const m of merged) lines.push(`  ${m}`);
    }
    for (const line of t.tip?.[i] ?? []) lines.push(line);
    return lines;
  }

  private distBar(i: number, x: number, y: number, w: number): SVGGElement {
    const t = this.opts.nodes;
    const g = s("g", { class: "xai-dist-bar" });
    const C = t.nClasses ?? 0;
    if (!t.dist || !C) return g;
    let total = 0;
    for (let c = 0; c < C; c++) total += Number(t.dist[i * C + c]) || 0;
    let cx = x;
    for (let c = 0; c < C && total; c++) {
      const v = Number(t.dist[i * C + c]) || 0;
      if (!v) continue;
      const cw = (w * v) / total;
      const seg = s("rect", { class: "xai-seg", x: cx, y, width: cw, height: BAR_H, fill: this.colorOf(c), "data-class": c });
      seg.addEventListener("mousemove", (ev) => {
        ev.stopPropagation();
        this.tooltip.show(ev, this.opts.segmentTip ? this.opts.segmentTip(i, c, v, total) : [[className(this.opts.classNames, c), `${v} of ${total} (${pct(v / total)})`]]);
      }, { signal: this.signal });
      g.append(seg);
      cx += cw;
    }
    g.append(s("rect", { class: "xai-bar-frame", x, y, width: w, height: BAR_H }));
    return g;
  }

  /** Sets the selected node, the highlighted path and the linked nodes (classes only). */
  decorate(d: TreeDecoration = this.deco): void {
    this.deco = d;
    const path = new Set(d.path ?? []);
    const linked = new Set(d.linked ?? []);
    for (const n of this.viewport.querySelectorAll<SVGGElement>("g.xai-node")) {
      const i = Number(n.dataset.node);
      n.classList.toggle("xai-path", path.has(i));
      n.classList.toggle("xai-selected", i === d.selected);
      n.setAttribute("aria-selected", String(i === d.selected));
      n.classList.toggle("xai-linked", linked.has(i));
    }
    for (const e of this.viewport.querySelectorAll<SVGPathElement>("path.xai-edge")) {
      e.classList.toggle("xai-path", path.has(Number(e.dataset.from)) && path.has(Number(e.dataset.to)));
    }
  }

  // ------------------------------------------------------------------ zoom and pan
  private applyZoom(): void {
    const L = this.layout;
    const w = ((L?.width ?? 0) + 2 * MARGIN) * this.zoomScale;
    const hh = ((L?.height ?? 0) + 2 * MARGIN) * this.zoomScale;
    this.svg.setAttribute("width", String(Math.ceil(w)));
    this.svg.setAttribute("height", String(Math.ceil(hh)));
    this.viewport.setAttribute("transform", `scale(${this.zoomScale}) translate(${MARGIN},${MARGIN})`);
  }

  /** Multiplies the zoom by `f` (clamped to [legible, 3]) keeping the point (px, py) of the
   * container (default its centre) in place. */
  zoom(f: number, px?: number, py?: number): void {
    const old = this.zoomScale;
    const next = Math.max(MIN_SCALE, Math.min(MAX_SCALE, old * f));
    if (next === old) return;
    const cx = px ?? this.el.clientWidth / 2;
    const cy = py ?? this.el.clientHeight / 2;
    const sx = this.el.scrollLeft;
    const sy = this.el.scrollTop;
    this.zoomScale = next;
    this.applyZoom();
    const k = next / old;
    this.el.scrollLeft = (sx + cx) * k - cx;
    this.el.scrollTop = (sy + cy) * k - cy;
  }

  get canZoomOut(): boolean {
    return this.zoomScale > MIN_SCALE + 1e-9;
  }

  /** Back to zoom 1 (legible), scrolled to the root. */
  resetView(): void {
    this.zoomScale = MIN_SCALE;
    this.applyZoom();
    this.scrollTo(0);
  }

  /** Scrolls the container so that `node` is in view. */
  scrollTo(node: number): void {
    const L = this.layout;
    if (!L || !(node >= 0 && node < nodeCount(this.opts.nodes)) || Number.isNaN(L.x[node])) return;
    const k = this.zoomScale;
    const cx = (L.x[node] + MARGIN) * k;
    const cy = (L.y[node] + this.geom.nodeH / 2 + MARGIN) * k;
    this.el.scrollLeft = Math.max(0, cx - this.el.clientWidth / 2);
    this.el.scrollTop = Math.max(0, cy - this.el.clientHeight / 2);
  }

  private attachPanZoom(): void {
    const { el, svg, signal } = this;
    let drag: { x: number; y: number; sl: number; st: number } | null = null;
    svg.addEventListener("pointerdown", (ev) => {
      if (ev.target instanceof Element && ev.target.closest(".xai-node")) return; // clicks on nodes select them
      drag = { x: ev.clientX, y: ev.clientY, sl: el.scrollLeft, st: el.scrollTop };
      svg.classList.add("xai-panning");
      svg.setPointerCapture?.(ev.pointerId);
    }, { signal });
    svg.addEventListener("pointermove", (ev) => {
      if (!drag) return;
      el.scrollLeft = drag.sl - (ev.clientX - drag.x);
      el.scrollTop = drag.st - (ev.clientY - drag.y);
    }, { signal });
    const end = () => {
      drag = null;
      svg.classList.remove("xai-panning");
    };
    svg.addEventListener("pointerup", end, { signal });
    svg.addEventListener("pointercancel", end, { signal });
    // Plain wheel scrolls as usual; ctrl/cmd + wheel (and pinch) zooms about the pointer.
    el.addEventListener("wheel", (ev) => {
      if (!ev.ctrlKey && !ev.metaKey) return;
      ev.preventDefault();
      const r = el.getBoundingClientRect();
      this.zoom(Math.exp(-ev.deltaY * 0.002), ev.clientX - r.left, ev.clientY - r.top);
    }, { signal, passive: false });
    el.addEventListener("mouseleave", () => this.tooltip.hide(), { signal });
    // Notebook front ends often render into a detached element: once it has a width, "auto"
    // may pick another orientation and text can be measured with the real font.
    if (typeof ResizeObserver !== "undefined") {
      let lastW = 0;
      const ro = new ResizeObserver(() => {
        const w = el.clientWidth;
        if (!w || Math.abs(w - lastW) < 1) return;
        lastW = w;
        if (this.measuredWith !== this.family() || (this.opts.orientation ?? "auto") === "auto") this.draw();
      });
      ro.observe(el);
      signal.addEventListener("abort", () => ro.disconnect());
    }
  }
}
