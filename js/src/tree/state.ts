// ConceptTreeView state (js/README.md "ConceptTreeView state"): the synced traits and their
// decoded form (the tree, the samples, thumbnails), the class colours and what TreeView draws.
import type { AnyModel } from "@anywidget/types";
import { classPalette, type ClassGroups } from "../lib/colormap";
import { className } from "../lib/format";
import type { TipLine } from "../lib/tooltip";
import { eulerIntervals, nodeCount } from "../lib/treelayout";
import { decodeArray, decodeFloat, decodeInt, decodeQuantized, type WireArray, type WireQuantized } from "../lib/wire";
import type { TreeNodes } from "../views/treeview";

export interface TreeTraits {
  title: string;
  concept_names: string[];
  concept_values: string[][];
  class_names: string[];
  tree: Record<string, unknown>;
  samples: Record<string, unknown>;
  accuracy: Record<string, unknown>;
  summary: Record<string, unknown>;
  thumbs: Record<string, unknown>;
  selected: number;
  collapse_depth: number;
  n_thumbnails: number;
  orientation: string;
  class_groups: Record<string, unknown>;
}

export type Model = AnyModel<TreeTraits> & { standalone?: boolean };

export interface TreeData {
  yes: Int32Array;
  no: Int32Array;
  concept: Int32Array;
  test: string[];
  value: Int32Array;
  count: Int32Array;
  dist: Int32Array; // (M, C)
  nClasses: number;
  fidelity: Float32Array | Float64Array;
  accuracy: Float32Array | Float64Array | null;
  nTrain: Int32Array | null;
  merged: string[][];
}

export interface SampleData {
  n: number;
  leaf: Int32Array;
  modelPred: Int32Array;
  treePred: Int32Array;
  target: Int32Array | null;
  concepts: Int32Array; // (N, K)
  nConcepts: number;
}

export interface Thumb {
  q: Uint8Array;
  offset: number;
  h: number;
  w: number;
  c: number;
}

/** Class colours: structured by `class_groups` when given (hue per group, lightness per level). */
export function classColors(n: number, groups?: Record<string, unknown> | null): string[] {
  const g = groups && Array.isArray(groups.group) && Array.isArray(groups.level)
    ? ({ group: groups.group as number[], level: groups.level as number[] } satisfies ClassGroups) : null;
  return classPalette(n, g);
}

/** The colour of class i with no structure (kept for callers of the old export). */
export function classColor(i: number, n = Math.max(i + 1, 10)): string {
  return classPalette(n)[i];
}

export function decodeTree(w: Record<string, unknown>): TreeData {
  const dist = decodeArray(w.dist as WireArray);
  const test = ((w.test as unknown[]) ?? []).map(String);
  const merged = Array.isArray(w.merged) ? (w.merged as unknown[]).map((m) => (Array.isArray(m) ? m.map(String) : [])) : [];
  return {
    yes: decodeInt(w.yes as WireArray),
    no: decodeInt(w.no as WireArray),
    concept: decodeInt(w.concept as WireArray),
    test,
    value: decodeInt(w.value as WireArray),
    count: decodeInt(w.count as WireArray),
    dist: Int32Array.from(dist.data),
    nClasses: dist.shape[1] ?? 0,
    fidelity: decodeFloat(w.fidelity as WireArray),
    accuracy: w.accuracy ? decodeFloat(w.accuracy as WireArray) : null,
    nTrain: w.n_train ? decodeInt(w.n_train as WireArray) : null,
    merged,
  };
}

export function decodeSamples(w: Record<string, unknown>): SampleData {
  const concepts = decodeArray(w.concepts as WireArray);
  return {
    n: Number(w.n) || 0,
    leaf: decodeInt(w.leaf as WireArray),
    modelPred: decodeInt(w.model_pred as WireArray),
    treePred: decodeInt(w.tree_pred as WireArray),
    target: w.target ? decodeInt(w.target as WireArray) : null,
    concepts: Int32Array.from(concepts.data),
    nConcepts: concepts.shape[1] ?? 0,
  };
}

/** Adds every thumbnail of a `{index, images}` block to the cache. */
export function addThumbs(cache: Map<number, Thumb>, block: Record<string, unknown> | undefined): number {
  if (!block || !block.index || !block.images) return 0;
  const index = decodeInt(block.index as WireArray);
  const img = decodeQuantized(block.images as WireQuantized);
  const [, hh, ww, cc] = img.shape;
  for (let k = 0; k < index.length; k++) cache.set(index[k], { q: img.q, offset: k * img.itemSize, h: hh, w: ww, c: cc ?? 1 });
  return index.length;
}

