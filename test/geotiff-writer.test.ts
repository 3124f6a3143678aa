import { describe, it, expect, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fromFile } from 'geotiff';
import {
  GeoTiffWriter, casAlbersGeoKeys, compressTile, epsgGeoKeys,
  type GeoKeyTags, type GeoTiffSpec, type SampleType,
} from '../output/geotiff-writer.js';

const TMP = join(import.meta.dirname, '.tmp');
mkdirSync(TMP, { recursive: true });
const made: string[] = [];
let counter = 0;
function tmpPath(name: string): string {
  const p = join(TMP, `gtw-${process.pid}-${counter++}-${name}.tif`);
  made.push(p);
  return p;
}
afterAll(() => { for (const p of made) rmSync(p, { force: true }); });

type Pixels = Uint8Array | Uint16Array | Float32Array;
function makeArray(type: SampleType, n: number): Pixels {
  return type === 'uint8' ? new Uint8Array(n) : type === 'uint16' ? new Uint16Array(n) : new Float32Array(n);
}

/** Write `pixels` (width x height, row-major) tile by tile, padding edge tiles with `pad`. */
async function writeRaster(path: string, spec: GeoTiffSpec, pixels: Pixels, pad = 0, precompressed = false): Promise<void> {
  const { width, height, tileSize } = spec;
  const w = await GeoTiffWriter.create(path, spec);
  const tile = makeArray(spec.sampleType, tileSize * tileSize);
  for (let tr = 0; tr < w.tilesDown; tr++) {
    for (let tc = 0; tc < w.tilesAcross; tc++) {
      tile.fill(pad);
      for (let r = 0; r < tileSize && tr * tileSize + r < height; r++)
        for (let c = 0; c < tileSize && tc * tileSize + c < width; c++)
          tile[r * tileSize + c] = pixels[(tr * tileSize + r) * width + tc * tileSize + c]!;
      const index = tr * w.tilesAcross + tc;
      if (precompressed) await w.writeCompressedTile(index, compressTile(tile, 9));
      else await w.writeTile(index, tile);
    }
  }
  await w.finish();
}

function pattern(type: SampleType, width: number, height: number, nodata: number): Pixels {
  const a = makeArray(type, width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      a[i] = type === 'uint8' ? (x * 7 + y * 3) % 250 + 1 : type === 'uint16' ? (x * 131 + y * 17) % 60000 + 1 : Math.sin(x / 9) * 1000 + y * 0.125;
      if ((x + 2 * y) % 53 === 0) a[i] = nodata;
    }
  return a;
}

const ALBERS_KEYS = {
  GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32767, ProjCoordTransGeoKey: 11, ProjLinearUnitsGeoKey: 9001,
  ProjStdParallel1GeoKey: 25, ProjStdParallel2GeoKey: 47, ProjNatOriginLongGeoKey: 105, ProjNatOriginLatGeoKey: 0,
  ProjFalseEastingGeoKey: 0, ProjFalseNorthingGeoKey: 0, GeogSemiMajorAxisGeoKey: 6378245, GeogInvFlatteningGeoKey: 298.3,
};

