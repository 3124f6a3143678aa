import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { deflateSync } from 'node:zlib';
import proj4 from 'proj4';
import { casAlbersGeoKeys, epsgGeoKeys } from '../../output/geotiff-writer.js';
import {
  buildShapefile, buildTiff, ifdEntryOffset, scene, sceneCsv, sceneFeatures, sceneGeoJson, sceneTiff,
  type GeoJsonFeatureLike, type Scene, type TiffSpec,
} from '../../fuzz/inputs.js';
import { writeSparseTiff } from '../fixtures/sparse-tiff.js';
import { REAL } from '../helpers.js';

/**
 * The catalogue of bad inputs (issue 6): each case builds its broken input from the small valid
 * scene of fuzz/inputs.ts in a scratch folder and states what the CLI must do with it.
 *
 * - 'error': exit 2, one "error:" paragraph naming `names` and matching `message`, --out untouched.
 * - 'ok': a handled case; exit 0, the reconciliation checks pass, `message` (if any) is a
 *   warning on stderr, and `same` says the tables must equal those of the valid scene.
 */
export interface BadInput {
  name: string;
  outcome: 'error' | 'ok';
  message?: RegExp;
  build(c: CaseFolder): Built;
  /** 'ok' cases: zones_classes.csv must equal the valid scene's (areas to 1e-9, or `tolerance`). */
  same?: boolean;
  tolerance?: number;
  /** 'ok' cases whose nodata declaration is ignored: every zone's nodata_ha must be 0. */
  noNodata?: boolean;
  /** Skip when a real data file is absent (developer machines without ../shared/data/real). */
  needs?: string[];
}

export interface Built {
  /** CLI arguments after `run` (without --out when `out` is not given). */
  args: string[];
  /** The file the message must name. */
  names: string;
  /** Overrides the case's --out (e.g. a file); the sentinel checks then apply to the case's own out folder only if it is used. */
  out?: string;
}

/** A scratch folder for one case, with writers for the valid scene's files. */
export class CaseFolder {
  readonly scene: Scene = scene();
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  file(name: string, data: string | Uint8Array): string {
    const p = join(this.dir, name);
    writeFileSync(p, data);
    return p;
  }

  tiff(over: Partial<TiffSpec> = {}, name = 'landuse.tif'): string {
    return this.file(name, sceneTiff(this.scene, over).bytes);
  }

  geojson(doc: unknown = null, name = 'zones.geojson'): string {
    return this.file(name, doc === null ? sceneGeoJson(this.scene) : typeof doc === 'string' ? doc : JSON.stringify(doc));
  }

  features(): GeoJsonFeatureLike[] {
    return sceneFeatures(this.scene);
  }

  collection(features: unknown[]): unknown {
    return { type: 'FeatureCollection', features };
  }

  shapefile(opts: { omit?: string[]; prj?: string; zones?: Scene['zones'] } = {}, name = 'zones'): string {
    const bytes = buildShapefile(opts.zones ?? this.scene.zones, opts.prj);
    const omit = new Set(opts.omit ?? []);
    for (const [ext, data] of [['.shp', bytes.shp], ['.shx', bytes.shx], ['.dbf', bytes.dbf], ['.prj', bytes.prj]] as const) {
      if (!omit.has(ext)) this.file(name + ext, data);
    }
    return join(this.dir, name + '.shp');
  }

  csv(text = sceneCsv(), name = 'coefficients.csv'): string {
    return this.file(name, text);
  }

  /** `run` arguments with the valid scene's files for whatever is not given. */
  args(o: { rasters?: [number, string][]; zones?: string; coefficients?: string; extra?: string[] } = {}): string[] {
    const rasters = o.rasters ?? [[2020, this.tiff()]];
    return [
      ...rasters.flatMap(([year, p]) => ['--raster', `${year}=${p}`]),
      '--zones', o.zones ?? this.geojson(),
      '--coefficients', o.coefficients ?? this.csv(),
      '--workers', '1',
      ...(o.extra ?? []),
    ];
  }
}

