// The overview's "find" box: a sample index, or samples by the name of a category (a class, a
// concept, "wrong"), on the loaded columns, without a kernel message. Unit-tested in
// js/test/overview_search.test.ts.
import { type Columns, type ColumnSpec, type Filter, rowPasses } from "./data";

/** What a query asks for, or why it cannot be answered (said in the status line). */
export type Query =
  | { kind: "index"; row: number }
  | { kind: "category"; column: string; code: number; label: string }
  | { kind: "error"; why: string };

// Words people type for the label and prediction columns (`label:7`, `pred:cat`).
const ALIASES: Record<string, string> = {
  label: "y_true", true: "y_true", class: "y_true", target: "y_true",
  pred: "y_pred", prediction: "y_pred", predicted: "y_pred",
};

const HELP = "type a sample index, or a category: a name (wrong, sick) or column:name (label:7, prediction:cat)";

const named = (s: ColumnSpec): boolean =>
  (s.kind === "category" || s.kind === "bool") && !!s.categories?.length;

/** The column a typed name means: exact, an alias, or the last part of a prefixed name. */
function columnFor(word: string, specs: ColumnSpec[]): ColumnSpec | undefined {
  const w = word.trim().toLowerCase();
  const target = ALIASES[w] ?? w;
  return specs.find((s) => named(s) && s.name.toLowerCase() === target)
    ?? specs.find((s) => named(s) && s.name.toLowerCase().split("/").pop() === target);
}

const codeOf = (spec: ColumnSpec, value: string): number =>
  (spec.categories ?? []).findIndex((c) => c.toLowerCase() === value.trim().toLowerCase());

/** Reads the find box: a whole number is an index; `column:name` (or `column=name`) a
 * category of that column; a bare name the category of the one column that has it. */
export function parseQuery(text: string, specs: ColumnSpec[], n: number): Query {
  const q = text.trim();
  if (!q) return { kind: "error", why: HELP };
  if (/^\d+$/.test(q)) {
    const row = Number(q);
    return row < n ? { kind: "index", row } : { kind: "error", why: `no sample ${q}: indices are 0 to ${n - 1}` };
  }
  const sep = q.search(/[:=]/);
  if (sep > 0) {
    const word = q.slice(0, sep);
    const value = q.slice(sep + 1);
    const spec = columnFor(word, specs);
    if (!spec) {
      const names = specs.filter(named).map((s) => s.name).join(", ");
      return { kind: "error", why: `no category column "${word}": the columns with names are ${names}` };
    }
    const code = codeOf(spec, value);
    if (code < 0) return { kind: "error", why: `${spec.name} has no category "${value.trim()}": it has ${(spec.categories ?? []).join(", ")}` };
    return { kind: "category", column: spec.name, code, label: `${spec.name} = ${spec.categories![code]}` };
  }
  const having = specs.filter((s) => named(s) && codeOf(s, q) >= 0);
  if (!having.length) return { kind: "error", why: `no column has a category "${q}"; ${HELP}` };
  if (having.length > 1) {
    return { kind: "error", why: `"${q}" is a category of ${having.map((s) => s.name).join(" and ")}: type ${having.map((s) => `${s.name}:${q}`).join(" or ")}` };
  }
  const spec = having[0];
  const code = codeOf(spec, q);
  return { kind: "category", column: spec.name, code, label: `${spec.name} = ${spec.categories![code]}` };
}

/** Rows among [0, count) whose `column` holds category `code` and that pass the filters. */
export function categoryRows(cols: Columns, column: string, code: number, count: number, filters: Filter[]): number[] {
  const arr = cols.values.get(column);
  const held = Math.min(count, cols.loaded.get(column) ?? 0);
  const out: number[] = [];
  if (!arr) return out;
  for (let i = 0; i < held; i++) if (arr[i] === code && rowPasses(cols, filters, i)) out.push(i);
  return out;
}
