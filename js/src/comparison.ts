// AttributionComparison view (js/README.md). All view settings are local; the kernel is only
// asked for samples that were not embedded in the state.
import type { AnyModel } from "@anywidget/types";
import { SampleStore, type Sample, type WireBlock } from "./lib/block";
import { COLORMAPS, hasColormap } from "./lib/colormap";
import { h } from "./lib/dom";
import { className, fmt } from "./lib/format";
import { nearestIn, stepIn } from "./lib/layout";
import { Fetcher, isStandalone } from "./lib/fetch";
import { decodeMetrics, hasMetrics } from "./lib/metrics";
import { applyTheme } from "./lib/theme";
import { ImageView } from "./views/image";
import { metricsSection } from "./views/metrics";
import { SequenceView } from "./views/sequence";
import { TabularView } from "./views/tabular";
import type { ModalityView, ReadoutPart, Settings, ViewContext } from "./views/types";

export interface ComparisonTraits {
  kind: "image" | "tabular" | "sequence";
  task: "multiclass" | "binary" | "regression";
  title: string;
  methods: string[];
  class_names: string[];
  feature_names: string[];
  n_samples: number;
  n_outputs: number;
  data: WireBlock | Record<string, never>;
  sample: number;
  metrics: unknown;
  colormap: string;
  opacity: number;
  threshold: number;
  overlay: boolean;
}

type Model = AnyModel<ComparisonTraits> & { standalone?: boolean };

export { isStandalone };

const HINT = "hover a panel to read values";

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
      if (ui) ui.status.textContent = problem;
    }
  };
  addBlock(model.get("data"), "`data`");

  const settings: Settings = {
    colormap: hasColormap(model.get("colormap")) ? model.get("colormap") : "RdBu",
    opacity: clamp01(model.get("opacity"), 0.6),
    threshold: clamp01(model.get("threshold"), 0),
    overlay: model.get("overlay") !== false,
  };

  applyTheme(el);
  // JupyterLab's command-mode shortcuts listen on the document: keys meant for our controls must
  // not reach them (Enter would never commit the number, arrows would also move between cells).
  el.addEventListener("keydown", (e) => {
    const t = e.target as Element | null;
    if (t && t.closest("input, select, button")) e.stopPropagation();
  }, { signal });

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
    ]);
    prev.addEventListener("click", () => step(-1), { signal });
    next.addEventListener("click", () => step(1), { signal });
    const jump = () => (num.value === "" ? syncNav() : go(Math.round(Number(num.value))));
    num.addEventListener("change", jump, { signal });
    num.addEventListener("keydown", (e) => {
      if (e.key === "Enter") jump();
    }, { signal });

    const controls = buildControls(kind);
    const readout = h("div", { class: "xai-readout", text: HINT });
    const status = h("div", { class: "xai-status", role: "status" });
    const mx = model.get("metrics");
    let metrics: HTMLElement | null = null;
    if (hasMetrics(mx)) {
      try {
        const yLabel = model.get("task") === "regression" ? "|Δ output|" : "probability";
        metrics = metricsSection(decodeMetrics(mx, ctx.methods), yLabel);
      } catch (err) {
        metrics = h("div", { class: "xai-status", text: `metrics unavailable: ${String(err)}` });
      }
    }
    el.append(header, controls, status, view.el, readout, ...(metrics ? [metrics] : []));
    return { prev, next, num, info, readout, status };
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
        out.textContent = Number(input.value).toFixed(2);
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
    return h("div", { class: "xai-controls" }, [
      h("label", {}, ["colormap", cmap]),
      opacity,
      slider("xai-threshold", settings.threshold, "threshold"),
      kind === "image" ? h("label", {}, [overlay, "overlay on input"]) : null,
    ]);
  }

  function update(patch: Partial<Settings>): void {
    Object.assign(settings, patch);
    if (shown) view?.draw(shown, settings);
  }

  function showReadout(parts: ReadoutPart[] | null): void {
    if (!ui) return;
    if (!parts) {
      ui.readout.textContent = HINT;
      return;
    }
    const nodes: Node[] = [];
    parts.forEach(([label, value], i) => {
      if (i) nodes.push(document.createTextNode("  ·  "));
      nodes.push(h("b", { text: label }), document.createTextNode(` ${value}`));
    });
    ui.readout.replaceChildren(...nodes);
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
        if (ui) ui.status.textContent = `sample ${i} is not in this offline page (${avail.length} embedded: ${rangeText(avail)})`;
        syncNav();
        return;
      }
    }
    wanted = i;
    syncNav();
    const s = store.get(i);
    if (s) return paint(s);
    el.classList.add("xai-loading");
    if (ui) ui.status.textContent = `loading sample ${i}…`;
    fetcher.fetch("sample", { index: i }).then((block) => {
      addBlock(block, `sample ${i}`);
      if (ui) syncNav();
      const got = store.get(wanted);
      if (got && got !== shown) paint(got);
    }, (err: unknown) => {
      if (ui && wanted === i && !store.has(i)) ui.status.textContent = `sample ${i}: ${err instanceof Error ? err.message : String(err)}`;
    });
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
    ui.status.textContent = "";
    view.draw(s, settings);
    const names = model.get("class_names") ?? [];
    const t = s.block.target[s.k];
    const p = s.block.pred[s.k];
    const prob = s.block.prob[s.k];
    if (model.get("task") === "regression") {
      // regressions: no classes, `prob` carries the raw output
      ui.info.classList.remove("xai-wrong");
      ui.info.title = "the model's output for this sample";
      ui.info.replaceChildren(h("span", { class: "xai-pred", text: `output: ${fmt(prob)}` }));
    } else {
      ui.info.classList.toggle("xai-wrong", t !== p);
      ui.info.title = "p = model probability of the target class";
      ui.info.replaceChildren(
        h("span", { class: "xai-target", text: `target: ${className(names, t)}` }),
        " · ",
        h("span", { class: "xai-pred", text: `pred: ${className(names, p)} (p=${Number.isFinite(prob) ? prob.toFixed(2) : "n/a"})` }),
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
      ui.status.textContent = problem || "no samples to show";
      el.dataset.xaiReady = "1";
      return;
    }
    go(start);
  }

  // Model listeners (removed by the cleanup).
  const handlers: [string, () => void][] = [
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
  for (const [ev, cb] of handlers) model.on(ev, cb);

  rebuild();

  return () => {
    ac.abort();
    fetcher.dispose();
    for (const [ev, cb] of handlers) model.off(ev as never, cb);
  };
}

export default { render };
