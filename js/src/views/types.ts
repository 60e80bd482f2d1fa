import type { Sample } from "../lib/block";
import type { SignMode } from "../lib/scale";

/** View settings: start from the traits, then change locally only. */
export interface Settings {
  colormap: string;
  opacity: number;
  threshold: number;
  overlay: boolean;
  /** Captum's sign modes: which part of a signed attribution is shown. */
  sign: SignMode;
  /** One colour scale for every panel of the sample (else one per method). */
  shared: boolean;
  /** Clip each range at the 99th percentile of |value| (outliers saturate). */
  clip: boolean;
}

export const CLIP_QUANTILE = 0.99;

/** One "label: value" pair of the hover read-out. */
export type ReadoutPart = [label: string, value: string];

export interface ViewContext {
  methods: string[];
  featureNames: string[];
  /** Methods whose maps are keep-masks (explanatory masks): drawn as the masked input. */
  maskMethods?: string[];
  /**
   * Shows parts in the read-out; null restores the hint. `anchor`: the element the keyboard
   * is on (the read-out is placed at it instead of at the pointer, and announced).
   */
  hover(parts: ReadoutPart[] | null, anchor?: Element): void;
  /** "sample 3, explained class cat": what the panels show, for their text alternatives. */
  about?(): string;
  /** Aborted on cleanup: every DOM listener is registered with it. */
  signal: AbortSignal;
}

export interface ModalityView {
  el: HTMLElement;
  draw(sample: Sample, settings: Settings): void;
}
