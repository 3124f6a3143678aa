// Eleven county polygons for the bench fixture: a jittered 4 x 3 partition of the middle of the raster
// (one corner cell left out), every edge a fractal polyline built once and shared by both neighbours
// (identical vertices), converted to lon/lat. The union's outline is also handed to the land-cover
// workers in pixel space, as edges: cells outside every county are nodata.
import proj4 from '../rasters/proj4.js';
import { CAS_ALBERS_PROJ4 } from '../data/demo.js';
import { pointInRing } from '../data/procedural.js';

type XY = [number, number];

/** Chengde's county-level units (name, administrative code), in grid order: north row first, west to east. */
const UNITS: [name: string, code: number][] = [
  ['Weichang', 130828], ['Fengning', 130826], ['Longhua', 130825], ['Pingquan', 130881],
  ['Luanping', 130824], ['Shuangqiao', 130802], ['Chengde County', 130821], ['Kuancheng', 130827],
  ['Xinglong', 130822], ['Yingshouyingzi', 130804], ['Shuangluan', 130803],
];
const COLS = 4, ROWS = 3;
/** Grid cell left out (south-east corner): 12 cells - 1 = 11 counties, and a less boxy outline. */
const SKIP: XY = [3, 0];
/** The partition spans this fraction of the raster on each axis; with the ragged edges the union is ~half the raster. */
const SPAN_LO = 0.12, SPAN_HI = 0.88;
/** 2^10 segments per grid edge: thousands of vertices per county, one every 2-3 cells at 30 m. */
const EDGE_LEVELS = 10;
/** The enclave (a hole in HOST filled by a part of OWNER, which is thus a MultiPolygon). */
const HOST: XY = [1, 1], OWNER: XY = [2, 1];

export interface GridSpec { originX: number; originY: number; cellM: number; size: number }
export interface Counties {
  geojson: { type: 'FeatureCollection'; features: object[] };
  /** Union outline as [col0, row0, col1, row1, ...] edges in pixel space (all rings; shared edges cancel under even-odd). */
  edgesPx: Float64Array;
  verticesPerCounty: number[];
}

/** Polyline from a to b (both included) by midpoint displacement: 2^levels segments. */
function ragged(a: XY, b: XY, levels: number, amp: number, rand: () => number): XY[] {
  let pts: XY[] = [a, b];
  for (let l = 0; l < levels; l++) {
    const next: XY[] = [pts[0]!];
    for (let k = 1; k < pts.length; k++) {
      const p = pts[k - 1]!, q = pts[k]!;
      const off = amp * (rand() * 2 - 1); // perpendicular offset as a fraction of the segment length
      next.push([(p[0] + q[0]) / 2 - off * (q[1] - p[1]), (p[1] + q[1]) / 2 + off * (q[0] - p[0])], q);
    }
    pts = next;
  }
  return pts;
}


export function buildCounties(g: GridSpec, rand: () => number): Counties {
  const extentM = g.size * g.cellM, southM = g.originY - extentM;
  const cellW = ((SPAN_HI - SPAN_LO) * extentM) / COLS, cellH = ((SPAN_HI - SPAN_LO) * extentM) / ROWS;
  const verts: XY[][] = [];
  for (let i = 0; i <= COLS; i++) {
    verts.push([]);
    for (let j = 0; j <= ROWS; j++) {
      verts[i]!.push([
        g.originX + SPAN_LO * extentM + (i + 0.3 * (rand() - 0.5)) * cellW,
        southM + SPAN_LO * extentM + (j + 0.3 * (rand() - 0.5)) * cellH,
      ]);
    }
  }
  const albers = proj4(CAS_ALBERS_PROJ4, 'EPSG:4326');
  const round = (v: number): number => Math.round(v * 1e8) / 1e8;
  const toLonLat = (ring: XY[]): XY[] => ring.map((p) => { const [lon, lat] = albers.forward(p); return [round(lon!), round(lat!)]; });
  const edges = new Map<string, XY[]>();
  const edge = (a: XY, b: XY, key: string): XY[] => {
    let e = edges.get(key);
    if (!e) { e = ragged(a, b, EDGE_LEVELS, 0.1, rand); edges.set(key, e); }
    return e;
  };
  const south = (i: number, j: number): XY[] => edge(verts[i]![j]!, verts[i + 1]![j]!, `h${i},${j}`);
  const west = (i: number, j: number): XY[] => edge(verts[i]![j]!, verts[i]![j + 1]!, `v${i},${j}`);
  const cells: { i: number; j: number; ring: XY[] }[] = [];
  for (let j = ROWS - 1; j >= 0; j--) {
    for (let i = 0; i < COLS; i++) {
      if (i === SKIP[0] && j === SKIP[1]) continue;
      // counter-clockwise (RFC 7946 exterior): south edge east, east edge north, north edge west, west edge south
      const ring = [...south(i, j), ...west(i + 1, j).slice(1), ...[...south(i, j + 1)].reverse().slice(1), ...[...west(i, j)].reverse().slice(1)];
      cells.push({ i, j, ring });
    }
  }
  const host = cells.find((c) => c.i === HOST[0] && c.j === HOST[1])!;
  const enclave = enclaveRing(host.ring, rand);
  const lonLatEnclave = toLonLat(enclave);
  const features = cells.map((cell, k) => {
    const ring = toLonLat(cell.ring);
    let geometry: object = { type: 'Polygon', coordinates: [ring] };
    if (cell === host) geometry = { type: 'Polygon', coordinates: [ring, [...lonLatEnclave].reverse()] };
    else if (cell.i === OWNER[0] && cell.j === OWNER[1]) geometry = { type: 'MultiPolygon', coordinates: [[ring], [lonLatEnclave]] };
    const [name, code] = UNITS[k]!;
    return { type: 'Feature', properties: { code, name }, geometry };
  });

  // the outline in pixel space, from the lon/lat vertices as written (the pipeline sees the same ones)
  const ringsPerCounty = features.map((f) => ringsOf(f.geometry as Geometry));
  const rings = ringsPerCounty.flat();
  const edgeCount = rings.reduce((s, r) => s + r.length - 1, 0);
  const edgesPx = new Float64Array(edgeCount * 4);
  const toAlbers = proj4(CAS_ALBERS_PROJ4);
  let n = 0;
  for (const ring of rings) {
    const px = ring.map((p) => { const [x, y] = toAlbers.forward(p) as XY; return [(x - g.originX) / g.cellM, (g.originY - y) / g.cellM] as XY; });
    for (let k = 1; k < px.length; k++) {
      let a = px[k - 1]!, b = px[k]!;
      // canonical order, so an edge shared by two rings gives bit-identical crossings and cancels
      if (a[1] > b[1] || (a[1] === b[1] && a[0] > b[0])) [a, b] = [b, a];
      edgesPx.set([a[0], a[1], b[0], b[1]], n);
      n += 4;
    }
  }
  const verticesPerCounty = ringsPerCounty.map((rs) => rs.reduce((sum, r) => sum + r.length - 1, 0));
  return { geojson: { type: 'FeatureCollection', features }, edgesPx, verticesPerCounty };
}

