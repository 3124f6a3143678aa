// GeoPackage (OGC 12-128) feature tables: gpkg_contents names the layers, gpkg_geometry_columns
// the geometry column, gpkg_spatial_ref_sys the CRS; each geometry is a GeoPackage binary blob
// (header 'GP', version, flags, srs_id, optional envelope) followed by standard WKB.
import Database from 'better-sqlite3';
import type { Feature, Geometry, Position } from 'geojson';
import { UserError } from '../pipeline/errors.js';
import { crsFromEpsg, crsFromProj4, crsFromWkt, type Crs } from '../rasters/crs.js';
import { esriDialectProj4 } from './esri-prj.js';

export interface GpkgLayer {
  features: Feature[];
  /** null when the layer's srs is "undefined" (srs_id -1 or 0). */
  crs: Crs | null;
  crsSource: string;
  layer: string;
}

/** Envelope bytes by the flags' envelope indicator: none, xy, xyz, xym, xyzm (8 bytes per double). */
const ENVELOPE_BYTES = [0, 32, 48, 48, 64];

/** Read one feature table: the named one, or the first in gpkg_contents. */
export function readGpkg(path: string, layerName?: string): GpkgLayer {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new UserError(`${path}: cannot be opened as a GeoPackage (${(err as Error).message}). Check that the path is right and the file is a .gpkg (an SQLite database); \`ogrinfo ${path}\` shows what GDAL sees.`);
  }
  try {
    let layers: { table_name: string; srs_id: number | null }[];
    try {
      layers = db.prepare("SELECT table_name, srs_id FROM gpkg_contents WHERE data_type = 'features' ORDER BY rowid").all() as typeof layers;
    } catch (err) {
      throw new UserError(`${path}: is not a GeoPackage (${(err as Error).message}; there is no gpkg_contents table). Convert the zones with \`ogr2ogr -f GPKG zones.gpkg <input>\`, or give a shapefile or GeoJSON.`);
    }
    if (layers.length === 0) throw new UserError(`${path}: holds no feature table (gpkg_contents lists no 'features' layer). Give a GeoPackage of zone polygons.`);
    const layer = layerName === undefined ? layers[0]! : layers.find((l) => l.table_name === layerName);
    if (!layer) throw new UserError(`${path}: has no feature layer "${layerName}" (given by --zones-layer). Its layers are: ${layers.map((l) => l.table_name).join(', ')}.`);
    const geomCol = db.prepare('SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?').get(layer.table_name) as { column_name: string; srs_id: number } | undefined;
    if (!geomCol) throw new UserError(`${path}: layer "${layer.table_name}" has no entry in gpkg_geometry_columns, so its geometry column is unknown. Rewrite the file with \`ogr2ogr -f GPKG fixed.gpkg ${path}\`.`);
    const { crs, crsSource } = layerCrs(db, path, geomCol.srs_id);
    const columns = db.prepare(`PRAGMA table_info(${quoteId(layer.table_name)})`).all() as { name: string; pk: number; type: string }[];
    const pk = columns.find((c) => c.pk === 1 && /^INTEGER$/i.test(c.type))?.name;
    const features: Feature[] = [];
    const rows = db.prepare(`SELECT * FROM ${quoteId(layer.table_name)}`).iterate() as IterableIterator<Record<string, unknown>>;
    for (const row of rows) {
      const properties: Record<string, string | number | null> = {};
      for (const c of columns) {
        if (c.name === geomCol.column_name || c.name === pk) continue;
        const v = row[c.name];
        properties[c.name] = typeof v === 'number' || typeof v === 'string' ? v : typeof v === 'bigint' ? Number(v) : null;
      }
      const blob = row[geomCol.column_name];
      const fid = pk === undefined ? features.length + 1 : Number(row[pk]);
      let geometry: Geometry | null;
      try {
        geometry = blob instanceof Uint8Array ? parseGpkgGeometry(blob) : null;
      } catch (err) {
        throw new UserError(`${path}: the geometry of feature ${fid} in layer "${layer.table_name}" cannot be read (${(err as Error).message}). Repair the file with \`ogr2ogr -f GPKG -nlt MULTIPOLYGON fixed.gpkg ${path}\`.`);
      }
      features.push({ type: 'Feature', id: fid, properties, geometry: geometry as Geometry });
    }
    return { features, crs, crsSource, layer: layer.table_name };
  } finally {
    db.close();
  }
}

