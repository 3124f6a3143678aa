import type { Spans } from '../boundaries/spans.js';
import { countSpans, countSpansWithArea, countSpansWithCellArea } from './count-kernel.js';
import { SLOTS } from './slots.js';
import { countPair, type PairCounts } from './transition-kernel.js';
import { MAX_TRAJECTORY_EPOCHS, countPairsByTrajectory } from './trajectory-kernel.js';

export interface EpochTally {
  /** [zone x SLOTS] whole cells (coverage 1). */
  counts: Float64Array;
  /** Same layout, the sum of fractional coverages (kept apart: see WEIGHT_QUANTUM). */
  fracCells: Float64Array;
  /** Same layout, hectares, when cell area varies. */
  areasHa: Float64Array | null;
}

export interface CountInput {
  /** One window of slots per epoch. */
  slots: Uint16Array[];
  stride: number;
  /** Coverage runs of each zone of the task. */
  spans: Spans[];
  /** Epoch pairs [from, to]: consecutive ones, then first-to-last. */
  pairs: [number, number][];
  rowHa: Float64Array | null;
  cellHa: Float64Array | null;
}

/**
 * Every epoch's zone x class tallies and every pair's transitions. With one epoch that is one
 * pass over the covered cells. With several, each pair is one pass (from and to classes at
 * once) and the epoch tallies are the pairs' marginals (epoch e is the "to" side of pair
 * (e-1, e), epoch 0 the "from" side of (0, 1)), so E epochs cost E passes, not 2E - 1. With
 * constant cell area and 3 to 5 epochs, all pairs come from one pass over the cells'
 * trajectories instead (trajectory-kernel.ts), with the same sums.
 */
export function countEpochs(inp: CountInput): { epochs: EpochTally[]; pairs: PairCounts[] } {
  const { spans, stride, rowHa, cellHa } = inp;
  const nZones = spans.length;
  const variable = rowHa !== null || cellHa !== null;
  const direct = (slots: Uint16Array): EpochTally => {
    const counts = new Float64Array(nZones * SLOTS);
    const fracCells = new Float64Array(nZones * SLOTS);
    const areasHa = variable ? new Float64Array(nZones * SLOTS) : null;
    for (let z = 0; z < nZones; z++) {
      const zs = spans[z]!;
      if (cellHa) countSpansWithCellArea(slots, stride, zs.runs, zs.weights, zs.count, counts, fracCells, areasHa!, z * SLOTS, cellHa);
      else if (rowHa) countSpansWithArea(slots, stride, zs.runs, zs.weights, zs.count, counts, fracCells, areasHa!, z * SLOTS, rowHa);
      else countSpans(slots, stride, zs.runs, zs.weights, zs.count, counts, fracCells, z * SLOTS);
    }
    return { counts, fracCells, areasHa };
  };
  // Trajectories over the epochs that some pair uses (with --resume a task may decode others).
  const paired = [...new Set(inp.pairs.flat())].sort((a, b) => a - b);
  const byTrajectory = !variable && inp.pairs.length >= 2 && paired.length >= 3 && paired.length <= MAX_TRAJECTORY_EPOCHS
    ? countPairsByTrajectory(paired.map((e) => inp.slots[e]!), stride, spans, inp.pairs.map(([a, b]): [number, number] => [paired.indexOf(a), paired.indexOf(b)]))
    : null;
  const pairs = byTrajectory ?? inp.pairs.map(([a, b]) => countPair(inp.slots[a]!, inp.slots[b]!, stride, spans, rowHa, cellHa));
  const epochs = inp.slots.map((slots, e): EpochTally => {
    let p = inp.pairs.findIndex(([, b]) => b === e);
    const asTo = p >= 0;
    if (!asTo) p = inp.pairs.findIndex(([a]) => a === e);
    // An epoch in no pair (one epoch; or --resume decoding it only for its raster) is counted on its own.
    return p >= 0 ? marginal(pairs[p]!, asTo, nZones) : direct(slots);
  });
  return { epochs, pairs };
}

/** One side's tallies of a pair matrix, back in slot layout. */
function marginal(pair: PairCounts, toSide: boolean, nZones: number): EpochTally {
  const nFrom = pair.fromSlots.length;
  const nTo = pair.toSlots.length;
  const counts = new Float64Array(nZones * SLOTS);
  const fracCells = new Float64Array(nZones * SLOTS);
  const areasHa = pair.areasHa ? new Float64Array(nZones * SLOTS) : null;
  for (let z = 0; z < nZones; z++) {
    const base = z * nFrom * nTo;
    for (let i = 0; i < nFrom; i++) {
      for (let j = 0; j < nTo; j++) {
        const k = base + i * nTo + j;
        const slot = toSide ? pair.toSlots[j]! : pair.fromSlots[i]!;
        counts[z * SLOTS + slot]! += pair.cells[k]!;
        fracCells[z * SLOTS + slot]! += pair.fracCells[k]!;
        if (areasHa) areasHa[z * SLOTS + slot]! += pair.areasHa![k]!;
      }
    }
  }
  return { counts, fracCells, areasHa };
}
