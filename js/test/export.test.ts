// @vitest-environment happy-dom
// The export module (lib/export.ts) and the export menu the view base puts in every view: CSV
// per RFC 4180, the menu's entries per view (rendered from the fixtures pytest writes: every
// view's real state), its keyboard, and the SVG of a figure.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import comparison from "../src/comparison";
import { csvCell, Exports, fileName, figureSVG, inlineSVG, metricRows, tableRows, toCSV } from "../src/lib/export";
import { h, s } from "../src/lib/dom";
import { metricsOf, type MetricsState } from "../src/lib/metrics";
import { decodeState } from "../src/lib/wire";
import redescriptions from "../src/redescriptions";
import relevance from "../src/relevance";
import { createModel, decodePayload, type StandalonePayload } from "../src/standalone";
import timeline from "../src/timeline";
import tree from "../src/tree";

afterEach(() => document.body.replaceChildren());

/** A minimal RFC 4180 reader (quoted fields, doubled quotes, CRLF), to read our CSV back. */
function parseCSV(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") row.push(cell), (cell = "");
    else if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += c;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

describe("CSV", () => {
  it("quotes only what needs it, doubles quotes, keeps markup as text", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell("cr\rhere")).toBe('"cr\rhere"');
    expect(csvCell("<b>&amp;</b>")).toBe("<b>&amp;</b>"); // text, not HTML: never escaped or parsed
    expect(csvCell(0.1 + 0.2)).toBe("0.30000000000000004"); // full precision
    expect(csvCell(NaN)).toBe("");
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
  });

  it("writes CRLF rows that read back to the same cells", () => {
    const rows = [["name", "value"], ['a "quoted", name', 1.5], ["</script><!--", -2], ["multi\r\nline", 0]];
    const text = toCSV(rows);
    expect(text.endsWith("\r\n")).toBe(true);
    expect(text.split("\r\n")[0]).toBe("name,value");
    expect(parseCSV(text)).toEqual(rows.map((r) => r.map(String)));
    expect(toCSV([])).toBe("");
  });

  it("reads an HTML table with the full text of shortened labels", () => {
    const long = "x".repeat(200);
    const table = h("table", {}, [
      h("tr", {}, [h("th", { text: "feature" }), h("th", { text: "value" })]),
      h("tr", {}, [h("td", { text: long }), h("td", {}, [h("b", { text: "1.5" }), " ± 0.1"])]),
    ]);
    expect(table.querySelector("td")!.textContent!.length).toBeLessThan(200); // shortened on screen
    expect(tableRows(table)).toEqual([["feature", "value"], [long, "1.5 ± 0.1"]]);
  });

  it("names files from titles", () => {
    expect(fileName("My view: <1>", "csv")).toBe("My_view_1.csv");
    expect(fileName("", "png")).toBe("xaiwidgets.png");
  });
});

describe("Exports registry", () => {
  it("offers registered tables, then the other tables shown, and hides empty ones", () => {
    const root = h("div");
    const shown = h("table", { class: "xai-metrics" }, [h("tr", {}, [h("td", { text: "1" })])]);
    const other = h("table", {}, [h("caption", { text: "sizes" }), h("tr", {}, [h("td", { text: "2" })])]);
    const hidden = h("table", { class: "xai-help" }, [h("tr", {}, [h("td", { text: "3" })])]);
    const control = h("div", { class: "xai-controls" }, [h("table", {}, [h("tr", {}, [h("td", { text: "4" })])])]);
    root.append(shown, other, hidden, control);
    hidden.hidden = true;
    const ex = new Exports();
    expect(ex.tablesOf(root).map((t) => t.name)).toEqual(["metrics", "sizes"]);
    ex.table("summary", () => [["a"], [1]], () => shown);
    ex.table("nothing", () => []);
    const offered = ex.tablesOf(root);
    expect(offered.map((t) => t.name)).toEqual(["summary", "sizes"]);
    expect(offered[1].rows()).toEqual([["sizes"], ["2"]].slice(1)); // the caption is the name, not a row
    expect(ex.figureOf(root)).toBe(root);
    ex.figure(() => shown);
    expect(ex.figureOf(root)).toBe(shown);
  });
});

