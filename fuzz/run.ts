import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeCase, runCase } from './harness.js';

/**
 * `npm run fuzz -- --runs N [--seed S] [--out DIR]`: N in-process cases with seeds S .. S+N-1.
 * Prints a line per finding and a summary; findings (seed, mutation, message, stack) go to
 * DIR/findings.jsonl, so each can be replayed with --seed <seed> --runs 1. Exit 1 on findings.
 */
async function main(argv: string[]): Promise<number> {
  const flag = (name: string, def: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : def;
  };
  const runs = Number(flag('runs', '1000'));
  const seed0 = Number(flag('seed', '1'));
  const out = resolve(flag('out', 'fuzz-findings'));
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed0)) {
    process.stderr.write('usage: npm run fuzz -- --runs N [--seed S] [--out DIR]\n');
    return 2;
  }
  const dir = join(out, `case-${process.pid}`);
  mkdirSync(out, { recursive: true });
  const findingsFile = join(out, 'findings.jsonl');
  // The seed being run, so a crash or hang of the whole process still names its case.
  const currentFile = join(out, `current-${process.pid}`);
  const counts = { ok: 0, user: 0, finding: 0 };
  const messages = new Map<string, number>();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) {
    const seed = seed0 + i;
    writeFileSync(currentFile, String(seed));
    const c = makeCase(seed, dir);
    const v = await runCase(c);
    counts[v.kind]++;
    if (v.kind === 'user') {
      // message class: the text after the file name, numbers blanked
      const cls = v.message.replace(/^[^:]*: /, '').replace(/[\d.]+/g, '#').slice(0, 60);
      messages.set(cls, (messages.get(cls) ?? 0) + 1);
    }
    if (v.kind === 'finding') {
      process.stdout.write(`FINDING seed ${seed} (${c.what}): ${v.message}\n`);
      appendFileSync(findingsFile, JSON.stringify({ seed, what: c.what, coverage: c.coverage, message: v.message, stack: v.stack }) + '\n');
    }
    if ((i + 1) % 5000 === 0) process.stdout.write(`${i + 1}/${runs} cases, ${counts.finding} findings, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  rmSync(dir, { recursive: true, force: true });
  rmSync(currentFile, { force: true });
  const s = (performance.now() - t0) / 1000;
  process.stdout.write(`\n${runs} cases (seeds ${seed0}..${seed0 + runs - 1}) in ${s.toFixed(1)} s: ${counts.ok} ran clean, ${counts.user} user errors, ${counts.finding} findings\n`);
  process.stdout.write('most frequent user-error classes:\n');
  for (const [m, n] of [...messages].sort((a, b) => b[1] - a[1]).slice(0, 25)) process.stdout.write(`${String(n).padStart(8)}  ${m}\n`);
  return counts.finding > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`fuzz runner failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
