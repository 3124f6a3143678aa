import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, type DemoPaths } from '../data/demo.js';
import { CLI, tmpDir } from './helpers.js';

/** Failures that are not the input's fault: a worker that dies, a disk that fills up. */
describe('failures while running', () => {
  const tmp = tmpDir('failures');
  let demo: DemoPaths;
  beforeAll(async () => {
    demo = await generateDemo(join(tmp.dir, 'demo'), { size: 900 });
  }, 120_000);
  afterAll(tmp.cleanup);

  const args = (out: string) => ['run', ...demo.rasters.slice(0, 2).flatMap((r) => ['--raster', `${r.year}=${r.path}`]),
    '--zones', demo.zonesPath, '--workers', '2', '--quiet', '--out', out];
  const sentinelOut = (name: string) => {
    const out = join(tmp.dir, name, 'out');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'keep.txt'), 'before\n');
    return out;
  };
  const expectUntouched = (out: string) => {
    expect(readdirSync(out)).toEqual(['keep.txt']);
    expect(readFileSync(join(out, 'keep.txt'), 'utf8')).toBe('before\n');
    expect(readdirSync(join(out, '..')).filter((n) => n.includes('lucc-tmp'))).toEqual([]);
  };

  it('a worker thread that runs out of memory fails the run, naming the raster and window, without hanging', () => {
    const out = sentinelOut('oom');
    const r = spawnSync(process.execPath, [CLI, ...args(out)], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, LUCC_WORKER_HEAP_MB: '2' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: A worker thread died while counting the window of \d+ x \d+ cells at column \d+, row \d+ of .*landuse_2000\.tif.*memory limit/);
    expect(r.stderr).not.toContain('\n    at ');
    expectUntouched(out);
  });

  it('a disk that fills up while writing: one paragraph, exit 2, --out as it was', () => {
    // A 200 kB tmpfs as the output disk (needs root and mount, as on this project's machines).
    const disk = join(tmp.dir, 'tiny');
    mkdirSync(disk, { recursive: true });
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=200k', 'tmpfs', disk]).status !== 0) return;
    try {
      const out = join(disk, 'out');
      mkdirSync(out);
      writeFileSync(join(out, 'keep.txt'), 'before\n');
      const r = spawnSync(process.execPath, [CLI, ...args(out)], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^error: --out .*: writing the results failed \(ENOSPC[^\n]*The disk is full[^\n]*\n$/);
      expectUntouched(out);
    } finally {
      spawnSync('umount', [disk]);
    }
  });
});
