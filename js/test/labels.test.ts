// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { h, LABEL_MAX, setText, shortLabel } from "../src/lib/dom";

const LONG = "W".repeat(5000) + "class0";

describe("shortLabel", () => {
  it("keeps sentences and short names, cuts only unbroken runs over the limit", () => {
    expect(shortLabel("a short name")).toBe("a short name");
    const words = Array(40).fill("word").join(" ");
    expect(shortLabel(words)).toBe(words);
    const cut = shortLabel(LONG);
    expect(Array.from(cut).length).toBe(LABEL_MAX);
    expect(cut.endsWith("WWclass0")).toBe(true);  // distinct names stay distinct
    expect(cut).toContain("…");
    expect(shortLabel(`x ${LONG} y`)).toBe(`x ${cut} y`);
  });

  it("matches the Python twin (xaiwidgets.widgets._html.short_label) on the same inputs", () => {
    // the same cases are asserted in tests/test_exports.py::test_short_label_is_the_views
    expect(shortLabel("A".repeat(100) + "B".repeat(20))).toBe("A".repeat(53) + "…" + "A".repeat(6) + "B".repeat(20));
    expect(shortLabel("é".repeat(81), 16)).toBe("é".repeat(10) + "…" + "é".repeat(5));
  });
});

describe("setText", () => {
  it("shows the short text with the full one as the title, and drops a stale title", () => {
    const el = h("span");
    setText(el, LONG);
    expect(el.textContent).toBe(shortLabel(LONG));
    expect(el.getAttribute("title")).toBe(LONG);
    setText(el, "short");
    expect(el.textContent).toBe("short");
    expect(el.hasAttribute("title")).toBe(false);
  });

  it("keeps a title the view set itself", () => {
    const el = h("span", { title: "the view's own" });
    setText(el, LONG);
    expect(el.getAttribute("title")).toBe("the view's own");
  });

  it("applies to h(tag, {text}) and string children", () => {
    expect(h("b", { text: LONG }).getAttribute("title")).toBe(LONG);
    const p = h("p", {}, ["x ", LONG]);
    expect(p.textContent).toBe("x " + shortLabel(LONG));
    expect(p.getAttribute("title")).toBe(LONG);
  });
});
