import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCoefficientCsv } from '../pipeline/coefficients.js';
import { UserError } from '../pipeline/errors.js';
import { changeRange } from '../pipeline/intervals.js';
import { CO2_PER_C, isCarbonColumn, tableColumns, unitColumn } from '../pipeline/units.js';
import { readCsv, runCli, tmpDir, expectOnlyWarnings, PARTLY_OUTSIDE } from './helpers.js';
import { writeTwoClassFixture } from './hectare-grid.js';

// Forested land 8.7 t/ha/yr in [8, 10], dry land 6.15 in [5, 7]; the fixture has 200 + 56 ha in
// 2000 and 150 + 106 ha in 2020 (50 ha forest -> dry land).
const RANGED = 'code,name,primary,coefficient_t_ha_yr,coefficient_low,coefficient_high\n21,forested land,forest,8.7,8,10\n12,dry land,cultivated,6.15,5,7\n';

describe('unit column names', () => {
  it('renames every carbon column, and its _low/_high companions, with the tco2 token', () => {
    expect(unitColumn('sequestration_t_yr', 'CO2')).toBe('sequestration_tco2_yr');
    expect(unitColumn('change_t_yr', 'CO2')).toBe('change_tco2_yr');
    expect(unitColumn('coefficient_t_ha_yr', 'CO2')).toBe('coefficient_tco2_ha_yr');
    expect(unitColumn('sequestration_change_t_yr_low', 'CO2')).toBe('sequestration_change_tco2_yr_low');
    expect(unitColumn('sequestration_t_yr', 'C')).toBe('sequestration_t_yr');
    expect(unitColumn('share_of_total', 'CO2')).toBe('share_of_total');
    expect(isCarbonColumn('area_ha')).toBe(false);
  });

  it('adds _low and _high after each carbon column only when there are ranges', () => {
    expect(tableColumns(['area_ha', 'sequestration_t_yr'], 'CO2', true).map((c) => c.header))
      .toEqual(['area_ha', 'sequestration_tco2_yr', 'sequestration_tco2_yr_low', 'sequestration_tco2_yr_high']);
    expect(tableColumns(['area_ha', 'sequestration_t_yr'], 'C', false).map((c) => c.header)).toEqual(['area_ha', 'sequestration_t_yr']);
  });
});

describe('coefficient ranges in the table', () => {
  it('reads coefficient_low and coefficient_high', () => {
    expect(parseCoefficientCsv('t.csv', RANGED).get(21)).toMatchObject({ coefficientTPerHaYr: 8.7, lowTPerHaYr: 8, highTPerHaYr: 10 });
  });

  it.each([
    ['low above the coefficient', 'code,name,primary,coefficient_t_ha_yr,coefficient_low,coefficient_high\n21,f,forest,8.7,9,10\n', /not in order/],
    ['a bound that is not a number', 'code,name,primary,coefficient_t_ha_yr,coefficient_low,coefficient_high\n21,f,forest,8.7,x,10\n', /both must be numbers/],
    ['only one of the two columns', 'code,name,primary,coefficient_t_ha_yr,coefficient_low\n21,f,forest,8.7,8\n', /only one of coefficient_low and coefficient_high/],
  ])('rejects %s with a UserError naming the file', (_case, text, message) => {
    expect(() => parseCoefficientCsv('ranges.csv', text)).toThrow(UserError);
    expect(() => parseCoefficientCsv('ranges.csv', text)).toThrow(message);
    expect(() => parseCoefficientCsv('ranges.csv', text)).toThrow(/ranges\.csv/);
  });

  it('gives a change the exact range with one coefficient per class, not later-low minus earlier-high', () => {
    const table = { source: 't', classes: parseCoefficientCsv('t.csv', RANGED) };
    expect(changeRange(new Map([[21, -50], [12, 50]]), table)).toEqual([-50 * 10 + 50 * 5, -50 * 8 + 50 * 7]);
  });
});

