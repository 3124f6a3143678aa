// Internal overviews (x2, x4, ... down to one tile), built as full-resolution tiles arrive.
// Each tile is reduced 2x2 -> 1 into a quarter of its parent tile; a parent is assembled, handed
// on and reduced in turn as soon as all of its children are in. Only the quarters of parents
// still waiting for their lower half are held: about tileSize/2 rows per level, so memory grows
// with the raster's width, never its area.
import { newTileArray, type SampleType, type TileArray } from './cog-tile.js';

/** average: mean of the valid full-resolution cells (t/ha/yr); nearest: one cell (class maps). */
export type Resampling = 'average' | 'nearest';

/**
 * One tile reduced 2x2 -> 1: (tileSize/2)² cells, row-major. `values` null = every cell nodata.
 * For 'average', `weights` holds how many valid full-resolution cells each value averages, so
 * every overview level is the exact mean of valid cells, not a mean of means.
 * Plain typed arrays: a worker builds it next to the compressed tile and transfers it.
 */
export interface Reduced {
  values: Float32Array | null;
  weights: Float32Array | null;
}

/**
 * Reduce a tileSize² tile. Only its first `validCols` x `validRows` cells lie inside the raster;
 * cells equal to `nodata` (and NaN) are not data. `weights` (optional, for tiles that are
 * themselves overviews) are the valid-cell counts behind each cell; absent = 1 per valid cell.
 */
export function reduceTile(
  tile: ArrayLike<number>, weights: Float32Array | null, tileSize: number, validCols: number, validRows: number,
  nodata: number | undefined, resampling: Resampling,
): Reduced {
  const half = tileSize >> 1;
  const outCols = (validCols + 1) >> 1, outRows = (validRows + 1) >> 1;
  const values = new Float32Array(half * half);
  const noValue = nodata ?? 0;
  if (noValue !== 0) values.fill(noValue);
  const hasNodata = nodata !== undefined;
  let any = false;
  if (resampling === 'nearest') {
    for (let r = 0; r < outRows; r++) {
      for (let c = 0; c < outCols; c++) {
        const v = tile[2 * r * tileSize + 2 * c]!;
        values[r * half + c] = v;
        if (!(hasNodata && v === nodata) && v === v) any = true;
      }
    }
    return { values: any ? values : null, weights: null };
  }
  const outWeights = new Float32Array(half * half);
  if (weights === null && tile instanceof Float32Array && hasNodata && nodata === nodata) {
    any = reduceFullResolution(tile, tileSize, validCols, validRows, nodata!, values, outWeights);
    return any ? { values, weights: outWeights } : { values: null, weights: null };
  }
  for (let r = 0; r < outRows; r++) {
    const rows = Math.min(2, validRows - 2 * r);
    for (let c = 0; c < outCols; c++) {
      const cols = Math.min(2, validCols - 2 * c);
      let sum = 0, w = 0;
      for (let dr = 0; dr < rows; dr++) {
        const at = (2 * r + dr) * tileSize + 2 * c;
        for (let dc = 0; dc < cols; dc++) {
          const v = tile[at + dc]!;
          if ((hasNodata && v === nodata) || v !== v) continue;
          const cw = weights ? weights[at + dc]! : 1;
          sum += v * cw;
          w += cw;
        }
      }
      if (w > 0) {
        values[r * half + c] = sum / w;
        outWeights[r * half + c] = w;
        any = true;
      }
    }
  }
  return any ? { values, weights: outWeights } : { values: null, weights: null };
}

/**
 * The common case of reduceTile, written for the JIT: a full-resolution Float32 tile (every
 * valid cell weighs 1) with a numeric nodata; 2 x 2 blocks entirely inside the raster take the
 * unrolled path. Returns whether any output cell holds data.
 */
function reduceFullResolution(
  tile: Float32Array, tileSize: number, validCols: number, validRows: number, nodata: number,
  values: Float32Array, outWeights: Float32Array,
): boolean {
  const half = tileSize >> 1;
  const outCols = (validCols + 1) >> 1, outRows = (validRows + 1) >> 1;
  let any = false;
  for (let r = 0; r < outRows; r++) {
    const fullRow = 2 * r + 1 < validRows;
    const top = 2 * r * tileSize;
    for (let c = 0; c < outCols; c++) {
      let sum = 0, w = 0;
      const at = top + 2 * c;
      // Same order as the general loop (row by row), so both give identical sums.
      const fullCol = 2 * c + 1 < validCols;
      const a = tile[at]!;
      if (a !== nodata && a === a) { sum += a; w++; }
      if (fullCol) {
        const b = tile[at + 1]!;
        if (b !== nodata && b === b) { sum += b; w++; }
      }
      if (fullRow) {
        const e = tile[at + tileSize]!;
        if (e !== nodata && e === e) { sum += e; w++; }
        if (fullCol) {
          const d = tile[at + tileSize + 1]!;
          if (d !== nodata && d === d) { sum += d; w++; }
        }
      }
      if (w > 0) {
        values[r * half + c] = sum / w;
        outWeights[r * half + c] = w;
        any = true;
      }
    }
  }
  return any;
}

