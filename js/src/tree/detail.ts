// The node detail of ConceptTreeView: the selected node's statistics, class bar and sample
// thumbnails (embedded ones at once, the rest fetched from a kernel on a click), and the
// selected sample's predictions and concepts.
import { describePicture, roving, type Roving } from "../lib/a11y";
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
  /** Thumbnail requests that failed (their tiles say so instead of "loading"). */
  private readonly failed = new Set<number>();
  /** The thumbnails are one Tab stop; arrows move between them. */
  private thumbKeys: Roving | null = null;

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
    if (!(i >= 0 && i < nodeCount(tree))) {
      this.detail.replaceChildren(h("h4", { class: "xai-detail-title", text: "no node selected" }),
        h("div", { class: "xai-hint", text: "click a node (or press Enter on one) for its samples" }));
      return;
    }
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
    const parts0 = [...Array(C).keys()].filter((c) => tree.dist[i * C + c] > 0)
      .map((c) => `${className(names, c)} ${tree.dist[i * C + c]} (${pct(tree.dist[i * C + c] / total)})`);
    describePicture(dist, `the model's predictions for the ${total} samples here: ${parts0.join(", ") || "none"}`);
    const top = [...Array(C).keys()].filter((c) => tree.dist[i * C + c] > 0).sort((a, b) => tree.dist[i * C + b] - tree.dist[i * C + a]).slice(0, 4);
    const want = this.wanted(i);
    const thumbs = h("div", { class: "xai-thumbs", role: "group", "aria-label": `samples at ${leaf ? "leaf" : "node"} ${i}` });
    this.thumbKeys = roving(thumbs, {
      items: () => [...thumbs.querySelectorAll<HTMLElement>(".xai-thumb-card[role=button]")],
      orientation: "both",
      escape: () => this.st.sample >= 0 && this.onPick(-1), // Escape: no sample traced
    }, signal);
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
    const missing = want.filter((k) => !st.thumbs.has(k) && !this.failed.has(k));
    if (ask && missing.length && !this.standalone) this.request(missing);
    this.paintThumbs(i, want);
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
    let waiting = 0;
    for (const k of want) {
      const t = st.thumbs.get(k);
      if (!t) {
        // a tile only while its image is on the way (or says it failed); never an empty box
        const state = this.pending.has(k) ? "loading…" : this.failed.has(k) ? "unavailable" : "";
        if (state) {
          waiting++;
          box.append(h("div", { class: "xai-thumb-slot", "data-index": k, text: `#${k} ${state}` }));
        }
        continue;
      }
      const c = h("canvas", { class: "xai-thumb", "data-index": k, "aria-hidden": "true" });
      putRGBA(c, inputRGBA(t.q, t.offset, t.h, t.w, t.c), t.w, t.h);
      if (samples.treePred[k] !== samples.modelPred[k]) c.classList.add("xai-wrong");
      if (k === st.sample) c.classList.add("xai-current");
      const pred = className(names, samples.modelPred[k]);
      const treePred = className(names, samples.treePred[k]);
      const card = h("div", { class: "xai-thumb-card", "data-index": k, role: "button", tabindex: -1, title: `sample ${k}: click to trace its path` }, [
        c,
        h("span", { class: "xai-thumb-index", text: `#${k}` }), " ",
        h("span", { class: "xai-thumb-pred", text: `pred ${pred}`, title: `the model predicts ${pred}` }),
      ]);
      // the name starts with the words shown (voice control finds the card by them)
      const shownText = [`#${k}`, `pred ${pred}`];
      const said = [`sample ${k}`, `the model predicts ${pred}`];
      if (samples.target) {
        const truth = className(names, samples.target[k]);
        card.append(" ", h("span", { class: "xai-thumb-true", text: `true ${truth}`, title: `the true class is ${truth}` }));
        shownText.push(`true ${truth}`);
        said.push(`true class ${truth}${samples.target[k] !== samples.modelPred[k] ? " (the model is wrong)" : ""}`);
        if (samples.target[k] !== samples.modelPred[k]) card.classList.add("xai-misclassified");
      }
      said.push(samples.treePred[k] === samples.modelPred[k] ? "the tree agrees" : `the tree predicts ${treePred}`);
      card.setAttribute("aria-label", `${shownText.join(", ")}; ${said.join(", ")}; trace its path`);
      card.setAttribute("aria-pressed", String(k === st.sample));
      card.addEventListener("click", () => this.onPick(k), { signal });
      box.append(card);
      shown++;
    }
    this.thumbKeys?.refresh();
    if (note && !want.length) setText(note, "");
    else if (note) {
      // the caption names only what the cards show: the true class only where the result has it
      const what = samples.target ? "index, the model's prediction, the true class (red: the model is wrong)" : "index and the model's prediction (no true classes given)";
      const parts = [`${shown} of ${st.tree.count[node]} samples shown: ${what}; red outline: the tree disagrees with the model; click one to trace its path`];
      const absent = want.length - shown - waiting;
      if (standalone && shown < want.length) parts.push(`(offline: ${shown} embedded)`);
      else if (absent > 0) parts.push(`(${absent} more: click the node to load them)`);
      setText(note, parts.join(" "));
    }
  }

  private request(indices: number[]): void {
    const { pending, st } = this;
    const ask = indices.filter((k) => !pending.has(k));
    if (!ask.length) return;
    ask.forEach((k) => pending.add(k));
    ask.forEach((k) => this.failed.delete(k));
    this.st.ctx.fetch<ThumbsBlock>("thumbs", { indices: ask }).then((block) => {
      ask.forEach((k) => pending.delete(k));
      let added = 0;
      try {
        added = addThumbs(st.thumbs, block);
      } catch (err) {
        console.error("xaiwidgets:", err);
        this.report(`could not read thumbnails: ${String(err)}`);
      }
      for (const k of ask) if (!st.thumbs.has(k)) this.failed.add(k);
      if (added) this.report("");
      this.paintThumbs(st.selectedNode, this.wanted(st.selectedNode));
    }, (err: unknown) => {
      ask.forEach((k) => pending.delete(k));
      ask.forEach((k) => this.failed.add(k));
      this.report(`thumbnails: ${err instanceof Error ? err.message : String(err)}`);
      this.paintThumbs(st.selectedNode, this.wanted(st.selectedNode));
    });
  }

  /** Marks the thumbnail of the selected sample. */
  markSample(): void {
    for (const c of this.detail.querySelectorAll<HTMLCanvasElement>("canvas.xai-thumb")) c.classList.toggle("xai-current", Number(c.dataset.index) === this.st.sample);
    for (const c of this.detail.querySelectorAll<HTMLElement>(".xai-thumb-card[role=button]")) c.setAttribute("aria-pressed", String(Number(c.dataset.index) === this.st.sample));
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
    this.failed.clear();
  }
}
