// Exports of every view (issue 25, item 3), built once for all of them: the standalone page,
// the view's figure as PNG and SVG, and each of its tables as CSV. Entries register what they
// have (`ctx.exports.figure(() => el)`, `ctx.exports.table(name, () => rows)`); without a
// registration the figure is the root's pictures outside the controls and the tables are the
// root's <table>s. Downloads are a Blob + <a download>: no kernel needed (offline pages too),
// except the page of a live widget, which the kernel writes (`to_html`).
import { h } from "./dom";
import type { Metrics } from "./metrics";

/** One table row: header or data. Values are written as text, never as HTML. */
export type Row = readonly unknown[];

/** One cell per RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
export function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? "" : typeof value === "number" && Number.isNaN(value) ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows as RFC 4180 CSV: CRLF line ends, the last line ended too. */
export function toCSV(rows: readonly Row[]): string {
  return rows.map((r) => r.map(csvCell).join(",")).join("\r\n") + (rows.length ? "\r\n" : "");
}

/** The metric summary as rows: per method, each metric's mean and its interval (full precision). */
export function metricRows(mx: Metrics): Row[] {
  const head: string[] = ["method"];
  for (const label of mx.labels) head.push(label, `${label} low`, `${label} high`);
  const rows: Row[] = [head];
  for (let m = 0; m < mx.M; m++) {
    const row: unknown[] = [mx.methods[m]];
    for (let q = 0; q < mx.Q; q++) row.push(mx.mean[m * mx.Q + q], mx.low?.[m * mx.Q + q] ?? "", mx.high?.[m * mx.Q + q] ?? "");
    rows.push(row);
  }
  return rows;
}

/** A cell's full text: labels shortened on screen (`setText`) keep their full text in `title`. */
function fullText(cell: Element): string {
  const copy = cell.cloneNode(true) as Element;
  for (const el of copy.querySelectorAll("[data-xai-full]")) el.textContent = el.getAttribute("title") ?? el.textContent;
  if (copy.hasAttribute("data-xai-full")) return copy.getAttribute("title") ?? "";
  return (copy.textContent ?? "").replace(/\s+/g, " ").trim();
}

/** The rows of an HTML table as text (header rows first), each cell's full text. */
export function tableRows(table: HTMLTableElement): string[][] {
  return [...table.rows].map((tr) => [...tr.cells].map(fullText));
}

/** A file name from a title: letters, digits, `.`, `-`, `_`. */
export function fileName(title: string, ext: string): string {
  const base = title.replace(/[^\w.-]+/g, "_").replace(/^_+|_+$/g, "") || "xaiwidgets";
  return `${base}.${ext}`;
}

/** What a view offers for export; filled by the entry, read by the export menu. */
export class Exports {
  private figureFn: (() => Element | null | undefined) | null = null;
  private readonly tableFns = new Map<string, { rows: () => Row[]; covers?: () => Element | null | undefined }>();

  /** The view's figure: the element whose pictures (canvases, SVGs, images) and labels make it. */
  figure(fn: () => Element | null | undefined): void {
    this.figureFn = fn;
  }

  /**
   * A table of the view by name; `rows` returns the header row then the data rows (numbers at
   * full precision). `covers` names the on-screen <table> it replaces in the menu.
   */
  table(name: string, rows: () => Row[], covers?: () => Element | null | undefined): void {
    this.tableFns.set(name, { rows, covers });
  }

  /** The figure element: the registered one, else the root. */
  figureOf(root: HTMLElement): Element {
    return this.figureFn?.() ?? root;
  }

  /** The tables to offer: the registered ones, then every other visible <table> of the root (as shown). */
  tablesOf(root: HTMLElement): { name: string; rows(): Row[] }[] {
    const out: { name: string; rows(): Row[] }[] = [];
    const covered = new Set<Element>();
    for (const [name, t] of this.tableFns) {
      const el = t.covers?.();
      if (el) covered.add(el);
      if (t.rows().length) out.push({ name, rows: t.rows }); // nothing to export: not offered
    }
    const seen = new Map<string, number>(out.map((t) => [t.name, 1]));
    for (const t of root.querySelectorAll("table")) {
      if (covered.has(t) || t.closest(SKIP) || t.closest("[hidden]") || t.rows.length === 0) continue;
      let name = t.caption ? fullText(t.caption) : "";
      if (!name) name = t.getAttribute("aria-label") ?? ([...t.classList].find((c) => c.startsWith("xai-"))?.slice(4) || "table");
      name = name.slice(0, 60);
      const k = (seen.get(name) ?? 0) + 1;
      seen.set(name, k);
      if (k > 1) name = `${name} ${k}`;
      out.push({ name, rows: () => tableRows(t) });
    }
    return out;
  }
}

