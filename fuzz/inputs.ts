import { deflateSync } from 'node:zlib';
import proj4 from '../rasters/proj4.js';
import { casAlbersGeoKeys, type GeoKeyTags } from '../output/geotiff-writer.js';

/**
 * Small valid inputs written byte by byte, so the bad-input catalogue and the fuzzer can break
 * them at known places: a GeoTIFF whose IFD comes first and block data last (a cut in the tile
 * data leaves the IFD whole), a polygon shapefile (.shp/.shx/.dbf/.prj), GeoJSON and a
 * coefficient CSV. Nothing here is committed as a binary; tests build what they need.
 */

export const CAS_ALBERS = '+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +ellps=krass +units=m +no_defs';
const LONLAT = '+proj=longlat +datum=WGS84 +no_defs';

// TIFF field types
const ASCII = 2, SHORT = 3, LONG = 4, DOUBLE = 12;
const TYPE_BYTES: Record<number, number> = { [ASCII]: 1, [SHORT]: 2, [LONG]: 4, [DOUBLE]: 8 };

export type TagValue = number[] | string;
export type Tag = [tag: number, type: number, values: TagValue];

export interface TiffSpec {
  width: number;
  height: number;
  /** Tiles (sides multiples of 16) or strips. */
  layout: { tile: number } | { rowsPerStrip: number };
  /** Cell values, row-major, samplesPerPixel per cell. */
  cells: ArrayLike<number>;
  bitsPerSample?: number;
  /** 1 unsigned, 2 signed, 3 float. */
  sampleFormat?: number;
  samplesPerPixel?: number;
  photometric?: number;
  /** 1 (none) or 8 (DEFLATE) are encoded; any other code is written as a label over raw bytes. */
  compression?: number;
  /** GDAL_NODATA text, or null for none. */
  nodata?: string | null;
  /** Pixel scale + tie point (the default) or a 4 x 4 ModelTransformation; null: no georeferencing. */
  georef?: { scale: [number, number]; origin: [number, number] } | { transformation: number[] } | null;
  /** null: no GeoKeys at all. */
  geoKeys?: GeoKeyTags | null;
  /** Replace or add tags after the defaults are built (same tag id replaces). */
  tags?: Tag[];
  /** Drop these tags. */
  dropTags?: number[];
}

export interface TiffLayout {
  bytes: Buffer;
  /** Start and end of the IFD's 12-byte entries. */
  ifdOffset: number;
  ifdEnd: number;
  /** Where block data starts (everything before is header, IFD and tag values). */
  dataStart: number;
  blockOffsets: number[];
  blockByteCounts: number[];
}

