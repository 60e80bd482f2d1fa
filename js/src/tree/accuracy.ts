// The probe-accuracy table of ConceptTreeView: cross-validated accuracy per layer and concept
// (viridis cells, the best layer of each concept outlined); a click links a concept to the tree.
import { roving } from "../lib/a11y";
import { getLUT, lutColor, textColorOn } from "../lib/colormap";
import { h } from "../lib/dom";
import { floats, ints } from "../lib/wire";
import { pct, type AccuracyBlock } from "./state";

/**
 * The table of the `accuracy` trait (`read` decodes it), or null when there is none. Each
 * concept's header is a toggle button (the headers are one Tab stop; arrows move between them);
 * concepts no node of the tree tests (`used(j)` false) are marked as unused.
 */
export function accuracySection(read: () => AccuracyBlock, all: string[], signal: AbortSignal, onConcept: (j: number) => void,
  used: (j: number) => boolean = () => true, escape?: () => void): HTMLElement | null {
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
  const head = h("tr", {}, [h("th", { scope: "col", text: "layer" })]);
  concepts.forEach((c) => {
    const j = all.indexOf(c);
    const unused = !used(j);
    const btn = h("button", { type: "button", class: `xai-concept${unused ? " xai-unused" : ""}`, text: c, "data-concept": String(j),
      "aria-pressed": "false", title: unused ? `no node of the tree tests ${c}` : `find the nodes testing ${c} in the tree` });
    if (unused) btn.setAttribute("aria-label", `${c} (not used by the tree)`);
    btn.addEventListener("click", () => onConcept(j), { signal });
    head.append(h("th", { scope: "col", "data-concept": String(j), class: unused ? "xai-unused" : "" }, [btn]));
  });
  table.append(head);
  roving(head, { items: () => [...head.querySelectorAll<HTMLElement>("button.xai-concept")], orientation: "horizontal", escape }, signal);
  layers.forEach((layer, i) => {
    const tr = h("tr", {}, [h("th", { scope: "row", text: layer })]);
    concepts.forEach((c, j) => {
      const v = values[i * concepts.length + j];
      const code = Math.max(0, Math.min(255, Math.round(v * 255)));
      const td = h("td", { text: Number.isFinite(v) ? v.toFixed(2) : "n/a", "data-concept": String(all.indexOf(c)), "data-layer": layer });
      td.style.background = lutColor(lut, code);
      td.style.color = textColorOn(lut, code);
      td.title = `${c} from ${layer}: ${pct(v)} cross-validated accuracy${best[j] === i ? " (the layer it is predicted from)" : ""}`;
      if (best[j] === i) td.classList.add("xai-best");
      td.addEventListener("click", () => onConcept(all.indexOf(c)), { signal });
      tr.append(td);
    });
    table.append(tr);
  });
  return h("div", { class: "xai-acc-wrap" }, [
    h("h4", { text: "Where is each concept represented?" }),
    table,
    h("div", { class: "xai-hint", text: `Cross-validated probe accuracy per layer and concept; outlined: the layer each concept is predicted from. Click a concept to find it in the tree${concepts.some((c) => !used(all.indexOf(c))) ? " (struck through: no node tests it)" : ""}.` }),
  ]);
}

/** Underlines concept `j`'s header and cells (-1: none). */
export function markConcept(acc: HTMLElement, j: number): void {
  for (const c of acc.querySelectorAll<HTMLElement>("[data-concept]")) c.classList.toggle("xai-linked", Number(c.dataset.concept) === j);
}

/** Marks concept `j`'s button as pressed (the concept linked to the tree; -1: none). */
export function pressConcept(acc: HTMLElement, j: number): void {
  for (const b of acc.querySelectorAll<HTMLElement>("button.xai-concept")) b.setAttribute("aria-pressed", String(Number(b.dataset.concept) === j));
}
