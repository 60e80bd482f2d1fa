// SENNView (xaiwidgets/widgets/relevance.py; js/README.md "SENNView state"): for the shown
// sample, SENN's relevance per concept (or feature) beside the concept activations, prototypes
// of learned concepts and a stability panel. Sample selection, sorting and hovering are local;
// the kernel is asked only for samples and prototype rows that were not embedded.
import { describePicture, roving } from "./lib/a11y";
import { h, putRGBA } from "./lib/dom";
import { className } from "./lib/format";
import { inputRGBA } from "./lib/heatmap";
import { followLatest, joinLink, type Link, type LinkHost } from "./lib/link";
import { Tooltip, type TipLine } from "./lib/tooltip";
import { defineView, errorText, type ViewContext } from "./lib/view";
import { type Empty, floats, ints, isEmpty, isQuantized, type NDArray, type Quantized } from "./lib/wire";
import { barChart, clipName, fmtSigned, rowOrder } from "./views/relevance-bars";
import { addPrototypes, prototypeRow, type Prototype, type PrototypeBlock } from "./views/relevance-prototypes";
import { stabilityCaption, stabilityChart, stabilityOf, type Stability, type StabilityState } from "./views/relevance-stability";
import css from "./relevance.css";

/** `data` and the "sample" fetch, decoded: K explained samples with k concepts each. */
export interface SennBlock {
  index: NDArray; // int32 (K,)
  target: NDArray; // int32 (K,)
  pred: NDArray; // int32 (K,)
  prob: NDArray; // float32 (K,)
  concepts: NDArray; // float32 (K, k)
  relevances: NDArray; // float32 (K, k)
  /** Tabular rows float32 (K, F), or quantised unsigned images (K, H, W, C). */
  inputs?: NDArray | Quantized;
}

/** SENNView's traits, decoded (xaiwidgets/widgets/relevance.py). */
export interface RelevanceState {
  kind: "tabular" | "image";
  title: string;
  class_names: string[];
  concept_names: string[];
  learned: boolean;
  n_samples: number;
  sample: number;
  data: SennBlock | Empty;
  prototypes: PrototypeBlock | Empty;
  stability: StabilityState | Empty;
  sort: boolean;
}

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

/** Splits a decoded block into samples keyed by their global index. */
export function samplesOf(block: SennBlock | Empty | undefined): SennSample[] {
  if (isEmpty(block) || !block.index) return [];
  const index = ints(block.index);
  const target = ints(block.target);
  const pred = ints(block.pred);
  const prob = floats(block.prob);
  const conc = floats(block.concepts);
  const rel = floats(block.relevances);
  const K = index.length;
  const k = K ? conc.length / K : 0;
  const img = block.inputs && isQuantized(block.inputs) ? block.inputs : null;
  const rows = block.inputs && !isQuantized(block.inputs) ? floats(block.inputs) : null;
  const F = rows && K ? rows.length / K : 0;
  const [, hh = 1, ww = 1, cc = 1] = img?.shape ?? [];
  return Array.from({ length: K }, (_, i) => ({
    index: index[i], target: target[i], pred: pred[i], prob: prob[i],
    concepts: Float32Array.from(conc.subarray(i * k, (i + 1) * k)),
    relevances: Float32Array.from(rel.subarray(i * k, (i + 1) * k)),
    row: rows ? Float32Array.from(rows.subarray(i * F, (i + 1) * F)) : null,
    image: img ? { q: img.q, offset: i * img.itemSize, h: hh, w: ww, c: cc } : null,
  }));
}

const HINT = "hover a bar for its values; Tab to the bars, arrows move, Enter pins a concept, Escape unpins";


