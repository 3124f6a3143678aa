import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, type DemoPaths } from '../data/demo.js';
import { openRaster } from '../rasters/open.js';
import { runCli, tmpDir } from './helpers.js';

/** One decode per block and epoch, and the same tables for any number of workers. */
describe('the counting engine on the demo region', () => {
  const tmp = tmpDir('engine');
  let demo: DemoPaths;
  const summary = (out: string) => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  const run = (out: string, years: number, workers: number, extra: string[] = []) => {
    const r = runCli(['run', ...demo.rasters.slice(0, years).flatMap((x) => ['--raster', `${x.year}=${x.path}`]),
      '--zones', demo.zonesPath, '--workers', String(workers), '--no-rasters', '--no-report', '--quiet', '--out', out, ...extra]);
    expect(r.status, r.stderr).toBe(0);
    return summary(out);
  };

  beforeAll(async () => {
    demo = await generateDemo(join(tmp.dir, 'demo'), { size: 1200 });
  }, 120_000);
  afterAll(tmp.cleanup);

  it('decodes each block at most once per epoch, whatever the worker count and epoch count', async () => {
    const info = await openRaster(demo.rasters[0]!.path);
    const blocks = Math.ceil(info.grid.cols / info.blockWidth) * Math.ceil(info.grid.rows / info.blockHeight);
    const one = run(join(tmp.dir, 'e1w1'), 1, 1).blocks_decoded as number;
    expect(one).toBeGreaterThan(0);
    expect(one).toBeLessThanOrEqual(blocks);
    expect(run(join(tmp.dir, 'e1w2'), 1, 2).blocks_decoded).toBe(one);
    // Five epochs of the same grid: five times the blocks of one, no block read twice, and the
    // transitions come from the same pass (no extra decode for them).
    expect(run(join(tmp.dir, 'e5w2'), 5, 2).blocks_decoded).toBe(5 * one);
    // The whole raster as output extent reads no more blocks: only blocks under zones are decoded.
    expect(run(join(tmp.dir, 'e1raster'), 1, 2, ['--extent', 'raster']).blocks_decoded).toBe(one);
  });

  it('gives byte-identical tables for 1 and 2 workers under both coverage rules', () => {
    for (const coverage of ['exact', 'center']) {
      const a = join(tmp.dir, `det-${coverage}-1`);
      const b = join(tmp.dir, `det-${coverage}-2`);
      run(a, 5, 1, ['--coverage', coverage]);
      run(b, 5, 2, ['--coverage', coverage]);
      for (const table of ['zones_classes.csv', 'zones.csv', 'classes.csv', 'change.csv', 'transitions.csv', 'attribution.csv']) {
        expect(readFileSync(join(b, table), 'utf8'), `${coverage} ${table}`).toBe(readFileSync(join(a, table), 'utf8'));
      }
    }
  });
});
