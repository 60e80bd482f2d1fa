// Faithfulness metrics (js/README.md `metrics`): decoding and the "best per column" rule.
import { decodeFloat, type WireArray } from "./wire";

export interface WireMetrics {
  names?: string[];
  labels?: string[];
  higher_is_better?: boolean[];
  mean: WireArray;
  std?: WireArray;
  n?: number;
  baseline?: string;
  methods?: string[];
  curves?: { fractions: WireArray; deletion?: WireArray; insertion?: WireArray };
}

export interface Metrics {
  methods: string[];
  labels: string[];
  higher: boolean[];
  M: number;
  Q: number;
  mean: ArrayLike<number>;
  std: ArrayLike<number> | null;
  n: number | null;
  baseline: string | null;
  fractions: ArrayLike<number> | null;
  deletion: ArrayLike<number> | null;
  insertion: ArrayLike<number> | null;
}

export function hasMetrics(w: unknown): w is WireMetrics {
  return !!w && typeof w === "object" && "mean" in (w as object);
}

export function decodeMetrics(w: WireMetrics, methods: string[]): Metrics {
  const [M = 0, Q = 0] = w.mean.shape;
  const names = w.names ?? [];
  const labels = Array.from({ length: Q }, (_, q) => String(w.labels?.[q] ?? names[q] ?? `metric ${q}`));
  const rows = Array.isArray(w.methods) ? w.methods : methods;
  return {
    methods: Array.from({ length: M }, (_, m) => String(rows[m] ?? `method ${m}`)),
    labels,
    higher: Array.from({ length: Q }, (_, q) => Boolean(w.higher_is_better?.[q])),
    M,
    Q,
    mean: decodeFloat(w.mean),
    std: w.std ? decodeFloat(w.std) : null,
    n: typeof w.n === "number" ? w.n : null,
    baseline: w.baseline == null ? null : String(w.baseline),
    fractions: w.curves?.fractions ? decodeFloat(w.curves.fractions) : null,
    deletion: w.curves?.deletion ? decodeFloat(w.curves.deletion) : null,
    insertion: w.curves?.insertion ? decodeFloat(w.curves.insertion) : null,
  };
}

/**
 * best[m * Q + q]: row m has the best mean of column q. Ties (per `same`: pass a comparison of
 * the displayed strings so equal-looking cells get equal emphasis) all win; NaN never does.
 */
export function bestMask(
  mean: ArrayLike<number>,
  M: number,
  Q: number,
  higher: boolean[],
  same: (a: number, b: number) => boolean = (a, b) => a === b,
): boolean[] {
  const best = new Array<boolean>(M * Q).fill(false);
  for (let q = 0; q < Q; q++) {
    let top = NaN;
    for (let m = 0; m < M; m++) {
      const v = mean[m * Q + q];
      if (Number.isNaN(v)) continue;
      if (Number.isNaN(top) || (higher[q] ? v > top : v < top)) top = v;
    }
    if (Number.isNaN(top)) continue;
    for (let m = 0; m < M; m++) best[m * Q + q] = !Number.isNaN(mean[m * Q + q]) && same(mean[m * Q + q], top);
  }
  return best;
}