/** Parts of the view that are controls, not the figure. */
const SKIP = ".xai-header, .xai-controls, .xai-tooltip, .xai-status, .xai-export-menu, .xai-help, .xai-nav";

interface Box { x: number; y: number; w: number; h: number }

/** One picture of a figure and where it sits (CSS px, relative to the figure). */
interface Part { el: HTMLCanvasElement | SVGSVGElement | HTMLImageElement; box: Box }

/** One label of a figure (a text node of the figure's HTML) and where it sits. */
interface Label { text: string; box: Box; font: string; color: string }

/** An HTML box of the figure with a background colour (legend swatches, bars made of divs). */
interface Fill { box: Box; color: string }

function visible(el: Element): boolean {
  return !el.closest(SKIP) && !el.closest("[hidden]");
}

function sizeOf(el: Element): { w: number; h: number } {
  const r = el.getBoundingClientRect();
  if (r.width > 0 && r.height > 0) return { w: r.width, h: r.height };
  if (el instanceof HTMLCanvasElement || el instanceof HTMLImageElement) return { w: el.width, h: el.height };
  return { w: Number(el.getAttribute("width")) || 0, h: Number(el.getAttribute("height")) || 0 };
}

/** The pictures and labels of a figure laid out as on screen; stacked when nothing is laid out (no layout engine). */
export function layoutFigure(fig: Element): { parts: Part[]; labels: Label[]; fills: Fill[]; width: number; height: number } {
  const candidates = [...fig.querySelectorAll("canvas, svg, img")].filter((el) => {
    if (!visible(el)) return false;
    if (el instanceof SVGSVGElement) return !el.parentElement?.closest("svg");
    return el instanceof HTMLCanvasElement || el instanceof HTMLImageElement;
  }) as Part["el"][];
  const origin = fig.getBoundingClientRect();
  const laidOut = origin.width > 0 && origin.height > 0;
  const parts: Part[] = [];
  const labels: Label[] = [];
  const fills: Fill[] = [];
  let y = 0;
  let width = 0;
  for (const el of candidates) {
    const { w, h: ht } = sizeOf(el);
    if (!(w > 0 && ht > 0)) continue;
    let box: Box;
    if (laidOut) {
      const r = el.getBoundingClientRect();
      box = { x: r.left - origin.left, y: r.top - origin.top, w, h: ht };
    } else {
      box = { x: 0, y, w, h: ht };
      y += ht + 8;
    }
    width = Math.max(width, box.x + box.w);
    parts.push({ el, box });
  }
  let height = laidOut ? 0 : Math.max(0, y - 8);
  if (laidOut) {
    // the figure's own box (what is seen), grown by anything drawn beyond it
    width = Math.max(width, origin.width);
    height = origin.height;
    for (const p of parts) height = Math.max(height, p.box.y + p.box.h);
    // HTML boxes painted with a colour (legend swatches), in document order: under the rest
    for (const el of fig.querySelectorAll("*")) {
      if (!(el instanceof HTMLElement) || el instanceof HTMLCanvasElement || el instanceof HTMLImageElement || !visible(el)) continue;
      const bg = getComputedStyle(el).backgroundColor;
      if (!bg || bg === "transparent" || /^rgba\(.*,\s*0\)$/.test(bg)) continue;
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) fills.push({ box: { x: r.left - origin.left, y: r.top - origin.top, w: r.width, h: r.height }, color: bg });
    }
    // the HTML text around the pictures (captions, axis names, legends), where it is drawn
    const walker = document.createTreeWalker(fig, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const parent = n.parentElement;
      const text = (n.textContent ?? "").replace(/\s+/g, " ").trim();
      if (!text || !parent || !visible(parent) || parent.closest("svg, style, script, option, select, button")) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const r = range.getBoundingClientRect();
      if (!(r.width > 0 && r.height > 0)) continue;
      const cs = getComputedStyle(parent);
      if (cs.visibility === "hidden" || cs.display === "none") continue;
      const box = { x: r.left - origin.left, y: r.top - origin.top, w: r.width, h: r.height };
      labels.push({ text, box, font: `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`, color: cs.color });
      width = Math.max(width, box.x + box.w);
      height = Math.max(height, box.y + box.h);
    }
  }
  return { parts, labels, fills, width: Math.ceil(width), height: Math.ceil(height) };
}

