import { SLOTS } from './slots.js';

/**
 * The per-cell loops: one pass over runs of cells, `whole[base + slot]++` for interior runs
 * (weight 1) and `frac[base + slot] += weight` for boundary cells. The two are kept apart so
 * both sums stay exact (see WEIGHT_QUANTUM in boundaries/spans.ts). Plain typed arrays and
 * locals only; nothing is allocated inside (flatbush's search loop habit). Runs are
 * [row, colStart, colEnd) triples in window coordinates with one coverage weight each.
 */
export function countSpans(
  slots: Uint16Array, stride: number, runs: Int32Array, weights: Float64Array, nRuns: number,
  whole: Float64Array, frac: Float64Array, base: number,
): void {
  // Whole cells go to four interleaved Int32 histograms: neighbouring cells mostly share a
  // class, and a single counter would make each increment wait for the previous store to the
  // same address (about 2.5x slower, measured); they are folded into `whole` at the end.
  const h = wholeCells;
  for (let s = 0; s < nRuns; s++) {
    const rowOffset = runs[3 * s]! * stride;
    const end = rowOffset + runs[3 * s + 2]!;
    const w = weights[s]!;
    let i = rowOffset + runs[3 * s + 1]!;
    if (w === 1) {
      for (; i + 3 < end; i += 4) {
        h[slots[i]!]!++;
        h[SLOTS + slots[i + 1]!]!++;
        h[2 * SLOTS + slots[i + 2]!]!++;
        h[3 * SLOTS + slots[i + 3]!]!++;
      }
      for (; i < end; i++) h[slots[i]!]!++;
    } else {
      for (; i < end; i++) frac[base + slots[i]!]! += w;
    }
  }
  for (let k = 0; k < SLOTS; k++) {
    const n = h[k]! + h[SLOTS + k]! + h[2 * SLOTS + k]! + h[3 * SLOTS + k]!;
    if (n !== 0) {
      whole[base + k]! += n;
      h[k] = h[SLOTS + k] = h[2 * SLOTS + k] = h[3 * SLOTS + k] = 0;
    }
  }
}

const wholeCells = new Int32Array(4 * SLOTS);

/** As countSpans, also adding each cell's covered area (hectares per cell, one value per window row). */
export function countSpansWithArea(
  slots: Uint16Array, stride: number, runs: Int32Array, weights: Float64Array, nRuns: number,
  whole: Float64Array, frac: Float64Array, areasHa: Float64Array, base: number, rowHa: Float64Array,
): void {
  for (let s = 0; s < nRuns; s++) {
    const row = runs[3 * s]!;
    const w = weights[s]!;
    const ha = rowHa[row]! * w;
    const cells = w === 1 ? whole : frac;
    const rowOffset = row * stride;
    const end = rowOffset + runs[3 * s + 2]!;
    for (let i = rowOffset + runs[3 * s + 1]!; i < end; i++) {
      const k = base + slots[i]!;
      cells[k]! += w;
      areasHa[k]! += ha;
    }
  }
}

/** As countSpans, also adding each cell's covered area from a per-cell area window (hectares). */
export function countSpansWithCellArea(
  slots: Uint16Array, stride: number, runs: Int32Array, weights: Float64Array, nRuns: number,
  whole: Float64Array, frac: Float64Array, areasHa: Float64Array, base: number, cellHa: Float64Array,
): void {
  for (let s = 0; s < nRuns; s++) {
    const rowOffset = runs[3 * s]! * stride;
    const w = weights[s]!;
    const cells = w === 1 ? whole : frac;
    const end = rowOffset + runs[3 * s + 2]!;
    for (let i = rowOffset + runs[3 * s + 1]!; i < end; i++) {
      const k = base + slots[i]!;
      cells[k]! += w;
      areasHa[k]! += w * cellHa[i]!;
    }
  }
}

/** Mark the cells of the runs in a window mask (1 = inside some zone, however little). */
export function markSpans(mask: Uint8Array, stride: number, runs: Int32Array, nRuns: number): void {
  for (let s = 0; s < nRuns; s++) {
    const rowOffset = runs[3 * s]! * stride;
    mask.fill(1, rowOffset + runs[3 * s + 1]!, rowOffset + runs[3 * s + 2]!);
  }
}

/**
 * How much the zones of a window overlap: the excess of their summed coverage over 1, in cells.
 * Zero for zones that only share borders; a lower bound of the overlap (exact inside it, short
 * by up to half a cell per cell on its edge, where two half-covered cells add up to no more
 * than one). A sweep over each row's run boundaries: cost per run, not per cell.
 */
export function overlapCells(zoneSpans: { runs: Int32Array; weights: Float64Array; count: number }[], rows: number): number {
  if (zoneSpans.length < 2) return 0;
  let total = 0;
  for (const z of zoneSpans) total += z.count;
  // Events (column, +/- weight) bucketed by row with a counting sort.
  const start = new Int32Array(rows + 1);
  for (const z of zoneSpans) for (let s = 0; s < z.count; s++) start[z.runs[3 * s]! + 1]! += 2;
  for (let r = 0; r < rows; r++) start[r + 1]! += start[r]!;
  const next = start.slice(0, rows);
  const col = new Int32Array(2 * total);
  const delta = new Float64Array(2 * total);
  for (const z of zoneSpans) {
    for (let s = 0; s < z.count; s++) {
      const r = z.runs[3 * s]!;
      const w = z.weights[s]!;
      let k = next[r]!++;
      col[k] = z.runs[3 * s + 1]!; delta[k] = w;
      k = next[r]!++;
      col[k] = z.runs[3 * s + 2]!; delta[k] = -w;
    }
  }
  let excess = 0;
  for (let r = 0; r < rows; r++) {
    const a = start[r]!;
    const b = start[r + 1]!;
    if (b - a < 4) continue; // one run alone cannot overlap
    // Insertion sort of the row's few events by column.
    for (let i = a + 1; i < b; i++) {
      const c = col[i]!, d = delta[i]!;
      let j = i - 1;
      while (j >= a && col[j]! > c) { col[j + 1] = col[j]!; delta[j + 1] = delta[j]!; j--; }
      col[j + 1] = c; delta[j + 1] = d;
    }
    let sum = 0;
    for (let i = a; i < b; i++) {
      if (i > a && sum > 1 + 1e-9) excess += (sum - 1) * (col[i]! - col[i - 1]!);
      sum += delta[i]!;
    }
  }
  return excess;
}
