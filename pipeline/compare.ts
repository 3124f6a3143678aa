
import { resolve } from 'node:path';
import { Staging } from '../output/staging.js';
import { UserError, readJsonFile } from './errors.js';
import { COMPARE_OUTPUTS } from './spec.js';
import { unitColumn, writeUnitCsv, type CarbonUnit } from './units.js';

/** What compare needs of a summary.json: its unit and the zone and class tables. */
export interface RunSummary {
  path: string;
  unit: CarbonUnit;
  zones: { year: number; zone_id: string; zone_name: string; area_ha: number; seq: number }[];
  zonesClasses: { year: number; zone_id: string; zone_name: string; class_code: number; class_name: string; area_ha: number; seq: number }[];
  classes: { year: number; class_code: number; class_name: string; area_ha: number; seq: number }[];
}

interface Diff {
  area_ha_a: number | null; area_ha_b: number | null; area_ha_b_minus_a: number | null; area_pct: number | null;
  sequestration_t_yr_a: number | null; sequestration_t_yr_b: number | null; sequestration_t_yr_b_minus_a: number | null; sequestration_pct: number | null;
}
export type CompareZoneRow = { year: number; zone_id: string; zone_name: string } & Diff;
export type CompareClassRow = { year: number; zone_id: string; zone_name: string; class_code: number; class_name: string } & Diff;

export interface Comparison {
  a: string;
  b: string;
  unit: CarbonUnit;
  years: number[];
  onlyA: number[];
  onlyB: number[];
  zones: CompareZoneRow[];
  classes: CompareClassRow[];
}

/** Read the tables of a finished run; a missing or foreign file is a UserError naming it. */
export async function readRunSummary(path: string): Promise<RunSummary> {
  const doc = await readJsonFile(path, 'run summary (summary.json of a finished lucc-carbon run)',
    'Give the summary.json that lucc-carbon run wrote into its --out folder.') as { settings?: { unit?: unknown }; tables?: Record<string, unknown> } | null;
  const unit: CarbonUnit = doc?.settings?.unit === 'CO2' ? 'CO2' : 'C';
  const seqKey = unitColumn('sequestration_t_yr', unit);
  const table = (name: string, fields: string[]): Record<string, unknown>[] => {
    const rows = doc?.tables?.[name];
    const bad = !Array.isArray(rows) || rows.some((r) => typeof r !== 'object' || r === null || fields.some((f) => !(f in r)));
    if (bad) {
      throw new UserError(`${path}: has no valid tables.${name} (rows with ${fields.join(', ')}). It is not the summary.json of a lucc-carbon run (or of an older version); run lucc-carbon run again and compare the new summary.json.`);
    }
    return rows as Record<string, unknown>[];
  };
  const num = (v: unknown) => (typeof v === 'number' ? v : Number(v));
  return {
    path, unit,
    zones: table('zones', ['year', 'zone_id', 'area_ha', seqKey]).map((r) => ({
      year: num(r.year), zone_id: String(r.zone_id), zone_name: String(r.zone_name ?? ''), area_ha: num(r.area_ha), seq: num(r[seqKey]),
    })),
    zonesClasses: table('zones_classes', ['year', 'zone_id', 'class_code', 'area_ha', seqKey]).map((r) => ({
      year: num(r.year), zone_id: String(r.zone_id), zone_name: String(r.zone_name ?? ''), class_code: num(r.class_code),
      class_name: String(r.class_name ?? ''), area_ha: num(r.area_ha), seq: num(r[seqKey]),
    })),
    classes: table('classes', ['year', 'class_code', 'area_ha', seqKey]).map((r) => ({
      year: num(r.year), class_code: num(r.class_code), class_name: String(r.class_name ?? ''), area_ha: num(r.area_ha), seq: num(r[seqKey]),
    })),
  };
}

