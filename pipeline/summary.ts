import { readFileSync } from 'node:fs';
import type { ZoneSet } from '../boundaries/read-zones.js';
import { sameCrs } from '../rasters/crs.js';
import { isUrl } from '../rasters/remote.js';
import type { RunOptions } from './args.js';
import type { CoefficientTable } from './coefficients.js';
import { projectRoot } from './paths.js';
import type { Plan } from './plan.js';
import type { Figures, TopConversions } from './figures.js';
import { hasIntervals } from './intervals.js';
import { OUTPUTS } from './spec.js';
import type { Tables } from './tables.js';
import type { AttributionRow } from './transitions.js';
import { renameRows, tableColumns, unitsBlock } from './units.js';

export interface SummaryInput {
  opts: RunOptions;
  plan: Plan;
  zoneSet: ZoneSet;
  table: CoefficientTable;
  tables: Tables;
  attribution: AttributionRow[];
  figures: Figures;
  top: TopConversions;
  hashes: { path: string; sha256: string }[];
  warnings: string[];
  timingsS: Record<string, number>;
  /** Peak resident memory of the process (all threads) so far, MB. */
  peakRssMb: number;
  blocksDecoded: number;
  /** Worker CPU time by phase, summed over workers, seconds. */
  workerPhasesS: Record<string, number>;
  /** What this run took over from the earlier one with --resume; null without it. */
  resumed: { reused_years: number[]; counted_years: number[]; kept_files: string[] } | null;
}

export type Summary = ReturnType<typeof buildSummary>;

/** summary.json: every table plus what is needed to reproduce and trust them. */
export function buildSummary(s: SummaryInput) {
  const hashOf = new Map(s.hashes.map((h) => [h.path, h.sha256]));
  const unit = s.opts.unit;
  const intervals = hasIntervals(s.table);
  const rows = (r: readonly object[]) => renameRows(r, unit);
  return {
    tool: { name: 'lucc-carbon', version: toolVersion() },
    settings: {
      coverage: s.opts.coverage, extent: s.opts.extent, unmapped: s.opts.unmapped,
      workers: s.opts.workers, ...(s.opts.queue ? { queue: s.opts.queue } : {}), coefficients: s.table.source, rasters: s.opts.rasters, unit, top: s.opts.top,
      coefficient_ranges: intervals,
    },
    inputs: {
      rasters: s.plan.epochs.flatMap((e) => e.files.map((f) => ({
        year: e.year, path: f.path, size_bytes: f.sizeBytes, sha256: hashOf.get(f.path) ?? null,
        ...(isUrl(f.path) ? { sha256_note: 'remote input (http range reads): not downloaded whole to hash; identify it by URL, size and ETag' } : {}),
        crs_proj4: f.crs.proj4, origin: [f.grid.originX, f.grid.originY], cell_size: [f.grid.cellWidth, f.grid.cellHeight],
        cols: f.grid.cols, rows: f.grid.rows, nodata: f.nodata, compression: f.compression,
        block: [f.blockWidth, f.blockHeight], tiled: f.tiled, cell_type: `${f.sampleKind}${f.bitsPerSample}`,
      }))),
      zones: {
        path: s.zoneSet.path, sha256: hashOf.get(s.zoneSet.path) ?? null, count: s.zoneSet.zones.length,
        crs_proj4: s.zoneSet.crs.proj4, crs_source: s.zoneSet.crsSource,
        id_field: s.zoneSet.idField, name_field: s.zoneSet.nameField,
        // as given to the run, so `lucc-carbon report` reads the same zones again
        layer: s.opts.zonesLayer ?? null, zones_crs: s.opts.zonesCrs ?? null,
      },
    },
    grids: s.plan.groups.map((g) => ({
      years: g.epochs.map((e) => e.year),
      crs_proj4: g.crs.proj4,
      origin: [g.grid.originX, g.grid.originY], cell_size: [g.grid.cellWidth, g.grid.cellHeight], cols: g.grid.cols, rows: g.grid.rows,
      cell_area: { model: g.cellArea.kind, constant_ha: g.cellArea.constantHa, about: g.cellArea.about },
      zones_touching_grid: g.zonesInGrid,
      datum_transformation: sameCrs(g.crs, s.zoneSet.crs)
        ? 'none (zones already in the raster CRS)'
        : 'none: proj4 converts coordinates between the two CRS without a datum shift unless a +towgs84 is given (CGCS2000/WGS84 lon/lat is taken as is on the raster\'s ellipsoid)',
      output_raster: g.output ? { col0: g.output.col0, row0: g.output.row0, cols: g.output.cols, rows: g.output.rows, tile_size: g.output.tileSize, nodata: g.output.nodata } : null,
    })),
    coefficients: rows([...s.table.classes.values()].map((c) => ({
      code: c.code, name: c.name, primary: c.primary, coefficient_t_ha_yr: c.coefficientTPerHaYr,
      ...(intervals ? { coefficient_t_ha_yr_low: c.lowTPerHaYr ?? c.coefficientTPerHaYr, coefficient_t_ha_yr_high: c.highTPerHaYr ?? c.coefficientTPerHaYr } : {}),
    }))),
    units: unitsBlock(unit, intervals),
    outputs: OUTPUTS.map((o) => ({ file: o.file, about: o.about, columns: o.columns ? tableColumns(o.columns, unit, intervals).map((c) => c.header) : null })),
    tables: {
      zones_classes: rows(s.tables.zonesClasses),
      zones: rows(s.tables.zones),
      classes: rows(s.tables.classes),
      change: rows(s.tables.change),
      attribution: rows(s.attribution),
    },
    figures: {
      primary_classes: rows(s.figures.primaryClasses),
      classes_ranked: rows(s.figures.classesRanked),
      region_trend: rows(s.figures.regionTrend),
      zones_mean: rows(s.figures.zonesMean),
      zones_change_ranked: rows(s.figures.zonesChangeRanked),
    },
    top_conversions: {
      ...s.top,
      pairs: s.top.pairs.map((p) => ({
        ...p, region: rows(p.region), zones: Object.fromEntries(Object.entries(p.zones).map(([id, list]) => [id, rows(list)])),
      })),
    },
    unmapped_codes: s.tables.unmapped,
    warnings: s.warnings,
    timings_s: s.timingsS,
    peak_rss_mb: s.peakRssMb,
    blocks_decoded: s.blocksDecoded,
    worker_phases_s: s.workerPhasesS,
    resumed: s.resumed,
  };
}

export function toolVersion(): string {
  try {
    return (JSON.parse(readFileSync(`${projectRoot()}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
