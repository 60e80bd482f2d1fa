// @vitest-environment happy-dom
// The link bus (lib/link.ts): selections between views as dataset rows, on `window`.
import { afterEach, describe, expect, it } from "vitest";
import { joinLink, lastFocus, type LinkFocus, lastSelection, publishFocus, subscribeFocus, linkBus, type LinkHost, type LinkSelection, publishSelection, packedRows, RowMap, rowsFrom, sortedUnique, subscribeSelection } from "../src/lib/link";

/** A view's traits and cleanups, as joinLink sees them. */
class Host implements LinkHost {
  listeners = new Map<string, (() => void)[]>();
  cleanups: (() => void)[] = [];
  constructor(public state: Record<string, unknown>) {}
  get(name: string) {
    return this.state[name];
  }
  on(names: string | string[], cb: () => void) {
    for (const n of Array.isArray(names) ? names : [names]) this.listeners.set(n, [...(this.listeners.get(n) ?? []), cb]);
  }
  set(name: string, v: unknown) {
    this.state[name] = v;
    for (const cb of this.listeners.get(name) ?? []) cb();
  }
  onCleanup(fn: () => void) {
    this.cleanups.push(fn);
  }
  dispose() {
    this.cleanups.forEach((f) => f());
  }
}

/** The `_link_rows` value as anywidget gives it: a DataView over little-endian uint32. */
const decoded = (rows: number[]) => new DataView(Uint32Array.from(rows).buffer);

afterEach(() => {
  linkBus().last.clear();
  linkBus().focus?.clear();
});

describe("RowMap", () => {
  it("maps positions to sorted unique rows and back, without rows as the identity", () => {
    const id = new RowMap(5);
    expect([...id.toRows([4, 1, 1, 9, -1])]).toEqual([1, 4]);
    expect(id.toPositions([0, 4, 7])).toEqual([0, 4]);
    const m = new RowMap(4, Uint32Array.from([10, 3, 10, 7]));
    expect([...m.toRows([0, 1, 2])]).toEqual([3, 10]);
    expect(m.toPositions(Uint32Array.from([10, 7, 99]))).toEqual([0, 2, 3]);
  });

  it("refuses rows of another length than the view's samples, naming both", () => {
    expect(() => new RowMap(3, Uint32Array.from([1, 2]))).toThrow("_link_rows: expected 3 dataset rows (one per sample of the view), got 2");
  });

  it("reads _link_rows as little-endian uint32 bytes; empty or absent is the identity", () => {
    const bytes = new Uint8Array([7, 0, 0, 0, 1, 1, 0, 0]);
    expect([...rowsFrom(new DataView(bytes.buffer))!]).toEqual([7, 257]);
    expect(rowsFrom(new DataView(new ArrayBuffer(0)))).toBeNull();
    expect(rowsFrom(null)).toBeNull();
  });

  it("packedRows reads one row of numpy's packbits (big bit order), rows of ceil(n / 8) bytes", () => {
    // 2 rows x 10 samples: row 0 = samples 0, 7, 9; row 1 = sample 8
    const bits = Uint8Array.from([0b10000001, 0b01000000, 0b00000000, 0b10000000]);
    expect(packedRows(bits, 0, 10)).toEqual([0, 7, 9]);
    expect(packedRows(bits, 1, 10)).toEqual([8]);
    expect(packedRows(bits, 2, 10)).toEqual([]); // beyond the rows: nothing
    expect(packedRows(bits, -1, 10)).toEqual([]);
  });

  it("sortedUnique sorts numerically", () => {
    expect([...sortedUnique([10, 2, 10, 1])]).toEqual([1, 2, 10]);
  });
});

describe("the bus", () => {
  it("delivers a selection synchronously to the group's other members only", () => {
    const got: LinkSelection[] = [];
    const offA = subscribeSelection("g", "a", (s) => got.push(s));
    const offOther = subscribeSelection("h", "b", (s) => got.push(s));
    publishSelection({ group: "g", source: "a", rows: Uint32Array.from([1]), label: "own" });
    expect(got).toEqual([]);
    publishSelection({ group: "g", source: "c", rows: Uint32Array.from([2, 5]), label: "node 3" });
    expect(got.map((s) => [s.label, [...s.rows!]])).toEqual([["node 3", [2, 5]]]);
    expect(lastSelection("g")?.label).toBe("node 3");
    offA();
    publishSelection({ group: "g", source: "c", rows: null, label: "cleared" });
    expect(got.length).toBe(1);
    offOther();
  });

  it("is one bus per window, whichever bundle made it", () => {
    expect((globalThis as unknown as Record<string, unknown>).__xaiLinkBus).toBe(linkBus());
  });
});

