import { describe, it, expect } from 'vitest';
import { centerSpans } from '../boundaries/center-spans.js';
import { EDGE_STRIDE, firstEdgeFrom, zoneEdges } from '../boundaries/edges.js';
import { Spans } from '../boundaries/spans.js';
import { packZoneGeometry, zoneArea, zoneCount } from '../boundaries/zone-geometry.js';
import type { Window } from '../rasters/grid.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { gdalAvailable, gdalNumpyCounts, python, readCsv, runCli, tmpDir } from './helpers.js';

// Pixel space: (0, 0) is the top-left corner of cell (row 0, col 0), y grows downwards; the
// centre of cell (row, col) is (col + 0.5, row + 0.5).

/** Cells ("row,col" in grid coordinates) covered by the centre rule, each listed once per span that holds it. */
function cellsOf(rings: number[][], w: Window): string[] {
  const g = packZoneGeometry([rings], false);
  const spans = new Spans();
  centerSpans(zoneEdges(g, 0), w, spans);
  const cells: string[] = [];
  for (let k = 0; k < spans.count; k++) {
    expect(spans.weights[k]).toBe(1);
    const row = spans.runs[3 * k]! + w.row0;
    for (let c = spans.runs[3 * k + 1]!; c < spans.runs[3 * k + 2]!; c++) cells.push(`${row},${c + w.col0}`);
  }
  return cells.sort();
}

const grid = (rows: number, cols: number): Window => ({ row0: 0, col0: 0, rows, cols });
const reversed = (ring: number[]): number[] => {
  const out: number[] = [];
  for (let i = ring.length - 2; i >= 0; i -= 2) out.push(ring[i]!, ring[i + 1]!);
  return out;
};

// Square with corners on cell centres: (0.5, 0.5)-(2.5, 2.5) over a 3 x 3 grid.
// Rows: an edge crosses row centre dy when y1 <= dy < y2, so dy = 0.5 and 1.5 cross the
// vertical sides and dy = 2.5 does not. Columns: crossings x = 0.5 and 2.5 round with
// floor(x + 0.5) to 1 and 3, so the run is [1, 3): centres on the left side are out, centres
// on the right side are in. And the bottom edge lies exactly on row centre 2.5: gdal_rasterize
// burns such an edge on north-up rasters, so row 2 is in too: rows 0-2 x cols 1-2, 6 cells
// (checked below against gdal.RasterizeLayer on a north-up grid). Rings are given as the
// pipeline orients them (projectZones): interior on the left of travel in pixel space (y down).
const SQUARE = [0.5, 0.5, 0.5, 2.5, 2.5, 2.5, 2.5, 0.5];
const SQUARE_CELLS = ['0,1', '0,2', '1,1', '1,2', '2,1', '2,2'];

// Right triangle (0, 0), (4, 0), (0, 4) in a 4 x 4 grid: row r's hypotenuse crossing is
// x = 4 - (r + 0.5), rounded to floor(4.5 - r - 0.5 + 0.5) = 4 - r, so row r holds cols [0, 4 - r).
const TRIANGLE = [0, 0, 4, 0, 0, 4];
const TRIANGLE_CELLS = ['0,0', '0,1', '0,2', '0,3', '1,0', '1,1', '1,2', '2,0', '2,1', '3,0'];

// Square (0.2..3.8) with a hole (1.2..2.8) in a 4 x 4 grid: outer crossings round to 0 and 4,
// hole crossings (rows 1 and 2 only) to 1 and 3: a ring of 12 cells around a 2 x 2 hole.
const FRAME = [0.2, 0.2, 3.8, 0.2, 3.8, 3.8, 0.2, 3.8];
const FRAME_HOLE = [1.2, 1.2, 1.2, 2.8, 2.8, 2.8, 2.8, 1.2];
const FRAME_CELLS = ['0,0', '0,1', '0,2', '0,3', '1,0', '1,3', '2,0', '2,3', '3,0', '3,1', '3,2', '3,3'];

