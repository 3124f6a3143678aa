import { UserError } from '../../pipeline/errors.js';
import { unitColumn, type CarbonUnit } from '../../pipeline/units.js';

export type Row = Record<string, unknown>;

/** The parts of summary.json the report reads (written by pipeline/summary.ts). */
export interface ReportSummary {
  tool: { name: string; version: string };
  settings: { coverage: string; extent: string; unmapped: string; coefficients: string; rasters: boolean; unit?: CarbonUnit; top?: number; coefficient_ranges?: boolean };
  inputs: {
    rasters: { year: number; path: string; size_bytes: number; sha256: string | null; crs_proj4: string; cols: number; rows: number; cell_size: number[]; compression: number; cell_type: string; nodata: number | null }[];
    zones: { path: string; sha256: string | null; count: number; crs_proj4: string; crs_source: string; id_field: string; name_field: string; layer?: string | null; zones_crs?: string | null };
  };
  grids: { years: number[]; crs_proj4: string; cols: number; rows: number; cell_size: number[]; cell_area: { model: string; constant_ha: number | null; about: string }; zones_touching_grid?: number; datum_transformation?: string }[];
  coefficients: Row[];
  units: Record<string, string>;
  tables: { zones_classes: Row[]; zones: Row[]; classes: Row[]; change: Row[]; attribution?: Row[] };
  figures: { primary_classes: Row[]; classes_ranked: Row[]; region_trend: Row[]; zones_mean: Row[]; zones_change_ranked: Row[] };
  top_conversions: { n: number; ranked_by: string; pairs: { from_year: number; to_year: number; region: Row[]; zones: Record<string, Row[]> }[] };
  unmapped_codes?: { code: number; cells: number; years: number[] }[];
  warnings: string[];
  timings_s?: Record<string, number>;
}

/** The summary with the figures present, and unit-aware access to its columns. */
export interface ReportData {
  readonly s: ReportSummary;
  readonly unit: CarbonUnit;
  readonly years: number[];
  readonly figures: NonNullable<ReportSummary['figures']>;
  readonly top: NonNullable<ReportSummary['top_conversions']> | null;
  /** Column name in the run's unit (sequestration_t_yr -> sequestration_tco2_yr with CO2). */
  col(name: string): string;
  /** A numeric column of a row (by its C name), null when absent. */
  num(row: Row, name: string): number | null;
  /** "t C/yr" or "t CO₂/yr", and the per-hectare form. */
  readonly perYear: string;
  readonly perHaYear: string;
}

export function reportData(summary: unknown, source: string): ReportData {
  const s = summary as ReportSummary;
  if (!s || typeof s !== 'object' || !s.tables || !Array.isArray(s.tables.zones) || !s.inputs || !Array.isArray(s.grids) || !s.figures) {
    throw new UserError(`${source}: is not a lucc-carbon summary.json (no tables, inputs, grids or figures). Give the folder a \`lucc-carbon run\` wrote.`);
  }
  const unit: CarbonUnit = s.settings?.unit === 'CO2' ? 'CO2' : 'C';
  const col = (name: string) => unitColumn(name, unit);
  const num = (row: Row, name: string) => {
    const v = row[col(name)];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  // Output never recomputes what the pipeline computed: the figures and the ranked conversions come from summary.json.
  const figures = s.figures;
  const top = s.top_conversions ?? null;
  const years = [...new Set(figures.region_trend.map((r) => Number(r.year)))].sort((a, b) => a - b);
  const c = unit === 'CO2' ? 't CO₂' : 't C';
  return { s, unit, years, figures, top, col, num, perYear: `${c}/yr`, perHaYear: `${c}/ha/yr` };
}