// Presentation properties copied from the computed style into an exported SVG, so that it
// looks the same without our stylesheet (and with CSS variables resolved).
const SVG_PROPS = ["fill", "fill-opacity", "stroke", "stroke-width", "stroke-opacity", "stroke-dasharray", "opacity",
  "font-family", "font-size", "font-weight", "font-style", "text-anchor", "dominant-baseline", "visibility"];

/** An SVG element serialised with its computed styles inlined (no class-based styling needed). */
export function inlineSVG(svg: SVGSVGElement): SVGSVGElement {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const src = [svg, ...svg.querySelectorAll("*")];
  const dst = [copy, ...copy.querySelectorAll("*")];
  src.forEach((el, i) => {
    const out = dst[i];
    if (!out) return;
    let cs: CSSStyleDeclaration | null = null;
    try {
      cs = getComputedStyle(el);
    } catch {
      cs = null;
    }
    if (!cs) return;
    const style = SVG_PROPS.map((p) => [p, cs!.getPropertyValue(p)] as const).filter(([, v]) => v && v !== "normal" && v !== "auto");
    if (style.length) out.setAttribute("style", style.map(([p, v]) => `${p}:${v}`).join(";"));
    out.removeAttribute("class");
  });
  for (const bad of copy.querySelectorAll("script, foreignObject")) bad.remove();
  for (const el of [copy, ...copy.querySelectorAll("*")]) {
    for (const a of [...el.attributes]) if (/^on/i.test(a.name)) el.removeAttribute(a.name);
  }
  return copy;
}

const SVG_NS = "http://www.w3.org/2000/svg";

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function canvasURL(c: HTMLCanvasElement): string {
  try {
    return c.toDataURL("image/png");
  } catch {
    return "";
  }
}

/** The figure as one SVG document: SVG panels inlined with their styles, canvases and images embedded as PNG, labels as <text>. */
export function figureSVG(fig: Element, background = ""): string {
  const { parts, labels, fills, width, height } = layoutFigure(fig);
  const out: string[] = [];
  if (background) out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="${xmlEscape(background)}"/>`);
  for (const f of fills) out.push(`<rect x="${f.box.x.toFixed(1)}" y="${f.box.y.toFixed(1)}" width="${f.box.w.toFixed(1)}" height="${f.box.h.toFixed(1)}" fill="${xmlEscape(f.color)}"/>`);
  for (const { el, box } of parts) {
    const at = `x="${box.x.toFixed(1)}" y="${box.y.toFixed(1)}" width="${box.w.toFixed(1)}" height="${box.h.toFixed(1)}"`;
    if (el instanceof SVGSVGElement) {
      const copy = inlineSVG(el);
      if (!copy.getAttribute("viewBox")) copy.setAttribute("viewBox", `0 0 ${box.w} ${box.h}`);
      copy.setAttribute("x", box.x.toFixed(1));
      copy.setAttribute("y", box.y.toFixed(1));
      copy.setAttribute("width", box.w.toFixed(1));
      copy.setAttribute("height", box.h.toFixed(1));
      out.push(new XMLSerializer().serializeToString(copy));
    } else {
      const href = el instanceof HTMLCanvasElement ? canvasURL(el) : el.src;
      if (href) out.push(`<image ${at} preserveAspectRatio="none" href="${xmlEscape(href)}"/>`);
    }
  }
  for (const l of labels) {
    out.push(`<text x="${l.box.x.toFixed(1)}" y="${(l.box.y + l.box.h * 0.8).toFixed(1)}" style="font:${xmlEscape(l.font)};fill:${xmlEscape(l.color)}">${xmlEscape(l.text)}</text>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="${SVG_NS}" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${out.join("")}</svg>\n`;
}

function loadImage(src: string): Promise<HTMLImageElement | null> {
  return new Promise((resolve) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => resolve(null);
    img.src = src;
  });
}

/** The figure as one PNG (device pixels): canvases, SVG panels and images where they sit, and the labels. */
export async function figurePNG(fig: Element, background = ""): Promise<Blob> {
  const { parts, labels, fills, width, height } = layoutFigure(fig);
  if (!(width > 0 && height > 0)) throw new Error("the figure has nothing drawn yet");
  const dpr = Math.max(1, Math.min(3, globalThis.devicePixelRatio || 1));
  const canvas = h("canvas", { width: Math.round(width * dpr), height: Math.round(height * dpr) });
  const g = canvas.getContext("2d");
  if (!g) throw new Error("this browser cannot draw a PNG");
  g.scale(dpr, dpr);
  if (background) {
    g.fillStyle = background;
    g.fillRect(0, 0, width, height);
  }
  for (const f of fills) {
    g.fillStyle = f.color;
    g.fillRect(f.box.x, f.box.y, f.box.w, f.box.h);
  }
  for (const { el, box } of parts) {
    let src: CanvasImageSource | null = el instanceof SVGSVGElement ? null : el;
    if (el instanceof SVGSVGElement) {
      const copy = inlineSVG(el);
      copy.setAttribute("width", String(box.w));
      copy.setAttribute("height", String(box.h));
      if (!copy.getAttribute("xmlns")) copy.setAttribute("xmlns", SVG_NS);
      src = await loadImage(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(copy))}`);
    }
    if (src) g.drawImage(src, box.x, box.y, box.w, box.h);
  }
  g.textBaseline = "alphabetic";
  for (const l of labels) {
    g.font = l.font;
    g.fillStyle = l.color;
    g.fillText(l.text, l.box.x, l.box.y + l.box.h * 0.8);
  }
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the PNG could not be encoded"))), "image/png"));
}

