import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exactSpans } from '../boundaries/exact-spans.js';
import { zoneEdges } from '../boundaries/edges.js';
import { projectZones } from '../boundaries/project.js';
import { readZones } from '../boundaries/read-zones.js';
import { Spans } from '../boundaries/spans.js';
import { packZoneGeometry, zoneArea, zoneCount, type ZoneGeometry } from '../boundaries/zone-geometry.js';
import type { Window } from '../rasters/grid.js';
import { openRaster } from '../rasters/open.js';
import { gdalAvailable, python, readCsv, realFile, runCli, tmpDir } from './helpers.js';

// Pixel space: (0, 0) is the top-left corner of cell (row 0, col 0), y grows downwards.

/** Coverage fraction of every cell of the window, row-major. */
function coverage(g: ZoneGeometry, zone: number, w: Window): Float64Array {
  const spans = new Spans();
  exactSpans(zoneEdges(g, zone), w, spans);
  const out = new Float64Array(w.rows * w.cols);
  for (let k = 0; k < spans.count; k++) {
    const row = spans.runs[3 * k]!;
    for (let c = spans.runs[3 * k + 1]!; c < spans.runs[3 * k + 2]!; c++) out[row * w.cols + c] += spans.weights[k]!;
  }
  return out;
}

const full = (rows: number, cols: number): Window => ({ row0: 0, col0: 0, rows, cols });
const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
// Rings as projectZones orients them: interior on the left of travel in pixel space.
const ccw = (pts: number[]) => pts;

