// Builders that mirror what xaiwidgets/widgets/_traits.py sends, for tests only.
import type { WireBlock } from "../src/lib/block";
import type { DType, TypedArray, WireArray, WireQuantized } from "../src/lib/wire";

export function wire(dtype: DType, shape: number[], values: TypedArray): WireArray {
  return { dtype, shape, data: new DataView(values.buffer, values.byteOffset, values.byteLength) };
}

export const f32 = (shape: number[], v: ArrayLike<number>) => wire("float32", shape, Float32Array.from(v));
export const i32 = (shape: number[], v: ArrayLike<number>) => wire("int32", shape, Int32Array.from(v));

/** Quantises K items like the Python side: symmetric range when signed, min/max otherwise. */
export function quantize(shape: number[], values: ArrayLike<number>, signed: boolean): WireQuantized {
  const K = shape[0];
  const size = values.length / K;
  const q = new Uint8Array(values.length);
  const lo = new Float32Array(K);
  const hi = new Float32Array(K);
  for (let k = 0; k < K; k++) {
    const item = Array.from({ length: size }, (_, i) => values[k * size + i]);
    let a: number;
    let b: number;
    if (signed) {
      const m = Math.max(...item.map(Math.abs));
      a = -m;
      b = m;
    } else {
      a = Math.min(...item);
      b = Math.max(...item);
    }
    lo[k] = a;
    hi[k] = b;
    item.forEach((v, i) => {
      q[k * size + i] = b > a ? Math.round(((v - a) / (b - a)) * 255) : signed ? 128 : 0;
    });
  }
  return { ...wire("uint8", shape, q), lo: wire("float32", [K], lo), hi: wire("float32", [K], hi), signed };
}

export function ramp(n: number, f: (i: number) => number = (i) => i): number[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

export function imageBlock(indices: number[], methods: string[], H = 4, W = 5, C = 3): WireBlock {
  const K = indices.length;
  const attributions: Record<string, WireQuantized> = {};
  methods.forEach((m, j) => {
    attributions[m] = quantize([K, H, W], ramp(K * H * W, (i) => Math.sin(i + j) * (j + 1)), true);
  });
  return {
    index: i32([K], indices),
    target: i32([K], indices.map((i) => i % 3)),
    pred: i32([K], indices.map((i) => (i + 1) % 3)),
    prob: f32([K], indices.map(() => 0.93)),
    inputs: quantize([K, H, W, C], ramp(K * H * W * C, (i) => (i % 17) / 17), false),
    attributions,
  };
}

export function tabularBlock(indices: number[], methods: string[], F = 4): WireBlock {
  const K = indices.length;
  const attributions: Record<string, WireQuantized> = {};
  methods.forEach((m, j) => {
    attributions[m] = quantize([K, F], ramp(K * F, (i) => (i % 2 ? -1 : 1) * (i + j + 1)), true);
  });
  return {
    index: i32([K], indices),
    target: i32([K], indices.map(() => 1)),
    pred: i32([K], indices.map(() => 1)),
    prob: f32([K], indices.map(() => 0.5)),
    inputs: f32([K, F], ramp(K * F, (i) => i / 10)),
    attributions,
  };
}

export function sequenceBlock(indices: number[], methods: string[], tokens: string[][]): WireBlock {
  const K = indices.length;
  const T = tokens[0].length;
  const attributions: Record<string, WireQuantized> = {};
  methods.forEach((m, j) => {
    attributions[m] = quantize([K, T], ramp(K * T, (i) => i - T / 2 + j), true);
  });
  return {
    index: i32([K], indices),
    target: i32([K], indices.map(() => 0)),
    pred: i32([K], indices.map(() => 0)),
    prob: f32([K], indices.map(() => 0.8)),
    tokens,
    attributions,
  };
}

export function metricsFor(methods: string[], mean: number[][], higher: boolean[]) {
  const M = methods.length;
  const Q = higher.length;
  const S = 5;
  return {
    names: higher.map((_, q) => `m${q}`),
    labels: higher.map((_, q) => `Metric <i>${q}</i>`),
    higher_is_better: higher,
    mean: f32([M, Q], mean.flat()),
    std: f32([M, Q], mean.flat().map((v) => v / 10)),
    n: 16,
    baseline: "zeros",
    curves: {
      fractions: f32([S], ramp(S, (i) => i / (S - 1))),
      deletion: f32([M, S], ramp(M * S, (i) => 1 - (i % S) / (S - 1))),
      insertion: f32([M, S], ramp(M * S, (i) => (i % S) / (S - 1))),
    },
  };
}

type Cb = (...a: unknown[]) => void;

/** A kernel-backed model double: records save_changes and the traits sent with it. */
export class FakeModel {
  listeners = new Map<string, Set<Cb>>();
  saved: Record<string, unknown>[] = [];
  dirty: Record<string, unknown> = {};
  widget_manager = { get_model: () => Promise.reject(new Error("none")) };
  constructor(public state: Record<string, unknown>) {}
  get(k: string) {
    return this.state[k];
  }
  set(k: string, v: unknown) {
    if (Object.is(this.state[k], v)) return;
    this.state[k] = v;
    this.dirty[k] = v;
    this.listeners.get(`change:${k}`)?.forEach((cb) => cb());
  }
  on(ev: string, cb: Cb) {
    if (!this.listeners.has(ev)) this.listeners.set(ev, new Set());
    this.listeners.get(ev)!.add(cb);
  }
  off(ev: string, cb: Cb) {
    this.listeners.get(ev)?.delete(cb);
  }
  save_changes() {
    this.saved.push(this.dirty);
    this.dirty = {};
  }
  /** Custom messages the view sent (fetch requests). */
  sent: Record<string, unknown>[] = [];
  send(content: unknown) {
    this.sent.push(content as Record<string, unknown>);
  }
  /** What the kernel does with fetch request `i` (default: the last): answer it with `block`. */
  reply(block: unknown, i = this.sent.length - 1) {
    const req = this.sent[i];
    const msg = { type: "xai-fetched", seq: req.seq, what: req.what, block, buffer_paths: [] };
    this.listeners.get("msg:custom")?.forEach((cb) => cb(msg, []));
  }
  /** What the kernel does: update a trait and notify the view. */
  kernelSet(k: string, v: unknown) {
    this.state[k] = v;
    this.listeners.get(`change:${k}`)?.forEach((cb) => cb());
  }
  listenerCount() {
    let n = 0;
    this.listeners.forEach((s) => (n += s.size));
    return n;
  }
}

/** Lets pending promise callbacks (fetch replies) run. */
export const flush = () => new Promise<void>((r) => setTimeout(r, 0));
