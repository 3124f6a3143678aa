// Deterministic synthetic demo region over Chengde, Hebei: five epochs (2000-2020) of a CAS-coded
// 30 m land-use raster in CAS Albers, plus 12 county polygons in lon/lat.
// Same seed and size -> the same bytes, always (integer hashing only, no Math.random, no clock).
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import proj4 from '../rasters/proj4.js';
import { GeoTiffWriter, casAlbersGeoKeys } from '../output/geotiff-writer.js';
import { fbm, hash2, pointInRing, valueNoise } from './procedural.js';

export interface DemoPaths { dir: string; rasters: { year: number; path: string }[]; zonesPath: string; }

export const DEMO_YEARS = [2000, 2005, 2010, 2015, 2020] as const;
export const CAS_ALBERS_PROJ4 = '+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +ellps=krass +units=m +no_defs';
const CELL_SIZE_M = 30;
const TILE_SIZE = 256;
const NODATA = 0;
/** Centre of the demo square, inside Chengde (about lon 115.9-119.3, lat 40.2-42.6). */
const CENTER_LON = 117.75, CENTER_LAT = 41.15;
const NO_CHANGE = 255;

// ---- seeded randomness -------------------------------------------------------------------------

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}



/** A smooth field sampled every `stepPx` pixels over [0, size]² and read back bilinearly: cheap per pixel. */
class CoarseField {
  private readonly samples: Float32Array;
  private readonly across: number;
  constructor(size: number, private readonly stepPx: number, fn: (x: number, y: number) => number) {
    this.across = Math.ceil(size / stepPx) + 2;
    this.samples = new Float32Array(this.across * this.across);
    for (let gy = 0; gy < this.across; gy++)
      for (let gx = 0; gx < this.across; gx++) this.samples[gy * this.across + gx] = fn(gx * stepPx, gy * stepPx);
  }
  at(x: number, y: number): number {
    const fx = x / this.stepPx, fy = y / this.stepPx;
    const gx = Math.min(Math.max(Math.floor(fx), 0), this.across - 2), gy = Math.min(Math.max(Math.floor(fy), 0), this.across - 2);
    const tx = fx - gx, ty = fy - gy, s = this.samples, k = gy * this.across + gx;
    const a = s[k]!, b = s[k + 1]!, c = s[k + this.across]!, d = s[k + this.across + 1]!;
    return a + (b - a) * tx + (c - a) * ty + (a - b - c + d) * tx * ty;
  }
}

/**
 * Cellular (Worley) patches: one jittered feature point per `cellPx` grid cell, precomputed. nearest()
 * sets `value` (the nearest feature's random label, in [0, 1)) and `distPx`, so the hot loop allocates nothing.
 */
class Patches {
  value = 0;
  distPx = 0;
  private readonly px: Float32Array;
  private readonly py: Float32Array;
  private readonly label: Float32Array;
  private readonly across: number;
  constructor(size: number, private readonly cellPx: number, seed: number) {
    this.across = Math.ceil(size / cellPx) + 4; // one cell of margin on each side for warped coordinates
    const n = this.across * this.across;
    this.px = new Float32Array(n); this.py = new Float32Array(n); this.label = new Float32Array(n);
    for (let j = 0; j < this.across; j++) {
      for (let i = 0; i < this.across; i++) {
        const k = j * this.across + i;
        this.px[k] = (i - 1 + hash2(i, j, seed)) * cellPx;
        this.py[k] = (j - 1 + hash2(i, j, seed + 1)) * cellPx;
        this.label[k] = hash2(i, j, seed + 2);
      }
    }
  }
  nearest(x: number, y: number): void {
    const across = this.across, px = this.px, py = this.py;
    const gx = Math.min(Math.max(Math.floor(x / this.cellPx) + 1, 1), across - 2);
    const gy = Math.min(Math.max(Math.floor(y / this.cellPx) + 1, 1), across - 2);
    let best = Infinity, bestK = 0;
    for (let j = gy - 1; j <= gy + 1; j++) {
      for (let k = j * across + gx - 1, end = k + 3; k < end; k++) {
        const dx = px[k]! - x, dy = py[k]! - y, d2 = dx * dx + dy * dy;
        if (d2 < best) { best = d2; bestK = k; }
      }
    }
    this.value = this.label[bestK]!;
    this.distPx = Math.sqrt(best);
  }
}

// ---- land cover ------------------------------------------------------------------------------

interface Site { x: number; y: number; radiusPx: number }

interface Terrain { relief: CoarseField; river: CoarseField; warpX: CoarseField; warpY: CoarseField; townNoise: CoarseField }

