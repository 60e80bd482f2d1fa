// Faithfulness metrics (js/README.md `metrics`): decoding. Python decides "best" (a paired test
// over the same samples, xaiwidgets/metrics/stats.py); the view never re-derives it from means.
import { type Empty, floats, ints, isEmpty, type NDArray } from "./wire";

/** The `metrics` trait, decoded (`{}` when no metrics were computed). */
export interface MetricsState {
  names?: string[];
  labels?: string[];
  higher_is_better?: boolean[];
  paired?: boolean[];
  mean: NDArray; // float32 (M, Q)
  low?: NDArray;
  high?: NDArray;
  rank?: NDArray;
  best?: NDArray;
  p_best?: NDArray;
  n?: number;
  samples?: NDArray;
  values?: NDArray;
  baseline?: string | null;
  sentence?: string | null;
  methods?: string[];
  curves?: { fractions: NDArray; deletion?: NDArray; insertion?: NDArray };
}

export interface Metrics {
  methods: string[];
  labels: string[];
  higher: boolean[];
  paired: boolean[];
  M: number;
  Q: number;
  mean: ArrayLike<number>;
  low: ArrayLike<number> | null;
  high: ArrayLike<number> | null;
  rank: ArrayLike<number> | null;
  best: ArrayLike<number> | null;
  pBest: ArrayLike<number> | null;
  n: number | null;
  /** Global indices of the metric samples, and their values (M, Q, K). */
  samples: Int32Array | null;
  values: ArrayLike<number> | null;
  baseline: string | null;
  sentence: string | null;
  fractions: ArrayLike<number> | null;
  deletion: ArrayLike<number> | null;
  insertion: ArrayLike<number> | null;
}

export function hasMetrics(w: MetricsState | Empty | null | undefined): w is MetricsState {
  return !isEmpty(w) && !!w.mean;
}

/** The table's and the curves' data from the decoded trait (rows: `methods` unless it names them). */
export function metricsOf(w: MetricsState, methods: string[]): Metrics {
  const [M = 0, Q = 0] = w.mean.shape;
  const names = w.names ?? [];
  const labels = Array.from({ length: Q }, (_, q) => String(w.labels?.[q] ?? names[q] ?? `metric ${q}`));
  const rows = Array.isArray(w.methods) ? w.methods : methods;
  const opt = (a: NDArray | undefined) => (a ? floats(a) : null);
  return {
    methods: Array.from({ length: M }, (_, m) => String(rows[m] ?? `method ${m}`)),
    labels,
    higher: Array.from({ length: Q }, (_, q) => Boolean(w.higher_is_better?.[q])),
    paired: Array.from({ length: Q }, (_, q) => w.paired?.[q] !== false),
    M,
    Q,
    mean: floats(w.mean),
    low: opt(w.low),
    high: opt(w.high),
    rank: w.rank ? ints(w.rank) : null,
    best: w.best ? w.best.data : null,
    pBest: opt(w.p_best),
    n: typeof w.n === "number" ? w.n : null,
    samples: w.samples ? ints(w.samples) : null,
    values: opt(w.values),
    baseline: w.baseline == null ? null : String(w.baseline),
    sentence: w.sentence == null ? null : String(w.sentence),
    fractions: w.curves?.fractions ? floats(w.curves.fractions) : null,
    deletion: w.curves?.deletion ? floats(w.curves.deletion) : null,
    insertion: w.curves?.insertion ? floats(w.curves.insertion) : null,
  };
}

/** Row order sorting column q (best first, NaN last); `reverse` flips it. */
export function sortRows(mx: Metrics, q: number, reverse = false): number[] {
  const rows = [...Array(mx.M).keys()];
  const key = (m: number) => {
    const v = mx.mean[m * mx.Q + q];
    return Number.isNaN(v) ? Infinity : mx.higher[q] ? -v : v;
  };
  rows.sort((a, b) => (key(a) === key(b) ? a - b : key(a) < key(b) ? -1 : 1));
  if (reverse) {
    const finite = rows.filter((m) => Number.isFinite(key(m))).reverse();
    return [...finite, ...rows.filter((m) => !Number.isFinite(key(m)))];
  }
  return rows;
}

/** Data range of curves with 5 % padding (degenerate ranges widened), for fitted axes. */
export function dataRange(ys: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < ys.length; i++) {
    const v = ys[i];
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!Number.isFinite(lo)) return [0, 1];
  if (hi - lo < 1e-9) return [lo - 0.5, hi + 0.5];
  const pad = 0.05 * (hi - lo);
  return [lo - pad, hi + pad];
}
