// zones.geojson: the zones as read, in lon/lat WGS84 (RFC 7946), with each zone's numbers per year
// from the tables, so a choropleth is one drag-and-drop into QGIS or a web map. Numbers are copied
// from the pipeline's rows, never recomputed here.
import { writeFile } from 'node:fs/promises';
import proj4 from '../rasters/proj4.js';
import type { Position } from 'geojson';
import type { Zone } from '../boundaries/read-zones.js';
import { crsFromProj4, sameCrs, type Crs } from '../rasters/crs.js';

const WGS84 = '+proj=longlat +datum=WGS84 +no_defs';
/** 1e-7 degree is about 1 cm: finer than any zone boundary, and RFC 7946 advises against more. */
const DECIMALS = 1e7;

/** The per-year and change rows the layer copies (pipeline/tables.ts ZoneRow and ChangeRow). */
export interface ZoneYearRow { year: number; zone_id: string; area_ha: number; sequestration_t_yr: number; share_of_total: number | null }
export interface ZoneChangeRow { zone_id: string; from_year: number; to_year: number; change_t_yr: number; change_pct: number | null }

export interface ZonesLayer {
  zones: readonly Zone[];
  /** CRS the zone coordinates are in (ZoneSet.crs). */
  crs: Crs;
  years: readonly number[];
  zoneRows: readonly ZoneYearRow[];
  change: readonly ZoneChangeRow[];
  /** Column name in the run's unit (sequestration_t_yr -> sequestration_tco2_yr); identity by default. */
  column?: (name: string) => string;
}

interface Feature {
  type: 'Feature';
  id: string;
  properties: Record<string, string | number | null>;
  geometry: { type: 'MultiPolygon'; coordinates: Position[][][] };
}

/**
 * Properties: zone_id, zone_name, then area_ha_<year>, sequestration_t_yr_<year>, share_<year>
 * for every epoch, and change_t_yr_<from>_<to>, change_pct_<from>_<to> from first to last epoch.
 */
export function zonesFeatureCollection(layer: ZonesLayer): { type: 'FeatureCollection'; features: Feature[] } {
  const col = layer.column ?? ((n: string) => n);
  const toLonLat = lonLatTransform(layer.crs);
  const byZoneYear = new Map(layer.zoneRows.map((r) => [`${r.zone_id}\u0000${r.year}`, r]));
  const first = layer.years[0], last = layer.years[layer.years.length - 1];
  const changeOf = new Map(layer.change.filter((c) => c.from_year === first && c.to_year === last).map((c) => [c.zone_id, c]));
  const features = layer.zones.map((zone): Feature => {
    const properties: Record<string, string | number | null> = { zone_id: zone.id, zone_name: zone.name };
    for (const year of layer.years) {
      const row = byZoneYear.get(`${zone.id}\u0000${year}`);
      properties[col(`area_ha_${year}`)] = row?.area_ha ?? null;
      properties[col(`sequestration_t_yr_${year}`)] = row?.sequestration_t_yr ?? null;
      properties[col(`share_${year}`)] = row?.share_of_total ?? null;
    }
    if (first !== undefined && last !== undefined && first !== last) {
      const c = changeOf.get(zone.id);
      properties[col(`change_t_yr_${first}_${last}`)] = c?.change_t_yr ?? null;
      properties[col(`change_pct_${first}_${last}`)] = c?.change_pct ?? null;
    }
    const coordinates = zone.polygons.map((polygon) => polygon.map((ring, k) => orient(ring.map(toLonLat), k === 0)));
    return { type: 'Feature', id: zone.id, properties, geometry: { type: 'MultiPolygon', coordinates } };
  });
  return { type: 'FeatureCollection', features };
}

/** Write the layer (the run writes into its staging folder, which is committed whole). */
export async function writeZonesGeoJson(path: string, layer: ZonesLayer): Promise<void> {
  await writeFile(path, JSON.stringify(zonesFeatureCollection(layer)) + '\n');
}

function lonLatTransform(crs: Crs): (p: Position) => Position {
  const round = (v: number) => Math.round(v * DECIMALS) / DECIMALS;
  if (crs.isGeographic && sameCrs(crs, crsFromProj4(WGS84))) return (p) => [round(Number(p[0])), round(Number(p[1]))];
  const t = proj4(crs.proj4, WGS84);
  return (p) => {
    const [lon, lat] = t.forward([Number(p[0]), Number(p[1])]);
    return [round(lon!), round(lat!)];
  };
}

/** RFC 7946 right-hand rule: exterior rings counterclockwise, holes clockwise (by the shoelace sign). */
function orient(ring: Position[], exterior: boolean): Position[] {
  let twiceArea = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    twiceArea += (ring[j]![0]! - ring[i]![0]!) * (ring[j]![1]! + ring[i]![1]!);
  }
  const counterClockwise = twiceArea > 0;
  return counterClockwise === exterior ? ring : ring.reverse();
}
