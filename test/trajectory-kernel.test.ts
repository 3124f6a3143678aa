import { describe, expect, it } from 'vitest';
import { WEIGHT_QUANTUM } from '../boundaries/spans.js';
import { countPair, type PairCounts } from '../workers/transition-kernel.js';
import { countPairsByTrajectory } from '../workers/trajectory-kernel.js';
import { OUTSIDE_SLOT } from '../workers/slots.js';

// The one-pass trajectory count must give, for every epoch pair, exactly what counting that pair
// alone gives (countPair): same slots on each side, same whole cells, same fractional sums.

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
}

/** E epochs of a W x H window: patches of CAS-like codes, a few per cent changing each epoch, some cells outside. */
function epochs(E: number, W: number, H: number, codes: number[], seed: number): Uint16Array[] {
  const rnd = lcg(seed);
  const out = Array.from({ length: E }, () => new Uint16Array(W * H));
  let code = codes[0]!;
  for (let i = 0; i < W * H; i++) {
    if (rnd() < 0.08) code = codes[Math.floor(rnd() * codes.length)]!;
    let c = rnd() < 0.01 ? OUTSIDE_SLOT : code;
    for (let e = 0; e < E; e++) {
      if (rnd() < 0.03) c = codes[Math.floor(rnd() * codes.length)]!;
      out[e]![i] = c;
    }
  }
  return out;
}

/** Zones as runs: interior runs of weight 1 and boundary cells with quantized fractional weights. */
function zones(W: number, H: number, count: number, seed: number) {
  const rnd = lcg(seed);
  return Array.from({ length: count }, () => {
    const runs: number[] = [], weights: number[] = [];
    for (let r = 0; r < H; r++) {
      let c = Math.floor(rnd() * 8);
      while (c < W - 2) {
        const len = 1 + Math.floor(rnd() * 40);
        const end = Math.min(W, c + len);
        runs.push(r, c, end);
        weights.push(rnd() < 0.3 ? Math.max(1, Math.round(rnd() * 2 ** 36)) * WEIGHT_QUANTUM : 1);
        c = end + Math.floor(rnd() * 5);
      }
    }
    return { runs: Int32Array.from(runs), weights: Float64Array.from(weights), count: weights.length };
  });
}

const plain = (p: PairCounts) => ({ from: [...p.fromSlots], to: [...p.toSlots], cells: [...p.cells], frac: [...p.fracCells], ha: p.areasHa });

describe('countPairsByTrajectory', () => {
  const CAS = [11, 12, 21, 22, 23, 24, 31, 32, 33, 41, 42, 43, 46, 51, 52, 53, 61, 63, 64, 65, 66, 67, 0];
  for (const E of [3, 4, 5]) {
    it(`${E} epochs, 3 zones with fractional boundary cells: every pair equals countPair`, () => {
      const W = 300, H = 40;
      const slots = epochs(E, W, H, CAS, 11 * E);
      const z = zones(W, H, 3, 7 * E);
      const pairs: [number, number][] = [...Array.from({ length: E - 1 }, (_, i): [number, number] => [i, i + 1]), [0, E - 1]];
      const fast = countPairsByTrajectory(slots, W, z, pairs);
      expect(fast).not.toBeNull();
      pairs.forEach(([a, b], p) => {
        const reference = countPair(slots[a]!, slots[b]!, W, z, null, null);
        expect(plain(fast![p]!)).toEqual(plain(reference));
      });
      // not vacuous: most cells kept their class, some did not, and boundary cells carry fractions
      const last = fast![pairs.length - 1]!;
      expect(last.fromSlots.length).toBeGreaterThan(10);
      expect(last.fracCells.some((v) => v > 0 && !Number.isInteger(v))).toBe(true);
    });
  }

  it('more than 64 classes in one epoch of a task: null, and the next call is unaffected', () => {
    const many = Array.from({ length: 200 }, (_, i) => i + 1);
    const W = 400, H = 20;
    const slots = epochs(4, W, H, many, 3);
    const z = zones(W, H, 2, 5);
    expect(countPairsByTrajectory(slots, W, z, [[0, 1], [1, 2], [2, 3], [0, 3]])).toBeNull();
    const few = epochs(3, W, H, CAS, 9);
    const pairs: [number, number][] = [[0, 1], [1, 2], [0, 2]];
    const fast = countPairsByTrajectory(few, W, z, pairs)!;
    pairs.forEach(([a, b], p) => expect(plain(fast[p]!)).toEqual(plain(countPair(few[a]!, few[b]!, W, z, null, null))));
  });

  it('thousands of distinct trajectories (the table grows), a zone with no runs, pairs that skip an epoch: still countPair', () => {
    const codes = Array.from({ length: 60 }, (_, i) => i + 1);
    const W = 600, H = 60;
    const slots = epochs(5, W, H, codes, 17);
    // more change than land use has: most cells take another class in some epoch
    const rnd = lcg(5);
    for (const e of slots.slice(1)) for (let i = 0; i < e.length; i++) if (rnd() < 0.3) e[i] = codes[Math.floor(rnd() * codes.length)]!;
    const z = [...zones(W, H, 2, 23), { runs: new Int32Array(0), weights: new Float64Array(0), count: 0 }];
    const pairs: [number, number][] = [[0, 2], [2, 4], [1, 3], [4, 0]];
    const fast = countPairsByTrajectory(slots, W, z, pairs)!;
    expect(fast).not.toBeNull();
    pairs.forEach(([a, b], p) => expect(plain(fast[p]!)).toEqual(plain(countPair(slots[a]!, slots[b]!, W, z, null, null))));
    // the empty zone's matrices are all zero
    const last = fast[0]!, size = last.fromSlots.length * last.toSlots.length;
    expect(last.cells.subarray(2 * size).every((v) => v === 0)).toBe(true);
    // and a small task after the large one is unaffected
    const few = epochs(3, 50, 10, CAS, 2);
    const small = zones(50, 10, 1, 3);
    const again = countPairsByTrajectory(few, 50, small, [[0, 1], [1, 2]])!;
    expect(plain(again[1]!)).toEqual(plain(countPair(few[1]!, few[2]!, 50, small, null, null)));
  });
});
