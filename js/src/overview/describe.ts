// The overview's "Describe selection" panel: the kernel's reply to the "describe" fetch
// (DatasetOverview._describe_block, xaiwidgets/widgets/overview.py: SelectionDescription.to_dict
// and every rule's covered rows as a uint32 buffer) drawn as counts, metric means with
// intervals, and rules in words. Names and rule texts come from the data: textContent only.
import { describePicture, roving } from "../lib/a11y";
import { lutFor } from "../lib/colormap";
import { h, putRGBA } from "../lib/dom";
import { heatmapRGBA } from "../lib/heatmap";
import { type NDArray, type Quantized } from "../lib/wire";
import { formatNumber } from "./data";

type Interval = [number | null, number | null, number | null, number];

export interface Description {
  n_group: number;
  n_rest: number;
  against: string;
  counts: { column: string; classes: string[]; group: number[]; rest: number[] }[];
  metrics: { method: string; metric: string; group: Interval; rest: Interval }[];
  rules: { text: string; support: number; covered: number; precision: number; recall: number; pvalue: number }[];
  columns: string[];
  n_permutations: number;
  mined_rows: number;
  level: number;
  notes: string[];
  text: string;
}

export interface DescribeReply {
  description: Description;
  /** the group's mean attribution per method, (1, H, W) quantised (image runs only) */
  attributions?: Record<string, Quantized>;
  covered: NDArray[];
}

/** Rows classes of a count table shows (the most frequent in the group first). */
export const TOP_CLASSES = 6;

const num = (v: number | null) => (v === null ? "n/a" : formatNumber(v));
const pct = (v: number) => `${Math.round(v * 100)}%`;

/** "0.42 [0.38, 0.47]" (mean and its bootstrap interval). */
export function intervalText(v: Interval): string {
  return `${num(v[0])} [${num(v[1])}, ${num(v[2])}]`;
}

/** A rule's numbers in words: support, precision, recall and p-value. */
export function ruleNumbers(r: Description["rules"][number]): string {
  return `covers ${r.support} of the group and ${r.covered - r.support} others · precision ${pct(r.precision)} · recall ${pct(r.recall)} · p = ${Number(r.pvalue.toPrecision(3))}`;
}

/** The covered rows of rule k as plain numbers (the reply's uint32 buffer). */
export function coveredRows(reply: DescribeReply, k: number): number[] {
  const a = reply.covered[k];
  return a ? Array.from(a.data as ArrayLike<number>) : [];
}

function table(caption: string, head: string[], rows: string[][], cls: string): HTMLTableElement {
  return h("table", { class: `xai-ov-dtable ${cls}` }, [
    h("caption", { text: caption }),
    h("thead", {}, [h("tr", {}, head.map((t) => h("th", { scope: "col", text: t })))]),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((t, j) => (j ? h("td", { text: t }) : h("th", { scope: "row", text: t })))))),
  ]);
}

/**
 * Fills `panel` with the description; clicking a rule (or Enter on it: the rules are one Tab
 * stop, arrows move between them) calls `select` with its covered rows.
 */
export function drawDescription(panel: HTMLElement, group: string, reply: DescribeReply,
  select: (rows: number[], rule: number) => void, signal: AbortSignal): void {
  const d = reply.description;
  const parts: HTMLElement[] = [
    h("div", { class: "xai-ov-dhead", text: `${group}: ${d.n_group.toLocaleString()} samples vs ${d.n_rest.toLocaleString()} (${d.against})` }),
  ];
  const tables = h("div", { class: "xai-ov-dtables" });
  for (const c of d.counts) {
    const order = c.classes.map((_, k) => k).sort((a, b) => c.group[b] - c.group[a] || c.rest[b] - c.rest[a]).slice(0, TOP_CLASSES);
    const rows = order.map((k) => [c.classes[k], String(c.group[k]), String(c.rest[k])]);
    const more = c.classes.length - order.length;
    tables.append(table(`${c.column}s${more > 0 ? ` (top ${order.length} of ${c.classes.length})` : ""}`,
      [c.column, "group", "rest"], rows, "xai-ov-counts"));
  }
  if (d.metrics.length) {
    tables.append(table(`metric means, ${Math.round(d.level * 100)}% bootstrap intervals`, ["metric", "group", "rest"],
      d.metrics.map((m) => [`${m.metric} (${m.method})`, intervalText(m.group), intervalText(m.rest)]), "xai-ov-metrics"));
  }
  parts.push(tables);
  const means = Object.entries(reply.attributions ?? {});
  if (means.length) {
    const figs = means.map(([m, a]) => {
      const [, mh = 1, mw = 1] = a.shape;
      const c = h("canvas", { class: "xai-ov-heat xai-ov-mean", "data-method": m });
      putRGBA(c, heatmapRGBA(a.q, 0, mh, mw, lutFor("RdBu", a.signed), { threshold: 0, signed: a.signed, opacity: 1 }), mw, mh);
      const caption = `${m}: group mean (${formatNumber(a.lo[0])} – ${formatNumber(a.hi[0])})`;
      describePicture(c, `${caption}, red positive, blue negative`);
      return h("figure", { class: "xai-ov-fig" }, [c, h("figcaption", { text: caption })]);
    });
    parts.push(h("div", { class: "xai-ov-figs xai-ov-means" }, figs));
  }
  if (!d.rules.length) {
    parts.push(h("div", { class: "xai-note", text: `No rule over ${d.columns.length} columns tells the group apart.` }));
  } else {
    const list = h("ol", { class: "xai-ov-rules", "aria-label": "rules that tell the group apart: Enter selects a rule's samples" });
    d.rules.forEach((r, k) => {
      const li = h("li", { class: "xai-ov-rule", role: "button", "data-rule": String(k),
        title: "select the samples this rule covers" }, [
        h("span", { class: "xai-ov-rule-text", text: r.text }),
        h("span", { class: "xai-ov-rule-nums", text: ruleNumbers(r) }),
      ]);
      li.addEventListener("click", () => {
        for (const o of list.querySelectorAll(".xai-ov-rule")) o.setAttribute("aria-current", String(o === li));
        select(coveredRows(reply, k), k);
      }, { signal });
      list.append(li);
    });
    parts.push(h("div", { class: "xai-ov-dsub", text: "rules (click one to select the samples it covers)" }), list);
    roving(list, { items: () => [...list.querySelectorAll<HTMLElement>(".xai-ov-rule")], orientation: "vertical" }, signal);
    const sampled = d.mined_rows < d.n_group + d.n_rest ? ` mined on a seeded sample of ${d.mined_rows.toLocaleString()}: a rule selects the samples it covers in it` : "";
    parts.push(h("div", { class: "xai-note", text: `p-values: ${d.n_permutations} fits on shuffled group labels;${sampled || ` over ${d.mined_rows.toLocaleString()} samples`}.` }));
  }
  for (const note of d.notes) parts.push(h("div", { class: "xai-note", text: note }));
  panel.replaceChildren(...parts);
  panel.hidden = false;
}
