// ConceptTreeWidget view (js/README.md "ConceptTreeWidget state"). Collapse, pan/zoom, hover,
// node selection and path highlighting are local; the kernel is only asked for thumbnails that
// were not embedded.
import type { AnyModel } from "@anywidget/types";
import { getLUT, lutColor, PALETTE, textColorOn } from "./lib/colormap";
import { h, putRGBA, s } from "./lib/dom";
import { className } from "./lib/format";
import { Fetcher, isStandalone } from "./lib/fetch";
import { inputRGBA } from "./lib/heatmap";
import { applyTheme } from "./lib/theme";
import {
  clip,
  collapsedBeyond,
  eulerIntervals,
  fitView,
  isLeaf,
  layoutTree,
  nodeCount,
  parentsOf,
  pathTo,
  revealed,
  samplesAt,
  zoomAt,
  type TreeLayout,
  type View,
} from "./lib/treelayout";
import { decodeArray, decodeFloat, decodeInt, decodeQuantized, type WireArray, type WireQuantized } from "./lib/wire";

export interface TreeTraits {
  title: string;
  concept_names: string[];
  concept_values: string[][];
  class_names: string[];
  tree: Record<string, unknown>;
  samples: Record<string, unknown>;
  accuracy: Record<string, unknown>;
  summary: Record<string, unknown>;
  thumbs: Record<string, unknown>;
  selected: number;
  collapse_depth: number;
  n_thumbnails: number;
}

type Model = AnyModel<TreeTraits> & { standalone?: boolean };

export const NODE = { nodeW: 150, nodeH: 58, gapX: 14, gapY: 34 };
const VIEW_H = 440;
const CSS = `
.xai-root .xai-tree-main { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.xai-root svg.xai-tree { border: 1px solid var(--xai-border); background: var(--xai-bg); cursor: grab;
  flex: 1 1 520px; min-width: 320px; touch-action: none; user-select: none; }
.xai-root svg.xai-tree.xai-panning { cursor: grabbing; }
.xai-root svg.xai-tree text { fill: var(--xai-fg); font-family: var(--xai-font); font-size: 11px; }
.xai-root svg.xai-tree .xai-edge { stroke: var(--xai-border); stroke-width: 1.5; fill: none; }
.xai-root svg.xai-tree .xai-edge.xai-path { stroke: var(--xai-accent); stroke-width: 3.5; }
.xai-root svg.xai-tree .xai-edge-label { fill: var(--xai-fg2); font-size: 10px; }
.xai-root svg.xai-tree .xai-node rect.xai-box { fill: var(--xai-bg2); stroke: var(--xai-border); rx: 4; cursor: pointer; }
.xai-root svg.xai-tree .xai-node.xai-leaf rect.xai-box { stroke-dasharray: 3 2; }
.xai-root svg.xai-tree .xai-node.xai-path rect.xai-box { stroke: var(--xai-accent); stroke-width: 2.5; }
.xai-root svg.xai-tree .xai-node.xai-selected rect.xai-box { stroke: var(--xai-fg); stroke-width: 2.5; }
.xai-root svg.xai-tree .xai-node.xai-linked rect.xai-box { fill: var(--xai-bg); stroke: #f28e2b; stroke-width: 2.5; }
.xai-root svg.xai-tree .xai-node > text, .xai-root svg.xai-tree .xai-dist-bar { pointer-events: none; }
.xai-root svg.xai-tree .xai-node-test { font-weight: 600; }
.xai-root svg.xai-tree .xai-node-meta { fill: var(--xai-fg2); font-size: 10px; }
.xai-root svg.xai-tree .xai-toggle circle { fill: var(--xai-bg); stroke: var(--xai-border); cursor: pointer; }
.xai-root svg.xai-tree .xai-toggle text { font-size: 11px; font-weight: 700; pointer-events: none; }
.xai-root .xai-side { flex: 0 1 300px; min-width: 240px; display: flex; flex-direction: column; gap: 6px; }
.xai-root .xai-node-detail h4 { margin: 0 0 2px 0; font-size: 1em; }
.xai-root .xai-thumbs { display: flex; flex-wrap: wrap; gap: 3px; }
.xai-root canvas.xai-thumb { width: 48px; height: 48px; image-rendering: pixelated; outline: 1px solid var(--xai-border); cursor: pointer; }
.xai-root canvas.xai-thumb.xai-wrong { outline: 2px solid var(--xai-bad); }
.xai-root canvas.xai-thumb.xai-current { outline: 2px solid var(--xai-accent); }
.xai-root .xai-thumb-slot { width: 48px; height: 48px; background: var(--xai-bg2); outline: 1px dashed var(--xai-border); }
.xai-root .xai-legend-classes { display: flex; flex-wrap: wrap; gap: 2px 10px; font-size: 0.9em; }
.xai-root .xai-dist { display: flex; height: 8px; width: 100%; outline: 1px solid var(--xai-border); }
.xai-root table.xai-acc { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 0.9em; }
.xai-root table.xai-acc th, .xai-root table.xai-acc td { padding: 2px 6px; text-align: center; }
.xai-root table.xai-acc th[scope=row] { text-align: right; font-weight: 400; font-family: var(--xai-mono); }
.xai-root table.xai-acc th[scope=col] { cursor: pointer; }
.xai-root table.xai-acc td { cursor: pointer; min-width: 3.2em; }
.xai-root table.xai-acc td.xai-best { outline: 2px solid var(--xai-fg); outline-offset: -2px; font-weight: 700; }
.xai-root table.xai-acc .xai-linked { box-shadow: inset 0 -3px 0 #f28e2b; }
.xai-root .xai-hint { color: var(--xai-fg2); font-size: 0.85em; }
.xai-root .xai-sample-info { font-size: 0.9em; }
`;

