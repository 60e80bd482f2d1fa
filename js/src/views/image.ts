// kind = "image": input panel + one heatmap panel per method, with a shared hover cursor.
import { imageDims, type Sample } from "../lib/block";
import { lutFor } from "../lib/colormap";
import { h, localXY, putRGBA, setText } from "../lib/dom";
import { fmt } from "../lib/format";
import { describePicture } from "../lib/a11y";
import { compositeOver, grayRGBA, heatmapRGBA, inputRGBA, maskedInputRGBA, resizeRGBA } from "../lib/heatmap";
import { PANEL_WIDTH, panelGrid, panelSize } from "../lib/layout";
import { displayAll } from "../lib/scale";
import { dequantize, type Quantized } from "../lib/wire";

const GAP = 12; // px, as .xai-panels in theme.ts
import { Legend } from "./legend";
import { CLIP_QUANTILE, type ModalityView, type ReadoutPart, type Settings, type ViewContext } from "./types";

interface Panel {
  method: string | null; // null: the input panel
  canvas: HTMLCanvasElement;
  wrap: HTMLElement;
  cursor: HTMLElement;
  caption: HTMLElement;
  legend: Legend | null;
  /** Rows and columns of what the canvas shows (its CSS size follows the panel width). */
  dims: [number, number] | null;
}

/** Where |value| is largest in item k of a map: its row, column and value. */
export function strongest(a: Quantized, k: number): { row: number; col: number; value: number } {
  const { w } = imageDims(a);
  let best = 0;
  let bestMag = -1;
  for (let i = 0; i < a.itemSize; i++) {
    const m = Math.abs(dequantize(a, k, i));
    if (m > bestMag) {
      bestMag = m;
      best = i;
    }
  }
  return { row: Math.floor(best / w), col: best % w, value: dequantize(a, k, best) };
}

export class ImageView implements ModalityView {
  private lastHover: [number, number] | null = null;
  readonly el: HTMLElement;
  private panels: Panel[] = [];
  private sample: Sample | null = null;
  private panelW = PANEL_WIDTH;

  constructor(private ctx: ViewContext) {
    // one Tab stop for the pictures: arrows move a cursor over the pixels and read every
    // method's value there (the hover read-out), Escape hides it
    this.el = h("div", {
      class: "xai-panels xai-grid", tabindex: 0, role: "group",
      "aria-label": "attribution maps: arrow keys move a cursor over the pixels and read each method's value there, Escape hides it",
    });
    this.panels.push(this.panel(null, "input"));
    for (const m of ctx.methods) this.panels.push(this.panel(m, m));
    this.el.addEventListener("keydown", (e) => this.key(e), { signal: ctx.signal });
    this.el.addEventListener("focus", () => {
      if (!this.lastHover && this.sample) this.moveCursor(0, 0);
    }, { signal: ctx.signal });
    this.el.addEventListener("blur", () => {
      if (this.viaKeys) this.hoverAt(-1, -1);
    }, { signal: ctx.signal });
    this.layout();
    if (typeof ResizeObserver !== "undefined") {
      const ro = new ResizeObserver(() => this.layout());
      ro.observe(this.el);
      ctx.signal.addEventListener("abort", () => ro.disconnect());
    }
  }

  /** Every panel on one row (shrunk if need be), else full-size panels on even rows. */
  layout(width = this.el.getBoundingClientRect().width): void {
    const shown = this.panels.filter((p) => p.wrap.parentElement!.style.display !== "none").length;
    const { columns, panelWidth } = panelGrid(shown, GAP, width);
    this.el.style.gridTemplateColumns = `repeat(${columns}, max-content)`;
    this.el.dataset.columns = String(columns);
    if (panelWidth !== this.panelW) {
      this.panelW = panelWidth;
      for (const p of this.panels) if (p.dims) this.size(p, ...p.dims);
    }
  }

  /** The grid the keyboard cursor steps on: the input's pixels, else the first map's cells. */
  private cursorGrid(): { h: number; w: number } | null {
    const s = this.sample;
    if (!s) return null;
    const g = s.block.image ?? s.block.attributions.values().next().value;
    return g ? imageDims(g) : null;
  }

  private viaKeys = false;

