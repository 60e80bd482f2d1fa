// ComparisonView view (js/README.md). All view settings are local; the kernel is only
// asked for samples that were not embedded in the state.
import css from "./comparison.css";
import { type Block, type BlockState, blockOf, SampleStore, type Sample } from "./lib/block";
import { COLORMAPS, hasColormap } from "./lib/colormap";
import { metricRows } from "./lib/export";
import { h, setText } from "./lib/dom";
import { className, fmt } from "./lib/format";
import { followLatest, joinLink, type Link, type LinkHost, type LinkTraits } from "./lib/link";
import { hasMetrics, type MetricsState, metricsOf } from "./lib/metrics";
import { SIGN_MODES } from "./lib/scale";
import { Tooltip } from "./lib/tooltip";
import { defineView, errorText, type ViewContext } from "./lib/view";
import { type Empty, floats, type NDArray } from "./lib/wire";
import { ImageView } from "./views/image";
import { lineChart } from "./views/lines";
import { MetricsTable, metricsSection } from "./views/metrics";
import { SequenceView } from "./views/sequence";
import { TabularView } from "./views/tabular";
import type { ModalityView, ReadoutPart, Settings, ViewContext as PanelContext } from "./views/types";

/** A line chart of `extras` (e.g. the masks' size trade-off), decoded. */
export interface ChartState {
  title?: string;
  x_label?: string;
  y_label?: string;
  xs: NDArray;
  series?: { name: string; color: string; ys: NDArray }[];
  point_labels?: string[];
  y_percent?: boolean;
}

/** ComparisonView's traits, decoded (xaiwidgets/widgets/comparison.py, js/README.md). */
export interface ComparisonState extends LinkTraits {
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
  data: BlockState | Empty;
  sample: number;
  metrics: MetricsState | Empty;
  /** Charts and tables shown under the panels (MaskView's statistics and trade-off curve). */
  extras: { charts?: ChartState[]; tables?: { caption?: string; rows?: string[][] }[] };
  colormap: string;
  opacity: number;
  threshold: number;
  overlay: boolean;
  sign: string;
  shared_scale: boolean;
  clip_outliers: boolean;
}

export { isStandalone } from "./lib/fetch";

const HINT = "hover a panel to read its values";

/** Traits whose change needs the whole view rebuilt (not just a redraw). */
const STRUCTURE = ["kind", "title", "methods", "class_names", "feature_names", "n_samples", "metrics"] as const;

function clamp01(x: unknown, dflt: number): number {
  const v = Number(x);
  return Number.isFinite(v) ? Math.max(0, Math.min(1, v)) : dflt;
}


