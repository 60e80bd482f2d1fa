// The timeline canvases of TimelineView: inputs, concept band, RNN and extracted outputs and
// their disagreements (main), the whole sequence (overview: drag to zoom) and the hidden states
// (heatmap: drag to select steps). Level of detail: one summary per pixel column.
import { describePicture } from "../lib/a11y";
import { lutColor, lutFor } from "../lib/colormap";
import { ctx2d, h, localXY, setText } from "../lib/dom";
import { className, fmt } from "../lib/format";
import { codeRuns, columnAny, columnEdges, columnMeans, columnMinMax, columnMode, stepAt, stepTicks, timeTicks } from "../lib/timeline_lod";
import type { TipLine, Tooltip } from "../lib/tooltip";
import { classColor, type TimelineState } from "./state";

const LEFT = 96; // label gutter of the canvases, CSS px
const ROW = 40;
const BAND = 14;
const GAP = 6;
const HEAT_ROW = 6;
const AXIS = 22; // the time axis under the bands: ticks and step numbers
const OV_H = 34; // the overview: a concept band over a time axis of the whole sequence
const BAD = "#d1242f";

export interface CanvasActions {
  /** A click on step `t` of the main canvas. */
  pin(t: number): void;
  /** The brush on the hidden states was released. */
  brushed(): void;
  /** Escape on the timeline: forget the selected step. */
  clear(): void;
}

export class TimelineCanvas {
  readonly main = h("canvas", { class: "xai-tl-canvas xai-tl-timeline", role: "img", "aria-label": "inputs, concepts and outputs over time" });
  private readonly cursor = h("div", { class: "xai-tl-cursor" });
  /** The keyboard's way into the steps: a slider over the timeline (one Tab stop) whose value
   * is the step under the cursor and whose value text states that step's values. */
  readonly stepper = h("div", { class: "xai-tl-stepper", role: "slider", tabindex: 0, "aria-valuemin": 0, "aria-valuenow": 0,
    "aria-label": "step of the timeline (Left / Right: one step, Page Up / Page Down: a screen, Home / End, + / -: zoom, Enter: select, Escape: clear)" });
  readonly mainWrap = h("div", { class: "xai-tl-wrap" }, [this.main, this.cursor, this.stepper]);
  /** Which steps are shown, in words (follows zoom). */
  readonly range = h("div", { class: "xai-tl-caption xai-tl-range" });
  private readonly overview = h("canvas", { class: "xai-tl-canvas xai-tl-overview", role: "img", "aria-label": "overview: drag to zoom" });
  private readonly ovSel = h("div", { class: "xai-tl-sel" });
  readonly ovWrap = h("div", { class: "xai-tl-wrap" }, [this.overview, this.ovSel]);
  private readonly heat = h("canvas", { class: "xai-tl-canvas xai-tl-states", role: "img", "aria-label": "hidden states: units x steps" });
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
    this.attachKeys();
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
    return this.shownFeatures() * (ROW + GAP) + 4 * (BAND + GAP) + 4 + AXIS;
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
    this.describeMain(); // before drawing: the words do not need a canvas context
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
      ctx.fillText(names[j] ?? `x${j}`, 2, y + ROW / 2, LEFT - 8);
      // the value scale of the row: its axis with the sequence's max (top) and min (bottom)
      ctx.textAlign = "right";
      ctx.font = "10px sans-serif";
      ctx.fillText(fmt(all.hi[0], 3), LEFT - 7, y + 5, 40);
      ctx.fillText(fmt(lo, 3), LEFT - 7, y + ROW - 5, 40);
      ctx.font = "11px sans-serif";
      ctx.textAlign = "left";
      ctx.fillRect(LEFT - 3, y, 1, ROW);
      ctx.fillRect(LEFT - 6, y, 3, 1);
      ctx.fillRect(LEFT - 6, y + ROW - 1, 3, 1);
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
    y += BAND + GAP;
    this.timeAxis(ctx, y, plot, view.v0, view.v1, fg);
    if (pinned >= view.v0 && pinned < view.v1) {
      ctx.strokeStyle = this.cssVar("--xai-fg", "#1f2328");
      ctx.setLineDash([3, 3]);
      const x = LEFT + ((pinned - view.v0 + 0.5) / (view.v1 - view.v0)) * plot;
      ctx.beginPath();
      ctx.moveTo(x, 0);
      ctx.lineTo(x, this.mainHeight() - AXIS);
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }

  /** The ticks of the time axis over steps [v0, v1): step numbers, or times when the result
   * gives a step's duration (`summary.time_step`, `time_unit`). */
  axisTicks(v0: number, v1: number, maxTicks: number): { unit: string; at: number[]; labels: string[] } {
    const { time_step: size, time_unit: unit } = this.st.summary();
    if (size && size > 0 && unit) return timeTicks(v0, v1, size, unit, maxTicks);
    const at = stepTicks(v0, v1, maxTicks);
    return { unit: "step", at, labels: at.map((t) => t.toLocaleString("en-US")) };
  }

