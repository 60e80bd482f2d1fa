// Offline pages (js/README.md "Standalone export"): rebuild the widget state the kernel would
// have sent, then run the widget's own ESM against a minimal in-page model.

import { type BufferPath, putBuffers } from "./lib/buffers";

export { putBuffers };

export interface StandalonePayload {
  state: Record<string, unknown>;
  buffer_paths: BufferPath[];
  buffers: string[]; // base64
}

type Callback = (...args: unknown[]) => void;

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export interface StandaloneModel {
  readonly standalone: true;
  get(name: string): unknown;
  set(name: string, value: unknown): void;
  on(event: string, cb: Callback): void;
  off(event?: string | null, cb?: Callback | null): void;
  save_changes(): void;
  send(...args: unknown[]): void;
  widget_manager: { get_model(id: string): Promise<never> };
}

export function createModel(state: Record<string, unknown>): StandaloneModel {
  const listeners = new Map<string, Set<Callback>>();
  const emit = (ev: string, ...args: unknown[]) => listeners.get(ev)?.forEach((cb) => cb(...args));
  return {
    standalone: true,
    get: (name) => state[name],
    set(name, value) {
      if (Object.is(state[name], value)) return;
      state[name] = value;
      emit(`change:${name}`, value);
      emit("change");
    },
    on(event, cb) {
      for (const ev of event.split(/\s+/).filter(Boolean)) {
        if (!listeners.has(ev)) listeners.set(ev, new Set());
        listeners.get(ev)!.add(cb);
      }
    },
    off(event, cb) {
      if (!event) return listeners.clear();
      for (const ev of event.split(/\s+/).filter(Boolean)) {
        if (cb) listeners.get(ev)?.delete(cb);
        else listeners.delete(ev);
      }
    },
    save_changes() {}, // no kernel to sync with
    send() {},
    widget_manager: {
      get_model: () => Promise.reject(new Error("xaiwidgets: no widget manager in a standalone page")),
    },
  };
}

export function decodePayload(payload: StandalonePayload): Record<string, unknown> {
  // Copy the containers so re-mounting the same payload starts from the pristine JSON.
  const state = JSON.parse(JSON.stringify(payload.state ?? {})) as Record<string, unknown>;
  const buffers = (payload.buffers ?? []).map((b) => {
    const bytes = base64ToBytes(b);
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  });
  putBuffers(state, payload.buffer_paths ?? [], buffers);
  return state;
}

interface WidgetDef {
  initialize?: (props: Record<string, unknown>) => unknown;
  render?: (props: Record<string, unknown>) => unknown;
}

/** Mounts the widget whose ESM source is `esmSource` into `el`; resolves to its cleanup. */
export async function mount(el: HTMLElement, esmSource: string, payload: StandalonePayload): Promise<() => void> {
  const model = createModel(decodePayload(payload));
  const url = URL.createObjectURL(new Blob([esmSource], { type: "text/javascript" }));
  let mod: { default?: unknown; render?: unknown };
  try {
    mod = await import(/* @vite-ignore */ url);
  } finally {
    URL.revokeObjectURL(url);
  }
  // anywidget accepts a default export that is the definition or a factory of it.
  let def = (mod.default ?? mod) as WidgetDef | (() => WidgetDef | Promise<WidgetDef>);
  if (typeof def === "function") def = await def();
  const controller = new AbortController();
  const experimental = { invoke: () => Promise.reject(new Error("xaiwidgets: no kernel in a standalone page")) };
  const initCleanup = await def.initialize?.({ model, signal: controller.signal, experimental });
  const renderCleanup = await def.render?.({ model, el, signal: controller.signal, experimental });
  return () => {
    controller.abort();
    for (const c of [renderCleanup, initCleanup]) if (typeof c === "function") c();
  };
}

// Lets an inline <script type="module"> that embeds this bundle call mount without an import.
(globalThis as Record<string, unknown>).xaiwidgetsStandalone = { mount };
