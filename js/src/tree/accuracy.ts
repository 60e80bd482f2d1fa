// The probe-accuracy table of ConceptTreeView: cross-validated accuracy per layer and concept
// (viridis cells, the best layer of each concept outlined); a click links a concept to the tree.
import { getLUT, lutColor, textColorOn } from "../lib/colormap";
import { h } from "../lib/dom";
import { floats, ints } from "../lib/wire";
import { pct, type AccuracyBlock } from "./state";

/** The table of the `accuracy` trait (`read` decodes it), or null when there is none. */
export function accuracySection(read: () => AccuracyBlock, all: string[], signal: AbortSignal, onConcept: (j: number) => void): HTMLElement | null {
  let values: Float32Array | Float64Array;
  let best: Int32Array;
  let a: AccuracyBlock;
  try {
    a = read() ?? {};
    if (!a.values) return null;
    values = floats(a.values);
    if (!a.best) throw new Error("best is missing");
    best = ints(a.best);
  } catch (err) {
    return h("div", { class: "xai-status", text: `accuracy unavailable: ${String(err)}` });
  }
  const layers = (a.layers ?? []).map(String);
  const concepts = (a.concepts ?? []).map(String);
  const lut = getLUT("viridis");
  const table = h("table", { class: "xai-acc" });
  const head = h("tr", {}, [h("th", { text: "layer" })]);
  concepts.forEach((c) => {
    const th = h("th", { scope: "col", text: c, "data-concept": String(all.indexOf(c)) });
    th.addEventListener("click", () => onConcept(all.indexOf(c)), { signal });
    head.append(th);
  });
  table.append(head);
  layers.forEach((layer, i) => {
    const tr = h("tr", {}, [h("th", { scope: "row", text: layer })]);
    concepts.forEach((c, j) => {
      const v = values[i * concepts.length + j];
      const code = Math.max(0, Math.min(255, Math.round(v * 255)));
      const td = h("td", { text: Number.isFinite(v) ? v.toFixed(2) : "n/a", "data-concept": String(all.indexOf(c)), "data-layer": layer });
      td.style.background = lutColor(lut, code);
      td.style.color = textColorOn(lut, code);
      td.title = `${c} from ${layer}: ${pct(v)} cross-validated accuracy`;
      if (best[j] === i) td.classList.add("xai-best");
      td.addEventListener("click", () => onConcept(all.indexOf(c)), { signal });
      tr.append(td);
    });
    table.append(tr);
  });
  return h("div", { class: "xai-acc-wrap" }, [
    h("h4", { text: "Where is each concept represented?" }),
    table,
    h("div", { class: "xai-hint", text: "Cross-validated probe accuracy per layer and concept; outlined: the layer each concept is predicted from. Click a concept to find it in the tree." }),
  ]);
}

/** Underlines concept `j`'s header and cells (-1: none). */
export function markConcept(acc: HTMLElement, j: number): void {
  for (const c of acc.querySelectorAll<HTMLElement>("[data-concept]")) c.classList.toggle("xai-linked", Number(c.dataset.concept) === j);
}
