// The bench fixture: five epochs (2000-2020) of a size x size, 30 m, CAS-coded uint8 land-use raster in
// CAS Albers over Chengde (DEFLATE, 256 x 256 tiles, nodata 0 outside the counties) and 11 counties in
// lon/lat. Deterministic (seeded), generated tile row by tile row in worker threads and streamed to
// disk, cached under bench/.data/ and regenerated when the parameters or the generator's code change.
//
//     node dist/bench/fixture.js [--size N] [--seed S]
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import proj4 from '../rasters/proj4.js';
import { CAS_ALBERS_PROJ4, mulberry32 } from '../data/demo.js';
import { GeoTiffWriter, casAlbersGeoKeys } from '../output/geotiff-writer.js';
import { buildCounties } from './counties.js';
import type { FixtureWorkerData, TileRowResult } from './fixture-worker.js';
import { EPOCH_COUNT } from './landcover.js';

/** Bump when the fixture's meaning changes; edits to the generator's code are caught by its hash anyway. */
const FIXTURE_VERSION = 1;
export const FIXTURE_YEARS = [2000, 2005, 2010, 2015, 2020] as const;
const CELL_M = 30;
const TILE_SIZE = 256;
const NODATA = 0;
/** Centre of the raster: Chengde (lon 115.9-119.3, lat 40.2-42.6). */
const CENTER_LON = 117.6, CENTER_LAT = 41.4;
/** A tile counts as "inside" for the DEFLATE ratio when at least this share of its cells is in a county. */
const INSIDE_TILE_SHARE = 0.9;
const GENERATOR_FILES = ['landcover.js', 'counties.js', 'fixture-worker.js', 'fixture.js', '../data/procedural.js', '../data/demo.js'];

export interface FixtureStats {
  generationS: number;
  /** share of the raster's cells inside the counties' union */
  insideShare: number;
  /** raw bytes / DEFLATE bytes over tiles at least 90 % inside the counties, all epochs */
  deflateRatioInside: number;
  tilesInside: number;
  fileBytes: number[];
  /** cells that change between consecutive epochs (2000->2005, ...) */
  changedCells: number[];
  verticesPerCounty: number[];
}
export interface Fixture {
  dir: string;
  size: number;
  rasters: { year: number; path: string }[];
  zonesPath: string;
  stats: FixtureStats;
  cached: boolean;
}
interface Manifest { params: Record<string, unknown>; stats: FixtureStats }

const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
const projectRoot = resolve(here, '..', '..');

/** The fixture for (size, seed), generated into bench/.data/ unless a matching one is there. */
export async function ensureFixture(opts: { size?: number; seed?: number; log?: (line: string) => void } = {}): Promise<Fixture> {
  const size = opts.size ?? 10_000, seed = opts.seed ?? 20_002_020;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (!(Number.isInteger(size) && size >= 512)) throw new Error(`fixture: --size must be an integer >= 512 cells, got ${size}.`);
  const dir = join(projectRoot, 'bench', '.data', `fixture-${size}-${seed}`);
  const extentM = size * CELL_M;
  const [cx, cy] = proj4(CAS_ALBERS_PROJ4).forward([CENTER_LON, CENTER_LAT]) as [number, number];
  const originX = Math.round((cx - extentM / 2) / CELL_M) * CELL_M, originY = Math.round((cy + extentM / 2) / CELL_M) * CELL_M;
  const params = { version: FIXTURE_VERSION, generator: generatorHash(), size, seed, tileSize: TILE_SIZE, cellM: CELL_M, originX, originY, years: FIXTURE_YEARS };
  const rasters = FIXTURE_YEARS.map((year) => ({ year, path: join(dir, `landuse_${year}.tif`) }));
  const zonesPath = join(dir, 'counties.geojson');
  const manifestPath = join(dir, 'manifest.json');

  const manifest = await readFile(manifestPath, 'utf8').then((t) => JSON.parse(t) as Manifest, () => null);
  if (manifest && JSON.stringify(manifest.params) === JSON.stringify(params) && [zonesPath, ...rasters.map((r) => r.path)].every((p) => existsSync(p))) {
    return { dir, size, rasters, zonesPath, stats: manifest.stats, cached: true };
  }
  log(`generating the fixture: ${FIXTURE_YEARS.length} epochs of ${size} x ${size} cells into ${dir} ...`);
  const t0 = performance.now();
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const counties = buildCounties({ originX, originY, cellM: CELL_M, size }, mulberry32(seed ^ 0xc0de));
  await writeFile(zonesPath, JSON.stringify(counties.geojson));
  const counts = await writeRasters(rasters.map((r) => r.path), { size, seed, tileSize: TILE_SIZE, edgesPx: counties.edgesPx }, originX, originY);
  const fileBytes = await Promise.all(rasters.map(async (r) => (await stat(r.path)).size));
  const stats: FixtureStats = {
    generationS: (performance.now() - t0) / 1000,
    insideShare: counts.insideCells / (size * size),
    deflateRatioInside: counts.insideRawBytes / counts.insideCompressedBytes,
    tilesInside: counts.tilesInside,
    fileBytes,
    changedCells: counts.changedCells.slice(1),
    verticesPerCounty: counties.verticesPerCounty,
  };
  const tmp = `${manifestPath}.tmp`;
  await writeFile(tmp, JSON.stringify({ params, stats } satisfies Manifest, null, 2) + '\n');
  await rename(tmp, manifestPath);
  return { dir, size, rasters, zonesPath, stats, cached: false };
}

