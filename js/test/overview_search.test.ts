import { describe, expect, it } from "vitest";
import { type ColumnSpec, Columns, type Filter } from "../src/overview/data";
import { categoryRows, parseQuery } from "../src/overview/search";

const spec = (name: string, kind: ColumnSpec["kind"], extra: Partial<ColumnSpec> = {}): ColumnSpec => ({
  name, kind, dtype: "", range: null, categories: null, description: "", ...extra,
});

const SPECS: ColumnSpec[] = [
  spec("y_true", "category", { categories: ["ant", "bee", "cat"] }),
  spec("y_pred", "category", { categories: ["ant", "bee", "cat"] }),
  spec("correct", "bool", { categories: ["wrong", "correct"] }),
  spec("meme/final_concept", "category", { categories: ["healthy", "sick"] }),
  spec("confidence", "number", { range: [0.2, 1] }),
];

describe("the overview's find box", () => {
  it("reads a whole number as a sample index, refusing one past the end", () => {
    expect(parseQuery(" 7 ", SPECS, 10)).toEqual({ kind: "index", row: 7 });
    const past = parseQuery("10", SPECS, 10);
    expect(past.kind).toBe("error");
    expect(past.kind === "error" && past.why).toContain("indices are 0 to 9");
  });

  it("finds a category by column:name, with aliases, any case, and the last part of a prefixed name", () => {
    expect(parseQuery("label:Cat", SPECS, 10)).toEqual({ kind: "category", column: "y_true", code: 2, label: "y_true = cat" });
    expect(parseQuery("pred=bee", SPECS, 10)).toEqual({ kind: "category", column: "y_pred", code: 1, label: "y_pred = bee" });
    expect(parseQuery("final_concept:sick", SPECS, 10)).toMatchObject({ column: "meme/final_concept", code: 1 });
  });

  it("takes a bare name when exactly one column has it, and asks which when several do", () => {
    expect(parseQuery("wrong", SPECS, 10)).toMatchObject({ kind: "category", column: "correct", code: 0 });
    expect(parseQuery("sick", SPECS, 10)).toMatchObject({ column: "meme/final_concept", code: 1 });
    const both = parseQuery("bee", SPECS, 10);
    expect(both.kind === "error" && both.why).toBe('"bee" is a category of y_true and y_pred: type y_true:bee or y_pred:bee');
  });

  it("says what exists when a column or a name is unknown (numbers have no names)", () => {
    const col = parseQuery("confidence:high", SPECS, 10);
    expect(col.kind === "error" && col.why).toContain("the columns with names are y_true, y_pred, correct, meme/final_concept");
    const name = parseQuery("label:dog", SPECS, 10);
    expect(name.kind === "error" && name.why).toBe("y_true has no category \"dog\": it has ant, bee, cat");
    expect(parseQuery("dog", SPECS, 10).kind).toBe("error");
    expect(parseQuery("  ", SPECS, 10).kind).toBe("error");
  });

  it("selects the loaded rows of a category that pass the filters", () => {
    const cols = new Columns(6, SPECS);
    cols.put("y_true", 0, [0, 2, 2, 1, 2, 2]);
    cols.put("confidence", 0, [0.9, 0.3, 0.8, 0.5, 0.95, 0.1]);
    expect(categoryRows(cols, "y_true", 2, 6, [])).toEqual([1, 2, 4, 5]);
    expect(categoryRows(cols, "y_true", 2, 4, [])).toEqual([1, 2]); // only the drawn rows
    const confident: Filter[] = [{ column: "confidence", kind: "range", lo: 0.5, hi: 1 }];
    expect(categoryRows(cols, "y_true", 2, 6, confident)).toEqual([2, 4]);
    expect(categoryRows(cols, "y_pred", 2, 6, [])).toEqual([]); // not loaded
  });
});