export function buildTiff(spec: TiffSpec): TiffLayout {
  const spp = spec.samplesPerPixel ?? 1;
  const bits = spec.bitsPerSample ?? 8;
  const format = spec.sampleFormat ?? 1;
  const compression = spec.compression ?? 8;
  const tiled = 'tile' in spec.layout;
  const bw = tiled ? (spec.layout as { tile: number }).tile : spec.width;
  const bh = tiled ? (spec.layout as { tile: number }).tile : (spec.layout as { rowsPerStrip: number }).rowsPerStrip;
  const across = Math.ceil(spec.width / bw);
  const down = Math.ceil(spec.height / bh);
  const blocks: Uint8Array[] = [];
  for (let by = 0; by < down; by++) {
    for (let bx = 0; bx < across; bx++) {
      const rows = tiled ? bh : Math.min(bh, spec.height - by * bh);
      const values = new Array<number>(bw * rows * spp).fill(0);
      for (let r = 0; r < rows; r++) {
        const row = by * bh + r;
        if (row >= spec.height) break;
        for (let c = 0; c < bw; c++) {
          const col = bx * bw + c;
          if (col >= spec.width) break;
          for (let s = 0; s < spp; s++) values[(r * bw + c) * spp + s] = spec.cells[(row * spec.width + col) * spp + s]!;
        }
      }
      const raw = encodeSamples(values, bits, format);
      blocks.push(compression === 8 ? deflateSync(raw) : raw);
    }
  }
  const tags = new Map<number, Tag>();
  const put = (t: Tag) => tags.set(t[0], t);
  put([256, LONG, [spec.width]]);
  put([257, LONG, [spec.height]]);
  put([258, SHORT, new Array(spp).fill(bits)]);
  put([259, SHORT, [compression]]);
  put([262, SHORT, [spec.photometric ?? (spp === 3 ? 2 : 1)]]);
  put([277, SHORT, [spp]]);
  put([284, SHORT, [1]]);
  put([339, SHORT, new Array(spp).fill(format)]);
  if (tiled) {
    put([322, LONG, [bw]]);
    put([323, LONG, [bh]]);
    put([324, LONG, blocks.map(() => 0)]);
    put([325, LONG, blocks.map((b) => b.length)]);
  } else {
    put([273, LONG, blocks.map(() => 0)]);
    put([278, LONG, [bh]]);
    put([279, LONG, blocks.map((b) => b.length)]);
  }
  const georef = spec.georef === undefined ? { scale: [30, 30] as [number, number], origin: [0, 0] as [number, number] } : spec.georef;
  if (georef && 'scale' in georef) {
    put([33550, DOUBLE, [georef.scale[0], georef.scale[1], 0]]);
    put([33922, DOUBLE, [0, 0, 0, georef.origin[0], georef.origin[1], 0]]);
  } else if (georef) {
    put([34264, DOUBLE, georef.transformation]);
  }
  const geoKeys = spec.geoKeys === undefined ? casAlbersGeoKeys() : spec.geoKeys;
  if (geoKeys) {
    put([34735, SHORT, geoKeys.directory]);
    if (geoKeys.doubleParams?.length) put([34736, DOUBLE, geoKeys.doubleParams]);
    if (geoKeys.asciiParams) put([34737, ASCII, geoKeys.asciiParams]);
  }
  if (spec.nodata !== null && spec.nodata !== undefined) put([42113, ASCII, spec.nodata]);
  for (const t of spec.tags ?? []) put(t);
  for (const id of spec.dropTags ?? []) tags.delete(id);
  const sorted = [...tags.values()].sort((a, b) => a[0] - b[0]);

  const valueBytes = (type: number, v: TagValue) => (TYPE_BYTES[type] ?? 1) * (typeof v === 'string' ? v.length + 1 : v.length);
  const ifdOffset = 8;
  const ifdEnd = ifdOffset + 2 + sorted.length * 12 + 4;
  let valuePos = ifdEnd;
  const outOfLine = new Map<number, number>();
  for (const [tag, type, v] of sorted) {
    const n = valueBytes(type, v);
    if (n > 4) { outOfLine.set(tag, valuePos); valuePos += n + (n & 1); }
  }
  const dataStart = valuePos;
  const blockOffsets: number[] = [];
  let pos = dataStart;
  for (const b of blocks) { blockOffsets.push(pos); pos += b.length + (b.length & 1); }
  const buf = Buffer.alloc(pos);
  buf.write('II', 0, 'latin1');
  buf.writeUInt16LE(42, 2);
  buf.writeUInt32LE(ifdOffset, 4);
  buf.writeUInt16LE(sorted.length, ifdOffset);
  sorted.forEach(([tag, type, v0], k) => {
    const v = tag === 324 || tag === 273 ? blockOffsets : v0;
    const e = ifdOffset + 2 + k * 12;
    buf.writeUInt16LE(tag, e);
    buf.writeUInt16LE(type, e + 2);
    buf.writeUInt32LE(typeof v === 'string' ? v.length + 1 : v.length, e + 4);
    const at = outOfLine.get(tag) ?? e + 8;
    if (outOfLine.has(tag)) buf.writeUInt32LE(at, e + 8);
    if (typeof v === 'string') buf.write(v, at, 'latin1');
    else v.forEach((x, i) => {
      if (type === SHORT) buf.writeUInt16LE(x, at + 2 * i);
      else if (type === LONG) buf.writeUInt32LE(x, at + 4 * i);
      else if (type === DOUBLE) buf.writeDoubleLE(x, at + 8 * i);
      else buf.writeUInt8(x & 0xff, at + i);
    });
  });
  buf.writeUInt32LE(0, ifdEnd - 4);
  blocks.forEach((b, i) => buf.set(b, blockOffsets[i]!));
  return { bytes: buf, ifdOffset, ifdEnd, dataStart, blockOffsets, blockByteCounts: blocks.map((b) => b.length) };
}

function encodeSamples(values: number[], bits: number, format: number): Uint8Array {
  const n = values.length;
  if (bits === 1) {
    const out = new Uint8Array(Math.ceil(n / 8));
    values.forEach((v, i) => { if (v) out[i >> 3]! |= 0x80 >> (i & 7); });
    return out;
  }
  const Ctor = format === 3 ? (bits === 64 ? Float64Array : Float32Array)
    : format === 2 ? (bits === 8 ? Int8Array : bits === 16 ? Int16Array : Int32Array)
      : (bits === 8 ? Uint8Array : bits === 16 ? Uint16Array : Uint32Array);
  const a = new Ctor(n);
  for (let i = 0; i < n; i++) a[i] = values[i]!;
  return new Uint8Array(a.buffer);
}

