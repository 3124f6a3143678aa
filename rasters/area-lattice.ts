import type { Window } from './grid.js';

/**
 * True cell areas sampled on a lattice (built by true-area.ts, where the projection math and
 * proj4 live); this module only reads it, so worker threads never load proj4.
 */
export interface AreaLattice {
  /** Cells between lattice nodes. */
  readonly step: number;
  /** Grid cell (col, row) of node (0, 0): the window's corner. */
  readonly col0: number;
  readonly row0: number;
  readonly nodeCols: number;
  readonly nodeRows: number;
  /** Hectares of the cell centred on each node, row-major. */
  readonly ha: Float64Array;
  /** Bound on the relative interpolation error. */
  readonly errorBound: number;
}

/** Hectares of every cell of a window (row-major), interpolated from the lattice. */
export function windowCellHa(lat: AreaLattice, w: Window, out: Float64Array): void {
  const { step, nodeCols, ha } = lat;
  for (let r = 0; r < w.rows; r++) {
    const fy = (w.row0 + r - lat.row0) / step;
    const j = Math.min(Math.floor(fy), lat.nodeRows - 2);
    const ty = fy - j;
    for (let c = 0; c < w.cols; c++) {
      const fx = (w.col0 + c - lat.col0) / step;
      const i = Math.min(Math.floor(fx), nodeCols - 2);
      const tx = fx - i;
      const k = j * nodeCols + i;
      const top = ha[k]! + (ha[k + 1]! - ha[k]!) * tx;
      const bottom = ha[k + nodeCols]! + (ha[k + nodeCols + 1]! - ha[k + nodeCols]!) * tx;
      out[r * w.cols + c] = top + (bottom - top) * ty;
    }
  }
}
