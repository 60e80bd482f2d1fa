import type { AnyModel } from "@anywidget/types";

/** Model listeners of a view, one `[event, callback]` pair each. */
export type Handlers = [string, () => void][];

/**
 * Subscribe `handlers` to the model, draw once with `start`, and return the view's cleanup
 * (anywidget's `render` contract): it runs every `dispose` (abort signals, fetchers) and then
 * unsubscribes every handler, so a removed view leaves no listener behind.
 */
export function attach(model: AnyModel<any>, handlers: Handlers, start: () => void, ...dispose: (() => void)[]): () => void {
  for (const [ev, cb] of handlers) model.on(ev, cb);
  start();
  return () => {
    for (const d of dispose) d();
    for (const [ev, cb] of handlers) model.off(ev as never, cb);
  };
}
