import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { SpawnSyncReturns } from 'node:child_process';
import { RUN_FLAGS } from '../pipeline/spec.js';
import { readCsv, realFile, runCli, tmpDir } from './helpers.js';

// User errors through the CLI, as a user meets them: exit code 2, one paragraph starting with
// "error:" that names the file, no stack trace, and --out left exactly as it was.

const tmp = tmpDir('cli-errors');
afterAll(tmp.cleanup);
const cas = realFile('resdc-landuse-sichuan-chongqing-300m/landuse2000.tif');
const chongqing = realFile('datav-gmap/500000.json');
// Chengdu's counties all lie inside the CAS raster (one Chongqing county does not, which adds a warning).
const chengdu = realFile('datav-gmap/510100.json');

const SENTINEL = 'results of an earlier run\n';
let n = 0;

/** A fresh --out folder holding one sentinel file. */
function outWithSentinel(): string {
  const out = join(tmp.dir, `out${++n}`);
  mkdirSync(out);
  writeFileSync(join(out, 'keep.txt'), SENTINEL);
  return out;
}

function expectUserError(res: SpawnSyncReturns<string>, mentions: string[], out?: string): void {
  expect(res.status, res.stderr).toBe(2);
  expect(res.stderr.startsWith('error: ')).toBe(true);
  const text = res.stderr.trim();
  expect(text.split('\n')).toHaveLength(1); // one paragraph
  expect(text).not.toContain('    at ');
  expect(text).not.toMatch(/internal error/);
  for (const m of mentions) expect(text).toContain(m);
  if (out) expectUntouched(out);
}

function expectUntouched(out: string): void {
  expect(readdirSync(out)).toEqual(['keep.txt']);
  expect(readFileSync(join(out, 'keep.txt'), 'utf8')).toBe(SENTINEL);
  expect(readdirSync(dirname(out)).filter((f) => f.startsWith(`.${basename(out)}.lucc-tmp-`))).toEqual([]);
}

/** A GeoJSON FeatureCollection with one lon/lat square. */
function squareZones(name: string, lon: number, lat: number, size: number): string {
  const p = join(tmp.dir, name);
  const ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]];
  writeFileSync(p, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: 1, name: 'square' }, geometry: { type: 'Polygon', coordinates: [ring] } }] }));
  return p;
}

