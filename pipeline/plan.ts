import { sameCrs, type Crs } from '../rasters/crs.js';
import { cellAreaModel, type CellAreaModel } from '../rasters/cell-area.js';
import { cellOffset, type Grid, type Window } from '../rasters/grid.js';
import type { RasterInfo } from '../rasters/open.js';
import { projectZones } from '../boundaries/project.js';
import { zoneCount, type ZoneGeometry } from '../boundaries/zone-geometry.js';
import type { ZoneSet } from '../boundaries/read-zones.js';
import type { CountTask, OutputPlan, SourceRef } from '../workers/task-types.js';
import { UserError, messages } from './errors.js';

/** Output GeoTIFF tile size; one task window row is one row of output tiles. */
export const OUTPUT_TILE = 512;
/** Cells per task, at most (bounds the memory of a task: 2 bytes of slots per cell per epoch). */
const MAX_TASK_CELLS = 4 * 1024 * 1024;

export interface EpochPlan {
  year: number;
  files: RasterInfo[];
  /** Index of this epoch within its group's task.epochs. */
  indexInGroup: number;
  group: number;
  nodata: number | null;
}

/** Epochs that share one grid: counted together, so coverage is computed once for all of them. */
export interface GridGroup {
  grid: Grid;
  crs: Crs;
  cellArea: CellAreaModel;
  geometry: ZoneGeometry;
  epochs: EpochPlan[];
  output: OutputPlan | null;
  /** Zones whose polygons touch the grid. */
  zonesInGrid: number;
  /** Indices of zones that lie entirely outside the grid (they get zero area). */
  zonesOutside: number[];
}

export interface Plan {
  groups: GridGroup[];
  epochs: EpochPlan[];
  /** Epoch pairs whose transitions are counted: consecutive ones, then first-to-last. */
  pairs: [number, number][];
  tasks: CountTask[];
  /** The plan epoch of each entry of task.epochs (all epochs, unless --resume skips some). */
  taskEpochs: number[];
}

export interface PlanOptions {
  coverage: 'center' | 'exact';
  cellArea: 'true' | 'nominal';
  extent: 'zones' | 'raster';
  rasters: boolean;
  nodataOut: number;
}

export function makePlan(epochFiles: { year: number; files: RasterInfo[] }[], zones: ZoneSet, opts: PlanOptions): Plan {
  const groups: GridGroup[] = [];
  const epochs: EpochPlan[] = [];
  for (const { year, files } of epochFiles) {
    const grid = mosaicGrid(year, files);
    const first = files[0]!;
    let g = groups.findIndex((grp) => sameCrs(grp.crs, first.crs) && cellOffset(grp.grid, grid) !== null);
    if (g < 0) {
      groups.push({ grid, crs: first.crs, cellArea: undefined!, geometry: undefined!, epochs: [], output: null, zonesInGrid: 0, zonesOutside: [] });
      g = groups.length - 1;
    } else {
      groups[g]!.grid = unionGrid(groups[g]!.grid, grid);
    }
    const epoch: EpochPlan = { year, files, indexInGroup: groups[g]!.epochs.length, group: g, nodata: first.nodata };
    groups[g]!.epochs.push(epoch);
    epochs.push(epoch);
  }
  if (groups.length > 1) {
    const a = groups[0]!.epochs[0]!;
    const b = groups[1]!.epochs[0]!;
    throw new UserError(messages.epochGridMismatch(a.year, a.files[0]!.path, b.year, b.files[0]!.path, describeGrid(a.files[0]!), describeGrid(b.files[0]!)));
  }
  const years = epochs.map((_, i) => i);
  const pairs: [number, number][] = years.slice(1).map((b) => [b - 1, b]);
  if (epochs.length > 2) pairs.push([0, epochs.length - 1]);
  const tasks: CountTask[] = [];
  groups.forEach((group, g) => {
    group.geometry = projectZones(zones, group.crs, group.grid, true, opts.coverage === 'exact' ? 'exact' : 'gdal');
    const extent = zoneExtent(group.geometry, group.grid);
    if (!extent) {
      const raster = group.epochs[0]!.files[0]!.path;
      if (zones.crs.isGeographic && zoneExtent(projectZones(swapAxes(zones), group.crs, group.grid, false), group.grid)) {
        throw new UserError(messages.zonesSwapped(zones.path, raster));
      }
      throw new UserError(messages.zonesMissRaster(zones.path, raster));
    }
    group.zonesInGrid = extent.zones;
    group.zonesOutside = extent.outside;
    const first = group.epochs[0]!.files[0]!;
    const firstOffset = cellOffset(group.grid, first.grid)!;
    const out = snapExtent(opts.extent === 'raster' ? { col0: 0, row0: 0, cols: group.grid.cols, rows: group.grid.rows } : extent.window, first, firstOffset, group.grid);
    group.cellArea = cellAreaModel(group.crs, group.grid, opts.cellArea, out);
    if (opts.rasters) {
      group.output = {
        col0: out.col0, row0: out.row0, cols: out.cols, rows: out.rows,
        tileSize: OUTPUT_TILE, tilesAcross: Math.ceil(out.cols / OUTPUT_TILE), nodata: opts.nodataOut,
      };
    }
    tasks.push(...groupTasks(group, g, out, first, tasks.length, opts.coverage, pairs));
  });
  return { groups, epochs, pairs, tasks, taskEpochs: epochs.map((_, i) => i) };
}

