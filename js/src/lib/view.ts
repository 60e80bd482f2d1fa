// The view base every entry uses (anywidget's render contract, lonboard's BaseModel): it owns
// the stylesheets, the root element and theme, the cleanup (one AbortSignal, model listeners
// removed), the fetch channel, typed and decoded trait access, sample paging and the one
// status / problem panel. An entry keeps only its panels:
//
//   interface State { title: string; data: Block | Empty; n_samples: number; sample: number }
//   export default defineView<State>({ name: "senn", css, render(ctx) { ... } });
import { guardKeys } from "./a11y";
import { h, setText } from "./dom";
import { currentPage, download, type ExportItem, exportMenu, Exports, fileName, figurePNG, figureSVG, toCSV } from "./export";
import { Fetcher, type FetchModel, isStandalone } from "./fetch";
import { nearestIn, stepIn } from "./layout";
import { applyTheme } from "./theme";
import { decodeState } from "./wire";

/** What a view needs of anywidget's model (the kernel's, the standalone page's, a test's). */
export interface ViewModel extends FetchModel {
  get(name: string): unknown;
}

/** anywidget's render props (only what the base uses). */
export interface RenderProps {
  model: ViewModel;
  el: HTMLElement;
}

export interface ViewSpec<T> {
  /** Short name: the `data-xai-css` of the entry's stylesheet, and in console messages. */
  name: string;
  /** The entry's stylesheet (a .css file imported as text); injected once, after the theme. */
  css?: string;
  /** Builds the view; everything it registers through `ctx` is undone by the cleanup. */
  render(ctx: ViewContext<T>): void;
}

/** The text of an error, without the "Error: " prefix of `String(err)`. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** "0-3, 7" for sorted indices. */
export function rangeText(idx: readonly number[]): string {
  const parts: string[] = [];
  for (let a = 0; a < idx.length; ) {
    let b = a;
    while (b + 1 < idx.length && idx[b + 1] === idx[b] + 1) b++;
    parts.push(a === b ? `${idx[a]}` : `${idx[a]}–${idx[b]}`);
    a = b + 1;
  }
  return parts.join(", ");
}

/**
 * The view's one status line (`.xai-status`, role=status): transient messages ("loading
 * sample 3…") and problems (a block that could not be read). A problem stays until `clear()`:
 * `idle()` shows it again once a transient message is over.
 */
export class Status {
  readonly el: HTMLElement = h("div", { class: "xai-status", role: "status" });
  private problemText = "";

  /** The problems reported since the last `clear()`, joined ("" when none). */
  get problem(): string {
    return this.problemText;
  }

  /** Shows a transient message. */
  say(text: string): void {
    setText(this.el, text);
  }

  /** Shows the problems, or nothing. */
  idle(): void {
    setText(this.el, this.problemText);
  }

  /** Records and shows "could not read <what>: <error>", logs the error; returns the text. */
  report(what: string, err: unknown): string {
    console.error("xaiwidgets:", err);
    const text = `could not read ${what}: ${errorText(err)}`;
    this.problemText = this.problemText ? `${this.problemText}; ${text}` : text;
    this.idle();
    return text;
  }

  /** Forgets the problems (e.g. before reading new state). */
  clear(): void {
    this.problemText = "";
  }
}

export interface PagerOptions<S> {
  /** Trait that moves the view when Python sets it (e.g. "sample"). */
  trait?: string;
  /** What one page is called in the nav and messages (default "sample"). */
  noun?: string;
  /** Number of samples (n_samples); navigation is clamped to [0, count). */
  count(): number;
  /** The sample as it would be shown, if it is held (embedded, fetched or computed). */
  get(i: number): S | undefined;
  /** Indices held, sorted: the only ones an offline page can show. */
  held(): number[];
  /** Asks the kernel for sample i; the pager paints it when it lands (if still wanted). */
  load(i: number): Promise<unknown>;
  /** Draws a sample (the pager removes the loading state first). */
  paint(sample: S, i: number): void;
  /** Status text while sample i loads (default "loading <noun> i…"). */
  loadingText?(i: number): string;
}

/** What a pager uses of its view. */
export type PagerHost = Pick<ViewContext<unknown>, "model" | "el" | "signal" | "standalone" | "status" | "ready">;

/**
 * Sample paging (the index box, previous / next): clamped to [0, count), fetched when not held,
 * restricted to the held samples in an offline page (a sample that is not embedded is refused
 * with a note naming the embedded ones; the view never shows another one instead).
 * Navigation is view-only: the trait is read, never written back.
 */
export class Pager<S> {
  /** The sample asked for (-1: none yet). */
  wanted = -1;
  /** The sample drawn last. */
  shown: S | null = null;
  private prev: HTMLButtonElement | null = null;
  private next: HTMLButtonElement | null = null;
  private num: HTMLInputElement | null = null;
  private readonly noun: string;

