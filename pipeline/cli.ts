#!/usr/bin/env node
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { generateDemo } from '../data/demo.js';
import { parseRunArgs, renderUsage, type RunOptions } from './args.js';
import { UserError } from './errors.js';
import { Reporter } from './report-progress.js';
import { runPipeline, type RunResult } from './run.js';

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
  throw new UserError(`Unknown command "${command}". Commands: run, demo; see \`lucc-carbon --help\`.`);
}

/** `npm start`: the embedded default. Generates the demo region once, then runs it. */
async function runDemo(rest: string[]): Promise<number> {
  const dir = resolve('demo');
  let zones = resolve(dir, 'counties.geojson');
  const years = [2000, 2005, 2010, 2015, 2020];
  const exists = await access(zones).then(() => true, () => false);
  if (!exists) {
    process.stderr.write(`Generating the demo region into ${dir} ...\n`);
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
  const result = await runPipeline(opts, reporter, interruption.signal);
  printTotals(result, opts, (performance.now() - t0) / 1000);
  return 0;
}

function printTotals(result: RunResult, opts: RunOptions, seconds: number): void {
  const all = result.tables.zones;
  const years = [...new Set(all.map((r) => r.year))];
  const lines = ['', 'year  area_ha            sequestration_t_yr'];
  for (const y of years) {
    const rows = all.filter((r) => r.year === y);
    const area = rows.reduce((s, r) => s + r.area_ha, 0);
    const seq = rows.reduce((s, r) => s + r.sequestration_t_yr, 0);
    lines.push(`${y}  ${area.toFixed(1).padStart(16)}  ${seq.toFixed(1).padStart(18)}`);
  }
  const firstLast = result.tables.change.filter((c) => c.zone_id === 'ALL').at(-1);
  if (firstLast) lines.push(`change ${firstLast.from_year}-${firstLast.to_year}: ${firstLast.change_t_yr.toFixed(1)} t/yr (${firstLast.change_pct?.toFixed(2) ?? 'n/a'} %)`);
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
    if (interruption.signal.aborted) process.exit(code);
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