function buildTerrain(size: number, seed: number): Terrain {
  const step = 4;
  return {
    // stretched fractal relief in [0, 1]
    relief: new CoarseField(size, step, (x, y) => Math.min(1, Math.max(0, (fbm((x / size) * 4, (y / size) * 4, 5, seed + 10) - 0.5) * 2.2 + 0.5))),
    // rivers run along the zero contour of this field: meandering, continuous lines
    river: new CoarseField(size, step, (x, y) => fbm((x / size) * 2.2, (y / size) * 2.2, 4, seed + 20) - 0.5),
    warpX: new CoarseField(size, step, (x, y) => 16 * (valueNoise(x / 35, y / 35, seed + 40) - 0.5)),
    warpY: new CoarseField(size, step, (x, y) => 16 * (valueNoise(x / 35, y / 35, seed + 42) - 0.5)),
    townNoise: new CoarseField(size, step, (x, y) => valueNoise(x / 50, y / 50, seed + 44)),
  };
}

/** Terrain height in [0, 1]: relief pressed down along the rivers, which thus run in valleys. */
function elevation(t: Terrain, x: number, y: number): number {
  const valley = Math.min(1, Math.abs(t.river.at(x, y)) / 0.06);
  return t.relief.at(x, y) * (0.25 + 0.75 * valley * valley * (3 - 2 * valley));
}

/** Towns in valleys (lowest of random candidates, kept apart) and reservoirs on rivers. */
function chooseSites(t: Terrain, size: number, seed: number): { towns: Site[]; reservoirs: Site[] } {
  const rand = mulberry32(seed ^ 0x5eed);
  const pick = (count: number, score: (x: number, y: number) => number, minSep: number, radius: () => number): Site[] => {
    const sites: Site[] = [];
    for (let attempt = 0; sites.length < count && attempt < 40; attempt++) {
      let bestX = 0, bestY = 0, bestScore = Infinity;
      for (let k = 0; k < 30; k++) {
        const x = (0.15 + 0.7 * rand()) * size, y = (0.15 + 0.7 * rand()) * size;
        const s = score(x, y);
        if (s < bestScore && sites.every((o) => Math.hypot(o.x - x, o.y - y) > minSep * size)) { bestScore = s; bestX = x; bestY = y; }
      }
      if (bestScore < Infinity) sites.push({ x: bestX, y: bestY, radiusPx: radius() });
    }
    return sites;
  };
  const towns = pick(4, (x, y) => elevation(t, x, y) + 0.2 * Math.abs(t.river.at(x, y)), 0.22, () => size * (0.012 + 0.01 * rand()));
  if (towns[0]) towns[0].radiusPx *= 1.6; // the prefecture city
  const reservoirs = pick(3, (x, y) => Math.abs(t.river.at(x, y)), 0.2, () => size * (0.007 + 0.007 * rand()));
  return { towns, reservoirs };
}

/**
 * Base land cover (epoch 2000) plus, per cell, the epoch index (1..4) at which it changes and what it
 * becomes: built-up growing out of towns (radius grows each epoch, so built-up only grows) and
 * cropland patches returned to forest (grain-for-green).
 */