/** Categorical colours: Tableau 10, then lighter companions for up to 20 classes. */
const EXTRA = ["#a0cbe8", "#ffbe7d", "#ff9d9a", "#8cd17d", "#b6992d", "#f1ce63", "#86bcb6", "#d4a6c8", "#fabfd2", "#d7b5a6"];
export function classColor(i: number): string {
  const all = [...PALETTE, ...EXTRA];
  return all[((i % all.length) + all.length) % all.length];
}

export { isStandalone };

interface TreeData {
  yes: Int32Array;
  no: Int32Array;
  concept: Int32Array;
  test: string[];
  value: Int32Array;
  count: Int32Array;
  dist: Int32Array; // (M, C)
  nClasses: number;
  fidelity: Float32Array | Float64Array;
  accuracy: Float32Array | Float64Array | null;
}

interface SampleData {
  n: number;
  leaf: Int32Array;
  modelPred: Int32Array;
  treePred: Int32Array;
  target: Int32Array | null;
  concepts: Int32Array; // (N, K)
  nConcepts: number;
}

interface Thumb {
  q: Uint8Array;
  offset: number;
  h: number;
  w: number;
  c: number;
}

export function decodeTree(w: Record<string, unknown>): TreeData {
  const dist = decodeArray(w.dist as WireArray);
  return {
    yes: decodeInt(w.yes as WireArray),
    no: decodeInt(w.no as WireArray),
    concept: decodeInt(w.concept as WireArray),
    test: ((w.test as unknown[]) ?? []).map(String),
    value: decodeInt(w.value as WireArray),
    count: decodeInt(w.count as WireArray),
    dist: Int32Array.from(dist.data),
    nClasses: dist.shape[1] ?? 0,
    fidelity: decodeFloat(w.fidelity as WireArray),
    accuracy: w.accuracy ? decodeFloat(w.accuracy as WireArray) : null,
  };
}

export function decodeSamples(w: Record<string, unknown>): SampleData {
  const concepts = decodeArray(w.concepts as WireArray);
  return {
    n: Number(w.n) || 0,
    leaf: decodeInt(w.leaf as WireArray),
    modelPred: decodeInt(w.model_pred as WireArray),
    treePred: decodeInt(w.tree_pred as WireArray),
    target: w.target ? decodeInt(w.target as WireArray) : null,
    concepts: Int32Array.from(concepts.data),
    nConcepts: concepts.shape[1] ?? 0,
  };
}

