// The timeline canvases of TimelineView: inputs, concept band, RNN and extracted outputs and
// their disagreements (main), the whole sequence (overview: drag to zoom) and the hidden states
// (heatmap: drag to select steps). Level of detail: one summary per pixel column.
import { lutFor } from "../lib/colormap";
import { ctx2d, h, localXY } from "../lib/dom";
import { className, fmt } from "../lib/format";
import { columnAny, columnEdges, columnMeans, columnMinMax, columnMode, stepAt } from "../lib/timeline_lod";
import type { TipLine, Tooltip } from "../lib/tooltip";
import { classColor, type TimelineState } from "./state";

const LEFT = 96; // label gutter of the canvases, CSS px
const ROW = 40;
const BAND = 14;
const GAP = 6;
const HEAT_ROW = 6;
const BAD = "#d1242f";

export interface CanvasActions {
  /** A click on step `t` of the main canvas. */
  pin(t: number): void;
  /** The brush on the hidden states was released. */
  brushed(): void;
}

export class TimelineCanvas {
  readonly main = h("canvas", { class: "xai-tl-canvas xai-tl-timeline", "aria-label": "inputs, concepts and outputs over time" });
  private readonly cursor = h("div", { class: "xai-tl-cursor" });
  readonly mainWrap = h("div", { class: "xai-tl-wrap" }, [this.main, this.cursor]);
  private readonly overview = h("canvas", { class: "xai-tl-canvas xai-tl-overview", "aria-label": "overview: drag to zoom" });
  private readonly ovSel = h("div", { class: "xai-tl-sel" });
  readonly ovWrap = h("div", { class: "xai-tl-wrap" }, [this.overview, this.ovSel]);
  private readonly heat = h("canvas", { class: "xai-tl-canvas xai-tl-states", "aria-label": "hidden states: units x steps" });
  private readonly heatSel = h("div", { class: "xai-tl-sel" });
  private readonly heatCursor = h("div", { class: "xai-tl-cursor" });
  readonly heatWrap = h("div", { class: "xai-tl-wrap" }, [this.heat, this.heatSel, this.heatCursor]);

  constructor(
    private readonly st: TimelineState,
    private readonly tooltip: Tooltip,
    private readonly actions: CanvasActions,
  ) {
    this.attachMain();
    this.attachOverview();
    this.attachHeat();
  }

  // ---------------------------------------------------------------- geometry
  private widthOf(c: HTMLCanvasElement): number {
    const w = c.clientWidth || c.parentElement?.clientWidth || 0;
    return w > 0 ? w : 760;
  }

