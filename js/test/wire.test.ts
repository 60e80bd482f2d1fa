import { describe, expect, it } from "vitest";
import {
  asBytes, decodeArray, decodeQuantized, dequantize, dequantizeCode, dequantizeItem,
} from "../src/lib/wire";
import { quantize } from "./fixtures";

describe("decodeArray", () => {
  it("builds a typed array over the DataView's buffer, honouring byteOffset (no copy)", () => {
    const buf = new ArrayBuffer(64);
    new Float32Array(buf, 8, 6).set([1, 2, 3, 4, 5, 6]);
    const d = decodeArray({ dtype: "float32", shape: [2, 3], data: new DataView(buf, 8, 24) });
    expect(d.shape).toEqual([2, 3]);
    expect(d.data).toBeInstanceOf(Float32Array);
    expect(Array.from(d.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(d.data.buffer).toBe(buf);
    expect(d.data.byteOffset).toBe(8);
  });

  it("copies when the offset is misaligned for the dtype", () => {
    const bytes = new Uint8Array(1 + 8);
    new DataView(bytes.buffer).setInt32(1, -7, true);
    new DataView(bytes.buffer).setInt32(5, 123456, true);
    const d = decodeArray({ dtype: "int32", shape: [2], data: new DataView(bytes.buffer, 1, 8) });
    expect(Array.from(d.data)).toEqual([-7, 123456]);
    expect(d.data.buffer).not.toBe(bytes.buffer);
  });

  it.each([
    ["uint8", Uint8Array], ["int8", Int8Array], ["int16", Int16Array], ["uint16", Uint16Array],
    ["int32", Int32Array], ["uint32", Uint32Array], ["float32", Float32Array], ["float64", Float64Array],
  ] as const)("decodes %s", (dtype, Ctor) => {
    const src = Ctor.from([1, 2, 3, 4]);
    const d = decodeArray({ dtype, shape: [4], data: new DataView(src.buffer) });
    expect(d.data).toBeInstanceOf(Ctor);
    expect(Array.from(d.data)).toEqual([1, 2, 3, 4]);
  });

  it("accepts ArrayBuffer, Uint8Array and plain lists as data", () => {
    const f = Float32Array.from([0.5, -2]);
    expect(Array.from(decodeArray({ dtype: "float32", shape: [2], data: f.buffer }).data)).toEqual([0.5, -2]);
    expect(Array.from(decodeArray({ dtype: "float32", shape: [2], data: new Uint8Array(f.buffer) }).data)).toEqual([0.5, -2]);
    expect(Array.from(decodeArray({ dtype: "uint8", shape: [3], data: [1, 2, 255] }).data)).toEqual([1, 2, 255]);
    expect(asBytes(new DataView(f.buffer, 4)).byteLength).toBe(4);
  });

  it("ignores trailing bytes and handles empty and scalar shapes", () => {
    expect(decodeArray({ dtype: "uint8", shape: [2], data: new Uint8Array([9, 8, 7]) }).data.length).toBe(2);
    expect(decodeArray({ dtype: "float32", shape: [0, 3], data: new ArrayBuffer(0) }).data.length).toBe(0);
    expect(decodeArray({ dtype: "int32", shape: [], data: Int32Array.from([5]).buffer }).data[0]).toBe(5);
  });

  it("rejects short buffers and unknown dtypes", () => {
    expect(() => decodeArray({ dtype: "float32", shape: [3], data: new ArrayBuffer(8) })).toThrow(/needs 12 bytes/);
    expect(() => decodeArray({ dtype: "int64" as never, shape: [1], data: new ArrayBuffer(8) })).toThrow(/unsupported/);
  });
});

describe("quantised arrays", () => {
  it("maps q = 0 and 255 to lo and hi of each item", () => {
    const a = decodeQuantized(quantize([2, 3], [-2, 0, 1, 5, 6, 7], false));
    expect(a.itemSize).toBe(3);
    expect(a.signed).toBe(false);
    expect(dequantize(a, 0, 0)).toBeCloseTo(-2, 6);
    expect(dequantize(a, 0, 2)).toBeCloseTo(1, 6);
    expect(dequantize(a, 1, 0)).toBeCloseTo(5, 6);
    expect(dequantize(a, 1, 2)).toBeCloseTo(7, 6);
    expect(dequantizeCode(a, 1, 0)).toBe(a.lo[1]);
    expect(dequantizeCode(a, 1, 255)).toBeCloseTo(a.hi[1], 6);
  });

  it("signed items use a symmetric range and stay within (hi - lo) / 510 of the truth", () => {
    const vals = [-0.3, 0.01, 0.2, 0, -0.05, 0.3];
    const a = decodeQuantized(quantize([1, 6], vals, true));
    expect(a.signed).toBe(true);
    expect(a.lo[0]).toBeCloseTo(-0.3, 6);
    expect(a.hi[0]).toBeCloseTo(0.3, 6);
    const err = (a.hi[0] - a.lo[0]) / 510; // half a code step: the worst rounding error
    const back = dequantizeItem(a, 0);
    vals.forEach((v, i) => expect(Math.abs(back[i] - v)).toBeLessThanOrEqual(err + 1e-7));
    expect(Math.abs(dequantizeCode(a, 0, 127.5))).toBeLessThan(1e-7);
  });

  it("never leaves [lo, hi] for any code", () => {
    const a = decodeQuantized(quantize([1, 2], [-1, 4], false));
    for (let q = 0; q < 256; q++) {
      const v = dequantizeCode(a, 0, q);
      expect(v).toBeGreaterThanOrEqual(a.lo[0] - 1e-6);
      expect(v).toBeLessThanOrEqual(a.hi[0] + 1e-6);
    }
  });
});
