// The concept legend of TimelineView: one swatch per concept (click to highlight it; the title
// gives its majority class, purity and share of the states) and one per class.
import { h } from "../lib/dom";
import { className } from "../lib/format";
import { classColor, pct, type Concepts } from "./state";

export function drawLegend(box: HTMLElement, concepts: Concepts, classes: string[], highlight: number, signal: AbortSignal, onConcept: (j: number) => void): void {
  const items = concepts.names.map((name, j) => {
    const sw = h("span", { class: "xai-swatch" });
    sw.style.background = concepts.colors[j];
    const about = `${name}: class ${className(classes, concepts.majority[j])}, purity ${pct(concepts.purity[j])}, ${pct(concepts.share[j])} of the states`;
    // a toggle button in a roving group (timeline.ts): one Tab stop, arrows move, Enter toggles
    const item = h("span", { class: `xai-tl-concept${highlight === j ? " xai-on" : ""}`, "data-concept": j, title: about, role: "button", tabindex: -1,
      "aria-pressed": String(highlight === j), "aria-label": `concept ${about}` }, [sw, name]);
    item.addEventListener("click", () => onConcept(j), { signal });
    return item;
  });
  const cls = classes.map((name, c) => {
    const sw = h("span", { class: "xai-swatch" });
    sw.style.background = classColor(c);
    return h("span", { class: "xai-tl-class" }, [sw, name]);
  });
  box.replaceChildren(h("span", { class: "xai-hint", text: "concepts:" }), ...items, h("span", { class: "xai-hint", text: "classes:" }), ...cls);
}
