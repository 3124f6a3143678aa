import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * Plain data with typed arrays <-> one binary buffer, for tasks, results and setups that cross
 * machines (the distributed executor). Layout: "LUCW", version byte, flags byte, 2 padding bytes, u32 JSON
 * length, the JSON (typed arrays replaced by {$t, o, n} references), padding to 8 bytes, then each
 * array's bytes at an 8-byte-aligned offset. Numbers JSON cannot hold (NaN, ±Infinity, -0) are
 * tagged, so a decoded value is bit-for-bit the encoded one (flatbush's `from(data)` habit: a
 * magic and a version, checked before anything else is read). With `compress`, everything after
 * the header is DEFLATE-compressed (flag bit 1 of byte 5): count arrays are mostly zeros, and a
 * result shrinks about tenfold for a fraction of a millisecond.
 */

const MAGIC = 0x5755434c; // "LUCW" little-endian
const VERSION = 1;
const HEAD = 12;

type TypedArray = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;
const CTORS = { Float64Array, Float32Array, Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array } as const;
type CtorName = keyof typeof CTORS;

export function encode(value: unknown, options: { compress?: boolean } = {}): Buffer {
  const arrays: TypedArray[] = [];
  const offsets: number[] = [];
  let bytes = 0;
  const json = JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    // JSON.stringify hands Buffer-like values through toJSON first; take typed arrays from the holder.
    const raw = key === '' ? v : (this as Record<string, unknown>)[key];
    if (ArrayBuffer.isView(raw) && !(raw instanceof DataView)) {
      const a = raw as TypedArray;
      const name = typedName(a);
      offsets.push(bytes);
      arrays.push(a);
      const ref = { $t: name, o: bytes, n: a.length };
      bytes += Math.ceil(a.byteLength / 8) * 8;
      return ref;
    }
    if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) return { $num: Object.is(v, -0) ? '-0' : String(v) };
    return v;
  });
  const text = Buffer.from(json, 'utf8');
  const start = Math.ceil((HEAD + text.length) / 8) * 8;
  const out = Buffer.alloc(start + bytes);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt8(VERSION, 4);
  out.writeUInt32LE(text.length, 8);
  text.copy(out, HEAD);
  arrays.forEach((a, i) => out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), start + offsets[i]!));
  if (!options.compress) return out;
  out.writeUInt8(1, 5);
  return Buffer.concat([out.subarray(0, HEAD), deflateRawSync(out.subarray(HEAD), { level: 1 })]);
}

/**
 * The value `encode` was given. Arrays are copied once into one fresh buffer (a
 * SharedArrayBuffer with `shared`, so worker threads share rather than copy them) and viewed.
 */
export function decode<T>(buf: Uint8Array, options: { shared?: boolean } = {}): T {
  let b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < HEAD || b.readUInt32LE(0) !== MAGIC) throw new Error('not a lucc-carbon wire buffer (bad magic)');
  if (b.readUInt8(5) & 1) b = Buffer.concat([b.subarray(0, HEAD), inflateRawSync(b.subarray(HEAD))]);
  if (b.readUInt8(4) !== VERSION) throw new Error(`wire format version ${b.readUInt8(4)}, this build reads ${VERSION}: run the same lucc-carbon version on the coordinator and every worker`);
  const length = b.readUInt32LE(8);
  const start = Math.ceil((HEAD + length) / 8) * 8;
  if (start > b.length) throw new Error('truncated wire buffer');
  const body = options.shared ? new SharedArrayBuffer(b.length - start) : new ArrayBuffer(b.length - start);
  new Uint8Array(body).set(b.subarray(start));
  return JSON.parse(b.toString('utf8', HEAD, HEAD + length), (_key, v: unknown) => {
    if (v && typeof v === 'object') {
      const ref = v as { $t?: CtorName; o?: number; n?: number; $num?: string };
      if (ref.$t !== undefined) {
        const Ctor = CTORS[ref.$t];
        if (!Ctor || ref.o! + ref.n! * Ctor.BYTES_PER_ELEMENT > body.byteLength) throw new Error('corrupt wire buffer (array out of range)');
        return new Ctor(body as ArrayBuffer, ref.o, ref.n);
      }
      if (ref.$num !== undefined) return ref.$num === '-0' ? -0 : Number(ref.$num);
    }
    return v;
  }) as T;
}

function typedName(a: ArrayBufferView): CtorName {
  for (const name of Object.keys(CTORS) as CtorName[]) if (a instanceof CTORS[name]) return name;
  throw new Error(`cannot encode a ${a.constructor.name}`);
}
