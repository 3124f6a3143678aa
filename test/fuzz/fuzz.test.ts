import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeCase, runCase, TIME_LIMIT_MS } from '../../fuzz/harness.js';
import { checkOutputs } from '../../pipeline/check.js';
import { runCli, tmpDir } from '../helpers.js';

// The short fuzz pass of `npm test` (the long one: `npm run fuzz -- --runs N`). Fixed seeds, so
// a failure here replays with `npm run fuzz -- --seed <seed> --runs 1`; FUZZ_SEED moves the window.

const tmp = tmpDir('fuzz');
afterAll(tmp.cleanup);
const SEED = Number(process.env.FUZZ_SEED ?? 7_000_000);

describe('fuzz: mutated TIFFs, shapefiles, GeoJSON and coefficient CSVs', () => {
  it('300 cases in-process: each ends in a user error or in tables that reconcile, never in a bug', async () => {
    const findings: string[] = [];
    const kinds = { ok: 0, user: 0, finding: 0 };
    for (let i = 0; i < 300; i++) {
      const c = makeCase(SEED + i, join(tmp.dir, 'in-process'));
      const v = await runCase(c);
      kinds[v.kind]++;
      if (v.kind === 'finding') findings.push(`seed ${c.seed} (${c.what}): ${v.message}\n${v.stack ?? ''}`);
    }
    expect(findings).toEqual([]);
    // the mutations reach both outcomes
    expect(kinds.ok).toBeGreaterThan(10);
    expect(kinds.user).toBeGreaterThan(100);
  }, 120_000);

  it('24 cases through the CLI: exit 0 with outputs passing checkOutputs, or exit 2 with one "error:" paragraph and --out untouched', async () => {
    let ok = 0;
    for (let i = 0; i < 24; i++) {
      const c = makeCase(SEED + 10_000 + i, join(tmp.dir, `cli-${i}`));
      const out = join(tmp.dir, `cli-${i}`, 'out');
      const t0 = performance.now();
      const res = runCli(['run', '--raster', `2020=${c.raster}`, '--zones', c.zones, '--coefficients', c.coefficients, '--coverage', c.coverage, '--workers', '1', '--quiet', '--out', out]);
      const where = `seed ${c.seed} (${c.what}): ${res.stderr}`;
      expect(performance.now() - t0, where).toBeLessThan(TIME_LIMIT_MS);
      expect(res.stderr, where).not.toContain('\n    at ');
      expect([0, 2], where).toContain(res.status);
      if (res.status === 2) {
        expect(res.stderr.startsWith('error: '), where).toBe(true);
        expect(res.stderr.trim().split('\n'), where).toHaveLength(1);
        expect(readdirSync(join(tmp.dir, `cli-${i}`)).filter((f) => f === 'out' || f.includes('.lucc-tmp-')), where).toEqual([]);
        continue;
      }
      ok++;
      for (const check of await checkOutputs(out)) expect(check.ok, `${where} ${check.name}: ${check.detail}`).toBe(true);
    }
    expect(ok).toBeGreaterThan(0);
  }, 120_000);
});
