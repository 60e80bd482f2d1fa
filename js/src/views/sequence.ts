// kind = "sequence": per method, the tokens coloured by attribution plus a 1 x T heat strip.
import type { Sample } from "../lib/block";
import { lutFor, lutColor, textColorOn } from "../lib/colormap";
import { h, localXY, putRGBA } from "../lib/dom";
import { fmt } from "../lib/format";
import { heatmapRGBA, isVisible } from "../lib/heatmap";
import { dequantize } from "../lib/wire";
import { Legend } from "./legend";
import type { ModalityView, ReadoutPart, Settings, ViewContext } from "./types";

interface Row {
  method: string;
  caption: HTMLElement;
  tokens: HTMLElement;
  strip: HTMLCanvasElement;
  legend: Legend;
  picture: HTMLImageElement;
}

export class SequenceView implements ModalityView {
  readonly el: HTMLElement;
  private rows: Row[] = [];
  private sample: Sample | null = null;
  private words: string[] = [];

  constructor(private ctx: ViewContext) {
    this.el = h("div", { class: "xai-seq" });
    for (const method of ctx.methods) {
      const caption = h("div", { class: "xai-caption", text: method, title: method });
      const tokens = h("div", { class: "xai-tokens", "data-method": method });
      const strip = h("canvas", { class: "xai-heatmap xai-strip", "data-method": method, width: 1, height: 1 });
      const legend = new Legend();
      legend.el.style.maxWidth = "180px";
      // Optional picture per sample (e.g. the molecule with atoms coloured by this method):
      // a data: URI in an <img>, so nothing inside it can run.
      const picture = h("img", { class: "xai-picture", "data-method": method, alt: `${method} picture` });
      picture.hidden = true;
      this.el.appendChild(h("div", { class: "xai-seq-row" }, [caption, tokens, strip, legend.el, picture]));
      this.rows.push({ method, caption, tokens, strip, legend, picture });
      // One delegated listener per row: token spans are rebuilt for every sample.
      tokens.addEventListener("mouseover", (ev) => {
        const t = (ev.target as HTMLElement).closest?.("[data-i]") as HTMLElement | null;
        if (t) this.hoverToken(Number(t.dataset.i));
      }, { signal: ctx.signal });
      tokens.addEventListener("mouseleave", () => this.hoverToken(-1), { signal: ctx.signal });
      strip.addEventListener("mousemove", (ev) => {
        const p = localXY(ev, strip);
        this.hoverToken(Math.floor((p.x / (p.width || 1)) * this.words.length));
      }, { signal: ctx.signal });
      strip.addEventListener("mouseleave", () => this.hoverToken(-1), { signal: ctx.signal });
    }
  }

  draw(sample: Sample, st: Settings): void {
    this.sample = sample;
    const { block, k } = sample;
    const given = block.tokens?.[k] ?? [];
    const first = block.attributions.values().next().value;
    const T = first ? first.itemSize : given.length;
    this.words = Array.from({ length: T }, (_, i) => (i < given.length ? given[i] : `#${i}`));
    for (const r of this.rows) {
      const a = block.attributions.get(r.method);
      const lut = lutFor(st.colormap, a?.signed ?? true);
      r.caption.textContent = a ? r.method : `${r.method} (n/a)`;
      const spans = this.words.map((w, i) => {
        const span = h("span", { class: "xai-token", text: w, "data-i": i });
        if (w === "") span.hidden = true; // padding positions: not shown as tokens
        if (a && i < a.itemSize) {
          const q = a.q[k * a.itemSize + i];
          if (isVisible(q, a.signed, st.threshold)) {
            span.style.background = lutColor(lut, q, st.opacity);
            if (st.opacity >= 0.5) span.style.color = textColorOn(lut, q, st.opacity);
          }
        }
        return span;
      });
      r.tokens.replaceChildren(...spans);
      const pic = block.pictures?.get(r.method)?.[k];
      r.picture.hidden = !pic;
      if (pic) r.picture.src = pic;
      else r.picture.removeAttribute("src");
      if (!a) {
        putRGBA(r.strip, new Uint8ClampedArray(4), 1, 1);
        continue;
      }
      const rgba = heatmapRGBA(a.q, k * a.itemSize, 1, a.itemSize, lut, { threshold: st.threshold, signed: a.signed, opacity: 1 });
      putRGBA(r.strip, rgba, a.itemSize, 1);
      r.legend.update(lut, a.lo[k], a.hi[k], a.signed);
    }
  }

  hoverToken(i: number): void {
    const s = this.sample;
    const show = s !== null && i >= 0 && i < this.words.length;
    for (const r of this.rows) {
      r.tokens.querySelectorAll(".xai-token").forEach((el, j) => el.classList.toggle("xai-hover", show && j === i));
    }
    if (!show) return this.ctx.hover(null);
    const { block, k } = s;
    const parts: ReadoutPart[] = [[`token ${i}`, this.words[i]]];
    for (const r of this.rows) {
      const a = block.attributions.get(r.method);
      parts.push([r.method, a && i < a.itemSize ? fmt(dequantize(a, k, i)) : "n/a"]);
    }
    this.ctx.hover(parts);
  }
}
