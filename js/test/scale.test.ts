import { describe, expect, it } from "vitest";
import { gridColumns } from "../src/lib/layout";
import { absQuantile, displayAll, encode, signedValues } from "../src/lib/scale";
import type { Quantized } from "../src/lib/wire";

/** A signed quantised item from values (symmetric range), like Python's quantize(). */
function signedItem(values: number[]): Quantized {
  const m = Math.max(...values.map(Math.abs)) || 1;
  const q = Uint8Array.from(values, (v) => Math.round(((v / m + 1) / 2) * 255));
  return { shape: [1, values.length], q, lo: Float32Array.of(-m), hi: Float32Array.of(m), signed: true, itemSize: values.length };
}

describe("sign modes and colour scales", () => {
  const a = signedItem([-4, -1, 0, 1, 2]);

  it("keeps one sign, or the magnitude, of a signed map", () => {
    const pos = signedValues(a, 0, "positive");
    expect(pos.signed).toBe(false);
    expect(Array.from(pos.v, (x) => Math.round(x))).toEqual([0, 0, 0, 1, 2]);
    expect(Array.from(signedValues(a, 0, "negative").v, (x) => Math.round(x))).toEqual([4, 1, 0, 0, 0]);
    expect(Array.from(signedValues(a, 0, "absolute").v, (x) => Math.round(x))).toEqual([4, 1, 0, 1, 2]);
  });

  it("encodes on a symmetric or a [lo, scale] range and counts clipped values", () => {
    const d = encode([-2, 0, 1, 3], true, 2);
    expect(Array.from(d.q)).toEqual([0, 128, 191, 255]);
    expect([d.lo, d.hi, d.clipped]).toEqual([-2, 2, 1]);
    const u = encode([0.2, 0.6, 1.0], false, 1.0, 0.2);
    expect(Array.from(u.q)).toEqual([0, 127, 255]); // (0.6 - 0.2) / 0.8 * 255 = 127.49...
  });

  it("shares one scale across methods when asked, and clips at a quantile", () => {
    const small = signedItem([-0.5, 0.5]);
    const [d1, d2] = displayAll([a, small], 0, { sign: "all", clip: 1 }, true);
    expect(d1!.hi).toBeCloseTo(4);
    expect(d2!.hi).toBeCloseTo(4); // IG at +-0.5 beside occlusion at +-4: one scale
    expect(d2!.q[1]).toBeLessThan(160);
    const own = displayAll([a, small], 0, { sign: "all", clip: 1 }, false);
    expect(own[1]!.hi).toBeCloseTo(0.5);
    expect(absQuantile([1, 2, 3, 100], 0.75)).toBe(3);
    const clipped = displayAll([signedItem([1, 1, 1, 1, 1, 1, 1, 1, 1, 50])], 0, { sign: "all", clip: 0.9 }, false)[0]!;
    expect(clipped.hi).toBeCloseTo(1, 0);
    expect(clipped.clipped).toBe(1);
  });

  it("balances panel grids so none is alone on the last row", () => {
    expect(gridColumns(6, 180, 12, 968)).toBe(3); // 5 fit -> 3 + 3
    expect(gridColumns(5, 180, 12, 968)).toBe(5);
    expect(gridColumns(7, 180, 12, 968)).toBe(4); // 4 + 3
    expect(gridColumns(6, 180, 12, 2000)).toBe(6);
    expect(gridColumns(3, 180, 12, 100)).toBe(1);
  });
});

describe("masks over their input", () => {
  it("keeps the input where the mask keeps it and fades the rest to grey", async () => {
    const { maskedInputRGBA } = await import("../src/lib/heatmap");
    const input = Uint8ClampedArray.from([0, 0, 0, 255, 255, 255, 255, 255]); // black, white
    const out = maskedInputRGBA(input, 1, 2, Uint8Array.from([255, 0]), 1, 2);
    expect(Array.from(out.slice(0, 3))).toEqual([0, 0, 0]); // kept: the input itself
    expect(Array.from(out.slice(4, 7))).toEqual([128, 128, 128]); // removed: faded to grey
  });
});
