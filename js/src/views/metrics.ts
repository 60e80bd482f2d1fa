// Metrics table (mean with its bootstrap interval, the paired-test "best", ranks, the selected
// sample's own values, sortable columns) and mean deletion / insertion curves on fitted axes.
import { type Roving, roving } from "../lib/a11y";
import { PALETTE } from "../lib/colormap";
import { h, s } from "../lib/dom";
import { fmt } from "../lib/format";
import { polylinePoints } from "../lib/layout";
import { dataRange, type Metrics, sortRows } from "../lib/metrics";
import type { Tooltip } from "../lib/tooltip";

/** The colour of method m: Python's per-method colours when given, else the palette. */
export function colorOf(colors: readonly string[] | undefined, m: number): string {
  return colors?.[m] || PALETTE[m % PALETTE.length];
}

function arrowed(label: string, higher: boolean): string {
  return /[↑↓]\s*$/.test(label) ? label : `${label} ${higher ? "↑" : "↓"}`; // Python may add it
}

export class MetricsTable {
  readonly el: HTMLTableElement;
  private sortBy = -1;
  private reverse = false;
  private sample = -1;
  /** The method chosen (click, Enter): its row marked, its curves drawn on top. */
  selected: string | null = null;
  /** Called when the chosen method changes (null: none). */
  onSelect: (method: string | null) => void = () => {};
  private heads: Roving;
  private rows: Roving;
  /** Where a row focused by keyboard shows what its cells' hover titles say. */
  tooltip: Tooltip | null = null;

  constructor(private readonly mx: Metrics, private readonly colors: readonly string[] | undefined, private readonly signal: AbortSignal) {
    this.el = h("table", { class: "xai-metrics" });
    // keyboard: the sort buttons are one Tab stop (Left / Right), the rows another (Up / Down,
    // Enter chooses the method, Escape forgets it)
    this.heads = roving(this.el, { items: () => [...this.el.querySelectorAll<HTMLElement>("thead button.xai-sort")], orientation: "horizontal" }, signal);
    this.rows = roving(this.el, {
      items: () => [...this.el.querySelectorAll<HTMLElement>("tbody tr")],
      orientation: "vertical",
      escape: () => this.select(null),
    }, signal);
    this.el.addEventListener("focusin", (e) => {
      const tr = e.target instanceof HTMLElement && e.target.matches("tbody tr") ? e.target : null;
      if (tr) this.explain(tr);
    }, { signal });
    this.el.addEventListener("focusout", () => this.tooltip?.hide(), { signal });
    this.render();
  }

  /** The hover titles of a row's cells, in the tooltip under it (keyboard focus). */
  private explain(tr: HTMLElement): void {
    if (!this.tooltip) return;
    const cells = [...tr.querySelectorAll<HTMLElement>("td")];
    const lines: [string, string][] = cells.map((td, q) => [this.mx.labels[q] ?? "", `${td.querySelector(".xai-mean")?.textContent ?? ""} · ${td.title}`]);
    const r = tr.getBoundingClientRect();
    this.tooltip.show({ clientX: r.left + 40, clientY: r.bottom }, [tr.dataset.method ?? "", ...lines]);
  }

  /** Chooses method `m` (null: none); the same method again un-chooses it. */
  select(m: string | null): void {
    this.selected = m;
    for (const tr of this.el.querySelectorAll<HTMLElement>("tbody tr")) {
      if (tr.dataset.method === m) tr.setAttribute("aria-current", "true");
      else tr.removeAttribute("aria-current");
    }
    this.onSelect(m);
  }

  /** Shows sample i's own values under the means (when it is one of the metric samples). */
  setSample(i: number): void {
    if (i === this.sample) return;
    this.sample = i;
    this.render();
  }

  private sampleColumn(): number {
    const { samples } = this.mx;
    if (!samples || !this.mx.values) return -1;
    return samples.indexOf(this.sample);
  }