function buildLandCover(size: number, seed: number): { base: Uint8Array; changeEpoch: Uint8Array; changeTo: Uint8Array } {
  const base = new Uint8Array(size * size);
  const changeEpoch = new Uint8Array(size * size).fill(NO_CHANGE);
  const changeTo = new Uint8Array(size * size);
  const terrain = buildTerrain(size, seed);
  const { relief, river, warpX, warpY, townNoise } = terrain;
  const { towns, reservoirs } = chooseSites(terrain, size, seed);
  const townX = Float64Array.from(towns, (t) => t.x), townY = Float64Array.from(towns, (t) => t.y);
  const townR = Float64Array.from(towns, (t) => t.radiusPx);
  const landPatches = new Patches(size, 28, seed + 50);
  const hamlets = new Patches(size, 45, seed + 70);
  // river field on three rolling rows: a cell is river where the field changes sign next to it
  let rPrev = new Float32Array(size), rCur = new Float32Array(size), rNext = new Float32Array(size);
  for (let x = 0; x < size; x++) { rCur[x] = river.at(x, 0); rPrev[x] = rCur[x]!; }
  const borderPx = 0.03 * size;

  for (let y = 0; y < size; y++) {
    const ny = Math.min(y + 1, size - 1);
    for (let x = 0; x < size; x++) rNext[x] = river.at(x, ny);
    const v = y / size;
    // wiggly nodata strip along the west edge of the northern 60 %
    const borderEdge = v < 0.6 ? borderPx * (0.5 + valueNoise(y / 40, 0.5, seed + 30)) : -1;
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      if (x < borderEdge) continue; // nodata
      // domain warp (coarse + fine): ragged, fragmented patch edges
      const wx = x + warpX.at(x, y) + 5 * (valueNoise(x / 7, y / 7, seed + 41) - 0.5);
      const wy = y + warpY.at(x, y) + 5 * (valueNoise(x / 7, y / 7, seed + 43) - 0.5);
      const r = rCur[x]!, rl = rCur[Math.max(x - 1, 0)]!, rr = rCur[Math.min(x + 1, size - 1)]!;
      const onRiver = (r > 0) !== (rr > 0) || (r > 0) !== (rNext[x]! > 0) || (r > 0) !== (rl > 0) || (r > 0) !== (rPrev[x]! > 0);
      const valley = Math.min(1, Math.abs(r) / 0.06);
      const elev = relief.at(wx, wy) * (0.25 + 0.75 * valley * valley * (3 - 2 * valley));
      landPatches.nearest(wx, wy);
      const patch = landPatches.value, patch2 = hash2(Math.floor(patch * 1e6), 7, seed);
      const speckle = hash2(x, y, seed + 60);

      let code: number;
      let waterBody = 0;
      for (const s of reservoirs) {
        const dx = wx - s.x, dy = wy - s.y, d = Math.sqrt(dx * dx + dy * dy) / s.radiusPx;
        if (d < 1) waterBody = 43;
        else if (d < 1.3 && patch < 0.4 && waterBody === 0) waterBody = 64; // marsh fringe
      }
      if (waterBody) code = waterBody;
      else if (onRiver) code = 41;
      else if (Math.abs(r) < 0.004 && patch < 0.3) code = 46; // bottomland beside the channel
      else if (elev < 0.2) { // valley floors: dry land, a little paddy near rivers, rural settlements
        hamlets.nearest(wx, wy);
        if (hamlets.distPx < 3 + 5 * hamlets.value && hamlets.value < 0.5) code = 52;
        else code = Math.abs(r) < 0.02 && patch < 0.2 ? 11 : patch > 0.93 ? 32 : 12;
      } else if (elev < 0.42) { // slopes: mosaic of sloping dry land, shrub, grass and forest
        code = patch < 0.3 ? 12 : patch < 0.42 ? 22 : patch < 0.52 ? 32 : patch < 0.58 ? 31 : patch < 0.66 ? 23 : 21;
        if (v < 0.3 && patch > 0.8) code = speckle < 0.4 ? 61 : 33; // Bashang plateau edge: sand, poor grass
      } else if (elev < 0.85) { // mountains: forest dominant
        code = patch < 0.6 ? 21 : patch < 0.72 ? 24 : patch < 0.84 ? 22 : patch < 0.92 ? 23 : 31;
        if (code === 21 && elev < 0.5 && patch2 < 0.02) code = 42; // a few small lakes in forest hollows
      } else code = patch < 0.15 ? 66 : patch < 0.22 ? 65 : patch < 0.5 ? 33 : patch < 0.75 ? 22 : 21; // ridges
      base[i] = code;

      // built-up growth: ragged distance to the nearest town against a radius growing 30 % per epoch
      const isLand = code === 11 || code === 12 || (code >= 21 && code <= 33) || code === 52;
      if (isLand) {
        const ragged = 0.65 + 0.5 * townNoise.at(x, y) + 0.06 * speckle;
        let firstEpoch = NO_CHANGE;
        for (let t = 0; t < townX.length; t++) {
          const dx = wx - townX[t]!, dy = wy - townY[t]!, d = Math.sqrt(dx * dx + dy * dy) * ragged;
          const k = Math.max(0, Math.ceil((d / townR[t]! - 1) / 0.3)); // d < R * (1 + 0.3 k)
          if (k < firstEpoch) firstEpoch = k;
        }
        const builtCode = patch2 < 0.8 ? 51 : 53;
        if (firstEpoch === 0) base[i] = builtCode;
        else if (firstEpoch <= 4) { changeEpoch[i] = firstEpoch; changeTo[i] = builtCode; }
      }
      // grain-for-green: whole sloping cropland patches become forest in a patch-chosen epoch
      if (changeEpoch[i] === NO_CHANGE && base[i] === 12 && elev >= 0.15 && patch2 < 0.45) {
        const k = 1 + Math.floor(patch2 * 9); // 1..5, 5 = not yet by 2020
        if (k <= 4) { changeEpoch[i] = k; changeTo[i] = patch2 < 0.2 ? 21 : patch2 < 0.35 ? 24 : 22; }
      }
    }
    const t = rPrev; rPrev = rCur; rCur = rNext; rNext = t;
  }
  return { base, changeEpoch, changeTo };
}

