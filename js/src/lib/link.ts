// Linked selections between views (xaiwidgets/widgets/link.py `xw.link(*views)`), in the
// browser, with no kernel round trip. Each widget bundle is a separate ES module, so the views
// of one page share only `window`: the bus is one EventTarget kept on `window` under a fixed key
// (created by whichever bundle comes first), carrying CustomEvents. A selection travels as
// DATASET ROW indices: each view maps its own sample positions to rows with its `_link_rows`
// trait (uint32, default 0..n-1), so a view of a subset of a run links to the run's overview.
//
// A message names its link group (the `_link_group` trait xw.link gives every linked view), its
// sender (so a view never hears itself) and the rows (null: cleared). The bus remembers the
// last selection per group, so a view drawn later starts from it.
//
// Beside the selection, the same bus and group carry a FOCUS: the one row the user points at
// (hovers or clicks in the overview, or pages to in a comparison / mask view). Every linked view
// that holds that row shows it; the overview marks it. The bus remembers the last focus too.
import { asBytes, type Bytes } from "./wire";

/** The traits every linkable view syncs (xaiwidgets/widgets/link.py `Linkable`). */
export interface LinkTraits {
  /** The link group ("" : not linked). */
  _link_group: string;
  /** Little-endian uint32, the dataset row of each of the view's samples (empty: 0..n-1). */
  _link_rows: Bytes | null;
}

/** The rows of a `_link_rows` value (null when empty or absent). */
export function rowsFrom(raw: unknown): Uint32Array | null {
  if (!raw || typeof raw !== "object") return null;
  const bytes = asBytes(raw as Bytes);
  const n = Math.floor(bytes.byteLength / 4);
  if (!n) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 4);
  const out = new Uint32Array(n);
  for (let k = 0; k < n; k++) out[k] = view.getUint32(4 * k, true);
  return out;
}

/** One selection on the bus. */
export interface LinkSelection {
  group: string;
  /** The sending view's id (a view ignores its own messages). */
  source: string;
  /** Sorted unique dataset rows; null: the selection was cleared. */
  rows: Uint32Array | null;
  /** What was selected, in words ("node 3", "rule 2: …"), for the receivers' status line. */
  label: string;
}

/** One focus on the bus: the row the user points at. */
export interface LinkFocus {
  group: string;
  /** The sending view's id (a view ignores its own messages). */
  source: string;
  /** The focused dataset row; null: nothing is focused. */
  row: number | null;
  /** Where it came from, in words ("overview"), for the receivers' status line. */
  label: string;
}

const EVENT = "xai-link";
const FOCUS_EVENT = "xai-link-focus";
const KEY = "__xaiLinkBus";

interface Bus {
  target: EventTarget;
  last: Map<string, LinkSelection>;
  /** The last focus per group (created on first use: a bus made by an older bundle lacks it). */
  focus?: Map<string, LinkFocus>;
}

/** The page's one bus (shared by every bundle through `window`). */
export function linkBus(): Bus {
  const g = globalThis as unknown as Record<string, Bus | undefined>;
  let bus = g[KEY];
  if (!bus) {
    bus = { target: new EventTarget(), last: new Map() };
    g[KEY] = bus;
  }
  return bus;
}

/** Sends a selection to every view of its group (synchronously: listeners run before return). */
export function publishSelection(sel: LinkSelection): void {
  const bus = linkBus();
  bus.last.set(sel.group, sel);
  bus.target.dispatchEvent(new CustomEvent<LinkSelection>(EVENT, { detail: sel }));
}

/** Calls `fn` for each message on `event` of `group` sent by another view; returns the
 * unsubscribe. */
function subscribe<M extends { group: string; source: string }>(event: string, group: string, self: string, fn: (m: M) => void): () => void {
  const bus = linkBus();
  const listener = (e: Event) => {
    const m = (e as CustomEvent<M>).detail;
    if (m && m.group === group && m.source !== self) fn(m);
  };
  bus.target.addEventListener(event, listener);
  return () => bus.target.removeEventListener(event, listener);
}

/** Calls `fn` for each selection of `group` sent by another view; returns the unsubscribe. */
export function subscribeSelection(group: string, self: string, fn: (sel: LinkSelection) => void): () => void {
  return subscribe(EVENT, group, self, fn);
}

/** The last selection sent in `group` (undefined: none yet). */
export function lastSelection(group: string): LinkSelection | undefined {
  return linkBus().last.get(group);
}