describe('bad rasters', () => {
  let zones: string;
  beforeAll(() => { zones = squareZones('zones.geojson', 106.4, 29.4, 0.2); });

  it('a missing raster file', () => {
    const missing = join(tmp.dir, 'no-such-landuse.tif');
    const out = outWithSentinel();
    expectUserError(runCli(['run', '--raster', `2000=${missing}`, '--zones', zones, '--out', out, '--workers', '1']), [missing, 'not found'], out);
  });

  it('a zero-byte file', () => {
    const empty = join(tmp.dir, 'empty.tif');
    writeFileSync(empty, '');
    const out = outWithSentinel();
    expectUserError(runCli(['run', '--raster', `2000=${empty}`, '--zones', zones, '--out', out, '--workers', '1']), [empty, 'empty'], out);
  });

  it('a PNG renamed .tif', () => {
    const png = join(tmp.dir, 'picture.tif');
    writeFileSync(png, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x00\x00\x00\x00', 'latin1'), Buffer.alloc(64)]));
    const out = outWithSentinel();
    expectUserError(runCli(['run', '--raster', `2000=${png}`, '--zones', zones, '--out', out, '--workers', '1']), [png, 'not a readable GeoTIFF'], out);
  });

  it('a text file renamed .tif', () => {
    const txt = join(tmp.dir, 'notes.tif');
    writeFileSync(txt, 'code,name\n11,paddy field\n'.repeat(20));
    const out = outWithSentinel();
    expectUserError(runCli(['run', '--raster', `2000=${txt}`, '--zones', zones, '--out', out, '--workers', '1']), [txt, 'GeoTIFF'], out);
  });
});

describe('zones and class codes against the real CAS raster', () => {
  const listedCells = new Map<number, number>();
  it('zones that miss the raster (a square near lon 0, lat 0)', () => {
    if (!cas) return;
    const far = squareZones('gulf-of-guinea.geojson', 0.1, 0.1, 0.5);
    const out = outWithSentinel();
    expectUserError(runCli(['run', '--raster', `2000=${cas}`, '--zones', far, '--out', out, '--workers', '1']), [far, cas, 'no zone overlaps'], out);
  });

  it('class codes without a coefficient: chengde-2024 against first-level codes 1..6 lists each code with its cell count', () => {
    if (!cas || !chengdu) return;
    const out = outWithSentinel();
    const res = runCli(['run', '--raster', `2000=${cas}`, '--zones', chengdu, '--coefficients', 'chengde-2024', '--coverage', 'center', '--out', out, '--workers', '2', '--quiet']);
    expectUserError(res, [cas, '--unmapped zero'], out);
    const listed = [...res.stderr.matchAll(/(\d+) \((\d+) cells in 2000\)/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
    expect(listed.map(([code]) => code)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const [code, cells] of listed) {
      expect(cells).toBeGreaterThan(0);
      listedCells.set(code, cells);
    }
  });

  it('--unmapped zero makes the same run succeed; zones_classes reports primary_class "unmapped" with its area', () => {
    if (!cas || !chengdu) return;
    const out = outWithSentinel();
    const res = runCli(['run', '--raster', `2000=${cas}`, '--zones', chengdu, '--coefficients', 'chengde-2024', '--unmapped', 'zero', '--coverage', 'center', '--no-rasters', '--out', out, '--workers', '2', '--quiet']);
    expect(res.status, res.stderr).toBe(0);
    const rows = readCsv(readFileSync(join(out, 'zones_classes.csv'), 'utf8'));
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.class_code))).toEqual(new Set(['1', '2', '3', '4', '5', '6']));
    for (const r of rows) {
      expect(r.primary_class).toBe('unmapped');
      expect(Number(r.area_ha)).toBe(Number(r.cells) * 9);
      expect(Number(r.area_ha)).toBeGreaterThan(0);
      expect(Number(r.coefficient_t_ha_yr)).toBe(0);
      expect(Number(r.sequestration_t_yr)).toBe(0);
    }
    expect(readFileSync(join(out, 'keep.txt'), 'utf8')).toBe(SENTINEL);
    // the error message's cell counts are the ones this run reports
    const cellsByCode = new Map<number, number>();
    for (const r of rows) cellsByCode.set(Number(r.class_code), (cellsByCode.get(Number(r.class_code)) ?? 0) + Number(r.cells));
    expect(cellsByCode).toEqual(listedCells);
  });
});

describe('flags and settings', () => {
  let zones: string;
  beforeAll(() => { zones = squareZones('zones-flags.geojson', 106.4, 29.4, 0.2); });

  it('an unknown flag', () => {
    const out = outWithSentinel();
    expectUserError(runCli(['run', '--raster', `2000=${cas ?? 'x.tif'}`, '--zones', zones, '--bogus-flag', '3', '--out', out]), ['--bogus-flag', '--help'], out);
  });

  it('missing --zones', () => {
    const out = outWithSentinel();
    expectUserError(runCli(['run', '--raster', `2000=${cas ?? 'x.tif'}`, '--out', out]), ['--zones is required'], out);
  });

  it('--out pointing at a file', () => {
    if (!cas) return;
    const file = join(tmp.dir, 'results.txt');
    writeFileSync(file, SENTINEL);
    expectUserError(runCli(['run', '--raster', `2000=${cas}`, '--zones', zones, '--out', file, '--workers', '1']), [file, 'is a file']);
    expect(readFileSync(file, 'utf8')).toBe(SENTINEL);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('.results.txt.lucc-tmp-'))).toEqual([]);
  });

  it('a coefficient CSV missing a column', () => {
    if (!cas) return;
    const csv = join(tmp.dir, 'coef-missing.csv');
    writeFileSync(csv, 'code,name,coefficient_t_ha_yr\n1,cropland,5\n');
    const out = outWithSentinel();
    expectUserError(runCli(['run', '--raster', `2000=${cas}`, '--zones', zones, '--coefficients', csv, '--out', out, '--workers', '1']), [csv, 'primary'], out);
  });

  it('lucc-carbon --help exits 0 and lists every flag of RUN_FLAGS', () => {
    const res = runCli(['--help']);
    expect(res.status).toBe(0);
    expect(res.stderr).toBe('');
    for (const f of RUN_FLAGS) {
      const shown = f.kind === 'boolean' && f.default === true ? `--no-${f.name}` : `--${f.name}`;
      expect(res.stdout, f.name).toMatch(new RegExp(`${shown}\\b`));
      expect(res.stdout).toContain(f.about);
    }
    expect(runCli(['run', '--help']).stdout).toBe(res.stdout);
  });
});
