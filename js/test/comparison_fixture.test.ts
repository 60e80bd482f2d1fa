// @vitest-environment happy-dom
// Renders the state pytest exported from a hand-made AttributionResult
// (tests/hand_results/comparison.py -> js/test/fixtures/comparison.json), so the Python and the
// TypeScript sides of ComparisonView cannot drift.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import widget from "../src/comparison";
import { createModel, decodePayload } from "../src/standalone";

const here = dirname(fileURLToPath(import.meta.url));
const payload = JSON.parse(readFileSync(join(here, "fixtures", "comparison.json"), "utf-8"));

function mount() {
  const el = document.createElement("div");
  document.body.appendChild(el);
  widget.render({ model: createModel(decodePayload(payload)) as never, el });
  return el;
}

afterEach(() => document.body.replaceChildren());

describe("ComparisonView from a hand-made result (pytest fixture)", () => {
  it("draws one heatmap per method and the input", () => {
    const el = mount();
    const maps = [...el.querySelectorAll("canvas.xai-heatmap")] as HTMLCanvasElement[];
    expect(maps.map((c) => c.dataset.method)).toEqual(["Saliency", "Integrated Gradients"]);
    expect(el.querySelectorAll("canvas.xai-input")).toHaveLength(1);
    expect(maps[0].width).toBe(8);
    expect(maps[0].height).toBe(8);
    expect(el.dataset.xaiReady).toBe("1");
  });

  it("shows the registry's labels for the scored metrics", () => {
    const el = mount();
    const head = el.querySelector("table.xai-metrics")!.textContent ?? "";
    for (const label of ["Deletion AUC ↓", "Insertion AUC ↑", "Infidelity ↓", "s / explanation"]) {
      expect(head).toContain(label);
    }
    expect(payload.state.metrics.names).toEqual(["deletion_auc", "insertion_auc", "infidelity", "seconds"]);
  });
});
