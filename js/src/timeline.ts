// TimelineView view (MEME; docs/methods/meme.md "TimelineView state"). One sequence at a
// time on canvases (level of detail: one summary per pixel column, no DOM node per step):
// inputs, concept band, RNN and extracted outputs, disagreements, hidden-state heatmap. Zoom,
// hover, brushing, unit selection, the transition graph and trees run in the browser; the kernel
// is asked only for sequences that were not embedded and for matches of a brushed range.
// The view base (lib/view.ts) owns styles, cleanup, fetch and the status line; this entry wires
// the panels of timeline/ together, each drawing from TimelineState.
import { roving, type Roving } from "./lib/a11y";
import { h } from "./lib/dom";
import { className } from "./lib/format";
import { Tooltip } from "./lib/tooltip";
import { defineView } from "./lib/view";
import { TimelineCanvas } from "./timeline/canvas";
import { drawGraph, transitionGraph } from "./timeline/graph";
import { stepIn } from "./lib/layout";
import { followLatest, joinLink, type Link, type LinkHost, packedRows } from "./lib/link";
import { asBytes, type Bytes } from "./lib/wire";
import { drawLegend } from "./timeline/legend";
import { setTrait, TimelineState, toSequence, type Ctx, type SequenceBlock, type SequenceData, type TimelineTraits } from "./timeline/state";
import { Controls, header } from "./timeline/summary";
import CSS from "./timeline/timeline.css";
import { TransitionTrees } from "./timeline/trees";
import { UnitSearch } from "./timeline/units";
import { TREE_CSS } from "./views/treeview";

export { classColor, decodeSequence, type SequenceData, type TimelineTraits, type TreeState } from "./timeline/state";

interface UI {
  controls: Controls;
  canvas: TimelineCanvas;
  units: UnitSearch;
  trees: TransitionTrees;
  legend: HTMLElement;
  detail: HTMLElement;
  graph: SVGSVGElement;
  tooltip: Tooltip;
  graphNav: Roving;
  legendNav: Roving;
}

/** The items of a roving group inside an SVG (typed as the group wants them). */
const svgItems = (root: Element, sel: string): HTMLElement[] =>
  [...root.querySelectorAll(sel)].sort((a, b) => Number(a.getAttribute("data-order")) - Number(b.getAttribute("data-order"))) as unknown as HTMLElement[];

/** Redraws a roving group's items with `draw`, keeping keyboard focus on the same item. */
function keepFocus(box: Element, nav: Roving, key: string, draw: () => void): void {
  const active = box.ownerDocument.activeElement;
  const was = active && box.contains(active) ? active.getAttribute(key) : null;
  draw();
  const again = was !== null ? box.querySelector(`[${key}="${was}"]`) : null;
  if (again) nav.setCurrent(again as HTMLElement, true);
  else nav.refresh();
}

