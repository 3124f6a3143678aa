import { stat } from 'node:fs/promises';
import { fromFile, getDecoder, type GeoTIFF, type GeoTIFFImage, type BaseDecoder } from 'geotiff';
import { messages } from '../pipeline/errors.js';
import { registerDecoders } from '../rasters/decoders.js';
import { userFailure } from './slots.js';

export type CellArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

interface OpenRaster {
  tiff: GeoTIFF;
  image: GeoTIFFImage;
  decoder: BaseDecoder;
  littleEndian: boolean;
  sizeBytes: number;
}

/**
 * Reads whole internal blocks (tiles or strips) of GeoTIFFs, one file handle and one decoder
 * per path per worker. Counts decodes so tests can check each block is inflated once.
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
      r = (async () => {
        const sizeBytes = (await stat(path)).size;
        const tiff = await fromFile(path);
        try {
          const image = await tiff.getImage(0);
          const fd = image.getFileDirectory();
          const compression = Number(fd.getValue('Compression') ?? 1);
          // The parameters geotiff.js's default parameter function would build (it is not exported).
          const params = {
            tileWidth: image.getTileWidth(),
            tileHeight: image.getTileHeight(),
            planarConfiguration: Number(fd.getValue('PlanarConfiguration') ?? 1),
            bitsPerSample: fd.getValue('BitsPerSample') as number[],
            predictor: Number((await fd.loadValue('Predictor')) ?? 1),
          };
          const decoder = await getDecoder(compression, params);
          return { tiff, image, decoder, littleEndian: image.littleEndian as boolean, sizeBytes };
        } catch (err) {
          await tiff.close?.();
          throw err;
        }
      })();
      this.open.set(path, r);
      r.catch(() => this.open.delete(path));
    }
    return r;
  }

  /**
   * Block (bx, by) of the file as cells, `width` cells per row (blocks are padded to full width).
   * A block that cannot be read or decoded is the file's fault (openRaster has checked its
   * header and directory): a "[user]" failure naming the file and the block.
   */
  async readBlock(path: string, bx: number, by: number): Promise<{ cells: CellArray; width: number; rows: number }> {
    try {
      return await this.readBlockUnchecked(path, bx, by);
    } catch (err) {
      const msg = (err as Error)?.message ?? String(err);
      if (msg.startsWith('[user] ')) throw err;
      throw userFailure(messages.truncatedTiff(path, `block ${bx},${by}: ${msg}`));
    }
  }

  private async readBlockUnchecked(path: string, bx: number, by: number): Promise<{ cells: CellArray; width: number; rows: number }> {
    const t0 = performance.now();
    const { image, decoder, littleEndian, sizeBytes } = await this.get(path);
    const width = image.getTileWidth();
    const rows = image.getBlockHeight(by);
    const bits = image.getBitsPerSample(0);
    const format = image.getSampleFormat(0) ?? 1;
    // geotiff.js reads past the end of the file as zeros and fills empty blocks with a nodata
    // the cell type may not hold: check the block's bytes and fill empty blocks here.
    const index = by * Math.ceil(image.getWidth() / width) + bx;
    const fd = image.fileDirectory;
    const offset = Number(await fd.loadValueIndexed(image.isTiled ? 'TileOffsets' : 'StripOffsets', index));
    const byteCount = Number(await fd.loadValueIndexed(image.isTiled ? 'TileByteCounts' : 'StripByteCounts', index));
    if (!Number.isFinite(offset) || !Number.isFinite(byteCount)) throw new Error('the file lists no offset or byte count for it');
    if (byteCount > 0 && offset + byteCount > sizeBytes) {
      throw new Error(`its ${byteCount} bytes at byte ${offset} run past the end of the ${sizeBytes}-byte file`);
    }
    let data: ArrayBufferLike;
    if (byteCount === 0) {
      data = new ArrayBuffer(width * rows * (bits / 8));
      const nodata = image.getGDALNoData();
      const empty = view(data, bits, format);
      if (nodata !== null) {
        empty.fill(nodata);
        if (format !== 3 && empty[0] !== nodata) empty.fill(0); // a nodata the cell type cannot hold
      }
    } else {
      data = (await image.getTileOrStrip(bx, by, 0, decoder)).data;
    }
    this.blocksDecoded++;
    this.decodeMs += performance.now() - t0;
    if (!littleEndian && bits > 8) swapBytes(new Uint8Array(data), bits / 8);
    const cells = view(data, bits, format);
    if (cells.length < width * rows) {
      throw new Error(`it decoded to ${cells.length} cells, expected ${width} x ${rows}`);
    }
    return { cells, width, rows };
  }

  async close(): Promise<void> {
    for (const r of this.open.values()) {
      try { (await r).tiff.close?.(); } catch { /* already failed */ }
    }
    this.open.clear();
  }
}

function view(data: ArrayBufferLike, bits: number, format: number): CellArray {
  if (format === 3) return bits === 64 ? new Float64Array(data) : new Float32Array(data);
  if (format === 2) return bits === 8 ? new Int8Array(data) : bits === 16 ? new Int16Array(data) : new Int32Array(data);
  return bits === 8 ? new Uint8Array(data) : bits === 16 ? new Uint16Array(data) : new Uint32Array(data);
}

function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i + size <= b.length; i += size) {
    for (let a = i, z = i + size - 1; a < z; a++, z--) { const t = b[a]!; b[a] = b[z]!; b[z] = t; }
  }
}
