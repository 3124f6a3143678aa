// Streaming writer of Cloud-Optimized GeoTIFFs: single band, tiled, DEFLATE with a predictor,
// internal overviews, GDAL_NODATA and GeoKeys; BigTIFF when the file would pass 4 GB.
//
// One pass, bounded memory: full-resolution tiles arrive in row-major order and go straight to a
// spool file (memory holds their offsets); each is also reduced 2x2 into the overview pyramid,
// whose tiles are compressed off the JS thread and go to a second spool. finish() writes the COG
// layout GDAL's COG driver uses and its validator checks: header, every IFD (full resolution
// first, then overviews by decreasing size), tile data of the smallest overview first and full
// resolution last, tiles of each level in row-major order. The file is assembled under a
// temporary name and renamed, so an interrupted run never leaves a half-written GeoTIFF behind.
import { createHash } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import {
  BYTES_PER_SAMPLE, decodeTile, defaultPredictor, encodeTile, encodeTileAsync, newTileArray, sampleTypeOf,
  type Predictor, type SampleType, type TileArray,
} from './cog-tile.js';
import { ASCII, BIG, CLASSIC, DOUBLE, LONG, SHORT, header, ifdSize, serializeIfd, type Tag, type TiffFormat } from './cog-layout.js';
import { OverviewPyramid, overviewShapes, reduceTile, type LevelShape, type Reduced, type Resampling } from './overviews.js';

export type { SampleType, Predictor } from './cog-tile.js';
export type { Reduced, Resampling } from './overviews.js';

/** Raw values of TIFF tags 34735 (GeoKeyDirectory), 34736 (GeoDoubleParams), 34737 (GeoAsciiParams). */
export interface GeoKeyTags { directory: number[]; doubleParams?: number[]; asciiParams?: string }
export interface GeoTiffSpec {
  width: number; height: number; sampleType: SampleType;
  /** tile width and height in pixels, a multiple of 16 */
  tileSize: number;
  /** north-up grid: originX/originY = top-left corner, cellHeight > 0 (pixel height) */
  originX: number; originY: number; cellWidth: number; cellHeight: number;
  /** written as GDAL_NODATA (tag 42113, ASCII) */
  nodata?: number;
  geoKeys: GeoKeyTags;
  /** TIFF predictor; default 3 (floating point) for float32, 1 (none) for integers. */
  predictor?: Predictor;
  /** Overview resampling; default average for float32 (ignoring nodata), nearest for integers (class maps). */
  resampling?: Resampling;
  /** zlib level of the tiles this writer compresses itself (overviews, writeTile); default 6. */
  deflateLevel?: number;
  /** 'auto' (default): BigTIFF only when the file would pass 4 GB; 'always' for testing readers. */
  bigTiff?: 'auto' | 'always';
}

const MAX_CLASSIC_TIFF_BYTES = 2 ** 32 - 1;
/** Overview tiles being deflated at once (zlib's thread pool has 4 threads by default). */
const MAX_ENCODING = 4;
const COPY_CHUNK_BYTES = 8 * 1024 * 1024;

if (endianness() !== 'LE') throw new Error('GeoTiffWriter writes little-endian TIFFs and needs a little-endian host.');

/**
 * Predictor + DEFLATE of one square tile, as GeoTiffWriter.writeCompressedTile expects it: the
 * predictor defaults to the one GeoTiffWriter declares for the sample type (spec.predictor unset).
 */
export function compressTile(data: TileArray, level = 6, predictor: Predictor = defaultPredictor(sampleTypeOf(data))): Uint8Array {
  const width = Math.round(Math.sqrt(data.length));
  if (width * width !== data.length) throw new Error(`compressTile: a tile is square; ${data.length} samples is not a square number.`);
  return encodeTile(data, width, predictor, level);
}

interface LevelTiles { offsets: Float64Array; byteCounts: Uint32Array }