// ---- counties ----------------------------------------------------------------------------------

type XY = [number, number];
const COUNTY_NAMES = ['Baiyun', 'Qingshui', 'Songling', 'Hetao', 'Lianhua', 'Shimen',
  'Yunwu', 'Dongpo', 'Xiguan', 'Beishan', 'Nanhe', 'Jinling'];

/** Polyline from a to b (both included) with midpoint displacement: 2^levels segments, deviating at most ~0.22 |ab|. */
function ragged(a: XY, b: XY, levels: number, rand: () => number): XY[] {
  let pts: XY[] = [a, b];
  for (let l = 0; l < levels; l++) {
    const next: XY[] = [pts[0]!];
    for (let k = 1; k < pts.length; k++) {
      const p = pts[k - 1]!, q = pts[k]!;
      const amp = 0.11 * (rand() * 2 - 1); // perpendicular offset, as a fraction of the segment length
      next.push([(p[0] + q[0]) / 2 - amp * (q[1] - p[1]), (p[1] + q[1]) / 2 + amp * (q[0] - p[0])], q);
    }
    pts = next;
  }
  return pts;
}


/**
 * 12 counties as a jittered 4 x 3 grid partition of the raster's extent in Albers, edges made ragged once
 * and shared by both neighbours (identical vertices), then converted to lon/lat. The two north-east
 * counties reach beyond the raster; county 6 has a hole filled by an exclave of county 7 (a MultiPolygon).
 */
function buildCounties(x0M: number, y0M: number, extentM: number, seed: number): object {
  const rand = mulberry32(seed ^ 0xc0de);
  const cols = 4, rows = 3;
  const inset = 0.03 * extentM;
  // vertex grid, j = 0 is the south edge; interior vertices jittered, boundary ones slide along the boundary
  const verts: XY[][] = [];
  for (let i = 0; i <= cols; i++) {
    verts.push([]);
    for (let j = 0; j <= rows; j++) {
      const jx = i > 0 && i < cols ? (rand() - 0.5) * 0.36 : 0, jy = j > 0 && j < rows ? (rand() - 0.5) * 0.36 : 0;
      let x = x0M + inset + ((i + jx) / cols) * (extentM - 2 * inset);
      const y = y0M + inset + ((j + jy) / rows) * (extentM - 2 * inset);
      if (i === cols && j >= 2) x += 0.15 * extentM; // north-east counties stick out of the raster
      verts[i]!.push([x, y]);
    }
  }
  const toLonLat = proj4(CAS_ALBERS_PROJ4, 'EPSG:4326');
  const round = (v: number): number => Math.round(v * 1e8) / 1e8;
  const lonLat = (ring: XY[]): XY[] => ring.map((p) => { const [lon, lat] = toLonLat.forward(p); return [round(lon!), round(lat!)]; });
  const edgeCache = new Map<string, XY[]>();
  const edge = (a: XY, b: XY, key: string): XY[] => {
    let e = edgeCache.get(key);
    if (!e) { e = lonLat(ragged(a, b, 6, rand)); edgeCache.set(key, e); }
    return e;
  };
  const hEdge = (i: number, j: number): XY[] => edge(verts[i]![j]!, verts[i + 1]![j]!, `h${i},${j}`);
  const vEdge = (i: number, j: number): XY[] => edge(verts[i]![j]!, verts[i]![j + 1]!, `v${i},${j}`);
  const rings: XY[][] = [];
  const albersRings: XY[][] = [];
  for (let j = rows - 1; j >= 0; j--) {
    for (let i = 0; i < cols; i++) {
      // counter-clockwise (RFC 7946 exterior): south edge east, east edge north, north edge west, west edge south
      const ring = [...hEdge(i, j), ...vEdge(i + 1, j).slice(1), ...[...hEdge(i, j + 1)].reverse().slice(1), ...[...vEdge(i, j)].reverse().slice(1)];
      rings.push(ring);
      const c = [verts[i]![j]!, verts[i + 1]![j]!, verts[i + 1]![j + 1]!, verts[i]![j + 1]!];
      albersRings.push(c);
    }
  }
  // enclave: a ragged disc at the centre of county 6 (middle row), shrunk until it sits well inside
  const host = albersRings[5]!;
  const cx = host.reduce((s, p) => s + p[0], 0) / 4, cy = host.reduce((s, p) => s + p[1], 0) / 4;
  let radiusM = (0.12 * extentM) / cols;
  const hostRingAlbers = rings[5]!.map((p) => proj4(CAS_ALBERS_PROJ4).forward(p) as XY);
  let disc: XY[] = [];
  for (let tries = 0; tries < 10; tries++, radiusM *= 0.8) {
    disc = [];
    for (let k = 0; k < 48; k++) {
      const a = (2 * Math.PI * k) / 48, rr = radiusM * (0.8 + 0.4 * rand());
      disc.push([cx + rr * Math.cos(a), cy + rr * Math.sin(a)]);
    }
    // keep a margin: the disc blown up 1.6x must still fit
    if (disc.every((p) => pointInRing([cx + 1.6 * (p[0] - cx), cy + 1.6 * (p[1] - cy)], hostRingAlbers))) break;
  }
  const enclave = lonLat(disc);
  enclave.push(enclave[0]!);
  const features = rings.map((ring, k) => {
    let geometry: object = { type: 'Polygon', coordinates: [ring] };
    if (k === 5) geometry = { type: 'Polygon', coordinates: [ring, [...enclave].reverse()] };
    if (k === 6) geometry = { type: 'MultiPolygon', coordinates: [[ring], [enclave]] };
    return { type: 'Feature', properties: { code: 130801 + k, name: COUNTY_NAMES[k]! }, geometry };
  });
  return { type: 'FeatureCollection', features };
}