function render(ctx: Ctx): void {
  const started = typeof performance !== "undefined" ? performance.now() : 0;
  const { el, signal, standalone, status } = ctx;
  const st = new TimelineState(ctx);
  let painted = false;
  let ui: UI | null = null;
  let writing = -1; // the index select() is writing back: its change event is an echo, not a request

  // exports (lib/export.ts): the concepts (name, majority class, share, purity, colour); the
  // figure is the main column (timeline, overview, legend, hidden states)
  ctx.exports.table("concepts", () => {
    const c = st.concepts;
    const cn = st.classes();
    return c.k ? [["concept", "majority class", "share", "purity", "colour"],
      ...c.names.map((n, j) => [n, className(cn, c.majority[j]), c.share[j], c.purity[j], c.colors[j] ?? ""])] : [];
  });
  ctx.exports.figure(() => el.querySelector(".xai-tl-main"));

  // ---------------------------------------------------------------- layout
  function buildUI(): UI {
    ctx.clear();
    status.idle(); // the problem found by load(), or nothing
    const tooltip = new Tooltip(el);
    const controls = new Controls(st.lengths.length, st.threshold(), status, signal, {
      select: (i) => select(i),
      current: () => st.seq?.index ?? 0,
      // with a linked selection (xw.link), prev / next step through its sequences
      step: (from, dir) => (linkedSeqs?.length ? stepIn(linkedSeqs, from, dir) : from + dir),
      reset: () => ui?.canvas.zoomTo(0, st.seq?.length ?? 1),
      threshold: (v) => {
        setTrait(ctx, "threshold", v);
        ui?.units.update();
      },
    });
    const canvas = new TimelineCanvas(st, tooltip, { pin, brushed: () => ui?.units.update(), clear: unpin });
    const units = new UnitSearch(st, { changed: () => ui?.canvas.drawHeat(), open: (i, range) => select(i, range) });
    const legend = h("div", { class: "xai-tl-legend" });
    const mainCol = h("div", { class: "xai-tl-main" }, [
      canvas.mainWrap, canvas.ovWrap, canvas.range, legend,
      h("div", { class: "xai-tl-caption", text: "hidden states (units ordered by the concept centroids; blue low, red high)" }),
      canvas.heatWrap,
    ]);
    const detail = h("div", { class: "xai-tl-detail", "aria-live": "polite" });
    const graph = transitionGraph();
    // SVG items have no click(): Enter / Space dispatch one
    const activate = (it: Element) => {
      it.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    };
    const clear = () => highlightConcept(-1);
    const graphNav = roving(graph as unknown as HTMLElement, {
      items: () => svgItems(graph, "[data-order]"), orientation: "both", activate, escape: clear,
    }, signal);
    const legendNav = roving(legend, {
      items: () => [...legend.querySelectorAll<HTMLElement>(".xai-tl-concept")], orientation: "both", activate, escape: clear,
    }, signal);
    const treeBox = h("div", { class: "xai-tl-tree" });
    const graphCaption = h("div", { class: "xai-tl-caption", text: "concept transitions (click a concept or an arrow for its tree; keys: arrows, Enter)" });
    const side = h("div", { class: "xai-tl-side" }, [detail, units.units, units.matches, graphCaption, graph, treeBox]);
    el.append(header(ctx.get("title") ?? "", st.summary(), st.concepts.k), controls.el, status.el, h("div", { class: "xai-tl-grid" }, [mainCol, side]));
    return { controls, canvas, units, trees: new TransitionTrees(treeBox, tooltip, signal), legend, detail, graph, tooltip, graphNav, legendNav };
  }

  // ---------------------------------------------------------------- concepts: legend, graph, trees
  function showTree(source: number, leaf: number, to = -1): void {
    ui?.trees.show(st.trees, st.concepts, source, leaf, to);
  }

  function legend(): void {
    const u = ui;
    if (u) keepFocus(u.legend, u.legendNav, "data-concept", () => drawLegend(u.legend, st.concepts, st.classes(), st.highlight, signal, (j) => highlightConcept(st.highlight === j ? -1 : j)));
  }

  function graph(): void {
    const u = ui;
    if (!u) return;
    keepFocus(u.graph, u.graphNav, "data-order", () => drawGraph(u.graph, {
      concepts: st.concepts, classes: st.classes(), highlight: st.highlight, tooltip: u.tooltip, signal,
      onNode: (j) => highlightConcept(st.highlight === j ? -1 : j),
      onEdge: (a, b) => {
        st.highlight = a;
        legend();
        graph();
        ui?.canvas.drawMain();
        showTree(a, -1, b);
        linkSequences("_transition_seqs", a * st.concepts.names.length + b, `MEME transition ${st.concepts.names[a]} → ${st.concepts.names[b]}`);
      },
    }));
  }

  function highlightConcept(j: number): void {
    st.highlight = j;
    legend();
    graph();
    ui?.canvas.drawMain();
    if (j >= 0) showTree(j, -1);
    linkSequences("_concept_seqs", j, `MEME concept ${st.concepts.names[j] ?? j}`);
  }

  // ---------------------------------------------------------------- linked views (xw.link)
  let link: Link | null = null;
  let linkedSeqs: number[] | null = null;
  /** The sequences holding concept / transition `row` become every linked view's selection. */
  function linkSequences(trait: "_concept_seqs" | "_transition_seqs", row: number, label: string): void {
    if (!link) return;
    if (row < 0) return link.publish(null, "the MEME concept cleared");
    const raw = (ctx.model.get(trait) ?? null) as Bytes | null;
    const bits = raw ? asBytes(raw) : new Uint8Array(0);
    if (!bits.length) {
      status.say(`${label}: this view was not sent which sequences hold it (too many concepts for the page)`);
      return;
    }
    link.publish(packedRows(bits, row, st.lengths.length), label);
  }
  /** Another view's selection: the sequences it holds, listed (a number in the box shows one). */
  function linkedSequences(positions: number[] | null, label: string): void {
    linkedSeqs = positions;
    if (!positions) {
      delete el.dataset.xaiLinked;
      status.idle();
      return;
    }
    el.dataset.xaiLinked = positions.join(",");
    const some = positions.slice(0, 12).join(", ") + (positions.length > 12 ? ", …" : "");
    status.say(`${label}: ${positions.length} of the ${st.lengths.length} sequences${positions.length ? ` (${some}); ‹ › step through them` : ""}`);
  }

  /** Step `t` of the shown sequence: its concept, outputs and rule, and its tree. */
  function pin(t: number): void {
    const seq = st.seq;
    if (!ui || !seq) return;
    st.pinned = t;
    const cn = st.classes();
    ui.detail.replaceChildren(
      h("b", { text: `step ${t}: ${st.concepts.names[seq.concept[t]] ?? "?"}` }),
      h("div", { text: `RNN → ${className(cn, seq.rnn[t])} · extracted → ${className(cn, seq.output[t])}` }),
      h("div", { class: "xai-tl-rule", text: st.ruleOf(t) }),
    );
    const src = t === 0 ? -1 : seq.concept[t - 1];
    if (t > 0 || String(st.summary().start) === "tree") showTree(src, seq.leaf[t]);
    ui.canvas.drawMain();
  }

  /** Forgets the selected step (Escape on the timeline). */
  function unpin(): void {
    if (!ui) return;
    st.pinned = -1;
    ui.detail.replaceChildren(h("span", { class: "xai-hint", text: "click a step (or press Enter on the timeline) to see the rule that chose its concept" }));
    ui.canvas.drawMain();
  }

  // ---------------------------------------------------------------- sequences
  function show(d: SequenceData, range?: [number, number]): void {
    st.seq = d;
    st.brush = range ? [range[0], range[1]] : null;
    st.pinned = -1;
    st.cursor = -1;
    if (range) {
      const pad = Math.max(5, Math.round((range[1] - range[0]) * 2));
      st.view = { v0: Math.max(0, range[0] - pad), v1: Math.min(d.length, range[1] + pad) };
    } else st.view = { v0: 0, v1: d.length };
    if (!ui) return;
    ui.controls.showSequence(d, st.classes());
    ui.detail.replaceChildren(h("span", { class: "xai-hint", text: "click a step (or press Enter on the timeline) to see the rule that chose its concept" }));
    ui.canvas.drawAll();
    ui.units.update();
  }

  /** Shows sequence i; `quiet`: a linked view's focus, followed in the browser only (the
   * `index` trait is not written back). */
  function select(i: number, range?: [number, number], quiet = false): void {
    const { lengths, cache } = st;
    if (!Number.isFinite(i) || !lengths.length) return;
    i = Math.max(0, Math.min(lengths.length - 1, i));
    const have = cache.get(i);
    if (!quiet && !standalone && Number(ctx.get("index")) !== i) {
      writing = i;
      try {
        setTrait(ctx, "index", i);
      } finally {
        writing = -1;
      }
    }
    if (have) return show(have, range);
    if (standalone) {
      status.say(`sequence ${i} is not embedded in this page (offline: ${cache.size} of ${lengths.length} embedded)`);
      if (ui) ui.controls.input.value = String(st.seq?.index ?? 0);
      return;
    }
    status.say(`loading sequence ${i}…`);
    ctx.fetch<SequenceBlock>("sequence", { index: i }).then((block) => {
      const d = toSequence(block);
      cache.set(d.index, d);
      show(d, range);
    }, (err: unknown) => {
      status.say(`sequence ${i}: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  function rebuild(): void {
    st.load();
    const built = buildUI();
    ui = built;
    legend();
    graph();
    const want = Number(ctx.get("index")) || 0;
    const first = st.cache.get(want) ?? st.cache.values().next().value;
    if (first) show(first);
    if (!painted) {
      painted = true;
      if (typeof performance !== "undefined") el.dataset.xaiPaintMs = (performance.now() - started).toFixed(1);
    }
    ctx.ready();
    if (typeof ResizeObserver !== "undefined") {
      let lastW = 0;
      const ro = new ResizeObserver(() => {
        const w = built.canvas.main.clientWidth;
        if (!w || Math.abs(w - lastW) < 1) return;
        lastW = w;
        built.canvas.drawAll();
      });
      ro.observe(built.canvas.main);
      signal.addEventListener("abort", () => ro.disconnect());
    }
  }

  ctx.on("index", () => {
    const i = Number(ctx.get("index"));
    if (i !== st.seq?.index && i !== writing) select(i);
  });
  ctx.on("threshold", () => ui?.units.update());
  // the canvases read the theme's colours when they draw: draw again after a theme switch
  ctx.onTheme(() => ui?.canvas.drawAll());
  ctx.on(["concepts", "trees", "sequences", "lengths", "title", "feature_names", "class_names", "summary"], rebuild);
  rebuild();
  const follow = followLatest({
    ready: (p) => standalone || st.cache.has(p),
    load: (p) => ctx.fetch<SequenceBlock>("sequence", { index: p }).then((block) => {
      const d = toSequence(block);
      st.cache.set(d.index, d);
    }),
    show: (p) => {
      if (p !== st.seq?.index) select(p, undefined, true);
    },
    failed: (p, err) => status.say(`sequence ${p}: ${err instanceof Error ? err.message : String(err)}`),
    aborted: () => ctx.signal.aborted,
  });
  link = joinLink(ctx as unknown as LinkHost, {
    count: () => st.lengths.length,
    onSelect: (positions, sel) => linkedSequences(positions, sel.label),
    // the row another view focuses: its sequence is shown (fetched when not embedded, one
    // at a time, the latest row first)
    onFocus: (p) => {
      if (p !== null && p >= 0) follow(p);
    },
  });
}

export default defineView<TimelineTraits>({ name: "timeline", css: `${CSS}${TREE_CSS}`, render });
