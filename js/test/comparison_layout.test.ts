import { describe, expect, it } from "vitest";
import { evenColumns, PANEL_MIN_WIDTH, PANEL_WIDTH, panelGrid, panelSize } from "../src/lib/layout";
import { strongest } from "../src/views/image";
import { curveText } from "../src/views/metrics";
import { topFeatures } from "../src/views/tabular";
import type { Quantized } from "../src/lib/wire";

describe("the comparison at notebook width", () => {
  it("puts input + five maps on one row, shrinking the panels, at 970 and 800 px", () => {
    // the notebook's output area is ~970 px; the root pads 24 px on each side
    expect(panelGrid(6, 12, 922)).toEqual({ columns: 6, panelWidth: 143 });
    expect(panelGrid(6, 12, 752)).toEqual({ columns: 6, panelWidth: 115 });
    expect(panelGrid(3, 12, 922)).toEqual({ columns: 3, panelWidth: PANEL_WIDTH }); // never wider
  });

  it("wraps evenly when the panels would get too narrow: full rows, never 3 + 2", () => {
    expect(panelGrid(6, 12, 500).panelWidth).toBe(PANEL_WIDTH); // 500 / 6 < PANEL_MIN_WIDTH
    expect(Math.floor((500 - 5 * 12) / 6)).toBeLessThan(PANEL_MIN_WIDTH);
    expect(panelGrid(6, 12, 600).columns).toBe(3); // 3 + 3
    expect(evenColumns(4, 180, 12, 600)).toBe(2); // 2 + 2, not 3 + 1
    expect(evenColumns(6, 180, 12, 780)).toBe(3); // 4 fit: 3 + 3
    expect(evenColumns(5, 250, 10, 922, true)).toBe(1); // text cards: stacked, not 3 + 2
    expect(evenColumns(5, 180, 12, 780)).toBe(3); // pictures: a lone divisor 1 gives way to 3 + 2
    expect(evenColumns(3, 180, 12, 2000)).toBe(3);
  });

  it("keeps the aspect of tall images within the shrunk width", () => {
    expect(panelSize(300, 100, 120)).toEqual({ width: 60, height: 180 });
    expect(panelSize(10, 10, 120)).toEqual({ width: 120, height: 120 });
  });
});

describe("text alternatives state the numbers", () => {
  it("names the strongest cell of a map", () => {
    const a: Quantized = { shape: [1, 2, 3], q: Uint8Array.of(128, 128, 0, 128, 255, 128), lo: Float32Array.of(-2), hi: Float32Array.of(1), signed: true, itemSize: 6 };
    expect(strongest(a, 0)).toEqual({ row: 0, col: 2, value: -2 });
  });

  it("lists the strongest features with their sign", () => {
    expect(topFeatures([0.1, -0.5, 0.3, NaN], ["a", "b", "c", "d"], 2)).toEqual(["b -0.5", "c +0.3"]);
  });

  it("describes each curve by its ends and area", () => {
    const t = curveText("Deletion", "fraction removed", "probability", [0, 0.5, 1], [1, 0.5, 0, 1, 1, 1], ["A", "B"]);
    expect(t).toBe("Deletion: probability against fraction removed from 0 to 1; A from 1 to 0 (area 0.5); B from 1 to 1 (area 1)");
  });
});