const tiffCase = (over: Partial<TiffSpec>) => (c: CaseFolder): Built => {
  const raster = c.tiff(over);
  return { args: c.args({ rasters: [[2020, raster]] }), names: raster };
};
const rasterBytes = (name: string, make: (c: CaseFolder) => Uint8Array) => (c: CaseFolder): Built => {
  const raster = c.file(name, make(c));
  return { args: c.args({ rasters: [[2020, raster]] }), names: raster };
};
const zonesDoc = (make: (c: CaseFolder) => unknown) => (c: CaseFolder): Built => {
  const zones = c.geojson(make(c));
  return { args: c.args({ zones }), names: zones };
};
const coefficients = (text: string) => (c: CaseFolder): Built => {
  const csv = c.csv(text);
  return { args: c.args({ coefficients: csv }), names: csv };
};
/** The valid TIFF with bytes changed by `edit`. */
const editTiff = (edit: (b: Buffer, layout: ReturnType<typeof sceneTiff>) => Buffer | void) => (c: CaseFolder): Uint8Array => {
  const layout = sceneTiff(c.scene);
  return edit(layout.bytes, layout) ?? layout.bytes;
};
const setLong = (b: Buffer, tag: number, value: number) => { b.writeUInt32LE(value, ifdEntryOffset(b, tag) + 8); };
const allCells = (s: Scene, f: (v: number, i: number) => number) => Array.from(s.cells, f);

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x00\x00\x00\x00', 'latin1'), Buffer.alloc(64)]);
const WGS84 = '+proj=longlat +datum=WGS84 +no_defs';
const BEHRMANN_PRJ = 'PROJCS["World_Behrmann",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Behrmann"],PARAMETER["False_Easting",0.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",0.0],UNIT["Meter",1.0]]';

/** The zones of the scene with every position mapped by f. */
const mapZones = (s: Scene, f: (p: number[]) => number[]): Scene['zones'] => s.zones.map((z) => ({ ...z, rings: z.rings.map((r) => r.map(f)) }));