describe("figure SVG", () => {
  it("inlines computed styles, drops scripts and handlers, embeds canvases as images", () => {
    const fig = h("div");
    const svg = s("svg", { width: 40, height: 20, class: "xai-chart" }, [
      s("rect", { x: 0, y: 0, width: 10, height: 10, class: "xai-bar", onclick: "alert(1)" }),
      s("script", {}, ["alert(2)"]),
      s("text", { x: 2, y: 15 }, ["a < b & c"]),
    ]);
    const style = h("style");
    style.textContent = ".xai-bar { fill: rgb(255, 0, 0); }";
    document.head.append(style);
    const canvas = h("canvas", { width: 8, height: 6 });
    fig.append(svg, canvas);
    document.body.append(fig);
    const copy = inlineSVG(svg);
    expect(copy.querySelector("rect")!.getAttribute("style")).toMatch(/fill:\s*rgb\(255, 0, 0\)/);
    expect(copy.querySelector("script")).toBeNull();
    expect(copy.querySelector("rect")!.hasAttribute("onclick")).toBe(false);
    const text = figureSVG(fig, "rgb(1, 2, 3)");
    const doc = new DOMParser().parseFromString(text, "image/svg+xml");
    expect(doc.querySelector("parsererror")).toBeNull();
    const root = doc.documentElement;
    expect(root.tagName).toBe("svg");
    expect(root.querySelectorAll("script").length).toBe(0);
    expect(text).not.toMatch(/<script|onclick/);
    // stacked without a layout engine: the SVG panel, then the canvas under it
    expect(root.getAttribute("width")).toBe("40");
    expect(root.getAttribute("height")).toBe(String(20 + 8 + 6));
    expect(root.querySelector("rect")!.getAttribute("fill")).toBe("rgb(1, 2, 3)");
    expect(text).toContain("a &lt; b &amp; c");
    style.remove();
  });
});

// -- the menu in every view, from the fixtures pytest writes ------------------------------------

interface Fixture extends StandalonePayload {
  view: string;
}

type Spec = { render(props: { model: never; el: HTMLElement }): () => void };
const ENTRIES: Record<string, Spec> = {
  ComparisonView: comparison, MaskView: comparison, ConceptTreeView: tree, TimelineView: timeline,
  SENNView: relevance, RedescriptionView: redescriptions,
};
/** Tables each view must offer (at least; its name in the menu). */
const TABLES: Record<string, string[]> = {
  ComparisonView: ["metrics"], MaskView: ["metrics"], ConceptTreeView: ["nodes"], TimelineView: ["concepts"],
  SENNView: ["relevances"], RedescriptionView: ["rules"],
};

const DIR = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const files = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith(".json")).sort() : [];

function mount(file: string): { el: HTMLElement; fx: Fixture; state: Record<string, unknown>; cleanup: () => void } {
  const fx = JSON.parse(readFileSync(join(DIR, file), "utf8")) as Fixture;
  const state = decodePayload(fx);
  const el = document.createElement("div");
  document.body.append(el);
  const log = console.error;
  console.error = () => undefined; // happy-dom has no canvas: the views' own tests check drawing
  try {
    const cleanup = ENTRIES[fx.view].render({ model: createModel(decodePayload(fx)) as never, el });
    return { el, fx, state, cleanup };
  } finally {
    console.error = log;
  }
}

/** Runs every item of the menu; the files it saves, by item label (URL.createObjectURL captured). */
async function downloads(el: HTMLElement, list: HTMLElement, button: HTMLButtonElement): Promise<Map<string, Blob>> {
  const got = new Map<string, Blob>();
  const create = URL.createObjectURL;
  const revoke = URL.revokeObjectURL;
  let current = "";
  URL.createObjectURL = ((b: Blob) => (got.set(current, b), "blob:captured")) as typeof URL.createObjectURL;
  URL.revokeObjectURL = () => undefined;
  try {
    button.click();
    const n = list.querySelectorAll("[role=menuitem]").length;
    for (let i = 0; i < n; i++) {
      if (list.hidden) button.click();
      const item = list.querySelectorAll<HTMLButtonElement>("[role=menuitem]")[i];
      current = item.textContent ?? "";
      if (current === "figure (PNG)") continue; // happy-dom cannot encode a PNG (browser test)
      item.click();
      for (let k = 0; k < 5; k++) await Promise.resolve();
    }
  } finally {
    URL.createObjectURL = create;
    URL.revokeObjectURL = revoke;
  }
  void el;
  return got;
}

