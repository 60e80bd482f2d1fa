// DatasetOverview's data in the browser, without DOM or WebGL (unit-tested in
// js/test/overview.test.ts): the blocks to fetch, the loaded columns, the point encodings that
// regl-scatterplot draws, the filters and the selection's wire form.
import { classPalette, lutFor } from "../lib/colormap";
import { rowsFrom } from "../lib/link";

/** One entry of the `catalogue` trait (xaiwidgets/runs/columns.py). */
export interface ColumnSpec {
  name: string;
  kind: "category" | "number" | "bool" | "coords";
  dtype: string;
  range: [number, number] | null;
  categories: string[] | null;
  description: string;
}

/** A category code meaning "unknown" (no label, a padded sequence). */
export const UNKNOWN = 65535;
export const UNKNOWN_COLOR = "#9aa0a6";

/** Block boundaries [start, stop): whole multiples of `blockRows` (itself whole shards). */
export function blocks(n: number, blockRows: number): [number, number][] {
  const out: [number, number][] = [];
  const step = Math.max(1, Math.floor(blockRows));
  for (let a = 0; a < n; a += step) out.push([a, Math.min(n, a + step)]);
  return out;
}

export type ColumnValues = Float32Array | Uint16Array | Uint8Array;

/** Every column asked for so far, full length, filled block by block (`loaded` rows from 0). */
export class Columns {
  readonly values = new Map<string, ColumnValues>();
  /** Per column: rows [0, loaded) are filled (blocks arrive in order). */
  readonly loaded = new Map<string, number>();

  constructor(readonly n: number, readonly specs: ColumnSpec[]) {}

  spec(name: string): ColumnSpec | undefined {
    return this.specs.find((s) => s.name === name);
  }

  /** Stores one block of a column (`data` decoded from the fetch: rows start..stop). */
  put(name: string, start: number, data: ArrayLike<number>): void {
    const spec = this.spec(name);
    if (!spec) throw new Error(`unknown column ${name}`);
    let arr = this.values.get(name);
    if (!arr) {
      const len = spec.kind === "coords" ? this.n * 2 : this.n;
      arr = spec.kind === "category" ? new Uint16Array(len) : spec.kind === "bool" ? new Uint8Array(len) : new Float32Array(len);
      if (arr instanceof Float32Array) arr.fill(NaN);
      else if (arr instanceof Uint16Array) arr.fill(UNKNOWN);
      this.values.set(name, arr);
    }
    const width = spec.kind === "coords" ? 2 : 1;
    arr.set(data as ArrayLike<number>, start * width);
    const rows = data.length / width;
    if ((this.loaded.get(name) ?? 0) === start) this.loaded.set(name, start + rows);
  }

  /** Rows [0, k) held for every one of `names`. */
  held(names: string[]): number {
    let k = this.n;
    for (const c of names) k = Math.min(k, this.loaded.get(c) ?? 0);
    return k;
  }

  /** The value of row i as text ("" when not loaded). */
  text(name: string, i: number): string {
    const spec = this.spec(name);
    const arr = this.values.get(name);
    if (!spec || !arr || i >= (this.loaded.get(name) ?? 0)) return "";
    const v = arr[i];
    if (spec.kind === "category" || spec.kind === "bool") {
      if (spec.kind === "category" && v === UNKNOWN) return "unknown";
      return spec.categories?.[v] ?? String(v);
    }
    return Number.isFinite(v) ? formatNumber(v) : "n/a";
  }
}

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(3))) : x.toExponential(2);
}

/** Coordinates mapped into regl-scatterplot's [-1, 1] square (aspect kept, NaN -> far away). */
export function normalizeCoords(xy: Float32Array, count: number, range: [number, number] | null): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(count);
  const y = new Float32Array(count);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < count; i++) {
    const a = xy[2 * i], b = xy[2 * i + 1];
    if (Number.isFinite(a) && Number.isFinite(b)) {
      x0 = Math.min(x0, a); x1 = Math.max(x1, a); y0 = Math.min(y0, b); y1 = Math.max(y1, b);
    }
  }
  if (range) { // the catalogue's range over every row: later blocks do not move earlier points
    x0 = y0 = range[0];
    x1 = y1 = range[1];
  }
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  const half = Math.max(x1 - x0, y1 - y0, 1e-12) / 2 / 0.95;
  for (let i = 0; i < count; i++) {
    const a = xy[2 * i], b = xy[2 * i + 1];
    const ok = Number.isFinite(a) && Number.isFinite(b);
    x[i] = ok ? (a - cx) / half : 10;
    y[i] = ok ? (b - cy) / half : 10;
  }
  return { x, y };
}

