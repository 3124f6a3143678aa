import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zoneArea } from '../boundaries/zone-geometry.js';
import { readZones } from '../boundaries/read-zones.js';
import { ringCrossings } from '../boundaries/ring-check.js';
import { coefficientLut, loadCoefficients } from '../pipeline/coefficients.js';
import { UserError } from '../pipeline/errors.js';
import { Tallies } from '../pipeline/merge.js';
import { makePlan } from '../pipeline/plan.js';
import { buildTables, type Tables } from '../pipeline/tables.js';
import { openRaster } from '../rasters/open.js';
import { createCounter } from '../workers/count-task.js';
import { buildShapefile, scene, sceneCsv, sceneGeoJson, sceneTiff, type Scene } from './inputs.js';
import { mutateBytes, mutateCsv, mutateIfd, mutateJson, rng, type Rand } from './mutate.js';

/**
 * The in-process fuzz harness: one case mutates one (sometimes two) of the valid scene's inputs
 * and runs the pipeline's pieces single-threaded (coefficients, zones, openRaster, the plan,
 * the worker's counter, the merge and the tables). Thrown UserErrors and "[user]" worker
 * failures are the expected answers to bad input; any other error, a table that does not
 * reconcile, a case slower than the time limit or a process above the memory limit is a finding.
 */

export type Verdict =
  | { kind: 'ok' }
  | { kind: 'user'; message: string }
  | { kind: 'finding'; message: string; stack?: string };

export interface FuzzCase {
  seed: number;
  /** What was mutated, for the report. */
  what: string;
  coverage: 'exact' | 'center';
  raster: string;
  zones: string;
  coefficients: string;
}

export const TIME_LIMIT_MS = 20_000;
export const RSS_LIMIT_BYTES = 1024 ** 3;

/** The valid inputs, serialized once. */
interface Base {
  scene: Scene;
  tiff: Uint8Array;
  ifd: [number, number];
  geojson: string;
  shp: ReturnType<typeof buildShapefile>;
  csv: string;
}

let base: Base | null = null;
function valid(): Base {
  if (!base) {
    const s = scene();
    const t = sceneTiff(s);
    base = { scene: s, tiff: t.bytes, ifd: [0, t.dataStart], geojson: sceneGeoJson(s), shp: buildShapefile(s.zones), csv: sceneCsv() };
  }
  return base;
}

/** Write case `seed`'s inputs into dir (overwriting the previous case's). */
export function makeCase(seed: number, dir: string): FuzzCase {
  const b = valid();
  const r: Rand = rng(seed);
  mkdirSync(dir, { recursive: true });
  const files = { raster: join(dir, 'landuse.tif'), geojson: join(dir, 'zones.geojson'), shp: join(dir, 'zones.shp'), coefficients: join(dir, 'coefficients.csv') };
  let tiff: Uint8Array = b.tiff;
  let geojson = b.geojson;
  let csv = b.csv;
  const shp = { ...b.shp } as Record<'shp' | 'shx' | 'dbf' | 'prj', Uint8Array | string | null>;
  const useShapefile = r() < 0.35;
  const steps: string[] = [];
  const targets = r() < 0.15 ? 2 : 1;
  for (let k = 0; k < targets; k++) {
    const target = r();
    if (target < 0.4) {
      const m = r() < 0.5 ? mutateIfd(tiff, r) : mutateBytes(tiff, r, b.ifd);
      tiff = m.bytes;
      steps.push(`tiff: ${m.what}`);
    } else if (target < 0.65 && !useShapefile) {
      const m = mutateJson(geojson, r);
      geojson = m.text;
      steps.push(`geojson: ${m.what}`);
    } else if (target < 0.65) {
      const part = (['shp', 'shp', 'shx', 'dbf', 'prj'] as const)[Math.floor(r() * 5)]!;
      if (shp[part] === null) continue; // removed by the case's first mutation
      if (r() < 0.05) { shp[part] = null; steps.push(`shapefile: no .${part}`); }
      else if (part === 'prj') { const m = mutateCsv(String(shp.prj), r); shp.prj = m.text; steps.push(`prj: ${m.what}`); }
      else { const m = mutateBytes(shp[part] as Uint8Array, r, [0, 100]); shp[part] = m.bytes; steps.push(`.${part}: ${m.what}`); }
    } else if (target < 0.8) {
      const m = mutateCsv(csv, r);
      csv = m.text;
      steps.push(`csv: ${m.what}`);
    } else {
      const m = mutateJson(geojson, r);
      geojson = m.text;
      const t = mutateBytes(tiff, r, b.ifd);
      tiff = t.bytes;
      steps.push(`geojson: ${m.what}; tiff: ${t.what}`);
    }
  }
  writeFileSync(files.raster, tiff);
  writeFileSync(files.coefficients, csv);
  if (useShapefile) {
    for (const ext of ['shp', 'shx', 'dbf', 'prj'] as const) {
      const p = join(dir, `zones.${ext}`);
      const data = shp[ext];
      if (data === null) rmSync(p, { force: true });
      else writeFileSync(p, data);
    }
  } else {
    writeFileSync(files.geojson, geojson);
  }
  return {
    seed, what: steps.join('; '), coverage: r() < 0.5 ? 'exact' : 'center',
    raster: files.raster, zones: useShapefile ? files.shp : files.geojson, coefficients: files.coefficients,
  };
}

