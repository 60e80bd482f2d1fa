// DatasetOverview view (xaiwidgets/widgets/overview.py): every sample of a run as a WebGL point
// (regl-scatterplot, bundled), placed by a stored embedding. Columns stream from the kernel in
// blocks of whole shards and points appear as blocks arrive; colouring, sizing, filtering,
// search and the tooltip run on the loaded arrays without a kernel message. The selection
// (lasso, click, search) is mirrored to Python as `_selection` (debounced). Without WebGL, above
// `max_points`, or in an offline page, the view shows the kernel's density picture instead.
import createScatterplot, { createRenderer } from "regl-scatterplot";
import { lutFor } from "./lib/colormap";
import { h, putRGBA, setText } from "./lib/dom";
import { heatmapRGBA, inputRGBA } from "./lib/heatmap";
import { joinLink, type LinkHost } from "./lib/link";
import { Tooltip } from "./lib/tooltip";
import { defineView, errorText, type ViewContext } from "./lib/view";
import { type NDArray, type Quantized } from "./lib/wire";
import {
  blocks,
  type ColorEncoding,
  colorEncoding,
  type ColumnSpec,
  Columns,
  type Filter,
  filterRows,
  formatNumber,
  normalizeCoords,
  rowPasses,
  selectionBytes,
  selectionFrom,
  sizeValues,
  UNKNOWN,
} from "./overview/data";
import { type DescribeReply, drawDescription } from "./overview/describe";
import { categoryRows, parseQuery } from "./overview/search";
import css from "./overview.css";

/** DatasetOverview's traits, decoded. */
export interface OverviewState {
  title: string;
  n: number;
  shard_size: number;
  block_rows: number;
  max_points: number;
  catalogue: ColumnSpec[];
  class_names: string[];
  x: string;
  color: string;
  size: string;
  density: { uri?: string; extent?: number[]; max?: number };
  methods: string[];
  _selection: unknown;
}

/** The "sample" fetch: one sample's input and attributions (xaiwidgets/widgets/overview.py). */
interface SampleBlock {
  index: NDArray;
  inputs: Quantized; // unsigned (1, H, W, C)
  attributions: Record<string, Quantized>; // (1, H, W)
}

interface ColumnsBlock {
  start: number;
  stop: number;
  columns: Record<string, NDArray>;
}

type Scatter = ReturnType<typeof createScatterplot>;

/** Milliseconds between the last selection change and its message to the kernel. */
export const SELECTION_DEBOUNCE = 250;
const POINT_SIZES = Array.from({ length: 16 }, (_, k) => 1.5 + k * 0.35);

function webglAvailable(): boolean {
  try {
    const c = document.createElement("canvas");
    return !!(c.getContext("webgl") || c.getContext("experimental-webgl"));
  } catch {
    return false;
  }
}

function cssVar(el: HTMLElement, name: string, fallback: string): string {
  try {
    return getComputedStyle(el).getPropertyValue(name).trim() || fallback;
  } catch {
    return fallback;
  }
}

