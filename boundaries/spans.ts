/**
 * Fractional coverage weights are multiples of this (2^-36 of a cell, so a boundary cell's
 * weight is off by at most 7e-12 of a cell). Sums of such weights are exact in doubles while
 * they stay below 2^17 cells of fractional coverage per zone and class (a county's boundary
 * holds a few thousand), and whole cells are counted apart as integers, so zone totals do not
 * depend on the order in which windows are added up: the same for any number of workers and
 * any task or tile layout.
 */
export const WEIGHT_QUANTUM = 2 ** -36;

/**
 * Coverage of a window by one zone as runs of cells with one weight each:
 * [row, colStart, colEnd) triples in window coordinates plus the covered fraction of every cell
 * of the run (1 for interior runs; a fraction for the cells a boundary passes through).
 * This is all a worker keeps of the polygon: the counting loop needs nothing else.
 */
export class Spans {
  runs = new Int32Array(3 * 256);
  weights = new Float64Array(256);
  count = 0;

  reset(): void {
    this.count = 0;
  }

  push(row: number, colStart: number, colEnd: number, weight: number): void {
    if (this.count === this.weights.length) this.grow();
    const k = this.count++;
    this.runs[3 * k] = row;
    this.runs[3 * k + 1] = colStart;
    this.runs[3 * k + 2] = colEnd;
    this.weights[k] = weight;
  }

  private grow(): void {
    const runs = new Int32Array(this.runs.length * 2);
    runs.set(this.runs);
    this.runs = runs;
    const weights = new Float64Array(this.weights.length * 2);
    weights.set(this.weights);
    this.weights = weights;
  }
}