describe('--unit CO2 and coefficient ranges through the pipeline (two classes, hand-computed)', () => {
  const tmp = tmpDir('units');
  const outC = join(tmp.dir, 'c');
  const outCo2 = join(tmp.dir, 'co2');
  const csv = (dir: string, name: string) => readCsv(readFileSync(join(dir, name), 'utf8'));

  beforeAll(async () => {
    const f = await writeTwoClassFixture(tmp.dir);
    writeFileSync(join(tmp.dir, 'ranged.csv'), RANGED);
    const args = ['run', '--raster', `2000=${f.raster2000}`, '--raster', `2020=${f.raster2020}`, '--zones', f.zones,
      '--coefficients', join(tmp.dir, 'ranged.csv'), '--coverage', 'center', '--quiet', '--workers', '1'];
    for (const [out, unit] of [[outC, 'C'], [outCo2, 'CO2']] as const) {
      const r = runCli([...args, '--unit', unit, '--out', out]);
      expectOnlyWarnings(r.stderr, [PARTLY_OUTSIDE], false);
      expect(r.status).toBe(0);
    }
  }, 60_000);
  afterAll(tmp.cleanup);

  it('totals and their ranges: sum of area x coefficient, x low, x high', () => {
    const zones = csv(outC, 'zones.csv');
    const y2000 = zones.find((r) => r.year === '2000')!;
    const y2020 = zones.find((r) => r.year === '2020')!;
    expect(Number(y2000.sequestration_t_yr)).toBeCloseTo(200 * 8.7 + 56 * 6.15, 9);
    expect(Number(y2000.sequestration_t_yr_low)).toBeCloseTo(200 * 8 + 56 * 5, 9);
    expect(Number(y2000.sequestration_t_yr_high)).toBeCloseTo(200 * 10 + 56 * 7, 9);
    expect(Number(y2020.sequestration_t_yr_low)).toBeCloseTo(150 * 8 + 106 * 5, 9);
    expect(Number(y2020.sequestration_t_yr_high)).toBeCloseTo(150 * 10 + 106 * 7, 9);
  });

  it('the change ranges from -250 to -50 t/yr (50 ha forest -> dry land), in change, transitions and attribution', () => {
    const change = csv(outC, 'change.csv').find((r) => r.zone_id === 'ALL')!;
    expect(Number(change.change_t_yr)).toBeCloseTo(-127.5, 9);
    expect(Number(change.change_t_yr_low)).toBeCloseTo(-250, 9);
    expect(Number(change.change_t_yr_high)).toBeCloseTo(-50, 9);
    expect(Number(change.mean_annual_change_t_yr_low)).toBeCloseTo(-12.5, 9);
    const t = csv(outC, 'transitions.csv').filter((r) => r.zone_id === 'ALL');
    const conversion = t.find((r) => r.from_code === '21' && r.to_code === '12')!;
    expect(Number(conversion.area_ha)).toBe(50);
    expect([Number(conversion.sequestration_change_t_yr_low), Number(conversion.sequestration_change_t_yr_high)]).toEqual([50 * (5 - 10), 50 * (7 - 8)]);
    const stay = t.find((r) => r.from_code === '21' && r.to_code === '21')!;
    expect([stay.sequestration_change_t_yr_low, stay.sequestration_change_t_yr_high]).toEqual(['0', '0']);
    const a = csv(outC, 'attribution.csv').find((r) => r.zone_id === 'ALL' && r.conversion === 'forest -> cultivated')!;
    expect([Number(a.sequestration_change_t_yr_low), Number(a.sequestration_change_t_yr_high)]).toEqual([-250, -50]);
  });

  it('with CO2 every CSV has the C headers renamed, and carbon values are C x 44/12', () => {
    const files = readdirSync(outC).filter((f) => f.endsWith('.csv')).sort();
    expect(files.length).toBeGreaterThanOrEqual(11);
    for (const file of files) {
      const c = readFileSync(join(outC, file), 'utf8');
      const co2 = readFileSync(join(outCo2, file), 'utf8');
      const headC = c.split('\n')[0]!.split(',');
      const headCo2 = co2.split('\n')[0]!.split(',');
      expect(headCo2, file).toEqual(headC.map((h) => unitColumn(h, 'CO2')));
      expect(headCo2.some((h) => h.includes('_tco2_')), file).toBe(true);
      expect(headCo2.some((h) => /_t_(ha_)?yr/.test(h)), file).toBe(false);
      const rowsC = readCsv(c), rowsCo2 = readCsv(co2);
      expect(rowsCo2.length, file).toBe(rowsC.length);
      rowsC.forEach((row, i) => {
        for (const h of headC) {
          const vC = row[h]!, vCo2 = rowsCo2[i]![unitColumn(h, 'CO2')]!;
          if (isCarbonColumn(h) && vC !== '') {
            const expected = Number(vC) * CO2_PER_C;
            expect(Math.abs(Number(vCo2) - expected), `${file} ${h} row ${i}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected)));
          } else if (h === 'share_of_total' || h === 'change_pct') {
            expect(Number(vCo2), `${file} ${h} row ${i}`).toBeCloseTo(Number(vC), 12);
          } else {
            expect(vCo2, `${file} ${h} row ${i}`).toBe(vC);
          }
        }
      });
    }
  });

  it('summary.json says which unit, and names its columns in it', () => {
    const s = JSON.parse(readFileSync(join(outCo2, 'summary.json'), 'utf8'));
    expect(s.settings.unit).toBe('CO2');
    expect(s.units.carbon).toMatch(/^CO2/);
    expect(s.units.sequestration_tco2_yr).toMatch(/CO2/);
    expect(s.units.sequestration_t_yr).toBeUndefined();
    expect(Object.keys(s.tables.zones[0])).toContain('sequestration_tco2_yr_low');
    expect(s.coefficients.find((c: { code: number }) => c.code === 21).coefficient_tco2_ha_yr).toBeCloseTo(8.7 * 44 / 12, 12);
    const sC = JSON.parse(readFileSync(join(outC, 'summary.json'), 'utf8'));
    expect(sC.units.carbon).toMatch(/^C:/);
  });
});
