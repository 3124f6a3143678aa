import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { gpkgHeader, parseGpkgGeometry, readGpkg } from '../boundaries/read-gpkg.js';
import { readZones } from '../boundaries/read-zones.js';
import { UserError } from '../pipeline/errors.js';
import { realFile, tmpDir } from './helpers.js';

type Ring = number[][];

// ---- GeoPackage blobs built by hand ------------------------------------------------------------

/** WKB of a polygon list: `dims` 2-4 (x y [z] [m]); ISO type codes (1003 = Polygon Z...) or EWKB flags. */
function wkb(polygons: Ring[][], opts: { little: boolean; multi: boolean; z?: boolean; m?: boolean; ewkb?: boolean }): Buffer {
  const parts: Buffer[] = [];
  const typeCode = (base: number) => {
    if (opts.ewkb) return (base | (opts.z ? 0x80000000 : 0) | (opts.m ? 0x40000000 : 0)) >>> 0;
    return base + (opts.z && opts.m ? 3000 : opts.z ? 1000 : opts.m ? 2000 : 0);
  };
  const u32 = (v: number) => { const b = Buffer.alloc(4); if (opts.little) b.writeUInt32LE(v); else b.writeUInt32BE(v); return b; };
  const f64 = (v: number) => { const b = Buffer.alloc(8); if (opts.little) b.writeDoubleLE(v); else b.writeDoubleBE(v); return b; };
  const head = (base: number) => Buffer.concat([Buffer.from([opts.little ? 1 : 0]), u32(typeCode(base))]);
  const polygon = (rings: Ring[]) => {
    parts.push(head(3), u32(rings.length));
    for (const ring of rings) {
      parts.push(u32(ring.length));
      for (const [x, y] of ring) {
        parts.push(f64(x!), f64(y!));
        if (opts.z) parts.push(f64(1234.5));
        if (opts.m) parts.push(f64(-7));
      }
    }
  };
  if (opts.multi) {
    parts.push(head(6), u32(polygons.length));
    polygons.forEach(polygon);
  } else polygon(polygons[0]!);
  return Buffer.concat(parts);
}

/** GeoPackage blob: 'GP', version 0, flags (envelope indicator, empty, header byte order), srs_id, envelope, WKB. */
function gpBlob(body: Buffer, opts: { envelope: number; littleHeader: boolean; empty?: boolean; srsId?: number }): Buffer {
  const envDoubles = [0, 4, 6, 6, 8][opts.envelope]!;
  const head = Buffer.alloc(8 + 8 * envDoubles);
  head.write('GP', 0, 'latin1');
  head[2] = 0;
  head[3] = (opts.envelope << 1) | (opts.empty ? 0x10 : 0) | (opts.littleHeader ? 1 : 0);
  if (opts.littleHeader) head.writeInt32LE(opts.srsId ?? 4326, 4); else head.writeInt32BE(opts.srsId ?? 4326, 4);
  for (let k = 0; k < envDoubles; k++) {
    const v = [-10, 20, 30, 45, 0, 0, 0, 0][k]!;
    if (opts.littleHeader) head.writeDoubleLE(v, 8 + 8 * k); else head.writeDoubleBE(v, 8 + 8 * k);
  }
  return Buffer.concat([head, body]);
}

const square: Ring = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]];
const hole: Ring = [[2, 2], [2, 4], [4, 4], [4, 2], [2, 2]];
const far: Ring = [[20.5, 30.25], [21, 30.25], [21, 31], [20.5, 30.25]];