/**
 * Tasks that decode only the given epochs (plan indices, ascending) and count the pairs among
 * them: what --resume leaves to do. No epochs, no tasks.
 */
export function restrictTasks(plan: Plan, counted: number[]): void {
  const at = (i: number) => counted.indexOf(i);
  const pairs = plan.pairs.filter(([a, b]) => at(a) >= 0 && at(b) >= 0).map(([a, b]): [number, number] => [at(a), at(b)]);
  plan.taskEpochs = counted;
  plan.tasks = counted.length === 0 ? [] : plan.tasks.map((t, id) => ({ ...t, id, epochs: counted.map((i) => t.epochs[i]!), pairs }));
}

/** The grid of one epoch: the union of its files, which must share CRS, cell size and alignment. */
function mosaicGrid(year: number, files: RasterInfo[]): Grid {
  const first = files[0]!;
  let grid = first.grid;
  for (const f of files.slice(1)) {
    if (!sameCrs(first.crs, f.crs)) throw new UserError(messages.mosaicMismatch(year, first.path, f.path, `CRS ${f.crs.proj4} vs ${first.crs.proj4}`));
    if (!cellOffset(grid, f.grid)) throw new UserError(messages.mosaicMismatch(year, first.path, f.path, `cells ${f.grid.cellWidth} x ${f.grid.cellHeight} at origin (${f.grid.originX}, ${f.grid.originY}) vs ${first.grid.cellWidth} x ${first.grid.cellHeight} at (${first.grid.originX}, ${first.grid.originY})`));
    if (f.nodata !== first.nodata) throw new UserError(messages.mosaicMismatch(year, first.path, f.path, `nodata ${String(f.nodata)} vs ${String(first.nodata)}`));
    grid = unionGrid(grid, f.grid);
  }
  return grid;
}

function unionGrid(a: Grid, b: Grid): Grid {
  const off = cellOffset(a, b)!;
  const col0 = Math.min(0, off.col);
  const row0 = Math.min(0, off.row);
  const col1 = Math.max(a.cols, off.col + b.cols);
  const row1 = Math.max(a.rows, off.row + b.rows);
  return {
    originX: a.originX + col0 * a.cellWidth,
    originY: a.originY - row0 * a.cellHeight,
    cellWidth: a.cellWidth,
    cellHeight: a.cellHeight,
    cols: col1 - col0,
    rows: row1 - row0,
  };
}

/** Cells of the grid covered by the zones' bounding boxes, or null when no zone touches the grid. */
function zoneExtent(geometry: ZoneGeometry, grid: Grid): { window: Window; zones: number; outside: number[] } | null {
  let c0 = Infinity, r0 = Infinity, c1 = -Infinity, r1 = -Infinity;
  let zones = 0;
  const outside: number[] = [];
  for (let z = 0; z < zoneCount(geometry); z++) {
    const [minX, minY, maxX, maxY] = geometry.bbox.subarray(4 * z, 4 * z + 4) as unknown as number[];
    const a = Math.max(0, Math.floor(minX!));
    const b = Math.min(grid.cols, Math.ceil(maxX!));
    const c = Math.max(0, Math.floor(minY!));
    const d = Math.min(grid.rows, Math.ceil(maxY!));
    if (b <= a || d <= c) { outside.push(z); continue; }
    zones++;
    c0 = Math.min(c0, a); c1 = Math.max(c1, b); r0 = Math.min(r0, c); r1 = Math.max(r1, d);
  }
  if (zones === 0) return null;
  return { window: { col0: c0, row0: r0, cols: c1 - c0, rows: r1 - r0 }, zones, outside };
}

