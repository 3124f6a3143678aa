import { SLOTS } from './slots.js';
import { packPairCounts, type PairCounts, type ZonePairEntries } from './transition-kernel.js';

/** Most epochs one pass handles: a trajectory is five 6-bit class indices in one Int32 key. */
export const MAX_TRAJECTORY_EPOCHS = 5;
/** Distinct classes per epoch and task a key can hold (6 bits); more, and the caller counts pair by pair. */
const MAX_CLASSES = 64;
const PAIR_SIZE = SLOTS * SLOTS;
const INITIAL_BITS = 12;

/**
 * Every pair's from x to counts of 3 to 5 epochs in one pass over the cells, instead of one pass
 * per pair. Land use mostly stays what it was, so an interior cell whose class is the same in
 * every epoch (about 88 % of the bench's cells over five epochs) only increments a diagonal
 * histogram (four interleaved Int32 copies: independent store chains, in L1). Any other cell,
 * and every fractional boundary cell, goes to a hash table of trajectories: the cell's class in
 * each epoch, as indices of the classes met in this task, packed 6 bits each into one Int32.
 * Each pair's matrix is then summed from the diagonal and the trajectories. Whole cells are
 * integers and fractional coverages multiples of 2^-36, so every sum is exact (while one entry's
 * fractional coverage stays below 2^17 cells, the bound of boundaries/spans.ts) and the result is
 * identical to countPair's. Returns null, having counted for nothing, when more than 64 classes of
 * one epoch occur among the cells that leave the diagonal; the caller then counts pair by pair.
 * Constant cell area only (with hectares per cell, pairs are counted one by one: countPair).
 */
export function countPairsByTrajectory(
  slots: Uint16Array[], stride: number,
  zoneRuns: { runs: Int32Array; weights: Float64Array; count: number }[],
  pairs: [number, number][],
): PairCounts[] | null {
  const E = slots.length;
  if (E < 3 || E > MAX_TRAJECTORY_EPOCHS) throw new Error(`countPairsByTrajectory: ${E} epochs`);
  // Epochs past the last repeat it, so the all-equal test and the key read five arrays whatever E is.
  const a = Array.from({ length: MAX_TRAJECTORY_EPOCHS }, (_, e) => slots[Math.min(e, E - 1)]!);
  const [a0, a1, a2, a3, a4] = a as [Uint16Array, Uint16Array, Uint16Array, Uint16Array, Uint16Array];
  classes.reset();
  const c = classes;
  const perPair: ZonePairEntries[][] = pairs.map(() => []);
  const d = diagonal;
  for (const z of zoneRuns) {
    const { runs, weights } = z;
    for (let s = 0; s < z.count; s++) {
      const rowOffset = runs[3 * s]! * stride;
      const end = rowOffset + runs[3 * s + 2]!;
      const w = weights[s]!;
      const whole = w === 1 ? 1 : 0, frac = w === 1 ? 0 : w;
      for (let i = rowOffset + runs[3 * s + 1]!; i < end; i++) {
        const s0 = a0[i]!;
        if (whole === 1 && a1[i] === s0 && a2[i] === s0 && a3[i] === s0 && a4[i] === s0) {
          d[(i & 3) * SLOTS + s0]!++;
          continue;
        }
        const key = (c.index(0, s0) << 24) | (c.index(1, a1[i]!) << 18) | (c.index(2, a2[i]!) << 12) | (c.index(3, a3[i]!) << 6) | c.index(4, a4[i]!);
        if (c.overflow) { table.clear(); d.fill(0); return null; }
        table.add(key, whole, frac);
      }
    }
    // Read out: the diagonal joins every pair's (c, c) entry, then each trajectory its pairs' entries.
    pairs.forEach(([pa, pb], p) => {
      for (let k = 0; k < SLOTS; k++) {
        const n = d[k]! + d[SLOTS + k]! + d[2 * SLOTS + k]! + d[3 * SLOTS + k]!;
        if (n !== 0) entries.add(k * SLOTS + k, n, 0);
      }
      for (let t = 0; t < table.size; t++) {
        const key = table.keys[t]!;
        const from = c.slot(pa, (key >>> (24 - 6 * pa)) & (MAX_CLASSES - 1));
        const to = c.slot(pb, (key >>> (24 - 6 * pb)) & (MAX_CLASSES - 1));
        entries.add(from * SLOTS + to, table.whole[t]!, table.frac[t]!);
      }
      perPair[p]!.push(entries.drain());
    });
    d.fill(0);
    table.clear();
  }
  return pairs.map((_, p) => packPairCounts(perPair[p]!, false));
}

