// Pure pixel maths: quantised codes -> RGBA. No DOM here so it is unit-testable.
import type { LUT } from "./colormap";

export interface HeatmapOptions {
  /** In [0, 1]: cells with |value| < threshold * max|value| become transparent. */
  threshold: number;
  signed: boolean;
  /** In [0, 1]: alpha of visible cells. */
  opacity: number;
}

/** |value| / max|value| of a raw code: the signed range is symmetric around q = 127.5. */
export function magnitude(q: number, signed: boolean): number {
  return signed ? Math.abs(q - 127.5) / 127.5 : q / 255;
}

export function isVisible(q: number, signed: boolean, threshold: number): boolean {
  return threshold <= 0 || magnitude(q, signed) >= threshold;
}

export function heatmapRGBA(
  q: Uint8Array,
  offset: number,
  h: number,
  w: number,
  lut: LUT,
  { threshold, signed, opacity }: HeatmapOptions,
): Uint8ClampedArray {
  const n = h * w;
  const out = new Uint8ClampedArray(n * 4);
  const a = Math.round(Math.max(0, Math.min(1, opacity)) * 255);
  // Codes are the LUT index, so the hide decision can be tabulated once per call.
  const show = new Uint8Array(256);
  for (let c = 0; c < 256; c++) show[c] = isVisible(c, signed, threshold) ? 1 : 0;
  for (let i = 0; i < n; i++) {
    const c = q[offset + i];
    if (!show[c]) continue;
    const j = i * 4;
    const l = c * 4;
    out[j] = lut[l];
    out[j + 1] = lut[l + 1];
    out[j + 2] = lut[l + 2];
    out[j + 3] = a;
  }
  return out;
}

/** Opaque RGBA of a quantised (H, W, C) input, C in {1, 3}; extra channels are ignored. */
export function inputRGBA(q: Uint8Array, offset: number, h: number, w: number, c: number): Uint8ClampedArray {
  const n = h * w;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const s = offset + i * c;
    const j = i * 4;
    if (c >= 3) {
      out[j] = q[s];
      out[j + 1] = q[s + 1];
      out[j + 2] = q[s + 2];
    } else {
      out[j] = out[j + 1] = out[j + 2] = q[s];
    }
    out[j + 3] = 255;
  }
  return out;
}

/** Opaque grayscale RGBA (Rec. 709 luma) of a quantised (H, W, C) input: the overlay backdrop. */
export function grayRGBA(q: Uint8Array, offset: number, h: number, w: number, c: number): Uint8ClampedArray {
  const n = h * w;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const s = offset + i * c;
    const y = c >= 3 ? 0.2126 * q[s] + 0.7152 * q[s + 1] + 0.0722 * q[s + 2] : q[s];
    const j = i * 4;
    out[j] = out[j + 1] = out[j + 2] = y;
    out[j + 3] = 255;
  }
  return out;
}

/** Nearest-neighbour resample of RGBA so an overlay can match a backdrop of another size. */
export function resizeRGBA(src: Uint8ClampedArray, h: number, w: number, H: number, W: number): Uint8ClampedArray {
  if (h === H && w === W) return src;
  const out = new Uint8ClampedArray(H * W * 4);
  for (let r = 0; r < H; r++) {
    const sr = Math.min(h - 1, Math.floor(((r + 0.5) * h) / H));
    for (let c = 0; c < W; c++) {
      const sc = Math.min(w - 1, Math.floor(((c + 0.5) * w) / W));
      const s = (sr * w + sc) * 4;
      const d = (r * W + c) * 4;
      out[d] = src[s];
      out[d + 1] = src[s + 1];
      out[d + 2] = src[s + 2];
      out[d + 3] = src[s + 3];
    }
  }
  return out;
}

/** Source-over compositing of `top` onto `base` in place (base is treated as opaque). */
export function compositeOver(base: Uint8ClampedArray, top: Uint8ClampedArray): Uint8ClampedArray {
  for (let j = 0; j < base.length; j += 4) {
    const a = top[j + 3] / 255;
    if (a === 0) continue;
    const b = 1 - a;
    base[j] = top[j] * a + base[j] * b;
    base[j + 1] = top[j + 1] * a + base[j + 1] * b;
    base[j + 2] = top[j + 2] * a + base[j + 2] * b;
    base[j + 3] = 255;
  }
  return base;
}

/**
 * What the model sees through a keep-mask: the input where the mask keeps it, faded to neutral
 * grey where it removes it (codes of an (mh, mw) unsigned mask, resized nearest to (h, w)).
 * Mask values on pixels that equal the baseline change nothing, and this view shows that.
 */
export function maskedInputRGBA(input: Uint8ClampedArray, h: number, w: number, mask: Uint8Array, mh: number, mw: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(input.length);
  for (let y = 0; y < h; y++) {
    const my = Math.min(mh - 1, Math.floor((y * mh) / h));
    for (let x = 0; x < w; x++) {
      const mx = Math.min(mw - 1, Math.floor((x * mw) / w));
      const m = mask[my * mw + mx] / 255;
      const j = (y * w + x) * 4;
      for (let c = 0; c < 3; c++) out[j + c] = input[j + c] * m + 128 * (1 - m);
      out[j + 3] = 255;
    }
  }
  return out;
}
