// ConceptTreeView state (js/README.md "ConceptTreeView state"): the synced traits as the
// generic decoder (lib/wire.ts decodeState) gives them, their working form (the tree, the
// samples, thumbnails), the class colours and what TreeView draws.
import { classPalette } from "../lib/colormap";
import { className } from "../lib/format";
import type { TipLine } from "../lib/tooltip";
import { eulerIntervals, nodeCount } from "../lib/treelayout";
import type { ViewContext } from "../lib/view";
import { decodeState, floats, ints, type Empty, type NDArray, type Quantized } from "../lib/wire";
import type { TreeNodes } from "../views/treeview";

/** The tree as drawn: M nodes, node 0 the root. */
export interface TreeBlock {
  yes: NDArray;
  no: NDArray;
  concept: NDArray;
  test: string[];
  value: NDArray;
  count: NDArray;
  dist: NDArray; // (M, C)
  fidelity: NDArray;
  accuracy?: NDArray;
  n_train?: NDArray;
  merged?: string[][];
}

/** The N samples shown. */
export interface SamplesBlock {
  n: number;
  leaf: NDArray;
  model_pred: NDArray;
  tree_pred: NDArray;
  target?: NDArray;
  concepts: NDArray; // (N, K)
}

/** Thumbnails `{index (K,), images (K, h, w, C)}`: embedded, or fetched by index. */
export interface ThumbsBlock {
  index?: NDArray;
  images?: Quantized;
}

/** Cross-validated probe accuracy per layer and concept (`{}`: none). */
export interface AccuracyBlock {
  layers?: string[];
  concepts?: string[];
  values?: NDArray; // (L, K)
  best?: NDArray; // (K,)
}

/** The class structure the colours follow (`{}`: none). */
export interface ClassGroupsState {
  group?: number[];
  level?: number[];
  groups?: string[];
  levels?: string[];
}

export interface Summary {
  n?: number;
  depth?: number;
  n_leaves?: number;
  merged?: number;
  fidelity?: number | null;
  accuracy?: number | null;
  model_accuracy?: number | null;
}

/** The synced traits, decoded. */
export interface TreeTraits {
  title: string;
  concept_names: string[];
  concept_values: string[][];
  class_names: string[];
  tree: TreeBlock | Empty;
  samples: SamplesBlock | Empty;
  accuracy: AccuracyBlock;
  summary: Summary;
  thumbs: ThumbsBlock;
  selected: number;
  collapse_depth: number;
  n_thumbnails: number;
  orientation: string;
  class_groups: ClassGroupsState;
}

export type Ctx = ViewContext<TreeTraits>;

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

/** `v`, or an error naming the missing field (a block sent without it). */
function need<T>(v: T | undefined | null, what: string): T {
  if (v === undefined || v === null) throw new Error(`${what} is missing`);
  return v;
}

/** Class colours: structured by `class_groups` when given (hue per group, lightness per level). */
export function classColors(n: number, groups?: ClassGroupsState | null): string[] {
  const g = groups && Array.isArray(groups.group) && Array.isArray(groups.level) ? { group: groups.group, level: groups.level } : null;
  return classPalette(n, g);
}

/** The colour of class i with no structure (kept for callers of the old export). */
export function classColor(i: number, n = Math.max(i + 1, 10)): string {
  return classPalette(n)[i];
}

export function toTree(w: TreeBlock | Empty): TreeData {
  const dist = need(w.dist, "tree dist");
  const merged = Array.isArray(w.merged) ? w.merged.map((m) => (Array.isArray(m) ? m.map(String) : [])) : [];
  return {
    yes: ints(need(w.yes, "tree yes")),
    no: ints(need(w.no, "tree no")),
    concept: ints(need(w.concept, "tree concept")),
    test: (w.test ?? []).map(String),
    value: ints(need(w.value, "tree value")),
    count: ints(need(w.count, "tree count")),
    dist: Int32Array.from(dist.data),
    nClasses: dist.shape[1] ?? 0,
    fidelity: floats(need(w.fidelity, "tree fidelity")),
    accuracy: w.accuracy ? floats(w.accuracy) : null,
    nTrain: w.n_train ? ints(w.n_train) : null,
    merged,
  };
}

export function toSamples(w: SamplesBlock | Empty): SampleData {
  const concepts = need(w.concepts, "samples concepts");
  return {
    n: Number(w.n) || 0,
    leaf: ints(need(w.leaf, "samples leaf")),
    modelPred: ints(need(w.model_pred, "samples model_pred")),
    treePred: ints(need(w.tree_pred, "samples tree_pred")),
    target: w.target ? ints(w.target) : null,
    concepts: Int32Array.from(concepts.data),
    nConcepts: concepts.shape[1] ?? 0,
  };
}

