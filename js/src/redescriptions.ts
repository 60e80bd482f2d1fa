// RedescriptionView view (js/README.md "RedescriptionView state"). Sorting, filtering (J / p
// sliders, text, set, a heatmap cell) and selection are local; the kernel is only asked for the
// samples (thumbnails or table rows) of a selected row that were not embedded.
import { describePicture, roving, type Roving } from "./lib/a11y";
import { getLUT, lutColor, textColorOn } from "./lib/colormap";
import { h, putRGBA, setText } from "./lib/dom";
import { inputRGBA } from "./lib/heatmap";
import { joinLink, type LinkHost } from "./lib/link";
import { Tooltip } from "./lib/tooltip";
import { defineView, errorText, type ViewContext } from "./lib/view";
import { type Empty, floats, ints, isEmpty, type NDArray, type Quantized } from "./lib/wire";
import { coverageHeatmap, type Coverage } from "./views/redescription_coverage";
import {
  foldedInto,
  groupRows,
  hasBit,
  isFolded,
  jCode,
  type Filter,
  type Part,
  PARTS,
  partCounts,
  partSamples,
  pText,
  type Rows,
  rowsOf,
  type RowsState,
  type SetFilter,
  SORT_KEYS,
  type SortKey,
  sortRows,
  visibleRows,
} from "./views/redescription_rows";
import css from "./redescriptions.css";

/** The `samples` trait and the "samples" fetch, decoded: thumbnails or table rows of K samples. */
export interface SamplesBlock {
  index: NDArray; // int32 (K,)
  images?: Quantized; // unsigned (K, H, W, C)
  cells?: string[][]; // K rows of formatted values
}

/** RedescriptionView's traits, decoded (xaiwidgets/widgets/redescriptions.py). */
export interface RedescriptionState {
  title: string;
  neurons: string[];
  attributes: string[];
  views: Record<string, string>;
  rows: RowsState | Empty;
  coverage: { values?: NDArray }; // float32 (neurons, attributes): best J per cell
  settings: { min_jaccard?: number; max_pvalue?: number; correction?: string | null };
  summary: { n_redescriptions?: number; n_neurons?: number; described?: number; shuffled_described?: number; shuffled_neurons?: number };
  sample_kind: "image" | "table" | "none";
  sample_columns: string[];
  samples: SamplesBlock | Empty;
  n_samples: number;
  n_show: number;
  selected: number;
}

/** Rows drawn at most (the filter narrows the rest down). */
export const MAX_ROWS = 400;

const SET_FILTERS: readonly SetFilter[] = ["all", "individual", "interaction"];

const PART_LABEL: Record<Part, string> = { left: "left rule only", both: "both rules", right: "right rule only" };
const PART_ORDER: Part[] = ["both", "left", "right"];


/** Thumbnails by sample index, and table rows by sample index. */
interface Thumb { q: Uint8Array; offset: number; h: number; w: number; c: number }

export function addSamples(thumbs: Map<number, Thumb>, cells: Map<number, string[]>, block: SamplesBlock | Empty | undefined): number {
  if (isEmpty(block) || !block.index) return 0;
  const index = ints(block.index);
  const img = block.images;
  if (img) {
    const [, hh, ww, cc] = img.shape;
    for (let k = 0; k < index.length; k++) thumbs.set(index[k], { q: img.q, offset: k * img.itemSize, h: hh, w: ww, c: cc ?? 1 });
  }
  const rows = block.cells;
  if (Array.isArray(rows)) {
    for (let k = 0; k < index.length; k++) cells.set(index[k], Array.isArray(rows[k]) ? rows[k].map(String) : []);
  }
  return index.length;
}

