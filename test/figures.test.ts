import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFigures, topConversions } from '../pipeline/figures.js';
import type { Tables } from '../pipeline/tables.js';
import type { AttributionRow } from '../pipeline/transitions.js';
import { readCsv, runCli, tmpDir, expectOnlyWarnings, PARTLY_OUTSIDE } from './helpers.js';
import { hectareGrid, runsToCodes, writeCoveringZone, writeHectareRaster } from './hectare-grid.js';

// The study's 2020 totals (million t C/yr) and Table 1 coefficients (t C/ha/yr) of the classes.
const STUDY_2020: [code: number, millionT: number, coefTPerHaYr: number][] = [
  [21, 9.1643, 8.7], [12, 4.7206, 6.15], [22, 1.7133, 2.25], [31, 1.1198, 1.5],
];
/** Whole hectares (= whole 1-ha cells) implied by the study's values. */
const CELLS_2020 = new Map(STUDY_2020.map(([code, m, coef]) => [code, Math.round((m * 1e6) / coef)]));
/** 2000: 10,000 ha that are dry land in 2020 were still forest. */
const FOREST_TO_DRY_HA = 10_000;
const SIZE = 2000;

describe('study figures from a raster of 1-ha cells through the whole pipeline (chengde-2024)', () => {
  const tmp = tmpDir('figures');
  const out = join(tmp.dir, 'out');
  const csv = (name: string) => readCsv(readFileSync(join(out, name), 'utf8'));

  beforeAll(async () => {
    const grid = hectareGrid(SIZE);
    const c = (code: number) => CELLS_2020.get(code)!;
    await writeHectareRaster(join(tmp.dir, 'lucc2020.tif'), grid, runsToCodes(SIZE, [[21, c(21)], [12, c(12)], [22, c(22)], [31, c(31)]]));
    await writeHectareRaster(join(tmp.dir, 'lucc2000.tif'), grid,
      runsToCodes(SIZE, [[21, c(21) + FOREST_TO_DRY_HA], [12, c(12) - FOREST_TO_DRY_HA], [22, c(22)], [31, c(31)]]));
    writeCoveringZone(join(tmp.dir, 'zone.geojson'), grid);
    const r = runCli(['run', '--raster', `2000=${join(tmp.dir, 'lucc2000.tif')}`, '--raster', `2020=${join(tmp.dir, 'lucc2020.tif')}`,
      '--zones', join(tmp.dir, 'zone.geojson'), '--coefficients', 'chengde-2024', '--no-rasters', '--quiet', '--out', out]);
    // The zone is a lon/lat box drawn around the raster, so it reaches past its edges.
    expectOnlyWarnings(r.stderr, [PARTLY_OUTSIDE], false);
    expect(r.status).toBe(0);
  }, 60_000);
  afterAll(tmp.cleanup);

  it('whole hectares still reproduce the study values to four decimals', () => {
    for (const [code, millionT, coef] of STUDY_2020) {
      expect(Number(((CELLS_2020.get(code)! * coef) / 1e6).toFixed(4)), `class ${code}`).toBe(millionT);
    }
    expect(CELLS_2020.get(21)).toBe(1_053_368);
  });

  it('classes.csv gives back 9.1643, 4.7206, 1.7133 and 1.1198 million t/yr for 2020', () => {
    const rows = csv('classes.csv').filter((r) => r.year === '2020');
    expect(rows.map((r) => Number(r.class_code)).sort((a, b) => a - b)).toEqual([12, 21, 22, 31]);
    for (const [code, millionT] of STUDY_2020) {
      const row = rows.find((r) => Number(r.class_code) === code)!;
      expect(Number(row.area_ha), `area of ${code}`).toBeCloseTo(CELLS_2020.get(code)!, 6);
      expect(Number((Number(row.sequestration_t_yr) / 1e6).toFixed(4)), `class ${code}`).toBe(millionT);
    }
  });

  it('zones.csv reports the cells outside the four classes as nodata', () => {
    const z2020 = csv('zones.csv').find((r) => r.year === '2020')!;
    const classCells = [...CELLS_2020.values()].reduce((s, v) => s + v, 0);
    expect(Number(z2020.area_ha)).toBeCloseTo(classCells, 6);
    expect(Number(z2020.nodata_ha)).toBeCloseTo(SIZE * SIZE - classCells, 6);
  });

  it('classes_ranked.csv ranks forested land, dry land, shrubland, high-coverage grassland', () => {
    const rows = csv('classes_ranked.csv').filter((r) => r.year === '2020');
    expect(rows.map((r) => [Number(r.rank), Number(r.class_code)])).toEqual([[1, 21], [2, 12], [3, 22], [4, 31]]);
    const total = STUDY_2020.reduce((s, [code, , coef]) => s + CELLS_2020.get(code)! * coef, 0);
    expect(Number(rows[0]!.share_of_total)).toBeCloseTo((CELLS_2020.get(21)! * 8.7) / total, 12);
  });

  it('primary_classes.csv sums forest = forested land + shrubland, and the shares sum to 1', () => {
    const rows = csv('primary_classes.csv').filter((r) => r.year === '2020');
    expect(rows.map((r) => r.primary_class)).toEqual(['cultivated', 'forest', 'grassland']);
    const forest = rows.find((r) => r.primary_class === 'forest')!;
    expect(Number(forest.sequestration_t_yr)).toBeCloseTo(CELLS_2020.get(21)! * 8.7 + CELLS_2020.get(22)! * 2.25, 4);
    expect(rows.reduce((s, r) => s + Number(r.share_of_total), 0)).toBeCloseTo(1, 12);
  });

  it('region_trend.csv and zones_change_ranked.csv show the forest -> dry land loss of 10,000 ha x (6.15 - 8.7)', () => {
    const trend = csv('region_trend.csv');
    expect(trend.map((r) => r.year)).toEqual(['2000', '2020']);
    expect(trend[0]!.change_from_previous_t_yr).toBe('');
    const expected = FOREST_TO_DRY_HA * (6.15 - 8.7);
    expect(Number(trend[1]!.change_from_previous_t_yr)).toBeCloseTo(expected, 6);
    expect(Number(trend[1]!.mean_annual_change_t_yr)).toBeCloseTo(expected / 20, 6);
    const ranked = csv('zones_change_ranked.csv');
    expect(ranked).toHaveLength(1);
    expect(Number(ranked[0]!.mean_annual_change_t_yr)).toBeCloseTo(expected / 20, 6);
    const mean = csv('zones_mean.csv');
    expect(mean[0]!.years).toBe('2000 2020');
    expect(Number(mean[0]!.mean_sequestration_t_yr)).toBeCloseTo((Number(trend[0]!.sequestration_t_yr) + Number(trend[1]!.sequestration_t_yr)) / 2, 6);
  });

  it('summary.json holds the figures and the top conversion, forest -> cultivated', () => {
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(Object.keys(summary.figures)).toEqual(['primary_classes', 'classes_ranked', 'region_trend', 'zones_mean', 'zones_change_ranked']);
    const region = summary.top_conversions.pairs[0].region;
    expect(region).toHaveLength(1);
    expect(region[0].conversion).toBe('forest -> cultivated');
    expect(region[0].sequestration_change_t_yr).toBeCloseTo(FOREST_TO_DRY_HA * (6.15 - 8.7), 6);
  });
});

