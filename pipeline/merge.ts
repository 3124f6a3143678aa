import { OUTSIDE_SLOT, SLOTS } from '../workers/slots.js';
import { nodataStandIn } from '../workers/fill-window.js';
import type { CountResult, CountTask } from '../workers/task-types.js';
import type { EpochPlan, Plan } from './plan.js';

/** Coverage-weighted cells and hectares of one class in one zone and epoch. */
export interface ClassTally {
  cells: number;
  areaHa: number;
}

/** Per epoch and zone: class tallies, nodata and cells outside the raster. */
export interface ZoneTally {
  classes: Map<number, ClassTally>;
  nodata: ClassTally;
  outsideCells: number;
}

/**
 * Sums task results into per-epoch, per-zone tallies (exactextract's StatsRegistry::merge).
 * Results must be added in task order: floating-point sums then come out the same for any
 * number of workers.
 */
export class Tallies {
  /** byEpoch[epoch index in plan.epochs][zone] */
  readonly byEpoch: ZoneTally[][];
  private readonly epochOf: EpochPlan[][];
  private nextTask = 0;

  constructor(private readonly plan: Plan, zoneTotal: number) {
    this.byEpoch = plan.epochs.map(() => Array.from({ length: zoneTotal }, () => ({
      classes: new Map<number, ClassTally>(), nodata: { cells: 0, areaHa: 0 }, outsideCells: 0,
    })));
    // epochOf[group][indexInGroup] -> EpochPlan
    this.epochOf = plan.groups.map((g) => g.epochs);
  }

  add(task: CountTask, result: CountResult): void {
    if (task.id !== this.nextTask) throw new Error(`merge out of order: task ${task.id}, expected ${this.nextTask}`);
    this.nextTask++;
    result.epochs.forEach((counts, e) => {
      const epoch = this.epochOf[task.group]![e]!;
      const epochIndex = this.plan.epochs.indexOf(epoch);
      const zoneTallies = this.byEpoch[epochIndex]!;
      const nodata = epoch.nodata;
      task.zones.forEach((zone, zi) => {
        const tally = zoneTallies[zone]!;
        const base = zi * SLOTS;
        for (let s = 0; s < SLOTS; s++) {
          const cells = counts.counts[base + s]!;
          if (cells === 0) continue;
          if (s === OUTSIDE_SLOT) { tally.outsideCells += cells; continue; }
          // Constant cell areas are applied once, to the total (tables.ts), so they add no rounding here.
          const areaHa = counts.areasHa ? counts.areasHa[base + s]! : 0;
          const code = counts.slotCodes[s]!;
          const target = code === nodata || code === nodataStandIn || Number.isNaN(code)
            ? tally.nodata
            : tally.classes.get(code) ?? tally.classes.set(code, { cells: 0, areaHa: 0 }).get(code)!;
          target.cells += cells;
          target.areaHa += areaHa;
        }
      });
    });
  }
}
