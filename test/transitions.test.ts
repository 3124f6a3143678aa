import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateDemo } from '../data/demo.js';
import { checkOutputs, type CheckResult } from '../pipeline/check.js';
import { readCsv, realFile, runCli, tmpDir, expectOnlyWarnings, PARTLY_OUTSIDE } from './helpers.js';

// Issue 4, "Done when": on the real CAS rasters (RESDC first-level land use, 300 m, seven epochs
// 1990-2020) with the 38 Chongqing counties, transitions and attribution reconcile for every
// county and epoch pair, and `check` passes on the folder; the same check passes on the demo.
const YEARS = [1990, 1995, 2000, 2005, 2010, 2015, 2020];
const COEFFICIENTS = [
  'code,name,primary,coefficient_t_ha_yr',
  '1,cropland,cultivated,5.1', '2,forest,forest,8.7', '3,grassland,grassland,0.75',
  '4,water,wetland,6.75', '5,built-up,construction,0', '6,unused,unused,0.045',
].join('\n') + '\n';
const REL = 1e-9;

/** |a - b| relative to the larger side and the sum of the magnitudes of the terms summed. */
const rel = (a: number, b: number, magnitude: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), magnitude));

function sums(rows: Record<string, string>[], key: (r: Record<string, string>) => string, value: (r: Record<string, string>) => number) {
  const m = new Map<string, { sum: number; mag: number }>();
  for (const r of rows) {
    const e = m.get(key(r)) ?? m.set(key(r), { sum: 0, mag: 0 }).get(key(r))!;
    e.sum += value(r);
    e.mag += Math.abs(value(r));
  }
  return m;
}

function expectAllHold(results: CheckResult[]): void {
  for (const r of results) expect(r.ok, `${r.name}: ${r.detail}`).toBe(true);
}

const rasters = YEARS.map((y) => realFile(`resdc-landuse-sichuan-chongqing-300m/landuse${y}.tif`));
const chongqing = realFile('datav-gmap/500000.json');

