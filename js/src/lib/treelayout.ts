// Pure tree math for the concept tree view: structure, collapse, layout, paths, pan/zoom.
// A tree is two child arrays: yes[i] / no[i] are the children where node i's test holds / fails,
// -1 for leaves; node 0 is the root.

export interface TreeShape {
  yes: ArrayLike<number>;
  no: ArrayLike<number>;
}

export type Orientation = "top-down" | "left-right";

export interface LayoutOptions {
  nodeW: number;
  nodeH: number;
  /** Gap between neighbouring boxes along x (between slots top-down, between depths left-right). */
  gapX: number;
  /** Gap along y (between depths top-down, between slots left-right). */
  gapY: number;
  /** "top-down" (default): depths are rows, the root on top; "left-right": depths are columns,
   * the root on the left, yes children above no children. */
  orientation?: Orientation;
  /** Left-to-right only: the box width of each depth (a column as wide as its own widest box);
   * depths beyond it use nodeW. */
  depthW?: ArrayLike<number>;
}

export interface TreeLayout {
  /** Centre x of each node (NaN when hidden). */
  x: Float64Array;
  /** Top y of each node (NaN when hidden). */
  y: Float64Array;
  /** Visible nodes in pre-order (yes before no). */
  visible: number[];
  width: number;
  height: number;
}

export interface View {
  scale: number;
  tx: number;
  ty: number;
}

export function isLeaf(t: TreeShape, i: number): boolean {
  return t.yes[i] < 0 || t.no[i] < 0;
}

export function nodeCount(t: TreeShape): number {
  return Math.min(t.yes.length, t.no.length);
}

/** Parent of every node (-1 for the root and unreachable nodes). */
export function parentsOf(t: TreeShape): Int32Array {
  const parent = new Int32Array(nodeCount(t)).fill(-1);
  for (let i = 0; i < parent.length; i++) {
    if (isLeaf(t, i)) continue;
    parent[t.yes[i]] = i;
    parent[t.no[i]] = i;
  }
  return parent;
}

/** Pre-order of the nodes reachable from the root, yes-child first (iterative: no recursion
 * limit on deep trees). */
export function preorder(t: TreeShape, collapsed?: ReadonlySet<number>): number[] {
  const n = nodeCount(t);
  if (n === 0) return [];
  const out: number[] = [];
  const stack = [0];
  const seen = new Uint8Array(n);
  while (stack.length) {
    const i = stack.pop()!;
    if (i < 0 || i >= n || seen[i]) continue; // malformed input must not loop forever
    seen[i] = 1;
    out.push(i);
    if (isLeaf(t, i) || collapsed?.has(i)) continue;
    stack.push(t.no[i], t.yes[i]);
  }
  return out;
}

export function depthsOf(t: TreeShape): Int32Array {
  const depth = new Int32Array(nodeCount(t));
  for (const i of preorder(t)) {
    if (isLeaf(t, i)) continue;
    depth[t.yes[i]] = depth[i] + 1;
    depth[t.no[i]] = depth[i] + 1;
  }
  return depth;
}

/**
 * Euler-tour intervals: node j is in the subtree of i iff tin[i] <= tin[j] <= tout[i].
 * A sample reaches node i iff its leaf is in i's subtree.
 */
export function eulerIntervals(t: TreeShape): { tin: Int32Array; tout: Int32Array } {
  const n = nodeCount(t);
  const order = preorder(t);
  const tin = new Int32Array(n).fill(-1);
  const tout = new Int32Array(n).fill(-1);
  order.forEach((i, k) => (tin[i] = k));
  // In pre-order a subtree is contiguous, so its last entry is the max tin below it.
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k];
    tout[i] = isLeaf(t, i) ? tin[i] : Math.max(tout[t.yes[i]], tout[t.no[i]]);
  }
  return { tin, tout };
}

/** Internal nodes at depth >= `depth` start collapsed, so nothing deeper than `depth` shows. */
export function collapsedBeyond(t: TreeShape, depth: number): Set<number> {
  const d = depthsOf(t);
  const out = new Set<number>();
  for (const i of preorder(t)) if (!isLeaf(t, i) && d[i] >= depth) out.add(i);
  return out;
}

/** Root-to-node path (inclusive). */
export function pathTo(parent: ArrayLike<number>, node: number): number[] {
  const out: number[] = [];
  for (let i = node, guard = 0; i >= 0 && guard <= parent.length; i = parent[i], guard++) out.push(i);
  return out.reverse();
}

