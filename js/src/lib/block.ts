// Blocks of samples (js/README.md "ComparisonView state") and the JS-side sample cache.
import { bytes, type Empty, floats, ints, isEmpty, isQuantized, type NDArray, type Quantized } from "./wire";

/** A block of K samples, decoded (`data`, and the "sample" / "explain" fetches). */
export interface BlockState {
  index: NDArray; // int32 (K,)
  target: NDArray; // int32 (K,)
  pred: NDArray; // int32 (K,)
  prob: NDArray; // float32 (K,)
  /** True labels (classes, or a regression's target), NaN where unknown; absent: none given. */
  truth?: NDArray;
  /** Quantised images (K, H, W, C), or tabular rows float32 (K, F); absent for sequences. */
  inputs?: Quantized | NDArray;
  tokens?: string[][];
  attributions: Record<string, Quantized>;
  /** Sequences: uint8 (K, T), 1 at real positions, 0 at padding (absent: every position real). */
  valid?: NDArray;
  /** SMILES: every sample's molecule (concatenated over the K samples, see MoleculesState). */
  molecules?: MoleculesState;
}

/**
 * Molecules of K samples (Python `_molecules.molecule_block`), decoded: sample k owns atoms
 * atoms[k]..atoms[k+1] and bonds bonds[k]..bonds[k+1] of the concatenated arrays.
 */
export interface MoleculesState {
  atoms: NDArray; // int32 (K + 1,)
  bonds: NDArray; // int32 (K + 1,)
  xy: NDArray; // float32 (A, 2), y up, median bond length 1
  token: NDArray; // int16 (A,): the SMILES token of each atom
  labels: string[][]; // per sample, per atom: "" (a plain carbon) or the text to draw
  pairs: NDArray; // uint16 (B, 2): atom indices within the sample's molecule
  order: NDArray; // uint8 (B,): 1, 2, 3 (Kekulé), 4 aromatic without a Kekulé form
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

function moleculesOf(w: MoleculesState): Molecules {
  const m: Molecules = {
    atoms: ints(w.atoms),
    bonds: ints(w.bonds),
    xy: floats(w.xy),
    token: ints(w.token),
    labels: Array.isArray(w.labels) ? w.labels.map((l) => (Array.isArray(l) ? l.map(String) : [])) : [],
    pairs: ints(w.pairs),
    order: ints(w.order),
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

/** A block's samples for drawing, from the decoded block. */
export function blockOf(w: BlockState): Block {
  const b: Block = {
    index: ints(w.index),
    target: ints(w.target),
    pred: ints(w.pred),
    prob: floats(w.prob),
    attributions: new Map(),
  };
  if (w.truth) b.truth = floats(w.truth);
  if (w.inputs) {
    if (isQuantized(w.inputs)) b.image = w.inputs;
    else {
      const data = floats(w.inputs);
      const k = w.inputs.shape[0] || 1;
      b.tabular = { data, nFeatures: w.inputs.shape[1] ?? data.length / k };
    }
  }
  if (Array.isArray(w.tokens)) b.tokens = w.tokens.map((t) => (Array.isArray(t) ? t.map(String) : []));
  for (const [name, a] of Object.entries(w.attributions ?? {})) b.attributions.set(name, a);
  if (w.valid) {
    b.valid = bytes(w.valid);
    b.validSize = w.valid.shape[1] ?? 0;
  }
  if (w.molecules && typeof w.molecules === "object") b.molecules = moleculesOf(w.molecules);
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

  add(w: BlockState | Empty | undefined): Block | null {
    if (isEmpty(w) || !w.index) return null;
    const block = blockOf(w);
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
