// @vitest-environment happy-dom
// Renders every fixture pytest writes (tests/test_views_from_results.py: a view's exported state,
// the payload an offline page mounts) with its entry, and checks real content per view, so the
// Python and JS sides cannot drift. A fixture of a view without a check here fails.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import comparison from "../src/comparison";
import redescriptions from "../src/redescriptions";
import relevance from "../src/relevance";
import { createModel, decodePayload, type StandalonePayload } from "../src/standalone";
import timeline from "../src/timeline";
import tree from "../src/tree";
import { fmtSigned } from "../src/views/relevance-bars";
import { decodeState, type NDArray, type Quantized } from "../src/lib/wire";

interface Fixture extends StandalonePayload {
  view: string;
  bundle: string;
}

type Render = (props: { model: never; el: HTMLElement }) => unknown;
type Check = (el: HTMLElement, state: Record<string, unknown>) => void;

// (a path, not a URL: the test DOM replaces the URL class)
const DIR = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const files = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith(".json")).sort() : [];

// -- a 2D context that records what the views draw (happy-dom has no canvas backend) ----------

interface Drawn {
  pixels: Uint8ClampedArray | null;
  width: number;
  height: number;
  fills: number;
  /** Pixels of the canvases drawn into this one (drawImage). */
  images: Uint8ClampedArray[];
}

const drawn = new WeakMap<HTMLCanvasElement, Drawn>();

function recorder(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const rec: Drawn = drawn.get(canvas) ?? { pixels: null, width: 0, height: 0, fills: 0, images: [] };
  drawn.set(canvas, rec);
  const api: Record<string, unknown> = {
    canvas,
    createImageData: (w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }),
    putImageData: (img: ImageData) => {
      rec.pixels = Uint8ClampedArray.from(img.data);
      rec.width = img.width;
      rec.height = img.height;
    },
    fillRect: () => void rec.fills++,
    drawImage: (src: unknown) => {
      const px = src instanceof HTMLCanvasElement ? drawn.get(src)?.pixels : null;
      if (px) rec.images.push(px);
    },
    measureText: (t: string) => ({ width: 7 * String(t).length }),
  };
  // every other method is a no-op, every property settable
  return new Proxy(api, {
    get: (o, k: string) => (k in o ? o[k] : () => undefined),
    set: (o, k: string, v) => ((o[k] = v), true),
  }) as unknown as CanvasRenderingContext2D;
}

let original: typeof HTMLCanvasElement.prototype.getContext;
beforeAll(() => {
  original = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement, kind: string) {
    return kind === "2d" ? recorder(this) : null;
  } as typeof original;
});
afterAll(() => {
  HTMLCanvasElement.prototype.getContext = original;
});
afterEach(() => document.body.replaceChildren());

// -- helpers -------------------------------------------------------------------------------------

const $$ = <E extends Element = HTMLElement>(el: Element, sel: string) => [...el.querySelectorAll<E>(sel)];
const texts = (el: Element, sel: string) => $$(el, sel).map((e) => e.textContent ?? "");
const get = <T>(state: Record<string, unknown>, name: string): T => decodeState<T>(state[name]);

/** Distinct RGBA colours among the drawn pixels with alpha > 0. */
function colours(c: HTMLCanvasElement | Uint8ClampedArray | null | undefined): number {
  const px = c instanceof HTMLCanvasElement ? drawn.get(c)?.pixels : c;
  if (!px) return 0;
  const seen = new Set<number>();
  for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0) seen.add((px[i] << 24) ^ (px[i + 1] << 16) ^ (px[i + 2] << 8) ^ px[i + 3]);
  return seen.size;
}

/** Pixels with colour (not grey): an attribution's map over a grey backdrop. */
function chromatic(c: HTMLCanvasElement): number {
  const px = drawn.get(c)?.pixels;
  let n = 0;
  for (let i = 0; px && i < px.length; i += 4) if (px[i + 3] > 0 && (px[i] !== px[i + 1] || px[i + 1] !== px[i + 2])) n++;
  return n;
}

interface Block {
  index: NDArray;
  target: NDArray;
  tokens?: string[][];
  inputs?: NDArray | Quantized;
  attributions: Record<string, Quantized>;
}

