// SENNView's prototypes (relevance.ts): per learned concept, the samples that activate it most
// (uint8 image buffers), one row per concept; rows fetched from the kernel when not embedded.
import { h, putRGBA } from "../lib/dom";
import { fmt } from "../lib/format";
import { inputRGBA } from "../lib/heatmap";
import { type Empty, floats, ints, isEmpty, type NDArray, type Quantized } from "../lib/wire";

export interface Prototype {
  index: number;
  activation: number;
  /** Pixels of a quantised (.., H, W, C) image, at `offset`. */
  q: Uint8Array | null;
  offset: number;
  h: number;
  w: number;
  c: number;
}

/** The `prototypes` trait and the "prototypes" fetch, decoded: R concept rows of m samples. */
export interface PrototypeBlock {
  concepts: NDArray; // int32 (R,)
  top_k: number;
  indices: NDArray; // int32 (R, m)
  activations: NDArray; // float32 (R, m)
  images?: Quantized; // unsigned (R, m, H, W, C), for image data
}

/** Adds the rows of a prototype block; returns their concepts. */
export function addPrototypes(cache: Map<number, Prototype[]>, block: PrototypeBlock | Empty | undefined): number[] {
  if (isEmpty(block) || !block.concepts || !block.indices) return [];
  const concepts = ints(block.concepts);
  const idx = ints(block.indices);
  const act = floats(block.activations);
  const m = concepts.length ? idx.length / concepts.length : 0;
  const img = block.images ?? null;
  // images: (rows, m, H, W, C) quantised per row
  const [, , H = 0, W = 0, C = 1] = img?.shape ?? [];
  const per = H * W * C;
  concepts.forEach((j, r) => {
    cache.set(j, Array.from({ length: m }, (_, i) => ({
      index: idx[r * m + i], activation: act[r * m + i], q: img ? img.q : null,
      offset: (r * m + i) * per, h: H, w: W, c: C,
    })));
  });
  return Array.from(concepts);
}

/** One row of thumbnails (or sample indices, for data without images). */
export function prototypeRow(name: string, j: number, protos: Prototype[] | undefined, topK: number, waiting: boolean): HTMLElement {
  const cells: (HTMLElement | string)[] = [];
  for (const p of protos ?? []) {
    const tip = `${name}: sample ${p.index}, h = ${fmt(p.activation)}`;
    if (p.q) {
      const c = h("canvas", { class: "xai-senn-proto", "data-index": p.index, title: tip });
      putRGBA(c, inputRGBA(p.q, p.offset, p.h, p.w, p.c), p.w, p.h);
      cells.push(c);
    } else cells.push(h("span", { class: "xai-senn-proto-id", title: tip, text: `#${p.index}` }));
  }
  const missing = Math.max(0, topK - (protos?.length ?? 0));
  if (waiting) for (let i = 0; i < missing; i++) cells.push(h("span", { class: "xai-senn-proto-slot", title: "loading" }));
  return h("div", { class: "xai-senn-proto-row", "data-row": j }, [
    h("span", { class: "xai-senn-proto-name", text: name, title: name }),
    h("div", { class: "xai-senn-proto-cells" }, cells),
  ]);
}
