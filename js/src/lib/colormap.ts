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
  // WCAG relative luminance (linear light); the text colour with the larger contrast ratio wins
  const lin = (c: number) => {
    const v = (c * alpha + 255 * (1 - alpha)) / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const lum = 0.2126 * lin(lut[j]) + 0.7152 * lin(lut[j + 1]) + 0.0722 * lin(lut[j + 2]);
  return (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) ? "#000" : "#fff";
}

/** Categorical line colours (Tableau 10) for per-method curves. */
export const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                        "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

/**
 * Concept colours (MEME): deep and pastel colours far from every PALETTE class colour (CIE76
 * distance >= 20) and from each other, so a concept never reads as a class; concept j is
 * `CONCEPT_PALETTE[j % 14]`. The same list is xaiwidgets/widgets/_colors.py CONCEPT_PALETTE.
 */
export const CONCEPT_PALETTE = ["#5d5804", "#036548", "#5f4589", "#873741", "#7e4502", "#03606d",
                                "#39621c", "#7e3963", "#deceff", "#d1dfab", "#fbcdaa", "#a6e2fb",
                                "#ffc5d5", "#ace7cc"];

export const conceptColor = (j: number): string => CONCEPT_PALETTE[((j % CONCEPT_PALETTE.length) + CONCEPT_PALETTE.length) % CONCEPT_PALETTE.length];

// ------------------------------------------------------------------ class palettes (trees)
// Categorical colours built in OKLCH (perceptual lightness, chroma, hue) so that a class
// structure can be drawn: one hue per group (e.g. the shape of "heart@0.8"), one lightness per
// level (its scale). Highlights (a sample's path) use a hue no class colour uses.

/** The colour of a highlighted path in the tree views: a blue no class palette entry is near. */
export const TREE_PATH_COLOR = "#2f6fe4";

/** Group hues in OKLCH degrees, in order of use: orange, green, magenta, olive, teal, red,
 * sea green, amber. Blue (about 225-290 degrees) is left to the path highlight. */
export const GROUP_HUES = [55, 145, 335, 105, 195, 20, 170, 80];

function linToSrgb(c: number): number {
  return c <= 0.0031308 ? 12.92 * c : 1.055 * Math.pow(c, 1 / 2.4) - 0.055;
}

function srgbToLin(c: number): number {
  return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}

function oklabToLinear(L: number, a: number, b: number): [number, number, number] {
  const l = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s = (L - 0.0894841775 * a - 1.291485548 * b) ** 3;
  return [
    4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
    -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
    -0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s,
  ];
}

function toHex(rgb: number[]): string {
  return `#${rgb.map((c) => Math.round(Math.max(0, Math.min(1, c)) * 255).toString(16).padStart(2, "0")).join("")}`;
}

/** OKLCH (L in 0..1, chroma, hue in degrees) as sRGB hex; chroma is reduced until it fits sRGB. */
export function oklch(L: number, C: number, hue: number): string {
  const hr = (hue * Math.PI) / 180;
  let c = C;
  for (let k = 0; k < 40; k++) {
    const lin = oklabToLinear(L, c * Math.cos(hr), c * Math.sin(hr));
    if (lin.every((v) => v >= -1e-4 && v <= 1 + 1e-4) || c <= 0) return toHex(lin.map(linToSrgb));
    c = Math.max(0, c - C / 40);
  }
  return toHex(oklabToLinear(L, 0, 0).map(linToSrgb));
}

/** OKLCH [L, C, hue] of an sRGB hex colour. */
export function toOklch(hexColor: string): [number, number, number] {
  const [r, g, b] = hex(hexColor).map((v) => srgbToLin(v / 255));
  const l = Math.cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
  const m = Math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
  const s = Math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
  const L = 0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s;
  const a = 1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s;
  const bb = 0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s;
  return [L, Math.hypot(a, bb), ((Math.atan2(bb, a) * 180) / Math.PI + 360) % 360];
}

/** CIELAB (D65) of an sRGB hex colour. */
export function toLab(hexColor: string): [number, number, number] {
  const [r, g, b] = hex(hexColor).map((v) => srgbToLin(v / 255));
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const x = f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047);
  const y = f(0.2126 * r + 0.7152 * g + 0.0722 * b);
  const z = f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}

/** CIE76 colour difference (Euclidean in CIELAB): about 2 is just noticeable, 10+ is distinct. */
export function deltaE(a: string, b: string): number {
  const p = toLab(a);
  const q = toLab(b);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/** Class structure: per class a group (e.g. the shape) and a level within it (the scale). */
export interface ClassGroups {
  group: ArrayLike<number>;
  level: ArrayLike<number>;
}

const LIGHT = 0.86;
const DARK = 0.44;

/**
 * One colour per class. With `groups`, a hue per group and a lightness per level (level 0 the
 * lightest); classes of the same group read as one family in the legend and the bars. Without,
 * well separated hues (a second and third round of lighter and darker ones beyond eight classes).
 * No colour is near {@link TREE_PATH_COLOR}.
 */
export function classPalette(n: number, groups?: ClassGroups | null): string[] {
  const out: string[] = [];
  const valid = groups && groups.group.length === n && groups.level.length === n && n > 0;
  if (valid) {
    let nLevels = 1;
    for (let c = 0; c < n; c++) nLevels = Math.max(nLevels, Number(groups.level[c]) + 1);
    for (let c = 0; c < n; c++) {
      const g = Math.max(0, Number(groups.group[c]));
      const lv = Math.max(0, Number(groups.level[c]));
      const round = Math.floor(g / GROUP_HUES.length);
      const hue = GROUP_HUES[g % GROUP_HUES.length] + round * 12;
      const L = nLevels === 1 ? 0.66 : LIGHT - ((LIGHT - DARK) * lv) / (nLevels - 1);
      out.push(oklch(L, round % 2 ? 0.09 : 0.15, hue));
    }
    return out;
  }
  const rounds = [0.68, 0.84, 0.5];
  for (let c = 0; c < n; c++) {
    const round = Math.floor(c / GROUP_HUES.length);
    out.push(oklch(rounds[round % rounds.length], 0.14, GROUP_HUES[c % GROUP_HUES.length] + 7 * Math.floor(round / 3)));
  }
  return out;
}