export class GeoTiffWriter {
  private readonly shapes: LevelShape[];
  private readonly levels: LevelTiles[];
  private readonly pyramid: OverviewPyramid | null;
  private readonly predictor: Predictor;
  private readonly resampling: Resampling;
  private readonly level: number;
  private nextTile = 0;
  private tilesPos = 0;
  private ovrPos = 0;
  private closed = false;
  private readonly encoding = new Set<Promise<void>>();
  private failure: unknown = null;
  private emptyBytes: Uint8Array | null = null;
  /** SHA-256 (hex) of the finished file; null until finish(). */
  sha256: string | null = null;

  private constructor(
    private readonly path: string,
    private readonly tmpPath: string,
    private readonly spec: GeoTiffSpec,
    private readonly tilesFile: FileHandle,
    private readonly ovrFile: FileHandle,
  ) {
    this.predictor = spec.predictor ?? defaultPredictor(spec.sampleType);
    this.resampling = spec.resampling ?? (spec.sampleType === 'float32' ? 'average' : 'nearest');
    this.level = spec.deflateLevel ?? 6;
    this.shapes = overviewShapes(spec.width, spec.height, spec.tileSize);
    this.levels = this.shapes.map((s) => ({ offsets: new Float64Array(s.tilesAcross * s.tilesDown), byteCounts: new Uint32Array(s.tilesAcross * s.tilesDown) }));
    this.pyramid = this.shapes.length > 1
      ? new OverviewPyramid(spec.width, spec.height, spec.tileSize, spec.sampleType, spec.nodata, this.resampling, (level, index, values) => this.encodeOverview(level, index, values))
      : null;
  }

