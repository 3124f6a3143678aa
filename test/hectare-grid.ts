import { writeFileSync } from 'node:fs';
import proj4 from 'proj4';
import { GeoTiffWriter, casAlbersGeoKeys } from '../output/geotiff-writer.js';

// Fixture builder for tests that need hand-checkable numbers: square rasters of 1-ha cells
// (100 m x 100 m in the CAS Albers equal-area CRS, so every cell is exactly 1 ha) near Chengde,
// and one lon/lat zone that covers the whole raster.

export const CAS_ALBERS = '+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +ellps=krass +units=m +no_defs';
export const CELL_M = 100;
const NODATA = 0;

export interface HectareGrid {
  /** Cells on a side. */
  size: number;
  originX: number;
  originY: number;
}

/** A size x size grid of 1-ha cells whose top-left corner is snapped to 100 m near lon 117.75, lat 41.15. */
export function hectareGrid(size: number): HectareGrid {
  const [cx, cy] = proj4(CAS_ALBERS).forward([117.75, 41.15]) as [number, number];
  return {
    size,
    originX: Math.round((cx - (size * CELL_M) / 2) / CELL_M) * CELL_M,
    originY: Math.round((cy + (size * CELL_M) / 2) / CELL_M) * CELL_M,
  };
}

/** Codes in row-major order (0 = nodata) written as a tiled uint8 GeoTIFF. */
export async function writeHectareRaster(path: string, grid: HectareGrid, codes: Uint8Array): Promise<void> {
  const { size } = grid;
  if (codes.length !== size * size) throw new Error(`writeHectareRaster: ${codes.length} codes for a ${size} x ${size} grid`);
  const tileSize = Math.min(256, Math.ceil(size / 16) * 16);
  const writer = await GeoTiffWriter.create(path, {
    width: size, height: size, sampleType: 'uint8', tileSize,
    originX: grid.originX, originY: grid.originY, cellWidth: CELL_M, cellHeight: CELL_M,
    nodata: NODATA, geoKeys: casAlbersGeoKeys(),
  });
  const tile = new Uint8Array(tileSize * tileSize);
  for (let tr = 0; tr < writer.tilesDown; tr++) {
    for (let tc = 0; tc < writer.tilesAcross; tc++) {
      tile.fill(NODATA);
      for (let r = 0; r < tileSize && tr * tileSize + r < size; r++) {
        for (let c = 0; c < tileSize && tc * tileSize + c < size; c++) {
          tile[r * tileSize + c] = codes[(tr * tileSize + r) * size + tc * tileSize + c]!;
        }
      }
      await writer.writeTile(tr * writer.tilesAcross + tc, tile);
    }
  }
  await writer.finish();
}

/** Codes filled in row-major order from [code, cells] runs; the rest is nodata. */
export function runsToCodes(size: number, runs: [number, number][]): Uint8Array {
  const codes = new Uint8Array(size * size);
  let i = 0;
  for (const [code, cells] of runs) {
    if (i + cells > codes.length) throw new Error(`runsToCodes: ${i + cells} cells do not fit ${size} x ${size}`);
    codes.fill(code, i, i + cells);
    i += cells;
  }
  return codes;
}

/**
 * One zone in lon/lat that contains the whole raster: the raster's outline (densified) taken
 * to lon/lat, its bounding box, widened by a margin, so no cell is cut by the zone's edge.
 */
export function writeCoveringZone(path: string, grid: HectareGrid, id = '130800', name = 'whole raster'): void {
  const toLonLat = proj4(CAS_ALBERS, '+proj=longlat +datum=WGS84 +no_defs');
  const extent = grid.size * CELL_M;
  let minLon = Infinity, maxLon = -Infinity, minLat = Infinity, maxLat = -Infinity;
  for (let k = 0; k <= 64; k++) {
    const t = (k / 64) * extent;
    for (const [x, y] of [[grid.originX + t, grid.originY], [grid.originX + t, grid.originY - extent], [grid.originX, grid.originY - t], [grid.originX + extent, grid.originY - t]] as const) {
      const [lon, lat] = toLonLat.forward([x, y]) as [number, number];
      minLon = Math.min(minLon, lon); maxLon = Math.max(maxLon, lon);
      minLat = Math.min(minLat, lat); maxLat = Math.max(maxLat, lat);
    }
  }
  const m = 0.02;
  const ring = [[minLon - m, minLat - m], [maxLon + m, minLat - m], [maxLon + m, maxLat + m], [minLon - m, maxLat + m], [minLon - m, minLat - m]];
  writeFileSync(path, JSON.stringify({
    type: 'FeatureCollection',
    features: [{ type: 'Feature', properties: { adcode: id, name }, geometry: { type: 'Polygon', coordinates: [ring] } }],
  }));
}

/**
 * The hand-checkable two-class case: 16 x 16 cells of 1 ha, forested land (21) and dry land (12).
 * 2000: 200 ha forest, 56 ha dry land; 2020: 150 ha forest, 106 ha dry land (50 ha forest -> dry land).
 */
const TWO_CLASS = { size: 16, y2000: { 21: 200, 12: 56 }, y2020: { 21: 150, 12: 106 } } as const;

export async function writeTwoClassFixture(dir: string): Promise<{ raster2000: string; raster2020: string; zones: string }> {
  const grid = hectareGrid(TWO_CLASS.size);
  const raster2000 = `${dir}/lucc2000.tif`, raster2020 = `${dir}/lucc2020.tif`, zones = `${dir}/zone.geojson`;
  await writeHectareRaster(raster2000, grid, runsToCodes(TWO_CLASS.size, [[21, TWO_CLASS.y2000[21]], [12, TWO_CLASS.y2000[12]]]));
  await writeHectareRaster(raster2020, grid, runsToCodes(TWO_CLASS.size, [[21, TWO_CLASS.y2020[21]], [12, TWO_CLASS.y2020[12]]]));
  writeCoveringZone(zones, grid);
  return { raster2000, raster2020, zones };
}
