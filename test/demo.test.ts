import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fromFile } from 'geotiff';
import { generateDemo, type DemoPaths } from '../data/demo.js';

const CAS_CODES = new Set([11, 12, 21, 22, 23, 24, 31, 32, 33, 41, 42, 43, 46, 51, 52, 53, 61, 64, 65, 66]);
const BUILT_UP = new Set([51, 52, 53]);
const SIZE = 600;
const root = join(import.meta.dirname, '.tmp', `demo-${process.pid}-${Date.now().toString(36)}`);

type Position = number[];
interface Geometry { type: string; coordinates: unknown }
interface Feature { type: string; properties: { code: number; name: string }; geometry: Geometry }

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const allFiles = (p: DemoPaths): string[] => [...p.rasters.map((r) => r.path), p.zonesPath];

describe('generateDemo', () => {
  let first: DemoPaths;
  let second: DemoPaths;
  beforeAll(async () => {
    first = await generateDemo(join(root, 'a'), { size: SIZE });
    second = await generateDemo(join(root, 'b'), { size: SIZE });
  }, 60_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is deterministic: identical bytes for the same seed and size, different for another seed', async () => {
    expect(first.rasters.map((r) => r.year)).toEqual([2000, 2005, 2010, 2015, 2020]);
    expect(first.rasters.map((r) => basename(r.path))).toEqual([2000, 2005, 2010, 2015, 2020].map((y) => `landuse_${y}.tif`));
    expect(basename(first.zonesPath)).toBe('counties.geojson');
    expect(allFiles(second).map(sha256)).toEqual(allFiles(first).map(sha256));
    const other = await generateDemo(join(root, 'c'), { size: SIZE, seed: 7 });
    expect(sha256(other.rasters[0]!.path)).not.toBe(sha256(first.rasters[0]!.path));
  }, 30_000);

  it('rasters: 30 m CAS Albers uint8 grid, CAS codes only, built-up grows every epoch', async () => {
    let previousBuiltUp = -1;
    let origin: number[] | undefined;
    for (const { path } of first.rasters) {
      const image = await (await fromFile(path)).getImage();
      expect([image.getWidth(), image.getHeight()]).toEqual([SIZE, SIZE]);
      expect(image.getTileWidth()).toBe(256);
      expect(image.getBitsPerSample()).toBe(8);
      expect(image.getGDALNoData()).toBe(0);
      expect(image.getResolution()).toEqual([30, -30, 0]);
      expect(image.getGeoKeys()).toMatchObject({
        GTModelTypeGeoKey: 1, ProjCoordTransGeoKey: 11, ProjStdParallel1GeoKey: 25, ProjStdParallel2GeoKey: 47,
        ProjNatOriginLongGeoKey: 105, GeogSemiMajorAxisGeoKey: 6378245, GeogInvFlatteningGeoKey: 298.3,
      });
      // same grid every epoch; the CAS Albers origin of a square over Chengde (x east of lon 105, y near lat 41)
      origin ??= image.getOrigin();
      expect(image.getOrigin()).toEqual(origin);
      expect(origin[0]).toBeGreaterThan(800_000);
      expect(origin[0]).toBeLessThan(1_300_000);
      expect(origin[1]).toBeGreaterThan(4_500_000);
      expect(origin[1]).toBeLessThan(4_900_000);

      const [band] = await image.readRasters();
      const codes = band as Uint8Array;
      const counts = new Float64Array(256);
      for (let i = 0; i < codes.length; i++) counts[codes[i]!]!++;
      const present = [...counts.keys()].filter((c) => counts[c]! > 0 && c !== 0);
      expect(present.filter((c) => !CAS_CODES.has(c))).toEqual([]);
      expect(present.length).toBeGreaterThanOrEqual(15);
      expect(counts[0]).toBeGreaterThan(0); // nodata border strip
      const forest = counts[21]! + counts[22]! + counts[23]! + counts[24]!;
      expect(forest).toBeGreaterThan(0.4 * (codes.length - counts[0]!)); // forest dominant, like Chengde
      const builtUp = [...BUILT_UP].reduce((s, c) => s + counts[c]!, 0);
      expect(builtUp).toBeGreaterThan(previousBuiltUp);
      previousBuiltUp = builtUp;
    }
  });

  it('counties: 12 valid features with closed rings, a MultiPolygon and a hole', () => {
    const fc = JSON.parse(readFileSync(first.zonesPath, 'utf8')) as { type: string; features: Feature[] };
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features).toHaveLength(12);
    const codes = fc.features.map((f) => f.properties.code);
    expect(new Set(codes).size).toBe(12);
    for (const c of codes) expect(Math.floor(c / 100)).toBe(1308);
    for (const f of fc.features) expect(f.properties.name.length).toBeGreaterThan(0);

    const polygonsOf = (g: Geometry): Position[][][] =>
      g.type === 'Polygon' ? [g.coordinates as Position[][]] : (g.coordinates as Position[][][]);
    for (const f of fc.features) {
      expect(['Polygon', 'MultiPolygon']).toContain(f.geometry.type);
      for (const polygon of polygonsOf(f.geometry))
        for (const ring of polygon) {
          expect(ring.length).toBeGreaterThanOrEqual(4);
          expect(ring[ring.length - 1]).toEqual(ring[0]);
          for (const [lon, lat] of ring) {
            expect(lon).toBeGreaterThan(115.9); expect(lon).toBeLessThan(119.3);
            expect(lat).toBeGreaterThan(40.2); expect(lat).toBeLessThan(42.6);
          }
        }
    }
    const multi = fc.features.filter((f) => f.geometry.type === 'MultiPolygon');
    expect(multi.length).toBeGreaterThanOrEqual(1);
    expect(polygonsOf(multi[0]!.geometry).length).toBe(2);
    const withHole = fc.features.filter((f) => polygonsOf(f.geometry).some((p) => p.length > 1));
    expect(withHole.length).toBeGreaterThanOrEqual(1);
    // the hole is exactly the exclave of the MultiPolygon county (same vertices, opposite orientation)
    const hole = polygonsOf(withHole[0]!.geometry)[0]![1]!;
    const exclave = polygonsOf(multi[0]!.geometry)[1]![0]!;
    expect([...hole].reverse()).toEqual(exclave);
    // irregular edges: many vertices per county
    for (const f of fc.features) expect(polygonsOf(f.geometry)[0]![0]!.length).toBeGreaterThan(100);
  });
});
