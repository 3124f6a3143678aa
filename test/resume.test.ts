import { cpSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { gdalAvailable, realFile, runCli, tmpDir } from './helpers.js';

// Local --resume on the real CAS rasters (300 m, 38 Chongqing counties): a resumed run must write
// exactly what a fresh run of the same inputs writes, and decode only the epochs it cannot reuse.
const raster = (year: number) => realFile(`resdc-landuse-sichuan-chongqing-300m/landuse${year}.tif`);
const zones = realFile('datav-gmap/500000.json');
const ready = Boolean(zones && [1995, 2000, 2005, 2010, 2015, 2020].every((y) => raster(y)));

const COEFFICIENTS = [
  'code,name,primary,coefficient_t_ha_yr',
  '1,cropland,cultivated,5.1', '2,forest,forest,8.7', '3,grassland,grassland,0.75',
  '4,water,wetland,6.75', '5,built-up,construction,0', '6,unused,unused,0.045',
].join('\n') + '\n';

interface Summary {
  blocks_decoded: number;
  resumed: { reused_years: number[]; counted_years: number[]; kept_files: string[] } | null;
}
interface State { epochs: unknown[]; pairs: unknown[]; rasters: { file: string; sha256: string }[] }
const stateOf = (out: string) => JSON.parse(readFileSync(join(out, 'resume.json'), 'utf8')) as State;

describe.runIf(ready)('--resume (local)', () => {
  const tmp = tmpDir('resume');
  const coef = join(tmp.dir, 'coefficients.csv');
  const rasterArgs = (files: Record<number, number>) => Object.entries(files).flatMap(([year, file]) => ['--raster', `${year}=${raster(file)!}`]);
  const THREE = { 2000: 2000, 2010: 2010, 2020: 2020 };
  const FOUR = { ...THREE, 2015: 2015 };
  const run = (out: string, files: Record<number, number>, extra: string[] = [], coefficients = coef) => {
    const r = runCli(['run', ...rasterArgs(files), '--zones', zones!, '--coefficients', coefficients, '--no-report', '--workers', '2', '--out', out, ...extra]);
    expect(r.status, r.stderr).toBe(0);
    return { stderr: r.stderr, summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary };
  };
  /**
   * Every output but summary.json (timings, resume notes) and resume.json (file times) must be
   * byte-identical, and resume.json's tallies equal.
   */
  const expectSameOutputs = (a: string, b: string) => {
    const compared = (n: string) => n !== 'summary.json' && n !== 'resume.json';
    const names = readdirSync(a).filter(compared).sort();
    expect(readdirSync(b).filter(compared).sort()).toEqual(names);
    for (const n of names) expect(readFileSync(join(b, n)).equals(readFileSync(join(a, n))), n).toBe(true);
    const [sa, sb] = [stateOf(a), stateOf(b)];
    expect(sb.epochs).toEqual(sa.epochs);
    expect(sb.pairs).toEqual(sa.pairs);
  };
  let fresh3: Summary, fresh4: Summary;

  beforeAll(() => {
    writeFileSync(coef, COEFFICIENTS);
    fresh3 = run(join(tmp.dir, 'fresh3'), THREE).summary;
    fresh4 = run(join(tmp.dir, 'fresh4'), FOUR).summary;
  }, 120_000);
  afterAll(tmp.cleanup);

  it('the same inputs again: nothing decoded, every file as before, the rasters not even rewritten', () => {
    const out = join(tmp.dir, 'again');
    cpSync(join(tmp.dir, 'fresh3'), out, { recursive: true, preserveTimestamps: true });
    const inode = statSync(join(out, 'sequestration_2000.tif')).ino;
    const { stderr, summary } = run(out, THREE, ['--resume']);
    expect(stderr).toContain('--resume: reusing the counts of 2000, 2010, 2020 and 4 raster(s)');
    expect(stderr).toContain('decoding none');
    expect(summary.blocks_decoded).toBe(0);
    expect(summary.resumed).toEqual({ reused_years: [2000, 2010, 2020], counted_years: [], kept_files: ['sequestration_2000.tif', 'sequestration_2010.tif', 'sequestration_2020.tif', 'change_2000_2020.tif'] });
    expect(statSync(join(out, 'sequestration_2000.tif')).ino).toBe(inode);
    expectSameOutputs(join(tmp.dir, 'fresh3'), out);
  });

  it('a new epoch: only it and its neighbours are decoded, and the result is the fresh run of all four', () => {
    const out = join(tmp.dir, 'added');
    // A plain copy (new modification times): kept rasters are recognised by their SHA-256.
    cpSync(join(tmp.dir, 'fresh3'), out, { recursive: true });
    const { summary } = run(out, FOUR, ['--resume']);
    // 2015 is new; pairs 2010-2015 and 2015-2020 need 2010 and 2020 decoded (their tallies are kept); 2000 and 2000-2020 are reused.
    expect(summary.resumed).toEqual({ reused_years: [2000, 2010, 2020], counted_years: [2010, 2015, 2020], kept_files: ['sequestration_2000.tif', 'change_2000_2020.tif'] });
    expect(summary.blocks_decoded).toBe(fresh4.blocks_decoded * 3 / 4);
    expectSameOutputs(join(tmp.dir, 'fresh4'), out);
    // The rasters' recorded SHA-256 are those of the files (written by the writer, or carried over).
    const freshRasters = stateOf(join(tmp.dir, 'fresh4')).rasters;
    for (const r of stateOf(out).rasters) expect(r.sha256).toBe(freshRasters.find((x) => x.file === r.file)!.sha256);
  });

  it('an epoch whose file changed is counted again (its SHA-256 no longer matches)', () => {
    const out = join(tmp.dir, 'changed');
    cpSync(join(tmp.dir, 'fresh3'), out, { recursive: true, preserveTimestamps: true });
    const swapped = { 2000: 2000, 2010: 2005, 2020: 2020 };
    const { summary } = run(out, swapped, ['--resume']);
    expect(summary.resumed!.counted_years).toEqual([2000, 2010, 2020]); // 2010 and both of its pairs
    const reference = join(tmp.dir, 'changed-fresh');
    run(reference, swapped);
    expectSameOutputs(reference, out);
  });

  it('a damaged raster is written again; other coefficients without rasters decode nothing', () => {
    const out = join(tmp.dir, 'damaged');
    cpSync(join(tmp.dir, 'fresh3'), out, { recursive: true, preserveTimestamps: true });
    const file = join(out, 'sequestration_2010.tif');
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.from([0x55]), 0, 1, statSync(file).size - 100); // same size, other bytes
    closeSync(fd);
    const { summary } = run(out, THREE, ['--resume']);
    expect(summary.resumed!.counted_years).toEqual([2010]);
    expectSameOutputs(join(tmp.dir, 'fresh3'), out);

    const doubled = join(tmp.dir, 'doubled.csv');
    writeFileSync(doubled, COEFFICIENTS.replace('8.7', '17.4'));
    const tablesOnly = join(tmp.dir, 'tables-only');
    run(tablesOnly, THREE, ['--no-rasters']);
    const resumed = run(tablesOnly, THREE, ['--no-rasters', '--resume'], doubled);
    expect(resumed.summary.blocks_decoded).toBe(0);
    const reference = join(tmp.dir, 'doubled-fresh');
    run(reference, THREE, ['--no-rasters'], doubled);
    expectSameOutputs(reference, tablesOnly);
  });

  it('another coverage rule, or no earlier run, counts every epoch', () => {
    const out = join(tmp.dir, 'center');
    cpSync(join(tmp.dir, 'fresh3'), out, { recursive: true, preserveTimestamps: true });
    const center = run(out, THREE, ['--resume', '--coverage', 'center']);
    expect(center.summary.resumed).toBeNull();
    expect(center.stderr).toContain('counted other zones or with other settings');
    const empty = run(join(tmp.dir, 'empty'), THREE, ['--resume']);
    expect(empty.stderr).toMatch(/--resume: nothing to reuse \(.*resume\.json does not exist\); counting every epoch\./);
    expect(empty.summary.blocks_decoded).toBe(fresh3.blocks_decoded);
    expectSameOutputs(join(tmp.dir, 'fresh3'), join(tmp.dir, 'empty'));
  });

  it('zones that project differently (here --zones-crs gcj02: shifted ~500 m) are counted again', () => {
    const out = join(tmp.dir, 'gcj');
    cpSync(join(tmp.dir, 'fresh3'), out, { recursive: true, preserveTimestamps: true });
    const r = run(out, THREE, ['--resume', '--zones-crs', 'gcj02']);
    expect(r.stderr).toContain('counted other zones or with other settings');
    expect(r.summary.resumed).toBeNull();
    const reference = join(tmp.dir, 'gcj-fresh');
    run(reference, THREE, ['--zones-crs', 'gcj02']);
    expectSameOutputs(reference, out);
  });

  it.runIf(gdalAvailable())('a new first epoch stored in strips (other task windows) counts everything again', () => {
    const stripped = join(tmp.dir, 'landuse1995-stripped.tif');
    const t = spawnSync('gdal_translate', ['-q', '-co', 'TILED=NO', '-co', 'COMPRESS=DEFLATE', raster(1995)!, stripped], { encoding: 'utf8' });
    expect(t.status, t.stderr).toBe(0);
    const withStripped = ['--raster', `1995=${stripped}`];
    const out = join(tmp.dir, 'stripped');
    run(out, THREE, ['--no-rasters']);
    const resumed = run(out, THREE, ['--no-rasters', '--resume', ...withStripped]);
    expect(resumed.summary.resumed).toBeNull();
    const reference = join(tmp.dir, 'stripped-fresh');
    run(reference, THREE, ['--no-rasters', ...withStripped]);
    expectSameOutputs(reference, out);
  });

  it('a resume.json edited by hand (a count, or its structure) is not trusted: everything is counted again', () => {
    for (const [label, edit] of [
      ['count', (s: { epochs: { zones: { classes: number[][] }[] }[] }) => { s.epochs[0]!.zones[1]!.classes[0]![1]! += 1000; }],
      ['structure', (s: { rasters: unknown }) => { s.rasters = null; }],
    ] as const) {
      const out = join(tmp.dir, `edited-${label}`);
      cpSync(join(tmp.dir, 'fresh3'), out, { recursive: true, preserveTimestamps: true });
      const statePath = join(out, 'resume.json');
      const state = JSON.parse(readFileSync(statePath, 'utf8'));
      (edit as (s: unknown) => void)(state);
      writeFileSync(statePath, JSON.stringify(state));
      const r = run(out, THREE, ['--resume']);
      expect(r.stderr, label).toMatch(/--resume: nothing to reuse \(.*resume\.json was changed after the run wrote it\); counting every epoch\./);
      expect(r.summary.blocks_decoded).toBe(fresh3.blocks_decoded);
      expectSameOutputs(join(tmp.dir, 'fresh3'), out);
    }
  });

  it.runIf(gdalAvailable())('lon/lat rasters (hectares summed per epoch pair): adding or dropping an epoch still equals a fresh run bit for bit', () => {
    const lonLat: Record<number, string> = {};
    for (const year of [2000, 2010, 2015, 2020]) {
      lonLat[year] = join(tmp.dir, `landuse${year}-4326.tif`);
      const w = spawnSync('gdalwarp', ['-q', '-t_srs', 'EPSG:4326', '-tr', '0.003', '0.003', '-r', 'near', '-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE', raster(year)!, lonLat[year]!], { encoding: 'utf8' });
      expect(w.status, w.stderr).toBe(0);
    }
    const args = (years: number[]) => years.flatMap((y) => ['--raster', `${y}=${lonLat[y]!}`]);
    const go = (out: string, years: number[], extra: string[] = []) => {
      const r = runCli(['run', ...args(years), '--zones', zones!, '--coefficients', coef, '--no-report', '--no-rasters', '--out', out, ...extra]);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
    };
    const out = join(tmp.dir, 'lonlat');
    go(out, [2000, 2010, 2020]);
    // 2015 between 2010 and 2020: 2020's hectares are now summed over 2015-2020, so it is counted again; 2000 and 2010 are not.
    expect(go(out, [2000, 2010, 2015, 2020], ['--resume']).resumed!.reused_years).toEqual([2000, 2010]);
    go(join(tmp.dir, 'lonlat-fresh4'), [2000, 2010, 2015, 2020]);
    expectSameOutputs(join(tmp.dir, 'lonlat-fresh4'), out);
    // Two epochs left: both are the marginals of 2000-2020 now, so both are counted again.
    expect(go(out, [2000, 2020], ['--resume']).resumed!.reused_years).toEqual([]);
    go(join(tmp.dir, 'lonlat-fresh2'), [2000, 2020]);
    expectSameOutputs(join(tmp.dir, 'lonlat-fresh2'), out);
  });
});
