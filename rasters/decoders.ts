import { inflateSync } from 'node:zlib';
import { addDecoder, BaseDecoder } from 'geotiff';

/**
 * inflateSync allocates its output chunk up front: a chunk the size of the block means one
 * buffer and no concatenation (20 % faster on 64 kB tiles, measured), but never more than this,
 * since a hostile header may declare 2 GB blocks.
 */
const MAX_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * DEFLATE through Node's own zlib, several times faster than the pako that geotiff.js ships.
 * Registered through geotiff.js's public registry, so the predictor is still applied once by
 * BaseDecoder after any codec.
 */
class ZlibDeflateDecoder extends BaseDecoder {
  override decodeBlock(buffer: ArrayBufferLike): ArrayBufferLike {
    // A block never inflates to more than its declared size: a corrupt or hostile stream stops there.
    const { tileWidth, tileHeight, bitsPerSample } = this.parameters;
    const bits = typeof bitsPerSample === 'number' ? bitsPerSample : Array.from(bitsPerSample).reduce((s, b) => s + b, 0);
    return inflateBlock(new Uint8Array(buffer), Math.ceil((tileWidth * tileHeight * bits) / 8));
  }
}

/**
 * One DEFLATE block, never inflated past `blockBytes` (its declared size: a corrupt or hostile
 * stream stops there), as exactly its bytes.
 */
export function inflateBlock(raw: Uint8Array, blockBytes: number): ArrayBufferLike {
  const limit = Math.max(1, blockBytes);
  const out = inflateSync(raw, { maxOutputLength: limit, chunkSize: Math.min(Math.max(64, limit), MAX_CHUNK_BYTES) });
  // inflateSync may hand back a view into a larger pooled buffer.
  if (out.byteOffset === 0 && out.byteLength === out.buffer.byteLength) return out.buffer;
  return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength);
}

let registered = false;

/** Compression codes the pipeline reads (the rest get a clear error before any worker starts). */
export const SUPPORTED_COMPRESSION = new Map<number, string>([
  [1, 'none'],
  [5, 'LZW'],
  [8, 'DEFLATE'],
  [32946, 'DEFLATE'],
  [32773, 'PackBits'],
  [50000, 'ZSTD'],
]);

export function registerDecoders(): void {
  if (registered) return;
  registered = true;
  addDecoder([8, 32946], () => Promise.resolve(ZlibDeflateDecoder as unknown as typeof BaseDecoder), undefined, false);
}
