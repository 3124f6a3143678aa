import { readFile, access } from 'node:fs/promises';
import * as shapefile from 'shapefile';
import type { Feature, Geometry, Position } from 'geojson';
import { UserError, fileError, messages, readJsonFile } from '../pipeline/errors.js';
import { crsFromEpsg, crsFromProj4, crsFromWkt, type Crs } from '../rasters/crs.js';
import { esriDialectProj4 } from './esri-prj.js';
import { gcj02ToWgs84 } from './gcj02.js';
import { readGpkg } from './read-gpkg.js';
import { checkPolygons } from './ring-check.js';

/** One zone (county) as read: its polygons in the source CRS, MultiPolygon-shaped. */
export interface Zone {
  readonly id: string;
  readonly name: string;
  readonly polygons: Position[][][];
}

export interface ZoneSet {
  readonly path: string;
  readonly zones: Zone[];
  readonly crs: Crs;
  /** Where the CRS came from, for summary.json. */
  readonly crsSource: string;
  readonly idField: string;
  readonly nameField: string;
  readonly warnings: string[];
}

export interface ZoneFieldOptions {
  idField?: string;
  nameField?: string;
  /** Overrides the file's CRS: 'gcj02' (Chinese web-map lon/lat), 'EPSG:n' or a proj4 string. */
  crs?: string;
  /** GeoPackage layer (feature table); default the first in gpkg_contents. */
  layer?: string;
}

const LONLAT = '+proj=longlat +datum=WGS84 +no_defs';
const ID_FIELDS = ['adcode', 'code', 'zone_id', 'id', 'gid', 'fid', 'objectid'];
const NAME_FIELDS = ['name', 'zone_name', 'county', 'unit_name', 'label', 'title'];

export async function readZones(path: string, opts: ZoneFieldOptions = {}): Promise<ZoneSet> {
  const set = await readZoneFile(path, opts);
  return opts.crs ? withCrs(set, opts.crs) : set;
}

async function readZoneFile(path: string, opts: ZoneFieldOptions): Promise<ZoneSet> {
  const lower = path.toLowerCase();
  if (lower.endsWith('.shp')) return readShapefile(path, opts, opts.crs !== undefined);
  if (lower.endsWith('.json') || lower.endsWith('.geojson')) return readGeoJson(path, opts);
  if (lower.endsWith('.gpkg')) return readGeoPackage(path, opts);
  throw new UserError(`${path}: zones must be an ESRI shapefile (.shp with .dbf and .prj beside it), GeoJSON (.geojson/.json) or a GeoPackage (.gpkg). Convert other formats with \`ogr2ogr -f GeoJSON zones.geojson ${path}\`.`);
}

/** --zones-crs: GCJ-02 coordinates become WGS84 lon/lat here; other CRS replace the file's. */
function withCrs(set: ZoneSet, spec: string): ZoneSet {
  if (spec.toLowerCase() === 'gcj02' || spec.toLowerCase() === 'gcj-02') {
    const zones = set.zones.map((z) => ({
      ...z,
      polygons: z.polygons.map((poly) => poly.map((ring) => ring.map((p) => gcj02ToWgs84(Number(p[0]), Number(p[1]))))),
    }));
    return { ...set, zones, crs: crsFromProj4(LONLAT), crsSource: `GCJ-02 by --zones-crs, converted to WGS84 (iterative inverse, < 1e-9 degrees)` };
  }
  const epsg = /^EPSG:(\d+)$/i.exec(spec.trim());
  let crs: Crs | null = null;
  try {
    crs = epsg ? crsFromEpsg(Number(epsg[1])) : crsFromProj4(spec);
  } catch {
    crs = null;
  }
  if (!crs) throw new UserError(`--zones-crs ${spec}: not a CRS this tool knows. Give gcj02, EPSG:<code> or a proj4 string such as "+proj=longlat +datum=WGS84".`);
  return { ...set, crs, crsSource: `--zones-crs ${spec}` };
}

async function readGeoJson(path: string, opts: ZoneFieldOptions): Promise<ZoneSet> {
  const doc = await readJsonFile(path, 'zones file',
    'Zones must be a GeoJSON FeatureCollection, a Feature, or a JSON array of Features.');
  const features = geoJsonFeatures(path, doc);
  const { crs, crsSource } = geoJsonCrs(path, doc);
  return buildZoneSet(path, features, crs, crsSource, opts);
}