function render(ctx: ViewContext<RelevanceState>): void {
  const { el, signal, standalone, status } = ctx;
  const store = new Map<number, SennSample>();
  const protos = new Map<number, Prototype[]>();
  const pendingProtos = new Set<number>();
  let stab: Stability | null = null;
  let sorted = ctx.get("sort") === true;
  let hoverRow = -1;
  let pinned = -1; // a concept picked by Enter or a click: stays highlighted
  let tooltip: Tooltip | null = null;
  let ui: ReturnType<typeof buildUI> | null = null;

  const names = () => (ctx.get("concept_names") ?? []).map(String);
  const classes = () => (ctx.get("class_names") ?? []).map(String);
  const learned = () => ctx.get("learned") === true;
  const nSamples = () => Math.max(0, Math.floor(Number(ctx.get("n_samples")) || 0)) || store.size;
  const topK = () => {
    const p = ctx.get("prototypes");
    return isEmpty(p) ? 0 : Number(p.top_k) || 0;
  };

  const pager = ctx.pager<SennSample>({
    trait: "sample",
    count: nSamples,
    get: (i) => store.get(i),
    held: () => [...store.keys()].sort((a, b) => a - b),
    load: (i) => ctx.fetch<SennBlock>("sample", { index: i }).then((block) => addBlock(() => block, `sample ${i}`)),
    paint,
  });

  /** A malformed block must not take the whole view down: report it and keep the rest. */
  function addBlock(read: () => SennBlock | Empty, what: string): void {
    try {
      for (const smp of samplesOf(read())) store.set(smp.index, smp);
    } catch (err) {
      status.report(what, err);
    }
  }

  function load(): void {
    store.clear();
    protos.clear();
    status.clear();
    addBlock(() => ctx.get("data"), "`data`");
    try {
      addPrototypes(protos, ctx.get("prototypes"));
    } catch (err) {
      status.report("the prototypes", err);
    }
    try {
      const st = ctx.get("stability");
      stab = isEmpty(st) ? null : stabilityOf(st);
    } catch (err) {
      stab = null;
      status.report("the stability estimates", err);
    }
  }

  // exports (lib/export.ts): the shown sample's concepts, their activations and relevances
  ctx.exports.table("relevances", () => {
    const smp = pager.shown;
    if (!smp) return [];
    const nm = names();
    return [["sample", "concept", "activation", "relevance", "contribution"],
      ...Array.from(smp.relevances, (r, j) => [smp.index, nm[j] ?? `concept ${j}`, smp.concepts[j], r, smp.concepts[j] * r])];
  });

  function buildUI() {
    ctx.clear();
    tooltip = new Tooltip(el);
    const title = String(ctx.get("title") ?? "");
    const info = h("span", { class: "xai-info" });
    const header = h("div", { class: "xai-header" }, [
      title ? h("h3", { class: "xai-title", text: title }) : null,
      pager.nav(),
      info,
    ]);
    const sortBox = h("input", { type: "checkbox", class: "xai-senn-sort" });
    sortBox.checked = sorted;
    sortBox.addEventListener("change", () => {
      sorted = sortBox.checked;
      if (pager.shown) paint(pager.shown);
    }, { signal });
    const controls = h("div", { class: "xai-controls" }, [
      h("label", { title: "order the bars by |relevance| of the shown sample" }, [sortBox, "sort by |relevance|"]),
      h("span", { class: "xai-hint", text: HINT }),
    ]);
    status.idle();
    const main = h("div", { class: "xai-senn-main" });
    const sections: HTMLElement[] = [];
    let protoBox: HTMLElement | null = null;
    if (learned() && (protos.size || topK())) {
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
    el.append(header, controls, status.el, main, ...sections, tooltip.el);
    // the relevance bars and the prototype rows are one Tab stop each (rebuilt on every paint:
    // the items are read on each key); Enter pins a concept, Escape unpins it
    const concepts = {
      orientation: "vertical" as const,
      activate: (item: HTMLElement) => pin(Number(item.dataset.row)),
      escape: () => pin(-1),
    };
    const barNav = roving(main, { ...concepts, items: () => [...main.querySelectorAll<HTMLElement>("svg.xai-senn-relevance g.xai-senn-row")] }, signal);
    const protoNav = protoBox ? roving(protoBox, { ...concepts, items: () => [...protoBox.querySelectorAll<HTMLElement>(".xai-senn-proto-row")] }, signal) : null;
    for (const box of [main, protoBox]) {
      // a focused concept (Tab or arrows) is shown as a hovered one: linked, with its tooltip
      box?.addEventListener("focusin", (e) => {
        const t = e.target instanceof Element ? e.target.closest<HTMLElement>("[data-row][role=option]") : null;
        if (t) setHover(Number(t.dataset.row), t);
      }, { signal });
      box?.addEventListener("focusout", () => setHover(-1), { signal });
    }
    return { info, main, protoBox, stabBox, sortBox, barNav, protoNav };
  }

  /** Pins concept j (-1: none): highlighted in the charts and the prototypes until unpinned. */
  function pin(j: number): void {
    pinned = j === pinned ? -1 : j;
    if (!ui) return;
    for (const it of ui.main.querySelectorAll<HTMLElement>("svg.xai-senn-relevance g.xai-senn-row")) it.setAttribute("aria-selected", String(Number(it.dataset.row) === pinned));
    for (const it of ui.protoBox?.querySelectorAll<HTMLElement>(".xai-senn-proto-row") ?? []) it.setAttribute("aria-selected", String(Number(it.dataset.row) === pinned));
    for (const g of ui.main.querySelectorAll<SVGGElement>("g.xai-senn-row")) g.classList.toggle("xai-pinned", Number(g.dataset.row) === pinned);
    for (const r of ui.protoBox?.querySelectorAll<HTMLElement>(".xai-senn-proto-row") ?? []) r.classList.toggle("xai-pinned", Number(r.dataset.row) === pinned);
    // a pinned concept's prototypes (its top samples) become every linked view's selection
    if (pinned < 0) link?.publish(null, "the SENN concept unpinned");
    else {
      const top = protos.get(pinned) ?? [];
      if (top.length) link?.publish(top.map((p) => p.index), `SENN concept ${names()[pinned] ?? pinned} (its ${top.length} top samples)`);
    }
  }

  // ---------------------------------------------------------------- linked views (xw.link)
  let link: Link | null = null;
  /** Another view's selection: how many of its samples are here, and which prototypes. */
  function linkedSamples(positions: number[] | null, label: string): void {
    if (!positions) {
      delete el.dataset.xaiLinked;
      status.idle();
      return;
    }
    el.dataset.xaiLinked = positions.join(",");
    const chosen = new Set(positions);
    const hits: string[] = [];
    protos.forEach((list, j) => {
      const k = list.filter((p) => chosen.has(p.index)).length;
      if (k) hits.push(`${names()[j] ?? j} ${k}`);
    });
    status.say(`${label}: ${positions.length} of the ${Number(ctx.get("n_samples")) || 0} samples here` +
      (hits.length ? `; among the prototypes: ${hits.join(", ")}` : ""));
  }

  function tipLines(smp: SennSample, row: number): TipLine[] {
    const nm = names()[row] ?? `concept ${row + 1}`;
    const rel = smp.relevances[row];
    const act = smp.concepts[row];
    const lines: TipLine[] = [
      nm,
      ["relevance θ", fmtSigned(rel)],
      [learned() ? "activation h" : "value h", fmtSigned(act)],
      ["contribution θ·h", fmtSigned(rel * act)],
    ];
    const list = protos.get(row);
    if (list && list.length) lines.push(["prototypes", `${list.length} shown below`]);
    return lines;
  }

  /** A concept in words, for screen readers: its relevance, activation and contribution. It
   * starts with the bar's visible text (name and value), as a spoken label should. */
  function conceptLabel(smp: SennSample, j: number): string {
    const nm = names()[j] ?? `concept ${j + 1}`;
    const shown = clipName(nm, 22);
    const rel = smp.relevances[j];
    const act = smp.concepts[j];
    const n = protos.get(j)?.length ?? 0;
    return `${shown} ${fmtSigned(rel)} relevance θ; ${learned() ? "activation" : "value"} h ${fmtSigned(act)}; contribution θ·h ${fmtSigned(rel * act)}${n ? `; ${n} prototypes` : ""}${shown !== nm ? `; full name ${nm}` : ""}`;
  }

  function setHover(row: number, ev?: MouseEvent | Element): void {
    hoverRow = row;
    if (!ui) return;
    for (const g of ui.main.querySelectorAll<SVGGElement>("g.xai-senn-row")) g.classList.toggle("xai-hover", Number(g.dataset.row) === row);
    for (const r of ui.protoBox?.querySelectorAll<HTMLElement>(".xai-senn-proto-row") ?? []) r.classList.toggle("xai-hover", Number(r.dataset.row) === row);
    const shown = pager.shown;
    if (row < 0 || !shown || !ev) {
      tooltip?.hide();
      return;
    }
    if (ev instanceof Element) { // keyboard focus: the tooltip beside the focused item
      const r = ev.getBoundingClientRect();
      tooltip?.show({ clientX: r.right, clientY: r.top + r.height / 2 }, tipLines(shown, row));
    } else tooltip?.show(ev, tipLines(shown, row));
  }

  function paint(smp: SennSample): void {
    if (!ui) return;
    status.idle();
    const nm = names();
    const order = rowOrder(smp.relevances, sorted);
    const parts: HTMLElement[] = [];
    if (smp.image) {
      const c = h("canvas", { class: "xai-senn-image" });
      describePicture(c, `input image of sample ${smp.index}, explained class ${className(classes(), smp.target)}`);
      putRGBA(c, inputRGBA(smp.image.q, smp.image.offset, smp.image.h, smp.image.w, smp.image.c), smp.image.w, smp.image.h);
      parts.push(h("figure", { class: "xai-senn-input", style: "margin:0" }, [c, h("div", { class: "xai-caption", text: "input" })]));
    }
    const labelWidth = Math.min(190, 24 + 6.5 * Math.max(6, ...nm.map((x) => Math.min(x.length, 22))));
    const rel = barChart({ title: "relevance θ(x)", names: nm, values: smp.relevances, order, kind: "relevance", labelWidth });
    const act = barChart({ title: learned() ? "concept activation h(x)" : "feature value h(x)", names: nm, values: smp.concepts, order, kind: "activation", labels: false, signed: false });
    const charts = h("div", { class: "xai-senn-charts" }, [rel, act]);
    // the relevance chart is a list of concepts to pick (each bar's label states its numbers);
    // the activation chart beside it is a picture described by its numbers
    rel.setAttribute("role", "listbox");
    rel.setAttribute("aria-label", `relevance θ(x) of ${order.length} ${learned() ? "concepts" : "features"} for sample ${smp.index}: arrows move, Enter pins one`);
    for (const g of rel.querySelectorAll<SVGGElement>("g.xai-senn-row")) {
      const j = Number(g.dataset.row);
      g.setAttribute("role", "option");
      g.setAttribute("aria-label", conceptLabel(smp, j));
      g.setAttribute("aria-selected", String(j === pinned));
    }
    describePicture(act, `${learned() ? "concept activation" : "feature value"} h(x) of sample ${smp.index}: ${order.map((j) => `${nm[j] ?? `concept ${j + 1}`} ${fmtSigned(smp.concepts[j])}`).join(", ")}`);
    for (const g of charts.querySelectorAll<SVGGElement>("g.xai-senn-row")) {
      const row = Number(g.dataset.row);
      g.classList.toggle("xai-pinned", row === pinned);
      g.addEventListener("mousemove", (ev) => setHover(row, ev), { signal });
      g.addEventListener("mouseleave", () => setHover(-1), { signal });
      g.addEventListener("click", () => pin(row), { signal });
    }
    parts.push(charts);
    ui.main.replaceChildren(...parts);
    ui.barNav.refresh();
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
    if (ui.stabBox && stab) ui.stabBox.replaceChildren(stabilityChart(stab, smp.index));
    if (hoverRow >= 0) setHover(hoverRow);
    ctx.ready();
  }

  function paintPrototypes(order: number[]): void {
    if (!ui?.protoBox) return;
    const nm = names();
    const k = topK();
    const rows = order.map((j) => {
      const name = nm[j] ?? `concept ${j + 1}`;
      const list = protos.get(j) ?? [];
      const row = prototypeRow(name, j, list, k, !standalone);
      row.setAttribute("role", "option");
      row.setAttribute("aria-selected", String(j === pinned));
      // the visible text first (the name, and the sample numbers of rows without images)
      const ids = list.filter((p) => !p.q).map((p) => `#${p.index}`).join(" ");
      row.setAttribute("aria-label", `${name}${ids ? ` ${ids}` : ""}: ${list.length ? list.map((p) => `sample ${p.index} h ${fmtSigned(p.activation)}`).join(", ") : "prototypes not loaded"}`);
      row.classList.toggle("xai-pinned", j === pinned);
      row.addEventListener("mouseenter", () => setHover(j), { signal });
      row.addEventListener("mouseleave", () => setHover(-1), { signal });
      row.addEventListener("click", () => pin(j), { signal });
      return row;
    });
    ui.protoBox.setAttribute("role", "listbox");
    ui.protoBox.setAttribute("aria-label", "prototypes: the samples that activate each concept most; arrows move, Enter pins a concept");
    ui.protoBox.replaceChildren(...rows);
    ui.protoNav?.refresh();
    const missing = order.filter((j) => (protos.get(j)?.length ?? 0) < k && !pendingProtos.has(j));
    if (standalone || !missing.length) return;
    for (const j of missing) {
      pendingProtos.add(j);
      ctx.fetch<PrototypeBlock>("prototypes", { concept: j }).then((block) => {
        pendingProtos.delete(j);
        addPrototypes(protos, block);
        if (pager.shown) paintPrototypes(rowOrder(pager.shown.relevances, sorted));
      }, (err: unknown) => {
        status.say(`prototypes: ${errorText(err)}`);
      });
    }
  }

  function rebuild(): void {
    load();
    ui = buildUI();
    pager.restart();
  }

  ctx.on("sort", () => {
    sorted = ctx.get("sort") === true;
    if (ui) ui.sortBox.checked = sorted;
    if (pager.shown) paint(pager.shown);
  });
  ctx.on(["data", "prototypes", "stability", "kind", "title", "class_names", "concept_names", "learned", "n_samples"], rebuild);
  rebuild();
  const follow = followLatest({
    ready: (p) => standalone || store.has(p),
    load: (p) => ctx.fetch<SennBlock>("sample", { index: p }).then((block) => addBlock(() => block, `sample ${p}`)),
    show: (p) => {
      if (p !== pager.wanted) pager.go(p);
    },
    failed: (p, err) => status.report(`sample ${p}`, err),
    aborted: () => ctx.signal.aborted,
  });
  link = joinLink(ctx as unknown as LinkHost, {
    count: () => Number(ctx.get("n_samples")) || 0,
    onSelect: (positions, sel) => linkedSamples(positions, sel.label),
    // the row another view focuses (a hovered overview point): shown here when held, else
    // fetched with the view's "sample" fetch, one at a time, the latest row first
    onFocus: (p) => {
      if (p !== null && p >= 0) follow(p);
    },
  });
}

export default defineView<RelevanceState>({ name: "senn", css, render });