/** Saves `data` as `name` through a temporary <a download> (no kernel, no server). */
export function download(host: HTMLElement, name: string, data: Blob): void {
  const a = h("a", { href: URL.createObjectURL(data), download: name });
  a.hidden = true;
  host.append(a);
  a.click();
  setTimeout(() => {
    URL.revokeObjectURL(a.href);
    a.remove();
  }, 1000);
}

/** The offline page this document is (an exported page): its HTML before the widget rendered into it. */
export function currentPage(doc: Document = document): string | null {
  const root = doc.getElementById("xai-root");
  if (!root || !doc.getElementById("xai-payload")) return null;
  const copy = doc.documentElement.cloneNode(true) as HTMLElement;
  // the root as the page wrote it: no children, none of the attributes the view set on it
  const fresh = doc.createElement("div");
  fresh.id = "xai-root";
  copy.querySelector("#xai-root")?.replaceWith(fresh);
  return `<!doctype html>\n${copy.outerHTML}`;
}

/** One entry of the export menu. */
export interface ExportItem {
  label: string;
  run(): void | Promise<void>;
}

/**
 * The export control: a button opening a menu of buttons (role=menu / menuitem). Enter or
 * Space opens it on the first item, arrows move, Escape closes and returns focus; the items
 * are built when it opens (the tables of what is shown now).
 */
export function exportMenu(items: () => ExportItem[], signal: AbortSignal, onError: (err: unknown) => void): HTMLElement {
  const button = h("button", { type: "button", class: "xai-export", text: "⤓", title: "export this view: page, figure or tables", "aria-label": "export", "aria-haspopup": "menu", "aria-expanded": "false" });
  const menu = h("div", { class: "xai-export-list", role: "menu", "aria-label": "export" });
  menu.hidden = true;
  const wrap = h("span", { class: "xai-export-menu" }, [button, menu]);
  const entries = (): HTMLButtonElement[] => [...menu.querySelectorAll<HTMLButtonElement>("button")];
  const close = (focus: boolean) => {
    menu.hidden = true;
    button.setAttribute("aria-expanded", "false");
    if (focus) button.focus();
  };
  const open = () => {
    menu.replaceChildren(...items().map((it) => {
      const b = h("button", { type: "button", role: "menuitem", tabindex: -1, text: it.label });
      b.addEventListener("click", () => {
        close(true);
        Promise.resolve().then(() => it.run()).catch(onError);
      }, { signal });
      return b;
    }));
    menu.hidden = false;
    button.setAttribute("aria-expanded", "true");
    entries()[0]?.focus();
  };
  button.addEventListener("click", () => (menu.hidden ? open() : close(false)), { signal });
  button.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" && menu.hidden) {
      e.preventDefault();
      open();
    }
  }, { signal });
  menu.addEventListener("keydown", (e) => {
    const list = entries();
    const i = list.indexOf(document.activeElement as HTMLButtonElement);
    const move = (j: number) => list[(j + list.length) % list.length]?.focus();
    if (e.key === "ArrowDown") move(i + 1);
    else if (e.key === "ArrowUp") move(i - 1);
    else if (e.key === "Home") move(0);
    else if (e.key === "End") move(list.length - 1);
    else if (e.key === "Escape" || e.key === "Tab") return close(e.key === "Escape");
    else return;
    e.preventDefault();
  }, { signal });
  wrap.addEventListener("focusout", (e) => {
    if (!menu.hidden && !(e.relatedTarget instanceof Node && wrap.contains(e.relatedTarget))) close(false);
  }, { signal });
  return wrap;
}
