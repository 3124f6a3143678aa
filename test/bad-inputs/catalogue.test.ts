import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectZones } from '../../boundaries/project.js';
import { readZones } from '../../boundaries/read-zones.js';
import { zoneArea } from '../../boundaries/zone-geometry.js';
import { checkOutputs } from '../../pipeline/check.js';
import { sameCrs } from '../../rasters/crs.js';
import { openRaster } from '../../rasters/open.js';
import { CLI, ROOT, readCsv, realFile, tmpDir } from '../helpers.js';
import { CATALOGUE, CaseFolder, caseSlug, realAvailable } from './catalogue.js';

// Every case of the bad-input catalogue through the CLI, as a user meets it. Errors: exit 2,
// one "error:" paragraph naming the file, no stack, inputs and --out untouched. Handled cases:
// exit 0, warnings only, tables that reconcile (and equal the valid scene's where stated).
// Every run must end within 20 s and peak below 1 GB of RSS.

const tmp = tmpDir('bad-inputs');
afterAll(tmp.cleanup);
const SENTINEL = 'results of an earlier run\n';
const TIME_LIMIT_MS = 20_000;
const RSS_LIMIT_KB = 1024 * 1024;
// Records the process's peak RSS at exit (kilobytes), for any outcome.
const RSS_PROBE = 'data:text/javascript,' + encodeURIComponent(
  'import{writeFileSync}from"node:fs";process.on("exit",()=>{try{writeFileSync(process.env.LUCC_RSS_OUT,String(process.resourceUsage().maxRSS))}catch{}});',
);

interface CliRun { status: number | null; stderr: string; stdout: string; ms: number; rssKb: number }

function runCli(args: string[], rssFile: string): Promise<CliRun> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', RSS_PROBE, CLI, 'run', ...args], { cwd: ROOT, env: { ...process.env, LUCC_RSS_OUT: rssFile } });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), TIME_LIMIT_MS * 2);
    child.on('close', (status) => {
      clearTimeout(timer);
      const rssKb = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : Number.NaN;
      resolve({ status, stdout, stderr, ms: performance.now() - t0, rssKb });
    });
  });
}

/** Every file under dir (relative path -> SHA-256), skipping `skip` (the --out folder of ok cases). */
function snapshot(dir: string, skip?: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (p === skip) continue;
      const st = statSync(p);
      if (st.isDirectory()) { out.set(`${rel}${name}/`, 'dir'); walk(p, `${rel}${name}/`); }
      else out.set(rel + name, createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir, '');
  return out;
}

type Row = Record<string, string>;
const key = (r: Row) => `${r.zone_id}|${r.class_code}`;

function expectSameTables(got: Row[], want: Row[], tolerance: number): void {
  expect(got.map(key).sort()).toEqual(want.map(key).sort());
  const byKey = new Map(want.map((r) => [key(r), r]));
  for (const r of got) {
    const w = byKey.get(key(r))!;
    for (const col of ['area_ha', 'cells', 'sequestration_t_yr']) {
      const a = Number(r[col]), b = Number(w[col]);
      expect(Math.abs(a - b) / Math.max(1e-12, Math.abs(b)), `${key(r)} ${col}: ${a} vs ${b}`).toBeLessThanOrEqual(tolerance);
    }
  }
}

let baseline: Row[] = [];

beforeAll(async () => {
  const c = new CaseFolder(join(tmp.dir, 'valid-scene'));
  const out = join(c.dir, 'out');
  const res = await runCli([...c.args(), '--out', out, '--quiet'], join(c.dir, 'rss'));
  expect(res.stderr).toBe('');
  expect(res.status).toBe(0);
  baseline = readCsv(readFileSync(join(out, 'zones_classes.csv'), 'utf8'));
  // the valid scene has both zones, several classes and nodata inside zone A
  expect(new Set(baseline.map((r) => r.zone_id))).toEqual(new Set(['1', '2']));
  expect(new Set(baseline.map((r) => r.class_code)).size).toBeGreaterThan(5);
  const zones = readCsv(readFileSync(join(out, 'zones.csv'), 'utf8'));
  expect(Number(zones.find((z) => z.zone_id === '1')!.nodata_ha)).toBeGreaterThan(0);
});

