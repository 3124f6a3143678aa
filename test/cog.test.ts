import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fromFile } from 'geotiff';
import { GeoTiffWriter, casAlbersGeoKeys, epsgGeoKeys, type GeoTiffSpec } from '../output/geotiff-writer.js';
import { applyPredictor, decodeTile, encodeTile, undoPredictor } from '../output/cog-tile.js';
import { overviewShapes } from '../output/overviews.js';
import { generateDemo } from '../data/demo.js';
import { gdalAvailable, readCsv, runCli, tmpDir } from './helpers.js';

const NODATA = -9999;
const { dir: TMP, cleanup } = tmpDir('cog');
afterAll(cleanup);
let counter = 0;
const tmpTif = (name: string): string => join(TMP, `${counter++}-${name}.tif`);
const gdalEnv = { ...process.env, GDAL_PAM_ENABLED: 'NO' };

/** Write a float32 raster (width x height, row-major) tile by tile, edge tiles padded with nodata. */
async function writeFloat(path: string, spec: GeoTiffSpec, pixels: Float32Array): Promise<void> {
  const { width, height, tileSize: T } = spec;
  const w = await GeoTiffWriter.create(path, spec);
  const tile = new Float32Array(T * T);
  for (let tr = 0; tr < w.tilesDown; tr++) {
    for (let tc = 0; tc < w.tilesAcross; tc++) {
      tile.fill(spec.nodata ?? 0);
      for (let r = 0; r < T && tr * T + r < height; r++)
        for (let c = 0; c < T && tc * T + c < width; c++) tile[r * T + c] = pixels[(tr * T + r) * width + tc * T + c]!;
      await w.writeTile(tr * w.tilesAcross + tc, tile);
    }
  }
  await w.finish();
}

function floatSpec(width: number, height: number, tileSize: number, extra: Partial<GeoTiffSpec> = {}): GeoTiffSpec {
  return {
    width, height, sampleType: 'float32', tileSize, originX: 1033050, originY: 4515300,
    cellWidth: 30, cellHeight: 30, nodata: NODATA, geoKeys: casAlbersGeoKeys(), ...extra,
  };
}

/** Mean of the valid cells of a `factor` x `factor` block: the reference for an overview cell. */
function blockMean(pixels: Float32Array, width: number, height: number, factor: number, row: number, col: number): number {
  let sum = 0, n = 0;
  for (let r = row * factor; r < Math.min(height, (row + 1) * factor); r++)
    for (let c = col * factor; c < Math.min(width, (col + 1) * factor); c++) {
      const v = pixels[r * width + c]!;
      if (v !== NODATA) { sum += v; n++; }
    }
  return n === 0 ? NODATA : sum / n;
}

// ---- an independent reader of the TIFF structure: IFD offsets and tile offsets ------------------

interface IfdInfo { offset: number; width: number; height: number; subfileType: number; tileOffsets: number[]; tileByteCounts: number[] }

function readStructure(path: string): { big: boolean; ifds: IfdInfo[] } {
  const buf = readFileSync(path);
  expect(buf.toString('latin1', 0, 2)).toBe('II');
  const big = buf.readUInt16LE(2) === 43;
  const u = (at: number, bytes: number) => (bytes === 2 ? buf.readUInt16LE(at) : bytes === 4 ? buf.readUInt32LE(at) : Number(buf.readBigUInt64LE(at)));
  const typeBytes: Record<number, number> = { 2: 1, 3: 2, 4: 4, 12: 8, 16: 8 };
  const ifds: IfdInfo[] = [];
  let at = big ? u(8, 8) : u(4, 4);
  while (at !== 0) {
    const n = big ? u(at, 8) : u(at, 2);
    const entries = at + (big ? 8 : 2);
    const entrySize = big ? 20 : 12;
    const tags = new Map<number, number[]>();
    for (let k = 0; k < n; k++) {
      const e = entries + k * entrySize;
      const tag = u(e, 2), type = u(e + 2, 2), count = big ? u(e + 4, 8) : u(e + 4, 4);
      const size = typeBytes[type]! * count;
      const inline = size <= (big ? 8 : 4);
      const valueAt = inline ? e + (big ? 12 : 8) : big ? u(e + 12, 8) : u(e + 8, 4);
      if (type === 2) continue;
      tags.set(tag, Array.from({ length: count }, (_, i) => (type === 12 ? buf.readDoubleLE(valueAt + 8 * i) : u(valueAt + typeBytes[type]! * i, typeBytes[type]!))));
    }
    ifds.push({
      offset: at, width: tags.get(256)![0]!, height: tags.get(257)![0]!, subfileType: tags.get(254)?.[0] ?? 0,
      tileOffsets: tags.get(324)!, tileByteCounts: tags.get(325)!,
    });
    at = u(entries + n * entrySize, big ? 8 : 4);
  }
  return { big, ifds };
}