  static async create(path: string, spec: GeoTiffSpec): Promise<GeoTiffWriter> {
    const { width, height, tileSize, cellWidth, cellHeight } = spec;
    if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0))
      throw new Error(`GeoTiffWriter: width and height must be positive integers, got ${width} x ${height}.`);
    if (!(Number.isInteger(tileSize) && tileSize > 0 && tileSize % 16 === 0))
      throw new Error(`GeoTiffWriter: tileSize must be a positive multiple of 16 (TIFF rule), got ${tileSize}.`);
    if (!(cellWidth > 0 && cellHeight > 0))
      throw new Error(`GeoTiffWriter: cellWidth and cellHeight must be > 0 (north-up grid), got ${cellWidth}, ${cellHeight}.`);
    if (!(spec.sampleType in BYTES_PER_SAMPLE)) throw new Error(`GeoTiffWriter: unknown sampleType '${spec.sampleType}'.`);
    if (spec.predictor === 3 && spec.sampleType !== 'float32') throw new Error('GeoTiffWriter: predictor 3 (floating point) needs sampleType float32; use 2 for integers.');
    if (spec.predictor === 2 && spec.sampleType === 'float32') throw new Error('GeoTiffWriter: predictor 2 is for integers; use 3 for float32.');
    const tmpPath = `${path}.tmp-${process.pid}-${Date.now().toString(36)}`;
    const tilesFile = await open(`${tmpPath}.tiles`, 'w+');
    const ovrFile = await open(`${tmpPath}.ovr`, 'w+').catch(async (err: unknown) => {
      await tilesFile.close();
      await unlink(`${tmpPath}.tiles`).catch(() => undefined);
      throw err;
    });
    return new GeoTiffWriter(path, tmpPath, spec, tilesFile, ovrFile);
  }

  get tilesAcross(): number { return this.shapes[0]!.tilesAcross; }
  get tilesDown(): number { return this.shapes[0]!.tilesDown; }
  /** Tiles written so far; the next tile to write has this index. */
  get tilesWritten(): number { return this.nextTile; }
  /** Internal overview levels (x2, x4, ...) the file will hold. */
  get overviewCount(): number { return this.shapes.length - 1; }

  /** Tiles in row-major order (index = tileRow * tilesAcross + tileCol); data is a full tileSize² array, edge tiles padded. */
  async writeTile(index: number, data: TileArray): Promise<void> {
    const { sampleType, tileSize } = this.spec;
    const expectedType = sampleType === 'uint8' ? Uint8Array : sampleType === 'uint16' ? Uint16Array : Float32Array;
    if (!(data instanceof expectedType))
      throw new Error(`GeoTiffWriter.writeTile: expected a ${expectedType.name} for sampleType '${sampleType}', got ${data.constructor.name}.`);
    if (data.length !== tileSize * tileSize)
      throw new Error(`GeoTiffWriter.writeTile: tile ${index} has ${data.length} samples, expected ${tileSize * tileSize} (pad edge tiles).`);
    this.checkIndex(index);
    await this.append(index, encodeTile(data, tileSize, this.predictor, this.level), this.pyramid ? this.reduce(index, data) : null);
  }

  /**
   * Append a tile already compressed with this file's predictor (compressTile, or a worker).
   * `reduced` is its 2x2 reduction (reduceTile) when the caller has it; without it the tile is
   * decoded again here to build the overviews.
   */
  async writeCompressedTile(index: number, bytes: Uint8Array, reduced?: Reduced | null): Promise<void> {
    this.checkIndex(index);
    let r: Reduced | null = null;
    if (this.pyramid) r = reduced ?? this.reduce(index, decodeTile(bytes, this.spec.tileSize, this.spec.sampleType, this.predictor));
    await this.append(index, bytes, r);
  }

  /** Fill tiles up to (not including) `index` with nodata (0 without nodata): the gaps no zone touches. */
  async writeEmptyTiles(index: number): Promise<void> {
    if (index > this.levels[0]!.offsets.length) throw new Error(`GeoTiffWriter.writeEmptyTiles: ${index} is past the last tile (${this.levels[0]!.offsets.length}).`);
    for (let i = this.nextTile; i < index; i++) {
      this.checkIndex(i);
      const reduced = this.pyramid && this.spec.nodata === undefined ? this.reduce(i, newTileArray(this.spec.sampleType, this.spec.tileSize ** 2)) : { values: null, weights: null };
      await this.append(i, this.emptyTile(), reduced);
    }
  }

  async finish(): Promise<void> {
    if (this.closed) throw new Error('GeoTiffWriter: file already finished or aborted.');
    const tileCount = this.levels[0]!.offsets.length;
    if (this.nextTile !== tileCount) throw new Error(`GeoTiffWriter.finish: ${this.nextTile} of ${tileCount} tiles written.`);
    await Promise.all(this.encoding);
    if (this.failure) throw this.failure;
    this.closed = true;
    const out = await open(this.tmpPath, 'w');
    try {
      await this.assemble(out);
    } finally {
      await out.close();
      await this.tilesFile.close();
      await this.ovrFile.close();
      await unlink(`${this.tmpPath}.tiles`).catch(() => undefined);
      await unlink(`${this.tmpPath}.ovr`).catch(() => undefined);
    }
    await rename(this.tmpPath, this.path);
  }

  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await Promise.allSettled(this.encoding);
      await this.tilesFile.close().catch(() => undefined);
      await this.ovrFile.close().catch(() => undefined);
    }
    for (const p of [this.tmpPath, `${this.tmpPath}.tiles`, `${this.tmpPath}.ovr`]) await unlink(p).catch(() => undefined);
  }

  private checkIndex(index: number): void {
    if (this.closed) throw new Error('GeoTiffWriter: file already finished or aborted.');
    if (this.failure) throw this.failure;
    if (index !== this.nextTile)
      throw new Error(`GeoTiffWriter: tiles must be written in row-major order; got tile ${index}, expected ${this.nextTile}.`);
    if (index >= this.levels[0]!.offsets.length) throw new Error(`GeoTiffWriter: tile ${index} is past the last tile (${this.levels[0]!.offsets.length - 1}).`);
  }

  private reduce(index: number, data: ArrayLike<number>): Reduced {
    const { tileSize: T, width, height } = this.spec;
    const row = Math.floor(index / this.tilesAcross), col = index % this.tilesAcross;
    return reduceTile(data, null, T, Math.min(T, width - col * T), Math.min(T, height - row * T), this.spec.nodata, this.resampling);
  }

  private emptyTile(): Uint8Array {
    this.emptyBytes ??= encodeTile(newTileArray(this.spec.sampleType, this.spec.tileSize ** 2).fill(this.spec.nodata ?? 0), this.spec.tileSize, this.predictor, 9);
    return this.emptyBytes;
  }

  private async append(index: number, bytes: Uint8Array, reduced: Reduced | null): Promise<void> {
    const full = this.levels[0]!;
    full.offsets[index] = this.tilesPos;
    full.byteCounts[index] = bytes.byteLength;
    this.nextTile++;
    const at = this.tilesPos;
    // keep every tile word-aligned, as TIFF 6.0 recommends
    this.tilesPos += bytes.byteLength + (bytes.byteLength & 1);
    await this.tilesFile.write(bytes, 0, bytes.byteLength, at);
    if (reduced && this.pyramid) this.pyramid.add(0, index, reduced);
    while (this.encoding.size > MAX_ENCODING) await Promise.race(this.encoding);
    if (this.failure) throw this.failure;
  }

  /** Called by the pyramid when an overview tile is complete: deflate it off the JS thread, spool it. */
  private encodeOverview(level: number, index: number, values: TileArray | null): void {
    const job = (async () => {
      const bytes = values ? await encodeTileAsync(values, this.spec.tileSize, this.predictor, this.level) : this.emptyTile();
      const at = this.ovrPos;
      this.ovrPos += bytes.byteLength + (bytes.byteLength & 1);
      this.levels[level]!.offsets[index] = at;
      this.levels[level]!.byteCounts[index] = bytes.byteLength;
      await this.ovrFile.write(bytes, 0, bytes.byteLength, at);
    })();
    const tracked: Promise<void> = job.catch((err: unknown) => { this.failure ??= err; }).finally(() => { this.encoding.delete(tracked); });
    this.encoding.add(tracked);
  }

  private tags(level: number, tileOffsets: ArrayLike<number>, f: TiffFormat): Tag[] {
    const s = this.spec;
    const shape = this.shapes[level]!;
    const t: Tag[] = [
      [256, LONG, [shape.width]],
      [257, LONG, [shape.height]],
      [258, SHORT, [BYTES_PER_SAMPLE[s.sampleType] * 8]],
      [259, SHORT, [8]], // Compression: Adobe DEFLATE
      [262, SHORT, [1]], // Photometric: min-is-black
      [277, SHORT, [1]], // SamplesPerPixel
      [284, SHORT, [1]], // PlanarConfiguration: chunky
      [322, LONG, [s.tileSize]],
      [323, LONG, [s.tileSize]],
      [324, f.offsetType, tileOffsets],
      [325, f.big ? f.offsetType : LONG, this.levels[level]!.byteCounts],
      [339, SHORT, [s.sampleType === 'float32' ? 3 : 1]],
    ];
    if (level > 0) t.push([254, LONG, [1]]); // NewSubfileType: reduced-resolution image
    if (this.predictor !== 1) t.push([317, SHORT, [this.predictor]]);
    if (s.nodata !== undefined) t.push([42113, ASCII, Number.isNaN(s.nodata) ? 'nan' : String(s.nodata)]);
    if (level === 0) {
      t.push([33550, DOUBLE, [s.cellWidth, s.cellHeight, 0]]); // ModelPixelScale
      t.push([33922, DOUBLE, [0, 0, 0, s.originX, s.originY, 0]]); // ModelTiepoint: pixel (0,0) -> top-left corner
      t.push([34735, SHORT, s.geoKeys.directory]);
      if (s.geoKeys.doubleParams?.length) t.push([34736, DOUBLE, s.geoKeys.doubleParams]);
      if (s.geoKeys.asciiParams) t.push([34737, ASCII, s.geoKeys.asciiParams]);
    }
    return t;
  }

  /** Header, IFDs, overview tiles (smallest level first), then the full-resolution spool. */
  private async assemble(out: FileHandle): Promise<void> {
    const levelCount = this.shapes.length;
    const placeholder = this.levels.map((l) => l.offsets);
    const dataBytes = this.tilesPos + this.ovrPos;
    const ifdBytes = (f: TiffFormat) => this.shapes.map((_, k) => ifdSize(this.tags(k, placeholder[k]!, f), f));
    const classicTotal = CLASSIC.headerBytes + ifdBytes(CLASSIC).reduce((a, b) => a + b, 0) + dataBytes;
    const f = this.spec.bigTiff === 'always' || classicTotal > MAX_CLASSIC_TIFF_BYTES ? BIG : CLASSIC;
    const sizes = ifdBytes(f);
    const ifdAt: number[] = [];
    let pos = f.headerBytes;
    for (const size of sizes) { ifdAt.push(pos); pos += size; }
    // Overview tiles, smallest level first, each level in row-major order; then full resolution.
    const finalOffsets = this.levels.map((l) => new Float64Array(l.offsets.length));
    const copyOrder: { level: number; index: number }[] = [];
    for (let level = levelCount - 1; level >= 1; level--) {
      const { offsets, byteCounts } = this.levels[level]!;
      for (let i = 0; i < offsets.length; i++) {
        finalOffsets[level]![i] = pos;
        pos += byteCounts[i]! + (byteCounts[i]! & 1);
        copyOrder.push({ level, index: i });
      }
    }
    const fullStart = pos;
    const full = this.levels[0]!;
    for (let i = 0; i < full.offsets.length; i++) finalOffsets[0]![i] = fullStart + full.offsets[i]!;

    const head = [header(f, ifdAt[0]!)];
    for (let k = 0; k < levelCount; k++) head.push(serializeIfd(this.tags(k, finalOffsets[k]!, f), ifdAt[k]!, k + 1 < levelCount ? ifdAt[k + 1]! : 0, f));
    const headBytes = Buffer.concat(head);
    // The file is written front to back, so its SHA-256 comes with the writing.
    const hash = createHash('sha256').update(headBytes);
    await out.write(headBytes, 0, headBytes.length, 0);

    let buf = Buffer.alloc(COPY_CHUNK_BYTES);
    let used = 0;
    let writeAt = headBytes.length;
    const flush = async () => {
      hash.update(buf.subarray(0, used));
      await out.write(buf, 0, used, writeAt);
      writeAt += used;
      used = 0;
    };
    for (const { level, index } of copyOrder) {
      const n = this.levels[level]!.byteCounts[index]!;
      const padded = n + (n & 1);
      if (used + padded > buf.length) await flush();
      if (padded > buf.length) buf = Buffer.alloc(padded);
      buf.fill(0, used, used + padded);
      await this.ovrFile.read(buf, used, n, this.levels[level]!.offsets[index]!);
      used += padded;
    }
    await flush();
    if (writeAt !== fullStart) throw new Error(`GeoTiffWriter: overview data ends at ${writeAt}, expected ${fullStart}.`);
    for (let from = 0; from < this.tilesPos; from += buf.length) {
      const { bytesRead } = await this.tilesFile.read(buf, 0, Math.min(buf.length, this.tilesPos - from), from);
      hash.update(buf.subarray(0, bytesRead));
      await out.write(buf, 0, bytesRead, fullStart + from);
    }
    this.sha256 = hash.digest('hex');
  }
}