  private render(): void {
    const focused = this.el.contains(document.activeElement) ? document.activeElement : null;
    const focusQ = focused instanceof HTMLElement && focused.closest("thead") ? focused.closest("th")?.dataset.q : undefined;
    const focusRow = focused instanceof HTMLElement ? focused.closest("tbody tr")?.getAttribute("data-method") : null;
    const curHead = this.heads?.current()?.closest("th")?.dataset.q;
    const curRow = this.rows?.current()?.dataset.method;
    const mx = this.mx;
    const k = this.sampleColumn();
    const K = mx.samples?.length ?? 0;
    const head = h("tr", {}, [
      h("th", { scope: "col", text: "method" }),
      ...mx.labels.map((label, q) => {
        const text = arrowed(label, mx.higher[q]);
        const button = h("button", { type: "button", class: "xai-sort", text, "aria-label": `${text}: sort by ${label}, best first (${mx.higher[q] ? "higher" : "lower"} is better)` });
        const th = h("th", { scope: "col", class: "xai-sortable", "data-q": q, title: `${mx.higher[q] ? "higher" : "lower"} is better · click to sort` }, [button]);
        if (q === this.sortBy) th.setAttribute("aria-sort", this.reverse ? "descending" : "ascending");
        th.addEventListener("click", () => { // the button's click bubbles here
          this.reverse = this.sortBy === q ? !this.reverse : false;
          this.sortBy = q;
          this.render();
        }, { signal: this.signal });
        return th;
      }),
    ]);
    const order = this.sortBy >= 0 ? sortRows(mx, this.sortBy, this.reverse) : [...Array(mx.M).keys()];
    const body = order.map((m) => {
      const sw = h("span", { class: "xai-swatch xai-swatch-sq" });
      sw.style.background = colorOf(this.colors, m);
      const tr = h("tr", { "data-method": mx.methods[m], title: "click or Enter: mark this method's panel and curves" }, [
        h("th", { scope: "row" }, [sw, mx.methods[m]]),
        ...mx.labels.map((_, q) => this.cell(m, q, k, K)),
      ]);
      if (mx.methods[m] === this.selected) tr.setAttribute("aria-current", "true");
      tr.addEventListener("click", () => this.select(this.selected === mx.methods[m] ? null : mx.methods[m]), { signal: this.signal });
      return tr;
    });
    const bits: string[] = [];
    if (mx.sentence) bits.push(mx.sentence);
    if (mx.baseline) bits.push(`Baseline: ${mx.baseline}.`);
    if (this.sample >= 0 && k < 0 && K) bits.push(`Sample ${this.sample} is not one of the ${K} metric samples.`);
    this.el.replaceChildren(
      h("caption", { text: bits.join(" ") }),
      h("thead", {}, [head]),
      h("tbody", {}, body),
    );
    // the rebuilt table keeps the keyboard where it was (a sort must not drop the focus)
    const byQ = (q: string | undefined) => (q === undefined ? null : this.el.querySelector<HTMLElement>(`thead th[data-q="${q}"] button`));
    const byRow = (m: string | null | undefined) => (m == null ? null : [...this.el.querySelectorAll<HTMLElement>("tbody tr")].find((tr) => tr.dataset.method === m) ?? null);
    this.heads?.setCurrent(byQ(curHead));
    this.rows?.setCurrent(byRow(curRow));
    this.heads?.refresh();
    this.rows?.refresh();
    byQ(focusQ)?.focus();
    byRow(focusRow)?.focus();
  }

  private cell(m: number, q: number, k: number, K: number): HTMLTableCellElement {
    const mx = this.mx;
    const i = m * mx.Q + q;
    const mean = mx.mean[i];
    const best = !!mx.best?.[i];
    const rank = mx.rank?.[i] ?? 0;
    const td = h("td", { class: best ? "best" : undefined, "data-q": q });
    td.append(h("span", { class: "xai-mean", text: fmt(mean) }));
    if (rank > 0 && mx.paired[q]) td.append(h("sup", { class: "xai-rank", text: `#${rank}`, title: `rank ${rank} of ${mx.M} by mean` }));
    const lo = mx.low?.[i] ?? NaN;
    const hi = mx.high?.[i] ?? NaN;
    if (Number.isFinite(lo) && Number.isFinite(hi)) td.append(h("div", { class: "xai-ci", text: `[${fmt(lo)}, ${fmt(hi)}]` }));
    if (k >= 0 && mx.values && mx.paired[q]) {
      const v = mx.values[(m * mx.Q + q) * K + k];
      td.append(h("div", { class: "xai-sample-value", text: `sample: ${fmt(v)}` }));
    }
    const p = mx.pBest?.[q];
    td.title = best ? `best: better than every other method on the same samples (paired Wilcoxon, Holm-adjusted p = ${fmt(p ?? NaN, 2)})`
      : mx.paired[q] ? (rank === 1 && Number.isFinite(p ?? NaN) ? `best mean, but not significantly better than all others (p = ${fmt(p ?? NaN, 2)})` : `mean over the metric samples; interval: ${mx.n ?? ""} samples bootstrapped`)
        : "one measurement per method (no interval)";
    return td;
  }
}

const W = 260;
const H = 160;
const BOX = { left: 40, top: 18, width: W - 50, height: H - 50 };

