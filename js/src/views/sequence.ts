// kind = "sequence": per method, the real tokens coloured by attribution with a value bar under
// each token (the position strip, one cell per real token, drawn where the token is), and, for
// SMILES, the molecule with atoms coloured alike. Methods sit side by side on a grid that fits
// the width. Padding is never shown: the block's `valid` mask (or an empty token) drops it, and
// colour ranges come from the real tokens only (Python re-quantises each sample over them; the
// sign mode, shared scale and clipping are applied here to the real tokens alone).
import { type Roving, roving } from "../lib/a11y";
import type { Molecules, Sample } from "../lib/block";
import { type LUT, lutColor, lutFor } from "../lib/colormap";
import { ctx2d, h, setText } from "../lib/dom";
import { fmt } from "../lib/format";
import { isVisible } from "../lib/heatmap";
import { evenColumns } from "../lib/layout";
import { displayAll } from "../lib/scale";
import { dequantize, type Quantized } from "../lib/wire";
import { Legend } from "./legend";
import { atomColors, type Molecule, moleculeAt, MoleculeView } from "./molecule";
import { CLIP_QUANTILE, type ModalityView, type ReadoutPart, type Settings, type ViewContext } from "./types";

const GAP = 10; // px between cards, as .xai-seq in theme.ts
const MIN_CARD = 240; // px: narrowest card
const MOL_CARD = 250; // px: narrowest card holding a molecule on wrapped rows
const MOL_ROW = 170; // px: narrowest molecule card when every method shares one row
const TEXT_ROW = 150; // px: narrowest text card when every method shares one row
const BAR = 3; // px: height of a token's value bar

interface Row {
  method: string;
  card: HTMLElement;
  caption: HTMLElement;
  tokens: HTMLElement;
  wrap: HTMLElement;
  strip: HTMLCanvasElement;
  legend: Legend;
  mol: MoleculeView;
  /** Display code per shown token (-1: hidden by the threshold or no value). */
  codes: Int16Array;
  lut: LUT | null;
}

/** Positions of sample k that are real tokens: valid in the mask and not an empty string. */
export function realPositions(words: readonly string[], T: number, valid?: Uint8Array, validSize = 0, k = 0): number[] {
  const out: number[] = [];
  for (let p = 0; p < T; p++) {
    if (valid && validSize > 0 && p < validSize && !valid[k * validSize + p]) continue;
    if (words[p] === "") continue;
    out.push(p);
  }
  return out;
}

/** Item k of `a` restricted to `positions`, as a one-item array (so ranges see real tokens only). */
export function compact(a: Quantized, k: number, positions: readonly number[]): Quantized {
  const q = new Uint8Array(positions.length);
  positions.forEach((p, j) => (q[j] = a.q[k * a.itemSize + p]));
  return { shape: [1, positions.length], q, lo: Float32Array.of(a.lo[k]), hi: Float32Array.of(a.hi[k]), signed: a.signed, itemSize: positions.length };
}

