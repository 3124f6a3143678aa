import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import proj4 from 'proj4';
import { gdalAvailable, gdalNumpyCounts, python, readCsv, readRasterData, realFile, referenceCounts, refZones, runCli, tmpDir, total, type RefZoneCounts, expectOnlyWarnings, PARTLY_OUTSIDE } from './helpers.js';

// The main job on real input: CAS/RESDC first-level land use (300 m, CAS Albers on Krasovsky)
// for 2000 and 2020 x the 38 districts and counties of Chongqing (DataV, lon/lat, a bare JSON
// array of Features), with a first-level coefficient table written here.
const CAS_ALBERS = '+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +ellps=krass +units=m +no_defs';
const CELL_HA = 9;
const YEARS = [2000, 2020] as const;
const COEFFICIENTS = [
  'code,name,primary,coefficient_t_ha_yr',
  '1,cropland,cultivated,5.1', '2,forest,forest,8.7', '3,grassland,grassland,0.75',
  '4,water,wetland,6.75', '5,built-up,construction,0', '6,unused,unused,0.045',
].join('\n') + '\n';

const raster = (year: number) => realFile(`resdc-landuse-sichuan-chongqing-300m/landuse${year}.tif`);
const chongqing = realFile('datav-gmap/500000.json');
const chengdu = realFile('datav-gmap/510100.json');
const ready = Boolean(raster(2000) && raster(2020) && chongqing && chengdu);

interface Feature { type: 'Feature'; properties: { adcode: number; name: string }; geometry: { type: string; coordinates: unknown } }
const toAlbers = proj4('+proj=longlat +datum=WGS84 +no_defs', CAS_ALBERS);

function reference(zonesPath: string, year: number, rasterData: Awaited<ReturnType<typeof readRasterData>>) {
  const features = JSON.parse(readFileSync(zonesPath, 'utf8')) as Feature[];
  const zones = refZones(features, (f) => String(f.properties!.adcode), (p) => toAlbers.forward([p[0]!, p[1]!]));
  return referenceCounts(rasterData, zones);
}

const num = (s: string | undefined) => Number(s);
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);

