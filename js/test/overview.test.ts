import { describe, expect, it } from "vitest";
import { classPalette } from "../src/lib/colormap";
import {
  blocks,
  colorEncoding,
  type ColumnSpec,
  Columns,
  filterRows,
  lutSteps,
  normalizeCoords,
  rowPasses,
  selectionBytes,
  selectionFrom,
  sizeValues,
  UNKNOWN,
  UNKNOWN_COLOR,
} from "../src/overview/data";

const spec = (name: string, kind: ColumnSpec["kind"], extra: Partial<ColumnSpec> = {}): ColumnSpec => ({
  name, kind, dtype: "", range: null, categories: null, description: "", ...extra,
});

const CAT: ColumnSpec[] = [
  spec("y_true", "category", { categories: ["ant", "bee", "cat"] }),
  spec("correct", "bool", { categories: ["wrong", "correct"] }),
  spec("confidence", "number", { range: [0.2, 1] }),
  spec("embed/pca", "coords", { range: [-2, 2] }),
];

describe("overview blocks", () => {
  it("cover [0, n) in whole blocks, the last one partial", () => {
    expect(blocks(10, 4)).toEqual([[0, 4], [4, 8], [8, 10]]);
    expect(blocks(8, 4)).toEqual([[0, 4], [4, 8]]);
    expect(blocks(0, 4)).toEqual([]);
  });
});

describe("overview columns", () => {
  it("fill block by block and know which rows are held", () => {
    const cols = new Columns(6, CAT);
    cols.put("y_true", 0, new Uint16Array([0, 1, 2]));
    cols.put("embed/pca", 0, new Float32Array([0, 0, 1, 1, 2, 2, -2, -2]));
    expect(cols.held(["y_true"])).toBe(3);
    expect(cols.held(["y_true", "embed/pca"])).toBe(3);
    expect(cols.held(["embed/pca"])).toBe(4);
    expect(cols.held(["confidence"])).toBe(0);
    cols.put("y_true", 3, new Uint16Array([UNKNOWN, 1, 0]));
    expect(cols.held(["y_true"])).toBe(6);
    expect(cols.text("y_true", 1)).toBe("bee");
    expect(cols.text("y_true", 3)).toBe("unknown");
    cols.put("confidence", 0, new Float32Array([0.25, NaN]));
    expect(cols.text("confidence", 0)).toBe("0.25");
    expect(cols.text("confidence", 1)).toBe("n/a");
    expect(cols.text("confidence", 4)).toBe(""); // not loaded
    expect(() => cols.put("nope", 0, [1])).toThrow(/unknown column nope/);
  });
});

describe("overview encodings", () => {
  it("map coordinates into [-1, 1] by the catalogue's range, keeping the aspect", () => {
    const { x, y } = normalizeCoords(new Float32Array([-2, 0, 2, 1, NaN, 0]), 3, [-2, 2]);
    expect(x[0]).toBeCloseTo(-0.95);
    expect(x[1]).toBeCloseTo(0.95);
    expect(y[1]).toBeCloseTo(0.475);
    expect(x[2]).toBe(10); // not finite: far outside the view
  });

  it("colour categories by the class palette, unknown in grey", () => {
    const enc = colorEncoding(CAT[0], new Uint16Array([2, 0, UNKNOWN]), 3, "#000");
    expect(enc.type).toBe("categorical");
    expect(Array.from(enc.values)).toEqual([2, 0, 3]);
    expect(enc.colors).toEqual([...classPalette(3), UNKNOWN_COLOR]);
    expect(enc.labels).toEqual(["ant", "bee", "cat"]);
  });

  it("colour numbers by viridis over the column's range, clamped", () => {
    const enc = colorEncoding(CAT[2], new Float32Array([0.2, 0.6, 1, 3, NaN]), 5, "#000");
    expect(enc.type).toBe("continuous");
    expect(Array.from(enc.values)).toEqual([expect.closeTo(0, 6), expect.closeTo(0.5, 5), 1, 1, 0]);
    expect(enc.colors).toEqual(lutSteps("viridis"));
    expect(enc.colors[0]).toBe("#440154");
    expect(enc.colors[enc.colors.length - 1]).toBe("#fde725");
    expect(enc.range).toEqual([0.2, 1]);
  });

  it("size by a number column, one size otherwise", () => {
    expect(Array.from(sizeValues(CAT[2], new Float32Array([1, 0.2, NaN]), 3))).toEqual([1, expect.closeTo(0, 6), 0]);
    expect(Array.from(sizeValues(undefined, undefined, 2))).toEqual([0.5, 0.5]);
    expect(Array.from(sizeValues(CAT[0], new Uint16Array([1, 2]), 2))).toEqual([0.5, 0.5]);
  });
});

describe("overview filters", () => {
  const cols = new Columns(5, CAT);
  cols.put("y_true", 0, new Uint16Array([0, 1, 2, UNKNOWN, 1]));
  cols.put("confidence", 0, new Float32Array([0.3, 0.9, 0.5, 0.7, NaN]));

  it("keep the rows in a number range (NaN never) and the categories kept", () => {
    expect(filterRows(cols, [{ column: "confidence", kind: "range", lo: 0.4, hi: 0.8 }], 5)).toEqual([2, 3]);
    expect(filterRows(cols, [{ column: "y_true", kind: "categories", keep: new Set([1, 3]) }], 5)).toEqual([1, 3, 4]);
    expect(filterRows(cols, [
      { column: "y_true", kind: "categories", keep: new Set([1]) },
      { column: "confidence", kind: "range", lo: 0, hi: 1 },
    ], 5)).toEqual([1]);
    expect(filterRows(cols, [], 3)).toEqual([0, 1, 2]);
    expect(rowPasses(cols, [{ column: "correct", kind: "categories", keep: new Set([1]) }], 0)).toBe(false); // not loaded
  });
});

describe("overview selection on the wire", () => {
  it("is sorted unique little-endian uint32, and decodes back", () => {
    const dv = selectionBytes([7, 2, 7, 70000]);
    expect(dv.byteLength).toBe(12);
    expect(dv.getUint32(0, true)).toBe(2);
    expect(dv.getUint32(8, true)).toBe(70000);
    expect(selectionFrom(dv)).toEqual([2, 7, 70000]);
    expect(selectionFrom(new Uint8Array([5, 0, 0, 0, 1, 1, 0, 0]))).toEqual([5, 257]);
    expect(selectionFrom(null)).toEqual([]);
    expect(selectionFrom("nope")).toEqual([]);
  });
});