// GeoKey ids and codes (GeoTIFF 1.0 spec)
const GT_MODEL_TYPE = 1024, GT_RASTER_TYPE = 1025, GT_CITATION = 1026;
const GEOGRAPHIC_TYPE = 2048, GEOG_CITATION = 2049, GEOG_DATUM = 2050, GEOG_ANGULAR_UNITS = 2054;
const GEOG_ELLIPSOID = 2056, GEOG_SEMI_MAJOR = 2057, GEOG_INV_FLATTENING = 2059;
const PROJECTED_CS_TYPE = 3072, PROJECTION = 3074, PROJ_COORD_TRANS = 3075, PROJ_LINEAR_UNITS = 3076;
const PROJ_STD_PARALLEL_1 = 3078, PROJ_STD_PARALLEL_2 = 3079, PROJ_NAT_ORIGIN_LONG = 3080, PROJ_NAT_ORIGIN_LAT = 3081;
const PROJ_FALSE_EASTING = 3082, PROJ_FALSE_NORTHING = 3083;
const MODEL_PROJECTED = 1, MODEL_GEOGRAPHIC = 2, RASTER_PIXEL_IS_AREA = 1, USER_DEFINED = 32767;

type GeoKey = [id: number, value: number | string];

/** Build the three GeoKey tags from a list of keys (numbers <= 65535 inline, other numbers as doubles, strings as ASCII). */
function buildGeoKeys(keys: GeoKey[], doubleKeys: Set<number>): GeoKeyTags {
  const sorted = [...keys].sort((a, b) => a[0] - b[0]);
  const directory = [1, 1, 0, sorted.length];
  const doubleParams: number[] = [];
  let asciiParams = '';
  for (const [id, value] of sorted) {
    if (typeof value === 'string') {
      directory.push(id, 34737, value.length + 1, asciiParams.length);
      asciiParams += `${value}|`;
    } else if (doubleKeys.has(id)) {
      directory.push(id, 34736, 1, doubleParams.length);
      doubleParams.push(value);
    } else directory.push(id, 0, 1, value);
  }
  const tags: GeoKeyTags = { directory };
  if (doubleParams.length) tags.doubleParams = doubleParams;
  if (asciiParams) tags.asciiParams = asciiParams;
  return tags;
}