type Geometry = { type: 'Polygon'; coordinates: XY[][] } | { type: 'MultiPolygon'; coordinates: XY[][][] };
const ringsOf = (g: Geometry): XY[][] => (g.type === 'Polygon' ? g.coordinates : g.coordinates.flat());

/** A ragged disc near the host's centre, shrunk until it sits well inside (a 1.5x copy still fits). */
function enclaveRing(hostRing: XY[], rand: () => number): XY[] {
  const cx = hostRing.reduce((s, p) => s + p[0], 0) / hostRing.length, cy = hostRing.reduce((s, p) => s + p[1], 0) / hostRing.length;
  const extent = Math.max(...hostRing.map((p) => p[0])) - Math.min(...hostRing.map((p) => p[0]));
  let radiusM = 0.15 * extent;
  let disc: XY[] = [];
  for (let tries = 0; tries < 12; tries++, radiusM *= 0.8) {
    const corners: XY[] = [];
    for (let k = 0; k < 48; k++) {
      const a = (2 * Math.PI * k) / 48, r = radiusM * (0.8 + 0.4 * rand());
      corners.push([cx + r * Math.cos(a), cy + r * Math.sin(a)]);
    }
    disc = corners.flatMap((p, k) => ragged(p, corners[(k + 1) % corners.length]!, 4, 0.08, rand).slice(0, -1));
    if (disc.every((p) => pointInRing([cx + 1.5 * (p[0] - cx), cy + 1.5 * (p[1] - cy)], hostRing))) break;
  }
  disc.push(disc[0]!);
  return disc;
}

/**
 * Cells whose centre lies inside the union, for rows row0..row0+rows-1, as half-open column spans
 * [c0, c1, c0, c1, ...] per row, clipped to 0..cols.
 */
export function unionSpans(edgesPx: Float64Array, row0: number, rows: number, cols: number): Int32Array[] {
  const band: number[] = [];
  for (let k = 0; k < edgesPx.length; k += 4) if (edgesPx[k + 1]! < row0 + rows && edgesPx[k + 3]! > row0) band.push(k);
  const spans: Int32Array[] = [];
  const xs: number[] = [];
  for (let r = 0; r < rows; r++) {
    const yc = row0 + r + 0.5;
    xs.length = 0;
    for (const k of band) {
      const x0 = edgesPx[k]!, y0 = edgesPx[k + 1]!, x1 = edgesPx[k + 2]!, y1 = edgesPx[k + 3]!;
      if ((y0 <= yc) !== (y1 <= yc)) xs.push(x0 + ((yc - y0) * (x1 - x0)) / (y1 - y0));
    }
    xs.sort((a, b) => a - b);
    const out: number[] = [];
    for (let p = 0; p + 1 < xs.length; p += 2) {
      // cells c with xa <= c + 0.5 < xb
      const c0 = Math.max(0, Math.ceil(xs[p]! - 0.5)), c1 = Math.min(cols, Math.ceil(xs[p + 1]! - 0.5));
      if (c1 > c0) out.push(c0, c1);
    }
    spans.push(Int32Array.from(out));
  }
  return spans;
}
