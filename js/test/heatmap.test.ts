import { describe, expect, it } from "vitest";
import { getLUT } from "../src/lib/colormap";
import { compositeOver, grayRGBA, heatmapRGBA, inputRGBA, isVisible, magnitude, resizeRGBA } from "../src/lib/heatmap";

const px = (a: Uint8ClampedArray, i: number) => Array.from(a.slice(i * 4, i * 4 + 4));

describe("heatmapRGBA", () => {
  const lut = getLUT("RdBu");

  it("maps signed q = 0 / 255 to the two ends of the diverging map", () => {
    const out = heatmapRGBA(Uint8Array.from([0, 255]), 0, 1, 2, lut, { threshold: 0, signed: true, opacity: 1 });
    expect(px(out, 0)).toEqual(px(lut, 0));
    expect(px(out, 1)).toEqual(px(lut, 255));
  });

  it("reads from the item offset and applies opacity as alpha", () => {
    const q = Uint8Array.from([9, 9, 10, 200]);
    const out = heatmapRGBA(q, 2, 1, 2, lut, { threshold: 0, signed: true, opacity: 0.5 });
    expect(out.length).toBe(8);
    expect(px(out, 0)).toEqual([...px(lut, 10).slice(0, 3), 128]);
    expect(px(out, 1)).toEqual([...px(lut, 200).slice(0, 3), 128]);
  });

  it("threshold hides small |values| (fully transparent) in signed and unsigned arrays", () => {
    // Signed: |q - 127.5| / 127.5 -> 128: 0.004, 191: 0.5, 255: 1, 0: 1.
    const q = Uint8Array.from([128, 191, 255, 0]);
    const out = heatmapRGBA(q, 0, 2, 2, lut, { threshold: 0.4, signed: true, opacity: 1 });
    expect(px(out, 0)).toEqual([0, 0, 0, 0]);
    expect(out[1 * 4 + 3]).toBe(255);
    expect(out[2 * 4 + 3]).toBe(255);
    expect(out[3 * 4 + 3]).toBe(255);
    const u = heatmapRGBA(Uint8Array.from([0, 50, 102, 255]), 0, 1, 4, getLUT("viridis"), { threshold: 0.4, signed: false, opacity: 1 });
    expect([u[3], u[7], u[11], u[15]]).toEqual([0, 0, 255, 255]);
  });

  it("threshold 0 shows everything, threshold 1 only the extremes", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const show0 = heatmapRGBA(all, 0, 16, 16, lut, { threshold: 0, signed: true, opacity: 1 });
    expect(show0.filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
    const show1 = heatmapRGBA(all, 0, 16, 16, lut, { threshold: 1, signed: true, opacity: 1 });
    const visible = [...show1.keys()].filter((i) => i % 4 === 3 && show1[i] > 0).map((i) => (i - 3) / 4);
    expect(visible).toEqual([0, 255]);
  });

  it("magnitude / isVisible agree with the contract", () => {
    expect(magnitude(127.5, true)).toBe(0);
    expect(magnitude(0, true)).toBe(1);
    expect(magnitude(255, false)).toBe(1);
    expect(isVisible(128, true, 0)).toBe(true);
    expect(isVisible(128, true, 0.01)).toBe(false);
  });
});

describe("input images", () => {
  it("renders C = 3 as RGB and C = 1 as gray, opaque", () => {
    const rgb = inputRGBA(Uint8Array.from([0, 0, 0, 10, 20, 30]), 3, 1, 1, 3);
    expect(px(rgb, 0)).toEqual([10, 20, 30, 255]);
    const g = inputRGBA(Uint8Array.from([7, 99]), 0, 1, 2, 1);
    expect(px(g, 1)).toEqual([99, 99, 99, 255]);
  });

  it("grayRGBA uses luma for colour inputs", () => {
    const g = grayRGBA(Uint8Array.from([255, 0, 0, 0, 255, 0]), 0, 1, 2, 3);
    expect(px(g, 0)).toEqual([54, 54, 54, 255]);
    expect(px(g, 1)).toEqual([182, 182, 182, 255]);
  });

  it("compositeOver blends by the top alpha and keeps transparent cells", () => {
    const base = Uint8ClampedArray.from([100, 100, 100, 255, 100, 100, 100, 255]);
    const top = Uint8ClampedArray.from([200, 0, 0, 128, 255, 255, 255, 0]);
    compositeOver(base, top);
    expect(px(base, 0)).toEqual([150, 50, 50, 255]);
    expect(px(base, 1)).toEqual([100, 100, 100, 255]);
  });

  it("resizeRGBA is nearest-neighbour", () => {
    const src = Uint8ClampedArray.from([1, 1, 1, 1, 2, 2, 2, 2]); // 1 x 2
    const out = resizeRGBA(src, 1, 2, 2, 4);
    expect(Array.from({ length: 8 }, (_, i) => out[i * 4])).toEqual([1, 1, 2, 2, 1, 1, 2, 2]);
    expect(resizeRGBA(src, 1, 2, 1, 2)).toBe(src);
  });
});
