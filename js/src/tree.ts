// ConceptTreeView view (js/README.md "ConceptTreeView state"): the shell around the shared
// TreeView (views/treeview.ts). Collapse, zoom, scrolling, hover, node selection and path
// highlighting are local; the kernel is only asked for thumbnails that were not embedded.
import type { AnyModel } from "@anywidget/types";
import { classPalette, getLUT, lutColor, textColorOn, type ClassGroups } from "./lib/colormap";
import { h, putRGBA, setText } from "./lib/dom";
import { className } from "./lib/format";
import { Fetcher, isStandalone } from "./lib/fetch";
import { inputRGBA } from "./lib/heatmap";
import { applyTheme } from "./lib/theme";
import { Tooltip, type TipLine } from "./lib/tooltip";
import { collapsedBeyond, eulerIntervals, nodeCount, pathTo, revealed, samplesAt } from "./lib/treelayout";
import { decodeArray, decodeFloat, decodeInt, decodeQuantized, type WireArray, type WireQuantized } from "./lib/wire";
import { TREE_CSS, TreeView, type Orientation, type TreeNodes } from "./views/treeview";
import { attach, type Handlers } from "./lib/lifecycle";

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
  orientation: string;
  class_groups: Record<string, unknown>;
}

type Model = AnyModel<TreeTraits> & { standalone?: boolean };

const CSS = `${TREE_CSS}
.xai-root .xai-tree-below { display: flex; flex-wrap: wrap; gap: 10px 24px; align-items: flex-start; margin-top: 8px; }
.xai-root .xai-node-detail { flex: 1 1 440px; min-width: 280px; display: flex; flex-direction: column; gap: 4px; }
.xai-root .xai-side { flex: 1 1 300px; min-width: 240px; display: flex; flex-direction: column; gap: 8px; }
.xai-root .xai-node-detail h4 { margin: 0; font-size: 1em; }
.xai-root .xai-thumbs { display: flex; flex-wrap: wrap; gap: 6px; }
.xai-root .xai-thumb-card { display: flex; flex-direction: column; width: 100px; font-size: 11px; line-height: 1.25; }
.xai-root .xai-thumb-card span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--xai-fg2); }
.xai-root .xai-thumb-card .xai-thumb-index { color: var(--xai-fg); font-weight: 600; }
.xai-root .xai-thumb-card.xai-misclassified .xai-thumb-true { color: var(--xai-bad); }
.xai-root canvas.xai-thumb { width: 64px; height: 64px; image-rendering: pixelated; outline: 1px solid var(--xai-border); cursor: pointer; }
.xai-root canvas.xai-thumb.xai-wrong { outline: 2px solid var(--xai-bad); }
.xai-root canvas.xai-thumb.xai-current { outline: 3px solid var(--xai-tree-path); }
.xai-root .xai-thumb-slot { width: 64px; height: 64px; background: var(--xai-bg2); outline: 1px dashed var(--xai-border); }
.xai-root .xai-legend-classes { display: grid; grid-template-columns: auto minmax(0, 1fr); gap: 3px 10px; font-size: 0.9em; align-items: center; }
.xai-root .xai-legend-classes .xai-legend-title { grid-column: 1 / -1; }
.xai-root .xai-legend-row { display: flex; flex-wrap: wrap; gap: 2px 10px; }
.xai-root .xai-legend-item { display: inline-flex; align-items: center; gap: 4px; min-width: 0; }
.xai-root .xai-legend-item i { display: inline-block; flex: none; width: 14px; height: 12px; border: 1px solid var(--xai-border); }
.xai-root .xai-legend-group { font-weight: 600; }
.xai-root .xai-dist { display: flex; height: 10px; width: 100%; outline: 1px solid var(--xai-border); }
.xai-root .xai-controls input.xai-sample { width: 6em; }
.xai-root .xai-controls input.xai-depth { width: 4em; }
.xai-root table.xai-acc { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 0.9em; }
.xai-root table.xai-acc th, .xai-root table.xai-acc td { padding: 2px 6px; text-align: center; }
.xai-root table.xai-acc th[scope=row] { text-align: right; font-weight: 400; font-family: var(--xai-mono); }
.xai-root table.xai-acc th[scope=col] { cursor: pointer; }
.xai-root table.xai-acc td { cursor: pointer; min-width: 3.2em; }
.xai-root table.xai-acc td.xai-best { outline: 2px solid var(--xai-fg); outline-offset: -2px; font-weight: 700; }
.xai-root table.xai-acc .xai-linked { box-shadow: inset 0 -3px 0 var(--xai-fg); text-decoration: underline; }
.xai-root .xai-acc-wrap h4 { margin: 12px 0 4px 0; font-size: 1em; }
.xai-root .xai-sample-info { font-size: 0.9em; }
`;

