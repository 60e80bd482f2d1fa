import type { LUT } from "../lib/colormap";
import { h, putRGBA } from "../lib/dom";
import { legendLabels } from "../lib/layout";

/** Colour bar (the LUT drawn 256 x 1 and stretched by CSS) with value labels under it. */
export class Legend {
  readonly el: HTMLElement;
  private bar = h("canvas", { class: "xai-colorbar", width: 256, height: 1 });
  private labels = h("div", { class: "xai-legend-labels" });

  constructor() {
    this.el = h("div", { class: "xai-legend" }, [this.bar, this.labels]);
  }

  update(lut: LUT, lo: number, hi: number, signed: boolean): void {
    putRGBA(this.bar, lut, 256, 1);
    this.labels.replaceChildren(...legendLabels(lo, hi, signed).map((t) => h("span", { text: t })));
  }
}
