import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as shapefile from 'shapefile';
import { ellipsoidBandAreaM2, gdalAvailable, gdalNumpyCounts, readCsv, readRasterData, realFile, referenceCounts, refZones, runCli, tmpDir, expectOnlyWarnings, PARTLY_OUTSIDE, UNMAPPED_ZERO } from './helpers.js';

const num = (s: string | undefined) => Number(s);
const tmp = tmpDir('run-real-other');
afterAll(tmp.cleanup);

function cellsByZone(outDir: string): Map<string, Map<number, number>> {
  const got = new Map<string, Map<number, number>>();
  for (const r of readCsv(readFileSync(join(outDir, 'zones_classes.csv'), 'utf8'))) {
    const m = got.get(r.zone_id!) ?? got.set(r.zone_id!, new Map()).get(r.zone_id!)!;
    m.set(num(r.class_code), num(r.cells));
  }
  return got;
}

describe('rasterstats fixtures: Float32 classes with custom Albers x polygons.shp', () => {
  const tif = realFile('rasterstats/slope_classes.tif');
  const shp = realFile('rasterstats/polygons.shp');

  it('centre-rule counts equal the reference rasterizer and gdal_numpy.py', async () => {
    if (!tif || !shp) return;
    const out = join(tmp.dir, 'rasterstats');
    const r = runCli(['run', '--raster', `2000=${tif}`, '--zones', shp, '--zone-id', 'id', '--unmapped', 'zero', '--coverage', 'center', '--workers', '1', '--no-rasters', '--quiet', '--out', out]);
    // --unmapped zero counts the classes this run's table leaves out, and says so.
    expectOnlyWarnings(r.stderr, [UNMAPPED_ZERO, PARTLY_OUTSIDE], false);
    expect(r.status).toBe(0);
    const got = cellsByZone(out);

    const features = (await shapefile.read(shp)).features as never[];
    const { byZone, nearBoundary } = referenceCounts(await readRasterData(tif), refZones(features, (f) => String(f.properties!.id)));
    expect(nearBoundary).toBe(0);
    expect(byZone.size).toBe(2);
    for (const [id, counts] of byZone) {
      expect(counts.classes.size).toBeGreaterThan(0);
      expect([...counts.classes.keys()].every((c) => c >= 1 && c <= 5)).toBe(true);
      expect(got.get(id), `zone ${id}`).toEqual(counts.classes);
    }

    if (!gdalAvailable()) return;
    // gdal_numpy.py bincounts integer cells: give it a Byte copy (classes 1..5 kept, the Float32 nodata clamps to 0).
    const byteTif = join(tmp.dir, 'slope_classes_byte.tif');
    const tr = spawnSync('gdal_translate', ['-q', '-ot', 'Byte', '-a_nodata', '0', tif, byteTif], { encoding: 'utf8' });
    expect(tr.status).toBe(0);
    const gdal = gdalNumpyCounts(byteTif, shp, 'id', join(tmp.dir, 'rasterstats-gdal.csv'));
    for (const [id, counts] of byZone) expect(gdal.get(id), `zone ${id}`).toEqual(counts.classes);
  });
});