/** Collapsed set with every ancestor of `node` expanded (so the node is visible). */
export function revealed(collapsed: ReadonlySet<number>, parent: ArrayLike<number>, node: number): Set<number> {
  const out = new Set(collapsed);
  for (const i of pathTo(parent, node)) if (i !== node) out.delete(i);
  return out;
}

/**
 * Tidy layout of the visible tree: visible leaves (collapsed nodes count as leaves) take
 * consecutive slots in pre-order (left to right top-down, top to bottom left-right); a parent
 * sits midway between its two children; depths are rows (top-down) or columns (left-right).
 * `x` is always a box's centre and `y` its top edge.
 */
export function layoutTree(t: TreeShape, collapsed: ReadonlySet<number>, o: LayoutOptions): TreeLayout {
  const n = nodeCount(t);
  const x = new Float64Array(n).fill(NaN);
  const y = new Float64Array(n).fill(NaN);
  const visible = preorder(t, collapsed);
  const depth = depthsOf(t);
  const lr = o.orientation === "left-right";
  // Along the slot axis (a) and the depth axis (d): position of a box's start edge.
  const slotStep = lr ? o.nodeH + o.gapY : o.nodeW + o.gapX;
  const depthStep = lr ? o.nodeW + o.gapX : o.nodeH + o.gapY;
  const a = new Float64Array(n).fill(NaN);
  let slot = 0;
  let maxDepth = 0;
  for (const i of visible) {
    maxDepth = Math.max(maxDepth, depth[i]);
    if (isLeaf(t, i) || collapsed.has(i)) a[i] = slot++ * slotStep;
  }
  for (let k = visible.length - 1; k >= 0; k--) {
    const i = visible[k];
    if (Number.isNaN(a[i])) a[i] = (a[t.yes[i]] + a[t.no[i]]) / 2;
  }
  // left-to-right columns: start of each depth's column
  const colW = (d: number) => (lr && o.depthW && d < o.depthW.length ? o.depthW[d] : o.nodeW);
  const colX = new Float64Array(maxDepth + 2);
  for (let d = 1; d <= maxDepth + 1; d++) colX[d] = colX[d - 1] + colW(d - 1) + o.gapX;
  for (const i of visible) {
    const d = depth[i] * depthStep;
    if (lr) {
      x[i] = colX[depth[i]] + colW(depth[i]) / 2;
      y[i] = a[i];
    } else {
      x[i] = a[i] + o.nodeW / 2;
      y[i] = d;
    }
  }
  const along = Math.max(0, slot * slotStep - (lr ? o.gapY : o.gapX));
  const across = !visible.length ? 0 : lr ? colX[maxDepth + 1] - o.gapX : (maxDepth + 1) * depthStep - o.gapY;
  return { x, y, visible, width: lr ? across : along, height: lr ? along : across };
}

/** Indices of samples whose leaf lies under `node`, in sample order, at most `limit`. */
export function samplesAt(
  node: number,
  leafOf: ArrayLike<number>,
  tin: ArrayLike<number>,
  tout: ArrayLike<number>,
  limit = Infinity,
): number[] {
  const out: number[] = [];
  const lo = tin[node];
  const hi = tout[node];
  if (lo === undefined || lo < 0) return out;
  for (let s = 0; s < leafOf.length && out.length < limit; s++) {
    const k = tin[leafOf[s]];
    if (k >= lo && k <= hi) out.push(s);
  }
  return out;
}

/** Scale and translation showing a `w x h` drawing centred in a `vw x vh` viewport. */
export function fitView(w: number, h: number, vw: number, vh: number, margin = 12, maxScale = 1.5): View {
  const scale = Math.min(maxScale, (vw - 2 * margin) / Math.max(w, 1), (vh - 2 * margin) / Math.max(h, 1));
  const s = Number.isFinite(scale) && scale > 0 ? scale : 1;
  return { scale: s, tx: (vw - w * s) / 2, ty: Math.max(margin, (vh - h * s) / 2) };
}

/** Zoom by `factor` about the viewport point (px, py), which stays fixed; scale is clamped. */
export function zoomAt(v: View, factor: number, px: number, py: number, min = 0.1, max = 4): View {
  const scale = Math.max(min, Math.min(max, v.scale * factor));
  const k = scale / v.scale;
  return { scale, tx: px - (px - v.tx) * k, ty: py - (py - v.ty) * k };
}

/** The scale at which the smallest font of a drawing (`smallestPx` at scale 1) renders at
 * `minPx`: zooming out below it makes text illegible, so views scroll instead. */
export function legibleScale(smallestPx: number, minPx = 11): number {
  return smallestPx > 0 ? minPx / smallestPx : 1;
}

/** Short label: at most `max` characters, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
