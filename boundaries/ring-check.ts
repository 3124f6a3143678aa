import { UserError, messages } from '../pipeline/errors.js';

/**
 * A crossing cuts its ring into two loops. When they turn opposite ways the ring is twisted (a
 * bow-tie): one loop would count as negative area. The ring is refused when that loop holds more
 * than this share of the ring's area. Loops that turn the same way (a ring pinched against
 * itself with a sliver of overlap, as in the real DataV provinces, or a curl) and tiny twists
 * are digitizing slips: counted as drawn, with a warning.
 */
export const MAX_TWIST_SHARE = 1e-3;

export interface PolygonCheck {
  /** Rings whose last vertex is not their first (the reader closes them with a warning). */
  unclosed: number;
  /** A crossing that was let through (a tiny loop, or two rings crossing), for a warning. */
  crossing: { x: number; y: number; sameRing: boolean } | null;
}

/**
 * Checks of a zone's polygons as read from the file, before any projection: the coordinates
 * have GeoJSON's shape (polygons of rings of [x, y] finite numbers), and no ring crosses itself
 * so as to cut off a real loop (a bow-tie has no well-defined inside, so exact coverage of it
 * would be arbitrary). Crossings between rings, and tiny loops, are reported, not refused.
 */
export function checkPolygons(path: string, feature: number, zoneId: string, polygons: unknown): PolygonCheck {
  const bad = (what: string): never => { throw new UserError(messages.zoneCoordinates(path, feature, zoneId, what)); };
  if (!Array.isArray(polygons)) bad('the coordinates are not an array');
  let unclosed = 0;
  const rings: number[][][] = [];
  for (const polygon of polygons as unknown[]) {
    if (!Array.isArray(polygon)) bad(`a polygon is ${JSON.stringify(polygon)?.slice(0, 40)}, not an array of rings`);
    for (const ring of polygon as unknown[]) {
      if (!Array.isArray(ring)) bad(`a ring is ${JSON.stringify(ring)?.slice(0, 40)}, not an array of positions`);
      const pts = ring as unknown[];
      for (const p of pts) {
        if (!Array.isArray(p) || p.length < 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number' || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
          bad(`the vertex ${JSON.stringify(p)?.slice(0, 60)} is not a pair of finite numbers`);
        }
      }
      const r = pts as number[][];
      if (r.length > 1 && (r[0]![0] !== r[r.length - 1]![0] || r[0]![1] !== r[r.length - 1]![1])) unclosed++;
      rings.push(r);
    }
  }
  const found = ringCrossings(rings, 64);
  for (const c of found) {
    if (c.sameRing && c.twistShare > MAX_TWIST_SHARE) throw new UserError(messages.ringCrossesItself(path, feature, zoneId, c.x, c.y));
  }
  const zoneArea = rings.reduce((sum, r) => sum + Math.abs(shoelace(r, 0, r.length)), 0);
  for (const r of rings) {
    const at = twistAtVertex(r, zoneArea);
    if (at) throw new UserError(messages.ringCrossesItself(path, feature, zoneId, at[0], at[1]));
  }
  return { unclosed, crossing: found[0] ?? null };
}

export interface Crossing {
  x: number;
  y: number;
  sameRing: boolean;
  /** Same ring, loops turning opposite ways: the smaller loop's area over the zone's (else 0). */
  twistShare: number;
}

/**
 * Up to `max` points where two edges of the rings cross properly (each passes strictly through
 * the other), or with `collinear` also run along each other (shared edges and folded-back spikes,
 * common in real files and harmless to coverage), edges of one ring that follow each other excepted. Edges are swept by their lowest
 * y, so each is tested only against the edges whose y range overlaps it: near-linear for the
 * rings of real boundaries. Rings that touch at a vertex or share an edge do not cross.
 */
