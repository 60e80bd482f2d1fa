// The concept transition graph of TimelineView: concepts on a circle (area ~ share of states,
// ring colour = majority class), arrows weighted by the transition probability.
import { s } from "../lib/dom";
import { className } from "../lib/format";
import type { TipLine, Tooltip } from "../lib/tooltip";
import { classColor, pct, type Concepts } from "./state";

export const GRAPH_W = 330;
export const GRAPH_H = 290;

export interface GraphInput {
  concepts: Concepts;
  classes: string[];
  highlight: number;
  tooltip: Tooltip;
  signal: AbortSignal;
  /** A click on concept j's node. */
  onNode(j: number): void;
  /** A click on the arrow a -> b. */
  onEdge(a: number, b: number): void;
}

export function transitionGraph(): SVGSVGElement {
  // a group, not an image: its concepts and arrows are buttons (one Tab stop, arrows move)
  return s("svg", { class: "xai-tl-graph", width: GRAPH_W, height: GRAPH_H, role: "group", "aria-label": "concept transition graph" });
}

/** Redraws the graph into `svg`. */
export function drawGraph(svg: SVGSVGElement, g: GraphInput): void {
  const { concepts, classes, highlight, tooltip, signal } = g;
  svg.replaceChildren();
  const k = concepts.k;
  const top: string[] = [];
  for (let a = 0; a < k; a++) {
    let best = -1;
    for (let b = 0; b < k; b++) if (b !== a && (best < 0 || concepts.matrix[a * k + b] > concepts.matrix[a * k + best])) best = b;
    if (best >= 0 && concepts.matrix[a * k + best] > 0) top.push(`${concepts.names[a]} to ${concepts.names[best]} ${pct(concepts.matrix[a * k + best])}`);
  }
  svg.setAttribute("aria-label", `concept transition graph: ${k} concepts (circle area: share of states, ring: majority class); ` +
    `most likely change from each concept: ${top.join(", ") || "none"}. Arrows move between concepts and transitions, Enter shows the tree`);
  const cx = GRAPH_W / 2;
  const cy = GRAPH_H / 2 + 8;
  const R = k > 1 ? 78 : 0;
  const pos = concepts.names.map((_, j) => {
    const a = -Math.PI / 2 + (2 * Math.PI * j) / Math.max(k, 1);
    return [cx + R * Math.cos(a), cy + R * Math.sin(a)];
  });
  const rad = (j: number) => 10 + 22 * Math.sqrt(Math.max(0, concepts.share[j]));
  const defs = s("defs", {}, [s("marker", { id: "xai-tl-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" }, [s("path", { class: "xai-tl-arrowhead", d: "M0,0 L10,5 L0,10 z" })])]);
  svg.append(defs);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      const p = concepts.matrix[a * k + b];
      if (!(p >= 0.005)) continue;
      const [x1, y1] = pos[a];
      const [x2, y2] = pos[b];
      let d: string;
      let lx: number;
      let ly: number;
      if (a === b) {
        const r = rad(a);
        const dx = x1 - cx;
        const dy = y1 - cy;
        const n = Math.hypot(dx, dy) || 1;
        const ox = (dx / n) * r;
        const oy = (dy / n) * r;
        const px = -oy * 0.6;
        const py = ox * 0.6;
        const sx = x1 + ox + px;
        const sy = y1 + oy + py;
        const ex = x1 + ox - px;
        const ey = y1 + oy - py;
        d = `M${sx},${sy} C${sx + ox * 2.2},${sy + oy * 2.2} ${ex + ox * 2.2},${ey + oy * 2.2} ${ex},${ey}`;
        lx = x1 + ox * 3.1;
        ly = y1 + oy * 3.1 + 4;
      } else {
        const dx = x2 - x1;
        const dy = y2 - y1;
        const n = Math.hypot(dx, dy) || 1;
        const ux = dx / n;
        const uy = dy / n;
        const bend = 16;
        const sx = x1 + ux * rad(a);
        const sy = y1 + uy * rad(a);
        const ex = x2 - ux * (rad(b) + 2);
        const ey = y2 - uy * (rad(b) + 2);
        const mx = (sx + ex) / 2 - uy * bend;
        const my = (sy + ey) / 2 + ux * bend;
        d = `M${sx},${sy} Q${mx},${my} ${ex},${ey}`;
        lx = mx;
        ly = my;
      }
      const edge = s("path", { class: `xai-tl-edge${highlight === a ? " xai-on" : ""}`, "data-from": a, "data-to": b, d, "stroke-width": 1 + 5 * p, "marker-end": "url(#xai-tl-arrow)",
        "data-order": a * (k + 1) + 1 + b, role: "button", tabindex: -1,
        "aria-label": `transition ${concepts.names[a]} to ${concepts.names[b]}: probability ${pct(p)}; Enter: the tree of ${concepts.names[a]}` });
      const tip: TipLine[] = [`${concepts.names[a]} → ${concepts.names[b]}`, ["probability", pct(p)], "click: the tree of " + concepts.names[a]];
      edge.addEventListener("mousemove", (ev) => tooltip.show(ev, tip), { signal });
      edge.addEventListener("mouseleave", () => tooltip.hide(), { signal });
      edge.addEventListener("click", () => g.onEdge(a, b), { signal });
      svg.append(edge, s("text", { class: "xai-tl-edge-label", x: lx, y: ly, "text-anchor": "middle", text: p.toFixed(2) }));
    }
  }
  concepts.names.forEach((name, j) => {
    const [x, y] = pos[j];
    const node = s("g", { class: `xai-tl-node-g${highlight === j ? " xai-on" : ""}`, "data-concept": j, "data-order": j * (k + 1), role: "button", tabindex: -1,
      "aria-pressed": String(highlight === j),
      "aria-label": `concept ${name}: class ${className(classes, concepts.majority[j])}, purity ${pct(concepts.purity[j])}, ${pct(concepts.share[j])} of the states, stays ${pct(concepts.matrix[j * k + j])}` });
    const circle = s("circle", { class: "xai-tl-node", cx: x, cy: y, r: rad(j), fill: concepts.colors[j], stroke: classColor(concepts.majority[j]) });
    node.append(circle, s("text", { x, y: y + rad(j) + 13, "text-anchor": "middle", text: name }));
    const tip: TipLine[] = [name, ["class", className(classes, concepts.majority[j])], ["purity", pct(concepts.purity[j])], ["share of states", pct(concepts.share[j])]];
    circle.addEventListener("mousemove", (ev) => tooltip.show(ev, tip), { signal });
    circle.addEventListener("mouseleave", () => tooltip.hide(), { signal });
    node.addEventListener("click", () => g.onNode(j), { signal });
    svg.append(node);
  });
}
