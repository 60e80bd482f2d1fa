// The one lazy-fetch channel (xaiwidgets/widgets/_base.py): data that was not embedded in the
// widget state is asked for with a custom message and arrives with binary buffers. Replies are
// matched by sequence number, so several requests may be in flight; none enters the state.
import { type Buffer, type BufferPath, putBuffers } from "./buffers";

/* eslint-disable @typescript-eslint/no-explicit-any -- anywidget's model types are generic */
export interface FetchModel {
  standalone?: boolean;
  send?: (content: any, callbacks?: any, buffers?: any) => void;
  on(event: string, cb: (...args: any[]) => void): void;
  off(event?: string | null, cb?: ((...args: any[]) => void) | null): void;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

interface Reply {
  type?: string;
  seq?: number;
  block?: Record<string, unknown>;
  error?: string;
  buffer_paths?: BufferPath[];
}

export class FetchError extends Error {}

/** No kernel behind the model: standalone HTML export (or a model without `send`). */
export function isStandalone(model: { standalone?: boolean; send?: unknown }): boolean {
  return model.standalone === true || typeof model.send !== "function";
}

export class Fetcher {
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (b: Record<string, unknown>) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private readonly onMsg = (msg: unknown, buffers?: Buffer[]) => this.receive(msg as Reply, buffers ?? []);

  constructor(private readonly model: FetchModel, private readonly timeoutMs = 15000) {
    model.on("msg:custom", this.onMsg as never);
  }

  /** False in a standalone page: there is no kernel to ask. */
  get available(): boolean {
    return !isStandalone(this.model);
  }

  /** Asks the kernel for `what` (e.g. "sample", "thumbs"); resolves to the decoded block. */
  fetch(what: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (!this.available) return Promise.reject(new FetchError("no kernel: this is an offline page"));
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new FetchError("no answer from the kernel (is it running?)"));
      }, this.timeoutMs);
      this.pending.set(seq, { resolve, reject, timer });
      this.model.send!({ type: "xai-fetch", seq, what, args });
    });
  }

  private receive(msg: Reply, buffers: Buffer[]): void {
    if (!msg || msg.type !== "xai-fetched" || typeof msg.seq !== "number") return;
    const p = this.pending.get(msg.seq);
    if (!p) return;
    this.pending.delete(msg.seq);
    clearTimeout(p.timer);
    if (msg.error !== undefined || !msg.block) return p.reject(new FetchError(msg.error ?? "empty answer"));
    putBuffers(msg.block, msg.buffer_paths ?? [], buffers);
    p.resolve(msg.block);
  }

  dispose(): void {
    this.model.off("msg:custom", this.onMsg as never);
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }
}