/** Run one case in-process and classify the outcome. */
export async function runCase(c: FuzzCase): Promise<Verdict> {
  const t0 = performance.now();
  let verdict: Verdict;
  try {
    verdict = await pipeline(c);
  } catch (err) {
    verdict = classify(err);
  }
  const ms = performance.now() - t0;
  if (ms > TIME_LIMIT_MS) return { kind: 'finding', message: `took ${(ms / 1000).toFixed(1)} s (limit ${TIME_LIMIT_MS / 1000} s); outcome ${verdict.kind}` };
  const rss = process.memoryUsage.rss();
  if (rss > RSS_LIMIT_BYTES) return { kind: 'finding', message: `process RSS ${(rss / 2 ** 20).toFixed(0)} MB after the case (limit ${RSS_LIMIT_BYTES / 2 ** 20} MB); outcome ${verdict.kind}` };
  return verdict;
}

/** UserErrors and "[user]" worker failures are answers; anything else is a bug. */
export function classify(err: unknown): Verdict {
  if (err instanceof UserError) return { kind: 'user', message: err.message };
  const msg = (err as Error)?.message ?? String(err);
  if (msg.startsWith('[user] ')) return { kind: 'user', message: msg.slice(7) };
  return { kind: 'finding', message: `${(err as Error)?.name ?? 'throw'}: ${msg}`, stack: (err as Error)?.stack };
}

async function pipeline(c: FuzzCase): Promise<Verdict> {
  const table = await loadCoefficients(c.coefficients);
  const zones = await readZones(c.zones);
  const raster = await openRaster(c.raster);
  const plan = makePlan([{ year: 2020, files: [raster] }], zones, { coverage: c.coverage, cellArea: 'true', extent: 'zones', rasters: false, nodataOut: -9999 });
  const count = createCounter({
    geometries: plan.groups.map((g) => g.geometry),
    areaLattices: plan.groups.map((g) => g.cellArea.lattice),
    coefficientByCode: coefficientLut(table),
    unmappedCoefficient: 0,
  });
  const tallies = new Tallies(plan, zones.zones.length);
  try {
    for (const task of plan.tasks) tallies.add(task, await count(task));
  } finally {
    await count.close();
  }
  const tables = buildTables(plan, tallies, zones.zones, table, true);
  const problem = reconcile(tables);
  if (problem) return { kind: 'finding', message: `tables do not reconcile: ${problem}` };
  // Exact coverage counts at most each zone's polygon area (less where it leaves the raster).
  const group = plan.groups[0]!;
  // (Not for invalid zones: rings that cross or run along each other are counted as drawn.)
  if (c.coverage === 'exact' && group.cellArea.constantHa !== null) {
    for (const z of tables.zones) {
      const zi = zones.zones.findIndex((x) => x.id === z.zone_id);
      if (ringCrossings(zones.zones[zi]!.polygons.flat() as number[][][], 1, true).length > 0) continue;
      const polygonHa = zoneArea(group.geometry, zi) * group.cellArea.constantHa;
      const countedHa = z.area_ha + z.nodata_ha;
      if (countedHa > polygonHa * (1 + 1e-9) + 1e-9) return { kind: 'finding', message: `zone ${z.zone_id}: ${countedHa} ha counted, more than its polygon's ${polygonHa} ha` };
    }
  }
  return { kind: 'ok' };
}

const near = (a: number, b: number, scale: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b), scale);

/** The sums the tables promise (pipeline/check.ts checks the same on a written folder). */
export function reconcile(t: Tables): string | null {
  const sum = new Map<string, [number, number, number]>();
  const add = (k: string, area: number, seq: number) => {
    const e = sum.get(k) ?? [0, 0, 0];
    e[0] += area; e[1] += seq; e[2] += Math.abs(area) + Math.abs(seq);
    sum.set(k, e);
  };
  for (const r of t.zonesClasses) {
    if (!Number.isFinite(r.area_ha) || !Number.isFinite(r.sequestration_t_yr) || r.area_ha < -1e-9) return `zones_classes ${r.zone_id}/${r.class_code}: area ${r.area_ha}, sequestration ${r.sequestration_t_yr}`;
    add(`z|${r.year}|${r.zone_id}`, r.area_ha, r.sequestration_t_yr);
    add(`c|${r.year}|${r.class_code}`, r.area_ha, r.sequestration_t_yr);
  }
  for (const z of t.zones) {
    if (!Number.isFinite(z.nodata_ha) || z.nodata_ha < -1e-9) return `zone ${z.zone_id}: nodata ${z.nodata_ha}`;
    const [a, s, m] = sum.get(`z|${z.year}|${z.zone_id}`) ?? [0, 0, 0];
    if (!near(a, z.area_ha, m) || !near(s, z.sequestration_t_yr, m)) return `zone ${z.zone_id}: classes sum to ${a} ha / ${s} t, zones.csv says ${z.area_ha} / ${z.sequestration_t_yr}`;
  }
  for (const c of t.classes) {
    const [a, s, m] = sum.get(`c|${c.year}|${c.class_code}`) ?? [0, 0, 0];
    if (!near(a, c.area_ha, m) || !near(s, c.sequestration_t_yr, m)) return `class ${c.class_code}: zones sum to ${a} ha / ${s} t, classes.csv says ${c.area_ha} / ${c.sequestration_t_yr}`;
  }
  return null;
}
