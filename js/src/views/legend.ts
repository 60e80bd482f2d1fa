import type { LUT } from "../lib/colormap";
import { h, putRGBA, setText } from "../lib/dom";
import { fmt } from "../lib/format";
import { legendLabels } from "../lib/layout";

/** Colour bar (the LUT drawn 256 x 1 and stretched by CSS) with value labels under it. */
export class Legend {
  readonly el: HTMLElement;
  private bar = h("canvas", { class: "xai-colorbar", width: 256, height: 1 });
  private labels = h("div", { class: "xai-legend-labels" });

  constructor() {
    this.band.hidden = true;
    this.note.hidden = true;
    this.el = h("div", { class: "xai-legend" }, [h("div", { class: "xai-legend-bar" }, [this.bar, this.band]), this.labels, this.note]);
  }

  private band = h("div", { class: "xai-legend-band" });
  private note = h("div", { class: "xai-legend-note" });

  /** `threshold` in [0, 1]: the hidden part of the bar is greyed and its value range named. */
  update(lut: LUT, lo: number, hi: number, signed: boolean, threshold = 0, clipped = 0): void {
    putRGBA(this.bar, lut, 256, 1);
    this.labels.replaceChildren(...legendLabels(lo, hi, signed).map((t) => h("span", { text: t })));
    const t = Math.max(0, Math.min(1, threshold));
    this.band.hidden = t <= 0;
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    if (t > 0) {
      // signed: |v| < t * m around the centre; unsigned: the lowest t of the range
      Object.assign(this.band.style, signed ? { left: `${50 - 50 * t}%`, width: `${100 * t}%` } : { left: "0", width: `${100 * t}%` });
    }
    const bits: string[] = [];
    if (t > 0) bits.push(signed ? `hidden: |v| < ${fmt(t * m)}` : `hidden: v < ${fmt(lo + t * (hi - lo))}`);
    if (clipped > 0) bits.push(`${clipped} clipped`);
    setText(this.note, bits.join(" · "));
    this.note.hidden = !bits.length;
  }
}
