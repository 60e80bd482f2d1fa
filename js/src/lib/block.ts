// Blocks of samples (js/README.md "ComparisonView state") and the JS-side sample cache.
import {
  decodeArray,
  decodeFloat,
  decodeInt,
  decodeQuantized,
  type Quantized,
  type WireArray,
  type WireQuantized,
} from "./wire";

export interface WireBlock {
  index: WireArray;
  target: WireArray;
  pred: WireArray;
  prob: WireArray;
  /** True labels (classes, or a regression's target), NaN where unknown; absent: none given. */
  truth?: WireArray;
  inputs?: WireQuantized | WireArray;
  tokens?: string[][];
  attributions: Record<string, WireQuantized>;
  /** Sequences: uint8 (K, T), 1 at real positions, 0 at padding (absent: every position real). */
  valid?: WireArray;
  /** SMILES: every sample's molecule (concatenated over the K samples, see WireMolecules). */
  molecules?: WireMolecules;
}

/**
 * Molecules of K samples (Python `_molecules.molecule_block`): sample k owns atoms
 * atoms[k]..atoms[k+1] and bonds bonds[k]..bonds[k+1] of the concatenated arrays.
 */
export interface WireMolecules {
  atoms: WireArray; // int32 (K + 1,)
  bonds: WireArray; // int32 (K + 1,)
  xy: WireArray; // float32 (A, 2), y up, median bond length 1
  token: WireArray; // int16 (A,): the SMILES token of each atom
  labels: string[][]; // per sample, per atom: "" (a plain carbon) or the text to draw
  pairs: WireArray; // uint16 (B, 2): atom indices within the sample's molecule
  order: WireArray; // uint8 (B,): 1, 2, 3 (Kekulé), 4 aromatic without a Kekulé form
}

export interface Molecules {
  atoms: Int32Array;
  bonds: Int32Array;
  xy: Float32Array | Float64Array;
  token: Int32Array;
  labels: string[][];
  pairs: Int32Array;
  order: Int32Array;
}

export interface TabularInputs {
  data: Float32Array | Float64Array;
  nFeatures: number;
}

export interface Block {
  index: Int32Array;
  target: Int32Array;
  pred: Int32Array;
  prob: Float32Array | Float64Array;
  truth?: Float32Array | Float64Array;
  image?: Quantized; // (K, H, W, C)
  tabular?: TabularInputs; // (K, F)
  tokens?: string[][];
  attributions: Map<string, Quantized>;
  /** Sequences: 1 at real positions, 0 at padding, K x validSize (absent: all real). */
  valid?: Uint8Array;
  validSize?: number;
  molecules?: Molecules;
}

function decodeMolecules(w: WireMolecules): Molecules {
  const m: Molecules = {
    atoms: decodeInt(w.atoms),
    bonds: decodeInt(w.bonds),
    xy: decodeFloat(w.xy),
    token: decodeInt(w.token),
    labels: Array.isArray(w.labels) ? w.labels.map((l) => (Array.isArray(l) ? l.map(String) : [])) : [],
    pairs: decodeInt(w.pairs),
    order: decodeInt(w.order),
  };
  const nA = m.atoms[m.atoms.length - 1] ?? 0;
  const nB = m.bonds[m.bonds.length - 1] ?? 0;
  if (m.xy.length < 2 * nA || m.token.length < nA || m.pairs.length < 2 * nB || m.order.length < nB) {
    throw new Error("xaiwidgets: molecule arrays shorter than their offsets");
  }
  return m;
}

/** One sample: item k of a block. */
export interface Sample {
  block: Block;
  k: number;
  index: number;
}

function isQuantized(w: WireArray | WireQuantized): w is WireQuantized {
  return typeof w === "object" && w !== null && "lo" in w && "hi" in w;
}

/** An empty or absent block (Python sends `{}` before the first fetch). */
export function isEmptyBlock(w: unknown): boolean {
  return !w || typeof w !== "object" || !("index" in (w as object));
}

export function decodeBlock(w: WireBlock): Block {
  const b: Block = {
    index: decodeInt(w.index),
    target: decodeInt(w.target),
    pred: decodeInt(w.pred),
    prob: decodeFloat(w.prob),
    attributions: new Map(),
  };
  if (w.truth) b.truth = decodeFloat(w.truth);
  if (w.inputs) {
    if (isQuantized(w.inputs)) b.image = decodeQuantized(w.inputs);
    else {
      const data = decodeFloat(w.inputs);
      const k = w.inputs.shape[0] || 1;
      b.tabular = { data, nFeatures: w.inputs.shape[1] ?? data.length / k };
    }
  }
  if (Array.isArray(w.tokens)) b.tokens = w.tokens.map((t) => (Array.isArray(t) ? t.map(String) : []));
  for (const [name, a] of Object.entries(w.attributions ?? {})) b.attributions.set(name, decodeQuantized(a));
  if (w.valid) {
    const v = decodeArray(w.valid);
    b.valid = v.data instanceof Uint8Array ? v.data : Uint8Array.from(v.data);
    b.validSize = v.shape[1] ?? 0;
  }
  if (w.molecules && typeof w.molecules === "object") b.molecules = decodeMolecules(w.molecules);
  return b;
}

/** Image geometry of item k: (H, W, C) of the input, (H, W) of an attribution. */
export function imageDims(a: Quantized): { h: number; w: number; c: number } {
  const [, h = 1, w = 1, c = 1] = a.shape;
  return { h, w, c: a.shape.length >= 4 ? c : 1 };
}

/** Cache of every sample seen, embedded or fetched, keyed by global index. */
export class SampleStore {
  private samples = new Map<number, Sample>();

  add(w: WireBlock): Block | null {
    if (isEmptyBlock(w)) return null;
    const block = decodeBlock(w);
    block.index.forEach((index, k) => this.samples.set(index, { block, k, index }));
    return block;
  }

  get(i: number): Sample | undefined {
    return this.samples.get(i);
  }

  has(i: number): boolean {
    return this.samples.has(i);
  }

  indices(): number[] {
    return [...this.samples.keys()].sort((a, b) => a - b);
  }

  clear(): void {
    this.samples.clear();
  }
}