function render(ctx: ViewContext<ComparisonState>): void {
  const { el, signal, standalone, status } = ctx;
  let view: ModalityView | null = null;
  let ui: ReturnType<typeof buildUI> | null = null;
  let tooltip: Tooltip | null = null;
  // what the keyboard reads (a token's or a pixel's values): spoken by screen readers
  const live = h("div", { class: "xai-sr-only", "aria-live": "polite" });
  let explainTarget = -1; // -1: as computed; else the class the user chose to explain
  const explained = new Map<string, Sample>();
  const pointer = { clientX: 0, clientY: 0 };
  const store = new SampleStore();
  let link: Link | null = null; // xw.link's group (joined after the first build)

  /** A malformed block must not take the whole view down: report it and keep the rest. */
  const addData = () => {
    try {
      store.add(ctx.get("data"));
    } catch (err) {
      status.report("`data`", err);
    }
  };
  addData();

  const colormap = String(ctx.get("colormap"));
  const settings: Settings = {
    colormap: hasColormap(colormap) ? colormap : "RdBu",
    opacity: clamp01(ctx.get("opacity"), 0.6),
    threshold: clamp01(ctx.get("threshold"), 0),
    overlay: ctx.get("overlay") !== false,
    sign: SIGN_MODES.find((m) => m === String(ctx.get("sign"))) ?? "all",
    shared: ctx.get("shared_scale") === true,
    clip: ctx.get("clip_outliers") === true,
  };

  el.addEventListener("pointermove", (e) => {
    pointer.clientX = e.clientX;
    pointer.clientY = e.clientY;
  }, { signal, capture: true });

  const colors = () => (ctx.get("method_colors") ?? []).map(String);
  const classNames = () => ctx.get("class_names") ?? [];
  const nSamples = () => Math.max(0, Math.floor(Number(ctx.get("n_samples")) || 0)) || store.indices().length;

  /** The sample as shown: as computed, or explained for the class chosen in the view. */
  const current = (i: number): Sample | undefined => (explainTarget < 0 ? store.get(i) : explained.get(`${i}:${explainTarget}`));

  const pager = ctx.pager<Sample>({
    trait: "sample",
    count: nSamples,
    get: current,
    held: () => store.indices(),
    loadingText: (i) => (explainTarget < 0 ? `loading sample ${i}…` : `explaining sample ${i} for ${className(classNames(), explainTarget)}…`),
    load(i) {
      const target = explainTarget;
      if (target < 0) {
        return ctx.fetch<BlockState>("sample", { index: i }).then((block) => {
          try {
            store.add(block);
          } catch (err) {
            status.report(`sample ${i}`, err);
          }
        });
      }
      return ctx.fetch<BlockState>("explain", { index: i, target }).then((block) => {
        let decoded: Block;
        try {
          decoded = blockOf(block);
        } catch (err) {
          status.say(`could not read the explanation: ${errorText(err)}`);
          return;
        }
        explained.set(`${i}:${target}`, { block: decoded, k: 0, index: i });
      });
    },
    paint,
  });

  // exports (lib/export.ts): the panels are the figure, the metric summary a table at full precision
  ctx.exports.figure(() => view?.el);
  ctx.exports.table("metrics", () => {
    const mx = ctx.get("metrics");
    return hasMetrics(mx) ? metricRows(metricsOf(mx, (ctx.get("methods") ?? []).map(String))) : [];
  }, () => el.querySelector("table.xai-metrics"));

  function buildUI() {
    ctx.clear();
    const kind = ctx.get("kind");
    const panels: PanelContext = {
      methods: (ctx.get("methods") ?? []).map(String),
      featureNames: (ctx.get("feature_names") ?? []).map(String),
      maskMethods: (ctx.get("mask_methods") ?? []).map(String),
      hover: showReadout,
      about: () => {
        const s = pager.shown;
        if (!s) return "";
        const t = s.block.target[s.k];
        return ctx.get("task") === "regression" ? `sample ${s.block.index[s.k]}` : `sample ${s.block.index[s.k]}, explained class ${className(classNames(), t)}`;
      },
      signal,
    };
    view = kind === "tabular" ? new TabularView(panels) : kind === "sequence" ? new SequenceView(panels) : new ImageView(panels);

    const info = h("span", { class: "xai-info" });
    const title = String(ctx.get("title") ?? "");
    const header = h("div", { class: "xai-header" }, [
      title ? h("h3", { class: "xai-title", text: title }) : null,
      pager.nav(),
      info,
      explainPicker(),
      h("span", { class: "xai-tools" }, [helpButton()]),
    ]);
    const controls = buildControls(kind);
    status.idle();
    let metrics: HTMLElement | null = null;
    let table: MetricsTable | null = null;
    tooltip = new Tooltip(el);
    try {
      const mx = ctx.get("metrics");
      if (hasMetrics(mx)) {
        const yLabel = ctx.get("task") === "regression" ? "|Δ output|" : "probability";
        const section = metricsSection(metricsOf(mx, panels.methods), yLabel, colors(), signal, (m) => {
          // the method chosen in the table: its panel is marked too
          for (const f of el.querySelectorAll<HTMLElement>(".xai-panel, .xai-seq-row")) {
            const own = f.dataset.method ?? f.querySelector<HTMLElement>("[data-method]")?.dataset.method;
            f.classList.toggle("xai-em", m !== null && own === m);
          }
        }, tooltip);
        metrics = section.el;
        table = section.table;
      }
    } catch (err) {
      metrics = h("div", { class: "xai-status", text: `metrics unavailable: ${errorText(err)}` });
    }
    const more = extrasSection(tooltip);
    el.append(header, controls, status.el, view.el, ...(metrics ? [metrics] : []), ...(more ? [more] : []));
    el.append(live, tooltip.el); // last, above everything
    return { info, table };
  }

  /** Charts and tables passed as `extras` (e.g. the masks' size trade-off and statistics). */
  function extrasSection(tip: Tooltip): HTMLElement | null {
    const parts: HTMLElement[] = [];
    let x: ComparisonState["extras"] = {};
    try {
      x = ctx.get("extras") ?? {};
      for (const c of x.charts ?? []) {
        const pct = (v: number) => `${Math.round(100 * v)}%`;
        parts.push(lineChart({
          title: String(c.title ?? ""), xLabel: String(c.x_label ?? ""), yLabel: String(c.y_label ?? ""),
          xs: floats(c.xs), pointLabels: (c.point_labels ?? []).map(String),
          series: (c.series ?? []).map((sr) => ({ name: String(sr.name), color: String(sr.color), ys: floats(sr.ys) })),
          yFormat: c.y_percent ? pct : undefined, yMin: c.y_percent ? 0 : undefined, yMax: c.y_percent ? 1 : undefined,
        }, tip, signal));
      }
    } catch (err) {
      parts.push(h("div", { class: "xai-status", text: `chart unavailable: ${errorText(err)}` }));
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
    const C = Math.floor(Number(ctx.get("n_classes")) || 0);
    if (standalone || ctx.get("explainable") !== true || C < 2) return null;
    const names = classNames();
    const pick = h("select", { class: "xai-explain", "aria-label": "class to explain" }, [
      h("option", { value: "-1", text: "as computed" }),
      ...Array.from({ length: C }, (_, c) => h("option", { value: String(c), text: className(names, c) })),
    ]);
    pick.value = String(explainTarget);
    pick.addEventListener("change", () => {
      explainTarget = Number(pick.value);
      pager.refresh();
    }, { signal });
    return h("label", { class: "xai-explain-label", title: "show the evidence for another class (computed by the kernel for this sample)" }, ["explain", pick]);
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
    sign.addEventListener("change", () => update({ sign: SIGN_MODES.find((m) => m === sign.value) ?? "all" }), { signal });
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
    if (pager.shown) view?.draw(pager.shown, settings);
  }

  /** The values under the pointer, in a tooltip at the cursor (refreshed by every redraw). */
  function showReadout(parts: ReadoutPart[] | null, anchor?: Element): void {
    if (!tooltip) return;
    if (!parts) {
      setText(live, "");
      return tooltip.hide();
    }
    if (anchor) {
      // by keyboard: at the focused item, and read out
      const r = anchor.getBoundingClientRect();
      tooltip.show({ clientX: r.right, clientY: r.bottom }, parts);
      setText(live, parts.map(([a, b]) => `${a}: ${b}`).join(", "));
    } else tooltip.show(pointer, parts);
  }

  function paint(s: Sample): void {
    if (!ui || !view) return;
    status.idle();
    ui.table?.setSample(s.block.index[s.k]);
    view.draw(s, settings);
    const names = classNames();
    const t = s.block.target[s.k];
    const p = s.block.pred[s.k];
    const prob = s.block.prob[s.k];
    const truth = s.block.truth?.[s.k];
    const known = truth !== undefined && Number.isFinite(truth);
    if (ctx.get("task") === "regression") {
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
    // the sample shown here is the focus of the linked views (the overview marks it)
    link?.focus(s.block.index[s.k], `${String(ctx.get("title") || "comparison")}: sample ${s.block.index[s.k]}`);
    ctx.ready();
  }

  function rebuild(): void {
    ui = buildUI();
    pager.restart();
  }

  // token colours are picked for the theme's text colour when drawn: draw again after a switch
  ctx.onTheme(() => {
    if (pager.shown) paint(pager.shown);
  });
  ctx.on("data", () => {
    // New data may come from a new model or new methods: fetched samples would be stale.
    store.clear();
    status.clear();
    addData();
    const w = pager.wanted;
    if (store.has(w)) pager.refresh();
    else if (w >= 0 && store.indices().length) pager.go(store.indices()[0]);
  });
  ctx.on([...STRUCTURE], rebuild);
  rebuild();

  // linked views (lib/link.ts, xw.link): the row another view focuses (a hovered or clicked
  // overview point) is shown here when this view holds it: at once when held, else fetched
  // with the view's "sample" fetch. A cursor sweeping over the overview does not queue a fetch
  // per point: one focus fetch is in flight at a time and only the latest row asked for while
  // it runs is fetched next. Selections are not this view's business.
  const follow = followLatest({
    ready: (p) => standalone || explainTarget >= 0 || current(p) !== undefined,
    load: (p) => ctx.fetch<BlockState>("sample", { index: p }).then((block) => store.add(block)),
    show: (p) => {
      if (p !== pager.wanted) pager.go(p);
    },
    failed: (p, err) => status.report(`sample ${p}`, err),
    aborted: () => signal.aborted,
  });
  link = joinLink(ctx as unknown as LinkHost, {
    count: nSamples,
    onSelect: () => {},
    onFocus: (p, f) => {
      if (p === null) return;
      if (p < 0) {
        status.say(`${f.label}: row ${f.row} is not among the ${nSamples()} samples here`);
        return;
      }
      follow(p);
    },
  });
}

export default defineView<ComparisonState>({ name: "comparison", css, render });
