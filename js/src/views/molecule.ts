// A molecule drawn in the browser (SVG) from RDKit's 2-D coordinates (Python `_molecules.py`):
// atoms coloured by their SMILES token's value with the view's colormap, threshold and opacity,
// bonds as lines, element labels as SVG text (textContent). Pure geometry is exported for tests.
import type { Molecules } from "../lib/block";
import { type LUT } from "../lib/colormap";
import { s } from "../lib/dom";
import { isVisible } from "../lib/heatmap";

/** Sample k's molecule: views into the block's concatenated arrays (atom indices are local). */
export interface Molecule {
  n: number;
  xy: Float32Array | Float64Array; // (n, 2), y up
  token: Int32Array; // (n,)
  labels: string[]; // (n,)
  pairs: Int32Array; // (B, 2), local atom indices
  order: Int32Array; // (B,)
}

export function moleculeAt(ms: Molecules | undefined, k: number): Molecule | null {
  if (!ms || k < 0 || k + 1 >= ms.atoms.length) return null;
  const a0 = ms.atoms[k];
  const a1 = ms.atoms[k + 1];
  const b0 = ms.bonds[k];
  const b1 = ms.bonds[k + 1];
  if (a1 <= a0) return null;
  const n = a1 - a0;
  const labels = ms.labels[k] ?? [];
  return {
    n,
    xy: ms.xy.subarray(2 * a0, 2 * a1),
    token: ms.token.subarray(a0, a1),
    labels: Array.from({ length: n }, (_, i) => labels[i] ?? ""),
    pairs: ms.pairs.subarray(2 * b0, 2 * b1),
    order: ms.order.subarray(b0, b1),
  };
}

/** Font size of atom labels and the radius of the value discs, in bond lengths. */
export const FONT = 0.55;
export const DISC = 0.36;
const PAD = 0.75; // margin around the atoms
const MAX_PX_PER_BOND = 44; // small molecules are not blown up
const MAX_HEIGHT = 240;

export interface Segment {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  dashed?: boolean;
}

/** Half extent of a label's box along the unit direction (dx, dy): bonds stop at its edge. */
export function labelClearance(label: string, dx: number, dy: number): number {
  if (!label) return 0;
  const hw = FONT * (0.32 * [...label].length + 0.12);
  const hh = FONT * 0.62;
  const ax = Math.abs(dx);
  const ay = Math.abs(dy);
  return Math.min(ax > 1e-9 ? hw / ax : Infinity, ay > 1e-9 ? hh / ay : Infinity);
}

/**
 * Line segments of every bond in SVG coordinates (y down): single bonds one line, double bonds
 * a second line on the side of the neighbours (inside a ring) or two lines around the axis,
 * triple bonds three. Bonds stop short of labelled atoms.
 */
