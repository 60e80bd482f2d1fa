// @vitest-environment happy-dom
// The view base (lib/view.ts) and the generic decoder (lib/wire.ts decodeState).
import { afterEach, describe, expect, it, vi } from "vitest";
import { defineView, injectCSS, rangeText, type Pager, type ViewContext } from "../src/lib/view";
import { CSS } from "../src/lib/theme";
import { decodeState, type Empty, isEmpty, type NDArray, type Quantized } from "../src/lib/wire";
import { createModel } from "../src/standalone";
import { f32, FakeModel, flush, i32, quantize } from "./fixtures";

afterEach(() => document.body.replaceChildren());

interface Block { index: NDArray; values: NDArray; heat: Quantized; names: string[]; nested: { deep: NDArray[] } }

describe("decodeState", () => {
  it("decodes every wire array and quantised array anywhere in a value, keeping the rest", () => {
    const wire = {
      index: i32([2], [4, 7]), values: f32([2, 2], [0.5, -1, 2, 3]),
      heat: quantize([2, 3], [0, 1, 2, -3, 0, 3], true), names: ["a", "<b>"],
      nested: { deep: [i32([1], [9]), f32([0], [])] },
    };
    const d = decodeState<Block>(wire);
    expect(d.index.data).toBeInstanceOf(Int32Array);
    expect(Array.from(d.index.data)).toEqual([4, 7]);
    expect(d.values.shape).toEqual([2, 2]);
    expect(Array.from(d.values.data)).toEqual([0.5, -1, 2, 3]);
    expect(d.heat.itemSize).toBe(3);
    expect(d.heat.signed).toBe(true);
    expect(Array.from(d.heat.hi)).toEqual([2, 3]);
    expect(d.names).toEqual(["a", "<b>"]);
    expect(Array.from(d.nested.deep[0].data)).toEqual([9]);
    expect(d.nested.deep[1].data).toBeInstanceOf(Float32Array);
    // the wire value is untouched (a re-decode starts from the same JSON)
    expect(wire.index).toHaveProperty("dtype", "int32");
    expect(wire.heat).toHaveProperty("lo");
  });

  it("keeps primitives and lookalikes that are not wire arrays", () => {
    expect(decodeState<number>(3)).toBe(3);
    expect(decodeState<null>(null)).toBeNull();
    const notWire = { dtype: "complex64", shape: [1], data: [1] };
    expect(decodeState(notWire)).toEqual(notWire);
    expect(isEmpty({})).toBe(true);
    expect(isEmpty(undefined)).toBe(true);
    expect(isEmpty({ a: 1 })).toBe(false);
  });

  it("throws on a wire array whose bytes are too short", () => {
    expect(() => decodeState({ a: { dtype: "float32", shape: [5], data: new ArrayBuffer(4) } })).toThrow(/needs 20 bytes/);
  });
});

interface State { title: string; data: { index: NDArray } | Empty; n_samples: number; sample: number }

function mount<T>(model: unknown, render: (ctx: ViewContext<T>) => void, css = ".xai-root .xai-test { color: red; }") {
  const el = document.createElement("div");
  document.body.appendChild(el);
  const view = defineView<T>({ name: "test", css, render });
  const cleanup = view.render({ model: model as never, el });
  return { el, cleanup };
}

