import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

export const ROOT = resolve(import.meta.dirname, '..');
export const SHARED = resolve(ROOT, '../shared');
export const REAL = resolve(SHARED, 'data/real');
export const CLI = resolve(ROOT, 'dist/pipeline/cli.js');

/**
 * Path of a real data file in ../shared/data/real. Returns null when it is absent on a
 * developer machine (the caller returns early); under CI=true a missing file fails the test.
 */
export function realFile(rel: string): string | null {
  const p = resolve(REAL, rel);
  if (existsSync(p)) return p;
  if (process.env.CI === 'true') throw new Error(`real data file missing in CI: ${p}`);
  return null;
}

/** A fresh scratch folder under test/.tmp, removed by the returned cleanup. */
export function tmpDir(label: string): { dir: string; cleanup: () => void } {
  const dir = join(ROOT, 'test/.tmp', `${label}-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Run the compiled CLI (as a user would) and capture its output and exit code. */
export function runCli(args: string[], cwd = ROOT): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
}

/** Debian's GDAL tools as an independent checker; absent locally -> null, absent in CI -> failure. */
export function gdalAvailable(): boolean {
  const ok = spawnSync('gdalinfo', ['--version'], { encoding: 'utf8' }).status === 0
    && spawnSync('/usr/bin/python3', ['-c', 'import osgeo, numpy'], { encoding: 'utf8' }).status === 0;
  if (!ok && process.env.CI === 'true') throw new Error('gdal-bin / python3-gdal missing in CI: .ci/run installs them');
  return ok;
}

/** Parse a CSV written by lucc-carbon (no quoted commas in numeric columns). */
export function readCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\n');
  const cols = head!.split(',');
  return lines.map((l) => {
    const cells = splitCsv(l);
    return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? '']));
  });
}

function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (q) { if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') q = false; else cur += ch; }
    else if (ch === '"') q = true;
    else if (ch === ',') { out.push(cur); cur = ''; }
    else cur += ch;
  }
  out.push(cur);
  return out;
}
