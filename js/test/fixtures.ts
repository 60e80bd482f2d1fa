// Builders that mirror what xaiwidgets/widgets/_traits.py sends, for tests only.
import type { DType, TypedArray, WireArray, WireQuantized } from "../src/lib/wire";

/** A block as Python sends it (the view decodes it into a `BlockState`, lib/block.ts). */
export interface WireBlock {
  index: WireArray;
  target: WireArray;
  pred: WireArray;
  prob: WireArray;
  truth?: WireArray;
  inputs?: WireQuantized | WireArray;
  tokens?: string[][];
  attributions: Record<string, WireQuantized>;
  valid?: WireArray;
  molecules?: Record<string, unknown>;
}

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

export function metricsFor(methods: string[], mean: number[][], higher: boolean[], best: number[][] = []) {
  const M = methods.length;
  const Q = higher.length;
  const S = 5;
  const K = 4;
  const flat = mean.flat();
  return {
    names: higher.map((_, q) => `m${q}`),
    labels: higher.map((_, q) => `Metric <i>${q}</i>`),
    higher_is_better: higher,
    paired: higher.map(() => true),
    mean: f32([M, Q], flat),
    low: f32([M, Q], flat.map((v) => v - 0.05)),
    high: f32([M, Q], flat.map((v) => v + 0.05)),
    rank: wire("int32", [M, Q], Int32Array.from(flat.map(() => 1))),
    best: wire("uint8", [M, Q], Uint8Array.from(Array.from({ length: M * Q }, (_, i) => (best[Math.floor(i / Q)]?.[i % Q] ? 1 : 0)))),
    p_best: f32([Q], higher.map(() => 0.01)),
    n: 16,
    samples: wire("int32", [K], Int32Array.from([0, 1, 2, 3])),
    values: f32([M, Q, K], ramp(M * Q * K, (i) => i / 100)),
    baseline: "zeros",
    sentence: "Means over 16 samples.",
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

// -- sequences: padding masks and molecules (views/sequence.ts, views/molecule.ts) -------------

export interface TestMolecule {
  xy: number[]; // 2 per atom, y up
  token: number[];
  labels: string[];
  pairs: number[]; // 2 per bond
  order: number[];
}

/** CCO: C0-C1-O2 with the hydroxyl labelled (tokens 0, 1, 2). */
export const ETHANOL: TestMolecule = {
  xy: [-0.87, -0.5, 0, 0, 0.87, -0.5], token: [0, 1, 2], labels: ["", "", "OH"], pairs: [0, 1, 1, 2], order: [1, 1],
};

/** c1ccccc1Cl in Kekulé form: six ring atoms (tokens 0, 2..6) and a chlorine (token 8). */
export const CHLOROBENZENE: TestMolecule = (() => {
  const xy: number[] = [];
  for (let i = 0; i < 6; i++) xy.push(Math.cos((Math.PI / 3) * i), Math.sin((Math.PI / 3) * i));
  xy.push(2, 0);
  return {
    xy, token: [0, 2, 3, 4, 5, 6, 8], labels: ["", "", "", "", "", "", "Cl"],
    pairs: [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 0, 0, 6], order: [2, 1, 2, 1, 2, 1, 1],
  };
})();

/** The `molecules` field of a block (Python `_molecules.molecule_block`); null: no molecule. */
export function moleculesWire(mols: (TestMolecule | null)[]) {
  const atoms = [0];
  const bonds = [0];
  const all = mols.map((m) => m ?? { xy: [], token: [], labels: [], pairs: [], order: [] });
  for (const m of all) {
    atoms.push(atoms[atoms.length - 1] + m.token.length);
    bonds.push(bonds[bonds.length - 1] + m.order.length);
  }
  const A = atoms[atoms.length - 1];
  const B = bonds[bonds.length - 1];
  return {
    atoms: i32([mols.length + 1], atoms),
    bonds: i32([mols.length + 1], bonds),
    xy: f32([A, 2], all.flatMap((m) => m.xy)),
    token: wire("int16", [A], Int16Array.from(all.flatMap((m) => m.token))),
    labels: all.map((m) => m.labels),
    pairs: wire("uint16", [B, 2], Uint16Array.from(all.flatMap((m) => m.pairs))),
    order: wire("uint8", [B], Uint8Array.from(all.flatMap((m) => m.order))),
  };
}

/** uint8 (K, T) padding mask: 1 for the first lengths[k] positions. */
export function validMask(lengths: number[], T: number) {
  return wire("uint8", [lengths.length, T], Uint8Array.from(lengths.flatMap((n) => ramp(T, (p) => (p < n ? 1 : 0)))));
}