export function curveChart(title: string, xLabel: string, xs: ArrayLike<number>, ys: ArrayLike<number>, methods: string[], yLabel = "probability", colors?: readonly string[]): SVGSVGElement {
  const S = xs.length;
  const [y0, y1] = dataRange(ys); // fitted to the data, not forced to [0, 1]
  const x0 = S ? xs[0] : 0;
  const x1 = S ? xs[S - 1] : 1;
  const { left, top, width, height } = BOX;
  const yAt = (v: number) => top + height - ((v - y0) / (y1 - y0 || 1)) * height;
  const ticks = [y0, (y0 + y1) / 2, y1];
  const svg = s("svg", { class: "xai-curves", width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": curveText(title, xLabel, yLabel, xs, ys, methods) }, [
    s("text", { class: "xai-chart-title", x: left, y: 11, text: title }),
    ...ticks.map((t) => s("line", { class: "xai-grid", x1: left, x2: left + width, y1: yAt(t), y2: yAt(t) })),
    s("path", { class: "xai-axis", d: `M${left},${top} V${top + height} H${left + width}` }),
    ...ticks.map((t) => s("text", { x: left - 4, y: yAt(t) + 3, "text-anchor": "end", text: fmt(t, 2) })),
    s("text", { x: left, y: top + height + 12, "text-anchor": "middle", text: fmt(x0) }),
    s("text", { x: left + width, y: top + height + 12, "text-anchor": "middle", text: fmt(x1) }),
    s("text", { x: left + width / 2, y: top + height + 26, "text-anchor": "middle", text: xLabel }),
    s("text", { x: 10, y: top + height / 2, "text-anchor": "middle", transform: `rotate(-90 10 ${top + height / 2})`, text: yLabel }),
  ]);
  methods.forEach((method, m) => {
    const row = Array.from({ length: S }, (_, i) => ys[m * S + i]);
    const pts = polylinePoints(xs, row, BOX, x0, x1, y0, y1);
    svg.appendChild(
      s("polyline", { points: pts, fill: "none", stroke: colorOf(colors, m), "stroke-width": 1.8, "data-method": method }, [
        s("title", { text: method }),
      ]),
    );
  });
  return svg;
}

/** A curve chart's text alternative: per method, where its curve starts and ends and its area. */
export function curveText(title: string, xLabel: string, yLabel: string, xs: ArrayLike<number>, ys: ArrayLike<number>, methods: string[]): string {
  const S = xs.length;
  const parts = methods.map((method, m) => {
    const row = Array.from({ length: S }, (_, i) => ys[m * S + i]);
    let area = 0;
    for (let i = 1; i < S; i++) area += ((row[i] + row[i - 1]) / 2) * (xs[i] - xs[i - 1]);
    return `${method} from ${fmt(row[0])} to ${fmt(row[S - 1])} (area ${fmt(area)})`;
  });
  const span = S ? ` from ${fmt(xs[0])} to ${fmt(xs[S - 1])}` : "";
  return `${title}: ${yLabel} against ${xLabel}${span}; ${parts.join("; ")}`;
}

/**
 * The methods' colours; each entry a toggle button (aria-pressed) that hides or shows the
 * method's curves in `charts` (lines with `data-method`).
 */
export function curveLegend(methods: string[], colors?: readonly string[], charts?: () => Element[], signal?: AbortSignal): HTMLElement {
  return h("div", { class: "xai-curve-legend", role: "group", "aria-label": "curves shown" }, methods.map((method, m) => {
    const sw = h("span", { class: "xai-swatch" });
    sw.style.background = colorOf(colors, m);
    if (!charts) return h("div", {}, [sw, h("span", { text: method })]);
    const b = h("button", { type: "button", class: "xai-toggle", "aria-pressed": "true", "data-method": method, title: `show or hide ${method}'s curves` }, [sw, h("span", { text: method })]);
    b.addEventListener("click", () => {
      const on = b.getAttribute("aria-pressed") !== "true";
      b.setAttribute("aria-pressed", String(on));
      for (const c of charts()) {
        for (const el of c.querySelectorAll(`[data-method]`)) if ((el as SVGElement).dataset.method === method) el.classList.toggle("xai-off", !on);
      }
    }, signal ? { signal } : undefined);
    return b;
  }));
}

/** Draws method `m`'s curves on top (thicker, the others faded); null: all alike. */
export function emphasize(charts: Element[], m: string | null): void {
  for (const c of charts) {
    for (const el of c.querySelectorAll<SVGElement>("polyline[data-method]")) {
      el.classList.toggle("xai-em", m !== null && el.dataset.method === m);
      el.classList.toggle("xai-dim", m !== null && el.dataset.method !== m);
    }
  }
}

export interface MetricsSection {
  el: HTMLElement;
  table: MetricsTable;
}

/** `yLabel`: what the curves score ("probability" of the target, or "|Δ output|"). */
/** `select`: told when the method chosen in the table changes (e.g. to mark its panel). */
export function metricsSection(mx: Metrics, yLabel = "probability", colors?: readonly string[], signal: AbortSignal = new AbortController().signal, select?: (m: string | null) => void, tooltip?: Tooltip): MetricsSection {
  const table = new MetricsTable(mx, colors, signal);
  table.tooltip = tooltip ?? null;
  const el = h("div", { class: "xai-metrics-wrap" }, [table.el]);
  const svgs: Element[] = [];
  if (mx.fractions && (mx.deletion || mx.insertion)) {
    const charts = h("div", { class: "xai-charts" });
    if (mx.deletion) svgs.push(charts.appendChild(curveChart("Deletion (mean)", "fraction of locations removed", mx.fractions, mx.deletion, mx.methods, yLabel, colors)));
    if (mx.insertion) svgs.push(charts.appendChild(curveChart("Insertion (mean)", "fraction of locations inserted", mx.fractions, mx.insertion, mx.methods, yLabel, colors)));
    charts.appendChild(curveLegend(mx.methods, colors, () => svgs, signal));
    el.appendChild(charts);
  }
  table.onSelect = (m) => {
    emphasize(svgs, m);
    select?.(m);
  };
  return { el, table };
}
