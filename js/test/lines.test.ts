// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { lineChart, niceTicks } from "../src/views/lines";

describe("line chart", () => {
  it("picks 1-2-5 ticks that cover the range", () => {
    expect(niceTicks(0, 1, 4)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceTicks(0.12, 0.58, 4)).toEqual([0.2, 0.3, 0.4, 0.5]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });

  it("draws one polyline and one dot per point per series, labels alternating, legend apart", () => {
    const el = lineChart({
      title: "trade-off", xLabel: "mean mask value", yLabel: "preserved",
      xs: [0.4, 0.1, 0.2], pointLabels: ["budget=0.4", "budget=0.1", "budget=0.2"],
      series: [{ name: "soft", ys: [0.9, 0.5, 0.7], color: "#111111" }, { name: "<b>hard</b>", ys: [0.8, 0.4, 0.6], color: "#222222" }],
      yMin: 0, yMax: 1, yFormat: (v) => `${Math.round(v * 100)}%`,
    });
    expect(el.querySelectorAll("polyline")).toHaveLength(2);
    expect(el.querySelectorAll("circle.xai-point")).toHaveLength(6);
    const labels = [...el.querySelectorAll("text.xai-point-label")];
    expect(labels.map((t) => t.textContent)).toEqual(["budget=0.1", "budget=0.2", "budget=0.4"].map(
      (l) => labels.find((t) => t.textContent === l)!.textContent));
    // sorted by x: 0.1 above its point, 0.2 below, 0.4 above
    const y = (l: string) => Number(labels.find((t) => t.textContent === l)!.getAttribute("y"));
    const cy = (x: number) => Number([...el.querySelectorAll("circle")].find((c) => Math.abs(Number(c.getAttribute("cx")) - x) < 1e-6)!.getAttribute("cy"));
    const cx = (l: string) => Number(labels.find((t) => t.textContent === l)!.getAttribute("x"));
    expect(y("budget=0.1")).toBeLessThan(cy(cx("budget=0.1")));
    expect(y("budget=0.2")).toBeGreaterThan(cy(cx("budget=0.2")));
    expect([...el.querySelectorAll("text.xai-tick")].some((t) => t.textContent === "100%")).toBe(true);
    expect(el.querySelector(".xai-curve-legend")!.textContent).toContain("<b>hard</b>"); // text, not markup
    expect(el.querySelector(".xai-curve-legend b")).toBeNull();
  });
});
