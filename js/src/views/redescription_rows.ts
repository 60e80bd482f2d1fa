// The redescription table's data and its view-only operations: decoding the rows, filtering
// (J / p sliders, text, set, a heatmap cell), sorting, and reading support sets out of the
// bit-packed supports. Pure functions, so they are unit-testable without a DOM.
import { bytes, type Empty, floats, ints, isEmpty, type NDArray } from "../lib/wire";

/** The `rows` trait, decoded: R redescriptions (`{}` when none were mined). */
export interface RowsState {
  neuron: NDArray; // int32 (R,)
  interaction: NDArray; // uint8 (R,)
  left_rule: string[];
  right_rule: string[];
  jaccard: NDArray; // float32 (R,)
  log10_p: NDArray; // float32 (R,)
  support: NDArray; // int32 (R,)
  left_support: NDArray; // int32 (R,)
  right_support: NDArray; // int32 (R,)
  left_columns: number[][];
  right_columns: number[][];
  left_bits: NDArray; // uint8 (R, ceil(N / 8)): numpy's packbits of each support
  right_bits: NDArray;
  /** The reading order (informative first): row i is the rank[i]-th. int32 (R,) */
  rank?: NDArray;
  /** The row whose supports are exactly the other samples (-1: none). int32 (R,) */
  complement?: NDArray;
  /** 1: the right rule only restates the model's prediction. uint8 (R,) */
  restates?: NDArray;
}

export interface Rows {
  count: number;
  neuron: Int32Array;
  interaction: Uint8Array;
  leftRule: string[];
  rightRule: string[];
  jaccard: Float32Array | Float64Array;
  log10p: Float32Array | Float64Array;
  support: Int32Array;
  leftSupport: Int32Array;
  rightSupport: Int32Array;
  leftColumns: number[][];
  rightColumns: number[][];
  leftBits: Uint8Array;
  rightBits: Uint8Array;
  rank: Int32Array;
  complement: Int32Array;
  restates: Uint8Array;
  /** Bytes per row of the packed supports. */
  width: number;
}

const strings = (v: readonly unknown[] | undefined): string[] => (Array.isArray(v) ? v.map(String) : []);
const lists = (v: readonly (readonly unknown[])[] | undefined): number[][] =>
  (Array.isArray(v) ? v.map((x) => (Array.isArray(x) ? x.map(Number) : [])) : []);

/** The table's rows from the decoded trait. */
export function rowsOf(w: RowsState | Empty | undefined): Rows {
  if (isEmpty(w) || !w.jaccard) {
    return { count: 0, neuron: new Int32Array(0), interaction: new Uint8Array(0), leftRule: [], rightRule: [], jaccard: new Float32Array(0), log10p: new Float32Array(0), support: new Int32Array(0), leftSupport: new Int32Array(0), rightSupport: new Int32Array(0), leftColumns: [], rightColumns: [], leftBits: new Uint8Array(0), rightBits: new Uint8Array(0), rank: new Int32Array(0), complement: new Int32Array(0), restates: new Uint8Array(0), width: 0 };
  }
  const jaccard = floats(w.jaccard);
  const n = jaccard.length;
  return {
    count: jaccard.length,
    neuron: ints(w.neuron),
    interaction: bytes(w.interaction),
    leftRule: strings(w.left_rule),
    rightRule: strings(w.right_rule),
    jaccard,
    log10p: floats(w.log10_p),
    support: ints(w.support),
    leftSupport: ints(w.left_support),
    rightSupport: ints(w.right_support),
    leftColumns: lists(w.left_columns),
    rightColumns: lists(w.right_columns),
    leftBits: bytes(w.left_bits),
    rightBits: bytes(w.right_bits),
    // states written before the reading order existed: mined order, nothing folded
    rank: w.rank ? ints(w.rank) : Int32Array.from({ length: n }, (_, i) => i),
    complement: w.complement ? ints(w.complement) : new Int32Array(n).fill(-1),
    restates: w.restates ? bytes(w.restates) : new Uint8Array(n),
    width: w.left_bits?.shape[1] ?? 0,
  };
}

export type SetFilter = "all" | "individual" | "interaction";

export interface Filter {
  /** Keep J >= minJ. */
  minJ: number;
  /** Keep log10(p) <= maxLog10P. */
  maxLog10P: number;
  /** Case-insensitive substring of the neuron or either rule ("" keeps all). */
  text: string;
  set: SetFilter;
  /** A heatmap cell: this neuron (and, if >= 0, a right rule testing this attribute). */
  neuron: number;
  attribute: number;
}