// ---- entry -------------------------------------------------------------------------------------

/** Write landuse_<year>.tif for 2000..2020 and counties.geojson into `dir`; same seed and size give identical bytes. */
export async function generateDemo(dir: string, options: { size?: number; seed?: number } = {}): Promise<DemoPaths> {
  const size = options.size ?? 3000, seed = options.seed ?? 20002020;
  if (!(Number.isInteger(size) && size >= 64)) throw new Error(`generateDemo: size must be an integer >= 64 cells, got ${size}.`);
  await mkdir(dir, { recursive: true });
  const extentM = size * CELL_SIZE_M;
  const [cxM, cyM] = proj4(CAS_ALBERS_PROJ4).forward([CENTER_LON, CENTER_LAT]) as XY;
  // top-left corner snapped to the 30 m grid
  const originXM = Math.round((cxM - extentM / 2) / CELL_SIZE_M) * CELL_SIZE_M;
  const originYM = Math.round((cyM + extentM / 2) / CELL_SIZE_M) * CELL_SIZE_M;

  const { base, changeEpoch, changeTo } = buildLandCover(size, seed);
  const tile = new Uint8Array(TILE_SIZE * TILE_SIZE);
  const rasters: DemoPaths['rasters'] = [];
  for (let epoch = 0; epoch < DEMO_YEARS.length; epoch++) {
    const year = DEMO_YEARS[epoch]!;
    const path = join(dir, `landuse_${year}.tif`);
    const writer = await GeoTiffWriter.create(path, {
      width: size, height: size, sampleType: 'uint8', tileSize: TILE_SIZE,
      originX: originXM, originY: originYM, cellWidth: CELL_SIZE_M, cellHeight: CELL_SIZE_M,
      nodata: NODATA, geoKeys: casAlbersGeoKeys(),
    });
    try {
      for (let tr = 0; tr < writer.tilesDown; tr++) {
        for (let tc = 0; tc < writer.tilesAcross; tc++) {
          tile.fill(NODATA);
          const rowEnd = Math.min(TILE_SIZE, size - tr * TILE_SIZE), colEnd = Math.min(TILE_SIZE, size - tc * TILE_SIZE);
          for (let r = 0; r < rowEnd; r++) {
            const src = (tr * TILE_SIZE + r) * size + tc * TILE_SIZE, dst = r * TILE_SIZE;
            for (let c = 0; c < colEnd; c++) {
              const i = src + c;
              tile[dst + c] = changeEpoch[i]! <= epoch ? changeTo[i]! : base[i]!;
            }
          }
          await writer.writeTile(tr * writer.tilesAcross + tc, tile);
        }
      }
      await writer.finish();
    } catch (err) {
      await writer.abort();
      throw err;
    }
    rasters.push({ year, path });
  }
  // the raster's extent in Albers: x from originX, y from originY - extent (south) up to originY
  const zonesPath = join(dir, 'counties.geojson');
  const zonesTmp = `${zonesPath}.tmp-${process.pid}`;
  await writeFile(zonesTmp, JSON.stringify(buildCounties(originXM, originYM - extentM, extentM, seed)));
  await rename(zonesTmp, zonesPath);
  return { dir, rasters, zonesPath };
}
