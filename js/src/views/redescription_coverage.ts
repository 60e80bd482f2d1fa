// The neuron x attribute coverage heatmap of the redescription table: each cell the best J of
// a neuron's redescriptions whose right rule tests the attribute (computed in Python). Only
// neurons and attributes with some coverage get a row / column. Cells are table cells (their
// colour is the picture; hover shows a tooltip at the cursor, click filters the table).
import { roving } from "../lib/a11y";
import { getLUT, lutColor } from "../lib/colormap";
import { h } from "../lib/dom";
import type { Tooltip } from "../lib/tooltip";
import { Legend } from "./legend";
import { jCode } from "./redescription_rows";

export interface CoverageOptions {
  values: ArrayLike<number>; // (P, A) row-major
  neurons: readonly string[];
  attributes: readonly string[];
  /** The lowest J a redescription may have: the colour scale starts there. */
  lo: number;
  tooltip: Tooltip;
  onPick(neuron: number, attribute: number): void;
  /** Escape in the heatmap: drop its filter. */
  onClear?(): void;
  signal: AbortSignal;
}

export interface Coverage {
  el: HTMLElement;
  /** Outline the neuron's row and the attributes' columns (a selected redescription). */
  link(neuron: number, attributes: readonly number[]): void;
}

export function coverageHeatmap(o: CoverageOptions): Coverage {
  const P = o.neurons.length;
  const A = o.attributes.length;
  const at = (k: number, a: number) => Number(o.values[k * A + a]) || 0;
  const rows = [...Array(P).keys()].filter((k) => [...Array(A).keys()].some((a) => at(k, a) > 0));
  const cols = [...Array(A).keys()].filter((a) => rows.some((k) => at(k, a) > 0));
  const lut = getLUT("viridis");
  const wrap = h("div", { class: "xai-coverage-wrap" });
  const caption = `coverage: best J of each neuron's redescriptions whose right rule tests an attribute${P - rows.length ? ` (${P - rows.length} neurons without any hidden)` : ""}`;
  const legend = new Legend();
  legend.update(lut, o.lo, 1, false);
  legend.el.classList.add("xai-coverage-legend");
  wrap.append(h("div", { class: "xai-hint xai-coverage-caption", text: caption }), legend.el);
  if (!rows.length) {
    wrap.append(h("div", { class: "xai-hint", text: "no redescriptions to show" }));
    return { el: wrap, link: () => {} };
  }
  const table = h("table", { class: "xai-coverage" });
  const head = h("tr", {}, [h("th", {})]);
  for (const a of cols) head.append(h("th", { scope: "col", class: "xai-cov-attr", "data-attr": a, text: o.attributes[a] }));
  table.append(head);
  for (const k of rows) {
    const tr = h("tr", { "data-neuron": k }, [h("th", { scope: "row", text: o.neurons[k] })]);
    for (const a of cols) {
      const v = at(k, a);
      const td = h("td", { class: "xai-cov-cell", "data-neuron": k, "data-attr": a });
      if (v > 0) {
        td.setAttribute("aria-label", `${o.neurons[k]} × ${o.attributes[a]}: best J ${v.toFixed(3)}`);
        td.style.background = lutColor(lut, jCode(v, o.lo));
        td.classList.add("xai-filled");
        td.addEventListener("mousemove", (ev) => o.tooltip.show(ev, [o.neurons[k], o.attributes[a], ["best J", v.toFixed(3)]]), { signal: o.signal });
        td.addEventListener("mouseleave", () => o.tooltip.hide(), { signal: o.signal });
        td.addEventListener("click", () => o.onPick(k, a), { signal: o.signal });
      }
      tr.append(td);
    }
    const th = tr.firstElementChild as HTMLElement;
    th.classList.add("xai-cov-neuron");
    th.setAttribute("aria-label", `${o.neurons[k]}: all its redescriptions`);
    th.addEventListener("click", () => o.onPick(k, -1), { signal: o.signal });
    table.append(tr);
  }
  wrap.append(h("div", { class: "xai-coverage-scroll" }, [table]));
  // the neurons and the filled cells in reading order are one Tab stop: arrows move, Enter
  // filters the table, Escape drops the filter; a focused cell shows its tooltip
  table.setAttribute("aria-label", `${caption}: arrows move between the neurons and their filled cells, Enter filters the table, Escape clears`);
  roving(table, {
    items: () => [...table.querySelectorAll<HTMLElement>("th.xai-cov-neuron, td.xai-filled")],
    orientation: "both",
    escape: () => {
      o.tooltip.hide();
      o.onClear?.();
    },
  }, o.signal);
  table.addEventListener("focusin", (e) => {
    const cell = e.target instanceof HTMLElement ? e.target : null;
    if (!cell?.classList.contains("xai-filled")) return o.tooltip.hide();
    const r = cell.getBoundingClientRect();
    o.tooltip.show({ clientX: r.right, clientY: r.bottom }, [cell.getAttribute("aria-label") ?? ""]);
  }, { signal: o.signal });
  table.addEventListener("focusout", () => o.tooltip.hide(), { signal: o.signal });
  return {
    el: wrap,
    link(neuron: number, attributes: readonly number[]) {
      const on = (x: string | undefined) => x !== undefined && attributes.includes(Number(x));
      for (const td of table.querySelectorAll<HTMLElement>("td.xai-cov-cell")) td.classList.toggle("xai-linked", Number(td.dataset.neuron) === neuron && on(td.dataset.attr));
      for (const tr of table.querySelectorAll<HTMLElement>("tr[data-neuron]")) tr.classList.toggle("xai-linked", Number(tr.dataset.neuron) === neuron);
      for (const th of table.querySelectorAll<HTMLElement>("th.xai-cov-attr")) th.classList.toggle("xai-linked", on(th.dataset.attr));
    },
  };
}