describe('exact coverage on grids checkable by hand', () => {
  it('a square from 0.5 to 2.5 on a 3 x 3 grid covers corners 1/4, edges 1/2, the centre fully', () => {
    const g = packZoneGeometry([[ccw([0.5, 0.5, 0.5, 2.5, 2.5, 2.5, 2.5, 0.5])]], false);
    expect(Array.from(coverage(g, 0, full(3, 3)))).toEqual([0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25]);
  });

  it('either ring direction gives the same fractions (holes and outers are told apart by orientation)', () => {
    const a = coverage(packZoneGeometry([[[0.5, 0.5, 0.5, 2.5, 2.5, 2.5, 2.5, 0.5]]], false), 0, full(3, 3));
    const b = coverage(packZoneGeometry([[[0.5, 0.5, 2.5, 0.5, 2.5, 2.5, 0.5, 2.5]]], false), 0, full(3, 3));
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('a zone smaller than a cell gets its true area', () => {
    const g = packZoneGeometry([[[1.2, 1.1, 1.2, 1.4, 1.6, 1.4, 1.6, 1.1]]], false);
    const cov = coverage(g, 0, full(3, 3));
    // Weights are multiples of 2^-36 (WEIGHT_QUANTUM): exact to 1e-11 of a cell.
    expect(Math.abs(cov[4]! - 0.12)).toBeLessThan(1e-11);
    expect(Math.abs(sum(cov) - 0.12)).toBeLessThan(1e-11);
  });

  it('a triangle and a square with a hole: covered cells add up to the polygon area', () => {
    const tri = packZoneGeometry([[[0.3, 0.2, 3.7, 3.9, 3.1, 0.4]]], false);
    expect(sum(coverage(tri, 0, full(4, 4)))).toBeCloseTo(zoneArea(tri, 0), 10);
    const frame = packZoneGeometry([[[0.2, 0.2, 0.2, 3.8, 3.8, 3.8, 3.8, 0.2], [1.2, 1.2, 2.8, 1.2, 2.8, 2.8, 1.2, 2.8]]], false);
    const cov = coverage(frame, 0, full(4, 4));
    expect(sum(cov)).toBeCloseTo(3.6 * 3.6 - 1.6 * 1.6, 10);
    // Cell (1, 1) is [1, 2] x [1, 2]; the hole takes its [1.2, 2] x [1.2, 2] corner.
    expect(cov[1 * 4 + 1]).toBeCloseTo(1 - 0.8 * 0.8, 10);
  });

  it('the same fractions whatever window cuts the grid (windows share nothing but the edges)', () => {
    const ring = [0.3, 0.2, 0.9, 7.7, 7.6, 7.1, 5.2, 3.3, 7.9, 0.1, 4.4, 2.2];
    const g = packZoneGeometry([[ring]], false);
    const whole = coverage(g, 0, full(8, 8));
    const pieced = new Float64Array(64);
    for (const [row0, col0] of [[0, 0], [0, 3], [5, 0], [5, 3]] as const) {
      const w: Window = { row0, col0, rows: row0 === 0 ? 5 : 3, cols: col0 === 0 ? 3 : 5 };
      const part = coverage(g, 0, w);
      for (let r = 0; r < w.rows; r++) for (let c = 0; c < w.cols; c++) pieced[(row0 + r) * 8 + col0 + c] = part[r * w.cols + c]!;
    }
    // Identical cell for cell: weights are rounded to 2^-36, which absorbs the last-bit
    // differences between windows.
    expect(Array.from(pieced)).toEqual(Array.from(whole));
    expect(sum(whole)).toBeCloseTo(zoneArea(g, 0), 9);
  });
});

describe('exact coverage of the real Chongqing counties (shared borders)', () => {
  const tmp = tmpDir('exact-real');
  afterAll(tmp.cleanup);
  const raster = realFile('resdc-landuse-sichuan-chongqing-300m/landuse2000.tif');
  const zonesPath = realFile('datav-gmap/500000.json');

  it('per cell, the counties cover at most 1, exactly 1 inside their union, and each its polygon area', async () => {
    if (!raster || !zonesPath) return;
    const info = await openRaster(raster);
    const zones = await readZones(zonesPath);
    const g = projectZones(zones, info.crs, info.grid, false, 'exact');
    const w = full(info.grid.rows, info.grid.cols);
    const total = new Float64Array(w.rows * w.cols);
    let inside = 0;
    for (let z = 0; z < zoneCount(g); z++) {
      const cov = coverage(g, z, w);
      let zoneSum = 0;
      for (let i = 0; i < cov.length; i++) { total[i] += cov[i]!; zoneSum += cov[i]!; }
      const [minX, minY, maxX, maxY] = Array.from(g.bbox.subarray(4 * z, 4 * z + 4));
      if (minX! >= 0 && minY! >= 0 && maxX! <= w.cols && maxY! <= w.rows) {
        inside++;
        expect(Math.abs(zoneSum - zoneArea(g, z)) / zoneArea(g, z)).toBeLessThan(1e-11);
      }
    }
    expect(inside).toBeGreaterThan(20);
    // The union: every ring of every county as one zone; shared borders cancel out.
    const all: number[][] = [];
    for (let z = 0; z < zoneCount(g); z++) {
      for (let r = g.zoneRing[z]!; r < g.zoneRing[z + 1]!; r++) all.push(Array.from(g.coords.subarray(2 * g.ringStart[r]!, 2 * g.ringStart[r + 1]!)));
    }
    const union = coverage(packZoneGeometry([all], false), 0, w);
    let worstOver = 0, worstGap = 0, interior = 0;
    for (let i = 0; i < total.length; i++) {
      worstOver = Math.max(worstOver, total[i]! - 1);
      if (union[i] === 1) { interior++; worstGap = Math.max(worstGap, Math.abs(1 - total[i]!)); }
    }
    expect(worstOver).toBeLessThan(1e-9);
    expect(worstGap).toBeLessThan(1e-9);
    expect(interior).toBeGreaterThan(500_000);
  });

  it("a county's area_ha equals OGR's area of its polygon in the raster CRS", () => {
    if (!raster || !zonesPath || !gdalAvailable()) return;
    const fc = join(tmp.dir, 'cq.geojson');
    writeFileSync(fc, JSON.stringify({ type: 'FeatureCollection', features: JSON.parse(readFileSync(zonesPath, 'utf8')) }));
    const coef = join(tmp.dir, 'coef.csv');
    writeFileSync(coef, 'code,name,primary,coefficient_t_ha_yr\n1,a,a,1\n2,b,b,1\n3,c,c,1\n4,d,d,1\n5,e,e,1\n6,f,f,1\n');
    const out = join(tmp.dir, 'out');
    const r = runCli(['run', '--raster', `2000=${raster}`, '--zones', fc, '--coefficients', coef, '--workers', '2', '--no-rasters', '--no-report', '--quiet', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const ogr = JSON.parse(python(`
import sys, json
from osgeo import ogr, osr
src = osr.SpatialReference(); src.ImportFromEPSG(4326); src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
dst = osr.SpatialReference(); dst.ImportFromProj4('+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +ellps=krass +units=m +no_defs')
dst.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
ct = osr.CoordinateTransformation(src, dst)
ds = ogr.Open(sys.argv[1]); out = {}
for f in ds.GetLayer(0):
    g = f.GetGeometryRef().Clone(); g.Transform(ct); out[str(f['adcode'])] = g.GetArea() / 1e4
print(json.dumps(out))
`, [fc]).trim().split('\n').at(-1)!) as Record<string, number>;
    // Counties wholly inside the raster's extent; the rest are cut by it.
    const inside = ['500103', '500104', '500105', '500106', '500107', '500108', '500112', '500113'];
    const zones = readCsv(readFileSync(join(out, 'zones.csv'), 'utf8'));
    for (const id of inside) {
      const z = zones.find((row) => row.zone_id === id)!;
      const ours = Number(z.area_ha) + Number(z.nodata_ha);
      expect(Math.abs(ours - ogr[id]!) / ogr[id]!, id).toBeLessThan(1e-6);
    }
  });
});
