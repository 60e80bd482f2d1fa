// Metrics table (mean ± std, best per column in bold) and mean deletion / insertion curves.
import { PALETTE } from "../lib/colormap";
import { h, s } from "../lib/dom";
import { fmt, meanStd } from "../lib/format";
import { polylinePoints } from "../lib/layout";
import { bestMask, type Metrics } from "../lib/metrics";

export function metricsTable(mx: Metrics): HTMLTableElement {
  const best = bestMask(mx.mean, mx.M, mx.Q, mx.higher, (a, b) => fmt(a) === fmt(b));
  const head = h("tr", {}, [
    h("th", { scope: "col", text: "method" }),
    ...mx.labels.map((label, q) =>
      h("th", {
        scope: "col",
        // Python's labels may already carry the arrow.
        text: /[↑↓]\s*$/.test(label) ? label : `${label} ${mx.higher[q] ? "↑" : "↓"}`,
        title: mx.higher[q] ? "higher is better" : "lower is better",
      }),
    ),
  ]);
  const body = mx.methods.map((method, m) =>
    h("tr", {}, [
      h("th", { scope: "row", text: method }),
      ...mx.labels.map((_, q) => {
        const i = m * mx.Q + q;
        const text = mx.std ? meanStd(mx.mean[i], mx.std[i]) : fmt(mx.mean[i]);
        return h("td", { class: best[i] ? "best" : undefined, text });
      }),
    ]),
  );
  const bits: string[] = [];
  if (mx.n !== null) bits.push(`n = ${mx.n} samples`);
  if (mx.baseline !== null) bits.push(`baseline: ${mx.baseline}`);
  bits.push("mean ± std; best per column in bold");
  return h("table", { class: "xai-metrics" }, [
    h("caption", { text: bits.join(" · ") }),
    h("thead", {}, [head]),
    h("tbody", {}, body),
  ]);
}

const W = 240;
const H = 150;
const BOX = { left: 34, top: 18, width: W - 44, height: H - 48 };

export function curveChart(title: string, xLabel: string, xs: ArrayLike<number>, ys: ArrayLike<number>, methods: string[], yLabel = "probability"): SVGSVGElement {
  const S = xs.length;
  let y1 = 1;
  let y0 = 0;
  for (let i = 0; i < ys.length; i++) {
    if (Number.isFinite(ys[i])) {
      y1 = Math.max(y1, ys[i]);
      y0 = Math.min(y0, ys[i]);
    }
  }
  const x0 = S ? Math.min(0, xs[0]) : 0;
  const x1 = S ? Math.max(1, xs[S - 1]) : 1;
  const { left, top, width, height } = BOX;
  const svg = s("svg", { class: "xai-curves", width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title }, [
    s("text", { class: "xai-chart-title", x: left, y: 11, text: title }),
    s("path", { class: "xai-axis", d: `M${left},${top} V${top + height} H${left + width}` }),
    s("text", { x: left - 4, y: top + 4, "text-anchor": "end", text: fmt(y1) }),
    s("text", { x: left - 4, y: top + height, "text-anchor": "end", text: fmt(y0) }),
    s("text", { x: left, y: top + height + 12, "text-anchor": "middle", text: fmt(x0) }),
    s("text", { x: left + width, y: top + height + 12, "text-anchor": "middle", text: fmt(x1) }),
    s("text", { x: left + width / 2, y: top + height + 26, "text-anchor": "middle", text: xLabel }),
    s("text", { x: 10, y: top + height / 2, "text-anchor": "middle", transform: `rotate(-90 10 ${top + height / 2})`, text: yLabel }),
  ]);
  methods.forEach((method, m) => {
    const row = Array.from({ length: S }, (_, i) => ys[m * S + i]);
    const pts = polylinePoints(xs, row, BOX, x0, x1, y0, y1);
    svg.appendChild(
      s("polyline", { points: pts, fill: "none", stroke: PALETTE[m % PALETTE.length], "stroke-width": 1.6, "data-method": method }, [
        s("title", { text: method }),
      ]),
    );
  });
  return svg;
}

export function curveLegend(methods: string[]): HTMLElement {
  return h("div", { class: "xai-curve-legend" }, methods.map((method, m) => {
    const sw = h("span", { class: "xai-swatch" });
    sw.style.background = PALETTE[m % PALETTE.length];
    return h("div", {}, [sw, h("span", { text: method })]);
  }));
}

/** `yLabel`: what the curves score ("probability" of the target, or a one-output model's "output"). */
export function metricsSection(mx: Metrics, yLabel = "probability"): HTMLElement {
  const el = h("div", { class: "xai-metrics-wrap" }, [metricsTable(mx)]);
  if (mx.fractions && (mx.deletion || mx.insertion)) {
    const charts = h("div", { class: "xai-charts" });
    if (mx.deletion) charts.appendChild(curveChart("Deletion (mean)", "fraction of features removed", mx.fractions, mx.deletion, mx.methods, yLabel));
    if (mx.insertion) charts.appendChild(curveChart("Insertion (mean)", "fraction of features inserted", mx.fractions, mx.insertion, mx.methods, yLabel));
    charts.appendChild(curveLegend(mx.methods));
    el.appendChild(charts);
  }
  return el;
}
