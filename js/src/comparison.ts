// ComparisonView view (js/README.md). All view settings are local; the kernel is only
// asked for samples that were not embedded in the state.
import type { AnyModel } from "@anywidget/types";
import { decodeBlock, SampleStore, type Sample, type WireBlock } from "./lib/block";
import { COLORMAPS, hasColormap } from "./lib/colormap";
import { h, setText } from "./lib/dom";
import { className, fmt } from "./lib/format";
import { nearestIn, stepIn } from "./lib/layout";
import { Fetcher, isStandalone } from "./lib/fetch";
import { SIGN_MODES, type SignMode } from "./lib/scale";
import { decodeMetrics, hasMetrics } from "./lib/metrics";
import { applyTheme } from "./lib/theme";
import { Tooltip } from "./lib/tooltip";
import { decodeFloat, type WireArray } from "./lib/wire";
import { lineChart } from "./views/lines";

interface WireChart {
  title?: string;
  x_label?: string;
  y_label?: string;
  xs: WireArray;
  series?: { name: string; color: string; ys: WireArray }[];
  point_labels?: string[];
  y_percent?: boolean;
}
import { ImageView } from "./views/image";
import { MetricsTable, metricsSection } from "./views/metrics";
import { SequenceView } from "./views/sequence";
import { TabularView } from "./views/tabular";
import type { ModalityView, ReadoutPart, Settings, ViewContext } from "./views/types";
import { attach, type Handlers } from "./lib/lifecycle";

export interface ComparisonTraits {
  kind: "image" | "tabular" | "sequence";
  task: "multiclass" | "binary" | "regression";
  title: string;
  methods: string[];
  method_colors: string[];
  mask_methods: string[];
  class_names: string[];
  feature_names: string[];
  n_samples: number;
  n_outputs: number;
  n_classes: number;
  explainable: boolean;
  data: WireBlock | Record<string, never>;
  sample: number;
  metrics: unknown;
  extras: unknown;
  colormap: string;
  opacity: number;
  threshold: number;
  overlay: boolean;
  sign: string;
  shared_scale: boolean;
  clip_outliers: boolean;
}

type Model = AnyModel<ComparisonTraits> & { standalone?: boolean };

export { isStandalone };

const HINT = "hover a panel to read its values";

/** Traits whose change needs the whole view rebuilt (not just a redraw). */
const STRUCTURE = ["kind", "title", "methods", "class_names", "feature_names", "n_samples", "metrics"] as const;

/** "0-3, 7" for sorted indices. */
function rangeText(idx: number[]): string {
  const parts: string[] = [];
  for (let a = 0; a < idx.length; ) {
    let b = a;
    while (b + 1 < idx.length && idx[b + 1] === idx[b] + 1) b++;
    parts.push(a === b ? `${idx[a]}` : `${idx[a]}–${idx[b]}`);
    a = b + 1;
  }
  return parts.join(", ");
}

function clamp01(x: unknown, dflt: number): number {
  const v = Number(x);
  return Number.isFinite(v) ? Math.max(0, Math.min(1, v)) : dflt;
}