/** Adds every thumbnail of a `{index, images}` block to the cache. */
export function addThumbs(cache: Map<number, Thumb>, block: Record<string, unknown> | undefined): number {
  if (!block || !block.index || !block.images) return 0;
  const index = decodeInt(block.index as WireArray);
  const img = decodeQuantized(block.images as WireQuantized);
  const [, hh, ww, cc] = img.shape;
  for (let k = 0; k < index.length; k++) cache.set(index[k], { q: img.q, offset: k * img.itemSize, h: hh, w: ww, c: cc ?? 1 });
  return index.length;
}

const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(v >= 0.9995 || v === 0 ? 0 : 1)}%` : "n/a");

function render({ model, el }: { model: Model; el: HTMLElement }): () => void {
  const ac = new AbortController();
  const { signal } = ac;
  const standalone = isStandalone(model);
  applyTheme(el);
  if (!el.querySelector(":scope > style[data-xai-tree]")) {
    const style = h("style", { "data-xai-tree": "1" });
    style.textContent = CSS;
    el.append(style);
  }

  const cache = new Map<number, Thumb>();
  let tree: TreeData;
  let samples: SampleData;
  let parent: Int32Array;
  let euler: { tin: Int32Array; tout: Int32Array };
  let collapsed = new Set<number>();
  let layout: TreeLayout;
  let view: View = { scale: 1, tx: 0, ty: 0 };
  let userMoved = false; // once the user pans or zooms, resizes no longer refit
  let selectedNode = 0;
  let sample = -1;
  let linkedConcept = -1;
  const fetcher = new Fetcher(model);
  const pending = new Set<number>();
  let ui: ReturnType<typeof buildUI> | null = null;

  function load(): string {
    let problem = "";
    try {
      tree = decodeTree(model.get("tree") ?? {});
      samples = decodeSamples(model.get("samples") ?? {});
    } catch (err) {
      console.error("xaiwidgets:", err);
      tree = { yes: new Int32Array(0), no: new Int32Array(0), concept: new Int32Array(0), test: [], value: new Int32Array(0), count: new Int32Array(0), dist: new Int32Array(0), nClasses: 0, fidelity: new Float32Array(0), accuracy: null };
      samples = { n: 0, leaf: new Int32Array(0), modelPred: new Int32Array(0), treePred: new Int32Array(0), target: null, concepts: new Int32Array(0), nConcepts: 0 };
      problem = `could not read the tree: ${err instanceof Error ? err.message : String(err)}`;
    }
    parent = parentsOf(tree);
    euler = eulerIntervals(tree);
    collapsed = collapsedBeyond(tree, Math.max(0, Number(model.get("collapse_depth")) || 0));
    cache.clear();
    try {
      addThumbs(cache, model.get("thumbs"));
    } catch (err) {
      console.error("xaiwidgets:", err);
    }
    const sel = Number(model.get("selected"));
    sample = Number.isInteger(sel) && sel >= 0 && sel < samples.n ? sel : -1;
    if (sample >= 0) collapsed = revealed(collapsed, parent, samples.leaf[sample]);
    selectedNode = 0;
    return problem;
  }

  const classNames = () => (model.get("class_names") ?? []).map(String);
  const conceptNames = () => (model.get("concept_names") ?? []).map(String);

  function buildUI(problem: string) {
    for (const c of [...el.children]) if (!(c instanceof HTMLStyleElement)) c.remove();
    const title = String(model.get("title") ?? "");
    const sm = (model.get("summary") ?? {}) as Record<string, unknown>;
    const facts: string[] = [];
    if (sm.n !== undefined) facts.push(`${sm.n} samples`);
    if (sm.depth !== undefined) facts.push(`depth ${sm.depth}`);
    if (sm.n_leaves !== undefined) facts.push(`${sm.n_leaves} leaves`);
    if (typeof sm.fidelity === "number") facts.push(`fidelity to the model ${pct(sm.fidelity)}`);
    if (typeof sm.accuracy === "number") facts.push(`accuracy ${pct(sm.accuracy)}`);
    const header = h("div", { class: "xai-header" }, [
      title ? h("h3", { class: "xai-title", text: title }) : null,
      h("span", { class: "xai-info xai-summary", text: facts.join(" · ") }),
    ]);
    const btn = (cls: string, text: string, tip: string) => h("button", { type: "button", class: cls, text, title: tip });
    const fit = btn("xai-fit", "fit", "fit the tree in view");
    const zin = btn("xai-zoom-in", "+", "zoom in");
    const zout = btn("xai-zoom-out", "−", "zoom out");
    const expand = btn("xai-expand", "expand all", "show every node");
    const depthIn = h("input", { type: "number", class: "xai-depth", min: 0, max: 64, step: 1, "aria-label": "collapse below depth" });
    depthIn.value = String(Math.max(0, Number(model.get("collapse_depth")) || 0));
    const sampleIn = h("input", { type: "number", class: "xai-sample", min: -1, max: Math.max(0, samples.n - 1), step: 1, "aria-label": "sample" });
    sampleIn.value = String(sample);
    const controls = h("div", { class: "xai-controls" }, [
      fit, zin, zout, expand,
      h("label", {}, ["collapse below depth", depthIn]),
      h("label", { title: "highlight the path of one sample (-1: none)" }, ["sample", sampleIn]),
      h("span", { class: "xai-hint", text: "drag to pan · ctrl+wheel to zoom · click a node for its samples · ± to collapse" }),
    ]);
    fit.addEventListener("click", () => {
      userMoved = false;
      fitAll();
    }, { signal });
    zin.addEventListener("click", () => zoomCentre(1.25), { signal });
    zout.addEventListener("click", () => zoomCentre(0.8), { signal });
    expand.addEventListener("click", () => {
      collapsed = new Set();
      relayout(true);
    }, { signal });
    depthIn.addEventListener("change", () => {
      const d = Math.max(0, Math.round(Number(depthIn.value) || 0));
      collapsed = collapsedBeyond(tree, d);
      if (sample >= 0) collapsed = revealed(collapsed, parent, samples.leaf[sample]);
      relayout(true);
    }, { signal });
    sampleIn.addEventListener("change", () => selectSample(Math.round(Number(sampleIn.value))), { signal });

    const svg = s("svg", { class: "xai-tree", height: VIEW_H, role: "img", "aria-label": "concept tree" });
    const g = s("g", { class: "xai-viewport" });
    svg.append(g);
    const detail = h("div", { class: "xai-node-detail" });
    const info = h("div", { class: "xai-sample-info" });
    const legend = h("div", { class: "xai-legend-classes" });
    const side = h("div", { class: "xai-side" }, [detail, info, legend]);
    const status = h("div", { class: "xai-status", role: "status", text: problem });
    const acc = accuracySection();
    el.append(header, controls, status, h("div", { class: "xai-tree-main" }, [svg, side]), acc ?? "");
    attachPanZoom(svg);
    return { svg, g, detail, info, legend, status, sampleIn, acc };
  }

  // ---------------------------------------------------------------- accuracy heatmap
  function accuracySection(): HTMLElement | null {
    const a = (model.get("accuracy") ?? {}) as Record<string, unknown>;
    if (!a.values) return null;
    let values: Float32Array | Float64Array;
    let best: Int32Array;
    try {
      values = decodeFloat(a.values as WireArray);
      best = decodeInt(a.best as WireArray);
    } catch (err) {
      return h("div", { class: "xai-status", text: `accuracy unavailable: ${String(err)}` });
    }
    const layers = ((a.layers as unknown[]) ?? []).map(String);
    const concepts = ((a.concepts as unknown[]) ?? []).map(String);
    const all = conceptNames();
    const lut = getLUT("viridis");
    const table = h("table", { class: "xai-acc" });
    const head = h("tr", {}, [h("th", { text: "layer" })]);
    concepts.forEach((c) => {
      const th = h("th", { scope: "col", text: c, "data-concept": String(all.indexOf(c)) });
      th.addEventListener("click", () => linkConcept(all.indexOf(c)), { signal });
      head.append(th);
    });
    table.append(head);
    layers.forEach((layer, i) => {
      const tr = h("tr", {}, [h("th", { scope: "row", text: layer })]);
      concepts.forEach((c, j) => {
        const v = values[i * concepts.length + j];
        const code = Math.max(0, Math.min(255, Math.round(v * 255)));
        const td = h("td", { text: Number.isFinite(v) ? v.toFixed(2) : "n/a", "data-concept": String(all.indexOf(c)), "data-layer": layer });
        td.style.background = lutColor(lut, code);
        td.style.color = textColorOn(lut, code);
        td.title = `${c} from ${layer}: ${pct(v)} cross-validated accuracy`;
        if (best[j] === i) td.classList.add("xai-best");
        td.addEventListener("click", () => linkConcept(all.indexOf(c)), { signal });
        tr.append(td);
      });
      table.append(tr);
    });
    return h("div", { class: "xai-acc-wrap" }, [
      h("h4", { text: "Where is each concept represented?" }),
      table,
      h("div", { class: "xai-hint", text: "Cross-validated probe accuracy per layer and concept; outlined: the layer each concept is predicted from. Click a concept to find it in the tree." }),
    ]);
  }

  function linkConcept(j: number): void {
    linkedConcept = linkedConcept === j ? -1 : j;
    if (linkedConcept >= 0) {
      // Reveal every node testing the concept so the link is visible.
      for (let i = 0; i < nodeCount(tree); i++) if (tree.concept[i] === linkedConcept) collapsed = revealed(collapsed, parent, i);
      relayout(false);
    }
    decorate();
  }

  // ---------------------------------------------------------------- tree drawing
  function relayout(refit: boolean): void {
    if (!ui) return;
    layout = layoutTree(tree, collapsed, NODE);
    const { g } = ui;
    g.replaceChildren();
    const names = classNames();
    const edges = s("g", { class: "xai-edges" });
    const nodes = s("g", { class: "xai-nodes" });
    for (const i of layout.visible) {
      if (isLeaf(tree, i) || collapsed.has(i)) continue;
      for (const [child, label] of [[tree.yes[i], "yes"], [tree.no[i], "no"]] as const) {
        const x1 = layout.x[i];
        const y1 = layout.y[i] + NODE.nodeH;
        const x2 = layout.x[child];
        const y2 = layout.y[child];
        const my = (y1 + y2) / 2;
        edges.append(s("path", { class: "xai-edge", "data-from": i, "data-to": child, d: `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}` }));
        edges.append(s("text", { class: "xai-edge-label", x: (x1 + x2) / 2 + (label === "yes" ? -4 : 4), y: my, "text-anchor": label === "yes" ? "end" : "start", text: label }));
      }
    }
    for (const i of layout.visible) nodes.append(nodeGroup(i, names));
    g.append(edges, nodes);
    if (refit) fitAll();
    else applyView();
    decorate();
  }

  function nodeGroup(i: number, names: string[]): SVGGElement {
    const leaf = isLeaf(tree, i);
    const x0 = layout.x[i] - NODE.nodeW / 2;
    const y0 = layout.y[i];
    const gi = s("g", { class: `xai-node${leaf ? " xai-leaf" : ""}`, "data-node": i, transform: `translate(${x0},${y0})` });
    const box = s("rect", { class: "xai-box", width: NODE.nodeW, height: NODE.nodeH });
    const full = leaf ? `→ ${className(names, tree.value[i])}` : tree.test[i];
    const title = s("title", { text: `${full}\n${tree.count[i]} samples · fidelity ${pct(tree.fidelity[i])}${tree.accuracy ? ` · accuracy ${pct(tree.accuracy[i])}` : ""}${leaf ? "" : `\nmajority: ${className(names, tree.value[i])}`}` });
    const test = s("text", { class: "xai-node-test", x: 6, y: 15, text: clip(full, 24) });
    // Count and fidelity only: with the majority class too the line overflowed the box; the
    // class bar below shows the distribution and the tooltip names the majority.
    const meta = s("text", { class: "xai-node-meta", x: 6, y: 30, text: `n=${tree.count[i]} · fid ${pct(tree.fidelity[i])}` });
    gi.append(box, title, test, meta, distBar(i, 6, 38, NODE.nodeW - 12, 10));
    if (!leaf) {
      const closed = collapsed.has(i);
      const tg = s("g", { class: "xai-toggle", "data-node": i, transform: `translate(${NODE.nodeW / 2},${NODE.nodeH})` }, [
        s("circle", { r: 7 }),
        s("text", { "text-anchor": "middle", y: 4, text: closed ? "+" : "−" }),
      ]);
      tg.setAttribute("aria-label", closed ? "expand" : "collapse");
      tg.addEventListener("click", (ev) => {
        ev.stopPropagation();
        if (collapsed.has(i)) collapsed.delete(i);
        else collapsed.add(i);
        relayout(false);
      }, { signal });
      gi.append(tg);
    }
    gi.addEventListener("click", () => selectNode(i), { signal });
    gi.addEventListener("mouseenter", () => hoverConcept(tree.concept[i]), { signal });
    gi.addEventListener("mouseleave", () => hoverConcept(-1), { signal });
    return gi;
  }

  function distBar(i: number, x: number, y: number, w: number, hgt: number): SVGGElement {
    const g = s("g", { class: "xai-dist-bar" });
    const C = tree.nClasses;
    let total = 0;
    for (let c = 0; c < C; c++) total += tree.dist[i * C + c];
    g.append(s("rect", { x, y, width: w, height: hgt, fill: "none", stroke: "currentColor", "stroke-opacity": 0.25 }));
    if (!total) return g;
    let cx = x;
    for (let c = 0; c < C; c++) {
      const v = tree.dist[i * C + c];
      if (!v) continue;
      const cw = (w * v) / total;
      g.append(s("rect", { x: cx, y, width: cw, height: hgt, fill: classColor(c), "data-class": c }));
      cx += cw;
    }
    return g;
  }

  function hoverConcept(j: number): void {
    if (!ui?.acc) return;
    for (const c of ui.acc.querySelectorAll("[data-concept]")) c.classList.toggle("xai-linked", j >= 0 && Number((c as HTMLElement).dataset.concept) === j || (j < 0 && Number((c as HTMLElement).dataset.concept) === linkedConcept));
  }

  /** Classes for selection, sample path and concept link, without redrawing. */
  function decorate(): void {
    if (!ui) return;
    const path = new Set(sample >= 0 ? pathTo(parent, samples.leaf[sample]) : []);
    for (const n of ui.g.querySelectorAll<SVGGElement>("g.xai-node")) {
      const i = Number(n.dataset.node);
      n.classList.toggle("xai-path", path.has(i));
      n.classList.toggle("xai-selected", i === selectedNode);
      n.classList.toggle("xai-linked", linkedConcept >= 0 && tree.concept[i] === linkedConcept);
    }
    for (const e of ui.g.querySelectorAll<SVGPathElement>("path.xai-edge")) {
      e.classList.toggle("xai-path", path.has(Number(e.dataset.from)) && path.has(Number(e.dataset.to)));
    }
    hoverConcept(-1);
  }

  // ---------------------------------------------------------------- pan / zoom
  function viewport(): { w: number; h: number } {
    const r = ui?.svg.getBoundingClientRect();
    return { w: r && r.width > 0 ? r.width : 640, h: r && r.height > 0 ? r.height : VIEW_H };
  }

  function applyView(): void {
    ui?.g.setAttribute("transform", `translate(${view.tx},${view.ty}) scale(${view.scale})`);
  }

  function fitAll(): void {
    const { w, h: vh } = viewport();
    view = fitView(layout.width, layout.height, w, vh);
    applyView();
  }

  function zoomCentre(f: number): void {
    userMoved = true;
    const { w, h: vh } = viewport();
    view = zoomAt(view, f, w / 2, vh / 2);
    applyView();
  }

  function attachPanZoom(svg: SVGSVGElement): void {
    let drag: { x: number; y: number; tx: number; ty: number; moved: boolean } | null = null;
    svg.addEventListener("pointerdown", (ev) => {
      if ((ev.target as Element).closest?.(".xai-node")) return; // clicks on nodes select them
      drag = { x: ev.clientX, y: ev.clientY, tx: view.tx, ty: view.ty, moved: false };
      svg.classList.add("xai-panning");
      svg.setPointerCapture?.(ev.pointerId);
    }, { signal });
    svg.addEventListener("pointermove", (ev) => {
      if (!drag) return;
      view = { ...view, tx: drag.tx + ev.clientX - drag.x, ty: drag.ty + ev.clientY - drag.y };
      userMoved = true;
      applyView();
    }, { signal });
    const end = () => {
      drag = null;
      svg.classList.remove("xai-panning");
    };
    svg.addEventListener("pointerup", end, { signal });
    svg.addEventListener("pointercancel", end, { signal });
    // Plain wheel scrolls the notebook as usual; ctrl/cmd + wheel (and pinch) zooms.
    svg.addEventListener("wheel", (ev) => {
      if (!ev.ctrlKey && !ev.metaKey) return;
      ev.preventDefault();
      const r = svg.getBoundingClientRect();
      view = zoomAt(view, Math.exp(-ev.deltaY * 0.002), ev.clientX - r.left, ev.clientY - r.top);
      userMoved = true;
      applyView();
    }, { signal, passive: false });
    // Notebook front ends often render into a detached element: fit again once it has a size.
    if (typeof ResizeObserver !== "undefined") {
      const ro = new ResizeObserver(() => {
        if (!userMoved && layout) fitAll();
      });
      ro.observe(svg);
      signal.addEventListener("abort", () => ro.disconnect());
    }
  }

  // ---------------------------------------------------------------- node detail & thumbnails
  function selectNode(i: number): void {
    selectedNode = i;
    decorate();
    showDetail(true);
  }

  /** Details of the selected node; `ask`: fetch missing thumbnails (only on a user's click). */
  function showDetail(ask = false): void {
    if (!ui || !nodeCount(tree)) return;
    const i = selectedNode;
    const names = classNames();
    const leaf = isLeaf(tree, i);
    const C = tree.nClasses;
    const dist = h("div", { class: "xai-dist" });
    let total = 0;
    for (let c = 0; c < C; c++) total += tree.dist[i * C + c];
    for (let c = 0; c < C; c++) {
      const v = tree.dist[i * C + c];
      if (!v || !total) continue;
      const part = h("span", { title: `${className(names, c)}: ${v}` });
      part.style.cssText = `flex:${v} 0 0;background:${classColor(c)}`;
      dist.append(part);
    }
    const top = [...Array(C).keys()].filter((c) => tree.dist[i * C + c] > 0).sort((a, b) => tree.dist[i * C + b] - tree.dist[i * C + a]).slice(0, 4);
    const want = samplesAt(i, samples.leaf, euler.tin, euler.tout, Math.max(0, Number(model.get("n_thumbnails")) || 0));
    const thumbs = h("div", { class: "xai-thumbs" });
    ui.detail.replaceChildren(
      h("h4", { class: "xai-detail-title", text: leaf ? `leaf ${i}: → ${className(names, tree.value[i])}` : `node ${i}: ${tree.test[i]}?` }),
      h("div", { class: "xai-detail-stats", text: `${tree.count[i]} samples · fidelity ${pct(tree.fidelity[i])}${tree.accuracy ? ` · accuracy ${pct(tree.accuracy[i])}` : ""}` }),
      dist,
      h("div", { class: "xai-hint", text: `model predicts: ${top.map((c) => `${className(names, c)} ${tree.dist[i * C + c]}`).join(", ") || "no samples"}` }),
      thumbs,
      h("div", { class: "xai-hint xai-thumb-note" }),
    );
    paintThumbs(i, want);
    const missing = want.filter((k) => !cache.has(k));
    if (ask && missing.length && !standalone) requestThumbs(missing);
  }

  function paintThumbs(node: number, want: number[]): void {
    if (!ui || node !== selectedNode) return;
    const box = ui.detail.querySelector(".xai-thumbs");
    const note = ui.detail.querySelector(".xai-thumb-note");
    if (!box) return;
    box.replaceChildren();
    let shown = 0;
    for (const k of want) {
      const t = cache.get(k);
      if (!t) {
        if (!standalone) box.append(h("div", { class: "xai-thumb-slot", title: `sample ${k}: loading` }));
        continue;
      }
      const c = h("canvas", { class: "xai-thumb", "data-index": k, title: `sample ${k}` });
      putRGBA(c, inputRGBA(t.q, t.offset, t.h, t.w, t.c), t.w, t.h);
      if (samples.treePred[k] !== samples.modelPred[k]) c.classList.add("xai-wrong");
      if (k === sample) c.classList.add("xai-current");
      c.addEventListener("click", () => selectSample(k), { signal });
      box.append(c);
      shown++;
    }
    if (note && !want.length) note.textContent = "";
    else if (note) {
      const parts = [`${shown} of ${tree.count[node]} samples shown; red outline: the tree disagrees with the model; click one to trace its path`];
      if (standalone && shown < want.length) parts.push(`(offline: ${shown} embedded)`);
      note.textContent = parts.join(" ");
    }
  }

  function requestThumbs(indices: number[]): void {
    const ask = indices.filter((k) => !pending.has(k));
    if (!ask.length) return;
    ask.forEach((k) => pending.add(k));
    fetcher.fetch("thumbs", { indices: ask }).then((block) => {
      ask.forEach((k) => pending.delete(k));
      let added = 0;
      try {
        added = addThumbs(cache, block);
      } catch (err) {
        console.error("xaiwidgets:", err);
        if (ui) ui.status.textContent = `could not read thumbnails: ${String(err)}`;
        return;
      }
      if (ui && added) {
        ui.status.textContent = "";
        paintThumbs(selectedNode, samplesAt(selectedNode, samples.leaf, euler.tin, euler.tout, Math.max(0, Number(model.get("n_thumbnails")) || 0)));
      }
    }, (err: unknown) => {
      ask.forEach((k) => pending.delete(k));
      if (ui) ui.status.textContent = `thumbnails: ${err instanceof Error ? err.message : String(err)}`;
    });
  }

  // ---------------------------------------------------------------- sample path
  function selectSample(k: number, fromKernel = false): void {
    if (!Number.isFinite(k) || k < 0 || k >= samples.n) k = -1;
    sample = k;
    if (ui) ui.sampleIn.value = String(k);
    if (k >= 0) {
      const before = collapsed.size;
      collapsed = revealed(collapsed, parent, samples.leaf[k]);
      if (collapsed.size !== before) relayout(false);
    }
    decorate();
    showSampleInfo();
    if (ui) for (const c of ui.detail.querySelectorAll<HTMLCanvasElement>("canvas.xai-thumb")) c.classList.toggle("xai-current", Number(c.dataset.index) === k);
    if (!fromKernel && !standalone && Number(model.get("selected")) !== k) {
      model.set("selected", k);
      model.save_changes();
    }
  }

  function showSampleInfo(): void {
    if (!ui) return;
    if (sample < 0) {
      ui.info.replaceChildren(h("span", { class: "xai-hint", text: "no sample selected" }));
      return;
    }
    const names = classNames();
    const cn = conceptNames();
    const values = (model.get("concept_values") ?? []) as string[][];
    const k = sample;
    const concepts = cn.map((c, j) => `${c} = ${values[j]?.[samples.concepts[k * samples.nConcepts + j]] ?? "?"}`);
    const parts = [
      h("b", { text: `sample ${k}` }),
      ` · model → ${className(names, samples.modelPred[k])} · tree → ${className(names, samples.treePred[k])}`,
      samples.target ? ` · true: ${className(names, samples.target[k])}` : "",
      h("div", { class: "xai-hint", text: `predicted concepts: ${concepts.join(", ")}` }),
    ];
    ui.info.replaceChildren(...parts.map((p) => (typeof p === "string" ? document.createTextNode(p) : p)));
  }

  function legend(): void {
    if (!ui) return;
    const names = classNames();
    const items = [...Array(tree.nClasses).keys()].map((c) => {
      const sw = h("span", { class: "xai-swatch" });
      sw.style.background = classColor(c);
      sw.style.height = "10px";
      return h("span", {}, [sw, className(names, c)]);
    });
    ui.legend.replaceChildren(h("span", { class: "xai-hint", text: "model's predictions:" }), ...items);
  }

  function rebuild(): void {
    const problem = load();
    ui = buildUI(problem);
    relayout(true);
    legend();
    showDetail();
    showSampleInfo();
    el.dataset.xaiReady = "1";
  }

  const handlers: [string, () => void][] = [
    ["change:selected", () => {
      const k = Number(model.get("selected"));
      if (k !== sample) selectSample(k, true);
    }],
    ...["tree", "samples", "title", "class_names", "concept_names", "concept_values", "accuracy", "summary", "thumbs", "collapse_depth"].map(
      (n): [string, () => void] => [`change:${n}`, rebuild],
    ),
    ["change:n_thumbnails", () => showDetail()],
  ];
  for (const [ev, cb] of handlers) model.on(ev, cb);
  rebuild();

  return () => {
    ac.abort();
    fetcher.dispose();
    pending.clear();
    for (const [ev, cb] of handlers) model.off(ev as never, cb);
  };
}

export default { render };
