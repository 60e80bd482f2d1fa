// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import widget from "../src/comparison";
import { blockOf } from "../src/lib/block";
import { decodeState } from "../src/lib/wire";
import { getLUT, lutFor } from "../src/lib/colormap";
import { atomColors, bondSegments, labelClearance, moleculeAt, moleculeBox } from "../src/views/molecule";
import { compact, realPositions } from "../src/views/sequence";
import { decodeQuantized } from "../src/lib/wire";
import { CHLOROBENZENE, ETHANOL, FakeModel, f32, i32, moleculesWire, quantize, ramp, validMask } from "./fixtures";

const METHODS = ["Explanatory mask", "Integrated Gradients", "<b>x</b>"];
const T = 10;
const TOKENS = [
  ["C", "C", "O", "", "", "", "", "", "", ""],
  ["c", "1", "c", "c", "c", "c", "c", "1", "Cl", ""],
];
const LENGTHS = [3, 9];

/** Two SMILES samples padded to T: per method a different ramp over the real tokens only. */
function smilesBlock() {
  const K = 2;
  const attributions: Record<string, ReturnType<typeof quantize>> = {};
  METHODS.forEach((m, j) => {
    const v = ramp(K * T, (i) => {
      const k = Math.floor(i / T);
      const p = i % T;
      // padding as Python fills it: 0 (signed) or the smallest real value (unsigned)
      if (p >= LENGTHS[k]) return j === 0 ? 0.1 : 0;
      return j === 0 ? (p + 1) / 10 : (p % 2 ? -1 : 1) * (p + 1 + j);
    });
    attributions[m] = quantize([K, T], v, j !== 0);
  });
  return {
    index: i32([K], [0, 1]),
    target: i32([K], [0, 0]),
    pred: i32([K], [0, 0]),
    prob: f32([K], [1.5, -2]),
    tokens: TOKENS,
    valid: validMask(LENGTHS, T),
    molecules: moleculesWire([ETHANOL, CHLOROBENZENE]),
    attributions,
  };
}

function mount(over: Record<string, unknown> = {}) {
  const model = new FakeModel({
    kind: "sequence", task: "regression", title: "SMILES", methods: METHODS, class_names: [], feature_names: [],
    n_samples: 2, data: smilesBlock(), sample: 0, metrics: {}, colormap: "RdBu", opacity: 0.6, threshold: 0,
    overlay: true, ...over,
  });
  const el = document.createElement("div");
  document.body.appendChild(el);
  widget.render({ model: model as never, el });
  return { el, model };
}

const $$ = <T extends Element = HTMLElement>(el: Element, sel: string) => [...el.querySelectorAll(sel)] as T[];
const fills = (el: Element) => $$(el, "svg.xai-molecule")[0].querySelectorAll("circle.xai-atom");
const setControl = (el: Element, sel: string, value: string, ev = "input") => {
  const c = el.querySelector(sel) as HTMLInputElement | HTMLSelectElement;
  c.value = value;
  c.dispatchEvent(new Event(ev));
};

afterEach(() => document.body.replaceChildren());