/** Class colours: structured by `class_groups` when given (hue per group, lightness per level). */
export function classColors(n: number, groups?: Record<string, unknown> | null): string[] {
  const g = groups && Array.isArray(groups.group) && Array.isArray(groups.level)
    ? ({ group: groups.group as number[], level: groups.level as number[] } satisfies ClassGroups) : null;
  return classPalette(n, g);
}

/** The colour of class i with no structure (kept for callers of the old export). */
export function classColor(i: number, n = Math.max(i + 1, 10)): string {
  return classPalette(n)[i];
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
  nTrain: Int32Array | null;
  merged: string[][];
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
  const test = ((w.test as unknown[]) ?? []).map(String);
  const merged = Array.isArray(w.merged) ? (w.merged as unknown[]).map((m) => (Array.isArray(m) ? m.map(String) : [])) : [];
  return {
    yes: decodeInt(w.yes as WireArray),
    no: decodeInt(w.no as WireArray),
    concept: decodeInt(w.concept as WireArray),
    test,
    value: decodeInt(w.value as WireArray),
    count: decodeInt(w.count as WireArray),
    dist: Int32Array.from(dist.data),
    nClasses: dist.shape[1] ?? 0,
    fidelity: decodeFloat(w.fidelity as WireArray),
    accuracy: w.accuracy ? decodeFloat(w.accuracy as WireArray) : null,
    nTrain: w.n_train ? decodeInt(w.n_train as WireArray) : null,
    merged,
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
/** Whole percent (node boxes are narrow; the tooltip and the detail panel give one decimal). */
const pct0 = (v: number) => {
  if (!Number.isFinite(v)) return "n/a";
  const r = Math.round(100 * v);
  return r === 100 && v < 1 ? ">99%" : r === 0 && v > 0 ? "<1%" : `${r}%`;
};
const ORIENTATIONS = ["auto", "top-down", "left-right"] as const;
const EMPTY_TREE: TreeData = { yes: new Int32Array(0), no: new Int32Array(0), concept: new Int32Array(0), test: [], value: new Int32Array(0), count: new Int32Array(0), dist: new Int32Array(0), nClasses: 0, fidelity: new Float32Array(0), accuracy: null, nTrain: null, merged: [] };
const EMPTY_SAMPLES: SampleData = { n: 0, leaf: new Int32Array(0), modelPred: new Int32Array(0), treePred: new Int32Array(0), target: null, concepts: new Int32Array(0), nConcepts: 0 };

/** What the TreeView draws for a concept tree: tests, "n · fid" lines, bars, merged notes. */
export function treeNodes(tree: TreeData, names: readonly string[]): TreeNodes {
  const M = nodeCount(tree);
  const meta: string[] = [];
  const tip: TipLine[][] = [];
  for (let i = 0; i < M; i++) {
    meta.push(`n=${tree.count[i]} · fid ${pct0(tree.fidelity[i])}`);
    const lines: TipLine[] = [["fidelity", `${pct(tree.fidelity[i])} of the samples here: the tree agrees with the model`]];
    if (tree.accuracy) lines.push(["accuracy", `${pct(tree.accuracy[i])} (the tree against the true labels)`]);
    if (tree.nTrain) lines.push(["training samples", String(tree.nTrain[i])]);
    if (tree.yes[i] >= 0) lines.push(["predicts", className(names, tree.value[i])]);
    lines.push("bar: the model's predictions here (hover a colour)");
    tip.push(lines);
  }
  return { yes: tree.yes, no: tree.no, test: tree.test, value: tree.value, count: tree.count, dist: tree.dist, nClasses: tree.nClasses, meta, merged: tree.merged, tip };
}

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
  let tree: TreeData = EMPTY_TREE;
  let samples: SampleData = EMPTY_SAMPLES;
  let euler: { tin: Int32Array; tout: Int32Array };
  let colors: string[] = [];
  let selectedNode = 0;
  let sample = -1;
  let linkedConcept = -1;
  const fetcher = new Fetcher(model);
  const pending = new Set<number>();
  let ui: ReturnType<typeof buildUI> | null = null;
  let tooltip: Tooltip | null = null;

  function load(): string {
    let problem = "";
    try {
      tree = decodeTree(model.get("tree") ?? {});
      samples = decodeSamples(model.get("samples") ?? {});
    } catch (err) {
      console.error("xaiwidgets:", err);
      tree = EMPTY_TREE;
      samples = EMPTY_SAMPLES;
      problem = `could not read the tree: ${err instanceof Error ? err.message : String(err)}`;
    }
    euler = eulerIntervals(tree);
    colors = classColors(Math.max(tree.nClasses, classNames().length), model.get("class_groups") as Record<string, unknown>);
    cache.clear();
    try {
      addThumbs(cache, model.get("thumbs"));
    } catch (err) {
      console.error("xaiwidgets:", err);
    }
    const sel = Number(model.get("selected"));
    sample = Number.isInteger(sel) && sel >= 0 && sel < samples.n ? sel : -1;
    selectedNode = 0;
    return problem;
  }

  const classNames = () => (model.get("class_names") ?? []).map(String);
  const conceptNames = () => (model.get("concept_names") ?? []).map(String);
  const depthSetting = () => Math.max(0, Number(model.get("collapse_depth")) || 0);

  function buildUI(problem: string) {
    for (const c of [...el.children]) if (!(c instanceof HTMLStyleElement)) c.remove();
    tooltip = new Tooltip(el);
    const title = String(model.get("title") ?? "");
    const sm = (model.get("summary") ?? {}) as Record<string, unknown>;
    const facts: string[] = [];
    if (sm.n !== undefined) facts.push(`${sm.n} samples`);
    if (sm.depth !== undefined) facts.push(`depth ${sm.depth}`);
    if (sm.n_leaves !== undefined) facts.push(`${sm.n_leaves} leaves`);
    if (typeof sm.merged === "number" && sm.merged > 0) facts.push(`${sm.merged} split${sm.merged > 1 ? "s" : ""} merged (same class on both sides)`);
    if (typeof sm.fidelity === "number") facts.push(`fidelity to the model ${pct(sm.fidelity)}`);
    if (typeof sm.accuracy === "number") facts.push(`accuracy ${pct(sm.accuracy)}`);
    const header = h("div", { class: "xai-header" }, [
      title ? h("h3", { class: "xai-title", text: title }) : null,
      h("span", { class: "xai-info xai-summary", text: facts.join(" · ") }),
    ]);
    const btn = (cls: string, text: string, tip: string) => h("button", { type: "button", class: cls, text, title: tip });
    const fit = btn("xai-fit", "reset", "zoom 100%, scrolled to the root");
    const zin = btn("xai-zoom-in", "+", "zoom in (ctrl + wheel)");
    const zout = btn("xai-zoom-out", "−", "zoom out (not below legible text)");
    const expand = btn("xai-expand", "expand all", "show every node (the view scrolls)");
    const depthIn = h("input", { type: "number", class: "xai-depth", min: 0, max: 64, step: 1, "aria-label": "collapse below depth" });
    depthIn.value = String(depthSetting());
    const layoutSel = h("select", { class: "xai-orientation", "aria-label": "layout" });
    for (const o of ORIENTATIONS) layoutSel.append(h("option", { value: o, text: o }));
    const want = String(model.get("orientation") ?? "auto");
    layoutSel.value = (ORIENTATIONS as readonly string[]).includes(want) ? want : "auto";
    const sampleIn = h("input", { type: "number", class: "xai-sample", min: 0, max: Math.max(0, samples.n - 1), step: 1, placeholder: "none", "aria-label": "sample" });
    sampleIn.value = sample >= 0 ? String(sample) : "";
    const clear = btn("xai-sample-clear", "×", "clear the sample");
    const controls = h("div", { class: "xai-controls" }, [
      h("span", {}, [fit, " ", zin, " ", zout, " ", expand]),
      h("label", {}, ["collapse below depth", depthIn]),
      h("label", {}, ["layout", layoutSel]),
      h("label", { title: `highlight the path of one sample (0-${Math.max(0, samples.n - 1)}); empty: none` }, ["sample", sampleIn, clear]),
    ]);
    const hint = h("div", { class: "xai-hint", text: "click a node for its samples · ± collapses · drag or scroll to move · hover a bar for its classes" });
    fit.addEventListener("click", () => view.resetView(), { signal });
    zin.addEventListener("click", () => {
      view.zoom(1.25);
      zout.disabled = !view.canZoomOut;
    }, { signal });
    zout.addEventListener("click", () => {
      view.zoom(0.8);
      zout.disabled = !view.canZoomOut;
    }, { signal });
    zout.disabled = true;
    expand.addEventListener("click", () => view.expandAll(), { signal });
    depthIn.addEventListener("change", () => {
      const d = Math.max(0, Math.round(Number(depthIn.value) || 0));
      let c = collapsedBeyond(tree, d);
      if (sample >= 0) c = revealed(c, view.parents(), samples.leaf[sample]);
      view.setCollapsed(c);
    }, { signal });
    layoutSel.addEventListener("change", () => view.setOrientation(layoutSel.value as Orientation | "auto"), { signal });
    sampleIn.addEventListener("change", () => {
      const raw = sampleIn.value.trim();
      selectSample(raw === "" ? -1 : Math.round(Number(raw)));
    }, { signal });
    clear.addEventListener("click", () => selectSample(-1), { signal });

    const status = h("div", { class: "xai-status", role: "status", text: problem });
    const treeBox = h("div", { class: "xai-tree-main" });
    const detail = h("div", { class: "xai-node-detail" });
    const info = h("div", { class: "xai-sample-info" });
    const legend = h("div", { class: "xai-legend-classes" });
    const side = h("div", { class: "xai-side" }, [info, legend]);
    const acc = accuracySection();
    el.append(header, controls, hint, status, treeBox, h("div", { class: "xai-tree-below" }, [detail, side]), acc ?? "");
    const names = classNames();
    let collapsed = collapsedBeyond(tree, depthSetting());
    const view = new TreeView(treeBox, {
      nodes: treeNodes(tree, names),
      classNames: names,
      classColor: (c) => colors[c] ?? "#888888",
      orientation: layoutSel.value as Orientation | "auto",
      collapsed,
      tooltip: tooltip ?? undefined,
      onSelect: (i) => selectNode(i),
      onHover: (i) => hoverConcept(i >= 0 ? tree.concept[i] : -1),
      segmentTip: (_i, c, v, total) => [[className(names, c), `${v} of ${total} samples here (${pct(v / total)})`], "the model's prediction"],
    }, signal);
    if (sample >= 0) {
      collapsed = revealed(collapsed, view.parents(), samples.leaf[sample]);
      view.setCollapsed(collapsed);
    }
    return { view, detail, info, legend, status, sampleIn, acc };
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
    if (!ui) return;
    linkedConcept = linkedConcept === j ? -1 : j;
    if (linkedConcept >= 0) {
      // Reveal every node testing the concept so the link is visible.
      let c = new Set(ui.view.collapsed);
      for (let i = 0; i < nodeCount(tree); i++) if (tree.concept[i] === linkedConcept) c = revealed(c, ui.view.parents(), i);
      if (c.size !== ui.view.collapsed.size) ui.view.setCollapsed(c);
    }
    decorate();
  }

  function hoverConcept(j: number): void {
    if (!ui?.acc) return;
    for (const c of ui.acc.querySelectorAll("[data-concept]")) {
      const k = Number((c as HTMLElement).dataset.concept);
      c.classList.toggle("xai-linked", j >= 0 ? k === j : k === linkedConcept);
    }
  }

  /** Selection, sample path and concept link, without redrawing. */
  function decorate(): void {
    if (!ui) return;
    const linked: number[] = [];
    if (linkedConcept >= 0) for (let i = 0; i < nodeCount(tree); i++) if (tree.concept[i] === linkedConcept) linked.push(i);
    ui.view.decorate({
      selected: selectedNode,
      path: sample >= 0 ? pathTo(ui.view.parents(), samples.leaf[sample]) : [],
      linked,
    });
    hoverConcept(-1);
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
    const leaf = tree.yes[i] < 0;
    const C = tree.nClasses;
    const dist = h("div", { class: "xai-dist" });
    let total = 0;
    for (let c = 0; c < C; c++) total += tree.dist[i * C + c];
    for (let c = 0; c < C; c++) {
      const v = tree.dist[i * C + c];
      if (!v || !total) continue;
      const part = h("span", { "data-class": c });
      part.style.cssText = `flex:${v} 0 0;background:${colors[c] ?? "#888"}`;
      part.addEventListener("mousemove", (ev) => tooltip?.show(ev, [[className(names, c), `${v} of ${total} (${pct(v / total)})`]]), { signal });
      part.addEventListener("mouseleave", () => tooltip?.hide(), { signal });
      dist.append(part);
    }
    const top = [...Array(C).keys()].filter((c) => tree.dist[i * C + c] > 0).sort((a, b) => tree.dist[i * C + b] - tree.dist[i * C + a]).slice(0, 4);
    const want = samplesAt(i, samples.leaf, euler.tin, euler.tout, Math.max(0, Number(model.get("n_thumbnails")) || 0));
    const thumbs = h("div", { class: "xai-thumbs" });
    const merged = tree.merged[i] ?? [];
    const parts: (HTMLElement | null)[] = [
      h("h4", { class: "xai-detail-title", text: leaf ? `leaf ${i}: → ${className(names, tree.value[i])}` : `node ${i}: ${tree.test[i]}?` }),
      h("div", { class: "xai-detail-stats", text: `${tree.count[i]} samples · fidelity ${pct(tree.fidelity[i])}${tree.accuracy ? ` · accuracy ${pct(tree.accuracy[i])}` : ""}` }),
      merged.length ? h("div", { class: "xai-hint xai-detail-merged", text: `merged for display (both sides predict ${className(names, tree.value[i])}): ${merged.join("; ")}` }) : null,
      dist,
      h("div", { class: "xai-hint", text: `model predicts: ${top.map((c) => `${className(names, c)} ${tree.dist[i * C + c]}`).join(", ") || "no samples"}` }),
      thumbs,
      h("div", { class: "xai-hint xai-thumb-note" }),
    ];
    ui.detail.replaceChildren(...parts.filter((x): x is HTMLElement => x !== null));
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
    const names = classNames();
    let shown = 0;
    for (const k of want) {
      const t = cache.get(k);
      if (!t) {
        if (!standalone) box.append(h("div", { class: "xai-thumb-slot", title: `sample ${k}: loading` }));
        continue;
      }
      const c = h("canvas", { class: "xai-thumb", "data-index": k, title: `sample ${k}: click to trace its path` });
      putRGBA(c, inputRGBA(t.q, t.offset, t.h, t.w, t.c), t.w, t.h);
      if (samples.treePred[k] !== samples.modelPred[k]) c.classList.add("xai-wrong");
      if (k === sample) c.classList.add("xai-current");
      c.addEventListener("click", () => selectSample(k), { signal });
      const pred = className(names, samples.modelPred[k]);
      const card = h("figure", { class: "xai-thumb-card", "data-index": k }, [
        c,
        h("span", { class: "xai-thumb-index", text: `#${k}` }),
        h("span", { class: "xai-thumb-pred", text: `pred ${pred}`, title: `the model predicts ${pred}` }),
      ]);
      card.style.margin = "0";
      if (samples.target) {
        const truth = className(names, samples.target[k]);
        card.append(h("span", { class: "xai-thumb-true", text: `true ${truth}`, title: `the true class is ${truth}` }));
        if (samples.target[k] !== samples.modelPred[k]) card.classList.add("xai-misclassified");
      }
      box.append(card);
      shown++;
    }
    if (note && !want.length) setText(note, "");
    else if (note) {
      const parts = [`${shown} of ${tree.count[node]} samples shown: index, the model's prediction, the true class (red: the model is wrong); red outline: the tree disagrees with the model; click one to trace its path`];
      if (standalone && shown < want.length) parts.push(`(offline: ${shown} embedded)`);
      setText(note, parts.join(" "));
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
        if (ui) setText(ui.status, `could not read thumbnails: ${String(err)}`);
        return;
      }
      if (ui && added) {
        setText(ui.status, "");
        paintThumbs(selectedNode, samplesAt(selectedNode, samples.leaf, euler.tin, euler.tout, Math.max(0, Number(model.get("n_thumbnails")) || 0)));
      }
    }, (err: unknown) => {
      ask.forEach((k) => pending.delete(k));
      if (ui) setText(ui.status, `thumbnails: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  // ---------------------------------------------------------------- sample path
  function selectSample(k: number, fromKernel = false): void {
    if (!Number.isFinite(k) || k < 0 || k >= samples.n) k = -1;
    sample = k;
    if (ui) ui.sampleIn.value = k >= 0 ? String(k) : "";
    if (k >= 0 && ui) ui.view.reveal(samples.leaf[k]);
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
      ui.info.replaceChildren(h("span", { class: "xai-hint", text: "no sample selected: click a thumbnail or type an index" }));
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
    const n = Math.max(tree.nClasses, 0);
    const item = (c: number, text: string) => {
      const sw = h("i");
      sw.style.background = colors[c] ?? "#888";
      const it = h("span", { class: "xai-legend-item", "data-class": c, title: className(names, c) }, [sw, text]);
      return it;
    };
    const groups = (model.get("class_groups") ?? {}) as Record<string, unknown>;
    const gid = Array.isArray(groups.group) ? (groups.group as number[]) : null;
    const rows: HTMLElement[] = [h("span", { class: "xai-hint xai-legend-title", text: "bars: the model's predictions, one colour per class" })];
    if (gid && gid.length === n) {
      const glabels = ((groups.groups as unknown[]) ?? []).map(String);
      const levels = ((groups.levels as unknown[]) ?? []).map(String);
      const level = (groups.level as number[]) ?? [];
      glabels.forEach((g, k) => {
        const members = [...Array(n).keys()].filter((c) => gid[c] === k).sort((a, b) => level[a] - level[b]);
        rows.push(h("span", { class: "xai-legend-group", text: g }));
        rows.push(h("span", { class: "xai-legend-row" }, members.map((c) => item(c, levels.length ? levels[level[c]] ?? className(names, c) : className(names, c)))));
      });
    } else {
      rows.push(h("span", { class: "xai-legend-row", style: "grid-column: 1 / -1" }, [...Array(n).keys()].map((c) => item(c, className(names, c)))));
    }
    ui.legend.replaceChildren(...rows);
  }

  function rebuild(): void {
    const problem = load();
    ui = buildUI(problem);
    ui.view.draw();
    decorate();
    legend();
    showDetail();
    showSampleInfo();
    el.dataset.xaiReady = "1";
  }

  const handlers: Handlers = [
    ["change:selected", () => {
      const k = Number(model.get("selected"));
      if (k !== sample) selectSample(k, true);
    }],
    ...["tree", "samples", "title", "class_names", "concept_names", "concept_values", "accuracy", "summary", "thumbs", "collapse_depth", "orientation", "class_groups"].map(
      (n): [string, () => void] => [`change:${n}`, rebuild],
    ),
    ["change:n_thumbnails", () => showDetail()],
  ];
  return attach(model, handlers, rebuild, () => ac.abort(), () => fetcher.dispose(), () => pending.clear());
}

export default { render };
