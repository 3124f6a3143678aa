import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import proj4 from 'proj4';
import { zonesFeatureCollection, type ZoneChangeRow, type ZoneYearRow } from '../output/zones-geojson.js';
import { crsFromEpsg, crsFromProj4 } from '../rasters/crs.js';
import type { Zone } from '../boundaries/read-zones.js';
import { generateDemo } from '../data/demo.js';
import { readCsv, runCli, tmpDir } from './helpers.js';

type Ring = number[][];
/** Twice the signed area (positive = counterclockwise). */
const signedArea2 = (ring: Ring): number => ring.reduce((s, p, i) => {
  const q = ring[(i + 1) % ring.length]!;
  return s + p[0]! * q[1]! - q[0]! * p[1]!;
}, 0);

describe('zonesFeatureCollection', () => {
  const rows: ZoneYearRow[] = [
    { year: 2000, zone_id: 'a', area_ha: 100, sequestration_t_yr: 50, share_of_total: 0.25 },
    { year: 2020, zone_id: 'a', area_ha: 100, sequestration_t_yr: 40, share_of_total: 0.2 },
    { year: 2000, zone_id: 'b', area_ha: 300, sequestration_t_yr: 150, share_of_total: 0.75 },
    { year: 2020, zone_id: 'b', area_ha: 300, sequestration_t_yr: 160, share_of_total: 0.8 },
  ];
  const change: ZoneChangeRow[] = [
    { zone_id: 'a', from_year: 2000, to_year: 2020, change_t_yr: -10, change_pct: -20 },
    { zone_id: 'b', from_year: 2000, to_year: 2020, change_t_yr: 10, change_pct: 100 / 15 },
    { zone_id: 'ALL', from_year: 2000, to_year: 2020, change_t_yr: 0, change_pct: 0 },
  ];

  it('lon/lat zones: right-hand rule (exterior counterclockwise, holes clockwise), 7 decimals, attributes copied from the rows', () => {
    // exterior given clockwise and the hole counterclockwise: both must come out reversed
    const exteriorCw: Ring = [[117.123456789, 41], [117.123456789, 41.5], [118, 41.5], [118, 41], [117.123456789, 41]];
    const holeCcw: Ring = [[117.5, 41.1], [117.6, 41.1], [117.6, 41.2], [117.5, 41.2], [117.5, 41.1]];
    const zones: Zone[] = [
      { id: 'a', name: 'Alpha', polygons: [[exteriorCw, holeCcw]] },
      { id: 'b', name: 'Beta', polygons: [[[[118, 41], [119, 41], [119, 42], [118, 41]]], [[[120, 41], [121, 41], [121, 42], [120, 41]]]] },
    ];
    const fc = zonesFeatureCollection({ zones, crs: crsFromProj4('+proj=longlat +datum=WGS84 +no_defs'), years: [2000, 2020], zoneRows: rows, change });
    expect(fc.type).toBe('FeatureCollection');
    const [a, b] = fc.features;
    expect(a!.properties).toEqual({
      zone_id: 'a', zone_name: 'Alpha',
      area_ha_2000: 100, sequestration_t_yr_2000: 50, share_2000: 0.25,
      area_ha_2020: 100, sequestration_t_yr_2020: 40, share_2020: 0.2,
      change_t_yr_2000_2020: -10, change_pct_2000_2020: -20,
    });
    expect(b!.properties.change_pct_2000_2020).toBe(100 / 15);
    const [ext, hole] = a!.geometry.coordinates[0]!;
    expect(signedArea2(ext!)).toBeGreaterThan(0);
    expect(signedArea2(hole!)).toBeLessThan(0);
    expect(ext![0]).toEqual([117.1234568, 41]); // rounded to 7 decimals (about 1 cm)
    expect(b!.geometry.type).toBe('MultiPolygon');
    expect(b!.geometry.coordinates).toHaveLength(2);
    for (const poly of b!.geometry.coordinates) expect(signedArea2(poly[0]!)).toBeGreaterThan(0);
  });

  it('projected zones are reprojected to lon/lat WGS84; CO2 runs rename carbon columns', () => {
    const utm = crsFromEpsg(32650)!;
    const ring: Ring = [[500000, 4500000], [510000, 4500000], [510000, 4510000], [500000, 4510000], [500000, 4500000]];
    const fc = zonesFeatureCollection({
      zones: [{ id: 'a', name: 'Alpha', polygons: [[ring]] }], crs: utm, years: [2000, 2020], zoneRows: rows, change,
      column: (c) => c.replace(/_t_yr(?=$|_)/, '_tco2_yr'),
    });
    const [lon, lat] = proj4(utm.proj4, '+proj=longlat +datum=WGS84 +no_defs').forward([500000, 4500000]) as number[];
    const first = fc.features[0]!.geometry.coordinates[0]![0]![0]!;
    expect(first[0]).toBeCloseTo(lon!, 7);
    expect(first[1]).toBeCloseTo(lat!, 7);
    expect(lon).toBeCloseTo(117, 6); // the central meridian of UTM 50N
    expect(Object.keys(fc.features[0]!.properties)).toContain('sequestration_tco2_yr_2000');
    expect(Object.keys(fc.features[0]!.properties)).toContain('change_tco2_yr_2000_2020');
    expect(Object.keys(fc.features[0]!.properties)).toContain('area_ha_2000');
  });
});

