// @vitest-environment happy-dom
// The keyboard plumbing every view shares (lib/a11y.ts): the key guard that keeps keys away from
// JupyterLab, the roving-focus group, and button semantics for clickable non-buttons.
import { afterEach, describe, expect, it } from "vitest";
import { asButton, describePicture, guardKeys, roving } from "../src/lib/a11y";

afterEach(() => document.body.replaceChildren());

function key(el: Element, k: string, init: KeyboardEventInit = {}): KeyboardEvent {
  const e = new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...init });
  el.dispatchEvent(e);
  return e;
}

function list(n: number): { root: HTMLElement; items: HTMLElement[] } {
  const root = document.createElement("div");
  const items = Array.from({ length: n }, (_, i) => {
    const it = document.createElement("div");
    it.textContent = `item ${i}`;
    root.append(it);
    return it;
  });
  document.body.append(root);
  return { root, items };
}

describe("guardKeys", () => {
  it("keeps keys pressed inside the view from the document, except Shift+Enter", () => {
    const { root, items } = list(2);
    guardKeys(root, new AbortController().signal);
    const seen: string[] = [];
    document.addEventListener("keydown", (e) => seen.push(`${e.shiftKey ? "S-" : ""}${e.key}`));
    key(items[0], "ArrowDown");
    key(items[1], "a");
    key(items[1], "Enter", { shiftKey: true });
    key(document.body, "ArrowUp");
    expect(seen).toEqual(["S-Enter", "ArrowUp"]);
  });

  it("still keeps a key whose handler redraws (detaches) its own target", () => {
    const { root, items } = list(2);
    guardKeys(root, new AbortController().signal);
    items[0].addEventListener("keydown", () => items[0].remove());
    const seen: string[] = [];
    document.addEventListener("keydown", (e) => seen.push(e.key));
    key(items[0], "Enter");
    expect(seen).toEqual([]);
  });
});

describe("roving", () => {
  it("is one Tab stop; arrows, Home and End move focus; Enter activates", () => {
    const { root, items } = list(4);
    const clicked: number[] = [];
    items.forEach((it, i) => it.addEventListener("click", () => clicked.push(i)));
    const r = roving(root, { items: () => items, orientation: "vertical" }, new AbortController().signal);
    expect(items.map((it) => it.tabIndex)).toEqual([0, -1, -1, -1]);
    items[0].focus();
    key(items[0], "ArrowDown");
    expect(document.activeElement).toBe(items[1]);
    expect(items.map((it) => it.tabIndex)).toEqual([-1, 0, -1, -1]);
    key(items[1], "ArrowRight"); // not this orientation's key: nothing moves
    expect(document.activeElement).toBe(items[1]);
    key(items[1], "End");
    expect(r.current()).toBe(items[3]);
    key(items[3], "ArrowDown"); // stays at the end, no wrap
    expect(r.current()).toBe(items[3]);
    key(items[3], "Home");
    expect(document.activeElement).toBe(items[0]);
    const e = key(items[0], "Enter");
    key(items[0], " ");
    expect(clicked).toEqual([0, 0]);
    expect(e.defaultPrevented).toBe(true);
  });

  it("moves by rows in a grid, takes custom moves, and calls escape", () => {
    const { root, items } = list(6);
    let escaped = 0;
    const r = roving(root, {
      items: () => items,
      orientation: "grid",
      columns: () => 3,
      escape: () => escaped++,
      move: (_it, e) => (e.key === "p" ? items[5] : undefined),
    }, new AbortController().signal);
    items[0].focus();
    key(items[0], "ArrowDown");
    expect(r.current()).toBe(items[3]);
    key(items[3], "ArrowRight");
    expect(r.current()).toBe(items[4]);
    key(items[4], "ArrowUp");
    expect(r.current()).toBe(items[1]);
    key(items[1], "p");
    expect(r.current()).toBe(items[5]);
    key(items[5], "Escape");
    expect(escaped).toBe(1);
  });

  it("follows a click (focus) and keeps the current item across a rebuild", () => {
    const { root, items } = list(3);
    let live = items;
    const r = roving(root, { items: () => live }, new AbortController().signal);
    items[2].focus();
    expect(r.current()).toBe(items[2]);
    live = [items[2], items[0]];
    r.refresh();
    expect(items.map((it) => it.tabIndex)).toEqual([-1, -1, 0]);
  });
});

describe("asButton and describePicture", () => {
  it("gives a div button semantics and a picture a text alternative", () => {
    const { items } = list(1);
    let n = 0;
    items[0].addEventListener("click", () => n++);
    asButton(items[0], new AbortController().signal, "open node 3");
    expect(items[0].getAttribute("role")).toBe("button");
    expect(items[0].tabIndex).toBe(0);
    key(items[0], "Enter");
    key(items[0], " ");
    expect(n).toBe(2);
    const c = document.createElement("canvas");
    describePicture(c, "heatmap of sample 3, range -0.2 to 0.9");
    expect(c.getAttribute("role")).toBe("img");
    expect(c.getAttribute("aria-label")).toContain("sample 3");
  });
});
