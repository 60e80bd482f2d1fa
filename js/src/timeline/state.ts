// TimelineView state (docs/methods/meme.md "TimelineView state"): the synced traits, their
// decoded form, and the view state shared by the panels (the sequence shown, zoom, brush,
// highlighted concept). Decoding happens here only; the panels read decoded data.
import type { AnyModel } from "@anywidget/types";
import { PALETTE } from "../lib/colormap";
import { decodeArray, decodeFloat, decodeInt, decodeQuantized, type Quantized, type WireArray, type WireQuantized } from "../lib/wire";

export interface TimelineTraits {
  title: string;
  feature_names: string[];
  class_names: string[];
  concepts: Record<string, unknown>;
  trees: TreeState[];
  summary: Record<string, unknown>;
  lengths: Record<string, unknown>;
  sequences: { blocks?: Record<string, unknown>[] };
  index: number;
  threshold: number;
}

export interface TreeState {
  source: number;
  yes: number[];
  no: number[];
  test: string[];
  value: number[];
  n_train: number[];
  merged: string[][];
  rules: string[];
}

export type Model = AnyModel<TimelineTraits> & { standalone?: boolean };

export interface SequenceData {
  index: number;
  length: number;
  nFeatures: number;
  x: Float32Array | Float64Array; // (L, F)
  concept: Int32Array;
  output: Int32Array;
  rnn: Int32Array;
  score: Float32Array | Float64Array;
  leaf: Int32Array;
  states: Quantized; // (1, H, L)
  units: Int32Array;
}

export interface Concepts {
  names: string[];
  colors: string[];
  majority: Int32Array;
  share: Float32Array | Float64Array;
  purity: Float32Array | Float64Array;
  matrix: Float32Array | Float64Array;
  k: number;
}

export const EMPTY_CONCEPTS: Concepts = {
  names: [], colors: [], majority: new Int32Array(0), share: new Float32Array(0), purity: new Float32Array(0), matrix: new Float32Array(0), k: 0,
};

export function decodeSequence(b: Record<string, unknown>): SequenceData {
  const x = decodeArray(b.x as WireArray);
  return {
    index: Number(b.index),
    length: Number(b.length),
    nFeatures: x.shape[1] ?? 0,
    x: x.data as Float32Array,
    concept: decodeInt(b.concept as WireArray),
    output: decodeInt(b.output as WireArray),
    rnn: decodeInt(b.rnn as WireArray),
    score: decodeFloat(b.score as WireArray),
    leaf: decodeInt(b.leaf as WireArray),
    states: decodeQuantized(b.states as WireQuantized),
    units: decodeInt(b.units as WireArray),
  };
}

export function decodeConcepts(w: Record<string, unknown>): Concepts {
  const names = ((w.names as unknown[]) ?? []).map(String);
  return {
    names,
    colors: ((w.colors as unknown[]) ?? []).map(String),
    majority: decodeInt(w.majority as WireArray),
    share: decodeFloat(w.share as WireArray),
    purity: decodeFloat(w.purity as WireArray),
    matrix: decodeFloat(w.matrix as WireArray),
    k: names.length,
  };
}

/** Class colours: the Tableau 10 palette the static snapshot uses too. */
export const classColor = (c: number): string => PALETTE[((c % PALETTE.length) + PALETTE.length) % PALETTE.length];

export const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : "n/a");

/** The decoded traits and the view state every panel reads (one per rendered view). */
export class TimelineState {
  concepts: Concepts = EMPTY_CONCEPTS;
  trees: TreeState[] = [];
  lengths: Int32Array = new Int32Array(0);
  /** Decoded sequences by index: the embedded ones and those fetched since. */
  readonly cache = new Map<number, SequenceData>();
  seq: SequenceData | null = null;
  view = { v0: 0, v1: 1 };
  brush: [number, number] | null = null; // steps selected on the heatmap
  units: number[] = []; // display rows on across the brushed range
  highlight = -1; // concept highlighted from the graph or legend
  pinned = -1; // step whose transition is shown

  constructor(readonly model: Model) {}

  features(): string[] {
    return (this.model.get("feature_names") ?? []).map(String);
  }

  classes(): string[] {
    return (this.model.get("class_names") ?? []).map(String);
  }

  summary(): Record<string, unknown> {
    return (this.model.get("summary") ?? {}) as Record<string, unknown>;
  }

  threshold(): number {
    return Number(this.model.get("threshold") ?? 0.3);
  }

  /** Decodes the traits; returns a problem to show (empty when all is well). */
  load(): string {
    const { model, cache } = this;
    cache.clear();
    try {
      this.concepts = decodeConcepts(model.get("concepts") ?? {});
      this.trees = (model.get("trees") ?? []) as TreeState[];
      this.lengths = decodeInt(((model.get("lengths") ?? {}) as Record<string, unknown>).lengths as WireArray);
      for (const b of model.get("sequences")?.blocks ?? []) {
        const d = decodeSequence(b);
        cache.set(d.index, d);
      }
    } catch (err) {
      console.error("xaiwidgets:", err);
      this.concepts = EMPTY_CONCEPTS;
      return `could not read the timeline: ${err instanceof Error ? err.message : String(err)}`;
    }
    return "";
  }

  /** The rule that chose the concept of step `t` of the shown sequence, in words. */
  ruleOf(t: number): string {
    const seq = this.seq;
    if (!seq) return "";
    const names = this.concepts.names;
    const to = names[seq.concept[t]] ?? "?";
    if (t === 0) {
      if (String(this.summary().start) === "tree") {
        const tr = this.trees.find((x) => x.source === -1);
        return `start: ${tr?.rules?.[seq.leaf[0]] || "always"} -> ${to}`;
      }
      return `start: the RNN's first state -> ${to}`;
    }
    const src = seq.concept[t - 1];
    const tr = this.trees.find((x) => x.source === src);
    const words = tr?.rules?.[seq.leaf[t]] || "always";
    return `from ${names[src] ?? "?"}: ${words} -> ${to}`;
  }
}
