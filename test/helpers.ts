import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

export const ROOT = resolve(import.meta.dirname, '..');
export const SHARED = resolve(ROOT, '../shared');
export const REAL = resolve(SHARED, 'data/real');
export const CLI = resolve(ROOT, 'dist/pipeline/cli.js');

/**
 * Path of a real data file in ../shared/data/real. Returns null when it is absent on a
 * developer machine (the caller returns early); under CI=true a missing file fails the test.
 */
export function realFile(rel: string): string | null {
  const p = resolve(REAL, rel);
  if (existsSync(p)) return p;
  if (process.env.CI === 'true') throw new Error(`real data file missing in CI: ${p}`);
  return null;
}

/** A fresh scratch folder under test/.tmp, removed by the returned cleanup. */
export function tmpDir(label: string): { dir: string; cleanup: () => void } {
  const dir = join(ROOT, 'test/.tmp', `${label}-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Run the compiled CLI (as a user would) and capture its output and exit code. */
export function runCli(args: string[], cwd = ROOT): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
}

/** Debian's GDAL tools as an independent checker; absent locally -> null, absent in CI -> failure. */
export function gdalAvailable(): boolean {
  const ok = spawnSync('gdalinfo', ['--version'], { encoding: 'utf8' }).status === 0
    && spawnSync('/usr/bin/python3', ['-c', 'import osgeo, numpy'], { encoding: 'utf8' }).status === 0;
  if (!ok && process.env.CI === 'true') throw new Error('gdal-bin / python3-gdal missing in CI: .ci/run installs them');
  return ok;
}

/** Parse a CSV written by lucc-carbon (no quoted commas in numeric columns). */
export function readCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\n');
  const cols = head!.split(',');
  return lines.map((l) => {
    const cells = splitCsv(l);
    return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? '']));
  });
}

function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (q) { if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') q = false; else cur += ch; }
    else if (ch === '"') q = true;
    else if (ch === ',') { out.push(cur); cur = ''; }
    else cur += ch;
  }
  out.push(cur);
  return out;
}

// ---- independent references used by the end-to-end suites -------------------------------------
// Deliberately simple and slow: they share no code with the product (no scanline, no slots).

/** A single-band raster as geotiff.js reads it, with its north-up geotransform. */
export interface RasterData {
  values: ArrayLike<number>;
  width: number;
  height: number;
  originX: number;
  originY: number;
  cellWidth: number;
  /** Positive: rows go down by cellHeight map units. */
  cellHeight: number;
  nodata: number | null;
}

export async function readRasterData(path: string): Promise<RasterData> {
  const { fromFile } = await import('geotiff');
  const tiff = await fromFile(path);
  try {
    const image = await tiff.getImage();
    const [band] = await image.readRasters();
    const [originX, originY] = image.getOrigin() as [number, number];
    const [resX, resY] = image.getResolution() as [number, number];
    return {
      values: band as ArrayLike<number>, width: image.getWidth(), height: image.getHeight(),
      originX, originY, cellWidth: resX, cellHeight: -resY, nodata: image.getGDALNoData(),
    };
  } finally {
    tiff.close?.();
  }
}

/** One zone for the reference: every ring of every polygon, flat [x0, y0, x1, y1, ...] in the raster CRS. */
export interface RefZone {
  id: string;
  rings: number[][];
}

type Pos = number[];
interface GeoFeature { properties?: Record<string, unknown> | null; geometry: { type: string; coordinates: unknown } | null }

/** Zones from GeoJSON-like features; `project` maps a source position to the raster CRS. */
export function refZones(features: GeoFeature[], idOf: (f: GeoFeature, i: number) => string, project: (p: Pos) => Pos = (p) => p): RefZone[] {
  return features.filter((f) => f.geometry).map((f, i) => {
    const g = f.geometry!;
    const polygons = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as Pos[][][];
    const rings = polygons.flatMap((poly) => poly.map((ring) => ring.flatMap((p) => project(p).slice(0, 2))));
    return { id: idOf(f, i), rings };
  });
}

export interface RefZoneCounts {
  /** Cells by class code (nodata excluded). */
  classes: Map<number, number>;
  nodata: number;
  /** Valid (non-nodata) cells by raster row. */
  validByRow: Map<number, number>;
}

/**
 * Cell counts per zone and class by the centre rule, the slow way: for every cell of the zone's
 * bounding box, an even-odd ray test of the cell centre against every edge of every ring (edges
 * that span the centre's row only, which changes nothing about the test). A centre closer than
 * `eps` cells to an edge crossing is counted in `nearBoundary`: there the rounding of the
 * projection could decide, and exact agreement cannot be expected.
 */
export function referenceCounts(r: RasterData, zones: RefZone[], eps = 1e-6): { byZone: Map<string, RefZoneCounts>; nearBoundary: number } {
  const byZone = new Map<string, RefZoneCounts>();
  let nearBoundary = 0;
  for (const zone of zones) {
    const edges: number[][] = [];
    let minY = Infinity, maxY = -Infinity, minX = Infinity, maxX = -Infinity;
    for (const ring of zone.rings) {
      const n = ring.length / 2;
      const px = (i: number) => (ring[2 * i]! - r.originX) / r.cellWidth;
      const py = (i: number) => (r.originY - ring[2 * i + 1]!) / r.cellHeight;
      for (let i = 0; i < n; i++) {
        const j = (i + 1) % n;
        const e = [px(i), py(i), px(j), py(j)];
        edges.push(e);
        minX = Math.min(minX, e[0]!); maxX = Math.max(maxX, e[0]!);
        minY = Math.min(minY, e[1]!); maxY = Math.max(maxY, e[1]!);
      }
    }
    const counts: RefZoneCounts = { classes: new Map(), nodata: 0, validByRow: new Map() };
    byZone.set(zone.id, counts);
    const row0 = Math.max(0, Math.floor(minY) - 1), row1 = Math.min(r.height - 1, Math.ceil(maxY) + 1);
    const col0 = Math.max(0, Math.floor(minX) - 1), col1 = Math.min(r.width - 1, Math.ceil(maxX) + 1);
    for (let row = row0; row <= row1; row++) {
      const cy = row + 0.5;
      const rowEdges = edges.filter(([, y1, , y2]) => Math.min(y1!, y2!) - eps <= cy && cy <= Math.max(y1!, y2!) + eps);
      for (let col = col0; col <= col1; col++) {
        const cx = col + 0.5;
        let inside = false;
        let near = false;
        for (const [x1, y1, x2, y2] of rowEdges) {
          if (Math.abs(y2! - y1!) < eps) {
            if (cx >= Math.min(x1!, x2!) - eps && cx <= Math.max(x1!, x2!) + eps) near = true;
            continue;
          }
          const xCross = x1! + ((cy - y1!) * (x2! - x1!)) / (y2! - y1!);
          if (Math.abs(xCross - cx) < eps) near = true;
          if ((y1! > cy) !== (y2! > cy) && cx < xCross) inside = !inside;
        }
        if (near) nearBoundary++;
        if (!inside) continue;
        const v = r.values[row * r.width + col]!;
        if (v === r.nodata || Number.isNaN(v)) { counts.nodata++; continue; }
        counts.classes.set(v, (counts.classes.get(v) ?? 0) + 1);
        counts.validByRow.set(row, (counts.validByRow.get(row) ?? 0) + 1);
      }
    }
  }
  return { byZone, nearBoundary };
}

/** Run ../shared/bench-peers/gdal_numpy.py (GDAL rasterize + numpy bincount): counts[zone code][class]. */
export function gdalNumpyCounts(raster: string, zones: string, codeField: string, outCsv: string): Map<string, Map<number, number>> {
  const res = spawnSync('/usr/bin/python3', [resolve(SHARED, 'bench-peers/gdal_numpy.py'), raster, zones, outCsv, '--code-field', codeField], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`gdal_numpy.py failed: ${res.stderr}`);
  const out = new Map<string, Map<number, number>>();
  for (const row of readCsv(readFileSync(outCsv, 'utf8'))) {
    const m = out.get(row.code!) ?? out.set(row.code!, new Map()).get(row.code!)!;
    m.set(Number(row.class), Number(row.count));
  }
  return out;
}

/** Run a Python snippet with Debian's python3 (osgeo + numpy); returns stdout. */
export function python(code: string, args: string[] = []): string {
  const res = spawnSync('/usr/bin/python3', ['-c', code, ...args], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`python failed: ${res.stderr}`);
  return res.stdout;
}

/**
 * Area (m²) of the ellipsoid band between two latitudes over dLonDeg degrees of longitude, by
 * Simpson's rule on the area element a²(1 - e²) cos φ / (1 - e² sin² φ)² dφ dλ (not the closed form).
 */
export function ellipsoidBandAreaM2(latADeg: number, latBDeg: number, dLonDeg: number, a: number, invFlattening: number, intervals = 64): number {
  const f = 1 / invFlattening;
  const e2 = f * (2 - f);
  const rad = Math.PI / 180;
  const lo = Math.min(latADeg, latBDeg) * rad;
  const hi = Math.max(latADeg, latBDeg) * rad;
  const g = (phi: number) => (a * a * (1 - e2) * Math.cos(phi)) / (1 - e2 * Math.sin(phi) ** 2) ** 2;
  const h = (hi - lo) / intervals;
  let s = g(lo) + g(hi);
  for (let i = 1; i < intervals; i++) s += (i % 2 ? 4 : 2) * g(lo + i * h);
  return ((s * h) / 3) * dLonDeg * rad;
}

/** Sum of Map values. */
export function total(m: Map<unknown, number>): number {
  let s = 0;
  for (const v of m.values()) s += v;
  return s;
}

/**
 * Every stderr line is a warning matching one of `allowed` (and each pattern is matched by at
 * least one line when `required`): runs whose inputs legitimately raise warnings, with nothing
 * else said.
 */
export function expectOnlyWarnings(stderr: string, allowed: RegExp[], required = true): void {
  const lines = stderr.split('\n').filter((l) => l !== '');
  for (const line of lines) {
    if (!line.startsWith('warning: ') || !allowed.some((re) => re.test(line))) {
      throw new Error(`unexpected stderr line: ${line}`);
    }
  }
  if (required) for (const re of allowed) if (!lines.some((l) => re.test(l))) throw new Error(`expected a warning matching ${re}`);
}

/** The warning of zones that reach past the raster's edge (the demo's two eastern counties do). */
export const PARTLY_OUTSIDE = /zone\(s\) extend beyond the raster extent/;

/** The warning of --unmapped zero, listing the codes counted at 0. */
export const UNMAPPED_ZERO = /--unmapped zero: \d+ class code\(s\) without a coefficient were counted at 0/;