function diff(a: { area_ha: number; seq: number } | undefined, b: { area_ha: number; seq: number } | undefined): Diff {
  const d = (x: number | undefined, y: number | undefined) => (x === undefined || y === undefined ? null : y - x);
  const pct = (x: number | undefined, y: number | undefined) => (x === undefined || y === undefined || x === 0 ? null : ((y - x) / x) * 100);
  return {
    area_ha_a: a?.area_ha ?? null, area_ha_b: b?.area_ha ?? null, area_ha_b_minus_a: d(a?.area_ha, b?.area_ha), area_pct: pct(a?.area_ha, b?.area_ha),
    sequestration_t_yr_a: a?.seq ?? null, sequestration_t_yr_b: b?.seq ?? null,
    sequestration_t_yr_b_minus_a: d(a?.seq, b?.seq), sequestration_pct: pct(a?.seq, b?.seq),
  };
}

/** Union of keys in A's order, then B's extras. */
function unionKeys<T>(a: T[], b: T[], key: (r: T) => string): { key: string; row: T }[] {
  const seen = new Map<string, T>();
  for (const r of [...a, ...b]) if (!seen.has(key(r))) seen.set(key(r), r);
  return [...seen].map(([k, row]) => ({ key: k, row }));
}

/** B - A for every year both runs hold: per zone (and ALL), per zone and class (and ALL per class). */
export function compareRuns(a: RunSummary, b: RunSummary): Comparison {
  if (a.unit !== b.unit) {
    throw new UserError(`${a.path} is in ${a.unit} and ${b.path} in ${b.unit}, so their numbers differ by the unit alone. Run both with the same --unit (C or CO2) and compare again.`);
  }
  const yearsA = new Set(a.zones.map((r) => r.year));
  const yearsB = new Set(b.zones.map((r) => r.year));
  const years = [...yearsA].filter((y) => yearsB.has(y)).sort((x, y) => x - y);
  const onlyA = [...yearsA].filter((y) => !yearsB.has(y)).sort((x, y) => x - y);
  const onlyB = [...yearsB].filter((y) => !yearsA.has(y)).sort((x, y) => x - y);
  if (years.length === 0) {
    throw new UserError(`${a.path} (years ${onlyA.join(', ')}) and ${b.path} (years ${onlyB.join(', ')}) have no year in common, so there is nothing to compare. Run both with rasters of the same epochs.`);
  }
  const zones: CompareZoneRow[] = [];
  const classes: CompareClassRow[] = [];
  const zoneKey = (r: { year: number; zone_id: string }) => `${r.year}\u0000${r.zone_id}`;
  const classKey = (r: { year: number; zone_id: string; class_code: number }) => `${zoneKey(r)}\u0000${r.class_code}`;
  const byKey = <T>(rows: T[], key: (r: T) => string) => new Map(rows.map((r) => [key(r), r]));
  const za = byKey(a.zones, zoneKey), zb = byKey(b.zones, zoneKey);
  const ca = byKey(a.zonesClasses, classKey), cb = byKey(b.zonesClasses, classKey);
  const ra = byKey(a.classes, (r) => `${r.year}\u0000${r.class_code}`), rb = byKey(b.classes, (r) => `${r.year}\u0000${r.class_code}`);
  const total = (rows: { area_ha: number; seq: number }[]) => (rows.length === 0 ? undefined
    : { area_ha: rows.reduce((s, r) => s + r.area_ha, 0), seq: rows.reduce((s, r) => s + r.seq, 0) });
  for (const year of years) {
    const inYear = <T extends { year: number }>(rows: T[]) => rows.filter((r) => r.year === year);
    for (const { key, row } of unionKeys(inYear(a.zones), inYear(b.zones), zoneKey)) {
      zones.push({ year, zone_id: row.zone_id, zone_name: row.zone_name, ...diff(za.get(key), zb.get(key)) });
    }
    zones.push({ year, zone_id: 'ALL', zone_name: 'all zones', ...diff(total(inYear(a.zones)), total(inYear(b.zones))) });
    const zoneOrder = new Map(unionKeys(inYear(a.zones), inYear(b.zones), (r) => r.zone_id).map((z, i) => [z.key, i]));
    const classRows = unionKeys(inYear(a.zonesClasses), inYear(b.zonesClasses), classKey)
      .sort((x, y) => (zoneOrder.get(x.row.zone_id) ?? 0) - (zoneOrder.get(y.row.zone_id) ?? 0) || x.row.class_code - y.row.class_code);
    for (const { key, row } of classRows) {
      classes.push({ year, zone_id: row.zone_id, zone_name: row.zone_name, class_code: row.class_code, class_name: row.class_name, ...diff(ca.get(key), cb.get(key)) });
    }
    const regionRows = unionKeys(inYear(a.classes), inYear(b.classes), (r) => `${r.year}\u0000${r.class_code}`).sort((x, y) => x.row.class_code - y.row.class_code);
    for (const { key, row } of regionRows) {
      classes.push({ year, zone_id: 'ALL', zone_name: 'all zones', class_code: row.class_code, class_name: row.class_name, ...diff(ra.get(key), rb.get(key)) });
    }
  }
  return { a: a.path, b: b.path, unit: a.unit, years, onlyA, onlyB, zones, classes };
}

