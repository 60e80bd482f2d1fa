// The header, controls and status line of TimelineView: the title and dataset facts (sequences,
// concepts, window, fidelity), sequence navigation, zoom reset and the on-threshold.
import { h, setText } from "../lib/dom";
import type { Status } from "../lib/view";
import { className } from "../lib/format";
import { pct, type SequenceData, type Summary } from "./state";

/** Title and one line of facts from the `summary` trait. */
export function header(title: string, summary: Summary, nConcepts: number): HTMLElement {
  const facts: string[] = [`${summary.n ?? "?"} sequences`, `${nConcepts} concepts`, `window ${summary.window ?? "?"}`];
  if (summary.per_step) facts.push(`per-step fidelity ${pct(Number(summary.step_fidelity))}`);
  else facts.push(`final-step fidelity ${pct(Number(summary.final_fidelity))}`);
  return h("div", { class: "xai-header" }, [
    title ? h("h3", { class: "xai-title", text: title }) : null,
    h("span", { class: "xai-info xai-summary", text: facts.join(" · ") }),
  ]);
}

export interface ControlActions {
  /** Step to sequence `i` (prev / next / typed). */
  select(i: number): void;
  /** The current sequence's index (for prev / next). */
  current(): number;
  /** The sequence prev / next go to from `from` (default: from ± 1), e.g. the next linked one. */
  step?(from: number, dir: 1 | -1): number;
  /** Zoom out to the whole sequence. */
  reset(): void;
  /** The on-threshold was changed to `v`. */
  threshold(v: number): void;
}

export class Controls {
  readonly input: HTMLInputElement;
  readonly info = h("span", { class: "xai-info xai-seq-info" });
  readonly el: HTMLElement;

  constructor(nSequences: number, threshold: number, private readonly status: Status, signal: AbortSignal, on: ControlActions) {
    const prev = h("button", { type: "button", class: "xai-prev", text: "‹", title: "previous sequence" });
    const next = h("button", { type: "button", class: "xai-next", text: "›", title: "next sequence" });
    const input = h("input", { type: "number", class: "xai-seq-index", min: 0, max: Math.max(0, nSequences - 1), step: 1, "aria-label": "sequence" });
    const reset = h("button", { type: "button", class: "xai-reset", text: "whole sequence", title: "zoom out to the whole sequence" });
    const thr = h("input", { type: "number", class: "xai-threshold", step: 0.05, min: -1, max: 1, "aria-label": "on threshold" });
    thr.value = String(threshold);
    this.input = input;
    this.el = h("div", { class: "xai-controls" }, [
      h("span", { class: "xai-nav" }, ["sequence", prev, input, next]), this.info, reset,
      h("label", { title: "a unit is on above this value" }, ["on above", thr]),
      h("span", { class: "xai-hint", text: "drag on the overview to zoom · hover for values · click a step for its rule · drag on the states to select steps" }),
    ]);
    const step = (dir: 1 | -1) => on.select(on.step ? on.step(on.current(), dir) : on.current() + dir);
    prev.addEventListener("click", () => step(-1), { signal });
    next.addEventListener("click", () => step(1), { signal });
    input.addEventListener("change", () => on.select(Math.round(Number(input.value))), { signal });
    reset.addEventListener("click", () => on.reset(), { signal });
    thr.addEventListener("change", () => on.threshold(Number(thr.value)), { signal });
  }

  /** Shows sequence `d`: its index, length and the final predictions. */
  showSequence(d: SequenceData, classes: string[]): void {
    this.input.value = String(d.index);
    const last = d.length - 1;
    setText(this.info, `${d.length} steps · RNN → ${className(classes, d.rnn[last])} · extracted → ${className(classes, d.output[last])}`);
    this.status.say("");
  }
}
