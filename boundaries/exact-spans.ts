import type { Window } from '../rasters/grid.js';
import { EDGE_STRIDE as S, firstEdgeFrom, type ZoneEdges } from './edges.js';
import { WEIGHT_QUANTUM, type Spans } from './spans.js';

/**
 * Exact coverage: the fraction of each cell's area inside a zone, for the rows of one window.
 *
 * Each edge is walked once through the cells it crosses (exactextract's first step). In a row
 * strip, a piece of edge inside column c with signed height d (the ring's direction) and mean
 * x offset f = (xa + xb) / 2 - c adds d * (1 - f) to cell c and d * f to cell c + 1: the area
 * between the piece and the cell's right side, and the "cover" carried to every cell further
 * right (the accumulation scheme of font rasterizers). Summed left to right along a row, these
 * deltas give each cell's covered area exactly; cells between two deltas share one value, so
 * interior runs come out as weight 1 without any geometry (the flood-fill step) and only
 * boundary cells carry fractions. Holes and multipolygons need nothing special because rings
 * are oriented (outer positive, holes negative) before they get here.
 */
export function exactSpans(edges: ZoneEdges, w: Window, out: Spans): void {
  out.reset();
  const rowEnd = w.row0 + w.rows;
  const from = firstEdgeFrom(edges, w.row0 - edges.maxHeight);
  const to = firstEdgeFrom(edges, rowEnd);
  const ev = events;
  ev.reset(w.rows);
  const { sloped } = edges;
  for (let e = from; e < to; e++) {
    const k = S * e;
    const y1 = sloped[k + 1]!;
    const y2 = sloped[k + 3]!;
    if (y2 <= w.row0) continue;
    walkEdge(sloped[k]!, y1, sloped[k + 2]!, y2, sloped[k + 4]!, w, ev);
  }
  ev.emitRuns(w, out);
}

/** Split an edge (y1 < y2) at the row lines, then each row piece at the column lines. */
function walkEdge(x1: number, y1: number, x2: number, y2: number, dir: number, w: Window, ev: RowEvents): void {
  const dxdy = (x2 - x1) / (y2 - y1);
  const top = Math.max(y1, w.row0);
  const bottom = Math.min(y2, w.row0 + w.rows);
  let r = Math.floor(top);
  for (let ya = top; ya < bottom; r++) {
    const yb = Math.min(bottom, r + 1);
    const xa = x1 + (ya - y1) * dxdy;
    const xb = x1 + (yb - y1) * dxdy;
    rowPiece(xa, xb, (yb - ya) * dir, r - w.row0, w, ev);
    ya = yb;
  }
}

/** One edge piece within a row strip: from x = xa to xb with signed height d. */
function rowPiece(xa: number, xb: number, d: number, row: number, w: Window, ev: RowEvents): void {
  const colStart = w.col0;
  const colEnd = w.col0 + w.cols;
  let lo = xa < xb ? xa : xb;
  const hi = xa < xb ? xb : xa;
  // Everything left of the window only carries its full height into the row's first cell.
  if (hi <= colStart) { ev.carry[row]! += d; return; }
  if (lo >= colEnd) return;
  if (lo === hi) { ev.add(row, Math.floor(lo), d, lo - Math.floor(lo)); return; }
  const dPerX = d / (hi - lo);
  if (lo < colStart) { ev.carry[row]! += (colStart - lo) * dPerX; lo = colStart; }
  const last = Math.min(hi, colEnd);
  for (let c = Math.floor(lo); lo < last; c++) {
    const right = Math.min(last, c + 1);
    ev.add(row, c, (right - lo) * dPerX, (lo + right) / 2 - c);
    lo = right;
  }
}

/** Deltas per window row; emitRuns sweeps each row left to right into weighted runs. */
class RowEvents {
  carry = new Float64Array(256);
  private rowOf = new Int32Array(1024);
  private col = new Int32Array(1024);
  private delta = new Float64Array(1024);
  private n = 0;
  private rows = 0;

  reset(rows: number): void {
    if (this.carry.length < rows) this.carry = new Float64Array(rows * 2);
    this.carry.fill(0, 0, rows);
    this.rows = rows;
    this.n = 0;
  }

  add(row: number, c: number, d: number, f: number): void {
    if (this.n + 2 > this.col.length) this.grow();
    const i = this.n;
    this.rowOf[i] = row; this.col[i] = c; this.delta[i] = d * (1 - f);
    this.rowOf[i + 1] = row; this.col[i + 1] = c + 1; this.delta[i + 1] = d * f;
    this.n += 2;
  }

  private grow(): void {
    const size = this.col.length * 2;
    const rowOf = new Int32Array(size); rowOf.set(this.rowOf); this.rowOf = rowOf;
    const col = new Int32Array(size); col.set(this.col); this.col = col;
    const delta = new Float64Array(size); delta.set(this.delta); this.delta = delta;
  }

  emitRuns(w: Window, out: Spans): void {
    const order = this.sortedOrder();
    const colEnd = w.col0 + w.cols;
    let i = 0;
    for (let row = 0; row < this.rows; row++) {
      let sum = this.carry[row]!;
      let at = w.col0;
      while (i < this.n && this.rowOf[order[i]!] === row) {
        const c = this.col[order[i]!]!;
        if (c > at) emit(out, row, at, c, sum, w.col0, colEnd);
        // All deltas of this column, then the value holds until the next column with one.
        while (i < this.n && this.rowOf[order[i]!] === row && this.col[order[i]!] === c) sum += this.delta[order[i++]!]!;
        at = Math.max(at, c);
      }
      if (at < colEnd) emit(out, row, at, colEnd, sum, w.col0, colEnd);
    }
  }

  /**
   * Event indices sorted by (row, column): a counting sort by row (rows <= window height),
   * then an insertion sort of each row's few events by column.
   */
  private sortedOrder(): Uint32Array {
    const n = this.n;
    const start = new Int32Array(this.rows + 1);
    for (let i = 0; i < n; i++) start[this.rowOf[i]! + 1]!++;
    for (let r = 0; r < this.rows; r++) start[r + 1]! += start[r]!;
    const next = start.slice(0, this.rows);
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[next[this.rowOf[i]!]!++] = i;
    const col = this.col;
    for (let r = 0; r < this.rows; r++) {
      const a = start[r]!;
      const b = start[r + 1]!;
      for (let i = a + 1; i < b; i++) {
        const v = order[i]!;
        const c = col[v]!;
        let j = i - 1;
        while (j >= a && col[order[j]!]! > c) { order[j + 1] = order[j]!; j--; }
        order[j + 1] = v;
      }
    }
    return order;
  }
}

/**
 * Weights are rounded to WEIGHT_QUANTUM (see spans.ts), which also turns the rounding noise
 * around 1 (0.7 + 0.3) into exactly 1 for the fast loop; zeros stay out.
 */
function emit(out: Spans, row: number, c0: number, c1: number, sum: number, colStart: number, colEnd: number): void {
  const a = Math.max(c0, colStart);
  const b = Math.min(c1, colEnd);
  if (b <= a) return;
  const wgt = Math.min(1, Math.round((sum < 0 ? -sum : sum) / WEIGHT_QUANTUM) * WEIGHT_QUANTUM);
  if (wgt === 0) return;
  out.push(row, a - colStart, b - colStart, wgt);
}

const events = new RowEvents();