describe('GeoTiffWriter round trip through geotiff.js', () => {
  const cases: { type: SampleType; nodata: number; precompressed: boolean }[] = [
    { type: 'uint8', nodata: 0, precompressed: false },
    { type: 'uint16', nodata: 65535, precompressed: true },
    { type: 'float32', nodata: -9999, precompressed: false },
  ];
  for (const { type, nodata, precompressed } of cases) {
    it(`${type}: values, tiles, origin, resolution, nodata, geokeys (edge tiles, ${precompressed ? 'precompressed' : 'writeTile'})`, async () => {
      const width = 150, height = 100, tileSize = 64; // 3 x 2 tiles, partial on the right and bottom
      const spec: GeoTiffSpec = {
        width, height, sampleType: type, tileSize, originX: -293904.5, originY: 3433035.25,
        cellWidth: 30, cellHeight: 25, nodata, geoKeys: casAlbersGeoKeys(),
      };
      const pixels = pattern(type, width, height, nodata);
      const path = tmpPath(type);
      await writeRaster(path, spec, pixels, nodata, precompressed);

      const image = await (await fromFile(path)).getImage();
      expect([image.getWidth(), image.getHeight()]).toEqual([width, height]);
      expect([image.getTileWidth(), image.getTileHeight()]).toEqual([tileSize, tileSize]);
      expect(image.getBitsPerSample()).toBe(type === 'uint8' ? 8 : type === 'uint16' ? 16 : 32);
      expect(image.getSampleFormat()).toBe(type === 'float32' ? 3 : 1);
      expect(image.getOrigin()).toEqual([-293904.5, 3433035.25, 0]);
      expect(image.getResolution()).toEqual([30, -25, 0]);
      expect(image.getGDALNoData()).toBe(nodata);
      expect(image.getGeoKeys()).toMatchObject(ALBERS_KEYS);
      const [band] = await image.readRasters();
      expect(band).toBeInstanceOf(pixels.constructor);
      expect(Array.from(band as Pixels)).toEqual(Array.from(pixels));
    });
  }

  it('a one-tile raster (no overviews) left all nodata by writeEmptyTiles: every cell reads back as nodata', async () => {
    const spec: GeoTiffSpec = { width: 20, height: 12, sampleType: 'float32', tileSize: 32, originX: 0, originY: 0, cellWidth: 1, cellHeight: 1, nodata: -9999, geoKeys: epsgGeoKeys(3857) };
    const path = tmpPath('one-tile-empty');
    const w = await GeoTiffWriter.create(path, spec);
    await w.writeEmptyTiles(w.tilesAcross * w.tilesDown);
    await w.finish();
    const image = await (await fromFile(path)).getImage();
    const [band] = (await image.readRasters()) as unknown as Float32Array[];
    expect(image.getWidth()).toBe(20);
    expect(band!.length).toBe(240);
    expect(band!.every((v) => v === -9999)).toBe(true);
  });

  it('epsgGeoKeys: geographic and projected codes', async () => {
    const cases: [number, Record<string, number>][] = [
      [4326, { GTModelTypeGeoKey: 2, GTRasterTypeGeoKey: 1, GeographicTypeGeoKey: 4326 }],
      [32650, { GTModelTypeGeoKey: 1, GTRasterTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32650 }],
    ];
    for (const [epsg, keys] of cases) {
      const path = tmpPath(`epsg${epsg}`);
      const spec: GeoTiffSpec = { width: 20, height: 20, sampleType: 'uint8', tileSize: 16, originX: 117, originY: 41, cellWidth: 0.001, cellHeight: 0.001, geoKeys: epsgGeoKeys(epsg) };
      await writeRaster(path, spec, new Uint8Array(400).fill(3));
      const image = await (await fromFile(path)).getImage();
      expect(image.getGeoKeys()).toEqual(keys);
      expect(image.getGDALNoData()).toBeNull();
    }
    expect(() => epsgGeoKeys(0)).toThrow(/EPSG/);
  });

  it('rejects misuse with a message saying what to do, and abort() leaves no file', async () => {
    const spec: GeoTiffSpec = { width: 40, height: 40, sampleType: 'uint16', tileSize: 32, originX: 0, originY: 0, cellWidth: 1, cellHeight: 1, geoKeys: epsgGeoKeys(3857) };
    await expect(GeoTiffWriter.create(tmpPath('bad'), { ...spec, tileSize: 30 })).rejects.toThrow(/multiple of 16/);
    const path = tmpPath('aborted');
    const w = await GeoTiffWriter.create(path, spec);
    expect([w.tilesAcross, w.tilesDown]).toEqual([2, 2]);
    await expect(w.writeTile(1, new Uint16Array(32 * 32))).rejects.toThrow(/row-major order/);
    await expect(w.writeTile(0, new Uint8Array(32 * 32))).rejects.toThrow(/Uint16Array/);
    await expect(w.writeTile(0, new Uint16Array(10))).rejects.toThrow(/pad edge tiles/);
    await w.writeTile(0, new Uint16Array(32 * 32));
    await expect(w.finish()).rejects.toThrow(/1 of 4 tiles/);
    await w.abort();
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(TMP).filter((f) => f.startsWith(`gtw-${process.pid}-`) && f.includes('aborted'))).toEqual([]);
  });
});

describe('GDAL reads what GeoTiffWriter writes', () => {
  it('gdalinfo -json -stats: CAS Albers CRS, geotransform, nodata, statistics', async () => {
    if (!existsSync('/usr/bin/gdalinfo')) {
      if (process.env.CI === 'true') throw new Error('gdalinfo is required in CI (apt-get install gdal-bin).');
      return;
    }
    const width = 300, height = 200, nodata = -9999;
    const pixels = pattern('float32', width, height, nodata) as Float32Array;
    const path = tmpPath('gdal');
    const keys: GeoKeyTags = casAlbersGeoKeys();
    await writeRaster(path, { width, height, sampleType: 'float32', tileSize: 256, originX: 1234560, originY: 4567890, cellWidth: 30, cellHeight: 30, nodata, geoKeys: keys }, pixels, nodata);

    const out = execFileSync('/usr/bin/gdalinfo', ['-json', '-stats', path], { encoding: 'utf8', env: { ...process.env, GDAL_PAM_ENABLED: 'NO' } });
    const info = JSON.parse(out) as {
      size: number[]; geoTransform: number[]; coordinateSystem: { wkt: string };
      bands: { type: string; block: number[]; noDataValue: number; minimum: number; maximum: number; mean: number }[];
      metadata: { IMAGE_STRUCTURE?: Record<string, string> };
    };
    const wkt = info.coordinateSystem.wkt;
    expect(wkt).toMatch(/METHOD\["Albers Equal Area"/);
    expect(wkt).toMatch(/ELLIPSOID\["Krassowsky 1940",6378245,298\.3/);
    expect(wkt).toMatch(/PARAMETER\["Latitude of 1st standard parallel",25,/);
    expect(wkt).toMatch(/PARAMETER\["Latitude of 2nd standard parallel",47,/);
    expect(wkt).toMatch(/PARAMETER\["Longitude of false origin",105,/);
    expect(wkt).toMatch(/PARAMETER\["Latitude of false origin",0,/);
    expect(info.size).toEqual([width, height]);
    expect(info.geoTransform).toEqual([1234560, 30, 0, 4567890, 0, -30]);
    expect(info.metadata.IMAGE_STRUCTURE?.COMPRESSION).toBe('DEFLATE');
    const band = info.bands[0]!;
    expect(band.type).toBe('Float32');
    expect(band.block).toEqual([256, 256]);
    expect(band.noDataValue).toBe(nodata);
    let min = Infinity, max = -Infinity, sum = 0, n = 0;
    for (const v of pixels) if (v !== nodata) { min = Math.min(min, v); max = Math.max(max, v); sum += v; n++; }
    expect(n).toBeLessThan(pixels.length); // some nodata really was excluded
    expect(band.minimum).toBeCloseTo(min, 3);
    expect(band.maximum).toBeCloseTo(max, 3);
    expect(band.mean).toBeCloseTo(sum / n, 3);
  });
});
