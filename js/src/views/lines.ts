// A small SVG line chart shared by every widget: fitted axes with ticks, a legend outside the
// plot (never over the ticks), optional point labels that alternate above and below, theme
// colours, and a tooltip per point. The same code draws it live, in dark mode and in exports.
import { roving } from "../lib/a11y";
import { h, s } from "../lib/dom";
import { fmt } from "../lib/format";
import type { Tooltip } from "../lib/tooltip";

export interface Series {
  name: string;
  ys: ArrayLike<number>;
  color: string;
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  xs: ArrayLike<number>;
  series: Series[];
  /** Text per point (e.g. "budget=0.4"), drawn by the first series' points. */
  pointLabels?: string[];
  /** Axis value format, e.g. percentages. */
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
  /** Fix an end of the y axis (e.g. 0 and 1 for rates) instead of fitting it to the data. */
  yMin?: number;
  yMax?: number;
  width?: number;
  height?: number;
}

/** "Nice" tick values (1, 2, 5 x 10^k steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 4): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi - lo < 1e-12) return [lo];
  const mag = 10 ** Math.floor(Math.log10((hi - lo) / Math.max(1, count)));
  const ticksOf = (st: number) => {
    const out: number[] = [];
    for (let v = Math.ceil(lo / st - 1e-9) * st; v <= hi + 1e-9 * st; v += st) out.push(Number(v.toPrecision(12)));
    return out;
  };
  // the 1-2-2.5-5 step whose tick count is closest to `count` (the finer one on ties)
  let best: number[] = [];
  for (const f of [1, 2, 2.5, 5, 10]) {
    const t = ticksOf(f * mag);
    if (!best.length || Math.abs(t.length - count) < Math.abs(best.length - count)) best = t;
  }
  return best;
}

function extent(values: ArrayLike<number>[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const vs of values) for (let i = 0; i < vs.length; i++) {
    const v = vs[i];
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!Number.isFinite(lo)) return [0, 1];
  if (hi - lo < 1e-9) return [lo - 0.5, hi + 0.5];
  const pad = 0.06 * (hi - lo);
  return [lo - pad, hi + pad];
}

export function lineChart(spec: LineChartSpec, tooltip?: Tooltip, signal?: AbortSignal): HTMLElement {
  const W = spec.width ?? 420;
  const H = spec.height ?? 260;
  const box = { left: 52, top: 26, width: W - 52 - 16, height: H - 26 - 48 };
  const [fx0, fx1] = extent([spec.xs]);
  let [y0, y1] = extent(spec.series.map((sr) => sr.ys));
  if (spec.yMin !== undefined) y0 = Math.min(spec.yMin, y0);
  if (spec.yMax !== undefined) y1 = Math.max(spec.yMax, y1);
  const xf = spec.xFormat ?? ((v: number) => fmt(v, 2));
  const yf = spec.yFormat ?? ((v: number) => fmt(v, 2));
  const X = (v: number) => box.left + ((v - fx0) / (fx1 - fx0 || 1)) * box.width;
  const Y = (v: number) => box.top + box.height - ((v - y0) / (y1 - y0 || 1)) * box.height;
  // a group (its points are focusable), labelled with every number it draws
  const said = spec.series.map((sr) => `${sr.name}: ${[...Array(spec.xs.length).keys()].sort((a, b) => spec.xs[a] - spec.xs[b])
    .filter((i) => Number.isFinite(sr.ys[i])).map((i) => `${yf(sr.ys[i])} at ${xf(spec.xs[i])}`).join(", ")}`);
  const svg = s("svg", {
    class: "xai-lines", width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "group",
    "aria-label": `${spec.title}: ${spec.yLabel} against ${spec.xLabel}; ${said.join("; ")}`,
  });
  svg.append(s("text", { class: "xai-chart-title", x: box.left, y: 14, text: spec.title }));
  for (const t of niceTicks(y0, y1)) {
    svg.append(s("line", { class: "xai-grid", x1: box.left, x2: box.left + box.width, y1: Y(t), y2: Y(t) }));
    svg.append(s("text", { class: "xai-tick", x: box.left - 5, y: Y(t) + 3, "text-anchor": "end", text: yf(t) }));
  }
  for (const t of niceTicks(fx0, fx1)) {
    svg.append(s("text", { class: "xai-tick", x: X(t), y: box.top + box.height + 14, "text-anchor": "middle", text: xf(t) }));
  }
  svg.append(s("path", { class: "xai-axis", d: `M${box.left},${box.top} V${box.top + box.height} H${box.left + box.width}` }));
  svg.append(s("text", { class: "xai-axis-label", x: box.left + box.width / 2, y: H - 8, "text-anchor": "middle", text: spec.xLabel }));
  svg.append(s("text", { class: "xai-axis-label", x: 12, y: box.top + box.height / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${box.top + box.height / 2})`, text: spec.yLabel }));
  const order = [...Array(spec.xs.length).keys()].sort((a, b) => spec.xs[a] - spec.xs[b]);
  spec.series.forEach((sr, j) => {
    const pts = order.filter((i) => Number.isFinite(sr.ys[i])).map((i) => `${X(spec.xs[i]).toFixed(1)},${Y(sr.ys[i]).toFixed(1)}`);
    svg.append(s("polyline", { points: pts.join(" "), fill: "none", stroke: sr.color, "stroke-width": 2, "data-series": sr.name }));
    order.forEach((i, rank) => {
      const v = sr.ys[i];
      if (!Number.isFinite(v)) return;
      const lines: [string, string][] = [[sr.name, yf(v)], [spec.xLabel, xf(spec.xs[i])]];
      if (spec.pointLabels?.[i]) lines.unshift(["", spec.pointLabels[i]]);
      const dot = s("circle", {
        class: "xai-point", cx: X(spec.xs[i]), cy: Y(v), r: 3.5, fill: sr.color, "data-series": sr.name, role: "img",
        "aria-label": lines.map(([a, b]) => (a ? `${a}: ${b}` : b)).join(", "),
      });
      if (tooltip) {
        const tip = (at: { clientX: number; clientY: number }) => tooltip.show(at, lines.map(([a, b]) => (a ? [a, b] : b)));
        dot.addEventListener("mousemove", (ev) => tip(ev as MouseEvent), signal ? { signal } : undefined);
        dot.addEventListener("mouseleave", () => tooltip.hide(), signal ? { signal } : undefined);
        // the same tooltip on keyboard focus, at the point
        dot.addEventListener("focus", () => {
          const r = dot.getBoundingClientRect();
          tip({ clientX: r.right, clientY: r.bottom });
        }, signal ? { signal } : undefined);
        dot.addEventListener("blur", () => tooltip.hide(), signal ? { signal } : undefined);
      }
      svg.append(dot);
      if (j === 0 && spec.pointLabels?.[i]) {
        const below = rank % 2 === 1; // neighbours alternate so close points do not collide
        svg.append(s("text", { class: "xai-point-label", x: X(spec.xs[i]), y: Y(v) + (below ? 14 : -7), "text-anchor": "middle", text: spec.pointLabels[i] }));
      }
    });
  });
  // keyboard: the points are one Tab stop; Left / Right move along a series, Up / Down between series
  const perSeries = Math.max(1, ...spec.series.map((sr) => order.filter((i) => Number.isFinite(sr.ys[i])).length));
  const ctl = signal ?? new AbortController().signal;
  roving(svg as unknown as HTMLElement, {
    items: () => [...svg.querySelectorAll("circle.xai-point:not(.xai-off)")] as unknown as HTMLElement[],
    orientation: "grid",
    columns: () => perSeries,
    escape: () => tooltip?.hide(),
  }, ctl);
  // each entry toggles its series (aria-pressed)
  const legend = h("div", { class: "xai-curve-legend", role: "group", "aria-label": "series shown" }, spec.series.map((sr) => {
    const sw = h("span", { class: "xai-swatch" });
    sw.style.background = sr.color;
    const b = h("button", { type: "button", class: "xai-toggle", "aria-pressed": "true", "data-series": sr.name, title: `show or hide ${sr.name}` }, [sw, h("span", { text: sr.name })]);
    b.addEventListener("click", () => {
      const on = b.getAttribute("aria-pressed") !== "true";
      b.setAttribute("aria-pressed", String(on));
      for (const el of svg.querySelectorAll<SVGElement>("[data-series]")) if (el.dataset.series === sr.name) el.classList.toggle("xai-off", !on);
    }, { signal: ctl });
    return b;
  }));
  return h("div", { class: "xai-linechart" }, [svg, legend]);
}
