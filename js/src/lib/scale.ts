// What a heatmap shows, decided in the browser (view-only): Captum's sign modes, a colour scale
// shared by every panel of the sample, and optional clipping of outliers. Pure maths on the
// quantised codes, so it is unit-testable and never asks the kernel.
import { dequantizeItem, type Quantized } from "./wire";

export const SIGN_MODES = ["all", "positive", "negative", "absolute"] as const;
export type SignMode = (typeof SIGN_MODES)[number];

export interface ScaleOptions {
  sign: SignMode;
  /** Clip at this quantile of |value| (e.g. 0.99); 1 keeps the full range. */
  clip: number;
}

/** An item ready to colour: codes 0..255 and the value range they span. */
export interface Display {
  q: Uint8Array;
  signed: boolean;
  lo: number;
  hi: number;
  /** Values beyond the range (clipped), for the legend. */
  clipped: number;
}

/** Item k's values under the sign mode (unsigned maps such as masks have no sign to pick). */
export function signedValues(a: Quantized, k: number, sign: SignMode): { v: Float32Array; signed: boolean } {
  const v = dequantizeItem(a, k);
  if (!a.signed || sign === "all") return { v, signed: a.signed };
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    v[i] = sign === "positive" ? Math.max(x, 0) : sign === "negative" ? Math.max(-x, 0) : Math.abs(x);
  }
  return { v, signed: false };
}

/** The ``quantile`` of |v| (nearest rank); 1 gives max |v|. */
export function absQuantile(v: ArrayLike<number>, quantile: number): number {
  const n = v.length;
  if (!n) return 0;
  const abs = Float32Array.from(v, Math.abs);
  if (quantile >= 1) return abs.reduce((m, x) => (x > m ? x : m), 0);
  abs.sort();
  return abs[Math.min(n - 1, Math.max(0, Math.ceil(quantile * n) - 1))];
}

/**
 * Codes for values `v` on the range [-scale, scale] (signed) or [lo, scale] (unsigned; lo is 0
 * after a sign mode, or the item's own minimum for unsigned maps).
 */
export function encode(v: ArrayLike<number>, signed: boolean, scale: number, lo = 0): Display {
  const q = new Uint8Array(v.length);
  let clipped = 0;
  const m = scale > 0 ? scale : 1;
  const span = m - lo || 1;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (signed) {
      if (Math.abs(x) > m) clipped++;
      q[i] = Math.round(((Math.max(-m, Math.min(m, x)) / m + 1) / 2) * 255);
    } else {
      if (x > m) clipped++;
      q[i] = Math.round(((Math.max(lo, Math.min(m, x)) - lo) / span) * 255);
    }
  }
  return { q, signed, lo: signed ? -m : lo, hi: m, clipped };
}

/**
 * Every method's item k on one screen: per method (`shared` false) or on the largest range of
 * them all (`shared`), each range first clipped at the `clip` quantile of |value|.
 */
export function displayAll(items: (Quantized | undefined)[], k: number, opts: ScaleOptions, shared: boolean): (Display | null)[] {
  const vals = items.map((a) => (a ? signedValues(a, k, opts.sign) : null));
  const ranges = vals.map((x, i) => {
    if (!x) return 0;
    const a = items[i]!;
    return !a.signed && opts.sign === "all" && opts.clip >= 1 ? a.hi[k] : absQuantile(x.v, opts.clip);
  });
  const common = Math.max(0, ...ranges);
  return vals.map((x, i) => {
    if (!x) return null;
    // unsigned maps (masks, |gradients|) start at 0: a mask in [0.97, 0.99] must not look
    // like one spanning the whole colormap
    return encode(x.v, x.signed, shared ? common : ranges[i], 0);
  });
}