describe('centerSpans (centre rule, GDAL rounding)', () => {
  it('square on cell centres: rows 0-2 x cols 1-2 (bottom edge on a row centre burns, as in GDAL), each cell once', () => {
    expect(cellsOf([SQUARE], grid(3, 3))).toEqual(SQUARE_CELLS);
  });

  it('triangle: row r holds columns [0, 4 - r), 10 cells', () => {
    expect(cellsOf([TRIANGLE], grid(4, 4))).toEqual(TRIANGLE_CELLS);
    expect(cellsOf([reversed(TRIANGLE)], grid(4, 4))).toEqual(TRIANGLE_CELLS);
  });

  it('polygon with a hole: the 12 cells around the 2 x 2 hole', () => {
    expect(cellsOf([FRAME, FRAME_HOLE], grid(4, 4))).toEqual(FRAME_CELLS);
    expect(cellsOf([reversed(FRAME), reversed(FRAME_HOLE)], grid(4, 4))).toEqual(FRAME_CELLS);
  });

  it('window offset: spans are window-relative and give the same cells as the full grid', () => {
    // Triangle (0,0),(8,0),(0,8) on an 8 x 8 grid: row r holds cols [0, 8 - r).
    const big = [0, 0, 8, 0, 0, 8];
    const full = cellsOf([big], grid(8, 8));
    expect(full).toHaveLength(36);
    const w: Window = { row0: 2, col0: 3, rows: 3, cols: 4 };
    const inWindow = full.filter((c) => {
      const [r, k] = c.split(',').map(Number) as [number, number];
      return r >= 2 && r < 5 && k >= 3 && k < 7;
    });
    // row 2: cols 3..5, row 3: cols 3..4, row 4: col 3
    expect(inWindow).toEqual(['2,3', '2,4', '2,5', '3,3', '3,4', '4,3']);
    expect(cellsOf([big], w)).toEqual(inWindow);
    // and the raw runs are relative to the window: row 0 of the window is grid row 2, from col 0 = grid col 3
    const spans = new Spans();
    centerSpans(zoneEdges(packZoneGeometry([[big]], false), 0), w, spans);
    expect(Array.from(spans.runs.subarray(0, 3 * spans.count))).toEqual([0, 0, 3, 1, 0, 2, 2, 0, 1]);
  });

  it('clips runs at the window edges: a polygon larger than the window fills it exactly', () => {
    const huge = [-10.3, -7.9, 20.1, -7.9, 20.1, 30.2, -10.3, 30.2];
    const w: Window = { row0: 5, col0: 7, rows: 2, cols: 3 };
    expect(cellsOf([huge], w)).toEqual(['5,7', '5,8', '5,9', '6,7', '6,8', '6,9']);
  });

  it('a polygon entirely outside the window gives 0 spans', () => {
    const spans = new Spans();
    const w: Window = { row0: 0, col0: 0, rows: 4, cols: 4 };
    for (const ring of [[10, 10, 12, 10, 12, 12], [-5, 1, -1, 1, -1, 3], [1, 6, 3, 6, 3, 9], [1, -9, 3, -9, 3, -4.6]]) {
      centerSpans(zoneEdges(packZoneGeometry([[ring]], false), 0), w, spans);
      expect(spans.count).toBe(0);
    }
  });

  it('matches gdal.RasterizeLayer (GDAL 3.6, north-up grid) cell for cell on the hand-made shapes', () => {
    if (!gdalAvailable()) return;
    const shapes = [
      { rings: [SQUARE], n: 3 }, { rings: [TRIANGLE], n: 4 }, { rings: [FRAME, FRAME_HOLE], n: 4 },
    ];
    // Map y = n - pixel y: the grid is north-up, as every real raster is.
    const wkt = shapes.map(({ rings, n }) => `POLYGON(${rings.map((r) => {
      const pts: string[] = [];
      for (let i = 0; i < r.length; i += 2) pts.push(`${r[i]} ${n - r[i + 1]!}`);
      return `(${[...pts, pts[0]].join(',')})`;
    }).join(',')})`);
    const out = python(`
import sys, json
from osgeo import gdal, ogr
gdal.UseExceptions()
res = []
for wkt, n in json.loads(sys.argv[1]):
    ds = gdal.GetDriverByName('MEM').Create('', n, n, 1, gdal.GDT_Byte)
    ds.SetGeoTransform((0, 1, 0, n, 0, -1))
    src = ogr.GetDriverByName('Memory').CreateDataSource('')
    lyr = src.CreateLayer('z')
    f = ogr.Feature(lyr.GetLayerDefn()); f.SetGeometry(ogr.CreateGeometryFromWkt(wkt)); lyr.CreateFeature(f)
    gdal.RasterizeLayer(ds, [1], lyr, burn_values=[1])
    a = ds.ReadAsArray()
    res.append(sorted(f'{r},{c}' for r in range(n) for c in range(n) if a[r, c]))
print(json.dumps(res))
`, [JSON.stringify(shapes.map((s, i) => [wkt[i], s.n]))]);
    const gdalCells = JSON.parse(out.trim().split('\n').at(-1)!) as string[][];
    shapes.forEach((s, i) => expect(cellsOf(s.rings, grid(s.n, s.n)), `shape ${i}`).toEqual(gdalCells[i]));
  });
});