export interface LevelShape {
  width: number;
  height: number;
  tilesAcross: number;
  tilesDown: number;
}

/** Level 0 is full resolution; level k is ceil(size / 2^k), as GDAL sizes overviews; the last fits one tile. */
export function overviewShapes(width: number, height: number, tileSize: number): LevelShape[] {
  const shapes: LevelShape[] = [];
  let w = width, h = height;
  for (;;) {
    shapes.push({ width: w, height: h, tilesAcross: Math.ceil(w / tileSize), tilesDown: Math.ceil(h / tileSize) });
    if (w <= tileSize && h <= tileSize) return shapes;
    w = Math.ceil(w / 2);
    h = Math.ceil(h / 2);
  }
}

interface Pending {
  quarters: (Reduced | null)[];
  got: number;
}

/**
 * Collects reduced tiles level by level. `onTile(level, index, values, weights)` receives each
 * overview tile (level >= 1) once complete; `values` null = all nodata.
 */
export class OverviewPyramid {
  readonly shapes: LevelShape[];
  private readonly pending: Map<number, Pending>[];

  constructor(
    width: number, height: number,
    private readonly tileSize: number,
    private readonly sampleType: SampleType,
    private readonly nodata: number | undefined,
    private readonly resampling: Resampling,
    private readonly onTile: (level: number, index: number, values: TileArray | null) => void,
  ) {
    this.shapes = overviewShapes(width, height, tileSize);
    this.pending = this.shapes.map(() => new Map());
  }

  /** The reduction of tile `index` of `level` (0 = full resolution) goes into its parent at level + 1. */
  add(level: number, index: number, reduced: Reduced): void {
    if (level + 1 >= this.shapes.length) return;
    const child = this.shapes[level]!;
    const parent = this.shapes[level + 1]!;
    const row = Math.floor(index / child.tilesAcross), col = index % child.tilesAcross;
    const pRow = row >> 1, pCol = col >> 1;
    const pIndex = pRow * parent.tilesAcross + pCol;
    const map = this.pending[level + 1]!;
    let p = map.get(pIndex);
    if (!p) {
      p = { quarters: [null, null, null, null], got: 0 };
      map.set(pIndex, p);
    }
    p.quarters[(row & 1) * 2 + (col & 1)] = reduced.values ? reduced : null;
    p.got++;
    const need = Math.min(2, child.tilesDown - 2 * pRow) * Math.min(2, child.tilesAcross - 2 * pCol);
    if (p.got < need) return;
    map.delete(pIndex);
    this.complete(level + 1, pIndex, p.quarters);
  }

  private complete(level: number, index: number, quarters: (Reduced | null)[]): void {
    const T = this.tileSize;
    const shape = this.shapes[level]!;
    if (quarters.every((q) => q === null)) {
      this.onTile(level, index, null);
      this.add(level, index, { values: null, weights: null });
      return;
    }
    const half = T >> 1;
    const values = newTileArray(this.sampleType, T * T);
    if (this.nodata !== undefined) values.fill(this.nodata);
    const weights = this.resampling === 'average' ? new Float32Array(T * T) : null;
    const round = this.sampleType !== 'float32' && this.resampling === 'average';
    quarters.forEach((q, k) => {
      if (!q) return;
      const r0 = (k >> 1) * half, c0 = (k & 1) * half;
      for (let r = 0; r < half; r++) {
        const src = r * half, dst = (r0 + r) * T + c0;
        const qv = q.values!;
        if (round) for (let c = 0; c < half; c++) values[dst + c] = q.weights![src + c]! > 0 ? Math.round(qv[src + c]!) : qv[src + c]!;
        else values.set(qv.subarray(src, src + half), dst);
        if (weights) weights.set(q.weights!.subarray(src, src + half), dst);
      }
    });
    this.onTile(level, index, values);
    const row = Math.floor(index / shape.tilesAcross), col = index % shape.tilesAcross;
    const validCols = Math.min(T, shape.width - col * T), validRows = Math.min(T, shape.height - row * T);
    this.add(level, index, reduceTile(values, weights, T, validCols, validRows, this.nodata, this.resampling));
  }
}
