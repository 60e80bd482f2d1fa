// TimelineView view (MEME; docs/methods/meme.md "TimelineView state"). One sequence at a
// time on canvases (level of detail: one summary per pixel column, no DOM node per step):
// inputs, concept band, RNN and extracted outputs, disagreements, hidden-state heatmap. Zoom,
// hover, brushing, unit selection, the transition graph and trees run in the browser; the kernel
// is asked only for sequences that were not embedded and for matches of a brushed range.
import type { AnyModel } from "@anywidget/types";
import { lutFor, PALETTE } from "./lib/colormap";
import { ctx2d, h, localXY, s, setText } from "./lib/dom";
import { Fetcher, isStandalone } from "./lib/fetch";
import { className, fmt } from "./lib/format";
import { applyTheme } from "./lib/theme";
import { columnAny, columnEdges, columnMeans, columnMinMax, columnMode, rowsOn, stepAt } from "./lib/timeline_lod";
import { Tooltip, type TipLine } from "./lib/tooltip";
import { pathTo } from "./lib/treelayout";
import { decodeArray, decodeFloat, decodeInt, decodeQuantized, type Quantized, type WireArray, type WireQuantized } from "./lib/wire";
import { TREE_CSS, TreeView } from "./views/treeview";
import { attach, type Handlers } from "./lib/lifecycle";

export interface TimelineTraits {
  title: string;
  feature_names: string[];
  class_names: string[];
  concepts: Record<string, unknown>;
  trees: TreeState[];
  summary: Record<string, unknown>;
  lengths: Record<string, unknown>;
  sequences: { blocks?: Record<string, unknown>[] };
  index: number;
  threshold: number;
}

export interface TreeState {
  source: number;
  yes: number[];
  no: number[];
  test: string[];
  value: number[];
  n_train: number[];
  merged: string[][];
  rules: string[];
}

type Model = AnyModel<TimelineTraits> & { standalone?: boolean };

export interface SequenceData {
  index: number;
  length: number;
  nFeatures: number;
  x: Float32Array | Float64Array; // (L, F)
  concept: Int32Array;
  output: Int32Array;
  rnn: Int32Array;
  score: Float32Array | Float64Array;
  leaf: Int32Array;
  states: Quantized; // (1, H, L)
  units: Int32Array;
}

interface Concepts {
  names: string[];
  colors: string[];
  majority: Int32Array;
  share: Float32Array | Float64Array;
  purity: Float32Array | Float64Array;
  matrix: Float32Array | Float64Array;
  k: number;
}

export function decodeSequence(b: Record<string, unknown>): SequenceData {
  const x = decodeArray(b.x as WireArray);
  return {
    index: Number(b.index),
    length: Number(b.length),
    nFeatures: x.shape[1] ?? 0,
    x: x.data as Float32Array,
    concept: decodeInt(b.concept as WireArray),
    output: decodeInt(b.output as WireArray),
    rnn: decodeInt(b.rnn as WireArray),
    score: decodeFloat(b.score as WireArray),
    leaf: decodeInt(b.leaf as WireArray),
    states: decodeQuantized(b.states as WireQuantized),
    units: decodeInt(b.units as WireArray),
  };
}

function decodeConcepts(w: Record<string, unknown>): Concepts {
  const names = ((w.names as unknown[]) ?? []).map(String);
  return {
    names,
    colors: ((w.colors as unknown[]) ?? []).map(String),
    majority: decodeInt(w.majority as WireArray),
    share: decodeFloat(w.share as WireArray),
    purity: decodeFloat(w.purity as WireArray),
    matrix: decodeFloat(w.matrix as WireArray),
    k: names.length,
  };
}

/** Class colours: the Tableau 10 palette the static snapshot uses too. */
export const classColor = (c: number): string => PALETTE[((c % PALETTE.length) + PALETTE.length) % PALETTE.length];

const LEFT = 96; // label gutter of the canvases, CSS px
const ROW = 40;
const BAND = 14;
const GAP = 6;
const HEAT_ROW = 6;
const BAD = "#d1242f";

