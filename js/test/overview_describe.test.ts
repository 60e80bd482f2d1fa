// @vitest-environment happy-dom
// The overview's "Describe selection" panel (src/overview/describe.ts): the kernel's reply drawn
// as text (never HTML), rules one Tab stop, a click or Enter selects the rule's covered rows.
import { afterEach, describe, expect, it } from "vitest";
import { coveredRows, type DescribeReply, drawDescription, intervalText, ruleNumbers } from "../src/overview/describe";
import { type NDArray } from "../src/lib/wire";

afterEach(() => document.body.replaceChildren());

const rows = (v: number[]) => ({ dtype: "uint32", shape: [v.length], data: Uint32Array.from(v) }) as unknown as NDArray;

const reply = (): DescribeReply => ({
  description: {
    n_group: 12, n_rest: 88, against: "the rest",
    counts: [{ column: "label", classes: ["<b>cat</b>", "dog"], group: [2, 10], rest: [50, 38] }],
    metrics: [{ method: "Saliency", metric: "deletion_auc", group: [0.5, 0.4, 0.61, 12], rest: [null, null, null, 0] }],
    rules: [
      { text: "concept '<img src=x>' present", support: 10, covered: 11, precision: 10 / 11, recall: 10 / 12, pvalue: 0.01 },
      { text: "fc1[3] > 0.4", support: 4, covered: 4, precision: 1, recall: 1 / 3, pvalue: 0.2 },
    ],
    columns: ["a", "b"], n_permutations: 99, mined_rows: 100, level: 0.95, notes: ["x: 50% missing, not mined"], text: "",
  },
  covered: [rows([1, 5, 7]), rows([2, 3])],
});

describe("describe panel", () => {
  it("formats intervals and a rule's numbers", () => {
    expect(intervalText([0.5, 0.4, 0.61, 12])).toBe("0.5 [0.4, 0.61]");
    expect(intervalText([null, null, null, 0])).toBe("n/a [n/a, n/a]");
    expect(ruleNumbers(reply().description.rules[0])).toBe(
      "covers 10 of the group and 1 others · precision 91% · recall 83% · p = 0.01");
    expect(coveredRows(reply(), 1)).toEqual([2, 3]);
    expect(coveredRows(reply(), 5)).toEqual([]);
  });

  it("draws names from the data as text, and a click or Enter selects a rule's rows", () => {
    const panel = document.createElement("div");
    document.body.append(panel);
    const ctl = new AbortController();
    const picked: number[][] = [];
    drawDescription(panel, "the selection", reply(), (r) => picked.push(r), ctl.signal);
    expect(panel.querySelector(".xai-ov-dhead")!.textContent).toBe("the selection: 12 samples vs 88 (the rest)");
    expect(panel.querySelector("b, img")).toBeNull();
    const cells = [...panel.querySelectorAll(".xai-ov-counts tbody tr")].map((tr) => tr.textContent);
    expect(cells).toEqual(["dog1038", "<b>cat</b>250"]); // most frequent in the group first
    expect(panel.querySelector(".xai-ov-metrics tbody tr")!.textContent).toBe(
      "deletion_auc (Saliency)0.5 [0.4, 0.61]n/a [n/a, n/a]");
    const items = [...panel.querySelectorAll<HTMLElement>(".xai-ov-rule")];
    expect(items.map((li) => li.querySelector(".xai-ov-rule-text")!.textContent)).toEqual(
      ["concept '<img src=x>' present", "fc1[3] > 0.4"]);
    expect(items.map((li) => li.tabIndex)).toEqual([0, -1]); // one Tab stop
    items[0].click();
    expect(picked).toEqual([[1, 5, 7]]);
    expect(items[0].getAttribute("aria-current")).toBe("true");
    items[0].focus();
    items[0].dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    expect(document.activeElement).toBe(items[1]);
    items[1].dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(picked).toEqual([[1, 5, 7], [2, 3]]);
    expect(panel.textContent).toContain("x: 50% missing, not mined");
    expect(panel.querySelector("canvas")).toBeNull(); // no attributions in the reply
    const r = reply();
    r.attributions = { Saliency: { shape: [1, 2, 2], q: Uint8Array.from([0, 128, 255, 64]), lo: Float32Array.from([-1]), hi: Float32Array.from([1]), signed: true, itemSize: 4 } };
    drawDescription(panel, "the selection", r, () => undefined, ctl.signal);
    const mean = panel.querySelector("canvas.xai-ov-mean")!;
    expect(mean.getAttribute("aria-label")).toBe("Saliency: group mean (-1 – 1), red positive, blue negative");
    ctl.abort();
  });

  it("says when no rule tells the group apart", () => {
    const panel = document.createElement("div");
    const r = reply();
    r.description.rules = [];
    r.covered = [];
    drawDescription(panel, "the misclassified", r, () => undefined, new AbortController().signal);
    expect(panel.querySelector(".xai-ov-rules")).toBeNull();
    expect(panel.textContent).toContain("No rule over 2 columns tells the group apart.");
  });
});