/** ComparisonView (and MaskView, which draws with the same entry). */
const checkComparison: Check = (el, state) => {
  const methods = get<string[]>(state, "methods");
  const kind = String(state.kind);
  const data = get<Block>(state, "data");
  const masks = get<string[]>(state, "mask_methods") ?? [];
  expect(methods.length).toBeGreaterThan(0);
  expect(el.querySelector(".xai-title")?.textContent ?? "").toBe(String(state.title ?? ""));
  const maps = $$<HTMLCanvasElement>(el, "canvas.xai-heatmap[data-method]");
  expect(maps.map((c) => c.dataset.method)).toEqual(methods); // one per method, in order
  if (kind === "image") {
    for (const c of maps) {
      const d = drawn.get(c)!;
      expect(d?.pixels, `${c.dataset.method}: drawn`).toBeTruthy();
      expect(d.width * d.height).toBeGreaterThan(1);
      expect(colours(c), `${c.dataset.method}: not blank`).toBeGreaterThan(1);
      // a map drawn in colour over the grey input (a keep-mask shows the masked input instead)
      if (!masks.includes(c.dataset.method!)) expect(chromatic(c), `${c.dataset.method}: coloured`).toBeGreaterThan(0);
    }
    expect(colours(el.querySelector<HTMLCanvasElement>("canvas.xai-input")!)).toBeGreaterThan(1);
  } else if (kind === "tabular") {
    const F = data.inputs?.shape[1] ?? 0;
    for (const c of maps) expect(drawn.get(c)?.fills ?? 0, `${c.dataset.method}: one bar per feature`).toBeGreaterThanOrEqual(F);
  } else {
    // sequences: one card per method, its tokens the first sample's (padding dropped)
    expect($$(el, ".xai-seq-row[data-method]").map((r) => r.dataset.method)).toEqual(methods);
    const tokens = (data.tokens?.[0] ?? []).filter((t) => t !== "");
    if (tokens.length) expect(texts($$(el, ".xai-tokens")[0], ".xai-token").every((t) => tokens.includes(t))).toBe(true);
  }
  const classes = get<string[]>(state, "class_names");
  if (state.task !== "regression" && classes.length) {
    const t = data.target.data[0];
    expect(el.querySelector(".xai-info .xai-target")!.textContent).toBe(`explained: ${classes[t] ?? t}`);
  }
  const metrics = get<{ mean?: NDArray }>(state, "metrics");
  if (metrics.mean) expect($$(el, "table.xai-metrics tbody tr")).toHaveLength(metrics.mean.shape[0]);
  const extras = get<{ charts?: unknown[]; tables?: { rows?: string[][] }[] }>(state, "extras");
  expect($$(el, ".xai-extras svg.xai-lines")).toHaveLength(extras.charts?.length ?? 0);
  expect($$(el, "table.xai-stats")).toHaveLength(extras.tables?.length ?? 0);
  for (const [i, t] of (extras.tables ?? []).entries()) {
    expect(texts($$(el, "table.xai-stats")[i], "th[scope=row]")).toEqual((t.rows ?? []).map((r) => r[0]));
  }
};

/** SENNView: the bars of the shown sample are its relevances and activations. */
const checkSenn: Check = (el, state) => {
  const data = get<{ index: NDArray; relevances: NDArray; concepts: NDArray }>(state, "data");
  const k = data.relevances.shape[1];
  const shown = Number(el.querySelector<HTMLInputElement>("input.xai-sample")!.value);
  const j = Array.from(data.index.data).indexOf(shown);
  expect(j).toBeGreaterThanOrEqual(0);
  for (const [chart, values] of [["relevance", data.relevances], ["activation", data.concepts]] as const) {
    const rows = $$<SVGGElement>(el, `svg.xai-senn-${chart} g.xai-senn-row`);
    expect(rows).toHaveLength(k);
    for (const g of rows) {
      const r = Number(g.dataset.row);
      expect(g.querySelector(".xai-senn-value")!.textContent, `${chart} of concept ${r}`).toBe(fmtSigned(values.data[j * k + r]));
    }
  }
  const names = get<string[]>(state, "concept_names");
  expect(texts(el, "svg.xai-senn-relevance .xai-senn-name").sort()).toEqual(names.slice(0, k).sort());
};

/** RedescriptionView: one table row per mined redescription, with its two rules. */
const checkRedescriptions: Check = (el, state) => {
  const rows = get<{ left_rule?: string[]; right_rule?: string[] }>(state, "rows");
  const want = (rows.left_rule ?? []).map((l, i) => `${l} ⇔ ${rows.right_rule?.[i]}`).sort();
  const got = $$(el, "table.xai-rd-table tbody tr[data-row]").map((tr) => `${tr.querySelector(".xai-left")!.textContent} ⇔ ${tr.querySelector(".xai-right")!.textContent}`).sort();
  expect(want.length).toBeGreaterThan(0);
  expect(got).toEqual(want);
  expect(el.querySelector("table.xai-coverage")).not.toBeNull();
};