function geoJsonFeatures(path: string, doc: unknown): Feature[] {
  const d = doc as { type?: string; features?: unknown; geometry?: unknown };
  if (Array.isArray(doc)) return doc as Feature[];
  if (d && d.type === 'FeatureCollection' && Array.isArray(d.features)) return d.features as Feature[];
  if (d && d.type === 'Feature') return [doc as Feature];
  if (d && (d.type === 'Polygon' || d.type === 'MultiPolygon')) return [{ type: 'Feature', properties: {}, geometry: doc as Geometry }];
  throw new UserError(`${path}: holds no GeoJSON features (found ${d && typeof d === 'object' ? `type "${String(d.type)}"` : typeof doc}). Give a FeatureCollection of Polygon/MultiPolygon features.`);
}

function geoJsonCrs(path: string, doc: unknown): { crs: Crs; crsSource: string } {
  const name = (doc as { crs?: { properties?: { name?: unknown } } })?.crs?.properties?.name;
  if (typeof name !== 'string') return { crs: crsFromProj4(LONLAT), crsSource: 'GeoJSON default (lon/lat, RFC 7946)' };
  if (/CRS84|CRS:84/i.test(name)) return { crs: crsFromProj4(LONLAT), crsSource: `GeoJSON crs member ${name}` };
  const epsg = /EPSG:*:?(\d+)$/i.exec(name);
  const crs = epsg ? crsFromEpsg(Number(epsg[1])) : null;
  if (!crs) {
    throw new UserError(`${path}: its "crs" member names ${name}, which this tool cannot resolve. Reproject the file to lon/lat (\`ogr2ogr -t_srs EPSG:4326 out.geojson ${path}\`) or give it as a shapefile with a .prj.`);
  }
  return { crs, crsSource: `GeoJSON crs member ${name}` };
}

/** `crsGiven`: --zones-crs replaces the .prj, which may then be missing or unreadable. */
function readGeoPackage(path: string, opts: ZoneFieldOptions): ZoneSet {
  const { features, crs, crsSource, layer } = readGpkg(path, opts.layer);
  if (!crs && !opts.crs) {
    throw new UserError(`${path}: layer "${layer}" has an undefined coordinate system (${crsSource}). Give it with --zones-crs EPSG:<code>, or assign one: \`ogr2ogr -a_srs EPSG:XXXX fixed.gpkg ${path}\`.`);
  }
  // With --zones-crs the placeholder below is replaced by withCrs().
  return buildZoneSet(path, features, crs ?? crsFromProj4(LONLAT), `${crsSource}, layer ${layer}`, opts);
}

async function readShapefile(path: string, opts: ZoneFieldOptions, crsGiven = false): Promise<ZoneSet> {
  const base = path.slice(0, -4);
  const sidecar = async (ext: string): Promise<string | null> => {
    for (const e of [ext, ext.toUpperCase()]) {
      try {
        await access(base + e);
        return base + e;
      } catch {
        // try the next spelling
      }
    }
    return null;
  };
  try {
    await access(path);
  } catch (err) {
    fileError(path, 'shapefile', err);
  }
  const dbf = await sidecar('.dbf');
  if (!dbf) throw new UserError(`${path}: the attribute table ${base}.dbf is missing. A shapefile is several files: copy the .dbf (and .shx, .prj) that belong with the .shp.`);
  const prj = await sidecar('.prj');
  let crs = crsFromProj4(LONLAT);
  let crsSource = '--zones-crs';
  if (!prj && !crsGiven) throw new UserError(messages.missingPrj(path));
  if (prj && !crsGiven) {
    const wkt = await readFile(prj, 'utf8');
    const dialect = esriDialectProj4(wkt);
    try {
      crs = dialect ? crsFromProj4(dialect) : crsFromWkt(wkt);
    } catch (err) {
      throw new UserError(messages.prjUnparsed(prj, path, (err as Error)?.message || String(err) || 'unknown projection'));
    }
    crsSource = dialect ? `.prj ${prj} (ESRI dialect, read as ${dialect})` : `.prj ${prj}`;
  }
  const cpg = await sidecar('.cpg');
  const encoding = cpg ? (await readFile(cpg, 'utf8')).trim() || 'utf-8' : 'utf-8';
  const features: Feature[] = [];
  let source: Awaited<ReturnType<typeof shapefile.open>> | null = null;
  try {
    source = await shapefile.open(path, dbf, { encoding });
    for (;;) {
      const { done, value } = await source.read();
      if (done) break;
      features.push(value);
    }
  } catch (err) {
    await source?.cancel().catch(() => undefined);
    throw new UserError(`${path}: the shapefile cannot be read (${(err as Error)?.message ?? String(err)}). Check that the .shp, .shx and .dbf belong together; \`ogrinfo -al -so ${path}\` shows what GDAL sees.`);
  }
  return buildZoneSet(path, features, crs, crsSource, opts);
}