  /** Moves the keyboard cursor by (dr, dc) cells; the first move starts at the centre. */
  private moveCursor(dr: number, dc: number): void {
    const g = this.cursorGrid();
    if (!g) return;
    let row = Math.floor(g.h / 2);
    let col = Math.floor(g.w / 2);
    if (this.lastHover) {
      row = Math.max(0, Math.min(g.h - 1, Math.floor(this.lastHover[1] * g.h) + dr));
      col = Math.max(0, Math.min(g.w - 1, Math.floor(this.lastHover[0] * g.w) + dc));
    }
    this.viaKeys = true;
    this.hoverAt((col + 0.5) / g.w, (row + 0.5) / g.h);
  }

  private key(e: KeyboardEvent): void {
    if (e.target !== this.el) return;
    const step: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const d = step[e.key];
    if (d) {
      e.preventDefault();
      this.moveCursor(...d);
    } else if (e.key === "Escape" && this.lastHover) {
      e.preventDefault();
      this.hoverAt(-1, -1);
    }
  }

  private panel(method: string | null, title: string): Panel {
    const canvas = h("canvas", {
      class: method === null ? "xai-image xai-input" : "xai-image xai-heatmap",
      "data-method": method ?? undefined,
      width: 1,
      height: 1,
    });
    const cursor = h("div", { class: "xai-cursor" });
    const wrap = h("div", { class: "xai-canvas-wrap" }, [canvas, cursor]);
    const caption = h("figcaption", { class: "xai-caption", text: title, title });
    const legend = method === null ? null : new Legend();
    this.el.appendChild(h("figure", { class: "xai-panel" }, [wrap, caption, legend?.el]));
    const { signal } = this.ctx;
    wrap.addEventListener("mousemove", (ev) => {
      const p = localXY(ev, wrap);
      this.viaKeys = false;
      this.hoverAt(p.x / (p.width || 1), p.y / (p.height || 1));
    }, { signal });
    wrap.addEventListener("mouseleave", () => this.hoverAt(-1, -1), { signal });
    return { method, canvas, wrap, cursor, caption, legend, dims: null };
  }

  draw(sample: Sample, st: Settings): void {
    this.sample = sample;
    const { block, k } = sample;
    const img = block.image;
    const inDims = img ? imageDims(img) : null;
    const inOff = img ? k * img.itemSize : 0;
    const inputPanel = this.panels[0];
    const hidden = inputPanel.wrap.parentElement!.style.display === "none";
    inputPanel.wrap.parentElement!.style.display = img ? "" : "none";
    if (hidden === !!img) this.layout();
    const about = this.ctx.about?.() ?? "";
    if (img && inDims) {
      putRGBA(inputPanel.canvas, inputRGBA(img.q, inOff, inDims.h, inDims.w, inDims.c), inDims.w, inDims.h);
      this.size(inputPanel, inDims.h, inDims.w);
      describePicture(inputPanel.canvas, `input image${about ? ` of ${about}` : ""}, ${inDims.h} by ${inDims.w} pixels`);
    }
    const heat = this.panels.slice(1);
    const shown = displayAll(heat.map((p) => block.attributions.get(p.method!)), k, { sign: st.sign, clip: st.clip ? CLIP_QUANTILE : 1 }, st.shared);
    heat.forEach((p, j) => {
      const a = block.attributions.get(p.method!);
      const d = shown[j];
      if (!a || !d) {
        setText(p.caption, `${p.method} (n/a)`);
        putRGBA(p.canvas, new Uint8ClampedArray(4), 1, 1);
        describePicture(p.canvas, `${p.method}: no attribution map for this sample`);
        return;
      }
      const top = strongest(a, k);
      describePicture(p.canvas, `${p.method} attribution map${about ? ` of ${about}` : ""}, ${imageDims(a).h} by ${imageDims(a).w} cells: `
        + `values from ${fmt(d.lo)} to ${fmt(d.hi)}, strongest ${fmt(top.value)} at row ${top.row}, column ${top.col}`);
      setText(p.caption, p.method ?? "");
      p.caption.title = p.method ?? "";
      p.caption.classList.remove("xai-masked");
      const lut = lutFor(st.colormap, d.signed);
      const { h: ah, w: aw } = imageDims(a);
      const overlay = st.overlay && img && inDims;
      const rgba = heatmapRGBA(d.q, 0, ah, aw, lut, {
        threshold: st.threshold,
        signed: d.signed,
        opacity: overlay ? st.opacity : 1,
      });
      if (overlay && this.ctx.maskMethods?.includes(p.method!) && !d.signed) {
        // A keep-mask over its input: what the model sees (kept input, the rest faded)
        const input = inputRGBA(img.q, inOff, inDims.h, inDims.w, inDims.c);
        putRGBA(p.canvas, maskedInputRGBA(input, inDims.h, inDims.w, d.q, ah, aw), inDims.w, inDims.h);
        this.size(p, inDims.h, inDims.w);
        p.caption.title = `${p.method}: the input as the model sees it through the mask (the rest faded to grey)`;
        p.caption.classList.add("xai-masked");
      } else if (overlay) {
        // Composite at the input's resolution so a coarse attribution keeps the image detail.
        const base = grayRGBA(img.q, inOff, inDims.h, inDims.w, inDims.c);
        compositeOver(base, resizeRGBA(rgba, ah, aw, inDims.h, inDims.w));
        putRGBA(p.canvas, base, inDims.w, inDims.h);
        this.size(p, inDims.h, inDims.w);
      } else {
        putRGBA(p.canvas, rgba, aw, ah);
        this.size(p, ah, aw);
      }
      p.legend?.update(lut, d.lo, d.hi, d.signed, st.threshold, d.clipped);
    });
    // a read-out on screen follows the new sample / settings instead of going stale
    if (this.lastHover) this.hoverAt(...this.lastHover);
  }

