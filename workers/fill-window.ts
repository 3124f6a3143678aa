import type { Window } from '../rasters/grid.js';
import { OUTSIDE_SLOT, type SlotMap } from './slots.js';
import type { SourceRef } from './task-types.js';
import type { TileSource } from './tile-source.js';

/**
 * Assemble one epoch's window of slots from its source files, decoding only the blocks that
 * hold cells inside some zone (`rowFirst/rowLast`: first and last covered column per window
 * row, or rowFirst > rowLast for an empty row). Later files of a mosaic overwrite earlier ones
 * where they hold data, as gdalbuildvrt does.
 */
export async function fillWindow(
  source: TileSource, sources: SourceRef[], w: Window, slotMap: SlotMap,
  rowFirst: Int32Array, rowLast: Int32Array, out: Uint16Array,
): Promise<void> {
  out.fill(OUTSIDE_SLOT, 0, w.cols * w.rows);
  for (let k = 0; k < sources.length; k++) {
    const s = sources[k]!;
    const c0 = Math.max(w.col0, s.col);
    const c1 = Math.min(w.col0 + w.cols, s.col + s.cols);
    const r0 = Math.max(w.row0, s.row);
    const r1 = Math.min(w.row0 + w.rows, s.row + s.rows);
    if (c1 <= c0 || r1 <= r0) continue;
    const bx0 = Math.floor((c0 - s.col) / s.blockWidth);
    const bx1 = Math.floor((c1 - 1 - s.col) / s.blockWidth);
    const by0 = Math.floor((r0 - s.row) / s.blockHeight);
    const by1 = Math.floor((r1 - 1 - s.row) / s.blockHeight);
    for (let by = by0; by <= by1; by++) {
      const br0 = Math.max(r0, s.row + by * s.blockHeight);
      const br1 = Math.min(r1, s.row + (by + 1) * s.blockHeight);
      for (let bx = bx0; bx <= bx1; bx++) {
        const bc0 = Math.max(c0, s.col + bx * s.blockWidth);
        const bc1 = Math.min(c1, s.col + (bx + 1) * s.blockWidth);
        if (!touchesCoverage(rowFirst, rowLast, br0 - w.row0, br1 - w.row0, bc0 - w.col0, bc1 - w.col0)) continue;
        const block = await source.readBlock(s.path, bx, by, s.nodata);
        copyBlock(block.cells, block.width, s, bx, by, k === 0, slotMap, w, br0, br1, bc0, bc1, out);
      }
    }
  }
}

function touchesCoverage(first: Int32Array, last: Int32Array, r0: number, r1: number, c0: number, c1: number): boolean {
  for (let r = r0; r < r1; r++) if (first[r]! < c1 && last[r]! >= c0) return true;
  return false;
}

function copyBlock(
  cells: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> },
  blockWidth: number, s: SourceRef, bx: number, by: number, first: boolean, slotMap: SlotMap,
  w: Window, r0: number, r1: number, c0: number, c1: number, out: Uint16Array,
): void {
  const n = c1 - c0;
  const nodata = s.nodata;
  const nanNodata = nodata !== null && Number.isNaN(nodata);
  const identity = slotMap.identity;
  for (let r = r0; r < r1; r++) {
    const src = (r - s.row - by * s.blockHeight) * blockWidth + (c0 - s.col - bx * s.blockWidth);
    const dst = (r - w.row0) * w.cols + (c0 - w.col0);
    if (first && identity) {
      // Byte cells are their own slots: a native widening copy.
      out.set(cells.subarray(src, src + n), dst);
      continue;
    }
    for (let i = 0; i < n; i++) {
      const v = cells[src + i]!;
      // a later file of a mosaic leaves what an earlier one holds where it has nodata
      if (!first && (v === nodata || (nanNodata && Number.isNaN(v))) && out[dst + i] !== OUTSIDE_SLOT) continue;
      out[dst + i] = identity ? v : slotMap.slotOf(Number.isNaN(v) ? nodataStandIn : v, s.path);
    }
  }
}

/** NaN cells (nodata of float rasters) are counted under this code, which the merge treats as nodata. */
export const nodataStandIn = -3.4028234663852886e38;