  /** A time axis at `y` for steps [v0, v1): a tick and its step number (or time) at nice steps. */
  private timeAxis(ctx: CanvasRenderingContext2D, y: number, plot: number, v0: number, v1: number, fg: string): void {
    const ticks = this.axisTicks(v0, v1, plot / 70);
    ctx.fillStyle = fg;
    ctx.font = "10px sans-serif";
    ctx.textBaseline = "top";
    ctx.fillText(ticks.unit === "step" ? "step" : `time (${ticks.unit})`, 2, y + 6, LEFT - 6);
    ctx.fillRect(LEFT, y, plot, 1);
    ctx.textAlign = "center";
    ticks.at.forEach((t, i) => {
      const x = LEFT + ((t - v0 + 0.5) / (v1 - v0)) * plot;
      ctx.fillRect(x - 0.5, y, 1, 5);
      const text = ticks.labels[i];
      const half = ctx.measureText(text).width / 2;
      ctx.fillText(text, Math.max(LEFT + half, Math.min(LEFT + plot - half, x)), y + 7);
    });
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    ctx.font = "11px sans-serif";
  }

  /** The concept runs of steps [a, b) in words (the first few, then how many more). */
  private runsText(a: number, b: number): string {
    const { seq, concepts } = this.st;
    if (!seq) return "";
    const runs = codeRuns(seq.concept, a, b);
    const first = runs.slice(0, 6).map(([s, e, c]) => `${concepts.names[c] ?? "?"} ${e - s > 1 ? `steps ${s}–${e - 1}` : `step ${s}`}`);
    return `${runs.length} concept run${runs.length === 1 ? "" : "s"}: ${first.join(", ")}${runs.length > 6 ? `, and ${runs.length - 6} more` : ""}`;
  }

  /** The text alternatives of the main canvas and the step slider, from what is drawn. */
  private describeMain(): void {
    const { seq, view } = this.st;
    if (!seq) return;
    const names = this.st.features();
    const F = seq.nFeatures;
    const ranges: string[] = [];
    for (let j = 0; j < this.shownFeatures(); j++) {
      const all = columnMinMax(seq.x, columnEdges(0, seq.length, 1), F, j);
      ranges.push(`${names[j] ?? `x${j}`} ${fmt(all.lo[0], 3)} to ${fmt(all.hi[0], 3)}`);
    }
    let wrong = 0;
    for (let t = 0; t < seq.length; t++) if (seq.rnn[t] !== seq.output[t]) wrong++;
    describePicture(this.main, `timeline of sequence ${seq.index}: ${seq.length} steps, steps ${view.v0}–${view.v1 - 1} shown; ` +
      `inputs ${ranges.join(", ")}; ${this.runsText(view.v0, view.v1)}; the RNN and the extracted model disagree at ${wrong} of ${seq.length} steps`);
    setText(this.range, `steps ${view.v0.toLocaleString("en-US")}–${(view.v1 - 1).toLocaleString("en-US")} of ${seq.length.toLocaleString("en-US")} shown` +
      (view.v1 - view.v0 < seq.length ? " (the marked part of the overview)" : ""));
    const k = this.stepper;
    k.setAttribute("aria-valuemax", String(seq.length - 1));
    const t = this.st.cursor >= 0 && this.st.cursor < seq.length ? this.st.cursor : view.v0;
    k.setAttribute("aria-valuenow", String(t));
    k.setAttribute("aria-valuetext", this.stepText(t));
  }

  /** Step `t` in words: its inputs, concept and both models' outputs. */
  stepText(t: number): string {
    return this.stepTip(t).map((l) => (typeof l === "string" ? l : `${l[0]} ${l[1]}`)).join("; ");
  }

