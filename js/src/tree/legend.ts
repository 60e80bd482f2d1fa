// The class legend of ConceptTreeView: one swatch per class, a row per group when
// `class_groups` structures the classes (hue per group, lightness per level).
import { h } from "../lib/dom";
import { className } from "../lib/format";
import type { ClassGroupsState } from "./state";

export function drawLegend(box: HTMLElement, n: number, names: string[], colors: string[], groups: ClassGroupsState): void {
  const item = (c: number, text: string) => {
    const sw = h("i");
    sw.style.background = colors[c] ?? "#888";
    const it = h("span", { class: "xai-legend-item", "data-class": c, title: className(names, c) }, [sw, text]);
    return it;
  };
  const gid = Array.isArray(groups.group) ? groups.group : null;
  const rows: HTMLElement[] = [h("span", { class: "xai-hint xai-legend-title", text: "bars: the model's predictions, one colour per class" })];
  if (gid && gid.length === n) {
    const glabels = (groups.groups ?? []).map(String);
    const levels = (groups.levels ?? []).map(String);
    const level = groups.level ?? [];
    glabels.forEach((g, k) => {
      const members = [...Array(n).keys()].filter((c) => gid[c] === k).sort((a, b) => level[a] - level[b]);
      rows.push(h("span", { class: "xai-legend-group", text: g }));
      rows.push(h("span", { class: "xai-legend-row" }, members.map((c) => item(c, levels.length ? levels[level[c]] ?? className(names, c) : className(names, c)))));
    });
  } else {
    rows.push(h("span", { class: "xai-legend-row", style: "grid-column: 1 / -1" }, [...Array(n).keys()].map((c) => item(c, className(names, c)))));
  }
  box.replaceChildren(...rows);
}
