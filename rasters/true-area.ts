import proj4 from './proj4.js';
import type { Crs } from './crs.js';
import type { AreaLattice } from './area-lattice.js';
import type { Grid, Window } from './grid.js';

export type { AreaLattice } from './area-lattice.js';

/**
 * True (ellipsoidal) cell areas of a grid in a projection that does not preserve area.
 *
 * At a point, the ground area of a small projected rectangle is its map area times the area
 * scale |d(lon, lat) / d(x, y)| * M(phi) * N(phi) * cos(phi) (M, N: the ellipsoid's radii of
 * curvature), taken from central differences of the inverse projection. That is evaluated on
 * a lattice of cells `step` apart and interpolated bilinearly in between. The interpolation
 * error is bounded by step^2 / 8 * max |second difference| over the lattice (a bilinear
 * interpolant's error bound, second differences estimating the curvature); the lattice is
 * refined until that bound is below `maxRelError`.
 */

export function areaLattice(crs: Crs, grid: Grid, extent: Window, maxRelError = 1e-7): AreaLattice {
  // Lon/lat on the CRS's own ellipsoid, whose radii the area element uses.
  const inverse = proj4(crs.proj4).inverse as (p: [number, number]) => number[];
  const p = proj4.Proj(crs.proj4) as unknown as { a: number; es: number; to_meter?: number };
  const toMeter = p.to_meter ?? 1;
  const cellM2 = grid.cellWidth * grid.cellHeight * toMeter * toMeter;
  const haAt = (col: number, row: number): number => {
    const x = grid.originX + (col + 0.5) * grid.cellWidth;
    const y = grid.originY - (row + 0.5) * grid.cellHeight;
    const dx = grid.cellWidth / 2;
    const dy = grid.cellHeight / 2;
    const e = inverse([x + dx, y]);
    const w = inverse([x - dx, y]);
    const n = inverse([x, y + dy]);
    const s = inverse([x, y - dy]);
    const c = inverse([x, y]);
    const rad = Math.PI / 180;
    const dLonDx = (e[0]! - w[0]!) * rad / (2 * dx * toMeter);
    const dLatDx = (e[1]! - w[1]!) * rad / (2 * dx * toMeter);
    const dLonDy = (n[0]! - s[0]!) * rad / (2 * dy * toMeter);
    const dLatDy = (n[1]! - s[1]!) * rad / (2 * dy * toMeter);
    const phi = c[1]! * rad;
    const sin = Math.sin(phi);
    const q = 1 - p.es * sin * sin;
    const m = (p.a * (1 - p.es)) / (q * Math.sqrt(q));
    const nRad = p.a / Math.sqrt(q);
    const scale = Math.abs(dLonDx * dLatDy - dLonDy * dLatDx) * m * nRad * Math.cos(phi);
    return (cellM2 * scale) / 10_000;
  };
  let step = 256;
  for (;;) {
    const nodeCols = Math.ceil(extent.cols / step) + 1;
    const nodeRows = Math.ceil(extent.rows / step) + 1;
    const ha = new Float64Array(nodeCols * nodeRows);
    for (let j = 0; j < nodeRows; j++) {
      for (let i = 0; i < nodeCols; i++) ha[j * nodeCols + i] = haAt(extent.col0 + i * step, extent.row0 + j * step);
    }
    const errorBound = bilinearBound(ha, nodeCols, nodeRows);
    if (errorBound <= maxRelError || step === 1) {
      return { step, col0: extent.col0, row0: extent.row0, nodeCols, nodeRows, ha, errorBound };
    }
    step = Math.max(1, step >> 1);
  }
}

/**
 * Relative error bound of bilinear interpolation: h^2/8 * (|f_xx| + |f_yy|) with the second
 * derivatives (times h^2) estimated by second differences of neighbouring nodes. The cross
 * term vanishes at nodes and is dominated by these for smooth area scales.
 */
function bilinearBound(ha: Float64Array, cols: number, rows: number): number {
  let worst = 0;
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < cols; i++) {
      const v = ha[j * cols + i]!;
      let curv = 0;
      if (i > 0 && i < cols - 1) curv += Math.abs(ha[j * cols + i - 1]! - 2 * v + ha[j * cols + i + 1]!);
      if (j > 0 && j < rows - 1) curv += Math.abs(ha[(j - 1) * cols + i]! - 2 * v + ha[(j + 1) * cols + i]!);
      const rel = curv / 8 / Math.abs(v);
      if (rel > worst) worst = rel;
    }
  }
  // With a single interior node in a direction the estimate is missing; never claim < 1e-12.
  return Math.max(worst, 1e-12);
}
