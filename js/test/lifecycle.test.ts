import { describe, expect, it } from "vitest";
import { attach } from "../src/lib/lifecycle";
import { FakeModel } from "./fixtures";

describe("attach", () => {
  it("subscribes, draws once, and its cleanup disposes before unsubscribing everything", () => {
    const model = new FakeModel({ a: 1 });
    const order: string[] = [];
    let redraws = 0;
    const cleanup = attach(model as never, [["change:a", () => redraws++], ["msg:custom", () => {}]],
      () => order.push("start"), () => order.push("abort"), () => order.push(`dispose, ${model.listenerCount()} listening`));
    expect(order).toEqual(["start"]);
    model.kernelSet("a", 2);
    expect(redraws).toBe(1);
    cleanup();
    expect(order).toEqual(["start", "abort", "dispose, 2 listening"]);
    expect(model.listenerCount()).toBe(0);
    model.kernelSet("a", 3);
    expect(redraws).toBe(1);
  });
});
