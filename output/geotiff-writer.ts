// Streaming writer for tiled, DEFLATE-compressed, single-band GeoTIFFs (classic little-endian TIFF).
// Tiles go to disk as they arrive; only the tile offset/byte-count arrays stay in memory.
// The IFD is written after the last tile and the header's first-IFD offset is patched in finish().
// The file is written under a temporary name and renamed on finish(), so an interrupted run
// never leaves a half-written GeoTIFF behind.
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { deflateSync } from 'node:zlib';

export type SampleType = 'uint8' | 'uint16' | 'float32';
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
}
type TileArray = Uint8Array | Uint16Array | Float32Array;

const BYTES_PER_SAMPLE: Record<SampleType, number> = { uint8: 1, uint16: 2, float32: 4 };
const MAX_CLASSIC_TIFF_BYTES = 2 ** 32 - 1;
// TIFF field types
const ASCII = 2, SHORT = 3, LONG = 4, DOUBLE = 12;
const TYPE_BYTES: Record<number, number> = { [ASCII]: 1, [SHORT]: 2, [LONG]: 4, [DOUBLE]: 8 };

if (endianness() !== 'LE') throw new Error('GeoTiffWriter writes little-endian TIFFs and needs a little-endian host.');

/** DEFLATE (zlib stream, TIFF compression 8) of a tile's raw little-endian bytes. */
export function compressTile(data: TileArray, level = 6): Uint8Array {
  return deflateSync(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), { level });
}

export class GeoTiffWriter {
  private readonly tileOffsets: Uint32Array;
  private readonly tileByteCounts: Uint32Array;
  private nextTile = 0;
  private filePos = 8; // after the 8-byte header
  private closed = false;

  private constructor(
    private readonly path: string,
    private readonly tmpPath: string,
    private readonly spec: GeoTiffSpec,
    private readonly file: FileHandle,
  ) {
    const tileCount = this.tilesAcross * this.tilesDown;
    this.tileOffsets = new Uint32Array(tileCount);
    this.tileByteCounts = new Uint32Array(tileCount);
  }

  /** Tiles written so far; the next tile to write has this index. */
  get tilesWritten(): number {
    return this.nextTile;
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
    const tmpPath = `${path}.tmp-${process.pid}-${Date.now().toString(36)}`;
    const file = await open(tmpPath, 'w');
    const header = Buffer.alloc(8);
    header.write('II', 0, 'latin1');
    header.writeUInt16LE(42, 2);
    header.writeUInt32LE(0, 4); // first-IFD offset, patched in finish()
    await file.write(header, 0, 8, 0);
    return new GeoTiffWriter(path, tmpPath, spec, file);
  }

  get tilesAcross(): number { return Math.ceil(this.spec.width / this.spec.tileSize); }
  get tilesDown(): number { return Math.ceil(this.spec.height / this.spec.tileSize); }

  /** Tiles in row-major order (index = tileRow * tilesAcross + tileCol); data is a full tileSize² array, edge tiles padded. */
  async writeTile(index: number, data: TileArray): Promise<void> {
    const { sampleType, tileSize } = this.spec;
    const expectedType = sampleType === 'uint8' ? Uint8Array : sampleType === 'uint16' ? Uint16Array : Float32Array;
    if (!(data instanceof expectedType))
      throw new Error(`GeoTiffWriter.writeTile: expected a ${expectedType.name} for sampleType '${sampleType}', got ${data.constructor.name}.`);
    if (data.length !== tileSize * tileSize)
      throw new Error(`GeoTiffWriter.writeTile: tile ${index} has ${data.length} samples, expected ${tileSize * tileSize} (pad edge tiles).`);
    await this.writeCompressedTile(index, compressTile(data));
  }

  /** Append an already DEFLATE-compressed (zlib stream) tile, e.g. produced by compressTile() in a worker. */
  async writeCompressedTile(index: number, bytes: Uint8Array): Promise<void> {
    if (this.closed) throw new Error('GeoTiffWriter: file already finished or aborted.');
    if (index !== this.nextTile)
      throw new Error(`GeoTiffWriter: tiles must be written in row-major order; got tile ${index}, expected ${this.nextTile}.`);
    if (index >= this.tileOffsets.length) throw new Error(`GeoTiffWriter: tile ${index} is past the last tile (${this.tileOffsets.length - 1}).`);
    this.checkSize(bytes.byteLength + 1);
    this.tileOffsets[index] = this.filePos;
    this.tileByteCounts[index] = bytes.byteLength;
    await this.file.write(bytes, 0, bytes.byteLength, this.filePos);
    // keep every tile word-aligned, as TIFF 6.0 recommends
    this.filePos += bytes.byteLength + (bytes.byteLength & 1);
    this.nextTile++;
  }

