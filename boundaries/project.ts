import proj4 from '../rasters/proj4.js';
import type { Position } from 'geojson';
import { UserError } from '../pipeline/errors.js';
import { sameCrs, type Crs } from '../rasters/crs.js';
import type { Grid } from '../rasters/grid.js';
import { packZoneGeometry, type ZoneGeometry } from './zone-geometry.js';
import type { ZoneSet } from './read-zones.js';

/**
 * Reproject every ring once to the raster CRS and on to the grid's pixel space, where the
 * scanline code works. For the centre rule, pixel x is computed as GDAL does through the
 * inverse geotransform (-originX / cellWidth + x * (1 / cellWidth)), so crossings round exactly
 * as gdal_rasterize's do; for exact coverage as (x - originX) / cellWidth, which keeps
 * vertices on cell edges exactly on them.
 *
 * Rings are oriented so that outer rings have positive and holes negative signed area in pixel
 * space; the signed sum over a zone's rings is then its area in cells.
 */
export function projectZones(set: ZoneSet, crs: Crs, grid: Grid, shared = true, pixelRule: 'gdal' | 'exact' = 'gdal'): ZoneGeometry {
  const transform = sameCrs(set.crs, crs) ? null : proj4(set.crs.proj4, crs.proj4);
  const rings = set.zones.map((zone) => {
    const out: number[][] = [];
    for (const polygon of zone.polygons) {
      polygon.forEach((ring, k) => {
        const flat = projectRing(ring, transform, set.path, zone.id);
        if (flat.length < 6) return;
        const area = signedArea(flat);
        if (area === 0) return;
        // k = 0 is the outer ring, the rest are holes.
        if ((k === 0) !== (area > 0)) reverseRing(flat);
        out.push(flat);
      });
    }
    return out;
  });
  return packZoneGeometry(rings.map((zone) => zone.map((ring) => toPixels(ring, grid, pixelRule))), shared);
}

function projectRing(ring: Position[], transform: proj4.Converter | null, path: string, zoneId: string): number[] {
  const n = ring.length > 1 && samePoint(ring[0]!, ring[ring.length - 1]!) ? ring.length - 1 : ring.length;
  const flat = new Array<number>(2 * n);
  for (let i = 0; i < n; i++) {
    const p = ring[i]!;
    let x = Number(p[0]);
    let y = Number(p[1]);
    if (transform) [x, y] = transform.forward([x, y]) as [number, number];
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw new UserError(`${path}: zone ${zoneId} has a vertex (${p.join(', ')}) that cannot be projected to the raster's CRS. Check the zones' CRS (.prj, GeoJSON "crs" member, or lon/lat by default).`);
    }
    flat[2 * i] = x;
    flat[2 * i + 1] = y;
  }
  return flat;
}

function toPixels(ring: number[], grid: Grid, rule: 'gdal' | 'exact'): number[] {
  const out = new Array<number>(ring.length);
  if (rule === 'exact') {
    for (let i = 0; i < ring.length; i += 2) {
      out[i] = (ring[i]! - grid.originX) / grid.cellWidth;
      out[i + 1] = (grid.originY - ring[i + 1]!) / grid.cellHeight;
    }
    return out;
  }
  // The inverse geotransform, term for term as GDALInvGeoTransform builds it.
  const ix0 = -grid.originX / grid.cellWidth;
  const ix1 = 1 / grid.cellWidth;
  const iy0 = grid.originY / grid.cellHeight;
  const iy1 = 1 / -grid.cellHeight;
  for (let i = 0; i < ring.length; i += 2) {
    out[i] = ix0 + ring[i]! * ix1;
    out[i + 1] = iy0 + ring[i + 1]! * iy1;
  }
  return out;
}

function samePoint(a: Position, b: Position): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

/** Shoelace area in map orientation (y up): positive for counter-clockwise rings. */
function signedArea(flat: number[]): number {
  let s = 0;
  const n = flat.length;
  for (let i = 0, j = n - 2; i < n; j = i, i += 2) s += (flat[j]! - flat[i]!) * (flat[j + 1]! + flat[i + 1]!);
  return s / 2;
}

function reverseRing(flat: number[]): void {
  for (let i = 0, j = flat.length - 2; i < j; i += 2, j -= 2) {
    const x = flat[i]!; const y = flat[i + 1]!;
    flat[i] = flat[j]!; flat[i + 1] = flat[j + 1]!;
    flat[j] = x; flat[j + 1] = y;
  }
}
