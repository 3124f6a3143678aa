import { describe, it, expect } from 'vitest';
import { cellAreaModel } from '../rasters/cell-area.js';
import { crsFromProj4 } from '../rasters/crs.js';
import type { Grid } from '../rasters/grid.js';
import { openRaster } from '../rasters/open.js';
import { ellipsoidBandAreaM2, realFile } from './helpers.js';

const CAS_ALBERS = '+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +ellps=krass +units=m +no_defs';
const grid = (cellWidth: number, cellHeight: number): Grid => ({ originX: -293904.0586, originY: 3433034.9214, cellWidth, cellHeight, cols: 10, rows: 10 });
const WGS84_A = 6378137;
const WGS84_INV_F = 298.257223563;

describe('cellAreaModel: equal-area grids', () => {
  it('constant |width x height| / 1e4 ha: 300 m cells are 9 ha, 30 m cells 0.09 ha, 30 x 25 m cells 0.075 ha', () => {
    const crs = crsFromProj4(CAS_ALBERS);
    for (const [w, h, ha] of [[300, 300, 9], [30, 30, 0.09], [30, 25, 0.075], [25.525, 25.525, (25.525 * 25.525) / 1e4]] as const) {
      const m = cellAreaModel(crs, grid(w, h));
      expect(m.kind).toBe('equal-area');
      expect(m.constantHa).toBe(ha);
      expect(m.haForRow(0)).toBe(ha);
      expect(m.haForRow(9)).toBe(ha);
    }
  });

  it('converts cell sizes in US survey feet to metres', () => {
    const m = cellAreaModel(crsFromProj4(CAS_ALBERS.replace('+units=m', '+units=us-ft')), grid(100, 100));
    const ftM = 1200 / 3937;
    expect(m.constantHa! / ((100 * ftM) ** 2 / 1e4)).toBeCloseTo(1, 12);
  });

  it('a projection that does not preserve area is "nominal", never "equal-area"', () => {
    const m = cellAreaModel(crsFromProj4('+proj=tmerc +lat_0=0 +lon_0=-111 +k=0.9996 +x_0=500000 +ellps=GRS80 +units=m +no_defs'), grid(31.5, 31.5));
    expect(m.kind).toBe('nominal');
    expect(m.constantHa).toBe((31.5 * 31.5) / 1e4);
    expect(m.about).toMatch(/does not preserve area/);
  });
});

describe('cellAreaModel: geographic grids (ellipsoidal area per row)', () => {
  it('the real CORINE São Miguel grid: every row equals the numerically integrated ellipsoid band to 1e-9', async () => {
    const path = realFile('exactextractr-sao_miguel/clc2018_v2020_20u1.tif');
    if (!path) return;
    const info = await openRaster(path);
    const g = info.grid;
    expect([g.cols, g.rows]).toEqual([3840, 1920]);
    const m = cellAreaModel(info.crs, g);
    expect(m.kind).toBe('geographic');
    expect(m.constantHa).toBeNull();
    expect(g.cellWidth).toBeCloseTo(1 / 4800, 12);
    expect(g.cellHeight).toBeCloseTo(1 / 4800, 12);
    expect([g.originX, g.originY]).toEqual([-25.9, 38]);
    let worst = 0;
    let minM2 = Infinity;
    let maxM2 = -Infinity;
    for (let row = 0; row < g.rows; row++) {
      const latTop = g.originY - row * g.cellHeight;
      const expectedM2 = ellipsoidBandAreaM2(latTop, latTop - g.cellHeight, g.cellWidth, WGS84_A, WGS84_INV_F);
      worst = Math.max(worst, Math.abs(m.haForRow(row) * 1e4 / expectedM2 - 1));
      minM2 = Math.min(minM2, expectedM2);
      maxM2 = Math.max(maxM2, expectedM2);
    }
    expect(worst).toBeLessThan(1e-9);
    // SOURCES.md: "cell area 423.1–425.4 m²" (the grid spans lat 37.6-38.0)
    expect(minM2).toBeCloseTo(423.1, 1);
    expect(maxM2).toBeCloseTo(425.4, 1);
    // cells shrink towards the pole: row 0 (north) is the smallest
    expect(m.haForRow(0)).toBeLessThan(m.haForRow(g.rows - 1));
  });

  it('a 1 x 1 degree cell at the equator: 12,308.8 km² on WGS84 (independent integration)', () => {
    const m = cellAreaModel(crsFromProj4('+proj=longlat +datum=WGS84 +no_defs'), { originX: 0, originY: 1, cellWidth: 1, cellHeight: 1, cols: 1, rows: 2 });
    const expected = ellipsoidBandAreaM2(1, 0, 1, WGS84_A, WGS84_INV_F) / 1e4;
    expect(m.haForRow(0) / expected - 1).toBeLessThan(1e-9);
    expect(m.haForRow(0) / 100).toBeCloseTo(12308.8, 0); // km²
    // row 1 lies south of the equator, mirror image of row 0
    expect(m.haForRow(1) / m.haForRow(0)).toBeCloseTo(1, 12);
  });
});
