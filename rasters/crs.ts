import proj4 from './proj4.js';
import geokeysToProj4 from 'geotiff-geokeys-to-proj4';

/** A coordinate reference system as the pipeline uses it: a clean proj4 string plus its kind. */
export interface Crs {
  /** proj4 definition in easting/northing (x = lon, y = lat for geographic) order. */
  readonly proj4: string;
  readonly isGeographic: boolean;
  /** True for projections that preserve area (Albers, LAEA, cylindrical equal-area...). */
  readonly isEqualArea: boolean;
}

const EQUAL_AREA = new Set(['aea', 'laea', 'cea', 'moll', 'sinu', 'eqearth', 'hammer', 'igh', 'eck4', 'eck6']);

/**
 * Drop what proj4js must not see: `+axis=ne`, which geotiff-geokeys-to-proj4 emits for CRS whose
 * EPSG axis order is northing-first, while GeoTIFF model space is always easting/northing
 * (GDAL's traditional GIS order); and stray bare tokens such as the second `0` of `+pm=0 0`.
 */
export function cleanProj4(def: string): string {
  return def
    .split(/\s+/)
    .filter((t) => t.startsWith('+') && !t.startsWith('+axis='))
    .join(' ');
}

export function crsFromProj4(def: string): Crs {
  const clean = cleanProj4(def);
  const projName = shortName(proj4.Proj(clean));
  return {
    proj4: clean,
    isGeographic: projName === 'longlat' || projName === 'latlong' || projName === 'identity',
    isEqualArea: EQUAL_AREA.has(projName),
  };
}

/** proj4js keeps the name it was given ("Transverse_Mercator" from WKT); use its short code. */
function shortName(p: unknown): string {
  const names = (p as { names?: string[] }).names ?? [];
  return names.find((n) => /^[a-z]+$/.test(n)) ?? String((p as { projName?: string }).projName ?? '');
}

export interface GeoKeyResult {
  crs: Crs | null;
  problem?: string;
}

/** CRS from a GeoTIFF's GeoKeys (as returned by geotiff.js `image.getGeoKeys()`). */
export function crsFromGeoKeys(geoKeys: Record<string, unknown> | null | undefined): GeoKeyResult {
  if (!geoKeys || Object.keys(geoKeys).length === 0) return { crs: null, problem: 'no GeoKeys' };
  const model = geoKeys.GTModelTypeGeoKey;
  if (model !== 1 && model !== 2 && geoKeys.ProjectedCSTypeGeoKey === undefined && geoKeys.GeographicTypeGeoKey === undefined) {
    return { crs: null, problem: 'GeoKeys name no projected or geographic CRS' };
  }
  let def: string;
  try {
    def = geokeysToProj4.toProj4(geoKeys as unknown as geokeysToProj4.GeoKeys).proj4;
  } catch (err) {
    return { crs: null, problem: `GeoKeys could not be converted (${(err as Error).message})` };
  }
  try {
    return { crs: crsFromProj4(def) };
  } catch (err) {
    return { crs: null, problem: `proj4 cannot use "${def}" (${(err as Error).message})` };
  }
}

type ProjParams = Record<string, unknown>;
const COMPARED = ['lat0', 'lat1', 'lat2', 'lat_ts', 'long0', 'longc', 'alpha', 'k0', 'x0', 'y0', 'a', 'es', 'to_meter', 'zone', 'utmSouth', 'from_greenwich'];

/** proj4js leaves a parameter undefined where PROJ assumes its default. */
const DEFAULTS: Record<string, unknown> = { lat0: 0, lat_ts: 0, long0: 0, x0: 0, y0: 0, k0: 1, to_meter: 1, from_greenwich: 0 };

function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * Two CRS are the same when their projection parameters are equal, whatever they are called
 * (the real CAS 2010 file names its Albers differently from the other epochs).
 */
export function sameCrs(a: Crs, b: Crs): boolean {
  if (a.proj4 === b.proj4) return true;
  const pa = proj4.Proj(a.proj4) as unknown as ProjParams;
  const pb = proj4.Proj(b.proj4) as unknown as ProjParams;
  if (shortName(pa) !== shortName(pb)) return false;
  for (const key of COMPARED) {
    const va = pa[key];
    const vb = pb[key];
    const na = va ?? DEFAULTS[key];
    const nb = vb ?? DEFAULTS[key];
    if (typeof na === 'number' && typeof nb === 'number') {
      if (!near(na, nb)) return false;
    } else if (na !== nb) {
      return false;
    }
  }
  const da = JSON.stringify((pa.datum as { datum_params?: number[] } | undefined)?.datum_params ?? []);
  const db = JSON.stringify((pb.datum as { datum_params?: number[] } | undefined)?.datum_params ?? []);
  return da === db || (isNullShift(da) && isNullShift(db));
}

function isNullShift(json: string): boolean {
  const v = JSON.parse(json) as number[];
  return v.every((x) => x === 0);
}

/** A CRS from its EPSG code, through geotiff-geokeys-to-proj4's copy of the EPSG registry. */
export function crsFromEpsg(code: number): Crs | null {
  if (code === 4326 || code === 4490 || code === 4979) return crsFromProj4('+proj=longlat +datum=WGS84 +no_defs');
  for (const keys of [
    { GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: code },
    { GTModelTypeGeoKey: 2, GeographicTypeGeoKey: code },
  ]) {
    const { crs } = crsFromGeoKeys(keys);
    if (crs && !/\+proj=longlat \+no_defs$/.test(crs.proj4)) return crs;
  }
  return null;
}

/** A CRS from WKT (an ESRI .prj or OGC WKT1), as proj4js parses it. */
export function crsFromWkt(wkt: string): Crs {
  const p = proj4.Proj(wkt) as unknown as { projName?: string };
  if (!p.projName) throw new Error('proj4 found no projection in the WKT');
  return crsFromProj4(proj4ToString(wkt));
}

/** proj4js keeps no string for a WKT-defined CRS; rebuild one from its parsed parameters. */
function proj4ToString(wkt: string): string {
  const p = proj4.Proj(wkt) as unknown as Record<string, unknown>;
  const deg = (rad: unknown) => (typeof rad === 'number' ? (rad * 180) / Math.PI : undefined);
  const parts: string[] = [];
  const add = (k: string, v: unknown) => { if (v !== undefined && v !== null && !(typeof v === 'number' && Number.isNaN(v))) parts.push(`+${k}=${v}`); };
  add('proj', shortName(p));
  add('lat_0', deg(p.lat0));
  add('lon_0', deg(p.long0));
  add('lat_1', deg(p.lat1));
  add('lat_2', deg(p.lat2));
  add('lat_ts', deg(p.lat_ts));
  add('lonc', deg(p.longc));
  add('alpha', deg(p.alpha));
  add('k_0', p.k0);
  add('x_0', p.x0);
  add('y_0', p.y0);
  add('a', p.a);
  add('b', p.b);
  const datum = p.datum as { datum_params?: number[]; datum_type?: number } | undefined;
  if (datum?.datum_params && datum.datum_params.some((v) => v !== 0)) add('towgs84', datum.datum_params.join(','));
  add('to_meter', p.to_meter);
  parts.push('+no_defs');
  return parts.join(' ');
}