export function bondSegments(m: Molecule): Segment[] {
  const X = (i: number) => m.xy[2 * i];
  const Y = (i: number) => -m.xy[2 * i + 1];
  const nbrs: number[][] = Array.from({ length: m.n }, () => []);
  const B = m.order.length;
  for (let b = 0; b < B; b++) {
    const i = m.pairs[2 * b];
    const j = m.pairs[2 * b + 1];
    if (i < m.n && j < m.n) {
      nbrs[i].push(j);
      nbrs[j].push(i);
    }
  }
  const out: Segment[] = [];
  const GAP = 0.17;
  for (let b = 0; b < B; b++) {
    const i = m.pairs[2 * b];
    const j = m.pairs[2 * b + 1];
    if (i >= m.n || j >= m.n) continue;
    const x1 = X(i);
    const y1 = Y(i);
    const x2 = X(j);
    const y2 = Y(j);
    const len = Math.hypot(x2 - x1, y2 - y1);
    if (!(len > 1e-6)) continue;
    const ux = (x2 - x1) / len;
    const uy = (y2 - y1) / len;
    const nx = -uy;
    const ny = ux;
    const c1 = Math.min(labelClearance(m.labels[i], ux, uy), len / 2.5);
    const c2 = Math.min(labelClearance(m.labels[j], ux, uy), len / 2.5);
    const seg = (off: number, shrink1: number, shrink2: number, dashed = false): Segment => ({
      x1: x1 + ux * shrink1 + nx * off,
      y1: y1 + uy * shrink1 + ny * off,
      x2: x2 - ux * shrink2 + nx * off,
      y2: y2 - uy * shrink2 + ny * off,
      ...(dashed ? { dashed } : {}),
    });
    const order = m.order[b];
    if (order === 3) {
      out.push(seg(0, c1, c2), seg(GAP, c1, c2), seg(-GAP, c1, c2));
      continue;
    }
    if (order !== 2 && order !== 4) {
      out.push(seg(0, c1, c2));
      continue;
    }
    // which side the other neighbours are on (a ring's inside, a chain's bend)
    let side = 0;
    for (const [a, o] of [[i, j], [j, i]] as const) {
      for (const q of nbrs[a]) {
        if (q === o) continue;
        const cross = ux * (Y(q) - Y(a)) - uy * (X(q) - X(a));
        side += cross > 1e-6 ? 1 : cross < -1e-6 ? -1 : 0;
      }
    }
    const terminal = nbrs[i].length === 1 || nbrs[j].length === 1;
    if (side === 0 || (terminal && (m.labels[i] || m.labels[j]))) {
      // around the axis (C=O, O=C=O...)
      out.push(seg(GAP / 2, c1, c2), seg(-GAP / 2, c1, c2, order === 4));
    } else {
      const inner = 0.14 * len;
      out.push(seg(0, c1, c2), seg(Math.sign(side) * GAP, Math.max(c1, inner), Math.max(c2, inner), order === 4));
    }
  }
  return out;
}

/** viewBox of a molecule (SVG coordinates, with room for discs and labels). */
export function moleculeBox(m: Molecule): { x: number; y: number; w: number; h: number } {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < m.n; i++) {
    const x = m.xy[2 * i];
    const y = -m.xy[2 * i + 1];
    const hw = m.labels[i] ? labelClearance(m.labels[i], 1, 0) : 0;
    x0 = Math.min(x0, x - hw);
    x1 = Math.max(x1, x + hw);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  if (!Number.isFinite(x0)) return { x: -1, y: -1, w: 2, h: 2 };
  return { x: x0 - PAD, y: y0 - PAD, w: x1 - x0 + 2 * PAD, h: y1 - y0 + 2 * PAD };
}

export interface AtomColor {
  /** CSS colour, or null: the atom's value is hidden (threshold) or unknown. */
  fill: string | null;
  /** The display code 0..255 (colormap index), -1 when unknown. */
  code: number;
}

/**
 * Each atom's colour from the codes of its token: `codeOf(tokenPosition)` gives the code (or -1
 * for a position without a value), drawn with `lut`; below the threshold an atom gets no colour.
 */
export function atomColors(m: Molecule, codeOf: (position: number) => number, lut: LUT, signed: boolean, threshold: number): AtomColor[] {
  const out: AtomColor[] = [];
  for (let i = 0; i < m.n; i++) {
    const q = codeOf(m.token[i]);
    if (q < 0) {
      out.push({ fill: null, code: -1 });
      continue;
    }
    const j = Math.max(0, Math.min(255, Math.round(q))) * 4;
    out.push({ fill: isVisible(q, signed, threshold) ? `rgb(${lut[j]},${lut[j + 1]},${lut[j + 2]})` : null, code: q });
  }
  return out;
}

export interface MoleculeHandlers {
  /** The pointer is over atom i (-1: left the molecule). */
  hover(atom: number): void;
}

/** One method's molecule: an <svg class="xai-molecule"> redrawn per sample, recoloured per setting. */
export class MoleculeView {
  readonly el: SVGSVGElement;
  private discs: SVGCircleElement[] = [];
  private rings: SVGCircleElement[] = [];
  private mol: Molecule | null = null;

