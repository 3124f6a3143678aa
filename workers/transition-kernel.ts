import { SLOTS } from './slots.js';

/**
 * From-class x to-class counts of one epoch pair, in the same pass that counted the epochs:
 * both windows of slots are already in memory, so a transition costs one more read of each,
 * no second decode. Slots in use are renumbered densely (a few dozen classes), so each zone's
 * matrix is small: cells[zone][from][to].
 */
export interface PairCounts {
  /** Slot of each dense row (from) and column (to). */
  fromSlots: Int32Array;
  toSlots: Int32Array;
  cells: Float64Array;
  areasHa: Float64Array | null;
}

export function denseSlots(counts: Float64Array, nZones: number): { dense: Int32Array; slots: Int32Array } {
  const dense = new Int32Array(SLOTS).fill(-1);
  const used: number[] = [];
  for (let s = 0; s < SLOTS; s++) {
    for (let z = 0; z < nZones; z++) {
      if (counts[z * SLOTS + s]! !== 0) { dense[s] = used.length; used.push(s); break; }
    }
  }
  return { dense, slots: Int32Array.from(used) };
}

export function countPair(
  from: Uint16Array, to: Uint16Array, stride: number,
  fromDense: Int32Array, toDense: Int32Array, nTo: number,
  runs: Int32Array, weights: Float64Array, nRuns: number,
  cells: Float64Array, base: number,
  areasHa: Float64Array | null, rowHa: Float64Array | null, cellHa: Float64Array | null,
): void {
  for (let s = 0; s < nRuns; s++) {
    const row = runs[3 * s]!;
    const rowOffset = row * stride;
    const end = rowOffset + runs[3 * s + 2]!;
    const w = weights[s]!;
    if (areasHa === null) {
      for (let i = rowOffset + runs[3 * s + 1]!; i < end; i++) {
        cells[base + fromDense[from[i]!]! * nTo + toDense[to[i]!]!]! += w;
      }
    } else {
      const rowWeight = rowHa ? rowHa[row]! * w : 0;
      for (let i = rowOffset + runs[3 * s + 1]!; i < end; i++) {
        const k = base + fromDense[from[i]!]! * nTo + toDense[to[i]!]!;
        cells[k]! += w;
        areasHa[k]! += cellHa ? cellHa[i]! * w : rowWeight;
      }
    }
  }
}
