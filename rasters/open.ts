import { stat } from 'node:fs/promises';
import { fromFile, fromUrl, type GeoTIFFImage } from 'geotiff';
import { UserError, fileError, messages } from '../pipeline/errors.js';
import { crsFromGeoKeys, type Crs } from './crs.js';
import { SUPPORTED_COMPRESSION } from './decoders.js';
import type { Grid } from './grid.js';
import { checkTiffStructure, type TagCounts } from './tiff-structure.js';
import { isUrl, remoteStat } from './remote.js';

export type SampleKind = 'uint' | 'int' | 'float';

/** What the planner needs to know about one land-use GeoTIFF; plain data, safe to send to workers. */
export interface RasterInfo {
  readonly path: string;
  readonly sizeBytes: number;
  readonly grid: Grid;
  readonly crs: Crs;
  readonly blockWidth: number;
  readonly blockHeight: number;
  readonly tiled: boolean;
  readonly bitsPerSample: number;
  readonly sampleKind: SampleKind;
  readonly compression: number;
  readonly nodata: number | null;
  /** Raw GeoKey tags, so output GeoTIFFs reproduce the input CRS exactly. */
  readonly geoKeyTags: { directory: number[]; doubleParams?: number[]; asciiParams?: string };
  /** Problems the run works around (e.g. a nodata value the cell type cannot hold). */
  readonly warnings: string[];
}

/**
 * Largest block (tile or strip) read at once, decoded. A header may declare any size; beyond
 * this the file is refused rather than allocated (GDAL's default block cache is 5 % of RAM).
 */
export const MAX_BLOCK_BYTES = 256 * 2 ** 20;

const SAMPLE_KIND: Record<number, SampleKind> = { 1: 'uint', 2: 'int', 3: 'float' };