/** Tile rows go to worker threads; results are appended to the five files in row-major order. */
async function writeRasters(paths: string[], data: FixtureWorkerData, originX: number, originY: number) {
  const { size, tileSize } = data;
  const writers = await Promise.all(paths.map((p) => GeoTiffWriter.create(p, {
    width: size, height: size, sampleType: 'uint8', tileSize, originX, originY,
    cellWidth: CELL_M, cellHeight: CELL_M, nodata: NODATA, geoKeys: casAlbersGeoKeys(),
  })));
  const tilesAcross = writers[0]!.tilesAcross, tilesDown = writers[0]!.tilesDown;
  const threads = Math.max(1, Math.min(availableParallelism(), tilesDown));
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./fixture-worker.js', import.meta.url), { workerData: data }));
  const counts = { insideCells: 0, tilesInside: 0, insideRawBytes: 0, insideCompressedBytes: 0, changedCells: new Array<number>(EPOCH_COUNT).fill(0) };
  const ready = new Map<number, TileRowResult>();
  let nextRow = 0, nextToWrite = 0;
  try {
    await new Promise<void>((done, fail) => {
      let writing = Promise.resolve();
      const idle: Worker[] = [];
      // at most 3 rows per thread waiting to be written: memory stays at a few MB
      const dispatch = (): void => {
        while (idle.length > 0 && nextRow < tilesDown && nextRow - nextToWrite < 3 * threads) idle.pop()!.postMessage(nextRow++);
      };
      const append = async (): Promise<void> => {
        for (let r = ready.get(nextToWrite); r; r = ready.get(nextToWrite)) {
          ready.delete(nextToWrite);
          for (let e = 0; e < EPOCH_COUNT; e++) {
            for (let tc = 0; tc < tilesAcross; tc++) await writers[e]!.writeCompressedTile(nextToWrite * tilesAcross + tc, r.tiles[e * tilesAcross + tc]!);
          }
          for (let tc = 0; tc < tilesAcross; tc++) {
            const inside = r.insideCells[tc]!;
            counts.insideCells += inside;
            if (inside < INSIDE_TILE_SHARE * tileSize * tileSize) continue;
            counts.tilesInside++;
            for (let e = 0; e < EPOCH_COUNT; e++) {
              counts.insideRawBytes += tileSize * tileSize;
              counts.insideCompressedBytes += r.tiles[e * tilesAcross + tc]!.byteLength;
            }
          }
          r.changedCells.forEach((n, e) => { counts.changedCells[e] = counts.changedCells[e]! + n; });
          nextToWrite++;
        }
        if (nextToWrite === tilesDown) done();
        dispatch();
      };
      for (const w of workers) {
        w.on('message', (r: TileRowResult) => {
          ready.set(r.tileRow, r);
          idle.push(w);
          writing = writing.then(append).catch(fail);
        });
        w.on('error', fail);
        idle.push(w);
      }
      dispatch();
    });
    for (const w of writers) await w.finish();
  } catch (err) {
    for (const w of writers) await w.abort().catch(() => undefined);
    throw err;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return counts;
}

/** Hash of the generator's compiled code: a changed generator never reuses an old fixture. */
function generatorHash(): string {
  const h = createHash('sha256');
  for (const f of GENERATOR_FILES) h.update(readFileSync(join(here, f)));
  return h.digest('hex').slice(0, 16);
}

export function describeFixture(f: Fixture): string {
  const s = f.stats, mb = (n: number): string => (n / 1e6).toFixed(1);
  const verts = s.verticesPerCounty;
  return [
    `fixture: ${f.rasters.length} epochs x ${f.size} x ${f.size} cells (${(f.size * f.size / 1e6).toFixed(0)} M cells each), 30 m CAS Albers, 256 x 256 DEFLATE tiles ${f.cached ? '(cached; ' : '('}generated in ${s.generationS.toFixed(1)} s)`,
    `  ${f.dir}`,
    `  inside the counties: ${(100 * s.insideShare).toFixed(1)} % of cells; DEFLATE ratio inside (${s.tilesInside} tiles >= 90 % inside, all epochs): ${s.deflateRatioInside.toFixed(2)}:1`,
    `  files: ${s.fileBytes.map(mb).join(', ')} MB; cells changed per epoch step: ${s.changedCells.map((n) => (n / 1e6).toFixed(2) + ' M').join(', ')}`,
    `  counties: ${verts.length}, vertices each ${Math.min(...verts)}-${Math.max(...verts)} (total ${verts.reduce((a, b) => a + b, 0)})`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const fixture = await ensureFixture({ size: arg('size', 10_000), seed: arg('seed', 20_002_020) });
  process.stdout.write(describeFixture(fixture) + '\n');
}
