// Worker thread of the fixture generator: one tile row at a time, classes computed once per tile and
// the five epochs derived from them, each DEFLATE-compressed here so the main thread only appends bytes.
import { parentPort, workerData } from 'node:worker_threads';
import { mulberry32 } from '../data/demo.js';
import { compressTile } from '../output/geotiff-writer.js';
import { unionSpans } from './counties.js';
import { EPOCH_COUNT, LandCover, NO_CHANGE, type TileClasses } from './landcover.js';

export interface FixtureWorkerData { size: number; seed: number; tileSize: number; edgesPx: Float64Array }
export interface TileRowResult {
  tileRow: number;
  /** compressed tiles, epoch-major: [epoch * tilesAcross + tileCol] */
  tiles: Uint8Array[];
  /** cells inside the counties, per tile */
  insideCells: Int32Array;
  /** cells that differ from the previous epoch, per epoch (index 0 unused) */
  changedCells: Float64Array;
}

const { size, seed, tileSize, edgesPx } = workerData as FixtureWorkerData;
const landCover = new LandCover(size, seed, mulberry32(seed));
const cellsPerTile = tileSize * tileSize;
const classes: TileClasses = { base: new Uint8Array(cellsPerTile), changeEpoch: new Uint8Array(cellsPerTile), changeTo: new Uint8Array(cellsPerTile) };
const mask = new Uint8Array(cellsPerTile);
const tile = new Uint8Array(cellsPerTile);
const emptyTile = compressTile(new Uint8Array(cellsPerTile));
const tilesAcross = Math.ceil(size / tileSize);

function tileRow(tr: number): TileRowResult {
  const row0 = tr * tileSize, rows = Math.min(tileSize, size - row0);
  const spans = unionSpans(edgesPx, row0, rows, size);
  const tiles: Uint8Array[] = new Array(EPOCH_COUNT * tilesAcross);
  const insideCells = new Int32Array(tilesAcross);
  const changedCells = new Float64Array(EPOCH_COUNT);
  for (let tc = 0; tc < tilesAcross; tc++) {
    const col0 = tc * tileSize, cols = Math.min(tileSize, size - col0);
    mask.fill(0);
    let inside = 0;
    for (let r = 0; r < rows; r++) {
      const s = spans[r]!;
      for (let p = 0; p < s.length; p += 2) {
        const c0 = Math.max(s[p]!, col0) - col0, c1 = Math.min(s[p + 1]!, col0 + cols) - col0;
        if (c1 > c0) { mask.fill(1, r * tileSize + c0, r * tileSize + c1); inside += c1 - c0; }
      }
    }
    insideCells[tc] = inside;
    if (inside === 0) {
      for (let e = 0; e < EPOCH_COUNT; e++) tiles[e * tilesAcross + tc] = emptyTile;
      continue;
    }
    landCover.fillTile(col0, row0, cols, rows, tileSize, mask, classes);
    const { base, changeEpoch, changeTo } = classes;
    for (let e = 0; e < EPOCH_COUNT; e++) {
      let changed = 0;
      for (let i = 0; i < cellsPerTile; i++) {
        const k = changeEpoch[i]!;
        if (k === e) changed++;
        tile[i] = k !== NO_CHANGE && k <= e ? changeTo[i]! : base[i]!;
      }
      changedCells[e] = changedCells[e]! + changed;
      // an epoch with no change in this tile reuses the previous epoch's bytes
      tiles[e * tilesAcross + tc] = e > 0 && changed === 0 ? tiles[(e - 1) * tilesAcross + tc]! : compressTile(tile);
    }
  }
  return { tileRow: tr, tiles, insideCells, changedCells };
}

parentPort!.on('message', (tr: number) => parentPort!.postMessage(tileRow(tr)));
