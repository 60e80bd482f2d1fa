// The transition trees of TimelineView: the tree that picks the next concept from a source
// concept (-1: the start tree), drawn by the shared TreeView with a path or linked leaves.
import { h } from "../lib/dom";
import type { Tooltip } from "../lib/tooltip";
import { pathTo } from "../lib/treelayout";
import { TreeView } from "../views/treeview";
import type { Concepts, TreeState } from "./state";

export class TransitionTrees {
  private tree: TreeView | null = null;
  private source = -2;

  constructor(private readonly box: HTMLElement, private readonly tooltip: Tooltip, private readonly signal: AbortSignal) {}

  /** The tree of `source`, with the path to `leaf` or the leaves predicting `to`. */
  show(trees: readonly TreeState[], concepts: Concepts, source: number, leaf: number, to = -1): void {
    const tr = trees.find((t) => t.source === source);
    if (!tr) return;
    const name = source === -1 ? "start" : `from ${concepts.names[source] ?? "?"}`;
    if (!this.tree || this.source !== source) {
      this.box.replaceChildren(h("h4", { class: "xai-tl-tree-title", text: `next concept ${name}` }));
      const meta = tr.n_train.map((n) => `n=${n}`);
      this.tree = new TreeView(this.box, {
        nodes: { yes: tr.yes, no: tr.no, test: tr.test, value: tr.value, meta, merged: tr.merged },
        classNames: concepts.names,
        classColor: (c) => concepts.colors[c] ?? "#888",
        maxHeight: 360,
        tooltip: this.tooltip,
      }, this.signal);
      this.source = source;
      this.tree.draw();
    }
    const tree = this.tree;
    const parent = tree.parents();
    const path = leaf >= 0 ? pathTo(parent, leaf) : [];
    const linked: number[] = [];
    if (to >= 0) for (let i = 0; i < tr.yes.length; i++) if (tr.yes[i] < 0 && tr.value[i] === to && (i === 0 || parent[i] >= 0)) linked.push(i);
    tree.decorate({ path, linked, selected: leaf >= 0 ? leaf : undefined });
  }
}