/** Offset of IFD entry `tag` in a TIFF built by buildTiff, or -1. */
export function ifdEntryOffset(bytes: Buffer, tag: number): number {
  const ifd = bytes.readUInt32LE(4);
  const n = bytes.readUInt16LE(ifd);
  for (let k = 0; k < n; k++) if (bytes.readUInt16LE(ifd + 2 + k * 12) === tag) return ifd + 2 + k * 12;
  return -1;
}

// ---- the base scene -------------------------------------------------------------------------

/** CAS second-level codes used by the scene's raster, with the study's coefficients. */
export const SCENE_CODES = [11, 12, 21, 22, 23, 31, 41, 51];
export const SCENE_COEFFICIENTS: Record<number, number> = { 11: 0.5, 12: 0.3, 21: 8.7, 22: 6.1, 23: 4.2, 31: 2.3, 41: 0, 51: 0.1 };

/**
 * A 64 x 64 grid of 30 m cells in the CAS Albers CRS near Chengde (tiles of 16), with a block of
 * nodata (0) inside zone A, and two lon/lat zones inside the grid: A, a pentagon, and B, a square with a hole.
 */
export interface Scene {
  width: number;
  height: number;
  cellSize: number;
  originX: number;
  originY: number;
  cells: Uint8Array;
  /** Zones as GeoJSON polygons in lon/lat (outer rings counter-clockwise, holes clockwise). */
  zones: { code: number; name: string; rings: number[][][] }[];
}

export function scene(): Scene {
  const width = 64, height = 64, cellSize = 30;
  const [cx, cy] = proj4(LONLAT, CAS_ALBERS, [117.9, 40.95]) as [number, number];
  const originX = Math.round(cx / cellSize) * cellSize - (width / 2) * cellSize;
  const originY = Math.round(cy / cellSize) * cellSize + (height / 2) * cellSize;
  const cells = new Uint8Array(width * height);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) cells[r * width + c] = r >= 40 && r < 46 && c >= 8 && c < 14 ? 0 : SCENE_CODES[((r >> 3) + 3 * (c >> 4)) % SCENE_CODES.length]!;
  }
  // Zone vertices at fractions of the grid, inverse-projected to lon/lat.
  const ll = (fx: number, fy: number) => {
    const p = proj4(CAS_ALBERS, LONLAT, [originX + fx * width * cellSize, originY - fy * height * cellSize]) as [number, number];
    return [Number(p[0].toFixed(7)), Number(p[1].toFixed(7))];
  };
  const ring = (pts: [number, number][]) => [...pts.map(([x, y]) => ll(x, y)), ll(pts[0]![0], pts[0]![1])];
  // counter-clockwise in map space (y up) = fy decreasing for the "up" direction
  const a = ring([[0.05, 0.95], [0.48, 0.9], [0.45, 0.3], [0.25, 0.04], [0.08, 0.3]]);
  const b = ring([[0.52, 0.92], [0.95, 0.92], [0.95, 0.08], [0.52, 0.08]]);
  const hole = ring([[0.65, 0.4], [0.65, 0.6], [0.8, 0.6], [0.8, 0.4]]);
  return {
    width, height, cellSize, originX, originY, cells,
    zones: [
      { code: 1, name: 'Zone A', rings: [orient(a, true)] },
      { code: 2, name: 'Zone B', rings: [orient(b, true), orient(hole, false)] },
    ],
  };
}

/** Signed area (lon/lat, y up): positive for counter-clockwise rings. */
export function ringArea(ring: number[][]): number {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) s += (ring[j]![0]! - ring[i]![0]!) * (ring[j]![1]! + ring[i]![1]!);
  return s / 2;
}

function orient(ring: number[][], ccw: boolean): number[][] {
  return (ringArea(ring) > 0) === ccw ? ring : [...ring].reverse();
}

export function sceneTiff(s: Scene, over: Partial<TiffSpec> = {}): TiffLayout {
  return buildTiff({
    width: s.width, height: s.height, layout: { tile: 16 }, cells: s.cells, nodata: '0',
    georef: { scale: [s.cellSize, s.cellSize], origin: [s.originX, s.originY] }, ...over,
  });
}

export interface GeoJsonFeatureLike {
  type: 'Feature';
  properties: Record<string, unknown> | null;
  geometry: { type: string; coordinates: unknown } | null;
}

export function sceneFeatures(s: Scene): GeoJsonFeatureLike[] {
  return s.zones.map((z) => ({ type: 'Feature', properties: { code: z.code, name: z.name }, geometry: { type: 'Polygon', coordinates: z.rings } }));
}

export function sceneGeoJson(s: Scene): string {
  return JSON.stringify({ type: 'FeatureCollection', features: sceneFeatures(s) });
}