function buildZoneSet(path: string, features: Feature[], crs: Crs, crsSource: string, opts: ZoneFieldOptions): ZoneSet {
  const warnings: string[] = [];
  const props = features.map((f) => (f && typeof f === 'object' && f.properties) || {});
  const keys = new Set(props.flatMap((p) => Object.keys(p)));
  const pick = (wanted: string | undefined, candidates: string[], flag: string): string => {
    if (wanted) {
      if (!keys.has(wanted)) throw new UserError(`${path}: has no attribute "${wanted}" (given by ${flag}). Its attributes are: ${[...keys].join(', ') || '(none)'}.`);
      return wanted;
    }
    const lowerKeys = new Map([...keys].map((k) => [k.toLowerCase(), k]));
    for (const c of candidates) { const k = lowerKeys.get(c); if (k) return k; }
    return '';
  };
  const nameField = pick(opts.nameField, NAME_FIELDS, '--zone-name');
  // With no id-like attribute, a unique name is the most useful id (the real São Miguel file has only `name`).
  const names = nameField ? props.map((p) => String((p as Record<string, unknown>)[nameField] ?? '')) : [];
  const namesUnique = nameField !== '' && new Set(names).size === names.length;
  const idField = pick(opts.idField, ID_FIELDS, '--zone-id') || (namesUnique ? nameField : '');
  const zones: Zone[] = [];
  const seen = new Map<string, number>();
  let unclosed = 0;
  let unclosedZone = '';
  const crossings: string[] = [];
  features.forEach((f, i) => {
    if (!f || typeof f !== 'object' || Array.isArray(f)) throw new UserError(messages.zoneCoordinates(path, i + 1, '?', `the feature is ${JSON.stringify(f)?.slice(0, 40)}, not a GeoJSON Feature object`));
    const p = props[i] as Record<string, unknown>;
    const id = String(idField ? p[idField] ?? '' : f.id ?? i + 1);
    const name = String(nameField ? p[nameField] ?? id : id);
    const geometry = f?.geometry;
    if (!geometry) {
      warnings.push(`${path}: feature ${i + 1} (${id}) has no geometry and was skipped.`);
      return;
    }
    if (typeof geometry !== 'object' || typeof geometry.type !== 'string') {
      throw new UserError(messages.zoneCoordinates(path, i + 1, id, `the geometry is ${JSON.stringify(geometry)?.slice(0, 40)}, not a GeoJSON geometry object`));
    }
    if (geometry.type !== 'Polygon' && geometry.type !== 'MultiPolygon') {
      throw new UserError(`${path}: feature ${i + 1} (${id}) is a ${geometry.type}; zones must be polygons. Remove the non-polygon features or buffer them into polygons first.`);
    }
    if (seen.has(id)) {
      throw new UserError(`${path}: zone id "${id}" appears twice (features ${seen.get(id)! + 1} and ${i + 1}, field ${idField || 'feature order'}). Zone ids must be unique: pick another field with --zone-id, or dissolve the duplicates (\`ogr2ogr -dialect sqlite -sql "SELECT ST_Union(geometry), ${idField || 'id'} FROM ... GROUP BY ${idField || 'id'}"\`).`);
    }
    seen.set(id, i);
    const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
    const check = checkPolygons(path, i + 1, id, polygons);
    if (check.unclosed > 0 && unclosed === 0) unclosedZone = id;
    unclosed += check.unclosed;
    if (check.crossing) crossings.push(`${id} near (${check.crossing.x}, ${check.crossing.y})`);
    zones.push({ id, name, polygons });
  });
  if (zones.length === 0) throw new UserError(`${path}: contains no polygon zones. Give a file with at least one Polygon or MultiPolygon feature.`);
  if (unclosed > 0) warnings.push(messages.ringsNotClosed(path, unclosed, unclosedZone));
  if (crossings.length > 0) warnings.push(messages.ringsCrossSlightly(path, crossings.length, crossings.slice(0, 3).join('; ')));
  return { path, zones, crs, crsSource, idField: idField || '(feature order)', nameField: nameField || idField || '(feature order)', warnings };
}