  async finish(): Promise<void> {
    if (this.closed) throw new Error('GeoTiffWriter: file already finished or aborted.');
    if (this.nextTile !== this.tileOffsets.length)
      throw new Error(`GeoTiffWriter.finish: ${this.nextTile} of ${this.tileOffsets.length} tiles written.`);
    const ifdOffset = this.filePos;
    const ifd = this.buildIfd(ifdOffset);
    this.checkSize(ifd.byteLength);
    await this.file.write(ifd, 0, ifd.byteLength, ifdOffset);
    const patch = Buffer.alloc(4);
    patch.writeUInt32LE(ifdOffset, 0);
    await this.file.write(patch, 0, 4, 4);
    this.closed = true;
    await this.file.close();
    await rename(this.tmpPath, this.path);
  }

  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.file.close();
    }
    await unlink(this.tmpPath).catch(() => undefined);
  }

  private checkSize(extraBytes: number): void {
    if (this.filePos + extraBytes > MAX_CLASSIC_TIFF_BYTES)
      throw new Error(`GeoTiffWriter: ${this.path} would exceed 4 GiB, the classic TIFF limit; use a larger tile compression or split the raster.`);
  }

  private buildIfd(ifdOffset: number): Buffer {
    const s = this.spec;
    const bits = BYTES_PER_SAMPLE[s.sampleType] * 8;
    const tags: [tag: number, type: number, values: ArrayLike<number> | string][] = [
      [256, LONG, [s.width]],
      [257, LONG, [s.height]],
      [258, SHORT, [bits]],
      [259, SHORT, [8]], // Compression: Adobe DEFLATE
      [262, SHORT, [1]], // Photometric: min-is-black
      [277, SHORT, [1]], // SamplesPerPixel
      [284, SHORT, [1]], // PlanarConfiguration: chunky
      [322, LONG, [s.tileSize]],
      [323, LONG, [s.tileSize]],
      [324, LONG, this.tileOffsets],
      [325, LONG, this.tileByteCounts],
      [339, SHORT, [s.sampleType === 'float32' ? 3 : 1]],
      [33550, DOUBLE, [s.cellWidth, s.cellHeight, 0]], // ModelPixelScale
      [33922, DOUBLE, [0, 0, 0, s.originX, s.originY, 0]], // ModelTiepoint: pixel (0,0) -> top-left corner
      [34735, SHORT, s.geoKeys.directory],
    ];
    if (s.geoKeys.doubleParams?.length) tags.push([34736, DOUBLE, s.geoKeys.doubleParams]);
    if (s.geoKeys.asciiParams) tags.push([34737, ASCII, s.geoKeys.asciiParams]);
    if (s.nodata !== undefined) tags.push([42113, ASCII, Number.isNaN(s.nodata) ? 'nan' : String(s.nodata)]);
    tags.sort((a, b) => a[0] - b[0]);

    const valueBytes = (type: number, values: ArrayLike<number> | string): number =>
      TYPE_BYTES[type]! * (typeof values === 'string' ? values.length + 1 : values.length);
    const entriesBytes = 2 + tags.length * 12 + 4;
    let dataBytes = 0;
    for (const [, type, values] of tags) {
      const n = valueBytes(type, values);
      if (n > 4) dataBytes += n + (n & 1);
    }
    const buf = Buffer.alloc(entriesBytes + dataBytes);
    buf.writeUInt16LE(tags.length, 0);
    let dataPos = entriesBytes; // relative to ifdOffset
    tags.forEach(([tag, type, values], k) => {
      const entry = 2 + k * 12;
      const n = valueBytes(type, values);
      const count = typeof values === 'string' ? values.length + 1 : values.length;
      buf.writeUInt16LE(tag, entry);
      buf.writeUInt16LE(type, entry + 2);
      buf.writeUInt32LE(count, entry + 4);
      let at = entry + 8; // values fit in the entry's 4 bytes, else go to the data area
      if (n > 4) {
        buf.writeUInt32LE(ifdOffset + dataPos, entry + 8);
        at = dataPos;
        dataPos += n + (n & 1);
      }
      if (typeof values === 'string') buf.write(values, at, 'latin1'); // trailing NUL is already zero
      else for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        if (type === SHORT) buf.writeUInt16LE(v, at + 2 * i);
        else if (type === LONG) buf.writeUInt32LE(v, at + 4 * i);
        else buf.writeDoubleLE(v, at + 8 * i);
      }
    });
    buf.writeUInt32LE(0, 2 + tags.length * 12); // no next IFD
    return buf;
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
