import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, type DemoPaths } from '../data/demo.js';
import { CLI, tmpDir } from './helpers.js';

let demo: DemoPaths;
const tmp = tmpDir('interrupt');

beforeAll(async () => {
  demo = await generateDemo(join(tmp.dir, 'demo'), { size: 2400 });
}, 120_000);
afterAll(() => tmp.cleanup());

/** Start a run, wait until its staging folder exists (outputs are being written), then signal it. */
function interruptedRun(signal: NodeJS.Signals, out: string): Promise<{ code: number | null; stderr: string }> {
  const args = [CLI, 'run', ...demo.rasters.flatMap((r) => ['--raster', `${r.year}=${r.path}`]), '--zones', demo.zonesPath, '--workers', '2', '--out', out];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += String(d); });
  const parent = join(out, '..');
  const poll = setInterval(() => {
    if (readdirSync(parent).some((n) => n.startsWith('.out.lucc-tmp-'))) {
      clearInterval(poll);
      child.kill(signal);
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
});
