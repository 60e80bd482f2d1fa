// kind = "tabular": one horizontal bar chart per method, rows aligned with a shared label column.
import { describePicture, type Roving, roving } from "../lib/a11y";
import type { Sample } from "../lib/block";
import { lutFor, lutColor, type LUT } from "../lib/colormap";
import { ctx2d, h, localXY, setText } from "../lib/dom";
import { featureName, fmt } from "../lib/format";
import { isVisible } from "../lib/heatmap";
import { barExtent, barRowHeight, PANEL_WIDTH } from "../lib/layout";
import { type Display, displayAll } from "../lib/scale";
import { dequantize } from "../lib/wire";
import { Legend } from "./legend";
import { CLIP_QUANTILE, type ModalityView, type ReadoutPart, type Settings, type ViewContext } from "./types";

interface Chart {
  method: string;
  canvas: HTMLCanvasElement;
  cursor: HTMLElement;
  caption: HTMLElement;
  legend: Legend;
}

/** LUT index for a bar: the value's own colour, pushed off the pale centre so short bars stay visible. */
export function barColorIndex(q: number, signed: boolean): number {
  if (!signed) return Math.max(q, 96);
  const d = q - 127.5;
  return 127.5 + Math.sign(d || 1) * Math.max(Math.abs(d), 80);
}

/** Bar charts shrink to this width so every method stays on one row at notebook width. */
const MIN_CHART = 90;
const COL_GAP = 12; // px, as .xai-bars in theme.css

/** The k features of largest |value|, as "name +0.12" (for a chart's text alternative). */
export function topFeatures(values: ArrayLike<number>, names: readonly string[], k = 3): string[] {
  const idx = [...Array(values.length).keys()].filter((f) => Number.isFinite(values[f]));
  idx.sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]) || a - b);
  return idx.slice(0, k).map((f) => `${featureName(names, f)} ${values[f] > 0 ? "+" : ""}${fmt(values[f])}`);
}

export class TabularView implements ModalityView {
  private lastHover = -1;
  readonly el: HTMLElement;
  private grid: HTMLElement;
  private chartW = PANEL_WIDTH;
  private keys: Roving;
  private labels = h("div", { class: "xai-bar-labels" });
  private charts: Chart[] = [];
  private sample: Sample | null = null;
  private nFeatures = 0;
  private rowH = 18;

  constructor(private ctx: ViewContext) {
    this.grid = h("div", { class: "xai-bars" });
    this.el = h("div", { class: "xai-bars-wrap" }, [this.grid]);
    this.setWidth(PANEL_WIDTH);
    // keyboard: the feature names are one Tab stop; Up / Down read each feature's values
    this.labels.setAttribute("role", "group");
    this.labels.setAttribute("aria-label", "features: arrow keys read each feature's value per method");
    this.keys = roving(this.labels, {
      items: () => [...this.labels.querySelectorAll<HTMLElement>("span")],
      orientation: "vertical",
      escape: () => this.hoverRow(-1),
    }, ctx.signal);
    this.labels.addEventListener("focusin", (e) => {
      const i = [...this.labels.children].indexOf(e.target as Element);
      if (i >= 0) this.hoverRow(i, e.target as Element);
    }, { signal: ctx.signal });
    this.labels.addEventListener("focusout", () => this.hoverRow(-1), { signal: ctx.signal });
    if (typeof ResizeObserver !== "undefined") {
      const ro = new ResizeObserver(() => this.fit());
      ro.observe(this.el);
      ctx.signal.addEventListener("abort", () => ro.disconnect());
    }
    const captions: HTMLElement[] = [];
    const wraps: HTMLElement[] = [];
    const legends: HTMLElement[] = [];
    for (const method of ctx.methods) {
      const canvas = h("canvas", { class: "xai-heatmap xai-barchart", "data-method": method, width: 1, height: 1 });
      const cursor = h("div", { class: "xai-cursor" });
      const wrap = h("div", { class: "xai-canvas-wrap" }, [canvas, cursor]);
      const caption = h("div", { class: "xai-caption", text: method, title: method });
      const legend = new Legend();
      this.charts.push({ method, canvas, cursor, caption, legend });
      captions.push(caption);
      wraps.push(wrap);
      legends.push(legend.el);
      wrap.addEventListener("mousemove", (ev) => {
        const p = localXY(ev, wrap);
        this.hoverRow(Math.floor(p.y / this.rowH));
      }, { signal: ctx.signal });
      wrap.addEventListener("mouseleave", () => this.hoverRow(-1), { signal: ctx.signal });
    }
    this.grid.append(h("div"), ...captions, this.labels, ...wraps, h("div"), ...legends);
  }

  private setWidth(w: number): void {
    this.chartW = w;
    this.grid.style.gridTemplateColumns = `auto repeat(${this.charts.length || this.ctx.methods.length}, ${w}px)`;
  }

