// Tiny DOM helpers. Text always goes through textContent: strings from the model are never HTML.

type Attrs = Record<string, string | number | boolean | undefined>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  children: Child[] = [],
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, children: Child[] = []): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag) as SVGElementTagNameMap[K];
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** Longest text shown in full; longer labels (a 5,000-character column name) are shortened. */
export const LABEL_MAX = 80;

/** `text` with every unbroken run longer than `max` characters (code points) cut to its start
 * and end around "…": distinct long names stay distinct, sentences are untouched. Python's twin
 * is `xaiwidgets.widgets._html.short_label`. */
export function shortLabel(text: string, max: number = LABEL_MAX): string {
  if (text.length <= max) return text;
  const tail = Math.floor(max / 3);
  return text.replace(/\S+/gu, (word) => {
    const chars = Array.from(word);
    if (chars.length <= max) return word;
    return chars.slice(0, max - tail - 1).join("") + "…" + chars.slice(chars.length - tail).join("");
  });
}

/** Sets an element's text, shortened when long, with the full text as its tooltip (`title`).
 * Every label goes through here (also `h(tag, {text})` and string children). */
export function setText(el: Element, text: string): void {
  const short = shortLabel(text);
  el.textContent = short;
  const ours = el.hasAttribute("data-xai-full");  // a title we set, not the view's own
  if (short !== text && (ours || !el.hasAttribute("title"))) {
    el.setAttribute("title", text);
    el.setAttribute("data-xai-full", "");
  } else if (short === text && ours) {
    el.removeAttribute("title");
    el.removeAttribute("data-xai-full");
  }
}

function setAttrs(el: Element, attrs: Attrs): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === "text") setText(el, String(v));
    else el.setAttribute(k, v === true ? "" : String(v));
  }
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (typeof c !== "string") {
      el.appendChild(c);
      continue;
    }
    const short = shortLabel(c);
    if (short !== c && !el.hasAttribute("title")) el.setAttribute("title", c);
    el.appendChild(document.createTextNode(short));
  }
}

/** 2D context or null: test DOMs (jsdom, happy-dom) have no canvas backend. */
export function ctx2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D | null {
  try {
    return canvas.getContext("2d");
  } catch {
    return null;
  }
}

/** Sizes a canvas to w x h data pixels and writes RGBA into it. */
export function putRGBA(canvas: HTMLCanvasElement, rgba: Uint8ClampedArray, w: number, h: number): void {
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = ctx2d(canvas);
  if (!ctx || w === 0 || h === 0) return;
  const img = ctx.createImageData(w, h);
  img.data.set(rgba.subarray(0, w * h * 4));
  ctx.putImageData(img, 0, 0);
}

/** Pointer position relative to an element's border box, in CSS px. */
export function localXY(ev: MouseEvent, el: Element): { x: number; y: number; width: number; height: number } {
  const r = el.getBoundingClientRect();
  return { x: ev.clientX - r.left, y: ev.clientY - r.top, width: r.width, height: r.height };
}
