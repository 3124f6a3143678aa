import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { fromFile, fromUrl, getDecoder, type BaseDecoder } from 'geotiff';
import { messages } from '../pipeline/errors.js';
import { inflateBlock, registerDecoders } from '../rasters/decoders.js';
import { fetchRange, isUrl, remoteStat } from '../rasters/remote.js';
import { userFailure } from './slots.js';

export type CellArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** What a worker keeps per open file: its block table, cell type and a decoder. */
interface OpenRaster {
  /** -1 for a URL, whose blocks come by range request. */
  fd: number;
  url: string | null;
  sizeBytes: number;
  width: number;
  height: number;
  blockWidth: number;
  blockHeight: number;
  blocksAcross: number;
  tiled: boolean;
  offsets: Float64Array;
  byteCounts: Float64Array;
  compression: number;
  predictor: number;
  bits: number;
  format: number;
  littleEndian: boolean;
  /** geotiff.js's decoder, for codecs other than plain DEFLATE and uncompressed. */
  decoder: BaseDecoder;
}

/**
 * Reads whole internal blocks (tiles or strips) of GeoTIFFs. geotiff.js parses each file's
 * directory once (block offsets and byte counts included); blocks are then read with a
 * synchronous positional read, so a worker never waits on an asynchronous I/O round trip
 * per block (the file is in the page cache after the first pass), and plain DEFLATE goes
 * straight to node:zlib. Other codecs and predictors go through geotiff.js's decoders.
 * Counts decodes so tests can check each block is inflated once.
 */
export class TileSource {
  private readonly open = new Map<string, Promise<OpenRaster>>();
  blocksDecoded = 0;
  /** Milliseconds spent reading and decoding blocks. */
  decodeMs = 0;

  constructor() {
    registerDecoders();
  }

  private get(path: string): Promise<OpenRaster> {
    let r = this.open.get(path);
    if (!r) {
      r = openRaster(path);
      this.open.set(path, r);
      r.catch(() => this.open.delete(path));
    }
    return r;
  }

  /**
   * Block (bx, by) of the file as cells, `width` cells per row (blocks are padded to full width).
   * A block that cannot be read or decoded is the file's fault (openRaster has checked its
   * header and directory): a "[user]" failure naming the file and the block. `nodata` is the
   * file's, as openRaster read it: the value of empty (sparse) blocks.
   */
  async readBlock(path: string, bx: number, by: number, nodata: number | null): Promise<{ cells: CellArray; width: number; rows: number }> {
    const t0 = performance.now();
    try {
      const block = await readBlock(await this.get(path), bx, by, nodata);
      this.blocksDecoded++;
      this.decodeMs += performance.now() - t0;
      return block;
    } catch (err) {
      const msg = (err as Error)?.message ?? String(err);
      if (msg.startsWith('[user] ')) throw err;
      throw userFailure(messages.truncatedTiff(path, `block ${bx},${by}: ${msg}`));
    }
  }

  async close(): Promise<void> {
    for (const r of this.open.values()) {
      try { const { fd } = await r; if (fd >= 0) closeSync(fd); } catch { /* already failed or closed */ }
    }
    this.open.clear();
  }
}

async function openRaster(path: string): Promise<OpenRaster> {
  const url = isUrl(path) ? path : null;
  const tiff = url ? await fromUrl(url) : await fromFile(path);
  try {
    const image = await tiff.getImage(0);
    const fd = image.getFileDirectory();
    const tiled = image.isTiled;
    const compression = Number(fd.getValue('Compression') ?? 1);
    const predictor = Number((await fd.loadValue('Predictor')) ?? 1);
    const blockWidth = image.getTileWidth();
    const blockHeight = image.getTileHeight();
    const decoder = await getDecoder(compression, {
      // The parameters geotiff.js's default parameter function would build (it is not exported).
      tileWidth: blockWidth,
      tileHeight: blockHeight,
      planarConfiguration: Number(fd.getValue('PlanarConfiguration') ?? 1),
      bitsPerSample: fd.getValue('BitsPerSample') as number[],
      predictor,
    });
    const numbers = async (tag: string): Promise<Float64Array> =>
      Float64Array.from((await fd.loadValue(tag as never)) as ArrayLike<number | bigint>, Number);
    const handle = url ? -1 : openSync(path, 'r');
    return {
      fd: handle,
      url,
      sizeBytes: url ? (await remoteStat(url)).sizeBytes : fstatSync(handle).size,
      width: image.getWidth(),
      height: image.getHeight(),
      blockWidth,
      blockHeight,
      blocksAcross: Math.ceil(image.getWidth() / blockWidth),
      tiled,
      offsets: await numbers(tiled ? 'TileOffsets' : 'StripOffsets'),
      byteCounts: await numbers(tiled ? 'TileByteCounts' : 'StripByteCounts'),
      compression,
      predictor,
      bits: image.getBitsPerSample(0),
      format: image.getSampleFormat(0) ?? 1,
      littleEndian: image.littleEndian as boolean,
      decoder,
    };
  } finally {
    await tiff.close?.();
  }
}