const CSS = `
.xai-root .xai-tl-grid { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.xai-root .xai-tl-main { flex: 1 1 640px; min-width: 360px; display: flex; flex-direction: column; gap: 4px; }
.xai-root .xai-tl-side { flex: 0 1 330px; min-width: 260px; display: flex; flex-direction: column; gap: 8px; }
.xai-root .xai-tl-wrap { position: relative; line-height: 0; }
.xai-root canvas.xai-tl-canvas { display: block; width: 100%; cursor: crosshair; touch-action: none; }
.xai-root .xai-tl-cursor { position: absolute; top: 0; bottom: 0; width: 1px; background: var(--xai-fg); opacity: 0.6; pointer-events: none; display: none; }
.xai-root .xai-tl-sel { position: absolute; top: 0; bottom: 0; background: var(--xai-accent); opacity: 0.18; pointer-events: none; display: none; }
.xai-root .xai-tl-caption { font-size: 0.85em; color: var(--xai-fg2); }
.xai-root .xai-tl-legend { display: flex; flex-wrap: wrap; gap: 2px 12px; font-size: 0.9em; align-items: center; }
.xai-root .xai-tl-legend .xai-swatch { height: 10px; width: 12px; }
.xai-root .xai-tl-legend .xai-tl-concept { cursor: pointer; }
.xai-root .xai-tl-legend .xai-tl-concept.xai-on { font-weight: 700; text-decoration: underline; }
.xai-root .xai-tl-detail { font-size: 0.9em; min-height: 3em; }
.xai-root .xai-tl-detail .xai-tl-rule { font-family: var(--xai-mono); white-space: pre-wrap; }
.xai-root .xai-tl-matches button { display: block; margin: 2px 0; text-align: left; width: 100%; }
.xai-root svg.xai-tl-graph { border: 1px solid var(--xai-border); background: var(--xai-bg); user-select: none; }
.xai-root svg.xai-tl-graph text { fill: var(--xai-fg); font-family: var(--xai-font); font-size: 11px; pointer-events: none;
  paint-order: stroke; stroke: var(--xai-bg); stroke-width: 3px; stroke-linejoin: round; } /* a halo: labels stay legible across edges */
.xai-root svg.xai-tl-graph .xai-tl-edge { fill: none; stroke: var(--xai-fg2); cursor: pointer; }
.xai-root svg.xai-tl-graph .xai-tl-edge:hover, .xai-root svg.xai-tl-graph .xai-tl-edge.xai-on { stroke: var(--xai-accent); }
.xai-root svg.xai-tl-graph .xai-tl-edge-label { fill: var(--xai-fg2); font-size: 10px; }
.xai-root svg.xai-tl-graph .xai-tl-arrowhead { fill: var(--xai-fg2); }
.xai-root svg.xai-tl-graph circle.xai-tl-node { stroke-width: 3; cursor: pointer; }
.xai-root svg.xai-tl-graph .xai-tl-node-g.xai-on circle.xai-tl-node { stroke: var(--xai-fg); stroke-width: 4; }
.xai-root .xai-tl-tree h4 { margin: 4px 0; font-size: 1em; }
${TREE_CSS}
`;

const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : "n/a");

