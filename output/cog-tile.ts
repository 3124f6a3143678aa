// One GeoTIFF tile's bytes: TIFF predictor (2 = horizontal differencing, 3 = floating point, Adobe
// TIFF Technical Note 3) and DEFLATE (zlib stream, TIFF compression 8). Runs in worker threads for
// full-resolution tiles and on the main thread for overviews; geotiff.js and GDAL undo it on read.
import { deflate, deflateSync, inflateSync } from 'node:zlib';
import { promisify } from 'node:util';

export type SampleType = 'uint8' | 'uint16' | 'float32';
export type TileArray = Uint8Array | Uint16Array | Float32Array;
/** TIFF tag 317: 1 none, 2 horizontal differencing (integers), 3 floating point. */
export type Predictor = 1 | 2 | 3;

const deflateAsync = promisify(deflate);

export const BYTES_PER_SAMPLE: Record<SampleType, number> = { uint8: 1, uint16: 2, float32: 4 };

/** Floating point predictor for floats, none for class codes (runs of one code deflate well as they are). */
export function defaultPredictor(type: SampleType): Predictor {
  return type === 'float32' ? 3 : 1;
}

export function sampleTypeOf(data: TileArray): SampleType {
  return data instanceof Uint8Array ? 'uint8' : data instanceof Uint16Array ? 'uint16' : 'float32';
}

export function newTileArray(type: SampleType, n: number): TileArray {
  return type === 'uint8' ? new Uint8Array(n) : type === 'uint16' ? new Uint16Array(n) : new Float32Array(n);
}

/**
 * The tile's little-endian bytes with the predictor applied, row by row (`width` samples a row).
 * Never modifies `data`; writes into `out` when given (the worker reuses one buffer per tile).
 */
export function applyPredictor(data: TileArray, width: number, predictor: Predictor, out?: Uint8Array): Uint8Array {
  const src = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const dst = out && out.length >= src.length ? out.subarray(0, src.length) : new Uint8Array(src.length);
  if (predictor === 1) {
    dst.set(src);
    return dst;
  }
  const bps = data.BYTES_PER_ELEMENT;
  const rowBytes = width * bps;
  const rows = src.length / rowBytes;
  if (predictor === 3) {
    if (bps !== 4) throw new Error(`applyPredictor: the floating-point predictor needs 32-bit floats, got ${bps * 8}-bit samples.`);
    // one 32-bit read per sample (little-endian host, checked by the writer) instead of four byte reads
    const words = new Uint32Array(data.buffer, data.byteOffset, data.length);
    for (let r = 0; r < rows; r++) {
      const base = r * rowBytes;
      const w0 = r * width;
      // byte planes, most significant first: sign/exponent bytes of neighbours line up
      for (let i = 0; i < width; i++) {
        const v = words[w0 + i]!;
        dst[base + i] = v >>> 24;
        dst[base + width + i] = v >>> 16;
        dst[base + 2 * width + i] = v >>> 8;
        dst[base + 3 * width + i] = v;
      }
      for (let k = base + rowBytes - 1; k > base; k--) dst[k] = dst[k]! - dst[k - 1]!; // Uint8Array wraps mod 256
    }
    return dst;
  }
  dst.set(src);
  if (bps === 1) {
    for (let r = 0; r < rows; r++) for (let k = (r + 1) * width - 1; k > r * width; k--) dst[k] = dst[k]! - dst[k - 1]!;
  } else if (bps === 2) {
    const d = new Uint16Array(dst.buffer, dst.byteOffset, dst.length / 2);
    for (let r = 0; r < rows; r++) for (let k = (r + 1) * width - 1; k > r * width; k--) d[k] = d[k]! - d[k - 1]!;
  } else {
    throw new Error('applyPredictor: horizontal differencing is for integer samples; use predictor 3 for floats.');
  }
  return dst;
}

/** Inverse of applyPredictor, in place on `bytes`; returns the samples. */
export function undoPredictor(bytes: Uint8Array, width: number, type: SampleType, predictor: Predictor): TileArray {
  const bps = BYTES_PER_SAMPLE[type];
  const rowBytes = width * bps;
  const rows = bytes.length / rowBytes;
  let plain = bytes;
  if (predictor === 3) {
    plain = new Uint8Array(bytes.length);
    for (let r = 0; r < rows; r++) {
      const base = r * rowBytes;
      for (let k = base + 1; k < base + rowBytes; k++) bytes[k] = bytes[k]! + bytes[k - 1]!;
      for (let i = 0; i < width; i++) {
        const d = base + 4 * i;
        plain[d + 3] = bytes[base + i]!;
        plain[d + 2] = bytes[base + width + i]!;
        plain[d + 1] = bytes[base + 2 * width + i]!;
        plain[d] = bytes[base + 3 * width + i]!;
      }
    }
  } else if (predictor === 2) {
    if (bps === 1) {
      for (let r = 0; r < rows; r++) for (let k = r * width + 1; k < (r + 1) * width; k++) bytes[k] = bytes[k]! + bytes[k - 1]!;
    } else {
      const d = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
      for (let r = 0; r < rows; r++) for (let k = r * width + 1; k < (r + 1) * width; k++) d[k] = d[k]! + d[k - 1]!;
    }
  }
  const n = plain.length / bps;
  const aligned = plain.byteOffset % bps === 0 ? plain : plain.slice();
  return type === 'uint8' ? aligned : type === 'uint16' ? new Uint16Array(aligned.buffer, aligned.byteOffset, n) : new Float32Array(aligned.buffer, aligned.byteOffset, n);
}

// One scratch buffer per thread for the synchronous path: deflateSync copies what it needs.
let scratch = new Uint8Array(0);

/** Predictor + DEFLATE of one tile (`width` samples a row), synchronously. */
export function encodeTile(data: TileArray, width: number, predictor: Predictor, level = 6): Uint8Array {
  if (scratch.length < data.byteLength) scratch = new Uint8Array(data.byteLength);
  return deflateSync(applyPredictor(data, width, predictor, scratch), { level });
}

/** The same off the JS thread (zlib's thread pool), so the main thread keeps merging results. */
export function encodeTileAsync(data: TileArray, width: number, predictor: Predictor, level = 6): Promise<Uint8Array> {
  return deflateAsync(applyPredictor(data, width, predictor), { level });
}

/** Inflate + undo the predictor: the tile's samples. */
export function decodeTile(bytes: Uint8Array, width: number, type: SampleType, predictor: Predictor): TileArray {
  return undoPredictor(new Uint8Array(inflateSync(bytes)), width, type, predictor);
}