describe("molecules drawn in the browser", () => {
  it("draws one SVG per method from the coordinates: atoms, bonds and labels as text", () => {
    const { el } = mount();
    const svgs = $$<SVGSVGElement>(el, "svg.xai-molecule");
    expect(svgs.map((s) => s.dataset.method)).toEqual(METHODS);
    for (const svg of svgs) {
      expect(svg.querySelectorAll("circle.xai-atom")).toHaveLength(3);
      expect(svg.querySelectorAll("line")).toHaveLength(2); // two single bonds
      expect([...svg.querySelectorAll("text")].map((t) => t.textContent)).toEqual(["OH"]);
    }
    expect(el.querySelector("img, script, foreignObject")).toBeNull(); // no pictures, no markup
    expect(el.querySelector(".xai-seq")!.classList.contains("xai-seq-mol")).toBe(true);
    // method names are text
    expect($$(el, ".xai-caption").map((c) => c.textContent)).toContain("<b>x</b>");
    expect(el.querySelector(".xai-seq b")).toBeNull();
  });

  it("a colormap switch recolours the atoms with the same LUT as the tokens", () => {
    const { el } = mount();
    const before = [...fills(el)].map((c) => c.getAttribute("fill"));
    expect(before.every((f) => f && f.startsWith("rgb("))).toBe(true);
    setControl(el, "select.xai-colormap", "viridis", "change");
    const after = [...fills(el)].map((c) => c.getAttribute("fill"));
    expect(after).not.toEqual(before);
    // the mask (unsigned, 0.1..0.3 over the real tokens, on a scale from 0): its top atom is
    // viridis' last entry, its first a third of the way up (code 85)
    const lut = getLUT("viridis");
    expect(after[2]).toBe(`rgb(${lut[1020]},${lut[1021]},${lut[1022]})`);
    expect(after[0]).toBe(`rgb(${lut[340]},${lut[341]},${lut[342]})`);
    // the token of that atom has the same colour (at the opacity)
    const tok = $$(el, ".xai-tokens")[0].querySelectorAll(".xai-token")[2] as HTMLElement;
    expect(tok.style.background.replace(/\s/g, "")).toContain(`${lut[1020]},${lut[1021]},${lut[1022]}`);
  });

  it("threshold hides atoms and opacity sets their alpha", () => {
    const { el } = mount();
    const svg = $$(el, "svg.xai-molecule")[1]; // Integrated Gradients: signed
    expect(svg.querySelectorAll("circle.xai-atom.xai-hidden")).toHaveLength(0);
    setControl(el, "input.xai-threshold", "0.9");
    const hidden = svg.querySelectorAll("circle.xai-atom.xai-hidden");
    expect(hidden.length).toBe(2); // only the largest |value| (the O) stays
    expect(svg.querySelector('circle.xai-atom[data-atom="2"]')!.classList.contains("xai-hidden")).toBe(false);
    // hidden tokens lose their colour too
    const toks = $$(el, ".xai-tokens")[1].querySelectorAll<HTMLElement>(".xai-token");
    expect([...toks].map((t) => t.style.background !== "")).toEqual([false, false, true]);
    setControl(el, "input.xai-threshold", "0");
    setControl(el, "input.xai-opacity", "0.25");
    expect([...svg.querySelectorAll("circle.xai-atom")].map((c) => c.getAttribute("fill-opacity"))).toEqual(["0.25", "0.25", "0.25"]);
  });

  it("hover links tokens and atoms both ways, with every method's value in the tooltip", () => {
    const { el } = mount({ sample: 1 });
    const rows = $$(el, ".xai-tokens");
    // a character (token 8, Cl) finds its atom (6) in every molecule
    const cl = rows[0].querySelector<HTMLElement>('.xai-token[data-i="8"]')!;
    cl.dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
    const rings = $$(el, "circle.xai-atom-hit.xai-hover");
    expect(rings).toHaveLength(METHODS.length);
    expect(rings.every((r) => r.getAttribute("data-atom") === "6")).toBe(true);
    let tip = el.querySelector<HTMLElement>(".xai-tooltip")!;
    expect(tip.hidden).toBe(false);
    expect(tip.textContent).toContain("token 8 Cl");
    expect(tip.textContent).toContain("atom 6 Cl");
    for (const m of METHODS) expect(tip.textContent).toContain(m);
    rows[0].dispatchEvent(new MouseEvent("mouseleave"));
    expect($$(el, ".xai-atom-hit.xai-hover")).toHaveLength(0);
    // an atom (3, token 4) finds its character in every row, and its own ring everywhere
    const atom = $$(el, "svg.xai-molecule")[2].querySelector('circle.xai-atom-hit[data-atom="3"]')!;
    atom.dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
    const hot = $$(el, ".xai-token.xai-hover");
    expect(hot).toHaveLength(METHODS.length);
    expect(hot.every((t) => t.dataset.i === "4")).toBe(true);
    expect($$(el, ".xai-atom-hit.xai-hover").map((r) => r.getAttribute("data-atom"))).toEqual(["3", "3", "3"]);
    tip = el.querySelector<HTMLElement>(".xai-tooltip")!;
    expect(tip.textContent).toContain("atom 3 C");
    $$(el, "svg.xai-molecule")[2].dispatchEvent(new MouseEvent("mouseleave"));
    expect(tip.hidden).toBe(true);
  });

  it("another sample draws another molecule; padding never shows", () => {
    const { el } = mount();
    expect($$(el, ".xai-tokens")[0].querySelectorAll(".xai-token")).toHaveLength(3);
    (el.querySelector(".xai-next") as HTMLButtonElement).click();
    const svg = $$(el, "svg.xai-molecule")[0];
    expect(svg.querySelectorAll("circle.xai-atom")).toHaveLength(7);
    expect([...svg.querySelectorAll("text")].map((t) => t.textContent)).toEqual(["Cl"]);
    // 7 bonds, 3 of them double (a second line each)
    expect(svg.querySelectorAll("line")).toHaveLength(10);
    const toks = $$(el, ".xai-tokens")[0].querySelectorAll<HTMLElement>(".xai-token");
    expect([...toks].map((t) => t.textContent)).toEqual(TOKENS[1].slice(0, 9));
  });

  it("a sample without a molecule hides the drawing", () => {
    const block = { ...smilesBlock(), molecules: moleculesWire([ETHANOL, null]) };
    const { el } = mount({ data: block, sample: 1 });
    expect($$(el, "svg.xai-molecule").every((s) => s.style.display === "none")).toBe(true);
    expect(el.querySelector(".xai-seq")!.classList.contains("xai-seq-mol")).toBe(false);
  });
});