  constructor(private readonly ctx: PagerHost, private readonly opts: PagerOptions<S>) {
    this.noun = opts.noun ?? "sample";
  }

  /** Held samples within range. */
  available(): number[] {
    const n = this.opts.count();
    return this.opts.held().filter((i) => i >= 0 && i < n);
  }

  /** A new `.xai-nav` ("sample ◀ [i] ▶ of N"); call it on every rebuild of the header. */
  nav(): HTMLElement {
    const { signal, standalone } = this.ctx;
    const n = this.opts.count();
    const prev = h("button", { type: "button", class: "xai-prev", title: `previous ${this.noun}`, text: "◀" });
    const next = h("button", { type: "button", class: "xai-next", title: `next ${this.noun}`, text: "▶" });
    const num = h("input", { type: "number", class: "xai-sample", min: 0, max: Math.max(0, n - 1), step: 1, "aria-label": this.noun });
    const avail = this.available().length;
    const offline = standalone && avail < n ? ` (offline: ${avail} embedded)` : "";
    prev.addEventListener("click", () => this.step(-1), { signal });
    next.addEventListener("click", () => this.step(1), { signal });
    const jump = () => this.typed(num.value);
    num.addEventListener("change", jump, { signal });
    num.addEventListener("keydown", (e) => {
      if (e.key === "Enter") jump();
    }, { signal });
    this.prev = prev;
    this.next = next;
    this.num = num;
    return h("div", { class: "xai-nav" }, [h("span", { text: this.noun }), prev, num, next, h("span", { text: `of ${n}${offline}` })]);
  }

  /**
   * A value typed in the box: a sample index in range is shown; anything else is refused
   * visibly (the box goes back to the sample shown and the status line says why), never
   * clamped or kept in the box while the view shows another sample.
   */
  typed(text: string): void {
    const n = this.opts.count();
    const v = Number(text);
    if (text.trim() !== "" && Number.isInteger(v) && v >= 0 && v < n) return this.go(v);
    this.sync();
    if (text.trim() === "" || !this.num) return;
    this.num.setAttribute("aria-invalid", "true");
    this.ctx.status.say(`${this.noun} ${text.trim()} refused: expected a whole number from 0 to ${n - 1}; showing ${this.noun} ${this.wanted}`);
  }

  step(dir: 1 | -1): void {
    if (this.ctx.standalone) this.go(stepIn(this.available(), this.wanted, dir));
    else this.go(this.wanted + dir);
  }

  /** The nav shows `wanted`; prev / next are disabled at the ends. */
  sync(): void {
    if (!this.num || !this.prev || !this.next) return;
    const w = this.wanted;
    this.num.value = String(w);
    this.num.removeAttribute("aria-invalid");
    const avail = this.ctx.standalone ? this.available() : null;
    this.prev.disabled = avail ? stepIn(avail, w, -1) === w : w <= 0;
    this.next.disabled = avail ? stepIn(avail, w, 1) === w : w >= this.opts.count() - 1;
  }

  /** Navigates to sample i: painted at once when held, else fetched (view-only). */
  go(i: number): void {
    const { ctx, opts } = this;
    const n = opts.count();
    if (!Number.isFinite(i) || n === 0) return;
    i = Math.max(0, Math.min(n - 1, i));
    if (ctx.standalone && !opts.get(i)) {
      const avail = this.available();
      if (!avail.length) return;
      if (this.wanted < 0) i = nearestIn(avail, i);
      else {
        ctx.status.say(`${this.noun} ${i} is not in this offline page (${avail.length} embedded: ${rangeText(avail)})`);
        this.sync();
        return;
      }
    }
    this.wanted = i;
    this.sync();
    const s = opts.get(i);
    if (s) return this.paint(s, i);
    ctx.el.classList.add("xai-loading");
    ctx.status.say(opts.loadingText ? opts.loadingText(i) : `loading ${this.noun} ${i}…`);
    opts.load(i).then(() => {
      if (ctx.signal.aborted) return;
      this.sync();
      const got = opts.get(this.wanted);
      if (got && got !== this.shown) this.paint(got, this.wanted);
    }, (err: unknown) => {
      if (!ctx.signal.aborted && this.wanted === i && !opts.get(i)) ctx.status.say(`${this.noun} ${i}: ${errorText(err)}`);
    });
  }

  /** Shows the wanted sample again (e.g. after a setting that changes what `get` returns). */
  refresh(): void {
    this.go(this.wanted);
  }