describe('transitions and attribution on the real CAS rasters x Chongqing counties, seven epochs', () => {
  const tmp = tmpDir('transitions-real');
  const out = join(tmp.dir, 'exact');
  const outCenter = join(tmp.dir, 'center');
  const csv = (dir: string, name: string) => readCsv(readFileSync(join(dir, name), 'utf8'));

  beforeAll(() => {
    if (!chongqing || rasters.some((r) => !r)) return;
    writeFileSync(join(tmp.dir, 'first-level.csv'), COEFFICIENTS);
    const args = ['run', ...YEARS.flatMap((y, i) => ['--raster', `${y}=${rasters[i]}`]), '--zones', chongqing,
      '--coefficients', join(tmp.dir, 'first-level.csv'), '--quiet'];
    for (const [dir, coverage] of [[out, 'exact'], [outCenter, 'center']] as const) {
      const r = runCli([...args, '--coverage', coverage, '--out', dir]);
      // 巫山县 (500237) lies outside these clipped rasters: the only thing the run has to say.
      expectOnlyWarnings(r.stderr, [/^warning: 1 zone\(s\) lie entirely outside the raster extent and get zero area: 500237 \(巫山县\)\. /, PARTLY_OUTSIDE]);
      expect(r.status).toBe(0);
    }
  }, 120_000);
  afterAll(tmp.cleanup);

  it('attribution and transitions sum to change.csv for every county and epoch pair', () => {
    if (!chongqing || rasters.some((r) => !r)) return;
    const change = csv(out, 'change.csv');
    const key = (r: Record<string, string>) => `${r.zone_id} ${r.from_year}-${r.to_year}`;
    const attribution = sums(csv(out, 'attribution.csv'), key, (r) => Number(r.sequestration_change_t_yr));
    const transitions = sums(csv(out, 'transitions.csv'), key, (r) => Number(r.sequestration_change_t_yr));
    // 38 counties + ALL, 6 consecutive pairs + first-to-last
    expect(change).toHaveLength(39 * 7);
    expect(new Set(change.map((r) => `${r.from_year}-${r.to_year}`))).toEqual(new Set(['1990-1995', '1995-2000', '2000-2005', '2005-2010', '2010-2015', '2015-2020', '1990-2020']));
    // 巫山县 (500237) lies outside these clipped rasters: zero area, no transitions, zero change
    const absent = change.filter((c) => !attribution.has(key(c)));
    expect(new Set(absent.map((c) => c.zone_id))).toEqual(new Set(['500237']));
    expect(absent.every((c) => Number(c.change_t_yr) === 0)).toBe(true);
    let worst = 0;
    for (const c of change.filter((x) => attribution.has(key(x)))) {
      const a = attribution.get(key(c))!;
      const t = transitions.get(key(c))!;
      worst = Math.max(worst, rel(Number(c.change_t_yr), a.sum, a.mag), rel(Number(c.change_t_yr), t.sum, t.mag));
    }
    expect(worst).toBeLessThanOrEqual(REL);
  });

  it('transition marginals equal each epoch\'s class areas, for every county and pair', () => {
    if (!chongqing || rasters.some((r) => !r)) return;
    const areas = new Map(csv(out, 'zones_classes.csv').map((r) => [`${r.zone_id} ${r.year} ${r.class_code}`, Number(r.area_ha)]));
    const t = csv(out, 'transitions.csv').filter((r) => r.zone_id !== 'ALL');
    const from = sums(t.filter((r) => r.from_code !== ''), (r) => `${r.zone_id} ${r.from_year}-${r.to_year} ${r.from_year} ${r.from_code}`, (r) => Number(r.area_ha));
    const to = sums(t.filter((r) => r.to_code !== ''), (r) => `${r.zone_id} ${r.from_year}-${r.to_year} ${r.to_year} ${r.to_code}`, (r) => Number(r.area_ha));
    let worst = 0;
    let compared = 0;
    for (const m of [from, to]) {
      for (const [k, v] of m) {
        const [zone, , year, code] = k.split(' ');
        const area = areas.get(`${zone} ${year} ${code}`);
        expect(area, k).toBeDefined();
        worst = Math.max(worst, rel(area!, v.sum, v.mag));
        compared++;
      }
    }
    // every class area of every county and epoch is reached by the marginals of each pair it is in
    const pairsOf = (year: number) => [YEARS.indexOf(year) > 0, YEARS.indexOf(year) < YEARS.length - 1, year === 1990 || year === 2020].filter(Boolean).length;
    const expected = [...areas.keys()].reduce((s, k) => s + pairsOf(Number(k.split(' ')[1])), 0);
    expect(compared).toBe(expected);
    expect(worst).toBeLessThanOrEqual(REL);
  });

  it('checkOutputs passes on the exact-coverage and the centre-rule folders (raster sums on the latter)', async () => {
    if (!chongqing || rasters.some((r) => !r)) return;
    expectAllHold(await checkOutputs(out));
    const center = await checkOutputs(outCenter);
    expectAllHold(center);
    expect(center.find((r) => r.name === 'rasters sum to tables')!.skipped).toBe(false);
  });
});

describe('checkOutputs on a demo run', () => {
  const tmp = tmpDir('transitions-demo');
  afterAll(tmp.cleanup);

  it('holds every invariant on the generated demo region (600 x 600 cells, five epochs, centre rule)', async () => {
    const demo = await generateDemo(join(tmp.dir, 'demo'), { size: 600 });
    const out = join(tmp.dir, 'out');
    const r = runCli(['run', ...demo.rasters.flatMap((x) => ['--raster', `${x.year}=${x.path}`]), '--zones', demo.zonesPath, '--coverage', 'center', '--quiet', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const results = await checkOutputs(out);
    expectAllHold(results);
    expect(results.filter((x) => x.skipped).map((x) => x.name)).toEqual(['ranges hold the values']);
  }, 60_000);
});