/**
 * The CAS/RESDC LUCC grid: user-defined Albers Equal Area on the Krasovsky 1940 ellipsoid
 * (datum 6024, ellipsoid 7024), lon_0 105, lat_1 25, lat_2 47, lat_0 0, x_0 = y_0 = 0, metres.
 * GDAL reads it as "Krassowsky 1940" + "Albers Equal Area", like the RESDC landuse GeoTIFFs. Unlike those
 * files, GeographicTypeGeoKey is user-defined, not 4024: with 4024, geotiff-geokeys-to-proj4 appends
 * +axis=ne (the lat/lon axis order of EPSG:4024) to the projected CRS.
 */
export function casAlbersGeoKeys(): GeoKeyTags {
  const keys: GeoKey[] = [
    [GT_MODEL_TYPE, MODEL_PROJECTED],
    [GT_RASTER_TYPE, RASTER_PIXEL_IS_AREA],
    [GT_CITATION, 'Krasovsky_1940_Albers'],
    [GEOGRAPHIC_TYPE, USER_DEFINED],
    [GEOG_CITATION, 'GCS_Krasovsky_1940'],
    [GEOG_DATUM, 6024],
    [GEOG_ANGULAR_UNITS, 9102], // degree
    [GEOG_ELLIPSOID, 7024],
    [GEOG_SEMI_MAJOR, 6378245],
    [GEOG_INV_FLATTENING, 298.3],
    [PROJECTED_CS_TYPE, USER_DEFINED],
    [PROJECTION, USER_DEFINED],
    [PROJ_COORD_TRANS, 11], // CT_AlbersEqualArea
    [PROJ_LINEAR_UNITS, 9001], // metre
    [PROJ_STD_PARALLEL_1, 25],
    [PROJ_STD_PARALLEL_2, 47],
    [PROJ_NAT_ORIGIN_LONG, 105],
    [PROJ_NAT_ORIGIN_LAT, 0],
    [PROJ_FALSE_EASTING, 0],
    [PROJ_FALSE_NORTHING, 0],
  ];
  const doubleKeys = new Set([GEOG_SEMI_MAJOR, GEOG_INV_FLATTENING, PROJ_STD_PARALLEL_1, PROJ_STD_PARALLEL_2,
    PROJ_NAT_ORIGIN_LONG, PROJ_NAT_ORIGIN_LAT, PROJ_FALSE_EASTING, PROJ_FALSE_NORTHING]);
  return buildGeoKeys(keys, doubleKeys);
}

/** GeoKeys for an EPSG code: 4000-4999 is taken as geographic (lon/lat), anything else as projected. */
export function epsgGeoKeys(epsg: number): GeoKeyTags {
  if (!(Number.isInteger(epsg) && epsg > 0 && epsg < USER_DEFINED))
    throw new Error(`epsgGeoKeys: ${epsg} is not an EPSG code (an integer 1..32766).`);
  const geographic = epsg >= 4000 && epsg < 5000;
  return buildGeoKeys([
    [GT_MODEL_TYPE, geographic ? MODEL_GEOGRAPHIC : MODEL_PROJECTED],
    [GT_RASTER_TYPE, RASTER_PIXEL_IS_AREA],
    [geographic ? GEOGRAPHIC_TYPE : PROJECTED_CS_TYPE, epsg],
  ], new Set());
}