/** How a column colours points: regl-scatterplot's `z` values, their type and the colours. */
export interface ColorEncoding {
  values: Float32Array;
  type: "categorical" | "continuous";
  colors: string[];
  /** legend: category names (with their colours), or the number range */
  labels: string[];
  range: [number, number] | null;
}

const N_STEPS = 64;

/** Hex colours of a LUT sampled at `steps` points. */
export function lutSteps(name: string, steps: number = N_STEPS): string[] {
  const lut = lutFor(name, false);
  const out: string[] = [];
  for (let k = 0; k < steps; k++) {
    const j = Math.round((k / (steps - 1)) * 255) * 4;
    out.push("#" + [lut[j], lut[j + 1], lut[j + 2]].map((c) => c.toString(16).padStart(2, "0")).join(""));
  }
  return out;
}

/** The colours of a category / bool column (unknown last, grey), or of a number column (a
 * colormap over the column's range; NaN gets the lowest colour). `spec` null: one colour. */
export function colorEncoding(spec: ColumnSpec | undefined, arr: ColumnValues | undefined, count: number, accent: string): ColorEncoding {
  const values = new Float32Array(count);
  if (!spec || !arr) return { values, type: "categorical", colors: [accent], labels: [], range: null };
  if (spec.kind === "category" || spec.kind === "bool") {
    const names = spec.categories ?? [];
    const k = Math.max(names.length, 1);
    const colors = spec.kind === "bool" ? ["#d1495b", "#2e86ab"] : classPalette(k);
    for (let i = 0; i < count; i++) {
      const v = arr[i];
      values[i] = v === UNKNOWN || v >= k ? k : v;
    }
    return { values, type: "categorical", colors: [...colors.slice(0, k), UNKNOWN_COLOR], labels: names.slice(0, k), range: null };
  }
  const range = spec.range ?? [0, 1];
  const span = range[1] - range[0] || 1;
  for (let i = 0; i < count; i++) {
    const v = arr[i];
    values[i] = Number.isFinite(v) ? Math.min(1, Math.max(0, (v - range[0]) / span)) : 0;
  }
  return { values, type: "continuous", colors: lutSteps("viridis"), labels: [], range };
}

/** Sizes in [0, 1] of a number column over its range (NaN: the smallest), or all 0.5. */
export function sizeValues(spec: ColumnSpec | undefined, arr: ColumnValues | undefined, count: number): Float32Array {
  const out = new Float32Array(count).fill(0.5);
  if (!spec || !arr || spec.kind !== "number") return out;
  const range = spec.range ?? [0, 1];
  const span = range[1] - range[0] || 1;
  for (let i = 0; i < count; i++) {
    const v = arr[i];
    out[i] = Number.isFinite(v) ? Math.min(1, Math.max(0, (v - range[0]) / span)) : 0;
  }
  return out;
}

/** A filter on one column: a [lo, hi] range of numbers, or the categories kept. */
export type Filter =
  | { column: string; kind: "range"; lo: number; hi: number }
  | { column: string; kind: "categories"; keep: Set<number> };

/** Whether row i passes every filter (a row whose column is not loaded fails). */
export function rowPasses(cols: Columns, filters: Filter[], i: number): boolean {
  for (const f of filters) {
    const arr = cols.values.get(f.column);
    if (!arr || i >= (cols.loaded.get(f.column) ?? 0)) return false;
    const v = arr[i];
    if (f.kind === "range") {
      if (!(Number.isFinite(v) && v >= f.lo && v <= f.hi)) return false;
    } else {
      const k = cols.spec(f.column)?.categories?.length ?? 0;
      if (!f.keep.has(v === UNKNOWN || v >= k ? k : v)) return false;
    }
  }
  return true;
}

/** Row indices among [0, count) that pass every filter. */
export function filterRows(cols: Columns, filters: Filter[], count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) if (rowPasses(cols, filters, i)) out.push(i);
  return out;
}

/** Sorted unique row indices as the `_selection` trait's bytes (little-endian uint32). */
export function selectionBytes(indices: Iterable<number>): DataView {
  const sorted = Uint32Array.from(new Set(indices)).sort();
  return new DataView(sorted.buffer);
}

/** The `_selection` trait's bytes back to sorted indices (the same little-endian uint32 form
 * as a view's `_link_rows`, decoded by the link layer's one reader). */
export function selectionFrom(raw: unknown): number[] {
  return Array.from(rowsFrom(raw) ?? []);
}
