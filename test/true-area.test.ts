import proj4 from 'proj4';
import { describe, expect, it } from 'vitest';
import { windowCellHa } from '../rasters/area-lattice.js';
import { cellAreaModel } from '../rasters/cell-area.js';
import { openRaster } from '../rasters/open.js';
import { realFile } from './helpers.js';

/**
 * Point scale factor of the transverse Mercator on the ellipsoid (Snyder, Map Projections: A
 * Working Manual, eq. 8-11), independent of the lattice code: the projection is conformal, so
 * a cell's true area is its nominal area divided by k^2.
 */
function tmercScale(lonDeg: number, latDeg: number, lon0Deg: number, k0: number, es: number): number {
  const phi = (latDeg * Math.PI) / 180;
  const ep2 = es / (1 - es);
  const A = (((lonDeg - lon0Deg) * Math.PI) / 180) * Math.cos(phi);
  const T = Math.tan(phi) ** 2;
  const C = ep2 * Math.cos(phi) ** 2;
  return k0 * (1 + ((1 + C) * A ** 2) / 2 + ((5 - 4 * T + 42 * C + 13 * C ** 2 - 28 * ep2) * A ** 4) / 24 + ((61 - 148 * T + 16 * T ** 2) * A ** 6) / 720);
}

describe('true cell areas of a projection that does not preserve area (real NLCD, UTM 12N)', () => {
  it('every cell is its nominal area over the squared scale factor, to 1e-7', async () => {
    const path = realFile('spDataLarge-zion/nlcd2011.tif');
    if (!path) return;
    const info = await openRaster(path);
    const g = info.grid;
    const model = cellAreaModel(info.crs, g, 'true', { col0: 0, row0: 0, cols: g.cols, rows: g.rows });
    expect(model.kind).toBe('true');
    expect(model.lattice!.errorBound).toBeLessThan(1e-6);
    const cellHa = new Float64Array(g.cols * g.rows);
    windowCellHa(model.lattice!, { col0: 0, row0: 0, cols: g.cols, rows: g.rows }, cellHa);
    const nominalHa = (g.cellWidth * g.cellHeight) / 1e4;
    const es = 1 - (6356752.314140356 / 6378137) ** 2;
    const toLonLat = proj4(info.crs.proj4, '+proj=longlat +ellps=GRS80 +no_defs');
    let worst = 0;
    let minRatio = Infinity, maxRatio = -Infinity;
    for (const row of [0, 1, 517, g.rows - 1]) {
      for (const col of [0, 3, 640, g.cols - 1]) {
        const [lon, lat] = toLonLat.forward([g.originX + (col + 0.5) * g.cellWidth, g.originY - (row + 0.5) * g.cellHeight]) as [number, number];
        const k = tmercScale(lon, lat, -111, 0.9996, es);
        const expected = nominalHa / (k * k);
        const got = cellHa[row * g.cols + col]!;
        worst = Math.max(worst, Math.abs(got - expected) / expected);
        minRatio = Math.min(minRatio, got / nominalHa);
        maxRatio = Math.max(maxRatio, got / nominalHa);
      }
    }
    expect(worst).toBeLessThan(1e-7);
    // The grid spans 164-198 km west of the central meridian, across UTM's line of true scale
    // (about 180 km): cells are 1.7e-4 smaller than nominal on the west edge, 1.4e-4 larger on the east.
    expect(minRatio).toBeGreaterThan(0.9998);
    expect(minRatio).toBeLessThan(0.9999);
    expect(maxRatio).toBeGreaterThan(1.0001);
    expect(maxRatio).toBeLessThan(1.0002);
  });
});
