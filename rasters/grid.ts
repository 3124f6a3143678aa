/**
 * A north-up raster grid (exactextract's Grid): origin at the top-left corner, cells of
 * cellWidth x cellHeight map units, rows counted downwards. Pixel space puts (0, 0) at the
 * top-left corner of cell (0, 0) and (cols, rows) at the bottom-right corner of the grid.
 */
export interface Grid {
  readonly originX: number;
  readonly originY: number;
  readonly cellWidth: number;
  readonly cellHeight: number;
  readonly cols: number;
  readonly rows: number;
}

/** A rectangle of cells: columns [col0, col0 + cols), rows [row0, row0 + rows). */
export interface Window {
  readonly col0: number;
  readonly row0: number;
  readonly cols: number;
  readonly rows: number;
}

export function toPixelX(grid: Grid, x: number): number {
  return (x - grid.originX) / grid.cellWidth;
}

export function toPixelY(grid: Grid, y: number): number {
  return (grid.originY - y) / grid.cellHeight;
}

/**
 * Offset in whole cells of `other`'s origin within `grid`, or null when the two grids do not
 * share cell size and alignment (relative tolerance `tol` of a cell).
 */
export function cellOffset(grid: Grid, other: Grid, tol = 1e-6): { col: number; row: number } | null {
  const sameSize =
    Math.abs(grid.cellWidth - other.cellWidth) <= tol * grid.cellWidth &&
    Math.abs(grid.cellHeight - other.cellHeight) <= tol * grid.cellHeight;
  if (!sameSize) return null;
  const col = toPixelX(grid, other.originX);
  const row = toPixelY(grid, other.originY);
  const colInt = Math.round(col);
  const rowInt = Math.round(row);
  // Alignment is judged in cells, so a 1e-3 cell shift is a misalignment on any grid size.
  if (Math.abs(col - colInt) > 1e-3 || Math.abs(row - rowInt) > 1e-3) return null;
  return { col: colInt, row: rowInt };
}
