// Widget CSS. JupyterLab (--jp-*) first, VS Code (--vscode-*) second, then our own fallbacks,
// which follow the OS colour scheme (classic notebook, standalone HTML pages).

export const CSS = `
.xai-root {
  --xai-fb-fg: #1f2328; --xai-fb-fg2: #59636e; --xai-fb-bg: #ffffff; --xai-fb-bg2: #f4f5f7;
  --xai-fb-border: #d0d7de; --xai-fb-accent: #1a73e8;
  --xai-fg: var(--jp-ui-font-color1, var(--vscode-editor-foreground, var(--xai-fb-fg)));
  --xai-fg2: var(--jp-ui-font-color2, var(--vscode-descriptionForeground, var(--xai-fb-fg2)));
  --xai-bg: var(--jp-layout-color1, var(--vscode-editor-background, var(--xai-fb-bg)));
  --xai-bg2: var(--jp-layout-color2, var(--vscode-editorWidget-background, var(--xai-fb-bg2)));
  --xai-border: var(--jp-border-color2, var(--vscode-panel-border, var(--xai-fb-border)));
  --xai-accent: var(--jp-brand-color1, var(--vscode-focusBorder, var(--xai-fb-accent)));
  --xai-bad: var(--jp-error-color1, var(--vscode-errorForeground, var(--xai-fb-bad, #d1242f)));
  --xai-font: var(--jp-ui-font-family, var(--vscode-font-family, system-ui, -apple-system, "Segoe UI", sans-serif));
  --xai-mono: var(--jp-code-font-family, var(--vscode-editor-font-family, ui-monospace, monospace));
  color: var(--xai-fg); background: var(--xai-bg); font-family: var(--xai-font);
  font-size: var(--jp-ui-font-size1, 13px); line-height: 1.4; padding: 8px; box-sizing: border-box;
  position: relative;
  /* a label without spaces (a long column name) breaks instead of widening the page; dom.ts
     shortens the very long ones (full text in their title) */
  overflow-wrap: anywhere;
}
.xai-root .xai-tooltip { position: absolute; z-index: 20; pointer-events: none; max-width: 320px;
  padding: 4px 8px; border-radius: 4px; background: var(--xai-bg); color: var(--xai-fg);
  border: 1px solid var(--xai-border); box-shadow: 0 2px 8px rgba(0,0,0,0.18);
  font-family: var(--xai-mono); font-size: 0.85em; line-height: 1.35; white-space: pre-wrap; }
.xai-root .xai-tooltip[hidden] { display: none; }
.xai-root .xai-tooltip b { font-weight: 600; }
@media (prefers-color-scheme: dark) {
  .xai-root {
    --xai-fb-fg: #e6edf3; --xai-fb-fg2: #9198a1; --xai-fb-bg: #0d1117; --xai-fb-bg2: #161b22;
    --xai-fb-border: #3d444d; --xai-fb-accent: #4493f8; --xai-fb-bad: #ff7b72;
  }
}
.xai-root *, .xai-root *::before, .xai-root *::after { box-sizing: border-box; }
.xai-root .xai-header { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 16px; margin-bottom: 6px; }
.xai-root .xai-title { font-size: 1.15em; font-weight: 600; margin: 0; }
.xai-root .xai-nav { display: flex; align-items: center; gap: 4px; }
.xai-root .xai-nav input { width: 5em; }
.xai-root .xai-info { color: var(--xai-fg2); font-variant-numeric: tabular-nums; }
.xai-root .xai-info.xai-wrong .xai-pred { color: var(--xai-bad); font-weight: 600; }
.xai-root button, .xai-root select, .xai-root input[type=number] {
  font: inherit; color: var(--xai-fg); background: var(--xai-bg2); border: 1px solid var(--xai-border);
  border-radius: 3px; padding: 1px 6px;
}
.xai-root button:disabled { opacity: 0.45; }
/* a select is as wide as its longest option: never wider than the view */
.xai-root select { max-width: 100%; min-width: 0; text-overflow: ellipsis; }
.xai-root label:has(> select) { max-width: 100%; min-width: 0; }
.xai-root .xai-controls { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 16px; margin-bottom: 8px; color: var(--xai-fg2); }
.xai-root .xai-controls label { display: inline-flex; align-items: center; gap: 4px; }
.xai-root .xai-controls input[type=range] { width: 90px; accent-color: var(--xai-accent); }
.xai-root .xai-controls .xai-val { min-width: 2.6em; font-variant-numeric: tabular-nums; }
.xai-root .xai-panels { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.xai-root .xai-panels.xai-grid { display: grid; justify-content: start; }
.xai-root .xai-panel { margin: 0; display: flex; flex-direction: column; gap: 2px; }
.xai-root .xai-canvas-wrap { position: relative; line-height: 0; background: var(--xai-bg2);
  outline: 1px solid var(--xai-border); }
.xai-root canvas.xai-image { image-rendering: pixelated; display: block; cursor: crosshair; }
.xai-root .xai-cursor { position: absolute; pointer-events: none; outline: 1px solid var(--xai-accent);
  box-shadow: 0 0 0 1px rgba(255,255,255,0.7); display: none; }
.xai-root .xai-caption.xai-masked::after { content: " ◐"; color: var(--xai-fg2); font-weight: 400; }
.xai-root .xai-caption { font-weight: 600; text-align: center; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.xai-root .xai-legend { display: flex; flex-direction: column; gap: 1px; }
.xai-root canvas.xai-colorbar { width: 100%; height: 8px; image-rendering: pixelated; display: block;
  outline: 1px solid var(--xai-border); }
.xai-root .xai-legend-bar { position: relative; }
.xai-root .xai-legend-band { position: absolute; top: 0; height: 100%; background: var(--xai-bg);
  opacity: 0.7; background-image: repeating-linear-gradient(45deg, var(--xai-border) 0 2px, transparent 2px 4px); }
.xai-root .xai-legend-band[hidden], .xai-root .xai-legend-note[hidden] { display: none; }
.xai-root .xai-legend-note { font-size: 0.8em; color: var(--xai-fg2); }
.xai-root .xai-legend-labels { display: flex; justify-content: space-between; font-size: 0.85em;
  color: var(--xai-fg2); font-variant-numeric: tabular-nums; }
.xai-root .xai-readout { min-height: 1.4em; margin: 6px 0; font-family: var(--xai-mono); font-size: 0.9em;
  color: var(--xai-fg2); white-space: pre-wrap; }
.xai-root .xai-readout b { color: var(--xai-fg); font-weight: 600; }
.xai-root .xai-status { color: var(--xai-fg2); font-style: italic; }
.xai-root .xai-hint { color: var(--xai-fg2); font-size: 0.85em; }
.xai-root .xai-tools { margin-left: auto; display: inline-flex; gap: 4px; }
.xai-root .xai-help { max-width: 720px; margin: 0 0 8px 0; padding: 6px 10px; border-left: 3px solid var(--xai-accent);
  background: var(--xai-bg2); color: var(--xai-fg2); font-size: 0.9em; }
.xai-root .xai-help p { margin: 2px 0; }
.xai-root .xai-help[hidden] { display: none; }
.xai-root .xai-info.xai-wrong .xai-truth { color: var(--xai-bad); font-weight: 600; }
.xai-root.xai-loading .xai-panels { opacity: 0.35; }
.xai-root .xai-bars { display: inline-grid; gap: 2px 12px; align-items: start; }
.xai-root .xai-bar-labels { display: flex; flex-direction: column; text-align: right; font-size: 0.9em; }
.xai-root .xai-bar-labels span.xai-hover { color: var(--xai-accent); }
.xai-root .xai-bar-labels span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 14em; }
.xai-root canvas.xai-barchart { display: block; cursor: crosshair; }
/* -- sequence and molecule views (views/sequence.ts, views/molecule.ts) -- */
.xai-root .xai-seq { display: grid; grid-template-columns: repeat(var(--xai-seq-cols, 1), minmax(0, 1fr));
  gap: 10px; align-items: start; }
.xai-root .xai-seq-row { display: flex; flex-direction: column; gap: 4px; min-width: 0; padding: 6px 8px;
  border: 1px solid var(--xai-border); border-radius: 4px; background: var(--xai-bg); }
.xai-root .xai-seq-head { display: flex; flex-wrap: wrap; align-items: flex-start; justify-content: space-between;
  gap: 2px 8px; }
.xai-root .xai-seq-head .xai-caption { text-align: left; flex: 0 1 auto; min-width: 0; max-width: 100%; }
.xai-root .xai-seq-head .xai-legend { flex: 1 0 110px; max-width: 150px; margin-left: auto; }
.xai-root .xai-seq-head .xai-legend[hidden] { display: none; }
.xai-root .xai-tokens-wrap { position: relative; }
.xai-root .xai-tokens { display: flex; flex-wrap: wrap; gap: 3px 2px; font-family: var(--xai-mono); }
.xai-root .xai-token { padding: 0 3px 4px; border-radius: 2px; white-space: pre; cursor: default; }
.xai-root .xai-token.xai-hover { outline: 2px solid var(--xai-accent); }
.xai-root canvas.xai-strip { position: absolute; left: 0; top: 0; width: 100%; height: 100%; display: block;
  pointer-events: none; }
.xai-root svg.xai-molecule { display: block; width: 100%; height: auto; margin: 0 auto; overflow: visible; }
.xai-root svg.xai-molecule line { stroke: var(--xai-fg); stroke-width: 1.4px; vector-effect: non-scaling-stroke;
  stroke-linecap: round; }
.xai-root svg.xai-molecule line.xai-dashed { stroke-dasharray: 3 2; }
.xai-root svg.xai-molecule .xai-atom.xai-hidden { display: none; }
.xai-root svg.xai-molecule .xai-atom-label { fill: var(--xai-fg); text-anchor: middle; dominant-baseline: central;
  font-family: var(--xai-font); paint-order: stroke; stroke: var(--xai-bg); stroke-width: 0.08px;
  stroke-linejoin: round; pointer-events: none; }
.xai-root svg.xai-molecule .xai-atom-hit { fill: transparent; stroke: none; }
.xai-root svg.xai-molecule .xai-atom-hit.xai-hover { stroke: var(--xai-accent); stroke-width: 2.5px;
  vector-effect: non-scaling-stroke; }
/* -- end of sequence and molecule views -- */
.xai-root .xai-metrics-wrap { margin-top: 12px; }
.xai-root table.xai-metrics { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.xai-root table.xai-metrics caption { caption-side: bottom; text-align: left; color: var(--xai-fg2); font-size: 0.85em; padding-top: 4px; }
.xai-root table.xai-metrics th, .xai-root table.xai-metrics td { padding: 2px 10px; border-bottom: 1px solid var(--xai-border); text-align: right; }
.xai-root table.xai-metrics th[scope=row] { text-align: left; }
.xai-root table.xai-metrics td.best { font-weight: 700; }
.xai-root table.xai-metrics td.best .xai-mean::before { content: "★ "; color: var(--xai-accent); }
.xai-root table.xai-metrics th.xai-sortable { cursor: pointer; user-select: none; }
.xai-root table.xai-metrics th[aria-sort=ascending]::after { content: " ▴"; }
.xai-root table.xai-metrics th[aria-sort=descending]::after { content: " ▾"; }
.xai-root table.xai-metrics td { vertical-align: top; }
.xai-root table.xai-metrics .xai-ci, .xai-root table.xai-metrics .xai-sample-value { color: var(--xai-fg2);
  font-size: 0.8em; font-weight: 400; }
.xai-root table.xai-metrics .xai-sample-value { color: var(--xai-accent); }
.xai-root table.xai-metrics .xai-rank { color: var(--xai-fg2); font-weight: 400; margin-left: 2px; }
.xai-root table.xai-metrics caption { max-width: 720px; }
.xai-root .xai-swatch-sq { width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
.xai-root svg.xai-curves .xai-grid, .xai-root svg.xai-lines .xai-grid { stroke: var(--xai-border); stroke-opacity: 0.5; }
.xai-root .xai-extras { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; margin-top: 12px; }
.xai-root .xai-linechart { display: flex; flex-direction: column; gap: 4px; }
.xai-root svg.xai-lines { overflow: visible; }
.xai-root svg.xai-lines text { fill: var(--xai-fg2); font-size: 11px; font-family: var(--xai-font); }
.xai-root svg.xai-lines .xai-chart-title { fill: var(--xai-fg); font-weight: 600; font-size: 12px; }
.xai-root svg.xai-lines .xai-axis { stroke: var(--xai-fg2); fill: none; }
.xai-root svg.xai-lines .xai-point-label { fill: var(--xai-fg); font-size: 10px; }
.xai-root svg.xai-lines .xai-point { stroke: var(--xai-bg); stroke-width: 1; }
.xai-root table.xai-stats { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.xai-root table.xai-stats caption { font-weight: 600; text-align: left; padding-bottom: 4px; }
.xai-root table.xai-stats th, .xai-root table.xai-stats td { padding: 2px 10px; border-bottom: 1px solid var(--xai-border); }
.xai-root table.xai-stats th { text-align: left; font-weight: 400; }
.xai-root table.xai-stats td { text-align: right; }
.xai-root .xai-charts { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 12px; margin-top: 8px; }
.xai-root svg.xai-curves { overflow: visible; }
.xai-root svg.xai-curves text { fill: var(--xai-fg2); font-size: 10px; font-family: var(--xai-font); }
.xai-root svg.xai-curves .xai-axis { stroke: var(--xai-border); fill: none; }
.xai-root svg.xai-curves .xai-chart-title { fill: var(--xai-fg); font-weight: 600; font-size: 11px; }
.xai-root .xai-curve-legend { display: flex; flex-direction: column; gap: 2px; font-size: 0.9em; }
.xai-root .xai-swatch { display: inline-block; width: 14px; height: 3px; margin-right: 6px; vertical-align: middle; }
`;

/** Marks `el` as a widget root and gives it the stylesheet (once, even across re-renders). */
export function applyTheme(el: HTMLElement): void {
  el.classList.add("xai-root");
  if (el.querySelector(":scope > style[data-xai-theme]")) return;
  const style = document.createElement("style");
  style.dataset.xaiTheme = "1";
  style.textContent = CSS;
  el.prepend(style);
}
