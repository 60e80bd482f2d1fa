// ConceptTreeView view (js/README.md "ConceptTreeView state"): the shell around the shared
// TreeView (views/treeview.ts). Collapse, zoom, scrolling, hover, node selection and path
// highlighting are local; the kernel is only asked for thumbnails that were not embedded.
// The view base (lib/view.ts) owns styles, cleanup, fetch and the status line; this entry wires
// the panels of tree/ together, each drawing from TreeViewState.
import { h } from "./lib/dom";
import { isStandalone } from "./lib/fetch";
import { className } from "./lib/format";
import { joinLink, type Link, type LinkHost } from "./lib/link";
import { Tooltip } from "./lib/tooltip";
import { collapsedBeyond, pathTo, revealed, samplesAt } from "./lib/treelayout";
import { defineView } from "./lib/view";
import { accuracySection, markConcept, pressConcept } from "./tree/accuracy";
import { NodeDetail } from "./tree/detail";
import { drawLegend } from "./tree/legend";
import { pct, TreeViewState, treeNodes, type Ctx, type Summary, type TreeTraits } from "./tree/state";
import CSS from "./tree/tree.css";
import { TREE_CSS, TreeView, type Orientation } from "./views/treeview";

export { addThumbs, classColor, classColors, decodeSamples, decodeTree, treeNodes, type TreeTraits } from "./tree/state";
export { isStandalone };

const ORIENTATIONS = ["auto", "top-down", "left-right"] as const;
/** The layout named `v` ("auto" for anything else). */
const orientation = (v: string): Orientation | "auto" => ORIENTATIONS.find((o) => o === v) ?? "auto";

/** Title and one line of facts from the `summary` trait. */
function header(title: string, sm: Summary): HTMLElement {
  const facts: string[] = [];
  if (sm.n !== undefined) facts.push(`${sm.n} samples`);
  if (sm.depth !== undefined) facts.push(`depth ${sm.depth}`);
  if (sm.n_leaves !== undefined) facts.push(`${sm.n_leaves} leaves`);
  if (typeof sm.merged === "number" && sm.merged > 0) facts.push(`${sm.merged} split${sm.merged > 1 ? "s" : ""} merged (same class on both sides)`);
  if (typeof sm.fidelity === "number") facts.push(`fidelity to the model ${pct(sm.fidelity)}`);
  if (typeof sm.accuracy === "number") facts.push(`accuracy ${pct(sm.accuracy)}`);
  return h("div", { class: "xai-header" }, [
    title ? h("h3", { class: "xai-title", text: title }) : null,
    h("span", { class: "xai-info xai-summary", text: facts.join(" · ") }),
  ]);
}

/** "5 nodes, 3 leaves, depth 2, fidelity 95%" (the tree's label for screen readers). */
function nodeCountText(t: TreeViewState["tree"]): string {
  const M = t.yes.length;
  let leaves = 0;
  for (let i = 0; i < M; i++) if (t.yes[i] < 0) leaves++;
  return `${M} nodes, ${leaves} leaves${M ? `, the root: ${t.count[0]} samples, fidelity ${pct(t.fidelity[0])}` : ""}`;
}

