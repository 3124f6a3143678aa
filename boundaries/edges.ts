import type { ZoneGeometry } from './zone-geometry.js';

/** Values per edge in ZoneEdges.sloped: x1, y1, x2, y2, direction. */
export const EDGE_STRIDE = 5;

/**
 * The edges of one zone in pixel space, prepared for scanline sweeps: non-horizontal edges
 * oriented downwards (y1 < y2) and sorted by their top, each with the sign of its original
 * direction (+1 when the ring ran downwards). Horizontal edges enclose no area between rows
 * and cross no row centre; only bottom edges (interior above) are kept, sorted by y, because
 * gdal_rasterize burns such an edge when it lies exactly on a row centre and the centre rule
 * reproduces GDAL cell for cell. Rings come oriented by projectZones, interior on the left of
 * travel in pixel space (y down), so bottom edges are those running left to right.
 */
export interface ZoneEdges {
  /** [x1, y1, x2, y2, dir] per edge, y1 < y2, sorted by y1. */
  readonly sloped: Float64Array;
  readonly slopedCount: number;
  /** [xLeft, xRight, y] per horizontal bottom edge (running left to right), sorted by y. */
  readonly flat: Float64Array;
  readonly flatCount: number;
  /** Largest (y2 - y1) of any sloped edge, to bound the search for edges crossing a row range. */
  readonly maxHeight: number;
}

export function zoneEdges(g: ZoneGeometry, zone: number): ZoneEdges {
  const r0 = g.zoneRing[zone]!;
  const r1 = g.zoneRing[zone + 1]!;
  const total = g.ringStart[r1]! - g.ringStart[r0]!;
  const tmp = new Float64Array(total * EDGE_STRIDE);
  let n = 0;
  const flats: [number, number, number][] = [];
  let maxHeight = 0;
  const c = g.coords;
  for (let r = r0; r < r1; r++) {
    const start = g.ringStart[r]!;
    const end = g.ringStart[r + 1]!;
    for (let i = start, j = end - 1; i < end; j = i++) {
      const xa = c[2 * j]!, ya = c[2 * j + 1]!, xb = c[2 * i]!, yb = c[2 * i + 1]!;
      if (ya === yb) {
        if (xa < xb) flats.push([xa, xb, ya]);
        continue;
      }
      const k = EDGE_STRIDE * n++;
      if (ya < yb) { tmp[k] = xa; tmp[k + 1] = ya; tmp[k + 2] = xb; tmp[k + 3] = yb; tmp[k + 4] = 1; }
      else { tmp[k] = xb; tmp[k + 1] = yb; tmp[k + 2] = xa; tmp[k + 3] = ya; tmp[k + 4] = -1; }
      if (tmp[k + 3]! - tmp[k + 1]! > maxHeight) maxHeight = tmp[k + 3]! - tmp[k + 1]!;
    }
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => tmp[EDGE_STRIDE * a + 1]! - tmp[EDGE_STRIDE * b + 1]!);
  const sloped = new Float64Array(n * EDGE_STRIDE);
  for (let i = 0; i < n; i++) {
    const from = EDGE_STRIDE * order[i]!, to = EDGE_STRIDE * i;
    for (let v = 0; v < EDGE_STRIDE; v++) sloped[to + v] = tmp[from + v]!;
  }
  flats.sort((a, b) => a[2] - b[2]);
  return { sloped, slopedCount: n, flat: Float64Array.from(flats.flat()), flatCount: flats.length, maxHeight };
}

/** Index of the first sloped edge whose top y1 is >= y (binary search). */
export function firstEdgeFrom(edges: ZoneEdges, y: number): number {
  let lo = 0;
  let hi = edges.slopedCount;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges.sloped[EDGE_STRIDE * mid + 1]! < y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
