import type { CoefficientTable } from './coefficients.js';
import { tallyHa, type Tallies } from './merge.js';
import type { Plan } from './plan.js';
import type { Zone } from '../boundaries/read-zones.js';
import { addNet, changeRange, coefficientRange, hasIntervals, type Ranges } from './intervals.js';

export type ZoneClassRow = {
  year: number; zone_id: string; zone_name: string; class_code: number; class_name: string; primary_class: string;
  cells: number; area_ha: number; coefficient_t_ha_yr: number | null; sequestration_t_yr: number;
} & Ranges<'coefficient_t_ha_yr' | 'sequestration_t_yr'>;
export type ZoneRow = {
  year: number; zone_id: string; zone_name: string; area_ha: number; nodata_ha: number; sequestration_t_yr: number; share_of_total: number | null;
} & Ranges<'sequestration_t_yr'>;
export type ClassRow = {
  year: number; class_code: number; class_name: string; primary_class: string; area_ha: number; sequestration_t_yr: number; share_of_total: number | null;
} & Ranges<'sequestration_t_yr'>;
export type ChangeRow = {
  zone_id: string; zone_name: string; from_year: number; to_year: number;
  sequestration_from_t_yr: number; sequestration_to_t_yr: number; change_t_yr: number; change_pct: number | null; mean_annual_change_t_yr: number;
} & Ranges<'sequestration_from_t_yr' | 'sequestration_to_t_yr' | 'change_t_yr' | 'mean_annual_change_t_yr'>;

export interface Tables {
  zonesClasses: ZoneClassRow[];
  zones: ZoneRow[];
  classes: ClassRow[];
  change: ChangeRow[];
  /** Codes found inside zones that the coefficient table lacks, with their cell counts. */
  unmapped: { code: number; cells: number; years: number[] }[];
}

/**
 * Hectares -> t/yr, and the roll-ups: zone x class -> zone, class -> region, epoch change.
 * The only place sequestration is computed; writers only format these rows.
 */
