import type { CoefficientTable } from './coefficients.js';

/** `_low`/`_high` companions of carbon columns, present only when the coefficients give ranges. */
export type Ranges<K extends string> = { [P in K as `${P}_low` | `${P}_high`]?: number | null };

/** True when the table gives coefficient_low and coefficient_high (every table gets _low/_high columns). */
export function hasIntervals(table: CoefficientTable): boolean {
  for (const c of table.classes.values()) if (c.lowTPerHaYr !== undefined) return true;
  return false;
}

/** [low, high] coefficient of a class; codes without a coefficient (nodata, unmapped at zero) are [0, 0]. */
export function coefficientRange(table: CoefficientTable, code: number): [number, number] {
  const c = table.classes.get(code);
  if (!c) return [0, 0];
  return [c.lowTPerHaYr ?? c.coefficientTPerHaYr, c.highTPerHaYr ?? c.coefficientTPerHaYr];
}

/**
 * Exact range of a change in sequestration sum_i netHa_i * c_i when each class's coefficient
 * c_i may be anywhere in [low_i, high_i] but is the same in both epochs (and in every zone):
 * the sum is linear in each c_i, so its minimum takes low_i where netHa_i > 0 and high_i where
 * netHa_i < 0, its maximum the reverse. Subtracting the two epochs' ranges (low_to - high_from)
 * would instead let one class take two coefficients at once and overstate the range.
 * netHa_i = area of class i in the later epoch - area in the earlier one (for a transition
 * from a to b over A ha: -A for a, +A for b, which gives A*(low_b - high_a) .. A*(high_b - low_a)).
 */
export function changeRange(netHa: ReadonlyMap<number, number>, table: CoefficientTable): [number, number] {
  let low = 0;
  let high = 0;
  for (const [code, ha] of netHa) {
    const [cLow, cHigh] = coefficientRange(table, code);
    low += ha * (ha > 0 ? cLow : cHigh);
    high += ha * (ha > 0 ? cHigh : cLow);
  }
  return [low, high];
}

/** Add `ha` to a class in a net-area map. */
export function addNet(net: Map<number, number>, code: number, ha: number): void {
  net.set(code, (net.get(code) ?? 0) + ha);
}