/** ConceptTreeView: every drawn node's bar has a segment per class its samples were given. */
const checkTree: Check = (el, state) => {
  const t = get<{ yes: NDArray; dist: NDArray }>(state, "tree");
  const M = t.yes.shape[0];
  const C = t.dist.shape[1];
  const nodes = $$<SVGGElement>(el, "svg.xai-tree g.xai-node[data-node]");
  expect(nodes.map((g) => g.dataset.node)).toContain("0");
  for (const g of nodes) {
    const i = Number(g.dataset.node);
    expect(i).toBeLessThan(M);
    const want = Array.from({ length: C }, (_, c) => c).filter((c) => t.dist.data[i * C + c] > 0).map(String);
    expect($$<SVGRectElement>(g, "rect.xai-seg").map((r) => r.dataset.class), `node ${i}`).toEqual(want);
  }
};

/** TimelineView: the concept legend and the transition graph name every concept. */
const checkTimeline: Check = (el, state) => {
  const concepts = get<{ names?: string[] }>(state, "concepts");
  const names = concepts.names ?? [];
  expect(names.length).toBeGreaterThan(0);
  expect(texts(el, ".xai-tl-legend .xai-tl-concept")).toEqual(names);
  expect($$(el, "svg.xai-tl-graph circle.xai-tl-node")).toHaveLength(names.length);
  // the hidden states of the shown sequence: one image of (units x steps) colours
  const states = drawn.get(el.querySelector<HTMLCanvasElement>("canvas.xai-tl-states")!);
  expect(states?.images.length ?? 0).toBeGreaterThan(0);
  expect(colours(states!.images[0])).toBeGreaterThan(1);
};

/** Per view (the fixture's "view"): the entry that draws it, its bundle, and what must be seen. */
const VIEWS: Record<string, { bundle: string; render: Render; check: Check }> = {
  ComparisonView: { bundle: "comparison.js", render: comparison.render as Render, check: checkComparison },
  MaskView: { bundle: "comparison.js", render: comparison.render as Render, check: checkComparison },
  SENNView: { bundle: "relevance.js", render: relevance.render as Render, check: checkSenn },
  RedescriptionView: { bundle: "redescriptions.js", render: redescriptions.render as Render, check: checkRedescriptions },
  ConceptTreeView: { bundle: "tree.js", render: tree.render as Render, check: checkTree },
  TimelineView: { bundle: "timeline.js", render: timeline.render as Render, check: checkTimeline },
};

function specOf(file: string, view: string): (typeof VIEWS)[string] {
  const spec = Object.prototype.hasOwnProperty.call(VIEWS, view) ? VIEWS[view] : undefined;
  if (!spec) throw new Error(`${file}: no check for view ${JSON.stringify(view)}: add one to VIEWS in js/test/fixtures.test.ts`);
  return spec;
}

describe("fixtures written by pytest", () => {
  it("has a check for each of the six views", () => {
    expect(Object.keys(VIEWS).sort()).toEqual(["ComparisonView", "ConceptTreeView", "MaskView", "RedescriptionView", "SENNView", "TimelineView"]);
  });

  it("refuses a fixture of a view it has no check for", () => {
    expect(() => specOf("x.json", "NoSuchView")).toThrow(/x.json: no check for view "NoSuchView"/);
  });

  it.each(files)("%s renders its view's content", (file) => {
    const fx = JSON.parse(readFileSync(join(DIR, file), "utf8")) as Fixture;
    const spec = specOf(file, fx.view);
    expect(fx.bundle).toBe(spec.bundle);
    const state = decodePayload(fx);
    const model = createModel(decodePayload(fx));
    const el = document.createElement("div");
    document.body.append(el);
    const errors: unknown[] = [];
    const log = console.error;
    console.error = (...a: unknown[]) => void errors.push(a);
    let cleanup: unknown;
    try {
      cleanup = spec.render({ model: model as never, el });
    } finally {
      console.error = log;
    }
    expect(errors, "no problem reported").toEqual([]);
    expect(el.dataset.xaiReady).toBe("1");
    expect(el.querySelector(".xai-status")?.textContent ?? "").not.toMatch(/could not|unavailable/);
    spec.check(el, state);
    if (typeof cleanup === "function") cleanup();
  });
});
