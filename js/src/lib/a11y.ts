// Keyboard and screen-reader plumbing shared by every view: one key guard (keys pressed inside a
// view never reach JupyterLab), one roving-focus group (a list of items is one Tab stop; arrows,
// Home / End move inside it; Enter / Space activate; Escape leaves), and text alternatives for
// pictures drawn on canvases or SVG.

/**
 * Stops key presses inside the view from reaching JupyterLab, whose command-mode shortcuts
 * listen on the document (arrows would move between cells, Enter would edit one, a letter would
 * change the cell type). Only an element with focus receives keys, so a key whose target is in
 * the view belongs to the view. Shift / Ctrl / Alt + Enter still run the cell.
 */
export function guardKeys(root: HTMLElement, signal: AbortSignal): void {
  // Decided on the way down (capture), applied on the way up: a handler that redraws the view
  // on a key detaches the key's own target, and `root.contains` would then say "not ours".
  const ours = new WeakSet<Event>();
  root.addEventListener("keydown", (e) => {
    const t = e.target;
    if (!(t instanceof Node) || !root.contains(t)) return;
    if (e.key === "Enter" && (e.shiftKey || e.ctrlKey || e.altKey || e.metaKey)) return;
    ours.add(e);
  }, { signal, capture: true });
  root.addEventListener("keydown", (e) => {
    if (ours.has(e)) e.stopPropagation();
  }, { signal });
}

/** Which arrows move in a group. "tree": Up / Down move, Left / Right go to parent / child. */
export type Orientation = "vertical" | "horizontal" | "both" | "grid";

export interface RovingOptions {
  /** The group's items in reading order (called on every key press: items may change). */
  items: () => HTMLElement[];
  orientation?: Orientation;
  /** Items per row when `orientation` is "grid" (Up / Down jump by a row). */
  columns?: () => number;
  /** Enter or Space on an item; default: `item.click()`. */
  activate?: (item: HTMLElement, e: KeyboardEvent) => void;
  /** Escape inside the group (e.g. clear the selection, close a panel). */
  escape?: (e: KeyboardEvent) => void;
  /** Extra keys (e.g. a tree's Left / Right); return the item to focus, or null to do nothing. */
  move?: (item: HTMLElement, e: KeyboardEvent) => HTMLElement | null | undefined;
  /** Called when an item gets focus by keyboard (e.g. to show its tooltip or detail). */
  focus?: (item: HTMLElement) => void;
}

export interface Roving {
  /** Makes `item` the group's Tab stop (e.g. after a click selected it); `focus` moves focus. */
  setCurrent(item: HTMLElement | null, focus?: boolean): void;
  /** Re-applies tabindex after the items were rebuilt (keeps the current one if it is still there). */
  refresh(): void;
  current(): HTMLElement | null;
}

const NEXT: Record<Orientation, string[]> = {
  vertical: ["ArrowDown"],
  horizontal: ["ArrowRight"],
  both: ["ArrowDown", "ArrowRight"],
  grid: ["ArrowRight"],
};
const PREV: Record<Orientation, string[]> = {
  vertical: ["ArrowUp"],
  horizontal: ["ArrowLeft"],
  both: ["ArrowUp", "ArrowLeft"],
  grid: ["ArrowLeft"],
};

/**
 * One Tab stop for a group of items (the WAI-ARIA roving tabindex): the current item has
 * tabindex 0, the others -1, so Tab enters and leaves the group in one step and arrows move in it.
 */
export function roving(container: HTMLElement, opts: RovingOptions, signal: AbortSignal): Roving {
  const orientation = opts.orientation ?? "both";
  let cur: HTMLElement | null = null;

  const apply = (): HTMLElement[] => {
    const items = opts.items();
    if (!cur || !items.includes(cur)) cur = items[0] ?? null;
    for (const it of items) it.tabIndex = it === cur ? 0 : -1;
    return items;
  };
  const go = (target: HTMLElement | null | undefined, focus: boolean): void => {
    if (!target) return;
    cur = target;
    apply();
    if (focus) {
      target.focus();
      opts.focus?.(target);
    }
  };

  container.addEventListener("keydown", (e) => {
    const items = apply();
    const t = e.target as Node | null;
    const i = t ? items.findIndex((it) => it === t || it.contains(t)) : -1;
    if (i < 0) return;
    const item = items[i];
    const last = items.length - 1;
    let target: HTMLElement | null | undefined;
    const custom = opts.move?.(item, e);
    if (custom !== undefined) target = custom;
    else if (NEXT[orientation].includes(e.key)) target = items[Math.min(last, i + 1)];
    else if (PREV[orientation].includes(e.key)) target = items[Math.max(0, i - 1)];
    else if (orientation === "grid" && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      const step = Math.max(1, opts.columns?.() ?? 1);
      target = items[Math.max(0, Math.min(last, i + (e.key === "ArrowDown" ? step : -step)))];
    } else if (e.key === "Home") target = items[0];
    else if (e.key === "End") target = items[last];
    else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      (opts.activate ?? ((it) => it.click()))(item, e);
      return;
    } else if (e.key === "Escape" && opts.escape) {
      opts.escape(e);
      return;
    } else return;
    e.preventDefault();
    go(target, true);
  }, { signal });
  // a click makes the clicked item the Tab stop, so Tab comes back to where the user was
  container.addEventListener("focusin", (e) => {
    const items = opts.items();
    const t = e.target as HTMLElement;
    if (items.includes(t) && t !== cur) go(t, false);
  }, { signal });

  apply();
  return {
    setCurrent(item, focus = false) {
      if (item) go(item, focus);
    },
    refresh() {
      apply();
    },
    current: () => cur,
  };
}

/**
 * Gives a drawn picture (canvas, SVG, an image made of divs) a role and a text alternative that
 * states the numbers it shows, so a screen reader reads what a sighted user sees.
 */
export function describePicture(el: Element, label: string, role = "img"): void {
  el.setAttribute("role", role);
  el.setAttribute("aria-label", label);
}

/**
 * Makes a clickable element that is not a <button> operable as one: a Tab stop (unless a roving
 * group manages its tabindex), role "button", and Enter / Space click it.
 */
export function asButton(el: HTMLElement, signal: AbortSignal, label?: string): void {
  el.setAttribute("role", "button");
  if (!el.hasAttribute("tabindex")) el.tabIndex = 0;
  if (label !== undefined) el.setAttribute("aria-label", label);
  el.addEventListener("keydown", (e) => {
    if (e.target !== el || (e.key !== "Enter" && e.key !== " ")) return;
    e.preventDefault();
    el.click();
  }, { signal });
}