/** The classes (slots) met in each epoch of a task, numbered in order of first appearance. */
class ClassIndex {
  private readonly indexOf = new Int16Array(MAX_TRAJECTORY_EPOCHS * SLOTS).fill(-1);
  private readonly slotOf = new Int32Array(MAX_TRAJECTORY_EPOCHS * MAX_CLASSES);
  private readonly count = new Int32Array(MAX_TRAJECTORY_EPOCHS);
  overflow = false;

  reset(): void {
    this.indexOf.fill(-1);
    this.count.fill(0);
    this.overflow = false;
  }

  index(epoch: number, slot: number): number {
    const at = epoch * SLOTS + slot;
    const i = this.indexOf[at]!;
    if (i >= 0) return i;
    const n = this.count[epoch]!;
    if (n === MAX_CLASSES) { this.overflow = true; return 0; }
    this.count[epoch] = n + 1;
    this.indexOf[at] = n;
    this.slotOf[epoch * MAX_CLASSES + n] = slot;
    return n;
  }

  slot(epoch: number, index: number): number {
    return this.slotOf[epoch * MAX_CLASSES + index]!;
  }
}

/** Open-addressing table of Int32 trajectory keys with whole and fractional sums. */
class TrajectoryTable {
  private bits = INITIAL_BITS;
  private at = new Int32Array(1 << this.bits).fill(-1);
  /** The position in `at` of each entry, so clearing touches only what was used. */
  private home = new Int32Array(1 << (this.bits - 1));
  keys = new Int32Array(1 << (this.bits - 1));
  whole = new Float64Array(1 << (this.bits - 1));
  frac = new Float64Array(1 << (this.bits - 1));
  size = 0;

  add(key: number, whole: number, frac: number): void {
    const mask = (1 << this.bits) - 1;
    // Fibonacci hashing: the product's top bits mix every bit of the key.
    let h = Math.imul(key, 0x9e3779b1) >>> (32 - this.bits);
    for (;;) {
      const t = this.at[h]!;
      if (t < 0) break;
      if (this.keys[t] === key) { this.whole[t]! += whole; this.frac[t]! += frac; return; }
      h = (h + 1) & mask;
    }
    if (this.size === this.keys.length) { this.grow(); this.add(key, whole, frac); return; }
    const t = this.size++;
    this.at[h] = t;
    this.home[t] = h;
    this.keys[t] = key;
    this.whole[t] = whole;
    this.frac[t] = frac;
  }

  /** Empty for the next zone; a table grown past 2^16 slots by an unusual zone goes back to its first size. */
  clear(): void {
    if (this.bits > 16) {
      this.bits = INITIAL_BITS - 1;
      this.size = 0;
      this.grow();
      return;
    }
    for (let t = 0; t < this.size; t++) this.at[this.home[t]!] = -1;
    this.size = 0;
  }

  private grow(): void {
    const { keys, whole, frac, size } = this;
    this.bits++;
    this.at = new Int32Array(1 << this.bits).fill(-1);
    this.home = new Int32Array(1 << (this.bits - 1));
    this.keys = new Int32Array(1 << (this.bits - 1));
    this.whole = new Float64Array(1 << (this.bits - 1));
    this.frac = new Float64Array(1 << (this.bits - 1));
    this.size = 0;
    for (let t = 0; t < size; t++) this.add(keys[t]!, whole[t]!, frac[t]!);
  }
}

/** One zone's entries of one pair matrix: sums per key, the keys touched listed as they are first hit. */
class PairEntries {
  private readonly whole = new Float64Array(PAIR_SIZE);
  private readonly frac = new Float64Array(PAIR_SIZE);
  private readonly seen = new Uint8Array(PAIR_SIZE);
  private readonly touched = new Int32Array(PAIR_SIZE);
  private count = 0;

  add(k: number, whole: number, frac: number): void {
    if (this.seen[k] === 0) { this.seen[k] = 1; this.touched[this.count++] = k; }
    this.whole[k]! += whole;
    this.frac[k]! += frac;
  }

  /** The non-zero entries in ascending key order (as countPair lists them); the scratch is zeroed. */
  drain(): ZonePairEntries {
    const touched = this.touched.slice(0, this.count).sort();
    const keys: number[] = [], whole: number[] = [], frac: number[] = [];
    for (const k of touched) {
      if (this.whole[k] !== 0 || this.frac[k] !== 0) {
        keys.push(k);
        whole.push(this.whole[k]!);
        frac.push(this.frac[k]!);
      }
      this.whole[k] = this.frac[k] = this.seen[k] = 0;
    }
    this.count = 0;
    return { keys: Int32Array.from(keys), whole: Float64Array.from(whole), frac: Float64Array.from(frac), ha: null };
  }
}

// Scratch per worker thread.
const diagonal = new Int32Array(4 * SLOTS);
const classes = new ClassIndex();
const table = new TrajectoryTable();
const entries = new PairEntries();