// ---- the figure builders on hand-made tables ----------------------------------------------------

function tables(): Tables {
  const zone = (year: number, id: string, seq: number) => ({ year, zone_id: id, zone_name: `zone ${id}`, area_ha: 100, nodata_ha: 0, sequestration_t_yr: seq, share_of_total: null });
  const cls = (year: number, code: number, primary: string, seq: number) => ({ year, class_code: code, class_name: `c${code}`, primary_class: primary, area_ha: 10, sequestration_t_yr: seq, share_of_total: null });
  const change = (id: string, from: number, to: number, a: number, b: number) => ({
    zone_id: id, zone_name: `zone ${id}`, from_year: from, to_year: to, sequestration_from_t_yr: a, sequestration_to_t_yr: b,
    change_t_yr: b - a, change_pct: ((b - a) / a) * 100, mean_annual_change_t_yr: (b - a) / (to - from),
  });
  return {
    zonesClasses: [],
    zones: [zone(2000, 'A', 60), zone(2000, 'B', 40), zone(2010, 'A', 50), zone(2010, 'B', 45)],
    classes: [cls(2000, 21, 'forest', 70), cls(2000, 22, 'forest', 10), cls(2000, 12, 'cultivated', 20),
      cls(2010, 21, 'forest', 55), cls(2010, 22, 'forest', 10), cls(2010, 12, 'cultivated', 30)],
    change: [change('A', 2000, 2010, 60, 50), change('B', 2000, 2010, 40, 45), change('ALL', 2000, 2010, 100, 95)],
    unmapped: [],
  };
}

describe('buildFigures', () => {
  const f = buildFigures(tables());

  it('sums primary classes per year with their share of the total', () => {
    expect(f.primaryClasses.filter((r) => r.year === 2000).map((r) => [r.primary_class, r.sequestration_t_yr, r.share_of_total]))
      .toEqual([['cultivated', 20, 0.2], ['forest', 80, 0.8]]);
  });

  it('ranks classes by sequestration, largest first, within each year', () => {
    expect(f.classesRanked.filter((r) => r.year === 2010).map((r) => [r.rank, r.class_code])).toEqual([[1, 21], [2, 12], [3, 22]]);
  });

  it('gives the region trend with no change for the first epoch', () => {
    expect(f.regionTrend.map((r) => [r.year, r.sequestration_t_yr, r.change_from_previous_t_yr, r.mean_annual_change_t_yr]))
      .toEqual([[2000, 100, null, null], [2010, 95, -5, -0.5]]);
  });

  it('averages each zone over the epochs and ranks the largest decline first', () => {
    expect(f.zonesMean.map((r) => [r.zone_id, r.mean_sequestration_t_yr, r.years])).toEqual([['A', 55, '2000 2010'], ['B', 42.5, '2000 2010']]);
    expect(f.zonesChangeRanked.map((r) => [r.rank, r.zone_id, r.mean_annual_change_t_yr])).toEqual([[1, 'A', -1], [2, 'B', 0.5]]);
  });
});

describe('topConversions', () => {
  const row = (zone: string, conversion: string, change: number): AttributionRow => {
    const [from, to] = conversion.split(' -> ') as [string, string];
    return { zone_id: zone, zone_name: zone, from_year: 2000, to_year: 2020, from_primary: from, to_primary: to, conversion, area_ha: 1, sequestration_change_t_yr: change };
  };
  const rows = [
    row('ALL', 'forest -> forest', 0), row('ALL', 'forest -> construction', -50), row('ALL', 'grassland -> forest', 70),
    row('ALL', 'cultivated -> construction', -20), row('A', 'forest -> construction', -50), row('A', 'forest -> forest', 0),
  ];

  it('ranks by the size of the change, gains and losses alike, leaves out no-change rows and keeps N', () => {
    const top = topConversions(rows, 2);
    expect(top.pairs).toHaveLength(1);
    expect(top.pairs[0]!.region.map((r) => [r.rank, r.conversion])).toEqual([[1, 'grassland -> forest'], [2, 'forest -> construction']]);
    expect(top.pairs[0]!.zones.A!.map((r) => r.conversion)).toEqual(['forest -> construction']);
  });
});
