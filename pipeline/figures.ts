import type { Ranges } from './intervals.js';
import type { ChangeRow, ClassRow, Tables } from './tables.js';
import type { AttributionRow } from './transitions.js';

// The reference study's figures 3-8 as tables, derived from the tables (never from counts):
// nothing here is a new number, only sums, ranks and means of numbers tables.ts computed.

export type PrimaryClassRow = {
  year: number; primary_class: string; area_ha: number; sequestration_t_yr: number; share_of_total: number | null;
} & Ranges<'sequestration_t_yr'>;
export type RankedClassRow = ClassRow & { rank: number };
export type RegionTrendRow = {
  year: number; sequestration_t_yr: number; change_from_previous_t_yr: number | null; mean_annual_change_t_yr: number | null;
} & Ranges<'sequestration_t_yr' | 'change_from_previous_t_yr' | 'mean_annual_change_t_yr'>;
export type ZoneMeanRow = {
  zone_id: string; zone_name: string; mean_sequestration_t_yr: number; years: string;
} & Ranges<'mean_sequestration_t_yr'>;
export type ZoneChangeRankedRow = {
  rank: number; zone_id: string; zone_name: string; from_year: number; to_year: number;
  mean_annual_change_t_yr: number; change_t_yr: number; change_pct: number | null;
} & Ranges<'mean_annual_change_t_yr' | 'change_t_yr'>;

export interface Figures {
  primaryClasses: PrimaryClassRow[];
  classesRanked: RankedClassRow[];
  regionTrend: RegionTrendRow[];
  zonesMean: ZoneMeanRow[];
  zonesChangeRanked: ZoneChangeRankedRow[];
}

/** Sum of an optional range column; undefined when the rows carry no ranges. */
function sumOf<T>(rows: readonly T[], pick: (r: T) => number | null | undefined): number | undefined {
  let s = 0;
  for (const r of rows) {
    const v = pick(r);
    if (v === undefined) return undefined;
    s += v ?? 0;
  }
  return s;
}

function ranges<K extends string>(name: K, low: number | null | undefined, high: number | null | undefined): Ranges<K> {
  return (low === undefined || high === undefined ? {} : { [`${name}_low`]: low, [`${name}_high`]: high }) as Ranges<K>;
}