  drawOverview(): void {
    const { seq, view, concepts } = this.st;
    if (!seq) return;
    describePicture(this.overview, `overview of all ${seq.length} steps of sequence ${seq.index}, steps ${view.v0}–${view.v1 - 1} marked as shown; ` +
      `share of steps per concept: ${concepts.names.map((n, j) => {
        let m = 0;
        for (let t = 0; t < seq.length; t++) if (seq.concept[t] === j) m++;
        return `${n} ${((100 * m) / Math.max(1, seq.length)).toFixed(0)}%`;
      }).join(", ")}`);
    const hgt = OV_H;
    const band = 16;
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
      ctx.fillRect(LEFT + (c * plot) / cols, 2, plot / cols + 0.5, band - 2);
    }
    const fg = this.cssVar("--xai-fg2", "#59636e");
    ctx.fillStyle = fg;
    ctx.font = "11px sans-serif";
    ctx.textBaseline = "middle";
    ctx.fillText("overview", 2, band / 2 + 1, LEFT - 6);
    this.timeAxis(ctx, band + 1, plot, 0, seq.length, fg);
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
    describePicture(this.heat, `hidden states of sequence ${seq.index}: ${H} units by steps ${view.v0}–${view.v1 - 1}, ` +
      `values from ${fmt(seq.states.lo[0], 3)} (blue) to ${fmt(seq.states.hi[0], 3)} (red)` +
      (brush ? `; steps ${brush[0]}–${brush[1] - 1} selected, ${units.length} unit${units.length === 1 ? "" : "s"} on across them` : ""));

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
    // the colour scale: the top and bottom of the state range, each over its colour
    const lo = seq.states.lo[0];
    const hi = seq.states.hi[0];
    ctx.font = "10px sans-serif";
    ctx.fillText(`high ${fmt(hi, 2)}`, 14, 8, LEFT - 24);
    ctx.fillText(`low ${fmt(lo, 2)}`, 14, hgt - 7, LEFT - 24);
    ctx.fillStyle = lutColor(lut, 255);
    ctx.fillRect(2, 3, 8, 8);
    ctx.fillStyle = lutColor(lut, 0);
    ctx.fillRect(2, hgt - 11, 8, 8);
    ctx.fillStyle = this.cssVar("--xai-fg2", "#59636e");
    ctx.font = "11px sans-serif";
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
    const lines: TipLine[] = [["step", `${t} of ${seq.length}`]];
    const { time_step: size, time_unit: unit } = this.st.summary();
    if (size && size > 0 && unit) lines.push(["time", `${fmt(t * size, 4)} ${unit}`]);
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
      const t = this.stepOf(ev, c);
      this.st.cursor = t;
      this.actions.pin(t);
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

  /** Moves the keyboard cursor to step `t` (clamped), scrolling the zoomed view to it. */
  moveCursor(t: number): void {
    const seq = this.st.seq;
    if (!seq) return;
    t = Math.max(0, Math.min(seq.length - 1, Math.round(t)));
    this.st.cursor = t;
    const { v0, v1 } = this.st.view;
    if (t < v0) this.zoomTo(t, t + (v1 - v0));
    else if (t >= v1) this.zoomTo(t + 1 - (v1 - v0), t + 1);
    else this.describeMain();
    this.placeCursor(this.cursor, this.main, t);
  }

  /** Zooms by `factor` (< 1: in) around step `t`, keeping `t` where it is on screen. */
  zoomAround(t: number, factor: number): void {
    const { v0, v1 } = this.st.view;
    const span = Math.max(1, Math.round((v1 - v0) * factor));
    const f = (t - v0) / Math.max(1, v1 - v0);
    this.zoomTo(t - f * span, t - f * span + span);
    this.placeCursor(this.cursor, this.main, t);
  }

  /** Timeline keys (WAI-ARIA slider): arrows one step, Page Up / Down a screen, Home / End,
   * + / - zoom around the cursor, Enter selects the step, Escape forgets it. */
  private attachKeys(): void {
    const { stepper: k, cursor } = this;
    const { signal } = this.st.ctx;
    k.addEventListener("keydown", (e) => {
      const seq = this.st.seq;
      if (!seq) return;
      const { v0, v1 } = this.st.view;
      const t = this.st.cursor >= 0 && this.st.cursor < seq.length ? this.st.cursor : v0;
      const screen = Math.max(1, v1 - v0);
      const moves: Record<string, number> = {
        ArrowLeft: t - 1, ArrowDown: t - 1, ArrowRight: t + 1, ArrowUp: t + 1,
        PageUp: t + screen, PageDown: t - screen, Home: 0, End: seq.length - 1,
      };
      if (e.key in moves) this.moveCursor(moves[e.key]);
      else if (e.key === "+" || e.key === "=") this.zoomAround(t, 0.5);
      else if (e.key === "-" || e.key === "_") this.zoomAround(t, 2);
      else if (e.key === "Enter" || e.key === " ") {
        this.st.cursor = t;
        this.actions.pin(t);
      } else if (e.key === "Escape") this.actions.clear();
      else return;
      e.preventDefault();
    }, { signal });
    k.addEventListener("focus", () => {
      const seq = this.st.seq;
      if (!seq) return;
      if (this.st.cursor < 0 || this.st.cursor >= seq.length) this.st.cursor = this.st.pinned >= 0 ? this.st.pinned : this.st.view.v0;
      this.moveCursor(this.st.cursor);
    }, { signal });
    k.addEventListener("blur", () => {
      cursor.style.display = "none";
    }, { signal });
  }
}