describe('parseGpkgGeometry', () => {
  it('reads Polygon and MultiPolygon for every envelope type, both byte orders, Z/M variants (Z and M dropped)', () => {
    const expected = { type: 'MultiPolygon', coordinates: [[square, hole], [far]] };
    for (const envelope of [0, 1, 2, 3, 4]) {
      for (const little of [true, false]) {
        for (const [z, m] of [[false, false], [true, false], [false, true], [true, true]] as const) {
          for (const ewkb of [false, true]) {
            const blob = gpBlob(wkb([[square, hole], [far]], { little, multi: true, z, m, ewkb }), { envelope, littleHeader: !little });
            expect(parseGpkgGeometry(blob)).toEqual(expected);
          }
        }
        const poly = gpBlob(wkb([[square, hole]], { little, multi: false, z: true }), { envelope, littleHeader: little });
        expect(parseGpkgGeometry(poly)).toEqual({ type: 'Polygon', coordinates: [square, hole] });
      }
    }
  });

  it('header: srs_id and envelope in the header\'s own byte order, empty flag -> null', () => {
    const body = wkb([[square]], { little: true, multi: false });
    for (const littleHeader of [true, false]) {
      const h = gpkgHeader(gpBlob(body, { envelope: 1, littleHeader, srsId: 32650 }));
      expect(h).toEqual({ srsId: 32650, envelope: [-10, 20, 30, 45], empty: false, wkbOffset: 40 });
    }
    expect(gpkgHeader(gpBlob(body, { envelope: 4, littleHeader: true })).wkbOffset).toBe(72);
    expect(parseGpkgGeometry(gpBlob(wkb([[[]]], { little: true, multi: false }), { envelope: 0, littleHeader: true, empty: true }))).toBeNull();
  });

  it('names other geometry types and rejects damaged blobs', () => {
    const point = Buffer.concat([Buffer.from([1]), Buffer.from([1, 0, 0, 0]), Buffer.alloc(16)]);
    expect(parseGpkgGeometry(gpBlob(point, { envelope: 0, littleHeader: true }))).toEqual({ type: 'Point', coordinates: [] });
    expect(() => parseGpkgGeometry(Buffer.from('XX\0\x01abcd'))).toThrow(/magic 'GP'/);
    const bad = gpBlob(wkb([[square]], { little: true, multi: false }), { envelope: 0, littleHeader: true });
    bad[3] = 5 << 1;
    expect(() => parseGpkgGeometry(bad)).toThrow(/envelope indicator 5/);
    const cut = gpBlob(wkb([[square]], { little: true, multi: false }), { envelope: 0, littleHeader: true }).subarray(0, 40);
    expect(() => parseGpkgGeometry(cut)).toThrow(/past the end/);
  });
});

// ---- GeoPackage files built with better-sqlite3 ------------------------------------------------

const { dir, cleanup } = tmpDir('gpkg');
afterAll(cleanup);

function makeGpkg(name: string, layers: { table: string; srsId: number; rows: { name: string; code: number; geom: Buffer }[] }[],
  srs: { id: number; org: string; code: number; wkt: string }[]): string {
  const path = join(dir, name);
  const db = new Database(path);
  db.exec(`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY, organization TEXT, organization_coordsys_id INTEGER, definition TEXT, description TEXT);
    CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, identifier TEXT, description TEXT, last_change TEXT, min_x REAL, min_y REAL, max_x REAL, max_y REAL, srs_id INTEGER);
    CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, geometry_type_name TEXT, srs_id INTEGER, z INTEGER, m INTEGER);`);
  for (const s of srs) db.prepare('INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)').run(`srs ${s.id}`, s.id, s.org, s.code, s.wkt, '');
  db.prepare("INSERT INTO gpkg_contents (table_name, data_type, srs_id) VALUES ('attributes_only', 'attributes', 0)").run();
  for (const l of layers) {
    db.exec(`CREATE TABLE "${l.table}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom BLOB, name TEXT, code INTEGER)`);
    db.prepare("INSERT INTO gpkg_contents (table_name, data_type, srs_id) VALUES (?, 'features', ?)").run(l.table, l.srsId);
    db.prepare("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'MULTIPOLYGON', ?, 0, 0)").run(l.table, l.srsId);
    for (const r of l.rows) db.prepare(`INSERT INTO "${l.table}" (geom, name, code) VALUES (?, ?, ?)`).run(r.geom, r.name, r.code);
  }
  db.close();
  return path;
}

