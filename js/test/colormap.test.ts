import { describe, expect, it } from "vitest";
import { COLORMAPS, getLUT, hasColormap, isDiverging, lutColor, lutFor, textColorOn } from "../src/lib/colormap";

const rgb = (lut: Uint8ClampedArray, i: number) => Array.from(lut.slice(i * 4, i * 4 + 4));

describe("colormaps", () => {
  it.each(COLORMAPS)("%s is a 256-entry opaque RGBA table", (name) => {
    const lut = getLUT(name);
    expect(lut).toBeInstanceOf(Uint8ClampedArray);
    expect(lut.length).toBe(1024);
    for (let i = 0; i < 256; i++) expect(lut[i * 4 + 3]).toBe(255);
  });

  it("RdBu is reversed: negative (0) blue, positive (255) red, white-ish centre", () => {
    const lut = getLUT("RdBu");
    expect(rgb(lut, 0)).toEqual([0x05, 0x30, 0x61, 255]);
    expect(rgb(lut, 255)).toEqual([0x67, 0x00, 0x1f, 255]);
    const [r, g, b] = rgb(lut, 128);
    expect(Math.min(r, g, b)).toBeGreaterThan(230);
  });

  it("has the published endpoints for the sequential maps", () => {
    expect(rgb(getLUT("viridis"), 0)).toEqual([0x44, 0x01, 0x54, 255]);
    expect(rgb(getLUT("viridis"), 255)).toEqual([0xfd, 0xe7, 0x25, 255]);
    expect(rgb(getLUT("magma"), 255)).toEqual([0xfc, 0xfd, 0xbf, 255]);
    expect(rgb(getLUT("coolwarm"), 0)).toEqual([0x3b, 0x4c, 0xc0, 255]);
    expect(rgb(getLUT("gray"), 0)).toEqual([0, 0, 0, 255]);
    expect(rgb(getLUT("gray"), 100)).toEqual([100, 100, 100, 255]);
    expect(rgb(getLUT("gray"), 255)).toEqual([255, 255, 255, 255]);
  });

  it("knows which maps diverge and falls back to RdBu for unknown names", () => {
    expect(isDiverging("RdBu")).toBe(true);
    expect(isDiverging("coolwarm")).toBe(true);
    expect(isDiverging("viridis")).toBe(false);
    expect(isDiverging("gray")).toBe(false);
    expect(hasColormap("nope")).toBe(false);
    expect(getLUT("nope")).toBe(getLUT("RdBu"));
    expect(getLUT("rdbu")).toBe(getLUT("RdBu"));
  });

  it("formats CSS colours and picks readable text", () => {
    expect(lutColor(getLUT("gray"), 255, 0.5)).toBe("rgba(255,255,255,0.5)");
    expect(textColorOn(getLUT("gray"), 0)).toBe("#fff");
    expect(textColorOn(getLUT("gray"), 255)).toBe("#000");
  });
});

describe("lutFor", () => {
  it("keeps the full map for signed data and sequential maps", () => {
    expect(lutFor("RdBu", true)).toBe(getLUT("RdBu"));
    expect(lutFor("viridis", false)).toBe(getLUT("viridis"));
  });

  it("uses the neutral-to-warm half of a diverging map for unsigned data", () => {
    const half = lutFor("RdBu", false);
    const full = getLUT("RdBu");
    expect(half.length).toBe(1024);
    expect(rgb(half, 0)).toEqual(rgb(full, 128));
    expect(rgb(half, 255)).toEqual(rgb(full, 255));
  });
});
