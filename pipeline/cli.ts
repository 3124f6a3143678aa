#!/usr/bin/env node
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseRunArgs, renderUsage, type RunOptions } from './args.js';
import { UserError } from './errors.js';
import { unitColumn } from './units.js';
import { Reporter, runJson } from './report-progress.js';
import type { RunResult } from './run.js';
import { PoolExecutor } from '../workers/executor.js';
import { removeStagingSync } from '../output/staging.js';
import { availableParallelism } from 'node:os';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(renderUsage() + '\n');
    return 0;
  }
  if (command === 'run') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(renderUsage() + '\n');
      return 0;
    }
    const opts = await parseRunArgs(rest);
    return runAndReport(opts);
  }
  if (command === 'demo') return runDemo(rest);
  if (command === 'worker') return runWorker(rest);
  if (command === 'compare') return runCompare(rest);
  if (command === 'check') return runCheck(rest);
  if (command === 'report') return runReport(rest);
  throw new UserError(`Unknown command "${command}". Commands: run, worker, compare, check, report, demo; see \`lucc-carbon --help\`.`);
}

/** `worker --queue redis://HOST:PORT [--concurrency N]`: count tasks of distributed runs until Ctrl-C / SIGTERM. */
async function runWorker(rest: string[]): Promise<number> {
  const usage = 'Usage: lucc-carbon worker --queue redis://HOST:PORT [--concurrency N] (N tasks at once, default one per core).';
  let queue: string | undefined;
  let concurrency = availableParallelism();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    if (name !== '--queue' && name !== '--concurrency') throw new UserError(`worker: unknown argument ${arg}. ${usage}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : rest[++i];
    if (value === undefined || value.startsWith('--')) throw new UserError(`worker: ${name} needs a value. ${usage}`);
    if (name === '--queue') queue = value;
    else concurrency = Number(value);
  }
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UserError(`worker: --concurrency ${concurrency} is not a whole number from 1 to 256. ${usage}`);
  if (!queue) throw new UserError(`worker needs --queue. ${usage}`);
  const { serveQueue } = await import('../workers/queue-worker.js');
  await serveQueue({ url: queue, concurrency, signal: interruption.signal, log: (line) => process.stderr.write(`${line}\n`) });
  return 0;
}

/** `compare A/summary.json B/summary.json [--out DIR]`: B - A, printed and written to DIR (default ./compare). */
async function runCompare(rest: string[]): Promise<number> {
  const files: string[] = [];
  let out = 'compare';
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--out' || arg.startsWith('--out=')) {
      const v = arg === '--out' ? rest[++i] : arg.slice(6);
      if (!v) throw new UserError('--out needs a folder, e.g. lucc-carbon compare a/summary.json b/summary.json --out compare-ab.');
      out = v;
    } else if (arg.startsWith('--')) {
      throw new UserError(`compare: unknown flag ${arg}. Usage: lucc-carbon compare A/summary.json B/summary.json [--out DIR].`);
    } else files.push(arg);
  }
  if (files.length !== 2) throw new UserError(`compare needs two summary.json files (got ${files.length}). Usage: lucc-carbon compare A/summary.json B/summary.json [--out DIR] (default --out compare).`);
  const { compareRuns, readRunSummary, renderComparison, writeComparison } = await import('./compare.js');
  const [a, b] = await Promise.all(files.map((f) => readRunSummary(resolve(f))));
  const comparison = compareRuns(a!, b!);
  const written = await writeComparison(comparison, out);
  process.stdout.write(`${renderComparison(comparison)}\n\n${written.join(', ')} in ${resolve(out)}\n`);
  return 0;
}

/** `check DIR`: exit 0 when every invariant holds, 1 when one does not, 2 when the folder cannot be read. */
async function runCheck(rest: string[]): Promise<number> {
  if (rest.length !== 1 || rest[0]!.startsWith('--')) throw new UserError('check needs one output folder. Usage: lucc-carbon check DIR (the --out folder of a finished run).');
  const dir = resolve(rest[0]!);
  const { checkOutputs, renderChecks } = await import('./check.js');
  const results = await checkOutputs(dir);
  process.stdout.write(renderChecks(dir, results) + '\n');
  return results.every((r) => r.ok) ? 0 : 1;
}

/** `report DIR [--quiet]`: rebuild DIR/report.html from the folder a run wrote. */
async function runReport(rest: string[]): Promise<number> {
  const quiet = rest.includes('--quiet');
  const args = rest.filter((a) => a !== '--quiet');
  if (args.length !== 1 || args[0]!.startsWith('--')) throw new UserError('report needs one output folder. Usage: lucc-carbon report DIR [--quiet] (the --out folder of a finished run).');
  const { rebuildReport } = await import('../output/report/index.js');
  const { path, bytes } = await rebuildReport(resolve(args[0]!), new Reporter(quiet));
  process.stdout.write(`${path} (${(bytes / 1024).toFixed(0)} KiB)\n`);
  return 0;
}

/** `npm start`: the embedded default. Generates the demo region once, then runs it. */
async function runDemo(rest: string[]): Promise<number> {
  const dir = resolve('demo');
  let zones = resolve(dir, 'counties.geojson');
  const years = [2000, 2005, 2010, 2015, 2020];
  const exists = await access(zones).then(() => true, () => false);
  if (!exists) {
    process.stderr.write(`Generating the demo region into ${dir} ...\n`);
    const { generateDemo } = await import('../data/demo.js');
    const demo = await generateDemo(dir);
    zones = demo.zonesPath;
  }
  const opts = await parseRunArgs([
    ...years.flatMap((y) => ['--raster', `${y}=${resolve(dir, `landuse_${y}.tif`)}`]),
    '--zones', zones, '--coefficients', 'chengde-2024', ...rest,
  ]);
  return runAndReport(opts);
}

async function runAndReport(opts: RunOptions): Promise<number> {
  const reporter = new Reporter(opts.quiet);
  const t0 = performance.now();
  // The worker threads boot and load their modules while this thread loads the pipeline's.
  const pool = opts.queue ? null : new PoolExecutor(opts.workers);
  const { runPipeline } = await import('./run.js').catch(async (err: unknown) => { await pool?.close(); throw err; });
  const result = await runPipeline(opts, reporter, interruption.signal, pool);
  const seconds = (performance.now() - t0) / 1000;
  if (opts.json) process.stdout.write(`${JSON.stringify(runJson(result, opts, seconds))}\n`);
  else printTotals(result, opts, seconds);
  return 0;
}

function printTotals(result: RunResult, opts: RunOptions, seconds: number): void {
  const all = result.tables.zones;
  const years = [...new Set(all.map((r) => r.year))];
  const lines = ['', `year  area_ha            ${unitColumn('sequestration_t_yr', opts.unit)}`];
  for (const y of years) {
    const rows = all.filter((r) => r.year === y);
    const area = rows.reduce((s, r) => s + r.area_ha, 0);
    const seq = rows.reduce((s, r) => s + r.sequestration_t_yr, 0);
    lines.push(`${y}  ${area.toFixed(1).padStart(16)}  ${seq.toFixed(1).padStart(18)}`);
  }
  const firstLast = result.tables.change.filter((c) => c.zone_id === 'ALL').at(-1);
  const unit = opts.unit === 'CO2' ? 't CO2/yr' : 't C/yr';
  if (firstLast) lines.push(`change ${firstLast.from_year}-${firstLast.to_year}: ${firstLast.change_t_yr.toFixed(1)} ${unit} (${firstLast.change_pct?.toFixed(2) ?? 'n/a'} %)`);
  const pair = result.summary.top_conversions.pairs.at(-1);
  if (pair && pair.region.length > 0 && !opts.quiet) {
    const key = opts.unit === 'CO2' ? 'sequestration_change_tco2_yr' : 'sequestration_change_t_yr';
    lines.push('', `top ${pair.region.length} conversions ${pair.from_year}-${pair.to_year}, all zones (change in ${unit}, area in ha):`);
    for (const r of pair.region) {
      lines.push(`${String(r.rank).padStart(3)}. ${String(r.conversion).padEnd(32)} ${Number(r[key]).toFixed(1).padStart(14)}  ${Number(r.area_ha).toFixed(1).padStart(12)}`);
    }
  }
  lines.push(`${result.files.length} files in ${opts.out} (${seconds.toFixed(2)} s)`);
  process.stdout.write(lines.join('\n') + '\n');
}

/**
 * Ctrl-C / SIGTERM: stop the workers, remove staged outputs (--out keeps what it had) and exit
 * 130 / 143. A second signal exits at once.
 */
class Interrupted extends Error {
  constructor(readonly signalName: NodeJS.Signals, readonly exitCode: number) {
    super(`interrupted by ${signalName}`);
  }
}
const interruption = new AbortController();
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.on(sig, () => {
    if (interruption.signal.aborted) {
      const cut = removeStagingSync();
      process.stderr.write(cut.length === 0
        ? `\nstopped: second ${sig}; outputs were not changed.\n`
        : `\nstopped: second ${sig} while moving results into ${cut.join(', ')}: some files there are from this run, the others from before. Run again to replace them all.\n`);
      process.exit(code);
    }
    interruption.abort(new Interrupted(sig, code));
  });
}

// Two kinds of failure, handled in one place: a UserError prints one paragraph (exit 2); any
// other error is a bug and prints its stack (exit 1).
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    if (err instanceof Interrupted) {
      process.stderr.write(`\nstopped: ${err.message}; outputs were not changed.\n`);
      process.exitCode = err.exitCode;
    } else if (err instanceof UserError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`internal error (a bug in lucc-carbon; please report it with this trace):\n${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