/** The `tree` trait as sent (wire arrays): decoded and in its working form. */
export function decodeTree(raw: unknown): TreeData {
  return toTree(decodeState<TreeBlock>(raw));
}

/** The `samples` trait as sent (wire arrays): decoded and in its working form. */
export function decodeSamples(raw: unknown): SampleData {
  return toSamples(decodeState<SamplesBlock>(raw));
}

/** Adds every thumbnail of a decoded `{index, images}` block to the cache. */
export function addThumbs(cache: Map<number, Thumb>, block: ThumbsBlock | undefined): number {
  if (!block || !block.index || !block.images) return 0;
  const index = ints(block.index);
  const img = block.images;
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
  const label: string[] = [];
  const C = tree.nClasses;
  for (let i = 0; i < M; i++) {
    // what a screen reader says: the rule, n, the model's classes here, fidelity and accuracy
    const leaf = tree.yes[i] < 0;
    // (TreeView puts the drawn lines, the test and "n=… · fid …", before this)
    const said = [leaf ? `leaf ${i}, the tree predicts ${className(names, tree.value[i])}` : `node ${i}`];
    const counts: string[] = [];
    for (let c = 0; c < C; c++) if (tree.dist[i * C + c] > 0) counts.push(`${className(names, c)} ${tree.dist[i * C + c]}`);
    if (counts.length) said.push(`the model predicts ${counts.join(", ")}`);
    said.push(`fidelity ${pct(tree.fidelity[i])}`);
    if (tree.accuracy) said.push(`accuracy ${pct(tree.accuracy[i])}`);
    label.push(said.join("; "));
    meta.push(`n=${tree.count[i]} · fid ${pct0(tree.fidelity[i])}`);
    const lines: TipLine[] = [["fidelity", `${pct(tree.fidelity[i])} of the samples here: the tree agrees with the model`]];
    if (tree.accuracy) lines.push(["accuracy", `${pct(tree.accuracy[i])} (the tree against the true labels)`]);
    if (tree.nTrain) lines.push(["training samples", String(tree.nTrain[i])]);
    if (tree.yes[i] >= 0) lines.push(["predicts", className(names, tree.value[i])]);
    lines.push("bar: the model's predictions here (hover a colour)");
    tip.push(lines);
  }
  return { yes: tree.yes, no: tree.no, test: tree.test, value: tree.value, count: tree.count, dist: tree.dist, nClasses: tree.nClasses, meta, merged: tree.merged, tip, label };
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

  constructor(readonly ctx: Ctx) {}

  classNames(): string[] {
    return (this.ctx.get("class_names") ?? []).map(String);
  }

  conceptNames(): string[] {
    return (this.ctx.get("concept_names") ?? []).map(String);
  }

  depthSetting(): number {
    return Math.max(0, Number(this.ctx.get("collapse_depth")) || 0);
  }

  nThumbnails(): number {
    return Math.max(0, Number(this.ctx.get("n_thumbnails")) || 0);
  }

  /** Reads the traits; a problem with the tree is reported on the view's status line. */
  load(): void {
    const { ctx } = this;
    ctx.status.clear();
    try {
      this.tree = toTree(ctx.get("tree") ?? {});
      this.samples = toSamples(ctx.get("samples") ?? {});
    } catch (err) {
      this.tree = EMPTY_TREE;
      this.samples = EMPTY_SAMPLES;
      ctx.status.report("the tree", err);
    }
    this.euler = eulerIntervals(this.tree);
    this.colors = classColors(Math.max(this.tree.nClasses, this.classNames().length), ctx.get("class_groups"));
    this.thumbs.clear();
    try {
      addThumbs(this.thumbs, ctx.get("thumbs"));
    } catch (err) {
      console.error("xaiwidgets:", err);
    }
    const sel = Number(ctx.get("selected"));
    this.sample = Number.isInteger(sel) && sel >= 0 && sel < this.samples.n ? sel : -1;
    this.selectedNode = 0;
  }

  /** Writes `selected` back to the kernel (a model without a kernel keeps it locally). */
  setSelected(k: number): void {
    const m = this.ctx.model;
    if ("set" in m && typeof m.set === "function") m.set("selected", k);
    if ("save_changes" in m && typeof m.save_changes === "function") m.save_changes();
  }

  /** Nodes that test concept j. */
  nodesTesting(j: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < nodeCount(this.tree); i++) if (this.tree.concept[i] === j) out.push(i);
    return out;
  }
}