const blob = (rings: Ring[]) => gpBlob(wkb([rings], { little: true, multi: true }), { envelope: 1, littleHeader: true });
const SRS = [{ id: -1, org: 'NONE', code: -1, wkt: 'undefined' }, { id: 32650, org: 'EPSG', code: 32650, wkt: 'PROJCS["WGS 84 / UTM zone 50N"]' },
  { id: 100000, org: 'NONE', code: 100000, wkt: 'PROJCS["Albers",GEOGCS["Krasovsky",DATUM["Krasovsky_1940",SPHEROID["Krasovsky_1940",6378245,298.3]],PRIMEM["Greenwich",0],UNIT["Degree",0.0174532925199433]],PROJECTION["Albers"],PARAMETER["False_Easting",0],PARAMETER["False_Northing",0],PARAMETER["Central_Meridian",105],PARAMETER["Standard_Parallel_1",25],PARAMETER["Standard_Parallel_2",47],PARAMETER["Latitude_Of_Origin",0],UNIT["Meter",1]]' }];

describe('readGpkg on files built here', () => {
  const path = makeGpkg('two-layers.gpkg', [
    { table: 'counties', srsId: 32650, rows: [{ name: 'East', code: 11, geom: blob([square]) }, { name: 'West', code: 12, geom: blob([far]) }] },
    { table: 'albers', srsId: 100000, rows: [{ name: 'Only', code: 7, geom: blob([square, hole]) }] },
    { table: 'nocrs', srsId: -1, rows: [{ name: 'X', code: 1, geom: blob([square]) }] },
  ], SRS);

  it('first feature layer by default; EPSG code -> proj4; attributes without the fid', async () => {
    const layer = readGpkg(path);
    expect(layer.layer).toBe('counties');
    expect(layer.crs?.proj4).toMatch(/\+proj=tmerc .*\+lon_0=117 \+k_0=0\.9996 \+x_0=500000/); // UTM 50N
    expect(layer.features.map((f) => f.properties)).toEqual([{ name: 'East', code: 11 }, { name: 'West', code: 12 }]);
    expect(layer.features.map((f) => f.id)).toEqual([1, 2]);
    const zones = await readZones(path);
    expect(zones.zones.map((z) => [z.id, z.name])).toEqual([['11', 'East'], ['12', 'West']]);
    expect(zones.zones[1]!.polygons).toEqual([[far]]);
    expect(zones.crsSource).toMatch(/EPSG:32650/);
  });

  it('--zones-layer picks a layer; a WKT-only CRS goes through proj4', async () => {
    const zones = await readZones(path, { layer: 'albers' });
    expect(zones.zones[0]!.polygons).toEqual([[square, hole]]);
    expect(zones.crs.proj4).toMatch(/\+proj=aea/);
    expect(zones.crs.proj4).toMatch(/\+lon_0=105/);
    expect(zones.crs.isEqualArea).toBe(true);
  });

  it('bad input: unknown layer, undefined CRS, not a GeoPackage -> one paragraph naming file and fix', async () => {
    await expect(readZones(path, { layer: 'nope' })).rejects.toThrow(UserError);
    await expect(readZones(path, { layer: 'nope' })).rejects.toThrow(/no feature layer "nope".*counties, albers, nocrs/);
    await expect(readZones(path, { layer: 'nocrs' })).rejects.toThrow(/undefined coordinate system.*--zones-crs/);
    const fixed = await readZones(path, { layer: 'nocrs', crs: 'EPSG:32650' });
    expect(fixed.crs.proj4).toMatch(/\+lon_0=117 /);
    const plain = join(dir, 'plain.gpkg');
    const db = new Database(plain);
    db.exec('CREATE TABLE t (a INTEGER)');
    db.close();
    await expect(readZones(plain)).rejects.toThrow(/is not a GeoPackage.*ogr2ogr/);
    await expect(readZones(join(dir, 'missing.gpkg'))).rejects.toThrow(UserError);
  });
});

// ---- the real GeoPackages of ../shared/data/real -----------------------------------------------

function ringsOf(polygons: number[][][][]): Ring[] {
  return polygons.flat();
}