/** compare_zones.csv and compare_classes.csv, staged and renamed into `out`. */
export async function writeComparison(c: Comparison, out: string): Promise<string[]> {
  const staging = await Staging.create(resolve(out));
  try {
    for (const spec of COMPARE_OUTPUTS) {
      const rows = spec.file === 'compare_zones.csv' ? c.zones : c.classes;
      await writeUnitCsv(staging.path(spec.file), spec.columns!, rows, c.unit, false);
    }
    return await staging.commit();
  } catch (err) {
    await staging.abort();
    throw err;
  }
}

/** The short table printed by `lucc-carbon compare`: region totals per year and the zones that moved most. */
export function renderComparison(c: Comparison, n = 5): string {
  const unit = c.unit === 'CO2' ? 't CO2/yr' : 't C/yr';
  const f = (v: number | null, digits = 1) => (v === null ? 'n/a' : v.toFixed(digits));
  const lines = [`A = ${c.a}`, `B = ${c.b}`, `years compared: ${c.years.join(', ')}`];
  if (c.onlyA.length > 0) lines.push(`only in A (not compared): ${c.onlyA.join(', ')}`);
  if (c.onlyB.length > 0) lines.push(`only in B (not compared): ${c.onlyB.join(', ')}`);
  lines.push('', `year  sequestration A (${unit})  sequestration B  B - A  B vs A %`);
  for (const r of c.zones.filter((z) => z.zone_id === 'ALL')) {
    lines.push(`${r.year}  ${f(r.sequestration_t_yr_a).padStart(22)}  ${f(r.sequestration_t_yr_b).padStart(15)}  ${f(r.sequestration_t_yr_b_minus_a)}  ${f(r.sequestration_pct, 3)}`);
  }
  const last = c.years[c.years.length - 1]!;
  // zones in one run only (no difference) come first
  const size = (z: CompareZoneRow) => (z.sequestration_t_yr_b_minus_a === null ? Number.MAX_VALUE : Math.abs(z.sequestration_t_yr_b_minus_a));
  const moved = c.zones.filter((z) => z.year === last && z.zone_id !== 'ALL')
    .sort((x, y) => size(y) - size(x)).slice(0, n);
  if (moved.length > 0) {
    lines.push('', `zones that differ most in ${last}:`);
    for (const z of moved) lines.push(`  ${z.zone_id} ${z.zone_name}: ${f(z.sequestration_t_yr_b_minus_a)} ${unit} (${f(z.sequestration_pct, 3)} %)${z.sequestration_t_yr_a === null ? ' only in B' : z.sequestration_t_yr_b === null ? ' only in A' : ''}`);
  }
  return lines.join('\n');
}