describe('zoneEdges', () => {
  it('orients sloped edges downwards with their ring direction, sorts them by top, keeps right-to-left horizontals', () => {
    const e = zoneEdges(packZoneGeometry([[TRIANGLE]], false), 0);
    // edges: (0,4)->(0,0) up, (0,0)->(4,0) flat, (4,0)->(0,4) down
    expect(e.slopedCount).toBe(2);
    // (0,0)->(4,0) runs left to right: the direction of a bottom edge in the orientation the
    // pipeline gives rings, so it is kept.
    expect(e.flatCount).toBe(1);
    expect(Array.from(e.flat)).toEqual([0, 4, 0]);
    const rows = [0, 1].map((i) => Array.from(e.sloped.subarray(EDGE_STRIDE * i, EDGE_STRIDE * i + 5)));
    expect(rows).toContainEqual([0, 0, 0, 4, -1]);
    expect(rows).toContainEqual([4, 0, 0, 4, 1]);
    expect(e.maxHeight).toBe(4);
  });

  it('firstEdgeFrom finds the first edge whose top is at or below y', () => {
    // three separate triangles with tops at y = 0, 5 and 10 (two sloped edges each)
    const rings = [[0, 0, 1, 2, 0, 2], [0, 5, 1, 7, 0, 7], [0, 10, 1, 12, 0, 12]];
    const e = zoneEdges(packZoneGeometry([rings], false), 0);
    expect(e.slopedCount).toBe(6);
    expect(firstEdgeFrom(e, -1)).toBe(0);
    expect(firstEdgeFrom(e, 0)).toBe(0);
    expect(firstEdgeFrom(e, 0.1)).toBe(2);
    expect(firstEdgeFrom(e, 5)).toBe(2);
    expect(firstEdgeFrom(e, 10)).toBe(4);
    expect(firstEdgeFrom(e, 10.5)).toBe(6);
  });
});

describe('packZoneGeometry / zoneArea', () => {
  const UNIT = [0, 0, 1, 0, 1, 1, 0, 1];
  const HOLE = [0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75, 0.25];

  it('packs zones, rings and bounding boxes into flat arrays', () => {
    const g = packZoneGeometry([[UNIT, HOLE], [TRIANGLE]], false);
    expect(zoneCount(g)).toBe(2);
    expect(Array.from(g.zoneRing)).toEqual([0, 2, 3]);
    expect(Array.from(g.ringStart)).toEqual([0, 4, 8, 11]);
    expect(Array.from(g.coords.subarray(0, 22))).toEqual([...UNIT, ...HOLE, ...TRIANGLE]);
    expect(Array.from(g.bbox)).toEqual([0, 0, 1, 1, 0, 0, 4, 4]);
    expect(packZoneGeometry([[UNIT]]).coords.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('unit square with a quarter-area hole (opposite orientation): 0.75', () => {
    expect(zoneArea(packZoneGeometry([[UNIT, HOLE]], false), 0)).toBe(0.75);
    expect(zoneArea(packZoneGeometry([[reversed(UNIT), reversed(HOLE)]], false), 0)).toBe(0.75);
    expect(zoneArea(packZoneGeometry([[UNIT]], false), 0)).toBe(1);
    expect(zoneArea(packZoneGeometry([[TRIANGLE]], false), 0)).toBe(8);
  });

  it('adds rings by orientation: a hole given in the outer ring\'s direction is not subtracted', () => {
    // zoneArea trusts orientation (projectZones orients every ring); nesting is not inspected.
    expect(zoneArea(packZoneGeometry([[UNIT, reversed(HOLE)]], false), 0)).toBe(1.25);
  });
});

describe('centre rule end to end (CLI)', () => {
  const tmp = tmpDir('center-spans-cli');
  afterAll(tmp.cleanup);

  it('a zone whose edges lie exactly on row centres counts each cell once, as gdal_rasterize does', () => {
    if (!gdalAvailable()) return;
    // 4 x 4 one-degree lon/lat grid from (0, 4), every cell class 1. The zone lon 0.5-2.5 x
    // lat 1.5-3.5 is the SQUARE above in pixel space: rows 0-2 x cols 1-2, 6 cells.
    const tif = join(tmp.dir, 'ones.tif');
    python(`
import sys, numpy as np
from osgeo import gdal, osr
ds = gdal.GetDriverByName('GTiff').Create(sys.argv[1], 4, 4, 1, gdal.GDT_Byte)
ds.SetGeoTransform((0, 1, 0, 4, 0, -1))
srs = osr.SpatialReference(); srs.ImportFromEPSG(4326); ds.SetProjection(srs.ExportToWkt())
b = ds.GetRasterBand(1); b.SetNoDataValue(0); b.WriteArray(np.ones((4, 4), np.uint8))
ds = None
`, [tif]);
    const zones = join(tmp.dir, 'square.geojson');
    const ring = [[0.5, 1.5], [2.5, 1.5], [2.5, 3.5], [0.5, 3.5], [0.5, 1.5]];
    writeFileSync(zones, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: 7 }, geometry: { type: 'Polygon', coordinates: [ring] } }] }));
    const coef = join(tmp.dir, 'coef.csv');
    writeFileSync(coef, 'code,name,primary,coefficient_t_ha_yr\n1,one,one,1\n');
    const out = join(tmp.dir, 'out');
    const res = runCli(['run', '--raster', `2000=${tif}`, '--zones', zones, '--coefficients', coef, '--coverage', 'center', '--workers', '1', '--no-rasters', '--quiet', '--out', out]);
    expect(res.status, res.stderr).toBe(0);
    expect(gdalNumpyCounts(tif, zones, 'code', join(tmp.dir, 'gdal.csv')).get('7')?.get(1)).toBe(6);
    const rows = readCsv(readFileSync(join(out, 'zones_classes.csv'), 'utf8'));
    expect(rows.map((r) => Number(r.cells))).toEqual([6]);
  });
});