  /**
   * Starts over after a rebuild: at the sample shown before, else at the trait's value. With
   * nothing to show, says so (or shows the problem) and marks the view ready.
   */
  restart(): void {
    const { ctx, opts } = this;
    const fromTrait = opts.trait ? Number(ctx.model.get(opts.trait)) || 0 : 0;
    const start = this.wanted >= 0 ? this.wanted : fromTrait;
    this.wanted = -1;
    this.shown = null;
    if (opts.count() === 0 || (ctx.standalone && !this.available().length)) {
      ctx.status.say(ctx.status.problem || `no ${this.noun}s to show`);
      ctx.ready();
      return;
    }
    this.go(start);
  }

  private paint(s: S, i: number): void {
    this.shown = s;
    this.ctx.el.classList.remove("xai-loading");
    this.opts.paint(s, i);
  }
}

/** Everything a view draws with; created by `defineView` for each render. */
export interface ViewContext<T> {
  readonly model: ViewModel;
  /** The widget root (class `xai-root`, theme and stylesheets as its first children). */
  readonly el: HTMLElement;
  /** Aborted on cleanup: register every DOM listener with it. */
  readonly signal: AbortSignal;
  /** No kernel behind the model (an offline page): fetches would fail, so are not made. */
  readonly standalone: boolean;
  /** The status / problem line; place `status.el` in the layout. */
  readonly status: Status;
  /** The decoded value of a trait (decoded once per change of the model's value). */
  get<K extends keyof T & string>(name: K): T[K];
  /** Runs `cb` when any of the traits changes; an exception in it is reported, not thrown. */
  on(names: (keyof T & string) | (keyof T & string)[], cb: () => void): void;
  /** Asks the kernel for a block (lib/fetch.ts) and decodes it like the state. */
  fetch<B>(what: string, args: Record<string, unknown>): Promise<B>;
  /** Sample paging, its listener on `opts.trait` registered. */
  pager<S>(opts: PagerOptions<S>): Pager<S>;
  /** Removes every child of the root except the stylesheets (before a rebuild). */
  clear(): void;
  /** Marks the root ready for tests and the static exporter (`data-xai-ready`). */
  ready(): void;
  /** Runs `fn` on cleanup. */
  onCleanup(fn: () => void): void;
  /** What the view exports (its figure and tables); the base puts the export menu in the header. */
  readonly exports: Exports;
  /** Runs `cb` after a theme switch (JupyterLab's theme attributes, the OS colour scheme). */
  onTheme(cb: () => void): void;
}

/** The root's background colour (the theme's), so an exported figure reads as on screen. */
function backgroundOf(el: HTMLElement): string {
  try {
    return getComputedStyle(el).backgroundColor || "";
  } catch {
    return "";
  }
}

/** Adds `css` once under the root as `<style data-xai-css=name>` (after the theme). */
export function injectCSS(el: HTMLElement, name: string, css: string): void {
  if ([...el.children].some((c) => c instanceof HTMLStyleElement && c.dataset.xaiCss === name)) return;
  const style = h("style", { "data-xai-css": name });
  style.textContent = css;
  const styles = [...el.children].filter((c) => c instanceof HTMLStyleElement);
  if (styles.length) styles[styles.length - 1].after(style);
  else el.prepend(style);
}

class Context<T> implements ViewContext<T> {
  readonly signal: AbortSignal;
  readonly standalone: boolean;
  readonly status = new Status();
  readonly exports = new Exports();
  private readonly controller = new AbortController();
  private readonly cache = new Map<string, { raw: unknown; value: unknown }>();
  private readonly listeners: [string, () => void][] = [];
  private readonly cleanups: (() => void)[] = [];
  private fetcher: Fetcher | null = null;

  constructor(readonly model: ViewModel, readonly el: HTMLElement) {
    this.signal = this.controller.signal;
    this.standalone = isStandalone(model);
  }

  get<K extends keyof T & string>(name: K): T[K] {
    const raw = this.model.get(name);
    const hit = this.cache.get(name);
    if (hit && hit.raw === raw) return hit.value as T[K];
    const value = decodeState<T[K]>(raw);
    this.cache.set(name, { raw, value });
    return value;
  }

  on(names: (keyof T & string) | (keyof T & string)[], cb: () => void): void {
    for (const name of Array.isArray(names) ? names : [names]) {
      const listener = () => {
        this.cache.delete(name); // a value changed in place must be decoded again
        if (this.signal.aborted) return;
        try {
          cb();
        } catch (err) {
          this.status.report(`\`${name}\``, err);
        }
      };
      this.model.on(`change:${name}`, listener);
      this.listeners.push([`change:${name}`, listener]);
    }
  }

  fetch<B>(what: string, args: Record<string, unknown>): Promise<B> {
    this.fetcher ??= new Fetcher(this.model);
    return this.fetcher.fetch(what, args).then((block) => decodeState<B>(block));
  }