function render({ model, el }: { model: Model; el: HTMLElement }): () => void {
  const ac = new AbortController();
  const { signal } = ac;
  const standalone = isStandalone(model);
  let wanted = -1; // sample the user asked for
  let shown: Sample | null = null;
  let view: ModalityView | null = null;
  let ui: ReturnType<typeof buildUI> | null = null;
  let tooltip: Tooltip | null = null;
  let explainTarget = -1; // -1: as computed; else the class the user chose to explain
  const explained = new Map<string, Sample>();
  const pointer = { clientX: 0, clientY: 0 };

  const store = new SampleStore();
  const fetcher = new Fetcher(model);
  let problem = "";
  /** A malformed block must not take the whole view down: report it and keep the rest. */
  const addBlock = (block: unknown, name: string) => {
    try {
      store.add(block as WireBlock);
    } catch (err) {
      problem = `could not read ${name}: ${err instanceof Error ? err.message : String(err)}`;
      console.error("xaiwidgets:", err);
      if (ui) setText(ui.status, problem);
    }
  };
  addBlock(model.get("data"), "`data`");

  const settings: Settings = {
    colormap: hasColormap(model.get("colormap")) ? model.get("colormap") : "RdBu",
    opacity: clamp01(model.get("opacity"), 0.6),
    threshold: clamp01(model.get("threshold"), 0),
    overlay: model.get("overlay") !== false,
    sign: (SIGN_MODES as readonly string[]).includes(String(model.get("sign"))) ? (model.get("sign") as SignMode) : "all",
    shared: model.get("shared_scale") === true,
    clip: model.get("clip_outliers") === true,
  };

  applyTheme(el);
  el.addEventListener("pointermove", (e) => {
    pointer.clientX = e.clientX;
    pointer.clientY = e.clientY;
  }, { signal, capture: true });
  // JupyterLab's command-mode shortcuts listen on the document: keys meant for our controls must
  // not reach them (Enter would never commit the number, arrows would also move between cells).
  el.addEventListener("keydown", (e) => {
    const t = e.target as Element | null;
    if (t && t.closest("input, select, button")) e.stopPropagation();
  }, { signal });

  const colors = () => (model.get("method_colors") ?? []).map(String);

  function nSamples(): number {
    return Math.max(0, Math.floor(Number(model.get("n_samples")) || 0)) || store.indices().length;
  }

  function available(): number[] {
    return store.indices().filter((i) => i >= 0 && i < nSamples());
  }

  function buildUI() {
    for (const c of [...el.children]) if (!(c instanceof HTMLStyleElement)) c.remove();
    const kind = model.get("kind");
    const ctx: ViewContext = {
      methods: (model.get("methods") ?? []).map(String),
      featureNames: (model.get("feature_names") ?? []).map(String),
      maskMethods: (model.get("mask_methods") ?? []).map(String),
      hover: showReadout,
      signal,
    };
    view = kind === "tabular" ? new TabularView(ctx) : kind === "sequence" ? new SequenceView(ctx) : new ImageView(ctx);

    const n = nSamples();
    const prev = h("button", { type: "button", class: "xai-prev", title: "previous sample", text: "◀" });
    const next = h("button", { type: "button", class: "xai-next", title: "next sample", text: "▶" });
    const num = h("input", { type: "number", class: "xai-sample", min: 0, max: Math.max(0, n - 1), step: 1, "aria-label": "sample" });
    const info = h("span", { class: "xai-info" });
    const title = String(model.get("title") ?? "");
    const offline = standalone && available().length < n ? ` (offline: ${available().length} embedded)` : "";
    const header = h("div", { class: "xai-header" }, [
      title ? h("h3", { class: "xai-title", text: title }) : null,
      h("div", { class: "xai-nav" }, [h("span", { text: "sample" }), prev, num, next, h("span", { text: `of ${n}${offline}` })]),
      info,
      explainPicker(),
      h("span", { class: "xai-tools" }, [downloadButton(), helpButton()]),
    ]);
    prev.addEventListener("click", () => step(-1), { signal });
    next.addEventListener("click", () => step(1), { signal });
    const jump = () => (num.value === "" ? syncNav() : go(Math.round(Number(num.value))));
    num.addEventListener("change", jump, { signal });
    num.addEventListener("keydown", (e) => {
      if (e.key === "Enter") jump();
    }, { signal });

    const controls = buildControls(kind);
    const status = h("div", { class: "xai-status", role: "status" });
    const mx = model.get("metrics");
    let metrics: HTMLElement | null = null;
    let table: MetricsTable | null = null;
    if (hasMetrics(mx)) {
      try {
        const yLabel = model.get("task") === "regression" ? "|Δ output|" : "probability";
        const section = metricsSection(decodeMetrics(mx, ctx.methods), yLabel, colors(), signal);
        metrics = section.el;
        table = section.table;
      } catch (err) {
        metrics = h("div", { class: "xai-status", text: `metrics unavailable: ${String(err)}` });
      }
    }
    tooltip = new Tooltip(el);
    const more = extrasSection(tooltip);
    el.append(header, controls, status, view.el, ...(metrics ? [metrics] : []), ...(more ? [more] : []));
    el.append(tooltip.el); // last, above everything
    return { prev, next, num, info, status, table };
  }

  /** Charts and tables passed as `extras` (e.g. the masks' size trade-off and statistics). */
  function extrasSection(tip: Tooltip): HTMLElement | null {
    const x = (model.get("extras") ?? {}) as { charts?: WireChart[]; tables?: { caption?: string; rows?: string[][] }[] };
    const parts: HTMLElement[] = [];
    try {
      for (const c of x.charts ?? []) {
        const pct = (v: number) => `${Math.round(100 * v)}%`;
        parts.push(lineChart({
          title: String(c.title ?? ""), xLabel: String(c.x_label ?? ""), yLabel: String(c.y_label ?? ""),
          xs: decodeFloat(c.xs), pointLabels: (c.point_labels ?? []).map(String),
          series: (c.series ?? []).map((sr) => ({ name: String(sr.name), color: String(sr.color), ys: decodeFloat(sr.ys) })),
          yFormat: c.y_percent ? pct : undefined, yMin: c.y_percent ? 0 : undefined, yMax: c.y_percent ? 1 : undefined,
        }, tip, signal));
      }
    } catch (err) {
      parts.push(h("div", { class: "xai-status", text: `chart unavailable: ${String(err)}` }));
    }
    for (const t of x.tables ?? []) {
      parts.push(h("table", { class: "xai-stats" }, [
        h("caption", { text: String(t.caption ?? "") }),
        h("tbody", {}, (t.rows ?? []).map((row) => h("tr", {}, [h("th", { scope: "row", text: String(row[0] ?? "") }), h("td", { text: String(row[1] ?? "") })]))),
      ]));
    }
    return parts.length ? h("div", { class: "xai-extras" }, parts) : null;
  }

  /** Explain another class than the predicted one (computed in the kernel on demand). */
  function explainPicker(): HTMLElement | null {
    const C = Math.floor(Number(model.get("n_classes")) || 0);
    if (standalone || model.get("explainable") !== true || C < 2) return null;
    const names = model.get("class_names") ?? [];
    const pick = h("select", { class: "xai-explain", "aria-label": "class to explain" }, [
      h("option", { value: "-1", text: "as computed" }),
      ...Array.from({ length: C }, (_, c) => h("option", { value: String(c), text: className(names, c) })),
    ]);
    pick.value = String(explainTarget);
    pick.addEventListener("change", () => {
      explainTarget = Number(pick.value);
      const i = wanted;
      wanted = -2; // force a repaint of the same sample
      go(i);
    }, { signal });
    return h("label", { class: "xai-explain-label", title: "show the evidence for another class (computed by the kernel for this sample)" }, ["explain", pick]);
  }

  function downloadButton(): HTMLElement | null {
    if (standalone) return null; // already an offline page
    const b = h("button", { type: "button", class: "xai-download", text: "⤓ HTML", title: "download this widget as a standalone offline HTML page" });
    b.addEventListener("click", () => {
      b.disabled = true;
      fetcher.fetch("page", {}).then((block) => {
        const html = String((block as { html?: unknown }).html ?? "");
        const a = h("a", { href: URL.createObjectURL(new Blob([html], { type: "text/html" })), download: `${String(model.get("title") || "xaiwidgets").replace(/[^\w.-]+/g, "_")}.html` });
        el.append(a);
        a.click();
        setTimeout(() => {
          URL.revokeObjectURL(a.href);
          a.remove();
        }, 1000);
      }, (err: unknown) => {
        if (ui) setText(ui.status, `download: ${err instanceof Error ? err.message : String(err)}`);
      }).finally(() => {
        b.disabled = false;
      });
    }, { signal });
    return b;
  }

  function helpButton(): HTMLElement {
    const b = h("button", { type: "button", class: "xai-help-toggle", text: "?", title: "what am I looking at?", "aria-expanded": "false" });
    const text = h("div", { class: "xai-help" }, [
      h("p", { text: "Each panel is one method's attribution for the sample: which inputs push the model towards the explained class (red) or away from it (blue, on diverging colormaps)." }),
      h("p", { text: "show: keep only positive or negative evidence, or its magnitude · shared scale: one colour range for all methods, so their magnitudes compare · clip outliers: saturate the top 1 % of |values| · threshold: hide weak values (the greyed part of each colour bar)." }),
      h("p", { text: "The table scores each method on the model itself; its caption says what the numbers mean. Hover a panel for values; click a column header to sort." }),
    ]);
    text.hidden = true;
    b.addEventListener("click", () => {
      text.hidden = !text.hidden;
      b.setAttribute("aria-expanded", String(!text.hidden));
      if (!text.hidden) el.querySelector(".xai-header")?.after(text);
    }, { signal });
    return b;
  }

  function buildControls(kind: string): HTMLElement {
    const cmap = h("select", { class: "xai-colormap", "aria-label": "colormap" },
      COLORMAPS.map((c) => h("option", { value: c, text: c })));
    cmap.value = COLORMAPS.find((c) => c.toLowerCase() === settings.colormap.toLowerCase()) ?? "RdBu";
    cmap.addEventListener("change", () => update({ colormap: cmap.value }), { signal });
    const slider = (cls: string, value: number, key: "opacity" | "threshold") => {
      const input = h("input", { type: "range", class: cls, min: 0, max: 1, step: 0.01, "aria-label": key });
      input.value = String(value);
      const out = h("span", { class: "xai-val", text: value.toFixed(2) });
      input.addEventListener("input", () => {
        setText(out, Number(input.value).toFixed(2));
        update({ [key]: Number(input.value) });
      }, { signal });
      return h("label", {}, [key, input, out]);
    };
    const opacity = kind === "tabular" ? null : slider("xai-opacity", settings.opacity, "opacity");
    const overlay = h("input", { type: "checkbox", class: "xai-overlay" });
    overlay.checked = settings.overlay;
    // Without the overlay an image heatmap is drawn opaque, so opacity would do nothing.
    const syncOpacity = () => opacity?.querySelector("input")?.toggleAttribute("disabled", kind === "image" && !overlay.checked);
    syncOpacity();
    overlay.addEventListener("change", () => {
      syncOpacity();
      update({ overlay: overlay.checked });
    }, { signal });
    const sign = h("select", { class: "xai-sign", "aria-label": "sign", title: "which part of signed attributions to show (Captum's sign modes)" },
      SIGN_MODES.map((m) => h("option", { value: m, text: m })));
    sign.value = settings.sign;
    sign.addEventListener("change", () => update({ sign: sign.value as SignMode }), { signal });
    const check = (cls: string, on: boolean, text: string, tip: string, key: "shared" | "clip") => {
      const box = h("input", { type: "checkbox", class: cls });
      box.checked = on;
      box.addEventListener("change", () => update({ [key]: box.checked }), { signal });
      return h("label", { title: tip }, [box, text]);
    };
    return h("div", { class: "xai-controls" }, [
      h("label", {}, ["colormap", cmap]),
      h("label", {}, ["show", sign]),
      opacity,
      slider("xai-threshold", settings.threshold, "threshold"),
      kind === "image" ? h("label", {}, [overlay, "overlay on input"]) : null,
      check("xai-shared", settings.shared, "shared scale", "one colour scale for every method of this sample (else one per method)", "shared"),
      check("xai-clip", settings.clip, "clip outliers", "saturate values beyond the 99th percentile of |value|, so a few extreme cells do not wash out the rest", "clip"),
      h("span", { class: "xai-hint", text: HINT }),
    ]);
  }

  function update(patch: Partial<Settings>): void {
    Object.assign(settings, patch);
    if (shown) view?.draw(shown, settings);
  }

  /** The values under the pointer, in a tooltip at the cursor (refreshed by every redraw). */
  function showReadout(parts: ReadoutPart[] | null): void {
    if (!tooltip) return;
    if (!parts) return tooltip.hide();
    tooltip.show(pointer, parts);
  }

  function step(dir: 1 | -1): void {
    if (standalone) go(stepIn(available(), wanted, dir));
    else go(wanted + dir);
  }

  /** Navigates to sample i, fetching it unless cached (view-only: Python is not told). */
  function go(i: number): void {
    const n = nSamples();
    if (!Number.isFinite(i) || n === 0) return;
    i = Math.max(0, Math.min(n - 1, i));
    if (standalone && !store.has(i)) {
      // An offline page has only the embedded samples: say so, never show another one instead.
      const avail = available();
      if (!avail.length) return;
      if (wanted < 0) i = nearestIn(avail, i);
      else {
        if (ui) setText(ui.status, `sample ${i} is not in this offline page (${avail.length} embedded: ${rangeText(avail)})`);
        syncNav();
        return;
      }
    }
    wanted = i;
    syncNav();
    const s = current(i);
    if (s) return paint(s);
    el.classList.add("xai-loading");
    const target = explainTarget;
    if (ui) setText(ui.status, target < 0 ? `loading sample ${i}…` : `explaining sample ${i} for ${className(model.get("class_names") ?? [], target)}…`);
    const request = target < 0 ? fetcher.fetch("sample", { index: i }) : fetcher.fetch("explain", { index: i, target });
    request.then((block) => {
      if (target < 0) addBlock(block, `sample ${i}`);
      else {
        try {
          explained.set(`${i}:${target}`, { block: decodeBlock(block as unknown as WireBlock), k: 0, index: i });
        } catch (err) {
          if (ui) setText(ui.status, `could not read the explanation: ${String(err)}`);
          return;
        }
      }
      if (ui) syncNav();
      const got = current(wanted);
      if (got && got !== shown) paint(got);
    }, (err: unknown) => {
      if (ui && wanted === i && !current(i)) setText(ui.status, `sample ${i}: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  /** The sample as shown: as computed, or explained for the class chosen in the view. */
  function current(i: number): Sample | undefined {
    return explainTarget < 0 ? store.get(i) : explained.get(`${i}:${explainTarget}`);
  }

  function syncNav(): void {
    if (!ui) return;
    ui.num.value = String(wanted);
    const avail = standalone ? available() : null;
    ui.prev.disabled = avail ? stepIn(avail, wanted, -1) === wanted : wanted <= 0;
    ui.next.disabled = avail ? stepIn(avail, wanted, 1) === wanted : wanted >= nSamples() - 1;
  }

  function paint(s: Sample): void {
    shown = s;
    el.classList.remove("xai-loading");
    if (!ui || !view) return;
    setText(ui.status, "");
    ui.table?.setSample(s.block.index[s.k]);
    view.draw(s, settings);
    const names = model.get("class_names") ?? [];
    const t = s.block.target[s.k];
    const p = s.block.pred[s.k];
    const prob = s.block.prob[s.k];
    const truth = s.block.truth?.[s.k];
    const known = truth !== undefined && Number.isFinite(truth);
    if (model.get("task") === "regression") {
      // regressions: no classes, `prob` carries the raw output
      ui.info.classList.remove("xai-wrong");
      ui.info.title = "the model's output for this sample";
      ui.info.replaceChildren(
        h("span", { class: "xai-pred", text: `output: ${fmt(prob)}` }),
        ...(known ? [" · ", h("span", { class: "xai-truth", text: `true: ${fmt(truth)} (error ${fmt(prob - truth)})` })] : []),
      );
    } else {
      const wrong = known && truth !== p;
      ui.info.classList.toggle("xai-wrong", wrong);
      ui.info.title = "explained: the class whose evidence the maps show · p = model probability of it";
      ui.info.replaceChildren(
        h("span", { class: "xai-target", text: `explained: ${className(names, t)}` }),
        " · ",
        h("span", { class: "xai-pred", text: `pred: ${className(names, p)} (p=${Number.isFinite(prob) ? prob.toFixed(2) : "n/a"})` }),
        ...(known ? [" · ", h("span", { class: "xai-truth", text: `true: ${className(names, truth)}${wrong ? " ✗ misclassified" : ""}` })] : []),
      );
    }
    el.dataset.xaiReady = "1";
  }

  function rebuild(): void {
    ui = buildUI();
    const start = wanted >= 0 ? wanted : Number(model.get("sample")) || 0;
    wanted = -1;
    shown = null;
    if (nSamples() === 0 || (standalone && !available().length)) {
      setText(ui.status, problem || "no samples to show");
      el.dataset.xaiReady = "1";
      return;
    }
    go(start);
  }

  // Model listeners (removed by the cleanup).
  const handlers: Handlers = [
    ["change:data", () => {
      // New data may come from a new model or new methods: fetched samples would be stale.
      store.clear();
      addBlock(model.get("data"), "`data`");
      const s = store.get(wanted);
      if (s) paint(s);
      else if (wanted >= 0 && store.indices().length) go(store.indices()[0]);
    }],
    ["change:sample", () => {
      const i = Number(model.get("sample"));
      if (i !== wanted) go(i);
    }],
    ...STRUCTURE.map((name): [string, () => void] => [`change:${name}`, rebuild]),
  ];
  return attach(model, handlers, rebuild, () => ac.abort(), () => fetcher.dispose());
}

export default { render };