describe("defineView", () => {
  it("injects the theme (from theme.css) and the entry's stylesheet once each", () => {
    const model = new FakeModel({ title: "t" });
    const { el } = mount<State>(model, (ctx) => ctx.el.append("hello"));
    mount<State>(model, () => {}); // another view, another root
    const again = defineView<State>({ name: "test", css: "x", render: () => {} });
    again.render({ model: model as never, el }); // re-render into the same root
    const styles = [...el.querySelectorAll(":scope > style")] as HTMLStyleElement[];
    expect(styles.map((s) => s.dataset.xaiTheme ?? s.dataset.xaiCss)).toEqual(["1", "test"]);
    expect(styles[0].textContent).toBe(CSS);
    expect(CSS).toContain("--xai-fg:");
    expect(CSS).toContain(".xai-root table.xai-metrics td.best");
    expect(styles[1].textContent).toBe(".xai-root .xai-test { color: red; }");
    expect(el.classList.contains("xai-root")).toBe(true);
    injectCSS(el, "other", "y");
    expect(el.querySelector(":scope > style:nth-child(3)")!.getAttribute("data-xai-css")).toBe("other");
  });

  it("decodes a trait once per change and cleans every listener up", () => {
    const model = new FakeModel({ data: { index: i32([2], [3, 5]) }, title: "a" });
    let ctxRef: ViewContext<State> | null = null;
    const seen: string[] = [];
    const { cleanup } = mount<State>(model, (ctx) => {
      ctxRef = ctx;
      ctx.on(["title", "data"], () => seen.push(ctx.get("title")));
    });
    const ctx = ctxRef!;
    const first = ctx.get("data");
    expect(ctx.get("data")).toBe(first); // cached: the same decoded object
    expect("index" in first && Array.from(first.index.data)).toEqual([3, 5]);
    model.kernelSet("data", { index: i32([1], [8]) });
    const second = ctx.get("data");
    expect(second).not.toBe(first);
    expect("index" in second && Array.from(second.index.data)).toEqual([8]);
    model.kernelSet("title", "b");
    expect(seen).toEqual(["a", "b"]);
    expect(model.listenerCount()).toBeGreaterThan(0);
    cleanup();
    expect(model.listenerCount()).toBe(0);
    expect(ctx.signal.aborted).toBe(true);
    model.kernelSet("title", "c");
    expect(seen).toEqual(["a", "b"]);
  });

  it("reports an exception in a listener or in render in the status line", () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const model = new FakeModel({ title: "a" });
    const { el } = mount<State>(model, (ctx) => {
      ctx.el.append(ctx.status.el);
      ctx.on("title", () => {
        throw new Error("bad title");
      });
    });
    model.kernelSet("title", "b");
    expect(el.querySelector(".xai-status")!.textContent).toBe("could not read `title`: bad title");
    const broken = mount<State>(new FakeModel({}), () => {
      throw new Error("boom");
    });
    expect(broken.el.querySelector(".xai-status")!.textContent).toBe("could not read the test view's state: boom");
    expect(broken.el.dataset.xaiReady).toBe("1");
  });

  it("keeps keys pressed inside the view from JupyterLab's shortcuts, not keys outside it", () => {
    const model = new FakeModel({});
    const { el } = mount<State>(model, (ctx) => ctx.el.append(document.createElement("input")));
    const outer = vi.fn();
    document.addEventListener("keydown", outer);
    el.querySelector("input")!.dispatchEvent(new KeyboardEvent("keydown", { key: "j", bubbles: true }));
    el.dispatchEvent(new KeyboardEvent("keydown", { key: "j", bubbles: true }));
    expect(outer).toHaveBeenCalledTimes(0);
    document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "j", bubbles: true }));
    expect(outer).toHaveBeenCalledTimes(1);
    document.removeEventListener("keydown", outer);
  });

  it("fetches through the one channel and decodes the block", async () => {
    const model = new FakeModel({});
    let ctxRef: ViewContext<State> | null = null;
    mount<State>(model, (ctx) => (ctxRef = ctx));
    const got = ctxRef!.fetch<{ index: NDArray }>("sample", { index: 3 });
    expect(model.sent[0]).toMatchObject({ type: "xai-fetch", what: "sample", args: { index: 3 } });
    model.reply({ index: i32([1], [3]) });
    expect(Array.from((await got).index.data)).toEqual([3]);
  });
});