describe("molecule geometry", () => {
  const block = blockOf(decodeState(smilesBlock()));

  it("reads sample k's atoms and bonds from the concatenated arrays", () => {
    const m = moleculeAt(block.molecules, 1)!;
    expect(m.n).toBe(7);
    expect([...m.token]).toEqual(CHLOROBENZENE.token);
    expect([...m.pairs.subarray(0, 2)]).toEqual([0, 1]);
    expect(m.labels[6]).toBe("Cl");
    expect(moleculeAt(block.molecules, 2)).toBeNull();
    expect(moleculeAt(undefined, 0)).toBeNull();
  });

  it("puts a ring's second line inside the ring, and stops bonds at labels", () => {
    const m = moleculeAt(block.molecules, 1)!;
    const segs = bondSegments(m);
    expect(segs).toHaveLength(10);
    // bond 0-1 is double: the second line is closer to the ring centre (0, 0)
    const [main, inner] = segs;
    const mid = (s: { x1: number; y1: number; x2: number; y2: number }) => Math.hypot((s.x1 + s.x2) / 2, (s.y1 + s.y2) / 2);
    expect(mid(inner)).toBeLessThan(mid(main));
    expect(Math.hypot(inner.x2 - inner.x1, inner.y2 - inner.y1)).toBeLessThan(Math.hypot(main.x2 - main.x1, main.y2 - main.y1));
    // C0-Cl: ends before the label
    const ccl = segs[segs.length - 1];
    expect(ccl.x2).toBeCloseTo(2 - Math.min(labelClearance("Cl", 1, 0), 1 / 2.5));
    expect(ccl.x2).toBeLessThan(1.65);
    expect(ccl.x1).toBeCloseTo(1);
    const box = moleculeBox(m);
    expect(box.x + box.w).toBeGreaterThan(2 + labelClearance("Cl", 1, 0));
  });

  it("colours atoms by their token's code, none below the threshold", () => {
    const m = moleculeAt(block.molecules, 0)!;
    const lut = lutFor("RdBu", true);
    const codes = [0, 128, 255];
    const c = atomColors(m, (p) => codes[p], lut, true, 0.5);
    expect(c.map((x) => x.code)).toEqual([0, 128, 255]);
    expect(c[1].fill).toBeNull();
    expect(c[0].fill).toBe(`rgb(${lut[0]},${lut[1]},${lut[2]})`);
    expect(atomColors(m, () => -1, lut, true, 0).every((x) => x.fill === null)).toBe(true);
  });
});

describe("padding", () => {
  it("real positions come from the valid mask and empty tokens", () => {
    const mask = Uint8Array.from([1, 1, 0, 0, 1, 1, 1, 0]);
    expect(realPositions(["a", "b", "", ""], 4, mask, 4, 0)).toEqual([0, 1]);
    expect(realPositions(["a", "", "c", "d"], 4, mask, 4, 1)).toEqual([0, 2]);
    expect(realPositions(["a", "", "c"], 3)).toEqual([0, 2]);
  });

  it("compact keeps the codes of the real positions only", () => {
    const a = decodeQuantized(quantize([1, 4], [1, -2, 0, 9], true));
    const c = compact(a, 0, [0, 1]);
    expect(c.itemSize).toBe(2);
    expect([...c.q]).toEqual([a.q[0], a.q[1]]);
    expect(c.lo[0]).toBe(a.lo[0]);
  });

  it("clipping and shared scales see the real tokens only", () => {
    const { el } = mount({ sample: 1 });
    const labels = (i: number) => $$(el, ".xai-seq-row")[i].querySelector(".xai-legend-labels")!.textContent;
    // IG's range over the real tokens: |v| up to 9 + 1 = 10 (position 8)
    expect(labels(1)).toContain("10");
    (el.querySelector(".xai-shared") as HTMLInputElement).checked = true;
    el.querySelector(".xai-shared")!.dispatchEvent(new Event("change"));
    expect(labels(2)).toContain("11"); // the largest range of all methods
  });
});