/** The checks of GDAL's validate_cloud_optimized_geotiff.py, plus row-major tile order within every IFD. */
function cogLayoutProblems(path: string): string[] {
  const { big, ifds } = readStructure(path);
  const problems: string[] = [];
  if (ifds[0]!.offset !== (big ? 16 : 8)) problems.push(`main IFD at ${ifds[0]!.offset}`);
  const firstData = Math.min(...ifds.flatMap((d) => d.tileOffsets));
  ifds.forEach((d, k) => {
    if (k > 0 && d.offset <= ifds[k - 1]!.offset) problems.push(`IFD ${k} before IFD ${k - 1}`);
    if (d.offset >= firstData) problems.push(`IFD ${k} after tile data`);
    if (k > 0 && (d.width > ifds[k - 1]!.width || d.height > ifds[k - 1]!.height)) problems.push(`IFD ${k} larger than IFD ${k - 1}`);
    if (k > 0 && d.subfileType !== 1) problems.push(`IFD ${k} NewSubfileType ${d.subfileType}`);
    for (let i = 1; i < d.tileOffsets.length; i++) if (d.tileOffsets[i]! < d.tileOffsets[i - 1]!) problems.push(`IFD ${k} tile ${i} out of row-major order`);
    // data of level k lies after all data of level k + 1 (smallest overview first, full resolution last)
    const next = ifds[k + 1];
    if (next && Math.min(...d.tileOffsets) < Math.max(...next.tileOffsets)) problems.push(`data of IFD ${k} starts before data of IFD ${k + 1} ends`);
  });
  return problems;
}

/** GDAL's own COG validator (Debian's python3-gdal); null when it is not installed. */
function gdalValidator(): string | null {
  const candidates = ['/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_cloud_optimized_geotiff.py', '/usr/share/doc/python3-gdal/examples/validate_cloud_optimized_geotiff.py'];
  return candidates.find((p) => existsSync(p)) ?? null;
}

function validateWithGdal(path: string): string {
  const script = gdalValidator();
  if (!script) throw new Error('validate_cloud_optimized_geotiff.py not found (python3-gdal)');
  const res = spawnSync('/usr/bin/python3', [script, '--full-check=yes', path], { encoding: 'utf8', env: gdalEnv });
  return `${res.stdout}${res.stderr}`.trim() + (res.status === 0 ? '' : ` (exit ${res.status})`);
}

interface GdalInfo {
  size: number[]; geoTransform: number[]; coordinateSystem: { wkt: string };
  metadata: { IMAGE_STRUCTURE?: Record<string, string> };
  bands: { type: string; block: number[]; noDataValue: number; minimum: number; maximum: number; mean: number;
    overviews?: { size: number[] }[]; metadata?: { ''?: Record<string, string> } }[];
}
/** The full-precision mean (the JSON's `mean` is rounded to 3 decimals). */
const statsMean = (band: GdalInfo['bands'][number]): number => Number(band.metadata['']?.STATISTICS_MEAN);
const gdalinfo = (path: string): GdalInfo => JSON.parse(execFileSync('gdalinfo', ['-json', '-stats', path], { encoding: 'utf8', env: gdalEnv })) as GdalInfo;

// ---- tests ---------------------------------------------------------------------------------------

