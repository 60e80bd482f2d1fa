import { describe, expect, it } from "vitest";
import { className, featureName, fmt } from "../src/lib/format";
import {
  barExtent, barRowHeight, legendLabels, nearestIn, panelSize, PANEL_WIDTH, polylinePoints, stepIn,
} from "../src/lib/layout";
import { dataRange, metricsOf, sortRows } from "../src/lib/metrics";
import { decodeState } from "../src/lib/wire";
import { metricsFor } from "./fixtures";
import { barColorIndex } from "../src/views/tabular";

describe("layout", () => {
  it("sizes panels at a fixed CSS width with the data aspect, capping tall ones", () => {
    expect(panelSize(224, 224)).toEqual({ width: PANEL_WIDTH, height: PANEL_WIDTH });
    expect(panelSize(28, 56)).toEqual({ width: 180, height: 90 });
    expect(panelSize(300, 100)).toEqual({ width: 90, height: 270 });
    expect(panelSize(0, 0)).toEqual({ width: 180, height: 180 });
  });

  it("legend labels: ends, plus 0 for signed ranges", () => {
    expect(legendLabels(-0.5, 0.5, true)).toEqual(["-0.5", "0", "0.5"]);
    expect(legendLabels(0, 12.345, false)).toEqual(["0", "12.3"]);
  });

  it("bars grow from the centre, clamped to the half width", () => {
    expect(barExtent(1, 2, 100)).toEqual({ x: 50, w: 25 });
    expect(barExtent(-2, 2, 100)).toEqual({ x: 0, w: 50 });
    expect(barExtent(-5, 2, 100)).toEqual({ x: 0, w: 50 });
    expect(barExtent(1, 0, 100)).toEqual({ x: 50, w: 0 });
    expect(barRowHeight(10)).toBeGreaterThan(barRowHeight(100));
  });

  it("bar colours keep the sign and avoid the pale centre", () => {
    expect(barColorIndex(255, true)).toBe(255);
    expect(barColorIndex(0, true)).toBe(0);
    expect(barColorIndex(130, true)).toBeGreaterThanOrEqual(207);
    expect(barColorIndex(125, true)).toBeLessThanOrEqual(48);
  });

  it("polyline points fill the box and clamp y", () => {
    const box = { left: 10, top: 0, width: 100, height: 50 };
    expect(polylinePoints([0, 0.5, 1], [0, 2, 1], box, 0, 1, 0, 1)).toBe("10.0,50.0 60.0,0.0 110.0,0.0");
    expect(polylinePoints([0, 1], [NaN, 0.5], box, 0, 1, 0, 1)).toBe("110.0,25.0");
  });

  it("standalone navigation snaps and steps within the embedded indices", () => {
    const avail = [0, 3, 7];
    expect(nearestIn(avail, 5)).toBe(3);
    expect(nearestIn(avail, 6)).toBe(7);
    expect(stepIn(avail, 3, 1)).toBe(7);
    expect(stepIn(avail, 3, -1)).toBe(0);
    expect(stepIn(avail, 7, 1)).toBe(7);
    expect(stepIn(avail, 5, -1)).toBe(3);
  });
});

describe("formatting and metrics", () => {
  it("uses 3 significant digits", () => {
    expect(fmt(0.123456)).toBe("0.123");
    expect(fmt(12345)).toBe("12300");
    expect(fmt(-0.00123456)).toBe("-0.00123");
    expect(fmt(1.5e-7)).toBe("1.50e-7");
    expect(fmt(NaN)).toBe("n/a");
  });

  it("names classes and features, falling back to indices", () => {
    expect(className(["cat", "dog"], 1)).toBe("dog");
    expect(className([], 4)).toBe("4");
    expect(featureName([], 2)).toBe("x2");
    expect(featureName(["age"], 0)).toBe("age");
  });

  it("sorts rows best first per column direction, NaN last, and fits curve axes to the data", () => {
    const mx = metricsOf(decodeState(metricsFor(["a", "b", "c"], [[0.2, 0.9], [0.1, NaN], [0.3, 0.95]], [false, true])), []);
    expect(sortRows(mx, 0)).toEqual([1, 0, 2]); // lower is better
    expect(sortRows(mx, 1)).toEqual([2, 0, 1]); // higher is better; NaN last
    expect(sortRows(mx, 1, true)).toEqual([0, 2, 1]);
    const [lo, hi] = dataRange([0.4, 0.5, NaN, 0.6]);
    expect(lo).toBeCloseTo(0.39);
    expect(hi).toBeCloseTo(0.61);
    expect(dataRange([2, 2])).toEqual([1.5, 2.5]);
  });
});