export function buildFigures(tables: Tables): Figures {
  const years = [...new Set(tables.classes.map((r) => r.year))].sort((a, b) => a - b);
  const regionChange = (from: number, to: number): ChangeRow | undefined =>
    tables.change.find((c) => c.zone_id === 'ALL' && c.from_year === from && c.to_year === to);

  // fig. 3 and 6: each primary class per year, with its share of the year's total
  const primaryClasses: PrimaryClassRow[] = [];
  const classesRanked: RankedClassRow[] = [];
  const regionTrend: RegionTrendRow[] = [];
  for (const [i, year] of years.entries()) {
    const rows = tables.classes.filter((r) => r.year === year);
    const total = rows.reduce((s, r) => s + r.sequestration_t_yr, 0);
    const primaries = [...new Set(rows.map((r) => r.primary_class))].sort();
    for (const primary of primaries) {
      const members = rows.filter((r) => r.primary_class === primary);
      const seq = members.reduce((s, r) => s + r.sequestration_t_yr, 0);
      primaryClasses.push({
        year, primary_class: primary, area_ha: members.reduce((s, r) => s + r.area_ha, 0), sequestration_t_yr: seq,
        share_of_total: total === 0 ? null : seq / total,
        ...ranges('sequestration_t_yr', sumOf(members, (r) => r.sequestration_t_yr_low), sumOf(members, (r) => r.sequestration_t_yr_high)),
      });
    }
    // fig. 4: secondary classes by sequestration, largest first (ties by code, for a stable order)
    const ranked = [...rows].sort((a, b) => b.sequestration_t_yr - a.sequestration_t_yr || a.class_code - b.class_code);
    ranked.forEach((r, k) => classesRanked.push({ ...r, rank: k + 1 }));
    // fig. 5: the regional total per epoch, and its change from the epoch before
    const prev = i > 0 ? regionChange(years[i - 1]!, year) : undefined;
    regionTrend.push({
      year, sequestration_t_yr: total,
      change_from_previous_t_yr: prev?.change_t_yr ?? null, mean_annual_change_t_yr: prev?.mean_annual_change_t_yr ?? null,
      ...ranges('sequestration_t_yr', sumOf(rows, (r) => r.sequestration_t_yr_low), sumOf(rows, (r) => r.sequestration_t_yr_high)),
      ...(prev ? ranges('change_from_previous_t_yr', prev.change_t_yr_low, prev.change_t_yr_high) : {}),
      ...(prev ? ranges('mean_annual_change_t_yr', prev.mean_annual_change_t_yr_low, prev.mean_annual_change_t_yr_high) : {}),
    });
  }

  // fig. 7: mean over the epochs of each zone's yearly sequestration
  const zonesMean: ZoneMeanRow[] = [];
  for (const [id, rows] of groupBy(tables.zones, (r) => r.zone_id)) {
    const n = rows.length;
    const low = sumOf(rows, (r) => r.sequestration_t_yr_low);
    const high = sumOf(rows, (r) => r.sequestration_t_yr_high);
    zonesMean.push({
      zone_id: id, zone_name: rows[0]!.zone_name, mean_sequestration_t_yr: rows.reduce((s, r) => s + r.sequestration_t_yr, 0) / n,
      years: rows.map((r) => r.year).join(' '),
      ...ranges('mean_sequestration_t_yr', low === undefined ? undefined : low / n, high === undefined ? undefined : high / n),
    });
  }

  // fig. 8: mean annual change first-to-last per zone, largest decline first
  const first = years[0];
  const last = years[years.length - 1];
  const zonesChangeRanked: ZoneChangeRankedRow[] = tables.change
    .filter((c) => c.zone_id !== 'ALL' && c.from_year === first && c.to_year === last)
    .sort((a, b) => a.mean_annual_change_t_yr - b.mean_annual_change_t_yr || a.zone_id.localeCompare(b.zone_id))
    .map((c, k) => ({
      rank: k + 1, zone_id: c.zone_id, zone_name: c.zone_name, from_year: c.from_year, to_year: c.to_year,
      mean_annual_change_t_yr: c.mean_annual_change_t_yr, change_t_yr: c.change_t_yr, change_pct: c.change_pct,
      ...ranges('mean_annual_change_t_yr', c.mean_annual_change_t_yr_low, c.mean_annual_change_t_yr_high),
      ...ranges('change_t_yr', c.change_t_yr_low, c.change_t_yr_high),
    }));
  return { primaryClasses, classesRanked, regionTrend, zonesMean, zonesChangeRanked };
}

export type RankedConversion = AttributionRow & { rank: number };

export interface TopConversions {
  n: number;
  ranked_by: string;
  pairs: { from_year: number; to_year: number; region: RankedConversion[]; zones: Record<string, RankedConversion[]> }[];
}

/**
 * The N conversions that cost or gained the most (largest |sequestration_change_t_yr|), for
 * every epoch pair, region-wide (zone ALL) and in each zone. Rows with no change at all (a
 * class staying itself) are left out.
 */
export function topConversions(attribution: readonly AttributionRow[], n: number): TopConversions {
  const pairKeys = [...new Map(attribution.map((r) => [`${r.from_year}-${r.to_year}`, [r.from_year, r.to_year] as const])).values()];
  const rank = (rows: AttributionRow[]): RankedConversion[] => rows
    .filter((r) => r.sequestration_change_t_yr !== 0)
    .sort((a, b) => Math.abs(b.sequestration_change_t_yr) - Math.abs(a.sequestration_change_t_yr) || a.conversion.localeCompare(b.conversion))
    .slice(0, n)
    .map((r, k) => ({ ...r, rank: k + 1 }));
  return {
    n,
    ranked_by: 'absolute sequestration change, largest first; negative = sequestration lost, positive = gained; conversions with no change left out',
    pairs: pairKeys.map(([from, to]) => {
      const rows = attribution.filter((r) => r.from_year === from && r.to_year === to);
      const zones: Record<string, RankedConversion[]> = {};
      for (const [id, zoneRows] of groupBy(rows, (r) => r.zone_id)) if (id !== 'ALL') zones[id] = rank(zoneRows);
      return { from_year: from, to_year: to, region: rank(rows.filter((r) => r.zone_id === 'ALL')), zones };
    }),
  };
}

/** Rows grouped by a key, groups in order of first appearance. */
function groupBy<T>(rows: readonly T[], key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}
