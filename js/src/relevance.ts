// SENNView (xaiwidgets/widgets/relevance.py; js/README.md "SENNView state"): for the shown
// sample, SENN's relevance per concept (or feature) beside the concept activations, prototypes
// of learned concepts and a stability panel. Sample selection, sorting and hovering are local;
// the kernel is asked only for samples and prototype rows that were not embedded.
import type { AnyModel } from "@anywidget/types";
import { h, putRGBA, setText } from "./lib/dom";
import { Fetcher, isStandalone } from "./lib/fetch";
import { className } from "./lib/format";
import { inputRGBA } from "./lib/heatmap";
import { nearestIn, stepIn } from "./lib/layout";
import { applyTheme } from "./lib/theme";
import { Tooltip, type TipLine } from "./lib/tooltip";
import { decodeFloat, decodeInt, decodeQuantized, type Quantized, type WireArray, type WireQuantized } from "./lib/wire";
import { barChart, fmtSigned, rowOrder } from "./views/relevance-bars";
import { addPrototypes, prototypeRow, type Prototype } from "./views/relevance-prototypes";
import { decodeStability, hasStability, stabilityCaption, stabilityChart, type Stability } from "./views/relevance-stability";
import { attach, type Handlers } from "./lib/lifecycle";
import CSS from "./relevance.css";

export interface RelevanceTraits {
  kind: "tabular" | "image";
  title: string;
  class_names: string[];
  concept_names: string[];
  learned: boolean;
  n_samples: number;
  sample: number;
  data: Record<string, unknown>;
  prototypes: Record<string, unknown>;
  stability: Record<string, unknown>;
  sort: boolean;
}

type Model = AnyModel<RelevanceTraits> & { standalone?: boolean };

export { isStandalone };

/** One explained sample. */
export interface SennSample {
  index: number;
  target: number;
  pred: number;
  prob: number;
  concepts: Float32Array;
  relevances: Float32Array;
  row: Float32Array | null; // tabular inputs
  image: { q: Uint8Array; offset: number; h: number; w: number; c: number } | null;
}

/** Splits a wire block into samples keyed by their global index. */
export function decodeSamples(block: Record<string, unknown>): SennSample[] {
  if (!block || !("index" in block)) return [];
  const index = decodeInt(block.index as WireArray);
  const target = decodeInt(block.target as WireArray);
  const pred = decodeInt(block.pred as WireArray);
  const prob = decodeFloat(block.prob as WireArray);
  const conc = decodeFloat(block.concepts as WireArray);
  const rel = decodeFloat(block.relevances as WireArray);
  const K = index.length;
  const k = K ? conc.length / K : 0;
  const inputs = block.inputs as (WireArray | WireQuantized | undefined);
  let img: Quantized | null = null;
  let rows: Float32Array | Float64Array | null = null;
  if (inputs && "lo" in inputs) img = decodeQuantized(inputs as WireQuantized);
  else if (inputs) rows = decodeFloat(inputs as WireArray);
  const F = rows && K ? rows.length / K : 0;
  return Array.from({ length: K }, (_, i) => {
    const [, hh = 1, ww = 1, cc = 1] = img?.shape ?? [];
    return {
      index: index[i], target: target[i], pred: pred[i], prob: prob[i],
      concepts: Float32Array.from(conc.subarray(i * k, (i + 1) * k)),
      relevances: Float32Array.from(rel.subarray(i * k, (i + 1) * k)),
      row: rows ? Float32Array.from(rows.subarray(i * F, (i + 1) * F)) : null,
      image: img ? { q: img.q, offset: i * img.itemSize, h: hh, w: ww, c: cc } : null,
    };
  });
}

const HINT = "hover a bar for its values";