describe('predictors', () => {
  it('floating point predictor (3) round-trips NaN, -0, denormals, infinities and -9999 bit for bit', () => {
    const T = 16;
    const tricky = [Number.NaN, -0, 0, 1.4e-45, -1.4e-45, 1.1754942e-38, 1.17549435e-38, -9999, 3.4028235e38, -3.4028235e38,
      Infinity, -Infinity, 1, -1, 0.1, 11.85, 6.15, 1e-30];
    const tile = new Float32Array(T * T);
    for (let i = 0; i < tile.length; i++) tile[i] = tricky[i % tricky.length]!;
    const bits = new Uint32Array(tile.buffer.slice(0));
    const decoded = decodeTile(encodeTile(tile, T, 3), T, 'float32', 3) as Float32Array;
    expect(decoded).toBeInstanceOf(Float32Array);
    expect(Array.from(new Uint32Array(decoded.buffer, decoded.byteOffset, decoded.length))).toEqual(Array.from(bits));
    expect(Object.is(decoded[1], -0)).toBe(true);
    expect(decoded[3]).toBe(Math.fround(1.4e-45));
    expect(Number.isNaN(decoded[0])).toBe(true);
    expect(Array.from(tile.slice(0, 3))).toEqual([Number.NaN, -0, 0]); // input untouched
  });

  it('floating point predictor lays out each row as byte planes, most significant first, then differences', () => {
    const row = new Float32Array([1, 2]); // 0x3f800000, 0x40000000
    const bytes = applyPredictor(row, 2, 3);
    // planes [3f 40 | 80 00 | 00 00 | 00 00] then byte-wise differences along the row
    expect(Array.from(bytes)).toEqual([0x3f, 0x01, 0x40, 0x80, 0x00, 0x00, 0x00, 0x00]);
    expect(Array.from(undoPredictor(bytes, 2, 'float32', 3) as Float32Array)).toEqual([1, 2]);
  });

  it('horizontal predictor (2) round-trips uint8 and uint16 rows with wrap-around', () => {
    const u8 = Uint8Array.from([0, 255, 1, 254, 7, 7, 7, 200, 3, 0, 0, 9, 255, 255, 0, 1]);
    expect(Array.from(decodeTile(encodeTile(u8, 4, 2), 4, 'uint8', 2))).toEqual(Array.from(u8));
    expect(Array.from(applyPredictor(Uint8Array.from([5, 3, 3, 10]), 2, 2))).toEqual([5, 254, 3, 7]);
    const u16 = Uint16Array.from([0, 65535, 1, 40000, 12, 12, 65000, 3, 9, 8, 7, 6, 5, 4, 3, 65535]);
    expect(Array.from(decodeTile(encodeTile(u16, 4, 2), 4, 'uint16', 2))).toEqual(Array.from(u16));
  });
});