describe("Pager", () => {
  function paged(model: unknown, held: Map<number, string>, load: (i: number) => Promise<unknown> = () => Promise.resolve()) {
    const painted: number[] = [];
    let pager: Pager<string> | null = null;
    const { el, cleanup } = mount<State>(model, (ctx) => {
      pager = ctx.pager<string>({
        trait: "sample",
        count: () => Number(ctx.get("n_samples")),
        get: (i) => held.get(i),
        held: () => [...held.keys()].sort((a, b) => a - b),
        load,
        paint: (_s, i) => {
          painted.push(i);
          ctx.status.idle();
          ctx.ready();
        },
      });
      ctx.el.append(pager.nav(), ctx.status.el);
      pager.restart();
    });
    const q = <E extends Element>(sel: string) => el.querySelector(sel) as E;
    return { el, cleanup, painted, pager: pager!, num: q<HTMLInputElement>(".xai-sample"), prev: q<HTMLButtonElement>(".xai-prev"), next: q<HTMLButtonElement>(".xai-next"), status: q<HTMLElement>(".xai-status") };
  }

  it("refuses out-of-range input, disables the ends, follows the trait and fetches what it does not hold", async () => {
    const model = new FakeModel({ n_samples: 4, sample: 1 });
    const held = new Map([[0, "a"], [1, "b"]]);
    let resolve: () => void = () => {};
    const v = paged(model, held, (i) => new Promise<void>((r) => (resolve = () => {
      held.set(i, `s${i}`);
      r();
    })));
    expect(v.painted).toEqual([1]);
    expect(v.num.value).toBe("1");
    v.prev.click();
    expect(v.prev.disabled).toBe(true);
    v.num.value = "99"; // out of range: refused visibly, the box back on the sample shown
    v.num.dispatchEvent(new Event("change"));
    expect(v.num.value).toBe("0");
    expect(v.num.getAttribute("aria-invalid")).toBe("true");
    expect(v.status.textContent).toBe("sample 99 refused: expected a whole number from 0 to 3; showing sample 0");
    expect(v.painted).toEqual([1, 0]);
    v.num.value = "3";
    v.num.dispatchEvent(new Event("change"));
    expect(v.num.value).toBe("3");
    expect(v.num.hasAttribute("aria-invalid")).toBe(false);
    expect(v.next.disabled).toBe(true);
    expect(v.status.textContent).toBe("loading sample 3…");
    expect(v.el.classList.contains("xai-loading")).toBe(true);
    resolve();
    await flush();
    expect(v.painted).toEqual([1, 0, 3]);
    expect(v.el.classList.contains("xai-loading")).toBe(false);
    model.kernelSet("sample", 0);
    expect(v.painted).toEqual([1, 0, 3, 0]);
    v.cleanup();
    model.kernelSet("sample", 1);
    expect(v.painted).toEqual([1, 0, 3, 0]);
  });

  it("reports a failed fetch for the sample still wanted", async () => {
    const model = new FakeModel({ n_samples: 3, sample: 2 });
    const v = paged(model, new Map([[0, "a"]]), () => Promise.reject(new Error("no such sample")));
    await flush();
    expect(v.status.textContent).toBe("sample 2: no such sample");
  });

  it("offline: steps through the embedded samples only and refuses the others", () => {
    const model = createModel({ n_samples: 10, sample: 4 });
    const v = paged(model, new Map([[0, "a"], [3, "b"], [6, "c"]]), () => {
      throw new Error("an offline page never fetches");
    });
    expect(v.painted).toEqual([3]); // nearest embedded to the trait's 4
    v.next.click();
    expect(v.painted).toEqual([3, 6]);
    expect(v.next.disabled).toBe(true);
    v.num.value = "5";
    v.num.dispatchEvent(new Event("change"));
    expect(v.status.textContent).toBe("sample 5 is not in this offline page (3 embedded: 0, 3, 6)");
    expect(v.num.value).toBe("6");
    expect(v.el.querySelector(".xai-nav")!.textContent).toContain("of 10 (offline: 3 embedded)");
  });

  it("says when there is nothing to show", () => {
    const v = paged(new FakeModel({ n_samples: 0 }), new Map());
    expect(v.status.textContent).toBe("no samples to show");
    expect(v.el.dataset.xaiReady).toBe("1");
  });

  it("writes index ranges compactly", () => {
    expect(rangeText([0, 1, 2, 3, 7, 9, 10])).toBe("0–3, 7, 9–10");
  });
});
