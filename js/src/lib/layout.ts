// Geometry shared by the panels: pure so it can be unit-tested without a DOM.
import { fmt } from "./format";

export const PANEL_WIDTH = 180;
export const PANEL_MAX_HEIGHT = 270;

/** Narrowest image panel: the panels shrink to this to keep every method on one row. */
export const PANEL_MIN_WIDTH = 110;

/**
 * CSS size of an image panel showing an h x w grid: `maxWidth` wide (PANEL_WIDTH unless the
 * panels shrink to share a row), height by aspect, capped at 1.5 x the width.
 */
export function panelSize(h: number, w: number, maxWidth = PANEL_WIDTH): { width: number; height: number } {
  const maxHeight = (PANEL_MAX_HEIGHT * maxWidth) / PANEL_WIDTH;
  if (!(h > 0 && w > 0)) return { width: maxWidth, height: maxWidth };
  let width = maxWidth;
  let height = (maxWidth * h) / w;
  if (height > maxHeight) {
    width = (maxHeight * w) / h;
    height = maxHeight;
  }
  return { width: Math.round(width), height: Math.round(height) };
}

/** Colour-bar labels: ends of the value range, plus the zero of a symmetric (signed) range. */
export function legendLabels(lo: number, hi: number, signed: boolean): string[] {
  return signed ? [fmt(lo), "0", fmt(hi)] : [fmt(lo), fmt(hi)];
}

/** Horizontal bar for value v on an axis symmetric about zero with half-range m, in [0, width]. */
export function barExtent(v: number, m: number, width: number): { x: number; w: number } {
  const mid = width / 2;
  if (!(m > 0) || !Number.isFinite(v)) return { x: mid, w: 0 };
  const len = (Math.min(Math.abs(v), m) / m) * mid;
  return v >= 0 ? { x: mid, w: len } : { x: mid - len, w: len };
}

/** Row height of the tabular bar charts: shrink for many features so the chart stays readable. */
export function barRowHeight(nFeatures: number): number {
  return nFeatures > 40 ? 12 : 18;
}

/** SVG polyline points for y(x) in a plot box; y is clamped to [y0, y1]. */
export function polylinePoints(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  box: { left: number; top: number; width: number; height: number },
  x0: number,
  x1: number,
  y0: number,
  y1: number,
): string {
  const pts: string[] = [];
  const n = Math.min(xs.length, ys.length);
  const sx = box.width / (x1 - x0 || 1);
  const sy = box.height / (y1 - y0 || 1);
  for (let i = 0; i < n; i++) {
    const y = ys[i];
    if (!Number.isFinite(y) || !Number.isFinite(xs[i])) continue;
    const px = box.left + (xs[i] - x0) * sx;
    const py = box.top + box.height - (Math.max(y0, Math.min(y1, y)) - y0) * sy;
    pts.push(`${px.toFixed(1)},${py.toFixed(1)}`);
  }
  return pts.join(" ");
}

/** Nearest index in sorted `avail` to `i` (standalone navigation snaps to embedded samples). */
export function nearestIn(avail: readonly number[], i: number): number {
  let best = avail[0];
  for (const a of avail) if (Math.abs(a - i) < Math.abs(best - i)) best = a;
  return best;
}

/** Neighbour of `cur` in sorted `avail` in direction dir (+1/-1), or cur at the ends. */
export function stepIn(avail: readonly number[], cur: number, dir: 1 | -1): number {
  if (dir > 0) {
    for (const a of avail) if (a > cur) return a;
  } else {
    for (let j = avail.length - 1; j >= 0; j--) if (avail[j] < cur) return avail[j];
  }
  return cur;
}

/**
 * Columns for n equal panels of width w (gap g) in a row of `width` px: as many as fit, then
 * balanced so the last row is never a lonely panel (6 panels in room for 5 -> 3 + 3, not 5 + 1).
 */
export function gridColumns(n: number, w: number, g: number, width: number): number {
  if (n <= 0) return 1;
  const fit = Math.max(1, Math.floor((width + g) / (w + g)));
  const rows = Math.ceil(n / Math.min(fit, n));
  return Math.ceil(n / rows);
}

/**
 * Columns for n items of width w (gap g) in `width` px, wrapped evenly: every row full (the
 * largest divisor of n that fits), so 5 methods never sit as 3 + 2. With `single` a single
 * column counts as even (text cards read well stacked); otherwise a divisor that leaves most of
 * the row empty gives way to the balanced grid of `gridColumns`.
 */
export function evenColumns(n: number, w: number, g: number, width: number, single = false): number {
  if (n <= 0) return 1;
  const fit = Math.max(1, Math.floor((width + g) / (w + g)));
  if (n <= fit) return n;
  for (let c = fit; c >= 1; c--) {
    if (n % c !== 0) continue;
    if (single || 2 * c >= fit) return c;
    break;
  }
  return gridColumns(n, w, g, width);
}

/**
 * Image panels: all n on one row when each can keep at least PANEL_MIN_WIDTH px (shrunk from
 * PANEL_WIDTH as needed), else full-size panels on even rows. Returns the columns and the
 * panel width.
 */
export function panelGrid(n: number, g: number, width: number): { columns: number; panelWidth: number } {
  if (n <= 0 || !(width > 0)) return { columns: Math.max(1, n), panelWidth: PANEL_WIDTH };
  const share = Math.floor((width - (n - 1) * g) / n);
  if (share >= PANEL_MIN_WIDTH) return { columns: n, panelWidth: Math.min(PANEL_WIDTH, share) };
  return { columns: evenColumns(n, PANEL_WIDTH, g, width), panelWidth: PANEL_WIDTH };
}
