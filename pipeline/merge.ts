import { OUTSIDE_SLOT, SLOTS } from '../workers/slots.js';
import { nodataStandIn } from '../workers/fill-window.js';
import type { CountResult, CountTask } from '../workers/task-types.js';
import type { EpochPlan, Plan } from './plan.js';

/**
 * Coverage-weighted cells and hectares of one class in one zone and epoch. Whole cells and
 * fractional coverages are summed apart, each exactly (WEIGHT_QUANTUM in boundaries/spans.ts),
 * so `cells` is the same whatever the order tasks were added in.
 */
export interface ClassTally {
  whole: number;
  frac: number;
  readonly cells: number;
  areaHa: number;
}

export function newTally(): ClassTally {
  return { whole: 0, frac: 0, areaHa: 0, get cells() { return this.whole + this.frac; } };
}

/** A tally's hectares: its summed areas, or with a constant cell area the cells times it (applied once, to the total). */
export function tallyHa(t: Pick<ClassTally, 'cells' | 'areaHa'>, constantHa: number | null): number {
  return constantHa === null ? t.areaHa : t.cells * constantHa;
}

/** Per epoch and zone: class tallies, nodata and cells outside the raster. */
export interface ZoneTally {
  classes: Map<number, ClassTally>;
  nodata: ClassTally;
  outsideCells: number;
}

/** A from -> to tally of one zone and epoch pair; code NO_DATA stands for nodata or outside the raster. */
export interface TransitionTally extends ClassTally {
  from: number;
  to: number;
}

export const NO_DATA = -1;

/** Key of a from -> to transition in Tallies.byPair maps. */
export const transitionKey = (from: number, to: number): number => (from + 1) * 65537 + (to + 1);

/**
 * Sums task results into per-epoch, per-zone tallies (exactextract's StatsRegistry::merge).
 * Results must be added in task order: floating-point sums then come out the same for any
 * number of workers.
 */
export class Tallies {
  /** byEpoch[epoch index in plan.epochs][zone] */
  readonly byEpoch: ZoneTally[][];
  /** byPair[pair index in plan.pairs][zone]: transitions keyed by from/to code. */
  readonly byPair: Map<number, TransitionTally>[][];
  private nextTask = 0;
  /** Epochs and pairs (plan indices) whose tallies came from an earlier run (--resume): task results leave them alone. */
  private readonly restoredEpochs = new Set<number>();
  private readonly restoredPairs = new Set<number>();
  /** Cells covered by more than one zone (sum of coverage above 1), over all tasks. */
  overlapCells = 0;

  constructor(private readonly plan: Plan, zoneTotal: number) {
    this.byEpoch = plan.epochs.map(() => Array.from({ length: zoneTotal }, () => ({
      classes: new Map<number, ClassTally>(), nodata: newTally(), outsideCells: 0,
    })));
    this.byPair = plan.pairs.map(() => Array.from({ length: zoneTotal }, () => new Map<number, TransitionTally>()));
  }

  restore(epoch: number, zones: ZoneTally[]): void {
    this.byEpoch[epoch] = zones;
    this.restoredEpochs.add(epoch);
  }

  restorePair(pair: number, zones: Map<number, TransitionTally>[]): void {
    this.byPair[pair] = zones;
    this.restoredPairs.add(pair);
  }

  add(task: CountTask, result: CountResult): void {
    if (task.id !== this.nextTask) throw new Error(`merge out of order: task ${task.id}, expected ${this.nextTask}`);
    this.nextTask++;
    this.overlapCells += result.overlapCells ?? 0;
    this.addPairs(task, result);
    result.epochs.forEach((counts, e) => {
      const epochIndex = this.plan.taskEpochs[e]!;
      if (this.restoredEpochs.has(epochIndex)) return;
      const epoch = this.plan.epochs[epochIndex]!;
      const zoneTallies = this.byEpoch[epochIndex]!;
      task.zones.forEach((zone, zi) => {
        const tally = zoneTallies[zone]!;
        const base = zi * SLOTS;
        for (let s = 0; s < SLOTS; s++) {
          const whole = counts.counts[base + s]!;
          const frac = counts.fracCells[base + s]!;
          if (whole === 0 && frac === 0) continue;
          if (s === OUTSIDE_SLOT) { tally.outsideCells += whole + frac; continue; }
          // Constant cell areas are applied once, to the total (tables.ts), so they add no rounding here.
          const areaHa = counts.areasHa ? counts.areasHa[base + s]! : 0;
          const code = this.codeOf(epoch, counts.slotCodes, s);
          const target = code === NO_DATA ? tally.nodata : tally.classes.get(code) ?? tally.classes.set(code, newTally()).get(code)!;
          target.whole += whole;
          target.frac += frac;
          target.areaHa += areaHa;
        }
      });
    });
  }

  private codeOf(epoch: EpochPlan, slotCodes: Float64Array, slot: number): number {
    if (slot === OUTSIDE_SLOT) return NO_DATA;
    const code = slotCodes[slot]!;
    return code === epoch.nodata || code === nodataStandIn || Number.isNaN(code) ? NO_DATA : code;
  }

  private addPairs(task: CountTask, result: CountResult): void {
    task.pairs.forEach(([a, b], p) => {
      const counts = result.pairs[p]!;
      const [x, y] = [this.plan.taskEpochs[a]!, this.plan.taskEpochs[b]!];
      const fromEpoch = this.plan.epochs[x]!;
      const toEpoch = this.plan.epochs[y]!;
      const pairIndex = this.plan.pairs.findIndex(([i, j]) => i === x && j === y);
      if (this.restoredPairs.has(pairIndex)) return;
      const nFrom = counts.fromSlots.length;
      const nTo = counts.toSlots.length;
      const fromCodes = Array.from(counts.fromSlots, (s) => this.codeOf(fromEpoch, result.epochs[a]!.slotCodes, s));
      const toCodes = Array.from(counts.toSlots, (s) => this.codeOf(toEpoch, result.epochs[b]!.slotCodes, s));
      task.zones.forEach((zone, zi) => {
        const map = this.byPair[pairIndex]![zone]!;
        const base = zi * nFrom * nTo;
        for (let i = 0; i < nFrom; i++) {
          for (let j = 0; j < nTo; j++) {
            const k = base + i * nTo + j;
            const whole = counts.cells[k]!;
            const frac = counts.fracCells[k]!;
            if (whole === 0 && frac === 0) continue;
            const from = fromCodes[i]!;
            const to = toCodes[j]!;
            const key = transitionKey(from, to);
            const t = map.get(key) ?? map.set(key, Object.assign(newTally(), { from, to })).get(key)!;
            t.whole += whole;
            t.frac += frac;
            if (counts.areasHa) t.areaHa += counts.areasHa[k]!;
          }
        }
      });
    });
  }
}