describe('CORINE São Miguel: lon/lat grid, DEFLATE strips x concelhos (names only)', () => {
  const tif = realFile('exactextractr-sao_miguel/clc2018_v2020_20u1.tif');
  const zonesPath = realFile('derived/concelhos-sao-miguel.geojson');

  it('zone ids are the names; counts equal the reference; area_ha = sum of the ellipsoidal areas of its cells', async () => {
    if (!tif || !zonesPath) return;
    const out = join(tmp.dir, 'corine');
    const r = runCli(['run', '--raster', `2018=${tif}`, '--zones', zonesPath, '--unmapped', 'zero', '--coverage', 'center', '--workers', '2', '--no-rasters', '--quiet', '--out', out]);
    // The file declares nodata -128 on a byte band: ignored, with one warning that says so.
    expectOnlyWarnings(r.stderr, [/clc2018_v2020_20u1\.tif: declares nodata "-128" [^\n]*cannot hold/, UNMAPPED_ZERO, PARTLY_OUTSIDE], false);
    expect(r.status).toBe(0);
    const zones = readCsv(readFileSync(join(out, 'zones.csv'), 'utf8'));
    const names = ['Lagoa', 'Nordeste', 'Ponta Delgada', 'Povoação', 'Ribeira Grande', 'Vila Franca do Campo'];
    expect(zones.map((z) => z.zone_id)).toEqual(names);
    expect(zones.map((z) => z.zone_name)).toEqual(names);

    const raster = await readRasterData(tif);
    const features = (JSON.parse(readFileSync(zonesPath, 'utf8')) as { features: never[] }).features;
    const { byZone, nearBoundary } = referenceCounts(raster, refZones(features, (f) => String((f as { properties: { name: string } }).properties.name)));
    expect(nearBoundary).toBe(0);
    const got = cellsByZone(out);
    for (const [id, counts] of byZone) expect(got.get(id), id).toEqual(counts.classes);

    // WGS84, each row's band of cells integrated numerically (independent of rasters/cell-area.ts)
    for (const z of zones) {
      const ref = byZone.get(z.zone_id!)!;
      let areaM2 = 0;
      for (const [row, cells] of ref.validByRow) {
        const latTop = raster.originY - row * raster.cellHeight;
        areaM2 += cells * ellipsoidBandAreaM2(latTop, latTop - raster.cellHeight, raster.cellWidth, 6378137, 298.257223563);
      }
      expect(Math.abs(num(z.area_ha) / (areaM2 / 1e4) - 1), z.zone_id).toBeLessThan(1e-9);
    }
    // São Miguel is ~745 km²
    const totalHa = zones.reduce((s, z) => s + num(z.area_ha), 0);
    expect(totalHa).toBeGreaterThan(70_000);
    expect(totalHa).toBeLessThan(78_000);
  });
});

describe('NLCD 2011 Zion: UTM 12N, non-square cells', () => {
  const tif = realFile('spDataLarge-zion/nlcd2011.tif');
  const shp = realFile('derived/zion.shp');

  it('--cell-area nominal: runs with --unmapped zero, warns about the projection, cell area |w x h| / 1e4', () => {
    if (!tif || !shp) return;
    const out = join(tmp.dir, 'zion');
    const r = runCli(['run', '--raster', `2011=${tif}`, '--zones', shp, '--unmapped', 'zero', '--cell-area', 'nominal', '--workers', '2', '--no-rasters', '--quiet', '--out', out]);
    expect(r.status).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      warnings: string[]; grids: { cell_area: { model: string; constant_ha: number } }[]; unmapped_codes: { code: number }[];
    };
    expect(summary.warnings.some((w) => /does not preserve area/.test(w))).toBe(true);
    expect(r.stderr).toMatch(/does not preserve area/);
    expect(summary.grids[0]!.cell_area.model).toBe('nominal');
    expect(summary.grids[0]!.cell_area.constant_ha).toBe((31.530298224786595 * 31.52465870178793) / 1e4);
    // NLCD codes without a chengde-2024 coefficient are counted at zero, and reported
    const unmapped = summary.unmapped_codes.map((u) => u.code);
    expect(unmapped).toContain(71); // shrub/scrub, most of the park
    expect(unmapped.every((c) => [71, 81, 82, 90, 95].includes(c))).toBe(true);
    const zones = readCsv(readFileSync(join(out, 'zones.csv'), 'utf8'));
    expect(zones).toHaveLength(1);
    // Zion National Park: ~593 km² (the polygon's own area is 59,790 ha)
    expect(num(zones[0]!.area_ha)).toBeGreaterThan(59_000);
    expect(num(zones[0]!.area_ha)).toBeLessThan(61_000);

    // The default (true cell areas) differs from the nominal area by the squared UTM scale
    // factor, about 1.0002 at 2 degrees from the central meridian: small, never zero.
    const outTrue = join(tmp.dir, 'zion-true');
    expect(runCli(['run', '--raster', `2011=${tif}`, '--zones', shp, '--unmapped', 'zero', '--workers', '2', '--no-rasters', '--quiet', '--out', outTrue]).status).toBe(0);
    const trueHa = num(readCsv(readFileSync(join(outTrue, 'zones.csv'), 'utf8'))[0]!.area_ha);
    const ratio = trueHa / num(zones[0]!.area_ha);
    expect(ratio).toBeGreaterThan(0.999);
    expect(ratio).toBeLessThan(1.001);
    expect(ratio).not.toBe(1);
  });
});
