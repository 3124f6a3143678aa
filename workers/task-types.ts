import type { Window } from '../rasters/grid.js';
import type { ZoneGeometry } from '../boundaries/zone-geometry.js';
import type { AreaLattice } from '../rasters/area-lattice.js';
import type { PairCounts } from './transition-kernel.js';
import type { Reduced } from '../output/overviews.js';

/** One input file of an epoch, placed in its group's grid. Plain data (crosses threads). */
export interface SourceRef {
  path: string;
  /** Position of the file's cell (0, 0) in the group grid. */
  col: number;
  row: number;
  cols: number;
  rows: number;
  blockWidth: number;
  blockHeight: number;
  nodata: number | null;
  /** Byte rasters map values to slots directly. */
  byteCells: boolean;
}

/** The output raster of one epoch: its origin in group-grid cells and its tile size. */
export interface OutputPlan {
  col0: number;
  row0: number;
  cols: number;
  rows: number;
  tileSize: number;
  tilesAcross: number;
  nodata: number;
  /** Epoch pairs [from, to] (indices into task.epochs) whose change raster (to minus from) is cut too; none when absent. */
  changePairs?: [number, number][];
}

/** One output tile: DEFLATE bytes (floating-point predictor) and its 2x2 reduction for the overviews. */
export interface OutputTile {
  index: number;
  bytes: Uint8Array;
  reduced: Reduced;
}

export interface CountTask {
  id: number;
  group: number;
  window: Window;
  /** Zones (indices into the group's geometry) whose bounding box touches the window. */
  zones: number[];
  coverage: 'center' | 'exact';
  epochs: SourceRef[][];
  /** Epoch pairs [from, to] (indices into epochs) whose transitions are counted. */
  pairs: [number, number][];
  /** Hectares per window row when cell area varies by row; null when it is constant. */
  rowHa: Float64Array | null;
  output: OutputPlan | null;
}

export interface EpochCounts {
  /** [zone-in-task x SLOTS] whole cells (coverage 1). */
  counts: Float64Array;
  /** Same layout, the sum of fractional coverages (kept apart so sums are exact). */
  fracCells: Float64Array;
  /** Same layout, hectares; present when cell area varies (by row, or by cell). */
  areasHa: Float64Array | null;
  /** Code of each slot (NaN = unused). */
  slotCodes: Float64Array;
  /** Output tiles of t/ha/yr (empty without output). */
  tiles: OutputTile[];
}

export interface CountResult {
  id: number;
  epochs: EpochCounts[];
  /** One per task.pairs entry. */
  pairs: PairCounts[];
  /** Change-raster tiles, one list per task.output.changePairs entry. */
  changeTiles: OutputTile[][];
  blocksDecoded: number;
  /** Coverage above 1 summed over the window's cells: where zones overlap (0 when they do not). */
  overlapCells?: number;
  /** Where the task's time went, in milliseconds (for the benchmark's breakdown). */
  phasesMs: PhaseTimes;
}

export interface PhaseTimes {
  decode: number;
  assemble: number;
  coverage: number;
  count: number;
  output: number;
}

export interface WorkerSetup {
  /** Zone polygons in pixel space, one geometry per grid group (SharedArrayBuffers). */
  geometries: ZoneGeometry[];
  /** True cell areas per group for projections that do not preserve area, else null. */
  areaLattices: (AreaLattice | null)[];
  /** t/ha/yr by class code for the output rasters (NaN = no coefficient); length 65536. */
  coefficientByCode: Float32Array;
  /** Coefficient used for codes without one when --unmapped zero. */
  unmappedCoefficient: number | null;
}