  pager<S>(opts: PagerOptions<S>): Pager<S> {
    const pager = new Pager<S>(this, opts);
    const trait = opts.trait;
    if (trait) {
      const follow = () => {
        const i = Number(this.model.get(trait));
        if (i !== pager.wanted) pager.go(i);
      };
      this.model.on(`change:${trait}`, follow);
      this.listeners.push([`change:${trait}`, follow]);
    }
    return pager;
  }

  clear(): void {
    for (const c of [...this.el.children]) if (!(c instanceof HTMLStyleElement)) c.remove();
  }

  ready(): void {
    this.placeExportMenu();
    this.el.dataset.xaiReady = "1";
  }

  onCleanup(fn: () => void): void {
    this.cleanups.push(fn);
  }

  onTheme(cb: () => void): void {
    const run = () => {
      if (!this.signal.aborted) cb();
    };
    if (typeof MutationObserver !== "undefined" && typeof document !== "undefined") {
      // JupyterLab marks the theme on <body> (data-jp-theme-light / -name), VS Code by class
      const mo = new MutationObserver(run);
      mo.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "data-jp-theme-name", "class", "data-theme"] });
      this.onCleanup(() => mo.disconnect());
    }
    const mq = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null;
    mq?.addEventListener?.("change", run, { signal: this.signal });
  }

  /** The export menu's entries for what the view shows now. */
  exportItems(): ExportItem[] {
    const title = String(this.model.get("title") ?? "") || "xaiwidgets";
    const items: ExportItem[] = [{
      label: "page (HTML)",
      run: async () => {
        const page = this.standalone ? currentPage() : String((await this.fetch<{ html?: string }>("page", {})).html ?? "");
        if (!page) throw new Error("this page cannot be saved again (it is not an exported page)");
        download(this.el, fileName(title, "html"), new Blob([page], { type: "text/html" }));
      },
    }, {
      label: "figure (PNG)",
      run: async () => download(this.el, fileName(title, "png"), await figurePNG(this.exports.figureOf(this.el), backgroundOf(this.el))),
    }, {
      label: "figure (SVG)",
      run: () => download(this.el, fileName(title, "svg"), new Blob([figureSVG(this.exports.figureOf(this.el), backgroundOf(this.el))], { type: "image/svg+xml" })),
    }];
    for (const t of this.exports.tablesOf(this.el)) {
      items.push({
        label: `${t.name} (CSV)`,
        run: () => download(this.el, fileName(`${title}_${t.name}`, "csv"), new Blob([toCSV(t.rows())], { type: "text/csv" })),
      });
    }
    return items;
  }

  /** Puts the export menu at the end of the view's header (once; again after a rebuild). */
  placeExportMenu(): void {
    const header = this.el.querySelector(".xai-header");
    if (!header || header.querySelector(".xai-export-menu")) return;
    const menu = exportMenu(() => this.exportItems(), this.signal, (err) => this.status.say(`export: ${errorText(err)}`));
    (header.querySelector(".xai-tools") ?? header).append(menu);
  }

  dispose(): void {
    this.controller.abort();
    this.fetcher?.dispose();
    for (const fn of this.cleanups) fn();
    for (const [ev, cb] of this.listeners) this.model.off(ev, cb);
    this.listeners.length = 0;
    this.cache.clear();
  }
}

/**
 * An anywidget view from its spec: `export default defineView<State>({ name, css, render })`.
 * `render` returns anywidget's cleanup, which aborts the signal, disposes the fetcher and
 * removes every model listener the view registered. A view that throws while building shows
 * the error in its status line instead of leaving an empty cell.
 */
export function defineView<T>(spec: ViewSpec<T>): { render(props: RenderProps): () => void } {
  return {
    render({ model, el }: RenderProps): () => void {
      applyTheme(el);
      if (spec.css) injectCSS(el, spec.name, spec.css);
      const ctx = new Context<T>(model, el);
      // JupyterLab's command-mode shortcuts listen on the document: keys meant for our controls
      // must not reach them (Enter would never commit a number, arrows would move between cells).
      guardKeys(el, ctx.signal);
      // the header may be rebuilt without a new `ready()`: keep the export menu in it
      if (typeof MutationObserver !== "undefined") {
        const mo = new MutationObserver(() => ctx.placeExportMenu());
        mo.observe(el, { childList: true, subtree: true });
        ctx.onCleanup(() => mo.disconnect());
      }
      try {
        spec.render(ctx);
      } catch (err) {
        ctx.clear();
        el.append(ctx.status.el);
        ctx.status.report(`the ${spec.name} view's state`, err);
        ctx.ready();
      }
      return () => ctx.dispose();
    },
  };
}
