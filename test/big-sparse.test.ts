import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { casAlbersGeoKeys } from '../output/geotiff-writer.js';
import { writeSparseTiff } from './fixtures/sparse-tiff.js';
import { readCsv, runCli, tmpDir } from './helpers.js';

const ALBERS = '+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +ellps=krass +units=m +no_defs';
const tmp = tmpDir('big-sparse');
afterAll(() => tmp.cleanup());

// A national-scale CAS grid: 150,000 x 130,000 cells of 30 m (19.5 G cells), 256-cell tiles,
// of which only a 4 x 4 block near Chengde holds data; all other tiles have byte count 0.
const W = 150_000, H = 130_000, T = 256, CELL = 30;
const ORIGIN_X = -2_600_000, ORIGIN_Y = 5_900_000;
const TILE_COL = 400, TILE_ROW = 300;
const CODES = [21, 12, 51, 43, 22];
/** Class of grid cell (row, col) inside the data block. */
const classAt = (row: number, col: number) => CODES[((row >> 4) + 3 * (col >> 5)) % CODES.length]!;

describe('a raster whose header declares a national grid', () => {
  it('counts a few zones exactly in bounded memory without reading empty tiles', () => {
    const raster = join(tmp.dir, 'national.tif');
    const tiles = [];
    for (let tr = 0; tr < 4; tr++) {
      for (let tc = 0; tc < 4; tc++) {
        const col = TILE_COL + tc, row = TILE_ROW + tr;
        tiles.push({ col, row, value: (r: number, c: number) => classAt(row * T + r, col * T + c) });
      }
    }
    writeSparseTiff(raster, { width: W, height: H, tileSize: T, originX: ORIGIN_X, originY: ORIGIN_Y, cellSize: CELL, nodata: 0, geoKeys: casAlbersGeoKeys(), tiles });
    expect(statSync(raster).size).toBeLessThan(5_000_000);

    // Zones in the raster's own CRS, on cell edges: A inside the data block, B half over empty tiles.
    const x = (col: number) => ORIGIN_X + col * CELL;
    const y = (row: number) => ORIGIN_Y - row * CELL;
    const square = (c0: number, r0: number, c1: number, r1: number) => [[[x(c0), y(r0)], [x(c1), y(r0)], [x(c1), y(r1)], [x(c0), y(r1)], [x(c0), y(r0)]]];
    const a = [TILE_COL * T + 100, TILE_ROW * T + 50, TILE_COL * T + 900, TILE_ROW * T + 700] as const;
    const b = [(TILE_COL + 3) * T + 200, (TILE_ROW + 1) * T, (TILE_COL + 4) * T + 200, (TILE_ROW + 2) * T] as const;
    const zones = join(tmp.dir, 'zones.geojson');
    const feature = (code: number, box: readonly [number, number, number, number]) => ({ type: 'Feature', properties: { code, name: `zone ${code}` }, geometry: { type: 'Polygon', coordinates: square(...box) } });
    writeFileSync(zones, JSON.stringify({ type: 'FeatureCollection', features: [feature(1, a), feature(2, b)] }));

    const out = join(tmp.dir, 'out');
    const r = runCli(['run', '--raster', `2020=${raster}`, '--zones', zones, '--zones-crs', ALBERS, '--coefficients', 'chengde-2024', '--workers', '2', '--no-rasters', '--quiet', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);

    const expected = (box: readonly [number, number, number, number]) => {
      const cells = new Map<number, number>();
      let nodata = 0;
      for (let row = box[1]; row < box[3]; row++) {
        for (let col = box[0]; col < box[2]; col++) {
          const inData = col >= TILE_COL * T && col < (TILE_COL + 4) * T && row >= TILE_ROW * T && row < (TILE_ROW + 4) * T;
          if (!inData) { nodata++; continue; }
          const k = classAt(row, col);
          cells.set(k, (cells.get(k) ?? 0) + 1);
        }
      }
      return { cells, nodata };
    };
    const rows = readCsv(readFileSync(join(out, 'zones_classes.csv'), 'utf8'));
    const zoneRows = readCsv(readFileSync(join(out, 'zones.csv'), 'utf8'));
    for (const [id, box] of [['1', a], ['2', b]] as const) {
      const want = expected(box);
      const got = new Map(rows.filter((x) => x.zone_id === id).map((x) => [Number(x.class_code), Number(x.cells)]));
      expect(got).toEqual(want.cells);
      const z = zoneRows.find((x) => x.zone_id === id)!;
      expect(Number(z.nodata_ha)).toBeCloseTo(want.nodata * 0.09, 6);
    }
    expect(expected(b).nodata).toBeGreaterThan(0);

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    // Only blocks under the zones are decoded: A spans 4 x 3 data tiles, B 2 x 1 tiles of which
    // one holds data (empty tiles are filled without decoding but still counted as blocks).
    expect(summary.blocks_decoded).toBeLessThanOrEqual(20);
    expect(summary.peak_rss_mb).toBeLessThan(1024);
  }, 120_000);
});
