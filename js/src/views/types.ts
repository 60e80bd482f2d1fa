import type { Sample } from "../lib/block";

/** View settings: start from the traits, then change locally only. */
export interface Settings {
  colormap: string;
  opacity: number;
  threshold: number;
  overlay: boolean;
}

/** One "label: value" pair of the hover read-out. */
export type ReadoutPart = [label: string, value: string];

export interface ViewContext {
  methods: string[];
  featureNames: string[];
  /** Shows parts in the read-out; null restores the hint. */
  hover(parts: ReadoutPart[] | null): void;
  /** Aborted on cleanup: every DOM listener is registered with it. */
  signal: AbortSignal;
}

export interface ModalityView {
  el: HTMLElement;
  draw(sample: Sample, settings: Settings): void;
}