export async function openRaster(path: string): Promise<RasterInfo> {
  let sizeBytes: number;
  // An http(s) URL: size from HEAD, everything else by range requests (rasters/remote.ts).
  if (isUrl(path)) sizeBytes = (await remoteStat(path)).sizeBytes;
  else try {
    const s = await stat(path);
    if (s.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    sizeBytes = s.size;
  } catch (err) {
    fileError(path, 'land-use raster', err);
  }
  if (sizeBytes === 0) throw new UserError(messages.notTiff(path, 'the file is empty'));
  let tagCounts: TagCounts;
  try {
    tagCounts = await checkTiffStructure(path, sizeBytes);
  } catch (err) {
    if (err instanceof UserError) throw err;
    fileError(path, 'land-use raster', err);
  }
  let image: GeoTIFFImage;
  let close: () => unknown = () => undefined;
  try {
    const tiff = isUrl(path) ? await fromUrl(path) : await fromFile(path);
    close = () => tiff.close?.();
    image = await tiff.getImage(0);
  } catch (err) {
    await close();
    throw new UserError(classifyOpenError(path, err));
  }
  try {
    return await describe(path, sizeBytes, image, tagCounts);
  } catch (err) {
    // geotiff.js throws plain errors on values it cannot interpret: the file is damaged.
    if (err instanceof UserError) throw err;
    throw new UserError(classifyOpenError(path, err));
  } finally {
    await close();
  }
}

function classifyOpenError(path: string, err: unknown): string {
  const msg = (err as Error)?.message ?? String(err);
  if (/Invalid byte order|Not a TIFF|Invalid magic/i.test(msg)) return messages.notTiff(path, 'no TIFF signature at the start of the file');
  return messages.truncatedTiff(path, msg);
}

async function describe(path: string, sizeBytes: number, image: GeoTIFFImage, tagCounts: TagCounts): Promise<RasterInfo> {
  const fd = image.getFileDirectory();
  const cols = image.getWidth();
  const rows = image.getHeight();
  if (!(cols > 0 && rows > 0)) throw new UserError(messages.emptyRaster(path, cols, rows));
  const samples = image.getSamplesPerPixel();
  const photometric = fd.getValue('PhotometricInterpretation');
  if (samples !== 1 || photometric === 2 || photometric === 6) {
    throw new UserError(messages.notCategorical(path, `${samples} bands${photometric === 2 || photometric === 6 ? ', RGB/YCbCr colour' : ''}; a land-use raster has one band of class codes`));
  }
  const compression = Number(fd.getValue('Compression') ?? 1);
  if (!SUPPORTED_COMPRESSION.has(compression)) throw new UserError(messages.unsupportedCompression(path, compression));
  const bitsPerSample = image.getBitsPerSample(0);
  const sampleKind = SAMPLE_KIND[image.getSampleFormat(0) ?? 1];
  if (!sampleKind || ![8, 16, 32, 64].includes(bitsPerSample) || (sampleKind === 'float' && bitsPerSample < 32)) {
    throw new UserError(messages.notCategorical(path, `${bitsPerSample}-bit ${sampleKind ?? 'unknown'} cells`));
  }
  const { crs, problem } = crsFromGeoKeys(image.getGeoKeys() as Record<string, unknown> | null);
  if (!crs) throw new UserError(`${messages.noCrs(path)} (${problem})`);
  const grid = gridOf(path, image);
  checkBlocks(path, image, tagCounts, bitsPerSample);
  const warnings: string[] = [];
  const nodata = nodataOf(path, image, sampleKind, bitsPerSample, warnings);
  return {
    path,
    sizeBytes,
    grid,
    crs,
    blockWidth: image.getTileWidth(),
    blockHeight: image.getTileHeight(),
    tiled: image.isTiled,
    bitsPerSample,
    sampleKind,
    compression,
    nodata,
    geoKeyTags: {
      directory: Array.from((fd.getValue('GeoKeyDirectory') as ArrayLike<number> | undefined) ?? []),
      doubleParams: fd.hasTag('GeoDoubleParams') ? Array.from(fd.getValue('GeoDoubleParams') as ArrayLike<number>) : undefined,
      asciiParams: fd.hasTag('GeoAsciiParams') ? String(fd.getValue('GeoAsciiParams')).replace(/\0+$/, '') : undefined,
    },
    warnings,
  };
}

/** Blocks small enough to decode one at a time, and one offset and byte count listed per block. */
function checkBlocks(path: string, image: GeoTIFFImage, tagCounts: TagCounts, bitsPerSample: number): void {
  const bw = image.getTileWidth();
  const bh = image.getTileHeight();
  if (!(bw > 0 && bh > 0)) throw new UserError(messages.truncatedTiff(path, `blocks of ${bw} x ${bh} cells`));
  const bytes = bw * bh * (bitsPerSample / 8);
  if (bytes > MAX_BLOCK_BYTES) throw new UserError(messages.hugeBlock(path, bw, bh, bytes));
  const blocks = Math.ceil(image.getWidth() / bw) * Math.ceil(image.getHeight() / bh);
  const [offsets, counts] = image.isTiled ? [324, 325] : [273, 279];
  for (const tag of [offsets, counts]) {
    const listed = tagCounts.get(tag) ?? 0;
    if (listed < blocks) {
      throw new UserError(messages.truncatedTiff(path, `${blocks} ${image.isTiled ? 'tiles' : 'strips'} of ${bw} x ${bh} cells, but TIFF tag ${tag} lists ${listed} ${tag === offsets ? 'offsets' : 'byte counts'}`));
    }
  }
}

/**
 * GDAL_NODATA as the cells' type holds it. A value the type cannot hold (the real CORINE
 * file declares -128 on a byte band) marks no cell: it is dropped with a warning, as GDAL
 * itself never matches it.
 */
function nodataOf(path: string, image: GeoTIFFImage, kind: SampleKind, bits: number, warnings: string[]): number | null {
  const fd = image.getFileDirectory();
  if (!fd.hasTag('GDAL_NODATA')) return null;
  const text = String(fd.getValue('GDAL_NODATA') ?? '').replace(/\0+$/, '').trim();
  const value = text === '' ? Number.NaN : Number(text);
  if (kind === 'float') return value;
  const lo = kind === 'uint' ? 0 : -(2 ** (bits - 1));
  const hi = kind === 'uint' ? 2 ** bits - 1 : 2 ** (bits - 1) - 1;
  if (Number.isInteger(value) && value >= lo && value <= hi) return value;
  warnings.push(messages.nodataOutOfRange(path, JSON.stringify(text), `${bits}-bit ${kind === 'uint' ? 'unsigned' : 'signed'} integer`));
  return null;
}

/**
 * The north-up grid of the image: tie point + pixel scale, or a ModelTransformation without
 * rotation. PixelIsPoint rasters are shifted by half a cell, as GDAL does.
 */
function gridOf(path: string, image: GeoTIFFImage): Grid {
  const fd = image.getFileDirectory();
  const tie = fd.getValue('ModelTiepoint') as ArrayLike<number> | undefined;
  const scale = fd.getValue('ModelPixelScale') as ArrayLike<number> | undefined;
  const transform = fd.getValue('ModelTransformation') as ArrayLike<number> | undefined;
  let originX: number, originY: number, cellWidth: number, cellHeight: number;
  if (tie && tie.length >= 6 && scale && scale.length >= 2) {
    cellWidth = scale[0]!;
    cellHeight = scale[1]!;
    originX = tie[3]! - tie[0]! * cellWidth;
    originY = tie[4]! + tie[1]! * cellHeight;
  } else if (transform && transform.length >= 16) {
    if (transform[1] !== 0 || transform[4] !== 0) throw new UserError(messages.rotatedGeotransform(path));
    cellWidth = transform[0]!;
    cellHeight = -transform[5]!;
    originX = transform[3]!;
    originY = transform[7]!;
  } else {
    throw new UserError(messages.noGeoreference(path));
  }
  if (!(cellWidth > 0) || !(cellHeight > 0) || !Number.isFinite(originX) || !Number.isFinite(originY)) {
    throw new UserError(messages.noGeoreference(path));
  }
  const geoKeys = image.getGeoKeys() as Record<string, unknown> | null;
  if (geoKeys?.GTRasterTypeGeoKey === 2) {
    originX -= cellWidth / 2;
    originY += cellHeight / 2;
  }
  if (!Number.isFinite(cellWidth) || !Number.isFinite(cellHeight)) throw new UserError(messages.noGeoreference(path));
  return { originX, originY, cellWidth, cellHeight, cols: image.getWidth(), rows: image.getHeight() };
}
