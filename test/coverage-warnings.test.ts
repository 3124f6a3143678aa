import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gdalAvailable, realFile, runCli, tmpDir } from './helpers.js';

const COEFFICIENTS = 'code,name,primary,coefficient_t_ha_yr\n1,cropland,cultivated,6.15\n2,forest,forest,8.7\n3,grassland,grassland,0.75\n4,water,wetland,6.75\n5,built-up,construction,0\n';
const tmp = tmpDir('warnings');
afterAll(tmp.cleanup);
const cas = (y: number) => realFile(`resdc-landuse-sichuan-chongqing-300m/landuse${y}.tif`);
const chongqing = realFile('datav-gmap/500000.json');
const coef = join(tmp.dir, 'coef.csv');
writeFileSync(coef, COEFFICIENTS);

/** The warnings of a run: stderr lines starting with "warning: ". */
function warnings(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('warning: '));
}

describe('what the tables alone would hide is said on stderr', () => {
  it('zones partly outside the raster are named with the share missing', () => {
    if (!cas(2000) || !chongqing) return;
    const r = runCli(['run', '--raster', `2000=${cas(2000)}`, '--zones', chongqing, '--coefficients', coef, '--unmapped', 'zero', '--no-rasters', '--no-report', '--quiet', '--out', join(tmp.dir, 'partial')]);
    expect(r.status, r.stderr).toBe(0);
    const w = warnings(r.stderr).find((l) => l.includes('extend beyond the raster extent'));
    expect(w).toBeDefined();
    // 奉节县 lies almost wholly beyond the clipped raster.
    expect(w).toMatch(/500236 \(奉节县\) (9\d|100)\.\d % outside/);
  });

  it('an overlap of two zones (one county given twice) is measured and named', () => {
    if (!cas(2000) || !chongqing) return;
    const features = JSON.parse(readFileSync(chongqing, 'utf8')) as { properties: { adcode: number } }[];
    const yuzhong = features.find((f) => f.properties.adcode === 500103)!;
    const twice = [yuzhong, { ...yuzhong, properties: { ...yuzhong.properties, adcode: 999999 } }];
    const zones = join(tmp.dir, 'twice.json');
    writeFileSync(zones, JSON.stringify(twice));
    const r = runCli(['run', '--raster', `2000=${cas(2000)}`, '--zones', zones, '--coefficients', coef, '--unmapped', 'zero', '--no-rasters', '--no-report', '--quiet', '--out', join(tmp.dir, 'overlap')]);
    expect(r.status, r.stderr).toBe(0);
    const w = warnings(r.stderr).find((l) => l.includes('Zones overlap'));
    expect(w).toBeDefined();
    // The whole county is the overlap. The measure is a lower bound, exact inside the county and
    // short on its edge (two half-covered cells add up to one): within 15 % for this small district.
    const zonesCsv = readFileSync(join(tmp.dir, 'overlap', 'zones.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const areaHa = Number(zonesCsv[0]![3]) + Number(zonesCsv[0]![4]);
    const overlapHa = Number(/\(([\d.]+) ha\)/.exec(w!)![1]);
    expect(overlapHa).toBeLessThanOrEqual(areaHa);
    expect(overlapHa).toBeGreaterThan(0.85 * areaHa);
  });

  it('epochs whose data cover different areas are flagged: part of the change is coverage, not land use', () => {
    if (!cas(2000) || !cas(2020) || !chongqing || !gdalAvailable()) return;
    const west = join(tmp.dir, 'west2020.tif');
    expect(spawnSync('gdal_translate', ['-q', '-srcwin', '0', '0', '1122', '1743', cas(2020)!, west]).status).toBe(0);
    const r = runCli(['run', '--raster', `2000=${cas(2000)}`, '--raster', `2020=${west}`, '--zones', chongqing, '--coefficients', coef, '--unmapped', 'zero', '--no-rasters', '--no-report', '--quiet', '--out', join(tmp.dir, 'shifted')]);
    expect(r.status, r.stderr).toBe(0);
    expect(warnings(r.stderr).some((l) => l.includes('The area with data differs between epochs'))).toBe(true);
  });

  it('--unmapped zero says which codes were counted at 0', () => {
    if (!cas(2000) || !chongqing) return;
    const r = runCli(['run', '--raster', `2000=${cas(2000)}`, '--zones', chongqing, '--coefficients', coef, '--unmapped', 'zero', '--no-rasters', '--no-report', '--quiet', '--out', join(tmp.dir, 'unmapped')]);
    expect(warnings(r.stderr).find((l) => l.includes('--unmapped zero'))).toMatch(/class code\(s\) without a coefficient were counted at 0 t\/ha\/yr: 6 \(\d+ cells\)/);
  });
});

describe('re-running into the same --out', () => {
  it('replaces the earlier outputs, removes those of years no longer asked for, keeps other files', () => {
    if (!cas(2000) || !cas(2020) || !cas(1990) || !chongqing) return;
    const out = join(tmp.dir, 'rerun');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'notes.txt'), 'mine\n');
    const base = ['--zones', chongqing, '--coefficients', coef, '--unmapped', 'zero', '--no-report', '--quiet', '--out', out];
    expect(runCli(['run', '--raster', `2000=${cas(2000)}`, '--raster', `2020=${cas(2020)}`, ...base]).status).toBe(0);
    expect(existsSync(join(out, 'sequestration_2000.tif'))).toBe(true);
    expect(runCli(['run', '--raster', `1990=${cas(1990)}`, '--raster', `2000=${cas(2000)}`, ...base]).status).toBe(0);
    const files = readdirSync(out);
    expect(files).toContain('notes.txt');
    expect(files).toContain('sequestration_1990.tif');
    expect(files).toContain('change_1990_2000.tif');
    expect(files).not.toContain('sequestration_2020.tif');
    expect(files).not.toContain('change_2000_2020.tif');
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine\n');
  });
});