function render(ctx: ViewContext<RedescriptionState>): void {
  const { el, signal, standalone, status } = ctx;
  const thumbs = new Map<number, Thumb>();
  const cells = new Map<number, string[]>();
  const pending = new Set<number>();
  const lut = getLUT("viridis");
  let rows: Rows;
  let filter: Filter;
  // the reading order (informative first, computed in Python) until a header is clicked
  let sortKey: SortKey = "rank";
  let descending = false;
  let selected = -1;
  let grouped = true;
  const collapsed = new Set<number>(); // neurons whose group is folded
  const unfolded = new Set<number>(); // rows whose folded complement is shown
  let rowNav: Roving | null = null;
  let ui: ReturnType<typeof buildUI> | null = null;
  let coverage: Coverage | null = null;
  let tooltip: Tooltip | null = null;

  const neurons = () => (ctx.get("neurons") ?? []).map(String);
  const attributes = () => (ctx.get("attributes") ?? []).map(String);
  const settings = () => ctx.get("settings") ?? {};
  const nSamples = () => Math.max(0, Number(ctx.get("n_samples")) || 0);
  const nShow = () => Math.max(0, Number(ctx.get("n_show")) || 0);

  function floorJ(): number {
    const v = Number(settings().min_jaccard);
    return Number.isFinite(v) ? v : 0;
  }
  function ceilLog10P(): number {
    const v = Number(settings().max_pvalue);
    return Number.isFinite(v) && v > 0 ? Math.log10(v) : 0;
  }

  function load(): void {
    status.clear();
    try {
      rows = rowsOf(ctx.get("rows"));
    } catch (err) {
      rows = rowsOf({});
      status.report("the redescriptions", err);
    }
    thumbs.clear();
    cells.clear();
    try {
      addSamples(thumbs, cells, ctx.get("samples"));
    } catch (err) {
      status.report("the embedded samples", err);
    }
    filter = { minJ: floorJ(), maxLog10P: ceilLog10P(), text: "", set: "all", neuron: -1, attribute: -1 };
    const sel = Number(ctx.get("selected"));
    selected = Number.isInteger(sel) && sel >= 0 && sel < rows.count ? sel : -1;
  }

  function buildUI() {
    ctx.clear();
    tooltip = new Tooltip(el);
    const title = String(ctx.get("title") ?? "");
    const sm = ctx.get("summary") ?? {};
    const st = settings();
    const facts = [`${rows.count} redescriptions`];
    if (sm.n_neurons !== undefined) {
      // the permutation null beside the count: what chance alone gets described
      const nul = sm.shuffled_described !== undefined ? `; with activations shuffled: ${sm.shuffled_described} of ${sm.shuffled_neurons}` : "";
      facts.push(`${sm.described} of ${sm.n_neurons} neurons described (J ≥ ${floorJ()}, p ≤ ${st.max_pvalue}${st.correction ? `, ${st.correction}-adjusted` : ""})${nul}`);
    }
    const header = h("div", { class: "xai-header" }, [
      title ? h("h3", { class: "xai-title", text: title }) : null,
      h("span", { class: "xai-info xai-summary", text: facts.join(" · ") }),
    ]);
    let minLog = ceilLog10P();
    for (let i = 0; i < rows.count; i++) if (Number.isFinite(rows.log10p[i])) minLog = Math.min(minLog, rows.log10p[i]);
    minLog = Math.floor(Math.max(minLog, -300));
    const jIn = h("input", { type: "range", class: "xai-min-j", min: floorJ(), max: 1, step: 0.01, "aria-label": "minimum Jaccard" });
    jIn.value = String(filter.minJ);
    const jVal = h("span", { class: "xai-val", text: `≥ ${filter.minJ.toFixed(2)}` });
    const pIn = h("input", { type: "range", class: "xai-max-p", min: minLog, max: ceilLog10P(), step: 0.5, "aria-label": "maximum log10 p-value" });
    pIn.value = String(filter.maxLog10P);
    const pVal = h("span", { class: "xai-val", text: `≤ ${pText(filter.maxLog10P)}` });
    const text = h("input", { type: "search", class: "xai-text-filter", placeholder: "filter rules / neurons", "aria-label": "filter" });
    const setSel = h("select", { class: "xai-set", "aria-label": "set" }, SET_FILTERS.map((v) => h("option", { value: v, text: v })));
    const clear = h("button", { type: "button", class: "xai-clear", text: "clear filters", title: "show every redescription" });
    const note = h("span", { class: "xai-filter-note xai-hint", role: "status" });
    const groupBox = h("input", { type: "checkbox", class: "xai-group-by" });
    groupBox.checked = grouped;
    groupBox.addEventListener("change", () => {
      grouped = groupBox.checked;
      drawTable();
    }, { signal });
    const compBox = h("input", { type: "checkbox", class: "xai-show-complements" });
    compBox.addEventListener("change", () => {
      // every row with a complement unfolded (each can still be folded on its own)
      unfolded.clear();
      if (compBox.checked) for (let i = 0; i < rows.count; i++) if (rows.complement[i] >= 0) unfolded.add(i);
      drawTable();
    }, { signal });
    jIn.addEventListener("input", () => {
      filter.minJ = Number(jIn.value);
      setText(jVal, `≥ ${filter.minJ.toFixed(2)}`);
      drawTable();
    }, { signal });
    pIn.addEventListener("input", () => {
      filter.maxLog10P = Number(pIn.value);
      setText(pVal, `≤ ${pText(filter.maxLog10P)}`);
      drawTable();
    }, { signal });
    text.addEventListener("input", () => {
      filter.text = text.value;
      drawTable();
    }, { signal });
    setSel.addEventListener("change", () => {
      filter.set = SET_FILTERS.find((v) => v === setSel.value) ?? "all";
      drawTable();
    }, { signal });
    clear.addEventListener("click", () => {
      filter = { minJ: floorJ(), maxLog10P: ceilLog10P(), text: "", set: "all", neuron: -1, attribute: -1 };
      jIn.value = String(filter.minJ);
      pIn.value = String(filter.maxLog10P);
      setText(jVal, `≥ ${filter.minJ.toFixed(2)}`);
      setText(pVal, `≤ ${pText(filter.maxLog10P)}`);
      text.value = "";
      setSel.value = "all";
      drawTable();
    }, { signal });
    const controls = h("div", { class: "xai-controls" }, [
      h("label", { title: "show redescriptions with at least this Jaccard index" }, ["J", jIn, jVal]),
      h("label", { title: "show redescriptions with at most this p-value" }, ["p", pIn, pVal]),
      text, setSel, clear,
      h("label", { title: "gather the rules of each neuron under one header row (Enter or click folds it)" }, [groupBox, "group by neuron"]),
      h("label", { title: "a rule and its complement (not q1 ⇔ not q2: exactly the other samples) are one row; show both" }, [compBox, "show complements"]),
      note,
    ]);
    const table = h("table", { class: "xai-rd-table", role: "treegrid", "aria-label": "redescriptions: Up / Down move, Enter selects, Right / Left unfold / fold, Escape clears the selection" });
    const heads: [SortKey, string, string][] = [
      ["neuron", "neuron", "the left view's column the redescription is about"],
      ["left", "left rule", "query over the left view"],
      ["right", "right rule", "query over the right view"],
      ["jaccard", "J", "Jaccard index |E12| / |E1 ∪ E2|"],
      ["p", "p", "marginal binomial p-value P[Bin(N, |E1||E2|/N²) ≥ |E12|]"],
      ["support", "|E12|", "samples where both rules hold"],
      ["set", "set", "individual: the left rule is about the neuron alone; interaction: it combines other neurons"],
    ];
    const thead = h("thead", {}, [h("tr", {}, heads.map(([key, label, tip]) => {
      const th = h("th", { scope: "col", "data-key": key, title: tip }, [h("button", { type: "button", class: "xai-sort", text: label, "aria-label": `sort by ${label}` })]);
      th.addEventListener("click", () => {
        if (sortKey === key) descending = !descending;
        else {
          sortKey = key;
          descending = key === "jaccard" || key === "support";
        }
        drawTable();
      }, { signal });
      return th;
    }))]);
    const tbody = h("tbody");
    table.append(thead, tbody);
    // the sort buttons are one Tab stop (Left / Right move, Enter sorts)
    roving(thead, { items: () => [...thead.querySelectorAll<HTMLElement>("button.xai-sort")], orientation: "horizontal" }, signal);
    rowNav = roving(tbody, {
      items: () => [...tbody.querySelectorAll<HTMLElement>("tr.xai-group, tr[data-row]")].filter((tr) => !tr.hidden),
      orientation: "vertical",
      escape: () => select(-1),
      move: moveKey,
    }, signal);
    const wrap = h("div", { class: "xai-rd-table-wrap" }, [table]);
    const detail = h("div", { class: "xai-rd-side" });
    status.idle();
    el.append(header, controls, status.el, h("div", { class: "xai-rd-main" }, [wrap, detail]));
    let values: Float32Array | Float64Array = new Float32Array(0);
    try {
      const cov = ctx.get("coverage");
      if (!isEmpty(cov) && cov.values) values = floats(cov.values);
    } catch (err) {
      status.report("the coverage", err);
    }
    coverage = coverageHeatmap({
      values, neurons: neurons(), attributes: attributes(), lo: floorJ(), tooltip, signal,
      onPick(neuron, attribute) {
        filter.neuron = neuron;
        filter.attribute = attribute;
        drawTable();
      },
      onClear() {
        filter.neuron = -1;
        filter.attribute = -1;
        drawTable();
      },
    });
    el.append(coverage.el);
    return { table, thead, tbody, detail, note };
  }

  /** Right / Left in the table: unfold / fold a group or a complement, else go to the parent. */
  function moveKey(tr: HTMLElement, e: KeyboardEvent): HTMLElement | null | undefined {
    if (e.key !== "ArrowRight" && e.key !== "ArrowLeft" || !ui) return undefined;
    const right = e.key === "ArrowRight";
    if (tr.classList.contains("xai-group")) {
      const k = Number(tr.dataset.group);
      if (right === collapsed.has(k)) {
        if (right) collapsed.delete(k);
        else collapsed.add(k);
        drawTable();
        return null;
      }
      if (!right) return null;
      const next = tr.nextElementSibling;
      return next instanceof HTMLElement && next.dataset.row !== undefined ? next : null;
    }
    const i = Number(tr.dataset.row);
    if (tr.dataset.partner !== undefined) { // a complement row: Left goes to its partner
      return right ? null : ui.tbody.querySelector<HTMLElement>(`tr[data-row="${tr.dataset.partner}"]`);
    }
    if (tr.hasAttribute("aria-expanded")) {
      const open = tr.getAttribute("aria-expanded") === "true";
      if (right !== open) {
        toggleComplement(i);
        return null;
      }
      if (right) return tr.nextElementSibling instanceof HTMLElement ? tr.nextElementSibling : null;
    }
    if (right) return null;
    let up = tr.previousElementSibling;
    while (up && !up.classList.contains("xai-group")) up = up.previousElementSibling;
    return up instanceof HTMLElement ? up : null;
  }

  function toggleComplement(i: number): void {
    const tr = ui?.tbody.querySelector<HTMLElement>(`tr[data-row="${i}"]`);
    if (tr?.getAttribute("aria-expanded") === "true") unfolded.delete(i);
    else unfolded.add(i);
    drawTable();
  }

  // exports (lib/export.ts): the rules the table lists (filter and order as shown, no row cap)
  ctx.exports.table("rules", () => {
    const names = neurons();
    const idx = sortRows(visibleRows(rows, filter, names), rows, sortKey, descending, names);
    return [["neuron", "left rule", "right rule", "jaccard", "log10 p", "support", "left support", "right support", "set"],
      ...idx.map((i) => [names[rows.neuron[i]] ?? String(rows.neuron[i]), rows.leftRule[i], rows.rightRule[i], rows.jaccard[i],
        rows.log10p[i], rows.support[i], rows.leftSupport[i], rows.rightSupport[i], rows.interaction[i] ? "interaction" : "individual"])];
  }, () => ui?.table);

  function drawTable(): void {
    if (!ui) return;
    const names = neurons();
    const vis = visibleRows(rows, filter, names);
    const shown = new Set(vis);
    const order = sortRows(vis, rows, sortKey, descending, names);
    for (const th of ui.thead.querySelectorAll<HTMLElement>("th")) {
      const key = SORT_KEYS.find((k) => k === th.dataset.key);
      if (key === sortKey) th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    }
    // a selection the filters hide is dropped: no stale detail
    if (selected >= 0 && !shown.has(selected)) selected = -1;
    const active = document.activeElement;
    const focusKey = active instanceof HTMLElement && ui.tbody.contains(active) ? rowKey(active) : null;
    const listed = order.filter((i) => !isFolded(rows, i, shown));
    const groups = grouped ? groupRows(listed, rows) : [{ neuron: -1, rows: listed }];
    const body: HTMLTableRowElement[] = [];
    let drawn = 0;
    for (const g of groups) {
      if (drawn >= MAX_ROWS) break;
      if (grouped) {
        const open = !collapsed.has(g.neuron);
        const best = g.rows.reduce((m, i) => Math.max(m, rows.jaccard[i]), 0);
        const folded = g.rows.filter((i) => foldedInto(rows, i, shown) >= 0).length;
        const restate = g.rows.filter((i) => rows.restates[i]).length;
        const bits = [`${names[g.neuron] ?? String(g.neuron)}`, `${g.rows.length} rule${g.rows.length === 1 ? "" : "s"}`, `best J ${best.toFixed(3)}`];
        if (folded) bits.push(`${folded} with ${folded === 1 ? "its complement" : "their complements"} folded`);
        if (restate) bits.push(`${restate} only ${restate === 1 ? "restates" : "restate"} the prediction`);
        const tr = h("tr", { class: "xai-group", "data-group": g.neuron, "aria-level": 1, "aria-expanded": String(open) }, [
          h("td", { colspan: 7 }, [h("span", { class: "xai-twisty", "aria-hidden": "true", text: open ? "▾" : "▸" }), bits.join(" · ")]),
        ]);
        tr.addEventListener("click", () => {
          if (collapsed.has(g.neuron)) collapsed.delete(g.neuron);
          else collapsed.add(g.neuron);
          drawTable();
        }, { signal });
        body.push(tr);
        if (!open) continue;
      }
      for (const i of g.rows) {
        if (drawn >= MAX_ROWS) break;
        const c = foldedInto(rows, i, shown);
        const open = c >= 0 && unfolded.has(i);
        body.push(dataRow(i, grouped ? 2 : 1, c, open, -1));
        drawn++;
        if (c >= 0) {
          const tr = dataRow(c, grouped ? 3 : 2, -1, false, i);
          tr.hidden = !open;
          body.push(tr);
        }
      }
    }
    if (!vis.length) body.push(h("tr", { class: "xai-empty" }, [h("td", { colspan: 7, class: "xai-hint", text: rows.count ? "no rows match the filters" : "no redescriptions passed the miner's filters" })]));
    ui.tbody.replaceChildren(...body);
    rowNav?.refresh();
    const sel = selected >= 0 ? ui.tbody.querySelector<HTMLElement>(`tr[data-row="${selected}"]`) : null;
    const back = focusKey ? ui.tbody.querySelector<HTMLElement>(focusKey) : null;
    if (back) rowNav?.setCurrent(back, true);
    else if (sel) rowNav?.setCurrent(sel, false);
    const bits: string[] = [`${vis.length} of ${rows.count} shown`];
    const nFolded = vis.length - listed.length;
    if (nFolded) bits.push(`${nFolded} complement${nFolded === 1 ? "" : "s"} folded`);
    if (drawn >= MAX_ROWS && listed.length > MAX_ROWS) bits.push(`first ${MAX_ROWS} drawn; narrow the filter`);
    if (filter.neuron >= 0) bits.push(`neuron ${names[filter.neuron]}${filter.attribute >= 0 ? ` × ${attributes()[filter.attribute]}` : ""}`);
    if (!vis.length) bits.unshift("no rows match");
    setText(ui.note, bits.join(" · "));
    if (selected < 0) showDetail(false);
  }

  /** A selector finding the same table row after a redraw (to keep the keyboard focus). */
  function rowKey(tr: HTMLElement): string | null {
    if (tr.dataset.row !== undefined) return `tr[data-row="${tr.dataset.row}"]`;
    if (tr.dataset.group !== undefined) return `tr.xai-group[data-group="${tr.dataset.group}"]`;
    return null;
  }

  /** One redescription's row: `fold` its folded complement (-1: none), `partner` the row it is
   * the complement of (-1: a listed row). */
  function dataRow(i: number, level: number, fold: number, open: boolean, partner: number): HTMLTableRowElement {
    const names = neurons();
    const j = rows.jaccard[i];
    const code = jCode(j, floorJ());
    const jCell = h("td", { class: "xai-num xai-j", text: j.toFixed(3) });
    jCell.style.background = lutColor(lut, code);
    jCell.style.color = textColorOn(lut, code);
    const setCell = h("td", { class: "xai-set" }, [rows.interaction[i] ? "interaction" : "individual"]);
    if (rows.restates[i]) setCell.append(h("span", { class: "xai-note xai-restates-note", text: "restates the prediction", title: "the right rule tests only the model's prediction: it says which class the neuron goes with, not what in the data makes it fire" }));
    if (partner >= 0) setCell.append(h("span", { class: "xai-note", text: "complement of the row above" }));
    if (fold >= 0) {
      const tog = h("span", {
        class: "xai-fold", text: open ? "− complement" : "+ complement",
        title: `${open ? "hide" : "show"} the complement: ${rows.leftRule[fold]} ⇔ ${rows.rightRule[fold]} (J ${rows.jaccard[fold].toFixed(3)}); Right / Left on the row`,
      });
      tog.addEventListener("click", (e) => {
        e.stopPropagation();
        toggleComplement(i);
      }, { signal });
      setCell.append(tog);
    }
    const tr = h("tr", {
      "data-row": i, "aria-level": level, "aria-selected": String(i === selected),
      class: ["xai-rule-row", i === selected ? "xai-selected" : "", partner >= 0 ? "xai-complement-row" : "", rows.restates[i] ? "xai-restates" : ""].filter(Boolean).join(" "),
    }, [
      h("td", { class: "xai-neuron", text: names[rows.neuron[i]] ?? String(rows.neuron[i]) }),
      h("td", { class: "xai-rule xai-left", text: rows.leftRule[i] }),
      h("td", { class: "xai-rule xai-right", text: rows.rightRule[i] }),
      jCell,
      h("td", { class: "xai-num xai-p", text: pText(rows.log10p[i]) }),
      h("td", { class: "xai-num xai-support", text: String(rows.support[i]) }),
      setCell,
    ]);
    if (fold >= 0) tr.setAttribute("aria-expanded", String(open));
    if (partner >= 0) tr.dataset.partner = String(partner);
    tr.addEventListener("click", () => select(i), { signal });
    return tr;
  }

  function select(i: number, fromKernel = false): void {
    selected = i >= 0 && i < rows.count ? i : -1;
    if (ui) {
      if (selected >= 0 && !ui.tbody.querySelector(`tr[data-row="${selected}"]:not([hidden])`)) {
        // in a folded group or behind its complement: unfold them
        collapsed.delete(rows.neuron[selected]);
        if (rows.complement[selected] >= 0) unfolded.add(rows.complement[selected]);
        drawTable();
      }
      for (const tr of ui.tbody.querySelectorAll<HTMLElement>("tr[data-row]")) {
        const on = Number(tr.dataset.row) === selected;
        tr.classList.toggle("xai-selected", on);
        tr.setAttribute("aria-selected", String(on));
      }
      const tr = ui.tbody.querySelector<HTMLElement>(`tr[data-row="${selected}"]`);
      if (tr) rowNav?.setCurrent(tr, false);
    }
    showDetail(!fromKernel);
    // the rule's samples (both sides hold: its support) become every linked view's selection
    if (selected >= 0) {
      const names = ctx.get("neurons") ?? [];
      link.publish(partSamples(rows, selected, "both", nSamples()),
        `rule ${selected} (${names[rows.neuron[selected]] ?? rows.neuron[selected]} ⇔ ${rows.rightRule[selected]})`);
    } else if (i === -1 && !fromKernel) link.publish(null, "the rule cleared");
  }

  /** Another view's selection: which rule covers most of it. */
  function linkedSelection(positions: number[] | null, label: string): void {
    if (!positions) {
      ctx.status.idle();
      return;
    }
    let best = -1;
    let bestK = 0;
    for (let r = 0; r < rows.count; r++) {
      let k = 0;
      for (const p of positions) if (hasBit(rows.leftBits, rows.width, r, p) && hasBit(rows.rightBits, rows.width, r, p)) k++;
      if (k > bestK) [best, bestK] = [r, k];
    }
    ctx.status.say(`${label}: ${positions.length} samples here; ` + (best >= 0
      ? `rule ${best} covers most of them (${bestK} of ${positions.length})`
      : "no rule covers any of them"));
  }

  function showDetail(ask: boolean): void {
    if (!ui) return;
    const d = ui.detail;
    if (selected < 0) {
      const none = ui.tbody.querySelector("tr.xai-empty")?.textContent;
      d.replaceChildren(h("div", { class: "xai-hint xai-detail-empty", text: none || "click a row (or Enter on it) for its support sets and samples" }));
      coverage?.link(-1, []);
      return;
    }
    const i = selected;
    const names = neurons();
    const attrs = attributes();
    const counts = partCounts(rows, i);
    const total = counts.left + counts.both + counts.right || 1;
    const bar = h("div", { class: "xai-parts" });
    for (const part of PARTS) {
      const seg = h("div", { class: "xai-part-bar", "data-part": part, text: counts[part] ? String(counts[part]) : "" });
      seg.style.flex = `${counts[part]} 0 0`;
      seg.addEventListener("mousemove", (ev) => tooltip?.show(ev, [PART_LABEL[part], ["samples", String(counts[part])], ["share", `${((100 * counts[part]) / total).toFixed(1)}% of the union`]]), { signal });
      seg.addEventListener("mouseleave", () => tooltip?.hide(), { signal });
      bar.append(seg);
    }
    describePicture(bar, `support sets: ${PARTS.map((p) => `${PART_LABEL[p]} ${counts[p]} samples`).join(", ")}`);
    const legend = h("div", { class: "xai-part-legend" }, PARTS.map((p) => {
      const s = h("span", { text: `${PART_LABEL[p]} (${counts[p]})` });
      s.style.setProperty("--c", p === "left" ? "#f28e2b" : p === "both" ? "#59a14f" : "#4e79a7");
      return s;
    }));
    const used = rows.rightColumns[i] ?? [];
    const leftUsed = rows.leftColumns[i] ?? [];
    const chips = h("div", { class: "xai-chips" }, [
      ...leftUsed.map((c) => h("span", { class: "xai-chip xai-chip-left", text: names[c] ?? String(c) })),
      ...used.map((c) => h("span", { class: "xai-chip xai-chip-right", text: attrs[c] ?? String(c) })),
    ]);
    const parts = h("div", { class: "xai-samples" });
    d.replaceChildren(
      h("h4", { class: "xai-detail-title", text: `${names[rows.neuron[i]] ?? ""} · J ${rows.jaccard[i].toFixed(3)} · p ${pText(rows.log10p[i])}` }),
      h("div", { class: "xai-rd-rule xai-detail-left", text: rows.leftRule[i] }),
      h("div", { class: "xai-hint", text: "⇔" }),
      h("div", { class: "xai-rd-rule xai-detail-right", text: rows.rightRule[i] }),
      bar, legend,
      h("div", { class: "xai-hint", text: "columns involved:" }), chips,
      parts,
    );
    coverage?.link(rows.neuron[i], used);
    paintSamples();
    if (ask && !standalone) {
      const missing = wanted().filter((s) => !has(s));
      if (missing.length) request(missing);
    }
  }

  const kind = () => String(ctx.get("sample_kind") ?? "none");
  const has = (s: number) => (kind() === "image" ? thumbs.has(s) : cells.has(s));

  function wanted(): number[] {
    if (selected < 0 || kind() === "none") return [];
    const out: number[] = [];
    for (const p of PART_ORDER) out.push(...partSamples(rows, selected, p, nSamples(), nShow()));
    return out;
  }

  function paintSamples(): void {
    if (!ui || selected < 0) return;
    const box = ui.detail.querySelector(".xai-samples");
    if (!box || kind() === "none") return;
    const i = selected;
    const counts = partCounts(rows, i);
    const sections: HTMLElement[] = [];
    let missing = 0;
    for (const p of PART_ORDER) {
      const want = partSamples(rows, i, p, nSamples(), nShow());
      const sec = h("div", { class: "xai-part", "data-part": p }, [h("h5", { text: `${PART_LABEL[p]}: ${counts[p]} samples${want.length < counts[p] ? ` (first ${want.length})` : ""}` })]);
      if (!want.length) {
        sec.append(h("div", { class: "xai-hint", text: "none" }));
      } else if (kind() === "image") {
        const strip = h("div", { class: "xai-thumbs" });
        for (const s of want) {
          const t = thumbs.get(s);
          if (!t) {
            missing++;
            if (!standalone) strip.append(h("div", { class: "xai-thumb-slot", title: `sample ${s}: loading` }));
            continue;
          }
          const c = h("canvas", { class: "xai-thumb", "data-index": s, title: `sample ${s}`, role: "img", "aria-label": `sample ${s}` });
          putRGBA(c, inputRGBA(t.q, t.offset, t.h, t.w, t.c), t.w, t.h);
          strip.append(c);
        }
        sec.append(strip);
      } else {
        sec.append(sampleTable(want));
        missing += want.filter((s) => !cells.has(s)).length;
      }
      sections.push(sec);
    }
    if (standalone && missing) sections.push(h("div", { class: "xai-hint xai-offline-note", text: `(offline: ${missing} samples not embedded)` }));
    box.replaceChildren(...sections);
  }

  function sampleTable(want: number[]): HTMLElement {
    const cols = (ctx.get("sample_columns") ?? []).map(String);
    const attrs = attributes();
    const involved = (rows.rightColumns[selected] ?? []).map((c) => cols.indexOf(attrs[c] ?? "")).filter((c) => c >= 0);
    const show = involved.length ? involved : cols.map((_, j) => j).slice(0, 6);
    const table = h("table", { class: "xai-sample-rows" });
    table.append(h("tr", {}, [h("th", { text: "sample" }), ...show.map((j) => h("th", { text: cols[j] }))]));
    for (const s of want) {
      const row = cells.get(s);
      if (!row && standalone) continue;
      table.append(h("tr", { "data-index": s }, [h("td", { text: String(s) }), ...show.map((j) => h("td", { text: row ? (row[j] ?? "") : "…" }))]));
    }
    return h("div", { class: "xai-sample-scroll" }, [table]);
  }

  function request(indices: number[]): void {
    const ask = indices.filter((k) => !pending.has(k)).slice(0, 256);
    if (!ask.length) return;
    ask.forEach((k) => pending.add(k));
    ctx.fetch<SamplesBlock>("samples", { indices: ask }).then((block) => {
      ask.forEach((k) => pending.delete(k));
      try {
        addSamples(thumbs, cells, block);
      } catch (err) {
        console.error("xaiwidgets:", err);
        status.say(`could not read samples: ${errorText(err)}`);
        return;
      }
      status.idle();
      paintSamples();
    }, (err: unknown) => {
      ask.forEach((k) => pending.delete(k));
      status.say(`samples: ${errorText(err)}`);
    });
  }

  function rebuild(): void {
    load();
    // a row selected from Python behind its complement is shown unfolded
    if (selected >= 0 && rows.complement[selected] >= 0) unfolded.add(rows.complement[selected]);
    ui = buildUI();
    drawTable();
    showDetail(false);
    ctx.ready();
  }

  ctx.on("selected", () => {
    const k = Number(ctx.get("selected"));
    if (k !== selected) select(k, true);
  });
  ctx.on(["rows", "coverage", "title", "neurons", "attributes", "settings", "summary", "samples", "sample_kind", "sample_columns", "n_samples"], rebuild);
  ctx.on("n_show", () => showDetail(true));
  ctx.onCleanup(() => pending.clear());
  rebuild();
  const link = joinLink(ctx as unknown as LinkHost, {
    count: nSamples,
    onSelect: (positions, sel) => linkedSelection(positions, sel.label),
  });
}

export { SORT_KEYS };
export default defineView<RedescriptionState>({ name: "rd", css, render });