describe('zones.geojson of a demo run', () => {
  const { dir, cleanup } = tmpDir('zones-geojson');
  afterAll(cleanup);
  const out = join(dir, 'out');
  beforeAll(async () => {
    const demo = await generateDemo(join(dir, 'demo'), { size: 300 });
    const res = runCli(['run', ...demo.rasters.flatMap((r) => ['--raster', `${r.year}=${r.path}`]), '--zones', demo.zonesPath,
      '--workers', '2', '--no-rasters', '--out', out, '--quiet']);
    if (res.status !== 0) throw new Error(`run failed: ${res.stderr}`);
  }, 120_000);

  it('has every zone with the numbers of zones.csv and change.csv (first to last epoch)', () => {
    const fc = JSON.parse(readFileSync(join(out, 'zones.geojson'), 'utf8')) as ReturnType<typeof zonesFeatureCollection>;
    const zones = readCsv(readFileSync(join(out, 'zones.csv'), 'utf8'));
    const change = readCsv(readFileSync(join(out, 'change.csv'), 'utf8'));
    const ids = [...new Set(zones.map((r) => r.zone_id))];
    expect(fc.features.map((f) => f.properties.zone_id)).toEqual(ids);
    expect(fc.features).toHaveLength(12);
    for (const f of fc.features) {
      for (const r of zones.filter((z) => z.zone_id === f.properties.zone_id)) {
        // CSV values are formatted for people; the GeoJSON carries the full double
        expect(f.properties[`area_ha_${r.year}`]).toBeCloseTo(Number(r.area_ha), 3);
        expect(f.properties[`sequestration_t_yr_${r.year}`]).toBeCloseTo(Number(r.sequestration_t_yr), 3);
        expect(f.properties[`share_${r.year}`]).toBeCloseTo(Number(r.share_of_total), 6);
      }
      const c = change.find((r) => r.zone_id === f.properties.zone_id && r.from_year === '2000' && r.to_year === '2020')!;
      expect(f.properties.change_t_yr_2000_2020).toBeCloseTo(Number(c.change_t_yr), 3);
      expect(f.properties.change_pct_2000_2020).toBeCloseTo(Number(c.change_pct), 4);
      // the demo counties lie around Chengde (lon 117-118.5, lat 40.5-41.5)
      const p = f.geometry.coordinates[0]![0]![0]!;
      expect(p[0]).toBeGreaterThan(116.5);
      expect(p[0]).toBeLessThan(119);
      expect(p[1]).toBeGreaterThan(40);
      expect(p[1]).toBeLessThan(42);
      for (const poly of f.geometry.coordinates) poly.forEach((ring, k) => expect(signedArea2(ring) > 0).toBe(k === 0));
    }
  });
});