export function ringCrossings(rings: number[][][], max: number, collinear = false): Crossing[] {
  let total = 0;
  const sizes = rings.map((ring) => {
    let n = ring.length;
    if (n > 1 && ring[0]![0] === ring[n - 1]![0] && ring[0]![1] === ring[n - 1]![1]) n--;
    total += n;
    return n;
  });
  const found: Crossing[] = [];
  if (total < 4) return found;
  // flat arrays: edge e runs from vertex e to vertex next[e]
  const x = new Float64Array(total);
  const y = new Float64Array(total);
  const next = new Int32Array(total);
  const ringOf = new Int32Array(total);
  const first = new Int32Array(rings.length);
  let v = 0;
  rings.forEach((ring, k) => {
    const n = sizes[k]!;
    first[k] = v;
    for (let i = 0; i < n; i++) {
      x[v + i] = ring[i]![0]!;
      y[v + i] = ring[i]![1]!;
      next[v + i] = v + ((i + 1) % n);
      ringOf[v + i] = k;
    }
    v += n;
  });
  let zoneArea2: number | null = null;
  // Each edge's y and x range, then edges in order of their lowest y; `active` holds the edges
  // whose y range still reaches the sweep (compacted in place as it moves up).
  const lo = new Float64Array(total), hi = new Float64Array(total), xlo = new Float64Array(total), xhi = new Float64Array(total);
  for (let e = 0; e < total; e++) {
    const e1 = next[e]!;
    lo[e] = Math.min(y[e]!, y[e1]!); hi[e] = Math.max(y[e]!, y[e1]!);
    xlo[e] = Math.min(x[e]!, x[e1]!); xhi[e] = Math.max(x[e]!, x[e1]!);
  }
  const order = new Uint32Array(total);
  for (let e = 0; e < total; e++) order[e] = e;
  order.sort((a, b) => lo[a]! - lo[b]!);
  const active = new Int32Array(total);
  let activeCount = 0;
  for (let k = 0; k < total; k++) {
    const e = order[k]!;
    const ylo = lo[e]!;
    let kept = 0;
    for (let r = 0; r < activeCount; r++) if (hi[active[r]!]! >= ylo) active[kept++] = active[r]!;
    activeCount = kept;
    const e1 = next[e]!;
    const exMin = xlo[e]!, exMax = xhi[e]!;
    for (let r = 0; r < activeCount; r++) {
      const a = active[r]!;
      if (xhi[a]! < exMin || xlo[a]! > exMax) continue;
      const a1 = next[a]!;
      if (a1 === e || e1 === a) continue;
      const d1 = orient(x[a]!, y[a]!, x[a1]!, y[a1]!, x[e]!, y[e]!);
      const d2 = orient(x[a]!, y[a]!, x[a1]!, y[a1]!, x[e1]!, y[e1]!);
      const d3 = orient(x[e]!, y[e]!, x[e1]!, y[e1]!, x[a]!, y[a]!);
      const d4 = orient(x[e]!, y[e]!, x[e1]!, y[e1]!, x[a1]!, y[a1]!);
      if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) {
        const t = d3 / (d3 - d4);
        const cx = x[a]! + t * (x[a1]! - x[a]!), cy = y[a]! + t * (y[a1]! - y[a]!);
        const sameRing = ringOf[a] === ringOf[e];
        found.push({ x: cx, y: cy, sameRing, twistShare: sameRing ? twistShare(Math.min(a, e), Math.max(a, e), cx, cy) : 0 });
        if (found.length >= max) return found;
      } else if (collinear && d1 === 0 && d2 === 0) {
        // collinear: edges that run along each other (a duplicated ring, a spike folding back)
        const alongX = Math.abs(x[e1]! - x[e]!) >= Math.abs(y[e1]! - y[e]!);
        const p = alongX ? x : y;
        const from = Math.max(Math.min(p[a]!, p[a1]!), Math.min(p[e]!, p[e1]!));
        const to = Math.min(Math.max(p[a]!, p[a1]!), Math.max(p[e]!, p[e1]!));
        if (to > from) {
          found.push({ x: x[e]!, y: y[e]!, sameRing: ringOf[a] === ringOf[e], twistShare: 0 });
          if (found.length >= max) return found;
        }
      }
    }
    active[activeCount++] = e;
  }
  return found;

  /** Edges i < j of one ring cross at (cx, cy): the loop cx,cy -> i+1 .. j -> cx,cy against the rest of the ring. */
  function twistShare(i: number, j: number, cx: number, cy: number): number {
    const ringArea2 = (k: number) => {
      let a = 0;
      for (let p = first[k]!; p < first[k]! + sizes[k]!; p++) a += x[p]! * y[next[p]!]! - x[next[p]!]! * y[p]!;
      return a;
    };
    zoneArea2 ??= rings.reduce((sum, _, k) => sum + Math.abs(ringArea2(k)), 0);
    const whole = ringArea2(ringOf[i]!);
    let loop = cx * y[i + 1]! - x[i + 1]! * cy;
    for (let p = i + 1; p < j; p++) loop += x[p]! * y[p + 1]! - x[p + 1]! * y[p]!;
    loop += x[j]! * cy - cx * y[j]!;
    const rest = whole - loop;
    if ((loop > 0) === (rest > 0) || loop === 0 || rest === 0) return 0;
    const twist = Math.min(Math.abs(loop), Math.abs(rest));
    return twist / Math.max(zoneArea2 + twist, Number.MIN_VALUE);
  }
}

