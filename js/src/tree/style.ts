// Styles of ConceptTreeView (the shared tree styles included).
import { TREE_CSS } from "../views/treeview";

export const CSS = `${TREE_CSS}
.xai-root .xai-tree-below { display: flex; flex-wrap: wrap; gap: 10px 24px; align-items: flex-start; margin-top: 8px; }
.xai-root .xai-node-detail { flex: 1 1 440px; min-width: 280px; display: flex; flex-direction: column; gap: 4px; }
.xai-root .xai-side { flex: 1 1 300px; min-width: 240px; display: flex; flex-direction: column; gap: 8px; }
.xai-root .xai-node-detail h4 { margin: 0; font-size: 1em; }
.xai-root .xai-thumbs { display: flex; flex-wrap: wrap; gap: 6px; }
.xai-root .xai-thumb-card { display: flex; flex-direction: column; width: 100px; font-size: 11px; line-height: 1.25; }
.xai-root .xai-thumb-card span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--xai-fg2); }
.xai-root .xai-thumb-card .xai-thumb-index { color: var(--xai-fg); font-weight: 600; }
.xai-root .xai-thumb-card.xai-misclassified .xai-thumb-true { color: var(--xai-bad); }
.xai-root canvas.xai-thumb { width: 64px; height: 64px; image-rendering: pixelated; outline: 1px solid var(--xai-border); cursor: pointer; }
.xai-root canvas.xai-thumb.xai-wrong { outline: 2px solid var(--xai-bad); }
.xai-root canvas.xai-thumb.xai-current { outline: 3px solid var(--xai-tree-path); }
.xai-root .xai-thumb-slot { width: 64px; height: 64px; background: var(--xai-bg2); outline: 1px dashed var(--xai-border); }
.xai-root .xai-legend-classes { display: grid; grid-template-columns: auto minmax(0, 1fr); gap: 3px 10px; font-size: 0.9em; align-items: center; }
.xai-root .xai-legend-classes .xai-legend-title { grid-column: 1 / -1; }
.xai-root .xai-legend-row { display: flex; flex-wrap: wrap; gap: 2px 10px; }
.xai-root .xai-legend-item { display: inline-flex; align-items: center; gap: 4px; min-width: 0; }
.xai-root .xai-legend-item i { display: inline-block; flex: none; width: 14px; height: 12px; border: 1px solid var(--xai-border); }
.xai-root .xai-legend-group { font-weight: 600; }
.xai-root .xai-dist { display: flex; height: 10px; width: 100%; outline: 1px solid var(--xai-border); }
.xai-root .xai-controls input.xai-sample { width: 6em; }
.xai-root .xai-controls input.xai-depth { width: 4em; }
.xai-root table.xai-acc { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 0.9em; }
.xai-root table.xai-acc th, .xai-root table.xai-acc td { padding: 2px 6px; text-align: center; }
.xai-root table.xai-acc th[scope=row] { text-align: right; font-weight: 400; font-family: var(--xai-mono); }
.xai-root table.xai-acc th[scope=col] { cursor: pointer; }
.xai-root table.xai-acc td { cursor: pointer; min-width: 3.2em; }
.xai-root table.xai-acc td.xai-best { outline: 2px solid var(--xai-fg); outline-offset: -2px; font-weight: 700; }
.xai-root table.xai-acc .xai-linked { box-shadow: inset 0 -3px 0 var(--xai-fg); text-decoration: underline; }
.xai-root .xai-acc-wrap h4 { margin: 12px 0 4px 0; font-size: 1em; }
.xai-root .xai-sample-info { font-size: 0.9em; }
`;