  /** Narrower charts when the methods would not fit the width side by side (not below MIN_CHART). */
  fit(): void {
    const width = this.el.getBoundingClientRect().width;
    const m = this.charts.length;
    if (!(width > 0) || !m) return;
    const room = width - this.labels.getBoundingClientRect().width - m * COL_GAP;
    const w = Math.max(MIN_CHART, Math.min(PANEL_WIDTH, Math.floor(room / m)));
    if (w === this.chartW) return;
    this.setWidth(w);
    if (this.sample && this.settings) this.draw(this.sample, this.settings);
  }

  private settings: Settings | null = null;

  draw(sample: Sample, st: Settings): void {
    this.sample = sample;
    this.settings = st;
    const { block, k } = sample;
    const F = block.tabular?.nFeatures ?? block.attributions.values().next().value?.itemSize ?? 0;
    if (F !== this.nFeatures) this.setRows(F);
    const about = this.ctx.about?.() ?? "";
    const shown = displayAll(this.charts.map((c) => block.attributions.get(c.method)), k, { sign: st.sign, clip: st.clip ? CLIP_QUANTILE : 1 }, st.shared);
    this.charts.forEach((c, j) => {
      const d = shown[j];
      const lut = lutFor(st.colormap, d?.signed ?? true);
      setText(c.caption, d ? c.method : `${c.method} (n/a)`);
      this.drawChart(c, d, lut, st.threshold);
      if (d) c.legend.update(lut, d.lo, d.hi, d.signed, st.threshold, d.clipped);
      const a = block.attributions.get(c.method);
      const values = a ? Array.from({ length: F }, (_, f) => dequantize(a, k, f)) : [];
      describePicture(c.canvas, a ? `${c.method} attributions${about ? ` of ${about}` : ""}, ${F} features; strongest: ${topFeatures(values, this.ctx.featureNames).join(", ")}`
        : `${c.method}: no attributions for this sample`);
    });
    if (this.lastHover >= 0) this.hoverRow(this.lastHover); // keep a read-out current
  }

  private setRows(F: number): void {
    this.nFeatures = F;
    this.rowH = barRowHeight(F);
    const names = this.ctx.featureNames;
    this.labels.replaceChildren();
    for (let f = 0; f < F; f++) {
      const name = featureName(names, f);
      const span = h("span", { text: name, title: name });
      span.style.height = span.style.lineHeight = `${this.rowH}px`;
      span.addEventListener("mousemove", () => this.hoverRow(f), { signal: this.ctx.signal });
      span.addEventListener("mouseleave", () => this.hoverRow(-1), { signal: this.ctx.signal });
      this.labels.appendChild(span);
    }
    this.keys.refresh();
  }

  private drawChart(c: Chart, a: Display | null, lut: LUT, threshold: number): void {
    const F = this.nFeatures;
    const cssW = this.chartW;
    const cssH = Math.max(1, F * this.rowH);
    const dpr = Math.max(1, Math.min(3, globalThis.devicePixelRatio || 1));
    c.canvas.width = Math.round(cssW * dpr);
    c.canvas.height = Math.round(cssH * dpr);
    c.canvas.style.width = `${cssW}px`;
    c.canvas.style.height = `${cssH}px`;
    const g = ctx2d(c.canvas);
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, cssW, cssH);
    g.fillStyle = "rgba(128,128,128,0.6)";
    g.fillRect(Math.floor(cssW / 2), 0, 1, cssH);
    if (!a) return;
    // A symmetric axis: one per method, or shared by all when the scale is shared.
    const m = Math.max(Math.abs(a.lo), Math.abs(a.hi));
    for (let f = 0; f < F; f++) {
      const q = a.q[f];
      if (!isVisible(q, a.signed, threshold)) continue;
      const v = a.lo + ((a.hi - a.lo) * q) / 255;
      const { x, w } = barExtent(v, m, cssW);
      g.fillStyle = lutColor(lut, barColorIndex(q, a.signed));
      g.fillRect(x, f * this.rowH + 2, Math.max(w, 1), this.rowH - 4);
    }
  }

  /** `anchor`: the feature name the keyboard is on (the read-out goes there). */
  hoverRow(f: number, anchor?: Element): void {
    const s = this.sample;
    const show = s !== null && f >= 0 && f < this.nFeatures;
    this.lastHover = show ? f : -1;
    this.labels.querySelectorAll("span").forEach((el, i) => el.classList.toggle("xai-hover", show && i === f));
    for (const c of this.charts) {
      c.cursor.style.display = show ? "block" : "none";
      if (show) Object.assign(c.cursor.style, { left: "0", width: "100%", top: `${f * this.rowH}px`, height: `${this.rowH}px` });
    }
    if (!show) return this.ctx.hover(null);
    const { block, k } = s;
    const parts: ReadoutPart[] = [["feature", featureName(this.ctx.featureNames, f)]];
    const t = block.tabular;
    if (t) parts.push(["input", fmt(t.data[k * t.nFeatures + f])]);
    for (const c of this.charts) {
      const a = block.attributions.get(c.method);
      parts.push([c.method, a ? fmt(dequantize(a, k, f)) : "n/a"]);
    }
    this.ctx.hover(parts, anchor);
  }
}
