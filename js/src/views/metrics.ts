// Metrics table (mean with its bootstrap interval, the paired-test "best", ranks, the selected
// sample's own values, sortable columns) and mean deletion / insertion curves on fitted axes.
import { PALETTE } from "../lib/colormap";
import { h, s } from "../lib/dom";
import { fmt } from "../lib/format";
import { polylinePoints } from "../lib/layout";
import { dataRange, type Metrics, sortRows } from "../lib/metrics";

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

  constructor(private readonly mx: Metrics, private readonly colors: readonly string[] | undefined, private readonly signal: AbortSignal) {
    this.el = h("table", { class: "xai-metrics" });
    this.render();
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
    const mx = this.mx;
    const k = this.sampleColumn();
    const K = mx.samples?.length ?? 0;
    const head = h("tr", {}, [
      h("th", { scope: "col", text: "method" }),
      ...mx.labels.map((label, q) => {
        const th = h("th", { scope: "col", class: "xai-sortable", "data-q": q, text: arrowed(label, mx.higher[q]), title: `${mx.higher[q] ? "higher" : "lower"} is better · click to sort` });
        if (q === this.sortBy) th.setAttribute("aria-sort", this.reverse ? "descending" : "ascending");
        th.addEventListener("click", () => {
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
      return h("tr", { "data-method": mx.methods[m] }, [
        h("th", { scope: "row" }, [sw, mx.methods[m]]),
        ...mx.labels.map((_, q) => this.cell(m, q, k, K)),
      ]);
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
  const svg = s("svg", { class: "xai-curves", width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title }, [
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

export function curveLegend(methods: string[], colors?: readonly string[]): HTMLElement {
  return h("div", { class: "xai-curve-legend" }, methods.map((method, m) => {
    const sw = h("span", { class: "xai-swatch" });
    sw.style.background = colorOf(colors, m);
    return h("div", {}, [sw, h("span", { text: method })]);
  }));
}

export interface MetricsSection {
  el: HTMLElement;
  table: MetricsTable;
}

/** `yLabel`: what the curves score ("probability" of the target, or "|Δ output|"). */
export function metricsSection(mx: Metrics, yLabel = "probability", colors?: readonly string[], signal: AbortSignal = new AbortController().signal): MetricsSection {
  const table = new MetricsTable(mx, colors, signal);
  const el = h("div", { class: "xai-metrics-wrap" }, [table.el]);
  if (mx.fractions && (mx.deletion || mx.insertion)) {
    const charts = h("div", { class: "xai-charts" });
    if (mx.deletion) charts.appendChild(curveChart("Deletion (mean)", "fraction of locations removed", mx.fractions, mx.deletion, mx.methods, yLabel, colors));
    if (mx.insertion) charts.appendChild(curveChart("Insertion (mean)", "fraction of locations inserted", mx.fractions, mx.insertion, mx.methods, yLabel, colors));
    charts.appendChild(curveLegend(mx.methods, colors));
    el.appendChild(charts);
  }
  return { el, table };
}