function render({ model, el }: { model: Model; el: HTMLElement }): () => void {
  const started = typeof performance !== "undefined" ? performance.now() : 0;
  const ac = new AbortController();
  const { signal } = ac;
  const standalone = isStandalone(model);
  applyTheme(el);
  if (!el.querySelector(":scope > style[data-xai-timeline]")) {
    const style = h("style", { "data-xai-timeline": "1" });
    style.textContent = CSS;
    el.append(style);
  }
  const fetcher = new Fetcher(model);
  const cache = new Map<number, SequenceData>();
  let concepts: Concepts;
  let trees: TreeState[] = [];
  let lengths: Int32Array = new Int32Array(0);
  let seq: SequenceData | null = null;
  let view = { v0: 0, v1: 1 };
  let brush: [number, number] | null = null; // steps selected on the heatmap
  let units: number[] = []; // display rows on across the brushed range
  let highlight = -1; // concept highlighted from the graph or legend
  let pinned = -1; // step whose transition is shown
  let treeSource = -2;
  let painted = false;
  let tooltip: Tooltip;
  let tree: TreeView | null = null;
  let ui: ReturnType<typeof buildUI> | null = null;

  const features = () => (model.get("feature_names") ?? []).map(String);
  const classes = () => (model.get("class_names") ?? []).map(String);
  const sm = () => (model.get("summary") ?? {}) as Record<string, unknown>;

  function load(): string {
    cache.clear();
    try {
      concepts = decodeConcepts(model.get("concepts") ?? {});
      trees = (model.get("trees") ?? []) as TreeState[];
      lengths = decodeInt(((model.get("lengths") ?? {}) as Record<string, unknown>).lengths as WireArray);
      for (const b of model.get("sequences")?.blocks ?? []) {
        const d = decodeSequence(b);
        cache.set(d.index, d);
      }
    } catch (err) {
      console.error("xaiwidgets:", err);
      concepts = { names: [], colors: [], majority: new Int32Array(0), share: new Float32Array(0), purity: new Float32Array(0), matrix: new Float32Array(0), k: 0 };
      return `could not read the timeline: ${err instanceof Error ? err.message : String(err)}`;
    }
    return "";
  }

  // ---------------------------------------------------------------- layout
  function buildUI(problem: string) {
    for (const c of [...el.children]) if (!(c instanceof HTMLStyleElement)) c.remove();
    tooltip = new Tooltip(el);
    const summary = sm();
    const facts: string[] = [`${summary.n ?? "?"} sequences`, `${concepts.k} concepts`, `window ${summary.window ?? "?"}`];
    if (summary.per_step) facts.push(`per-step fidelity ${pct(Number(summary.step_fidelity))}`);
    else facts.push(`final-step fidelity ${pct(Number(summary.final_fidelity))}`);
    const title = String(model.get("title") ?? "");
    const header = h("div", { class: "xai-header" }, [
      title ? h("h3", { class: "xai-title", text: title }) : null,
      h("span", { class: "xai-info xai-summary", text: facts.join(" · ") }),
    ]);
    const prev = h("button", { type: "button", class: "xai-prev", text: "‹", title: "previous sequence" });
    const next = h("button", { type: "button", class: "xai-next", text: "›", title: "next sequence" });
    const input = h("input", { type: "number", class: "xai-seq-index", min: 0, max: Math.max(0, lengths.length - 1), step: 1, "aria-label": "sequence" });
    const reset = h("button", { type: "button", class: "xai-reset", text: "whole sequence", title: "zoom out to the whole sequence" });
    const thr = h("input", { type: "number", class: "xai-threshold", step: 0.05, min: -1, max: 1, "aria-label": "on threshold" });
    thr.value = String(Number(model.get("threshold") ?? 0.3));
    const info = h("span", { class: "xai-info xai-seq-info" });
    const controls = h("div", { class: "xai-controls" }, [
      h("span", { class: "xai-nav" }, ["sequence", prev, input, next]), info, reset,
      h("label", { title: "a unit is on above this value" }, ["on above", thr]),
      h("span", { class: "xai-hint", text: "drag on the overview to zoom · hover for values · click a step for its rule · drag on the states to select steps" }),
    ]);
    prev.addEventListener("click", () => select((seq?.index ?? 0) - 1), { signal });
    next.addEventListener("click", () => select((seq?.index ?? 0) + 1), { signal });
    input.addEventListener("change", () => select(Math.round(Number(input.value))), { signal });
    reset.addEventListener("click", () => zoomTo(0, seq?.length ?? 1), { signal });
    thr.addEventListener("change", () => {
      model.set("threshold", Number(thr.value));
      if (!standalone) model.save_changes();
      updateUnits();
    }, { signal });
    const status = h("div", { class: "xai-status", role: "status", text: problem });

    const main = h("canvas", { class: "xai-tl-canvas xai-tl-timeline", "aria-label": "inputs, concepts and outputs over time" });
    const cursor = h("div", { class: "xai-tl-cursor" });
    const mainWrap = h("div", { class: "xai-tl-wrap" }, [main, cursor]);
    const overview = h("canvas", { class: "xai-tl-canvas xai-tl-overview", "aria-label": "overview: drag to zoom" });
    const ovSel = h("div", { class: "xai-tl-sel" });
    const ovWrap = h("div", { class: "xai-tl-wrap" }, [overview, ovSel]);
    const heat = h("canvas", { class: "xai-tl-canvas xai-tl-states", "aria-label": "hidden states: units x steps" });
    const heatSel = h("div", { class: "xai-tl-sel" });
    const heatCursor = h("div", { class: "xai-tl-cursor" });
    const heatWrap = h("div", { class: "xai-tl-wrap" }, [heat, heatSel, heatCursor]);
    const legend = h("div", { class: "xai-tl-legend" });
    const mainCol = h("div", { class: "xai-tl-main" }, [
      mainWrap, ovWrap, legend,
      h("div", { class: "xai-tl-caption", text: "hidden states (units ordered by the concept centroids; blue low, red high)" }),
      heatWrap,
    ]);
    const detail = h("div", { class: "xai-tl-detail" });
    const unitsBox = h("div", { class: "xai-tl-units" });
    const matches = h("div", { class: "xai-tl-matches" });
    const graph = s("svg", { class: "xai-tl-graph", width: 330, height: 290, role: "img", "aria-label": "concept transition graph" });
    const treeBox = h("div", { class: "xai-tl-tree" });
    const graphCaption = h("div", { class: "xai-tl-caption", text: "concept transitions (click a concept or an arrow for its tree)" });
    const side = h("div", { class: "xai-tl-side" }, [detail, unitsBox, matches, graphCaption, graph, treeBox]);
    el.append(header, controls, status, h("div", { class: "xai-tl-grid" }, [mainCol, side]));
    attachMain(main, cursor);
    attachOverview(overview);
    attachHeat(heat, heatCursor);
    return { main, cursor, overview, ovSel, heat, heatSel, heatCursor, legend, detail, unitsBox, matches, graph, treeBox, status, input, info };
  }

  // ---------------------------------------------------------------- geometry
  function widthOf(c: HTMLCanvasElement): number {
    const w = c.clientWidth || c.parentElement?.clientWidth || 0;
    return w > 0 ? w : 760;
  }

  function sizeCanvas(c: HTMLCanvasElement, cssH: number): { ctx: CanvasRenderingContext2D | null; w: number; hgt: number } {
    const w = widthOf(c);
    const dpr = (typeof window !== "undefined" && window.devicePixelRatio) || 1;
    c.style.height = `${cssH}px`;
    const W = Math.round(w * dpr);
    const H = Math.round(cssH * dpr);
    if (c.width !== W) c.width = W;
    if (c.height !== H) c.height = H;
    const ctx = ctx2d(c);
    ctx?.setTransform(dpr, 0, 0, dpr, 0, 0);
    return { ctx, w, hgt: cssH };
  }

  function shownFeatures(): number {
    return Math.min(seq?.nFeatures ?? 0, 8);
  }

  function mainHeight(): number {
    return shownFeatures() * (ROW + GAP) + 4 * (BAND + GAP) + 4;
  }

  function cssVar(name: string, fallback: string): string {
    try {
      return getComputedStyle(el).getPropertyValue(name).trim() || fallback;
    } catch {
      return fallback;
    }
  }

  // ---------------------------------------------------------------- drawing
  function drawMain(): void {
    if (!ui || !seq) return;
    const { ctx, w } = sizeCanvas(ui.main, mainHeight());
    if (!ctx) return;
    const fg = cssVar("--xai-fg2", "#59636e");
    const line = cssVar("--xai-accent", "#1a73e8");
    ctx.clearRect(0, 0, w, mainHeight());
    const plot = Math.max(10, w - LEFT);
    const cols = Math.max(1, Math.min(Math.round(plot), view.v1 - view.v0));
    const cw = plot / cols;
    const edges = columnEdges(view.v0, view.v1, cols);
    const F = seq.nFeatures;
    const names = features();
    ctx.font = "11px sans-serif";
    ctx.textBaseline = "middle";
    let y = 0;
    for (let j = 0; j < shownFeatures(); j++) {
      const all = columnMinMax(seq.x, columnEdges(0, seq.length, 1), F, j);
      const lo = all.lo[0];
      const span = all.hi[0] - lo || 1;
      const { lo: mn, hi: mx } = columnMinMax(seq.x, edges, F, j);
      ctx.fillStyle = fg;
      ctx.fillText(names[j] ?? `x${j}`, 2, y + ROW / 2, LEFT - 6);
      ctx.strokeStyle = line;
      ctx.fillStyle = line;
      ctx.lineWidth = 1.25;
      ctx.beginPath();
      for (let c = 0; c < cols; c++) {
        if (Number.isNaN(mn[c])) continue;
        const x = LEFT + (c + 0.5) * cw;
        const yHi = y + ROW - ((mx[c] - lo) / span) * ROW;
        const yLo = y + ROW - ((mn[c] - lo) / span) * ROW;
        if (c === 0) ctx.moveTo(x, (yHi + yLo) / 2);
        else ctx.lineTo(x, (yHi + yLo) / 2);
        if (yLo - yHi > 1) ctx.fillRect(x - 0.5, yHi, 1, yLo - yHi); // min..max of the column
      }
      ctx.stroke();
      y += ROW + GAP;
    }
    const bands: [string, Int32Array, (v: number) => string, number][] = [
      ["concept", seq.concept, (v) => concepts.colors[v] ?? "#888", concepts.k],
      ["RNN", seq.rnn, classColor, classes().length],
      ["extracted", seq.output, classColor, classes().length],
    ];
    for (const [label, codes, color, k] of bands) {
      const mode = columnMode(codes, edges, k);
      ctx.fillStyle = fg;
      ctx.fillText(label, 2, y + BAND / 2, LEFT - 6);
      for (let c = 0; c < cols; c++) {
        if (mode[c] < 0) continue;
        ctx.globalAlpha = label === "concept" && highlight >= 0 && mode[c] !== highlight ? 0.18 : 1;
        ctx.fillStyle = color(mode[c]);
        ctx.fillRect(LEFT + c * cw, y, cw + 0.5, BAND);
      }
      ctx.globalAlpha = 1;
      if (label === "concept") {
        // transitions: a tick above the band where the concept changes
        const moved = columnAny(edges, (t) => t > 0 && seq!.concept[t] !== seq!.concept[t - 1]);
        ctx.fillStyle = cssVar("--xai-fg", "#1f2328");
        for (let c = 0; c < cols; c++) if (moved[c]) ctx.fillRect(LEFT + c * cw + cw / 2 - 0.75, y - 4, 1.5, 4);
      }
      y += BAND + GAP;
    }
    const wrong = columnAny(edges, (t) => seq!.rnn[t] !== seq!.output[t]);
    ctx.fillStyle = fg;
    ctx.fillText("disagree", 2, y + BAND / 2, LEFT - 6);
    ctx.fillStyle = BAD;
    for (let c = 0; c < cols; c++) if (wrong[c]) ctx.fillRect(LEFT + c * cw, y + 2, Math.max(cw, 1.5), BAND - 4);
    if (pinned >= view.v0 && pinned < view.v1) {
      ctx.strokeStyle = cssVar("--xai-fg", "#1f2328");
      ctx.setLineDash([3, 3]);
      const x = LEFT + ((pinned - view.v0 + 0.5) / (view.v1 - view.v0)) * plot;
      ctx.beginPath();
      ctx.moveTo(x, 0);
      ctx.lineTo(x, mainHeight());
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }

  function drawOverview(): void {
    if (!ui || !seq) return;
    const hgt = 22;
    const { ctx, w } = sizeCanvas(ui.overview, hgt);
    if (!ctx) return;
    ctx.clearRect(0, 0, w, hgt);
    const plot = Math.max(10, w - LEFT);
    const cols = Math.max(1, Math.min(Math.round(plot), seq.length));
    const edges = columnEdges(0, seq.length, cols);
    const mode = columnMode(seq.concept, edges, concepts.k);
    for (let c = 0; c < cols; c++) {
      if (mode[c] < 0) continue;
      ctx.fillStyle = concepts.colors[mode[c]] ?? "#888";
      ctx.fillRect(LEFT + (c * plot) / cols, 4, plot / cols + 0.5, hgt - 8);
    }
    ctx.fillStyle = cssVar("--xai-fg2", "#59636e");
    ctx.font = "11px sans-serif";
    ctx.textBaseline = "middle";
    ctx.fillText("overview", 2, hgt / 2, LEFT - 6);
    const sel = ui.ovSel;
    const full = view.v0 === 0 && view.v1 === seq.length;
    sel.style.display = full ? "none" : "block";
    sel.style.left = `${LEFT + (view.v0 / seq.length) * plot}px`;
    sel.style.width = `${Math.max(2, ((view.v1 - view.v0) / seq.length) * plot)}px`;
  }

  function drawHeat(): void {
    if (!ui || !seq) return;
    const H = seq.states.shape[1] ?? 0;
    const L = seq.length;
    const hgt = Math.max(48, Math.min(320, H * HEAT_ROW));
    const { ctx, w } = sizeCanvas(ui.heat, hgt);
    if (!ctx || !H) return;
    ctx.clearRect(0, 0, w, hgt);
    const plot = Math.max(10, w - LEFT);
    const cols = Math.max(1, Math.min(Math.round(plot), view.v1 - view.v0));
    const edges = columnEdges(view.v0, view.v1, cols);
    const means = columnMeans(seq.states.q, H, L, edges);
    const lut = lutFor("RdBu", true);
    const img = new Uint8ClampedArray(cols * H * 4);
    for (let i = 0; i < cols * H; i++) img.set(lut.subarray(means[i] * 4, means[i] * 4 + 4), i * 4);
    const off = document.createElement("canvas");
    off.width = cols;
    off.height = H;
    const octx = ctx2d(off);
    if (octx) {
      const data = octx.createImageData(cols, H);
      data.data.set(img);
      octx.putImageData(data, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(off, LEFT, 0, plot, hgt);
    }
    const rowH = hgt / H;
    ctx.fillStyle = cssVar("--xai-fg2", "#59636e");
    ctx.font = "11px sans-serif";
    ctx.textBaseline = "middle";
    ctx.fillText(`${H} units`, 2, hgt / 2, LEFT - 6);
    ctx.fillStyle = cssVar("--xai-fg", "#1f2328");
    for (const r of units) ctx.fillRect(LEFT - 8, r * rowH, 6, Math.max(rowH, 1.5)); // units on
    const sel = ui.heatSel;
    if (brush && brush[1] > view.v0 && brush[0] < view.v1) {
      const a = Math.max(brush[0], view.v0);
      const b = Math.min(brush[1], view.v1);
      sel.style.display = "block";
      sel.style.left = `${LEFT + ((a - view.v0) / (view.v1 - view.v0)) * plot}px`;
      sel.style.width = `${Math.max(2, ((b - a) / (view.v1 - view.v0)) * plot)}px`;
    } else sel.style.display = "none";
  }

  function drawAll(): void {
    drawMain();
    drawOverview();
    drawHeat();
  }

  // ---------------------------------------------------------------- interaction
  function plotWidth(c: HTMLCanvasElement): number {
    return Math.max(10, widthOf(c) - LEFT);
  }

  function stepOf(ev: MouseEvent, c: HTMLCanvasElement): number {
    const { x } = localXY(ev, c);
    return stepAt(x - LEFT, plotWidth(c), view.v0, view.v1);
  }

  function placeCursor(cur: HTMLElement, c: HTMLCanvasElement, t: number): void {
    const x = LEFT + ((t - view.v0 + 0.5) / (view.v1 - view.v0)) * plotWidth(c);
    cur.style.left = `${x}px`;
    cur.style.display = "block";
  }

  function ruleOf(t: number): string {
    if (!seq) return "";
    const names = concepts.names;
    const to = names[seq.concept[t]] ?? "?";
    if (t === 0) {
      if (String(sm().start) === "tree") {
        const tr = trees.find((x) => x.source === -1);
        return `start: ${tr?.rules?.[seq.leaf[0]] || "always"} -> ${to}`;
      }
      return `start: the RNN's first state -> ${to}`;
    }
    const src = seq.concept[t - 1];
    const tr = trees.find((x) => x.source === src);
    const words = tr?.rules?.[seq.leaf[t]] || "always";
    return `from ${names[src] ?? "?"}: ${words} -> ${to}`;
  }

  function stepTip(t: number): TipLine[] {
    if (!seq) return [];
    const names = features();
    const cn = classes();
    const lines: TipLine[] = [["step", String(t)]];
    for (let j = 0; j < seq.nFeatures && j < 12; j++) lines.push([names[j] ?? `x${j}`, fmt(seq.x[t * seq.nFeatures + j], 4)]);
    lines.push(["concept", concepts.names[seq.concept[t]] ?? "?"]);
    const score = cn.length === 2 ? ` (p(${className(cn, 1)}) = ${fmt(seq.score[t], 3)})` : "";
    lines.push(["RNN", `${className(cn, seq.rnn[t])}${score}`]);
    lines.push(["extracted", className(cn, seq.output[t]) + (seq.output[t] !== seq.rnn[t] ? "  ≠ RNN" : "")]);
    lines.push(ruleOf(t));
    return lines;
  }

  function attachMain(c: HTMLCanvasElement, cur: HTMLElement): void {
    c.addEventListener("mousemove", (ev) => {
      if (!seq) return;
      const t = stepOf(ev, c);
      placeCursor(cur, c, t);
      tooltip.show(ev, stepTip(t));
    }, { signal });
    c.addEventListener("mouseleave", () => {
      cur.style.display = "none";
      tooltip.hide();
    }, { signal });
    c.addEventListener("click", (ev) => {
      if (!seq) return;
      pin(stepOf(ev, c));
    }, { signal });
  }

  function attachOverview(c: HTMLCanvasElement): void {
    let start: number | null = null;
    const stepFull = (ev: MouseEvent) => stepAt(localXY(ev, c).x - LEFT, plotWidth(c), 0, seq?.length ?? 1);
    c.addEventListener("pointerdown", (ev) => {
      if (!seq) return;
      start = stepFull(ev);
      c.setPointerCapture?.(ev.pointerId);
    }, { signal });
    c.addEventListener("pointerup", (ev) => {
      if (start === null || !seq) return;
      const end = stepFull(ev);
      const [a, b] = start <= end ? [start, end + 1] : [end, start + 1];
      start = null;
      if (b - a <= 1) {
        // a click recentres the current zoom there
        const half = Math.floor((view.v1 - view.v0) / 2);
        zoomTo(a - half, a - half + (view.v1 - view.v0));
      } else zoomTo(a, b);
    }, { signal });
  }

  function attachHeat(c: HTMLCanvasElement, cur: HTMLElement): void {
    let start: number | null = null;
    c.addEventListener("pointerdown", (ev) => {
      if (!seq) return;
      start = stepOf(ev, c);
      c.setPointerCapture?.(ev.pointerId);
    }, { signal });
    c.addEventListener("pointermove", (ev) => {
      if (!seq) return;
      const t = stepOf(ev, c);
      placeCursor(cur, c, t);
      if (start !== null) {
        brush = start <= t ? [start, t + 1] : [t, start + 1];
        drawHeat();
        return;
      }
      const H = seq.states.shape[1] ?? 0;
      const { y, height } = localXY(ev, c);
      const r = Math.max(0, Math.min(H - 1, Math.floor((y / Math.max(height, 1)) * H)));
      const q = seq.states.q[r * seq.length + t];
      const v = seq.states.lo[0] + ((seq.states.hi[0] - seq.states.lo[0]) * q) / 255;
      tooltip.show(ev, [["step", String(t)], ["unit", String(seq.units[r])], ["state", fmt(v, 3)], ["concept", concepts.names[seq.concept[t]] ?? "?"]]);
    }, { signal });
    c.addEventListener("pointerup", (ev) => {
      if (start === null || !seq) return;
      const t = stepOf(ev, c);
      brush = start <= t ? [start, t + 1] : [t, start + 1];
      start = null;
      updateUnits();
    }, { signal });
    c.addEventListener("mouseleave", () => {
      cur.style.display = "none";
      tooltip.hide();
    }, { signal });
  }

  function zoomTo(a: number, b: number): void {
    if (!seq) return;
    const L = seq.length;
    let v0 = Math.round(a);
    let v1 = Math.round(b);
    const span = Math.max(1, Math.min(L, v1 - v0));
    v0 = Math.max(0, Math.min(L - span, v0));
    v1 = v0 + span;
    view = { v0, v1 };
    drawAll();
  }

  function pin(t: number): void {
    if (!ui || !seq) return;
    pinned = t;
    const cn = classes();
    ui.detail.replaceChildren(
      h("b", { text: `step ${t}: ${concepts.names[seq.concept[t]] ?? "?"}` }),
      h("div", { text: `RNN → ${className(cn, seq.rnn[t])} · extracted → ${className(cn, seq.output[t])}` }),
      h("div", { class: "xai-tl-rule", text: ruleOf(t) }),
    );
    const src = t === 0 ? -1 : seq.concept[t - 1];
    if (t > 0 || String(sm().start) === "tree") showTree(src, seq.leaf[t]);
    drawMain();
  }

  // ---------------------------------------------------------------- units and matches
  function updateUnits(): void {
    if (!ui || !seq) return;
    ui.matches.replaceChildren();
    if (!brush) {
      units = [];
      ui.unitsBox.replaceChildren(h("span", { class: "xai-hint", text: "drag across the hidden states to see which units stay on" }));
      drawHeat();
      return;
    }
    const H = seq.states.shape[1] ?? 0;
    const lo = seq.states.lo[0];
    const hi = seq.states.hi[0];
    const thr = Number(model.get("threshold") ?? 0.3);
    const code = Math.floor(((thr - lo) / ((hi - lo) || 1)) * 255);
    units = rowsOn(seq.states.q, H, seq.length, brush[0], brush[1], code);
    const [a, b] = brush;
    const label = units.length
      ? `${units.length} unit${units.length > 1 ? "s" : ""} above ${fmt(thr)} at every step ${a}–${b - 1}: ${units.map((r) => seq!.units[r]).join(", ")}`
      : `no unit stays above ${fmt(thr)} across steps ${a}–${b - 1}`;
    const find = h("button", { type: "button", class: "xai-find", text: "sequences with these units on", disabled: standalone || !units.length });
    const findConcepts = h("button", { type: "button", class: "xai-find-concepts", text: "sequences with this concept path", disabled: standalone });
    find.addEventListener("click", () => requestMatches("states"), { signal });
    findConcepts.addEventListener("click", () => requestMatches("concepts"), { signal });
    ui.unitsBox.replaceChildren(h("div", { class: "xai-units-on", text: label }), find, findConcepts,
      standalone ? h("div", { class: "xai-hint", text: "searching other sequences needs the kernel" }) : "");
    drawHeat();
  }

  function requestMatches(by: string): void {
    if (!ui || !seq || !brush) return;
    ui.matches.replaceChildren(h("span", { class: "xai-hint", text: "searching…" }));
    const [a, b] = brush;
    fetcher.fetch("match", { index: seq.index, start: a, stop: b, by, units, threshold: Number(model.get("threshold") ?? 0.3) }).then((block) => {
      if (!ui) return;
      const hits = (block.matches ?? []) as { sequence: number; start: number; stop: number; score: number }[];
      if (!hits.length) {
        ui.matches.replaceChildren(h("span", { class: "xai-hint", text: "no other sequence is long enough" }));
        return;
      }
      ui.matches.replaceChildren(h("div", { class: "xai-hint", text: by === "states" ? "best windows (share of those units on, minus others on):" : "best windows (share of steps in the same concept):" }),
        ...hits.map((m) => {
          const btn = h("button", { type: "button", class: "xai-match", "data-sequence": m.sequence, text: `sequence ${m.sequence} · steps ${m.start}–${m.stop - 1} · ${fmt(m.score, 3)}` });
          btn.addEventListener("click", () => select(m.sequence, [m.start, m.stop]), { signal });
          return btn;
        }));
    }, (err: unknown) => {
      if (ui) ui.matches.replaceChildren(h("span", { class: "xai-status", text: `search failed: ${err instanceof Error ? err.message : String(err)}` }));
    });
  }

  // ---------------------------------------------------------------- graph and trees
  function legend(): void {
    if (!ui) return;
    const items = concepts.names.map((name, j) => {
      const sw = h("span", { class: "xai-swatch" });
      sw.style.background = concepts.colors[j];
      const item = h("span", { class: `xai-tl-concept${highlight === j ? " xai-on" : ""}`, "data-concept": j, title: `${name}: ${className(classes(), concepts.majority[j])}, purity ${pct(concepts.purity[j])}, ${pct(concepts.share[j])} of the states` }, [sw, name]);
      item.addEventListener("click", () => highlightConcept(highlight === j ? -1 : j), { signal });
      return item;
    });
    const cls = classes().map((name, c) => {
      const sw = h("span", { class: "xai-swatch" });
      sw.style.background = classColor(c);
      return h("span", {}, [sw, name]);
    });
    ui.legend.replaceChildren(h("span", { class: "xai-hint", text: "concepts:" }), ...items, h("span", { class: "xai-hint", text: "classes:" }), ...cls);
  }

  function highlightConcept(j: number): void {
    highlight = j;
    legend();
    graph();
    drawMain();
    if (j >= 0) showTree(j, -1);
  }

  function graph(): void {
    if (!ui) return;
    const svg = ui.graph;
    svg.replaceChildren();
    const k = concepts.k;
    const W = 330;
    const H = 290;
    const cx = W / 2;
    const cy = H / 2 + 8;
    const R = k > 1 ? 78 : 0;
    const pos = concepts.names.map((_, j) => {
      const a = -Math.PI / 2 + (2 * Math.PI * j) / Math.max(k, 1);
      return [cx + R * Math.cos(a), cy + R * Math.sin(a)];
    });
    const rad = (j: number) => 10 + 22 * Math.sqrt(Math.max(0, concepts.share[j]));
    const defs = s("defs", {}, [s("marker", { id: "xai-tl-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" }, [s("path", { class: "xai-tl-arrowhead", d: "M0,0 L10,5 L0,10 z" })])]);
    svg.append(defs);
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        const p = concepts.matrix[a * k + b];
        if (!(p >= 0.005)) continue;
        const [x1, y1] = pos[a];
        const [x2, y2] = pos[b];
        let d: string;
        let lx: number;
        let ly: number;
        if (a === b) {
          const r = rad(a);
          const dx = x1 - cx;
          const dy = y1 - cy;
          const n = Math.hypot(dx, dy) || 1;
          const ox = (dx / n) * r;
          const oy = (dy / n) * r;
          const px = -oy * 0.6;
          const py = ox * 0.6;
          const sx = x1 + ox + px;
          const sy = y1 + oy + py;
          const ex = x1 + ox - px;
          const ey = y1 + oy - py;
          d = `M${sx},${sy} C${sx + ox * 2.2},${sy + oy * 2.2} ${ex + ox * 2.2},${ey + oy * 2.2} ${ex},${ey}`;
          lx = x1 + ox * 3.1;
          ly = y1 + oy * 3.1 + 4;
        } else {
          const dx = x2 - x1;
          const dy = y2 - y1;
          const n = Math.hypot(dx, dy) || 1;
          const ux = dx / n;
          const uy = dy / n;
          const bend = 16;
          const sx = x1 + ux * rad(a);
          const sy = y1 + uy * rad(a);
          const ex = x2 - ux * (rad(b) + 2);
          const ey = y2 - uy * (rad(b) + 2);
          const mx = (sx + ex) / 2 - uy * bend;
          const my = (sy + ey) / 2 + ux * bend;
          d = `M${sx},${sy} Q${mx},${my} ${ex},${ey}`;
          lx = mx;
          ly = my;
        }
        const edge = s("path", { class: `xai-tl-edge${highlight === a ? " xai-on" : ""}`, "data-from": a, "data-to": b, d, "stroke-width": 1 + 5 * p, "marker-end": "url(#xai-tl-arrow)" });
        const tip: TipLine[] = [`${concepts.names[a]} → ${concepts.names[b]}`, ["probability", pct(p)], "click: the tree of " + concepts.names[a]];
        edge.addEventListener("mousemove", (ev) => tooltip.show(ev, tip), { signal });
        edge.addEventListener("mouseleave", () => tooltip.hide(), { signal });
        edge.addEventListener("click", () => {
          highlight = a;
          legend();
          graph();
          drawMain();
          showTree(a, -1, b);
        }, { signal });
        svg.append(edge, s("text", { class: "xai-tl-edge-label", x: lx, y: ly, "text-anchor": "middle", text: p.toFixed(2) }));
      }
    }
    concepts.names.forEach((name, j) => {
      const [x, y] = pos[j];
      const g = s("g", { class: `xai-tl-node-g${highlight === j ? " xai-on" : ""}`, "data-concept": j });
      const circle = s("circle", { class: "xai-tl-node", cx: x, cy: y, r: rad(j), fill: concepts.colors[j], stroke: classColor(concepts.majority[j]) });
      g.append(circle, s("text", { x, y: y + rad(j) + 13, "text-anchor": "middle", text: name }));
      const tip: TipLine[] = [name, ["class", className(classes(), concepts.majority[j])], ["purity", pct(concepts.purity[j])], ["share of states", pct(concepts.share[j])]];
      circle.addEventListener("mousemove", (ev) => tooltip.show(ev, tip), { signal });
      circle.addEventListener("mouseleave", () => tooltip.hide(), { signal });
      circle.addEventListener("click", () => highlightConcept(highlight === j ? -1 : j), { signal });
      svg.append(g);
    });
  }

  /** The tree of `source` (-1: the start tree), with the path to `leaf` or the leaves to `to`. */
  function showTree(source: number, leaf: number, to = -1): void {
    if (!ui) return;
    const tr = trees.find((t) => t.source === source);
    if (!tr) return;
    const name = source === -1 ? "start" : `from ${concepts.names[source] ?? "?"}`;
    if (!tree || treeSource !== source) {
      ui.treeBox.replaceChildren(h("h4", { class: "xai-tl-tree-title", text: `next concept ${name}` }));
      const meta = tr.n_train.map((n) => `n=${n}`);
      tree = new TreeView(ui.treeBox, {
        nodes: { yes: tr.yes, no: tr.no, test: tr.test, value: tr.value, meta, merged: tr.merged },
        classNames: concepts.names,
        classColor: (c) => concepts.colors[c] ?? "#888",
        maxHeight: 360,
        tooltip,
      }, signal);
      treeSource = source;
      tree.draw();
    }
    const parent = tree.parents();
    const path = leaf >= 0 ? pathTo(parent, leaf) : [];
    const linked: number[] = [];
    if (to >= 0) for (let i = 0; i < tr.yes.length; i++) if (tr.yes[i] < 0 && tr.value[i] === to && (i === 0 || parent[i] >= 0)) linked.push(i);
    tree.decorate({ path, linked, selected: leaf >= 0 ? leaf : undefined });
  }

  // ---------------------------------------------------------------- sequences
  function show(d: SequenceData, range?: [number, number]): void {
    seq = d;
    brush = range ? [range[0], range[1]] : null;
    pinned = -1;
    if (range) {
      const pad = Math.max(5, Math.round((range[1] - range[0]) * 2));
      view = { v0: Math.max(0, range[0] - pad), v1: Math.min(d.length, range[1] + pad) };
    } else view = { v0: 0, v1: d.length };
    if (ui) {
      ui.input.value = String(d.index);
      const cn = classes();
      const last = d.length - 1;
      setText(ui.info, `${d.length} steps · RNN → ${className(cn, d.rnn[last])} · extracted → ${className(cn, d.output[last])}`);
      setText(ui.status, "");
      ui.detail.replaceChildren(h("span", { class: "xai-hint", text: "click a step to see the rule that chose its concept" }));
    }
    drawAll();
    updateUnits();
  }

  function select(i: number, range?: [number, number]): void {
    if (!Number.isFinite(i) || !lengths.length) return;
    i = Math.max(0, Math.min(lengths.length - 1, i));
    const have = cache.get(i);
    if (!standalone && Number(model.get("index")) !== i) {
      model.set("index", i);
      model.save_changes();
    }
    if (have) return show(have, range);
    if (standalone || !fetcher.available) {
      if (ui) {
        setText(ui.status, `sequence ${i} is not embedded in this page (offline: ${cache.size} of ${lengths.length} embedded)`);
        ui.input.value = String(seq?.index ?? 0);
      }
      return;
    }
    if (ui) setText(ui.status, `loading sequence ${i}…`);
    fetcher.fetch("sequence", { index: i }).then((block) => {
      const d = decodeSequence(block);
      cache.set(d.index, d);
      show(d, range);
    }, (err: unknown) => {
      if (ui) setText(ui.status, `sequence ${i}: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  function rebuild(): void {
    const problem = load();
    ui = buildUI(problem);
    tree = null;
    treeSource = -2;
    legend();
    graph();
    const want = Number(model.get("index")) || 0;
    const first = cache.get(want) ?? cache.values().next().value;
    if (first) show(first);
    if (!painted) {
      painted = true;
      if (typeof performance !== "undefined") el.dataset.xaiPaintMs = (performance.now() - started).toFixed(1);
    }
    el.dataset.xaiReady = "1";
    if (typeof ResizeObserver !== "undefined") {
      let lastW = 0;
      const ro = new ResizeObserver(() => {
        const w = ui?.main.clientWidth ?? 0;
        if (!w || Math.abs(w - lastW) < 1) return;
        lastW = w;
        drawAll();
      });
      ro.observe(ui.main);
      signal.addEventListener("abort", () => ro.disconnect());
    }
  }

  const handlers: Handlers = [
    ["change:index", () => {
      const i = Number(model.get("index"));
      if (i !== seq?.index) select(i);
    }],
    ["change:threshold", () => updateUnits()],
    ...["concepts", "trees", "sequences", "lengths", "title", "feature_names", "class_names", "summary"].map(
      (n): [string, () => void] => [`change:${n}`, rebuild],
    ),
  ];
  return attach(model, handlers, rebuild, () => ac.abort(), () => fetcher.dispose());
}

export default { render };