async function readBlock(r: OpenRaster, bx: number, by: number, nodata: number | null): Promise<{ cells: CellArray; width: number; rows: number }> {
  const width = r.blockWidth;
  // Tiles are always full size (padded); the last strip may be shorter.
  const rows = r.tiled ? r.blockHeight : Math.min(r.blockHeight, r.height - by * r.blockHeight);
  const cellBytes = r.bits / 8;
  const index = by * r.blocksAcross + bx;
  const offset = r.offsets[index];
  const byteCount = r.byteCounts[index];
  if (offset === undefined || byteCount === undefined || !Number.isFinite(offset) || !Number.isFinite(byteCount)) {
    throw new Error('the file lists no offset or byte count for it');
  }
  if (byteCount > 0 && offset + byteCount > r.sizeBytes) {
    throw new Error(`its ${byteCount} bytes at byte ${offset} run past the end of the ${r.sizeBytes}-byte file`);
  }
  let data: ArrayBufferLike;
  if (byteCount === 0) {
    // An empty block (sparse files): nodata, or 0 when the cell type cannot hold the nodata.
    data = new ArrayBuffer(width * rows * cellBytes);
    if (nodata !== null) {
      const empty = view(data, r.bits, r.format);
      empty.fill(nodata);
      if (r.format !== 3 && empty[0] !== nodata) empty.fill(0);
    }
  } else {
    let raw: Buffer;
    if (r.url) {
      raw = await fetchRange(r.url, offset, byteCount);
    } else {
      raw = Buffer.allocUnsafeSlow(byteCount);
      if (readSync(r.fd, raw, 0, byteCount, offset) !== byteCount) throw new Error(`short read of ${byteCount} bytes at byte ${offset}`);
    }
    if (r.compression === 1) {
      data = raw.buffer;
    } else if ((r.compression === 8 || r.compression === 32946) && r.predictor === 1) {
      data = inflateBlock(raw, r.blockWidth * r.blockHeight * cellBytes);
    } else {
      data = await r.decoder.decode(raw.buffer);
    }
  }
  if (!r.littleEndian && r.bits > 8) swapBytes(new Uint8Array(data), cellBytes);
  const cells = view(data, r.bits, r.format);
  if (cells.length < width * rows) throw new Error(`it decoded to ${cells.length} cells, expected ${width} x ${rows}`);
  return { cells, width, rows };
}

function view(data: ArrayBufferLike, bits: number, format: number): CellArray {
  const n = Math.floor(data.byteLength / (bits / 8));
  if (format === 3) return bits === 64 ? new Float64Array(data, 0, n) : new Float32Array(data, 0, n);
  if (format === 2) return bits === 8 ? new Int8Array(data, 0, n) : bits === 16 ? new Int16Array(data, 0, n) : new Int32Array(data, 0, n);
  return bits === 8 ? new Uint8Array(data, 0, n) : bits === 16 ? new Uint16Array(data, 0, n) : new Uint32Array(data, 0, n);
}

function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i + size <= b.length; i += size) {
    for (let a = i, z = i + size - 1; a < z; a++, z--) { const t = b[a]!; b[a] = b[z]!; b[z] = t; }
  }
}