describe("the export menu of every view", () => {
  it("has fixtures of the six views", () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  it.each(files)("%s: one keyboard-reachable export button in the header, with page, figures and tables", async (file) => {
    const { el, fx, cleanup } = mount(file);
    const menus = el.querySelectorAll(".xai-export-menu");
    expect(menus.length).toBe(1);
    const button = menus[0].querySelector<HTMLButtonElement>("button.xai-export")!;
    expect(button.closest(".xai-header")).not.toBeNull();
    expect(button.getAttribute("aria-haspopup")).toBe("menu");
    expect(el.querySelector(".xai-download")).toBeNull(); // the old per-view button is gone
    button.click();
    const list = menus[0].querySelector<HTMLElement>("[role=menu]")!;
    expect(list.hidden).toBe(false);
    expect(button.getAttribute("aria-expanded")).toBe("true");
    const labels = [...list.querySelectorAll("[role=menuitem]")].map((b) => b.textContent);
    expect(labels.slice(0, 3)).toEqual(["page (HTML)", "figure (PNG)", "figure (SVG)"]);
    for (const t of TABLES[fx.view]) expect(labels, `${fx.view} offers ${t}`).toContain(`${t} (CSV)`);
    expect(document.activeElement).toBe(list.querySelector("[role=menuitem]"));
    // arrows move, Escape closes and gives the focus back
    list.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    expect(document.activeElement?.textContent).toBe("figure (PNG)");
    list.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true }));
    list.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true }));
    expect(document.activeElement?.textContent).toBe(labels[labels.length - 1]);
    list.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(list.hidden).toBe(true);
    expect(document.activeElement).toBe(button);
    // each item downloads a file (captured here): tables read back as CSV, the SVG parses
    const got = await downloads(el, list, button);
    for (const t of labels.filter((l) => l?.endsWith("(CSV)"))) {
      const rows = parseCSV(await got.get(t!)!.text());
      expect(rows.length, `${t}: header and rows`).toBeGreaterThan(1);
      expect(rows[0].every((c) => c !== "" || rows[0].length > 1), `${t}: a header`).toBe(true);
    }
    const svg = await got.get("figure (SVG)")!.text();
    const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
    expect(doc.querySelector("parsererror")).toBeNull();
    expect(doc.documentElement.tagName).toBe("svg");
    expect(svg).not.toMatch(/<script/i);
    // an offline page that is not an exported page cannot be saved again: said, not thrown
    expect(got.has("page (HTML)")).toBe(false);
    expect(el.querySelector(".xai-status")?.textContent).toMatch(/export: this page cannot be saved again/);
    cleanup();
  });

  it("the comparison's metric table is the Python summary at full precision", () => {
    for (const file of files) {
      const { fx, state, cleanup } = mount(file);
      cleanup();
      if (fx.view !== "ComparisonView" && fx.view !== "MaskView") continue;
      const raw = decodeState<MetricsState>(state.metrics);
      const mx = metricsOf(raw, (decodeState<string[]>(state.methods) ?? []).map(String));
      const rows = metricRows(mx);
      const back = parseCSV(toCSV(rows));
      expect(back[0][0]).toBe("method");
      expect(back[0].length).toBe(1 + 3 * mx.Q);
      expect(back.length).toBe(1 + mx.M);
      for (let m = 0; m < mx.M; m++) {
        expect(back[1 + m][0]).toBe(mx.methods[m]);
        for (let q = 0; q < mx.Q; q++) {
          const mean = mx.mean[m * mx.Q + q];
          const cell = back[1 + m][1 + 3 * q];
          if (Number.isNaN(mean)) expect(cell).toBe("");
          else expect(Number(cell)).toBe(mean);
          if (mx.low && !Number.isNaN(mx.low[m * mx.Q + q])) expect(Number(back[1 + m][2 + 3 * q])).toBe(mx.low[m * mx.Q + q]);
        }
      }
    }
  });
});

describe("theme switches", () => {
  it("repaint the timeline's canvases (JupyterLab's theme attribute on <body>), until cleanup", async () => {
    const file = files.find((f) => JSON.parse(readFileSync(join(DIR, f), "utf8")).view === "TimelineView");
    expect(file).toBeDefined();
    const calls: string[] = [];
    const original = HTMLCanvasElement.prototype.getContext;
    HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement) {
      calls.push(this.className);
      return null;
    } as typeof original;
    try {
      const { cleanup } = mount(file!);
      const settle = async () => {
        for (let k = 0; k < 5; k++) await Promise.resolve();
      };
      await settle();
      calls.length = 0;
      document.body.setAttribute("data-jp-theme-light", "false");
      await settle();
      expect(calls.filter((c) => c.includes("xai-tl-timeline")).length).toBeGreaterThan(0);
      expect(calls.some((c) => c.includes("xai-tl-states"))).toBe(true);
      cleanup();
      calls.length = 0;
      document.body.setAttribute("data-jp-theme-light", "true");
      await settle();
      expect(calls.filter((c) => c.includes("xai-tl-"))).toEqual([]); // the observer went with the view
    } finally {
      HTMLCanvasElement.prototype.getContext = original;
      document.body.removeAttribute("data-jp-theme-light");
    }
  });
});