export function sceneCsv(codes = SCENE_CODES): string {
  return 'code,name,primary,coefficient_t_ha_yr\n' + codes.map((c) => `${c},class ${c},primary ${Math.floor(c / 10)},${SCENE_COEFFICIENTS[c] ?? 1}`).join('\n') + '\n';
}

// ---- shapefile ------------------------------------------------------------------------------

export const WGS84_PRJ = 'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]';

export interface ShapefileBytes { shp: Buffer; shx: Buffer; dbf: Buffer; prj: string }

/**
 * A polygon shapefile: one record per zone (the first ring outer, the rest holes, written in
 * ESRI's order: outer rings clockwise), fields code (N) and name (C).
 */
export function buildShapefile(zonesIn: { code: number; name: string; rings: number[][][] }[], prj = WGS84_PRJ): ShapefileBytes {
  const zones = zonesIn.map((z) => ({ ...z, rings: z.rings.map((r, k) => orient(r, k !== 0)) }));
  const records = zones.map((z) => {
    const pts = z.rings.flat();
    const content = Buffer.alloc(44 + 4 * z.rings.length + 16 * pts.length);
    content.writeInt32LE(5, 0);
    const xs = pts.map((p) => p[0]!), ys = pts.map((p) => p[1]!);
    [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)].forEach((v, i) => content.writeDoubleLE(v, 4 + 8 * i));
    content.writeInt32LE(z.rings.length, 36);
    content.writeInt32LE(pts.length, 40);
    let start = 0;
    z.rings.forEach((r, i) => { content.writeInt32LE(start, 44 + 4 * i); start += r.length; });
    const p0 = 44 + 4 * z.rings.length;
    pts.forEach((p, i) => { content.writeDoubleLE(p[0]!, p0 + 16 * i); content.writeDoubleLE(p[1]!, p0 + 16 * i + 8); });
    return content;
  });
  const all = zones.flatMap((z) => z.rings.flat());
  const bbox = [Math.min(...all.map((p) => p[0]!)), Math.min(...all.map((p) => p[1]!)), Math.max(...all.map((p) => p[0]!)), Math.max(...all.map((p) => p[1]!))];
  const header = (lengthWords: number) => {
    const h = Buffer.alloc(100);
    h.writeInt32BE(9994, 0);
    h.writeInt32BE(lengthWords, 24);
    h.writeInt32LE(1000, 28);
    h.writeInt32LE(5, 32);
    bbox.forEach((v, i) => h.writeDoubleLE(v, 36 + 8 * i));
    return h;
  };
  const shpLen = 100 + records.reduce((s, r) => s + 8 + r.length, 0);
  const shp = Buffer.alloc(shpLen);
  header(shpLen / 2).copy(shp, 0);
  const shx = Buffer.alloc(100 + 8 * records.length);
  header(shx.length / 2).copy(shx, 0);
  let pos = 100;
  records.forEach((r, i) => {
    shx.writeInt32BE(pos / 2, 100 + 8 * i);
    shx.writeInt32BE(r.length / 2, 104 + 8 * i);
    shp.writeInt32BE(i + 1, pos);
    shp.writeInt32BE(r.length / 2, pos + 4);
    r.copy(shp, pos + 8);
    pos += 8 + r.length;
  });
  return { shp, shx, dbf: buildDbf(zones.map((z) => ({ code: z.code, name: z.name }))), prj };
}

function buildDbf(rows: { code: number; name: string }[]): Buffer {
  const fields = [{ name: 'code', type: 'N', len: 10 }, { name: 'name', type: 'C', len: 40 }];
  const headerLen = 32 + 32 * fields.length + 1;
  const recordLen = 1 + fields.reduce((s, f) => s + f.len, 0);
  const buf = Buffer.alloc(headerLen + recordLen * rows.length + 1, 0x20);
  buf.fill(0, 0, headerLen);
  buf.writeUInt8(3, 0);
  buf.writeUInt8(124, 1); buf.writeUInt8(1, 2); buf.writeUInt8(1, 3);
  buf.writeUInt32LE(rows.length, 4);
  buf.writeUInt16LE(headerLen, 8);
  buf.writeUInt16LE(recordLen, 10);
  fields.forEach((f, i) => {
    const o = 32 + 32 * i;
    buf.write(f.name, o, 'latin1');
    buf.write(f.type, o + 11, 'latin1');
    buf.writeUInt8(f.len, o + 16);
  });
  buf.writeUInt8(0x0d, headerLen - 1);
  rows.forEach((r, i) => {
    const o = headerLen + recordLen * i;
    buf.write(' ', o, 'latin1');
    buf.write(String(r.code).padStart(10), o + 1, 'latin1');
    buf.write(r.name.padEnd(40).slice(0, 40), o + 11, 'utf8');
  });
  buf.writeUInt8(0x1a, buf.length - 1);
  return buf;
}