function render(ctx: Ctx): void {
  const { el, signal, standalone, status } = ctx;
  const st = new TreeViewState(ctx);
  const panel = new NodeDetail(st, (k) => selectSample(k));
  let ui: ReturnType<typeof buildUI> | null = null;
  /** Linked views (xw.link): their selection as this tree's samples (null: none). */
  let link: Link | null = null;
  let linked: number[] | null = null;

  // exports (lib/export.ts): one row per node (its test, children, prediction, counts, fidelity)
  ctx.exports.table("nodes", () => {
    const t = st.tree;
    const cn = st.classNames();
    const M = t.yes.length;
    if (!M) return [];
    const C = t.nClasses;
    const head = ["node", "test", "yes", "no", "predicts", "count", "fidelity", ...(t.accuracy ? ["accuracy"] : []),
      ...Array.from({ length: C }, (_, c) => `predicted ${className(cn, c)}`)];
    return [head, ...Array.from({ length: M }, (_, i) => [i, t.test[i] ?? "", t.yes[i], t.no[i], className(cn, t.value[i]), t.count[i],
      t.fidelity[i], ...(t.accuracy ? [t.accuracy[i]] : []), ...Array.from(t.dist.subarray(i * C, (i + 1) * C))])];
  });

  function buildUI() {
    ctx.clear();
    status.idle(); // the problem found by load(), or nothing
    const tooltip = new Tooltip(el);
    const { tree, samples } = st;
    const btn = (cls: string, text: string, tip: string) => h("button", { type: "button", class: cls, text, title: tip });
    const fit = btn("xai-fit", "reset", "zoom 100%, scrolled to the root");
    const zin = btn("xai-zoom-in", "+", "zoom in (ctrl + wheel)");
    const zout = btn("xai-zoom-out", "−", "zoom out (not below legible text)");
    const expand = btn("xai-expand", "expand all", "show every node (the view scrolls)");
    const depthIn = h("input", { type: "number", class: "xai-depth", min: 0, max: 64, step: 1, "aria-label": "collapse below depth" });
    depthIn.value = String(st.depthSetting());
    const layoutSel = h("select", { class: "xai-orientation", "aria-label": "layout" });
    for (const o of ORIENTATIONS) layoutSel.append(h("option", { value: o, text: o }));
    const want = String(ctx.get("orientation") ?? "auto");
    layoutSel.value = orientation(want);
    const sampleIn = h("input", { type: "number", class: "xai-sample", min: 0, max: Math.max(0, samples.n - 1), step: 1, placeholder: "none", "aria-label": "sample" });
    sampleIn.value = st.sample >= 0 ? String(st.sample) : "";
    const clear = btn("xai-sample-clear", "×", "clear the sample");
    const controls = h("div", { class: "xai-controls" }, [
      h("span", {}, [fit, " ", zin, " ", zout, " ", expand]),
      h("label", {}, ["collapse below depth", depthIn]),
      h("label", {}, ["layout", layoutSel]),
      h("label", { title: `highlight the path of one sample (0-${Math.max(0, samples.n - 1)}); empty: none` }, ["sample", sampleIn, clear]),
    ]);
    const hint = h("div", { class: "xai-hint", text: "click a node for its samples · ± collapses · drag or scroll to move · hover a bar for its classes · keys: arrows move, ← → fold, Enter selects, Esc clears" });
    fit.addEventListener("click", () => view.resetView(), { signal });
    zin.addEventListener("click", () => {
      view.zoom(1.25);
      zout.disabled = !view.canZoomOut;
    }, { signal });
    zout.addEventListener("click", () => {
      view.zoom(0.8);
      zout.disabled = !view.canZoomOut;
    }, { signal });
    zout.disabled = true;
    expand.addEventListener("click", () => view.expandAll(), { signal });
    depthIn.addEventListener("change", () => {
      const d = Math.max(0, Math.round(Number(depthIn.value) || 0));
      let c = collapsedBeyond(st.tree, d);
      if (st.sample >= 0) c = revealed(c, view.parents(), st.samples.leaf[st.sample]);
      view.setCollapsed(c);
    }, { signal });
    layoutSel.addEventListener("change", () => view.setOrientation(orientation(layoutSel.value)), { signal });
    sampleIn.addEventListener("change", () => {
      const raw = sampleIn.value.trim();
      selectSample(raw === "" ? -1 : Math.round(Number(raw)));
    }, { signal });
    clear.addEventListener("click", () => selectSample(-1), { signal });

    panel.bind(tooltip);
    const treeBox = h("div", { class: "xai-tree-main" });
    const legend = h("div", { class: "xai-legend-classes" });
    const side = h("div", { class: "xai-side" }, [panel.info, legend]);
    const acc = accuracySection(() => ctx.get("accuracy"), st.conceptNames(), signal, linkConcept, (j) => st.nodesTesting(j).length > 0,
      () => st.linkedConcept >= 0 && linkConcept(st.linkedConcept));
    el.append(header(ctx.get("title") ?? "", ctx.get("summary") ?? {}), controls, hint, status.el, treeBox,
      h("div", { class: "xai-tree-below" }, [panel.detail, side]), acc ?? "");
    const names = st.classNames();
    let collapsed = collapsedBeyond(tree, st.depthSetting());
    const view = new TreeView(treeBox, {
      nodes: treeNodes(tree, names),
      classNames: names,
      classColor: (c) => st.colors[c] ?? "#888888",
      orientation: orientation(layoutSel.value),
      collapsed,
      tooltip,
      onSelect: (i) => selectNode(i),
      onEscape: () => clearSelection(),
      label: `concept tree: ${nodeCountText(tree)}`,
      onHover: (i) => hoverConcept(i >= 0 ? tree.concept[i] : -1),
      segmentTip: (_i, c, v, total) => [[className(names, c), `${v} of ${total} samples here (${pct(v / total)})`], "the model's prediction"],
    }, signal);
    if (st.sample >= 0) {
      collapsed = revealed(collapsed, view.parents(), samples.leaf[st.sample]);
      view.setCollapsed(collapsed);
    }
    return { view, legend, sampleIn, acc };
  }

  // ---------------------------------------------------------------- concept links
  function linkConcept(j: number): void {
    if (!ui) return;
    st.linkedConcept = st.linkedConcept === j ? -1 : j;
    if (ui.acc) pressConcept(ui.acc, st.linkedConcept);
    const name = st.conceptNames()[j] ?? `concept ${j}`;
    const at = st.nodesTesting(j);
    if (st.linkedConcept < 0) status.idle();
    else if (!at.length) status.say(`the tree does not use ${name}: no node tests it (it splits on other concepts)`);
    else status.say(`${name}: tested at ${at.length === 1 ? "node" : "nodes"} ${at.join(", ")} (dashed outline)`);
    if (st.linkedConcept >= 0) {
      // Reveal every node testing the concept so the link is visible.
      let c = new Set(ui.view.collapsed);
      for (const i of st.nodesTesting(st.linkedConcept)) c = revealed(c, ui.view.parents(), i);
      if (c.size !== ui.view.collapsed.size) ui.view.setCollapsed(c);
    }
    decorate();
  }

  function hoverConcept(j: number): void {
    if (ui?.acc) markConcept(ui.acc, j >= 0 ? j : st.linkedConcept);
  }

  /** Selection, sample path and concept link, without redrawing. */
  function decorate(): void {
    if (!ui) return;
    ui.view.decorate({
      selected: st.selectedNode,
      path: st.sample >= 0 ? pathTo(ui.view.parents(), st.samples.leaf[st.sample]) : [],
      linked: st.linkedConcept >= 0 ? st.nodesTesting(st.linkedConcept) : [],
    });
    hoverConcept(-1);
  }

  // ---------------------------------------------------------------- node and sample
  /** Escape in the tree: no node selected, no concept linked. */
  function clearSelection(): void {
    // Escape clears the linked selection everywhere too
    if (st.selectedNode >= 0 || linked) link?.publish(null, "the selection cleared in the tree");
    if (linked) {
      linked = null;
      markLinked();
    }
    st.selectedNode = -1;
    st.linkedConcept = -1;
    if (ui?.acc) pressConcept(ui.acc, -1);
    status.idle();
    decorate();
    panel.show();
  }

  function selectNode(i: number): void {
    st.selectedNode = i;
    decorate();
    panel.show(true);
    // the node's samples become the selection of every linked view (the overview's points)
    const { tree, samples, euler } = st;
    const what = tree.yes[i] < 0 ? `tree leaf ${i} (→ ${className(st.classNames(), tree.value[i])})` : `tree node ${i} (${tree.test[i]})`;
    link?.publish(samplesAt(i, samples.leaf, euler.tin, euler.tout), what);
  }

  // ---------------------------------------------------------------- linked selection
  /** Each node's second line counts the linked selection's samples that reach it. */
  function markLinked(): void {
    if (!ui) return;
    const base = treeNodes(st.tree, st.classNames());
    let nodes = base;
    if (linked) {
      const M = st.tree.yes.length;
      const here = new Int32Array(M);
      const parents = ui.view.parents();
      for (const k of linked) for (let i = st.samples.leaf[k]; i >= 0; i = parents[i]) here[i]++;
      const meta = base.meta!.map((m, i) => `${here[i]} sel · ${m}`);
      const label = base.label!.map((l, i) => `${l}; ${here[i]} of the ${linked!.length} linked samples reach it`);
      nodes = { ...base, meta, label };
      el.dataset.xaiLinked = Array.from(here).join(",");
    } else {
      delete el.dataset.xaiLinked;
    }
    ui.view.update({ nodes, collapsed: ui.view.collapsed });
    ui.view.draw();
    decorate();
  }

  function selectSample(k: number, fromKernel = false): void {
    if (!Number.isFinite(k) || k < 0 || k >= st.samples.n) k = -1;
    st.sample = k;
    if (ui) ui.sampleIn.value = k >= 0 ? String(k) : "";
    if (k >= 0 && ui) ui.view.reveal(st.samples.leaf[k]);
    decorate();
    panel.showSample();
    panel.markSample();
    if (!fromKernel && !standalone && Number(ctx.get("selected")) !== k) st.setSelected(k);
  }

  function legend(): void {
    if (!ui) return;
    drawLegend(ui.legend, Math.max(st.tree.nClasses, 0), st.classNames(), st.colors, ctx.get("class_groups") ?? {});
  }

  function rebuild(): void {
    st.load();
    ui = buildUI();
    ui.view.draw();
    decorate();
    legend();
    panel.show();
    panel.showSample();
    if (linked) markLinked();
    ctx.ready();
  }

  ctx.on("selected", () => {
    const k = Number(ctx.get("selected"));
    if (k !== st.sample) selectSample(k, true);
  });
  ctx.on(["tree", "samples", "title", "class_names", "concept_names", "concept_values", "accuracy", "summary", "thumbs", "collapse_depth", "orientation", "class_groups"], rebuild);
  ctx.on("n_thumbnails", () => panel.show());
  ctx.onCleanup(() => panel.dispose());
  rebuild();
  link = joinLink(ctx as unknown as LinkHost, {
    count: () => st.samples.n,
    onSelect: (positions, sel) => {
      linked = positions;
      markLinked();
      if (positions) status.say(`${sel.label}: ${positions.length} of the tree's ${st.samples.n} samples; each node counts those reaching it ("sel")`);
      else status.idle();
    },
    // the row another view focuses: its path is highlighted (view-only, like a kernel change)
    onFocus: (p) => {
      if (p !== null && p >= 0 && p !== st.sample) selectSample(p, true);
    },
  });
}

export default defineView<TreeTraits>({ name: "tree", css: `${TREE_CSS}${CSS}`, render });