function focusMap(bus: Bus): Map<string, LinkFocus> {
  if (!bus.focus) bus.focus = new Map();
  return bus.focus;
}

/**
 * Sends a focus to every view of its group (synchronously). A focus equal to the group's last
 * one is not sent again (a view showing the row it was just told to show does not echo it).
 * Returns whether it was sent.
 */
export function publishFocus(f: LinkFocus): boolean {
  const bus = linkBus();
  const last = focusMap(bus).get(f.group);
  if (last && last.row === f.row) return false;
  focusMap(bus).set(f.group, f);
  bus.target.dispatchEvent(new CustomEvent<LinkFocus>(FOCUS_EVENT, { detail: f }));
  return true;
}

/** Calls `fn` for each focus of `group` sent by another view; returns the unsubscribe. */
export function subscribeFocus(group: string, self: string, fn: (f: LinkFocus) => void): () => void {
  return subscribe(FOCUS_EVENT, group, self, fn);
}

/** The last focus sent in `group` (undefined: none yet). */
export function lastFocus(group: string): LinkFocus | undefined {
  return linkBus().focus?.get(group);
}

/**
 * Follows a focus that moves fast (a cursor sweeping over the overview) without a fetch per
 * row: a held sample is shown at once; else one fetch is in flight at a time, and when it lands
 * the latest sample asked for meanwhile is shown (when held) or fetched next. Returns the
 * function to call with each focused sample.
 */
export function followLatest(opts: {
  /** Whether sample p can be shown now (held, or a view that must not fetch). */
  ready(p: number): boolean;
  /** Reads sample p into the view's store. */
  load(p: number): Promise<unknown>;
  /** Shows sample p (now held). */
  show(p: number): void;
  /** A failed read of the sample still wanted. */
  failed(p: number, err: unknown): void;
  aborted(): boolean;
}): (p: number) => void {
  let loading = false;
  let wanted = -1;
  const follow = (p: number): void => {
    wanted = p;
    if (opts.ready(p)) return opts.show(p);
    if (loading) return;
    loading = true;
    opts.load(p).catch((err: unknown) => {
      if (wanted === p) opts.failed(p, err);
    }).finally(() => {
      loading = false;
      if (opts.aborted()) return;
      if (wanted !== p) follow(wanted);
      else if (opts.ready(p)) opts.show(p);
    });
  };
  return follow;
}

/** The set bits of row `row` of a (rows, ceil(n / 8)) array packed by numpy's packbits. */
export function packedRows(bits: Uint8Array, row: number, n: number): number[] {
  const width = (n + 7) >> 3;
  const out: number[] = [];
  if (row < 0 || (row + 1) * width > bits.length) return out;
  for (let s = 0; s < n; s++) if ((bits[row * width + (s >> 3)] >> (7 - (s & 7))) & 1) out.push(s);
  return out;
}

/** Sorted unique values. */
export function sortedUnique(values: Iterable<number>): Uint32Array {
  const a = Uint32Array.from(values).sort();
  let k = 0;
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[i - 1]) a[k++] = a[i];
  return a.slice(0, k);
}

/**
 * A view's samples <-> dataset rows. `rows[p]` is the row of the view's sample p; without rows
 * sample p is row p. Several samples may show one row (a sequence view of repeated rows).
 */
export class RowMap {
  private index: Map<number, number[]> | null = null;

  constructor(readonly n: number, readonly rows: Uint32Array | null = null) {
    if (rows && rows.length !== n) {
      throw new Error(`_link_rows: expected ${n} dataset rows (one per sample of the view), got ${rows.length}`);
    }
  }

  /** The dataset row of sample p. */
  rowOf(p: number): number {
    return this.rows ? this.rows[p] : p;
  }

  /** The sorted unique rows of the view's samples `positions` (those out of range dropped). */
  toRows(positions: Iterable<number>): Uint32Array {
    const out: number[] = [];
    for (const p of positions) if (Number.isInteger(p) && p >= 0 && p < this.n) out.push(this.rowOf(p));
    return sortedUnique(out);
  }

  /** The view's samples (sorted) whose row is in `rows`. */
  toPositions(rows: ArrayLike<number>): number[] {
    if (!this.rows) {
      const out: number[] = [];
      for (let i = 0; i < rows.length; i++) if (rows[i] < this.n) out.push(rows[i]);
      return [...sortedUnique(out)];
    }
    if (!this.index) {
      this.index = new Map();
      this.rows.forEach((r, p) => {
        const list = this.index!.get(r);
        if (list) list.push(p);
        else this.index!.set(r, [p]);
      });
    }
    const out: number[] = [];
    for (let i = 0; i < rows.length; i++) out.push(...(this.index.get(rows[i]) ?? []));
    return out.sort((a, b) => a - b).filter((v, i, a) => i === 0 || v !== a[i - 1]);
  }
}