  constructor(readonly method: string, handlers: MoleculeHandlers, signal: AbortSignal) {
    this.el = s("svg", { class: "xai-molecule", "data-method": method, role: "img", "aria-label": `${method}: molecule` });
    this.el.addEventListener("mouseover", (ev) => {
      const t = (ev.target as Element).closest?.("[data-atom]");
      if (t) handlers.hover(Number(t.getAttribute("data-atom")));
    }, { signal });
    this.el.addEventListener("mouseleave", () => handlers.hover(-1), { signal });
  }

  /** The molecule of a new sample (geometry only; colours come from `paint`). */
  setMolecule(m: Molecule | null): void {
    this.mol = m;
    this.discs = [];
    this.rings = [];
    if (!m) {
      this.el.replaceChildren();
      this.el.style.display = "none";
      return;
    }
    this.el.style.display = "";
    const box = moleculeBox(m);
    this.el.setAttribute("viewBox", `${box.x.toFixed(3)} ${box.y.toFixed(3)} ${box.w.toFixed(3)} ${box.h.toFixed(3)}`);
    this.el.setAttribute("preserveAspectRatio", "xMidYMid meet");
    this.el.style.maxWidth = `${Math.round(box.w * MAX_PX_PER_BOND)}px`;
    this.el.style.maxHeight = `${MAX_HEIGHT}px`;
    this.el.style.aspectRatio = `${box.w.toFixed(3)} / ${box.h.toFixed(3)}`;
    const discs = s("g", { class: "xai-mol-discs" });
    const bonds = s("g", { class: "xai-mol-bonds" });
    const labels = s("g", { class: "xai-mol-labels", "font-size": FONT });
    const hits = s("g", { class: "xai-mol-hits" });
    for (let i = 0; i < m.n; i++) {
      const cx = m.xy[2 * i].toFixed(3);
      const cy = (-m.xy[2 * i + 1]).toFixed(3);
      // a disc at least as wide as the atom's label
      const r = Math.max(DISC, labelClearance(m.labels[i], 1, 0) + 0.04).toFixed(3);
      const disc = s("circle", { class: "xai-atom", cx, cy, r, "data-atom": i, "data-token": m.token[i] });
      discs.append(disc);
      this.discs.push(disc);
      if (m.labels[i]) labels.append(s("text", { class: "xai-atom-label", x: cx, y: cy, "data-atom": i, text: m.labels[i] }));
      const ring = s("circle", { class: "xai-atom-hit", cx, cy, r: (Number(r) * 1.12).toFixed(3), "data-atom": i });
      hits.append(ring);
      this.rings.push(ring);
    }
    for (const g of bondSegments(m)) {
      bonds.append(s("line", {
        x1: g.x1.toFixed(3), y1: g.y1.toFixed(3), x2: g.x2.toFixed(3), y2: g.y2.toFixed(3),
        ...(g.dashed ? { class: "xai-dashed" } : {}),
      }));
    }
    this.el.replaceChildren(discs, bonds, labels, hits);
  }

  /** Atom colours at `opacity` (null fill: the atom is left plain). */
  paint(colors: AtomColor[] | null, opacity: number): void {
    this.discs.forEach((d, i) => {
      const c = colors?.[i];
      const on = Boolean(c && c.fill);
      d.classList.toggle("xai-hidden", !on);
      if (on) {
        d.setAttribute("fill", c!.fill!);
        d.setAttribute("fill-opacity", String(Math.max(0, Math.min(1, opacity))));
      } else d.removeAttribute("fill");
    });
  }

  /** Outlines the atoms in `atoms` (the hovered one). */
  highlight(atoms: ReadonlySet<number>): void {
    this.rings.forEach((r, i) => r.classList.toggle("xai-hover", atoms.has(i)));
  }

  get molecule(): Molecule | null {
    return this.mol;
  }
}
