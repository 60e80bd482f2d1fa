// Level of detail for long sequences (MEME's TimelineView): one summary per pixel column, so
// drawing costs O(visible steps) with no DOM node per step. Pure, unit-tested.

/** Step range [a, b) of each of `cols` columns showing steps [v0, v1). */
export function columnEdges(v0: number, v1: number, cols: number): Int32Array {
  const e = new Int32Array(cols + 1);
  const span = Math.max(v1 - v0, 1);
  for (let c = 0; c <= cols; c++) e[c] = Math.min(v1, v0 + Math.floor((c * span) / cols));
  for (let c = 0; c < cols; c++) if (e[c + 1] <= e[c]) e[c + 1] = Math.min(v1, e[c] + 1);
  return e;
}

/** Min and max of `values[t * stride + offset]` over each column's steps (NaN when empty). */
export function columnMinMax(values: ArrayLike<number>, edges: Int32Array, stride = 1, offset = 0): { lo: Float32Array; hi: Float32Array } {
  const cols = edges.length - 1;
  const lo = new Float32Array(cols).fill(NaN);
  const hi = new Float32Array(cols).fill(NaN);
  for (let c = 0; c < cols; c++) {
    let mn = Infinity;
    let mx = -Infinity;
    for (let t = edges[c]; t < edges[c + 1]; t++) {
      const v = values[t * stride + offset];
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    if (mn <= mx) {
      lo[c] = mn;
      hi[c] = mx;
    }
  }
  return { lo, hi };
}

/** Most frequent code in [0, k) of each column (-1 when empty or all codes negative). */
export function columnMode(codes: ArrayLike<number>, edges: Int32Array, k: number): Int16Array {
  const cols = edges.length - 1;
  const out = new Int16Array(cols).fill(-1);
  const count = new Int32Array(Math.max(k, 1));
  for (let c = 0; c < cols; c++) {
    count.fill(0);
    for (let t = edges[c]; t < edges[c + 1]; t++) {
      const v = codes[t];
      if (v >= 0 && v < k) count[v]++;
    }
    let best = -1;
    let n = 0;
    for (let j = 0; j < k; j++) if (count[j] > n) [best, n] = [j, count[j]];
    out[c] = best;
  }
  return out;
}

/** Whether `test(t)` holds for any step of each column. */
export function columnAny(edges: Int32Array, test: (t: number) => boolean): Uint8Array {
  const cols = edges.length - 1;
  const out = new Uint8Array(cols);
  for (let c = 0; c < cols; c++) {
    for (let t = edges[c]; t < edges[c + 1]; t++) {
      if (test(t)) {
        out[c] = 1;
        break;
      }
    }
  }
  return out;
}

/** Mean code of each (row, column) of a row-major (rows, length) uint8 image: (rows, cols). */
export function columnMeans(q: Uint8Array, rows: number, length: number, edges: Int32Array, base = 0): Uint8Array {
  const cols = edges.length - 1;
  const out = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const off = base + r * length;
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      const a = edges[c];
      const b = edges[c + 1];
      for (let t = a; t < b; t++) sum += q[off + t];
      out[r * cols + c] = b > a ? Math.round(sum / (b - a)) : 0;
    }
  }
  return out;
}

/** Rows (units) whose code exceeds `code` at every step of [a, b). */
export function rowsOn(q: Uint8Array, rows: number, length: number, a: number, b: number, code: number, base = 0): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const off = base + r * length;
    let on = b > a;
    for (let t = a; t < b && on; t++) on = q[off + t] > code;
    if (on) out.push(r);
  }
  return out;
}

/** Step under x (CSS px) in a plot of `width` px showing [v0, v1). */
export function stepAt(x: number, width: number, v0: number, v1: number): number {
  const t = v0 + Math.floor((Math.max(0, Math.min(width - 1e-9, x)) / Math.max(width, 1e-9)) * (v1 - v0));
  return Math.max(v0, Math.min(v1 - 1, t));
}

/**
 * Step numbers to mark on a time axis showing steps [v0, v1): multiples of a "nice" step (1, 2
 * or 5 times a power of ten, at least 1) with at most `maxTicks` of them in the range.
 */
export function stepTicks(v0: number, v1: number, maxTicks: number): number[] {
  const span = Math.max(1, v1 - v0);
  const want = Math.max(1, Math.floor(maxTicks));
  let step = 1;
  for (let p = 1; ; p *= 10) {
    const n = [1, 2, 5].map((m) => m * p).find((s) => Math.ceil(span / s) <= want);
    if (n !== undefined) {
      step = n;
      break;
    }
  }
  const out: number[] = [];
  for (let t = Math.ceil(v0 / step) * step; t < v1; t += step) out.push(t);
  return out;
}

/** Runs of equal codes in steps [a, b): [start, stop, code] each, in order. */
export function codeRuns(codes: ArrayLike<number>, a = 0, b = codes.length): [number, number, number][] {
  const out: [number, number, number][] = [];
  let start = a;
  for (let t = a + 1; t <= b; t++) {
    if (t === b || codes[t] !== codes[start]) {
      out.push([start, t, codes[start]]);
      start = t;
    }
  }
  return b > a ? out : [];
}

const SECONDS: Record<string, number> = { s: 1, sec: 1, min: 60, h: 3600, d: 86400 };
const UNITS = ["s", "min", "h", "d"];

/**
 * Ticks of a time axis over steps [v0, v1) when a step lasts `size` `unit`s: positions (in
 * steps) and labels in the largest of s / min / h / d that keeps two or more units in view
 * (an unknown unit stays as given); at most `maxTicks` ticks at nice multiples.
 */
export function timeTicks(v0: number, v1: number, size: number, unit: string, maxTicks: number): { unit: string; at: number[]; labels: string[] } {
  let shown = unit;
  let per = size; // shown units per step
  if (unit in SECONDS) {
    const secs = SECONDS[unit] * size;
    for (const u of UNITS) if (SECONDS[u] >= SECONDS[unit] && ((v1 - v0) * secs) / SECONDS[u] >= 2) [shown, per] = [u, secs / SECONDS[u]];
  }
  const values = stepTicks(v0 * per, v1 * per, maxTicks).filter((v) => v / per >= v0 && v / per < v1);
  return { unit: shown, at: values.map((v) => v / per), labels: values.map((v) => v.toLocaleString("en-US")) };
}
