import proj4 from './proj4.js';
import type { Crs } from './crs.js';
import type { Grid, Window } from './grid.js';
import { areaLattice, type AreaLattice } from './true-area.js';

/**
 * Hectares per cell, by row (exactextract's area rasters): a constant for equal-area grids,
 * one value per row for lon/lat grids. Counting code asks `haForRow` and never knows which.
 */
export interface CellAreaModel {
  readonly kind: 'equal-area' | 'geographic' | 'nominal' | 'true';
  /** Present when every cell has the same area. */
  readonly constantHa: number | null;
  haForRow(row: number): number;
  /** Per-cell areas of a non-equal-area projection (kind 'true'), else null. */
  readonly lattice: AreaLattice | null;
  /** Human description for summary.json. */
  readonly about: string;
}

const M2_PER_HA = 10_000;

/**
 * `rule` applies to projections that do not preserve area: 'true' computes each cell's
 * ellipsoidal area over `extent` (the cells the run reads), 'nominal' uses |width x height|.
 */
export function cellAreaModel(crs: Crs, grid: Grid, rule: 'true' | 'nominal' = 'nominal', extent?: Window): CellAreaModel {
  const p = proj4.Proj(crs.proj4) as unknown as { a: number; es: number; to_meter?: number };
  if (crs.isGeographic) return geographicArea(grid, p.a, p.es);
  const toMeter = p.to_meter ?? 1;
  const ha = Math.abs(grid.cellWidth * grid.cellHeight) * toMeter * toMeter / M2_PER_HA;
  if (!crs.isEqualArea && rule === 'true') {
    const lattice = areaLattice(crs, grid, extent ?? { col0: 0, row0: 0, cols: grid.cols, rows: grid.rows });
    return {
      kind: 'true',
      constantHa: null,
      haForRow: () => Number.NaN,
      lattice,
      about: `true ellipsoidal cell areas (nominal ${ha} ha), interpolated from a lattice every ${lattice.step} cells with a relative error bound of ${lattice.errorBound.toExponential(1)}`,
    };
  }
  return {
    kind: crs.isEqualArea ? 'equal-area' : 'nominal',
    constantHa: ha,
    haForRow: () => ha,
    lattice: null,
    about: crs.isEqualArea
      ? `equal-area projection: every cell is ${ha} ha`
      : `nominal cell area ${ha} ha of a projection that does not preserve area (true ground areas differ by the squared scale factor)`,
  };
}

/**
 * Area of the band of one row of lon/lat cells on the ellipsoid. The area between the equator
 * and latitude phi per radian of longitude is (b^2 / 2) * q(phi), with
 * q(phi) = sin(phi) / (1 - e^2 sin^2 phi) + ln((1 + e sin phi) / (1 - e sin phi)) / (2e).
 */
function geographicArea(grid: Grid, a: number, es: number): CellAreaModel {
  const e = Math.sqrt(es);
  const b2 = a * a * (1 - es);
  const q = (latDeg: number): number => {
    const s = Math.sin((latDeg * Math.PI) / 180);
    if (e === 0) return 2 * s;
    return s / (1 - es * s * s) + Math.log((1 + e * s) / (1 - e * s)) / (2 * e);
  };
  const dLonRad = (Math.abs(grid.cellWidth) * Math.PI) / 180;
  const haByRow = new Float64Array(grid.rows);
  for (let row = 0; row < grid.rows; row++) {
    const latTop = grid.originY - row * grid.cellHeight;
    const latBottom = latTop - grid.cellHeight;
    haByRow[row] = (Math.abs(q(latTop) - q(latBottom)) * b2 * dLonRad) / 2 / M2_PER_HA;
  }
  return {
    kind: 'geographic',
    constantHa: null,
    haForRow: (row) => haByRow[row] ?? 0,
    lattice: null,
    about: `ellipsoidal area of lon/lat cells per row (a = ${a} m, e^2 = ${es})`,
  };
}
