// The node detail of ConceptTreeView: the selected node's statistics, class bar and sample
// thumbnails (embedded ones at once, the rest fetched from a kernel on a click), and the
// selected sample's predictions and concepts.
import { h, putRGBA, setText } from "../lib/dom";
import { className } from "../lib/format";
import { inputRGBA } from "../lib/heatmap";
import type { Tooltip } from "../lib/tooltip";
import { nodeCount, samplesAt } from "../lib/treelayout";
import { addThumbs, pct, type ThumbsBlock, type TreeViewState } from "./state";

/** One per rendered view: its panels and pending requests outlive a rebuild of the layout. */
export class NodeDetail {
  readonly detail = h("div", { class: "xai-node-detail" });
  readonly info = h("div", { class: "xai-sample-info" });
  private readonly pending = new Set<number>();
  private tooltip: Tooltip | null = null;
  private readonly standalone: boolean;
  private readonly signal: AbortSignal;

  constructor(
    private readonly st: TreeViewState,
    /** A click on a thumbnail: trace sample k. */
    private readonly onPick: (k: number) => void,
  ) {
    this.standalone = st.ctx.standalone;
    this.signal = st.ctx.signal;
  }

  /** The tooltip of the current layout. */
  bind(tooltip: Tooltip): void {
    this.tooltip = tooltip;
  }

  private report(text: string): void {
    this.st.ctx.status.say(text);
  }

  private wanted(node: number): number[] {
    const { samples, euler } = this.st;
    return samplesAt(node, samples.leaf, euler.tin, euler.tout, this.st.nThumbnails());
  }

  /** Details of the selected node; `ask`: fetch missing thumbnails (only on a user's click). */
  show(ask = false): void {
    const { st, signal, tooltip } = this;
    const { tree, colors } = st;
    if (!nodeCount(tree)) return;
    const i = st.selectedNode;
    const names = st.classNames();
    const leaf = tree.yes[i] < 0;
    const C = tree.nClasses;
    const dist = h("div", { class: "xai-dist" });
    let total = 0;
    for (let c = 0; c < C; c++) total += tree.dist[i * C + c];
    for (let c = 0; c < C; c++) {
      const v = tree.dist[i * C + c];
      if (!v || !total) continue;
      const part = h("span", { "data-class": c });
      part.style.cssText = `flex:${v} 0 0;background:${colors[c] ?? "#888"}`;
      part.addEventListener("mousemove", (ev) => tooltip?.show(ev, [[className(names, c), `${v} of ${total} (${pct(v / total)})`]]), { signal });
      part.addEventListener("mouseleave", () => tooltip?.hide(), { signal });
      dist.append(part);
    }
    const top = [...Array(C).keys()].filter((c) => tree.dist[i * C + c] > 0).sort((a, b) => tree.dist[i * C + b] - tree.dist[i * C + a]).slice(0, 4);
    const want = this.wanted(i);
    const thumbs = h("div", { class: "xai-thumbs" });
    const merged = tree.merged[i] ?? [];
    const parts: (HTMLElement | null)[] = [
      h("h4", { class: "xai-detail-title", text: leaf ? `leaf ${i}: → ${className(names, tree.value[i])}` : `node ${i}: ${tree.test[i]}?` }),
      h("div", { class: "xai-detail-stats", text: `${tree.count[i]} samples · fidelity ${pct(tree.fidelity[i])}${tree.accuracy ? ` · accuracy ${pct(tree.accuracy[i])}` : ""}` }),
      merged.length ? h("div", { class: "xai-hint xai-detail-merged", text: `merged for display (both sides predict ${className(names, tree.value[i])}): ${merged.join("; ")}` }) : null,
      dist,
      h("div", { class: "xai-hint", text: `model predicts: ${top.map((c) => `${className(names, c)} ${tree.dist[i * C + c]}`).join(", ") || "no samples"}` }),
      thumbs,
      h("div", { class: "xai-hint xai-thumb-note" }),
    ];
    this.detail.replaceChildren(...parts.filter((x): x is HTMLElement => x !== null));
    this.paintThumbs(i, want);
    const missing = want.filter((k) => !st.thumbs.has(k));
    if (ask && missing.length && !this.standalone) this.request(missing);
  }

