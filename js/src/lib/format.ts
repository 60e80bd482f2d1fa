/** Number with `digits` significant digits; exponent only for very small or large magnitudes. */
export function fmt(x: number, digits = 3): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "n/a";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) return String(Number(x.toPrecision(digits)));
  return x.toExponential(Math.max(0, digits - 1)).replace("e+", "e");
}

export function className(names: readonly string[], i: number): string {
  return names && i >= 0 && i < names.length ? String(names[i]) : String(i);
}

export function featureName(names: readonly string[], i: number): string {
  return names && i < names.length ? String(names[i]) : `x${i}`;
}
