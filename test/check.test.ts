import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECK_REL_TOLERANCE, checkOutputs } from '../pipeline/check.js';
import { runCli, tmpDir } from './helpers.js';
import { writeTwoClassFixture } from './hectare-grid.js';

// checkOutputs is the public invariant check: it must pass on an untouched run and fail, naming
// the check, when one number in one table is changed.
const TABLE = 'code,name,primary,coefficient_t_ha_yr,coefficient_low,coefficient_high\n21,forested land,forest,8.7,8,10\n12,dry land,cultivated,6.15,5,7\n';

describe('lucc-carbon check on a two-class centre-rule run', () => {
  const tmp = tmpDir('check');
  const out = join(tmp.dir, 'out');

  beforeAll(async () => {
    const f = await writeTwoClassFixture(tmp.dir);
    writeFileSync(join(tmp.dir, 'table.csv'), TABLE);
    const r = runCli(['run', '--raster', `2000=${f.raster2000}`, '--raster', `2020=${f.raster2020}`, '--zones', f.zones,
      '--coefficients', join(tmp.dir, 'table.csv'), '--coverage', 'center', '--quiet', '--workers', '1', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
  }, 60_000);
  afterAll(tmp.cleanup);

  it('every check holds, including the raster sum and the ranges, and the CLI exits 0', async () => {
    const results = await checkOutputs(out);
    expect(results.map((r) => r.name)).toEqual([
      'class areas sum to zone areas', 'zones sum to the region', 'change.csv matches zones.csv',
      'transitions sum to the areas of both epochs', 'attribution sums to change', 'ranges hold the values', 'rasters sum to tables',
    ]);
    for (const r of results) {
      expect(r.ok, `${r.name}: ${r.detail}`).toBe(true);
      expect(r.skipped, `${r.name}: ${r.detail}`).toBe(false);
      expect(r.worstRel).toBeLessThanOrEqual(CHECK_REL_TOLERANCE);
    }
    const cli = runCli(['check', out]);
    expect(cli.status).toBe(0);
    expect(cli.stdout).toMatch(/all checks hold/);
  });

  it('one area edited in zones_classes.csv fails "class areas sum to zone areas" and the CLI exits 1', async () => {
    const bad = join(tmp.dir, 'tampered');
    cpSync(out, bad, { recursive: true });
    const file = join(bad, 'zones_classes.csv');
    const lines = readFileSync(file, 'utf8').split('\n');
    const head = lines[0]!.split(',');
    const cells = lines[1]!.split(',');
    const col = head.indexOf('area_ha');
    cells[col] = String(Number(cells[col]) + 1);
    lines[1] = cells.join(',');
    writeFileSync(file, lines.join('\n'));
    const results = await checkOutputs(bad);
    const failed = results.filter((r) => !r.ok).map((r) => r.name);
    expect(failed).toContain('class areas sum to zone areas');
    const r = results.find((x) => x.name === 'class areas sum to zone areas')!;
    expect(r.worstAbs).toBeCloseTo(1, 9);
    expect(r.detail).toMatch(/zone 130800/);
    const cli = runCli(['check', bad]);
    expect(cli.status).toBe(1);
    expect(cli.stdout).toMatch(/FAIL {2}class areas sum to zone areas/);
  });

  it('a raster that disagrees with the tables fails "rasters sum to tables"', async () => {
    const bad = join(tmp.dir, 'other-raster');
    cpSync(out, bad, { recursive: true });
    cpSync(join(out, 'sequestration_2000.tif'), join(bad, 'sequestration_2020.tif'));
    const results = await checkOutputs(bad);
    expect(results.filter((r) => !r.ok).map((r) => r.name)).toEqual(['rasters sum to tables']);
  });

  it('a folder without a run exits 2 naming summary.json', () => {
    const cli = runCli(['check', join(tmp.dir, 'no-such-run')]);
    expect(cli.status).toBe(2);
    expect(cli.stderr).toMatch(/no-such-run\/summary\.json: summary\.json of a lucc-carbon output folder .* not found/);
  });
});
