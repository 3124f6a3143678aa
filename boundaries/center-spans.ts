import type { Window } from '../rasters/grid.js';
import type { Spans } from './spans.js';
import { EDGE_STRIDE as S, firstEdgeFrom, type ZoneEdges } from './edges.js';

/**
 * Runs of cells whose centre lies inside a zone (the rule of GDAL rasterize and ArcGIS), for
 * the rows of one window, written to `out` as runs of weight 1.
 *
 * The crossing arithmetic mirrors GDAL's llrasterize.cpp (an edge crosses row centre dy when
 * y1 <= dy < y2; the crossing is rounded with floor(x + 0.5)), so counts are identical to
 * `gdal_rasterize` on north-up grids cell for cell, including GDAL's extra burn of a bottom
 * edge (interior above it) lying exactly on a row centre (see edges.ts for which those are). GDAL
 * burns pixels, so cells it sets twice are set once; runs here are counted, so such a row's
 * runs are merged into their union first.
 */
export function centerSpans(edges: ZoneEdges, w: Window, out: Spans): void {
  out.reset();
  const { sloped, flat } = edges;
  let nextFlat = 0;
  const colEnd = w.col0 + w.cols;
  // Edges that can cross rows of this window start above its last row centre and end below
  // its first; the sort by y1 bounds the scan from both sides.
  const yFirst = w.row0 + 0.5;
  const yLast = w.row0 + w.rows - 0.5;
  let next = firstEdgeFrom(edges, yFirst - edges.maxHeight);
  const to = firstEdgeFrom(edges, yLast + 1);
  const active = scratchIndex(to - next);
  let nActive = 0;
  const xs = scratchCrossings(to - next + 2 * edges.flatCount + 2);
  for (let r = 0; r < w.rows; r++) {
    const dy = w.row0 + r + 0.5;
    // Active edge table: add edges whose top is reached, drop those that ended above dy.
    while (next < to && sloped[S * next + 1]! <= dy) active[nActive++] = next++;
    let k = 0;
    let kept = 0;
    for (let a = 0; a < nActive; a++) {
      const e = S * active[a]!;
      const y2 = sloped[e + 3]!;
      if (dy >= y2) continue;
      active[kept++] = active[a]!;
      const x1 = sloped[e]!;
      const y1 = sloped[e + 1]!;
      xs[k++] = Math.floor((dy - y1) * (sloped[e + 2]! - x1) / (y2 - y1) + x1 + 0.5);
    }
    nActive = kept;
    if (k > 1) insertionSort(xs, k);
    while (nextFlat < edges.flatCount && flat[3 * nextFlat + 2]! < dy) nextFlat++;
    if (nextFlat < edges.flatCount && flat[3 * nextFlat + 2] === dy) {
      k = addFlatRuns(edges, nextFlat, dy, xs, k);
    }
    for (let i = 0; i + 1 < k; i += 2) pushClipped(out, r, xs[i]!, xs[i + 1]!, w.col0, colEnd);
  }
}

/**
 * Add the runs of horizontal edges lying on row centre dy to the row's sorted crossing pairs
 * and rewrite the pairs as their union. Returns the new number of values in xs.
 */
function addFlatRuns(edges: ZoneEdges, first: number, dy: number, xs: Float64Array, k: number): number {
  const runs: [number, number][] = [];
  for (let i = 0; i + 1 < k; i += 2) runs.push([xs[i]!, xs[i + 1]!]);
  for (let f = first; f < edges.flatCount && edges.flat[3 * f + 2] === dy; f++) {
    runs.push([Math.floor(edges.flat[3 * f]! + 0.5), Math.floor(edges.flat[3 * f + 1]! + 0.5)]);
  }
  runs.sort((a, b) => a[0] - b[0]);
  let n = 0;
  for (const [a, b] of runs) {
    if (b <= a) continue;
    if (n > 0 && a <= xs[n - 1]!) xs[n - 1] = Math.max(xs[n - 1]!, b);
    else { xs[n++] = a; xs[n++] = b; }
  }
  return n;
}

function pushClipped(out: Spans, row: number, c0: number, c1: number, colStart: number, colEnd: number): void {
  const a = c0 < colStart ? colStart : c0;
  const b = c1 > colEnd ? colEnd : c1;
  if (b > a) out.push(row, a - colStart, b - colStart, 1);
}

function insertionSort(a: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > v) { a[j + 1] = a[j]!; j--; }
    a[j + 1] = v;
  }
}

// Scratch buffers live at module scope and grow only when too small (earcut's habit).
let indexScratch = new Uint32Array(1024);
let crossingScratch = new Float64Array(1024);
function scratchIndex(n: number): Uint32Array {
  if (indexScratch.length < n) indexScratch = new Uint32Array(n * 2);
  return indexScratch;
}
function scratchCrossings(n: number): Float64Array {
  if (crossingScratch.length < n) crossingScratch = new Float64Array(n * 2);
  return crossingScratch;
}
