import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareRuns, readRunSummary } from '../pipeline/compare.js';
import { UserError } from '../pipeline/errors.js';
import { readCsv, runCli, tmpDir } from './helpers.js';
import { writeTwoClassFixture } from './hectare-grid.js';

// Run A: forested land 8.7 t/ha/yr; run B: 9.7. Dry land 6.15 in both. The fixture has 200 ha
// of forest in 2000 and 150 ha in 2020, so B - A = 200 and 150 t/yr, all of it in class 21.
const TABLE = (forest: number) => `code,name,primary,coefficient_t_ha_yr\n21,forested land,forest,${forest}\n12,dry land,cultivated,6.15\n`;

describe('lucc-carbon compare: two runs with different coefficient tables', () => {
  const tmp = tmpDir('compare');
  const runA = join(tmp.dir, 'a');
  const runB = join(tmp.dir, 'b');
  const outDir = join(tmp.dir, 'cmp');
  let stdout = '';

  beforeAll(async () => {
    const f = await writeTwoClassFixture(tmp.dir);
    writeFileSync(join(tmp.dir, 'a.csv'), TABLE(8.7));
    writeFileSync(join(tmp.dir, 'b.csv'), TABLE(9.7));
    for (const [out, table] of [[runA, 'a.csv'], [runB, 'b.csv']] as const) {
      const r = runCli(['run', '--raster', `2000=${f.raster2000}`, '--raster', `2020=${f.raster2020}`, '--zones', f.zones,
        '--coefficients', join(tmp.dir, table), '--no-rasters', '--quiet', '--workers', '1', '--out', out]);
      expect(r.status, r.stderr).toBe(0);
    }
    const r = runCli(['compare', join(runA, 'summary.json'), join(runB, 'summary.json'), '--out', outDir]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    stdout = r.stdout;
  }, 60_000);
  afterAll(tmp.cleanup);

  it('compare_zones.csv: B - A = forest area x 1 t/ha/yr per year, areas unchanged', () => {
    const rows = readCsv(readFileSync(join(outDir, 'compare_zones.csv'), 'utf8'));
    expect(rows.map((r) => [r.year, r.zone_id])).toEqual([['2000', '130800'], ['2000', 'ALL'], ['2020', '130800'], ['2020', 'ALL']]);
    for (const [year, forestHa] of [['2000', 200], ['2020', 150]] as const) {
      const all = rows.find((r) => r.year === year && r.zone_id === 'ALL')!;
      expect(Number(all.sequestration_t_yr_b_minus_a)).toBeCloseTo(forestHa, 9);
      expect(Number(all.area_ha_b_minus_a)).toBe(0);
      const a = Number(all.sequestration_t_yr_a);
      expect(Number(all.sequestration_pct)).toBeCloseTo((forestHa / a) * 100, 9);
    }
  });

  it('compare_classes.csv: only forested land differs', () => {
    const rows = readCsv(readFileSync(join(outDir, 'compare_classes.csv'), 'utf8')).filter((r) => r.year === '2000');
    const diff = (zone: string, code: string) => Number(rows.find((r) => r.zone_id === zone && r.class_code === code)!.sequestration_t_yr_b_minus_a);
    expect(diff('130800', '21')).toBeCloseTo(200, 9);
    expect(diff('130800', '12')).toBe(0);
    expect(diff('ALL', '21')).toBeCloseTo(200, 9);
  });

  it('prints the region totals per year', () => {
    expect(stdout).toMatch(/years compared: 2000, 2020/);
    expect(stdout).toMatch(/^2020 .* 150\.0 /m);
  });

  it('compares the years both runs hold and lists the others', async () => {
    const b = await readRunSummary(join(runB, 'summary.json'));
    const onlyOneYear = { ...b, zones: b.zones.filter((r) => r.year === 2020), zonesClasses: b.zonesClasses.filter((r) => r.year === 2020), classes: b.classes.filter((r) => r.year === 2020) };
    const c = compareRuns(await readRunSummary(join(runA, 'summary.json')), onlyOneYear);
    expect(c.years).toEqual([2020]);
    expect(c.onlyA).toEqual([2000]);
    expect(c.zones.every((r) => r.year === 2020)).toBe(true);
  });

  it('runs with no year in common, or in different units, are UserErrors', async () => {
    const a = await readRunSummary(join(runA, 'summary.json'));
    const shifted = { ...a, zones: a.zones.map((r) => ({ ...r, year: r.year + 1 })) };
    expect(() => compareRuns(a, shifted)).toThrow(/no year in common/);
    expect(() => compareRuns(a, { ...a, unit: 'CO2' })).toThrow(UserError);
  });

  it('a missing or invalid summary.json exits 2 naming the file', () => {
    const missing = runCli(['compare', join(tmp.dir, 'nope/summary.json'), join(runB, 'summary.json')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\/summary\.json: run summary .* not found/);
    writeFileSync(join(tmp.dir, 'bad.json'), '{"tables": {}}');
    const bad = runCli(['compare', join(tmp.dir, 'bad.json'), join(runB, 'summary.json'), '--out', join(tmp.dir, 'never')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/bad\.json: has no valid tables\.zones/);
    const one = runCli(['compare', join(runA, 'summary.json')]);
    expect(one.status).toBe(2);
    expect(one.stderr).toMatch(/needs two summary\.json files/);
  });
});