describe('readGpkg on real GeoPackages', () => {
  it('São Miguel concelhos.gpkg: 6 municipalities in EPSG:4326, same names, vertex counts and coordinates as the GeoJSON export', async () => {
    const gpkg = realFile('exactextractr-sao_miguel/concelhos.gpkg');
    const geojson = realFile('derived/concelhos-sao-miguel.geojson');
    if (!gpkg || !geojson) return;
    const zones = await readZones(gpkg);
    expect(zones.crs.isGeographic).toBe(true);
    expect(zones.crsSource).toMatch(/EPSG:4326/);
    const ref = JSON.parse(readFileSync(geojson, 'utf8')) as { features: { properties: { name: string }; geometry: { type: string; coordinates: number[][][][] } }[] };
    expect(zones.zones.map((z) => z.name)).toEqual(ref.features.map((f) => f.properties.name));
    expect(zones.zones).toHaveLength(6);
    zones.zones.forEach((z, i) => {
      const refPolys = ref.features[i]!.geometry.coordinates;
      expect(z.polygons.map((p) => p.map((r) => r.length))).toEqual(refPolys.map((p) => p.map((r) => r.length)));
      const a = ringsOf(z.polygons as number[][][][]).flat(), b = ringsOf(refPolys).flat();
      let maxDiffDeg = 0;
      a.forEach((p, k) => { maxDiffDeg = Math.max(maxDiffDeg, Math.abs(p[0]! - b[k]![0]!), Math.abs(p[1]! - b[k]![1]!)); });
      expect(maxDiffDeg).toBeLessThan(1e-12);
    });
  });

  it('Zion zion.gpkg: one UTM 12N polygon matching the shapefile export vertex for vertex', async () => {
    const gpkg = realFile('spDataLarge-zion/zion.gpkg');
    const shp = realFile('derived/zion.shp');
    if (!gpkg || !shp) return;
    const a = await readZones(gpkg);
    const b = await readZones(shp);
    expect(a.crs.proj4).toMatch(/\+proj=etmerc .*\+lon_0=-111 .*\+k_0=0\.9996 \+x_0=500000/); // UTM 12N
    expect(a.zones).toHaveLength(1);
    expect(a.zones[0]!.name).toBe('Zion National Park');
    expect(a.zones[0]!.polygons.map((p) => p.map((r) => r.length))).toEqual(b.zones[0]!.polygons.map((p) => p.map((r) => r.length)));
    const pa = a.zones[0]!.polygons.flat(2), pb = b.zones[0]!.polygons.flat(2);
    let maxDiffM = 0;
    pa.forEach((p, k) => { maxDiffM = Math.max(maxDiffM, Math.abs(Number(p[0]) - Number(pb[k]![0])), Math.abs(Number(p[1]) - Number(pb[k]![1]))); });
    expect(maxDiffM).toBeLessThan(1e-6);
  });

  it('New Guinea ecoregions.gpkg: 22 MultiPolygons in a cylindrical equal-area CRS', async () => {
    const gpkg = realFile('motif-newguinea/ecoregions.gpkg');
    if (!gpkg) return;
    const layer = readGpkg(gpkg);
    expect(layer.features).toHaveLength(22);
    expect(layer.features.every((f) => f.geometry?.type === 'MultiPolygon')).toBe(true);
    expect(layer.crs?.proj4).toMatch(/\+proj=cea \+lon_0=140\.8 \+lat_ts=5\.5 /);
    expect(layer.crs?.isEqualArea).toBe(true);
    const zones = await readZones(gpkg);
    expect(zones.zones).toHaveLength(22);
    // every vertex inside the layer's extent from gpkg_contents
    for (const z of zones.zones) for (const p of z.polygons.flat(2)) {
      expect(Number(p[0])).toBeGreaterThanOrEqual(-1091676.2);
      expect(Number(p[0])).toBeLessThanOrEqual(1116324);
      expect(Number(p[1])).toBeGreaterThanOrEqual(-1182156.5);
      expect(Number(p[1])).toBeLessThanOrEqual(-38556.4);
    }
  });
});
