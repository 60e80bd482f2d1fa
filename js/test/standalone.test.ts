import { afterEach, describe, expect, it, vi } from "vitest";
import { base64ToBytes, createModel, decodePayload, mount, putBuffers } from "../src/standalone";

const b64 = (bytes: number[]) => Buffer.from(bytes).toString("base64");

describe("putBuffers", () => {
  it("puts buffers at nested dict/list paths as DataViews, like ipywidgets", () => {
    const state: Record<string, unknown> = { a: { b: [{ data: null }, { data: null }] }, top: null };
    putBuffers(state, [["a", "b", 1, "data"], ["top"]], [Uint8Array.from([1, 2]).buffer, Uint8Array.from([3, 4, 5]).subarray(1)]);
    const inner = (state.a as { b: { data: DataView }[] }).b[1].data;
    expect(inner).toBeInstanceOf(DataView);
    expect(inner.getUint8(1)).toBe(2);
    const top = state.top as DataView;
    expect(top.byteLength).toBe(2);
    expect(top.getUint8(0)).toBe(4);
    expect((state.a as { b: { data: unknown }[] }).b[0].data).toBeNull();
  });

  it("decodes base64 and rebuilds a wire array the widget can read", () => {
    const f = new Uint8Array(Float32Array.from([1.5, -2]).buffer);
    const state = decodePayload({
      state: { data: { prob: { dtype: "float32", shape: [2], data: null } }, title: "t" },
      buffer_paths: [["data", "prob", "data"]],
      buffers: [b64([...f])],
    });
    const dv = (state.data as { prob: { data: DataView } }).prob.data;
    expect(dv.getFloat32(0, true)).toBe(1.5);
    expect(dv.getFloat32(4, true)).toBe(-2);
    expect(state.title).toBe("t");
    expect(Array.from(base64ToBytes(b64([0, 255, 7])))).toEqual([0, 255, 7]);
  });
});

describe("standalone model", () => {
  it("emits change:<name> on set, supports off, and has no kernel", () => {
    const m = createModel({ sample: 0 });
    const cb = vi.fn();
    m.on("change:sample", cb);
    m.set("sample", 3);
    m.set("sample", 3); // unchanged: no event
    expect(cb).toHaveBeenCalledTimes(1);
    expect(m.get("sample")).toBe(3);
    m.off("change:sample", cb);
    m.set("sample", 4);
    expect(cb).toHaveBeenCalledTimes(1);
    expect(m.standalone).toBe(true);
    expect(() => m.save_changes()).not.toThrow();
    return expect(m.widget_manager.get_model("x")).rejects.toThrow();
  });
});

describe("mount", () => {
  afterEach(() => vi.restoreAllMocks());

  it("imports the ESM from a Blob URL and renders with the rebuilt model", async () => {
    // Node cannot import blob: URLs, so hand it the same source as a data: URL.
    let src = "";
    vi.spyOn(URL, "createObjectURL").mockImplementation((blob) => {
      void blob;
      return `data:text/javascript;base64,${Buffer.from(src).toString("base64")}`;
    });
    vi.spyOn(URL, "revokeObjectURL").mockImplementation(() => {});
    src = `export default { render({ model, el }) {
      el.seen = [model.standalone, model.get("x").data.getUint8(0)];
      return () => { el.cleaned = true; };
    } };`;
    const el = {} as HTMLElement & { seen?: unknown; cleaned?: boolean };
    const cleanup = await mount(el, src, {
      state: { x: { data: null } }, buffer_paths: [["x", "data"]], buffers: [b64([42])],
    });
    expect(el.seen).toEqual([true, 42]);
    cleanup();
    expect(el.cleaned).toBe(true);
    expect((globalThis as Record<string, unknown>).xaiwidgetsStandalone).toBeTruthy();
  });
});
