/**
 * Land-use values become small "slots" so that every counting loop indexes a fixed
 * [zone x SLOTS] table whatever the raster's cell type. Byte rasters map value v to slot v;
 * other types get slots in order of first appearance within a task (at most 255 distinct
 * classes per task). Slot 256 marks cells outside every source raster.
 */
export const OUTSIDE_SLOT = 256;
export const SLOTS = 257;

/** A task-level error the user can fix; the pipeline turns "[user]" messages into UserErrors. */
export function userFailure(message: string): Error {
  return new Error(`[user] ${message}`);
}

export class SlotMap {
  /** Code held by each slot; NaN for unused slots. */
  readonly codes = new Float64Array(SLOTS).fill(Number.NaN);
  readonly identity: boolean;
  private readonly bySlotValue = new Map<number, number>();
  private used = 0;
  private lastValue = Number.NaN;
  private lastSlot = -1;

  constructor(identity: boolean) {
    this.identity = identity;
    if (identity) for (let v = 0; v < 256; v++) this.codes[v] = v;
  }

  /** Slot of a cell value; NaN cells (float nodata) share one slot with code NaN's stand-in. */
  slotOf(value: number, path: string): number {
    if (value === this.lastValue) return this.lastSlot;
    let slot = this.bySlotValue.get(value);
    if (slot === undefined) {
      if (!Number.isInteger(value)) {
        throw userFailure(`${path}: holds the value ${value}, which is not a whole number, so the raster is not a map of land-use classes. Use the categorical land-use raster (class codes), not a continuous layer; if the file was resampled, resample it again with nearest neighbour.`);
      }
      if (this.used >= 256) {
        throw userFailure(`${path}: more than 256 distinct values within one block of cells, which is not a land-use class map. Check that this is the categorical land-use raster.`);
      }
      slot = this.used++;
      this.codes[slot] = value;
      this.bySlotValue.set(value, slot);
    }
    this.lastValue = value;
    this.lastSlot = slot;
    return slot;
  }
}