describe('COG round trip through geotiff.js', () => {
  it('values, georeferencing, nodata and overview sizes (every level down to one tile)', async () => {
    const width = 150, height = 100, T = 32;
    const pixels = new Float32Array(width * height);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919) % 13 === 0 ? NODATA : Math.fround(Math.sin(i / 17) * 50 + (i % width) * 0.25);
    const path = tmpTif('roundtrip');
    await writeFloat(path, floatSpec(width, height, T), pixels);
    const tiff = await fromFile(path);
    expect(await tiff.getImageCount()).toBe(4); // 150x100, 75x50, 38x25, 19x13
    const sizes: number[][] = [];
    for (let k = 0; k < 4; k++) {
      const im = await tiff.getImage(k);
      sizes.push([im.getWidth(), im.getHeight()]);
      expect([im.getTileWidth(), im.getTileHeight()]).toEqual([T, T]);
    }
    expect(sizes).toEqual([[150, 100], [75, 50], [38, 25], [19, 13]]);
    expect(overviewShapes(width, height, T).map((s) => [s.width, s.height])).toEqual(sizes);
    const image = await tiff.getImage(0);
    expect(image.getOrigin()).toEqual([1033050, 4515300, 0]);
    expect(image.getResolution()).toEqual([30, -30, 0]);
    expect(image.getGDALNoData()).toBe(NODATA);
    expect(image.getGeoKeys()).toMatchObject({ ProjCoordTransGeoKey: 11, ProjStdParallel1GeoKey: 25, ProjStdParallel2GeoKey: 47, GeogSemiMajorAxisGeoKey: 6378245 });
    expect(image.fileDirectory.getValue('Predictor')).toBe(3);
    const [band] = await image.readRasters();
    expect(Array.from(band as Float32Array)).toEqual(Array.from(pixels));
    // every overview cell is the mean of the valid full-resolution cells it covers
    for (let k = 1; k < 4; k++) {
      const im = await tiff.getImage(k);
      const [ov] = await im.readRasters();
      const f = 2 ** k;
      for (let r = 0; r < im.getHeight(); r++)
        for (let c = 0; c < im.getWidth(); c++)
          expect((ov as Float32Array)[r * im.getWidth() + c]).toBeCloseTo(blockMean(pixels, width, height, f, r, c), 3);
    }
    expect(cogLayoutProblems(path)).toEqual([]);
  });

  it('overviews average valid cells only, at every level (hand-checked 4x4 block: 10/13 t/ha/yr, not the mean of means 2.5)', async () => {
    // 40 x 20 cells, tiles of 16: levels 40x20, 20x10, 10x5. Block rows 0-3, cols 0-3:
    //   10 ND | 0 0        level 1: [10 | 0]     level 2: 10 / 13 valid cells = 0.769...
    //   ND ND | 0 0                 [0  | 0]     (a mean of the level-1 means would give 2.5)
    //    0  0 | 0 0
    //    0  0 | 0 0
    const width = 40, height = 20;
    const pixels = new Float32Array(width * height).fill(4);
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) pixels[r * width + c] = 0;
    pixels[0] = 10; pixels[1] = NODATA; pixels[width] = NODATA; pixels[width + 1] = NODATA;
    // a 2x2 block with no valid cell stays nodata in level 1
    for (const [r, c] of [[6, 6], [6, 7], [7, 6], [7, 7]] as const) pixels[r * width + c] = NODATA;
    const path = tmpTif('handcheck');
    await writeFloat(path, floatSpec(width, height, 16), pixels);
    const tiff = await fromFile(path);
    const [l1] = await (await tiff.getImage(1)).readRasters();
    const [l2] = await (await tiff.getImage(2)).readRasters();
    const one = l1 as Float32Array, two = l2 as Float32Array;
    expect([one[0], one[1], one[20], one[21]]).toEqual([10, 0, 0, 0]);
    expect(one[3 * 20 + 3]).toBe(NODATA);
    expect(one[3 * 20 + 2]).toBe(4);
    expect(two[0]).toBeCloseTo(10 / 13, 6);
    // level-2 cell (1, 1) covers rows/cols 4-7: 12 valid cells of 4, 4 nodata
    expect(two[10 + 1]).toBe(4);
    expect(await tiff.getImageCount()).toBe(3);
  });

  it('class maps (uint8) get nearest-neighbour overviews: codes stay codes', async () => {
    const width = 64, height = 48, T = 16;
    const pixels = new Uint8Array(width * height);
    for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) pixels[r * width + c] = [11, 21, 31, 51][(r >> 1) % 4]! + (c % 2);
    const path = tmpTif('classes');
    const w = await GeoTiffWriter.create(path, { ...floatSpec(width, height, T), sampleType: 'uint8', nodata: 0, geoKeys: epsgGeoKeys(32650) });
    const tile = new Uint8Array(T * T);
    for (let tr = 0; tr < w.tilesDown; tr++) for (let tc = 0; tc < w.tilesAcross; tc++) {
      for (let r = 0; r < T; r++) for (let c = 0; c < T; c++) tile[r * T + c] = pixels[(tr * T + r) * width + tc * T + c]!;
      await w.writeTile(tr * w.tilesAcross + tc, tile);
    }
    await w.finish();
    const tiff = await fromFile(path);
    const [l1] = await (await tiff.getImage(1)).readRasters();
    // nearest takes the top-left cell of each 2x2: row 2r, col 2c
    for (let r = 0; r < 24; r++) for (let c = 0; c < 32; c++) expect((l1 as Uint8Array)[r * 32 + c]).toBe(pixels[2 * r * width + 2 * c]);
    expect((await tiff.getImage(0)).fileDirectory.getValue('Predictor') ?? 1).toBe(1);
  });

  it('BigTIFF (forced): same values and layout; geotiff.js reads it', async () => {
    const width = 70, height = 40;
    const pixels = Float32Array.from({ length: width * height }, (_, i) => (i % 11 === 0 ? NODATA : i * 0.5));
    const path = tmpTif('big');
    await writeFloat(path, floatSpec(width, height, 16, { bigTiff: 'always' }), pixels);
    expect(readFileSync(path).readUInt16LE(2)).toBe(43);
    const tiff = await fromFile(path);
    expect(await tiff.getImageCount()).toBe(4); // 70x40, 35x20, 18x10, 9x5
    const [band] = await (await tiff.getImage(0)).readRasters();
    expect(Array.from(band as Float32Array)).toEqual(Array.from(pixels));
    expect(cogLayoutProblems(path)).toEqual([]);
  });

  it('gaps written with writeEmptyTiles and precompressed tiles without a reduction build the same overviews', async () => {
    const width = 64, height = 64, T = 16;
    const pixels = new Float32Array(width * height).fill(NODATA);
    for (let r = 16; r < 32; r++) for (let c = 32; c < 48; c++) pixels[r * width + c] = r + c / 64;
    const a = tmpTif('dense'), b = tmpTif('sparse');
    await writeFloat(a, floatSpec(width, height, T), pixels);
    const w = await GeoTiffWriter.create(b, floatSpec(width, height, T));
    const tile = new Float32Array(T * T);
    for (let r = 0; r < T; r++) for (let c = 0; c < T; c++) tile[r * T + c] = pixels[(16 + r) * width + 32 + c]!;
    await w.writeEmptyTiles(6); // tile (1, 2) is index 6
    await w.writeCompressedTile(6, encodeTile(tile, T, 3, 1));
    await w.writeEmptyTiles(16);
    await w.finish();
    for (let k = 0; k < 3; k++) {
      const [va] = await (await (await fromFile(a)).getImage(k)).readRasters();
      const [vb] = await (await (await fromFile(b)).getImage(k)).readRasters();
      expect(Array.from(vb as Float32Array)).toEqual(Array.from(va as Float32Array));
    }
    expect(readdirSync(TMP).filter((f) => f.includes('.tmp-'))).toEqual([]); // spool files removed
  });
});