export const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(v >= 0.9995 || v === 0 ? 0 : 1)}%` : "n/a");
/** Whole percent (node boxes are narrow; the tooltip and the detail panel give one decimal). */
export const pct0 = (v: number) => {
  if (!Number.isFinite(v)) return "n/a";
  const r = Math.round(100 * v);
  return r === 100 && v < 1 ? ">99%" : r === 0 && v > 0 ? "<1%" : `${r}%`;
};
export const EMPTY_TREE: TreeData = { yes: new Int32Array(0), no: new Int32Array(0), concept: new Int32Array(0), test: [], value: new Int32Array(0), count: new Int32Array(0), dist: new Int32Array(0), nClasses: 0, fidelity: new Float32Array(0), accuracy: null, nTrain: null, merged: [] };
export const EMPTY_SAMPLES: SampleData = { n: 0, leaf: new Int32Array(0), modelPred: new Int32Array(0), treePred: new Int32Array(0), target: null, concepts: new Int32Array(0), nConcepts: 0 };

/** What the TreeView draws for a concept tree: tests, "n · fid" lines, bars, merged notes. */
export function treeNodes(tree: TreeData, names: readonly string[]): TreeNodes {
  const M = nodeCount(tree);
  const meta: string[] = [];
  const tip: TipLine[][] = [];
  for (let i = 0; i < M; i++) {
    meta.push(`n=${tree.count[i]} · fid ${pct0(tree.fidelity[i])}`);
    const lines: TipLine[] = [["fidelity", `${pct(tree.fidelity[i])} of the samples here: the tree agrees with the model`]];
    if (tree.accuracy) lines.push(["accuracy", `${pct(tree.accuracy[i])} (the tree against the true labels)`]);
    if (tree.nTrain) lines.push(["training samples", String(tree.nTrain[i])]);
    if (tree.yes[i] >= 0) lines.push(["predicts", className(names, tree.value[i])]);
    lines.push("bar: the model's predictions here (hover a colour)");
    tip.push(lines);
  }
  return { yes: tree.yes, no: tree.no, test: tree.test, value: tree.value, count: tree.count, dist: tree.dist, nClasses: tree.nClasses, meta, merged: tree.merged, tip };
}

/** The decoded traits and the view state every panel reads (one per rendered view). */
export class TreeViewState {
  tree: TreeData = EMPTY_TREE;
  samples: SampleData = EMPTY_SAMPLES;
  euler: { tin: Int32Array; tout: Int32Array } = { tin: new Int32Array(0), tout: new Int32Array(0) };
  colors: string[] = [];
  /** Thumbnails by sample index: the embedded ones and those fetched since. */
  readonly thumbs = new Map<number, Thumb>();
  selectedNode = 0;
  sample = -1; // the sample whose path is highlighted (-1: none)
  linkedConcept = -1; // the concept linked from the accuracy table (-1: none)

  constructor(readonly model: Model) {}

  classNames(): string[] {
    return (this.model.get("class_names") ?? []).map(String);
  }

  conceptNames(): string[] {
    return (this.model.get("concept_names") ?? []).map(String);
  }

  depthSetting(): number {
    return Math.max(0, Number(this.model.get("collapse_depth")) || 0);
  }

  nThumbnails(): number {
    return Math.max(0, Number(this.model.get("n_thumbnails")) || 0);
  }

  /** Decodes the traits; returns a problem to show (empty when all is well). */
  load(): string {
    const { model } = this;
    let problem = "";
    try {
      this.tree = decodeTree(model.get("tree") ?? {});
      this.samples = decodeSamples(model.get("samples") ?? {});
    } catch (err) {
      console.error("xaiwidgets:", err);
      this.tree = EMPTY_TREE;
      this.samples = EMPTY_SAMPLES;
      problem = `could not read the tree: ${err instanceof Error ? err.message : String(err)}`;
    }
    this.euler = eulerIntervals(this.tree);
    this.colors = classColors(Math.max(this.tree.nClasses, this.classNames().length), model.get("class_groups") as Record<string, unknown>);
    this.thumbs.clear();
    try {
      addThumbs(this.thumbs, model.get("thumbs"));
    } catch (err) {
      console.error("xaiwidgets:", err);
    }
    const sel = Number(model.get("selected"));
    this.sample = Number.isInteger(sel) && sel >= 0 && sel < this.samples.n ? sel : -1;
    this.selectedNode = 0;
    return problem;
  }

  /** Nodes that test concept j. */
  nodesTesting(j: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < nodeCount(this.tree); i++) if (this.tree.concept[i] === j) out.push(i);
    return out;
  }
}
