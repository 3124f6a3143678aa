import { writeCsv } from '../output/csv.js';
import type { CoefficientTable } from './coefficients.js';
import { UNITS } from './spec.js';

/** Carbon (C) or carbon dioxide (CO2 = C x 44/12, the molar masses). */
export type CarbonUnit = 'C' | 'CO2';
export const CO2_PER_C = 44 / 12;

/** Columns in tonnes of carbon: `..._t_yr`, `..._t_ha_yr`, and their `_low`/`_high` companions. */
const CARBON_TOKEN = /_t_(ha_)?yr(?=$|_)/;

export function isCarbonColumn(column: string): boolean {
  return CARBON_TOKEN.test(column);
}

/** The column's name in the run's unit: sequestration_t_yr -> sequestration_tco2_yr with CO2. */
export function unitColumn(column: string, unit: CarbonUnit): string {
  return unit === 'CO2' ? column.replace(CARBON_TOKEN, '_tco2_$1yr') : column;
}

export interface TableColumn {
  /** Property of the row object (always the C name). */
  readonly key: string;
  /** Header in the CSV and key in summary.json (the name in the run's unit). */
  readonly header: string;
}

/**
 * The columns a table is written with: the spec's columns renamed to the unit, each carbon
 * column followed by `_low` and `_high` when the coefficient table gives ranges.
 */
export function tableColumns(columns: readonly string[], unit: CarbonUnit, intervals: boolean): TableColumn[] {
  const out: TableColumn[] = [];
  for (const key of columns) {
    out.push({ key, header: unitColumn(key, unit) });
    if (intervals && isCarbonColumn(key)) {
      out.push({ key: `${key}_low`, header: unitColumn(`${key}_low`, unit) });
      out.push({ key: `${key}_high`, header: unitColumn(`${key}_high`, unit) });
    }
  }
  return out;
}

/** A row with its keys in the run's unit (for summary.json); values are already in that unit. */
function renameRow(row: object, unit: CarbonUnit): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[unitColumn(k, unit)] = v;
  return out;
}

export function renameRows(rows: readonly object[], unit: CarbonUnit): Record<string, unknown>[] {
  return unit === 'C' ? (rows as Record<string, unknown>[]) : rows.map((r) => renameRow(r, unit));
}

/**
 * The one place values change unit: every coefficient (and its range) is multiplied by 44/12
 * for CO2, so areas x coefficients give tCO2 in every table and in the GeoTIFFs alike.
 */
export function scaleCoefficients(table: CoefficientTable, unit: CarbonUnit): CoefficientTable {
  if (unit === 'C') return table;
  const classes = new Map([...table.classes].map(([code, c]) => [code, {
    ...c,
    coefficientTPerHaYr: c.coefficientTPerHaYr * CO2_PER_C,
    ...(c.lowTPerHaYr === undefined ? {} : { lowTPerHaYr: c.lowTPerHaYr * CO2_PER_C }),
    ...(c.highTPerHaYr === undefined ? {} : { highTPerHaYr: c.highTPerHaYr * CO2_PER_C }),
  }]));
  return { ...table, classes };
}

/** summary.json's `units`: which carbon unit, and every column's unit under its written name. */
export function unitsBlock(unit: CarbonUnit, intervals: boolean): Record<string, string> {
  const carbon = unit === 'CO2' ? 'tonne of CO2 (= tonne of carbon x 44/12)' : 'tonne of carbon';
  const out: Record<string, string> = {
    carbon: unit === 'CO2' ? 'CO2: sequestration in tonnes of carbon dioxide (C x 44/12)' : 'C: sequestration in tonnes of carbon',
  };
  for (const [key, about] of Object.entries(UNITS)) {
    const text = about.replace('tonne of carbon', carbon);
    out[unitColumn(key, unit)] = text;
    if (intervals && isCarbonColumn(key) && !key.startsWith('raster_')) {
      out[unitColumn(`${key}_low`, unit)] = `${text}; lower bound over the coefficient ranges`;
      out[unitColumn(`${key}_high`, unit)] = `${text}; upper bound over the coefficient ranges`;
    }
  }
  return out;
}

/** Write a table under its unit's column names (output/csv.ts formats; nothing is recomputed). */
export async function writeUnitCsv(path: string, columns: readonly string[], rows: readonly object[], unit: CarbonUnit, intervals: boolean): Promise<void> {
  const cols = tableColumns(columns, unit, intervals);
  const headers = cols.map((c) => c.header);
  const renamed = unit === 'C' ? rows : rows.map((row) => {
    const r = row as Record<string, unknown>;
    return Object.fromEntries(cols.map((c) => [c.header, r[c.key]]));
  });
  await writeCsv(path, unit === 'C' ? cols.map((c) => c.key) : headers, renamed);
}