  private paintThumbs(node: number, want: number[]): void {
    const { st, standalone, signal } = this;
    if (node !== st.selectedNode) return;
    const box = this.detail.querySelector(".xai-thumbs");
    const note = this.detail.querySelector(".xai-thumb-note");
    if (!box) return;
    box.replaceChildren();
    const { samples } = st;
    const names = st.classNames();
    let shown = 0;
    for (const k of want) {
      const t = st.thumbs.get(k);
      if (!t) {
        if (!standalone) box.append(h("div", { class: "xai-thumb-slot", title: `sample ${k}: loading` }));
        continue;
      }
      const c = h("canvas", { class: "xai-thumb", "data-index": k, title: `sample ${k}: click to trace its path` });
      putRGBA(c, inputRGBA(t.q, t.offset, t.h, t.w, t.c), t.w, t.h);
      if (samples.treePred[k] !== samples.modelPred[k]) c.classList.add("xai-wrong");
      if (k === st.sample) c.classList.add("xai-current");
      c.addEventListener("click", () => this.onPick(k), { signal });
      const pred = className(names, samples.modelPred[k]);
      const card = h("figure", { class: "xai-thumb-card", "data-index": k }, [
        c,
        h("span", { class: "xai-thumb-index", text: `#${k}` }),
        h("span", { class: "xai-thumb-pred", text: `pred ${pred}`, title: `the model predicts ${pred}` }),
      ]);
      card.style.margin = "0";
      if (samples.target) {
        const truth = className(names, samples.target[k]);
        card.append(h("span", { class: "xai-thumb-true", text: `true ${truth}`, title: `the true class is ${truth}` }));
        if (samples.target[k] !== samples.modelPred[k]) card.classList.add("xai-misclassified");
      }
      box.append(card);
      shown++;
    }
    if (note && !want.length) setText(note, "");
    else if (note) {
      const parts = [`${shown} of ${st.tree.count[node]} samples shown: index, the model's prediction, the true class (red: the model is wrong); red outline: the tree disagrees with the model; click one to trace its path`];
      if (standalone && shown < want.length) parts.push(`(offline: ${shown} embedded)`);
      setText(note, parts.join(" "));
    }
  }

  private request(indices: number[]): void {
    const { pending, st } = this;
    const ask = indices.filter((k) => !pending.has(k));
    if (!ask.length) return;
    ask.forEach((k) => pending.add(k));
    this.st.ctx.fetch<ThumbsBlock>("thumbs", { indices: ask }).then((block) => {
      ask.forEach((k) => pending.delete(k));
      let added = 0;
      try {
        added = addThumbs(st.thumbs, block);
      } catch (err) {
        console.error("xaiwidgets:", err);
        this.report(`could not read thumbnails: ${String(err)}`);
        return;
      }
      if (added) {
        this.report("");
        this.paintThumbs(st.selectedNode, this.wanted(st.selectedNode));
      }
    }, (err: unknown) => {
      ask.forEach((k) => pending.delete(k));
      this.report(`thumbnails: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  /** Marks the thumbnail of the selected sample. */
  markSample(): void {
    for (const c of this.detail.querySelectorAll<HTMLCanvasElement>("canvas.xai-thumb")) c.classList.toggle("xai-current", Number(c.dataset.index) === this.st.sample);
  }

  /** The selected sample: the model's and the tree's predictions, the truth, its concepts. */
  showSample(): void {
    const { st } = this;
    if (st.sample < 0) {
      this.info.replaceChildren(h("span", { class: "xai-hint", text: "no sample selected: click a thumbnail or type an index" }));
      return;
    }
    const { samples } = st;
    const names = st.classNames();
    const cn = st.conceptNames();
    const values = st.ctx.get("concept_values") ?? [];
    const k = st.sample;
    const concepts = cn.map((c, j) => `${c} = ${values[j]?.[samples.concepts[k * samples.nConcepts + j]] ?? "?"}`);
    const parts = [
      h("b", { text: `sample ${k}` }),
      ` · model → ${className(names, samples.modelPred[k])} · tree → ${className(names, samples.treePred[k])}`,
      samples.target ? ` · true: ${className(names, samples.target[k])}` : "",
      h("div", { class: "xai-hint", text: `predicted concepts: ${concepts.join(", ")}` }),
    ];
    this.info.replaceChildren(...parts.map((p) => (typeof p === "string" ? document.createTextNode(p) : p)));
  }

  dispose(): void {
    this.pending.clear();
  }
}
