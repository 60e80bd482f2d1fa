// 256-entry RGBA lookup tables interpolated from published anchor colours.

export type LUT = Uint8ClampedArray; // length 1024

const ANCHORS: Record<string, string[]> = {
  // ColorBrewer RdBu reversed: index 0 (most negative) is blue, 255 (most positive) red.
  rdbu: ["#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
         "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"],
  coolwarm: ["#3b4cc0", "#5977e3", "#7b9ff9", "#9ebeff", "#c0d4f5", "#dddcdc",
             "#f2cbb7", "#f7ac8e", "#ee8468", "#d65244", "#b40426"],
  viridis: ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80",
            "#5ec962", "#addc30", "#fde725"],
  magma: ["#000004", "#1c1044", "#4f127b", "#812581", "#b5367a", "#e55964",
          "#fb8761", "#fec287", "#fcfdbf"],
  gray: ["#000000", "#ffffff"],
};

const DIVERGING = new Set(["rdbu", "coolwarm"]);

export const COLORMAPS = ["RdBu", "coolwarm", "viridis", "magma", "gray"] as const;

function key(name: string): string {
  const k = String(name).toLowerCase().replace(/_r$/, "");
  return k === "grey" || k === "greys" || k === "grays" ? "gray" : k;
}

export function isDiverging(name: string): boolean {
  return DIVERGING.has(key(name));
}

export function hasColormap(name: string): boolean {
  return key(name) in ANCHORS;
}

function hex(c: string): [number, number, number] {
  const v = parseInt(c.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

function build(anchors: string[]): LUT {
  const rgb = anchors.map(hex);
  const lut = new Uint8ClampedArray(1024);
  const segs = rgb.length - 1;
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * segs;
    const j = Math.min(Math.floor(t), segs - 1);
    const f = t - j;
    for (let c = 0; c < 3; c++) lut[i * 4 + c] = Math.round(rgb[j][c] + (rgb[j + 1][c] - rgb[j][c]) * f);
    lut[i * 4 + 3] = 255;
  }
  return lut;
}

const cache = new Map<string, LUT>();

/** LUT for a colormap name; unknown names fall back to RdBu so a typo never blanks the view. */
export function getLUT(name: string): LUT {
  const k = key(name) in ANCHORS ? key(name) : "rdbu";
  let lut = cache.get(k);
  if (!lut) {
    lut = build(ANCHORS[k]);
    cache.set(k, lut);
  }
  return lut;
}

/**
 * The LUT to draw an array with. Unsigned data on a diverging map uses only its upper half
 * (neutral -> warm): the cold half would wrongly suggest negative values.
 */
export function lutFor(name: string, signed: boolean): LUT {
  const full = getLUT(name);
  if (signed || !isDiverging(name)) return full;
  const k = `${key(name)}:half`;
  let lut = cache.get(k);
  if (!lut) {
    lut = new Uint8ClampedArray(1024);
    for (let i = 0; i < 256; i++) lut.set(full.subarray((128 + (i >> 1)) * 4, (128 + (i >> 1)) * 4 + 4), i * 4);
    cache.set(k, lut);
  }
  return lut;
}

export function lutColor(lut: LUT, i: number, alpha = 1): string {
  const j = Math.max(0, Math.min(255, Math.round(i))) * 4;
  return `rgba(${lut[j]},${lut[j + 1]},${lut[j + 2]},${alpha})`;
}

/** Black or white, whichever reads better on LUT entry i drawn at `alpha` over a light page. */
export function textColorOn(lut: LUT, i: number, alpha = 1): string {
  const j = Math.max(0, Math.min(255, Math.round(i))) * 4;
  const mix = (c: number) => (c * alpha + 255 * (1 - alpha)) / 255;
  const lum = 0.2126 * mix(lut[j]) + 0.7152 * mix(lut[j + 1]) + 0.0722 * mix(lut[j + 2]);
  return lum < 0.5 ? "#fff" : "#000";
}

/** Categorical line colours (Tableau 10) for per-method curves. */
export const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                        "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
