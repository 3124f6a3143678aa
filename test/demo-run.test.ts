import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateDemo, type DemoPaths } from '../data/demo.js';
import { OUTPUTS } from '../pipeline/spec.js';
import { gdalAvailable, gdalNumpyCounts, readCsv, readRasterData, runCli, tmpDir, expectOnlyWarnings, PARTLY_OUTSIDE } from './helpers.js';

// `lucc-carbon demo`, small: the generated 600 x 600 demo region (30 m cells, 0.09 ha), five
// epochs, 12 counties, run through the CLI.
const YEARS = [2000, 2005, 2010, 2015, 2020];
const CELL_HA = 0.09;
const TABLES = ['zones_classes.csv', 'zones.csv', 'classes.csv', 'change.csv'];
const num = (s: string | undefined) => Number(s);

describe('demo region through `lucc-carbon run`', () => {
  const tmp = tmpDir('demo-run');
  let demo: DemoPaths;
  const out = (name: string) => join(tmp.dir, name);
  const run = (name: string, workers: number, coverage: 'center' | 'exact') => runCli([
    'run', ...demo.rasters.flatMap((r) => ['--raster', `${r.year}=${r.path}`]), '--zones', demo.zonesPath,
    '--coefficients', 'chengde-2024', '--coverage', coverage, '--workers', String(workers), '--quiet', '--out', out(name),
  ]);

  beforeAll(async () => {
    demo = await generateDemo(join(tmp.dir, 'demo'), { size: 600 });
    for (const [name, workers, coverage] of [['center2', 2, 'center'], ['center1', 1, 'center'], ['exact2', 2, 'exact'], ['exact1', 1, 'exact']] as const) {
      const res = run(name, workers, coverage);
      // Two of the demo's counties reach past the raster's eastern edge, by design.
      expectOnlyWarnings(res.stderr, [PARTLY_OUTSIDE]);
      expect(res.status, name).toBe(0);
    }
  }, 120_000);
  afterAll(tmp.cleanup);

  it('writes every output of OUTPUTS under its stable name, and nothing else', () => {
    // Per-year rasters for every epoch; change rasters for first-to-last (--change-rasters default).
    const expected = OUTPUTS.flatMap((o) => (o.file.includes('<year>') ? YEARS.map((y) => o.file.replace('<year>', String(y)))
      : o.file.includes('<from>') ? [o.file.replace('<from>', String(YEARS[0])).replace('<to>', String(YEARS[YEARS.length - 1]))] : [o.file]));
    expect(readdirSync(out('center2')).sort()).toEqual(expected.sort());
    for (const o of OUTPUTS) {
      if (!o.columns) continue;
      expect(readFileSync(join(out('center2'), o.file), 'utf8').split('\n')[0]).toBe(o.columns.join(','));
    }
    expect(readdirSync(tmp.dir).filter((f) => f.includes('.lucc-tmp-'))).toEqual([]);
  });

  it('change.csv: 4 consecutive pairs and first-to-last, for each of the 12 counties and ALL', () => {
    const change = readCsv(readFileSync(join(out('center2'), 'change.csv'), 'utf8'));
    const pairs = [[2000, 2005], [2005, 2010], [2010, 2015], [2015, 2020], [2000, 2020]];
    const ids = [...new Set(change.map((r) => r.zone_id))];
    expect(ids).toHaveLength(13);
    expect(ids.at(-1)).toBe('ALL');
    for (const id of ids) {
      expect(change.filter((r) => r.zone_id === id).map((r) => [num(r.from_year), num(r.to_year)]).sort()).toEqual([...pairs].sort());
    }
    const zones = readCsv(readFileSync(join(out('center2'), 'zones.csv'), 'utf8'));
    const totalOf = (y: number) => zones.filter((z) => num(z.year) === y).reduce((s, z) => s + num(z.sequestration_t_yr), 0);
    for (const r of change.filter((c) => c.zone_id === 'ALL')) {
      expect(num(r.sequestration_from_t_yr)).toBeCloseTo(totalOf(num(r.from_year)), 6);
      expect(num(r.sequestration_to_t_yr)).toBeCloseTo(totalOf(num(r.to_year)), 6);
      expect(num(r.mean_annual_change_t_yr)).toBeCloseTo(num(r.change_t_yr) / (num(r.to_year) - num(r.from_year)), 9);
    }
  });

  it('table totals = sum of each sequestration raster over its valid cells x 0.09 ha (centre rule)', async () => {
    const zones = readCsv(readFileSync(join(out('center2'), 'zones.csv'), 'utf8'));
    for (const year of YEARS) {
      const r = await readRasterData(join(out('center2'), `sequestration_${year}.tif`));
      expect(r.nodata).toBe(-9999);
      let sum = 0;
      let valid = 0;
      for (let i = 0; i < r.values.length; i++) {
        const v = r.values[i]!;
        if (v === -9999) continue;
        sum += v;
        valid++;
      }
      expect(valid).toBeGreaterThan(100_000);
      const table = zones.filter((z) => num(z.year) === year).reduce((s, z) => s + num(z.sequestration_t_yr), 0);
      expect(Math.abs(sum * CELL_HA / table - 1), String(year)).toBeLessThan(1e-6);
    }
  });

  it('tables are identical for --workers 1 and --workers 2, in both coverage modes', () => {
    for (const mode of ['center', 'exact']) {
      for (const f of TABLES) expect(readFileSync(join(out(`${mode}1`), f), 'utf8'), `${mode} ${f}`).toBe(readFileSync(join(out(`${mode}2`), f), 'utf8'));
    }
  });

  it('exact coverage: per year, zone areas with data and nodata add up to the same total in every epoch', () => {
    const zones = readCsv(readFileSync(join(out('exact2'), 'zones.csv'), 'utf8'));
    const first = new Map(zones.filter((z) => num(z.year) === 2000).map((z) => [z.zone_id, num(z.area_ha) + num(z.nodata_ha)]));
    expect(first.size).toBe(12);
    for (const z of zones) expect(num(z.area_ha) + num(z.nodata_ha)).toBeCloseTo(first.get(z.zone_id)!, 6);
  });

  it('zones_classes cells for 2000 equal gdal_numpy.py (--code-field code)', () => {
    if (!gdalAvailable()) return;
    const gdal = gdalNumpyCounts(demo.rasters[0]!.path, demo.zonesPath, 'code', join(tmp.dir, 'gdal2000.csv'));
    const got = new Map<string, Map<number, number>>();
    for (const r of readCsv(readFileSync(join(out('center2'), 'zones_classes.csv'), 'utf8')).filter((r) => r.year === '2000')) {
      const m = got.get(r.zone_id!) ?? got.set(r.zone_id!, new Map()).get(r.zone_id!)!;
      m.set(num(r.class_code), num(r.cells));
    }
    expect(gdal.size).toBe(12);
    expect(got).toEqual(gdal);
  });
});