export function visibleRows(rows: Rows, f: Filter, neurons: readonly string[]): number[] {
  const q = f.text.trim().toLowerCase();
  const out: number[] = [];
  for (let i = 0; i < rows.count; i++) {
    if (!(rows.jaccard[i] >= f.minJ - 1e-6) || !(rows.log10p[i] <= f.maxLog10P + 1e-6)) continue;
    if (f.set === "individual" && rows.interaction[i]) continue;
    if (f.set === "interaction" && !rows.interaction[i]) continue;
    if (f.neuron >= 0 && rows.neuron[i] !== f.neuron) continue;
    if (f.attribute >= 0 && !(rows.rightColumns[i] ?? []).includes(f.attribute)) continue;
    if (q) {
      const hay = `${neurons[rows.neuron[i]] ?? ""}\n${rows.leftRule[i]}\n${rows.rightRule[i]}`.toLowerCase();
      if (!hay.includes(q)) continue;
    }
    out.push(i);
  }
  return out;
}

/** "rank": the reading order computed in Python (informative first); the others are headers. */
export const SORT_KEYS = ["rank", "neuron", "left", "right", "jaccard", "p", "support", "set"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** `idx` sorted by `key` (ties keep the mined order: best J first). */
export function sortRows(idx: readonly number[], rows: Rows, key: SortKey, descending: boolean, neurons: readonly string[]): number[] {
  const val = (i: number): number | string => {
    switch (key) {
      case "neuron": return neurons[rows.neuron[i]] ?? "";
      case "left": return rows.leftRule[i];
      case "right": return rows.rightRule[i];
      case "jaccard": return rows.jaccard[i];
      case "p": return rows.log10p[i];
      case "support": return rows.support[i];
      case "rank": return rows.rank[i];
      default: return rows.interaction[i];
    }
  };
  const sign = descending ? -1 : 1;
  return [...idx].sort((a, b) => {
    const x = val(a);
    const y = val(b);
    const c = typeof x === "string" ? x.localeCompare(String(y), undefined, { numeric: true }) : x - (y as number);
    return c !== 0 ? sign * c : a - b;
  });
}

/**
 * Whether row i is folded into its complement: the two are both in `shown` and the complement
 * comes first in the reading order (so of a pair the more informative row is the one listed).
 */
export function isFolded(rows: Rows, i: number, shown: ReadonlySet<number>): boolean {
  const c = rows.complement[i];
  return c >= 0 && c !== i && shown.has(c) && rows.rank[c] < rows.rank[i];
}

/** The partner folded into row i (-1: none). */
export function foldedInto(rows: Rows, i: number, shown: ReadonlySet<number>): number {
  const c = rows.complement[i];
  return c >= 0 && c !== i && shown.has(c) && isFolded(rows, c, shown) ? c : -1;
}

export interface Group { neuron: number; rows: number[] }

/** Sorted rows gathered by neuron: groups in the order of their first row, rows kept in order. */
export function groupRows(sorted: readonly number[], rows: Rows): Group[] {
  const byNeuron = new Map<number, Group>();
  const out: Group[] = [];
  for (const i of sorted) {
    const k = rows.neuron[i];
    let g = byNeuron.get(k);
    if (!g) {
      g = { neuron: k, rows: [] };
      byNeuron.set(k, g);
      out.push(g);
    }
    g.rows.push(i);
  }
  return out;
}

/** Sample s of row i is in a support packed by numpy's packbits (big bit order). */
export function hasBit(data: Uint8Array, width: number, i: number, s: number): boolean {
  return ((data[i * width + (s >> 3)] >> (7 - (s & 7))) & 1) === 1;
}

export type Part = "left" | "both" | "right";
export const PARTS: readonly Part[] = ["left", "both", "right"];

/** Samples of row i in a part of its supports: left rule only, both, right rule only. */
export function partSamples(rows: Rows, i: number, part: Part, nSamples: number, limit = Infinity): number[] {
  const out: number[] = [];
  for (let s = 0; s < nSamples && out.length < limit; s++) {
    const l = hasBit(rows.leftBits, rows.width, i, s);
    const r = hasBit(rows.rightBits, rows.width, i, s);
    if (part === "both" ? l && r : part === "left" ? l && !r : r && !l) out.push(s);
  }
  return out;
}

export function partCounts(rows: Rows, i: number): Record<Part, number> {
  const both = rows.support[i];
  return { left: rows.leftSupport[i] - both, both, right: rows.rightSupport[i] - both };
}

/** A p-value from its log10, as text ("3.2e-12", "0.004"). */
export function pText(log10p: number): string {
  if (!Number.isFinite(log10p)) return "n/a";
  if (log10p <= -299) return "< 1e-299";
  const p = Math.pow(10, log10p);
  return p >= 1e-3 ? String(Number(p.toPrecision(2))) : p.toExponential(1).replace("e+", "e");
}

/** The colour code (0-255) of a Jaccard index on a scale from the mined floor `lo` to 1. */
export function jCode(j: number, lo: number): number {
  const span = 1 - lo > 1e-9 ? 1 - lo : 1;
  return Math.max(0, Math.min(255, Math.round(((j - (1 - lo > 1e-9 ? lo : 0)) / span) * 255)));
}
