// Blocks of samples (js/README.md "AttributionComparison state") and the JS-side sample cache.
import {
  asBytes,
  type Bytes,
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
  inputs?: WireQuantized | WireArray;
  tokens?: string[][];
  attributions: Record<string, WireQuantized>;
  /** Optional per-method pictures, one per sample (e.g. RDKit molecule SVGs), as raw bytes. */
  pictures?: Record<string, Bytes[]>;
  /** MIME type of `pictures`; only image/svg+xml and image/png are shown. */
  picture_type?: string;
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
  image?: Quantized; // (K, H, W, C)
  tabular?: TabularInputs; // (K, F)
  tokens?: string[][];
  attributions: Map<string, Quantized>;
  /** method -> one `data:` URI per sample (shown in an inert <img>, never as markup). */
  pictures?: Map<string, string[]>;
}

const PICTURE_TYPES = new Set(["image/svg+xml", "image/png"]);

/** Base64 of raw bytes (chunked: String.fromCharCode has an argument limit). */
export function bytesToBase64(data: Bytes): string {
  const bytes = asBytes(data);
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
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
  const mime = String(w.picture_type ?? "image/svg+xml");
  if (w.pictures && typeof w.pictures === "object" && PICTURE_TYPES.has(mime)) {
    b.pictures = new Map();
    for (const [name, items] of Object.entries(w.pictures)) {
      if (Array.isArray(items)) b.pictures.set(name, items.map((x) => `data:${mime};base64,${bytesToBase64(x)}`));
    }
  }
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