describe.runIf(ready)('run on real CAS rasters x Chongqing counties', () => {
  const tmp = tmpDir('run-real-cas');
  const out1 = join(tmp.dir, 'workers1');
  const out2 = join(tmp.dir, 'workers2');
  const coef = join(tmp.dir, 'first-level.csv');
  const refs = new Map<number, Map<string, RefZoneCounts>>();
  let features: Feature[];
  let zonesClasses: Record<string, string>[];
  let zones: Record<string, string>[];
  let classes: Record<string, string>[];
  let change: Record<string, string>[];

  beforeAll(async () => {
    writeFileSync(coef, COEFFICIENTS);
    const args = ['run', '--raster', `2000=${raster(2000)}`, '--raster', `2020=${raster(2020)}`, '--zones', chongqing!, '--coefficients', coef, '--coverage', 'center', '--quiet'];
    const r2 = runCli([...args, '--workers', '2', '--out', out2]);
    // 巫山县 (500237) lies outside these clipped rasters: the only thing the run has to say.
    // and the eastern counties the raster's study-area mask cuts.
    expectOnlyWarnings(r2.stderr, [/^warning: 1 zone\(s\) lie entirely outside the raster extent and get zero area: 500237 \(巫山县\)\. /, PARTLY_OUTSIDE]);
    expect(r2.status).toBe(0);
    const r1 = runCli([...args, '--workers', '1', '--out', out1]);
    expect(r1.status).toBe(0);
    const csv = (name: string) => readCsv(readFileSync(join(out2, name), 'utf8'));
    zonesClasses = csv('zones_classes.csv');
    zones = csv('zones.csv');
    classes = csv('classes.csv');
    change = csv('change.csv');
    features = JSON.parse(readFileSync(chongqing!, 'utf8')) as Feature[];
    for (const year of YEARS) {
      const { byZone, nearBoundary } = reference(chongqing!, year, await readRasterData(raster(year)!));
      expect(nearBoundary).toBe(0);
      refs.set(year, byZone);
    }
  }, 120_000);
  afterAll(tmp.cleanup);

  it('zones_classes cells equal the slow point-in-polygon reference, for every county, class and year', () => {
    expect(features).toHaveLength(38);
    for (const year of YEARS) {
      const ref = refs.get(year)!;
      const got = new Map<string, Map<number, number>>();
      for (const r of zonesClasses.filter((r) => num(r.year) === year)) {
        const m = got.get(r.zone_id!) ?? got.set(r.zone_id!, new Map()).get(r.zone_id!)!;
        m.set(num(r.class_code), num(r.cells));
      }
      let cells = 0;
      for (const [id, counts] of ref) {
        expect(got.get(id) ?? new Map(), `${year} zone ${id}`).toEqual(counts.classes);
        cells += total(counts.classes);
      }
      expect([...got.keys()].every((id) => ref.has(id))).toBe(true);
      expect(cells).toBeGreaterThan(500_000); // Chongqing is ~82,400 km² = ~915,000 cells, partly outside the study mask
    }
  });

  it('nodata inside each county (outside the study-area mask) equals the reference', () => {
    for (const year of YEARS) {
      const ref = refs.get(year)!;
      for (const z of zones.filter((r) => num(r.year) === year)) expect(num(z.nodata_ha), `${year} ${z.zone_id}`).toBe(ref.get(z.zone_id!)!.nodata * CELL_HA);
      expect([...ref.values()].some((c) => c.nodata > 0)).toBe(true);
    }
  });

  it('counts equal gdal_numpy.py (GDAL rasterize + numpy) for every county and class', () => {
    if (!gdalAvailable()) return;
    const fc = join(tmp.dir, 'chongqing.geojson');
    writeFileSync(fc, JSON.stringify({ type: 'FeatureCollection', features }));
    const gdal = gdalNumpyCounts(raster(2000)!, fc, 'adcode', join(tmp.dir, 'gdal2000.csv'));
    const ref = refs.get(2000)!;
    for (const [id, counts] of ref) expect(gdal.get(id) ?? new Map(), `zone ${id}`).toEqual(counts.classes);
  });

  it('per year, a class summed over zones equals classes.csv; area_ha = cells x 9', () => {
    for (const r of zonesClasses) expect(num(r.area_ha)).toBe(num(r.cells) * CELL_HA);
    for (const year of YEARS) {
      const rows = classes.filter((r) => num(r.year) === year);
      expect(rows.map((r) => num(r.class_code))).toEqual([1, 2, 3, 4, 5, 6]);
      for (const c of rows) {
        const parts = zonesClasses.filter((r) => num(r.year) === year && r.class_code === c.class_code);
        const area = parts.reduce((s, r) => s + num(r.area_ha), 0);
        const seq = parts.reduce((s, r) => s + num(r.sequestration_t_yr), 0);
        expect(rel(num(c.area_ha), area), `${year} class ${c.class_code} area`).toBeLessThan(1e-12);
        expect(rel(num(c.sequestration_t_yr), seq), `${year} class ${c.class_code} seq`).toBeLessThan(1e-12);
      }
    }
  });

  it('zones.csv sequestration = sum of its zones_classes rows = sum of area x coefficient', () => {
    const coefOf = new Map([[1, 5.1], [2, 8.7], [3, 0.75], [4, 6.75], [5, 0], [6, 0.045]]);
    expect(zones).toHaveLength(38 * YEARS.length);
    for (const z of zones) {
      const parts = zonesClasses.filter((r) => r.year === z.year && r.zone_id === z.zone_id);
      const fromParts = parts.reduce((s, r) => s + num(r.sequestration_t_yr), 0);
      const fromCells = parts.reduce((s, r) => s + num(r.cells) * CELL_HA * coefOf.get(num(r.class_code))!, 0);
      expect(rel(num(z.sequestration_t_yr), fromParts) < 1e-12 || num(z.sequestration_t_yr) === fromParts, `${z.year} ${z.zone_id}`).toBe(true);
      if (fromCells !== 0) expect(rel(num(z.sequestration_t_yr), fromCells)).toBeLessThan(1e-12);
      expect(num(z.area_ha)).toBe(parts.reduce((s, r) => s + num(r.cells), 0) * CELL_HA);
    }
  });

  it('change.csv: the ALL row is the sum of county changes; change = to - from', () => {
    const all = change.filter((r) => r.zone_id === 'ALL');
    expect(all).toHaveLength(1);
    const counties = change.filter((r) => r.zone_id !== 'ALL');
    expect(counties).toHaveLength(38);
    const a = all[0]!;
    expect([num(a.from_year), num(a.to_year)]).toEqual([2000, 2020]);
    expect(rel(num(a.change_t_yr), counties.reduce((s, r) => s + num(r.change_t_yr), 0))).toBeLessThan(1e-9);
    for (const year of YEARS) {
      const sum = zones.filter((r) => num(r.year) === year).reduce((s, r) => s + num(r.sequestration_t_yr), 0);
      expect(rel(num(year === 2000 ? a.sequestration_from_t_yr : a.sequestration_to_t_yr), sum)).toBeLessThan(1e-12);
    }
    for (const r of change) {
      expect(num(r.change_t_yr)).toBeCloseTo(num(r.sequestration_to_t_yr) - num(r.sequestration_from_t_yr), 6);
      expect(num(r.mean_annual_change_t_yr)).toBeCloseTo(num(r.change_t_yr) / 20, 6);
    }
  });

  it('tables are byte-identical for --workers 1 and --workers 2', () => {
    for (const f of ['zones_classes.csv', 'zones.csv', 'classes.csv', 'change.csv']) {
      expect(readFileSync(join(out1, f), 'utf8'), f).toBe(readFileSync(join(out2, f), 'utf8'));
    }
  });

  it('sequestration_2000.tif: CAS Albers, nodata -9999, and sum(value x 9 ha) = the 2000 total of zones.csv', () => {
    if (!gdalAvailable()) return;
    const tif = join(out2, 'sequestration_2000.tif');
    const info = spawnSync('gdalinfo', ['-json', '-stats', tif], { encoding: 'utf8' });
    expect(info.status).toBe(0);
    const doc = JSON.parse(info.stdout) as { coordinateSystem: { wkt: string }; bands: { noDataValue: number; type: string }[] };
    const wkt = doc.coordinateSystem.wkt;
    expect(wkt).toMatch(/Albers/i);
    expect(wkt).toMatch(/PARAMETER\["Latitude of 1st standard parallel",25[,\]]/);
    expect(wkt).toMatch(/PARAMETER\["Latitude of 2nd standard parallel",47[,\]]/);
    expect(wkt).toMatch(/PARAMETER\["Longitude of false origin",105[,\]]/);
    expect(doc.bands[0]!.noDataValue).toBe(-9999);
    expect(doc.bands[0]!.type).toBe('Float32');
    const sum = Number(python(`
import sys, numpy as np
from osgeo import gdal
ds = gdal.Open(sys.argv[1])
b = ds.GetRasterBand(1)
a = b.ReadAsArray().astype(np.float64)
print(repr(float(a[a != b.GetNoDataValue()].sum())))
`, [tif]).trim());
    const totalSeq = zones.filter((r) => num(r.year) === 2000).reduce((s, r) => s + num(r.sequestration_t_yr), 0);
    expect(rel(sum * CELL_HA, totalSeq)).toBeLessThan(1e-6);
  });

  it('leaves no staging folder beside --out', () => {
    expect(readdirSync(tmp.dir).filter((n) => n.includes('.lucc-tmp-'))).toEqual([]);
    expect(existsSync(join(out2, 'summary.json'))).toBe(true);
  });

  it('Chengdu counties: class totals equal the reference rasterizer', async () => {
    const out = join(tmp.dir, 'chengdu');
    const r = runCli(['run', '--raster', `2020=${raster(2020)}`, '--zones', chengdu!, '--coefficients', coef, '--coverage', 'center', '--workers', '2', '--no-rasters', '--quiet', '--out', out]);
    expect(r.status).toBe(0);
    const { byZone, nearBoundary } = reference(chengdu!, 2020, await readRasterData(raster(2020)!));
    expect(nearBoundary).toBe(0);
    expect(byZone.size).toBe(20);
    const expected = new Map<number, number>();
    for (const z of byZone.values()) for (const [c, n] of z.classes) expected.set(c, (expected.get(c) ?? 0) + n);
    const got = new Map(readCsv(readFileSync(join(out, 'classes.csv'), 'utf8')).map((row) => [num(row.class_code), num(row.area_ha) / CELL_HA]));
    expect(got).toEqual(expected);
    expect(total(expected)).toBeGreaterThan(100_000); // Chengdu is ~14,300 km² = ~159,000 cells
  });
});