/** Snap the extent's origin down to the first file's block grid, so task windows follow its blocks. */
function snapExtent(w: Window, first: RasterInfo, offset: { col: number; row: number }, grid: Grid): Window {
  const snap = (v: number, origin: number, step: number) => Math.max(0, origin + Math.floor((v - origin) / step) * step);
  const col0 = first.tiled ? snap(w.col0, offset.col, first.blockWidth) : w.col0;
  const row0 = snap(w.row0, offset.row, first.blockHeight);
  return { col0, row0, cols: Math.min(grid.cols, w.col0 + w.cols) - col0, rows: Math.min(grid.rows, w.row0 + w.rows) - row0 };
}

/**
 * Task windows: one row of output tiles high (512 rows), as wide as the blocks allow within
 * MAX_TASK_CELLS. Stripped files are read a band at a time (a strip spans the full width),
 * tiled files a few tiles at a time. Zones are matched to windows by bounding box.
 */
function groupTasks(group: GridGroup, g: number, out: Window, first: RasterInfo, firstId: number, coverage: 'center' | 'exact', pairs: [number, number][]): CountTask[] {
  // LUCC_TASK_CELLS (undocumented; tests and scaling runs) caps the cells of a task below
  // MAX_TASK_CELLS; without output rasters a window may then be less than a tile high.
  const taskCells = Math.min(MAX_TASK_CELLS, Number(process.env.LUCC_TASK_CELLS) > 0 ? Number(process.env.LUCC_TASK_CELLS) : MAX_TASK_CELLS);
  const side = group.output ? OUTPUT_TILE : Math.max(64, Math.min(OUTPUT_TILE, 2 ** Math.floor(Math.log2(Math.sqrt(taskCells)))));
  const widthCap = Math.max(side, Math.floor(taskCells / side / side) * side);
  const taskCols = first.tiled ? Math.min(widthCap, 4 * side) : Math.min(widthCap, Math.ceil(out.cols / side) * side);
  const sources = group.epochs.map((e) => e.files.map((f) => sourceRef(f, group.grid)));
  const nZones = zoneCount(group.geometry);
  const bbox = group.geometry.bbox;
  const tasks: CountTask[] = [];
  for (let row0 = out.row0; row0 < out.row0 + out.rows; row0 += side) {
    const rows = Math.min(side, out.row0 + out.rows - row0);
    for (let col0 = out.col0; col0 < out.col0 + out.cols; col0 += taskCols) {
      const cols = Math.min(taskCols, out.col0 + out.cols - col0);
      const zones: number[] = [];
      for (let z = 0; z < nZones; z++) {
        if (bbox[4 * z]! < col0 + cols && bbox[4 * z + 2]! > col0 && bbox[4 * z + 1]! < row0 + rows && bbox[4 * z + 3]! > row0) zones.push(z);
      }
      if (zones.length === 0) continue;
      const rowHa = group.cellArea.constantHa === null ? Float64Array.from({ length: rows }, (_, r) => group.cellArea.haForRow(row0 + r)) : null;
      tasks.push({ id: firstId + tasks.length, group: g, window: { col0, row0, cols, rows }, zones, coverage, epochs: sources, pairs, rowHa, output: group.output });
    }
  }
  return tasks;
}

/** The zones with x and y exchanged: lat/lon files given where lon/lat is expected. */
function swapAxes(zones: ZoneSet): ZoneSet {
  const swapped = zones.zones.map((z) => ({ ...z, polygons: z.polygons.map((poly) => poly.map((ring) => ring.map((p) => [p[1]!, p[0]!]))) }));
  return { ...zones, zones: swapped };
}

function describeGrid(f: RasterInfo): string {
  return `CRS ${f.crs.proj4}, cells ${f.grid.cellWidth} x ${f.grid.cellHeight}, origin (${f.grid.originX}, ${f.grid.originY})`;
}

function sourceRef(f: RasterInfo, grid: Grid): SourceRef {
  const off = cellOffset(grid, f.grid)!;
  return {
    path: f.path, col: off.col, row: off.row, cols: f.grid.cols, rows: f.grid.rows,
    blockWidth: f.blockWidth, blockHeight: f.blockHeight, nodata: f.nodata,
    byteCells: f.bitsPerSample === 8 && f.sampleKind === 'uint',
  };
}
