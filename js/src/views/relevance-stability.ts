// SENNView's stability panel (relevance.ts): the mean local Lipschitz estimate of SENN and of
// the compared methods on a log axis (they differ by orders of magnitude), the selected sample's
// own estimate as a tick, and the ratio to SENN in words. SVG; names are text.
import { s } from "../lib/dom";
import { fmt } from "../lib/format";
import { floats, ints, type NDArray } from "../lib/wire";

export interface Stability {
  methods: string[];
  mean: ArrayLike<number>;
  std: ArrayLike<number>;
  values: ArrayLike<number>; // (M, n)
  indices: Int32Array;
  mode: string;
  eps: number;
  nSamples: number;
  space: string;
}

/** The `stability` trait, decoded (`{}` when there is none). */
export interface StabilityState {
  methods: string[];
  mean: NDArray; // float32 (M,)
  std: NDArray; // float32 (M,)
  values: NDArray; // float32 (M, n)
  indices: NDArray; // int32 (n,)
  mode?: string;
  eps: number;
  n_samples: number;
  space?: string;
}

/** The panel's data from the decoded trait. */
export function stabilityOf(w: StabilityState): Stability {
  return {
    methods: (w.methods ?? []).map(String),
    mean: floats(w.mean),
    std: floats(w.std),
    values: floats(w.values),
    indices: ints(w.indices),
    mode: String(w.mode ?? "continuous"),
    eps: Number(w.eps),
    nSamples: Number(w.n_samples),
    space: String(w.space ?? "inputs"),
  };
}

/** [lo, hi] in log10 units covering every finite positive value, with a little margin. */
export function logRange(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > 0 && Number.isFinite(v)) {
      lo = Math.min(lo, Math.log10(v));
      hi = Math.max(hi, Math.log10(v));
    }
  }
  if (!Number.isFinite(lo)) return [-1, 0];
  return [Math.floor(lo - 0.3) || 0, Math.ceil(hi + 0.05) || 0]; // no -0
}

/** The selected sample's estimate per method, or NaN when it was not among the estimated ones. */
export function sampleValues(st: Stability, sample: number): number[] {
  const j = st.indices.indexOf(sample);
  const n = st.indices.length;
  return st.methods.map((_, m) => (j < 0 ? NaN : st.values[m * n + j]));
}

const LABEL_W = 150;
const BAR_W = 260;
const ROW = 22;

/** The chart: one bar per method (SENN highlighted), log x axis with decade ticks. */
export function stabilityChart(st: Stability, sample: number): SVGSVGElement {
  const M = st.methods.length;
  const own = sampleValues(st, sample);
  const [lo, hi] = logRange([...Array.from(st.mean), ...own]);
  const px = (v: number) => LABEL_W + ((Math.log10(v) - lo) / (hi - lo || 1)) * BAR_W;
  const height = 20 + ROW * M + 22;
  const width = LABEL_W + BAR_W + 120;
  const said = st.methods.map((m, k) => `${m} mean ${fmt(st.mean[k])}${Number.isFinite(own[k]) ? `, sample ${sample} ${fmt(own[k])}` : ""}`);
  const svg = s("svg", { class: "xai-senn-stab", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `local Lipschitz estimates (lower is more stable; log axis): ${said.join("; ")}` });
  const axisY = 18 + ROW * M;
  for (let d = lo; d <= hi; d++) {
    const x = LABEL_W + ((d - lo) / (hi - lo || 1)) * BAR_W;
    svg.append(
      s("line", { class: "xai-senn-grid", x1: x, x2: x, y1: 14, y2: axisY }),
      s("text", { class: "xai-senn-tick", x, y: axisY + 14, "text-anchor": "middle", text: fmt(10 ** d) }),
    );
  }
  const senn = st.methods.indexOf("SENN");
  st.methods.forEach((name, m) => {
    const y = 18 + m * ROW;
    const v = st.mean[m];
    const ok = v > 0 && Number.isFinite(v);
    const w = ok ? Math.max(1, px(v) - LABEL_W) : 0;
    const ratio = senn >= 0 && m !== senn && ok && st.mean[senn] > 0 ? ` (${fmt(v / st.mean[senn], 2)}× SENN)` : "";
    const mine = own[m];
    const tick = mine > 0 && Number.isFinite(mine) ? px(mine) : NaN;
    // the value goes right of both the bar and the tick, never under the tick
    const textX = Math.max(LABEL_W + w, Number.isFinite(tick) ? tick : 0) + 5;
    const g = s("g", { class: `xai-senn-stab-row${m === senn ? " xai-senn-own" : ""}`, "data-method": name }, [
      s("text", { class: "xai-senn-name", x: LABEL_W - 6, y: y + ROW / 2 + 3, "text-anchor": "end", text: name }),
      s("rect", { class: "xai-senn-stab-bar", x: LABEL_W, y: y + 4, width: w, height: ROW - 8 }),
      s("text", { class: "xai-senn-value", x: textX, y: y + ROW / 2 + 3, text: ok ? `${fmt(v)}${ratio}` : "n/a" }),
    ]);
    if (Number.isFinite(tick)) g.append(s("line", { class: "xai-senn-tickmark", x1: tick, x2: tick, y1: y + 1, y2: y + ROW - 1 }));
    svg.append(g);
  });
  return svg;
}

/** Caption text: how the estimates were made. */
export function stabilityCaption(st: Stability): string {
  const how = st.mode === "discrete" ? `over the ${st.nSamples} nearest data points` : `max over ${st.nSamples} points in a box of ±${fmt(st.eps)}·std per feature`;
  const space = st.space === "concepts" ? "SENN's in concept space (θ vs h)" : "all in input space";
  return `Local Lipschitz estimate ‖e(x) − e(x′)‖ / ‖x − x′‖, ${how}; lower is more stable; mean over ${st.indices.length} samples (${space}); tick: the shown sample`;
}
