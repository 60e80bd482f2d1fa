// The unit search of TimelineView: which hidden units stay on across the brushed steps, and
// (from a kernel) the windows of other sequences where the same units, or the same concept
// path, occur.
import { roving, type Roving } from "../lib/a11y";
import { h } from "../lib/dom";
import { fmt } from "../lib/format";
import { rowsOn } from "../lib/timeline_lod";
import type { Match, TimelineState } from "./state";

export interface UnitActions {
  /** The units on changed: redraw the heatmap. */
  changed(): void;
  /** Opens sequence `i` with steps `range` selected. */
  open(i: number, range: [number, number]): void;
}

export class UnitSearch {
  readonly units = h("div", { class: "xai-tl-units" });
  readonly matches = h("div", { class: "xai-tl-matches", role: "group", "aria-label": "search results" });
  private readonly nav: Roving;

  constructor(
    private readonly st: TimelineState,
    private readonly actions: UnitActions,
  ) {
    // the results are one Tab stop: Up / Down move, Enter opens
    this.nav = roving(this.matches, { items: () => [...this.matches.querySelectorAll<HTMLElement>("button.xai-match")], orientation: "vertical" }, st.ctx.signal);
  }

  /** Recomputes the units on across the brush (threshold from the model) and shows them. */
  update(): void {
    const { st } = this;
    const { signal, standalone } = st.ctx;
    const seq = st.seq;
    if (!seq) return;
    this.matches.replaceChildren();
    if (!st.brush) {
      st.units = [];
      this.units.replaceChildren(h("span", { class: "xai-hint", text: "drag across the hidden states to see which units stay on" }));
      this.actions.changed();
      return;
    }
    const H = seq.states.shape[1] ?? 0;
    const lo = seq.states.lo[0];
    const hi = seq.states.hi[0];
    const thr = st.threshold();
    const code = Math.floor(((thr - lo) / ((hi - lo) || 1)) * 255);
    const [a, b] = st.brush;
    const units = rowsOn(seq.states.q, H, seq.length, a, b, code);
    st.units = units;
    const label = units.length
      ? `${units.length} unit${units.length > 1 ? "s" : ""} above ${fmt(thr)} at every step ${a}–${b - 1}: ${units.map((r) => seq.units[r]).join(", ")}`
      : `no unit stays above ${fmt(thr)} across steps ${a}–${b - 1}`;
    const find = h("button", { type: "button", class: "xai-find", text: "sequences with these units on", disabled: standalone || !units.length });
    const findConcepts = h("button", { type: "button", class: "xai-find-concepts", text: "sequences with this concept path", disabled: standalone });
    find.addEventListener("click", () => this.request("states"), { signal });
    findConcepts.addEventListener("click", () => this.request("concepts"), { signal });
    this.units.replaceChildren(h("div", { class: "xai-units-on", text: label }), find, findConcepts,
      standalone ? h("div", { class: "xai-hint", text: "searching other sequences needs the kernel" }) : "");
    this.actions.changed();
  }

  private request(by: string): void {
    const { st, matches } = this;
    const { signal } = st.ctx;
    if (!st.seq || !st.brush) return;
    matches.replaceChildren(h("span", { class: "xai-hint", text: "searching…" }));
    const [a, b] = st.brush;
    st.ctx.fetch<{ matches?: Match[] }>("match", { index: st.seq.index, start: a, stop: b, by, units: st.units, threshold: st.threshold() }).then((block) => {
      const hits = block.matches ?? [];
      if (!hits.length) {
        matches.replaceChildren(h("span", { class: "xai-hint", text: "no other sequence is long enough" }));
        return;
      }
      matches.replaceChildren(h("div", { class: "xai-hint", text: by === "states" ? "best windows (share of those units on, minus others on):" : "best windows (share of steps in the same concept):" }),
        ...hits.map((m) => {
          const btn = h("button", { type: "button", class: "xai-match", "data-sequence": m.sequence, text: `sequence ${m.sequence} · steps ${m.start}–${m.stop - 1} · ${fmt(m.score, 3)}` +
            (m.also?.length ? ` · also in ${m.also.length} overlapping window${m.also.length > 1 ? "s" : ""}` : "") });
          btn.addEventListener("click", () => this.actions.open(m.sequence, [m.start, m.stop]), { signal });
          return btn;
        }));
      this.nav.refresh();
    }, (err: unknown) => {
      matches.replaceChildren(h("span", { class: "xai-status", text: `search failed: ${err instanceof Error ? err.message : String(err)}` }));
    });
  }
}