function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

/** Twice the signed area of ring[from .. to) closed back to ring[from]. */
function shoelace(ring: number[][], from: number, to: number): number {
  let a = 0;
  for (let i = from; i < to; i++) {
    const p = ring[i]!, q = ring[i + 1 < to ? i + 1 : from]!;
    a += p[0]! * q[1]! - q[0]! * p[1]!;
  }
  return a;
}

/**
 * A bow-tie pinched at a vertex: the ring passes through one point twice, and the loop between
 * the two visits turns the other way than the rest while lying outside it (inside it, it is a
 * hole drawn in the same ring, as ESRI allows). Returns the vertex when that loop holds more than
 * MAX_TWIST_SHARE of the zone's area.
 */
function twistAtVertex(ring: number[][], zoneArea2: number): [number, number] | null {
  let n = ring.length;
  if (n > 1 && ring[0]![0] === ring[n - 1]![0] && ring[0]![1] === ring[n - 1]![1]) n--;
  // cross[k] = twice the signed area swept by edges 0 .. k-1, so the loop between two visits i < j of
  // one point is cross[j] - cross[i] (its closing edge, from the point to itself, adds nothing).
  const cross = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) {
    const p = ring[k]!, q = ring[k + 1 < n ? k + 1 : 0]!;
    cross[k + 1] = cross[k]! + (p[0]! * q[1]! - q[0]! * p[1]!);
  }
  const whole = cross[n]!;
  const previous = previousVisits(ring, n);
  for (let j = 0; j < n; j++) {
    const i = previous[j]!;
    if (i < 0 || j - i < 3) continue;
    const loop = cross[j]! - cross[i]!;
    const rest = whole - loop;
    if (loop === 0 || rest === 0 || (loop > 0) === (rest > 0)) continue;
    const twist = Math.min(Math.abs(loop), Math.abs(rest));
    if (twist / (zoneArea2 + twist) <= MAX_TWIST_SHARE) continue;
    // a vertex of the loop strictly inside the rest of the ring: an inverted hole, not a twist
    const probe = ring[i + 1]!;
    const restRing = [...ring.slice(j, n), ...ring.slice(0, i + 1)];
    if (contains(restRing, probe[0]!, probe[1]!)) continue;
    return [ring[i]![0]!, ring[i]![1]!];
  }
  return null;
}

/**
 * For each vertex, the index of the last earlier vertex at the same point (-1 if none): an
 * open-addressing table keyed by the coordinates' bits (string keys cost 20x more here).
 */
function previousVisits(ring: number[][], n: number): Int32Array {
  const size = 2 ** Math.ceil(Math.log2(2 * n + 2));
  const table = new Int32Array(size).fill(-1);
  const previous = new Int32Array(n).fill(-1);
  const bits = new Float64Array(2);
  const words = new Uint32Array(bits.buffer);
  for (let j = 0; j < n; j++) {
    const px = ring[j]![0]!, py = ring[j]![1]!;
    bits[0] = px + 0; bits[1] = py + 0; // + 0: -0 and 0 are one point
    let h = ((Math.imul(words[0]! ^ words[1]!, 0x9e3779b1) ^ Math.imul(words[2]! ^ words[3]!, 0x85ebca6b)) >>> 0) & (size - 1);
    for (;;) {
      const i = table[h]!;
      if (i < 0) { table[h] = j; break; }
      if (ring[i]![0] === px && ring[i]![1] === py) { previous[j] = i; table[h] = j; break; }
      h = (h + 1) & (size - 1);
    }
  }
  return previous;
}

function contains(ring: number[][], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]! as [number, number], [xj, yj] = ring[j]! as [number, number];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
