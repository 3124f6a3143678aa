import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, type DemoPaths } from '../data/demo.js';
import { CLI, runCli, tmpDir } from './helpers.js';

let demo: DemoPaths;
const tmp = tmpDir('interrupt');

beforeAll(async () => {
  demo = await generateDemo(join(tmp.dir, 'demo'), { size: 2400 });
}, 120_000);
afterAll(() => tmp.cleanup());

/** Start a run, wait until its staging folder exists (outputs are being written), then signal it. */
function interruptedRun(signal: NodeJS.Signals, out: string, times = 1): Promise<{ code: number | null; stderr: string }> {
  const args = [CLI, 'run', ...demo.rasters.flatMap((r) => ['--raster', `${r.year}=${r.path}`]), '--zones', demo.zonesPath, '--workers', '2', '--out', out];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += String(d); });
  const parent = join(out, '..');
  const poll = setInterval(() => {
    if (readdirSync(parent).some((n) => n.startsWith('.out.lucc-tmp-'))) {
      clearInterval(poll);
      for (let k = 0; k < times; k++) child.kill(signal);
    }
  }, 2);
  return new Promise((resolve) => child.on('exit', (code) => { clearInterval(poll); resolve({ code, stderr }); }));
}

describe('interruptions', () => {
  for (const [signal, exitCode] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} mid-run exits ${exitCode}, removes staged files and leaves --out as it was`, async () => {
      const parent = join(tmp.dir, signal);
      const out = join(parent, 'out');
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'zones.csv'), 'previous results\n');
      const { code, stderr } = await interruptedRun(signal, out);
      expect(code).toBe(exitCode);
      expect(stderr).toContain('outputs were not changed');
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(readdirSync(out)).toEqual(['zones.csv']);
      expect(readFileSync(join(out, 'zones.csv'), 'utf8')).toBe('previous results\n');
      expect(readdirSync(parent).filter((n) => n.includes('lucc-tmp'))).toEqual([]);
      expect(existsSync(join(out, 'sequestration_2000.tif'))).toBe(false);
    });
  }

  it('a second SIGINT exits at once, and still removes the staging folder', async () => {
    const parent = join(tmp.dir, 'twice');
    const out = join(parent, 'out');
    mkdirSync(parent, { recursive: true });
    const { code, stderr } = await interruptedRun('SIGINT', out, 2);
    expect(code).toBe(130);
    expect(stderr).toMatch(/stopped: (second SIGINT|interrupted by SIGINT); outputs were not changed/);
    expect(readdirSync(parent)).toEqual([]);
  });
});

describe('--out in the way', () => {
  const demoArgs = () => ['run', ...demo.rasters.slice(0, 2).flatMap((r) => ['--raster', `${r.year}=${r.path}`]), '--zones', demo.zonesPath, '--no-report', '--no-rasters'];

  it('a staging folder left by a run on this host that was killed outright is removed by the next run; others stay', () => {
    const parent = join(tmp.dir, 'abandoned');
    const host = `.out.lucc-tmp-${hostname().replace(/[^\w.-]/g, '_')}-`;
    // No process has this id (Linux's pid_max is at most 2^22); a live process's folder stays, and so
    // do folders of other hosts (their process ids mean nothing here) and names that are not ours.
    const stale = join(parent, `${host}2147483647`);
    const keep = [`${host}${process.pid}`, '.out.lucc-tmp-otherhost-2147483647', `${host}0x10`];
    mkdirSync(stale, { recursive: true });
    for (const k of keep) mkdirSync(join(parent, k));
    writeFileSync(join(stale, 'zones.csv'), 'half written\n');
    const r = runCli([...demoArgs(), '--out', join(parent, 'out')]);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(parent).sort()).toEqual([...keep, 'out'].sort());
  });

  it('a folder where an output file goes: exit 2 before any file moves in', () => {
    const out = join(tmp.dir, 'blocked', 'out');
    mkdirSync(join(out, 'zones.csv'), { recursive: true });
    const r = runCli([...demoArgs(), '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\nerror: --out .*out: holds a folder named zones\.csv, where this run writes a file\. Move or rename that folder, then run again \(nothing was changed\)\.\n$/);
    expect(readdirSync(out)).toEqual(['zones.csv']);
    expect(readdirSync(join(tmp.dir, 'blocked'))).toEqual(['out']);
  });
});