function luminance(css: string): number | null {
  const m = /rgba?\(\s*([\d.]+)[ ,]+([\d.]+)[ ,]+([\d.]+)/.exec(css);
  if (!m) return null;
  return (0.2126 * Number(m[1]) + 0.7152 * Number(m[2]) + 0.0722 * Number(m[3])) / 255;
}

export class SequenceView implements ModalityView {
  readonly el: HTMLElement;
  private rows: Row[] = [];
  private sample: Sample | null = null;
  private words: string[] = [];
  /** Shown positions (real tokens), in order. */
  private positions: number[] = [];
  private molecule: Molecule | null = null;
  private molSource: { ms: Molecules | undefined; k: number } | null = null;
  private lastHover: { pos: number; atom: number } | null = null;
  private lastWidth = -1;
  private keys: Roving;

  constructor(private ctx: ViewContext) {
    this.el = h("div", { class: "xai-seq" });
    // keyboard: every token is in one Tab stop; Left / Right move along the text, Up / Down to
    // the same token of the method above / below; the focused token reads out like a hover
    this.keys = roving(this.el, {
      items: () => [...this.el.querySelectorAll<HTMLElement>(".xai-token")],
      orientation: "grid",
      columns: () => this.positions.length,
      escape: () => this.hover(-1, -1),
    }, ctx.signal);
    this.el.addEventListener("focusin", (e) => {
      const t = e.target as HTMLElement;
      if (t.classList?.contains("xai-token")) this.hover(Number(t.dataset.i), -1, t);
    }, { signal: ctx.signal });
    this.el.addEventListener("focusout", (e) => {
      if (!this.el.contains(e.relatedTarget as Node | null)) this.hover(-1, -1);
    }, { signal: ctx.signal });
    for (const method of ctx.methods) {
      const caption = h("div", { class: "xai-caption", text: method, title: method });
      const legend = new Legend();
      const tokens = h("div", { class: "xai-tokens", "data-method": method, role: "group", "aria-label": `${method}: tokens coloured by attribution (arrow keys read each token's values)` });
      const strip = h("canvas", { class: "xai-heatmap xai-strip", "data-method": method, width: 1, height: 1 });
      const wrap = h("div", { class: "xai-tokens-wrap" }, [tokens, strip]);
      const mol = new MoleculeView(method, { hover: (atom) => this.hoverAtom(atom) }, ctx.signal);
      mol.setMolecule(null);
      const card = h("div", { class: "xai-seq-row", "data-method": method }, [
        h("div", { class: "xai-seq-head" }, [caption, legend.el]),
      ]);
      card.append(mol.el, wrap);
      this.el.appendChild(card);
      this.rows.push({ method, card, caption, tokens, wrap, strip, legend, mol, codes: new Int16Array(0), lut: null });
      // One delegated listener per row: token spans are rebuilt for every sample.
      tokens.addEventListener("mouseover", (ev) => {
        const t = (ev.target as HTMLElement).closest?.("[data-i]") as HTMLElement | null;
        if (t) this.hoverToken(Number(t.dataset.i));
      }, { signal: ctx.signal });
      tokens.addEventListener("mouseleave", () => this.hoverToken(-1), { signal: ctx.signal });
    }
    if (typeof ResizeObserver !== "undefined") {
      const ro = new ResizeObserver(() => this.layout());
      ro.observe(this.el);
      ctx.signal.addEventListener("abort", () => ro.disconnect());
    }
  }

  draw(sample: Sample, st: Settings): void {
    this.sample = sample;
    const { block, k } = sample;
    const given = block.tokens?.[k] ?? [];
    const first = block.attributions.values().next().value;
    const T = first ? first.itemSize : given.length;
    this.words = Array.from({ length: T }, (_, i) => (i < given.length ? given[i] : `#${i}`));
    this.positions = realPositions(this.words, T, block.valid, block.validSize, k);
    const P = this.positions;
    const items = this.rows.map((r) => {
      const a = block.attributions.get(r.method);
      return a && a.itemSize >= T ? compact(a, k, P) : undefined;
    });
    const shown = displayAll(items, 0, { sign: st.sign, clip: st.clip ? CLIP_QUANTILE : 1 }, st.shared);

    // the molecule is rebuilt only for another sample; colours follow every setting
    if (!this.molSource || this.molSource.ms !== block.molecules || this.molSource.k !== k) {
      this.molSource = { ms: block.molecules, k };
      this.molecule = moleculeAt(block.molecules, k);
      for (const r of this.rows) r.mol.setMolecule(this.molecule);
    }
    this.el.classList.toggle("xai-seq-mol", this.molecule !== null);
    const dark = (luminance(getComputedStyle(this.el).color) ?? 0) > 0.5;
    const slot = new Map<number, number>();
    P.forEach((p, j) => slot.set(p, j));

    // the keyboard stays on the same token of the same method across redraws
    const before = this.keys.current();
    const at = before ? [...this.el.querySelectorAll(".xai-token")].indexOf(before) : -1;
    const hadFocus = before !== null && before === document.activeElement;
    this.rows.forEach((r, m) => {
      const d = shown[m];
      setText(r.caption, d ? r.method : `${r.method} (n/a)`);
      r.lut = d ? lutFor(st.colormap, d.signed) : null;
      r.codes = new Int16Array(P.length).fill(-1);
      const spans = P.map((p, j) => {
        const span = h("span", { class: "xai-token", text: this.words[p], "data-i": p });
        if (d && r.lut) {
          const q = d.q[j];
          if (isVisible(q, d.signed, st.threshold)) {
            r.codes[j] = q;
            span.style.background = lutColor(r.lut, q, st.opacity);
            if (st.opacity >= 0.5) span.style.color = textOn(r.lut, q, st.opacity, dark);
          }
        }
        return span;
      });
      r.tokens.replaceChildren(...spans);
      if (this.molecule && d && r.lut) {
        const codeOf = (p: number) => {
          const j = slot.get(p);
          return j === undefined ? -1 : d.q[j];
        };
        r.mol.paint(atomColors(this.molecule, codeOf, r.lut, d.signed, st.threshold), st.opacity);
      } else r.mol.paint(null, st.opacity);
      if (d && r.lut) {
        r.legend.el.hidden = false;
        r.legend.update(r.lut, d.lo, d.hi, d.signed, st.threshold, d.clipped);
      } else r.legend.el.hidden = true;
    });
    const spans = [...this.el.querySelectorAll<HTMLElement>(".xai-token")];
    this.keys.setCurrent(spans[at] ?? spans[0] ?? null, hadFocus);
    this.keys.refresh();
    this.lastWidth = -1;
    this.layout();
    // a read-out on screen follows the new sample / settings instead of going stale
    if (this.lastHover) {
      if (this.lastHover.atom >= 0) this.hoverAtom(this.lastHover.atom);
      else this.hoverToken(this.lastHover.pos);
    }
  }

  /** Cards on an even grid that fits the width, then every token's value bar. */
  layout(): void {
    const width = this.el.getBoundingClientRect().width;
    if (width > 0 && width !== this.lastWidth) {
      this.lastWidth = width;
      let card = this.molecule ? MOL_CARD : MIN_CARD;
      let rowCard = MOL_ROW;
      if (!this.molecule && this.rows.length) {
        // text: a card as wide as its line of tokens, so short snippets sit side by side
        const spans = [...this.rows[0].tokens.children] as HTMLElement[];
        const natural = spans.reduce((w, s) => w + s.offsetWidth + 2, 0) + 20;
        card = Math.min(width, Math.max(MIN_CARD, natural));
        rowCard = Math.max(TEXT_ROW, natural);
      }
      // every method on one row when each card keeps its room; else full rows (stacked
      // cards read well: the same token sits at the same place in every method)
      const n = this.rows.length;
      const share = Math.floor((width - (n - 1) * GAP) / Math.max(1, n));
      const cols = share >= rowCard ? n : evenColumns(n, card, GAP, width, true);
      this.el.style.setProperty("--xai-seq-cols", String(cols));
      this.el.dataset.columns = String(cols);
    }
    for (const r of this.rows) this.drawStrip(r);
  }

  /** The strip: under each shown token a bar of its colour, at full opacity (aligned 1:1). */
  private drawStrip(r: Row): void {
    const W = r.wrap.clientWidth;
    const H = r.wrap.clientHeight;
    const dpr = (typeof window !== "undefined" && window.devicePixelRatio) || 1;
    const cw = Math.max(1, Math.round(W * dpr));
    const ch = Math.max(1, Math.round(H * dpr));
    if (r.strip.width !== cw) r.strip.width = cw;
    if (r.strip.height !== ch) r.strip.height = ch;
    const g = ctx2d(r.strip);
    if (!g) return;
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.clearRect(0, 0, cw, ch);
    if (!W || !H || !r.lut) return;
    g.scale(dpr, dpr);
    // the wrap is the tokens' offsetParent (position: relative): offsets are in its box
    const spans = r.tokens.children;
    for (let j = 0; j < spans.length && j < r.codes.length; j++) {
      const q = r.codes[j];
      if (q < 0) continue;
      const s = spans[j] as HTMLElement;
      g.fillStyle = lutColor(r.lut, q, 1);
      g.fillRect(s.offsetLeft, s.offsetTop + s.offsetHeight - BAR, s.offsetWidth, BAR);
    }
  }

  hoverToken(pos: number): void {
    this.hover(pos, -1);
  }

  /** Atom i of the molecule: it and its token light up everywhere. */
  hoverAtom(atom: number): void {
    const m = this.molecule;
    if (!m || atom < 0 || atom >= m.n) return this.hover(-1, -1);
    this.hover(m.token[atom], atom);
  }

  private hover(pos: number, atom: number, anchor?: Element): void {
    const s = this.sample;
    const show = s !== null && pos >= 0 && this.positions.includes(pos);
    this.lastHover = show ? { pos, atom } : null;
    for (const r of this.rows) {
      for (const el of r.tokens.children) el.classList.toggle("xai-hover", show && Number((el as HTMLElement).dataset.i) === pos);
    }
    const m = this.molecule;
    const atoms = new Set<number>();
    if (show && m) for (let i = 0; i < m.n; i++) if (m.token[i] === pos) atoms.add(i);
    for (const r of this.rows) r.mol.highlight(atoms);
    if (!show) return this.ctx.hover(null);
    const { block, k } = s;
    const parts: ReadoutPart[] = [[`token ${pos}`, this.words[pos]]];
    if (m && atoms.size) {
      const i = atom >= 0 ? atom : [...atoms][0];
      parts.push([`atom ${i}`, m.labels[i] || "C"]);
    }
    for (const r of this.rows) {
      const a = block.attributions.get(r.method);
      parts.push([r.method, a && pos < a.itemSize ? fmt(dequantize(a, k, pos)) : "n/a"]);
    }
    this.ctx.hover(parts, anchor);
  }
}

/** Black or white text on LUT entry q drawn at `alpha` over the page (light or dark). */
function textOn(lut: LUT, q: number, alpha: number, dark: boolean): string {
  const j = Math.max(0, Math.min(255, Math.round(q))) * 4;
  const page = dark ? 24 : 255;
  const mix = (c: number) => (c * alpha + page * (1 - alpha)) / 255;
  const lum = 0.2126 * mix(lut[j]) + 0.7152 * mix(lut[j + 1]) + 0.0722 * mix(lut[j + 2]);
  return lum < 0.5 ? "#fff" : "#000";
}

