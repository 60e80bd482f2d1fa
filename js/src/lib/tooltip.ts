// One tooltip at the cursor for every view: absolutely positioned inside the widget root (no
// layout shift, works inside notebook outputs that scroll), kept inside the root's box, text only.
import { h } from "./dom";

/** A line of a tooltip: plain text, or a bold label and its value. */
export type TipLine = string | [label: string, value: string];

export class Tooltip {
  readonly el: HTMLElement;

  constructor(private readonly root: HTMLElement) {
    this.el = h("div", { class: "xai-tooltip", role: "tooltip" });
    this.el.hidden = true;
    root.append(this.el);
  }

  /** Shows `lines` next to the pointer of `ev` (client coordinates). */
  show(ev: { clientX: number; clientY: number }, lines: TipLine[]): void {
    this.el.replaceChildren(...lines.map((line) =>
      typeof line === "string" ? h("div", { text: line })
        : h("div", {}, [h("b", { text: line[0] }), document.createTextNode(` ${line[1]}`)])));
    this.el.hidden = false;
    const box = this.root.getBoundingClientRect();
    const tip = this.el.getBoundingClientRect();
    const gap = 12;
    let x = ev.clientX - box.left + gap;
    let y = ev.clientY - box.top + gap;
    // flip to the other side of the pointer rather than run past the widget's edges
    if (box.width && x + tip.width > box.width) x = Math.max(0, ev.clientX - box.left - gap - tip.width);
    if (box.height && y + tip.height > box.height) y = Math.max(0, ev.clientY - box.top - gap - tip.height);
    this.el.style.left = `${x}px`;
    this.el.style.top = `${y}px`;
  }

  hide(): void {
    this.el.hidden = true;
  }

  get visible(): boolean {
    return !this.el.hidden;
  }
}