  private sizeCanvas(c: HTMLCanvasElement, cssH: number): { ctx: CanvasRenderingContext2D | null; w: number; hgt: number } {
    const w = this.widthOf(c);
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

  private shownFeatures(): number {
    return Math.min(this.st.seq?.nFeatures ?? 0, 8);
  }

  private mainHeight(): number {
    return this.shownFeatures() * (ROW + GAP) + 4 * (BAND + GAP) + 4;
  }

  private cssVar(name: string, fallback: string): string {
    try {
      return getComputedStyle(this.st.ctx.el).getPropertyValue(name).trim() || fallback;
    } catch {
      return fallback;
    }
  }

  // ---------------------------------------------------------------- drawing
  drawMain(): void {
    const { seq, view, concepts, highlight, pinned } = this.st;
    if (!seq) return;
    const { ctx, w } = this.sizeCanvas(this.main, this.mainHeight());
    if (!ctx) return;
    const fg = this.cssVar("--xai-fg2", "#59636e");
    const line = this.cssVar("--xai-accent", "#1a73e8");
    ctx.clearRect(0, 0, w, this.mainHeight());
    const plot = Math.max(10, w - LEFT);
    const cols = Math.max(1, Math.min(Math.round(plot), view.v1 - view.v0));
    const cw = plot / cols;
    const edges = columnEdges(view.v0, view.v1, cols);
    const F = seq.nFeatures;
    const names = this.st.features();
    ctx.font = "11px sans-serif";
    ctx.textBaseline = "middle";
    let y = 0;
    for (let j = 0; j < this.shownFeatures(); j++) {
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
    const nClasses = this.st.classes().length;
    const bands: [string, Int32Array, (v: number) => string, number][] = [
      ["concept", seq.concept, (v) => concepts.colors[v] ?? "#888", concepts.k],
      ["RNN", seq.rnn, classColor, nClasses],
      ["extracted", seq.output, classColor, nClasses],
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
        const moved = columnAny(edges, (t) => t > 0 && seq.concept[t] !== seq.concept[t - 1]);
        ctx.fillStyle = this.cssVar("--xai-fg", "#1f2328");
        for (let c = 0; c < cols; c++) if (moved[c]) ctx.fillRect(LEFT + c * cw + cw / 2 - 0.75, y - 4, 1.5, 4);
      }
      y += BAND + GAP;
    }
    const wrong = columnAny(edges, (t) => seq.rnn[t] !== seq.output[t]);
    ctx.fillStyle = fg;
    ctx.fillText("disagree", 2, y + BAND / 2, LEFT - 6);
    ctx.fillStyle = BAD;
    for (let c = 0; c < cols; c++) if (wrong[c]) ctx.fillRect(LEFT + c * cw, y + 2, Math.max(cw, 1.5), BAND - 4);
    if (pinned >= view.v0 && pinned < view.v1) {
      ctx.strokeStyle = this.cssVar("--xai-fg", "#1f2328");
      ctx.setLineDash([3, 3]);
      const x = LEFT + ((pinned - view.v0 + 0.5) / (view.v1 - view.v0)) * plot;
      ctx.beginPath();
      ctx.moveTo(x, 0);
      ctx.lineTo(x, this.mainHeight());
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }

  drawOverview(): void {
    const { seq, view, concepts } = this.st;
    if (!seq) return;
    const hgt = 22;
    const { ctx, w } = this.sizeCanvas(this.overview, hgt);
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
    ctx.fillStyle = this.cssVar("--xai-fg2", "#59636e");
    ctx.font = "11px sans-serif";
    ctx.textBaseline = "middle";
    ctx.fillText("overview", 2, hgt / 2, LEFT - 6);
    const sel = this.ovSel;
    const full = view.v0 === 0 && view.v1 === seq.length;
    sel.style.display = full ? "none" : "block";
    sel.style.left = `${LEFT + (view.v0 / seq.length) * plot}px`;
    sel.style.width = `${Math.max(2, ((view.v1 - view.v0) / seq.length) * plot)}px`;
  }

  drawHeat(): void {
    const { seq, view, brush, units } = this.st;
    if (!seq) return;
    const H = seq.states.shape[1] ?? 0;
    const L = seq.length;
    const hgt = Math.max(48, Math.min(320, H * HEAT_ROW));
    const { ctx, w } = this.sizeCanvas(this.heat, hgt);
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
    ctx.fillStyle = this.cssVar("--xai-fg2", "#59636e");
    ctx.font = "11px sans-serif";
    ctx.textBaseline = "middle";
    ctx.fillText(`${H} units`, 2, hgt / 2, LEFT - 6);
    ctx.fillStyle = this.cssVar("--xai-fg", "#1f2328");
    for (const r of units) ctx.fillRect(LEFT - 8, r * rowH, 6, Math.max(rowH, 1.5)); // units on
    const sel = this.heatSel;
    if (brush && brush[1] > view.v0 && brush[0] < view.v1) {
      const a = Math.max(brush[0], view.v0);
      const b = Math.min(brush[1], view.v1);
      sel.style.display = "block";
      sel.style.left = `${LEFT + ((a - view.v0) / (view.v1 - view.v0)) * plot}px`;
      sel.style.width = `${Math.max(2, ((b - a) / (view.v1 - view.v0)) * plot)}px`;
    } else sel.style.display = "none";
  }

  drawAll(): void {
    this.drawMain();
    this.drawOverview();
    this.drawHeat();
  }

  /** Shows steps [a, b) of the sequence (clamped to it, at least one step). */
  zoomTo(a: number, b: number): void {
    const seq = this.st.seq;
    if (!seq) return;
    const L = seq.length;
    let v0 = Math.round(a);
    let v1 = Math.round(b);
    const span = Math.max(1, Math.min(L, v1 - v0));
    v0 = Math.max(0, Math.min(L - span, v0));
    v1 = v0 + span;
    this.st.view = { v0, v1 };
    this.drawAll();
  }

  // ---------------------------------------------------------------- interaction
  private plotWidth(c: HTMLCanvasElement): number {
    return Math.max(10, this.widthOf(c) - LEFT);
  }

  private stepOf(ev: MouseEvent, c: HTMLCanvasElement): number {
    const { x } = localXY(ev, c);
    const { v0, v1 } = this.st.view;
    return stepAt(x - LEFT, this.plotWidth(c), v0, v1);
  }

  private placeCursor(cur: HTMLElement, c: HTMLCanvasElement, t: number): void {
    const { v0, v1 } = this.st.view;
    const x = LEFT + ((t - v0 + 0.5) / (v1 - v0)) * this.plotWidth(c);
    cur.style.left = `${x}px`;
    cur.style.display = "block";
  }

  private stepTip(t: number): TipLine[] {
    const { seq, concepts } = this.st;
    if (!seq) return [];
    const names = this.st.features();
    const cn = this.st.classes();
    const lines: TipLine[] = [["step", String(t)]];
    for (let j = 0; j < seq.nFeatures && j < 12; j++) lines.push([names[j] ?? `x${j}`, fmt(seq.x[t * seq.nFeatures + j], 4)]);
    lines.push(["concept", concepts.names[seq.concept[t]] ?? "?"]);
    const score = cn.length === 2 ? ` (p(${className(cn, 1)}) = ${fmt(seq.score[t], 3)})` : "";
    lines.push(["RNN", `${className(cn, seq.rnn[t])}${score}`]);
    lines.push(["extracted", className(cn, seq.output[t]) + (seq.output[t] !== seq.rnn[t] ? "  ≠ RNN" : "")]);
    lines.push(this.st.ruleOf(t));
    return lines;
  }

  private attachMain(): void {
    const { main: c, cursor: cur, tooltip } = this;
    const { signal } = this.st.ctx;
    c.addEventListener("mousemove", (ev) => {
      if (!this.st.seq) return;
      const t = this.stepOf(ev, c);
      this.placeCursor(cur, c, t);
      tooltip.show(ev, this.stepTip(t));
    }, { signal });
    c.addEventListener("mouseleave", () => {
      cur.style.display = "none";
      tooltip.hide();
    }, { signal });
    c.addEventListener("click", (ev) => {
      if (!this.st.seq) return;
      this.actions.pin(this.stepOf(ev, c));
    }, { signal });
  }

  private attachOverview(): void {
    const { overview: c } = this;
    const { signal } = this.st.ctx;
    let start: number | null = null;
    const stepFull = (ev: MouseEvent) => stepAt(localXY(ev, c).x - LEFT, this.plotWidth(c), 0, this.st.seq?.length ?? 1);
    c.addEventListener("pointerdown", (ev) => {
      if (!this.st.seq) return;
      start = stepFull(ev);
      c.setPointerCapture?.(ev.pointerId);
    }, { signal });
    c.addEventListener("pointerup", (ev) => {
      if (start === null || !this.st.seq) return;
      const end = stepFull(ev);
      const [a, b] = start <= end ? [start, end + 1] : [end, start + 1];
      start = null;
      if (b - a <= 1) {
        // a click recentres the current zoom there
        const { v0, v1 } = this.st.view;
        const half = Math.floor((v1 - v0) / 2);
        this.zoomTo(a - half, a - half + (v1 - v0));
      } else this.zoomTo(a, b);
    }, { signal });
  }

  private attachHeat(): void {
    const { heat: c, heatCursor: cur, tooltip, st } = this;
    const { signal } = st.ctx;
    let start: number | null = null;
    c.addEventListener("pointerdown", (ev) => {
      if (!st.seq) return;
      start = this.stepOf(ev, c);
      c.setPointerCapture?.(ev.pointerId);
    }, { signal });
    c.addEventListener("pointermove", (ev) => {
      const seq = st.seq;
      if (!seq) return;
      const t = this.stepOf(ev, c);
      this.placeCursor(cur, c, t);
      if (start !== null) {
        st.brush = start <= t ? [start, t + 1] : [t, start + 1];
        this.drawHeat();
        return;
      }
      const H = seq.states.shape[1] ?? 0;
      const { y, height } = localXY(ev, c);
      const r = Math.max(0, Math.min(H - 1, Math.floor((y / Math.max(height, 1)) * H)));
      const q = seq.states.q[r * seq.length + t];
      const v = seq.states.lo[0] + ((seq.states.hi[0] - seq.states.lo[0]) * q) / 255;
      tooltip.show(ev, [["step", String(t)], ["unit", String(seq.units[r])], ["state", fmt(v, 3)], ["concept", st.concepts.names[seq.concept[t]] ?? "?"]]);
    }, { signal });
    c.addEventListener("pointerup", (ev) => {
      if (start === null || !st.seq) return;
      const t = this.stepOf(ev, c);
      st.brush = start <= t ? [start, t + 1] : [t, start + 1];
      start = null;
      this.actions.brushed();
    }, { signal });
    c.addEventListener("mouseleave", () => {
      cur.style.display = "none";
      tooltip.hide();
    }, { signal });
  }
}