function render({ model, el }: { model: Model; el: HTMLElement }): () => void {
  const ac = new AbortController();
  const { signal } = ac;
  const standalone = isStandalone(model);
  applyTheme(el);
  if (!el.querySelector(":scope > style[data-xai-senn]")) {
    const style = h("style", { "data-xai-senn": "1" });
    style.textContent = CSS;
    el.append(style);
  }
  const store = new Map<number, SennSample>();
  const protos = new Map<number, Prototype[]>();
  const pendingProtos = new Set<number>();
  const fetcher = new Fetcher(model);
  let stab: Stability | null = null;
  let shown: SennSample | null = null;
  let wanted = -1;
  let sorted = model.get("sort") === true;
  let hoverRow = -1;
  let problem = "";
  let tooltip: Tooltip | null = null;
  let ui: ReturnType<typeof buildUI> | null = null;

  const names = () => (model.get("concept_names") ?? []).map(String);
  const classes = () => (model.get("class_names") ?? []).map(String);
  const nSamples = () => Math.max(0, Math.floor(Number(model.get("n_samples")) || 0)) || store.size;
  const available = () => [...store.keys()].filter((i) => i < nSamples()).sort((a, b) => a - b);
  const topK = () => Number(((model.get("prototypes") ?? {}) as Record<string, unknown>).top_k) || 0;

  function addBlock(block: unknown, what: string): void {
    try {
      for (const smp of decodeSamples(block as Record<string, unknown>)) store.set(smp.index, smp);
    } catch (err) {
      problem = `could not read ${what}: ${err instanceof Error ? err.message : String(err)}`;
      console.error("xaiwidgets:", err);
      if (ui) setText(ui.status, problem);
    }
  }

  function load(): void {
    store.clear();
    protos.clear();
    problem = "";
    addBlock(model.get("data"), "`data`");
    try {
      addPrototypes(protos, model.get("prototypes") as Record<string, unknown>);
    } catch (err) {
      problem = `could not read the prototypes: ${String(err)}`;
    }
    try {
      stab = hasStability(model.get("stability")) ? decodeStability(model.get("stability")) : null;
    } catch (err) {
      stab = null;
      problem = `could not read the stability estimates: ${String(err)}`;
    }
  }

  function buildUI() {
    for (const c of [...el.children]) if (!(c instanceof HTMLStyleElement)) c.remove();
    tooltip = new Tooltip(el);
    const n = nSamples();
    const title = String(model.get("title") ?? "");
    const prev = h("button", { type: "button", class: "xai-prev", title: "previous sample", text: "◀" });
    const next = h("button", { type: "button", class: "xai-next", title: "next sample", text: "▶" });
    const num = h("input", { type: "number", class: "xai-sample", min: 0, max: Math.max(0, n - 1), step: 1, "aria-label": "sample" });
    const offline = standalone && available().length < n ? ` (offline: ${available().length} embedded)` : "";
    const info = h("span", { class: "xai-info" });
    const header = h("div", { class: "xai-header" }, [
      title ? h("h3", { class: "xai-title", text: title }) : null,
      h("div", { class: "xai-nav" }, [h("span", { text: "sample" }), prev, num, next, h("span", { text: `of ${n}${offline}` })]),
      info,
    ]);
    prev.addEventListener("click", () => step(-1), { signal });
    next.addEventListener("click", () => step(1), { signal });
    const jump = () => (num.value === "" ? syncNav() : go(Math.round(Number(num.value))));
    num.addEventListener("change", jump, { signal });
    num.addEventListener("keydown", (e) => {
      if (e.key === "Enter") jump();
    }, { signal });
    // Keys for our inputs must not reach JupyterLab's command-mode shortcuts.
    el.addEventListener("keydown", (e) => {
      const t = e.target as Element | null;
      if (t && t.closest("input, select, button")) e.stopPropagation();
    }, { signal });
    const sortBox = h("input", { type: "checkbox", class: "xai-senn-sort" });
    sortBox.checked = sorted;
    sortBox.addEventListener("change", () => {
      sorted = sortBox.checked;
      if (shown) paint(shown);
    }, { signal });
    const controls = h("div", { class: "xai-controls" }, [
      h("label", { title: "order the bars by |relevance| of the shown sample" }, [sortBox, "sort by |relevance|"]),
      h("span", { class: "xai-hint", text: HINT }),
    ]);
    const status = h("div", { class: "xai-status", role: "status", text: problem });
    const main = h("div", { class: "xai-senn-main" });
    const sections: HTMLElement[] = [];
    let protoBox: HTMLElement | null = null;
    if (model.get("learned") && (protos.size || topK())) {
      protoBox = h("div", { class: "xai-senn-protos" });
      sections.push(h("div", { class: "xai-senn-section xai-senn-prototypes" }, [
        h("h4", { text: "Prototypes: the samples that activate each concept most" }),
        protoBox,
      ]));
    }
    let stabBox: HTMLElement | null = null;
    if (stab) {
      stabBox = h("div", { class: "xai-senn-stability-chart" });
      sections.push(h("div", { class: "xai-senn-section xai-senn-stability" }, [
        h("h4", { text: "Stability of the explanation" }),
        stabBox,
        h("div", { class: "xai-hint", text: stabilityCaption(stab) }),
      ]));
    }
    el.append(header, controls, status, main, ...sections, tooltip.el);
    return { prev, next, num, info, status, main, protoBox, stabBox };
  }

  function step(dir: 1 | -1): void {
    if (standalone) go(stepIn(available(), wanted, dir));
    else go(wanted + dir);
  }

  function syncNav(): void {
    if (!ui) return;
    ui.num.value = String(wanted);
    const avail = standalone ? available() : null;
    ui.prev.disabled = avail ? stepIn(avail, wanted, -1) === wanted : wanted <= 0;
    ui.next.disabled = avail ? stepIn(avail, wanted, 1) === wanted : wanted >= nSamples() - 1;
  }

  function go(i: number): void {
    const n = nSamples();
    if (!Number.isFinite(i) || n === 0) return;
    i = Math.max(0, Math.min(n - 1, i));
    if (standalone && !store.has(i)) {
      const avail = available();
      if (!avail.length) return;
      if (wanted < 0) i = nearestIn(avail, i);
      else {
        if (ui) setText(ui.status, `sample ${i} is not in this offline page (${avail.length} embedded)`);
        syncNav();
        return;
      }
    }
    wanted = i;
    syncNav();
    const got = store.get(i);
    if (got) return paint(got);
    el.classList.add("xai-loading");
    if (ui) setText(ui.status, `loading sample ${i}…`);
    fetcher.fetch("sample", { index: i }).then((block) => {
      addBlock(block, `sample ${i}`);
      const s2 = store.get(wanted);
      if (s2 && s2 !== shown) paint(s2);
    }, (err: unknown) => {
      if (ui && wanted === i && !store.has(i)) setText(ui.status, `sample ${i}: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  function tipLines(smp: SennSample, row: number): TipLine[] {
    const nm = names()[row] ?? `concept ${row + 1}`;
    const rel = smp.relevances[row];
    const act = smp.concepts[row];
    const lines: TipLine[] = [
      nm,
      ["relevance θ", fmtSigned(rel)],
      [model.get("learned") ? "activation h" : "value h", fmtSigned(act)],
      ["contribution θ·h", fmtSigned(rel * act)],
    ];
    const list = protos.get(row);
    if (list && list.length) lines.push(["prototypes", `${list.length} shown below`]);
    return lines;
  }

  function setHover(row: number, ev?: MouseEvent): void {
    hoverRow = row;
    if (!ui) return;
    for (const g of ui.main.querySelectorAll<SVGGElement>("g.xai-senn-row")) g.classList.toggle("xai-hover", Number(g.dataset.row) === row);
    for (const r of ui.protoBox?.querySelectorAll<HTMLElement>(".xai-senn-proto-row") ?? []) r.classList.toggle("xai-hover", Number(r.dataset.row) === row);
    if (row < 0 || !shown || !ev) {
      tooltip?.hide();
      return;
    }
    tooltip?.show(ev, tipLines(shown, row));
  }

  function paint(smp: SennSample): void {
    shown = smp;
    el.classList.remove("xai-loading");
    if (!ui) return;
    setText(ui.status, problem);
    const nm = names();
    const order = rowOrder(smp.relevances, sorted);
    const parts: HTMLElement[] = [];
    if (smp.image) {
      const c = h("canvas", { class: "xai-senn-image", "aria-label": "input" });
      putRGBA(c, inputRGBA(smp.image.q, smp.image.offset, smp.image.h, smp.image.w, smp.image.c), smp.image.w, smp.image.h);
      parts.push(h("figure", { class: "xai-senn-input", style: "margin:0" }, [c, h("div", { class: "xai-caption", text: "input" })]));
    }
    const labelWidth = Math.min(190, 24 + 6.5 * Math.max(6, ...nm.map((x) => Math.min(x.length, 22))));
    const rel = barChart({ title: "relevance θ(x)", names: nm, values: smp.relevances, order, kind: "relevance", labelWidth });
    const act = barChart({ title: model.get("learned") ? "concept activation h(x)" : "feature value h(x)", names: nm, values: smp.concepts, order, kind: "activation", labels: false, signed: false });
    const charts = h("div", { class: "xai-senn-charts" }, [rel as unknown as HTMLElement, act as unknown as HTMLElement]);
    for (const g of charts.querySelectorAll<SVGGElement>("g.xai-senn-row")) {
      const row = Number(g.dataset.row);
      g.addEventListener("mousemove", (ev) => setHover(row, ev), { signal });
      g.addEventListener("mouseleave", () => setHover(-1), { signal });
    }
    parts.push(charts);
    ui.main.replaceChildren(...parts);
    const names_ = classes();
    const wrong = smp.target !== smp.pred;
    ui.info.classList.toggle("xai-wrong", wrong);
    ui.info.title = "p = the SENN's probability of the explained class";
    ui.info.replaceChildren(
      h("span", { class: "xai-target", text: `explained: ${className(names_, smp.target)}` }),
      " · ",
      h("span", { class: "xai-pred", text: `pred: ${className(names_, smp.pred)} (p=${Number.isFinite(smp.prob) ? smp.prob.toFixed(2) : "n/a"})` }),
    );
    paintPrototypes(order);
    if (ui.stabBox && stab) ui.stabBox.replaceChildren(stabilityChart(stab, smp.index) as unknown as HTMLElement);
    if (hoverRow >= 0) setHover(hoverRow);
    el.dataset.xaiReady = "1";
  }

  function paintPrototypes(order: number[]): void {
    if (!ui?.protoBox) return;
    const nm = names();
    const k = topK();
    const rows = order.map((j) => {
      const row = prototypeRow(nm[j] ?? `concept ${j + 1}`, j, protos.get(j), k, !standalone);
      row.addEventListener("mouseenter", () => setHover(j), { signal });
      row.addEventListener("mouseleave", () => setHover(-1), { signal });
      return row;
    });
    ui.protoBox.replaceChildren(...rows);
    const missing = order.filter((j) => (protos.get(j)?.length ?? 0) < k && !pendingProtos.has(j));
    if (standalone || !missing.length) return;
    for (const j of missing) {
      pendingProtos.add(j);
      fetcher.fetch("prototypes", { concept: j }).then((block) => {
        pendingProtos.delete(j);
        addPrototypes(protos, block);
        if (shown) paintPrototypes(rowOrder(shown.relevances, sorted));
      }, (err: unknown) => {
        if (ui) setText(ui.status, `prototypes: ${err instanceof Error ? err.message : String(err)}`);
      });
    }
  }

  function rebuild(): void {
    load();
    ui = buildUI();
    const start = wanted >= 0 ? wanted : Number(model.get("sample")) || 0;
    wanted = -1;
    shown = null;
    if (nSamples() === 0 || (standalone && !available().length)) {
      setText(ui.status, problem || "no samples to show");
      el.dataset.xaiReady = "1";
      return;
    }
    go(start);
  }

  const handlers: Handlers = [
    ["change:sample", () => {
      const i = Number(model.get("sample"));
      if (i !== wanted) go(i);
    }],
    ["change:sort", () => {
      sorted = model.get("sort") === true;
      const box = el.querySelector<HTMLInputElement>("input.xai-senn-sort");
      if (box) box.checked = sorted;
      if (shown) paint(shown);
    }],
    ...["data", "prototypes", "stability", "kind", "title", "class_names", "concept_names", "learned", "n_samples"].map(
      (n): [string, () => void] => [`change:${n}`, rebuild],
    ),
  ];
  return attach(model, handlers, rebuild, () => ac.abort(), () => fetcher.dispose());
}

export default { render };

