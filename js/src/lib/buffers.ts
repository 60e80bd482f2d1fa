// Binary buffers back into a state or message (the layout of ipywidgets' put_buffers; Python's
// counterpart is `split_buffers` in xaiwidgets/widgets/_traits.py).

export type BufferPath = (string | number)[];

export type Buffer = DataView | ArrayBuffer | ArrayBufferView;

/** buffers[i] is stored at state[path[0]]...[path[-1]], as a DataView. */
export function putBuffers(state: unknown, paths: readonly BufferPath[], buffers: readonly Buffer[]): void {
  paths.forEach((path, i) => {
    if (!path.length) return;
    let obj = state as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) obj = obj[key] as Record<string | number, unknown>;
    const b = buffers[i];
    obj[path[path.length - 1]] =
      b instanceof DataView ? b : ArrayBuffer.isView(b) ? new DataView(b.buffer, b.byteOffset, b.byteLength) : new DataView(b);
  });
}