/** What `joinLink` needs of a view (a ViewContext whose traits include LinkTraits). */
export interface LinkHost {
  get(name: string): unknown;
  on(names: string | string[], cb: () => void): void;
  onCleanup(fn: () => void): void;
}

export interface LinkOptions {
  /** The number of samples of the view (the length of `_link_rows` when given). */
  count(): number;
  /**
   * Another view's selection, as this view's sample positions (sorted; null: cleared). Called
   * synchronously when the other view selects, and once on joining when the group already
   * holds a selection.
   */
  onSelect(positions: number[] | null, sel: LinkSelection): void;
  /**
   * Another view's focus, as this view's first sample showing that row (-1: the view does not
   * hold the row; null: focus cleared). Called synchronously, and once on joining when the
   * group already holds a focus. Views without it ignore the focus.
   */
  onFocus?(position: number | null, f: LinkFocus): void;
}

/** A view's membership of its link group (the group may change; `publish` follows it). */
export interface Link {
  /** The current group ("" when not linked: publish does nothing). */
  readonly group: string;
  /** The row map of the view's samples (rebuilt when `_link_rows` or the count changes). */
  rows(): RowMap;
  /** Selects the view's samples `positions` in every linked view (null: clears). */
  publish(positions: Iterable<number> | null, label: string): void;
  /** Focuses the row of the view's sample `position` in every linked view (null: clears). */
  focus(position: number | null, label: string): void;
}

let nextId = 0;

/** Joins the view to the group of its `_link_group` trait (and follows the trait). */
export function joinLink(host: LinkHost, opts: LinkOptions): Link {
  const id = `v${++nextId}-${Math.random().toString(36).slice(2, 8)}`;
  let group = "";
  let off: (() => void) | null = null;
  let map: RowMap | null = null;
  let lastSent: string | null = null;

  const rowMap = (): RowMap => {
    const n = opts.count();
    if (map && map.n === n) return map;
    const rows = rowsFrom(host.get("_link_rows"));
    if (rows && rows.length !== n) console.warn(`xaiwidgets: _link_rows has ${rows.length} rows for ${n} samples; sample i is taken as row i`);
    map = new RowMap(n, rows && rows.length === n ? rows : null);
    return map;
  };
  const receive = (sel: LinkSelection) => {
    lastSent = null;
    opts.onSelect(sel.rows ? rowMap().toPositions(sel.rows) : null, sel);
  };
  const receiveFocus = (f: LinkFocus) => {
    if (!opts.onFocus) return;
    if (f.row === null) return opts.onFocus(null, f);
    const map = rowMap();
    if (!map.rows) return opts.onFocus(f.row < map.n ? f.row : -1, f);
    const at = map.toPositions([f.row]);
    opts.onFocus(at.length ? at[0] : -1, f);
  };
  const join = () => {
    off?.();
    off = null;
    group = String(host.get("_link_group") ?? "");
    if (!group) return;
    const offSel = subscribeSelection(group, id, receive);
    const offFocus = subscribeFocus(group, id, receiveFocus);
    off = () => {
      offSel();
      offFocus();
    };
    const last = lastSelection(group);
    if (last && last.source !== id) receive(last);
    const focused = lastFocus(group);
    if (focused && focused.source !== id) receiveFocus(focused);
  };
  host.on("_link_group", join);
  host.on("_link_rows", () => {
    map = null;
  });
  host.onCleanup(() => off?.());
  join();

  return {
    get group() {
      return group;
    },
    rows: rowMap,
    publish(positions, label) {
      if (!group) return;
      const rows = positions === null ? null : rowMap().toRows(positions);
      const key = rows === null ? "null" : rows.join(",");
      if (key === lastSent) return; // a redraw re-announcing the same selection
      lastSent = key;
      publishSelection({ group, source: id, rows, label });
    },
    focus(position, label) {
      if (!group) return;
      const map = rowMap();
      if (position !== null && !(Number.isInteger(position) && position >= 0 && position < map.n)) return;
      publishFocus({ group, source: id, row: position === null ? null : map.rowOf(position), label });
    },
  };
}
