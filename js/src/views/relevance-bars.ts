// SENNView's bar charts (relevance.ts): one horizontal bar per concept from a centre axis,
// signed colours (RdBu: blue negative, red positive), values as text, drawn as SVG so the same
// picture appears live, in dark mode and in exports. Pure layout helpers are exported for tests.
import { lutColor, lutFor } from "../lib/colormap";
import { s } from "../lib/dom";
import { fmt } from "../lib/format";
import { barExtent } from "../lib/layout";
import { barColorIndex } from "./tabular";

export const ROW = 20;
export const BAR_W = 150;
const TOP = 20;
const VALUE_W = 52;

/** Row order: data order, or by decreasing |value| of `key` (stable for ties). */
export function rowOrder(key: ArrayLike<number>, sorted: boolean): number[] {
  const idx = Array.from({ length: key.length }, (_, i) => i);
  if (!sorted) return idx;
  return idx.sort((a, b) => Math.abs(key[b]) - Math.abs(key[a]) || a - b);
}

/** The RdBu colour of a signed value on a symmetric axis of half-range m: short bars pushed
 * off the pale centre (as in the comparison's tabular view), long ones kept off the darkest
 * ends, which vanish on a dark page. */
export function signedColor(v: number, m: number): string {
  const q = 127.5 + 127.5 * (m > 0 && Number.isFinite(v) ? Math.max(-1, Math.min(1, v / m)) : 0);
  const i = barColorIndex(q, true);
  return lutColor(lutFor("RdBu", true), 127.5 + Math.sign(i - 127.5) * Math.min(Math.abs(i - 127.5), 108));
}

export interface BarSpec {
  title: string;
  names: string[];
  values: ArrayLike<number>;
  order: number[];
  /** Half-range of the axis (default: max |value|). */
  extent?: number;
  /** Draw the names column (the second chart of a pair shares the first one's). */
  labels?: boolean;
  /** Colour bars by sign (relevances) or in one neutral colour (activations). */
  signed?: boolean;
  labelWidth?: number;
  kind: string;
}

/** An SVG bar chart; every bar carries `data-row` (the concept index) for hover linking. */
export function barChart(spec: BarSpec): SVGSVGElement {
  const labelW = spec.labels === false ? 0 : spec.labelWidth ?? 140;
  const n = spec.order.length;
  const width = labelW + BAR_W + VALUE_W;
  const height = TOP + ROW * n + 4;
  let m = spec.extent ?? 0;
  if (!(m > 0)) for (let i = 0; i < spec.values.length; i++) m = Math.max(m, Math.abs(spec.values[i]) || 0);
  const mid = labelW + BAR_W / 2;
  const svg = s("svg", { class: `xai-senn-bars xai-senn-${spec.kind}`, width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": spec.title }, [
    s("text", { class: "xai-senn-chart-title", x: labelW, y: 13, text: spec.title }),
    s("line", { class: "xai-senn-axis", x1: mid, x2: mid, y1: TOP - 2, y2: height }),
  ]);
  spec.order.forEach((row, r) => {
    const v = spec.values[row];
    const y = TOP + r * ROW;
    const { x, w } = barExtent(v, m, BAR_W);
    const g = s("g", { class: "xai-senn-row", "data-row": row, transform: `translate(0,${y})` }, [
      s("rect", { class: "xai-senn-hit", x: 0, y: 0, width, height: ROW }),
      spec.labels === false ? null : s("text", { class: "xai-senn-name", x: labelW - 6, y: ROW / 2 + 4, "text-anchor": "end", text: clipName(spec.names[row] ?? `concept ${row + 1}`, 22) }),
      s("rect", { class: `xai-senn-bar${spec.signed === false ? " xai-senn-neutral" : ""}`, x: labelW + x, y: 3, width: Math.max(w, 0.75), height: ROW - 6, fill: spec.signed === false ? undefined : signedColor(v, m) }),
      s("text", { class: "xai-senn-value", x: labelW + BAR_W + 4, y: ROW / 2 + 4, text: fmtSigned(v) }),
    ]);
    svg.appendChild(g);
  });
  return svg;
}

export function fmtSigned(v: number): string {
  const t = fmt(v);
  return Number.isFinite(v) && v > 0 ? `+${t}` : t;
}

export function clipName(name: string, n: number): string {
  return name.length <= n ? name : `${name.slice(0, n - 1)}…`;
}