describe("joinLink", () => {
  it("translates positions through each view's rows, both ways, and clears", () => {
    const overview = new Host({ _link_group: "g1", _link_rows: null });
    const subset = new Host({ _link_group: "g1", _link_rows: decoded([8, 2, 5]) });
    const seenO: (number[] | null)[] = [];
    const seenS: (number[] | null)[] = [];
    const lo = joinLink(overview, { count: () => 10, onSelect: (p) => seenO.push(p) });
    const ls = joinLink(subset, { count: () => 3, onSelect: (p) => seenS.push(p) });
    ls.publish([0, 2], "node 1");
    expect(seenO).toEqual([[5, 8]]);
    expect(seenS).toEqual([]);
    lo.publish([1, 2, 3, 8], "lasso");
    expect(seenS).toEqual([[0, 1]]);
    lo.publish(null, "cleared");
    expect(seenS).toEqual([[0, 1], null]);
    overview.dispose();
    subset.dispose();
  });

  it("sends an unchanged selection once (a redraw re-announcing it is quiet)", () => {
    const a = new Host({ _link_group: "g2", _link_rows: null });
    const b = new Host({ _link_group: "g2", _link_rows: null });
    const seen: (number[] | null)[] = [];
    const la = joinLink(a, { count: () => 4, onSelect: () => undefined });
    joinLink(b, { count: () => 4, onSelect: (p) => seen.push(p) });
    la.publish([1, 2], "x");
    la.publish([2, 1], "x");
    expect(seen).toEqual([[1, 2]]);
    a.dispose();
    b.dispose();
  });

  it("a view joining late starts from the group's last selection; unlinked views hear nothing", () => {
    const a = new Host({ _link_group: "g3", _link_rows: null });
    joinLink(a, { count: () => 6, onSelect: () => undefined }).publish([4], "sample 4");
    const seen: (number[] | null)[] = [];
    const b = new Host({ _link_group: "", _link_rows: null });
    const lb = joinLink(b, { count: () => 6, onSelect: (p) => seen.push(p) });
    lb.publish([1], "ignored"); // not linked: nothing sent
    expect(lastSelection("")).toBeUndefined();
    expect(seen).toEqual([]);
    b.set("_link_group", "g3");
    expect(seen).toEqual([[4]]);
    expect(lb.group).toBe("g3");
    b.set("_link_group", "");
    joinLink(a, { count: () => 6, onSelect: () => undefined }).publish([5], "sample 5");
    expect(seen).toEqual([[4]]);
    a.dispose();
    b.dispose();
  });

  it("follows a change of _link_rows", () => {
    const a = new Host({ _link_group: "g4", _link_rows: null });
    const b = new Host({ _link_group: "g4", _link_rows: null });
    const seen: (number[] | null)[] = [];
    const la = joinLink(a, { count: () => 3, onSelect: () => undefined });
    joinLink(b, { count: () => 20, onSelect: (p) => seen.push(p) });
    la.publish([2], "one");
    a.set("_link_rows", decoded([11, 12, 13]));
    la.publish([2], "two");
    expect(seen).toEqual([[2], [13]]);
    a.dispose();
    b.dispose();
  });
});

describe("the focus channel", () => {
  it("sends one row to the other views of the group, never twice in a row, and remembers it", () => {
    const got: LinkFocus[] = [];
    const off = subscribeFocus("g", "me", (f) => got.push(f));
    const offOther = subscribeFocus("other", "me", (f) => got.push(f));
    expect(publishFocus({ group: "g", source: "a", row: 5, label: "overview" })).toBe(true);
    expect(publishFocus({ group: "g", source: "b", row: 5, label: "echo" })).toBe(false); // same row
    publishFocus({ group: "g", source: "me", row: 6, label: "mine" }); // own message: not heard
    publishFocus({ group: "g", source: "a", row: null, label: "cleared" });
    expect(got.map((f) => [f.source, f.row])).toEqual([["a", 5], ["a", null]]);
    expect(lastFocus("g")!.row).toBeNull();
    expect(lastFocus("other")).toBeUndefined();
    off();
    offOther();
  });

  it("joinLink maps the focused row to the view's first sample holding it (-1: not held)", () => {
    const a = new Host({ _link_group: "f", _link_rows: decoded([10, 30, 20, 30]) });
    const b = new Host({ _link_group: "f", _link_rows: null });
    const seenA: (number | null)[] = [];
    const seenB: (number | null)[] = [];
    const la = joinLink(a, { count: () => 4, onSelect: () => {}, onFocus: (p) => seenA.push(p) });
    joinLink(b, { count: () => 25, onSelect: () => {}, onFocus: (p) => seenB.push(p) });
    la.focus(1, "a's sample 1"); // row 30
    expect(seenB).toEqual([-1]); // b shows rows 0..24
    la.focus(2, "a's sample 2"); // row 20: b's sample 20
    expect(seenB).toEqual([-1, 20]);
    expect(seenA).toEqual([]); // a never hears itself
    publishFocus({ group: "f", source: "x", row: 30, label: "x" });
    expect(seenA).toEqual([1]); // the first of samples 1 and 3
    la.focus(7, "out of range"); // ignored: not a sample of a
    expect(lastFocus("f")!.row).toBe(30);
    // a view joining later starts from the group's focus
    const c = new Host({ _link_group: "f", _link_rows: null });
    const seenC: (number | null)[] = [];
    joinLink(c, { count: () => 40, onSelect: () => {}, onFocus: (p) => seenC.push(p) });
    expect(seenC).toEqual([30]);
    // leaving the group (unlink) stops the focus
    c.set("_link_group", "");
    publishFocus({ group: "f", source: "x", row: 3, label: "x" });
    expect(seenC).toEqual([30]);
    expect(seenB).toEqual([-1, 20, -1, 3]); // row 30 is not one of b's 25
  });
});