describe.concurrent('bad-input catalogue', () => {
  it('has at least 40 cases with distinct names', () => {
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CATALOGUE.map((k) => k.name)).size).toBe(CATALOGUE.length);
  });

  for (const k of CATALOGUE) {
    it(`${k.name} -> ${k.outcome === 'error' ? 'exit 2' : 'exit 0'}`, async () => {
      if (k.needs && !realAvailable(k.needs)) {
        if (process.env.CI === 'true') throw new Error(`real data missing in CI: ${k.needs.join(', ')}`);
        return;
      }
      const c = new CaseFolder(join(tmp.dir, caseSlug(k.name)));
      const built = k.build(c);
      const ownOut = join(c.dir, 'out');
      mkdirSync(ownOut, { recursive: true });
      writeFileSync(join(ownOut, 'keep.txt'), SENTINEL);
      const out = built.out ?? ownOut;
      const before = snapshot(c.dir, k.outcome === 'ok' ? ownOut : undefined);
      const res = await runCli([...built.args, '--out', out, '--quiet'], join(tmp.dir, `${caseSlug(k.name)}.rss`));
      const text = res.stderr.trim();

      expect(res.ms, 'run time').toBeLessThan(TIME_LIMIT_MS);
      expect(res.rssKb, 'peak RSS (kB)').toBeLessThan(RSS_LIMIT_KB);
      expect(text).not.toContain('\n    at ');
      expect(text).not.toMatch(/internal error/);
      // inputs never change; nothing is staged beside --out
      expect(snapshot(c.dir, k.outcome === 'ok' ? ownOut : undefined)).toEqual(before);
      expect([...snapshot(c.dir).keys()].filter((p) => p.includes('.lucc-tmp-'))).toEqual([]);

      if (k.outcome === 'error') {
        expect(res.status, text).toBe(2);
        expect(res.stderr.startsWith('error: ')).toBe(true);
        expect(text.split('\n'), 'one paragraph').toHaveLength(1);
        expect(text).toContain(built.names);
        expect(text).toMatch(k.message!);
        expect(readdirSync(ownOut)).toEqual(['keep.txt']);
        expect(readFileSync(join(ownOut, 'keep.txt'), 'utf8')).toBe(SENTINEL);
        return;
      }

      expect(res.status, text).toBe(0);
      const lines = text === '' ? [] : text.split('\n');
      for (const l of lines) expect(l.startsWith('warning: '), l).toBe(true);
      if (k.message) expect(lines.some((l) => k.message!.test(l)), text).toBe(true);
      else expect(lines).toEqual([]);
      expect(readFileSync(join(out, 'keep.txt'), 'utf8')).toBe(SENTINEL);
      for (const check of await checkOutputs(out)) expect(check.ok, `${check.name}: ${check.detail}`).toBe(true);
      const rows = readCsv(readFileSync(join(out, 'zones_classes.csv'), 'utf8'));
      expect(rows.length).toBeGreaterThan(0);
      if (k.same) expectSameTables(rows, baseline, k.tolerance ?? 1e-9);
      if (k.noNodata) {
        for (const z of readCsv(readFileSync(join(out, 'zones.csv'), 'utf8'))) expect(Number(z.nodata_ha)).toBe(0);
      }
    });
  }
});

describe('the real ESRI "Behrmann" .prj (derived/ecoregions-newguinea.prj)', () => {
  const shp = realFile('derived/ecoregions-newguinea.shp');
  const gpkg = realFile('motif-newguinea/ecoregions.gpkg');
  const raster = realFile('motif-newguinea/landcover2001.tif');

  it('reads as +proj=cea with its own standard parallel (5.5, as GDAL reads it), the CRS of the landcover rasters; polygon areas equal GDAL\'s on the GeoPackage', async () => {
    if (!shp || !gpkg || !raster) return;
    const zones = await readZones(shp);
    expect(zones.crs.proj4).toMatch(/^\+proj=cea .*\+lat_ts=5\.5/);
    expect(zones.crs.isEqualArea).toBe(true);
    expect(zones.crsSource).toMatch(/ESRI dialect/);
    expect(sameCrs(zones.crs, (await openRaster(raster)).crs)).toBe(true);
    expect(zones.zones).toHaveLength(22);
    // areas in the file's own (equal-area) CRS: pixel space of a 1 m grid at the origin
    const g = projectZones(zones, zones.crs, { originX: 0, originY: 0, cellWidth: 1, cellHeight: 1, cols: 1, rows: 1 }, false, 'exact');
    const ours = zones.zones.map((_, z) => zoneArea(g, z));
    const ogr = spawnSync('ogrinfo', ['-q', '-dialect', 'sqlite', '-sql', 'SELECT ST_Area(geom) AS a FROM ecoregions', gpkg], { encoding: 'utf8' });
    if (ogr.status !== 0 || ogr.error) {
      if (process.env.CI === 'true') throw new Error('ogrinfo (gdal-bin) missing in CI');
      return;
    }
    const gdal = [...ogr.stdout.matchAll(/a \(Real\) = ([\d.eE+-]+)/g)].map((m) => Number(m[1]));
    expect(gdal).toHaveLength(22);
    ours.forEach((a, i) => expect(Math.abs(a / gdal[i]! - 1), zones.zones[i]!.name).toBeLessThan(1e-9));
  });
});
