// npm run bench: the CLI end to end on a seeded 30 m fixture (5 epochs x 10,000 x 10,000 cells,
// 11 counties), one warm-up then K timed runs per configuration, median and minimum wall time, CPU,
// peak RSS, cells/s and the workers' phase shares, plus the GDAL + numpy peer when it is installed.
// The checksum (region total per year) is read outside the timed part and must not drift between runs.
//
//     node dist/bench/bench.js [--size N] [--runs K] [--epochs E]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeFixture, ensureFixture, type Fixture } from './fixture.js';
import { measure, measurementMethod, type Measured } from './measure.js';

interface Config { name: string; workers: number; coverage: 'center' | 'exact'; epochs: number; rasters: boolean }
interface RunRecord extends Omit<Measured, 'stdout' | 'stderr'> {
  pipelineS: number | null;
  phasesS: Record<string, number>;
  blocksDecoded: number | null;
  /** region total sequestration (t/yr) per year, summed from zones.csv */
  totals: Record<string, number>;
}
interface ConfigResult { config: Config; runs: RunRecord[]; median: Summary }
interface Summary { wallS: number; minWallS: number; cpuS: number; peakRssMb: number; mCellsPerS: number; phaseShares: Record<string, number> }

const PHASES = ['decode', 'assemble', 'coverage', 'count', 'output'] as const;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(root, 'dist', 'pipeline', 'cli.js');
const PEER = resolve(root, '..', 'shared', 'bench-peers', 'gdal_numpy.py');
const PYTHON = '/usr/bin/python3';
const TARGETS = { oneEpochExactW2S: 0.5, fiveEpochsS: 2.5, peakRssMb: 300 };

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a whole number >= 1, got ${process.argv[i + 1]}.`);
  return v;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Minimal CSV reader (quoted fields allowed): rows as column -> text. */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let field = '', row: string[] = [], quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (ch === '"') quoted = false; else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\n') { row.push(field); rows.push(row); row = []; field = ''; }
    else if (ch !== '\r') field += ch;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head!.map((h, k) => [h, r[k] ?? ''])));
}

async function runLucc(fixture: Fixture, cfg: Config, keepCounts: boolean): Promise<{ record: RunRecord; counts: Map<string, number> | null }> {
  const work = await mkdtemp(join(tmpdir(), 'lucc-bench-'));
  const out = join(work, 'out');
  try {
    const args = ['run',
      ...fixture.rasters.slice(0, cfg.epochs).flatMap((r) => ['--raster', `${r.year}=${r.path}`]),
      '--zones', fixture.zonesPath, '--coefficients', 'chengde-2024',
      '--workers', String(cfg.workers), '--coverage', cfg.coverage, '--out', out, '--quiet',
      ...(cfg.rasters ? [] : ['--no-rasters'])];
    const m = await measure(CLI, args, join(work, 'usage.txt'), true);
    // everything below is outside the timed part
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as {
      timings_s?: { total?: number }; worker_phases_s?: Record<string, number>; blocks_decoded?: number;
    };
    const totals: Record<string, number> = {};
    for (const row of parseCsv(await readFile(join(out, 'zones.csv'), 'utf8'))) totals[row.year!] = (totals[row.year!] ?? 0) + Number(row.sequestration_t_yr);
    let counts: Map<string, number> | null = null;
    if (keepCounts) {
      counts = new Map();
      const first = String(fixture.rasters[0]!.year);
      for (const row of parseCsv(await readFile(join(out, 'zones_classes.csv'), 'utf8'))) {
        if (row.year === first && Number(row.cells) !== 0) counts.set(`${row.zone_id},${row.class_code}`, Number(row.cells));
      }
    }
    const record: RunRecord = {
      wallS: m.wallS, cpuS: m.cpuS, peakRssMb: m.peakRssMb,
      pipelineS: summary.timings_s?.total ?? null, phasesS: summary.worker_phases_s ?? {}, blocksDecoded: summary.blocks_decoded ?? null, totals,
    };
    return { record, counts };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function summarise(runs: RunRecord[], cells: number): Summary {
  const walls = runs.map((r) => r.wallS);
  const phaseSums = Object.fromEntries(PHASES.map((p) => [p, runs.reduce((s, r) => s + (r.phasesS[p] ?? 0), 0)]));
  const all = Object.values(phaseSums).reduce((a, b) => a + b, 0);
  return {
    wallS: median(walls), minWallS: Math.min(...walls), cpuS: median(runs.map((r) => r.cpuS)),
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)), mCellsPerS: cells / median(walls) / 1e6,
    phaseShares: Object.fromEntries(PHASES.map((p) => [p, all > 0 ? phaseSums[p]! / all : NaN])),
  };
}

function table(rows: { name: string; s: Summary; phases: boolean }[]): string {
  const head = ['configuration', 'median s', 'min s', 'CPU s', 'RSS MB', 'M cells/s', ...PHASES];
  const lines = rows.map(({ name, s, phases }) => [name, s.wallS.toFixed(3), s.minWallS.toFixed(3), s.cpuS.toFixed(2), s.peakRssMb.toFixed(0),
    s.mCellsPerS.toFixed(1), ...PHASES.map((p) => (phases ? `${(100 * s.phaseShares[p]!).toFixed(0)}%` : '-'))]);
  const widths = head.map((h, k) => Math.max(h.length, ...lines.map((l) => l[k]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]!) : c.padStart(widths[k]!))).join('  ');
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(fmt)].join('\n');
}

function peerAvailable(): boolean {
  if (!existsSync(PYTHON) || !existsSync(PEER)) return false;
  return spawnSync(PYTHON, ['-c', 'import osgeo.gdal, numpy'], { stdio: 'ignore' }).status === 0;
}

async function runPeer(fixture: Fixture): Promise<{ record: Omit<Measured, 'stdout' | 'stderr'>; counts: Map<string, number> }> {
  const work = await mkdtemp(join(tmpdir(), 'lucc-bench-peer-'));
  try {
    const outCsv = join(work, 'peer.csv');
    const m = await measure(PYTHON, [PEER, fixture.rasters[0]!.path, fixture.zonesPath, outCsv, '--code-field', 'code'], join(work, 'usage.txt'), false);
    const counts = new Map<string, number>();
    for (const row of parseCsv(await readFile(outCsv, 'utf8'))) counts.set(`${row.code},${row.class}`, Number(row.count));
    return { record: { wallS: m.wallS, cpuS: m.cpuS, peakRssMb: m.peakRssMb }, counts };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function compareCounts(ours: Map<string, number>, peer: Map<string, number>): string[] {
  const diffs: string[] = [];
  for (const key of new Set([...ours.keys(), ...peer.keys()])) {
    const a = ours.get(key) ?? 0, b = peer.get(key) ?? 0;
    if (a !== b) diffs.push(`zone,class ${key}: lucc-carbon ${a}, GDAL ${b}`);
  }
  return diffs;
}

async function main(): Promise<number> {
  const size = flag('size', 10_000), runs = flag('runs', 3), epochs = Math.min(5, flag('epochs', 5));
  const log = (line: string): void => { process.stderr.write(`${line}\n`); };
  const fixture = await ensureFixture({ size, log });
  process.stdout.write(`${describeFixture(fixture)}\n`);
  const cellsPerEpoch = size * size;
  const many = `${epochs} epoch${epochs > 1 ? 's' : ''}`;
  const configs: Config[] = [
    { name: `w1 center ${many}`, workers: 1, coverage: 'center', epochs, rasters: false },
    { name: `w1 exact ${many}`, workers: 1, coverage: 'exact', epochs, rasters: false },
    { name: `w2 center ${many}`, workers: 2, coverage: 'center', epochs, rasters: false },
    { name: `w2 exact ${many}`, workers: 2, coverage: 'exact', epochs, rasters: false },
    { name: 'w2 exact 1 epoch', workers: 2, coverage: 'exact', epochs: 1, rasters: false },
    // output cost: one epoch is enough (it scales with epochs) and keeps the bench short
    { name: 'w2 exact 1 epoch +rasters', workers: 2, coverage: 'exact', epochs: 1, rasters: true },
    { name: 'w2 center 1 epoch', workers: 2, coverage: 'center', epochs: 1, rasters: false },
  ];
  process.stdout.write(`\n${runs} timed runs after 1 warm-up per configuration; CPU and RSS via ${measurementMethod}\n`);
  const loadBefore = loadavg()[0]!;
  if (loadBefore > 0.5) process.stdout.write(`note: load average ${loadBefore.toFixed(2)} before the runs: other processes share the CPUs, timings will be noisy\n`);

  const results: ConfigResult[] = [];
  const failures: string[] = [];
  const reference: Record<string, Record<string, number>> = {}; // coverage -> year -> total
  let ourCenterCounts: Map<string, number> | null = null;
  for (const cfg of configs) {
    const records: RunRecord[] = [];
    try {
      for (let k = 0; k <= runs; k++) {
        const keep = cfg.coverage === 'center' && cfg.epochs === 1 && k === 0;
        const { record, counts } = await runLucc(fixture, cfg, keep);
        if (counts) ourCenterCounts = counts;
        // checksum: every run of one coverage rule gives the same region total per year, to the last bit
        const ref = (reference[cfg.coverage] ??= {});
        for (const [year, total] of Object.entries(record.totals)) {
          if (ref[year] === undefined) ref[year] = total;
          else if (ref[year] !== total) failures.push(`checksum drift (${cfg.name}, run ${k}, ${year}): ${total} t/yr vs ${ref[year]} t/yr`);
        }
        if (k > 0) records.push(record); // k = 0 is the warm-up
      }
    } catch (err) {
      failures.push(`${cfg.name}: ${(err as Error).message}`);
      log(`  ${cfg.name}: FAILED`);
      continue;
    }
    const summary = summarise(records, cellsPerEpoch * cfg.epochs);
    log(`  ${cfg.name}: median ${summary.wallS.toFixed(3)} s (${records.map((r) => r.wallS.toFixed(3)).join(', ')})`);
    results.push({ config: cfg, runs: records, median: summary });
  }

  let peer: { runs: Omit<Measured, 'stdout' | 'stderr'>[]; median: Summary; countsMatch: boolean | null; diffs: string[] } | null = null;
  if (peerAvailable()) {
    log('  GDAL + numpy (epoch 2000) ...');
    const records: Omit<Measured, 'stdout' | 'stderr'>[] = [];
    let peerCounts: Map<string, number> | null = null;
    for (let k = 0; k <= runs; k++) {
      const r = await runPeer(fixture);
      peerCounts ??= r.counts;
      if (k > 0) records.push(r.record);
    }
    const diffs = ourCenterCounts && peerCounts ? compareCounts(ourCenterCounts, peerCounts) : [];
    const countsMatch = ourCenterCounts && peerCounts ? diffs.length === 0 : null;
    if (countsMatch === false) failures.push(`center counts differ from GDAL + numpy in ${diffs.length} zone x class cells, e.g. ${diffs.slice(0, 3).join('; ')}`);
    peer = { runs: records, median: summarise(records.map((r) => ({ ...r, pipelineS: null, phasesS: {}, blocksDecoded: null, totals: {} })), cellsPerEpoch), countsMatch, diffs: diffs.slice(0, 20) };
  }

  const rows = results.map((r) => ({ name: r.config.name, s: r.median, phases: true }));
  if (peer) rows.push({ name: 'GDAL+numpy 1 epoch (center)', s: peer.median, phases: false });
  process.stdout.write(`\n${table(rows)}\n`);
  process.stdout.write('phase shares: worker time per phase (summary.json worker_phases_s, summed over workers and runs)\n');

  const byName = (name: string): ConfigResult | undefined => results.find((r) => r.config.name === name);
  const oneCenter = byName('w2 center 1 epoch'), oneExact = byName('w2 exact 1 epoch');
  const wall = (r: ConfigResult | undefined): string => (r ? `${r.median.wallS.toFixed(3)} s` : 'failed');
  process.stdout.write(`\nper epoch (w2, 1 epoch): exact ${wall(oneExact)}, center ${wall(oneCenter)}\n`);
  const withRasters = byName('w2 exact 1 epoch +rasters');
  if (withRasters && oneExact) process.stdout.write(`output cost (sequestration GeoTIFF, 1 epoch): +${(withRasters.median.wallS - oneExact.median.wallS).toFixed(3)} s wall, +${(withRasters.median.peakRssMb - oneExact.median.peakRssMb).toFixed(0)} MB peak RSS\n`);
  for (const [coverage, totals] of Object.entries(reference)) {
    process.stdout.write(`checksum ${coverage}: ${Object.entries(totals).map(([y, t]) => `${y} ${t.toFixed(4)}`).join(', ')} t/yr ${failures.some((f) => f.startsWith('checksum') && f.includes(coverage)) ? 'DRIFTED' : '(identical in all runs)'}\n`);
  }
  if (peer) {
    const ratio = oneCenter ? (oneCenter.median.wallS / peer.median.wallS).toFixed(2) : 'n/a';
    process.stdout.write(`lucc-carbon (center, 2 workers, 1 epoch) / GDAL+numpy: ${ratio} (${wall(oneCenter)} vs ${peer.median.wallS.toFixed(3)} s); counts ${peer.countsMatch === null ? 'not compared' : peer.countsMatch ? 'identical' : `DIFFER (${peer.diffs.length}+ cells)`}\n`);
  } else process.stdout.write(`GDAL + numpy peer skipped: needs ${PYTHON} with osgeo and numpy, and ${PEER}\n`);

  const fiveExact = epochs === 5 ? byName('w2 exact 5 epochs') : undefined;
  const maxRss = Math.max(...results.map((r) => r.median.peakRssMb));
  const holds = (ok: boolean): string => (ok ? 'holds' : 'MISSED');
  const targets = {
    oneEpochExactW2: oneExact ? { targetS: TARGETS.oneEpochExactW2S, medianS: oneExact.median.wallS, holds: oneExact.median.wallS < TARGETS.oneEpochExactW2S } : null,
    fiveEpochsExactW2: fiveExact ? { targetS: TARGETS.fiveEpochsS, medianS: fiveExact.median.wallS, holds: fiveExact.median.wallS < TARGETS.fiveEpochsS } : null,
    peakRss: { targetMb: TARGETS.peakRssMb, maxMb: maxRss, holds: maxRss < TARGETS.peakRssMb },
  };
  process.stdout.write(`\ntargets${size === 10_000 ? '' : ` (set for 10,000 x 10,000; this run is ${size} x ${size})`}:\n`);
  process.stdout.write(`  one epoch, exact, 2 workers < ${TARGETS.oneEpochExactW2S} s: ${oneExact ? `${wall(oneExact)} ${holds(targets.oneEpochExactW2!.holds)}` : 'failed'}\n`);
  process.stdout.write(`  five epochs (exact, 2 workers) < ${TARGETS.fiveEpochsS} s: ${fiveExact ? `${fiveExact.median.wallS.toFixed(3)} s ${holds(targets.fiveEpochsExactW2!.holds)}` : `not run (--epochs ${epochs})`}\n`);
  process.stdout.write(`  peak RSS < ${TARGETS.peakRssMb} MB (all lucc-carbon runs): ${maxRss.toFixed(0)} MB ${holds(targets.peakRss.holds)}\n`);

  const cpu = cpus();
  const report = {
    machine: { cpus: cpu.length, model: cpu[0]?.model ?? 'unknown', node: process.version, platform: `${process.platform} ${process.arch}`, memoryMb: Math.round(totalmem() / 2 ** 20),
      loadAverage1m: { before: loadBefore, after: loadavg()[0]! } },
    date: new Date().toISOString(),
    command: `node dist/bench/bench.js --size ${size} --runs ${runs} --epochs ${epochs}`,
    measurement: measurementMethod,
    fixture: { size, epochs: fixture.rasters.map((r) => r.year), dir: fixture.dir, cached: fixture.cached, ...fixture.stats },
    configurations: results,
    peer,
    checksums: reference,
    targets,
    failures,
  };
  const resultsPath = join(root, 'bench', 'results.json');
  await writeFile(resultsPath, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(`\nwrote ${resultsPath}\n`);
  for (const f of failures) process.stderr.write(`FAILED: ${f}\n`);
  return failures.length > 0 ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
