// Wire arrays (js/README.md): {dtype, shape, data} with C-contiguous little-endian bytes.

export type DType = "uint8" | "int8" | "int16" | "uint16" | "int32" | "uint32" | "float32" | "float64";

export type TypedArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

/** What `data` may be: a DataView from the kernel, raw bytes in standalone pages and tests. */
export type Bytes = DataView | ArrayBuffer | ArrayBufferView | ArrayLike<number>;

export interface WireArray {
  dtype: DType;
  shape: number[];
  data: Bytes;
}

export interface WireQuantized extends WireArray {
  lo: WireArray;
  hi: WireArray;
  signed: boolean;
}

export interface Decoded<T extends TypedArray = TypedArray> {
  dtype: DType;
  shape: number[];
  data: T;
}

/** A decoded wire array (the name entries use in their decoded-state interfaces). */
export type NDArray<T extends TypedArray = TypedArray> = Decoded<T>;

/** What Python sends for a block that is not there yet: `{}`. */
export type Empty = Record<string, never>;

/** A quantised array with K items of `itemSize` values each. */
export interface Quantized {
  shape: number[];
  q: Uint8Array;
  lo: Float32Array;
  hi: Float32Array;
  signed: boolean;
  itemSize: number;
}

type Ctor = { new (buf: ArrayBufferLike, off: number, len: number): TypedArray; BYTES_PER_ELEMENT: number } & {
  new (len: number): TypedArray;
};

const CTORS: Record<DType, Ctor> = {
  uint8: Uint8Array as unknown as Ctor,
  int8: Int8Array as unknown as Ctor,
  int16: Int16Array as unknown as Ctor,
  uint16: Uint16Array as unknown as Ctor,
  int32: Int32Array as unknown as Ctor,
  uint32: Uint32Array as unknown as Ctor,
  float32: Float32Array as unknown as Ctor,
  float64: Float64Array as unknown as Ctor,
};

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Normalises any accepted `data` form to a byte view without copying. */
export function asBytes(data: Bytes): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  // Plain number lists only appear in hand-written tests/fixtures.
  return Uint8Array.from(data as ArrayLike<number>);
}

export function decodeArray<T extends TypedArray = TypedArray>(w: WireArray): Decoded<T> {
  const ctor = CTORS[w.dtype];
  if (!ctor) throw new Error(`xaiwidgets: unsupported dtype ${String(w.dtype)}`);
  const shape = Array.from(w.shape ?? [], Number);
  const n = numel(shape);
  const bytes = asBytes(w.data);
  const size = ctor.BYTES_PER_ELEMENT;
  if (bytes.byteLength < n * size) {
    throw new Error(`xaiwidgets: ${w.dtype}${JSON.stringify(shape)} needs ${n * size} bytes, got ${bytes.byteLength}`);
  }
  let data: TypedArray;
  if (bytes.byteOffset % size === 0) {
    data = new ctor(bytes.buffer, bytes.byteOffset, n);
  } else {
    // Typed arrays require aligned offsets; copying is the only way out.
    const copy = bytes.slice(0, n * size);
    data = new ctor(copy.buffer, 0, n);
  }
  return { dtype: w.dtype, shape, data: data as T };
}

export function decodeFloat(w: WireArray): Float32Array | Float64Array {
  const d = decodeArray(w).data;
  return d instanceof Float32Array || d instanceof Float64Array ? d : Float32Array.from(d);
}

export function decodeInt(w: WireArray): Int32Array {
  const d = decodeArray(w).data;
  return d instanceof Int32Array ? d : Int32Array.from(d);
}

export function decodeQuantized(w: WireQuantized): Quantized {
  const { shape, data } = decodeArray<Uint8Array>({ ...w, dtype: "uint8" });
  const k = shape[0] ?? 0;
  const lo = Float32Array.from(decodeFloat(w.lo));
  const hi = Float32Array.from(decodeFloat(w.hi));
  if (lo.length < k || hi.length < k) throw new Error("xaiwidgets: lo/hi shorter than K");
  return { shape, q: data, lo, hi, signed: Boolean(w.signed), itemSize: k ? data.length / k : 0 };
}

/** Real value of a raw code `q` of item k. */
export function dequantizeCode(a: Quantized, k: number, q: number): number {
  const lo = a.lo[k];
  return lo + ((a.hi[k] - lo) * q) / 255;
}

/** Real value of element i (flat, within the item) of item k. */
export function dequantize(a: Quantized, k: number, i: number): number {
  return dequantizeCode(a, k, a.q[k * a.itemSize + i]);
}

/** All real values of item k. */
export function dequantizeItem(a: Quantized, k: number): Float32Array {
  const out = new Float32Array(a.itemSize);
  const base = k * a.itemSize;
  const lo = a.lo[k];
  const s = (a.hi[k] - lo) / 255;
  for (let i = 0; i < out.length; i++) out[i] = lo + s * a.q[base + i];
  return out;
}

// -- generic decoding (bqplot's serialize.ts, applied to a whole state value) ------------------

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

/** `{dtype, shape, data}` with a dtype we know: a wire array. */
export function isWireArray(v: unknown): v is WireArray {
  return isObject(v) && typeof v.dtype === "string" && Object.prototype.hasOwnProperty.call(CTORS, v.dtype)
    && Array.isArray(v.shape) && "data" in v;
}

/** A wire array with `lo` / `hi` ranges: a quantised array (Python's `Heatmap`). */
export function isWireQuantized(v: unknown): v is WireQuantized {
  return isObject(v) && isWireArray(v.lo) && isWireArray(v.hi) && isWireArray(v);
}

/** A decoded quantised array (and not a plain one). */
export function isQuantized(v: NDArray | Quantized): v is Quantized {
  return "q" in v;
}

/** True for `{}`, null and undefined: a block that was not sent. */
export function isEmpty(v: unknown): v is Empty | null | undefined {
  return !isObject(v) || (!Array.isArray(v) && !ArrayBuffer.isView(v) && Object.keys(v).length === 0);
}

function decodeValue(v: unknown): unknown {
  if (!isObject(v) || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v;
  if (Array.isArray(v)) return v.map(decodeValue);
  if (isWireQuantized(v)) return decodeQuantized(v);
  if (isWireArray(v)) return decodeArray(v);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = decodeValue(x);
  return out;
}

/**
 * A state value with every wire array decoded (a typed array by dtype, plus its shape: an
 * `NDArray`) and every quantised array turned into a `Quantized`; lists and dicts are walked,
 * everything else is kept. Never mutates `value`. `T` is the decoded shape the caller declares
 * (the wire contract in js/README.md, mirrored by the schemas in widgets/_traits.py): this is
 * the one place where the wire's untyped JSON meets the entries' types.
 */
export function decodeState<T>(value: unknown): T {
  return decodeValue(value) as T;
}

/** The values of a decoded integer array as an Int32Array (no copy when already one). */
export function ints(a: NDArray | undefined | null): Int32Array {
  if (!a) return new Int32Array(0);
  return a.data instanceof Int32Array ? a.data : Int32Array.from(a.data);
}

/** The values of a decoded float array as float32/float64 (no copy when already one). */
export function floats(a: NDArray | undefined | null): Float32Array | Float64Array {
  if (!a) return new Float32Array(0);
  return a.data instanceof Float32Array || a.data instanceof Float64Array ? a.data : Float32Array.from(a.data);
}

/** The values of a decoded byte array as a Uint8Array (no copy when already one). */
export function bytes(a: NDArray | undefined | null): Uint8Array {
  if (!a) return new Uint8Array(0);
  return a.data instanceof Uint8Array ? a.data : Uint8Array.from(a.data);
}