  private size(p: Panel, rows: number, cols: number): void {
    p.dims = [rows, cols];
    const { width, height } = panelSize(rows, cols, this.panelW);
    p.canvas.style.width = `${width}px`;
    p.canvas.style.height = `${height}px`;
    p.wrap.parentElement!.style.width = `${width}px`;
  }

  /** fx, fy: pointer position as a fraction of the panel; negative hides the cursor. */
  hoverAt(fx: number, fy: number): void {
    const s = this.sample;
    if (!s || fx < 0 || fy < 0 || fx >= 1 || fy >= 1) {
      this.lastHover = null;
      for (const p of this.panels) p.cursor.style.display = "none";
      this.ctx.hover(null);
      return;
    }
    this.lastHover = [fx, fy];
    const { block, k } = s;
    const parts: ReadoutPart[] = [];
    const img = block.image;
    if (img) {
      const d = imageDims(img);
      const row = Math.floor(fy * d.h);
      const col = Math.floor(fx * d.w);
      parts.push(["pixel", `row ${row}, col ${col}`]);
      const vals: string[] = [];
      for (let c = 0; c < Math.min(d.c, 3); c++) vals.push(fmt(dequantize(img, k, (row * d.w + col) * d.c + c)));
      parts.push(["input", vals.length > 1 ? `(${vals.join(", ")})` : vals[0]]);
    }
    for (const p of this.panels) {
      const grid = p.method === null ? img : block.attributions.get(p.method);
      this.placeCursor(p, grid, fx, fy);
      if (p.method === null) continue;
      if (!grid) {
        parts.push([p.method, "n/a"]);
        continue;
      }
      const d = imageDims(grid);
      const row = Math.floor(fy * d.h);
      const col = Math.floor(fx * d.w);
      if (parts.length === 0) parts.push(["pixel", `row ${row}, col ${col}`]);
      parts.push([p.method, fmt(dequantize(grid, k, row * d.w + col))]);
    }
    // by keyboard, the read-out sits at the cursor of the first shown panel (and is announced)
    const at = this.viaKeys ? this.panels.find((p) => p.cursor.style.display === "block")?.cursor : undefined;
    this.ctx.hover(parts, at);
  }

  private placeCursor(p: Panel, grid: Quantized | undefined, fx: number, fy: number): void {
    if (!grid) return;
    const { h: gh, w: gw } = imageDims(grid);
    const st = p.cursor.style;
    st.display = "block";
    st.left = `${(Math.floor(fx * gw) / gw) * 100}%`;
    st.top = `${(Math.floor(fy * gh) / gh) * 100}%`;
    st.width = `${100 / gw}%`;
    st.height = `${100 / gh}%`;
  }
}