function quoteId(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function layerCrs(db: Database.Database, path: string, srsId: number): { crs: Crs | null; crsSource: string } {
  const srs = db.prepare('SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?').get(srsId) as
    { organization: string; organization_coordsys_id: number; definition: string } | undefined;
  if (!srs) throw new UserError(`${path}: its geometry uses srs_id ${srsId}, which gpkg_spatial_ref_sys does not define. Assign a CRS with \`ogr2ogr -a_srs EPSG:XXXX fixed.gpkg ${path}\`, or give --zones-crs.`);
  if (srsId === -1 || srsId === 0 || /^undefined$/i.test(srs.definition.trim())) return { crs: null, crsSource: `GeoPackage srs_id ${srsId} (undefined)` };
  if (/^epsg$/i.test(srs.organization)) {
    const crs = crsFromEpsg(srs.organization_coordsys_id);
    if (crs) return { crs, crsSource: `GeoPackage srs EPSG:${srs.organization_coordsys_id}` };
  }
  // GDAL writes cylindrical equal-area as "Cylindrical_Equal_Area", a name proj4js does not know;
  // it is ESRI's Behrmann with its Standard_Parallel_1, which esri-prj maps as GDAL does.
  const cea = esriDialectProj4(srs.definition.replace(/PROJECTION\s*\[\s*"Cylindrical_Equal_Area"/i, 'PROJECTION["Behrmann"'));
  if (cea) return { crs: crsFromProj4(cea), crsSource: `GeoPackage srs_id ${srsId} (WKT definition, cylindrical equal-area)` };
  try {
    return { crs: crsFromWkt(srs.definition), crsSource: `GeoPackage srs_id ${srsId} (WKT definition)` };
  } catch (err) {
    throw new UserError(`${path}: proj4 cannot parse the CRS of srs_id ${srsId} (${(err as Error).message}). Reproject the zones to lon/lat first: \`ogr2ogr -t_srs EPSG:4326 zones.gpkg ${path}\`, or give --zones-crs.`);
  }
}

export interface GpkgHeader {
  srsId: number;
  /** [minX, maxX, minY, maxY] when the blob carries an envelope. */
  envelope: number[] | null;
  empty: boolean;
  /** Where the WKB starts. */
  wkbOffset: number;
}

/** The GeoPackage binary header: magic 'GP', version 0, flags (envelope 0-4, empty, byte order), srs_id, envelope. */
export function gpkgHeader(blob: Uint8Array): GpkgHeader {
  if (blob.length < 8 || blob[0] !== 0x47 || blob[1] !== 0x50) throw new Error("no GeoPackage geometry header (magic 'GP')");
  if (blob[2] !== 0) throw new Error(`GeoPackage geometry version ${blob[2]} (only 0 is defined)`);
  const flags = blob[3]!;
  if (flags & 0x20) throw new Error('an extended GeoPackage geometry type, which this reader does not know');
  const indicator = (flags >> 1) & 0x07;
  if (indicator > 4) throw new Error(`envelope indicator ${indicator} (valid: 0-4)`);
  const wkbOffset = 8 + ENVELOPE_BYTES[indicator]!;
  if (blob.length < wkbOffset) throw new Error(`the blob ends inside its ${ENVELOPE_BYTES[indicator]}-byte envelope`);
  const little = (flags & 0x01) === 1; // byte order of srs_id and envelope (the WKB has its own)
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const envelope = indicator === 0 ? null : [0, 1, 2, 3].map((k) => view.getFloat64(8 + 8 * k, little));
  return { srsId: view.getInt32(4, little), envelope, empty: (flags & 0x10) !== 0, wkbOffset };
}

/**
 * A GeoPackage geometry blob as GeoJSON: Polygon or MultiPolygon (Z and M values dropped), null
 * when the empty flag is set. Other WKB types come back with their name and no coordinates, so
 * the zone reader can say which feature is not a polygon.
 */
export function parseGpkgGeometry(blob: Uint8Array): Geometry | null {
  const head = gpkgHeader(blob);
  if (head.empty) return null;
  return new WkbReader(new DataView(blob.buffer, blob.byteOffset, blob.byteLength), head.wkbOffset).geometry();
}

const TYPE_NAMES: Record<number, string> = { 1: 'Point', 2: 'LineString', 3: 'Polygon', 4: 'MultiPoint', 5: 'MultiLineString', 6: 'MultiPolygon', 7: 'GeometryCollection', 10: 'CurvePolygon', 12: 'MultiSurface' };

class WkbReader {
  constructor(private readonly view: DataView, private pos: number) {}

  geometry(): Geometry {
    const { type, dims } = this.typeHeader();
    if (type === 3) return { type: 'Polygon', coordinates: this.polygon(dims) };
    if (type === 6) {
      const n = this.uint32();
      const polygons: Position[][][] = [];
      for (let i = 0; i < n; i++) {
        const part = this.typeHeader();
        if (part.type !== 3) throw new Error(`a MultiPolygon part of WKB type ${part.type}`);
        polygons.push(this.polygon(part.dims));
      }
      return { type: 'MultiPolygon', coordinates: polygons };
    }
    return { type: (TYPE_NAMES[type] ?? `WKB geometry type ${type}`) as 'Point', coordinates: [] };
  }

  private littleEndian = true;

  /** Byte order, then the type: ISO (1003 = Polygon Z, 2003 M, 3003 ZM) or EWKB flag bits. */
  private typeHeader(): { type: number; dims: number } {
    const order = this.view.getUint8(this.pos);
    if (order > 1) throw new Error(`WKB byte order ${order} (0 or 1 expected)`);
    this.littleEndian = order === 1;
    this.pos += 1;
    let code = this.uint32();
    let z = false, m = false;
    if (code & 0x80000000) { z = true; code &= ~0x80000000; }
    if (code & 0x40000000) { m = true; code &= ~0x40000000; }
    if (code & 0x20000000) throw new Error('EWKB with an embedded SRID');
    const iso = Math.floor(code / 1000);
    if (iso === 1 || iso === 3) z = true;
    if (iso === 2 || iso === 3) m = true;
    return { type: code % 1000, dims: 2 + (z ? 1 : 0) + (m ? 1 : 0) };
  }

  private polygon(dims: number): Position[][] {
    const rings: Position[][] = [];
    const nRings = this.uint32();
    for (let r = 0; r < nRings; r++) {
      const n = this.uint32();
      if (this.pos + n * dims * 8 > this.view.byteLength) throw new Error(`a ring of ${n} points runs past the end of the blob`);
      const ring: Position[] = new Array(n);
      for (let i = 0; i < n; i++) {
        ring[i] = [this.view.getFloat64(this.pos, this.littleEndian), this.view.getFloat64(this.pos + 8, this.littleEndian)];
        this.pos += dims * 8; // Z and M, when present, are skipped
      }
      rings.push(ring);
    }
    return rings;
  }

  private uint32(): number {
    const v = this.view.getUint32(this.pos, this.littleEndian);
    this.pos += 4;
    return v;
  }
}
