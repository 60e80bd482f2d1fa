import { describe, expect, it } from "vitest";
import {
  clip,
  collapsedBeyond,
  depthsOf,
  eulerIntervals,
  fitView,
  layoutTree,
  legibleScale,
  parentsOf,
  pathTo,
  preorder,
  revealed,
  samplesAt,
  zoomAt,
} from "../src/lib/treelayout";

//        0
//      /   \
//     1     2 (leaf)
//    / \
//   3   4
//      / \
//     5   6
const SHAPE = {
  yes: Int32Array.from([1, 3, -1, -1, 5, -1, -1]),
  no: Int32Array.from([2, 4, -1, -1, 6, -1, -1]),
};
const OPTS = { nodeW: 10, nodeH: 20, gapX: 2, gapY: 5 };

describe("tree structure", () => {
  it("parents, depths and pre-order (yes before no)", () => {
    expect(Array.from(parentsOf(SHAPE))).toEqual([-1, 0, 0, 1, 1, 4, 4]);
    expect(Array.from(depthsOf(SHAPE))).toEqual([0, 1, 1, 2, 2, 3, 3]);
    expect(preorder(SHAPE)).toEqual([0, 1, 3, 4, 5, 6, 2]);
    expect(preorder(SHAPE, new Set([1]))).toEqual([0, 1, 2]);
  });

  it("pre-order survives a malformed cycle", () => {
    expect(preorder({ yes: [1, 0], no: [1, 0] })).toEqual([0, 1]);
  });

  it("Euler intervals contain exactly each subtree", () => {
    const { tin, tout } = eulerIntervals(SHAPE);
    expect(Array.from(tin)).toEqual([0, 1, 6, 2, 3, 4, 5]);
    expect(Array.from(tout)).toEqual([6, 5, 6, 2, 5, 4, 5]);
    const inside = (a: number, b: number) => tin[a] <= tin[b] && tin[b] <= tout[a];
    expect([0, 1, 2, 3, 4, 5, 6].filter((j) => inside(4, j))).toEqual([4, 5, 6]);
    expect([0, 1, 2, 3, 4, 5, 6].filter((j) => inside(1, j))).toEqual([1, 3, 4, 5, 6]);
  });

  it("collapses internal nodes from a depth on", () => {
    expect([...collapsedBeyond(SHAPE, 2)]).toEqual([4]);
    expect([...collapsedBeyond(SHAPE, 0)].sort()).toEqual([0, 1, 4]);
    expect(collapsedBeyond(SHAPE, 9).size).toBe(0);
  });

  it("root-to-node paths and revealing a node expands its ancestors only", () => {
    const parent = parentsOf(SHAPE);
    expect(pathTo(parent, 5)).toEqual([0, 1, 4, 5]);
    expect(pathTo(parent, 0)).toEqual([0]);
    expect([...revealed(new Set([0, 1, 4]), parent, 5)]).toEqual([]);
    expect([...revealed(new Set([0, 1, 4]), parent, 4)]).toEqual([4]);
    expect([...revealed(new Set([4]), parent, 3)]).toEqual([4]);
  });

  it("samples reaching a node, in order, with a limit", () => {
    const { tin, tout } = eulerIntervals(SHAPE);
    const leafOf = [3, 2, 5, 6, 2, 3];
    expect(samplesAt(1, leafOf, tin, tout)).toEqual([0, 2, 3, 5]);
    expect(samplesAt(1, leafOf, tin, tout, 2)).toEqual([0, 2]);
    expect(samplesAt(0, leafOf, tin, tout)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(samplesAt(4, leafOf, tin, tout)).toEqual([2, 3]);
    expect(samplesAt(2, leafOf, tin, tout)).toEqual([1, 4]);
  });
});

describe("layout", () => {
  it("leaves take slots left to right; parents sit between their children", () => {
    const l = layoutTree(SHAPE, new Set(), OPTS);
    expect(l.visible).toEqual([0, 1, 3, 4, 5, 6, 2]);
    expect(Array.from(l.x)).toEqual([27.5, 14, 41, 5, 23, 17, 29]);
    expect(Array.from(l.y)).toEqual([0, 25, 25, 50, 50, 75, 75]);
    expect(l.width).toBe(46);
    expect(l.height).toBe(95);
  });

  it("left-to-right: depths are columns, leaves take slots top to bottom (yes above no)", () => {
    const l = layoutTree(SHAPE, new Set(), { ...OPTS, orientation: "left-right" });
    expect(l.visible).toEqual([0, 1, 3, 4, 5, 6, 2]);
    // x: box centres, one column per depth (nodeW + gapX = 12); y: box tops, slots of 25
    expect(Array.from(l.x)).toEqual([5, 17, 17, 29, 29, 41, 41]);
    // leaves 3, 5, 6, 2 at slots 0..3 (step nodeH + gapY = 25); parents midway
    expect(Array.from(l.y)).toEqual([46.875, 18.75, 75, 0, 37.5, 25, 50]);
    expect(l.width).toBe(46); // 4 depths
    expect(l.height).toBe(95); // 4 slots
    const collapsed = layoutTree(SHAPE, new Set([1]), { ...OPTS, orientation: "left-right" });
    expect(collapsed.height).toBe(45);
    expect(collapsed.width).toBe(22);
  });

  it("legible scale: the zoom at which the smallest font renders at 11 px", () => {
    expect(legibleScale(11)).toBe(1);
    expect(legibleScale(5.5)).toBe(2);
  });

  it("a collapsed node is laid out as a leaf and hides its subtree", () => {
    const l = layoutTree(SHAPE, new Set([4]), OPTS);
    expect(l.visible).toEqual([0, 1, 3, 4, 2]);
    expect(l.x[4]).toBe(17);
    expect(l.x[1]).toBe(11);
    expect(l.x[0]).toBe(20);
    expect(Number.isNaN(l.x[5]) && Number.isNaN(l.y[6])).toBe(true);
    expect(l.width).toBe(34);
    expect(l.height).toBe(70);
  });

  it("nodes never overlap horizontally within a row", () => {
    // A deeper random-ish tree: a left comb of 6 levels.
    const yes = [1, 3, -1, 5, -1, 7, -1, -1, -1];
    const no = [2, 4, -1, 6, -1, 8, -1, -1, -1];
    const l = layoutTree({ yes, no }, new Set(), OPTS);
    const rows = new Map<number, number[]>();
    for (const i of l.visible) rows.set(l.y[i], [...(rows.get(l.y[i]) ?? []), l.x[i]]);
    for (const xs of rows.values()) {
      xs.sort((a, b) => a - b);
      for (let k = 1; k < xs.length; k++) expect(xs[k] - xs[k - 1]).toBeGreaterThanOrEqual(OPTS.nodeW + OPTS.gapX);
    }
  });

  it("an empty tree lays out to nothing", () => {
    const l = layoutTree({ yes: [], no: [] }, new Set(), OPTS);
    expect(l.visible).toEqual([]);
    expect(l.width).toBe(0);
    expect(l.height).toBe(0);
  });
});

describe("pan and zoom", () => {
  it("fits and centres, never magnifying past the cap", () => {
    expect(fitView(100, 50, 220, 120, 10, 1.5)).toEqual({ scale: 1.5, tx: 35, ty: 22.5 });
    const big = fitView(1000, 100, 220, 120, 10);
    expect(big.scale).toBeCloseTo(0.2);
    expect(big.tx).toBeCloseTo(10);
  });

  it("zooms about a fixed point and clamps the scale", () => {
    const v = zoomAt({ scale: 1, tx: 0, ty: 0 }, 2, 10, 10);
    expect(v).toEqual({ scale: 2, tx: -10, ty: -10 });
    // The point under the cursor stays put: (10 - tx) / scale is the same drawing coordinate.
    expect((10 - v.tx) / v.scale).toBe(10);
    expect(zoomAt({ scale: 3, tx: 0, ty: 0 }, 10, 0, 0).scale).toBe(4);
    expect(zoomAt({ scale: 0.2, tx: 0, ty: 0 }, 0.1, 0, 0).scale).toBe(0.1);
  });

  it("clips long labels with an ellipsis", () => {
    expect(clip("shape = heart", 24)).toBe("shape = heart");
    expect(clip("abcdefghij", 5)).toBe("abcd…");
  });
});
