// Styles of TimelineView (the shared tree styles included).
import { TREE_CSS } from "../views/treeview";

export const CSS = `
.xai-root .xai-tl-grid { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.xai-root .xai-tl-main { flex: 1 1 640px; min-width: 360px; display: flex; flex-direction: column; gap: 4px; }
.xai-root .xai-tl-side { flex: 0 1 330px; min-width: 260px; display: flex; flex-direction: column; gap: 8px; }
.xai-root .xai-tl-wrap { position: relative; line-height: 0; }
.xai-root canvas.xai-tl-canvas { display: block; width: 100%; cursor: crosshair; touch-action: none; }
.xai-root .xai-tl-cursor { position: absolute; top: 0; bottom: 0; width: 1px; background: var(--xai-fg); opacity: 0.6; pointer-events: none; display: none; }
.xai-root .xai-tl-sel { position: absolute; top: 0; bottom: 0; background: var(--xai-accent); opacity: 0.18; pointer-events: none; display: none; }
.xai-root .xai-tl-caption { font-size: 0.85em; color: var(--xai-fg2); }
.xai-root .xai-tl-legend { display: flex; flex-wrap: wrap; gap: 2px 12px; font-size: 0.9em; align-items: center; }
.xai-root .xai-tl-legend .xai-swatch { height: 10px; width: 12px; }
.xai-root .xai-tl-legend .xai-tl-concept { cursor: pointer; }
.xai-root .xai-tl-legend .xai-tl-concept.xai-on { font-weight: 700; text-decoration: underline; }
.xai-root .xai-tl-detail { font-size: 0.9em; min-height: 3em; }
.xai-root .xai-tl-detail .xai-tl-rule { font-family: var(--xai-mono); white-space: pre-wrap; }
.xai-root .xai-tl-matches button { display: block; margin: 2px 0; text-align: left; width: 100%; }
.xai-root svg.xai-tl-graph { border: 1px solid var(--xai-border); background: var(--xai-bg); user-select: none; }
.xai-root svg.xai-tl-graph text { fill: var(--xai-fg); font-family: var(--xai-font); font-size: 11px; pointer-events: none;
  paint-order: stroke; stroke: var(--xai-bg); stroke-width: 3px; stroke-linejoin: round; } /* a halo: labels stay legible across edges */
.xai-root svg.xai-tl-graph .xai-tl-edge { fill: none; stroke: var(--xai-fg2); cursor: pointer; }
.xai-root svg.xai-tl-graph .xai-tl-edge:hover, .xai-root svg.xai-tl-graph .xai-tl-edge.xai-on { stroke: var(--xai-accent); }
.xai-root svg.xai-tl-graph .xai-tl-edge-label { fill: var(--xai-fg2); font-size: 10px; }
.xai-root svg.xai-tl-graph .xai-tl-arrowhead { fill: var(--xai-fg2); }
.xai-root svg.xai-tl-graph circle.xai-tl-node { stroke-width: 3; cursor: pointer; }
.xai-root svg.xai-tl-graph .xai-tl-node-g.xai-on circle.xai-tl-node { stroke: var(--xai-fg); stroke-width: 4; }
.xai-root .xai-tl-tree h4 { margin: 4px 0; font-size: 1em; }
${TREE_CSS}
`;