export const CATALOGUE: BadInput[] = [
  // ---- rasters: not a TIFF, or a damaged one -------------------------------------------------
  { name: 'raster: zero-byte file', outcome: 'error', message: /is not a readable GeoTIFF \(the file is empty\)/, build: rasterBytes('empty.tif', () => new Uint8Array(0)) },
  { name: 'raster: a PNG renamed .tif', outcome: 'error', message: /is not a readable GeoTIFF \(no TIFF signature/, build: rasterBytes('picture.tif', () => PNG) },
  { name: 'raster: a text file renamed .tif', outcome: 'error', message: /is not a readable GeoTIFF/, build: rasterBytes('notes.tif', () => Buffer.from('code,name\n11,paddy\n'.repeat(10))) },
  { name: 'raster: TIFF signature with an unknown version number', outcome: 'error', message: /is not a readable GeoTIFF \(TIFF version 44/, build: rasterBytes('v44.tif', editTiff((b) => { b.writeUInt16LE(44, 2); })) },
  {
    name: 'raster: a folder given as the raster', outcome: 'error', message: /cannot be read \(EISDIR\)/,
    build: (c) => { const d = join(c.dir, 'folder.tif'); mkdirSync(d); return { args: c.args({ rasters: [[2020, d]] }), names: d }; },
  },
  { name: 'raster: missing file', outcome: 'error', message: /land-use raster not found/, build: (c) => { const p = join(c.dir, 'no-such.tif'); return { args: c.args({ rasters: [[2020, p]] }), names: p }; } },
  { name: 'raster: TIFF truncated in the header (5 bytes)', outcome: 'error', message: /truncated or corrupt \(the file ends inside the 8-byte TIFF header/, build: rasterBytes('cut-header.tif', editTiff((b) => b.subarray(0, 5))) },
  { name: 'raster: TIFF truncated in the IFD', outcome: 'error', message: /truncated or corrupt \(its first image directory .* runs past the end/, build: rasterBytes('cut-ifd.tif', editTiff((b, l) => b.subarray(0, l.ifdOffset + 40))) },
  { name: 'raster: TIFF truncated in the IFD\'s tag values', outcome: 'error', message: /truncated or corrupt \(the \d+ value\(s\) of TIFF tag \d+ .* past the end/, build: rasterBytes('cut-values.tif', editTiff((b, l) => b.subarray(0, l.ifdEnd + 30))) },
  { name: 'raster: IFD offset past the end of the file', outcome: 'error', message: /truncated or corrupt \(its first image directory is said to start at byte 4000000000/, build: rasterBytes('ifd-past-end.tif', editTiff((b) => { b.writeUInt32LE(4_000_000_000, 4); })) },
  { name: 'raster: TIFF truncated in the middle of tile data', outcome: 'error', message: /truncated or corrupt \(block \d+,\d+: its \d+ bytes at byte \d+ run past the end/, build: rasterBytes('cut-tiles.tif', editTiff((b, l) => b.subarray(0, l.blockOffsets[5]! + 3))) },
  {
    name: 'raster: tile offsets past the end of the file', outcome: 'error', message: /truncated or corrupt \(block 0,0: its \d+ bytes at byte 3000000000 run past the end/,
    build: rasterBytes('offsets-past-end.tif', editTiff((b) => { const e = ifdEntryOffset(b, 324); b.writeUInt32LE(3_000_000_000, b.readUInt32LE(e + 8)); })),
  },
  {
    name: 'raster: a tile byte count of 4 GiB', outcome: 'error', message: /truncated or corrupt \(block 0,0: its 4294967295 bytes/,
    build: rasterBytes('bytecount-4g.tif', editTiff((b) => { const e = ifdEntryOffset(b, 325); b.writeUInt32LE(0xffffffff, b.readUInt32LE(e + 8)); })),
  },
  {
    name: 'raster: TileOffsets listing fewer tiles than the grid has', outcome: 'error', message: /truncated or corrupt \(16 tiles of 16 x 16 cells, but TIFF tag 324 lists 15 offsets/,
    build: rasterBytes('few-offsets.tif', editTiff((b) => { b.writeUInt32LE(15, ifdEntryOffset(b, 324) + 4); })),
  },
  {
    name: 'raster: a tile of garbage where DEFLATE data should be', outcome: 'error', message: /truncated or corrupt \(block \d+,\d+: .*(incorrect header check|invalid|unknown compression)/,
    build: rasterBytes('garbage-tile.tif', editTiff((b, l) => { for (const o of l.blockOffsets) b.fill(0x5a, o, o + l.blockByteCounts[0]!); })),
  },
  {
    name: 'raster: a tile that inflates to fewer cells than declared', outcome: 'error', message: /truncated or corrupt \(block 0,0: it decoded to 100 cells, expected 16 x 16/,
    build: (c) => {
      const z = deflateSync(new Uint8Array(100).fill(21));
      const layout = sceneTiff(c.scene);
      const b = Buffer.from(layout.bytes);
      b.set(z, layout.blockOffsets[0]!);
      const e = ifdEntryOffset(b, 325);
      b.writeUInt32LE(z.length, b.readUInt32LE(e + 8));
      const raster = c.file('short-tile.tif', b);
      return { args: c.args({ rasters: [[2020, raster]] }), names: raster };
    },
  },
  {
    name: 'raster: a DEFLATE bomb (a 16 x 16 tile inflating to 64 MiB)', outcome: 'error', message: /truncated or corrupt \(block \d+,\d+: .*(Cannot create a Buffer larger|buffer|ERR_BUFFER_TOO_LARGE)/i,
    build: (c) => {
      const bomb = deflateSync(new Uint8Array(64 * 2 ** 20));
      const layout = sceneTiff(c.scene);
      const b = Buffer.concat([layout.bytes, bomb]);
      const off = b.readUInt32LE(ifdEntryOffset(b, 324) + 8);
      const cnt = b.readUInt32LE(ifdEntryOffset(b, 325) + 8);
      b.writeUInt32LE(layout.bytes.length, off);
      b.writeUInt32LE(bomb.length, cnt);
      const raster = c.file('bomb.tif', b);
      return { args: c.args({ rasters: [[2020, raster]] }), names: raster };
    },
  },

  // ---- rasters: too big to allocate ------------------------------------------------------------
  {
    name: 'raster: declares 10^6 x 10^6 cells, sparse (streamed: only the tile under the zones is read)', outcome: 'ok', same: true,
    build: (c) => {
      const s = c.scene, T = 1024, N = 1_000_000, at = 500;
      const raster = join(c.dir, 'terra.tif');
      writeSparseTiff(raster, {
        width: N, height: N, tileSize: T, originX: s.originX - at * T * s.cellSize, originY: s.originY + at * T * s.cellSize, cellSize: s.cellSize,
        nodata: 0, geoKeys: casAlbersGeoKeys(), tiles: [{ col: at, row: at, value: (r, col) => (r < s.height && col < s.width ? s.cells[r * s.width + col]! : 0) }],
      });
      return { args: c.args({ rasters: [[2020, raster]] }), names: raster };
    },
  },
  {
    name: 'raster: one tile of 46352 x 46352 cells (2^31 bytes) is refused, not allocated', outcome: 'error', message: /blocks are 46352 x 46352 cells \(2\.00 GiB each once decoded\), too large/,
    build: tiffCase({ tags: [[256, 4, [46352]], [257, 4, [46352]], [322, 4, [46352]], [323, 4, [46352]]], cells: new Uint8Array(64 * 64), layout: { tile: 64 }, width: 64, height: 64 }),
  },
  {
    name: 'raster: one strip of 10^6 x 10^6 cells is refused, not allocated', outcome: 'error', message: /blocks are 1000000 x 1000000 cells .* too large/,
    build: tiffCase({ layout: { rowsPerStrip: 64 }, tags: [[256, 4, [1_000_000]], [257, 4, [1_000_000]], [278, 4, [1_000_000]]] }),
  },
  { name: 'raster: declares 0 x 64 cells', outcome: 'error', message: /declares 0 x 64 cells, so it holds no land-use data/, build: tiffCase({ tags: [[256, 4, [0]]] }) },

  // ---- rasters: not a categorical land-use raster ----------------------------------------------
  { name: 'raster: JPEG-compressed (7)', outcome: 'error', message: /TIFF compression 7 is not supported for land-use rasters/, build: tiffCase({ compression: 7 }) },
  { name: 'raster: JPEG 2000 (34712), which geotiff.js cannot decode', outcome: 'error', message: /TIFF compression 34712 is not supported/, build: tiffCase({ compression: 34712 }) },
  { name: 'raster: an unknown compression code (65000)', outcome: 'error', message: /TIFF compression 65000 is not supported/, build: tiffCase({ compression: 65000 }) },
  {
    name: 'raster: RGB (3 bands, photometric RGB)', outcome: 'error', message: /is not a categorical land-use raster \(3 bands, RGB\/YCbCr colour/,
    build: (c) => tiffCase({ samplesPerPixel: 3, photometric: 2, cells: Array.from(c.scene.cells).flatMap((v) => [v, v, v]) })(c),
  },
  { name: 'raster: two bands', outcome: 'error', message: /is not a categorical land-use raster \(2 bands/, build: (c) => tiffCase({ samplesPerPixel: 2, cells: Array.from(c.scene.cells).flatMap((v) => [v, 0]) })(c) },
  { name: 'raster: 1-bit cells', outcome: 'error', message: /is not a categorical land-use raster \(1-bit uint cells/, build: (c) => tiffCase({ bitsPerSample: 1, cells: allCells(c.scene, (v) => v & 1) })(c) },
  { name: 'raster: 16-bit float cells', outcome: 'error', message: /is not a categorical land-use raster \(16-bit float cells/, build: (c) => tiffCase({ bitsPerSample: 16, sampleFormat: 3, compression: 1 })(c) },
  {
    name: 'raster: float cells with fractional values posing as classes', outcome: 'error', message: /holds the value 21\.5, which is not a whole number, so the raster is not a map of land-use classes/,
    build: (c) => tiffCase({ bitsPerSample: 32, sampleFormat: 3, cells: allCells(c.scene, (v) => (v === 21 ? 21.5 : v)) })(c),
  },
  { name: 'raster: float cells holding whole numbers (handled)', outcome: 'ok', same: true, build: (c) => tiffCase({ bitsPerSample: 32, sampleFormat: 3 })(c) },
  { name: 'raster: 16-bit unsigned cells (handled)', outcome: 'ok', same: true, build: (c) => tiffCase({ bitsPerSample: 16 })(c) },
  { name: 'raster: stripped, uncompressed (handled)', outcome: 'ok', same: true, build: (c) => tiffCase({ layout: { rowsPerStrip: 5 }, compression: 1 })(c) },
  {
    name: 'raster: nodata -128 declared on a byte band (as the real CORINE file): ignored with a warning', outcome: 'ok', message: /declares nodata "-128" \(GDAL_NODATA\), which its 8-bit unsigned integer cells cannot hold/,
    build: tiffCase({ nodata: '-128', cells: Array.from(sceneTiffCellsWithoutNodata()) }), noNodata: true,
  },
  { name: 'raster: nodata 300 on a byte band: ignored with a warning', outcome: 'ok', message: /declares nodata "300"/, build: tiffCase({ nodata: '300', cells: Array.from(sceneTiffCellsWithoutNodata()) }), noNodata: true },
  { name: 'raster: nodata "abc" (not a number): ignored with a warning', outcome: 'ok', message: /declares nodata "abc"/, build: tiffCase({ nodata: 'abc', cells: Array.from(sceneTiffCellsWithoutNodata()) }), noNodata: true },
  {
    name: 'raster: the real CORINE São Miguel file (nodata -128 on a byte band) runs with the warning', outcome: 'ok', message: /clc2018_v2020_20u1\.tif: declares nodata "-128"/,
    needs: ['exactextractr-sao_miguel/clc2018_v2020_20u1.tif', 'derived/concelhos-sao-miguel.geojson'],
    build: (c) => {
      const raster = join(REAL, 'exactextractr-sao_miguel/clc2018_v2020_20u1.tif');
      return { args: c.args({ rasters: [[2018, raster]], zones: join(REAL, 'derived/concelhos-sao-miguel.geojson'), extra: ['--unmapped', 'zero', '--no-rasters'] }), names: raster };
    },
  },
  {
    name: 'raster: GDAL_NODATA stored as SHORT numbers, not text (fuzz seed 1091: geotiff.js threw in the worker): ignored with a warning', outcome: 'ok',
    message: /declares nodata "45,49,50,56"/, noNodata: true,
    build: tiffCase({ tags: [[42113, 3, [45, 49, 50, 56]]], cells: Array.from(sceneTiffCellsWithoutNodata()) }),
  },
  { name: 'raster: no georeferencing (no pixel scale, tie point or transformation)', outcome: 'error', message: /has no georeferencing/, build: tiffCase({ georef: null }) },
  {
    name: 'raster: rotated geotransform', outcome: 'error', message: /has a rotated or sheared geotransform/,
    build: (c) => tiffCase({ georef: { transformation: [30, 5, 0, c.scene.originX, 5, -30, 0, c.scene.originY, 0, 0, 0, 0, 0, 0, 0, 1] } })(c),
  },
  { name: 'raster: pixel size 0', outcome: 'error', message: /has no georeferencing/, build: (c) => tiffCase({ georef: { scale: [0, 30], origin: [c.scene.originX, c.scene.originY] } })(c) },
  { name: 'raster: no GeoKeys (no CRS)', outcome: 'error', message: /has no usable coordinate reference system/, build: tiffCase({ geoKeys: null }) },

  // ---- rasters: several files ----------------------------------------------------------------
  {
    name: 'rasters: two epochs on different grids', outcome: 'error', message: /Epochs 2000 and 2020 are on different grids/,
    build: (c) => {
      const a = c.tiff({}, 'lu2000.tif');
      const b = c.tiff({ georef: { scale: [15, 15], origin: [c.scene.originX, c.scene.originY] } }, 'lu2020.tif');
      return { args: c.args({ rasters: [[2000, a], [2020, b]] }), names: b };
    },
  },
  {
    name: 'rasters: two files of one epoch in different CRS', outcome: 'error', message: /Epoch 2020: .* does not fit the mosaic started by .* \(CRS /,
    build: (c) => {
      const a = c.tiff({}, 'east.tif');
      const b = c.tiff({ geoKeys: epsgGeoKeys(32650) }, 'west.tif');
      return { args: c.args({ rasters: [[2020, a], [2020, b]] }), names: b };
    },
  },
  {
    name: 'rasters: two files of one epoch misaligned by half a cell', outcome: 'error', message: /Epoch 2020: .* does not fit the mosaic .*\(cells 30 x 30 at origin/,
    build: (c) => {
      const a = c.tiff({}, 'east.tif');
      const b = c.tiff({ georef: { scale: [30, 30], origin: [c.scene.originX + 15, c.scene.originY] } }, 'west.tif');
      return { args: c.args({ rasters: [[2020, a], [2020, b]] }), names: b };
    },
  },

  // ---- zones: GeoJSON ------------------------------------------------------------------------
  { name: 'zones: GeoJSON that is not JSON', outcome: 'error', message: /is not valid JSON/, build: zonesDoc(() => 'type: FeatureCollection\nfeatures: []\n') },
  { name: 'zones: GeoJSON cut off mid-way', outcome: 'error', message: /is not valid JSON/, build: zonesDoc((c) => sceneGeoJson(c.scene).slice(0, 200)) },
  { name: 'zones: GeoJSON with no features', outcome: 'error', message: /contains no polygon zones/, build: zonesDoc((c) => c.collection([])) },
  { name: 'zones: a JSON document that is not GeoJSON', outcome: 'error', message: /holds no GeoJSON features \(found type "Topology"\)/, build: zonesDoc(() => ({ type: 'Topology', objects: {} })) },
  {
    name: 'zones: one null geometry beside a valid zone: skipped with a warning', outcome: 'ok', message: /feature 3 \(3\) has no geometry and was skipped/,
    build: zonesDoc((c) => c.collection([...c.features(), { type: 'Feature', properties: { code: 3, name: 'empty' }, geometry: null }])), same: true,
  },
  { name: 'zones: only null geometries', outcome: 'error', message: /contains no polygon zones/, build: zonesDoc((c) => c.collection(c.features().map((f) => ({ ...f, geometry: null })))) },
  { name: 'zones: points', outcome: 'error', message: /feature 1 \(1\) is a Point; zones must be polygons/, build: zonesDoc((c) => c.collection(c.features().map((f) => ({ ...f, geometry: { type: 'Point', coordinates: [117.9, 40.95] } })))) },
  {
    name: 'zones: lines', outcome: 'error', message: /feature 1 \(1\) is a LineString; zones must be polygons/,
    build: zonesDoc((c) => c.collection(c.features().map((f) => ({ ...f, geometry: { type: 'LineString', coordinates: (f.geometry!.coordinates as number[][][])[0] } })))),
  },
  {
    name: 'zones: unclosed rings: closed with a warning, same numbers', outcome: 'ok', message: /3 ring\(s\) end on a vertex other than their first \(zone 1 is one\)/, same: true,
    build: zonesDoc((c) => c.collection(c.features().map((f) => ({ ...f, geometry: { type: 'Polygon', coordinates: (f.geometry!.coordinates as number[][][]).map((r) => r.slice(0, -1)) } })))),
  },
  {
    name: 'zones: a self-intersecting (bow-tie) polygon', outcome: 'error', message: /zone 2 \(feature 2\) has a ring that crosses itself near \(.*\).*ogr2ogr -makevalid.*ST_MakeValid/,
    build: zonesDoc((c) => {
      const fs = c.features();
      const [outer] = fs[1]!.geometry!.coordinates as number[][][];
      const bow = [outer![0]!, outer![2]!, outer![1]!, outer![3]!, outer![0]!];
      return c.collection([fs[0], { ...fs[1], geometry: { type: 'Polygon', coordinates: [bow] } }]);
    }),
  },
  {
    name: 'zones: the real DataV Sichuan file, whose rings pinch against themselves: counted as drawn, with a warning', outcome: 'ok',
    message: /510000\.json: 4 zone\(s\) have rings that cross themselves without twisting/,
    needs: ['datav-gmap/510000.json', 'resdc-landuse-sichuan-chongqing-300m/landuse2000.tif'],
    build: (c) => {
      const zones = join(REAL, 'datav-gmap/510000.json');
      return { args: c.args({ rasters: [[2000, join(REAL, 'resdc-landuse-sichuan-chongqing-300m/landuse2000.tif')]], zones, extra: ['--unmapped', 'zero', '--coverage', 'center', '--no-rasters'] }), names: zones };
    },
  },
  {
    name: 'zones: a ring twisted at a vertex it passes twice (fuzz seed 15037: counted more than its area)', outcome: 'error', message: /zone 1 \(feature 1\) has a ring that crosses itself near/,
    build: zonesDoc((c) => {
      const fs = c.features();
      const [outer] = fs[0]!.geometry!.coordinates as number[][][];
      const v = outer!;
      // v0 v1 v2 v0 v4 v3: two triangles meeting at v0, turning opposite ways
      fs[0]!.geometry = { type: 'Polygon', coordinates: [[v[0]!, v[1]!, v[2]!, v[0]!, v[4]!, v[3]!, v[0]!]] };
      return c.collection(fs);
    }),
  },
  {
    name: 'zones: a hole reaching out of its outer ring (fuzz seed 481): counted as drawn, with a warning', outcome: 'ok', message: /1 zone\(s\) have rings that cross .* \(e\.g\. 2 near/,
    build: zonesDoc((c) => {
      const fs = c.features();
      const [outer, hole] = fs[1]!.geometry!.coordinates as number[][][];
      const moved = hole!.map((p, i) => (i === 2 || i === 3 ? [p[0]! + 0.01, p[1]!] : p));
      fs[1]!.geometry = { type: 'Polygon', coordinates: [outer!, moved] };
      return c.collection(fs);
    }),
  },
  {
    name: 'zones: rings in the wrong orientation (outer clockwise, holes counter-clockwise): same numbers', outcome: 'ok', same: true,
    build: zonesDoc((c) => c.collection(c.features().map((f) => ({ ...f, geometry: { type: 'Polygon', coordinates: (f.geometry!.coordinates as number[][][]).map((r) => [...r].reverse()) } })))),
  },
  {
    name: 'zones: a MultiPolygon of the same rings: same numbers', outcome: 'ok', same: true,
    build: zonesDoc((c) => c.collection(c.features().map((f) => ({ ...f, geometry: { type: 'MultiPolygon', coordinates: [f.geometry!.coordinates] } })))),
  },
  { name: 'zones: duplicate zone ids', outcome: 'error', message: /zone id "1" appears twice \(features 1 and 2, field code\)/, build: zonesDoc((c) => c.collection(c.features().map((f) => ({ ...f, properties: { ...f.properties, code: 1 } })))) },
  {
    name: 'zones: a vertex given as strings', outcome: 'error', message: /feature 1 \(1\) has malformed coordinates \(the vertex \["117\.9","40\.9"\] is not a pair of finite numbers\)/,
    build: zonesDoc((c) => { const fs = c.features(); (fs[0]!.geometry!.coordinates as unknown[][][])[0]![1] = ['117.9', '40.9']; return c.collection(fs); }),
  },
  { name: 'zones: Polygon coordinates that are a number', outcome: 'error', message: /feature 1 \(1\) has malformed coordinates \(a polygon is 5, not an array of rings\)/, build: zonesDoc((c) => c.collection(c.features().map((f) => ({ ...f, geometry: { type: 'Polygon', coordinates: 5 } })))) },
  { name: 'zones: a feature that is not an object', outcome: 'error', message: /feature 2 \(\?\) has malformed coordinates \(the feature is 42, not a GeoJSON Feature object\)/, build: zonesDoc((c) => c.collection([c.features()[0], 42])) },
  { name: 'zones: a "crs" member naming an unknown CRS', outcome: 'error', message: /its "crs" member names urn:ogc:def:crs:FOO::1, which this tool cannot resolve/, build: zonesDoc((c) => ({ ...(c.collection(c.features()) as object), crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:FOO::1' } } })) },
  {
    name: 'zones: lon/lat written as lat/lon (swapped axes)', outcome: 'error', message: /would with x and y exchanged: the coordinates are written as latitude, longitude/,
    build: (c) => {
      const zones = c.geojson(c.collection(mapZones(c.scene, ([x, y]) => [y!, x!]).map((z) => ({ type: 'Feature', properties: { code: z.code, name: z.name }, geometry: { type: 'Polygon', coordinates: z.rings } }))));
      return { args: c.args({ zones }), names: zones };
    },
  },
  {
    name: 'zones: entirely outside the raster', outcome: 'error', message: /no zone overlaps the raster/,
    build: (c) => {
      const zones = c.geojson(c.collection(mapZones(c.scene, ([x, y]) => [x! + 1, y!]).map((z) => ({ type: 'Feature', properties: { code: z.code, name: z.name }, geometry: { type: 'Polygon', coordinates: z.rings } }))));
      return { args: c.args({ zones }), names: zones };
    },
  },
  { name: 'zones: a file of another format (.kml)', outcome: 'error', message: /zones must be an ESRI shapefile .*GeoJSON/, build: (c) => { const z = c.file('zones.kml', '<kml/>'); return { args: c.args({ zones: z }), names: z }; } },
  { name: 'zones: --zone-id naming a missing attribute', outcome: 'error', message: /has no attribute "adcode" \(given by --zone-id\)/, build: (c) => { const z = c.geojson(); return { args: c.args({ zones: z, extra: ['--zone-id', 'adcode'] }), names: z }; } },

  // ---- zones: shapefiles ---------------------------------------------------------------------
  { name: 'shapefile: valid (the same zones as the GeoJSON): same numbers', outcome: 'ok', same: true, build: (c) => { const z = c.shapefile(); return { args: c.args({ zones: z }), names: z }; } },
  { name: 'shapefile: without .shx (only an index; the .shp is read in order): same numbers', outcome: 'ok', same: true, build: (c) => { const z = c.shapefile({ omit: ['.shx'] }); return { args: c.args({ zones: z }), names: z }; } },
  { name: 'shapefile: without .dbf', outcome: 'error', message: /the attribute table .*zones\.dbf is missing/, build: (c) => { const z = c.shapefile({ omit: ['.dbf'] }); return { args: c.args({ zones: z }), names: z }; } },
  { name: 'shapefile: without .prj', outcome: 'error', message: /has no \.prj file, so its coordinate system is unknown.*--zones-crs/, build: (c) => { const z = c.shapefile({ omit: ['.prj'] }); return { args: c.args({ zones: z }), names: z }; } },
  { name: 'shapefile: without .prj but with --zones-crs EPSG:4326: same numbers', outcome: 'ok', same: true, build: (c) => { const z = c.shapefile({ omit: ['.prj'] }); return { args: c.args({ zones: z, extra: ['--zones-crs', 'EPSG:4326'] }), names: z }; } },
  {
    name: 'shapefile: a .prj in a projection proj4 does not know', outcome: 'error', message: /zones\.prj: proj4 cannot parse this coordinate system .*--zones-crs.*gdalsrsinfo/,
    build: (c) => { const z = c.shapefile({ prj: BEHRMANN_PRJ.replace('"Behrmann"', '"Bogus_Projection"') }); return { args: c.args({ zones: z }), names: join(c.dir, 'zones.prj') }; },
  },
  {
    name: 'shapefile: an ESRI "Behrmann" .prj (read as +proj=cea +lat_ts=30): same areas to 1e-6', outcome: 'ok', same: true, tolerance: 1e-6,
    build: (c) => {
      // proj4js's cea needs x_0/y_0 spelled out (it yields NaN without them)
      const behrmann = '+proj=cea +lat_ts=30 +lon_0=0 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs';
      const z = c.shapefile({ prj: BEHRMANN_PRJ, zones: mapZones(c.scene, (p) => proj4(WGS84, behrmann, p)) });
      return { args: c.args({ zones: z }), names: z };
    },
  },
  { name: 'shapefile: .shp truncated mid-record', outcome: 'error', message: /zones\.shp: the shapefile cannot be read/, build: (c) => { const z = c.shapefile(); const b = buildShapefile(c.scene.zones).shp; c.file('zones.shp', b.subarray(0, 150)); return { args: c.args({ zones: z }), names: z }; } },
  {
    name: 'shapefile: the real rasterstats points.shp', outcome: 'error', message: /points\.shp: feature 1 \(.*\) is a Point; zones must be polygons/, needs: ['rasterstats/points.shp'],
    build: (c) => {
      for (const ext of ['.shp', '.shx', '.dbf', '.prj']) copyFileSync(join(REAL, 'rasterstats/points' + ext), join(c.dir, 'points' + ext));
      const z = join(c.dir, 'points.shp');
      return { args: c.args({ zones: z }), names: z };
    },
  },

  // ---- coefficients ----------------------------------------------------------------------------
  { name: 'coefficients: a missing column', outcome: 'error', message: /lacks the column\(s\) primary/, build: coefficients('code,name,coefficient_t_ha_yr\n21,forest,8.7\n') },
  { name: 'coefficients: a non-numeric value', outcome: 'error', message: /line 3: the coefficient "n\/a" of class 12 is not a number/, build: coefficients(sceneCsv().replace(/^12,(.*),0\.3$/m, '12,$1,n/a')) },
  { name: 'coefficients: a duplicated code', outcome: 'error', message: /class code 21 appears twice/, build: coefficients(sceneCsv() + '21,forest again,primary 2,9\n') },
  { name: 'coefficients: an empty file', outcome: 'error', message: /lacks the column\(s\) code, name, primary, coefficient_t_ha_yr \(found: nothing\)/, build: coefficients('') },
  { name: 'coefficients: a code that is not a whole number', outcome: 'error', message: /the code "21\.5" is not a whole number between 0 and 65535/, build: coefficients(sceneCsv().replace(/^21,/m, '21.5,')) },
  { name: 'coefficients: a raster code the table lacks', outcome: 'error', message: /class codes found in the raster have no coefficient in the table: 51 \([\d.]+ cells in 2020\)/, build: (c) => { const csv = c.csv(sceneCsv().replace(/^51,.*\n/m, '')); const r = c.tiff(); return { args: c.args({ coefficients: csv, rasters: [[2020, r]] }), names: r }; } },
  { name: 'coefficients: an unknown preset name', outcome: 'error', message: /--coefficients chengde-2042: no such preset or file/, build: (c) => ({ args: c.args({ coefficients: 'chengde-2042' }), names: 'chengde-2042' }) },

  // ---- --out ---------------------------------------------------------------------------------
  {
    name: '--out pointing at a file', outcome: 'error', message: /--out .*results\.txt: is a file, not a folder/,
    build: (c) => { const f = c.file('results.txt', 'keep me\n'); return { args: c.args(), names: f, out: f }; },
  },
  {
    name: '--out inside a path whose parent is a regular file (unwritable even for root)', outcome: 'error', message: /--out .*not-a-folder\/results: cannot be created \(ENOTDIR/,
    build: (c) => { const f = c.file('not-a-folder', 'keep me\n'); const out = join(f, 'results'); return { args: c.args(), names: out, out }; },
  },
  {
    name: '--out under /proc (a file system that refuses new folders, even for root)', outcome: 'error', message: /--out \/proc\/lucc-carbon-results: cannot write beside it \(ENOENT\)/,
    build: (c) => ({ args: c.args(), names: '/proc/lucc-carbon-results', out: '/proc/lucc-carbon-results' }),
  },
  {
    name: '--out is the folder of the input raster', outcome: 'error', message: /is the folder of the input .*\. Write results to a folder of their own/,
    build: (c) => { const r = c.tiff(); return { args: c.args({ rasters: [[2020, r]] }), names: c.dir, out: c.dir }; },
  },
];

/** The scene's cells with the nodata corner set to a class, for rasters whose nodata is ignored. */
function sceneTiffCellsWithoutNodata(): Uint8Array {
  return scene().cells.map((v) => (v === 0 ? 11 : v));
}


export function caseSlug(name: string): string {
  return basename(name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')).slice(0, 60);
}

export function realAvailable(rel: string[]): boolean {
  return rel.every((r) => existsSync(join(REAL, r)));
}