describe('GDAL reads the COGs', () => {
  it('gdalinfo -json -stats: CRS, nodata, overviews, statistics; GDAL\'s COG validator passes', async () => {
    if (!gdalAvailable()) return;
    const width = 1100, height = 700;
    const pixels = new Float32Array(width * height);
    for (let i = 0; i < pixels.length; i++) pixels[i] = i % 97 === 0 ? NODATA : Math.fround(((i * 31) % 1000) / 100);
    const path = tmpTif('gdal');
    await writeFloat(path, floatSpec(width, height, 512), pixels);
    const info = gdalinfo(path);
    expect(info.coordinateSystem.wkt).toMatch(/METHOD\["Albers Equal Area"/);
    expect(info.coordinateSystem.wkt).toMatch(/ELLIPSOID\["Krassowsky 1940",6378245,298\.3/);
    expect(info.geoTransform).toEqual([1033050, 30, 0, 4515300, 0, -30]);
    expect(info.metadata.IMAGE_STRUCTURE).toMatchObject({ COMPRESSION: 'DEFLATE', PREDICTOR: '3' });
    const band = info.bands[0]!;
    expect(band.block).toEqual([512, 512]);
    expect(band.noDataValue).toBe(NODATA);
    expect(band.overviews?.map((o) => o.size)).toEqual([[550, 350], [275, 175]]);
    let sum = 0, n = 0;
    for (const v of pixels) if (v !== NODATA) { sum += v; n++; }
    expect(statsMean(band)).toBeCloseTo(sum / n, 6);
    expect(validateWithGdal(path)).toMatch(/is a valid cloud optimized GeoTIFF/);
    expect(cogLayoutProblems(path)).toEqual([]);

    const big = tmpTif('gdal-big');
    await writeFloat(big, floatSpec(600, 530, 512, { bigTiff: 'always' }), pixels.subarray(0, 600 * 530));
    expect(validateWithGdal(big)).toMatch(/is a valid cloud optimized GeoTIFF/);
    expect(gdalinfo(big).bands[0]!.overviews?.map((o) => o.size)).toEqual([[300, 265]]);
  });
});

describe('a full demo run writes COGs that agree with the tables', () => {
  const { dir, cleanup: done } = tmpDir('cog-demo');
  afterAll(done);
  const out = join(dir, 'out');
  beforeAll(async () => {
    const demo = await generateDemo(join(dir, 'demo'), { size: 600 });
    const res = runCli(['run', ...demo.rasters.flatMap((r) => ['--raster', `${r.year}=${r.path}`]), '--zones', demo.zonesPath,
      '--coverage', 'center', '--change-rasters', 'all', '--workers', '2', '--out', out, '--quiet']);
    if (res.status !== 0) throw new Error(`run failed: ${res.stderr}`);
  }, 120_000);

  it('writes a sequestration COG per year and a change COG per consecutive pair plus first-to-last', () => {
    const tifs = readdirSync(out).filter((f) => f.endsWith('.tif')).sort();
    expect(tifs).toEqual(['change_2000_2005.tif', 'change_2000_2020.tif', 'change_2005_2010.tif', 'change_2010_2015.tif', 'change_2015_2020.tif',
      'sequestration_2000.tif', 'sequestration_2005.tif', 'sequestration_2010.tif', 'sequestration_2015.tif', 'sequestration_2020.tif']);
    for (const f of tifs) expect(cogLayoutProblems(join(out, f))).toEqual([]);
  });

  it('gdalinfo -stats and the raster sums match zones.csv and change.csv (centre rule: sum of t/ha/yr x 0.09 ha)', () => {
    if (!gdalAvailable()) return;
    const zones = readCsv(readFileSync(join(out, 'zones.csv'), 'utf8'));
    const change = readCsv(readFileSync(join(out, 'change.csv'), 'utf8'));
    const cellHa = 0.09; // 30 m x 30 m, equal-area Albers
    const sumOf = (path: string): { sum: number; valid: number } => JSON.parse(execFileSync('/usr/bin/python3', ['-c', `
import json, sys
from osgeo import gdal
import numpy as np
ds = gdal.Open(sys.argv[1])  # keep the dataset alive while its band is used
b = ds.GetRasterBand(1)
a = b.ReadAsArray().astype(np.float64)
v = a != b.GetNoDataValue()
print(json.dumps({"sum": float(a[v].sum()), "valid": int(v.sum())}))`, path], { encoding: 'utf8', env: gdalEnv })) as { sum: number; valid: number };
    for (const year of [2000, 2005, 2010, 2015, 2020]) {
      const path = join(out, `sequestration_${year}.tif`);
      const info = gdalinfo(path);
      const band = info.bands[0]!;
      expect(band.noDataValue).toBe(-9999);
      expect(band.overviews?.map((o) => o.size) ?? []).toEqual(overviewShapes(info.size[0]!, info.size[1]!, 512).slice(1).map((s) => [s.width, s.height]));
      expect(info.coordinateSystem.wkt).toMatch(/Albers Equal Area/);
      const { sum, valid } = sumOf(path);
      expect(statsMean(band)).toBeCloseTo(sum / valid, 6);
      const tableT = zones.filter((r) => Number(r.year) === year).reduce((s, r) => s + Number(r.sequestration_t_yr), 0);
      const tableHa = zones.filter((r) => Number(r.year) === year).reduce((s, r) => s + Number(r.area_ha), 0);
      expect(valid * cellHa).toBeCloseTo(tableHa, 6);
      expect(Math.abs(sum * cellHa - tableT) / tableT).toBeLessThan(1e-6);
      expect(validateWithGdal(path)).toMatch(/is a valid cloud optimized GeoTIFF/);
    }
    const all = change.find((r) => r.zone_id === 'ALL' && r.from_year === '2000' && r.to_year === '2020')!;
    const diff = sumOf(join(out, 'change_2000_2020.tif'));
    expect(Math.abs(diff.sum * cellHa - Number(all.change_t_yr)) / Math.abs(Number(all.change_t_yr))).toBeLessThan(1e-5);
    expect(validateWithGdal(join(out, 'change_2000_2020.tif'))).toMatch(/is a valid cloud optimized GeoTIFF/);
  });
});