function render(ctx: ViewContext<OverviewState>): void {
  const { el, signal } = ctx;
  const n = ctx.get("n");
  const catalogue = ctx.get("catalogue");
  const cols = new Columns(n, catalogue);
  const plain = catalogue.filter((c) => c.kind !== "coords");
  const numbers = catalogue.filter((c) => c.kind === "number");
  const xName = ctx.get("x");
  let colorBy = ctx.get("color");
  let sizeBy = ctx.get("size");
  const labelCol = catalogue.find((c) => c.name === "y_true");
  const predCol = catalogue.find((c) => c.name === "y_pred");

  // -- layout ------------------------------------------------------------------------------
  const title = ctx.get("title");
  const header = h("div", { class: "xai-header" }, [
    title ? h("h3", { class: "xai-title", text: title }) : null,
    h("span", { class: "xai-tools" }),
  ]);
  const option = (c: ColumnSpec | null, selected: string) => {
    const o = h("option", { value: c ? c.name : "", text: c ? c.name : "(none)" });
    o.selected = (c ? c.name : "") === selected;
    return o;
  };
  const colorSel = h("select", { class: "xai-ov-color", "aria-label": "colour by" },
    [option(null, colorBy), ...plain.map((c) => option(c, colorBy))]);
  const sizeSel = h("select", { class: "xai-ov-size", "aria-label": "size by" },
    [option(null, sizeBy), ...numbers.map((c) => option(c, sizeBy))]);
  const modeBtn = h("button", { type: "button", class: "xai-ov-mode", "aria-pressed": "false", text: "lasso" });
  const search = h("input", { type: "search", class: "xai-ov-search", placeholder: "index, or label:7, wrong…", "aria-label": "find samples by index or by category name (column:name)", title: "a sample index; a category name (wrong, sick); or column:name (label:7, prediction:cat)" });
  const clearBtn = h("button", { type: "button", class: "xai-ov-clear", text: "clear", "aria-label": "clear the selection", title: "clear the selection (Escape, or double-click the plot)" });
  const filterSel = h("select", { class: "xai-ov-filter", "aria-label": "filter by" },
    [option(null, ""), ...plain.map((c) => option(c, ""))]);
  const filterBox = h("span", { class: "xai-ov-filterbox" });
  const controls = h("div", { class: "xai-controls" }, [
    h("label", {}, ["colour ", colorSel]),
    h("label", {}, ["size ", sizeSel]),
    h("label", {}, ["filter ", filterSel]), filterBox,
    modeBtn, h("label", {}, ["find ", search]), clearBtn,
  ]);
  const canvas = h("canvas", { class: "xai-ov-canvas" });
  const plot = h("div", { class: "xai-ov-plot", tabindex: "0", role: "application",
    "aria-label": "scatter of the samples: drag to pan, wheel to zoom, lasso mode to select" }, [canvas]);
  const legend = h("div", { class: "xai-ov-legend", "aria-label": "legend" });
  const info = h("div", { class: "xai-ov-info", "aria-live": "polite" });
  const methods = ctx.get("methods") ?? [];
  const samplePanel = h("div", { class: "xai-ov-sample", "aria-live": "polite" });
  samplePanel.hidden = true;
  const describeBtn = h("button", { type: "button", class: "xai-ov-describe-btn", text: "Describe selection",
    title: "counts, metric means and rules that tell the selected samples apart from the rest" });
  const hasCorrect = catalogue.some((c) => c.name === "correct");
  const wrongBtn = hasCorrect ? h("button", { type: "button", class: "xai-ov-describe-wrong", text: "Describe the misclassified",
    title: "the samples whose prediction differs from the label" }) : null;
  const describePanel = h("div", { class: "xai-ov-describe", "aria-live": "polite" });
  describePanel.hidden = true;
  const describeBar = h("div", { class: "xai-controls xai-ov-describe-bar" }, [describeBtn, wrongBtn]);
  ctx.clear();
  el.append(header, controls, h("div", { class: "xai-ov-main" }, [plot, legend]), info, describeBar, describePanel, samplePanel, ctx.status.el);
  const tip = new Tooltip(el);

  // -- density fallback --------------------------------------------------------------------
  const showDensity = (why: string) => {
    const d = ctx.get("density");
    plot.replaceChildren();
    plot.classList.add("xai-ov-density");
    if (d.uri) plot.append(h("img", { src: d.uri, alt: `density of the ${n} samples`, class: "xai-ov-density-img" }));
    plot.append(h("div", { class: "xai-note", text: why }));
    legend.replaceChildren(h("div", { text: `samples per bin: 0 – ${d.max ?? 0} (log scale)` }));
    for (const c of [colorSel, sizeSel, modeBtn, search, clearBtn, filterSel, describeBtn, wrongBtn]) if (c) c.disabled = true;
  };
  if (ctx.standalone) {
    showDensity("offline page: the points need the kernel; this is the density of every sample");
    ctx.ready();
    return;
  }
  if (n > ctx.get("max_points")) {
    showDensity(`${n.toLocaleString()} samples: more than the ${ctx.get("max_points").toLocaleString()} drawn as points; this is their density`);
    ctx.ready();
    return;
  }
  if (!webglAvailable()) {
    showDensity("WebGL is not available in this browser: this is the density of every sample");
    ctx.ready();
    return;
  }

  // -- scatter -----------------------------------------------------------------------------
  const width = () => Math.max(200, Math.floor(plot.clientWidth || 600));
  const height = () => Math.max(200, Math.floor(plot.clientHeight || 420));
  let scatter: Scatter;
  let renderer: ReturnType<typeof createRenderer> | null = null;
  try {
    // The scatter's own renderer would size its WebGL canvas and float framebuffer to the whole
    // window (times the pixel ratio), and clear, tone-map and copy every pixel of it each frame;
    // a renderer of the plot's size does the same work on the plot's pixels only.
    renderer = createRenderer({ canvas: document.createElement("canvas") });
    renderer.resize(width(), height());
    scatter = createScatterplot({
      renderer, canvas, width: width(), height: height(), pointSize: POINT_SIZES, pointSizeSelected: 2,
      pointOutlineWidth: 1, lassoOnLongPress: false, lassoInitiator: false, deselectOnEscape: true,
      deselectOnDblClick: true, spatialIndexUseWorker: false, opacityInactiveMax: 0.35, keyMap: { shift: "lasso" } as never,
    } as never);
  } catch (err) {
    renderer?.destroy();
    showDensity(`WebGL failed (${errorText(err)}): this is the density of every sample`);
    ctx.ready();
    return;
  }
  ctx.onCleanup(() => {
    scatter.destroy();
    renderer!.destroy(); // a renderer passed in is the caller's to destroy
  });
  const applyTheme = () => {
    const bg = cssVar(el, "--xai-bg", "#ffffff");
    const fg = cssVar(el, "--xai-fg", "#1f2328");
    void scatter.set({ backgroundColor: bg, lassoColor: fg, pointColorActive: cssVar(el, "--xai-accent", "#1a73e8") } as never);
  };
  applyTheme();
  ctx.onTheme(applyTheme);
  if (typeof ResizeObserver !== "undefined") {
    const ro = new ResizeObserver(() => {
      renderer!.resize(width(), height());
      void scatter.set({ width: width(), height: height() });
    });
    ro.observe(plot);
    ctx.onCleanup(() => ro.disconnect());
  }

  let drawn = 0; // rows drawn (a prefix: blocks arrive in order)
  let enc: ColorEncoding | null = null;
  let filters: Filter[] = [];
  let selected: number[] = selectionFrom(ctx.get("_selection"));
  let lastMouse = { clientX: 0, clientY: 0 };
  let hovered = -1;

  const needed = () => [xName, colorBy, sizeBy, labelCol?.name, predCol?.name].filter((c): c is string => !!c);
  const countInfo = () => {
    const shown = filters.length ? filterRows(cols, filters, drawn).length : drawn;
    setText(info, `${selected.length.toLocaleString()} selected · ${shown.toLocaleString()} shown of ${n.toLocaleString()}` +
      (drawn < n ? ` · loaded ${drawn.toLocaleString()}` : ""));
  };

  /** Draws the rows held now (called through `scheduleRedraw` only: one draw at a time). */
  const redraw = async () => {
    const k = cols.held([xName, ...(colorBy ? [colorBy] : []), ...(sizeBy ? [sizeBy] : [])]);
    if (!k) return;
    const xy = cols.values.get(xName) as Float32Array;
    const { x, y } = normalizeCoords(xy, k, cols.spec(xName)?.range ?? null);
    enc = colorEncoding(cols.spec(colorBy), cols.values.get(colorBy), k, cssVar(el, "--xai-accent", "#1a73e8"));
    const w = sizeValues(cols.spec(sizeBy), cols.values.get(sizeBy), k);
    await scatter.set({ pointColor: enc.colors, colorBy: "valueA", sizeBy: sizeBy ? "valueB" : null,
      pointSize: sizeBy ? POINT_SIZES : 4 } as never);
    const sel = selected.filter((i) => i < k);
    const filt = filters.length ? filterRows(cols, filters, k) : undefined;
    await scatter.draw({ x, y, z: enc.values, w }, {
      zDataType: enc.type, wDataType: "continuous", transition: false, preventFilterReset: false,
      select: sel, ...(filt ? { filter: filt } : {}),
    } as never);
    drawn = k;
    el.dataset.xaiPoints = String(k);
    drawLegend();
    countInfo();
  };

  // -- legend ------------------------------------------------------------------------------
  const drawLegend = () => {
    legend.replaceChildren();
    if (!enc) return;
    const spec = cols.spec(colorBy);
    if (!spec) return;
    legend.append(h("div", { class: "xai-ov-legend-title", text: spec.name }));
    if (enc.type === "categorical") {
      const names = [...enc.labels, "unknown"];
      const filter = filters.find((f) => f.column === colorBy && f.kind === "categories");
      names.forEach((name, k) => {
        if (k === names.length - 1 && !hasUnknown(spec)) return;
        const on = !filter || (filter.kind === "categories" && filter.keep.has(k));
        const b = h("button", { type: "button", class: "xai-ov-legend-item", "aria-pressed": String(on), title: `show / hide ${name}` }, [
          h("span", { class: "xai-ov-swatch", style: `background:${enc!.colors[k]}` }), name,
        ]);
        b.addEventListener("click", () => toggleCategory(k), { signal });
        legend.append(b);
      });
    } else if (enc.range) {
      const bar = h("div", { class: "xai-ov-bar", style: `background:linear-gradient(to right,${enc.colors.join(",")})` });
      legend.append(bar, h("div", { class: "xai-ov-bar-labels" }, [
        h("span", { text: formatNumber(enc.range[0]) }), h("span", { text: formatNumber(enc.range[1]) })]));
    }
    const size = cols.spec(sizeBy);
    if (size?.range) {
      legend.append(h("div", { class: "xai-ov-legend-title xai-ov-size-title", text: `size: ${size.name}` }),
        h("div", { class: "xai-ov-bar-labels" }, [
          h("span", { text: `small ${formatNumber(size.range[0])}` }), h("span", { text: `large ${formatNumber(size.range[1])}` })]));
    }
  };
  const hasUnknown = (spec: ColumnSpec) => {
    if (spec.kind !== "category") return false;
    const arr = cols.values.get(spec.name);
    if (!arr) return false;
    for (let i = 0; i < drawn; i++) if (arr[i] === UNKNOWN) return true;
    return false;
  };
  const toggleCategory = (k: number) => {
    const spec = cols.spec(colorBy);
    if (!spec) return;
    const all = (spec.categories?.length ?? 0) + 1;
    let f = filters.find((x) => x.column === colorBy && x.kind === "categories") as Extract<Filter, { kind: "categories" }> | undefined;
    if (!f) {
      f = { column: colorBy, kind: "categories", keep: new Set(Array.from({ length: all }, (_, j) => j)) };
      filters.push(f);
    }
    if (f.keep.has(k)) f.keep.delete(k);
    else f.keep.add(k);
    if (f.keep.size === all) filters = filters.filter((x) => x !== f);
    const focused = legend.contains(document.activeElement);
    void applyFilters().then(() => {
      // the legend is rebuilt: keep the keyboard on the item just toggled
      if (focused) legend.querySelectorAll<HTMLButtonElement>(".xai-ov-legend-item")[k]?.focus();
    });
  };
  const applyFilters = async () => {
    if (filters.length) await scatter.filter(filterRows(cols, filters, drawn), { preventEvent: true });
    else await scatter.unfilter({ preventEvent: true });
    drawLegend();
    countInfo();
  };

  // -- filter controls (a numeric range, or category toggles in the legend) -----------------
  filterSel.addEventListener("change", () => {
    filterBox.replaceChildren();
    const spec = cols.spec(filterSel.value);
    if (!spec) return;
    void ensure([spec.name]).then(() => {
      if (spec.kind === "number" && spec.range) {
        const lo = h("input", { type: "number", class: "xai-ov-lo", step: "any", value: String(spec.range[0]), "aria-label": `${spec.name} from` });
        const hi = h("input", { type: "number", class: "xai-ov-hi", step: "any", value: String(spec.range[1]), "aria-label": `${spec.name} to` });
        const apply = () => {
          filters = filters.filter((f) => f.column !== spec.name);
          const a = Number(lo.value), b = Number(hi.value);
          if (Number.isFinite(a) && Number.isFinite(b)) filters.push({ column: spec.name, kind: "range", lo: a, hi: b });
          void applyFilters();
        };
        lo.addEventListener("change", apply, { signal });
        hi.addEventListener("change", apply, { signal });
        filterBox.append(lo, " – ", hi);
        apply();
      } else {
        filterBox.append(h("span", { class: "xai-note", text: "colour by it, then click the legend's categories" }));
        colorSel.value = spec.name;
        colorSel.dispatchEvent(new Event("change"));
      }
    });
  }, { signal });

  // -- loading -----------------------------------------------------------------------------
  // Every draw uploads all the rows held (regl-scatterplot has no append: it rebuilds its point
  // texture and spatial index), so a draw per block would cost the square of the row count: 16
  // draws of a growing prefix at 10^6 rows, seconds each in a software rasteriser. Instead a
  // block asks for a draw only when the rows held have doubled since the last one asked (and
  // the last block always), and draws are coalesced: one pump draws everything held at the next
  // animation frame, and blocks arriving while it draws only mark it dirty again. The points
  // still appear progressively (65k, 131k, 262k, 524k, all at 10^6), each row uploaded about
  // twice in all.
  let dirty = false;
  let pumping: Promise<void> | null = null;
  const nextFrame = () => new Promise<void>((done) => {
    if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => done());
    else setTimeout(done, 0);
  });
  const pump = async () => {
    try {
      while (dirty && !signal.aborted) {
        dirty = false;
        await nextFrame();
        await redraw();
      }
    } finally {
      pumping = null; // synchronously after the last `dirty` check: no request is lost
    }
  };
  /** Asks for a draw of every row held; resolves once the pump has drawn all that was asked. */
  const scheduleRedraw = (): Promise<void> => {
    dirty = true;
    pumping ??= pump();
    return pumping;
  };
  const blockList = blocks(n, ctx.get("block_rows"));
  /** Fetches the named columns (those not loaded) block by block, drawing as they arrive. */
  const ensure = async (names: string[]) => {
    const missing = [...new Set(names)].filter((c) => (cols.loaded.get(c) ?? 0) < n);
    if (!missing.length) return scheduleRedraw();
    let asked = 0; // rows held when a draw was last asked for
    for (const [start, stop] of blockList) {
      if (signal.aborted) return;
      const want = missing.filter((c) => (cols.loaded.get(c) ?? 0) <= start);
      if (!want.length) continue;
      ctx.status.say(`loading samples ${start.toLocaleString()}–${stop.toLocaleString()} of ${n.toLocaleString()}…`);
      const block = await ctx.fetch<ColumnsBlock>("columns", { names: want, start, stop });
      for (const c of want) cols.put(c, block.start, block.columns[c].data as ArrayLike<number>);
      if (stop < n && stop < 2 * asked) continue;
      asked = stop;
      scheduleRedraw().catch((err) => ctx.status.report("drawing the points", err));
    }
    ctx.status.idle();
    await scheduleRedraw();
  };

  // -- interaction -------------------------------------------------------------------------
  let timer: ReturnType<typeof setTimeout> | null = null;
  const sendSelection = () => {
    const model = ctx.model as unknown as { set(k: string, v: unknown): void; save_changes(): void };
    model.set("_selection", selectionBytes(selected));
    model.save_changes();
  };
  const publish = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      sendSelection();
    }, SELECTION_DEBOUNCE);
  };
  /** Sends a pending (debounced) selection now: the kernel reads it before the next fetch. */
  const flushSelection = () => {
    if (!timer) return;
    clearTimeout(timer);
    timer = null;
    sendSelection();
  };
  ctx.onCleanup(() => timer && clearTimeout(timer));
  // linked views (lib/link.ts, xw.link): the selection goes to them as dataset rows, and theirs
  // (a tree node, a rule, a MEME concept, a SENN concept) becomes this selection, in the browser
  const link = joinLink(ctx as unknown as LinkHost, {
    count: () => n,
    onSelect: (positions, sel) => {
      selected = positions ?? [];
      scatter.select(selected.filter((i) => i < drawn), { preventEvent: true });
      countInfo();
      publish();
      if (positions) ctx.status.say(`${sel.label}: ${selected.length.toLocaleString()} samples selected`);
      else ctx.status.idle();
    },
    // the sample a linked view shows (a comparison or mask view's page) is marked here
    onFocus: (p) => {
      if (p === null || p < 0 || p >= drawn) return void delete el.dataset.xaiFocus;
      el.dataset.xaiFocus = String(p);
      scatter.hover(p, { showReticleOnce: true, preventEvent: true });
    },
  });
  scatter.subscribe("select", ({ points }) => {
    selected = [...points].sort((a, b) => a - b);
    countInfo();
    publish();
    link.publish(selected, `${selected.length.toLocaleString()} samples selected in the overview`);
  });
  scatter.subscribe("deselect", () => {
    selected = [];
    countInfo();
    publish();
    link.publish(null, "the overview's selection cleared");
  });
  ctx.on("_selection", () => {
    const next = selectionFrom(ctx.get("_selection"));
    if (next.length === selected.length && next.every((v, i) => v === selected[i])) return;
    selected = next;
    scatter.select(selected.filter((i) => i < drawn), { preventEvent: true });
    countInfo();
    link.publish(selected.length ? selected : null, `${selected.length.toLocaleString()} samples selected in Python`);
  });

  const tipLines = (i: number) => {
    const lines: [string, string][] = [["sample", String(i)]];
    if (labelCol) lines.push(["label", cols.text(labelCol.name, i)]);
    if (predCol) lines.push(["prediction", cols.text(predCol.name, i)]);
    if (colorBy && colorBy !== labelCol?.name && colorBy !== predCol?.name) lines.push([colorBy, cols.text(colorBy, i)]);
    if (sizeBy) lines.push([sizeBy, cols.text(sizeBy, i)]);
    return lines;
  };
  plot.addEventListener("mousemove", (e) => {
    lastMouse = { clientX: e.clientX, clientY: e.clientY };
    if (hovered >= 0) tip.show(lastMouse, tipLines(hovered));
  }, { signal });
  plot.addEventListener("mouseleave", () => tip.hide(), { signal });
  scatter.subscribe("pointOver", (i) => {
    hovered = i;
    el.dataset.xaiHover = String(i);
    tip.show(lastMouse, tipLines(i));
  });
  scatter.subscribe("pointOut", () => {
    hovered = -1;
    tip.hide();
  });

  // -- the hovered / selected sample's attributions (one sample read from the store) ---------
  // A hover fetches at once (no hover delay: the goal is the panel within 100 ms). A cursor that
  // crosses many points does not queue a fetch per point: one request is in flight at a time and
  // only the latest point asked for while it runs is fetched next; replies are kept per sample
  // (a small cache), and a reply for a sample no longer asked for is stored, never drawn.
  const SAMPLE_CACHE = 64;
  const samples = new Map<number, SampleBlock>();
  let shownSample = -1;
  let inFlight = -1;
  const drawSample = (i: number, b: SampleBlock) => {
    const figure = (caption: string, canvas: HTMLCanvasElement) =>
      h("figure", { class: "xai-ov-fig" }, [canvas, h("figcaption", { text: caption })]);
    const figs: HTMLElement[] = [];
    const [, ih = 1, iw = 1, ic = 1] = b.inputs.shape;
    const input = h("canvas", { class: "xai-ov-input" });
    putRGBA(input, inputRGBA(b.inputs.q, 0, ih, iw, ic), iw, ih);
    figs.push(figure(`sample ${i}`, input));
    for (const m of methods) {
      const a = b.attributions[m];
      if (!a) continue;
      const [, mh = 1, mw = 1] = a.shape;
      const c = h("canvas", { class: "xai-ov-heat", "data-method": m });
      putRGBA(c, heatmapRGBA(a.q, 0, mh, mw, lutFor("RdBu", a.signed), { threshold: 0, signed: a.signed, opacity: 1 }), mw, mh);
      figs.push(figure(`${m} (${formatNumber(a.lo[0])} – ${formatNumber(a.hi[0])})`, c));
    }
    const lines = tipLines(i).map(([k, v]) => `${k} ${v}`).join(" · ");
    samplePanel.replaceChildren(h("div", { class: "xai-ov-sample-info", text: lines }), h("div", { class: "xai-ov-figs" }, figs));
    samplePanel.hidden = false;
    el.dataset.xaiSample = String(i);
  };
  const keepSample = (i: number, b: SampleBlock) => {
    samples.delete(i);
    samples.set(i, b); // most recent last
    if (samples.size > SAMPLE_CACHE) samples.delete(samples.keys().next().value as number);
  };
  const fetchSample = (i: number) => {
    inFlight = i;
    ctx.fetch<SampleBlock>("sample", { index: i }).then((b) => {
      keepSample(i, b);
      if (shownSample === i) drawSample(i, b);
    }).catch((err) => {
      if (shownSample === i) ctx.status.report(`sample ${i}`, err);
    }).finally(() => {
      inFlight = -1;
      // the cursor moved on while this one was read: fetch where it is now (if not held)
      if (!signal.aborted && shownSample >= 0 && shownSample !== i && !samples.has(shownSample)) fetchSample(shownSample);
    });
  };
  /** Shows sample i's attributions beside the scatter: at once when held, else fetched. */
  const showSample = (i: number) => {
    if (!methods.length || i < 0 || i === shownSample) return;
    shownSample = i;
    const held = samples.get(i);
    if (held) {
      keepSample(i, held);
      return drawSample(i, held);
    }
    if (inFlight < 0) fetchSample(i);
  };
  scatter.subscribe("pointOver", (i) => showSample(i));
  scatter.subscribe("select", ({ points }) => {
    if (points.length === 1) showSample(points[0]);
  });
  // ... and the linked views show it too (the focus of lib/link.ts: no kernel message)
  const focus = (i: number) => {
    el.dataset.xaiFocus = String(i);
    link.focus(i, `overview sample ${i}`);
  };
  scatter.subscribe("pointOver", focus);
  scatter.subscribe("select", ({ points }) => {
    if (points.length === 1) focus(points[0]);
  });

  colorSel.addEventListener("change", () => {
    colorBy = colorSel.value;
    filters = filters.filter((f) => f.kind !== "categories" || f.column === colorBy);
    void ensure(needed()).catch((err) => ctx.status.report("the columns", err));
  }, { signal });
  sizeSel.addEventListener("change", () => {
    sizeBy = sizeSel.value;
    void ensure(needed()).catch((err) => ctx.status.report("the columns", err));
  }, { signal });
  modeBtn.addEventListener("click", () => {
    const lasso = modeBtn.getAttribute("aria-pressed") !== "true";
    modeBtn.setAttribute("aria-pressed", String(lasso));
    void scatter.set({ mouseMode: lasso ? "lasso" : "panZoom" } as never);
  }, { signal });
  clearBtn.addEventListener("click", () => scatter.deselect(), { signal });
  search.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    const q = parseQuery(search.value, cols.specs, n);
    if (q.kind === "error") {
      ctx.status.say(q.why);
      return;
    }
    if (q.kind === "category") {
      // a category selects its loaded samples (its column fetched first if it is not drawn)
      void ensure([q.column]).then(() => {
        const rows = categoryRows(cols, q.column, q.code, drawn, filters);
        if (!rows.length) {
          ctx.status.say(`no ${filters.length ? "unfiltered " : ""}loaded sample has ${q.label}`);
          return;
        }
        scatter.select(rows);
        ctx.status.say(`${rows.length.toLocaleString()} samples with ${q.label} selected`);
      }).catch((err) => ctx.status.report("the columns", err));
      return;
    }
    const i = q.row;
    if (i >= drawn) {
      ctx.status.say(`sample ${i} is not loaded yet`);
      return;
    }
    if (!rowPasses(cols, filters, i)) {
      ctx.status.say(`sample ${i} is hidden by the filters`);
      return;
    }
    ctx.status.idle();
    scatter.select([i]);
    const pos = scatter.getScreenPosition(i);
    const box = canvas.getBoundingClientRect();
    if (pos) tip.show({ clientX: box.left + pos[0], clientY: box.top + pos[1] }, tipLines(i));
  }, { signal });
  // the plot takes arrow keys (pan) and +/- (zoom) when focused: usable without a mouse
  plot.addEventListener("keydown", (e) => {
    const cam = scatter.get("camera") as { target: [number, number]; distance: [number] | number } | undefined;
    if (!cam) return;
    const dist = Array.isArray(cam.distance) ? cam.distance[0] : cam.distance;
    const step = 0.1 * dist;
    const [tx, ty] = cam.target;
    const moves: Record<string, [number, number, number]> = {
      ArrowLeft: [tx - step, ty, dist], ArrowRight: [tx + step, ty, dist],
      ArrowUp: [tx, ty + step, dist], ArrowDown: [tx, ty - step, dist],
      "+": [tx, ty, dist / 1.25], "=": [tx, ty, dist / 1.25], "-": [tx, ty, dist * 1.25],
    };
    const m = moves[e.key];
    if (!m) return;
    e.preventDefault();
    void scatter.zoomToLocation([m[0], m[1]], m[2], { transition: false });
  }, { signal });

  // -- describe a group: one fetch; the selection itself travels as the binary `_selection` ----
  let describing = 0;
  const describeGroup = (rows: "selection" | "misclassified", label: string) => {
    if (rows === "selection" && !selected.length) {
      ctx.status.say("nothing is selected: lasso, click or find samples first");
      return;
    }
    flushSelection();
    const ticket = ++describing;
    describeBtn.disabled = true;
    if (wrongBtn) wrongBtn.disabled = true;
    ctx.status.say(`describing ${label}…`);
    ctx.fetch<DescribeReply>("describe", { rows }).then((reply) => {
      if (ticket !== describing) return;
      ctx.status.idle();
      drawDescription(describePanel, label, reply, (rowsOf) => {
        scatter.select(rowsOf.filter((i) => i < drawn));
      }, signal);
      el.dataset.xaiDescribed = String(ticket);
    }).catch((err) => ctx.status.report(`describing ${label}`, err)).finally(() => {
      describeBtn.disabled = false;
      if (wrongBtn) wrongBtn.disabled = false;
    });
  };
  describeBtn.addEventListener("click", () => describeGroup("selection", "the selection"), { signal });
  wrongBtn?.addEventListener("click", () => describeGroup("misclassified", "the misclassified"), { signal });

  ctx.exports.figure(() => plot.parentElement);
  countInfo();
  ctx.ready();
  void ensure(needed()).catch((err) => ctx.status.report("the columns", err));
}

export default defineView<OverviewState>({ name: "overview", css, render });