export function buildTables(plan: Plan, tallies: Tallies, zones: Zone[], table: CoefficientTable, unmappedAsZero: boolean): Tables {
  const zonesClasses: ZoneClassRow[] = [];
  const zoneRows: ZoneRow[] = [];
  const classRows: ClassRow[] = [];
  const unmapped = new Map<number, { code: number; cells: number; years: number[] }>();
  const totalByZoneYear = new Map<string, number>();
  const intervals = hasIntervals(table);
  /** Class areas by zone (and ALL) and year, for the exact range of each change (intervals only). */
  const areasByZoneYear = new Map<string, Map<number, number>>();
  const rangeOf = new Map<string, [number, number]>();
  const addArea = (key: string, code: number, ha: number) => {
    if (!intervals) return;
    addNet(areasByZoneYear.get(key) ?? areasByZoneYear.set(key, new Map()).get(key)!, code, ha);
  };

  plan.epochs.forEach((epoch, e) => {
    const constantHa = plan.groups[epoch.group]!.cellArea.constantHa;
    const area = (t: { cells: number; areaHa: number }) => tallyHa(t, constantHa);
    const byClass = new Map<number, { area: number; seq: number; low: number; high: number }>();
    const yearZoneRows: ZoneRow[] = [];
    tallies.byEpoch[e]!.forEach((tally, z) => {
      const zone = zones[z]!;
      let zoneArea = 0;
      let zoneSeq = 0;
      let zoneLow = 0;
      let zoneHigh = 0;
      for (const code of [...tally.classes.keys()].sort((a, b) => a - b)) {
        const t = tally.classes.get(code)!;
        const cls = table.classes.get(code);
        if (!cls) {
          const u = unmapped.get(code) ?? { code, cells: 0, years: [] };
          u.cells += t.cells;
          if (!u.years.includes(epoch.year)) u.years.push(epoch.year);
          unmapped.set(code, u);
        }
        const coef = cls ? cls.coefficientTPerHaYr : unmappedAsZero ? 0 : null;
        const areaHa = area(t);
        const seq = areaHa * (coef ?? 0);
        const [cLow, cHigh] = coefficientRange(table, code);
        zonesClasses.push({
          year: epoch.year, zone_id: zone.id, zone_name: zone.name, class_code: code,
          class_name: cls?.name ?? `unmapped code ${code}`, primary_class: cls?.primary ?? 'unmapped',
          cells: t.cells, area_ha: areaHa, coefficient_t_ha_yr: coef, sequestration_t_yr: seq,
          ...(intervals ? {
            coefficient_t_ha_yr_low: coef === null ? null : cLow, coefficient_t_ha_yr_high: coef === null ? null : cHigh,
            sequestration_t_yr_low: areaHa * cLow, sequestration_t_yr_high: areaHa * cHigh,
          } : {}),
        });
        zoneArea += areaHa;
        zoneSeq += seq;
        zoneLow += areaHa * cLow;
        zoneHigh += areaHa * cHigh;
        addArea(`${zone.id}\u0000${epoch.year}`, code, areaHa);
        addArea(`ALL\u0000${epoch.year}`, code, areaHa);
        const c = byClass.get(code) ?? { area: 0, seq: 0, low: 0, high: 0 };
        c.area += areaHa;
        c.seq += seq;
        c.low += areaHa * cLow;
        c.high += areaHa * cHigh;
        byClass.set(code, c);
      }
      totalByZoneYear.set(`${zone.id}\u0000${epoch.year}`, zoneSeq);
      rangeOf.set(`${zone.id}\u0000${epoch.year}`, [zoneLow, zoneHigh]);
      yearZoneRows.push({
        year: epoch.year, zone_id: zone.id, zone_name: zone.name, area_ha: zoneArea, nodata_ha: area(tally.nodata), sequestration_t_yr: zoneSeq, share_of_total: null,
        ...(intervals ? { sequestration_t_yr_low: zoneLow, sequestration_t_yr_high: zoneHigh } : {}),
      });
    });
    const yearTotal = yearZoneRows.reduce((s, r) => s + r.sequestration_t_yr, 0);
    for (const r of yearZoneRows) r.share_of_total = yearTotal === 0 ? null : r.sequestration_t_yr / yearTotal;
    zoneRows.push(...yearZoneRows);
    totalByZoneYear.set(`ALL\u0000${epoch.year}`, yearTotal);
    rangeOf.set(`ALL\u0000${epoch.year}`, [yearZoneRows.reduce((s, r) => s + (r.sequestration_t_yr_low ?? 0), 0), yearZoneRows.reduce((s, r) => s + (r.sequestration_t_yr_high ?? 0), 0)]);
    for (const code of [...byClass.keys()].sort((a, b) => a - b)) {
      const c = byClass.get(code)!;
      const cls = table.classes.get(code);
      classRows.push({
        year: epoch.year, class_code: code, class_name: cls?.name ?? `unmapped code ${code}`, primary_class: cls?.primary ?? 'unmapped',
        area_ha: c.area, sequestration_t_yr: c.seq, share_of_total: yearTotal === 0 ? null : c.seq / yearTotal,
        ...(intervals ? { sequestration_t_yr_low: c.low, sequestration_t_yr_high: c.high } : {}),
      });
    }
  });

  // the same pairs as transitions.csv: plan.pairs
  const pairs = plan.pairs.map(([a, b]) => [plan.epochs[a]!.year, plan.epochs[b]!.year] as const);
  const change: ChangeRow[] = [];
  const zoneList = [...zones.map((z) => ({ id: z.id, name: z.name })), { id: 'ALL', name: 'all zones' }];
  for (const [from, to] of pairs) {
    for (const z of zoneList) {
      const a = totalByZoneYear.get(`${z.id}\u0000${from}`) ?? 0;
      const b = totalByZoneYear.get(`${z.id}\u0000${to}`) ?? 0;
      change.push({
        zone_id: z.id, zone_name: z.name, from_year: from, to_year: to,
        sequestration_from_t_yr: a, sequestration_to_t_yr: b, change_t_yr: b - a,
        change_pct: a === 0 ? null : ((b - a) / a) * 100, mean_annual_change_t_yr: (b - a) / (to - from),
        ...(intervals ? changeRanges(z.id, from, to) : {}),
      });
    }
  }
  /** Each epoch's total ranges on its own; the change's range is exact (intervals.ts changeRange). */
  function changeRanges(zoneId: string, from: number, to: number) {
    const net = new Map<number, number>();
    for (const [code, ha] of areasByZoneYear.get(`${zoneId}\u0000${to}`) ?? []) addNet(net, code, ha);
    for (const [code, ha] of areasByZoneYear.get(`${zoneId}\u0000${from}`) ?? []) addNet(net, code, -ha);
    const [low, high] = changeRange(net, table);
    const [fromLow, fromHigh] = rangeOf.get(`${zoneId}\u0000${from}`) ?? [0, 0];
    const [toLow, toHigh] = rangeOf.get(`${zoneId}\u0000${to}`) ?? [0, 0];
    return {
      sequestration_from_t_yr_low: fromLow, sequestration_from_t_yr_high: fromHigh,
      sequestration_to_t_yr_low: toLow, sequestration_to_t_yr_high: toHigh,
      change_t_yr_low: low, change_t_yr_high: high,
      mean_annual_change_t_yr_low: low / (to - from), mean_annual_change_t_yr_high: high / (to - from),
    };
  }
  return { zonesClasses, zones: zoneRows, classes: classRows, change, unmapped: [...unmapped.values()].sort((a, b) => a.code - b.code) };
}
