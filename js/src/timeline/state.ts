// TimelineView state (docs/methods/meme.md "TimelineView state"): the synced traits as the
// generic decoder (lib/wire.ts decodeState) gives them, their working form, and the view state
// shared by the panels (the sequence shown, zoom, brush, highlighted concept).
import { PALETTE } from "../lib/colormap";
import type { ViewContext } from "../lib/view";
import { decodeState, floats, ints, type Empty, type NDArray, type Quantized } from "../lib/wire";

/** One sequence (Python's `TimelineView.sequence_block`): embedded or fetched by index. */
export interface SequenceBlock {
  index: number;
  length: number;
  x: NDArray; // (L, F)
  concept: NDArray;
  output: NDArray;
  rnn: NDArray;
  score: NDArray;
  leaf: NDArray;
  states: Quantized; // (1, H, L)
  units: NDArray;
}

export interface ConceptsBlock {
  names: string[];
  colors: string[];
  majority: NDArray;
  share: NDArray;
  purity: NDArray;
  matrix: NDArray; // (K, K) transition probabilities
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

export interface Summary {
  n?: number;
  steps?: number;
  window?: number;
  n_concepts?: number;
  per_step?: boolean;
  step_fidelity?: number;
  final_fidelity?: number;
  start?: string;
  time_step?: number; // duration of one step in time_unit (0: step numbers)
  time_unit?: string;
}

export interface Match {
  sequence: number;
  start: number;
  stop: number;
  score: number;
  also?: number[]; // other sequences holding the same stretch of one recording
}

/** The synced traits, decoded. */
export interface TimelineTraits {
  title: string;
  feature_names: string[];
  class_names: string[];
  concepts: ConceptsBlock | Empty;
  trees: TreeState[];
  summary: Summary;
  lengths: { lengths: NDArray } | Empty;
  sequences: { blocks?: SequenceBlock[] };
  index: number;
  threshold: number;
}

export type Ctx = ViewContext<TimelineTraits>;

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

/** `v`, or an error naming the missing field (a block sent without it). */
function need<T>(v: T | undefined | null, what: string): T {
  if (v === undefined || v === null) throw new Error(`${what} is missing`);
  return v;
}

/** A decoded sequence block in its working form (integer codes as Int32Array). */
export function toSequence(b: SequenceBlock): SequenceData {
  const x = need(b.x, "sequence x");
  return {
    index: Number(b.index),
    length: Number(b.length),
    nFeatures: x.shape[1] ?? 0,
    x: floats(x),
    concept: ints(need(b.concept, "sequence concept")),
    output: ints(need(b.output, "sequence output")),
    rnn: ints(need(b.rnn, "sequence rnn")),
    score: floats(need(b.score, "sequence score")),
    leaf: ints(need(b.leaf, "sequence leaf")),
    states: need(b.states, "sequence states"),
    units: ints(need(b.units, "sequence units")),
  };
}

/** A sequence block as sent (wire arrays): decoded and in its working form. */
export function decodeSequence(raw: unknown): SequenceData {
  return toSequence(decodeState<SequenceBlock>(raw));
}

export function toConcepts(c: ConceptsBlock | Empty): Concepts {
  const names = (c.names ?? []).map(String);
  return {
    names,
    colors: (c.colors ?? []).map(String),
    majority: ints(need(c.majority, "concepts majority")),
    share: floats(need(c.share, "concepts share")),
    purity: floats(need(c.purity, "concepts purity")),
    matrix: floats(need(c.matrix, "concepts matrix")),
    k: names.length,
  };
}

/** Class colours: the Tableau 10 palette the static snapshot uses too. */
export const classColor = (c: number): string => PALETTE[((c % PALETTE.length) + PALETTE.length) % PALETTE.length];

export const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : "n/a");

/** Writes a trait back to the kernel (a model without a kernel keeps it locally). */
export function setTrait(ctx: Ctx, name: "index" | "threshold", value: number): void {
  const m = ctx.model;
  if ("set" in m && typeof m.set === "function") m.set(name, value);
  if (!ctx.standalone && "save_changes" in m && typeof m.save_changes === "function") m.save_changes();
}

/** The decoded traits and the view state every panel reads (one per rendered view). */
export class TimelineState {
  concepts: Concepts = EMPTY_CONCEPTS;
  trees: TreeState[] = [];
  lengths: Int32Array = new Int32Array(0);
  /** Sequences by index: the embedded ones and those fetched since. */
  readonly cache = new Map<number, SequenceData>();
  seq: SequenceData | null = null;
  view = { v0: 0, v1: 1 };
  brush: [number, number] | null = null; // steps selected on the heatmap
  units: number[] = []; // display rows on across the brushed range
  highlight = -1; // concept highlighted from the graph or legend
  pinned = -1; // step whose transition is shown
  cursor = -1; // step under the keyboard cursor of the timeline (-1: none yet)

  constructor(readonly ctx: Ctx) {}

  features(): string[] {
    return (this.ctx.get("feature_names") ?? []).map(String);
  }

  classes(): string[] {
    return (this.ctx.get("class_names") ?? []).map(String);
  }

  summary(): Summary {
    return this.ctx.get("summary") ?? {};
  }

  threshold(): number {
    return Number(this.ctx.get("threshold") ?? 0.3);
  }

  /** Reads the traits; a problem is reported on the view's status line. */
  load(): void {
    const { ctx, cache } = this;
    cache.clear();
    ctx.status.clear();
    try {
      this.concepts = toConcepts(ctx.get("concepts") ?? {});
      this.trees = ctx.get("trees") ?? [];
      const lengths = ctx.get("lengths") ?? {};
      this.lengths = ints(need(lengths.lengths, "lengths"));
      for (const b of ctx.get("sequences")?.blocks ?? []) {
        const d = toSequence(b);
        cache.set(d.index, d);
      }
    } catch (err) {
      this.concepts = EMPTY_CONCEPTS;
      ctx.status.report("the timeline", err);
    }
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
